#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include "hex.h"

static int
nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long
hex_parse(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned long rep;
	char *end;
	int hi, lo;
	uint8_t b;

	while (*s != '\0') {
		if (isspace((unsigned char)*s)) {
			s++;
			continue;
		}
		if ((hi = nibble(s[0])) == -1 || (lo = nibble(s[1])) == -1)
			return -1;
		b = (uint8_t)(hi << 4 | lo);
		s += 2;
		rep = 1;
		if (*s == '*') {
			rep = strtoul(s + 1, &end, 10);
			if (end == s + 1)
				return -1;
			s = end;
		}
		for (; rep > 0; rep--) {
			if (n == cap)
				return -1;
			out[n++] = b;
		}
	}
	return (long)n;
}

size_t
hex2bin(const char *s, uint8_t *out, size_t cap)
{
	long n = hex_parse(s, out, cap);

	if (n < 0) {
		fprintf(stderr, "bad hex vector (or longer than %zu): %.40s\n",
		    cap, s);
		abort();
	}
	return (size_t)n;
}
