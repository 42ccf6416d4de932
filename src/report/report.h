/* What vtictl shows, written from the engine's snapshot (ike.h): status
 * (like "ipsec status"), list (everything about each peer), in text or
 * JSON, and metrics (Prometheus text exposition format 0.0.4). One writer
 * per format: report_text.c, report_json.c, report_prom.c. It reads and
 * changes nothing of the engine but through ike_snapshot_take; the daemon
 * adds what only it knows (struct report_info, struct report_daemon). */
#ifndef VTID_REPORT_REPORT_H
#define VTID_REPORT_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ike/ike.h"

/* Settings of a peer that the engine does not hold. Strings may be
 * empty, never NULL. */
struct report_info {
	const char	*origin;	/* "vtid.conf:42" */
	const char	*vti;		/* interface name */
	const char	*iface;		/* its kind: "vti", "vti6", "xfrm" */
	const char	*netns;		/* "": vtid's own */
	const char	*start;		/* "route", "start", "add" */
	const char	*dpd_action;
	uint32_t	 dpd_delay, dpd_timeout;
	uint32_t	 ike_rekey, ike_jitter, ike_margin;	/* seconds */
	uint32_t	 esp_rekey, esp_jitter, esp_margin;
	uint32_t	 mtu;		/* the VTI's, as vtid set it; 0: unknown */
	char		 mtu_auto[128];	/* mtu = "auto": its parts, else "" */
};

/* Fills info for the named peer; false if it has nothing to add. */
typedef bool	(*report_info_fn)(const char *peer, struct report_info *,
		    void *arg);

/* The daemon's own numbers for the metrics. */
/* The kernel side: the event socket and the reconciliation of the
 * kernel's tables with the engine's SAs (src/daemon/recon.h). */
struct report_kernel {
	uint64_t	 events_malformed, events_overruns;
	int		 event_buffer;		/* bytes granted */
	uint64_t	 passes_periodic, passes_event, passes_overrun;
	uint64_t	 passes_failed;
	uint64_t	 sas_missing, policies_missing;
	uint64_t	 sas_stray, policies_stray;
};

struct report_daemon {
	const char	*version;
	double		 started, last_reload;	/* Unix time */
	uint64_t	 reloads_ok, reloads_failed;
	uint64_t	 udp_rx, udp_tx, udp_dropped, udp_send_errors;
	uint64_t	 udp_urgent, udp_deferred, udp_shed, udp_queue_peak;
	bool		 memory_locked;	/* mlockall: keys out of swap */
	bool		 sandboxed;	/* vtid's own seccomp filter */
	const struct report_kernel *kernel;	/* NULL: not shown */
};

/* Each takes a snapshot of the engine and writes it: 0, or -1 (and a
 * line saying so) when there is no memory for the snapshot. */

/* One line per IKE SA, two per CHILD SA; or JSON. */
int		 report_status(struct ike_engine *, FILE *, bool json);
/* Every peer, or only the one named (peer not NULL; the caller checked
 * it exists). info may be NULL. */
int		 report_list(struct ike_engine *, FILE *, bool json,
		    const char *peer, report_info_fn info, void *arg);
/* The daemon's numbers (when d is not NULL), per-peer gauges and
 * counters (configured peers that are down included) and the engine's
 * counters, with HELP and TYPE lines. */
int		 report_metrics(struct ike_engine *, const struct report_daemon *d,
		    FILE *);

/* The writers, from a snapshot. */
void		 report_text_status(const struct ike_snapshot *, FILE *);
void		 report_text_list(const struct ike_snapshot *, report_info_fn,
		    void *arg, FILE *);
void		 report_json_status(const struct ike_snapshot *, FILE *);
void		 report_json_list(const struct ike_snapshot *, report_info_fn,
		    void *arg, FILE *);
void		 report_prom_metrics(const struct ike_snapshot *,
		    const struct report_daemon *, FILE *);

/* A string as a JSON string literal, and as a Prometheus label value
 * (both with their quotes). */
void		 report_json_str(FILE *, const char *);
void		 report_label_str(FILE *, const char *);

#endif
