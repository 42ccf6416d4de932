#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string.h>
#include <unistd.h>

#include <linux/ipsec.h>
#include <linux/xfrm.h>

#include "daemon/net.h"
#include "daemon/rxq.h"
#include "ike/ikev2.h"
#include "util/addr.h"
#include "util/log.h"

#ifndef UDP_ENCAP
#define UDP_ENCAP 100
#endif
#ifndef UDP_ENCAP_ESPINUDP
#define UDP_ENCAP_ESPINUDP 2
#endif

struct net_sock {
	ev_io		 w;
	int		 fd;
	int		 family;
	uint16_t	 port;
	bool		 natt;
};

static struct net_sock	 socks[4];
static size_t		 n_socks;
static net_recv_fn	 recv_fn;
static void		*recv_arg;
static struct net_stats	 stats;
static struct log_ratelimit net_rl;
static struct rxq	 rxq;
/* Resumes a pass the budget cut short, at the loop's next turn. */
static ev_timer		 pump;

/* Of new setups per pass: long enough for dozens of IKE_AUTHs, short
 * against a peer's DPD patience. */
#define NET_BUDGET_MS	10
#define NET_RCVBUF	(4 << 20)

/* IKE packets must never be caught by an IPsec policy, ours or anyone's:
 * a per-socket bypass policy in both directions, as every IKE daemon does. */
static int
net_bypass(int fd, int family)
{
	struct xfrm_userpolicy_info pol;
	int level = family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6;
	int opt = family == AF_INET ? IP_XFRM_POLICY : IPV6_XFRM_POLICY;

	memset(&pol, 0, sizeof(pol));
	pol.action = XFRM_POLICY_ALLOW;
	pol.sel.family = (uint16_t)family;
	pol.dir = XFRM_POLICY_OUT;
	if (setsockopt(fd, level, opt, &pol, sizeof(pol)) == -1)
		return -1;
	pol.dir = XFRM_POLICY_IN;
	return setsockopt(fd, level, opt, &pol, sizeof(pol));
}

static int
net_sock_open(int family, uint16_t port, bool natt)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, on = 1, encap = UDP_ENCAP_ESPINUDP, rcvbuf = NET_RCVBUF;

	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = (sa_family_t)family;
	addr_set_port(&ss, port);
	sl = addr_socklen(&ss);
	if (family == AF_INET) {
		if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on,
		    sizeof(on)) == -1)
			goto fail;
	} else {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on,
		    sizeof(on)) == -1 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on,
		    sizeof(on)) == -1)
			goto fail;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		goto fail;
	/* A hub's branches all come back at once after an outage: room for
	 * thousands of IKE_SA_INITs rather than rmem_max's ~200. Best
	 * effort: without CAP_NET_ADMIN, rmem_max it is. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
	    sizeof(rcvbuf)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		    sizeof(rcvbuf));
	if (net_bypass(fd, family) == -1)
		goto fail;
	if (bind(fd, (struct sockaddr *)&ss, sl) == -1)
		goto fail;
	/* On 4500 the kernel decapsulates ESP-in-UDP itself and hands us
	 * only IKE, still behind its non-ESP marker (RFC 3948 2.2). */
	if (natt && setsockopt(fd, IPPROTO_UDP, UDP_ENCAP, &encap,
	    sizeof(encap)) == -1)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

static void
net_pktinfo(struct msghdr *mh, int family, uint16_t port,
    struct sockaddr_storage *local)
{
	struct cmsghdr *c;

	memset(local, 0, sizeof(*local));
	local->ss_family = (sa_family_t)family;
	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		if (family == AF_INET && c->cmsg_level == IPPROTO_IP &&
		    c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			struct sockaddr_in *sin = (struct sockaddr_in *)local;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			sin->sin_addr = pi.ipi_addr;
			sin->sin_port = htons(port);
		} else if (family == AF_INET6 &&
		    c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)local;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			s6->sin6_addr = pi.ipi6_addr;
			s6->sin6_port = htons(port);
			if (IN6_IS_ADDR_LINKLOCAL(&pi.ipi6_addr))
				s6->sin6_scope_id = pi.ipi6_ifindex;
		}
	}
}

/* One datagram into the queue (or shed by it); false when the socket is
 * empty (or the queue full: then it stays in the socket's buffer). */
static bool
net_read_one(struct net_sock *s)
{
	static uint8_t data[IKE_MSG_MAX];
	union {
		struct cmsghdr	 align;
		uint8_t		 buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} cbuf;
	struct sockaddr_storage from;
	struct iovec iov = { data, sizeof(data) };
	struct msghdr mh;
	struct net_pkt pkt;
	ssize_t n;

	if (rxq_full(&rxq))
		return false;
	memset(&mh, 0, sizeof(mh));
	mh.msg_name = &from;
	mh.msg_namelen = sizeof(from);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf.buf;
	mh.msg_controllen = sizeof(cbuf.buf);
	n = recvmsg(s->fd, &mh, 0);
	if (n == -1) {
		if (errno != EAGAIN && errno != EINTR)
			log_msg_rl(&net_rl, LOG_WARNING, "net",
			    "recvmsg: %s", strerror(errno));
		return false;
	}
	stats.rx++;
	if (mh.msg_flags & MSG_TRUNC) {
		stats.rx_dropped++;
		return true;
	}
	memset(&pkt, 0, sizeof(pkt));
	pkt.remote = from;
	net_pktinfo(&mh, s->family, s->port, &pkt.local);
	pkt.data = data;
	pkt.len = (size_t)n;
	pkt.natt = s->natt;
	if (s->natt) {
		/* Without the marker it is ESP the kernel did not take, or
		 * garbage; a 1-byte 0xff is a NAT keepalive (RFC 3948
		 * 2.3). Neither is for us. */
		if (pkt.len < IKE_NON_ESP_MARKER_LEN ||
		    memcmp(data, "\0\0\0\0", 4) != 0) {
			stats.rx_dropped++;
			return true;
		}
		pkt.data += IKE_NON_ESP_MARKER_LEN;
		pkt.len -= IKE_NON_ESP_MARKER_LEN;
	}
	if (rxq_push(&rxq, &pkt) == -1)
		stats.rx_dropped++;	/* out of memory, or of bytes */
	return true;
}

/* What the sockets hold, up to the queue's bound and at most a queue's
 * worth of datagrams (the queue sheds new setups: under a flood of them
 * the sockets would never be empty), then one pass (rxq.h). What the
 * budget leaves is served at the next turn of the loop, after a new
 * read: a DPD request that arrived meanwhile goes first. A full queue
 * stops the watchers, so the loop does not spin on readable sockets it
 * will not read. */
static void
net_pump(struct ev_loop *loop)
{
	size_t i, reads = 0;
	bool more;

	do {
		more = false;
		for (i = 0; i < n_socks; i++)
			if (net_read_one(&socks[i])) {
				more = true;
				reads++;
			}
	} while (more && reads < RXQ_MAX_MSGS);
	rxq_serve(&rxq, recv_fn, recv_arg, NET_BUDGET_MS);
	for (i = 0; i < n_socks; i++) {
		if (rxq_full(&rxq))
			ev_io_stop(loop, &socks[i].w);
		else
			ev_io_start(loop, &socks[i].w);
	}
	if (rxq_empty(&rxq))
		ev_timer_stop(loop, &pump);
	else if (!ev_is_active(&pump))
		ev_timer_start(loop, &pump);
}

static void
net_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	net_pump(loop);
}

static void
net_pump_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	net_pump(loop);
}

int
net_open(struct ev_loop *loop, uint16_t port, uint16_t natt_port,
    net_recv_fn fn, void *arg)
{
	static const int families[] = { AF_INET, AF_INET6 };
	size_t i, j;
	int fd;

	recv_fn = fn;
	recv_arg = arg;
	n_socks = 0;
	rxq_init(&rxq);
	ev_timer_init(&pump, net_pump_cb, 0., 0.);
	for (i = 0; i < 2; i++) {
		for (j = 0; j < 2; j++) {
			bool natt = j == 1;
			uint16_t p = natt ? natt_port : port;

			if (p == 0)
				continue;
			fd = net_sock_open(families[i], p, natt);
			if (fd == -1) {
				log_warn("net: cannot listen on %s port %u: %s",
				    families[i] == AF_INET ? "IPv4" : "IPv6",
				    p, strerror(errno));
				continue;
			}
			socks[n_socks].fd = fd;
			socks[n_socks].family = families[i];
			socks[n_socks].natt = natt;
			socks[n_socks].port = p;
			ev_io_init(&socks[n_socks].w, net_read_cb, fd, EV_READ);
			ev_io_start(loop, &socks[n_socks].w);
			n_socks++;
		}
	}
	if (n_socks == 0) {
		log_err("net: no IKE socket could be opened");
		return -1;
	}
	return 0;
}

void
net_close(struct ev_loop *loop)
{
	size_t i;

	for (i = 0; i < n_socks; i++) {
		ev_io_stop(loop, &socks[i].w);
		close(socks[i].fd);
	}
	n_socks = 0;
	ev_timer_stop(loop, &pump);
	rxq_clear(&rxq);
}

/* On the 4500 socket (natt), IKE goes behind the non-ESP marker; a NAT
 * keepalive does not. */
static int
net_sendv(const struct sockaddr_storage *local,
    const struct sockaddr_storage *remote, bool natt, bool with_marker,
    const uint8_t *data, size_t len)
{
	static const uint8_t marker[IKE_NON_ESP_MARKER_LEN];
	union {
		struct cmsghdr	 align;
		uint8_t		 buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} cbuf;
	struct iovec iov[2];
	struct msghdr mh;
	struct cmsghdr *c;
	size_t i;
	int fd = -1;

	for (i = 0; i < n_socks; i++)
		if (socks[i].family == remote->ss_family &&
		    socks[i].natt == natt)
			fd = socks[i].fd;
	if (fd == -1) {
		stats.tx_errors++;
		errno = EAFNOSUPPORT;
		return -1;
	}
	memset(&mh, 0, sizeof(mh));
	memset(&cbuf, 0, sizeof(cbuf));
	mh.msg_name = (void *)(uintptr_t)remote;
	mh.msg_namelen = addr_socklen(remote);
	i = 0;
	if (natt && with_marker) {
		iov[i].iov_base = (void *)(uintptr_t)marker;
		iov[i++].iov_len = sizeof(marker);
	}
	iov[i].iov_base = (void *)(uintptr_t)data;
	iov[i++].iov_len = len;
	mh.msg_iov = iov;
	mh.msg_iovlen = i;
	if (local != NULL && local->ss_family == remote->ss_family &&
	    !addr_is_unspec(local)) {
		mh.msg_control = cbuf.buf;
		c = (struct cmsghdr *)cbuf.buf;
		if (local->ss_family == AF_INET) {
			struct in_pktinfo pi;

			memset(&pi, 0, sizeof(pi));
			pi.ipi_spec_dst =
			    ((const struct sockaddr_in *)local)->sin_addr;
			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
			c->cmsg_level = IPPROTO_IP;
			c->cmsg_type = IP_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		} else {
			struct in6_pktinfo pi;

			memset(&pi, 0, sizeof(pi));
			pi.ipi6_addr =
			    ((const struct sockaddr_in6 *)local)->sin6_addr;
			pi.ipi6_ifindex =
			    ((const struct sockaddr_in6 *)local)->sin6_scope_id;
			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
			c->cmsg_level = IPPROTO_IPV6;
			c->cmsg_type = IPV6_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		}
	}
	if (sendmsg(fd, &mh, 0) == -1) {
		stats.tx_errors++;
		return -1;
	}
	stats.tx++;
	return 0;
}

int
net_send(const struct sockaddr_storage *local,
    const struct sockaddr_storage *remote, bool natt, const uint8_t *data,
    size_t len)
{
	return net_sendv(local, remote, natt, true, data, len);
}

int
net_send_keepalive(const struct sockaddr_storage *local,
    const struct sockaddr_storage *remote)
{
	static const uint8_t ka = 0xff;	/* RFC 3948 2.3 */

	return net_sendv(local, remote, true, false, &ka, sizeof(ka));
}

const struct net_stats *
net_stats(void)
{
	stats.rx_urgent = rxq.urgent;
	stats.rx_deferred = rxq.deferred;
	stats.rx_shed = rxq.shed;
	stats.rx_queue_peak = rxq.peak;
	return &stats;
}
