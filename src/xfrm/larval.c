/* net.core.xfrm_larval_drop of the caller's network namespace. With 1 (the
 * kernel's default) a packet that matches a policy with no SA yet triggers
 * an ACQUIRE and is dropped; with 0 the policy's hold queue keeps it (up
 * to 100 packets, for a minute at most) and sends it once an SA is there.
 * Writing the file is per namespace: /proc/sys/net follows the namespace
 * of the process that opened it. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xfrm/xfrm.h"

#define LARVAL_DROP_PATH	"/proc/sys/net/core/xfrm_larval_drop"

static int
larval_read(int fd, int *val)
{
	char buf[16];
	ssize_t n;

	/* lseek and read, not pread: the sandbox's allow-list. */
	if (lseek(fd, 0, SEEK_SET) == -1)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return n == 0 ? -EIO : -errno;
	buf[n] = '\0';
	*val = atoi(buf);
	return 0;
}

static int
larval_write(int fd, int val)
{
	const char *s = val ? "1\n" : "0\n";

	if (lseek(fd, 0, SEEK_SET) == -1)
		return -errno;
	return write(fd, s, 2) == 2 ? 0 : -errno;
}

int
xfrm_larval_hold(struct xfrm_larval *l)
{
	int rc;

	memset(l, 0, sizeof(*l));
	if ((l->fd = open(LARVAL_DROP_PATH, O_RDWR | O_CLOEXEC)) == -1)
		return -errno;
	if ((rc = larval_read(l->fd, &l->old)) != 0 ||
	    (l->old != 0 && (rc = larval_write(l->fd, 0)) != 0)) {
		close(l->fd);
		return rc;
	}
	l->open = true;
	l->changed = l->old != 0;
	return 0;
}

void
xfrm_larval_restore(struct xfrm_larval *l)
{
	int now;

	if (!l->open)
		return;
	/* Put the old value back only over ours: an admin's change since
	 * then stands. */
	if (l->changed && larval_read(l->fd, &now) == 0 && now == 0)
		(void)larval_write(l->fd, l->old);
	close(l->fd);
	memset(l, 0, sizeof(*l));
}
