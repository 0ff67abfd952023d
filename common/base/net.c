/* net.c: matching an address against CIDR networks. */
#include "net.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

struct addr {
	int family;                /* AF_INET or AF_INET6 */
	unsigned char bytes[16];
};

/* Parse text; *mapped (may be NULL) tells an IPv4-mapped IPv6 address. */
static int
parse_addr(const char *text, struct addr *a, int *mapped)
{
	static const unsigned char v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (mapped != NULL)
		*mapped = 0;
	if (inet_pton(AF_INET, text, a->bytes) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, a->bytes) == 1) {
		a->family = AF_INET6;
		if (memcmp(a->bytes, v4mapped, 12) == 0) {
			memmove(a->bytes, a->bytes + 12, 4);
			a->family = AF_INET;
			if (mapped != NULL)
				*mapped = 1;
		}
		return 0;
	}
	return -1;
}

static int
prefix_equal(const unsigned char *x, const unsigned char *y, int bits)
{
	int whole = bits / 8, rest = bits % 8;

	if (memcmp(x, y, (size_t)whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((x[whole] ^ y[whole]) & (0xff << (8 - rest))) == 0;
}

/* Does one "net/bits" entry (NUL-terminated) contain a? */
static int
entry_contains(const char *entry, const struct addr *a)
{
	char host[64];
	const char *slash = strchr(entry, '/');
	size_t hlen = slash ? (size_t)(slash - entry) : strlen(entry);
	struct addr net;
	int max, bits, mapped;

	if (hlen == 0 || hlen >= sizeof(host))
		return 0;
	memcpy(host, entry, hlen);
	host[hlen] = '\0';
	if (parse_addr(host, &net, &mapped) != 0 || net.family != a->family)
		return 0;
	max = net.family == AF_INET && !mapped ? 32 : 128;
	bits = max;
	if (slash != NULL) {
		const char *d = slash + 1;

		if (*d == '\0' || strlen(d) > 3 || strspn(d, "0123456789") != strlen(d))
			return 0;
		bits = atoi(d);
		if (bits > max)
			return 0;
	}
	if (mapped)   /* an IPv4-mapped entry counts its prefix over 128 bits */
		bits = bits > 96 ? bits - 96 : 0;
	return prefix_equal(net.bytes, a->bytes, bits);
}

int
net_addr_allowed(const char *addr, const char *list)
{
	struct addr a;
	char entry[96];

	if (addr == NULL || list == NULL || parse_addr(addr, &a, NULL) != 0)
		return 0;
	while (*list != '\0') {
		const char *comma = strchr(list, ',');
		size_t n = comma ? (size_t)(comma - list) : strlen(list);

		while (n > 0 && *list == ' ') {
			list++;
			n--;
		}
		while (n > 0 && list[n - 1] == ' ')
			n--;
		if (n > 0 && n < sizeof(entry)) {
			memcpy(entry, list, n);
			entry[n] = '\0';
			if (entry_contains(entry, &a))
				return 1;
		}
		if (comma == NULL)
			break;
		list = comma + 1;
	}
	return 0;
}
