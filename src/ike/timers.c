/* An IKE SA's timers and a peer's retry timer: one arm/cancel API, and
 * what happens when each fires.
 *
 *	RETRANSMIT	our request again, with back-off; given up after
 *			retransmit_tries, or for a liveness check once the
 *			peer was silent for dpd_timeout (RFC 7296 2.4)
 *	EXPIRE		a half-open SA (no IKE_AUTH) or a rekeyed one (no
 *			DELETE) goes
 *	REKEY_CHILD	the CHILD SA, the IKE SA are due for a rekey
 *	REKEY_IKE
 *	DRAIN		a rekeyed CHILD SA's inbound SA goes
 *	DPD		a liveness check when the peer was silent, IKE and
 *			ESP alike, for dpd_delay
 *	BUSY		a task that waited for a rekey to settle tries again
 *	SETTLE		a crossing is decided (sa.c), after one wait or two
 *	SETTLE_LAST
 *	peer retry	the peer is initiated again
 */
#include "ike/child.h"
#include "ike/peer.h"
#include "ike/sa.h"
#include "ike/timers.h"
#include "ike/transport.h"
#include "util/clock.h"

static void
retransmit_fire(struct ike_sa *sa)
{
	const struct ike_peer_conf *c = &sa->peer->conf;
	double now = clock_mono(), next;
	bool liveness = sa->req.what == IKE_REQ_DPD;

	if (sa->req.what == IKE_REQ_NONE)
		return;
	next = ike_xmit_backoff(sa);
	/* DPD: the peer is dead when it stays silent for the timeout,
	 * however many retransmissions that took. */
	if (liveness && now - sa->req.sent >= c->dpd_timeout - 0.01) {
		ike_sa_dead(sa);
		return;
	}
	if (liveness && sa->req.sent + c->dpd_timeout - now < next)
		next = sa->req.sent + c->dpd_timeout - now;
	if (++sa->req.tries > c->retransmit_tries) {
		if (sa->req.what == IKE_REQ_DELETE) {
			ike_sa_destroy(sa, "no answer to DELETE, SA removed");
			return;
		}
		if (liveness) {
			ike_sa_dead(sa);
			return;
		}
		ike_sa_fail(sa, "peer not responding: %s request unanswered "
		    "after %u retransmissions",
		    ike_exchange_name(sa->req.exchange), c->retransmit_tries);
		return;
	}
	if (sa->req.exchange == IKE_SA_INIT)
		ike_sa_init_unanswered(sa);
	ike_xmit_resend(sa);
	ike_timer_arm(sa, IKE_TIMER_RETRANSMIT, next);
}

static void
expire_fire(struct ike_sa *sa)
{
	/* The text is for a half-open SA; a rekeyed SA that the peer never
	 * deleted ends here too and says the same. */
	ike_sa_destroy(sa, "half-open IKE SA timed out waiting for IKE_AUTH");
}

static void
rekey_child_fire(struct ike_sa *sa)
{
	ike_sa_want(sa, IKE_TASK_REKEY_CHILD);
}

static void
rekey_ike_fire(struct ike_sa *sa)
{
	ike_sa_want(sa, IKE_TASK_REKEY_IKE);
}

static void
drain_fire(struct ike_sa *sa)
{
	ike_child_drop(sa, &sa->old);
	ike_peer_policies_sync(sa->peer);
}

/* RFC 7296 2.4: a liveness check only when the peer has been silent,
 * IKE and ESP alike, for the DPD delay. */
static void
dpd_fire(struct ike_sa *sa)
{
	struct ike_engine *eng = sa->eng;
	double delay = sa->peer->conf.dpd_delay, idle;
	uint64_t bytes = 0, pkts = 0;

	if (sa->child.in_on && eng->ops.child_counters != NULL &&
	    eng->ops.child_counters(eng->ops.ctx, &sa->peer->conf, &sa->local,
	    sa->child.spi_in, &bytes, &pkts) == 0 && bytes != sa->dpd_bytes) {
		sa->dpd_bytes = bytes;
		sa->last_rx = clock_mono();
	}
	idle = clock_mono() - sa->last_rx;
	if (idle < delay) {
		ike_timer_arm(sa, IKE_TIMER_DPD, delay - idle);
		return;
	}
	/* Re-armed first: starting the task may end the SA (a pending
	 * DELETE that cannot be sent). */
	ike_timer_arm(sa, IKE_TIMER_DPD, delay);
	ike_sa_want(sa, IKE_TASK_DPD);
}

static void
busy_fire(struct ike_sa *sa)
{
	ike_sa_want(sa, 0);
}

static void
settle_fire(struct ike_sa *sa)
{
	ike_sa_settle(sa, false);
}

static void
settle_last_fire(struct ike_sa *sa)
{
	ike_sa_settle(sa, true);
}

/* RFC 3948 2.3: the NAT in front of us keeps its mapping while something
 * crosses it; ESP may be idle for longer than its UDP timeout. */
static void
keepalive_fire(struct ike_sa *sa)
{
	struct ike_engine *eng = sa->eng;

	if (eng->ops.keepalive != NULL)
		eng->ops.keepalive(eng->ops.ctx, &sa->local, &sa->remote);
	ike_timer_arm(sa, IKE_TIMER_KEEPALIVE, sa->peer->conf.nat_keepalive);
}

static void (*const fire[IKE_TIMER_COUNT])(struct ike_sa *) = {
	[IKE_TIMER_RETRANSMIT] = retransmit_fire,
	[IKE_TIMER_EXPIRE] = expire_fire,
	[IKE_TIMER_REKEY_CHILD] = rekey_child_fire,
	[IKE_TIMER_REKEY_IKE] = rekey_ike_fire,
	[IKE_TIMER_DRAIN] = drain_fire,
	[IKE_TIMER_DPD] = dpd_fire,
	[IKE_TIMER_BUSY] = busy_fire,
	[IKE_TIMER_SETTLE] = settle_fire,
	[IKE_TIMER_SETTLE_LAST] = settle_last_fire,
	[IKE_TIMER_KEEPALIVE] = keepalive_fire,
};

static void
sa_timer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct ike_sa *sa = t->data;

	fire[t - sa->timers](sa);
}

void
ike_timers_init(struct ike_sa *sa)
{
	size_t i;

	for (i = 0; i < IKE_TIMER_COUNT; i++) {
		ev_timer_init(&sa->timers[i], sa_timer_cb, 0, 0);
		sa->timers[i].data = sa;
	}
}

void
ike_timers_cancel_all(struct ike_sa *sa)
{
	size_t i;

	for (i = 0; i < IKE_TIMER_COUNT; i++)
		ev_timer_stop(sa->eng->loop, &sa->timers[i]);
}

void
ike_timer_arm(struct ike_sa *sa, enum ike_sa_timer which, double delay)
{
	ev_timer *t = &sa->timers[which];

	ev_timer_stop(sa->eng->loop, t);
	ev_timer_set(t, delay > 0 ? delay : 0, 0);
	ev_timer_start(sa->eng->loop, t);
}

void
ike_timer_cancel(struct ike_sa *sa, enum ike_sa_timer which)
{
	ev_timer_stop(sa->eng->loop, &sa->timers[which]);
}

static void
peer_retry_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct ike_peer *peer = t->data;

	if (peer->sa == NULL)
		ike_peer_initiate(peer->eng, peer->conf.name);
}

void
ike_peer_timer_init(struct ike_peer *peer)
{
	ev_timer_init(&peer->retry, peer_retry_cb, 0, 0);
	peer->retry.data = peer;
}

void
ike_peer_timer_arm(struct ike_peer *peer, double delay)
{
	ev_timer_stop(peer->eng->loop, &peer->retry);
	ev_timer_set(&peer->retry, delay, 0);
	ev_timer_start(peer->eng->loop, &peer->retry);
}

void
ike_peer_timer_cancel(struct ike_peer *peer)
{
	ev_timer_stop(peer->eng->loop, &peer->retry);
}

double
ike_timer_jitter(double j)
{
	uint32_t r = 0;

	ike_random(&r, sizeof(r));
	return 1.0 - j + 2.0 * j * (r / 4294967295.0);
}
