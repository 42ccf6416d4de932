/* Peers (peer.c): added and removed, brought up (start, traffic, the
 * operator) and taken down, retried with back-off after a failure, and
 * what follows when their tunnel closes. */
#ifndef VTID_IKE_PEER_H
#define VTID_IKE_PEER_H

#include "ike/engine.h"

/* After a failed negotiation: retry with back-off, or give up. */
void		 ike_peer_failed(struct ike_peer *);
/* After the tunnel closed (peer's DELETE, DPD): per start mode/action. */
void		 ike_peer_closed(struct ike_peer *, bool dead);
/* INITIAL_CONTACT in sa's IKE_AUTH (RFC 7296 2.4): the peer restarted;
 * what we hold from it is stale. */
void		 ike_peer_restarted(struct ike_peer *, struct ike_sa *sa);
/* Every SA of the peer goes, a DELETE sent for the established ones. */
void		 ike_peer_close(struct ike_peer *, const char *reason);

#endif
