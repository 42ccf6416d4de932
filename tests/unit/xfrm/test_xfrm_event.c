/* XFRM event decoding from bytes a 6.18 kernel sent (captured from
 * XFRMNLGRP_ACQUIRE/EXPIRE on a test namespace), then from every way of
 * breaking them: short buffers, lying lengths, bad attributes, wrong
 * families, random corruption. Decoding must fail cleanly, never read
 * outside the buffer (run under ASan), never abort. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "xfrm/xfrm.h"

/* ACQUIRE: an IPv4 packet 192.0.2.1 -> 192.0.2.77 (UDP) matched
 * "dir out src 0.0.0.0/0 dst 0.0.0.0/0 mark 7 tmpl src 2001:db8::1
 * dst 2001:db8::2 proto esp reqid 7 mode tunnel": IPv4 in IPv6. */
static const _Alignas(8) uint8_t acquire_msg[] = {
	0x84, 0x01, 0x00, 0x00, 0x17, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
	0x32, 0x00, 0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xc0, 0x00, 0x02, 0x4d,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xc0, 0x00, 0x02, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x04, 0x01, 0xff, 0xff, 0xec, 0x41, 0xff, 0xff,
	0x02, 0x00, 0x20, 0x20, 0x11, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x79, 0x9f, 0x09, 0x6b,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0x03, 0x00, 0x00, 0x00, 0x44, 0x00, 0x05, 0x00,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x32, 0x00, 0x00, 0x00,
	0x0a, 0x00, 0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x07, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0x0a, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x15, 0x00, 0x07, 0x00, 0x00, 0x00,
	0xff, 0xff, 0xff, 0xff,
};

/* EXPIRE (hard): the larval SA of "ip xfrm state allocspi src
 * 2001:db8::2 dst 2001:db8::1 proto esp mode tunnel reqid 9 mark 9",
 * after net.core.xfrm_acq_expires=1 seconds. */
static const _Alignas(8) uint8_t expire_msg[] = {
	0x04, 0x01, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x80,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x01, 0xc9, 0x83, 0x3b, 0xe8, 0x32, 0x00, 0x00, 0x00,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x7a, 0x9f, 0x09, 0x6b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00,
	0x0a, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x15, 0x00,
	0x09, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
};

static _Alignas(8) uint8_t m[1024];

/* Does a message cut at cut stay valid? Only at the start of an
 * attribute, or between the end of one and the end of its padding (which
 * the last attribute may lack, in part or in whole). */
static bool
valid_cut(const uint8_t *msg, size_t len, size_t hdrlen, size_t cut)
{
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(hdrlen);
	struct nlattr a;

	while (off + sizeof(a) <= len) {
		if (cut == off)
			return true;
		memcpy(&a, msg + off, sizeof(a));
		if (cut >= off + a.nla_len && cut <= off + NLA_ALIGN(a.nla_len))
			return true;
		off += NLA_ALIGN(a.nla_len);
	}
	return cut == off;
}

static void
set_len(uint8_t *msg, uint32_t len)
{
	memcpy(msg, &len, sizeof(len));	/* nlmsg_len: first field */
}

static void
test_acquire(void **state)
{
	struct xfrm_event ev;
	const struct xfrm_acquire *q = &ev.u.acquire;
	char a[NL_ADDRSTRLEN], b[NL_ADDRSTRLEN];

	assert_int_equal(xfrm_event_decode(acquire_msg, sizeof(acquire_msg),
	    &ev), 0);
	assert_int_equal(ev.type, XFRM_EVENT_ACQUIRE);
	assert_int_equal(q->reqid, 7);
	assert_int_equal(q->mark.v, 7);
	assert_int_equal(q->mark.m, 0xffffffff);
	assert_int_equal(q->dir, XFRM_POLICY_OUT);
	assert_int_equal(q->index, 1);	/* the first out policy of the namespace */
	assert_int_equal(q->src.family, AF_INET6);
	assert_string_equal(nl_addr_str(&q->src, a, sizeof(a)), "2001:db8::1");
	assert_string_equal(nl_addr_str(&q->dst, b, sizeof(b)), "2001:db8::2");
	assert_string_equal(nl_addr_str(&q->flow_src.addr, a, sizeof(a)),
	    "192.0.2.1");
	assert_string_equal(nl_addr_str(&q->flow_dst.addr, b, sizeof(b)),
	    "192.0.2.77");
	assert_int_equal(q->flow_src.len, 32);
	assert_int_equal(q->flow_proto, 17);
	assert_int_equal(q->sel_src.addr.family, AF_INET);
	assert_int_equal(q->sel_src.len, 0);
	assert_int_equal(q->sel_dst.len, 0);
	printf("  ACQUIRE: reqid 7, mark 7/0xffffffff, dir out, index %u, "
	    "outer 2001:db8::1 -> 2001:db8::2, flow 192.0.2.1 -> 192.0.2.77 "
	    "udp, policy 0.0.0.0/0\n", q->index);
}

static void
test_expire(void **state)
{
	struct xfrm_event ev;
	const struct xfrm_expire *x = &ev.u.expire;
	char a[NL_ADDRSTRLEN];
	/* offsetof(struct xfrm_user_expire, hard), after the header. */
	size_t hard_off = NLMSG_HDRLEN + offsetof(struct xfrm_user_expire,
	    hard);

	assert_int_equal(xfrm_event_decode(expire_msg, sizeof(expire_msg),
	    &ev), 0);
	assert_int_equal(ev.type, XFRM_EVENT_EXPIRE);
	assert_true(x->hard);
	assert_int_equal(x->spi, 0xc9833be8);
	assert_int_equal(x->proto, 50);
	assert_int_equal(x->reqid, 9);
	assert_int_equal(x->mark.v, 9);
	assert_int_equal(x->mark.m, 0xffffffff);
	assert_string_equal(nl_addr_str(&x->dst, a, sizeof(a)), "2001:db8::1");
	assert_string_equal(nl_addr_str(&x->src, a, sizeof(a)), "2001:db8::2");
	printf("  hard EXPIRE: spi 0xc9833be8 esp, dst 2001:db8::1, reqid 9, "
	    "mark 9/0xffffffff\n");

	memcpy(m, expire_msg, sizeof(expire_msg));
	m[hard_off] = 0;
	assert_int_equal(xfrm_event_decode(m, sizeof(expire_msg), &ev), 0);
	assert_false(x->hard);
	assert_int_equal(x->spi, 0xc9833be8);
	printf("  soft EXPIRE (hard byte 0): hard false, same SA\n");
}

static void
test_truncated(void **state)
{
	static const struct {
		const uint8_t	*msg;
		size_t		 len, hdrlen;
		const char	*name;
	} t[] = {
		{ acquire_msg, sizeof(acquire_msg),
		    sizeof(struct xfrm_user_acquire), "ACQUIRE" },
		{ expire_msg, sizeof(expire_msg),
		    sizeof(struct xfrm_user_expire), "EXPIRE" },
	};
	struct xfrm_event ev;
	size_t i, cut, errors, ok;

	for (i = 0; i < 2; i++) {
		/* The buffer shorter than nlmsg_len says. */
		for (cut = 0; cut < t[i].len; cut++)
			assert_int_equal(xfrm_event_decode(t[i].msg, cut, &ev),
			    -EBADMSG);
		/* Header and buffer agree, the message is cut short: only a
		 * cut between attributes is a (shorter) valid message. */
		errors = ok = 0;
		for (cut = 0; cut < t[i].len; cut++) {
			memcpy(m, t[i].msg, cut);
			if (cut >= 4)
				set_len(m, (uint32_t)cut);
			if (valid_cut(t[i].msg, t[i].len, t[i].hdrlen, cut)) {
				assert_int_equal(xfrm_event_decode(m, cut, &ev),
				    0);
				ok++;
			} else {
				assert_int_equal(xfrm_event_decode(m, cut, &ev),
				    -EBADMSG);
				errors++;
			}
		}
		printf("  %s cut at each of %zu lengths: %zu -EBADMSG, %zu "
		    "valid (cut between attributes)\n", t[i].name, t[i].len,
		    errors, ok);
	}
}

static void
test_bad_attrs(void **state)
{
	size_t aoff = NLMSG_HDRLEN +
	    NLMSG_ALIGN(sizeof(struct xfrm_user_acquire));
	size_t fam_off = NLMSG_HDRLEN + offsetof(struct xfrm_user_acquire,
	    sel.family);
	size_t plen_off = NLMSG_HDRLEN + offsetof(struct xfrm_user_acquire,
	    policy.sel.prefixlen_d);
	struct xfrm_event ev;
	struct nlattr a;
	uint16_t v16;

	/* First attribute is XFRMA_TMPL (68 bytes). */
	memcpy(&a, acquire_msg + aoff, sizeof(a));
	assert_int_equal(a.nla_type, XFRMA_TMPL);

	memcpy(m, acquire_msg, sizeof(acquire_msg));
	v16 = 0xffff;
	memcpy(m + aoff, &v16, 2);
	assert_int_equal(xfrm_event_decode(m, sizeof(acquire_msg), &ev),
	    -EBADMSG);
	v16 = 3;
	memcpy(m + aoff, &v16, 2);
	assert_int_equal(xfrm_event_decode(m, sizeof(acquire_msg), &ev),
	    -EBADMSG);
	v16 = 0;
	memcpy(m + aoff, &v16, 2);
	assert_int_equal(xfrm_event_decode(m, sizeof(acquire_msg), &ev),
	    -EBADMSG);
	printf("  TMPL nla_len 0xffff, 3, 0: -EBADMSG\n");

	/* A template 4 bytes short: not a whole xfrm_user_tmpl. */
	memcpy(m, acquire_msg, sizeof(acquire_msg));
	v16 = a.nla_len - 4;
	memcpy(m + aoff, &v16, 2);
	assert_int_equal(xfrm_event_decode(m, sizeof(acquire_msg), &ev),
	    -EBADMSG);
	printf("  TMPL of 60 bytes: -EBADMSG\n");

	/* Selector family 99, prefix length 200 for IPv4. */
	memcpy(m, acquire_msg, sizeof(acquire_msg));
	v16 = 99;
	memcpy(m + fam_off, &v16, 2);
	assert_int_equal(xfrm_event_decode(m, sizeof(acquire_msg), &ev),
	    -EBADMSG);
	memcpy(m, acquire_msg, sizeof(acquire_msg));
	m[plen_off] = 200;
	assert_int_equal(xfrm_event_decode(m, sizeof(acquire_msg), &ev),
	    -EBADMSG);
	printf("  flow family 99, policy prefix /200: -EBADMSG\n");

	/* Trailing bytes after the last attribute. */
	memcpy(m, acquire_msg, sizeof(acquire_msg));
	memset(m + sizeof(acquire_msg), 0, 4);
	set_len(m, sizeof(acquire_msg) + 2);
	assert_int_equal(xfrm_event_decode(m, sizeof(acquire_msg) + 2, &ev),
	    -EBADMSG);
	printf("  2 trailing bytes: -EBADMSG\n");

	/* Another message type on the same groups. */
	memcpy(m, expire_msg, sizeof(expire_msg));
	v16 = XFRM_MSG_POLEXPIRE;
	memcpy(m + 4, &v16, 2);
	assert_int_equal(xfrm_event_decode(m, sizeof(expire_msg), &ev),
	    -ENOMSG);
	assert_int_equal(xfrm_event_decode(NULL, 0, &ev), -EBADMSG);
	printf("  POLEXPIRE: -ENOMSG; NULL: -EBADMSG\n");
}

static void
test_duplicate_mark(void **state)
{
	struct xfrm_user_expire ue;
	struct xfrm_mark mark = { 1, 0xffffffff };
	struct xfrm_event ev;
	struct nl_msg nm;
	void *hdr;

	memcpy(&ue, expire_msg + NLMSG_HDRLEN, sizeof(ue));
	nl_msg_init(&nm, m, sizeof(m), XFRM_MSG_EXPIRE, 0);
	hdr = nl_msg_put_header(&nm, sizeof(ue));
	assert_non_null(hdr);
	memcpy(hdr, &ue, sizeof(ue));
	nl_msg_put(&nm, XFRMA_MARK, sizeof(mark), &mark);
	assert_int_equal(xfrm_event_decode(m, nm.nlh->nlmsg_len, &ev), 0);
	assert_int_equal(ev.u.expire.mark.v, 1);
	nl_msg_put(&nm, XFRMA_MARK, sizeof(mark), &mark);
	assert_true(nl_msg_ok(&nm));
	assert_int_equal(xfrm_event_decode(m, nm.nlh->nlmsg_len, &ev),
	    -EBADMSG);
	/* A mark of the wrong size. */
	nl_msg_init(&nm, m, sizeof(m), XFRM_MSG_EXPIRE, 0);
	hdr = nl_msg_put_header(&nm, sizeof(ue));
	memcpy(hdr, &ue, sizeof(ue));
	nl_msg_put(&nm, XFRMA_MARK, 4, &mark);
	assert_int_equal(xfrm_event_decode(m, nm.nlh->nlmsg_len, &ev),
	    -EBADMSG);
	printf("  rebuilt EXPIRE: one mark ok, two marks -EBADMSG, 4-byte "
	    "mark -EBADMSG\n");
}

/* Random corruption: decoding must return, with 0 or an error. */
static void
test_corruption(void **state)
{
	struct xfrm_event ev;
	uint32_t x = 0x12345678;
	size_t i, j, len, pos, ok = 0, bad = 0;
	const uint8_t *src;
	int rc;

	for (i = 0; i < 20000; i++) {
		src = (i & 1) ? acquire_msg : expire_msg;
		len = (i & 1) ? sizeof(acquire_msg) : sizeof(expire_msg);
		memcpy(m, src, len);
		for (j = 0; j < 1 + i % 4; j++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			pos = x % len;
			m[pos] = (uint8_t)(x >> 24);
		}
		rc = xfrm_event_decode(m, len, &ev);
		assert_true(rc == 0 || rc == -EBADMSG || rc == -ENOMSG);
		if (rc == 0)
			ok++;
		else
			bad++;
	}
	printf("  20000 randomly corrupted messages: %zu decoded, %zu "
	    "rejected, none crashed\n", ok, bad);
}

/* For an XFRM interface's policy or SA the kernel sends XFRMA_IF_ID
 * (xfrm_if_id_put in build_acquire and build_expire) and no XFRMA_MARK:
 * the captures above with their mark attribute (the last 12 bytes) in
 * place of an if_id attribute. A wrong-sized one is -EBADMSG. */
static size_t
with_if_id(const uint8_t *msg, size_t len, uint32_t if_id, uint16_t alen)
{
	struct nlattr a = { .nla_len = alen, .nla_type = XFRMA_IF_ID };

	memcpy(m, msg, len - 12);
	memcpy(m + len - 12, &a, sizeof(a));
	memset(m + len - 8, 0, 8);
	memcpy(m + len - 8, &if_id, sizeof(if_id));
	set_len(m, (uint32_t)(len - 12 + NLA_ALIGN(alen)));
	return len - 12 + NLA_ALIGN(alen);
}

static void
test_if_id(void **state)
{
	struct xfrm_event ev;
	size_t len;

	len = with_if_id(acquire_msg, sizeof(acquire_msg), 7, 8);
	assert_int_equal(xfrm_event_decode(m, len, &ev), 0);
	assert_int_equal(ev.type, XFRM_EVENT_ACQUIRE);
	assert_int_equal(ev.u.acquire.if_id, 7);
	assert_int_equal(ev.u.acquire.mark.v, 0);
	assert_int_equal(ev.u.acquire.mark.m, 0);
	assert_int_equal(ev.u.acquire.reqid, 7);
	printf("  ACQUIRE of an if_id policy: if_id %u, mark %u/%u, reqid %u\n",
	    ev.u.acquire.if_id, ev.u.acquire.mark.v, ev.u.acquire.mark.m,
	    ev.u.acquire.reqid);
	len = with_if_id(expire_msg, sizeof(expire_msg), 9, 8);
	assert_int_equal(xfrm_event_decode(m, len, &ev), 0);
	assert_int_equal(ev.type, XFRM_EVENT_EXPIRE);
	assert_int_equal(ev.u.expire.if_id, 9);
	assert_int_equal(ev.u.expire.mark.m, 0);
	assert_true(ev.u.expire.hard);
	printf("  EXPIRE of an if_id SA: if_id %u, spi 0x%08x, hard\n",
	    ev.u.expire.if_id, ev.u.expire.spi);
	/* The captured ones have a mark and no if_id. */
	assert_int_equal(xfrm_event_decode(acquire_msg, sizeof(acquire_msg),
	    &ev), 0);
	assert_int_equal(ev.u.acquire.if_id, 0);
	/* A 2-byte if_id: the attribute table refuses it. */
	len = with_if_id(acquire_msg, sizeof(acquire_msg), 7, 6);
	assert_int_equal(xfrm_event_decode(m, len, &ev), -EBADMSG);
	printf("  marked capture: if_id 0; a 2-byte XFRMA_IF_ID: -EBADMSG\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_acquire),
		cmocka_unit_test(test_if_id),
		cmocka_unit_test(test_expire),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bad_attrs),
		cmocka_unit_test(test_duplicate_mark),
		cmocka_unit_test(test_corruption),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
