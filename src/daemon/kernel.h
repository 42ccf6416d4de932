/* The daemon's kernel side: the ike_ops the engine calls (SPIs, SAs,
 * policies, counters), each peer's VTI, trap policies for on-demand
 * peers, and the clean-up of vtid's own objects at start and exit. */
#ifndef VTID_DAEMON_KERNEL_H
#define VTID_DAEMON_KERNEL_H

#include <stdbool.h>

#include <ev.h>

#include "config/config.h"
#include "daemon/mtu.h"
#include "daemon/recon.h"
#include "ike/ike.h"
#include "netlink/netlink.h"
#include "xfrm/xfrm.h"

#define KERNEL_REPLAY_WINDOW	128
/* Our reqids are reqid_base + mark; everything in this span is ours. */
#define KERNEL_REQID_SPAN	0x00ffffffu

/* Our SAs' counters from one dump, for a snapshot (counters_batch). */
struct kernel_ctr {
	uint32_t	 spi, mark;
	uint8_t		 dst[16];
	uint64_t	 bytes, packets;
};

struct kernel_ctrs {
	struct kernel_ctr *v;
	size_t		 n, cap;
	bool		 on;
};

struct kernel {
	struct nl_sock	 xfrm;
	struct nl_sock	 rtnl;
	struct xfrm_monitor mon;
	bool		 mon_on;
	uint32_t	 reqid_min, reqid_max;
	const struct vtid_config *conf;
	struct ike_engine *eng;
	struct xfrm_larval larval;	/* hold_packets */
	struct recon	 recon;		/* recon.h */
	struct mtu_table mtus;		/* vti.mtu = "auto" (mtu.h) */
	struct kernel_ctrs ctrs;
};

int	 kernel_open(struct kernel *, const struct vtid_config *);
void	 kernel_close(struct kernel *);
/* hold_packets: the kernel's hold queue on (net.core.xfrm_larval_drop 0)
 * or, when off, the old value back; for the start and each reload. */
void	 kernel_hold_packets(struct kernel *, bool on);
/* Fills ops with the engine callbacks bound to k. */
void	 kernel_ops(struct kernel *, struct ike_ops *);
/* Removes SAs and policies a previous vtid left (a crash): the IKE SAs
 * that owned them are gone, so they could never be rekeyed. */
void	 kernel_purge(struct kernel *);
/* The peer's VTI, created or adopted; trap policies for route peers. */
int	 kernel_peer_up(struct kernel *, const struct config_peer *);
/* Policies and VTI of a peer that goes away (exit, removed peer). */
void	 kernel_peer_down(struct kernel *, const struct config_peer *);
/* ACQUIREs for route peers and EXPIREs go to the engine; changes to the
 * tables, and lost events, to the reconciliation (recon.h). */
int	 kernel_monitor(struct kernel *, struct ev_loop *, struct ike_engine *);
/* An address as the xfrm module takes it (no port). */
void	 kernel_nl_addr(const struct sockaddr_storage *, struct nl_addr *);

#endif
