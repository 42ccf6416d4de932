/* The seccomp filter of sandbox.c, call by call: each case runs in a
 * child that installs the filter and makes one call; the allowed ones
 * return, the others kill the child with SIGSYS, the argument rules
 * included (socket families, setns types, tgkill to itself, no W+X
 * memory), and so do the x32 and i386 ABIs on x86_64. In trap mode the
 * call fails with ENOSYS and the child runs on. No root needed:
 * no_new_privs is enough for a filter. */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon/sandbox.h"

enum call {
	C_GETPID, C_SOCKET_INET6, C_SOCKET_NETLINK, C_MMAP_RW, C_MPROTECT_R,
	C_TGKILL_SELF, C_SETNS_NET,
	C_UNSHARE, C_SOCKET_PACKET, C_SETNS_MNT, C_TGKILL_OTHER, C_MMAP_WX,
	C_MPROTECT_X, C_EXECVE, C_X32, C_I386,
};

static const char *const call_names[] = {
	"getpid", "socket(AF_INET6)", "socket(AF_NETLINK)", "mmap(RW)",
	"mprotect(R)", "tgkill(self, 0)", "setns(-1, CLONE_NEWNET)",
	"unshare(0)", "socket(AF_PACKET)", "setns(-1, CLONE_NEWNS)",
	"tgkill(1, 1, 0)", "mmap(W|X)", "mprotect(X)", "execve", "x32 getpid",
	"i386 getpid",
};

/* The call, made after the filter is in place; its result, as a long. */
static long
call_make(enum call c)
{
	void *p;

	switch (c) {
	case C_GETPID:
		return getpid();
	case C_SOCKET_INET6:
		return socket(AF_INET6, SOCK_DGRAM, 0);
	case C_SOCKET_NETLINK:
		return socket(AF_NETLINK, SOCK_RAW, 0);
	case C_MMAP_RW:
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		return p == MAP_FAILED ? -1 : 0;
	case C_MPROTECT_R:
	case C_MPROTECT_X:
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return -2;
		return mprotect(p, 4096, c == C_MPROTECT_R ? PROT_READ :
		    PROT_READ | PROT_EXEC);
	case C_TGKILL_SELF:
		return syscall(SYS_tgkill, getpid(), gettid(), 0);
	case C_SETNS_NET:
		return setns(-1, CLONE_NEWNET);	/* EBADF: it ran */
	case C_UNSHARE:
		return sandbox_probe();
	case C_SOCKET_PACKET:
		return socket(AF_PACKET, SOCK_DGRAM, 0);
	case C_SETNS_MNT:
		return setns(-1, CLONE_NEWNS);
	case C_TGKILL_OTHER:
		return syscall(SYS_tgkill, 1, 1, 0);
	case C_MMAP_WX:
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		return p == MAP_FAILED ? -1 : 0;
	case C_EXECVE:
		return syscall(SYS_execve, "/nonexistent", NULL, NULL);
	case C_X32:
#ifdef __x86_64__
		return syscall(0x40000000 | SYS_getpid);
#else
		return 0;
#endif
	case C_I386:
#ifdef __x86_64__
	{
		long r = 20;	/* __NR_getpid of i386 */

		__asm__ volatile ("int $0x80" : "+a"(r) : : "memory");
		return r;
	}
#else
		return 0;
#endif
	}
	return 0;
}

/* Forks a child that enters the sandbox and makes the call: its wait
 * status. The child exits 0 when the call returned, 1 when the filter
 * could not be installed, 2 in trap mode when errno is not ENOSYS. */
static int
run(enum sandbox_mode mode, enum call c)
{
	char why[256];
	unsigned n;
	int status;
	pid_t pid;
	long r;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (sandbox_enter(mode, &n, why, sizeof(why)) == -1) {
			fprintf(stderr, "%s\n", why);
			_exit(1);
		}
		errno = 0;
		r = call_make(c);
		if (mode == SANDBOX_TRAP)
			_exit(r == -1 && errno == ENOSYS ? 0 : 2);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void
expect_allowed(enum call c)
{
	int st = run(SANDBOX_KILL, c);

	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("%s: not allowed (status 0x%x)", call_names[c], st);
	printf("ok: %s allowed\n", call_names[c]);
}

static void
expect_killed(enum call c)
{
	int st = run(SANDBOX_KILL, c);

	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSYS)
		fail_msg("%s: not killed by SIGSYS (status 0x%x)",
		    call_names[c], st);
	printf("ok: %s killed (SIGSYS)\n", call_names[c]);
}

static void
test_allowed(void **state)
{
	(void)state;
	expect_allowed(C_GETPID);
	expect_allowed(C_SOCKET_INET6);
	expect_allowed(C_SOCKET_NETLINK);
	expect_allowed(C_MMAP_RW);
	expect_allowed(C_MPROTECT_R);
	expect_allowed(C_TGKILL_SELF);
	expect_allowed(C_SETNS_NET);
}

static void
test_killed(void **state)
{
	(void)state;
	expect_killed(C_UNSHARE);
	expect_killed(C_SOCKET_PACKET);
	expect_killed(C_SETNS_MNT);
	expect_killed(C_TGKILL_OTHER);
	expect_killed(C_MMAP_WX);
	expect_killed(C_MPROTECT_X);
#ifndef VTID_SANITIZER	/* the symbolizer's exec is allowed there */
	expect_killed(C_EXECVE);
#endif
#ifdef __x86_64__
	expect_killed(C_X32);
	expect_killed(C_I386);
#endif
}

static void
test_trap(void **state)
{
	int st;

	(void)state;
	st = run(SANDBOX_TRAP, C_UNSHARE);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("trap mode: unshare(0) status 0x%x, want ENOSYS and "
		    "a live child", st);
	printf("ok: trap mode: unshare(0) fails with ENOSYS, the child "
	    "runs on\n");
	/* The architecture check kills in trap mode too. */
#ifdef __x86_64__
	st = run(SANDBOX_TRAP, C_I386);
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSYS)
		fail_msg("trap mode: an i386 call was not killed (0x%x)", st);
	printf("ok: trap mode: an i386 call is still killed\n");
#endif
}

static void
test_mode_env(void **state)
{
	enum sandbox_mode m;
	char why[128];

	(void)state;
	unsetenv("VTID_SANDBOX");
	assert_int_equal(sandbox_mode_env(&m, why, sizeof(why)), 0);
	assert_int_equal(m, SANDBOX_KILL);
	setenv("VTID_SANDBOX", "trap", 1);
	assert_int_equal(sandbox_mode_env(&m, why, sizeof(why)), 0);
	assert_int_equal(m, SANDBOX_TRAP);
	setenv("VTID_SANDBOX", "kill", 1);
	assert_int_equal(sandbox_mode_env(&m, why, sizeof(why)), 0);
	assert_int_equal(m, SANDBOX_KILL);
	setenv("VTID_SANDBOX", "log", 1);
	assert_int_equal(sandbox_mode_env(&m, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "'log'"));
	unsetenv("VTID_SANDBOX");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allowed),
		cmocka_unit_test(test_killed),
		cmocka_unit_test(test_trap),
		cmocka_unit_test(test_mode_env),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
