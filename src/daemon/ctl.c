/* The control commands: see ctl.h and vtictl(8). Each answers in one go;
 * nothing here blocks (up and rekey start an exchange and return). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/ctl.h"
#include "daemon/net.h"
#include "daemon/vtid.h"
#include "pki/pki.h"
#include "report/report.h"
#include "util/log.h"

#define CTL_PEERS_SHOWN	32	/* in "no peer" errors */

struct ctl_cmd {
	const char	*name;
	const char	*args;
	const char	*help;
	int		(*fn)(struct vtid *, int, char **, FILE *);
};

/* Options are words starting with '-', anywhere after the command. */
static bool
has_opt(int argc, char **argv, const char *opt)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], opt) == 0)
			return true;
	return false;
}

/* The words that are not options; -1 if an unknown option is there. */
static int
operands(int argc, char **argv, const char *const *opts, char **ops,
    int max, FILE *out)
{
	const char *const *o;
	int i, n = 0;

	for (i = 1; i < argc; i++) {
		if (argv[i][0] == '-') {
			for (o = opts; *o != NULL; o++)
				if (strcmp(argv[i], *o) == 0)
					break;
			if (*o == NULL) {
				fprintf(out, "%s: unknown option '%s'\n",
				    argv[0], argv[i]);
				return -1;
			}
			continue;
		}
		if (n == max) {
			fprintf(out, "%s: too many arguments\n", argv[0]);
			return -1;
		}
		ops[n++] = argv[i];
	}
	return n;
}

/* The named configured peer, or an error listing the peers there are. */
static const struct config_peer *
peer_arg(struct vtid *v, const char *cmd, const char *name, FILE *out)
{
	const struct config_peer *p;
	size_t i;

	if (name == NULL) {
		fprintf(out, "%s: which peer? (usage: %s PEER)\n", cmd, cmd);
		return NULL;
	}
	if ((p = config_peer_find(v->conf, name)) != NULL &&
	    ike_peer_state(v->eng, name) != IKE_PEER_UNKNOWN)
		return p;
	fprintf(out, "no peer '%s' (", name);
	if (v->conf->n_peers == 0)
		fprintf(out, "no peers configured");
	else
		fprintf(out, "peers:");
	for (i = 0; i < v->conf->n_peers && i < CTL_PEERS_SHOWN; i++)
		fprintf(out, " %s", v->conf->peers[i].name);
	if (v->conf->n_peers > CTL_PEERS_SHOWN)
		fprintf(out, " ... %zu more", v->conf->n_peers -
		    CTL_PEERS_SHOWN);
	fprintf(out, ")\n");
	return NULL;
}

static bool
report_info(const char *name, struct report_info *info, void *arg)
{
	struct vtid *v = arg;
	const struct config_peer *p = config_peer_find(v->conf, name);

	if (p == NULL)
		return false;
	info->origin = p->origin;
	info->vti = p->vti.name;
	info->iface = p->vti.type == CONFIG_IFACE_XFRM ? "xfrm" :
	    p->remote.ss_family == AF_INET ? "vti" : "vti6";
	info->netns = p->vti.netns;
	info->start = config_start_name(p->start);
	info->dpd_action = config_dpd_action_name(p->dpd.action);
	info->dpd_delay = p->dpd.delay;
	info->dpd_timeout = p->dpd.timeout;
	info->ike_rekey = p->ike.life.rekey_time;
	info->ike_jitter = p->ike.life.jitter;
	info->ike_margin = p->ike.life.margin;
	info->esp_rekey = p->esp.life.rekey_time;
	info->esp_jitter = p->esp.life.jitter;
	info->esp_margin = p->esp.life.margin;
	info->mtu = p->vti.mtu;
	info->mtu_auto[0] = '\0';
	if (p->vti.mtu_auto && !mtu_auto_get(&v->kernel.mtus, p->mark,
	    &info->mtu, info->mtu_auto, sizeof(info->mtu_auto)))
		info->mtu = 0;
	return true;
}

static int
cmd_status(struct vtid *v, int argc, char **argv, FILE *out)
{
	static const char *const opts[] = { "-j", NULL };
	bool json = has_opt(argc, argv, "-j");
	char *ops[1];
	int rc;

	if (operands(argc, argv, opts, ops, 0, out) < 0)
		return -1;
	rc = report_status(v->eng, out, json);
	/* JSON stays one document; its readers see impair in metrics. */
	if (rc == 0 && v->impair != NULL && !json)
		impair_describe(v->impair, out);
	return rc;
}

static int
cmd_list(struct vtid *v, int argc, char **argv, FILE *out)
{
	static const char *const opts[] = { "-j", NULL };
	char *ops[1];
	int n;

	if ((n = operands(argc, argv, opts, ops, 1, out)) < 0)
		return -1;
	if (n == 1 && peer_arg(v, argv[0], ops[0], out) == NULL)
		return -1;
	return report_list(v->eng, out, has_opt(argc, argv, "-j"), n == 1 ?
	    ops[0] : NULL, report_info, v);
}

static int
cmd_state(struct vtid *v, int argc, char **argv, FILE *out)
{
	static const char *const opts[] = { NULL };
	char *ops[1];
	int n;

	if ((n = operands(argc, argv, opts, ops, 1, out)) < 0 ||
	    peer_arg(v, argv[0], n == 1 ? ops[0] : NULL, out) == NULL)
		return -1;
	fprintf(out, "%s\n", ike_peer_state_name(ike_peer_state(v->eng,
	    ops[0])));
	return 0;
}

static int
cmd_up(struct vtid *v, int argc, char **argv, FILE *out)
{
	static const char *const opts[] = { NULL };
	char *ops[1];
	const struct config_peer *p;
	char r[INET6_ADDRSTRLEN + 8];
	int n;

	if ((n = operands(argc, argv, opts, ops, 1, out)) < 0 ||
	    (p = peer_arg(v, argv[0], n == 1 ? ops[0] : NULL, out)) == NULL)
		return -1;
	if (p->remote_dynamic) {
		fprintf(out, "%s: remote is %s: it connects to us, vtid has no "
		    "address to initiate to\n", ops[0],
		    config_remote_str(p, r, sizeof(r)));
		return -1;
	}
	switch (ike_peer_state(v->eng, ops[0])) {
	case IKE_PEER_UP:
		fprintf(out, "%s: already up\n", ops[0]);
		return 0;
	case IKE_PEER_CONNECTING:
		fprintf(out, "%s: already connecting\n", ops[0]);
		return 0;
	case IKE_PEER_DOWN:
	case IKE_PEER_UNKNOWN:
		break;
	}
	log_msg(LOG_NOTICE, ops[0], "up: requested on the control socket");
	switch (ike_peer_up(v->eng, ops[0])) {
	case -1:
		fprintf(out, "%s: cannot initiate (see the log)\n", ops[0]);
		return -1;
	case 1:
		fprintf(out, "%s: queued to initiate (initiate_max %u "
		    "initiations under way)\n", ops[0],
		    v->conf->initiate_max);
		return 0;
	}
	fprintf(out, "%s: initiating\n", ops[0]);
	return 0;
}

static int
cmd_down(struct vtid *v, int argc, char **argv, FILE *out)
{
	static const char *const opts[] = { NULL };
	const struct config_peer *p;
	char *ops[1];
	int n;

	if ((n = operands(argc, argv, opts, ops, 1, out)) < 0 ||
	    (p = peer_arg(v, argv[0], n == 1 ? ops[0] : NULL, out)) == NULL)
		return -1;
	if (ike_peer_state(v->eng, ops[0]) == IKE_PEER_DOWN) {
		fprintf(out, "%s: already down\n", ops[0]);
		return 0;
	}
	log_msg(LOG_NOTICE, ops[0], "down: requested on the control socket");
	if (ike_peer_down(v->eng, ops[0]) == -1) {
		fprintf(out, "%s: cannot take it down (see the log)\n",
		    ops[0]);
		return -1;
	}
	/* A route peer whose link follows the tunnel gets no traffic: its
	 * VTI is down too. */
	fprintf(out, "%s: SAs deleted%s\n", ops[0],
	    p->start == CONFIG_START_ROUTE && !p->vti.link_follows ?
	    "; its traffic brings it up again (start route)" :
	    p->start != CONFIG_START_ADD ?
	    "; down until 'vtictl up' or the peer initiates" : "");
	return 0;
}

static int
cmd_rekey(struct vtid *v, int argc, char **argv, FILE *out)
{
	static const char *const opts[] = { "--ike", NULL };
	bool ike = has_opt(argc, argv, "--ike");
	char *ops[1];
	int n;

	if ((n = operands(argc, argv, opts, ops, 1, out)) < 0 ||
	    peer_arg(v, argv[0], n == 1 ? ops[0] : NULL, out) == NULL)
		return -1;
	if (ike_peer_rekey(v->eng, ops[0], ike) == -1) {
		fprintf(out, "%s: no established %s to rekey\n", ops[0],
		    ike ? "IKE SA" : "CHILD SA");
		return -1;
	}
	log_msg(LOG_NOTICE, ops[0], "rekey of the %s requested on the control "
	    "socket", ike ? "IKE SA" : "CHILD SA");
	fprintf(out, "%s: rekeying the %s\n", ops[0], ike ? "IKE SA" :
	    "CHILD SA");
	return 0;
}

static int
cmd_reload(struct vtid *v, int argc, char **argv, FILE *out)
{
	static const char *const opts[] = { NULL };
	char *ops[1];

	if (operands(argc, argv, opts, ops, 0, out) < 0)
		return -1;
	return vtid_reload(v, out);
}

static int
cmd_log_level(struct vtid *v, int argc, char **argv, FILE *out)
{
	static const char *const opts[] = { NULL };
	char *ops[1];
	int n, level, old;

	if ((n = operands(argc, argv, opts, ops, 1, out)) < 0)
		return -1;
	if (n == 0) {
		fprintf(out, "%s\n", log_level_name(log_get_level()));
		return 0;
	}
	if ((level = log_level_parse(ops[0])) == -1) {
		fprintf(out, "log-level: unknown level '%s' (err, warning, "
		    "notice, info or debug)\n", ops[0]);
		return -1;
	}
	/* The change itself is always logged, whatever the new level. */
	old = log_get_level();
	log_set_level(level > LOG_NOTICE ? level : LOG_NOTICE);
	log_notice("log level %s (was %s), set on the control socket",
	    log_level_name(level), log_level_name(old));
	log_set_level(level);
	fprintf(out, "log level: %s\n", log_level_name(level));
	return 0;
}

static int
cmd_metrics(struct vtid *v, int argc, char **argv, FILE *out)
{
	static const char *const opts[] = { NULL };
	const struct net_stats *ns = net_stats();
	const struct recon *r = &v->kernel.recon;
	const struct report_kernel k = {
		.events_malformed = v->kernel.mon.malformed,
		.events_overruns = v->kernel.mon.overruns,
		.event_buffer = r->buffer,
		.passes_periodic = r->st.passes[RECON_PERIODIC],
		.passes_event = r->st.passes[RECON_EVENT],
		.passes_overrun = r->st.passes[RECON_OVERRUN],
		.passes_failed = r->st.failed,
		.sas_missing = r->st.sas_missing,
		.policies_missing = r->st.policies_missing,
		.sas_stray = r->st.sas_stray,
		.policies_stray = r->st.policies_stray,
	};
	const struct report_daemon d = {
		.version = VTID_VERSION,
		.started = v->started,
		.last_reload = v->last_reload,
		.reloads_ok = v->reloads_ok,
		.reloads_failed = v->reloads_failed,
		.udp_rx = ns->rx,
		.udp_tx = ns->tx,
		.udp_dropped = ns->rx_dropped,
		.udp_send_errors = ns->tx_errors,
		.udp_urgent = ns->rx_urgent,
		.udp_deferred = ns->rx_deferred,
		.udp_shed = ns->rx_shed,
		.udp_queue_peak = ns->rx_queue_peak,
		.memory_locked = v->memory_locked,
		.sandboxed = v->sandboxed,
		.kernel = &k,
	};
	char *ops[1];

	int rc;

	if (operands(argc, argv, opts, ops, 0, out) < 0)
		return -1;
	rc = report_metrics(v->eng, &d, out);
	if (rc == 0 && v->impair != NULL)
		impair_metrics(v->impair, out);
	return rc;
}

/* Test-only: refused unless vtid started with VTID_IMPAIR, so that no
 * command can make a production daemon lose messages. The rules given
 * replace those in force ("off": none); without any, they are shown. */
static int
cmd_impair(struct vtid *v, int argc, char **argv, FILE *out)
{
	char spec[IMPAIR_SPEC_MAX], why[256];
	size_t len = 0;
	int i, w;

	if (v->impair == NULL) {
		fprintf(out, "impair: not available: vtid was started without "
		    "%s in its environment (test-only)\n", IMPAIR_ENV);
		return -1;
	}
	if (argc == 1) {
		impair_describe(v->impair, out);
		return 0;
	}
	spec[0] = '\0';
	for (i = 1; i < argc; i++) {
		w = snprintf(spec + len, sizeof(spec) - len, "%s ", argv[i]);
		if (w < 0 || (size_t)w >= sizeof(spec) - len) {
			fprintf(out, "impair: spec too long\n");
			return -1;
		}
		len += (size_t)w;
	}
	if (impair_set(v->impair, spec, why, sizeof(why)) == -1) {
		fprintf(out, "%s\n", why);
		return -1;
	}
	impair_describe(v->impair, out);
	return 0;
}

static int
cmd_config(struct vtid *v, int argc, char **argv, FILE *out)
{
	static const char *const opts[] = { NULL };
	char *ops[1];

	if (operands(argc, argv, opts, ops, 0, out) < 0)
		return -1;
	vtid_config_dump(v->conf, out);
	return 0;
}

static int	 cmd_help(struct vtid *, int, char **, FILE *);

static const struct ctl_cmd ctl_cmds[] = {
	{ "status", "[-j]", "one line per IKE SA, two per CHILD SA",
	    cmd_status },
	{ "list", "[-j] [PEER]", "everything about each peer", cmd_list },
	{ "state", "PEER", "up, connecting or down", cmd_state },
	{ "up", "PEER", "negotiate the peer's SAs now", cmd_up },
	{ "down", "PEER", "delete the peer's SAs (DELETE sent)", cmd_down },
	{ "rekey", "PEER [--ike]", "rekey the CHILD SA (or the IKE SA)",
	    cmd_rekey },
	{ "reload", "", "apply the configuration file again", cmd_reload },
	{ "log-level", "[LEVEL]", "show or set: err, warning, notice, info, "
	    "debug", cmd_log_level },
	{ "metrics", "", "Prometheus text exposition", cmd_metrics },
	{ "config", "", "the effective configuration (PSKs left out)",
	    cmd_config },
	{ "impair", "[RULE...|off]", "test-only fault injection (needs "
	    "VTID_IMPAIR at start)", cmd_impair },
	{ "help", "", "this list", cmd_help },
};

static int
cmd_help(struct vtid *v, int argc, char **argv, FILE *out)
{
	size_t i;
	char left[32];

	for (i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++) {
		snprintf(left, sizeof(left), "%s %s", ctl_cmds[i].name,
		    ctl_cmds[i].args);
		fprintf(out, "  %-22s %s\n", left, ctl_cmds[i].help);
	}
	return 0;
}

int
vtid_ctl(int argc, char **argv, FILE *out, void *arg)
{
	struct vtid *v = arg;
	size_t i;

	for (i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++)
		if (strcmp(argv[0], ctl_cmds[i].name) == 0)
			return ctl_cmds[i].fn(v, argc, argv, out);
	fprintf(out, "unknown command '%s'; commands:\n", argv[0]);
	cmd_help(v, argc, argv, out);
	return -1;
}

/* ---- config ---- */

static void
dump_life(FILE *out, const char *name, const struct config_sa *sa)
{
	fprintf(out, "\t\t%s = { proposals = \"%s\"; rekey_time = %u; "
	    "jitter = %u; margin = %u; };\n", name, sa->proposals,
	    sa->life.rekey_time, sa->life.jitter, sa->life.margin);
}

static void
dump_tries(FILE *out, const char *name, uint32_t v)
{
	if (v == CONFIG_FOREVER)
		fprintf(out, "%s = \"forever\";", name);
	else
		fprintf(out, "%s = %u;", name, v);
}

void
vtid_config_dump(const struct vtid_config *c, FILE *out)
{
	char a[INET6_ADDRSTRLEN + 8], id[CONFIG_ID_MAX * 2 + 16];
	size_t i, j;

	fprintf(out, "# %s, every default resolved; PSKs not shown\n",
	    c->path);
	fprintf(out, "control_socket = \"%s\";\n", c->control_socket);
	fprintf(out, "log_level = \"%s\";\n", log_level_name(c->log_level));
	fprintf(out, "syslog = %s;\n", c->syslog ? "true" : "false");
	fprintf(out, "sandbox = %s;\n", c->sandbox ? "true" : "false");
	fprintf(out, "initiate_max = %u;\n", c->initiate_max);
	fprintf(out, "hold_packets = %s;\n", c->hold_packets ? "true" : "false");
	fprintf(out, "local_addresses = [");
	for (i = 0; i < c->n_local; i++)
		fprintf(out, "%s \"%s\"", i > 0 ? "," : "",
		    addr_str(&c->local[i], a, sizeof(a)));
	fprintf(out, " ];\nreqid_base = %u;\n", c->reqid_base);
	fprintf(out, "retransmit = { timeout = %.3f; base = %.3f; "
	    "limit = %.3f; ", c->retransmit.timeout_ms / 1000.0,
	    c->retransmit.base, c->retransmit.limit_ms / 1000.0);
	dump_tries(out, "tries", c->retransmit.tries);
	fprintf(out, " };\ndos = { cookie_threshold = %u; "
	    "cookie_threshold_peer = %u; half_open_max = %u; "
	    "half_open_max_peer = %u; cookie_rotate = %u; init_max_size = %u; "
	    "half_open_timeout = %u; };\n", c->dos.cookie_threshold,
	    c->dos.cookie_threshold_peer, c->dos.half_open_max,
	    c->dos.half_open_max_peer, c->dos.cookie_rotate,
	    c->dos.init_max_size, c->dos.half_open_timeout);
	fprintf(out, "kernel = { reconcile_interval = %u; event_buffer = %u; "
	    "};\n", c->kernel.reconcile_interval, c->kernel.event_buffer);
	fprintf(out, "peers = (\n");
	for (i = 0; i < c->n_peers; i++) {
		const struct config_peer *p = &c->peers[i];

		fprintf(out, "\t{\t# %s\n\t\tname = \"%s\";\n", p->origin,
		    p->name);
		fprintf(out, "\t\tlocal = \"%s\";\n",
		    addr_str(&p->local, a, sizeof(a)));
		fprintf(out, "\t\tremote = \"%s\";\n",
		    config_remote_str(p, a, sizeof(a)));
		fprintf(out, "\t\tlocal_id = \"%s\";\n",
		    config_id_str(&p->local_id, id, sizeof(id)));
		fprintf(out, "\t\tremote_id = \"%s\";\n",
		    config_id_str(&p->remote_id, id, sizeof(id)));
		if (p->cred != NULL)
			fprintf(out, "\t\tlocal_cert = \"%s\";\t# %s, %s\n"
			    "\t\tlocal_key = \"%s\";\n\t\tca = \"%s\";\t# %zu "
			    "CAs\n\t\tcrl = \"%s\";\n\t\trsa_pss = %s;\n",
			    p->local_cert, pki_cred_subject(p->cred),
			    pki_cred_key_name(p->cred), p->local_key,
			    p->ca_path, pki_ca_count(p->ca), p->crl_path,
			    p->rsa_pss ? "true" : "false");
		else
			fprintf(out, "\t\t# psk: %zu bytes\n", p->psk_len);
		fprintf(out, "\t\tmark = %u;\t# reqid %u\n", p->mark, p->reqid);
		fprintf(out, "\t\tstart = \"%s\";\n\t\t",
		    config_start_name(p->start));
		dump_tries(out, "keying_tries", p->keying_tries);
		fputc('\n', out);
		dump_life(out, "ike", &p->ike);
		dump_life(out, "esp", &p->esp);
		fprintf(out, "\t\tdpd = { delay = %u; timeout = %u; action = "
		    "\"%s\"; };\n", p->dpd.delay, p->dpd.timeout,
		    config_dpd_action_name(p->dpd.action));
		fprintf(out, "\t\tinterface = { type = \"%s\"; name = \"%s\"; "
		    "netns = \"%s\"; mtu = %u; addresses = [",
		    config_iface_type_name(p->vti.type), p->vti.name,
		    p->vti.netns, p->vti.mtu);
		for (j = 0; j < p->vti.n_addrs; j++)
			fprintf(out, "%s \"%s/%u\"", j > 0 ? "," : "",
			    addr_str(&p->vti.addrs[j].addr, a,
			    sizeof(a)), p->vti.addrs[j].len);
		fprintf(out, " ]; };\n\t}%s\n", i + 1 < c->n_peers ? "," : "");
	}
	fprintf(out, ");\n");
}
