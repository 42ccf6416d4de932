/* The one-instance lock: see instance.h. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/instance.h"

/* "\0vtid/instance": the leading NUL makes it abstract. */
static const char instance_name[] = "\0vtid/instance";

static socklen_t
instance_addr(struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, instance_name, sizeof(instance_name) - 1);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    sizeof(instance_name) - 1);
}

/* The pid of the vtid holding the lock, from its listening socket's
 * credentials; 0 when it cannot be had. */
static pid_t
instance_holder(void)
{
	struct sockaddr_un sun;
	struct ucred cred;
	socklen_t len = instance_addr(&sun), clen = sizeof(cred);
	pid_t pid = 0;
	int fd;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	if (connect(fd, (struct sockaddr *)&sun, len) == 0 &&
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0)
		pid = cred.pid;
	close(fd);
	return pid;
}

int
instance_lock(char *why, size_t whylen)
{
	struct sockaddr_un sun;
	socklen_t len = instance_addr(&sun);
	pid_t pid;
	int fd;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(why, whylen, "instance lock: %s", strerror(errno));
		return -1;
	}
	/* listen() only so that a second vtid can learn our pid. */
	if (bind(fd, (struct sockaddr *)&sun, len) == 0 && listen(fd, 1) == 0)
		return fd;
	if (errno == EADDRINUSE) {
		pid = instance_holder();
		if (pid > 0)
			snprintf(why, whylen, "another vtid (pid %ld) runs in "
			    "this network namespace", (long)pid);
		else
			snprintf(why, whylen, "another vtid runs in this "
			    "network namespace");
	} else
		snprintf(why, whylen, "instance lock: %s", strerror(errno));
	close(fd);
	return -1;
}
