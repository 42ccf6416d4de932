/* vti.mtu = "auto": each such peer's VTI MTU computed from the outer path
 * MTU and the overheads of its ESP SA (src/vti/mtu.c), set before the
 * first CHILD SA for the costliest suite vtid knows, then exactly for the
 * negotiated one at every outbound SA (a rekey may change the suite). */
#ifndef VTID_DAEMON_MTU_H
#define VTID_DAEMON_MTU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "ike/ike.h"
#include "vti/vti.h"

struct mtu_entry;

/* Per peer, by mark. */
struct mtu_table {
	struct mtu_entry *by_mark;
};

/* The VTI's MTU before any SA: the last one computed, or the costliest
 * suite's over the current path. */
uint32_t mtu_auto_initial(struct mtu_table *, struct nl_sock *,
	    const struct config_peer *);
/* An outbound SA is in: the exact MTU for its suite, set on the VTI if
 * it changed. */
void	 mtu_auto_sa(struct mtu_table *, struct nl_sock *,
	    const struct config_peer *, const struct ike_sa_kernel *);
/* What vtictl list shows: false when the peer has no auto MTU (yet). */
bool	 mtu_auto_get(const struct mtu_table *, uint32_t mark,
	    uint32_t *mtu, char *parts, size_t len);
void	 mtu_auto_forget(struct mtu_table *, uint32_t mark);
void	 mtu_auto_free(struct mtu_table *);

#endif
