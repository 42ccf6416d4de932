/* The receive queue between the IKE sockets and the engine.
 *
 * During a burst of setups the sockets hold hundreds of IKE_SA_INIT and
 * IKE_AUTH requests, and each IKE_AUTH costs the loop its kernel work
 * (SAs, policies, the VTI): read in arrival order, a DPD request queued
 * behind them waits for all of them, and the peer may declare us dead.
 * So net.c drains the sockets into this queue and the loop serves it in
 * three classes: the messages of established SAs (CREATE_CHILD_SA,
 * INFORMATIONAL: liveness, rekeys, deletes) first, all of them, unless
 * a message of the same IKE SA waits in a later class; then setups under
 * way (IKE_AUTH, answers), then new ones (IKE_SA_INIT requests), these
 * two for at most a time budget, after which the loop turns (timers, the
 * control socket, the crypto pool's results) and net.c reads the sockets
 * again before the rest.
 *
 * Bounded in messages and bytes. New setups take at most half of it: a
 * loaded responder sheds IKE_SA_INIT requests beyond that (they are
 * retransmitted, and cost nothing yet), and one arriving for a full
 * queue makes room by shedding the oldest new one. Otherwise, full of
 * IKE_SA_INITs, the queue would leave the rest in the socket's buffer,
 * where the kernel drops what overflows blindly: IKE_AUTHs whose key
 * exchange is done, until their half-open SAs time out (the N = 10,000
 * bench). When full of anything else, datagrams stay in the socket.
 *
 * The class is read from the clear header, so a forged message can claim
 * the first class; it gains nothing but a place ahead of other unproven
 * messages, and costs what it would have cost anyway. */
#ifndef VTID_DAEMON_RXQ_H
#define VTID_DAEMON_RXQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/net.h"

#define RXQ_MAX_MSGS	512
#define RXQ_MAX_BYTES	(1u << 20)
#define RXQ_NEW_MAX	(RXQ_MAX_MSGS / 2)	/* IKE_SA_INIT requests */

enum { RXQ_URGENT, RXQ_ONGOING, RXQ_NEW, RXQ_CLASSES };

struct rxq_item;

struct rxq {
	struct rxq_item	*head[RXQ_CLASSES];
	struct rxq_item	**tail[RXQ_CLASSES];
	size_t		 n, bytes, n_new;
	uint64_t	 urgent;	/* served in the first class */
	uint64_t	 deferred;	/* passes cut short by the budget */
	uint64_t	 shed;		/* IKE_SA_INIT requests dropped */
	size_t		 peak;		/* most messages queued at once */
};

void	 rxq_init(struct rxq *);
/* Frees what is queued, unserved. */
void	 rxq_clear(struct rxq *);
/* No room even by shedding a new setup: read no more for now. */
bool	 rxq_full(const struct rxq *);
bool	 rxq_empty(const struct rxq *);
/* Copies the datagram in, or sheds it (a new setup: counted in shed,
 * 0 all the same); -1 when full or out of memory (nothing copied). */
int	 rxq_push(struct rxq *, const struct net_pkt *);
/* Serves every first-class message, then the others, in class order,
 * until budget_ms have passed (at least one). Returns how many are
 * left. */
size_t	 rxq_serve(struct rxq *, net_recv_fn, void *arg, unsigned budget_ms);

#endif
