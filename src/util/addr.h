/* Socket addresses: a struct sockaddr_storage that holds an IPv4 or IPv6
 * address (AF_INET, AF_INET6), or nothing (AF_UNSPEC), and maybe a port.
 * The one place that looks inside sockaddr_in and sockaddr_in6. */
#ifndef VTID_UTIL_ADDR_H
#define VTID_UTIL_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Same family and address, ports ignored; two AF_UNSPEC are equal. */
bool		 addr_equal(const struct sockaddr_storage *,
		    const struct sockaddr_storage *);
/* 0.0.0.0, :: or no address at all. */
bool		 addr_is_unspec(const struct sockaddr_storage *);
/* The port in host order; 0 when none. */
uint16_t	 addr_port(const struct sockaddr_storage *);
void		 addr_set_port(struct sockaddr_storage *, uint16_t);
/* The length connect(2), bind(2) or sendmsg(2) want. */
socklen_t	 addr_socklen(const struct sockaddr_storage *);
/* The address octets (4 or 16) and their number; NULL and 0 for
 * AF_UNSPEC. */
const uint8_t	*addr_octets(const struct sockaddr_storage *, size_t *len);
/* Whether a is in the prefix net/plen (same family; plen 0: any address
 * of net's family). */
bool		 addr_in_prefix(const struct sockaddr_storage *a,
		    const struct sockaddr_storage *net, unsigned plen);
/* An address, no port, from family and its octets (4 or 16). */
void		 addr_from_octets(struct sockaddr_storage *, int family,
		    const void *octets);
/* A literal ("192.0.2.1", "2001:db8::1"), no port: 0, or -1 and an
 * AF_UNSPEC ss. */
int		 addr_parse(const char *, struct sockaddr_storage *);
/* The address as text, no port; "(none)" for AF_UNSPEC. Returns buf. */
char		*addr_str(const struct sockaddr_storage *, char *buf,
		    size_t len);

#endif
