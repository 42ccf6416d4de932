/* vtid's Vendor ID (RFC 7296 3.12): sent in IKE_SA_INIT, both ways, so
 * that each end knows the other is vtid and which rule it follows when
 * both initiate at once (sa.c, crossing).
 *
 * The payload's data, 18 bytes: the first 16 bytes of SHA-256 of the
 * ASCII string "vtid", then the version of the crossing rule, 16 bits
 * big-endian. Version 1: of two IKE SAs made by crossing IKE_SA_INITs,
 * the one whose exchange has the lowest nonce goes, deleted at once by
 * its responder (who initiated the other) with its outbound SA first;
 * the responder of the other holds that one's outbound SA until then. A
 * vtid with another rule sends another version and is then treated as
 * any other implementation.
 *
 * What a peer claims in IKE_SA_INIT is unauthenticated; AUTH signs the
 * IKE_SA_INIT messages (RFC 7296 2.15), so the claim is trusted, and acted
 * upon, only once IKE_AUTH succeeded. */
#ifndef VTID_IKE_VENDOR_H
#define VTID_IKE_VENDOR_H

#include <stdint.h>

#include "ike/message.h"

#define IKE_VTID_VID_PREFIX_LEN	16
#define IKE_VTID_VID_LEN	18
#define IKE_VTID_CROSSING_RULE	1	/* the rule this vtid follows */

/* SHA-256("vtid"), its first 16 bytes. */
extern const uint8_t ike_vtid_vid_prefix[IKE_VTID_VID_PREFIX_LEN];

/* Appends our Vendor ID payload. */
void		 ike_vendor_encode(struct ike_enc *);
/* The crossing rule a vtid peer announces in the message's clear Vendor
 * IDs, or 0 when none is vtid's (other vendors' are ignored). */
uint16_t	 ike_vendor_vtid_rule(const struct ike_msg *);

#endif
