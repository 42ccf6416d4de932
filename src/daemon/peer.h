/* A configured peer as the IKE engine takes it (struct ike_peer_conf):
 * addresses, identities, PSK, proposals parsed, and the daemon-wide
 * timing. Used at start-up, by "vtid -t" (which must find every error the
 * start-up would) and by reload (which builds every peer before touching
 * anything). */
#ifndef VTID_DAEMON_PEER_H
#define VTID_DAEMON_PEER_H

#include <stddef.h>

#include "config/config.h"
#include "ike/ike.h"

/* 0, or -1 with the reason ("PSK longer than 256 bytes") in why. The PSK
 * is copied into pc: wipe it (OPENSSL_cleanse) after use. */
int	 vtid_peer_conf(const struct vtid_config *, const struct config_peer *,
	    struct ike_peer_conf *, char *why, size_t whylen);

/* The engine's DoS settings (ike_engine_set_dos) from the configuration. */
void	 vtid_dos_conf(const struct vtid_config *, struct ike_dos_conf *);

#endif
