/* IKEv2 message header, payload chain walk, legality table and builder.
 * RFC 7296 3.1, 3.2, 3.14; RFC 7383 2.5 for fragments. */
#include <string.h>

#include "ike/message.h"
#include "util/log.h"

#define BIT(t)	((uint64_t)1 << (t))

const char *
ike_payload_name(uint8_t type)
{
	switch (type) {
	case IKE_PL_NONE:	return "NONE";
	case IKE_PL_SA:		return "SA";
	case IKE_PL_KE:		return "KE";
	case IKE_PL_IDi:	return "IDi";
	case IKE_PL_IDr:	return "IDr";
	case IKE_PL_CERT:	return "CERT";
	case IKE_PL_CERTREQ:	return "CERTREQ";
	case IKE_PL_AUTH:	return "AUTH";
	case IKE_PL_NONCE:	return "Nonce";
	case IKE_PL_NOTIFY:	return "N";
	case IKE_PL_DELETE:	return "D";
	case IKE_PL_VENDOR:	return "V";
	case IKE_PL_TSi:	return "TSi";
	case IKE_PL_TSr:	return "TSr";
	case IKE_PL_SK:		return "SK";
	case IKE_PL_CP:		return "CP";
	case IKE_PL_EAP:	return "EAP";
	case IKE_PL_SKF:	return "SKF";
	default:		return "unknown";
	}
}

const char *
ike_exchange_name(uint8_t exchange)
{
	switch (exchange) {
	case IKE_SA_INIT:	return "IKE_SA_INIT";
	case IKE_AUTH:		return "IKE_AUTH";
	case CREATE_CHILD_SA:	return "CREATE_CHILD_SA";
	case INFORMATIONAL:	return "INFORMATIONAL";
	default:		return "unknown exchange";
	}
}

/*
 * Which payload may appear where: one row per payload type vtid knows, one
 * column per exchange, in clear or inside SK, each a mask of RQ (request)
 * and RS (response). From the exchanges in RFC 7296 1.2-1.5 and 2.21.4
 * (an unprotected INFORMATIONAL response carrying INVALID_IKE_SPI), CERTREQ
 * per 3.7, CP per 3.15, SKF per RFC 7383 2.5. Unknown payload types are not
 * here: they are skipped, or refused if critical, by the chain walk.
 */
#define RQ	1
#define RS	2
#define RR	(RQ | RS)

enum { X_INIT, X_AUTH, X_CHILD, X_INFO, X_COUNT };

static const struct ike_legal {
	uint8_t		 type;
	uint8_t		 clear[X_COUNT];
	uint8_t		 sk[X_COUNT];
} ike_legal_table[] = {
	/*		 in clear:			inside SK:
	 *		 INIT AUTH CHILD INFO		INIT AUTH CHILD INFO */
	{ IKE_PL_SA,	{ RR, 0,  0,  0  },		{ 0, RR, RR, 0  } },
	{ IKE_PL_KE,	{ RR, 0,  0,  0  },		{ 0, 0,  RR, 0  } },
	{ IKE_PL_IDi,	{ 0,  0,  0,  0  },		{ 0, RQ, 0,  0  } },
	{ IKE_PL_IDr,	{ 0,  0,  0,  0  },		{ 0, RR, 0,  0  } },
	{ IKE_PL_CERT,	{ 0,  0,  0,  0  },		{ 0, RR, 0,  0  } },
	{ IKE_PL_CERTREQ, { RS, 0, 0, 0  },		{ 0, RQ, 0,  0  } },
	{ IKE_PL_AUTH,	{ 0,  0,  0,  0  },		{ 0, RR, 0,  0  } },
	{ IKE_PL_NONCE,	{ RR, 0,  0,  0  },		{ 0, 0,  RR, 0  } },
	{ IKE_PL_NOTIFY, { RR, 0, 0,  RS },		{ 0, RR, RR, RR } },
	{ IKE_PL_DELETE, { 0, 0,  0,  0  },		{ 0, 0,  0,  RR } },
	{ IKE_PL_VENDOR, { RR, 0, 0,  0  },		{ 0, RR, RR, RR } },
	{ IKE_PL_TSi,	{ 0,  0,  0,  0  },		{ 0, RR, RR, 0  } },
	{ IKE_PL_TSr,	{ 0,  0,  0,  0  },		{ 0, RR, RR, 0  } },
	{ IKE_PL_SK,	{ 0,  RR, RR, RR },		{ 0, 0,  0,  0  } },
	{ IKE_PL_CP,	{ 0,  0,  0,  0  },		{ 0, RR, 0,  RR } },
	{ IKE_PL_EAP,	{ 0,  0,  0,  0  },		{ 0, RR, 0,  0  } },
	{ IKE_PL_SKF,	{ 0,  RR, RR, RR },		{ 0, 0,  0,  0  } },
};

/* RFC 7296 3.2 lists these as appearing at most once per message. */
static const uint64_t ike_single =
    BIT(IKE_PL_SA) | BIT(IKE_PL_KE) | BIT(IKE_PL_IDi) | BIT(IKE_PL_IDr) |
    BIT(IKE_PL_AUTH) | BIT(IKE_PL_NONCE) | BIT(IKE_PL_TSi) |
    BIT(IKE_PL_TSr) | BIT(IKE_PL_SK) | BIT(IKE_PL_CP) | BIT(IKE_PL_EAP) |
    BIT(IKE_PL_SKF);

static const struct ike_legal *
legal_row(uint8_t type)
{
	size_t i;

	for (i = 0; i < sizeof(ike_legal_table) / sizeof(ike_legal_table[0]);
	    i++)
		if (ike_legal_table[i].type == type)
			return &ike_legal_table[i];
	return NULL;
}

bool
ike_msg_has(const struct ike_msg *m, uint8_t type)
{
	return type < 64 && ((m->clear | m->inner) & BIT(type)) != 0;
}

const struct ike_pl_notify *
ike_msg_notify(const struct ike_msg *m, uint16_t type)
{
	size_t i;

	for (i = 0; i < m->n_notify; i++)
		if (m->notify[i].type == type)
			return &m->notify[i];
	return NULL;
}

static enum ike_dec
set_err(struct ike_msg *m, enum ike_dec v, uint8_t type, bool inner,
    size_t off, const char *detail)
{
	m->err.verdict = v;
	m->err.payload = type;
	m->err.inner = inner;
	m->err.offset = off;
	m->err.detail = detail;
	return v;
}

static enum ike_dec
hdr_decode(struct ike_hdr *h, const uint8_t *data, size_t len,
    const char **detail)
{
	struct rbuf b;
	uint8_t version;

	memset(h, 0, sizeof(*h));
	if (data == NULL || len < IKE_HDR_LEN) {
		*detail = "shorter than the IKE header";
		return IKE_DEC_TRUNCATED;
	}
	rbuf_init(&b, data, len);
	(void)rbuf_get_u64(&b, &h->ispi);
	(void)rbuf_get_u64(&b, &h->rspi);
	(void)rbuf_get_u8(&b, &h->next);
	(void)rbuf_get_u8(&b, &version);
	(void)rbuf_get_u8(&b, &h->exchange);
	(void)rbuf_get_u8(&b, &h->flags);
	(void)rbuf_get_u32(&b, &h->msgid);
	(void)rbuf_get_u32(&b, &h->length);
	h->major = version >> 4;
	h->minor = version & 0x0f;
	/* RFC 7296 3.1: the minor version is ignored on receipt; a higher
	 * major is answered with INVALID_MAJOR_VERSION (2.5), from the
	 * fields above, before anything else is trusted. */
	if (h->major > 2) {
		*detail = "major version above 2";
		return IKE_DEC_BAD_VERSION;
	}
	if (h->major < 2) {
		*detail = "major version below 2";
		return IKE_DEC_OLD_VERSION;
	}
	if (h->ispi == 0) {
		*detail = "initiator SPI is zero";
		return IKE_DEC_BAD_SPI;
	}
	if (h->length < IKE_HDR_LEN) {
		*detail = "length field below 28";
		return IKE_DEC_BAD_LENGTH;
	}
	if (h->length != len) {
		*detail = h->length < len ? "length field below datagram size" :
		    "length field above datagram size";
		return IKE_DEC_BAD_LENGTH;
	}
	return IKE_DEC_OK;
}

enum ike_dec
ike_hdr_decode(struct ike_hdr *h, const uint8_t *data, size_t len)
{
	const char *detail;

	return hdr_decode(h, data, len, &detail);
}

static bool
type_known(uint8_t type)
{
	return legal_row(type) != NULL;
}

/* A payload that may come more than once (up to a bound) into m. */
static enum ike_dec
payload_store_repeated(struct ike_msg *m, uint8_t type, struct rbuf *b,
    bool inner, struct ike_dec_ctx *ctx)
{
	struct ike_pl_other *o;
	enum ike_dec v = IKE_DEC_OK;

	switch (type) {
	case IKE_PL_NOTIFY:
		if (m->n_notify == IKE_NOTIFY_MAX) {
			ctx->detail = "more than 16 notifies";
			return IKE_DEC_TOO_MANY;
		}
		v = ike_payload_notify_decode(b, ctx, &m->notify[m->n_notify]);
		if (v == IKE_DEC_OK)
			m->notify[m->n_notify++].inner = inner;
		return v;
	case IKE_PL_DELETE:
		if (m->n_delete == IKE_DELETE_MAX) {
			ctx->detail = "more than 8 Delete payloads";
			return IKE_DEC_TOO_MANY;
		}
		v = ike_payload_delete_decode(b, ctx, &m->del[m->n_delete]);
		if (v == IKE_DEC_OK)
			m->del[m->n_delete++].inner = inner;
		return v;
	case IKE_PL_VENDOR:
		if (m->n_vendor == IKE_VENDOR_MAX) {
			ctx->detail = "more than 8 vendor IDs";
			return IKE_DEC_TOO_MANY;
		}
		m->vendor[m->n_vendor].len = rbuf_left(b);
		m->vendor[m->n_vendor].data = rbuf_get_ptr(b, rbuf_left(b));
		m->vendor[m->n_vendor++].inner = inner;
		return v;
	default:	/* CERT, CERTREQ, CP, EAP: kept as they are */
		if (m->n_other == IKE_OTHER_MAX) {
			ctx->detail = "more than 8 CERT/CERTREQ/CP/EAP";
			return IKE_DEC_TOO_MANY;
		}
		o = &m->other[m->n_other++];
		o->type = type;
		o->inner = inner;
		o->len = rbuf_left(b);
		o->body = rbuf_get_ptr(b, o->len);
		return v;
	}
}

/* One payload body into m. b is exactly the body. */
static enum ike_dec
payload_store(struct ike_msg *m, uint8_t type, uint8_t next, struct rbuf *b,
    size_t off, bool inner, struct ike_dec_ctx *ctx)
{
	enum ike_dec v = IKE_DEC_OK;

	if (type < 64 && (ike_single & BIT(type)) &&
	    ((m->clear | m->inner) & BIT(type))) {
		ctx->detail = "single-instance payload repeated";
		return IKE_DEC_DUPLICATE;
	}
	switch (type) {
	case IKE_PL_SA:
		v = ike_payload_sa_decode(b, ctx, &m->sa);
		break;
	case IKE_PL_KE:
		v = ike_payload_ke_decode(b, ctx, &m->ke);
		break;
	case IKE_PL_IDi:
		v = ike_payload_id_decode(b, ctx, &m->idi);
		break;
	case IKE_PL_IDr:
		v = ike_payload_id_decode(b, ctx, &m->idr);
		break;
	case IKE_PL_AUTH:
		v = ike_payload_auth_decode(b, ctx, &m->auth);
		break;
	case IKE_PL_NONCE:
		v = ike_payload_nonce_decode(b, ctx, &m->nonce);
		break;
	case IKE_PL_TSi:
		v = ike_payload_ts_decode(b, ctx, &m->tsi);
		break;
	case IKE_PL_TSr:
		v = ike_payload_ts_decode(b, ctx, &m->tsr);
		break;
	case IKE_PL_NOTIFY:
	case IKE_PL_DELETE:
	case IKE_PL_VENDOR:
	case IKE_PL_CERT:
	case IKE_PL_CERTREQ:
	case IKE_PL_CP:
	case IKE_PL_EAP:
		v = payload_store_repeated(m, type, b, inner, ctx);
		break;
	case IKE_PL_SK:
	case IKE_PL_SKF:
		memset(&m->sk, 0, sizeof(m->sk));
		m->sk.next = next;
		m->sk.hdr_off = off;
		if (type == IKE_PL_SKF) {
			v = ike_payload_skf_decode(b, ctx, &m->sk);
		} else {
			m->sk.len = rbuf_left(b);
			m->sk.body = rbuf_get_ptr(b, m->sk.len);
		}
		break;
	default:
		/* Not reached: unknown types are handled by the walk. */
		ctx->detail = "unknown payload type";
		return IKE_DEC_BAD_SYNTAX;
	}
	if (v != IKE_DEC_OK)
		return v;
	if (inner)
		m->inner |= BIT(type);
	else
		m->clear |= BIT(type);
	return IKE_DEC_OK;
}

/*
 * The payload chain (RFC 7296 3.2) from offset start of base[0, len): each
 * generic header is checked (length >= 4 and within what is left), so the
 * walk always ends; SK/SKF end the outer chain, since their Next Payload
 * names the first inner payload (3.14); trailing bytes are an error.
 */
static enum ike_dec
chain_decode(struct ike_msg *m, uint8_t first, const uint8_t *base,
    size_t len, size_t start, bool inner)
{
	struct ike_dec_ctx ctx;
	struct rbuf b, body;
	uint8_t type = first, next, flags;
	uint16_t plen;
	size_t off;
	enum ike_dec v;

	ctx.exchange = m->hdr.exchange;
	ctx.response = (m->hdr.flags & IKE_FLAG_RESPONSE) != 0;
	ctx.detail = NULL;
	rbuf_init(&b, base, len);
	if (rbuf_skip(&b, start) == -1)
		return set_err(m, IKE_DEC_TRUNCATED, type, inner, 0,
		    "chain starts beyond the data");
	while (type != IKE_PL_NONE) {
		off = rbuf_pos(&b);
		if (rbuf_get_u8(&b, &next) == -1 ||
		    rbuf_get_u8(&b, &flags) == -1 ||
		    rbuf_get_u16(&b, &plen) == -1)
			return set_err(m, IKE_DEC_TRUNCATED, type, inner, off,
			    "payload header beyond the end");
		if (plen < IKE_GENERIC_HDR_LEN)
			return set_err(m, IKE_DEC_BAD_LENGTH, type, inner, off,
			    "payload length below 4");
		if (rbuf_get_sub(&b, plen - IKE_GENERIC_HDR_LEN, &body) == -1)
			return set_err(m, IKE_DEC_BAD_LENGTH, type, inner, off,
			    "payload length beyond the end");
		/* The critical bit only matters for types we do not know;
		 * the 7 RESERVED bits are ignored on receipt (3.2). */
		if (!type_known(type)) {
			if (flags & IKE_PAYLOAD_CRITICAL)
				return set_err(m, IKE_DEC_UNSUPPORTED_CRITICAL,
				    type, inner, off,
				    "unknown payload with critical bit");
			m->n_skipped++;
			type = next;
			continue;
		}
		if (inner && (type == IKE_PL_SK || type == IKE_PL_SKF))
			return set_err(m, IKE_DEC_NOT_ALLOWED, type, inner, off,
			    "SK inside SK");
		v = payload_store(m, type, next, &body, off, inner, &ctx);
		if (v != IKE_DEC_OK)
			return set_err(m, v, type, inner, off, ctx.detail);
		if (rbuf_left(&body) > 0)	/* a decoder left bytes */
			return set_err(m, IKE_DEC_TRAILING, type, inner, off,
			    "bytes left in payload body");
		if (type == IKE_PL_SK || type == IKE_PL_SKF) {
			if (rbuf_left(&b) > 0)
				return set_err(m, IKE_DEC_SK_NOT_LAST, type,
				    inner, off, "bytes after SK payload");
			break;
		}
		type = next;
	}
	if (rbuf_left(&b) > 0)
		return set_err(m, IKE_DEC_TRAILING, IKE_PL_NONE, inner,
		    rbuf_pos(&b), "bytes after the last payload");
	return IKE_DEC_OK;
}

enum ike_dec
ike_msg_check(struct ike_msg *m)
{
	const struct ike_legal *row;
	uint8_t dir, t;
	unsigned int x;

	if (m->hdr.exchange < IKE_SA_INIT || m->hdr.exchange > INFORMATIONAL)
		return set_err(m, IKE_DEC_BAD_EXCHANGE, 0, false, 0,
		    "exchange type not 34..37");
	x = m->hdr.exchange - IKE_SA_INIT;
	dir = (m->hdr.flags & IKE_FLAG_RESPONSE) ? RS : RQ;
	for (t = 0; t < 64; t++) {
		if (!((m->clear | m->inner) & BIT(t)))
			continue;
		if ((row = legal_row(t)) == NULL)
			continue;	/* cannot happen: only known are set */
		if ((m->clear & BIT(t)) && !(row->clear[x] & dir))
			return set_err(m, IKE_DEC_NOT_ALLOWED, t, false, 0,
			    "payload not allowed in clear here");
		if ((m->inner & BIT(t)) && !(row->sk[x] & dir))
			return set_err(m, IKE_DEC_NOT_ALLOWED, t, true, 0,
			    "payload not allowed inside SK here");
	}
	/* After IKE_SA_INIT everything is protected (RFC 7296 1.2); the one
	 * exception is an unprotected INVALID_IKE_SPI answer (2.21.4). */
	if (x != X_INIT && !(m->clear & (BIT(IKE_PL_SK) | BIT(IKE_PL_SKF))) &&
	    !(x == X_INFO && dir == RS && m->clear == BIT(IKE_PL_NOTIFY)))
		return set_err(m, IKE_DEC_MISSING, IKE_PL_SK, false, 0,
		    "protected exchange without SK payload");
	m->err.verdict = IKE_DEC_OK;
	return IKE_DEC_OK;
}

enum ike_dec
ike_msg_decode(struct ike_msg *m, const uint8_t *data, size_t len)
{
	const char *detail = NULL;
	enum ike_dec v;

	memset(m, 0, sizeof(*m));
	m->data = data;
	m->len = len;
	if ((v = hdr_decode(&m->hdr, data, len, &detail)) != IKE_DEC_OK)
		return set_err(m, v, 0, false, 0, detail);
	v = chain_decode(m, m->hdr.next, data, len, IKE_HDR_LEN, false);
	if (v != IKE_DEC_OK)
		return v;
	return ike_msg_check(m);
}

enum ike_dec
ike_msg_decode_inner(struct ike_msg *m, uint8_t first, const uint8_t *plain,
    size_t len)
{
	enum ike_dec v;

	if (plain == NULL && len > 0)
		return set_err(m, IKE_DEC_TRUNCATED, first, true, 0,
		    "no plaintext");
	v = chain_decode(m, first, plain, len, 0, true);
	if (v != IKE_DEC_OK)
		return v;
	return ike_msg_check(m);
}

/* The builder. */

void
ike_msg_encode_init(struct ike_enc *e, struct wbuf *w,
    const struct ike_hdr *h)
{
	memset(e, 0, sizeof(*e));
	e->w = w;
	e->hdr_off = w->len;
	e->np_off = w->len + IKE_HDR_OFF_NEXT;
	e->pl_off = SIZE_MAX;
	e->sk_off = SIZE_MAX;
	wbuf_put_u64(w, h->ispi);
	wbuf_put_u64(w, h->rspi);
	wbuf_put_u8(w, IKE_PL_NONE);
	wbuf_put_u8(w, IKE_VERSION_2);
	wbuf_put_u8(w, h->exchange);
	wbuf_put_u8(w, h->flags & (IKE_FLAG_INITIATOR | IKE_FLAG_RESPONSE));
	wbuf_put_u32(w, h->msgid);
	wbuf_put_u32(w, 0);	/* patched by finish */
}

static void
pl_end(struct ike_enc *e)
{
	size_t len;

	if (e->pl_off == SIZE_MAX)
		return;
	len = e->w->len - e->pl_off;
	if (len > UINT16_MAX)
		e->err = true;
	else
		wbuf_patch_u16(e->w, e->pl_off + 2, (uint16_t)len);
	e->pl_off = SIZE_MAX;
}

/* Ends the previous payload, links it to this one, writes a generic header
 * with Next Payload 0 (patched when a payload follows) and length 0. */
static bool
pl_begin(struct ike_enc *e, uint8_t type, uint8_t flags)
{
	struct wbuf *w = e->w;

	if (e->err || e->closed || !wbuf_ok(w)) {
		e->err = true;
		return false;
	}
	pl_end(e);
	wbuf_patch_u8(w, e->np_off, type);
	e->pl_off = w->len;
	e->np_off = w->len;
	wbuf_put_u8(w, IKE_PL_NONE);
	wbuf_put_u8(w, flags & IKE_PAYLOAD_CRITICAL);
	wbuf_put_u16(w, 0);
	return wbuf_ok(w);
}

void
ike_msg_encode_sa(struct ike_enc *e, const struct ike_proposal_list *pl)
{
	if (pl_begin(e, IKE_PL_SA, 0))
		ike_payload_sa_encode(e->w, pl);
}

void
ike_msg_encode_ke(struct ike_enc *e, uint16_t group, const void *data,
    size_t len)
{
	if (pl_begin(e, IKE_PL_KE, 0))
		ike_payload_ke_encode(e->w, group, data, len);
}

void
ike_msg_encode_id(struct ike_enc *e, uint8_t which, uint8_t id_type,
    const void *data, size_t len)
{
	if (which != IKE_PL_IDi && which != IKE_PL_IDr) {
		e->err = true;
		return;
	}
	if (pl_begin(e, which, 0))
		ike_payload_id_encode(e->w, id_type, data, len);
}

void
ike_msg_encode_auth(struct ike_enc *e, uint8_t method, const void *data,
    size_t len)
{
	if (pl_begin(e, IKE_PL_AUTH, 0))
		ike_payload_auth_encode(e->w, method, data, len);
}

void
ike_msg_encode_nonce(struct ike_enc *e, const void *data, size_t len)
{
	if (pl_begin(e, IKE_PL_NONCE, 0))
		wbuf_put_bytes(e->w, data, len);
}

void
ike_msg_encode_notify(struct ike_enc *e, uint8_t proto, const void *spi,
    uint8_t spi_size, uint16_t type, const void *data, size_t len)
{
	if (pl_begin(e, IKE_PL_NOTIFY, 0))
		ike_payload_notify_encode(e->w, proto, spi, spi_size, type,
		    data, len);
}

void
ike_msg_encode_delete(struct ike_enc *e, uint8_t proto, const uint32_t *spis,
    size_t n)
{
	if (pl_begin(e, IKE_PL_DELETE, 0))
		ike_payload_delete_encode(e->w, proto, spis, n);
}

void
ike_msg_encode_vendor(struct ike_enc *e, const void *data, size_t len)
{
	if (pl_begin(e, IKE_PL_VENDOR, 0))
		wbuf_put_bytes(e->w, data, len);
}

void
ike_msg_encode_ts(struct ike_enc *e, uint8_t which, const struct ike_ts *ts,
    size_t n)
{
	if (which != IKE_PL_TSi && which != IKE_PL_TSr) {
		e->err = true;
		return;
	}
	if (pl_begin(e, which, 0))
		ike_payload_ts_encode(e->w, ts, n);
}

void
ike_msg_encode_generic(struct ike_enc *e, uint8_t type, uint8_t flags,
    const void *body, size_t len)
{
	if (pl_begin(e, type, flags))
		wbuf_put_bytes(e->w, body, len);
}

void
ike_msg_encode_sk_begin(struct ike_enc *e, size_t iv_len)
{
	if (e->sk_type != 0 || !pl_begin(e, IKE_PL_SK, 0)) {
		e->err = true;
		return;
	}
	e->sk_type = IKE_PL_SK;
	e->sk_off = e->pl_off;
	/* The SK length spans the inner payloads: patched by finish. Its
	 * Next Payload byte gets the first inner payload's type. */
	e->pl_off = SIZE_MAX;
	e->iv_off = e->w->len;
	e->iv_len = iv_len;
	wbuf_put_zero(e->w, iv_len);
	e->plain_off = e->w->len;
}

void
ike_msg_encode_skf(struct ike_enc *e, uint16_t num, uint16_t total,
    uint8_t first, size_t iv_len, const void *chunk, size_t len)
{
	if (e->sk_type != 0 || !pl_begin(e, IKE_PL_SKF, 0)) {
		e->err = true;
		return;
	}
	e->sk_type = IKE_PL_SKF;
	e->sk_off = e->pl_off;
	e->pl_off = SIZE_MAX;
	/* RFC 7383 2.5: only the first fragment names the inner chain. */
	wbuf_patch_u8(e->w, e->sk_off, num == 1 ? first : IKE_PL_NONE);
	wbuf_put_u16(e->w, num);
	wbuf_put_u16(e->w, total);
	e->iv_off = e->w->len;
	e->iv_len = iv_len;
	wbuf_put_zero(e->w, iv_len);
	e->plain_off = e->w->len;
	wbuf_put_bytes(e->w, chunk, len);
	e->closed = true;
}

int
ike_msg_encode_sk_lengths(struct wbuf *w, const struct ike_sk_layout *lay)
{
	size_t sk_len, msg_len;

	if (lay->sk_off < lay->hdr_off || lay->sk_off >= w->len)
		return -1;
	sk_len = w->len - lay->sk_off;
	msg_len = w->len - lay->hdr_off;
	if (sk_len > UINT16_MAX || msg_len > UINT32_MAX)
		return -1;
	wbuf_patch_u16(w, lay->sk_off + 2, (uint16_t)sk_len);
	wbuf_patch_u32(w, lay->hdr_off + IKE_HDR_OFF_LENGTH, (uint32_t)msg_len);
	return wbuf_ok(w) ? 0 : -1;
}

#ifdef VTID_DEBUG_CHECKS
/* Our own output must decode: anything else is a bug of ours. */
static void
encode_verify(const struct ike_enc *e, const struct ike_sk_layout *lay)
{
	struct ike_msg m;
	enum ike_dec v;
	const struct wbuf *w = e->w;

	v = ike_msg_decode(&m, w->base + e->hdr_off, w->len - e->hdr_off);
	if (v == IKE_DEC_OK && e->sk_type == IKE_PL_SK)
		v = ike_msg_decode_inner(&m, m.sk.next, w->base + lay->plain_off,
		    lay->plain_len);
	if (v != IKE_DEC_OK)
		fatal("ike: encoded %s %s does not decode: %s, payload %s: %s",
		    ike_exchange_name(m.hdr.exchange),
		    (m.hdr.flags & IKE_FLAG_RESPONSE) ? "response" : "request",
		    ike_dec_str(v), ike_payload_name(m.err.payload),
		    m.err.detail != NULL ? m.err.detail : "");
}
#endif

long
ike_msg_encode_finish(struct ike_enc *e, struct ike_sk_layout *lay)
{
	struct ike_sk_layout tmp;
	struct wbuf *w = e->w;

	if (e->err || !wbuf_ok(w) || (e->sk_type != 0 && lay == NULL))
		goto fail;
	pl_end(e);
	if (lay == NULL)
		lay = &tmp;
	memset(lay, 0, sizeof(*lay));
	lay->hdr_off = e->hdr_off;
	if (e->sk_type != 0) {
		lay->sk_off = e->sk_off;
		lay->iv_off = e->iv_off;
		lay->iv_len = e->iv_len;
		lay->plain_off = e->plain_off;
		lay->plain_len = w->len - e->plain_off;
		if (ike_msg_encode_sk_lengths(w, lay) == -1)
			goto fail;
	} else if (w->len - e->hdr_off > UINT32_MAX) {
		goto fail;
	} else {
		wbuf_patch_u32(w, e->hdr_off + IKE_HDR_OFF_LENGTH,
		    (uint32_t)(w->len - e->hdr_off));
	}
	if (e->err || !wbuf_ok(w))
		goto fail;
	e->closed = true;
#ifdef VTID_DEBUG_CHECKS
	if (!e->no_check)
		encode_verify(e, lay);
#endif
	return (long)(w->len - e->hdr_off);
fail:
	e->err = true;
	e->closed = true;
	return -1;
}
