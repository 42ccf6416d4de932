/* The table notifications (XFRMNLGRP_SA, XFRMNLGRP_POLICY) as the kernel's
 * xfrm_notify_sa and xfrm_notify_policy lay them out: each decoded, and
 * each rejected when a part it must have is short or absent. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "xfrm/xfrm.h"

/* What "ip xfrm state flush" asks for (IPSEC_PROTO_ANY of linux/ipsec.h). */
#define PROTO_ANY	255

static _Alignas(8) uint8_t m[2048];
static const struct xfrm_mark mark7 = { 7, 0xffffffff };

static void
addr6(xfrm_address_t *x, const char *s)
{
	assert_int_equal(inet_pton(AF_INET6, s, x), 1);
}

/* An AEAD algorithm attribute: its presence is what "keyed" means. */
static void
put_aead(struct nl_msg *nm)
{
	uint8_t alg[sizeof(struct xfrm_algo_aead) + 20];

	memset(alg, 0, sizeof(alg));
	nl_msg_put(nm, XFRMA_ALG_AEAD, sizeof(alg), alg);
}

static void
sa_info(struct xfrm_usersa_info *info, uint32_t spi)
{
	memset(info, 0, sizeof(*info));
	info->family = AF_INET6;
	addr6(&info->saddr, "2001:db8:1::2");
	addr6(&info->id.daddr, "2001:db8:1::1");
	info->id.spi = htonl(spi);
	info->id.proto = IPPROTO_ESP;
	info->reqid = 70;
	info->mode = XFRM_MODE_TUNNEL;
}

static size_t
build_delsa(bool with_sa, size_t sa_len)
{
	struct xfrm_usersa_info info;
	struct xfrm_usersa_id *id;
	struct nl_msg nm;

	nl_msg_init(&nm, m, sizeof(m), XFRM_MSG_DELSA, 0);
	id = nl_msg_put_header(&nm, sizeof(*id));
	assert_non_null(id);
	addr6(&id->daddr, "2001:db8:1::1");
	id->spi = htonl(0xc0ffee01);
	id->family = AF_INET6;
	id->proto = IPPROTO_ESP;
	if (with_sa) {
		sa_info(&info, 0xc0ffee01);
		nl_msg_put(&nm, XFRMA_SA, sa_len, &info);
	}
	nl_msg_put(&nm, XFRMA_MARK, sizeof(mark7), &mark7);
	put_aead(&nm);
	assert_true(nl_msg_ok(&nm));
	return nm.nlh->nlmsg_len;
}

static void
test_sa_deleted(void **state)
{
	struct xfrm_event ev;
	char a[NL_ADDRSTRLEN];
	size_t len;

	len = build_delsa(true, sizeof(struct xfrm_usersa_info));
	assert_int_equal(xfrm_event_decode(m, len, &ev), 0);
	assert_int_equal(ev.type, XFRM_EVENT_SA_DELETED);
	assert_int_equal(ev.u.sa.spi, 0xc0ffee01);
	assert_int_equal(ev.u.sa.proto, IPPROTO_ESP);
	assert_int_equal(ev.u.sa.reqid, 70);
	assert_int_equal(ev.u.sa.mark.v, 7);
	assert_true(ev.u.sa.keyed);
	assert_string_equal(nl_addr_str(&ev.u.sa.dst, a, sizeof(a)),
	    "2001:db8:1::1");
	assert_string_equal(nl_addr_str(&ev.u.sa.src, a, sizeof(a)),
	    "2001:db8:1::2");
	printf("  DELSA: spi 0xc0ffee01, reqid 70, mark 7, keyed, "
	    "2001:db8:1::2 -> 2001:db8:1::1\n");

	/* XFRMA_SA shorter than the SA it carries. */
	len = build_delsa(true, 16);
	assert_int_equal(xfrm_event_decode(m, len, &ev), -EBADMSG);
	/* None at all: the id still names the SA; no reqid. */
	len = build_delsa(false, 0);
	assert_int_equal(xfrm_event_decode(m, len, &ev), 0);
	assert_int_equal(ev.u.sa.reqid, 0);
	/* Cut inside the id. */
	len = build_delsa(true, sizeof(struct xfrm_usersa_info));
	((struct nlmsghdr *)(void *)m)->nlmsg_len = NLMSG_HDRLEN + 8;
	assert_int_equal(xfrm_event_decode(m, NLMSG_HDRLEN + 8, &ev),
	    -EBADMSG);
	printf("  DELSA: XFRMA_SA of 16 bytes -EBADMSG, without it no reqid, "
	    "cut id -EBADMSG\n");
}

static void
test_sa_added(void **state)
{
	struct xfrm_usersa_info *info;
	struct xfrm_event ev;
	struct nl_msg nm;
	int keyed;

	for (keyed = 0; keyed < 2; keyed++) {
		nl_msg_init(&nm, m, sizeof(m), keyed ? XFRM_MSG_NEWSA :
		    XFRM_MSG_UPDSA, 0);
		info = nl_msg_put_header(&nm, sizeof(*info));
		assert_non_null(info);
		sa_info(info, 0xc1);
		nl_msg_put(&nm, XFRMA_MARK, sizeof(mark7), &mark7);
		if (keyed)
			put_aead(&nm);
		assert_true(nl_msg_ok(&nm));
		assert_int_equal(xfrm_event_decode(m, nm.nlh->nlmsg_len, &ev),
		    0);
		assert_int_equal(ev.type, XFRM_EVENT_SA_ADDED);
		assert_int_equal(ev.u.sa.spi, 0xc1);
		assert_int_equal(ev.u.sa.keyed, keyed);
	}
	printf("  NEWSA with an algorithm: keyed; UPDSA without: larval\n");
}

static void
test_flushes(void **state)
{
	struct xfrm_usersa_flush *f;
	struct xfrm_event ev;
	struct nl_msg nm;
	uint16_t v16;

	nl_msg_init(&nm, m, sizeof(m), XFRM_MSG_FLUSHSA, 0);
	f = nl_msg_put_header(&nm, sizeof(*f));
	assert_non_null(f);
	f->proto = PROTO_ANY;
	/* The kernel's length is unpadded: header + 1. */
	nm.nlh->nlmsg_len = NLMSG_HDRLEN + 1;
	assert_int_equal(xfrm_event_decode(m, NLMSG_HDRLEN + 1, &ev), 0);
	assert_int_equal(ev.type, XFRM_EVENT_SA_FLUSHED);
	assert_int_equal(ev.u.flush_proto, PROTO_ANY);
	assert_int_equal(xfrm_event_decode(m, NLMSG_HDRLEN, &ev), -EBADMSG);

	nl_msg_init(&nm, m, sizeof(m), XFRM_MSG_FLUSHPOLICY, 0);
	assert_int_equal(xfrm_event_decode(m, nm.nlh->nlmsg_len, &ev), 0);
	assert_int_equal(ev.type, XFRM_EVENT_POLICY_FLUSHED);
	/* NEWPOLICY is not among the events. */
	v16 = XFRM_MSG_NEWPOLICY;
	memcpy(m + 4, &v16, 2);
	assert_int_equal(xfrm_event_decode(m, nm.nlh->nlmsg_len, &ev),
	    -ENOMSG);
	printf("  FLUSHSA (proto any), FLUSHPOLICY decoded; FLUSHSA without "
	    "its byte -EBADMSG; NEWPOLICY -ENOMSG\n");
}

static size_t
build_delpolicy(bool with_policy)
{
	struct xfrm_userpolicy_info info;
	struct xfrm_userpolicy_id *id;
	struct xfrm_user_tmpl t;
	struct nl_msg nm;

	nl_msg_init(&nm, m, sizeof(m), XFRM_MSG_DELPOLICY, 0);
	id = nl_msg_put_header(&nm, sizeof(*id));
	assert_non_null(id);
	id->dir = XFRM_POLICY_OUT;
	id->index = 0x121;
	if (with_policy) {
		memset(&info, 0, sizeof(info));
		info.sel.family = AF_INET6;
		info.dir = XFRM_POLICY_OUT;
		info.index = 0x121;
		info.action = XFRM_POLICY_ALLOW;
		nl_msg_put(&nm, XFRMA_POLICY, sizeof(info), &info);
	}
	memset(&t, 0, sizeof(t));
	t.family = AF_INET6;
	addr6(&t.saddr, "2001:db8:1::1");
	addr6(&t.id.daddr, "2001:db8:1::2");
	t.id.proto = IPPROTO_ESP;
	t.reqid = 70;
	nl_msg_put(&nm, XFRMA_TMPL, sizeof(t), &t);
	nl_msg_put(&nm, XFRMA_MARK, sizeof(mark7), &mark7);
	assert_true(nl_msg_ok(&nm));
	return nm.nlh->nlmsg_len;
}

static void
test_policy_deleted(void **state)
{
	struct xfrm_event ev;
	const struct xfrm_policy_info *pi = &ev.u.policy;
	char a[NL_ADDRSTRLEN];

	assert_int_equal(xfrm_event_decode(m, build_delpolicy(true), &ev), 0);
	assert_int_equal(ev.type, XFRM_EVENT_POLICY_DELETED);
	assert_int_equal(pi->pol.dir, XFRM_POLICY_OUT);
	assert_int_equal(pi->pol.sel_src.addr.family, AF_INET6);
	assert_int_equal(pi->pol.sel_src.len, 0);
	assert_int_equal(pi->pol.mark.v, 7);
	assert_int_equal(pi->n_tmpl, 1);
	assert_int_equal(pi->tmpl_reqid[0], 70);
	assert_int_equal(pi->index, 0x121);
	assert_string_equal(nl_addr_str(&pi->pol.tmpl_dst, a, sizeof(a)),
	    "2001:db8:1::2");
	assert_int_equal(xfrm_event_decode(m, build_delpolicy(false), &ev),
	    -EBADMSG);
	printf("  DELPOLICY: out ::/0, mark 7, one template reqid 70; without "
	    "XFRMA_POLICY -EBADMSG\n");
}

/* Every byte of each notification set to each of a few values in turn:
 * decoding returns, with 0 or an error, and reads nothing outside the
 * message (the suite's sanitizer builds would say). */
static void
test_every_byte(void **state)
{
	static const uint8_t vals[] = { 0x00, 0x01, 0x7f, 0x80, 0xff };
	struct xfrm_event ev;
	size_t msg, len, pos, v, ok = 0, bad = 0;
	int rc;

	for (msg = 0; msg < 2; msg++)
		for (pos = 0; ; pos++) {
			len = msg == 0 ? build_delsa(true,
			    sizeof(struct xfrm_usersa_info)) :
			    build_delpolicy(true);
			if (pos == len)
				break;
			for (v = 0; v < sizeof(vals); v++) {
				m[pos] = vals[v];
				rc = xfrm_event_decode(m, len, &ev);
				assert_true(rc == 0 || rc == -EBADMSG ||
				    rc == -ENOMSG);
				ok += rc == 0;
				bad += rc != 0;
			}
		}
	printf("  every byte of DELSA and DELPOLICY set to 5 values: %zu "
	    "decoded, %zu rejected\n", ok, bad);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sa_deleted),
		cmocka_unit_test(test_sa_added),
		cmocka_unit_test(test_flushes),
		cmocka_unit_test(test_policy_deleted),
		cmocka_unit_test(test_every_byte),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
