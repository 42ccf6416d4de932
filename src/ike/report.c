/* What vtictl shows of the engine: status (like "ipsec status"), in text
 * or JSON. Reads the engine's state, changes nothing. */
#include <netinet/in.h>
#include <string.h>

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
		bool any = false;

		for (sa = eng->sas; sa != NULL; sa = sa->next) {
			if (sa->peer != p)
				continue;
			any = true;
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
