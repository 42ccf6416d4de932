/* CREATE_CHILD_SA (RFC 7296 1.3): rekeying the CHILD SA (1.3.3, with PFS)
 * and the IKE SA (1.3.2, 2.18). For an IKE SA rekey this file makes the
 * new SA's keys; which SA stays is sa.c's decision.
 *
 *   HDR, SK {N(REKEY_SA), SA, Ni, [KEi], TSi, TSr} -->     (CHILD SA)
 *                     <-- HDR, SK {SA, Nr, [KEr], TSi, TSr}
 *   HDR, SK {SA, Ni, KEi} -->                              (IKE SA)
 *                     <-- HDR, SK {SA, Nr, KEr}
 *
 * Make-before-break for a CHILD SA rekey:
 *   initiator: on the answer, installs the new inbound and outbound SAs
 *     (the kernel sends on the newest outbound SA at once), removes the old
 *     outbound SA and sends DELETE for the old one; its old inbound SA
 *     drains for conf.drain seconds after the DELETE is answered.
 *   responder: installs the new inbound SA before answering, but holds the
 *     new outbound SA until the initiator's DELETE of the old one proves it
 *     has installed its new inbound SA (info.c, info_delete_child).
 * So neither end ever sends on an SA the other has not installed.
 *
 * Colliding CHILD SA rekeys (2.8.1): when both ends rekey the same SA at
 * once, each answers the other, and the SA made by the exchange with the
 * lowest of the four nonces is deleted by whoever initiated that
 * exchange; the other keeps its own.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "ike/child.h"
#include "ike/exchange.h"
#include "ike/table.h"
#include "ike/wire.h"

void
ike_rekey_refuse(struct ike_sa *sa, uint16_t type, const void *data,
    size_t len)
{
	struct ike_out o;

	ike_out_response(sa, &o, CREATE_CHILD_SA);
	ike_msg_encode_notify(&o.e, 0, NULL, 0, type, data, len);
	ike_out_send_response(sa, &o);
}

/* INVALID_KE_PAYLOAD with the group we want (RFC 7296 1.3). */
static void
rekey_refuse_group(struct ike_sa *sa, uint16_t group)
{
	uint8_t grp[2];

	grp[0] = (uint8_t)(group >> 8);
	grp[1] = (uint8_t)group;
	ike_rekey_refuse(sa, INVALID_KE_PAYLOAD, grp, sizeof(grp));
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

/* Our key pair for a rekey: made ahead on the crypto pool (sa.c), or
 * now. */
static int
rekey_pair(struct ike_rekey *rk, uint16_t group, uint8_t *pub)
{
	if (rk->dh.group != NULL && rk->dh.group->id != group)
		ike_dh_free(&rk->dh);
	if (rk->dh.group == NULL && ike_dh_generate(&rk->dh, group) == -1)
		return -1;
	return ike_dh_public(&rk->dh, pub, rk->dh.group->pub_len);
}

void
ike_rekey_clear(struct ike_sa *sa)
{
	struct ike_engine *eng = sa->eng;

	if (sa->rekey.spi != 0)
		eng->ops.sa_del(eng->ops.ctx, &sa->peer->conf, &sa->local,
		    sa->rekey.spi);
	sa->rekey.spi = 0;
	ike_dh_free(&sa->rekey.dh);
	OPENSSL_cleanse(sa->rekey.ni, sizeof(sa->rekey.ni));
}

enum ike_rekey_kind
ike_rekey_kind(const struct ike_msg *m)
{
	const struct ike_pl_notify *n = ike_msg_notify(m, REKEY_SA);

	if (n != NULL && n->proto == IKE_PROTO_ESP && n->spi_size == 4)
		return IKE_REKEY_OF_CHILD;
	if (n == NULL && ike_msg_has(m, IKE_PL_SA) && m->sa.props.n > 0 &&
	    m->sa.props.p[0].proto == IKE_PROTO_IKE)
		return IKE_REKEY_OF_IKE;
	return IKE_REKEY_OF_NONE;
}

/* CREATE_CHILD_SA: HDR, SK {N(REKEY_SA), SA, Ni, [KEi], TSi, TSr} --> */
int
ike_rekey_child_start(struct ike_sa *sa)
{
	struct ike_engine *eng = sa->eng;
	struct ike_peer_conf *c = &sa->peer->conf;
	struct ike_rekey *rk = &sa->rekey;
	struct ike_proposal_list offer;
	uint8_t pub[IKE_DH_PUB_MAX], spi[4];
	struct ike_ts ts[2];
	struct ike_out o;
	uint16_t group;
	size_t i, nts;

	if (eng->ops.spi_alloc(eng->ops.ctx, c, &rk->spi) != 0)
		goto fail;
	rk->ni_len = IKE_NONCE_LEN;
	if (ike_random(rk->ni, rk->ni_len) == -1)
		goto fail;
	proposal_conf_offer(&c->esp, 0, &offer);
	for (i = 0; i < offer.n; i++) {
		offer.p[i].spi_size = 4;
		ike_put32(rk->spi, offer.p[i].spi);
	}
	group = proposal_conf_first_dh(&c->esp);
	if (group != DH_NONE && rekey_pair(rk, group, pub) == -1)
		goto fail;
	nts = ike_ts_all(ts, sa->child.family4, sa->child.family6);
	/* The SPI of the SA being rekeyed: ours, inbound (as strongSwan). */
	ike_put32(sa->child.spi_in, spi);
	ike_out_request(sa, &o, CREATE_CHILD_SA);
	ike_msg_encode_notify(&o.e, IKE_PROTO_ESP, spi, 4, REKEY_SA, NULL, 0);
	ike_msg_encode_sa(&o.e, &offer);
	ike_msg_encode_nonce(&o.e, rk->ni, rk->ni_len);
	if (group != DH_NONE)
		ike_msg_encode_ke(&o.e, group, pub, rk->dh.group->pub_len);
	ike_msg_encode_ts(&o.e, IKE_PL_TSi, ts, nts);
	ike_msg_encode_ts(&o.e, IKE_PL_TSr, ts, nts);
	if (ike_out_send_request(sa, &o, IKE_REQ_REKEY_CHILD) == -1)
		goto fail;
	log_msg(LOG_INFO, sa->logp, "rekeying CHILD SA %08x_i %08x_o",
	    sa->child.spi_in, sa->child.spi_out);
	return 0;
fail:
	ike_rekey_clear(sa);
	return -1;
}

/* CREATE_CHILD_SA: HDR, SK {SA, Ni, KEi} --> (RFC 7296 1.3.2) */
int
ike_rekey_ike_start(struct ike_sa *sa)
{
	struct ike_peer_conf *c = &sa->peer->conf;
	struct ike_rekey *rk = &sa->rekey;
	struct ike_proposal_list offer;
	uint8_t pub[IKE_DH_PUB_MAX];
	struct ike_out o;
	uint16_t group;
	size_t i;

	rk->ike_spi = ike_table_spi_new(sa->eng);
	rk->ni_len = IKE_NONCE_LEN;
	group = proposal_conf_first_dh(&c->ike);
	if (ike_random(rk->ni, rk->ni_len) == -1 ||
	    rekey_pair(rk, group, pub) == -1)
		goto fail;
	proposal_conf_offer(&c->ike, 0, &offer);
	for (i = 0; i < offer.n; i++) {
		offer.p[i].spi_size = 8;
		ike_put64(rk->ike_spi, offer.p[i].spi);
	}
	ike_out_request(sa, &o, CREATE_CHILD_SA);
	ike_msg_encode_sa(&o.e, &offer);
	ike_msg_encode_nonce(&o.e, rk->ni, rk->ni_len);
	ike_msg_encode_ke(&o.e, group, pub, rk->dh.group->pub_len);
	if (ike_out_send_request(sa, &o, IKE_REQ_REKEY_IKE) == -1)
		goto fail;
	log_msg(LOG_INFO, sa->logp, "rekeying IKE SA");
	return 0;
fail:
	ike_rekey_clear(sa);
	return -1;
}

/* The new IKE SA's keys: SKEYSEED = prf(SK_d (old), g^ir | Ni | Nr),
 * then the seven keys with the new SPIs (RFC 7296 2.18). */
static int
rekey_ike_derive(struct ike_sa *old, struct ike_sa *ns,
    const struct ike_chunk *gir)
{
	const struct ike_key_parent parent = {
		old->algs.prf, old->keys.sk_d, old->keys.prf_len,
	};

	return ike_sa_keys_make(ns, &parent, gir);
}

int
ike_rekey_ike_accept(struct ike_sa *sa, const struct ike_msg *m,
    struct ike_rekey_reply *r)
{
	struct ike_peer_conf *c = &sa->peer->conf;
	char why[PROPOSAL_STR_MAX];

	memset(r, 0, sizeof(*r));
	if (!ike_msg_has(m, IKE_PL_SA) || !ike_msg_has(m, IKE_PL_NONCE) ||
	    !ike_msg_has(m, IKE_PL_KE)) {
		log_msg(LOG_WARNING, sa->logp, "IKE SA rekey refused: %s",
		    ike_msg_error(m) != 0 ?
		    ike_notify_name(ike_msg_error(m)) : "no SA, Nonce or KE");
		return -1;
	}
	if (proposal_check_reply(&c->ike, &m->sa.props, 0, &r->choice, why,
	    sizeof(why)) == -1 || r->choice.chosen.spi_size != 8) {
		log_msg(LOG_WARNING, sa->logp, "IKE SA rekey: %s", why);
		return -1;
	}
	if (rekey_gir(&sa->rekey.dh, &m->ke, &r->gir) == -1) {
		log_msg(LOG_WARNING, sa->logp, "IKE SA rekey: unusable KE");
		return -1;
	}
	return 0;
}

int
ike_rekey_ike_keys(struct ike_sa *sa, struct ike_sa *ns,
    const struct ike_msg *m, struct ike_rekey_reply *r)
{
	int rc;

	ns->choice = r->choice;
	memcpy(ns->ni, sa->rekey.ni, sa->rekey.ni_len);
	ns->ni_len = sa->rekey.ni_len;
	memcpy(ns->nr, m->nonce.data, m->nonce.len);
	ns->nr_len = m->nonce.len;
	rc = rekey_ike_derive(sa, ns, &r->gir);
	ike_chunk_free(&r->gir);
	return rc;
}

/*                <-- HDR, SK {SA, Nr, KEr}   (the peer rekeys the IKE SA) */
int
ike_rekey_ike_select(struct ike_sa *sa, const struct ike_msg *m,
    struct proposal_choice *choice)
{
	struct ike_peer_conf *c = &sa->peer->conf;
	char why[PROPOSAL_STR_MAX];

	if (!ike_msg_has(m, IKE_PL_NONCE) || !ike_msg_has(m, IKE_PL_KE)) {
		ike_rekey_refuse(sa, INVALID_SYNTAX, NULL, 0);
		return -1;
	}
	/* Our own CHILD SA rekey is out on this IKE SA: moving the CHILD
	 * SAs now would leave its answer, and the peer's half of it (a new
	 * inbound SA, its outbound held for our DELETE), behind on an SA
	 * that is going (RFC 7296 2.25). It finishes first; the peer tries
	 * again. */
	if (sa->rekey_sibling != NULL || sa->req.what == IKE_REQ_REKEY_CHILD) {
		ike_rekey_refuse(sa, TEMPORARY_FAILURE, NULL, 0);
		return -1;
	}
	if (proposal_select(&c->ike, &m->sa.props, 0, m->ke.group, choice,
	    why, sizeof(why)) == -1 || choice->chosen.spi_size != 8) {
		log_msg(LOG_WARNING, sa->logp, "NO_PROPOSAL_CHOSEN for the IKE "
		    "SA rekey: %s", why);
		ike_rekey_refuse(sa, NO_PROPOSAL_CHOSEN, NULL, 0);
		return -1;
	}
	if (choice->suite.dh != m->ke.group) {
		rekey_refuse_group(sa, choice->suite.dh);
		return -1;
	}
	return 0;
}

int
ike_rekey_ike_answer(struct ike_sa *sa, struct ike_sa *ns,
    const struct ike_msg *m, const struct proposal_choice *choice)
{
	struct ike_chunk gir = { NULL, 0 };
	struct ike_proposal_list reply;
	struct ike_dh dh = { NULL, NULL };
	uint8_t pub[IKE_DH_PUB_MAX];
	struct ike_out o;
	size_t publen;

	if (ike_responder_nonces(ns, choice, &m->nonce) == -1 ||
	    ike_dh_generate(&dh, choice->suite.dh) == -1 ||
	    ike_dh_public(&dh, pub, dh.group->pub_len) == -1)
		goto fail;
	publen = dh.group->pub_len;
	if (rekey_gir(&dh, &m->ke, &gir) == -1 ||
	    rekey_ike_derive(sa, ns, &gir) == -1)
		goto fail;
	ike_chunk_free(&gir);

	memset(&reply, 0, sizeof(reply));
	reply.n = 1;
	reply.p[0] = choice->chosen;
	ike_put64(ns->rspi, reply.p[0].spi);
	ike_out_response(sa, &o, CREATE_CHILD_SA);
	ike_msg_encode_sa(&o.e, &reply);
	ike_msg_encode_nonce(&o.e, ns->nr, ns->nr_len);
	ike_msg_encode_ke(&o.e, choice->suite.dh, pub, publen);
	ike_out_send_response(sa, &o);
	return 0;
fail:
	ike_dh_free(&dh);
	ike_chunk_free(&gir);
	return -1;
}

/* The peer's answer to our CHILD SA rekey: its proposal, g^ir, families;
 * 0, or -1 (logged). */
static int
rekey_child_accept(struct ike_sa *sa, const struct ike_msg *m,
    struct ike_rekey_reply *r, bool *v4, bool *v6)
{
	struct ike_peer_conf *c = &sa->peer->conf;
	char why[PROPOSAL_STR_MAX];
	bool v4i, v6i, v4r, v6r;
	uint16_t err = ike_msg_error(m);

	memset(r, 0, sizeof(*r));
	if (err != 0 || !ike_msg_has(m, IKE_PL_SA) ||
	    !ike_msg_has(m, IKE_PL_NONCE) || !ike_msg_has(m, IKE_PL_TSi) ||
	    !ike_msg_has(m, IKE_PL_TSr)) {
		/* TEMPORARY_FAILURE: the peer is busy with its own rekey
		 * (2.25); it or we will try again. */
		log_msg(err == TEMPORARY_FAILURE ? LOG_INFO : LOG_WARNING,
		    sa->logp, "CHILD SA rekey refused: %s", err != 0 ?
		    ike_notify_name(err) : "no SA, Nonce or TS");
		return -1;
	}
	if (proposal_check_reply(&c->esp, &m->sa.props, 0, &r->choice, why,
	    sizeof(why)) == -1 || r->choice.chosen.spi_size != 4) {
		log_msg(LOG_WARNING, sa->logp, "CHILD SA rekey: %s", why);
		return -1;
	}
	if (r->choice.suite.dh != DH_NONE &&
	    rekey_gir(&sa->rekey.dh, &m->ke, &r->gir) == -1) {
		log_msg(LOG_WARNING, sa->logp, "CHILD SA rekey: unusable KE");
		return -1;
	}
	ike_ts_families(&m->tsi, &v4i, &v6i);
	ike_ts_families(&m->tsr, &v4r, &v6r);
	*v4 = v4i && v4r;
	*v6 = v6i && v6r;
	if (!sa->child.installed || (!*v4 && !*v6)) {
		ike_chunk_free(&r->gir);
		log_msg(LOG_WARNING, sa->logp, "CHILD SA rekey: %s",
		    !sa->child.installed ? "the SA went meanwhile" :
		    "peer's selectors are not ::/0 or 0.0.0.0/0");
		return -1;
	}
	return 0;
}

/* The new SAs are in: the kernel sends on the newest outbound SA, so the
 * switch happened. The old outbound goes, the old inbound drains once the
 * peer has answered our DELETE. */
static void
rekey_child_switch(struct ike_sa *sa, struct ike_child *nc)
{
	if (sa->peer_new.installed)
		log_msg(LOG_INFO, sa->logp, "CHILD rekey collision won; the "
		    "peer deletes %08x_i", sa->peer_new.spi_in);
	ike_child_drop(sa, &sa->old);
	ike_child_drop_out(sa, &sa->child);
	ike_child_move(&sa->old, &sa->child);
	ike_child_move(&sa->child, nc);
	sa->peer->child_rekeys++;
	log_msg(LOG_INFO, sa->logp, "CHILD SA rekeyed, SPIs %08x_i %08x_o",
	    sa->child.spi_in, sa->child.spi_out);
	ike_info_delete_child(sa, sa->old.spi_in);
}

enum ike_rekey_result
ike_rekey_child_response(struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_rekey_reply r;
	struct ike_child_spec cs;
	struct ike_child nc;
	bool v4, v6, lost = false;

	if (rekey_child_accept(sa, m, &r, &v4, &v6) == -1)
		goto retry;
	/* With the peer's own rekey of this SA answered meanwhile, the
	 * lowest of the four nonces decides (2.8.1); ours loses when it is
	 * in our exchange, and then its outbound SA never goes in. */
	if (sa->peer_new.installed) {
		uint8_t mn[IKE_NONCE_MAX];
		size_t mnl;

		ike_nonce_min(sa->rekey.ni, sa->rekey.ni_len, m->nonce.data,
		    m->nonce.len, mn, &mnl);
		lost = ike_nonce_cmp(mn, mnl, sa->peer_new_nmin,
		    sa->peer_new_nmin_len) < 0;
	}
	cs = (struct ike_child_spec){
		.suite = &r.choice.suite, .spi_in = sa->rekey.spi,
		.spi_out = ike_get32(r.choice.chosen.spi), .v4 = v4, .v6 = v6,
		.seed = { .ni = { sa->rekey.ni, sa->rekey.ni_len },
		    .nr = { m->nonce.data, m->nonce.len },
		    .gir = { r.gir.ptr, r.gir.len } },
		.we_init = true, .hold_out = lost,
	};
	if (ike_child_make(sa, &nc, &cs) == -1) {
		ike_chunk_free(&r.gir);
		log_msg(LOG_ERR, sa->logp, "CHILD SA rekey: kernel refused "
		    "the new SAs");
		goto retry;
	}
	ike_chunk_free(&r.gir);
	sa->rekey.spi = 0;	/* it is nc's now */
	ike_rekey_clear(sa);
	if (lost) {
		log_msg(LOG_INFO, sa->logp, "CHILD rekey collision lost, "
		    "deleting %08x_i; the peer's rekey carries on", nc.spi_in);
		ike_info_delete_child(sa, nc.spi_in);
		ike_child_drop(sa, &nc);
		return IKE_REKEY_LOST;
	}
	rekey_child_switch(sa, &nc);
	return IKE_REKEY_DONE;
retry:
	ike_rekey_clear(sa);
	return IKE_REKEY_RETRY;
}

/* The peer's CHILD SA rekey, checked: the proposal and families, or -1
 * when refused (answered). */
static int
rekey_child_check(struct ike_sa *sa, const struct ike_msg *m,
    struct proposal_choice *choice, bool *v4, bool *v6)
{
	struct ike_peer_conf *c = &sa->peer->conf;
	const struct ike_pl_notify *n = ike_msg_notify(m, REKEY_SA);
	uint32_t spi = ike_get32(n->spi);
	char why[PROPOSAL_STR_MAX];
	bool v4i, v6i, v4r, v6r;

	/* The peer names the SA by its inbound SPI, our outbound. */
	if (!sa->child.installed || (spi != sa->child.spi_out &&
	    spi != sa->child.spi_in)) {
		ike_rekey_refuse(sa, ike_child_has_spi(&sa->old, spi) ?
		    TEMPORARY_FAILURE : CHILD_SA_NOT_FOUND, NULL, 0);
		return -1;
	}
	/* Busy with the peer's previous rekey, or rekeying the IKE SA
	 * ourselves: a peer that accepts our IKE rekey meanwhile moves its
	 * CHILD SA to the new IKE SA and may give up the rekey it asks for
	 * here, and the outbound SA we would hold for its DELETE would wait
	 * forever (2.25). */
	if (sa->peer_new.installed || sa->req.what == IKE_REQ_REKEY_IKE) {
		ike_rekey_refuse(sa, TEMPORARY_FAILURE, NULL, 0);
		return -1;
	}
	if (!ike_msg_has(m, IKE_PL_SA) || !ike_msg_has(m, IKE_PL_NONCE) ||
	    !ike_msg_has(m, IKE_PL_TSi) || !ike_msg_has(m, IKE_PL_TSr)) {
		ike_rekey_refuse(sa, INVALID_SYNTAX, NULL, 0);
		return -1;
	}
	if (proposal_select(&c->esp, &m->sa.props, 0,
	    ike_msg_has(m, IKE_PL_KE) ? m->ke.group : 0, choice, why,
	    sizeof(why)) == -1 || choice->chosen.spi_size != 4) {
		log_msg(LOG_WARNING, sa->logp, "NO_PROPOSAL_CHOSEN for the "
		    "CHILD SA rekey: %s", why);
		ike_rekey_refuse(sa, NO_PROPOSAL_CHOSEN, NULL, 0);
		return -1;
	}
	if (choice->suite.dh != DH_NONE && (!ike_msg_has(m, IKE_PL_KE) ||
	    m->ke.group != choice->suite.dh)) {
		rekey_refuse_group(sa, choice->suite.dh);
		return -1;
	}
	ike_ts_families(&m->tsi, &v4i, &v6i);
	ike_ts_families(&m->tsr, &v4r, &v6r);
	*v4 = v4i && v4r;
	*v6 = v6i && v6r;
	if (!*v4 && !*v6) {
		ike_rekey_refuse(sa, TS_UNACCEPTABLE, NULL, 0);
		return -1;
	}
	return 0;
}

/*   <-- HDR, SK {SA, Nr, [KEr], TSi, TSr}   (the peer rekeys the CHILD SA) */
void
ike_rekey_child_request(struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_engine *eng = sa->eng;
	struct ike_peer_conf *c = &sa->peer->conf;
	struct ike_chunk gir = { NULL, 0 };
	struct ike_proposal_list reply;
	struct proposal_choice choice;
	struct ike_dh dh = { NULL, NULL };
	struct ike_child_spec cs;
	uint8_t pub[IKE_DH_PUB_MAX], nr[IKE_NONCE_LEN];
	struct ike_ts ts[2];
	struct ike_out o;
	uint32_t spi_in = 0;
	bool v4, v6;
	size_t nts, publen = 0;

	if (rekey_child_check(sa, m, &choice, &v4, &v6) == -1)
		return;
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
		.spi_out = ike_get32(choice.chosen.spi), .v4 = v4, .v6 = v6,
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
	nts = ike_ts_all(ts, v4, v6);
	ike_out_response(sa, &o, CREATE_CHILD_SA);
	ike_msg_encode_sa(&o.e, &reply);
	ike_msg_encode_nonce(&o.e, nr, sizeof(nr));
	if (publen > 0)
		ike_msg_encode_ke(&o.e, choice.suite.dh, pub, publen);
	ike_msg_encode_ts(&o.e, IKE_PL_TSi, ts, nts);
	ike_msg_encode_ts(&o.e, IKE_PL_TSr, ts, nts);
	ike_out_send_response(sa, &o);
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
	ike_rekey_refuse(sa, NO_PROPOSAL_CHOSEN, NULL, 0);
}
