/* IKEv2 messages: the header (RFC 7296 3.1), the payload chain (3.2), which
 * payload is legal where, and a builder that writes a message into a wbuf.
 *
 * Decoding
 *
 *	struct ike_msg m;
 *	v = ike_msg_decode(&m, dgram, len);	header + chain in clear + check
 *	... look the IKE SA up by m.hdr.ispi/rspi, decrypt m.sk into plain ...
 *	v = ike_msg_decode_inner(&m, m.sk.next, plain, plain_len);
 *
 * Pointers in m point into dgram and plain: both must outlive m. On failure
 * m.err says what (verdict, payload type, offset, static detail text); for
 * IKE_DEC_UNSUPPORTED_CRITICAL m.err.payload is the type to put into the
 * UNSUPPORTED_CRITICAL_PAYLOAD notify, and for IKE_DEC_BAD_VERSION m.hdr is
 * filled so INVALID_MAJOR_VERSION can be sent back (RFC 7296 2.5).
 *
 * Encoding (see the SK contract further down)
 *
 *	struct ike_enc e;
 *	ike_msg_encode_init(&e, &w, &hdr);
 *	ike_msg_encode_sa(&e, &props); ike_msg_encode_ke(&e, ...); ...
 *	if (ike_msg_encode_finish(&e, NULL) == -1) ...
 */
#ifndef VTID_IKE_MESSAGE_H
#define VTID_IKE_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/payload.h"
#include "util/buf.h"

/* RFC 7296 3.1. SPIs in host order; version split into its nibbles. */
struct ike_hdr {
	uint64_t	 ispi;
	uint64_t	 rspi;
	uint8_t		 next;		/* first payload */
	uint8_t		 major, minor;
	uint8_t		 exchange;	/* enum ike_exchange */
	uint8_t		 flags;		/* IKE_FLAG_*, reserved bits kept */
	uint32_t	 msgid;
	uint32_t	 length;
};

#define IKE_HDR_OFF_NEXT	16	/* offsets inside the header */
#define IKE_HDR_OFF_VERSION	17
#define IKE_HDR_OFF_FLAGS	19
#define IKE_HDR_OFF_LENGTH	24

struct ike_dec_err {
	enum ike_dec	 verdict;
	uint8_t		 payload;	/* type at fault; 0: the IKE header */
	bool		 inner;		/* offset is into the SK plaintext */
	size_t		 offset;	/* of that payload's generic header */
	const char	*detail;	/* static text for debug logs */
};

/* A decoded message. A payload is present when its bit is set in clear or
 * inner (bit n for payload type n, see ike_msg_has()). */
struct ike_msg {
	struct ike_hdr	 hdr;
	const uint8_t	*data;		/* the datagram */
	size_t		 len;
	uint64_t	 clear;		/* payload types seen outside SK */
	uint64_t	 inner;		/* payload types seen inside SK */

	struct ike_pl_sa	 sa;
	struct ike_pl_ke	 ke;
	struct ike_pl_id	 idi, idr;
	struct ike_pl_auth	 auth;
	struct ike_pl_nonce	 nonce;
	struct ike_pl_ts	 tsi, tsr;
	struct ike_pl_sk	 sk;	/* SK or SKF: ike_msg_has() tells */

	size_t			 n_notify;
	struct ike_pl_notify	 notify[IKE_NOTIFY_MAX];
	size_t			 n_delete;
	struct ike_pl_delete	 del[IKE_DELETE_MAX];
	size_t			 n_vendor;
	struct ike_pl_vendor	 vendor[IKE_VENDOR_MAX];
	size_t			 n_other;
	struct ike_pl_other	 other[IKE_OTHER_MAX];
	unsigned int		 n_skipped;	/* unknown, not critical */

	struct ike_dec_err	 err;
};

/* Header only, for demultiplexing before the full decode: checks the
 * version, the initiator SPI and that the length field equals len. */
enum ike_dec ike_hdr_decode(struct ike_hdr *, const uint8_t *, size_t len);
/* Header, payload chain in clear, then ike_msg_check(). */
enum ike_dec ike_msg_decode(struct ike_msg *, const uint8_t *, size_t len);
/* The decrypted SK plaintext (all fragments joined, padding removed) whose
 * first payload is first (m->sk.next): into the same m, then
 * ike_msg_check() again. m->hdr must come from ike_msg_decode(). */
enum ike_dec ike_msg_decode_inner(struct ike_msg *, uint8_t first,
	    const uint8_t *, size_t len);
/* The legality table: is every payload seen allowed in this exchange,
 * direction and place (clear or inside SK)? Exchanges after IKE_SA_INIT
 * must carry SK or SKF (RFC 7296 1.2, RFC 7383 2.5). */
enum ike_dec ike_msg_check(struct ike_msg *);

bool	 ike_msg_has(const struct ike_msg *, uint8_t type);
/* The first notify of that type, or NULL. */
const struct ike_pl_notify *ike_msg_notify(const struct ike_msg *,
	    uint16_t type);
const char *ike_payload_name(uint8_t type);
const char *ike_exchange_name(uint8_t exchange);

/*
 * The builder. Every payload gets a generic header whose Next Payload byte
 * is patched, by offset, when the following payload starts, and whose
 * length is patched when it ends; the IKE header length is patched by
 * ike_msg_encode_finish(). Errors are sticky: check finish's result once.
 *
 * SK contract with sk.c (RFC 7296 3.14, RFC 5282, RFC 7383 2.5):
 *
 *   ike_msg_encode_init(&e, &w, &hdr);	    HDR (next = first payload)
 *   [clear payloads, only in IKE_SA_INIT]
 *   ike_msg_encode_sk_begin(&e, iv_len);   SK generic header, iv_len bytes
 *					    reserved (zero) for the IV
 *   ike_msg_encode_id(&e, ...); ...	    inner payloads, in plaintext; the
 *					    SK Next Payload is the first one's
 *   ike_msg_encode_finish(&e, &lay);
 *
 * After finish, w holds  HDR | ... | SK hdr | IV space | inner plaintext
 * with the SK payload length and the IKE header length covering exactly
 * that, and lay (absolute offsets into w->base) says:
 *
 *   lay.hdr_off		the IKE header (0 unless w had a non-ESP marker)
 *   lay.sk_off		the SK (or SKF) generic header
 *   lay.iv_off, iv_len	where sk.c writes the IV
 *   lay.plain_off, plain_len	the inner plaintext, encrypted in place
 *   AAD = [hdr_off, iv_off)	for both SK and SKF (RFC 5282 5.1, RFC 7383 2.5)
 *
 * sk.c then appends padding, the Pad Length byte and room for the ICV with
 * wbuf puts, calls ike_msg_encode_sk_lengths(w, &lay) so both length fields
 * cover them (they are part of the AAD and so must be final first), then
 * encrypts [plain_off, end of Pad Length) in place, writes the IV and the
 * ICV. Nothing may be written after the SK payload.
 *
 * With VTID_DEBUG_CHECKS, finish re-decodes the message (and the inner
 * plaintext) it built and calls fatal() if it does not decode: our bug.
 */
struct ike_enc {
	struct wbuf	*w;
	size_t		 hdr_off;
	size_t		 np_off;	/* Next Payload byte to patch */
	size_t		 pl_off;	/* current payload, SIZE_MAX if none */
	size_t		 sk_off;	/* SK/SKF header, SIZE_MAX if none */
	size_t		 iv_off, iv_len;
	size_t		 plain_off;
	uint8_t		 sk_type;	/* IKE_PL_SK, IKE_PL_SKF or 0 */
	bool		 closed;	/* SKF written: nothing may follow */
	bool		 err;
	/* Tests only: build deliberately illegal messages without the debug
	 * re-decode calling fatal(). */
	bool		 no_check;
};

struct ike_sk_layout {
	size_t		 hdr_off;
	size_t		 sk_off;
	size_t		 iv_off, iv_len;
	size_t		 plain_off, plain_len;
};

/* Writes the header at w's current length: SPIs, exchange, flags (only
 * I and R; V and the reserved bits are sent as zero, RFC 7296 3.1), msgid;
 * version 2.0. */
void	 ike_msg_encode_init(struct ike_enc *, struct wbuf *,
	    const struct ike_hdr *);
void	 ike_msg_encode_sa(struct ike_enc *, const struct ike_proposal_list *);
void	 ike_msg_encode_ke(struct ike_enc *, uint16_t group, const void *,
	    size_t);
/* which: IKE_PL_IDi or IKE_PL_IDr */
void	 ike_msg_encode_id(struct ike_enc *, uint8_t which, uint8_t id_type,
	    const void *, size_t);
void	 ike_msg_encode_auth(struct ike_enc *, uint8_t method, const void *,
	    size_t);
void	 ike_msg_encode_nonce(struct ike_enc *, const void *, size_t);
/* spi may be NULL with spi_size 0 (a notify about the IKE SA). */
void	 ike_msg_encode_notify(struct ike_enc *, uint8_t proto,
	    const void *spi, uint8_t spi_size, uint16_t type, const void *data,
	    size_t len);
/* ESP/AH: n SPIs in host order; IKE: no SPIs (spis ignored). */
void	 ike_msg_encode_delete(struct ike_enc *, uint8_t proto,
	    const uint32_t *spis, size_t n);
void	 ike_msg_encode_vendor(struct ike_enc *, const void *, size_t);
/* which: IKE_PL_TSi or IKE_PL_TSr */
void	 ike_msg_encode_ts(struct ike_enc *, uint8_t which,
	    const struct ike_ts *, size_t n);
/* Any payload type with a raw body (CERTREQ, CP, ...; tests use it for
 * unknown and critical payloads). flags: 0 or IKE_PAYLOAD_CRITICAL. */
void	 ike_msg_encode_generic(struct ike_enc *, uint8_t type, uint8_t flags,
	    const void *body, size_t len);
/* Opens the SK payload: everything encoded after it is inner plaintext. */
void	 ike_msg_encode_sk_begin(struct ike_enc *, size_t iv_len);
/* One fragment (RFC 7383 2.5): SKF header, fragment fields, iv_len bytes
 * of IV space, then chunk (this fragment's share of the inner plaintext).
 * first is the first inner payload type, sent in fragment 1 only. Closes
 * the chain. */
void	 ike_msg_encode_skf(struct ike_enc *, uint16_t num, uint16_t total,
	    uint8_t first, size_t iv_len, const void *chunk, size_t len);
/* Closes the chain and patches the lengths. lay may be NULL if the message
 * has no SK/SKF. Returns the message length, or -1 (buffer too small, a
 * payload above 65535 bytes, misuse). */
long	 ike_msg_encode_finish(struct ike_enc *, struct ike_sk_layout *);
/* For sk.c, after it appended padding and ICV room: sets the SK payload
 * and IKE header lengths to end at w->len. 0 or -1. */
int	 ike_msg_encode_sk_lengths(struct wbuf *, const struct ike_sk_layout *);

#endif
