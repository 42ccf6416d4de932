/* Peers: added and removed, brought up (start, kernel ACQUIRE, operator)
 * and taken down, retried with capped exponential back-off after a failed
 * negotiation, what follows when their tunnel closes (start mode, DPD
 * action), and the state of their interface. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "ike/child.h"
#include "ike/exchange.h"
#include "ike/peer.h"
#include "ike/sa.h"
#include "ike/table.h"
#include "ike/timers.h"
#include "util/addr.h"
#include "util/clock.h"

int
ike_peer_add(struct ike_engine *eng, const struct ike_peer_conf *conf)
{
	struct ike_peer *peer;

	if (ike_table_peer_find(eng, conf->name) != NULL)
		return -1;
	if ((peer = calloc(1, sizeof(*peer))) == NULL)
		return -1;
	peer->eng = eng;
	peer->conf = *conf;
	pki_cred_ref(peer->conf.cred);
	pki_ca_ref(peer->conf.ca);
	/* The caller made a route peer's traps with its VTI. */
	if (conf->start == IKE_START_ROUTE)
		peer->pol = IKE_POL_V4 | IKE_POL_V6;
	if (addr_port(&peer->conf.remote) == 0)
		addr_set_port(&peer->conf.remote, IKE_PORT);
	ike_peer_timer_init(peer);
	peer->link = -1;
	if (ike_table_peer_add(eng, peer) == -1) {
		ike_peer_free(peer);
		return -1;
	}
	/* Appended, so status lists peers in configuration order. */
	*eng->peers_tail = peer;
	eng->peers_tail = &peer->next;
	ike_peer_link_sync(peer);
	if (conf->start == IKE_START_START && !eng->hold_start)
		ike_peer_initiate(eng, conf->name);
	return 0;
}

bool
ike_peer_has_child(const struct ike_peer *peer)
{
	const struct ike_sa *sa;

	for (sa = peer->sas; sa != NULL; sa = sa->next)
		if (sa->child.installed)
			return true;
	return false;
}

/* Up while a CHILD SA is in, so that routing sees a lost tunnel at once
 * rather than when its hold timer runs out. Without one a route peer's
 * link stays up while it waits for traffic (the packets must reach its
 * traps), except while it re-initiates by itself after a loss. */
static bool
link_want_up(const struct ike_peer *peer)
{
	if (ike_peer_has_child(peer))
		return true;
	return peer->conf.start == IKE_START_ROUTE && !peer->recovering &&
	    !peer->admin_down;
}

void
ike_peer_link_sync(struct ike_peer *peer)
{
	struct ike_engine *eng = peer->eng;
	bool up;

	if (ike_peer_has_child(peer))
		peer->recovering = peer->admin_down = false;
	if (!peer->conf.link_follows || eng->ops.link == NULL)
		return;
	up = link_want_up(peer);
	if (peer->link == (int8_t)up)
		return;
	peer->link = (int8_t)up;
	eng->ops.link(eng->ops.ctx, &peer->conf, up);
}

void
ike_peer_link_reset(struct ike_engine *eng, const char *name, bool follows)
{
	struct ike_peer *peer = ike_table_peer_find(eng, name);

	if (peer == NULL)
		return;
	peer->conf.link_follows = follows;
	peer->link = -1;
	ike_peer_link_sync(peer);
}

/* ---- pacing our own initiations ----
 *
 * Ten thousand peers started at once would each send an IKE_SA_INIT and
 * queue a key pair: the responders' half-open caps and COOKIEs answer the
 * burst, the crypto pool serves the first answers late, retransmissions
 * pile up, and IKE_AUTHs arrive after the responders gave up waiting.
 * So at most dos.initiate_max of our initiations negotiate at once; the
 * other peers wait in line, oldest first, and a slot is handed on from
 * the loop (not from inside the SA's end) as soon as one ends. */

static void
pace_enqueue(struct ike_peer *peer)
{
	struct ike_engine *eng = peer->eng;

	peer->queued = true;
	peer->wait_next = NULL;
	peer->wait_pprev = eng->wait_tail;
	*eng->wait_tail = peer;
	eng->wait_tail = &peer->wait_next;
	eng->stats.init_queued++;
}

void
ike_peer_unqueue(struct ike_peer *peer)
{
	struct ike_engine *eng = peer->eng;

	if (!peer->queued)
		return;
	*peer->wait_pprev = peer->wait_next;
	if (peer->wait_next != NULL)
		peer->wait_next->wait_pprev = peer->wait_pprev;
	else
		eng->wait_tail = peer->wait_pprev;
	peer->wait_next = NULL;
	peer->wait_pprev = NULL;
	peer->queued = false;
	eng->stats.init_queued--;
}

static bool
pace_slot_free(const struct ike_engine *eng)
{
	return eng->stats.initiating < eng->dos.initiate_max;
}

static void
pace_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct ike_engine *eng = t->data;
	struct ike_peer *peer;

	(void)loop;
	(void)revents;
	while ((peer = eng->wait_head) != NULL && pace_slot_free(eng)) {
		ike_peer_unqueue(peer);
		/* Its peer may have brought the tunnel up meanwhile. */
		if (peer->sa == NULL)
			(void)ike_sa_initiate(peer);
	}
}

void
ike_peer_pace_init(struct ike_engine *eng)
{
	eng->wait_tail = &eng->wait_head;
	ev_timer_init(&eng->pace, pace_cb, 0, 0);
	eng->pace.data = eng;
}

void
ike_peer_pace_kick(struct ike_engine *eng)
{
	if (eng->wait_head != NULL && pace_slot_free(eng) &&
	    !ev_is_active(&eng->pace)) {
		ev_timer_set(&eng->pace, 0, 0);
		ev_timer_start(eng->loop, &eng->pace);
	}
}

void
ike_peer_pace_stop(struct ike_engine *eng)
{
	ev_timer_stop(eng->loop, &eng->pace);
}

int
ike_peer_initiate(struct ike_engine *eng, const char *name)
{
	struct ike_peer *peer = ike_table_peer_find(eng, name);

	/* Its address is known once it connects: it can only answer. */
	if (peer == NULL || peer->conf.remote_dynamic)
		return -1;
	if (peer->admin_down) {
		peer->admin_down = false;
		ike_peer_link_sync(peer);
	}
	if (peer->sa != NULL)
		return 0;
	if (peer->queued)
		return 1;
	/* Behind those already waiting, even when a slot is free now. */
	if (eng->wait_head != NULL || !pace_slot_free(eng)) {
		log_msg_rl(&peer->rl, LOG_DEBUG, peer->conf.name, "waiting to "
		    "initiate: %llu initiations under way (initiate_max)",
		    (unsigned long long)eng->stats.initiating);
		pace_enqueue(peer);
		return 1;
	}
	return ike_sa_initiate(peer);
}

int
ike_peer_up(struct ike_engine *eng, const char *name)
{
	struct ike_peer *peer = ike_table_peer_find(eng, name);

	if (peer == NULL)
		return -1;
	/* An add peer otherwise tries once: a failure leaves it down with
	 * nobody asking again (strongSwan retries such an initiation by
	 * keyingtries too). */
	if (peer->conf.start == IKE_START_ADD && !peer->conf.remote_dynamic)
		peer->wanted = true;
	return ike_peer_initiate(eng, name);
}

/* The kernel's ACQUIRE: traffic for a route peer without an SA. A peer
 * held down after a failure that will not mend soon waits for its retry. */
int
ike_peer_acquire(struct ike_engine *eng, const char *name)
{
	struct ike_peer *peer = ike_table_peer_find(eng, name);

	if (peer == NULL)
		return -1;
	if (peer->sa == NULL && clock_mono() < peer->held_until) {
		log_msg_rl(&peer->rl, LOG_DEBUG, peer->conf.name, "traffic "
		    "while held down after the last failure: not initiating");
		return 0;
	}
	return ike_peer_initiate(eng, name);
}

int
ike_peer_rekey(struct ike_engine *eng, const char *name, bool ike)
{
	struct ike_peer *peer = ike_table_peer_find(eng, name);
	struct ike_sa *sa;

	if (peer == NULL || (sa = peer->sa) == NULL ||
	    sa->state != SA_ESTABLISHED || (!ike && !sa->child.installed))
		return -1;
	ike_sa_want(sa, ike ? IKE_TASK_REKEY_IKE : IKE_TASK_REKEY_CHILD);
	return 0;
}

void
ike_peer_close(struct ike_peer *peer, const char *reason)
{
	struct ike_sa *sa, *next;

	ike_peer_timer_cancel(peer);
	ike_peer_unqueue(peer);
	peer->wanted = false;
	for (sa = peer->sas; sa != NULL; sa = next) {
		next = sa->next;
		if (ike_sa_is_up(sa))
			ike_info_send_delete(sa);
		if (peer->sa == sa)
			peer->sa = NULL;	/* no retry */
		ike_sa_destroy(sa, reason);
	}
}

int
ike_peer_down(struct ike_engine *eng, const char *name)
{
	struct ike_peer *peer = ike_table_peer_find(eng, name);

	if (peer == NULL)
		return -1;
	ike_peer_close(peer, "taken down by the operator");
	peer->recovering = false;
	peer->admin_down = true;
	ike_peer_link_sync(peer);
	return 0;
}

int
ike_peer_remove(struct ike_engine *eng, const char *name)
{
	struct ike_peer *peer = ike_table_peer_find(eng, name), **pp;

	if (peer == NULL)
		return -1;
	ike_peer_close(peer, "peer removed from the configuration");
	ike_table_peer_del(eng, peer);
	for (pp = &eng->peers; *pp != NULL; pp = &(*pp)->next)
		if (*pp == peer) {
			*pp = peer->next;
			if (eng->peers_tail == &peer->next)
				eng->peers_tail = pp;
			break;
		}
	ike_peer_free(peer);
	return 0;
}

int
ike_peer_credentials(struct ike_engine *eng, const char *name,
    const struct ike_peer_conf *conf)
{
	struct ike_peer *peer = ike_table_peer_find(eng, name);
	struct ike_sa *sa, *next;
	char why[PKI_WHY_MAX], reason[PKI_WHY_MAX + 64];
	int n = 0;

	if (peer == NULL)
		return -1;
	pki_cred_ref(conf->cred);
	pki_ca_ref(conf->ca);
	pki_cred_unref(peer->conf.cred);
	pki_ca_unref(peer->conf.ca);
	peer->conf.cred = conf->cred;
	peer->conf.ca = conf->ca;
	peer->conf.rsa_pss = conf->rsa_pss;
	for (sa = peer->sas; sa != NULL; sa = next) {
		next = sa->next;
		if (sa->peer_cert == NULL || !ike_sa_is_up(sa) ||
		    (peer->conf.ca != NULL && pki_peer_recheck(sa->peer_cert,
		    peer->conf.ca, time(NULL), why, sizeof(why)) == 0))
			continue;
		if (peer->conf.ca == NULL)
			snprintf(why, sizeof(why), "the peer now has a PSK");
		snprintf(reason, sizeof(reason), "closed at reload: %s", why);
		ike_sa_close(sa, reason, IKE_CLOSED_BY_PEER);
		n++;
		next = peer->sas;	/* the list changed */
	}
	return n;
}

void
ike_peer_free(struct ike_peer *peer)
{
	pki_cred_unref(peer->conf.cred);
	pki_ca_unref(peer->conf.ca);
	OPENSSL_cleanse(peer, sizeof(*peer));
	free(peer);
}

void
ike_peer_restarted(struct ike_peer *peer, struct ike_sa *sa)
{
	struct ike_sa *o, *next;

	for (o = peer->sas; o != NULL; o = next) {
		next = o->next;
		/* A peer that sends INITIAL_CONTACT holds no SA it initiated
		 * itself: those we hold are leftovers (one it gave up on, or
		 * from before its restart). Of ours, only those from before
		 * this one began: one that came up meanwhile is a crossing,
		 * not a leftover (2.8.1 decides). */
		if (o != sa && o->state == SA_ESTABLISHED &&
		    (!o->initiator || o->established < sa->created)) {
			if (peer->sa == o)
				peer->sa = sa;
			/* One of its own that came up while this one was
			 * negotiated: the peer ran two attempts at once, each
			 * with INITIAL_CONTACT (charon's reauthentication beside
			 * its trap), and still holds it. Tell it, or its CHILD
			 * SA stays beside ours and it may send on it. */
			if (o->established >= sa->created) {
				char why[96];

				snprintf(why, sizeof(why), "duplicate IKE SA "
				    "(peer initiated #%u too, with "
				    "INITIAL_CONTACT): deleted", sa->serial);
				ike_info_send_delete(o);
				ike_sa_destroy(o, why);
			} else
				ike_sa_destroy(o, "peer restarted "
				    "(INITIAL_CONTACT), stale IKE SA removed");
		}
	}
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
		peer->held_until = clock_mono() + c->retry_max;
	if (c->start == IKE_START_ADD && !peer->wanted)
		return;
	if (c->keying_tries != IKE_TRIES_FOREVER &&
	    peer->failures >= c->keying_tries) {
		log_msg(LOG_WARNING, c->name, "giving up after %u attempts%s",
		    peer->failures, c->start == IKE_START_ROUTE ?
		    ", back to waiting for traffic" : "");
		peer->failures = 0;
		peer->recovering = false;
		peer->wanted = false;
		ike_peer_link_sync(peer);
		return;
	}
	/* Capped exponential back-off with jitter, so that a mesh whose
	 * peers all failed at once does not retry in step. */
	delay = c->retry_base;
	for (i = 1; i < peer->failures && delay < c->retry_max; i++)
		delay *= 2;
	if (delay > c->retry_max || hold)
		delay = c->retry_max;
	delay *= ike_timer_jitter(0.25);
	log_msg(LOG_INFO, c->name, "retrying in %.1f s (attempt %u)", delay,
	    peer->failures + 1);
	ike_peer_timer_arm(peer, delay);
}

void
ike_peer_closed(struct ike_peer *peer, enum ike_closed why)
{
	struct ike_peer_conf *c = &peer->conf;

	if (peer->sa != NULL || c->remote_dynamic)
		return;
	if (c->start == IKE_START_ROUTE && c->link_follows) {
		/* Its link goes down with the tunnel, so no packet can reach
		 * the traps: it re-initiates as a start peer would, and is
		 * back to waiting for traffic if keying_tries run out. */
		peer->recovering = true;
		ike_peer_link_sync(peer);
		log_msg(LOG_INFO, c->name, "tunnel lost, link down: "
		    "re-initiating");
		ike_peer_timer_arm(peer, why == IKE_CLOSED_BROKEN &&
		    c->dpd_action == IKE_DPD_RESTART ? 0 : c->retry_base *
		    ike_timer_jitter(0.25));
		return;
	}
	if (why == IKE_CLOSED_BROKEN) {
		if (c->dpd_action == IKE_DPD_RESTART) {
			log_msg(LOG_INFO, c->name, "DPD action restart: "
			    "initiating");
			ike_peer_timer_arm(peer, 0);
		}
		return;
	}
	/* The peer deleted the tunnel: a start peer wants it back; a route
	 * peer waits for traffic, as strongSwan's auto=route does. */
	if (c->start == IKE_START_START)
		ike_peer_timer_arm(peer, c->retry_base *
		    ike_timer_jitter(0.25));
}
