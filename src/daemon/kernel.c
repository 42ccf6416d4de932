#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include "daemon/kernel.h"
#include "daemon/net.h"
#include "daemon/recon_diff.h"
#include "ike/ikev2.h"
#include "util/addr.h"
#include "util/log.h"
#include "vti/vti.h"

static void
addr_to_nl(const struct sockaddr_storage *ss, struct nl_addr *a)
{
	const uint8_t *p;
	size_t len;

	memset(a, 0, sizeof(*a));
	a->family = ss->ss_family;
	if ((p = addr_octets(ss, &len)) != NULL)
		memcpy(a->u.raw, p, len);
}

void
kernel_nl_addr(const struct sockaddr_storage *ss, struct nl_addr *a)
{
	addr_to_nl(ss, a);
}

/* How a peer's SAs and policies are told from others': a VTI's carry
 * its mark (the device's keys), an XFRM interface's the if_id (the same
 * number) and no mark. */
struct peer_key {
	struct xfrm_mark mark;
	uint32_t	 if_id;
};

static struct peer_key
peer_key(uint32_t mark, bool xfrm_if)
{
	struct peer_key k = { { 0, 0 }, 0 };

	if (xfrm_if)
		k.if_id = mark;
	else {
		k.mark.v = mark;
		k.mark.m = 0xffffffffu;
	}
	return k;
}

static struct peer_key
conf_key(const struct ike_peer_conf *pc)
{
	return peer_key(pc->mark, pc->xfrm_if);
}

/* One SA of the peer's, as the kernel keys it: destination, SPI, mark. */
static struct xfrm_sa_id
sa_id(const struct ike_peer_conf *pc, const struct sockaddr_storage *dst,
    uint32_t spi)
{
	struct xfrm_sa_id id;

	memset(&id, 0, sizeof(id));
	addr_to_nl(dst, &id.dst);
	id.spi = spi;
	id.mark = conf_key(pc).mark;
	return id;
}

static int
kernel_send(void *ctx, const struct sockaddr_storage *local,
    const struct sockaddr_storage *remote, bool natt, const uint8_t *buf,
    size_t len)
{
	return net_send(local, remote, natt, buf, len) == 0 ? 0 : -errno;
}

static int
kernel_keepalive(void *ctx, const struct sockaddr_storage *local,
    const struct sockaddr_storage *remote)
{
	return net_send_keepalive(local, remote) == 0 ? 0 : -errno;
}

static int
kernel_spi_alloc(void *ctx, const struct ike_peer_conf *pc, uint32_t *spi)
{
	struct kernel *k = ctx;
	struct peer_key key = conf_key(pc);
	struct xfrm_spi_req r;
	int rc;

	memset(&r, 0, sizeof(r));
	addr_to_nl(&pc->remote, &r.src);
	addr_to_nl(&pc->local, &r.dst);
	r.reqid = pc->reqid;
	r.mark = key.mark;
	r.if_id = key.if_id;
	if ((rc = xfrm_spi_alloc(&k->xfrm, &r, spi)) != 0)
		log_msg(LOG_ERR, pc->name, "%s", nl_sock_error(&k->xfrm));
	return rc;
}

static int
xfrm_encr_of(uint16_t encr, enum xfrm_encr *out)
{
	switch (encr) {
	case ENCR_AES_GCM_16:
		*out = XFRM_ENCR_AES_GCM_16;
		return 0;
	case ENCR_AES_CBC:
		*out = XFRM_ENCR_AES_CBC;
		return 0;
	}
	return -1;
}

static int
xfrm_integ_of(uint16_t integ, enum xfrm_integ *out)
{
	switch (integ) {
	case AUTH_NONE:
		*out = XFRM_INTEG_NONE;
		return 0;
	case AUTH_HMAC_SHA2_256_128:
		*out = XFRM_INTEG_HMAC_SHA2_256_128;
		return 0;
	case AUTH_HMAC_SHA2_384_192:
		*out = XFRM_INTEG_HMAC_SHA2_384_192;
		return 0;
	case AUTH_HMAC_SHA2_512_256:
		*out = XFRM_INTEG_HMAC_SHA2_512_256;
		return 0;
	}
	return -1;
}

/* AF_UNSPEC inner family: a VTI carries IPv4 and IPv6 over one pair of
 * SAs. */
static int
sa_fill(struct xfrm_sa *sa, const struct ike_sa_kernel *c, bool xfrm_if)
{
	struct peer_key key = peer_key(c->mark, xfrm_if);

	memset(sa, 0, sizeof(*sa));
	addr_to_nl(&c->src, &sa->src);
	addr_to_nl(&c->dst, &sa->dst);
	sa->spi = c->spi;
	sa->reqid = c->reqid;
	sa->mark = key.mark;
	sa->if_id = key.if_id;
	sa->inner_family = AF_UNSPEC;
	if (xfrm_encr_of(c->encr, &sa->encr) == -1 ||
	    xfrm_integ_of(c->integ, &sa->integ) == -1 ||
	    c->encr_len > sizeof(sa->encr_key) ||
	    c->integ_len > sizeof(sa->integ_key))
		return -1;
	memcpy(sa->encr_key, c->encr_key, c->encr_len);
	sa->encr_key_len = c->encr_len;
	if (c->integ_len > 0)
		memcpy(sa->integ_key, c->integ_key, c->integ_len);
	sa->integ_key_len = c->integ_len;
	sa->replay_window = c->replay_window;
	sa->esn = c->esn;
	sa->lifetime.soft_seconds = c->soft_seconds;
	sa->lifetime.hard_seconds = c->hard_seconds;
	/* Behind a NAT (or encap = true): ESP in UDP on the IKE ports. */
	sa->encap = c->natt;
	sa->encap_sport = c->natt_sport;
	sa->encap_dport = c->natt_dport;
	return 0;
}

static void
policy_fill(struct xfrm_policy *p, uint8_t dir, uint16_t family,
    const struct sockaddr_storage *local, const struct sockaddr_storage *remote,
    struct peer_key key, uint32_t reqid)
{
	bool out = dir == XFRM_POLICY_OUT;

	memset(p, 0, sizeof(*p));
	p->dir = dir;
	nl_prefix_any(&p->sel_src, family);
	nl_prefix_any(&p->sel_dst, family);
	p->mark = key.mark;
	p->if_id = key.if_id;
	addr_to_nl(out ? local : remote, &p->tmpl_src);
	addr_to_nl(out ? remote : local, &p->tmpl_dst);
	p->reqid = reqid;
}

static const uint8_t policy_dirs[] = {
	XFRM_POLICY_OUT, XFRM_POLICY_IN, XFRM_POLICY_FWD
};

/* out/in/fwd for ::/0 (v6) and 0.0.0.0/0 (v4) with the peer's mark (or
 * if_id), and none for a family not wanted; the template's reqid equals
 * the SAs' (a template with another reqid matches no SA). */
static int
policies_set(struct kernel *k, const char *name,
    const struct sockaddr_storage *local, const struct sockaddr_storage *remote,
    struct peer_key key, uint32_t reqid, bool v4, bool v6)
{
	static const uint16_t families[] = { AF_INET6, AF_INET };
	const bool want[] = { v6, v4 };
	struct xfrm_policy p;
	size_t f, d;
	int rc, ret = 0;

	for (f = 0; f < 2; f++)
		for (d = 0; d < 3; d++) {
			policy_fill(&p, policy_dirs[d], families[f], local,
			    remote, key, reqid);
			rc = want[f] ? xfrm_policy_update(&k->xfrm, &p) :
			    xfrm_policy_delete(&k->xfrm, &p);
			if (rc != 0 && !(rc == -ENOENT && !want[f])) {
				log_msg(LOG_ERR, name, "%s",
				    nl_sock_error(&k->xfrm));
				ret = rc;
			}
		}
	return ret;
}

/* The packets a route peer's trap policies hold (hold_packets) go as soon
 * as its first outbound SA is in: updating the out policy moves its hold
 * queue to the new policy and runs it at once, where the kernel's own
 * timer would retry after 0.1, 0.3, 0.7, 1.5 s... */
static void
release_held(struct kernel *k, const struct ike_peer_conf *pc,
    const struct ike_sa_kernel *c)
{
	static const uint16_t families[] = { AF_INET6, AF_INET };
	const bool want[] = { c->release_v6, c->release_v4 };
	struct xfrm_policy p;
	size_t f;

	for (f = 0; f < 2; f++) {
		if (!want[f])
			continue;
		policy_fill(&p, XFRM_POLICY_OUT, families[f], &pc->local,
		    &pc->remote, conf_key(pc), pc->reqid);
		if (xfrm_policy_update(&k->xfrm, &p) != 0)
			log_msg(LOG_WARNING, pc->name, "held packets not "
			    "released at once: %s", nl_sock_error(&k->xfrm));
	}
}

static int
kernel_sa_add(void *ctx, const struct ike_peer_conf *pc,
    const struct ike_sa_kernel *c)
{
	struct kernel *k = ctx;
	const struct config_peer *p;
	struct xfrm_sa sa;
	int rc = -EINVAL;

	if (sa_fill(&sa, c, pc->xfrm_if) == 0) {
		rc = c->update ? xfrm_sa_update(&k->xfrm, &sa) :
		    xfrm_sa_add(&k->xfrm, &sa);
		if (rc != 0)
			log_msg(LOG_ERR, pc->name, "%s",
			    nl_sock_error(&k->xfrm));
	}
	xfrm_sa_wipe(&sa);
	if (rc == 0)
		release_held(k, pc, c);
	if (rc == 0 && c->outbound && (p = config_peer_find(k->conf,
	    pc->name)) != NULL && p->vti.mtu_auto)
		mtu_auto_sa(&k->mtus, &k->rtnl, p, c);
	return rc;
}

static void
kernel_sa_del(void *ctx, const struct ike_peer_conf *pc,
    const struct sockaddr_storage *dst, uint32_t spi)
{
	struct kernel *k = ctx;
	struct xfrm_sa_id id;
	int rc;

	if (spi == 0)
		return;
	id = sa_id(pc, dst, spi);
	rc = xfrm_sa_delete(&k->xfrm, &id);
	if (rc != 0 && rc != -ESRCH)
		log_msg(LOG_WARNING, pc->name, "%s", nl_sock_error(&k->xfrm));
}

static int
kernel_sa_encap(void *ctx, const struct ike_peer_conf *pc,
    const struct sockaddr_storage *dst, uint32_t spi, uint16_t sport,
    uint16_t dport)
{
	struct kernel *k = ctx;
	struct xfrm_sa_id id;
	int rc;

	id = sa_id(pc, dst, spi);
	rc = xfrm_sa_encap_move(&k->xfrm, &id, sport, dport);
	if (rc != 0)
		log_msg(LOG_WARNING, pc->name, "%s", nl_sock_error(&k->xfrm));
	return rc;
}

static int
kernel_policies(void *ctx, const struct ike_peer_conf *pc,
    const struct sockaddr_storage *remote, bool v4, bool v6)
{
	return policies_set(ctx, pc->name, &pc->local, remote, conf_key(pc),
	    pc->reqid, v4, v6);
}

static int
ctr_cmp(const void *a, const void *b)
{
	const struct kernel_ctr *x = a, *y = b;

	if (x->spi != y->spi)
		return x->spi < y->spi ? -1 : 1;
	if (x->mark != y->mark)
		return x->mark < y->mark ? -1 : 1;
	return memcmp(x->dst, y->dst, sizeof(x->dst));
}

static struct kernel_ctr
ctr_key(const struct nl_addr *dst, uint32_t spi, uint32_t mark)
{
	struct kernel_ctr c;

	memset(&c, 0, sizeof(c));
	c.spi = spi;
	c.mark = mark;
	memcpy(c.dst, dst->u.raw, dst->family == AF_INET ? 4 : 16);
	return c;
}

static int
ctr_add(const struct xfrm_sa_info *sa, void *arg)
{
	struct kernel *k = arg;
	struct kernel_ctrs *t = &k->ctrs;
	struct kernel_ctr *v;

	if (sa->reqid < k->reqid_min || sa->reqid > k->reqid_max ||
	    sa->spi == 0)
		return 0;
	if (t->n == t->cap) {
		size_t cap = t->cap == 0 ? 256 : t->cap * 2;

		if ((v = reallocarray(t->v, cap, sizeof(*v))) == NULL)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n] = ctr_key(&sa->dst, sa->spi, sa->mark.v);
	t->v[t->n].bytes = sa->bytes;
	t->v[t->n].packets = sa->packets;
	t->n++;
	return 0;
}

/* A snapshot asks for two SAs per peer: one dump, sorted, instead of a
 * GETSA each (vm_daemon_scale: 2,000 round trips per vtictl status). If
 * the dump fails, the requests it would have saved are made. */
static void
kernel_counters_batch(void *ctx, bool begin)
{
	struct kernel *k = ctx;
	struct kernel_ctrs *t = &k->ctrs;

	t->n = 0;
	t->on = false;
	if (!begin) {
		free(t->v);
		memset(t, 0, sizeof(*t));
		return;
	}
	if (xfrm_sa_list(&k->xfrm, ctr_add, k) != 0)
		return;
	if (t->n > 0)	/* qsort and bsearch want a base, even for none */
		qsort(t->v, t->n, sizeof(*t->v), ctr_cmp);
	t->on = true;
}

static int
kernel_child_counters(void *ctx, const struct ike_peer_conf *pc,
    const struct sockaddr_storage *dst, uint32_t spi, uint64_t *bytes,
    uint64_t *packets)
{
	struct kernel *k = ctx;
	struct xfrm_sa_info info;
	struct xfrm_sa_id id;
	struct kernel_ctr key;
	const struct kernel_ctr *c;
	int rc;

	id = sa_id(pc, dst, spi);
	if (k->ctrs.on) {
		key = ctr_key(&id.dst, spi, id.mark.v);
		if (k->ctrs.n == 0 || (c = bsearch(&key, k->ctrs.v,
		    k->ctrs.n, sizeof(key), ctr_cmp)) == NULL)
			return -ESRCH;
		*bytes = c->bytes;
		*packets = c->packets;
		return 0;
	}
	if ((rc = xfrm_sa_get(&k->xfrm, &id, &info)) != 0)
		return rc;
	*bytes = info.bytes;
	*packets = info.packets;
	return 0;
}

static void
vti_fill(struct kernel *k, const struct config_peer *p, struct vti_link *v)
{
	size_t i;

	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", p->vti.name);
	if (p->vti.type == CONFIG_IFACE_XFRM) {
		v->type = VTI_TYPE_XFRM;
		v->if_id = p->mark;
	}
	v->family = p->remote.ss_family;
	addr_to_nl(&p->local, &v->local);
	/* A peer without a fixed address: a VTI open to any (the config
	 * allows one per local address); an XFRM interface has none. */
	if (p->remote_dynamic)
		v->remote.family = p->remote.ss_family;
	else
		addr_to_nl(&p->remote, &v->remote);
	v->ikey = v->okey = p->mark;
	v->netns = p->vti.netns[0] != '\0' ? p->vti.netns : NULL;
	v->mtu = p->vti.mtu_auto ? mtu_auto_initial(&k->mtus, &k->rtnl, p) :
	    p->vti.mtu;
	for (i = 0; i < p->vti.n_addrs && i < VTI_ADDRS_MAX; i++) {
		addr_to_nl(&p->vti.addrs[i].addr, &v->addrs[i].addr);
		v->addrs[i].len = p->vti.addrs[i].len;
	}
	v->n_addrs = i;
	v->disable_policy = true;
	/* Its link follows the tunnel: down until the first CHILD SA,
	 * except a route peer's, whose traps need the traffic. One whose
	 * tunnel is up (set up again by a reload) stays up. */
	v->down = p->vti.link_follows && p->start != CONFIG_START_ROUTE &&
	    (k->eng == NULL || ike_peer_state(k->eng, p->name) != IKE_PEER_UP);
}

/* The link follows the tunnel, so that routing reacts to its loss at
 * once. Up is the whole configuration again: a link going down loses its
 * IPv6 addresses (net.ipv6.conf.*.keep_addr_on_down = 0, the default).
 * A failure costs only that: logged, the tunnel carries on. */
static void
kernel_link(void *ctx, const struct ike_peer_conf *pc, bool up)
{
	struct kernel *k = ctx;
	const struct config_peer *p = config_peer_find(k->conf, pc->name);
	struct vti_link v;
	int rc;

	if (p == NULL)
		return;
	vti_fill(k, p, &v);
	v.down = !up;
	if (up)
		rc = vti_link_configure(&k->rtnl, &v);
	else
		rc = vti_link_set_up(&k->rtnl, v.netns, v.name, false);
	if (rc != 0) {
		log_msg(LOG_WARNING, pc->name, "%s", nl_sock_error(&k->rtnl));
		return;
	}
	log_msg(LOG_INFO, pc->name, "%s %s", v.name, up ? "up" :
	    "down: no tunnel");
}

void
kernel_ops(struct kernel *k, struct ike_ops *ops)
{
	memset(ops, 0, sizeof(*ops));
	ops->send = kernel_send;
	ops->spi_alloc = kernel_spi_alloc;
	ops->sa_add = kernel_sa_add;
	ops->sa_encap = kernel_sa_encap;
	ops->sa_del = kernel_sa_del;
	ops->policies = kernel_policies;
	ops->child_counters = kernel_child_counters;
	ops->counters_batch = kernel_counters_batch;
	ops->link = kernel_link;
	ops->keepalive = kernel_keepalive;
	ops->ctx = k;
}

int
kernel_open(struct kernel *k, const struct vtid_config *conf)
{
	int rc;

	memset(k, 0, sizeof(*k));
	k->conf = conf;
	k->reqid_min = conf->reqid_base;
	k->reqid_max = conf->reqid_base + KERNEL_REQID_SPAN;
	if ((rc = nl_sock_open(&k->xfrm, NETLINK_XFRM, NULL, false)) != 0) {
		log_err("%s", nl_sock_error(&k->xfrm));
		return rc;
	}
	if ((rc = nl_sock_open(&k->rtnl, NETLINK_ROUTE, NULL, false)) != 0) {
		log_err("%s", nl_sock_error(&k->rtnl));
		nl_sock_close(&k->xfrm);
		return rc;
	}
	kernel_hold_packets(k, conf->hold_packets);
	return 0;
}

void
kernel_hold_packets(struct kernel *k, bool on)
{
	int rc;

	if (!on) {
		if (k->larval.changed)
			log_notice("hold_packets = false: "
			    "net.core.xfrm_larval_drop back to %d", k->larval.old);
		xfrm_larval_restore(&k->larval);
		return;
	}
	if (k->larval.open)
		return;
	if ((rc = xfrm_larval_hold(&k->larval)) != 0) {
		log_warn("hold_packets: cannot set net.core.xfrm_larval_drop: "
		    "%s; the packet that starts a negotiation is dropped",
		    strerror(-rc));
		return;
	}
	if (k->larval.changed)
		log_info("hold_packets: net.core.xfrm_larval_drop %d -> 0, "
		    "packets that start a negotiation wait for the SA",
		    k->larval.old);
}

void
kernel_close(struct kernel *k)
{
	recon_stop(&k->recon);
	mtu_auto_free(&k->mtus);
	xfrm_larval_restore(&k->larval);
	if (k->mon_on)
		xfrm_monitor_stop(&k->mon);
	nl_sock_close(&k->xfrm);
	nl_sock_close(&k->rtnl);
}

void
kernel_purge(struct kernel *k)
{
	struct xfrm_owner owner;
	unsigned int sas = 0, pols = 0;

	memset(&owner, 0, sizeof(owner));
	owner.reqid_min = k->reqid_min;
	owner.reqid_max = k->reqid_max;
	/* Policies first: while one is in, a packet it matches makes the
	 * kernel add a larval SA of ours (an ACQUIRE), which would outlive
	 * us by its 30 s (vm_daemon_scale: a VTI's router solicitation
	 * between the two purges at stop). */
	if (xfrm_policy_purge(&k->xfrm, &owner, &pols) != 0)
		log_warn("%s", nl_sock_error(&k->xfrm));
	if (xfrm_sa_purge(&k->xfrm, &owner, &sas) != 0)
		log_warn("%s", nl_sock_error(&k->xfrm));
	if (sas > 0 || pols > 0)
		log_notice("removed %u SAs and %u policies left by a previous "
		    "vtid (reqids %u-%u)", sas, pols, k->reqid_min,
		    k->reqid_max);
}

int
kernel_peer_up(struct kernel *k, const struct config_peer *p)
{
	struct vti_link v;
	bool created;
	int rc;

	vti_fill(k, p, &v);
	if ((rc = vti_link_setup(&k->rtnl, &v, &created)) != 0) {
		log_msg(LOG_ERR, p->name, "%s", nl_sock_error(&k->rtnl));
		return rc;
	}
	log_msg(LOG_INFO, p->name, "%s %s %s%s%s, %s %u", created ?
	    "created" : "adopted", vti_link_kind(&v), v.name, v.netns != NULL ?
	    " in netns " : "", v.netns != NULL ? v.netns : "",
	    v.type == VTI_TYPE_XFRM ? "if_id" : "key", p->mark);
	if (p->start == CONFIG_START_ROUTE)
		return policies_set(k, p->name, &p->local, &p->remote,
		    peer_key(p->mark, v.type == VTI_TYPE_XFRM), p->reqid, true,
		    true);
	return 0;
}

void
kernel_peer_down(struct kernel *k, const struct config_peer *p)
{
	struct vti_link v;
	int rc;

	policies_set(k, p->name, &p->local, &p->remote,
	    peer_key(p->mark, p->vti.type == CONFIG_IFACE_XFRM), p->reqid,
	    false, false);
	vti_fill(k, p, &v);
	mtu_auto_forget(&k->mtus, p->mark);
	rc = vti_link_remove(&k->rtnl, &v);
	if (rc != 0 && rc != -ENODEV)
		log_msg(LOG_WARNING, p->name, "%s", nl_sock_error(&k->rtnl));
}

/* The peer's NAT moved it: authenticated ESP in UDP for one of our
 * inbound SAs came from elsewhere (the kernel checked the ICV first). */
static void
kernel_mapping(struct kernel *k, const struct xfrm_mapping *m)
{
	const struct vtid_config *c = k->conf;
	struct sockaddr_storage from;
	size_t i;

	if (m->reqid < k->reqid_min || m->reqid > k->reqid_max)
		return;
	addr_from_octets(&from, m->new_src.family, m->new_src.u.raw);
	addr_set_port(&from, m->new_sport);
	for (i = 0; i < c->n_peers; i++)
		if (c->peers[i].reqid == m->reqid) {
			ike_kernel_mapping(k->eng, c->peers[i].mark, m->spi,
			    &from);
			return;
		}
}

static void
kernel_event(const struct xfrm_event *ev, void *arg)
{
	struct kernel *k = arg;
	const struct vtid_config *c = k->conf;
	size_t i;

	if (ev->type == XFRM_EVENT_EXPIRE) {
		/* Ours carry the peer's mark or if_id; the engine knows
		 * which of its SAs the SPI is (reserved SPIs expire too). */
		if (ev->u.expire.proto == IPPROTO_ESP &&
		    ev->u.expire.reqid >= k->reqid_min &&
		    ev->u.expire.reqid <= k->reqid_max)
			ike_kernel_expire(k->eng, recon_key(
			    &ev->u.expire.mark, ev->u.expire.if_id),
			    ev->u.expire.spi, ev->u.expire.hard);
		return;
	}
	if (ev->type == XFRM_EVENT_MAPPING) {
		kernel_mapping(k, &ev->u.mapping);
		return;
	}
	if (ev->type != XFRM_EVENT_ACQUIRE) {
		recon_event(&k->recon, ev);
		return;
	}
	/* Traffic hit a trap policy of a route peer: negotiate. The
	 * policy's mark and if_id are the peer's exactly (a VTI peer's
	 * policies have no if_id, an XFRM interface's no mark). */
	for (i = 0; i < c->n_peers; i++) {
		const struct config_peer *p = &c->peers[i];
		struct peer_key key = peer_key(p->mark,
		    p->vti.type == CONFIG_IFACE_XFRM);

		if (p->start == CONFIG_START_ROUTE &&
		    ev->u.acquire.mark.v == key.mark.v &&
		    ev->u.acquire.mark.m == key.mark.m &&
		    ev->u.acquire.if_id == key.if_id &&
		    ev->u.acquire.reqid == p->reqid) {
			log_msg(LOG_INFO, p->name, "traffic for the tunnel "
			    "(kernel ACQUIRE)");
			ike_peer_acquire(k->eng, p->name);
			return;
		}
	}
}

int
kernel_monitor(struct kernel *k, struct ev_loop *loop, struct ike_engine *eng)
{
	int rc;

	k->eng = eng;
	if ((rc = xfrm_monitor_start(&k->mon, loop, NULL, kernel_event,
	    k)) != 0) {
		log_err("%s", nl_sock_error(&k->mon.sock));
		return rc;
	}
	k->mon_on = true;
	return recon_start(&k->recon, k, loop);
}
