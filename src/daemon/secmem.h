/* Memory that holds keys: PSKs from the configuration, SKEYSEED and the
 * SK_* keys, DH private values, ESP keys on their way to the kernel (in
 * vtid's structures, OpenSSL's contexts, netlink buffers and stacks).
 *
 * Kept out of swap with mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT):
 * every page, present and future, as it is touched. Not OpenSSL's secure
 * heap (CRYPTO_secure_malloc_init): that covers only what OpenSSL puts
 * there (its private BIGNUMs and ECX keys), not vtid's own key buffers,
 * OpenSSL's cipher and HMAC contexts, or the stack; and its arena has a
 * fixed size, so a flood of half-open IKE SAs, each with a DH private
 * value, would fill it and make every key generation fail.
 *
 * With MCL_FUTURE every later allocation counts against RLIMIT_MEMLOCK
 * (vtid has no CAP_IPC_LOCK after start-up): one that would pass it
 * fails, and a daemon whose malloc fails under load is worse off than
 * one whose keys may reach swap. So memory is locked only when the limit
 * is unlimited, or leaves SECMEM_HEADROOM above what vtid maps at
 * start-up; otherwise vtid says so in one line and runs unlocked.
 *
 * Core dumps: vtid is not dumpable (PR_SET_DUMPABLE 0, main.c), and
 * secmem_nodump sets RLIMIT_CORE to 0, which also holds where the
 * administrator made non-dumpable processes dump (fs.suid_dumpable = 2).
 * With no core ever written, MADV_DONTDUMP on key buffers would add
 * nothing. */
#ifndef VTID_DAEMON_SECMEM_H
#define VTID_DAEMON_SECMEM_H

#include <stddef.h>

#define SECMEM_HEADROOM	((size_t)256 << 20)	/* bytes */

/* RLIMIT_CORE to 0; a failure (systemd's filter may deny setrlimit,
 * where LimitCORE=0 did the same) changes nothing. */
void	 secmem_nodump(void);

/* Locks all memory: 0, or -1 with why it did not (not an error: vtid
 * runs on, the caller logs it). */
int	 secmem_lock(char *why, size_t whylen);

#endif
