/* Certificates, keys and IKEv2 signatures (see pki.h). */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/asn1t.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "pki/pki.h"
#include "util/log.h"

#define PKI_CA_MAX		64	/* anchors in one set */
#define PKI_ALGID_MAX		96	/* an AlgorithmIdentifier, DER */

struct pki_ca {
	unsigned int	 refs;
	X509_STORE	*store;
	bool		 crl;
	size_t		 n;		/* anchors */
	uint8_t		 keyid[PKI_CA_MAX][PKI_KEYID_LEN];
	/* SHA-256 over every anchor's and CRL's DER, in order: equality. */
	uint8_t		 digest[32];
};

struct pki_cred {
	unsigned int	 refs;
	EVP_PKEY	*key;
	X509		*cert;
	size_t		 n;			/* cert and intermediates */
	uint8_t		*der[PKI_CHAIN_MAX];
	size_t		 der_len[PKI_CHAIN_MAX];
	char		 subject[PKI_NAME_MAX];
	char		 key_name[80];
	time_t		 not_after;
};

struct pki_peer {
	X509		*cert;
	STACK_OF(X509)	*chain;		/* the intermediates it sent */
	EVP_PKEY	*key;		/* cert's, not a reference of ours */
	char		 subject[PKI_NAME_MAX], issuer[PKI_NAME_MAX];
	time_t		 not_after;
};

static int	fail(char *, size_t, const char *, ...) VTID_PRINTF(3, 4);

static int
fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;
	unsigned long e = ERR_peek_last_error();
	size_t n;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	/* OpenSSL's own reason, when it left one, says the rest. */
	n = strlen(why);
	if (e != 0 && n + 3 < whylen)
		snprintf(why + n, whylen - n, " (%s)", ERR_reason_error_string(e)
		    != NULL ? ERR_reason_error_string(e) : "OpenSSL error");
	ERR_clear_error();
	return -1;
}

static void
name_str(const X509_NAME *name, char *buf, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;

	buf[0] = '\0';
	if (b == NULL)
		return;
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_ONELINE &
	    ~ASN1_STRFLGS_ESC_MSB) >= 0 && (n = BIO_get_mem_data(b, &p)) > 0)
		snprintf(buf, len, "%.*s", (int)n, p);
	BIO_free(b);
}

static time_t
not_after(const X509 *x)
{
	struct tm tm;

	if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) != 1)
		return 0;
	return timegm(&tm);
}

/* ---- trust anchors ---- */

static int
sha256_update_der(EVP_MD_CTX *md, int (*i2d)(const void *, uint8_t **),
    const void *obj)
{
	uint8_t *der = NULL;
	int n = i2d(obj, &der);
	int rc = n > 0 && EVP_DigestUpdate(md, der, (size_t)n) == 1 ? 0 : -1;

	OPENSSL_free(der);
	return rc;
}

static int
i2d_x509_any(const void *x, uint8_t **out)
{
	return i2d_X509(x, out);
}

static int
i2d_crl_any(const void *x, uint8_t **out)
{
	return i2d_X509_CRL(x, out);
}

static int
ca_add(struct pki_ca *ca, EVP_MD_CTX *md, X509 *x, const char *path,
    char *why, size_t whylen)
{
	uint8_t *spki = NULL;
	unsigned int n;
	int len;

	if (ca->n == PKI_CA_MAX)
		return fail(why, whylen, "%s: more than %d CAs", path,
		    PKI_CA_MAX);
	len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &spki);
	if (len <= 0 || EVP_Digest(spki, (size_t)len, ca->keyid[ca->n], &n,
	    EVP_sha1(), NULL) != 1 || X509_STORE_add_cert(ca->store, x) != 1 ||
	    sha256_update_der(md, i2d_x509_any, x) == -1) {
		OPENSSL_free(spki);
		return fail(why, whylen, "%s: cannot add a CA", path);
	}
	OPENSSL_free(spki);
	ca->n++;
	return 0;
}

/* Every certificate of a PEM file; none is an error. */
static int
ca_file(struct pki_ca *ca, EVP_MD_CTX *md, const char *path, char *why,
    size_t whylen)
{
	FILE *f = fopen(path, "r");
	X509 *x;
	size_t before = ca->n;
	int rc = 0;

	if (f == NULL)
		return fail(why, whylen, "%s: %s", path, strerror(errno));
	while (rc == 0 && (x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
		rc = ca_add(ca, md, x, path, why, whylen);
		X509_free(x);
	}
	fclose(f);
	ERR_clear_error();	/* the end of the file */
	if (rc == 0 && ca->n == before)
		return fail(why, whylen, "%s: no PEM certificate in it", path);
	return rc;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* *.pem and *.crt of a directory, by name (the digest's order). */
static int
ca_dir(struct pki_ca *ca, EVP_MD_CTX *md, const char *path, char *why,
    size_t whylen)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char *names[PKI_CA_MAX], file[4096];
	size_t n = 0, i, l;
	int rc = 0;

	if (d == NULL)
		return fail(why, whylen, "%s: %s", path, strerror(errno));
	while ((e = readdir(d)) != NULL && n < PKI_CA_MAX) {
		l = strlen(e->d_name);
		if (l > 4 && (strcmp(e->d_name + l - 4, ".pem") == 0 ||
		    strcmp(e->d_name + l - 4, ".crt") == 0) &&
		    (names[n] = strdup(e->d_name)) != NULL)
			n++;
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), name_cmp);
	for (i = 0; i < n; i++) {
		snprintf(file, sizeof(file), "%s/%s", path, names[i]);
		if (rc == 0)
			rc = ca_file(ca, md, file, why, whylen);
		free(names[i]);
	}
	if (rc == 0 && n == 0)
		return fail(why, whylen, "%s: no *.pem or *.crt file in it",
		    path);
	return rc;
}

static int
crl_file(struct pki_ca *ca, EVP_MD_CTX *md, const char *path, char *why,
    size_t whylen)
{
	FILE *f = fopen(path, "r");
	X509_CRL *c;
	size_t n = 0;
	int rc = 0;

	if (f == NULL)
		return fail(why, whylen, "%s: %s", path, strerror(errno));
	while (rc == 0 && (c = PEM_read_X509_CRL(f, NULL, NULL, NULL)) !=
	    NULL) {
		if (X509_STORE_add_crl(ca->store, c) != 1 ||
		    sha256_update_der(md, i2d_crl_any, c) == -1)
			rc = fail(why, whylen, "%s: cannot add a CRL", path);
		X509_CRL_free(c);
		n++;
	}
	fclose(f);
	ERR_clear_error();
	if (rc == 0 && n == 0)
		return fail(why, whylen, "%s: no PEM CRL in it", path);
	return rc;
}

int
pki_ca_load(const char *path, const char *crl, struct pki_ca **out,
    char *why, size_t whylen)
{
	struct pki_ca *ca;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	struct stat st;
	unsigned int dl;
	int rc;

	*out = NULL;
	if (md == NULL || (ca = calloc(1, sizeof(*ca))) == NULL) {
		EVP_MD_CTX_free(md);
		return fail(why, whylen, "out of memory");
	}
	ca->refs = 1;
	if ((ca->store = X509_STORE_new()) == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		rc = fail(why, whylen, "out of memory");
	else if (stat(path, &st) == -1)
		rc = fail(why, whylen, "%s: %s", path, strerror(errno));
	else
		rc = S_ISDIR(st.st_mode) ? ca_dir(ca, md, path, why, whylen) :
		    ca_file(ca, md, path, why, whylen);
	if (rc == 0 && crl != NULL) {
		rc = crl_file(ca, md, crl, why, whylen);
		ca->crl = true;
		X509_STORE_set_flags(ca->store, X509_V_FLAG_CRL_CHECK);
	}
	if (rc == 0 && EVP_DigestFinal_ex(md, ca->digest, &dl) != 1)
		rc = fail(why, whylen, "digest");
	EVP_MD_CTX_free(md);
	if (rc == -1) {
		pki_ca_unref(ca);
		return -1;
	}
	*out = ca;
	return 0;
}

struct pki_ca *
pki_ca_ref(struct pki_ca *ca)
{
	if (ca != NULL)
		ca->refs++;
	return ca;
}

void
pki_ca_unref(struct pki_ca *ca)
{
	if (ca == NULL || --ca->refs > 0)
		return;
	X509_STORE_free(ca->store);
	free(ca);
}

bool
pki_ca_equal(const struct pki_ca *a, const struct pki_ca *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return memcmp(a->digest, b->digest, sizeof(a->digest)) == 0;
}

size_t
pki_ca_keyids(const struct pki_ca *ca, uint8_t *out, size_t cap)
{
	size_t i;

	for (i = 0; i < ca->n && (i + 1) * PKI_KEYID_LEN <= cap; i++)
		memcpy(out + i * PKI_KEYID_LEN, ca->keyid[i], PKI_KEYID_LEN);
	return i * PKI_KEYID_LEN;
}

size_t
pki_ca_count(const struct pki_ca *ca)
{
	return ca->n;
}

/* ---- chains ---- */

/* x (and the untrusted intermediates) against ca at now: 0, or -1 and
 * OpenSSL's reason, with the subject of the certificate it concerns. */
static int
chain_check(const struct pki_ca *ca, X509 *x, STACK_OF(X509) *untrusted,
    time_t now, char *why, size_t whylen)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	char subj[PKI_NAME_MAX];
	X509 *bad;
	int err, rc = -1;

	if (ctx == NULL || X509_STORE_CTX_init(ctx, ca->store, x,
	    untrusted) != 1) {
		X509_STORE_CTX_free(ctx);
		return fail(why, whylen, "out of memory");
	}
	X509_STORE_CTX_set_time(ctx, 0, now);
	if (X509_verify_cert(ctx) == 1)
		rc = 0;
	else {
		err = X509_STORE_CTX_get_error(ctx);
		bad = X509_STORE_CTX_get_current_cert(ctx);
		name_str(X509_get_subject_name(bad != NULL ? bad : x), subj,
		    sizeof(subj));
		snprintf(why, whylen, "%s: %s", X509_verify_cert_error_string(
		    err), subj);
	}
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}

static void
key_name(EVP_PKEY *k, char *buf, size_t len)
{
	char group[64];
	size_t gl;

	if (EVP_PKEY_is_a(k, "RSA"))
		snprintf(buf, len, "RSA-%d", EVP_PKEY_get_bits(k));
	else if (EVP_PKEY_is_a(k, "EC") && EVP_PKEY_get_utf8_string_param(k,
	    OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &gl) == 1)
		snprintf(buf, len, "ECDSA %s", strcmp(group, "prime256v1") ==
		    0 ? "P-256" : strcmp(group, "secp384r1") == 0 ? "P-384" :
		    strcmp(group, "secp521r1") == 0 ? "P-521" : group);
	else if (EVP_PKEY_is_a(k, "ED25519"))
		snprintf(buf, len, "Ed25519");
	else
		snprintf(buf, len, "%s", EVP_PKEY_get0_type_name(k));
}

static bool
key_supported(EVP_PKEY *k)
{
	return EVP_PKEY_is_a(k, "RSA") || EVP_PKEY_is_a(k, "EC") ||
	    EVP_PKEY_is_a(k, "ED25519");
}

static void
cred_free(struct pki_cred *c)
{
	size_t i;

	EVP_PKEY_free(c->key);
	X509_free(c->cert);
	for (i = 0; i < c->n; i++)
		OPENSSL_free(c->der[i]);
	free(c);
}

static int
cred_read(struct pki_cred *c, const char *cert, const char *key,
    STACK_OF(X509) *inter, char *why, size_t whylen)
{
	FILE *f;
	X509 *x;
	int n;

	if ((f = fopen(cert, "r")) == NULL)
		return fail(why, whylen, "%s: %s", cert, strerror(errno));
	while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
		if (c->n == PKI_CHAIN_MAX) {
			X509_free(x);
			fclose(f);
			return fail(why, whylen, "%s: more than %d certificates",
			    cert, PKI_CHAIN_MAX);
		}
		if ((n = i2d_X509(x, &c->der[c->n])) <= 0) {
			X509_free(x);
			fclose(f);
			return fail(why, whylen, "%s: cannot encode", cert);
		}
		c->der_len[c->n++] = (size_t)n;
		if (c->cert == NULL)
			c->cert = x;
		else if (sk_X509_push(inter, x) == 0) {
			X509_free(x);
			fclose(f);
			return fail(why, whylen, "out of memory");
		}
	}
	fclose(f);
	ERR_clear_error();
	if (c->cert == NULL)
		return fail(why, whylen, "%s: no PEM certificate in it", cert);
	if ((f = fopen(key, "r")) == NULL)
		return fail(why, whylen, "%s: %s", key, strerror(errno));
	c->key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (c->key == NULL)
		return fail(why, whylen, "%s: no unencrypted PEM private key in "
		    "it", key);
	return 0;
}

int
pki_cred_load(const char *cert, const char *key, const struct pki_ca *ca,
    struct pki_cred **out, char *why, size_t whylen)
{
	struct pki_cred *c;
	STACK_OF(X509) *inter = sk_X509_new_null();
	time_t now = time(NULL);
	int rc = -1;

	*out = NULL;
	if (inter == NULL || (c = calloc(1, sizeof(*c))) == NULL) {
		sk_X509_free(inter);
		return fail(why, whylen, "out of memory");
	}
	c->refs = 1;
	if (cred_read(c, cert, key, inter, why, whylen) == -1)
		goto done;
	name_str(X509_get_subject_name(c->cert), c->subject,
	    sizeof(c->subject));
	c->not_after = not_after(c->cert);
	key_name(c->key, c->key_name, sizeof(c->key_name));
	if (!key_supported(c->key)) {
		fail(why, whylen, "%s: a %s key: vtid signs with RSA, ECDSA or "
		    "Ed25519", key, c->key_name);
		goto done;
	}
	if (X509_check_private_key(c->cert, c->key) != 1) {
		ERR_clear_error();
		fail(why, whylen, "%s: key does not match the certificate %s "
		    "(%s)", key, cert, c->subject);
		goto done;
	}
	if (X509_cmp_time(X509_get0_notAfter(c->cert), &now) < 0) {
		fail(why, whylen, "%s: expired (%s)", cert, c->subject);
		goto done;
	}
	if (X509_cmp_time(X509_get0_notBefore(c->cert), &now) > 0) {
		fail(why, whylen, "%s: not yet valid (%s)", cert, c->subject);
		goto done;
	}
	if (ca != NULL && chain_check(ca, c->cert, inter, now, why,
	    whylen) == -1) {
		size_t l = strlen(why);

		snprintf(why + l, whylen - l, " (%s, against the configured "
		    "ca: a peer with the same CAs would refuse it)", cert);
		goto done;
	}
	rc = 0;
done:
	sk_X509_pop_free(inter, X509_free);
	if (rc == -1) {
		cred_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

struct pki_cred *
pki_cred_ref(struct pki_cred *c)
{
	if (c != NULL)
		c->refs++;
	return c;
}

void
pki_cred_unref(struct pki_cred *c)
{
	if (c == NULL || --c->refs > 0)
		return;
	cred_free(c);
}

bool
pki_cred_equal(const struct pki_cred *a, const struct pki_cred *b)
{
	size_t i;

	if (a == NULL || b == NULL)
		return a == b;
	if (a->n != b->n || EVP_PKEY_eq(a->key, b->key) != 1)
		return false;
	for (i = 0; i < a->n; i++)
		if (a->der_len[i] != b->der_len[i] ||
		    memcmp(a->der[i], b->der[i], a->der_len[i]) != 0)
			return false;
	return true;
}

size_t
pki_cred_chain(const struct pki_cred *c, const uint8_t *der[PKI_CHAIN_MAX],
    size_t len[PKI_CHAIN_MAX])
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		der[i] = c->der[i];
		len[i] = c->der_len[i];
	}
	return c->n;
}

const char *
pki_cred_subject(const struct pki_cred *c)
{
	return c->subject;
}

time_t
pki_cred_not_after(const struct pki_cred *c)
{
	return c->not_after;
}

const char *
pki_cred_key_name(const struct pki_cred *c)
{
	return c->key_name;
}

/* ---- a peer's certificate ---- */

int
pki_peer_check(const struct pki_ca *ca, const uint8_t *const *der,
    const size_t *len, size_t n, time_t now, struct pki_peer **out,
    char *why, size_t whylen)
{
	struct pki_peer *p;
	const uint8_t *d;
	uint32_t ku;
	X509 *x;
	size_t i;

	*out = NULL;
	if (n == 0)
		return fail(why, whylen, "no certificate (CERT payload)");
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->chain = sk_X509_new_null()) == NULL) {
		free(p);
		return fail(why, whylen, "out of memory");
	}
	for (i = 0; i < n; i++) {
		d = der[i];
		if ((x = d2i_X509(NULL, &d, (long)len[i])) == NULL ||
		    d != der[i] + len[i]) {
			X509_free(x);
			pki_peer_free(p);
			return fail(why, whylen, "certificate %zu of %zu is not "
			    "DER X.509", i + 1, n);
		}
		if (i == 0)
			p->cert = x;
		else if (sk_X509_push(p->chain, x) == 0) {
			X509_free(x);
			pki_peer_free(p);
			return fail(why, whylen, "out of memory");
		}
	}
	name_str(X509_get_subject_name(p->cert), p->subject,
	    sizeof(p->subject));
	name_str(X509_get_issuer_name(p->cert), p->issuer, sizeof(p->issuer));
	p->not_after = not_after(p->cert);
	if ((p->key = X509_get0_pubkey(p->cert)) == NULL ||
	    !key_supported(p->key)) {
		pki_peer_free(p);
		return fail(why, whylen, "certificate key is not RSA, ECDSA or "
		    "Ed25519");
	}
	if (chain_check(ca, p->cert, p->chain, now, why, whylen) == -1) {
		pki_peer_free(p);
		return -1;
	}
	/* RFC 4945 5.1.3.2: a key usage extension, if any, must allow
	 * signatures. */
	ku = X509_get_key_usage(p->cert);
	if (ku != UINT32_MAX && (ku & (KU_DIGITAL_SIGNATURE |
	    KU_NON_REPUDIATION)) == 0) {
		snprintf(why, whylen, "key usage does not allow signatures: %s",
		    p->subject);
		pki_peer_free(p);
		return -1;
	}
	*out = p;
	return 0;
}

int
pki_peer_recheck(const struct pki_peer *p, const struct pki_ca *ca,
    time_t now, char *why, size_t whylen)
{
	return chain_check(ca, p->cert, p->chain, now, why, whylen);
}

void
pki_peer_free(struct pki_peer *p)
{
	if (p == NULL)
		return;
	X509_free(p->cert);
	sk_X509_pop_free(p->chain, X509_free);
	free(p);
}

bool
pki_peer_has_id(const struct pki_peer *p, uint8_t type, const uint8_t *id,
    size_t len)
{
	char s[256];
	const uint8_t *d = id;
	X509_NAME *dn;
	bool ok;

	switch (type) {
	case 1:		/* ID_IPV4_ADDR */
	case 5:		/* ID_IPV6_ADDR */
		return len == (type == 1 ? 4 : 16) &&
		    X509_check_ip(p->cert, id, len, 0) == 1;
	case 2:		/* ID_FQDN */
	case 3:		/* ID_RFC822_ADDR */
		if (len == 0 || len >= sizeof(s) || memchr(id, '\0', len))
			return false;
		memcpy(s, id, len);
		s[len] = '\0';
		return type == 2 ? X509_check_host(p->cert, s, len,
		    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL) == 1 :
		    X509_check_email(p->cert, s, len, 0) == 1;
	case 9:		/* ID_DER_ASN1_DN */
		if ((dn = d2i_X509_NAME(NULL, &d, (long)len)) == NULL ||
		    d != id + len) {
			X509_NAME_free(dn);
			ERR_clear_error();
			return false;
		}
		ok = X509_NAME_cmp(dn, X509_get_subject_name(p->cert)) == 0;
		X509_NAME_free(dn);
		return ok;
	default:
		return false;
	}
}

int
pki_dn_der(const char *text, uint8_t *der, size_t cap, size_t *len,
    char *why, size_t whylen)
{
	X509_NAME *n = X509_NAME_new();
	char buf[512], *p, *next, *eq, *k, *v, *e;
	uint8_t *out = NULL;
	int dl, rc = -1;

	if (n == NULL || snprintf(buf, sizeof(buf), "%s", text) >=
	    (int)sizeof(buf)) {
		snprintf(why, whylen, "'%s': too long", text);
		goto done;
	}
	for (p = buf; p != NULL; p = next) {
		if ((next = strpbrk(p, ",/")) != NULL)
			*next++ = '\0';
		while (*p == ' ')
			p++;
		if (*p == '\0')
			continue;
		if ((eq = strchr(p, '=')) == NULL) {
			snprintf(why, whylen, "'%s': '%s' is not TYPE=value",
			    text, p);
			goto done;
		}
		*eq = '\0';
		k = p;
		v = eq + 1;
		for (e = eq; e > k && e[-1] == ' '; e--)
			e[-1] = '\0';
		while (*v == ' ')
			v++;
		for (e = v + strlen(v); e > v && e[-1] == ' '; e--)
			e[-1] = '\0';
		if (X509_NAME_add_entry_by_txt(n, k, MBSTRING_UTF8,
		    (const unsigned char *)v, -1, -1, 0) != 1) {
			ERR_clear_error();
			snprintf(why, whylen, "'%s': unknown attribute '%s' (C, "
			    "ST, L, O, OU, CN, ...)", text, k);
			goto done;
		}
	}
	if (X509_NAME_entry_count(n) == 0) {
		snprintf(why, whylen, "'%s': no attribute", text);
		goto done;
	}
	if ((dl = i2d_X509_NAME(n, &out)) <= 0 || (size_t)dl > cap) {
		snprintf(why, whylen, "'%s': longer than %zu bytes in DER",
		    text, cap);
		goto done;
	}
	memcpy(der, out, (size_t)dl);
	*len = (size_t)dl;
	rc = 0;
done:
	OPENSSL_free(out);
	X509_NAME_free(n);
	return rc;
}

void
pki_dn_text(const uint8_t *der, size_t len, char *buf, size_t buflen)
{
	const uint8_t *d = der;
	X509_NAME *n = d2i_X509_NAME(NULL, &d, (long)len);
	const X509_NAME_ENTRY *e;
	const ASN1_STRING *v;
	size_t o = 0;
	int i, w;

	buf[0] = '\0';
	if (n == NULL || d != der + len) {
		snprintf(buf, buflen, "(not a DN)");
		X509_NAME_free(n);
		ERR_clear_error();
		return;
	}
	if (X509_NAME_entry_count(n) == 0)
		snprintf(buf, buflen, "(empty)");
	for (i = 0; i < X509_NAME_entry_count(n) && o < buflen; i++) {
		e = X509_NAME_get_entry(n, i);
		v = X509_NAME_ENTRY_get_data(e);
		w = snprintf(buf + o, buflen - o, "%s%s=%.*s", i > 0 ? ", " :
		    "", OBJ_nid2sn(OBJ_obj2nid(X509_NAME_ENTRY_get_object(e))),
		    ASN1_STRING_length(v), (const char *)ASN1_STRING_get0_data(v));
		if (w < 0)
			break;
		o += (size_t)w;
	}
	/* Peer-chosen text: nothing that is not printable. */
	for (o = 0; buf[o] != '\0'; o++)
		if ((unsigned char)buf[o] < 0x20 || (unsigned char)buf[o] > 0x7e)
			buf[o] = '?';
	X509_NAME_free(n);
}

const char *
pki_peer_subject(const struct pki_peer *p)
{
	return p->subject;
}

const char *
pki_peer_issuer(const struct pki_peer *p)
{
	return p->issuer;
}

time_t
pki_peer_not_after(const struct pki_peer *p)
{
	return p->not_after;
}

/* ---- signatures ---- */

/* What a signature is made with: digest (NULL for Ed25519), PSS, and the
 * form of an ECDSA signature (raw r || s for methods 9-11). */
struct sig_alg {
	const char	*md;
	bool		 pss;
	int		 salt;		/* PSS; RSA_PSS_SALTLEN_DIGEST */
	size_t		 raw_half;	/* ECDSA methods 9-11: bytes of r */
};

static int
ec_group_bits(EVP_PKEY *k)
{
	char group[64];
	size_t gl;

	if (EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, sizeof(group), &gl) != 1)
		return 0;
	return strcmp(group, "prime256v1") == 0 ? 256 :
	    strcmp(group, "secp384r1") == 0 ? 384 :
	    strcmp(group, "secp521r1") == 0 ? 521 : 0;
}

/* DER ECDSA-Sig-Value <-> r || s, each half bytes (RFC 4754). */
static int
ecdsa_der_to_raw(const uint8_t *der, size_t len, size_t half, uint8_t *out)
{
	const uint8_t *d = der;
	ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &d, (long)len);
	const BIGNUM *r, *ss;
	int rc = -1;

	if (s == NULL)
		return -1;
	ECDSA_SIG_get0(s, &r, &ss);
	if (BN_bn2binpad(r, out, (int)half) == (int)half &&
	    BN_bn2binpad(ss, out + half, (int)half) == (int)half)
		rc = 0;
	ECDSA_SIG_free(s);
	return rc;
}

static int
ecdsa_raw_to_der(const uint8_t *raw, size_t half, uint8_t **der, size_t *len)
{
	ECDSA_SIG *s = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(raw, (int)half, NULL);
	BIGNUM *ss = BN_bin2bn(raw + half, (int)half, NULL);
	int n;

	*der = NULL;
	if (s == NULL || r == NULL || ss == NULL || ECDSA_SIG_set0(s, r,
	    ss) != 1) {
		ECDSA_SIG_free(s);
		BN_free(r);
		BN_free(ss);
		return -1;
	}
	n = i2d_ECDSA_SIG(s, der);
	ECDSA_SIG_free(s);
	if (n <= 0)
		return -1;
	*len = (size_t)n;
	return 0;
}

static const char *
hash_md(unsigned h)
{
	switch (h) {
	case PKI_HASH_SHA256:	return "SHA256";
	case PKI_HASH_SHA384:	return "SHA384";
	case PKI_HASH_SHA512:	return "SHA512";
	default:		return NULL;
	}
}

/* Our choice for RFC 7427: the key's natural hash if the peer takes it,
 * else the strongest it takes. */
static int
choose_7427(EVP_PKEY *k, unsigned peer, struct sig_alg *a)
{
	static const unsigned order[] = { PKI_HASH_SHA256, PKI_HASH_SHA384,
	    PKI_HASH_SHA512 };
	unsigned want = PKI_HASH_SHA256;
	size_t i;

	memset(a, 0, sizeof(*a));
	if (EVP_PKEY_is_a(k, "ED25519"))
		return (peer & PKI_HASH_BIT(PKI_HASH_IDENTITY)) ? 0 : -1;
	if (EVP_PKEY_is_a(k, "EC"))
		want = ec_group_bits(k) == 384 ? PKI_HASH_SHA384 :
		    ec_group_bits(k) == 521 ? PKI_HASH_SHA512 : PKI_HASH_SHA256;
	if (peer & PKI_HASH_BIT(want)) {
		a->md = hash_md(want);
		return 0;
	}
	for (i = 3; i-- > 0;)
		if (peer & PKI_HASH_BIT(order[i])) {
			a->md = hash_md(order[i]);
			return 0;
		}
	return -1;
}

/* RFC 7296 3.8 and RFC 4754: the method of the key's type. */
static int
choose_legacy(EVP_PKEY *k, uint8_t *method, struct sig_alg *a)
{
	memset(a, 0, sizeof(*a));
	if (EVP_PKEY_is_a(k, "RSA")) {
		*method = PKI_AUTH_RSA;
		a->md = "SHA1";
		return 0;
	}
	if (!EVP_PKEY_is_a(k, "EC"))
		return -1;
	switch (ec_group_bits(k)) {
	case 256:
		*method = PKI_AUTH_ECDSA_256;
		a->md = "SHA256";
		a->raw_half = 32;
		return 0;
	case 384:
		*method = PKI_AUTH_ECDSA_384;
		a->md = "SHA384";
		a->raw_half = 48;
		return 0;
	case 521:
		*method = PKI_AUTH_ECDSA_521;
		a->md = "SHA512";
		a->raw_half = 66;
		return 0;
	}
	return -1;
}

static int
ctx_setup(EVP_MD_CTX *mctx, EVP_PKEY *k, const struct sig_alg *a, bool sign)
{
	EVP_PKEY_CTX *pctx = NULL;
	int rc;

	rc = sign ? EVP_DigestSignInit_ex(mctx, &pctx, a->md, NULL, NULL, k,
	    NULL) : EVP_DigestVerifyInit_ex(mctx, &pctx, a->md, NULL, NULL, k,
	    NULL);
	if (rc != 1)
		return -1;
	if (a->pss && (EVP_PKEY_CTX_set_rsa_padding(pctx,
	    RSA_PKCS1_PSS_PADDING) != 1 || EVP_PKEY_CTX_set_rsa_pss_saltlen(
	    pctx, a->salt) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, a->md, NULL) != 1))
		return -1;
	return 0;
}

int
pki_sign(const struct pki_cred *c, unsigned peer_hashes, bool rsa_pss,
    const uint8_t *data, size_t len, uint8_t *method, uint8_t *out,
    size_t cap, size_t *outlen, char *why, size_t whylen)
{
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx;
	OSSL_PARAM p[2];
	uint8_t algid[PKI_ALGID_MAX], *sig = NULL;
	size_t algid_len = 0, siglen = 0, off = 0;
	struct sig_alg a;
	int rc = -1;

	if (mctx == NULL)
		return fail(why, whylen, "out of memory");
	if (peer_hashes != 0) {
		*method = PKI_AUTH_DIGITAL_SIG;
		if (choose_7427(c->key, peer_hashes, &a) == -1) {
			fail(why, whylen, "the peer takes no hash our %s key "
			    "can sign with (SIGNATURE_HASH_ALGORITHMS)",
			    c->key_name);
			goto done;
		}
		a.pss = rsa_pss && EVP_PKEY_is_a(c->key, "RSA");
		a.salt = RSA_PSS_SALTLEN_DIGEST;
	} else if (choose_legacy(c->key, method, &a) == -1) {
		fail(why, whylen, "the peer does not do RFC 7427 signatures, "
		    "which our %s key needs", c->key_name);
		goto done;
	}
	if (ctx_setup(mctx, c->key, &a, true) == -1) {
		fail(why, whylen, "cannot sign with the %s key", c->key_name);
		goto done;
	}
	if (*method == PKI_AUTH_DIGITAL_SIG) {
		/* RFC 7427 3: the AlgorithmIdentifier, as OpenSSL names what
		 * this context signs with. */
		pctx = EVP_MD_CTX_get_pkey_ctx(mctx);
		p[0] = OSSL_PARAM_construct_octet_string(
		    OSSL_SIGNATURE_PARAM_ALGORITHM_ID, algid, sizeof(algid));
		p[1] = OSSL_PARAM_construct_end();
		if (EVP_PKEY_CTX_get_params(pctx, p) != 1 ||
		    (algid_len = p[0].return_size) == 0 || algid_len > 255) {
			fail(why, whylen, "no AlgorithmIdentifier for the %s "
			    "signature", c->key_name);
			goto done;
		}
	}
	if (EVP_DigestSign(mctx, NULL, &siglen, data, len) != 1 ||
	    (sig = OPENSSL_malloc(siglen)) == NULL ||
	    EVP_DigestSign(mctx, sig, &siglen, data, len) != 1) {
		fail(why, whylen, "%s signature failed", c->key_name);
		goto done;
	}
	if (*method == PKI_AUTH_DIGITAL_SIG) {
		if (1 + algid_len + siglen > cap)
			goto toolong;
		out[0] = (uint8_t)algid_len;
		memcpy(out + 1, algid, algid_len);
		off = 1 + algid_len;
		memcpy(out + off, sig, siglen);
		*outlen = off + siglen;
	} else if (a.raw_half != 0) {
		if (2 * a.raw_half > cap ||
		    ecdsa_der_to_raw(sig, siglen, a.raw_half, out) == -1)
			goto toolong;
		*outlen = 2 * a.raw_half;
	} else {
		if (siglen > cap)
			goto toolong;
		memcpy(out, sig, siglen);
		*outlen = siglen;
	}
	rc = 0;
	goto done;
toolong:
	fail(why, whylen, "%s signature does not fit", c->key_name);
done:
	OPENSSL_free(sig);
	EVP_MD_CTX_free(mctx);
	return rc;
}

/* RSASSA-PSS parameters (RFC 4055 3.1): hash, MGF1 with the same hash,
 * salt length; SHA-1 (their defaults) is not accepted. */
static int
parse_pss(const void *pval, int ptype, int *md_nid, int *salt, char *why,
    size_t whylen)
{
	RSA_PSS_PARAMS *pss = NULL;
	X509_ALGOR *mgf_md = NULL;
	const ASN1_OBJECT *oid;
	const void *mval;
	int mtype, rc = -1;
	long sl;

	if (ptype == V_ASN1_SEQUENCE)
		pss = ASN1_item_unpack(pval, ASN1_ITEM_rptr(RSA_PSS_PARAMS));
	if (pss == NULL || pss->hashAlgorithm == NULL ||
	    pss->maskGenAlgorithm == NULL) {
		fail(why, whylen, "AUTH: RSASSA-PSS without its hash or MGF "
		    "(SHA-1, their default, is not accepted)");
		goto done;
	}
	*md_nid = OBJ_obj2nid(pss->hashAlgorithm->algorithm);
	X509_ALGOR_get0(&oid, &mtype, &mval, pss->maskGenAlgorithm);
	if (OBJ_obj2nid(oid) == NID_mgf1 && mtype == V_ASN1_SEQUENCE)
		mgf_md = ASN1_item_unpack(mval, ASN1_ITEM_rptr(X509_ALGOR));
	if (mgf_md == NULL || OBJ_obj2nid(mgf_md->algorithm) != *md_nid) {
		fail(why, whylen, "AUTH: RSASSA-PSS with a mask other than MGF1 "
		    "over its hash");
		goto done;
	}
	sl = pss->saltLength != NULL ? ASN1_INTEGER_get(pss->saltLength) : 20;
	if (sl < 0 || sl > 512) {
		fail(why, whylen, "AUTH: RSASSA-PSS salt length %ld", sl);
		goto done;
	}
	*salt = (int)sl;
	rc = 0;
done:
	X509_ALGOR_free(mgf_md);
	RSA_PSS_PARAMS_free(pss);
	return rc;
}

/* RFC 7427's AlgorithmIdentifier, for the peer's key: 0 and what to
 * verify with, or -1. */
static int
parse_algid(const uint8_t *der, size_t len, EVP_PKEY *k, struct sig_alg *a,
    char *why, size_t whylen)
{
	const uint8_t *d = der;
	X509_ALGOR *alg = d2i_X509_ALGOR(NULL, &d, (long)len);
	const ASN1_OBJECT *oid;
	const void *pval;
	int nid, md_nid, pk_nid, ptype, rc = -1;

	memset(a, 0, sizeof(*a));
	if (alg == NULL || d != der + len) {
		fail(why, whylen, "AUTH: malformed AlgorithmIdentifier");
		goto done;
	}
	X509_ALGOR_get0(&oid, &ptype, &pval, alg);
	nid = OBJ_obj2nid(oid);
	if (nid == NID_rsassaPss) {
		if (parse_pss(pval, ptype, &md_nid, &a->salt, why,
		    whylen) == -1)
			goto done;
		a->pss = true;
		pk_nid = NID_rsaEncryption;
	} else if (OBJ_find_sigid_algs(nid, &md_nid, &pk_nid) != 1) {
		fail(why, whylen, "AUTH: unknown signature algorithm %s",
		    OBJ_nid2sn(nid));
		goto done;
	}
	if (pk_nid == NID_ED25519) {
		if (!EVP_PKEY_is_a(k, "ED25519")) {
			fail(why, whylen, "AUTH: Ed25519 signature, the "
			    "certificate's key is not");
			goto done;
		}
		a->md = NULL;
		rc = 0;
		goto done;
	}
	a->md = md_nid == NID_sha256 ? "SHA256" : md_nid == NID_sha384 ?
	    "SHA384" : md_nid == NID_sha512 ? "SHA512" : NULL;
	if (a->md == NULL) {
		fail(why, whylen, "AUTH: signature hash %s not accepted "
		    "(SHA-256, SHA-384, SHA-512)", OBJ_nid2sn(md_nid));
		goto done;
	}
	if ((pk_nid == NID_rsaEncryption && !EVP_PKEY_is_a(k, "RSA")) ||
	    (pk_nid == NID_X9_62_id_ecPublicKey && !EVP_PKEY_is_a(k, "EC")) ||
	    (pk_nid != NID_rsaEncryption && pk_nid !=
	    NID_X9_62_id_ecPublicKey)) {
		fail(why, whylen, "AUTH: a %s signature, the certificate's key "
		    "is not of that type", OBJ_nid2sn(nid));
		goto done;
	}
	rc = 0;
done:
	X509_ALGOR_free(alg);
	ERR_clear_error();
	return rc;
}

int
pki_verify(const struct pki_peer *p, uint8_t method, const uint8_t *auth,
    size_t authlen, const uint8_t *data, size_t len, char *why, size_t whylen)
{
	EVP_MD_CTX *mctx;
	struct sig_alg a;
	const uint8_t *sig;
	uint8_t *der = NULL, m;
	size_t siglen;
	int rc = -1;

	if (method == PKI_AUTH_DIGITAL_SIG) {
		if (authlen < 2 || (size_t)auth[0] + 1 >= authlen)
			return fail(why, whylen, "AUTH: truncated");
		if (parse_algid(auth + 1, auth[0], p->key, &a, why,
		    whylen) == -1)
			return -1;
		sig = auth + 1 + auth[0];
		siglen = authlen - 1 - auth[0];
	} else {
		if (choose_legacy(p->key, &m, &a) == -1 || m != method)
			return fail(why, whylen, "AUTH method %u does not fit "
			    "the certificate's key", method);
		sig = auth;
		siglen = authlen;
		if (a.raw_half != 0) {
			if (authlen != 2 * a.raw_half || ecdsa_raw_to_der(auth,
			    a.raw_half, &der, &siglen) == -1)
				return fail(why, whylen, "AUTH: ECDSA signature "
				    "of %zu bytes for method %u", authlen,
				    method);
			sig = der;
		}
	}
	if ((mctx = EVP_MD_CTX_new()) == NULL || ctx_setup(mctx, p->key, &a,
	    false) == -1)
		fail(why, whylen, "cannot verify with the certificate's key");
	else if (EVP_DigestVerify(mctx, sig, siglen, data, len) != 1) {
		ERR_clear_error();
		snprintf(why, whylen, "AUTH signature does not verify with the "
		    "key of %s", p->subject);
	} else
		rc = 0;
	EVP_MD_CTX_free(mctx);
	OPENSSL_free(der);
	return rc;
}
