/* src/netlink, src/xfrm and src/vti against this machine's kernel, in two
 * throwaway network namespaces (needs root; skipped otherwise). The host
 * kernel has XFRM but no ESP and no VTI, so this covers what it can:
 * sockets opened in a named namespace, policies, ALLOCSPI, ownership
 * purges, ACQUIRE and (larval) EXPIRE events through libev, and device
 * configuration on veths. tests/vm/netlink does the rest with ESP.
 *
 *   vtid-h1-PID (named)            vtid-h2-PID (named; the test runs here)
 *   +---------------------+  veth  +-----------------------------+
 *   | vt1 (configured     |========| vt0 2001:db8:5::1/64        |
 *   |  through netns=)    |        |     10.5.0.1/24, mtu 1400   |
 *   +---------------------+        | XFRM policies, larval SAs   |
 *                                  +-----------------------------+ */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <ev.h>
#include <cmocka.h>

#include "vti/vti.h"
#include "xfrm/xfrm.h"

static char ns1[64], ns2[64];
static int orig_ns = -1;
static bool ready;
static struct nl_sock xs, rs;	/* XFRM and ROUTE sockets in ns2 */

static int
sh(const char *fmt, ...) VTID_PRINTF(1, 2);

static int
sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* The first line of a command's output that contains needle. */
static bool
sh_has(const char *needle, const char *fmt, ...) VTID_PRINTF(2, 3);

static bool
sh_has(const char *needle, const char *fmt, ...)
{
	char cmd[512], line[512];
	bool found = false;
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if ((f = popen(cmd, "r")) == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, needle) != NULL)
			found = true;
	pclose(f);
	return found;
}

/* A new network namespace for this thread, bind-mounted as `ip netns`
 * does so that it can be named. */
static int
netns_new(const char *name)
{
	char path[128];
	int fd;

	if (unshare(CLONE_NEWNET) < 0)
		return -errno;
	mkdir("/run/netns", 0755);
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	if ((fd = open(path, O_RDONLY | O_CREAT | O_EXCL, 0444)) < 0)
		return -errno;
	close(fd);
	if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) < 0) {
		unlink(path);
		return -errno;
	}
	return sh("ip link set lo up") == 0 ? 0 : -EIO;
}

static void
netns_drop(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	umount2(path, MNT_DETACH);
	unlink(path);
}

static int
group_setup(void **state)
{
	if (geteuid() != 0) {
		printf("  not root: host tests skipped\n");
		return 0;
	}
	snprintf(ns1, sizeof(ns1), "vtid-h1-%d", (int)getpid());
	snprintf(ns2, sizeof(ns2), "vtid-h2-%d", (int)getpid());
	orig_ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig_ns < 0 || netns_new(ns1) < 0 || netns_new(ns2) < 0) {
		printf("  cannot make network namespaces: host tests skipped\n");
		return 0;
	}
	if (nl_sock_open(&xs, NETLINK_XFRM, NULL, false) < 0 ||
	    nl_sock_open(&rs, NETLINK_ROUTE, NULL, false) < 0)
		return -1;
	ready = true;
	return 0;
}

static int
group_teardown(void **state)
{
	nl_sock_close(&xs);
	nl_sock_close(&rs);
	if (orig_ns >= 0) {
		if (setns(orig_ns, CLONE_NEWNET) < 0)
			return -1;
		close(orig_ns);
	}
	if (ns1[0] != '\0')
		netns_drop(ns1);
	if (ns2[0] != '\0')
		netns_drop(ns2);
	return 0;
}

/* Each test starts from empty XFRM tables and no veth in ns2, whatever
 * a failed test before it left. */
#define NEED_HOST() do {						\
	if (!ready)							\
		skip();							\
	(void)sh("ip xfrm policy flush; ip xfrm state flush; "		\
	    "ip link del vt0 2>/dev/null");				\
} while (0)

static void
policy_any(struct xfrm_policy *p, uint8_t dir, uint16_t family, uint32_t mark,
    uint32_t reqid)
{
	memset(p, 0, sizeof(*p));
	p->dir = dir;
	nl_prefix_any(&p->sel_src, family);
	nl_prefix_any(&p->sel_dst, family);
	p->mark.v = mark;
	p->mark.m = mark != 0 ? 0xffffffff : 0;
	assert_int_equal(nl_addr_parse(&p->tmpl_src, "2001:db8::1"), 0);
	assert_int_equal(nl_addr_parse(&p->tmpl_dst, "2001:db8::2"), 0);
	p->reqid = reqid;
}

struct count {
	unsigned int	 n;
	uint32_t	 mark;		/* 0: all */
	uint32_t	 priority;
};

static int
count_pol(const struct xfrm_policy_info *pi, void *arg)
{
	struct count *c = arg;

	if (c->mark == 0 || pi->pol.mark.v == c->mark) {
		c->n++;
		c->priority = pi->pol.priority;
	}
	return 0;
}

struct sa_count {
	unsigned int	 n, zero;	/* SAs of the mark; of those, SPI 0 */
	uint32_t	 mark;
};

static int
count_sa(const struct xfrm_sa_info *sa, void *arg)
{
	struct sa_count *c = arg;

	if (sa->mark.v == c->mark) {
		c->n++;
		c->zero += sa->spi == 0;
	}
	return 0;
}

static unsigned int
sas(struct nl_sock *s, uint32_t mark, unsigned int *zero)
{
	struct sa_count c = { 0, 0, mark };

	assert_int_equal(xfrm_sa_list(s, count_sa, &c), 0);
	*zero = c.zero;
	return c.n;
}

static unsigned int
policies(struct nl_sock *s, uint32_t mark, uint32_t *priority)
{
	struct count c = { 0, mark, 0 };

	assert_int_equal(xfrm_policy_list(s, count_pol, &c), 0);
	if (priority != NULL)
		*priority = c.priority;
	return c.n;
}

static void
test_netns_socket(void **state)
{
	struct nl_sock s1;
	struct xfrm_policy p;

	NEED_HOST();
	/* A socket opened with netns= lands there, and we come back. */
	assert_int_equal(nl_sock_open(&s1, NETLINK_XFRM, ns1, false), 0);
	policy_any(&p, XFRM_POLICY_OUT, AF_INET6, 0x51, 0x51);
	assert_int_equal(xfrm_policy_add(&s1, &p), 0);
	assert_int_equal(policies(&s1, 0x51, NULL), 1);
	assert_int_equal(policies(&xs, 0x51, NULL), 0);
	assert_int_equal(xfrm_policy_delete(&s1, &p), 0);
	nl_sock_close(&s1);
	printf("  socket opened in %s sees its policy; %s (where we are) "
	    "does not\n", ns1, ns2);
	assert_int_equal(nl_sock_open(&s1, NETLINK_XFRM, "vtid-absent", false),
	    -ENOENT);
	printf("  \"%s\"\n", nl_sock_error(&s1));
	assert_non_null(strstr(nl_sock_error(&s1), "vtid-absent"));
}

static void
test_policy(void **state)
{
	struct xfrm_policy p;
	uint32_t prio;

	NEED_HOST();
	policy_any(&p, XFRM_POLICY_OUT, AF_INET6, 0x100, 0x100);
	p.priority = 10;
	assert_int_equal(xfrm_policy_add(&xs, &p), 0);
	assert_int_equal(xfrm_policy_add(&xs, &p), -EEXIST);
	printf("  \"%s\"\n", nl_sock_error(&xs));
	assert_string_equal(nl_sock_error(&xs), "xfrm: add policy out ::/0 -> "
	    "::/0 mark 0x100/0xffffffff: File exists");
	p.priority = 20;
	assert_int_equal(xfrm_policy_update(&xs, &p), 0);
	assert_int_equal(policies(&xs, 0x100, &prio), 1);
	assert_int_equal(prio, 20);
	assert_int_equal(xfrm_policy_delete(&xs, &p), 0);
	assert_int_equal(policies(&xs, 0x100, NULL), 0);
	assert_int_equal(xfrm_policy_delete(&xs, &p), -ENOENT);
	printf("  add, add again (-EEXIST), update priority 10 -> 20, delete, "
	    "delete again (-ENOENT)\n");
}

static void
test_purge(void **state)
{
	static const struct xfrm_mark ours = { 0x200, 0xffffffff };
	struct xfrm_owner owner = { 0x200, 0x2ff, &ours, 1, NULL, 0 };
	struct xfrm_owner nobody = { 0, 0, NULL, 0, NULL, 0 };
	struct xfrm_policy p;
	uint8_t dirs[] = { XFRM_POLICY_IN, XFRM_POLICY_OUT, XFRM_POLICY_FWD };
	uint16_t fams[] = { AF_INET6, AF_INET };
	unsigned int deleted = 99, i, j;

	NEED_HOST();
	for (i = 0; i < 3; i++)
		for (j = 0; j < 2; j++) {
			policy_any(&p, dirs[i], fams[j], 0x200, 0x201);
			assert_int_equal(xfrm_policy_add(&xs, &p), 0);
		}
	/* Foreign: our reqid, another mark; our mark, another reqid; and
	 * unmarked with our reqid. */
	policy_any(&p, XFRM_POLICY_OUT, AF_INET6, 0x999, 0x200);
	assert_int_equal(xfrm_policy_add(&xs, &p), 0);
	policy_any(&p, XFRM_POLICY_OUT, AF_INET, 0x200, 0x999);
	assert_int_equal(nl_prefix_parse(&p.sel_src, "203.0.113.0/24"), 0);
	assert_int_equal(xfrm_policy_add(&xs, &p), 0);
	policy_any(&p, XFRM_POLICY_OUT, AF_INET6, 0, 0x200);
	assert_int_equal(xfrm_policy_add(&xs, &p), 0);
	assert_int_equal(sh("ip xfrm policy add dir in src ::/0 dst ::/0 mark "
	    "0x200 mask 0xff tmpl src 2001:db8::2 dst 2001:db8::1 proto esp "
	    "reqid 0x201 mode tunnel"), 0);	/* another mask */
	assert_int_equal(policies(&xs, 0, NULL), 10);

	assert_int_equal(xfrm_policy_purge(&xs, &nobody, &deleted), -EINVAL);
	assert_int_equal(deleted, 0);
	printf("  empty owner: \"%s\"\n", nl_sock_error(&xs));
	assert_int_equal(xfrm_policy_purge(&xs, &owner, &deleted), 0);
	assert_int_equal(deleted, 6);
	assert_int_equal(policies(&xs, 0, NULL), 4);
	assert_int_equal(xfrm_policy_purge(&xs, &owner, &deleted), 0);
	assert_int_equal(deleted, 0);
	printf("  6 of ours (in/out/fwd x 2 families) deleted; kept: mark "
	    "0x999 reqid 0x200, mark 0x200 reqid 0x999, unmarked, mark "
	    "0x200/0xff; a second purge deletes 0\n");
}

static void
test_spi_sa(void **state)
{
	static const struct xfrm_mark ours = { 0x300, 0xffffffff };
	struct xfrm_owner owner = { 0, 0, &ours, 1, NULL, 0 };
	struct xfrm_spi_req req;
	struct xfrm_sa_id id;
	struct xfrm_sa_info info;
	struct xfrm_sa sa;
	uint32_t spi[3];
	unsigned int deleted, i;
	int rc;

	NEED_HOST();
	memset(&req, 0, sizeof(req));
	assert_int_equal(nl_addr_parse(&req.src, "2001:db8::2"), 0);
	assert_int_equal(nl_addr_parse(&req.dst, "2001:db8::1"), 0);
	req.reqid = 0x300;
	for (i = 0; i < 3; i++) {
		req.mark.v = i < 2 ? 0x300 : 0x301;
		req.mark.m = 0xffffffff;
		assert_int_equal(xfrm_spi_alloc(&xs, &req, &spi[i]), 0);
		assert_true(spi[i] >= XFRM_SPI_MIN && spi[i] <= XFRM_SPI_MAX);
	}
	printf("  ALLOCSPI x3: 0x%08x 0x%08x 0x%08x\n", spi[0], spi[1], spi[2]);
	memset(&id, 0, sizeof(id));
	id.dst = req.dst;
	id.spi = spi[0];
	id.mark = ours;
	assert_int_equal(xfrm_sa_get(&xs, &id, &info), 0);
	assert_int_equal(info.reqid, 0x300);
	assert_int_equal(info.mark.v, 0x300);
	assert_int_equal(info.proto, IPPROTO_ESP);
	id.mark.v = 0x301;	/* the right SPI, the wrong mark */
	assert_int_equal(xfrm_sa_get(&xs, &id, &info), -ESRCH);
	printf("  GETSA: reqid 0x300, mark 0x300, esp; with mark 0x301: "
	    "\"%s\"\n", nl_sock_error(&xs));

	/* Keys go to a kernel without ESP: a readable refusal. */
	memset(&sa, 0, sizeof(sa));
	sa.src = req.src;
	sa.dst = req.dst;
	sa.spi = 0xc0001234;
	sa.reqid = 0x300;
	sa.mark = ours;
	sa.encr = XFRM_ENCR_AES_GCM_16;
	sa.encr_key_len = 20;
	rc = xfrm_sa_add(&xs, &sa);
	xfrm_sa_wipe(&sa);
	if (rc == 0) {
		printf("  this kernel has ESP: SA 0xc0001234 added\n");
		id.spi = 0xc0001234;
		id.mark = ours;
		assert_int_equal(xfrm_sa_delete(&xs, &id), 0);
	} else {
		printf("  NEWSA without ESP: \"%s\"\n", nl_sock_error(&xs));
		assert_true(strncmp(nl_sock_error(&xs),
		    "xfrm: add SA spi 0xc0001234: ", 29) == 0);
	}

	assert_int_equal(xfrm_sa_purge(&xs, &owner, &deleted), 0);
	assert_int_equal(deleted, 2);
	id.spi = spi[2];
	id.mark.v = 0x301;
	assert_int_equal(xfrm_sa_get(&xs, &id, &info), 0);
	assert_int_equal(xfrm_sa_delete(&xs, &id), 0);
	assert_int_equal(xfrm_sa_delete(&xs, &id), -ESRCH);
	printf("  purge of mark 0x300: 2 deleted, the mark 0x301 one kept; "
	    "deleted by hand, then again: \"%s\"\n", nl_sock_error(&xs));
}

struct events {
	struct xfrm_event acquire, expire;
	bool		 got_acquire, got_expire;
	uint32_t	 expire_spi;
};

static void
events_cb(const struct xfrm_event *ev, void *arg)
{
	struct events *e = arg;

	if (ev->type == XFRM_EVENT_ACQUIRE && !e->got_acquire &&
	    ev->u.acquire.mark.v == 0x400) {
		e->acquire = *ev;
		e->got_acquire = true;
	}
	if (ev->type == XFRM_EVENT_EXPIRE && ev->u.expire.spi == e->expire_spi &&
	    e->expire_spi != 0) {
		e->expire = *ev;
		e->got_expire = true;
	}
	if (e->got_acquire && (e->expire_spi == 0 || e->got_expire))
		ev_break(EV_DEFAULT, EVBREAK_ALL);
}

static void
timeout_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	ev_break(loop, EVBREAK_ALL);
}

static void
run_loop(double seconds)
{
	ev_timer t;

	ev_timer_init(&t, timeout_cb, seconds, 0);
	ev_timer_start(EV_DEFAULT, &t);
	ev_run(EV_DEFAULT, 0);
	ev_timer_stop(EV_DEFAULT, &t);
}

static void
test_events(void **state)
{
	static const struct xfrm_mark acq_mark = { 0x400, 0xffffffff };
	struct xfrm_owner acq_owner = { 0x400, 0x400, &acq_mark, 1, NULL, 0 };
	unsigned int deleted, zero;
	struct xfrm_monitor mon;
	struct events e;
	struct xfrm_policy p;
	struct xfrm_spi_req req;
	struct sockaddr_in6 dst;
	char a[NL_ADDRSTRLEN];
	uint32_t mark = 0x400;
	int fd;

	NEED_HOST();
	memset(&e, 0, sizeof(e));
	assert_int_equal(sh("ip link add vt0 type veth peer name vt1 && "
	    "ip addr add 2001:db8:4::1/64 dev vt0 nodad && "
	    "ip link set vt0 up && ip link set vt1 up"), 0);
	policy_any(&p, XFRM_POLICY_OUT, AF_INET6, mark, 0x400);
	assert_int_equal(xfrm_policy_add(&xs, &p), 0);
	assert_int_equal(xfrm_monitor_start(&mon, EV_DEFAULT, NULL, events_cb,
	    &e), 0);

	/* A marked UDP packet with no SA for its policy: ACQUIRE. */
	fd = socket(AF_INET6, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_MARK, &mark,
	    sizeof(mark)), 0);
	memset(&dst, 0, sizeof(dst));
	dst.sin6_family = AF_INET6;
	dst.sin6_port = htons(9);
	inet_pton(AF_INET6, "2001:db8:4::99", &dst.sin6_addr);
	(void)sendto(fd, "x", 1, 0, (struct sockaddr *)&dst, sizeof(dst));
	close(fd);
	run_loop(5);
	assert_true(e.got_acquire);
	assert_int_equal(e.acquire.u.acquire.reqid, 0x400);
	assert_int_equal(e.acquire.u.acquire.dir, XFRM_POLICY_OUT);
	assert_int_equal(e.acquire.u.acquire.flow_proto, IPPROTO_UDP);
	assert_string_equal(nl_addr_str(&e.acquire.u.acquire.flow_dst.addr, a,
	    sizeof(a)), "2001:db8:4::99");
	assert_string_equal(nl_addr_str(&e.acquire.u.acquire.dst, a,
	    sizeof(a)), "2001:db8::2");
	printf("  ACQUIRE through libev: reqid 0x400, mark 0x400, out, flow "
	    "udp to 2001:db8:4::99, outer dst %s\n", a);

	/* The kernel's larval SA for it (SPI 0) goes with a purge: DELSA
	 * alone cannot name it (vm_daemon_scale: one outlived vtid). */
	assert_int_equal(sas(&xs, 0x400, &zero), 1);
	assert_int_equal(zero, 1);
	assert_int_equal(xfrm_sa_purge(&xs, &acq_owner, &deleted), 0);
	assert_int_equal(deleted, 1);
	assert_int_equal(sas(&xs, 0x400, &zero), 0);
	printf("  the ACQUIRE's larval SA (SPI 0, reqid 0x400) purged\n");

	/* A reserved SPI that nobody fills expires (hard) with it. */
	assert_int_equal(sh("sysctl -qw net.core.xfrm_acq_expires=1"), 0);
	memset(&req, 0, sizeof(req));
	assert_int_equal(nl_addr_parse(&req.src, "2001:db8::2"), 0);
	assert_int_equal(nl_addr_parse(&req.dst, "2001:db8::1"), 0);
	req.reqid = 0x401;
	req.mark.v = 0x401;
	req.mark.m = 0xffffffff;
	assert_int_equal(xfrm_spi_alloc(&xs, &req, &e.expire_spi), 0);
	run_loop(10);
	assert_true(e.got_expire);
	assert_true(e.expire.u.expire.hard);
	assert_int_equal(e.expire.u.expire.reqid, 0x401);
	assert_int_equal(e.expire.u.expire.mark.v, 0x401);
	assert_int_equal(e.expire.u.expire.proto, IPPROTO_ESP);
	printf("  hard EXPIRE of the unfilled SPI 0x%08x after 1 s: reqid "
	    "0x401, mark 0x401\n", e.expire_spi);
	assert_int_equal(mon.malformed, 0);
	assert_int_equal(mon.overruns, 0);
	xfrm_monitor_stop(&mon);
	xfrm_monitor_stop(&mon);	/* twice is harmless */
	assert_int_equal(xfrm_policy_delete(&xs, &p), 0);
	assert_int_equal(sh("sysctl -qw net.core.xfrm_acq_expires=30"), 0);
}

static void
test_configure(void **state)
{
	struct vti_link cfg;
	struct vti_link_state st;

	NEED_HOST();
	assert_int_equal(sh("ip link add vt0 type veth peer name vt1"), 0);
	memset(&cfg, 0, sizeof(cfg));
	strcpy(cfg.name, "vt0");
	cfg.family = AF_INET6;
	cfg.mtu = 1400;
	cfg.disable_policy = true;
	cfg.n_addrs = 2;
	assert_int_equal(nl_prefix_parse(&cfg.addrs[0], "2001:db8:5::1/64"), 0);
	assert_int_equal(nl_prefix_parse(&cfg.addrs[1], "10.5.0.1/24"), 0);
	assert_int_equal(vti_link_configure(&rs, &cfg), 0);
	assert_int_equal(vti_link_get(&rs, NULL, "vt0", &st), 0);
	assert_int_equal(st.mtu, 1400);
	assert_true(st.up);
	assert_string_equal(st.kind, "veth");
	assert_int_equal(st.family, 0);
	assert_true(sh_has("1", "cat /proc/sys/net/ipv4/conf/vt0/disable_policy"));
	assert_true(sh_has("2001:db8:5::1/64 scope global nodad",
	    "ip -6 addr show dev vt0"));
	assert_true(sh_has("10.5.0.1/24", "ip -4 addr show dev vt0"));
	printf("  veth vt0: mtu 1400, up, disable_policy 1, "
	    "2001:db8:5::1/64 nodad, 10.5.0.1/24\n");

	/* Drift, then back to config: MTU, up, stray addresses of global
	 * scope removed, a link-local one kept. */
	assert_int_equal(sh("ip link set vt0 down mtu 1300 && "
	    "ip addr add 2001:db8:99::1/64 dev vt0 && "
	    "ip addr add fe80::99/64 dev vt0 && "
	    "ip addr add 10.5.0.1/16 dev vt0"), 0);
	assert_int_equal(vti_link_configure(&rs, &cfg), 0);
	assert_int_equal(vti_link_get(&rs, NULL, "vt0", &st), 0);
	assert_int_equal(st.mtu, 1400);
	assert_true(st.up);
	assert_false(sh_has("2001:db8:99::1", "ip addr show dev vt0"));
	assert_false(sh_has("10.5.0.1/16", "ip addr show dev vt0"));
	assert_true(sh_has("10.5.0.1/24", "ip addr show dev vt0"));
	assert_true(sh_has("fe80::99/64", "ip addr show dev vt0"));
	printf("  after drift (down, mtu 1300, 2001:db8:99::1/64, "
	    "10.5.0.1/16, fe80::99/64): back to config, link-local kept\n");

	/* A VTI name taken by a veth is not ours. */
	assert_int_equal(nl_addr_parse(&cfg.local, "2001:db8::1"), 0);
	assert_int_equal(nl_addr_parse(&cfg.remote, "2001:db8::2"), 0);
	cfg.ikey = cfg.okey = 5;
	assert_int_equal(vti_link_setup(&rs, &cfg, NULL), -EEXIST);
	printf("  \"%s\"\n", nl_sock_error(&rs));
	assert_string_equal(nl_sock_error(&rs),
	    "vt0: exists with kind veth, config says vti6: File exists");
	assert_int_equal(vti_link_delete(&rs, NULL, "vt0"), -EINVAL);
	printf("  \"%s\"\n", nl_sock_error(&rs));
	assert_int_equal(vti_link_delete(&rs, NULL, "vtid-none"), -ENODEV);

	/* The other end, configured in ns1 through netns=. */
	assert_int_equal(sh("ip link set vt1 netns %s", ns1), 0);
	strcpy(cfg.name, "vt1");
	cfg.netns = ns1;
	cfg.n_addrs = 1;
	assert_int_equal(nl_prefix_parse(&cfg.addrs[0], "2001:db8:5::2/64"), 0);
	assert_int_equal(vti_link_configure(&rs, &cfg), 0);
	assert_int_equal(vti_link_get(&rs, ns1, "vt1", &st), 0);
	assert_true(st.up);
	assert_int_equal(st.mtu, 1400);
	assert_true(sh_has("2001:db8:5::2/64", "ip -n %s addr show dev vt1",
	    ns1));
	assert_int_equal(vti_link_get(&rs, NULL, "vt1", &st), -ENODEV);
	printf("  vt1 moved to %s and configured there through netns=\n", ns1);

	/* No VTI in this kernel: creating one fails readably. */
	strcpy(cfg.name, "vtidx");
	cfg.netns = NULL;
	cfg.n_addrs = 0;
	if (vti_link_setup(&rs, &cfg, NULL) == 0) {
		printf("  this kernel has vti6: vtidx created\n");
		assert_int_equal(vti_link_delete(&rs, NULL, "vtidx"), 0);
	} else
		printf("  \"%s\"\n", nl_sock_error(&rs));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_netns_socket),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_purge),
		cmocka_unit_test(test_spi_sa),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_configure),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
