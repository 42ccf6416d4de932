/* IKEv2 key derivation, RFC 7296 2.13-2.18, and the shared-key AUTH
 * payload of 2.15. Every buffer that holds key material is wiped by the
 * functions here on every path; the structs below hold keys and must be
 * released with their *_wipe function. */
#ifndef VTID_IKE_KEYS_H
#define VTID_IKE_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/crypto.h"

struct ike_sk_ctx;

/* The seven keys of an IKE SA (RFC 7296 2.14), each with its length. */
struct ike_sa_keys {
	uint8_t		 sk_d[IKE_PRF_KEY_MAX];
	uint8_t		 sk_ai[IKE_INTEG_KEY_MAX];
	uint8_t		 sk_ar[IKE_INTEG_KEY_MAX];
	uint8_t		 sk_ei[IKE_ENCR_KEY_MAX];	/* key, salt */
	uint8_t		 sk_er[IKE_ENCR_KEY_MAX];
	uint8_t		 sk_pi[IKE_PRF_KEY_MAX];
	uint8_t		 sk_pr[IKE_PRF_KEY_MAX];
	size_t		 prf_len;	/* SK_d, SK_pi, SK_pr */
	size_t		 integ_len;	/* SK_ai, SK_ar; 0 with AEAD */
	size_t		 encr_len;	/* SK_ei, SK_er */
};

/* CHILD SA keys (RFC 7296 2.17): for each direction an encryption key (for
 * AES-GCM: key then 4-octet salt, RFC 4106 8.1) then an integrity key. */
#define IKE_CHILD_ENCR_MAX	IKE_ENCR_KEY_MAX
#define IKE_CHILD_INTEG_MAX	IKE_INTEG_KEY_MAX

struct ike_child_keys {
	uint8_t		 encr_i[IKE_CHILD_ENCR_MAX];	/* i -> r */
	uint8_t		 integ_i[IKE_CHILD_INTEG_MAX];
	uint8_t		 encr_r[IKE_CHILD_ENCR_MAX];	/* r -> i */
	uint8_t		 integ_r[IKE_CHILD_INTEG_MAX];
	size_t		 encr_len;
	size_t		 integ_len;
};

/* Which end sent the message an SK context protects. */
enum ike_dir {
	IKE_DIR_I2R,	/* from the original initiator: SK_ei, SK_ai */
	IKE_DIR_R2I,	/* from the original responder: SK_er, SK_ar */
};

/* prf+ (K, S) = T1 | T2 | ..., T1 = prf(K, S | 0x01),
 * Tn = prf(K, Tn-1 | S | n); at most 255 blocks (RFC 7296 2.13). The seed
 * is the concatenation of the iov pieces. */
int	 ike_prf_plus(const struct ike_prf_alg *, const uint8_t *key,
	    size_t key_len, const struct ike_iov *seed, size_t nseed,
	    uint8_t *out, size_t out_len);

/* What an exchange brings to the keys it makes (RFC 7296 2.14, 2.17,
 * 2.18): its two nonces; g^ir when it carried KE payloads (gir.ptr NULL:
 * none); for an IKE SA the new SA's SPIs, 8 octets each. */
struct ike_key_seed {
	struct ike_iov	 ni, nr;
	struct ike_iov	 gir;
	const uint8_t	*spi_i, *spi_r;
};

/* The IKE SA whose SK_d keys a CHILD SA, or an IKE SA rekeyed (2.18),
 * with its PRF. */
struct ike_key_parent {
	const struct ike_prf_alg *prf;
	const uint8_t	*sk_d;
	size_t		 sk_d_len;
};

/* SKEYSEED = prf(Ni | Nr, g^ir) into out[prf->out_len] (RFC 7296 2.14:
 * with HMAC the nonces are the key as they are). */
int	 ike_keys_skeyseed(const struct ike_prf_alg *,
	    const struct ike_key_seed *, uint8_t *out);

/* IKE SA rekey: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr), RFC 7296
 * 2.18, with the PRF of the SA being rekeyed. */
int	 ike_keys_skeyseed_rekey(const struct ike_key_parent *old,
	    const struct ike_key_seed *, uint8_t *out);

/* {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
 *     = prf+ (SKEYSEED, Ni | Nr | SPIi | SPIr)       (RFC 7296 2.14)
 * with no SK_a* for an AEAD cipher, prf+ with algs->prf. skeyseed_len is
 * the output size of the PRF that made SKEYSEED (after a rekey that may be
 * the old SA's, RFC 7296 2.18). */
int	 ike_keys_derive(const struct ike_algs *, const uint8_t *skeyseed,
	    size_t skeyseed_len, const struct ike_key_seed *,
	    struct ike_sa_keys *);

/* SKEYSEED and the seven keys in one call: for IKE_SA_INIT when old is
 * NULL, else for an IKE SA rekey with the old SA's PRF and SK_d, the new
 * g^ir and nonces of the CREATE_CHILD_SA exchange and the new SA's SPIs
 * (RFC 7296 2.18). algs are the new SA's. */
int	 ike_keys_ike_sa(const struct ike_algs *,
	    const struct ike_key_parent *old, const struct ike_key_seed *,
	    struct ike_sa_keys *);

void	 ike_keys_wipe(struct ike_sa_keys *);

/* The SK context for one direction of an IKE SA. */
int	 ike_keys_sk_ctx(const struct ike_sa_keys *, const struct ike_algs *,
	    enum ike_dir, struct ike_sk_ctx *);

/* KEYMAT = prf+ (SK_d, Ni | Nr), or with PFS
 * KEYMAT = prf+ (SK_d, g^ir (new) | Ni | Nr)        (RFC 7296 2.17)
 * Raw form, out_len octets. */
int	 ike_keys_child_keymat(const struct ike_key_parent *,
	    const struct ike_key_seed *, uint8_t *out, size_t out_len);

/* The same KEYMAT split as RFC 7296 2.17 orders it: encryption then
 * integrity key for initiator -> responder, then the same for responder ->
 * initiator. encr_len includes any salt; integ_len is 0 with AEAD. */
int	 ike_keys_child(const struct ike_key_parent *,
	    const struct ike_key_seed *, size_t encr_len, size_t integ_len,
	    struct ike_child_keys *);

void	 ike_child_keys_wipe(struct ike_child_keys *);

/*
 * Shared-key AUTH (RFC 7296 2.15), for either end:
 *   AUTH = prf( prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>)
 *   InitiatorSignedOctets = RealMessage1 | NonceRData | MACedIDForI
 *   MACedIDForI = prf(SK_pi, RestOfInitIDPayload)
 * and for the responder RealMessage2 | NonceIData | prf(SK_pr, IDr body).
 */
struct ike_auth_input {
	struct ike_iov	 psk;
	struct ike_iov	 msg;	/* the signer's first message, as sent */
	struct ike_iov	 nonce;	/* the other end's Nonce Data */
	struct ike_iov	 sk_p;	/* the signer's SK_pi or SK_pr */
	struct ike_iov	 id_body;	/* its ID payload after the generic
					 * header: ID Type, RESERVED, data */
};

/* AUTH into auth[prf->out_len]. */
int	 ike_keys_psk_auth(const struct ike_prf_alg *,
	    const struct ike_auth_input *, uint8_t *auth);

/* The signed octets themselves, for a signature (RFC 7296 2.15, RFC
 * 7427): allocated (free it), or NULL. The PSK is not used. */
uint8_t	*ike_keys_signed_octets(const struct ike_prf_alg *,
	    const struct ike_auth_input *, size_t *len);

/* Recompute and compare in constant time: 0 if the peer's AUTH data
 * (auth_len octets) matches, -1 otherwise. */
int	 ike_keys_psk_verify(const struct ike_prf_alg *,
	    const struct ike_auth_input *, const uint8_t *auth,
	    size_t auth_len);

/* CRYPTO_memcmp: true if equal. */
bool	 ike_keys_equal(const void *, const void *, size_t);

#endif
