/* Reload: the configuration file applied again, peer by peer.
 *
 * The new file is loaded and every peer built for the engine first: a
 * file with any error changes nothing. Then, comparing each peer with its
 * namesake (config_peer_equal):
 *
 *	unchanged	nothing is touched: its SAs carry on
 *	removed		DELETE sent, SAs out of the kernel; VTI and
 *			policies removed
 *	VTI only	(mtu, addresses) the device is brought to the new
 *			settings; the SAs carry on
 *	changed		SAs deleted and negotiated again with the new
 *			settings; the VTI and the policies are removed and
 *			created again when what identifies them changed
 *			(name, netns, addresses, mark, reqid, start)
 *	added		VTI set up, negotiated per its start mode
 *
 * Everything that goes is removed before anything new is set up, so that
 * a mark, a VTI name or an address pair may move from one peer to
 * another in one reload. kernel.c finds peers in kernel.conf by name: it
 * sees the old configuration while peers are removed and the new one
 * from then on.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "daemon/notify.h"
#include "daemon/peer.h"
#include "daemon/vtid.h"
#include "ike/ike.h"
#include "util/addr.h"
#include "util/clock.h"
#include "util/log.h"

enum change {
	CH_SAME,
	CH_VTI,		/* only the device's mtu or addresses */
	CH_CRED,	/* only certificates, CAs, CRLs: in place, SAs kept */
	CH_IKE,		/* negotiate again, same kernel objects */
	CH_KERNEL,	/* negotiate again, device and policies anew (a
			 * changed device type too: keyed otherwise) */
};

static enum change
peer_change(const struct config_peer *a, const struct config_peer *b)
{
	struct config_peer t;

	if (config_peer_equal(a, b))
		return CH_SAME;
	if (a->vti.type != b->vti.type ||
	    strcmp(a->vti.name, b->vti.name) != 0 ||
	    strcmp(a->vti.netns, b->vti.netns) != 0 ||
	    !addr_equal(&a->local, &b->local) ||
	    !addr_equal(&a->remote, &b->remote) ||
	    a->remote_dynamic != b->remote_dynamic ||
	    a->remote_plen != b->remote_plen || a->mark != b->mark ||
	    a->reqid != b->reqid || a->start != b->start)
		return CH_KERNEL;
	/* b with a's device settings: equal means only those differ. A
	 * shallow copy: the PSK pointer is shared, not freed. */
	t = *b;
	t.vti.mtu = a->vti.mtu;
	t.vti.n_addrs = a->vti.n_addrs;
	memcpy(t.vti.addrs, a->vti.addrs, sizeof(t.vti.addrs));
	if (config_peer_equal(a, &t))
		return CH_VTI;
	/* b with a's credentials: equal means only those differ. */
	t = *b;
	t.cred = a->cred;
	t.ca = a->ca;
	t.rsa_pss = a->rsa_pss;
	if (a->cred != NULL && b->cred != NULL && config_peer_equal(a, &t))
		return CH_CRED;
	return CH_IKE;
}

/* "V2-1 V2-2" into buf, for the summary. */
static void
names_add(char *buf, size_t len, const char *name)
{
	size_t n = strlen(buf);

	snprintf(buf + n, len - n, "%s%s", n > 0 ? " " : "", name);
}

static void
reload_say(FILE *out, int level, const char *fmt, ...) VTID_PRINTF(3, 4);

static void
reload_say(FILE *out, int level, const char *fmt, ...)
{
	char line[CONFIG_MSG_MAX + 128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_msg(level, "reload", "%s", line);
	if (out != NULL)
		fprintf(out, "%s\n", line);
}

static void
reload_globals(struct vtid *v, const struct vtid_config *old,
    const struct vtid_config *new, FILE *out)
{
	/* A level set with -d or "vtictl log-level" stays until the file's
	 * own log_level changes. */
	if (new->log_level != old->log_level && !v->debug) {
		log_set_level(new->log_level);
		reload_say(out, LOG_NOTICE, "log_level: %s",
		    log_level_name(new->log_level));
	}
	if (new->syslog != old->syslog && !v->cli_syslog) {
		reload_say(out, LOG_NOTICE, "syslog: %s",
		    new->syslog ? "true" : "false");
		log_init("vtid", log_get_level(), new->syslog);
	}
	if (new->sandbox != old->sandbox)
		reload_say(out, LOG_WARNING, "sandbox: %s takes effect at the "
		    "next start%s", new->sandbox ? "true" : "false",
		    new->sandbox ? "" : " (a filter stays with the process "
		    "it was installed in)");
	if (new->hold_packets != old->hold_packets) {
		kernel_hold_packets(&v->kernel, new->hold_packets);
		reload_say(out, LOG_NOTICE, "hold_packets: %s",
		    new->hold_packets ? "true" : "false");
	}
	if (strcmp(new->control_socket, v->control_path) != 0)
		reload_say(out, LOG_WARNING, "control_socket: %s takes effect "
		    "at the next start; still listening on %s",
		    new->control_socket, v->control_path);
	if (new->retransmit.timeout_ms != old->retransmit.timeout_ms ||
	    new->retransmit.base != old->retransmit.base ||
	    new->retransmit.limit_ms != old->retransmit.limit_ms ||
	    new->retransmit.tries != old->retransmit.tries)
		reload_say(out, LOG_NOTICE, "retransmit: the new values apply "
		    "to the peers added or changed by this reload; the others "
		    "keep theirs until they change or vtid restarts");
	if (memcmp(&new->dos, &old->dos, sizeof(new->dos)) != 0 ||
	    new->initiate_max != old->initiate_max) {
		struct ike_dos_conf dos;

		vtid_dos_conf(new, &dos);
		ike_engine_set_dos(v->eng, &dos);
		reload_say(out, LOG_NOTICE, "dos, initiate_max: the new values "
		    "apply to the next IKE_SA_INIT (a half-open SA keeps its "
		    "timeout)");
	}
	/* The peers' marks (what reconciliation may touch) changed with
	 * the peers: always. */
	recon_configure(&v->kernel.recon);
	if (memcmp(&new->kernel, &old->kernel, sizeof(new->kernel)) != 0)
		reload_say(out, LOG_NOTICE, "kernel: reconcile_interval %u s, "
		    "event_buffer %u bytes: in force now",
		    new->kernel.reconcile_interval, new->kernel.event_buffer);
}

/* A reload worked out before anything changes: what happens to each old
 * and each new peer, the new peers as the engine takes them, and the names
 * for the summary. */
struct plan {
	struct ike_peer_conf *pcs;	/* per new peer, wiped on free */
	size_t		 n_pcs;
	enum change	*ch_old, *ch_new;
	bool		*was_up;	/* per new peer: changed, had an SA */
	char		 added[512], removed[512], changed[512], vti[512];
	char		 cred[512];
	size_t		 n_same;
};

static void
plan_free(struct plan *pl)
{
	if (pl->pcs != NULL) {
		OPENSSL_cleanse(pl->pcs, pl->n_pcs * sizeof(*pl->pcs));
		free(pl->pcs);
	}
	free(pl->ch_old);
	free(pl->ch_new);
	free(pl->was_up);
}

/* Everything that can fail, before anything changes: 0 or -1 (said). */
static int
plan_check(struct vtid *v, const struct vtid_config *old,
    const struct vtid_config *new, struct plan *pl, FILE *out)
{
	char why[CONFIG_MSG_MAX + 64];
	size_t i;

	pl->n_pcs = new->n_peers + 1;
	pl->pcs = calloc(pl->n_pcs, sizeof(*pl->pcs));
	pl->ch_new = calloc(new->n_peers + 1, sizeof(*pl->ch_new));
	pl->ch_old = calloc(old->n_peers + 1, sizeof(*pl->ch_old));
	pl->was_up = calloc(new->n_peers + 1, sizeof(*pl->was_up));
	if (pl->pcs == NULL || pl->ch_new == NULL || pl->ch_old == NULL ||
	    pl->was_up == NULL) {
		reload_say(out, LOG_ERR, "out of memory; configuration "
		    "unchanged");
		return -1;
	}
	for (i = 0; i < new->n_peers; i++) {
		const struct config_peer *p = &new->peers[i];

		if (vtid_peer_conf(new, p, &pl->pcs[i], why,
		    sizeof(why)) == -1) {
			reload_say(out, LOG_ERR, "%s; configuration unchanged",
			    why);
			return -1;
		}
		if (p->vti.netns[0] != '\0' && v->caps_dropped &&
		    !v->have_sys_admin) {
			reload_say(out, LOG_ERR, "%s: peer '%s': vti.netns "
			    "'%s' needs CAP_SYS_ADMIN, which vtid dropped at "
			    "start-up (no peer had a netns then): restart vtid "
			    "to apply this configuration; configuration "
			    "unchanged", p->origin, p->name, p->vti.netns);
			return -1;
		}
	}
	return 0;
}

/* What happens to each peer. */
static void
plan_changes(struct vtid *v, const struct vtid_config *old,
    const struct vtid_config *new, struct plan *pl)
{
	size_t i;

	for (i = 0; i < old->n_peers; i++) {
		const struct config_peer *a = &old->peers[i];
		const struct config_peer *b = config_peer_find(new, a->name);

		if (b == NULL) {
			pl->ch_old[i] = CH_KERNEL;	/* removed */
			names_add(pl->removed, sizeof(pl->removed), a->name);
			continue;
		}
		pl->ch_old[i] = peer_change(a, b);
		pl->ch_new[b - new->peers] = pl->ch_old[i];
		switch (pl->ch_old[i]) {
		case CH_SAME:
			pl->n_same++;
			break;
		case CH_VTI:
			names_add(pl->vti, sizeof(pl->vti), a->name);
			break;
		case CH_CRED:
			names_add(pl->cred, sizeof(pl->cred), a->name);
			break;
		case CH_IKE:
		case CH_KERNEL:
			names_add(pl->changed, sizeof(pl->changed), a->name);
			pl->was_up[b - new->peers] = ike_peer_state(v->eng,
			    a->name) != IKE_PEER_DOWN;
			break;
		}
	}
	for (i = 0; i < new->n_peers; i++)
		if (config_peer_find(old, new->peers[i].name) == NULL) {
			pl->ch_new[i] = CH_KERNEL;	/* added */
			names_add(pl->added, sizeof(pl->added),
			    new->peers[i].name);
		}
}

/* Out with the old peers, while kernel.c still sees them; in with the
 * new configuration and its peers. */
static void
plan_apply(struct vtid *v, struct vtid_config *old, struct vtid_config *new,
    const struct plan *pl, FILE *out)
{
	size_t i;

	for (i = 0; i < old->n_peers; i++) {
		const struct config_peer *a = &old->peers[i];

		if (pl->ch_old[i] == CH_SAME || pl->ch_old[i] == CH_VTI ||
		    pl->ch_old[i] == CH_CRED)
			continue;
		ike_peer_remove(v->eng, a->name);
		if (pl->ch_old[i] == CH_KERNEL)
			kernel_peer_down(&v->kernel, a);
	}
	v->conf = new;
	v->kernel.conf = new;
	v->kernel.reqid_min = new->reqid_base;
	v->kernel.reqid_max = new->reqid_base + KERNEL_REQID_SPAN;
	for (i = 0; i < new->n_peers; i++) {
		const struct config_peer *b = &new->peers[i];

		if (pl->ch_new[i] == CH_SAME)
			continue;
		if (pl->ch_new[i] == CH_CRED) {
			int n = ike_peer_credentials(v->eng, b->name,
			    &pl->pcs[i]);

			if (n > 0)
				reload_say(out, LOG_WARNING, "peer '%s': %d IKE "
				    "SA%s closed: the new CAs or CRLs refuse "
				    "its certificate (see the log)", b->name, n,
				    n > 1 ? "s" : "");
			continue;
		}
		if (kernel_peer_up(&v->kernel, b) != 0) {
			reload_say(out, LOG_WARNING, "peer '%s': its VTI or "
			    "policies could not be set up (see the log); it "
			    "negotiates all the same", b->name);
		}
		if (pl->ch_new[i] == CH_VTI) {
			ike_peer_link_reset(v->eng, b->name,
			    b->vti.link_follows);
			continue;
		}
		if (ike_peer_add(v->eng, &pl->pcs[i]) != 0) {
			reload_say(out, LOG_ERR, "peer '%s': the IKE engine "
			    "did not take it", b->name);
			continue;
		}
		/* A changed peer that was up comes back up, whatever its
		 * start mode says about the first time. */
		if (pl->was_up[i] && b->start == CONFIG_START_ROUTE)
			ike_peer_initiate(v->eng, b->name);
	}
}

int
vtid_reload(struct vtid *v, FILE *out)
{
	struct vtid_config *old = v->conf, *new;
	struct config_error cerr;
	struct plan pl;
	size_t i;
	int rc = -1;

	memset(&pl, 0, sizeof(pl));
	notify_send("RELOADING=1\nSTATUS=reloading %s", v->conf_path);
	log_msg(LOG_NOTICE, "reload", "loading %s", v->conf_path);
	if ((new = config_load(v->conf_path, vtid_proposal_check,
	    &cerr)) == NULL) {
		reload_say(out, LOG_ERR, "%s; configuration unchanged",
		    cerr.msg);
		goto done;
	}
	for (i = 0; i < new->n_warnings; i++)
		reload_say(out, LOG_WARNING, "%s", new->warnings[i]);
	if (plan_check(v, old, new, &pl, out) == -1)
		goto done;
	plan_changes(v, old, new, &pl);
	plan_apply(v, old, new, &pl, out);
	reload_globals(v, old, new, out);
	config_free(old);
	v->last_reload = clock_wall();
	/* Certificates only when some were: the line keeps its form. */
	reload_say(out, LOG_NOTICE, "%s: %zu peers: added %s; removed %s; "
	    "changed %s; VTI updated %s; %s%s%s%zu unchanged", v->conf_path,
	    new->n_peers, pl.added[0] != '\0' ? pl.added : "none",
	    pl.removed[0] != '\0' ? pl.removed : "none",
	    pl.changed[0] != '\0' ? pl.changed : "none",
	    pl.vti[0] != '\0' ? pl.vti : "none", pl.cred[0] != '\0' ?
	    "certificates updated " : "", pl.cred, pl.cred[0] != '\0' ?
	    "; " : "", pl.n_same);
	new = NULL;
	rc = 0;
done:
	if (rc == 0)
		v->reloads_ok++;
	else
		v->reloads_failed++;
	plan_free(&pl);
	if (new != NULL)
		config_free(new);
	notify_send("READY=1");
	vtid_status_notify(v, true);
	return rc;
}
