/* One reconciliation pass (recon.h): vtid's SAs and policies dumped, the
 * engine's asked for, the difference (recon_diff.c) repaired. Everything
 * runs in one turn of the event loop, so the engine cannot change its
 * mind between the dump and the comparison. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "daemon/kernel.h"
#include "daemon/recon.h"
#include "daemon/recon_diff.h"
#include "util/clock.h"

/* A bound on what one pass collects, as a purge's (owner.c): far more
 * than any deployment, small enough that a runaway table cannot
 * exhaust memory. */
#define RECON_MAX		65536
/* NLM_F_DUMP_INTR: the table changed while dumping; go again. A pass
 * never acts on a dump the kernel flagged: a missing SA might not be. */
#define RECON_DUMP_TRIES	3

struct vec {
	void		*v;
	size_t		 n, cap, size;
};

struct pass {
	struct recon	*r;
	struct vec	 want_sa, have_sa, want_pol, have_pol;
	int		 err;
};

static void *
vec_push(struct vec *vc, struct pass *p)
{
	size_t ncap;
	void *q;

	if (p->err != 0)
		return NULL;
	if (vc->n == vc->cap) {
		ncap = vc->cap != 0 ? vc->cap * 2 : 16;
		if (ncap > RECON_MAX ||
		    (q = reallocarray(vc->v, ncap, vc->size)) == NULL) {
			p->err = vc->cap >= RECON_MAX ? -E2BIG : -ENOMEM;
			return NULL;
		}
		vc->v = q;
		vc->cap = ncap;
	}
	q = (uint8_t *)vc->v + vc->n++ * vc->size;
	memset(q, 0, vc->size);
	return q;
}

/* ---- what the engine holds ---- */

static void
want_sa_cb(const struct ike_kernel_sa *s, void *arg)
{
	struct pass *p = arg;
	struct recon_want_sa *w = vec_push(&p->want_sa, p);

	if (w == NULL)
		return;
	w->mark = s->mark;
	w->xfrm_if = s->xfrm_if;
	w->spi = s->spi;
	kernel_nl_addr(&s->dst, &w->dst);
}

static void
want_pol_cb(const struct ike_kernel_policies *kp, void *arg)
{
	static const uint8_t dirs[] = {
		XFRM_POLICY_OUT, XFRM_POLICY_IN, XFRM_POLICY_FWD,
	};
	struct pass *p = arg;
	struct recon_want_pol *w;
	size_t f, d;

	for (f = 0; f < 2; f++) {
		if (!(f == 0 ? kp->v6 : kp->v4))
			continue;
		for (d = 0; d < 3; d++) {
			if ((w = vec_push(&p->want_pol, p)) == NULL)
				return;
			w->mark = kp->mark;
			w->xfrm_if = kp->xfrm_if;
			w->reqid = kp->reqid;
			w->dir = dirs[d];
			w->family = f == 0 ? AF_INET6 : AF_INET;
			/* As kernel.c's policies_set lays them out. */
			kernel_nl_addr(dirs[d] == XFRM_POLICY_OUT ? kp->local :
			    kp->remote, &w->tmpl_src);
			kernel_nl_addr(dirs[d] == XFRM_POLICY_OUT ? kp->remote :
			    kp->local, &w->tmpl_dst);
		}
	}
}

/* ---- what the kernel has ---- */

static int
have_sa_cb(const struct xfrm_sa_info *sa, void *arg)
{
	struct pass *p = arg;
	struct recon_have_sa *h;

	/* SPI 0: the kernel's larval SA for an ACQUIRE. */
	if (sa->proto != IPPROTO_ESP || sa->spi == 0 ||
	    !xfrm_owner_sa_match(&p->r->owner, sa))
		return 0;
	if ((h = vec_push(&p->have_sa, p)) == NULL)
		return p->err;
	h->info = *sa;
	return 0;
}

static int
have_pol_cb(const struct xfrm_policy_info *pi, void *arg)
{
	struct pass *p = arg;
	struct recon_have_pol *h;

	if (!xfrm_owner_policy_match(&p->r->owner, pi))
		return 0;
	if ((h = vec_push(&p->have_pol, p)) == NULL)
		return p->err;
	h->info = *pi;
	return 0;
}

static int
pass_dump(struct pass *p)
{
	struct nl_sock *s = &p->r->k->xfrm;
	int rc = -EAGAIN, i;

	for (i = 0; i < RECON_DUMP_TRIES && rc == -EAGAIN; i++) {
		p->have_sa.n = 0;
		rc = xfrm_sa_list(s, have_sa_cb, p);
	}
	if (rc != 0)
		return rc;
	rc = -EAGAIN;
	for (i = 0; i < RECON_DUMP_TRIES && rc == -EAGAIN; i++) {
		p->have_pol.n = 0;
		rc = xfrm_policy_list(s, have_pol_cb, p);
	}
	return rc;
}

/* ---- repairs ---- */

static const char *
peer_of(const struct recon *r, uint32_t mark)
{
	const struct vtid_config *c = r->k->conf;
	size_t i;

	for (i = 0; i < c->n_peers; i++)
		if (c->peers[i].mark == mark)
			return c->peers[i].name;
	return "?";
}

/* Missing SAs: the engine re-establishes each tunnel (once: the first
 * SA of a pair closes the IKE SA, the second is no longer the engine's). */
static unsigned
repair_sas(struct pass *p)
{
	struct recon_want_sa *w = p->want_sa.v;
	unsigned n = 0;
	size_t i;

	for (i = 0; i < p->want_sa.n; i++) {
		if (w[i].found)
			continue;
		n++;
		(void)ike_kernel_sa_missing(p->r->k->eng, w[i].mark, w[i].spi);
	}
	return n;
}

/* Missing or altered policies: all of the peer's put back, once per
 * peer (the list is sorted by mark). */
static unsigned
repair_policies(struct pass *p)
{
	struct recon_want_pol *w = p->want_pol.v;
	unsigned n = 0, of_peer;
	size_t i, j;

	for (i = 0; i < p->want_pol.n; i = j) {
		of_peer = 0;
		for (j = i; j < p->want_pol.n && w[j].mark == w[i].mark; j++)
			if (!w[j].found)
				of_peer++;
		if (of_peer == 0)
			continue;
		n += of_peer;
		log_msg_rl(&p->r->rl, LOG_WARNING, peer_of(p->r, w[i].mark),
		    "%u of its %zu XFRM policies missing or altered in the "
		    "kernel (flushed or changed outside vtid): installing them "
		    "again", of_peer, j - i);
		ike_kernel_policies_missing(p->r->k->eng, w[i].mark);
	}
	return n;
}

static unsigned
remove_stray_sas(struct pass *p)
{
	struct recon_have_sa *h = p->have_sa.v;
	struct nl_sock *s = &p->r->k->xfrm;
	char src[NL_ADDRSTRLEN], dst[NL_ADDRSTRLEN];
	struct xfrm_sa_id id;
	unsigned n = 0;
	uint32_t key;
	size_t i;
	int rc;

	for (i = 0; i < p->have_sa.n; i++) {
		if (h[i].matched)
			continue;
		memset(&id, 0, sizeof(id));
		id.dst = h[i].info.dst;
		id.spi = h[i].info.spi;
		id.mark = h[i].info.mark;
		key = recon_key(&id.mark, h[i].info.if_id);
		rc = xfrm_sa_delete(s, &id);
		if (rc != 0 && rc != -ESRCH) {
			log_msg_rl(&p->r->rl, LOG_ERR, peer_of(p->r, key), "%s",
			    nl_sock_error(s));
			continue;
		}
		n++;
		log_msg_rl(&p->r->rl, LOG_WARNING, peer_of(p->r, key),
		    "removed stray SA spi 0x%08x %s -> %s (%s %u, reqid %u): "
		    "vtid's %s and reqid, but no CHILD SA of vtid's uses it",
		    id.spi, nl_addr_str(&h[i].info.src, src, sizeof(src)),
		    nl_addr_str(&id.dst, dst, sizeof(dst)), h[i].info.if_id ?
		    "if_id" : "mark", key, h[i].info.reqid, h[i].info.if_id ?
		    "if_id" : "mark");
	}
	return n;
}

static unsigned
remove_stray_policies(struct pass *p)
{
	static const char *const dirs[] = { "in", "out", "fwd" };
	struct recon_have_pol *h = p->have_pol.v;
	struct nl_sock *s = &p->r->k->xfrm;
	const struct xfrm_policy *pol;
	char sel[NL_ADDRSTRLEN];
	unsigned n = 0;
	uint32_t key;
	size_t i;
	int rc;

	for (i = 0; i < p->have_pol.n; i++) {
		if (h[i].matched)
			continue;
		pol = &h[i].info.pol;
		key = recon_key(&pol->mark, pol->if_id);
		rc = xfrm_policy_delete_index(s, &h[i].info);
		if (rc != 0 && rc != -ENOENT) {
			log_msg_rl(&p->r->rl, LOG_ERR, peer_of(p->r, key), "%s",
			    nl_sock_error(s));
			continue;
		}
		n++;
		log_msg_rl(&p->r->rl, LOG_WARNING, peer_of(p->r, key),
		    "removed stray policy dir %s %s/%u (%s %u, reqid %u): "
		    "vtid's %s and reqid, but not one vtid wants now",
		    pol->dir < 3 ? dirs[pol->dir] : "?",
		    nl_addr_str(&pol->sel_dst.addr, sel, sizeof(sel)),
		    pol->sel_dst.len, pol->if_id ? "if_id" : "mark", key,
		    pol->reqid, pol->if_id ? "if_id" : "mark");
	}
	return n;
}

static void
pass_free(struct pass *p)
{
	free(p->want_sa.v);
	free(p->have_sa.v);
	free(p->want_pol.v);
	free(p->have_pol.v);
}

int
recon_run(struct recon *r, enum recon_trigger why)
{
	struct pass p;
	unsigned sas, pols, ssa, spol;
	int rc;

	if (!r->on || r->k->eng == NULL || (r->owner.n_marks == 0 &&
	    r->owner.n_if_ids == 0))
		return 0;
	memset(&p, 0, sizeof(p));
	p.r = r;
	p.want_sa.size = sizeof(struct recon_want_sa);
	p.have_sa.size = sizeof(struct recon_have_sa);
	p.want_pol.size = sizeof(struct recon_want_pol);
	p.have_pol.size = sizeof(struct recon_have_pol);
	r->st.passes[why]++;
	r->last = clock_mono();
	/* The periodic pass counts from the last pass of any kind. */
	if (r->interval > 0)
		ev_timer_again(r->loop, &r->periodic);
	rc = pass_dump(&p);
	if (rc == 0) {
		ike_kernel_expected(r->k->eng, want_sa_cb, want_pol_cb, &p);
		rc = p.err;
	}
	if (rc != 0) {
		r->st.failed++;
		log_msg_rl(&r->rl, LOG_WARNING, NULL, "kernel reconciliation "
		    "(%s) skipped: %s", recon_trigger_name(why), rc == -EAGAIN ?
		    "the tables kept changing during the dump" : rc == -E2BIG ?
		    "more objects than a pass holds" : strerror(-rc));
		/* Again soon, unless it was the dump that kept failing. */
		if (rc == -EAGAIN)
			recon_schedule(r, why);
		pass_free(&p);
		return -1;
	}
	recon_diff_sas(p.want_sa.v, p.want_sa.n, p.have_sa.v, p.have_sa.n);
	recon_diff_policies(p.want_pol.v, p.want_pol.n, p.have_pol.v,
	    p.have_pol.n);
	/* Strays first: a repair may install policies over them. */
	ssa = remove_stray_sas(&p);
	spol = remove_stray_policies(&p);
	sas = repair_sas(&p);
	pols = repair_policies(&p);
	r->st.sas_missing += sas;
	r->st.policies_missing += pols;
	r->st.sas_stray += ssa;
	r->st.policies_stray += spol;
	if (sas + pols + ssa + spol > 0)
		log_notice("kernel reconciliation (%s): %u SAs missing (tunnels "
		    "re-established), %u policies reinstalled, %u stray SAs and "
		    "%u stray policies removed", recon_trigger_name(why), sas,
		    pols, ssa, spol);
	else
		log_debug("kernel reconciliation (%s): %zu SAs and %zu policies "
		    "as expected", recon_trigger_name(why), p.have_sa.n,
		    p.have_pol.n);
	pass_free(&p);
	return 0;
}
