/* Netlink plumbing shared by src/xfrm (NETLINK_XFRM) and src/vti
 * (NETLINK_ROUTE): a libmnl socket that may live in a named network
 * namespace, acknowledged requests, dumps, a strict attribute parser driven
 * by a declared table, addresses, and wiping of buffers that carried keys.
 *
 * Errors are -errno. A failed call also leaves a readable line in the
 * socket (nl_sock_error): "<what we did>: <strerror>[ (<kernel ext-ack>)]".
 *
 * Buffers are bounded: requests are built into caller memory of a stated
 * size, and replies are read into NL_BUF_SIZE bytes held by the socket
 * (the kernel sizes dump batches to the reader's buffer, so 8 KiB replies
 * never truncate). Not thread-safe: one socket, one thread. */
#ifndef VTID_NETLINK_NETLINK_H
#define VTID_NETLINK_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <linux/netlink.h>

#include "util/log.h"

#define NL_BUF_SIZE	8192	/* receive buffer, and the largest request */
#define NL_ERR_MAX	256	/* nl_sock_error() text */
#define NL_EXTACK_MAX	128	/* kernel NLMSGERR_ATTR_MSG kept */
#define NL_NETNS_DIR	"/run/netns"
#define NL_ADDRSTRLEN	46	/* INET6_ADDRSTRLEN */
#define NL_REQUEST_TIMEOUT_S 10	/* a kernel that never acks is a bug: bound it */

struct mnl_socket;

struct nl_sock {
	struct mnl_socket *mnl;
	int		 proto;		/* NETLINK_XFRM, NETLINK_ROUTE */
	uint32_t	 portid;
	uint32_t	 seq;		/* last sequence number sent */
	bool		 busy;		/* inside a dump callback: no reentry */
	char		 extack[NL_EXTACK_MAX];	/* last kernel message, or "" */
	char		 err[NL_ERR_MAX];
	_Alignas(8) uint8_t buf[NL_BUF_SIZE];
};

/* Open a socket of protocol proto. netns NULL or "": the current namespace;
 * otherwise /run/netns/NETNS is entered with setns() just for socket(2)
 * (a netlink socket stays bound to the namespace it was created in) and the
 * thread's namespace is restored before returning. nonblock is for event
 * sockets driven by a libev watcher; request sockets block with a timeout. */
int	 nl_sock_open(struct nl_sock *, int proto, const char *netns,
	    bool nonblock);
void	 nl_sock_close(struct nl_sock *);	/* safe on a closed socket */
int	 nl_sock_fd(const struct nl_sock *);
/* Join a multicast group (XFRMNLGRP_ACQUIRE, RTNLGRP_LINK, ...). */
int	 nl_sock_subscribe(struct nl_sock *, unsigned int group);
/* The receive buffer of an event socket: SO_RCVBUFFORCE (CAP_NET_ADMIN:
 * past net.core.rmem_max), else SO_RCVBUF (capped there). *got: what the
 * kernel granted, about twice bytes (its bookkeeping). */
int	 nl_sock_rcvbuf(struct nl_sock *, int bytes, int *got);

/* Called for each reply message (not acks): 0 to go on, -errno to fail
 * the call. The message stays valid only during the call. */
typedef int (*nl_msg_cb)(const struct nlmsghdr *, void *arg);

/* Send nlh (nlmsg_len bytes) with NLM_F_REQUEST|NLM_F_ACK and a fresh
 * sequence number, hand replies carrying that sequence number to cb (may be
 * NULL: ALLOCSPI and GET answer with a message before the ack), and return
 * the ack's error: 0 or -errno. The receive buffer is wiped after each
 * datagram, since SA replies carry keys. */
int	 nl_sock_request(struct nl_sock *, struct nlmsghdr *nlh, nl_msg_cb cb,
	    void *arg);
/* Send nlh as a NLM_F_DUMP request and call cb for each message until
 * NLMSG_DONE. A callback error stops the callbacks, drains the rest of the
 * dump so the socket stays in step, and is returned. -EAGAIN means the
 * kernel flagged the dump NLM_F_DUMP_INTR (the table changed meanwhile):
 * every message was delivered but some may be missing. cb must not use
 * the same socket (-EBUSY). */
int	 nl_sock_dump(struct nl_sock *, struct nlmsghdr *nlh, nl_msg_cb cb,
	    void *arg);
/* Strict checking of the requests that follow (rtnetlink): the kernel
 * then filters a dump by the header's fields (an RTM_GETADDR dump by
 * ifa_index) instead of sending every object. Best effort: a kernel
 * without it (before 4.20) dumps all, which a callback must expect. */
void	 nl_sock_strict(struct nl_sock *, bool on);

/* Read one datagram of events (multicast, sequence 0) from a non-blocking
 * socket and call cb for each message in it. Returns the number of
 * messages handed to cb, -EAGAIN when nothing is pending, -ENOBUFS when
 * the kernel dropped events (the socket buffer overflowed), -EBADMSG when
 * the datagram ends in a malformed message (the ones before it were
 * delivered). */
int	 nl_sock_read(struct nl_sock *, nl_msg_cb cb, void *arg);

/* The error line of the last failed call, "" if none. */
const char *nl_sock_error(const struct nl_sock *);
/* The kernel's extended-ack text from the last reply, "" if none. */
const char *nl_sock_extack(const struct nl_sock *);
/* Compose the error line "<fmt...>: <strerror(-err)> (<detail>)" where
 * detail defaults to the kernel's extended-ack text, and return err, so
 * callers write `return nl_sock_fail(s, rc, NULL, "xfrm: add SA ...")`. */
int	 nl_sock_fail(struct nl_sock *, int err, const char *detail,
	    const char *fmt, ...) VTID_PRINTF(4, 5);

/* Zero memory that carried key material (OPENSSL_cleanse: not optimised
 * away). Use on every request buffer that held a key, after sending. */
void	 nl_buf_wipe(void *, size_t);

/* Named network namespaces, as `ip netns` keeps them (/run/netns/NAME).
 * Names are checked: non-empty, no '/', not "." or "..". */
int	 nl_netns_open(const char *name);	/* O_RDONLY fd or -errno */
/* Move the calling thread into netns name; *saved receives a descriptor
 * of the namespace left, for nl_netns_leave. */
int	 nl_netns_enter(const char *name, int *saved);
/* Return to the saved namespace and close it. Failing to return would
 * leave the daemon in the wrong namespace: that is fatal(). */
void	 nl_netns_leave(int saved);

/* Message building into caller memory: writes past cap set err, write
 * nothing, and every later put is ignored; check nl_msg_ok() once. */
struct nl_msg {
	struct nlmsghdr	*nlh;
	size_t		 cap;
	bool		 err;
};

void	 nl_msg_init(struct nl_msg *, void *buf, size_t cap, uint16_t type,
	    uint16_t flags);
bool	 nl_msg_ok(const struct nl_msg *);
/* The fixed family header (zeroed), or NULL (and err) if it does not fit. */
void	*nl_msg_put_header(struct nl_msg *, size_t);
void	 nl_msg_put(struct nl_msg *, uint16_t type, size_t len, const void *);
void	 nl_msg_put_u8(struct nl_msg *, uint16_t type, uint8_t);
void	 nl_msg_put_u32(struct nl_msg *, uint16_t type, uint32_t);
void	 nl_msg_put_str(struct nl_msg *, uint16_t type, const char *);
/* Reserve an attribute of len zeroed bytes and return its payload, or NULL. */
void	*nl_msg_reserve(struct nl_msg *, uint16_t type, size_t len);
struct nlattr *nl_msg_nest_start(struct nl_msg *, uint16_t type);
void	 nl_msg_nest_end(struct nl_msg *, struct nlattr *);

/* Attribute validation from one declared table, indexed by type:
 * min/max payload lengths (max 0: unbounded, so {0, 0} accepts any
 * length). A type above maxtype is skipped: a newer kernel may add some. */
struct nl_attr_rule {
	uint16_t	 min;
	uint16_t	 max;
};

/* Parse the attributes in data[0..len) into tb[0..maxtype] (zeroed first).
 * Every header is checked (length >= 4 and within what is left), every
 * payload against its rule; a repeated type or trailing bytes are an
 * error. Returns 0 or -EBADMSG. Attributes are not copied: tb points into
 * data, which may be unaligned (read with nl_attr_get*). */
int	 nl_attr_parse(const void *data, size_t len,
	    const struct nl_attr_rule *rules, uint16_t maxtype,
	    const struct nlattr **tb);
/* Parse one whole message in buf[0..len): check its header, copy its
 * fixed family header of fixedlen bytes into fixed (the kernel's structs
 * hold u64s that the 4-byte netlink alignment does not align), then parse
 * the attributes after it. -EBADMSG if anything is short or malformed. */
int	 nl_msg_parse(const void *buf, size_t len, void *fixed,
	    size_t fixedlen, const struct nl_attr_rule *rules,
	    uint16_t maxtype, const struct nlattr **tb);
const void *nl_attr_data(const struct nlattr *);
size_t	 nl_attr_len(const struct nlattr *);	/* payload length */
uint32_t nl_attr_get_u32(const struct nlattr *);	/* rule checked len */
/* Copy a string attribute into dst (NUL-terminated, truncated to size). */
void	 nl_attr_get_str(const struct nlattr *, char *dst, size_t size);
/* Check that buf[0..len) starts with one whole message and copy its
 * header out: -EBADMSG if the header is short or nlmsg_len exceeds len. */
int	 nl_msg_check(const void *buf, size_t len, struct nlmsghdr *hdr);

/* An IPv4 or IPv6 address in network order, as the kernel lays them out
 * (xfrm_address_t: IPv4 in the first four bytes). family AF_UNSPEC: unset. */
struct nl_addr {
	uint16_t	 family;
	union {
		struct in_addr	 v4;
		struct in6_addr	 v6;
		uint8_t		 raw[16];
	} u;
};

struct nl_prefix {
	struct nl_addr	 addr;
	uint8_t		 len;
};

int	 nl_addr_parse(struct nl_addr *, const char *);	/* 0 or -EINVAL */
/* "ADDR/LEN"; without "/LEN" the full length. */
int	 nl_prefix_parse(struct nl_prefix *, const char *);
/* The all-zero address/0 of a family (0.0.0.0/0 or ::/0). */
void	 nl_prefix_any(struct nl_prefix *, uint16_t family);
bool	 nl_prefix_valid(const struct nl_prefix *);
size_t	 nl_addr_len(const struct nl_addr *);	/* 4, 16, or 0 */
bool	 nl_addr_eq(const struct nl_addr *, const struct nl_addr *);
/* Copy from 16 kernel bytes (xfrm_address_t) of family f. */
void	 nl_addr_from_raw(struct nl_addr *, uint16_t f, const void *raw16);
/* Text form into buf (NL_ADDRSTRLEN); "(none)" when unset. */
const char *nl_addr_str(const struct nl_addr *, char *buf, size_t);

#endif
