/* Memory that holds keys: see secmem.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "daemon/sandbox.h"
#include "daemon/secmem.h"

#ifndef MCL_ONFAULT
#define MCL_ONFAULT	4	/* Linux 4.4 */
#endif

void
secmem_nodump(void)
{
	const struct rlimit zero = { 0, 0 };

	(void)setrlimit(RLIMIT_CORE, &zero);
}

#ifdef VTID_SANITIZER
int
secmem_lock(char *why, size_t whylen)
{
	/* Terabytes of shadow memory, reserved, not backed. */
	snprintf(why, whylen, "a sanitizer build");
	return -1;
}
#else
/* What the process maps now (VmSize), from /proc/self/statm; 0 if it
 * cannot be read. */
static size_t
secmem_mapped(void)
{
	unsigned long pages = 0;
	FILE *f = fopen("/proc/self/statm", "re");

	if (f == NULL)
		return 0;
	if (fscanf(f, "%lu", &pages) != 1)
		pages = 0;
	fclose(f);
	return (size_t)pages * (size_t)sysconf(_SC_PAGESIZE);
}

int
secmem_lock(char *why, size_t whylen)
{
	struct rlimit rl;
	size_t mapped;

	if (getrlimit(RLIMIT_MEMLOCK, &rl) == -1) {
		snprintf(why, whylen, "getrlimit(RLIMIT_MEMLOCK): %s",
		    strerror(errno));
		return -1;
	}
	if (rl.rlim_cur != RLIM_INFINITY) {
		mapped = secmem_mapped();
		if (mapped == 0 || rl.rlim_cur < mapped + SECMEM_HEADROOM) {
			snprintf(why, whylen, "RLIMIT_MEMLOCK is %llu KiB and "
			    "vtid maps %zu KiB: locking needs %zu MiB more "
			    "(LimitMEMLOCK=infinity, ulimit -l unlimited)",
			    (unsigned long long)rl.rlim_cur / 1024,
			    mapped / 1024, SECMEM_HEADROOM >> 20);
			return -1;
		}
	}
	if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) == 0)
		return 0;
	/* Before 4.4: the pages mapped now are faulted in and locked. */
	if (errno == EINVAL && mlockall(MCL_CURRENT | MCL_FUTURE) == 0)
		return 0;
	snprintf(why, whylen, "mlockall: %s", strerror(errno));
	return -1;
}
#endif
