/* nginx_tmpl.c: {{NAME}} substitution in the templates of nginx/. */
#include "nginx_conf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "pool.h"

#define TMPL_MAX_BYTES (1 << 20)

/* Read a template file into pool memory (see nginx_conf.h). */
char *
nc_tmpl_read(struct pool *p, const char *dir, const char *name, char *err,
             size_t errlen)
{
	char *path = pool_printf(p, "%s/%s", dir, name);
	struct buf b;
	char chunk[4096];
	size_t n;
	FILE *f;

	f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "cannot read template %s: %s", path, strerror(errno));
		return NULL;
	}
	buf_init(&b, p);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		buf_append(&b, chunk, n);
		if (b.len > TMPL_MAX_BYTES) {
			fclose(f);
			snprintf(err, errlen, "template %s is too large", path);
			return NULL;
		}
	}
	if (ferror(f)) {
		fclose(f);
		snprintf(err, errlen, "cannot read template %s", path);
		return NULL;
	}
	fclose(f);
	return (char *)buf_cstr(&b);
}

static const char *
lookup(const struct nc_var *vars, const char *name, size_t len)
{
	for (const struct nc_var *v = vars; v->name != NULL; v++)
		if (strlen(v->name) == len && memcmp(v->name, name, len) == 0)
			return v->value != NULL ? v->value : "";
	return NULL;
}

/* Append value with each of its lines prefixed by indent (len ilen); one
 * trailing newline of value is dropped, the line's own is added back. */
static void
put_indented(struct buf *out, const char *indent, size_t ilen, const char *value)
{
	const char *s = value, *nl;
	size_t vlen = strlen(value);

	if (vlen > 0 && value[vlen - 1] == '\n')
		vlen--;
	while (s < value + vlen) {
		nl = memchr(s, '\n', (size_t)(value + vlen - s));
		if (nl == NULL)
			nl = value + vlen;
		if (nl > s)
			buf_append(out, indent, ilen);
		buf_append(out, s, (size_t)(nl - s));
		buf_putc(out, '\n');
		s = nl + 1;
	}
}

/* When line (without its newline, len n) is only blanks around one
 * placeholder, set name, nlen and the indentation length and return 1. */
static int
standalone(const char *line, size_t n, const char **name, size_t *nlen, size_t *ilen)
{
	size_t i = 0, j;

	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (n - i < 5 || line[i] != '{' || line[i + 1] != '{')
		return 0;
	for (j = i + 2; j + 1 < n && !(line[j] == '}' && line[j + 1] == '}'); j++)
		if (line[j] == '{' || line[j] == ' ')
			return 0;
	if (j + 1 >= n)
		return 0;
	*name = line + i + 2;
	*nlen = j - i - 2;
	*ilen = i;
	for (j += 2; j < n; j++)
		if (line[j] != ' ' && line[j] != '\t')
			return 0;
	return 1;
}

/* Fill the placeholders of text into out (see nginx_conf.h). */
int
nc_tmpl_render(struct buf *out, const char *text, const char *what,
               const struct nc_var *vars, char *err, size_t errlen)
{
	const char *line = text, *nl, *s, *open, *close, *name, *value;
	size_t n, nlen, ilen;

	while (*line != '\0') {
		nl = strchr(line, '\n');
		n = nl ? (size_t)(nl - line) : strlen(line);
		if (standalone(line, n, &name, &nlen, &ilen)) {
			value = lookup(vars, name, nlen);
			if (value == NULL)
				goto unknown;
			put_indented(out, line, ilen, value);
			goto next;
		}
		s = line;
		while ((open = strstr(s, "{{")) != NULL && open < line + n) {
			close = strstr(open + 2, "}}");
			if (close == NULL || close > line + n) {
				snprintf(err, errlen, "template %s: unterminated {{ placeholder", what);
				return -1;
			}
			name = open + 2;
			nlen = (size_t)(close - name);
			value = lookup(vars, name, nlen);
			if (value == NULL)
				goto unknown;
			buf_append(out, s, (size_t)(open - s));
			buf_puts(out, value);
			s = close + 2;
		}
		buf_append(out, s, (size_t)(line + n - s));
		if (nl != NULL)
			buf_putc(out, '\n');
next:
		line = nl ? nl + 1 : line + n;
	}
	return 0;
unknown:
	snprintf(err, errlen, "template %s: unknown placeholder {{%.*s}}", what,
	         (int)(nlen > 40 ? 40 : nlen), name);
	return -1;
}

/* Read and render one template file (see nginx_conf.h). */
int
nc_tmpl_file(struct buf *out, const char *dir, const char *name,
             const struct nc_var *vars, char *err, size_t errlen)
{
	const char *text = nc_tmpl_read(out->pool, dir, name, err, errlen);

	if (text == NULL)
		return -1;
	return nc_tmpl_render(out, text, name, vars, err, errlen);
}
