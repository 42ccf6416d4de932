/* One vtid per network namespace. Two would purge each other's SAs and
 * policies at start-up (the same reqids and marks) and race on every VTI,
 * so vtid takes this lock before it touches the kernel: a second instance
 * started by mistake exits and changes nothing.
 *
 * The lock is an abstract unix socket, which lives in the network
 * namespace and dies with the process: no stale file after a crash, no
 * writable directory needed (ProtectSystem=strict). */
#ifndef VTID_DAEMON_INSTANCE_H
#define VTID_DAEMON_INSTANCE_H

#include <stddef.h>

/* The lock's descriptor (kept open for the life of the process), or -1
 * with the reason in why (naming the running vtid's pid when known). */
int	 instance_lock(char *why, size_t whylen);

#endif
