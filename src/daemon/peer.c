/* struct ike_peer_conf from the configuration: see peer.h. */
#include <stdio.h>
#include <string.h>

#include "daemon/kernel.h"
#include "daemon/peer.h"
#include "ike/ikev2.h"
#include "ike/proposal_lang.h"

/* A failed negotiation is retried after VTID_RETRY_BASE_S, doubling up
 * to VTID_RETRY_MAX_S (the engine adds jitter): a routed mesh wants its
 * tunnels back soon after an outage, without hammering a dead peer. */
#define VTID_RETRY_BASE_S	2.0
#define VTID_RETRY_MAX_S	60.0
/* A rekeyed CHILD SA's inbound SA still takes packets this long after
 * the peer answered our DELETE (by then it sends on the new SA; this
 * covers what was in flight). */
#define VTID_DRAIN_S		2.0
/* Long enough for a peer that resolves crossings its own way to send its
 * DELETE, even after a retransmission or two. */
#define VTID_SETTLE_S		10.0

static enum ike_start
start_of(enum config_start s)
{
	switch (s) {
	case CONFIG_START_START:
		return IKE_START_START;
	case CONFIG_START_ROUTE:
		return IKE_START_ROUTE;
	case CONFIG_START_ADD:
		break;
	}
	return IKE_START_ADD;
}

static enum ike_dpd_action
dpd_of(enum config_dpd_action a)
{
	switch (a) {
	case CONFIG_DPD_CLEAR:
		return IKE_DPD_CLEAR;
	case CONFIG_DPD_TRAP:
		return IKE_DPD_TRAP;
	case CONFIG_DPD_RESTART:
		break;
	}
	return IKE_DPD_RESTART;
}

static struct ike_lifetime
life_of(const struct config_lifetime *l)
{
	struct ike_lifetime il = {
		.rekey = l->rekey_time, .jitter = l->jitter,
		.margin = l->margin,
	};

	return il;
}

int
vtid_peer_conf(const struct vtid_config *c, const struct config_peer *p,
    struct ike_peer_conf *pc, char *why, size_t whylen)
{
	char err[PROPOSAL_ERR_MAX];

	memset(pc, 0, sizeof(*pc));
	snprintf(pc->name, sizeof(pc->name), "%s", p->name);
	pc->local = p->local;
	pc->remote = p->remote;
	pc->remote_dynamic = p->remote_dynamic;
	pc->remote_plen = p->remote_plen;
	pc->local_id_type = (uint8_t)p->local_id.type;
	memcpy(pc->local_id, p->local_id.data, p->local_id.len);
	pc->local_id_len = p->local_id.len;
	pc->remote_id_type = (uint8_t)p->remote_id.type;
	memcpy(pc->remote_id, p->remote_id.data, p->remote_id.len);
	pc->remote_id_len = p->remote_id.len;
	/* The configuration takes PSKs up to CONFIG_PSK_MAX; the engine
	 * keeps fewer bytes. */
	if (p->psk_len > sizeof(pc->psk)) {
		snprintf(why, whylen, "%s: peer '%s': psk: %zu bytes, vtid "
		    "takes at most %zu", p->origin, p->name, p->psk_len,
		    sizeof(pc->psk));
		return -1;
	}
	if (p->psk_len > 0)	/* certificates: no PSK, p->psk NULL */
		memcpy(pc->psk, p->psk, p->psk_len);
	pc->psk_len = p->psk_len;
	/* The engine takes its own references in ike_peer_add. */
	pc->cred = p->cred;
	pc->ca = p->ca;
	pc->rsa_pss = p->rsa_pss;
	pc->mark = p->mark;
	pc->xfrm_if = p->vti.type == CONFIG_IFACE_XFRM;
	pc->reqid = p->reqid;
	pc->start = start_of(p->start);
	if (proposal_conf_parse(&pc->ike, IKE_PROTO_IKE, p->ike.proposals, err,
	    sizeof(err)) == -1 ||
	    proposal_conf_parse(&pc->esp, IKE_PROTO_ESP, p->esp.proposals, err,
	    sizeof(err)) == -1) {
		snprintf(why, whylen, "%s: peer '%s': %s", p->origin, p->name,
		    err);
		return -1;
	}
	pc->retransmit_timeout = c->retransmit.timeout_ms / 1000.0;
	pc->retransmit_base = c->retransmit.base;
	pc->retransmit_tries = c->retransmit.tries == CONFIG_FOREVER ?
	    100000 : c->retransmit.tries;
	pc->retransmit_limit = c->retransmit.limit_ms / 1000.0;
	pc->retry_base = VTID_RETRY_BASE_S;
	pc->retry_max = VTID_RETRY_MAX_S;
	pc->keying_tries = p->keying_tries == CONFIG_FOREVER ?
	    IKE_TRIES_FOREVER : p->keying_tries;
	pc->ike_life = life_of(&p->ike.life);
	pc->child_life = life_of(&p->esp.life);
	pc->dpd_delay = p->dpd.delay;
	pc->dpd_timeout = p->dpd.timeout;
	pc->dpd_action = dpd_of(p->dpd.action);
	pc->drain = VTID_DRAIN_S;
	pc->settle = VTID_SETTLE_S;
	pc->replay_window = KERNEL_REPLAY_WINDOW;
	pc->fragmentation = p->fragmentation;
	pc->fragment_size = p->fragment_size;
	pc->link_follows = p->vti.link_follows;
	pc->force_encap = p->nat.encap;
	pc->nat_keepalive = p->nat.keepalive;
	return 0;
}

void
vtid_dos_conf(const struct vtid_config *c, struct ike_dos_conf *d)
{
	d->cookie_threshold = c->dos.cookie_threshold;
	d->cookie_threshold_peer = c->dos.cookie_threshold_peer;
	d->half_open_max = c->dos.half_open_max;
	d->half_open_max_peer = c->dos.half_open_max_peer;
	d->cookie_rotate = c->dos.cookie_rotate;
	d->init_max_size = c->dos.init_max_size;
	d->half_open_timeout = c->dos.half_open_timeout;
	d->initiate_max = c->initiate_max;
}
