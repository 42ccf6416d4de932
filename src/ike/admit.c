/* Admission of IKE_SA_INIT requests: COOKIEs and half-open caps (see
 * admit.h).
 *
 *   HDR, SAi1, KEi, Ni -->          (half-open SAs past a threshold)
 *                  <-- HDR, N(COOKIE)
 *   HDR, N(COOKIE), SAi1, KEi, Ni -->
 *                  <-- HDR, SAr1, KEr, Nr, ...  (cookie good, under the caps)
 *
 * RFC 7296 2.6: a cookie that does not match is ignored, the request
 * answered as one without: with a new cookie. */
#include <inttypes.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "ike/admit.h"
#include "ike/ikev2.h"
#include "util/addr.h"
#include "util/clock.h"

bool
ike_admit_init_cookied(struct ike_sa *sa, const uint8_t *buf, size_t len)
{
	const uint8_t *old = sa->init_req;
	size_t olen = sa->init_req_len, nlen;
	struct ike_cookie_in in;
	uint8_t *copy;

	/* HDR, N(COOKIE), <the old request's payloads>: the header alike
	 * but for the first payload and the length. */
	if (old == NULL || sa->ni == NULL || sa->msgid_peer != 1 ||
	    olen < IKE_HDR_LEN || len < IKE_HDR_LEN + 8 ||
	    buf[16] != IKE_PL_NOTIFY || memcmp(buf, old, 16) != 0 ||
	    memcmp(buf + 17, old + 17, 7) != 0)
		return false;
	nlen = (size_t)buf[30] << 8 | buf[31];
	if (nlen <= 8 || len != olen + nlen || buf[28] != old[16] ||
	    buf[33] != 0 || ((unsigned)buf[34] << 8 | buf[35]) != COOKIE ||
	    memcmp(buf + IKE_HDR_LEN + nlen, old + IKE_HDR_LEN,
	    olen - IKE_HDR_LEN) != 0)
		return false;
	in.ni = sa->ni;
	in.ni_len = sa->ni_len;
	in.ipi = &sa->remote;
	in.spii = sa->ispi;
	if (ike_cookie_check(&sa->eng->cookies, clock_mono(), &in,
	    buf + IKE_HDR_LEN + 8, nlen - 8) == IKE_COOKIE_INVALID ||
	    (copy = malloc(len)) == NULL)
		return false;
	memcpy(copy, buf, len);
	free(sa->init_req);
	sa->init_req = copy;
	sa->init_req_len = len;
	return true;
}

static bool
admit_cookie_needed(const struct ike_engine *eng, const struct ike_peer *peer)
{
	return eng->stats.half_open >= eng->dos.cookie_threshold ||
	    peer->half_open >= eng->dos.cookie_threshold_peer;
}

/* Whether the request carries a cookie we made for it. */
static bool
admit_cookie_ok(struct ike_engine *eng, const struct ike_cookie_in *in,
    const struct ike_msg *m)
{
	const struct ike_pl_notify *n = ike_msg_notify(m, COOKIE);

	if (n == NULL)
		return false;
	switch (ike_cookie_check(&eng->cookies, clock_mono(), in, n->data,
	    n->len)) {
	case IKE_COOKIE_CURRENT:
		eng->stats.cookies_valid++;
		return true;
	case IKE_COOKIE_PREVIOUS:
		eng->stats.cookies_valid_previous++;
		return true;
	case IKE_COOKIE_INVALID:
		break;
	}
	eng->stats.cookies_invalid++;
	return false;
}

/* <-- HDR, N(COOKIE): no state, no key exchange. */
static void
admit_cookie_send(struct ike_engine *eng, struct ike_peer *peer,
    const struct ike_addrs *from, const struct ike_msg *m,
    const struct ike_cookie_in *in)
{
	const struct ike_addrs to = { from->local, from->remote, false };
	uint8_t cookie[IKE_COOKIE_LEN];

	if (ike_cookie_make(&eng->cookies, clock_mono(), in,
	    cookie) == -1)
		return;
	eng->stats.cookies_sent++;
	log_msg_rl(&peer->rl_init, LOG_INFO, peer->conf.name,
	    "IKE_SA_INIT with %u half-open IKE SAs of the peer, %" PRIu64
	    " in all: asking for a COOKIE", peer->half_open,
	    eng->stats.half_open);
	ike_out_init_notify(eng, &to, &m->hdr, COOKIE, cookie, sizeof(cookie));
}

int
ike_admit_init(struct ike_engine *eng, struct ike_peer *peer,
    const struct ike_addrs *from, const struct ike_msg *m)
{
	const struct ike_dos_conf *d = &eng->dos;
	struct ike_cookie_in in = {
		.ni = m->nonce.data, .ni_len = m->nonce.len,
		.ipi = from->remote, .spii = m->hdr.ispi,
	};
	bool ok = true;

	if (admit_cookie_needed(eng, peer) && ike_msg_has(m, IKE_PL_NONCE) &&
	    !(ok = admit_cookie_ok(eng, &in, m)))
		admit_cookie_send(eng, peer, from, m, &in);
	eng->stats.cookie_rotations = eng->cookies.rotations;
	if (!ok)
		return -1;
	if (peer->half_open >= d->half_open_max_peer) {
		eng->stats.init_half_open_peer++;
		log_msg_rl(&peer->rl_init, LOG_WARNING, peer->conf.name,
		    "IKE_SA_INIT dropped: the peer has %u half-open IKE SAs, "
		    "the most allowed (dos.half_open_max_peer)",
		    peer->half_open);
		return -1;
	}
	if (eng->stats.half_open >= d->half_open_max) {
		eng->stats.init_half_open_max++;
		log_msg_rl(&eng->rl, LOG_WARNING, peer->conf.name,
		    "IKE_SA_INIT dropped: %" PRIu64 " half-open IKE SAs, the "
		    "most allowed (dos.half_open_max)", eng->stats.half_open);
		return -1;
	}
	return 0;
}

void
ike_admit_half_open(struct ike_sa *sa)
{
	if (sa->half_open)
		return;
	sa->half_open = true;
	sa->peer->half_open++;
	sa->eng->stats.half_open++;
}

void
ike_admit_half_open_end(struct ike_sa *sa)
{
	if (!sa->half_open)
		return;
	sa->half_open = false;
	sa->peer->half_open--;
	sa->eng->stats.half_open--;
}
