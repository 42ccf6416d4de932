/* The daemon's state, shared by main.c (start-up, signals, shutdown),
 * reload.c (a new configuration applied peer by peer) and ctl.c (the
 * control commands). */
#ifndef VTID_DAEMON_VTID_H
#define VTID_DAEMON_VTID_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <ev.h>

#include "config/config.h"
#include "daemon/impair.h"
#include "daemon/kernel.h"
#include "daemon/sandbox.h"
#include "ike/ike.h"

#ifndef VTID_VERSION
#define VTID_VERSION	"0"
#endif

struct vtid {
	struct ev_loop		*loop;
	const char		*conf_path;
	struct vtid_config	*conf;		/* the one in force */
	struct kernel		 kernel;	/* kernel.conf == conf */
	struct ike_engine	*eng;
	struct ike_cpool	*pool;		/* key exchanges; NULL: loop */
	enum sandbox_mode	 sandbox_mode;
	/* Test-only fault injection (impair.h): NULL unless VTID_IMPAIR
	 * was set at start. */
	struct impair		*impair;
	ev_signal		 sigterm, sigint, sighup;
	ev_timer		 status_timer;	/* STATUS= for systemd, 1 s */
	ev_timer		 watchdog_timer;	/* WATCHDOG=1 */
	ev_timer		 trim_timer;	/* heap back to the system */
	uint64_t		 trim_setups;	/* SAs made at the last tick */
	bool			 trim_due;

	/* From the command line: they win over the configuration. */
	bool			 debug;		/* -d */
	bool			 cli_syslog;	/* -s */
	/* The socket control_open bound: a reload cannot move it. */
	char			 control_path[CONFIG_SOCKET_MAX];
	/* Capabilities after start-up: CAP_SYS_ADMIN (setns, for VTIs in
	 * another namespace) is kept only when a peer needs it. */
	bool			 caps_dropped;
	int			 instance_fd;	/* instance_lock() */
	bool			 have_sys_admin;
	/* secmem.h, sandbox.h: as start-up left them. */
	bool			 memory_locked;
	bool			 sandboxed;
	unsigned		 sandbox_calls;	/* allowed */
	ev_timer		 probe_timer;	/* VTID_TEST_SANDBOX_PROBE */

	double			 started;	/* wall clock */
	double			 last_reload;	/* last successful, or start */
	uint64_t		 reloads_ok, reloads_failed;
	unsigned		 status_up, status_total;	/* last sent */
};

/* Applies the configuration file again (SIGHUP, "vtictl reload"): an
 * invalid file changes nothing; unchanged peers keep their SAs. The
 * outcome is logged and, when out is not NULL, written there. 0 or -1. */
int	 vtid_reload(struct vtid *, FILE *out);

/* The check config_load runs on proposal strings: the proposal language. */
int	 vtid_proposal_check(enum config_proposal_kind, const char *, char *,
	    size_t);

/* Sends systemd the STATUS line ("3/4 peers up") if it changed, or
 * always when force is set. */
void	 vtid_status_notify(struct vtid *, bool force);

#endif
