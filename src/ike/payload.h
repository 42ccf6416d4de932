/* IKEv2 payload bodies (RFC 7296 section 3, RFC 7383 2.5): what each decodes
 * to, and the body decoders and encoders. The generic payload header, the
 * chain walk and the message builder are in message.h.
 *
 * Decoding is zero-copy where natural: the pointers in these structs point
 * into the datagram (or into the decrypted SK plaintext) handed to the
 * decoder, which must outlive them. Every count has a fixed limit; a peer
 * that exceeds one gets IKE_DEC_TOO_MANY, never a larger allocation. */
#ifndef VTID_IKE_PAYLOAD_H
#define VTID_IKE_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/ikev2.h"
#include "ike/proposal.h"
#include "util/buf.h"

/* Constants missing from ikev2.h (kept here so that file stays shared). */
#define IKE_PROPOSAL_MORE	2	/* RFC 7296 3.3.1 "Last Substruc" */
#define IKE_TRANSFORM_MORE	3	/* RFC 7296 3.3.2 */
#define IKE_PROPOSAL_HDR_LEN	8
#define IKE_TRANSFORM_HDR_LEN	8
#define IKE_TS_HDR_LEN		8	/* type, proto, length, ports */
#define IKE_TS_IPV4_LEN		16	/* RFC 7296 3.13.1 */
#define IKE_TS_IPV6_LEN		40
#define IKE_NAT_HASH_LEN	20	/* SHA-1, RFC 7296 2.23 */
#define IKE_COOKIE_MAX		64	/* RFC 7296 2.6 */
/* COOKIEs one IKE_SA_INIT of ours follows before it gives up. */
#define IKE_COOKIES_MAX		5
#define IKE_SKF_HDR_LEN		4	/* fragment number, total, RFC 7383 2.5 */

/* A transform that carried an attribute we do not understand is unusable
 * (RFC 7296 3.3.6: "it MUST consider this transform unacceptable; other
 * transforms with the same Transform Type are processed as usual"). The
 * decoder keeps it, so a proposal whose only DH group is unusable does not
 * turn into a proposal without PFS, and marks it with this key length, which
 * no configured algorithm has: proposal selection, which compares key
 * lengths exactly, can never pick it. */
#define IKE_KEYLEN_UNUSABLE	0xffff

/* Limits of one decoded message. */
#define IKE_NOTIFY_MAX		16
#define IKE_TS_MAX		16
#define IKE_DELETE_MAX		8
#define IKE_VENDOR_MAX		8
#define IKE_OTHER_MAX		8	/* CERT, CERTREQ, CP, EAP */

/* Decoding verdicts. Malformed peer input is one of these, never an abort;
 * ike_dec_notify() names the notify RFC 7296 asks for, if any. */
enum ike_dec {
	IKE_DEC_OK = 0,
	IKE_DEC_TRUNCATED,		/* fewer bytes than a header or field needs */
	IKE_DEC_BAD_LENGTH,		/* a length field disagrees with the data */
	IKE_DEC_BAD_VERSION,		/* major > 2: INVALID_MAJOR_VERSION */
	IKE_DEC_OLD_VERSION,		/* major < 2 (IKEv1): drop */
	IKE_DEC_BAD_SPI,		/* initiator SPI zero (RFC 7296 3.1) */
	IKE_DEC_TRAILING,		/* bytes after the last payload/substructure */
	IKE_DEC_DUPLICATE,		/* a single-instance payload repeated */
	IKE_DEC_UNSUPPORTED_CRITICAL,	/* unknown payload with the critical bit */
	IKE_DEC_BAD_RANGE,		/* a field value out of its allowed range */
	IKE_DEC_BAD_SYNTAX,		/* fields inconsistent with each other */
	IKE_DEC_TOO_MANY,		/* more items than vtid keeps (limits above) */
	IKE_DEC_SK_NOT_LAST,		/* bytes after SK/SKF (RFC 7296 3.14) */
	IKE_DEC_NOT_ALLOWED,		/* payload illegal in this exchange/place */
	IKE_DEC_MISSING,		/* protected exchange without SK or SKF */
	IKE_DEC_BAD_EXCHANGE,		/* exchange type vtid does not speak */
	IKE_DEC_MAX
};

const char	*ike_dec_str(enum ike_dec);
/* The notify type a request that failed this way should be answered with
 * (UNSUPPORTED_CRITICAL_PAYLOAD, INVALID_MAJOR_VERSION, INVALID_SYNTAX), or 0
 * for "drop silently". The caller still decides whether it may answer at all
 * (RFC 7296 2.21: never to a response, INVALID_SYNTAX only when protected). */
uint16_t	 ike_dec_notify(enum ike_dec);

/* What the payload decoders need to know about the message around them. */
struct ike_dec_ctx {
	uint8_t		 exchange;	/* enum ike_exchange */
	bool		 response;	/* IKE_FLAG_RESPONSE */
	const char	*detail;	/* out: static text for debug logs */
};

/* SA, RFC 7296 3.3. Proposal SPIs are kept in wire order. */
struct ike_pl_sa {
	struct ike_proposal_list props;
	/* More than IKE_PROPOSALS_MAX proposals: the rest were checked and
	 * dropped; proposal.h asks for NO_PROPOSAL_CHOSEN then. */
	bool		 too_many;
};

/* KE, RFC 7296 3.4 */
struct ike_pl_ke {
	uint16_t	 group;
	const uint8_t	*data;
	size_t		 len;
};

/* IDi/IDr, RFC 7296 3.5. body is what AUTH signs (RFC 7296 2.15: the ID
 * payload without its generic header: type, RESERVED, data). */
struct ike_pl_id {
	uint8_t		 type;		/* enum ike_id_type */
	const uint8_t	*data;
	size_t		 len;
	const uint8_t	*body;
	size_t		 body_len;
};

/* AUTH, RFC 7296 3.8 */
struct ike_pl_auth {
	uint8_t		 method;	/* enum ike_auth_method */
	const uint8_t	*data;
	size_t		 len;
};

/* Nonce, RFC 7296 3.9 */
struct ike_pl_nonce {
	const uint8_t	*data;
	size_t		 len;
};

/* Notify, RFC 7296 3.10. spi is NULL when spi_size is 0. */
struct ike_pl_notify {
	uint8_t		 proto;		/* meaningful only with an SPI */
	uint8_t		 spi_size;	/* 0, 4 or 8 */
	uint16_t	 type;		/* enum ike_notify */
	const uint8_t	*spi;
	const uint8_t	*data;
	size_t		 len;
	bool		 inner;		/* came inside SK (protected) */
};

/* Delete, RFC 7296 3.11. spis holds count * spi_size bytes. */
struct ike_pl_delete {
	uint8_t		 proto;		/* enum ike_proto */
	uint8_t		 spi_size;	/* 0 for IKE, 4 for ESP/AH */
	uint16_t	 count;
	const uint8_t	*spis;
	bool		 inner;
};

/* Vendor ID, RFC 7296 3.12 */
struct ike_pl_vendor {
	const uint8_t	*data;
	size_t		 len;
	bool		 inner;
};

/* One traffic selector, RFC 7296 3.13.1. Addresses in network order; an
 * IPv4 range uses the first 4 bytes. */
struct ike_ts {
	uint8_t		 type;		/* enum ike_ts_type */
	uint8_t		 proto;		/* IP protocol, 0 = any */
	uint16_t	 sport, eport;	/* 65535..0 = OPAQUE (RFC 7296 3.13.1) */
	uint8_t		 start[16];
	uint8_t		 end[16];
};

/* TSi/TSr, RFC 7296 3.13 */
struct ike_pl_ts {
	uint8_t		 n;
	struct ike_ts	 ts[IKE_TS_MAX];
};

/* SK (RFC 7296 3.14) or SKF (RFC 7383 2.5): still encrypted. hdr_off is the
 * offset of its generic header in the message: the AEAD AAD (RFC 5282 5.1)
 * is the message up to the IV, i.e. [0, hdr_off + 4) for SK and
 * [0, hdr_off + 8) for SKF. body is IV | ciphertext | padding | ICV. */
struct ike_pl_sk {
	uint8_t		 next;		/* first inner payload (SKF: num 1 only) */
	size_t		 hdr_off;
	uint16_t	 frag_num;	/* SKF only */
	uint16_t	 frag_total;
	const uint8_t	*body;
	size_t		 len;
};

/* A payload vtid recognises but does not take apart (CERT, CERTREQ, CP,
 * EAP): the state machine may refuse it. */
struct ike_pl_other {
	uint8_t		 type;
	const uint8_t	*body;
	size_t		 len;
	bool		 inner;
};

bool	 ike_notify_is_error(uint16_t type);	/* RFC 7296 3.10.1 */
/* SPI i of a Delete payload with 4-byte SPIs, in host order. */
uint32_t ike_pl_delete_spi(const struct ike_pl_delete *, size_t i);

/* Body decoders: b is the payload body (no generic header) and must be
 * consumed exactly. They return IKE_DEC_OK or a verdict with ctx->detail
 * set, and never read outside b. */
enum ike_dec ike_payload_sa_decode(struct rbuf *, struct ike_dec_ctx *,
	    struct ike_pl_sa *);
enum ike_dec ike_payload_ke_decode(struct rbuf *, struct ike_dec_ctx *,
	    struct ike_pl_ke *);
enum ike_dec ike_payload_id_decode(struct rbuf *, struct ike_dec_ctx *,
	    struct ike_pl_id *);
enum ike_dec ike_payload_auth_decode(struct rbuf *, struct ike_dec_ctx *,
	    struct ike_pl_auth *);
enum ike_dec ike_payload_nonce_decode(struct rbuf *, struct ike_dec_ctx *,
	    struct ike_pl_nonce *);
enum ike_dec ike_payload_notify_decode(struct rbuf *, struct ike_dec_ctx *,
	    struct ike_pl_notify *);
enum ike_dec ike_payload_delete_decode(struct rbuf *, struct ike_dec_ctx *,
	    struct ike_pl_delete *);
enum ike_dec ike_payload_ts_decode(struct rbuf *, struct ike_dec_ctx *,
	    struct ike_pl_ts *);
/* SKF only: the fragment fields; the rest of b is the encrypted body. */
enum ike_dec ike_payload_skf_decode(struct rbuf *, struct ike_dec_ctx *,
	    struct ike_pl_sk *);

/* Body encoders: append the payload body to w (errors stick in w). */
void	 ike_payload_sa_encode(struct wbuf *, const struct ike_proposal_list *);
void	 ike_payload_ke_encode(struct wbuf *, uint16_t group, const void *,
	    size_t);
void	 ike_payload_id_encode(struct wbuf *, uint8_t type, const void *,
	    size_t);
void	 ike_payload_auth_encode(struct wbuf *, uint8_t method, const void *,
	    size_t);
void	 ike_payload_notify_encode(struct wbuf *, uint8_t proto,
	    const void *spi, uint8_t spi_size, uint16_t type, const void *data,
	    size_t len);
void	 ike_payload_delete_encode(struct wbuf *, uint8_t proto,
	    const uint32_t *spis, size_t n);
void	 ike_payload_ts_encode(struct wbuf *, const struct ike_ts *, size_t n);

#endif
