/* CREATE_CHILD_SA (RFC 7296 1.3): rekeying the CHILD SA (1.3.3, with PFS)
 * and the IKE SA (1.3.2, 2.18), make-before-break, collisions (2.8.1), and
 * DPD's liveness check (2.4).
 *
 * Make-before-break for a CHILD SA rekey:
 *   initiator: on the answer, installs the new inbound and outbound SAs
 *     (the kernel sends on the newest outbound SA at once), removes the old
 *     outbound SA and sends DELETE for the old one; its old inbound SA
 *     drains for conf.drain seconds after the DELETE is answered.
 *   responder: installs the new inbound SA before answering, but holds the
 *     new outbound SA until the initiator's DELETE of the old one proves it
 *     has installed its new inbound SA (exchange.c, info_delete_child).
 * So neither end ever sends on an SA the other has not installed.
 *
 * Collisions: when both ends rekey the same SA at once, each answers the
 * other, and the SA made by the exchange with the lowest of the four nonces
 * is deleted by whoever initiated that exchange; the other keeps its own.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "ike/sa.h"
#include "ike/secret.h"

static void
rekey_respond_error(struct ike_sa *sa, uint16_t type, const void *data,
    size_t len)
{
	struct ike_out o;

	ike_out_begin(sa, &o, CREATE_CHILD_SA, true, sa->msgid_peer, true);
	ike_msg_encode_notify(&o.e, 0, NULL, 0, type, data, len);
	ike_out_send(sa, &o);
}

static int
send_child_delete(struct ike_sa *sa, uint32_t spi)
{
	struct ike_out o;

	ike_out_begin(sa, &o, INFORMATIONAL, false, sa->msgid_next, true);
	ike_msg_encode_delete(&o.e, IKE_PROTO_ESP, &spi, 1);
	return ike_sa_request(sa, &o, INFORMATIONAL);
}

/* g^ir of a rekey from the peer's KE and our key pair (which is freed). */
static int
rekey_gir(struct ike_dh *dh, const struct ike_pl_ke *ke,
    struct ike_chunk *gir)
{
	int rc = -1;

	if (dh->group != NULL && ke->group == dh->group->id)
		rc = ike_dh_derive(dh, ke->data, ke->len, gir);
	ike_dh_free(dh);
	return rc;
}

void
ike_rekey_abort(struct ike_sa *sa)
{
	struct ike_engine *eng = sa->eng;

	if (sa->rekey_spi != 0)
		eng->ops.sa_del(eng->ops.ctx, &sa->peer->conf, &sa->local,
		    sa->rekey_spi);
	sa->rekey_spi = 0;
	ike_dh_free(&sa->rekey_dh);
	OPENSSL_cleanse(sa->rekey_ni, sizeof(sa->rekey_ni));
	sa->rekey = REKEY_NONE;
}

/* INFORMATIONAL: HDR, SK {} --> : are you there? (RFC 7296 2.4) */
void
ike_dpd_start(struct ike_sa *sa)
{
	struct ike_out o;

	ike_out_begin(sa, &o, INFORMATIONAL, false, sa->msgid_next, true);
	if (ike_sa_request(sa, &o, INFORMATIONAL) == 0) {
		sa->liveness = true;
		log_msg(LOG_DEBUG, sa->logp, "liveness check");
	}
}

/* CREATE_CHILD_SA: HDR, SK {N(REKEY_SA), SA, Ni, [KEi], TSi, TSr} --> */
int
ike_rekey_child_start(struct ike_sa *sa)
{
	struct ike_engine *eng = sa->eng;
	struct ike_peer_conf *c = &sa->peer->conf;
	struct ike_proposal_list offer;
	uint8_t pub[IKE_DH_PUB_MAX], spi[4];
	struct ike_ts ts[2];
	struct ike_out o;
	uint16_t group;
	size_t i, nts;

	if (eng->ops.spi_alloc(eng->ops.ctx, c, &sa->rekey_spi) != 0)
		goto fail;
	sa->rekey_ni_len = IKE_NONCE_LEN;
	if (ike_random(sa->rekey_ni, sa->rekey_ni_len) == -1)
		goto fail;
	proposal_conf_offer(&c->esp, 0, &offer);
	for (i = 0; i < offer.n; i++) {
		offer.p[i].spi_size = 4;
		ike_put32(sa->rekey_spi, offer.p[i].spi);
	}
	group = proposal_conf_first_dh(&c->esp);
	if (group != DH_NONE && (ike_dh_generate(&sa->rekey_dh, group) == -1 ||
	    ike_dh_public(&sa->rekey_dh, pub, sa->rekey_dh.group->pub_len) ==
	    -1))
		goto fail;
	nts = ike_ts_all(ts, sa->child.family4, sa->child.family6);
	/* The SPI of the SA being rekeyed: ours, inbound (as strongSwan). */
	ike_put32(sa->child.spi_in, spi);
	ike_out_begin(sa, &o, CREATE_CHILD_SA, false, sa->msgid_next, true);
	ike_msg_encode_notify(&o.e, IKE_PROTO_ESP, spi, 4, REKEY_SA, NULL, 0);
	ike_msg_encode_sa(&o.e, &offer);
	ike_msg_encode_nonce(&o.e, sa->rekey_ni, sa->rekey_ni_len);
	if (group != DH_NONE)
		ike_msg_encode_ke(&o.e, group, pub, sa->rekey_dh.group->pub_len);
	ike_msg_encode_ts(&o.e, IKE_PL_TSi, ts, nts);
	ike_msg_encode_ts(&o.e, IKE_PL_TSr, ts, nts);
	if (ike_sa_request(sa, &o, CREATE_CHILD_SA) == -1)
		goto fail;
	sa->rekey = REKEY_CHILD;
	log_msg(LOG_INFO, sa->logp, "rekeying CHILD SA %08x_i %08x_o",
	    sa->child.spi_in, sa->child.spi_out);
	return 0;
fail:
	ike_rekey_abort(sa);
	return -1;
}

/* CREATE_CHILD_SA: HDR, SK {SA, Ni, KEi} --> (RFC 7296 1.3.2) */
int
ike_rekey_ike_start(struct ike_sa *sa)
{
	struct ike_peer_conf *c = &sa->peer->conf;
	struct ike_proposal_list offer;
	uint8_t pub[IKE_DH_PUB_MAX];
	struct ike_out o;
	uint16_t group;
	size_t i;

	sa->rekey_ike_spi = ike_sa_new_spi(sa->eng);
	sa->rekey_ni_len = IKE_NONCE_LEN;
	group = proposal_conf_first_dh(&c->ike);
	if (ike_random(sa->rekey_ni, sa->rekey_ni_len) == -1 ||
	    ike_dh_generate(&sa->rekey_dh, group) == -1 ||
	    ike_dh_public(&sa->rekey_dh, pub, sa->rekey_dh.group->pub_len) ==
	    -1)
		goto fail;
	proposal_conf_offer(&c->ike, 0, &offer);
	for (i = 0; i < offer.n; i++) {
		offer.p[i].spi_size = 8;
		ike_put64(sa->rekey_ike_spi, offer.p[i].spi);
	}
	ike_out_begin(sa, &o, CREATE_CHILD_SA, false, sa->msgid_next, true);
	ike_msg_encode_sa(&o.e, &offer);
	ike_msg_encode_nonce(&o.e, sa->rekey_ni, sa->rekey_ni_len);
	ike_msg_encode_ke(&o.e, group, pub, sa->rekey_dh.group->pub_len);
	if (ike_sa_request(sa, &o, CREATE_CHILD_SA) == -1)
		goto fail;
	sa->rekey = REKEY_IKE;
	log_msg(LOG_INFO, sa->logp, "rekeying IKE SA");
	return 0;
fail:
	ike_rekey_abort(sa);
	return -1;
}

/* The new IKE SA's keys: SKEYSEED = prf(SK_d (old), g^ir | Ni | Nr),
 * then the seven keys with the new SPIs (RFC 7296 2.18). */
static int
rekey_ike_keys(struct ike_sa *old, struct ike_sa *ns, const uint8_t *gir,
    size_t gir_len)
{
	const struct ike_key_parent parent = {
		old->algs.prf, old->keys.sk_d, old->keys.prf_len,
	};
	struct ike_key_seed ks;
	uint8_t si[8], sr[8];

	ike_put64(ns->ispi, si);
	ike_put64(ns->rspi, sr);
	ks.ni.ptr = ns->ni;
	ks.ni.len = ns->ni_len;
	ks.nr.ptr = ns->nr;
	ks.nr.len = ns->nr_len;
	ks.gir.ptr = gir;
	ks.gir.len = gir_len;
	ks.spi_i = si;
	ks.spi_r = sr;
	if (ike_crypto_resolve(&ns->choice.suite, &ns->algs) == -1 ||
	    ike_keys_ike_sa(&ns->algs, &parent, &ks, &ns->keys) == -1 ||
	    ike_keys_sk_ctx(&ns->keys, &ns->algs, ns->initiator ? IKE_DIR_I2R :
	    IKE_DIR_R2I, &ns->sk_out) == -1 ||
	    ike_keys_sk_ctx(&ns->keys, &ns->algs, ns->initiator ? IKE_DIR_R2I :
	    IKE_DIR_I2R, &ns->sk_in) == -1)
		return -1;
	ns->have_keys = true;
	ns->state = SA_ESTABLISHED;
	ns->established = ev_now(ns->eng->loop);
	ns->peer->contacted = true;
	ike_nonce_min(ns->ni, ns->ni_len, ns->nr, ns->nr_len, ns->nonce_min,
	    &ns->nonce_min_len);
	return 0;
}

/* The CHILD SAs and their timers move to the new IKE SA. */
static void
rekey_move_children(struct ike_sa *from, struct ike_sa *to)
{
	struct ev_loop *loop = from->eng->loop;

	ike_child_move(&to->child, &from->child);
	ike_child_move(&to->old, &from->old);
	ike_child_move(&to->peer_new, &from->peer_new);
	memcpy(to->peer_new_nmin, from->peer_new_nmin, from->peer_new_nmin_len);
	to->peer_new_nmin_len = from->peer_new_nmin_len;
	ev_timer_stop(loop, &from->drain_timer);
	ev_timer_stop(loop, &from->rekey_timer);
	ev_timer_stop(loop, &from->dpd_timer);
	ev_timer_stop(loop, &from->ike_rekey_timer);
	if (to->old.in_on) {
		ev_timer_set(&to->drain_timer, to->peer->conf.drain, 0);
		ev_timer_start(loop, &to->drain_timer);
	}
	ike_sa_timers_start(to);
	to->peer->sa = to;
}

/* The old IKE SA after a rekey: no children, it waits for (or sends) the
 * DELETE that ends it. */
static void
rekey_retire(struct ike_sa *old, bool we_delete)
{
	old->replaced = true;
	if (we_delete) {
		ike_sa_delete(old);
		return;
	}
	ev_timer_stop(old->eng->loop, &old->timeout);
	ev_timer_set(&old->timeout, IKE_REPLACED_S, 0);
	ev_timer_start(old->eng->loop, &old->timeout);
}

static void
rekey_ike_response(struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_peer_conf *c = &sa->peer->conf;
	struct ike_chunk gir = { NULL, 0 };
	struct proposal_choice choice;
	char why[PROPOSAL_STR_MAX];
	struct ike_sa *ns, *sib = sa->rekey_sibling;

	if (!ike_msg_has(m, IKE_PL_SA) || !ike_msg_has(m, IKE_PL_NONCE) ||
	    !ike_msg_has(m, IKE_PL_KE)) {
		log_msg(LOG_WARNING, sa->logp, "IKE SA rekey refused: %s",
		    ike_msg_error(m) != 0 ?
		    ike_notify_name(ike_msg_error(m)) : "no SA, Nonce or KE");
		goto retry;
	}
	if (proposal_check_reply(&c->ike, &m->sa.props, 0, &choice, why,
	    sizeof(why)) == -1 || choice.chosen.spi_size != 8) {
		log_msg(LOG_WARNING, sa->logp, "IKE SA rekey: %s", why);
		goto retry;
	}
	if (rekey_gir(&sa->rekey_dh, &m->ke, &gir) == -1) {
		log_msg(LOG_WARNING, sa->logp, "IKE SA rekey: unusable KE");
		goto retry;
	}
	ns = ike_sa_new_rekeyed(sa, true, sa->rekey_ike_spi,
	    ike_get64(choice.chosen.spi));
	if (ns == NULL)
		goto retry;
	ns->choice = choice;
	memcpy(ns->ni, sa->rekey_ni, sa->rekey_ni_len);
	ns->ni_len = sa->rekey_ni_len;
	memcpy(ns->nr, m->nonce.data, m->nonce.len);
	ns->nr_len = m->nonce.len;
	if (rekey_ike_keys(sa, ns, gir.ptr, gir.len) == -1) {
		ike_chunk_free(&gir);
		ike_sa_destroy(ns, "cannot derive the rekeyed IKE SA's keys");
		goto retry;
	}
	ike_chunk_free(&gir);
	ike_rekey_abort(sa);
	sa->peer->ike_rekeys++;
	if (sib != NULL && ike_nonce_cmp(ns->nonce_min, ns->nonce_min_len,
	    sib->nonce_min, sib->nonce_min_len) < 0) {
		/* Collision, and ours has the lowest nonce: it goes, the
		 * peer's (which already has the children) stays and the peer
		 * deletes the old SA. */
		log_msg(LOG_INFO, ns->logp, "IKE rekey collision lost, "
		    "deleting this SA; %s carries on", sib->logp);
		sa->rekey_sibling = NULL;
		ns->replaced = true;
		ike_sa_delete(ns);
		return;
	}
	if (sib != NULL) {
		log_msg(LOG_INFO, ns->logp, "IKE rekey collision won; the "
		    "peer deletes %s", sib->logp);
		rekey_move_children(sib, ns);
		sib->replaced = true;
		sa->rekey_sibling = NULL;
	} else
		rekey_move_children(sa, ns);
	log_msg(LOG_NOTICE, ns->logp, "IKE SA rekeyed (was #%u)", sa->serial);
	rekey_retire(sa, true);
	return;
retry:
	ike_rekey_abort(sa);
	ike_sa_rekey_schedule(sa, true);
}

static void
rekey_child_response(struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_peer_conf *c = &sa->peer->conf;
	struct ike_chunk gir = { NULL, 0 };
	struct proposal_choice choice;
	struct ike_child nc;
	struct ike_child_spec cs;
	char why[PROPOSAL_STR_MAX];
	bool v4i, v6i, v4r, v6r, lost = false;
	uint16_t err = ike_msg_error(m);

	if (err != 0 || !ike_msg_has(m, IKE_PL_SA) ||
	    !ike_msg_has(m, IKE_PL_NONCE) || !ike_msg_has(m, IKE_PL_TSi) ||
	    !ike_msg_has(m, IKE_PL_TSr)) {
		/* TEMPORARY_FAILURE: the peer is busy with its own rekey
		 * (2.25); it or we will try again. */
		log_msg(err == TEMPORARY_FAILURE ? LOG_INFO : LOG_WARNING,
		    sa->logp, "CHILD SA rekey refused: %s", err != 0 ?
		    ike_notify_name(err) : "no SA, Nonce or TS");
		goto retry;
	}
	if (proposal_check_reply(&c->esp, &m->sa.props, 0, &choice, why,
	    sizeof(why)) == -1 || choice.chosen.spi_size != 4) {
		log_msg(LOG_WARNING, sa->logp, "CHILD SA rekey: %s", why);
		goto retry;
	}
	if (choice.suite.dh != DH_NONE &&
	    rekey_gir(&sa->rekey_dh, &m->ke, &gir) == -1) {
		log_msg(LOG_WARNING, sa->logp, "CHILD SA rekey: unusable KE");
		goto retry;
	}
	ike_ts_families(&m->tsi, &v4i, &v6i);
	ike_ts_families(&m->tsr, &v4r, &v6r);
	if (!sa->child.installed || (!(v4i && v4r) && !(v6i && v6r))) {
		ike_chunk_free(&gir);
		log_msg(LOG_WARNING, sa->logp, "CHILD SA rekey: %s",
		    !sa->child.installed ? "the SA went meanwhile" :
		    "peer's selectors are not ::/0 or 0.0.0.0/0");
		goto retry;
	}
	/* With the peer's own rekey of this SA answered meanwhile, the
	 * lowest of the four nonces decides (2.8.1); ours loses when it is
	 * in our exchange, and then its outbound SA never goes in. */
	if (sa->peer_new.installed) {
		uint8_t mn[IKE_NONCE_MAX];
		size_t mnl;

		ike_nonce_min(sa->rekey_ni, sa->rekey_ni_len, m->nonce.data,
		    m->nonce.len, mn, &mnl);
		lost = ike_nonce_cmp(mn, mnl, sa->peer_new_nmin,
		    sa->peer_new_nmin_len) < 0;
	}
	cs = (struct ike_child_spec){
		.suite = &choice.suite, .spi_in = sa->rekey_spi,
		.spi_out = ike_get32(choice.chosen.spi),
		.v4 = v4i && v4r, .v6 = v6i && v6r,
		.seed = { .ni = { sa->rekey_ni, sa->rekey_ni_len },
		    .nr = { m->nonce.data, m->nonce.len },
		    .gir = { gir.ptr, gir.len } },
		.we_init = true, .hold_out = lost,
	};
	if (ike_child_make(sa, &nc, &cs) == -1) {
		ike_chunk_free(&gir);
		log_msg(LOG_ERR, sa->logp, "CHILD SA rekey: kernel refused "
		    "the new SAs");
		goto retry;
	}
	ike_chunk_free(&gir);
	sa->rekey_spi = 0;	/* it is nc's now */
	ike_rekey_abort(sa);
	if (lost) {
		log_msg(LOG_INFO, sa->logp, "CHILD rekey collision lost, "
		    "deleting %08x_i; the peer's rekey carries on", nc.spi_in);
		send_child_delete(sa, nc.spi_in);
		ike_child_drop(sa, &nc);
		return;
	}
	if (sa->peer_new.installed)
		log_msg(LOG_INFO, sa->logp, "CHILD rekey collision won; the "
		    "peer deletes %08x_i", sa->peer_new.spi_in);
	/* The kernel sends on the newest outbound SA: the switch happened
	 * when nc's went in. The old outbound goes, the old inbound drains
	 * once the peer has answered our DELETE. */
	ike_child_drop(sa, &sa->old);
	ike_child_drop_out(sa, &sa->child);
	ike_child_move(&sa->old, &sa->child);
	ike_child_move(&sa->child, &nc);
	sa->peer->child_rekeys++;
	log_msg(LOG_INFO, sa->logp, "CHILD SA rekeyed, SPIs %08x_i %08x_o",
	    sa->child.spi_in, sa->child.spi_out);
	send_child_delete(sa, sa->old.spi_in);
	ike_sa_rekey_schedule(sa, false);
	return;
retry:
	ike_rekey_abort(sa);
	ev_timer_stop(sa->eng->loop, &sa->rekey_timer);
	ev_timer_set(&sa->rekey_timer, 2.0, 0);
	ev_timer_start(sa->eng->loop, &sa->rekey_timer);
}

void
ike_rekey_response(struct ike_sa *sa, const struct ike_msg *m)
{
	switch (sa->rekey) {
	case REKEY_CHILD:
		rekey_child_response(sa, m);
		break;
	case REKEY_IKE:
		rekey_ike_response(sa, m);
		break;
	case REKEY_NONE:
		break;
	}
}

/*                <-- HDR, SK {SA, Nr, KEr}   (the peer rekeys the IKE SA) */
static void
rekey_ike_request(struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_peer_conf *c = &sa->peer->conf;
	struct ike_chunk gir = { NULL, 0 };
	struct ike_proposal_list reply;
	struct proposal_choice choice;
	uint8_t pub[IKE_DH_PUB_MAX], grp[2];
	char why[PROPOSAL_STR_MAX];
	struct ike_out o;
	struct ike_dh dh = { NULL, NULL };
	struct ike_sa *ns;
	size_t publen;

	if (!ike_msg_has(m, IKE_PL_NONCE) || !ike_msg_has(m, IKE_PL_KE)) {
		rekey_respond_error(sa, INVALID_SYNTAX, NULL, 0);
		return;
	}
	if (sa->rekey_sibling != NULL) {
		rekey_respond_error(sa, TEMPORARY_FAILURE, NULL, 0);
		return;
	}
	if (proposal_select(&c->ike, &m->sa.props, 0, m->ke.group, &choice,
	    why, sizeof(why)) == -1 || choice.chosen.spi_size != 8) {
		log_msg(LOG_WARNING, sa->logp, "NO_PROPOSAL_CHOSEN for the IKE "
		    "SA rekey: %s", why);
		rekey_respond_error(sa, NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	if (choice.suite.dh != m->ke.group) {
		grp[0] = (uint8_t)(choice.suite.dh >> 8);
		grp[1] = (uint8_t)choice.suite.dh;
		rekey_respond_error(sa, INVALID_KE_PAYLOAD, grp, 2);
		return;
	}
	ns = ike_sa_new_rekeyed(sa, false, ike_get64(choice.chosen.spi),
	    ike_sa_new_spi(sa->eng));
	if (ns == NULL) {
		rekey_respond_error(sa, TEMPORARY_FAILURE, NULL, 0);
		return;
	}
	ns->choice = choice;
	memcpy(ns->ni, m->nonce.data, m->nonce.len);
	ns->ni_len = m->nonce.len;
	ns->nr_len = IKE_NONCE_LEN;
	if (ike_random(ns->nr, ns->nr_len) == -1 ||
	    ike_dh_generate(&dh, choice.suite.dh) == -1 ||
	    ike_dh_public(&dh, pub, dh.group->pub_len) == -1)
		goto fail;
	publen = dh.group->pub_len;
	if (rekey_gir(&dh, &m->ke, &gir) == -1 ||
	    rekey_ike_keys(sa, ns, gir.ptr, gir.len) == -1)
		goto fail;
	ike_chunk_free(&gir);

	memset(&reply, 0, sizeof(reply));
	reply.n = 1;
	reply.p[0] = choice.chosen;
	ike_put64(ns->rspi, reply.p[0].spi);
	ike_out_begin(sa, &o, CREATE_CHILD_SA, true, sa->msgid_peer, true);
	ike_msg_encode_sa(&o.e, &reply);
	ike_msg_encode_nonce(&o.e, ns->nr, ns->nr_len);
	ike_msg_encode_ke(&o.e, choice.suite.dh, pub, publen);
	ike_out_send(sa, &o);

	sa->peer->ike_rekeys++;
	rekey_move_children(sa, ns);
	if (sa->rekey == REKEY_IKE) {
		/* We are rekeying too: our answer decides who stays. */
		sa->rekey_sibling = ns;
		log_msg(LOG_INFO, ns->logp, "IKE SA rekeyed by peer while we "
		    "rekey (was #%u)", sa->serial);
		return;
	}
	log_msg(LOG_NOTICE, ns->logp, "IKE SA rekeyed by peer (was #%u)",
	    sa->serial);
	rekey_retire(sa, false);
	return;
fail:
	ike_dh_free(&dh);
	ike_chunk_free(&gir);
	ike_sa_destroy(ns, "cannot make the rekeyed IKE SA");
	rekey_respond_error(sa, NO_PROPOSAL_CHOSEN, NULL, 0);
}

/*   <-- HDR, SK {SA, Nr, [KEr], TSi, TSr}   (the peer rekeys the CHILD SA) */
static void
rekey_child_request(struct ike_sa *sa, const struct ike_msg *m,
    const struct ike_pl_notify *n)
{
	struct ike_engine *eng = sa->eng;
	struct ike_peer_conf *c = &sa->peer->conf;
	struct ike_chunk gir = { NULL, 0 };
	struct ike_proposal_list reply;
	struct proposal_choice choice;
	struct ike_dh dh = { NULL, NULL };
	struct ike_child_spec cs;
	uint8_t pub[IKE_DH_PUB_MAX], grp[2], nr[IKE_NONCE_LEN];
	char why[PROPOSAL_STR_MAX];
	struct ike_ts ts[2];
	struct ike_out o;
	uint32_t spi = ike_get32(n->spi), spi_in = 0;
	bool v4i, v6i, v4r, v6r;
	size_t nts, publen = 0;

	/* The peer names the SA by its inbound SPI, our outbound. */
	if (!sa->child.installed || (spi != sa->child.spi_out &&
	    spi != sa->child.spi_in)) {
		rekey_respond_error(sa, ike_child_has_spi(&sa->old, spi) ?
		    TEMPORARY_FAILURE : CHILD_SA_NOT_FOUND, NULL, 0);
		return;
	}
	if (sa->peer_new.installed) {
		rekey_respond_error(sa, TEMPORARY_FAILURE, NULL, 0);
		return;
	}
	if (!ike_msg_has(m, IKE_PL_SA) || !ike_msg_has(m, IKE_PL_NONCE) ||
	    !ike_msg_has(m, IKE_PL_TSi) || !ike_msg_has(m, IKE_PL_TSr)) {
		rekey_respond_error(sa, INVALID_SYNTAX, NULL, 0);
		return;
	}
	if (proposal_select(&c->esp, &m->sa.props, 0,
	    ike_msg_has(m, IKE_PL_KE) ? m->ke.group : 0, &choice, why,
	    sizeof(why)) == -1 || choice.chosen.spi_size != 4) {
		log_msg(LOG_WARNING, sa->logp, "NO_PROPOSAL_CHOSEN for the "
		    "CHILD SA rekey: %s", why);
		rekey_respond_error(sa, NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	if (choice.suite.dh != DH_NONE && (!ike_msg_has(m, IKE_PL_KE) ||
	    m->ke.group != choice.suite.dh)) {
		grp[0] = (uint8_t)(choice.suite.dh >> 8);
		grp[1] = (uint8_t)choice.suite.dh;
		rekey_respond_error(sa, INVALID_KE_PAYLOAD, grp, 2);
		return;
	}
	ike_ts_families(&m->tsi, &v4i, &v6i);
	ike_ts_families(&m->tsr, &v4r, &v6r);
	if (!(v4i && v4r) && !(v6i && v6r)) {
		rekey_respond_error(sa, TS_UNACCEPTABLE, NULL, 0);
		return;
	}
	if (ike_random(nr, sizeof(nr)) == -1 ||
	    eng->ops.spi_alloc(eng->ops.ctx, c, &spi_in) != 0)
		goto fail;
	if (choice.suite.dh != DH_NONE) {
		if (ike_dh_generate(&dh, choice.suite.dh) == -1 ||
		    ike_dh_public(&dh, pub, dh.group->pub_len) == -1)
			goto fail;
		publen = dh.group->pub_len;
		if (rekey_gir(&dh, &m->ke, &gir) == -1)
			goto fail;
	}
	/* New inbound now; outbound when the peer deletes the old SA. */
	cs = (struct ike_child_spec){
		.suite = &choice.suite, .spi_in = spi_in,
		.spi_out = ike_get32(choice.chosen.spi),
		.v4 = v4i && v4r, .v6 = v6i && v6r,
		.seed = { .ni = { m->nonce.data, m->nonce.len },
		    .nr = { nr, sizeof(nr) }, .gir = { gir.ptr, gir.len } },
		.hold_out = true,
	};
	if (ike_child_make(sa, &sa->peer_new, &cs) == -1)
		goto fail;
	ike_nonce_min(m->nonce.data, m->nonce.len, nr, sizeof(nr),
	    sa->peer_new_nmin, &sa->peer_new_nmin_len);
	ike_chunk_free(&gir);

	memset(&reply, 0, sizeof(reply));
	reply.n = 1;
	reply.p[0] = choice.chosen;
	ike_put32(spi_in, reply.p[0].spi);
	nts = ike_ts_all(ts, v4i && v4r, v6i && v6r);
	ike_out_begin(sa, &o, CREATE_CHILD_SA, true, sa->msgid_peer, true);
	ike_msg_encode_sa(&o.e, &reply);
	ike_msg_encode_nonce(&o.e, nr, sizeof(nr));
	if (publen > 0)
		ike_msg_encode_ke(&o.e, choice.suite.dh, pub, publen);
	ike_msg_encode_ts(&o.e, IKE_PL_TSi, ts, nts);
	ike_msg_encode_ts(&o.e, IKE_PL_TSr, ts, nts);
	ike_out_send(sa, &o);
	log_msg(LOG_INFO, sa->logp, "peer rekeys CHILD SA %08x_i, new %08x_i",
	    sa->child.spi_in, spi_in);
	return;
fail:
	ike_dh_free(&dh);
	ike_chunk_free(&gir);
	if (spi_in != 0)
		eng->ops.sa_del(eng->ops.ctx, c, &sa->local, spi_in);
	log_msg(LOG_ERR, sa->logp, "cannot make the CHILD SA the peer's "
	    "rekey asks for");
	rekey_respond_error(sa, NO_PROPOSAL_CHOSEN, NULL, 0);
}

/* CREATE_CHILD_SA from the peer: a CHILD SA rekey (N(REKEY_SA)), an IKE
 * SA rekey (SA of protocol IKE), or a new CHILD SA, which a route-based
 * peer never needs (one pair per VTI): NO_ADDITIONAL_SAS. */
void
ike_rekey_request(struct ike_sa *sa, const struct ike_msg *m)
{
	const struct ike_pl_notify *n = ike_msg_notify(m, REKEY_SA);

	if (sa->state != SA_ESTABLISHED || sa->replaced) {
		rekey_respond_error(sa, TEMPORARY_FAILURE, NULL, 0);
		return;
	}
	if (n != NULL && n->proto == IKE_PROTO_ESP && n->spi_size == 4) {
		rekey_child_request(sa, m, n);
		return;
	}
	if (n == NULL && ike_msg_has(m, IKE_PL_SA) && m->sa.props.n > 0 &&
	    m->sa.props.p[0].proto == IKE_PROTO_IKE) {
		rekey_ike_request(sa, m);
		return;
	}
	rekey_respond_error(sa, NO_ADDITIONAL_SAS, NULL, 0);
}
