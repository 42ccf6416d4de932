/* Algorithm tables for the IKE SA: IANA transform ids -> OpenSSL EVP names
 * and the key, IV, block and ICV sizes the SK payload and the key derivation
 * need; HMAC (integrity, PRF) through EVP_MAC. RFC 7296 3.3.2, RFC 4868,
 * RFC 5282. */
#ifndef VTID_IKE_CRYPTO_H
#define VTID_IKE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/proposal.h"

/* Upper bounds over every table entry, for fixed arrays. */
#define IKE_ENCR_KEY_MAX	36	/* AES-256 key + 4-octet GCM salt */
#define IKE_INTEG_KEY_MAX	64	/* HMAC-SHA2-512 */
#define IKE_PRF_OUT_MAX		64	/* HMAC-SHA2-512 */
#define IKE_PRF_KEY_MAX		64
#define IKE_IV_MAX		16
#define IKE_ICV_MAX		32	/* AUTH_HMAC_SHA2_512_256 */
#define IKE_BLOCK_MAX		16

/* An encryption transform. For AEAD ciphers icv_len is the tag length and
 * no integrity transform is negotiated (RFC 7296 3.3.3). */
struct ike_encr_alg {
	uint16_t	 id;		/* ENCR_* */
	uint16_t	 keybits;	/* Key Length attribute (3.3.5) */
	const char	*cipher;	/* EVP cipher name */
	uint8_t		 key_len;	/* KEYMAT: key, then salt */
	uint8_t		 salt_len;	/* GCM 4 (RFC 4106 8.1) */
	uint8_t		 iv_len;	/* explicit IV in the payload */
	uint8_t		 block_len;	/* padding alignment (3.14) */
	uint8_t		 icv_len;	/* AEAD tag length; 0 for CBC */
	const char	*name;
};

/* An integrity transform: HMAC truncated to icv_len (RFC 4868 2.1). */
struct ike_integ_alg {
	uint16_t	 id;		/* AUTH_* */
	const char	*md;		/* EVP digest name */
	uint8_t		 key_len;	/* the digest size (RFC 4868) */
	uint8_t		 icv_len;	/* half the digest size */
	const char	*name;
};

/* A pseudorandom function: untruncated HMAC (RFC 4868 2.1). Its
 * preferred key size, used for SK_d, SK_pi and SK_pr (RFC 7296 2.14),
 * is the output size. */
struct ike_prf_alg {
	uint16_t	 id;		/* PRF_* */
	const char	*md;
	uint8_t		 out_len;
	uint8_t		 key_len;
	const char	*name;
};

/* The negotiated transforms of one IKE SA, as table entries. */
struct ike_algs {
	const struct ike_encr_alg  *encr;
	const struct ike_integ_alg *integ;	/* NULL with an AEAD cipher */
	const struct ike_prf_alg   *prf;
};

/* One piece of a message that is MACed or PRFed as a concatenation. */
struct ike_iov {
	const void	*ptr;
	size_t		 len;
};

/* keybits 0 picks nothing: AES always carries a Key Length attribute. */
const struct ike_encr_alg  *ike_encr_lookup(uint16_t id, uint16_t keybits);
const struct ike_integ_alg *ike_integ_lookup(uint16_t id);
const struct ike_prf_alg   *ike_prf_lookup(uint16_t id);
bool	 ike_encr_is_aead(const struct ike_encr_alg *);

/* Table entries for a negotiated suite: an AEAD cipher with AUTH_NONE, or
 * CBC with an integrity transform, and a PRF. -1 if any is unknown or the
 * combination is not allowed. */
int	 ike_crypto_resolve(const struct ike_suite *, struct ike_algs *);

/* n random octets (nonces, SPIs, jitter) from OpenSSL's DRBG: 0 or -1. */
int	 ike_random(void *, size_t);

/* HMAC-<md>(key, iov[0] | ... | iov[n-1]), truncated to out_len octets
 * (out_len at most the digest size). key_len must be > 0. */
int	 ike_crypto_hmac(const char *md, const uint8_t *key, size_t key_len,
	    const struct ike_iov *iov, size_t n, uint8_t *out, size_t out_len);

/* prf(key, data) into out[prf->out_len]. */
int	 ike_prf_compute(const struct ike_prf_alg *, const uint8_t *key,
	    size_t key_len, const struct ike_iov *iov, size_t n, uint8_t *out);

/* The integrity checksum into out[integ->icv_len]; key is key_len long. */
int	 ike_integ_compute(const struct ike_integ_alg *, const uint8_t *key,
	    const struct ike_iov *iov, size_t n, uint8_t *out);

#endif
