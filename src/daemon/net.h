/* UDP sockets for IKE: ports 500 and 4500 (RFC 3948 non-ESP marker), IPv4
 * and IPv6, with the local address of each datagram known (PKTINFO) so that
 * replies leave from the address the peer talked to. */
#ifndef VTID_DAEMON_NET_H
#define VTID_DAEMON_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <ev.h>

struct net_pkt {
	struct sockaddr_storage	 local;
	struct sockaddr_storage	 remote;
	const uint8_t		*data;
	size_t			 len;
	bool			 natt;	/* came on 4500, marker stripped */
};

typedef void (*net_recv_fn)(const struct net_pkt *, void *arg);

struct net_stats {
	uint64_t	 rx, tx, rx_dropped, tx_errors;
	/* rxq.h: served ahead of setups; passes the budget cut short; new
	 * setups shed; the most datagrams queued at once */
	uint64_t	 rx_urgent, rx_deferred, rx_shed, rx_queue_peak;
};

/* Opens the four sockets (v4/v6 x 500/4500); a family whose socket cannot
 * be opened (no IPv6 in this namespace) is skipped with a log line, but at
 * least one must open. Ports are configurable for tests. */
int	 net_open(struct ev_loop *, uint16_t port, uint16_t natt_port,
	    net_recv_fn, void *arg);
void	 net_close(struct ev_loop *);
/* local may have port 0 and address unspecified: the kernel picks. */
int	 net_send(const struct sockaddr_storage *local,
	    const struct sockaddr_storage *remote, bool natt,
	    const uint8_t *, size_t);
/* A NAT keepalive (one 0xff byte, RFC 3948 2.3) from the 4500 socket. */
int	 net_send_keepalive(const struct sockaddr_storage *local,
	    const struct sockaddr_storage *remote);
const struct net_stats *net_stats(void);

#endif
