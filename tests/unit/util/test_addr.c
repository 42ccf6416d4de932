/* Socket addresses: equality ignores ports, the unspecified addresses of
 * both families, ports, octets and text round trips. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "util/addr.h"

static void
test_parse_str(void **state)
{
	const char *ok[] = { "192.0.2.1", "2001:db8::1", "::", "0.0.0.0" };
	struct sockaddr_storage a;
	char buf[64];
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(addr_parse(ok[i], &a), 0);
		assert_string_equal(addr_str(&a, buf, sizeof(buf)), ok[i]);
	}
	assert_int_equal(addr_parse("192.0.2.256", &a), -1);
	assert_int_equal(a.ss_family, AF_UNSPEC);
	assert_string_equal(addr_str(&a, buf, sizeof(buf)), "(none)");
	printf("addr_parse/addr_str: v4, v6, unspecified; junk refused\n");
}

static void
test_equal_ports(void **state)
{
	struct sockaddr_storage a, b, c, none1, none2;

	assert_int_equal(addr_parse("2001:db8::1", &a), 0);
	assert_int_equal(addr_parse("2001:db8::1", &b), 0);
	assert_int_equal(addr_parse("192.0.2.1", &c), 0);
	addr_set_port(&a, 500);
	addr_set_port(&b, 4500);
	assert_int_equal(addr_port(&a), 500);
	assert_int_equal(addr_port(&b), 4500);
	assert_true(addr_equal(&a, &b));
	assert_false(addr_equal(&a, &c));
	addr_set_port(&c, 500);
	assert_int_equal(addr_port(&c), 500);
	assert_int_equal(addr_socklen(&a), sizeof(struct sockaddr_in6));
	assert_int_equal(addr_socklen(&c), sizeof(struct sockaddr_in));
	memset(&none1, 0, sizeof(none1));
	memset(&none2, 0, sizeof(none2));
	assert_true(addr_equal(&none1, &none2));
	assert_int_equal(addr_port(&none1), 0);
	printf("addr_equal ignores ports, tells families apart\n");
}

static void
test_unspec_octets(void **state)
{
	static const uint8_t v4[4] = { 192, 0, 2, 7 };
	struct sockaddr_storage a;
	const uint8_t *p;
	size_t len;

	assert_int_equal(addr_parse("::", &a), 0);
	assert_true(addr_is_unspec(&a));
	assert_int_equal(addr_parse("0.0.0.0", &a), 0);
	assert_true(addr_is_unspec(&a));
	memset(&a, 0, sizeof(a));
	assert_true(addr_is_unspec(&a));
	assert_null(addr_octets(&a, &len));
	assert_int_equal(len, 0);
	addr_from_octets(&a, AF_INET, v4);
	assert_false(addr_is_unspec(&a));
	p = addr_octets(&a, &len);
	assert_int_equal(len, 4);
	assert_memory_equal(p, v4, 4);
	printf("addr_is_unspec: ::, 0.0.0.0 and no family; octets round "
	    "trip\n");
}

/* The prefixes a %any or prefix peer is matched by. */
static void
test_in_prefix(void **state)
{
	static const struct {
		const char	*a, *net;
		unsigned	 plen;
		bool		 in;
	} t[] = {
		{ "2001:db8:5::7", "::", 0, true },
		{ "192.0.2.1", "::", 0, false },	/* other family */
		{ "192.0.2.1", "0.0.0.0", 0, true },
		{ "2001:db8:5::7", "2001:db8:5::", 48, true },
		{ "2001:db8:6::7", "2001:db8:5::", 48, false },
		{ "198.51.100.129", "198.51.100.128", 25, true },
		{ "198.51.100.127", "198.51.100.128", 25, false },
		{ "198.51.100.7", "198.51.100.0", 29, true },
		{ "198.51.100.8", "198.51.100.0", 29, false },
		{ "198.51.100.8", "198.51.100.8", 32, true },
		{ "198.51.100.9", "198.51.100.8", 32, false },
		{ "198.51.100.9", "198.51.100.8", 33, false },
	};
	struct sockaddr_storage a, n;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(addr_parse(t[i].a, &a), 0);
		assert_int_equal(addr_parse(t[i].net, &n), 0);
		if (addr_in_prefix(&a, &n, t[i].plen) != t[i].in)
			fail_msg("%s in %s/%u: expected %d", t[i].a, t[i].net,
			    t[i].plen, t[i].in);
	}
	printf("addr_in_prefix: %zu cases (/0 of each family, /25, /29, /32, "
	    "/48, past the length)\n", i);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_str),
		cmocka_unit_test(test_equal_ports),
		cmocka_unit_test(test_unspec_octets),
		cmocka_unit_test(test_in_prefix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
