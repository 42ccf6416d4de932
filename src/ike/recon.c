/* What the engine holds in the kernel, for the daemon's reconciliation
 * (ike.h): the SAs of its installed CHILD SAs and each peer's policies,
 * and what follows when the daemon finds some of them gone. */
#include <string.h>

#include "ike/child.h"
#include "ike/peer.h"
#include "ike/sa.h"
#include "ike/timers.h"
#include "util/addr.h"

static void
expected_child(const struct ike_sa *sa, const struct ike_child *c,
    void (*cb)(const struct ike_kernel_sa *, void *), void *arg)
{
	const struct ike_peer_conf *conf = &sa->peer->conf;
	struct ike_kernel_sa k;

	memset(&k, 0, sizeof(k));
	k.peer = conf->name;
	k.mark = conf->mark;
	k.xfrm_if = conf->xfrm_if;
	k.reqid = conf->reqid;
	/* in_on and out_on say what went in; a held outbound SA has not. */
	if (c->in_on) {
		k.spi = c->spi_in;
		k.dst = sa->local;
		addr_set_port(&k.dst, 0);
		k.inbound = true;
		cb(&k, arg);
	}
	if (c->out_on) {
		k.spi = c->spi_out;
		k.dst = c->out_dst;
		k.inbound = false;
		cb(&k, arg);
	}
}

void
ike_kernel_expected(const struct ike_engine *eng,
    void (*sa_cb)(const struct ike_kernel_sa *, void *),
    void (*pol_cb)(const struct ike_kernel_policies *, void *), void *arg)
{
	const struct ike_peer *peer;
	const struct ike_sa *sa;
	struct ike_kernel_policies kp;

	for (peer = eng->peers; peer != NULL; peer = peer->next) {
		for (sa = peer->sas; sa != NULL && sa_cb != NULL; sa = sa->next) {
			expected_child(sa, &sa->child, sa_cb, arg);
			expected_child(sa, &sa->old, sa_cb, arg);
			expected_child(sa, &sa->peer_new, sa_cb, arg);
		}
		if (pol_cb == NULL)
			continue;
		kp.peer = peer->conf.name;
		kp.mark = peer->conf.mark;
		kp.xfrm_if = peer->conf.xfrm_if;
		kp.reqid = peer->conf.reqid;
		kp.local = &peer->conf.local;
		kp.remote = &peer->pol_remote;
		kp.v4 = (peer->pol & IKE_POL_V4) != 0;
		kp.v6 = (peer->pol & IKE_POL_V6) != 0;
		pol_cb(&kp, arg);
	}
}

static bool
child_holds(const struct ike_child *c, uint32_t spi)
{
	return (c->in_on && c->spi_in == spi) ||
	    (c->out_on && c->spi_out == spi);
}

/* The CHILD SA carrying the traffic (or about to) lost a half: as a hard
 * EXPIRE, the IKE SA closes (DELETE to the peer, which drops its half of
 * the pair) and a new one brings the tunnel back. A start peer initiates
 * now whatever its DPD action: the peer is alive, only the kernel state
 * went. A route peer has its traps back and initiates on the next
 * packet; a respond-only peer waits for its peer, which got the DELETE. */
static void
sa_lost(struct ike_sa *sa, struct ike_child *c, uint32_t spi)
{
	struct ike_peer *peer = sa->peer;
	bool in = c->in_on && c->spi_in == spi;
	char why[160];

	ike_child_expired(c, spi);
	snprintf(why, sizeof(why), "CHILD SA %08x_%c is no longer in the "
	    "kernel (deleted outside vtid, or its hard EXPIRE lost): closing "
	    "the IKE SA to re-establish the tunnel", spi, in ? 'i' : 'o');
	log_msg_rl(&peer->rl, LOG_WARNING, sa->logp, "%s", why);
	ike_sa_close(sa, why, IKE_CLOSED_BROKEN);
	if (peer->sa == NULL && peer->conf.start == IKE_START_START &&
	    peer->conf.dpd_action != IKE_DPD_RESTART)
		ike_peer_timer_arm(peer, 0);
}

/* Marks are unique among peers (the configuration sees to it). */
static struct ike_peer *
peer_of_mark(struct ike_engine *eng, uint32_t mark)
{
	struct ike_peer *peer;

	for (peer = eng->peers; peer != NULL; peer = peer->next)
		if (peer->conf.mark == mark)
			return peer;
	return NULL;
}

bool
ike_kernel_sa_missing(struct ike_engine *eng, uint32_t mark, uint32_t spi)
{
	struct ike_peer *peer = peer_of_mark(eng, mark);
	struct ike_sa *sa;

	for (sa = peer != NULL ? peer->sas : NULL; sa != NULL; sa = sa->next) {
		if (child_holds(&sa->child, spi)) {
			sa_lost(sa, &sa->child, spi);
			return true;
		}
		if (child_holds(&sa->peer_new, spi)) {
			sa_lost(sa, &sa->peer_new, spi);
			return true;
		}
		/* Replaced already: it was draining anyway. */
		if (child_holds(&sa->old, spi)) {
			ike_child_expired(&sa->old, spi);
			log_msg_rl(&peer->rl, LOG_INFO, sa->logp, "rekeyed "
			    "CHILD SA %08x is no longer in the kernel", spi);
			return true;
		}
	}
	return false;
}

void
ike_kernel_policies_missing(struct ike_engine *eng, uint32_t mark)
{
	struct ike_peer *peer = peer_of_mark(eng, mark);

	if (peer == NULL)
		return;
	/* Forget what was installed: the sync puts all of it back
	 * (UPDPOLICY replaces what is still there). */
	peer->pol = 0;
	if (ike_peer_policies_sync(peer) != 0)
		log_msg_rl(&peer->rl, LOG_ERR, peer->conf.name, "policies "
		    "could not be installed again");
}
