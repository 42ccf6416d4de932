/* Key exchange: RFC 5903 ECP-256/384/521 known answers (private values
 * loaded through EVP_PKEY_fromdata), RFC 7748 X25519 (5.2 and 6.1),
 * RFC 3526 group 14 parameters, a round trip for every group, and the
 * rejection of malformed peer values. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "ike/dh.h"
#include "ike/ikev2.h"
#include "hex.h"

/* RFC 5903 8.1-8.3: i, g^i = (gix, giy), r, g^r, g^ir = (girx, giry). */
static const struct {
	uint16_t	 group;
	const char	*i, *gix, *giy, *r, *grx, *gry, *girx;
} rfc5903[] = {
	{ ECP_256,
	  "c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433",
	  "dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180",
	  "5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3",
	  "c6ef9c5d78ae012a011164acb397ce2088685d8f06bf9be0b283ab46476bee53",
	  "d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63",
	  "56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab",
	  "d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de" },
	{ ECP_384,
	  "099f3c7034d4a2c699884d73a375a67f7624ef7c6b3c0f160647b67414dce655"
	  "e35b538041e649ee3faef896783ab194",
	  "667842d7d180ac2cde6f74f37551f55755c7645c20ef73e31634fe72b4c55ee6"
	  "de3ac808acb4bdb4c88732aee95f41aa",
	  "9482ed1fc0eeb9cafc4984625ccfc23f65032149e0e144ada024181535a0f38e"
	  "eb9fcff3c2c947dae69b4c634573a81c",
	  "41cb0779b4bdb85d47846725fbec3c9430fab46cc8dc5060855cc9bda0aa2942"
	  "e0308312916b8ed2960e4bd55a7448fc",
	  "e558dbef53eecde3d3fccfc1aea08a89a987475d12fd950d83cfa41732bc509d"
	  "0d1ac43a0336def96fda41d0774a3571",
	  "dcfbec7aacf3196472169e838430367f66eebe3c6e70c416dd5f0c68759dd1ff"
	  "f83fa40142209dff5eaad96db9e6386c",
	  "11187331c279962d93d604243fd592cb9d0a926f422e47187521287e7156c5c4"
	  "d603135569b9e9d09cf5d4a270f59746" },
	{ ECP_521,
	  "0037ade9319a89f4dabdb3ef411aaccca5123c61acab57b5393dce47608172a0"
	  "95aa85a30fe1c2952c6771d937ba9777f5957b2639bab072462f68c27a57382d"
	  "4a52",
	  "0015417e84dbf28c0ad3c278713349dc7df153c897a1891bd98bab4357c9ecbe"
	  "e1e3bf42e00b8e380aeae57c2d107564941885942af5a7f4601723c4195d176c"
	  "ed3e",
	  "017cae20b6641d2eeb695786d8c946146239d099e18e1d5a514c739d7cb4a10a"
	  "d8a788015ac405d7799dc75e7b7d5b6cf2261a6a7f1507438bf01beb6ca3926f"
	  "9582",
	  "0145ba99a847af43793fdd0e872e7cdfa16be30fdc780f97bccc3f078380201e"
	  "9c677d600b343757a3bdbf2a3163e4c2f869cca7458aa4a4effc311f5cb15168"
	  "5eb9",
	  "00d0b3975ac4b799f5bea16d5e13e9af971d5e9b984c9f39728b5e5739735a21"
	  "9b97c356436adc6e95bb0352f6be64a6c2912d4ef2d0433ced2b6171640012d9"
	  "460f",
	  "015c68226383956e3bd066e797b623c27ce0eac2f551a10c2c724d9852077b87"
	  "220b6536c5c408a1d2aebb8e86d678ae49cb57091f4732296579ab44fcd17f0f"
	  "c56a",
	  "01144c7d79ae6956bc8edb8e7c787c4521cb086fa64407f97894e5e6b2d79b04"
	  "d1427e73ca4baa240a34786859810c06b3c715a3a8cc3151f2bee417996d19f3"
	  "ddea" },
};

/* RFC 3526 3: the 2048-bit MODP group; generator 2. */
static const char rfc3526_p[] =
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1"
	"29024E088A67CC74020BBEA63B139B22514A08798E3404DD"
	"EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245"
	"E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D"
	"C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
	"83655D23DCA3AD961C62F356208552BB9ED529077096966D"
	"670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
	"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9"
	"DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
	"15728E5A8AACAA68FFFFFFFFFFFFFFFF";

static const uint16_t all_groups[] = {
	MODP_2048, ECP_256, ECP_384, ECP_521, CURVE25519,
};

static void
check_public(const struct ike_dh *dh, const char *x, const char *y)
{
	uint8_t want[IKE_DH_PUB_MAX], got[IKE_DH_PUB_MAX];
	size_t n;

	n = hex2bin(x, want, sizeof(want));
	if (y != NULL)
		n += hex2bin(y, want + n, sizeof(want) - n);
	assert_int_equal(n, dh->group->pub_len);
	assert_int_equal(ike_dh_public(dh, got, n), 0);
	assert_memory_equal(got, want, n);
}

static void
test_rfc5903(void **state)
{
	uint8_t priv[66], peer[IKE_DH_PUB_MAX], want[66];
	struct ike_dh i, r;
	struct ike_chunk gir;
	size_t k, n, plen, wlen;

	for (k = 0; k < sizeof(rfc5903) / sizeof(rfc5903[0]); k++) {
		n = hex2bin(rfc5903[k].i, priv, sizeof(priv));
		assert_int_equal(ike_dh_load_private(&i, rfc5903[k].group, priv,
		    n), 0);
		n = hex2bin(rfc5903[k].r, priv, sizeof(priv));
		assert_int_equal(ike_dh_load_private(&r, rfc5903[k].group, priv,
		    n), 0);
		/* g^i and g^r as the KE payload carries them: x | y. */
		check_public(&i, rfc5903[k].gix, rfc5903[k].giy);
		check_public(&r, rfc5903[k].grx, rfc5903[k].gry);
		wlen = hex2bin(rfc5903[k].girx, want, sizeof(want));
		assert_int_equal(wlen, i.group->secret_len);

		/* Initiator: i with g^r; responder: r with g^i (RFC 5903 9:
		 * the shared secret is the x coordinate only). */
		plen = hex2bin(rfc5903[k].grx, peer, sizeof(peer));
		plen += hex2bin(rfc5903[k].gry, peer + plen,
		    sizeof(peer) - plen);
		assert_int_equal(ike_dh_derive(&i, peer, plen, &gir), 0);
		assert_int_equal(gir.len, wlen);
		assert_memory_equal(gir.ptr, want, wlen);
		ike_chunk_free(&gir);
		plen = hex2bin(rfc5903[k].gix, peer, sizeof(peer));
		plen += hex2bin(rfc5903[k].giy, peer + plen,
		    sizeof(peer) - plen);
		assert_int_equal(ike_dh_derive(&r, peer, plen, &gir), 0);
		assert_memory_equal(gir.ptr, want, wlen);
		ike_chunk_free(&gir);
		printf("RFC 5903 %s: g^i, g^r from i, r (EVP_PKEY_fromdata) "
		    "and g^ir both ways match\n", i.group->name);
		ike_dh_free(&i);
		ike_dh_free(&r);
	}
	printf("RFC 5903: 3/3 ECP groups (19, 20, 21) known answers passed\n");
}

/* X25519(k, u) through the KE path: k loaded as our private key, u as the
 * peer's public value. */
static void
x25519(const uint8_t k[32], const uint8_t u[32], uint8_t out[32])
{
	struct ike_dh dh;
	struct ike_chunk s;

	assert_int_equal(ike_dh_load_private(&dh, CURVE25519, k, 32), 0);
	assert_int_equal(ike_dh_derive(&dh, u, 32, &s), 0);
	assert_int_equal(s.len, 32);
	memcpy(out, s.ptr, 32);
	ike_chunk_free(&s);
	ike_dh_free(&dh);
}

static void
test_rfc7748(void **state)
{
	/* RFC 7748 5.2: two single scalar multiplications. */
	static const char *v52[2][3] = {
		{ "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
		  "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
		  "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552" },
		{ "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
		  "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
		  "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957" },
	};
	uint8_t k[32], u[32], out[32], want[32], apub[32], bpub[32];
	struct ike_dh a, b;
	struct ike_chunk s;
	size_t i;

	for (i = 0; i < 2; i++) {
		hex2bin(v52[i][0], k, 32);
		hex2bin(v52[i][1], u, 32);
		hex2bin(v52[i][2], want, 32);
		x25519(k, u, out);
		assert_memory_equal(out, want, 32);
	}
	printf("RFC 7748 5.2: 2/2 X25519 scalar multiplication vectors\n");

	/* RFC 7748 5.2 iterations: k = u = 9, then k, u = X25519(k, u), k. */
	memset(k, 0, 32);
	k[0] = 9;
	memcpy(u, k, 32);
	for (i = 1; i <= 1000; i++) {
		x25519(k, u, out);
		memcpy(u, k, 32);
		memcpy(k, out, 32);
		if (i == 1) {
			hex2bin("422c8e7a6227d7bca1350b3e2bb7279f"
			    "7897b87bb6854b783c60e80311ae3079", want, 32);
			assert_memory_equal(k, want, 32);
		}
	}
	hex2bin("684cf59ba83309552800ef566f2f4d3c"
	    "1c3887c49360e3875f2eb94d99532c51", want, 32);
	assert_memory_equal(k, want, 32);
	printf("RFC 7748 5.2: X25519 after 1 and 1000 iterations match\n");

	/* RFC 7748 6.1: Alice and Bob. */
	hex2bin("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
	    k, 32);
	assert_int_equal(ike_dh_load_private(&a, CURVE25519, k, 32), 0);
	hex2bin("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
	    k, 32);
	assert_int_equal(ike_dh_load_private(&b, CURVE25519, k, 32), 0);
	check_public(&a,
	    "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
	    NULL);
	check_public(&b,
	    "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
	    NULL);
	assert_int_equal(ike_dh_public(&a, apub, 32), 0);
	assert_int_equal(ike_dh_public(&b, bpub, 32), 0);
	hex2bin("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742",
	    want, 32);
	assert_int_equal(ike_dh_derive(&a, bpub, 32, &s), 0);
	assert_memory_equal(s.ptr, want, 32);
	ike_chunk_free(&s);
	assert_int_equal(ike_dh_derive(&b, apub, 32, &s), 0);
	assert_memory_equal(s.ptr, want, 32);
	ike_chunk_free(&s);
	ike_dh_free(&a);
	ike_dh_free(&b);
	printf("RFC 7748 6.1: Alice's and Bob's public keys and K match\n");
}

static void
test_rfc3526(void **state)
{
	struct ike_dh dh;
	BIGNUM *p = NULL, *g = NULL, *want = NULL;

	assert_int_equal(ike_dh_generate(&dh, MODP_2048), 0);
	assert_true(EVP_PKEY_get_bn_param(dh.key, OSSL_PKEY_PARAM_FFC_P, &p));
	assert_true(EVP_PKEY_get_bn_param(dh.key, OSSL_PKEY_PARAM_FFC_G, &g));
	assert_true(BN_hex2bn(&want, rfc3526_p) > 0);
	assert_int_equal(BN_num_bits(p), 2048);
	assert_int_equal(BN_cmp(p, want), 0);
	assert_true(BN_is_word(g, 2));
	assert_int_equal(dh.group->pub_len, 256);
	assert_int_equal(dh.group->secret_len, 256);
	BN_free(want);
	BN_free(g);
	BN_free(p);
	ike_dh_free(&dh);
	printf("RFC 3526 group 14: OpenSSL's modp_2048 prime equals the RFC "
	    "hex, generator 2, 256-octet KE data\n");
}

static void
test_round_trips(void **state)
{
	uint8_t pa[IKE_DH_PUB_MAX], pb[IKE_DH_PUB_MAX];
	struct ike_dh a, b;
	struct ike_chunk sa, sb;
	size_t k, len;
	int round;

	for (k = 0; k < sizeof(all_groups) / sizeof(all_groups[0]); k++) {
		for (round = 0; round < 3; round++) {
			assert_int_equal(ike_dh_generate(&a, all_groups[k]), 0);
			assert_int_equal(ike_dh_generate(&b, all_groups[k]), 0);
			len = a.group->pub_len;
			assert_int_equal(ike_dh_public(&a, pa, len), 0);
			assert_int_equal(ike_dh_public(&b, pb, len), 0);
			/* A wrong output size is refused. */
			assert_int_equal(ike_dh_public(&a, pa, len - 1), -1);
			assert_int_equal(ike_dh_peer_check(all_groups[k], pb,
			    len), 0);
			assert_int_equal(ike_dh_derive(&a, pb, len, &sa), 0);
			assert_int_equal(ike_dh_derive(&b, pa, len, &sb), 0);
			assert_int_equal(sa.len, a.group->secret_len);
			assert_int_equal(sb.len, sa.len);
			assert_memory_equal(sa.ptr, sb.ptr, sa.len);
			ike_chunk_free(&sa);
			ike_chunk_free(&sb);
			ike_dh_free(&a);
			ike_dh_free(&b);
		}
		printf("round trip x3: group %u (%s) g^ir agrees, %u-octet "
		    "public, %u-octet secret\n", all_groups[k],
		    ike_dh_lookup(all_groups[k])->name,
		    ike_dh_lookup(all_groups[k])->pub_len,
		    ike_dh_lookup(all_groups[k])->secret_len);
	}
}

/* A MODP private exponent through EVP_PKEY_fromdata gives g^x mod p. */
static void
test_modp_load_private(void **state)
{
	uint8_t x[32], pub[256], peerpub[256];
	struct ike_dh a, b;
	struct ike_chunk s1, s2;
	BIGNUM *bx = NULL, *p = NULL, *y = NULL, *ypub = NULL;
	BN_CTX *bnctx = BN_CTX_new();
	size_t i;

	for (i = 0; i < sizeof(x); i++)
		x[i] = (uint8_t)(0x11 * (i + 1));
	assert_int_equal(ike_dh_load_private(&a, MODP_2048, x, sizeof(x)), 0);
	assert_int_equal(ike_dh_public(&a, pub, sizeof(pub)), 0);
	bx = BN_bin2bn(x, sizeof(x), NULL);
	assert_true(BN_hex2bn(&p, rfc3526_p) > 0);
	y = BN_new();
	assert_true(BN_mod_exp(y, BN_value_one(), bx, p, bnctx));	/* 1 */
	assert_true(BN_set_word(y, 2));
	assert_true(BN_mod_exp(y, y, bx, p, bnctx));
	ypub = BN_bin2bn(pub, sizeof(pub), NULL);
	assert_int_equal(BN_cmp(y, ypub), 0);
	/* And it agrees with a generated peer. */
	assert_int_equal(ike_dh_generate(&b, MODP_2048), 0);
	assert_int_equal(ike_dh_public(&b, peerpub, sizeof(peerpub)), 0);
	assert_int_equal(ike_dh_derive(&a, peerpub, 256, &s1), 0);
	assert_int_equal(ike_dh_derive(&b, pub, 256, &s2), 0);
	assert_memory_equal(s1.ptr, s2.ptr, 256);
	ike_chunk_free(&s1);
	ike_chunk_free(&s2);
	ike_dh_free(&a);
	ike_dh_free(&b);
	BN_free(ypub);
	BN_free(y);
	BN_free(p);
	BN_free(bx);
	BN_CTX_free(bnctx);
	printf("MODP-2048: a loaded exponent x gives 2^x mod p (checked with "
	    "BN_mod_exp) and agrees with a generated peer\n");
}

static void
expect_reject(struct ike_dh *dh, uint16_t group, const uint8_t *pub,
    size_t len)
{
	struct ike_chunk s = { (uint8_t *)1, 1 };

	assert_int_equal(ike_dh_peer_check(group, pub, len), -1);
	assert_int_equal(ike_dh_derive(dh, pub, len, &s), -1);
	assert_null(s.ptr);
	assert_int_equal(s.len, 0);
}

static void
test_reject_lengths(void **state)
{
	uint8_t pub[IKE_DH_PUB_MAX + 2];
	struct ike_dh dh;
	size_t k, len;

	for (k = 0; k < sizeof(all_groups) / sizeof(all_groups[0]); k++) {
		assert_int_equal(ike_dh_generate(&dh, all_groups[k]), 0);
		len = dh.group->pub_len;
		assert_int_equal(ike_dh_public(&dh, pub, len), 0);
		pub[len] = 0;
		expect_reject(&dh, all_groups[k], pub, len - 1);
		expect_reject(&dh, all_groups[k], pub, len + 1);
		expect_reject(&dh, all_groups[k], pub, 0);
		expect_reject(&dh, all_groups[k], NULL, len);
		ike_dh_free(&dh);
	}
	/* MODP-768: not supported. */
	assert_int_equal(ike_dh_peer_check(1, pub, 96), -1);
	assert_int_equal(ike_dh_generate(&dh, 2), -1);
	printf("rejected: KE data one short, one long, empty, NULL for all 5 "
	    "groups; unsupported groups 1, 2\n");
}

static void
test_reject_modp(void **state)
{
	uint8_t v[256];
	struct ike_dh dh;
	BIGNUM *p = NULL, *t = BN_new();
	static const char *what[] = { "0", "1", "p-1", "p", "p+1", "2^2048-1" };
	size_t i;

	assert_int_equal(ike_dh_generate(&dh, MODP_2048), 0);
	assert_true(BN_hex2bn(&p, rfc3526_p) > 0);
	for (i = 0; i < 6; i++) {
		switch (i) {
		case 0:
			BN_zero(t);
			break;
		case 1:
			assert_true(BN_one(t));
			break;
		case 2:
			assert_non_null(BN_copy(t, p));
			assert_true(BN_sub_word(t, 1));
			break;
		case 3:
			assert_non_null(BN_copy(t, p));
			break;
		case 4:
			assert_non_null(BN_copy(t, p));
			assert_true(BN_add_word(t, 1));
			break;
		default:
			memset(v, 0xff, sizeof(v));
			assert_non_null(BN_bin2bn(v, sizeof(v), t));
			break;
		}
		assert_int_equal(BN_bn2binpad(t, v, sizeof(v)), 256);
		expect_reject(&dh, MODP_2048, v, sizeof(v));
		printf("MODP-2048 peer value %s rejected\n", what[i]);
	}
	/* 2 = g itself is a valid element of the subgroup: accepted. */
	assert_true(BN_set_word(t, 2));
	assert_int_equal(BN_bn2binpad(t, v, sizeof(v)), 256);
	assert_int_equal(ike_dh_peer_check(MODP_2048, v, sizeof(v)), 0);
	printf("MODP-2048 peer value 2 (= g) accepted\n");
	BN_free(t);
	BN_free(p);
	ike_dh_free(&dh);
}

static void
test_reject_ecp(void **state)
{
	uint8_t pub[IKE_DH_PUB_MAX];
	struct ike_dh dh;
	size_t k, len, flen;

	for (k = 1; k <= 3; k++) {	/* ECP_256, ECP_384, ECP_521 */
		assert_int_equal(ike_dh_generate(&dh, all_groups[k]), 0);
		len = dh.group->pub_len;
		flen = len / 2;
		/* y changed: not on the curve. */
		assert_int_equal(ike_dh_public(&dh, pub, len), 0);
		pub[len - 1] ^= 0x01;
		expect_reject(&dh, all_groups[k], pub, len);
		/* x changed, y kept. */
		assert_int_equal(ike_dh_public(&dh, pub, len), 0);
		pub[flen - 1] ^= 0x01;
		expect_reject(&dh, all_groups[k], pub, len);
		/* (0, 0): not on these curves (b != 0); stands in for the
		 * point at infinity, which x | y cannot express. */
		memset(pub, 0, len);
		expect_reject(&dh, all_groups[k], pub, len);
		/* Coordinates >= the field prime. */
		memset(pub, 0xff, len);
		expect_reject(&dh, all_groups[k], pub, len);
		printf("%s: y flipped, x flipped, (0,0), all-ones rejected\n",
		    dh.group->name);
		ike_dh_free(&dh);
	}
}

static void
test_reject_x25519(void **state)
{
	/* u = 0 (order 2), u = 1 (order 4), and their encodings plus p
	 * (p = 2^255 - 19, little-endian): every clamped scalar maps them to
	 * the all-zero output that RFC 8031 2 says to refuse. */
	uint8_t u[4][32];
	static const char *what[] = { "0", "1", "p (= 0)", "p+1 (= 1)" };
	struct ike_dh dh;
	size_t i;

	memset(u, 0, sizeof(u));
	u[1][0] = 1;
	memset(u[2], 0xff, 32);
	u[2][0] = 0xed;
	u[2][31] = 0x7f;
	memcpy(u[3], u[2], 32);
	u[3][0] = 0xee;
	assert_int_equal(ike_dh_generate(&dh, CURVE25519), 0);
	for (i = 0; i < 4; i++) {
		struct ike_chunk s = { NULL, 0 };

		/* The length is right: only the derivation can tell. */
		assert_int_equal(ike_dh_peer_check(CURVE25519, u[i], 32), 0);
		assert_int_equal(ike_dh_derive(&dh, u[i], 32, &s), -1);
		assert_null(s.ptr);
		printf("X25519 low-order u = %s: all-zero g^ir refused\n",
		    what[i]);
	}
	ike_dh_free(&dh);
}

static void
test_bad_state(void **state)
{
	struct ike_dh dh = { NULL, NULL };
	struct ike_chunk s;
	uint8_t pub[32] = { 9 };

	assert_int_equal(ike_dh_derive(&dh, pub, 32, &s), -1);
	assert_int_equal(ike_dh_public(&dh, pub, 32), -1);
	ike_dh_free(&dh);	/* safe on an empty one */
	assert_int_equal(ike_dh_load_private(&dh, ECP_256, pub, 0), -1);
	assert_int_equal(ike_dh_load_private(&dh, CURVE25519, pub, 31), -1);
	memset(pub, 0, sizeof(pub));	/* scalar 0 is no private key */
	assert_int_equal(ike_dh_load_private(&dh, ECP_256, pub, 32), -1);
	printf("unset key, empty/short/zero private values refused\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc5903),
		cmocka_unit_test(test_rfc7748),
		cmocka_unit_test(test_rfc3526),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_modp_load_private),
		cmocka_unit_test(test_reject_lengths),
		cmocka_unit_test(test_reject_modp),
		cmocka_unit_test(test_reject_ecp),
		cmocka_unit_test(test_reject_x25519),
		cmocka_unit_test(test_bad_state),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
