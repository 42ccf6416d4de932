/* Telling systemd how vtid is doing (sd_notify(3), Type=notify): READY=1
 * once the peers are set up, STATUS= lines, WATCHDOG=1 keep-alives,
 * RELOADING=1 around a reload and STOPPING=1 on the way out.
 *
 * With libsystemd (pkg-config libsystemd at build time) this is
 * sd_notify(); without, vtid speaks the protocol itself: one datagram per
 * message, "VAR=value" lines, to the AF_UNIX socket named by
 * $NOTIFY_SOCKET ("/path", or "@name" for the abstract namespace). The
 * protocol is documented in sd_notify(3) as stable; vtid sends no file
 * descriptors and needs no credentials beyond what the kernel attaches.
 * Without $NOTIFY_SOCKET (not under systemd) every call does nothing. */
#ifndef VTID_DAEMON_NOTIFY_H
#define VTID_DAEMON_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/log.h"

/* Reads $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID once, and
 * removes them from the environment (nothing vtid starts should talk to
 * systemd in its name). */
void	 notify_init(void);
bool	 notify_enabled(void);
/* The watchdog interval systemd expects pings within, in microseconds;
 * 0 when there is no watchdog for this process. */
uint64_t notify_watchdog_usec(void);
/* One message, "READY=1\nSTATUS=..." (printf format). 0, or -1 with errno
 * (a failure is logged once, rate-limited, and is never fatal). */
int	 notify_send(const char *fmt, ...) VTID_PRINTF(1, 2);

/* The datagram protocol itself, for any socket address in the
 * $NOTIFY_SOCKET syntax: 0, or -1 with errno (EINVAL: bad address). */
int	 notify_socket_send(const char *addr, const char *msg, size_t len);

#endif
