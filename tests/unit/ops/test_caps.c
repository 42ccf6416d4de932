/* Capabilities after start-up: caps_drop leaves CAP_NET_ADMIN (and
 * CAP_SYS_ADMIN when asked) in the effective, permitted and bounding
 * sets, nothing inheritable or ambient, no_new_privs set. What it keeps
 * still works (a per-socket XFRM bypass policy needs CAP_NET_ADMIN),
 * what it dropped does not (binding port 500 needs
 * CAP_NET_BIND_SERVICE). Each case runs in a child process, as root;
 * skipped otherwise. */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/capability.h>
#include <linux/ipsec.h>
#include <linux/xfrm.h>

#include "daemon/caps.h"

/* "CapEff:\t0000000000001000" from /proc/self/status. */
static uint64_t
proc_caps(const char *key)
{
	char line[256];
	uint64_t v = UINT64_MAX;
	size_t n = strlen(key);
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return v;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, n) == 0 && line[n] == ':')
			v = strtoull(line + n + 1, NULL, 16);
	fclose(f);
	return v;
}

static int
proc_value(const char *key)
{
	char line[256];
	int v = -1;
	size_t n = strlen(key);
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return v;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, n) == 0 && line[n] == ':')
			v = atoi(line + n + 1);
	fclose(f);
	return v;
}

static bool
can_bind_500(void)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	bool ok;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(500);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* EADDRINUSE means the permission check passed. */
	ok = bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 ||
	    errno == EADDRINUSE;
	close(fd);
	return ok;
}

/* A per-socket IPsec bypass policy, as vtid's IKE sockets carry: the
 * kernel wants CAP_NET_ADMIN for it (do_ip_setsockopt). */
static bool
can_bypass(void)
{
	struct xfrm_userpolicy_info pol;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	bool ok;

	memset(&pol, 0, sizeof(pol));
	pol.action = XFRM_POLICY_ALLOW;
	pol.sel.family = AF_INET;
	pol.dir = XFRM_POLICY_OUT;
	ok = setsockopt(fd, IPPROTO_IP, IP_XFRM_POLICY, &pol,
	    sizeof(pol)) == 0;
	close(fd);
	return ok;
}

static int
child(bool keep_sys_admin)
{
	char why[128];
	uint64_t want = (uint64_t)1 << CAP_NET_ADMIN;

	if (keep_sys_admin)
		want |= (uint64_t)1 << CAP_SYS_ADMIN;
	if (!can_bind_500()) {
		printf("child: cannot bind port 500 before the drop\n");
		return 10;
	}
	if (caps_drop(keep_sys_admin, why, sizeof(why)) == -1) {
		printf("child: caps_drop: %s\n", why);
		return 11;
	}
	if (proc_caps("CapEff") != want || proc_caps("CapPrm") != want) {
		printf("child: CapEff %016llx CapPrm %016llx, want %016llx\n",
		    (unsigned long long)proc_caps("CapEff"),
		    (unsigned long long)proc_caps("CapPrm"),
		    (unsigned long long)want);
		return 12;
	}
	if (proc_caps("CapBnd") != want) {
		printf("child: CapBnd %016llx, want %016llx\n",
		    (unsigned long long)proc_caps("CapBnd"),
		    (unsigned long long)want);
		return 13;
	}
	if (proc_caps("CapInh") != 0 || proc_caps("CapAmb") != 0) {
		printf("child: inheritable or ambient left\n");
		return 14;
	}
	if (proc_value("NoNewPrivs") != 1) {
		printf("child: no_new_privs not set\n");
		return 15;
	}
	if (can_bind_500()) {
		printf("child: still binds port 500\n");
		return 16;
	}
	if (!can_bypass()) {
		printf("child: CAP_NET_ADMIN kept but IP_XFRM_POLICY "
		    "refused\n");
		return 18;
	}
	if (!caps_have(CAP_NET_ADMIN) ||
	    caps_have(CAP_SYS_ADMIN) != keep_sys_admin ||
	    caps_have(CAP_NET_BIND_SERVICE)) {
		printf("child: caps_have disagrees with /proc\n");
		return 17;
	}
	printf("child: CapEff=CapPrm=CapBnd=%016llx, no inheritable or "
	    "ambient, NoNewPrivs 1, port 500 refused, IP_XFRM_POLICY "
	    "allowed\n",
	    (unsigned long long)want);
	return 0;
}

static void
run(bool keep_sys_admin)
{
	pid_t pid;
	int st;

	if (geteuid() != 0 || !caps_have(CAP_SETPCAP) ||
	    !caps_have(CAP_NET_BIND_SERVICE)) {
		printf("skipped: needs root with every capability\n");
		skip();
	}
	fflush(stdout);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		st = child(keep_sys_admin);
		fflush(stdout);
		_exit(st);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void
test_drop_net_admin(void **state)
{
	run(false);
}

static void
test_drop_keep_sys_admin(void **state)
{
	run(true);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drop_net_admin),
		cmocka_unit_test(test_drop_keep_sys_admin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
