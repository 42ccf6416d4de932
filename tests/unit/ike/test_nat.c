/* NAT traversal between two real engines (engine_pair.c): a NAT in front
 * of side 0, made by the packet hook (side 0's datagrams reach side 1
 * from 2001:db8::99, ports 40500/44500; side 1's answers come back to
 * side 0's own address), and encap = true without any NAT.
 *
 *   side 0, peer "B"  2001:db8::1 --NAT 2001:db8::99-->  2001:db8::2  side 1, peer "A"
 */
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ike/ike.h"
#include "ike/ikev2.h"
#include "engine_pair.h"

#define NAT_ADDR	"2001:db8::99"
#define NAT_PORT_IKE	40500
#define NAT_PORT_NATT	44500

/* The NAT's address and port for side 0's 4500: change when its mapping
 * does. */
static const char *nat_addr = NAT_ADDR;
static uint16_t nat_port = NAT_PORT_NATT;

static struct engine_pair pair;

#define A	(&pair.side[0])
#define B	(&pair.side[1])

static uint16_t
port_of(const struct sockaddr_storage *ss)
{
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

/* The NAT: side 0's source rewritten on the way out, side 1's
 * destination back to side 0's address on the way in. */
static enum ep_verdict
nat_hook(struct engine_pair *ep, struct ep_pkt *p, void *arg)
{
	/* IKE_SA_INIT, both ways, stays on 500 whatever NAT it finds: the
	 * answer goes where the request came (RFC 7296 2.23). */
	if (ep_pkt_exchange(p) == IKE_SA_INIT)
		assert_false(p->natt);
	if (p->from == 0)
		ep_addr6(&p->remote, nat_addr, port_of(&p->remote) == 4500 ?
		    nat_port : NAT_PORT_IKE);
	else
		ep_addr6(&p->local, EP_ADDR_A, port_of(&p->local) ==
		    NAT_PORT_IKE ? 500 : 4500);
	return EP_PASS;
}

static void
conf(struct ike_peer_conf *pc, int i, enum ike_start start)
{
	ep_side_conf(pc, i, start);
	pc->retransmit_timeout = 0.2;
	pc->nat_keepalive = 0.2;
}

/* The one live filled kernel SA of a direction, ESP in UDP or not. */
static const struct ep_ksa *
ksa(const struct ep_side *s, bool out)
{
	const struct ep_ksa *k = ep_ksa_only(s, out);

	assert_non_null(k);
	return k;
}

static void
snap_nat(const struct ep_side *s, const char *peer, bool *natt,
    bool *nat_local, uint16_t *rport)
{
	struct ike_snapshot *snap = ike_snapshot_take(s->eng, peer);

	assert_non_null(snap);
	assert_int_equal(snap->n_sas, 1);
	*natt = snap->sas[0].natt;
	*nat_local = snap->sas[0].nat_local;
	*rport = port_of(&snap->sas[0].remote);
	ike_snapshot_free(snap);
}

static void
test_behind_nat(void **state)
{
	struct ike_peer_conf pc;
	bool natt, nat_local;
	uint16_t rport;
	unsigned ka0;

	ep_init(&pair);
	ep_set_hook(&pair, nat_hook, NULL);
	conf(&pc, 0, IKE_START_START);
	assert_int_equal(ike_peer_add(A->eng, &pc), 0);
	conf(&pc, 1, IKE_START_ADD);
	ep_addr6(&pc.remote, NAT_ADDR, 0);	/* side 1 sees the NAT */
	assert_int_equal(ike_peer_add(B->eng, &pc), 0);
	assert_true(ep_run_until(&pair, 10, ep_both_up, NULL));

	snap_nat(A, "B", &natt, &nat_local, &rport);
	assert_true(natt);
	assert_true(nat_local);
	assert_int_equal(rport, 4500);
	snap_nat(B, "A", &natt, &nat_local, &rport);
	assert_true(natt);
	assert_false(nat_local);
	assert_int_equal(rport, NAT_PORT_NATT);
	/* ESP in UDP on the IKE ports, as each side sees them. */
	assert_true(ksa(A, true)->natt);
	assert_int_equal(ksa(A, true)->natt_sport, 4500);
	assert_int_equal(ksa(A, true)->natt_dport, 4500);
	assert_true(ksa(B, true)->natt);
	assert_int_equal(ksa(B, true)->natt_sport, 4500);
	assert_int_equal(ksa(B, true)->natt_dport, NAT_PORT_NATT);
	assert_int_equal(ksa(B, false)->natt_sport, NAT_PORT_NATT);
	assert_int_equal(ksa(B, false)->natt_dport, 4500);

	/* Keepalives every 0.2 s from the side behind the NAT only. */
	ka0 = A->keepalives;
	ep_run(&pair, 1.1);
	assert_true(A->keepalives - ka0 >= 4);
	assert_int_equal(B->keepalives, 0);
	printf("behind the NAT: ESP in UDP 4500 -> 4500 / 4500 -> %u, %u "
	    "keepalives in 1.1 s from side 0, none from side 1\n",
	    NAT_PORT_NATT, A->keepalives - ka0);

	/* An IKE SA rekey keeps it all, keepalives included. */
	assert_int_equal(ike_peer_rekey(A->eng, "B", true), 0);
	ep_run(&pair, 0.5);
	snap_nat(A, "B", &natt, &nat_local, &rport);
	assert_true(natt && nat_local);
	ka0 = A->keepalives;
	ep_run(&pair, 0.5);
	assert_true(A->keepalives - ka0 >= 2);
	ep_free(&pair);
}

static void
up_behind_nat(void)
{
	struct ike_peer_conf pc;

	nat_addr = NAT_ADDR;
	nat_port = NAT_PORT_NATT;
	ep_init(&pair);
	ep_set_hook(&pair, nat_hook, NULL);
	conf(&pc, 0, IKE_START_START);
	assert_int_equal(ike_peer_add(A->eng, &pc), 0);
	conf(&pc, 1, IKE_START_ADD);
	ep_addr6(&pc.remote, NAT_ADDR, 0);
	assert_int_equal(ike_peer_add(B->eng, &pc), 0);
	assert_true(ep_run_until(&pair, 10, ep_both_up, NULL));
}

/* Side 1's one outbound SA goes to the port, and an inbound one comes
 * from it (the old inbound SA may still drain). */
static bool
b_out_on(struct engine_pair *ep, void *arg)
{
	const struct ep_side *b = &ep->side[1];
	const struct ep_ksa *k = ep_ksa_only(b, true);
	uint16_t port = *(uint16_t *)arg;
	size_t i;

	if (k == NULL || k->natt_dport != port)
		return false;
	for (i = 0; i < b->n_ksa; i++)
		if (b->ksa[i].live && !b->ksa[i].larval && !b->ksa[i].out &&
		    b->ksa[i].natt_sport == port)
			return true;
	return false;
}

/* The NAT gives side 0 a new port; the kernel reports ESP from it
 * (XFRM_MSG_MAPPING): side 1's IKE SA follows, and its CHILD SAs take the
 * new port in place (RFC 7296 2.23): same SPIs, no negotiation. A
 * mapping for an SPI that is not ours changes nothing. */
static void
test_mapping_from_kernel(void **state)
{
	struct sockaddr_storage from;
	struct ike_snapshot *snap;
	uint16_t want = 45500, rport;
	uint32_t in, out;
	unsigned serial, adds, sent;
	bool natt, nat_local;

	up_behind_nat();
	snap = ike_snapshot_take(B->eng, "A");
	serial = snap->sas[0].serial;
	ike_snapshot_free(snap);
	in = ksa(B, false)->spi;
	out = ksa(B, true)->spi;
	adds = B->sa_adds;
	sent = B->n_sent;
	ep_addr6(&from, NAT_ADDR, want);
	assert_false(ike_kernel_mapping(B->eng, 7, 0x1234, &from));
	assert_false(ike_kernel_mapping(B->eng, 8, in, &from));
	assert_int_equal(B->sa_encaps, 0);
	nat_port = want;
	assert_true(ike_kernel_mapping(B->eng, 7, in, &from));
	snap_nat(B, "A", &natt, &nat_local, &rport);
	assert_int_equal(rport, want);
	/* At once, not after an exchange. */
	assert_int_equal(ksa(B, true)->natt_dport, want);
	assert_int_equal(ksa(B, true)->natt_sport, 4500);
	assert_int_equal(ksa(B, false)->natt_sport, want);
	assert_int_equal(ksa(B, false)->natt_dport, 4500);
	assert_int_equal(B->sa_encaps, 2);
	/* The same mapping again (every packet says it): nothing more. */
	assert_true(ike_kernel_mapping(B->eng, 7, in, &from));
	assert_int_equal(B->sa_encaps, 2);
	ep_run(&pair, 0.5);
	assert_int_equal(ksa(B, false)->spi, in);
	assert_int_equal(ksa(B, true)->spi, out);
	assert_int_equal(B->sa_adds, adds);
	assert_int_equal(B->n_sent, sent);
	snap = ike_snapshot_take(B->eng, "A");
	assert_int_equal(snap->n_sas, 1);
	assert_int_equal(snap->sas[0].serial, serial);
	ike_snapshot_free(snap);
	printf("mapping 44500 -> %u from the kernel: both SAs moved in place "
	    "(SPIs %08x_i %08x_o kept), no IKE message, same IKE SA #%u\n",
	    want, in, out, serial);
	ep_free(&pair);
}

/* A new address, not only a port: it is the outbound SA's key in the
 * kernel, so the CHILD SA is made again there by a rekey over the same
 * IKE SA. */
static void
test_mapping_new_address(void **state)
{
	struct sockaddr_storage from, want_dst;
	struct ike_snapshot *snap;
	uint16_t want = 47500;
	uint32_t in;
	unsigned serial;

	up_behind_nat();
	snap = ike_snapshot_take(B->eng, "A");
	serial = snap->sas[0].serial;
	ike_snapshot_free(snap);
	in = ksa(B, false)->spi;
	nat_addr = "2001:db8::98";
	nat_port = want;
	ep_addr6(&from, nat_addr, want);
	assert_true(ike_kernel_mapping(B->eng, 7, in, &from));
	assert_int_equal(B->sa_encaps, 0);
	assert_true(ep_run_until(&pair, 3, b_out_on, &want));
	ep_addr6(&want_dst, nat_addr, 0);
	assert_memory_equal(&((const struct sockaddr_in6 *)(const void *)
	    &ksa(B, true)->dst)->sin6_addr, &((const struct sockaddr_in6 *)
	    (const void *)&want_dst)->sin6_addr, 16);
	/* The policies' templates lead there too, or the kernel would find
	 * no SA for them. */
	assert_memory_equal(&((const struct sockaddr_in6 *)(const void *)
	    &B->pol_remote)->sin6_addr, &((const struct sockaddr_in6 *)
	    (const void *)&want_dst)->sin6_addr, 16);
	snap = ike_snapshot_take(B->eng, "A");
	assert_int_equal(snap->n_sas, 1);
	assert_int_equal(snap->sas[0].serial, serial);
	ike_snapshot_free(snap);
	printf("mapping to a new address %s:%u: CHILD SA and policies made "
	    "again there, same IKE SA #%u\n", nat_addr, want, serial);
	ep_free(&pair);
}

/* The same seen on an authenticated IKE message: the peer's next request
 * comes from the new port. */
static void
test_mapping_from_ike(void **state)
{
	uint16_t want = 46500, rport;
	bool natt, nat_local;

	up_behind_nat();
	nat_port = want;
	assert_int_equal(ike_peer_rekey(A->eng, "B", false), 0);
	assert_true(ep_run_until(&pair, 3, b_out_on, &want));
	snap_nat(B, "A", &natt, &nat_local, &rport);
	assert_int_equal(rport, want);
	assert_int_equal(B->sa_encaps, 2);
	ep_free(&pair);
}

static void
test_encap_without_nat(void **state)
{
	struct ike_peer_conf pc;
	bool natt, nat_local;
	uint16_t rport;

	ep_init(&pair);
	conf(&pc, 0, IKE_START_START);
	pc.force_encap = true;
	assert_int_equal(ike_peer_add(A->eng, &pc), 0);
	conf(&pc, 1, IKE_START_ADD);
	assert_int_equal(ike_peer_add(B->eng, &pc), 0);
	assert_true(ep_run_until(&pair, 10, ep_both_up, NULL));
	snap_nat(A, "B", &natt, &nat_local, &rport);
	assert_true(natt);
	assert_false(nat_local);
	snap_nat(B, "A", &natt, &nat_local, &rport);
	assert_true(natt);		/* our fake hash made it see a NAT */
	assert_false(nat_local);
	assert_int_equal(rport, 4500);
	assert_true(ksa(A, true)->natt);
	assert_true(ksa(B, true)->natt);
	assert_int_equal(ksa(B, true)->natt_dport, 4500);
	ep_run(&pair, 0.6);
	assert_int_equal(A->keepalives + B->keepalives, 0);
	printf("encap = true, no NAT: ESP in UDP 4500 -> 4500 both ways, no "
	    "keepalive\n");
	ep_free(&pair);
}

static void
test_no_nat(void **state)
{
	struct ike_peer_conf pc;

	ep_init(&pair);
	conf(&pc, 0, IKE_START_START);
	assert_int_equal(ike_peer_add(A->eng, &pc), 0);
	conf(&pc, 1, IKE_START_ADD);
	assert_int_equal(ike_peer_add(B->eng, &pc), 0);
	assert_true(ep_run_until(&pair, 10, ep_both_up, NULL));
	assert_false(ksa(A, true)->natt);
	assert_false(ksa(B, true)->natt);
	ep_run(&pair, 0.5);
	assert_int_equal(A->keepalives + B->keepalives, 0);
	ep_free(&pair);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_behind_nat),
		cmocka_unit_test(test_mapping_from_kernel),
		cmocka_unit_test(test_mapping_new_address),
		cmocka_unit_test(test_mapping_from_ike),
		cmocka_unit_test(test_encap_without_nat),
		cmocka_unit_test(test_no_nat),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
