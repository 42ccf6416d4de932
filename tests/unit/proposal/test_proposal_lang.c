/* Proposal language: every string of the seed lab parses to the transforms
 * strongSwan would send, bad strings give clear errors; selection as
 * responder and the initiator's check of the answer (RFC 7296 2.7, 3.3). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ike/ikev2.h"
#include "ike/proposal_lang.h"

#define E	IKE_XFORM_ENCR
#define F	IKE_XFORM_PRF
#define I	IKE_XFORM_INTEG
#define D	IKE_XFORM_DH
#define N	IKE_XFORM_ESN

static void
add(struct ike_proposal *p, uint8_t type, uint16_t id, uint16_t keylen)
{
	assert_true(p->n_xforms < IKE_XFORMS_MAX);
	p->xforms[p->n_xforms].type = type;
	p->xforms[p->n_xforms].id = id;
	p->xforms[p->n_xforms].keylen = keylen;
	p->n_xforms++;
}

/* A new proposal at the end of l, as the SA payload decoder gives it. */
static struct ike_proposal *
offer(struct ike_proposal_list *l, uint8_t proto)
{
	struct ike_proposal *p;

	assert_true(l->n < IKE_PROPOSALS_MAX);
	p = &l->p[l->n++];
	memset(p, 0, sizeof(*p));
	p->num = (uint8_t)l->n;
	p->proto = proto;
	if (proto == IKE_PROTO_ESP) {
		p->spi_size = 4;
		memcpy(p->spi, "\xc0\x01\x02\x03", 4);
	}
	return p;
}

/* Field by field: struct padding is not part of the value. */
static void
assert_lists_equal(const struct ike_proposal_list *a,
    const struct ike_proposal_list *b)
{
	size_t i, j;

	assert_int_equal(a->n, b->n);
	for (i = 0; i < a->n; i++) {
		const struct ike_proposal *p = &a->p[i], *q = &b->p[i];

		assert_int_equal(p->num, q->num);
		assert_int_equal(p->proto, q->proto);
		assert_int_equal(p->spi_size, q->spi_size);
		assert_int_equal(p->n_xforms, q->n_xforms);
		for (j = 0; j < p->n_xforms; j++) {
			assert_int_equal(p->xforms[j].type, q->xforms[j].type);
			assert_int_equal(p->xforms[j].id, q->xforms[j].id);
			assert_int_equal(p->xforms[j].keylen,
			    q->xforms[j].keylen);
		}
	}
}

static void
parse_ok(struct proposal_conf *c, uint8_t proto, const char *s)
{
	char err[PROPOSAL_ERR_MAX] = "";

	if (proposal_conf_parse(c, proto, s, err, sizeof(err)) != 0)
		fail_msg("'%s': %s", s, err);
}

static void
assert_xforms(const struct ike_proposal *p, const struct ike_transform *want,
    size_t n)
{
	char got[PROPOSAL_STR_MAX];
	size_t i;

	proposal_str(p, got, sizeof(got));
	if (p->n_xforms != n)
		fail_msg("got %s: %u transforms, want %zu", got, p->n_xforms,
		    n);
	for (i = 0; i < n; i++) {
		if (p->xforms[i].type != want[i].type ||
		    p->xforms[i].id != want[i].id ||
		    p->xforms[i].keylen != want[i].keylen)
			fail_msg("got %s: transform %zu differs", got, i);
	}
}

#define XF(...)		(const struct ike_transform[]){ __VA_ARGS__ }
#define NX(...)		(sizeof((const struct ike_transform[]){ __VA_ARGS__ }) \
			    / sizeof(struct ike_transform))
#define ASSERT_XFORMS(p, ...)	assert_xforms((p), XF(__VA_ARGS__), NX(__VA_ARGS__))

/* ---- parsing ---- */

static void
test_parse_seed(void **state)
{
	struct proposal_conf c;

	/* ipsec.Vx-y.conf: ike=aes256gcm16-prfsha384-ecp384! */
	parse_ok(&c, IKE_PROTO_IKE, "aes256gcm16-prfsha384-ecp384!");
	assert_true(c.strict);
	assert_int_equal(c.list.n, 1);
	assert_int_equal(c.list.p[0].num, 1);
	assert_int_equal(c.list.p[0].proto, IKE_PROTO_IKE);
	assert_int_equal(c.list.p[0].spi_size, 0);
	ASSERT_XFORMS(&c.list.p[0], { E, ENCR_AES_GCM_16, 256 },
	    { F, PRF_HMAC_SHA2_384, 0 }, { D, ECP_384, 0 });

	/* esp=aes256gcm16-prfsha384-ecp384!: the PRF goes (strongSwan),
	 * the group is PFS, ESN_NONE is implied. */
	parse_ok(&c, IKE_PROTO_ESP, "aes256gcm16-prfsha384-ecp384!");
	assert_true(c.strict);
	assert_int_equal(c.list.n, 1);
	assert_int_equal(c.list.p[0].proto, IKE_PROTO_ESP);
	ASSERT_XFORMS(&c.list.p[0], { E, ENCR_AES_GCM_16, 256 },
	    { D, ECP_384, 0 }, { N, ESN_NONE, 0 });
	print_message("seed ike= and esp= strings parse as strongSwan's\n");
}

static void
test_parse_classic(void **state)
{
	struct proposal_conf c;

	/* sha256 is integrity and, without prf*, the PRF too. Not strict:
	 * our two defaults follow. */
	parse_ok(&c, IKE_PROTO_IKE, "aes128-sha256-modp2048");
	assert_false(c.strict);
	assert_int_equal(c.list.n, 3);
	ASSERT_XFORMS(&c.list.p[0], { E, ENCR_AES_CBC, 128 },
	    { F, PRF_HMAC_SHA2_256, 0 }, { I, AUTH_HMAC_SHA2_256_128, 0 },
	    { D, MODP_2048, 0 });
	ASSERT_XFORMS(&c.list.p[1], { E, ENCR_AES_GCM_16, 256 },
	    { E, ENCR_AES_GCM_16, 128 }, { F, PRF_HMAC_SHA2_384, 0 },
	    { F, PRF_HMAC_SHA2_256, 0 }, { D, CURVE25519, 0 },
	    { D, ECP_384, 0 }, { D, ECP_256, 0 });
	assert_int_equal(c.list.p[1].num, 2);
	assert_int_equal(c.list.p[2].num, 3);

	parse_ok(&c, IKE_PROTO_IKE, "aes256-sha384-x25519!");
	assert_int_equal(c.list.n, 1);
	ASSERT_XFORMS(&c.list.p[0], { E, ENCR_AES_CBC, 256 },
	    { F, PRF_HMAC_SHA2_384, 0 }, { I, AUTH_HMAC_SHA2_384_192, 0 },
	    { D, CURVE25519, 0 });

	/* An explicit PRF wins over the one sha* implies. */
	parse_ok(&c, IKE_PROTO_IKE, "aes128-sha256-prfsha512-ecp521!");
	ASSERT_XFORMS(&c.list.p[0], { E, ENCR_AES_CBC, 128 },
	    { F, PRF_HMAC_SHA2_512, 0 }, { I, AUTH_HMAC_SHA2_256_128, 0 },
	    { D, ECP_521, 0 });

	/* ESP, no PFS. */
	parse_ok(&c, IKE_PROTO_ESP, "aes128-sha256!");
	ASSERT_XFORMS(&c.list.p[0], { E, ENCR_AES_CBC, 128 },
	    { I, AUTH_HMAC_SHA2_256_128, 0 }, { N, ESN_NONE, 0 });
	print_message("CBC proposals: sha* gives integrity and PRF\n");
}

static void
test_parse_aliases(void **state)
{
	struct proposal_conf a, b;

	parse_ok(&a, IKE_PROTO_IKE, "aes256gcm16-prfsha384-x25519!");
	parse_ok(&b, IKE_PROTO_IKE, "AES256GCM128-PrfSha384-curve25519!");
	assert_lists_equal(&a.list, &b.list);
	parse_ok(&b, IKE_PROTO_IKE, "aes256gcm-prfsha384-x25519!");
	assert_lists_equal(&a.list, &b.list);
	parse_ok(&a, IKE_PROTO_IKE, "aes128gcm16-prfsha256-ecp256!");
	parse_ok(&b, IKE_PROTO_IKE, "aes128gcm128-prfsha256-ecp256!");
	assert_lists_equal(&a.list, &b.list);
	parse_ok(&a, IKE_PROTO_IKE, "aes128-sha2_256-modp2048!");
	parse_ok(&b, IKE_PROTO_IKE, "aes128-sha256-modp2048!");
	assert_lists_equal(&a.list, &b.list);

	/* Blanks around proposals and before '!'. */
	parse_ok(&a, IKE_PROTO_IKE,
	    " aes128-sha256-modp2048 ,\taes256gcm16-prfsha384-ecp384 ! ");
	assert_true(a.strict);
	assert_int_equal(a.list.n, 2);
	assert_int_equal(a.list.p[1].num, 2);
	ASSERT_XFORMS(&a.list.p[1], { E, ENCR_AES_GCM_16, 256 },
	    { F, PRF_HMAC_SHA2_384, 0 }, { D, ECP_384, 0 });
	print_message("gcm16 == gcm128 == gcm, x25519 == curve25519, case\n");
}

static void
test_parse_aead_sha_ike(void **state)
{
	struct proposal_conf c;

	/* The strongSwan idiom: with AEAD and no prf*, sha* is the PRF. */
	parse_ok(&c, IKE_PROTO_IKE, "aes256gcm16-sha384-ecp384!");
	ASSERT_XFORMS(&c.list.p[0], { E, ENCR_AES_GCM_16, 256 },
	    { F, PRF_HMAC_SHA2_384, 0 }, { D, ECP_384, 0 });
}

static void
test_parse_esn_multi(void **state)
{
	struct proposal_conf c;

	parse_ok(&c, IKE_PROTO_ESP, "aes128gcm16-esn!");
	ASSERT_XFORMS(&c.list.p[0], { E, ENCR_AES_GCM_16, 128 },
	    { N, ESN_ENABLED, 0 });
	parse_ok(&c, IKE_PROTO_ESP, "aes256gcm16-aes128gcm16-ecp384-x25519-"
	    "esn-noesn!");
	ASSERT_XFORMS(&c.list.p[0], { E, ENCR_AES_GCM_16, 256 },
	    { E, ENCR_AES_GCM_16, 128 }, { D, ECP_384, 0 },
	    { D, CURVE25519, 0 }, { N, ESN_ENABLED, 0 }, { N, ESN_NONE, 0 });
}

static void
test_parse_defaults(void **state)
{
	struct proposal_conf c, d;

	parse_ok(&c, IKE_PROTO_IKE, "default!");
	assert_int_equal(c.list.n, 2);
	/* Not strict: the defaults are not appended a second time. */
	parse_ok(&d, IKE_PROTO_IKE, "default");
	assert_int_equal(d.list.n, 2);
	assert_lists_equal(&c.list, &d.list);

	parse_ok(&c, IKE_PROTO_ESP, "default");
	assert_int_equal(c.list.n, 2);
	ASSERT_XFORMS(&c.list.p[0], { E, ENCR_AES_GCM_16, 256 },
	    { E, ENCR_AES_GCM_16, 128 }, { N, ESN_NONE, 0 });
	ASSERT_XFORMS(&c.list.p[1], { E, ENCR_AES_CBC, 256 },
	    { E, ENCR_AES_CBC, 128 }, { I, AUTH_HMAC_SHA2_384_192, 0 },
	    { I, AUTH_HMAC_SHA2_256_128, 0 }, { N, ESN_NONE, 0 });

	/* A configured proposal equal to a default is not repeated. */
	parse_ok(&c, IKE_PROTO_ESP, "aes256gcm16-aes128gcm16");
	assert_int_equal(c.list.n, 2);
}

static const struct {
	uint8_t		 proto;
	const char	*str;
	const char	*err;
} bad[] = {
	{ IKE_PROTO_IKE, "aes257-sha256-modp2048",
	    "unknown algorithm 'aes257' in proposal 'aes257-sha256-modp2048'" },
	{ IKE_PROTO_IKE, "3des-sha1-modp1024",
	    "unsupported algorithm '3des' in proposal '3des-sha1-modp1024'" },
	{ IKE_PROTO_IKE, "aes128-sha256-modp3072!",
	    "unsupported algorithm 'modp3072' in proposal "
	    "'aes128-sha256-modp3072'" },
	{ IKE_PROTO_IKE, "", "empty proposal list ''" },
	{ IKE_PROTO_IKE, " ! ", "empty proposal list ' ! '" },
	{ IKE_PROTO_IKE, "aes128-sha256-modp2048,,aes256-sha256-modp2048",
	    "empty proposal in 'aes128-sha256-modp2048,,aes256-sha256-modp2048'" },
	{ IKE_PROTO_IKE, "aes128-sha256-modp2048,",
	    "empty proposal in 'aes128-sha256-modp2048,'" },
	{ IKE_PROTO_IKE, "aes128--sha256-modp2048",
	    "empty algorithm in proposal 'aes128--sha256-modp2048'" },
	{ IKE_PROTO_IKE, "aes128-sha256-modp2048-",
	    "empty algorithm in proposal 'aes128-sha256-modp2048-'" },
	{ IKE_PROTO_IKE, "aes128-sha256-modp2048!,aes256-sha256-modp2048",
	    "'!' in 'aes128-sha256-modp2048!,aes256-sha256-modp2048': it may "
	    "only end the list" },
	{ IKE_PROTO_IKE, "aes256gcm16-sha256-prfsha384-ecp384",
	    "integrity algorithm 'sha256' with AEAD cipher in IKE proposal "
	    "'aes256gcm16-sha256-prfsha384-ecp384'" },
	{ IKE_PROTO_ESP, "aes256gcm16-sha256",
	    "integrity algorithm 'sha256' with AEAD cipher in ESP proposal "
	    "'aes256gcm16-sha256'" },
	{ IKE_PROTO_IKE, "aes128-prfsha256-modp2048",
	    "no integrity algorithm for the non-AEAD cipher in IKE proposal "
	    "'aes128-prfsha256-modp2048'" },
	{ IKE_PROTO_ESP, "aes128-ecp256",
	    "no integrity algorithm for the non-AEAD cipher in ESP proposal "
	    "'aes128-ecp256'" },
	{ IKE_PROTO_IKE, "aes128-sha256",
	    "no DH group in IKE proposal 'aes128-sha256'" },
	{ IKE_PROTO_IKE, "aes256gcm16-ecp384",
	    "no PRF in IKE proposal 'aes256gcm16-ecp384' (add prfsha256, "
	    "prfsha384 or prfsha512)" },
	{ IKE_PROTO_IKE, "sha256-modp2048",
	    "no encryption algorithm in IKE proposal 'sha256-modp2048'" },
	{ IKE_PROTO_ESP, "esn", "no encryption algorithm in ESP proposal 'esn'" },
	{ IKE_PROTO_IKE, "aes128-aes256gcm16-sha256-modp2048",
	    "AEAD and non-AEAD ciphers in one proposal "
	    "'aes128-aes256gcm16-sha256-modp2048': write them as two "
	    "proposals" },
	{ IKE_PROTO_IKE, "aes128-sha256-modp2048-esn",
	    "'esn' in IKE proposal 'aes128-sha256-modp2048-esn': ESN is for "
	    "ESP only" },
	{ IKE_PROTO_IKE, "aes128-aes128-sha256-modp2048",
	    "algorithm 'aes128' given twice in proposal "
	    "'aes128-aes128-sha256-modp2048'" },
	{ IKE_PROTO_IKE, "aes256gcm16-aes256gcm128-prfsha384-ecp384",
	    "algorithm 'aes256gcm128' given twice in proposal "
	    "'aes256gcm16-aes256gcm128-prfsha384-ecp384'" },
	{ IKE_PROTO_AH, "sha256", "proposals for protocol 2: only IKE and ESP" },
};

static void
test_parse_errors(void **state)
{
	struct proposal_conf c;
	char err[PROPOSAL_ERR_MAX];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (proposal_conf_parse(&c, bad[i].proto, bad[i].str, err,
		    sizeof(err)) != -1)
			fail_msg("'%s' parsed", bad[i].str);
		if (strcmp(err, bad[i].err) != 0)
			fail_msg("'%s':\n got  %s\n want %s", bad[i].str, err,
			    bad[i].err);
		print_message("rejected '%s': %s\n", bad[i].str, err);
	}
}

static void
test_parse_too_many(void **state)
{
	struct proposal_conf c;
	char s[2048] = "", err[PROPOSAL_ERR_MAX];
	static const char *const enc[] = { "aes128", "aes256" };
	static const char *const integ[] = { "sha256", "sha384" };
	static const char *const dh[] = { "modp2048", "ecp256", "ecp384",
	    "ecp521", "x25519" };
	size_t i, j, k, n = 0;

	/* 2 x 2 x 5 = 20 different proposals > IKE_PROPOSALS_MAX */
	for (i = 0; i < 2; i++)
		for (j = 0; j < 2; j++)
			for (k = 0; k < 5; k++)
				n += (size_t)snprintf(s + n, sizeof(s) - n,
				    "%s%s-%s-%s", n ? "," : "", enc[i],
				    integ[j], dh[k]);
	assert_int_equal(proposal_conf_parse(&c, IKE_PROTO_IKE, s, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "too many proposals (at most 16)");

	/* 16 configured, strict: fits. Not strict: no room for defaults. */
	s[0] = '\0';
	n = 0;
	for (i = 0; i < 16; i++)
		n += (size_t)snprintf(s + n, sizeof(s) - n, "%s%s-%s-%s",
		    n ? "," : "", enc[i / 8], integ[(i / 4) % 2], dh[i % 4]);
	assert_int_equal(proposal_conf_parse(&c, IKE_PROTO_IKE, s, err,
	    sizeof(err)), -1);
	strcat(s, "!");
	parse_ok(&c, IKE_PROTO_IKE, s);
	assert_int_equal(c.list.n, 16);
	assert_int_equal(c.list.p[15].num, 16);
}

/* ---- selection (responder) ---- */

static void
test_select_match(void **state)
{
	struct proposal_conf c;
	struct ike_proposal_list l = { 0 };
	struct ike_proposal *p;
	struct proposal_choice ch;
	char why[PROPOSAL_STR_MAX] = "", s[128];

	parse_ok(&c, IKE_PROTO_IKE, "aes256gcm16-prfsha384-ecp384!");
	p = offer(&l, IKE_PROTO_IKE);
	add(p, E, ENCR_AES_CBC, 256);
	add(p, F, PRF_HMAC_SHA2_256, 0);
	add(p, I, AUTH_HMAC_SHA2_256_128, 0);
	add(p, D, MODP_2048, 0);
	p = offer(&l, IKE_PROTO_IKE);
	add(p, E, ENCR_AES_GCM_16, 128);
	add(p, E, ENCR_AES_GCM_16, 256);
	add(p, F, PRF_HMAC_SHA2_256, 0);
	add(p, F, PRF_HMAC_SHA2_384, 0);
	add(p, D, ECP_256, 0);
	add(p, D, ECP_384, 0);

	assert_int_equal(proposal_select(&c, &l, 0, ECP_384, &ch, why,
	    sizeof(why)), 0);
	assert_int_equal(ch.chosen.num, 2);
	assert_int_equal(ch.chosen.proto, IKE_PROTO_IKE);
	ASSERT_XFORMS(&ch.chosen, { E, ENCR_AES_GCM_16, 256 },
	    { F, PRF_HMAC_SHA2_384, 0 }, { D, ECP_384, 0 });
	assert_int_equal(ch.suite.encr, ENCR_AES_GCM_16);
	assert_int_equal(ch.suite.encr_keylen, 256);
	assert_int_equal(ch.suite.prf, PRF_HMAC_SHA2_384);
	assert_int_equal(ch.suite.integ, AUTH_NONE);
	assert_int_equal(ch.suite.dh, ECP_384);
	assert_string_equal(proposal_suite_str(&ch.suite, IKE_PROTO_IKE, s,
	    sizeof(s)), "AES_GCM_16_256/PRF_HMAC_SHA2_384/ECP_384");
	print_message("chose #%u: %s\n", ch.chosen.num, s);
}

static void
test_select_no_match(void **state)
{
	struct proposal_conf c;
	struct ike_proposal_list l = { 0 };
	struct ike_proposal *p;
	struct proposal_choice ch;
	char why[PROPOSAL_STR_MAX];

	parse_ok(&c, IKE_PROTO_IKE, "aes256gcm16-prfsha384-ecp384!");
	p = offer(&l, IKE_PROTO_IKE);
	add(p, E, ENCR_AES_CBC, 256);
	add(p, F, PRF_HMAC_SHA2_256, 0);
	add(p, I, AUTH_HMAC_SHA2_256_128, 0);
	add(p, D, MODP_2048, 0);
	assert_int_equal(proposal_select(&c, &l, 0, MODP_2048, &ch, why,
	    sizeof(why)), -1);
	assert_string_equal(why, "peer offered "
	    "AES_CBC_256/PRF_HMAC_SHA2_256/AUTH_HMAC_SHA2_256_128/MODP_2048, "
	    "we accept AES_GCM_16_256/PRF_HMAC_SHA2_384/ECP_384");
	print_message("%s\n", why);

	/* Two offers, one of them AH; a reason that does not fit is cut. */
	p = offer(&l, IKE_PROTO_AH);
	add(p, I, AUTH_HMAC_SHA2_256_128, 0);
	assert_int_equal(proposal_select(&c, &l, 0, 0, &ch, why, sizeof(why)),
	    -1);
	assert_string_equal(why, "peer offered "
	    "AES_CBC_256/PRF_HMAC_SHA2_256/AUTH_HMAC_SHA2_256_128/MODP_2048 or "
	    "AH:AUTH_HMAC_SHA2_256_128, "
	    "we accept AES_GCM_16_256/PRF_HMAC_SHA2_384/ECP_384");
	assert_int_equal(proposal_select(&c, &l, 0, 0, &ch, why, 20), -1);
	assert_string_equal(why, "peer offered AES...");

	l.n = 0;
	assert_int_equal(proposal_select(&c, &l, 0, 0, &ch, why, sizeof(why)),
	    -1);
	assert_string_equal(why, "peer offered no proposal, we accept "
	    "AES_GCM_16_256/PRF_HMAC_SHA2_384/ECP_384");
}

static void
test_select_order(void **state)
{
	struct proposal_conf c;
	struct ike_proposal_list l = { 0 };
	struct ike_proposal *p;
	struct proposal_choice ch;
	char why[PROPOSAL_STR_MAX];

	parse_ok(&c, IKE_PROTO_IKE,
	    "aes128-aes256-sha256-modp2048,aes256gcm16-prfsha384-ecp384!");
	p = offer(&l, IKE_PROTO_IKE);		/* the peer prefers AEAD */
	add(p, E, ENCR_AES_GCM_16, 256);
	add(p, F, PRF_HMAC_SHA2_384, 0);
	add(p, D, ECP_384, 0);
	p = offer(&l, IKE_PROTO_IKE);
	add(p, E, ENCR_AES_CBC, 256);
	add(p, E, ENCR_AES_CBC, 128);
	add(p, F, PRF_HMAC_SHA2_256, 0);
	add(p, I, AUTH_HMAC_SHA2_256_128, 0);
	add(p, D, MODP_2048, 0);

	/* Our order (default): our first proposal, our first cipher. */
	assert_int_equal(proposal_select(&c, &l, 0, 0, &ch, why, sizeof(why)),
	    0);
	assert_int_equal(ch.chosen.num, 2);
	ASSERT_XFORMS(&ch.chosen, { E, ENCR_AES_CBC, 128 },
	    { F, PRF_HMAC_SHA2_256, 0 }, { I, AUTH_HMAC_SHA2_256_128, 0 },
	    { D, MODP_2048, 0 });

	/* The peer's order: its first proposal. */
	assert_int_equal(proposal_select(&c, &l, PROPOSAL_PREFER_PEER, 0, &ch,
	    why, sizeof(why)), 0);
	assert_int_equal(ch.chosen.num, 1);
	assert_int_equal(ch.suite.encr, ENCR_AES_GCM_16);

	/* The peer's order within a type: its first cipher. */
	l.n = 1;
	l.p[0] = l.p[1];
	l.p[0].num = 1;
	assert_int_equal(proposal_select(&c, &l, PROPOSAL_PREFER_PEER, 0, &ch,
	    why, sizeof(why)), 0);
	assert_int_equal(ch.suite.encr, ENCR_AES_CBC);
	assert_int_equal(ch.suite.encr_keylen, 256);
	assert_int_equal(proposal_select(&c, &l, 0, 0, &ch, why, sizeof(why)),
	    0);
	assert_int_equal(ch.suite.encr_keylen, 128);
	print_message("ours first by default, the peer's with PREFER_PEER\n");
}

static void
test_select_keylen(void **state)
{
	struct proposal_conf c;
	struct ike_proposal_list l = { 0 };
	struct ike_proposal *p;
	struct proposal_choice ch;
	char why[PROPOSAL_STR_MAX];

	parse_ok(&c, IKE_PROTO_IKE, "aes256gcm16-prfsha384-ecp384!");
	p = offer(&l, IKE_PROTO_IKE);
	add(p, E, ENCR_AES_GCM_16, 128);	/* not 256 */
	add(p, E, ENCR_AES_GCM_16, 0);		/* no key length attribute */
	add(p, F, PRF_HMAC_SHA2_384, 0);
	add(p, D, ECP_384, 0);
	assert_int_equal(proposal_select(&c, &l, 0, 0, &ch, why, sizeof(why)),
	    -1);
	assert_string_equal(why, "peer offered "
	    "AES_GCM_16_128/AES_GCM_16/PRF_HMAC_SHA2_384/ECP_384, "
	    "we accept AES_GCM_16_256/PRF_HMAC_SHA2_384/ECP_384");
	print_message("%s\n", why);
}

static void
test_select_unknown_ignored(void **state)
{
	struct proposal_conf c;
	struct ike_proposal_list l = { 0 };
	struct ike_proposal *p;
	struct proposal_choice ch;
	char why[PROPOSAL_STR_MAX];

	parse_ok(&c, IKE_PROTO_IKE, "aes256gcm16-prfsha384-ecp384!");
	p = offer(&l, IKE_PROTO_IKE);
	add(p, E, 28, 0);			/* CHACHA20_POLY1305 */
	add(p, E, 1234, 0);			/* private use */
	add(p, E, ENCR_AES_GCM_16, 256);
	add(p, F, 99, 0);
	add(p, F, PRF_HMAC_SHA2_384, 0);
	add(p, D, 35, 0);			/* ML-KEM */
	add(p, D, ECP_384, 0);
	add(p, 6, 0, 0);			/* ADDKE1 NONE (RFC 9370) */
	add(p, 6, 36, 0);
	assert_int_equal(proposal_select(&c, &l, 0, 0, &ch, why, sizeof(why)),
	    0);
	ASSERT_XFORMS(&ch.chosen, { E, ENCR_AES_GCM_16, 256 },
	    { F, PRF_HMAC_SHA2_384, 0 }, { D, ECP_384, 0 });

	/* A type unknown to us without NONE: the peer requires it. */
	p->n_xforms--;
	p->xforms[p->n_xforms - 1].id = 37;
	assert_int_equal(proposal_select(&c, &l, 0, 0, &ch, why, sizeof(why)),
	    -1);
	print_message("%s\n", why);
}

static void
test_select_strict(void **state)
{
	struct proposal_conf strict, loose;
	struct ike_proposal_list l = { 0 };
	struct ike_proposal *p;
	struct proposal_choice ch;
	char why[PROPOSAL_STR_MAX];

	parse_ok(&strict, IKE_PROTO_IKE, "aes256gcm16-prfsha384-ecp384!");
	parse_ok(&loose, IKE_PROTO_IKE, "aes256gcm16-prfsha384-ecp384");
	p = offer(&l, IKE_PROTO_IKE);
	add(p, E, ENCR_AES_CBC, 128);
	add(p, F, PRF_HMAC_SHA2_256, 0);
	add(p, I, AUTH_HMAC_SHA2_256_128, 0);
	add(p, D, ECP_256, 0);
	assert_int_equal(proposal_select(&strict, &l, 0, 0, &ch, why,
	    sizeof(why)), -1);
	assert_int_equal(proposal_select(&loose, &l, 0, 0, &ch, why,
	    sizeof(why)), 0);
	ASSERT_XFORMS(&ch.chosen, { E, ENCR_AES_CBC, 128 },
	    { F, PRF_HMAC_SHA2_256, 0 }, { I, AUTH_HMAC_SHA2_256_128, 0 },
	    { D, ECP_256, 0 });

	/* The defaults stay >= 128-bit: MODP_2048 is not among them. */
	p->xforms[3].id = MODP_2048;
	assert_int_equal(proposal_select(&loose, &l, 0, 0, &ch, why,
	    sizeof(why)), -1);
	print_message("without '!' our defaults are accepted too\n");
}

static void
test_select_ke_hint(void **state)
{
	struct proposal_conf c;
	struct ike_proposal_list l = { 0 };
	struct ike_proposal *p;
	struct proposal_choice ch;
	char why[PROPOSAL_STR_MAX];

	parse_ok(&c, IKE_PROTO_IKE, "aes256gcm16-prfsha384-ecp384-x25519!");
	p = offer(&l, IKE_PROTO_IKE);
	add(p, E, ENCR_AES_GCM_16, 256);
	add(p, F, PRF_HMAC_SHA2_384, 0);
	add(p, D, CURVE25519, 0);
	add(p, D, ECP_384, 0);
	assert_int_equal(proposal_select(&c, &l, 0, 0, &ch, why, sizeof(why)),
	    0);
	assert_int_equal(ch.suite.dh, ECP_384);		/* our order */
	/* The peer's KE is x25519: take it, no INVALID_KE_PAYLOAD. */
	assert_int_equal(proposal_select(&c, &l, 0, CURVE25519, &ch, why,
	    sizeof(why)), 0);
	assert_int_equal(ch.suite.dh, CURVE25519);
	/* A KE group we do not accept: our choice, the caller asks for it. */
	assert_int_equal(proposal_select(&c, &l, 0, MODP_2048, &ch, why,
	    sizeof(why)), 0);
	assert_int_equal(ch.suite.dh, ECP_384);
}

static void
test_select_esp(void **state)
{
	struct proposal_conf c;
	struct ike_proposal_list l = { 0 };
	struct ike_proposal *p;
	struct proposal_choice ch;
	char why[PROPOSAL_STR_MAX], s[128];

	parse_ok(&c, IKE_PROTO_ESP, "aes256gcm16-prfsha384-ecp384!");

	/* IKE_AUTH: the initiator leaves DH out (strongSwan does). */
	p = offer(&l, IKE_PROTO_ESP);
	add(p, E, ENCR_AES_GCM_16, 256);
	add(p, N, ESN_NONE, 0);
	assert_int_equal(proposal_select(&c, &l, 0, 0, &ch, why, sizeof(why)),
	    -1);		/* outside IKE_AUTH our PFS group is required */
	assert_int_equal(proposal_select(&c, &l, PROPOSAL_SKIP_DH, 0, &ch, why,
	    sizeof(why)), 0);
	assert_int_equal(ch.chosen.spi_size, 4);
	assert_memory_equal(ch.chosen.spi, "\xc0\x01\x02\x03", 4);
	assert_string_equal(proposal_suite_str(&ch.suite, IKE_PROTO_ESP, s,
	    sizeof(s)), "AES_GCM_16_256/ESN_NONE");

	/* Some peers keep the group in IKE_AUTH: ignored there. */
	add(p, D, ECP_384, 0);
	assert_int_equal(proposal_select(&c, &l, PROPOSAL_SKIP_DH, 0, &ch, why,
	    sizeof(why)), 0);
	assert_int_equal(ch.suite.dh, DH_NONE);

	/* CREATE_CHILD_SA: PFS ECP_384, optional for the peer (NONE). */
	add(p, D, DH_NONE, 0);
	add(p, I, AUTH_NONE, 0);	/* AEAD with INTEG NONE: fine */
	assert_int_equal(proposal_select(&c, &l, 0, ECP_384, &ch, why,
	    sizeof(why)), 0);
	assert_string_equal(proposal_suite_str(&ch.suite, IKE_PROTO_ESP, s,
	    sizeof(s)), "AES_GCM_16_256/ECP_384/ESN_NONE");
	ASSERT_XFORMS(&ch.chosen, { E, ENCR_AES_GCM_16, 256 },
	    { D, ECP_384, 0 }, { N, ESN_NONE, 0 });

	/* AEAD with a real integrity algorithm: not acceptable. */
	p->xforms[p->n_xforms - 1].id = AUTH_HMAC_SHA2_256_128;
	assert_int_equal(proposal_select(&c, &l, 0, 0, &ch, why, sizeof(why)),
	    -1);
	p->n_xforms--;

	/* No ESN transform: RFC 7296 3.3.3 makes it mandatory for ESP. */
	l.n = 0;
	p = offer(&l, IKE_PROTO_ESP);
	add(p, E, ENCR_AES_GCM_16, 256);
	assert_int_equal(proposal_select(&c, &l, PROPOSAL_SKIP_DH, 0, &ch, why,
	    sizeof(why)), -1);
	assert_string_equal(why, "peer offered AES_GCM_16_256, we accept "
	    "AES_GCM_16_256/ESN_NONE");

	/* An ESP proposal without a 4-byte SPI is skipped. */
	add(p, N, ESN_NONE, 0);
	p->spi_size = 0;
	assert_int_equal(proposal_select(&c, &l, PROPOSAL_SKIP_DH, 0, &ch, why,
	    sizeof(why)), -1);
	assert_string_equal(why, "peer offered AES_GCM_16_256/ESN_NONE "
	    "(SPI size 0), we accept AES_GCM_16_256/ESN_NONE");

	/* ESP without PFS configured, peer insists on a group. */
	parse_ok(&c, IKE_PROTO_ESP, "aes256gcm16!");
	p->spi_size = 4;
	add(p, D, ECP_384, 0);
	assert_int_equal(proposal_select(&c, &l, 0, 0, &ch, why, sizeof(why)),
	    -1);
	add(p, D, DH_NONE, 0);		/* ... or lets us choose none */
	assert_int_equal(proposal_select(&c, &l, 0, 0, &ch, why, sizeof(why)),
	    0);
	assert_int_equal(ch.suite.dh, DH_NONE);
	print_message("ESP: DH ignored in IKE_AUTH, PFS in CREATE_CHILD_SA\n");
}

/* ---- the initiator's check ---- */

static void
test_check_reply(void **state)
{
	struct proposal_conf c;
	struct ike_proposal_list r = { 0 };
	struct ike_proposal *p;
	struct proposal_choice ch;
	char why[PROPOSAL_STR_MAX];

	parse_ok(&c, IKE_PROTO_IKE,
	    "aes128-sha256-modp2048,aes256gcm16-prfsha384-ecp384-ecp256!");
	p = offer(&r, IKE_PROTO_IKE);
	p->num = 2;
	add(p, E, ENCR_AES_GCM_16, 256);
	add(p, F, PRF_HMAC_SHA2_384, 0);
	add(p, D, ECP_256, 0);
	assert_int_equal(proposal_check_reply(&c, &r, 0, &ch, why,
	    sizeof(why)), 0);
	assert_int_equal(ch.suite.dh, ECP_256);
	assert_int_equal(ch.chosen.num, 2);

	/* Taken from proposal #1, not #2. */
	p->num = 1;
	assert_int_equal(proposal_check_reply(&c, &r, 0, &ch, why,
	    sizeof(why)), -1);
	assert_string_equal(why, "responder returned AES_GCM_16_256, which "
	    "proposal #1 did not offer");
	p->num = 3;
	assert_int_equal(proposal_check_reply(&c, &r, 0, &ch, why,
	    sizeof(why)), -1);
	assert_string_equal(why, "responder chose proposal #3, we offered #1 "
	    "to #2");
	p->num = 2;

	/* Two of one type. */
	add(p, D, ECP_384, 0);
	assert_int_equal(proposal_check_reply(&c, &r, 0, &ch, why,
	    sizeof(why)), -1);
	assert_string_equal(why, "responder returned more than one DH group "
	    "transform");
	/* A type missing. */
	p->n_xforms -= 2;
	assert_int_equal(proposal_check_reply(&c, &r, 0, &ch, why,
	    sizeof(why)), -1);
	assert_string_equal(why, "responder returned no DH group transform");
	/* Something we never offered. */
	add(p, D, MODP_2048, 0);
	assert_int_equal(proposal_check_reply(&c, &r, 0, &ch, why,
	    sizeof(why)), -1);
	assert_string_equal(why, "responder returned MODP_2048, which "
	    "proposal #2 did not offer");
	/* Not exactly one proposal. */
	p->xforms[p->n_xforms - 1].id = ECP_384;
	offer(&r, IKE_PROTO_IKE);
	assert_int_equal(proposal_check_reply(&c, &r, 0, &ch, why,
	    sizeof(why)), -1);
	assert_string_equal(why, "responder returned 2 proposals, not 1");
	r.n = 1;
	assert_int_equal(proposal_check_reply(&c, &r, 0, &ch, why,
	    sizeof(why)), 0);
	print_message("a reply outside of our offer is a protocol error\n");
}

static void
test_check_reply_esp(void **state)
{
	struct proposal_conf c;
	struct ike_proposal_list r = { 0 };
	struct ike_proposal *p;
	struct proposal_choice ch;
	char why[PROPOSAL_STR_MAX];

	parse_ok(&c, IKE_PROTO_ESP, "aes256gcm16-prfsha384-ecp384!");
	p = offer(&r, IKE_PROTO_ESP);
	add(p, E, ENCR_AES_GCM_16, 256);
	add(p, N, ESN_NONE, 0);
	add(p, I, AUTH_NONE, 0);	/* NONE written out: tolerated */
	assert_int_equal(proposal_check_reply(&c, &r, PROPOSAL_SKIP_DH, &ch,
	    why, sizeof(why)), 0);
	assert_memory_equal(ch.chosen.spi, "\xc0\x01\x02\x03", 4);
	assert_int_equal(ch.suite.integ, AUTH_NONE);
	/* Outside IKE_AUTH we asked for PFS. */
	assert_int_equal(proposal_check_reply(&c, &r, 0, &ch, why,
	    sizeof(why)), -1);
	assert_string_equal(why, "responder returned no DH group transform");
	/* In IKE_AUTH we did not offer a group. */
	add(p, D, ECP_384, 0);
	assert_int_equal(proposal_check_reply(&c, &r, PROPOSAL_SKIP_DH, &ch,
	    why, sizeof(why)), -1);
	assert_int_equal(proposal_check_reply(&c, &r, 0, &ch, why,
	    sizeof(why)), 0);
	assert_int_equal(ch.suite.dh, ECP_384);
	p->spi_size = 8;
	assert_int_equal(proposal_check_reply(&c, &r, 0, &ch, why,
	    sizeof(why)), -1);
	assert_string_equal(why, "responder returned an SPI of 8 bytes for "
	    "ESP");
	p->proto = IKE_PROTO_AH;
	assert_int_equal(proposal_check_reply(&c, &r, 0, &ch, why,
	    sizeof(why)), -1);
	assert_string_equal(why, "responder returned an AH proposal for ESP");
}

/* ---- helpers ---- */

static void
test_helpers(void **state)
{
	struct proposal_conf c;
	struct ike_proposal_list l;

	parse_ok(&c, IKE_PROTO_IKE,
	    "aes256gcm16-prfsha384-ecp384-x25519,aes128-sha256-modp2048!");
	assert_int_equal(proposal_conf_first_dh(&c), ECP_384);
	assert_true(proposal_conf_dh_ok(&c, CURVE25519));
	assert_true(proposal_conf_dh_ok(&c, MODP_2048));
	assert_false(proposal_conf_dh_ok(&c, ECP_521));
	assert_false(proposal_conf_dh_ok(&c, DH_NONE));

	parse_ok(&c, IKE_PROTO_ESP, "aes256gcm16!");
	assert_int_equal(proposal_conf_first_dh(&c), DH_NONE);
	parse_ok(&c, IKE_PROTO_ESP, "aes256gcm16-ecp384,aes128gcm16!");
	assert_int_equal(proposal_conf_first_dh(&c), ECP_384);

	/* What IKE_AUTH sends: the same proposals without groups. */
	proposal_conf_offer(&c, PROPOSAL_SKIP_DH, &l);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.p[0].num, 1);
	assert_int_equal(l.p[1].num, 2);
	ASSERT_XFORMS(&l.p[0], { E, ENCR_AES_GCM_16, 256 },
	    { N, ESN_NONE, 0 });
	proposal_conf_offer(&c, 0, &l);
	ASSERT_XFORMS(&l.p[0], { E, ENCR_AES_GCM_16, 256 },
	    { D, ECP_384, 0 }, { N, ESN_NONE, 0 });
}

static void
test_names(void **state)
{
	struct ike_transform t;
	struct ike_proposal_list l;
	struct proposal_conf c;
	struct ike_suite s = { 0 };
	char buf[PROPOSAL_STR_MAX];

	assert_string_equal(proposal_xform_name(E, ENCR_AES_GCM_16),
	    "AES_GCM_16");
	assert_string_equal(proposal_xform_name(E, ENCR_AES_CBC), "AES_CBC");
	assert_string_equal(proposal_xform_name(F, PRF_HMAC_SHA2_384),
	    "PRF_HMAC_SHA2_384");
	assert_string_equal(proposal_xform_name(I, AUTH_HMAC_SHA2_512_256),
	    "AUTH_HMAC_SHA2_512_256");
	assert_string_equal(proposal_xform_name(D, ECP_384), "ECP_384");
	assert_string_equal(proposal_xform_name(D, CURVE25519), "CURVE25519");
	assert_string_equal(proposal_xform_name(N, ESN_ENABLED),
	    "ESN_ENABLED");
	assert_null(proposal_xform_name(E, 999));
	assert_null(proposal_xform_name(9, 1));

	t = (struct ike_transform){ E, 999, 128 };
	assert_string_equal(proposal_xform_str(&t, buf, sizeof(buf)),
	    "ENCR_999_128");
	t = (struct ike_transform){ 9, 1, 0 };
	assert_string_equal(proposal_xform_str(&t, buf, sizeof(buf)),
	    "TYPE_9_1");
	t = (struct ike_transform){ E, ENCR_AES_CBC, 256 };
	assert_string_equal(proposal_xform_str(&t, buf, 6), "AE...");

	s.encr = ENCR_AES_CBC;
	s.encr_keylen = 128;
	s.prf = PRF_HMAC_SHA2_256;
	s.integ = AUTH_HMAC_SHA2_256_128;
	s.dh = MODP_2048;
	assert_string_equal(proposal_suite_str(&s, IKE_PROTO_IKE, buf,
	    sizeof(buf)), "AES_CBC_128/PRF_HMAC_SHA2_256/"
	    "AUTH_HMAC_SHA2_256_128/MODP_2048");

	parse_ok(&c, IKE_PROTO_ESP, "aes128gcm16-x25519,aes256-sha512-esn!");
	proposal_conf_offer(&c, 0, &l);
	assert_string_equal(proposal_list_str(&l, buf, sizeof(buf)),
	    "AES_GCM_16_128/CURVE25519/ESN_NONE or "
	    "AES_CBC_256/AUTH_HMAC_SHA2_512_256/ESN_ENABLED");
	print_message("%s\n", buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_seed),
		cmocka_unit_test(test_parse_classic),
		cmocka_unit_test(test_parse_aliases),
		cmocka_unit_test(test_parse_aead_sha_ike),
		cmocka_unit_test(test_parse_esn_multi),
		cmocka_unit_test(test_parse_defaults),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_too_many),
		cmocka_unit_test(test_select_match),
		cmocka_unit_test(test_select_no_match),
		cmocka_unit_test(test_select_order),
		cmocka_unit_test(test_select_keylen),
		cmocka_unit_test(test_select_unknown_ignored),
		cmocka_unit_test(test_select_strict),
		cmocka_unit_test(test_select_ke_hint),
		cmocka_unit_test(test_select_esp),
		cmocka_unit_test(test_check_reply),
		cmocka_unit_test(test_check_reply_esp),
		cmocka_unit_test(test_helpers),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
