/* IKEv2 key derivation (RFC 7296 2.13-2.18) and shared-key AUTH (2.15). */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike/ikev2.h"
#include "ike/keys.h"
#include "ike/sk.h"

#define PRF_PLUS_SEED_MAX	8	/* iov pieces of a prf+ seed */
#define IKE_SPI_OCTETS		8

/* RFC 7296 2.15: the 17 ASCII characters, no terminating NUL. */
static const char key_pad[] = "Key Pad for IKEv2";
#define KEY_PAD_LEN		(sizeof(key_pad) - 1)

/* The next n octets of KEYMAT into dst: keys are taken in order, "without
 * regard to boundaries" (RFC 7296 2.14, 2.17). */
static void
take(uint8_t *dst, const uint8_t *keymat, size_t *off, size_t n)
{
	memcpy(dst, keymat + *off, n);
	*off += n;
}

bool
ike_keys_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

int
ike_prf_plus(const struct ike_prf_alg *prf, const uint8_t *key,
    size_t key_len, const struct ike_iov *seed, size_t nseed, uint8_t *out,
    size_t out_len)
{
	struct ike_iov iov[2 + PRF_PLUS_SEED_MAX];
	uint8_t t[IKE_PRF_OUT_MAX];
	uint8_t counter = 1;
	size_t done = 0, take, n, i;
	int rv = -1;

	/* RFC 7296 2.13: the counter is one octet, so at most 255 blocks. */
	if (out_len == 0 || out_len > 255 * (size_t)prf->out_len ||
	    nseed > PRF_PLUS_SEED_MAX || prf->out_len > sizeof(t))
		goto done;
	while (done < out_len) {
		n = 0;
		if (counter > 1) {		/* T(n-1), absent for T1 */
			iov[n].ptr = t;
			iov[n++].len = prf->out_len;
		}
		for (i = 0; i < nseed; i++)
			iov[n++] = seed[i];
		iov[n].ptr = &counter;
		iov[n++].len = 1;
		if (ike_prf_compute(prf, key, key_len, iov, n, t) == -1)
			goto done;
		take = out_len - done < prf->out_len ? out_len - done :
		    prf->out_len;
		memcpy(out + done, t, take);
		done += take;
		counter++;
	}
	rv = 0;
done:
	OPENSSL_cleanse(t, sizeof(t));
	if (rv == -1)
		OPENSSL_cleanse(out, out_len);
	return rv;
}

int
ike_keys_skeyseed(const struct ike_prf_alg *prf, const struct ike_key_seed *ks,
    uint8_t *out)
{
	uint8_t key[2 * IKE_NONCE_MAX];
	const struct ike_iov data = ks->gir;
	size_t ni_len = ks->ni.len, nr_len = ks->nr.len;
	int rv = -1;

	/* RFC 7296 2.14: for HMAC, Ni | Nr is the key as it is (only PRFs
	 * with a fixed key size take half of each nonce). */
	if (ni_len == 0 || nr_len == 0 || ni_len > IKE_NONCE_MAX ||
	    nr_len > IKE_NONCE_MAX || data.len == 0)
		goto done;
	memcpy(key, ks->ni.ptr, ni_len);
	memcpy(key + ni_len, ks->nr.ptr, nr_len);
	if (ike_prf_compute(prf, key, ni_len + nr_len, &data, 1, out) == -1)
		goto done;
	rv = 0;
done:
	OPENSSL_cleanse(key, sizeof(key));
	return rv;
}

int
ike_keys_skeyseed_rekey(const struct ike_key_parent *old,
    const struct ike_key_seed *ks, uint8_t *out)
{
	const struct ike_iov data[3] = { ks->gir, ks->ni, ks->nr };

	/* RFC 7296 2.18: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr),
	 * with the PRF of the old IKE SA the exchange belongs to. */
	if (ks->gir.len == 0 || ks->ni.len == 0 || ks->nr.len == 0)
		return -1;
	return ike_prf_compute(old->prf, old->sk_d, old->sk_d_len, data, 3,
	    out);
}

int
ike_keys_derive(const struct ike_algs *algs, const uint8_t *skeyseed,
    size_t skeyseed_len, const struct ike_key_seed *ks, struct ike_sa_keys *k)
{
	uint8_t keymat[3 * IKE_PRF_KEY_MAX + 2 * IKE_INTEG_KEY_MAX +
	    2 * IKE_ENCR_KEY_MAX];
	const struct ike_iov seed[4] = {
		ks->ni, ks->nr,
		{ ks->spi_i, IKE_SPI_OCTETS }, { ks->spi_r, IKE_SPI_OCTETS },
	};
	size_t prf_len, integ_len, encr_len, total, off = 0;
	int rv = -1;

	memset(k, 0, sizeof(*k));
	if (algs->prf == NULL || algs->encr == NULL ||
	    (algs->integ == NULL) != ike_encr_is_aead(algs->encr))
		goto done;
	prf_len = algs->prf->key_len;
	integ_len = algs->integ != NULL ? algs->integ->key_len : 0;
	encr_len = algs->encr->key_len;	/* with the GCM salt */
	if (prf_len > IKE_PRF_KEY_MAX || integ_len > IKE_INTEG_KEY_MAX ||
	    encr_len > IKE_ENCR_KEY_MAX)
		goto done;
	total = 3 * prf_len + 2 * integ_len + 2 * encr_len;

	/* RFC 7296 2.14: {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi |
	 * SK_pr} = prf+ (SKEYSEED, Ni | Nr | SPIi | SPIr); an AEAD cipher
	 * has no SK_a* (RFC 5282). */
	if (ike_prf_plus(algs->prf, skeyseed, skeyseed_len, seed, 4, keymat,
	    total) == -1)
		goto done;
	take(k->sk_d, keymat, &off, prf_len);
	take(k->sk_ai, keymat, &off, integ_len);
	take(k->sk_ar, keymat, &off, integ_len);
	take(k->sk_ei, keymat, &off, encr_len);
	take(k->sk_er, keymat, &off, encr_len);
	take(k->sk_pi, keymat, &off, prf_len);
	take(k->sk_pr, keymat, &off, prf_len);
	k->prf_len = prf_len;
	k->integ_len = integ_len;
	k->encr_len = encr_len;
	rv = 0;
done:
	OPENSSL_cleanse(keymat, sizeof(keymat));
	if (rv == -1)
		ike_keys_wipe(k);
	return rv;
}

int
ike_keys_ike_sa(const struct ike_algs *algs, const struct ike_key_parent *old,
    const struct ike_key_seed *ks, struct ike_sa_keys *k)
{
	uint8_t skeyseed[IKE_PRF_OUT_MAX];
	size_t skeyseed_len;
	int rv = -1;

	memset(k, 0, sizeof(*k));
	if (algs->prf == NULL)
		goto done;
	if (old == NULL) {
		skeyseed_len = algs->prf->out_len;
		if (ike_keys_skeyseed(algs->prf, ks, skeyseed) == -1)
			goto done;
	} else {
		/* RFC 7296 2.18: the old and new SA may use different PRFs;
		 * the rekey exchange belongs to the old SA, so its PRF makes
		 * SKEYSEED, and the new one's prf+ takes it as a key. */
		if (old->prf == NULL)
			goto done;
		skeyseed_len = old->prf->out_len;
		if (ike_keys_skeyseed_rekey(old, ks, skeyseed) == -1)
			goto done;
	}
	if (ike_keys_derive(algs, skeyseed, skeyseed_len, ks, k) == -1)
		goto done;
	rv = 0;
done:
	OPENSSL_cleanse(skeyseed, sizeof(skeyseed));
	return rv;
}

void
ike_keys_wipe(struct ike_sa_keys *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}

int
ike_keys_sk_ctx(const struct ike_sa_keys *k, const struct ike_algs *algs,
    enum ike_dir dir, struct ike_sk_ctx *ctx)
{
	/* RFC 7296 2.14: SK_ei/SK_ai protect what the initiator sends. */
	if (dir == IKE_DIR_I2R)
		return ike_sk_ctx_init(ctx, algs->encr, algs->integ, k->sk_ei,
		    k->encr_len, algs->integ != NULL ? k->sk_ai : NULL,
		    k->integ_len);
	return ike_sk_ctx_init(ctx, algs->encr, algs->integ, k->sk_er,
	    k->encr_len, algs->integ != NULL ? k->sk_ar : NULL, k->integ_len);
}

int
ike_keys_child_keymat(const struct ike_key_parent *sa,
    const struct ike_key_seed *ks, uint8_t *out, size_t out_len)
{
	struct ike_iov seed[3];
	size_t n = 0;

	/* RFC 7296 2.17: g^ir (new) first when the exchange had a KE. */
	if (ks->gir.ptr != NULL) {
		if (ks->gir.len == 0)
			return -1;
		seed[n++] = ks->gir;
	}
	seed[n++] = ks->ni;
	seed[n++] = ks->nr;
	return ike_prf_plus(sa->prf, sa->sk_d, sa->sk_d_len, seed, n, out,
	    out_len);
}

int
ike_keys_child(const struct ike_key_parent *sa, const struct ike_key_seed *ks,
    size_t encr_len, size_t integ_len, struct ike_child_keys *ck)
{
	uint8_t keymat[2 * (IKE_CHILD_ENCR_MAX + IKE_CHILD_INTEG_MAX)];
	size_t off = 0;
	int rv = -1;

	memset(ck, 0, sizeof(*ck));
	if (encr_len > IKE_CHILD_ENCR_MAX || integ_len > IKE_CHILD_INTEG_MAX ||
	    encr_len + integ_len == 0)
		goto done;
	if (ike_keys_child_keymat(sa, ks, keymat,
	    2 * (encr_len + integ_len)) == -1)
		goto done;
	/* RFC 7296 2.17: encryption key (if any) before integrity key (if
	 * any), initiator-to-responder SA first. */
	take(ck->encr_i, keymat, &off, encr_len);
	take(ck->integ_i, keymat, &off, integ_len);
	take(ck->encr_r, keymat, &off, encr_len);
	take(ck->integ_r, keymat, &off, integ_len);
	ck->encr_len = encr_len;
	ck->integ_len = integ_len;
	rv = 0;
done:
	OPENSSL_cleanse(keymat, sizeof(keymat));
	if (rv == -1)
		ike_child_keys_wipe(ck);
	return rv;
}

void
ike_child_keys_wipe(struct ike_child_keys *ck)
{
	OPENSSL_cleanse(ck, sizeof(*ck));
}

int
ike_keys_psk_auth(const struct ike_prf_alg *prf, const struct ike_auth_input *in,
    uint8_t *auth)
{
	uint8_t pad[IKE_PRF_OUT_MAX], maced_id[IKE_PRF_OUT_MAX];
	const struct ike_iov pad_data = { key_pad, KEY_PAD_LEN };
	struct ike_iov signed_octets[3];
	int rv = -1;

	/* The ID body has at least ID Type and the 3 RESERVED octets. */
	if (in->psk.ptr == NULL || in->psk.len == 0 || in->msg.len == 0 ||
	    in->nonce.len == 0 || in->id_body.len < 4)
		goto done;
	/* MACedIDFor{I,R} = prf(SK_p{i,r}, RestOf{Init,Resp}IDPayload) */
	if (ike_prf_compute(prf, in->sk_p.ptr, in->sk_p.len, &in->id_body, 1,
	    maced_id) == -1)
		goto done;
	/* <SignedOctets> = RealMessage{1,2} | Nonce{R,I}Data | MACedID */
	signed_octets[0] = in->msg;
	signed_octets[1] = in->nonce;
	signed_octets[2].ptr = maced_id;
	signed_octets[2].len = prf->out_len;
	/* prf(Shared Secret, "Key Pad for IKEv2"): a secret of its own. */
	if (ike_prf_compute(prf, in->psk.ptr, in->psk.len, &pad_data, 1,
	    pad) == -1)
		goto done;
	if (ike_prf_compute(prf, pad, prf->out_len, signed_octets, 3,
	    auth) == -1)
		goto done;
	rv = 0;
done:
	OPENSSL_cleanse(pad, sizeof(pad));
	OPENSSL_cleanse(maced_id, sizeof(maced_id));
	return rv;
}

uint8_t *
ike_keys_signed_octets(const struct ike_prf_alg *prf,
    const struct ike_auth_input *in, size_t *len)
{
	uint8_t *out;

	if (in->msg.len == 0 || in->nonce.len == 0 || in->id_body.len < 4 ||
	    (out = malloc(in->msg.len + in->nonce.len + prf->out_len)) ==
	    NULL)
		return NULL;
	memcpy(out, in->msg.ptr, in->msg.len);
	memcpy(out + in->msg.len, in->nonce.ptr, in->nonce.len);
	if (ike_prf_compute(prf, in->sk_p.ptr, in->sk_p.len, &in->id_body, 1,
	    out + in->msg.len + in->nonce.len) == -1) {
		free(out);
		return NULL;
	}
	*len = in->msg.len + in->nonce.len + prf->out_len;
	return out;
}

int
ike_keys_psk_verify(const struct ike_prf_alg *prf,
    const struct ike_auth_input *in, const uint8_t *auth, size_t auth_len)
{
	uint8_t expect[IKE_PRF_OUT_MAX];
	int rv = -1;

	/* The length is public (the PRF is negotiated); the bytes are not. */
	if (auth == NULL || auth_len != prf->out_len)
		goto done;
	if (ike_keys_psk_auth(prf, in, expect) == -1)
		goto done;
	if (!ike_keys_equal(expect, auth, auth_len))
		goto done;
	rv = 0;
done:
	OPENSSL_cleanse(expect, sizeof(expect));
	return rv;
}
