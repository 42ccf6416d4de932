/* Two clocks. Durations (retransmissions, DPD, lifetimes, back-off, the
 * COOKIE secret's age, log rate limits) are measured on the monotonic
 * clock, which a wall-clock step (NTP, an admin's date -s, a VM resumed)
 * does not move; the wall clock only labels moments for people. libev's
 * ev_timer already runs on the monotonic clock; ev_now() is wall time
 * and is not used for durations. */
#ifndef VTID_UTIL_CLOCK_H
#define VTID_UTIL_CLOCK_H

/* Seconds on CLOCK_MONOTONIC: only differences mean anything. */
double	clock_mono(void);
/* Unix time, seconds. */
double	clock_wall(void);
/* A monotonic moment as Unix time by the wall clock now; 0 stays 0. */
double	clock_mono_to_wall(double mono);

#endif
