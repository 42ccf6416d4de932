/* IKE_SA_INIT (RFC 7296 1.2), both roles: proposals, key exchange and
 * nonces, COOKIE and INVALID_KE_PAYLOAD retries, NAT detection (2.23),
 * and the SK_* keys (2.14).
 *
 *   HDR, SAi1, KEi, Ni, [N(NAT_DETECTION_*)], [V] -->
 *                   <-- HDR, SAr1, KEr, Nr, [N(NAT_DETECTION_*)], [V]
 *               or  <-- HDR, N(COOKIE) | N(INVALID_KE_PAYLOAD) | N(error)
 *
 * V is vtid's Vendor ID (vendor.h); the peer's is noted on the SA
 * (init_vtid), and trusted only once IKE_AUTH succeeded (sa.c).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ike/cpool.h"
#include "ike/exchange.h"
#include "ike/frag.h"
#include "ike/vendor.h"
#include "ike/wire.h"
#include "util/addr.h"

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
	/* encap = true: a source hash that matches nothing makes the peer
	 * see a NAT in front of us and encapsulate (RFC 7296 2.23 allows
	 * this "faking" to force ESP in UDP). */
	if (sa->peer->conf.force_encap)
		ike_random(h, sizeof(h));
	if (sa->peer->conf.force_encap ||
	    nat_hash(sa->ispi, sa->rspi, &sa->local, h) == 0)
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
	if (!have_src || !have_dst || (src_ok && dst_ok)) {
		if (!sa->peer->conf.force_encap)
			return;
		log_msg(LOG_INFO, sa->logp, "no NAT, ESP in UDP all the same "
		    "(encap)");
	} else if (sa->initiator)
		/* A responder's line is one anyone can trigger. */
		log_msg(LOG_NOTICE, sa->logp, "NAT detected (%s), using port "
		    "%u", !dst_ok ? "in front of us" : "in front of the peer",
		    IKE_NATT_PORT);
	else
		log_msg_rl(&sa->peer->rl_init, LOG_NOTICE, sa->logp, "NAT "
		    "detected (%s)", !dst_ok ? "in front of us" :
		    "in front of the peer");
	sa->natt = true;
	sa->nat_local = have_dst && !dst_ok;
	if (sa->initiator) {
		addr_set_port(&sa->local, IKE_NATT_PORT);
		addr_set_port(&sa->remote, IKE_NATT_PORT);
	}
}

/* vtid's Vendor ID, unless the engine is told to pass for another
 * implementation. */
static void
vendor_encode(struct ike_sa *sa, struct ike_out *o)
{
	if (!sa->eng->no_vendor_id)
		ike_vendor_encode(&o->e);
}

/* Whether the peer's IKE_SA_INIT says it is vtid, and with which rule:
 * a claim until IKE_AUTH proves it (sa.c, sa_established). */
static void
vendor_check(struct ike_sa *sa, const struct ike_msg *m)
{
	sa->init_vtid = sa->eng->no_vendor_id ? 0 : ike_vendor_vtid_rule(m);
}

/* Certificates (RFC 7427 4): the hashes we verify signatures with, and
 * in our answer the CAs we trust (CERTREQ, RFC 7296 3.7: SHA-1 of each
 * SubjectPublicKeyInfo), so that the peer picks its certificate. */
static void
certs_encode(struct ike_sa *sa, struct ike_out *o, bool response)
{
	static const uint8_t hashes[] = { 0, PKI_HASH_SHA256, 0,
	    PKI_HASH_SHA384, 0, PKI_HASH_SHA512, 0, PKI_HASH_IDENTITY };
	const struct ike_peer_conf *c = &sa->peer->conf;
	uint8_t req[1 + 8 * PKI_KEYID_LEN];
	size_t n;

	if (c->cred == NULL)
		return;
	if (response && c->ca != NULL && (n = pki_ca_keyids(c->ca, req + 1,
	    sizeof(req) - 1)) > 0) {
		req[0] = IKE_CERT_X509_SIG;
		ike_msg_encode_generic(&o->e, IKE_PL_CERTREQ, 0, req, 1 + n);
	}
	if (!sa->eng->no_sig_hashes)
		ike_msg_encode_notify(&o->e, 0, NULL, 0,
		    SIGNATURE_HASH_ALGORITHMS, hashes, sizeof(hashes));
}

/* The hashes the peer verifies our signatures with; none: RFC 7296's
 * own methods. */
static void
certs_check(struct ike_sa *sa, const struct ike_msg *m)
{
	const struct ike_pl_notify *n = ike_msg_notify(m,
	    SIGNATURE_HASH_ALGORITHMS);
	size_t i;
	unsigned h;

	sa->peer_hashes = 0;
	for (i = 0; n != NULL && i + 1 < n->len; i += 2) {
		h = (unsigned)n->data[i] << 8 | n->data[i + 1];
		if (h >= PKI_HASH_SHA256 && h <= PKI_HASH_IDENTITY)
			sa->peer_hashes |= PKI_HASH_BIT(h);
	}
}

/* ---- the key exchange, on the crypto pool (cpool.h) ----
 *
 * A job owns the key pair and the secret while it is out; the SA points
 * at it (sa->crypto) and takes no message meanwhile (transport.c). If the
 * SA goes first, ike_init_job_detach leaves the result to be freed. */
enum init_step {
	STEP_SEND,		/* initiator: key pair made, send IKE_SA_INIT */
	STEP_KEYS,		/* initiator: g^ir from the answer, keys */
	STEP_ANSWER,		/* responder: key pair and g^ir, answer */
	STEP_REKEY_PAIR,	/* an established SA's rekey: its key pair */
};

struct ike_crypto_job {
	struct ike_cjob	 job;
	struct ike_sa	*sa;		/* loop only */
	enum init_step	 step;
	ike_init_cb	 cb;
	uint16_t	 group;
	bool		 generate;	/* else dh holds the SA's pair */
	struct ike_dh	 dh;
	uint8_t		 pub[IKE_DH_PUB_MAX];
	uint8_t		 peer[IKE_DH_PUB_MAX];
	size_t		 peer_len;	/* 0: no g^ir */
	struct ike_chunk gir;
	int		 rc;
	struct ike_hdr	 hdr;		/* the request answered (responder) */
};

/* On a worker: the job's own memory only. */
static void
job_work(struct ike_cjob *j)
{
	struct ike_crypto_job *cj = (struct ike_crypto_job *)j;

	cj->rc = -1;
	if (cj->generate && (ike_dh_generate(&cj->dh, cj->group) == -1 ||
	    ike_dh_public(&cj->dh, cj->pub, cj->dh.group->pub_len) == -1))
		return;
	if (cj->peer_len > 0) {
		if (ike_dh_derive(&cj->dh, cj->peer, cj->peer_len,
		    &cj->gir) == -1)
			return;
		/* The private value is of no further use. */
		ike_dh_free(&cj->dh);
	}
	cj->rc = 0;
}

static void
job_free(struct ike_crypto_job *cj)
{
	ike_dh_free(&cj->dh);
	ike_chunk_free(&cj->gir);
	OPENSSL_cleanse(cj, sizeof(*cj));
	free(cj);
}

static void job_done(struct ike_cjob *);

static struct ike_crypto_job *
job_new(struct ike_sa *sa, enum init_step step, ike_init_cb cb)
{
	struct ike_crypto_job *cj = calloc(1, sizeof(*cj));

	if (cj == NULL)
		return NULL;
	cj->job.work = job_work;
	cj->job.done = job_done;
	/* A shared secret someone's IKE_AUTH waits for, or an established
	 * SA's rekey, before the key pairs of new setups (cpool.h). */
	cj->job.finishes = step == STEP_KEYS || step == STEP_REKEY_PAIR;
	cj->sa = sa;
	cj->step = step;
	cj->cb = cb;
	return cj;
}

/* The job goes in the SA's slot: in sa->crypto the SA takes nothing until
 * done (transport.c), in sa->keygen it goes on. With no worker, done runs
 * before this returns: the caller leaves sa alone afterwards. */
static void
job_submit(struct ike_crypto_job *cj, struct ike_crypto_job **slot)
{
	*slot = cj;
	cj->sa->eng->stats.crypto_jobs++;
	ike_cpool_submit(cj->sa->eng->pool, &cj->job);
}

void
ike_init_job_detach(struct ike_sa *sa)
{
	if (sa->crypto != NULL)
		sa->crypto->sa = NULL;
	if (sa->keygen != NULL)
		sa->keygen->sa = NULL;
	sa->crypto = sa->keygen = NULL;
}

/* Unlike the IKE_SA_INIT jobs, the SA keeps taking messages meanwhile:
 * nothing of it waits for the pair but the task that asked. */
int
ike_rekey_pair_start(struct ike_sa *sa, uint16_t group, ike_init_cb cb)
{
	struct ike_crypto_job *cj;

	if (sa->keygen != NULL || (cj = job_new(sa, STEP_REKEY_PAIR,
	    cb)) == NULL)
		return -1;
	cj->group = group;
	cj->generate = true;
	job_submit(cj, &sa->keygen);
	return 0;
}

/* The pair goes to sa->rekey.dh, where ike_rekey_*_start finds it. */
static void
rekey_pair_done(struct ike_sa *sa, struct ike_crypto_job *cj, bool cancelled)
{
	ike_init_cb cb = cj->cb;

	sa->keygen = NULL;
	if (!cancelled && cj->rc == 0 && sa->rekey.dh.group == NULL) {
		sa->rekey.dh = cj->dh;
		memset(&cj->dh, 0, sizeof(cj->dh));
	}
	job_free(cj);
	cb(sa, cancelled ? "shutting down" : NULL);
}

static int init_send(struct ike_sa *);
static void answer_send(struct ike_sa *, struct ike_crypto_job *);

static void
job_done(struct ike_cjob *j)
{
	struct ike_crypto_job *cj = (struct ike_crypto_job *)j;
	struct ike_sa *sa = cj->sa;
	ike_init_cb cb = cj->cb;
	const char *why = NULL;

	if (sa == NULL) {
		job_free(cj);
		return;
	}
	if (cj->step == STEP_REKEY_PAIR) {
		rekey_pair_done(sa, cj, j->cancelled);
		return;
	}
	sa->crypto = NULL;
	if (j->cancelled) {
		job_free(cj);
		cj = NULL;
		why = "shutting down";
	} else if (cj->step == STEP_SEND) {
		if (cj->rc == 0) {
			sa->dh = cj->dh;
			memset(&cj->dh, 0, sizeof(cj->dh));
		}
		if (cj->rc == -1 || init_send(sa) == -1)
			why = "cannot send IKE_SA_INIT";
	} else if (cj->step == STEP_KEYS) {
		if (cj->rc == -1 || ike_sa_keys_make(sa, NULL, &cj->gir) == -1)
			why = "IKE_SA_INIT response: unusable KE payload";
	} else if (cj->rc == -1) {
		/* RFC 6989 2: an invalid public value is INVALID_SYNTAX. */
		const struct ike_addrs to = { &sa->local, &sa->remote, false };

		sa->eng->stats.rx_invalid++;
		ike_out_init_notify(sa->eng, &to, &cj->hdr, INVALID_SYNTAX,
		    NULL, 0);
		why = "peer's KE payload is invalid";
	} else if (ike_sa_keys_make(sa, NULL, &cj->gir) == -1) {
		why = "cannot create IKE SA";
	} else {
		answer_send(sa, cj);
		if (sa->init_resp == NULL)
			why = "cannot answer IKE_SA_INIT";
	}
	if (cj != NULL)
		job_free(cj);
	cb(sa, why);
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
	ike_out_request(sa, &o, IKE_SA_INIT);
	/* RFC 7296 2.6: the COOKIE notify comes first. */
	if (sa->cookie_len > 0)
		ike_msg_encode_notify(&o.e, 0, NULL, 0, COOKIE, sa->cookie,
		    sa->cookie_len);
	ike_msg_encode_sa(&o.e, &offer);
	ike_msg_encode_ke(&o.e, sa->dh.group->id, pub, publen);
	ike_msg_encode_nonce(&o.e, sa->ni, sa->ni_len);
	nat_encode(sa, &o);
	ike_frag_init_encode(sa, &o);
	certs_encode(sa, &o, false);
	vendor_encode(sa, &o);
	if (ike_out_send_request(sa, &o, IKE_REQ_INIT) == -1)
		return -1;
	free(sa->init_req);
	sa->init_req = ike_copy_bytes(sa->req.buf, sa->req.len);
	sa->init_req_len = sa->req.len;
	return sa->init_req != NULL ? 0 : -1;
}

/* A key pair of the group on the pool, then IKE_SA_INIT out. */
static int
init_keygen(struct ike_sa *sa, uint16_t group, ike_init_cb cb)
{
	struct ike_crypto_job *cj;

	if (group == 0 || (cj = job_new(sa, STEP_SEND, cb)) == NULL)
		return -1;
	cj->group = group;
	cj->generate = true;
	job_submit(cj, &sa->crypto);
	return 0;
}

/* IKE_SA_INIT: HDR, SAi1, KEi, Ni, [N(NAT_DETECTION_*)], [V] --> */
int
ike_init_start(struct ike_sa *sa, ike_init_cb cb)
{
	sa->msgid_next = 1;
	sa->ni_len = IKE_NONCE_LEN;
	if (ike_random(sa->ni, sa->ni_len) == -1)
		return -1;
	return init_keygen(sa, proposal_conf_first_dh(&sa->peer->conf.ike),
	    cb);
}

/* RFC 7296 1.2: retry with the group the responder wants, if we accept
 * it; the same SPI and nonce do. */
static enum ike_init_result
init_invalid_ke(struct ike_sa *sa, const struct ike_pl_notify *n,
    struct ike_fail *f, ike_init_cb cb)
{
	uint16_t group = n->len == 2 ? (uint16_t)(n->data[0] << 8 |
	    n->data[1]) : 0;

	if (group == sa->dh.group->id) {
		/* It refuses the very group it asks for: its side cannot
		 * compute it (a crypto plugin missing), which no retry at
		 * our back-off's pace will mend. */
		f->hold_down = true;
		ike_fail_set(f, "peer refused our DH group %u (%s) yet asks "
		    "for it: its crypto backend likely lacks that group",
		    group, sa->dh.group->name);
		return IKE_INIT_FAILED;
	}
	if (++sa->invalid_ke > IKE_INVALID_KE_MAX ||
	    !proposal_conf_dh_ok(&sa->peer->conf.ike, group)) {
		ike_fail_set(f, "peer wants DH group %u, which we do not "
		    "accept", group);
		return IKE_INIT_FAILED;
	}
	log_msg(LOG_INFO, sa->logp, "peer wants DH group %u, retrying", group);
	ike_dh_free(&sa->dh);
	if (init_keygen(sa, group, cb) == -1) {
		ike_fail_set(f, "cannot resend IKE_SA_INIT");
		return IKE_INIT_FAILED;
	}
	return IKE_INIT_PENDING;
}

/* The responder's proposal, KE and nonce: the keys, on the pool. */
static int
init_accept(struct ike_sa *sa, const struct ike_msg *m, struct ike_fail *f,
    ike_init_cb cb)
{
	struct ike_crypto_job *cj;
	struct ike_peer_conf *c = &sa->peer->conf;
	char why[PROPOSAL_STR_MAX];
	uint16_t err;

	if ((err = ike_msg_error(m)) != 0) {
		if (err == NO_PROPOSAL_CHOSEN)
			sa->eng->stats.no_proposal++;
		return ike_fail_set(f, "peer answered IKE_SA_INIT with %s%s",
		    ike_notify_name(err), err == NO_PROPOSAL_CHOSEN ?
		    ": no common IKE proposal" : "");
	}
	if (!ike_msg_has(m, IKE_PL_SA) || !ike_msg_has(m, IKE_PL_KE) ||
	    !ike_msg_has(m, IKE_PL_NONCE) || m->hdr.rspi == 0)
		return ike_fail_set(f, "IKE_SA_INIT response lacks SA, KE or "
		    "Nonce");
	if (proposal_check_reply(&c->ike, &m->sa.props, 0, &sa->choice, why,
	    sizeof(why)) == -1)
		return ike_fail_set(f, "IKE_SA_INIT response: %s", why);
	if (m->ke.group != sa->dh.group->id ||
	    sa->choice.suite.dh != sa->dh.group->id)
		return ike_fail_set(f, "IKE_SA_INIT response: KE group %u, we "
		    "sent %u", m->ke.group, sa->dh.group->id);
	/* The initiator learns the responder's SPI from the answer. */
	sa->rspi = m->hdr.rspi;
	memcpy(sa->nr, m->nonce.data, m->nonce.len);
	sa->nr_len = m->nonce.len;
	free(sa->init_resp);
	if ((sa->init_resp = ike_copy_bytes(m->data, m->len)) == NULL)
		return ike_fail_set(f, "out of memory");
	sa->init_resp_len = m->len;
	if (m->ke.len > sizeof(cj->peer) || (cj = job_new(sa, STEP_KEYS,
	    cb)) == NULL)
		return ike_fail_set(f, "IKE_SA_INIT response: unusable KE "
		    "payload");
	nat_check(sa, m);
	ike_frag_init_check(sa, m);
	certs_check(sa, m);
	vendor_check(sa, m);
	cj->dh = sa->dh;
	memset(&sa->dh, 0, sizeof(sa->dh));
	memcpy(cj->peer, m->ke.data, m->ke.len);
	cj->peer_len = m->ke.len;
	job_submit(cj, &sa->crypto);
	return 0;
}

/* <-- HDR, SAr1, KEr, Nr, [N(NAT_DETECTION_*)], [V]
 * or  <-- HDR, N(COOKIE) | N(INVALID_KE_PAYLOAD) | N(error) */
enum ike_init_result
ike_init_response(struct ike_sa *sa, const struct ike_msg *m,
    struct ike_fail *f, ike_init_cb cb)
{
	const struct ike_pl_notify *n;

	if ((n = ike_msg_notify(m, COOKIE)) != NULL) {
		/* RFC 7296 2.6: resend the same request with the cookie. A
		 * second one is no error: a loaded responder rotates its
		 * secret, and our retransmission of the request can carry a
		 * cookie too old for it. Bounded, against one that never
		 * admits. */
		if (n->len == 0 || n->len > sizeof(sa->cookie)) {
			ike_fail_set(f, "peer sent an unusable COOKIE");
			return IKE_INIT_FAILED;
		}
		/* The answer to a late copy of the request without it never
		 * gets here: transport.c drops it (input_init_stale). */
		if (sa->cookies >= IKE_COOKIES_MAX) {
			ike_fail_set(f, "peer asked for a COOKIE %u times",
			    sa->cookies + 1);
			return IKE_INIT_FAILED;
		}
		sa->cookies++;
		memcpy(sa->cookie, n->data, n->len);
		sa->cookie_len = n->len;
		log_msg(LOG_INFO, sa->logp, "peer asked for a COOKIE%s, "
		    "resending", sa->cookies > 1 ? " again" : "");
		if (init_send(sa) == -1) {
			ike_fail_set(f, "cannot resend IKE_SA_INIT");
			return IKE_INIT_FAILED;
		}
		return IKE_INIT_RESENT;
	}
	if ((n = ike_msg_notify(m, INVALID_KE_PAYLOAD)) != NULL)
		return init_invalid_ke(sa, n, f, cb);
	return init_accept(sa, m, f, cb) == 0 ? IKE_INIT_PENDING :
	    IKE_INIT_FAILED;
}

/* HDR, SAi1, KEi, Ni -->   (no SA yet: errors are answered statelessly,
 * without UDP encapsulation as the SA itself starts) */
int
ike_init_select(struct ike_engine *eng, struct ike_peer *peer,
    const struct ike_addrs *from, const struct ike_msg *m,
    struct proposal_choice *choice)
{
	const struct ike_addrs to = { from->local, from->remote, false };
	char why[PROPOSAL_STR_MAX];
	uint8_t grp[2];

	if (!ike_msg_has(m, IKE_PL_SA) || !ike_msg_has(m, IKE_PL_KE) ||
	    !ike_msg_has(m, IKE_PL_NONCE)) {
		eng->stats.rx_invalid++;
		log_msg_rl(&peer->rl_init, LOG_INFO, peer->conf.name,
		    "IKE_SA_INIT request lacks SA, KE or Nonce, dropped");
		return -1;
	}
	if (proposal_select(&peer->conf.ike, &m->sa.props, 0, m->ke.group,
	    choice, why, sizeof(why)) == -1) {
		eng->stats.no_proposal++;
		log_msg_rl(&peer->rl_init, LOG_WARNING, peer->conf.name,
		    "NO_PROPOSAL_CHOSEN for IKE SA: %s", why);
		ike_out_init_notify(eng, &to, &m->hdr, NO_PROPOSAL_CHOSEN,
		    NULL, 0);
		return -1;
	}
	if (choice->suite.dh != m->ke.group) {
		/* RFC 7296 1.2: stateless, tell the group we want. */
		grp[0] = (uint8_t)(choice->suite.dh >> 8);
		grp[1] = (uint8_t)choice->suite.dh;
		log_msg_rl(&peer->rl_init, LOG_INFO, peer->conf.name,
		    "KE for group %u, asking for group %u", m->ke.group,
		    choice->suite.dh);
		ike_out_init_notify(eng, &to, &m->hdr, INVALID_KE_PAYLOAD, grp,
		    sizeof(grp));
		return -1;
	}
	return 0;
}

/*                   <-- HDR, SAr1, KEr, Nr, [N(NAT_DETECTION_*)], [V]
 * The key pair and g^ir on the pool; answer_send when they are made. */
int
ike_init_answer(struct ike_sa *sa, const struct ike_msg *m,
    const struct proposal_choice *choice, struct ike_fail *f, ike_init_cb cb)
{
	struct ike_crypto_job *cj;

	sa->msgid_peer = 0;
	if (m->ke.len > sizeof(cj->peer) ||
	    (sa->init_req = ike_copy_bytes(m->data, m->len)) == NULL ||
	    ike_responder_nonces(sa, choice, &m->nonce) == -1 ||
	    (cj = job_new(sa, STEP_ANSWER, cb)) == NULL)
		return ike_fail_set(f, "cannot create IKE SA");
	sa->init_req_len = m->len;
	nat_check(sa, m);
	ike_frag_init_check(sa, m);
	certs_check(sa, m);
	vendor_check(sa, m);
	cj->group = choice->suite.dh;
	cj->generate = true;
	memcpy(cj->peer, m->ke.data, m->ke.len);
	cj->peer_len = m->ke.len;
	cj->hdr = m->hdr;
	job_submit(cj, &sa->crypto);
	return 0;
}

static void
answer_send(struct ike_sa *sa, struct ike_crypto_job *cj)
{
	struct ike_proposal_list reply;
	struct ike_out o;

	memset(&reply, 0, sizeof(reply));
	reply.n = 1;
	reply.p[0] = sa->choice.chosen;
	reply.p[0].spi_size = 0;
	ike_out_response(sa, &o, IKE_SA_INIT);
	ike_msg_encode_sa(&o.e, &reply);
	ike_msg_encode_ke(&o.e, cj->group, cj->pub,
	    ike_dh_lookup(cj->group)->pub_len);
	ike_msg_encode_nonce(&o.e, sa->nr, sa->nr_len);
	nat_encode(sa, &o);
	ike_frag_init_encode(sa, &o);
	certs_encode(sa, &o, true);
	vendor_encode(sa, &o);
	if (ike_out_send_response(sa, &o) == -1 || sa->resp == NULL ||
	    (sa->init_resp = ike_copy_bytes(sa->resp, sa->resp_len)) == NULL)
		return;
	sa->init_resp_len = sa->resp_len;
	log_msg_rl(&sa->peer->rl_init, LOG_INFO, sa->logp, "IKE_SA_INIT "
	    "answered, waiting for IKE_AUTH");
}
