/* Each report writer on a snapshot table built by hand (no engine): the
 * output must be byte for byte the golden file, which is what vtictl
 * status, list (text and JSON) and metrics printed before the writers
 * moved out of src/ike. The table has a peer up in the middle of a CHILD
 * rekey (current, rekeyed and new CHILD SAs), one connecting with an old
 * IKE SA being deleted, and two down; identities of every kind; names
 * and errors that need escaping.
 *
 * REPORT_GOLDEN_WRITE=1 rewrites the golden files (review the diff). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ike/ikev2.h"
#include "report/report.h"

#define NOW	1700000000.0

static struct ike_peer_snap peers[4];
static struct ike_sa_snap sas[3];
static struct ike_snapshot snap = {
	.now = NOW,
	.stats = { .rx = 120, .rx_invalid = 3, .rx_no_sa = 1, .rx_no_peer = 2,
	    .rx_bad_icv = 1, .rx_retransmit = 4, .tx_retransmit = 5,
	    .ike_up = 6, .child_up = 9, .auth_failed = 1, .no_proposal = 2,
	    .cookies_sent = 40, .cookies_valid = 5, .cookies_valid_previous = 1,
	    .cookies_invalid = 4,
	    .cookie_rotations = 3, .init_too_big = 7, .init_half_open_peer = 8,
	    .init_half_open_max = 0, .half_open = 2,
	    .initiating = 3, .init_queued = 1,
	    .frag_tx = 11, .frag_rx = 12, .frag_reassembled = 3,
	    .frag_dup = 2, .frag_dropped = 1, .frag_timeout = 1 },
	.n_peers = 4, .n_sas = 3, .peers = peers, .sas = sas,
};

static void
addr(struct sockaddr_storage *ss, const char *a, uint16_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(a, ':') != NULL) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		assert_int_equal(inet_pton(AF_INET6, a, &s6->sin6_addr), 1);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		assert_int_equal(inet_pton(AF_INET, a, &s4->sin_addr), 1);
	}
}

static void
id(struct ike_id_snap *i, uint8_t type, const void *data, size_t len)
{
	i->type = type;
	memcpy(i->data, data, len);
	i->len = len;
}

static const struct ike_suite ike_suite = { 20, 256, 7, 0, 20, 0 };
static const struct ike_suite esp_suite = { 20, 256, 0, 0, 0, 0 };

static void
child(struct ike_child_snap *c, enum ike_child_role role, uint32_t spi,
    bool in_on, bool out_on, double age, double rekey_in)
{
	c->role = role;
	c->spi_in = spi;
	c->spi_out = spi + 0x1000;
	c->in_on = in_on;
	c->out_on = out_on;
	c->v4 = true;
	c->v6 = role != IKE_CHILD_NEW;
	c->suite = esp_suite;
	c->established = NOW - age;
	c->rekey_in = rekey_in;
	c->kernel = (struct ike_traffic){ spi % 7919, spi % 97,
	    spi % 6007, spi % 89 };
}

/* V2-1: up, rekeying its CHILD SA; V2-2: connecting again, an old IKE
 * SA being deleted; V3-1 and "we\"ird\\name": down. */
static int
setup(void **state)
{
	static const uint8_t v4[] = { 192, 0, 2, 1 }, keyid[] = { 1, 0xab };
	struct ike_peer_snap *p;
	struct ike_sa_snap *sa;

	p = &peers[0];
	snprintf(p->name, sizeof(p->name), "V2-1");
	p->state = IKE_PEER_UP;
	p->link = IKE_LINK_UP;
	p->start = IKE_START_START;
	p->mark = 3;
	p->xfrm_if = true;	/* an XFRM interface: "if_id 3" */
	p->reqid = 1073741827;
	addr(&p->local, "192.0.2.1", 0);
	addr(&p->remote, "198.51.100.7", 500);
	id(&p->local_id, ID_IPV4_ADDR, v4, sizeof(v4));
	id(&p->remote_id, ID_FQDN, "vpn.example.org", 15);
	p->up_since = NOW - 7384;
	p->gone = (struct ike_traffic){ 100000, 1000, 200000, 2000 };
	p->child_rekeys = 4;
	p->ike_rekeys = 1;
	p->failures = 2;
	p->dpd_rtt = 0.0123;
	p->peer_vtid = 1;
	p->n_sas = 1;
	p->sas = &sas[0];
	sa = &sas[0];
	sa->serial = 7;
	sa->phase = IKE_SA_ESTABLISHED;
	sa->initiator = true;
	sa->current = true;
	sa->fragmentation = true;
	sa->ispi = 0x0123456789abcdefULL;
	sa->rspi = 0xfedcba9876543210ULL;
	addr(&sa->local, "192.0.2.1", 500);
	addr(&sa->remote, "198.51.100.7", 4500);
	sa->natt = true;
	sa->nat_local = true;
	sa->suite = ike_suite;
	sa->created = NOW - 7400.4;
	sa->established = NOW - 7399.6;
	sa->rekey_in = 6000.5;
	sa->peer_vtid = 1;
	sa->n_children = 3;
	child(&sa->children[0], IKE_CHILD_CURRENT, 0xc1a55e01, true, true,
	    12, 3130.25);
	child(&sa->children[1], IKE_CHILD_REKEYED, 0xc1a55e02, true, false,
	    3590, -1);
	child(&sa->children[2], IKE_CHILD_NEW, 0xc1a55e03, true, false, 1,
	    -1);

	p = &peers[1];
	snprintf(p->name, sizeof(p->name), "V2-2");
	p->state = IKE_PEER_CONNECTING;
	p->start = IKE_START_ROUTE;
	p->mark = 4;
	p->reqid = 1073741828;
	addr(&p->local, "2001:db8::1", 0);
	addr(&p->remote, "2001:db8::2", 500);
	id(&p->local_id, ID_RFC822_ADDR, "ops@example.\x01org", 16);
	id(&p->remote_id, ID_KEY_ID, keyid, sizeof(keyid));
	snprintf(p->last_error, sizeof(p->last_error),
	    "AUTHENTICATION_FAILED from the peer");
	p->n_sas = 2;
	p->sas = &sas[1];
	sa = &sas[1];
	sa->serial = 9;
	sa->phase = IKE_SA_DELETING;
	sa->ispi = 0x1111;
	sa->rspi = 0x2222;
	addr(&sa->local, "2001:db8::1", 500);
	addr(&sa->remote, "2001:db8::2", 500);
	sa->suite = ike_suite;
	sa->created = NOW - 90000;
	sa->established = NOW - 89999;
	sa->rekey_in = -1;
	sa = &sas[2];
	sa->serial = 11;
	sa->phase = IKE_SA_CONNECTING;
	sa->current = true;
	sa->ispi = 0x3333;
	addr(&sa->local, "2001:db8::1", 500);
	addr(&sa->remote, "2001:db8::2", 500);
	sa->created = NOW - 2.5;
	sa->rekey_in = -1;

	p = &peers[2];
	snprintf(p->name, sizeof(p->name), "V3-1");
	p->state = IKE_PEER_DOWN;
	p->link = IKE_LINK_RECOVERING;
	p->start = IKE_START_START;
	p->mark = 5;
	p->reqid = 1073741829;
	addr(&p->local, "192.0.2.1", 0);
	addr(&p->remote, "203.0.113.9", 500);
	id(&p->local_id, 9, "\x30\x00", 2);
	snprintf(p->last_error, sizeof(p->last_error),
	    "peer said \"no\"\\\nthen nothing");
	p->gone = (struct ike_traffic){ 5, 1, 6, 1 };

	p = &peers[3];
	snprintf(p->name, sizeof(p->name), "we\"ird\\name");
	/* Waiting for its turn to initiate (initiate_max). */
	p->state = IKE_PEER_CONNECTING;
	p->queued = true;
	p->start = IKE_START_ADD;
	p->mark = 6;
	p->reqid = 1073741830;
	addr(&p->local, "192.0.2.1", 0);
	addr(&p->remote, "203.0.113.10", 500);
	return 0;
}

static bool
info_fn(const char *peer, struct report_info *info, void *arg)
{
	if (strcmp(peer, "V3-1") == 0)
		return false;
	info->origin = "vtid.conf:12";
	info->vti = strcmp(peer, "V2-2") == 0 ? "" : "vti3";
	info->iface = strcmp(peer, "V2-1") == 0 ? "xfrm" : "vti";
	info->netns = strcmp(peer, "V2-1") == 0 ? "red" : "";
	info->start = "start";
	info->dpd_action = "restart";
	info->dpd_delay = strcmp(peer, "V2-1") == 0 ? 30 : 0;
	info->dpd_timeout = 150;
	info->ike_rekey = 14400;
	info->ike_jitter = 1440;
	info->ike_margin = 1440;
	info->esp_rekey = 3600;
	info->esp_jitter = 360;
	info->esp_margin = 90;
	if (strcmp(peer, "V2-1") == 0) {
		info->mtu = 1426;
		snprintf(info->mtu_auto, sizeof(info->mtu_auto), "path 1500 - "
		    "IPv6 40 - ESP 8 - IV 8 - ICV 16 - trailer 2");
	} else
		info->mtu = 1400;
	return true;
}

static const struct report_daemon daemon_numbers = {
	.version = "0.1.0", .started = 1699990000.5,
	.last_reload = 1699995000.25, .reloads_ok = 2, .reloads_failed = 1,
	.udp_rx = 130, .udp_tx = 128, .udp_dropped = 3,
	.udp_send_errors = 0, .udp_urgent = 12, .udp_deferred = 2,
	.udp_shed = 7,
	.udp_queue_peak = 40,
};

enum writer {
	W_STATUS_TEXT, W_STATUS_JSON, W_LIST_TEXT, W_LIST_JSON, W_METRICS,
	W_METRICS_ENGINE,
};

static char *
run(enum writer w, const struct ike_snapshot *s)
{
	char *t = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&t, &len);

	assert_non_null(f);
	switch (w) {
	case W_STATUS_TEXT:
		report_text_status(s, f);
		break;
	case W_STATUS_JSON:
		report_json_status(s, f);
		break;
	case W_LIST_TEXT:
		report_text_list(s, info_fn, NULL, f);
		break;
	case W_LIST_JSON:
		report_json_list(s, info_fn, NULL, f);
		break;
	case W_METRICS:
		report_prom_metrics(s, &daemon_numbers, f);
		break;
	case W_METRICS_ENGINE:
		report_prom_metrics(s, NULL, f);
		break;
	}
	fclose(f);
	return t;
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *t;
	long n;

	if (f == NULL)
		fail_msg("%s: cannot open", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	t = calloc(1, (size_t)n + 1);
	assert_non_null(t);
	assert_int_equal(fread(t, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return t;
}

static void
golden(enum writer w, const struct ike_snapshot *s, const char *file)
{
	char path[512], *got = run(w, s), *want;

	snprintf(path, sizeof(path), "%s/%s", REPORT_GOLDEN_DIR, file);
	if (getenv("REPORT_GOLDEN_WRITE") != NULL) {
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fputs(got, f);
		fclose(f);
	}
	want = slurp(path);
	if (strcmp(got, want) != 0) {
		printf("--- %s\n%s--- the writer\n%s", path, want, got);
		fail_msg("%s: output differs", file);
	}
	printf("%s: %zu bytes, identical\n", file, strlen(got));
	free(got);
	free(want);
}

static void
test_status(void **state)
{
	golden(W_STATUS_TEXT, &snap, "status.txt");
	golden(W_STATUS_JSON, &snap, "status.json");
}

static void
test_list(void **state)
{
	struct ike_snapshot one = snap;

	golden(W_LIST_TEXT, &snap, "list.txt");
	golden(W_LIST_JSON, &snap, "list.json");
	/* "list V2-2": a snapshot of that peer alone. */
	one.n_peers = 1;
	one.peers = &peers[1];
	one.n_sas = 2;
	one.sas = &sas[1];
	golden(W_LIST_TEXT, &one, "list-one.txt");
}

static void
test_metrics(void **state)
{
	golden(W_METRICS, &snap, "metrics.prom");
	golden(W_METRICS_ENGINE, &snap, "metrics-engine.prom");
}

static void
test_empty(void **state)
{
	static const struct {
		enum writer	 w;
		const char	*want;
	} cases[] = {
		{ W_LIST_TEXT, "no peers configured\n" },
		{ W_LIST_JSON, "{\"peers\":[]}\n" },
		{ W_STATUS_TEXT, "Security Associations (0 up, 0 connecting):\n" },
		{ W_STATUS_JSON, "{\"peers\":[]}\n" },
	};
	struct ike_snapshot none = { .now = NOW };
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *t = run(cases[i].w, &none);

		assert_string_equal(t, cases[i].want);
		free(t);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_empty),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
