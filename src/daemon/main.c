/* vtid: the daemon. Loads the configuration, opens the IKE sockets and the
 * control socket, sets up each peer's VTI, runs the IKE engine on a libev
 * loop, and on SIGTERM deletes its IKE SAs and removes what it installed. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "config/config.h"
#include "daemon/control.h"
#include "daemon/kernel.h"
#include "daemon/net.h"
#include "ike/ike.h"
#include "ike/ikev2.h"
#include "ike/proposal_lang.h"
#include "util/log.h"

#define VTID_RETRY_S	5.0

struct vtid {
	struct ev_loop		*loop;
	struct vtid_config	*conf;
	struct kernel		 kernel;
	struct ike_engine	*eng;
	ev_signal		 sigterm, sigint, sighup;
};

static int
proposal_check(enum config_proposal_kind kind, const char *s, char *msg,
    size_t len)
{
	struct proposal_conf pc;

	return proposal_conf_parse(&pc, kind == CONFIG_PROPOSAL_IKE ?
	    IKE_PROTO_IKE : IKE_PROTO_ESP, s, msg, len);
}

static enum ike_start
start_of(enum config_start s)
{
	switch (s) {
	case CONFIG_START_START:
		return IKE_START_START;
	case CONFIG_START_ROUTE:
		return IKE_START_ROUTE;
	case CONFIG_START_ADD:
		break;
	}
	return IKE_START_ADD;
}

/* The engine's view of a configured peer. Proposals were checked when the
 * configuration was loaded. */
static int
peer_conf(const struct vtid_config *c, const struct config_peer *p,
    struct ike_peer_conf *pc)
{
	char err[PROPOSAL_ERR_MAX];

	memset(pc, 0, sizeof(*pc));
	snprintf(pc->name, sizeof(pc->name), "%s", p->name);
	pc->local = p->local;
	pc->remote = p->remote;
	pc->local_id_type = (uint8_t)p->local_id.type;
	memcpy(pc->local_id, p->local_id.data, p->local_id.len);
	pc->local_id_len = p->local_id.len;
	pc->remote_id_type = (uint8_t)p->remote_id.type;
	memcpy(pc->remote_id, p->remote_id.data, p->remote_id.len);
	pc->remote_id_len = p->remote_id.len;
	if (p->psk_len > sizeof(pc->psk)) {
		log_msg(LOG_ERR, p->name, "PSK longer than %zu bytes",
		    sizeof(pc->psk));
		return -1;
	}
	memcpy(pc->psk, p->psk, p->psk_len);
	pc->psk_len = p->psk_len;
	pc->mark = p->mark;
	pc->reqid = p->reqid;
	pc->start = start_of(p->start);
	if (proposal_conf_parse(&pc->ike, IKE_PROTO_IKE, p->ike.proposals, err,
	    sizeof(err)) == -1 ||
	    proposal_conf_parse(&pc->esp, IKE_PROTO_ESP, p->esp.proposals, err,
	    sizeof(err)) == -1) {
		log_msg(LOG_ERR, p->name, "%s", err);
		return -1;
	}
	pc->retransmit_timeout = c->retransmit.timeout_ms / 1000.0;
	pc->retransmit_base = c->retransmit.base;
	pc->retransmit_tries = c->retransmit.tries == CONFIG_FOREVER ?
	    100000 : c->retransmit.tries;
	pc->retry_interval = VTID_RETRY_S;
	pc->replay_window = KERNEL_REPLAY_WINDOW;
	return 0;
}

static int
control_cmd(int argc, char **argv, FILE *out, void *arg)
{
	struct vtid *v = arg;

	if (strcmp(argv[0], "status") == 0) {
		ike_status(v->eng, out, argc > 1 && strcmp(argv[1], "-j") == 0);
		return 0;
	}
	if (strcmp(argv[0], "up") == 0 && argc == 2) {
		if (config_peer_find(v->conf, argv[1]) == NULL) {
			fprintf(out, "no peer named '%s'\n", argv[1]);
			return -1;
		}
		ike_peer_initiate(v->eng, argv[1]);
		fprintf(out, "%s: initiating\n", argv[1]);
		return 0;
	}
	fprintf(out, "unknown command '%s' (try: status, status -j, up PEER)\n",
	    argv[0]);
	return -1;
}

static void
net_input(const struct net_pkt *pkt, void *arg)
{
	struct vtid *v = arg;

	ike_input(v->eng, &pkt->local, &pkt->remote, pkt->natt, pkt->data,
	    pkt->len);
}

static void
signal_stop_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	log_notice("signal %d: shutting down", w->signum);
	ev_break(loop, EVBREAK_ALL);
}

static void
signal_hup_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	log_notice("SIGHUP: reload is not implemented yet, configuration "
	    "unchanged");
}

static void
usage(void)
{
	fprintf(stderr, "usage: vtid [-dst] [-c file]\n"
	    "  -c file  configuration (default %s)\n"
	    "  -d       debug logging\n"
	    "  -s       log to syslog instead of stderr\n"
	    "  -t       check the configuration and exit\n",
	    CONFIG_DEFAULT_PATH);
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *path = CONFIG_DEFAULT_PATH;
	struct config_error cerr;
	struct ike_peer_conf pc;
	struct ike_ops ops;
	struct vtid v;
	bool test = false, debug = false, use_syslog = false;
	size_t i;
	int ch, rc = 1;

	while ((ch = getopt(argc, argv, "c:dst")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'd':
			debug = true;
			break;
		case 's':
			use_syslog = true;
			break;
		case 't':
			test = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	memset(&v, 0, sizeof(v));
	log_init("vtid", LOG_INFO, false);
	if ((v.conf = config_load(path, proposal_check, &cerr)) == NULL) {
		log_err("%s", cerr.msg);
		return 1;
	}
	for (i = 0; i < v.conf->n_warnings; i++)
		log_warn("%s", v.conf->warnings[i]);
	if (test) {
		printf("%s: configuration OK, %zu peers\n", path,
		    v.conf->n_peers);
		config_free(v.conf);
		return 0;
	}
	log_init("vtid", debug ? LOG_DEBUG : v.conf->log_level,
	    use_syslog || v.conf->syslog);
	signal(SIGPIPE, SIG_IGN);

	v.loop = ev_default_loop(EVFLAG_AUTO);
	if (kernel_open(&v.kernel, v.conf) != 0)
		goto done;
	kernel_purge(&v.kernel);
	kernel_ops(&v.kernel, &ops);
	if ((v.eng = ike_engine_new(v.loop, &ops)) == NULL)
		goto done;
	if (kernel_monitor(&v.kernel, v.loop, v.eng) != 0)
		goto done;
	if (net_open(v.loop, IKE_PORT, IKE_NATT_PORT, net_input, &v) != 0)
		goto done;
	if (control_open(v.loop, v.conf->control_socket, control_cmd, &v) != 0)
		goto done;
	for (i = 0; i < v.conf->n_peers; i++) {
		const struct config_peer *p = &v.conf->peers[i];

		/* A VTI that cannot be set up is logged and the peer still
		 * negotiates: the operator sees the error in the log and the
		 * SAs are there when the device is fixed. */
		kernel_peer_up(&v.kernel, p);
		if (peer_conf(v.conf, p, &pc) == 0)
			ike_peer_add(v.eng, &pc);
		OPENSSL_cleanse(&pc, sizeof(pc));
	}
	ev_signal_init(&v.sigterm, signal_stop_cb, SIGTERM);
	ev_signal_init(&v.sigint, signal_stop_cb, SIGINT);
	ev_signal_init(&v.sighup, signal_hup_cb, SIGHUP);
	ev_signal_start(v.loop, &v.sigterm);
	ev_signal_start(v.loop, &v.sigint);
	ev_signal_start(v.loop, &v.sighup);
	log_notice("vtid started: %zu peers, control socket %s",
	    v.conf->n_peers, v.conf->control_socket);

	ev_run(v.loop, 0);
	rc = 0;
done:
	/* DELETE to every peer and the CHILD SAs out of the kernel, then the
	 * policies and VTIs: nothing of ours stays behind. */
	ike_engine_free(v.eng);
	if (v.kernel.xfrm.mnl != NULL) {
		for (i = 0; i < v.conf->n_peers; i++)
			kernel_peer_down(&v.kernel, &v.conf->peers[i]);
		kernel_purge(&v.kernel);
	}
	control_close(v.loop);
	if (v.loop != NULL)
		net_close(v.loop);
	kernel_close(&v.kernel);
	config_free(v.conf);
	log_notice("vtid stopped");
	return rc;
}
