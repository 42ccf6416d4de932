/* Pacing of our own initiations (dos.initiate_max, peer.c): at most that
 * many negotiate at once, the other peers wait in line in the order they
 * asked, a peer taken down or removed leaves the line; and the operator's
 * "up" on a start add peer retries per keying_tries (engine_pair.c).
 * Side A's peers P1..P5 have addresses nobody answers; "B" is side B. */
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

#include "ike/engine.h"
#include "ike/ike.h"
#include "ike/ikev2.h"
#include "engine_pair.h"

static struct engine_pair pair;

#define A	(&pair.side[0])
#define B	(&pair.side[1])
#define NP	5

static void
fast(struct ike_peer_conf *pc)
{
	pc->retransmit_timeout = 0.1;
	pc->retransmit_base = 1.5;
	pc->retransmit_limit = 0.4;
	pc->retransmit_tries = 1;
	pc->drain = 0.1;
	pc->settle = 0.2;
}

static void
conf(struct ike_peer_conf *pc, int i, enum ike_start start)
{
	ep_side_conf(pc, i, start);
	fast(pc);
	pc->retry_base = 0.1;
	pc->retry_max = 0.2;
}

/* P1..P5 on A: nobody at their addresses; no retry within a test. */
static void
conf_dead(struct ike_peer_conf *pc, int k)
{
	char name[8], addr[32];

	snprintf(name, sizeof(name), "P%d", k);
	snprintf(addr, sizeof(addr), "2001:db8::1%d", k);
	ep_peer_conf(pc, name, EP_ADDR_A, addr, (uint32_t)(10 + k),
	    IKE_START_START);
	fast(pc);
	pc->retry_base = 60;
	pc->retry_max = 60;
}

static void
set_initiate_max(struct ep_side *s, unsigned n)
{
	struct ike_dos_conf d = s->eng->dos;

	d.initiate_max = n;
	ike_engine_set_dos(s->eng, &d);
}

/* A's IKE_SA_INITs: the order in which destinations got their first,
 * new SPIs (attempts, not retransmissions), the most in flight seen. */
struct watch {
	char		 order[16][INET6_ADDRSTRLEN];
	unsigned	 n_order;
	uint64_t	 spis[64];
	unsigned	 attempts;
	uint64_t	 max_initiating;
};

static uint64_t
ispi(const struct ep_pkt *p)
{
	uint64_t v = 0;

	for (int k = 0; k < 8; k++)
		v = v << 8 | p->buf[k];
	return v;
}

static enum ep_verdict
watch_hook(struct engine_pair *ep, struct ep_pkt *p, void *arg)
{
	struct watch *w = arg;
	const struct sockaddr_in6 *to = (const struct sockaddr_in6 *)&p->local;
	char a[INET6_ADDRSTRLEN];
	uint64_t spi = ispi(p);
	unsigned i;

	if (p->from != 0)
		return EP_PASS;
	if (A->eng->stats.initiating > w->max_initiating)
		w->max_initiating = A->eng->stats.initiating;
	inet_ntop(AF_INET6, &to->sin6_addr, a, sizeof(a));
	if (ep_pkt_exchange(p) == IKE_SA_INIT && !ep_pkt_response(p)) {
		for (i = 0; i < w->attempts && w->spis[i] != spi; i++)
			;
		if (i == w->attempts && w->attempts < 64)
			w->spis[w->attempts++] = spi;
		for (i = 0; i < w->n_order && strcmp(w->order[i], a) != 0; i++)
			;
		if (i == w->n_order && w->n_order < 16)
			snprintf(w->order[w->n_order++], INET6_ADDRSTRLEN, "%s",
			    a);
	}
	return strcmp(a, EP_ADDR_B) == 0 ? EP_PASS : EP_DROP;
}

static int
setup(void **state)
{
	(void)state;
	ep_init(&pair);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	ep_free(&pair);
	return 0;
}

static bool
queued(const char *name)
{
	struct ike_snapshot *s = ike_snapshot_take(A->eng, name);
	bool q;

	assert_non_null(s);
	assert_int_equal(s->n_peers, 1);
	q = s->peers[0].queued;
	ike_snapshot_free(s);
	return q;
}

/* initiate_max 2, six start peers added at once: two negotiate, four
 * wait; P4 is removed and P5 taken down while they wait; the others get
 * their turn in the order they were added, never more than two at once,
 * and B, last in line, comes up. */
static void
test_pace_line(void **state)
{
	static const char *const want[] = {
		"2001:db8::11", "2001:db8::12", "2001:db8::13", EP_ADDR_B,
	};
	struct ike_peer_conf pc, pb;
	struct watch w;
	double t0;
	unsigned i;
	int k;

	(void)state;
	memset(&w, 0, sizeof(w));
	ep_set_hook(&pair, watch_hook, &w);
	set_initiate_max(A, 2);
	conf(&pb, 1, IKE_START_ADD);
	assert_int_equal(ike_peer_add(B->eng, &pb), 0);
	t0 = ev_now(pair.loop);
	for (k = 1; k <= NP; k++) {
		conf_dead(&pc, k);
		assert_int_equal(ike_peer_add(A->eng, &pc), 0);
	}
	conf(&pc, 0, IKE_START_START);
	assert_int_equal(ike_peer_add(A->eng, &pc), 0);
	assert_int_equal(A->eng->stats.initiating, 2);
	assert_int_equal(A->eng->stats.init_queued, 4);
	assert_int_equal(w.attempts, 2);
	assert_int_equal(ike_peer_state(A->eng, "B"), IKE_PEER_CONNECTING);
	assert_true(queued("B"));
	assert_false(queued("P1"));
	/* The operator's up on a peer in line: it keeps its place, and
	 * vtictl can say "queued" (1), not "initiating" (0). */
	assert_int_equal(ike_peer_up(A->eng, "B"), 1);
	assert_int_equal(A->eng->stats.init_queued, 4);
	/* A peer in line taken down or removed leaves it. */
	assert_int_equal(ike_peer_remove(A->eng, "P4"), 0);
	assert_int_equal(ike_peer_down(A->eng, "P5"), 0);
	assert_int_equal(A->eng->stats.init_queued, 2);
	assert_int_equal(ike_peer_state(A->eng, "P5"), IKE_PEER_DOWN);
	assert_true(ep_run_until(&pair, 5, ep_both_up, NULL));
	assert_int_equal(w.n_order, 4);
	for (i = 0; i < 4; i++)
		assert_string_equal(w.order[i], want[i]);
	assert_true(w.max_initiating <= 2);
	assert_int_equal(A->eng->stats.init_queued, 0);
	assert_false(queued("B"));
	ep_run(&pair, 0.5);
	assert_int_equal(A->eng->stats.initiating, 0);
	assert_int_equal(w.attempts, 4);
	printf("initiate_max 2, 6 peers started at once: 2 negotiating, 4 "
	    "QUEUED; P4 removed and P5 taken down in line; the rest in "
	    "order (P1 P2 P3 B), at most %llu at once, B up after %.2f s\n",
	    (unsigned long long)w.max_initiating, ev_now(pair.loop) - t0);
}

/* A slot freed while the limit is raised by a reload: the line moves at
 * once, not at the next end of an initiation. */
static void
test_pace_raise(void **state)
{
	struct ike_peer_conf pc;
	struct watch w;
	int k;

	(void)state;
	memset(&w, 0, sizeof(w));
	ep_set_hook(&pair, watch_hook, &w);
	set_initiate_max(A, 1);
	for (k = 1; k <= 3; k++) {
		conf_dead(&pc, k);
		pc.retransmit_timeout = 30;	/* no end within the test */
		assert_int_equal(ike_peer_add(A->eng, &pc), 0);
	}
	ep_run(&pair, 0.2);
	assert_int_equal(w.attempts, 1);
	assert_int_equal(A->eng->stats.init_queued, 2);
	set_initiate_max(A, 10);
	ep_run(&pair, 0.05);
	assert_int_equal(w.attempts, 3);
	assert_int_equal(A->eng->stats.initiating, 3);
	assert_int_equal(A->eng->stats.init_queued, 0);
	printf("initiate_max 1 -> 10 at a reload: the 2 peers in line "
	    "initiated at once\n");
}

/* initiate_max 1, a peer that is down first in line: its IKE_SA_INIT
 * unanswered after one retransmission timeout, its slot goes to B, who
 * comes up while the dead one still retransmits. Without this, 100 dead
 * branches would hold every slot for the minutes their retries take. */
static void
test_pace_dead_peer(void **state)
{
	struct ike_peer_conf pc, pb;
	struct watch w;
	double t0, took;

	(void)state;
	memset(&w, 0, sizeof(w));
	ep_set_hook(&pair, watch_hook, &w);
	set_initiate_max(A, 1);
	conf(&pb, 1, IKE_START_ADD);
	assert_int_equal(ike_peer_add(B->eng, &pb), 0);
	t0 = ev_now(pair.loop);
	conf_dead(&pc, 1);
	pc.retransmit_tries = 5;	/* about 3 s of retransmissions */
	assert_int_equal(ike_peer_add(A->eng, &pc), 0);
	conf(&pc, 0, IKE_START_START);
	assert_int_equal(ike_peer_add(A->eng, &pc), 0);
	assert_true(queued("B"));
	assert_true(ep_run_until(&pair, 2, ep_both_up, NULL));
	took = ev_now(pair.loop) - t0;
	assert_true(took < 0.5);
	assert_int_equal(ike_peer_state(A->eng, "P1"), IKE_PEER_CONNECTING);
	assert_int_equal(A->eng->stats.initiating, 0);
	printf("initiate_max 1, a dead peer first in line: B up after %.2f s "
	    "while the dead one still retransmits (its slot freed at its "
	    "first retransmission, 0.1 s)\n", took);
}

/* initiate_max 1, three dead peers: P1 gives its slot up at its first
 * retransmission and P2 starts; P2's unanswered too, but one is overdue
 * already (the most: initiate_max), so P2 keeps its slot and P3 waits.
 * A responder that is only slow thus sees at most twice initiate_max of
 * our IKE_SA_INITs, not all of them (the N = 10,000 bench's collapse). */
static void
test_pace_overdue_bound(void **state)
{
	struct ike_peer_conf pc;
	struct watch w;
	int k;

	(void)state;
	memset(&w, 0, sizeof(w));
	ep_set_hook(&pair, watch_hook, &w);
	set_initiate_max(A, 1);
	for (k = 1; k <= 3; k++) {
		conf_dead(&pc, k);
		pc.retransmit_tries = 5;	/* about 1.7 s each */
		assert_int_equal(ike_peer_add(A->eng, &pc), 0);
	}
	ep_run(&pair, 0.6);
	assert_int_equal(w.attempts, 2);
	assert_int_equal(A->eng->stats.init_overdue, 1);
	assert_int_equal(A->eng->stats.initiating, 1);
	assert_int_equal(A->eng->stats.init_queued, 1);
	assert_true(queued("P3"));
	/* P1 fails: P2 may give its slot up at its next retransmission,
	 * or fails too; either way P3 gets its turn. */
	ep_run(&pair, 3);
	assert_int_equal(w.attempts, 3);
	assert_int_equal(A->eng->stats.init_queued, 0);
	printf("initiate_max 1, 3 dead peers: 1 overdue + 1 negotiating at "
	    "most, the third waited its turn\n");
}

/* vtictl up on a start add peer nobody answers yet: it retries with
 * back-off, as a start peer does (it used to try once and stay down),
 * and comes up once the peer is there; with keying_tries 2 and nobody
 * ever answering it gives up after two attempts. A plain initiation of
 * an add peer (not the operator's) still tries once. */
static void
test_up_add_retries(void **state)
{
	struct ike_peer_conf pa, pb;
	struct watch w;
	unsigned before;

	(void)state;
	memset(&w, 0, sizeof(w));
	ep_set_hook(&pair, watch_hook, &w);
	conf(&pa, 0, IKE_START_ADD);
	pa.keying_tries = 5;
	assert_int_equal(ike_peer_add(A->eng, &pa), 0);
	assert_int_equal(w.attempts, 0);
	/* B has no peer: A's requests go unanswered. */
	assert_int_equal(ike_peer_up(A->eng, "B"), 0);
	ep_run(&pair, 1.2);
	assert_true(w.attempts >= 2);
	before = w.attempts;
	conf(&pb, 1, IKE_START_ADD);
	assert_int_equal(ike_peer_add(B->eng, &pb), 0);
	assert_true(ep_run_until(&pair, 2, ep_both_up, NULL));
	printf("vtictl up, start add, peer silent: %u attempts, then up once "
	    "it answered (attempt %u)\n", before, w.attempts);

	/* Down, then up again with keying_tries 2 and the peer gone. */
	assert_int_equal(ike_peer_down(A->eng, "B"), 0);
	assert_int_equal(ike_peer_remove(B->eng, "A"), 0);
	ep_run(&pair, 0.2);
	assert_int_equal(ike_peer_remove(A->eng, "B"), 0);
	pa.keying_tries = 2;
	assert_int_equal(ike_peer_add(A->eng, &pa), 0);
	before = w.attempts;
	assert_int_equal(ike_peer_up(A->eng, "B"), 0);
	ep_run(&pair, 3);
	assert_int_equal(w.attempts - before, 2);
	assert_int_equal(ike_peer_state(A->eng, "B"), IKE_PEER_DOWN);

	/* Not the operator's: once. */
	before = w.attempts;
	assert_int_equal(ike_peer_initiate(A->eng, "B"), 0);
	ep_run(&pair, 2);
	assert_int_equal(w.attempts - before, 1);
	printf("keying_tries 2, nobody answering: 2 attempts, then down; a "
	    "plain initiation of an add peer: 1 attempt\n");
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_pace_line),
		T(test_pace_raise),
		T(test_pace_dead_peer),
		T(test_pace_overdue_bound),
		T(test_up_add_retries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
