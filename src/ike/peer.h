/* Peers (peer.c): added and removed, brought up (start, traffic, the
 * operator) and taken down, retried with back-off after a failure, and
 * what follows when their tunnel closes. */
#ifndef VTID_IKE_PEER_H
#define VTID_IKE_PEER_H

#include "ike/engine.h"

/* After a failed negotiation: retry with back-off, or give up. */
void		 ike_peer_failed(struct ike_peer *);
/* Why a peer's tunnel closed: what follows depends on it. */
enum ike_closed {
	IKE_CLOSED_BY_PEER,	/* its DELETE: as the start mode says */
	IKE_CLOSED_BROKEN,	/* DPD found it dead, or the kernel removed
				 * the CHILD SA: as the DPD action says */
};

/* After the tunnel closed. */
void		 ike_peer_closed(struct ike_peer *, enum ike_closed);
/* INITIAL_CONTACT in sa's IKE_AUTH (RFC 7296 2.4): the peer restarted;
 * what we hold from it is stale. */
void		 ike_peer_restarted(struct ike_peer *, struct ike_sa *sa);
/* A CHILD SA of the peer is in (whichever IKE SA carries it). */
bool		 ike_peer_has_child(const struct ike_peer *);
/* The interface follows the tunnel (conf.link_follows): ops->link on a
 * change. Called wherever CHILD SAs come and go and the peer's mode
 * changes. */
void		 ike_peer_link_sync(struct ike_peer *);
/* Pacing of our initiations (dos.initiate_max): set up with the engine,
 * kicked when one of ours ends or is established (or the limit grows),
 * stopped when the engine goes. */
void		 ike_peer_pace_init(struct ike_engine *);
void		 ike_peer_pace_kick(struct ike_engine *);
void		 ike_peer_pace_stop(struct ike_engine *);
/* Out of the line of peers waiting to initiate, if it was in it. */
void		 ike_peer_unqueue(struct ike_peer *);
/* Every SA of the peer goes, a DELETE sent for the established ones. */
void		 ike_peer_close(struct ike_peer *, const char *reason);
/* Its memory, the PSK wiped, its credentials' references dropped (it is
 * out of the tables). */
void		 ike_peer_free(struct ike_peer *);

#endif
