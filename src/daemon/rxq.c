#include <stdlib.h>
#include <string.h>

#include "daemon/rxq.h"
#include "ike/ikev2.h"
#include "util/clock.h"

struct rxq_item {
	struct rxq_item	*next;
	struct net_pkt	 pkt;
	uint8_t		 data[];
};

void
rxq_init(struct rxq *q)
{
	int c;

	memset(q, 0, sizeof(*q));
	for (c = 0; c < RXQ_CLASSES; c++)
		q->tail[c] = &q->head[c];
}

/* Exchanges only an established IKE SA has (RFC 7296 1.4, 1.3); a
 * request that would start a new one. */
static int
rxq_class(const struct net_pkt *p)
{
	uint8_t x;

	if (p->len < IKE_HDR_LEN)
		return RXQ_ONGOING;
	x = p->data[18];
	if (x == CREATE_CHILD_SA || x == INFORMATIONAL)
		return RXQ_URGENT;
	if (x == IKE_SA_INIT && !(p->data[19] & IKE_FLAG_RESPONSE))
		return RXQ_NEW;
	return RXQ_ONGOING;
}

/* Whether a later-class message of the same IKE SA (initiator's SPI)
 * waits: the first class must not overtake it. An initiator holding a
 * responder's IKE_AUTH answer and its next request (a DPD, the DELETE of
 * a crossing duplicate) must see them in the order they were sent. */
static bool
rxq_sa_waits(const struct rxq *q, const struct net_pkt *p)
{
	const struct rxq_item *it;

	for (it = q->head[RXQ_ONGOING]; it != NULL; it = it->next)
		if (it->pkt.len >= IKE_HDR_LEN &&
		    memcmp(it->pkt.data, p->data, 8) == 0)
			return true;
	return false;
}

static bool
rxq_room(const struct rxq *q, size_t len)
{
	return q->n < RXQ_MAX_MSGS && q->bytes + len <= RXQ_MAX_BYTES;
}

bool
rxq_full(const struct rxq *q)
{
	return !rxq_room(q, IKE_MSG_MAX) && q->n_new == 0;
}

bool
rxq_empty(const struct rxq *q)
{
	return q->n == 0;
}

static struct rxq_item *
rxq_pop(struct rxq *q, int c)
{
	struct rxq_item *it = q->head[c];

	if (it == NULL)
		return NULL;
	if ((q->head[c] = it->next) == NULL)
		q->tail[c] = &q->head[c];
	q->n--;
	q->bytes -= it->pkt.len;
	if (c == RXQ_NEW)
		q->n_new--;
	return it;
}

int
rxq_push(struct rxq *q, const struct net_pkt *p)
{
	struct rxq_item *it;
	int c = rxq_class(p);

	if (c == RXQ_NEW && (q->n_new >= RXQ_NEW_MAX ||
	    !rxq_room(q, p->len))) {
		q->shed++;
		return 0;
	}
	while (!rxq_room(q, p->len) && (it = rxq_pop(q, RXQ_NEW)) != NULL) {
		q->shed++;
		free(it);
	}
	if (!rxq_room(q, p->len) ||
	    (it = malloc(sizeof(*it) + p->len)) == NULL)
		return -1;
	it->next = NULL;
	it->pkt = *p;
	memcpy(it->data, p->data, p->len);
	it->pkt.data = it->data;
	if (c == RXQ_URGENT && rxq_sa_waits(q, p))
		c = RXQ_ONGOING;
	*q->tail[c] = it;
	q->tail[c] = &it->next;
	q->n++;
	q->bytes += p->len;
	if (c == RXQ_NEW)
		q->n_new++;
	if (q->n > q->peak)
		q->peak = q->n;
	return 0;
}

/* Unlinked before it is handed on: the callback may not re-enter the
 * queue, but nothing it does can see a half-removed item either. */
static void
rxq_deliver(struct rxq_item *it, net_recv_fn fn, void *arg)
{
	fn(&it->pkt, arg);
	free(it);
}

size_t
rxq_serve(struct rxq *q, net_recv_fn fn, void *arg, unsigned budget_ms)
{
	struct rxq_item *it;
	double until;

	while ((it = rxq_pop(q, RXQ_URGENT)) != NULL) {
		q->urgent++;
		rxq_deliver(it, fn, arg);
	}
	until = clock_mono() + budget_ms / 1000.0;
	while ((it = rxq_pop(q, RXQ_ONGOING)) != NULL ||
	    (it = rxq_pop(q, RXQ_NEW)) != NULL) {
		rxq_deliver(it, fn, arg);
		if (q->n > 0 && clock_mono() >= until) {
			q->deferred++;
			break;
		}
	}
	return q->n;
}

void
rxq_clear(struct rxq *q)
{
	struct rxq_item *it;
	int c;

	for (c = 0; c < RXQ_CLASSES; c++)
		while ((it = rxq_pop(q, c)) != NULL)
			free(it);
}
