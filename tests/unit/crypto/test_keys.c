/* Key derivation (RFC 7296 2.13-2.18) and shared-key AUTH (2.15).
 *
 * Published vectors:
 *  - NIST CAVP SP 800-135 IKEv2 KDF sample (ikev2.zip, [SHA-1], the first
 *    COUNT): SKEYSEED, DKM, DKM(Child SA), DKM(Child SA D-H) and
 *    SKEYSEED(Rekey). The values appear identically in Cisco libacvp's
 *    kdftest.c and in a Rust KDF crate's tests that cite the NIST archive.
 *    SHA-1 is not a PRF vtid offers: the test builds a descriptor for it,
 *    which exercises the same code with a different digest.
 *  - The IKEv2 entries of NSS's ike-sha256/ike-sha384 vectors (gtests,
 *    marked "from this NIST samples"): SKEYSEED, prf+ (132, 32/48 and 15
 *    octets) and the rekey SKEYSEED for PRF_HMAC_SHA2_256 and _384.
 *  - No published vector for PRF_HMAC_SHA2_512 prf+ was reachable: it is
 *    cross-checked, with the other two, against a hand-written loop over
 *    one-shot EVP_Q_mac calls.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "ike/crypto.h"
#include "ike/ikev2.h"
#include "ike/keys.h"
#include "ike/sk.h"
#include "hex.h"

/* The key functions take what an exchange brings as a struct. */
static struct ike_key_seed
seed_of(const uint8_t *gir, size_t gir_len, const uint8_t *ni, size_t ni_len,
    const uint8_t *nr, size_t nr_len)
{
	struct ike_key_seed ks;

	memset(&ks, 0, sizeof(ks));
	ks.gir.ptr = gir;
	ks.gir.len = gir_len;
	ks.ni.ptr = ni;
	ks.ni.len = ni_len;
	ks.nr.ptr = nr;
	ks.nr.len = nr_len;
	return ks;
}

static struct ike_key_parent
parent_of(const struct ike_prf_alg *prf, const uint8_t *sk_d, size_t len)
{
	struct ike_key_parent kp = { prf, sk_d, len };

	return kp;
}

/* PRF_HMAC_SHA1 (RFC 7296 3.3.2, id 2): only for the CAVP vector. */
static const struct ike_prf_alg prf_sha1 = { 2, "SHA1", 20, 20, "test-sha1" };

/* --- NIST CAVP ikev2.zip, [SHA-1], first vector -------------------------- */
static const char cavp_ni[] = "3651fef5c9c35e93";
static const char cavp_nr[] = "c09a8b90a3f04d59";
static const char cavp_gir[] =
	"d084a30166a50fb7325c3960874a839449ef9741c2f4f947d0201dd8c1269273"
	"d79509f37e3ca3eb4fa2fe2a28254e289cd3f34dad4eb4df1a07685a4b8a94fa"
	"61e2491f7598b3ce65547ff133b3f63d1ac4175eaa695033f3cedb026a6873a3"
	"6455172a8540b8a5d23a0143bed0390ee49b168269d75fffee9fb62be965993c";
static const char cavp_gir_new[] =
	"52f00ab174c25d5b7139ae5ff4e8e9eddee5992d2e36adf8a559ffd90dab1442"
	"e4fbe429d320c0f33552a17d1557fa41ea70e8fb916c4fa27ed52b5f8ebd8461"
	"afa78f1159159a64055ac5f6319e29c28eae58cbc6847770f32c3fed1d047504"
	"84f854790f95e9ec01bc5bc461f24966462e359511329305038e94deb6dd42c2";
static const char cavp_spii[] = "8e5c3ae507221684";
static const char cavp_spir[] = "b1f201bb155c3acd";
static const char cavp_skeyseed[] = "cd2e8050137832245f1dbacc6e4f0a92f94d45d6";
static const char cavp_dkm[] =
	"6f1b12cad3cbe097b35430356d869d54cddb0198ec859174d53ceb92dddedbe2"
	"436db69f60977c58fa63bbb667f8d36920b109baae8f6c61a9ac49feda018432"
	"25d080ec5539d5881a25521ffb2a0a91874a9c0a27fcc2d717eb8963a9e3a89c"
	"7ab264757284c28cf8c3ca40576f4220b052b1fb8e9ad60ba3c80557323331a8"
	"cbb89f20";
static const char cavp_dkm_child[] =
	"4727dc0ef94eb326ce131cf282fb652faa638ad0ddae3786a11bcc0309876009"
	"f8c485de011ad962c5b1ca8a41ff8145445749079c5686e26ffebbc342f06981"
	"f3da745e11ca0976424d1f8caec623d59dc7186deb20a27b411d1dcb70a36544"
	"0bf7de905088b0692e8addc094e18d1939bdb67e89798ca6b239e2ccb81c2409"
	"dac0106c";
static const char cavp_dkm_child_dh[] =
	"b109c21ad4c0797768c1cec9e63554681e48f224bca7f23c20c4ea7041983451"
	"e9aa1d5408656c8a975ff1b9d9a12c75ffeb64bdecb30174664cccb4e14f1c37"
	"7b7f6d1525af77c7092aac3e47f917ebae8297fb5539d2008ce830823a09cc19"
	"7361d4a289c72745f6ce9fefe812be5bf55b3200fbb82e41a4a40877d3fe106d"
	"b909707b";
static const char cavp_skeyseed_rekey[] =
	"3b03bce748c96d5e8306918d2ff89b68f0648da3";

/* --- NSS gtests ike-sha256/384 vectors (IKEv2 entries, NIST samples) ----- */
static const struct {
	uint16_t	 prf;
	const char	*gir, *ni, *nr, *spii, *spir, *skeyseed, *dkm;
	/* Rekey: SK_d is a prefix of dkm. */
	const char	*gir_new, *skeyseed_rekey;
} nist[] = {
	{ PRF_HMAC_SHA2_256,
	  "0f4d257d7a58fc4545c7d7a88119eee5d5c9690c5b4c989171d3abbfd99d1d29",
	  "3f302be1abcb28e1", "8c332ee006064c9b",
	  "40dac39e1e1a8640", "8619a1cf9a6e4c07",
	  "5f00d1bd2c58ec224b1e6b71fa0f19a1faa7a193952c444411b47c1a9d8ba6fe",
	  "0b137d669b0947d7d026d593f0305ad401ff0c471357d695778a9c7f4b4869ec"
	  "e98aca531188d16041b3bb936d2dbb3b4993a6e768a809160de45d0283f273a6"
	  "cdf6854379e31be72b8d3d1fa990cf9c5b015ca9f918a7df6253c958114a09d4"
	  "e1c19bdcd4db14b29d98db1a74ad405c588662c14a04d0d36aa4ab55e90f8986"
	  "d12d4aad",
	  "25f3b12d6f282739256e39bf54eda53b60ffcf379bb7bcc90c27b4c4c578616c",
	  "2d63f6debc92048b4fef3889c4c99ca67d6496e0fac14a2bca9a2d6566ff2398" },
	{ PRF_HMAC_SHA2_384,
	  "d3288cd87565101e88fe3bad918f31939d8dd26ff1071f8b2d7f447524e58d7c",
	  "fd1b572a8e735591", "6013b0ef88dacd3d",
	  "2116ad07ce61f749", "24880e55f11a65b7",
	  "69fe7a1ac94adaeb711295f5fe004b1a8d6a0b65d05692758ce8ad2f7a45f59d"
	  "7d0b596f51f7dfcf3330061888f6a94f",
	  "4f904c2025c90c817ea5ff9b662a6fdb445a73b57cdf09eacd379b95e1f03cac"
	  "b04cd6deeda4f952191dd9bc1f7a9502471a648d74dc06d38112de48a42501f6"
	  "b1a3ad55c2099cd9a648e5f17e5bf3e34bf9b5953decb768a34f875fe2b78dca"
	  "0c2fcca81ec1a412006dfaed38fa06882e61f4c148105fb8e231fdb33c4d484c"
	  "001721d4",
	  "3358f620539473aee8d07e779764c4c6a9aabddc79a28e136b3bac021dbde44a",
	  "e0548c1682e13bce454026b3b1bdf42985b24e4e7408095a7c529de38c3d1fcb"
	  "04c9fe6868042a34c9614c6c99e3fcea" },
};

/* One-shot HMAC outside vtid's code path. */
static void
ref_hmac(const char *md, const uint8_t *key, size_t key_len,
    const uint8_t *data, size_t len, uint8_t *out, size_t *out_len)
{
	assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, md, NULL, key, key_len,
	    data, len, out, EVP_MAX_MD_SIZE, out_len));
}

/* prf+ written out from RFC 7296 2.13 over a concatenated buffer. */
static void
ref_prf_plus(const char *md, const uint8_t *key, size_t key_len,
    const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len)
{
	uint8_t buf[EVP_MAX_MD_SIZE + 1024 + 1], t[EVP_MAX_MD_SIZE];
	size_t t_len = 0, done = 0, n, take;
	unsigned int counter;

	assert_true(seed_len <= 1024);
	for (counter = 1; done < out_len; counter++) {
		n = 0;
		memcpy(buf, t, t_len);
		n += t_len;
		memcpy(buf + n, seed, seed_len);
		n += seed_len;
		buf[n++] = (uint8_t)counter;
		ref_hmac(md, key, key_len, buf, n, t, &t_len);
		take = out_len - done < t_len ? out_len - done : t_len;
		memcpy(out + done, t, take);
		done += take;
	}
}

static void
test_cavp_sha1(void **state)
{
	uint8_t ni[8], nr[8], gir[128], gir_new[128], spii[8], spir[8];
	uint8_t want[132], got[132], seed[32];
	struct ike_iov iov[4];
	struct ike_child_keys ck;
	struct ike_key_seed ks;
	struct ike_key_parent kp;
	size_t n;

	hex2bin(cavp_ni, ni, 8);
	hex2bin(cavp_nr, nr, 8);
	assert_int_equal(hex2bin(cavp_gir, gir, sizeof(gir)), 128);
	assert_int_equal(hex2bin(cavp_gir_new, gir_new, sizeof(gir_new)), 128);
	hex2bin(cavp_spii, spii, 8);
	hex2bin(cavp_spir, spir, 8);

	/* SKEYSEED = prf(Ni | Nr, g^ir) */
	n = hex2bin(cavp_skeyseed, want, sizeof(want));
	ks = seed_of(gir, 128, ni, 8, nr, 8);
	assert_int_equal(ike_keys_skeyseed(&prf_sha1, &ks, got), 0);
	assert_memory_equal(got, want, n);

	/* DKM = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr), 1056 bits */
	iov[0].ptr = ni, iov[0].len = 8;
	iov[1].ptr = nr, iov[1].len = 8;
	iov[2].ptr = spii, iov[2].len = 8;
	iov[3].ptr = spir, iov[3].len = 8;
	hex2bin(cavp_skeyseed, seed, sizeof(seed));
	assert_int_equal(hex2bin(cavp_dkm, want, sizeof(want)), 132);
	assert_int_equal(ike_prf_plus(&prf_sha1, seed, 20, iov, 4, got, 132),
	    0);
	assert_memory_equal(got, want, 132);

	/* DKM(Child SA) = prf+(SK_d, Ni | Nr), SK_d the first 20 octets of
	 * DKM; split by ike_keys_child() into 36 + 30 per direction, which
	 * together are the 132 octets of the vector. */
	assert_int_equal(hex2bin(cavp_dkm_child, want, sizeof(want)), 132);
	kp = parent_of(&prf_sha1, got, 20);
	ks = seed_of(NULL, 0, ni, 8, nr, 8);
	assert_int_equal(ike_keys_child_keymat(&kp, &ks, seed, 32), 0);
	assert_memory_equal(seed, want, 32);
	hex2bin(cavp_dkm, got, sizeof(got));
	assert_int_equal(ike_keys_child(&kp, &ks, 36, 30, &ck), 0);
	assert_memory_equal(ck.encr_i, want, 36);
	assert_memory_equal(ck.integ_i, want + 36, 30);
	assert_memory_equal(ck.encr_r, want + 66, 36);
	assert_memory_equal(ck.integ_r, want + 102, 30);
	ike_child_keys_wipe(&ck);

	/* DKM(Child SA D-H) = prf+(SK_d, g^ir (new) | Ni | Nr) */
	assert_int_equal(hex2bin(cavp_dkm_child_dh, want, sizeof(want)), 132);
	ks = seed_of(gir_new, 128, ni, 8, nr, 8);
	assert_int_equal(ike_keys_child(&kp, &ks, 36, 30, &ck), 0);
	assert_memory_equal(ck.encr_i, want, 36);
	assert_memory_equal(ck.integ_i, want + 36, 30);
	assert_memory_equal(ck.encr_r, want + 66, 36);
	assert_memory_equal(ck.integ_r, want + 102, 30);
	ike_child_keys_wipe(&ck);

	/* SKEYSEED(Rekey) = prf(SK_d, g^ir (new) | Ni | Nr) */
	n = hex2bin(cavp_skeyseed_rekey, want, sizeof(want));
	assert_int_equal(ike_keys_skeyseed_rekey(&kp, &ks, seed), 0);
	assert_memory_equal(seed, want, n);
	printf("NIST CAVP SP 800-135 IKEv2 (SHA-1 sample): 5/5 values "
	    "(SKEYSEED, DKM, DKM(Child SA), DKM(Child SA D-H), "
	    "SKEYSEED(Rekey)) match\n");
}

/* The seven SA keys laid out over the CAVP DKM: with PRF SHA-1 (20) and
 * AES-CBC-128 + HMAC-SHA2-256-128 the first 132 octets of SK_d | SK_ai |
 * SK_ar | SK_ei | SK_er | SK_pi | SK_pr are the vector's DKM. */
static void
test_cavp_sha1_split(void **state)
{
	uint8_t ni[8], nr[8], spii[8], spir[8], seed[20], want[132], cat[200];
	struct ike_key_seed ks;
	struct ike_algs algs = {
		ike_encr_lookup(ENCR_AES_CBC, 128),
		ike_integ_lookup(AUTH_HMAC_SHA2_256_128), &prf_sha1,
	};
	struct ike_sa_keys k;
	size_t off = 0;

	hex2bin(cavp_ni, ni, 8);
	hex2bin(cavp_nr, nr, 8);
	hex2bin(cavp_spii, spii, 8);
	hex2bin(cavp_spir, spir, 8);
	hex2bin(cavp_skeyseed, seed, 20);
	hex2bin(cavp_dkm, want, sizeof(want));
	ks = seed_of(NULL, 0, ni, 8, nr, 8);
	ks.spi_i = spii;
	ks.spi_r = spir;
	assert_int_equal(ike_keys_derive(&algs, seed, 20, &ks, &k), 0);
	assert_int_equal(k.prf_len, 20);
	assert_int_equal(k.integ_len, 32);
	assert_int_equal(k.encr_len, 16);
	memcpy(cat + off, k.sk_d, 20), off += 20;
	memcpy(cat + off, k.sk_ai, 32), off += 32;
	memcpy(cat + off, k.sk_ar, 32), off += 32;
	memcpy(cat + off, k.sk_ei, 16), off += 16;
	memcpy(cat + off, k.sk_er, 16), off += 16;
	memcpy(cat + off, k.sk_pi, 20), off += 20;
	memcpy(cat + off, k.sk_pr, 20), off += 20;
	assert_int_equal(off, 156);
	assert_memory_equal(cat, want, 132);
	ike_keys_wipe(&k);
	printf("ike_keys_derive: SK_d|SK_ai|SK_ar|SK_ei|SK_er|SK_pi|SK_pr "
	    "order checked against the CAVP DKM (first 132 of 156 octets)\n");
}

static void
test_nist_sha2(void **state)
{
	uint8_t gir[64], ni[8], nr[8], spii[8], spir[8], want[132], got[132];
	uint8_t skeyseed[64];
	const struct ike_prf_alg *prf;
	struct ike_iov iov[4];
	struct ike_key_seed ks;
	struct ike_key_parent kp;
	size_t i, n, lens[3], j;
	unsigned int checks = 0;

	for (i = 0; i < sizeof(nist) / sizeof(nist[0]); i++) {
		prf = ike_prf_lookup(nist[i].prf);
		assert_non_null(prf);
		n = hex2bin(nist[i].gir, gir, sizeof(gir));
		hex2bin(nist[i].ni, ni, 8);
		hex2bin(nist[i].nr, nr, 8);
		hex2bin(nist[i].spii, spii, 8);
		hex2bin(nist[i].spir, spir, 8);
		ks = seed_of(gir, n, ni, 8, nr, 8);
		assert_int_equal(ike_keys_skeyseed(prf, &ks, skeyseed), 0);
		n = hex2bin(nist[i].skeyseed, want, sizeof(want));
		assert_int_equal(n, prf->out_len);
		assert_memory_equal(skeyseed, want, n);
		checks++;

		iov[0].ptr = ni, iov[0].len = 8;
		iov[1].ptr = nr, iov[1].len = 8;
		iov[2].ptr = spii, iov[2].len = 8;
		iov[3].ptr = spir, iov[3].len = 8;
		assert_int_equal(hex2bin(nist[i].dkm, want, sizeof(want)), 132);
		/* The published lengths: 132, one PRF block, 15. */
		lens[0] = 132;
		lens[1] = prf->out_len;
		lens[2] = 15;
		for (j = 0; j < 3; j++) {
			memset(got, 0, sizeof(got));
			assert_int_equal(ike_prf_plus(prf, skeyseed,
			    prf->out_len, iov, 4, got, lens[j]), 0);
			assert_memory_equal(got, want, lens[j]);
			checks++;
		}

		/* Rekey: SK_d is the first PRF-size octets of the DKM. */
		n = hex2bin(nist[i].gir_new, gir, sizeof(gir));
		kp = parent_of(prf, want, prf->out_len);
		ks = seed_of(gir, n, ni, 8, nr, 8);
		assert_int_equal(ike_keys_skeyseed_rekey(&kp, &ks, got), 0);
		n = hex2bin(nist[i].skeyseed_rekey, want, sizeof(want));
		assert_memory_equal(got, want, n);
		checks++;
		printf("NIST sample (via NSS) %s: SKEYSEED, prf+ 132/%u/15, "
		    "rekey SKEYSEED match\n", prf->name, prf->out_len);
	}
	assert_int_equal(checks, 10);
	printf("NIST samples: 10/10 PRF_HMAC_SHA2_256/384 values match\n");
}

/* prf+ against the hand-written loop, every PRF, lengths around block
 * boundaries up to the 255-block limit; beyond it: refused. */
static void
test_prf_plus_crosscheck(void **state)
{
	static const uint16_t ids[3] = {
		PRF_HMAC_SHA2_256, PRF_HMAC_SHA2_384, PRF_HMAC_SHA2_512,
	};
	uint8_t key[64], seed[100], got[255 * 64 + 1], want[255 * 64];
	const struct ike_prf_alg *prf;
	struct ike_iov iov[3];
	size_t i, j, lens[7];

	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(0xa0 + i);
	for (i = 0; i < sizeof(seed); i++)
		seed[i] = (uint8_t)i;
	/* The seed in three uneven pieces. */
	iov[0].ptr = seed, iov[0].len = 33;
	iov[1].ptr = seed + 33, iov[1].len = 1;
	iov[2].ptr = seed + 34, iov[2].len = 66;
	for (i = 0; i < 3; i++) {
		prf = ike_prf_lookup(ids[i]);
		lens[0] = 1;
		lens[1] = prf->out_len - 1;
		lens[2] = prf->out_len;
		lens[3] = prf->out_len + 1;
		lens[4] = 3 * prf->out_len + 7;
		lens[5] = 392;		/* the longest IKE SA key set */
		lens[6] = 255 * (size_t)prf->out_len;
		for (j = 0; j < 7; j++) {
			ref_prf_plus(prf->md, key, prf->key_len, seed,
			    sizeof(seed), want, lens[j]);
			assert_int_equal(ike_prf_plus(prf, key, prf->key_len,
			    iov, 3, got, lens[j]), 0);
			assert_memory_equal(got, want, lens[j]);
		}
		assert_int_equal(ike_prf_plus(prf, key, prf->key_len, iov, 3,
		    got, 255 * (size_t)prf->out_len + 1), -1);
		assert_int_equal(ike_prf_plus(prf, key, prf->key_len, iov, 3,
		    got, 0), -1);
		printf("prf+ %s = hand-written HMAC loop for 7 lengths up to "
		    "255 blocks; 255 blocks + 1 refused\n", prf->name);
	}
}

/* ike_keys_ike_sa for every suite: the keys are the right slices of prf+
 * computed independently, AEAD has no SK_a*, the SK contexts pick the
 * right direction. */
static void
test_ike_sa_suites(void **state)
{
	static const struct { uint16_t encr, bits, integ, prf; } suites[] = {
		{ ENCR_AES_GCM_16, 128, AUTH_NONE, PRF_HMAC_SHA2_256 },
		{ ENCR_AES_GCM_16, 256, AUTH_NONE, PRF_HMAC_SHA2_512 },
		{ ENCR_AES_CBC, 128, AUTH_HMAC_SHA2_256_128,
		  PRF_HMAC_SHA2_256 },
		{ ENCR_AES_CBC, 256, AUTH_HMAC_SHA2_384_192,
		  PRF_HMAC_SHA2_384 },
		{ ENCR_AES_CBC, 256, AUTH_HMAC_SHA2_512_256,
		  PRF_HMAC_SHA2_512 },
	};
	uint8_t ni[32], nr[48], gir[256], spii[8], spir[8];
	struct ike_key_seed ks;
	uint8_t nn[80], skeyseed[64], s[96], km[400];
	struct ike_suite su;
	struct ike_algs a;
	struct ike_sa_keys k;
	struct ike_sk_ctx in, out;
	size_t i, t, off, sl, pl, il, el;

	for (i = 0; i < sizeof(ni); i++)
		ni[i] = (uint8_t)(i * 7);
	for (i = 0; i < sizeof(nr); i++)
		nr[i] = (uint8_t)(0xff - i);
	for (i = 0; i < sizeof(gir); i++)
		gir[i] = (uint8_t)(i ^ 0x5a);
	memcpy(spii, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	memcpy(spir, "\x11\x12\x13\x14\x15\x16\x17\x18", 8);
	for (t = 0; t < sizeof(suites) / sizeof(suites[0]); t++) {
		memset(&su, 0, sizeof(su));
		su.encr = suites[t].encr;
		su.encr_keylen = suites[t].bits;
		su.integ = suites[t].integ;
		su.prf = suites[t].prf;
		assert_int_equal(ike_crypto_resolve(&su, &a), 0);
		ks = seed_of(gir, sizeof(gir), ni, sizeof(ni), nr, sizeof(nr));
		ks.spi_i = spii;
		ks.spi_r = spir;
		assert_int_equal(ike_keys_ike_sa(&a, NULL, &ks, &k), 0);

		/* Reference: SKEYSEED and prf+ with one-shot HMACs. */
		memcpy(nn, ni, sizeof(ni));
		memcpy(nn + sizeof(ni), nr, sizeof(nr));
		ref_hmac(a.prf->md, nn, sizeof(ni) + sizeof(nr), gir,
		    sizeof(gir), skeyseed, &sl);
		memcpy(s, nn, sizeof(ni) + sizeof(nr));
		memcpy(s + 80, spii, 8);
		memcpy(s + 88, spir, 8);
		pl = a.prf->key_len;
		il = a.integ != NULL ? a.integ->key_len : 0;
		el = a.encr->key_len;
		ref_prf_plus(a.prf->md, skeyseed, sl, s, 96, km,
		    3 * pl + 2 * il + 2 * el);
		off = 0;
		assert_memory_equal(k.sk_d, km + off, pl), off += pl;
		assert_memory_equal(k.sk_ai, km + off, il), off += il;
		assert_memory_equal(k.sk_ar, km + off, il), off += il;
		assert_memory_equal(k.sk_ei, km + off, el), off += el;
		assert_memory_equal(k.sk_er, km + off, el), off += el;
		assert_memory_equal(k.sk_pi, km + off, pl), off += pl;
		assert_memory_equal(k.sk_pr, km + off, pl);
		assert_int_equal(k.integ_len, il);
		assert_int_equal(k.encr_len, el);

		/* Directions: I2R uses SK_ei/SK_ai, R2I SK_er/SK_ar. */
		assert_int_equal(ike_keys_sk_ctx(&k, &a, IKE_DIR_I2R, &out), 0);
		assert_int_equal(ike_keys_sk_ctx(&k, &a, IKE_DIR_R2I, &in), 0);
		assert_memory_equal(out.encr_key, k.sk_ei, el);
		assert_memory_equal(in.encr_key, k.sk_er, el);
		if (il > 0) {
			assert_memory_equal(out.integ_key, k.sk_ai, il);
			assert_memory_equal(in.integ_key, k.sk_ar, il);
		}
		ike_sk_ctx_wipe(&in);
		ike_sk_ctx_wipe(&out);
		ike_keys_wipe(&k);
		printf("IKE SA keys %s/%s/%s: %zu octets of prf+ split as "
		    "RFC 7296 2.14 says%s\n", a.encr->name,
		    a.integ != NULL ? a.integ->name : "-", a.prf->name,
		    3 * pl + 2 * il + 2 * el, il == 0 ? " (AEAD: no SK_a*)" :
		    "");
	}
}

/* IKE SA rekey through ike_keys_ike_sa, with a PRF change: SKEYSEED from
 * the old PRF (SHA2-256), prf+ with the new one (SHA2-512). */
static void
test_ike_sa_rekey(void **state)
{
	uint8_t old_sk_d[32], gir[32], ni[16], nr[16], spii[8], spir[8];
	uint8_t skeyseed[32], s[48], km[400];
	const struct ike_prf_alg *oldp = ike_prf_lookup(PRF_HMAC_SHA2_256);
	struct ike_algs a = {
		ike_encr_lookup(ENCR_AES_GCM_16, 256), NULL,
		ike_prf_lookup(PRF_HMAC_SHA2_512),
	};
	struct ike_sa_keys k;
	struct ike_key_seed ks;
	struct ike_key_parent kp;
	uint8_t buf[64 + 16 + 16];
	size_t sl;

	memset(old_sk_d, 0x42, sizeof(old_sk_d));
	memset(gir, 0x24, sizeof(gir));
	memset(ni, 0x01, sizeof(ni));
	memset(nr, 0x02, sizeof(nr));
	memset(spii, 0x0a, 8);
	memset(spir, 0x0b, 8);
	kp = parent_of(oldp, old_sk_d, 32);
	ks = seed_of(gir, 32, ni, 16, nr, 16);
	ks.spi_i = spii;
	ks.spi_r = spir;
	assert_int_equal(ike_keys_ike_sa(&a, &kp, &ks, &k), 0);
	memcpy(buf, gir, 32);
	memcpy(buf + 32, ni, 16);
	memcpy(buf + 48, nr, 16);
	ref_hmac("SHA2-256", old_sk_d, 32, buf, 64, skeyseed, &sl);
	assert_int_equal(sl, 32);
	memcpy(s, ni, 16);
	memcpy(s + 16, nr, 16);
	memcpy(s + 32, spii, 8);
	memcpy(s + 40, spir, 8);
	ref_prf_plus("SHA2-512", skeyseed, 32, s, 48, km, 3 * 64 + 2 * 36);
	assert_memory_equal(k.sk_d, km, 64);
	assert_memory_equal(k.sk_ei, km + 64, 36);
	assert_memory_equal(k.sk_pr, km + 64 + 72 + 64, 64);
	ike_keys_wipe(&k);
	/* Without the old PRF: refused. */
	kp = parent_of(NULL, old_sk_d, 32);
	assert_int_equal(ike_keys_ike_sa(&a, &kp, &ks, &k), -1);
	printf("IKE SA rekey: SKEYSEED = prf_old(SK_d, g^ir|Ni|Nr), then "
	    "prf+ with the new PRF (SHA2-256 -> SHA2-512) checked\n");
}

static void
test_child_keys(void **state)
{
	uint8_t sk_d[48], gir[66], ni[32], nr[32], s[66 + 64], km[200];
	const struct ike_prf_alg *prf = ike_prf_lookup(PRF_HMAC_SHA2_384);
	struct ike_child_keys ck;
	struct ike_key_seed ks;
	struct ike_key_parent kp;

	memset(sk_d, 0x3c, sizeof(sk_d));
	memset(gir, 0x77, sizeof(gir));
	memset(ni, 0x10, sizeof(ni));
	memset(nr, 0x20, sizeof(nr));
	/* ESP AES-GCM-256 (36 with salt), no integrity; PFS. */
	kp = parent_of(prf, sk_d, 48);
	ks = seed_of(gir, 66, ni, 32, nr, 32);
	assert_int_equal(ike_keys_child(&kp, &ks, 36, 0, &ck), 0);
	memcpy(s, gir, 66);
	memcpy(s + 66, ni, 32);
	memcpy(s + 98, nr, 32);
	ref_prf_plus("SHA2-384", sk_d, 48, s, 130, km, 72);
	assert_memory_equal(ck.encr_i, km, 36);
	assert_memory_equal(ck.encr_r, km + 36, 36);
	assert_int_equal(ck.integ_len, 0);
	ike_child_keys_wipe(&ck);
	/* ESP AES-CBC-128 + HMAC-SHA2-256-128, no PFS. */
	ks = seed_of(NULL, 0, ni, 32, nr, 32);
	assert_int_equal(ike_keys_child(&kp, &ks, 16, 32, &ck), 0);
	ref_prf_plus("SHA2-384", sk_d, 48, s + 66, 64, km, 96);
	assert_memory_equal(ck.encr_i, km, 16);
	assert_memory_equal(ck.integ_i, km + 16, 32);
	assert_memory_equal(ck.encr_r, km + 48, 16);
	assert_memory_equal(ck.integ_r, km + 64, 32);
	ike_child_keys_wipe(&ck);
	assert_int_equal(ike_keys_child(&kp, &ks, 37, 0, &ck), -1);
	ks = seed_of(gir, 0, ni, 32, nr, 32);
	assert_int_equal(ike_keys_child(&kp, &ks, 16, 0, &ck), -1);
	printf("CHILD SA KEYMAT: encr_i|integ_i|encr_r|integ_r with and "
	    "without PFS match the reference; bad sizes refused\n");
}

/* A second, independent AUTH computation for RFC 7296 2.15, written out
 * with one-shot HMACs over concatenated buffers. */
static void
ref_psk_auth(const char *md, const uint8_t *psk, size_t psk_len,
    const uint8_t *msg, size_t msg_len, const uint8_t *nonce,
    size_t nonce_len, const uint8_t *sk_p, size_t sk_p_len,
    const uint8_t *id, size_t id_len, uint8_t *auth, size_t *auth_len)
{
	uint8_t pad[EVP_MAX_MD_SIZE], maced[EVP_MAX_MD_SIZE], octets[1024];
	size_t pad_len, maced_len, n = 0;

	ref_hmac(md, psk, psk_len, (const uint8_t *)"Key Pad for IKEv2", 17,
	    pad, &pad_len);
	ref_hmac(md, sk_p, sk_p_len, id, id_len, maced, &maced_len);
	assert_true(msg_len + nonce_len + maced_len <= sizeof(octets));
	memcpy(octets + n, msg, msg_len), n += msg_len;
	memcpy(octets + n, nonce, nonce_len), n += nonce_len;
	memcpy(octets + n, maced, maced_len), n += maced_len;
	ref_hmac(md, pad, pad_len, octets, n, auth, auth_len);
}

static void
test_psk_auth(void **state)
{
	static const uint16_t ids[3] = {
		PRF_HMAC_SHA2_256, PRF_HMAC_SHA2_384, PRF_HMAC_SHA2_512,
	};
	const uint8_t psk[] = "correct horse battery staple";
	uint8_t msg1[300], msg2[280], ni[32], nr[32], sk_pi[64], sk_pr[64];
	/* ID payload bodies: ID_FQDN and ID_IPV4_ADDR, type | 3 reserved. */
	const uint8_t idi[] = {
		ID_FQDN, 0, 0, 0, 'v', 't', 'i', '.', 'e', 'x',
	};
	const uint8_t idr[] = { ID_IPV4_ADDR, 0, 0, 0, 192, 0, 2, 1 };
	uint8_t auth_i[64], auth_r[64], ref[64], bad[64];
	const struct ike_prf_alg *prf;
	struct ike_auth_input in_i, in_r, in;
	size_t i, ref_len, j;

	for (i = 0; i < sizeof(msg1); i++)
		msg1[i] = (uint8_t)(i * 3);
	for (i = 0; i < sizeof(msg2); i++)
		msg2[i] = (uint8_t)(i * 5 + 1);
	memset(ni, 0x4e, sizeof(ni));
	memset(nr, 0x72, sizeof(nr));
	for (i = 0; i < sizeof(sk_pi); i++) {
		sk_pi[i] = (uint8_t)(0x80 + i);
		sk_pr[i] = (uint8_t)(0x40 + i);
	}
	for (i = 0; i < 3; i++) {
		prf = ike_prf_lookup(ids[i]);
		in_i = (struct ike_auth_input){ { psk, sizeof(psk) - 1 },
		    { msg1, sizeof(msg1) }, { nr, sizeof(nr) },
		    { sk_pi, prf->key_len }, { idi, sizeof(idi) } };
		in_r = (struct ike_auth_input){ { psk, sizeof(psk) - 1 },
		    { msg2, sizeof(msg2) }, { ni, sizeof(ni) },
		    { sk_pr, prf->key_len }, { idr, sizeof(idr) } };
		/* Initiator signs RealMessage1 | NonceRData | MACedIDForI. */
		assert_int_equal(ike_keys_psk_auth(prf, &in_i, auth_i), 0);
		ref_psk_auth(prf->md, psk, sizeof(psk) - 1, msg1, sizeof(msg1),
		    nr, sizeof(nr), sk_pi, prf->key_len, idi, sizeof(idi), ref,
		    &ref_len);
		assert_int_equal(ref_len, prf->out_len);
		assert_memory_equal(auth_i, ref, ref_len);
		/* Responder signs RealMessage2 | NonceIData | MACedIDForR. */
		assert_int_equal(ike_keys_psk_auth(prf, &in_r, auth_r), 0);
		ref_psk_auth(prf->md, psk, sizeof(psk) - 1, msg2, sizeof(msg2),
		    ni, sizeof(ni), sk_pr, prf->key_len, idr, sizeof(idr), ref,
		    &ref_len);
		assert_memory_equal(auth_r, ref, ref_len);

		/* Each end verifies the other. */
		assert_int_equal(ike_keys_psk_verify(prf, &in_i, auth_i,
		    prf->out_len), 0);
		assert_int_equal(ike_keys_psk_verify(prf, &in_r, auth_r,
		    prf->out_len), 0);

		/* Anything different: refused. */
		in = in_i;
		in.psk.len = sizeof(psk) - 2;
		assert_int_equal(ike_keys_psk_verify(prf, &in, auth_i,
		    prf->out_len), -1);
		in = in_i;
		in.nonce = in_r.nonce;
		assert_int_equal(ike_keys_psk_verify(prf, &in, auth_i,
		    prf->out_len), -1);
		in = in_i;
		in.sk_p = in_r.sk_p;
		assert_int_equal(ike_keys_psk_verify(prf, &in, auth_i,
		    prf->out_len), -1);
		in = in_i;
		in.msg.len = sizeof(msg1) - 1;
		assert_int_equal(ike_keys_psk_verify(prf, &in, auth_i,
		    prf->out_len), -1);
		in = in_i;
		in.id_body = in_r.id_body;
		assert_int_equal(ike_keys_psk_verify(prf, &in, auth_i,
		    prf->out_len), -1);
		assert_int_equal(ike_keys_psk_verify(prf, &in_i, auth_i,
		    prf->out_len - 1), -1);
		for (j = 0; j < prf->out_len; j++) {
			memcpy(bad, auth_i, prf->out_len);
			bad[j] ^= 0x80;
			assert_int_equal(ike_keys_psk_verify(prf, &in_i, bad,
			    prf->out_len), -1);
		}
		printf("PSK AUTH %s: initiator and responder AUTH equal an "
		    "independent computation, verify both ways; wrong PSK, "
		    "nonce, SK_p, message, ID, length, every AUTH octet "
		    "refused\n", prf->name);
	}
	/* An empty PSK or a too-short ID body is refused outright. */
	prf = ike_prf_lookup(PRF_HMAC_SHA2_256);
	in = (struct ike_auth_input){ { psk, 0 }, { msg1, 10 }, { nr, 32 },
	    { sk_pi, 32 }, { idi, sizeof(idi) } };
	assert_int_equal(ike_keys_psk_auth(prf, &in, auth_i), -1);
	in = (struct ike_auth_input){ { psk, 4 }, { msg1, 10 }, { nr, 32 },
	    { sk_pi, 32 }, { idi, 3 } };
	assert_int_equal(ike_keys_psk_auth(prf, &in, auth_i), -1);
}

static void
test_equal(void **state)
{
	assert_true(ike_keys_equal("abcd", "abcd", 4));
	assert_false(ike_keys_equal("abcd", "abce", 4));
	assert_true(ike_keys_equal("a", "b", 0));
	printf("ike_keys_equal (CRYPTO_memcmp): equal, unequal, empty\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cavp_sha1),
		cmocka_unit_test(test_cavp_sha1_split),
		cmocka_unit_test(test_nist_sha2),
		cmocka_unit_test(test_prf_plus_crosscheck),
		cmocka_unit_test(test_ike_sa_suites),
		cmocka_unit_test(test_ike_sa_rekey),
		cmocka_unit_test(test_child_keys),
		cmocka_unit_test(test_psk_auth),
		cmocka_unit_test(test_equal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
