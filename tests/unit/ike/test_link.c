/* The peer's interface follows its tunnel (conf.link_follows): down
 * before the first CHILD SA and after the last one goes (DELETE, the
 * operator), up with the next; a route peer's stays up while it waits for
 * traffic, goes down while it re-initiates by itself after a loss, and
 * comes up again when keying_tries run out. Two real engines
 * (engine_pair.c), ops->link recorded.
 *
 *   side 0, peer "B"  2001:db8::1  <-- queue -->  2001:db8::2  side 1, peer "A"
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "ike/ike.h"
#include "engine_pair.h"

static struct engine_pair pair;

#define A	(&pair.side[0])
#define B	(&pair.side[1])

static void
conf(struct ike_peer_conf *pc, int i, enum ike_start start)
{
	ep_side_conf(pc, i, start);
	pc->retransmit_timeout = 0.1;
	pc->retransmit_base = 1.5;
	pc->retransmit_limit = 0.2;
	pc->retransmit_tries = 1;
	pc->retry_base = 0.3;
	pc->retry_max = 0.6;
	pc->link_follows = true;
}

static void
add_pair(enum ike_start a, enum ike_start b, unsigned tries)
{
	struct ike_peer_conf pc;

	ep_init(&pair);
	conf(&pc, 0, a);
	pc.keying_tries = tries;
	assert_int_equal(ike_peer_add(A->eng, &pc), 0);
	conf(&pc, 1, b);
	assert_int_equal(ike_peer_add(B->eng, &pc), 0);
}

static bool
a_link_up(struct engine_pair *ep, void *arg)
{
	return ep->side[0].link == 1;
}

/* What status shows of the side's one peer. */
static enum ike_link
snap_link(const struct ep_side *s, const char *peer)
{
	struct ike_snapshot *snap = ike_snapshot_take(s->eng, peer);
	enum ike_link l;

	assert_non_null(snap);
	assert_int_equal(snap->n_peers, 1);
	l = snap->peers[0].link;
	ike_snapshot_free(snap);
	return l;
}

static void
test_start_peer(void **state)
{
	add_pair(IKE_START_START, IKE_START_ADD, IKE_TRIES_FOREVER);
	/* Down from the start: nothing to carry traffic yet. */
	assert_int_equal(A->link, 0);
	assert_int_equal(B->link, 0);
	assert_true(ep_run_until(&pair, 10, ep_both_up, NULL));
	assert_int_equal(A->link, 1);
	assert_int_equal(B->link, 1);
	assert_string_equal(ike_link_name(snap_link(A, "B")), "up");

	/* The operator takes B's end down: its DELETE takes A's down. */
	assert_int_equal(ike_peer_down(B->eng, "A"), 0);
	assert_int_equal(B->link, 0);
	assert_int_equal(snap_link(B, "A"), IKE_LINK_ADMIN_DOWN);
	ep_pump(&pair);
	assert_int_equal(A->link, 0);
	assert_int_equal(snap_link(A, "B"), IKE_LINK_DOWN);

	/* A start peer initiates again; B answers (the peer initiating
	 * ends the operator's down) and both links come back. */
	assert_true(ep_run_until(&pair, 10, ep_both_up, NULL));
	assert_int_equal(A->link, 1);
	assert_int_equal(B->link, 1);
	/* down (added), up, down, up */
	assert_int_equal(A->link_calls, 4);
	ep_free(&pair);
}

static void
test_route_peer_recovers(void **state)
{
	add_pair(IKE_START_ROUTE, IKE_START_ADD, IKE_TRIES_FOREVER);
	/* Waiting for traffic: up, so packets reach the traps. */
	assert_int_equal(A->link, 1);
	assert_int_equal(A->link_calls, 1);
	assert_int_equal(ike_peer_acquire(A->eng, "B"), 0);
	assert_true(ep_run_until(&pair, 10, ep_both_up, NULL));
	/* No flap while the traffic's negotiation ran. */
	assert_int_equal(A->link, 1);
	assert_int_equal(A->link_calls, 1);

	assert_int_equal(ike_peer_down(B->eng, "A"), 0);
	ep_pump(&pair);
	assert_int_equal(A->link, 0);
	assert_int_equal(snap_link(A, "B"), IKE_LINK_RECOVERING);
	/* No traffic can come through a down link: A re-initiates. */
	assert_true(ep_run_until(&pair, 10, ep_both_up, NULL));
	assert_int_equal(A->link, 1);
	assert_int_equal(A->link_calls, 3);
	assert_int_equal(snap_link(A, "B"), IKE_LINK_UP);
	ep_free(&pair);
}

static void
test_route_peer_gives_up(void **state)
{
	struct ike_snapshot *snap;

	add_pair(IKE_START_ROUTE, IKE_START_ADD, 2);
	assert_int_equal(ike_peer_acquire(A->eng, "B"), 0);
	assert_true(ep_run_until(&pair, 10, ep_both_up, NULL));
	/* B forgets A (its DELETE goes out first) and answers no more. */
	assert_int_equal(ike_peer_remove(B->eng, "A"), 0);
	ep_pump(&pair);
	assert_int_equal(A->link, 0);
	/* Two attempts, then back to waiting for traffic: link up. */
	assert_true(ep_run_until(&pair, 5, a_link_up, NULL));
	snap = ike_snapshot_take(A->eng, "B");
	assert_non_null(snap);
	assert_int_equal(snap->peers[0].state, IKE_PEER_DOWN);
	assert_int_equal(snap->peers[0].link, IKE_LINK_UP);
	assert_true(snap->peers[0].failures >= 2);
	printf("route peer gave up after %llu failed attempts: link up "
	    "again, waiting for traffic\n",
	    (unsigned long long)snap->peers[0].failures);
	ike_snapshot_free(snap);
	ep_free(&pair);
}

static void
test_link_fixed(void **state)
{
	struct ike_peer_conf pc;

	ep_init(&pair);
	conf(&pc, 0, IKE_START_START);
	pc.link_follows = false;
	assert_int_equal(ike_peer_add(A->eng, &pc), 0);
	conf(&pc, 1, IKE_START_ADD);
	pc.link_follows = false;
	assert_int_equal(ike_peer_add(B->eng, &pc), 0);
	assert_true(ep_run_until(&pair, 10, ep_both_up, NULL));
	assert_int_equal(ike_peer_down(B->eng, "A"), 0);
	ep_pump(&pair);
	assert_int_equal(A->link_calls + B->link_calls, 0);
	assert_int_equal(snap_link(A, "B"), IKE_LINK_FIXED);
	ep_free(&pair);
}

/* A reload that set the interface up anew: the state is applied again,
 * and a peer whose link no longer follows gets no more calls. */
static void
test_link_reset(void **state)
{
	add_pair(IKE_START_START, IKE_START_ADD, IKE_TRIES_FOREVER);
	assert_true(ep_run_until(&pair, 10, ep_both_up, NULL));
	assert_int_equal(A->link_calls, 2);
	ike_peer_link_reset(A->eng, "B", true);
	assert_int_equal(A->link_calls, 3);
	assert_int_equal(A->link, 1);
	ike_peer_link_reset(A->eng, "B", false);
	assert_int_equal(ike_peer_down(B->eng, "A"), 0);
	ep_pump(&pair);
	assert_int_equal(A->link_calls, 3);
	assert_int_equal(snap_link(A, "B"), IKE_LINK_FIXED);
	ep_free(&pair);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_peer),
		cmocka_unit_test(test_route_peer_recovers),
		cmocka_unit_test(test_route_peer_gives_up),
		cmocka_unit_test(test_link_fixed),
		cmocka_unit_test(test_link_reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
