/* Re-encode and compare decoded IKE messages (test support). */
#include <string.h>

#include "ike_reencode.h"

#define BIT(t)	((uint64_t)1 << (t))

static bool
expressible(const struct ike_msg *m)
{
	size_t i, j;
	const struct ike_pl_ts *ts[2] = { &m->tsi, &m->tsr };

	if (ike_msg_has(m, IKE_PL_SA)) {
		if (m->sa.too_many)
			return false;
		for (i = 0; i < m->sa.props.n; i++)
			if (m->sa.props.p[i].n_xforms == 0)
				return false;
	}
	for (i = 0; i < 2; i++)
		for (j = 0; j < ts[i]->n; j++)
			if (ts[i]->ts[j].type != TS_IPV4_ADDR_RANGE &&
			    ts[i]->ts[j].type != TS_IPV6_ADDR_RANGE)
				return false;
	return true;
}

/* The payloads that sit on one side of SK (inner or not), in a fixed order:
 * the order does not matter to the decoder. */
static void
encode_side(struct ike_enc *e, const struct ike_msg *m, bool inner)
{
	uint64_t mask = inner ? m->inner : m->clear;
	const struct ike_pl_notify *n;
	const struct ike_pl_delete *d;
	uint32_t spis[64];
	size_t i, k;

	if (mask & BIT(IKE_PL_IDi))
		ike_msg_encode_id(e, IKE_PL_IDi, m->idi.type, m->idi.data,
		    m->idi.len);
	for (i = 0; i < m->n_other; i++)
		if (m->other[i].inner == inner)
			ike_msg_encode_generic(e, m->other[i].type, 0,
			    m->other[i].body, m->other[i].len);
	if (mask & BIT(IKE_PL_IDr))
		ike_msg_encode_id(e, IKE_PL_IDr, m->idr.type, m->idr.data,
		    m->idr.len);
	if (mask & BIT(IKE_PL_AUTH))
		ike_msg_encode_auth(e, m->auth.method, m->auth.data,
		    m->auth.len);
	if (mask & BIT(IKE_PL_SA))
		ike_msg_encode_sa(e, &m->sa.props);
	if (mask & BIT(IKE_PL_KE))
		ike_msg_encode_ke(e, m->ke.group, m->ke.data, m->ke.len);
	if (mask & BIT(IKE_PL_NONCE))
		ike_msg_encode_nonce(e, m->nonce.data, m->nonce.len);
	if (mask & BIT(IKE_PL_TSi))
		ike_msg_encode_ts(e, IKE_PL_TSi, m->tsi.ts, m->tsi.n);
	if (mask & BIT(IKE_PL_TSr))
		ike_msg_encode_ts(e, IKE_PL_TSr, m->tsr.ts, m->tsr.n);
	for (i = 0; i < m->n_notify; i++) {
		n = &m->notify[i];
		if (n->inner == inner)
			ike_msg_encode_notify(e, n->proto, n->spi, n->spi_size,
			    n->type, n->data, n->len);
	}
	for (i = 0; i < m->n_delete; i++) {
		d = &m->del[i];
		if (d->inner != inner)
			continue;
		for (k = 0; k < d->count && k < 64; k++)
			spis[k] = ike_pl_delete_spi(d, k);
		ike_msg_encode_delete(e, d->proto, spis, k);
	}
	for (i = 0; i < m->n_vendor; i++)
		if (m->vendor[i].inner == inner)
			ike_msg_encode_vendor(e, m->vendor[i].data,
			    m->vendor[i].len);
}

long
ike_msg_reencode(const struct ike_msg *m, uint8_t *buf, size_t cap)
{
	struct ike_enc e;
	struct ike_sk_layout lay;
	struct wbuf w;
	size_t i;

	if (!expressible(m))
		return 0;
	/* Deletes are re-encoded from a fixed array of 64 SPIs. */
	for (i = 0; i < m->n_delete; i++)
		if (m->del[i].count > 64)
			return 0;
	wbuf_init(&w, buf, cap);
	ike_msg_encode_init(&e, &w, &m->hdr);
	encode_side(&e, m, false);
	if (m->clear & BIT(IKE_PL_SK)) {
		ike_msg_encode_sk_begin(&e, 0);
		encode_side(&e, m, true);
	} else if (m->clear & BIT(IKE_PL_SKF)) {
		ike_msg_encode_skf(&e, m->sk.frag_num, m->sk.frag_total,
		    m->sk.next, 0, m->sk.body, m->sk.len);
	}
	return ike_msg_encode_finish(&e, &lay);
}

static bool
bytes_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

#define DIFF(cond, what)						\
	do {								\
		if (cond) {						\
			*why = what;					\
			return false;					\
		}							\
	} while (0)

static bool
sa_same(const struct ike_pl_sa *a, const struct ike_pl_sa *b, const char **why)
{
	size_t i, j;
	const struct ike_proposal *p, *q;

	DIFF(a->props.n != b->props.n, "SA proposal count");
	for (i = 0; i < a->props.n; i++) {
		p = &a->props.p[i];
		q = &b->props.p[i];
		DIFF(p->num != q->num || p->proto != q->proto ||
		    p->spi_size != q->spi_size || p->n_xforms != q->n_xforms,
		    "SA proposal fields");
		DIFF(memcmp(p->spi, q->spi, p->spi_size) != 0, "SA SPI");
		for (j = 0; j < p->n_xforms; j++)
			DIFF(p->xforms[j].type != q->xforms[j].type ||
			    p->xforms[j].id != q->xforms[j].id ||
			    p->xforms[j].keylen != q->xforms[j].keylen,
			    "SA transform");
	}
	return true;
}

static bool
ts_same(const struct ike_pl_ts *a, const struct ike_pl_ts *b, const char **why)
{
	size_t i;

	DIFF(a->n != b->n, "TS count");
	for (i = 0; i < a->n; i++)
		DIFF(memcmp(&a->ts[i], &b->ts[i], sizeof(a->ts[i])) != 0,
		    "TS selector");
	return true;
}

bool
ike_msg_same(const struct ike_msg *a, const struct ike_msg *b,
    const char **why)
{
	const uint8_t rf = IKE_FLAG_INITIATOR | IKE_FLAG_RESPONSE;
	size_t i;

	*why = NULL;
	DIFF(a->hdr.ispi != b->hdr.ispi || a->hdr.rspi != b->hdr.rspi,
	    "header SPIs");
	DIFF(a->hdr.exchange != b->hdr.exchange || a->hdr.msgid !=
	    b->hdr.msgid || (a->hdr.flags & rf) != (b->hdr.flags & rf),
	    "header fields");
	DIFF(a->clear != b->clear || a->inner != b->inner, "payload sets");
	if (ike_msg_has(a, IKE_PL_SA) && !sa_same(&a->sa, &b->sa, why))
		return false;
	DIFF(ike_msg_has(a, IKE_PL_KE) && (a->ke.group != b->ke.group ||
	    !bytes_eq(a->ke.data, a->ke.len, b->ke.data, b->ke.len)), "KE");
	DIFF(ike_msg_has(a, IKE_PL_IDi) && (a->idi.type != b->idi.type ||
	    !bytes_eq(a->idi.data, a->idi.len, b->idi.data, b->idi.len)),
	    "IDi");	/* body differs when RESERVED was not zero */
	DIFF(ike_msg_has(a, IKE_PL_IDr) && (a->idr.type != b->idr.type ||
	    !bytes_eq(a->idr.data, a->idr.len, b->idr.data, b->idr.len)),
	    "IDr");
	DIFF(ike_msg_has(a, IKE_PL_AUTH) && (a->auth.method !=
	    b->auth.method || !bytes_eq(a->auth.data, a->auth.len,
	    b->auth.data, b->auth.len)), "AUTH");
	DIFF(ike_msg_has(a, IKE_PL_NONCE) && !bytes_eq(a->nonce.data,
	    a->nonce.len, b->nonce.data, b->nonce.len), "Nonce");
	if (ike_msg_has(a, IKE_PL_TSi) && !ts_same(&a->tsi, &b->tsi, why))
		return false;
	if (ike_msg_has(a, IKE_PL_TSr) && !ts_same(&a->tsr, &b->tsr, why))
		return false;
	DIFF((a->clear & BIT(IKE_PL_SKF)) && (a->sk.frag_num !=
	    b->sk.frag_num || a->sk.frag_total != b->sk.frag_total ||
	    !bytes_eq(a->sk.body, a->sk.len, b->sk.body, b->sk.len)), "SKF");
	/* Repeatable payloads: same multiset; the re-encoder keeps their
	 * order within each side, so compare per side in order. */
	DIFF(a->n_notify != b->n_notify || a->n_delete != b->n_delete ||
	    a->n_vendor != b->n_vendor || a->n_other != b->n_other,
	    "repeatable payload counts");
	for (i = 0; i < a->n_notify; i++) {
		const struct ike_pl_notify *x = &a->notify[i];
		const struct ike_pl_notify *y = NULL;
		size_t j, rank = 0, r2 = 0;

		/* The i-th notify of its side in a is the same-rank one in b. */
		for (j = 0; j < i; j++)
			rank += a->notify[j].inner == x->inner;
		for (j = 0; j < b->n_notify; j++)
			if (b->notify[j].inner == x->inner && r2++ == rank) {
				y = &b->notify[j];
				break;
			}
		DIFF(y == NULL || x->type != y->type ||
		    x->spi_size != y->spi_size ||
		    (x->spi_size > 0 && x->proto != y->proto) ||
		    !bytes_eq(x->spi, x->spi_size, y->spi, y->spi_size) ||
		    !bytes_eq(x->data, x->len, y->data, y->len), "Notify");
	}
	for (i = 0; i < a->n_delete; i++) {
		const struct ike_pl_delete *x = &a->del[i], *y = &b->del[i];

		DIFF(x->proto != y->proto || x->spi_size != y->spi_size ||
		    !bytes_eq(x->spis, (size_t)x->count * x->spi_size,
		    y->spis, (size_t)y->count * y->spi_size), "Delete");
	}
	for (i = 0; i < a->n_vendor; i++)
		DIFF(!bytes_eq(a->vendor[i].data, a->vendor[i].len,
		    b->vendor[i].data, b->vendor[i].len), "Vendor ID");
	for (i = 0; i < a->n_other; i++)
		DIFF(a->other[i].type != b->other[i].type ||
		    !bytes_eq(a->other[i].body, a->other[i].len,
		    b->other[i].body, b->other[i].len), "other payload");
	return true;
}
