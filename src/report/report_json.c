/* JSON: "vtictl status -j" and "vtictl list -j". */
#include <inttypes.h>
#include <netinet/in.h>
#include <string.h>

#include "ike/ikev2.h"
#include "report/priv.h"
#include "util/addr.h"

void
report_json_str(FILE *out, const char *s)
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

static const char *
json_bool(bool b)
{
	return b ? "true" : "false";
}

static void
status_sa(const struct ike_snapshot *s, const struct ike_sa_snap *sa,
    bool first, FILE *out)
{
	const struct ike_child_snap *c = report_current(sa);
	char l[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];

	fprintf(out, "%s{\"id\":%u,\"state\":\"%s\",\"age\":%.0f,"
	    "\"local\":\"%s\",\"remote\":\"%s\","
	    "\"initiator\":%s", first ? "" : ",", sa->serial,
	    report_phase_name(sa->phase), s->now - sa->created,
	    addr_str(&sa->local, l, sizeof(l)),
	    addr_str(&sa->remote, r, sizeof(r)), json_bool(sa->initiator));
	fprintf(out, ",\"peer_vtid\":%u", sa->peer_vtid);
	if (c != NULL)
		fprintf(out, ",\"child\":{\"state\":\"INSTALLED\","
		    "\"spi_in\":\"%08x\",\"spi_out\":\"%08x\","
		    "\"ipv4\":%s,\"ipv6\":%s,"
		    "\"bytes_in\":%llu,\"packets_in\":%llu,"
		    "\"bytes_out\":%llu,\"packets_out\":%llu}",
		    c->spi_in, c->spi_out, json_bool(c->v4), json_bool(c->v6),
		    (unsigned long long)c->kernel.bytes_in,
		    (unsigned long long)c->kernel.packets_in,
		    (unsigned long long)c->kernel.bytes_out,
		    (unsigned long long)c->kernel.packets_out);
	fprintf(out, "}");
}

void
report_json_status(const struct ike_snapshot *s, FILE *out)
{
	size_t i, j;

	fprintf(out, "{\"peers\":[");
	for (i = 0; i < s->n_peers; i++) {
		const struct ike_peer_snap *p = &s->peers[i];

		fprintf(out, "%s{\"name\":", i == 0 ? "" : ",");
		report_json_str(out, p->name);
		fprintf(out, ",\"mark\":%u,\"reqid\":%u,\"last_error\":",
		    p->mark, p->reqid);
		report_json_str(out, p->last_error);
		fprintf(out, ",\"ike_sas\":[");
		for (j = 0; j < p->n_sas; j++)
			status_sa(s, &p->sas[j], j == 0, out);
		fprintf(out, "]}");
	}
	fprintf(out, "]}\n");
}

/* ---- list ---- */

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

/* "key":"value" after a comma */
static void
json_member(FILE *out, const char *key, const char *value)
{
	fprintf(out, ",\"%s\":", key);
	report_json_str(out, value);
}

static void
json_life(FILE *out, const char *key, uint32_t rekey, uint32_t jitter,
    uint32_t margin)
{
	fprintf(out, ",\"%s\":{\"rekey_time\":%u,\"jitter\":%u,\"margin\":%u}",
	    key, rekey, jitter, margin);
}

static void
list_child(const struct ike_snapshot *s, const struct ike_child_snap *c,
    bool first, FILE *out)
{
	struct ike_traffic cc;
	char suite[PROPOSAL_STR_MAX];

	report_live(c, &cc);
	fprintf(out, "%s{\"role\":\"%s\",\"spi_in\":\"%08x\",\"spi_out\":"
	    "\"%08x\",\"in_installed\":%s,\"out_installed\":%s",
	    first ? "" : ",", report_role_name(c->role), c->spi_in,
	    c->spi_out, json_bool(c->in_on), json_bool(c->out_on));
	json_member(out, "proposal", proposal_suite_str(&c->suite,
	    IKE_PROTO_ESP, suite, sizeof(suite)));
	fprintf(out, ",\"ipv4\":%s,\"ipv6\":%s,\"age\":%.0f",
	    json_bool(c->v4), json_bool(c->v6), s->now - c->established);
	json_secs(out, "rekey_in", c->rekey_in);
	json_u64(out, "bytes_in", cc.bytes_in, true);
	json_u64(out, "packets_in", cc.packets_in, true);
	json_u64(out, "bytes_out", cc.bytes_out, true);
	json_u64(out, "packets_out", cc.packets_out, true);
	fputc('}', out);
}

static void
list_sa(const struct ike_snapshot *s, const struct ike_sa_snap *sa,
    bool first, FILE *out)
{
	char a[INET6_ADDRSTRLEN], suite[PROPOSAL_STR_MAX];
	size_t i;

	fprintf(out, "%s{\"id\":%u,\"state\":\"%s\",\"current\":%s,"
	    "\"initiator\":%s,\"fragmentation\":%s,\"age\":%.0f",
	    first ? "" : ",", sa->serial, report_phase_name(sa->phase),
	    json_bool(sa->current), json_bool(sa->initiator),
	    json_bool(sa->fragmentation), s->now - sa->created);
	fprintf(out, ",\"spi_i\":\"%016" PRIx64 "\"", sa->ispi);
	fprintf(out, ",\"spi_r\":\"%016" PRIx64 "\"", sa->rspi);
	json_member(out, "local", addr_str(&sa->local, a, sizeof(a)));
	json_member(out, "remote", addr_str(&sa->remote, a, sizeof(a)));
	if (sa->peer_cert_subject[0] != '\0') {
		json_member(out, "peer_certificate", sa->peer_cert_subject);
		json_member(out, "peer_certificate_issuer",
		    sa->peer_cert_issuer);
		fprintf(out, ",\"peer_certificate_expiry\":%" PRId64,
		    sa->peer_cert_not_after);
	}
	fprintf(out, ",\"peer_vtid\":%u", sa->peer_vtid);
	if (sa->phase != IKE_SA_CONNECTING)
		json_member(out, "proposal", proposal_suite_str(&sa->suite,
		    IKE_PROTO_IKE, suite, sizeof(suite)));
	else
		fprintf(out, ",\"proposal\":null");
	fprintf(out, ",\"local_port\":%u,\"remote_port\":%u,\"natt\":%s,"
	    "\"nat_local\":%s", addr_port(&sa->local), addr_port(&sa->remote),
	    json_bool(sa->natt), json_bool(sa->nat_local));
	json_secs(out, "rekey_in", sa->rekey_in);
	fprintf(out, ",\"children\":[");
	for (i = 0; i < sa->n_children; i++)
		list_child(s, &sa->children[i], i == 0, out);
	fprintf(out, "]}");
}

static void
list_info(const struct report_info *info, FILE *out)
{
	json_member(out, "origin", info->origin);
	json_member(out, "start", info->start);
	json_member(out, "vti", info->vti);
	json_member(out, "netns", info->netns);
	json_member(out, "interface", info->iface);
	fprintf(out, ",\"mtu\":%u", info->mtu);
	json_member(out, "mtu_auto", info->mtu_auto);
	json_life(out, "ike_lifetime", info->ike_rekey, info->ike_jitter,
	    info->ike_margin);
	json_life(out, "esp_lifetime", info->esp_rekey, info->esp_jitter,
	    info->esp_margin);
	fprintf(out, ",\"dpd\":{\"delay\":%u,\"timeout\":%u",
	    info->dpd_delay, info->dpd_timeout);
	json_member(out, "action", info->dpd_action);
	fputc('}', out);
}

static void
list_peer(const struct ike_snapshot *s, const struct ike_peer_snap *p,
    const struct report_info *info, FILE *out)
{
	struct ike_traffic t;
	char a[INET6_ADDRSTRLEN], id[IKE_ID_MAX * 2 + 16];
	size_t i;

	fprintf(out, "{\"name\":");
	report_json_str(out, p->name);
	fprintf(out, ",\"state\":\"%s\",\"mark\":%u,\"reqid\":%u",
	    ike_peer_state_name(p->state), p->mark, p->reqid);
	json_member(out, "local", addr_str(&p->local, a, sizeof(a)));
	report_remote_str(p, id, sizeof(id));
	json_member(out, "remote", id);
	report_id_str(&p->local_id, id, sizeof(id));
	json_member(out, "local_id", id);
	report_id_str(&p->remote_id, id, sizeof(id));
	json_member(out, "remote_id", id);
	if (p->cert_subject[0] != '\0') {
		json_member(out, "certificate", p->cert_subject);
		json_member(out, "certificate_key", p->cert_key);
		fprintf(out, ",\"certificate_expiry\":%" PRId64,
		    p->cert_not_after);
	}
	fprintf(out, ",\"peer_vtid\":%u", p->peer_vtid);
	if (info != NULL)
		list_info(info, out);
	json_member(out, "link", ike_link_name(p->link));
	if (p->up_since > 0)
		fprintf(out, ",\"up_since\":%.0f,\"up_for\":%.0f",
		    p->up_since, s->now - p->up_since);
	else
		fprintf(out, ",\"up_since\":null,\"up_for\":null");
	json_member(out, "last_error", p->last_error);
	report_total(p, &t);
	fprintf(out, ",\"total\":{");
	json_u64(out, "bytes_in", t.bytes_in, false);
	json_u64(out, "packets_in", t.packets_in, true);
	json_u64(out, "bytes_out", t.bytes_out, true);
	json_u64(out, "packets_out", t.packets_out, true);
	json_u64(out, "child_rekeys", p->child_rekeys, true);
	json_u64(out, "ike_rekeys", p->ike_rekeys, true);
	json_u64(out, "failures", p->failures, true);
	json_secs(out, "dpd_rtt", p->dpd_rtt > 0 ? p->dpd_rtt : -1);
	fprintf(out, "},\"ike_sas\":[");
	for (i = 0; i < p->n_sas; i++)
		list_sa(s, &p->sas[i], i == 0, out);
	fprintf(out, "]}");
}

void
report_json_list(const struct ike_snapshot *s, report_info_fn info_fn,
    void *arg, FILE *out)
{
	struct report_info buf;
	size_t i;

	fprintf(out, "{\"peers\":[");
	for (i = 0; i < s->n_peers; i++) {
		if (i > 0)
			fputc(',', out);
		list_peer(s, &s->peers[i], report_info_get(info_fn, arg,
		    s->peers[i].name, &buf), out);
	}
	fprintf(out, "]}\n");
}
