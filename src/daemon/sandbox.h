/* The sandbox: a seccomp BPF filter vtid installs on itself once it is
 * set up (sockets bound, netlink open, peers and VTIs made, capabilities
 * dropped), so that outside systemd it is confined too, and inside
 * systemd's own filter it is confined more narrowly.
 *
 * Why an in-process filter and not a privilege-separated IKE process (as
 * OpenBSD iked does): the code that parses what the internet sends and
 * the code that installs keys into the kernel share one single-threaded
 * event loop and a few kernel calls (spi_alloc, sa_add, policies) per
 * exchange. Splitting them is an IPC protocol of its own, a second event
 * loop and keys crossing a socket; src/ike is kept free of netlink calls
 * so that it can come later. A filter costs about 150 BPF instructions
 * and takes from an attacker who gets code execution everything vtid
 * never does in steady state: execve, fork, ptrace, mount, unshare, bpf,
 * keyctl, io_uring, user namespaces, sockets of other families, writable
 * and executable memory.
 *
 * The allow-list is the system calls vtid makes in steady state: its
 * event loop, IKE and netlink sockets, the control socket, setns into a
 * VTI's namespace (CLONE_NEWNET only), reading the configuration again,
 * malloc, getrandom, the clock, logging (stderr, syslog, sd_notify). A
 * call outside it kills the process (SECCOMP_RET_KILL_PROCESS: SIGSYS,
 * and the kernel's audit record type 1326 names the call). With
 * VTID_SANDBOX=trap in the environment it is not run and vtid logs its
 * number and name instead (SIGSYS handler; the call fails with ENOSYS):
 * the way to find what a new code path needs. */
#ifndef VTID_DAEMON_SANDBOX_H
#define VTID_DAEMON_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

/* ASan, LSan and UBSan runtimes make calls of their own (the leak check
 * at exit clones a thread that ptraces the process; reports read
 * /proc/self/maps and start a symbolizer): under a sanitizer the filter
 * also allows those. */
#if defined(__SANITIZE_ADDRESS__)
#define VTID_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define VTID_SANITIZER 1
#endif
#endif

enum sandbox_mode {
	SANDBOX_KILL,	/* production: a call outside the list kills vtid */
	SANDBOX_TRAP,	/* development: logged, fails with ENOSYS */
};

/* The mode $VTID_SANDBOX asks for: unset or "kill" is SANDBOX_KILL,
 * "trap" SANDBOX_TRAP; anything else is an error (-1, why filled). */
int	 sandbox_mode_env(enum sandbox_mode *, char *why, size_t whylen);

/* Installs the filter on the calling thread (vtid has only one). 0 with
 * the number of system calls allowed in *n_allowed; -1 with the reason. */
int	 sandbox_enter(enum sandbox_mode, unsigned *n_allowed, char *why,
	    size_t whylen);

/* For the test suite: makes one system call outside the list (unshare(0):
 * harmless when nothing stops it). Returns its result. */
long	 sandbox_probe(void);

#endif
