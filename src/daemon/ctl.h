/* The control commands (control.h carries them: one line in, "ok" or
 * "error" and text out). vtictl(8) documents them:
 *
 *	status [-j]		one line per IKE SA, two per CHILD SA
 *	list [-j] [PEER]	everything about each peer
 *	state PEER		"up", "connecting" or "down" (vtictl up -w)
 *	up PEER, down PEER	initiate / delete the peer's SAs
 *	rekey PEER [--ike]	rekey the CHILD SA, or the IKE SA
 *	reload			apply the configuration file again
 *	log-level [LEVEL]	show or set the log level
 *	metrics			Prometheus text exposition
 *	config			the effective configuration, PSKs left out
 *	help
 */
#ifndef VTID_DAEMON_CTL_H
#define VTID_DAEMON_CTL_H

#include <stdio.h>

#include "config/config.h"

/* A control_fn; arg is the struct vtid. */
int	 vtid_ctl(int argc, char **argv, FILE *out, void *arg);

/* The configuration with every default resolved, in vtid.conf syntax;
 * PSKs are never printed (their length is). */
void	 vtid_config_dump(const struct vtid_config *, FILE *);

#endif
