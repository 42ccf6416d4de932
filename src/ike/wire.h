/* Network-order integers in octet arrays: SPIs in proposals and notifies,
 * SPIs as the key derivation and the NAT hashes take them. */
#ifndef VTID_IKE_WIRE_H
#define VTID_IKE_WIRE_H

#include <stdint.h>

static inline uint32_t
ike_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static inline void
ike_put32(uint32_t v, uint8_t *p)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint64_t
ike_get64(const uint8_t *p)
{
	return (uint64_t)ike_get32(p) << 32 | ike_get32(p + 4);
}

static inline void
ike_put64(uint64_t v, uint8_t *p)
{
	ike_put32((uint32_t)(v >> 32), p);
	ike_put32((uint32_t)v, p + 4);
}

#endif
