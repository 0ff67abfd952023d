/* valid_net.c: e-mail address and URL validators. Both are ASCII-only and
 * work byte by byte, independent of the locale. */
#include "valid.h"

#include <stddef.h>
#include <string.h>

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_hex(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* RFC 5322 atext: letters, digits and !#$%&'*+-/=?^_`{|}~ */
static int
is_atext(int c)
{
	return is_alpha(c) || is_digit(c) ||
	    (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* RFC 3986 characters allowed as such in path, query and fragment:
 * unreserved, sub-delims, ':', '@', '/', '?' ('%' and '#' are handled apart). */
static int
is_uri_char(int c)
{
	return is_alpha(c) || is_digit(c) ||
	    (c != '\0' && strchr("-._~!$&'()*+,;=:@/?", c) != NULL);
}

/* 1 if s[0..n) is a DNS name: dot-separated labels of 1..63 letters, digits
 * and hyphens, no hyphen at either end of a label, 253 bytes at most. */
static int
dns_name(const char *s, size_t n)
{
	size_t start = 0;

	if (n == 0 || n > 253)
		return 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.') {
			if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '-')
				return 0;
			continue;
		}
		if (i == start || i - start > 63 || s[start] == '-' ||
		    s[i - 1] == '-')
			return 0;
		start = i + 1;
	}
	return 1;
}

/* The last label of the dotted name s[0..n). */
static const char *
last_label(const char *s, size_t n, size_t *len)
{
	size_t i = n;

	while (i > 0 && s[i - 1] != '.')
		i--;
	*len = n - i;
	return s + i;
}

/* 1 if s[0..n) is a dotted-quad IPv4 address in canonical decimal form. */
static int
ipv4(const char *s, size_t n)
{
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		unsigned v = 0;
		size_t start = i;

		if (part > 0) {
			if (i >= n || s[i] != '.')
				return 0;
			start = ++i;
		}
		while (i < n && is_digit(s[i]) && i - start < 3)
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == start || v > 255 || (s[start] == '0' && i - start > 1))
			return 0;
	}
	return i == n;
}

/* 1 if s[0..n) is an IPv6 address (RFC 4291 text form, with at most one
 * "::" and an optional dotted-quad tail); zone ids are not accepted. */
static int
ipv6(const char *s, size_t n)
{
	size_t i = 0;
	int groups = 0, gap = 0;

	if (n >= 2 && s[0] == ':' && s[1] == ':') {
		gap = 1;
		i = 2;
	} else if (n == 0 || s[0] == ':')
		return 0;
	while (i < n) {
		size_t j = i;

		while (j < n && is_hex(s[j]) && j - i <= 4)
			j++;
		if (j < n && s[j] == '.') {
			if (!ipv4(s + i, n - i))
				return 0;
			groups += 2;
			break;
		}
		if (j == i || j - i > 4)
			return 0;
		groups++;
		if ((i = j) == n)
			break;
		if (s[i] != ':' || ++i == n)
			return 0;
		if (s[i] == ':') {
			if (gap)
				return 0;
			gap = 1;
			i++;
		}
	}
	return gap ? groups <= 7 : groups == 8;
}

/* 1 if the last label of a name looks like a number ("123", "0x1f"); URL
 * parsers then read the whole host as an IPv4 address in some base. */
static int
numeric_label(const char *s, size_t n)
{
	size_t i = 0;

	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		for (i = 2; i < n && is_hex(s[i]); i++)
			;
		return i == n;
	}
	while (i < n && is_digit(s[i]))
		i++;
	return i == n;
}

/* 1 if s[0..n) is a URL host outside brackets: a DNS name, or a dotted quad
 * when the name ends in a numeric label. */
static int
url_host(const char *s, size_t n)
{
	const char *last;
	size_t lastn;

	if (!dns_name(s, n))
		return 0;
	last = last_label(s, n, &lastn);
	return numeric_label(last, lastn) ? ipv4(s, n) : 1;
}

/* 1 if s[0..n) is a port 1..65535 written without leading zeros. */
static int
url_port(const char *s, size_t n)
{
	unsigned v = 0;

	if (n == 0 || n > 5 || s[0] == '0')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return 0;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	return v <= 65535;
}

/* 1 if the ASCII prefix p (lower case) starts s, ignoring case in s. */
static int
has_prefix_nocase(const char *s, const char *p)
{
	for (; *p != '\0'; s++, p++)
		if (*s != *p && !(*s >= 'A' && *s <= 'Z' && *s - 'A' + 'a' == *p))
			return 0;
	return 1;
}

int
valid_email(const char *s)
{
	const char *at, *domain, *tld;
	size_t n, local, dn, tldn;

	if (s == NULL || (n = strnlen(s, VALID_EMAIL_MAX + 1)) > VALID_EMAIL_MAX)
		return 0;
	if ((at = memchr(s, '@', n)) == NULL)
		return 0;
	local = (size_t)(at - s);
	domain = at + 1;
	dn = n - local - 1;
	if (local < 1 || local > 64 || s[0] == '.' || s[local - 1] == '.')
		return 0;
	for (size_t i = 0; i < local; i++) {
		if (s[i] == '.' ? s[i + 1] == '.' : !is_atext((unsigned char)s[i]))
			return 0;
	}
	if (!dns_name(domain, dn) || memchr(domain, '.', dn) == NULL)
		return 0;
	tld = last_label(domain, dn, &tldn);
	if (tldn < 2)
		return 0;
	for (size_t i = 0; i < tldn; i++)
		if (!is_alpha(tld[i]))
			return 0;
	return 1;
}

int
valid_url(const char *s, int https_only)
{
	const char *p, *auth, *host, *port = NULL;
	size_t alen, hn;
	int fragment = 0;

	if (s == NULL || strnlen(s, VALID_URL_MAX + 1) > VALID_URL_MAX)
		return 0;
	if (has_prefix_nocase(s, "https://"))
		auth = s + 8;
	else if (!https_only && has_prefix_nocase(s, "http://"))
		auth = s + 7;
	else
		return 0;

	/* authority: [host or [v6]][:port], no userinfo */
	alen = strcspn(auth, "/?#");
	if (memchr(auth, '@', alen) != NULL)
		return 0;
	if (alen > 0 && auth[0] == '[') {
		const char *close = memchr(auth, ']', alen);

		if (close == NULL || !ipv6(auth + 1, (size_t)(close - auth - 1)))
			return 0;
		p = close + 1;
		if (p < auth + alen && *p != ':')
			return 0;
		if (p < auth + alen)
			port = p + 1;
	} else {
		host = auth;
		hn = alen;
		if ((p = memchr(auth, ':', alen)) != NULL) {
			hn = (size_t)(p - auth);
			port = p + 1;
		}
		if (!url_host(host, hn))
			return 0;
	}
	if (port != NULL && !url_port(port, (size_t)(auth + alen - port)))
		return 0;

	/* path, query, fragment */
	for (p = auth + alen; *p != '\0'; p++) {
		if (*p == '%') {
			if (!is_hex((unsigned char)p[1]) || !is_hex((unsigned char)p[2]))
				return 0;
			p += 2;
		} else if (*p == '#') {
			if (fragment)
				return 0;
			fragment = 1;
		} else if (!is_uri_char((unsigned char)*p))
			return 0;
	}
	return 1;
}
