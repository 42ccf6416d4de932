/* src/pki against a PKI made here (pkigen.c): signatures of every method
 * and key type, made and checked, and refused once anything is changed;
 * the decisions on a peer's chain and identity, and on our own
 * credential, as data tables. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "pki/pki.h"
#include "pkigen.h"

static char dir[] = "/tmp/vtid-test-pki-XXXXXX";
static EVP_PKEY *root_key, *inter_key, *other_key;
static X509 *root, *inter, *other;

#define path(n)	pg_path(n)

static int
setup(void **state)
{
	static const struct pg_cert ca = { "vtid test root", NULL, true,
	    -86400, 10 * 86400, NULL };
	static const struct pg_cert ica = { "vtid test intermediate", NULL,
	    true, -86400, 10 * 86400, NULL };
	static const struct pg_cert oca = { "some other CA", NULL, true,
	    -86400, 10 * 86400, NULL };

	(void)state;
	if (pg_dir_make(dir) == -1)
		return -1;
	root_key = pg_key(PG_P256);
	inter_key = pg_key(PG_RSA2048);
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
	if (pg_dir_remove() == -1)
		return -1;
	EVP_PKEY_free(root_key);
	EVP_PKEY_free(inter_key);
	EVP_PKEY_free(other_key);
	X509_free(root);
	X509_free(inter);
	X509_free(other);
	return 0;
}

/* A host certificate with its key, written as NAME.pem / NAME.key. */
static X509 *
host(const char *name, enum pg_key kt, const struct pg_cert *spec,
    X509 *issuer, EVP_PKEY *ikey, EVP_PKEY **keyp)
{
	char f[64];
	EVP_PKEY *k = pg_key(kt);
	X509 *x = pg_cert(spec, k, issuer, ikey);

	snprintf(f, sizeof(f), "%s.pem", name);
	pg_write_cert(path(f), x, false);
	snprintf(f, sizeof(f), "%s.key", name);
	pg_write_key(path(f), k);
	if (keyp != NULL)
		*keyp = k;
	else
		EVP_PKEY_free(k);
	return x;
}

static const struct pg_cert good = { "host.example",
    "IP:2001:db8::1,DNS:host.example,email:ike@host.example", false, -3600,
    86400, NULL };

static const char signed_octets[] = "IKE_SA_INIT | Nr | prf(SK_pi, IDi')";

/* Sign as credential NAME, check as its peer would. */
static void
sign_and_check(const char *name, bool pss, unsigned hashes, uint8_t want)
{
	struct pki_ca *ca;
	struct pki_cred *cred;
	struct pki_peer *peer;
	const uint8_t *der[PKI_CHAIN_MAX];
	size_t len[PKI_CHAIN_MAX], n, alen;
	uint8_t auth[PKI_SIG_MAX], data[sizeof(signed_octets)], method;
	char why[PKI_WHY_MAX], f1[64], f2[64];

	snprintf(f1, sizeof(f1), "%s.pem", name);
	snprintf(f2, sizeof(f2), "%s.key", name);
	assert_int_equal(pki_ca_load(path("ca.pem"), NULL, &ca, why,
	    sizeof(why)), 0);
	if (pki_cred_load(path(f1), path(f2), ca, &cred, why, sizeof(why)))
		fail_msg("%s: %s", name, why);
	n = pki_cred_chain(cred, der, len);
	assert_int_equal(pki_peer_check(ca, der, len, n, time(NULL), &peer,
	    why, sizeof(why)), 0);
	memcpy(data, signed_octets, sizeof(data));
	if (pki_sign(cred, hashes, pss, data, sizeof(data), &method, auth,
	    sizeof(auth), &alen, why, sizeof(why)) != 0)
		fail_msg("%s: sign: %s", name, why);
	assert_int_equal(method, want);
	if (pki_verify(peer, method, auth, alen, data, sizeof(data), why,
	    sizeof(why)) != 0)
		fail_msg("%s: verify: %s", name, why);
	/* Anything changed: refused. */
	data[3] ^= 1;
	assert_int_equal(pki_verify(peer, method, auth, alen, data,
	    sizeof(data), why, sizeof(why)), -1);
	data[3] ^= 1;
	auth[alen - 1] ^= 1;
	assert_int_equal(pki_verify(peer, method, auth, alen, data,
	    sizeof(data), why, sizeof(why)), -1);
	auth[alen - 1] ^= 1;
	/* Another method than the one signed with. */
	if (method != PKI_AUTH_DIGITAL_SIG)
		assert_int_equal(pki_verify(peer, method == PKI_AUTH_RSA ?
		    PKI_AUTH_ECDSA_256 : PKI_AUTH_RSA, auth, alen, data,
		    sizeof(data), why, sizeof(why)), -1);
	print_message("%-8s %s%s: method %u, %zu bytes of AUTH, verified; "
	    "changed data or signature refused\n", pki_cred_key_name(cred),
	    hashes == 0 ? "legacy" : "RFC 7427", pss ? " PSS" : "", method,
	    alen);
	pki_peer_free(peer);
	pki_cred_unref(cred);
	pki_ca_unref(ca);
}

static void
test_signatures(void **state)
{
	static const struct {
		const char	*name;
		enum pg_key	 kt;
		uint8_t		 legacy;	/* 0: none */
	} keys[] = {
		{ "rsa", PG_RSA2048, PKI_AUTH_RSA },
		{ "p256", PG_P256, PKI_AUTH_ECDSA_256 },
		{ "p384", PG_P384, PKI_AUTH_ECDSA_384 },
		{ "ed25519", PG_ED25519, 0 },
	};
	struct pki_ca *ca;
	struct pki_cred *cred;
	uint8_t auth[PKI_SIG_MAX], m;
	size_t i, alen;
	char why[PKI_WHY_MAX];
	X509 *x;

	(void)state;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		x = host(keys[i].name, keys[i].kt, &good, root, root_key, NULL);
		X509_free(x);
		sign_and_check(keys[i].name, false, PKI_HASHES_OURS,
		    PKI_AUTH_DIGITAL_SIG);
		if (keys[i].kt == PG_RSA2048) {
			sign_and_check("rsa", true, PKI_HASHES_OURS,
			    PKI_AUTH_DIGITAL_SIG);
			sign_and_check("rsa", true, PKI_HASH_BIT(
			    PKI_HASH_SHA512), PKI_AUTH_DIGITAL_SIG);
		}
		if (keys[i].kt == PG_P256)
			sign_and_check("p256", false, PKI_HASH_BIT(
			    PKI_HASH_SHA384), PKI_AUTH_DIGITAL_SIG);
		if (keys[i].legacy != 0) {
			sign_and_check(keys[i].name, false, 0, keys[i].legacy);
			continue;
		}
		/* Ed25519 needs RFC 7427, and the Identity hash. */
		assert_int_equal(pki_ca_load(path("ca.pem"), NULL, &ca, why,
		    sizeof(why)), 0);
		assert_int_equal(pki_cred_load(path("ed25519.pem"),
		    path("ed25519.key"), ca, &cred, why, sizeof(why)), 0);
		assert_int_equal(pki_sign(cred, 0, false, auth, 8, &m, auth,
		    sizeof(auth), &alen, why, sizeof(why)), -1);
		print_message("Ed25519 to a peer without RFC 7427: %s\n", why);
		assert_int_equal(pki_sign(cred, PKI_HASH_BIT(PKI_HASH_SHA256),
		    false, auth, 8, &m, auth, sizeof(auth), &alen, why,
		    sizeof(why)), -1);
		print_message("Ed25519 to a peer taking SHA-256 only: %s\n",
		    why);
		pki_cred_unref(cred);
		pki_ca_unref(ca);
	}
}

struct chain_case {
	const char	*what;
	X509		*x;
	X509		*sent;		/* an intermediate sent along */
	bool		 crl;
	const char	*want;		/* NULL: accepted */
};

/* A peer's chain: each case one certificate (and what it sends with it),
 * the CAs and CRL we hold, and the verdict. */
static void
test_chains(void **state)
{
	static const struct pg_cert expired = { "expired.example", "IP:2001:db8::1",
	    false, -86400, -3600, NULL };
	static const struct pg_cert future = { "future.example", "IP:2001:db8::1",
	    false, 3600, 86400, NULL };
	static const struct pg_cert nosig = { "nosig.example", "IP:2001:db8::1",
	    false, -3600, 86400, "critical,keyEncipherment" };
	struct chain_case t[8];
	X509 *revoked[2] = { NULL, NULL };
	X509_CRL *crl;
	struct pki_ca *ca, *ca_crl;
	struct pki_peer *p;
	const uint8_t *der[2];
	uint8_t *buf[2];
	size_t len[2], n, i, k;
	char why[PKI_WHY_MAX];

	(void)state;
	memset(t, 0, sizeof(t));
	t[0] = (struct chain_case){ "good", host("c0", PG_P256, &good, root,
	    root_key, NULL), NULL, false, NULL };
	t[1] = (struct chain_case){ "through an intermediate it sends", host("c1",
	    PG_P256, &good, inter, inter_key, NULL), inter, false, NULL };
	t[2] = (struct chain_case){ "through an intermediate it does not send",
	    host("c2", PG_P256, &good, inter, inter_key, NULL), NULL, false,
	    "unable to get local issuer certificate" };
	t[3] = (struct chain_case){ "unknown CA", host("c3", PG_P256, &good, other,
	    other_key, NULL), NULL, false,
	    "unable to get local issuer certificate" };
	t[4] = (struct chain_case){ "expired", host("c4", PG_P256, &expired, root,
	    root_key, NULL), NULL, false, "certificate has expired" };
	t[5] = (struct chain_case){ "not yet valid", host("c5", PG_P256, &future,
	    root, root_key, NULL), NULL, false, "certificate is not yet valid" };
	t[6] = (struct chain_case){ "revoked", host("c6", PG_P256, &good, root,
	    root_key, NULL), NULL, true, "certificate revoked" };
	t[7] = (struct chain_case){ "key usage without digitalSignature", host("c7",
	    PG_P256, &nosig, root, root_key, NULL), NULL, false,
	    "key usage does not allow signatures" };
	revoked[0] = t[6].x;
	crl = pg_crl(root, root_key, revoked);
	pg_write_crl(path("crl.pem"), crl);
	X509_CRL_free(crl);
	assert_int_equal(pki_ca_load(path("ca.pem"), NULL, &ca, why,
	    sizeof(why)), 0);
	assert_int_equal(pki_ca_load(path("ca.pem"), path("crl.pem"), &ca_crl,
	    why, sizeof(why)), 0);
	assert_false(pki_ca_equal(ca, ca_crl));
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		n = 0;
		buf[0] = buf[1] = NULL;
		len[n] = (size_t)i2d_X509(t[i].x, &buf[n]);
		der[n] = buf[n];
		n++;
		if (t[i].sent != NULL) {
			len[n] = (size_t)i2d_X509(t[i].sent, &buf[n]);
			der[n] = buf[n];
			n++;
		}
		why[0] = '\0';
		k = (size_t)pki_peer_check(t[i].crl ? ca_crl : ca, der, len, n,
		    time(NULL), &p, why, sizeof(why));
		if (t[i].want == NULL && k != 0)
			fail_msg("%s: refused: %s", t[i].what, why);
		if (t[i].want != NULL && (k == 0 || strstr(why, t[i].want) ==
		    NULL))
			fail_msg("%s: %s, want '%s'", t[i].what, k == 0 ?
			    "accepted" : why, t[i].want);
		print_message("%-40s %s\n", t[i].what, k == 0 ? "accepted" :
		    why);
		pki_peer_free(p);
		OPENSSL_free(buf[0]);
		OPENSSL_free(buf[1]);
	}
	/* The same good certificate passes with the CRL (not revoked). */
	buf[0] = NULL;
	len[0] = (size_t)i2d_X509(t[0].x, &buf[0]);
	der[0] = buf[0];
	assert_int_equal(pki_peer_check(ca_crl, der, len, 1, time(NULL), &p,
	    why, sizeof(why)), 0);
	/* A reload's CRL revoking it: recheck refuses what was accepted. */
	revoked[0] = t[0].x;
	crl = pg_crl(root, root_key, revoked);
	pg_write_crl(path("crl2.pem"), crl);
	X509_CRL_free(crl);
	pki_ca_unref(ca);
	assert_int_equal(pki_ca_load(path("ca.pem"), path("crl2.pem"), &ca,
	    why, sizeof(why)), 0);
	assert_int_equal(pki_peer_recheck(p, ca, time(NULL), why, sizeof(why)),
	    -1);
	assert_non_null(strstr(why, "certificate revoked"));
	print_message("recheck after a new CRL: %s\n", why);
	pki_peer_free(p);
	OPENSSL_free(buf[0]);
	pki_ca_unref(ca);
	pki_ca_unref(ca_crl);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		X509_free(t[i].x);
}

/* The identities a certificate carries, and those it does not. */
static void
test_identities(void **state)
{
	static const struct {
		uint8_t		 type;
		const char	*id;
		bool		 in;
	} t[] = {
		{ 5, "2001:db8::1", true },
		{ 5, "2001:db8::9", false },
		{ 1, "192.0.2.1", false },
		{ 2, "host.example", true },
		{ 2, "other.example", false },
		{ 2, "HOST.example", true },	/* DNS is not case-sensitive */
		{ 3, "ike@host.example", true },
		{ 3, "root@host.example", false },
		{ 9, NULL, true },		/* its subject DN */
		{ 11, "host.example", false },	/* KEY_ID: never */
	};
	struct pki_ca *ca;
	struct pki_peer *p;
	const uint8_t *der[1];
	uint8_t *buf = NULL, *dn = NULL, addr[16];
	size_t len[1], i, n;
	char why[PKI_WHY_MAX];
	X509 *x;
	int dl;

	(void)state;
	x = host("ids", PG_P256, &good, root, root_key, NULL);
	len[0] = (size_t)i2d_X509(x, &buf);
	der[0] = buf;
	assert_int_equal(pki_ca_load(path("ca.pem"), NULL, &ca, why,
	    sizeof(why)), 0);
	assert_int_equal(pki_peer_check(ca, der, len, 1, time(NULL), &p, why,
	    sizeof(why)), 0);
	dl = i2d_X509_NAME(X509_get_subject_name(x), &dn);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		bool got;

		if (t[i].type == 9)
			got = pki_peer_has_id(p, 9, dn, (size_t)dl);
		else if (t[i].type == 1 || t[i].type == 5) {
			n = t[i].type == 1 ? 4 : 16;
			assert_int_equal(inet_pton(t[i].type == 1 ? AF_INET :
			    AF_INET6, t[i].id, addr), 1);
			got = pki_peer_has_id(p, t[i].type, addr, n);
		} else
			got = pki_peer_has_id(p, t[i].type, (const uint8_t *)
			    t[i].id, strlen(t[i].id));
		if (got != t[i].in)
			fail_msg("identity type %u %s: %d", t[i].type,
			    t[i].id != NULL ? t[i].id : "(subject)", got);
	}
	print_message("identities: %zu cases (IP, FQDN, email in "
	    "subjectAltName, the subject DN; KEY_ID never)\n", i);
	assert_string_equal(pki_peer_subject(p),
	    "O = vtid test, CN = host.example");
	assert_string_equal(pki_peer_issuer(p),
	    "O = vtid test, CN = vtid test root");
	pki_peer_free(p);
	pki_ca_unref(ca);
	OPENSSL_free(buf);
	OPENSSL_free(dn);
	X509_free(x);
}

/* Our own credential: what pki_cred_load refuses, and why. */
static void
test_credentials(void **state)
{
	static const struct pg_cert expired = { "old.example", NULL, false,
	    -86400, -60, NULL };
	struct pki_ca *ca, *oca;
	struct pki_cred *c;
	char why[PKI_WHY_MAX];
	X509 *x;
	EVP_PKEY *k;
	uint8_t ids[64];

	(void)state;
	assert_int_equal(pki_ca_load(path("ca.pem"), NULL, &ca, why,
	    sizeof(why)), 0);
	assert_int_equal(pki_ca_load(path("other.pem"), NULL, &oca, why,
	    sizeof(why)), 0);
	assert_int_equal(pki_ca_count(ca), 1);
	assert_int_equal(pki_ca_keyids(ca, ids, sizeof(ids)), PKI_KEYID_LEN);
	x = host("mine", PG_P256, &good, root, root_key, NULL);
	X509_free(x);
	x = host("old", PG_P256, &expired, root, root_key, NULL);
	X509_free(x);
	k = pg_key(PG_P256);
	pg_write_key(path("wrong.key"), k);
	EVP_PKEY_free(k);
	assert_int_equal(pki_cred_load(path("mine.pem"), path("wrong.key"),
	    ca, &c, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "key does not match the certificate"));
	print_message("wrong key: %s\n", why);
	assert_int_equal(pki_cred_load(path("old.pem"), path("old.key"), ca,
	    &c, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "expired"));
	print_message("expired: %s\n", why);
	assert_int_equal(pki_cred_load(path("mine.pem"), path("mine.key"),
	    oca, &c, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "unable to get local issuer certificate"));
	print_message("CA missing: %s\n", why);
	assert_int_equal(pki_cred_load(path("absent.pem"), path("mine.key"),
	    ca, &c, why, sizeof(why)), -1);
	print_message("no file: %s\n", why);
	/* With its intermediate in the same file. */
	x = host("leaf", PG_P256, &good, inter, inter_key, NULL);
	pg_write_cert(path("leaf.pem"), inter, true);
	X509_free(x);
	assert_int_equal(pki_cred_load(path("leaf.pem"), path("leaf.key"), ca,
	    &c, why, sizeof(why)), 0);
	{
		const uint8_t *der[PKI_CHAIN_MAX];
		size_t len[PKI_CHAIN_MAX];

		assert_int_equal(pki_cred_chain(c, der, len), 2);
	}
	pki_cred_unref(c);
	print_message("certificate and its intermediate in one file: a chain "
	    "of 2\n");
	pki_ca_unref(ca);
	pki_ca_unref(oca);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signatures),
		cmocka_unit_test(test_chains),
		cmocka_unit_test(test_identities),
		cmocka_unit_test(test_credentials),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
