/* The impair spec language (impair.h): text to rules and back, and which
 * message a rule selects. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "daemon/impair.h"
#include "ike/ikev2.h"

#define IKE_HDR_LEN	28
#define IKE_HDR_EXCH	18	/* offsets in the fixed header */
#define IKE_HDR_FLAGS	19
#define IMPAIR_DELAY_MAX_MS	600000	/* ten minutes: a typo, not a test */

struct name_val {
	const char	*name;
	int		 val;
};

static const struct name_val exchanges[] = {
	{ "any", IMPAIR_EXCH_ANY },
	{ "init", IKE_SA_INIT },
	{ "auth", IKE_AUTH },
	{ "child", CREATE_CHILD_SA },
	{ "info", INFORMATIONAL },
	{ NULL, 0 },
};

static const struct name_val calls[] = {
	{ "send", IMPAIR_CALL_SEND },
	{ "spi_alloc", IMPAIR_CALL_SPI_ALLOC },
	{ "sa_add", IMPAIR_CALL_SA_ADD },
	{ "sa_del", IMPAIR_CALL_SA_DEL },
	{ "policies", IMPAIR_CALL_POLICIES },
	{ "child_counters", IMPAIR_CALL_COUNTERS },
	{ NULL, 0 },
};

/* The errors a kernel call plausibly returns; any number is taken too. */
static const struct name_val errnos[] = {
	{ "EIO", EIO }, { "ENOBUFS", ENOBUFS }, { "ENOMEM", ENOMEM },
	{ "EEXIST", EEXIST }, { "ENOENT", ENOENT }, { "ESRCH", ESRCH },
	{ "EINVAL", EINVAL }, { "EPERM", EPERM }, { "EAGAIN", EAGAIN },
	{ "EBUSY", EBUSY }, { "ENETUNREACH", ENETUNREACH },
	{ "EHOSTUNREACH", EHOSTUNREACH }, { NULL, 0 },
};

static const char *const action_names[IMPAIR_ACTIONS] = {
	"drop", "dup", "delay", "corrupt", "fail",
};

const char *
impair_action_name(enum impair_action a)
{
	return a < IMPAIR_ACTIONS ? action_names[a] : "?";
}

static int
lookup(const struct name_val *t, const char *s, size_t len)
{
	for (; t->name != NULL; t++)
		if (strlen(t->name) == len && strncasecmp(t->name, s, len) == 0)
			return t->val;
	return -1;
}

static const char *
name_of(const struct name_val *t, int val)
{
	for (; t->name != NULL; t++)
		if (t->val == val)
			return t->name;
	return NULL;
}

/* A decimal number filling [s, end), within [min, max]. */
static bool
number(const char *s, const char *end, uint64_t min, uint64_t max,
    uint64_t *out)
{
	uint64_t v = 0;

	if (s == end)
		return false;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* "every", "N", "N-M", "N+". */
static bool
parse_which(struct impair_rule *r, const char *s, const char *end)
{
	const char *dash = memchr(s, '-', (size_t)(end - s));

	r->first = 1;
	r->last = 0;
	if ((size_t)(end - s) == 5 && strncasecmp(s, "every", 5) == 0)
		return true;
	if (end > s && end[-1] == '+')
		return number(s, end - 1, 1, UINT64_MAX, &r->first);
	if (dash != NULL)
		return number(s, dash, 1, UINT64_MAX, &r->first) &&
		    number(dash + 1, end, r->first, UINT64_MAX, &r->last);
	if (!number(s, end, 1, UINT64_MAX, &r->first))
		return false;
	r->last = r->first;
	return true;
}

/* DIR.EXCH[.KIND] */
static bool
parse_selector(struct impair_rule *r, const char *s, const char *end)
{
	const char *dot = memchr(s, '.', (size_t)(end - s)), *dot2;
	int v;

	if (dot == NULL)
		return false;
	if (dot - s == 2 && strncasecmp(s, "in", 2) == 0)
		r->dir = IMPAIR_IN;
	else if (dot - s == 3 && strncasecmp(s, "out", 3) == 0)
		r->dir = IMPAIR_OUT;
	else
		return false;
	s = dot + 1;
	dot2 = memchr(s, '.', (size_t)(end - s));
	if ((v = lookup(exchanges, s, (size_t)((dot2 ? dot2 : end) - s))) < 0)
		return false;
	r->exchange = (uint8_t)v;
	r->kinds = IMPAIR_KIND_REQ | IMPAIR_KIND_RESP;
	if (dot2 == NULL)
		return true;
	s = dot2 + 1;
	if (end - s == 3 && strncasecmp(s, "req", 3) == 0)
		r->kinds = IMPAIR_KIND_REQ;
	else if (end - s == 4 && strncasecmp(s, "resp", 4) == 0)
		r->kinds = IMPAIR_KIND_RESP;
	else
		return false;
	return true;
}

/* ACTION, for a message rule or a call rule. */
static bool
parse_action(struct impair_rule *r, const char *s, const char *end)
{
	const char *eq = memchr(s, '=', (size_t)(end - s));
	size_t word = (size_t)((eq ? eq : end) - s);
	uint64_t v;
	int e;

	if (r->call != IMPAIR_CALL_NONE) {
		if (word != 4 || strncasecmp(s, "fail", 4) != 0)
			return false;
		r->action = IMPAIR_FAIL;
		r->err = EIO;
		if (eq == NULL)
			return true;
		if ((e = lookup(errnos, eq + 1, (size_t)(end - eq - 1))) > 0) {
			r->err = e;
			return true;
		}
		if (!number(eq + 1, end, 1, 4095, &v))
			return false;
		r->err = (int)v;
		return true;
	}
	for (e = 0; e < IMPAIR_FAIL; e++)
		if (strlen(action_names[e]) == word &&
		    strncasecmp(s, action_names[e], word) == 0)
			break;
	if (e == IMPAIR_FAIL || (e == IMPAIR_DELAY) != (eq != NULL))
		return false;
	r->action = (enum impair_action)e;
	if (e == IMPAIR_DELAY) {
		if (!number(eq + 1, end, 1, IMPAIR_DELAY_MAX_MS, &v))
			return false;
		r->delay_ms = (unsigned)v;
	}
	return true;
}

static bool
parse_rule(struct impair_rule *r, const char *s, const char *end)
{
	const char *colon = memchr(s, ':', (size_t)(end - s));
	const char *at;
	int c;

	memset(r, 0, sizeof(*r));
	if (colon == NULL)
		return false;
	at = memchr(colon, '@', (size_t)(end - colon));
	if ((c = lookup(calls, s, (size_t)(colon - s))) > 0)
		r->call = (enum impair_call)c;
	else if (!parse_selector(r, s, colon))
		return false;
	if (!parse_action(r, colon + 1, at != NULL ? at : end))
		return false;
	if (at == NULL) {
		r->first = 1;
		return true;
	}
	return parse_which(r, at + 1, end);
}

int
impair_spec_parse(struct impair_spec *sp, const char *text, char *why,
    size_t len)
{
	static const char seps[] = " \t\n,;";
	const char *s = text, *end;
	struct impair_rule r;

	memset(sp, 0, sizeof(*sp));
	while (*(s += strspn(s, seps)) != '\0') {
		end = s + strcspn(s, seps);
		if ((end - s == 4 && strncasecmp(s, "none", 4) == 0) ||
		    (end - s == 3 && strncasecmp(s, "off", 3) == 0)) {
			s = end;
			continue;
		}
		if (!parse_rule(&r, s, end)) {
			snprintf(why, len, "impair: bad rule '%.*s' (DIR.EXCH"
			    "[.KIND]:drop|dup|delay=MS|corrupt[@WHICH] or "
			    "CALL:fail[=ERRNO][@WHICH]; see vtid(8))",
			    (int)(end - s > 64 ? 64 : end - s), s);
			return -1;
		}
		if (sp->n == IMPAIR_RULES_MAX) {
			snprintf(why, len, "impair: more than %d rules",
			    IMPAIR_RULES_MAX);
			return -1;
		}
		sp->rules[sp->n++] = r;
		s = end;
	}
	return 0;
}

void
impair_rule_format(const struct impair_rule *r, char *buf, size_t len)
{
	char which[48], act[32];
	const char *e;

	if (r->first == 1 && r->last == 0)
		snprintf(which, sizeof(which), "every");
	else if (r->last == 0)
		snprintf(which, sizeof(which), "%" PRIu64 "+", r->first);
	else if (r->last == r->first)
		snprintf(which, sizeof(which), "%" PRIu64, r->first);
	else
		snprintf(which, sizeof(which), "%" PRIu64 "-%" PRIu64,
		    r->first, r->last);
	if (r->action == IMPAIR_DELAY)
		snprintf(act, sizeof(act), "delay=%u", r->delay_ms);
	else if (r->action == IMPAIR_FAIL && (e = name_of(errnos, r->err)))
		snprintf(act, sizeof(act), "fail=%s", e);
	else if (r->action == IMPAIR_FAIL)
		snprintf(act, sizeof(act), "fail=%d", r->err);
	else
		snprintf(act, sizeof(act), "%s", impair_action_name(r->action));
	if (r->call != IMPAIR_CALL_NONE)
		snprintf(buf, len, "%s:%s@%s", name_of(calls, (int)r->call),
		    act, which);
	else
		snprintf(buf, len, "%s.%s%s:%s@%s",
		    r->dir == IMPAIR_IN ? "in" : "out",
		    name_of(exchanges, r->exchange),
		    r->kinds == IMPAIR_KIND_REQ ? ".req" :
		    r->kinds == IMPAIR_KIND_RESP ? ".resp" : "", act, which);
}

bool
impair_rule_matches(const struct impair_rule *r, enum impair_dir dir,
    const uint8_t *buf, size_t len)
{
	uint8_t kind;

	if (r->call != IMPAIR_CALL_NONE || r->dir != dir)
		return false;
	/* Too short to have a header: only "any" takes it, as a request. */
	if (len < IKE_HDR_LEN)
		return r->exchange == IMPAIR_EXCH_ANY &&
		    (r->kinds & IMPAIR_KIND_REQ) != 0;
	kind = (buf[IKE_HDR_FLAGS] & IKE_FLAG_RESPONSE) ? IMPAIR_KIND_RESP :
	    IMPAIR_KIND_REQ;
	return (r->exchange == IMPAIR_EXCH_ANY ||
	    r->exchange == buf[IKE_HDR_EXCH]) && (r->kinds & kind) != 0;
}
