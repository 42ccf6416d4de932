/* IKE_AUTH (RFC 7296 1.2): identities, the AUTH payload (2.15) made
 * with the PSK or signed with our certificate's key (src/pki, RFC 7427),
 * the peer's certificates checked, and the first CHILD SA, whose failure
 * leaves the IKE SA up.
 *
 *   HDR, SK {IDi, [CERT+], [CERTREQ], AUTH, [N(INITIAL_CONTACT)], SAi2,
 *            TSi, TSr} -->
 *                   <-- HDR, SK {IDr, [CERT+], AUTH, SAr2, TSi, TSr}
 *               or  <-- HDR, SK {N(AUTHENTICATION_FAILED)}
 *               or  <-- HDR, SK {IDr, AUTH, N(error for the CHILD SA)}
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "ike/child.h"
#include "ike/exchange.h"
#include "ike/wire.h"

/* ID payload body as AUTH signs it: type, three RESERVED octets, data. */
static size_t
id_body(uint8_t type, const uint8_t *data, size_t len, uint8_t *out)
{
	out[0] = type;
	out[1] = out[2] = out[3] = 0;
	memcpy(out + 4, data, len);
	return len + 4;
}

static bool
id_matches(const struct ike_peer_conf *c, const struct ike_pl_id *id)
{
	if (c->remote_id_type == 0)
		return true;
	return id->type == c->remote_id_type && id->len == c->remote_id_len &&
	    memcmp(id->data, c->remote_id, id->len) == 0;
}

static void
id_str(const struct ike_pl_id *id, char *buf, size_t len)
{
	size_t i, n;

	if (id->type == ID_IPV4_ADDR && id->len == 4)
		inet_ntop(AF_INET, id->data, buf, (socklen_t)len);
	else if (id->type == ID_IPV6_ADDR && id->len == 16)
		inet_ntop(AF_INET6, id->data, buf, (socklen_t)len);
	else if (id->type == ID_DER_ASN1_DN)
		pki_dn_text(id->data, id->len, buf, len);
	else if (id->type == ID_FQDN || id->type == ID_RFC822_ADDR) {
		n = id->len < len - 1 ? id->len : len - 1;
		for (i = 0; i < n; i++)
			buf[i] = id->data[i] >= 0x20 && id->data[i] < 0x7f ?
			    (char)id->data[i] : '?';
		buf[n] = '\0';
	} else
		snprintf(buf, len, "type %u, %zu bytes", id->type, id->len);
}

static void
encode_our_id(struct ike_sa *sa, struct ike_out *o, uint8_t which)
{
	struct ike_peer_conf *c = &sa->peer->conf;

	ike_msg_encode_id(&o->e, which, c->local_id_type, c->local_id,
	    c->local_id_len);
}

/* What AUTH signs (RFC 7296 2.15): the signer's IKE_SA_INIT message, the
 * other end's nonce and the signer's SK_p; signer_i: the initiator of
 * IKE_SA_INIT signs. */
static void
auth_input(const struct ike_sa *sa, bool signer_i, const uint8_t *id_body,
    size_t id_len, struct ike_auth_input *in)
{
	const struct ike_peer_conf *c = &sa->peer->conf;

	in->psk.ptr = c->psk;
	in->psk.len = c->psk_len;
	in->msg.ptr = signer_i ? sa->init_req : sa->init_resp;
	in->msg.len = signer_i ? sa->init_req_len : sa->init_resp_len;
	in->nonce.ptr = signer_i ? sa->nr : sa->ni;
	in->nonce.len = signer_i ? sa->nr_len : sa->ni_len;
	in->sk_p.ptr = signer_i ? sa->keys.sk_pi : sa->keys.sk_pr;
	in->sk_p.len = sa->keys.prf_len;
	in->id_body.ptr = id_body;
	in->id_body.len = id_len;
}

/* Our AUTH with the PSK: prf(prf(PSK, "Key Pad for IKEv2"), <our first
 * message> | <peer's nonce> | prf(SK_p, our ID body)), RFC 7296 2.15; or
 * those octets signed with our certificate's key, by the method the
 * peer's SIGNATURE_HASH_ALGORITHMS allow. */
static int
auth_make(struct ike_sa *sa, struct ike_auth_data *a, char *why,
    size_t whylen)
{
	struct ike_peer_conf *c = &sa->peer->conf;
	struct ike_auth_input in;
	uint8_t body[4 + IKE_ID_MAX], *octets;
	size_t blen = id_body(c->local_id_type, c->local_id, c->local_id_len,
	    body), n;
	int rc;

	auth_input(sa, sa->initiator, body, blen, &in);
	if (c->cred == NULL) {
		a->method = AUTH_SHARED_KEY_MIC;
		a->len = sa->algs.prf->out_len;
		if (ike_keys_psk_auth(sa->algs.prf, &in, a->data) == 0)
			return 0;
		snprintf(why, whylen, "cannot compute AUTH");
		return -1;
	}
	if ((octets = ike_keys_signed_octets(sa->algs.prf, &in, &n)) == NULL) {
		snprintf(why, whylen, "cannot compute AUTH's signed octets");
		return -1;
	}
	rc = pki_sign(c->cred, sa->peer_hashes, c->rsa_pss, octets, n,
	    &a->method, a->data, sizeof(a->data), &a->len, why, whylen);
	free(octets);
	return rc;
}

/* The peer's CERT payloads of X.509 certificates, its own first. */
static size_t
auth_certs(const struct ike_msg *m, const uint8_t **der, size_t *len,
    size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < m->n_other && n < max; i++)
		if (m->other[i].type == IKE_PL_CERT && m->other[i].len > 1 &&
		    m->other[i].body[0] == IKE_CERT_X509_SIG) {
			der[n] = m->other[i].body + 1;
			len[n++] = m->other[i].len - 1;
		}
	return n;
}

/* The peer's AUTH, over its ID body as it sent it: with the PSK, or its
 * certificates checked against our CAs, its identity in its own, and
 * its signature. 0, or -1 and why. */
static int
auth_check(struct ike_sa *sa, const struct ike_msg *m,
    const struct ike_pl_id *id, char *why, size_t whylen)
{
	const struct ike_peer_conf *c = &sa->peer->conf;
	const struct ike_pl_auth *auth = &m->auth;
	const uint8_t *der[IKE_OTHER_MAX];
	struct ike_auth_input in;
	struct pki_peer *pc;
	size_t len[IKE_OTHER_MAX], n;
	uint8_t *octets;
	char ids[128];
	int rc;

	auth_input(sa, !sa->initiator, id->body, id->body_len, &in);
	if (c->cred == NULL) {
		if (auth->method != AUTH_SHARED_KEY_MIC) {
			snprintf(why, whylen, "peer signs (AUTH method %u), "
			    "we have a PSK for it", auth->method);
			return -1;
		}
		if (ike_keys_psk_verify(sa->algs.prf, &in, auth->data,
		    auth->len) == 0)
			return 0;
		snprintf(why, whylen, "peer's AUTH does not match our PSK");
		return -1;
	}
	if (auth->method == AUTH_SHARED_KEY_MIC) {
		snprintf(why, whylen, "peer uses a PSK, we want its "
		    "certificate");
		return -1;
	}
	n = auth_certs(m, der, len, IKE_OTHER_MAX);
	if (pki_peer_check(c->ca, der, len, n, time(NULL), &pc, why,
	    whylen) == -1)
		return -1;
	if (!pki_peer_has_id(pc, id->type, id->data, id->len)) {
		id_str(id, ids, sizeof(ids));
		snprintf(why, whylen, "identity %s is not in its certificate "
		    "(%s)", ids, pki_peer_subject(pc));
		pki_peer_free(pc);
		return -1;
	}
	if ((octets = ike_keys_signed_octets(sa->algs.prf, &in, &n)) == NULL) {
		pki_peer_free(pc);
		snprintf(why, whylen, "cannot compute AUTH's signed octets");
		return -1;
	}
	rc = pki_verify(pc, auth->method, auth->data, auth->len, octets, n,
	    why, whylen);
	free(octets);
	if (rc == -1) {
		pki_peer_free(pc);
		return -1;
	}
	pki_peer_free(sa->peer_cert);
	sa->peer_cert = pc;
	log_msg(LOG_INFO, sa->logp, "certificate \"%s\" checked: issuer "
	    "\"%s\"", pki_peer_subject(pc), pki_peer_issuer(pc));
	return 0;
}

/* Our certificates (CERT: ours, then its intermediates) and, with
 * certreq, the CAs we want the peer's from (RFC 7296 3.6, 3.7). */
static void
encode_certs(struct ike_sa *sa, struct ike_out *o, bool certreq)
{
	const struct ike_peer_conf *c = &sa->peer->conf;
	const uint8_t *der[PKI_CHAIN_MAX];
	uint8_t buf[1 + 8 * PKI_KEYID_LEN], *p;
	size_t len[PKI_CHAIN_MAX], n, i;

	if (c->cred == NULL)
		return;
	n = pki_cred_chain(c->cred, der, len);
	for (i = 0; i < n; i++) {
		if ((p = malloc(1 + len[i])) == NULL)
			continue;	/* the peer will say what is missing */
		p[0] = IKE_CERT_X509_SIG;
		memcpy(p + 1, der[i], len[i]);
		ike_msg_encode_generic(&o->e, IKE_PL_CERT, 0, p, 1 + len[i]);
		free(p);
	}
	if (certreq && c->ca != NULL && (n = pki_ca_keyids(c->ca, buf + 1,
	    sizeof(buf) - 1)) > 0) {
		buf[0] = IKE_CERT_X509_SIG;
		ike_msg_encode_generic(&o->e, IKE_PL_CERTREQ, 0, buf, 1 + n);
	}
}

/* The first CHILD SA, keyed with the IKE_SA_INIT nonces (no PFS); the
 * IKE SA's initiator initiated IKE_AUTH too. */
static int
auth_child_make(struct ike_sa *sa, const struct proposal_choice *choice,
    uint32_t spi_in, bool v4, bool v6)
{
	struct ike_child_spec cs;

	memset(&cs, 0, sizeof(cs));
	cs.suite = &choice->suite;
	cs.spi_in = spi_in;
	cs.spi_out = ike_get32(choice->chosen.spi);
	cs.v4 = v4;
	cs.v6 = v6;
	cs.seed.ni.ptr = sa->ni;
	cs.seed.ni.len = sa->ni_len;
	cs.seed.nr.ptr = sa->nr;
	cs.seed.nr.len = sa->nr_len;
	cs.we_init = sa->initiator;
	cs.hold_out = sa->hold_out;
	return ike_child_make(sa, &sa->child, &cs);
}

/* Whether sa's peer has an established IKE SA besides sa. */
static bool
auth_other_sa(const struct ike_sa *sa)
{
	const struct ike_sa *o;

	for (o = sa->peer->sas; o != NULL; o = o->next)
		if (o != sa && o->state == SA_ESTABLISHED)
			return true;
	return false;
}

/* IKE_AUTH: HDR, SK {IDi, AUTH, [N(INITIAL_CONTACT)], SAi2, TSi, TSr} --> */
int
ike_auth_start(struct ike_sa *sa)
{
	struct ike_engine *eng = sa->eng;
	struct ike_peer *peer = sa->peer;
	struct ike_proposal_list offer;
	struct ike_auth_data auth;
	char why[PKI_WHY_MAX];
	struct ike_ts ts[2];
	struct ike_out o;
	size_t i, nts;
	int rc;

	if (eng->ops.spi_alloc(eng->ops.ctx, &peer->conf,
	    &sa->pending_spi) != 0)
		return -1;
	if (auth_make(sa, &auth, why, sizeof(why)) == -1) {
		log_msg(LOG_WARNING, sa->logp, "no AUTH: %s", why);
		return -1;
	}
	proposal_conf_offer(&peer->conf.esp, PROPOSAL_SKIP_DH, &offer);
	for (i = 0; i < offer.n; i++) {
		offer.p[i].spi_size = 4;
		ike_put32(sa->pending_spi, offer.p[i].spi);
	}
	nts = ike_ts_all(ts, true, true);
	ike_out_request(sa, &o, IKE_AUTH);
	encode_our_id(sa, &o, IKE_PL_IDi);
	encode_certs(sa, &o, true);
	ike_msg_encode_auth(&o.e, auth.method, auth.data, auth.len);
	/* RFC 7296 2.4: we hold no other IKE SA with this peer (the first
	 * since we started, or the last one went: DPD, DELETE): the peer
	 * drops whatever it still holds, which it may not know is gone. */
	if (!auth_other_sa(sa))
		ike_msg_encode_notify(&o.e, 0, NULL, 0, INITIAL_CONTACT, NULL,
		    0);
	ike_msg_encode_sa(&o.e, &offer);
	ike_msg_encode_ts(&o.e, IKE_PL_TSi, ts, nts);
	ike_msg_encode_ts(&o.e, IKE_PL_TSr, ts, nts);
	rc = ike_out_send_request(sa, &o, IKE_REQ_AUTH);
	OPENSSL_cleanse(&auth, sizeof(auth));
	return rc;
}

static void
auth_respond_error(struct ike_sa *sa, uint16_t type)
{
	struct ike_out o;

	ike_out_response(sa, &o, IKE_AUTH);
	ike_msg_encode_notify(&o.e, 0, NULL, 0, type, NULL, 0);
	ike_out_send_response(sa, &o);
}

/* A dynamic peer's IKE SA was chosen on another dynamic peer's terms
 * (sa_bind_identity): they must be this one's too. */
static bool
auth_ike_allowed(const struct ike_sa *sa, char *why, size_t whylen)
{
	struct ike_proposal_list one = { .n = 1 };
	struct proposal_choice c;

	one.p[0] = sa->choice.chosen;
	return proposal_check_reply(&sa->peer->conf.ike, &one, 0, &c, why,
	    whylen) == 0;
}

int
ike_auth_check_request(struct ike_sa *sa, const struct ike_msg *m,
    struct ike_auth_data *auth, struct ike_fail *f)
{
	char ids[128], why[PKI_WHY_MAX];

	if (!ike_msg_has(m, IKE_PL_IDi) || !ike_msg_has(m, IKE_PL_AUTH)) {
		auth_respond_error(sa, INVALID_SYNTAX);
		return ike_fail_set(f, "IKE_AUTH request lacks IDi or AUTH");
	}
	if (!id_matches(&sa->peer->conf, &m->idi)) {
		id_str(&m->idi, ids, sizeof(ids));
		sa->eng->stats.auth_failed++;
		auth_respond_error(sa, AUTHENTICATION_FAILED);
		return ike_fail_set(f, "AUTHENTICATION_FAILED: peer identity "
		    "%s is not the one configured", ids);
	}
	if (sa->peer->conf.remote_dynamic && !auth_ike_allowed(sa, ids,
	    sizeof(ids))) {
		sa->eng->stats.auth_failed++;
		auth_respond_error(sa, AUTHENTICATION_FAILED);
		return ike_fail_set(f, "AUTHENTICATION_FAILED: the IKE SA's "
		    "proposal is not this peer's: %s", ids);
	}
	if (auth_check(sa, m, &m->idi, why, sizeof(why)) == -1) {
		sa->eng->stats.auth_failed++;
		auth_respond_error(sa, AUTHENTICATION_FAILED);
		return ike_fail_set(f, "AUTHENTICATION_FAILED: %s", why);
	}
	if (auth_make(sa, auth, why, sizeof(why)) == -1) {
		auth_respond_error(sa, AUTHENTICATION_FAILED);
		return ike_fail_set(f, "no AUTH of ours: %s", why);
	}
	return 0;
}

/* The CHILD SA the peer's IKE_AUTH asks for, made: 0, or the error notify
 * to answer with and why. */
struct auth_child {
	struct proposal_choice choice;
	uint32_t	 spi_in;
	bool		 v4, v6;
};

static uint16_t
auth_child_request(struct ike_sa *sa, const struct ike_msg *m,
    struct auth_child *ac, char *why, size_t whylen)
{
	struct ike_engine *eng = sa->eng;
	struct ike_peer_conf *c = &sa->peer->conf;
	bool v4i, v6i, v4r, v6r;

	if (!ike_msg_has(m, IKE_PL_SA) || !ike_msg_has(m, IKE_PL_TSi) ||
	    !ike_msg_has(m, IKE_PL_TSr)) {
		snprintf(why, whylen, "no SA or TS payloads");
		return NO_PROPOSAL_CHOSEN;
	}
	if (proposal_select(&c->esp, &m->sa.props, PROPOSAL_SKIP_DH, 0,
	    &ac->choice, why, whylen) == -1)
		return NO_PROPOSAL_CHOSEN;
	ike_ts_families(&m->tsi, &v4i, &v6i);
	ike_ts_families(&m->tsr, &v4r, &v6r);
	ac->v4 = v4i && v4r;
	ac->v6 = v6i && v6r;
	if (!ac->v4 && !ac->v6) {
		snprintf(why, whylen, "peer's selectors are not ::/0 or "
		    "0.0.0.0/0");
		return TS_UNACCEPTABLE;
	}
	if (ac->choice.chosen.spi_size != 4) {
		snprintf(why, whylen, "ESP proposal without SPI");
		return NO_PROPOSAL_CHOSEN;
	}
	if (eng->ops.spi_alloc(eng->ops.ctx, c, &ac->spi_in) != 0 ||
	    auth_child_make(sa, &ac->choice, ac->spi_in, ac->v4,
	    ac->v6) == -1) {
		snprintf(why, whylen, "kernel refused the SAs");
		if (ac->spi_in != 0)
			eng->ops.sa_del(eng->ops.ctx, c, &sa->local,
			    ac->spi_in);
		return NO_PROPOSAL_CHOSEN;
	}
	return 0;
}

/*                 <-- HDR, SK {IDr, AUTH, SAr2, TSi, TSr}
 * or              <-- HDR, SK {IDr, AUTH, N(error for the CHILD SA)} */
void
ike_auth_answer(struct ike_sa *sa, const struct ike_msg *m,
    struct ike_auth_data *auth)
{
	struct ike_peer *peer = sa->peer;
	struct ike_proposal_list reply;
	struct auth_child ac;
	char why[PROPOSAL_STR_MAX];
	struct ike_ts ts[2];
	struct ike_out o;
	uint16_t child_err;
	size_t nts;

	memset(&ac, 0, sizeof(ac));
	if ((child_err = auth_child_request(sa, m, &ac, why,
	    sizeof(why))) != 0) {
		if (child_err == NO_PROPOSAL_CHOSEN)
			sa->eng->stats.no_proposal++;
		log_msg(LOG_WARNING, sa->logp, "no CHILD SA: %s: %s",
		    ike_notify_name(child_err), why);
		snprintf(peer->last_error, sizeof(peer->last_error),
		    "CHILD SA: %s: %.120s", ike_notify_name(child_err), why);
	}
	ike_out_response(sa, &o, IKE_AUTH);
	encode_our_id(sa, &o, IKE_PL_IDr);
	encode_certs(sa, &o, false);
	ike_msg_encode_auth(&o.e, auth->method, auth->data, auth->len);
	OPENSSL_cleanse(auth, sizeof(*auth));
	if (child_err != 0) {
		ike_msg_encode_notify(&o.e, 0, NULL, 0, child_err, NULL, 0);
	} else {
		memset(&reply, 0, sizeof(reply));
		reply.n = 1;
		reply.p[0] = ac.choice.chosen;
		ike_put32(ac.spi_in, reply.p[0].spi);
		nts = ike_ts_all(ts, ac.v4, ac.v6);
		ike_msg_encode_sa(&o.e, &reply);
		ike_msg_encode_ts(&o.e, IKE_PL_TSi, ts, nts);
		ike_msg_encode_ts(&o.e, IKE_PL_TSr, ts, nts);
	}
	ike_out_send_response(sa, &o);
}

/* <-- HDR, SK {IDr, AUTH, SAr2, TSi, TSr}, or an error */
int
ike_auth_check_response(struct ike_sa *sa, const struct ike_msg *m,
    struct ike_fail *f)
{
	char ids[128], why[PKI_WHY_MAX];
	uint16_t err;

	if (ike_msg_notify(m, AUTHENTICATION_FAILED) != NULL) {
		sa->eng->stats.auth_failed++;
		return ike_fail_set(f, "AUTHENTICATION_FAILED: peer rejected "
		    "our AUTH (check the %s and identities on both ends)",
		    sa->peer->conf.cred != NULL ? "certificates, CAs" : "PSK");
	}
	if (!ike_msg_has(m, IKE_PL_IDr) || !ike_msg_has(m, IKE_PL_AUTH)) {
		err = ike_msg_error(m);
		return ike_fail_set(f, "peer answered IKE_AUTH with %s",
		    err != 0 ? ike_notify_name(err) : "no IDr or AUTH");
	}
	if (!id_matches(&sa->peer->conf, &m->idr)) {
		id_str(&m->idr, ids, sizeof(ids));
		sa->eng->stats.auth_failed++;
		return ike_fail_set(f, "AUTHENTICATION_FAILED: peer identity "
		    "%s is not the one configured", ids);
	}
	if (auth_check(sa, m, &m->idr, why, sizeof(why)) == -1) {
		sa->eng->stats.auth_failed++;
		return ike_fail_set(f, "AUTHENTICATION_FAILED: %s", why);
	}
	return 0;
}

int
ike_auth_child(struct ike_sa *sa, const struct ike_msg *m, struct ike_fail *f)
{
	struct ike_peer_conf *c = &sa->peer->conf;
	struct proposal_choice choice;
	char why[PROPOSAL_STR_MAX] = "";
	bool v4i, v6i, v4r, v6r;
	uint16_t err;

	if ((err = ike_msg_error(m)) != 0) {
		if (err == NO_PROPOSAL_CHOSEN)
			sa->eng->stats.no_proposal++;
		return ike_fail_set(f, "no CHILD SA: peer answered %s",
		    ike_notify_name(err));
	}
	if (!ike_msg_has(m, IKE_PL_SA) || !ike_msg_has(m, IKE_PL_TSi) ||
	    !ike_msg_has(m, IKE_PL_TSr))
		return ike_fail_set(f, "no CHILD SA: no SA or TS payloads");
	if (proposal_check_reply(&c->esp, &m->sa.props, PROPOSAL_SKIP_DH,
	    &choice, why, sizeof(why)) == -1 || choice.chosen.spi_size != 4)
		return ike_fail_set(f, "no CHILD SA: %s", why);
	/* The responder may narrow to one family (RFC 7296 2.9). */
	ike_ts_families(&m->tsi, &v4i, &v6i);
	ike_ts_families(&m->tsr, &v4r, &v6r);
	if (!(v4i && v4r) && !(v6i && v6r))
		return ike_fail_set(f, "no CHILD SA: peer's selectors are not "
		    "::/0 or 0.0.0.0/0");
	if (auth_child_make(sa, &choice, sa->pending_spi, v4i && v4r,
	    v6i && v6r) == -1)
		return ike_fail_set(f, "no CHILD SA: kernel refused the SAs");
	sa->pending_spi = 0;
	return 0;
}
