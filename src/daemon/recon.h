/* Kernel reconciliation: the kernel's SAs and policies kept in step with
 * what the engine installed. An administrator's "ip xfrm state flush", a
 * hard EXPIRE lost to an overrun of the event socket, or a hand-made SA
 * with vtid's mark would otherwise leave a tunnel that status calls up
 * and that carries nothing until its next rekey.
 *
 * A pass dumps vtid's own SAs and policies (its reqids and its peers'
 * marks, never anything else) and compares them with the engine's
 * (recon_diff.h): a CHILD SA missing a half is re-established, missing
 * policies go in again, strays are removed. Passes run every
 * kernel.reconcile_interval, and shortly after a table notification that
 * touches vtid's objects (XFRMNLGRP_SA, XFRMNLGRP_POLICY) or after the
 * event socket overflowed; those are coalesced. */
#ifndef VTID_DAEMON_RECON_H
#define VTID_DAEMON_RECON_H

#include <stdbool.h>
#include <stdint.h>

#include <ev.h>

#include "config/config.h"
#include "util/log.h"
#include "xfrm/xfrm.h"

enum recon_trigger {
	RECON_PERIODIC,
	RECON_EVENT,		/* a notification about our objects */
	RECON_OVERRUN,		/* events were lost */
	RECON_TRIGGERS
};

struct recon_stats {
	uint64_t	 passes[RECON_TRIGGERS];
	uint64_t	 failed;	/* a dump failed or kept changing */
	uint64_t	 sas_missing;	/* each: its tunnel re-established */
	uint64_t	 policies_missing;	/* each: installed again */
	uint64_t	 sas_stray, policies_stray;	/* removed */
};

struct kernel;

struct recon {
	struct kernel	*k;
	struct ev_loop	*loop;
	ev_timer	 periodic, soon;
	double		 interval;	/* 0: no periodic pass */
	double		 last;		/* when the last pass ran, clock_mono() */
	unsigned int	 pending;	/* 1 << enum recon_trigger, for soon */
	bool		 on;
	int		 buffer;	/* event socket, as the kernel granted */
	/* Ownership: the reqid span and the configured peers' marks (of
	 * VTI peers) and if_ids (of XFRM interface peers). */
	struct xfrm_owner owner;
	struct xfrm_mark *marks;
	uint32_t	*if_ids;
	struct recon_stats st;
	struct log_ratelimit rl;
};

/* Subscribes k's monitor to the table notifications, sizes its buffer,
 * starts the timers. 0 or -1 (logged). */
int	 recon_start(struct recon *, struct kernel *, struct ev_loop *);
/* The settings and peers of k->conf, again (a reload). */
void	 recon_configure(struct recon *);
void	 recon_stop(struct recon *);
/* A table notification from the monitor. */
void	 recon_event(struct recon *, const struct xfrm_event *);
/* A pass soon (coalesced with others asked for meanwhile). */
void	 recon_schedule(struct recon *, enum recon_trigger);
/* A pass now: 0, or -1 when a dump failed (nothing was changed). */
int	 recon_run(struct recon *, enum recon_trigger);
const char *recon_trigger_name(enum recon_trigger);

#endif
