/* Hex helpers for the crypto tests: vectors are kept as hex text, exactly
 * as the published sources print them. */
#ifndef VTID_TEST_HEXUTIL_H
#define VTID_TEST_HEXUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline int
hex_nibble(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes hex (spaces ignored) into out; aborts the test binary on bad
 * input or overflow: a broken vector table is a test bug. */
static inline size_t
hex2bin(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1, v;

	for (; *hex != '\0'; hex++) {
		if (*hex == ' ')
			continue;
		if ((v = hex_nibble(*hex)) < 0) {
			fprintf(stderr, "bad hex digit '%c'\n", *hex);
			abort();
		}
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n >= cap) {
			fprintf(stderr, "hex vector longer than %zu\n", cap);
			abort();
		}
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0) {
		fprintf(stderr, "odd-length hex vector\n");
		abort();
	}
	return n;
}

/* A freshly allocated decoding; *len gets its length. */
static inline uint8_t *
hex_alloc(const char *hex, size_t *len)
{
	size_t cap = strlen(hex) / 2 + 1;
	uint8_t *p = malloc(cap);

	if (p == NULL)
		abort();
	*len = hex2bin(hex, p, cap);
	return p;
}

#endif
