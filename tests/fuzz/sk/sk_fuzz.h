/* Shared by fuzz_ike_sk and its seed generator: the fixed test keys of
 * each suite and what the selector octet (the first input octet) means. */
#ifndef VTID_FUZZ_SK_FUZZ_H
#define VTID_FUZZ_SK_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "ike/crypto.h"
#include "ike/ikev2.h"
#include "ike/sk.h"

/* Selector: bits 0-2 the suite, bit 6 SKF (round trip only), bit 7 round
 * trip (the rest is inner plaintext) instead of open (an IKE message). */
#define SK_FUZZ_SUITE(sel)	((sel) & 0x07)
#define SK_FUZZ_SKF		0x40
#define SK_FUZZ_ROUNDTRIP	0x80
#define SK_FUZZ_NSUITES		8

static const struct {
	uint16_t	 encr, bits, integ;
} sk_fuzz_suites[SK_FUZZ_NSUITES] = {
	{ ENCR_AES_GCM_16, 128, AUTH_NONE },
	{ ENCR_AES_GCM_16, 256, AUTH_NONE },
	{ ENCR_AES_CBC, 128, AUTH_HMAC_SHA2_256_128 },
	{ ENCR_AES_CBC, 128, AUTH_HMAC_SHA2_384_192 },
	{ ENCR_AES_CBC, 128, AUTH_HMAC_SHA2_512_256 },
	{ ENCR_AES_CBC, 256, AUTH_HMAC_SHA2_256_128 },
	{ ENCR_AES_CBC, 256, AUTH_HMAC_SHA2_384_192 },
	{ ENCR_AES_CBC, 256, AUTH_HMAC_SHA2_512_256 },
};

/* Fixed, public test keys: a fuzzer can only get past the ICV of a seed
 * it was given, so these must not change without regenerating corpus/. */
static inline int
sk_fuzz_ctx(unsigned int suite, struct ike_sk_ctx *ctx)
{
	const struct ike_encr_alg *e;
	const struct ike_integ_alg *a;
	uint8_t ek[IKE_ENCR_KEY_MAX], ak[IKE_INTEG_KEY_MAX];
	size_t i;

	if (suite >= SK_FUZZ_NSUITES)
		return -1;
	e = ike_encr_lookup(sk_fuzz_suites[suite].encr,
	    sk_fuzz_suites[suite].bits);
	a = ike_integ_lookup(sk_fuzz_suites[suite].integ);
	if (e == NULL)
		return -1;
	for (i = 0; i < sizeof(ek); i++)
		ek[i] = (uint8_t)(0x10 + i + suite);
	for (i = 0; i < sizeof(ak); i++)
		ak[i] = (uint8_t)(0xe0 - i + suite);
	return ike_sk_ctx_init(ctx, e, a, ek, e->key_len,
	    a != NULL ? ak : NULL, a != NULL ? a->key_len : 0);
}

#endif
