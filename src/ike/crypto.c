/* IKE SA algorithm tables and HMAC through EVP_MAC. */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "ike/crypto.h"
#include "ike/ikev2.h"

/*
 * AES-GCM with a 16-octet ICV (RFC 5282): the KEYMAT for each direction is
 * the AES key followed by a 4-octet salt (as RFC 4106 8.1 has it for ESP),
 * the SK payload carries an 8-octet explicit IV, and the 12-octet nonce is
 * salt | IV.
 * GCM is a counter mode: its block size, and so the padding alignment of
 * RFC 7296 3.14, is one octet (EVP reports the same).
 *
 * AES-CBC (RFC 3602, RFC 7296 3.14): the IV is one random block and the
 * plaintext plus padding plus pad length fills whole blocks.
 */
static const struct ike_encr_alg encr_table[] = {
	{ ENCR_AES_GCM_16, 128, "AES-128-GCM", 16 + 4, 4, 8, 1, 16,
	    "aes128gcm16" },
	{ ENCR_AES_GCM_16, 256, "AES-256-GCM", 32 + 4, 4, 8, 1, 16,
	    "aes256gcm16" },
	{ ENCR_AES_CBC, 128, "AES-128-CBC", 16, 0, 16, 16, 0, "aes128" },
	{ ENCR_AES_CBC, 256, "AES-256-CBC", 32, 0, 16, 16, 0, "aes256" },
};

/* RFC 4868 2.1: the key is as long as the digest, the ICV half of it. */
static const struct ike_integ_alg integ_table[] = {
	{ AUTH_HMAC_SHA2_256_128, "SHA2-256", 32, 16, "sha256_128" },
	{ AUTH_HMAC_SHA2_384_192, "SHA2-384", 48, 24, "sha384_192" },
	{ AUTH_HMAC_SHA2_512_256, "SHA2-512", 64, 32, "sha512_256" },
};

/* RFC 4868 2.1: untruncated output; preferred key size = output size. */
static const struct ike_prf_alg prf_table[] = {
	{ PRF_HMAC_SHA2_256, "SHA2-256", 32, 32, "prfsha256" },
	{ PRF_HMAC_SHA2_384, "SHA2-384", 48, 48, "prfsha384" },
	{ PRF_HMAC_SHA2_512, "SHA2-512", 64, 64, "prfsha512" },
};

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

const struct ike_encr_alg *
ike_encr_lookup(uint16_t id, uint16_t keybits)
{
	size_t i;

	for (i = 0; i < NITEMS(encr_table); i++)
		if (encr_table[i].id == id && encr_table[i].keybits == keybits)
			return &encr_table[i];
	return NULL;
}

const struct ike_integ_alg *
ike_integ_lookup(uint16_t id)
{
	size_t i;

	for (i = 0; i < NITEMS(integ_table); i++)
		if (integ_table[i].id == id)
			return &integ_table[i];
	return NULL;
}

const struct ike_prf_alg *
ike_prf_lookup(uint16_t id)
{
	size_t i;

	for (i = 0; i < NITEMS(prf_table); i++)
		if (prf_table[i].id == id)
			return &prf_table[i];
	return NULL;
}

bool
ike_encr_is_aead(const struct ike_encr_alg *e)
{
	return e->icv_len > 0;
}

int
ike_crypto_resolve(const struct ike_suite *s, struct ike_algs *a)
{
	a->encr = ike_encr_lookup(s->encr, s->encr_keylen);
	a->prf = ike_prf_lookup(s->prf);
	a->integ = NULL;
	if (a->encr == NULL || a->prf == NULL)
		return -1;
	if (ike_encr_is_aead(a->encr)) {
		/* RFC 7296 3.3.3: a combined mode takes no integrity
		 * transform (or only NONE). */
		return s->integ == AUTH_NONE ? 0 : -1;
	}
	if ((a->integ = ike_integ_lookup(s->integ)) == NULL)
		return -1;
	return 0;
}

int
ike_crypto_hmac(const char *md, const uint8_t *key, size_t key_len,
    const struct ike_iov *iov, size_t n, uint8_t *out, size_t out_len)
{
	EVP_MAC *mac = NULL;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	uint8_t full[EVP_MAX_MD_SIZE];
	char mdname[32];
	size_t full_len = 0, i;
	int rv = -1;

	if (key == NULL || key_len == 0 || out_len == 0 ||
	    strlen(md) >= sizeof(mdname))
		goto done;
	/* OSSL_PARAM wants a mutable string; the tables are const. */
	memcpy(mdname, md, strlen(md) + 1);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    mdname, 0);
	params[1] = OSSL_PARAM_construct_end();

	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		goto done;
	if ((ctx = EVP_MAC_CTX_new(mac)) == NULL)
		goto done;
	if (!EVP_MAC_init(ctx, key, key_len, params))
		goto done;
	for (i = 0; i < n; i++) {
		if (iov[i].len == 0)
			continue;
		if (!EVP_MAC_update(ctx, iov[i].ptr, iov[i].len))
			goto done;
	}
	if (!EVP_MAC_final(ctx, full, &full_len, sizeof(full)))
		goto done;
	if (out_len > full_len)
		goto done;
	memcpy(out, full, out_len);
	rv = 0;
done:
	/* A PRF output is key material (SKEYSEED, SK_*, AUTH pad). */
	OPENSSL_cleanse(full, sizeof(full));
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return rv;
}

int
ike_prf_compute(const struct ike_prf_alg *prf, const uint8_t *key,
    size_t key_len, const struct ike_iov *iov, size_t n, uint8_t *out)
{
	return ike_crypto_hmac(prf->md, key, key_len, iov, n, out,
	    prf->out_len);
}

int
ike_integ_compute(const struct ike_integ_alg *integ, const uint8_t *key,
    const struct ike_iov *iov, size_t n, uint8_t *out)
{
	return ike_crypto_hmac(integ->md, key, integ->key_len, iov, n, out,
	    integ->icv_len);
}

int
ike_random(void *p, size_t n)
{
	return RAND_bytes(p, (int)n) == 1 ? 0 : -1;
}
