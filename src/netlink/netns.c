/* Named network namespaces (/run/netns/NAME, as `ip netns` makes them). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "netlink/netlink.h"

/* A name is one path component under /run/netns, nothing else. */
static bool
nl_netns_name_ok(const char *name)
{
	size_t len = name != NULL ? strlen(name) : 0;

	return len > 0 && len < NAME_MAX && strchr(name, '/') == NULL &&
	    strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

int
nl_netns_open(const char *name)
{
	char path[sizeof(NL_NETNS_DIR) + NAME_MAX + 1];
	int fd;

	if (!nl_netns_name_ok(name))
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/%s", NL_NETNS_DIR, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int
nl_netns_enter(const char *name, int *saved)
{
	int self = -1, target = -1, rc;

	*saved = -1;
	/* thread-self: setns() moves only the calling thread. */
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0) {
		rc = -errno;
		goto done;
	}
	target = nl_netns_open(name);
	if (target < 0) {
		rc = target;
		goto done;
	}
	/* CLONE_NEWNET makes the kernel check the file is a net namespace. */
	if (setns(target, CLONE_NEWNET) < 0) {
		rc = -errno;
		goto done;
	}
	*saved = self;
	self = -1;
	rc = 0;
done:
	if (target >= 0)
		close(target);
	if (self >= 0)
		close(self);
	return rc;
}

void
nl_netns_leave(int saved)
{
	if (saved < 0)
		return;
	if (setns(saved, CLONE_NEWNET) < 0)
		fatal("netlink: cannot return to the original network "
		    "namespace: %s", strerror(errno));
	close(saved);
}
