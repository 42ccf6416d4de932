/* What vtictl shows of the engine: status (like "ipsec status"), list
 * (every detail of each peer), in text or JSON, and metrics (Prometheus).
 * Reads the engine's state, changes nothing. */
#include <inttypes.h>
#include <netinet/in.h>
#include <string.h>

#include "ike/report.h"
#include "ike/sa.h"

static const char *
sa_state_name(enum ike_sa_state s)
{
	switch (s) {
	case SA_INIT_SENT:
	case SA_AUTH_SENT:
	case SA_INIT_DONE:
		return "CONNECTING";
	case SA_ESTABLISHED:
		return "ESTABLISHED";
	case SA_DELETING:
		return "DELETING";
	}
	return "?";
}

static void
fmt_age(double secs, char *buf, size_t len)
{
	unsigned long s = secs < 0 ? 0 : (unsigned long)secs;

	if (s < 60)
		snprintf(buf, len, "%lus", s);
	else if (s < 3600)
		snprintf(buf, len, "%lum%02lus", s / 60, s % 60);
	else
		snprintf(buf, len, "%luh%02lum", s / 3600, (s / 60) % 60);
}

static void
ts_str(const struct ike_child *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", c->family6 ? "::/0" : "",
	    c->family6 && c->family4 ? " " : "", c->family4 ? "0.0.0.0/0" : "");
}

struct child_counters {
	uint64_t	 in_bytes, in_pkts, out_bytes, out_pkts;
};

static void
child_counters(struct ike_sa *sa, struct child_counters *cc)
{
	struct ike_engine *eng = sa->eng;

	memset(cc, 0, sizeof(*cc));
	if (eng->ops.child_counters == NULL)
		return;
	eng->ops.child_counters(eng->ops.ctx, &sa->peer->conf, &sa->local,
	    sa->child.spi_in, &cc->in_bytes, &cc->in_pkts);
	eng->ops.child_counters(eng->ops.ctx, &sa->peer->conf, &sa->remote,
	    sa->child.spi_out, &cc->out_bytes, &cc->out_pkts);
}

static void
status_text(struct ike_engine *eng, FILE *out)
{
	struct ike_peer *p;
	struct ike_sa *sa;
	struct child_counters cc;
	char l[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN], age[32], ts[64];
	unsigned int up = 0, connecting = 0;
	double now = ev_now(eng->loop);

	for (sa = eng->sas; sa != NULL; sa = sa->next) {
		if (sa->state == SA_ESTABLISHED)
			up++;
		else
			connecting++;
	}
	fprintf(out, "Security Associations (%u up, %u connecting):\n", up,
	    connecting);
	for (p = eng->peers; p != NULL; p = p->next) {
		bool any = false, established = false;

		for (sa = eng->sas; sa != NULL; sa = sa->next) {
			if (sa->peer != p)
				continue;
			any = true;
			established |= sa->state == SA_ESTABLISHED;
			fmt_age(now - (sa->state == SA_ESTABLISHED ?
			    sa->established : sa->created), age, sizeof(age));
			ike_addr_str(&sa->local, l, sizeof(l));
			ike_addr_str(&sa->remote, r, sizeof(r));
			fprintf(out, "%12s[%u]: %s %s, %s[%s]...%s[%s]%s\n",
			    p->conf.name, sa->serial, sa_state_name(sa->state),
			    age, l, l, r, r, sa->initiator ? "" : " (responder)");
			if (!sa->child.installed)
				continue;
			child_counters(sa, &cc);
			ts_str(&sa->child, ts, sizeof(ts));
			fprintf(out, "%12s{%u}:  INSTALLED, TUNNEL, reqid %u, "
			    "mark %u, ESP SPIs: %08x_i %08x_o\n", p->conf.name,
			    sa->serial, p->conf.reqid, p->conf.mark,
			    sa->child.spi_in, sa->child.spi_out);
			fprintf(out, "%12s{%u}:   %s === %s, in %llu bytes "
			    "%llu packets, out %llu bytes %llu packets\n",
			    p->conf.name, sa->serial, ts, ts,
			    (unsigned long long)cc.in_bytes,
			    (unsigned long long)cc.in_pkts,
			    (unsigned long long)cc.out_bytes,
			    (unsigned long long)cc.out_pkts);
		}
		if (!any)
			fprintf(out, "%12s: DOWN (%s)%s%s\n", p->conf.name,
			    p->conf.start == IKE_START_ADD ? "waiting for peer" :
			    p->conf.start == IKE_START_ROUTE ?
			    "on traffic" : "retrying",
			    p->last_error[0] != '\0' ? ", last error: " : "",
			    p->last_error);
		else if (!established && p->last_error[0] != '\0')
			/* Retrying: why the last attempt failed. */
			fprintf(out, "%12s: last error: %s\n", p->conf.name,
			    p->last_error);
	}
}

static void
json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(out, "\\u%04x", *s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

static void
status_json(struct ike_engine *eng, FILE *out)
{
	struct ike_peer *p;
	struct ike_sa *sa;
	struct child_counters cc;
	char l[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];
	double now = ev_now(eng->loop);
	bool first_p = true, first_sa;

	fprintf(out, "{\"peers\":[");
	for (p = eng->peers; p != NULL; p = p->next) {
		fprintf(out, "%s{\"name\":", first_p ? "" : ",");
		first_p = false;
		json_str(out, p->conf.name);
		fprintf(out, ",\"mark\":%u,\"reqid\":%u,\"last_error\":",
		    p->conf.mark, p->conf.reqid);
		json_str(out, p->last_error);
		fprintf(out, ",\"ike_sas\":[");
		first_sa = true;
		for (sa = eng->sas; sa != NULL; sa = sa->next) {
			if (sa->peer != p)
				continue;
			fprintf(out, "%s{\"id\":%u,\"state\":\"%s\",\"age\":%.0f,"
			    "\"local\":\"%s\",\"remote\":\"%s\","
			    "\"initiator\":%s", first_sa ? "" : ",", sa->serial,
			    sa_state_name(sa->state), now - sa->created,
			    ike_addr_str(&sa->local, l, sizeof(l)),
			    ike_addr_str(&sa->remote, r, sizeof(r)),
			    sa->initiator ? "true" : "false");
			first_sa = false;
			if (sa->child.installed) {
				child_counters(sa, &cc);
				fprintf(out, ",\"child\":{\"state\":\"INSTALLED\","
				    "\"spi_in\":\"%08x\",\"spi_out\":\"%08x\","
				    "\"ipv4\":%s,\"ipv6\":%s,"
				    "\"bytes_in\":%llu,\"packets_in\":%llu,"
				    "\"bytes_out\":%llu,\"packets_out\":%llu}",
				    sa->child.spi_in, sa->child.spi_out,
				    sa->child.family4 ? "true" : "false",
				    sa->child.family6 ? "true" : "false",
				    (unsigned long long)cc.in_bytes,
				    (unsigned long long)cc.in_pkts,
				    (unsigned long long)cc.out_bytes,
				    (unsigned long long)cc.out_pkts);
			}
			fprintf(out, "}");
		}
		fprintf(out, "]}");
	}
	fprintf(out, "]}\n");
}

void
ike_status(struct ike_engine *eng, FILE *out, bool json)
{
	if (json)
		status_json(eng, out);
	else
		status_text(eng, out);
}

/* ---- list, metrics ---- */

/* Per IKE SA: the CHILD SA carrying the traffic and, during a rekey, the
 * one replaced (its inbound SA draining) and the one the peer's rekey
 * made (its outbound SA held back). */
#define REPORT_CHILDREN	3

static const char *const child_roles[] = { "current", "rekeyed", "new" };

static struct ike_child *
sa_child(struct ike_sa *sa, int i)
{
	switch (i) {
	case 0:
		return &sa->child;
	case 1:
		return &sa->old;
	case 2:
		return &sa->peer_new;
	}
	return NULL;
}

const char *
ike_peer_state_name(enum ike_peer_state s)
{
	switch (s) {
	case IKE_PEER_UNKNOWN:
		break;
	case IKE_PEER_DOWN:
		return "down";
	case IKE_PEER_CONNECTING:
		return "connecting";
	case IKE_PEER_UP:
		return "up";
	}
	return "unknown";
}

static struct ike_peer *
report_peer_find(const struct ike_engine *eng, const char *name)
{
	struct ike_peer *p;

	for (p = eng->peers; p != NULL; p = p->next)
		if (strcmp(p->conf.name, name) == 0)
			return p;
	return NULL;
}

static enum ike_peer_state
peer_state_of(const struct ike_engine *eng, const struct ike_peer *p)
{
	const struct ike_sa *sa;
	bool any = false;

	for (sa = eng->sas; sa != NULL; sa = sa->next) {
		if (sa->peer != p)
			continue;
		if (sa->child.installed)
			return IKE_PEER_UP;
		any = true;
	}
	return any ? IKE_PEER_CONNECTING : IKE_PEER_DOWN;
}

enum ike_peer_state
ike_peer_state(const struct ike_engine *eng, const char *name)
{
	const struct ike_peer *p = report_peer_find(eng, name);

	return p == NULL ? IKE_PEER_UNKNOWN : peer_state_of(eng, p);
}

/* The live counters of one CHILD SA: what its SAs still in the kernel
 * have carried. */
static void
child_live(struct ike_sa *sa, const struct ike_child *c,
    struct child_counters *cc)
{
	struct ike_engine *eng = sa->eng;
	uint64_t b, n;

	memset(cc, 0, sizeof(*cc));
	if (eng->ops.child_counters == NULL)
		return;
	if (c->in_on && eng->ops.child_counters(eng->ops.ctx,
	    &sa->peer->conf, &sa->local, c->spi_in, &b, &n) == 0) {
		cc->in_bytes = b;
		cc->in_pkts = n;
	}
	if (c->out_on && eng->ops.child_counters(eng->ops.ctx,
	    &sa->peer->conf, &sa->remote, c->spi_out, &b, &n) == 0) {
		cc->out_bytes = b;
		cc->out_pkts = n;
	}
}

/* A peer's traffic since vtid started: the CHILD SAs gone (the engine
 * adds them up as they go) and the ones still in the kernel. */
static void
peer_totals(struct ike_engine *eng, struct ike_peer *p,
    struct child_counters *t)
{
	struct child_counters cc;
	struct ike_sa *sa;
	int i;

	t->in_bytes = p->bytes_in;
	t->in_pkts = p->packets_in;
	t->out_bytes = p->bytes_out;
	t->out_pkts = p->packets_out;
	for (sa = eng->sas; sa != NULL; sa = sa->next) {
		if (sa->peer != p)
			continue;
		for (i = 0; i < REPORT_CHILDREN; i++) {
			child_live(sa, sa_child(sa, i), &cc);
			t->in_bytes += cc.in_bytes;
			t->in_pkts += cc.in_pkts;
			t->out_bytes += cc.out_bytes;
			t->out_pkts += cc.out_pkts;
		}
	}
}

/* When the tunnel came up (wall clock), 0 when it is down. */
static double
peer_up_since(struct ike_engine *eng, const struct ike_peer *p)
{
	const struct ike_sa *sa;

	if (p->up_since > 0)
		return p->up_since;
	for (sa = eng->sas; sa != NULL; sa = sa->next)
		if (sa->peer == p && sa->child.installed)
			return sa->child.established;
	return 0;
}

/* Seconds until a timer fires, or -1 when it is not running. */
static double
timer_left(struct ike_engine *eng, ev_timer *t)
{
	if (!ev_is_active(t))
		return -1;
	return ev_timer_remaining(eng->loop, t);
}

static double
sa_rekey_in(struct ike_sa *sa, bool ike)
{
	return timer_left(sa->eng, ike ? &sa->ike_rekey_timer :
	    &sa->rekey_timer);
}

static void
id_str(uint8_t type, const uint8_t *data, size_t len, char *buf,
    size_t buflen)
{
	struct sockaddr_storage ss;
	size_t i, n;

	memset(&ss, 0, sizeof(ss));
	switch (type) {
	case ID_IPV4_ADDR:
		if (len != 4)
			break;
		ss.ss_family = AF_INET;
		memcpy(&((struct sockaddr_in *)&ss)->sin_addr, data, 4);
		ike_addr_str(&ss, buf, buflen);
		return;
	case ID_IPV6_ADDR:
		if (len != 16)
			break;
		ss.ss_family = AF_INET6;
		memcpy(&((struct sockaddr_in6 *)&ss)->sin6_addr, data, 16);
		ike_addr_str(&ss, buf, buflen);
		return;
	case ID_FQDN:
	case ID_RFC822_ADDR:
		snprintf(buf, buflen, "%s%.*s", type == ID_FQDN ? "fqdn:" :
		    "email:", (int)len, (const char *)data);
		/* Peer-chosen text: nothing that is not printable. */
		for (i = 0; buf[i] != '\0'; i++)
			if ((unsigned char)buf[i] < 0x20 ||
			    (unsigned char)buf[i] > 0x7e)
				buf[i] = '?';
		return;
	case 0:
		snprintf(buf, buflen, "%%any");
		return;
	}
	n = (size_t)snprintf(buf, buflen, "%s#", type == ID_KEY_ID ?
	    "keyid:" : "id:");
	for (i = 0; i < len && n + 3 <= buflen; i++, n += 2)
		snprintf(buf + n, buflen - n, "%02x", data[i]);
}

static void
fmt_left(double secs, char *buf, size_t len)
{
	if (secs < 0)
		snprintf(buf, len, "-");
	else
		fmt_age(secs, buf, len);
}

/* ", rekey in 52m10s (rekey_time 1h00m, jitter 6m00s, margin 6m00s)":
 * the time left when the engine has a rekey scheduled, the configured
 * lifetime when the daemon gave it. */
static void
life_text(FILE *out, const char *left, uint32_t rekey, uint32_t jitter,
    uint32_t margin)
{
	char r[32], j[32], m[32];

	if (strcmp(left, "-") != 0)
		fprintf(out, ", rekey in %s", left);
	if (rekey == 0)
		return;
	fmt_age(rekey, r, sizeof(r));
	fmt_age(jitter, j, sizeof(j));
	fmt_age(margin, m, sizeof(m));
	fprintf(out, " (rekey_time %s, jitter %s, margin %s)", r, j, m);
}

static void
list_child_text(struct ike_sa *sa, struct ike_child *c, int role,
    const struct ike_report_info *info, FILE *out)
{
	struct child_counters cc;
	char age[32], left[32], ts[64], suite[PROPOSAL_STR_MAX];
	double now = ev_now(sa->eng->loop);

	child_live(sa, c, &cc);
	fmt_age(now - c->established, age, sizeof(age));
	ts_str(c, ts, sizeof(ts));
	/* A rekeyed CHILD SA's outbound SA is gone, a new one's is held
	 * until the peer deletes the old one. */
	fprintf(out, "  CHILD SA {%u} %s: INSTALLED %s, ESP SPIs %08x_i%s "
	    "%08x_o%s, %s\n", sa->serial, child_roles[role], age, c->spi_in,
	    c->in_on ? "" : " (gone)", c->spi_out,
	    c->out_on ? "" : role == 2 ? " (held)" : " (gone)", ts);
	fprintf(out, "    %s", proposal_suite_str(&c->suite, IKE_PROTO_ESP,
	    suite, sizeof(suite)));
	if (role == 0) {
		fmt_left(sa_rekey_in(sa, false), left, sizeof(left));
		life_text(out, left, info != NULL ? info->esp_rekey : 0,
		    info != NULL ? info->esp_jitter : 0,
		    info != NULL ? info->esp_margin : 0);
	}
	fprintf(out, "\n    in %" PRIu64 " bytes %" PRIu64 " packets, out %"
	    PRIu64 " bytes %" PRIu64 " packets\n", cc.in_bytes, cc.in_pkts,
	    cc.out_bytes, cc.out_pkts);
}

static void
list_peer_text(struct ike_engine *eng, struct ike_peer *p,
    const struct ike_report_info *info, FILE *out)
{
	const struct ike_peer_conf *c = &p->conf;
	enum ike_peer_state st = peer_state_of(eng, p);
	struct child_counters t;
	struct ike_sa *sa;
	char l[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN], age[32], left[32];
	char lid[IKE_ID_MAX * 2 + 16], rid[IKE_ID_MAX * 2 + 16];
	char suite[PROPOSAL_STR_MAX];
	double now = ev_now(eng->loop), since = peer_up_since(eng, p);
	int i;

	fprintf(out, "%s: %s", c->name, ike_peer_state_name(st));
	if (st == IKE_PEER_UP && since > 0) {
		fmt_age(now - since, age, sizeof(age));
		fprintf(out, " %s", age);
	}
	if (info != NULL)
		fprintf(out, ", start %s", info->start);
	fprintf(out, ", mark %u, reqid %u", c->mark, c->reqid);
	if (info != NULL && info->vti[0] != '\0')
		fprintf(out, ", %s%s%s", info->vti, info->netns[0] != '\0' ?
		    " in netns " : "", info->netns);
	fputc('\n', out);
	id_str(c->local_id_type, c->local_id, c->local_id_len, lid,
	    sizeof(lid));
	id_str(c->remote_id_type, c->remote_id, c->remote_id_len, rid,
	    sizeof(rid));
	fprintf(out, "  %s [%s] ... %s [%s]\n",
	    ike_addr_str(&c->local, l, sizeof(l)), lid,
	    ike_addr_str(&c->remote, r, sizeof(r)), rid);
	if (info != NULL && info->dpd_delay > 0)
		fprintf(out, "  dpd: delay %us, timeout %us, action %s\n",
		    info->dpd_delay, info->dpd_timeout, info->dpd_action);
	for (sa = eng->sas; sa != NULL; sa = sa->next) {
		if (sa->peer != p)
			continue;
		fmt_age(now - (sa->state == SA_ESTABLISHED ? sa->established :
		    sa->created), age, sizeof(age));
		fprintf(out, "  IKE SA [%u]: %s %s, %s, SPIs %016" PRIx64
		    "_i %016" PRIx64 "_r%s\n", sa->serial,
		    sa_state_name(sa->state), age, sa->initiator ?
		    "initiator" : "responder", sa->ispi, sa->rspi,
		    sa == p->sa ? "" : " (not current)");
		if (sa->state == SA_ESTABLISHED || sa->state == SA_DELETING) {
			fmt_left(sa_rekey_in(sa, true), left, sizeof(left));
			fprintf(out, "    %s", proposal_suite_str(
			    &sa->choice.suite, IKE_PROTO_IKE, suite,
			    sizeof(suite)));
			life_text(out, left, info != NULL ? info->ike_rekey :
			    0, info != NULL ? info->ike_jitter : 0,
			    info != NULL ? info->ike_margin : 0);
			fputc('\n', out);
		}
		for (i = 0; i < REPORT_CHILDREN; i++) {
			struct ike_child *ch = sa_child(sa, i);

			if (ch->installed)
				list_child_text(sa, ch, i, info, out);
		}
	}
	peer_totals(eng, p, &t);
	fprintf(out, "  total: in %" PRIu64 " bytes %" PRIu64 " packets, out %"
	    PRIu64 " bytes %" PRIu64 " packets; rekeys %" PRIu64 " CHILD %"
	    PRIu64 " IKE; failures %" PRIu64, t.in_bytes, t.in_pkts,
	    t.out_bytes, t.out_pkts, p->child_rekeys, p->ike_rekeys,
	    p->failures_total);
	if (p->dpd_rtt > 0)
		fprintf(out, "; dpd rtt %.3fs", p->dpd_rtt);
	fputc('\n', out);
	if (p->last_error[0] != '\0')
		fprintf(out, "  last error: %s\n", p->last_error);
}

static void
json_u64(FILE *out, const char *key, uint64_t v, bool comma)
{
	fprintf(out, "%s\"%s\":%" PRIu64, comma ? "," : "", key, v);
}

static void
json_secs(FILE *out, const char *key, double v)
{
	if (v < 0)
		fprintf(out, ",\"%s\":null", key);
	else
		fprintf(out, ",\"%s\":%.3f", key, v);
}

static void
json_counters(FILE *out, const struct child_counters *cc)
{
	json_u64(out, "bytes_in", cc->in_bytes, true);
	json_u64(out, "packets_in", cc->in_pkts, true);
	json_u64(out, "bytes_out", cc->out_bytes, true);
	json_u64(out, "packets_out", cc->out_pkts, true);
}

static void
json_life(FILE *out, const char *key, uint32_t rekey, uint32_t jitter,
    uint32_t margin)
{
	fprintf(out, ",\"%s\":{\"rekey_time\":%u,\"jitter\":%u,\"margin\":%u}",
	    key, rekey, jitter, margin);
}

static void
list_child_json(struct ike_sa *sa, struct ike_child *c, int role,
    bool first, FILE *out)
{
	struct child_counters cc;
	char suite[PROPOSAL_STR_MAX];
	double now = ev_now(sa->eng->loop);

	child_live(sa, c, &cc);
	fprintf(out, "%s{\"role\":\"%s\",\"spi_in\":\"%08x\",\"spi_out\":"
	    "\"%08x\",\"in_installed\":%s,\"out_installed\":%s,\"proposal\":",
	    first ? "" : ",", child_roles[role], c->spi_in, c->spi_out,
	    c->in_on ? "true" : "false",
	    c->out_on ? "true" : "false");
	ike_report_json_str(out, proposal_suite_str(&c->suite, IKE_PROTO_ESP,
	    suite, sizeof(suite)));
	fprintf(out, ",\"ipv4\":%s,\"ipv6\":%s,\"age\":%.0f",
	    c->family4 ? "true" : "false", c->family6 ? "true" : "false",
	    now - c->established);
	json_secs(out, "rekey_in", role == 0 ? sa_rekey_in(sa, false) : -1);
	json_counters(out, &cc);
	fputc('}', out);
}

static void
list_peer_json(struct ike_engine *eng, struct ike_peer *p,
    const struct ike_report_info *info, FILE *out)
{
	const struct ike_peer_conf *c = &p->conf;
	struct child_counters t;
	struct ike_sa *sa;
	char a[INET6_ADDRSTRLEN], id[IKE_ID_MAX * 2 + 16];
	char suite[PROPOSAL_STR_MAX], spi[32];
	double now = ev_now(eng->loop), since = peer_up_since(eng, p);
	bool first_sa = true, first_c;
	int i;

	fprintf(out, "{\"name\":");
	ike_report_json_str(out, c->name);
	fprintf(out, ",\"state\":\"%s\",\"mark\":%u,\"reqid\":%u",
	    ike_peer_state_name(peer_state_of(eng, p)), c->mark, c->reqid);
	fprintf(out, ",\"local\":");
	ike_report_json_str(out, ike_addr_str(&c->local, a, sizeof(a)));
	fprintf(out, ",\"remote\":");
	ike_report_json_str(out, ike_addr_str(&c->remote, a, sizeof(a)));
	id_str(c->local_id_type, c->local_id, c->local_id_len, id, sizeof(id));
	fprintf(out, ",\"local_id\":");
	ike_report_json_str(out, id);
	id_str(c->remote_id_type, c->remote_id, c->remote_id_len, id,
	    sizeof(id));
	fprintf(out, ",\"remote_id\":");
	ike_report_json_str(out, id);
	if (info != NULL) {
		fprintf(out, ",\"origin\":");
		ike_report_json_str(out, info->origin);
		fprintf(out, ",\"start\":");
		ike_report_json_str(out, info->start);
		fprintf(out, ",\"vti\":");
		ike_report_json_str(out, info->vti);
		fprintf(out, ",\"netns\":");
		ike_report_json_str(out, info->netns);
		json_life(out, "ike_lifetime", info->ike_rekey,
		    info->ike_jitter, info->ike_margin);
		json_life(out, "esp_lifetime", info->esp_rekey,
		    info->esp_jitter, info->esp_margin);
		fprintf(out, ",\"dpd\":{\"delay\":%u,\"timeout\":%u,"
		    "\"action\":", info->dpd_delay, info->dpd_timeout);
		ike_report_json_str(out, info->dpd_action);
		fputc('}', out);
	}
	if (since > 0)
		fprintf(out, ",\"up_since\":%.0f,\"up_for\":%.0f", since,
		    now - since);
	else
		fprintf(out, ",\"up_since\":null,\"up_for\":null");
	fprintf(out, ",\"last_error\":");
	ike_report_json_str(out, p->last_error);
	peer_totals(eng, p, &t);
	fprintf(out, ",\"total\":{");
	json_u64(out, "bytes_in", t.in_bytes, false);
	json_u64(out, "packets_in", t.in_pkts, true);
	json_u64(out, "bytes_out", t.out_bytes, true);
	json_u64(out, "packets_out", t.out_pkts, true);
	json_u64(out, "child_rekeys", p->child_rekeys, true);
	json_u64(out, "ike_rekeys", p->ike_rekeys, true);
	json_u64(out, "failures", p->failures_total, true);
	json_secs(out, "dpd_rtt", p->dpd_rtt > 0 ? p->dpd_rtt : -1);
	fprintf(out, "},\"ike_sas\":[");
	for (sa = eng->sas; sa != NULL; sa = sa->next) {
		if (sa->peer != p)
			continue;
		fprintf(out, "%s{\"id\":%u,\"state\":\"%s\",\"current\":%s,"
		    "\"initiator\":%s,\"age\":%.0f", first_sa ? "" : ",",
		    sa->serial, sa_state_name(sa->state),
		    sa == p->sa ? "true" : "false",
		    sa->initiator ? "true" : "false", now - sa->created);
		first_sa = false;
		snprintf(spi, sizeof(spi), "%016" PRIx64, sa->ispi);
		fprintf(out, ",\"spi_i\":\"%s\"", spi);
		snprintf(spi, sizeof(spi), "%016" PRIx64, sa->rspi);
		fprintf(out, ",\"spi_r\":\"%s\",\"local\":", spi);
		ike_report_json_str(out, ike_addr_str(&sa->local, a,
		    sizeof(a)));
		fprintf(out, ",\"remote\":");
		ike_report_json_str(out, ike_addr_str(&sa->remote, a,
		    sizeof(a)));
		fprintf(out, ",\"proposal\":");
		if (sa->state == SA_ESTABLISHED || sa->state == SA_DELETING)
			ike_report_json_str(out, proposal_suite_str(
			    &sa->choice.suite, IKE_PROTO_IKE, suite,
			    sizeof(suite)));
		else
			fprintf(out, "null");
		json_secs(out, "rekey_in", sa_rekey_in(sa, true));
		fprintf(out, ",\"children\":[");
		first_c = true;
		for (i = 0; i < REPORT_CHILDREN; i++) {
			struct ike_child *ch = sa_child(sa, i);

			if (!ch->installed)
				continue;
			list_child_json(sa, ch, i, first_c, out);
			first_c = false;
		}
		fprintf(out, "]}");
	}
	fprintf(out, "]}");
}

void
ike_list(struct ike_engine *eng, FILE *out, bool json, const char *name,
    ike_report_info_fn info_fn, void *arg)
{
	struct ike_report_info info;
	struct ike_peer *p;
	bool first = true, have;

	if (json)
		fprintf(out, "{\"peers\":[");
	for (p = eng->peers; p != NULL; p = p->next) {
		if (name != NULL && strcmp(name, p->conf.name) != 0)
			continue;
		memset(&info, 0, sizeof(info));
		have = info_fn != NULL && info_fn(p->conf.name, &info, arg);
		if (json) {
			if (!first)
				fputc(',', out);
			list_peer_json(eng, p, have ? &info : NULL, out);
		} else {
			if (!first)
				fputc('\n', out);
			list_peer_text(eng, p, have ? &info : NULL, out);
		}
		first = false;
	}
	if (json)
		fprintf(out, "]}\n");
	else if (first)
		fprintf(out, "no peers configured\n");
}

void
ike_report_json_str(FILE *out, const char *s)
{
	json_str(out, s);
}

void
ike_report_label_str(FILE *out, const char *s)
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

static void
metric_peer(FILE *out, const char *name, const struct ike_peer *p,
    const char *extra, uint64_t v)
{
	fprintf(out, "%s{peer=", name);
	ike_report_label_str(out, p->conf.name);
	fprintf(out, "%s} %" PRIu64 "\n", extra != NULL ? extra : "", v);
}

/* One family of per-peer samples: the value of field for each peer. */
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

void
ike_metrics(struct ike_engine *eng, FILE *out)
{
	static const enum ike_peer_state states[] = {
		IKE_PEER_DOWN, IKE_PEER_CONNECTING, IKE_PEER_UP,
	};
	const struct ike_stats *s = &eng->stats;
	struct child_counters t = { 0, 0, 0, 0 };
	struct ike_peer *p;
	char extra[64];
	size_t i, m, n;
	uint64_t v = 0;

	metric_head(out, "vtid_peer_up", "gauge",
	    "Whether the peer's tunnel is up (a CHILD SA installed).");
	for (p = eng->peers; p != NULL; p = p->next)
		metric_peer(out, "vtid_peer_up", p, NULL,
		    peer_state_of(eng, p) == IKE_PEER_UP);
	metric_head(out, "vtid_peer_state", "gauge",
	    "The peer's state: 1 for the series of the current state.");
	for (p = eng->peers; p != NULL; p = p->next) {
		enum ike_peer_state st = peer_state_of(eng, p);

		for (i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
			snprintf(extra, sizeof(extra), ",state=\"%s\"",
			    ike_peer_state_name(states[i]));
			metric_peer(out, "vtid_peer_state", p, extra,
			    st == states[i]);
		}
	}
	metric_head(out, "vtid_peer_ike_sas", "gauge",
	    "IKE SAs of the peer (connecting, established or deleting).");
	for (p = eng->peers; p != NULL; p = p->next) {
		const struct ike_sa *sa;

		n = 0;
		for (sa = eng->sas; sa != NULL; sa = sa->next)
			n += sa->peer == p;
		metric_peer(out, "vtid_peer_ike_sas", p, NULL, n);
	}
	metric_head(out, "vtid_peer_up_since_seconds", "gauge",
	    "When the tunnel came up, Unix time; 0 when it is down.");
	for (p = eng->peers; p != NULL; p = p->next)
		metric_peer(out, "vtid_peer_up_since_seconds", p, NULL,
		    (uint64_t)peer_up_since(eng, p));
	for (m = 0; m < sizeof(peer_counters) / sizeof(peer_counters[0]);
	    m++) {
		metric_head(out, peer_counters[m].name, "counter",
		    peer_counters[m].help);
		for (p = eng->peers; p != NULL; p = p->next) {
			if (m <= PM_PACKETS_OUT)
				peer_totals(eng, p, &t);
			switch ((enum peer_metric)m) {
			case PM_BYTES_IN:
				v = t.in_bytes;
				break;
			case PM_BYTES_OUT:
				v = t.out_bytes;
				break;
			case PM_PACKETS_IN:
				v = t.in_pkts;
				break;
			case PM_PACKETS_OUT:
				v = t.out_pkts;
				break;
			case PM_CHILD_REKEYS:
				v = p->child_rekeys;
				break;
			case PM_IKE_REKEYS:
				v = p->ike_rekeys;
				break;
			case PM_FAILURES:
				v = p->failures_total;
				break;
			}
			metric_peer(out, peer_counters[m].name, p, NULL, v);
		}
	}
	metric_head(out, "vtid_peer_dpd_rtt_seconds", "gauge",
	    "Round trip of the last liveness check; 0 before the first.");
	for (p = eng->peers; p != NULL; p = p->next) {
		fprintf(out, "vtid_peer_dpd_rtt_seconds{peer=");
		ike_report_label_str(out, p->conf.name);
		fprintf(out, "} %.6f\n", p->dpd_rtt);
	}

#define ENGINE_COUNTER(field, name, help)				\
	do {								\
		metric_head(out, name, "counter", help);		\
		fprintf(out, "%s %" PRIu64 "\n", name, s->field);	\
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
#undef ENGINE_COUNTER
}
