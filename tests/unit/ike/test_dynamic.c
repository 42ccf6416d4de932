/* Peers without a fixed address (remote %any or a prefix) between two
 * real engines (engine_pair.c). Side 1 is a hub with two such peers, told
 * apart by their FQDN identity and PSK; side 0 is a branch whose
 * datagrams the hook makes arrive from the address `branch' (a NAT or a
 * dynamic address: side 1 only ever sees that one).
 *
 *   side 0 "B" 2001:db8::1 --as `branch'-->  2001:db8::2 side 1: "br1" %any6,
 *                                                        "br2" 2001:db8:5::/48
 */
#include <arpa/inet.h>
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

#define PSK1	"branch-one-psk-0123456789abcdef0123"
#define PSK2	"branch-two-psk-0123456789abcdef0123"

static struct engine_pair pair;
static const char *branch;	/* side 0's address as side 1 sees it */
static char br1[] = "br1", br2[] = "br2";	/* for ep_run_until */

#define A	(&pair.side[0])
#define B	(&pair.side[1])

static uint16_t
port_of(const struct sockaddr_storage *ss)
{
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

static enum ep_verdict
branch_hook(struct engine_pair *ep, struct ep_pkt *p, void *arg)
{
	(void)ep;
	(void)arg;
	if (p->from == 0)
		ep_addr6(&p->remote, branch, port_of(&p->remote));
	else
		ep_addr6(&p->local, EP_ADDR_A, port_of(&p->local));
	return EP_PASS;
}

static void
fqdn(uint8_t *type, uint8_t *id, size_t *len, const char *name)
{
	*type = ID_FQDN;
	*len = strlen(name);
	memcpy(id, name, *len);
}

/* A hub's peer: no fixed address, known by its FQDN. */
static void
hub_peer(const char *name, const char *net, uint8_t plen, const char *id,
    const char *psk, uint32_t mark, const char *suite)
{
	struct ike_peer_conf pc;

	ep_peer_conf(&pc, name, EP_ADDR_B, net, mark, IKE_START_ADD);
	pc.remote_dynamic = true;
	pc.remote_plen = plen;
	fqdn(&pc.remote_id_type, pc.remote_id, &pc.remote_id_len, id);
	ep_conf_psk(&pc, psk);
	if (suite != NULL)
		ep_conf_suites(&pc, suite, suite);
	assert_int_equal(ike_peer_add(B->eng, &pc), 0);
}

/* Side 0's peer "B", as branch `id' with `psk'. */
static void
branch_peer(const char *id, const char *psk, const char *suite)
{
	struct ike_peer_conf pc;

	ep_side_conf(&pc, 0, IKE_START_START);
	fqdn(&pc.local_id_type, pc.local_id, &pc.local_id_len, id);
	ep_conf_psk(&pc, psk);
	if (suite != NULL)
		ep_conf_suites(&pc, suite, suite);
	pc.retransmit_timeout = 0.2;
	pc.retry_base = 0.5;
	pc.retry_max = 1;
	assert_int_equal(ike_peer_add(A->eng, &pc), 0);
}

#define BR2_SUITE	"aes256gcm16-prfsha384-ecp384-x25519!"

static void
setup(const char *br2_suite)
{
	ep_init(&pair);
	ep_set_hook(&pair, branch_hook, NULL);
	/* br1 is first: IKE_SA_INIT from anywhere is answered on its
	 * terms (EP_SUITE) until IDi says who it is. */
	hub_peer("br1", "::", 0, "one.example", PSK1, 7, NULL);
	hub_peer("br2", "2001:db8:5::", 48, "two.example", PSK2, 8,
	    br2_suite);
}

static bool
hub_up(struct engine_pair *ep, void *arg)
{
	return ike_peer_state(ep->side[1].eng, arg) == IKE_PEER_UP &&
	    ike_peer_state(ep->side[0].eng, "B") == IKE_PEER_UP;
}

/* The remote address of the hub's SA of `peer', and how many it has. */
static size_t
hub_sa(const char *peer, char *addr, size_t len)
{
	struct ike_snapshot *s = ike_snapshot_take(B->eng, peer);
	size_t n;

	assert_non_null(s);
	n = s->n_sas;
	if (n > 0)
		assert_non_null(inet_ntop(AF_INET6, &((const struct
		    sockaddr_in6 *)(const void *)&s->sas[0].remote)->sin6_addr,
		    addr, (socklen_t)len));
	ike_snapshot_free(s);
	return n;
}

static void
assert_pol_remote(const char *want)
{
	char a[INET6_ADDRSTRLEN];

	assert_non_null(inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)
	    (const void *)&B->pol_remote)->sin6_addr, a, sizeof(a)));
	assert_string_equal(a, want);
}

/* Each identity reaches its own peer, from inside its prefix, and the
 * policies' templates lead to where it came from. */
static void
test_identity_picks_peer(void **state)
{
	char a[INET6_ADDRSTRLEN];

	(void)state;
	setup(BR2_SUITE);
	branch = "2001:db8:5::10";
	branch_peer("one.example", PSK1, NULL);
	assert_true(ep_run_until(&pair, 10, hub_up, br1));
	assert_int_equal(hub_sa("br1", a, sizeof(a)), 1);
	assert_string_equal(a, branch);
	assert_int_equal(hub_sa("br2", a, sizeof(a)), 0);
	assert_pol_remote(branch);
	/* The hub cannot reach it first. */
	assert_int_equal(ike_peer_initiate(B->eng, "br1"), -1);

	/* Now the branch is br2 (the same address, in br2's prefix): its
	 * IKE_SA_INIT is answered on br1's terms, IDi moves it to br2. */
	assert_int_equal(ike_peer_remove(A->eng, "B"), 0);
	ep_run(&pair, 0.5);
	branch_peer("two.example", PSK2, NULL);
	assert_true(ep_run_until(&pair, 10, hub_up, br2));
	assert_int_equal(hub_sa("br2", a, sizeof(a)), 1);
	assert_string_equal(a, branch);
	printf("dynamic peers: one.example and two.example from %s each "
	    "reached their own peer (br1 %%any6, br2 2001:db8:5::/48), "
	    "policies to %s\n", branch, branch);
	ep_free(&pair);
}

/* The same branch from two addresses in turn: the second IKE SA (with
 * INITIAL_CONTACT) replaces the first, the policies follow it. */
static void
test_new_address(void **state)
{
	char a[INET6_ADDRSTRLEN];
	struct ike_snapshot *s;

	(void)state;
	setup(BR2_SUITE);
	branch = "2001:db8:7::1";
	branch_peer("one.example", PSK1, NULL);
	assert_true(ep_run_until(&pair, 10, hub_up, br1));
	assert_pol_remote("2001:db8:7::1");
	/* The branch restarts on another address. */
	assert_int_equal(ike_peer_remove(A->eng, "B"), 0);
	ep_run(&pair, 0.5);
	branch = "2001:db8:9::2";
	branch_peer("one.example", PSK1, NULL);
	assert_true(ep_run_until(&pair, 10, hub_up, br1));
	ep_run(&pair, 1);
	assert_int_equal(hub_sa("br1", a, sizeof(a)), 1);
	assert_string_equal(a, "2001:db8:9::2");
	assert_pol_remote("2001:db8:9::2");
	s = ike_snapshot_take(B->eng, "br1");
	assert_non_null(s);
	assert_true(s->peers[0].remote_dynamic);
	assert_int_equal(s->peers[0].remote_plen, 0);
	ike_snapshot_free(s);
	printf("dynamic peer br1 from 2001:db8:7::1, then 2001:db8:9::2: one "
	    "IKE SA at the end, policies to the new address\n");
	ep_free(&pair);
}

static bool
a_failed(struct engine_pair *ep, void *arg)
{
	(void)arg;
	return ike_peer_state(ep->side[0].eng, "B") != IKE_PEER_UP &&
	    ep->side[1].sas == 0 && ike_engine_stats(ep->side[1].eng)->
	    auth_failed >= 1;
}

/* What must not come up, each ending in AUTHENTICATION_FAILED at the hub
 * and no SA of either peer: */
static void
refused(const char *addr, const char *id, const char *psk, const char *suite,
    const char *br2_suite, const char *what)
{
	char a[INET6_ADDRSTRLEN];

	setup(br2_suite);
	branch = addr;
	branch_peer(id, psk, suite);
	assert_true(ep_run_until(&pair, 3, a_failed, NULL));
	assert_int_equal(hub_sa("br1", a, sizeof(a)), 0);
	assert_int_equal(hub_sa("br2", a, sizeof(a)), 0);
	assert_int_equal(B->policies, 0);
	printf("refused: %s\n", what);
	ep_free(&pair);
}

static void
test_refused(void **state)
{
	(void)state;
	/* two.example from outside br2's prefix: br1's terms, br1's ID. */
	refused("2001:db8:6::1", "two.example", PSK2, NULL, BR2_SUITE,
	    "two.example from 2001:db8:6::1, outside its prefix");
	refused("2001:db8:5::1", "one.example", PSK2, NULL, BR2_SUITE,
	    "one.example with two.example's PSK");
	refused("2001:db8:5::1", "three.example", PSK1, NULL, BR2_SUITE,
	    "an identity no peer has");
	/* br1's terms chose ECP-384, which br2 does not allow. */
	refused("2001:db8:5::1", "two.example", PSK2, BR2_SUITE,
	    "aes256gcm16-prfsha384-x25519!", "two.example on an IKE SA "
	    "made on br1's terms (ECP-384), br2 allowing X25519 only");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identity_picks_peer),
		cmocka_unit_test(test_new_address),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
