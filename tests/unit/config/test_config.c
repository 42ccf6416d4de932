/* vtid.conf: the example and the lab configuration load with the values
 * they say; every kind of mistake is an error naming file:line, peer and
 * setting; psk_file permissions; defaults; value syntax; peer comparison.
 * Files are written to a temporary directory removed at the end. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>
#include <cmocka.h>

#include "config/config.h"
#include "ike/ikev2.h"
#include "ike/proposal_lang.h"

#define LAB_PSK	"d8bdRxaY22oH1j89Z2nATeYyrXfP9ga6xC5mi0RG1uc"
#define GOOD_PSK "0123456789abcdef0123456789"

static char tmpdir[64];

/* The check the daemon passes: the proposal language. */
static int
check_proposals(enum config_proposal_kind kind, const char *s, char *msg,
    size_t len)
{
	struct proposal_conf pc;

	return proposal_conf_parse(&pc, kind == CONFIG_PROPOSAL_IKE ?
	    IKE_PROTO_IKE : IKE_PROTO_ESP, s, msg, len);
}

/* ---- files ---- */

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int
setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vtid-test-config-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	return nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Write tmpdir/name with mode; returns the path (static buffer). */
static const char *
write_file(const char *name, const char *text, mode_t mode)
{
	static char path[2][256];
	static int which;
	char *p = path[which++ % 2];
	int fd;

	snprintf(p, sizeof(path[0]), "%s/%s", tmpdir, name);
	unlink(p);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return p;
}

static char *
read_all(const char *path)
{
	static char buf[16384];
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static struct vtid_config *
load_ok(const char *path)
{
	struct config_error err;
	struct vtid_config *c = config_load(path, check_proposals, &err);

	if (c == NULL)
		fail_msg("%s", err.msg);
	return c;
}

/* ---- comparisons ---- */

static void
assert_addr(const struct sockaddr_storage *ss, const char *want)
{
	char got[INET6_ADDRSTRLEN];

	addr_str(ss, got, sizeof(got));
	if (strcmp(got, want) != 0)
		fail_msg("address %s, want %s", got, want);
}

static void
assert_prefix(const struct config_prefix *p, const char *want)
{
	char got[INET6_ADDRSTRLEN + 8];
	char a[INET6_ADDRSTRLEN];

	snprintf(got, sizeof(got), "%s/%u", addr_str(&p->addr, a,
	    sizeof(a)), p->len);
	if (strcmp(got, want) != 0)
		fail_msg("prefix %s, want %s", got, want);
}

static void
assert_id(const struct config_id *id, const char *want)
{
	char got[600];

	config_id_str(id, got, sizeof(got));
	if (strcmp(got, want) != 0)
		fail_msg("identity %s, want %s", got, want);
}

static void
assert_psk(const struct config_peer *p, const char *want)
{
	assert_int_equal(p->psk_len, strlen(want));
	assert_memory_equal(p->psk, want, p->psk_len);
}

static void
assert_default_lifetimes(const struct config_peer *p)
{
	assert_int_equal(p->ike.life.rekey_time, 14400);
	assert_int_equal(p->ike.life.jitter, 1440);
	assert_int_equal(p->ike.life.margin, 1440);
	assert_int_equal(p->esp.life.rekey_time, 3600);
	assert_int_equal(p->esp.life.jitter, 360);
	assert_int_equal(p->esp.life.margin, 360);
}

/* ---- the lab ---- */

static const struct {
	const char	*name, *remote, *vti, *v6, *v4;
	uint32_t	 mark;
} lab_v1_1[] = {
	{ "V2-1", "2001:db8:2::1", "vti3", "2001:db8:ff::/127",
	    "169.254.1.0/31", 3 },
	{ "V2-2", "2001:db8:2::2", "vti4", "2001:db8:ff::2/127",
	    "169.254.1.2/31", 4 },
	{ "V3-1", "2001:db8:3::1", "vti5", "2001:db8:ff::4/127",
	    "169.254.1.4/31", 5 },
	{ "V3-2", "2001:db8:3::2", "vti6", "2001:db8:ff::6/127",
	    "169.254.1.6/31", 6 },
};

static void
check_lab_v1_1(const struct vtid_config *c)
{
	size_t i;

	assert_int_equal(c->n_local, 1);
	assert_addr(&c->local[0], "2001:db8:1::1");
	assert_int_equal(c->n_peers, 4);
	for (i = 0; i < 4; i++) {
		const struct config_peer *p = &c->peers[i];

		assert_string_equal(p->name, lab_v1_1[i].name);
		assert_addr(&p->local, "2001:db8:1::1");
		assert_addr(&p->remote, lab_v1_1[i].remote);
		assert_int_equal(p->local_id.type, CONFIG_ID_IPV6);
		assert_id(&p->local_id, "ip:2001:db8:1::1");
		assert_int_equal(p->remote_id.type, CONFIG_ID_IPV6);
		assert_int_equal(p->remote_id.len, 16);
		assert_memory_equal(p->remote_id.data,
		    &((const struct sockaddr_in6 *)&p->remote)->sin6_addr, 16);
		assert_psk(p, LAB_PSK);
		assert_int_equal(p->mark, lab_v1_1[i].mark);
		assert_int_equal(p->reqid, 0x40000000 + lab_v1_1[i].mark);
		assert_int_equal(p->start, CONFIG_START_ROUTE);
		assert_int_equal(p->keying_tries, CONFIG_FOREVER);
		assert_string_equal(p->ike.proposals,
		    "aes256gcm16-prfsha384-ecp384!");
		assert_string_equal(p->esp.proposals,
		    "aes256gcm16-prfsha384-ecp384!");
		assert_default_lifetimes(p);
		assert_int_equal(p->dpd.action, CONFIG_DPD_RESTART);
		assert_int_equal(p->dpd.delay, 30);
		assert_int_equal(p->dpd.timeout, 150);
		assert_string_equal(p->vti.name, lab_v1_1[i].vti);
		assert_string_equal(p->vti.netns, "private");
		assert_int_equal(p->vti.mtu, 1500);
		assert_int_equal(p->vti.n_addrs, 2);
		assert_prefix(&p->vti.addrs[0], lab_v1_1[i].v6);
		assert_prefix(&p->vti.addrs[1], lab_v1_1[i].v4);
		print_message("%s: %s mark %u %s in %s, %s %s\n", p->name,
		    lab_v1_1[i].remote, p->mark, p->vti.name, p->vti.netns,
		    lab_v1_1[i].v6, lab_v1_1[i].v4);
	}
}

static void
test_lab(void **state)
{
	struct vtid_config *c;
	const char *path;

	/* As committed; a copy only readable by root gives no warning. */
	c = load_ok(VTID_SRC "/conf/lab/vtid.V1-1.conf");
	check_lab_v1_1(c);
	config_free(c);
	path = write_file("lab.conf", read_all(VTID_SRC
	    "/conf/lab/vtid.V1-1.conf"), 0600);
	c = load_ok(path);
	check_lab_v1_1(c);
	assert_int_equal(c->n_warnings, 0);
	config_free(c);
}

/* Every host of the lab renders to a configuration that loads; V3-2's
 * interco addresses are those of the seed's junos-V3-2.conf. */
static void
test_lab_all_hosts(void **state)
{
	static const char *const v3_2[] = { "2001:db8:ff::7/127",
	    "2001:db8:ff::15/127", "2001:db8:ff::19/127",
	    "2001:db8:ff::23/127" };
	static const char *const v3_2_v4[] = { "169.254.1.7/31",
	    "169.254.1.15/31", "169.254.1.19/31", "169.254.1.23/31" };
	char cmd[512], name[32], text[8192];
	struct vtid_config *c;
	const char *path;
	FILE *f;
	size_t n, i;
	int asn, vpn;

	if (access("/usr/bin/python3", X_OK) != 0)
		skip();
	for (asn = 1; asn <= 3; asn++) {
		for (vpn = 1; vpn <= 2; vpn++) {
			snprintf(cmd, sizeof(cmd), "python3 '%s' %d %d",
			    VTID_SRC "/conf/lab/render", asn, vpn);
			f = popen(cmd, "r");
			assert_non_null(f);
			n = fread(text, 1, sizeof(text) - 1, f);
			text[n] = '\0';
			assert_int_equal(pclose(f), 0);
			snprintf(name, sizeof(name), "V%d-%d.conf", asn, vpn);
			path = write_file(name, text, 0600);
			c = load_ok(path);
			assert_int_equal(c->n_peers, 4);
			if (asn == 3 && vpn == 2) {
				for (i = 0; i < 4; i++) {
					assert_prefix(&c->peers[i].vti.addrs[0],
					    v3_2[i]);
					assert_prefix(&c->peers[i].vti.addrs[1],
					    v3_2_v4[i]);
				}
				assert_string_equal(c->peers[0].name, "V1-1");
				assert_int_equal(c->peers[0].mark, 1);
			}
			print_message("V%d-%d: 4 peers, marks %u %u %u %u\n",
			    asn, vpn, c->peers[0].mark, c->peers[1].mark,
			    c->peers[2].mark, c->peers[3].mark);
			config_free(c);
		}
	}
}

/* ---- the example ---- */

static void
test_example(void **state)
{
	struct vtid_config *c;
	const struct config_peer *p;
	char dir[128];

	snprintf(dir, sizeof(dir), "%s/psk", tmpdir);
	assert_int_equal(mkdir(dir, 0700), 0);
	write_file("psk/V2-1", "this is V2-1's key, 32 bytes...\n", 0600);
	write_file("psk/branch-paris", "paris-paris-paris-paris-paris", 0400);
	c = load_ok(write_file("example.conf", read_all(VTID_SRC
	    "/conf/vtid.conf.example"), 0644));
	assert_int_equal(c->n_warnings, 0);

	assert_string_equal(c->control_socket, "/run/vtid/vtid.sock");
	assert_int_equal(c->dos.cookie_threshold, 10);
	assert_int_equal(c->dos.cookie_threshold_peer, 2);
	assert_int_equal(c->dos.half_open_max, 500);
	assert_int_equal(c->dos.half_open_max_peer, 10);
	assert_int_equal(c->dos.cookie_rotate, 60);
	assert_int_equal(c->dos.init_max_size, 4096);
	assert_int_equal(c->dos.half_open_timeout, 30);
	assert_int_equal(c->initiate_max, 100);
	assert_int_equal(c->log_level, LOG_INFO);
	assert_false(c->syslog);
	assert_int_equal(c->n_local, 0);
	assert_int_equal(c->reqid_base, 0x40000000);
	assert_int_equal(c->retransmit.timeout_ms, 4000);
	assert_true(c->retransmit.base > 1.79 && c->retransmit.base < 1.81);
	assert_int_equal(c->retransmit.limit_ms, 60000);
	assert_int_equal(c->retransmit.tries, 5);
	assert_int_equal(c->start, CONFIG_START_ROUTE);
	assert_int_equal(c->keying_tries, CONFIG_FOREVER);
	assert_string_equal(c->ike.proposals, "default");
	assert_string_equal(c->esp.proposals, "default");
	assert_string_equal(c->vti.pattern, "");	/* by type */
	assert_int_equal(c->vti.type, CONFIG_IFACE_VTI);
	assert_string_equal(c->vti.name, "");
	assert_string_equal(c->vti.netns, "");
	assert_int_equal(c->vti.mtu, 1500);
	assert_int_equal(c->n_peers, 2);

	p = config_peer_find(c, "V2-1");
	assert_ptr_equal(p, &c->peers[0]);
	assert_addr(&p->local, "2001:db8:1::1");
	assert_addr(&p->remote, "2001:db8:2::1");
	assert_psk(p, "this is V2-1's key, 32 bytes...");
	assert_int_equal(p->mark, 3);
	assert_string_equal(p->ike.proposals, "aes256gcm16-prfsha384-ecp384!");
	assert_string_equal(p->esp.proposals, "aes256gcm16-ecp384!");
	assert_default_lifetimes(p);
	assert_string_equal(p->vti.name, "vti3");
	assert_string_equal(p->vti.netns, "private");
	assert_int_equal(p->vti.n_addrs, 2);
	assert_prefix(&p->vti.addrs[0], "2001:db8:ff::/127");
	assert_prefix(&p->vti.addrs[1], "169.254.1.0/31");

	p = config_peer_find(c, "branch-paris");
	assert_non_null(p);
	assert_addr(&p->local, "192.0.2.1");
	assert_addr(&p->remote, "198.51.100.7");
	assert_int_equal(p->local_id.type, CONFIG_ID_FQDN);
	assert_id(&p->local_id, "fqdn:hq.example.net");
	assert_id(&p->remote_id, "fqdn:paris.example.net");
	assert_psk(p, "paris-paris-paris-paris-paris");
	assert_int_equal(p->mark, 100);
	assert_int_equal(p->start, CONFIG_START_START);
	assert_string_equal(p->ike.proposals, "default");
	assert_int_equal(p->dpd.delay, 10);
	assert_int_equal(p->dpd.timeout, 30);
	assert_int_equal(p->dpd.action, CONFIG_DPD_CLEAR);
	assert_string_equal(p->vti.name, "vti-paris");
	assert_string_equal(p->vti.netns, "");
	assert_int_equal(p->vti.mtu, 1400);
	assert_int_equal(p->vti.n_addrs, 1);
	assert_null(config_peer_find(c, "V9-9"));
	config_free(c);
	print_message("conf/vtid.conf.example loads as documented\n");
}

/* ---- defaults and overrides ---- */

static void
test_defaults(void **state)
{
	struct vtid_config *c;
	const struct config_peer *p;

	c = load_ok(write_file("min.conf",
	    "peers = ( { name = \"p\"; local = \"192.0.2.1\";\n"
	    "  remote = \"192.0.2.2\"; psk = \"" GOOD_PSK "\"; mark = 7; } );\n",
	    0600));
	assert_int_equal(c->n_peers, 1);
	p = &c->peers[0];
	assert_int_equal(p->start, CONFIG_START_ROUTE);
	assert_int_equal(p->keying_tries, CONFIG_FOREVER);
	assert_string_equal(p->ike.proposals, "default");
	assert_string_equal(p->esp.proposals, "default");
	assert_default_lifetimes(p);
	assert_int_equal(p->dpd.delay, 30);
	assert_int_equal(p->dpd.timeout, 150);
	assert_int_equal(p->dpd.action, CONFIG_DPD_RESTART);
	assert_string_equal(p->vti.name, "vti7");
	assert_string_equal(p->vti.netns, "");
	assert_int_equal(p->vti.mtu, 1500);
	assert_true(p->vti.link_follows);
	assert_int_equal(p->vti.n_addrs, 0);
	assert_true(p->fragmentation);
	assert_int_equal(p->fragment_size, 0);
	assert_int_equal(p->local_id.type, CONFIG_ID_IPV4);
	assert_id(&p->local_id, "ip:192.0.2.1");
	assert_id(&p->remote_id, "ip:192.0.2.2");
	assert_int_equal(p->reqid, 0x40000007);
	assert_string_equal(c->control_socket, "/run/vtid/vtid.sock");
	config_free(c);

	/* Globals reach peers; peers override them one setting at a time. */
	c = load_ok(write_file("over.conf",
	    "control_socket = \"/run/vtid/ctl\";\n"
	    "log_level = \"debug\";\n"
	    "syslog = true;\n"
	    "local_addresses = [ \"192.0.2.1\", \"2001:db8::1\" ];\n"
	    "reqid_base = 1000;\n"
	    "start = \"add\";\n"
	    "keying_tries = 3;\n"
	    "retransmit = { timeout = 0.5; base = 2; limit = 10; "
	    "tries = \"forever\"; };\n"
	    "ike = { proposals = \"aes128-sha256-ecp256\"; rekey_time = \"2h\"; "
	    "jitter = \"5m\"; margin = \"10m\"; };\n"
	    "esp = { rekey_time = 1200; jitter = 0; margin = 60; };\n"
	    "dpd = { delay = \"1m\"; timeout = 90; action = \"trap\"; };\n"
	    "fragmentation = false;\n"
	    "fragment_size = 1000;\n"
	    "vti = { name = \"ipsec-%peer%\"; netns = \"vpn\"; mtu = 1400; "
	    "link = \"up\"; };\n"
	    "dos = { cookie_threshold = 0; cookie_threshold_peer = 0; "
	    "half_open_max = 50; half_open_max_peer = 5; cookie_rotate = \"2m\"; "
	    "init_max_size = 2000; half_open_timeout = \"2m\"; };\n"
	    "initiate_max = 7;\n"
	    "peers = (\n"
	    "  { name = \"a\"; remote = \"2001:db8::2\"; psk = \"" GOOD_PSK "\";\n"
	    "    mark = 1; keying_tries = 0; start = \"start\";\n"
	    "    ike = { rekey_time = 7200; jitter = 1; };\n"
	    "    esp = { proposals = \"aes256gcm16-x25519\"; };\n"
	    "    dpd = { delay = 0; };\n"
	    "    fragmentation = true; fragment_size = 256;\n"
	    "    vti = { mtu = \"auto\"; link = \"tunnel\"; };\n"
	    "  },\n"
	    "  { name = \"b\"; remote = \"198.51.100.1\"; psk = \"" GOOD_PSK "\";\n"
	    "    mark = 2L; local_id = \"@b.example\"; remote_id = \"x@y\"; }\n"
	    ");\n", 0600));
	assert_string_equal(c->control_socket, "/run/vtid/ctl");
	assert_int_equal(c->log_level, LOG_DEBUG);
	assert_true(c->syslog);
	assert_int_equal(c->n_local, 2);
	assert_int_equal(c->reqid_base, 1000);
	assert_int_equal(c->retransmit.timeout_ms, 500);
	assert_int_equal(c->retransmit.limit_ms, 10000);
	assert_int_equal(c->retransmit.tries, CONFIG_FOREVER);
	assert_int_equal(c->dos.cookie_threshold, 0);
	assert_int_equal(c->dos.cookie_threshold_peer, 0);
	assert_int_equal(c->dos.half_open_max, 50);
	assert_int_equal(c->dos.half_open_max_peer, 5);
	assert_int_equal(c->dos.cookie_rotate, 120);
	assert_int_equal(c->dos.init_max_size, 2000);
	assert_int_equal(c->dos.half_open_timeout, 120);
	assert_int_equal(c->initiate_max, 7);
	p = &c->peers[0];
	assert_addr(&p->local, "2001:db8::1");		/* by family */
	assert_int_equal(p->reqid, 1001);
	assert_int_equal(p->start, CONFIG_START_START);
	assert_int_equal(p->keying_tries, CONFIG_FOREVER);
	assert_string_equal(p->ike.proposals, "aes128-sha256-ecp256");
	assert_int_equal(p->ike.life.rekey_time, 7200);
	assert_int_equal(p->ike.life.jitter, 1);
	assert_int_equal(p->ike.life.margin, 600);
	assert_string_equal(p->esp.proposals, "aes256gcm16-x25519");
	assert_int_equal(p->esp.life.rekey_time, 1200);
	assert_int_equal(p->esp.life.jitter, 0);
	assert_int_equal(p->dpd.delay, 0);
	assert_int_equal(p->dpd.timeout, 90);
	assert_int_equal(p->dpd.action, CONFIG_DPD_TRAP);
	assert_string_equal(p->vti.name, "ipsec-a");
	assert_string_equal(p->vti.netns, "vpn");
	assert_true(p->vti.mtu_auto);
	assert_true(p->vti.link_follows);
	assert_true(p->fragmentation);
	assert_int_equal(p->fragment_size, 256);
	p = &c->peers[1];
	assert_addr(&p->local, "192.0.2.1");
	assert_int_equal(p->mark, 2);
	assert_int_equal(p->start, CONFIG_START_ADD);
	assert_int_equal(p->keying_tries, 3);
	assert_int_equal(p->ike.life.rekey_time, 7200);
	assert_int_equal(p->ike.life.jitter, 300);
	assert_int_equal(p->dpd.delay, 60);
	assert_int_equal(p->vti.mtu, 1400);
	assert_false(p->fragmentation);
	assert_int_equal(p->fragment_size, 1000);
	assert_false(p->vti.link_follows);	/* inherited */
	assert_id(&p->local_id, "fqdn:b.example");
	assert_id(&p->remote_id, "email:x@y");
	config_free(c);
	print_message("defaults applied, globals inherited, peers override\n");
}

/* ---- bad configurations ---- */

/* Two peers without a fixed address on VTIs, the first with this ID. */
#define DYN2(id_a) \
	"start = \"add\";\npeers = (\n" \
	"  { name = \"a\"; local = \"2001:db8::1\"; remote = \"%any\";\n" \
	"    remote_id = \"" id_a "\"; psk = \"" GOOD_PSK "\"; mark = 1; },\n" \
	"  { name = \"b\"; local = \"2001:db8::1\"; psk = \"" GOOD_PSK "\";\n" \
	"    remote = \"2001:db8:5::/48\"; mark = 2;\n" \
	"    remote_id = \"fqdn:b.example\"; }\n);\n"

#define PEER(extra) \
	"peers = ( {\n" \
	"  name = \"p\"; local = \"2001:db8::1\"; remote = \"2001:db8::2\";\n" \
	"  psk = \"" GOOD_PSK "\"; mark = 1;\n" \
	extra \
	"} );\n"
#define TWO(a, b) \
	"peers = (\n" \
	"  { name = \"a\"; local = \"2001:db8::1\"; remote = \"2001:db8::2\";\n" \
	"    psk = \"" GOOD_PSK "\"; mark = 1;\n" \
	a \
	"  },\n" \
	"  { name = \"b\"; local = \"2001:db8::1\"; remote = \"2001:db8::3\";\n" \
	"    psk = \"" GOOD_PSK "\"; mark = 2;\n" \
	b \
	"  }\n" \
	");\n"

/* The message after "FILE:"; "@DIR@" in it stands for the directory. */
static const struct {
	const char	*text;
	const char	*want;
} bad[] = {
	/* syntax, from libconfig */
	{ "log_level = ;\n", "1: syntax error" },
	{ "syslog = true;\nsyslog = false;\n", "2: duplicate setting name" },
	{ "peers = (\n  { name = \"x\" }\n", "3: syntax error" },
	/* globals */
	{ "# comment\nfoo = 1;\n", "2: unknown setting 'foo'" },
	{ "log_level = \"loud\";\n", "1: log_level: unknown level 'loud' "
	    "(err, warning, notice, info or debug)" },
	{ "syslog = 1;\n", "1: syslog: expected true or false" },
	{ "control_socket = \"run/vtid.sock\";\n",
	    "1: control_socket: 'run/vtid.sock' is not an absolute path" },
	{ "reqid_base = -1;\n", "1: reqid_base: must be 0 to 4294967294" },
	{ "start = \"auto\";\n",
	    "1: start: unknown value 'auto' (add, route or start)" },
	{ "keying_tries = \"often\";\n",
	    "1: keying_tries: expected a number or \"forever\"" },
	{ "keying_tries = 1.5;\n",
	    "1: keying_tries: expected an integer or a string" },
	{ "local_addresses = [ \"2001:db8::1\", \"2001:db8::1\" ];\n",
	    "1: local_addresses: '2001:db8::1' given twice" },
	{ "local_addresses = [ \"ff02::1\" ];\n",
	    "1: local_addresses: 'ff02::1' is not a unicast address" },
	{ "local_addresses = [ \"vpn.example.net\" ];\n",
	    "1: local_addresses: 'vpn.example.net' is not an IP address" },
	{ "local_addresses = \"2001:db8::1\";\n",
	    "1: local_addresses: expected a list ( ... ) or [ ... ]" },
	{ "retransmit = {\n  tries = 3;\n  retries = 4;\n};\n",
	    "3: retransmit: unknown setting 'retries'" },
	{ "retransmit = { timeout = 0; };\n",
	    "1: retransmit.timeout: must be 0.05 to 3600 seconds" },
	{ "retransmit = { base = 0.5; };\n",
	    "1: retransmit.base: must be 1 to 10" },
	{ "retransmit = { limit = 1; };\n",
	    "1: retransmit.limit: 1s is less than retransmit.timeout 4s" },
	{ "dos = {\n  cookie_threshold = 5;\n  cookies = 1;\n};\n",
	    "3: dos: unknown setting 'cookies'" },
	{ "dos = { half_open_max = 0; };\n",
	    "1: dos.half_open_max: must be 1 to 1000000" },
	{ "dos = { cookie_threshold_peer = -1; };\n",
	    "1: dos.cookie_threshold_peer: must be 0 to 1000000" },
	{ "dos = {\n  half_open_max = 100;\n  cookie_threshold = 200;\n};\n",
	    "3: dos.cookie_threshold: 200 is above dos.half_open_max 100: no "
	    "COOKIE would ever be asked for" },
	{ "dos = { half_open_max_peer = 1; };\n",
	    "1: dos.cookie_threshold_peer: 2 is above dos.half_open_max_peer "
	    "1: no COOKIE would ever be asked for" },
	{ "dos = { cookie_rotate = 0; };\n",
	    "1: dos.cookie_rotate: must be 1 to 86400 seconds" },
	{ "dos = { half_open_timeout = \"2h\"; };\n",
	    "1: dos.half_open_timeout: must be 1 to 3600 seconds" },
	{ "initiate_max = 0;\n",
	    "1: initiate_max: must be 1 to 1000000" },
	{ "dos = { cookie_rotate = \"2d\"; };\n",
	    "1: dos.cookie_rotate: must be 1 to 86400 seconds" },
	{ "dos = { init_max_size = 100; };\n",
	    "1: dos.init_max_size: must be 512 to 65535" },
	{ "fragment_size = 255;\n",
	    "1: fragment_size: 255 is below 256 (0: 1280 for IPv6, 576 for "
	    "IPv4)" },
	{ "fragment_size = 70000;\n",
	    "1: fragment_size: must be 0 to 65535" },
	{ "fragmentation = \"yes\";\n",
	    "1: fragmentation: expected true or false" },
	{ PEER("  fragment_size = 100;\n"),
	    "4: peer 'p': fragment_size: 100 is below 256 (0: 1280 for IPv6, "
	    "576 for IPv4)" },
	{ PEER("  fragmentaton = false;\n"),
	    "4: peer 'p': unknown setting 'fragmentaton'" },
	{ "dos = { init_max_size = \"4k\"; };\n",
	    "1: dos.init_max_size: expected an integer" },
	{ "ike = { proposals = \"\"; };\n", "1: ike.proposals: empty" },
	{ "ike = {\n  proposals = \"aes257-sha256-modp2048\";\n};\n",
	    "2: ike.proposals: unknown algorithm 'aes257' in proposal "
	    "'aes257-sha256-modp2048'" },
	{ "esp = { proposals = \"aes256gcm16-sha256\"; };\n",
	    "1: esp.proposals: integrity algorithm 'sha256' with AEAD cipher "
	    "in ESP proposal 'aes256gcm16-sha256'" },
	{ "ike = { rekey_time = \"4x\"; };\n", "1: ike.rekey_time: '4x' is "
	    "not a duration (like 3600, \"90s\", \"15m\", \"4h\", \"1d\")" },
	{ "ike = { rekey_time = -5; };\n",
	    "1: ike.rekey_time: must be 0 to 4294967295 seconds" },
	{ "esp = {\n  rekey_time = 100;\n};\n",
	    "1: esp.jitter: 360 must be less than rekey_time 100" },
	{ "esp = { margin = 0; };\n", "1: esp.margin: must be > 0" },
	{ "ike = { lifetime = 3600; };\n", "1: ike: unknown setting 'lifetime'" },
	{ "dpd = { action = \"hold\"; };\n",
	    "1: dpd.action: unknown value 'hold' (clear, restart or trap)" },
	{ "dpd = { timeout = 0; };\n",
	    "1: dpd.timeout: must be > 0 when dpd.delay is set" },
	{ "vti = { name = \"a%foo%\"; };\n", "1: vti.name: 'a%foo%': unknown % "
	    "placeholder (%mark% or %peer%)" },
	{ "vti = { name = \"vti/%mark%\"; };\n", "1: vti.name: 'vti/1' is not "
	    "an interface name (letters, digits, '_', '-', '.')" },
	{ "vti = { netns = \"../x\"; };\n", "1: vti.netns: '../x' is not a "
	    "namespace name (letters, digits, '_', '-', '.')" },
	{ "vti = { mtu = 10; };\n", "1: vti.mtu: must be 68 to 65535" },
	{ "vti = { mtu = \"1400\"; };\n", "1: vti.mtu: '1400' is neither a "
	    "number nor \"auto\"" },
	{ "vti = { link = \"down\"; };\n", "1: vti.link: 'down' is not "
	    "\"tunnel\" (down while the tunnel is) or \"up\" (always)" },
	{ "vti = { addresses = [ \"10.0.0.1/31\" ]; };\n",
	    "1: vti: unknown setting 'addresses'" },
	/* a peer */
	{ "peers = ( 1 );\n", "1: peer #1: expected a group { ... }" },
	{ "peers = (\n  {\n    name = \"V2-1\";\n    mark = 0;\n  }\n);\n",
	    "4: peer 'V2-1': mark: must be > 0" },
	{ "peers = (\n  { mark = 1; }\n);\n", "2: peer #1: name: required" },
	{ "peers = ( { name = \"V 2\"; } );\n", "1: peer #1: name: 'V 2' must "
	    "be letters, digits, '_', '-' or '.'" },
	{ "peers = ( { name = \"p\"; } );\n", "1: peer 'p': mark: required" },
	{ "peers = ( { name = \"p\";\n mark = \"3\"; } );\n",
	    "2: peer 'p': mark: expected an integer" },
	{ "reqid_base = 4000000000L;\n"
	  "peers = ( { name = \"p\";\n mark = 300000000; } );\n",
	    "3: peer 'p': mark: 300000000 is too large (reqid_base + mark "
	    "must fit in 32 bits)" },
	{ "peers = ( { name = \"p\"; mark = 1; } );\n",
	    "1: peer 'p': remote: required" },
	{ "peers = ( { name = \"p\"; mark = 1;\n remote = \"2001:db8::zz\"; } );\n",
	    "2: peer 'p': remote: '2001:db8::zz' is not an IP address" },
	{ "peers = ( { name = \"p\"; mark = 1; remote = \"2001:db8::2\";\n"
	  " local = \"192.0.2.1\"; } );\n", "2: peer 'p': local: '192.0.2.1' "
	    "and remote are not of the same address family" },
	{ "peers = ( { name = \"p\"; mark = 1; remote = \"2001:db8::2\"; } );\n",
	    "1: peer 'p': local: required (local_addresses has no address of "
	    "the remote's family)" },
	{ "local_addresses = [ \"2001:db8::1\", \"2001:db8::9\" ];\n"
	  "peers = ( { name = \"p\"; mark = 1; remote = \"2001:db8::2\"; } );\n",
	    "2: peer 'p': local: required (local_addresses has more than one "
	    "address of the remote's family)" },
	{ "local_addresses = [ \"2001:db8::1\" ];\n"
	  "peers = ( { name = \"p\"; mark = 1; remote = \"2001:db8::2\";\n"
	  "  local = \"2001:db8::5\"; } );\n",
	    "3: peer 'p': local: '2001:db8::5' is not in local_addresses" },
	{ "peers = ( { name = \"p\"; mark = 1; remote = \"2001:db8::2\";\n"
	  "  local = \"2001:db8::2\"; } );\n",
	    "1: peer 'p': remote: '2001:db8::2' is the local address" },
	/* peers without a fixed address */
	{ "peers = ( { name = \"p\"; mark = 1;\n remote = \"%any\"; } );\n",
	    "2: peer 'p': remote: '%any' takes its address family from local, "
	    "which is not set (or say '%any6' or '%any4')" },
	{ "peers = ( { name = \"p\"; mark = 1; local = \"2001:db8::1\";\n"
	  " remote = \"%any\"; } );\n", "2: peer 'p': remote_id: required "
	    "with remote '%any6': the identity tells this peer from any other "
	    "that may connect from there" },
	{ "peers = ( { name = \"p\"; mark = 1; local = \"2001:db8::1\";\n"
	  " remote = \"2001:db8:5::1/48\"; } );\n", "2: peer 'p': remote: "
	    "'2001:db8:5::1/48' has bits set past the prefix length" },
	{ "peers = ( { name = \"p\"; mark = 1; local = \"192.0.2.1\";\n"
	  " remote = \"198.51.100.0/33\"; } );\n", "2: peer 'p': remote: "
	    "'198.51.100.0/33': a prefix of IPv4 is at most /32" },
	{ "peers = ( { name = \"p\"; mark = 1; local = \"192.0.2.1\";\n"
	  " remote = \"198.51.100.0/\"; } );\n", "2: peer 'p': remote: "
	    "'198.51.100.0/' is not an address or a prefix" },
	{ "peers = ( { name = \"p\"; mark = 1; local = \"2001:db8::1\";\n"
	  " remote = \"%any\"; remote_id = \"fqdn:b.example\";\n"
	  " start = \"start\"; psk = \"" GOOD_PSK "\"; } );\n",
	    "3: peer 'p': start: 'start' needs the peer's address, and remote "
	    "'%any6' has none: the peer connects to us (start = \"add\")" },
	{ "start = \"route\";\n"
	  "peers = ( { name = \"p\"; mark = 1; local = \"2001:db8::1\";\n"
	  " remote = \"%any6\"; remote_id = \"fqdn:b.example\";\n"
	  " psk = \"" GOOD_PSK "\"; } );\n",
	    "2: peer 'p': start: 'route' needs the peer's address, and remote "
	    "'%any6' has none: the peer connects to us (start = \"add\")" },
	{ DYN2("fqdn:b.example"),
	    "7: peer 'b': remote_id: 'fqdn:b.example' already identifies "
	    "peer 'a', and peers without a fixed address are told apart by "
	    "identity" },
	{ DYN2("fqdn:a.example"),
	    "6: peer 'b': remote: a second peer without a fixed address on "
	    "this local address (peer 'a' is one) needs interface type "
	    "\"xfrm\" on both: the kernel tells VTIs apart by their endpoints "
	    "only" },
	{ PEER("  local_id = \"foo:bar\";\n"), "4: peer 'p': local_id: "
	    "'foo:bar': unknown identity type (ip:, fqdn:, email:, dn: or keyid:)" },
	{ PEER("  remote_id = \"keyid:#abc\";\n"), "4: peer 'p': remote_id: "
	    "'keyid:#abc': expected keyid:# and an even number of hex digits" },
	{ PEER("  remote_id = \"fqdn:a b\";\n"), "4: peer 'p': remote_id: "
	    "'fqdn:a b': blank or control character in identity" },
	{ PEER("  leftsubnet = \"::/0\";\n"),
	    "4: peer 'p': unknown setting 'leftsubnet'" },
	{ PEER("  psk_file = \"psk\";\n"),
	    "4: peer 'p': psk_file: and psk both given: keep one" },
	{ "peers = ( { name = \"p\"; mark = 1; remote = \"2001:db8::2\";\n"
	  "  local = \"2001:db8::1\"; } );\n",
	    "1: peer 'p': psk: required (psk, psk_file, or local_cert with "
	    "local_key and ca)" },
	{ "peers = ( { name = \"p\"; mark = 1; remote = \"2001:db8::2\";\n"
	  "  local = \"2001:db8::1\";\n  psk = \"\"; } );\n",
	    "3: peer 'p': psk: empty" },
	{ "peers = ( { name = \"p\"; mark = 1; remote = \"2001:db8::2\";\n"
	  "  local = \"2001:db8::1\";\n  psk_file = \"nonexistent\"; } );\n",
	    "3: peer 'p': psk_file: cannot open '@DIR@/nonexistent': No such file "
	    "or directory" },
	{ PEER("  start = \"always\";\n"), "4: peer 'p': start: unknown value "
	    "'always' (add, route or start)" },
	{ PEER("  ike = { proposals = \"aes128-sha256\"; };\n"),
	    "4: peer 'p': ike.proposals: no DH group in IKE proposal "
	    "'aes128-sha256'" },
	{ PEER("  ike = { rekey_time = 600; };\n"),
	    "4: peer 'p': ike.jitter: 1440 must be less than rekey_time 600" },
	{ PEER("  dpd = { action = \"none\"; };\n"), "4: peer 'p': dpd.action: "
	    "unknown value 'none' (clear, restart or trap)" },
	{ PEER("  vti = {\n    addresses = [ \"2001:db8:ff::/129\" ];\n  };\n"),
	    "5: peer 'p': vti.addresses: '2001:db8:ff::/129': prefix length "
	    "must be 0 to 128" },
	{ PEER("  vti = { addresses = [ \"2001:db8:ff::\" ]; };\n"),
	    "4: peer 'p': vti.addresses: '2001:db8:ff::': expected "
	    "address/prefix-length" },
	{ PEER("  vti = { addresses = [ \"10.1.1.1/24\", \"10.1.1.1/32\" ]; };\n"),
	    "4: peer 'p': vti.addresses: '10.1.1.1/32' given twice" },
	{ PEER("  vti = { addresses = [ \"fe80::1/64\" ];\n    mtu = 1000; };\n"),
	    "5: peer 'p': vti.mtu: 1000 is below 1280, the IPv6 minimum, and "
	    "the device has IPv6 addresses" },
	{ PEER("  vti = { name = \"this-is-too-long\"; };\n"),
	    "4: peer 'p': vti.name: 'this-is-too-long' gives an interface "
	    "name of 16 characters: 1 to 15" },
	{ "vti = { name = \"vti-%mark%-%peer%\"; };\n"
	  "peers = ( { name = \"V2-1\";\n mark = 1; local = \"10.0.0.1\";\n"
	  " remote = \"10.0.0.2\"; psk = \"" GOOD_PSK "\";\n"
	  " vti = { mtu = 12; }; } );\n",
	    "5: peer 'V2-1': vti.mtu: must be 68 to 65535" },
	{ "vti = { name = \"vpn-%peer%\"; };\n"
	  "peers = ( { name = \"a-long-peer-name\"; mark = 1;\n"
	  "  local = \"10.0.0.1\"; remote = \"10.0.0.2\";\n"
	  "  psk = \"" GOOD_PSK "\"; } );\n",
	    "2: peer 'a-long-peer-name': vti.name: 'vpn-%peer%' gives an "
	    "interface name of 20 characters: 1 to 15" },
	{ PEER("  vti = { route = true; };\n"),
	    "4: peer 'p': vti: unknown setting 'route'" },
	/* two peers */
	{ "peers = (\n  { name = \"a\"; local = \"2001:db8::1\"; "
	  "remote = \"2001:db8::2\";\n    psk = \"" GOOD_PSK "\"; mark = 1; },\n"
	  "  { local = \"2001:db8::1\"; remote = \"2001:db8::3\";\n"
	  "    psk = \"" GOOD_PSK "\";\n    name = \"a\"; mark = 2; }\n);\n",
	    "6: peer 'a': name: already used by the peer at @DIR@/bad.conf:2" },
	{ "peers = (\n  { name = \"a\"; local = \"2001:db8::1\"; "
	  "remote = \"2001:db8::2\";\n    psk = \"" GOOD_PSK "\"; mark = 1; },\n"
	  "  { name = \"b\"; local = \"2001:db8::1\"; remote = \"2001:db8::3\";\n"
	  "    psk = \"" GOOD_PSK "\";\n    mark = 1; }\n);\n",
	    "6: peer 'b': mark: 1 already used by peer 'a'" },
	{ "peers = (\n  { name = \"a\"; local = \"2001:db8::1\"; "
	  "remote = \"2001:db8::2\";\n    psk = \"" GOOD_PSK "\"; mark = 1; },\n"
	  "  { name = \"b\"; local = \"2001:db8::1\";\n"
	  "    remote = \"2001:db8::2\";\n    psk = \"" GOOD_PSK "\"; "
	  "mark = 2; }\n);\n",
	    "5: peer 'b': remote: 2001:db8::2 with this local address already "
	    "used by peer 'a'" },
	/* the error names the first peer with the value, not the last */
	{ "peers = (\n"
	  "  { name = \"a\"; local = \"2001:db8::1\";\n"
	  "    remote = \"2001:db8::2\"; psk = \"" GOOD_PSK "\"; mark = 1; },\n"
	  "  { name = \"b\"; local = \"2001:db8::1\";\n"
	  "    remote = \"2001:db8::3\"; psk = \"" GOOD_PSK "\"; mark = 2; },\n"
	  "  { name = \"c\"; local = \"2001:db8::1\";\n"
	  "    remote = \"2001:db8::4\"; psk = \"" GOOD_PSK "\"; mark = 1; }\n"
	  ");\n",
	    "7: peer 'c': mark: 1 already used by peer 'a'" },
	{ TWO("    vti = { name = \"vx\"; };\n",
	    "    vti = {\n      name = \"vx\";\n    };\n"),
	    "9: peer 'b': vti.name: 'vx' already used by peer 'a'" },
	{ TWO("    vti = { addresses = [ \"169.254.1.0/31\" ]; };\n",
	    "    vti = { addresses = [ \"169.254.1.1/31\",\n"
	    "      \"169.254.1.0/31\" ]; };\n"),
	    "8: peer 'b': vti.addresses: 169.254.1.0 already on the device of "
	    "peer 'a'" },
	/* interface, the newer name of vti, and its type */
	{ PEER("  interface = { type = \"gre\"; };\n"),
	    "4: peer 'p': interface.type: unknown value 'gre' (vti or xfrm)" },
	{ PEER("  interface = { type = 1; };\n"),
	    "4: peer 'p': interface.type: expected a string" },
	{ PEER("  interface = { type = \"xfrm\"; };\n  vti = { mtu = 1400; };\n"),
	    "5: peer 'p': vti: the older name of 'interface', which is also "
	    "set: keep one of them" },
	{ "vti = { mtu = 1400; };\ninterface = { type = \"xfrm\"; };\n",
	    "1: vti: the older name of 'interface', which is also set: keep "
	    "one of them" },
	{ PEER("  interface = { type = \"xfrm\"; name = \"\"; };\n"),
	    "4: peer 'p': interface.name: empty" },
	{ PEER("  interface = { type = \"xfrm\"; ikey = 3; };\n"),
	    "4: peer 'p': interface: unknown setting 'ikey'" },
	{ "interface = { type = \"xfrm\"; addresses = []; };\n",
	    "1: interface: unknown setting 'addresses'" },
	{ PEER("  interface = { type = \"xfrm\"; addresses = [ \"fe80::1/64\" ];\n"
	    "    mtu = 1000; };\n"),
	    "5: peer 'p': interface.mtu: 1000 is below 1280, the IPv6 minimum, "
	    "and the device has IPv6 addresses" },
	{ TWO("    interface = { type = \"xfrm\"; name = \"x%peer%\"; };\n",
	    "    interface = { type = \"xfrm\"; name = \"xa\"; };\n"),
	    "8: peer 'b': interface.name: 'xa' already used by peer 'a'" },
};

/* Copy s, with tmpdir for each "@DIR@". */
static void
subst_dir(char *dst, size_t len, const char *s)
{
	const char *at;
	size_t o = 0, n;

	while ((at = strstr(s, "@DIR@")) != NULL) {
		n = (size_t)(at - s);
		assert_true(o + n + strlen(tmpdir) < len);
		memcpy(dst + o, s, n);
		memcpy(dst + o + n, tmpdir, strlen(tmpdir));
		o += n + strlen(tmpdir);
		s = at + 5;
	}
	assert_true(o + strlen(s) < len);
	memcpy(dst + o, s, strlen(s) + 1);
}

static void
test_bad(void **state)
{
	struct config_error err;
	struct vtid_config *c;
	char want[CONFIG_MSG_MAX], full[CONFIG_MSG_MAX + 300];
	const char *path;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		path = write_file("bad.conf", bad[i].text, 0600);
		c = config_load(path, check_proposals, &err);
		if (c != NULL)
			fail_msg("entry %zu loaded:\n%s", i, bad[i].text);
		subst_dir(want, sizeof(want), bad[i].want);
		snprintf(full, sizeof(full), "%s:%s", path, want);
		if (strcmp(err.msg, full) != 0)
			fail_msg("entry %zu:\n got  %s\n want %s", i, err.msg,
			    full);
		assert_string_equal(err.file, path);
		assert_int_equal(err.line, (unsigned)atoi(want));
		print_message("%s\n", err.msg + strlen(tmpdir) + 1);
	}
	print_message("%zu bad configurations, each with file:line\n", i);
}

static void
test_unreadable(void **state)
{
	struct config_error err;
	char path[128];

	snprintf(path, sizeof(path), "%s/absent.conf", tmpdir);
	assert_null(config_load(path, NULL, &err));
	assert_int_equal(err.line, 0);
	assert_string_equal(err.file, path);
	assert_true(strstr(err.msg, ": cannot read: No such file or "
	    "directory") != NULL);
	print_message("%s\n", err.msg);
}

/* @include: relative to the including file's directory; errors name the
 * included file and its line. */
static void
test_include(void **state)
{
	struct config_error err;
	struct vtid_config *c;
	char want[512];
	const char *path;

	write_file("inc-peers.conf", "peers = (\n"
	    "  { name = \"p\"; local = \"192.0.2.1\"; remote = \"192.0.2.2\";\n"
	    "    psk = \"" GOOD_PSK "\"; mark = 9; }\n);\n", 0600);
	path = write_file("inc.conf", "log_level = \"notice\";\n"
	    "@include \"inc-peers.conf\"\n", 0600);
	c = load_ok(path);
	assert_int_equal(c->log_level, LOG_NOTICE);
	assert_int_equal(c->n_peers, 1);
	snprintf(want, sizeof(want), "%s/inc-peers.conf:2", tmpdir);
	assert_string_equal(c->peers[0].origin, want);
	config_free(c);

	write_file("inc-peers.conf", "peers = (\n"
	    "  { name = \"p\"; local = \"192.0.2.1\"; remote = \"192.0.2.2\";\n"
	    "    psk = \"" GOOD_PSK "\";\n    mark = -9; }\n);\n", 0600);
	assert_null(config_load(path, NULL, &err));
	snprintf(want, sizeof(want), "%s/inc-peers.conf:4: peer 'p': mark: "
	    "must be > 0", tmpdir);
	assert_string_equal(err.msg, want);
	print_message("%s\n", err.msg);

	write_file("inc-peers.conf", "\npeers = (\n", 0600);
	assert_null(config_load(path, NULL, &err));
	snprintf(want, sizeof(want), "%s/inc-peers.conf:3: syntax error",
	    tmpdir);
	assert_string_equal(err.msg, want);
	print_message("%s\n", err.msg);
}

/* ---- PSKs ---- */

static struct vtid_config *
load_psk_file(const char *file, struct config_error *err)
{
	char text[512];

	snprintf(text, sizeof(text), "peers = ( { name = \"p\";\n"
	    "  local = \"192.0.2.1\"; remote = \"192.0.2.2\"; mark = 1;\n"
	    "  psk_file = \"%s\"; } );\n", file);
	return config_load(write_file("psk.conf", text, 0644), NULL, err);
}

static void
test_psk_file(void **state)
{
	static const struct {
		mode_t		 mode;
		bool		 ok;
	} modes[] = {
		{ 0600, true }, { 0400, true }, { 0700, true },
		{ 0640, false }, { 0620, false }, { 0604, false },
		{ 0602, false }, { 0644, false }, { 0610, false },
	};
	struct config_error err;
	struct vtid_config *c;
	char want[512], big[CONFIG_PSK_MAX + 2];
	const char *path;
	size_t i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		path = write_file("key", "a-32-byte-long-key-for-the-test\n",
		    modes[i].mode);
		c = load_psk_file("key", &err);
		if (modes[i].ok) {
			if (c == NULL)
				fail_msg("mode %04o: %s", modes[i].mode,
				    err.msg);
			assert_psk(&c->peers[0],
			    "a-32-byte-long-key-for-the-test");
			assert_int_equal(c->n_warnings, 0);
			config_free(c);
			print_message("mode %04o: accepted\n", modes[i].mode);
			continue;
		}
		assert_null(c);
		snprintf(want, sizeof(want), "%s/psk.conf:3: peer 'p': psk_file: "
		    "'%s' is readable or writable by group or others (mode "
		    "%04o): chmod 600 it", tmpdir, path, modes[i].mode);
		assert_string_equal(err.msg, want);
		print_message("mode %04o: %s\n", modes[i].mode,
		    strstr(err.msg, "psk_file"));
	}

	/* Owned by someone else (only root can hand a file away). */
	if (geteuid() == 0) {
		path = write_file("key", "a-32-byte-long-key-for-the-test", 0600);
		assert_int_equal(chown(path, 65534, 65534), 0);
		assert_null(load_psk_file("key", &err));
		assert_non_null(strstr(err.msg, "' is owned by uid 65534, not by "
		    "root"));
		print_message("%s\n", strstr(err.msg, "psk_file"));
	}

	/* Absolute path; CRLF and one newline stripped, not more. */
	path = write_file("key", "a-32-byte-long-key-for-the-test\n\r\n", 0600);
	c = load_psk_file(path, &err);
	assert_non_null(c);
	assert_psk(&c->peers[0], "a-32-byte-long-key-for-the-test\n");
	config_free(c);

	write_file("key", "", 0600);
	assert_null(load_psk_file("key", &err));
	assert_non_null(strstr(err.msg, "/key' is empty"));
	write_file("key", "\n", 0600);
	assert_null(load_psk_file("key", &err));
	memset(big, 'k', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	write_file("key", big, 0600);
	assert_null(load_psk_file("key", &err));
	assert_non_null(strstr(err.msg, "/key' is longer than 1024 bytes"));
	big[CONFIG_PSK_MAX] = '\0';
	write_file("key", big, 0600);
	c = load_psk_file("key", &err);
	assert_non_null(c);
	assert_int_equal(c->peers[0].psk_len, CONFIG_PSK_MAX);
	config_free(c);
	assert_null(load_psk_file("/", &err));
	assert_non_null(strstr(err.msg, "psk_file: '/' is not a regular file"));
}

static void
test_psk_warnings(void **state)
{
	struct vtid_config *c;
	char want[512];

	/* Inline, short, in a file others can read: two warnings. */
	c = load_ok(write_file("warn.conf", "peers = ( { name = \"p\";\n"
	    "  local = \"192.0.2.1\"; remote = \"192.0.2.2\"; mark = 1;\n"
	    "  psk = \"tooshort\"; } );\n", 0644));
	assert_int_equal(c->n_warnings, 2);
	snprintf(want, sizeof(want), "%s/warn.conf:3: peer 'p': psk: shorter "
	    "than 20 characters; a long random key is safer (openssl rand "
	    "-base64 32)", tmpdir);
	assert_string_equal(c->warnings[0], want);
	snprintf(want, sizeof(want), "%s/warn.conf: holds inline PSKs and is "
	    "readable or writable by group or others (mode 0644): chmod 600 "
	    "it, or use psk_file", tmpdir);
	assert_string_equal(c->warnings[1], want);
	print_message("%s\n%s\n", c->warnings[0], c->warnings[1]);
	config_free(c);

	/* 20 characters, mode 0600: none. */
	c = load_ok(write_file("warn.conf", "peers = ( { name = \"p\";\n"
	    "  local = \"192.0.2.1\"; remote = \"192.0.2.2\"; mark = 1;\n"
	    "  psk = \"01234567890123456789\"; } );\n", 0600));
	assert_int_equal(c->n_warnings, 0);
	config_free(c);
}

/* n peers, the last on an XFRM interface when xfrm_last. */
static const char *
many_peers(unsigned n, bool xfrm_last)
{
	FILE *f;
	char *t = NULL;
	size_t len = 0;
	const char *path;
	unsigned i;

	assert_non_null(f = open_memstream(&t, &len));
	fprintf(f, "peers = (\n");
	for (i = 1; i <= n; i++)
		fprintf(f, "{ name = \"p%u\"; local = \"2001:db8::1\"; "
		    "remote = \"2001:db8:1::%x\"; mark = %u; "
		    "psk = \"01234567890123456789\";%s }%s\n", i, i, i,
		    xfrm_last && i == n ? " interface = { type = \"xfrm\"; };" :
		    "", i < n ? "," : "");
	fprintf(f, ");\n");
	fclose(f);
	path = write_file("many.conf", t, 0600);
	free(t);
	return path;
}

/* The kernel walks every VTI peer's ::/0 policies per packet: at 1,000
 * the configuration says so, and names the way out. */
static void
test_many_vtis_warning(void **state)
{
	struct vtid_config *c;

	c = load_ok(many_peers(1000, true));
	assert_int_equal(c->n_warnings, 0);
	config_free(c);
	c = load_ok(many_peers(1000, false));
	assert_int_equal(c->n_warnings, 1);
	assert_non_null(strstr(c->warnings[0], "many.conf: 1000 peers on "
	    "VTIs: the kernel walks all their policies for each packet (it "
	    "does not index marks); with this many, use interface type = "
	    "\"xfrm\""));
	print_message("%s\n", c->warnings[0]);
	config_free(c);
}

/* ---- reload comparison ---- */

#define EQ_CONF(psk, extra) \
	"peers = (\n" \
	"  { name = \"a\"; local = \"2001:db8::1\"; remote = \"2001:db8::2\";\n" \
	"    psk = \"" psk "\"; mark = 1;\n" \
	"    vti = { addresses = [ \"2001:db8:ff::/127\" ]; }; },\n" \
	"  { name = \"b\"; local = \"2001:db8::1\"; remote = \"2001:db8::3\";\n" \
	"    psk = \"" GOOD_PSK "\"; mark = 2; " extra " }\n" \
	");\n"

static void
test_peer_equal(void **state)
{
	struct vtid_config *a, *b;

	a = load_ok(write_file("a.conf", EQ_CONF(GOOD_PSK, ""), 0600));
	/* Same settings, other lines: equal. */
	b = load_ok(write_file("b.conf", "\n\n" EQ_CONF(GOOD_PSK, ""), 0600));
	assert_string_not_equal(a->peers[0].origin, b->peers[0].origin);
	assert_true(config_peer_equal(&a->peers[0], &b->peers[0]));
	assert_true(config_peer_equal(&a->peers[1], &b->peers[1]));
	assert_false(config_peer_equal(&a->peers[0], &b->peers[1]));
	config_free(b);

	/* Another PSK for a, another DPD for b. */
	b = load_ok(write_file("b.conf", EQ_CONF(GOOD_PSK "x",
	    "dpd = { delay = 5; };"), 0600));
	assert_false(config_peer_equal(&a->peers[0], &b->peers[0]));
	assert_false(config_peer_equal(&a->peers[1], &b->peers[1]));
	config_free(b);

	/* A different VTI MTU for b only. */
	b = load_ok(write_file("b.conf", EQ_CONF(GOOD_PSK,
	    "vti = { mtu = 1400; };"), 0600));
	assert_true(config_peer_equal(&a->peers[0], &b->peers[0]));
	assert_false(config_peer_equal(&a->peers[1], &b->peers[1]));
	config_free(b);

	/* Fragmentation off for b, then another fragment size. */
	b = load_ok(write_file("b.conf", EQ_CONF(GOOD_PSK,
	    "fragmentation = false;"), 0600));
	assert_true(config_peer_equal(&a->peers[0], &b->peers[0]));
	assert_false(config_peer_equal(&a->peers[1], &b->peers[1]));
	config_free(b);
	b = load_ok(write_file("b.conf", EQ_CONF(GOOD_PSK,
	    "fragment_size = 1200;"), 0600));
	assert_false(config_peer_equal(&a->peers[1], &b->peers[1]));
	config_free(b);

	/* A global default reaches both peers through inheritance. */
	b = load_ok(write_file("b.conf", "esp = { rekey_time = 1800; };\n"
	    EQ_CONF(GOOD_PSK, ""), 0600));
	assert_false(config_peer_equal(&a->peers[0], &b->peers[0]));
	assert_false(config_peer_equal(&a->peers[1], &b->peers[1]));
	config_free(b);
	config_free(a);
	print_message("peers compare by effective settings, not lines\n");
}

/* The device type: global default, per-peer override, default names
 * by type, the older group name, and what config_peer_equal makes of a
 * changed type. */
static void
test_interface(void **state)
{
	struct vtid_config *a, *b;
	const char *conf =
	    "interface = { type = \"xfrm\"; netns = \"priv\"; mtu = 1400; };\n"
	    TWO("    interface = { addresses = [ \"10.0.0.1/31\" ]; };\n",
	    "    vti = { type = \"vti\"; };\n");

	a = load_ok(write_file("a.conf", conf, 0600));
	assert_int_equal(a->vti.type, CONFIG_IFACE_XFRM);
	assert_int_equal(a->peers[0].vti.type, CONFIG_IFACE_XFRM);
	assert_string_equal(a->peers[0].vti.name, "xfrm1");
	assert_string_equal(a->peers[0].vti.netns, "priv");
	assert_int_equal(a->peers[0].vti.mtu, 1400);
	assert_int_equal(a->peers[0].vti.n_addrs, 1);
	assert_int_equal(a->peers[1].vti.type, CONFIG_IFACE_VTI);
	assert_string_equal(a->peers[1].vti.name, "vti2");
	assert_string_equal(a->peers[1].vti.netns, "priv");
	assert_string_equal(config_iface_type_name(a->peers[0].vti.type),
	    "xfrm");
	print_message("global interface xfrm: peer a %s (%s), peer b %s (%s, "
	    "by \"vti = { type = \"vti\"; }\")\n", a->peers[0].vti.name,
	    config_iface_type_name(a->peers[0].vti.type), a->peers[1].vti.name,
	    config_iface_type_name(a->peers[1].vti.type));

	/* The same peers with the types swapped: neither is equal. */
	b = load_ok(write_file("b.conf",
	    "interface = { netns = \"priv\"; mtu = 1400; };\n"
	    TWO("    interface = { type = \"xfrm\"; name = \"vti1\";\n"
	    "      addresses = [ \"10.0.0.1/31\" ]; };\n",
	    "    vti = { type = \"xfrm\"; name = \"vti2\"; };\n"), 0600));
	assert_int_equal(b->vti.type, CONFIG_IFACE_VTI);
	assert_int_equal(b->peers[0].vti.type, CONFIG_IFACE_XFRM);
	assert_string_equal(b->peers[0].vti.name, "vti1");
	assert_false(config_peer_equal(&a->peers[0], &b->peers[0]));
	/* Only the name differs from a's first peer: with it, equal. */
	snprintf(b->peers[0].vti.name, sizeof(b->peers[0].vti.name), "xfrm1");
	assert_true(config_peer_equal(&a->peers[0], &b->peers[0]));
	assert_false(config_peer_equal(&a->peers[1], &b->peers[1]));
	config_free(b);

	/* No group at all: a VTI named vti%mark%. */
	b = load_ok(write_file("b.conf", PEER(""), 0600));
	assert_int_equal(b->peers[0].vti.type, CONFIG_IFACE_VTI);
	assert_string_equal(b->peers[0].vti.name, "vti1");
	config_free(b);
	config_free(a);
	print_message("a changed type is a changed peer; no group: vti1 (vti)\n");
}

/* Peers without a fixed address: %any of local's family, %any4, a
 * prefix; beside a peer on one address inside that prefix; a /128 is
 * one address. */
static void
test_dynamic(void **state)
{
	struct vtid_config *c;
	char r[64];

	(void)state;
	c = load_ok(write_file("d.conf",
	    "interface = { type = \"xfrm\"; };\nstart = \"add\";\n"
	    "peers = (\n"
	    "  { name = \"a\"; local = \"2001:db8::1\"; remote = \"%any\";\n"
	    "    remote_id = \"fqdn:a.example\"; psk = \"" GOOD_PSK "\"; "
	    "mark = 1; },\n"
	    "  { name = \"b\"; local = \"2001:db8::1\";\n"
	    "    remote = \"2001:db8:5::/48\"; remote_id = \"fqdn:b.example\";\n"
	    "    psk = \"" GOOD_PSK "\"; mark = 2; },\n"
	    "  { name = \"c\"; local = \"192.0.2.1\"; remote = \"%any4\";\n"
	    "    remote_id = \"email:c@example.org\"; psk = \"" GOOD_PSK "\"; "
	    "mark = 3; },\n"
	    "  { name = \"d\"; local = \"2001:db8::1\";\n"
	    "    remote = \"2001:db8:5::7/128\"; psk = \"" GOOD_PSK "\"; "
	    "mark = 4;\n    start = \"start\"; }\n"
	    ");\n", 0600));
	assert_int_equal(c->n_peers, 4);
	assert_true(c->peers[0].remote_dynamic);
	assert_int_equal(c->peers[0].remote_plen, 0);
	assert_int_equal(c->peers[0].remote.ss_family, AF_INET6);
	assert_string_equal(config_remote_str(&c->peers[0], r, sizeof(r)),
	    "%any6");
	assert_true(c->peers[1].remote_dynamic);
	assert_int_equal(c->peers[1].remote_plen, 48);
	assert_string_equal(config_remote_str(&c->peers[1], r, sizeof(r)),
	    "2001:db8:5::/48");
	assert_string_equal(config_remote_str(&c->peers[2], r, sizeof(r)),
	    "%any4");
	assert_false(c->peers[3].remote_dynamic);
	assert_string_equal(config_remote_str(&c->peers[3], r, sizeof(r)),
	    "2001:db8:5::7");
	assert_false(config_peer_equal(&c->peers[0], &c->peers[1]));
	config_free(c);
	print_message("remote %%any (local's family), 2001:db8:5::/48, %%any4 "
	    "on XFRM interfaces; 2001:db8:5::7/128 is one address\n");
}

/* ---- value syntax ---- */

static void
test_values(void **state)
{
	static const struct {
		const char	*s;
		int		 rc;
		uint32_t	 secs;
	} durations[] = {
		{ "0", 0, 0 }, { "3600", 0, 3600 }, { "90s", 0, 90 },
		{ "15m", 0, 900 }, { "4h", 0, 14400 }, { "1d", 0, 86400 },
		{ "1h30m", 0, 5400 }, { "1h30", -1, 0 }, { "", -1, 0 },
		{ "h", -1, 0 }, { "4x", -1, 0 }, { "-1", -1, 0 },
		{ "4294967295", 0, 4294967295u }, { "4294967296", -1, 0 },
		{ "49711d", -1, 0 }, { " 4h", -1, 0 },
	};
	struct config_prefix p;
	struct config_id id;
	char why[256], name[CONFIG_IFNAME_MAX], s[600];
	uint32_t secs;
	size_t i;

	for (i = 0; i < sizeof(durations) / sizeof(durations[0]); i++) {
		secs = 0;
		assert_int_equal(config_duration_parse(durations[i].s, &secs),
		    durations[i].rc);
		if (durations[i].rc == 0)
			assert_int_equal(secs, durations[i].secs);
	}

	assert_int_equal(config_prefix_parse("169.254.1.6/31", &p, why,
	    sizeof(why)), 0);
	assert_int_equal(p.addr.ss_family, AF_INET);
	assert_int_equal(p.len, 31);
	assert_int_equal(config_prefix_parse("2001:db8:ff::15/127", &p, why,
	    sizeof(why)), 0);
	assert_int_equal(p.len, 127);
	assert_int_equal(config_prefix_parse("10.0.0.1/33", &p, why,
	    sizeof(why)), -1);
	assert_string_equal(why, "'10.0.0.1/33': prefix length must be 0 to 32");
	assert_int_equal(config_prefix_parse("10.0.0.1/", &p, why,
	    sizeof(why)), -1);
	assert_int_equal(config_prefix_parse("10.0.0.1/3a", &p, why,
	    sizeof(why)), -1);
	assert_int_equal(config_prefix_parse("10.0.0/8", &p, why,
	    sizeof(why)), -1);
	assert_string_equal(why, "'10.0.0/8': '10.0.0' is not an IP address");

	assert_int_equal(config_id_parse("2001:db8::1", &id, why, sizeof(why)),
	    0);
	assert_int_equal(id.type, CONFIG_ID_IPV6);
	assert_int_equal(id.len, 16);
	assert_int_equal(config_id_parse("ip:192.0.2.1", &id, why,
	    sizeof(why)), 0);
	assert_int_equal(id.type, CONFIG_ID_IPV4);
	assert_memory_equal(id.data, "\xc0\x00\x02\x01", 4);
	assert_int_equal(config_id_parse("ip:vpn", &id, why, sizeof(why)), -1);
	assert_int_equal(config_id_parse("vpn.example.net", &id, why,
	    sizeof(why)), 0);
	assert_int_equal(id.type, CONFIG_ID_FQDN);
	assert_int_equal(id.len, 15);
	assert_memory_equal(id.data, "vpn.example.net", 15);
	assert_int_equal(config_id_parse("email:ike@example.net", &id, why,
	    sizeof(why)), 0);
	assert_int_equal(id.type, CONFIG_ID_EMAIL);
	assert_string_equal(config_id_str(&id, s, sizeof(s)),
	    "email:ike@example.net");
	assert_int_equal(config_id_parse("keyid:#0A0b", &id, why, sizeof(why)),
	    0);
	assert_int_equal(id.type, CONFIG_ID_KEYID);
	assert_int_equal(id.len, 2);
	assert_memory_equal(id.data, "\x0a\x0b", 2);
	assert_string_equal(config_id_str(&id, s, sizeof(s)), "keyid:#0a0b");
	assert_int_equal(config_id_parse("keyid:#0g", &id, why, sizeof(why)),
	    -1);
	assert_int_equal(config_id_parse("keyid:abc", &id, why, sizeof(why)),
	    0);
	assert_int_equal(id.len, 3);
	assert_int_equal(config_id_parse("", &id, why, sizeof(why)), -1);
	assert_int_equal(config_id_parse("fqdn:", &id, why, sizeof(why)), -1);
	memset(s, 'a', 256);
	s[256] = '\0';
	assert_int_equal(config_id_parse(s, &id, why, sizeof(why)), -1);
	s[255] = '\0';
	assert_int_equal(config_id_parse(s, &id, why, sizeof(why)), 0);

	assert_int_equal(config_vti_name("vti%mark%", "p", 4294967295u, name,
	    sizeof(name), why, sizeof(why)), 0);
	assert_string_equal(name, "vti4294967295");
	assert_int_equal(config_vti_name("%peer%-%mark%", "V2-1", 3, name,
	    sizeof(name), why, sizeof(why)), 0);
	assert_string_equal(name, "V2-1-3");
	assert_int_equal(config_vti_name("vti 3", "p", 3, name, sizeof(name),
	    why, sizeof(why)), -1);
	assert_int_equal(config_vti_name("..", "p", 3, name, sizeof(name),
	    why, sizeof(why)), -1);
	assert_int_equal(config_vti_name("", "p", 3, name, sizeof(name), why,
	    sizeof(why)), -1);

	assert_string_equal(config_start_name(CONFIG_START_ROUTE), "route");
	assert_string_equal(config_dpd_action_name(CONFIG_DPD_TRAP), "trap");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lab),
		cmocka_unit_test(test_lab_all_hosts),
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_include),
		cmocka_unit_test(test_psk_file),
		cmocka_unit_test(test_psk_warnings),
		cmocka_unit_test(test_many_vtis_warning),
		cmocka_unit_test(test_peer_equal),
		cmocka_unit_test(test_interface),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_dynamic),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
