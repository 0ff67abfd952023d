/* db_files.c: migration files on disk, and how they match the recorded rows. */
#include "db_cmd.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pool.h"

#define MIG_FILE_MAX (16 << 20)

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || is_digit(c) || c == '_';
}

static int
ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

enum mig_kind
mig_parse_name(const char *fname, size_t *vlen, const char **name, size_t *namelen)
{
	size_t n = strlen(fname), stem, v, i;
	enum mig_kind kind;

	if (fname[0] == '.' || !ends_with(fname, n, ".sql"))
		return MIG_FILE_OTHER;
	if (ends_with(fname, n, ".down.sql")) {
		kind = MIG_FILE_DOWN;
		stem = n - 9;
	} else {
		kind = MIG_FILE_UP;
		stem = n - 4;
	}
	for (v = 0; v < stem && is_digit(fname[v]); v++)
		;
	if (v < 3 || v > 9 || v + 1 >= stem || fname[v] != '_')
		return MIG_FILE_BAD;
	for (i = v + 1; i < stem; i++)
		if (!is_name_char(fname[i]))
			return MIG_FILE_BAD;
	*vlen = v;
	*name = fname + v + 1;
	*namelen = stem - v - 1;
	return kind;
}

int
mig_version_cmp(const char *a, const char *b)
{
	size_t na, nb;

	while (*a == '0' && a[1] != '\0')
		a++;
	while (*b == '0' && b[1] != '\0')
		b++;
	na = strlen(a);
	nb = strlen(b);
	if (na != nb)
		return na < nb ? -1 : 1;
	return strcmp(a, b);
}

int
mig_valid_ident(const char *s)
{
	size_t i;

	if (s == NULL || !((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return 0;
	for (i = 1; s[i] != '\0'; i++)
		if (i > 62 || !is_name_char(s[i]))
			return 0;
	return 1;
}

int
mig_sql_has_statements(const char *s)
{
	while (*s != '\0') {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f' ||
		    *s == '\v') {
			s++;
		} else if (s[0] == '-' && s[1] == '-') {
			while (*s != '\0' && *s != '\n')
				s++;
		} else if (s[0] == '/' && s[1] == '*') {
			int depth = 1;	/* PostgreSQL block comments nest */

			s += 2;
			while (*s != '\0' && depth > 0) {
				if (s[0] == '/' && s[1] == '*') {
					depth++;
					s += 2;
				} else if (s[0] == '*' && s[1] == '/') {
					depth--;
					s += 2;
				} else {
					s++;
				}
			}
		} else {
			return 1;
		}
	}
	return 0;
}

int
mig_line_of(const char *sql, long pos)
{
	int line = 1;
	long ch = 0;

	for (const unsigned char *s = (const unsigned char *)sql; *s != '\0'; s++) {
		if ((*s & 0xC0) == 0x80)
			continue;	/* a UTF-8 continuation byte is not a character */
		if (++ch >= pos)
			break;
		if (*s == '\n')
			line++;
	}
	return line;
}

void
mig_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, data, len);
	sodium_bin2hex(out, 65, h, sizeof(h));
}

char *
mig_read_file(struct pool *p, const char *path, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	char *data = NULL;
	size_t got = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > MIG_FILE_MAX) {
		snprintf(err, errlen, "%s: not a regular file under 16 MiB", path);
		goto out;
	}
	data = pool_alloc(p, (size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, data + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(err, errlen, "%s: %s", path, r < 0 ? strerror(errno) : "short read");
			data = NULL;
			goto out;
		}
		got += (size_t)r;
	}
	if (memchr(data, '\0', got) != NULL) {
		snprintf(err, errlen, "%s: holds a NUL byte", path);
		data = NULL;
		goto out;
	}
	data[got] = '\0';
	*len = got;
out:
	close(fd);
	return data;
}

static int
migration_cmp(const void *a, const void *b)
{
	return mig_version_cmp(((const struct migration *)a)->version,
	                       ((const struct migration *)b)->version);
}

struct down_file {
	struct down_file *next;
	const char *version, *name, *file;
};

/* Grow the array *m of *cap entries to hold one more. */
static void
grow(struct pool *p, struct migration **m, size_t n, size_t *cap)
{
	struct migration *bigger;

	if (n < *cap)
		return;
	*cap = *cap ? *cap * 2 : 16;
	bigger = pool_alloc(p, *cap * sizeof(*bigger));
	if (n)
		memcpy(bigger, *m, n * sizeof(*bigger));
	*m = bigger;
}

int
mig_scan(struct pool *p, const char *dir, struct migration **out, size_t *n,
         char *err, size_t errlen)
{
	DIR *d;
	struct dirent *e;
	struct migration *m = NULL;
	struct down_file *downs = NULL;
	size_t count = 0, cap = 0, vlen, namelen, len, i;
	const char *name;
	int rc = -1;

	d = opendir(dir);
	if (d == NULL) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		enum mig_kind kind = mig_parse_name(e->d_name, &vlen, &name, &namelen);

		if (kind == MIG_FILE_OTHER)
			continue;
		if (kind == MIG_FILE_BAD) {
			snprintf(err, errlen, "%s/%s: not a migration name (NNN_name.sql, "
			         "name in a-z 0-9 _)", dir, e->d_name);
			goto out;
		}
		if (kind == MIG_FILE_DOWN) {
			struct down_file *df = pool_alloc(p, sizeof(*df));

			df->version = pool_strndup(p, e->d_name, vlen);
			df->name = pool_strndup(p, name, namelen);
			df->file = pool_strdup(p, e->d_name);
			df->next = downs;
			downs = df;
			continue;
		}
		grow(p, &m, count, &cap);
		m[count].version = pool_strndup(p, e->d_name, vlen);
		m[count].name = pool_strndup(p, name, namelen);
		m[count].file = pool_strdup(p, e->d_name);
		m[count].path = pool_printf(p, "%s/%s", dir, e->d_name);
		m[count].sql = mig_read_file(p, m[count].path, &len, err, errlen);
		if (m[count].sql == NULL)
			goto out;
		mig_sha256_hex(m[count].sql, len, m[count].checksum);
		count++;
	}
	if (count > 1)
		qsort(m, count, sizeof(*m), migration_cmp);
	for (i = 1; i < count; i++) {
		if (mig_version_cmp(m[i - 1].version, m[i].version) == 0) {
			snprintf(err, errlen, "%s and %s share version %s", m[i - 1].path,
			         m[i].path, m[i].version);
			goto out;
		}
	}
	for (struct down_file *df = downs; df != NULL; df = df->next) {
		for (i = 0; i < count; i++)
			if (strcmp(m[i].version, df->version) == 0 &&
			    strcmp(m[i].name, df->name) == 0)
				break;
		if (i == count) {
			snprintf(err, errlen, "%s/%s: no matching %s_%s.sql", dir, df->file,
			         df->version, df->name);
			goto out;
		}
		m[i].has_down = 1;
	}
	*out = m;
	*n = count;
	rc = 0;
out:
	closedir(d);
	return rc;
}

size_t
mig_compare(struct pool *p, const struct migration *files, size_t nfiles,
            const struct applied *rows, size_t nrows, struct mig_status **out)
{
	struct mig_status *s = pool_alloc(p, (nfiles + nrows + 1) * sizeof(*s));
	const char *newest = nrows ? rows[nrows - 1].version : NULL;
	size_t i = 0, j = 0, k = 0;

	while (i < nfiles || j < nrows) {
		int c;

		if (i == nfiles)
			c = 1;
		else if (j == nrows)
			c = -1;
		else
			c = mig_version_cmp(files[i].version, rows[j].version);
		if (c == 0) {
			s[k].file = &files[i];
			s[k].row = &rows[j];
			s[k].state = strcmp(files[i].checksum, rows[j].checksum) == 0 ?
			             MIG_APPLIED : MIG_MODIFIED;
			i++, j++;
		} else if (c < 0) {
			s[k].file = &files[i];
			s[k].state = newest && mig_version_cmp(files[i].version, newest) < 0 ?
			             MIG_OUT_OF_ORDER : MIG_PENDING;
			i++;
		} else {
			s[k].row = &rows[j];
			s[k].state = MIG_MISSING;
			j++;
		}
		k++;
	}
	*out = s;
	return k;
}
