/* The responder's admission of IKE_SA_INIT requests (RFC 7296 2.6, RFC
 * 8019): what a request from a peer's address, which anyone can forge,
 * may cost before IKE_AUTH proves it. The half-open SAs are counted, per
 * peer and in all; past a threshold a request must first return a COOKIE
 * (checked before any state or key exchange); past a cap it is dropped.
 * Stateless but for the counts and the cookie secret (cookie.c). Called
 * by the lifecycle (sa.c); sends through the transport. */
#ifndef VTID_IKE_ADMIT_H
#define VTID_IKE_ADMIT_H

#include "ike/engine.h"
#include "ike/transport.h"

/* A new IKE_SA_INIT request of the peer (no SA has its SPI): 0 when an
 * SA may be made for it; -1 when it was answered with a COOKIE or
 * dropped (counted, a rate-limited line). */
int		 ike_admit_init(struct ike_engine *, struct ike_peer *,
		    const struct ike_addrs *, const struct ike_msg *);
/* The initiator's request again, now with a valid COOKIE in front and
 * otherwise the very request the half-open sa was made for: a copy
 * without it came first, when no cookie was needed yet. The initiator
 * signs the request it sent last, so sa keeps this one from now on:
 * true, and the caller answers it as a retransmission. */
bool		 ike_admit_init_cookied(struct ike_sa *, const uint8_t *buf,
		    size_t len);
/* The responder SA made for an admitted request is half-open, */
void		 ike_admit_half_open(struct ike_sa *);
/* and is no longer (IKE_AUTH succeeded, or it goes); no-op otherwise. */
void		 ike_admit_half_open_end(struct ike_sa *);

#endif
