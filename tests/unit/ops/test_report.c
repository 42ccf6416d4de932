/* What vtictl shows, from real engine state: two IKE engines in this
 * process negotiate over a packet queue (no sockets, no kernel: the
 * kernel operations record what they are given and report fixed
 * counters), then list (text and JSON), metrics and the peer states are
 * checked, before and after a CHILD and an IKE rekey and "down". A third
 * peer is configured and never comes up: it must be there too, as down.
 *
 *   engine A: peer "B" start, peer "C" add        engine B: peer "A" add
 *             2001:db8::1  <----- queue ----->    2001:db8::2
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ike/ike.h"
#include "ike/ikev2.h"
#include "ike/proposal_lang.h"
#include "report/report.h"
#include "engine_pair.h"

#define BYTES_IN	1000
#define PKTS_IN		10
#define BYTES_OUT	2000
#define PKTS_OUT	20

/* The two engines, the queue and the recording kernel: engine_pair.h. */
static struct engine_pair pair;

/* The output of a report function, as a string to search. */
static char *
capture(void (*fn)(FILE *, void *), void *arg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	fn(f, arg);
	fclose(f);
	return text;
}

struct list_args {
	struct ike_engine	*eng;
	bool			 json;
	const char		*peer;
};

static bool
info_fn(const char *peer, struct report_info *info, void *arg)
{
	info->origin = "test.conf:1";
	info->vti = "vti7";
	info->iface = "vti6";
	info->netns = "private";
	info->start = "start";
	info->dpd_action = "restart";
	info->dpd_delay = 30;
	info->dpd_timeout = 150;
	info->ike_rekey = 14400;
	info->esp_rekey = 3600;
	return strcmp(peer, "B") == 0;
}

static void
do_list(FILE *f, void *arg)
{
	struct list_args *a = arg;

	report_list(a->eng, f, a->json, a->peer, info_fn, NULL);
}

static void
do_status(FILE *f, void *arg)
{
	report_status(arg, f, false);
}

static void
do_metrics(FILE *f, void *arg)
{
	report_metrics(arg, NULL, f);
}

/* ---- a strict little JSON checker: the whole text is one value ---- */

static const char *json_value(const char *);

static const char *
json_ws(const char *s)
{
	while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
		s++;
	return s;
}

static const char *
json_string(const char *s)
{
	if (*s++ != '"')
		return NULL;
	for (; *s != '"'; s++) {
		if (*s == '\0' || (unsigned char)*s < 0x20)
			return NULL;
		if (*s == '\\') {
			s++;
			if (*s == 'u') {
				int i;

				for (i = 1; i <= 4; i++)
					if (!isxdigit((unsigned char)s[i]))
						return NULL;
				s += 4;
			} else if (strchr("\"\\/bfnrt", *s) == NULL)
				return NULL;
		}
	}
	return s + 1;
}

static const char *
json_seq(const char *s, char close, bool members)
{
	s = json_ws(s + 1);
	if (*s == close)
		return s + 1;
	for (;;) {
		if (members) {
			if ((s = json_string(json_ws(s))) == NULL)
				return NULL;
			s = json_ws(s);
			if (*s++ != ':')
				return NULL;
		}
		if ((s = json_value(s)) == NULL)
			return NULL;
		s = json_ws(s);
		if (*s == close)
			return s + 1;
		if (*s++ != ',')
			return NULL;
	}
}

static const char *
json_value(const char *s)
{
	char *end;

	s = json_ws(s);
	if (*s == '{')
		return json_seq(s, '}', true);
	if (*s == '[')
		return json_seq(s, ']', false);
	if (*s == '"')
		return json_string(s);
	if (strncmp(s, "true", 4) == 0 || strncmp(s, "null", 4) == 0)
		return s + 4;
	if (strncmp(s, "false", 5) == 0)
		return s + 5;
	if (*s != '-' && !isdigit((unsigned char)*s))
		return NULL;
	strtod(s, &end);
	return end == s ? NULL : end;
}

static void
assert_json(const char *text)
{
	const char *end = json_value(text);

	if (end == NULL || *json_ws(end) != '\0') {
		printf("not JSON: %s\n", text);
		fail();
	}
}

/* ---- Prometheus text format 0.0.4: every sample of a declared family,
 * a valid name and labels, a number; returns the number of samples ---- */

static bool
name_ok(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!(isalpha((unsigned char)s[i]) || s[i] == '_' ||
		    (i > 0 && isdigit((unsigned char)s[i]))))
			return false;
	return n > 0;
}

static int
assert_exposition(const char *text)
{
	char types[64][64];
	size_t n_types = 0, i, n;
	const char *line = text, *nl, *p;
	char *end;
	int samples = 0;

	for (; *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		assert_non_null(nl);	/* every line ends in '\n' */
		if (strncmp(line, "# TYPE ", 7) == 0) {
			p = line + 7;
			n = strcspn(p, " ");
			assert_true(name_ok(p, n));
			assert_true(strncmp(p + n, " gauge\n", 7) == 0 ||
			    strncmp(p + n, " counter\n", 9) == 0);
			for (i = 0; i < n_types; i++)	/* declared once */
				assert_false(strncmp(types[i], p, n) == 0 &&
				    types[i][n] == '\0');
			assert_true(n_types < 64 && n < 64);
			memcpy(types[n_types], p, n);
			types[n_types++][n] = '\0';
			continue;
		}
		if (line[0] == '#') {
			assert_true(strncmp(line, "# HELP ", 7) == 0);
			continue;
		}
		n = strcspn(line, "{ ");
		assert_true(name_ok(line, n));
		/* A sample of the family declared last. */
		assert_true(n_types > 0);
		if (!(strncmp(types[n_types - 1], line, n) == 0 &&
		    types[n_types - 1][n] == '\0')) {
			printf("sample of an undeclared family: %.*s\n",
			    (int)(nl - line), line);
			fail();
		}
		p = line + n;
		if (*p == '{') {
			p++;
			while (*p != '}') {
				n = strcspn(p, "=");
				assert_true(name_ok(p, n));
				p += n + 1;
				assert_true(*p == '"');
				for (p++; *p != '"'; p++) {
					assert_true(*p != '\n' && *p != '\0');
					if (*p == '\\')
						p++;
				}
				p++;
				if (*p == ',')
					p++;
			}
			p++;
		}
		assert_true(*p == ' ');
		strtod(p + 1, &end);
		assert_true(end > p + 1 && end == nl);
		samples++;
	}
	return samples;
}

static void
expect(const char *text, const char *what)
{
	if (strstr(text, what) == NULL) {
		printf("missing '%s' in:\n%s\n", what, text);
		fail();
	}
}

static int
setup(void **state)
{
	struct ike_peer_conf pc;
	int i;

	ep_init(&pair);
	for (i = 0; i < 2; i++) {
		pair.side[i].bytes_in = BYTES_IN;
		pair.side[i].packets_in = PKTS_IN;
		pair.side[i].bytes_out = BYTES_OUT;
		pair.side[i].packets_out = PKTS_OUT;
	}
	ep_peer_conf(&pc, "A", "2001:db8::2", "2001:db8::1", 7, IKE_START_ADD);
	assert_int_equal(ike_peer_add(pair.side[1].eng, &pc), 0);
	ep_peer_conf(&pc, "C", "2001:db8::1", "2001:db8::3", 9, IKE_START_ADD);
	assert_int_equal(ike_peer_add(pair.side[0].eng, &pc), 0);
	ep_peer_conf(&pc, "B", "2001:db8::1", "2001:db8::2", 7,
	    IKE_START_START);
	assert_int_equal(ike_peer_add(pair.side[0].eng, &pc), 0);
	ep_pump(&pair);
	return 0;
}

static int
teardown(void **state)
{
	ep_free(&pair);
	return 0;
}

static void
test_up(void **state)
{
	unsigned up, total;

	assert_int_equal(ike_peer_state(pair.side[0].eng, "B"), IKE_PEER_UP);
	assert_int_equal(ike_peer_state(pair.side[1].eng, "A"), IKE_PEER_UP);
	assert_int_equal(ike_peer_state(pair.side[0].eng, "C"), IKE_PEER_DOWN);
	assert_int_equal(ike_peer_state(pair.side[0].eng, "nobody"),
	    IKE_PEER_UNKNOWN);
	assert_string_equal(ike_peer_state_name(IKE_PEER_CONNECTING),
	    "connecting");
	ike_engine_count(pair.side[0].eng, &up, &total);
	assert_int_equal(up, 1);
	assert_int_equal(total, 2);
	assert_int_equal(pair.side[0].sas, 2);
	assert_int_equal(pair.side[1].sas, 2);
}

static void
test_list_text(void **state)
{
	struct list_args a = { pair.side[0].eng, false, NULL };
	char *t = capture(do_list, &a);

	printf("%s", t);
	expect(t, "B: up");
	expect(t, "start start, mark 7, reqid 1073741831, vti7 (vti6) in netns "
	    "private");
	expect(t, "2001:db8::1 [2001:db8::1] ... 2001:db8::2 [2001:db8::2], "
	    "vtid (crossing rule 1)\n");
	expect(t, "initiator, SPIs ");
	expect(t, "AES_GCM_16_256/PRF_HMAC_SHA2_384/ECP_384");
	expect(t, "(rekey_time 4h00m, jitter 0s, margin 0s)");
	expect(t, "(rekey_time 1h00m, jitter 0s, margin 0s)");
	/* The engine schedules the rekeys: the time left shows. */
	expect(t, "ECP_384, rekey in ");
	expect(t, "ESN_NONE, rekey in ");
	expect(t, "ESP SPIs ");
	expect(t, "AES_GCM_16_256/ESN_NONE");
	expect(t, "in 1000 bytes 10 packets, out 2000 bytes 20 packets");
	expect(t, "total: in 1000 bytes 10 packets, out 2000 bytes 20 "
	    "packets; rekeys 0 CHILD 0 IKE; failures 0");
	expect(t, "C: down, mark 9");
	free(t);
	/* One peer only. */
	a.peer = "C";
	t = capture(do_list, &a);
	assert_null(strstr(t, "B: "));
	expect(t, "C: down");
	free(t);
	/* The responder's view. */
	a.eng = pair.side[1].eng;
	a.peer = NULL;
	t = capture(do_list, &a);
	expect(t, "A: up ");
	expect(t, ", mark 7, reqid 1073741831\n");
	expect(t, "responder, SPIs ");
	free(t);
}

static void
test_list_json(void **state)
{
	struct list_args a = { pair.side[0].eng, true, NULL };
	char *t = capture(do_list, &a);

	printf("%s", t);
	assert_json(t);
	expect(t, "{\"peers\":[{\"name\":\"C\",\"state\":\"down\"");
	expect(t, "{\"name\":\"B\",\"state\":\"up\",\"mark\":7");
	expect(t, "\"vti\":\"vti7\",\"netns\":\"private\",\"interface\":\"vti6\"");
	expect(t, "\"proposal\":\"AES_GCM_16_256/PRF_HMAC_SHA2_384/ECP_384\"");
	expect(t, "\"role\":\"current\"");
	expect(t, "\"bytes_in\":1000,\"packets_in\":10,\"bytes_out\":2000,"
	    "\"packets_out\":20");
	expect(t, "\"up_since\":null");		/* C */
	/* B's Vendor ID, on the peer and on its IKE SA. */
	expect(t, "\"remote_id\":\"2001:db8::2\",\"peer_vtid\":1,");
	expect(t, "\"remote\":\"2001:db8::2\",\"peer_vtid\":1,\"proposal\"");
	free(t);
	/* Status -j is JSON too. */
	{
		char *s = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&s, &len);

		report_status(pair.side[0].eng, f, true);
		fclose(f);
		assert_json(s);
		free(s);
	}
}

static void
test_metrics(void **state)
{
	char *t = capture(do_metrics, pair.side[0].eng);
	int n = assert_exposition(t);

	printf("%s", t);
	printf("metrics: %d samples, valid exposition format\n", n);
	expect(t, "vtid_peer_up{peer=\"B\"} 1\n");
	expect(t, "vtid_peer_up{peer=\"C\"} 0\n");
	expect(t, "vtid_peer_state{peer=\"C\",state=\"down\"} 1\n");
	expect(t, "vtid_peer_state{peer=\"B\",state=\"up\"} 1\n");
	expect(t, "vtid_peer_state{peer=\"B\",state=\"down\"} 0\n");
	expect(t, "vtid_peer_in_bytes_total{peer=\"B\"} 1000\n");
	expect(t, "vtid_peer_out_packets_total{peer=\"B\"} 20\n");
	expect(t, "vtid_peer_in_bytes_total{peer=\"C\"} 0\n");
	expect(t, "vtid_peer_failures_total{peer=\"C\"} 0\n");
	expect(t, "vtid_ike_sas_established_total 1\n");
	expect(t, "vtid_child_sas_established_total 1\n");
	free(t);
}

/* A CHILD rekey (make-before-break) and an IKE rekey: counted, the
 * replaced CHILD SA shown while its inbound SA drains, and its traffic
 * kept in the peer's totals once its outbound SA is gone. */
static void
test_rekey(void **state)
{
	struct list_args a = { pair.side[0].eng, false, "B" };
	char *t;

	assert_int_equal(ike_peer_rekey(pair.side[0].eng, "B", false), 0);
	ep_pump(&pair);
	assert_int_equal(ike_peer_state(pair.side[0].eng, "B"), IKE_PEER_UP);
	t = capture(do_list, &a);
	printf("%s", t);
	expect(t, "rekeys 1 CHILD 0 IKE");
	expect(t, "CHILD SA {1} current: INSTALLED");
	expect(t, "CHILD SA {1} rekeyed: INSTALLED");
	expect(t, "_o (gone), ::/0 0.0.0.0/0");
	/* Old inbound (1000/10) still in the kernel and counted live; its
	 * outbound (2000/20) gone into the totals; the new pair live. */
	expect(t, "total: in 2000 bytes 20 packets, out 4000 bytes 40 "
	    "packets; rekeys 1 CHILD 0 IKE");
	free(t);
	assert_int_equal(ike_peer_rekey(pair.side[0].eng, "B", true), 0);
	ep_pump(&pair);
	assert_int_equal(ike_peer_state(pair.side[0].eng, "B"), IKE_PEER_UP);
	t = capture(do_metrics, pair.side[0].eng);
	assert_exposition(t);
	expect(t, "vtid_peer_child_rekeys_total{peer=\"B\"} 1\n");
	expect(t, "vtid_peer_ike_rekeys_total{peer=\"B\"} 1\n");
	free(t);
	assert_int_equal(ike_peer_rekey(pair.side[0].eng, "C", false), -1);
}

static void
test_down(void **state)
{
	char *t;
	struct list_args a = { pair.side[0].eng, false, NULL };

	assert_int_equal(ike_peer_down(pair.side[0].eng, "B"), 0);
	ep_pump(&pair);
	assert_int_equal(ike_peer_state(pair.side[0].eng, "B"), IKE_PEER_DOWN);
	assert_int_equal(ike_peer_state(pair.side[1].eng, "A"), IKE_PEER_DOWN);
	assert_int_equal(pair.side[0].sas, 0);
	assert_int_equal(pair.side[1].sas, 0);
	t = capture(do_metrics, pair.side[0].eng);
	assert_exposition(t);
	expect(t, "vtid_peer_up{peer=\"B\"} 0\n");
	expect(t, "vtid_peer_ike_sas{peer=\"B\"} 0\n");
	free(t);
	t = capture(do_list, &a);
	expect(t, "B: down");
	expect(t, "last error: taken down by the operator");
	free(t);
	t = capture(do_status, pair.side[0].eng);
	expect(t, "B: DOWN (retrying), last error: taken down by the operator");
	free(t);
	/* And up again: while it connects, the status still says why it
	 * was down. */
	assert_int_equal(ike_peer_initiate(pair.side[0].eng, "B"), 0);
	t = capture(do_status, pair.side[0].eng);
	expect(t, "CONNECTING");
	expect(t, "B: last error: taken down by the operator");
	free(t);
	ep_pump(&pair);
	assert_int_equal(ike_peer_state(pair.side[0].eng, "B"), IKE_PEER_UP);
}

static void
test_escaping(void **state)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	report_label_str(f, "a\"b\\c\nd");
	fputc(' ', f);
	report_json_str(f, "a\"b\\c\nd\x01");
	fclose(f);
	assert_string_equal(s, "\"a\\\"b\\\\c\\nd\" \"a\\\"b\\\\c\\u000ad"
	    "\\u0001\"");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_up),
		cmocka_unit_test(test_list_text),
		cmocka_unit_test(test_list_json),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_rekey),
		cmocka_unit_test(test_down),
		cmocka_unit_test(test_escaping),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
