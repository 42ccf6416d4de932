/* The entry points (a snapshot, a writer) and what the writers share. */
#include <netinet/in.h>
#include <string.h>

#include "ike/ikev2.h"
#include "report/priv.h"
#include "pki/pki.h"
#include "util/addr.h"

static struct ike_snapshot *
report_take(struct ike_engine *eng, const char *peer, FILE *out)
{
	struct ike_snapshot *s = ike_snapshot_take(eng, peer);

	if (s == NULL)
		fprintf(out, "out of memory\n");
	return s;
}

int
report_status(struct ike_engine *eng, FILE *out, bool json)
{
	struct ike_snapshot *s = report_take(eng, NULL, out);

	if (s == NULL)
		return -1;
	if (json)
		report_json_status(s, out);
	else
		report_text_status(s, out);
	ike_snapshot_free(s);
	return 0;
}

int
report_list(struct ike_engine *eng, FILE *out, bool json, const char *peer,
    report_info_fn info, void *arg)
{
	struct ike_snapshot *s = report_take(eng, peer, out);

	if (s == NULL)
		return -1;
	if (json)
		report_json_list(s, info, arg, out);
	else
		report_text_list(s, info, arg, out);
	ike_snapshot_free(s);
	return 0;
}

int
report_metrics(struct ike_engine *eng, const struct report_daemon *d,
    FILE *out)
{
	struct ike_snapshot *s = report_take(eng, NULL, out);

	if (s == NULL)
		return -1;
	report_prom_metrics(s, d, out);
	ike_snapshot_free(s);
	return 0;
}

const char *
report_phase_name(enum ike_sa_phase p)
{
	switch (p) {
	case IKE_SA_CONNECTING:
		return "CONNECTING";
	case IKE_SA_ESTABLISHED:
		return "ESTABLISHED";
	case IKE_SA_DELETING:
		return "DELETING";
	}
	return "?";
}

const char *
report_role_name(enum ike_child_role r)
{
	switch (r) {
	case IKE_CHILD_CURRENT:
		return "current";
	case IKE_CHILD_REKEYED:
		return "rekeyed";
	case IKE_CHILD_NEW:
		return "new";
	}
	return "?";
}

void
report_age(double secs, char *buf, size_t len)
{
	unsigned long s = secs < 0 ? 0 : (unsigned long)secs;

	if (s < 60)
		snprintf(buf, len, "%lus", s);
	else if (s < 3600)
		snprintf(buf, len, "%lum%02lus", s / 60, s % 60);
	else
		snprintf(buf, len, "%luh%02lum", s / 3600, (s / 60) % 60);
}

void
report_remote_str(const struct ike_peer_snap *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	addr_str(&p->remote, a, sizeof(a));
	if (p->remote_dynamic && p->remote_plen == 0)
		snprintf(buf, len, "%%any%s", p->remote.ss_family == AF_INET ?
		    "4" : "6");
	else if (p->remote_dynamic)
		snprintf(buf, len, "%s/%u", a, p->remote_plen);
	else
		snprintf(buf, len, "%s", a);
}

void
report_id_str(const struct ike_id_snap *id, char *buf, size_t buflen)
{
	struct sockaddr_storage ss;
	size_t i, n;

	switch (id->type) {
	case ID_IPV4_ADDR:
		if (id->len != 4)
			break;
		addr_from_octets(&ss, AF_INET, id->data);
		addr_str(&ss, buf, buflen);
		return;
	case ID_IPV6_ADDR:
		if (id->len != 16)
			break;
		addr_from_octets(&ss, AF_INET6, id->data);
		addr_str(&ss, buf, buflen);
		return;
	case ID_FQDN:
	case ID_RFC822_ADDR:
		snprintf(buf, buflen, "%s%.*s", id->type == ID_FQDN ?
		    "fqdn:" : "email:", (int)id->len, (const char *)id->data);
		/* Peer-chosen text: nothing that is not printable. */
		for (i = 0; buf[i] != '\0'; i++)
			if ((unsigned char)buf[i] < 0x20 ||
			    (unsigned char)buf[i] > 0x7e)
				buf[i] = '?';
		return;
	case 0:
		snprintf(buf, buflen, "%%any");
		return;
	case ID_DER_ASN1_DN:
		n = (size_t)snprintf(buf, buflen, "dn:");
		if (n < buflen)
			pki_dn_text(id->data, id->len, buf + n, buflen - n);
		return;
	}
	n = (size_t)snprintf(buf, buflen, "%s#", id->type == ID_KEY_ID ?
	    "keyid:" : "id:");
	for (i = 0; i < id->len && n + 3 <= buflen; i++, n += 2)
		snprintf(buf + n, buflen - n, "%02x", id->data[i]);
}

const struct ike_child_snap *
report_current(const struct ike_sa_snap *sa)
{
	if (sa->n_children > 0 &&
	    sa->children[0].role == IKE_CHILD_CURRENT)
		return &sa->children[0];
	return NULL;
}

void
report_live(const struct ike_child_snap *c, struct ike_traffic *t)
{
	memset(t, 0, sizeof(*t));
	if (c->in_on) {
		t->bytes_in = c->kernel.bytes_in;
		t->packets_in = c->kernel.packets_in;
	}
	if (c->out_on) {
		t->bytes_out = c->kernel.bytes_out;
		t->packets_out = c->kernel.packets_out;
	}
}

void
report_total(const struct ike_peer_snap *p, struct ike_traffic *t)
{
	struct ike_traffic cc;
	size_t i, j;

	*t = p->gone;
	for (i = 0; i < p->n_sas; i++) {
		for (j = 0; j < p->sas[i].n_children; j++) {
			report_live(&p->sas[i].children[j], &cc);
			t->bytes_in += cc.bytes_in;
			t->packets_in += cc.packets_in;
			t->bytes_out += cc.bytes_out;
			t->packets_out += cc.packets_out;
		}
	}
}

const struct report_info *
report_info_get(report_info_fn fn, void *arg, const char *peer,
    struct report_info *buf)
{
	static const struct report_info none = {
		.origin = "", .vti = "", .iface = "", .netns = "",
		.start = "", .dpd_action = "",
	};

	/* What fn leaves unset is empty, never NULL. */
	*buf = none;
	return fn != NULL && fn(peer, buf, arg) ? buf : NULL;
}
