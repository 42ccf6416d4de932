/* Capabilities: once its sockets are bound and its peers set up, vtid
 * keeps only what it still needs, through the raw capset(2) and prctl(2)
 * calls (libcap is not a dependency):
 *
 *	CAP_NET_ADMIN	XFRM states and policies, VTIs (rekeys, reloads,
 *			the clean-up at exit)
 *	CAP_SYS_ADMIN	setns(2) into the namespace a VTI lives in
 *			(vti.netns): only when a peer has one
 *
 * CAP_NET_BIND_SERVICE was needed for ports 500 and 4500, which are bound
 * by then. The bounding and ambient sets are emptied of everything else
 * (where CAP_SETPCAP allows), and no_new_privs is set: vtid never execs. */
#ifndef VTID_DAEMON_CAPS_H
#define VTID_DAEMON_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 0, or -1 with the reason in why. */
int	 caps_drop(bool keep_sys_admin, char *why, size_t whylen);
/* The effective set, as capget(2) gives it: bit n is capability n. */
int	 caps_effective(uint64_t *);
bool	 caps_have(unsigned cap);

#endif
