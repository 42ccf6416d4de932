/* IKE fragmentation, RFC 7383: announcing it (2.3), splitting a message
 * into SKF payloads (2.5), and reassembling the peer's (2.6). */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike/frag.h"
#include "ike/transport.h"
#include "util/clock.h"

void
ike_frag_init_encode(struct ike_sa *sa, struct ike_out *o)
{
	if (!sa->peer->conf.fragmentation)
		return;
	/* RFC 7383 2.3: an empty status notify, protocol and SPI none. */
	ike_msg_encode_notify(&o->e, 0, NULL, 0,
	    IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
	sa->frag_ours = true;
}

void
ike_frag_init_check(struct ike_sa *sa, const struct ike_msg *m)
{
	sa->frag_peer = ike_msg_notify(m, IKEV2_FRAGMENTATION_SUPPORTED) !=
	    NULL;
}

size_t
ike_frag_budget(const struct ike_sa *sa)
{
	const struct ike_peer_conf *c = &sa->peer->conf;
	bool v6 = sa->remote.ss_family == AF_INET6;
	size_t size, hdrs;

	size = c->fragment_size != 0 ? c->fragment_size :
	    v6 ? IKE_FRAG_SIZE_V6 : IKE_FRAG_SIZE_V4;
	/* RFC 7383 2.5.1: the size is of the IP datagram. */
	hdrs = (v6 ? 40 : 20) + 8 + (sa->natt ? IKE_NON_ESP_MARKER_LEN : 0);
	return size > hdrs ? size - hdrs : 0;
}

/* ---- sending ---- */

int
ike_frag_seal(struct ike_sa *sa, struct ike_out *o,
    const struct ike_sk_layout *lay, uint8_t **out, size_t *out_len)
{
	const struct ike_sk_ctx *ctx = &sa->sk_out;
	const struct ike_encr_alg *e = ctx->encr;
	const uint8_t *plain;
	struct ike_sk_layout fl;
	enum ike_sk_err why;
	struct ike_hdr hdr;
	struct ike_enc enc;
	struct wbuf w;
	uint8_t *buf = NULL, first;
	size_t budget, icv, sealed, fixed, chunk, n, i, off = 0, cap = 0, take;

	*out = NULL;
	*out_len = 0;
	/* RFC 7383 2.5.3: IKE_SA_INIT is never fragmented. */
	if (!ike_frag_on(sa) || o->exchange == IKE_SA_INIT || e == NULL)
		return 0;
	budget = ike_frag_budget(sa);
	icv = ike_sk_overhead(ctx) - e->iv_len - e->block_len;
	sealed = (lay->plain_off - lay->hdr_off) + (lay->plain_len + 1 +
	    e->block_len - 1) / e->block_len * e->block_len + icv;
	if (sealed <= budget)
		return 0;
	/* Each fragment: IKE header, SKF header, IV, the part padded to
	 * whole blocks with its Pad Length octet, ICV. */
	fixed = IKE_HDR_LEN + IKE_SK_SKF_HDR_LEN + e->iv_len + icv;
	chunk = budget > fixed ? (budget - fixed) / e->block_len *
	    e->block_len : 0;
	chunk = chunk > 0 ? chunk - 1 : 0;
	if (chunk < IKE_FRAG_CHUNK_MIN) {
		log_msg_rl(&sa->peer->rl, LOG_WARNING, sa->logp,
		    "fragment size leaves %zu bytes per fragment: %s of %zu "
		    "bytes sent whole", chunk, ike_exchange_name(o->exchange),
		    sealed);
		return 0;
	}
	n = (lay->plain_len + chunk - 1) / chunk;
	if (n > UINT16_MAX ||
	    ike_hdr_decode(&hdr, o->w.base + lay->hdr_off,
	    o->w.len - lay->hdr_off) != IKE_DEC_OK)
		goto fail;
	cap = n * budget;
	if ((buf = malloc(cap)) == NULL)
		goto fail;
	/* RFC 7383 2.5: only fragment 1 names the first inner payload. */
	first = o->w.base[lay->sk_off];
	plain = o->w.base + lay->plain_off;
	for (i = 0; i < n; i++) {
		take = lay->plain_len - i * chunk;
		if (take > chunk)
			take = chunk;
		wbuf_init(&w, buf + off, cap - off);
		ike_msg_encode_init(&enc, &w, &hdr);
		ike_msg_encode_skf(&enc, (uint16_t)(i + 1), (uint16_t)n, first,
		    e->iv_len, plain + i * chunk, take);
		if (ike_msg_encode_finish(&enc, &fl) < 0 ||
		    ike_sk_seal_layout(ctx, &w, &fl, &why) == -1 ||
		    w.len > budget)
			goto fail;
		off += w.len;
	}
	OPENSSL_cleanse(o->w.base + lay->plain_off, lay->plain_len);
	sa->eng->stats.frag_tx += n;
	log_msg(LOG_DEBUG, sa->logp, "%s %s of %zu bytes sent as %zu "
	    "fragments", ike_exchange_name(o->exchange),
	    (hdr.flags & IKE_FLAG_RESPONSE) ? "response" : "request", sealed,
	    n);
	*out = buf;
	*out_len = off;
	return 1;
fail:
	log_msg(LOG_ERR, sa->logp, "cannot fragment %s message",
	    ike_exchange_name(o->exchange));
	if (buf != NULL) {
		OPENSSL_cleanse(buf, cap);
		free(buf);
	}
	return -1;
}

/* ---- receiving ---- */

static void
set_clear(struct ike_frag_set *s)
{
	unsigned int i;

	for (i = 0; i < IKE_FRAG_MAX; i++) {
		if (s->part[i] != NULL) {
			OPENSSL_cleanse(s->part[i], s->part_len[i]);
			free(s->part[i]);
		}
	}
	memset(s, 0, sizeof(*s));
}

void
ike_frag_free(struct ike_sa *sa)
{
	if (sa->frag_rx == NULL)
		return;
	set_clear(&sa->frag_rx->set[0]);
	set_clear(&sa->frag_rx->set[1]);
	free(sa->frag_rx);
	sa->frag_rx = NULL;
}

static enum ike_frag_verdict
frag_drop(struct ike_sa *sa, const struct ike_msg *m, const char *why)
{
	sa->eng->stats.frag_dropped++;
	log_msg_rl(&sa->peer->rl, LOG_INFO, sa->logp,
	    "dropped %s %s fragment %u/%u: %s",
	    ike_exchange_name(m->hdr.exchange),
	    (m->hdr.flags & IKE_FLAG_RESPONSE) ? "response" : "request",
	    m->sk.frag_num, m->sk.frag_total, why);
	return IKE_FRAG_DROP;
}

/* The set is complete: its parts, in order, into one buffer. */
static enum ike_frag_verdict
frag_join(struct ike_sa *sa, struct ike_frag_set *s, uint8_t **plain,
    size_t *plain_len, uint8_t *first)
{
	uint8_t *p;
	size_t off = 0;
	unsigned int i;

	if ((p = malloc(s->bytes + 1)) == NULL) {
		set_clear(s);
		sa->eng->stats.frag_dropped++;
		return IKE_FRAG_DROP;
	}
	for (i = 0; i < s->total; i++) {
		memcpy(p + off, s->part[i], s->part_len[i]);
		off += s->part_len[i];
	}
	*plain = p;
	*plain_len = off;
	*first = s->first;
	sa->eng->stats.frag_reassembled++;
	log_msg(LOG_DEBUG, sa->logp, "%s of %u fragments, %zu bytes, "
	    "reassembled", ike_exchange_name(s->exchange), s->total, off);
	set_clear(s);
	return IKE_FRAG_DONE;
}

enum ike_frag_verdict
ike_frag_input(struct ike_sa *sa, const struct ike_msg *m, uint8_t *buf,
    size_t len, uint8_t **plain, size_t *plain_len, uint8_t *first)
{
	struct ike_engine *eng = sa->eng;
	const struct ike_hdr *hdr = &m->hdr;
	bool response = (hdr->flags & IKE_FLAG_RESPONSE) != 0;
	bool again = !response && hdr->msgid + 1 == sa->msgid_peer;
	uint16_t num = m->sk.frag_num, total = m->sk.frag_total;
	const uint8_t *pt;
	size_t pt_len;
	enum ike_sk_err why;
	struct ike_frag_set *s;
	double now = clock_mono();

	/* RFC 7383 2.3: fragments only once both sides said so. */
	if (!sa->have_keys || !ike_frag_on(sa))
		return frag_drop(sa, m, "fragmentation not negotiated");
	if (total > IKE_FRAG_MAX)
		return frag_drop(sa, m, "more fragments than vtid reassembles");
	/* RFC 7383 2.6.1: of a request already answered, only fragment 1
	 * makes us resend the response; the others are ignored. */
	if (again && num != 1) {
		eng->stats.frag_dup++;
		return IKE_FRAG_DROP;
	}
	if (sa->frag_rx == NULL && (sa->frag_rx = calloc(1,
	    sizeof(*sa->frag_rx))) == NULL)
		return frag_drop(sa, m, "out of memory");
	s = &sa->frag_rx->set[response];
	if (s->active && !again && now - s->started > IKE_FRAG_TIMEOUT_S) {
		eng->stats.frag_timeout++;
		log_msg_rl(&sa->peer->rl, LOG_INFO, sa->logp, "incomplete %s "
		    "(%u of %u fragments) dropped after %.0f s",
		    ike_exchange_name(s->exchange), s->have, s->total,
		    IKE_FRAG_TIMEOUT_S);
		set_clear(s);
	}
	/* A fragment already held: ignored before any cipher work. */
	if (s->active && !again && s->msgid == hdr->msgid &&
	    s->total == total && s->part[num - 1] != NULL) {
		eng->stats.frag_dup++;
		return IKE_FRAG_DROP;
	}
	/* RFC 7383 2.6.2: the ICV of each fragment before it is kept. */
	if (ike_sk_open_hdr(&sa->sk_in, buf, len, m->sk.hdr_off,
	    IKE_SK_SKF_HDR_LEN, &pt, &pt_len, &why) == -1) {
		eng->stats.rx_bad_icv++;
		return frag_drop(sa, m, ike_sk_strerror(why));
	}
	if (again)
		return IKE_FRAG_RESEND;
	if (s->active && (s->msgid != hdr->msgid ||
	    s->exchange != hdr->exchange || total > s->total)) {
		/* A newer message, or (2.6.2) the peer re-fragmented it
		 * with more fragments: start anew. */
		set_clear(s);
	} else if (s->active && total < s->total) {
		/* 2.6.2: fewer than the set we hold: this one goes. */
		OPENSSL_cleanse((void *)(uintptr_t)pt, pt_len);
		return frag_drop(sa, m, "Total Fragments below the set's");
	}
	if (s->bytes + pt_len > IKE_MSG_MAX) {
		OPENSSL_cleanse((void *)(uintptr_t)pt, pt_len);
		set_clear(s);
		return frag_drop(sa, m, "reassembled message too big");
	}
	if (!s->active) {
		s->active = true;
		s->msgid = hdr->msgid;
		s->exchange = hdr->exchange;
		s->total = total;
		s->started = now;
	}
	if ((s->part[num - 1] = malloc(pt_len + 1)) == NULL) {
		OPENSSL_cleanse((void *)(uintptr_t)pt, pt_len);
		return frag_drop(sa, m, "out of memory");
	}
	memcpy(s->part[num - 1], pt, pt_len);
	OPENSSL_cleanse((void *)(uintptr_t)pt, pt_len);
	s->part_len[num - 1] = pt_len;
	s->bytes += pt_len;
	s->have++;
	if (num == 1)
		s->first = m->sk.next;
	eng->stats.frag_rx++;
	if (s->have < s->total)
		return IKE_FRAG_MORE;
	return frag_join(sa, s, plain, plain_len, first);
}
