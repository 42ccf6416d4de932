/* IKEv2 payload bodies: decoders that check every range RFC 7296 section 3
 * gives before anything reads a field, and the matching encoders. */
#include <string.h>

#include "ike/payload.h"

static const char *const ike_dec_names[IKE_DEC_MAX] = {
	[IKE_DEC_OK]			= "ok",
	[IKE_DEC_TRUNCATED]		= "truncated",
	[IKE_DEC_BAD_LENGTH]		= "bad length",
	[IKE_DEC_BAD_VERSION]		= "unsupported major version",
	[IKE_DEC_OLD_VERSION]		= "IKEv1 or older",
	[IKE_DEC_BAD_SPI]		= "bad SPI",
	[IKE_DEC_TRAILING]		= "trailing bytes",
	[IKE_DEC_DUPLICATE]		= "duplicate payload",
	[IKE_DEC_UNSUPPORTED_CRITICAL]	= "unsupported critical payload",
	[IKE_DEC_BAD_RANGE]		= "value out of range",
	[IKE_DEC_BAD_SYNTAX]		= "bad syntax",
	[IKE_DEC_TOO_MANY]		= "too many items",
	[IKE_DEC_SK_NOT_LAST]		= "SK payload not last",
	[IKE_DEC_NOT_ALLOWED]		= "payload not allowed here",
	[IKE_DEC_MISSING]		= "missing SK payload",
	[IKE_DEC_BAD_EXCHANGE]		= "unknown exchange type",
};

const char *
ike_dec_str(enum ike_dec v)
{
	if ((unsigned int)v >= IKE_DEC_MAX || ike_dec_names[v] == NULL)
		return "unknown verdict";
	return ike_dec_names[v];
}

uint16_t
ike_dec_notify(enum ike_dec v)
{
	switch (v) {
	case IKE_DEC_UNSUPPORTED_CRITICAL:
		return UNSUPPORTED_CRITICAL_PAYLOAD;	/* RFC 7296 3.2 */
	case IKE_DEC_BAD_VERSION:
		return INVALID_MAJOR_VERSION;		/* RFC 7296 2.5 */
	case IKE_DEC_TRUNCATED:
	case IKE_DEC_BAD_LENGTH:
	case IKE_DEC_TRAILING:
	case IKE_DEC_DUPLICATE:
	case IKE_DEC_BAD_RANGE:
	case IKE_DEC_BAD_SYNTAX:
	case IKE_DEC_TOO_MANY:
	case IKE_DEC_SK_NOT_LAST:
	case IKE_DEC_NOT_ALLOWED:
	case IKE_DEC_MISSING:
		return INVALID_SYNTAX;			/* RFC 7296 2.21.1 */
	case IKE_DEC_OK:
	case IKE_DEC_OLD_VERSION:	/* RFC 7296 2.5: no IKEv1 answer */
	case IKE_DEC_BAD_SPI:
	case IKE_DEC_BAD_EXCHANGE:
	case IKE_DEC_MAX:
		break;
	}
	return 0;
}

bool
ike_notify_is_error(uint16_t type)
{
	return type < IKE_NOTIFY_STATUS_MIN;
}

uint32_t
ike_pl_delete_spi(const struct ike_pl_delete *d, size_t i)
{
	const uint8_t *p;

	if (d->spi_size != 4 || i >= d->count)
		return 0;
	p = d->spis + i * 4;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* Record why and return the verdict: one line per rejection. */
static enum ike_dec
fail(struct ike_dec_ctx *ctx, enum ike_dec v, const char *why)
{
	ctx->detail = why;
	return v;
}

/* Transform attributes, RFC 7296 3.3.5: Key Length is the only one defined
 * and is TV. Unknown attributes make the transform unusable, not the
 * message invalid (RFC 7296 3.3.6). */
static enum ike_dec
transform_attrs_decode(struct rbuf *b, struct ike_dec_ctx *ctx,
    struct ike_transform *x)
{
	bool unusable = false, have_keylen = false;
	uint16_t af_type, val, type;

	while (rbuf_left(b) > 0) {
		if (rbuf_get_u16(b, &af_type) == -1 ||
		    rbuf_get_u16(b, &val) == -1)
			return fail(ctx, IKE_DEC_TRUNCATED,
			    "transform attribute truncated");
		type = af_type & (uint16_t)~IKE_ATTR_TV;
		if (!(af_type & IKE_ATTR_TV)) {
			/* TLV: val is the length of the value. */
			if (type == IKE_ATTR_KEY_LENGTH)
				return fail(ctx, IKE_DEC_BAD_SYNTAX,
				    "Key Length attribute in TLV form");
			if (rbuf_skip(b, val) == -1)
				return fail(ctx, IKE_DEC_BAD_LENGTH,
				    "attribute beyond its transform");
			unusable = true;
			continue;
		}
		if (type != IKE_ATTR_KEY_LENGTH || have_keylen || val == 0) {
			unusable = true;
			continue;
		}
		have_keylen = true;
		x->keylen = val;
	}
	if (unusable)
		x->keylen = IKE_KEYLEN_UNUSABLE;
	return IKE_DEC_OK;
}

/* The SPI size a proposal for proto must carry in this exchange (RFC 7296
 * 3.3.1): none in IKE_SA_INIT (the SPIs are in the header), 8 for an IKE SA
 * rekey, 4 for ESP and AH. -1: this protocol has no place here. */
static int
proposal_spi_size(uint8_t proto, uint8_t exchange)
{
	switch (proto) {
	case IKE_PROTO_IKE:
		if (exchange == IKE_SA_INIT)
			return 0;
		if (exchange == CREATE_CHILD_SA)
			return IKE_SPI_LEN;
		return -1;
	case IKE_PROTO_ESP:
	case IKE_PROTO_AH:
		if (exchange == IKE_AUTH || exchange == CREATE_CHILD_SA)
			return 4;
		return -1;
	default:
		return -1;
	}
}

static enum ike_dec
proposal_decode(struct rbuf *b, struct ike_dec_ctx *ctx,
    struct ike_proposal *p)
{
	uint8_t nx, last = IKE_TRANSFORM_MORE, res8, type;
	uint16_t len, id;
	unsigned int count = 0;
	struct rbuf xb;
	struct ike_transform scratch, *x;
	enum ike_dec v;
	int want;

	memset(p, 0, sizeof(*p));
	if (rbuf_get_u8(b, &p->num) == -1 || rbuf_get_u8(b, &p->proto) == -1 ||
	    rbuf_get_u8(b, &p->spi_size) == -1 || rbuf_get_u8(b, &nx) == -1)
		return fail(ctx, IKE_DEC_TRUNCATED, "proposal header");
	if (p->num == 0)
		return fail(ctx, IKE_DEC_BAD_RANGE, "proposal number 0");
	want = proposal_spi_size(p->proto, ctx->exchange);
	if (want == -1)
		return fail(ctx, IKE_DEC_BAD_RANGE,
		    "protocol ID not allowed in this exchange");
	if (p->spi_size != want)
		return fail(ctx, IKE_DEC_BAD_RANGE,
		    "proposal SPI size wrong for its protocol");
	if (rbuf_get_bytes(b, p->spi, p->spi_size) == -1)
		return fail(ctx, IKE_DEC_BAD_LENGTH, "proposal SPI truncated");
	if (nx == 0)
		return fail(ctx, IKE_DEC_BAD_SYNTAX, "proposal without transforms");

	while (rbuf_left(b) > 0) {
		if (last != IKE_TRANSFORM_MORE)
			return fail(ctx, IKE_DEC_TRAILING,
			    "bytes after the last transform");
		if (rbuf_get_u8(b, &last) == -1 ||
		    rbuf_get_u8(b, &res8) == -1 ||
		    rbuf_get_u16(b, &len) == -1)
			return fail(ctx, IKE_DEC_TRUNCATED, "transform header");
		if (last != 0 && last != IKE_TRANSFORM_MORE)
			return fail(ctx, IKE_DEC_BAD_SYNTAX,
			    "transform Last Substruc not 0 or 3");
		if (len < IKE_TRANSFORM_HDR_LEN)
			return fail(ctx, IKE_DEC_BAD_LENGTH,
			    "transform length below 8");
		if (rbuf_get_sub(b, len - 4u, &xb) == -1)
			return fail(ctx, IKE_DEC_BAD_LENGTH,
			    "transform beyond its proposal");
		/* Past the limit keep checking, but into scratch space. */
		x = count < IKE_XFORMS_MAX ? &p->xforms[count] : &scratch;
		memset(x, 0, sizeof(*x));
		if (rbuf_get_u8(&xb, &type) == -1 ||
		    rbuf_get_u8(&xb, &res8) == -1 ||
		    rbuf_get_u16(&xb, &id) == -1)
			return fail(ctx, IKE_DEC_TRUNCATED, "transform header");
		x->type = type;
		x->id = id;
		if ((v = transform_attrs_decode(&xb, ctx, x)) != IKE_DEC_OK)
			return v;
		count++;
	}
	if (last == IKE_TRANSFORM_MORE)
		return fail(ctx, IKE_DEC_BAD_SYNTAX,
		    "transform says more but the proposal ends");
	if (count != nx)
		return fail(ctx, IKE_DEC_BAD_SYNTAX,
		    "transform count field does not match");
	/* A proposal with more transforms than we keep cannot be evaluated
	 * whole; leaving it empty makes it unacceptable (no ENCR). */
	p->n_xforms = count <= IKE_XFORMS_MAX ? (uint8_t)count : 0;
	return IKE_DEC_OK;
}

enum ike_dec
ike_payload_sa_decode(struct rbuf *b, struct ike_dec_ctx *ctx,
    struct ike_pl_sa *sa)
{
	uint8_t last = IKE_PROPOSAL_MORE, res8;
	uint16_t len;
	unsigned int count = 0;
	struct rbuf pb;
	struct ike_proposal scratch, *p;
	enum ike_dec v;

	memset(sa, 0, sizeof(*sa));
	if (rbuf_left(b) == 0)
		return fail(ctx, IKE_DEC_BAD_SYNTAX, "SA without proposals");
	while (rbuf_left(b) > 0) {
		if (last != IKE_PROPOSAL_MORE)
			return fail(ctx, IKE_DEC_TRAILING,
			    "bytes after the last proposal");
		if (rbuf_get_u8(b, &last) == -1 ||
		    rbuf_get_u8(b, &res8) == -1 ||
		    rbuf_get_u16(b, &len) == -1)
			return fail(ctx, IKE_DEC_TRUNCATED, "proposal header");
		if (last != 0 && last != IKE_PROPOSAL_MORE)
			return fail(ctx, IKE_DEC_BAD_SYNTAX,
			    "proposal Last Substruc not 0 or 2");
		if (len < IKE_PROPOSAL_HDR_LEN)
			return fail(ctx, IKE_DEC_BAD_LENGTH,
			    "proposal length below 8");
		if (rbuf_get_sub(b, len - 4u, &pb) == -1)
			return fail(ctx, IKE_DEC_BAD_LENGTH,
			    "proposal beyond the SA payload");
		p = sa->props.n < IKE_PROPOSALS_MAX ?
		    &sa->props.p[sa->props.n] : &scratch;
		if ((v = proposal_decode(&pb, ctx, p)) != IKE_DEC_OK)
			return v;
		/* RFC 7296 3.3.1: the first proposal is 1, each next one
		 * more; a response echoes the one number it accepted. */
		if (!ctx->response && p->num != count + 1)
			return fail(ctx, IKE_DEC_BAD_SYNTAX,
			    "proposal numbers not consecutive from 1");
		count++;
		if (p == &scratch)
			sa->too_many = true;
		else
			sa->props.n++;
	}
	if (last == IKE_PROPOSAL_MORE)
		return fail(ctx, IKE_DEC_BAD_SYNTAX,
		    "proposal says more but the SA payload ends");
	/* RFC 7296 3.3: the responder answers with a single proposal. */
	if (ctx->response && count != 1)
		return fail(ctx, IKE_DEC_BAD_SYNTAX,
		    "response SA with more than one proposal");
	return IKE_DEC_OK;
}

enum ike_dec
ike_payload_ke_decode(struct rbuf *b, struct ike_dec_ctx *ctx,
    struct ike_pl_ke *ke)
{
	uint16_t res;

	memset(ke, 0, sizeof(*ke));
	if (rbuf_get_u16(b, &ke->group) == -1 || rbuf_get_u16(b, &res) == -1)
		return fail(ctx, IKE_DEC_TRUNCATED, "KE header");
	/* The group decides the exact size (RFC 7296 3.4); dh.c checks it. */
	ke->len = rbuf_left(b);
	if (ke->len == 0)
		return fail(ctx, IKE_DEC_BAD_LENGTH, "KE without data");
	ke->data = rbuf_get_ptr(b, ke->len);
	return IKE_DEC_OK;
}

enum ike_dec
ike_payload_id_decode(struct rbuf *b, struct ike_dec_ctx *ctx,
    struct ike_pl_id *id)
{
	memset(id, 0, sizeof(*id));
	id->body = rbuf_cur(b);
	id->body_len = rbuf_left(b);
	if (rbuf_get_u8(b, &id->type) == -1 || rbuf_skip(b, 3) == -1)
		return fail(ctx, IKE_DEC_TRUNCATED, "ID header");
	id->len = rbuf_left(b);
	id->data = rbuf_get_ptr(b, id->len);
	switch (id->type) {
	case ID_IPV4_ADDR:
		if (id->len != 4)
			return fail(ctx, IKE_DEC_BAD_LENGTH,
			    "ID_IPV4_ADDR not 4 bytes");
		break;
	case ID_IPV6_ADDR:
		if (id->len != 16)
			return fail(ctx, IKE_DEC_BAD_LENGTH,
			    "ID_IPV6_ADDR not 16 bytes");
		break;
	case 0:
		return fail(ctx, IKE_DEC_BAD_RANGE, "ID type 0 is reserved");
	default:
		/* FQDN, RFC822, KEY_ID, DER: opaque, but never empty. */
		if (id->len == 0)
			return fail(ctx, IKE_DEC_BAD_LENGTH, "empty ID");
		break;
	}
	return IKE_DEC_OK;
}

enum ike_dec
ike_payload_auth_decode(struct rbuf *b, struct ike_dec_ctx *ctx,
    struct ike_pl_auth *auth)
{
	memset(auth, 0, sizeof(*auth));
	if (rbuf_get_u8(b, &auth->method) == -1 || rbuf_skip(b, 3) == -1)
		return fail(ctx, IKE_DEC_TRUNCATED, "AUTH header");
	auth->len = rbuf_left(b);
	if (auth->len == 0)
		return fail(ctx, IKE_DEC_BAD_LENGTH, "AUTH without data");
	auth->data = rbuf_get_ptr(b, auth->len);
	return IKE_DEC_OK;
}

enum ike_dec
ike_payload_nonce_decode(struct rbuf *b, struct ike_dec_ctx *ctx,
    struct ike_pl_nonce *n)
{
	n->len = rbuf_left(b);
	/* RFC 7296 3.9: "between 16 and 256 octets, inclusive". */
	if (n->len < IKE_NONCE_MIN || n->len > IKE_NONCE_MAX)
		return fail(ctx, IKE_DEC_BAD_RANGE,
		    "nonce not 16..256 bytes");
	n->data = rbuf_get_ptr(b, n->len);
	return IKE_DEC_OK;
}

/* Notify data whose shape the RFCs fix: checked here once, so the state
 * machine can read it directly. */
static enum ike_dec
notify_data_check(struct ike_dec_ctx *ctx, const struct ike_pl_notify *n)
{
	switch (n->type) {
	case NAT_DETECTION_SOURCE_IP:
	case NAT_DETECTION_DESTINATION_IP:
		if (n->len != IKE_NAT_HASH_LEN)	/* RFC 7296 2.23 */
			return fail(ctx, IKE_DEC_BAD_LENGTH,
			    "NAT detection hash not 20 bytes");
		break;
	case COOKIE:
		if (n->len < 1 || n->len > IKE_COOKIE_MAX)	/* 2.6 */
			return fail(ctx, IKE_DEC_BAD_LENGTH,
			    "cookie not 1..64 bytes");
		break;
	case INVALID_KE_PAYLOAD:
		if (n->len != 2)	/* RFC 7296 1.3: the accepted group */
			return fail(ctx, IKE_DEC_BAD_LENGTH,
			    "INVALID_KE_PAYLOAD data not 2 bytes");
		break;
	case SIGNATURE_HASH_ALGORITHMS:
		if (n->len == 0 || n->len % 2 != 0)	/* RFC 7427 4 */
			return fail(ctx, IKE_DEC_BAD_LENGTH,
			    "hash algorithm list not pairs of bytes");
		break;
	default:
		break;
	}
	return IKE_DEC_OK;
}

enum ike_dec
ike_payload_notify_decode(struct rbuf *b, struct ike_dec_ctx *ctx,
    struct ike_pl_notify *n)
{
	memset(n, 0, sizeof(*n));
	if (rbuf_get_u8(b, &n->proto) == -1 ||
	    rbuf_get_u8(b, &n->spi_size) == -1 ||
	    rbuf_get_u16(b, &n->type) == -1)
		return fail(ctx, IKE_DEC_TRUNCATED, "notify header");
	/* RFC 7296 3.10: 0 for the IKE SA, 4 for ESP/AH; some peers send
	 * the 8-byte IKE SPI, which is harmless. */
	if (n->spi_size != 0 && n->spi_size != 4 && n->spi_size != 8)
		return fail(ctx, IKE_DEC_BAD_RANGE, "notify SPI size");
	if (n->spi_size > 0 &&
	    (n->spi = rbuf_get_ptr(b, n->spi_size)) == NULL)
		return fail(ctx, IKE_DEC_BAD_LENGTH, "notify SPI truncated");
	n->len = rbuf_left(b);
	n->data = rbuf_get_ptr(b, n->len);
	return notify_data_check(ctx, n);
}

enum ike_dec
ike_payload_delete_decode(struct rbuf *b, struct ike_dec_ctx *ctx,
    struct ike_pl_delete *d)
{
	size_t need;

	memset(d, 0, sizeof(*d));
	if (rbuf_get_u8(b, &d->proto) == -1 ||
	    rbuf_get_u8(b, &d->spi_size) == -1 ||
	    rbuf_get_u16(b, &d->count) == -1)
		return fail(ctx, IKE_DEC_TRUNCATED, "Delete header");
	/* RFC 7296 3.11: IKE has no SPIs here (they are in the header). */
	switch (d->proto) {
	case IKE_PROTO_IKE:
		if (d->spi_size != 0 || d->count != 0)
			return fail(ctx, IKE_DEC_BAD_RANGE,
			    "IKE Delete with SPIs");
		break;
	case IKE_PROTO_ESP:
	case IKE_PROTO_AH:
		if (d->spi_size != 4)
			return fail(ctx, IKE_DEC_BAD_RANGE,
			    "ESP/AH Delete SPI size not 4");
		break;
	default:
		return fail(ctx, IKE_DEC_BAD_RANGE, "Delete protocol ID");
	}
	need = (size_t)d->count * d->spi_size;
	if (need != rbuf_left(b))
		return fail(ctx, IKE_DEC_BAD_LENGTH,
		    "Delete SPI count disagrees with its length");
	d->spis = rbuf_get_ptr(b, need);
	return IKE_DEC_OK;
}

/* Big-endian compare: is a <= b? */
static bool
addr_le(const uint8_t *a, const uint8_t *b, size_t n)
{
	return memcmp(a, b, n) <= 0;
}

static enum ike_dec
ts_decode(struct rbuf *b, struct ike_dec_ctx *ctx, struct ike_ts *ts)
{
	uint16_t len;
	size_t alen;
	struct rbuf sb;

	memset(ts, 0, sizeof(*ts));
	if (rbuf_get_u8(b, &ts->type) == -1 ||
	    rbuf_get_u8(b, &ts->proto) == -1 ||
	    rbuf_get_u16(b, &len) == -1)
		return fail(ctx, IKE_DEC_TRUNCATED, "traffic selector header");
	if (len < 4 || rbuf_get_sub(b, len - 4u, &sb) == -1)
		return fail(ctx, IKE_DEC_BAD_LENGTH,
		    "traffic selector length");
	switch (ts->type) {
	case TS_IPV4_ADDR_RANGE:
		if (len != IKE_TS_IPV4_LEN)
			return fail(ctx, IKE_DEC_BAD_LENGTH,
			    "TS_IPV4_ADDR_RANGE not 16 bytes");
		alen = 4;
		break;
	case TS_IPV6_ADDR_RANGE:
		if (len != IKE_TS_IPV6_LEN)
			return fail(ctx, IKE_DEC_BAD_LENGTH,
			    "TS_IPV6_ADDR_RANGE not 40 bytes");
		alen = 16;
		break;
	default:
		/* Another selector type (RFC 4595, RFC 9478): the length
		 * lets us step over it; the state machine refuses it. */
		return IKE_DEC_OK;
	}
	if (rbuf_get_u16(&sb, &ts->sport) == -1 ||
	    rbuf_get_u16(&sb, &ts->eport) == -1 ||
	    rbuf_get_bytes(&sb, ts->start, alen) == -1 ||
	    rbuf_get_bytes(&sb, ts->end, alen) == -1)
		return fail(ctx, IKE_DEC_TRUNCATED, "traffic selector");
	/* RFC 7296 3.13.1: start <= end, except OPAQUE ports 65535..0. */
	if (ts->sport > ts->eport && !(ts->sport == 65535 && ts->eport == 0))
		return fail(ctx, IKE_DEC_BAD_RANGE,
		    "traffic selector start port above end port");
	if (!addr_le(ts->start, ts->end, alen))
		return fail(ctx, IKE_DEC_BAD_RANGE,
		    "traffic selector start address above end address");
	return IKE_DEC_OK;
}

enum ike_dec
ike_payload_ts_decode(struct rbuf *b, struct ike_dec_ctx *ctx,
    struct ike_pl_ts *t)
{
	uint8_t count;
	unsigned int i;
	enum ike_dec v;

	memset(t, 0, sizeof(*t));
	if (rbuf_get_u8(b, &count) == -1 || rbuf_skip(b, 3) == -1)
		return fail(ctx, IKE_DEC_TRUNCATED, "TS header");
	if (count == 0)
		return fail(ctx, IKE_DEC_BAD_RANGE, "TS payload without selectors");
	if (count > IKE_TS_MAX)
		return fail(ctx, IKE_DEC_TOO_MANY, "more than 16 selectors");
	for (i = 0; i < count; i++) {
		if (rbuf_left(b) == 0)
			return fail(ctx, IKE_DEC_TRUNCATED,
			    "fewer selectors than the TS count");
		if ((v = ts_decode(b, ctx, &t->ts[i])) != IKE_DEC_OK)
			return v;
	}
	if (rbuf_left(b) > 0)
		return fail(ctx, IKE_DEC_TRAILING,
		    "bytes after the last selector");
	t->n = count;
	return IKE_DEC_OK;
}

enum ike_dec
ike_payload_skf_decode(struct rbuf *b, struct ike_dec_ctx *ctx,
    struct ike_pl_sk *sk)
{
	if (rbuf_get_u16(b, &sk->frag_num) == -1 ||
	    rbuf_get_u16(b, &sk->frag_total) == -1)
		return fail(ctx, IKE_DEC_TRUNCATED, "SKF header");
	/* RFC 7383 2.5: numbered from 1, never above the total. */
	if (sk->frag_num == 0 || sk->frag_num > sk->frag_total)
		return fail(ctx, IKE_DEC_BAD_RANGE,
		    "fragment number not 1..total");
	sk->len = rbuf_left(b);
	sk->body = rbuf_get_ptr(b, sk->len);
	return IKE_DEC_OK;
}

/* Encoders. Lengths of nested structures are patched by offset once known;
 * a value that does not fit its field marks w as failed. */

static void
patch_len16(struct wbuf *w, size_t start, size_t len_off)
{
	size_t len = w->len - start;

	if (len > UINT16_MAX)
		w->err = true;
	else
		wbuf_patch_u16(w, len_off, (uint16_t)len);
}

void
ike_payload_sa_encode(struct wbuf *w, const struct ike_proposal_list *pl)
{
	size_t i, j, pstart, xstart;
	const struct ike_proposal *p;
	const struct ike_transform *x;

	if (pl->n == 0 || pl->n > IKE_PROPOSALS_MAX) {
		w->err = true;
		return;
	}
	for (i = 0; i < pl->n; i++) {
		p = &pl->p[i];
		if (p->spi_size > sizeof(p->spi) || p->n_xforms == 0 ||
		    p->n_xforms > IKE_XFORMS_MAX) {
			w->err = true;
			return;
		}
		pstart = w->len;
		wbuf_put_u8(w, i + 1 < pl->n ? IKE_PROPOSAL_MORE : 0);
		wbuf_put_u8(w, 0);
		wbuf_put_u16(w, 0);
		wbuf_put_u8(w, p->num);
		wbuf_put_u8(w, p->proto);
		wbuf_put_u8(w, p->spi_size);
		wbuf_put_u8(w, p->n_xforms);
		wbuf_put_bytes(w, p->spi, p->spi_size);
		for (j = 0; j < p->n_xforms; j++) {
			x = &p->xforms[j];
			xstart = w->len;
			wbuf_put_u8(w, j + 1 < p->n_xforms ?
			    IKE_TRANSFORM_MORE : 0);
			wbuf_put_u8(w, 0);
			wbuf_put_u16(w, 0);
			wbuf_put_u8(w, x->type);
			wbuf_put_u8(w, 0);
			wbuf_put_u16(w, x->id);
			if (x->keylen != 0) {
				wbuf_put_u16(w, IKE_ATTR_TV |
				    IKE_ATTR_KEY_LENGTH);
				wbuf_put_u16(w, x->keylen);
			}
			patch_len16(w, xstart, xstart + 2);
		}
		patch_len16(w, pstart, pstart + 2);
	}
}

void
ike_payload_ke_encode(struct wbuf *w, uint16_t group, const void *data,
    size_t len)
{
	wbuf_put_u16(w, group);
	wbuf_put_u16(w, 0);
	wbuf_put_bytes(w, data, len);
}

void
ike_payload_id_encode(struct wbuf *w, uint8_t type, const void *data,
    size_t len)
{
	wbuf_put_u8(w, type);
	wbuf_put_zero(w, 3);
	wbuf_put_bytes(w, data, len);
}

void
ike_payload_auth_encode(struct wbuf *w, uint8_t method, const void *data,
    size_t len)
{
	wbuf_put_u8(w, method);
	wbuf_put_zero(w, 3);
	wbuf_put_bytes(w, data, len);
}

void
ike_payload_notify_encode(struct wbuf *w, uint8_t proto, const void *spi,
    uint8_t spi_size, uint16_t type, const void *data, size_t len)
{
	/* RFC 7296 3.10: without an SPI the protocol is sent as zero. */
	wbuf_put_u8(w, spi_size > 0 ? proto : 0);
	wbuf_put_u8(w, spi_size);
	wbuf_put_u16(w, type);
	wbuf_put_bytes(w, spi, spi_size);
	wbuf_put_bytes(w, data, len);
}

void
ike_payload_delete_encode(struct wbuf *w, uint8_t proto,
    const uint32_t *spis, size_t n)
{
	size_t i;

	if (proto == IKE_PROTO_IKE)
		n = 0;
	if (n > UINT16_MAX) {
		w->err = true;
		return;
	}
	wbuf_put_u8(w, proto);
	wbuf_put_u8(w, proto == IKE_PROTO_IKE ? 0 : 4);
	wbuf_put_u16(w, (uint16_t)n);
	for (i = 0; i < n; i++)
		wbuf_put_u32(w, spis[i]);
}

void
ike_payload_ts_encode(struct wbuf *w, const struct ike_ts *ts, size_t n)
{
	size_t i, alen;

	if (n == 0 || n > IKE_TS_MAX) {
		w->err = true;
		return;
	}
	wbuf_put_u8(w, (uint8_t)n);
	wbuf_put_zero(w, 3);
	for (i = 0; i < n; i++) {
		if (ts[i].type == TS_IPV4_ADDR_RANGE)
			alen = 4;
		else if (ts[i].type == TS_IPV6_ADDR_RANGE)
			alen = 16;
		else {
			w->err = true;
			return;
		}
		wbuf_put_u8(w, ts[i].type);
		wbuf_put_u8(w, ts[i].proto);
		wbuf_put_u16(w, (uint16_t)(IKE_TS_HDR_LEN + 2 * alen));
		wbuf_put_u16(w, ts[i].sport);
		wbuf_put_u16(w, ts[i].eport);
		wbuf_put_bytes(w, ts[i].start, alen);
		wbuf_put_bytes(w, ts[i].end, alen);
	}
}
