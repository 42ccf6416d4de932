/* IPv4/IPv6 addresses and prefixes as the kernel lays them out. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netlink/netlink.h"

int
nl_addr_parse(struct nl_addr *a, const char *s)
{
	memset(a, 0, sizeof(*a));
	if (s == NULL)
		return -EINVAL;
	if (strchr(s, ':') != NULL) {
		if (inet_pton(AF_INET6, s, &a->u.v6) != 1)
			return -EINVAL;
		a->family = AF_INET6;
	} else {
		if (inet_pton(AF_INET, s, &a->u.v4) != 1)
			return -EINVAL;
		a->family = AF_INET;
	}
	return 0;
}

int
nl_prefix_parse(struct nl_prefix *p, const char *s)
{
	char buf[NL_ADDRSTRLEN + 5], *slash, *end;
	unsigned long len;

	memset(p, 0, sizeof(*p));
	if (s == NULL || strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
	if (nl_addr_parse(&p->addr, buf) < 0)
		return -EINVAL;
	len = nl_addr_len(&p->addr) * 8;
	if (slash != NULL) {
		errno = 0;
		len = strtoul(slash + 1, &end, 10);
		if (errno != 0 || end == slash + 1 || *end != '\0' ||
		    len > nl_addr_len(&p->addr) * 8)
			return -EINVAL;
	}
	p->len = (uint8_t)len;
	return 0;
}

void
nl_prefix_any(struct nl_prefix *p, uint16_t family)
{
	memset(p, 0, sizeof(*p));
	p->addr.family = family;
}

bool
nl_prefix_valid(const struct nl_prefix *p)
{
	size_t alen = nl_addr_len(&p->addr);

	return alen != 0 && p->len <= alen * 8;
}

size_t
nl_addr_len(const struct nl_addr *a)
{
	switch (a->family) {
	case AF_INET:
		return 4;
	case AF_INET6:
		return 16;
	default:
		return 0;
	}
}

bool
nl_addr_eq(const struct nl_addr *a, const struct nl_addr *b)
{
	return a->family == b->family &&
	    memcmp(a->u.raw, b->u.raw, nl_addr_len(a)) == 0;
}

void
nl_addr_from_raw(struct nl_addr *a, uint16_t family, const void *raw16)
{
	memset(a, 0, sizeof(*a));
	if (family != AF_INET && family != AF_INET6)
		return;
	a->family = family;
	memcpy(a->u.raw, raw16, nl_addr_len(a));
}

const char *
nl_addr_str(const struct nl_addr *a, char *buf, size_t len)
{
	if (len == 0)
		return buf;
	if (nl_addr_len(a) == 0 ||
	    inet_ntop(a->family, a->u.raw, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "(none)");
	return buf;
}
