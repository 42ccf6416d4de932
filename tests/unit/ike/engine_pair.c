/* Two IKE engines over a packet queue: see engine_pair.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/rand.h>

#include "ike/ikev2.h"
#include "ike/proposal_lang.h"
#include "engine_pair.h"

#define IKE_HDR_LEN	28

void
ep_addr6(struct sockaddr_storage *ss, const char *s, uint16_t port)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	assert_int_equal(inet_pton(AF_INET6, s, &sin6->sin6_addr), 1);
}

static bool
same_addr6(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
	    &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
}

static struct engine_pair *
pair_of(struct ep_side *s)
{
	return (struct engine_pair *)((char *)(s - s->index) -
	    offsetof(struct engine_pair, side));
}

static int
op_send(void *ctx, const struct sockaddr_storage *local,
    const struct sockaddr_storage *remote, bool natt, const uint8_t *buf,
    size_t len)
{
	struct ep_side *s = ctx;
	struct engine_pair *ep = pair_of(s);
	struct ep_pkt pkt, *p;
	enum ep_verdict v = EP_PASS;

	if (len > sizeof(pkt.buf))
		return -1;
	memset(&pkt, 0, sizeof(pkt));
	pkt.from = s->index;
	pkt.to = 1 - s->index;
	pkt.seq = s->n_sent + 1;
	pkt.local = *remote;
	pkt.remote = *local;
	pkt.natt = natt;
	memcpy(pkt.buf, buf, len);
	pkt.len = len;
	if (s->n_sent < EP_SENT_MAX)
		s->sent[s->n_sent] = pkt;
	s->n_sent++;
	if (ep->hook != NULL)
		v = ep->hook(ep, &pkt, ep->hook_arg);
	if (v == EP_DROP)
		return 0;
	for (int i = 0; i < (v == EP_DUP ? 2 : 1); i++) {
		if (ep->q_tail - ep->q_head == EP_QUEUE_MAX)
			return -1;
		p = &ep->queue[ep->q_tail++ % EP_QUEUE_MAX];
		*p = pkt;
	}
	return 0;
}

static int
op_spi_alloc(void *ctx, const struct ike_peer_conf *pc, uint32_t *spi)
{
	struct ep_side *s = ctx;
	struct ep_ksa *r;

	s->spi_allocs++;
	do {
		assert_int_equal(RAND_bytes((uint8_t *)spi, sizeof(*spi)), 1);
	} while (*spi < 0x100);
	assert_true(s->n_ksa < EP_KSA_MAX);
	r = &s->ksa[s->n_ksa++];
	memset(r, 0, sizeof(*r));
	r->live = true;
	r->larval = true;
	r->spi = *spi;
	r->dst = s->addr;
	return 0;
}

/* In: ours (the local address); out: the peer's. */
static int
op_counters(void *ctx, const struct ike_peer_conf *pc,
    const struct sockaddr_storage *dst, uint32_t spi, uint64_t *bytes,
    uint64_t *packets)
{
	struct ep_side *s = ctx;
	bool in = same_addr6(dst, &s->addr);

	*bytes = in ? s->bytes_in : s->bytes_out;
	*packets = in ? s->packets_in : s->packets_out;
	return 0;
}

static int
op_sa_add(void *ctx, const struct ike_peer_conf *pc,
    const struct ike_sa_kernel *k)
{
	struct ep_side *s = ctx;
	struct ep_ksa *r = NULL;
	size_t i;

	s->sas++;
	s->sa_adds++;
	if (k->update) {
		s->sa_updates++;
		for (i = 0; i < s->n_ksa; i++)
			if (s->ksa[i].live && s->ksa[i].larval &&
			    s->ksa[i].spi == k->spi &&
			    same_addr6(&s->ksa[i].dst, &k->dst))
				r = &s->ksa[i];
		if (r == NULL) {
			printf("sa_add update of SPI %08x: not reserved\n",
			    k->spi);
			fail();
		}
	} else {
		assert_true(s->n_ksa < EP_KSA_MAX);
		r = &s->ksa[s->n_ksa++];
	}
	memset(r, 0, sizeof(*r));
	r->live = true;
	r->out = !same_addr6(&k->dst, &s->addr);
	r->spi = k->spi;
	r->dst = k->dst;
	r->encr = k->encr;
	r->natt = k->natt;
	r->natt_sport = k->natt_sport;
	r->natt_dport = k->natt_dport;
	r->integ = k->integ;
	assert_true(k->encr_len <= EP_KEY_MAX && k->integ_len <= EP_KEY_MAX);
	if (k->encr_len > 0)
		memcpy(r->encr_key, k->encr_key, k->encr_len);
	if (k->integ_len > 0)
		memcpy(r->integ_key, k->integ_key, k->integ_len);
	r->encr_len = k->encr_len;
	r->integ_len = k->integ_len;
	return 0;
}

static void
op_sa_del(void *ctx, const struct ike_peer_conf *pc,
    const struct sockaddr_storage *dst, uint32_t spi)
{
	struct ep_side *s = ctx;
	size_t i;

	s->sa_dels++;
	if (s->sas > 0)
		s->sas--;
	for (i = 0; i < s->n_ksa; i++)
		if (s->ksa[i].live && s->ksa[i].spi == spi &&
		    same_addr6(&s->ksa[i].dst, dst))
			s->ksa[i].live = false;
}

static int
op_sa_encap(void *ctx, const struct ike_peer_conf *pc,
    const struct sockaddr_storage *dst, uint32_t spi, uint16_t sport,
    uint16_t dport)
{
	struct ep_side *s = ctx;
	size_t i;

	for (i = 0; i < s->n_ksa; i++)
		if (s->ksa[i].live && !s->ksa[i].larval &&
		    s->ksa[i].spi == spi && same_addr6(&s->ksa[i].dst, dst)) {
			if (!s->ksa[i].natt)
				return -EINVAL;
			s->ksa[i].natt_sport = sport;
			s->ksa[i].natt_dport = dport;
			s->sa_encaps++;
			return 0;
		}
	return -ESRCH;
}

static int
op_policies(void *ctx, const struct ike_peer_conf *pc,
    const struct sockaddr_storage *remote, bool v4, bool v6)
{
	struct ep_side *s = ctx;

	s->policy_calls++;
	s->pol_remote = *remote;
	s->policies = v4 || v6;
	s->pol_v4 = v4;
	s->pol_v6 = v6;
	return 0;
}

static int
op_keepalive(void *ctx, const struct sockaddr_storage *local,
    const struct sockaddr_storage *remote)
{
	struct ep_side *s = ctx;

	s->keepalives++;
	return 0;
}

static void
op_link(void *ctx, const struct ike_peer_conf *pc, bool up)
{
	struct ep_side *s = ctx;

	s->link_calls++;
	s->link = up;
}

void
ep_init(struct engine_pair *ep)
{
	ep_init_wrapped(ep, NULL, NULL);
}

void
ep_init_wrapped(struct engine_pair *ep, ep_wrap_fn wrap, void *arg)
{
	struct ike_ops ops;
	int i;

	memset(ep, 0, sizeof(*ep));
	ep->loop = ev_loop_new(EVFLAG_AUTO);
	assert_non_null(ep->loop);
	ep_addr6(&ep->side[0].addr, EP_ADDR_A, 500);
	ep_addr6(&ep->side[1].addr, EP_ADDR_B, 500);
	for (i = 0; i < 2; i++) {
		memset(&ops, 0, sizeof(ops));
		ops.send = op_send;
		ops.spi_alloc = op_spi_alloc;
		ops.child_counters = op_counters;
		ops.sa_add = op_sa_add;
		ops.sa_del = op_sa_del;
		ops.sa_encap = op_sa_encap;
		ops.policies = op_policies;
		ops.link = op_link;
		ops.keepalive = op_keepalive;
		ops.ctx = &ep->side[i];
		ep->side[i].index = i;
		ep->side[i].link = -1;
		if (wrap != NULL)
			wrap(ep, i, &ops, arg);
		ep->side[i].eng = ike_engine_new(ep->loop, &ops);
		assert_non_null(ep->side[i].eng);
	}
}

void
ep_free_engines(struct engine_pair *ep)
{
	ep->hook = NULL;
	ike_engine_free(ep->side[0].eng);
	ike_engine_free(ep->side[1].eng);
	ep->side[0].eng = ep->side[1].eng = NULL;
}

void
ep_free(struct engine_pair *ep)
{
	ep_free_engines(ep);
	ev_loop_destroy(ep->loop);
	ep->loop = NULL;
}

void
ep_set_hook(struct engine_pair *ep, ep_hook_fn fn, void *arg)
{
	ep->hook = fn;
	ep->hook_arg = arg;
}

void
ep_conf_suites(struct ike_peer_conf *pc, const char *ike, const char *esp)
{
	char err[PROPOSAL_ERR_MAX];

	if (ike != NULL && proposal_conf_parse(&pc->ike, IKE_PROTO_IKE, ike,
	    err, sizeof(err)) != 0) {
		printf("%s: %s\n", ike, err);
		fail();
	}
	if (esp != NULL && proposal_conf_parse(&pc->esp, IKE_PROTO_ESP, esp,
	    err, sizeof(err)) != 0) {
		printf("%s: %s\n", esp, err);
		fail();
	}
}

void
ep_conf_psk(struct ike_peer_conf *pc, const char *psk)
{
	memset(pc->psk, 0, sizeof(pc->psk));
	memcpy(pc->psk, psk, strlen(psk));
	pc->psk_len = strlen(psk);
}

void
ep_side_conf(struct ike_peer_conf *pc, int i, enum ike_start start)
{
	if (i == 0)
		ep_peer_conf(pc, "B", EP_ADDR_A, EP_ADDR_B, 7, start);
	else
		ep_peer_conf(pc, "A", EP_ADDR_B, EP_ADDR_A, 7, start);
}

void
ep_peer_conf(struct ike_peer_conf *pc, const char *name, const char *local,
    const char *remote, uint32_t mark, enum ike_start start)
{
	struct sockaddr_storage l, r;

	memset(pc, 0, sizeof(*pc));
	snprintf(pc->name, sizeof(pc->name), "%s", name);
	ep_addr6(&l, local, 0);
	ep_addr6(&r, remote, 0);
	pc->local = l;
	pc->remote = r;
	pc->local_id_type = ID_IPV6_ADDR;
	memcpy(pc->local_id, &((struct sockaddr_in6 *)&l)->sin6_addr, 16);
	pc->local_id_len = 16;
	pc->remote_id_type = ID_IPV6_ADDR;
	memcpy(pc->remote_id, &((struct sockaddr_in6 *)&r)->sin6_addr, 16);
	pc->remote_id_len = 16;
	ep_conf_psk(pc, EP_PSK);
	pc->mark = mark;
	pc->reqid = 0x40000000 + mark;
	pc->start = start;
	ep_conf_suites(pc, EP_SUITE, EP_SUITE);
	pc->retransmit_timeout = 60;
	pc->retransmit_base = 1.8;
	pc->retransmit_tries = 3;
	pc->replay_window = 128;
	pc->retransmit_limit = 60;
	pc->retry_base = 60;
	pc->retry_max = 600;
	pc->keying_tries = IKE_TRIES_FOREVER;
	pc->ike_life.rekey = 14400;
	pc->ike_life.jitter = 1440;
	pc->ike_life.margin = 1440;
	pc->child_life.rekey = 3600;
	pc->child_life.jitter = 360;
	pc->child_life.margin = 360;
	pc->dpd_delay = 0;
	pc->dpd_timeout = 150;
	pc->dpd_action = IKE_DPD_RESTART;
	pc->drain = 5;
	pc->settle = 10;
}

/* One queued datagram to its engine; false when none. */
static bool
deliver_one(struct engine_pair *ep)
{
	struct ep_pkt *p;

	if (ep->q_head == ep->q_tail)
		return false;
	p = &ep->queue[ep->q_head++ % EP_QUEUE_MAX];
	ep->delivered++;
	/* Timers the engine starts now count from now, not from the
	 * loop's last iteration (DH and key derivation take time). */
	ev_now_update(ep->loop);
	ike_input(ep->side[p->to].eng, &p->local, &p->remote, p->natt,
	    p->buf, p->len);
	return true;
}

void
ep_pump(struct engine_pair *ep)
{
	int rounds = 0;

	while (deliver_one(ep)) {
		ev_run(ep->loop, EVRUN_NOWAIT);
		assert_true(++rounds < 100);
	}
}

static void
wake_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
}

bool
ep_run_until(struct engine_pair *ep, double seconds,
    bool (*done)(struct engine_pair *, void *), void *arg)
{
	ev_timer wake;
	double end;
	int rounds = 0;

	ev_now_update(ep->loop);
	end = ev_now(ep->loop) + seconds;
	ev_timer_init(&wake, wake_cb, 0, 0);
	for (;;) {
		ep_pump(ep);
		if (done != NULL && done(ep, arg))
			return true;
		ev_now_update(ep->loop);
		if (ev_now(ep->loop) >= end)
			break;
		/* Sleep until the next timer, ours at the latest. */
		ev_timer_set(&wake, end - ev_now(ep->loop), 0);
		ev_timer_start(ep->loop, &wake);
		ev_run(ep->loop, EVRUN_ONCE);
		ev_timer_stop(ep->loop, &wake);
		assert_true(++rounds < 100000);
	}
	return done != NULL && done(ep, arg);
}

void
ep_run(struct engine_pair *ep, double seconds)
{
	ep_run_until(ep, seconds, NULL, NULL);
}

bool
ep_both_up(struct engine_pair *ep, void *arg)
{
	return ike_peer_state(ep->side[0].eng, "B") == IKE_PEER_UP &&
	    ike_peer_state(ep->side[1].eng, "A") == IKE_PEER_UP;
}

uint8_t
ep_pkt_exchange(const struct ep_pkt *p)
{
	return p->len >= IKE_HDR_LEN ? p->buf[18] : 0;
}

bool
ep_pkt_response(const struct ep_pkt *p)
{
	return p->len >= IKE_HDR_LEN && (p->buf[19] & 0x20) != 0;
}

uint32_t
ep_pkt_msgid(const struct ep_pkt *p)
{
	if (p->len < IKE_HDR_LEN)
		return 0;
	return (uint32_t)p->buf[20] << 24 | (uint32_t)p->buf[21] << 16 |
	    (uint32_t)p->buf[22] << 8 | p->buf[23];
}

bool
ep_pkt_corrupt_sk(struct ep_pkt *p)
{
	size_t sk_len;

	if (p->len < IKE_HDR_LEN + 4 || p->buf[16] != IKE_PL_SK)
		return false;
	sk_len = (size_t)p->buf[IKE_HDR_LEN + 2] << 8 |
	    p->buf[IKE_HDR_LEN + 3];
	if (sk_len <= 4 || IKE_HDR_LEN + sk_len > p->len)
		return false;
	p->buf[IKE_HDR_LEN + sk_len - 1] ^= 0x5a;
	return true;
}

int
ep_ksa_net(const struct ep_side *s)
{
	return (int)(s->spi_allocs + s->sa_adds - s->sa_updates) -
	    (int)s->sa_dels;
}

int
ep_ksa_live(const struct ep_side *s)
{
	size_t i;
	int n = 0;

	for (i = 0; i < s->n_ksa; i++)
		n += s->ksa[i].live;
	return n;
}

const struct ep_ksa *
ep_ksa_find(const struct ep_side *s, uint32_t spi, bool out)
{
	size_t i;

	for (i = 0; i < s->n_ksa; i++)
		if (s->ksa[i].live && !s->ksa[i].larval &&
		    s->ksa[i].spi == spi && s->ksa[i].out == out)
			return &s->ksa[i];
	return NULL;
}

const struct ep_ksa *
ep_ksa_only(const struct ep_side *s, bool out)
{
	const struct ep_ksa *r = NULL;
	size_t i;

	for (i = 0; i < s->n_ksa; i++) {
		if (!s->ksa[i].live || s->ksa[i].larval ||
		    s->ksa[i].out != out)
			continue;
		if (r != NULL)
			return NULL;
		r = &s->ksa[i];
	}
	return r;
}
