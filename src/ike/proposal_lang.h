/* The proposal language (strongSwan's "ike=" / "esp=" strings) and proposal
 * selection, RFC 7296 2.7 and 3.3.
 *
 * Language. A list is proposals separated by ',', each proposal keywords
 * separated by '-', optionally ended by '!':
 *
 *	aes256gcm16-prfsha384-ecp384!
 *	aes128-sha256-modp2048,aes256gcm16-prfsha384-x25519
 *
 *	encryption	aes128 aes256 (AES-CBC); aes128gcm16 aes256gcm16
 *			(AES-GCM, 16-octet ICV; aliases aesNNNgcm128 and
 *			aesNNNgcm, as strongSwan)
 *	integrity	sha256 sha384 sha512 (HMAC-SHA2-N truncated to N/2,
 *			RFC 4868; aliases sha2_256 sha2_384 sha2_512)
 *	prf		prfsha256 prfsha384 prfsha512
 *	dh group	modp2048 ecp256 ecp384 ecp521 x25519 (alias curve25519)
 *	esn		esn noesn (ESP only)
 *	whole proposal	default: vtid's default proposals (below)
 *
 * Several keywords of one kind in a proposal offer each of them, in the
 * order written. Keywords are case-insensitive.
 *
 * IKE: a shaNNN keyword is the integrity algorithm and, when the proposal
 * has no prfNNN keyword, also the PRF (strongSwan). With an AEAD cipher
 * and no prfNNN, shaNNN only gives the PRF ("aes256gcm16-sha384-ecp384" is
 * the usual strongSwan idiom); with an AEAD cipher and a prfNNN, a shaNNN
 * is an error. A DH group and a PRF are required.
 *
 * ESP: the DH group is the PFS group, used in CREATE_CHILD_SA only. The
 * SA payloads of IKE_AUTH carry no DH group (RFC 7296 1.2: NONE or, better,
 * no transform at all, as there is no KE payload), so PROPOSAL_SKIP_DH
 * leaves DH out of both the offer and the selection there (a group some
 * peers still write in IKE_AUTH is ignored). prfNNN keywords
 * are accepted and ignored, as strongSwan does (it removes PRFs from ESP
 * and AH proposals): the seed writes "esp=aes256gcm16-prfsha384-ecp384!".
 * shaNNN with an AEAD cipher is an error (strongSwan silently drops it);
 * a non-AEAD cipher needs a shaNNN (strongSwan would allow ESP without
 * integrity; we never do). Without esn/noesn the proposal has ESN_NONE.
 *
 * Mixing AEAD and non-AEAD ciphers in one proposal is an error (RFC 7296
 * 3.3: they must be separate proposals), as in strongSwan.
 *
 * Strictness. strongSwan appends its whole default proposal set when the
 * list does not end with '!'. vtid appends its own, short, default
 * proposals instead, after the configured ones (so they are also offered
 * as initiator, last). They only use >= 128-bit-security algorithms:
 *
 *	IKE	aes256gcm16-aes128gcm16-prfsha384-prfsha256-x25519-ecp384-ecp256
 *		aes256-aes128-sha384-sha256-x25519-ecp384-ecp256
 *	ESP	aes256gcm16-aes128gcm16-noesn
 *		aes256-aes128-sha384-sha256-noesn
 *
 * (no modp2048, and no PFS group for ESP: a peer that insists on PFS must
 * match a configured proposal). Write '!' to accept only what is written.
 *
 * Selection. By default our configured order wins, as in strongSwan
 * (charon.prefer_configured_proposals): for each of our proposals in
 * order, the first peer proposal that matches it is chosen, and within a
 * transform type our order picks the transform. PROPOSAL_PREFER_PEER
 * turns both around. A peer proposal matches one of ours when:
 *  - the protocol is the same and the SPI size fits it (ESP 4; IKE 0 or 8);
 *  - for every transform type of ours, the peer offers a transform with
 *    the same id and key length (unknown ids simply never match);
 *  - every transform type the peer offers and we do not have (an INTEG
 *    with an AEAD cipher, a DH group in ESP when we have no PFS, a type
 *    unknown to us such as RFC 9370's ADDKE) includes the id 0 (NONE):
 *    the peer then accepts that the type is left out (RFC 9370 makes
 *    additional key exchanges optional that way); otherwise the proposal
 *    is not acceptable.
 * The chosen proposal lists one transform per type, NONE left out (as
 * strongSwan answers); it is what a responder returns, with its own SPI.
 */
#ifndef VTID_IKE_PROPOSAL_LANG_H
#define VTID_IKE_PROPOSAL_LANG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/proposal.h"

/* What a configured "ike=" or "esp=" string parses into. */
struct proposal_conf {
	uint8_t		 proto;		/* IKE_PROTO_IKE or IKE_PROTO_ESP */
	bool		 strict;	/* the list ended in '!' */
	/* Configured proposals numbered from 1, then (not strict) our
	 * defaults that are not already in it. spi_size is 0. */
	struct ike_proposal_list list;
};

#define PROPOSAL_ERR_MAX	256	/* enough for any error of the parser */
#define PROPOSAL_STR_MAX	1024	/* a reason or a list; longer: "..." */

/* Parse str for proto (IKE_PROTO_IKE or IKE_PROTO_ESP). Returns 0, or -1
 * with a message in err, e.g. "unknown algorithm 'aes257' in proposal
 * 'aes257-sha256-modp2048'". */
int	 proposal_conf_parse(struct proposal_conf *, uint8_t proto,
	    const char *str, char *err, size_t errlen);

/* Selection flags. */
#define PROPOSAL_SKIP_DH	0x01	/* ignore DH: the IKE_AUTH CHILD_SA */
#define PROPOSAL_PREFER_PEER	0x02	/* peer's order, not ours */

/* The outcome of a selection: the peer's proposal number, protocol and
 * SPI, one transform per type, and the same as a suite. */
struct proposal_choice {
	struct ike_proposal	 chosen;
	struct ike_suite	 suite;
};

/* Responder: pick a proposal from what the peer offered (RFC 7296 2.7).
 * ke_group, when not 0, is the group of the peer's KE payload: a match
 * that uses it is preferred over our order, so that an acceptable KE
 * payload never costs an INVALID_KE_PAYLOAD round trip; the caller still
 * compares choice->suite.dh with it. Returns 0, or -1 with a reason for
 * the log in why (NO_PROPOSAL_CHOSEN), e.g. "peer offered
 * AES_CBC_256/PRF_HMAC_SHA2_256/AUTH_HMAC_SHA2_256_128/MODP_2048, we accept
 * AES_GCM_16_256/PRF_HMAC_SHA2_384/ECP_384". */
int	 proposal_select(const struct proposal_conf *,
	    const struct ike_proposal_list *offered, unsigned flags,
	    uint16_t ke_group, struct proposal_choice *, char *why,
	    size_t whylen);

/* Initiator: check that the responder's answer is one proposal, with one
 * transform of each type, all taken from our proposal of that number (RFC
 * 7296 2.7 and 3.3.6: the initiator checks that the accepted offer is
 * consistent with what it proposed). NONE for INTEG or DH, which we did
 * not offer, is tolerated as the same as leaving the type out. flags as
 * given when offering. Returns 0 and the suite and the responder's SPI in
 * the choice, or -1 with the reason: a protocol error, the SA must not be
 * used. */
int	 proposal_check_reply(const struct proposal_conf *,
	    const struct ike_proposal_list *reply, unsigned flags,
	    struct proposal_choice *, char *why, size_t whylen);

/* Initiator: the proposals to send, numbered from 1, DH groups left out
 * with PROPOSAL_SKIP_DH (the IKE_AUTH SA payload). SPIs are left to the
 * caller (spi_size 0). */
void	 proposal_conf_offer(const struct proposal_conf *, unsigned flags,
	    struct ike_proposal_list *);

/* The group an initiator sends its KE with: the first DH transform of our
 * first proposal that has one; DH_NONE if none (ESP without PFS). */
uint16_t proposal_conf_first_dh(const struct proposal_conf *);

/* Whether some proposal of ours has this group: after INVALID_KE_PAYLOAD
 * (RFC 7296 1.2) the initiator retries with the group the responder
 * named only if it is one we accept. */
bool	 proposal_conf_dh_ok(const struct proposal_conf *, uint16_t group);

/* Names for logs. proposal_xform_name gives the IANA name without the
 * ENCR_ prefix for ciphers ("AES_GCM_16") and the full name for the others
 * ("PRF_HMAC_SHA2_384", "AUTH_HMAC_SHA2_256_128", "ECP_384", "CURVE25519",
 * "ESN_NONE"), NULL when unknown. The _str functions never fail: they
 * print unknown transforms as "ENCR_28" or "TYPE_9_1", a key length as a
 * suffix ("AES_CBC_256"), join transforms with '/' and proposals with
 * " or ", and truncate with "..." when buf is too small. They return buf. */
const char *proposal_xform_name(uint8_t type, uint16_t id);
char	*proposal_xform_str(const struct ike_transform *, char *, size_t);
char	*proposal_str(const struct ike_proposal *, char *, size_t);
char	*proposal_list_str(const struct ike_proposal_list *, char *, size_t);
/* "AES_GCM_16_256/PRF_HMAC_SHA2_384/ECP_384" (IKE),
 * "AES_GCM_16_256/ECP_384/ESN_NONE" (ESP): absent (0) transforms left out,
 * except ESN for ESP. */
char	*proposal_suite_str(const struct ike_suite *, uint8_t proto, char *,
	    size_t);

#endif
