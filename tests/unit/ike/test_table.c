/* The engine's lookups (src/ike/table.c): peers by name and by remote
 * address (of several with one remote address, the first added whose
 * local address fits), SAs by our SPI, responders by initiator SPI and
 * address (port ignored). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ike/table.h"
#include "util/addr.h"

static struct ike_peer *
peer(struct ike_engine *eng, const char *name, const char *local,
    const char *remote)
{
	struct ike_peer *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	p->eng = eng;
	snprintf(p->conf.name, sizeof(p->conf.name), "%s", name);
	assert_int_equal(addr_parse(remote, &p->conf.remote), 0);
	if (local != NULL)
		assert_int_equal(addr_parse(local, &p->conf.local), 0);
	else
		p->conf.local.ss_family = p->conf.remote.ss_family;
	assert_int_equal(ike_table_peer_add(eng, p), 0);
	return p;
}

static struct sockaddr_storage
at(const char *a, uint16_t port)
{
	struct sockaddr_storage ss;

	assert_int_equal(addr_parse(a, &ss), 0);
	addr_set_port(&ss, port);
	return ss;
}

static void
test_peers(void **state)
{
	struct ike_engine eng;
	struct ike_peer *a, *b, *c;
	struct sockaddr_storage l = at("2001:db8::1", 500);
	struct sockaddr_storage l2 = at("2001:db8::2", 500);
	struct sockaddr_storage r = at("2001:db8::9", 4500);
	struct sockaddr_storage r2 = at("192.0.2.9", 500);

	memset(&eng, 0, sizeof(eng));
	a = peer(&eng, "A", NULL, "2001:db8::9");
	b = peer(&eng, "B", "2001:db8::1", "2001:db8::9");
	c = peer(&eng, "C", "192.0.2.1", "192.0.2.9");
	assert_ptr_equal(ike_table_peer_find(&eng, "B"), b);
	assert_null(ike_table_peer_find(&eng, "D"));
	/* Both A (any local address) and B fit: A was added first. */
	assert_ptr_equal(ike_table_peer_match(&eng, &l, &r), a);
	assert_ptr_equal(ike_table_peer_match(&eng, &l2, &r), a);
	ike_table_peer_del(&eng, a);
	assert_ptr_equal(ike_table_peer_match(&eng, &l, &r), b);
	assert_null(ike_table_peer_match(&eng, &l2, &r));
	assert_null(ike_table_peer_match(&eng, &l, &r2));
	l = at("192.0.2.1", 500);
	assert_ptr_equal(ike_table_peer_match(&eng, &l, &r2), c);
	ike_table_peer_del(&eng, b);
	ike_table_peer_del(&eng, c);
	assert_null(eng.by_name);
	assert_null(eng.by_addr);
	free(a);
	free(b);
	free(c);
	printf("peers: by name, by remote address (first added of several, "
	    "local address checked), removed\n");
}

static struct ike_sa *
sa(struct ike_engine *eng, struct ike_peer *p, bool initiator,
    uint64_t ispi, uint64_t rspi, const char *remote, uint16_t port)
{
	struct ike_sa *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	s->eng = eng;
	s->peer = p;
	s->initiator = initiator;
	s->ispi = ispi;
	s->rspi = rspi;
	s->remote = at(remote, port);
	assert_int_equal(ike_table_sa_add(eng, s), 0);
	return s;
}

static void
test_sas(void **state)
{
	struct ike_engine eng;
	struct ike_peer p;
	struct ike_sa *i1, *r1, *r2;
	struct sockaddr_storage from = at("192.0.2.9", 500);
	uint64_t spi;
	int n;

	memset(&eng, 0, sizeof(eng));
	memset(&p, 0, sizeof(p));
	i1 = sa(&eng, &p, true, 0x1111, 0, "192.0.2.9", 500);
	r1 = sa(&eng, &p, false, 0x2222, 0x3333, "192.0.2.9", 4500);
	r2 = sa(&eng, &p, false, 0x2222, 0x4444, "192.0.2.10", 500);
	/* Ours: the initiator's ispi, the responder's rspi. */
	assert_ptr_equal(ike_table_sa_find(&eng, 0x1111), i1);
	assert_ptr_equal(ike_table_sa_find(&eng, 0x3333), r1);
	assert_null(ike_table_sa_find(&eng, 0x2222));
	/* A repeated IKE_SA_INIT: initiator SPI and address, any port. */
	assert_ptr_equal(ike_table_sa_init(&eng, 0x2222, &from), r1);
	from = at("192.0.2.10", 4500);
	assert_ptr_equal(ike_table_sa_init(&eng, 0x2222, &from), r2);
	assert_null(ike_table_sa_init(&eng, 0x1111, &from));
	ike_table_sa_del(&eng, r1);
	from = at("192.0.2.9", 500);
	assert_null(ike_table_sa_init(&eng, 0x2222, &from));
	assert_null(ike_table_sa_find(&eng, 0x3333));
	for (n = 0; n < 1000; n++) {
		spi = ike_table_spi_new(&eng);
		assert_true(spi != 0 && spi != 0x1111 && spi != 0x4444);
	}
	ike_table_sa_del(&eng, i1);
	ike_table_sa_del(&eng, r2);
	assert_null(eng.by_spi);
	assert_null(eng.by_init);
	free(i1);
	free(r1);
	free(r2);
	printf("SAs: by our SPI, responders by initiator SPI and address "
	    "(port ignored), fresh SPIs non-zero and unused\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_peers),
		cmocka_unit_test(test_sas),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
