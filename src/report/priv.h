/* What the report writers share: names and numbers as all formats show
 * them. Not for the daemon: see report.h. */
#ifndef VTID_REPORT_PRIV_H
#define VTID_REPORT_PRIV_H

#include "report/report.h"

/* "CONNECTING", "ESTABLISHED", "DELETING" */
const char	*report_phase_name(enum ike_sa_phase);
/* "current", "rekeyed", "new" */
const char	*report_role_name(enum ike_child_role);
/* "42s", "5m03s", "2h07m" */
void		 report_age(double secs, char *, size_t);
/* "192.0.2.1", "fqdn:vpn.example.org", "keyid:#0a1b", "%any" */
void		 report_id_str(const struct ike_id_snap *, char *, size_t);
/* The peer's remote: its address, or "%any6", "2001:db8::/48". */
void		 report_remote_str(const struct ike_peer_snap *, char *, size_t);
/* The SA's current CHILD SA, NULL when it has none installed. */
const struct ike_child_snap *report_current(const struct ike_sa_snap *);
/* What a CHILD SA's SAs still in the kernel have carried. */
void		 report_live(const struct ike_child_snap *,
		    struct ike_traffic *);
/* A peer's traffic since vtid started: its CHILD SAs gone and the ones
 * still in the kernel. */
void		 report_total(const struct ike_peer_snap *,
		    struct ike_traffic *);
/* The daemon's settings of the peer in buf, or NULL. */
const struct report_info *report_info_get(report_info_fn, void *arg,
		    const char *peer, struct report_info *buf);

#endif
