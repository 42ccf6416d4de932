/* The receive queue between the IKE sockets and the engine.
 *
 * During a burst of setups the sockets hold hundreds of IKE_SA_INIT and
 * IKE_AUTH requests, and each IKE_AUTH costs the loop its kernel work
 * (SAs, policies, the VTI): read in arrival order, a DPD request queued
 * behind them waits for all of them, and the peer may declare us dead.
 * So net.c drains the sockets into this queue and the loop serves it in
 * two classes: the messages of established SAs (CREATE_CHILD_SA,
 * INFORMATIONAL: liveness, rekeys, deletes) first, all of them, unless
 * a message of the same IKE SA waits in the second class; then new
 * setups, for at most a time budget, after which the loop turns (timers,
 * the control socket, the crypto pool's results) and net.c reads the
 * sockets again before the rest. Bounded in messages and bytes: when
 * full, datagrams stay in the socket's buffer.
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

struct rxq_item;

struct rxq {
	struct rxq_item	*head[2];
	struct rxq_item	**tail[2];
	size_t		 n, bytes;
	uint64_t	 urgent;	/* served in the first class */
	uint64_t	 deferred;	/* passes cut short by the budget */
	size_t		 peak;		/* most messages queued at once */
};

void	 rxq_init(struct rxq *);
/* Frees what is queued, unserved. */
void	 rxq_clear(struct rxq *);
bool	 rxq_full(const struct rxq *);
bool	 rxq_empty(const struct rxq *);
/* Copies the datagram in; -1 when full (nothing copied). */
int	 rxq_push(struct rxq *, const struct net_pkt *);
/* Serves every first-class message, then the others until budget_ms
 * have passed (at least one). Returns how many are left. */
size_t	 rxq_serve(struct rxq *, net_recv_fn, void *arg, unsigned budget_ms);

#endif
