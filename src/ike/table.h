/* The engine's lookups, O(1) on the per-packet path (uthash): SAs by our
 * SPI, responder SAs by (initiator SPI, peer address) for a repeated
 * IKE_SA_INIT, peers by name and by remote address. Calls nothing else of
 * the engine. */
#ifndef VTID_IKE_TABLE_H
#define VTID_IKE_TABLE_H

#include "ike/engine.h"

/* Each add returns 0, or -1 when out of memory (nothing added). */

/* By our SPI, and a responder's also by (ispi, remote). */
int		 ike_table_sa_add(struct ike_engine *, struct ike_sa *);
void		 ike_table_sa_del(struct ike_engine *, struct ike_sa *);
struct ike_sa	*ike_table_sa_find(const struct ike_engine *, uint64_t spi);
/* A responder's SA for IKE_SA_INIT with this initiator SPI from this
 * address (port ignored). */
struct ike_sa	*ike_table_sa_init(const struct ike_engine *, uint64_t ispi,
		    const struct sockaddr_storage *remote);
/* A fresh, non-zero SPI that no SA of ours uses (RFC 7296 2.6). */
uint64_t	 ike_table_spi_new(struct ike_engine *);

int		 ike_table_peer_add(struct ike_engine *, struct ike_peer *);
void		 ike_table_peer_del(struct ike_engine *, struct ike_peer *);
struct ike_peer	*ike_table_peer_find(const struct ike_engine *, const char *name);
/* The peer a new IKE_SA_INIT comes from: by its remote address, and our
 * address if it has one configured; of several, the first added. Failing
 * that, the first dynamic peer (remote %any or a prefix) the address is
 * in: the IKE_SA_INIT's terms, until IKE_AUTH tells which one it is. */
struct ike_peer	*ike_table_peer_match(const struct ike_engine *,
		    const struct sockaddr_storage *local,
		    const struct sockaddr_storage *remote);
/* The dynamic peer with this remote ID, if local and remote are its. */
struct ike_peer	*ike_table_peer_by_id(const struct ike_engine *,
		    uint8_t id_type, const uint8_t *id, size_t id_len,
		    const struct sockaddr_storage *local,
		    const struct sockaddr_storage *remote);

#endif
