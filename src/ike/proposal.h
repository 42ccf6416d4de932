/* Proposals as plain data, shared by the SA payload codec (what a peer
 * offers) and the proposal language/selection (what we are configured with).
 * RFC 7296 3.3. */
#ifndef VTID_IKE_PROPOSAL_H
#define VTID_IKE_PROPOSAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IKE_PROPOSALS_MAX	16	/* more offers than this: NO_PROPOSAL_CHOSEN */
#define IKE_XFORMS_MAX		32	/* transforms in one proposal */

struct ike_transform {
	uint8_t		 type;		/* enum ike_transform_type */
	uint16_t	 id;		/* ENCR_*, PRF_*, AUTH_*, group, ESN_* */
	uint16_t	 keylen;	/* bits; 0 when no attribute */
};

/* The same transform: type, id and key length. */
static inline bool
ike_xform_eq(const struct ike_transform *a, const struct ike_transform *b)
{
	return a->type == b->type && a->id == b->id && a->keylen == b->keylen;
}

struct ike_proposal {
	uint8_t		 num;		/* proposal number, 1-based */
	uint8_t		 proto;		/* enum ike_proto */
	uint8_t		 spi_size;	/* 0, 4 (ESP) or 8 (IKE rekey) */
	uint8_t		 spi[8];
	uint8_t		 n_xforms;
	struct ike_transform xforms[IKE_XFORMS_MAX];
};

struct ike_proposal_list {
	size_t		 n;
	struct ike_proposal p[IKE_PROPOSALS_MAX];
};

/* The one transform of each type a responder picked (id 0: none). */
struct ike_suite {
	uint16_t	 encr, encr_keylen;
	uint16_t	 prf;
	uint16_t	 integ;
	uint16_t	 dh;
	uint16_t	 esn;
};

#endif
