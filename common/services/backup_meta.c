/* backup_meta.c: where backups live, their metadata files and their list. */
#include "backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "pool.h"
#include "pool_json.h"

const char *
backup_dir(void)
{
	static char dflt[4096];
	const char *d = config_get("BACKUP_DIR"), *data = config_get("DATA_DIR");

	if (d != NULL && *d != '\0')
		return d;
	snprintf(dflt, sizeof(dflt), "%s/backups", data != NULL && *data != '\0' ? data : "var");
	return dflt;
}

const char *
backup_dump_path(struct pool *p, const char *id)
{
	return pool_printf(p, "%s/edgescout-%s.dump.enc", backup_dir(), id);
}

const char *
backup_meta_path(struct pool *p, const char *id)
{
	return pool_printf(p, "%s/edgescout-%s.json", backup_dir(), id);
}

int
backup_id_valid(const char *id)
{
	static const char shape[] = "DDDDDDDDTDDDDDDZ";

	if (id == NULL || strlen(id) != BACKUP_ID_LEN)
		return 0;
	for (size_t i = 0; i < BACKUP_ID_LEN; i++)
		if (shape[i] == 'D' ? !(id[i] >= '0' && id[i] <= '9') : id[i] != shape[i])
			return 0;
	return 1;
}

json_object *
backup_meta_json(const struct backup_meta *m)
{
	json_object *o = json_object_new_object(), *tables = json_object_new_array();

	json_object_object_add(o, "id", json_object_new_string(m->id));
	json_object_object_add(o, "created_at", json_object_new_string(m->created_at));
	json_object_object_add(o, "schema_version", json_object_new_string(m->schema_version));
	json_object_object_add(o, "edgescout_version", json_object_new_string(m->version));
	json_object_object_add(o, "key_id", json_object_new_string(m->key_id));
	json_object_object_add(o, "size", json_object_new_int64(m->size));
	json_object_object_add(o, "sha256", json_object_new_string(m->sha256));
	for (size_t i = 0; i < m->ntables; i++) {
		json_object *t = json_object_new_object();

		json_object_object_add(t, "name", json_object_new_string(m->tables[i].name));
		json_object_object_add(t, "rows", json_object_new_int64(m->tables[i].rows));
		json_object_object_add(t, "checksum",
		                       json_object_new_string(m->tables[i].checksum));
		json_object_array_add(tables, t);
	}
	json_object_object_add(o, "tables", tables);
	return o;
}

/* The string member key of o in pool memory, or NULL. */
static const char *
member(struct pool *p, json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return pool_strdup(p, json_object_get_string(v));
}

/* Fill m's tables from the array tables; -1 when malformed. */
static int
read_tables(struct pool *p, json_object *tables, struct backup_meta *m)
{
	size_t n = json_object_array_length(tables);

	m->tables = pool_alloc(p, (n + 1) * sizeof(*m->tables));
	m->ntables = n;
	for (size_t i = 0; i < n; i++) {
		json_object *t = json_object_array_get_idx(tables, i), *rows;

		m->tables[i].name = member(p, t, "name");
		m->tables[i].checksum = member(p, t, "checksum");
		if (m->tables[i].name == NULL || m->tables[i].checksum == NULL ||
		    !json_object_object_get_ex(t, "rows", &rows) ||
		    !json_object_is_type(rows, json_type_int))
			return -1;
		m->tables[i].rows = json_object_get_int64(rows);
	}
	return 0;
}

int
backup_meta_read(struct pool *p, const char *id, struct backup_meta *m, char *err,
                 size_t errlen)
{
	const char *path = backup_meta_path(p, id), *sha;
	json_object *o, *v, *tables;

	memset(m, 0, sizeof(*m));
	if (!backup_id_valid(id)) {
		snprintf(err, errlen, "'%s' is not a backup id (YYYYMMDDTHHMMSSZ)", id);
		return -1;
	}
	if ((o = pool_json(p, json_object_from_file(path))) == NULL) {
		snprintf(err, errlen, "backup %s: no readable metadata (%s)", id, path);
		return -1;
	}
	m->id = member(p, o, "id");
	m->created_at = member(p, o, "created_at");
	m->schema_version = member(p, o, "schema_version");
	m->version = member(p, o, "edgescout_version");
	m->key_id = member(p, o, "key_id");
	sha = member(p, o, "sha256");
	if (m->id == NULL || strcmp(m->id, id) != 0 || m->created_at == NULL ||
	    m->schema_version == NULL || m->version == NULL || m->key_id == NULL ||
	    sha == NULL || strlen(sha) != 64 ||
	    !json_object_object_get_ex(o, "size", &v) || !json_object_is_type(v, json_type_int) ||
	    !json_object_object_get_ex(o, "tables", &tables) ||
	    !json_object_is_type(tables, json_type_array) || read_tables(p, tables, m) < 0) {
		snprintf(err, errlen, "backup %s: malformed metadata (%s)", id, path);
		return -1;
	}
	m->size = json_object_get_int64(v);
	memcpy(m->sha256, sha, 65);
	return 0;
}

int
backup_meta_write(struct pool *p, const struct backup_meta *m, char *err, size_t errlen)
{
	const char *path = backup_meta_path(p, m->id);
	const char *tmp = pool_printf(p, "%s.tmp", path);
	json_object *o = pool_json(p, backup_meta_json(m));
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
	                                                     JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t len = strlen(text);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int ok = fd >= 0;

	ok = ok && write(fd, text, len) == (ssize_t)len && write(fd, "\n", 1) == 1 &&
	     fsync(fd) == 0;
	if (fd >= 0 && close(fd) < 0)
		ok = 0;
	if (!ok || rename(tmp, path) < 0) {
		int e = errno;

		unlink(tmp);
		snprintf(err, errlen, "writing %s: %s%s", path, strerror(e),
		         e == ENOSPC || e == EFBIG ? " (disk full)" : "");
		return -1;
	}
	return 0;
}

static int
newest_first(const void *a, const void *b)
{
	return strcmp(*(const char *const *)b, *(const char *const *)a);
}

int
backup_list(struct pool *p, const char ***ids, char *err, size_t errlen)
{
	DIR *d = opendir(backup_dir());
	struct dirent *e;
	const char **out = NULL;
	size_t n = 0, cap = 0;

	*ids = NULL;
	if (d == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", backup_dir(), strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		char id[BACKUP_ID_LEN + 1];
		size_t len = strlen(e->d_name);

		if (len != strlen("edgescout-.json") + BACKUP_ID_LEN ||
		    strncmp(e->d_name, "edgescout-", 10) != 0 ||
		    strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		memcpy(id, e->d_name + 10, BACKUP_ID_LEN);
		id[BACKUP_ID_LEN] = '\0';
		if (!backup_id_valid(id) || access(backup_dump_path(p, id), R_OK) < 0)
			continue;
		if (n == cap) {
			const char **grown = pool_alloc(p, (cap = cap ? 2 * cap : 16) * sizeof(*out));

			if (n > 0)
				memcpy(grown, out, n * sizeof(*out));
			out = grown;
		}
		out[n++] = pool_strdup(p, id);
	}
	closedir(d);
	if (n > 0)
		qsort(out, n, sizeof(*out), newest_first);
	*ids = out;
	return (int)n;
}

int
backup_delete(struct pool *p, const char *id, char *err, size_t errlen)
{
	const char *dump = backup_dump_path(p, id), *meta = backup_meta_path(p, id);

	/* The dump first: a metadata file without its dump is not listed. */
	if ((unlink(dump) < 0 && errno != ENOENT) || (unlink(meta) < 0 && errno != ENOENT)) {
		snprintf(err, errlen, "deleting backup %s: %s", id, strerror(errno));
		return -1;
	}
	return 0;
}
