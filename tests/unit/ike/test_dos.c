/* The responder's DoS control (RFC 7296 2.6, RFC 8019) and half-open SAs
 * that steer nothing: COOKIEs made and checked (rotation: the previous
 * secret accepted, the one before refused), the thresholds, the caps, the
 * size cap, no key exchange for a request that must bring a COOKIE first,
 * a tunnel through COOKIEs, and forged IKE_SA_INITs from a peer's address
 * against a `start` peer retrying and a `route` peer.
 *
 * Forged requests are real IKE_SA_INITs of the other engine, captured and
 * replayed with a new SPI, injected as if from the peer's address:
 *
 *   side 0, peer "B"  2001:db8::1  <-- queue -->  2001:db8::2  side 1, peer "A"
 *                                                 (+ peer "C", 2001:db8::3)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ike/cookie.h"
#include "ike/dh.h"
#include "ike/engine.h"
#include "ike/ike.h"
#include "ike/ikev2.h"
#include "ike/message.h"
#include "ike/vendor.h"
#include "report/report.h"
#include "engine_pair.h"

#define ADDR_C	"2001:db8::3"
#define HDR	28

static struct engine_pair pair;

#define A	(&pair.side[0])
#define B	(&pair.side[1])

/* ---- helpers ---- */

static void
conf(struct ike_peer_conf *pc, int i, enum ike_start start)
{
	ep_side_conf(pc, i, start);
	pc->retransmit_timeout = 0.1;
	pc->retransmit_base = 1.5;
	pc->retransmit_limit = 0.4;
	pc->retransmit_tries = 1;
	pc->retry_base = 0.4;
	pc->retry_max = 0.8;
	pc->drain = 0.1;
	pc->settle = 0.2;
}

static const struct ike_stats *
stats(const struct ep_side *s)
{
	return ike_engine_stats(s->eng);
}

/* What side 1 answered last, captured and kept off the queue. */
static struct ep_pkt answer;
static unsigned answers;

static enum ep_verdict
capture_hook(struct engine_pair *ep, struct ep_pkt *p, void *arg)
{
	int *from = arg;

	if (p->from != *from)
		return EP_PASS;
	answer = *p;
	answers++;
	return EP_DROP;
}

static enum ep_verdict
drop_hook(struct engine_pair *ep, struct ep_pkt *p, void *arg)
{
	return EP_DROP;
}

/* A value of side s's metrics (vtictl metrics), by its whole key. */
static long
metric(const struct ep_side *s, const char *key)
{
	char *t = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&t, &len);
	const char *p;
	long v;

	assert_non_null(f);
	report_metrics(s->eng, NULL, f);
	fclose(f);
	p = strstr(t, key);
	assert_non_null(p);
	v = atol(p + strlen(key) + 1);
	free(t);
	return v;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* An IKE_SA_INIT answer: its first payload a COOKIE notify? */
static bool
is_cookie(const struct ep_pkt *p)
{
	return p->len > HDR + 8 && p->buf[16] == IKE_PL_NOTIFY &&
	    get16(p->buf + HDR + 6) == COOKIE;
}

static bool
is_sa(const struct ep_pkt *p)
{
	return p->len > HDR && p->buf[16] == IKE_PL_SA;
}

/* A real IKE_SA_INIT request of side i's engine for its peer, which is
 * then removed (nothing of it left). */
static size_t
init_template(int i, uint8_t *buf, size_t max)
{
	struct ep_side *s = &pair.side[i];
	struct ike_peer_conf pc;
	unsigned before = s->n_sent;
	size_t len;

	conf(&pc, i, IKE_START_START);
	ep_set_hook(&pair, drop_hook, NULL);
	assert_int_equal(ike_peer_add(s->eng, &pc), 0);
	assert_int_equal(s->n_sent, before + 1);
	len = s->sent[before].len;
	assert_true(len <= max && len > HDR);
	memcpy(buf, s->sent[before].buf, len);
	assert_int_equal(ike_peer_remove(s->eng, pc.name), 0);
	ep_set_hook(&pair, NULL, NULL);
	return len;
}

/* The request again, with a new initiator SPI. */
static void
set_spi(uint8_t *buf, uint64_t spi)
{
	for (int k = 0; k < 8; k++)
		buf[k] = (uint8_t)(spi >> (56 - 8 * k));
}

/* Datagram into side s as if from addr port 500. */
static void
inject(struct ep_side *s, const char *from, const uint8_t *buf, size_t len)
{
	struct sockaddr_storage local = s->addr, remote;

	ep_addr6(&remote, from, 500);
	ev_now_update(pair.loop);
	ike_input(s->eng, &local, &remote, false, buf, len);
}

/* The request with N(COOKIE) put first (RFC 7296 2.6). */
static size_t
with_cookie(const uint8_t *req, size_t len, const struct ep_pkt *ck,
    uint8_t *out)
{
	size_t nlen = get16(ck->buf + HDR + 2), total = len + nlen;

	assert_true(ck->len >= HDR + nlen);
	memcpy(out, req, HDR);
	memcpy(out + HDR, ck->buf + HDR, nlen);
	out[HDR] = req[16];		/* the notify's next: the old first */
	out[16] = IKE_PL_NOTIFY;
	memcpy(out + HDR + nlen, req + HDR, len - HDR);
	out[24] = (uint8_t)(total >> 24), out[25] = (uint8_t)(total >> 16);
	out[26] = (uint8_t)(total >> 8), out[27] = (uint8_t)total;
	return total;
}

static void
set_dos(struct ep_side *s, unsigned thr, unsigned thr_peer, unsigned max,
    unsigned max_peer, double rotate)
{
	struct ike_dos_conf d = {
		.cookie_threshold = thr, .cookie_threshold_peer = thr_peer,
		.half_open_max = max, .half_open_max_peer = max_peer,
		.cookie_rotate = rotate, .init_max_size = IKE_DOS_INIT_MAX_SIZE,
		.half_open_timeout = IKE_DOS_HALF_OPEN_TIMEOUT,
		.initiate_max = IKE_INITIATE_MAX,
	};

	ike_engine_set_dos(s->eng, &d);
}

/* The request with a new SPI into B, from addr: answered with a COOKIE,
 * sent again with it. How many answers the second one got. */
static unsigned
inject_cookie_round(const char *from, uint8_t *req, size_t len,
    uint64_t spi)
{
	uint8_t req2[EP_PKT_MAX];
	size_t len2;

	set_spi(req, spi);
	inject(B, from, req, len);
	assert_true(is_cookie(&answer));
	len2 = with_cookie(req, len, &answer, req2);
	answers = 0;
	inject(B, from, req2, len2);
	return answers;
}

/* B responds to "A" (and "C"): forged requests from their addresses. */
static void
responder_b(bool with_c)
{
	struct ike_peer_conf pb, pc;

	conf(&pb, 1, IKE_START_ADD);
	assert_int_equal(ike_peer_add(B->eng, &pb), 0);
	if (with_c) {
		ep_peer_conf(&pc, "C", EP_ADDR_B, ADDR_C, 9, IKE_START_ADD);
		assert_int_equal(ike_peer_add(B->eng, &pc), 0);
	}
}

static int capture_from_b = 1;

static int
setup(void **state)
{
	ep_init(&pair);
	answers = 0;
	return 0;
}

static int
teardown(void **state)
{
	ep_free(&pair);
	return 0;
}

/* ---- COOKIEs alone ---- */

static void
test_cookie_rotation(void **state)
{
	struct ike_cookies c;
	struct sockaddr_storage ip, ip2;
	uint8_t ni[32], ck[IKE_COOKIE_LEN], old[IKE_COOKIE_LEN];
	struct ike_cookie_in in = { ni, sizeof(ni), &ip, 0x0102030405060708 };
	struct ike_cookie_in other = in;
	int valid = 0, refused = 0;

	memset(ni, 0x11, sizeof(ni));
	ep_addr6(&ip, EP_ADDR_A, 500);
	ep_addr6(&ip2, ADDR_C, 500);
	ike_cookies_init(&c, 10);
	assert_int_equal(ike_cookie_make(&c, 100, &in, ck), 0);
	valid += ike_cookie_check(&c, 100, &in, ck, sizeof(ck)) ==
	    IKE_COOKIE_CURRENT;
	/* Bound to the nonce, the address and the SPI; the port is not. */
	ep_addr6(&ip, EP_ADDR_A, 4500);
	valid += ike_cookie_check(&c, 101, &in, ck, sizeof(ck)) ==
	    IKE_COOKIE_CURRENT;
	other.ipi = &ip2;
	refused += ike_cookie_check(&c, 101, &other, ck, sizeof(ck)) ==
	    IKE_COOKIE_INVALID;
	other = in;
	other.spii++;
	refused += ike_cookie_check(&c, 101, &other, ck, sizeof(ck)) ==
	    IKE_COOKIE_INVALID;
	other = in;
	other.ni_len--;
	refused += ike_cookie_check(&c, 101, &other, ck, sizeof(ck)) ==
	    IKE_COOKIE_INVALID;
	refused += ike_cookie_check(&c, 101, &in, ck, sizeof(ck) - 1) ==
	    IKE_COOKIE_INVALID;
	ck[10] ^= 1;
	refused += ike_cookie_check(&c, 101, &in, ck, sizeof(ck)) ==
	    IKE_COOKIE_INVALID;
	ck[10] ^= 1;
	assert_int_equal(valid, 2);
	assert_int_equal(refused, 5);
	/* One rotation: made with the previous secret, still good; a new
	 * cookie has the next id. Two: refused. */
	memcpy(old, ck, sizeof(ck));
	assert_int_equal(ike_cookie_check(&c, 111, &in, old, sizeof(old)),
	    IKE_COOKIE_PREVIOUS);
	assert_int_equal(c.rotations, 1);
	assert_int_equal(ike_cookie_make(&c, 112, &in, ck), 0);
	assert_memory_not_equal(ck, old, sizeof(ck));
	assert_int_equal(get16(ck + 2), (uint16_t)(get16(old + 2) + 1));
	assert_int_equal(ike_cookie_check(&c, 115, &in, ck, sizeof(ck)),
	    IKE_COOKIE_CURRENT);
	assert_int_equal(ike_cookie_check(&c, 122, &in, old, sizeof(old)),
	    IKE_COOKIE_INVALID);
	assert_int_equal(ike_cookie_check(&c, 122, &in, ck, sizeof(ck)),
	    IKE_COOKIE_PREVIOUS);
	assert_int_equal(c.rotations, 2);
	/* Unused for two periods: both secrets go. */
	assert_int_equal(ike_cookie_check(&c, 150, &in, ck, sizeof(ck)),
	    IKE_COOKIE_INVALID);
	ike_cookies_wipe(&c);
	printf("cookies: %d valid, %d refused (other address, SPI, nonce, "
	    "length, a flipped bit); after 1 rotation the old one valid, "
	    "after 2 refused; %d-byte cookies, id | HMAC-SHA256\n", valid,
	    refused, IKE_COOKIE_LEN);
}

/* ---- thresholds, caps, no key exchange ---- */

static void
test_threshold_peer(void **state)
{
	uint8_t req[EP_PKT_MAX];
	size_t len = init_template(0, req, sizeof(req));
	unsigned sa = 0, ck = 0, i;
	uint64_t dh0, dh_cookie = 0, dh;

	responder_b(false);
	ep_set_hook(&pair, capture_hook, &capture_from_b);
	for (i = 0; i < 6; i++) {
		set_spi(req, 0x1000 + i);
		answers = 0;
		dh0 = ike_dh_ops();
		inject(B, EP_ADDR_A, req, len);
		dh = ike_dh_ops() - dh0;
		assert_int_equal(answers, 1);
		if (i < IKE_DOS_COOKIE_THRESHOLD_PEER) {
			assert_true(is_sa(&answer));
			assert_true(dh > 0);
			sa++;
		} else {
			assert_true(is_cookie(&answer));
			dh_cookie += dh;
			ck++;
		}
	}
	assert_int_equal(dh_cookie, 0);
	assert_int_equal(stats(B)->half_open, 2);
	assert_int_equal(stats(B)->cookies_sent, 4);
	/* A half-open SA is not the peer's, nor shown with it. */
	assert_int_equal(ike_peer_state(B->eng, "A"), IKE_PEER_DOWN);
	assert_int_equal(metric(B, "vtid_peer_ike_sas{peer=\"A\"}"), 0);
	assert_int_equal(metric(B, "\nvtid_ike_half_open"), 2);
	printf("per-peer threshold %d: %u answered with an SA, %u with a "
	    "COOKIE, %llu DH operations for the COOKIE ones; 2 half-open, "
	    "peer still DOWN with no IKE SA shown\n",
	    IKE_DOS_COOKIE_THRESHOLD_PEER, sa, ck,
	    (unsigned long long)dh_cookie);
}

static void
test_threshold_global(void **state)
{
	uint8_t req[EP_PKT_MAX];
	size_t len = init_template(0, req, sizeof(req));
	unsigned i;

	responder_b(true);
	set_dos(B, 3, 100, 100, 100, 60);
	ep_set_hook(&pair, capture_hook, &capture_from_b);
	for (i = 0; i < 2; i++) {
		set_spi(req, 0x2000 + i);
		inject(B, EP_ADDR_A, req, len);
		assert_true(is_sa(&answer));
	}
	set_spi(req, 0x3000);
	inject(B, ADDR_C, req, len);
	assert_true(is_sa(&answer));
	/* Three in all: C's second request, its first but one, gets a
	 * COOKIE all the same. */
	set_spi(req, 0x3001);
	inject(B, ADDR_C, req, len);
	assert_true(is_cookie(&answer));
	assert_int_equal(stats(B)->half_open, 3);
	/* Threshold 0: always. */
	set_dos(B, 0, 0, 100, 100, 60);
	set_spi(req, 0x4000);
	ep_set_hook(&pair, capture_hook, &capture_from_b);
	inject(B, EP_ADDR_A, req, len);
	assert_true(is_cookie(&answer));
	printf("global threshold 3: 2 of A and 1 of C half-open, C's next "
	    "request gets a COOKIE; threshold 0: always a COOKIE\n");
}

/* Valid COOKIEs sent back, up to the caps: then dropped, counted. */
static void
test_caps(void **state)
{
	uint8_t req[EP_PKT_MAX];
	static uint8_t big[IKE_DOS_INIT_MAX_SIZE + 1];
	size_t len = init_template(0, req, sizeof(req)), len2;
	unsigned i, admitted = 0, dropped = 0, n;

	responder_b(true);
	set_dos(B, 0, 0, 5, 3, 60);
	ep_set_hook(&pair, capture_hook, &capture_from_b);
	for (i = 0; i < 5; i++) {
		n = inject_cookie_round(EP_ADDR_A, req, len, 0x5000 + i);
		if (i < 3) {
			assert_int_equal(n, 1);
			assert_true(is_sa(&answer));
			admitted++;
		} else {
			assert_int_equal(n, 0);
			dropped++;
		}
	}
	assert_int_equal(stats(B)->init_half_open_peer, 2);
	assert_int_equal(stats(B)->cookies_valid, 5);
	/* C: two more make 5 in all, the third is dropped. */
	for (i = 0; i < 3; i++)
		assert_int_equal(inject_cookie_round(ADDR_C, req, len,
		    0x6000 + i), i < 2 ? 1 : 0);
	assert_int_equal(stats(B)->init_half_open_max, 1);
	assert_int_equal(stats(B)->half_open, 5);
	/* Too big: dropped before anything. */
	set_spi(req, 0x7000);
	answers = 0;
	memcpy(big, req, len);
	len2 = sizeof(big);
	big[24] = 0, big[25] = 0;
	big[26] = (uint8_t)(len2 >> 8), big[27] = (uint8_t)len2;
	inject(B, EP_ADDR_A, big, len2);
	assert_int_equal(answers, 0);
	assert_int_equal(stats(B)->init_too_big, 1);
	printf("caps 3 per peer, 5 in all: A %u admitted with a valid COOKIE, "
	    "%u dropped; C 2 admitted, 1 dropped; a %d-byte request dropped "
	    "as too big\n", admitted, dropped, IKE_DOS_INIT_MAX_SIZE + 1);
}

/* A cookie of the previous secret admits; one two rotations old, or a
 * forged one, gets a new COOKIE (RFC 7296 2.6: ignored). */
static void
test_cookie_rotation_exchange(void **state)
{
	uint8_t req[EP_PKT_MAX], req2[EP_PKT_MAX];
	size_t len = init_template(0, req, sizeof(req)), len2;
	struct ep_pkt ck;

	responder_b(false);
	set_dos(B, 0, 0, 100, 100, 0.2);
	ep_set_hook(&pair, capture_hook, &capture_from_b);
	set_spi(req, 0x8000);
	inject(B, EP_ADDR_A, req, len);
	ck = answer;
	ep_run(&pair, 0.25);
	len2 = with_cookie(req, len, &ck, req2);
	inject(B, EP_ADDR_A, req2, len2);
	assert_true(is_sa(&answer));
	assert_true(stats(B)->cookie_rotations >= 1);
	set_spi(req, 0x8001);
	inject(B, EP_ADDR_A, req, len);
	ck = answer;
	ep_run(&pair, 0.45);
	len2 = with_cookie(req, len, &ck, req2);
	inject(B, EP_ADDR_A, req2, len2);
	assert_true(is_cookie(&answer));
	req2[len2 - len + HDR - 1] ^= 1;	/* the cookie's last byte */
	inject(B, EP_ADDR_A, req2, len2);
	assert_true(is_cookie(&answer));
	assert_int_equal(stats(B)->cookies_valid, 0);
	assert_int_equal(stats(B)->cookies_valid_previous, 1);
	assert_int_equal(stats(B)->cookies_invalid, 2);
	printf("rotation every 0.2 s: a cookie 0.25 s old admitted, one 0.45 "
	    "s old and a forged one answered with a new COOKIE; %llu "
	    "rotations\n", (unsigned long long)stats(B)->cookie_rotations);
}

/* Two engines through a COOKIE: B always asks (threshold 0). */
static void
test_tunnel_with_cookie(void **state)
{
	struct ike_peer_conf pa, pb;
	unsigned i, inits = 0;

	conf(&pa, 0, IKE_START_START);
	conf(&pb, 1, IKE_START_ADD);
	pa.retransmit_timeout = 1;
	set_dos(B, 0, 0, 100, 100, 60);
	assert_int_equal(ike_peer_add(B->eng, &pb), 0);
	assert_int_equal(ike_peer_add(A->eng, &pa), 0);
	assert_true(ep_run_until(&pair, 1, ep_both_up, NULL));
	for (i = 0; i < A->n_sent && i < EP_SENT_MAX; i++)
		inits += ep_pkt_exchange(&A->sent[i]) == IKE_SA_INIT;
	assert_int_equal(inits, 2);
	assert_int_equal(stats(B)->cookies_sent, 1);
	assert_int_equal(stats(B)->cookies_valid, 1);
	assert_int_equal(stats(B)->half_open, 0);
	printf("cookie always: A sent IKE_SA_INIT twice (the second with the "
	    "COOKIE), tunnel up, B: 1 cookie sent, 1 valid, 0 half-open\n");
}

/* Drops A's first IKE_SA_INIT that carries a COOKIE (its first payload
 * is then a Notify): A sends it again after its retransmission timeout. */
static enum ep_verdict
drop_first_cookie(struct engine_pair *ep, struct ep_pkt *p, void *arg)
{
	unsigned *dropped = arg;

	if (p->from == 0 && ep_pkt_exchange(p) == IKE_SA_INIT &&
	    !ep_pkt_response(p) && p->buf[16] == IKE_PL_NOTIFY &&
	    (*dropped)++ == 0)
		return EP_DROP;
	return EP_PASS;
}

static uint64_t
spi_i(const struct ep_pkt *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p->buf[i];
	return v;
}

/* B rotates its secret every 0.3 s; A's request with the cookie is lost
 * once and sent again after 1 s, its cookie three rotations old: B asks
 * for a new one, and A follows it within the same IKE SA (it used to give
 * the SA up: at 10,000 peers, thousands of them). */
static void
test_cookie_again(void **state)
{
	struct ike_peer_conf pa, pb;
	unsigned i, inits = 0, dropped = 0;
	uint64_t spi = 0;
	bool one_spi = true;

	conf(&pa, 0, IKE_START_START);
	conf(&pb, 1, IKE_START_ADD);
	pa.retransmit_timeout = 1;
	set_dos(B, 0, 0, 100, 100, 0.3);
	ep_set_hook(&pair, drop_first_cookie, &dropped);
	assert_int_equal(ike_peer_add(B->eng, &pb), 0);
	assert_int_equal(ike_peer_add(A->eng, &pa), 0);
	assert_true(ep_run_until(&pair, 3, ep_both_up, NULL));
	for (i = 0; i < A->n_sent && i < EP_SENT_MAX; i++) {
		if (ep_pkt_exchange(&A->sent[i]) != IKE_SA_INIT)
			continue;
		inits++;
		if (spi == 0)
			spi = spi_i(&A->sent[i]);
		one_spi = one_spi && spi_i(&A->sent[i]) == spi;
	}
	assert_true(one_spi);
	assert_int_equal(inits, 4);
	assert_int_equal(stats(B)->cookies_sent, 2);
	assert_int_equal(stats(A)->ike_up, 1);
	printf("cookie again: A's request with its cookie lost, sent again "
	    "3 rotations later; B asked for a new COOKIE; A followed it in "
	    "the same IKE SA (%u IKE_SA_INITs, one SPI), tunnel up\n", inits);
}

/* A's first IKE_SA_INIT twice at B (a retransmission, the answer being
 * late): two COOKIE requests, the second a copy of the first. */
static enum ep_verdict
dup_first_init(struct engine_pair *ep, struct ep_pkt *p, void *arg)
{
	unsigned *n = arg;

	if (p->from == 0 && ep_pkt_exchange(p) == IKE_SA_INIT &&
	    !ep_pkt_response(p) && (*n)++ == 0)
		return EP_DUP;
	return EP_PASS;
}

/* The second COOKIE request, for a copy of the request A has already
 * resent with the cookie, leaves that request outstanding: its answer is
 * taken and it is retransmitted if lost. (It used to clear it: the
 * answer was then dropped as unexpected, no retransmission came, and the
 * SA hung for good: 188 of the N = 10,000 bench's peers.) */
static void
test_cookie_twice(void **state)
{
	struct ike_peer_conf pa, pb;
	unsigned n = 0;

	conf(&pa, 0, IKE_START_START);
	conf(&pb, 1, IKE_START_ADD);
	pa.retransmit_timeout = 1;
	set_dos(B, 0, 0, 100, 100, 60);
	ep_set_hook(&pair, dup_first_init, &n);
	assert_int_equal(ike_peer_add(B->eng, &pb), 0);
	assert_int_equal(ike_peer_add(A->eng, &pa), 0);
	assert_true(ep_run_until(&pair, 3, ep_both_up, NULL));
	assert_int_equal(stats(B)->cookies_sent, 2);
	printf("two COOKIE requests for one IKE_SA_INIT: the request with "
	    "the cookie stays outstanding, tunnel up\n");
}

/* B's load falls between two copies of A's request: the first draws a
 * COOKIE request (B turns its thresholds up as it sends it), the second
 * an SA. A resends with the cookie and takes the SA's answer: it signs
 * the request with the cookie, so B must verify against that one. */
static enum ep_verdict
load_falls(struct engine_pair *ep, struct ep_pkt *p, void *arg)
{
	unsigned *n = arg;

	if (p->from == 0 && ep_pkt_exchange(p) == IKE_SA_INIT &&
	    !ep_pkt_response(p) && (*n)++ == 0)
		return EP_DUP;
	if (p->from == 1 && ep_pkt_exchange(p) == IKE_SA_INIT &&
	    ep_pkt_response(p) && p->buf[16] == IKE_PL_NOTIFY)
		set_dos(B, 100, 100, 100, 100, 60);
	return EP_PASS;
}

static void
test_cookie_load_falls(void **state)
{
	struct ike_peer_conf pa, pb;
	unsigned n = 0;

	conf(&pa, 0, IKE_START_START);
	conf(&pb, 1, IKE_START_ADD);
	set_dos(B, 0, 0, 100, 100, 60);
	ep_set_hook(&pair, load_falls, &n);
	assert_int_equal(ike_peer_add(B->eng, &pb), 0);
	assert_int_equal(ike_peer_add(A->eng, &pa), 0);
	assert_true(ep_run_until(&pair, 3, ep_both_up, NULL));
	assert_int_equal(stats(B)->cookies_sent, 1);
	assert_int_equal(stats(A)->auth_failed, 0);
	assert_int_equal(stats(B)->auth_failed, 0);
	assert_int_equal(stats(A)->ike_up, 1);
	printf("load falls between two copies of a request: the SA made "
	    "from the copy without the cookie verifies A's AUTH over the "
	    "request with it, first attempt up\n");
}

/* ---- forged IKE_SA_INITs against a peer's own attempts ---- */

struct attempts {
	unsigned	 n;
	double		 at[32];
};

static enum ep_verdict
attempts_hook(struct engine_pair *ep, struct ep_pkt *p, void *arg)
{
	struct attempts *a = arg;

	if (p->from == 0 && ep_pkt_exchange(p) == IKE_SA_INIT &&
	    !ep_pkt_response(p) && a->n < 32)
		a->at[a->n++] = ev_now(ep->loop);
	return EP_PASS;
}

static bool
a_idle(struct engine_pair *ep, void *arg)
{
	unsigned *n = arg;

	return ike_peer_state(ep->side[0].eng, "B") == IKE_PEER_DOWN &&
	    ((struct attempts *)ep->hook_arg)->n >= *n;
}

/* A `start` peer retrying, nobody answering; a forged IKE_SA_INIT from
 * its peer's address: it keeps retrying on schedule and comes up once the
 * peer answers. (It used to become the peer's SA and stop the retries.) */
static void
test_forged_init_start_peer(void **state)
{
	uint8_t req[EP_PKT_MAX];
	size_t len = init_template(1, req, sizeof(req));
	struct ike_peer_conf pa, pb;
	struct attempts at = { 0, { 0 } };
	unsigned two = 2, i;
	double forged, gap;

	conf(&pa, 0, IKE_START_START);
	ep_set_hook(&pair, attempts_hook, &at);
	assert_int_equal(ike_peer_add(A->eng, &pa), 0);
	/* B has no peer yet: A's requests go unanswered; A fails, retries. */
	assert_true(ep_run_until(&pair, 3, a_idle, &two));
	set_spi(req, 0xf00d);
	inject(A, EP_ADDR_B, req, len);
	forged = ev_now(pair.loop);
	assert_int_equal(stats(A)->half_open, 1);
	assert_int_equal(ike_peer_state(A->eng, "B"), IKE_PEER_DOWN);
	ep_run(&pair, 2.0);
	assert_int_equal(stats(A)->half_open, 1);	/* still there */
	for (i = 0; i < at.n && at.at[i] < forged; i++)
		;
	printf("start peer: %u IKE_SA_INIT sent before the forged INIT, %u "
	    "in the 2 s after it:", i, at.n - i);
	for (; i < at.n; i++)
		printf(" +%.2f", at.at[i] - forged);
	printf(" s\n");
	assert_true(at.n - two >= 2);
	/* On schedule: no gap above retry_max + the request's own wait. */
	for (i = 1; i < at.n; i++) {
		gap = at.at[i] - at.at[i - 1];
		assert_true(gap < pa.retry_max * 1.25 + 0.5);
	}
	conf(&pb, 1, IKE_START_ADD);
	assert_int_equal(ike_peer_add(B->eng, &pb), 0);
	assert_true(ep_run_until(&pair, 2, ep_both_up, NULL));
	printf("  B answers: tunnel up %.2f s after the forged INIT, with "
	    "%llu half-open SA beside it\n", ev_now(pair.loop) - forged,
	    (unsigned long long)stats(A)->half_open);
}

/* A `route` peer: a forged INIT from its peer's address does not keep
 * it from initiating on traffic (the kernel's ACQUIRE). */
static void
test_forged_init_route_peer(void **state)
{
	uint8_t req[EP_PKT_MAX];
	size_t len = init_template(1, req, sizeof(req));
	struct ike_peer_conf pa, pb;
	struct attempts at = { 0, { 0 } };
	int k;

	conf(&pa, 0, IKE_START_ROUTE);
	conf(&pb, 1, IKE_START_ADD);
	assert_int_equal(ike_peer_add(B->eng, &pb), 0);
	assert_int_equal(ike_peer_add(A->eng, &pa), 0);
	ep_set_hook(&pair, attempts_hook, &at);
	/* A forged INIT every "30 s", then traffic, three times. */
	for (k = 0; k < 3; k++) {
		set_spi(req, 0xbad0 + (uint64_t)k);
		inject(A, EP_ADDR_B, req, len);
		assert_int_equal(ike_peer_state(A->eng, "B"), k == 0 ?
		    IKE_PEER_DOWN : IKE_PEER_UP);
		assert_int_equal(ike_peer_acquire(A->eng, "B"), 0);
		assert_true(ep_run_until(&pair, 1, ep_both_up, NULL));
	}
	assert_int_equal(at.n, 1);
	/* The third found 2 half-open (cookie_threshold_peer): a COOKIE. */
	assert_int_equal(stats(A)->half_open, 2);
	assert_int_equal(stats(A)->cookies_sent, 1);
	printf("route peer: forged INIT, then traffic: A initiated at once "
	    "(%u IKE_SA_INIT of its own), tunnel up; 2 more forged INITs "
	    "left it up; %llu half-open beside it, 1 COOKIE sent\n", at.n,
	    (unsigned long long)stats(A)->half_open);
}

/* A forged IKE_SA_INIT carrying vtid's Vendor ID (the template is a
 * real vtid request) from the address of a peer without one: the
 * half-open SA notes the claim, but nothing believes it before IKE_AUTH.
 * The peer stays another implementation in status, and its SA, up, is
 * left alone. */
static void
test_forged_init_vendor_id(void **state)
{
	uint8_t req[EP_PKT_MAX];
	size_t len = init_template(1, req, sizeof(req)), i;
	struct ike_peer_conf pa, pb;
	struct ike_snapshot *snap;
	struct ike_msg m;
	const struct ike_sa *half;
	unsigned sent;

	assert_int_equal(ike_msg_decode(&m, req, len), IKE_DEC_OK);
	assert_int_equal(ike_vendor_vtid_rule(&m), IKE_VTID_CROSSING_RULE);
	conf(&pa, 0, IKE_START_START);
	conf(&pb, 1, IKE_START_ADD);
	ike_engine_set_vendor_id(B->eng, false);
	assert_int_equal(ike_peer_add(B->eng, &pb), 0);
	assert_int_equal(ike_peer_add(A->eng, &pa), 0);
	assert_true(ep_run_until(&pair, 1, ep_both_up, NULL));
	sent = A->n_sent;
	set_spi(req, 0xbad1);
	inject(A, EP_ADDR_B, req, len);
	assert_int_equal(stats(A)->half_open, 1);
	half = A->eng->peers->sas;		/* newest first */
	assert_true(half->half_open);
	assert_int_equal(half->init_vtid, IKE_VTID_CROSSING_RULE);
	assert_int_equal(half->vtid, 0);
	snap = ike_snapshot_take(A->eng, "B");
	assert_non_null(snap);
	assert_int_equal(snap->n_sas, 1);	/* half-open SAs not shown */
	assert_int_equal(snap->peers[0].peer_vtid, 0);
	for (i = 0; i < snap->n_sas; i++)
		assert_int_equal(snap->sas[i].peer_vtid, 0);
	ike_snapshot_free(snap);
	ep_run(&pair, 0.3);
	assert_int_equal(ike_peer_state(A->eng, "B"), IKE_PEER_UP);
	/* A answered the forged INIT and sent nothing else: no DELETE. */
	assert_int_equal(A->n_sent, sent + 1);
	printf("forged IKE_SA_INIT with vtid's Vendor ID: a half-open SA "
	    "noting rule %u, believed nowhere (status: peer not vtid), A's "
	    "tunnel up, nothing sent but the answer\n", half->init_vtid);
}

/* dos.half_open_timeout: a forged INIT's half-open SA lasts that long,
 * not the 30 s default, and the setting applies to the next request. */
static void
test_half_open_timeout(void **state)
{
	uint8_t req[EP_PKT_MAX];
	size_t len = init_template(1, req, sizeof(req));
	struct ike_peer_conf pa;
	struct ike_dos_conf d = A->eng->dos;
	double t0;

	conf(&pa, 0, IKE_START_ADD);
	assert_int_equal(ike_peer_add(A->eng, &pa), 0);
	assert_true(d.half_open_timeout == IKE_DOS_HALF_OPEN_TIMEOUT);
	d.half_open_timeout = 0.5;
	ike_engine_set_dos(A->eng, &d);
	set_spi(req, 0x7e57);
	inject(A, EP_ADDR_B, req, len);
	t0 = ev_now(pair.loop);
	assert_int_equal(stats(A)->half_open, 1);
	ep_run(&pair, 0.4);
	assert_int_equal(stats(A)->half_open, 1);
	while (stats(A)->half_open == 1 && ev_now(pair.loop) - t0 < 2)
		ep_run(&pair, 0.01);
	assert_int_equal(stats(A)->half_open, 0);
	assert_true(ev_now(pair.loop) - t0 < 0.6);
	printf("half_open_timeout 0.5 s: the forged INIT's half-open SA gone "
	    "after %.2f s (default %.0f s)\n", ev_now(pair.loop) - t0,
	    IKE_DOS_HALF_OPEN_TIMEOUT);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_cookie_rotation),
		T(test_threshold_peer),
		T(test_threshold_global),
		T(test_caps),
		T(test_cookie_rotation_exchange),
		T(test_cookie_again),
		T(test_cookie_twice),
		T(test_cookie_load_falls),
		T(test_tunnel_with_cookie),
		T(test_forged_init_start_peer),
		T(test_forged_init_route_peer),
		T(test_forged_init_vendor_id),
		T(test_half_open_timeout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
