/* sd_notify: what vtid sends reaches a datagram socket as systemd reads
 * it, for a socket path and an abstract name; READY, STATUS, WATCHDOG,
 * RELOADING and STOPPING as the daemon words them; $WATCHDOG_USEC and
 * $WATCHDOG_PID as sd_watchdog_enabled(3) reads them; nothing at all
 * without $NOTIFY_SOCKET. Each test binds its own socket. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon/notify.h"

struct listener {
	int	 fd;
	char	 addr[108];	/* as $NOTIFY_SOCKET names it */
	char	 path[108];	/* "" for an abstract name */
};

static void
listen_on(struct listener *l, bool abstract)
{
	struct sockaddr_un sun;
	socklen_t sl;
	struct timeval tv = { 2, 0 };

	memset(l, 0, sizeof(*l));
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (abstract) {
		snprintf(l->addr, sizeof(l->addr), "@vtid-test-notify-%ld",
		    (long)getpid());
		memcpy(sun.sun_path + 1, l->addr + 1, strlen(l->addr) - 1);
		sl = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
		    strlen(l->addr));
	} else {
		snprintf(l->path, sizeof(l->path), "/tmp/vtid-test-notify-%ld",
		    (long)getpid());
		unlink(l->path);
		snprintf(l->addr, sizeof(l->addr), "%s", l->path);
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", l->path);
		sl = sizeof(sun);
	}
	l->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(l->fd >= 0);
	assert_int_equal(bind(l->fd, (struct sockaddr *)&sun, sl), 0);
	assert_int_equal(setsockopt(l->fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof(tv)), 0);
}

static void
listen_close(struct listener *l)
{
	close(l->fd);
	if (l->path[0] != '\0')
		unlink(l->path);
}

/* The next datagram, as a string; "" if none within the timeout. */
static const char *
next_msg(struct listener *l, bool wait)
{
	static char buf[1024];
	ssize_t n;

	n = recv(l->fd, buf, sizeof(buf) - 1, wait ? 0 : MSG_DONTWAIT);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	return buf;
}

static void
test_socket_send(void **state)
{
	struct listener l;
	int abstract;

	for (abstract = 0; abstract < 2; abstract++) {
		listen_on(&l, abstract);
		assert_int_equal(notify_socket_send(l.addr, "READY=1", 7), 0);
		assert_string_equal(next_msg(&l, true), "READY=1");
		assert_int_equal(notify_socket_send(l.addr,
		    "STATUS=3/4 peers up\nWATCHDOG=1", 30), 0);
		assert_string_equal(next_msg(&l, true),
		    "STATUS=3/4 peers up\nWATCHDOG=1");
		printf("notify: %s socket %s: 2 datagrams as sent\n",
		    abstract ? "abstract" : "path", l.addr);
		listen_close(&l);
	}
}

static void
test_bad_address(void **state)
{
	static const char *const bad[] = {
		"", "@", "relative/path", "vsock:2:1234", NULL,
	};
	const char *const *a;

	for (a = bad; *a != NULL; a++) {
		errno = 0;
		assert_int_equal(notify_socket_send(*a, "READY=1", 7), -1);
		assert_int_equal(errno, EINVAL);
	}
	assert_int_equal(notify_socket_send(NULL, "READY=1", 7), -1);
	/* No one listening: the error comes back, nothing blocks. */
	assert_int_equal(notify_socket_send("/tmp/vtid-test-notify-none",
	    "READY=1", 7), -1);
	assert_true(errno == ENOENT || errno == ECONNREFUSED);
}

/* The daemon's sequence, through notify_send and the environment. */
static void
test_daemon_sequence(void **state)
{
	static const char *const msgs[] = {
		"READY=1", "STATUS=0/2 peers up", "WATCHDOG=1",
		"RELOADING=1\nSTATUS=reloading /etc/vtid/vtid.conf",
		"READY=1", "STOPPING=1\nSTATUS=stopping",
	};
	struct listener l;
	size_t i;

	listen_on(&l, false);
	setenv("NOTIFY_SOCKET", l.addr, 1);
	setenv("WATCHDOG_USEC", "3000000", 1);
	unsetenv("WATCHDOG_PID");
	notify_init();
	assert_true(notify_enabled());
	assert_int_equal(notify_watchdog_usec(), 3000000);
	/* Nothing vtid might start inherits them. */
	assert_null(getenv("NOTIFY_SOCKET"));
	assert_null(getenv("WATCHDOG_USEC"));
	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		assert_int_equal(notify_send("%s", msgs[i]), 0);
		assert_string_equal(next_msg(&l, true), msgs[i]);
	}
	printf("notify: daemon sequence of %zu messages received in order\n",
	    i);
	listen_close(&l);
}

static void
test_watchdog_env(void **state)
{
	char pid[32];
	struct listener l;

	listen_on(&l, true);
	/* For another process: not ours. */
	setenv("NOTIFY_SOCKET", l.addr, 1);
	setenv("WATCHDOG_USEC", "3000000", 1);
	setenv("WATCHDOG_PID", "1", 1);
	notify_init();
	assert_int_equal(notify_watchdog_usec(), 0);
	/* For us. */
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	setenv("NOTIFY_SOCKET", l.addr, 1);
	setenv("WATCHDOG_USEC", "500000", 1);
	setenv("WATCHDOG_PID", pid, 1);
	notify_init();
	assert_int_equal(notify_watchdog_usec(), 500000);
	/* Garbage and zero. */
	setenv("NOTIFY_SOCKET", l.addr, 1);
	setenv("WATCHDOG_USEC", "12x", 1);
	unsetenv("WATCHDOG_PID");
	notify_init();
	assert_int_equal(notify_watchdog_usec(), 0);
	setenv("NOTIFY_SOCKET", l.addr, 1);
	setenv("WATCHDOG_USEC", "0", 1);
	notify_init();
	assert_int_equal(notify_watchdog_usec(), 0);
	/* A watchdog without a socket to ping is no watchdog. */
	unsetenv("NOTIFY_SOCKET");
	setenv("WATCHDOG_USEC", "3000000", 1);
	notify_init();
	assert_int_equal(notify_watchdog_usec(), 0);
	listen_close(&l);
}

static void
test_not_under_systemd(void **state)
{
	struct listener l;

	listen_on(&l, false);
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	notify_init();
	assert_false(notify_enabled());
	assert_int_equal(notify_send("READY=1"), 0);
	assert_string_equal(next_msg(&l, false), "");
	listen_close(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_socket_send),
		cmocka_unit_test(test_bad_address),
		cmocka_unit_test(test_daemon_sequence),
		cmocka_unit_test(test_watchdog_env),
		cmocka_unit_test(test_not_under_systemd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
