/* procname.h: the name of the running program ("auth", "prune",
 * "edgescout"), for whatever names the process to the outside: the
 * database's application_name, usage lines. */
#ifndef EDGESCOUT_PROCNAME_H
#define EDGESCOUT_PROCNAME_H

/* Name the process: the basename of name (argv[0] or a job's name). name
 * must outlive the process's use of it (argv, a literal). */
void procname_set(const char *name);

/* The process's name; "edgescout" until procname_set. */
const char *procname_get(void);

#endif
