/* Test-only fault injection (src/daemon/impair.c): the spec language, the
 * occurrence windows, the inbound path, and two real engines negotiating
 * through it (tests/unit/ike/engine_pair.c, each side's ops wrapped by an
 * impair of its own) to show the engine copes with what it does: a lost,
 * a duplicated, a corrupted request, a late response, a failing sa_add.
 *
 *   side 0, peer "B" (initiator)  <-- queue -->  side 1, peer "A"
 *   2001:db8::1, impair imp[0]                   2001:db8::2, imp[1]
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/impair.h"
#include "ike/ikev2.h"
#include "engine_pair.h"

static struct engine_pair pair;
static struct impair *imp[2];

#define A	(&pair.side[0])
#define B	(&pair.side[1])
#define RTO	0.25		/* first retransmission timeout, seconds */

static void
wrap(struct engine_pair *ep, int side, struct ike_ops *ops, void *arg)
{
	assert_non_null(imp[side] = impair_new(ep->loop));
	impair_wrap(imp[side], ops, ops);
}

static void
set(int side, const char *spec)
{
	char why[256];

	if (impair_set(imp[side], spec, why, sizeof(why)) != 0) {
		printf("%s\n", why);
		fail();
	}
}

static int
setup(void **state)
{
	ep_init_wrapped(&pair, wrap, NULL);
	impair_attach(imp[0], A->eng);
	impair_attach(imp[1], B->eng);
	return 0;
}

static int
teardown(void **state)
{
	/* The engines send their DELETEs through the impairs, whose held
	 * datagrams stop timers on the loop: loop last. */
	ep_free_engines(&pair);
	impair_free(imp[0]);
	impair_free(imp[1]);
	imp[0] = imp[1] = NULL;
	ep_free(&pair);
	return 0;
}

static void
conf(struct ike_peer_conf *pc, int i, enum ike_start start)
{
	ep_side_conf(pc, i, start);
	/* Cheap key exchange: these tests are about messages. */
	ep_conf_suites(pc, "aes128gcm16-prfsha256-x25519!",
	    "aes128gcm16-x25519!");
	pc->retransmit_timeout = RTO;
	pc->retransmit_base = 1.5;
	pc->retransmit_limit = 4 * RTO;
	pc->retransmit_tries = 5;
	pc->retry_base = 0.3;
	pc->retry_max = 0.6;
}

static void
add_pair(void)
{
	struct ike_peer_conf pa, pb;

	conf(&pa, 0, IKE_START_START);
	conf(&pb, 1, IKE_START_ADD);
	assert_int_equal(ike_peer_add(B->eng, &pb), 0);
	assert_int_equal(ike_peer_add(A->eng, &pa), 0);
}

/* One CHILD SA each side: an inbound and an outbound SA, nothing else. */
static void
assert_one_child(void)
{
	assert_int_equal(ep_ksa_live(A), 2);
	assert_int_equal(ep_ksa_live(B), 2);
	assert_non_null(ep_ksa_only(A, true));
	assert_non_null(ep_ksa_only(A, false));
	assert_non_null(ep_ksa_only(B, true));
	assert_non_null(ep_ksa_only(B, false));
}

/* Time from the start to both sides up, seconds. */
static double
establish(double limit)
{
	double t0;

	ev_now_update(pair.loop);
	t0 = ev_now(pair.loop);
	add_pair();
	if (!ep_run_until(&pair, limit, ep_both_up, NULL)) {
		printf("not up within %.1f s\n", limit);
		fail();
	}
	ev_now_update(pair.loop);
	return ev_now(pair.loop) - t0;
}

/* ---- the language ---- */

static void
test_spec(void **state)
{
	static const char *const good[][2] = {
		{ "out.auth.req:drop@1", "out.auth.req:drop@1" },
		{ "IN.INFO.RESP:DELAY=1500@2-3", "in.info.resp:delay=1500@2-3" },
		{ "in.any:dup", "in.any:dup@every" },
		{ "out.child:corrupt@4+", "out.child:corrupt@4+" },
		{ "sa_add:fail=enobufs@1", "sa_add:fail=ENOBUFS@1" },
		{ "spi_alloc:fail", "spi_alloc:fail=EIO@every" },
		{ "policies:fail=17@2", "policies:fail=EEXIST@2" },
		{ "sa_del:fail@every", "sa_del:fail=EIO@every" },
		{ "send:fail=1000", "send:fail=1000@every" },
		{ "child_counters:fail=ESRCH@1", "child_counters:fail=ESRCH@1" },
	};
	static const char *const bad[] = {
		"drop", "out.auth.req", "sideways.auth:drop", "out.auth.req:burn",
		"out.nope:drop", "out.auth.request:drop", "out.auth:delay",
		"out.auth:delay=0", "out.auth:delay=600001", "out.auth:drop=3",
		"out.auth:fail", "sa_add:drop", "sa_add:fail=EWHAT",
		"sa_add:fail=0", "sa_add:fail=5000", "out.auth:drop@0",
		"out.auth:drop@3-2", "out.auth:drop@x", "out.auth:drop@",
		"out.auth:drop@1+2", "nosuchcall:fail",
		"out.auth:drop@99999999999999999999",
	};
	struct impair_spec sp;
	char why[256], txt[96];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (impair_spec_parse(&sp, good[i][0], why, sizeof(why)) != 0) {
			printf("%s: %s\n", good[i][0], why);
			fail();
		}
		assert_int_equal(sp.n, 1);
		impair_rule_format(&sp.rules[0], txt, sizeof(txt));
		assert_string_equal(txt, good[i][1]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (impair_spec_parse(&sp, bad[i], why, sizeof(why)) == 0) {
			printf("accepted: %s\n", bad[i]);
			fail();
		}
		assert_non_null(strstr(why, "bad rule"));
	}
	assert_int_equal(impair_spec_parse(&sp, " none ; off,", why,
	    sizeof(why)), 0);
	assert_int_equal(sp.n, 0);
	assert_int_equal(impair_spec_parse(&sp, "in.init:drop@1, sa_add:fail;"
	    "out.any:dup@2", why, sizeof(why)), 0);
	assert_int_equal(sp.n, 3);
	printf("spec: %zu rules round-trip, %zu bad ones refused, lists split "
	    "on blanks, ',' and ';'\n", sizeof(good) / sizeof(good[0]),
	    sizeof(bad) / sizeof(bad[0]));
}

/* ---- occurrences, through the wrapped ops ---- */

static unsigned inner_calls;

static int
inner_policies(void *ctx, const struct ike_peer_conf *pc,
    const struct sockaddr_storage *remote, bool v4, bool v6)
{
	inner_calls++;
	return 0;
}

static void
test_which(void **state)
{
	struct impair *im = impair_new(NULL);
	struct ike_ops in, out;
	struct ike_peer_conf pc;
	int want[] = { 0, -EEXIST, -EEXIST, 0, 0, -ENOBUFS, -ENOBUFS };
	char why[128];
	size_t i;

	assert_non_null(im);
	memset(&in, 0, sizeof(in));
	in.policies = inner_policies;
	impair_wrap(im, &in, &out);
	memset(&pc, 0, sizeof(pc));
	snprintf(pc.name, sizeof(pc.name), "P");
	/* The second rule counts every call too, so @6+ is the sixth. */
	assert_int_equal(impair_set(im, "policies:fail=EEXIST@2-3 "
	    "policies:fail=ENOBUFS@6+", why, sizeof(why)), 0);
	inner_calls = 0;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_int_equal(out.policies(out.ctx, &pc, &pc.remote, true,
		    true),
		    want[i]);
	assert_int_equal(inner_calls, 3);
	assert_int_equal(impair_count(im, IMPAIR_FAIL), 4);
	impair_describe(im, stdout);
	impair_free(im);
	printf("occurrences: 7 calls, failed #2-3 (EEXIST) and #6+ (ENOBUFS), "
	    "%u reached the kernel\n", inner_calls);
}

/* ---- inbound, into a real engine ---- */

static void
test_input(void **state)
{
	uint8_t junk[40];
	struct sockaddr_storage l, r;
	const struct ike_stats *st = ike_engine_stats(A->eng);
	uint64_t rx0 = st->rx;

	memset(junk, 0, sizeof(junk));
	junk[17] = 0x20;
	junk[18] = INFORMATIONAL;
	ep_addr6(&l, EP_ADDR_A, 500);
	ep_addr6(&r, EP_ADDR_B, 500);
	set(0, "in.info:drop@1 in.info:dup@2 in.info:delay=100@3 "
	    "in.info:corrupt@4 in.init:drop");
	impair_input(imp[0], &l, &r, false, junk, sizeof(junk));
	assert_int_equal(st->rx - rx0, 0);
	impair_input(imp[0], &l, &r, false, junk, sizeof(junk));
	assert_int_equal(st->rx - rx0, 2);
	impair_input(imp[0], &l, &r, false, junk, sizeof(junk));
	assert_int_equal(st->rx - rx0, 2);
	assert_int_equal(impair_pending(imp[0]), 1);
	ep_run(&pair, 0.3);
	assert_int_equal(st->rx - rx0, 3);
	assert_int_equal(impair_pending(imp[0]), 0);
	impair_input(imp[0], &l, &r, false, junk, sizeof(junk));
	impair_input(imp[0], &l, &r, false, junk, sizeof(junk));
	assert_int_equal(st->rx - rx0, 5);
	assert_int_equal(impair_count(imp[0], IMPAIR_DROP), 1);
	assert_int_equal(impair_count(imp[0], IMPAIR_DUP), 1);
	assert_int_equal(impair_count(imp[0], IMPAIR_DELAY), 1);
	assert_int_equal(impair_count(imp[0], IMPAIR_CORRUPT), 1);
	/* A held datagram not yet due is freed with the impair (LSan). */
	set(0, "in.any:delay=60000");
	impair_input(imp[0], &l, &r, false, junk, sizeof(junk));
	assert_int_equal(impair_pending(imp[0]), 1);
	printf("inbound: 6 datagrams, engine saw %llu: dropped 1, duplicated "
	    "1, delayed 1 (delivered after 0.1 s), corrupted 1, 1 held\n",
	    (unsigned long long)(st->rx - rx0));
}

/* ---- two engines ---- */

static void
test_drop_auth(void **state)
{
	double t;

	set(0, "out.auth.req:drop@1");
	t = establish(5);
	assert_int_equal(impair_count(imp[0], IMPAIR_DROP), 1);
	assert_true(ike_engine_stats(A->eng)->tx_retransmit >= 1);
	assert_one_child();
	printf("dropped IKE_AUTH request: retransmitted (%llu), up in %.2f s "
	    "(first timeout %.2f s)\n", (unsigned long long)
	    ike_engine_stats(A->eng)->tx_retransmit, t, RTO);
}

static void
test_dup_auth(void **state)
{
	double t;

	set(0, "out.auth.req:dup@1");
	t = establish(5);
	ep_run(&pair, 0.2);
	assert_int_equal(impair_count(imp[0], IMPAIR_DUP), 1);
	/* The copy was answered from B's response cache, not acted upon. */
	assert_int_equal(ike_engine_stats(B->eng)->rx_retransmit, 1);
	assert_int_equal(B->sa_adds, 2);
	assert_int_equal(ike_engine_stats(B->eng)->child_up, 1);
	assert_one_child();
	printf("duplicated IKE_AUTH request: answered from the response cache "
	    "(%llu), 1 CHILD SA, up in %.2f s\n", (unsigned long long)
	    ike_engine_stats(B->eng)->rx_retransmit, t);
}

static void
test_corrupt_auth(void **state)
{
	double t;

	set(0, "out.auth.req:corrupt@1");
	t = establish(5);
	assert_int_equal(impair_count(imp[0], IMPAIR_CORRUPT), 1);
	assert_int_equal(ike_engine_stats(B->eng)->rx_bad_icv, 1);
	assert_true(ike_engine_stats(A->eng)->tx_retransmit >= 1);
	assert_one_child();
	printf("corrupted IKE_AUTH request: dropped as a bad ICV (%llu), "
	    "retransmitted, up in %.2f s\n", (unsigned long long)
	    ike_engine_stats(B->eng)->rx_bad_icv, t);
}

/* Held past A's first timeout: A retransmits, B answers from its cache,
 * and the late original must change nothing when it lands. */
static void
test_delay_resp(void **state)
{
	double t;

	set(1, "out.auth.resp:delay=400@1");
	t = establish(5);
	ep_run(&pair, 0.5);
	assert_int_equal(impair_count(imp[1], IMPAIR_DELAY), 1);
	assert_int_equal(impair_pending(imp[1]), 0);
	assert_true(t >= 0.25);
	assert_true(ep_both_up(&pair, NULL));
	assert_int_equal(ike_engine_stats(A->eng)->child_up, 1);
	assert_true(ike_engine_stats(A->eng)->tx_retransmit >= 1);
	assert_true(ike_engine_stats(B->eng)->rx_retransmit >= 1);
	assert_one_child();
	printf("IKE_AUTH response delayed 0.4 s: A retransmitted at %.2f s, "
	    "B answered from its cache, up in %.2f s, the late copy changed "
	    "nothing (1 CHILD SA)\n", RTO, t);
}

static bool
a_failed(struct engine_pair *ep, void *arg)
{
	return impair_count(imp[1], IMPAIR_FAIL) >= 1 &&
	    ep->side[1].sa_dels >= 1 && ep_ksa_live(&ep->side[1]) == 0;
}

/* B cannot install the CHILD SA: it is refused cleanly, B keeps no
 * kernel state, and with the rule gone the next try succeeds. */
static void
test_sa_add_fails(void **state)
{
	double t0, t;

	set(1, "sa_add:fail=ENOBUFS@1");
	ev_now_update(pair.loop);
	t0 = ev_now(pair.loop);
	add_pair();
	assert_true(ep_run_until(&pair, 2, a_failed, NULL));
	ep_run(&pair, 0.05);
	assert_int_equal(ep_ksa_live(B), 0);
	assert_int_equal(ep_ksa_net(B), 0);
	assert_int_not_equal(ike_peer_state(A->eng, "B"), IKE_PEER_UP);
	printf("sa_add failed (ENOBUFS): B holds %d kernel SAs, A is %s\n",
	    ep_ksa_live(B), ike_peer_state_name(ike_peer_state(A->eng, "B")));
	set(1, "off");
	if (!ep_run_until(&pair, 5, ep_both_up, NULL)) {
		printf("not up again within 5 s of the rule's removal\n");
		fail();
	}
	ev_now_update(pair.loop);
	t = ev_now(pair.loop) - t0;
	assert_one_child();
	printf("sa_add failure lifted: up %.2f s after the start, one CHILD SA "
	    "each side\n", t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec),
		cmocka_unit_test(test_which),
		cmocka_unit_test_setup_teardown(test_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drop_auth, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dup_auth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_auth, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_delay_resp, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sa_add_fails, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
