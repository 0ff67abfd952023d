/* provider_csv_read.c: the RFC 4180 record reader of the CSV parsers
 * (provider_parse.h). */
#include <string.h>

#include "pool.h"
#include "provider_parse.h"

int
prov_csv_record(struct prov_csv *c, struct prov_span *f, size_t *nf, const char **why)
{
	size_t k = 0, start;

	for (;;) {
		if (c->i < c->n && c->s[c->i] == '"') {
			start = ++c->i;
			for (;; c->i++) {
				if (c->i >= c->n) {
					*why = "unterminated quoted field";
					return -1;
				}
				if (c->s[c->i] == '"') {
					if (c->i + 1 < c->n && c->s[c->i + 1] == '"') {
						c->i++;
						continue;
					}
					break;
				}
				if (c->s[c->i] == '\n')
					c->line++;
			}
			f[k].s = c->s + start;
			f[k].n = c->i++ - start;
		} else {
			start = c->i;
			while (c->i < c->n && c->s[c->i] != ',' && c->s[c->i] != '\n' &&
			       c->s[c->i] != '\r') {
				if (c->s[c->i] == '"') {
					*why = "a quote inside an unquoted field";
					return -1;
				}
				c->i++;
			}
			f[k].s = c->s + start;
			f[k].n = c->i - start;
		}
		if (++k > PROV_CSV_MAX_FIELDS - 1 && c->i < c->n && c->s[c->i] == ',') {
			*why = "too many fields";
			return -1;
		}
		if (c->i >= c->n)
			break;
		if (c->s[c->i] == ',') {
			c->i++;
			continue;
		}
		if (c->s[c->i] == '\n' || (c->s[c->i] == '\r' && c->i + 1 < c->n &&
		                           c->s[c->i + 1] == '\n')) {
			c->i += c->s[c->i] == '\r' ? 2 : 1;
			c->line++;
			break;
		}
		*why = c->s[c->i] == '\r' ? "a carriage return without a line feed"
		                          : "text after a closing quote";
		return -1;
	}
	*nf = k;
	return 1;
}

int
prov_csv_rest_blank(const struct prov_csv *c)
{
	for (size_t j = c->i; j < c->n; j++)
		if (c->s[j] != '\n' && c->s[j] != '\r')
			return 0;
	return 1;
}

const char *
prov_csv_text(struct pool *p, const struct prov_span *f)
{
	char *s = pool_alloc(p, f->n + 1);
	size_t k = 0;

	for (size_t i = 0; i < f->n; i++) {
		s[k++] = f->s[i];
		if (f->s[i] == '"' && i + 1 < f->n && f->s[i + 1] == '"')
			i++;
	}
	s[k] = '\0';
	return s;
}
