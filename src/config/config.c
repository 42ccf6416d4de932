/* Loading vtid.conf: walk the libconfig tree against one declared table of
 * settings per section, so that a misspelt setting is an error and not a
 * silently ignored line, then check values and what peers must not share.
 * Every error names file:line, the peer and the setting. */
#include <errno.h>
#include <libconfig.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "config/priv.h"
#include "pki/pki.h"
#include "util/log.h"

static const struct key_def top_keys[] = {
	{ "control_socket", T_STR },
	{ "log_level", T_STR },
	{ "syslog", T_BOOL },
	{ "sandbox", T_BOOL },
	{ "workers", T_INT },
	{ "initiate_max", T_INT },
	{ "hold_packets", T_BOOL },
	{ "local_addresses", T_LIST },
	{ "reqid_base", T_INT },
	{ "start", T_STR },
	{ "keying_tries", T_INT | T_STR },
	{ "retransmit", T_GROUP },
	{ "dos", T_GROUP },
	{ "kernel", T_GROUP },
	{ "ike", T_GROUP },
	{ "esp", T_GROUP },
	{ "dpd", T_GROUP },
	{ "nat", T_GROUP },
	{ "fragmentation", T_BOOL },
	{ "fragment_size", T_INT },
	{ "local_cert", T_STR },
	{ "local_key", T_STR },
	{ "ca", T_STR },
	{ "crl", T_STR },
	{ "rsa_pss", T_BOOL },
	{ "vti", T_GROUP },		/* the older name of "interface" */
	{ "interface", T_GROUP },
	{ "peers", T_LIST },
	{ NULL, 0 },
};

static const struct key_def retransmit_keys[] = {
	{ "timeout", T_INT | T_FLOAT },
	{ "base", T_INT | T_FLOAT },
	{ "limit", T_INT | T_FLOAT },
	{ "tries", T_INT | T_STR },
	{ NULL, 0 },
};

static const struct key_def dos_keys[] = {
	{ "cookie_threshold", T_INT },
	{ "cookie_threshold_peer", T_INT },
	{ "half_open_max", T_INT },
	{ "half_open_max_peer", T_INT },
	{ "cookie_rotate", T_INT | T_STR },
	{ "init_max_size", T_INT },
	{ "half_open_timeout", T_INT | T_STR },
	{ NULL, 0 },
};

static const struct key_def sa_keys[] = {
	{ "proposals", T_STR },
	{ "rekey_time", T_INT | T_STR },
	{ "jitter", T_INT | T_STR },
	{ "margin", T_INT | T_STR },
	{ NULL, 0 },
};

static const struct key_def dpd_keys[] = {
	{ "delay", T_INT | T_STR },
	{ "timeout", T_INT | T_STR },
	{ "action", T_STR },
	{ NULL, 0 },
};

static const struct key_def vti_global_keys[] = {
	{ "type", T_STR },
	{ "name", T_STR },
	{ "netns", T_STR },
	{ "mtu", T_INT | T_STR },
	{ "link", T_STR },
	{ NULL, 0 },
};

/* ---- sections ---- */

/* "ike" and "esp": g may be NULL (nothing set); sa holds the defaults. */
int
cfg_parse_sa(struct loader *ld, const config_setting_t *g, const char *sect,
    enum config_proposal_kind kind, struct config_sa *sa)
{
	const config_setting_t *s;
	const char *v;
	char key[32], msg[CONFIG_MSG_MAX];

	if (g == NULL)
		return 0;
	if (cfg_check_keys(ld, g, sa_keys, sect) == -1)
		return -1;
	snprintf(key, sizeof(key), "%s.proposals", sect);
	if ((v = cfg_get_str(g, "proposals", &s)) != NULL) {
		if (*v == '\0')
			return cfg_fail(ld, s, "%s: empty", key);
		if (cfg_copy_str(ld, s, key, v, sa->proposals,
		    sizeof(sa->proposals)) == -1)
			return -1;
		if (ld->check != NULL && ld->check(kind, v, msg,
		    sizeof(msg)) == -1)
			return cfg_fail(ld, s, "%s: %s", key, msg);
	}
	snprintf(key, sizeof(key), "%s.rekey_time", sect);
	if (cfg_get_duration(ld, g, "rekey_time", key, &sa->life.rekey_time) == -1)
		return -1;
	snprintf(key, sizeof(key), "%s.jitter", sect);
	if (cfg_get_duration(ld, g, "jitter", key, &sa->life.jitter) == -1)
		return -1;
	snprintf(key, sizeof(key), "%s.margin", sect);
	if (cfg_get_duration(ld, g, "margin", key, &sa->life.margin) == -1)
		return -1;
	/* The lifetime checks see the result of inheritance. */
	if (sa->life.rekey_time == 0)
		return cfg_fail(ld, cfg_member_or(g, "rekey_time"),
		    "%s.rekey_time: must be > 0", sect);
	if (sa->life.jitter >= sa->life.rekey_time)
		return cfg_fail(ld, cfg_member_or(g, "jitter"), "%s.jitter: %u must be "
		    "less than rekey_time %u", sect, sa->life.jitter,
		    sa->life.rekey_time);
	if (sa->life.margin == 0)
		return cfg_fail(ld, cfg_member_or(g, "margin"),
		    "%s.margin: must be > 0", sect);
	return 0;
}

static const struct key_def nat_keys[] = {
	{ "encap", T_BOOL },
	{ "keepalive", T_INT | T_STR },
	{ NULL, 0 },
};

/* "nat": shared by the global and the peer groups. */
int
cfg_parse_nat(struct loader *ld, const config_setting_t *g,
    struct config_nat *nat)
{
	const config_setting_t *s;

	if (g == NULL)
		return 0;
	if (cfg_check_keys(ld, g, nat_keys, "nat") == -1 ||
	    cfg_get_duration(ld, g, "keepalive", "nat.keepalive",
	    &nat->keepalive) == -1)
		return -1;
	if ((s = config_setting_get_member(g, "encap")) != NULL)
		nat->encap = config_setting_get_bool(s);
	return 0;
}

int
cfg_parse_dpd(struct loader *ld, const config_setting_t *g,
    struct config_dpd *dpd)
{
	int action = (int)dpd->action;

	if (g == NULL)
		return 0;
	if (cfg_check_keys(ld, g, dpd_keys, "dpd") == -1 ||
	    cfg_get_duration(ld, g, "delay", "dpd.delay", &dpd->delay) == -1 ||
	    cfg_get_duration(ld, g, "timeout", "dpd.timeout", &dpd->timeout) ==
	    -1 ||
	    cfg_get_enum(ld, g, "action", "dpd.action", cfg_dpd_name_i, 3, &action) ==
	    -1)
		return -1;
	dpd->action = (enum config_dpd_action)action;
	if (dpd->delay > 0 && dpd->timeout == 0)
		return cfg_fail(ld, cfg_member_or(g, "timeout"),
		    "dpd.timeout: must be > 0 when dpd.delay is set");
	return 0;
}

/* "dos": a COOKIE threshold above its cap would never be reached. */
static int
parse_dos(struct loader *ld, const config_setting_t *g)
{
	struct config_dos *d = &ld->conf->dos;

	if (g == NULL)
		return 0;
	if (cfg_check_keys(ld, g, dos_keys, "dos") == -1 ||
	    cfg_get_uint(ld, g, "half_open_max", "dos.half_open_max", 1,
	    1000000, &d->half_open_max) == -1 ||
	    cfg_get_uint(ld, g, "half_open_max_peer", "dos.half_open_max_peer",
	    1, 1000000, &d->half_open_max_peer) == -1 ||
	    cfg_get_uint(ld, g, "cookie_threshold", "dos.cookie_threshold", 0,
	    1000000, &d->cookie_threshold) == -1 ||
	    cfg_get_uint(ld, g, "cookie_threshold_peer",
	    "dos.cookie_threshold_peer", 0, 1000000,
	    &d->cookie_threshold_peer) == -1 ||
	    cfg_get_duration(ld, g, "cookie_rotate", "dos.cookie_rotate",
	    &d->cookie_rotate) == -1 ||
	    cfg_get_uint(ld, g, "init_max_size", "dos.init_max_size", 512,
	    65535, &d->init_max_size) == -1 ||
	    cfg_get_duration(ld, g, "half_open_timeout", "dos.half_open_timeout",
	    &d->half_open_timeout) == -1)
		return -1;
	if (d->half_open_timeout < 1 || d->half_open_timeout > 3600)
		return cfg_fail(ld, cfg_member_or(g, "half_open_timeout"),
		    "dos.half_open_timeout: must be 1 to 3600 seconds");
	if (d->cookie_rotate < 1 || d->cookie_rotate > 86400)
		return cfg_fail(ld, cfg_member_or(g, "cookie_rotate"),
		    "dos.cookie_rotate: must be 1 to 86400 seconds");
	if (d->cookie_threshold > d->half_open_max)
		return cfg_fail(ld, cfg_member_or(g, "cookie_threshold"),
		    "dos.cookie_threshold: %u is above dos.half_open_max %u: no "
		    "COOKIE would ever be asked for", d->cookie_threshold,
		    d->half_open_max);
	if (d->cookie_threshold_peer > d->half_open_max_peer)
		return cfg_fail(ld, cfg_member_or(g, "cookie_threshold_peer"),
		    "dos.cookie_threshold_peer: %u is above "
		    "dos.half_open_max_peer %u: no COOKIE would ever be asked "
		    "for", d->cookie_threshold_peer, d->half_open_max_peer);
	return 0;
}

bool
cfg_netns_ok(const char *s)
{
	size_t i;

	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		    s[i] == '-' || s[i] == '.'))
			return false;
	return true;
}

/* local_addresses: unicast literals, none twice. */
static int
parse_local_addrs(struct loader *ld, const config_setting_t *g)
{
	struct vtid_config *c = ld->conf;
	const config_setting_t *e;
	const char *v;
	int i, j, n = config_setting_length(g);

	if (n > CONFIG_LOCAL_MAX)
		return cfg_fail(ld, g, "local_addresses: more than %d",
		    CONFIG_LOCAL_MAX);
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(g, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return cfg_fail(ld, e, "local_addresses: expected strings");
		v = config_setting_get_string(e);
		if (cfg_get_addr(ld, e, "local_addresses", v, &c->local[i]) == -1)
			return -1;
		for (j = 0; j < i; j++)
			if (addr_equal(&c->local[j], &c->local[i]))
				return cfg_fail(ld, e, "local_addresses: '%s' "
				    "given twice", v);
	}
	c->n_local = (size_t)n;
	return 0;
}

static int
parse_globals(struct loader *ld, const config_setting_t *root)
{
	struct vtid_config *c = ld->conf;
	const config_setting_t *s, *g;
	const char *v, *sect;
	char why[CONFIG_MSG_MAX], name[CONFIG_IFNAME_MAX];
	bool failed = false;

	if (cfg_check_keys(ld, root, top_keys, "") == -1)
		return -1;

	if ((v = cfg_get_str(root, "control_socket", &s)) != NULL) {
		if (cfg_copy_str(ld, s, "control_socket", v, c->control_socket,
		    sizeof(c->control_socket)) == -1)
			return -1;
		if (v[0] != '/')
			return cfg_fail(ld, s, "control_socket: '%s' is not an "
			    "absolute path", v);
	}
	if ((v = cfg_get_str(root, "log_level", &s)) != NULL) {
		c->log_level = log_level_parse(v);
		if (c->log_level == -1)
			return cfg_fail(ld, s, "log_level: unknown level '%s' "
			    "(err, warning, notice, info or debug)", v);
	}
	if ((s = config_setting_get_member(root, "syslog")) != NULL)
		c->syslog = config_setting_get_bool(s);
	if ((s = config_setting_get_member(root, "sandbox")) != NULL)
		c->sandbox = config_setting_get_bool(s);
	if ((s = config_setting_get_member(root, "hold_packets")) != NULL)
		c->hold_packets = config_setting_get_bool(s);

	if ((g = config_setting_get_member(root, "local_addresses")) != NULL &&
	    parse_local_addrs(ld, g) == -1)
		return -1;
	if (cfg_get_uint(ld, root, "reqid_base", "reqid_base", 0, UINT32_MAX - 1,
	    &c->reqid_base) == -1)
		return -1;
	if (cfg_get_uint(ld, root, "workers", "workers", 0, CONFIG_WORKERS_MAX,
	    &c->workers) == -1)
		return -1;
	if (cfg_get_uint(ld, root, "initiate_max", "initiate_max", 1, 1000000,
	    &c->initiate_max) == -1)
		return -1;
	if (cfg_get_start(ld, root, "start", &c->start) == -1)
		return -1;
	if (cfg_get_tries(ld, root, "keying_tries", "keying_tries", true,
	    &c->keying_tries) == -1)
		return -1;

	if ((g = config_setting_get_member(root, "retransmit")) != NULL) {
		struct config_retransmit *r = &c->retransmit;
		double base;

		if (cfg_check_keys(ld, g, retransmit_keys, "retransmit") == -1 ||
		    cfg_get_ms(ld, g, "timeout", "retransmit.timeout", 0.05, 3600,
		    &r->timeout_ms) == -1 ||
		    cfg_get_ms(ld, g, "limit", "retransmit.limit", 0.05, 86400,
		    &r->limit_ms) == -1 ||
		    cfg_get_tries(ld, g, "tries", "retransmit.tries", false,
		    &r->tries) == -1)
			return -1;
		if ((s = config_setting_get_member(g, "base")) != NULL) {
			base = config_setting_type(s) == CONFIG_TYPE_FLOAT ?
			    config_setting_get_float(s) :
			    (double)config_setting_get_int64(s);
			if (!(base >= 1.0 && base <= 10.0))
				return cfg_fail(ld, s, "retransmit.base: must be "
				    "1 to 10");
			r->base = base;
		}
		if (r->limit_ms < r->timeout_ms)
			return cfg_fail(ld, g, "retransmit.limit: %gs is less than "
			    "retransmit.timeout %gs", r->limit_ms / 1000.0,
			    r->timeout_ms / 1000.0);
	}

	if (parse_dos(ld, config_setting_get_member(root, "dos")) == -1 ||
	    cfg_parse_kernel(ld, config_setting_get_member(root, "kernel")) ==
	    -1)
		return -1;
	if (cfg_parse_sa(ld, config_setting_get_member(root, "ike"), "ike",
	    CONFIG_PROPOSAL_IKE, &c->ike) == -1 ||
	    cfg_parse_sa(ld, config_setting_get_member(root, "esp"), "esp",
	    CONFIG_PROPOSAL_ESP, &c->esp) == -1 ||
	    cfg_parse_dpd(ld, config_setting_get_member(root, "dpd"), &c->dpd) ==
	    -1 ||
	    cfg_parse_nat(ld, config_setting_get_member(root, "nat"), &c->nat) ==
	    -1 ||
	    cfg_parse_fragmentation(ld, root, &c->fragmentation,
	    &c->fragment_size) == -1 || cfg_parse_cert_defaults(ld, root) ==
	    -1)
		return -1;

	if ((g = cfg_iface_group(ld, root, &sect, &failed)) != NULL) {
		if (cfg_check_keys(ld, g, vti_global_keys, sect) == -1 ||
		    cfg_parse_vti_common(ld, g, sect, &c->vti) == -1)
			return -1;
		/* The pattern's own errors, here rather than at each peer. */
		if (c->vti.pattern[0] != '\0' && config_vti_name(c->vti.pattern,
		    "p", 1, name, sizeof(name), why, sizeof(why)) == -1)
			return cfg_fail(ld, cfg_member_or(g, "name"), "%s.name: %s",
			    sect, why);
	}
	return failed ? -1 : 0;
}

static void
defaults(struct vtid_config *c)
{
	snprintf(c->control_socket, sizeof(c->control_socket), "%s",
	    CONFIG_DEFAULT_SOCKET);
	c->log_level = LOG_INFO;
	c->sandbox = true;
	c->workers = CONFIG_WORKERS_AUTO;
	c->initiate_max = 100;
	c->hold_packets = true;
	c->reqid_base = 0x40000000;
	c->start = CONFIG_START_ROUTE;
	c->keying_tries = CONFIG_FOREVER;
	c->retransmit = (struct config_retransmit){
		.timeout_ms = 4000, .base = 1.8, .limit_ms = 60000, .tries = 5,
	};
	/* A peer has one half-open SA, two while it restarts: more from its
	 * address cost a round trip, and DH only once the address answered.
	 * 500 half-open SAs hold about 4 MB. */
	c->dos = (struct config_dos){
		.cookie_threshold = 10, .cookie_threshold_peer = 2,
		.half_open_max = 500, .half_open_max_peer = 10,
		.cookie_rotate = 60, .init_max_size = 4096,
		.half_open_timeout = 30,
	};
	c->kernel = (struct config_kernel){
		.reconcile_interval = CONFIG_RECONCILE_INTERVAL,
		.event_buffer = CONFIG_EVENT_BUFFER,
	};
	snprintf(c->ike.proposals, sizeof(c->ike.proposals), "default");
	c->ike.life = (struct config_lifetime){ 14400, 1440, 1440 };
	snprintf(c->esp.proposals, sizeof(c->esp.proposals), "default");
	c->esp.life = (struct config_lifetime){ 3600, 360, 360 };
	c->dpd = (struct config_dpd){ 30, 150, CONFIG_DPD_RESTART };
	c->fragmentation = true;
	c->fragment_size = 0;
	c->vti.type = CONFIG_IFACE_VTI;	/* pattern "": by type */
	c->vti.mtu = 1500;
	c->vti.link_follows = true;
	c->nat.keepalive = CONFIG_NAT_KEEPALIVE;
}

/* libconfig keeps inline PSKs in its own heap strings: wipe them before
 * config_destroy frees them. (Its scanner's buffers are freed unwiped;
 * psk_file avoids that.) */
static void
wipe_inline_psks(config_t *cfg)
{
	config_setting_t *list, *g, *s;
	const char *v;
	int i, n;

	list = config_setting_get_member(config_root_setting(cfg), "peers");
	if (list == NULL || !config_setting_is_aggregate(list))
		return;
	n = config_setting_length(list);
	for (i = 0; i < n; i++) {
		g = config_setting_get_elem(list, (unsigned)i);
		if (config_setting_type(g) != CONFIG_TYPE_GROUP)
			continue;
		s = config_setting_get_member(g, "psk");
		if (s == NULL || config_setting_type(s) != CONFIG_TYPE_STRING)
			continue;
		v = config_setting_get_string(s);
		if (v != NULL)
			OPENSSL_cleanse((char *)(uintptr_t)v, strlen(v));
	}
}

/* Every VTI peer's policies are ::/0 with a mark, and the kernel indexes
 * its wildcard policies by if_id but not by mark: it walks all of them for
 * each packet and each insertion (bench/README.md, "The kernel's share":
 * 381 us per packet for the last of 10,000 peers, 2.3 for the first). */
#define CONFIG_VTI_PEERS_WARN	1000

static void
warn_many_vtis(struct loader *ld)
{
	size_t i, n = 0;

	for (i = 0; i < ld->conf->n_peers; i++)
		n += ld->conf->peers[i].vti.type == CONFIG_IFACE_VTI;
	if (n >= CONFIG_VTI_PEERS_WARN)
		cfg_warn(ld, NULL, "%zu peers on VTIs: the kernel walks all "
		    "their policies for each packet (it does not index marks); "
		    "with this many, use interface type = \"xfrm\"", n);
}

bool cfg_hash_oom;

struct config_peer_name {
	UT_hash_handle	 hh;
	const struct config_peer *peer;
};

struct config_names {
	struct config_peer_name *head;
	struct config_peer_name	 ent[];
};

/* Names are unique (cfg_parse_peers checked). Without memory for it the
 * lookups scan instead. */
static void
index_names(struct vtid_config *c)
{
	struct config_names *t;
	struct config_peer_name *e;
	size_t i;

	if (c->n_peers == 0 || (t = calloc(1, sizeof(*t) + c->n_peers *
	    sizeof(t->ent[0]))) == NULL)
		return;
	cfg_hash_oom = false;
	for (i = 0; i < c->n_peers && !cfg_hash_oom; i++) {
		e = &t->ent[i];
		e->peer = &c->peers[i];
		HASH_ADD_KEYPTR(hh, t->head, c->peers[i].name,
		    strlen(c->peers[i].name), e);
	}
	if (cfg_hash_oom) {
		HASH_CLEAR(hh, t->head);
		free(t);
		return;
	}
	c->by_name = t;
}

struct vtid_config *
config_load(const char *path, config_proposal_check check,
    struct config_error *err)
{
	struct loader ld;
	struct stat st;
	const char *slash;
	FILE *fp;
	bool loaded = false;
	int rc = -1;

	memset(err, 0, sizeof(*err));
	memset(&ld, 0, sizeof(ld));
	ld.path = path;
	ld.err = err;
	ld.check = check;
	config_init(&ld.cfg);
	if ((ld.conf = calloc(1, sizeof(*ld.conf))) == NULL) {
		cfg_fail(&ld, NULL, "out of memory");
		goto done;
	}
	defaults(ld.conf);
	if (strlen(path) >= sizeof(ld.conf->path)) {
		cfg_fail(&ld, NULL, "path too long");
		goto done;
	}
	snprintf(ld.conf->path, sizeof(ld.conf->path), "%s", path);
	if ((slash = strrchr(path, '/')) != NULL)
		snprintf(ld.dir, sizeof(ld.dir), "%.*s",
		    slash == path ? 1 : (int)(slash - path), path);

	/* libconfig says only "file I/O error": find out why first. */
	if ((fp = fopen(path, "r")) == NULL) {
		cfg_fail(&ld, NULL, "cannot read: %s", strerror(errno));
		goto done;
	}
	if (fstat(fileno(fp), &st) == 0)
		ld.mode = st.st_mode;
	fclose(fp);
	if (ld.dir[0] != '\0')
		config_set_include_dir(&ld.cfg, ld.dir);
	if (config_read_file(&ld.cfg, path) != CONFIG_TRUE) {
		const char *file = cfg_file_name(&ld, config_error_file(&ld.cfg));

		snprintf(err->file, sizeof(err->file), "%s", file);
		err->line = (unsigned)config_error_line(&ld.cfg);
		snprintf(err->msg, sizeof(err->msg), "%s:%d: %s", file,
		    config_error_line(&ld.cfg), config_error_text(&ld.cfg));
		goto done;
	}
	loaded = true;

	if (parse_globals(&ld, config_root_setting(&ld.cfg)) == -1 ||
	    cfg_parse_peers(&ld, config_setting_get_member(
	    config_root_setting(&ld.cfg), "peers")) == -1)
		goto done;
	if (ld.inline_psk && (ld.mode & (S_IRWXG | S_IRWXO)))
		cfg_warn(&ld, NULL, "holds inline PSKs and is readable or writable "
		    "by group or others (mode %04o): chmod 600 it, or use "
		    "psk_file", (unsigned)(ld.mode & 07777));
	warn_many_vtis(&ld);
	index_names(ld.conf);
	rc = 0;
done:
	cfg_cert_cache_free(&ld);
	if (loaded)
		wipe_inline_psks(&ld.cfg);
	config_destroy(&ld.cfg);
	if (rc == -1) {
		config_free(ld.conf);
		return NULL;
	}
	return ld.conf;
}

void
config_free(struct vtid_config *c)
{
	size_t i;

	if (c == NULL)
		return;
	if (c->by_name != NULL) {
		HASH_CLEAR(hh, c->by_name->head);
		free(c->by_name);
	}
	for (i = 0; i < c->n_peers; i++) {
		if (c->peers[i].psk != NULL) {
			OPENSSL_cleanse(c->peers[i].psk, c->peers[i].psk_len);
			free(c->peers[i].psk);
		}
		pki_cred_unref(c->peers[i].cred);
		pki_ca_unref(c->peers[i].ca);
	}
	free(c->peers);
	free(c->warnings);
	free(c);
}

const struct config_peer *
config_peer_find(const struct vtid_config *c, const char *name)
{
	struct config_peer_name *e;
	size_t i;

	if (c->by_name != NULL) {
		HASH_FIND_STR(c->by_name->head, name, e);
		return e != NULL ? e->peer : NULL;
	}
	for (i = 0; i < c->n_peers; i++)
		if (strcmp(c->peers[i].name, name) == 0)
			return &c->peers[i];
	return NULL;
}

static bool
id_eq(const struct config_id *a, const struct config_id *b)
{
	return a->type == b->type && a->len == b->len &&
	    memcmp(a->data, b->data, a->len) == 0;
}

static bool
sa_eq(const struct config_sa *a, const struct config_sa *b)
{
	return strcmp(a->proposals, b->proposals) == 0 &&
	    a->life.rekey_time == b->life.rekey_time &&
	    a->life.jitter == b->life.jitter &&
	    a->life.margin == b->life.margin;
}

static bool
vti_eq(const struct config_vti *a, const struct config_vti *b)
{
	size_t i;

	if (a->type != b->type || strcmp(a->name, b->name) != 0 ||
	    strcmp(a->netns, b->netns) != 0 ||
	    a->mtu != b->mtu || a->mtu_auto != b->mtu_auto ||
	    a->link_follows != b->link_follows || a->n_addrs != b->n_addrs)
		return false;
	for (i = 0; i < a->n_addrs; i++)
		if (!addr_equal(&a->addrs[i].addr, &b->addrs[i].addr) ||
		    a->addrs[i].len != b->addrs[i].len)
			return false;
	return true;
}

bool
config_peer_cred_equal(const struct config_peer *a,
    const struct config_peer *b)
{
	return pki_cred_equal(a->cred, b->cred) && pki_ca_equal(a->ca, b->ca) &&
	    a->rsa_pss == b->rsa_pss;
}

bool
config_peer_equal(const struct config_peer *a, const struct config_peer *b)
{
	bool psk_eq;

	/* Compare the PSK without an early exit on its content. */
	psk_eq = a->psk_len == b->psk_len &&
	    (a->psk_len == 0 || CRYPTO_memcmp(a->psk, b->psk, a->psk_len) == 0);
	return psk_eq && strcmp(a->name, b->name) == 0 &&
	    addr_equal(&a->local, &b->local) && addr_equal(&a->remote, &b->remote) &&
	    a->remote_dynamic == b->remote_dynamic &&
	    a->remote_plen == b->remote_plen &&
	    id_eq(&a->local_id, &b->local_id) &&
	    id_eq(&a->remote_id, &b->remote_id) &&
	    a->mark == b->mark && a->reqid == b->reqid &&
	    a->start == b->start && a->keying_tries == b->keying_tries &&
	    sa_eq(&a->ike, &b->ike) && sa_eq(&a->esp, &b->esp) &&
	    a->dpd.delay == b->dpd.delay && a->dpd.timeout == b->dpd.timeout &&
	    a->dpd.action == b->dpd.action && a->nat.encap == b->nat.encap &&
	    a->nat.keepalive == b->nat.keepalive &&
	    a->fragmentation == b->fragmentation &&
	    a->fragment_size == b->fragment_size && vti_eq(&a->vti, &b->vti) &&
	    config_peer_cred_equal(a, b);
}

