/* seed.c: `edgescout seed-demo`: the demo user and an admin, each with a
 * generated password kept in a login file under DATA_DIR. Idempotent: a
 * user that exists is left as it is. */
#include "cli.h"
#include "user.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "db_cmd.h"
#include "password.h"
#include "pool.h"

#define WHAT "seed-demo"
#define PASSWORD_BYTES 18          /* 144 random bits: 24 base64url characters */
#define DEFAULT_URL "https://localhost:8443"
#define STACK_CA "etc/tls/cert.pem"     /* the certificate of a stack in DATA_DIR */

static const struct seed {
	const char *email, *role, *tier, *file;
} seeds[] = {
	{ "demo@edgescout.local", "user", "pro", "demo-login.json" },
	{ "admin@edgescout.local", "admin", "pro", "admin-login.json" },
	{ NULL, NULL, NULL, NULL }
};

static const char seed_usage[] =
	"usage: edgescout seed-demo [--url URL] [--cacert FILE]\n"
	"\n"
	"Creates, when missing, demo@edgescout.local (tier pro) and the admin\n"
	"admin@edgescout.local, each with a generated password that is printed\n"
	"once and kept as a login body in DATA_DIR/demo-login.json and\n"
	"DATA_DIR/admin-login.json (mode 600). Users that exist are left as\n"
	"they are. Prints the curl line that logs in (URL defaults to\n"
	DEFAULT_URL "; FILE to DATA_DIR/" STACK_CA " when it exists).\n";

/* A random password that the policy accepts for email. */
static int
new_password(const char *email, char *out, size_t size)
{
	unsigned char raw[PASSWORD_BYTES];

	for (int tries = 0; tries < 10; tries++) {
		randombytes_buf(raw, sizeof(raw));
		sodium_bin2base64(out, size, raw, sizeof(raw),
		                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		if (password_weakness(out, email) == NULL) {
			sodium_memzero(raw, sizeof(raw));
			return 0;
		}
	}
	sodium_memzero(raw, sizeof(raw));
	return -1;
}

/* Write the login body {"email","password"} to tmp, mode 600, new file. */
static int
write_login(const char *tmp, const char *email, const char *pw)
{
	json_object *o = json_object_new_object();
	const char *text;
	int fd, ok;

	json_object_object_add(o, "email", json_object_new_string(email));
	json_object_object_add(o, "password", json_object_new_string(pw));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text) &&
	     write(fd, "\n", 1) == 1 && fsync(fd) == 0;
	if (fd >= 0 && close(fd) != 0)
		ok = 0;
	json_object_put(o);
	if (!ok)
		dbcmd_fail(WHAT, "cannot write %s: %s", tmp, strerror(errno));
	return ok ? 0 : -1;
}

/* An existing user: say whether its login file still logs in. */
static void
report_existing(const struct usercmd_user *u, const char *path)
{
	json_object *o = json_object_from_file(path);
	json_object *pw = NULL;
	const char *off = u->disabled ? ", disabled: edgescout user enable to use it" : "";

	if (o == NULL)
		printf("%s exists (user %s%s); no login file at %s: its password was set "
		       "elsewhere\n", u->email, u->id, off, path);
	else if (json_object_object_get_ex(o, "password", &pw) &&
	         password_verify(u->password_hash, json_object_get_string(pw)))
		printf("%s exists (user %s%s); its login is in %s\n", u->email, u->id, off, path);
	else
		printf("%s exists (user %s%s); %s no longer matches its password\n", u->email,
		       u->id, off, path);
	json_object_put(o);
}

/* Create s unless it exists; 0 or -1 (printed). */
static int
seed_one(struct pool *p, PGconn *c, const struct seed *s, const char *path)
{
	const char *tmp = pool_printf(p, "%s.tmp.%ld", path, (long)getpid());
	char pw[sodium_base64_ENCODED_LEN(PASSWORD_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
	struct usercmd_user u;
	const char *hash;
	json_object *extra;
	int rc;

	if ((rc = usercmd_find(p, c, WHAT, s->email, &u)) <= 0) {
		if (rc == 0)
			report_existing(&u, path);
		return rc;
	}
	if (new_password(s->email, pw, sizeof(pw)) < 0) {
		dbcmd_fail(WHAT, "cannot generate a password the policy accepts");
		return -1;
	}
	hash = password_hash(p, pw);
	if (hash == NULL || write_login(tmp, s->email, pw) < 0) {
		if (hash == NULL)
			dbcmd_fail(WHAT, "cannot hash the password (out of memory?)");
		sodium_memzero(pw, sizeof(pw));
		return -1;
	}
	extra = json_object_new_object();
	json_object_object_add(extra, "seed", json_object_new_string("demo"));
	if (usercmd_insert(p, c, WHAT, s->email, hash, s->role, s->tier, extra, &u) != 0) {
		unlink(tmp);
		sodium_memzero(pw, sizeof(pw));
		return -1;
	}
	printf("created %s (user %s, role %s, tier %s) with the password %s\n", u.email,
	       u.id, u.role, u.tier, pw);
	sodium_memzero(pw, sizeof(pw));
	if (rename(tmp, path) != 0) {
		dbcmd_fail(WHAT, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	printf("  (kept in %s)\n", path);
	return 0;
}

/* `edgescout seed-demo [--url URL] [--cacert FILE]`: argv[0] is "seed-demo". */
int
cmd_seed_demo(int argc, char **argv)
{
	const char *url = DEFAULT_URL, *ca = NULL, *dir = config_get("DATA_DIR");
	struct pool *p;
	PGconn *c;
	int failed = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(seed_usage, stdout);
			return USERCMD_OK;
		} else if (strcmp(argv[i], "--url") == 0 && i + 1 < argc) {
			url = argv[++i];
		} else if (strcmp(argv[i], "--cacert") == 0 && i + 1 < argc) {
			ca = argv[++i];
		} else {
			fprintf(stderr, "edgescout: seed-demo: unknown or incomplete option '%s' "
			        "(see edgescout seed-demo --help)\n", argv[i]);
			return USERCMD_USAGE;
		}
	}
	if (dir == NULL || *dir == '\0')
		dir = ".";
	p = pool_new();
	if (ca == NULL && access(pool_printf(p, "%s/" STACK_CA, dir), R_OK) == 0)
		ca = pool_printf(p, "%s/" STACK_CA, dir);
	if ((c = usercmd_connect(WHAT)) == NULL) {
		pool_free(p);
		return USERCMD_FAIL;
	}
	for (const struct seed *s = seeds; s->email != NULL; s++)
		failed |= seed_one(p, c, s, pool_printf(p, "%s/%s", dir, s->file)) != 0;
	PQfinish(c);
	if (!failed) {
		printf("\nLog in as the demo user (the admin: admin-login.json):\n"
		       "  curl %s%s%s-H 'Content-Type: application/json' --data @'%s/%s' '%s/api/auth/login'\n",
		       ca ? "--cacert '" : "", ca ? ca : "", ca ? "' " : "", dir, seeds[0].file, url);
	}
	pool_free(p);
	return failed ? USERCMD_FAIL : USERCMD_OK;
}
