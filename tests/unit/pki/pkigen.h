/* A test PKI made in memory with OpenSSL's X509 API and written as PEM:
 * keys of each type, CA, intermediate and host certificates with chosen
 * validity, subjectAltName and key usage, CRLs. For the unit tests of
 * src/pki and of the engine with certificates. */
#ifndef VTID_TEST_PKIGEN_H
#define VTID_TEST_PKIGEN_H

#include <stdbool.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

enum pg_key { PG_RSA2048, PG_P256, PG_P384, PG_ED25519 };

struct pg_cert {
	const char	*cn;
	const char	*san;		/* "IP:2001:db8::1,DNS:a.example" */
	bool		 ca;
	long		 from, to;	/* validity, seconds from now */
	const char	*key_usage;	/* NULL: digitalSignature (CA: sign) */
};

EVP_PKEY	*pg_key(enum pg_key);
/* Signed by issuer/ikey, or self-signed when issuer is NULL. */
X509		*pg_cert(const struct pg_cert *, EVP_PKEY *key, X509 *issuer,
		    EVP_PKEY *ikey);
/* A CRL of issuer revoking these serials (NULL-terminated list of
 * certificates). */
X509_CRL	*pg_crl(X509 *issuer, EVP_PKEY *ikey, X509 *const *revoked);
/* The test's directory: made from a mkdtemp template, NAME's path in
 * it (a rotating buffer: up to 8 at once), removed with what it holds. */
int		 pg_dir_make(char *tmpl);
const char	*pg_path(const char *name);
int		 pg_dir_remove(void);
/* PEM files; append adds to what is there. */
void		 pg_write_cert(const char *path, X509 *, bool append);
void		 pg_write_key(const char *path, EVP_PKEY *);
void		 pg_write_crl(const char *path, X509_CRL *);

#endif
