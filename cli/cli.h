/* cli.h: the subcommands of `edgescout`, one file each under cli/. */
#ifndef EDGESCOUT_CLI_H
#define EDGESCOUT_CLI_H

/* Each takes the arguments after its own name (argv[0] is the subcommand
 * name) and returns the process exit status: 0 ok, 1 failure, 2 usage. */
int cmd_db(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_routes(int argc, char **argv);
int cmd_nginx_conf(int argc, char **argv);
int cmd_health(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_seed_demo(int argc, char **argv);
int cmd_market(int argc, char **argv);
int cmd_odds(int argc, char **argv);
int cmd_deals(int argc, char **argv);
int cmd_stream(int argc, char **argv);
int cmd_cron(int argc, char **argv);
int cmd_openapi(int argc, char **argv);
int cmd_backup(int argc, char **argv);

/* 1 when --help or -h is among argv[from..argc-1] (a subcommand's own
 * arguments), else 0. */
int cli_wants_help(int argc, char **argv, int from);

#endif
