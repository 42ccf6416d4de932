/* XFRM message construction: every request vtid sends is built into a
 * buffer here and read back field by field, as the kernel would. */
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

#define BUFSZ	2048

static _Alignas(8) uint8_t buf[BUFSZ];
/* Any length is fine here: the tests check lengths themselves. */
static const struct nl_attr_rule any[XFRMA_MAX + 1];

static void
addr(struct nl_addr *a, const char *s)
{
	assert_int_equal(nl_addr_parse(a, s), 0);
}

static void
sa_base(struct xfrm_sa *sa, bool v6)
{
	size_t i;

	memset(sa, 0, sizeof(*sa));
	addr(&sa->src, v6 ? "2001:db8:1::1" : "192.0.2.1");
	addr(&sa->dst, v6 ? "2001:db8:2::1" : "198.51.100.1");
	sa->spi = 0xc1234567;
	sa->reqid = 7;
	sa->mark.v = 5;
	sa->mark.m = 0xffffffff;
	sa->encr = XFRM_ENCR_AES_GCM_16;
	sa->encr_key_len = 36;
	for (i = 0; i < sa->encr_key_len; i++)
		sa->encr_key[i] = (uint8_t)(0xa0 + i);
	sa->replay_window = 32;
	sa->lifetime.soft_bytes = 1000;
	sa->lifetime.hard_bytes = 2000;
	sa->lifetime.soft_seconds = 3000;
	sa->lifetime.hard_seconds = 3600;
}

/* Parse what was built: header, fixed part, attributes. */
static void
parse(uint16_t type, void *fixed, size_t fixedlen,
    const struct nlattr **tb)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)(void *)buf;

	assert_int_equal(nlh->nlmsg_type, type);
	assert_true(nlh->nlmsg_len <= BUFSZ);
	assert_int_equal(nl_msg_parse(buf, nlh->nlmsg_len, fixed, fixedlen,
	    any, XFRMA_MAX, tb), 0);
}

static void
test_sa_gcm(void **state)
{
	const struct nlattr *tb[XFRMA_MAX + 1];
	struct xfrm_usersa_info info;
	struct xfrm_algo_aead aead;
	struct xfrm_mark mark;
	struct xfrm_sa sa;
	const char *why;
	size_t keylen[] = { 20, 36 };
	size_t k;

	for (k = 0; k < 2; k++) {
		sa_base(&sa, true);
		sa.encr_key_len = keylen[k];
		assert_int_equal(xfrm_sa_msg_build(buf, sizeof(buf),
		    XFRM_MSG_NEWSA, &sa, &why), 0);
		parse(XFRM_MSG_NEWSA, &info, sizeof(info), tb);
		assert_int_equal(info.family, AF_INET6);
		assert_int_equal(info.id.proto, IPPROTO_ESP);
		assert_int_equal(ntohl(info.id.spi), 0xc1234567);
		assert_memory_equal(&info.id.daddr, sa.dst.u.raw, 16);
		assert_memory_equal(&info.saddr, sa.src.u.raw, 16);
		assert_int_equal(info.mode, XFRM_MODE_TUNNEL);
		assert_int_equal(info.reqid, 7);
		assert_int_equal(info.replay_window, 32);
		/* Empty selector, any inner family: vti6 carries IPv4. */
		assert_int_equal(info.flags, XFRM_STATE_AF_UNSPEC);
		assert_int_equal(info.sel.family, 0);
		assert_true(info.lft.soft_byte_limit == 1000);
		assert_true(info.lft.hard_byte_limit == 2000);
		assert_true(info.lft.soft_packet_limit == XFRM_INF);
		assert_true(info.lft.hard_packet_limit == XFRM_INF);
		assert_true(info.lft.soft_add_expires_seconds == 3000);
		assert_true(info.lft.hard_add_expires_seconds == 3600);

		assert_non_null(tb[XFRMA_ALG_AEAD]);
		assert_null(tb[XFRMA_ALG_CRYPT]);
		assert_null(tb[XFRMA_ALG_AUTH_TRUNC]);
		assert_null(tb[XFRMA_ALG_AUTH]);
		assert_null(tb[XFRMA_REPLAY_ESN_VAL]);
		assert_int_equal(nl_attr_len(tb[XFRMA_ALG_AEAD]),
		    sizeof(aead) + keylen[k]);
		memcpy(&aead, nl_attr_data(tb[XFRMA_ALG_AEAD]), sizeof(aead));
		assert_string_equal(aead.alg_name, "rfc4106(gcm(aes))");
		assert_int_equal(aead.alg_key_len, keylen[k] * 8);
		assert_int_equal(aead.alg_icv_len, 128);
		/* key || salt, byte for byte, salt last. */
		assert_memory_equal((const uint8_t *)nl_attr_data(
		    tb[XFRMA_ALG_AEAD]) + sizeof(aead), sa.encr_key,
		    keylen[k]);
		assert_non_null(tb[XFRMA_MARK]);
		assert_int_equal(nl_attr_len(tb[XFRMA_MARK]), sizeof(mark));
		memcpy(&mark, nl_attr_data(tb[XFRMA_MARK]), sizeof(mark));
		assert_int_equal(mark.v, 5);
		assert_int_equal(mark.m, 0xffffffff);
		printf("  NEWSA AES-GCM-16 key %zu bytes: rfc4106(gcm(aes)) "
		    "%u bits, ICV %u, AF_UNSPEC, mark 5/0xffffffff, reqid 7\n",
		    keylen[k], aead.alg_key_len, aead.alg_icv_len);
	}
}

static void
test_sa_cbc_hmac(void **state)
{
	static const struct {
		enum xfrm_integ	 integ;
		const char	*name;
		size_t		 keylen;
		unsigned int	 trunc;
	} t[] = {
		{ XFRM_INTEG_HMAC_SHA2_256_128, "hmac(sha256)", 32, 128 },
		{ XFRM_INTEG_HMAC_SHA2_384_192, "hmac(sha384)", 48, 192 },
		{ XFRM_INTEG_HMAC_SHA2_512_256, "hmac(sha512)", 64, 256 },
	};
	const struct nlattr *tb[XFRMA_MAX + 1];
	struct xfrm_usersa_info info;
	struct xfrm_algo crypt;
	struct xfrm_algo_auth auth;
	struct xfrm_sa sa;
	const char *why;
	size_t i, e;

	for (e = 16; e <= 32; e += 16)
		for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			sa_base(&sa, false);
			sa.encr = XFRM_ENCR_AES_CBC;
			sa.encr_key_len = e;
			sa.integ = t[i].integ;
			sa.integ_key_len = t[i].keylen;
			memset(sa.integ_key, 0x5a, sa.integ_key_len);
			assert_int_equal(xfrm_sa_msg_build(buf, sizeof(buf),
			    XFRM_MSG_UPDSA, &sa, &why), 0);
			parse(XFRM_MSG_UPDSA, &info, sizeof(info), tb);
			assert_int_equal(info.family, AF_INET);
			assert_memory_equal(&info.id.daddr, sa.dst.u.raw, 4);
			assert_null(tb[XFRMA_ALG_AEAD]);
			assert_null(tb[XFRMA_ALG_AUTH]);	/* 96-bit default */
			memcpy(&crypt, nl_attr_data(tb[XFRMA_ALG_CRYPT]),
			    sizeof(crypt));
			assert_string_equal(crypt.alg_name, "cbc(aes)");
			assert_int_equal(crypt.alg_key_len, e * 8);
			assert_int_equal(nl_attr_len(tb[XFRMA_ALG_CRYPT]),
			    sizeof(crypt) + e);
			memcpy(&auth, nl_attr_data(tb[XFRMA_ALG_AUTH_TRUNC]),
			    sizeof(auth));
			assert_string_equal(auth.alg_name, t[i].name);
			assert_int_equal(auth.alg_key_len, t[i].keylen * 8);
			assert_int_equal(auth.alg_trunc_len, t[i].trunc);
			assert_int_equal(nl_attr_len(tb[XFRMA_ALG_AUTH_TRUNC]),
			    sizeof(auth) + t[i].keylen);
			assert_memory_equal((const uint8_t *)nl_attr_data(
			    tb[XFRMA_ALG_AUTH_TRUNC]) + sizeof(auth),
			    sa.integ_key, t[i].keylen);
			printf("  UPDSA AES-CBC-%zu + %s: key %u bits, ICV "
			    "truncated to %u bits (RFC 4868)\n", e * 8,
			    auth.alg_name, auth.alg_key_len,
			    auth.alg_trunc_len);
		}
}

static void
test_sa_replay_esn(void **state)
{
	const struct nlattr *tb[XFRMA_MAX + 1];
	struct xfrm_usersa_info info;
	struct xfrm_replay_state_esn esn;
	struct xfrm_sa sa;
	const char *why;

	/* ESN: the flag, replay_window 0 in the header, the bitmap. */
	sa_base(&sa, true);
	sa.esn = true;
	sa.replay_window = 128;
	assert_int_equal(xfrm_sa_msg_build(buf, sizeof(buf), XFRM_MSG_NEWSA,
	    &sa, &why), 0);
	parse(XFRM_MSG_NEWSA, &info, sizeof(info), tb);
	assert_int_equal(info.flags, XFRM_STATE_AF_UNSPEC | XFRM_STATE_ESN);
	assert_int_equal(info.replay_window, 0);
	assert_non_null(tb[XFRMA_REPLAY_ESN_VAL]);
	memcpy(&esn, nl_attr_data(tb[XFRMA_REPLAY_ESN_VAL]), sizeof(esn));
	assert_int_equal(esn.bmp_len, 4);
	assert_int_equal(esn.replay_window, 128);
	assert_int_equal(nl_attr_len(tb[XFRMA_REPLAY_ESN_VAL]),
	    sizeof(esn) + 4 * 4);
	printf("  ESN, window 128: XFRM_STATE_ESN, replay_window 0, "
	    "REPLAY_ESN_VAL bmp_len 4 (%zu bytes)\n",
	    nl_attr_len(tb[XFRMA_REPLAY_ESN_VAL]));

	/* A window wider than the legacy 32-bit bitmap, without ESN. */
	sa.esn = false;
	sa.replay_window = 4096;
	assert_int_equal(xfrm_sa_msg_build(buf, sizeof(buf), XFRM_MSG_NEWSA,
	    &sa, &why), 0);
	parse(XFRM_MSG_NEWSA, &info, sizeof(info), tb);
	assert_int_equal(info.flags, XFRM_STATE_AF_UNSPEC);
	assert_int_equal(info.replay_window, 0);
	memcpy(&esn, nl_attr_data(tb[XFRMA_REPLAY_ESN_VAL]), sizeof(esn));
	assert_int_equal(esn.bmp_len, 128);
	printf("  no ESN, window 4096: REPLAY_ESN_VAL bmp_len 128, no flag\n");

	/* Restricted inner family: a selector family, no AF_UNSPEC. */
	sa.replay_window = 0;
	sa.inner_family = AF_INET;
	sa.mark.v = sa.mark.m = 0;
	assert_int_equal(xfrm_sa_msg_build(buf, sizeof(buf), XFRM_MSG_NEWSA,
	    &sa, &why), 0);
	parse(XFRM_MSG_NEWSA, &info, sizeof(info), tb);
	assert_int_equal(info.flags, 0);
	assert_int_equal(info.sel.family, AF_INET);
	assert_int_equal(info.replay_window, 0);
	assert_null(tb[XFRMA_REPLAY_ESN_VAL]);
	assert_null(tb[XFRMA_MARK]);
	printf("  inner IPv4 only, no mark: sel.family AF_INET, no flags, "
	    "no XFRMA_MARK\n");
}

static void
test_sa_invalid(void **state)
{
	struct xfrm_sa sa;
	const char *why;
	_Alignas(8) uint8_t small[300];

	sa_base(&sa, true);
	sa.encr_key_len = 16;	/* salt missing */
	assert_int_equal(xfrm_sa_msg_build(buf, sizeof(buf), XFRM_MSG_NEWSA,
	    &sa, &why), -EINVAL);
	assert_non_null(strstr(why, "salt"));
	printf("  GCM key without salt: -EINVAL \"%s\"\n", why);

	sa_base(&sa, true);
	sa.encr = XFRM_ENCR_AES_CBC;
	sa.encr_key_len = 16;
	assert_int_equal(xfrm_sa_msg_build(buf, sizeof(buf), XFRM_MSG_NEWSA,
	    &sa, &why), -EINVAL);
	printf("  CBC without integrity: -EINVAL \"%s\"\n", why);

	sa.integ = XFRM_INTEG_HMAC_SHA2_384_192;
	sa.integ_key_len = 32;
	assert_int_equal(xfrm_sa_msg_build(buf, sizeof(buf), XFRM_MSG_NEWSA,
	    &sa, &why), -EINVAL);
	printf("  HMAC-SHA-384 with a 32-byte key: -EINVAL \"%s\"\n", why);

	sa_base(&sa, true);
	sa.integ = XFRM_INTEG_HMAC_SHA2_256_128;
	assert_int_equal(xfrm_sa_msg_build(buf, sizeof(buf), XFRM_MSG_NEWSA,
	    &sa, &why), -EINVAL);
	printf("  GCM with an integ: -EINVAL \"%s\"\n", why);

	sa_base(&sa, true);
	addr(&sa.dst, "198.51.100.1");
	assert_int_equal(xfrm_sa_msg_build(buf, sizeof(buf), XFRM_MSG_NEWSA,
	    &sa, &why), -EINVAL);
	printf("  IPv6 src, IPv4 dst: -EINVAL \"%s\"\n", why);

	sa_base(&sa, true);
	sa.spi = 255;
	assert_int_equal(xfrm_sa_msg_build(buf, sizeof(buf), XFRM_MSG_NEWSA,
	    &sa, &why), -EINVAL);
	sa.spi = 256;
	sa.replay_window = 4097;
	assert_int_equal(xfrm_sa_msg_build(buf, sizeof(buf), XFRM_MSG_NEWSA,
	    &sa, &why), -EINVAL);
	sa.replay_window = 32;
	sa.lifetime.soft_seconds = 3601;	/* hard: 3600 */
	assert_int_equal(xfrm_sa_msg_build(buf, sizeof(buf), XFRM_MSG_NEWSA,
	    &sa, &why), -EINVAL);
	printf("  SPI 255, replay window 4097, soft 3601 s > hard 3600 s: "
	    "-EINVAL\n");

	/* A buffer too small: an error, never a write past it. */
	sa_base(&sa, true);
	memset(small, 0xee, sizeof(small));
	assert_int_equal(xfrm_sa_msg_build(small, 280, XFRM_MSG_NEWSA, &sa,
	    &why), -EMSGSIZE);
	assert_int_equal(small[280], 0xee);
	assert_int_equal(xfrm_sa_msg_build(buf, sizeof(buf), XFRM_MSG_DELSA,
	    &sa, &why), -EINVAL);
	printf("  280-byte buffer: -EMSGSIZE, byte 280 untouched\n");
	xfrm_sa_wipe(&sa);
	assert_int_equal(sa.encr_key[0], 0);
}

static void
test_sa_id_and_spi(void **state)
{
	const struct nlattr *tb[XFRMA_MAX + 1];
	struct xfrm_usersa_id uid;
	struct xfrm_userspi_info usi;
	struct xfrm_sa_id id;
	struct xfrm_spi_req req;
	struct xfrm_mark mark;
	const char *why;

	memset(&id, 0, sizeof(id));
	addr(&id.dst, "2001:db8:2::1");
	id.spi = 0xc0000001;
	id.mark.v = 3;
	id.mark.m = 0xff;
	assert_int_equal(xfrm_sa_id_msg_build(buf, sizeof(buf), XFRM_MSG_DELSA,
	    &id, &why), 0);
	parse(XFRM_MSG_DELSA, &uid, sizeof(uid), tb);
	assert_int_equal(ntohl(uid.spi), 0xc0000001);
	assert_int_equal(uid.family, AF_INET6);
	assert_int_equal(uid.proto, IPPROTO_ESP);
	assert_memory_equal(&uid.daddr, id.dst.u.raw, 16);
	memcpy(&mark, nl_attr_data(tb[XFRMA_MARK]), sizeof(mark));
	assert_int_equal(mark.v, 3);
	assert_int_equal(mark.m, 0xff);
	assert_int_equal(xfrm_sa_id_msg_build(buf, sizeof(buf), XFRM_MSG_GETSA,
	    &id, &why), 0);
	parse(XFRM_MSG_GETSA, &uid, sizeof(uid), tb);
	printf("  DELSA/GETSA: usersa_id dst, spi 0xc0000001, ESP, mark 3/0xff\n");

	memset(&req, 0, sizeof(req));
	addr(&req.src, "2001:db8:2::1");
	addr(&req.dst, "2001:db8:1::1");
	req.reqid = 42;
	req.mark.v = 42;
	req.mark.m = 0xffffffff;
	assert_int_equal(xfrm_spi_msg_build(buf, sizeof(buf), &req, &why), 0);
	parse(XFRM_MSG_ALLOCSPI, &usi, sizeof(usi), tb);
	assert_int_equal(usi.min, 0xc0000000);
	assert_int_equal(usi.max, 0xcfffffff);
	assert_int_equal(usi.info.reqid, 42);
	assert_int_equal(usi.info.id.proto, IPPROTO_ESP);
	assert_int_equal(usi.info.family, AF_INET6);
	assert_int_equal(usi.info.mode, XFRM_MODE_TUNNEL);
	assert_memory_equal(&usi.info.id.daddr, req.dst.u.raw, 16);
	assert_non_null(tb[XFRMA_MARK]);
	printf("  ALLOCSPI: range 0x%08x-0x%08x, reqid 42, mark, tunnel\n",
	    usi.min, usi.max);
	req.min = 0x100;
	req.max = 0xff;
	assert_int_equal(xfrm_spi_msg_build(buf, sizeof(buf), &req, &why),
	    -EINVAL);
	req.min = 1;
	req.max = 0;
	assert_int_equal(xfrm_spi_msg_build(buf, sizeof(buf), &req, &why),
	    -EINVAL);
	printf("  ALLOCSPI min > max, min 1: -EINVAL\n");
}

static void
policy_base(struct xfrm_policy *pol, uint16_t inner)
{
	memset(pol, 0, sizeof(*pol));
	pol->dir = XFRM_POLICY_OUT;
	nl_prefix_any(&pol->sel_src, inner);
	nl_prefix_any(&pol->sel_dst, inner);
	pol->mark.v = 3;
	pol->mark.m = 0xffffffff;
	pol->priority = 1000;
	addr(&pol->tmpl_src, "2001:db8:1::1");
	addr(&pol->tmpl_dst, "2001:db8:2::1");
	pol->reqid = 3;
}

static void
test_policy(void **state)
{
	const struct nlattr *tb[XFRMA_MAX + 1];
	struct xfrm_userpolicy_info info;
	struct xfrm_userpolicy_id pid;
	struct xfrm_user_tmpl tmpl;
	struct xfrm_policy pol;
	struct xfrm_policy_info pi;
	struct xfrm_mark mark;
	const char *why;
	uint16_t fam[] = { AF_INET6, AF_INET };
	size_t f;

	for (f = 0; f < 2; f++) {
		policy_base(&pol, fam[f]);
		assert_int_equal(xfrm_policy_msg_build(buf, sizeof(buf),
		    XFRM_MSG_UPDPOLICY, &pol, &why), 0);
		parse(XFRM_MSG_UPDPOLICY, &info, sizeof(info), tb);
		assert_int_equal(info.sel.family, fam[f]);
		assert_int_equal(info.sel.prefixlen_s, 0);
		assert_int_equal(info.sel.prefixlen_d, 0);
		assert_int_equal(info.dir, XFRM_POLICY_OUT);
		assert_int_equal(info.action, XFRM_POLICY_ALLOW);
		assert_int_equal(info.priority, 1000);
		assert_true(info.lft.hard_byte_limit == XFRM_INF);
		assert_int_equal(nl_attr_len(tb[XFRMA_TMPL]), sizeof(tmpl));
		memcpy(&tmpl, nl_attr_data(tb[XFRMA_TMPL]), sizeof(tmpl));
		assert_int_equal(tmpl.family, AF_INET6);
		assert_int_equal(tmpl.id.proto, IPPROTO_ESP);
		assert_int_equal(tmpl.id.spi, 0);
		assert_int_equal(tmpl.mode, XFRM_MODE_TUNNEL);
		assert_int_equal(tmpl.reqid, 3);
		assert_int_equal(tmpl.optional, 0);
		assert_true(tmpl.aalgos == ~0u && tmpl.ealgos == ~0u);
		assert_memory_equal(&tmpl.saddr, pol.tmpl_src.u.raw, 16);
		assert_memory_equal(&tmpl.id.daddr, pol.tmpl_dst.u.raw, 16);
		memcpy(&mark, nl_attr_data(tb[XFRMA_MARK]), sizeof(mark));
		assert_int_equal(mark.v, 3);
		printf("  UPDPOLICY out %s/0: tmpl IPv6 tunnel ESP reqid 3, "
		    "mark 3/0xffffffff, priority 1000\n",
		    fam[f] == AF_INET6 ? "::" : "0.0.0.0");

		/* What we build decodes as the kernel's dump would. */
		((struct nlmsghdr *)(void *)buf)->nlmsg_type =
		    XFRM_MSG_NEWPOLICY;
		assert_int_equal(xfrm_policy_msg_decode(buf,
		    ((struct nlmsghdr *)(void *)buf)->nlmsg_len, &pi), 0);
		assert_int_equal(pi.n_tmpl, 1);
		assert_int_equal(pi.tmpl_reqid[0], 3);
		assert_int_equal(pi.pol.sel_src.addr.family, fam[f]);
		assert_true(nl_addr_eq(&pi.pol.tmpl_dst, &pol.tmpl_dst));
		assert_int_equal(pi.ptype, XFRM_POLICY_TYPE_MAIN);
	}

	policy_base(&pol, AF_INET6);
	pol.dir = XFRM_POLICY_FWD;
	assert_int_equal(xfrm_policy_msg_build(buf, sizeof(buf),
	    XFRM_MSG_DELPOLICY, &pol, &why), 0);
	parse(XFRM_MSG_DELPOLICY, &pid, sizeof(pid), tb);
	assert_int_equal(pid.dir, XFRM_POLICY_FWD);
	assert_int_equal(pid.index, 0);
	assert_int_equal(pid.sel.family, AF_INET6);
	assert_non_null(tb[XFRMA_MARK]);
	assert_null(tb[XFRMA_TMPL]);
	printf("  DELPOLICY fwd: by selector ::/0 and mark, no template\n");

	policy_base(&pol, AF_INET6);
	pol.reqid = 0;
	assert_int_equal(xfrm_policy_msg_build(buf, sizeof(buf),
	    XFRM_MSG_NEWPOLICY, &pol, &why), -EINVAL);
	printf("  template reqid 0: -EINVAL \"%s\"\n", why);
	policy_base(&pol, AF_INET6);
	nl_prefix_any(&pol.sel_dst, AF_INET);
	assert_int_equal(xfrm_policy_msg_build(buf, sizeof(buf),
	    XFRM_MSG_NEWPOLICY, &pol, &why), -EINVAL);
	policy_base(&pol, AF_INET6);
	pol.dir = 3;
	assert_int_equal(xfrm_policy_msg_build(buf, sizeof(buf),
	    XFRM_MSG_NEWPOLICY, &pol, &why), -EINVAL);
	printf("  mixed selector families, dir 3: -EINVAL\n");
}

static void
test_sa_decode_own(void **state)
{
	struct xfrm_sa sa;
	struct xfrm_sa_info info;
	const char *why;

	sa_base(&sa, false);
	assert_int_equal(xfrm_sa_msg_build(buf, sizeof(buf), XFRM_MSG_NEWSA,
	    &sa, &why), 0);
	assert_int_equal(xfrm_sa_msg_decode(buf,
	    ((struct nlmsghdr *)(void *)buf)->nlmsg_len, &info), 0);
	assert_int_equal(info.spi, 0xc1234567);
	assert_int_equal(info.reqid, 7);
	assert_int_equal(info.mark.v, 5);
	assert_int_equal(info.proto, IPPROTO_ESP);
	assert_true(nl_addr_eq(&info.dst, &sa.dst));
	assert_int_equal(xfrm_sa_msg_decode(buf, 100, &info), -EBADMSG);
	printf("  NEWSA decodes back: spi, reqid, mark, dst; cut at 100: "
	    "-EBADMSG\n");
	nl_buf_wipe(buf, sizeof(buf));
}

/* An XFRM interface's objects: XFRMA_IF_ID and no XFRMA_MARK; a VTI's
 * the other way round. What is built decodes back the same. */
static void
test_if_id(void **state)
{
	const struct nlattr *tb[XFRMA_MAX + 1];
	struct xfrm_usersa_info info;
	struct xfrm_userspi_info usi;
	struct xfrm_userpolicy_info pinfo;
	struct xfrm_userpolicy_id pid;
	struct xfrm_sa sa;
	struct xfrm_sa_info si;
	struct xfrm_spi_req req;
	struct xfrm_policy pol;
	struct xfrm_policy_info pi;
	const char *why;

	sa_base(&sa, true);
	memset(&sa.mark, 0, sizeof(sa.mark));
	sa.if_id = 7;
	assert_int_equal(xfrm_sa_msg_build(buf, sizeof(buf), XFRM_MSG_NEWSA,
	    &sa, &why), 0);
	parse(XFRM_MSG_NEWSA, &info, sizeof(info), tb);
	assert_null(tb[XFRMA_MARK]);
	assert_non_null(tb[XFRMA_IF_ID]);
	assert_int_equal(nl_attr_len(tb[XFRMA_IF_ID]), 4);
	assert_int_equal(nl_attr_get_u32(tb[XFRMA_IF_ID]), 7);
	assert_int_equal(xfrm_sa_msg_decode(buf,
	    ((struct nlmsghdr *)(void *)buf)->nlmsg_len, &si), 0);
	assert_int_equal(si.if_id, 7);
	assert_int_equal(si.mark.v, 0);
	assert_int_equal(si.mark.m, 0);
	printf("  NEWSA if_id 7: XFRMA_IF_ID 7, no XFRMA_MARK; decodes back "
	    "if_id %u mark %u/%u\n", si.if_id, si.mark.v, si.mark.m);
	sa_base(&sa, true);
	assert_int_equal(xfrm_sa_msg_build(buf, sizeof(buf), XFRM_MSG_UPDSA,
	    &sa, &why), 0);
	parse(XFRM_MSG_UPDSA, &info, sizeof(info), tb);
	assert_null(tb[XFRMA_IF_ID]);
	assert_non_null(tb[XFRMA_MARK]);
	assert_int_equal(xfrm_sa_msg_decode(buf,
	    ((struct nlmsghdr *)(void *)buf)->nlmsg_len, &si), 0);
	assert_int_equal(si.if_id, 0);
	printf("  UPDSA mark 5, if_id 0: XFRMA_MARK, no XFRMA_IF_ID\n");
	nl_buf_wipe(buf, sizeof(buf));
	xfrm_sa_wipe(&sa);

	memset(&req, 0, sizeof(req));
	addr(&req.src, "192.0.2.2");
	addr(&req.dst, "192.0.2.1");
	req.reqid = 9;
	req.if_id = 9;
	assert_int_equal(xfrm_spi_msg_build(buf, sizeof(buf), &req, &why), 0);
	parse(XFRM_MSG_ALLOCSPI, &usi, sizeof(usi), tb);
	assert_null(tb[XFRMA_MARK]);
	assert_int_equal(nl_attr_get_u32(tb[XFRMA_IF_ID]), 9);
	assert_int_equal(usi.info.family, AF_INET);
	printf("  ALLOCSPI if_id 9: XFRMA_IF_ID 9, no XFRMA_MARK\n");

	policy_base(&pol, AF_INET);
	memset(&pol.mark, 0, sizeof(pol.mark));
	pol.if_id = 3;
	assert_int_equal(xfrm_policy_msg_build(buf, sizeof(buf),
	    XFRM_MSG_UPDPOLICY, &pol, &why), 0);
	parse(XFRM_MSG_UPDPOLICY, &pinfo, sizeof(pinfo), tb);
	assert_null(tb[XFRMA_MARK]);
	assert_int_equal(nl_attr_get_u32(tb[XFRMA_IF_ID]), 3);
	/* What the kernel's dump of it says is a NEWPOLICY like this one. */
	((struct nlmsghdr *)(void *)buf)->nlmsg_type = XFRM_MSG_NEWPOLICY;
	assert_int_equal(xfrm_policy_msg_decode(buf,
	    ((struct nlmsghdr *)(void *)buf)->nlmsg_len, &pi), 0);
	assert_int_equal(pi.pol.if_id, 3);
	assert_int_equal(pi.pol.mark.m, 0);
	assert_int_equal(pi.pol.reqid, 3);
	/* The policy's key includes its if_id: the delete names it. */
	assert_int_equal(xfrm_policy_msg_build(buf, sizeof(buf),
	    XFRM_MSG_DELPOLICY, &pol, &why), 0);
	parse(XFRM_MSG_DELPOLICY, &pid, sizeof(pid), tb);
	assert_int_equal(nl_attr_get_u32(tb[XFRMA_IF_ID]), 3);
	assert_null(tb[XFRMA_MARK]);
	assert_int_equal(pid.sel.family, AF_INET);
	printf("  UPDPOLICY and DELPOLICY if_id 3: XFRMA_IF_ID 3, no mark; "
	    "the dump decodes if_id %u\n", pi.pol.if_id);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_if_id),
		cmocka_unit_test(test_sa_gcm),
		cmocka_unit_test(test_sa_cbc_hmac),
		cmocka_unit_test(test_sa_replay_esn),
		cmocka_unit_test(test_sa_invalid),
		cmocka_unit_test(test_sa_id_and_spi),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_sa_decode_own),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
