/* The crypto pool (cpool.h) alone, then under two engines (engine_pair.h)
 * whose key exchanges run on worker threads: every done() on the loop's
 * thread, jobs cancelled at free, a worker that cannot confine itself,
 * tunnels and a crossing made through the pools, and SAs that go while
 * their key exchange is out. Built with ThreadSanitizer in tests/run
 * (build/tsan) as well as ASan. */
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <ev.h>

#include "ike/cpool.h"
#include "ike/dh.h"
#include "ike/ike.h"
#include "ike/sa.h"
#include "engine_pair.h"

#define JOBS	400

struct tjob {
	struct ike_cjob	 job;
	unsigned	 value, result;
	pthread_t	 worker;
	bool		 done, cancelled;
};

static pthread_t loop_thread;
static unsigned n_done, n_wrong_thread;

static void
tjob_work(struct ike_cjob *j)
{
	struct tjob *t = (struct tjob *)j;
	unsigned i, r = t->value;

	for (i = 0; i < 1000; i++)
		r = r * 1103515245u + 12345u;
	t->result = r;
	t->worker = pthread_self();
}

static void
tjob_done(struct ike_cjob *j)
{
	struct tjob *t = (struct tjob *)j;

	if (!pthread_equal(pthread_self(), loop_thread))
		n_wrong_thread++;
	t->done = true;
	t->cancelled = j->cancelled;
	n_done++;
}

static unsigned
expect(unsigned v)
{
	unsigned i;

	for (i = 0; i < 1000; i++)
		v = v * 1103515245u + 12345u;
	return v;
}

/* JOBS fresh jobs, submitted in order; the loop's thread is this one. */
static void
submit_all(struct ike_cpool *p, struct tjob *jobs)
{
	unsigned i;

	loop_thread = pthread_self();
	n_done = n_wrong_thread = 0;
	for (i = 0; i < JOBS; i++) {
		jobs[i].job.work = tjob_work;
		jobs[i].job.done = tjob_done;
		jobs[i].value = i;
		ike_cpool_submit(p, &jobs[i].job);
	}
}

static void
idle_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	if (n_done == JOBS)
		ev_break(loop, EVBREAK_ALL);
}

/* One worker held by a gate job; behind it 20 jobs that start setups,
 * then one that finishes an exchange: it runs first once the gate opens. */
static int gate_open, order_next;
struct ojob {
	struct ike_cjob	 job;
	int		 order;
};

static void
gate_work(struct ike_cjob *j)
{
	while (!__atomic_load_n(&gate_open, __ATOMIC_ACQUIRE))
		sched_yield();
	((struct ojob *)j)->order = __atomic_fetch_add(&order_next, 1,
	    __ATOMIC_ACQ_REL);
}

static void
ojob_done(struct ike_cjob *j)
{
	n_done++;
}

static void
test_pool_finishing_first(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct ojob jobs[22];
	struct ike_cpool *p;
	struct ike_cpool_stats st;
	ev_timer tick;
	unsigned i;

	memset(jobs, 0, sizeof(jobs));
	gate_open = order_next = 0;
	n_done = 0;
	p = ike_cpool_new(loop, 1, NULL, NULL);
	assert_non_null(p);
	for (i = 0; i < 22; i++) {
		jobs[i].job.work = gate_work;
		jobs[i].job.done = ojob_done;
		jobs[i].job.finishes = i == 21;
		ike_cpool_submit(p, &jobs[i].job);
		if (i == 0)	/* the worker holds it before the rest come */
			do {
				sched_yield();
				ike_cpool_stats(p, &st);
			} while (st.queued != 0);
	}
	__atomic_store_n(&gate_open, 1, __ATOMIC_RELEASE);
	ev_timer_init(&tick, idle_cb, 0.001, 0.001);
	ev_timer_start(loop, &tick);
	while (n_done < 22)
		ev_run(loop, EVRUN_ONCE);
	ev_timer_stop(loop, &tick);
	assert_int_equal(jobs[0].order, 0);
	assert_int_equal(jobs[21].order, 1);
	for (i = 1; i < 21; i++)
		assert_int_equal(jobs[i].order, (int)i + 1);
	ike_cpool_free(p);
	ev_loop_destroy(loop);
	printf("pool: a job that finishes an exchange, queued behind 20 that "
	    "start one, ran right after the job in progress\n");
}

static void
test_pool_jobs(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct tjob *jobs = calloc(JOBS, sizeof(*jobs));
	struct ike_cpool *p;
	struct ike_cpool_stats st;
	ev_timer tick;
	unsigned i, off_loop = 0;

	assert_non_null(jobs);
	p = ike_cpool_new(loop, 4, NULL, NULL);
	assert_non_null(p);
	submit_all(p, jobs);
	ev_timer_init(&tick, idle_cb, 0.001, 0.001);
	ev_timer_start(loop, &tick);
	ev_run(loop, 0);
	ev_timer_stop(loop, &tick);
	ike_cpool_stats(p, &st);
	assert_int_equal(st.workers, 4);
	assert_int_equal(st.jobs, JOBS);
	for (i = 0; i < JOBS; i++) {
		assert_true(jobs[i].done);
		assert_false(jobs[i].cancelled);
		assert_int_equal(jobs[i].result, expect(i));
		if (!pthread_equal(jobs[i].worker, loop_thread))
			off_loop++;
	}
	assert_int_equal(n_wrong_thread, 0);
	assert_int_equal(off_loop, JOBS);
	ike_cpool_free(p);
	ev_loop_destroy(loop);
	free(jobs);
	printf("pool: %u jobs on 4 workers, each computed off the loop and "
	    "handed back to it (queue high-water %llu)\n", JOBS,
	    (unsigned long long)st.queued_max);
}

/* Freed with jobs queued: each gets its done(), cancelled if it never
 * ran; none is lost or run twice. */
static void
test_pool_free_cancels(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct tjob *jobs = calloc(JOBS, sizeof(*jobs));
	struct ike_cpool *p;
	unsigned i, ran = 0, cancelled = 0;

	assert_non_null(jobs);
	p = ike_cpool_new(loop, 2, NULL, NULL);
	assert_non_null(p);
	submit_all(p, jobs);
	ike_cpool_free(p);
	for (i = 0; i < JOBS; i++) {
		assert_true(jobs[i].done);
		if (jobs[i].cancelled)
			cancelled++;
		else {
			assert_int_equal(jobs[i].result, expect(i));
			ran++;
		}
	}
	assert_int_equal(n_done, JOBS);
	assert_int_equal(n_wrong_thread, 0);
	ev_loop_destroy(loop);
	free(jobs);
	printf("pool freed with %u jobs queued: %u had run, %u cancelled, "
	    "every done() called once on the loop\n", JOBS, ran, cancelled);
}

static atomic_uint inits;

static int
init_fail(void *arg)
{
	atomic_fetch_add(&inits, 1);
	return -1;
}

static int
init_ok(void *arg)
{
	atomic_fetch_add(&inits, 1);
	return 0;
}

/* A worker that cannot confine itself (the sandbox) takes no job; with
 * none left the pool is refused. No workers: jobs run inline. */
static void
test_pool_init(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct ike_cpool *p;
	struct ike_cpool_stats st;
	struct tjob t;

	atomic_store(&inits, 0);
	assert_null(ike_cpool_new(loop, 3, init_fail, NULL));
	assert_int_equal(atomic_load(&inits), 3);
	atomic_store(&inits, 0);
	p = ike_cpool_new(loop, 2, init_ok, NULL);
	assert_non_null(p);
	assert_int_equal(atomic_load(&inits), 2);
	ike_cpool_stats(p, &st);
	assert_int_equal(st.workers, 2);
	ike_cpool_free(p);

	loop_thread = pthread_self();
	n_done = 0;
	p = ike_cpool_new(loop, 0, NULL, NULL);
	assert_non_null(p);
	memset(&t, 0, sizeof(t));
	t.job.work = tjob_work;
	t.job.done = tjob_done;
	t.value = 7;
	ike_cpool_submit(p, &t.job);
	assert_true(t.done);
	assert_int_equal(t.result, expect(7));
	assert_true(pthread_equal(t.worker, loop_thread));
	ike_cpool_free(p);
	ev_loop_destroy(loop);
	assert_true(ike_cpool_default_workers() >= 1);
	printf("pool: a worker failing its thread_init takes no job (3 of 3: "
	    "refused); 0 workers run a job inline; %u CPUs here\n",
	    ike_cpool_default_workers());
}

/* ---- two engines on pools ---- */

static struct engine_pair pair;
static struct ike_cpool *pools[2];

#define A	(&pair.side[0])
#define B	(&pair.side[1])

static int
setup_pair(void **state)
{
	int i;

	ep_init(&pair);
	for (i = 0; i < 2; i++) {
		pools[i] = ike_cpool_new(pair.loop, 2, NULL, NULL);
		assert_non_null(pools[i]);
		ike_engine_set_pool(pair.side[i].eng, pools[i]);
	}
	return 0;
}

static int
teardown_pair(void **state)
{
	ep_free_engines(&pair);
	ike_cpool_free(pools[0]);
	ike_cpool_free(pools[1]);
	ep_free(&pair);
	return 0;
}

static void
add(enum ike_start a, enum ike_start b)
{
	struct ike_peer_conf pa, pb;

	ep_side_conf(&pa, 0, a);
	ep_side_conf(&pb, 1, b);
	pa.settle = pb.settle = 0.3;
	assert_int_equal(ike_peer_add(B->eng, &pb), 0);
	assert_int_equal(ike_peer_add(A->eng, &pa), 0);
}

static unsigned
up_sas(const struct ep_side *s)
{
	unsigned up, total;

	ike_engine_count(s->eng, &up, &total);
	return up;
}

static void
test_pair_tunnel(void **state)
{
	struct ike_cpool_stats sa, sb;

	add(IKE_START_START, IKE_START_ADD);
	/* The key pair is being made: nothing is sent yet. */
	assert_true(ep_run_until(&pair, 5, ep_both_up, NULL));
	ep_run(&pair, 0.1);
	assert_int_equal(ep_ksa_live(A), 2);
	assert_int_equal(ep_ksa_live(B), 2);
	ike_cpool_stats(pools[0], &sa);
	ike_cpool_stats(pools[1], &sb);
	/* Initiator: the key pair, then g^ir; responder: both at once. */
	assert_int_equal(sa.jobs, 2);
	assert_int_equal(sb.jobs, 1);
	assert_int_equal(ike_engine_stats(A->eng)->crypto_jobs, 2);
	assert_int_equal(ike_engine_stats(B->eng)->crypto_jobs, 1);
	printf("tunnel through the pools: initiator 2 jobs (key pair; g^ir), "
	    "responder 1 (key pair and g^ir), both up, one CHILD SA pair\n");
}

/* Both initiate: the crossing resolves as on the loop (test_exchange). */
static void
test_pair_crossing(void **state)
{
	add(IKE_START_START, IKE_START_START);
	assert_true(ep_run_until(&pair, 5, ep_both_up, NULL));
	ep_run(&pair, 1.5);
	assert_int_equal(up_sas(A), 1);
	assert_int_equal(up_sas(B), 1);
	assert_int_equal(ep_ksa_live(A), 2);
	assert_int_equal(ep_ksa_live(B), 2);
	printf("crossing through the pools: one CHILD SA pair each side\n");
}

/* The SA goes while its key exchange is out: the job's result is freed
 * when it comes back (ASan: no leak; TSan: no race), nothing is sent. */
static void
test_pair_gone_while_out(void **state)
{
	struct ike_cpool_stats st;
	unsigned sent;

	add(IKE_START_START, IKE_START_ADD);
	sent = A->n_sent;
	/* A's key pair is being made on a worker. */
	assert_int_equal(ike_peer_remove(A->eng, "B"), 0);
	ep_run(&pair, 0.3);
	ike_cpool_stats(pools[0], &st);
	assert_int_equal(st.jobs, 1);
	assert_int_equal(A->n_sent, sent);
	assert_int_equal(ep_ksa_live(B), 0);
	printf("SA removed while its key pair was made: the job came back "
	    "and was freed, nothing sent\n");
}

/* The daemon holds start peers until its threads run: none initiates
 * while held; on release each does, its key pair made on the pool. */
static void
test_pair_hold_start(void **state)
{
	ike_engine_hold_start(A->eng, true);
	add(IKE_START_START, IKE_START_ADD);
	ep_run(&pair, 0.3);
	assert_int_equal(A->n_sent, 0);
	assert_int_equal(ike_engine_stats(A->eng)->crypto_jobs, 0);
	ike_engine_hold_start(A->eng, false);
	assert_true(ep_run_until(&pair, 5, ep_both_up, NULL));
	assert_int_equal(ike_engine_stats(A->eng)->crypto_jobs, 2);
	printf("start peer held: nothing sent in 0.3 s; released: up, its key "
	    "exchange on the pool\n");
}

/* Rekeys of an established SA: its key pair made on the pool first, then
 * the exchange; the responder's pair and g^ir stay on the loop. Then
 * both ends rekey the CHILD SA at once (2.8.1), each pair on its pool. */
static void
test_pair_rekeys(void **state)
{
	struct ike_peer_conf pa, pb;
	uint64_t a0, b0;
	uint32_t in0, in1;

	ep_side_conf(&pa, 0, IKE_START_START);
	ep_side_conf(&pb, 1, IKE_START_ADD);
	pa.drain = pb.drain = 0.1;
	assert_int_equal(ike_peer_add(B->eng, &pb), 0);
	assert_int_equal(ike_peer_add(A->eng, &pa), 0);
	assert_true(ep_run_until(&pair, 5, ep_both_up, NULL));
	ep_run(&pair, 0.2);
	a0 = ike_engine_stats(A->eng)->crypto_jobs;
	b0 = ike_engine_stats(B->eng)->crypto_jobs;
	in0 = ep_ksa_only(A, false)->spi;

	assert_int_equal(ike_peer_rekey(A->eng, "B", false), 0);
	ep_run(&pair, 1);
	assert_int_equal(ep_ksa_live(A), 2);
	assert_int_equal(ep_ksa_live(B), 2);
	in1 = ep_ksa_only(A, false)->spi;
	assert_int_not_equal(in1, in0);
	assert_int_equal(ike_engine_stats(A->eng)->crypto_jobs, a0 + 1);
	assert_int_equal(ike_engine_stats(B->eng)->crypto_jobs, b0);

	assert_int_equal(ike_peer_rekey(A->eng, "B", true), 0);
	ep_run(&pair, 1);
	assert_int_equal(up_sas(A), 1);
	assert_int_equal(up_sas(B), 1);
	assert_int_equal(ep_ksa_only(A, false)->spi, in1);
	assert_int_equal(ike_engine_stats(A->eng)->crypto_jobs, a0 + 2);

	assert_int_equal(ike_peer_rekey(A->eng, "B", false), 0);
	assert_int_equal(ike_peer_rekey(B->eng, "A", false), 0);
	ep_run(&pair, 2);
	assert_int_equal(up_sas(A), 1);
	assert_int_equal(up_sas(B), 1);
	assert_int_equal(ep_ksa_live(A), 2);
	assert_int_equal(ep_ksa_live(B), 2);
	assert_int_not_equal(ep_ksa_only(A, false)->spi, in1);
	assert_int_equal(ike_engine_stats(A->eng)->crypto_jobs, a0 + 3);
	assert_int_equal(ike_engine_stats(B->eng)->crypto_jobs, b0 + 1);
	printf("rekeys through the pools: CHILD (PFS), IKE, then a CHILD "
	    "collision: each initiator's key pair a job, one CHILD SA pair "
	    "and one IKE SA each side after each\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool_jobs),
		cmocka_unit_test(test_pool_finishing_first),
		cmocka_unit_test(test_pool_free_cancels),
		cmocka_unit_test(test_pool_init),
		cmocka_unit_test_setup_teardown(test_pair_tunnel, setup_pair,
		    teardown_pair),
		cmocka_unit_test_setup_teardown(test_pair_crossing,
		    setup_pair, teardown_pair),
		cmocka_unit_test_setup_teardown(test_pair_gone_while_out,
		    setup_pair, teardown_pair),
		cmocka_unit_test_setup_teardown(test_pair_hold_start,
		    setup_pair, teardown_pair),
		cmocka_unit_test_setup_teardown(test_pair_rekeys,
		    setup_pair, teardown_pair),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
