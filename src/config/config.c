/* Loading vtid.conf: walk the libconfig tree against one declared table of
 * settings per section, so that a misspelt setting is an error and not a
 * silently ignored line, then check values and what peers must not share.
 * Every error names file:line, the peer and the setting. */
#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "config/config.h"
#include "util/log.h"

/* Types a setting may have. */
#define T_INT		0x01	/* int or int64 */
#define T_FLOAT		0x02
#define T_STR		0x04
#define T_BOOL		0x08
#define T_GROUP		0x10	/* { } */
#define T_LIST		0x20	/* ( ) or [ ] */

struct key_def {
	const char	*name;
	unsigned	 types;
};

static const struct key_def top_keys[] = {
	{ "control_socket", T_STR },
	{ "log_level", T_STR },
	{ "syslog", T_BOOL },
	{ "local_addresses", T_LIST },
	{ "reqid_base", T_INT },
	{ "start", T_STR },
	{ "keying_tries", T_INT | T_STR },
	{ "retransmit", T_GROUP },
	{ "ike", T_GROUP },
	{ "esp", T_GROUP },
	{ "dpd", T_GROUP },
	{ "vti", T_GROUP },
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
	{ "name", T_STR },
	{ "netns", T_STR },
	{ "mtu", T_INT },
	{ NULL, 0 },
};

static const struct key_def peer_keys[] = {
	{ "name", T_STR },
	{ "local", T_STR },
	{ "remote", T_STR },
	{ "local_id", T_STR },
	{ "remote_id", T_STR },
	{ "psk", T_STR },
	{ "psk_file", T_STR },
	{ "mark", T_INT },
	{ "start", T_STR },
	{ "keying_tries", T_INT | T_STR },
	{ "ike", T_GROUP },
	{ "esp", T_GROUP },
	{ "dpd", T_GROUP },
	{ "vti", T_GROUP },
	{ NULL, 0 },
};

static const struct key_def vti_peer_keys[] = {
	{ "name", T_STR },
	{ "netns", T_STR },
	{ "mtu", T_INT },
	{ "addresses", T_LIST },
	{ NULL, 0 },
};

struct loader {
	const char		*path;
	char			 dir[CONFIG_PATH_MAX];	/* of path */
	char			 filebuf[CONFIG_PATH_MAX * 2];
	config_t		 cfg;
	struct vtid_config	*conf;
	struct config_error	*err;
	config_proposal_check	 check;
	char			 ctx[CONFIG_NAME_MAX + 16]; /* "peer 'x': " */
	mode_t			 mode;		/* of the file */
	bool			 inline_psk;
};

/* ---- messages ---- */

/* The name of a file libconfig read, for messages: an @include is named
 * as written, relative to our directory. */
static const char *
file_name(struct loader *ld, const char *f)
{
	if (f == NULL || strcmp(f, ld->path) == 0)
		return ld->path;
	if (f[0] != '/' && ld->dir[0] != '\0' &&
	    snprintf(ld->filebuf, sizeof(ld->filebuf), "%s/%s", ld->dir, f) <
	    (int)sizeof(ld->filebuf))
		return ld->filebuf;
	return f;
}

static void
where(struct loader *ld, const config_setting_t *at, const char **file,
    unsigned *line)
{
	*file = ld->path;
	*line = 0;
	if (at == NULL)
		return;
	*line = config_setting_source_line(at);
	*file = file_name(ld, config_setting_source_file(at));
}

/* "file:line: ctx msg", or "file: ctx msg" without a line; cut to fit. */
static void
format_at(char *dst, size_t len, const char *file, unsigned line,
    const char *ctx, const char *msg)
{
	int n;

	if (line > 0)
		n = snprintf(dst, len, "%s:%u: %s%s", file, line, ctx, msg);
	else
		n = snprintf(dst, len, "%s: %s%s", file, ctx, msg);
	if (n < 0 && len > 0)
		dst[0] = '\0';
	/* n >= len: truncated, still terminated: good enough for a log. */
}

static int fail(struct loader *, const config_setting_t *, const char *, ...)
    VTID_PRINTF(3, 4);

/* Record the error at setting at (NULL: the file). Returns -1. */
static int
fail(struct loader *ld, const config_setting_t *at, const char *fmt, ...)
{
	struct config_error *e = ld->err;
	char msg[CONFIG_MSG_MAX];
	const char *file;
	unsigned line;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	where(ld, at, &file, &line);
	snprintf(e->file, sizeof(e->file), "%s", file);
	e->line = line;
	format_at(e->msg, sizeof(e->msg), file, line, ld->ctx, msg);
	return -1;
}

static void warn(struct loader *, const config_setting_t *, const char *, ...)
    VTID_PRINTF(3, 4);

static void
warn(struct loader *ld, const config_setting_t *at, const char *fmt, ...)
{
	struct vtid_config *c = ld->conf;
	char msg[CONFIG_MSG_MAX], (*w)[CONFIG_MSG_MAX];
	const char *file;
	unsigned line;
	va_list ap;

	w = reallocarray(c->warnings, c->n_warnings + 1, sizeof(*w));
	if (w == NULL)
		return;		/* a warning is not worth failing for */
	c->warnings = w;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	where(ld, at, &file, &line);
	format_at(w[c->n_warnings], CONFIG_MSG_MAX, file, line, ld->ctx, msg);
	c->n_warnings++;
}

/* ---- the walk ---- */

static unsigned
type_of(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return T_INT;
	case CONFIG_TYPE_FLOAT:
		return T_FLOAT;
	case CONFIG_TYPE_STRING:
		return T_STR;
	case CONFIG_TYPE_BOOL:
		return T_BOOL;
	case CONFIG_TYPE_GROUP:
		return T_GROUP;
	case CONFIG_TYPE_ARRAY:
	case CONFIG_TYPE_LIST:
		return T_LIST;
	}
	return 0;
}

static const char *
types_str(unsigned types)
{
	switch (types) {
	case T_INT:
		return "an integer";
	case T_INT | T_FLOAT:
		return "a number";
	case T_INT | T_STR:
		return "an integer or a string";
	case T_STR:
		return "a string";
	case T_BOOL:
		return "true or false";
	case T_GROUP:
		return "a group { ... }";
	case T_LIST:
		return "a list ( ... ) or [ ... ]";
	}
	return "something else";
}

/* Every setting of group must be in keys, with one of its types. sect
 * names the group in messages ("" at the top and in a peer). */
static int
check_keys(struct loader *ld, const config_setting_t *group,
    const struct key_def *keys, const char *sect)
{
	const char *dot = sect[0] != '\0' ? "." : "";
	const config_setting_t *s;
	const struct key_def *k;
	const char *name;
	int i, n = config_setting_length(group);

	for (i = 0; i < n; i++) {
		s = config_setting_get_elem(group, (unsigned)i);
		name = config_setting_name(s);
		for (k = keys; k->name != NULL; k++)
			if (strcmp(k->name, name) == 0)
				break;
		if (k->name == NULL)
			return fail(ld, s, "%s%sunknown setting '%s'", sect,
			    sect[0] != '\0' ? ": " : "", name);
		if (!(type_of(s) & k->types))
			return fail(ld, s, "%s%s%s: expected %s", sect, dot,
			    name, types_str(k->types));
	}
	return 0;
}

static const char *
get_str(const config_setting_t *g, const char *name,
    const config_setting_t **s)
{
	*s = config_setting_get_member(g, name);
	if (*s == NULL || config_setting_type(*s) != CONFIG_TYPE_STRING)
		return NULL;
	return config_setting_get_string(*s);
}

/* Copy a string setting, checking its length. */
static int
copy_str(struct loader *ld, const config_setting_t *s, const char *key,
    const char *v, char *dst, size_t dstlen)
{
	size_t n = strlen(v);

	if (n >= dstlen)
		return fail(ld, s, "%s: longer than %zu characters", key,
		    dstlen - 1);
	memcpy(dst, v, n + 1);
	return 0;
}

/* An integer in [min, max]; absent leaves *v alone. */
static int
get_uint(struct loader *ld, const config_setting_t *g, const char *name,
    const char *key, long long min, long long max, uint32_t *v)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	long long x;

	if (s == NULL)
		return 0;
	x = config_setting_get_int64(s);
	if (x < min || x > max)
		return fail(ld, s, "%s: must be %lld to %lld", key, min, max);
	*v = (uint32_t)x;
	return 0;
}

/* Seconds, as an integer or a duration string ("4h"). */
static int
get_duration(struct loader *ld, const config_setting_t *g, const char *name,
    const char *key, uint32_t *v)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	long long x;

	if (s == NULL)
		return 0;
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		if (config_duration_parse(config_setting_get_string(s), v) ==
		    -1)
			return fail(ld, s, "%s: '%s' is not a duration (like "
			    "3600, \"90s\", \"15m\", \"4h\", \"1d\")", key,
			    config_setting_get_string(s));
		return 0;
	}
	x = config_setting_get_int64(s);
	if (x < 0 || x > UINT32_MAX)
		return fail(ld, s, "%s: must be 0 to %u seconds", key,
		    UINT32_MAX);
	*v = (uint32_t)x;
	return 0;
}

/* A count that may be "forever". zero_forever: 0 also means forever
 * (strongSwan's keyingtries). */
static int
get_tries(struct loader *ld, const config_setting_t *g, const char *name,
    const char *key, bool zero_forever, uint32_t *v)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	long long x;

	if (s == NULL)
		return 0;
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		if (strcmp(config_setting_get_string(s), "forever") != 0)
			return fail(ld, s, "%s: expected a number or "
			    "\"forever\"", key);
		*v = CONFIG_FOREVER;
		return 0;
	}
	x = config_setting_get_int64(s);
	if (x < 0 || x >= UINT32_MAX)
		return fail(ld, s, "%s: must be 0 to %u or \"forever\"", key,
		    UINT32_MAX - 1);
	*v = x == 0 && zero_forever ? CONFIG_FOREVER : (uint32_t)x;
	return 0;
}

/* Milliseconds from a number of seconds (4 or 0.5). */
static int
get_ms(struct loader *ld, const config_setting_t *g, const char *name,
    const char *key, double min, double max, uint32_t *v)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	double x;

	if (s == NULL)
		return 0;
	x = config_setting_type(s) == CONFIG_TYPE_FLOAT ?
	    config_setting_get_float(s) : (double)config_setting_get_int64(s);
	if (!(x >= min && x <= max))
		return fail(ld, s, "%s: must be %g to %g seconds", key, min,
		    max);
	*v = (uint32_t)(x * 1000 + 0.5);
	return 0;
}

static int
get_enum(struct loader *ld, const config_setting_t *g, const char *name,
    const char *key, const char *(*namefn)(int), int n, int *v)
{
	const config_setting_t *s;
	const char *str = get_str(g, name, &s);
	char all[128] = "";
	int i;

	if (str == NULL)
		return 0;
	for (i = 0; i < n; i++) {
		if (strcmp(str, namefn(i)) == 0) {
			*v = i;
			return 0;
		}
		snprintf(all + strlen(all), sizeof(all) - strlen(all), "%s%s",
		    i > 0 ? (i == n - 1 ? " or " : ", ") : "", namefn(i));
	}
	return fail(ld, s, "%s: unknown value '%s' (%s)", key, str, all);
}

static const char *
start_name_i(int i)
{
	return config_start_name((enum config_start)i);
}

static const char *
dpd_name_i(int i)
{
	return config_dpd_action_name((enum config_dpd_action)i);
}

static int
get_start(struct loader *ld, const config_setting_t *g, const char *key,
    enum config_start *v)
{
	int i = (int)*v;

	if (get_enum(ld, g, "start", key, start_name_i, 3, &i) == -1)
		return -1;
	*v = (enum config_start)i;
	return 0;
}

/* ---- sections ---- */

static bool
addr_usable(const struct sockaddr_storage *ss)
{
	uint32_t a4;

	if (addr_is_unspec(ss))
		return false;
	if (ss->ss_family == AF_INET6)
		return !IN6_IS_ADDR_MULTICAST(
		    &((const struct sockaddr_in6 *)ss)->sin6_addr);
	a4 = ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr);
	return !IN_MULTICAST(a4) && a4 != INADDR_BROADCAST;
}

/* The setting name of g, or g itself when absent: where to point when a
 * check fails on an inherited value. */
static const config_setting_t *
member_or(const config_setting_t *g, const char *name)
{
	const config_setting_t *s = config_setting_get_member(g, name);

	return s != NULL ? s : g;
}

/* An endpoint address: a literal, not unspecified nor multicast. */
static int
get_addr(struct loader *ld, const config_setting_t *s, const char *key,
    const char *v, struct sockaddr_storage *ss)
{
	if (addr_parse(v, ss) == -1)
		return fail(ld, s, "%s: '%s' is not an IP address", key, v);
	if (!addr_usable(ss))
		return fail(ld, s, "%s: '%s' is not a unicast address", key,
		    v);
	return 0;
}

/* "ike" and "esp": g may be NULL (nothing set); sa holds the defaults. */
static int
parse_sa(struct loader *ld, const config_setting_t *g, const char *sect,
    enum config_proposal_kind kind, struct config_sa *sa)
{
	const config_setting_t *s;
	const char *v;
	char key[32], msg[CONFIG_MSG_MAX];

	if (g == NULL)
		return 0;
	if (check_keys(ld, g, sa_keys, sect) == -1)
		return -1;
	snprintf(key, sizeof(key), "%s.proposals", sect);
	if ((v = get_str(g, "proposals", &s)) != NULL) {
		if (*v == '\0')
			return fail(ld, s, "%s: empty", key);
		if (copy_str(ld, s, key, v, sa->proposals,
		    sizeof(sa->proposals)) == -1)
			return -1;
		if (ld->check != NULL && ld->check(kind, v, msg,
		    sizeof(msg)) == -1)
			return fail(ld, s, "%s: %s", key, msg);
	}
	snprintf(key, sizeof(key), "%s.rekey_time", sect);
	if (get_duration(ld, g, "rekey_time", key, &sa->life.rekey_time) == -1)
		return -1;
	snprintf(key, sizeof(key), "%s.jitter", sect);
	if (get_duration(ld, g, "jitter", key, &sa->life.jitter) == -1)
		return -1;
	snprintf(key, sizeof(key), "%s.margin", sect);
	if (get_duration(ld, g, "margin", key, &sa->life.margin) == -1)
		return -1;
	/* The lifetime checks see the result of inheritance. */
	if (sa->life.rekey_time == 0)
		return fail(ld, member_or(g, "rekey_time"),
		    "%s.rekey_time: must be > 0", sect);
	if (sa->life.jitter >= sa->life.rekey_time)
		return fail(ld, member_or(g, "jitter"), "%s.jitter: %u must be "
		    "less than rekey_time %u", sect, sa->life.jitter,
		    sa->life.rekey_time);
	if (sa->life.margin == 0)
		return fail(ld, member_or(g, "margin"),
		    "%s.margin: must be > 0", sect);
	return 0;
}

static int
parse_dpd(struct loader *ld, const config_setting_t *g,
    struct config_dpd *dpd)
{
	int action = (int)dpd->action;

	if (g == NULL)
		return 0;
	if (check_keys(ld, g, dpd_keys, "dpd") == -1 ||
	    get_duration(ld, g, "delay", "dpd.delay", &dpd->delay) == -1 ||
	    get_duration(ld, g, "timeout", "dpd.timeout", &dpd->timeout) ==
	    -1 ||
	    get_enum(ld, g, "action", "dpd.action", dpd_name_i, 3, &action) ==
	    -1)
		return -1;
	dpd->action = (enum config_dpd_action)action;
	if (dpd->delay > 0 && dpd->timeout == 0)
		return fail(ld, member_or(g, "timeout"),
		    "dpd.timeout: must be > 0 when dpd.delay is set");
	return 0;
}

static bool
netns_ok(const char *s)
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

/* name, netns, mtu: shared by the global and the peer "vti" groups. */
static int
parse_vti_common(struct loader *ld, const config_setting_t *g,
    struct config_vti *vti)
{
	const config_setting_t *s;
	const char *v;

	if ((v = get_str(g, "name", &s)) != NULL &&
	    copy_str(ld, s, "vti.name", v, vti->pattern,
	    sizeof(vti->pattern)) == -1)
		return -1;
	if ((v = get_str(g, "netns", &s)) != NULL) {
		if (copy_str(ld, s, "vti.netns", v, vti->netns,
		    sizeof(vti->netns)) == -1)
			return -1;
		if (!netns_ok(v))
			return fail(ld, s, "vti.netns: '%s' is not a namespace "
			    "name (letters, digits, '_', '-', '.')", v);
	}
	return get_uint(ld, g, "mtu", "vti.mtu", 68, 65535, &vti->mtu);
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
		return fail(ld, g, "local_addresses: more than %d",
		    CONFIG_LOCAL_MAX);
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(g, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return fail(ld, e, "local_addresses: expected strings");
		v = config_setting_get_string(e);
		if (get_addr(ld, e, "local_addresses", v, &c->local[i]) == -1)
			return -1;
		for (j = 0; j < i; j++)
			if (addr_equal(&c->local[j], &c->local[i]))
				return fail(ld, e, "local_addresses: '%s' "
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
	const char *v;
	char why[CONFIG_MSG_MAX], name[CONFIG_IFNAME_MAX];

	if (check_keys(ld, root, top_keys, "") == -1)
		return -1;

	if ((v = get_str(root, "control_socket", &s)) != NULL) {
		if (copy_str(ld, s, "control_socket", v, c->control_socket,
		    sizeof(c->control_socket)) == -1)
			return -1;
		if (v[0] != '/')
			return fail(ld, s, "control_socket: '%s' is not an "
			    "absolute path", v);
	}
	if ((v = get_str(root, "log_level", &s)) != NULL) {
		c->log_level = log_level_parse(v);
		if (c->log_level == -1)
			return fail(ld, s, "log_level: unknown level '%s' "
			    "(err, warning, notice, info or debug)", v);
	}
	if ((s = config_setting_get_member(root, "syslog")) != NULL)
		c->syslog = config_setting_get_bool(s);

	if ((g = config_setting_get_member(root, "local_addresses")) != NULL &&
	    parse_local_addrs(ld, g) == -1)
		return -1;
	if (get_uint(ld, root, "reqid_base", "reqid_base", 0, UINT32_MAX - 1,
	    &c->reqid_base) == -1)
		return -1;
	if (get_start(ld, root, "start", &c->start) == -1)
		return -1;
	if (get_tries(ld, root, "keying_tries", "keying_tries", true,
	    &c->keying_tries) == -1)
		return -1;

	if ((g = config_setting_get_member(root, "retransmit")) != NULL) {
		struct config_retransmit *r = &c->retransmit;
		double base;

		if (check_keys(ld, g, retransmit_keys, "retransmit") == -1 ||
		    get_ms(ld, g, "timeout", "retransmit.timeout", 0.05, 3600,
		    &r->timeout_ms) == -1 ||
		    get_ms(ld, g, "limit", "retransmit.limit", 0.05, 86400,
		    &r->limit_ms) == -1 ||
		    get_tries(ld, g, "tries", "retransmit.tries", false,
		    &r->tries) == -1)
			return -1;
		if ((s = config_setting_get_member(g, "base")) != NULL) {
			base = config_setting_type(s) == CONFIG_TYPE_FLOAT ?
			    config_setting_get_float(s) :
			    (double)config_setting_get_int64(s);
			if (!(base >= 1.0 && base <= 10.0))
				return fail(ld, s, "retransmit.base: must be "
				    "1 to 10");
			r->base = base;
		}
		if (r->limit_ms < r->timeout_ms)
			return fail(ld, g, "retransmit.limit: %gs is less than "
			    "retransmit.timeout %gs", r->limit_ms / 1000.0,
			    r->timeout_ms / 1000.0);
	}

	if (parse_sa(ld, config_setting_get_member(root, "ike"), "ike",
	    CONFIG_PROPOSAL_IKE, &c->ike) == -1 ||
	    parse_sa(ld, config_setting_get_member(root, "esp"), "esp",
	    CONFIG_PROPOSAL_ESP, &c->esp) == -1 ||
	    parse_dpd(ld, config_setting_get_member(root, "dpd"), &c->dpd) ==
	    -1)
		return -1;

	if ((g = config_setting_get_member(root, "vti")) != NULL) {
		if (check_keys(ld, g, vti_global_keys, "vti") == -1 ||
		    parse_vti_common(ld, g, &c->vti) == -1)
			return -1;
		/* The pattern's own errors, here rather than at each peer. */
		if (config_vti_name(c->vti.pattern, "p", 1, name, sizeof(name),
		    why, sizeof(why)) == -1)
			return fail(ld, member_or(g, "name"), "vti.name: %s",
			    why);
	}
	return 0;
}

/* ---- peers ---- */

static int
read_psk_file(struct loader *ld, const config_setting_t *s, const char *v,
    struct config_peer *p)
{
	char path[CONFIG_PATH_MAX];
	uint8_t *buf = NULL;
	struct stat st;
	size_t len = 0;
	ssize_t r;
	int fd = -1, rc = -1;

	if (v[0] == '/' || ld->dir[0] == '\0')
		r = snprintf(path, sizeof(path), "%s", v);
	else
		r = snprintf(path, sizeof(path), "%s/%s", ld->dir, v);
	if (r < 0 || (size_t)r >= sizeof(path))
		return fail(ld, s, "psk_file: path too long");
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1)
		return fail(ld, s, "psk_file: cannot open '%s': %s", path,
		    strerror(errno));
	if (fstat(fd, &st) == -1) {
		fail(ld, s, "psk_file: '%s': %s", path, strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		fail(ld, s, "psk_file: '%s' is not a regular file", path);
		goto done;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		fail(ld, s, "psk_file: '%s' is readable or writable by group "
		    "or others (mode %04o): chmod 600 it", path,
		    (unsigned)(st.st_mode & 07777));
		goto done;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		fail(ld, s, "psk_file: '%s' is owned by uid %u, not by root",
		    path, (unsigned)st.st_uid);
		goto done;
	}
	if ((buf = malloc(CONFIG_PSK_MAX + 1)) == NULL) {
		fail(ld, s, "psk_file: out of memory");
		goto done;
	}
	for (;;) {
		r = read(fd, buf + len, CONFIG_PSK_MAX + 1 - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			fail(ld, s, "psk_file: '%s': %s", path,
			    strerror(errno));
			goto done;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > CONFIG_PSK_MAX) {
			fail(ld, s, "psk_file: '%s' is longer than %d bytes",
			    path, CONFIG_PSK_MAX);
			goto done;
		}
	}
	/* One trailing newline is the editor's, not the key's. */
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	if (len == 0) {
		fail(ld, s, "psk_file: '%s' is empty", path);
		goto done;
	}
	if ((p->psk = malloc(len)) == NULL) {
		fail(ld, s, "psk_file: out of memory");
		goto done;
	}
	memcpy(p->psk, buf, len);
	p->psk_len = len;
	rc = 0;
done:
	if (buf != NULL) {
		OPENSSL_cleanse(buf, CONFIG_PSK_MAX + 1);
		free(buf);
	}
	close(fd);
	return rc;
}

static int
parse_psk(struct loader *ld, const config_setting_t *g, struct config_peer *p)
{
	const config_setting_t *s, *sf, *at;
	const char *v = get_str(g, "psk", &s);
	const char *f = get_str(g, "psk_file", &sf);
	size_t n;

	if (v != NULL && f != NULL)
		return fail(ld, sf, "psk_file: and psk both given: keep one");
	if (v == NULL && f == NULL)
		return fail(ld, g, "psk: required (psk or psk_file)");
	if (f != NULL) {
		if (read_psk_file(ld, sf, f, p) == -1)
			return -1;
		at = sf;
	} else {
		ld->inline_psk = true;
		n = strlen(v);
		if (n == 0)
			return fail(ld, s, "psk: empty");
		if (n > CONFIG_PSK_MAX)
			return fail(ld, s, "psk: longer than %d bytes",
			    CONFIG_PSK_MAX);
		if ((p->psk = malloc(n)) == NULL)
			return fail(ld, s, "psk: out of memory");
		memcpy(p->psk, v, n);
		p->psk_len = n;
		at = s;
	}
	if (p->psk_len < CONFIG_PSK_MIN_SAFE)
		warn(ld, at, "psk: shorter than %d characters; a long random "
		    "key is safer (openssl rand -base64 32)",
		    CONFIG_PSK_MIN_SAFE);
	return 0;
}

/* vti.addresses: "address/prefix-length" strings, no address twice. */
static int
parse_vti_addrs(struct loader *ld, const config_setting_t *a,
    struct config_vti *vti)
{
	const config_setting_t *e;
	struct config_prefix *pr;
	char why[CONFIG_MSG_MAX];
	const char *v;
	int i, j, n = config_setting_length(a);

	if (n > CONFIG_VTI_ADDRS_MAX)
		return fail(ld, a, "vti.addresses: more than %d",
		    CONFIG_VTI_ADDRS_MAX);
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(a, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return fail(ld, e, "vti.addresses: expected strings");
		v = config_setting_get_string(e);
		pr = &vti->addrs[i];
		if (config_prefix_parse(v, pr, why, sizeof(why)) == -1)
			return fail(ld, e, "vti.addresses: %s", why);
		for (j = 0; j < i; j++)
			if (addr_equal(&vti->addrs[j].addr, &pr->addr))
				return fail(ld, e, "vti.addresses: '%s' given "
				    "twice", v);
	}
	vti->n_addrs = (size_t)n;
	return 0;
}

/* The peer's "vti" group g (maybe NULL) of the peer group pg. */
static int
parse_vti_peer(struct loader *ld, const config_setting_t *pg,
    const config_setting_t *g, struct config_peer *p)
{
	const config_setting_t *a;
	char why[CONFIG_MSG_MAX];
	bool v6 = false;
	size_t i;

	p->vti.n_addrs = 0;
	if (g != NULL) {
		if (check_keys(ld, g, vti_peer_keys, "vti") == -1 ||
		    parse_vti_common(ld, g, &p->vti) == -1)
			return -1;
		a = config_setting_get_member(g, "addresses");
		if (a != NULL && parse_vti_addrs(ld, a, &p->vti) == -1)
			return -1;
	}
	if (config_vti_name(p->vti.pattern, p->name, p->mark, p->vti.name,
	    sizeof(p->vti.name), why, sizeof(why)) == -1)
		return fail(ld, g != NULL ? member_or(g, "name") : pg,
		    "vti.name: %s", why);
	for (i = 0; i < p->vti.n_addrs; i++)
		if (p->vti.addrs[i].addr.ss_family == AF_INET6)
			v6 = true;
	if (v6 && p->vti.mtu < 1280)
		return fail(ld, g != NULL ? member_or(g, "mtu") : pg,
		    "vti.mtu: %u is below 1280, the IPv6 minimum, and the VTI "
		    "has IPv6 addresses", p->vti.mtu);
	return 0;
}

/* The local address of a peer without "local": the one global local
 * address of the remote's family. */
static int
default_local(struct loader *ld, const config_setting_t *g,
    struct config_peer *p)
{
	const struct vtid_config *c = ld->conf;
	size_t i, found = 0;

	for (i = 0; i < c->n_local; i++) {
		if (c->local[i].ss_family == p->remote.ss_family) {
			p->local = c->local[i];
			found++;
		}
	}
	if (found != 1)
		return fail(ld, g, "local: required (local_addresses has %s "
		    "address of the remote's family)", found == 0 ? "no" :
		    "more than one");
	return 0;
}

static int
parse_peer(struct loader *ld, const config_setting_t *g, size_t idx,
    struct config_peer *p)
{
	const struct vtid_config *c = ld->conf;
	const config_setting_t *s, *sl;
	const char *v;
	char why[CONFIG_MSG_MAX], a[INET6_ADDRSTRLEN];
	const char *file;
	unsigned line;
	size_t i;
	long long mark;

	snprintf(ld->ctx, sizeof(ld->ctx), "peer #%zu: ", idx + 1);
	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return fail(ld, g, "expected a group { ... }");

	/* Inherited defaults first; each setting then overrides. */
	p->start = c->start;
	p->keying_tries = c->keying_tries;
	p->ike = c->ike;
	p->esp = c->esp;
	p->dpd = c->dpd;
	p->vti = c->vti;
	where(ld, g, &file, &line);
	snprintf(p->origin, sizeof(p->origin), "%s:%u", file, line);

	/* The name first, so that every other message can give it. */
	if ((v = get_str(g, "name", &s)) == NULL)
		return s != NULL ? fail(ld, s, "name: expected a string") :
		    fail(ld, g, "name: required");
	if (copy_str(ld, s, "name", v, p->name, sizeof(p->name)) == -1)
		return -1;
	if (*v == '\0' || !netns_ok(v))
		return fail(ld, s, "name: '%s' must be letters, digits, '_', "
		    "'-' or '.'", v);
	snprintf(ld->ctx, sizeof(ld->ctx), "peer '%s': ", p->name);
	if (check_keys(ld, g, peer_keys, "") == -1)
		return -1;

	if ((s = config_setting_get_member(g, "mark")) == NULL)
		return fail(ld, g, "mark: required");
	mark = config_setting_get_int64(s);
	if (mark <= 0)
		return fail(ld, s, "mark: must be > 0");
	if (mark > (long long)UINT32_MAX - c->reqid_base)
		return fail(ld, s, "mark: %lld is too large (reqid_base + "
		    "mark must fit in 32 bits)", mark);
	p->mark = (uint32_t)mark;
	p->reqid = c->reqid_base + p->mark;

	if ((v = get_str(g, "remote", &s)) == NULL)
		return fail(ld, g, "remote: required");
	if (get_addr(ld, s, "remote", v, &p->remote) == -1)
		return -1;
	if ((v = get_str(g, "local", &sl)) != NULL) {
		if (get_addr(ld, sl, "local", v, &p->local) == -1)
			return -1;
		if (p->local.ss_family != p->remote.ss_family)
			return fail(ld, sl, "local: '%s' and remote are not of "
			    "the same address family", v);
		for (i = 0; i < c->n_local; i++)
			if (addr_equal(&c->local[i], &p->local))
				break;
		if (c->n_local > 0 && i == c->n_local)
			return fail(ld, sl, "local: '%s' is not in "
			    "local_addresses", v);
	} else if (default_local(ld, g, p) == -1)
		return -1;
	if (addr_equal(&p->local, &p->remote))
		return fail(ld, s, "remote: '%s' is the local address",
		    addr_str(&p->remote, a, sizeof(a)));

	config_id_from_addr(&p->local, &p->local_id);
	config_id_from_addr(&p->remote, &p->remote_id);
	if ((v = get_str(g, "local_id", &s)) != NULL &&
	    config_id_parse(v, &p->local_id, why, sizeof(why)) == -1)
		return fail(ld, s, "local_id: %s", why);
	if ((v = get_str(g, "remote_id", &s)) != NULL &&
	    config_id_parse(v, &p->remote_id, why, sizeof(why)) == -1)
		return fail(ld, s, "remote_id: %s", why);

	if (parse_psk(ld, g, p) == -1 ||
	    get_start(ld, g, "start", &p->start) == -1 ||
	    get_tries(ld, g, "keying_tries", "keying_tries", true,
	    &p->keying_tries) == -1 ||
	    parse_sa(ld, config_setting_get_member(g, "ike"), "ike",
	    CONFIG_PROPOSAL_IKE, &p->ike) == -1 ||
	    parse_sa(ld, config_setting_get_member(g, "esp"), "esp",
	    CONFIG_PROPOSAL_ESP, &p->esp) == -1 ||
	    parse_dpd(ld, config_setting_get_member(g, "dpd"), &p->dpd) ==
	    -1 ||
	    parse_vti_peer(ld, g, config_setting_get_member(g, "vti"), p) ==
	    -1)
		return -1;
	return 0;
}

/* What two peers must not share. b is the later one: errors point at it. */
static int
check_pair(struct loader *ld, const config_setting_t *gb,
    const struct config_peer *a, const struct config_peer *b)
{
	const config_setting_t *s;
	char x[INET6_ADDRSTRLEN];
	size_t i, j;

	if (strcmp(a->name, b->name) == 0)
		return fail(ld, config_setting_get_member(gb, "name"),
		    "name: already used by the peer at %s", a->origin);
	if (a->mark == b->mark)
		return fail(ld, config_setting_get_member(gb, "mark"),
		    "mark: %u already used by peer '%s'", b->mark, a->name);
	if (addr_equal(&a->local, &b->local) && addr_equal(&a->remote, &b->remote))
		return fail(ld, config_setting_get_member(gb, "remote"),
		    "remote: %s with this local address already used by "
		    "peer '%s'", addr_str(&b->remote, x, sizeof(x)),
		    a->name);
	s = config_setting_get_member(gb, "vti");
	if (strcmp(a->vti.name, b->vti.name) == 0)
		return fail(ld, s != NULL ? member_or(s, "name") : gb,
		    "vti.name: '%s' already used by peer '%s'", b->vti.name,
		    a->name);
	if (s == NULL || strcmp(a->vti.netns, b->vti.netns) != 0)
		return 0;
	for (i = 0; i < b->vti.n_addrs; i++)
		for (j = 0; j < a->vti.n_addrs; j++)
			if (addr_equal(&b->vti.addrs[i].addr,
			    &a->vti.addrs[j].addr))
				return fail(ld, config_setting_get_member(s,
				    "addresses"), "vti.addresses: %s already "
				    "on the VTI of peer '%s'",
				    addr_str(&b->vti.addrs[i].addr, x,
				    sizeof(x)), a->name);
	return 0;
}

static int
parse_peers(struct loader *ld, const config_setting_t *list)
{
	struct vtid_config *c = ld->conf;
	const config_setting_t *g;
	size_t i, j, n;

	if (list == NULL)
		return 0;
	n = (size_t)config_setting_length(list);
	if (n == 0)
		return 0;
	if ((c->peers = calloc(n, sizeof(*c->peers))) == NULL)
		return fail(ld, list, "peers: out of memory");
	for (i = 0; i < n; i++) {
		g = config_setting_get_elem(list, (unsigned)i);
		c->n_peers = i + 1;	/* so that config_free sees its PSK */
		if (parse_peer(ld, g, i, &c->peers[i]) == -1)
			return -1;
		for (j = 0; j < i; j++)
			if (check_pair(ld, g, &c->peers[j], &c->peers[i]) == -1)
				return -1;
	}
	ld->ctx[0] = '\0';
	return 0;
}

static void
defaults(struct vtid_config *c)
{
	snprintf(c->control_socket, sizeof(c->control_socket), "%s",
	    CONFIG_DEFAULT_SOCKET);
	c->log_level = LOG_INFO;
	c->reqid_base = 0x40000000;
	c->start = CONFIG_START_ROUTE;
	c->keying_tries = CONFIG_FOREVER;
	c->retransmit = (struct config_retransmit){
		.timeout_ms = 4000, .base = 1.8, .limit_ms = 60000, .tries = 5,
	};
	snprintf(c->ike.proposals, sizeof(c->ike.proposals), "default");
	c->ike.life = (struct config_lifetime){ 14400, 1440, 1440 };
	snprintf(c->esp.proposals, sizeof(c->esp.proposals), "default");
	c->esp.life = (struct config_lifetime){ 3600, 360, 360 };
	c->dpd = (struct config_dpd){ 30, 150, CONFIG_DPD_RESTART };
	snprintf(c->vti.pattern, sizeof(c->vti.pattern), "vti%%mark%%");
	c->vti.mtu = 1500;
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
		fail(&ld, NULL, "out of memory");
		goto done;
	}
	defaults(ld.conf);
	if (strlen(path) >= sizeof(ld.conf->path)) {
		fail(&ld, NULL, "path too long");
		goto done;
	}
	snprintf(ld.conf->path, sizeof(ld.conf->path), "%s", path);
	if ((slash = strrchr(path, '/')) != NULL)
		snprintf(ld.dir, sizeof(ld.dir), "%.*s",
		    slash == path ? 1 : (int)(slash - path), path);

	/* libconfig says only "file I/O error": find out why first. */
	if ((fp = fopen(path, "r")) == NULL) {
		fail(&ld, NULL, "cannot read: %s", strerror(errno));
		goto done;
	}
	if (fstat(fileno(fp), &st) == 0)
		ld.mode = st.st_mode;
	fclose(fp);
	if (ld.dir[0] != '\0')
		config_set_include_dir(&ld.cfg, ld.dir);
	if (config_read_file(&ld.cfg, path) != CONFIG_TRUE) {
		const char *file = file_name(&ld, config_error_file(&ld.cfg));

		snprintf(err->file, sizeof(err->file), "%s", file);
		err->line = (unsigned)config_error_line(&ld.cfg);
		snprintf(err->msg, sizeof(err->msg), "%s:%d: %s", file,
		    config_error_line(&ld.cfg), config_error_text(&ld.cfg));
		goto done;
	}
	loaded = true;

	if (parse_globals(&ld, config_root_setting(&ld.cfg)) == -1 ||
	    parse_peers(&ld, config_setting_get_member(
	    config_root_setting(&ld.cfg), "peers")) == -1)
		goto done;
	if (ld.inline_psk && (ld.mode & (S_IRWXG | S_IRWXO)))
		warn(&ld, NULL, "holds inline PSKs and is readable or writable "
		    "by group or others (mode %04o): chmod 600 it, or use "
		    "psk_file", (unsigned)(ld.mode & 07777));
	rc = 0;
done:
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
	for (i = 0; i < c->n_peers; i++) {
		if (c->peers[i].psk != NULL) {
			OPENSSL_cleanse(c->peers[i].psk, c->peers[i].psk_len);
			free(c->peers[i].psk);
		}
	}
	free(c->peers);
	free(c->warnings);
	free(c);
}

const struct config_peer *
config_peer_find(const struct vtid_config *c, const char *name)
{
	size_t i;

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

	if (strcmp(a->name, b->name) != 0 || strcmp(a->netns, b->netns) != 0 ||
	    a->mtu != b->mtu || a->n_addrs != b->n_addrs)
		return false;
	for (i = 0; i < a->n_addrs; i++)
		if (!addr_equal(&a->addrs[i].addr, &b->addrs[i].addr) ||
		    a->addrs[i].len != b->addrs[i].len)
			return false;
	return true;
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
	    id_eq(&a->local_id, &b->local_id) &&
	    id_eq(&a->remote_id, &b->remote_id) &&
	    a->mark == b->mark && a->reqid == b->reqid &&
	    a->start == b->start && a->keying_tries == b->keying_tries &&
	    sa_eq(&a->ike, &b->ike) && sa_eq(&a->esp, &b->esp) &&
	    a->dpd.delay == b->dpd.delay && a->dpd.timeout == b->dpd.timeout &&
	    a->dpd.action == b->dpd.action && vti_eq(&a->vti, &b->vti);
}
