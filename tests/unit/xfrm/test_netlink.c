/* src/netlink's pure parts (kept with the xfrm tests, its main user):
 * the bounded message builder, the strict attribute parser, addresses,
 * namespace names. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "netlink/netlink.h"

static void
test_builder_bounds(void **state)
{
	_Alignas(8) uint8_t buf[64];
	struct nl_msg m;
	struct nlattr *nest;
	uint8_t big[100] = { 0 };

	memset(buf, 0xee, sizeof(buf));
	nl_msg_init(&m, buf, 40, 99, 0);
	assert_non_null(nl_msg_put_header(&m, 8));	/* 16 + 8 */
	nl_msg_put_u32(&m, 1, 7);			/* + 8 = 32 */
	assert_true(nl_msg_ok(&m));
	assert_int_equal(m.nlh->nlmsg_len, 32);
	nl_msg_put_u32(&m, 2, 8);			/* 40: fits exactly */
	assert_true(nl_msg_ok(&m));
	nl_msg_put_u8(&m, 3, 1);			/* 48 > 40 */
	assert_false(nl_msg_ok(&m));
	assert_int_equal(m.nlh->nlmsg_len, 40);
	assert_int_equal(buf[40], 0xee);
	nl_msg_put_u8(&m, 4, 1);			/* sticky */
	assert_int_equal(m.nlh->nlmsg_len, 40);
	printf("  40-byte buffer: 40 written, the next put refused and "
	    "sticky, byte 40 untouched\n");

	nl_msg_init(&m, buf, sizeof(buf), 99, 0);
	nl_msg_put(&m, 1, sizeof(big), big);
	assert_false(nl_msg_ok(&m));
	nl_msg_init(&m, buf, 8, 99, 0);			/* < header */
	assert_false(nl_msg_ok(&m));
	nl_msg_init(&m, buf, sizeof(buf), 99, 0);
	nest = nl_msg_nest_start(&m, 5);
	nl_msg_put_u32(&m, 1, 1);
	nl_msg_nest_end(&m, nest);
	assert_true(nl_msg_ok(&m));
	assert_int_equal(nest->nla_len, 12);
	assert_true(nest->nla_type & NLA_F_NESTED);
	printf("  oversized attribute and 8-byte buffer refused; nest length "
	    "12\n");
}

static const struct nl_attr_rule rules[4] = {
	[1] = { 4, 4 },
	[2] = { 1, 0 },
};

static void
test_attr_parse(void **state)
{
	const struct nlattr *tb[4];
	/* type 1 u32, type 2 "ab\0" (len 7, padded), type 9 (skipped) */
	_Alignas(4) uint8_t good[] = {
		8, 0, 1, 0, 1, 2, 3, 4,
		7, 0, 2, 0, 'a', 'b', 0, 0,
		4, 0, 9, 0,
	};
	_Alignas(4) uint8_t bad[sizeof(good)];
	char s[8];

	assert_int_equal(nl_attr_parse(good, sizeof(good), rules, 3, tb), 0);
	assert_non_null(tb[1]);
	assert_int_equal(nl_attr_get_u32(tb[1]), 0x04030201);
	nl_attr_get_str(tb[2], s, sizeof(s));
	assert_string_equal(s, "ab");
	nl_attr_get_str(tb[2], s, 2);
	assert_string_equal(s, "a");
	assert_null(tb[3]);
	/* The last attribute without its padding. */
	assert_int_equal(nl_attr_parse(good, 15, rules, 3, tb), 0);
	printf("  u32, string, unknown type skipped, missing padding ok\n");

	memcpy(bad, good, sizeof(bad));
	bad[0] = 6;		/* u32 of 2 bytes */
	assert_int_equal(nl_attr_parse(bad, sizeof(bad), rules, 3, tb),
	    -EBADMSG);
	memcpy(bad, good, sizeof(bad));
	bad[0] = 3;		/* shorter than a header */
	assert_int_equal(nl_attr_parse(bad, sizeof(bad), rules, 3, tb),
	    -EBADMSG);
	memcpy(bad, good, sizeof(bad));
	bad[16] = 8;		/* runs past the end */
	assert_int_equal(nl_attr_parse(bad, sizeof(bad), rules, 3, tb),
	    -EBADMSG);
	memcpy(bad, good, sizeof(bad));
	bad[10] = 1;		/* type 1 twice */
	assert_int_equal(nl_attr_parse(bad, sizeof(bad), rules, 3, tb),
	    -EBADMSG);
	assert_int_equal(nl_attr_parse(good, sizeof(good) - 2, rules, 3, tb),
	    -EBADMSG);	/* 2 trailing bytes */
	printf("  short u32, nla_len 3, past the end, repeated type, "
	    "trailing bytes: -EBADMSG\n");
}

static void
test_addr(void **state)
{
	struct nl_prefix p;
	struct nl_addr a, b;
	char s[NL_ADDRSTRLEN];

	assert_int_equal(nl_prefix_parse(&p, "2001:db8::1/64"), 0);
	assert_int_equal(p.addr.family, AF_INET6);
	assert_int_equal(p.len, 64);
	assert_int_equal(nl_prefix_parse(&p, "192.0.2.1"), 0);
	assert_int_equal(p.len, 32);
	assert_int_equal(nl_prefix_parse(&p, "192.0.2.1/33"), -EINVAL);
	assert_int_equal(nl_prefix_parse(&p, "192.0.2.1/"), -EINVAL);
	assert_int_equal(nl_prefix_parse(&p, "192.0.2.1/2x"), -EINVAL);
	assert_int_equal(nl_prefix_parse(&p, "::/129"), -EINVAL);
	assert_int_equal(nl_addr_parse(&a, "300.1.1.1"), -EINVAL);
	assert_int_equal(nl_addr_parse(&a, NULL), -EINVAL);
	assert_int_equal(nl_addr_parse(&a, "::ffff:192.0.2.1"), 0);
	assert_int_equal(nl_addr_parse(&b, "192.0.2.1"), 0);
	assert_false(nl_addr_eq(&a, &b));
	assert_string_equal(nl_addr_str(&b, s, sizeof(s)), "192.0.2.1");
	memset(&a, 0, sizeof(a));
	assert_string_equal(nl_addr_str(&a, s, sizeof(s)), "(none)");
	nl_prefix_any(&p, AF_INET6);
	assert_true(nl_prefix_valid(&p));
	printf("  prefixes /64, /32 default; /33, '/', '/2x', /129, "
	    "300.1.1.1 refused; v4-mapped != v4\n");
}

static void
test_netns_names(void **state)
{
	int saved;

	assert_int_equal(nl_netns_open(""), -EINVAL);
	assert_int_equal(nl_netns_open("."), -EINVAL);
	assert_int_equal(nl_netns_open(".."), -EINVAL);
	assert_int_equal(nl_netns_open("../etc"), -EINVAL);
	assert_int_equal(nl_netns_open(NULL), -EINVAL);
	assert_int_equal(nl_netns_enter("a/b", &saved), -EINVAL);
	assert_int_equal(saved, -1);
	assert_int_equal(nl_netns_open("vtid-surely-absent-ns"), -ENOENT);
	printf("  netns names '', '.', '..', '../etc', 'a/b' refused; an "
	    "absent one is -ENOENT\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builder_bounds),
		cmocka_unit_test(test_attr_parse),
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_netns_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
