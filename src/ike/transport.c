/* Messages in and out of an IKE SA: building, sealing, sending, our
 * request retransmitted with back-off (window of one, RFC 7296 2.3), our
 * response cached, and input checked down to an authenticated message for
 * the lifecycle (sa.c). */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike/admit.h"
#include "ike/frag.h"
#include "ike/sa.h"
#include "ike/table.h"
#include "ike/timers.h"
#include "ike/transport.h"
#include "util/addr.h"
#include "util/clock.h"

static void
out_begin(struct ike_sa *sa, struct ike_out *o, uint8_t exchange,
    bool response, uint32_t msgid)
{
	struct ike_hdr hdr;

	memset(&hdr, 0, sizeof(hdr));
	hdr.ispi = sa->ispi;
	hdr.rspi = sa->rspi;
	hdr.exchange = exchange;
	hdr.flags = (uint8_t)((sa->initiator ? IKE_FLAG_INITIATOR : 0) |
	    (response ? IKE_FLAG_RESPONSE : 0));
	hdr.msgid = msgid;
	wbuf_init(&o->w, o->buf, sizeof(o->buf));
	ike_msg_encode_init(&o->e, &o->w, &hdr);
	o->exchange = exchange;
	o->frags = NULL;
	o->frags_len = 0;
	/* Only IKE_SA_INIT goes in the clear. */
	o->protect = exchange != IKE_SA_INIT;
	if (o->protect)
		ike_msg_encode_sk_begin(&o->e, sa->sk_out.encr->iv_len);
}

void
ike_out_request(struct ike_sa *sa, struct ike_out *o, uint8_t exchange)
{
	out_begin(sa, o, exchange, false,
	    exchange == IKE_SA_INIT ? 0 : sa->msgid_next);
}

void
ike_out_response(struct ike_sa *sa, struct ike_out *o, uint8_t exchange)
{
	out_begin(sa, o, exchange, true, sa->msgid_peer);
}

/* Sends buf: one message, or fragments back to back (frag.h), each as
 * long as its IKE header's Length; on 4500 (behind the non-ESP marker)
 * once IKE moved there: a responder that found a NAT in IKE_SA_INIT still
 * answers it from 500, where the request came; the initiator's IKE_AUTH
 * brings it to 4500 (input_follow). */
static int
transmit(struct ike_sa *sa, const uint8_t *buf, size_t len)
{
	struct ike_engine *eng = sa->eng;
	bool natt = sa->natt && addr_port(&sa->local) == IKE_NATT_PORT;
	size_t off = 0, n;
	int rc = 0;

	while (len - off >= IKE_HDR_LEN) {
		n = (size_t)buf[off + IKE_HDR_OFF_LENGTH] << 24 |
		    (size_t)buf[off + IKE_HDR_OFF_LENGTH + 1] << 16 |
		    (size_t)buf[off + IKE_HDR_OFF_LENGTH + 2] << 8 |
		    buf[off + IKE_HDR_OFF_LENGTH + 3];
		if (n < IKE_HDR_LEN || n > len - off)
			break;
		if (eng->ops.send(eng->ops.ctx, &sa->local, &sa->remote,
		    natt, buf + off, n) != 0)
			rc = -1;
		off += n;
	}
	return off == len ? rc : -1;
}

/* Seals and sends; returns the message length or -1. The buffer keeps
 * the sealed message for the caller to store. */
static long
out_finish(struct ike_sa *sa, struct ike_out *o)
{
	struct ike_sk_layout lay;
	enum ike_sk_err why;
	long len;

	len = ike_msg_encode_finish(&o->e, o->protect ? &lay : NULL);
	if (len < 0) {
		log_msg(LOG_ERR, sa->logp, "cannot encode message");
		return -1;
	}
	if (o->protect) {
		switch (ike_frag_seal(sa, o, &lay, &o->frags, &o->frags_len)) {
		case 1:
			return (long)o->frags_len;
		case 0:
			break;
		default:
			return -1;
		}
		if (ike_sk_seal_layout(&sa->sk_out, &o->w, &lay, &why) == -1) {
			log_msg(LOG_ERR, sa->logp, "cannot seal message: %s",
			    ike_sk_strerror(why));
			return -1;
		}
		len = (long)o->w.len;
	}
	return len;
}

/* What out_finish sealed: the fragments, or the message in buf. */
static const uint8_t *
out_data(const struct ike_out *o)
{
	return o->frags != NULL ? o->frags : o->buf;
}

/* The sealed message as a heap copy to keep (the fragments are). */
static uint8_t *
out_take(struct ike_out *o, size_t len)
{
	uint8_t *p = o->frags;

	o->frags = NULL;
	if (p == NULL && (p = malloc(len)) != NULL)
		memcpy(p, o->buf, len);
	return p;
}

int
ike_out_send_response(struct ike_sa *sa, struct ike_out *o)
{
	long len = out_finish(sa, o);

	if (len < 0)
		return -1;
	free(sa->resp);
	sa->resp_len = 0;
	if ((sa->resp = out_take(o, (size_t)len)) != NULL)
		sa->resp_len = (size_t)len;
	/* Window of one (RFC 7296 2.3): the peer's next request is the next
	 * message ID; this one is now answered from the cache. */
	sa->msgid_peer++;
	if (sa->resp == NULL)
		return -1;
	return transmit(sa, sa->resp, sa->resp_len);
}

int
ike_out_send_once(struct ike_sa *sa, struct ike_out *o)
{
	long len;
	int rc;

	sa->msgid_next++;
	if ((len = out_finish(sa, o)) < 0)
		return -1;
	rc = transmit(sa, out_data(o), (size_t)len);
	free(o->frags);
	o->frags = NULL;
	return rc;
}

int
ike_out_send_request(struct ike_sa *sa, struct ike_out *o, enum ike_req what)
{
	struct ike_xmit *x = &sa->req;
	long len = out_finish(sa, o);
	uint8_t exchange = o->exchange;

	if (len < 0)
		return -1;
	ike_xmit_clear(sa);
	if ((x->buf = out_take(o, (size_t)len)) == NULL)
		return -1;
	x->len = (size_t)len;
	x->exchange = exchange;
	x->tries = 0;
	x->what = what;
	x->sent = clock_mono();
	/* IKE_SA_INIT is resent with the same ID 0 after COOKIE or
	 * INVALID_KE_PAYLOAD; any other request takes the next ID. */
	if (exchange == IKE_SA_INIT)
		x->msgid = 0;
	else
		x->msgid = sa->msgid_next++;
	ike_timer_arm(sa, IKE_TIMER_RETRANSMIT,
	    sa->peer->conf.retransmit_timeout);
	if (transmit(sa, x->buf, x->len) == -1)
		log_msg_rl(&sa->peer->rl, LOG_WARNING, sa->logp,
		    "cannot send %s request, will retransmit",
		    ike_exchange_name(exchange));
	return 0;
}

void
ike_out_init_notify(struct ike_engine *eng, const struct ike_addrs *to,
    const struct ike_hdr *req, uint16_t type, const void *data, size_t len)
{
	uint8_t buf[256];
	struct ike_hdr hdr;
	struct ike_enc e;
	struct wbuf w;
	long n;

	memset(&hdr, 0, sizeof(hdr));
	hdr.ispi = req->ispi;
	hdr.exchange = IKE_SA_INIT;
	hdr.flags = IKE_FLAG_RESPONSE;
	wbuf_init(&w, buf, sizeof(buf));
	ike_msg_encode_init(&e, &w, &hdr);
	ike_msg_encode_notify(&e, 0, NULL, 0, type, data, len);
	if ((n = ike_msg_encode_finish(&e, NULL)) > 0)
		eng->ops.send(eng->ops.ctx, to->local, to->remote, to->natt,
		    buf, (size_t)n);
}

void
ike_xmit_clear(struct ike_sa *sa)
{
	struct ike_xmit *x = &sa->req;

	ike_timer_cancel(sa, IKE_TIMER_RETRANSMIT);
	free(x->buf);
	x->buf = NULL;
	x->len = 0;
	x->what = IKE_REQ_NONE;
}

double
ike_xmit_backoff(const struct ike_sa *sa)
{
	const struct ike_peer_conf *c = &sa->peer->conf;
	double next = c->retransmit_timeout;
	unsigned int i;

	for (i = 0; i <= sa->req.tries && next < c->retransmit_limit; i++)
		next *= c->retransmit_base;
	return next > c->retransmit_limit ? c->retransmit_limit : next;
}

void
ike_xmit_resend(struct ike_sa *sa)
{
	sa->eng->stats.tx_retransmit++;
	log_msg(LOG_INFO, sa->logp, "retransmit %u of %s request",
	    sa->req.tries, ike_exchange_name(sa->req.exchange));
	transmit(sa, sa->req.buf, sa->req.len);
}

/* ---- input ---- */

/* The header; a request of a higher major version gets
 * INVALID_MAJOR_VERSION, unprotected, with our version (RFC 7296 2.5). */
static int
input_header(struct ike_engine *eng, const struct ike_addrs *from,
    const uint8_t *buf, size_t len, struct ike_hdr *hdr)
{
	enum ike_dec v = ike_hdr_decode(hdr, buf, len);
	char a[INET6_ADDRSTRLEN];
	uint8_t ver = IKE_VERSION_2;

	if (v == IKE_DEC_OK)
		return 0;
	eng->stats.rx_invalid++;
	log_msg_rl(&eng->rl, LOG_DEBUG, "ike", "dropped %zu bytes from %s: %s",
	    len, addr_str(from->remote, a, sizeof(a)), ike_dec_str(v));
	if (v == IKE_DEC_BAD_VERSION && hdr->exchange == IKE_SA_INIT &&
	    !(hdr->flags & IKE_FLAG_RESPONSE) && hdr->ispi != 0)
		ike_out_init_notify(eng, from, hdr, INVALID_MAJOR_VERSION,
		    &ver, 1);
	return -1;
}

/* IKE_SA_INIT request: a new SA, or a retransmission of the one that made
 * a half-open SA. */
static void
input_init_request(struct ike_engine *eng, const struct ike_addrs *from,
    const uint8_t *buf, size_t len, const struct ike_hdr *hdr)
{
	struct ike_peer *peer;
	struct ike_sa *sa;
	struct ike_msg m;
	enum ike_dec v;
	char a[INET6_ADDRSTRLEN];
	uint8_t t;

	if (hdr->rspi != 0 || hdr->msgid != 0) {
		eng->stats.rx_invalid++;
		return;
	}
	/* Before it is stored or decoded: a half-open SA keeps its request
	 * (AUTH signs it). */
	if (len > eng->dos.init_max_size) {
		eng->stats.init_too_big++;
		log_msg_rl(&eng->rl, LOG_INFO, "ike", "IKE_SA_INIT of %zu "
		    "bytes from %s dropped: more than dos.init_max_size %zu",
		    len, addr_str(from->remote, a, sizeof(a)),
		    eng->dos.init_max_size);
		return;
	}
	if ((sa = ike_table_sa_init(eng, hdr->ispi, from->remote)) != NULL) {
		/* RFC 7296 2.1: the same request again gets the same answer;
		 * anything else on this SPI is not for us. */
		if (((sa->init_req != NULL && sa->init_req_len == len &&
		    memcmp(sa->init_req, buf, len) == 0) ||
		    ike_admit_init_cookied(sa, buf, len)) &&
		    sa->resp != NULL && sa->msgid_peer == 1) {
			eng->stats.rx_retransmit++;
			transmit(sa, sa->init_resp, sa->init_resp_len);
		}
		return;
	}
	if ((peer = ike_table_peer_match(eng, from->local,
	    from->remote)) == NULL) {
		eng->stats.rx_no_peer++;
		log_msg_rl(&eng->rl, LOG_INFO, "ike",
		    "IKE_SA_INIT from %s: no peer configured for this address",
		    addr_str(from->remote, a, sizeof(a)));
		return;
	}
	v = ike_msg_decode(&m, buf, len);
	if (v != IKE_DEC_OK) {
		eng->stats.rx_invalid++;
		log_msg_rl(&peer->rl, LOG_INFO, peer->conf.name,
		    "malformed IKE_SA_INIT: %s (%s)", ike_dec_str(v),
		    m.err.detail != NULL ? m.err.detail : "-");
		/* RFC 7296 2.5: an unknown critical payload is answered;
		 * other errors in an unauthenticated request are dropped
		 * (2.21.1: no INVALID_SYNTAX before the SA exists). */
		if (v == IKE_DEC_UNSUPPORTED_CRITICAL) {
			t = m.err.payload;
			ike_out_init_notify(eng, from, &m.hdr,
			    UNSUPPORTED_CRITICAL_PAYLOAD, &t, 1);
		}
		return;
	}
	ike_sa_recv_init(eng, peer, from, &m);
}

/* The SA a message belongs to: ours is the SPI of our role. */
static struct ike_sa *
input_sa(struct ike_engine *eng, const struct sockaddr_storage *remote,
    const struct ike_hdr *hdr)
{
	bool from_init = (hdr->flags & IKE_FLAG_INITIATOR) != 0;
	struct ike_sa *sa;
	char a[INET6_ADDRSTRLEN];

	sa = ike_table_sa_find(eng, from_init ? hdr->rspi : hdr->ispi);
	if (sa == NULL || sa->initiator == from_init ||
	    (from_init && sa->ispi != hdr->ispi) ||
	    (!from_init && sa->state != SA_INIT_SENT &&
	    sa->rspi != hdr->rspi) ||
	    (!sa->natt && !addr_equal(&sa->remote, remote))) {
		eng->stats.rx_no_sa++;
		log_msg_rl(&eng->rl, LOG_DEBUG, "ike", "%s from %s for no "
		    "known IKE SA", ike_exchange_name(hdr->exchange),
		    addr_str(remote, a, sizeof(a)));
		return NULL;
	}
	return sa;
}

/* Window of one: the answer to our request out, or the peer's next
 * request, or its last one again (answered from the cache once it
 * authenticates). */
static bool
input_in_window(struct ike_sa *sa, const struct ike_hdr *hdr)
{
	struct ike_engine *eng = sa->eng;

	if (hdr->flags & IKE_FLAG_RESPONSE) {
		if (sa->req.what != IKE_REQ_NONE &&
		    hdr->msgid == sa->req.msgid &&
		    hdr->exchange == sa->req.exchange)
			return true;
		eng->stats.rx_invalid++;
		return false;
	}
	if (hdr->msgid == sa->msgid_peer ||
	    (sa->resp != NULL && hdr->msgid + 1 == sa->msgid_peer))
		return true;
	eng->stats.rx_invalid++;
	log_msg_rl(&sa->peer->rl, LOG_DEBUG, sa->logp,
	    "request with message ID %u, expected %u", hdr->msgid,
	    sa->msgid_peer);
	return false;
}

/* SK's inner payloads did not decode: a response fails the SA; a request
 * is answered inside SK when RFC 7296 2.21.2/3.10.1 asks for a notify. */
static void
input_malformed(struct ike_sa *sa, const struct ike_msg *m, enum ike_dec v)
{
	const struct ike_hdr *hdr = &m->hdr;
	bool response = (hdr->flags & IKE_FLAG_RESPONSE) != 0;
	uint16_t n = ike_dec_notify(v);
	struct ike_out o;
	uint8_t t = m->err.payload;

	sa->eng->stats.rx_invalid++;
	log_msg_rl(&sa->peer->rl, LOG_INFO, sa->logp,
	    "malformed %s %s: %s (%s)", ike_exchange_name(hdr->exchange),
	    response ? "response" : "request", ike_dec_str(v),
	    m->err.detail != NULL ? m->err.detail : "-");
	if (!response && n != 0) {
		ike_out_response(sa, &o, hdr->exchange);
		ike_msg_encode_notify(&o.e, 0, NULL, 0, n,
		    n == UNSUPPORTED_CRITICAL_PAYLOAD ? &t : NULL,
		    n == UNSUPPORTED_CRITICAL_PAYLOAD ? 1 : 0);
		ike_out_send_response(sa, &o);
	}
	ike_sa_recv_malformed(sa, hdr);
}

/* The inner payloads, decrypted (and joined, for fragments): decoded
 * into m. 0 when there is a new message to act on. */
static int
input_inner(struct ike_sa *sa, struct ike_msg *m, uint8_t first,
    const uint8_t *plain, size_t plain_len)
{
	enum ike_dec v;

	if ((v = ike_msg_decode_inner(m, first, plain, plain_len)) !=
	    IKE_DEC_OK) {
		input_malformed(sa, m, v);
		return -1;
	}
	/* Anything authenticated from the peer proves it alive (DPD). */
	sa->last_rx = clock_mono();
	return 0;
}

/* SKF: one fragment (RFC 7383), kept once its ICV passed; the last one
 * completes the message, decoded from *joined (the caller frees it). */
static int
input_fragment(struct ike_sa *sa, struct ike_msg *m, uint8_t *buf,
    size_t len, uint8_t **joined, size_t *joined_len)
{
	uint8_t first = IKE_PL_NONE;

	switch (ike_frag_input(sa, m, buf, len, joined, joined_len, &first)) {
	case IKE_FRAG_DONE:
		return input_inner(sa, m, first, *joined, *joined_len);
	case IKE_FRAG_RESEND:
		/* RFC 7383 2.6.1: fragment 1 of the request we answered. */
		sa->eng->stats.rx_retransmit++;
		transmit(sa, sa->resp, sa->resp_len);
		return -1;
	case IKE_FRAG_MORE:
		/* Authenticated: the peer is alive, the rest is coming. */
		sa->last_rx = clock_mono();
		return -1;
	default:
		return -1;
	}
}

/* SK {...}: integrity, the peer's retransmission answered from the cache,
 * the inner payloads. 0 when there is a new message to act on. */
static int
input_open(struct ike_sa *sa, struct ike_msg *m, uint8_t *buf, size_t len)
{
	struct ike_engine *eng = sa->eng;
	const struct ike_hdr *hdr = &m->hdr;
	bool response = (hdr->flags & IKE_FLAG_RESPONSE) != 0;
	const uint8_t *plain;
	size_t plain_len;
	enum ike_sk_err why;

	if (!sa->have_keys || !ike_msg_has(m, IKE_PL_SK)) {
		eng->stats.rx_invalid++;
		return -1;
	}
	if (ike_sk_open_hdr(&sa->sk_in, buf, len, m->sk.hdr_off,
	    IKE_SK_HDR_LEN, &plain, &plain_len, &why) == -1) {
		eng->stats.rx_bad_icv++;
		log_msg_rl(&sa->peer->rl, LOG_INFO, sa->logp,
		    "dropped %s %s: %s", ike_exchange_name(hdr->exchange),
		    response ? "response" : "request", ike_sk_strerror(why));
		return -1;
	}
	if (!response && hdr->msgid + 1 == sa->msgid_peer) {
		/* Authenticated retransmission: the cached answer, same bytes
		 * (RFC 7296 2.1). */
		eng->stats.rx_retransmit++;
		transmit(sa, sa->resp, sa->resp_len);
		return -1;
	}
	return input_inner(sa, m, m->sk.next, plain, plain_len);
}

/* RFC 7296 2.23: with a NAT in the way, the peer is where its last
 * authenticated message came from (its NAT may have given it a new port,
 * or address), and we are where that message went (port 4500 once
 * IKE_SA_INIT is done). Only after the ICV: a forged datagram moves
 * nothing. */
static void
input_follow(struct ike_sa *sa, const struct ike_addrs *from)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	bool moved, addr;

	if (!sa->natt || !from->natt)
		return;
	addr = !addr_equal(&sa->remote, from->remote);
	moved = addr || addr_port(&sa->remote) != addr_port(from->remote);
	if (from->local->ss_family == sa->local.ss_family)
		sa->local = *from->local;
	if (!moved)
		return;
	if (sa->state == SA_ESTABLISHED)
		log_msg(LOG_NOTICE, sa->logp, "peer moved from %s:%u to %s:%u "
		    "(its NAT's mapping changed)", addr_str(&sa->remote, a,
		    sizeof(a)), addr_port(&sa->remote), addr_str(from->remote,
		    b, sizeof(b)), addr_port(from->remote));
	sa->remote = *from->remote;
	ike_sa_moved(sa, addr);
}

/* A COOKIE request for a copy of our IKE_SA_INIT sent before the one that
 * carries that cookie: the latter is outstanding, and taking this as its
 * answer would clear it, its retransmissions and our wait for the real
 * answer (the SA would hang: 188 of the N = 10,000 bench's peers).
 * Resending instead would answer each stale copy with a new one, and a
 * loaded responder would never see their number fall. */
static bool
input_init_stale(const struct ike_sa *sa, const struct ike_msg *m)
{
	const struct ike_pl_notify *n;

	if (!(m->hdr.flags & IKE_FLAG_RESPONSE) || sa->cookie_len == 0 ||
	    (n = ike_msg_notify(m, COOKIE)) == NULL)
		return false;
	return n->len == sa->cookie_len &&
	    memcmp(n->data, sa->cookie, n->len) == 0;
}

/* A response ends our request: what it was for goes up with it. */
static enum ike_req
input_answered(struct ike_sa *sa, const struct ike_hdr *hdr)
{
	enum ike_req what = sa->req.what;

	if (!(hdr->flags & IKE_FLAG_RESPONSE))
		return IKE_REQ_NONE;
	ike_xmit_clear(sa);
	return what;
}

void
ike_input(struct ike_engine *eng, const struct sockaddr_storage *local,
    const struct sockaddr_storage *remote, bool natt, const uint8_t *data,
    size_t len)
{
	const struct ike_addrs from = { local, remote, natt };
	uint8_t *buf = eng->rxbuf;
	struct ike_hdr hdr;
	struct ike_msg m;
	struct ike_sa *sa;
	enum ike_dec v;
	uint8_t *joined = NULL;
	size_t joined_len = 0;
	int rc;

	eng->stats.rx++;
	if (len > sizeof(eng->rxbuf)) {
		eng->stats.rx_invalid++;
		return;
	}
	memcpy(buf, data, len);
	if (input_header(eng, &from, buf, len, &hdr) == -1)
		return;
	if (hdr.exchange == IKE_SA_INIT && !(hdr.flags & IKE_FLAG_RESPONSE)) {
		if (!(hdr.flags & IKE_FLAG_INITIATOR)) {
			eng->stats.rx_invalid++;
			return;
		}
		input_init_request(eng, &from, buf, len, &hdr);
		return;
	}
	if ((sa = input_sa(eng, remote, &hdr)) == NULL)
		return;
	if (sa->crypto != NULL) {
		/* Its keys are being made (init.c): there is nothing to
		 * check the message with yet, and a retransmission of the
		 * IKE_SA_INIT answer is not needed. */
		eng->stats.rx_busy++;
		return;
	}
	if (!input_in_window(sa, &hdr))
		return;
	v = ike_msg_decode(&m, buf, len);
	if (v != IKE_DEC_OK) {
		eng->stats.rx_invalid++;
		log_msg_rl(&sa->peer->rl, LOG_INFO, sa->logp,
		    "malformed %s %s: %s (%s)", ike_exchange_name(hdr.exchange),
		    (hdr.flags & IKE_FLAG_RESPONSE) ? "response" : "request",
		    ike_dec_str(v), m.err.detail != NULL ? m.err.detail : "-");
		return;
	}
	/* IKE_SA_INIT answers come in the clear; all else is inside SK,
	 * or in fragments (SKF) joined first. */
	if (hdr.exchange != IKE_SA_INIT) {
		rc = ike_msg_has(&m, IKE_PL_SKF) ?
		    input_fragment(sa, &m, buf, len, &joined, &joined_len) :
		    input_open(sa, &m, buf, len);
		if (rc == -1)
			goto done;
		input_follow(sa, &from);
	} else if (input_init_stale(sa, &m)) {
		eng->stats.rx_invalid++;
		goto done;
	}
	ike_sa_recv(sa, &m, input_answered(sa, &hdr));
done:
	if (joined != NULL) {
		OPENSSL_cleanse(joined, joined_len);
		free(joined);
	}
}
