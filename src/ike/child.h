/* CHILD SAs in the kernel (through struct ike_ops): KEYMAT to a pair of
 * SAs, the outbound SA held back while the peer is not ready for it,
 * removal with the traffic counted into the peer's totals, and the peer's
 * policies, which follow the families its CHILD SAs carry. Calls the
 * daemon's ops and nothing of the engine above it. */
#ifndef VTID_IKE_CHILD_H
#define VTID_IKE_CHILD_H

#include "ike/engine.h"

#define IKE_POL_V4	0x01
#define IKE_POL_V6	0x02

/* A CHILD SA an exchange made (RFC 7296 2.17): its suite and SPIs, the
 * families its selectors carry, the exchange's nonces and, with PFS,
 * g^ir (seed.gir.ptr NULL: none). */
struct ike_child_spec {
	const struct ike_suite *suite;
	uint32_t	 spi_in;	/* reserved by spi_alloc */
	uint32_t	 spi_out;
	bool		 v4, v6;
	struct ike_key_seed seed;
	bool		 we_init;	/* we initiated that exchange */
	bool		 hold_out;	/* install the outbound SA later */
};

/* KEYMAT for the CHILD SA; installs its inbound SA and, unless hold_out,
 * its outbound SA. */
int		 ike_child_make(struct ike_sa *, struct ike_child *,
		    const struct ike_child_spec *);
/* The held outbound SA goes in. */
int		 ike_child_release_out(struct ike_sa *, struct ike_child *);
/* Removes its SAs (counting their traffic into the peer's totals). */
void		 ike_child_drop(struct ike_sa *, struct ike_child *);
void		 ike_child_drop_in(struct ike_sa *, struct ike_child *);
void		 ike_child_drop_out(struct ike_sa *, struct ike_child *);
/* Every CHILD SA of the IKE SA goes (the IKE SA is going). */
void		 ike_child_remove(struct ike_sa *);
bool		 ike_child_has_spi(const struct ike_child *, uint32_t spi);
/* The kernel removed one of its SAs (a hard EXPIRE). */
void		 ike_child_expired(struct ike_child *, uint32_t spi);
void		 ike_child_move(struct ike_child *to, struct ike_child *from);
/* The peer's policies follow its CHILD SAs: the families they carry, none
 * when it has none, but both (the traps) for a route peer. */
int		 ike_peer_policies_sync(struct ike_peer *);

#endif
