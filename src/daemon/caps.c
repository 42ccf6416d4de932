/* Capabilities: see caps.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

#include "daemon/caps.h"

/* capget/capset have no glibc wrapper: the raw system calls, with the
 * 64-bit (two u32 words) layout of version 3. */
static int
caps_get(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0,
	};

	memset(d, 0, 2 * sizeof(*d));
	return (int)syscall(SYS_capget, &h, d);
}

static int
caps_set(const struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0,
	};

	return (int)syscall(SYS_capset, &h, d);
}

int
caps_effective(uint64_t *eff)
{
	struct __user_cap_data_struct d[2];

	if (caps_get(d) == -1)
		return -1;
	*eff = (uint64_t)d[0].effective | (uint64_t)d[1].effective << 32;
	return 0;
}

bool
caps_have(unsigned cap)
{
	uint64_t eff;

	return cap < 64 && caps_effective(&eff) == 0 && (eff >> cap & 1);
}

static void
set_bit(struct __user_cap_data_struct d[2], unsigned cap)
{
	d[cap / 32].effective |= 1u << (cap % 32);
	d[cap / 32].permitted |= 1u << (cap % 32);
}

int
caps_drop(bool keep_sys_admin, char *why, size_t whylen)
{
	struct __user_cap_data_struct d[2];
	uint64_t keep = (uint64_t)1 << CAP_NET_ADMIN;
	unsigned cap;

	if (keep_sys_admin)
		keep |= (uint64_t)1 << CAP_SYS_ADMIN;
	/* The bounding set first: that needs CAP_SETPCAP, which goes with
	 * the capset below. Without CAP_SETPCAP (systemd already limited
	 * the set) this is skipped; EINVAL marks the end of what this
	 * kernel knows. */
	if (caps_have(CAP_SETPCAP)) {
		for (cap = 0; cap < 64; cap++) {
			if (keep >> cap & 1)
				continue;
			if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1) {
				if (errno == EINVAL)
					break;
				snprintf(why, whylen, "PR_CAPBSET_DROP %u: %s",
				    cap, strerror(errno));
				return -1;
			}
		}
	}
	/* Kernels before 4.3 have no ambient set: EINVAL is fine. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1 &&
	    errno != EINVAL) {
		snprintf(why, whylen, "PR_CAP_AMBIENT_CLEAR_ALL: %s",
		    strerror(errno));
		return -1;
	}
	memset(d, 0, sizeof(d));
	set_bit(d, CAP_NET_ADMIN);
	if (keep_sys_admin)
		set_bit(d, CAP_SYS_ADMIN);
	/* Keep only what we hold: capset cannot add to the permitted set. */
	{
		struct __user_cap_data_struct cur[2];

		if (caps_get(cur) == -1) {
			snprintf(why, whylen, "capget: %s", strerror(errno));
			return -1;
		}
		d[0].permitted &= cur[0].permitted;
		d[1].permitted &= cur[1].permitted;
		d[0].effective &= cur[0].permitted;
		d[1].effective &= cur[1].permitted;
	}
	if (caps_set(d) == -1) {
		snprintf(why, whylen, "capset: %s", strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		snprintf(why, whylen, "PR_SET_NO_NEW_PRIVS: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}
