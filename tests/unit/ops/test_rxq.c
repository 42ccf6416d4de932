/* The receive queue (src/daemon/rxq.h): messages of established SAs are
 * served ahead of setups under way, these ahead of new setups, setups
 * only for a time budget per pass, new setups shed past half the queue,
 * and the queue is bounded in messages and bytes. Then the same through
 * net.c's real sockets on loopback: a DPD request sent behind 200
 * setups, each costing the loop 2 ms, is served within the first pass,
 * where reading in arrival order would serve it 201st; an IKE_AUTH sent
 * behind 700 IKE_SA_INITs is served before them, and the sockets are
 * drained, shedding what the queue will not hold. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include <ev.h>

#include "daemon/net.h"
#include "daemon/rxq.h"
#include "ike/ikev2.h"
#include "util/clock.h"

#define MAXSEEN	1024

struct seen {
	uint8_t		 exch[MAXSEEN];
	uint32_t	 seq[MAXSEEN];
	size_t		 n;
	double		 cost;		/* seconds each setup costs */
	size_t		 want;		/* ev_break after this many */
	size_t		 sent;		/* or once served + shed are this */
	uint64_t	 shed0;
	struct ev_loop	*loop;
};

/* An IKE header of exchange x; seq in the message ID field and in the
 * initiator's SPI, so that each message is of its own IKE SA. */
static size_t
msg(uint8_t *b, size_t len, uint8_t x, uint32_t seq)
{
	memset(b, 0, len);
	b[0] = 0x5a;
	b[4] = (uint8_t)(seq >> 24);
	b[5] = (uint8_t)(seq >> 16);
	b[6] = (uint8_t)(seq >> 8);
	b[7] = (uint8_t)seq;
	b[17] = 0x20;
	b[18] = x;
	b[20] = (uint8_t)(seq >> 24);
	b[21] = (uint8_t)(seq >> 16);
	b[22] = (uint8_t)(seq >> 8);
	b[23] = (uint8_t)seq;
	return len;
}

static void
burn(double s)
{
	double until = clock_mono() + s;

	while (clock_mono() < until)
		;
}

static void
record(const struct net_pkt *p, void *arg)
{
	struct seen *s = arg;

	assert_true(p->len >= IKE_HDR_LEN);
	if (s->n < MAXSEEN) {
		s->exch[s->n] = p->data[18];
		s->seq[s->n] = (uint32_t)p->data[20] << 24 |
		    (uint32_t)p->data[21] << 16 | (uint32_t)p->data[22] << 8 |
		    p->data[23];
	}
	s->n++;
	if (p->data[18] != INFORMATIONAL && p->data[18] != CREATE_CHILD_SA)
		burn(s->cost);
	if (s->loop != NULL && (s->n == s->want || (s->sent > 0 &&
	    s->n + net_stats()->rx_shed - s->shed0 == s->sent)))
		ev_break(s->loop, EVBREAK_ALL);
}

/* A message of exchange x, of the IKE SA of message sa_of. */
static void
push_sa(struct rxq *q, uint8_t x, uint32_t seq, size_t len, uint32_t sa_of)
{
	static uint8_t b[IKE_MSG_MAX];
	uint8_t spi[IKE_HDR_LEN];
	struct net_pkt p;

	memset(&p, 0, sizeof(p));
	p.data = b;
	p.len = msg(b, len, x, seq);
	msg(spi, sizeof(spi), x, sa_of);
	memcpy(b, spi, 8);
	assert_int_equal(rxq_push(q, &p), 0);
}

static void
push(struct rxq *q, uint8_t x, uint32_t seq, size_t len)
{
	push_sa(q, x, seq, len, seq);
}

static void
test_order(void **state)
{
	struct rxq q;
	struct seen s;
	size_t i;

	memset(&s, 0, sizeof(s));
	rxq_init(&q);
	for (i = 0; i < 10; i++)
		push(&q, i % 2 ? IKE_AUTH : IKE_SA_INIT, (uint32_t)i, 300);
	push(&q, INFORMATIONAL, 100, 80);
	push(&q, CREATE_CHILD_SA, 101, 400);
	assert_int_equal(rxq_serve(&q, record, &s, 1000), 0);
	assert_int_equal(s.n, 12);
	/* Established SAs first, then setups under way, then new ones,
	 * each class in arrival order. */
	assert_int_equal(s.exch[0], INFORMATIONAL);
	assert_int_equal(s.seq[0], 100);
	assert_int_equal(s.exch[1], CREATE_CHILD_SA);
	for (i = 0; i < 5; i++) {
		assert_int_equal(s.exch[2 + i], IKE_AUTH);
		assert_int_equal(s.seq[2 + i], 2 * i + 1);
		assert_int_equal(s.exch[7 + i], IKE_SA_INIT);
		assert_int_equal(s.seq[7 + i], 2 * i);
	}
	assert_int_equal(q.urgent, 2);
	assert_int_equal(q.deferred, 0);
	assert_int_equal(q.peak, 12);
	assert_true(rxq_empty(&q));
	printf("order: 2 of established SAs first, then 5 IKE_AUTHs, then 5 "
	    "IKE_SA_INITs, each in arrival order\n");
}

/* A responder's IKE_AUTH answer and the DELETE it sent next (a crossing
 * duplicate's): the DELETE must not overtake the answer, or the
 * initiator loses an SA it has not yet seen established. Other SAs'
 * messages of the first class still go ahead of both. */
static void
test_same_sa_order(void **state)
{
	struct rxq q;
	struct seen s;

	(void)state;
	memset(&s, 0, sizeof(s));
	rxq_init(&q);
	push(&q, IKE_SA_INIT, 1, 300);
	push_sa(&q, IKE_AUTH, 2, 300, 7);
	push_sa(&q, INFORMATIONAL, 3, 80, 7);
	push(&q, INFORMATIONAL, 4, 80);
	push_sa(&q, CREATE_CHILD_SA, 5, 80, 7);
	assert_int_equal(rxq_serve(&q, record, &s, 1000), 0);
	assert_int_equal(s.n, 5);
	assert_int_equal(s.seq[0], 4);
	assert_int_equal(s.seq[1], 2);
	assert_int_equal(s.seq[2], 3);
	assert_int_equal(s.seq[3], 5);
	assert_int_equal(s.seq[4], 1);
	assert_int_equal(q.urgent, 1);
	printf("same SA: IKE_AUTH answer, then its INFORMATIONAL and "
	    "CREATE_CHILD_SA in order; another SA's DPD first\n");
}

static void
test_budget(void **state)
{
	struct rxq q;
	struct seen s;
	size_t left, first;

	memset(&s, 0, sizeof(s));
	s.cost = 0.002;
	rxq_init(&q);
	for (uint32_t i = 0; i < 50; i++)
		push(&q, IKE_AUTH, i, 200);
	left = rxq_serve(&q, record, &s, 10);
	first = s.n;
	/* 2 ms each against 10 ms: five or six, never all, at least one. */
	assert_true(first >= 1 && first <= 10);
	assert_int_equal(left, 50 - first);
	assert_int_equal(q.deferred, 1);
	/* A DPD request that came meanwhile goes before the rest. */
	push(&q, INFORMATIONAL, 999, 80);
	rxq_serve(&q, record, &s, 10);
	assert_int_equal(s.exch[first], INFORMATIONAL);
	assert_int_equal(s.seq[first + 1], first);
	/* A budget of 0 still serves one setup per pass. */
	left = q.n;
	assert_int_equal(rxq_serve(&q, record, &s, 0), left - 1);
	printf("budget: %zu setups of 2 ms in a 10 ms pass, %zu left; the "
	    "DPD request queued after them served next\n", first, 50 - first);
	rxq_clear(&q);
}

static void
test_bounds(void **state)
{
	struct rxq q;
	struct net_pkt p;
	static uint8_t big[IKE_MSG_MAX];
	size_t n;

	rxq_init(&q);
	/* New setups take half the queue; the rest are shed. */
	for (n = 0; n < 300; n++)
		push(&q, IKE_SA_INIT, (uint32_t)n, 64);
	assert_int_equal(q.n, RXQ_NEW_MAX);
	assert_int_equal(q.shed, 300 - RXQ_NEW_MAX);
	assert_false(rxq_full(&q));
	/* Setups under way fill the rest, then take the new ones' room,
	 * the oldest first; full once none is left to shed. */
	for (n = 0; !rxq_full(&q); n++)
		push(&q, IKE_AUTH, (uint32_t)(1000 + n), 64);
	assert_int_equal(n, RXQ_MAX_MSGS);
	assert_int_equal(q.n_new, 0);
	assert_int_equal(q.shed, 300);
	memset(&p, 0, sizeof(p));
	p.data = big;
	p.len = msg(big, 64, INFORMATIONAL, 0);
	assert_int_equal(rxq_push(&q, &p), -1);
	p.len = msg(big, 64, IKE_SA_INIT, 0);
	assert_int_equal(rxq_push(&q, &p), 0);
	assert_int_equal(q.shed, 301);
	assert_int_equal(q.n, RXQ_MAX_MSGS);
	rxq_clear(&q);
	assert_true(rxq_empty(&q));
	rxq_init(&q);
	for (n = 0; !rxq_full(&q); n++)
		push(&q, IKE_AUTH, (uint32_t)n, IKE_MSG_MAX);
	assert_int_equal(n, RXQ_MAX_BYTES / IKE_MSG_MAX);
	/* Shorter than a header: a setup's class, not read past its end. */
	rxq_clear(&q);
	rxq_init(&q);
	p.len = 10;
	assert_int_equal(rxq_push(&q, &p), 0);
	rxq_clear(&q);
	printf("bounds: %d messages (%d new setups, more shed) or %u bytes "
	    "(%zu of 64 kB)\n", RXQ_MAX_MSGS, RXQ_NEW_MAX, RXQ_MAX_BYTES, n);
}

static void
guard_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	ev_break(loop, EVBREAK_ALL);
}

/* Through net.c's sockets on loopback: n IKE_SA_INITs, then one message
 * of exchange x, all in the socket before the loop runs; the loop runs
 * until s says stop (a 10 s guard: a datagram lost would leave it
 * waiting). */
static void
burst(struct seen *s, uint16_t port, size_t n, uint8_t x, size_t xlen)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct sockaddr_in6 to;
	uint8_t b[300];
	ev_timer guard;
	size_t i;
	int fd;

	assert_non_null(loop);
	s->loop = loop;
	assert_int_equal(net_open(loop, port, 0, record, s), 0);
	ev_timer_init(&guard, guard_cb, 10., 0.);
	ev_timer_start(loop, &guard);
	fd = socket(AF_INET6, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	memset(&to, 0, sizeof(to));
	to.sin6_family = AF_INET6;
	to.sin6_addr = in6addr_loopback;
	to.sin6_port = htons(port);
	for (i = 0; i < n; i++)
		assert_true(sendto(fd, b, msg(b, sizeof(b), IKE_SA_INIT,
		    (uint32_t)i), 0, (struct sockaddr *)&to,
		    sizeof(to)) > 0);
	assert_true(sendto(fd, b, msg(b, xlen, x, 7777), 0,
	    (struct sockaddr *)&to, sizeof(to)) > 0);
	ev_run(loop, 0);
	net_close(loop);
	close(fd);
	ev_loop_destroy(loop);
	s->loop = NULL;
}

static void
test_sockets(void **state)
{
	struct seen s;
	size_t i, at = 0;

	memset(&s, 0, sizeof(s));
	s.cost = 0.002;
	s.want = 201;
	burst(&s, (uint16_t)(42000 + getpid() % 8000), 200, INFORMATIONAL,
	    80);
	assert_int_equal(s.n, 201);
	for (i = 0; i < s.n; i++)
		if (s.exch[i] == INFORMATIONAL)
			at = i + 1;
	/* The first pass reads all 201, serves the DPD request, then ~5
	 * setups; in arrival order it would come 201st. */
	assert_true(at >= 1 && at <= 20);
	assert_true(net_stats()->rx_urgent == 1);
	assert_true(net_stats()->rx_deferred >= 10);
	printf("sockets: the DPD request sent after 200 setups of 2 ms was "
	    "served #%zu (FIFO: #201); %llu passes cut short, peak %llu "
	    "queued\n", at, (unsigned long long)net_stats()->rx_deferred,
	    (unsigned long long)net_stats()->rx_queue_peak);
}

/* A loaded responder: 700 IKE_SA_INITs, then one IKE_AUTH, in its
 * socket. The IKE_AUTH is served before every IKE_SA_INIT; the queue
 * keeps half its size of them and sheds the rest, so the socket is
 * drained and nothing behind them is left to the kernel's overflow. */
static void
test_sockets_shed(void **state)
{
	struct seen s;
	size_t i, at = 0, shed;

	memset(&s, 0, sizeof(s));
	s.cost = 0.001;
	s.sent = 701;
	s.shed0 = net_stats()->rx_shed;
	burst(&s, (uint16_t)(42000 + (getpid() + 4000) % 8000), 700,
	    IKE_AUTH, 300);
	shed = (size_t)(net_stats()->rx_shed - s.shed0);
	/* Every datagram served or shed: none left in the socket. */
	assert_int_equal(s.n + shed, 701);
	for (i = 0; i < s.n; i++)
		if (s.exch[i] == IKE_AUTH)
			at = i + 1;
	/* The first pump reads a queue's worth: half kept, half shed, a
	 * few served (1 ms each, 10 ms a pass); the IKE_AUTH comes with the
	 * second read and goes before the IKE_SA_INITs still queued. In
	 * arrival order it would be served last. */
	assert_true(at >= 1 && at <= 40);
	assert_true(shed >= RXQ_MAX_MSGS - RXQ_NEW_MAX);
	printf("shed: an IKE_AUTH sent after 700 IKE_SA_INITs served #%zu of "
	    "%zu; %zu IKE_SA_INITs shed\n", at, s.n, shed);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_same_sa_order),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_sockets),
		cmocka_unit_test(test_sockets_shed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
