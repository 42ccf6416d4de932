/* Key exchange through EVP_PKEY: generation, the KE payload encoding of
 * public values, validation of the peer's value and derivation of g^ir. */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/params.h>

#include "ike/dh.h"
#include "ike/ikev2.h"

static const struct ike_dh_desc dh_table[] = {
	/* RFC 3526 3: the 2048-bit MODP group, generator 2. OpenSSL knows it
	 * by name, with q = (p-1)/2 for the subgroup check. */
	{ MODP_2048, IKE_DH_MODP, "modp_2048", 256, 256, "modp2048" },
	/* RFC 5903 3: public value x | y, each the field size. */
	{ ECP_256, IKE_DH_ECP, "prime256v1", 64, 32, "ecp256" },
	{ ECP_384, IKE_DH_ECP, "secp384r1", 96, 48, "ecp384" },
	{ ECP_521, IKE_DH_ECP, "secp521r1", 132, 66, "ecp521" },
	/* RFC 8031 2: 32-octet public values and shared secret. */
	{ CURVE25519, IKE_DH_X25519, "X25519", 32, 32, "curve25519" },
};

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

static const char *
kind_keytype(const struct ike_dh_desc *g)
{
	switch (g->kind) {
	case IKE_DH_MODP:
		return "DH";
	case IKE_DH_ECP:
		return "EC";
	default:
		return "X25519";
	}
}

const struct ike_dh_desc *
ike_dh_lookup(uint16_t id)
{
	size_t i;

	for (i = 0; i < NITEMS(dh_table); i++)
		if (dh_table[i].id == id)
			return &dh_table[i];
	return NULL;
}

/* An EVP_PKEY from parameters built by the caller (peer public values,
 * known private values). */
static EVP_PKEY *
pkey_fromdata(const struct ike_dh_desc *g, OSSL_PARAM_BLD *bld,
    int selection)
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	OSSL_PARAM *params = NULL;

	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
		goto done;
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, kind_keytype(g),
	    NULL)) == NULL)
		goto done;
	if (EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, selection, params) <= 0) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
done:
	/* A private BIGNUM from BN_secure_new() lands in the block that
	 * OSSL_PARAM_free() releases with OPENSSL_secure_clear_free(). */
	OSSL_PARAM_free(params);
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

/* MODP: RFC 7296 does not spell out the check; SP 800-56A 5.6.2.3.1 and
 * RFC 6989 2.2 do: 1 < y < p-1 rules out the values of order 1 and 2, and
 * for a safe prime (group 14) nothing else is needed. */
static int
modp_range_ok(const EVP_PKEY *pkey, const BIGNUM *y)
{
	BIGNUM *p = NULL, *pm1 = NULL;
	int ok = 0;

	if (!EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_FFC_P, &p))
		goto done;
	if ((pm1 = BN_dup(p)) == NULL || !BN_sub_word(pm1, 1))
		goto done;
	/* y >= 2 and y < p - 1 */
	ok = BN_cmp(y, BN_value_one()) > 0 && BN_cmp(y, pm1) < 0;
done:
	BN_free(pm1);
	BN_free(p);
	return ok;
}

/* The peer's KE data as an EVP_PKEY, validated: NULL if malformed. */
static EVP_PKEY *
peer_pkey(const struct ike_dh_desc *g, const uint8_t *pub, size_t len)
{
	OSSL_PARAM_BLD *bld = NULL;
	EVP_PKEY *pkey = NULL;
	EVP_PKEY_CTX *check = NULL;
	BIGNUM *y = NULL;
	uint8_t point[1 + 132];
	int ok = 0;

	if (pub == NULL || len != g->pub_len)
		goto done;
	if (g->kind == IKE_DH_X25519) {
		pkey = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL,
		    pub, len);
		ok = pkey != NULL;
		goto done;
	}
	if ((bld = OSSL_PARAM_BLD_new()) == NULL)
		goto done;
	if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    g->ossl_name, 0))
		goto done;
	if (g->kind == IKE_DH_MODP) {
		if ((y = BN_bin2bn(pub, (int)len, NULL)) == NULL)
			goto done;
		if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y))
			goto done;
	} else {
		/* RFC 5903 7: x | y; SEC1 wants the uncompressed form tag. */
		if (len + 1 > sizeof(point))
			goto done;
		point[0] = POINT_CONVERSION_UNCOMPRESSED;
		memcpy(point + 1, pub, len);
		if (!OSSL_PARAM_BLD_push_octet_string(bld,
		    OSSL_PKEY_PARAM_PUB_KEY, point, len + 1))
			goto done;
	}
	/* EC: decoding fails for a point that is not on the curve. */
	if ((pkey = pkey_fromdata(g, bld, EVP_PKEY_PUBLIC_KEY)) == NULL)
		goto done;
	if (g->kind == IKE_DH_MODP && !modp_range_ok(pkey, y))
		goto done;
	/* RFC 6989 2.2, 2.3: for a safe-prime MODP group the range check
	 * is enough, for a cofactor-1 curve the partial check (on the
	 * curve, not infinity, coordinates in range): what the quick check
	 * does. The full one multiplies by the group order, ~60% of an ECDH
	 * for nothing here. */
	if ((check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) == NULL)
		goto done;
	if (EVP_PKEY_public_check_quick(check) != 1)
		goto done;
	ok = 1;
done:
	if (!ok) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	EVP_PKEY_CTX_free(check);
	BN_free(y);
	OSSL_PARAM_BLD_free(bld);
	return pkey;
}

int
ike_dh_peer_check(uint16_t group, const uint8_t *pub, size_t len)
{
	const struct ike_dh_desc *g = ike_dh_lookup(group);
	EVP_PKEY *pkey;

	if (g == NULL || (pkey = peer_pkey(g, pub, len)) == NULL)
		return -1;
	EVP_PKEY_free(pkey);
	return 0;
}

/* Counted from the crypto pool's threads too. */
static _Atomic uint64_t dh_ops;

uint64_t
ike_dh_ops(void)
{
	return dh_ops;
}

int
ike_dh_generate(struct ike_dh *dh, uint16_t group)
{
	const struct ike_dh_desc *g = ike_dh_lookup(group);
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	OSSL_PARAM params[2];
	char name[16];
	int rv = -1;

	dh_ops++;
	dh->group = NULL;
	dh->key = NULL;
	if (g == NULL || strlen(g->ossl_name) >= sizeof(name))
		goto done;
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, kind_keytype(g),
	    NULL)) == NULL)
		goto done;
	if (EVP_PKEY_keygen_init(ctx) <= 0)
		goto done;
	if (g->kind != IKE_DH_X25519) {
		/* OSSL_PARAM wants a mutable string; the table is const. */
		memcpy(name, g->ossl_name, strlen(g->ossl_name) + 1);
		params[0] = OSSL_PARAM_construct_utf8_string(
		    OSSL_PKEY_PARAM_GROUP_NAME, name, 0);
		params[1] = OSSL_PARAM_construct_end();
		if (EVP_PKEY_CTX_set_params(ctx, params) <= 0)
			goto done;
	}
	if (EVP_PKEY_generate(ctx, &pkey) <= 0)
		goto done;
	dh->group = g;
	dh->key = pkey;
	pkey = NULL;
	rv = 0;
done:
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	return rv;
}

/* ECP: the public point priv * G, encoded uncompressed. EC_POINT is part
 * of the non-deprecated OpenSSL 3 API (only EC_KEY is deprecated). */
static int
ecp_public_from_private(const struct ike_dh_desc *g, const BIGNUM *priv,
    uint8_t *out, size_t outlen)
{
	EC_GROUP *grp = NULL;
	EC_POINT *pt = NULL;
	BN_CTX *bnctx = NULL;
	int rv = -1;

	if ((grp = EC_GROUP_new_by_curve_name_ex(NULL, NULL,
	    OBJ_sn2nid(g->ossl_name))) == NULL)
		goto done;
	if ((pt = EC_POINT_new(grp)) == NULL || (bnctx = BN_CTX_new()) == NULL)
		goto done;
	if (BN_is_zero(priv) || BN_cmp(priv, EC_GROUP_get0_order(grp)) >= 0)
		goto done;
	if (!EC_POINT_mul(grp, pt, priv, NULL, NULL, bnctx))
		goto done;
	if (EC_POINT_point2oct(grp, pt, POINT_CONVERSION_UNCOMPRESSED, out,
	    outlen, bnctx) != outlen)
		goto done;
	rv = 0;
done:
	BN_CTX_free(bnctx);
	EC_POINT_free(pt);
	EC_GROUP_free(grp);
	return rv;
}

/* MODP: y = g^x mod p, with p and g of the named group. */
static BIGNUM *
modp_public_from_private(const struct ike_dh_desc *g, const BIGNUM *x)
{
	OSSL_PARAM_BLD *bld = NULL;
	EVP_PKEY *params = NULL;
	BIGNUM *p = NULL, *gen = NULL, *y = NULL;
	BN_CTX *bnctx = NULL;
	int ok = 0;

	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    g->ossl_name, 0))
		goto done;
	if ((params = pkey_fromdata(g, bld, EVP_PKEY_KEY_PARAMETERS)) == NULL)
		goto done;
	if (!EVP_PKEY_get_bn_param(params, OSSL_PKEY_PARAM_FFC_P, &p) ||
	    !EVP_PKEY_get_bn_param(params, OSSL_PKEY_PARAM_FFC_G, &gen))
		goto done;
	if ((bnctx = BN_CTX_new()) == NULL || (y = BN_new()) == NULL)
		goto done;
	if (BN_is_zero(x) || BN_cmp(x, p) >= 0)
		goto done;
	if (!BN_mod_exp(y, gen, x, p, bnctx))
		goto done;
	ok = 1;
done:
	if (!ok) {
		BN_free(y);
		y = NULL;
	}
	BN_CTX_free(bnctx);
	BN_free(gen);
	BN_free(p);
	EVP_PKEY_free(params);
	OSSL_PARAM_BLD_free(bld);
	return y;
}

int
ike_dh_load_private(struct ike_dh *dh, uint16_t group, const uint8_t *priv,
    size_t len)
{
	const struct ike_dh_desc *g = ike_dh_lookup(group);
	OSSL_PARAM_BLD *bld = NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *x = NULL, *y = NULL;
	uint8_t point[1 + 132];
	int rv = -1;

	dh->group = NULL;
	dh->key = NULL;
	if (g == NULL || priv == NULL || len == 0 || len > IKE_DH_SECRET_MAX)
		goto done;
	if (g->kind == IKE_DH_X25519) {
		if (len != 32)
			goto done;
		if ((pkey = EVP_PKEY_new_raw_private_key_ex(NULL, "X25519",
		    NULL, priv, len)) == NULL)
			goto done;
		goto ok;
	}
	/* A secure-heap BIGNUM: OSSL_PARAM_BLD then keeps it there too. */
	if ((x = BN_secure_new()) == NULL ||
	    BN_bin2bn(priv, (int)len, x) == NULL)
		goto done;
	BN_set_flags(x, BN_FLG_CONSTTIME);
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    g->ossl_name, 0) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, x))
		goto done;
	if (g->kind == IKE_DH_ECP) {
		if (ecp_public_from_private(g, x, point,
		    1 + (size_t)g->pub_len) == -1)
			goto done;
		if (!OSSL_PARAM_BLD_push_octet_string(bld,
		    OSSL_PKEY_PARAM_PUB_KEY, point, 1 + (size_t)g->pub_len))
			goto done;
	} else {
		if ((y = modp_public_from_private(g, x)) == NULL ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y))
			goto done;
	}
	if ((pkey = pkey_fromdata(g, bld, EVP_PKEY_KEYPAIR)) == NULL)
		goto done;
ok:
	dh->group = g;
	dh->key = pkey;
	pkey = NULL;
	rv = 0;
done:
	EVP_PKEY_free(pkey);
	OSSL_PARAM_BLD_free(bld);
	BN_free(y);
	BN_clear_free(x);
	return rv;
}

int
ike_dh_public(const struct ike_dh *dh, uint8_t *out, size_t len)
{
	const struct ike_dh_desc *g = dh->group;
	EVP_PKEY *pkey = dh->key;
	BIGNUM *y = NULL;
	uint8_t point[1 + 132];
	size_t got = 0;
	int rv = -1;

	if (g == NULL || pkey == NULL || len != g->pub_len)
		goto done;
	switch (g->kind) {
	case IKE_DH_MODP:
		/* RFC 7296 3.4: left-padded to the length of the modulus. */
		if (!EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, &y))
			goto done;
		if (BN_bn2binpad(y, out, (int)len) != (int)len)
			goto done;
		break;
	case IKE_DH_ECP:
		if (!EVP_PKEY_get_octet_string_param(pkey,
		    OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point), &got))
			goto done;
		if (got != len + 1 || point[0] != POINT_CONVERSION_UNCOMPRESSED)
			goto done;
		memcpy(out, point + 1, len);	/* RFC 5903 7: no 0x04 */
		break;
	default:
		got = len;
		if (!EVP_PKEY_get_raw_public_key(pkey, out, &got) || got != len)
			goto done;
		break;
	}
	rv = 0;
done:
	BN_free(y);
	return rv;
}

int
ike_dh_derive(const struct ike_dh *dh, const uint8_t *peer, size_t len,
    struct ike_chunk *gir)
{
	const struct ike_dh_desc *g = dh->group;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *peerkey = NULL;
	struct ike_chunk raw = { NULL, 0 };
	OSSL_PARAM params[2];
	unsigned int pad = 1;

	dh_ops++;
	size_t rawlen = 0, i;
	uint8_t acc = 0;
	int rv = -1;

	gir->ptr = NULL;
	gir->len = 0;
	if (g == NULL || dh->key == NULL)
		goto done;
	if ((peerkey = peer_pkey(g, peer, len)) == NULL)
		goto done;
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->key, NULL)) == NULL)
		goto done;
	if (EVP_PKEY_derive_init(ctx) <= 0)
		goto done;
	if (g->kind == IKE_DH_MODP) {
		/* Keep the leading zero octets: RFC 7296 2.14 hashes g^ir
		 * as long as the modulus. */
		params[0] = OSSL_PARAM_construct_uint(OSSL_EXCHANGE_PARAM_PAD,
		    &pad);
		params[1] = OSSL_PARAM_construct_end();
		if (EVP_PKEY_CTX_set_params(ctx, params) <= 0)
			goto done;
	}
	/* validate = 0: peer_pkey() has checked it. */
	if (EVP_PKEY_derive_set_peer_ex(ctx, peerkey, 0) <= 0)
		goto done;
	if (EVP_PKEY_derive(ctx, NULL, &rawlen) <= 0 || rawlen == 0 ||
	    rawlen > IKE_DH_SECRET_MAX)
		goto done;
	if (ike_chunk_alloc(&raw, rawlen) == -1)
		goto done;
	if (EVP_PKEY_derive(ctx, raw.ptr, &rawlen) <= 0 ||
	    rawlen > g->secret_len)
		goto done;
	if (g->kind == IKE_DH_X25519) {
		/* RFC 8031 2 / RFC 7748 6.1: an all-zero result means a
		 * low-order peer point. Constant time over the octets. */
		for (i = 0; i < rawlen; i++)
			acc |= raw.ptr[i];
		if (acc == 0)
			goto done;
	}
	/* ECP (RFC 5903 9): the x coordinate, already field-sized from
	 * OpenSSL; left-pad anything shorter all the same. */
	if (ike_chunk_alloc(gir, g->secret_len) == -1)
		goto done;
	memcpy(gir->ptr + (g->secret_len - rawlen), raw.ptr, rawlen);
	rv = 0;
done:
	if (rv == -1)
		ike_chunk_free(gir);
	ike_chunk_free(&raw);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peerkey);
	return rv;
}

void
ike_dh_free(struct ike_dh *dh)
{
	/* EVP_PKEY_free clears the private value (BN_clear_free, or the
	 * secure heap for X25519). */
	EVP_PKEY_free(dh->key);
	dh->key = NULL;
	dh->group = NULL;
}
