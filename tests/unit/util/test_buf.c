/* Bounded buffer: reads fail cleanly at the end, writes set a sticky error,
 * patches stay inside what was written. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "util/buf.h"

static void
test_read_bounds(void **state)
{
	const uint8_t data[] = { 1, 2, 3, 4, 5, 6, 7 };
	struct rbuf b, sub;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;

	rbuf_init(&b, data, sizeof(data));
	assert_int_equal(rbuf_get_u8(&b, &u8), 0);
	assert_int_equal(u8, 1);
	assert_int_equal(rbuf_get_u16(&b, &u16), 0);
	assert_int_equal(u16, 0x0203);
	assert_int_equal(rbuf_get_sub(&b, 3, &sub), 0);
	assert_int_equal(rbuf_left(&sub), 3);
	assert_int_equal(rbuf_get_u32(&sub, &u32), -1);	/* 3 < 4 */
	assert_true(sub.err);
	assert_int_equal(rbuf_left(&b), 1);
	assert_int_equal(rbuf_get_u16(&b, &u16), -1);
	/* Sticky: once failed, even a read that would fit fails. */
	assert_int_equal(rbuf_get_u8(&b, &u8), -1);
	assert_int_equal(rbuf_left(&b), 0);
}

static void
test_read_huge_length(void **state)
{
	const uint8_t data[4] = { 0 };
	struct rbuf b, sub;

	rbuf_init(&b, data, sizeof(data));
	assert_int_equal(rbuf_skip(&b, 2), 0);
	/* A length that would wrap pos + n must not pass the check. */
	assert_int_equal(rbuf_get_sub(&b, SIZE_MAX, &sub), -1);
	assert_null(rbuf_get_ptr(&b, 1));
}

static void
test_write_and_patch(void **state)
{
	uint8_t mem[8];
	struct wbuf w;
	size_t off;

	wbuf_init(&w, mem, sizeof(mem));
	wbuf_put_u8(&w, 0xaa);
	off = wbuf_reserve(&w, 2);
	wbuf_put_u32(&w, 0x01020304);
	wbuf_patch_u16(&w, off, 0xbeef);
	assert_true(wbuf_ok(&w));
	assert_int_equal(w.len, 7);
	assert_memory_equal(mem, "\xaa\xbe\xef\x01\x02\x03\x04", 7);
	wbuf_put_u16(&w, 1);	/* 9 > 8 */
	assert_false(wbuf_ok(&w));
	assert_int_equal(w.len, 7);
	wbuf_put_u8(&w, 1);	/* sticky */
	assert_int_equal(w.len, 7);
}

static void
test_patch_outside(void **state)
{
	uint8_t mem[8];
	struct wbuf w;

	wbuf_init(&w, mem, sizeof(mem));
	wbuf_put_u16(&w, 0);
	wbuf_patch_u32(&w, 0, 1);	/* beyond len: an error, no write */
	assert_false(wbuf_ok(&w));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_bounds),
		cmocka_unit_test(test_read_huge_length),
		cmocka_unit_test(test_write_and_patch),
		cmocka_unit_test(test_patch_outside),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
