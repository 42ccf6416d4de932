/* vtid: the daemon. Loads the configuration, opens the IKE sockets and the
 * control socket, sets up each peer's VTI, drops the capabilities it no
 * longer needs, tells systemd it is ready, runs the IKE engine on a libev
 * loop; SIGHUP reloads the configuration, SIGTERM deletes its IKE SAs and
 * removes what it installed. vtid(8) documents it. */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "config/config.h"
#include "daemon/secmem.h"
#include "daemon/sandbox.h"
#include "daemon/caps.h"
#include "daemon/control.h"
#include "daemon/ctl.h"
#include "daemon/instance.h"
#include "daemon/kernel.h"
#include "daemon/net.h"
#include "daemon/notify.h"
#include "daemon/peer.h"
#include "daemon/vtid.h"
#include "ike/cpool.h"
#include "ike/ike.h"
#include "ike/ikev2.h"
#include "ike/proposal_lang.h"
#include "netlink/netlink.h"
#include "util/clock.h"
#include "util/log.h"

#define VTID_STATUS_S	1.0
#define VTID_TRIM_S	2.0	/* setups quiet this long: heap trimmed */

int
vtid_proposal_check(enum config_proposal_kind kind, const char *s, char *msg,
    size_t len)
{
	struct proposal_conf pc;

	return proposal_conf_parse(&pc, kind == CONFIG_PROPOSAL_IKE ?
	    IKE_PROTO_IKE : IKE_PROTO_ESP, s, msg, len);
}

void
vtid_status_notify(struct vtid *v, bool force)
{
	unsigned up, total;

	if (!notify_enabled() || v->eng == NULL)
		return;
	ike_engine_count(v->eng, &up, &total);
	if (!force && up == v->status_up && total == v->status_total)
		return;
	v->status_up = up;
	v->status_total = total;
	notify_send("STATUS=%u/%u peers up", up, total);
}

/* What "vtid -t" checks beyond the loader: each peer as the engine would
 * take it (PSK size, proposals), and namespaces that do not exist yet
 * (a warning: the lab creates them before starting vtid). Returns the
 * number of errors. */
static unsigned
config_check_peers(const struct vtid_config *c, bool warn_netns)
{
	struct ike_peer_conf pc;
	char why[CONFIG_MSG_MAX + 64], path[CONFIG_NETNS_MAX + 16];
	struct stat st;
	unsigned errors = 0;
	size_t i, j;

	for (i = 0; i < c->n_peers; i++) {
		const struct config_peer *p = &c->peers[i];

		if (vtid_peer_conf(c, p, &pc, why, sizeof(why)) == -1) {
			log_err("%s", why);
			errors++;
		}
		OPENSSL_cleanse(&pc, sizeof(pc));
		if (!warn_netns || p->vti.netns[0] == '\0')
			continue;
		/* Once per namespace, at its first peer. */
		for (j = 0; j < i; j++)
			if (strcmp(c->peers[j].vti.netns, p->vti.netns) == 0)
				break;
		snprintf(path, sizeof(path), "%s/%s", NL_NETNS_DIR,
		    p->vti.netns);
		if (j == i && stat(path, &st) == -1)
			log_warn("%s: peer '%s': vti.netns: %s does not exist "
			    "(yet): create it before vtid starts", p->origin,
			    p->name, path);
	}
	return errors;
}

static bool
config_has_netns(const struct vtid_config *c)
{
	size_t i;

	for (i = 0; i < c->n_peers; i++)
		if (c->peers[i].vti.netns[0] != '\0')
			return true;
	return false;
}

static void
net_input(const struct net_pkt *pkt, void *arg)
{
	struct vtid *v = arg;

	/* One branch, not taken unless VTID_IMPAIR was set. */
	if (v->impair != NULL) {
		impair_input(v->impair, &pkt->local, &pkt->remote, pkt->natt,
		    pkt->data, pkt->len);
		return;
	}
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
	vtid_reload(w->data, NULL);
}

static void
status_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	vtid_status_notify(t->data, false);
}

/* The watchdog is fed from the event loop: a loop that hangs stops
 * feeding it, and systemd restarts vtid. */
static void
watchdog_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	notify_send("WATCHDOG=1");
}

/* Everything vtid set up: bound sockets, peers, VTIs. After this it
 * keeps CAP_NET_ADMIN, and CAP_SYS_ADMIN when a VTI lives in another
 * namespace (entering it to set up, update or remove the device). */
static int
drop_caps(struct vtid *v)
{
	char why[128];
	bool sys_admin = config_has_netns(v->conf);

	/* A daemon facing the internet does not run on with privileges it
	 * meant to give up. */
	if (caps_drop(sys_admin, why, sizeof(why)) == -1) {
		log_err("cannot drop capabilities: %s", why);
		return -1;
	}
	v->caps_dropped = true;
	v->have_sys_admin = sys_admin;
	log_info("capabilities: kept CAP_NET_ADMIN%s", sys_admin ?
	    " and CAP_SYS_ADMIN (VTIs in other namespaces)" : "");
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: vtid [-dstTV] [-c file]\n"
	    "  -c file  configuration (default %s)\n"
	    "  -d       debug logging\n"
	    "  -s       log to syslog instead of stderr\n"
	    "  -t       check the configuration and exit\n"
	    "  -T       check it and print it with every default resolved\n"
	    "  -V       print the version and exit\n",
	    CONFIG_DEFAULT_PATH);
	exit(2);
}

/* A burst of setups (a restart, a link back for hundreds of peers) leaves
 * the heap at its peak: the DH keys and messages of every SA in flight at
 * once, freed between the SAs that stay. Once setups have been quiet for
 * a tick, the free pages go back to the system. */
static void
trim_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct vtid *v = t->data;
	const struct ike_stats *st = ike_engine_stats(v->eng);
	uint64_t setups = st->ike_up + st->child_up;

	if (setups != v->trim_setups) {
		v->trim_setups = setups;
		v->trim_due = true;
	} else if (v->trim_due) {
		v->trim_due = false;
		malloc_trim(0);
	}
}

/* -c file, -d, -s; -t and -T (test, dump) only check the configuration. */
static void
args(int argc, char **argv, struct vtid *v, bool *test, bool *dump)
{
	int ch;

	while ((ch = getopt(argc, argv, "c:dstTVh")) != -1) {
		switch (ch) {
		case 'c':
			v->conf_path = optarg;
			break;
		case 'd':
			v->debug = true;
			break;
		case 's':
			v->cli_syslog = true;
			break;
		case 'T':
			*dump = true;
			*test = true;
			break;
		case 't':
			*test = true;
			break;
		case 'V':
			printf("vtid %s\n", VTID_VERSION);
			exit(0);
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
}

/* Keys out of swap where RLIMIT_MEMLOCK allows (secmem.h): not locked
 * is one line, not an error. */
static void
lock_memory(struct vtid *v)
{
	char why[256];

	v->memory_locked = secmem_lock(why, sizeof(why)) == 0;
	if (v->memory_locked)
		log_info("memory locked: keys stay out of swap");
	else
		log_notice("memory not locked, keys may be swapped out: %s",
		    why);
}

/* The last step of start-up: from here on vtid makes only the system
 * calls of its allow-list (sandbox.h). A filter that was asked for and
 * cannot be installed stops vtid, as a failed capability drop does. */
static int
enter_sandbox(struct vtid *v, enum sandbox_mode mode)
{
	char why[256];

	if (!v->conf->sandbox) {
		log_notice("sandbox: off (sandbox = false): no system call "
		    "filter of vtid's own");
		return 0;
	}
	if (sandbox_enter(mode, &v->sandbox_calls, why, sizeof(why)) == -1) {
		log_err("%s (sandbox = false runs vtid without it)", why);
		return -1;
	}
	v->sandboxed = true;
	if (mode == SANDBOX_TRAP)
		log_warn("sandbox: trap mode (VTID_SANDBOX=trap): a system "
		    "call outside the %u allowed is logged and fails with "
		    "ENOSYS instead of killing vtid", v->sandbox_calls);
	else
		log_info("sandbox: system call filter in force, %u calls "
		    "allowed", v->sandbox_calls);
	return 0;
}

/* Each crypto worker confines itself first: without TSYNC (which systemd's
 * own filter does not allow) a filter covers only its thread. */
static int
worker_confine(void *arg)
{
	struct vtid *v = arg;
	unsigned n;
	char why[256];

	if (!v->conf->sandbox)
		return 0;
	return sandbox_enter(v->sandbox_mode, &n, why, sizeof(why));
}

/* The key exchanges' threads, made after the capabilities are dropped
 * (they are per thread: a thread made before would keep them all). */
static int
start_workers(struct vtid *v)
{
	unsigned n = v->conf->workers == CONFIG_WORKERS_AUTO ?
	    ike_cpool_default_workers() : v->conf->workers;

	if ((v->pool = ike_cpool_new(v->loop, n, worker_confine, v)) ==
	    NULL) {
		log_err("crypto: cannot start %u worker threads%s", n,
		    v->conf->sandbox ? " (or confine them: sandbox)" : "");
		return -1;
	}
	ike_engine_set_pool(v->eng, v->pool);
	ike_engine_hold_start(v->eng, false);
	if (n == 0)
		log_info("crypto: key exchanges on the event loop (workers "
		    "= 0)");
	else
		log_info("crypto: %u worker threads for key exchanges", n);
	return 0;
}

/* VTID_TEST_SANDBOX_PROBE (the test suite): one call outside the list,
 * from the event loop, once vtid runs. Under the filter vtid dies here
 * (SIGSYS), or logs it in trap mode; without, the line says so. */
static int
probe_cmp(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

static void
probe_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	unsigned v[1024];
	size_t i;
	long rc;

	/* First what vtid does in steady state through libc, and the filter
	 * must allow: a sort of more than 1 kB (the reconciliation's, vtictl
	 * status') asks the kernel for the memory size (sysinfo). */
	for (i = 0; i < 1024; i++)
		v[i] = (unsigned)((i * 2654435761u) >> 7);
	qsort(v, 1024, sizeof(v[0]), probe_cmp);
	log_notice("sandbox probe: qsort of %zu bytes done", sizeof(v));
	log_notice("sandbox probe: calling unshare(0), which is not in the "
	    "allow-list");
	rc = sandbox_probe();
	log_notice("sandbox probe: unshare(0) returned %ld%s%s", rc,
	    rc == -1 ? ": " : "", rc == -1 ? strerror(errno) : "");
}

/* The kernel side, the engine, the sockets, then each peer's VTI and its
 * IKE peer; *peers_set_up counts the VTIs reached. 0 or -1. */
static int
vtid_start(struct vtid *v, size_t *peers_set_up)
{
	struct ike_peer_conf pc;
	struct ike_dos_conf dos;
	struct ike_ops ops;
	char why[CONFIG_MSG_MAX + 64];
	size_t i;

	v->loop = ev_default_loop(EVFLAG_AUTO);
	if (kernel_open(&v->kernel, v->conf) != 0)
		return -1;
	kernel_purge(&v->kernel);
	kernel_ops(&v->kernel, &ops);
	if (impair_from_env(v->loop, &v->impair, why, sizeof(why)) == -1) {
		log_err("%s", why);
		return -1;
	}
	if (v->impair != NULL)
		impair_wrap(v->impair, &ops, &ops);
	if ((v->eng = ike_engine_new(v->loop, &ops)) == NULL)
		return -1;
	if (v->impair != NULL)
		impair_attach(v->impair, v->eng);
	/* start peers initiate once the crypto threads run (start_workers):
	 * their key pairs are made there, not one by one here. */
	ike_engine_hold_start(v->eng, true);
	vtid_dos_conf(v->conf, &dos);
	ike_engine_set_dos(v->eng, &dos);
	if (kernel_monitor(&v->kernel, v->loop, v->eng) != 0)
		return -1;
	if (net_open(v->loop, IKE_PORT, IKE_NATT_PORT, net_input, v) != 0)
		return -1;
	if (control_open(v->loop, v->conf->control_socket, vtid_ctl, v) != 0)
		return -1;
	snprintf(v->control_path, sizeof(v->control_path), "%s",
	    v->conf->control_socket);
	for (i = 0; i < v->conf->n_peers; i++) {
		const struct config_peer *p = &v->conf->peers[i];

		/* A VTI that cannot be set up is logged and the peer still
		 * negotiates: the operator sees the error in the log and the
		 * SAs are there when the device is fixed. */
		kernel_peer_up(&v->kernel, p);
		*peers_set_up = i + 1;
		if (vtid_peer_conf(v->conf, p, &pc, why, sizeof(why)) == 0)
			ike_peer_add(v->eng, &pc);
		else
			log_msg(LOG_ERR, p->name, "%s", why);
		OPENSSL_cleanse(&pc, sizeof(pc));
	}
	ike_engine_warm(v->eng);
	return drop_caps(v);
}

/* Signals, the heap trimmer, systemd's status lines and watchdog. */
static void
vtid_watch(struct vtid *v)
{
	uint64_t wd;

	ev_timer_init(&v->trim_timer, trim_cb, VTID_TRIM_S, VTID_TRIM_S);
	v->trim_timer.data = v;
	ev_timer_start(v->loop, &v->trim_timer);
	ev_signal_init(&v->sigterm, signal_stop_cb, SIGTERM);
	ev_signal_init(&v->sigint, signal_stop_cb, SIGINT);
	ev_signal_init(&v->sighup, signal_hup_cb, SIGHUP);
	v->sighup.data = v;
	ev_signal_start(v->loop, &v->sigterm);
	ev_signal_start(v->loop, &v->sigint);
	ev_signal_start(v->loop, &v->sighup);
	if (notify_enabled()) {
		ev_timer_init(&v->status_timer, status_cb, VTID_STATUS_S,
		    VTID_STATUS_S);
		v->status_timer.data = v;
		ev_timer_start(v->loop, &v->status_timer);
	}
	if ((wd = notify_watchdog_usec()) > 0) {
		/* Twice per interval, as sd_watchdog_enabled(3) advises. */
		ev_timer_init(&v->watchdog_timer, watchdog_cb, 0,
		    (double)wd / 2e6);
		ev_timer_again(v->loop, &v->watchdog_timer);
		log_info("systemd watchdog: a ping every %.1f s",
		    (double)wd / 2e6);
	}
}

/* What the start made, undone: DELETE to every peer and the CHILD SAs out
 * of the kernel, then the policies and VTIs: nothing of ours stays. */
static void
vtid_stop(struct vtid *v, size_t peers_set_up)
{
	size_t i;

	notify_send("STOPPING=1\nSTATUS=stopping");
	if (v->loop != NULL) {
		ev_timer_stop(v->loop, &v->status_timer);
		ev_timer_stop(v->loop, &v->watchdog_timer);
	}
	ike_engine_free(v->eng);
	/* After the engine: its SAs are gone, the jobs still out only
	 * free their results. */
	ike_cpool_free(v->pool);
	v->pool = NULL;
	/* Gone: the kernel side asks it nothing more (kernel_peer_down). */
	v->eng = NULL;
	v->kernel.eng = NULL;
	impair_free(v->impair);
	/* A start-up that failed half-way undoes only what it made: the
	 * VTIs of the peers it reached. */
	if (v->kernel.xfrm.mnl != NULL) {
		for (i = 0; i < peers_set_up; i++)
			kernel_peer_down(&v->kernel, &v->conf->peers[i]);
		kernel_purge(&v->kernel);
	}
	control_close(v->loop);
	if (v->loop != NULL)
		net_close(v->loop);
	kernel_close(&v->kernel);
	config_free(v->conf);
	close(v->instance_fd);
	log_notice("vtid stopped");
}

int
main(int argc, char **argv)
{
	struct config_error cerr;
	struct vtid v;
	char why[CONFIG_MSG_MAX + 64];
	bool test = false, dump = false;
	enum sandbox_mode sandbox_mode;
	size_t i, peers_set_up = 0;
	int rc = 1;

	memset(&v, 0, sizeof(v));
	v.conf_path = CONFIG_DEFAULT_PATH;
	args(argc, argv, &v, &test, &dump);

	log_init("vtid", LOG_INFO, false);
	/* No core dumps and no ptrace by the unprivileged: memory holds PSKs
	 * and keys. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1) {
		log_err("prctl(PR_SET_DUMPABLE): %s", strerror(errno));
		return 1;
	}
	secmem_nodump();
	if (sandbox_mode_env(&sandbox_mode, why, sizeof(why)) == -1) {
		log_err("%s", why);
		return 1;
	}
	if ((v.conf = config_load(v.conf_path, vtid_proposal_check,
	    &cerr)) == NULL) {
		log_err("%s", cerr.msg);
		return 1;
	}
	for (i = 0; i < v.conf->n_warnings; i++)
		log_warn("%s", v.conf->warnings[i]);
	if (config_check_peers(v.conf, test) > 0) {
		config_free(v.conf);
		return 1;
	}
	if (test) {
		if (dump)
			vtid_config_dump(v.conf, stdout);
		else
			printf("%s: configuration OK, %zu peers%s\n",
			    v.conf_path, v.conf->n_peers,
			    v.conf->n_warnings > 0 ? " (see the warnings)" :
			    "");
		config_free(v.conf);
		return 0;
	}
	log_init("vtid", v.debug ? LOG_DEBUG : v.conf->log_level,
	    v.cli_syslog || v.conf->syslog);
	notify_init();
	signal(SIGPIPE, SIG_IGN);
	v.started = v.last_reload = clock_wall();

	/* Before anything touches the kernel: a second vtid would purge the
	 * running one's SAs below. */
	if ((v.instance_fd = instance_lock(why, sizeof(why))) == -1) {
		log_err("%s: not starting", why);
		config_free(v.conf);
		return 1;
	}
	if (vtid_start(&v, &peers_set_up) == 0) {
		lock_memory(&v);
		vtid_watch(&v);
		if (getenv("VTID_TEST_SANDBOX_PROBE") != NULL) {
			ev_timer_init(&v.probe_timer, probe_cb, 0.2, 0);
			ev_timer_start(v.loop, &v.probe_timer);
		}
		v.sandbox_mode = sandbox_mode;
		/* The last step: from here on, only the allow-list. */
		if (start_workers(&v) == 0 &&
		    enter_sandbox(&v, sandbox_mode) == 0) {
			log_notice("vtid started: %zu peers, control socket "
			    "%s", v.conf->n_peers, v.conf->control_socket);
			notify_send("READY=1\nMAINPID=%ld", (long)getpid());
			vtid_status_notify(&v, true);
			ev_run(v.loop, 0);
			rc = 0;
		}
	}
	vtid_stop(&v, peers_set_up);
	return rc;
}
