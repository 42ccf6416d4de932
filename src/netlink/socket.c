/* Netlink sockets: open (possibly in another namespace), acknowledged
 * requests, dumps, extended-ack error text. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <openssl/crypto.h>

#include "netlink/netlink.h"

static void
nl_sock_reset(struct nl_sock *s, int proto)
{
	s->mnl = NULL;
	s->proto = proto;
	s->portid = 0;
	s->seq = 0;
	s->busy = false;
	s->extack[0] = '\0';
	s->err[0] = '\0';
}

int
nl_sock_open(struct nl_sock *s, int proto, const char *netns, bool nonblock)
{
	struct timeval tv = { .tv_sec = NL_REQUEST_TIMEOUT_S };
	int saved = -1, one = 1, rc, err;

	nl_sock_reset(s, proto);
	if (netns != NULL && netns[0] != '\0') {
		rc = nl_netns_enter(netns, &saved);
		if (rc < 0)
			return nl_sock_fail(s, rc, NULL,
			    "netlink: enter netns %s", netns);
	}
	s->mnl = mnl_socket_open2(proto,
	    SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0));
	err = errno;
	if (saved >= 0)
		nl_netns_leave(saved);
	if (s->mnl == NULL) {
		rc = -err;
		goto fail;
	}
	if (mnl_socket_bind(s->mnl, 0, MNL_SOCKET_AUTOPID) < 0) {
		rc = -errno;
		goto fail;
	}
	s->portid = mnl_socket_get_portid(s->mnl);
	/* Extended acks give the kernel's reason ("Requested type not
	 * found"); capped acks keep the kernel from echoing our request,
	 * keys included, back into our receive buffer. Kernels without
	 * them (before 4.12 / 4.3) still work, with terser errors. */
	(void)mnl_socket_setsockopt(s->mnl, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)mnl_socket_setsockopt(s->mnl, NETLINK_CAP_ACK, &one, sizeof(one));
	if (!nonblock && setsockopt(mnl_socket_get_fd(s->mnl), SOL_SOCKET,
	    SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		rc = -errno;
		goto fail;
	}
	return 0;
fail:
	if (s->mnl != NULL)
		mnl_socket_close(s->mnl);
	s->mnl = NULL;
	return nl_sock_fail(s, rc, NULL, "netlink: open protocol %d%s%s",
	    proto, netns != NULL && netns[0] != '\0' ? " in netns " : "",
	    netns != NULL ? netns : "");
}

void
nl_sock_close(struct nl_sock *s)
{
	if (s->mnl != NULL)
		mnl_socket_close(s->mnl);
	s->mnl = NULL;
}

int
nl_sock_fd(const struct nl_sock *s)
{
	return s->mnl != NULL ? mnl_socket_get_fd(s->mnl) : -1;
}

int
nl_sock_subscribe(struct nl_sock *s, unsigned int group)
{
	if (s->mnl == NULL)
		return nl_sock_fail(s, -EBADF, NULL, "netlink: subscribe");
	if (mnl_socket_setsockopt(s->mnl, NETLINK_ADD_MEMBERSHIP, &group,
	    sizeof(group)) < 0)
		return nl_sock_fail(s, -errno, NULL,
		    "netlink: join group %u", group);
	return 0;
}

int
nl_sock_rcvbuf(struct nl_sock *s, int bytes, int *got)
{
	socklen_t len = sizeof(*got);
	int fd = nl_sock_fd(s);

	if (fd < 0)
		return nl_sock_fail(s, -EBADF, NULL, "netlink: receive buffer");
	/* Without CAP_NET_ADMIN the first fails with EPERM; the second
	 * then gives what rmem_max allows. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes,
	    sizeof(bytes)) == -1 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)) == -1)
		return nl_sock_fail(s, -errno, NULL,
		    "netlink: receive buffer of %d bytes", bytes);
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, got, &len) == -1)
		return nl_sock_fail(s, -errno, NULL,
		    "netlink: receive buffer size");
	return 0;
}

const char *
nl_sock_error(const struct nl_sock *s)
{
	return s->err;
}

const char *
nl_sock_extack(const struct nl_sock *s)
{
	return s->extack;
}

int
nl_sock_fail(struct nl_sock *s, int err, const char *detail,
    const char *fmt, ...)
{
	char what[NL_ERR_MAX];
	va_list ap;
	int e = err < 0 ? -err : err;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (detail == NULL)
		detail = s->extack;
	if (detail[0] != '\0')
		snprintf(s->err, sizeof(s->err), "%.120s: %s (%.100s)", what,
		    strerror(e), detail);
	else
		snprintf(s->err, sizeof(s->err), "%.180s: %s", what,
		    strerror(e));
	return err;
}

void
nl_buf_wipe(void *p, size_t len)
{
	if (p != NULL && len > 0)
		OPENSSL_cleanse(p, len);
}

static uint32_t
nl_sock_next_seq(struct nl_sock *s)
{
	if (++s->seq == 0)	/* 0 is what the kernel uses for events */
		s->seq = 1;
	return s->seq;
}

static int
nl_sock_send(struct nl_sock *s, struct nlmsghdr *nlh)
{
	ssize_t n;

	if (s->mnl == NULL)
		return -EBADF;
	if (s->busy)	/* a dump callback using its own socket */
		return -EBUSY;
	s->extack[0] = '\0';
	s->err[0] = '\0';
	nlh->nlmsg_pid = 0;
	nlh->nlmsg_seq = nl_sock_next_seq(s);
	n = mnl_socket_sendto(s->mnl, nlh, nlh->nlmsg_len);
	if (n < 0)
		return -errno;
	if ((size_t)n != nlh->nlmsg_len)
		return -EMSGSIZE;
	return 0;
}

/* One datagram from the kernel into s->buf: its length, 0 for a datagram
 * to ignore (not from the kernel), or -errno (-EAGAIN: nothing yet on a
 * non-blocking socket, or the receive timeout on a blocking one). */
static ssize_t
nl_sock_recv(struct nl_sock *s)
{
	struct sockaddr_nl sa;
	struct iovec iov = { s->buf, sizeof(s->buf) };
	struct msghdr mh = {
		.msg_name = &sa, .msg_namelen = sizeof(sa),
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	ssize_t n;

	do
		n = recvmsg(mnl_socket_get_fd(s->mnl), &mh, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if (mh.msg_flags & MSG_TRUNC) {
		/* Cannot happen with NL_BUF_SIZE (the kernel sizes dump
		 * batches to the reader), but a cut message is never parsed. */
		nl_buf_wipe(s->buf, sizeof(s->buf));
		return -EMSGSIZE;
	}
	if (mh.msg_namelen != sizeof(sa) || sa.nl_family != AF_NETLINK ||
	    sa.nl_pid != 0) {
		nl_buf_wipe(s->buf, (size_t)n);
		return 0;
	}
	return n;
}

/* The error of a NLMSG_ERROR (or the int in NLMSG_DONE), and the
 * kernel's extended-ack text into s->extack. */
static int
nl_ack_parse(struct nl_sock *s, const struct nlmsghdr *nlh, bool done)
{
	static const struct nl_attr_rule rules[NLMSGERR_ATTR_MSG + 1] = {
		[NLMSGERR_ATTR_MSG] = { 1, 0 },
	};
	const struct nlattr *tb[NLMSGERR_ATTR_MSG + 1];
	const uint8_t *p = mnl_nlmsg_get_payload(nlh);
	size_t plen = nlh->nlmsg_len - NLMSG_HDRLEN, off;
	struct nlmsgerr e;
	int32_t doneerr;

	if (done) {
		/* Since 4.x NLMSG_DONE carries the dump's int error. */
		if (plen < sizeof(doneerr))
			return 0;
		memcpy(&doneerr, p, sizeof(doneerr));
		e.error = doneerr;
		off = sizeof(doneerr);
	} else {
		if (plen < sizeof(e))
			return -EBADMSG;
		memcpy(&e, p, sizeof(e));
		off = sizeof(e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
			/* Uncapped: our request's payload is echoed first. */
			if (e.msg.nlmsg_len < NLMSG_HDRLEN)
				goto tlvs_done;
			off += NLMSG_ALIGN(e.msg.nlmsg_len - NLMSG_HDRLEN);
		}
	}
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && off <= plen &&
	    nl_attr_parse(p + off, plen - off, rules, NLMSGERR_ATTR_MSG,
	    tb) == 0 && tb[NLMSGERR_ATTR_MSG] != NULL)
		nl_attr_get_str(tb[NLMSGERR_ATTR_MSG], s->extack,
		    sizeof(s->extack));
tlvs_done:
	if (e.error > 0 || e.error < -4095)
		return -EPROTO;
	return e.error;
}

/* Read until the answer to s->seq ends (ack, error or NLMSG_DONE), giving
 * other messages of that sequence to cb. */
static int
nl_sock_collect(struct nl_sock *s, bool dump, nl_msg_cb cb, void *arg)
{
	const struct nlmsghdr *nlh;
	bool finished = false, intr = false;
	int rc = 0, cb_rc = 0;
	ssize_t n;
	int left;

	s->busy = true;
	while (!finished) {
		n = nl_sock_recv(s);
		if (n < 0) {
			rc = n == -EAGAIN ? -ETIMEDOUT : (int)n;
			break;
		}
		left = (int)n;
		for (nlh = (const struct nlmsghdr *)s->buf;
		    !finished && mnl_nlmsg_ok(nlh, left);
		    nlh = mnl_nlmsg_next(nlh, &left)) {
			/* Late answers to an earlier, timed-out request. */
			if (nlh->nlmsg_seq != s->seq ||
			    nlh->nlmsg_pid != s->portid)
				continue;
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;
			switch (nlh->nlmsg_type) {
			case NLMSG_ERROR:
				rc = nl_ack_parse(s, nlh, false);
				finished = true;
				break;
			case NLMSG_DONE:
				if (dump) {
					rc = nl_ack_parse(s, nlh, true);
					finished = true;
				}
				break;
			case NLMSG_NOOP:
			case NLMSG_OVERRUN:
				break;
			default:
				if (cb != NULL && cb_rc == 0)
					cb_rc = cb(nlh, arg);
				break;
			}
		}
		/* Dumps and GETSA answers carry SA keys. */
		nl_buf_wipe(s->buf, (size_t)n);
	}
	s->busy = false;
	if (rc == 0)
		rc = cb_rc;
	if (rc == 0 && intr)
		rc = -EAGAIN;
	return rc;
}

int
nl_sock_request(struct nl_sock *s, struct nlmsghdr *nlh, nl_msg_cb cb,
    void *arg)
{
	int rc;

	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	rc = nl_sock_send(s, nlh);
	if (rc == 0)
		rc = nl_sock_collect(s, false, cb, arg);
	if (rc < 0)
		nl_sock_fail(s, rc, NULL, "netlink: request type %u",
		    nlh->nlmsg_type);
	return rc;
}

void
nl_sock_strict(struct nl_sock *s, bool on)
{
	int v = on;

	if (s->mnl != NULL)
		(void)mnl_socket_setsockopt(s->mnl, NETLINK_GET_STRICT_CHK, &v,
		    sizeof(v));
}

int
nl_sock_dump(struct nl_sock *s, struct nlmsghdr *nlh, nl_msg_cb cb,
    void *arg)
{
	int rc;

	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_DUMP;
	rc = nl_sock_send(s, nlh);
	if (rc == 0)
		rc = nl_sock_collect(s, true, cb, arg);
	if (rc < 0)
		nl_sock_fail(s, rc, NULL, "netlink: dump type %u",
		    nlh->nlmsg_type);
	return rc;
}

int
nl_sock_read(struct nl_sock *s, nl_msg_cb cb, void *arg)
{
	const struct nlmsghdr *nlh;
	ssize_t n;
	int left, count = 0;

	if (s->mnl == NULL)
		return -EBADF;
	if (s->busy)
		return -EBUSY;
	n = nl_sock_recv(s);
	if (n < 0)
		return (int)n;
	s->busy = true;
	left = (int)n;
	for (nlh = (const struct nlmsghdr *)s->buf; mnl_nlmsg_ok(nlh, left);
	    nlh = mnl_nlmsg_next(nlh, &left)) {
		if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
			continue;
		(void)cb(nlh, arg);
		count++;
	}
	s->busy = false;
	nl_buf_wipe(s->buf, (size_t)n);
	/* The kernel pads every message; anything left is malformed. */
	return left > 0 ? -EBADMSG : count;
}
