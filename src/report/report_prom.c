/* Prometheus text exposition format 0.0.4: "vtictl metrics". Every
 * family has its HELP and TYPE lines; configured peers that are down are
 * there too. */
#include <inttypes.h>

#include "report/priv.h"

void
report_label_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

static void
metric_head(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A family of one sample without labels. */
static void
metric(FILE *out, const char *name, const char *type, const char *help,
    double v)
{
	metric_head(out, name, type, help);
	fprintf(out, "%s %.17g\n", name, v);
}

static void
metric_peer(FILE *out, const char *name, const struct ike_peer_snap *p,
    const char *extra, uint64_t v)
{
	fprintf(out, "%s{peer=", name);
	report_label_str(out, p->name);
	fprintf(out, "%s} %" PRIu64 "\n", extra != NULL ? extra : "", v);
}

/* Configured peers, and those whose current IKE SA has its CHILD SA. */
static void
count_peers(const struct ike_snapshot *s, unsigned *up, unsigned *total)
{
	size_t i, j;

	*up = *total = 0;
	for (i = 0; i < s->n_peers; i++) {
		(*total)++;
		for (j = 0; j < s->peers[i].n_sas; j++)
			if (s->peers[i].sas[j].current &&
			    report_current(&s->peers[i].sas[j]) != NULL)
				(*up)++;
	}
}

static void
prom_daemon(const struct ike_snapshot *s, const struct report_daemon *d,
    FILE *out)
{
	unsigned up, total;

	metric_head(out, "vtid_build_info", "gauge", "vtid's version.");
	fprintf(out, "vtid_build_info{version=\"%s\"} 1\n", d->version);
	metric(out, "vtid_start_time_seconds", "gauge",
	    "When vtid started, Unix time.", d->started);
	metric(out, "vtid_last_reload_success_timestamp_seconds", "gauge",
	    "When the configuration in force was loaded, Unix time.",
	    d->last_reload);
	metric_head(out, "vtid_reloads_total", "counter",
	    "Reloads (SIGHUP, vtictl reload), by outcome.");
	fprintf(out, "vtid_reloads_total{result=\"ok\"} %" PRIu64 "\n"
	    "vtid_reloads_total{result=\"failed\"} %" PRIu64 "\n",
	    d->reloads_ok, d->reloads_failed);
	count_peers(s, &up, &total);
	metric(out, "vtid_peers", "gauge", "Configured peers.", total);
	metric(out, "vtid_peers_up", "gauge",
	    "Peers with a CHILD SA installed.", up);
	metric(out, "vtid_udp_received_total", "counter",
	    "IKE datagrams received on ports 500 and 4500.",
	    (double)d->udp_rx);
	metric(out, "vtid_udp_sent_total", "counter",
	    "IKE datagrams sent.", (double)d->udp_tx);
	metric(out, "vtid_udp_dropped_total", "counter",
	    "Datagrams dropped before the IKE engine saw them.",
	    (double)d->udp_dropped);
	metric(out, "vtid_udp_send_errors_total", "counter",
	    "Datagrams the kernel refused to send.",
	    (double)d->udp_send_errors);
	metric(out, "vtid_udp_urgent_total", "counter",
	    "Datagrams of established SAs served ahead of new setups.",
	    (double)d->udp_urgent);
	metric(out, "vtid_udp_deferred_total", "counter",
	    "Passes over the receive queue its time budget cut short.",
	    (double)d->udp_deferred);
	metric(out, "vtid_udp_shed_total", "counter",
	    "IKE_SA_INIT requests dropped unserved: the receive queue held "
	    "its share of new setups.", (double)d->udp_shed);
	metric(out, "vtid_udp_queue_peak", "gauge",
	    "Most datagrams waiting in the receive queue at once.",
	    (double)d->udp_queue_peak);
	metric(out, "vtid_memory_locked", "gauge",
	    "1 when all of vtid's memory is locked (no key reaches swap).",
	    d->memory_locked ? 1 : 0);
	metric(out, "vtid_sandbox", "gauge",
	    "1 when vtid's own system call filter is in force.",
	    d->sandboxed ? 1 : 0);
}

/* Certificates' notAfter, ours and the peer's (of its current IKE SA),
 * for an alert well before a tunnel dies of an expired one. */
static void
prom_cert_expiry(const struct ike_snapshot *s, FILE *out)
{
	const struct ike_peer_snap *p;
	size_t i, k;
	bool head = false;

	for (i = 0; i < s->n_peers; i++) {
		p = &s->peers[i];
		if (p->cert_not_after == 0)
			continue;
		if (!head) {
			metric_head(out, "vtid_certificate_expiry_seconds",
			    "gauge", "When a certificate expires, Unix time: "
			    "ours (which=\"local\") and the peer's "
			    "(which=\"peer\", once authenticated).");
			head = true;
		}
		metric_peer(out, "vtid_certificate_expiry_seconds", p,
		    ",which=\"local\"", (uint64_t)p->cert_not_after);
		for (k = 0; k < p->n_sas; k++)
			if (p->sas[k].current &&
			    p->sas[k].peer_cert_not_after > 0)
				metric_peer(out,
				    "vtid_certificate_expiry_seconds", p,
				    ",which=\"peer\"",
				    (uint64_t)p->sas[k].peer_cert_not_after);
	}
}

static void
prom_peer_states(const struct ike_snapshot *s, FILE *out)
{
	static const enum ike_peer_state states[] = {
		IKE_PEER_DOWN, IKE_PEER_CONNECTING, IKE_PEER_UP,
	};
	char extra[64];
	size_t i, k;

	metric_head(out, "vtid_peer_up", "gauge",
	    "Whether the peer's tunnel is up (a CHILD SA installed).");
	for (i = 0; i < s->n_peers; i++)
		metric_peer(out, "vtid_peer_up", &s->peers[i], NULL,
		    s->peers[i].state == IKE_PEER_UP);
	metric_head(out, "vtid_peer_state", "gauge",
	    "The peer's state: 1 for the series of the current state.");
	for (i = 0; i < s->n_peers; i++) {
		for (k = 0; k < sizeof(states) / sizeof(states[0]); k++) {
			snprintf(extra, sizeof(extra), ",state=\"%s\"",
			    ike_peer_state_name(states[k]));
			metric_peer(out, "vtid_peer_state", &s->peers[i],
			    extra, s->peers[i].state == states[k]);
		}
	}
	metric_head(out, "vtid_peer_link_up", "gauge",
	    "1 when the peer's interface is up (peers whose link follows the "
	    "tunnel; others are always up).");
	for (i = 0; i < s->n_peers; i++)
		metric_peer(out, "vtid_peer_link_up", &s->peers[i], NULL,
		    s->peers[i].link == IKE_LINK_FIXED ||
		    s->peers[i].link == IKE_LINK_UP);
	metric_head(out, "vtid_peer_ike_sas", "gauge",
	    "IKE SAs of the peer (connecting, established or deleting).");
	for (i = 0; i < s->n_peers; i++)
		metric_peer(out, "vtid_peer_ike_sas", &s->peers[i], NULL,
		    s->peers[i].n_sas);
	metric_head(out, "vtid_peer_up_since_seconds", "gauge",
	    "When the tunnel came up, Unix time; 0 when it is down.");
	for (i = 0; i < s->n_peers; i++)
		metric_peer(out, "vtid_peer_up_since_seconds", &s->peers[i],
		    NULL, (uint64_t)s->peers[i].up_since);
	prom_cert_expiry(s, out);
}

/* The per-peer counters: one family each. */
enum peer_metric {
	PM_BYTES_IN, PM_BYTES_OUT, PM_PACKETS_IN, PM_PACKETS_OUT,
	PM_CHILD_REKEYS, PM_IKE_REKEYS, PM_FAILURES,
};

static const struct {
	const char	*name;
	const char	*help;
} peer_counters[] = {
	[PM_BYTES_IN] = { "vtid_peer_in_bytes_total",
	    "ESP payload bytes received through the tunnel (all CHILD SAs)." },
	[PM_BYTES_OUT] = { "vtid_peer_out_bytes_total",
	    "ESP payload bytes sent through the tunnel (all CHILD SAs)." },
	[PM_PACKETS_IN] = { "vtid_peer_in_packets_total",
	    "Packets received through the tunnel (all CHILD SAs)." },
	[PM_PACKETS_OUT] = { "vtid_peer_out_packets_total",
	    "Packets sent through the tunnel (all CHILD SAs)." },
	[PM_CHILD_REKEYS] = { "vtid_peer_child_rekeys_total",
	    "CHILD SA rekeys." },
	[PM_IKE_REKEYS] = { "vtid_peer_ike_rekeys_total", "IKE SA rekeys." },
	[PM_FAILURES] = { "vtid_peer_failures_total",
	    "Failed negotiations and dead peers." },
};

static uint64_t
peer_counter(const struct ike_peer_snap *p, enum peer_metric m)
{
	struct ike_traffic t;

	report_total(p, &t);
	switch (m) {
	case PM_BYTES_IN:
		return t.bytes_in;
	case PM_BYTES_OUT:
		return t.bytes_out;
	case PM_PACKETS_IN:
		return t.packets_in;
	case PM_PACKETS_OUT:
		return t.packets_out;
	case PM_CHILD_REKEYS:
		return p->child_rekeys;
	case PM_IKE_REKEYS:
		return p->ike_rekeys;
	case PM_FAILURES:
		return p->failures;
	}
	return 0;
}

static void
prom_peer_counters(const struct ike_snapshot *s, FILE *out)
{
	size_t i, m;

	for (m = 0; m < sizeof(peer_counters) / sizeof(peer_counters[0]);
	    m++) {
		metric_head(out, peer_counters[m].name, "counter",
		    peer_counters[m].help);
		for (i = 0; i < s->n_peers; i++)
			metric_peer(out, peer_counters[m].name, &s->peers[i],
			    NULL, peer_counter(&s->peers[i],
			    (enum peer_metric)m));
	}
	metric_head(out, "vtid_peer_dpd_rtt_seconds", "gauge",
	    "Round trip of the last liveness check; 0 before the first.");
	for (i = 0; i < s->n_peers; i++) {
		fprintf(out, "vtid_peer_dpd_rtt_seconds{peer=");
		report_label_str(out, s->peers[i].name);
		fprintf(out, "} %.6f\n", s->peers[i].dpd_rtt);
	}
}

static void
prom_engine(const struct ike_stats *st, FILE *out)
{
#define ENGINE_COUNTER(field, name, help)				\
	do {								\
		metric_head(out, name, "counter", help);		\
		fprintf(out, "%s %" PRIu64 "\n", name, st->field);	\
	} while (0)
	ENGINE_COUNTER(rx, "vtid_ike_received_total",
	    "IKE messages received.");
	ENGINE_COUNTER(rx_invalid, "vtid_ike_invalid_total",
	    "IKE messages dropped as malformed or out of place.");
	ENGINE_COUNTER(rx_no_sa, "vtid_ike_no_sa_total",
	    "IKE messages for an SA vtid does not have.");
	ENGINE_COUNTER(rx_no_peer, "vtid_ike_no_peer_total",
	    "IKE_SA_INIT requests from addresses of no configured peer.");
	ENGINE_COUNTER(rx_bad_icv, "vtid_ike_bad_icv_total",
	    "IKE messages whose integrity check failed.");
	ENGINE_COUNTER(rx_retransmit, "vtid_ike_rx_retransmits_total",
	    "Retransmitted requests answered from the cache.");
	ENGINE_COUNTER(tx_retransmit, "vtid_ike_tx_retransmits_total",
	    "Requests vtid retransmitted.");
	ENGINE_COUNTER(ike_up, "vtid_ike_sas_established_total",
	    "IKE SAs established.");
	ENGINE_COUNTER(child_up, "vtid_child_sas_established_total",
	    "CHILD SAs installed.");
	ENGINE_COUNTER(auth_failed, "vtid_ike_auth_failed_total",
	    "Authentications that failed, ours or the peer's.");
	ENGINE_COUNTER(no_proposal, "vtid_ike_no_proposal_total",
	    "Negotiations without a common proposal.");
	ENGINE_COUNTER(cookies_sent, "vtid_ike_cookies_sent_total",
	    "IKE_SA_INIT requests answered with a COOKIE (half-open SAs past "
	    "a threshold).");
	ENGINE_COUNTER(cookie_rotations, "vtid_ike_cookie_rotations_total",
	    "Times the COOKIE secret was replaced.");
	ENGINE_COUNTER(crypto_jobs, "vtid_crypto_jobs_total",
	    "IKE_SA_INIT key exchanges handed to the crypto worker threads.");
	ENGINE_COUNTER(rx_busy, "vtid_ike_busy_total",
	    "IKE messages dropped for an SA whose keys were being computed.");
#undef ENGINE_COUNTER
	metric_head(out, "vtid_ike_cookies_received_total", "counter",
	    "COOKIEs sent back in IKE_SA_INIT requests, by verdict (valid_previous: "
	    "made with the secret before the last rotation).");
	fprintf(out, "vtid_ike_cookies_received_total{result=\"valid\"} %"
	    PRIu64 "\nvtid_ike_cookies_received_total{result="
	    "\"valid_previous\"} %" PRIu64 "\n"
	    "vtid_ike_cookies_received_total{result=\"invalid\"} %" PRIu64
	    "\n", st->cookies_valid, st->cookies_valid_previous,
	    st->cookies_invalid);
	metric_head(out, "vtid_ike_init_dropped_total", "counter",
	    "IKE_SA_INIT requests dropped: too big, or half-open SAs at the "
	    "peer's or the overall cap.");
	fprintf(out, "vtid_ike_init_dropped_total{reason=\"too_big\"} %" PRIu64
	    "\nvtid_ike_init_dropped_total{reason=\"half_open_peer\"} %"
	    PRIu64 "\nvtid_ike_init_dropped_total{reason=\"half_open_max\"} "
	    "%" PRIu64 "\n", st->init_too_big, st->init_half_open_peer,
	    st->init_half_open_max);
	metric_head(out, "vtid_ike_fragments_total", "counter",
	    "IKE fragments (RFC 7383): sent; received and kept (integrity "
	    "checked); ignored as duplicates; dropped (malformed, integrity "
	    "failed, over a limit, not negotiated).");
	fprintf(out, "vtid_ike_fragments_total{event=\"sent\"} %" PRIu64
	    "\nvtid_ike_fragments_total{event=\"received\"} %" PRIu64
	    "\nvtid_ike_fragments_total{event=\"duplicate\"} %" PRIu64
	    "\nvtid_ike_fragments_total{event=\"dropped\"} %" PRIu64 "\n",
	    st->frag_tx, st->frag_rx, st->frag_dup, st->frag_dropped);
	metric_head(out, "vtid_ike_fragmented_messages_total", "counter",
	    "IKE messages reassembled from fragments, and incomplete sets "
	    "dropped after the reassembly timeout.");
	fprintf(out, "vtid_ike_fragmented_messages_total{result="
	    "\"reassembled\"} %" PRIu64 "\nvtid_ike_fragmented_messages_total"
	    "{result=\"timeout\"} %" PRIu64 "\n", st->frag_reassembled,
	    st->frag_timeout);
	metric(out, "vtid_ike_half_open", "gauge",
	    "Responder IKE SAs half-open now (IKE_SA_INIT answered, no "
	    "IKE_AUTH yet).", (double)st->half_open);
	metric(out, "vtid_ike_initiating", "gauge",
	    "IKE SAs vtid initiated that are negotiating now (at most "
	    "initiate_max).", (double)st->initiating);
	metric(out, "vtid_ike_initiations_queued", "gauge",
	    "Peers waiting to initiate until fewer than initiate_max of vtid's "
	    "initiations negotiate.", (double)st->init_queued);
}

static void
prom_kernel(const struct report_kernel *k, FILE *out)
{
	metric(out, "vtid_xfrm_event_buffer_bytes", "gauge",
	    "Receive buffer of the XFRM event socket, as the kernel granted "
	    "it.", k->event_buffer);
	metric(out, "vtid_xfrm_event_overruns_total", "counter",
	    "Times the kernel dropped XFRM events: vtid's event socket was "
	    "full. Each is followed by a reconciliation pass.",
	    (double)k->events_overruns);
	metric(out, "vtid_xfrm_events_malformed_total", "counter",
	    "XFRM events that failed to decode.", (double)k->events_malformed);
	metric_head(out, "vtid_xfrm_reconcile_passes_total", "counter",
	    "Comparisons of the kernel's SAs and policies with vtid's, by "
	    "what started them.");
	fprintf(out, "vtid_xfrm_reconcile_passes_total{trigger=\"periodic\"} "
	    "%" PRIu64 "\nvtid_xfrm_reconcile_passes_total{trigger=\"event\"} "
	    "%" PRIu64 "\nvtid_xfrm_reconcile_passes_total{trigger="
	    "\"overrun\"} %" PRIu64 "\n", k->passes_periodic, k->passes_event,
	    k->passes_overrun);
	metric(out, "vtid_xfrm_reconcile_failed_total", "counter",
	    "Passes skipped: a dump failed or the tables kept changing.",
	    (double)k->passes_failed);
	metric_head(out, "vtid_xfrm_reconcile_missing_total", "counter",
	    "vtid's SAs found missing from the kernel (each: its tunnel "
	    "re-established) and policies (each: installed again).");
	fprintf(out, "vtid_xfrm_reconcile_missing_total{object=\"sa\"} %"
	    PRIu64 "\nvtid_xfrm_reconcile_missing_total{object=\"policy\"} %"
	    PRIu64 "\n", k->sas_missing, k->policies_missing);
	metric_head(out, "vtid_xfrm_reconcile_strays_removed_total", "counter",
	    "SAs and policies with vtid's mark and reqid that vtid did not "
	    "hold, removed.");
	fprintf(out, "vtid_xfrm_reconcile_strays_removed_total{object=\"sa\"} "
	    "%" PRIu64 "\nvtid_xfrm_reconcile_strays_removed_total{object="
	    "\"policy\"} %" PRIu64 "\n", k->sas_stray, k->policies_stray);
}

void
report_prom_metrics(const struct ike_snapshot *s,
    const struct report_daemon *d, FILE *out)
{
	if (d != NULL)
		prom_daemon(s, d, out);
	if (d != NULL && d->kernel != NULL)
		prom_kernel(d->kernel, out);
	prom_peer_states(s, out);
	prom_peer_counters(s, out);
	prom_engine(&s->stats, out);
}
