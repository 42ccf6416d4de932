/* vtid.conf's "kernel" section: defaults, values taken, and each bad
 * value an error naming file:line and the setting, as a table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config/config.h"

struct kcase {
	const char	*text;		/* the kernel group, on line 1 */
	const char	*error;		/* NULL: loads */
	uint32_t	 interval, buffer;	/* when it loads */
};

static const struct kcase cases[] = {
	{ "", NULL, CONFIG_RECONCILE_INTERVAL, CONFIG_EVENT_BUFFER },
	{ "kernel = { };", NULL, 30, 8u << 20 },
	{ "kernel = { reconcile_interval = \"2m\"; };", NULL, 120, 8u << 20 },
	{ "kernel = { reconcile_interval = 0; event_buffer = 0; };", NULL,
	  0, 0 },
	{ "kernel = { event_buffer = 4096; };", NULL, 30, 4096 },
	{ "kernel = { event_buffer = 268435456; };", NULL, 30, 256u << 20 },
	{ "kernel = { reconcile_interval = 86401; };",
	  ":1: kernel.reconcile_interval: must be 0 (off) to 86400 "
	  "seconds", 0, 0 },
	{ "kernel = { reconcile_interval = \"soon\"; };",
	  ":1: kernel.reconcile_interval: 'soon' is not a duration", 0, 0 },
	{ "kernel = { event_buffer = 4095; };",
	  ":1: kernel.event_buffer: must be 0 (the system's default) or 4096 "
	  "to 268435456 bytes", 0, 0 },
	{ "kernel = { event_buffer = 268435457; };",
	  ":1: kernel.event_buffer: must be 0", 0, 0 },
	{ "kernel = { event_buffer = \"8M\"; };",
	  ":1: kernel.event_buffer: expected an integer", 0, 0 },
	{ "kernel = { receive_buffer_size = 1; };",
	  ":1: kernel: unknown setting 'receive_buffer_size'", 0, 0 },
};

static void
test_kernel(void **state)
{
	char path[] = "/tmp/vtid-test-kernel-XXXXXX";
	struct config_error err;
	struct vtid_config *c;
	FILE *f;
	size_t i;
	int fd;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct kcase *t = &cases[i];

		strcpy(path, "/tmp/vtid-test-kernel-XXXXXX");
		assert_true((fd = mkstemp(path)) >= 0);
		assert_non_null(f = fdopen(fd, "w"));
		fprintf(f, "%s\npeers = ();\n", t->text);
		fclose(f);
		c = config_load(path, NULL, &err);
		unlink(path);
		if (t->error == NULL) {
			assert_non_null(c);
			assert_int_equal(c->kernel.reconcile_interval,
			    t->interval);
			assert_int_equal(c->kernel.event_buffer, t->buffer);
			printf("  '%s': interval %u s, buffer %u\n", t->text,
			    t->interval, t->buffer);
			config_free(c);
			continue;
		}
		assert_null(c);
		if (strstr(err.msg, t->error) == NULL)
			fail_msg("'%s': got '%s', want '%s'", t->text, err.msg,
			    t->error);
		printf("  '%s': %s\n", t->text, strchr(err.msg, ':'));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kernel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
