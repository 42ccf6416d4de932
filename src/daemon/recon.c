/* recon.h: when passes run (timers, notifications, overruns), what they
 * may touch, and the event socket's buffer. The pass itself is in
 * recon_pass.c. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "daemon/kernel.h"
#include "daemon/recon.h"
#include "daemon/recon_diff.h"
#include "util/clock.h"

/* A notification's pass waits this long, so that the rest of a burst
 * (a flush sends one per table; a script deletes one by one) is in the
 * same dump. */
#define RECON_SOON_S	0.1
/* Passes asked for by events are at least this far apart: an event
 * storm costs at most one dump of the tables a second. */
#define RECON_GAP_S	1.0

static const char *const trigger_names[RECON_TRIGGERS] = {
	"periodic", "table change", "event socket overrun",
};

static void
recon_owner_free(struct recon *r)
{
	free(r->marks);
	free(r->if_ids);
	r->marks = NULL;
	r->if_ids = NULL;
	r->owner.marks = NULL;
	r->owner.n_marks = 0;
	r->owner.if_ids = NULL;
	r->owner.n_if_ids = 0;
}

/* VTI peers' marks, XFRM interface peers' if_ids. */
static void
recon_owner_build(struct recon *r)
{
	const struct vtid_config *c = r->k->conf;
	struct xfrm_mark *m;
	uint32_t *ids;
	size_t i;

	recon_owner_free(r);
	memset(&r->owner, 0, sizeof(r->owner));
	r->owner.reqid_min = r->k->reqid_min;
	r->owner.reqid_max = r->k->reqid_max;
	/* No peer, no mark: nothing is ours to touch (no key condition
	 * would mean "any mark"), and passes find nothing to do. */
	if (c->n_peers == 0)
		return;
	m = calloc(c->n_peers, sizeof(*m));
	ids = calloc(c->n_peers, sizeof(*ids));
	if (m == NULL || ids == NULL) {
		free(m);
		free(ids);
		return;
	}
	r->marks = m;
	r->if_ids = ids;
	r->owner.marks = m;
	r->owner.if_ids = ids;
	for (i = 0; i < c->n_peers; i++) {
		if (c->peers[i].vti.type == CONFIG_IFACE_XFRM)
			ids[r->owner.n_if_ids++] = c->peers[i].mark;
		else {
			m[r->owner.n_marks].v = c->peers[i].mark;
			m[r->owner.n_marks++].m = 0xffffffffu;
		}
	}
}

/* Whether the owner has any peer: without, nothing is vtid's. */
static bool
recon_owns(const struct recon *r)
{
	return r->owner.n_marks > 0 || r->owner.n_if_ids > 0;
}

static void
recon_periodic_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	recon_run(t->data, RECON_PERIODIC);
}

static void
recon_soon_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct recon *r = t->data;
	enum recon_trigger why = RECON_PERIODIC;

	/* The metric names the most telling reason among those merged. */
	if (r->pending & (1u << RECON_OVERRUN))
		why = RECON_OVERRUN;
	else if (r->pending & (1u << RECON_EVENT))
		why = RECON_EVENT;
	r->pending = 0;
	recon_run(r, why);
}

static void
recon_overrun_cb(void *arg)
{
	struct kernel *k = arg;

	recon_schedule(&k->recon, RECON_OVERRUN);
}

void
recon_schedule(struct recon *r, enum recon_trigger why)
{
	double delay, now;

	if (!r->on)
		return;
	r->pending |= 1u << why;
	if (ev_is_active(&r->soon))
		return;
	now = clock_mono();
	delay = r->last + RECON_GAP_S - now;
	if (delay < RECON_SOON_S)
		delay = RECON_SOON_S;
	ev_timer_set(&r->soon, delay, 0);
	ev_timer_start(r->loop, &r->soon);
}

/* The buffer: large, because while vtid is busy (a burst of setups, a
 * stall) the kernel queues every SA and policy change of the host there
 * and drops the rest; strongSwan's receive_buffer_size does the same. */
static void
recon_buffer(struct recon *r, uint32_t bytes)
{
	int got = 0;

	if (bytes == 0 || bytes > (uint32_t)INT32_MAX)
		return;
	if (xfrm_monitor_rcvbuf(&r->k->mon, (int)bytes, &got) != 0) {
		log_warn("%s", nl_sock_error(&r->k->mon.sock));
		return;
	}
	r->buffer = got;
	log_info("xfrm event socket: %d bytes of receive buffer (asked %u)",
	    got, bytes);
}

void
recon_configure(struct recon *r)
{
	const struct config_kernel *kc;

	if (r->k == NULL)
		return;		/* never started */
	kc = &r->k->conf->kernel;
	recon_owner_build(r);
	recon_buffer(r, kc->event_buffer);
	r->interval = kc->reconcile_interval;
	ev_timer_stop(r->loop, &r->periodic);
	if (r->interval > 0) {
		ev_timer_set(&r->periodic, r->interval, r->interval);
		ev_timer_start(r->loop, &r->periodic);
	}
}

int
recon_start(struct recon *r, struct kernel *k, struct ev_loop *loop)
{
	memset(r, 0, sizeof(*r));
	r->k = k;
	r->loop = loop;
	ev_timer_init(&r->periodic, recon_periodic_cb, 1, 0);
	r->periodic.data = r;
	ev_timer_init(&r->soon, recon_soon_cb, RECON_SOON_S, 0);
	r->soon.data = r;
	if (xfrm_monitor_tables(&k->mon, recon_overrun_cb) != 0) {
		log_err("%s", nl_sock_error(&k->mon.sock));
		return -1;
	}
	r->on = true;
	r->last = clock_mono();
	recon_configure(r);
	return 0;
}

void
recon_stop(struct recon *r)
{
	if (r->loop != NULL) {
		ev_timer_stop(r->loop, &r->periodic);
		ev_timer_stop(r->loop, &r->soon);
	}
	r->on = false;
	recon_owner_free(r);
}

const char *
recon_trigger_name(enum recon_trigger why)
{
	return why < RECON_TRIGGERS ? trigger_names[why] : "?";
}

/* ---- notifications ---- */

struct recon_find {
	uint32_t	 mark, spi;	/* mark: the peer number (recon_key) */
	bool		 xfrm_if;
	uint8_t		 dir;
	uint16_t	 family;
	bool		 found;
};

static void
find_sa_cb(const struct ike_kernel_sa *s, void *arg)
{
	struct recon_find *f = arg;

	if (s->mark == f->mark && s->xfrm_if == f->xfrm_if && s->spi == f->spi)
		f->found = true;
}

static void
find_pol_cb(const struct ike_kernel_policies *p, void *arg)
{
	struct recon_find *f = arg;

	if (p->mark == f->mark && p->xfrm_if == f->xfrm_if &&
	    (f->family == AF_INET ? p->v4 :
	    f->family == AF_INET6 ? p->v6 : false))
		f->found = true;
}

/* The engine holds that SA (or policy): its deletion was not ours. Our
 * own adds and deletes notify too; by the time they are read, the engine
 * already agrees with them. */
static bool
recon_expects_sa(const struct recon *r, const struct xfrm_sa_info *sa)
{
	struct recon_find f = { .mark = recon_key(&sa->mark, sa->if_id),
	    .xfrm_if = sa->if_id != 0, .spi = sa->spi };

	ike_kernel_expected(r->k->eng, find_sa_cb, NULL, &f);
	return f.found;
}

static bool
recon_expects_policy(const struct recon *r, const struct xfrm_policy *p)
{
	struct recon_find f = { .mark = recon_key(&p->mark, p->if_id),
	    .xfrm_if = p->if_id != 0, .dir = p->dir,
	    .family = p->sel_src.addr.family };

	ike_kernel_expected(r->k->eng, NULL, find_pol_cb, &f);
	return f.found;
}

void
recon_event(struct recon *r, const struct xfrm_event *ev)
{
	const struct xfrm_sa_info *sa = &ev->u.sa;

	if (!r->on || r->k->eng == NULL || !recon_owns(r))
		return;
	switch (ev->type) {
	case XFRM_EVENT_SA_ADDED:
		/* An SA of ours the engine did not make: a stray, which
		 * the kernel may pick for our traffic. */
		if (sa->proto == IPPROTO_ESP && sa->keyed &&
		    xfrm_owner_sa_match(&r->owner, sa) &&
		    !recon_expects_sa(r, sa))
			recon_schedule(r, RECON_EVENT);
		break;
	case XFRM_EVENT_SA_DELETED:
		if (sa->proto == IPPROTO_ESP &&
		    xfrm_owner_sa_match(&r->owner, sa) &&
		    recon_expects_sa(r, sa))
			recon_schedule(r, RECON_EVENT);
		break;
	case XFRM_EVENT_SA_FLUSHED:
		/* ESP, or every protocol (IPSEC_PROTO_ANY, what a plain
		 * "ip xfrm state flush" sends). */
		if (ev->u.flush_proto != IPPROTO_AH &&
		    ev->u.flush_proto != IPPROTO_COMP)
			recon_schedule(r, RECON_EVENT);
		break;
	case XFRM_EVENT_POLICY_DELETED:
		if (xfrm_owner_policy_match(&r->owner, &ev->u.policy) &&
		    recon_expects_policy(r, &ev->u.policy.pol))
			recon_schedule(r, RECON_EVENT);
		break;
	case XFRM_EVENT_POLICY_FLUSHED:
		recon_schedule(r, RECON_EVENT);
		break;
	default:
		break;
	}
}
