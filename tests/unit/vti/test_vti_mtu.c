/* mtu = "auto": the tunnel MTU from the outer path and the ESP SA's
 * overheads, checked against the kernel's own arithmetic (esp_get_mtu,
 * esp6_get_mtu: tunnel mode, the block aligned to at least 4) worked by
 * hand for each suite, outer family and NAT-T. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "vti/vti.h"

struct mtu_case {
	const char	*what;
	uint32_t	 path;
	uint8_t		 outer, udp, iv, icv, block;
	uint32_t	 mtu, align;
};

static const struct mtu_case cases[] = {
	/* 1500 - 40 - 8 - 8 - 16 = 1428, a multiple of 4: 1428 - 2 */
	{ "AES-GCM-16, IPv6", 1500, 40, 0, 8, 16, 4, 1426, 0 },
	{ "AES-GCM-16, IPv4", 1500, 20, 0, 8, 16, 4, 1446, 0 },
	/* 1500 - 40 - 8 - 16 - 16 = 1420 -> 1408 (12 lost) - 2 */
	{ "AES-CBC HMAC-SHA2-256-128, IPv6", 1500, 40, 0, 16, 16, 16, 1406,
	    12 },
	/* 1500 - 20 - 8 - 16 - 32 = 1424 -> 1424 - 2 */
	{ "AES-CBC HMAC-SHA2-512-256, IPv4", 1500, 20, 0, 16, 32, 16, 1422, 0 },
	/* 1500 - 40 - 8 - 16 - 24 = 1412 -> 1408 (4 lost) - 2 */
	{ "AES-CBC HMAC-SHA2-384-192, IPv6", 1500, 40, 0, 16, 24, 16, 1406, 4 },
	/* ESP in UDP: 8 more */
	{ "AES-GCM-16, IPv4, NAT-T", 1500, 20, 8, 8, 16, 4, 1438, 0 },
	/* a jumbo path, and a PPPoE one */
	{ "AES-GCM-16, IPv6, 9000", 9000, 40, 0, 8, 16, 4, 8926, 0 },
	{ "AES-GCM-16, IPv4, 1492", 1492, 20, 0, 8, 16, 4, 1438, 0 },
};

static void
test_compute(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct mtu_case *c = &cases[i];
		struct vti_mtu_parts m = {
			.path = c->path, .outer = c->outer, .udp = c->udp,
			.esp = 8, .iv = c->iv, .icv = c->icv, .block = c->block,
		};
		char s[128];

		assert_int_equal(vti_mtu_compute(&m), c->mtu);
		assert_int_equal(m.mtu, c->mtu);
		assert_int_equal(m.align, c->align);
		assert_int_equal(vti_mtu_str(&m, s, sizeof(s)), 0);
		printf("  %-34s %u: %s\n", c->what, m.mtu, s);
	}
}

static void
test_text(void **state)
{
	struct vti_mtu_parts m = { .path = 1500, .outer = 20, .udp = 8,
	    .esp = 8, .iv = 16, .icv = 16, .block = 16 };
	char s[128];

	vti_mtu_compute(&m);
	assert_int_equal(vti_mtu_str(&m, s, sizeof(s)), 0);
	assert_string_equal(s, "path 1500 - IPv4 20 - UDP 8 - ESP 8 - IV 16 - "
	    "ICV 16 - align 8 - trailer 2");
	assert_int_equal(m.mtu, 1422);
	/* Too small a buffer is an error, not a cut string taken as whole. */
	assert_int_equal(vti_mtu_str(&m, s, 20), -1);
}

static void
test_too_small(void **state)
{
	struct vti_mtu_parts m = { .path = 100, .outer = 40, .esp = 8,
	    .iv = 16, .icv = 32, .block = 16 };

	assert_int_equal(vti_mtu_compute(&m), 0);
	m.path = 68;
	assert_int_equal(vti_mtu_compute(&m), 0);
	m.block = 0;
	m.path = 1500;
	assert_int_equal(vti_mtu_compute(&m), 0);
	printf("  paths too small for the overheads, or no block: 0\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compute),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_too_small),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
