/* Socket addresses: comparison, ports, octets, text. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "util/addr.h"

bool
addr_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	const uint8_t *pa, *pb;
	size_t la, lb;

	if (a->ss_family != b->ss_family)
		return false;
	pa = addr_octets(a, &la);
	pb = addr_octets(b, &lb);
	return la == lb && (la == 0 || memcmp(pa, pb, la) == 0);
}

bool
addr_is_unspec(const struct sockaddr_storage *a)
{
	static const uint8_t zero[16];
	const uint8_t *p;
	size_t len;

	p = addr_octets(a, &len);
	return len == 0 || memcmp(p, zero, len) == 0;
}

uint16_t
addr_port(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)a)->sin_port);
	if (a->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)a)->sin6_port);
	return 0;
}

void
addr_set_port(struct sockaddr_storage *a, uint16_t port)
{
	if (a->ss_family == AF_INET)
		((struct sockaddr_in *)a)->sin_port = htons(port);
	else if (a->ss_family == AF_INET6)
		((struct sockaddr_in6 *)a)->sin6_port = htons(port);
}

socklen_t
addr_socklen(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET)
		return sizeof(struct sockaddr_in);
	if (a->ss_family == AF_INET6)
		return sizeof(struct sockaddr_in6);
	return sizeof(*a);
}

const uint8_t *
addr_octets(const struct sockaddr_storage *a, size_t *len)
{
	if (a->ss_family == AF_INET) {
		*len = 4;
		return (const uint8_t *)
		    &((const struct sockaddr_in *)a)->sin_addr;
	}
	if (a->ss_family == AF_INET6) {
		*len = 16;
		return ((const struct sockaddr_in6 *)a)->sin6_addr.s6_addr;
	}
	*len = 0;
	return NULL;
}

bool
addr_in_prefix(const struct sockaddr_storage *a,
    const struct sockaddr_storage *net, unsigned plen)
{
	const uint8_t *x, *y;
	size_t n, m;
	unsigned i;

	x = addr_octets(a, &n);
	y = addr_octets(net, &m);
	if (x == NULL || a->ss_family != net->ss_family || plen > n * 8)
		return false;
	for (i = 0; i < plen / 8; i++)
		if (x[i] != y[i])
			return false;
	return plen % 8 == 0 ||
	    ((x[i] ^ y[i]) & (uint8_t)(0xff << (8 - plen % 8))) == 0;
}

void
addr_from_octets(struct sockaddr_storage *a, int family, const void *octets)
{
	memset(a, 0, sizeof(*a));
	a->ss_family = (sa_family_t)family;
	if (family == AF_INET)
		memcpy(&((struct sockaddr_in *)a)->sin_addr, octets, 4);
	else if (family == AF_INET6)
		memcpy(&((struct sockaddr_in6 *)a)->sin6_addr, octets, 16);
	else
		a->ss_family = AF_UNSPEC;
}

int
addr_parse(const char *s, struct sockaddr_storage *a)
{
	uint8_t octets[16];

	if (inet_pton(AF_INET6, s, octets) == 1) {
		addr_from_octets(a, AF_INET6, octets);
		return 0;
	}
	if (inet_pton(AF_INET, s, octets) == 1) {
		addr_from_octets(a, AF_INET, octets);
		return 0;
	}
	memset(a, 0, sizeof(*a));
	return -1;
}

char *
addr_str(const struct sockaddr_storage *a, char *buf, size_t len)
{
	const uint8_t *p;
	size_t n;

	if ((p = addr_octets(a, &n)) == NULL)
		snprintf(buf, len, "(none)");
	else if (inet_ntop(a->ss_family, p, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}
