/* sd_notify: see notify.h. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#ifdef VTID_HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "daemon/notify.h"

#define NOTIFY_MSG_MAX	512

static char			 notify_addr[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
static uint64_t			 watchdog_usec;
static struct log_ratelimit	 notify_rl;

int
notify_socket_send(const char *addr, const char *msg, size_t len)
{
	struct sockaddr_un sun;
	socklen_t sl;
	size_t alen = addr != NULL ? strlen(addr) : 0;
	ssize_t n;
	int fd, saved;

	/* "/run/systemd/notify" or "@abstract"; nothing else is ours to
	 * interpret (systemd 254 adds vsock:, which a service on this
	 * distribution's systemd never gets). */
	if (alen < 2 || (addr[0] != '/' && addr[0] != '@') ||
	    alen > sizeof(sun.sun_path)) {
		errno = EINVAL;
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, addr, alen);
	if (addr[0] == '@')
		sun.sun_path[0] = '\0';	/* abstract: no NUL at the end */
	sl = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + alen +
	    (addr[0] == '/' && alen < sizeof(sun.sun_path) ? 1 : 0));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	n = sendto(fd, msg, len, MSG_NOSIGNAL, (struct sockaddr *)&sun, sl);
	saved = errno;
	close(fd);
	if (n != (ssize_t)len) {
		errno = n == -1 ? saved : EMSGSIZE;
		return -1;
	}
	return 0;
}

void
notify_init(void)
{
	const char *s = getenv("NOTIFY_SOCKET"), *pid, *usec;
	char *end;
	unsigned long long u;

	notify_addr[0] = '\0';
	watchdog_usec = 0;
	if (s != NULL && strlen(s) < sizeof(notify_addr))
		snprintf(notify_addr, sizeof(notify_addr), "%s", s);
	/* WATCHDOG_PID, when set, names the process the watchdog is for
	 * (sd_watchdog_enabled(3)): not us after a fork. */
	usec = getenv("WATCHDOG_USEC");
	pid = getenv("WATCHDOG_PID");
	if (usec != NULL && *usec != '\0' && (pid == NULL ||
	    strtol(pid, NULL, 10) == (long)getpid())) {
		errno = 0;
		u = strtoull(usec, &end, 10);
		if (errno == 0 && *end == '\0' && u > 0)
			watchdog_usec = u;
	}
	if (watchdog_usec > 0 && notify_addr[0] == '\0')
		watchdog_usec = 0;	/* nobody to ping */
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

bool
notify_enabled(void)
{
	return notify_addr[0] != '\0';
}

uint64_t
notify_watchdog_usec(void)
{
	return watchdog_usec;
}

#ifdef VTID_HAVE_LIBSYSTEMD
/* sd_notify() reads $NOTIFY_SOCKET, which notify_init removed: hand it
 * back for the call. */
static int
notify_deliver(const char *msg, size_t len)
{
	int rc;

	(void)len;
	if (setenv("NOTIFY_SOCKET", notify_addr, 1) == -1)
		return -1;
	rc = sd_notify(1, msg);
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return 0;
}
#else
static int
notify_deliver(const char *msg, size_t len)
{
	return notify_socket_send(notify_addr, msg, len);
}
#endif

int
notify_send(const char *fmt, ...)
{
	char msg[NOTIFY_MSG_MAX];
	va_list ap;
	int n;

	if (notify_addr[0] == '\0')
		return 0;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(msg)) {
		errno = EMSGSIZE;
		return -1;
	}
	if (notify_deliver(msg, (size_t)n) == -1) {
		log_msg_rl(&notify_rl, LOG_WARNING, "systemd",
		    "cannot notify %s: %s", notify_addr, strerror(errno));
		return -1;
	}
	return 0;
}
