/* The Encrypted payload, SK {...} (RFC 7296 3.14, RFC 5282), and the
 * Encrypted Fragment payload SKF (RFC 7383 2.5), sealed and opened in the
 * message buffer itself.
 *
 *   [IKE header][clear payloads][SK hdr][IV][inner payloads|pad|padlen][ICV]
 *                               ^sk_off  \___ encrypted ______________/
 *
 * AES-CBC: encrypt, then HMAC over the IKE header through the ciphertext
 * (RFC 7296 3.14). AES-GCM: the AAD is the IKE header through the SK
 * header, the nonce salt | IV, the ICV the GCM tag (RFC 5282).
 *
 * SKF: the same with an 8-octet header (generic header, Fragment Number,
 * Total Fragments) covered by the AAD or the HMAC like the rest: call the
 * _hdr variants with hdr_len IKE_SK_SKF_HDR_LEN.
 *
 * Two ways to seal: ike_sk_seal() takes [.. SK hdr | plaintext] and inserts
 * the IV itself; ike_sk_seal_layout() follows message.h's builder, which
 * already reserved IV space and may have put a non-ESP marker before the
 * IKE header. */
#ifndef VTID_IKE_SK_H
#define VTID_IKE_SK_H

#include <stddef.h>
#include <stdint.h>

#include "ike/crypto.h"
#include "util/buf.h"

#define IKE_SK_HDR_LEN		4	/* RFC 7296 3.14: generic hdr */
#define IKE_SK_SKF_HDR_LEN	8	/* RFC 7383 2.5: + Fragment Number,
					 * Total Fragments */

struct ike_sk_layout;			/* message.h */

/* The algorithms and keys of ONE direction of an IKE SA. */
struct ike_sk_ctx {
	const struct ike_encr_alg  *encr;
	const struct ike_integ_alg *integ;	/* NULL with AEAD */
	uint8_t		 encr_key[IKE_ENCR_KEY_MAX];	/* key, salt */
	uint8_t		 integ_key[IKE_INTEG_KEY_MAX];
};

/* Why a seal or open failed; never a crash, never partial plaintext. */
enum ike_sk_err {
	IKE_SK_OK = 0,
	IKE_SK_ERR_ARG,		/* bad context or offsets (our bug) */
	IKE_SK_ERR_LENGTH,	/* header or SK length disagrees with data */
	IKE_SK_ERR_SHORT,	/* too short for IV + pad length + ICV */
	IKE_SK_ERR_ALIGN,	/* CBC ciphertext not whole blocks */
	IKE_SK_ERR_ICV,		/* integrity check failed */
	IKE_SK_ERR_PAD,		/* pad length exceeds the data */
	IKE_SK_ERR_SPACE,	/* no room in the buffer, or > 64K */
	IKE_SK_ERR_CRYPTO,	/* an EVP call failed */
};

/* The keys are copied; lengths must be encr->key_len and integ->key_len
 * (integ NULL and integ_key NULL/0 for AEAD). */
int	 ike_sk_ctx_init(struct ike_sk_ctx *, const struct ike_encr_alg *,
	    const struct ike_integ_alg *, const uint8_t *encr_key,
	    size_t encr_len, const uint8_t *integ_key, size_t integ_len);
void	 ike_sk_ctx_wipe(struct ike_sk_ctx *);

/* Octets the sealing adds after the plaintext, at most (IV, maximal
 * padding, pad length, ICV): what the builder must leave free in w. */
size_t	 ike_sk_overhead(const struct ike_sk_ctx *);

/*
 * w holds [IKE header .. SK header at sk_off .. inner plaintext] up to
 * w->len. Inserts a fresh IV after the SK header, pads, encrypts, appends
 * the ICV and patches the SK Payload Length (sk_off + 2) and the IKE
 * header Length (offset 24). On failure returns -1 with w->err set and the
 * plaintext wiped from w.
 */
int	 ike_sk_seal(const struct ike_sk_ctx *, struct wbuf *w,
	    size_t sk_off);
int	 ike_sk_seal_hdr(const struct ike_sk_ctx *, struct wbuf *w,
	    size_t sk_off, size_t hdr_len, enum ike_sk_err *why);

/* The same for what ike_msg_encode_finish() left in w: IKE header at
 * lay->hdr_off, SK or SKF header at lay->sk_off (its length is
 * iv_off - sk_off), lay->iv_len (== encr->iv_len) octets reserved for the
 * IV, the plaintext from plain_off to w->len. */
int	 ike_sk_seal_layout(const struct ike_sk_ctx *, struct wbuf *w,
	    const struct ike_sk_layout *lay, enum ike_sk_err *why);

/*
 * msg[0..msg_len) is a whole message whose last payload is the SK payload
 * at sk_off. Checks the IKE header Length and the SK Payload Length against
 * msg_len, verifies the ICV, decrypts in place and returns the inner
 * payloads (padding removed) through plain/plain_len, pointing into msg.
 * -1 on any failure, with nothing decrypted left in msg.
 */
int	 ike_sk_open(const struct ike_sk_ctx *, uint8_t *msg, size_t msg_len,
	    size_t sk_off, const uint8_t **plain, size_t *plain_len);
int	 ike_sk_open_hdr(const struct ike_sk_ctx *, uint8_t *msg,
	    size_t msg_len, size_t sk_off, size_t hdr_len,
	    const uint8_t **plain, size_t *plain_len, enum ike_sk_err *why);

const char *ike_sk_strerror(enum ike_sk_err);

/*
 * The cipher step of seal and open, exposed for known-answer tests: buf is
 * encrypted (enc 1) or decrypted (enc 0) in place with the context's key
 * and the payload IV iv (encr->iv_len octets; for GCM the nonce is the
 * key's 4-octet salt | iv). GCM authenticates aad and writes the tag to
 * (enc) or checks it against (dec) tag[encr->icv_len]; CBC ignores both
 * and needs whole blocks.
 */
enum ike_sk_err ike_sk_crypt(const struct ike_sk_ctx *, int enc,
	    const uint8_t *iv, const uint8_t *aad, size_t aad_len,
	    uint8_t *buf, size_t len, uint8_t *tag);

#endif
