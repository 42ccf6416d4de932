/* The IKE SA's lifecycle (sa.c): its states and what moves it between
 * them, the tasks it has pending, its birth and its end. The transport
 * hands it what arrives (ike_sa_recv*); timers.c and the engine's API
 * hand it the rest. */
#ifndef VTID_IKE_SA_H
#define VTID_IKE_SA_H

#include "ike/engine.h"
#include "ike/peer.h"
#include "ike/transport.h"

/* A new IKE SA with the peer, initiated now. */
int		 ike_sa_initiate(struct ike_peer *);
/* Removes the SA, its CHILD SAs from the kernel, wipes its keys. reason
 * (NULL when none) is logged and kept as the peer's last error. */
void		 ike_sa_destroy(struct ike_sa *, const char *reason);
/* Destroys the SA and, if it was the peer's, lets the peer retry. */
void		 ike_sa_fail(struct ike_sa *, const char *fmt, ...)
		    VTID_PRINTF(2, 3);
/* DPD's verdict (RFC 7296 2.4): the peer is gone; the SAs go without a
 * DELETE it could not receive, then the configured action. */
void		 ike_sa_dead(struct ike_sa *);
/* Our IKE_SA_INIT went unanswered for a retransmission timeout: a peer
 * that is down must not hold an initiation slot (initiate_max) for the
 * minutes its retries take. */
void		 ike_sa_init_unanswered(struct ike_sa *);
/* The tunnel is of no more use: DELETE, the SA goes, what the peer does
 * next follows (peer.h, ike_peer_closed). */
void		 ike_sa_close(struct ike_sa *, const char *reason,
		    enum ike_closed);
/* DELETE (IKE) with retransmission, once no request of ours is out; the
 * SA goes with the answer. */
void		 ike_sa_delete(struct ike_sa *);
/* Adds a task (0: none) and starts the next one if no request is out. */
void		 ike_sa_want(struct ike_sa *, unsigned int task);
/* A crossing (two SAs from IKE_SA_INIT) settles: last is the second
 * wait. */
void		 ike_sa_settle(struct ike_sa *, bool last);

/* From the transport: a new IKE_SA_INIT request, */
void		 ike_sa_recv_init(struct ike_engine *, struct ike_peer *,
		    const struct ike_addrs *, const struct ike_msg *);
/* a message checked (and authenticated but for IKE_SA_INIT), with what
 * our request was for when it answers one (IKE_REQ_NONE: a request), */
/* The peer's NAT moved it (a new port, or with addr a new address, seen
 * on an authenticated message or in ESP): the CHILD SAs follow. */
void		 ike_sa_moved(struct ike_sa *, bool addr);
void		 ike_sa_recv(struct ike_sa *, const struct ike_msg *,
		    enum ike_req answered);
/* one whose SK payload opened but did not decode. */
void		 ike_sa_recv_malformed(struct ike_sa *, const struct ike_hdr *);

#endif
