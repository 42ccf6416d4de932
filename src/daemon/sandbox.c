/* The sandbox: see sandbox.h. Plain classic BPF over struct seccomp_data
 * (<linux/seccomp.h>, <linux/filter.h>): the list is short and static, and
 * libseccomp would be one more library in a daemon that faces the
 * internet for what is here about 200 lines. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/ucontext.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "daemon/sandbox.h"

#if defined(__x86_64__)
#define SANDBOX_ARCH	AUDIT_ARCH_X86_64
#define SANDBOX_ARCH_NAME "x86_64"
/* x32 calls come with this bit on the same AUDIT_ARCH_X86_64. */
#define SANDBOX_X32_BIT	0x40000000u
#elif defined(__aarch64__)
#define SANDBOX_ARCH	AUDIT_ARCH_AARCH64
#define SANDBOX_ARCH_NAME "aarch64"
#else
#error "the sandbox knows x86_64 and aarch64: add the architecture's list"
#endif

/* The low 32 bits of argument i: every argument checked here is an int
 * or flags the kernel reads as 32 bits. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG_LO(i)	(offsetof(struct seccomp_data, args) + 8 * (i))
#else
#define ARG_LO(i)	(offsetof(struct seccomp_data, args) + 8 * (i) + 4)
#endif

/* Before Linux 4.14 there is no KILL_PROCESS; those kernels read the
 * value as SECCOMP_RET_KILL (the thread), which for single-threaded vtid
 * is the process all the same. */
#ifndef SECCOMP_RET_KILL_PROCESS
#define SECCOMP_RET_KILL_PROCESS 0x80000000u
#endif

#define SANDBOX_INSNS_MAX	320

/* What vtid does in steady state. Calls checked on their arguments are
 * below, in sandbox_enter. The #ifdefs: aarch64 has no legacy calls
 * (open, stat, epoll_wait, poll, time...). */
static const int allowed[] = {
	/* files: the configuration on reload, /etc/localtime (syslog),
	 * /run/netns/NAME and /proc/thread-self/ns/net (setns), the control
	 * socket's unlink at exit */
	SYS_read, SYS_write, SYS_writev, SYS_close, SYS_lseek, SYS_fcntl,
	SYS_openat, SYS_newfstatat, SYS_fstat, SYS_unlinkat,
#ifdef SYS_open
	SYS_open,
#endif
#ifdef SYS_stat
	SYS_stat,
#endif
#ifdef SYS_unlink
	SYS_unlink,
#endif
#ifdef SYS_statx
	SYS_statx,
#endif
	/* malloc (brk, mmap, madvise from malloc_trim); mmap and mprotect
	 * below */
	SYS_brk, SYS_munmap, SYS_mremap, SYS_madvise,
	/* the event loop (libev: epoll, its eventfd for signals) and time,
	 * a system call where the clock source has no vDSO (a VM) */
	SYS_epoll_pwait, SYS_epoll_ctl, SYS_ppoll,
#ifdef SYS_epoll_wait
	SYS_epoll_wait,
#endif
#ifdef SYS_poll
	SYS_poll,
#endif
	SYS_clock_gettime, SYS_clock_getres, SYS_gettimeofday,
	SYS_nanosleep, SYS_clock_nanosleep,
#ifdef SYS_time
	SYS_time,
#endif
	/* signals: libev's handlers, abort() */
	SYS_rt_sigreturn, SYS_rt_sigprocmask, SYS_rt_sigaction,
	SYS_restart_syscall,
	/* the process: OpenSSL's RNG, locks, ids (the configuration's owner
	 * check, log lines, sd_notify) */
	SYS_exit, SYS_exit_group, SYS_getpid, SYS_gettid, SYS_getuid,
	SYS_geteuid, SYS_getgid, SYS_getegid, SYS_futex, SYS_sched_yield,
	SYS_getrandom, SYS_uname,
	/* glibc's qsort: sysconf(_SC_PHYS_PAGES) the first time it sorts
	 * more than 1 kB (vtictl status of a few hundred peers) */
	SYS_sysinfo,
	/* sockets: IKE (UDP), netlink, the control socket, sd_notify and
	 * syslog; socket() below */
	SYS_bind, SYS_connect, SYS_accept4, SYS_getsockname, SYS_getsockopt,
	SYS_setsockopt, SYS_sendto, SYS_sendmsg, SYS_recvfrom, SYS_recvmsg,
};

#ifdef VTID_SANITIZER
/* The sanitizer runtimes: the leak check at exit (a clone()d tracer that
 * ptrace()s the process, reads /proc/self/task and maps), reports (the
 * symbolizer is forked and exec'd), their allocator and signal stacks. */
static const int allowed_sanitizer[] = {
	SYS_clone, SYS_execve, SYS_wait4, SYS_ptrace, SYS_prctl,
	SYS_getdents64, SYS_readlinkat, SYS_sigaltstack, SYS_prlimit64,
	SYS_pipe2, SYS_dup3, SYS_kill, SYS_sched_getaffinity, SYS_getppid,
	/* isatty(2) before the first line of a report: without it a UBSan
	 * finding dies unprinted, as "Bad system call" */
	SYS_ioctl,
#ifdef SYS_getdents
	SYS_getdents,
#endif
#ifdef SYS_fork
	SYS_fork,
#endif
#ifdef SYS_vfork
	SYS_vfork,
#endif
#ifdef SYS_readlink
	SYS_readlink,
#endif
#ifdef SYS_getrlimit
	SYS_getrlimit,
#endif
#ifdef SYS_pipe
	SYS_pipe,
#endif
#ifdef SYS_dup2
	SYS_dup2,
#endif
};
#endif

/* socket(): the families vtid uses, as RestrictAddressFamilies= in the
 * unit. */
static const uint32_t socket_families[] = {
	AF_UNIX, AF_INET, AF_INET6, AF_NETLINK,
};

/* Names for the trap mode's message: generated at build time from the
 * target's <sys/syscall.h> (src/daemon/CMakeLists.txt). */
struct sandbox_name {
	int		 nr;
	const char	*name;
};
static const struct sandbox_name names[] = {
#include "sandbox_names.h"
};

/* "<3>" (LOG_ERR) when stderr may be the journal's stream, as log.c. */
static const char *trap_prefix = "";

struct prog {
	struct sock_filter	 f[SANDBOX_INSNS_MAX];
	size_t			 n;
	bool			 overflow;
};

static void
emit(struct prog *p, uint16_t code, uint32_t k, uint8_t jt, uint8_t jf)
{
	if (p->n == SANDBOX_INSNS_MAX) {
		p->overflow = true;
		return;
	}
	p->f[p->n++] = (struct sock_filter)BPF_JUMP(code, k, jt, jf);
}

static void
emit_allow(struct prog *p, int nr)
{
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, 1);
	emit(p, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
}

/* nr allowed when its argument arg (low 32 bits) is one of vals:
 *	jeq nr, 0, skip; ld arg; jeq v1, allow; ...; ret deny; allow: ret
 * A keeps the call number for the next rule when nr does not match. */
static void
emit_arg_in(struct prog *p, int nr, unsigned arg, const uint32_t *vals,
    size_t n, uint32_t deny)
{
	size_t i;

	emit(p, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0,
	    (uint8_t)(n + 3));
	emit(p, BPF_LD | BPF_W | BPF_ABS, (uint32_t)ARG_LO(arg), 0, 0);
	for (i = 0; i < n; i++)
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, vals[i], (uint8_t)(n - i),
		    0);
	emit(p, BPF_RET | BPF_K, deny, 0, 0);
	emit(p, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
}

/* nr allowed when no bit of mask is set in argument arg, or not all of
 * them: "arg & mask != mask" (all) or "arg & mask == 0" (any). */
static void
emit_arg_bits(struct prog *p, int nr, unsigned arg, uint32_t mask,
    bool any)
{
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, 5);
	emit(p, BPF_LD | BPF_W | BPF_ABS, (uint32_t)ARG_LO(arg), 0, 0);
	emit(p, BPF_ALU | BPF_AND | BPF_K, mask, 0, 0);
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, any ? 0 : mask, any ? 1 : 0,
	    any ? 0 : 1);
	emit(p, BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS, 0, 0);
	emit(p, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
}

/* The deny action patched into the argument rules: they are emitted with
 * KILL_PROCESS and changed to TRAP in trap mode. */
static void
patch_deny(struct prog *p, size_t from, uint32_t deny)
{
	size_t i;

	for (i = from; i < p->n; i++)
		if (p->f[i].code == (BPF_RET | BPF_K) &&
		    p->f[i].k == SECCOMP_RET_KILL_PROCESS)
			p->f[i].k = deny;
}

/* ---- trap mode ---- */

static size_t
fmt_str(char *buf, size_t off, size_t len, const char *s)
{
	while (*s != '\0' && off + 1 < len)
		buf[off++] = *s++;
	return off;
}

static size_t
fmt_uint(char *buf, size_t off, size_t len, unsigned long v)
{
	char tmp[24];
	size_t n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) > 0 && n < sizeof(tmp));
	while (n > 0 && off + 1 < len)
		buf[off++] = tmp[--n];
	return off;
}

/* Async-signal-safe: no stdio, no malloc; one write(2) to stderr (the
 * journal under systemd). The call is not run; it returns -ENOSYS. */
static void
sandbox_sigsys(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	const char *name = "?";
	char msg[200];
	size_t i, n = 0;
	int saved = errno;

	(void)sig;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].nr == si->si_syscall) {
			name = names[i].name;
			break;
		}
	n = fmt_str(msg, n, sizeof(msg), trap_prefix);
	n = fmt_str(msg, n, sizeof(msg), "sandbox: system call ");
	n = fmt_uint(msg, n, sizeof(msg), (unsigned long)si->si_syscall);
	n = fmt_str(msg, n, sizeof(msg), " (");
	n = fmt_str(msg, n, sizeof(msg), name);
	n = fmt_str(msg, n, sizeof(msg), ", " SANDBOX_ARCH_NAME ") is not in "
	    "the allow-list: failed with ENOSYS (VTID_SANDBOX=trap)\n");
	(void)!write(STDERR_FILENO, msg, n);
#if defined(__x86_64__)
	uc->uc_mcontext.gregs[REG_RAX] = -ENOSYS;
#elif defined(__aarch64__)
	uc->uc_mcontext.regs[0] = (unsigned long long)-ENOSYS;
#endif
	errno = saved;
}

int
sandbox_mode_env(enum sandbox_mode *mode, char *why, size_t whylen)
{
	const char *s = getenv("VTID_SANDBOX");

	*mode = SANDBOX_KILL;
	if (s == NULL || s[0] == '\0' || strcmp(s, "kill") == 0)
		return 0;
	if (strcmp(s, "trap") == 0) {
		*mode = SANDBOX_TRAP;
		return 0;
	}
	snprintf(why, whylen, "VTID_SANDBOX: '%s' is neither kill nor trap",
	    s);
	return -1;
}

static int sandbox_enter_locked(enum sandbox_mode, unsigned *, char *,
    size_t);

/* The crypto workers and the loop's thread each install the filter on
 * themselves (no TSYNC): one at a time, the program being static. */
int
sandbox_enter(enum sandbox_mode mode, unsigned *n_allowed, char *why,
    size_t whylen)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	int rc;

	pthread_mutex_lock(&mu);
	rc = sandbox_enter_locked(mode, n_allowed, why, whylen);
	pthread_mutex_unlock(&mu);
	return rc;
}

static int
sandbox_enter_locked(enum sandbox_mode mode, unsigned *n_allowed, char *why,
    size_t whylen)
{
	static struct prog p;	/* 2.5 KB: off the stack */
	struct sock_fprog fprog;
	struct sigaction sa;
	uint32_t deny = mode == SANDBOX_TRAP ? SECCOMP_RET_TRAP :
	    SECCOMP_RET_KILL_PROCESS;
	uint32_t self = (uint32_t)getpid(), newnet = CLONE_NEWNET;
	size_t i, args_from;
	unsigned n = 0;

	memset(&p, 0, sizeof(p));
	/* Another architecture's numbers mean other calls: always killed,
	 * in trap mode too. */
	emit(&p, BPF_LD | BPF_W | BPF_ABS,
	    (uint32_t)offsetof(struct seccomp_data, arch), 0, 0);
	emit(&p, BPF_JMP | BPF_JEQ | BPF_K, SANDBOX_ARCH, 1, 0);
	emit(&p, BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS, 0, 0);
	emit(&p, BPF_LD | BPF_W | BPF_ABS,
	    (uint32_t)offsetof(struct seccomp_data, nr), 0, 0);
#ifdef SANDBOX_X32_BIT
	emit(&p, BPF_JMP | BPF_JGE | BPF_K, SANDBOX_X32_BIT, 0, 1);
	emit(&p, BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS, 0, 0);
#endif
	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++, n++)
		emit_allow(&p, allowed[i]);
#ifdef VTID_SANITIZER
	for (i = 0; i < sizeof(allowed_sanitizer) /
	    sizeof(allowed_sanitizer[0]); i++, n++)
		emit_allow(&p, allowed_sanitizer[i]);
#endif
	args_from = p.n;
	/* Sockets of vtid's four families only. */
	emit_arg_in(&p, SYS_socket, 0, socket_families,
	    sizeof(socket_families) / sizeof(socket_families[0]), deny);
	/* Network namespaces only (a VTI's), never mount or user ones. */
	emit_arg_in(&p, SYS_setns, 1, &newnet, 1, deny);
	/* raise() and abort(): signals to itself only. */
	emit_arg_in(&p, SYS_tgkill, 0, &self, 1, deny);
	/* No memory both writable and executable, and nothing made
	 * executable later (what MemoryDenyWriteExecute= does in the
	 * unit): no JIT, no shellcode. */
	emit_arg_bits(&p, SYS_mmap, 2, PROT_WRITE | PROT_EXEC, false);
	emit_arg_bits(&p, SYS_mprotect, 2, PROT_EXEC, true);
	n += 5;
	emit(&p, BPF_RET | BPF_K, deny, 0, 0);
	patch_deny(&p, args_from, deny);
	if (p.overflow) {
		snprintf(why, whylen, "sandbox: more than %d BPF instructions",
		    SANDBOX_INSNS_MAX);
		return -1;
	}

	if (mode == SANDBOX_TRAP) {
		if (getenv("JOURNAL_STREAM") != NULL)
			trap_prefix = "<3>";
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = sandbox_sigsys;
		sa.sa_flags = SA_SIGINFO;
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGSYS, &sa, NULL) == -1) {
			snprintf(why, whylen, "sandbox: sigaction(SIGSYS): %s",
			    strerror(errno));
			return -1;
		}
	}
	/* Without CAP_SYS_ADMIN a filter needs no_new_privs (caps_drop
	 * set it already; again costs nothing). prctl, not seccomp(2):
	 * systemd's @system-service filter allows the former only, hence no
	 * SECCOMP_FILTER_FLAG_TSYNC: each thread enters on its own (main.c,
	 * worker_confine). */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		snprintf(why, whylen, "sandbox: PR_SET_NO_NEW_PRIVS: %s",
		    strerror(errno));
		return -1;
	}
	fprog.len = (unsigned short)p.n;
	fprog.filter = p.f;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0) == -1) {
		snprintf(why, whylen, "sandbox: PR_SET_SECCOMP: %s%s",
		    strerror(errno), errno == EINVAL ? " (a kernel without "
		    "CONFIG_SECCOMP_FILTER?)" : "");
		return -1;
	}
	*n_allowed = n;
	return 0;
}

long
sandbox_probe(void)
{
	return syscall(SYS_unshare, 0);
}
