/* Certificate authentication between two real engines (engine_pair.c),
 * with a PKI made here (tests/unit/pki/pkigen.c): each key type both
 * ways, the legacy methods with a peer that sends no
 * SIGNATURE_HASH_ALGORITHMS, a chain through an intermediate, and what
 * must end in AUTHENTICATION_FAILED with no SA. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ike/ike.h"
#include "ike/ikev2.h"
#include "pki/pki.h"
#include "engine_pair.h"
#include "pkigen.h"

static struct engine_pair pair;
static char dir[] = "/tmp/vtid-test-cert-XXXXXX";
static EVP_PKEY *root_key, *inter_key, *other_key;
static X509 *root, *inter, *other;

#define A	(&pair.side[0])
#define B	(&pair.side[1])

#define path(n)	pg_path(n)

static int
setup(void **state)
{
	static const struct pg_cert ca = { "root", NULL, true, -86400,
	    86400 * 10, NULL };
	static const struct pg_cert ica = { "intermediate", NULL, true,
	    -86400, 86400 * 10, NULL };
	static const struct pg_cert oca = { "other", NULL, true, -86400,
	    86400 * 10, NULL };

	(void)state;
	if (pg_dir_make(dir) == -1)
		return -1;
	root_key = pg_key(PG_P256);
	inter_key = pg_key(PG_P384);
	other_key = pg_key(PG_P256);
	root = pg_cert(&ca, root_key, NULL, NULL);
	inter = pg_cert(&ica, inter_key, root, root_key);
	other = pg_cert(&oca, other_key, NULL, NULL);
	pg_write_cert(path("ca.pem"), root, false);
	pg_write_cert(path("other.pem"), other, false);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(root_key);
	EVP_PKEY_free(inter_key);
	EVP_PKEY_free(other_key);
	X509_free(root);
	X509_free(inter);
	X509_free(other);
	return pg_dir_remove();
}

/* Host NAME's credential: a key of type kt, a certificate for san from
 * issuer (and the intermediate in the file when it issued it). */
static struct pki_cred *
cred(const char *name, enum pg_key kt, const char *san, X509 *issuer,
    EVP_PKEY *ikey)
{
	struct pg_cert spec = { name, san, false, -3600, 86400, NULL };
	char c[64], k[64], why[PKI_WHY_MAX];
	EVP_PKEY *key = pg_key(kt);
	X509 *x = pg_cert(&spec, key, issuer, ikey);
	struct pki_cred *cr;

	snprintf(c, sizeof(c), "%s.pem", name);
	snprintf(k, sizeof(k), "%s.key", name);
	pg_write_cert(path(c), x, false);
	if (issuer == inter)
		pg_write_cert(path(c), inter, true);
	pg_write_key(path(k), key);
	if (pki_cred_load(path(c), path(k), NULL, &cr, why, sizeof(why)) != 0)
		fail_msg("%s: %s", name, why);
	X509_free(x);
	EVP_PKEY_free(key);
	return cr;
}

static struct pki_ca *
cas(const char *file)
{
	struct pki_ca *ca;
	char why[PKI_WHY_MAX];

	if (pki_ca_load(path(file), NULL, &ca, why, sizeof(why)) != 0)
		fail_msg("%s: %s", file, why);
	return ca;
}

/* Side i with cred and ca (NULL cred: the PSK). */
static void
add(int i, struct pki_cred *cr, struct pki_ca *ca, enum ike_start start)
{
	struct ike_peer_conf pc;

	ep_side_conf(&pc, i, start);
	pc.cred = cr;
	pc.ca = ca;
	pc.retransmit_timeout = 0.5;
	assert_int_equal(ike_peer_add(pair.side[i].eng, &pc), 0);
}

static int
peer_cert_of(const struct ep_side *s, const char *peer, char *subj,
    size_t len)
{
	struct ike_snapshot *snap = ike_snapshot_take(s->eng, peer);
	int n;

	assert_non_null(snap);
	n = (int)snap->n_sas;
	if (n > 0)
		snprintf(subj, len, "%s", snap->sas[0].peer_cert_subject);
	ike_snapshot_free(snap);
	return n;
}

static void
up_with(enum pg_key ka, enum pg_key kb, bool legacy, bool pss, X509 *issuer,
    EVP_PKEY *ikey, const char *what)
{
	struct pki_cred *ca_ = cred("a", ka, "IP:2001:db8::1", issuer, ikey);
	struct pki_cred *cb = cred("b", kb, "IP:2001:db8::2", issuer, ikey);
	struct pki_ca *ca = cas("ca.pem");
	struct ike_peer_conf pc;
	char subj[PKI_NAME_MAX];

	ep_init(&pair);
	if (legacy)
		ike_engine_set_signature_hashes(B->eng, false);
	ep_side_conf(&pc, 0, IKE_START_START);
	pc.cred = ca_;
	pc.ca = ca;
	pc.rsa_pss = pss;
	assert_int_equal(ike_peer_add(A->eng, &pc), 0);
	add(1, cb, ca, IKE_START_ADD);
	assert_true(ep_run_until(&pair, 10, ep_both_up, NULL));
	assert_int_equal(peer_cert_of(A, "B", subj, sizeof(subj)), 1);
	assert_string_equal(subj, "O = vtid test, CN = b");
	assert_int_equal(peer_cert_of(B, "A", subj, sizeof(subj)), 1);
	assert_string_equal(subj, "O = vtid test, CN = a");
	print_message("up: %s (%s / %s)\n", what, pki_cred_key_name(ca_),
	    pki_cred_key_name(cb));
	ep_free(&pair);
	pki_cred_unref(ca_);
	pki_cred_unref(cb);
	pki_ca_unref(ca);
}

static void
test_key_types(void **state)
{
	(void)state;
	up_with(PG_RSA2048, PG_RSA2048, false, false, root, root_key,
	    "RSA, RFC 7427 PKCS#1 v1.5");
	up_with(PG_RSA2048, PG_P256, false, true, root, root_key,
	    "RSA-PSS and ECDSA P-256, RFC 7427");
	up_with(PG_P384, PG_ED25519, false, false, root, root_key,
	    "ECDSA P-384 and Ed25519, RFC 7427");
	up_with(PG_P256, PG_RSA2048, true, false, root, root_key,
	    "ECDSA method 9 and RSA method 1 (B sends no "
	    "SIGNATURE_HASH_ALGORITHMS)");
	up_with(PG_P256, PG_P256, false, false, inter, inter_key,
	    "through an intermediate each sends");
}

static bool
refused(struct engine_pair *ep, void *arg)
{
	(void)arg;
	return ike_engine_stats(ep->side[0].eng)->auth_failed +
	    ike_engine_stats(ep->side[1].eng)->auth_failed >= 1 &&
	    ep->side[0].sas == 0 && ep->side[1].sas == 0 &&
	    ike_peer_state(ep->side[0].eng, "B") != IKE_PEER_UP;
}

static void
refuse(struct pki_cred *ca_, struct pki_ca *caa, struct pki_cred *cb,
    struct pki_ca *cab, const char *what)
{
	ep_init(&pair);
	add(0, ca_, caa, IKE_START_START);
	add(1, cb, cab, IKE_START_ADD);
	assert_true(ep_run_until(&pair, 3, refused, NULL));
	assert_int_equal(A->sas, 0);
	assert_int_equal(B->sas, 0);
	print_message("refused: %s\n", what);
	ep_free(&pair);
}

static void
test_refused(void **state)
{
	struct pki_cred *a = cred("a", PG_P256, "IP:2001:db8::1", root,
	    root_key);
	struct pki_cred *b = cred("b", PG_P256, "IP:2001:db8::2", root,
	    root_key);
	struct pki_cred *wrong_id = cred("w", PG_P256, "IP:2001:db8::9", root,
	    root_key);
	struct pki_cred *foreign = cred("f", PG_P256, "IP:2001:db8::1", other,
	    other_key);
	struct pki_ca *ca = cas("ca.pem"), *oca = cas("other.pem");

	(void)state;
	refuse(foreign, ca, b, ca, "A's certificate from a CA B does not "
	    "trust");
	refuse(wrong_id, ca, b, ca, "A's certificate for 2001:db8::9, its "
	    "identity 2001:db8::1");
	refuse(a, oca, b, oca, "B's CAs do not include A's issuer (nor A's "
	    "B's)");
	refuse(a, ca, NULL, NULL, "A signs, B has a PSK");
	refuse(NULL, NULL, b, ca, "A has a PSK, B wants a certificate");
	pki_cred_unref(a);
	pki_cred_unref(b);
	pki_cred_unref(wrong_id);
	pki_cred_unref(foreign);
	pki_ca_unref(ca);
	pki_ca_unref(oca);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_types),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
