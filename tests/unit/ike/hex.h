/* Hex strings for test vectors: whitespace is ignored and "xx*N" stands
 * for N (decimal) bytes of value xx, so a 32-byte nonce is "5a*32". */
#ifndef VTID_TESTS_HEX_H
#define VTID_TESTS_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Bytes written, or -1 on a malformed string or too small out. */
long	 hex_parse(const char *, uint8_t *out, size_t cap);

#endif
