/* What vtictl shows of the engine beyond "status" (ike.h): one peer's
 * state, "list" (everything about each peer, text or JSON) and "metrics"
 * (Prometheus text exposition format 0.0.4). All of it reads the
 * engine's state and changes nothing; the daemon adds what only the
 * configuration knows through struct ike_report_info. */
#ifndef VTID_IKE_REPORT_H
#define VTID_IKE_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ike/ike.h"

enum ike_peer_state {
	IKE_PEER_UNKNOWN = -1,	/* no such peer */
	IKE_PEER_DOWN,		/* no IKE SA */
	IKE_PEER_CONNECTING,	/* an IKE SA, no CHILD SA (yet) */
	IKE_PEER_UP,		/* a CHILD SA is installed */
};

const char	*ike_peer_state_name(enum ike_peer_state);
enum ike_peer_state ike_peer_state(const struct ike_engine *,
		    const char *name);

/* Settings of a peer that the engine does not hold. Strings may be
 * empty, never NULL. */
struct ike_report_info {
	const char	*origin;	/* "vtid.conf:42" */
	const char	*vti;		/* interface name */
	const char	*netns;		/* "": vtid's own */
	const char	*start;		/* "route", "start", "add" */
	const char	*dpd_action;
	uint32_t	 dpd_delay, dpd_timeout;
	uint32_t	 ike_rekey, ike_jitter, ike_margin;	/* seconds */
	uint32_t	 esp_rekey, esp_jitter, esp_margin;
};

/* Fills info for the named peer; false if it has nothing to add. */
typedef bool	(*ike_report_info_fn)(const char *peer,
		    struct ike_report_info *, void *arg);

/* Every peer, or only the one named (peer not NULL; the caller checked
 * it exists). info may be NULL. */
void		 ike_list(struct ike_engine *, FILE *, bool json,
		    const char *peer, ike_report_info_fn info, void *arg);

/* Per-peer gauges and counters (configured peers that are down
 * included) and the engine's counters, with HELP and TYPE lines. */
void		 ike_metrics(struct ike_engine *, FILE *);

/* A string as a JSON string literal, and as a Prometheus label value
 * (both with their quotes). */
void		 ike_report_json_str(FILE *, const char *);
void		 ike_report_label_str(FILE *, const char *);

#endif
