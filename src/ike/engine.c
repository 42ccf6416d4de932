/* The IKE engine: peers, the SA table, message transport (window of one,
 * retransmission with back-off, cached responses) and status. What each
 * exchange does is in exchange.c. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "ike/sa.h"
#include "util/addr.h"

static void	 sa_retransmit_cb(struct ev_loop *, ev_timer *, int);
static void	 sa_timeout_cb(struct ev_loop *, ev_timer *, int);
static void	 peer_retry_cb(struct ev_loop *, ev_timer *, int);
static void	 sa_rekey_cb(struct ev_loop *, ev_timer *, int);
static void	 sa_ike_rekey_cb(struct ev_loop *, ev_timer *, int);
static void	 sa_drain_cb(struct ev_loop *, ev_timer *, int);
static void	 sa_dpd_cb(struct ev_loop *, ev_timer *, int);
static void	 sa_kick_cb(struct ev_loop *, ev_timer *, int);
static void	 sa_settle_cb(struct ev_loop *, ev_timer *, int);
static void	 timer_in(struct ike_sa *, ev_timer *, double);
static void	 input_request(struct ike_sa *, const struct ike_hdr *,
		    const struct ike_msg *);
static struct ike_peer *peer_find(struct ike_engine *, const char *);

static void
handshake_free(struct ike_sa *sa)
{
	if (sa->ni == NULL)
		return;
	OPENSSL_cleanse(sa->ni, 2 * IKE_NONCE_MAX);
	free(sa->ni);
	sa->ni = sa->nr = NULL;
}

uint32_t
ike_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

void
ike_put32(uint32_t v, uint8_t *p)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

uint64_t
ike_get64(const uint8_t *p)
{
	return (uint64_t)ike_get32(p) << 32 | ike_get32(p + 4);
}

void
ike_put64(uint64_t v, uint8_t *p)
{
	ike_put32((uint32_t)(v >> 32), p);
	ike_put32((uint32_t)v, p + 4);
}

int
ike_random(void *p, size_t n)
{
	return RAND_bytes(p, (int)n) == 1 ? 0 : -1;
}

static uint64_t
sa_our_spi(const struct ike_sa *sa)
{
	return sa->initiator ? sa->ispi : sa->rspi;
}

static size_t
sa_bucket(uint64_t spi)
{
	return (size_t)((spi ^ (spi >> 32)) % IKE_SA_HASH);
}

static void
sa_hash_insert(struct ike_sa *sa)
{
	size_t b = sa_bucket(sa_our_spi(sa));

	sa->hnext = sa->eng->hash[b];
	sa->eng->hash[b] = sa;
}

static void
sa_hash_remove(struct ike_sa *sa)
{
	struct ike_sa **pp = &sa->eng->hash[sa_bucket(sa_our_spi(sa))];

	for (; *pp != NULL; pp = &(*pp)->hnext)
		if (*pp == sa) {
			*pp = sa->hnext;
			return;
		}
}

struct ike_sa *
ike_sa_lookup(struct ike_engine *eng, uint64_t spi)
{
	struct ike_sa *sa;

	for (sa = eng->hash[sa_bucket(spi)]; sa != NULL; sa = sa->hnext)
		if (sa_our_spi(sa) == spi)
			return sa;
	return NULL;
}

/* A fresh, non-zero SPI that no SA of ours uses (RFC 7296 2.6). */
uint64_t
ike_sa_new_spi(struct ike_engine *eng)
{
	uint64_t spi;

	do {
		if (ike_random(&spi, sizeof(spi)) == -1)
			fatal("RAND_bytes failed");
	} while (spi == 0 || ike_sa_lookup(eng, spi) != NULL);
	return spi;
}

static struct ike_sa *
sa_alloc(struct ike_engine *eng, struct ike_peer *peer, bool init,
    const struct sockaddr_storage *local, const struct sockaddr_storage *remote,
    uint64_t ispi, uint64_t rspi)
{
	struct ike_sa *sa;

	if ((sa = calloc(1, sizeof(*sa))) == NULL)
		return NULL;
	if ((sa->ni = calloc(2, IKE_NONCE_MAX)) == NULL) {
		free(sa);
		return NULL;
	}
	sa->nr = sa->ni + IKE_NONCE_MAX;
	sa->eng = eng;
	sa->peer = peer;
	sa->serial = ++eng->serial;
	snprintf(sa->logp, sizeof(sa->logp), "%s #%u", peer->conf.name,
	    sa->serial);
	sa->initiator = init;
	sa->local = *local;
	sa->remote = *remote;
	sa->created = ev_now(eng->loop);
	sa->ispi = ispi;
	sa->rspi = rspi;
	sa->state = init ? SA_INIT_SENT : SA_INIT_DONE;
	ev_timer_init(&sa->req.timer, sa_retransmit_cb, 0, 0);
	sa->req.timer.data = sa;
	ev_timer_init(&sa->timeout, sa_timeout_cb, IKE_HALF_OPEN_S, 0);
	sa->timeout.data = sa;
	ev_timer_init(&sa->rekey_timer, sa_rekey_cb, 0, 0);
	sa->rekey_timer.data = sa;
	ev_timer_init(&sa->ike_rekey_timer, sa_ike_rekey_cb, 0, 0);
	sa->ike_rekey_timer.data = sa;
	ev_timer_init(&sa->drain_timer, sa_drain_cb, 0, 0);
	sa->drain_timer.data = sa;
	ev_timer_init(&sa->dpd_timer, sa_dpd_cb, 0, 0);
	sa->dpd_timer.data = sa;
	ev_timer_init(&sa->kick_timer, sa_kick_cb, 0, 0);
	sa->kick_timer.data = sa;
	ev_timer_init(&sa->settle_timer, sa_settle_cb, 0, 0);
	sa->settle_timer.data = sa;
	sa->last_rx = sa->created;
	sa->next = eng->sas;
	eng->sas = sa;
	sa_hash_insert(sa);
	return sa;
}

struct ike_sa *
ike_sa_new(struct ike_engine *eng, struct ike_peer *peer, bool init,
    const struct sockaddr_storage *local, const struct sockaddr_storage *remote)
{
	uint64_t spi = ike_sa_new_spi(eng);
	struct ike_sa *sa;

	sa = sa_alloc(eng, peer, init, local, remote, init ? spi : 0,
	    init ? 0 : spi);
	if (sa != NULL && !init)
		ev_timer_start(eng->loop, &sa->timeout);
	return sa;
}

/* RFC 7296 2.18: the rekey's initiator is the new SA's initiator; its
 * message IDs start again at 0. */
struct ike_sa *
ike_sa_new_rekeyed(struct ike_sa *old, bool init, uint64_t ispi, uint64_t rspi)
{
	struct ike_sa *sa;

	sa = sa_alloc(old->eng, old->peer, init, &old->local, &old->remote,
	    ispi, rspi);
	if (sa == NULL)
		return NULL;
	sa->natt = old->natt;
	sa->from_rekey = true;
	return sa;
}

/* The initiator learns the responder's SPI from the IKE_SA_INIT answer. */
void
ike_sa_set_rspi(struct ike_sa *sa, uint64_t rspi)
{
	sa->rspi = rspi;
}

static void
xmit_clear(struct ike_engine *eng, struct ike_xmit *x)
{
	ev_timer_stop(eng->loop, &x->timer);
	free(x->buf);
	x->buf = NULL;
	x->len = 0;
	x->active = false;
}

void
ike_sa_destroy(struct ike_sa *sa, const char *reason)
{
	struct ike_engine *eng = sa->eng;
	struct ike_peer *peer = sa->peer;
	struct ike_sa **pp, *o;
	bool was_current = peer->sa == sa;

	if (reason != NULL) {
		log_msg(LOG_NOTICE, sa->logp, "%s", reason);
		snprintf(peer->last_error, sizeof(peer->last_error), "%s",
		    reason);
	}
	ike_child_remove(sa);
	ike_rekey_abort(sa);
	if (sa->pending_spi != 0)
		eng->ops.sa_del(eng->ops.ctx, &peer->conf, &sa->local,
		    sa->pending_spi);
	xmit_clear(eng, &sa->req);
	ev_timer_stop(eng->loop, &sa->timeout);
	ev_timer_stop(eng->loop, &sa->rekey_timer);
	ev_timer_stop(eng->loop, &sa->ike_rekey_timer);
	ev_timer_stop(eng->loop, &sa->drain_timer);
	ev_timer_stop(eng->loop, &sa->dpd_timer);
	ev_timer_stop(eng->loop, &sa->kick_timer);
	ev_timer_stop(eng->loop, &sa->settle_timer);
	for (o = eng->sas; o != NULL; o = o->next)
		if (o->rekey_sibling == sa)
			o->rekey_sibling = NULL;
	handshake_free(sa);
	free(sa->resp);
	free(sa->init_req);
	free(sa->init_resp);
	ike_dh_free(&sa->dh);
	ike_keys_wipe(&sa->keys);
	ike_sk_ctx_wipe(&sa->sk_out);
	ike_sk_ctx_wipe(&sa->sk_in);
	sa_hash_remove(sa);
	for (pp = &eng->sas; *pp != NULL; pp = &(*pp)->next)
		if (*pp == sa) {
			*pp = sa->next;
			break;
		}
	if (was_current) {
		/* Another established SA of the peer (a crossing, a rekey)
		 * carries on. */
		peer->sa = NULL;
		for (o = eng->sas; o != NULL; o = o->next)
			if (o->peer == peer && o->state == SA_ESTABLISHED &&
			    !o->replaced)
				peer->sa = o;
	}
	if (peer->sa == NULL)
		peer->up_since = 0;
	OPENSSL_cleanse(sa, sizeof(*sa));
	free(sa);
}

void
ike_sa_fail(struct ike_sa *sa, const char *fmt, ...)
{
	char reason[192];
	va_list ap;
	struct ike_peer *peer = sa->peer;
	bool current = peer->sa == sa;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	ike_sa_destroy(sa, reason);
	if (current && peer->sa == NULL)
		ike_peer_failed(peer);
}

void
ike_sa_established(struct ike_sa *sa)
{
	struct ike_peer *peer = sa->peer;
	char l[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];
	char suite[PROPOSAL_STR_MAX];

	sa->state = SA_ESTABLISHED;
	sa->established = ev_now(sa->eng->loop);
	ev_timer_stop(sa->eng->loop, &sa->timeout);
	sa->eng->stats.ike_up++;
	peer->failures = 0;
	peer->last_error[0] = '\0';
	ev_timer_stop(sa->eng->loop, &peer->retry);
	ike_nonce_min(sa->ni, sa->ni_len, sa->nr, sa->nr_len, sa->nonce_min,
	    &sa->nonce_min_len);
	peer->sa = sa;
	log_msg(LOG_NOTICE, sa->logp, "IKE SA established %s...%s, %s",
	    addr_str(&sa->local, l, sizeof(l)),
	    addr_str(&sa->remote, r, sizeof(r)),
	    proposal_suite_str(&sa->choice.suite, IKE_PROTO_IKE, suite,
	    sizeof(suite)));
}

/* Another established IKE SA of sa's peer made by a separate initiation
 * (not a rekey): the two crossed. */
static struct ike_sa *
crossing_other(struct ike_sa *sa)
{
	struct ike_sa *o;

	if (sa->state != SA_ESTABLISHED || sa->replaced || sa->from_rekey)
		return NULL;
	for (o = sa->eng->sas; o != NULL; o = o->next)
		if (o != sa && o->peer == sa->peer &&
		    o->state == SA_ESTABLISHED && !o->replaced &&
		    !o->from_rekey)
			return o;
	return NULL;
}

static struct ike_sa *
crossing_loser(struct ike_sa *a, struct ike_sa *b)
{
	return ike_nonce_cmp(a->nonce_min, a->nonce_min_len, b->nonce_min,
	    b->nonce_min_len) < 0 ? a : b;
}

/* Both ends initiated at once (route peers, traffic from both sides): two
 * IKE SAs, each with its CHILD SA, both carrying traffic. Nothing is
 * deleted yet: a peer with a rule of its own (charon's uniqueids keeps the
 * newest) deletes one within a round trip and we keep the other. If both
 * are still up after conf.settle, the lowest nonce goes, as for colliding
 * rekeys (RFC 7296 2.8.1), deleted by its initiator, so two vtids reach
 * the same verdict; after a second wait the responder deletes it too. */
void
ike_sa_resolve_crossing(struct ike_sa *sa)
{
	struct ike_sa *o;

	if ((o = crossing_other(sa)) == NULL)
		return;
	sa->peer->sa = crossing_loser(sa, o) == sa ? o : sa;
	log_msg(LOG_INFO, sa->logp, "duplicate IKE SA (both ends initiated) "
	    "beside #%u, deciding in %.0f s", o->serial, sa->peer->conf.settle);
	sa->settle_last = false;
	timer_in(sa, &sa->settle_timer, sa->peer->conf.settle);
}

static void
sa_settle_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct ike_sa *sa = t->data, *o, *loser;

	if ((o = crossing_other(sa)) == NULL)
		return;		/* the peer deleted one */
	loser = crossing_loser(sa, o);
	if (!loser->initiator && !sa->settle_last) {
		sa->settle_last = true;
		timer_in(sa, &sa->settle_timer, sa->peer->conf.settle);
		return;
	}
	log_msg(LOG_INFO, loser->logp, "duplicate IKE SA (both ends "
	    "initiated), deleting it%s", loser->initiator ? "" :
	    ": the peer kept both");
	ike_sa_delete(loser);
}

void
ike_out_begin(struct ike_sa *sa, struct ike_out *o, uint8_t exchange,
    bool response, uint32_t msgid, bool protect)
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
	o->protect = protect;
	if (protect)
		ike_msg_encode_sk_begin(&o->e, sa->sk_out.encr->iv_len);
}

static int
sa_transmit(struct ike_sa *sa, const uint8_t *buf, size_t len)
{
	struct ike_engine *eng = sa->eng;

	return eng->ops.send(eng->ops.ctx, &sa->local, &sa->remote, sa->natt,
	    buf, len);
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
		if (ike_sk_seal_layout(&sa->sk_out, &o->w, &lay, &why) == -1) {
			log_msg(LOG_ERR, sa->logp, "cannot seal message: %s",
			    ike_sk_strerror(why));
			return -1;
		}
		len = (long)o->w.len;
	}
	return len;
}

int
ike_out_send(struct ike_sa *sa, struct ike_out *o)
{
	long len = out_finish(sa, o);

	if (len < 0)
		return -1;
	free(sa->resp);
	if ((sa->resp = malloc((size_t)len)) != NULL) {
		memcpy(sa->resp, o->buf, (size_t)len);
		sa->resp_len = (size_t)len;
	}
	/* Window of one (RFC 7296 2.3): the peer's next request is the next
	 * message ID; this one is now answered from the cache. */
	sa->msgid_peer++;
	return sa_transmit(sa, o->buf, (size_t)len);
}

int
ike_out_send_once(struct ike_sa *sa, struct ike_out *o)
{
	long len = out_finish(sa, o);

	if (len < 0)
		return -1;
	return sa_transmit(sa, o->buf, (size_t)len);
}

int
ike_sa_request(struct ike_sa *sa, struct ike_out *o, uint8_t exchange)
{
	struct ike_engine *eng = sa->eng;
	long len = out_finish(sa, o);

	if (len < 0)
		return -1;
	xmit_clear(eng, &sa->req);
	if ((sa->req.buf = malloc((size_t)len)) == NULL)
		return -1;
	memcpy(sa->req.buf, o->buf, (size_t)len);
	sa->req.len = (size_t)len;
	sa->req.exchange = exchange;
	sa->req.tries = 0;
	sa->req.active = true;
	sa->req_sent = ev_now(eng->loop);
	/* IKE_SA_INIT is resent with the same ID 0 after COOKIE or
	 * INVALID_KE_PAYLOAD; any other request takes the next ID. */
	if (exchange == IKE_SA_INIT)
		sa->req.msgid = 0;
	else
		sa->req.msgid = sa->msgid_next++;
	ev_timer_set(&sa->req.timer, sa->peer->conf.retransmit_timeout, 0);
	ev_timer_start(eng->loop, &sa->req.timer);
	if (sa_transmit(sa, sa->req.buf, sa->req.len) == -1)
		log_msg_rl(&sa->peer->rl, LOG_WARNING, sa->logp,
		    "cannot send %s request, will retransmit",
		    ike_exchange_name(exchange));
	return 0;
}

/* DPD verdict (RFC 7296 2.4): the peer is gone; the SAs go without a
 * DELETE it could not receive, then the configured action. */
static void
sa_dead(struct ike_sa *sa)
{
	struct ike_peer *peer = sa->peer;
	char why[128];

	snprintf(why, sizeof(why), "peer dead: no answer to liveness check "
	    "for %.0f s", ev_now(sa->eng->loop) - sa->req_sent);
	ike_sa_destroy(sa, why);
	ike_peer_closed(peer, true);
}

static void
sa_retransmit_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct ike_sa *sa = t->data;
	const struct ike_peer_conf *c = &sa->peer->conf;
	double next;
	unsigned int i;

	if (!sa->req.active)
		return;
	next = c->retransmit_timeout;
	for (i = 0; i <= sa->req.tries && next < c->retransmit_limit; i++)
		next *= c->retransmit_base;
	if (next > c->retransmit_limit)
		next = c->retransmit_limit;
	/* DPD: the peer is dead when it stays silent for the timeout,
	 * however many retransmissions that took. */
	if (sa->liveness && ev_now(loop) - sa->req_sent >=
	    c->dpd_timeout - 0.01) {
		sa_dead(sa);
		return;
	}
	if (sa->liveness && sa->req_sent + c->dpd_timeout - ev_now(loop) <
	    next)
		next = sa->req_sent + c->dpd_timeout - ev_now(loop);
	if (++sa->req.tries > c->retransmit_tries) {
		if (sa->state == SA_DELETING) {
			ike_sa_destroy(sa, "no answer to DELETE, SA removed");
			return;
		}
		if (sa->liveness) {
			sa_dead(sa);
			return;
		}
		ike_sa_fail(sa, "peer not responding: %s request unanswered "
		    "after %u retransmissions",
		    ike_exchange_name(sa->req.exchange), c->retransmit_tries);
		return;
	}
	sa->eng->stats.tx_retransmit++;
	log_msg(LOG_INFO, sa->logp, "retransmit %u of %s request",
	    sa->req.tries, ike_exchange_name(sa->req.exchange));
	sa_transmit(sa, sa->req.buf, sa->req.len);
	ev_timer_set(&sa->req.timer, next, 0);
	ev_timer_start(loop, &sa->req.timer);
}

static void
sa_timeout_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct ike_sa *sa = t->data;

	ike_sa_destroy(sa, "half-open IKE SA timed out waiting for IKE_AUTH");
}

static void
peer_retry_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct ike_peer *peer = t->data;

	if (peer->sa == NULL)
		ike_peer_initiate(peer->eng, peer->conf.name);
}

static void
peer_retry_in(struct ike_peer *peer, double delay)
{
	ev_timer_stop(peer->eng->loop, &peer->retry);
	ev_timer_set(&peer->retry, delay, 0);
	ev_timer_start(peer->eng->loop, &peer->retry);
}

/* A uniform factor in [1 - j, 1 + j]. */
static double
jitter(double j)
{
	uint32_t r = 0;

	ike_random(&r, sizeof(r));
	return 1.0 - j + 2.0 * j * (r / 4294967295.0);
}

void
ike_peer_failed(struct ike_peer *peer)
{
	struct ike_peer_conf *c = &peer->conf;
	bool hold = peer->hold_down;
	double delay;
	unsigned int i;

	peer->hold_down = false;
	peer->failures++;
	peer->failures_total++;
	/* Traffic does not bring a held peer back early either. */
	if (hold)
		peer->held_until = ev_now(peer->eng->loop) + c->retry_max;
	if (c->start == IKE_START_ADD)
		return;
	if (c->keying_tries != IKE_TRIES_FOREVER &&
	    peer->failures >= c->keying_tries) {
		log_msg(LOG_WARNING, c->name, "giving up after %u attempts%s",
		    peer->failures, c->start == IKE_START_ROUTE ?
		    ", back to waiting for traffic" : "");
		peer->failures = 0;
		return;
	}
	/* Capped exponential back-off with jitter, so that a mesh whose
	 * peers all failed at once does not retry in step. */
	delay = c->retry_base;
	for (i = 1; i < peer->failures && delay < c->retry_max; i++)
		delay *= 2;
	if (delay > c->retry_max || hold)
		delay = c->retry_max;
	delay *= jitter(0.25);
	log_msg(LOG_INFO, c->name, "retrying in %.1f s (attempt %u)", delay,
	    peer->failures + 1);
	peer_retry_in(peer, delay);
}

void
ike_peer_closed(struct ike_peer *peer, bool dead)
{
	struct ike_peer_conf *c = &peer->conf;

	if (peer->sa != NULL)
		return;
	if (dead) {
		if (c->dpd_action == IKE_DPD_RESTART) {
			log_msg(LOG_INFO, c->name, "DPD action restart: "
			    "initiating");
			peer_retry_in(peer, 0);
		}
		return;
	}
	/* The peer deleted the tunnel: a start peer wants it back; a route
	 * peer waits for traffic, as strongSwan's auto=route does. */
	if (c->start == IKE_START_START)
		peer_retry_in(peer, c->retry_base * jitter(0.25));
}

static void
timer_in(struct ike_sa *sa, ev_timer *t, double delay)
{
	ev_timer_stop(sa->eng->loop, t);
	ev_timer_set(t, delay > 0 ? delay : 0, 0);
	ev_timer_start(sa->eng->loop, t);
}

/* Rekey at lifetime - random(0, jitter) after the SA was made, so that two
 * ends with the same settings rarely rekey at once. */
void
ike_sa_rekey_schedule(struct ike_sa *sa, bool ike)
{
	const struct ike_lifetime *l = ike ? &sa->peer->conf.ike_life :
	    &sa->peer->conf.child_life;
	double born = ike ? sa->established : sa->child.established;
	double when, r;

	if (l->rekey <= 0)
		return;
	r = (jitter(1.0) / 2.0) * l->jitter;
	when = born + l->rekey - r - ev_now(sa->eng->loop);
	timer_in(sa, ike ? &sa->ike_rekey_timer : &sa->rekey_timer,
	    when < 1 ? 1 : when);
}

void
ike_sa_timers_start(struct ike_sa *sa)
{
	struct ike_peer *peer = sa->peer;

	/* Established, its first CHILD SA made: the nonces are done with. */
	handshake_free(sa);

	if (sa->child.installed) {
		ike_sa_rekey_schedule(sa, false);
		if (peer->up_since == 0)
			peer->up_since = ev_now(sa->eng->loop);
	}
	ike_sa_rekey_schedule(sa, true);
	if (peer->conf.dpd_delay > 0)
		timer_in(sa, &sa->dpd_timer, peer->conf.dpd_delay);
}

static void
sa_rekey_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct ike_sa *sa = t->data;

	sa->want_child_rekey = true;
	ike_sa_kick(sa);
}

static void
sa_ike_rekey_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct ike_sa *sa = t->data;

	sa->want_ike_rekey = true;
	ike_sa_kick(sa);
}

static void
sa_drain_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct ike_sa *sa = t->data;

	ike_child_drop(sa, &sa->old);
	ike_peer_policies_sync(sa->peer);
}

/* RFC 7296 2.4: a liveness check only when the peer has been silent,
 * IKE and ESP alike, for the DPD delay. */
static void
sa_dpd_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct ike_sa *sa = t->data;
	struct ike_engine *eng = sa->eng;
	double delay = sa->peer->conf.dpd_delay, idle;
	uint64_t bytes = 0, pkts = 0;

	if (sa->child.in_on && eng->ops.child_counters != NULL &&
	    eng->ops.child_counters(eng->ops.ctx, &sa->peer->conf, &sa->local,
	    sa->child.spi_in, &bytes, &pkts) == 0 && bytes != sa->dpd_bytes) {
		sa->dpd_bytes = bytes;
		sa->last_rx = ev_now(loop);
	}
	idle = ev_now(loop) - sa->last_rx;
	if (idle < delay) {
		timer_in(sa, t, delay - idle);
		return;
	}
	sa->want_dpd = true;
	ike_sa_kick(sa);
	timer_in(sa, t, delay);
}

static void
sa_kick_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	ike_sa_kick(t->data);
}

void
ike_sa_delete(struct ike_sa *sa)
{
	struct ike_out o;

	if (sa->req.active) {
		sa->want_delete = true;
		return;
	}
	sa->state = SA_DELETING;
	ike_out_begin(sa, &o, INFORMATIONAL, false, sa->msgid_next, true);
	ike_msg_encode_delete(&o.e, IKE_PROTO_IKE, NULL, 0);
	if (ike_sa_request(sa, &o, INFORMATIONAL) == -1)
		ike_sa_destroy(sa, "cannot send DELETE");
}

/* One request at a time (RFC 7296 2.3): the next wanted action starts
 * when none is out. A rekey waits while an earlier one still settles. */
void
ike_sa_kick(struct ike_sa *sa)
{
	if (sa->req.active || sa->state != SA_ESTABLISHED)
		return;
	if (sa->want_delete) {
		sa->want_delete = false;
		ike_sa_delete(sa);
		return;
	}
	if (sa->replaced)
		return;
	if (sa->want_ike_rekey) {
		if (sa->peer_new.installed) {
			timer_in(sa, &sa->kick_timer, IKE_BUSY_RETRY_S);
			return;
		}
		sa->want_ike_rekey = false;
		if (ike_rekey_ike_start(sa) == 0)
			return;
		ike_sa_rekey_schedule(sa, true);
	}
	if (sa->want_child_rekey) {
		if (!sa->child.installed) {
			sa->want_child_rekey = false;
		} else if (sa->peer_new.installed || sa->old.installed) {
			timer_in(sa, &sa->kick_timer, IKE_BUSY_RETRY_S);
			return;
		} else {
			sa->want_child_rekey = false;
			if (ike_rekey_child_start(sa) == 0)
				return;
			ike_sa_rekey_schedule(sa, false);
		}
	}
	if (sa->want_dpd) {
		sa->want_dpd = false;
		ike_dpd_start(sa);
	}
}

int
ike_peer_rekey(struct ike_engine *eng, const char *name, bool ike)
{
	struct ike_peer *peer = peer_find(eng, name);
	struct ike_sa *sa;

	if (peer == NULL || (sa = peer->sa) == NULL ||
	    sa->state != SA_ESTABLISHED || (!ike && !sa->child.installed))
		return -1;
	if (ike)
		sa->want_ike_rekey = true;
	else
		sa->want_child_rekey = true;
	ike_sa_kick(sa);
	return 0;
}

void
ike_kernel_expire(struct ike_engine *eng, uint32_t mark, uint32_t spi,
    bool hard)
{
	struct ike_peer *peer;
	struct ike_sa *sa;

	for (sa = eng->sas; sa != NULL; sa = sa->next) {
		if (sa->peer->conf.mark != mark)
			continue;
		peer = sa->peer;
		if (ike_child_has_spi(&sa->child, spi)) {
			if (!hard) {
				log_msg(LOG_INFO, sa->logp, "kernel soft "
				    "lifetime reached, rekeying");
				sa->want_child_rekey = true;
				ike_sa_kick(sa);
				return;
			}
			/* The kernel removed it: the tunnel is broken. */
			if (spi == sa->child.spi_in)
				sa->child.in_on = false;
			else
				sa->child.out_on = false;
			ike_sa_send_delete(sa);
			ike_sa_destroy(sa, "CHILD SA expired before it was "
			    "rekeyed, closing");
			ike_peer_closed(peer, true);
			return;
		}
		if (hard && ike_child_has_spi(&sa->old, spi)) {
			if (spi == sa->old.spi_in)
				sa->old.in_on = false;
			else
				sa->old.out_on = false;
			return;
		}
	}
}

/* One DH of group g and one PRF run, keys thrown away. */
static void
warm_one(uint16_t group, const struct ike_prf_alg *prf)
{
	struct ike_dh a, b;
	struct ike_chunk gir = { NULL, 0 };
	uint8_t pub[IKE_DH_PUB_MAX], out[IKE_PRF_OUT_MAX], key[IKE_PRF_KEY_MAX];
	struct ike_iov iov = { key, sizeof(key) };

	memset(key, 0x5a, sizeof(key));	/* a dummy key, not a secret */
	if (prf != NULL)
		(void)ike_prf_compute(prf, key, prf->out_len, &iov, 1, out);
	OPENSSL_cleanse(out, sizeof(out));
	if (group == 0 || ike_dh_generate(&a, group) != 0)
		return;
	if (ike_dh_generate(&b, group) == 0) {
		if (ike_dh_public(&b, pub, a.group->pub_len) == 0 &&
		    ike_dh_derive(&a, pub, a.group->pub_len, &gir) == 0)
			ike_chunk_free(&gir);
		ike_dh_free(&b);
	}
	ike_dh_free(&a);
}

/* OpenSSL sets up an algorithm (provider lookups, curve tables, the DRBG)
 * the first time it is used, ~1.4 MB and tens of ms: done here, at
 * startup, for every group and PRF the peers offer, rather than by the
 * first SA while peers wait. */
void
ike_engine_warm(struct ike_engine *eng)
{
	uint16_t done[16];
	size_t n_done = 0, i, j, k, d;
	const struct ike_peer *peer;

	for (peer = eng->peers; peer != NULL; peer = peer->next)
		for (k = 0; k < 2; k++) {
			const struct ike_proposal_list *l = k == 0 ?
			    &peer->conf.ike.list : &peer->conf.esp.list;

			for (i = 0; i < l->n; i++)
				for (j = 0; j < l->p[i].n_xforms; j++) {
					const struct ike_transform *t =
					    &l->p[i].xforms[j];
					uint16_t key = (uint16_t)(t->type << 12 |
					    (t->id & 0x0fff));

					if (t->type != IKE_XFORM_DH &&
					    t->type != IKE_XFORM_PRF)
						continue;
					for (d = 0; d < n_done; d++)
						if (done[d] == key)
							break;
					if (d < n_done || n_done == 16)
						continue;
					done[n_done++] = key;
					if (t->type == IKE_XFORM_DH)
						warm_one(t->id, NULL);
					else
						warm_one(0,
						    ike_prf_lookup(t->id));
				}
		}
}

struct ike_engine *
ike_engine_new(struct ev_loop *loop, const struct ike_ops *ops)
{
	struct ike_engine *eng;

	if ((eng = calloc(1, sizeof(*eng))) == NULL)
		return NULL;
	eng->loop = loop;
	eng->ops = *ops;
	return eng;
}

void
ike_engine_free(struct ike_engine *eng)
{
	struct ike_peer *peer;

	if (eng == NULL)
		return;
	while (eng->sas != NULL) {
		if (eng->sas->state == SA_ESTABLISHED)
			ike_sa_send_delete(eng->sas);
		/* No retries while shutting down. */
		eng->sas->peer->conf.start = IKE_START_ADD;
		ike_sa_destroy(eng->sas, NULL);
	}
	while ((peer = eng->peers) != NULL) {
		eng->peers = peer->next;
		ev_timer_stop(eng->loop, &peer->retry);
		OPENSSL_cleanse(peer, sizeof(*peer));
		free(peer);
	}
	OPENSSL_cleanse(eng->rxbuf, sizeof(eng->rxbuf));
	free(eng);
}

static struct ike_peer *
peer_find(struct ike_engine *eng, const char *name)
{
	struct ike_peer *p;

	for (p = eng->peers; p != NULL; p = p->next)
		if (strcmp(p->conf.name, name) == 0)
			return p;
	return NULL;
}

int
ike_peer_add(struct ike_engine *eng, const struct ike_peer_conf *conf)
{
	struct ike_peer *peer, **pp;

	if (peer_find(eng, conf->name) != NULL)
		return -1;
	if ((peer = calloc(1, sizeof(*peer))) == NULL)
		return -1;
	peer->eng = eng;
	peer->conf = *conf;
	/* The caller made a route peer's traps with its VTI. */
	if (conf->start == IKE_START_ROUTE)
		peer->pol = IKE_POL_V4 | IKE_POL_V6;
	if (addr_port(&peer->conf.remote) == 0)
		addr_set_port(&peer->conf.remote, IKE_PORT);
	ev_timer_init(&peer->retry, peer_retry_cb, 0, 0);
	peer->retry.data = peer;
	/* Appended, so status lists peers in configuration order. */
	for (pp = &eng->peers; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = peer;
	if (conf->start == IKE_START_START)
		ike_peer_initiate(eng, conf->name);
	return 0;
}

int
ike_peer_initiate(struct ike_engine *eng, const char *name)
{
	struct ike_peer *peer = peer_find(eng, name);
	struct sockaddr_storage local;
	struct ike_sa *sa;

	if (peer == NULL)
		return -1;
	if (peer->sa != NULL)
		return 0;
	local = peer->conf.local;
	addr_set_port(&local, addr_port(&peer->conf.remote));
	if ((sa = ike_sa_new(eng, peer, true, &local,
	    &peer->conf.remote)) == NULL)
		return -1;
	peer->sa = sa;
	log_msg(LOG_INFO, sa->logp, "initiating IKE SA");
	if (ike_init_start(sa) == -1) {
		ike_sa_fail(sa, "cannot start IKE_SA_INIT");
		return -1;
	}
	return 0;
}

/* The kernel's ACQUIRE: traffic for a route peer without an SA. A peer
 * held down after a failure that will not mend soon waits for its retry. */
int
ike_peer_acquire(struct ike_engine *eng, const char *name)
{
	struct ike_peer *peer = peer_find(eng, name);

	if (peer == NULL)
		return -1;
	if (peer->sa == NULL && ev_now(eng->loop) < peer->held_until) {
		log_msg_rl(&peer->rl, LOG_DEBUG, peer->conf.name, "traffic "
		    "while held down after the last failure: not initiating");
		return 0;
	}
	return ike_peer_initiate(eng, name);
}

/* Every SA of the peer goes, a DELETE sent for the established ones. */
static void
peer_close(struct ike_peer *peer, const char *reason)
{
	struct ike_engine *eng = peer->eng;
	struct ike_sa *sa, *next;

	ev_timer_stop(eng->loop, &peer->retry);
	for (sa = eng->sas; sa != NULL; sa = next) {
		next = sa->next;
		if (sa->peer != peer)
			continue;
		if (sa->state == SA_ESTABLISHED)
			ike_sa_send_delete(sa);
		if (peer->sa == sa)
			peer->sa = NULL;	/* no retry */
		ike_sa_destroy(sa, reason);
	}
}

int
ike_peer_down(struct ike_engine *eng, const char *name)
{
	struct ike_peer *peer = peer_find(eng, name);

	if (peer == NULL)
		return -1;
	peer_close(peer, "taken down by the operator");
	return 0;
}

int
ike_peer_remove(struct ike_engine *eng, const char *name)
{
	struct ike_peer *peer = peer_find(eng, name), **pp;

	if (peer == NULL)
		return -1;
	peer_close(peer, "peer removed from the configuration");
	for (pp = &eng->peers; *pp != NULL; pp = &(*pp)->next)
		if (*pp == peer) {
			*pp = peer->next;
			break;
		}
	OPENSSL_cleanse(peer, sizeof(*peer));
	free(peer);
	return 0;
}

/* The peer a new IKE_SA_INIT comes from: by its address (the seed binds
 * every conn to one remote address), and our address if configured. */
static struct ike_peer *
peer_match(struct ike_engine *eng, const struct sockaddr_storage *local,
    const struct sockaddr_storage *remote)
{
	struct ike_peer *p;

	for (p = eng->peers; p != NULL; p = p->next) {
		if (!addr_equal(&p->conf.remote, remote))
			continue;
		if (!addr_is_unspec(&p->conf.local) &&
		    !addr_equal(&p->conf.local, local))
			continue;
		return p;
	}
	return NULL;
}

/* A retransmitted IKE_SA_INIT request: same initiator SPI, same address. */
static struct ike_sa *
sa_find_half_open(struct ike_engine *eng, uint64_t ispi,
    const struct sockaddr_storage *remote)
{
	struct ike_sa *sa;

	for (sa = eng->sas; sa != NULL; sa = sa->next)
		if (!sa->initiator && sa->ispi == ispi &&
		    addr_equal(&sa->remote, remote))
			return sa;
	return NULL;
}

static void
input_init_request(struct ike_engine *eng, const struct sockaddr_storage *local,
    const struct sockaddr_storage *remote, bool natt, const uint8_t *buf,
    size_t len, const struct ike_hdr *hdr)
{
	struct ike_peer *peer;
	struct ike_sa *sa;
	struct ike_msg m;
	enum ike_dec v;
	char a[INET6_ADDRSTRLEN];

	if (hdr->rspi != 0 || hdr->msgid != 0) {
		eng->stats.rx_invalid++;
		return;
	}
	if ((sa = sa_find_half_open(eng, hdr->ispi, remote)) != NULL) {
		/* RFC 7296 2.1: the same request again gets the same answer;
		 * anything else on this SPI is not for us. */
		if (sa->init_req != NULL && sa->init_req_len == len &&
		    memcmp(sa->init_req, buf, len) == 0 && sa->resp != NULL &&
		    sa->msgid_peer == 1) {
			eng->stats.rx_retransmit++;
			sa_transmit(sa, sa->init_resp, sa->init_resp_len);
		}
		return;
	}
	if ((peer = peer_match(eng, local, remote)) == NULL) {
		eng->stats.rx_no_peer++;
		log_msg_rl(&eng->rl, LOG_INFO, "ike",
		    "IKE_SA_INIT from %s: no peer configured for this address",
		    addr_str(remote, a, sizeof(a)));
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
			uint8_t t = m.err.payload;

			ike_init_notify(eng, local, remote, natt, &m.hdr,
			    UNSUPPORTED_CRITICAL_PAYLOAD, &t, 1);
		}
		return;
	}
	ike_init_request(eng, peer, local, remote, &m);
}

void
ike_input(struct ike_engine *eng, const struct sockaddr_storage *local,
    const struct sockaddr_storage *remote, bool natt, const uint8_t *data,
    size_t len)
{
	uint8_t *buf = eng->rxbuf;
	const uint8_t *plain;
	size_t plain_len;
	struct ike_hdr hdr;
	struct ike_msg m;
	struct ike_sa *sa;
	enum ike_dec v;
	enum ike_sk_err why;
	bool response, from_init;
	uint64_t spi;
	char a[INET6_ADDRSTRLEN];

	eng->stats.rx++;
	if (len > sizeof(eng->rxbuf)) {
		eng->stats.rx_invalid++;
		return;
	}
	memcpy(buf, data, len);
	v = ike_hdr_decode(&hdr, buf, len);
	if (v != IKE_DEC_OK) {
		eng->stats.rx_invalid++;
		log_msg_rl(&eng->rl, LOG_DEBUG, "ike", "dropped %zu bytes from "
		    "%s: %s", len, addr_str(remote, a, sizeof(a)),
		    ike_dec_str(v));
		/* RFC 7296 2.5: a request of a higher major version gets
		 * INVALID_MAJOR_VERSION, unprotected, with our version. */
		if (v == IKE_DEC_BAD_VERSION && hdr.exchange == IKE_SA_INIT &&
		    !(hdr.flags & IKE_FLAG_RESPONSE) && hdr.ispi != 0) {
			uint8_t ver = IKE_VERSION_2;

			ike_init_notify(eng, local, remote, natt, &hdr,
			    INVALID_MAJOR_VERSION, &ver, 1);
		}
		return;
	}
	response = (hdr.flags & IKE_FLAG_RESPONSE) != 0;
	from_init = (hdr.flags & IKE_FLAG_INITIATOR) != 0;
	if (hdr.exchange == IKE_SA_INIT && !response) {
		if (!from_init) {
			eng->stats.rx_invalid++;
			return;
		}
		input_init_request(eng, local, remote, natt, buf, len, &hdr);
		return;
	}

	/* Everything else belongs to an SA: ours is the SPI of our role. */
	spi = from_init ? hdr.rspi : hdr.ispi;
	sa = ike_sa_lookup(eng, spi);
	if (sa == NULL || sa->initiator == from_init ||
	    (from_init && sa->ispi != hdr.ispi) ||
	    (!from_init && sa->state != SA_INIT_SENT && sa->rspi != hdr.rspi) ||
	    !addr_equal(&sa->remote, remote)) {
		eng->stats.rx_no_sa++;
		log_msg_rl(&eng->rl, LOG_DEBUG, "ike", "%s from %s for no "
		    "known IKE SA", ike_exchange_name(hdr.exchange),
		    addr_str(remote, a, sizeof(a)));
		return;
	}
	if (response && (!sa->req.active || hdr.msgid != sa->req.msgid ||
	    hdr.exchange != sa->req.exchange)) {
		eng->stats.rx_invalid++;
		return;
	}
	if (!response && hdr.msgid != sa->msgid_peer &&
	    !(sa->resp != NULL && hdr.msgid + 1 == sa->msgid_peer)) {
		eng->stats.rx_invalid++;
		log_msg_rl(&sa->peer->rl, LOG_DEBUG, sa->logp,
		    "request with message ID %u, expected %u", hdr.msgid,
		    sa->msgid_peer);
		return;
	}

	v = ike_msg_decode(&m, buf, len);
	if (v != IKE_DEC_OK) {
		eng->stats.rx_invalid++;
		log_msg_rl(&sa->peer->rl, LOG_INFO, sa->logp,
		    "malformed %s %s: %s (%s)", ike_exchange_name(hdr.exchange),
		    response ? "response" : "request", ike_dec_str(v),
		    m.err.detail != NULL ? m.err.detail : "-");
		return;
	}
	if (hdr.exchange == IKE_SA_INIT) {
		ike_init_response(sa, &m);
		return;
	}
	if (!sa->have_keys || !ike_msg_has(&m, IKE_PL_SK)) {
		/* SKF: vtid does not announce fragmentation (RFC 7383 2.3),
		 * so a peer must not send fragments. */
		eng->stats.rx_invalid++;
		return;
	}
	if (ike_sk_open_hdr(&sa->sk_in, buf, len, m.sk.hdr_off,
	    IKE_SK_HDR_LEN, &plain, &plain_len, &why) == -1) {
		eng->stats.rx_bad_icv++;
		log_msg_rl(&sa->peer->rl, LOG_INFO, sa->logp,
		    "dropped %s %s: %s", ike_exchange_name(hdr.exchange),
		    response ? "response" : "request", ike_sk_strerror(why));
		return;
	}
	if (!response && hdr.msgid + 1 == sa->msgid_peer) {
		/* Authenticated retransmission: the cached answer, same bytes
		 * (RFC 7296 2.1). */
		eng->stats.rx_retransmit++;
		sa_transmit(sa, sa->resp, sa->resp_len);
		return;
	}
	v = ike_msg_decode_inner(&m, m.sk.next, plain, plain_len);
	if (v != IKE_DEC_OK) {
		uint16_t n = ike_dec_notify(v);

		eng->stats.rx_invalid++;
		log_msg_rl(&sa->peer->rl, LOG_INFO, sa->logp,
		    "malformed %s %s: %s (%s)", ike_exchange_name(hdr.exchange),
		    response ? "response" : "request", ike_dec_str(v),
		    m.err.detail != NULL ? m.err.detail : "-");
		if (response) {
			ike_sa_fail(sa, "malformed %s response",
			    ike_exchange_name(hdr.exchange));
			return;
		}
		if (n != 0) {
			/* RFC 7296 2.21.2/3.10.1: answered inside SK. */
			struct ike_out o;
			uint8_t t = m.err.payload;

			ike_out_begin(sa, &o, hdr.exchange, true, hdr.msgid,
			    true);
			ike_msg_encode_notify(&o.e, 0, NULL, 0, n,
			    n == UNSUPPORTED_CRITICAL_PAYLOAD ? &t : NULL,
			    n == UNSUPPORTED_CRITICAL_PAYLOAD ? 1 : 0);
			ike_out_send(sa, &o);
		}
		if (hdr.exchange == IKE_AUTH)
			ike_sa_fail(sa, "malformed IKE_AUTH request");
		return;
	}

	/* Anything authenticated from the peer proves it alive (DPD). */
	sa->last_rx = ev_now(eng->loop);
	spi = sa_our_spi(sa);
	if (response) {
		xmit_clear(eng, &sa->req);
		switch (hdr.exchange) {
		case IKE_AUTH:
			ike_auth_response(sa, &m);
			break;
		case INFORMATIONAL:
			ike_info_response(sa, &m);
			break;
		case CREATE_CHILD_SA:
			ike_rekey_response(sa, &m);
			break;
		default:
			break;
		}
	} else
		input_request(sa, &hdr, &m);
	/* The handler may have destroyed the SA: look it up again. */
	if ((sa = ike_sa_lookup(eng, spi)) != NULL)
		ike_sa_kick(sa);
}

static void
input_request(struct ike_sa *sa, const struct ike_hdr *hdr,
    const struct ike_msg *m)
{
	struct ike_engine *eng = sa->eng;

	switch (hdr->exchange) {
	case IKE_AUTH:
		if (sa->state != SA_INIT_DONE) {
			eng->stats.rx_invalid++;
			return;
		}
		ike_auth_request(sa, m);
		break;
	case INFORMATIONAL:
		ike_info_request(sa, m);
		break;
	case CREATE_CHILD_SA:
		ike_rekey_request(sa, m);
		break;
	default:
		eng->stats.rx_invalid++;
		break;
	}
}

const struct ike_stats *
ike_engine_stats(const struct ike_engine *eng)
{
	return &eng->stats;
}

void
ike_engine_count(const struct ike_engine *eng, unsigned *up, unsigned *total)
{
	const struct ike_peer *p;

	*up = *total = 0;
	for (p = eng->peers; p != NULL; p = p->next) {
		(*total)++;
		if (p->sa != NULL && p->sa->child.installed)
			(*up)++;
	}
}

