/* Two IKE engines negotiate against each other in this process
 * (engine_pair.h: a packet queue, a recording fake kernel, libev time):
 * the happy path, then the error paths of the exchanges: wrong PSK,
 * proposal mismatches, INVALID_KE_PAYLOAD, lost, duplicated and
 * corrupted messages, DELETE, crossing initiations (between two vtids,
 * resolved at once through the Vendor ID; with a peer without it, after
 * the settle time), colliding CHILD and IKE rekeys (RFC 7296 2.8.1) and
 * a CHILD rekey crossing an IKE rekey (2.25).
 *
 *   side 0, peer "B" (initiator)  <-- queue -->  side 1, peer "A"
 *   2001:db8::1                                  2001:db8::2
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "ike/exchange.h"
#include "ike/ike.h"
#include "ike/ikev2.h"
#include "ike/message.h"
#include "report/report.h"
#include "ike/sa.h"
#include "ike/vendor.h"
#include "engine_pair.h"

static struct engine_pair pair;

#define A	(&pair.side[0])
#define B	(&pair.side[1])

/* The first retransmission timeout: short where messages get lost. */
static double rto;

/* The conf of side i's peer (side 0 names its peer "B"). */
static void
conf(struct ike_peer_conf *pc, int i, enum ike_start start)
{
	ep_side_conf(pc, i, start);
	pc->retransmit_timeout = rto;
	pc->retransmit_base = 1.5;
	pc->retransmit_limit = 4 * rto;
	pc->retransmit_tries = 5;
	pc->drain = 0.1;
	pc->settle = 0.2;
}

static const char *
pname(int i)
{
	return i == 0 ? "B" : "A";
}

/* B's peer first (responder), then A's, which initiates when start. */
static void
add(struct ike_peer_conf *pa, struct ike_peer_conf *pb)
{
	assert_int_equal(ike_peer_add(B->eng, pb), 0);
	assert_int_equal(ike_peer_add(A->eng, pa), 0);
}

static void
add_default(void)
{
	struct ike_peer_conf pa, pb;

	conf(&pa, 0, IKE_START_START);
	conf(&pb, 1, IKE_START_ADD);
	add(&pa, &pb);
}

static char *
list_json(int i)
{
	char *t = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&t, &len);

	assert_non_null(f);
	report_list(pair.side[i].eng, f, true, pname(i), NULL, NULL);
	fclose(f);
	return t;
}

/* IKE SAs of side i's peer, from the metrics. */
static int
ike_sas(int i)
{
	char *t = NULL, key[64];
	size_t len = 0;
	FILE *f = open_memstream(&t, &len);
	const char *p;
	int n;

	assert_non_null(f);
	report_metrics(pair.side[i].eng, NULL, f);
	fclose(f);
	snprintf(key, sizeof(key), "vtid_peer_ike_sas{peer=\"%s\"} ",
	    pname(i));
	p = strstr(t, key);
	assert_non_null(p);
	n = atoi(p + strlen(key));
	free(t);
	return n;
}

/* Kernel SAs left: spi_alloc (a larval SA) and sa_add without update
 * add one, sa_del removes one. */
static int
net(const struct ep_side *s)
{
	return ep_ksa_net(s);
}

static void
json_field(const char *t, const char *name, char *out, size_t outlen)
{
	char key[32];
	const char *p;
	size_t n;

	snprintf(key, sizeof(key), "\"%s\":\"", name);
	p = strstr(t, key);
	assert_non_null(p);
	p += strlen(key);
	n = strcspn(p, "\"");
	assert_true(n < outlen);
	memcpy(out, p, n);
	out[n] = '\0';
}

/* One IKE SA and one CHILD SA pair each side, SPIs and keys crossing. */
static void
assert_tunnel(void)
{
	const struct ep_ksa *ao, *ai, *bo, *bi;
	char *ta, *tb, a_i[32], a_r[32], b_i[32], b_r[32];

	assert_int_equal(ike_peer_state(A->eng, "B"), IKE_PEER_UP);
	assert_int_equal(ike_peer_state(B->eng, "A"), IKE_PEER_UP);
	assert_int_equal(ike_sas(0), 1);
	assert_int_equal(ike_sas(1), 1);
	assert_int_equal(ep_ksa_live(A), 2);
	assert_int_equal(ep_ksa_live(B), 2);
	assert_int_equal(net(A), 2);
	assert_int_equal(net(B), 2);
	ao = ep_ksa_only(A, true);
	ai = ep_ksa_only(A, false);
	bo = ep_ksa_only(B, true);
	bi = ep_ksa_only(B, false);
	assert_non_null(ao);
	assert_non_null(ai);
	assert_non_null(bo);
	assert_non_null(bi);
	assert_int_equal(ai->spi, bo->spi);
	assert_int_equal(ao->spi, bi->spi);
	assert_int_not_equal(ai->spi, ao->spi);
	/* Same algorithm, same key bytes, both ways. */
	assert_int_equal(ao->encr, bi->encr);
	assert_int_equal(ao->encr_len, bi->encr_len);
	assert_true(ao->encr_len > 0);
	assert_memory_equal(ao->encr_key, bi->encr_key, ao->encr_len);
	assert_int_equal(ao->integ_len, bi->integ_len);
	assert_memory_equal(ao->integ_key, bi->integ_key, ao->integ_len);
	assert_int_equal(bo->encr_len, ai->encr_len);
	assert_memory_equal(bo->encr_key, ai->encr_key, bo->encr_len);
	assert_memory_equal(bo->integ_key, ai->integ_key, bo->integ_len);
	assert_memory_not_equal(ao->encr_key, ai->encr_key, ao->encr_len);
	/* The IKE SA SPIs match too. */
	ta = list_json(0);
	tb = list_json(1);
	json_field(ta, "spi_i", a_i, sizeof(a_i));
	json_field(ta, "spi_r", a_r, sizeof(a_r));
	json_field(tb, "spi_i", b_i, sizeof(b_i));
	json_field(tb, "spi_r", b_r, sizeof(b_r));
	assert_string_equal(a_i, b_i);
	assert_string_equal(a_r, b_r);
	printf("  tunnel: IKE SA %s_i %s_r on both; ESP A in %08x = B out, "
	    "A out %08x = B in, %zu-byte keys equal both ways\n", a_i, a_r,
	    ai->spi, ao->spi, ao->encr_len);
	free(ta);
	free(tb);
}

static void
assert_nothing(void)
{
	assert_int_equal(ike_peer_state(A->eng, "B"), IKE_PEER_DOWN);
	assert_int_equal(ike_peer_state(B->eng, "A"), IKE_PEER_DOWN);
	assert_int_equal(ike_sas(0), 0);
	assert_int_equal(ike_sas(1), 0);
	assert_int_equal(net(A), 0);
	assert_int_equal(net(B), 0);
	assert_int_equal(ep_ksa_live(A), 0);
	assert_int_equal(ep_ksa_live(B), 0);
}

static void
expect_error(int i, const char *what)
{
	char *t = list_json(i), err[256];

	json_field(t, "last_error", err, sizeof(err));
	if (strstr(err, what) == NULL) {
		printf("no '%s' in the last error: %s\n", what, err);
		fail();
	}
	printf("  %s's last error: %s\n", pname(1 - i), err);
	free(t);
}

static unsigned
count_sent(const struct ep_side *s, uint8_t exchange, bool response)
{
	unsigned i, n = 0;

	for (i = 0; i < s->n_sent && i < EP_SENT_MAX; i++)
		n += ep_pkt_exchange(&s->sent[i]) == exchange &&
		    ep_pkt_response(&s->sent[i]) == response;
	return n;
}

/* Different messages of this kind sent (retransmissions are equal). */
static unsigned
count_distinct(const struct ep_side *s, uint8_t exchange, bool response)
{
	unsigned i, j, n = 0;
	const struct ep_pkt *p, *q;

	for (i = 0; i < s->n_sent && i < EP_SENT_MAX; i++) {
		p = &s->sent[i];
		if (ep_pkt_exchange(p) != exchange ||
		    ep_pkt_response(p) != response)
			continue;
		for (j = 0; j < i; j++) {
			q = &s->sent[j];
			if (q->len == p->len &&
			    memcmp(q->buf, p->buf, p->len) == 0)
				break;
		}
		n += j == i;
	}
	return n;
}

static int
setup(void **state)
{
	ep_init(&pair);
	rto = 0.25;
	return 0;
}

static int
teardown(void **state)
{
	ep_free(&pair);
	return 0;
}

/* ---- the tests ---- */

static void
test_happy(void **state)
{
	add_default();
	assert_true(ep_run_until(&pair, 1, ep_both_up, NULL));
	assert_tunnel();
	assert_int_equal(A->policies, 1);
	assert_int_equal(B->policies, 1);
	assert_true(A->pol_v4 && A->pol_v6 && B->pol_v4 && B->pol_v6);
	printf("happy path: IKE and CHILD SA up both sides, SPIs cross, "
	    "kernel keys A out == B in and B out == A in, policies in\n");
}

static void
test_wrong_psk(void **state)
{
	struct ike_peer_conf pa, pb;

	conf(&pa, 0, IKE_START_START);
	conf(&pb, 1, IKE_START_ADD);
	ep_conf_psk(&pb, "not-the-same-secret-at-all-0123456789");
	add(&pa, &pb);
	ep_run(&pair, 0.3);
	assert_nothing();
	expect_error(0, "AUTHENTICATION_FAILED");
	assert_true(ike_engine_stats(B->eng)->auth_failed >= 1);
	printf("wrong PSK: no IKE SA, no kernel SA either side; A's last "
	    "error has AUTHENTICATION_FAILED\n");
}

static void
test_ike_no_proposal(void **state)
{
	struct ike_peer_conf pa, pb;

	conf(&pa, 0, IKE_START_START);
	conf(&pb, 1, IKE_START_ADD);
	ep_conf_suites(&pb, "aes128gcm16-prfsha256-ecp256!", NULL);
	add(&pa, &pb);
	ep_run(&pair, 0.3);
	assert_nothing();
	expect_error(0, "NO_PROPOSAL_CHOSEN");
	assert_int_equal(count_sent(A, IKE_AUTH, false), 0);
	printf("IKE proposal mismatch: NO_PROPOSAL_CHOSEN, no SA, no "
	    "IKE_AUTH sent\n");
}

static void
test_esp_no_proposal(void **state)
{
	struct ike_peer_conf pa, pb;

	conf(&pa, 0, IKE_START_START);
	conf(&pb, 1, IKE_START_ADD);
	ep_conf_suites(&pb, NULL, "aes128gcm16!");
	add(&pa, &pb);
	ep_run(&pair, 0.5);
	printf("ESP mismatch: A IKE SAs %d, B IKE SAs %d, kernel net A %d "
	    "B %d\n", ike_sas(0), ike_sas(1), net(A), net(B));
	assert_nothing();
	expect_error(0, "NO_PROPOSAL_CHOSEN");
	printf("ESP proposal mismatch: IKE SA torn down both sides, "
	    "sa_add - sa_del = 0 both sides\n");
}

static void
test_invalid_ke(void **state)
{
	struct ike_peer_conf pa, pb;
	char *t;

	conf(&pa, 0, IKE_START_START);
	conf(&pb, 1, IKE_START_ADD);
	ep_conf_suites(&pa, "aes256gcm16-prfsha384-ecp256-ecp384!", NULL);
	ep_conf_suites(&pb, "aes256gcm16-prfsha384-ecp384!", NULL);
	add(&pa, &pb);
	assert_true(ep_run_until(&pair, 1, ep_both_up, NULL));
	assert_tunnel();
	/* INIT, INVALID_KE_PAYLOAD(20), INIT again. */
	assert_int_equal(count_distinct(A, IKE_SA_INIT, false), 2);
	assert_int_equal(count_distinct(B, IKE_SA_INIT, true), 2);
	t = list_json(0);
	assert_non_null(strstr(t, "ECP_384"));
	free(t);
	printf("INVALID_KE_PAYLOAD: A offered ecp256, B asked for ecp384, A "
	    "retried with it: two IKE_SA_INIT exchanges, tunnel up\n");
}

/* B's IKE_SA_INIT responses become INVALID_KE_PAYLOAD naming ecp384, the
 * group A offered: a peer whose crypto backend lacks the group it asks for
 * (charon without its openssl plugin). */
struct refuse_own {
	unsigned	 inits;		/* IKE_SA_INIT requests from A */
	double		 first, last;	/* when A sent the first and last */
};

static enum ep_verdict
refuse_own_hook(struct engine_pair *ep, struct ep_pkt *p, void *arg)
{
	struct refuse_own *r = arg;
	uint8_t *b = p->buf;

	if (ep_pkt_exchange(p) != IKE_SA_INIT)
		return EP_PASS;
	if (!ep_pkt_response(p)) {
		if (r->inits++ == 0)
			r->first = ev_now(ep->loop);
		r->last = ev_now(ep->loop);
		return EP_PASS;
	}
	/* HDR (its SPIs and message ID kept), N(INVALID_KE_PAYLOAD, 20). */
	memset(b + 8, 0, 8);			/* no responder SPI */
	b[16] = IKE_PL_NOTIFY;
	b[24] = 0, b[25] = 0, b[26] = 0, b[27] = 38;
	b[28] = 0, b[29] = 0, b[30] = 0, b[31] = 10;
	b[32] = 0, b[33] = 0;			/* protocol, SPI size */
	b[34] = INVALID_KE_PAYLOAD >> 8, b[35] = INVALID_KE_PAYLOAD & 0xff;
	b[36] = 0, b[37] = 20;			/* ECP_384 */
	p->len = 38;
	return EP_PASS;
}

static void
test_invalid_ke_own_group(void **state)
{
	struct ike_peer_conf pa, pb;
	struct refuse_own r = { 0, 0, 0 };

	conf(&pa, 0, IKE_START_START);
	conf(&pb, 1, IKE_START_ADD);
	/* Without the hold-down A would retry after 0.2, 0.4, 0.8 ... s. */
	pa.retry_base = 0.2;
	pa.retry_max = 3;
	ep_set_hook(&pair, refuse_own_hook, &r);
	add(&pa, &pb);
	ep_run(&pair, 2);
	assert_int_equal(r.inits, 1);
	expect_error(0, "refused our DH group 20 (ecp384) yet asks for it");
	assert_int_equal(ike_peer_state(A->eng, "B"), IKE_PEER_DOWN);
	/* Traffic does not bring it back early either. */
	assert_int_equal(ike_peer_acquire(A->eng, "B"), 0);
	ep_run(&pair, 0.2);
	assert_int_equal(r.inits, 1);
	/* It does retry, at retry_max (+-25%). */
	ep_run(&pair, 2.5);
	assert_int_equal(r.inits, 2);
	printf("INVALID_KE_PAYLOAD naming our own group: A retried after "
	    "%.2f s (retry_max 3 s, back-off base 0.2 s), ACQUIRE ignored "
	    "meanwhile\n", r.last - r.first);
	assert_true(r.last - r.first >= 3 * 0.75);
}

/* Drops, duplicates or corrupts the nth request of one exchange from A. */
struct fault {
	uint8_t		 exchange;
	unsigned	 nth;		/* from 1 */
	enum ep_verdict	 verdict;
	bool		 corrupt;
	unsigned	 seen, hit;
};

static enum ep_verdict
fault_hook(struct engine_pair *ep, struct ep_pkt *p, void *arg)
{
	struct fault *f = arg;

	if (p->from != 0 || ep_pkt_exchange(p) != f->exchange ||
	    ep_pkt_response(p) || ++f->seen != f->nth)
		return EP_PASS;
	f->hit++;
	if (f->corrupt)
		assert_true(ep_pkt_corrupt_sk(p));
	return f->verdict;
}

static void
test_lost_auth(void **state)
{
	struct fault f = { IKE_AUTH, 1, EP_DROP, false, 0, 0 };

	rto = 0.05;
	ep_set_hook(&pair, fault_hook, &f);
	add_default();
	assert_true(ep_run_until(&pair, 1.5, ep_both_up, NULL));
	assert_int_equal(f.hit, 1);
	assert_true(count_sent(A, IKE_AUTH, false) >= 2);
	assert_true(ike_engine_stats(A->eng)->tx_retransmit >= 1);
	assert_tunnel();
	printf("lost IKE_AUTH request: A retransmitted (%u sent), tunnel "
	    "up\n", count_sent(A, IKE_AUTH, false));
}

static void
test_dup_auth(void **state)
{
	struct fault f = { IKE_AUTH, 1, EP_DUP, false, 0, 0 };
	const struct ep_pkt *r[2];
	unsigned i, n = 0;

	ep_set_hook(&pair, fault_hook, &f);
	add_default();
	assert_true(ep_run_until(&pair, 1, ep_both_up, NULL));
	assert_tunnel();
	for (i = 0; i < B->n_sent && i < EP_SENT_MAX; i++)
		if (ep_pkt_exchange(&B->sent[i]) == IKE_AUTH &&
		    ep_pkt_response(&B->sent[i]) && n < 2)
			r[n++] = &B->sent[i];
	assert_int_equal(n, 2);
	assert_int_equal(ep_pkt_msgid(r[0]), ep_pkt_msgid(r[1]));
	assert_int_equal(r[0]->len, r[1]->len);
	assert_memory_equal(r[0]->buf, r[1]->buf, r[0]->len);
	assert_true(ike_engine_stats(B->eng)->rx_retransmit >= 1);
	/* Installed once. */
	assert_int_equal(B->sa_adds, 2);
	printf("duplicated IKE_AUTH request: B answered it again with the "
	    "same %zu bytes, CHILD SA installed once\n", r[0]->len);
}

static void
test_corrupt_auth(void **state)
{
	struct fault f = { IKE_AUTH, 1, EP_PASS, true, 0, 0 };

	rto = 0.05;
	ep_set_hook(&pair, fault_hook, &f);
	add_default();
	assert_true(ep_run_until(&pair, 1.5, ep_both_up, NULL));
	assert_int_equal(f.hit, 1);
	assert_true(ike_engine_stats(B->eng)->rx_bad_icv +
	    ike_engine_stats(B->eng)->rx_invalid >= 1);
	assert_true(count_sent(A, IKE_AUTH, false) >= 2);
	/* The corrupted request got no answer of its own. */
	assert_int_equal(count_distinct(B, IKE_AUTH, true), 1);
	assert_tunnel();
	printf("corrupted IKE_AUTH request (SK byte flipped): dropped by B "
	    "(bad ICV %llu), unanswered, the retransmission made the "
	    "tunnel\n",
	    (unsigned long long)ike_engine_stats(B->eng)->rx_bad_icv);
}

static void
test_delete(void **state)
{
	add_default();
	assert_true(ep_run_until(&pair, 1, ep_both_up, NULL));
	assert_int_equal(ike_peer_down(A->eng, "B"), 0);
	ep_run(&pair, 0.2);
	assert_nothing();
	assert_int_equal(A->policies, 0);
	assert_int_equal(B->policies, 0);
	assert_true(count_sent(A, INFORMATIONAL, false) >= 1);
	printf("DELETE: A down, B removed its IKE SA, CHILD SAs and "
	    "policies\n");
}

static void
test_crossing(void **state)
{
	struct ike_peer_conf pa, pb;

	conf(&pa, 0, IKE_START_START);
	conf(&pb, 1, IKE_START_START);
	/* Both initiate before either hears the other. */
	add(&pa, &pb);
	assert_int_equal(count_sent(A, IKE_SA_INIT, false), 1);
	assert_int_equal(count_sent(B, IKE_SA_INIT, false), 1);
	ep_run(&pair, 0.5);
	printf("crossing: A IKE SAs %d, B %d; kernel SAs A %d (net %d), "
	    "B %d (net %d)\n", ike_sas(0), ike_sas(1), ep_ksa_live(A),
	    net(A), ep_ksa_live(B), net(B));
	assert_tunnel();
	printf("crossing initiations: one IKE SA and one CHILD SA pair "
	    "left each side, SPIs crossing\n");
}

/* The IKE SA of side s the nonce rule keeps (its peer's current one). */
static struct ike_sa *
current_sa(const struct ep_side *s)
{
	assert_non_null(s->eng->peers);
	return s->eng->peers->sa;
}

/* Crossing initiations against a peer that decides its own way: charon
 * (uniqueids) deletes the older of its two IKE SAs, which may be the one
 * the nonce rule would keep. A must keep the survivor, not delete it too,
 * and must not start over. */
static void
test_crossing_peer_decides(void **state)
{
	struct ike_peer_conf pa, pb;
	struct ike_sa *keep;
	uint32_t serial;

	conf(&pa, 0, IKE_START_START);
	conf(&pb, 1, IKE_START_START);
	pa.settle = pb.settle = 2;
	/* B plays charon: no Vendor ID, so A waits for it to decide. */
	ike_engine_set_vendor_id(B->eng, false);
	add(&pa, &pb);
	ep_run(&pair, 0.3);
	assert_int_equal(ike_sas(0), 2);
	assert_int_equal(ike_sas(1), 2);
	/* B as charon: delete the SA the nonce rule keeps. */
	keep = current_sa(B);
	serial = current_sa(A)->serial;
	ike_sa_delete(keep);
	ep_run(&pair, 2.5);
	assert_tunnel();
	assert_int_not_equal(current_sa(A)->serial, serial);
	assert_int_equal(count_sent(A, IKE_SA_INIT, false), 1);
	assert_int_equal(count_sent(B, IKE_SA_INIT, false), 1);
	printf("crossing, the peer deleted the SA the nonce rule keeps: A "
	    "kept the other one, no new IKE_SA_INIT\n");
}

/* ---- crossing initiations and the Vendor ID ---- */

/* Make-before-break as the fake kernel sees it. A gap: an sa_del that
 * removes a side's last filled SA of a direction. A break: a packet a
 * side sends now, on its newest outbound SA (the kernel's choice), finds
 * no inbound SA at the peer when it arrives, after every datagram queued
 * before it. Counted once both sides sent on SAs the other had (the
 * responder installs before the initiator has the answer: no traffic
 * flows before that). */
#define MBB_PROBES	32
static struct {
	bool		 on, armed;
	bool		 idle;		/* every queued datagram handled */
	int		(*sa_add[2])(void *, const struct ike_peer_conf *,
			    const struct ike_sa_kernel *);
	void		(*sa_del[2])(void *, const struct ike_peer_conf *,
			    const struct sockaddr_storage *, uint32_t);
	/* Packets in flight to a peer that lacks their SA for now: fine if
	 * it installs it while handling what was queued before them. */
	struct mbb_probe {
		int		 to;
		uint32_t	 spi;
		size_t		 tail;	/* pair.q_tail when sent */
	}		 probes[MBB_PROBES];
	size_t		 n_probes;
	unsigned	 gaps[2], breaks[2];
} mbb;

/* Side i's newest filled outbound SA: what the kernel sends on. */
static const struct ep_ksa *
newest_out(int i)
{
	const struct ep_side *s = &pair.side[i];
	const struct ep_ksa *o = NULL;
	size_t k;

	for (k = 0; k < s->n_ksa; k++)
		if (s->ksa[k].live && !s->ksa[k].larval && s->ksa[k].out)
			o = &s->ksa[k];
	return o;
}

static bool
has_in(int i, uint32_t spi)
{
	return ep_ksa_find(&pair.side[i], spi, false) != NULL;
}

static void
mbb_check(void)
{
	const struct ep_ksa *o, *o0, *o1;
	struct mbb_probe *p;
	size_t k;
	int i;

	if (!mbb.on)
		return;
	if (!mbb.armed) {
		o0 = newest_out(0);
		o1 = newest_out(1);
		mbb.armed = o0 != NULL && o1 != NULL && has_in(1, o0->spi) &&
		    has_in(0, o1->spi);
		return;
	}
	for (k = 0; k < mbb.n_probes;) {
		p = &mbb.probes[k];
		if (has_in(p->to, p->spi) && pair.q_head <= p->tail) {
			*p = mbb.probes[--mbb.n_probes];
			continue;
		}
		if (pair.q_head > p->tail || (mbb.idle &&
		    pair.q_head >= p->tail)) {
			printf("  %s: a packet on %08x_o found no SA at the "
			    "peer\n", p->to == 1 ? "A" : "B", p->spi);
			mbb.breaks[1 - p->to]++;
			*p = mbb.probes[--mbb.n_probes];
			continue;
		}
		k++;
	}
	for (i = 0; i < 2; i++) {
		if ((o = newest_out(i)) == NULL || has_in(1 - i, o->spi))
			continue;
		for (k = 0; k < mbb.n_probes; k++)
			if (mbb.probes[k].spi == o->spi &&
			    mbb.probes[k].tail == pair.q_tail)
				break;
		if (k < mbb.n_probes)
			continue;
		assert_true(mbb.n_probes < MBB_PROBES);
		mbb.probes[mbb.n_probes++] = (struct mbb_probe){ 1 - i,
		    o->spi, pair.q_tail };
	}
}

static int
mbb_sa_add(void *ctx, const struct ike_peer_conf *pc,
    const struct ike_sa_kernel *k)
{
	struct ep_side *s = ctx;
	int rc = mbb.sa_add[s->index](ctx, pc, k);

	mbb_check();
	return rc;
}

static int
live_dir(const struct ep_side *s, bool out, uint32_t except)
{
	size_t i;
	int n = 0;

	for (i = 0; i < s->n_ksa; i++)
		n += s->ksa[i].live && !s->ksa[i].larval &&
		    s->ksa[i].out == out && s->ksa[i].spi != except;
	return n;
}

static void
mbb_sa_del(void *ctx, const struct ike_peer_conf *pc,
    const struct sockaddr_storage *dst, uint32_t spi)
{
	struct ep_side *s = ctx;
	const struct ep_ksa *k = ep_ksa_find(s, spi, true);

	if (k == NULL)
		k = ep_ksa_find(s, spi, false);
	if (mbb.on && k != NULL && live_dir(s, k->out, spi) == 0) {
		printf("  %s: removing %08x_%s leaves no %s SA\n",
		    s->index == 0 ? "A" : "B", spi, k->out ? "o" : "i",
		    k->out ? "outbound" : "inbound");
		mbb.gaps[s->index]++;
	}
	mbb.sa_del[s->index](ctx, pc, dst, spi);
	mbb_check();
}

static void
mbb_wrap(struct engine_pair *ep, int side, struct ike_ops *ops, void *arg)
{
	mbb.sa_add[side] = ops->sa_add;
	mbb.sa_del[side] = ops->sa_del;
	ops->sa_add = mbb_sa_add;
	ops->sa_del = mbb_sa_del;
}

static int
setup_mbb(void **state)
{
	memset(&mbb, 0, sizeof(mbb));
	ep_init_wrapped(&pair, mbb_wrap, NULL);
	mbb.on = true;
	rto = 0.25;
	return 0;
}

static int
teardown_mbb(void **state)
{
	mbb.on = false;
	return teardown(state);
}

/* The first IKE_SA_INIT message side i sent, decoded (a request or a
 * response, with this initiator SPI unless 0). */
static bool
sent_init(int i, bool response, uint64_t ispi, struct ike_msg *m)
{
	const struct ep_side *s = &pair.side[i];
	unsigned n;

	for (n = 0; n < s->n_sent && n < EP_SENT_MAX; n++) {
		if (ep_pkt_exchange(&s->sent[n]) != IKE_SA_INIT ||
		    ep_pkt_response(&s->sent[n]) != response)
			continue;
		assert_int_equal(ike_msg_decode(m, s->sent[n].buf,
		    s->sent[n].len), IKE_DEC_OK);
		if (ispi == 0 || m->hdr.ispi == ispi)
			return true;
	}
	return false;
}

/* The initiator SPI of side i's own initiation. */
static uint64_t
init_spi(int i)
{
	struct ike_msg m;

	assert_true(sent_init(i, false, 0, &m));
	return m.hdr.ispi;
}

/* Which side initiated the SA the nonce rule deletes: the one whose
 * exchange has the lowest nonce (RFC 7296 2.8.1), from the IKE_SA_INITs
 * on the wire. */
static int
nonce_loser_side(void)
{
	uint8_t min[2][IKE_NONCE_MAX];
	size_t len[2];
	struct ike_msg rq, rs;
	int i;

	for (i = 0; i < 2; i++) {
		assert_true(sent_init(i, false, 0, &rq));
		assert_true(sent_init(1 - i, true, rq.hdr.ispi, &rs));
		ike_nonce_min(rq.nonce.data, rq.nonce.len, rs.nonce.data,
		    rs.nonce.len, min[i], &len[i]);
	}
	return ike_nonce_cmp(min[0], len[0], min[1], len[1]) < 0 ? 0 : 1;
}

static bool
one_each(struct engine_pair *ep, void *arg)
{
	/* Called with the queue empty: what was in flight has arrived. */
	mbb.idle = true;
	mbb_check();
	mbb.idle = false;
	return ep_both_up(ep, NULL) && ike_sas(0) == 1 && ike_sas(1) == 1 &&
	    net(A) == 2 && net(B) == 2;
}

/* What side i's list says of its peer's Vendor ID. */
static int
peer_vtid(int i)
{
	char *t = list_json(i);
	const char *p = strstr(t, "\"peer_vtid\":");
	int v;

	assert_non_null(p);
	v = atoi(p + strlen("\"peer_vtid\":"));
	free(t);
	return v;
}

/* Our Vendor ID on the wire, both ways: 18 bytes, SHA-256("vtid") then
 * the crossing rule; what is recognised in a message and what is not. */
static void
test_vendor_id(void **state)
{
	uint8_t digest[32], foreign[16], other_rule[IKE_VTID_VID_LEN];
	unsigned int dlen;
	struct ike_msg rq, rs, m;
	const struct ike_pl_vendor *v;

	add_default();
	assert_true(ep_run_until(&pair, 1, ep_both_up, NULL));
	assert_true(sent_init(0, false, 0, &rq));
	assert_true(sent_init(1, true, rq.hdr.ispi, &rs));
	assert_int_equal(rq.n_vendor, 1);
	assert_int_equal(rs.n_vendor, 1);
	v = &rq.vendor[0];
	assert_int_equal(v->len, IKE_VTID_VID_LEN);
	assert_int_equal(EVP_Digest("vtid", 4, digest, &dlen, EVP_sha256(),
	    NULL), 1);
	assert_memory_equal(v->data, digest, IKE_VTID_VID_PREFIX_LEN);
	assert_int_equal(v->data[16], 0);
	assert_int_equal(v->data[17], IKE_VTID_CROSSING_RULE);
	assert_memory_equal(rs.vendor[0].data, v->data, IKE_VTID_VID_LEN);
	assert_int_equal(ike_vendor_vtid_rule(&rq), 1);
	assert_int_equal(peer_vtid(0), 1);
	assert_int_equal(peer_vtid(1), 1);

	/* Other vendors' IDs are ignored, ours is found among them. */
	memset(&m, 0, sizeof(m));
	memset(foreign, 0x5a, sizeof(foreign));
	m.vendor[0] = (struct ike_pl_vendor){ foreign, sizeof(foreign), false };
	m.n_vendor = 1;
	assert_int_equal(ike_vendor_vtid_rule(&m), 0);
	m.vendor[1] = *v;
	m.n_vendor = 2;
	assert_int_equal(ike_vendor_vtid_rule(&m), 1);
	/* Another rule is told apart; a cut or longer one is not ours;
	 * inside SK it does not count (we send it in IKE_SA_INIT only). */
	memcpy(other_rule, v->data, IKE_VTID_VID_LEN);
	other_rule[17] = 2;
	m.vendor[1].data = other_rule;
	assert_int_equal(ike_vendor_vtid_rule(&m), 2);
	m.vendor[1].len = IKE_VTID_VID_LEN - 1;
	assert_int_equal(ike_vendor_vtid_rule(&m), 0);
	m.vendor[1] = *v;
	m.vendor[1].len = IKE_VTID_VID_PREFIX_LEN;
	assert_int_equal(ike_vendor_vtid_rule(&m), 0);
	m.vendor[1] = *v;
	m.vendor[1].inner = true;
	assert_int_equal(ike_vendor_vtid_rule(&m), 0);
	printf("Vendor ID: %u bytes in IKE_SA_INIT request and response, "
	    "SHA-256(\"vtid\")[0..15] %02x%02x%02x%02x... + rule %u; foreign, "
	    "cut and SK-borne ones ignored, rule 2 told apart; both peers "
	    "listed as vtid\n", IKE_VTID_VID_LEN, digest[0], digest[1],
	    digest[2], digest[3], IKE_VTID_CROSSING_RULE);
}

/* Which IKE_AUTH message of a crossing to hold back (the first one side
 * from sends of that kind), then queue again once everything else has
 * run; or lose: the winner's answer (from the loser's initiator, who
 * answers the winner's IKE_AUTH), never delivered. */
struct auth_delay {
	const char	*what;
	int		 from;
	bool		 response, lose;
	bool		 done, held;
	struct ep_pkt	 pkt;
};

static enum ep_verdict
delay_hook(struct engine_pair *ep, struct ep_pkt *p, void *arg)
{
	struct auth_delay *d = arg;

	if (d->from < 0 || d->done || ep_pkt_exchange(p) != IKE_AUTH ||
	    ep_pkt_response(p) != d->response)
		return EP_PASS;
	if (d->lose ? p->from != nonce_loser_side() : p->from != d->from)
		return EP_PASS;
	d->done = true;
	if (!d->lose) {
		d->pkt = *p;
		d->held = true;
	}
	return EP_DROP;
}

/* Two vtids initiate at once, their IKE_AUTHs ordered as d says: the SA
 * with the lowest nonce is deleted by its responder (who initiated the
 * other) as soon as it has both, in one INFORMATIONAL exchange; the
 * settle time (10 s here) plays no part. Neither side is ever without an
 * SA each way, nor sends on one the peer lacks (mbb). Returns the time
 * it took. */
static double
crossing_run(struct auth_delay *d)
{
	struct ike_peer_conf pa, pb;
	int loser, deleter;
	double t0, took;
	char *t, spi_i[32], want[32];

	rto = d->lose ? 0.25 : 2;
	conf(&pa, 0, IKE_START_START);
	conf(&pb, 1, IKE_START_START);
	pa.settle = pb.settle = 10;
	ep_set_hook(&pair, delay_hook, d);
	t0 = ev_time();
	add(&pa, &pb);
	assert_int_equal(count_sent(A, IKE_SA_INIT, false), 1);
	assert_int_equal(count_sent(B, IKE_SA_INIT, false), 1);
	ep_pump(&pair);
	if (d->held) {
		assert_true(pair.q_tail - pair.q_head < EP_QUEUE_MAX);
		pair.queue[pair.q_tail++ % EP_QUEUE_MAX] = d->pkt;
		d->held = false;
	}
	assert_true(ep_run_until(&pair, 3, one_each, NULL));
	took = ev_time() - t0;
	assert_true(d->from < 0 || d->done);
	assert_tunnel();
	loser = nonce_loser_side();
	deleter = count_sent(A, INFORMATIONAL, false) > 0 ? 0 : 1;
	/* One DELETE, by the loser's responder, answered; nothing else. */
	assert_int_equal(deleter, 1 - loser);
	assert_int_equal(count_sent(&pair.side[deleter], INFORMATIONAL, false),
	    1);
	assert_int_equal(count_sent(&pair.side[1 - deleter], INFORMATIONAL,
	    false), 0);
	assert_int_equal(count_sent(&pair.side[1 - deleter], INFORMATIONAL,
	    true), 1);
	/* What is left on both sides is the deleter's own initiation. */
	snprintf(want, sizeof(want), "%016" PRIx64, init_spi(deleter));
	t = list_json(0);
	json_field(t, "spi_i", spi_i, sizeof(spi_i));
	free(t);
	assert_string_equal(spi_i, want);
	assert_int_equal(mbb.gaps[0], 0);
	assert_int_equal(mbb.gaps[1], 0);
	assert_true(mbb.armed);
	assert_int_equal(mbb.breaks[0], 0);
	assert_int_equal(mbb.breaks[1], 0);
	assert_int_equal(peer_vtid(0), 1);
	assert_int_equal(peer_vtid(1), 1);
	/* And it stays so: no settle verdict, no second deletion. */
	ep_run(&pair, 0.3);
	assert_true(one_each(&pair, NULL));
	assert_int_equal(count_sent(A, INFORMATIONAL, false) +
	    count_sent(B, INFORMATIONAL, false), 1);
	printf("  %s: %s's SA had the lowest nonce, deleted by %s; one IKE SA "
	    "%s_i each side after %.0f ms\n", d->what, pname(1 - loser),
	    pname(1 - deleter), spi_i, took * 1000);
	return took;
}

static void
test_crossing_vtid(void **state)
{
	struct auth_delay d = { "as they come", -1, false, false, false,
	    false, { 0 } };
	double took = crossing_run(&d);

	assert_true(took < 1.0);
	printf("vtid<->vtid crossing: one IKE SA each side %.0f ms after both "
	    "initiated (settle 10 s not used), 1 INFORMATIONAL exchange, the "
	    "same IKE and CHILD SA SPIs on both; no side without an SA each "
	    "way, each always sending on an SA the peer has\n", took * 1000);
}

/* Every order of the IKE_AUTH messages: each one held back in turn, and
 * the winner's answer lost (its initiator, the deleter, retransmits;
 * until then the loser carries the traffic). 4 runs each, so that either
 * side has the lowest nonce. */
static void
test_crossing_vtid_orders(void **state)
{
	static const struct auth_delay cases[] = {
		{ "A's IKE_AUTH request late", 0, false, false, false, false,
		    { 0 } },
		{ "B's IKE_AUTH request late", 1, false, false, false, false,
		    { 0 } },
		{ "A's IKE_AUTH answer late", 0, true, false, false, false,
		    { 0 } },
		{ "B's IKE_AUTH answer late", 1, true, false, false, false,
		    { 0 } },
		{ "the winner's IKE_AUTH answer lost", 0, true, true, false,
		    false, { 0 } },
	};
	struct auth_delay d;
	double took, worst = 0;
	size_t c;
	int k, runs = 0;

	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
		for (k = 0; k < 4; k++) {
			if (runs++ > 0) {
				teardown_mbb(state);
				setup_mbb(state);
			}
			d = cases[c];
			took = crossing_run(&d);
			if (!d.lose && took > worst)
				worst = took;
			assert_true(took < (d.lose ? 2.0 : 1.0));
		}
	printf("vtid<->vtid crossings, %d runs in 5 orders of the IKE_AUTH "
	    "messages: always the loser's responder deleting it, no side "
	    "without an SA or sending on one the peer lacks; at most %.0f ms "
	    "with nothing lost\n", runs, worst * 1000);
}

/* The deleter's DELETE never arrives (every INFORMATIONAL request it
 * sends is lost): the other end falls back on the settle rule and
 * deletes the loser itself after settle (0.5 s), releasing the outbound
 * SA it held for the winner; still nothing lost. */
static enum ep_verdict
drop_deleter_info(struct engine_pair *ep, struct ep_pkt *p, void *arg)
{
	unsigned *dropped = arg;

	if (ep_pkt_exchange(p) != INFORMATIONAL || ep_pkt_response(p) ||
	    p->from != 1 - nonce_loser_side())
		return EP_PASS;
	(*dropped)++;
	return EP_DROP;
}

static void
test_crossing_vtid_delete_lost(void **state)
{
	struct ike_peer_conf pa, pb;
	unsigned dropped = 0;
	double t0, took;
	int x;

	conf(&pa, 0, IKE_START_START);
	conf(&pb, 1, IKE_START_START);
	pa.settle = pb.settle = 0.5;
	ep_set_hook(&pair, drop_deleter_info, &dropped);
	t0 = ev_time();
	add(&pa, &pb);
	assert_true(ep_run_until(&pair, 3, one_each, NULL));
	took = ev_time() - t0;
	assert_tunnel();
	x = nonce_loser_side();
	assert_true(dropped >= 1);
	/* The loser's initiator deleted it after the settle time. */
	assert_int_equal(count_sent(&pair.side[x], INFORMATIONAL, false), 1);
	assert_true(took >= 0.5);
	assert_int_equal(mbb.gaps[0] + mbb.gaps[1], 0);
	assert_true(mbb.armed);
	assert_int_equal(mbb.breaks[0] + mbb.breaks[1], 0);
	printf("vtid<->vtid crossing, the deleter's DELETE lost (%u sent, "
	    "none arrived): %s deleted the loser itself after settle 0.5 s, "
	    "one IKE SA each side after %.2f s, nothing lost\n", dropped,
	    pname(1 - x), took);
}

/* A peer of another kind (B, no Vendor ID, as charon) deletes the SA A
 * answered while the answer to A's own IKE_AUTH is lost: A carries on
 * with its pending SA (no third IKE SA) and asks again at once, not
 * after its retransmission timeout (2 s). */
static enum ep_verdict
drop_b_answer(struct engine_pair *ep, struct ep_pkt *p, void *arg)
{
	bool *done = arg;

	if (*done || p->from != 1 || ep_pkt_exchange(p) != IKE_AUTH ||
	    !ep_pkt_response(p))
		return EP_PASS;
	*done = true;
	return EP_DROP;
}

static void
test_crossing_deleted_pending(void **state)
{
	struct ike_peer_conf pa, pb;
	struct ike_sa *sa;
	bool dropped = false;
	double t0, took;

	rto = 2;
	conf(&pa, 0, IKE_START_START);
	conf(&pb, 1, IKE_START_START);
	ike_engine_set_vendor_id(B->eng, false);
	ep_set_hook(&pair, drop_b_answer, &dropped);
	add(&pa, &pb);
	ep_pump(&pair);
	assert_true(dropped);
	assert_int_equal(ike_sas(0), 2);
	/* B deletes the one it initiated (A answered it). */
	for (sa = B->eng->peers->sas; sa != NULL; sa = sa->next)
		if (sa->initiator)
			break;
	if (sa == NULL)
		fail_msg("B has no SA it initiated");
	else
		assert_int_equal(sa->state, SA_ESTABLISHED);
	t0 = ev_time();
	ike_sa_delete(sa);
	assert_true(ep_run_until(&pair, 1.5, one_each, NULL));
	took = ev_time() - t0;
	assert_tunnel();
	assert_int_equal(count_sent(A, IKE_AUTH, false), 2);
	assert_int_equal(count_distinct(A, IKE_AUTH, false), 1);
	assert_int_equal(count_sent(A, IKE_SA_INIT, false), 1);
	assert_true(took < 1.0);
	printf("peer deleted the SA A answered while A's own IKE_AUTH answer "
	    "was lost: A kept its pending SA, asked again at once, one IKE SA "
	    "each side %.0f ms after the DELETE (retransmission timeout 2 s), "
	    "no third IKE_SA_INIT\n", took * 1000);
}

/* A declares B dead while B, stopped, noticed nothing (the clock test's
 * case): B still holds the old IKE SA when A initiates again. A sends
 * INITIAL_CONTACT (it holds no other SA with B), so B drops the old one
 * instead of taking the new for a crossing and deleting it. */
static void
test_peer_lost_sa(void **state)
{
	uint32_t old;

	add_default();
	assert_true(ep_run_until(&pair, 1, ep_both_up, NULL));
	old = current_sa(B)->serial;
	ike_sa_dead(current_sa(A));
	assert_true(ep_run_until(&pair, 2, ep_both_up, NULL));
	ep_run(&pair, 0.3);
	assert_tunnel();
	assert_int_not_equal(current_sa(B)->serial, old);
	assert_int_equal(count_sent(A, IKE_SA_INIT, false), 2);
	printf("A gave B up, B kept its IKE SA: A's new one (INITIAL_CONTACT) "
	    "replaced it, one IKE SA each side\n");
}

/* Drops A's first IKE_AUTH request: its retransmission arrives after the
 * IKE_AUTH of A's second attempt. */
static enum ep_verdict
drop_first_auth(struct engine_pair *ep, struct ep_pkt *p, void *arg)
{
	bool *done = arg;

	(void)ep;
	if (*done || p->from != 0 || ep_pkt_exchange(p) != IKE_AUTH ||
	    ep_pkt_response(p))
		return EP_PASS;
	*done = true;
	return EP_DROP;
}

/* charon's reauthentication beside its trap (CI of 28c5fcb): the peer runs
 * two initiations at once, each IKE_AUTH with INITIAL_CONTACT, and the
 * first one's arrives last. B took the second SA for a leftover and
 * removed it silently while A kept it: two CHILD SA pairs on A, one on B.
 * B now sends a DELETE for it. The settle time (5 s) is longer than the
 * test, so no crossing rule can be what tidies up. */
static void
test_peer_twice_initial_contact(void **state)
{
	struct ike_peer_conf pa, pb;
	bool dropped = false;
	double t0, took;

	rto = 0.3;
	conf(&pa, 0, IKE_START_START);
	conf(&pb, 1, IKE_START_ADD);
	pa.settle = pb.settle = 5;
	ep_set_hook(&pair, drop_first_auth, &dropped);
	t0 = ev_time();
	add(&pa, &pb);
	assert_int_equal(ike_sa_initiate(A->eng->peers), 0);
	assert_true(ep_run_until(&pair, 1.5, one_each, NULL));
	took = ev_time() - t0;
	assert_true(dropped);
	assert_tunnel();
	assert_int_equal(count_sent(A, IKE_SA_INIT, false), 2);
	assert_int_equal(count_sent(B, INFORMATIONAL, false), 1);
	printf("peer initiated twice at once, both with INITIAL_CONTACT, the "
	    "first IKE_AUTH last: B deleted the other SA with a DELETE, one "
	    "IKE SA each side after %.0f ms (settle 5 s)\n", took * 1000);
}

/* A peer without the Vendor ID (B: an engine told to send none and heed
 * none, as vtid was before it) gets the settle time: both SAs live for
 * it, then the same nonce rule decides. */
static void
test_crossing_not_vtid(void **state)
{
	struct ike_peer_conf pa, pb;
	struct ike_msg rq;
	int loser, deleter;
	double t0, took;

	conf(&pa, 0, IKE_START_START);
	conf(&pb, 1, IKE_START_START);
	pa.settle = pb.settle = 1;
	ike_engine_set_vendor_id(B->eng, false);
	t0 = ev_time();
	add(&pa, &pb);
	ep_run(&pair, 0.5);
	assert_int_equal(ike_sas(0), 2);
	assert_int_equal(ike_sas(1), 2);
	assert_int_equal(peer_vtid(0), 0);
	assert_int_equal(peer_vtid(1), 0);
	assert_true(sent_init(0, false, 0, &rq));
	assert_int_equal(rq.n_vendor, 1);
	assert_true(sent_init(1, false, 0, &rq));
	assert_int_equal(rq.n_vendor, 0);
	assert_true(ep_run_until(&pair, 3, one_each, NULL));
	took = ev_time() - t0;
	assert_tunnel();
	assert_true(took >= 1.0);
	loser = nonce_loser_side();
	deleter = count_sent(A, INFORMATIONAL, false) > 0 ? 0 : 1;
	assert_int_equal(deleter, loser);
	assert_int_equal(count_sent(A, INFORMATIONAL, false) +
	    count_sent(B, INFORMATIONAL, false), 1);
	printf("vtid<->peer without the Vendor ID: both IKE SAs kept 0.5 s "
	    "in, one each side after %.2f s (settle 1 s), the lowest nonce's "
	    "deleted by its initiator %s\n", took, pname(1 - deleter));
}

/* Drops A's INFORMATIONAL requests: B never hears the DELETE. */
static enum ep_verdict
drop_a_info_hook(struct engine_pair *p, struct ep_pkt *pkt, void *arg)
{
	(void)p;
	(void)arg;
	return pkt->from == 0 && ep_pkt_exchange(pkt) == INFORMATIONAL &&
	    !ep_pkt_response(pkt) ? EP_DROP : EP_PASS;
}

/* As charon does on a DELETE for an SA it reauthenticates: B drops the SA
 * without answering and initiates a new one. A's SA, waiting for the
 * answer, goes with its CHILD SAs as soon as the new one is established,
 * not when its retransmissions run out (CI: two CHILD SA pairs for 14 s
 * after charon's break-before-make reauthentication). */
static void
test_delete_superseded(void **state)
{
	struct ike_sa *old;
	uint32_t serial;

	add_default();
	assert_true(ep_run_until(&pair, 1, ep_both_up, NULL));
	ep_set_hook(&pair, drop_a_info_hook, NULL);
	old = current_sa(A);
	serial = old->serial;
	ike_sa_delete(old);
	assert_int_equal(old->state, SA_DELETING);
	ike_sa_destroy(current_sa(B), NULL);
	assert_int_equal(ike_peer_initiate(B->eng, "A"), 0);
	/* Well inside A's retransmissions of the DELETE (0.25 s, then
	 * more, five times). */
	ep_run(&pair, 0.3);
	assert_tunnel();
	assert_int_not_equal(current_sa(A)->serial, serial);
	assert_true(count_sent(A, INFORMATIONAL, false) >= 1);
	printf("DELETE unanswered, the peer re-established: A's old IKE SA and "
	    "its CHILD SAs removed when the new one came up, one pair each "
	    "side after 0.3 s\n");
}

static void
rekey_both(bool ike)
{
	char *t, spi_before[32], spi_after[32];
	uint32_t in_before;

	add_default();
	assert_true(ep_run_until(&pair, 1, ep_both_up, NULL));
	assert_non_null(ep_ksa_only(A, false));
	in_before = ep_ksa_only(A, false)->spi;
	t = list_json(0);
	json_field(t, "spi_i", spi_before, sizeof(spi_before));
	free(t);
	assert_int_equal(ike_peer_rekey(A->eng, "B", ike), 0);
	assert_int_equal(ike_peer_rekey(B->eng, "A", ike), 0);
	/* The collision, the deletes, the drain (0.1 s). */
	ep_run(&pair, 0.6);
	printf("%s rekey collision: A IKE SAs %d, B %d; kernel SAs A %d "
	    "(net %d), B %d (net %d); CREATE_CHILD_SA requests A %u B %u\n",
	    ike ? "IKE" : "CHILD", ike_sas(0), ike_sas(1), ep_ksa_live(A),
	    net(A), ep_ksa_live(B), net(B),
	    count_sent(A, CREATE_CHILD_SA, false),
	    count_sent(B, CREATE_CHILD_SA, false));
	assert_tunnel();
	t = list_json(0);
	json_field(t, "spi_i", spi_after, sizeof(spi_after));
	free(t);
	if (ike) {
		/* A new IKE SA; the CHILD SA moved over, not re-made. */
		assert_string_not_equal(spi_before, spi_after);
		assert_int_equal(ep_ksa_only(A, false)->spi, in_before);
	} else {
		assert_string_equal(spi_before, spi_after);
		assert_int_not_equal(ep_ksa_only(A, false)->spi, in_before);
	}
}

static void
test_rekey_child_collision(void **state)
{
	rekey_both(false);
	printf("simultaneous CHILD rekeys: one CHILD SA pair and one IKE SA "
	    "each side, SPIs cross\n");
}

static void
test_rekey_ike_collision(void **state)
{
	rekey_both(true);
	printf("simultaneous IKE rekeys: one IKE SA each side, the CHILD SA "
	    "pair kept, SPIs cross\n");
}

/* RFC 7296 2.25: one end rekeys the CHILD SA while the other rekeys the
 * IKE SA, both requests on the wire at once. Whatever the outcome, each
 * end must be left with one CHILD SA pair, the peers' SPIs crossing,
 * nothing held back, and both must rekey again afterwards. */
static void
rekey_child_vs_ike(int child_side)
{
	struct ep_side *c = &pair.side[child_side];
	struct ep_side *k = &pair.side[1 - child_side];
	uint32_t in_before;

	add_default();
	assert_true(ep_run_until(&pair, 1, ep_both_up, NULL));
	in_before = ep_ksa_only(c, false)->spi;
	assert_int_equal(ike_peer_rekey(c->eng, pname(child_side), false), 0);
	assert_int_equal(ike_peer_rekey(k->eng, pname(1 - child_side), true),
	    0);
	/* The crossing, its retries (2 s at most), the deletes and the
	 * drain (0.1 s). */
	ep_run(&pair, 3);
	printf("CHILD rekey by %s crossing an IKE rekey by %s: IKE SAs %d "
	    "and %d; kernel SAs %d (net %d) and %d (net %d)\n",
	    child_side == 0 ? "A" : "B", child_side == 0 ? "B" : "A",
	    ike_sas(child_side), ike_sas(1 - child_side), ep_ksa_live(c),
	    net(c), ep_ksa_live(k), net(k));
	assert_tunnel();
	/* The CHILD rekey asked for got done, on one IKE SA or the other. */
	assert_int_not_equal(ep_ksa_only(c, false)->spi, in_before);
	/* And neither end is stuck: a further CHILD rekey from either side
	 * goes through. */
	in_before = ep_ksa_only(c, false)->spi;
	assert_int_equal(ike_peer_rekey(k->eng, pname(1 - child_side), false),
	    0);
	ep_run(&pair, 0.5);
	assert_tunnel();
	assert_int_not_equal(ep_ksa_only(c, false)->spi, in_before);
}

static void
test_rekey_child_vs_ike(void **state)
{
	rekey_child_vs_ike(0);
	printf("A's CHILD rekey crossing B's IKE rekey: one CHILD SA pair "
	    "each side, both rekey again\n");
}

static void
test_rekey_ike_vs_child(void **state)
{
	rekey_child_vs_ike(1);
	printf("B's CHILD rekey crossing A's IKE rekey: one CHILD SA pair "
	    "each side, both rekey again\n");
}

/* The kernel's soft EXPIRE on the CHILD SA (its lifetime, as a safety
 * net behind the engine's timers) starts a rekey at once. */
static void
test_expire_soft(void **state)
{
	uint32_t in, out;

	add_default();
	assert_true(ep_run_until(&pair, 1, ep_both_up, NULL));
	in = ep_ksa_only(A, false)->spi;
	out = ep_ksa_only(A, true)->spi;
	ike_kernel_expire(A->eng, 7, in, false);
	ep_run(&pair, 0.5);
	assert_tunnel();
	assert_int_not_equal(ep_ksa_only(A, false)->spi, in);
	assert_int_not_equal(ep_ksa_only(A, true)->spi, out);
	printf("soft EXPIRE on %08x_i: rekeyed, now %08x_i %08x_o\n", in,
	    ep_ksa_only(A, false)->spi, ep_ksa_only(A, true)->spi);
}

/* A hard EXPIRE means the kernel removed the SA: the tunnel is broken,
 * the IKE SA is deleted (the peer's SAs go too) and, with DPD action
 * restart, negotiated again. An EXPIRE for an SPI that is not ours
 * (another peer's mark, a reserved SPI) changes nothing. */
static void
test_expire_hard(void **state)
{
	struct ike_peer_conf pa, pb;
	uint32_t out;

	conf(&pa, 0, IKE_START_START);
	conf(&pb, 1, IKE_START_ADD);
	pa.dpd_action = IKE_DPD_RESTART;
	pa.retry_base = 0.05;
	add(&pa, &pb);
	assert_true(ep_run_until(&pair, 1, ep_both_up, NULL));
	out = ep_ksa_only(A, true)->spi;
	ike_kernel_expire(A->eng, 8, out, true);
	ike_kernel_expire(A->eng, 7, 0xc0ffee00, true);
	ep_pump(&pair);
	assert_int_equal(ep_ksa_only(A, true)->spi, out);
	/* As the kernel does: the SA is gone when the hard EXPIRE comes. */
	for (size_t i = 0; i < A->n_ksa; i++)
		if (A->ksa[i].live && A->ksa[i].spi == out)
			A->ksa[i].live = false;
	A->sa_dels++;
	ike_kernel_expire(A->eng, 7, out, true);
	ep_run(&pair, 0.5);
	assert_tunnel();
	assert_int_not_equal(ep_ksa_only(A, true)->spi, out);
	printf("hard EXPIRE on %08x_o: IKE SA deleted, renegotiated, now "
	    "%08x_o; EXPIREs not ours ignored\n", out,
	    ep_ksa_only(A, true)->spi);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_happy),
		T(test_wrong_psk),
		T(test_ike_no_proposal),
		T(test_esp_no_proposal),
		T(test_invalid_ke),
		T(test_invalid_ke_own_group),
		T(test_lost_auth),
		T(test_dup_auth),
		T(test_corrupt_auth),
		T(test_delete),
		T(test_crossing),
		T(test_crossing_peer_decides),
		T(test_vendor_id),
		cmocka_unit_test_setup_teardown(test_crossing_vtid,
		    setup_mbb, teardown_mbb),
		cmocka_unit_test_setup_teardown(test_crossing_vtid_orders,
		    setup_mbb, teardown_mbb),
		cmocka_unit_test_setup_teardown(test_crossing_vtid_delete_lost,
		    setup_mbb, teardown_mbb),
		T(test_crossing_deleted_pending),
		T(test_crossing_not_vtid),
		T(test_delete_superseded),
		T(test_peer_lost_sa),
		T(test_peer_twice_initial_contact),
		T(test_rekey_child_collision),
		T(test_rekey_ike_collision),
		T(test_rekey_child_vs_ike),
		T(test_rekey_ike_vs_child),
		T(test_expire_soft),
		T(test_expire_hard),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
