/* Two IKE engines negotiate against each other in this process
 * (engine_pair.h: a packet queue, a recording fake kernel, libev time):
 * the happy path, then the error paths of the exchanges: wrong PSK,
 * proposal mismatches, INVALID_KE_PAYLOAD, lost, duplicated and
 * corrupted messages, DELETE, crossing initiations, colliding
 * CHILD and IKE rekeys (RFC 7296 2.8.1) and a CHILD rekey crossing an
 * IKE rekey (2.25).
 *
 *   side 0, peer "B" (initiator)  <-- queue -->  side 1, peer "A"
 *   2001:db8::1                                  2001:db8::2
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

#include "ike/ike.h"
#include "ike/ikev2.h"
#include "report/report.h"
#include "ike/sa.h"
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

static bool
both_up(struct engine_pair *ep, void *arg)
{
	return ike_peer_state(ep->side[0].eng, "B") == IKE_PEER_UP &&
	    ike_peer_state(ep->side[1].eng, "A") == IKE_PEER_UP;
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
	assert_true(ep_run_until(&pair, 1, both_up, NULL));
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
	assert_true(ep_run_until(&pair, 1, both_up, NULL));
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
	assert_true(ep_run_until(&pair, 1.5, both_up, NULL));
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
	assert_true(ep_run_until(&pair, 1, both_up, NULL));
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
	assert_true(ep_run_until(&pair, 1.5, both_up, NULL));
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
	assert_true(ep_run_until(&pair, 1, both_up, NULL));
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

static void
rekey_both(bool ike)
{
	char *t, spi_before[32], spi_after[32];
	uint32_t in_before;

	add_default();
	assert_true(ep_run_until(&pair, 1, both_up, NULL));
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
	assert_true(ep_run_until(&pair, 1, both_up, NULL));
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
	assert_true(ep_run_until(&pair, 1, both_up, NULL));
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
	assert_true(ep_run_until(&pair, 1, both_up, NULL));
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
		T(test_rekey_child_collision),
		T(test_rekey_ike_collision),
		T(test_rekey_child_vs_ike),
		T(test_rekey_ike_vs_child),
		T(test_expire_soft),
		T(test_expire_hard),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
