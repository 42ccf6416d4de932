/* "kernel": how vtid keeps the kernel's SAs and policies in step with
 * what it installed (src/daemon/recon.c). */
#include "config/priv.h"

static const struct key_def kernel_keys[] = {
	{ "reconcile_interval", T_INT | T_STR },
	{ "event_buffer", T_INT },
	{ NULL, 0 },
};

int
cfg_parse_kernel(struct loader *ld, const config_setting_t *g)
{
	struct config_kernel *k = &ld->conf->kernel;
	const config_setting_t *s;
	long long x;

	if (g == NULL)
		return 0;
	if (cfg_check_keys(ld, g, kernel_keys, "kernel") == -1 ||
	    cfg_get_duration(ld, g, "reconcile_interval",
	    "kernel.reconcile_interval", &k->reconcile_interval) == -1)
		return -1;
	/* A pass dumps every SA: more often than each second would be a
	 * load of its own; a day is the most that still means something. */
	if (k->reconcile_interval > 86400)
		return cfg_fail(ld, cfg_member_or(g, "reconcile_interval"),
		    "kernel.reconcile_interval: must be 0 (off) to 86400 "
		    "seconds");
	/* 0 keeps net.core.rmem_default; below a page the kernel would
	 * round it up anyway, and a single SA notification (keys and all)
	 * would not fit. */
	if ((s = config_setting_get_member(g, "event_buffer")) != NULL) {
		x = config_setting_get_int64(s);
		if (x != 0 && (x < CONFIG_EVENT_BUFFER_MIN ||
		    x > CONFIG_EVENT_BUFFER_MAX))
			return cfg_fail(ld, s, "kernel.event_buffer: must be 0 "
			    "(the system's default) or %u to %u bytes",
			    CONFIG_EVENT_BUFFER_MIN, CONFIG_EVENT_BUFFER_MAX);
		k->event_buffer = (uint32_t)x;
	}
	return 0;
}
