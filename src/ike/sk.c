/* SK and SKF payload protection in place: RFC 7296 3.14 (AES-CBC with
 * HMAC-SHA2, encrypt-then-MAC), RFC 5282 (AES-GCM), RFC 7383 2.5 (SKF). */
#include <limits.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "ike/ikev2.h"
#include "ike/message.h"
#include "ike/sk.h"

#define HDR_LENGTH_OFF		24	/* RFC 7296 3.1: Length (u32) */
#define PL_LENGTH_OFF		2	/* RFC 7296 3.2: Payload Length */
#define GCM_NONCE_LEN		12	/* RFC 5282: salt (4) | IV (8) */

static const char *const sk_errstr[] = {
	[IKE_SK_OK]		= "ok",
	[IKE_SK_ERR_ARG]	= "bad arguments",
	[IKE_SK_ERR_LENGTH]	= "length field disagrees with the message",
	[IKE_SK_ERR_SHORT]	= "too short for IV, pad length and ICV",
	[IKE_SK_ERR_ALIGN]	= "ciphertext not whole cipher blocks",
	[IKE_SK_ERR_ICV]	= "integrity check failed",
	[IKE_SK_ERR_PAD]	= "pad length exceeds the decrypted data",
	[IKE_SK_ERR_SPACE]	= "no room for IV, padding and ICV",
	[IKE_SK_ERR_CRYPTO]	= "cipher failure",
};

const char *
ike_sk_strerror(enum ike_sk_err e)
{
	if ((size_t)e >= sizeof(sk_errstr) / sizeof(sk_errstr[0]) ||
	    sk_errstr[e] == NULL)
		return "unknown";
	return sk_errstr[e];
}

int
ike_sk_ctx_init(struct ike_sk_ctx *ctx, const struct ike_encr_alg *encr,
    const struct ike_integ_alg *integ, const uint8_t *encr_key,
    size_t encr_len, const uint8_t *integ_key, size_t integ_len)
{
	memset(ctx, 0, sizeof(*ctx));
	if (encr == NULL || encr_key == NULL || encr_len != encr->key_len ||
	    encr_len > sizeof(ctx->encr_key))
		return -1;
	if (ike_encr_is_aead(encr)) {
		if (integ != NULL || integ_len != 0)
			return -1;
	} else {
		if (integ == NULL || integ_key == NULL ||
		    integ_len != integ->key_len ||
		    integ_len > sizeof(ctx->integ_key))
			return -1;
		memcpy(ctx->integ_key, integ_key, integ_len);
	}
	memcpy(ctx->encr_key, encr_key, encr_len);
	ctx->encr = encr;
	ctx->integ = integ;
	return 0;
}

void
ike_sk_ctx_wipe(struct ike_sk_ctx *ctx)
{
	OPENSSL_cleanse(ctx, sizeof(*ctx));
}

static bool
ctx_ok(const struct ike_sk_ctx *ctx)
{
	const struct ike_encr_alg *e;

	if (ctx == NULL || (e = ctx->encr) == NULL)
		return false;
	if (ike_encr_is_aead(e) != (ctx->integ == NULL))
		return false;
	return e->block_len > 0 && e->iv_len <= IKE_IV_MAX &&
	    e->key_len > e->salt_len && (ike_encr_is_aead(e) ?
	    e->iv_len + e->salt_len == GCM_NONCE_LEN : e->salt_len == 0);
}

static size_t
icv_len(const struct ike_sk_ctx *ctx)
{
	return ike_encr_is_aead(ctx->encr) ? ctx->encr->icv_len :
	    ctx->integ->icv_len;
}

size_t
ike_sk_overhead(const struct ike_sk_ctx *ctx)
{
	if (!ctx_ok(ctx))
		return 0;
	return ctx->encr->iv_len + (ctx->encr->block_len - 1) + 1 +
	    icv_len(ctx);
}

/*
 * One pass of the cipher over buf[0..len) in place. AEAD: aad is
 * authenticated, tag written (enc) or checked (dec, returns
 * IKE_SK_ERR_ICV on mismatch). CBC: no padding of OpenSSL's own, the
 * caller's data is whole blocks.
 */
enum ike_sk_err
ike_sk_crypt(const struct ike_sk_ctx *ctx, int enc, const uint8_t *iv,
    const uint8_t *aad, size_t aad_len, uint8_t *buf, size_t len,
    uint8_t *tag)
{
	const struct ike_encr_alg *e;
	bool aead;
	size_t key_len;
	EVP_CIPHER *cipher = NULL;
	EVP_CIPHER_CTX *cctx = NULL;
	OSSL_PARAM params[2];
	uint8_t nonce[GCM_NONCE_LEN];
	const uint8_t *ivp = iv;
	int outl = 0, finl = 0;
	enum ike_sk_err err = IKE_SK_ERR_ARG;

	if (!ctx_ok(ctx))
		goto done;
	e = ctx->encr;
	aead = ike_encr_is_aead(e);
	key_len = e->key_len - e->salt_len;
	if (iv == NULL || (len > 0 && buf == NULL) ||
	    (aead && (tag == NULL || (aad_len > 0 && aad == NULL))) ||
	    (!aead && len % e->block_len != 0))
		goto done;
	err = IKE_SK_ERR_CRYPTO;
	if (len > INT_MAX || aad_len > INT_MAX)
		goto done;
	if ((cipher = EVP_CIPHER_fetch(NULL, e->cipher, NULL)) == NULL)
		goto done;
	if ((size_t)EVP_CIPHER_get_key_length(cipher) != key_len)
		goto done;
	if ((cctx = EVP_CIPHER_CTX_new()) == NULL)
		goto done;
	if (aead) {
		/* RFC 5282: nonce = salt (last 4 octets of the key
		 * material) | the 8-octet IV carried in the payload. The
		 * default GCM nonce length is 12. */
		memcpy(nonce, ctx->encr_key + key_len, e->salt_len);
		memcpy(nonce + e->salt_len, iv, e->iv_len);
		ivp = nonce;
	}
	if (!EVP_CipherInit_ex2(cctx, cipher, ctx->encr_key, ivp, enc, NULL))
		goto done;
	if (!aead && !EVP_CIPHER_CTX_set_padding(cctx, 0))
		goto done;
	if (aead && aad_len > 0 &&
	    !EVP_CipherUpdate(cctx, NULL, &outl, aad, (int)aad_len))
		goto done;
	if (len > 0 && (!EVP_CipherUpdate(cctx, buf, &outl, buf, (int)len) ||
	    (size_t)outl != len))
		goto done;
	if (aead && !enc) {
		params[0] = OSSL_PARAM_construct_octet_string(
		    OSSL_CIPHER_PARAM_AEAD_TAG, tag, e->icv_len);
		params[1] = OSSL_PARAM_construct_end();
		if (!EVP_CIPHER_CTX_set_params(cctx, params))
			goto done;
	}
	if (!EVP_CipherFinal_ex(cctx, buf + len, &finl)) {
		/* GCM decryption: the tag did not match. */
		err = aead && !enc ? IKE_SK_ERR_ICV : IKE_SK_ERR_CRYPTO;
		goto done;
	}
	if (finl != 0)
		goto done;
	if (aead && enc) {
		params[0] = OSSL_PARAM_construct_octet_string(
		    OSSL_CIPHER_PARAM_AEAD_TAG, tag, e->icv_len);
		params[1] = OSSL_PARAM_construct_end();
		if (!EVP_CIPHER_CTX_get_params(cctx, params))
			goto done;
	}
	err = IKE_SK_OK;
done:
	OPENSSL_cleanse(nonce, sizeof(nonce));
	EVP_CIPHER_CTX_free(cctx);	/* clears the key schedule */
	EVP_CIPHER_free(cipher);
	return err;
}

/* A fresh IV, the padded plaintext at pt_off encrypted in place (ct_len
 * octets) and the ICV after it: by the AEAD cipher over the AAD from the
 * IKE header, or by the integrity algorithm over all before the ICV. */
static enum ike_sk_err
sk_encrypt(const struct ike_sk_ctx *ctx, uint8_t *base, size_t hdr_off,
    size_t iv_off, size_t pt_off, size_t ct_len)
{
	const struct ike_encr_alg *e = ctx->encr;
	enum ike_sk_err err;
	struct ike_iov mac;

	/* CBC: an unpredictable IV (RFC 7296 3.14). GCM: the IV must not
	 * repeat under one key (RFC 5282); 64 random bits, far from the
	 * birthday bound at IKE message rates. */
	if (RAND_bytes(base + iv_off, (int)e->iv_len) != 1)
		return IKE_SK_ERR_CRYPTO;
	if (ike_encr_is_aead(e))
		/* RFC 5282: AAD = IKE header .. SK (or SKF) header. */
		return ike_sk_crypt(ctx, 1, base + iv_off, base + hdr_off,
		    iv_off - hdr_off, base + pt_off, ct_len,
		    base + pt_off + ct_len);
	err = ike_sk_crypt(ctx, 1, base + iv_off, NULL, 0, base + pt_off,
	    ct_len, NULL);
	if (err != IKE_SK_OK)
		return err;
	/* RFC 7296 3.14: the checksum covers the IKE header through the Pad
	 * Length, i.e. through the ciphertext. */
	mac.ptr = base + hdr_off;
	mac.len = pt_off + ct_len - hdr_off;
	if (ike_integ_compute(ctx->integ, ctx->integ_key, &mac, 1,
	    base + pt_off + ct_len) == -1)
		return IKE_SK_ERR_CRYPTO;
	return IKE_SK_OK;
}

/*
 * The core of both seal entry points. hdr_off: the IKE header; sk_off: the
 * SK/SKF generic header, hdr_len long; iv_reserved: the builder already
 * left iv_len octets for the IV after it.
 */
static int
sk_seal(const struct ike_sk_ctx *ctx, struct wbuf *w, size_t hdr_off,
    size_t sk_off, size_t hdr_len, bool iv_reserved, enum ike_sk_err *why)
{
	const struct ike_encr_alg *e;
	uint8_t *base;
	size_t iv_off, pt_off, pt_len, pad_len, ct_len, icv, extra, total;
	size_t old_len = 0;
	bool touched = false;
	enum ike_sk_err err = IKE_SK_ERR_ARG;

	if (w == NULL || w->err || w->base == NULL || !ctx_ok(ctx))
		goto done;
	e = ctx->encr;
	icv = icv_len(ctx);
	old_len = w->len;
	if (hdr_len != IKE_SK_HDR_LEN && hdr_len != IKE_SK_SKF_HDR_LEN)
		goto done;
	if (sk_off > w->len || sk_off < hdr_off ||
	    sk_off - hdr_off < IKE_HDR_LEN || hdr_len > w->len - sk_off)
		goto done;
	iv_off = sk_off + hdr_len;
	if (iv_reserved && w->len - iv_off < e->iv_len)
		goto done;
	pt_off = iv_off + (iv_reserved ? e->iv_len : 0);
	pt_len = w->len - pt_off;

	/* RFC 7296 3.14: Padding (any value; zeros here) so that payloads,
	 * padding and the Pad Length octet fill whole cipher blocks. */
	pad_len = (e->block_len - (pt_len + 1) % e->block_len) %
	    e->block_len;
	ct_len = pt_len + pad_len + 1;
	extra = (iv_reserved ? 0 : e->iv_len) + pad_len + 1 + icv;
	total = w->len + extra;
	err = IKE_SK_ERR_SPACE;
	if (extra > w->cap - w->len || total - sk_off > 0xffff ||
	    total - hdr_off > IKE_MSG_MAX)
		goto done;
	(void)wbuf_reserve(w, extra);	/* zeroed */
	if (!wbuf_ok(w))
		goto done;
	touched = true;
	base = w->base;
	if (!iv_reserved) {
		/* Make room for the IV between SK header and plaintext. */
		memmove(base + iv_off + e->iv_len, base + iv_off, pt_len);
		pt_off = iv_off + e->iv_len;
	}
	memset(base + pt_off + pt_len, 0, pad_len);
	base[pt_off + pt_len + pad_len] = (uint8_t)pad_len;

	/* The lengths are part of the AAD and of the MACed octets: final
	 * before any of that is computed. */
	wbuf_patch_u16(w, sk_off + PL_LENGTH_OFF, (uint16_t)(total - sk_off));
	wbuf_patch_u32(w, hdr_off + HDR_LENGTH_OFF,
	    (uint32_t)(total - hdr_off));
	if (!wbuf_ok(w))
		goto done;

	err = sk_encrypt(ctx, base, hdr_off, iv_off, pt_off, ct_len);
done:
	if (err != IKE_SK_OK && w != NULL) {
		/* Leave no plaintext behind in a buffer nobody will send. */
		if (touched)
			OPENSSL_cleanse(w->base + sk_off, w->len - sk_off);
		else if (w->base != NULL && old_len > sk_off &&
		    old_len <= w->len)
			OPENSSL_cleanse(w->base + sk_off, old_len - sk_off);
		w->err = true;
	}
	if (why != NULL)
		*why = err;
	return err == IKE_SK_OK ? 0 : -1;
}

int
ike_sk_seal(const struct ike_sk_ctx *ctx, struct wbuf *w, size_t sk_off)
{
	return sk_seal(ctx, w, 0, sk_off, IKE_SK_HDR_LEN, false, NULL);
}

int
ike_sk_seal_hdr(const struct ike_sk_ctx *ctx, struct wbuf *w, size_t sk_off,
    size_t hdr_len, enum ike_sk_err *why)
{
	return sk_seal(ctx, w, 0, sk_off, hdr_len, false, why);
}

int
ike_sk_seal_layout(const struct ike_sk_ctx *ctx, struct wbuf *w,
    const struct ike_sk_layout *lay, enum ike_sk_err *why)
{
	if (lay == NULL || w == NULL || !ctx_ok(ctx) ||
	    lay->iv_off < lay->sk_off || lay->iv_len != ctx->encr->iv_len ||
	    lay->plain_off != lay->iv_off + lay->iv_len ||
	    lay->plain_off > w->len ||
	    lay->plain_len != w->len - lay->plain_off) {
		if (w != NULL)
			w->err = true;
		if (why != NULL)
			*why = IKE_SK_ERR_ARG;
		return -1;
	}
	return sk_seal(ctx, w, lay->hdr_off, lay->sk_off,
	    lay->iv_off - lay->sk_off, true, why);
}

static uint32_t
get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

int
ike_sk_open_hdr(const struct ike_sk_ctx *ctx, uint8_t *msg, size_t msg_len,
    size_t sk_off, size_t hdr_len, const uint8_t **plain, size_t *plain_len,
    enum ike_sk_err *why)
{
	const struct ike_encr_alg *e;
	uint8_t icv_calc[IKE_ICV_MAX];
	uint8_t *iv, *ct = NULL, *icvp;
	size_t body_len, ct_len = 0, icv, pad_len;
	bool decrypted = false;
	enum ike_sk_err err = IKE_SK_ERR_ARG;
	struct ike_iov mac;

	if (plain != NULL)
		*plain = NULL;
	if (plain_len != NULL)
		*plain_len = 0;
	if (msg == NULL || plain == NULL || plain_len == NULL ||
	    !ctx_ok(ctx) || (hdr_len != IKE_SK_HDR_LEN &&
	    hdr_len != IKE_SK_SKF_HDR_LEN))
		goto done;
	e = ctx->encr;
	icv = icv_len(ctx);

	err = IKE_SK_ERR_LENGTH;
	if (msg_len < IKE_HDR_LEN || sk_off < IKE_HDR_LEN || sk_off > msg_len ||
	    hdr_len > msg_len - sk_off)
		goto done;
	/* The SK payload is the last one (RFC 7296 3.14): both length
	 * fields must end where the message ends. */
	if (get_u32(msg + HDR_LENGTH_OFF) != msg_len ||
	    ((size_t)msg[sk_off + PL_LENGTH_OFF] << 8 |
	    msg[sk_off + PL_LENGTH_OFF + 1]) != msg_len - sk_off)
		goto done;

	body_len = msg_len - sk_off - hdr_len;
	err = IKE_SK_ERR_SHORT;
	if (body_len < (size_t)e->iv_len + 1 + icv)
		goto done;
	ct_len = body_len - e->iv_len - icv;
	iv = msg + sk_off + hdr_len;
	ct = iv + e->iv_len;
	icvp = ct + ct_len;

	if (ike_encr_is_aead(e)) {
		/* Decrypts in place before the tag is known good: on any
		 * failure below the plaintext is wiped again. */
		decrypted = true;
		err = ike_sk_crypt(ctx, 0, iv, msg, sk_off + hdr_len, ct,
		    ct_len, icvp);
		if (err != IKE_SK_OK)
			goto done;
	} else {
		err = IKE_SK_ERR_ALIGN;
		if (ct_len % e->block_len != 0)
			goto done;
		/* Encrypt-then-MAC: check before decrypting anything. */
		mac.ptr = msg;
		mac.len = msg_len - icv;
		err = IKE_SK_ERR_CRYPTO;
		if (ike_integ_compute(ctx->integ, ctx->integ_key, &mac, 1,
		    icv_calc) == -1)
			goto done;
		err = IKE_SK_ERR_ICV;
		if (CRYPTO_memcmp(icv_calc, icvp, icv) != 0)
			goto done;
		decrypted = true;
		err = ike_sk_crypt(ctx, 0, iv, NULL, 0, ct, ct_len, NULL);
		if (err != IKE_SK_OK)
			goto done;
	}
	/* RFC 7296 3.14: Pad Length is the last decrypted octet; padding
	 * content is not checked (any value is allowed). */
	pad_len = ct[ct_len - 1];
	err = IKE_SK_ERR_PAD;
	if (pad_len + 1 > ct_len)
		goto done;
	*plain = ct;
	*plain_len = ct_len - pad_len - 1;
	err = IKE_SK_OK;
done:
	OPENSSL_cleanse(icv_calc, sizeof(icv_calc));
	if (err != IKE_SK_OK && decrypted)
		OPENSSL_cleanse(ct, ct_len);
	if (why != NULL)
		*why = err;
	return err == IKE_SK_OK ? 0 : -1;
}

int
ike_sk_open(const struct ike_sk_ctx *ctx, uint8_t *msg, size_t msg_len,
    size_t sk_off, const uint8_t **plain, size_t *plain_len)
{
	return ike_sk_open_hdr(ctx, msg, msg_len, sk_off, IKE_SK_HDR_LEN,
	    plain, plain_len, NULL);
}
