/* Key exchange for the KE payload (RFC 7296 3.4) through EVP_PKEY:
 * MODP group 14 (RFC 3526), ECP groups 19, 20, 21 (RFC 5903) and
 * Curve25519, group 31 (RFC 8031). Our private value stays inside the
 * EVP_PKEY, which OpenSSL clears when it is freed. */
#ifndef VTID_IKE_DH_H
#define VTID_IKE_DH_H

#include <stddef.h>
#include <stdint.h>

#include "ike/secret.h"

#define IKE_DH_PUB_MAX		256	/* MODP-2048 */
#define IKE_DH_SECRET_MAX	256

enum ike_dh_kind {
	IKE_DH_MODP,
	IKE_DH_ECP,
	IKE_DH_X25519,
};

struct ike_dh_desc {
	uint16_t	 id;		/* enum ike_dh_group */
	uint8_t		 kind;		/* enum ike_dh_kind */
	const char	*ossl_name;	/* OpenSSL group or key type */
	uint16_t	 pub_len;	/* KE Key Exchange Data octets */
	uint16_t	 secret_len;	/* g^ir octets */
	const char	*name;
};

struct ike_dh {
	const struct ike_dh_desc *group;
	void		*key;		/* EVP_PKEY: our key pair */
};

/* NULL if the group is not supported. */
const struct ike_dh_desc *ike_dh_lookup(uint16_t id);

/* A fresh key pair for the group. */
int	 ike_dh_generate(struct ike_dh *, uint16_t group);

/* A key pair from a known private value (big-endian scalar or exponent;
 * for X25519 the 32 raw octets of RFC 7748), for known-answer tests. */
int	 ike_dh_load_private(struct ike_dh *, uint16_t group,
	    const uint8_t *priv, size_t len);

/* Our public value as the KE payload carries it: MODP g^x mod p left-padded
 * to the modulus length (RFC 7296 3.4), ECP x | y without the 0x04 prefix
 * (RFC 5903 7), X25519 the 32-octet u-coordinate (RFC 8031 3). len must be
 * group->pub_len. */
int	 ike_dh_public(const struct ike_dh *, uint8_t *out, size_t len);

/* Validation of a peer's public value, without deriving: exact length,
 * MODP 1 < y < p-1, ECP point on the curve and not the point at infinity,
 * X25519 length only (a low-order point is caught by the all-zero check in
 * ike_dh_derive). -1 if it must be rejected. */
int	 ike_dh_peer_check(uint16_t group, const uint8_t *pub, size_t len);

/* g^ir into a wiped chunk of group->secret_len octets: MODP left-padded to
 * the modulus length, ECP the x coordinate only (RFC 5903 9) left-padded
 * to the field size, X25519 refused if all zero (RFC 8031 2). The peer
 * value is validated as by ike_dh_peer_check. */
int	 ike_dh_derive(const struct ike_dh *, const uint8_t *peer,
	    size_t len, struct ike_chunk *gir);

void	 ike_dh_free(struct ike_dh *);

/* Key pairs generated and shared secrets derived in this process: the
 * expensive part of an IKE_SA_INIT, counted for tests of what a request
 * may cost. */
uint64_t ike_dh_ops(void);

#endif
