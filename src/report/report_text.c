/* Text: "vtictl status" (like "ipsec status") and "vtictl list". */
#include <inttypes.h>
#include <netinet/in.h>
#include <string.h>
#include <time.h>

#include "ike/ikev2.h"
#include "report/priv.h"
#include "util/addr.h"

#define ID_STR_MAX	(IKE_ID_MAX * 2 + 16)

static void
ts_str(const struct ike_child_snap *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", c->v6 ? "::/0" : "",
	    c->v6 && c->v4 ? " " : "", c->v4 ? "0.0.0.0/0" : "");
}

/* How long ago it went up; how long it has been there while connecting. */
static double
sa_age(const struct ike_snapshot *s, const struct ike_sa_snap *sa)
{
	return s->now - (sa->phase == IKE_SA_ESTABLISHED ? sa->established :
	    sa->created);
}

static void
status_child(const struct ike_peer_snap *p, const struct ike_sa_snap *sa,
    const struct ike_child_snap *c, FILE *out)
{
	const struct ike_traffic *cc = &c->kernel;
	char ts[64];

	ts_str(c, ts, sizeof(ts));
	fprintf(out, "%12s{%u}:  INSTALLED, TUNNEL, reqid %u, "
	    "%s %u, ESP SPIs: %08x_i %08x_o\n", p->name, sa->serial,
	    p->reqid, p->xfrm_if ? "if_id" : "mark", p->mark, c->spi_in,
	    c->spi_out);
	fprintf(out, "%12s{%u}:   %s === %s, in %llu bytes "
	    "%llu packets, out %llu bytes %llu packets\n",
	    p->name, sa->serial, ts, ts,
	    (unsigned long long)cc->bytes_in,
	    (unsigned long long)cc->packets_in,
	    (unsigned long long)cc->bytes_out,
	    (unsigned long long)cc->packets_out);
}

static void
status_peer(const struct ike_snapshot *s, const struct ike_peer_snap *p,
    FILE *out)
{
	const struct ike_child_snap *c;
	char l[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN], age[32];
	bool established = false;
	size_t i;

	for (i = 0; i < p->n_sas; i++) {
		const struct ike_sa_snap *sa = &p->sas[i];

		established |= sa->phase == IKE_SA_ESTABLISHED;
		report_age(sa_age(s, sa), age, sizeof(age));
		addr_str(&sa->local, l, sizeof(l));
		addr_str(&sa->remote, r, sizeof(r));
		fprintf(out, "%12s[%u]: %s %s, %s[%s]...%s[%s]%s%s\n",
		    p->name, sa->serial, report_phase_name(sa->phase),
		    age, l, l, r, r, sa->initiator ? "" : " (responder)",
		    sa->peer_vtid != 0 ? ", peer vtid" : "");
		if ((c = report_current(sa)) != NULL)
			status_child(p, sa, c, out);
	}
	if (p->n_sas == 0 && p->queued)
		fprintf(out, "%12s: QUEUED (to initiate: %llu under way, "
		    "initiate_max reached)\n", p->name,
		    (unsigned long long)s->stats.initiating);
	else if (p->n_sas == 0)
		fprintf(out, "%12s: DOWN (%s)%s%s\n", p->name,
		    p->start == IKE_START_ADD ? "waiting for peer" :
		    p->start == IKE_START_ROUTE ? "on traffic" : "retrying",
		    p->last_error[0] != '\0' ? ", last error: " : "",
		    p->last_error);
	else if (!established && p->last_error[0] != '\0')
		/* Retrying: why the last attempt failed. */
		fprintf(out, "%12s: last error: %s\n", p->name,
		    p->last_error);
}

void
report_text_status(const struct ike_snapshot *s, FILE *out)
{
	unsigned int up = 0, connecting = 0;
	size_t i;

	for (i = 0; i < s->n_sas; i++) {
		if (s->sas[i].phase == IKE_SA_ESTABLISHED)
			up++;
		else
			connecting++;
	}
	fprintf(out, "Security Associations (%u up, %u connecting):\n", up,
	    connecting);
	for (i = 0; i < s->n_peers; i++)
		status_peer(s, &s->peers[i], out);
}

/* ---- list ---- */

/* ", rekey in 52m10s (rekey_time 1h00m, jitter 6m00s, margin 6m00s)":
 * the time left when the engine has a rekey scheduled, the configured
 * lifetime when the daemon gave it. */
static void
life_text(FILE *out, double left, uint32_t rekey, uint32_t jitter,
    uint32_t margin)
{
	char t[32], r[32], j[32], m[32];

	if (left >= 0) {
		report_age(left, t, sizeof(t));
		fprintf(out, ", rekey in %s", t);
	}
	if (rekey == 0)
		return;
	report_age(rekey, r, sizeof(r));
	report_age(jitter, j, sizeof(j));
	report_age(margin, m, sizeof(m));
	fprintf(out, " (rekey_time %s, jitter %s, margin %s)", r, j, m);
}

static void
list_child(const struct ike_snapshot *s, const struct ike_sa_snap *sa,
    const struct ike_child_snap *c, const struct report_info *info,
    FILE *out)
{
	struct ike_traffic cc;
	char age[32], ts[64], suite[PROPOSAL_STR_MAX];

	report_live(c, &cc);
	report_age(s->now - c->established, age, sizeof(age));
	ts_str(c, ts, sizeof(ts));
	/* A rekeyed CHILD SA's outbound SA is gone, a new one's is held
	 * until the peer deletes the old one. */
	fprintf(out, "  CHILD SA {%u} %s: INSTALLED %s, ESP SPIs %08x_i%s "
	    "%08x_o%s, %s\n", sa->serial, report_role_name(c->role), age,
	    c->spi_in, c->in_on ? "" : " (gone)", c->spi_out,
	    c->out_on ? "" : c->role == IKE_CHILD_NEW ? " (held)" : " (gone)",
	    ts);
	fprintf(out, "    %s", proposal_suite_str(&c->suite, IKE_PROTO_ESP,
	    suite, sizeof(suite)));
	if (c->role == IKE_CHILD_CURRENT)
		life_text(out, c->rekey_in, info != NULL ? info->esp_rekey : 0,
		    info != NULL ? info->esp_jitter : 0,
		    info != NULL ? info->esp_margin : 0);
	fprintf(out, "\n    in %" PRIu64 " bytes %" PRIu64 " packets, out %"
	    PRIu64 " bytes %" PRIu64 " packets\n", cc.bytes_in,
	    cc.packets_in, cc.bytes_out, cc.packets_out);
}

/* "2027-03-01 12:00 UTC (in 84 days)" */
static const char *
cert_date(int64_t t, double now, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char d[32];
	long days = (long)((double)t - now) / 86400;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(d, sizeof(d), "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(d, sizeof(d), "%" PRId64, t);
	if ((double)t < now)
		snprintf(buf, len, "%s (EXPIRED)", d);
	else
		snprintf(buf, len, "%s (in %ld days)", d, days);
	return buf;
}

static void
list_sa(const struct ike_snapshot *s, const struct ike_sa_snap *sa,
    const struct report_info *info, FILE *out)
{
	char age[32], suite[PROPOSAL_STR_MAX], date[64];
	size_t i;

	report_age(sa_age(s, sa), age, sizeof(age));
	fprintf(out, "  IKE SA [%u]: %s %s, %s, SPIs %016" PRIx64
	    "_i %016" PRIx64 "_r%s%s\n", sa->serial,
	    report_phase_name(sa->phase), age, sa->initiator ?
	    "initiator" : "responder", sa->ispi, sa->rspi,
	    sa->fragmentation ? ", fragmentation" : "",
	    sa->current ? "" : " (not current)");
	if (sa->peer_cert_subject[0] != '\0')
		fprintf(out, "    peer certificate \"%s\", issuer \"%s\", "
		    "expires %s\n", sa->peer_cert_subject, sa->peer_cert_issuer,
		    cert_date(sa->peer_cert_not_after, s->now, date,
		    sizeof(date)));
	if (sa->natt) {
		char l[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];

		fprintf(out, "    ESP in UDP %s:%u -> %s:%u, %s\n",
		    addr_str(&sa->local, l, sizeof(l)), addr_port(&sa->local),
		    addr_str(&sa->remote, r, sizeof(r)), addr_port(&sa->remote),
		    sa->nat_local ? "NAT in front of us (keepalives)" :
		    "NAT in front of the peer, or encap");
	}
	if (sa->phase != IKE_SA_CONNECTING) {
		fprintf(out, "    %s", proposal_suite_str(&sa->suite,
		    IKE_PROTO_IKE, suite, sizeof(suite)));
		life_text(out, sa->rekey_in, info != NULL ? info->ike_rekey :
		    0, info != NULL ? info->ike_jitter : 0,
		    info != NULL ? info->ike_margin : 0);
		fputc('\n', out);
	}
	for (i = 0; i < sa->n_children; i++)
		list_child(s, sa, &sa->children[i], info, out);
}

static void
list_peer(const struct ike_snapshot *s, const struct ike_peer_snap *p,
    const struct report_info *info, FILE *out)
{
	struct ike_traffic t;
	char l[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN + 8], age[32], date[64];
	char lid[ID_STR_MAX], rid[ID_STR_MAX];
	size_t i;

	fprintf(out, "%s: %s", p->name, ike_peer_state_name(p->state));
	if (p->state == IKE_PEER_UP && p->up_since > 0) {
		report_age(s->now - p->up_since, age, sizeof(age));
		fprintf(out, " %s", age);
	}
	if (info != NULL)
		fprintf(out, ", start %s", info->start);
	fprintf(out, ", %s %u, reqid %u", p->xfrm_if ? "if_id" : "mark",
	    p->mark, p->reqid);
	if (info != NULL && info->vti[0] != '\0')
		fprintf(out, ", %s%s%s%s%s%s", info->vti, info->iface[0] !=
		    '\0' ? " (" : "", info->iface, info->iface[0] != '\0' ?
		    ")" : "", info->netns[0] != '\0' ? " in netns " : "",
		    info->netns);
	if (p->link != IKE_LINK_FIXED)
		fprintf(out, ", link %s", ike_link_name(p->link));
	fputc('\n', out);
	report_id_str(&p->local_id, lid, sizeof(lid));
	report_id_str(&p->remote_id, rid, sizeof(rid));
	report_remote_str(p, r, sizeof(r));
	fprintf(out, "  %s [%s] ... %s [%s]",
	    addr_str(&p->local, l, sizeof(l)), lid, r, rid);
	if (p->cert_subject[0] != '\0')
		fprintf(out, "\n  certificate \"%s\" (%s), expires %s",
		    p->cert_subject, p->cert_key, cert_date(p->cert_not_after,
		    s->now, date, sizeof(date)));
	/* Its Vendor ID, authenticated (src/ike/vendor.h). */
	if (p->peer_vtid != 0)
		fprintf(out, ", vtid (crossing rule %u)", p->peer_vtid);
	fputc('\n', out);
	if (info != NULL && info->mtu_auto[0] != '\0')
		fprintf(out, "  mtu %u auto: %s\n", info->mtu, info->mtu_auto);
	else if (info != NULL && info->mtu > 0)
		fprintf(out, "  mtu %u\n", info->mtu);
	if (info != NULL && info->dpd_delay > 0)
		fprintf(out, "  dpd: delay %us, timeout %us, action %s\n",
		    info->dpd_delay, info->dpd_timeout, info->dpd_action);
	for (i = 0; i < p->n_sas; i++)
		list_sa(s, &p->sas[i], info, out);
	report_total(p, &t);
	fprintf(out, "  total: in %" PRIu64 " bytes %" PRIu64 " packets, out %"
	    PRIu64 " bytes %" PRIu64 " packets; rekeys %" PRIu64 " CHILD %"
	    PRIu64 " IKE; failures %" PRIu64, t.bytes_in, t.packets_in,
	    t.bytes_out, t.packets_out, p->child_rekeys, p->ike_rekeys,
	    p->failures);
	if (p->dpd_rtt > 0)
		fprintf(out, "; dpd rtt %.3fs", p->dpd_rtt);
	fputc('\n', out);
	if (p->last_error[0] != '\0')
		fprintf(out, "  last error: %s\n", p->last_error);
}

void
report_text_list(const struct ike_snapshot *s, report_info_fn info_fn,
    void *arg, FILE *out)
{
	struct report_info buf;
	size_t i;

	for (i = 0; i < s->n_peers; i++) {
		if (i > 0)
			fputc('\n', out);
		list_peer(s, &s->peers[i], report_info_get(info_fn, arg,
		    s->peers[i].name, &buf), out);
	}
	if (s->n_peers == 0)
		fprintf(out, "no peers configured\n");
}
