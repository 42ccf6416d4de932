/* Hex text for the tests' vectors and captures, kept as the published
 * sources print them: whitespace is ignored and "xx*N" stands for N
 * (decimal) bytes of value xx, so a 32-byte nonce is "5a*32". */
#ifndef VTID_TESTS_HEX_H
#define VTID_TESTS_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Bytes written, or -1 on a malformed string (a bad digit, an odd count
 * of digits) or an out too small. */
long	 hex_parse(const char *, uint8_t *out, size_t cap);

/* hex_parse for a vector table: aborts the test binary on a malformed
 * string or overflow, since a broken table is a bug of the test. */
size_t	 hex2bin(const char *, uint8_t *out, size_t cap);

#endif
