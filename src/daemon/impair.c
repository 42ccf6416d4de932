/* Test-only fault injection: see impair.h. The engine's ops are wrapped
 * (outbound messages, kernel calls) and so is its input; whatever no rule
 * selects goes through unchanged. */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/impair.h"
#include "util/addr.h"
#include "util/log.h"

/* A datagram held back by a delay rule, in or out. */
struct impair_held {
	ev_timer	 timer;
	struct impair	*imp;
	struct impair_held *next;
	enum impair_dir	 dir;
	struct sockaddr_storage local, remote;
	bool		 natt;
	size_t		 len;
	uint8_t		 buf[];
};

struct impair {
	struct ev_loop	*loop;
	struct ike_ops	 inner;
	struct ike_engine *eng;
	struct impair_spec spec;
	struct impair_held *held;
	uint64_t	 counts[IMPAIR_ACTIONS];
};

struct impair *
impair_new(struct ev_loop *loop)
{
	struct impair *imp = calloc(1, sizeof(*imp));

	if (imp != NULL)
		imp->loop = loop;
	return imp;
}

int
impair_from_env(struct ev_loop *loop, struct impair **out, char *why,
    size_t len)
{
	const char *spec = getenv(IMPAIR_ENV);

	*out = NULL;
	if (spec == NULL)
		return 0;
	if ((*out = impair_new(loop)) == NULL) {
		snprintf(why, len, "impair: %s", strerror(ENOMEM));
		return -1;
	}
	if (impair_set(*out, spec, why, len) == -1) {
		impair_free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* Loud on purpose: a daemon that loses messages on purpose must say so
 * in every log that could be read as a bug report. */
int
impair_set(struct impair *imp, const char *spec, char *why, size_t len)
{
	struct impair_spec sp;
	char line[IMPAIR_SPEC_MAX], rule[96];
	size_t i, off = 0;

	if (impair_spec_parse(&sp, spec, why, len) == -1)
		return -1;
	imp->spec = sp;
	line[0] = '\0';
	for (i = 0; i < sp.n; i++) {
		impair_rule_format(&sp.rules[i], rule, sizeof(rule));
		off += (size_t)snprintf(line + off, sizeof(line) - off, " %s",
		    rule);
		if (off >= sizeof(line))
			break;
	}
	log_warn("IMPAIR: test-only fault injection (%s) is on: %s",
	    IMPAIR_ENV, sp.n > 0 ? line + 1 : "no rule yet");
	return 0;
}

void
impair_attach(struct impair *imp, struct ike_engine *eng)
{
	imp->eng = eng;
}

/* The first rule that selects this occurrence; each matching rule counts
 * it, so "@2" means the second message the rule's selector matches
 * whatever the other rules did. */
static struct impair_rule *
rule_for(struct impair *imp, enum impair_call call, enum impair_dir dir,
    const uint8_t *buf, size_t len)
{
	struct impair_rule *r, *act = NULL;
	size_t i;

	for (i = 0; i < imp->spec.n; i++) {
		r = &imp->spec.rules[i];
		if (call == IMPAIR_CALL_NONE ?
		    !impair_rule_matches(r, dir, buf, len) : r->call != call)
			continue;
		r->seen++;
		if (act == NULL && r->seen >= r->first &&
		    (r->last == 0 || r->seen <= r->last))
			act = r;
	}
	if (act != NULL) {
		act->done++;
		imp->counts[act->action]++;
	}
	return act;
}

static void
log_action(const struct impair_rule *r, enum impair_dir dir,
    const struct sockaddr_storage *peer, const uint8_t *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN + 8], rule[96];

	impair_rule_format(r, rule, sizeof(rule));
	log_notice("IMPAIR %s: %s message %s %s, exchange %u%s, %zu bytes "
	    "(occurrence %" PRIu64 ")", rule, impair_action_name(r->action),
	    dir == IMPAIR_IN ? "from" : "to", addr_str(peer, a, sizeof(a)),
	    len >= 28 ? buf[18] : 0, len >= 28 && (buf[19] & 0x20) ?
	    " response" : "", len, r->seen);
}

/* The last byte flipped: in an SK message that is the ICV, so the
 * receiver must drop it as forged; in IKE_SA_INIT it changes a payload. */
static void
corrupt(uint8_t *buf, size_t len)
{
	if (len > 0)
		buf[len - 1] ^= 0x5a;
}

static void
held_unlink(struct impair_held *h)
{
	struct impair_held **pp;

	for (pp = &h->imp->held; *pp != NULL; pp = &(*pp)->next)
		if (*pp == h) {
			*pp = h->next;
			break;
		}
}

static void
held_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct impair_held *h = t->data;
	struct impair *imp = h->imp;

	held_unlink(h);
	if (h->dir == IMPAIR_OUT)
		(void)imp->inner.send(imp->inner.ctx, &h->local, &h->remote,
		    h->natt, h->buf, h->len);
	else if (imp->eng != NULL)
		ike_input(imp->eng, &h->local, &h->remote, h->natt, h->buf,
		    h->len);
	free(h);
}

static int
hold(struct impair *imp, const struct impair_rule *r, enum impair_dir dir,
    const struct sockaddr_storage *local,
    const struct sockaddr_storage *remote, bool natt, const uint8_t *buf,
    size_t len)
{
	struct impair_held *h = malloc(sizeof(*h) + len);

	if (h == NULL)
		return -ENOMEM;
	memset(h, 0, sizeof(*h));
	h->imp = imp;
	h->dir = dir;
	h->local = *local;
	h->remote = *remote;
	h->natt = natt;
	h->len = len;
	memcpy(h->buf, buf, len);
	ev_timer_init(&h->timer, held_cb, r->delay_ms / 1000.0, 0);
	h->timer.data = h;
	ev_timer_start(imp->loop, &h->timer);
	h->next = imp->held;
	imp->held = h;
	return 0;
}

/* ---- outbound messages and kernel calls: the wrapped ike_ops ---- */

static int
w_send(void *ctx, const struct sockaddr_storage *local,
    const struct sockaddr_storage *remote, bool natt, const uint8_t *buf,
    size_t len)
{
	struct impair *imp = ctx;
	struct impair_rule *r, *f;
	uint8_t *copy;
	int rc;

	if ((f = rule_for(imp, IMPAIR_CALL_SEND, IMPAIR_OUT, buf, len))) {
		log_notice("IMPAIR send:fail: %s (occurrence %" PRIu64 ")",
		    strerror(f->err), f->seen);
		return -f->err;
	}
	if ((r = rule_for(imp, IMPAIR_CALL_NONE, IMPAIR_OUT, buf, len)) == NULL)
		return imp->inner.send(imp->inner.ctx, local, remote, natt,
		    buf, len);
	log_action(r, IMPAIR_OUT, remote, buf, len);
	switch (r->action) {
	case IMPAIR_DROP:
		return 0;	/* lost on the way: the sender cannot know */
	case IMPAIR_DUP:
		rc = imp->inner.send(imp->inner.ctx, local, remote, natt, buf,
		    len);
		(void)imp->inner.send(imp->inner.ctx, local, remote, natt, buf,
		    len);
		return rc;
	case IMPAIR_DELAY:
		return hold(imp, r, IMPAIR_OUT, local, remote, natt, buf, len);
	case IMPAIR_CORRUPT:
		if ((copy = malloc(len > 0 ? len : 1)) == NULL)
			return -ENOMEM;
		memcpy(copy, buf, len);
		corrupt(copy, len);
		rc = imp->inner.send(imp->inner.ctx, local, remote, natt, copy,
		    len);
		free(copy);
		return rc;
	case IMPAIR_FAIL:
	case IMPAIR_ACTIONS:
		break;
	}
	return imp->inner.send(imp->inner.ctx, local, remote, natt, buf, len);
}

/* A failing call says which peer it failed for, as the real one would. */
static struct impair_rule *
call_fails(struct impair *imp, enum impair_call call,
    const struct ike_peer_conf *pc, const char *what)
{
	struct impair_rule *r = rule_for(imp, call, IMPAIR_OUT, NULL, 0);

	if (r != NULL)
		log_msg(LOG_ERR, pc->name, "IMPAIR %s: %s fails: %s "
		    "(occurrence %" PRIu64 ")", what, what, strerror(r->err),
		    r->seen);
	return r;
}

static int
w_spi_alloc(void *ctx, const struct ike_peer_conf *pc, uint32_t *spi)
{
	struct impair *imp = ctx;
	struct impair_rule *r;

	if ((r = call_fails(imp, IMPAIR_CALL_SPI_ALLOC, pc, "spi_alloc")))
		return -r->err;
	return imp->inner.spi_alloc(imp->inner.ctx, pc, spi);
}

static int
w_sa_add(void *ctx, const struct ike_peer_conf *pc,
    const struct ike_sa_kernel *k)
{
	struct impair *imp = ctx;
	struct impair_rule *r;

	if ((r = call_fails(imp, IMPAIR_CALL_SA_ADD, pc, "sa_add")))
		return -r->err;
	return imp->inner.sa_add(imp->inner.ctx, pc, k);
}

/* sa_del cannot fail to the engine: the impaired call is not made, as
 * when the request is lost, and the SA stays in the kernel. */
static void
w_sa_del(void *ctx, const struct ike_peer_conf *pc,
    const struct sockaddr_storage *dst, uint32_t spi)
{
	struct impair *imp = ctx;

	if (call_fails(imp, IMPAIR_CALL_SA_DEL, pc, "sa_del"))
		return;
	imp->inner.sa_del(imp->inner.ctx, pc, dst, spi);
}

static int
w_policies(void *ctx, const struct ike_peer_conf *pc,
    const struct sockaddr_storage *remote, bool v4, bool v6)
{
	struct impair *imp = ctx;
	struct impair_rule *r;

	if ((r = call_fails(imp, IMPAIR_CALL_POLICIES, pc, "policies")))
		return -r->err;
	return imp->inner.policies(imp->inner.ctx, pc, remote, v4, v6);
}

static int
w_counters(void *ctx, const struct ike_peer_conf *pc,
    const struct sockaddr_storage *dst, uint32_t spi, uint64_t *bytes,
    uint64_t *packets)
{
	struct impair *imp = ctx;
	struct impair_rule *r;

	if ((r = call_fails(imp, IMPAIR_CALL_COUNTERS, pc, "child_counters")))
		return -r->err;
	return imp->inner.child_counters(imp->inner.ctx, pc, dst, spi, bytes,
	    packets);
}

static void
w_counters_batch(void *ctx, bool begin)
{
	struct impair *imp = ctx;

	imp->inner.counters_batch(imp->inner.ctx, begin);
}

static void
w_link(void *ctx, const struct ike_peer_conf *pc, bool up)
{
	struct impair *imp = ctx;

	if (imp->inner.link != NULL)
		imp->inner.link(imp->inner.ctx, pc, up);
}

static int
w_sa_encap(void *ctx, const struct ike_peer_conf *pc,
    const struct sockaddr_storage *dst, uint32_t spi, uint16_t sport,
    uint16_t dport)
{
	struct impair *imp = ctx;

	return imp->inner.sa_encap(imp->inner.ctx, pc, dst, spi, sport,
	    dport);
}

static int
w_keepalive(void *ctx, const struct sockaddr_storage *local,
    const struct sockaddr_storage *remote)
{
	struct impair *imp = ctx;

	return imp->inner.keepalive != NULL ?
	    imp->inner.keepalive(imp->inner.ctx, local, remote) : 0;
}

void
impair_wrap(struct impair *imp, const struct ike_ops *inner,
    struct ike_ops *out)
{
	imp->inner = *inner;
	memset(out, 0, sizeof(*out));
	out->send = w_send;
	out->spi_alloc = w_spi_alloc;
	out->sa_add = w_sa_add;
	out->sa_del = w_sa_del;
	out->sa_encap = imp->inner.sa_encap != NULL ? w_sa_encap : NULL;
	out->policies = w_policies;
	out->child_counters = w_counters;
	out->counters_batch = imp->inner.counters_batch != NULL ?
	    w_counters_batch : NULL;
	out->link = w_link;
	out->keepalive = w_keepalive;
	out->ctx = imp;
}

/* ---- inbound ---- */

void
impair_input(struct impair *imp, const struct sockaddr_storage *local,
    const struct sockaddr_storage *remote, bool natt, const uint8_t *buf,
    size_t len)
{
	struct impair_rule *r = rule_for(imp, IMPAIR_CALL_NONE, IMPAIR_IN, buf,
	    len);
	uint8_t *copy;

	if (r == NULL) {
		ike_input(imp->eng, local, remote, natt, buf, len);
		return;
	}
	log_action(r, IMPAIR_IN, remote, buf, len);
	switch (r->action) {
	case IMPAIR_DROP:
		return;
	case IMPAIR_DUP:
		ike_input(imp->eng, local, remote, natt, buf, len);
		ike_input(imp->eng, local, remote, natt, buf, len);
		return;
	case IMPAIR_DELAY:
		if (hold(imp, r, IMPAIR_IN, local, remote, natt, buf, len) != 0)
			log_err("IMPAIR: no memory to hold a datagram: "
			    "dropped");
		return;
	case IMPAIR_CORRUPT:
		/* The receive buffer is the network's: change a copy. */
		if ((copy = malloc(len > 0 ? len : 1)) == NULL)
			return;
		memcpy(copy, buf, len);
		corrupt(copy, len);
		ike_input(imp->eng, local, remote, natt, copy, len);
		free(copy);
		return;
	case IMPAIR_FAIL:
	case IMPAIR_ACTIONS:
		break;
	}
	ike_input(imp->eng, local, remote, natt, buf, len);
}

void
impair_free(struct impair *imp)
{
	struct impair_held *h;

	if (imp == NULL)
		return;
	while ((h = imp->held) != NULL) {
		imp->held = h->next;
		ev_timer_stop(imp->loop, &h->timer);
		free(h);
	}
	free(imp);
}

/* ---- what it did ---- */

uint64_t
impair_count(const struct impair *imp, enum impair_action a)
{
	return a < IMPAIR_ACTIONS ? imp->counts[a] : 0;
}

size_t
impair_pending(const struct impair *imp)
{
	const struct impair_held *h;
	size_t n = 0;

	for (h = imp->held; h != NULL; h = h->next)
		n++;
	return n;
}

void
impair_describe(const struct impair *imp, FILE *out)
{
	char rule[96];
	size_t i;
	int a;

	fprintf(out, "IMPAIR (test-only fault injection): %zu rules;",
	    imp->spec.n);
	for (a = 0; a < IMPAIR_ACTIONS; a++)
		fprintf(out, " %s %" PRIu64, impair_action_name(a),
		    imp->counts[a]);
	fprintf(out, "; %zu held\n", impair_pending(imp));
	for (i = 0; i < imp->spec.n; i++) {
		impair_rule_format(&imp->spec.rules[i], rule, sizeof(rule));
		fprintf(out, "  %s: matched %" PRIu64 ", acted %" PRIu64 "\n",
		    rule, imp->spec.rules[i].seen, imp->spec.rules[i].done);
	}
}

void
impair_metrics(const struct impair *imp, FILE *out)
{
	int a;

	fprintf(out, "# HELP vtid_impair_active 1: test-only fault injection "
	    "(VTID_IMPAIR) is on\n# TYPE vtid_impair_active gauge\n"
	    "vtid_impair_active 1\n");
	fprintf(out, "# HELP vtid_impair_rules Impair rules in force\n"
	    "# TYPE vtid_impair_rules gauge\nvtid_impair_rules %zu\n",
	    imp->spec.n);
	fprintf(out, "# HELP vtid_impair_actions_total Messages dropped, "
	    "duplicated, delayed, corrupted and kernel calls failed on "
	    "purpose\n# TYPE vtid_impair_actions_total counter\n");
	for (a = 0; a < IMPAIR_ACTIONS; a++)
		fprintf(out, "vtid_impair_actions_total{action=\"%s\"} %" PRIu64
		    "\n", impair_action_name(a), imp->counts[a]);
}
