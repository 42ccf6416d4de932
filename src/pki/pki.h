/* Certificates and keys, through OpenSSL 3's EVP and X509 APIs: a host's
 * credential (certificate, chain, private key), the trust anchors it
 * checks peers against (CAs, CRLs), a peer's chain checked and its
 * identity found in it, and the AUTH signatures of IKEv2: RFC 7427's
 * Digital Signature (RSA PKCS#1 v1.5 and PSS, ECDSA, Ed25519 per RFC
 * 8420) and RFC 7296's older RSA (1) and ECDSA (9-11) methods.
 *
 * Loading reads files (config and daemon); everything else is pure and
 * may run in the engine. Credentials and CA sets are reference counted:
 * a configuration and the engine's peers share them, a reload swaps
 * them. Calls util only. */
#ifndef VTID_PKI_H
#define VTID_PKI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define PKI_WHY_MAX		192
#define PKI_NAME_MAX		256	/* a subject or issuer, one line */
#define PKI_CHAIN_MAX		4	/* our certificate and intermediates */
#define PKI_KEYID_LEN		20	/* SHA-1, RFC 7296 3.7 */
#define PKI_SIG_MAX		1100	/* RSA-8192 and the header */

/* RFC 7427 4: SIGNATURE_HASH_ALGORITHMS values, as bits of a mask. */
enum pki_hash {
	PKI_HASH_SHA256		= 2,
	PKI_HASH_SHA384		= 3,
	PKI_HASH_SHA512		= 4,
	PKI_HASH_IDENTITY	= 5,
};
#define PKI_HASH_BIT(h)		(1u << (h))
#define PKI_HASHES_OURS		(PKI_HASH_BIT(PKI_HASH_SHA256) | \
	PKI_HASH_BIT(PKI_HASH_SHA384) | PKI_HASH_BIT(PKI_HASH_SHA512) | \
	PKI_HASH_BIT(PKI_HASH_IDENTITY))

/* IKEv2 authentication methods (RFC 7296 3.8, RFC 4754, RFC 7427). */
enum pki_method {
	PKI_AUTH_RSA		= 1,	/* PKCS#1 v1.5, SHA-1 */
	PKI_AUTH_ECDSA_256	= 9,
	PKI_AUTH_ECDSA_384	= 10,
	PKI_AUTH_ECDSA_521	= 11,
	PKI_AUTH_DIGITAL_SIG	= 14,
};

struct pki_ca;		/* trust anchors and CRLs */
struct pki_cred;	/* our certificate, chain and key */
struct pki_peer;	/* a peer's certificate, checked */

/* CAs from a PEM file, or every *.pem / *.crt file of a directory; CRLs
 * (PEM, one file, may be NULL): peers' certificates are then checked
 * against their issuer's CRL, which must be there. 0, or -1 and why. */
int		 pki_ca_load(const char *ca, const char *crl, struct pki_ca **,
		    char *why, size_t whylen);
struct pki_ca	*pki_ca_ref(struct pki_ca *);
void		 pki_ca_unref(struct pki_ca *);
/* Same anchors and CRLs (by their DER). */
bool		 pki_ca_equal(const struct pki_ca *, const struct pki_ca *);
/* CERTREQ's data: the SHA-1 of each anchor's SubjectPublicKeyInfo. */
size_t		 pki_ca_keyids(const struct pki_ca *, uint8_t *out,
		    size_t cap);
size_t		 pki_ca_count(const struct pki_ca *);

/* Our certificate (PEM; further certificates in the file are its
 * intermediates) and private key (PEM, unencrypted). Checked: the key
 * is the certificate's, it is valid now, and, with ca, its chain leads
 * to one of ca's anchors (what a peer with the same CAs will check).
 * 0, or -1 and why. */
int		 pki_cred_load(const char *cert, const char *key,
		    const struct pki_ca *ca, struct pki_cred **, char *why,
		    size_t whylen);
struct pki_cred	*pki_cred_ref(struct pki_cred *);
void		 pki_cred_unref(struct pki_cred *);
bool		 pki_cred_equal(const struct pki_cred *,
		    const struct pki_cred *);
/* The certificates as CERT payloads carry them (DER, ours first). */
size_t		 pki_cred_chain(const struct pki_cred *,
		    const uint8_t *der[PKI_CHAIN_MAX], size_t len[PKI_CHAIN_MAX]);
const char	*pki_cred_subject(const struct pki_cred *);
time_t		 pki_cred_not_after(const struct pki_cred *);
/* "RSA-3072", "ECDSA P-256", "Ed25519" */
const char	*pki_cred_key_name(const struct pki_cred *);

/* AUTH with our key over data (RFC 7296 2.15's signed octets): with the
 * peer's SIGNATURE_HASH_ALGORITHMS mask (0: it sent none) RFC 7427's
 * method, else the older one for the key's type. out gets the AUTH
 * payload's data; 0, or -1 and why. */
int		 pki_sign(const struct pki_cred *, unsigned peer_hashes,
		    bool rsa_pss, const uint8_t *data, size_t len,
		    uint8_t *method, uint8_t *out, size_t cap, size_t *outlen,
		    char *why, size_t whylen);

/* A peer's certificate (der[0]) and intermediates, checked against ca at
 * now: chain, validity, CRLs, key usage (digitalSignature if the
 * extension is there). 0, or -1 and why ("certificate has expired",
 * "unable to get local issuer certificate", ...). */
int		 pki_peer_check(const struct pki_ca *, const uint8_t *const *der,
		    const size_t *len, size_t n, time_t now, struct pki_peer **,
		    char *why, size_t whylen);
void		 pki_peer_free(struct pki_peer *);
/* Whether the IKE identity (RFC 7296 3.5 type and data) is the
 * certificate's: IP addresses, FQDN and email in subjectAltName, a DN
 * equal to the subject. */
bool		 pki_peer_has_id(const struct pki_peer *, uint8_t id_type,
		    const uint8_t *id, size_t len);
/* The peer's AUTH (method and payload data) over data: 0, or -1 and
 * why. */
int		 pki_verify(const struct pki_peer *, uint8_t method,
		    const uint8_t *auth, size_t authlen, const uint8_t *data,
		    size_t len, char *why, size_t whylen);
/* Still good against ca now (a reload's new CRL): 0, or -1 and why. */
int		 pki_peer_recheck(const struct pki_peer *,
		    const struct pki_ca *, time_t now, char *why,
		    size_t whylen);
const char	*pki_peer_subject(const struct pki_peer *);

/* A distinguished name for an ID_DER_ASN1_DN identity: from text as
 * strongSwan writes it ("C=CH, O=Example, CN=vpn.example.net"; "/" works
 * as the separator too) to DER, 0 or -1 and why; and back to that text. */
int		 pki_dn_der(const char *text, uint8_t *der, size_t cap,
		    size_t *len, char *why, size_t whylen);
void		 pki_dn_text(const uint8_t *der, size_t len, char *buf,
		    size_t buflen);
const char	*pki_peer_issuer(const struct pki_peer *);
time_t		 pki_peer_not_after(const struct pki_peer *);

#endif
