/* A real strongSwan IKE_SA_INIT request, and the committed fuzz seeds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "hex.h"
#include "ike/message.h"
#include "ike_corpus.h"
#include "ike_reencode.h"

static uint8_t buf[4096], again[4096];
static struct ike_msg msg, m2;

/* charon 5.9.8: [ SA KE No N(NATD_S_IP) N(NATD_D_IP) N(FRAG_SUP)
 * N(HASH_ALG) N(REDIR_SUP) ], proposals = aes256gcm16-prfsha384-ecp384. */
static void
test_strongswan_ike_sa_init(void **state)
{
	static const uint16_t notifies[] = { NAT_DETECTION_SOURCE_IP,
	    NAT_DETECTION_DESTINATION_IP, IKEV2_FRAGMENTATION_SUPPORTED,
	    SIGNATURE_HASH_ALGORITHMS, REDIRECT_SUPPORTED };
	const struct ike_proposal *p;
	const struct ike_pl_notify *n;
	const char *why;
	long len, len2;
	size_t i;

	len = hex_parse(ike_capture_strongswan_init, buf, sizeof(buf));
	assert_int_equal(len, 296);
	assert_int_equal(ike_msg_decode(&msg, buf, (size_t)len), IKE_DEC_OK);
	assert_true(msg.hdr.ispi == 0xc387b56f9e881f13ULL);
	assert_true(msg.hdr.rspi == 0);
	assert_int_equal(msg.hdr.exchange, IKE_SA_INIT);
	assert_int_equal(msg.hdr.flags, IKE_FLAG_INITIATOR);
	assert_int_equal(msg.hdr.msgid, 0);

	assert_int_equal(msg.sa.props.n, 1);
	p = &msg.sa.props.p[0];
	assert_int_equal(p->num, 1);
	assert_int_equal(p->proto, IKE_PROTO_IKE);
	assert_int_equal(p->spi_size, 0);
	assert_int_equal(p->n_xforms, 3);
	assert_int_equal(p->xforms[0].type, IKE_XFORM_ENCR);
	assert_int_equal(p->xforms[0].id, ENCR_AES_GCM_16);
	assert_int_equal(p->xforms[0].keylen, 256);
	assert_int_equal(p->xforms[1].type, IKE_XFORM_PRF);
	assert_int_equal(p->xforms[1].id, PRF_HMAC_SHA2_384);
	assert_int_equal(p->xforms[2].type, IKE_XFORM_DH);
	assert_int_equal(p->xforms[2].id, ECP_384);

	/* RFC 5903: x | y, 48 bytes each, no point format byte. */
	assert_int_equal(msg.ke.group, ECP_384);
	assert_int_equal(msg.ke.len, 96);
	assert_int_equal(msg.nonce.len, 32);

	assert_int_equal(msg.n_notify, 5);
	for (i = 0; i < 5; i++) {
		assert_int_equal(msg.notify[i].type, notifies[i]);
		assert_int_equal(msg.notify[i].spi_size, 0);
		assert_false(msg.notify[i].inner);
	}
	n = ike_msg_notify(&msg, NAT_DETECTION_SOURCE_IP);
	assert_int_equal(n->len, IKE_NAT_HASH_LEN);
	n = ike_msg_notify(&msg, SIGNATURE_HASH_ALGORITHMS);
	assert_int_equal(n->len, 8);	/* SHA2-256, -384, -512, Identity */
	assert_memory_equal(n->data, "\0\2\0\3\0\4\0\5", 8);
	assert_int_equal(msg.n_vendor, 0);
	assert_int_equal(msg.n_skipped, 0);

	/* Our encoder writes it back byte for byte. */
	len2 = ike_msg_reencode(&msg, again, sizeof(again));
	assert_int_equal(len2, len);
	assert_memory_equal(again, buf, (size_t)len);
	assert_int_equal(ike_msg_decode(&m2, again, (size_t)len2), IKE_DEC_OK);
	assert_true(ike_msg_same(&msg, &m2, &why));

	/* The same message with a version 3.0 header: everything the
	 * INVALID_MAJOR_VERSION answer needs is there (RFC 7296 2.5). */
	buf[17] = 0x30;
	assert_int_equal(ike_msg_decode(&msg, buf, (size_t)len),
	    IKE_DEC_BAD_VERSION);
	assert_int_equal(msg.hdr.major, 3);
	assert_true(msg.hdr.ispi == 0xc387b56f9e881f13ULL);
	assert_int_equal(msg.hdr.exchange, IKE_SA_INIT);
	assert_int_equal(ike_dec_notify(msg.err.verdict),
	    INVALID_MAJOR_VERSION);
}

/* The committed seeds are what ike_gen_corpus writes today. */
static void
test_committed_seeds(void **state)
{
	static uint8_t want[65536], have[65536];
	char path[4096];
	struct wbuf w;
	FILE *f;
	size_t i, n;
	long len;

	for (i = 0; i < ike_corpus_count(); i++) {
		wbuf_init(&w, want, sizeof(want));
		len = ike_corpus_build(i, &w);
		assert_true(len > 0);
		snprintf(path, sizeof(path), "%s/%s", IKE_CORPUS_DIR,
		    ike_corpus_name(i));
		f = fopen(path, "rb");
		if (f == NULL)
			fail_msg("%s missing: run ike_gen_corpus "
			    "tests/fuzz/decode/corpus", path);
		n = fread(have, 1, sizeof(have), f);
		fclose(f);
		if (n != (size_t)len || memcmp(have, want, n) != 0)
			fail_msg("%s is stale: run ike_gen_corpus "
			    "tests/fuzz/decode/corpus", path);
		assert_int_equal(ike_msg_decode(&msg, have, n), IKE_DEC_OK);
		printf("ok   seed %s\n", ike_corpus_name(i));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strongswan_ike_sa_init),
		cmocka_unit_test(test_committed_seeds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
