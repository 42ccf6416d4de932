/* The SK / SKF payload: AES-GCM known answers from the McGrew-Viega GCM
 * spec through the IKE nonce construction (salt | 8-octet IV), seal/open
 * round trips for every suite, tampering with every octet, truncations,
 * bad padding, lack of space. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ike/crypto.h"
#include "ike/ikev2.h"
#include "ike/message.h"
#include "ike/sk.h"
#include "hex.h"

static const struct {
	uint16_t	 encr, bits, integ;
} suites[] = {
	{ ENCR_AES_GCM_16, 128, AUTH_NONE },
	{ ENCR_AES_GCM_16, 256, AUTH_NONE },
	{ ENCR_AES_CBC, 128, AUTH_HMAC_SHA2_256_128 },
	{ ENCR_AES_CBC, 128, AUTH_HMAC_SHA2_384_192 },
	{ ENCR_AES_CBC, 128, AUTH_HMAC_SHA2_512_256 },
	{ ENCR_AES_CBC, 256, AUTH_HMAC_SHA2_256_128 },
	{ ENCR_AES_CBC, 256, AUTH_HMAC_SHA2_384_192 },
	{ ENCR_AES_CBC, 256, AUTH_HMAC_SHA2_512_256 },
};
#define NSUITES		(sizeof(suites) / sizeof(suites[0]))

static void
suite_ctx(size_t i, struct ike_sk_ctx *ctx, const char **name)
{
	const struct ike_encr_alg *e = ike_encr_lookup(suites[i].encr,
	    suites[i].bits);
	const struct ike_integ_alg *a = ike_integ_lookup(suites[i].integ);
	uint8_t ek[IKE_ENCR_KEY_MAX], ak[IKE_INTEG_KEY_MAX];
	size_t k;
	static char buf[64];

	assert_non_null(e);
	for (k = 0; k < sizeof(ek); k++)
		ek[k] = (uint8_t)(0x30 + k + i);
	for (k = 0; k < sizeof(ak); k++)
		ak[k] = (uint8_t)(0xc0 - k + i);
	assert_int_equal(ike_sk_ctx_init(ctx, e, a, ek, e->key_len,
	    a != NULL ? ak : NULL, a != NULL ? a->key_len : 0), 0);
	snprintf(buf, sizeof(buf), "%s%s%s", e->name, a != NULL ? "-" : "",
	    a != NULL ? a->name : "");
	if (name != NULL)
		*name = buf;
}

static size_t
icv_of(const struct ike_sk_ctx *ctx)
{
	return ctx->integ != NULL ? ctx->integ->icv_len : ctx->encr->icv_len;
}

/*
 * Writes [IKE header][clear_len octets of one Notify-like payload, if
 * any][SK or SKF header][plain] into w and returns the SK header offset.
 * hdr_off octets of non-ESP marker come first.
 */
static size_t
build(struct wbuf *w, size_t hdr_off, size_t clear_len, size_t hdr_len,
    const uint8_t *plain, size_t plain_len)
{
	size_t sk_off, i;

	wbuf_put_zero(w, hdr_off);			/* non-ESP marker */
	wbuf_put_u64(w, 0x0102030405060708ULL);		/* SPIi */
	wbuf_put_u64(w, 0x1112131415161718ULL);		/* SPIr */
	wbuf_put_u8(w, clear_len > 0 ? IKE_PL_NOTIFY :
	    hdr_len == IKE_SK_HDR_LEN ? IKE_PL_SK : IKE_PL_SKF);
	wbuf_put_u8(w, IKE_VERSION_2);
	wbuf_put_u8(w, IKE_AUTH);
	wbuf_put_u8(w, IKE_FLAG_INITIATOR);
	wbuf_put_u32(w, 1);				/* message ID */
	wbuf_put_u32(w, 0);				/* length: sealing */
	if (clear_len > 0) {
		wbuf_put_u8(w, hdr_len == IKE_SK_HDR_LEN ? IKE_PL_SK :
		    IKE_PL_SKF);
		wbuf_put_u8(w, 0);
		wbuf_put_u16(w, (uint16_t)clear_len);
		for (i = 4; i < clear_len; i++)
			wbuf_put_u8(w, (uint8_t)i);
	}
	sk_off = w->len;
	wbuf_put_u8(w, IKE_PL_IDi);			/* first inner */
	wbuf_put_u8(w, 0);
	wbuf_put_u16(w, 0);				/* length: sealing */
	if (hdr_len == IKE_SK_SKF_HDR_LEN) {
		wbuf_put_u16(w, 1);			/* Fragment Number */
		wbuf_put_u16(w, 1);			/* Total Fragments */
	}
	wbuf_put_bytes(w, plain, plain_len);
	assert_true(wbuf_ok(w));
	return sk_off;
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* --- McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)",
 * test cases 2-4 (AES-128) and 13-16 (AES-256). Each 12-octet IV is used
 * as salt (first 4 octets, appended to the key as RFC 4106 8.1 does) and
 * the 8-octet IV of the SK payload. */
#define GCM_K1	"feffe9928665731c6d6a8f9467308308"
#define GCM_P \
	"d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" \
	"1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255"
#define GCM_A	"feedfacedeadbeeffeedfacedeadbeefabaddad2"
static const struct {
	int		 tc;
	uint16_t	 bits;
	const char	*key, *iv, *aad, *p, *c, *t;
	size_t		 p_len;		/* 60: a prefix of GCM_P */
} gcm_tc[] = {
	{ 2, 128, "00000000000000000000000000000000",
	  "000000000000000000000000", "", "00000000000000000000000000000000",
	  "0388dace60b6a392f328c2b971b2fe78",
	  "ab6e47d42cec13bdf53a67b21257bddf", 16 },
	{ 3, 128, GCM_K1, "cafebabefacedbaddecaf888", "", GCM_P,
	  "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	  "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
	  "4d5c2af327cd64a62cf35abd2ba6fab4", 64 },
	{ 4, 128, GCM_K1, "cafebabefacedbaddecaf888", GCM_A, GCM_P,
	  "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	  "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
	  "5bc94fbc3221a5db94fae95ae7121a47", 60 },
	{ 13, 256, "0000000000000000000000000000000000000000000000000000000000000000",
	  "000000000000000000000000", "", "", "",
	  "530f8afbc74536b9a963b4f1c4cb738b", 0 },
	{ 14, 256, "0000000000000000000000000000000000000000000000000000000000000000",
	  "000000000000000000000000", "", "00000000000000000000000000000000",
	  "cea7403d4d606b6e074ec5d3baf39d18",
	  "d0d1c8a799996bf0265b98b5d48ab919", 16 },
	{ 15, 256, GCM_K1 GCM_K1, "cafebabefacedbaddecaf888", "", GCM_P,
	  "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	  "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
	  "b094dac5d93471bdec1a502270e3cc6c", 64 },
	{ 16, 256, GCM_K1 GCM_K1, "cafebabefacedbaddecaf888", GCM_A, GCM_P,
	  "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	  "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
	  "76fc6ece0f4e1768cddf8853bb2d551b", 60 },
};

static void
test_gcm_vectors(void **state)
{
	uint8_t key[36], nonce[12], aad[20], p[64], c[64], t[16], buf[64];
	uint8_t tag[16];
	const struct ike_encr_alg *e;
	struct ike_sk_ctx ctx;
	size_t i, kl, al, pl;

	for (i = 0; i < sizeof(gcm_tc) / sizeof(gcm_tc[0]); i++) {
		e = ike_encr_lookup(ENCR_AES_GCM_16, gcm_tc[i].bits);
		kl = hex2bin(gcm_tc[i].key, key, sizeof(key));
		assert_int_equal(hex2bin(gcm_tc[i].iv, nonce, sizeof(nonce)),
		    12);
		memcpy(key + kl, nonce, 4);		/* salt */
		assert_int_equal(kl + 4, e->key_len);
		assert_int_equal(ike_sk_ctx_init(&ctx, e, NULL, key, kl + 4,
		    NULL, 0), 0);
		al = hex2bin(gcm_tc[i].aad, aad, sizeof(aad));
		hex2bin(gcm_tc[i].p, p, sizeof(p));
		pl = gcm_tc[i].p_len;
		assert_int_equal(hex2bin(gcm_tc[i].c, c, sizeof(c)), pl);
		hex2bin(gcm_tc[i].t, t, sizeof(t));

		memcpy(buf, p, pl);
		assert_int_equal(ike_sk_crypt(&ctx, 1, nonce + 4, aad, al, buf,
		    pl, tag), IKE_SK_OK);
		assert_memory_equal(buf, c, pl);
		assert_memory_equal(tag, t, 16);
		assert_int_equal(ike_sk_crypt(&ctx, 0, nonce + 4, aad, al, buf,
		    pl, tag), IKE_SK_OK);
		assert_memory_equal(buf, p, pl);
		/* A wrong tag, or wrong AAD: the integrity check fails. */
		memcpy(buf, c, pl);
		tag[15] ^= 1;
		assert_int_equal(ike_sk_crypt(&ctx, 0, nonce + 4, aad, al, buf,
		    pl, tag), IKE_SK_ERR_ICV);
		tag[15] ^= 1;
		if (al > 0) {
			memcpy(buf, c, pl);
			aad[0] ^= 1;
			assert_int_equal(ike_sk_crypt(&ctx, 0, nonce + 4, aad,
			    al, buf, pl, tag), IKE_SK_ERR_ICV);
		}
		ike_sk_ctx_wipe(&ctx);
		printf("GCM spec test case %d (AES-%u, %zu-octet P, %zu-octet "
		    "AAD): C and T match, decrypts, bad tag refused\n",
		    gcm_tc[i].tc, gcm_tc[i].bits, pl, al);
	}
	printf("GCM spec: 7/7 test cases (2, 3, 4, 13, 14, 15, 16) through "
	    "salt | IV nonce and EVP\n");
}

static void
test_round_trips(void **state)
{
	uint8_t mem[1024], plain[300];
	const uint8_t *out;
	size_t out_len, s, n, sk_off, ct_len, icv, c, h, len;
	struct ike_sk_ctx ctx;
	struct wbuf w;
	const char *name;
	unsigned int rounds;
	static const size_t clear[2] = { 0, 12 };
	static const size_t hdrs[2] = { IKE_SK_HDR_LEN, IKE_SK_SKF_HDR_LEN };
	enum ike_sk_err why;

	for (n = 0; n < sizeof(plain); n++)
		plain[n] = (uint8_t)(n * 31 + 7);
	for (s = 0; s < NSUITES; s++) {
		suite_ctx(s, &ctx, &name);
		icv = icv_of(&ctx);
		rounds = 0;
		for (c = 0; c < 2; c++)
		for (h = 0; h < 2; h++)
		for (n = 0; n <= 70; n++) {
			wbuf_init(&w, mem, sizeof(mem));
			sk_off = build(&w, 0, clear[c], hdrs[h], plain, n);
			assert_int_equal(ike_sk_seal_hdr(&ctx, &w, sk_off,
			    hdrs[h], &why), 0);
			assert_int_equal(why, IKE_SK_OK);
			len = w.len;
			/* The length fields now cover exactly the message. */
			assert_int_equal(rd32(mem + 24), len);
			assert_int_equal(rd16(mem + sk_off + 2), len - sk_off);
			assert_int_equal(mem[sk_off], IKE_PL_IDi);
			ct_len = len - sk_off - hdrs[h] - ctx.encr->iv_len -
			    icv;
			if (ctx.integ != NULL)	/* whole CBC blocks */
				assert_int_equal(ct_len % 16, 0);
			else			/* GCM: no padding needed */
				assert_int_equal(ct_len, n + 1);
			assert_true(ct_len >= n + 1);
			assert_int_equal(ike_sk_open_hdr(&ctx, mem, len, sk_off,
			    hdrs[h], &out, &out_len, &why), 0);
			assert_int_equal(out_len, n);
			assert_ptr_equal(out, mem + sk_off + hdrs[h] +
			    ctx.encr->iv_len);
			if (n > 0)
				assert_memory_equal(out, plain, n);
			rounds++;
		}
		/* The spec'd entry points: SK at sk_off, header at 0. */
		wbuf_init(&w, mem, sizeof(mem));
		sk_off = build(&w, 0, 0, IKE_SK_HDR_LEN, plain, 33);
		assert_int_equal(ike_sk_seal(&ctx, &w, sk_off), 0);
		assert_int_equal(ike_sk_open(&ctx, mem, w.len, sk_off, &out,
		    &out_len), 0);
		assert_int_equal(out_len, 33);
		assert_memory_equal(out, plain, 33);
		ike_sk_ctx_wipe(&ctx);
		printf("%s: %u seal/open round trips (0-70 octets, SK and SKF, "
		    "with and without a clear payload)\n", name, rounds + 1);
	}
}

/* message.h's builder contract: IV space already reserved, a non-ESP
 * marker before the IKE header. */
static void
test_layout(void **state)
{
	uint8_t mem[512], plain[50];
	const uint8_t *out;
	size_t s, sk_off, out_len, i;
	struct ike_sk_ctx ctx;
	struct ike_sk_layout lay;
	struct wbuf w;
	enum ike_sk_err why;

	for (i = 0; i < sizeof(plain); i++)
		plain[i] = (uint8_t)(0xa5 ^ i);
	for (s = 0; s < NSUITES; s++) {
		suite_ctx(s, &ctx, NULL);
		wbuf_init(&w, mem, sizeof(mem));
		sk_off = build(&w, 4, 0, IKE_SK_HDR_LEN, NULL, 0);
		lay.hdr_off = 4;
		lay.sk_off = sk_off;
		lay.iv_off = w.len;
		lay.iv_len = ctx.encr->iv_len;
		wbuf_put_zero(&w, lay.iv_len);
		lay.plain_off = w.len;
		wbuf_put_bytes(&w, plain, sizeof(plain));
		lay.plain_len = sizeof(plain);
		assert_int_equal(ike_sk_seal_layout(&ctx, &w, &lay, &why), 0);
		/* The IKE header length excludes the marker. */
		assert_int_equal(rd32(mem + 4 + 24), w.len - 4);
		assert_int_equal(ike_sk_open(&ctx, mem + 4, w.len - 4,
		    sk_off - 4, &out, &out_len), 0);
		assert_int_equal(out_len, sizeof(plain));
		assert_memory_equal(out, plain, sizeof(plain));

		/* A layout whose IV size is not the cipher's: refused. */
		wbuf_init(&w, mem, sizeof(mem));
		sk_off = build(&w, 4, 0, IKE_SK_HDR_LEN, plain, 10);
		lay.sk_off = sk_off;
		lay.iv_off = sk_off + 4;
		lay.iv_len = ctx.encr->iv_len + 1;
		lay.plain_off = lay.iv_off + lay.iv_len;
		lay.plain_len = w.len - lay.plain_off;
		assert_int_equal(ike_sk_seal_layout(&ctx, &w, &lay, &why), -1);
		assert_int_equal(why, IKE_SK_ERR_ARG);
		assert_false(wbuf_ok(&w));
		ike_sk_ctx_wipe(&ctx);
	}
	printf("seal_layout (IV reserved by the builder, 4-octet non-ESP "
	    "marker first): %zu suites round trip; bad layout refused\n",
	    NSUITES);
}

/* Flip one bit in every octet of a sealed message: each must fail, and a
 * failed open leaves neither plaintext pointer nor decrypted bytes. */
static void
test_tamper(void **state)
{
	uint8_t orig[512], msg[512], plain[40];
	const uint8_t *out;
	size_t s, sk_off, len, i, out_len, ct_off, ct_len;
	struct ike_sk_ctx ctx;
	struct wbuf w;
	enum ike_sk_err why;
	const char *name;
	unsigned int hist[IKE_SK_ERR_CRYPTO + 1];

	memset(plain, 0x5c, sizeof(plain));
	for (s = 0; s < NSUITES; s++) {
		suite_ctx(s, &ctx, &name);
		memset(hist, 0, sizeof(hist));
		wbuf_init(&w, orig, sizeof(orig));
		sk_off = build(&w, 0, 16, IKE_SK_HDR_LEN, plain, sizeof(plain));
		assert_int_equal(ike_sk_seal(&ctx, &w, sk_off), 0);
		len = w.len;
		ct_off = sk_off + 4 + ctx.encr->iv_len;
		ct_len = len - ct_off - icv_of(&ctx);
		for (i = 0; i < len; i++) {
			memcpy(msg, orig, len);
			msg[i] ^= (uint8_t)(1u << (i % 8));
			out = (const uint8_t *)1;
			out_len = 1;
			assert_int_equal(ike_sk_open_hdr(&ctx, msg, len, sk_off,
			    IKE_SK_HDR_LEN, &out, &out_len, &why), -1);
			assert_null(out);
			assert_int_equal(out_len, 0);
			assert_true(why == IKE_SK_ERR_ICV ||
			    why == IKE_SK_ERR_LENGTH);
			hist[why]++;
			/* No decrypted octet is left behind: the region is
			 * either the ciphertext as received or wiped. */
			if (memcmp(msg + ct_off, orig + ct_off, ct_len) != 0 &&
			    i < ct_off) {
				size_t k;

				for (k = 0; k < ct_len; k++)
					assert_int_equal(msg[ct_off + k], 0);
			}
		}
		/* And the untouched message still opens. */
		memcpy(msg, orig, len);
		assert_int_equal(ike_sk_open(&ctx, msg, len, sk_off, &out,
		    &out_len), 0);
		ike_sk_ctx_wipe(&ctx);
		printf("%s: %zu single-bit flips (header, clear payload, SK "
		    "header, IV, ciphertext, ICV) all refused: %u ICV, %u "
		    "length\n", name, len, hist[IKE_SK_ERR_ICV],
		    hist[IKE_SK_ERR_LENGTH]);
	}
}

/* Every truncation: as received (length fields now lie) and with the
 * length fields made consistent (too short, misaligned, or bad ICV). */
static void
test_truncate(void **state)
{
	uint8_t orig[512], msg[512], plain[35];
	const uint8_t *out;
	size_t s, sk_off, len, n, out_len;
	struct ike_sk_ctx ctx;
	struct wbuf w;
	enum ike_sk_err why;
	const char *name;
	unsigned int hist[IKE_SK_ERR_CRYPTO + 1];

	memset(plain, 0x77, sizeof(plain));
	for (s = 0; s < NSUITES; s++) {
		suite_ctx(s, &ctx, &name);
		memset(hist, 0, sizeof(hist));
		wbuf_init(&w, orig, sizeof(orig));
		sk_off = build(&w, 0, 0, IKE_SK_HDR_LEN, plain, sizeof(plain));
		assert_int_equal(ike_sk_seal(&ctx, &w, sk_off), 0);
		len = w.len;
		for (n = 0; n < len; n++) {
			memcpy(msg, orig, len);
			assert_int_equal(ike_sk_open_hdr(&ctx, msg, n, sk_off,
			    IKE_SK_HDR_LEN, &out, &out_len, &why), -1);
			assert_int_equal(why, IKE_SK_ERR_LENGTH);
			if (n < sk_off + IKE_SK_HDR_LEN)
				continue;
			/* Consistent lengths. */
			msg[24] = (uint8_t)(n >> 24);
			msg[25] = (uint8_t)(n >> 16);
			msg[26] = (uint8_t)(n >> 8);
			msg[27] = (uint8_t)n;
			msg[sk_off + 2] = (uint8_t)((n - sk_off) >> 8);
			msg[sk_off + 3] = (uint8_t)(n - sk_off);
			assert_int_equal(ike_sk_open_hdr(&ctx, msg, n, sk_off,
			    IKE_SK_HDR_LEN, &out, &out_len, &why), -1);
			assert_null(out);
			hist[why]++;
			if (n - sk_off - IKE_SK_HDR_LEN <
			    ctx.encr->iv_len + 1u + icv_of(&ctx))
				assert_int_equal(why, IKE_SK_ERR_SHORT);
			else
				assert_true(why == IKE_SK_ERR_ALIGN ||
				    why == IKE_SK_ERR_ICV);
		}
		ike_sk_ctx_wipe(&ctx);
		printf("%s: %zu truncations refused as received (length) and "
		    "with patched lengths: %u short, %u misaligned, %u ICV\n",
		    name, len, hist[IKE_SK_ERR_SHORT], hist[IKE_SK_ERR_ALIGN],
		    hist[IKE_SK_ERR_ICV]);
	}
}

/* A correctly authenticated payload whose Pad Length exceeds the data. */
static void
test_bad_padding(void **state)
{
	uint8_t msg[256];
	const uint8_t *out;
	size_t s, sk_off, len, ct_len, out_len, pl;
	struct ike_sk_ctx ctx;
	struct ike_iov mac;
	enum ike_sk_err why;
	const char *name;
	struct wbuf w;
	int variant;

	for (s = 0; s < NSUITES; s++) {
		suite_ctx(s, &ctx, &name);
		for (variant = 0; variant < 3; variant++) {
			/* 32 octets: pad length 32 (one too many), 255, and
			 * 31 (all padding, valid, empty payload). */
			static const uint8_t padlen[3] = { 32, 255, 31 };

			ct_len = 32;
			wbuf_init(&w, msg, sizeof(msg));
			sk_off = build(&w, 0, 0, IKE_SK_HDR_LEN, NULL, 0);
			wbuf_put_zero(&w, ctx.encr->iv_len);
			wbuf_put_zero(&w, ct_len - 1);
			wbuf_put_u8(&w, padlen[variant]);
			wbuf_put_zero(&w, icv_of(&ctx));
			assert_true(wbuf_ok(&w));
			len = w.len;
			wbuf_patch_u32(&w, 24, (uint32_t)len);
			wbuf_patch_u16(&w, sk_off + 2,
			    (uint16_t)(len - sk_off));
			memset(msg + sk_off + 4, 0x99, ctx.encr->iv_len);
			if (ctx.integ == NULL) {
				assert_int_equal(ike_sk_crypt(&ctx, 1,
				    msg + sk_off + 4, msg, sk_off + 4,
				    msg + sk_off + 4 + ctx.encr->iv_len, ct_len,
				    msg + len - 16), IKE_SK_OK);
			} else {
				assert_int_equal(ike_sk_crypt(&ctx, 1,
				    msg + sk_off + 4, NULL, 0,
				    msg + sk_off + 4 + 16, ct_len, NULL),
				    IKE_SK_OK);
				mac.ptr = msg;
				mac.len = len - ctx.integ->icv_len;
				assert_int_equal(ike_integ_compute(ctx.integ,
				    ctx.integ_key, &mac, 1,
				    msg + len - ctx.integ->icv_len), 0);
			}
			pl = padlen[variant];
			if (pl + 1 > ct_len) {
				assert_int_equal(ike_sk_open_hdr(&ctx, msg, len,
				    sk_off, IKE_SK_HDR_LEN, &out, &out_len,
				    &why), -1);
				assert_int_equal(why, IKE_SK_ERR_PAD);
				assert_null(out);
			} else {
				assert_int_equal(ike_sk_open(&ctx, msg, len,
				    sk_off, &out, &out_len), 0);
				assert_int_equal(out_len, 0);
			}
		}
		ike_sk_ctx_wipe(&ctx);
		printf("%s: authenticated Pad Length 32 and 255 over 32 octets "
		    "refused (pad), 31 (empty payload) accepted\n", name);
	}
}

static void
test_space(void **state)
{
	uint8_t mem[200], plain[100];
	size_t s, sk_off, need, cap;
	struct ike_sk_ctx ctx;
	struct wbuf w;
	enum ike_sk_err why;

	memset(plain, 0x42, sizeof(plain));
	for (s = 0; s < NSUITES; s++) {
		suite_ctx(s, &ctx, NULL);
		/* Exactly enough room, then one octet less. */
		wbuf_init(&w, mem, sizeof(mem));
		sk_off = build(&w, 0, 0, IKE_SK_HDR_LEN, plain, 50);
		assert_int_equal(ike_sk_seal(&ctx, &w, sk_off), 0);
		need = w.len;
		assert_true(need <= sk_off + 4 + 50 + ike_sk_overhead(&ctx));
		for (cap = need - 1; cap >= need - 2; cap--) {
			memset(mem, 0, sizeof(mem));
			wbuf_init(&w, mem, cap);
			sk_off = build(&w, 0, 0, IKE_SK_HDR_LEN, plain, 50);
			assert_int_equal(ike_sk_seal_hdr(&ctx, &w, sk_off,
			    IKE_SK_HDR_LEN, &why), -1);
			assert_int_equal(why, IKE_SK_ERR_SPACE);
			assert_false(wbuf_ok(&w));
			/* The plaintext is gone from the buffer. */
			assert_null(memmem(mem, sizeof(mem), plain, 8));
		}
		ike_sk_ctx_wipe(&ctx);
	}
	printf("seal into a buffer 1 and 2 octets short: refused (space), "
	    "w->err set, plaintext wiped, for %zu suites\n", NSUITES);
}

static void
test_bad_args(void **state)
{
	uint8_t mem[256], key[64];
	const uint8_t *out;
	size_t out_len, sk_off;
	struct ike_sk_ctx ctx;
	struct wbuf w;
	enum ike_sk_err why;
	const struct ike_encr_alg *cbc = ike_encr_lookup(ENCR_AES_CBC, 128);
	const struct ike_encr_alg *gcm = ike_encr_lookup(ENCR_AES_GCM_16, 128);
	const struct ike_integ_alg *sha = ike_integ_lookup(
	    AUTH_HMAC_SHA2_256_128);

	memset(key, 1, sizeof(key));
	/* Context: CBC needs integ, GCM refuses it, lengths must match. */
	assert_int_equal(ike_sk_ctx_init(&ctx, cbc, NULL, key, 16, NULL, 0),
	    -1);
	assert_int_equal(ike_sk_ctx_init(&ctx, gcm, sha, key, 20, key, 32), -1);
	assert_int_equal(ike_sk_ctx_init(&ctx, gcm, NULL, key, 16, NULL, 0),
	    -1);
	assert_int_equal(ike_sk_ctx_init(&ctx, cbc, sha, key, 16, key, 31), -1);
	assert_int_equal(ike_sk_ctx_init(&ctx, NULL, NULL, key, 16, NULL, 0),
	    -1);
	assert_int_equal(ike_sk_ctx_init(&ctx, cbc, sha, key, 16, key, 32), 0);

	/* sk_off inside the IKE header, beyond the data; odd header size. */
	wbuf_init(&w, mem, sizeof(mem));
	sk_off = build(&w, 0, 0, IKE_SK_HDR_LEN, key, 10);
	assert_int_equal(ike_sk_seal_hdr(&ctx, &w, 20, IKE_SK_HDR_LEN, &why),
	    -1);
	assert_int_equal(why, IKE_SK_ERR_ARG);
	wbuf_init(&w, mem, sizeof(mem));
	sk_off = build(&w, 0, 0, IKE_SK_HDR_LEN, key, 10);
	assert_int_equal(ike_sk_seal_hdr(&ctx, &w, w.len, IKE_SK_HDR_LEN,
	    &why), -1);
	wbuf_init(&w, mem, sizeof(mem));
	sk_off = build(&w, 0, 0, IKE_SK_HDR_LEN, key, 10);
	assert_int_equal(ike_sk_seal_hdr(&ctx, &w, w.len + 10, IKE_SK_HDR_LEN,
	    &why), -1);
	assert_int_equal(why, IKE_SK_ERR_ARG);
	wbuf_init(&w, mem, sizeof(mem));
	sk_off = build(&w, 0, 0, IKE_SK_HDR_LEN, key, 10);
	assert_int_equal(ike_sk_seal_hdr(&ctx, &w, sk_off, 5, &why), -1);
	assert_int_equal(why, IKE_SK_ERR_ARG);
	/* A wbuf already in error is not sealed. */
	wbuf_init(&w, mem, sizeof(mem));
	sk_off = build(&w, 0, 0, IKE_SK_HDR_LEN, key, 10);
	w.err = true;
	assert_int_equal(ike_sk_seal(&ctx, &w, sk_off), -1);
	assert_int_equal(ike_sk_seal(NULL, &w, sk_off), -1);

	/* Open: NULL message, no out pointers, sk_off out of range. */
	assert_int_equal(ike_sk_open(&ctx, NULL, 100, 28, &out, &out_len), -1);
	assert_int_equal(ike_sk_open(&ctx, mem, 100, 28, NULL, &out_len), -1);
	assert_int_equal(ike_sk_open_hdr(&ctx, mem, 100, 200, IKE_SK_HDR_LEN,
	    &out, &out_len, &why), -1);
	assert_int_equal(ike_sk_open_hdr(&ctx, mem, 100, 10, IKE_SK_HDR_LEN,
	    &out, &out_len, &why), -1);
	assert_int_equal(ike_sk_open_hdr(&ctx, mem, 0, 28, IKE_SK_HDR_LEN,
	    &out, &out_len, &why), -1);
	/* CBC crypt of a partial block: refused, not a crash. */
	assert_int_equal(ike_sk_crypt(&ctx, 1, key, NULL, 0, mem, 15, NULL),
	    IKE_SK_ERR_ARG);
	ike_sk_ctx_wipe(&ctx);
	assert_string_equal(ike_sk_strerror(IKE_SK_ERR_ICV),
	    "integrity check failed");
	assert_string_equal(ike_sk_strerror((enum ike_sk_err)99), "unknown");
	printf("bad contexts, offsets, header sizes, NULL pointers, partial "
	    "CBC blocks refused cleanly\n");
}

/* Two seals of the same message never share an IV or ciphertext. */
static void
test_fresh_iv(void **state)
{
	uint8_t a[256], b[256], plain[20];
	size_t s, sk_off, ivl;
	struct ike_sk_ctx ctx;
	struct wbuf wa, wb;

	memset(plain, 0, sizeof(plain));
	for (s = 0; s < NSUITES; s++) {
		suite_ctx(s, &ctx, NULL);
		ivl = ctx.encr->iv_len;
		wbuf_init(&wa, a, sizeof(a));
		sk_off = build(&wa, 0, 0, IKE_SK_HDR_LEN, plain, sizeof(plain));
		wbuf_init(&wb, b, sizeof(b));
		build(&wb, 0, 0, IKE_SK_HDR_LEN, plain, sizeof(plain));
		assert_int_equal(ike_sk_seal(&ctx, &wa, sk_off), 0);
		assert_int_equal(ike_sk_seal(&ctx, &wb, sk_off), 0);
		assert_int_equal(wa.len, wb.len);
		assert_memory_not_equal(a + sk_off + 4, b + sk_off + 4, ivl);
		assert_memory_not_equal(a + sk_off + 4 + ivl,
		    b + sk_off + 4 + ivl, 16);
		ike_sk_ctx_wipe(&ctx);
	}
	printf("two seals of one message: different IVs and ciphertexts for "
	    "%zu suites\n", NSUITES);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gcm_vectors),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_truncate),
		cmocka_unit_test(test_bad_padding),
		cmocka_unit_test(test_space),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_fresh_iv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
