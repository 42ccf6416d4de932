/* The loader's walk of the libconfig tree: messages that name file:line,
 * each section checked against its table of settings, and typed values
 * read with their ranges. */
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/priv.h"

/* ---- messages ---- */

/* The name of a file libconfig read, for messages: an @include is named
 * as written, relative to our directory. */
const char *
cfg_file_name(struct loader *ld, const char *f)
{
	if (f == NULL || strcmp(f, ld->path) == 0)
		return ld->path;
	if (f[0] != '/' && ld->dir[0] != '\0' &&
	    snprintf(ld->filebuf, sizeof(ld->filebuf), "%s/%s", ld->dir, f) <
	    (int)sizeof(ld->filebuf))
		return ld->filebuf;
	return f;
}

void
cfg_where(struct loader *ld, const config_setting_t *at, const char **file,
    unsigned *line)
{
	*file = ld->path;
	*line = 0;
	if (at == NULL)
		return;
	*line = config_setting_source_line(at);
	*file = cfg_file_name(ld, config_setting_source_file(at));
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

/* Record the error at setting at (NULL: the file). Returns -1. */
int
cfg_fail(struct loader *ld, const config_setting_t *at, const char *fmt, ...)
{
	struct config_error *e = ld->err;
	char msg[CONFIG_MSG_MAX];
	const char *file;
	unsigned line;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cfg_where(ld, at, &file, &line);
	snprintf(e->file, sizeof(e->file), "%s", file);
	e->line = line;
	format_at(e->msg, sizeof(e->msg), file, line, ld->ctx, msg);
	return -1;
}

void
cfg_warn(struct loader *ld, const config_setting_t *at, const char *fmt, ...)
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
	cfg_where(ld, at, &file, &line);
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
int
cfg_check_keys(struct loader *ld, const config_setting_t *group,
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
			return cfg_fail(ld, s, "%s%sunknown setting '%s'", sect,
			    sect[0] != '\0' ? ": " : "", name);
		if (!(type_of(s) & k->types))
			return cfg_fail(ld, s, "%s%s%s: expected %s", sect, dot,
			    name, types_str(k->types));
	}
	return 0;
}

const char *
cfg_get_str(const config_setting_t *g, const char *name,
    const config_setting_t **s)
{
	*s = config_setting_get_member(g, name);
	if (*s == NULL || config_setting_type(*s) != CONFIG_TYPE_STRING)
		return NULL;
	return config_setting_get_string(*s);
}

/* Copy a string setting, checking its length. */
int
cfg_copy_str(struct loader *ld, const config_setting_t *s, const char *key,
    const char *v, char *dst, size_t dstlen)
{
	size_t n = strlen(v);

	if (n >= dstlen)
		return cfg_fail(ld, s, "%s: longer than %zu characters", key,
		    dstlen - 1);
	memcpy(dst, v, n + 1);
	return 0;
}

/* An integer in [min, max]; absent leaves *v alone. */
int
cfg_get_uint(struct loader *ld, const config_setting_t *g, const char *name,
    const char *key, long long min, long long max, uint32_t *v)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	long long x;

	if (s == NULL)
		return 0;
	x = config_setting_get_int64(s);
	if (x < min || x > max)
		return cfg_fail(ld, s, "%s: must be %lld to %lld", key, min, max);
	*v = (uint32_t)x;
	return 0;
}

/* Seconds, as an integer or a duration string ("4h"). */
int
cfg_get_duration(struct loader *ld, const config_setting_t *g, const char *name,
    const char *key, uint32_t *v)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	long long x;

	if (s == NULL)
		return 0;
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		if (config_duration_parse(config_setting_get_string(s), v) ==
		    -1)
			return cfg_fail(ld, s, "%s: '%s' is not a duration (like "
			    "3600, \"90s\", \"15m\", \"4h\", \"1d\")", key,
			    config_setting_get_string(s));
		return 0;
	}
	x = config_setting_get_int64(s);
	if (x < 0 || x > UINT32_MAX)
		return cfg_fail(ld, s, "%s: must be 0 to %u seconds", key,
		    UINT32_MAX);
	*v = (uint32_t)x;
	return 0;
}

/* A count that may be "forever". zero_forever: 0 also means forever
 * (strongSwan's keyingtries). */
int
cfg_get_tries(struct loader *ld, const config_setting_t *g, const char *name,
    const char *key, bool zero_forever, uint32_t *v)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	long long x;

	if (s == NULL)
		return 0;
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		if (strcmp(config_setting_get_string(s), "forever") != 0)
			return cfg_fail(ld, s, "%s: expected a number or "
			    "\"forever\"", key);
		*v = CONFIG_FOREVER;
		return 0;
	}
	x = config_setting_get_int64(s);
	if (x < 0 || x >= UINT32_MAX)
		return cfg_fail(ld, s, "%s: must be 0 to %u or \"forever\"", key,
		    UINT32_MAX - 1);
	*v = x == 0 && zero_forever ? CONFIG_FOREVER : (uint32_t)x;
	return 0;
}

/* Milliseconds from a number of seconds (4 or 0.5). */
int
cfg_get_ms(struct loader *ld, const config_setting_t *g, const char *name,
    const char *key, double min, double max, uint32_t *v)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	double x;

	if (s == NULL)
		return 0;
	x = config_setting_type(s) == CONFIG_TYPE_FLOAT ?
	    config_setting_get_float(s) : (double)config_setting_get_int64(s);
	if (!(x >= min && x <= max))
		return cfg_fail(ld, s, "%s: must be %g to %g seconds", key, min,
		    max);
	*v = (uint32_t)(x * 1000 + 0.5);
	return 0;
}

int
cfg_get_enum(struct loader *ld, const config_setting_t *g, const char *name,
    const char *key, const char *(*namefn)(int), int n, int *v)
{
	const config_setting_t *s;
	const char *str = cfg_get_str(g, name, &s);
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
	return cfg_fail(ld, s, "%s: unknown value '%s' (%s)", key, str, all);
}

static const char *
start_name_i(int i)
{
	return config_start_name((enum config_start)i);
}

const char *
cfg_dpd_name_i(int i)
{
	return config_dpd_action_name((enum config_dpd_action)i);
}

int
cfg_get_start(struct loader *ld, const config_setting_t *g, const char *key,
    enum config_start *v)
{
	int i = (int)*v;

	if (cfg_get_enum(ld, g, "start", key, start_name_i, 3, &i) == -1)
		return -1;
	*v = (enum config_start)i;
	return 0;
}

/* ---- typed values ---- */

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
const config_setting_t *
cfg_member_or(const config_setting_t *g, const char *name)
{
	const config_setting_t *s = config_setting_get_member(g, name);

	return s != NULL ? s : g;
}

/* An endpoint address: a literal, not unspecified nor multicast. */
int
cfg_get_addr(struct loader *ld, const config_setting_t *s, const char *key,
    const char *v, struct sockaddr_storage *ss)
{
	if (addr_parse(v, ss) == -1)
		return cfg_fail(ld, s, "%s: '%s' is not an IP address", key, v);
	if (!addr_usable(ss))
		return cfg_fail(ld, s, "%s: '%s' is not a unicast address", key,
		    v);
	return 0;
}

