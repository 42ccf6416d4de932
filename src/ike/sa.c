/* The IKE SA's lifecycle: its states, what moves it from one to the next,
 * the work it has pending. The exchanges (exchange.h) do the protocol work
 * and report; what follows from it is decided here.
 *
 *   state        event                                 then
 *   (none)       IKE_SA_INIT admitted (admit.c)        INIT_DONE, half-open
 *   INIT_SENT    answer: COOKIE, the group it wants    INIT_SENT, sent again
 *                answer: keys made, IKE_AUTH sent      AUTH_SENT
 *   AUTH_SENT    answer: AUTH good (CHILD SA or not)   ESTABLISHED
 *   INIT_DONE    request: AUTH good, answered          ESTABLISHED, and
 *                                                      now the peer's SA
 *                bad AUTH, EXPIRE (half_open_timeout)  gone, the peer as
 *                                                      it was
 *   ESTABLISHED  task DELETE, no request out           DELETING
 *                crossing settled: the loser           DELETING (initiator)
 *                IKE rekey done, either side           REKEYED; the new SA
 *                                                      ESTABLISHED
 *                CHILD SA deleted by peer, expired     gone, DELETE sent
 *                a newer SA with INITIAL_CONTACT       gone (peer.c)
 *   REKEYED      we rekeyed: our D(IKE) at once        REKEYED, DELETE out
 *                peer's D(IKE), our D(IKE) answered    gone, silently
 *                EXPIRE (IKE_REPLACED_S)               gone
 *   DELETING     answer, or none after the retries     gone
 *   AUTH_SENT,   peer's D(IKE)                         gone, peer closed
 *   ESTABLISHED,
 *   DELETING
 *   any          failure, no answer after the retries  gone, peer retries
 *                DPD: silent for dpd_timeout           gone, DPD action
 *
 * Half-open: anyone can forge a peer's address, so a responder SA steers
 * nothing of its peer before IKE_AUTH proves it: it is not peer->sa, its
 * end touches neither the retry timer nor keying_tries nor last_error,
 * and our own attempt goes on beside it.
 *
 * Decided here besides:
 *   tasks	one request of ours at a time (RFC 7296 2.3): DELETE first,
 *		then an IKE rekey, a CHILD rekey, a liveness check; a rekey
 *		waits while an earlier one settles (BUSY).
 *   crossing	both ends initiated (route peers, traffic from both sides):
 *		two SAs from IKE_SA_INIT; the lowest nonce goes. With a vtid
 *		peer (its Vendor ID, authenticated by IKE_AUTH) at once,
 *		deleted by its responder, its outbound SA first, while the
 *		responder of the other holds that one's outbound SA until
 *		then; with any other both are kept until conf.settle, then
 *		deleted by its initiator, after a second wait by its
 *		responder too.
 *   collision	both ends rekeyed the IKE SA (2.8.1): the new SA with the
 *		lowest nonce goes, deleted by its initiator; the other takes
 *		the CHILD SAs. (Colliding CHILD SA rekeys: rekey.c.)
 */
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike/admit.h"
#include "ike/child.h"
#include "ike/exchange.h"
#include "ike/frag.h"
#include "ike/peer.h"
#include "ike/sa.h"
#include "ike/table.h"
#include "ike/timers.h"
#include "ike/vendor.h"
#include "ike/wire.h"
#include "util/addr.h"
#include "util/clock.h"

enum sa_role {
	SA_RESPONDER,
	SA_INITIATOR,
};

static void	 sa_next_task(struct ike_sa *);

static void
handshake_free(struct ike_sa *sa)
{
	if (sa->ni == NULL)
		return;
	OPENSSL_cleanse(sa->ni, 2 * IKE_NONCE_MAX);
	free(sa->ni);
	sa->ni = sa->nr = NULL;
}

/* A new SA of the peer in its first state, in the tables. */
static struct ike_sa *
sa_alloc(struct ike_peer *peer, enum sa_role role,
    const struct sockaddr_storage *local, const struct sockaddr_storage *remote,
    uint64_t ispi, uint64_t rspi)
{
	struct ike_engine *eng = peer->eng;
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
	sa->initiator = role == SA_INITIATOR;
	sa->state = sa->initiator ? SA_INIT_SENT : SA_INIT_DONE;
	sa->local = *local;
	sa->remote = *remote;
	sa->created = clock_mono();
	sa->last_rx = sa->created;
	sa->ispi = ispi;
	sa->rspi = rspi;
	ike_timers_init(sa);
	if (ike_table_sa_add(eng, sa) == -1) {
		handshake_free(sa);
		free(sa);
		return NULL;
	}
	sa->next = peer->sas;
	peer->sas = sa;
	return sa;
}

/* RFC 7296 2.18: the rekey's initiator is the new SA's initiator; its
 * message IDs start again at 0. */
static struct ike_sa *
sa_alloc_rekeyed(struct ike_sa *old, enum sa_role role, uint64_t ispi,
    uint64_t rspi)
{
	struct ike_sa *sa;

	sa = sa_alloc(old->peer, role, &old->local, &old->remote, ispi, rspi);
	if (sa == NULL)
		return NULL;
	sa->natt = old->natt;
	sa->nat_local = old->nat_local;
	/* RFC 7383 2.3: negotiated once, for the SAs rekeyed from it. */
	sa->frag_ours = old->frag_ours;
	sa->frag_peer = old->frag_peer;
	sa->origin = SA_FROM_REKEY;
	sa->vtid = old->vtid;
	sa->peer_hashes = old->peer_hashes;
	return sa;
}

/* Our IKE_SA_INIT is out, or could not be sent. */
static void
sa_init_sent(struct ike_sa *sa, const char *why)
{
	if (why != NULL)
		ike_sa_fail(sa, "%s", why);
}

/* One of our initiations is over (up or gone): its slot to the next. */
static void
sa_initiation_over(struct ike_sa *sa)
{
	if (sa->overdue) {
		sa->overdue = false;
		sa->eng->stats.init_overdue--;
	}
	if (!sa->initiating)
		return;
	sa->initiating = false;
	sa->eng->stats.initiating--;
	ike_peer_pace_kick(sa->eng);
}

/* A dead peer must not hold a slot for the minutes its retries take, so
 * an unanswered IKE_SA_INIT gives its slot up at its first
 * retransmission. But a responder that is alive and merely slow (a hub
 * restarting, its answers taking longer than our retransmission timeout)
 * would then see ever more of our initiations, and answer ever later: so
 * at most initiate_max may be overdue at once, and beyond that an
 * overdue one keeps its slot. At most twice initiate_max in all. */
void
ike_sa_init_unanswered(struct ike_sa *sa)
{
	struct ike_engine *eng = sa->eng;

	if (!sa->initiating || eng->stats.init_overdue >=
	    eng->dos.initiate_max)
		return;
	log_msg_rl(&sa->peer->rl, LOG_DEBUG, sa->logp, "no answer to "
	    "IKE_SA_INIT yet: next peer in line may initiate");
	sa_initiation_over(sa);
	sa->overdue = true;
	eng->stats.init_overdue++;
}

int
ike_sa_initiate(struct ike_peer *peer)
{
	struct sockaddr_storage local = peer->conf.local;
	struct ike_sa *sa;

	addr_set_port(&local, addr_port(&peer->conf.remote));
	if ((sa = sa_alloc(peer, SA_INITIATOR, &local, &peer->conf.remote,
	    ike_table_spi_new(peer->eng), 0)) == NULL)
		return -1;
	peer->sa = sa;
	sa->initiating = true;
	peer->eng->stats.initiating++;
	log_msg(LOG_INFO, sa->logp, "initiating IKE SA");
	if (ike_init_start(sa, sa_init_sent) == -1) {
		ike_sa_fail(sa, "cannot start IKE_SA_INIT");
		return -1;
	}
	return 0;
}

void
ike_sa_destroy(struct ike_sa *sa, const char *reason)
{
	struct ike_engine *eng = sa->eng;
	struct ike_peer *peer = sa->peer;
	struct ike_sa **pp, *o;
	bool was_current = peer->sa == sa;

	if (reason != NULL && sa->half_open)
		log_msg_rl(&peer->rl_init, LOG_INFO, sa->logp, "%s", reason);
	else if (reason != NULL) {
		log_msg(LOG_NOTICE, sa->logp, "%s", reason);
		snprintf(peer->last_error, sizeof(peer->last_error), "%s",
		    reason);
	}
	ike_admit_half_open_end(sa);
	sa_initiation_over(sa);
	ike_init_job_detach(sa);
	ike_child_remove(sa);
	ike_rekey_clear(sa);
	if (sa->pending_spi != 0)
		eng->ops.sa_del(eng->ops.ctx, &peer->conf, &sa->local,
		    sa->pending_spi);
	ike_xmit_clear(sa);
	ike_timers_cancel_all(sa);
	for (o = peer->sas; o != NULL; o = o->next)
		if (o->rekey_sibling == sa)
			o->rekey_sibling = NULL;
	handshake_free(sa);
	ike_frag_free(sa);
	free(sa->resp);
	free(sa->init_req);
	free(sa->init_resp);
	ike_dh_free(&sa->dh);
	pki_peer_free(sa->peer_cert);
	ike_keys_wipe(&sa->keys);
	ike_sk_ctx_wipe(&sa->sk_out);
	ike_sk_ctx_wipe(&sa->sk_in);
	ike_table_sa_del(eng, sa);
	for (pp = &peer->sas; *pp != NULL; pp = &(*pp)->next)
		if (*pp == sa) {
			*pp = sa->next;
			break;
		}
	if (was_current) {
		/* Another established SA of the peer (a crossing, a rekey)
		 * carries on: the oldest. */
		peer->sa = NULL;
		for (o = peer->sas; o != NULL; o = o->next)
			if (o->state == SA_ESTABLISHED)
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
ike_sa_dead(struct ike_sa *sa)
{
	struct ike_peer *peer = sa->peer;
	char why[128];

	snprintf(why, sizeof(why), "peer dead: no answer to liveness check "
	    "for %.0f s", clock_mono() - sa->req.sent);
	ike_sa_destroy(sa, why);
	ike_peer_closed(peer, IKE_CLOSED_BROKEN);
}

void
ike_sa_close(struct ike_sa *sa, const char *reason, enum ike_closed why)
{
	struct ike_peer *peer = sa->peer;

	ike_info_send_delete(sa);
	ike_sa_destroy(sa, reason);
	ike_peer_closed(peer, why);
}

/* ---- established ---- */

/* An SA whose DELETE we sent and the peer has not answered, while the peer
 * has just authenticated a new IKE SA with us: the peer has moved on (charon
 * tears down the SA it was told to delete and re-establishes without
 * answering), so its CHILD SAs would only sit beside the new ones until the
 * retransmissions run out. */
static void
sa_drop_superseded(struct ike_sa *sa)
{
	struct ike_sa *o;

again:
	for (o = sa->peer->sas; o != NULL; o = o->next)
		if (o != sa && o->state == SA_DELETING &&
		    o->req.what == IKE_REQ_DELETE) {
			log_msg(LOG_INFO, o->logp, "DELETE unanswered, "
			    "superseded by %s: removed", sa->logp);
			ike_sa_destroy(o, NULL);
			goto again;
		}
}

static void
sa_established(struct ike_sa *sa)
{
	struct ike_peer *peer = sa->peer;
	char l[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];
	char suite[PROPOSAL_STR_MAX];

	sa->state = SA_ESTABLISHED;
	sa->established = clock_mono();
	ike_timer_cancel(sa, IKE_TIMER_EXPIRE);
	/* A responder's SA becomes the peer's only now. */
	ike_admit_half_open_end(sa);
	sa_initiation_over(sa);
	ike_peer_unqueue(peer);
	sa->eng->stats.ike_up++;
	peer->failures = 0;
	peer->wanted = false;
	peer->last_error[0] = '\0';
	ike_peer_timer_cancel(peer);
	ike_nonce_min(sa->ni, sa->ni_len, sa->nr, sa->nr_len, sa->nonce_min,
	    &sa->nonce_min_len);
	/* AUTH signed the IKE_SA_INIT messages: the Vendor ID is the
	 * peer's own now. */
	sa->vtid = sa->init_vtid;
	peer->vtid = sa->vtid;
	peer->sa = sa;
	log_msg(LOG_NOTICE, sa->logp, "IKE SA established %s...%s, %s",
	    addr_str(&sa->local, l, sizeof(l)),
	    addr_str(&sa->remote, r, sizeof(r)),
	    proposal_suite_str(&sa->choice.suite, IKE_PROTO_IKE, suite,
	    sizeof(suite)));
	sa_drop_superseded(sa);
}

/* An SA made by an IKE SA rekey, its keys derived. */
static void
sa_established_rekey(struct ike_sa *ns)
{
	ns->state = SA_ESTABLISHED;
	ns->established = clock_mono();
	ike_nonce_min(ns->ni, ns->ni_len, ns->nr, ns->nr_len, ns->nonce_min,
	    &ns->nonce_min_len);
}

/* Rekey at lifetime - random(0, jitter) after the SA was made, so that two
 * ends with the same settings rarely rekey at once. */
static void
sa_rekey_schedule(struct ike_sa *sa, enum ike_sa_timer which)
{
	bool ike = which == IKE_TIMER_REKEY_IKE;
	const struct ike_lifetime *l = ike ? &sa->peer->conf.ike_life :
	    &sa->peer->conf.child_life;
	double born = ike ? sa->established : sa->child.established;
	double when, r;

	if (l->rekey <= 0)
		return;
	r = (ike_timer_jitter(1.0) / 2.0) * l->jitter;
	when = born + l->rekey - r - clock_mono();
	ike_timer_arm(sa, which, when < 1 ? 1 : when);
}

/* Established with its first CHILD SA (or without): rekeys and DPD. */
static void
sa_timers_start(struct ike_sa *sa)
{
	struct ike_peer *peer = sa->peer;

	/* The nonces are done with. */
	handshake_free(sa);
	if (sa->child.installed) {
		sa_rekey_schedule(sa, IKE_TIMER_REKEY_CHILD);
		if (peer->up_since == 0)
			peer->up_since = clock_mono();
	}
	sa_rekey_schedule(sa, IKE_TIMER_REKEY_IKE);
	if (peer->conf.dpd_delay > 0)
		ike_timer_arm(sa, IKE_TIMER_DPD, peer->conf.dpd_delay);
	if (sa->natt && sa->nat_local && peer->conf.nat_keepalive > 0)
		ike_timer_arm(sa, IKE_TIMER_KEEPALIVE,
		    peer->conf.nat_keepalive);
}

/* One CHILD SA pair's ESP-in-UDP ports to where the peer now is. */
static int
child_encap_follow(struct ike_sa *sa, struct ike_child *c)
{
	const struct ike_ops *ops = &sa->eng->ops;
	const struct ike_peer_conf *conf = &sa->peer->conf;
	uint16_t us = addr_port(&sa->local), them = addr_port(&sa->remote);

	if (c->in_on && ops->sa_encap(ops->ctx, conf, &sa->local, c->spi_in,
	    them, us) != 0)
		return -1;
	if (c->out_on && ops->sa_encap(ops->ctx, conf, &c->out_dst,
	    c->spi_out, us, them) != 0)
		return -1;
	if (c->held_out != NULL) {
		c->held_out->natt_sport = us;
		c->held_out->natt_dport = them;
	}
	return 0;
}

/* The CHILD SAs' ESP-in-UDP ports and addresses are the IKE SA's. A new
 * port (a NAT's new mapping): every SA takes it in place (RFC 7296 2.23),
 * SPIs, keys and sequence numbers unchanged, no negotiation. A new
 * address is part of the outbound SA's key in the kernel: a rekey over
 * this IKE SA makes the CHILD SA again there (the old one goes once the
 * new is in); so does an update the kernel refused. */
void
ike_sa_moved(struct ike_sa *sa, bool addr)
{
	if (sa->state != SA_ESTABLISHED || !sa->child.installed)
		return;
	if (!addr && sa->eng->ops.sa_encap != NULL &&
	    child_encap_follow(sa, &sa->child) == 0 &&
	    child_encap_follow(sa, &sa->peer_new) == 0 &&
	    child_encap_follow(sa, &sa->old) == 0) {
		log_msg(LOG_INFO, sa->logp, "CHILD SA follows to UDP port %u "
		    "in place, SPIs %08x_i %08x_o", addr_port(&sa->remote),
		    sa->child.spi_in, sa->child.spi_out);
		return;
	}
	ike_sa_want(sa, IKE_TASK_REKEY_CHILD);
}

/* ---- crossing ---- */

/* Another established IKE SA of sa's peer made by a separate initiation
 * (not a rekey): the two crossed. With pending, one of ours still waiting
 * for its IKE_AUTH answer counts too. A peer that lost an SA we still
 * hold tells us with INITIAL_CONTACT (ike_peer_restarted), which vtid
 * sends whenever it holds no other SA with us: without it, the other SA
 * is one the peer still has, and the crossing rule decides. */
static struct ike_sa *
crossing_other(struct ike_sa *sa, bool pending)
{
	struct ike_sa *o;

	if (sa->state != SA_ESTABLISHED || sa->origin != SA_FROM_INIT)
		return NULL;
	for (o = sa->peer->sas; o != NULL; o = o->next)
		if (o != sa && o->origin == SA_FROM_INIT &&
		    (o->state == SA_ESTABLISHED || (pending && o->initiator &&
		    o->state == SA_AUTH_SENT)))
			return o;
	return NULL;
}

/* Our initiation still waiting for its IKE_AUTH answer while the peer's
 * crossed it and is established: the peer, having both, may delete ours
 * before its answer to us arrives (sent just before, or reordered). The
 * established one. */
static struct ike_sa *
crossing_unanswered(struct ike_sa *sa)
{
	struct ike_sa *o;

	if (sa->state != SA_AUTH_SENT || !sa->initiator)
		return NULL;
	for (o = sa->peer->sas; o != NULL; o = o->next)
		if (o != sa && o->origin == SA_FROM_INIT &&
		    o->state == SA_ESTABLISHED)
			return o;
	return NULL;
}

static struct ike_sa *
crossing_loser(struct ike_sa *a, struct ike_sa *b)
{
	return ike_nonce_cmp(a->nonce_min, a->nonce_min_len, b->nonce_min,
	    b->nonce_min_len) < 0 ? a : b;
}

/* Both SAs authenticated a vtid that follows our rule (vendor.h): it
 * reaches the same verdict as we do, with nothing to wait for. */
static bool
crossing_with_vtid(const struct ike_sa *a, const struct ike_sa *b)
{
	return a->vtid == IKE_VTID_CROSSING_RULE &&
	    b->vtid == IKE_VTID_CROSSING_RULE;
}

/* Before the IKE_AUTH answer of a vtid peer's SA: if another SA of a
 * crossing already carries traffic, the new one's outbound SA waits
 * (ike_child.held_out). Sending on it at once would lose what arrives
 * before the peer, the initiator, has handled our answer; the peer sends
 * on it from then on, and we do when the crossing is decided. */
static void
crossing_hold(struct ike_sa *sa)
{
	struct ike_sa *o = crossing_other(sa, false);

	sa->hold_out = o != NULL && crossing_with_vtid(sa, o) &&
	    o->child.out_on;
}

/* The one that stays: its outbound SA in, if it was held. */
static void
crossing_keep(struct ike_sa *winner)
{
	if (winner->child.held_out != NULL &&
	    ike_child_release_out(winner, &winner->child) == -1)
		log_msg(LOG_WARNING, winner->logp, "cannot install the "
		    "held outbound SA %08x", winner->child.spi_out);
}

/* The loser goes. With a vtid peer (rule 1: we answered the loser's
 * IKE_AUTH and have both, or the peer failed to delete it within settle)
 * make-before-break. We initiated the winner, so both ends
 * have its CHILD SA (the peer installed it before answering us): our
 * loser's outbound SA goes first and the kernel sends on the winner's;
 * the loser's inbound SA takes what the peer still sends on it until it
 * answers our DELETE, having switched to the winner on receiving it.
 * Were the loser's initiator to delete it instead, it could have both
 * before the peer handled its answer for the winner, and there would be
 * no SA to switch to that both ends have. */
static void
crossing_delete(struct ike_sa *loser, struct ike_sa *winner)
{
	crossing_keep(winner);
	/* With another implementation as before vtid knew its peers: the
	 * loser's outbound SA goes with its DELETE's answer. */
	if (winner->child.out_on && crossing_with_vtid(loser, winner))
		ike_child_drop_out(loser, &loser->child);
	ike_sa_delete(loser);
}

/* Both ends initiated at once: two IKE SAs, each with its CHILD SA. The
 * lowest nonce goes, as for colliding rekeys (RFC 7296 2.8.1), so both
 * ends reach the same verdict. With a vtid peer that happens now,
 * deleted by its responder (crossing_delete says why). With any other
 * nothing is deleted yet: a peer with a rule of its own (charon's
 * uniqueids keeps the newest) deletes one within a round trip and we
 * keep the other; if both are still up after conf.settle, the loser's
 * initiator deletes it, and after a second wait its responder. */
static void
sa_resolve_crossing(struct ike_sa *sa)
{
	struct ike_sa *o, *loser, *winner;

	if ((o = crossing_other(sa, false)) == NULL)
		return;
	loser = crossing_loser(sa, o);
	winner = loser == sa ? o : sa;
	sa->peer->sa = winner;
	ike_timer_cancel(sa, IKE_TIMER_SETTLE_LAST);
	if (crossing_with_vtid(sa, o) && !loser->initiator) {
		log_msg(LOG_INFO, loser->logp, "duplicate IKE SA (both ends "
		    "initiated, peer is vtid): lowest nonce, deleting it; %s "
		    "carries on", winner->logp);
		crossing_delete(loser, winner);
		return;
	}
	if (crossing_with_vtid(sa, o))
		/* The peer answered the loser and deletes it; the settle
		 * timer only covers a peer that fails to. */
		log_msg(LOG_INFO, sa->logp, "duplicate IKE SA (both ends "
		    "initiated) beside #%u: the peer (vtid) deletes %s",
		    o->serial, loser->logp);
	else
		log_msg(LOG_INFO, sa->logp, "duplicate IKE SA (both ends "
		    "initiated) beside #%u, deciding in %.0f s", o->serial,
		    sa->peer->conf.settle);
	ike_timer_arm(sa, IKE_TIMER_SETTLE, sa->peer->conf.settle);
}

void
ike_sa_settle(struct ike_sa *sa, bool last)
{
	struct ike_sa *o, *loser;

	if ((o = crossing_other(sa, false)) == NULL) {
		/* One is gone (deleted by the peer, or otherwise): if it was
		 * not by a path that released sa's held outbound SA, this
		 * does. */
		crossing_keep(sa);
		return;
	}
	loser = crossing_loser(sa, o);
	if (!loser->initiator && !last) {
		/* Its initiator should have deleted it: wait once more, then
		 * the responder does. */
		ike_timer_arm(sa, IKE_TIMER_SETTLE_LAST,
		    sa->peer->conf.settle);
		return;
	}
	log_msg(LOG_INFO, loser->logp, "duplicate IKE SA (both ends "
	    "initiated), deleting it%s", loser->initiator ? "" :
	    ": the peer kept both");
	crossing_delete(loser, loser == sa ? o : sa);
}

/* The peer deleted one SA of a crossing (its rule, or charon's
 * uniqueids): not a closed tunnel. The other is the peer's SA from now
 * on, even before its IKE_AUTH is answered, so that neither traffic (an
 * ACQUIRE) nor the retry logic starts a third one. False when sa was not
 * one of a crossing. */
static bool
crossing_deleted(struct ike_sa *sa)
{
	struct ike_sa *heir = crossing_other(sa, true);

	if (heir == NULL && (heir = crossing_unanswered(sa)) == NULL)
		return false;
	log_msg(LOG_INFO, sa->logp, "duplicate IKE SA (both ends initiated) "
	    "deleted by peer%s; %s carries on", sa->state == SA_AUTH_SENT ?
	    " before its IKE_AUTH answer" : "", heir->logp);
	sa->peer->sa = heir;
	crossing_keep(heir);
	ike_sa_destroy(sa, NULL);
	if (heir->state == SA_AUTH_SENT && heir->req.what == IKE_REQ_AUTH)
		/* The peer keeps the other SA, so it has answered our
		 * IKE_AUTH: that answer is lost or late. Ask again now,
		 * not at the next retransmission: until it comes we have
		 * no CHILD SA. */
		ike_xmit_resend(heir);
	return true;
}

/* ---- rekeyed ---- */

/* The CHILD SAs and their timers move to the new IKE SA. */
static void
sa_take_over(struct ike_sa *from, struct ike_sa *to)
{
	ike_child_move(&to->child, &from->child);
	ike_child_move(&to->old, &from->old);
	ike_child_move(&to->peer_new, &from->peer_new);
	memcpy(to->peer_new_nmin, from->peer_new_nmin, from->peer_new_nmin_len);
	to->peer_new_nmin_len = from->peer_new_nmin_len;
	/* The peer's certificate, as IKE_AUTH checked it, for list and for
	 * a reload's CRL. */
	if (to->peer_cert == NULL) {
		to->peer_cert = from->peer_cert;
		from->peer_cert = NULL;
	}
	ike_timer_cancel(from, IKE_TIMER_DRAIN);
	ike_timer_cancel(from, IKE_TIMER_REKEY_CHILD);
	ike_timer_cancel(from, IKE_TIMER_DPD);
	ike_timer_cancel(from, IKE_TIMER_KEEPALIVE);
	ike_timer_cancel(from, IKE_TIMER_REKEY_IKE);
	if (to->old.in_on)
		ike_timer_arm(to, IKE_TIMER_DRAIN, to->peer->conf.drain);
	sa_timers_start(to);
	to->peer->sa = to;
}

/* The old IKE SA after a rekey: no children, it sends the DELETE that ends
 * it (we rekeyed), or waits for the peer's. */
enum sa_retire {
	SA_RETIRE_DELETE,
	SA_RETIRE_WAIT,
};

static void
sa_retire(struct ike_sa *old, enum sa_retire how)
{
	old->state = SA_REKEYED;
	if (how == SA_RETIRE_DELETE)
		ike_sa_delete(old);
	else
		ike_timer_arm(old, IKE_TIMER_EXPIRE, IKE_REPLACED_S);
}

/* The peer rekeys the IKE SA: the new SA takes the CHILD SAs; the old one
 * waits for the peer's DELETE, unless our own rekey is out too, whose
 * answer decides which new SA stays. */
static void
sa_rekey_ike_request(struct ike_sa *sa, const struct ike_msg *m)
{
	struct proposal_choice choice;
	struct ike_sa *ns;

	if (ike_rekey_ike_select(sa, m, &choice) == -1)
		return;
	ns = sa_alloc_rekeyed(sa, SA_RESPONDER, ike_get64(choice.chosen.spi),
	    ike_table_spi_new(sa->eng));
	if (ns == NULL) {
		ike_rekey_refuse(sa, TEMPORARY_FAILURE, NULL, 0);
		return;
	}
	if (ike_rekey_ike_answer(sa, ns, m, &choice) == -1) {
		ike_sa_destroy(ns, "cannot make the rekeyed IKE SA");
		ike_rekey_refuse(sa, NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	sa_established_rekey(ns);
	sa->peer->ike_rekeys++;
	sa_take_over(sa, ns);
	if (sa->req.what == IKE_REQ_REKEY_IKE) {
		sa->rekey_sibling = ns;
		log_msg(LOG_INFO, ns->logp, "IKE SA rekeyed by peer while we "
		    "rekey (was #%u)", sa->serial);
		return;
	}
	log_msg(LOG_NOTICE, ns->logp, "IKE SA rekeyed by peer (was #%u)",
	    sa->serial);
	sa_retire(sa, SA_RETIRE_WAIT);
}

/* Our IKE SA rekey answered. With the peer's own rekey answered meanwhile
 * (a sibling), the new SA with the lowest nonce goes (RFC 7296 2.8.1):
 * ours is deleted, or the sibling hands its children to ours. */
static void
sa_rekey_ike_response(struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_sa *ns, *sib = sa->rekey_sibling;
	struct ike_rekey_reply r;

	if (ike_rekey_ike_accept(sa, m, &r) == -1)
		goto retry;
	ns = sa_alloc_rekeyed(sa, SA_INITIATOR, sa->rekey.ike_spi,
	    ike_get64(r.choice.chosen.spi));
	if (ns == NULL) {
		ike_chunk_free(&r.gir);
		goto retry;
	}
	if (ike_rekey_ike_keys(sa, ns, m, &r) == -1) {
		ike_sa_destroy(ns, "cannot derive the rekeyed IKE SA's keys");
		goto retry;
	}
	ike_rekey_clear(sa);
	sa_established_rekey(ns);
	sa->peer->ike_rekeys++;
	if (sib != NULL && ike_nonce_cmp(ns->nonce_min, ns->nonce_min_len,
	    sib->nonce_min, sib->nonce_min_len) < 0) {
		log_msg(LOG_INFO, ns->logp, "IKE rekey collision lost, "
		    "deleting this SA; %s carries on", sib->logp);
		sa->rekey_sibling = NULL;
		ns->state = SA_REKEYED;
		ike_sa_delete(ns);
		return;
	}
	if (sib != NULL) {
		log_msg(LOG_INFO, ns->logp, "IKE rekey collision won; the "
		    "peer deletes %s", sib->logp);
		sa_take_over(sib, ns);
		sib->state = SA_REKEYED;
		sa->rekey_sibling = NULL;
	} else
		sa_take_over(sa, ns);
	log_msg(LOG_NOTICE, ns->logp, "IKE SA rekeyed (was #%u)", sa->serial);
	sa_retire(sa, SA_RETIRE_DELETE);
	return;
retry:
	ike_rekey_clear(sa);
	sa_rekey_schedule(sa, IKE_TIMER_REKEY_IKE);
}

static void
sa_rekey_child_response(struct ike_sa *sa, const struct ike_msg *m)
{
	switch (ike_rekey_child_response(sa, m)) {
	case IKE_REKEY_DONE:
		sa_rekey_schedule(sa, IKE_TIMER_REKEY_CHILD);
		break;
	case IKE_REKEY_LOST:
		break;
	case IKE_REKEY_RETRY:
		/* TEMPORARY_FAILURE: the peer is busy with its own rekey
		 * (2.25); it or we will try again. */
		ike_timer_arm(sa, IKE_TIMER_REKEY_CHILD, IKE_REKEY_RETRY_S);
		break;
	}
}

/* ---- tasks ---- */

void
ike_sa_delete(struct ike_sa *sa)
{
	if (sa->req.what != IKE_REQ_NONE) {
		sa->tasks |= IKE_TASK_DELETE;
		return;
	}
	if (sa->state != SA_REKEYED)
		sa->state = SA_DELETING;
	if (ike_info_delete_start(sa) == -1)
		ike_sa_destroy(sa, "cannot send DELETE");
}

static void
sa_rekey_pair_done(struct ike_sa *sa, const char *why)
{
	if (why == NULL)
		sa_next_task(sa);
}

/* With crypto threads, a rekey's key pair is made on one first and the
 * task starts when it is back: the loop does only g^ir. True while it is
 * made. */
static bool
sa_rekey_pair(struct ike_sa *sa, uint16_t group)
{
	if (sa->eng->pool == NULL || group == DH_NONE ||
	    sa->rekey.dh.group != NULL)
		return false;
	return ike_rekey_pair_start(sa, group, sa_rekey_pair_done) == 0;
}

/* One request at a time (RFC 7296 2.3): the first pending task starts
 * when none is out. A rekey waits while an earlier one still settles,
 * and every task while a rekey's key pair is made (milliseconds). */
static void
sa_next_task(struct ike_sa *sa)
{
	if (sa->req.what != IKE_REQ_NONE || sa->keygen != NULL ||
	    (sa->state != SA_ESTABLISHED && sa->state != SA_REKEYED))
		return;
	if (sa->tasks & IKE_TASK_DELETE) {
		sa->tasks &= ~IKE_TASK_DELETE;
		ike_sa_delete(sa);
		return;
	}
	if (sa->state == SA_REKEYED)
		return;
	if (sa->tasks & IKE_TASK_REKEY_IKE) {
		if (sa->peer_new.installed) {
			ike_timer_arm(sa, IKE_TIMER_BUSY, IKE_BUSY_RETRY_S);
			return;
		}
		if (sa_rekey_pair(sa, proposal_conf_first_dh(
		    &sa->peer->conf.ike)))
			return;
		sa->tasks &= ~IKE_TASK_REKEY_IKE;
		if (ike_rekey_ike_start(sa) == 0)
			return;
		sa_rekey_schedule(sa, IKE_TIMER_REKEY_IKE);
	}
	if (sa->tasks & IKE_TASK_REKEY_CHILD) {
		if (!sa->child.installed) {
			sa->tasks &= ~IKE_TASK_REKEY_CHILD;
		} else if (sa->peer_new.installed || sa->old.installed) {
			ike_timer_arm(sa, IKE_TIMER_BUSY, IKE_BUSY_RETRY_S);
			return;
		} else if (sa_rekey_pair(sa, proposal_conf_first_dh(
		    &sa->peer->conf.esp))) {
			return;
		} else {
			sa->tasks &= ~IKE_TASK_REKEY_CHILD;
			if (ike_rekey_child_start(sa) == 0)
				return;
			sa_rekey_schedule(sa, IKE_TIMER_REKEY_CHILD);
		}
	}
	if (sa->tasks & IKE_TASK_DPD) {
		sa->tasks &= ~IKE_TASK_DPD;
		ike_info_dpd_start(sa);
	}
}

void
ike_sa_want(struct ike_sa *sa, unsigned int task)
{
	sa->tasks |= task;
	sa_next_task(sa);
}

/* ---- input ---- */

/* A responder SA's answer is out, or it cannot be. */
static void
sa_init_answered(struct ike_sa *sa, const char *why)
{
	if (why != NULL)
		ike_sa_destroy(sa, why);
}

void
ike_sa_recv_init(struct ike_engine *eng, struct ike_peer *peer,
    const struct ike_addrs *from, const struct ike_msg *m)
{
	struct proposal_choice choice;
	struct ike_fail f;
	struct ike_sa *sa;

	if (ike_admit_init(eng, peer, from, m) == -1 ||
	    ike_init_select(eng, peer, from, m, &choice) == -1)
		return;
	if ((sa = sa_alloc(peer, SA_RESPONDER, from->local, from->remote,
	    m->hdr.ispi, ike_table_spi_new(eng))) == NULL)
		return;
	/* Not the peer's SA (peer->sa) before IKE_AUTH: sa_established. */
	ike_admit_half_open(sa);
	ike_timer_arm(sa, IKE_TIMER_EXPIRE, eng->dos.half_open_timeout);
	if (ike_init_answer(sa, m, &choice, &f, sa_init_answered) == -1)
		ike_sa_destroy(sa, f.why);
}

/* The keys from the peer's answer are made (or a new request is out,
 * for the group it asked for): IKE_AUTH. */
static void
sa_init_keyed(struct ike_sa *sa, const char *why)
{
	if (why != NULL) {
		ike_sa_fail(sa, "%s", why);
		return;
	}
	if (sa->state != SA_INIT_SENT || sa->req.what != IKE_REQ_NONE)
		return;		/* IKE_SA_INIT again, with the new group */
	if (ike_auth_start(sa) == -1) {
		ike_sa_fail(sa, "cannot send IKE_AUTH");
		return;
	}
	sa->state = SA_AUTH_SENT;
}

static void
sa_init_response(struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_fail f = { .hold_down = false };

	switch (ike_init_response(sa, m, &f, sa_init_keyed)) {
	case IKE_INIT_RESENT:
	case IKE_INIT_PENDING:
		return;
	case IKE_INIT_FAILED:
		if (f.hold_down)
			sa->peer->hold_down = true;
		ike_sa_fail(sa, "%s", f.why);
		return;
	}
}

/* A dynamic peer's IKE_SA_INIT was answered on the terms of the first
 * dynamic peer its address is in (table.h); IDi tells which peer it is.
 * The SA moves to that one before AUTH is checked with its PSK: the
 * identity, not the address, binds the key. An IDi that is no dynamic
 * peer's leaves the SA where it is, to fail the identity check. */
static void
sa_bind_identity(struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_peer *to, *from = sa->peer;
	struct ike_sa **pp;
	char a[INET6_ADDRSTRLEN];

	if (!from->conf.remote_dynamic || !ike_msg_has(m, IKE_PL_IDi) ||
	    (to = ike_table_peer_by_id(sa->eng, m->idi.type, m->idi.data,
	    m->idi.len, &sa->local, &sa->remote)) == NULL || to == from)
		return;
	ike_admit_half_open_end(sa);
	for (pp = &from->sas; *pp != NULL; pp = &(*pp)->next)
		if (*pp == sa) {
			*pp = sa->next;
			break;
		}
	sa->next = to->sas;
	to->sas = sa;
	sa->peer = to;
	snprintf(sa->logp, sizeof(sa->logp), "%s #%u", to->conf.name,
	    sa->serial);
	ike_admit_half_open(sa);
	log_msg(LOG_INFO, sa->logp, "IKE SA from %s: its identity is this "
	    "peer's", addr_str(&sa->remote, a, sizeof(a)));
}

static void
sa_auth_request(struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_auth_data auth;
	struct ike_fail f;

	sa_bind_identity(sa, m);
	if (ike_auth_check_request(sa, m, &auth, &f) == -1) {
		ike_sa_fail(sa, "%s", f.why);
		return;
	}
	if (ike_msg_notify(m, INITIAL_CONTACT) != NULL)
		ike_peer_restarted(sa->peer, sa);
	sa_established(sa);
	crossing_hold(sa);
	ike_auth_answer(sa, m, &auth);
	sa_timers_start(sa);
	sa_resolve_crossing(sa);
}

static void
sa_auth_response(struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_fail f;

	if (ike_auth_check_response(sa, m, &f) == -1) {
		ike_sa_fail(sa, "%s", f.why);
		return;
	}
	sa_established(sa);
	if (ike_auth_child(sa, m, &f) == -1) {
		/* An IKE SA without its tunnel is of no use to a route-based
		 * VPN: delete it and let the retry logic start over. */
		ike_info_send_delete(sa);
		ike_sa_fail(sa, "%s", f.why);
		return;
	}
	sa_timers_start(sa);
	sa_resolve_crossing(sa);
}

static void
sa_info_request(struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_peer *peer = sa->peer;
	unsigned int r;

	if (sa->state != SA_ESTABLISHED && sa->state != SA_REKEYED &&
	    sa->state != SA_DELETING && sa->state != SA_AUTH_SENT)
		return;
	r = ike_info_request(sa, m);
	if (r & IKE_INFO_IKE_DELETED) {
		if (sa->state == SA_REKEYED) {
			ike_sa_destroy(sa, NULL);
			return;
		}
		if (crossing_deleted(sa))
			return;
		ike_sa_destroy(sa, "IKE SA deleted by peer");
		ike_peer_closed(peer, IKE_CLOSED_BY_PEER);
		return;
	}
	if (r & IKE_INFO_CHILD_REKEYED) {
		ike_timer_arm(sa, IKE_TIMER_DRAIN, peer->conf.drain);
		sa_rekey_schedule(sa, IKE_TIMER_REKEY_CHILD);
	}
	/* A tunnel without its CHILD SA: take the IKE SA down too; the
	 * start/route logic brings the whole tunnel back. */
	if ((r & IKE_INFO_CHILD_CLOSED) && sa->state == SA_ESTABLISHED &&
	    !sa->child.installed)
		ike_sa_close(sa, "CHILD SA deleted by peer, IKE SA closed",
		    IKE_CLOSED_BY_PEER);
}

/* CREATE_CHILD_SA from the peer: a CHILD SA rekey, an IKE SA rekey, or a
 * new CHILD SA, which a route-based peer never needs (one pair per VTI). */
static void
sa_create_child_request(struct ike_sa *sa, const struct ike_msg *m)
{
	if (sa->state != SA_ESTABLISHED) {
		ike_rekey_refuse(sa, TEMPORARY_FAILURE, NULL, 0);
		return;
	}
	switch (ike_rekey_kind(m)) {
	case IKE_REKEY_OF_CHILD:
		ike_rekey_child_request(sa, m);
		break;
	case IKE_REKEY_OF_IKE:
		sa_rekey_ike_request(sa, m);
		break;
	case IKE_REKEY_OF_NONE:
		ike_rekey_refuse(sa, NO_ADDITIONAL_SAS, NULL, 0);
		break;
	}
}

/* Which request of the peer's is legal in which state. */
static void
sa_recv_request(struct ike_sa *sa, const struct ike_msg *m)
{
	switch (m->hdr.exchange) {
	case IKE_AUTH:
		if (sa->state != SA_INIT_DONE) {
			sa->eng->stats.rx_invalid++;
			return;
		}
		sa_auth_request(sa, m);
		break;
	case INFORMATIONAL:
		sa_info_request(sa, m);
		break;
	case CREATE_CHILD_SA:
		sa_create_child_request(sa, m);
		break;
	default:
		sa->eng->stats.rx_invalid++;
		break;
	}
}

/* A message for the SA: the peer's request, or the answer to ours. */
void
ike_sa_recv(struct ike_sa *sa, const struct ike_msg *m, enum ike_req answered)
{
	struct ike_engine *eng = sa->eng;
	uint64_t spi = ike_sa_spi(sa);

	switch (answered) {
	case IKE_REQ_NONE:
		sa_recv_request(sa, m);
		break;
	case IKE_REQ_INIT:
		sa_init_response(sa, m);
		break;
	case IKE_REQ_AUTH:
		sa_auth_response(sa, m);
		break;
	case IKE_REQ_REKEY_CHILD:
		sa_rekey_child_response(sa, m);
		break;
	case IKE_REQ_REKEY_IKE:
		sa_rekey_ike_response(sa, m);
		break;
	case IKE_REQ_DELETE:
		ike_sa_destroy(sa, sa->state == SA_REKEYED ? NULL :
		    "IKE SA deleted");
		break;
	case IKE_REQ_DPD:
		sa->peer->dpd_rtt = clock_mono() - sa->req.sent;
		break;
	case IKE_REQ_DELETE_CHILD:
		/* Our DELETE of a rekeyed CHILD SA: the peer sends on the
		 * new one now; what it sent before drains. */
		if (sa->old.in_on && !sa->old.out_on)
			ike_timer_arm(sa, IKE_TIMER_DRAIN,
			    sa->peer->conf.drain);
		break;
	}
	/* The handler may have destroyed the SA: look it up again. */
	if ((sa = ike_table_sa_find(eng, spi)) != NULL)
		sa_next_task(sa);
}

void
ike_sa_recv_malformed(struct ike_sa *sa, const struct ike_hdr *hdr)
{
	if (hdr->flags & IKE_FLAG_RESPONSE)
		ike_sa_fail(sa, "malformed %s response",
		    ike_exchange_name(hdr->exchange));
	else if (hdr->exchange == IKE_AUTH)
		ike_sa_fail(sa, "malformed IKE_AUTH request");
}
