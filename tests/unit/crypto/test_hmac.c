/* HMAC-SHA2 through EVP_MAC, as PRF and as truncated integrity checksum:
 * RFC 4231 (all seven test cases, case 5 truncated to 128 bits) and the
 * RFC 4868 2.7.2 authenticator vectors; the algorithm tables. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ike/crypto.h"
#include "ike/ikev2.h"
#include "hex.h"

/* RFC 4231 section 4: inputs of test cases 1-7 and the HMAC-SHA-256,
 * -384 and -512 outputs. Case 5 publishes only the first 128 bits. */
struct rfc4231_case {
	const char	*key;		/* hex */
	const char	*data;		/* text, or hex when data_hex */
	int		 data_hex;
	size_t		 trunc;		/* 0: full output */
	const char	*mac[3];	/* SHA-256, SHA-384, SHA-512 */
};

#define AA131 \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaa"
#define DD50 \
	"dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd" \
	"dddddddddddddddddddddddddddddddddddd"
#define CD50 \
	"cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd" \
	"cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"

static const struct rfc4231_case rfc4231[] = {
	{ "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There", 0, 0, {
	    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
	    "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
	    "faea9ea9076ede7f4af152e8b2fa9cb6",
	    "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
	    "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854" } },
	{ "4a656665", "what do ya want for nothing?", 0, 0, {
	    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
	    "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
	    "8e2240ca5e69e2c78b3239ecfab21649",
	    "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
	    "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737" } },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", DD50, 1, 0, {
	    "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
	    "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b"
	    "2a5ab39dc13814b94e3ab6e101a34f27",
	    "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
	    "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb" } },
	{ "0102030405060708090a0b0c0d0e0f10111213141516171819", CD50, 1, 0, {
	    "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
	    "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e"
	    "6801dd23c4a7d679ccf8a386c674cffb",
	    "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db"
	    "a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd" } },
	{ "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c", "Test With Truncation",
	    0, 16, {
	    "a3b6167473100ee06e0c796c2955552b",
	    "3abf34c3503b2a23a46efc619baef897",
	    "415fad6271580a531d4179bc891d87a6" } },
	{ AA131, "Test Using Larger Than Block-Size Key - Hash Key First",
	    0, 0, {
	    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
	    "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
	    "0c2ef6ab4030fe8296248df163f44952",
	    "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
	    "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598" } },
	{ AA131, "This is a test using a larger than block-size key and a "
	    "larger than block-size data. The key needs to be hashed before "
	    "being used by the HMAC algorithm.", 0, 0, {
	    "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
	    "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5"
	    "a678cc31e799176d3860e6110c46523e",
	    "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944"
	    "b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58" } },
};

static const uint16_t prf_ids[3] = {
	PRF_HMAC_SHA2_256, PRF_HMAC_SHA2_384, PRF_HMAC_SHA2_512,
};

static void
test_rfc4231(void **state)
{
	uint8_t key[256], data[256], want[64], got[64];
	size_t key_len, data_len, want_len, i, h;
	const struct ike_prf_alg *prf;
	struct ike_iov iov;
	unsigned int n = 0;

	for (i = 0; i < sizeof(rfc4231) / sizeof(rfc4231[0]); i++) {
		const struct rfc4231_case *c = &rfc4231[i];

		key_len = hex2bin(c->key, key, sizeof(key));
		if (c->data_hex)
			data_len = hex2bin(c->data, data, sizeof(data));
		else {
			data_len = strlen(c->data);
			memcpy(data, c->data, data_len);
		}
		iov.ptr = data;
		iov.len = data_len;
		for (h = 0; h < 3; h++) {
			prf = ike_prf_lookup(prf_ids[h]);
			assert_non_null(prf);
			want_len = hex2bin(c->mac[h], want, sizeof(want));
			assert_int_equal(want_len,
			    c->trunc ? c->trunc : prf->out_len);
			if (c->trunc == 0) {
				/* As the PRF: full output. */
				memset(got, 0, sizeof(got));
				assert_int_equal(ike_prf_compute(prf, key,
				    key_len, &iov, 1, got), 0);
				assert_memory_equal(got, want, want_len);
			}
			/* The generic HMAC, truncated where the RFC does. */
			memset(got, 0, sizeof(got));
			assert_int_equal(ike_crypto_hmac(prf->md, key, key_len,
			    &iov, 1, got, want_len), 0);
			assert_memory_equal(got, want, want_len);
			n++;
		}
	}
	assert_int_equal(n, 21);
	printf("RFC 4231: %u/21 HMAC-SHA2-256/384/512 vectors (cases 1-7, "
	    "case 5 truncated to 128 bits) via EVP_MAC\n", n);
}

/* The same input split into pieces gives the same MAC (the iov path). */
static void
test_iov_split(void **state)
{
	const char *msg = "what do ya want for nothing?";
	const struct ike_prf_alg *prf = ike_prf_lookup(PRF_HMAC_SHA2_256);
	struct ike_iov iov[4] = {
		{ msg, 4 }, { msg + 4, 0 }, { msg + 4, 10 }, { msg + 14, 14 },
	};
	uint8_t want[32], got[32];

	hex2bin(rfc4231[1].mac[0], want, sizeof(want));
	assert_int_equal(ike_prf_compute(prf, (const uint8_t *)"Jefe", 4, iov,
	    4, got), 0);
	assert_memory_equal(got, want, 32);
	printf("HMAC over 4 iov pieces (one empty) equals RFC 4231 case 2\n");
}

/* RFC 4868 2.7.2.1-2.7.2.3: AUTH_HMAC_SHA2_*: key as long as the digest,
 * output truncated to half of it. */
static void
test_rfc4868_auth(void **state)
{
	static const struct {
		uint16_t	 id;
		const char	*key, *data;
		int		 data_hex;
		const char	*icv;
	} v[] = {
		{ AUTH_HMAC_SHA2_256_128,
		  "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
		  "Hi There", 0, "198a607eb44bfbc69903a0f1cf2bbdc5" },
		{ AUTH_HMAC_SHA2_256_128,
		  "4a6566654a6566654a6566654a6566654a6566654a6566654a6566654a656665",
		  "what do ya want for nothing?", 0,
		  "167f928588c5cc2eef8e3093caa0e87c" },
		{ AUTH_HMAC_SHA2_256_128,
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		  DD50, 1, "cdcb1220d1ecccea91e53aba3092f962" },
		{ AUTH_HMAC_SHA2_384_192,
		  "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"
		  "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
		  "Hi There", 0, "b6a8d5636f5c6a7224f9977dcf7ee6c7fb6d0c48cbdee973" },
		{ AUTH_HMAC_SHA2_384_192,
		  "4a6566654a6566654a6566654a6566654a6566654a6566654a6566654a656665"
		  "4a6566654a6566654a6566654a656665",
		  "what do ya want for nothing?", 0,
		  "2c7353974f1842fd66d53c452ca42122b28c0b594cfb184d" },
		{ AUTH_HMAC_SHA2_384_192,
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		  DD50, 1, "809f439be00274321d4a538652164b53554a508184a0c316" },
		{ AUTH_HMAC_SHA2_512_256,
		  "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"
		  "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
		  "Hi There", 0,
		  "637edc6e01dce7e6742a99451aae82df23da3e92439e590e43e761b33e910fb8" },
		{ AUTH_HMAC_SHA2_512_256,
		  "4a6566654a6566654a6566654a6566654a6566654a6566654a6566654a656665"
		  "4a6566654a6566654a6566654a6566654a6566654a6566654a6566654a656665",
		  "what do ya want for nothing?", 0,
		  "cb370917ae8a7ce28cfd1d8f4705d6141c173b2a9362c15df235dfb251b15454" },
		{ AUTH_HMAC_SHA2_512_256,
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		  DD50, 1,
		  "2ee7acd783624ca9398710f3ee05ae41b9f9b0510c87e49e586cc9bf961733d8" },
	};
	uint8_t key[64], data[64], want[32], got[32];
	size_t i, key_len, data_len, icv_len;
	const struct ike_integ_alg *integ;
	struct ike_iov iov;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		integ = ike_integ_lookup(v[i].id);
		assert_non_null(integ);
		key_len = hex2bin(v[i].key, key, sizeof(key));
		assert_int_equal(key_len, integ->key_len);
		if (v[i].data_hex)
			data_len = hex2bin(v[i].data, data, sizeof(data));
		else {
			data_len = strlen(v[i].data);
			memcpy(data, v[i].data, data_len);
		}
		icv_len = hex2bin(v[i].icv, want, sizeof(want));
		assert_int_equal(icv_len, integ->icv_len);
		iov.ptr = data;
		iov.len = data_len;
		memset(got, 0xee, sizeof(got));
		assert_int_equal(ike_integ_compute(integ, key, &iov, 1, got),
		    0);
		assert_memory_equal(got, want, icv_len);
		/* Nothing written past the truncated ICV. */
		if (icv_len < sizeof(got))
			assert_int_equal(got[icv_len], 0xee);
	}
	printf("RFC 4868 2.7.2: 9/9 AUTH_HMAC_SHA2_{256_128,384_192,512_256} "
	    "vectors, truncation and key length checked\n");
}

static void
test_tables(void **state)
{
	const struct ike_encr_alg *e;
	struct ike_suite s;
	struct ike_algs a;

	e = ike_encr_lookup(ENCR_AES_GCM_16, 128);
	assert_non_null(e);
	assert_int_equal(e->key_len, 20);	/* key + salt */
	assert_int_equal(e->salt_len, 4);
	assert_int_equal(e->iv_len, 8);
	assert_int_equal(e->icv_len, 16);
	assert_true(ike_encr_is_aead(e));
	e = ike_encr_lookup(ENCR_AES_GCM_16, 256);
	assert_non_null(e);
	assert_int_equal(e->key_len, 36);
	e = ike_encr_lookup(ENCR_AES_CBC, 256);
	assert_non_null(e);
	assert_int_equal(e->key_len, 32);
	assert_int_equal(e->iv_len, 16);
	assert_int_equal(e->block_len, 16);
	assert_false(ike_encr_is_aead(e));
	assert_null(ike_encr_lookup(ENCR_AES_CBC, 192)); /* not offered */
	assert_null(ike_encr_lookup(ENCR_AES_CBC, 0));
	assert_null(ike_integ_lookup(AUTH_NONE));
	assert_null(ike_prf_lookup(2));	/* PRF_HMAC_SHA1: not ours */

	memset(&s, 0, sizeof(s));
	s.encr = ENCR_AES_GCM_16;
	s.encr_keylen = 256;
	s.prf = PRF_HMAC_SHA2_384;
	assert_int_equal(ike_crypto_resolve(&s, &a), 0);
	assert_null(a.integ);
	s.integ = AUTH_HMAC_SHA2_256_128;	/* GCM with integ: refused */
	assert_int_equal(ike_crypto_resolve(&s, &a), -1);
	s.encr = ENCR_AES_CBC;
	s.encr_keylen = 128;
	assert_int_equal(ike_crypto_resolve(&s, &a), 0);
	assert_non_null(a.integ);
	s.integ = AUTH_NONE;		/* CBC without integ: refused */
	assert_int_equal(ike_crypto_resolve(&s, &a), -1);
	printf("tables: GCM 20/36-octet KEYMAT, 8-octet IV, 16-octet ICV; CBC "
	    "16-octet IV/block; GCM+integ and CBC-integ refused\n");
}

static void
test_hmac_bad_args(void **state)
{
	uint8_t out[64];
	struct ike_iov iov = { "x", 1 };

	/* An empty key, an unknown digest, a request beyond the digest. */
	assert_int_equal(ike_crypto_hmac("SHA2-256", (const uint8_t *)"k", 0,
	    &iov, 1, out, 32), -1);
	assert_int_equal(ike_crypto_hmac("NO-SUCH-MD", (const uint8_t *)"k", 1,
	    &iov, 1, out, 32), -1);
	assert_int_equal(ike_crypto_hmac("SHA2-256", (const uint8_t *)"k", 1,
	    &iov, 1, out, 33), -1);
	printf("HMAC refuses an empty key, an unknown digest, out_len > "
	    "digest size\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4231),
		cmocka_unit_test(test_iov_split),
		cmocka_unit_test(test_rfc4868_auth),
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_hmac_bad_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
