/* What each exchange does (RFC 7296 1.2-1.4): IKE_SA_INIT, IKE_AUTH with
 * the first CHILD SA, INFORMATIONAL. engine.c has already checked the
 * header, the SA, the message ID and the integrity of what arrives here. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ike/sa.h"
#include "ike/secret.h"
#include "util/addr.h"

const char *
ike_notify_name(uint16_t type)
{
	switch (type) {
	case UNSUPPORTED_CRITICAL_PAYLOAD: return "UNSUPPORTED_CRITICAL_PAYLOAD";
	case INVALID_IKE_SPI: return "INVALID_IKE_SPI";
	case INVALID_MAJOR_VERSION: return "INVALID_MAJOR_VERSION";
	case INVALID_SYNTAX: return "INVALID_SYNTAX";
	case INVALID_MESSAGE_ID: return "INVALID_MESSAGE_ID";
	case INVALID_SPI: return "INVALID_SPI";
	case NO_PROPOSAL_CHOSEN: return "NO_PROPOSAL_CHOSEN";
	case INVALID_KE_PAYLOAD: return "INVALID_KE_PAYLOAD";
	case AUTHENTICATION_FAILED: return "AUTHENTICATION_FAILED";
	case SINGLE_PAIR_REQUIRED: return "SINGLE_PAIR_REQUIRED";
	case NO_ADDITIONAL_SAS: return "NO_ADDITIONAL_SAS";
	case INTERNAL_ADDRESS_FAILURE: return "INTERNAL_ADDRESS_FAILURE";
	case FAILED_CP_REQUIRED: return "FAILED_CP_REQUIRED";
	case TS_UNACCEPTABLE: return "TS_UNACCEPTABLE";
	case INVALID_SELECTORS: return "INVALID_SELECTORS";
	case TEMPORARY_FAILURE: return "TEMPORARY_FAILURE";
	case CHILD_SA_NOT_FOUND: return "CHILD_SA_NOT_FOUND";
	}
	return "error notify";
}

/* The first error notify of a message, or 0. */
uint16_t
ike_msg_error(const struct ike_msg *m)
{
	size_t i;

	for (i = 0; i < m->n_notify; i++)
		if (ike_notify_is_error(m->notify[i].type))
			return m->notify[i].type;
	return 0;
}

/* NAT_DETECTION_*_IP data: SHA-1(SPIi | SPIr | IP | port), RFC 7296 2.23. */
static int
nat_hash(uint64_t ispi, uint64_t rspi, const struct sockaddr_storage *a,
    uint8_t out[IKE_NAT_HASH_LEN])
{
	uint8_t buf[8 + 8 + 16 + 2];
	const uint8_t *ip;
	size_t n = 16, iplen;
	unsigned int olen;

	ike_put64(ispi, buf);
	ike_put64(rspi, buf + 8);
	if ((ip = addr_octets(a, &iplen)) == NULL)
		return -1;
	memcpy(buf + n, ip, iplen);
	n += iplen;
	buf[n++] = (uint8_t)(addr_port(a) >> 8);
	buf[n++] = (uint8_t)addr_port(a);
	return EVP_Digest(buf, n, out, &olen, EVP_sha1(), NULL) == 1 ? 0 : -1;
}

/* Both NAT_DETECTION notifies; skipped when we do not know our own
 * address (no local address configured, kernel picks): the peer would
 * see a NAT that is not there. */
static void
nat_encode(struct ike_sa *sa, struct ike_out *o)
{
	uint8_t h[IKE_NAT_HASH_LEN];

	if (addr_is_unspec(&sa->local))
		return;
	if (nat_hash(sa->ispi, sa->rspi, &sa->local, h) == 0)
		ike_msg_encode_notify(&o->e, 0, NULL, 0,
		    NAT_DETECTION_SOURCE_IP, h, sizeof(h));
	if (nat_hash(sa->ispi, sa->rspi, &sa->remote, h) == 0)
		ike_msg_encode_notify(&o->e, 0, NULL, 0,
		    NAT_DETECTION_DESTINATION_IP, h, sizeof(h));
}

/* RFC 7296 2.23: compare the peer's NAT_DETECTION hashes with what we see;
 * behind a NAT, IKE moves to port 4500 and ESP is UDP-encapsulated. */
static void
nat_check(struct ike_sa *sa, const struct ike_msg *m)
{
	uint8_t h[IKE_NAT_HASH_LEN];
	bool have_src = false, src_ok = false, dst_ok = false, have_dst = false;
	size_t i;

	for (i = 0; i < m->n_notify; i++) {
		const struct ike_pl_notify *n = &m->notify[i];

		if (n->type == NAT_DETECTION_SOURCE_IP) {
			have_src = true;
			if (n->len == sizeof(h) &&
			    nat_hash(m->hdr.ispi, m->hdr.rspi, &sa->remote,
			    h) == 0 && memcmp(h, n->data, sizeof(h)) == 0)
				src_ok = true;
		} else if (n->type == NAT_DETECTION_DESTINATION_IP) {
			have_dst = true;
			if (n->len == sizeof(h) &&
			    nat_hash(m->hdr.ispi, m->hdr.rspi, &sa->local,
			    h) == 0 && memcmp(h, n->data, sizeof(h)) == 0)
				dst_ok = true;
		}
	}
	if (!have_src || !have_dst || (src_ok && dst_ok))
		return;
	log_msg(LOG_NOTICE, sa->logp, "NAT detected (%s), using port %u",
	    !dst_ok ? "in front of us" : "in front of the peer",
	    IKE_NATT_PORT);
	sa->natt = true;
	if (sa->initiator) {
		addr_set_port(&sa->local, IKE_NATT_PORT);
		addr_set_port(&sa->remote, IKE_NATT_PORT);
	}
}

/* SKEYSEED and the SK_* keys from the peer's KE (RFC 7296 2.14). */
static int
sa_derive(struct ike_sa *sa, const struct ike_pl_ke *ke)
{
	struct ike_chunk gir = { NULL, 0 };
	struct ike_key_seed ks;
	uint8_t si[8], sr[8];
	enum ike_dir out = sa->initiator ? IKE_DIR_I2R : IKE_DIR_R2I;
	enum ike_dir in = sa->initiator ? IKE_DIR_R2I : IKE_DIR_I2R;
	int rc = -1;

	if (ike_crypto_resolve(&sa->choice.suite, &sa->algs) == -1)
		goto done;
	if (ike_dh_derive(&sa->dh, ke->data, ke->len, &gir) == -1)
		goto done;
	ike_put64(sa->ispi, si);
	ike_put64(sa->rspi, sr);
	ks.ni.ptr = sa->ni;
	ks.ni.len = sa->ni_len;
	ks.nr.ptr = sa->nr;
	ks.nr.len = sa->nr_len;
	ks.gir.ptr = gir.ptr;
	ks.gir.len = gir.len;
	ks.spi_i = si;
	ks.spi_r = sr;
	if (ike_keys_ike_sa(&sa->algs, NULL, &ks, &sa->keys) == -1)
		goto done;
	if (ike_keys_sk_ctx(&sa->keys, &sa->algs, out, &sa->sk_out) == -1 ||
	    ike_keys_sk_ctx(&sa->keys, &sa->algs, in, &sa->sk_in) == -1)
		goto done;
	sa->have_keys = true;
	rc = 0;
done:
	ike_chunk_free(&gir);
	/* The private value is of no further use: free it now. */
	ike_dh_free(&sa->dh);
	return rc;
}

static uint8_t *
copy_bytes(const uint8_t *p, size_t len)
{
	uint8_t *c = malloc(len);

	if (c != NULL)
		memcpy(c, p, len);
	return c;
}

static int
init_send(struct ike_sa *sa)
{
	struct ike_peer_conf *c = &sa->peer->conf;
	struct ike_proposal_list offer;
	uint8_t pub[IKE_DH_PUB_MAX];
	struct ike_out o;
	size_t publen = sa->dh.group->pub_len;

	if (ike_dh_public(&sa->dh, pub, publen) == -1)
		return -1;
	proposal_conf_offer(&c->ike, 0, &offer);
	ike_out_begin(sa, &o, IKE_SA_INIT, false, 0, false);
	/* RFC 7296 2.6: the COOKIE notify comes first. */
	if (sa->cookie_len > 0)
		ike_msg_encode_notify(&o.e, 0, NULL, 0, COOKIE, sa->cookie,
		    sa->cookie_len);
	ike_msg_encode_sa(&o.e, &offer);
	ike_msg_encode_ke(&o.e, sa->dh.group->id, pub, publen);
	ike_msg_encode_nonce(&o.e, sa->ni, sa->ni_len);
	nat_encode(sa, &o);
	if (ike_sa_request(sa, &o, IKE_SA_INIT) == -1)
		return -1;
	free(sa->init_req);
	sa->init_req = copy_bytes(sa->req.buf, sa->req.len);
	sa->init_req_len = sa->req.len;
	return sa->init_req != NULL ? 0 : -1;
}

/* IKE_SA_INIT: HDR, SAi1, KEi, Ni, [N(NAT_DETECTION_*)] --> */
int
ike_init_start(struct ike_sa *sa)
{
	uint16_t group = proposal_conf_first_dh(&sa->peer->conf.ike);

	sa->msgid_next = 1;
	sa->ni_len = IKE_NONCE_LEN;
	if (ike_random(sa->ni, sa->ni_len) == -1 ||
	    ike_dh_generate(&sa->dh, group) == -1)
		return -1;
	return init_send(sa);
}

void
ike_init_notify(struct ike_engine *eng, const struct sockaddr_storage *local,
    const struct sockaddr_storage *remote, bool natt,
    const struct ike_hdr *req, uint16_t type, const void *data, size_t len)
{
	uint8_t buf[256];
	struct ike_hdr hdr;
	struct ike_enc e;
	struct wbuf w;
	long n;

	memset(&hdr, 0, sizeof(hdr));
	hdr.ispi = req->ispi;
	hdr.exchange = IKE_SA_INIT;
	hdr.flags = IKE_FLAG_RESPONSE;
	wbuf_init(&w, buf, sizeof(buf));
	ike_msg_encode_init(&e, &w, &hdr);
	ike_msg_encode_notify(&e, 0, NULL, 0, type, data, len);
	if ((n = ike_msg_encode_finish(&e, NULL)) > 0)
		eng->ops.send(eng->ops.ctx, local, remote, natt, buf, (size_t)n);
}

/* <-- HDR, SAr1, KEr, Nr, [N(NAT_DETECTION_*)]
 * or  <-- HDR, N(COOKIE) | N(INVALID_KE_PAYLOAD) | N(error) */
void
ike_init_response(struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_peer_conf *c = &sa->peer->conf;
	const struct ike_pl_notify *n;
	char why[PROPOSAL_STR_MAX];
	uint16_t err, group;

	if ((n = ike_msg_notify(m, COOKIE)) != NULL) {
		/* RFC 7296 2.6: resend the same request with the cookie. */
		if (n->len == 0 || n->len > sizeof(sa->cookie) ||
		    sa->cookie_len > 0) {
			ike_sa_fail(sa, "peer sent an unusable COOKIE");
			return;
		}
		memcpy(sa->cookie, n->data, n->len);
		sa->cookie_len = n->len;
		log_msg(LOG_INFO, sa->logp, "peer asked for a COOKIE, resending");
		if (init_send(sa) == -1)
			ike_sa_fail(sa, "cannot resend IKE_SA_INIT");
		return;
	}
	if ((n = ike_msg_notify(m, INVALID_KE_PAYLOAD)) != NULL) {
		/* RFC 7296 1.2: retry with the group the responder wants, if
		 * we accept it; the same SPI and nonce do. */
		group = n->len == 2 ? (uint16_t)(n->data[0] << 8 | n->data[1])
		    : 0;
		if (group == sa->dh.group->id) {
			/* It refuses the very group it asks for: its side
			 * cannot compute it (a crypto plugin missing), which
			 * no retry at our back-off's pace will mend. */
			sa->peer->hold_down = true;
			ike_sa_fail(sa, "peer refused our DH group %u (%s) "
			    "yet asks for it: its crypto backend likely "
			    "lacks that group", group, sa->dh.group->name);
			return;
		}
		if (++sa->invalid_ke > IKE_INVALID_KE_MAX ||
		    !proposal_conf_dh_ok(&c->ike, group)) {
			ike_sa_fail(sa, "peer wants DH group %u, which we do "
			    "not accept", group);
			return;
		}
		log_msg(LOG_INFO, sa->logp, "peer wants DH group %u, retrying",
		    group);
		ike_dh_free(&sa->dh);
		if (ike_dh_generate(&sa->dh, group) == -1 ||
		    init_send(sa) == -1)
			ike_sa_fail(sa, "cannot resend IKE_SA_INIT");
		return;
	}
	if ((err = ike_msg_error(m)) != 0) {
		if (err == NO_PROPOSAL_CHOSEN)
			sa->eng->stats.no_proposal++;
		ike_sa_fail(sa, "peer answered IKE_SA_INIT with %s%s",
		    ike_notify_name(err), err == NO_PROPOSAL_CHOSEN ?
		    ": no common IKE proposal" : "");
		return;
	}
	if (!ike_msg_has(m, IKE_PL_SA) || !ike_msg_has(m, IKE_PL_KE) ||
	    !ike_msg_has(m, IKE_PL_NONCE) || m->hdr.rspi == 0) {
		ike_sa_fail(sa, "IKE_SA_INIT response lacks SA, KE or Nonce");
		return;
	}
	if (proposal_check_reply(&c->ike, &m->sa.props, 0, &sa->choice, why,
	    sizeof(why)) == -1) {
		ike_sa_fail(sa, "IKE_SA_INIT response: %s", why);
		return;
	}
	if (m->ke.group != sa->dh.group->id ||
	    sa->choice.suite.dh != sa->dh.group->id) {
		ike_sa_fail(sa, "IKE_SA_INIT response: KE group %u, we sent %u",
		    m->ke.group, sa->dh.group->id);
		return;
	}
	ike_sa_set_rspi(sa, m->hdr.rspi);
	memcpy(sa->nr, m->nonce.data, m->nonce.len);
	sa->nr_len = m->nonce.len;
	free(sa->init_resp);
	if ((sa->init_resp = copy_bytes(m->data, m->len)) == NULL) {
		ike_sa_fail(sa, "out of memory");
		return;
	}
	sa->init_resp_len = m->len;
	if (sa_derive(sa, &m->ke) == -1) {
		ike_sa_fail(sa, "IKE_SA_INIT response: unusable KE payload");
		return;
	}
	nat_check(sa, m);
	if (ike_auth_start(sa) == -1)
		ike_sa_fail(sa, "cannot send IKE_AUTH");
}

/* HDR, SAi1, KEi, Ni -->
 *                        <-- HDR, SAr1, KEr, Nr, [N(NAT_DETECTION_*)] */
void
ike_init_request(struct ike_engine *eng, struct ike_peer *peer,
    const struct sockaddr_storage *local, const struct sockaddr_storage *remote,
    const struct ike_msg *m)
{
	struct proposal_choice choice;
	struct ike_proposal_list reply;
	uint8_t pub[IKE_DH_PUB_MAX];
	char why[PROPOSAL_STR_MAX];
	struct ike_out o;
	struct ike_sa *sa;
	uint8_t grp[2];
	size_t publen;

	if (!ike_msg_has(m, IKE_PL_SA) || !ike_msg_has(m, IKE_PL_KE) ||
	    !ike_msg_has(m, IKE_PL_NONCE)) {
		eng->stats.rx_invalid++;
		log_msg_rl(&peer->rl, LOG_INFO, peer->conf.name,
		    "IKE_SA_INIT request lacks SA, KE or Nonce, dropped");
		return;
	}
	if (proposal_select(&peer->conf.ike, &m->sa.props, 0, m->ke.group,
	    &choice, why, sizeof(why)) == -1) {
		eng->stats.no_proposal++;
		log_msg_rl(&peer->rl, LOG_WARNING, peer->conf.name,
		    "NO_PROPOSAL_CHOSEN for IKE SA: %s", why);
		ike_init_notify(eng, local, remote, false, &m->hdr,
		    NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	if (choice.suite.dh != m->ke.group) {
		/* RFC 7296 1.2: stateless, tell the group we want. */
		grp[0] = (uint8_t)(choice.suite.dh >> 8);
		grp[1] = (uint8_t)choice.suite.dh;
		log_msg_rl(&peer->rl, LOG_INFO, peer->conf.name,
		    "KE for group %u, asking for group %u", m->ke.group,
		    choice.suite.dh);
		ike_init_notify(eng, local, remote, false, &m->hdr,
		    INVALID_KE_PAYLOAD, grp, sizeof(grp));
		return;
	}
	if ((sa = ike_sa_new(eng, peer, false, local, remote)) == NULL)
		return;
	sa->ispi = m->hdr.ispi;
	sa->choice = choice;
	memcpy(sa->ni, m->nonce.data, m->nonce.len);
	sa->ni_len = m->nonce.len;
	sa->nr_len = IKE_NONCE_LEN;
	sa->msgid_peer = 0;
	if ((sa->init_req = copy_bytes(m->data, m->len)) == NULL ||
	    ike_random(sa->nr, sa->nr_len) == -1 ||
	    ike_dh_generate(&sa->dh, choice.suite.dh) == -1 ||
	    ike_dh_public(&sa->dh, pub, sa->dh.group->pub_len) == -1) {
		ike_sa_destroy(sa, "cannot create IKE SA");
		return;
	}
	sa->init_req_len = m->len;
	publen = sa->dh.group->pub_len;
	if (sa_derive(sa, &m->ke) == -1) {
		/* RFC 6989 2: an invalid public value is INVALID_SYNTAX. */
		eng->stats.rx_invalid++;
		ike_init_notify(eng, local, remote, false, &m->hdr,
		    INVALID_SYNTAX, NULL, 0);
		ike_sa_destroy(sa, "peer's KE payload is invalid");
		return;
	}
	if (peer->sa == NULL)
		peer->sa = sa;
	nat_check(sa, m);

	memset(&reply, 0, sizeof(reply));
	reply.n = 1;
	reply.p[0] = choice.chosen;
	reply.p[0].spi_size = 0;
	ike_out_begin(sa, &o, IKE_SA_INIT, true, 0, false);
	ike_msg_encode_sa(&o.e, &reply);
	ike_msg_encode_ke(&o.e, choice.suite.dh, pub, publen);
	ike_msg_encode_nonce(&o.e, sa->nr, sa->nr_len);
	nat_encode(sa, &o);
	if (ike_out_send(sa, &o) == -1 || sa->resp == NULL ||
	    (sa->init_resp = copy_bytes(sa->resp, sa->resp_len)) == NULL) {
		ike_sa_destroy(sa, "cannot answer IKE_SA_INIT");
		return;
	}
	sa->init_resp_len = sa->resp_len;
	log_msg(LOG_INFO, sa->logp, "IKE_SA_INIT answered, waiting for "
	    "IKE_AUTH");
}

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
	else if (id->type == ID_FQDN || id->type == ID_RFC822_ADDR) {
		n = id->len < len - 1 ? id->len : len - 1;
		for (i = 0; i < n; i++)
			buf[i] = id->data[i] >= 0x20 && id->data[i] < 0x7f ?
			    (char)id->data[i] : '?';
		buf[n] = '\0';
	} else
		snprintf(buf, len, "type %u, %zu bytes", id->type, id->len);
}

/* The two traffic selectors of a route-based tunnel: everything. */
size_t
ike_ts_all(struct ike_ts ts[2], bool v4, bool v6)
{
	size_t n = 0;

	memset(ts, 0, 2 * sizeof(*ts));
	if (v6) {
		ts[n].type = TS_IPV6_ADDR_RANGE;
		ts[n].eport = 65535;
		memset(ts[n].end, 0xff, 16);
		n++;
	}
	if (v4) {
		ts[n].type = TS_IPV4_ADDR_RANGE;
		ts[n].eport = 65535;
		memset(ts[n].end, 0xff, 4);
		n++;
	}
	return n;
}

/* Which families a TS payload covers whole (all addresses, protocols and
 * ports). A narrower selector is ignored: the kernel policies are ::/0 and
 * 0.0.0.0/0 and routing decides; a TSi that starts with the packet that
 * triggered the peer (RFC 7296 2.9) is fine since its wide selectors
 * follow. */
void
ike_ts_families(const struct ike_pl_ts *p, bool *v4, bool *v6)
{
	static const uint8_t zero[16];
	static const uint8_t ones[16] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	size_t i, alen;

	*v4 = *v6 = false;
	for (i = 0; i < p->n; i++) {
		const struct ike_ts *t = &p->ts[i];

		if (t->proto != 0 || t->sport != 0 || t->eport != 65535)
			continue;
		alen = t->type == TS_IPV4_ADDR_RANGE ? 4 : 16;
		if (memcmp(t->start, zero, alen) != 0 ||
		    memcmp(t->end, ones, alen) != 0)
			continue;
		if (t->type == TS_IPV4_ADDR_RANGE)
			*v4 = true;
		else
			*v6 = true;
	}
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

/* Our AUTH: prf(prf(PSK, "Key Pad for IKEv2"), <our first message> |
 * <peer's nonce> | prf(SK_p, our ID body)), RFC 7296 2.15. */
static int
auth_compute(struct ike_sa *sa, uint8_t *auth)
{
	struct ike_peer_conf *c = &sa->peer->conf;
	struct ike_auth_input in;
	uint8_t body[4 + IKE_ID_MAX];
	size_t blen = id_body(c->local_id_type, c->local_id, c->local_id_len,
	    body);

	auth_input(sa, sa->initiator, body, blen, &in);
	return ike_keys_psk_auth(sa->algs.prf, &in, auth);
}

/* The peer's AUTH, over its ID body as it sent it. */
static int
auth_verify(struct ike_sa *sa, const struct ike_pl_id *id,
    const struct ike_pl_auth *auth)
{
	struct ike_auth_input in;

	if (auth->method != AUTH_SHARED_KEY_MIC)
		return -1;
	auth_input(sa, !sa->initiator, id->body, id->body_len, &in);
	return ike_keys_psk_verify(sa->algs.prf, &in, auth->data, auth->len);
}

/* IKE_AUTH: HDR, SK {IDi, AUTH, [N(INITIAL_CONTACT)], SAi2, TSi, TSr} --> */
int
ike_auth_start(struct ike_sa *sa)
{
	struct ike_engine *eng = sa->eng;
	struct ike_peer *peer = sa->peer;
	struct ike_proposal_list offer;
	uint8_t auth[IKE_PRF_OUT_MAX];
	struct ike_ts ts[2];
	struct ike_out o;
	size_t i, nts;
	int rc;

	if (eng->ops.spi_alloc(eng->ops.ctx, &peer->conf,
	    &sa->pending_spi) != 0)
		return -1;
	if (auth_compute(sa, auth) == -1)
		return -1;
	proposal_conf_offer(&peer->conf.esp, PROPOSAL_SKIP_DH, &offer);
	for (i = 0; i < offer.n; i++) {
		offer.p[i].spi_size = 4;
		ike_put32(sa->pending_spi, offer.p[i].spi);
	}
	nts = ike_ts_all(ts, true, true);
	ike_out_begin(sa, &o, IKE_AUTH, false, sa->msgid_next, true);
	encode_our_id(sa, &o, IKE_PL_IDi);
	ike_msg_encode_auth(&o.e, AUTH_SHARED_KEY_MIC, auth,
	    sa->algs.prf->out_len);
	/* RFC 7296 2.4: our first IKE SA with this peer since we started;
	 * the peer drops whatever it still holds from our previous life. */
	if (!peer->contacted)
		ike_msg_encode_notify(&o.e, 0, NULL, 0, INITIAL_CONTACT, NULL,
		    0);
	ike_msg_encode_sa(&o.e, &offer);
	ike_msg_encode_ts(&o.e, IKE_PL_TSi, ts, nts);
	ike_msg_encode_ts(&o.e, IKE_PL_TSr, ts, nts);
	rc = ike_sa_request(sa, &o, IKE_AUTH);
	OPENSSL_cleanse(auth, sizeof(auth));
	if (rc == 0)
		sa->state = SA_AUTH_SENT;
	return rc;
}

/* The first CHILD SA, keyed with the IKE_SA_INIT nonces (no PFS). */
static int
auth_child_make(struct ike_sa *sa, const struct proposal_choice *choice,
    uint32_t spi_in, bool v4, bool v6, bool we_init)
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
	cs.we_init = we_init;
	return ike_child_make(sa, &sa->child, &cs);
}

/* RFC 7296 2.4: the peer restarted; what we hold from it is stale. */
static void
initial_contact(struct ike_sa *sa)
{
	struct ike_sa *o, *next;

	for (o = sa->eng->sas; o != NULL; o = next) {
		next = o->next;
		/* A peer that sends INITIAL_CONTACT holds no SA it initiated
		 * itself: those we hold are leftovers (one it gave up on, or
		 * from before its restart). Of ours, only those from before
		 * this one began: one that came up meanwhile is a crossing,
		 * not a leftover (2.8.1 decides). */
		if (o != sa && o->peer == sa->peer &&
		    o->state == SA_ESTABLISHED && !o->replaced &&
		    (!o->initiator || o->established < sa->created)) {
			if (o->peer->sa == o)
				o->peer->sa = sa;
			ike_sa_destroy(o, "peer restarted (INITIAL_CONTACT), "
			    "stale IKE SA removed");
		}
	}
}

static void
auth_respond_error(struct ike_sa *sa, uint16_t type)
{
	struct ike_out o;

	ike_out_begin(sa, &o, IKE_AUTH, true, sa->msgid_peer, true);
	ike_msg_encode_notify(&o.e, 0, NULL, 0, type, NULL, 0);
	ike_out_send(sa, &o);
}

/*                 <-- HDR, SK {IDr, AUTH, SAr2, TSi, TSr}
 * or              <-- HDR, SK {N(AUTHENTICATION_FAILED)}
 * or              <-- HDR, SK {IDr, AUTH, N(error for the CHILD SA)} */
void
ike_auth_request(struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_engine *eng = sa->eng;
	struct ike_peer *peer = sa->peer;
	struct ike_peer_conf *c = &peer->conf;
	struct proposal_choice choice;
	struct ike_proposal_list reply;
	uint8_t auth[IKE_PRF_OUT_MAX];
	char why[PROPOSAL_STR_MAX], ids[128];
	struct ike_ts ts[2];
	struct ike_out o;
	uint16_t child_err = 0;
	uint32_t spi_in = 0;
	bool v4i, v6i, v4r, v6r, v4 = false, v6 = false;
	size_t nts = 0;

	if (!ike_msg_has(m, IKE_PL_IDi) || !ike_msg_has(m, IKE_PL_AUTH)) {
		auth_respond_error(sa, INVALID_SYNTAX);
		ike_sa_fail(sa, "IKE_AUTH request lacks IDi or AUTH");
		return;
	}
	if (!id_matches(c, &m->idi)) {
		id_str(&m->idi, ids, sizeof(ids));
		eng->stats.auth_failed++;
		auth_respond_error(sa, AUTHENTICATION_FAILED);
		ike_sa_fail(sa, "AUTHENTICATION_FAILED: peer identity %s is "
		    "not the one configured", ids);
		return;
	}
	if (auth_verify(sa, &m->idi, &m->auth) == -1) {
		eng->stats.auth_failed++;
		auth_respond_error(sa, AUTHENTICATION_FAILED);
		ike_sa_fail(sa, "AUTHENTICATION_FAILED: peer's AUTH does not "
		    "match our PSK (method %u)", m->auth.method);
		return;
	}
	if (auth_compute(sa, auth) == -1) {
		ike_sa_fail(sa, "cannot compute AUTH");
		return;
	}
	if (ike_msg_notify(m, INITIAL_CONTACT) != NULL)
		initial_contact(sa);
	ike_sa_established(sa);
	peer->contacted = true;

	/* The CHILD SA: its failure leaves the IKE SA up (RFC 7296 1.2). */
	if (!ike_msg_has(m, IKE_PL_SA) || !ike_msg_has(m, IKE_PL_TSi) ||
	    !ike_msg_has(m, IKE_PL_TSr)) {
		child_err = NO_PROPOSAL_CHOSEN;
		snprintf(why, sizeof(why), "no SA or TS payloads");
	} else if (proposal_select(&c->esp, &m->sa.props, PROPOSAL_SKIP_DH, 0,
	    &choice, why, sizeof(why)) == -1) {
		child_err = NO_PROPOSAL_CHOSEN;
	} else {
		ike_ts_families(&m->tsi, &v4i, &v6i);
		ike_ts_families(&m->tsr, &v4r, &v6r);
		v4 = v4i && v4r;
		v6 = v6i && v6r;
		if (!v4 && !v6) {
			child_err = TS_UNACCEPTABLE;
			snprintf(why, sizeof(why), "peer's selectors are not "
			    "::/0 or 0.0.0.0/0");
		} else if (choice.chosen.spi_size != 4) {
			child_err = NO_PROPOSAL_CHOSEN;
			snprintf(why, sizeof(why), "ESP proposal without SPI");
		} else if (eng->ops.spi_alloc(eng->ops.ctx, c, &spi_in) != 0 ||
		    auth_child_make(sa, &choice, spi_in, v4, v6, false) == -1) {
			child_err = NO_PROPOSAL_CHOSEN;
			snprintf(why, sizeof(why), "kernel refused the SAs");
			if (spi_in != 0)
				eng->ops.sa_del(eng->ops.ctx, c, &sa->local,
				    spi_in);
		}
	}
	if (child_err != 0) {
		if (child_err == NO_PROPOSAL_CHOSEN)
			eng->stats.no_proposal++;
		log_msg(LOG_WARNING, sa->logp, "no CHILD SA: %s: %s",
		    ike_notify_name(child_err), why);
		snprintf(peer->last_error, sizeof(peer->last_error),
		    "CHILD SA: %s: %.120s", ike_notify_name(child_err), why);
	}

	ike_out_begin(sa, &o, IKE_AUTH, true, sa->msgid_peer, true);
	encode_our_id(sa, &o, IKE_PL_IDr);
	ike_msg_encode_auth(&o.e, AUTH_SHARED_KEY_MIC, auth,
	    sa->algs.prf->out_len);
	OPENSSL_cleanse(auth, sizeof(auth));
	if (child_err != 0) {
		ike_msg_encode_notify(&o.e, 0, NULL, 0, child_err, NULL, 0);
	} else {
		memset(&reply, 0, sizeof(reply));
		reply.n = 1;
		reply.p[0] = choice.chosen;
		ike_put32(spi_in, reply.p[0].spi);
		nts = ike_ts_all(ts, v4, v6);
		ike_msg_encode_sa(&o.e, &reply);
		ike_msg_encode_ts(&o.e, IKE_PL_TSi, ts, nts);
		ike_msg_encode_ts(&o.e, IKE_PL_TSr, ts, nts);
	}
	ike_out_send(sa, &o);
	ike_sa_timers_start(sa);
	ike_sa_resolve_crossing(sa);
}

/* <-- HDR, SK {IDr, AUTH, SAr2, TSi, TSr}, or an error */
void
ike_auth_response(struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_engine *eng = sa->eng;
	struct ike_peer *peer = sa->peer;
	struct ike_peer_conf *c = &peer->conf;
	struct proposal_choice choice;
	char why[PROPOSAL_STR_MAX], ids[128];
	uint32_t spi_in;
	uint16_t err;
	bool v4i, v6i, v4r, v6r;

	if (ike_msg_notify(m, AUTHENTICATION_FAILED) != NULL) {
		eng->stats.auth_failed++;
		ike_sa_fail(sa, "AUTHENTICATION_FAILED: peer rejected our "
		    "AUTH (check the PSK and identities on both ends)");
		return;
	}
	if (!ike_msg_has(m, IKE_PL_IDr) || !ike_msg_has(m, IKE_PL_AUTH)) {
		err = ike_msg_error(m);
		ike_sa_fail(sa, "peer answered IKE_AUTH with %s",
		    err != 0 ? ike_notify_name(err) : "no IDr or AUTH");
		return;
	}
	if (!id_matches(c, &m->idr)) {
		id_str(&m->idr, ids, sizeof(ids));
		eng->stats.auth_failed++;
		ike_sa_fail(sa, "AUTHENTICATION_FAILED: peer identity %s is "
		    "not the one configured", ids);
		return;
	}
	if (auth_verify(sa, &m->idr, &m->auth) == -1) {
		eng->stats.auth_failed++;
		ike_sa_fail(sa, "AUTHENTICATION_FAILED: peer's AUTH does not "
		    "match our PSK");
		return;
	}
	ike_sa_established(sa);
	peer->contacted = true;

	spi_in = sa->pending_spi;
	if ((err = ike_msg_error(m)) != 0) {
		snprintf(why, sizeof(why), "peer answered %s",
		    ike_notify_name(err));
		if (err == NO_PROPOSAL_CHOSEN)
			eng->stats.no_proposal++;
		goto fail;
	}
	if (!ike_msg_has(m, IKE_PL_SA) || !ike_msg_has(m, IKE_PL_TSi) ||
	    !ike_msg_has(m, IKE_PL_TSr)) {
		snprintf(why, sizeof(why), "no SA or TS payloads");
		goto fail;
	}
	if (proposal_check_reply(&c->esp, &m->sa.props, PROPOSAL_SKIP_DH,
	    &choice, why, sizeof(why)) == -1 || choice.chosen.spi_size != 4)
		goto fail;
	/* The responder may narrow to one family (RFC 7296 2.9). */
	ike_ts_families(&m->tsi, &v4i, &v6i);
	ike_ts_families(&m->tsr, &v4r, &v6r);
	if (!(v4i && v4r) && !(v6i && v6r)) {
		snprintf(why, sizeof(why), "peer's selectors are not ::/0 or "
		    "0.0.0.0/0");
		goto fail;
	}
	if (auth_child_make(sa, &choice, spi_in, v4i && v4r, v6i && v6r,
	    true) == -1) {
		snprintf(why, sizeof(why), "kernel refused the SAs");
		goto fail;
	}
	sa->pending_spi = 0;
	ike_sa_timers_start(sa);
	ike_sa_resolve_crossing(sa);
	return;
fail:
	/* An IKE SA without its tunnel is of no use to a route-based VPN:
	 * delete it and let the retry logic start over. */
	ike_sa_send_delete(sa);
	ike_sa_fail(sa, "no CHILD SA: %s", why);
}

/* The peer deleted the CHILD SA whose outbound SPI (its inbound) is spi;
 * returns our inbound SPI of it for the answer's Delete, 0 if unknown. */
static uint32_t
info_delete_child(struct ike_sa *sa, uint32_t spi, bool *closed)
{
	struct ike_engine *eng = sa->eng;
	uint32_t ours;

	if (sa->child.installed && spi == sa->child.spi_out) {
		ours = sa->child.spi_in;
		if (sa->peer_new.installed) {
			/* The end of the peer's rekey (RFC 7296 1.3.3): its
			 * new SAs are in, ours now too; the old inbound
			 * drains. */
			ike_child_release_out(sa, &sa->peer_new);
			ike_child_drop_out(sa, &sa->child);
			ike_child_drop(sa, &sa->old);
			ike_child_move(&sa->old, &sa->child);
			ike_child_move(&sa->child, &sa->peer_new);
			ev_timer_stop(eng->loop, &sa->drain_timer);
			ev_timer_set(&sa->drain_timer, sa->peer->conf.drain, 0);
			ev_timer_start(eng->loop, &sa->drain_timer);
			sa->peer->child_rekeys++;
			log_msg(LOG_INFO, sa->logp, "CHILD SA rekeyed by peer, "
			    "SPIs %08x_i %08x_o", sa->child.spi_in,
			    sa->child.spi_out);
			ike_sa_rekey_schedule(sa, false);
			return ours;
		}
		ike_child_drop(sa, &sa->child);
		log_msg(LOG_NOTICE, sa->logp, "CHILD SA deleted by peer");
		*closed = true;
		return ours;
	}
	if (sa->old.installed && spi == sa->old.spi_out) {
		ours = sa->old.spi_in;
		ike_child_drop_out(sa, &sa->old);
		return ours;
	}
	if (sa->peer_new.installed && spi == sa->peer_new.spi_out) {
		/* The peer's side of a rekey collision lost (2.8.1). */
		ours = sa->peer_new.spi_in;
		ike_child_drop(sa, &sa->peer_new);
		return ours;
	}
	return 0;
}

/* INFORMATIONAL: HDR, SK {[N], [D], ...} -->   <-- HDR, SK {[D]}
 * An empty request is a liveness check, answered empty (RFC 7296 1.4). */
void
ike_info_request(struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_peer *peer = sa->peer;
	uint32_t ours[IKE_DELETE_MAX * 4], spi;
	struct ike_out o;
	size_t i, j, n = 0;
	bool closed = false;

	if (sa->state != SA_ESTABLISHED && sa->state != SA_DELETING &&
	    sa->state != SA_AUTH_SENT)
		return;
	for (i = 0; i < m->n_delete; i++) {
		const struct ike_pl_delete *d = &m->del[i];

		if (d->proto == IKE_PROTO_IKE) {
			ike_out_begin(sa, &o, INFORMATIONAL, true,
			    sa->msgid_peer, true);
			ike_out_send(sa, &o);
			if (sa->replaced) {
				ike_sa_destroy(sa, NULL);
				return;
			}
			ike_sa_destroy(sa, "IKE SA deleted by peer");
			ike_peer_closed(peer, false);
			return;
		}
		if (d->proto != IKE_PROTO_ESP)
			continue;
		for (j = 0; j < d->count && n < sizeof(ours) / sizeof(*ours);
		    j++) {
			spi = ike_pl_delete_spi(d, j);
			if ((spi = info_delete_child(sa, spi, &closed)) != 0)
				ours[n++] = spi;
		}
	}
	ike_out_begin(sa, &o, INFORMATIONAL, true, sa->msgid_peer, true);
	if (n > 0)
		ike_msg_encode_delete(&o.e, IKE_PROTO_ESP, ours, n);
	ike_out_send(sa, &o);
	ike_peer_policies_sync(peer);
	if (closed && sa->state == SA_ESTABLISHED && !sa->child.installed) {
		/* A tunnel without its CHILD SA: take the IKE SA down too;
		 * the start/route logic brings the whole tunnel back. */
		ike_sa_send_delete(sa);
		ike_sa_destroy(sa, "CHILD SA deleted by peer, IKE SA closed");
		ike_peer_closed(peer, false);
	}
}

/* <-- HDR, SK {[D]}: the answer to our DELETE or liveness check. */
void
ike_info_response(struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_engine *eng = sa->eng;

	if (sa->state == SA_DELETING) {
		ike_sa_destroy(sa, sa->replaced ? NULL : "IKE SA deleted");
		return;
	}
	if (sa->liveness) {
		sa->liveness = false;
		sa->peer->dpd_rtt = ev_now(eng->loop) - sa->req_sent;
		return;
	}
	/* The answer to our DELETE of a rekeyed CHILD SA: the peer sends on
	 * the new one now; what it sent before drains. */
	if (sa->old.in_on && !sa->old.out_on) {
		ev_timer_stop(eng->loop, &sa->drain_timer);
		ev_timer_set(&sa->drain_timer, sa->peer->conf.drain, 0);
		ev_timer_start(eng->loop, &sa->drain_timer);
	}
}

void
ike_sa_send_delete(struct ike_sa *sa)
{
	struct ike_out o;

	if (!sa->have_keys)
		return;
	ike_out_begin(sa, &o, INFORMATIONAL, false, sa->msgid_next++, true);
	ike_msg_encode_delete(&o.e, IKE_PROTO_IKE, NULL, 0);
	ike_out_send_once(sa, &o);
}
