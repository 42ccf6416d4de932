/* CHILD SAs in the kernel: KEYMAT (RFC 7296 2.17) to a pair of SAs, the
 * outbound SA held back when the peer is not ready for it yet, removal
 * with the traffic counted into the peer's totals, and the peer's
 * policies, which follow the families its CHILD SAs carry (and stay, as
 * traps, for route peers without one). */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike/child.h"
#include "ike/peer.h"
#include "util/addr.h"
#include "util/clock.h"

/* An outbound SA kept until it may be installed, with its own copy of
 * the keys (wiped on free). */
struct held_sa {
	struct ike_sa_kernel k;		/* first: c->held_out points here */
	uint8_t		 encr[IKE_ENCR_KEY_MAX];
	uint8_t		 integ[IKE_INTEG_KEY_MAX];
};

bool
ike_child_has_spi(const struct ike_child *c, uint32_t spi)
{
	return c->installed && (spi == c->spi_in || spi == c->spi_out);
}

static void
held_free(struct ike_child *c)
{
	if (c->held_out == NULL)
		return;
	OPENSSL_cleanse(c->held_out, sizeof(struct held_sa));
	free(c->held_out);
	c->held_out = NULL;
}

static void
child_update_installed(struct ike_child *c)
{
	c->installed = c->in_on || c->out_on || c->held_out != NULL;
}

/* The kernel's view of the pair: outer addresses without ports, both
 * directions' keys from KEYMAT (initiator -> responder of the exchange
 * first, RFC 7296 2.17), the lifetimes from the configuration. */
static void
child_kernel_pair(const struct ike_sa *sa, const struct ike_child_spec *cs,
    const struct ike_child_keys *ck, struct ike_sa_kernel *in,
    struct ike_sa_kernel *out)
{
	const struct ike_peer_conf *conf = &sa->peer->conf;
	const struct ike_suite *suite = cs->suite;

	memset(in, 0, sizeof(*in));
	in->src = sa->remote;
	addr_set_port(&in->src, 0);
	in->dst = sa->local;
	addr_set_port(&in->dst, 0);
	in->natt = sa->natt;
	in->natt_sport = addr_port(&sa->remote);
	in->natt_dport = addr_port(&sa->local);
	in->reqid = conf->reqid;
	in->mark = conf->mark;
	in->encr = suite->encr;
	in->encr_keybits = suite->encr_keylen;
	in->integ = suite->integ;
	in->esn = suite->esn == ESN_ENABLED;
	in->replay_window = conf->replay_window;
	in->encr_len = ck->encr_len;
	in->integ_len = ck->integ_len;
	/* The rekey timer normally wins; the kernel's limits are the safety
	 * net (the soft one asks for a rekey, the hard one removes). */
	if (conf->child_life.rekey > 0) {
		in->soft_seconds = (uint64_t)(conf->child_life.rekey +
		    conf->child_life.margin / 2);
		in->hard_seconds = (uint64_t)(conf->child_life.rekey +
		    conf->child_life.margin);
	}
	*out = *in;
	out->outbound = true;
	out->src = in->dst;
	out->dst = in->src;
	out->natt_sport = in->natt_dport;
	out->natt_dport = in->natt_sport;
	in->spi = cs->spi_in;
	in->update = true;
	in->encr_key = cs->we_init ? ck->encr_r : ck->encr_i;
	in->integ_key = cs->we_init ? ck->integ_r : ck->integ_i;
	out->spi = cs->spi_out;
	out->encr_key = cs->we_init ? ck->encr_i : ck->encr_r;
	out->integ_key = cs->we_init ? ck->integ_i : ck->integ_r;
}

/* The outbound SA kept back, with a copy of its keys. */
static int
child_hold_out(struct ike_child *c, const struct ike_sa_kernel *out)
{
	struct held_sa *held;

	if ((held = calloc(1, sizeof(*held))) == NULL)
		return -1;
	held->k = *out;
	memcpy(held->encr, out->encr_key, out->encr_len);
	memcpy(held->integ, out->integ_key, out->integ_len);
	held->k.encr_key = held->encr;
	held->k.integ_key = held->integ;
	c->held_out = &held->k;
	return 0;
}

int
ike_child_make(struct ike_sa *sa, struct ike_child *c,
    const struct ike_child_spec *cs)
{
	struct ike_engine *eng = sa->eng;
	struct ike_peer *peer = sa->peer;
	struct ike_peer_conf *conf = &peer->conf;
	const struct ike_suite *suite = cs->suite;
	const struct ike_key_parent parent = {
		sa->algs.prf, sa->keys.sk_d, sa->keys.prf_len,
	};
	const struct ike_encr_alg *encr;
	const struct ike_integ_alg *integ = NULL;
	struct ike_child_keys ck;
	struct ike_sa_kernel in, out;
	char s[PROPOSAL_STR_MAX];
	int rc = -1;

	memset(c, 0, sizeof(*c));
	encr = ike_encr_lookup(suite->encr, suite->encr_keylen);
	if (suite->integ != AUTH_NONE)
		integ = ike_integ_lookup(suite->integ);
	if (encr == NULL || (suite->integ != AUTH_NONE && integ == NULL))
		return -1;
	if (ike_keys_child(&parent, &cs->seed, encr->key_len,
	    integ != NULL ? integ->key_len : 0, &ck) == -1)
		return -1;
	child_kernel_pair(sa, cs, &ck, &in, &out);
	if (peer->conf.start == IKE_START_ROUTE && peer->up_since == 0) {
		out.release_v4 = cs->v4 && (peer->pol & IKE_POL_V4) != 0;
		out.release_v6 = cs->v6 && (peer->pol & IKE_POL_V6) != 0;
	}

	if (eng->ops.sa_add(eng->ops.ctx, conf, &in) != 0)
		goto done;
	c->in_on = true;
	c->spi_in = cs->spi_in;
	c->spi_out = cs->spi_out;
	c->out_dst = out.dst;
	if (cs->hold_out) {
		if (child_hold_out(c, &out) == -1)
			goto fail;
	} else {
		if (eng->ops.sa_add(eng->ops.ctx, conf, &out) != 0)
			goto fail;
		c->out_on = true;
	}
	c->installed = true;
	c->suite = *suite;
	c->family4 = cs->v4;
	c->family6 = cs->v6;
	if (ike_peer_policies_sync(peer) != 0)
		goto fail;
	c->established = clock_mono();
	eng->stats.child_up++;
	log_msg(LOG_NOTICE, sa->logp, "CHILD SA installed, SPIs %08x_i "
	    "%08x_o%s, %s%s, %s%s%s", cs->spi_in, cs->spi_out, cs->hold_out ?
	    " (outbound held)" : "", proposal_suite_str(suite, IKE_PROTO_ESP, s,
	    sizeof(s)), cs->seed.gir.ptr != NULL ? " PFS" : "",
	    cs->v6 ? "::/0" : "", cs->v4 && cs->v6 ? " " : "",
	    cs->v4 ? "0.0.0.0/0" : "");
	rc = 0;
	goto done;
fail:
	if (c->out_on)
		eng->ops.sa_del(eng->ops.ctx, conf, &out.dst, cs->spi_out);
	if (c->in_on)
		eng->ops.sa_del(eng->ops.ctx, conf, &in.dst, cs->spi_in);
	held_free(c);
	memset(c, 0, sizeof(*c));
done:
	ike_child_keys_wipe(&ck);
	OPENSSL_cleanse(&in, sizeof(in));
	OPENSSL_cleanse(&out, sizeof(out));
	return rc;
}

int
ike_child_release_out(struct ike_sa *sa, struct ike_child *c)
{
	struct ike_engine *eng = sa->eng;
	int rc;

	if (c->held_out == NULL)
		return 0;
	rc = eng->ops.sa_add(eng->ops.ctx, &sa->peer->conf, c->held_out);
	held_free(c);
	if (rc == 0)
		c->out_on = true;
	child_update_installed(c);
	return rc == 0 ? 0 : -1;
}

/* What an SA carried, into the peer's totals before it goes. */
static void
count_into(struct ike_sa *sa, const struct sockaddr_storage *dst,
    uint32_t spi, uint64_t *bytes, uint64_t *packets)
{
	struct ike_engine *eng = sa->eng;
	uint64_t b = 0, p = 0;

	if (eng->ops.child_counters != NULL &&
	    eng->ops.child_counters(eng->ops.ctx, &sa->peer->conf, dst, spi,
	    &b, &p) == 0) {
		*bytes += b;
		*packets += p;
	}
}

void
ike_child_drop_out(struct ike_sa *sa, struct ike_child *c)
{
	struct ike_engine *eng = sa->eng;
	struct ike_peer *peer = sa->peer;

	held_free(c);
	if (c->out_on) {
		count_into(sa, &c->out_dst, c->spi_out, &peer->bytes_out,
		    &peer->packets_out);
		eng->ops.sa_del(eng->ops.ctx, &peer->conf, &c->out_dst,
		    c->spi_out);
		c->out_on = false;
	}
	child_update_installed(c);
}

void
ike_child_drop_in(struct ike_sa *sa, struct ike_child *c)
{
	struct ike_engine *eng = sa->eng;
	struct ike_peer *peer = sa->peer;

	if (c->in_on) {
		count_into(sa, &sa->local, c->spi_in, &peer->bytes_in,
		    &peer->packets_in);
		eng->ops.sa_del(eng->ops.ctx, &peer->conf, &sa->local,
		    c->spi_in);
		c->in_on = false;
	}
	child_update_installed(c);
}

void
ike_child_drop(struct ike_sa *sa, struct ike_child *c)
{
	bool was = c->installed;

	ike_child_drop_out(sa, c);
	ike_child_drop_in(sa, c);
	if (was)
		log_msg(LOG_INFO, sa->logp, "CHILD SA removed, SPIs %08x_i "
		    "%08x_o", c->spi_in, c->spi_out);
	memset(c, 0, sizeof(*c));
}

void
ike_child_move(struct ike_child *to, struct ike_child *from)
{
	*to = *from;
	memset(from, 0, sizeof(*from));
}

static uint8_t
child_families(const struct ike_child *c)
{
	if (!c->installed)
		return 0;
	return (uint8_t)((c->family4 ? IKE_POL_V4 : 0) |
	    (c->family6 ? IKE_POL_V6 : 0));
}

/* A family the CHILD SAs do not carry (the peer narrowed to one, RFC 7296
 * 2.9) gets no policy: the VTI drops it, where with a policy the kernel
 * would send it into the SA for the peer to drop (RFC 4301 5.2). */
int
ike_peer_policies_sync(struct ike_peer *peer)
{
	struct ike_engine *eng = peer->eng;
	const struct ike_sa *sa, *some = NULL;
	struct sockaddr_storage remote = peer->conf.remote;
	uint8_t want = 0, f;

	for (sa = peer->sas; sa != NULL; sa = sa->next) {
		f = child_families(&sa->child) | child_families(&sa->old) |
		    child_families(&sa->peer_new);
		if (f != 0 && some == NULL)
			some = sa;
		want |= f;
	}
	/* Route peers keep both as the traps that bring the tunnel back on
	 * the next packet. */
	if (want == 0 && peer->conf.start == IKE_START_ROUTE)
		want = IKE_POL_V4 | IKE_POL_V6;
	/* The templates lead where the tunnel's SAs go (the kernel picks
	 * the outbound SA by the template's addresses): the IKE SA's peer,
	 * whom a NAT may have moved since. */
	if ((sa = peer->sa) != NULL && sa->child.installed)
		remote = sa->remote;
	else if (peer->conf.remote_dynamic && some != NULL)
		remote = some->remote;	/* a prefix is no template */
	addr_set_port(&remote, 0);
	if (want != peer->pol ||
	    (want != 0 && !addr_equal(&remote, &peer->pol_remote))) {
		if (eng->ops.policies(eng->ops.ctx, &peer->conf, &remote,
		    (want & IKE_POL_V4) != 0, (want & IKE_POL_V6) != 0) != 0)
			return -1;
		peer->pol = want;
		peer->pol_remote = remote;
	}
	/* The link after the policies: up once traffic has its way. */
	ike_peer_link_sync(peer);
	return 0;
}

/* Every CHILD SA of the IKE SA goes (the IKE SA is going). */
void
ike_child_remove(struct ike_sa *sa)
{
	ike_child_drop(sa, &sa->child);
	ike_child_drop(sa, &sa->old);
	ike_child_drop(sa, &sa->peer_new);
	ike_peer_policies_sync(sa->peer);
}

void
ike_child_expired(struct ike_child *c, uint32_t spi)
{
	if (spi == c->spi_in)
		c->in_on = false;
	else
		c->out_on = false;
}
