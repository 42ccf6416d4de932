/* A test PKI (see pkigen.h). Any failure aborts: the tests cannot run
 * without it. */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "pkigen.h"

static void
must(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "pkigen: %s failed\n", what);
		abort();
	}
}

EVP_PKEY *
pg_key(enum pg_key t)
{
	EVP_PKEY *k = NULL;

	switch (t) {
	case PG_RSA2048:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
		break;
	case PG_P256:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		break;
	case PG_P384:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
		break;
	case PG_ED25519:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		break;
	}
	must(k != NULL, "keygen");
	return k;
}

static void
ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx(&ctx, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	must(e != NULL && X509_add_ext(x, e, -1) == 1, value);
	X509_EXTENSION_free(e);
}

X509 *
pg_cert(const struct pg_cert *c, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey)
{
	static long serial = 1;
	X509 *x = X509_new();
	X509_NAME *n;
	const EVP_MD *md;

	must(x != NULL, "X509_new");
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), ++serial);
	X509_gmtime_adj(X509_getm_notBefore(x), c->from);
	X509_gmtime_adj(X509_getm_notAfter(x), c->to);
	must(X509_set_pubkey(x, key) == 1, "set_pubkey");
	n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC,
	    (const unsigned char *)"vtid test", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)c->cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer != NULL ?
	    X509_get_subject_name(issuer) : n);
	if (c->ca) {
		ext(x, issuer, NID_basic_constraints, "critical,CA:TRUE");
		ext(x, issuer, NID_key_usage, c->key_usage != NULL ?
		    c->key_usage : "critical,keyCertSign,cRLSign");
	} else
		ext(x, issuer, NID_key_usage, c->key_usage != NULL ?
		    c->key_usage : "critical,digitalSignature");
	ext(x, issuer, NID_subject_key_identifier, "hash");
	if (c->san != NULL)
		ext(x, issuer, NID_subject_alt_name, c->san);
	if (ikey == NULL)
		ikey = key;
	md = EVP_PKEY_is_a(ikey, "ED25519") ? NULL : EVP_sha256();
	must(X509_sign(x, ikey, md) > 0, "X509_sign");
	return x;
}

X509_CRL *
pg_crl(X509 *issuer, EVP_PKEY *ikey, X509 *const *revoked)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t = ASN1_TIME_new();
	X509_REVOKED *r;
	size_t i;

	must(crl != NULL && t != NULL, "CRL_new");
	X509_CRL_set_version(crl, 1);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer));
	X509_gmtime_adj(t, -3600);
	X509_CRL_set1_lastUpdate(crl, t);
	X509_gmtime_adj(t, 86400);
	X509_CRL_set1_nextUpdate(crl, t);
	for (i = 0; revoked != NULL && revoked[i] != NULL; i++) {
		r = X509_REVOKED_new();
		X509_gmtime_adj(t, -60);
		X509_REVOKED_set_serialNumber(r,
		    X509_get_serialNumber(revoked[i]));
		X509_REVOKED_set_revocationDate(r, t);
		X509_CRL_add0_revoked(crl, r);
	}
	X509_CRL_sort(crl);
	must(X509_CRL_sign(crl, ikey, EVP_PKEY_is_a(ikey, "ED25519") ? NULL :
	    EVP_sha256()) > 0, "CRL_sign");
	ASN1_TIME_free(t);
	return crl;
}

static const char *pg_dir;

int
pg_dir_make(char *tmpl)
{
	pg_dir = mkdtemp(tmpl);
	return pg_dir != NULL ? 0 : -1;
}

const char *
pg_path(const char *name)
{
	static char buf[8][256];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", pg_dir, name);
	return buf[i];
}

int
pg_dir_remove(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", pg_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static FILE *
open_or_die(const char *path, const char *mode)
{
	FILE *f = fopen(path, mode);

	must(f != NULL, path);
	return f;
}

void
pg_write_cert(const char *path, X509 *x, bool append)
{
	FILE *f = open_or_die(path, append ? "a" : "w");

	must(PEM_write_X509(f, x) == 1, "PEM_write_X509");
	fclose(f);
}

void
pg_write_key(const char *path, EVP_PKEY *k)
{
	FILE *f = open_or_die(path, "w");

	must(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) == 1,
	    "PEM_write_PrivateKey");
	fclose(f);
}

void
pg_write_crl(const char *path, X509_CRL *c)
{
	FILE *f = open_or_die(path, "w");

	must(PEM_write_X509_CRL(f, c) == 1, "PEM_write_X509_CRL");
	fclose(f);
}
