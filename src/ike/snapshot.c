/* The read-only snapshot of ike.h: the only code that reads the peers'
 * and SAs' internals for what vtictl shows. It copies, field by field,
 * and asks the kernel (ike_ops.child_counters) for the CHILD SAs'
 * counters; it changes nothing and copies no key. */
#include <stdlib.h>
#include <string.h>

#include "ike/engine.h"
#include "ike/frag.h"
#include "ike/peer.h"
#include "ike/table.h"
#include "util/clock.h"

static enum ike_peer_state
snap_peer_state(const struct ike_peer *p)
{
	const struct ike_sa *sa;
	bool any = false;

	if (ike_peer_has_child(p))
		return IKE_PEER_UP;
	/* A half-open responder SA proves nothing of the peer. */
	for (sa = p->sas; sa != NULL; sa = sa->next)
		any = any || !sa->half_open;
	return any || p->queued ? IKE_PEER_CONNECTING : IKE_PEER_DOWN;
}

static enum ike_link
snap_link(const struct ike_peer *p)
{
	if (!p->conf.link_follows || p->link == -1)
		return IKE_LINK_FIXED;
	if (p->link == 1)
		return IKE_LINK_UP;
	if (p->admin_down)
		return IKE_LINK_ADMIN_DOWN;
	return p->recovering ? IKE_LINK_RECOVERING : IKE_LINK_DOWN;
}

enum ike_peer_state
ike_peer_state(const struct ike_engine *eng, const char *name)
{
	const struct ike_peer *p = ike_table_peer_find(eng, name);

	return p == NULL ? IKE_PEER_UNKNOWN : snap_peer_state(p);
}

const char *
ike_peer_state_name(enum ike_peer_state s)
{
	switch (s) {
	case IKE_PEER_UNKNOWN:
		break;
	case IKE_PEER_DOWN:
		return "down";
	case IKE_PEER_CONNECTING:
		return "connecting";
	case IKE_PEER_UP:
		return "up";
	}
	return "unknown";
}

const char *
ike_link_name(enum ike_link l)
{
	switch (l) {
	case IKE_LINK_FIXED:
		return "fixed";
	case IKE_LINK_UP:
		return "up";
	case IKE_LINK_DOWN:
		return "down";
	case IKE_LINK_RECOVERING:
		return "down, re-initiating";
	case IKE_LINK_ADMIN_DOWN:
		return "down, vtictl down";
	}
	return "unknown";
}

/* Seconds until a timer fires, or -1 when it is not running. */
static double
snap_timer_left(struct ike_engine *eng, ev_timer *t)
{
	return ev_is_active(t) ? ev_timer_remaining(eng->loop, t) : -1;
}

/* A rekeyed SA shows as ESTABLISHED until our DELETE for it is out. */
static enum ike_sa_phase
snap_sa_phase(const struct ike_sa *sa)
{
	switch (sa->state) {
	case SA_INIT_SENT:
	case SA_AUTH_SENT:
	case SA_INIT_DONE:
		break;
	case SA_ESTABLISHED:
		return IKE_SA_ESTABLISHED;
	case SA_REKEYED:
		return ike_sa_is_up(sa) ? IKE_SA_ESTABLISHED :
		    IKE_SA_DELETING;
	case SA_DELETING:
		return IKE_SA_DELETING;
	}
	return IKE_SA_CONNECTING;
}

/* One SA's counters, 0 when the kernel does not have it. */
static void
snap_counters(struct ike_sa *sa, const struct sockaddr_storage *dst,
    uint32_t spi, uint64_t *bytes, uint64_t *packets)
{
	struct ike_engine *eng = sa->eng;

	*bytes = *packets = 0;
	if (eng->ops.child_counters != NULL &&
	    eng->ops.child_counters(eng->ops.ctx, &sa->peer->conf, dst, spi,
	    bytes, packets) != 0)
		*bytes = *packets = 0;
}

static void
snap_child(struct ike_sa *sa, const struct ike_child *c,
    enum ike_child_role role, struct ike_child_snap *cs)
{
	cs->role = role;
	cs->spi_in = c->spi_in;
	cs->spi_out = c->spi_out;
	cs->in_on = c->in_on;
	cs->out_on = c->out_on;
	cs->v4 = c->family4;
	cs->v6 = c->family6;
	cs->suite = c->suite;
	cs->established = c->established;
	cs->rekey_in = role == IKE_CHILD_CURRENT ?
	    snap_timer_left(sa->eng,
	    &sa->timers[IKE_TIMER_REKEY_CHILD]) : -1;
	snap_counters(sa, &sa->local, c->spi_in, &cs->kernel.bytes_in,
	    &cs->kernel.packets_in);
	snap_counters(sa, &c->out_dst, c->spi_out, &cs->kernel.bytes_out,
	    &cs->kernel.packets_out);
}

static void
snap_sa(struct ike_sa *sa, struct ike_sa_snap *ss)
{
	const struct ike_child *c[IKE_CHILD_ROLES] = {
		[IKE_CHILD_CURRENT] = &sa->child,
		[IKE_CHILD_REKEYED] = &sa->old,
		[IKE_CHILD_NEW] = &sa->peer_new,
	};
	int i;

	ss->serial = sa->serial;
	ss->phase = snap_sa_phase(sa);
	ss->initiator = sa->initiator;
	ss->natt = sa->natt;
	ss->nat_local = sa->nat_local;
	ss->fragmentation = ike_frag_on(sa);
	ss->current = sa == sa->peer->sa;
	ss->ispi = sa->ispi;
	ss->rspi = sa->rspi;
	ss->local = sa->local;
	ss->remote = sa->remote;
	ss->suite = sa->choice.suite;
	ss->created = sa->created;
	ss->established = sa->established;
	ss->rekey_in = snap_timer_left(sa->eng,
	    &sa->timers[IKE_TIMER_REKEY_IKE]);
	ss->peer_vtid = sa->vtid;
	ss->peer_cert_subject[0] = ss->peer_cert_issuer[0] = '\0';
	ss->peer_cert_not_after = 0;
	if (sa->peer_cert != NULL) {
		snprintf(ss->peer_cert_subject, sizeof(ss->peer_cert_subject),
		    "%s", pki_peer_subject(sa->peer_cert));
		snprintf(ss->peer_cert_issuer, sizeof(ss->peer_cert_issuer),
		    "%s", pki_peer_issuer(sa->peer_cert));
		ss->peer_cert_not_after = pki_peer_not_after(sa->peer_cert);
	}
	ss->n_children = 0;
	for (i = 0; i < IKE_CHILD_ROLES; i++)
		if (c[i]->installed)
			snap_child(sa, c[i], (enum ike_child_role)i,
			    &ss->children[ss->n_children++]);
}

static void
snap_id(struct ike_id_snap *id, uint8_t type, const uint8_t *data,
    size_t len)
{
	id->type = type;
	id->len = len < sizeof(id->data) ? len : sizeof(id->data);
	memcpy(id->data, data, id->len);
}

/* When the tunnel came up, 0 when it is down. */
static double
snap_up_since(const struct ike_peer *p)
{
	const struct ike_sa *sa;

	if (p->up_since > 0)
		return p->up_since;
	for (sa = p->sas; sa != NULL; sa = sa->next)
		if (sa->child.installed)
			return sa->child.established;
	return 0;
}

/* The peer's own fields; its SAs are added by the caller. */
static void
snap_peer(struct ike_engine *eng, struct ike_peer *p,
    struct ike_peer_snap *ps)
{
	const struct ike_peer_conf *c = &p->conf;

	snprintf(ps->name, sizeof(ps->name), "%s", c->name);
	ps->state = snap_peer_state(p);
	ps->queued = p->queued;
	ps->link = snap_link(p);
	ps->start = c->start;
	ps->mark = c->mark;
	ps->xfrm_if = c->xfrm_if;
	ps->reqid = c->reqid;
	ps->local = c->local;
	ps->remote = c->remote;
	ps->remote_dynamic = c->remote_dynamic;
	ps->remote_plen = c->remote_plen;
	snap_id(&ps->local_id, c->local_id_type, c->local_id,
	    c->local_id_len);
	snap_id(&ps->remote_id, c->remote_id_type, c->remote_id,
	    c->remote_id_len);
	ps->cert_subject[0] = ps->cert_key[0] = '\0';
	ps->cert_not_after = 0;
	if (c->cred != NULL) {
		snprintf(ps->cert_subject, sizeof(ps->cert_subject), "%s",
		    pki_cred_subject(c->cred));
		snprintf(ps->cert_key, sizeof(ps->cert_key), "%s",
		    pki_cred_key_name(c->cred));
		ps->cert_not_after = pki_cred_not_after(c->cred);
	}
	snprintf(ps->last_error, sizeof(ps->last_error), "%s", p->last_error);
	ps->up_since = snap_up_since(p);
	ps->gone.bytes_in = p->bytes_in;
	ps->gone.packets_in = p->packets_in;
	ps->gone.bytes_out = p->bytes_out;
	ps->gone.packets_out = p->packets_out;
	ps->child_rekeys = p->child_rekeys;
	ps->ike_rekeys = p->ike_rekeys;
	ps->failures = p->failures_total;
	ps->dpd_rtt = p->dpd_rtt;
	ps->peer_vtid = p->vtid;
}

static bool
snap_wanted(const struct ike_peer *p, const char *name)
{
	return name == NULL || strcmp(p->conf.name, name) == 0;
}

/* The engine stamps moments on the monotonic clock; the snapshot shows
 * them as Unix time by the wall clock of now, so an age (now minus the
 * moment) stays true across a wall-clock step. */
static double
snap_wall(double mono, double off)
{
	return mono > 0 ? mono + off : 0;
}

static void
snap_to_wall(struct ike_snapshot *s, double off)
{
	size_t i, j;

	for (i = 0; i < s->n_peers; i++)
		s->peers[i].up_since = snap_wall(s->peers[i].up_since, off);
	for (i = 0; i < s->n_sas; i++) {
		struct ike_sa_snap *ss = &s->sas[i];

		ss->created = snap_wall(ss->created, off);
		ss->established = snap_wall(ss->established, off);
		for (j = 0; j < ss->n_children; j++)
			ss->children[j].established =
			    snap_wall(ss->children[j].established, off);
	}
}

struct ike_snapshot *
ike_snapshot_take(struct ike_engine *eng, const char *name)
{
	struct ike_snapshot *s;
	struct ike_peer *p;
	struct ike_sa *sa;
	size_t np = 0, ns = 0;

	for (p = eng->peers; p != NULL; p = p->next) {
		if (!snap_wanted(p, name))
			continue;
		np++;
		for (sa = p->sas; sa != NULL; sa = sa->next)
			ns++;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->peers = calloc(np + 1, sizeof(*s->peers))) == NULL ||
	    (s->sas = calloc(ns + 1, sizeof(*s->sas))) == NULL) {
		ike_snapshot_free(s);
		return NULL;
	}
	s->now = clock_wall();
	s->stats = eng->stats;
	if (eng->ops.counters_batch != NULL)
		eng->ops.counters_batch(eng->ops.ctx, true);
	for (p = eng->peers; p != NULL; p = p->next) {
		struct ike_peer_snap *ps;

		if (!snap_wanted(p, name))
			continue;
		ps = &s->peers[s->n_peers++];
		snap_peer(eng, p, ps);
		ps->sas = &s->sas[s->n_sas];
		/* A half-open responder SA is nobody's yet: counted in
		 * stats.half_open, not shown with the peer. */
		for (sa = p->sas; sa != NULL; sa = sa->next)
			if (!sa->half_open)
				snap_sa(sa, &ps->sas[ps->n_sas++]);
		s->n_sas += ps->n_sas;
	}
	if (eng->ops.counters_batch != NULL)
		eng->ops.counters_batch(eng->ops.ctx, false);
	snap_to_wall(s, s->now - clock_mono());
	return s;
}

void
ike_snapshot_free(struct ike_snapshot *s)
{
	if (s == NULL)
		return;
	free(s->peers);
	free(s->sas);
	free(s);
}
