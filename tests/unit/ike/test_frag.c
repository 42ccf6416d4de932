/* IKE fragmentation (RFC 7383) between two engines (engine_pair.h): a
 * fragment size of 256 bytes forces IKE_AUTH, CHILD and IKE rekeys into
 * Encrypted Fragment payloads (SKF), with AES-GCM and with AES-CBC and
 * MODP-2048; fragments reordered and duplicated, dropped and
 * retransmitted, forged and corrupted; a peer that did not announce
 * support; and the reassembly limits, with fragments sealed with the
 * real keys (in the window, authenticated) to show they hold even then.
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

#include "ike/engine.h"
#include "ike/frag.h"
#include "ike/ikev2.h"
#include "ike/message.h"
#include "ike/sk.h"
#include "engine_pair.h"

static struct engine_pair pair;

#define A	(&pair.side[0])
#define B	(&pair.side[1])
#define FRAG_SIZE	256	/* the config's minimum */

/* The fragment size of both sides; the reordering test goes smaller (the
 * engine takes it) for more fragments: 180 leaves 71 bytes each. */
static unsigned int frag_size;

/* What the hook saw and does. */
enum mode {
	M_COUNT,
	M_REORDER,	/* A's first IKE_AUTH request: held, then all of its
			 * fragments queued last first, each twice */
	M_DROP,		/* fragment 2 of A's first IKE_AUTH request and the
			 * last of B's first response: dropped */
	M_FORGE,	/* before fragments 1 and 2 of A's first IKE_AUTH
			 * request: a forged copy (higher total, a byte
			 * flipped) */
};

struct watch {
	enum mode	 mode;
	/* SKF datagrams by sender, exchange (index exchange - 34) and
	 * response. */
	unsigned	 skf[2][4][2];
	unsigned	 sk[2][4][2];	/* whole SK messages */
	uint16_t	 total[2][4][2];	/* last Total Fragments seen */
	struct ep_pkt	 held[16];
	unsigned	 n_held, dropped, forged;
	bool		 done;		/* the mode's action happened */
};

static struct watch W;

static bool
pkt_skf(const struct ep_pkt *p, uint16_t *num, uint16_t *total)
{
	if (p->len < 36 || p->buf[16] != IKE_PL_SKF)
		return false;
	*num = (uint16_t)(p->buf[32] << 8 | p->buf[33]);
	*total = (uint16_t)(p->buf[34] << 8 | p->buf[35]);
	return true;
}

static void
enqueue(struct engine_pair *ep, const struct ep_pkt *p)
{
	assert_true(ep->q_tail - ep->q_head < EP_QUEUE_MAX);
	ep->queue[ep->q_tail++ % EP_QUEUE_MAX] = *p;
}

static enum ep_verdict
hook(struct engine_pair *ep, struct ep_pkt *p, void *arg)
{
	struct watch *w = arg;
	uint8_t x = ep_pkt_exchange(p);
	bool resp = ep_pkt_response(p);
	uint16_t num, total;
	struct ep_pkt f;
	unsigned i;

	if (x < IKE_SA_INIT || x > INFORMATIONAL)
		return EP_PASS;
	if (!pkt_skf(p, &num, &total)) {
		if (x != IKE_SA_INIT)
			w->sk[p->from][x - IKE_SA_INIT][resp]++;
		return EP_PASS;
	}
	w->skf[p->from][x - IKE_SA_INIT][resp]++;
	w->total[p->from][x - IKE_SA_INIT][resp] = total;
	if (w->done || x != IKE_AUTH)
		return EP_PASS;
	switch (w->mode) {
	case M_REORDER:
		if (p->from != 0 || resp)
			return EP_PASS;
		assert_true(w->n_held < 16);
		w->held[w->n_held++] = *p;
		if (num == total) {
			for (i = w->n_held; i-- > 0;) {
				enqueue(ep, &w->held[i]);
				enqueue(ep, &w->held[i]);
			}
			w->done = true;
		}
		return EP_DROP;
	case M_DROP:
		if ((p->from == 0 && !resp && num == 2 && w->dropped == 0) ||
		    (p->from == 1 && resp && num == total &&
		    w->dropped == 1)) {
			w->dropped++;
			w->done = w->dropped == 2;
			return EP_DROP;
		}
		return EP_PASS;
	case M_FORGE:
		if (p->from != 0 || resp || num > 2)
			return EP_PASS;
		f = *p;
		if (num == 1) {
			/* A higher total must not restart reassembly
			 * unless it authenticates (RFC 7383 2.6.2). */
			f.buf[35]++;
		}
		f.buf[f.len - 1] ^= 0x5a;
		enqueue(ep, &f);
		w->forged++;
		w->done = w->forged == 2;
		return EP_PASS;
	default:
		return EP_PASS;
	}
}

/* Side i's peer, with fragmentation (frag) at FRAG_SIZE. */
static void
conf(struct ike_peer_conf *pc, int i, enum ike_start start, bool frag)
{
	ep_side_conf(pc, i, start);
	pc->retransmit_timeout = 0.1;
	pc->retransmit_base = 1.5;
	pc->retransmit_limit = 0.4;
	pc->retransmit_tries = 5;
	pc->drain = 0.1;
	pc->settle = 0.2;
	pc->fragmentation = frag;
	pc->fragment_size = frag_size;
}

static void
add(bool frag_a, bool frag_b, const char *ike, const char *esp)
{
	struct ike_peer_conf pa, pb;

	conf(&pa, 0, IKE_START_START, frag_a);
	conf(&pb, 1, IKE_START_ADD, frag_b);
	if (ike != NULL) {
		ep_conf_suites(&pa, ike, esp);
		ep_conf_suites(&pb, ike, esp);
	}
	assert_int_equal(ike_peer_add(B->eng, &pb), 0);
	assert_int_equal(ike_peer_add(A->eng, &pa), 0);
}

/* The tunnel is up and its SAs cross: A out == B in and the other way. */
static void
assert_tunnel(void)
{
	const struct ep_ksa *ai = ep_ksa_only(A, false);
	const struct ep_ksa *ao = ep_ksa_only(A, true);
	const struct ep_ksa *bi = ep_ksa_only(B, false);
	const struct ep_ksa *bo = ep_ksa_only(B, true);

	assert_true(ep_both_up(&pair, NULL));
	assert_non_null(ai);
	assert_non_null(ao);
	assert_non_null(bi);
	assert_non_null(bo);
	assert_int_equal(ai->spi, bo->spi);
	assert_int_equal(ao->spi, bi->spi);
	assert_memory_equal(ai->encr_key, bo->encr_key, ai->encr_len);
	assert_memory_equal(ao->encr_key, bi->encr_key, ao->encr_len);
}

/* Does the snapshot of side i show fragmentation on its current SA? */
static bool
snap_frag(int i)
{
	struct ike_snapshot *s = ike_snapshot_take(pair.side[i].eng, NULL);
	bool on = false;
	size_t k;

	assert_non_null(s);
	for (k = 0; k < s->n_sas; k++)
		if (s->sas[k].current)
			on = s->sas[k].fragmentation;
	ike_snapshot_free(s);
	return on;
}

static const struct ike_stats *
st(int i)
{
	return ike_engine_stats(pair.side[i].eng);
}

#define SKF(side, x, resp)	(W.skf[side][(x) - IKE_SA_INIT][resp])
#define SKW(side, x, resp)	(W.sk[side][(x) - IKE_SA_INIT][resp])

static int
setup(void **state)
{
	ep_init(&pair);
	memset(&W, 0, sizeof(W));
	ep_set_hook(&pair, hook, &W);
	frag_size = FRAG_SIZE;
	return 0;
}

static int
teardown(void **state)
{
	ep_free(&pair);
	return 0;
}

/* One rekey by A: CHILD (a new inbound SPI) or IKE (a new SA). */
static void
rekey(bool ike)
{
	uint32_t in = ep_ksa_only(A, false)->spi;
	uint64_t ispi = A->eng->peers->sa->ispi;

	assert_int_equal(ike_peer_rekey(A->eng, "B", ike), 0);
	ep_run(&pair, 0.5);
	assert_tunnel();
	if (ike)
		assert_true(A->eng->peers->sa->ispi != ispi);
	else
		assert_int_not_equal(ep_ksa_only(A, false)->spi, in);
}

/* IKE_AUTH, a CHILD rekey and an IKE rekey, all fragmented both ways. */
static void
auth_and_rekeys(const char *ike, const char *esp, const char *what)
{
	add(true, true, ike, esp);
	assert_true(ep_run_until(&pair, 10, ep_both_up, NULL));
	assert_tunnel();
	assert_int_equal(SKW(0, IKE_AUTH, 0) + SKW(1, IKE_AUTH, 1), 0);
	assert_true(SKF(0, IKE_AUTH, 0) >= 2 && SKF(1, IKE_AUTH, 1) >= 2);
	assert_true(snap_frag(0) && snap_frag(1));
	printf("%s: IKE_AUTH request in %u fragments, response in %u, "
	    "fragmentation shown on both SAs\n", what,
	    SKF(0, IKE_AUTH, 0), SKF(1, IKE_AUTH, 1));
	rekey(false);
	assert_true(SKF(0, CREATE_CHILD_SA, 0) >= 2 &&
	    SKF(1, CREATE_CHILD_SA, 1) >= 2);
	assert_int_equal(SKW(0, CREATE_CHILD_SA, 0), 0);
	printf("%s: CHILD rekey, CREATE_CHILD_SA request in %u fragments, "
	    "response in %u\n", what, SKF(0, CREATE_CHILD_SA, 0),
	    SKF(1, CREATE_CHILD_SA, 1));
	rekey(true);
	assert_true(SKF(0, CREATE_CHILD_SA, 0) >= 4);
	assert_true(snap_frag(0) && snap_frag(1));
	assert_int_equal(st(0)->frag_dropped + st(1)->frag_dropped, 0);
	assert_int_equal(st(1)->frag_reassembled, 3);
	assert_int_equal(st(0)->frag_reassembled, 3);
	printf("%s: IKE rekey fragmented too (%u CREATE_CHILD_SA request "
	    "fragments in all); the new IKE SA keeps fragmentation; A sent "
	    "%llu fragments, B %llu; 3 messages reassembled each side, none "
	    "dropped\n", what, SKF(0, CREATE_CHILD_SA, 0),
	    (unsigned long long)st(0)->frag_tx,
	    (unsigned long long)st(1)->frag_tx);
}

static void
test_gcm(void **state)
{
	auth_and_rekeys(NULL, NULL, "AES-GCM/ECP-384");
}

static void
test_cbc_modp(void **state)
{
	auth_and_rekeys("aes256-sha256-prfsha256-modp2048!",
	    "aes256-sha256-modp2048!", "AES-CBC/HMAC/MODP-2048");
}

static void
test_reorder_dup(void **state)
{
	W.mode = M_REORDER;
	frag_size = 180;
	add(true, true, NULL, NULL);
	assert_true(ep_run_until(&pair, 10, ep_both_up, NULL));
	assert_tunnel();
	assert_true(W.done);
	assert_true(W.n_held >= 4);
	assert_int_equal(st(0)->tx_retransmit, 0);
	/* Each fragment came twice: the second copies ignored, but for
	 * fragment 1's, which came after the message was complete and
	 * answered: as a retransmission it brought the response again
	 * (RFC 7383 2.6.1). */
	assert_int_equal(st(1)->frag_dup, W.n_held - 1);
	assert_int_equal(st(1)->rx_retransmit, 1);
	assert_int_equal(st(1)->frag_reassembled, 1);
	printf("IKE_AUTH request's %u fragments (size %u) delivered last "
	    "first, each twice: reassembled once, %llu duplicates ignored, the late "
	    "copy of fragment 1 answered with the response again; A "
	    "retransmitted nothing\n", W.n_held, frag_size,
	    (unsigned long long)st(1)->frag_dup);
}

static void
test_drop_retransmit(void **state)
{
	W.mode = M_DROP;
	add(true, true, NULL, NULL);
	assert_true(ep_run_until(&pair, 10, ep_both_up, NULL));
	assert_tunnel();
	assert_int_equal(W.dropped, 2);
	/* RFC 7383 2.6.1: the whole request again, twice (its fragment 2
	 * lost, then the answer's last fragment lost). */
	assert_true(st(0)->tx_retransmit >= 2);
	assert_int_equal(SKF(0, IKE_AUTH, 0),
	    (1 + st(0)->tx_retransmit) * W.total[0][1][0]);
	/* The answered request's fragment 1 brought the whole response
	 * again; its other fragments were ignored. */
	assert_true(st(1)->rx_retransmit >= 1);
	assert_true(SKF(1, IKE_AUTH, 1) >= 2 * W.total[1][1][1]);
	assert_int_equal(st(1)->frag_reassembled, 1);
	assert_int_equal(st(0)->frag_reassembled, 1);
	printf("fragment 2 of the IKE_AUTH request and the last of the "
	    "response dropped: A retransmitted all %u fragments %llu times, "
	    "B resent its %u-fragment response on fragment 1 (%llu times), "
	    "tunnel up\n", W.total[0][1][0],
	    (unsigned long long)st(0)->tx_retransmit, W.total[1][1][1],
	    (unsigned long long)st(1)->rx_retransmit);
}

static void
test_forged(void **state)
{
	W.mode = M_FORGE;
	add(true, true, NULL, NULL);
	assert_true(ep_run_until(&pair, 10, ep_both_up, NULL));
	assert_tunnel();
	assert_int_equal(W.forged, 2);
	assert_int_equal(st(1)->rx_bad_icv, 2);
	assert_int_equal(st(1)->frag_dropped, 2);
	assert_int_equal(st(0)->tx_retransmit, 0);
	assert_int_equal(st(1)->frag_reassembled, 1);
	printf("2 forged IKE_AUTH fragments (one claiming a higher Total "
	    "Fragments) ahead of the real ones: dropped on their ICV "
	    "(bad ICV %llu, fragments dropped %llu), the real exchange "
	    "completed without a retransmission\n",
	    (unsigned long long)st(1)->rx_bad_icv,
	    (unsigned long long)st(1)->frag_dropped);
}

/* An SKF message sealed with A's real keys, as A's next request. */
static size_t
craft(uint8_t *out, size_t cap, uint8_t exchange, uint16_t num,
    uint16_t total, size_t plain_len)
{
	static uint8_t plain[4096];
	struct ike_sa *sa = A->eng->peers->sa;
	struct ike_sk_layout lay;
	struct ike_hdr h;
	struct ike_enc e;
	struct wbuf w;

	assert_true(plain_len <= sizeof(plain));
	memset(&h, 0, sizeof(h));
	h.ispi = sa->ispi;
	h.rspi = sa->rspi;
	h.exchange = exchange;
	h.flags = sa->initiator ? IKE_FLAG_INITIATOR : 0;
	h.msgid = sa->msgid_next;
	wbuf_init(&w, out, cap);
	ike_msg_encode_init(&e, &w, &h);
	ike_msg_encode_skf(&e, num, total, IKE_PL_NOTIFY,
	    sa->sk_out.encr->iv_len, plain, plain_len);
	assert_true(ike_msg_encode_finish(&e, &lay) > 0);
	assert_int_equal(ike_sk_seal_layout(&sa->sk_out, &w, &lay, NULL), 0);
	return w.len;
}

static uint8_t cbuf[8192];

static void
send_b(uint16_t num, uint16_t total, size_t plain_len)
{
	size_t n = craft(cbuf, sizeof(cbuf), INFORMATIONAL, num, total,
	    plain_len);

	/* The addresses of a datagram that went from A to B. */
	ike_input(B->eng, &A->sent[0].local, &A->sent[0].remote, false, cbuf,
	    n);
}

static struct ike_frag_set *
b_set(void)
{
	struct ike_sa *sa = B->eng->peers->sa;

	assert_non_null(sa->frag_rx);
	return &sa->frag_rx->set[0];
}

static void
test_limits(void **state)
{
	struct ike_stats s0;
	uint16_t i;

	add(true, true, NULL, NULL);
	assert_true(ep_run_until(&pair, 10, ep_both_up, NULL));
	s0 = *st(1);

	/* More fragments than vtid reassembles: dropped unopened. */
	send_b(1, IKE_FRAG_MAX + 1, 100);
	assert_int_equal(st(1)->frag_dropped, s0.frag_dropped + 1);
	assert_int_equal(st(1)->frag_rx, s0.frag_rx);

	/* 1/3 kept; 2/2 (a lower total) dropped; 1/3 again ignored as a
	 * duplicate; 3/3 kept; 1/4 (higher) starts anew. */
	send_b(1, 3, 100);
	send_b(2, 2, 100);
	send_b(1, 3, 100);
	send_b(3, 3, 100);
	assert_int_equal(b_set()->have, 2);
	send_b(1, 4, 100);
	assert_int_equal(b_set()->total, 4);
	assert_int_equal(b_set()->have, 1);
	assert_int_equal(st(1)->frag_dropped, s0.frag_dropped + 2);
	assert_int_equal(st(1)->frag_dup, s0.frag_dup + 1);
	assert_int_equal(st(1)->frag_rx, s0.frag_rx + 3);
	printf("limits: %u fragments refused; a lower Total Fragments "
	    "dropped, a duplicate ignored, a higher total restarted the set "
	    "(now 1 of 4)\n", IKE_FRAG_MAX + 1);

	/* An incomplete set older than the timeout goes. */
	b_set()->started -= IKE_FRAG_TIMEOUT_S + 1;
	send_b(2, 4, 100);
	assert_int_equal(st(1)->frag_timeout, s0.frag_timeout + 1);
	assert_int_equal(b_set()->have, 1);
	assert_null(b_set()->part[0]);
	printf("limits: a set idle %.0f s dropped when the next fragment "
	    "came (timeouts %llu)\n", IKE_FRAG_TIMEOUT_S + 1,
	    (unsigned long long)st(1)->frag_timeout);

	/* IKE_MSG_MAX bytes at most: 32 fragments of 2100 bytes. */
	for (i = 1; i <= IKE_FRAG_MAX; i++)
		send_b(i, IKE_FRAG_MAX, 2100);
	assert_false(b_set()->active);
	assert_int_equal(b_set()->bytes, 0);
	assert_int_equal(st(1)->frag_dropped, s0.frag_dropped + 3);
	assert_int_equal(st(1)->frag_reassembled, s0.frag_reassembled);
	printf("limits: 32 fragments of 2100 bytes: the set dropped at the "
	    "one that passed %d bytes, nothing reassembled\n", IKE_MSG_MAX);

	/* None of it steered the SA: A's next request (a fragmented CHILD
	 * rekey with the message ID used above) completes. */
	rekey(false);
	assert_int_equal(st(1)->frag_reassembled, s0.frag_reassembled + 1);
	printf("limits: then a fragmented CHILD rekey completed\n");
}

static void
test_not_announced(void **state)
{
	struct ike_stats s0;

	add(true, false, NULL, NULL);
	assert_true(ep_run_until(&pair, 10, ep_both_up, NULL));
	assert_tunnel();
	assert_int_equal(SKF(0, IKE_AUTH, 0) + SKF(1, IKE_AUTH, 1), 0);
	assert_int_equal(SKW(0, IKE_AUTH, 0), 1);
	assert_int_equal(SKW(1, IKE_AUTH, 1), 1);
	assert_false(snap_frag(0) || snap_frag(1));
	rekey(false);
	assert_int_equal(SKF(0, CREATE_CHILD_SA, 0), 0);
	/* Fragments to a peer that did not announce support: dropped. */
	s0 = *st(1);
	send_b(1, 2, 100);
	assert_int_equal(st(1)->frag_dropped, s0.frag_dropped + 1);
	assert_int_equal(st(1)->frag_rx, s0.frag_rx);
	printf("B without fragmentation: IKE_AUTH and CREATE_CHILD_SA went "
	    "whole (%u and %u SK requests, 0 fragments) though A's fragment "
	    "size is %d; an authenticated fragment sent to B anyway was "
	    "dropped\n", SKW(0, IKE_AUTH, 0), SKW(0, CREATE_CHILD_SA, 0),
	    FRAG_SIZE);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_gcm),
		T(test_cbc_modp),
		T(test_reorder_dup),
		T(test_drop_retransmit),
		T(test_forged),
		T(test_limits),
		T(test_not_announced),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
