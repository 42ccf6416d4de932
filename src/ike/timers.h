/* Every timer of an IKE SA, one array indexed by enum ike_sa_timer, and a
 * peer's retry timer: armed and cancelled here, and handled here when they
 * fire (timers.c says what each one does). */
#ifndef VTID_IKE_TIMERS_H
#define VTID_IKE_TIMERS_H

#include "ike/engine.h"

void		 ike_timers_init(struct ike_sa *);
/* All of them, as the SA goes. */
void		 ike_timers_cancel_all(struct ike_sa *);
/* Fires in delay seconds (at once when delay <= 0), re-armed if it ran. */
void		 ike_timer_arm(struct ike_sa *, enum ike_sa_timer,
		    double delay);
void		 ike_timer_cancel(struct ike_sa *, enum ike_sa_timer);

void		 ike_peer_timer_init(struct ike_peer *);
/* The next attempt to bring the peer up, in delay seconds. */
void		 ike_peer_timer_arm(struct ike_peer *, double delay);
void		 ike_peer_timer_cancel(struct ike_peer *);

/* A uniform factor in [1 - j, 1 + j], so that peers with the same
 * settings do not act in step. */
double		 ike_timer_jitter(double j);

#endif
