/* The proposal language: "ike=" and "esp=" strings parsed into our
 * proposals (proposal_lang.h). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ike/ikev2.h"
#include "ike/proposal_lang.h"

#define KEYWORD_MAX	32

/* What a keyword adds to a proposal. sha* keywords carry the PRF they
 * stand for in IKE proposals without a prf* keyword. */
struct keyword {
	const char	*name;
	uint8_t		 type;
	uint16_t	 id;
	uint16_t	 keylen;
	uint16_t	 prf;		/* INTEG only: the PRF it implies */
};

static const struct keyword keywords[] = {
	{ "aes128",	IKE_XFORM_ENCR, ENCR_AES_CBC, 128, 0 },
	{ "aes",	IKE_XFORM_ENCR, ENCR_AES_CBC, 128, 0 },	/* strongSwan */
	{ "aes256",	IKE_XFORM_ENCR, ENCR_AES_CBC, 256, 0 },
	{ "aes128gcm16", IKE_XFORM_ENCR, ENCR_AES_GCM_16, 128, 0 },
	{ "aes128gcm128", IKE_XFORM_ENCR, ENCR_AES_GCM_16, 128, 0 },
	{ "aes128gcm",	IKE_XFORM_ENCR, ENCR_AES_GCM_16, 128, 0 },
	{ "aes256gcm16", IKE_XFORM_ENCR, ENCR_AES_GCM_16, 256, 0 },
	{ "aes256gcm128", IKE_XFORM_ENCR, ENCR_AES_GCM_16, 256, 0 },
	{ "aes256gcm",	IKE_XFORM_ENCR, ENCR_AES_GCM_16, 256, 0 },
	{ "sha256",	IKE_XFORM_INTEG, AUTH_HMAC_SHA2_256_128, 0,
	    PRF_HMAC_SHA2_256 },
	{ "sha2_256",	IKE_XFORM_INTEG, AUTH_HMAC_SHA2_256_128, 0,
	    PRF_HMAC_SHA2_256 },
	{ "sha384",	IKE_XFORM_INTEG, AUTH_HMAC_SHA2_384_192, 0,
	    PRF_HMAC_SHA2_384 },
	{ "sha2_384",	IKE_XFORM_INTEG, AUTH_HMAC_SHA2_384_192, 0,
	    PRF_HMAC_SHA2_384 },
	{ "sha512",	IKE_XFORM_INTEG, AUTH_HMAC_SHA2_512_256, 0,
	    PRF_HMAC_SHA2_512 },
	{ "sha2_512",	IKE_XFORM_INTEG, AUTH_HMAC_SHA2_512_256, 0,
	    PRF_HMAC_SHA2_512 },
	{ "prfsha256",	IKE_XFORM_PRF, PRF_HMAC_SHA2_256, 0, 0 },
	{ "prfsha384",	IKE_XFORM_PRF, PRF_HMAC_SHA2_384, 0, 0 },
	{ "prfsha512",	IKE_XFORM_PRF, PRF_HMAC_SHA2_512, 0, 0 },
	{ "modp2048",	IKE_XFORM_DH, MODP_2048, 0, 0 },
	{ "ecp256",	IKE_XFORM_DH, ECP_256, 0, 0 },
	{ "ecp384",	IKE_XFORM_DH, ECP_384, 0, 0 },
	{ "ecp521",	IKE_XFORM_DH, ECP_521, 0, 0 },
	{ "x25519",	IKE_XFORM_DH, CURVE25519, 0, 0 },
	{ "curve25519",	IKE_XFORM_DH, CURVE25519, 0, 0 },
	{ "esn",	IKE_XFORM_ESN, ESN_ENABLED, 0, 0 },
	{ "noesn",	IKE_XFORM_ESN, ESN_NONE, 0, 0 },
};

/* strongSwan keywords vtid knows but does not implement: a clearer error
 * than "unknown" for someone porting an ipsec.conf. */
static const char *const unsupported[] = {
	"aes192", "aes192gcm16", "aes192gcm128", "aes192gcm", "aes128gcm8",
	"aes128gcm12", "aes256gcm8", "aes256gcm12", "aes128ctr", "aes256ctr",
	"aes128ccm16", "aes256ccm16", "aes128gmac", "aes256gmac", "3des",
	"des", "null", "blowfish", "cast128", "camellia", "camellia128",
	"camellia256", "serpent", "twofish", "chacha20poly1305", "sha", "sha1",
	"md5", "sha256_96", "aesxcbc", "aescmac", "prfsha1", "prfmd5",
	"prfaesxcbc", "prfaescmac", "modp768", "modp1024", "modp1536",
	"modp3072", "modp4096", "modp6144", "modp8192", "modp1024s160",
	"modp2048s224", "modp2048s256", "ecp192", "ecp224", "ecp224bp",
	"ecp256bp", "ecp384bp", "ecp512bp", "curve448", "x448", "none",
	"modpnone",
};

/* Our defaults, appended when a list does not end with '!'. */
static const char ike_defaults[] =
    "aes256gcm16-aes128gcm16-prfsha384-prfsha256-x25519-ecp384-ecp256,"
    "aes256-aes128-sha384-sha256-x25519-ecp384-ecp256";
static const char esp_defaults[] =
    "aes256gcm16-aes128gcm16-noesn,"
    "aes256-aes128-sha384-sha256-noesn";

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static const struct keyword *
keyword_find(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < NELEM(keywords); i++)
		if (strlen(keywords[i].name) == len &&
		    strncasecmp(keywords[i].name, s, len) == 0)
			return &keywords[i];
	return NULL;
}

static bool
keyword_unsupported(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < NELEM(unsupported); i++)
		if (strlen(unsupported[i]) == len &&
		    strncasecmp(unsupported[i], s, len) == 0)
			return true;
	return false;
}

static bool
encr_is_aead(uint16_t id)
{
	return id == ENCR_AES_GCM_16;
}

/* ---- parsing ---- */

/* One proposal being parsed: the transforms of each kind, in order. */
struct draft {
	struct ike_transform	 encr[8], integ[8], prf[8], dh[8], esn[2];
	size_t			 n_encr, n_integ, n_prf, n_dh, n_esn;
	uint16_t		 implied_prf[8];	/* per integ */
	const char		*integ_kw;		/* first sha keyword */
	bool			 aead, classic;		/* kinds of cipher */
};

/* Add t to arr unless there; false if already there. */
static bool
draft_add(struct ike_transform *arr, size_t *n, size_t cap,
    const struct ike_transform *t)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (ike_xform_eq(&arr[i], t))
			return false;
	if (*n < cap)
		arr[(*n)++] = *t;
	return true;
}

static bool
proposal_same(const struct ike_proposal *a, const struct ike_proposal *b)
{
	size_t i;

	if (a->proto != b->proto || a->n_xforms != b->n_xforms)
		return false;
	for (i = 0; i < a->n_xforms; i++)
		if (!ike_xform_eq(&a->xforms[i], &b->xforms[i]))
			return false;
	return true;
}

static void
proposal_append(struct ike_proposal *p, const struct ike_transform *arr,
    size_t n)
{
	size_t i;

	for (i = 0; i < n && p->n_xforms < IKE_XFORMS_MAX; i++)
		p->xforms[p->n_xforms++] = arr[i];
}

/* One keyword's transform into d; false if it was there already. */
static bool
draft_keyword(struct draft *d, const struct keyword *kw)
{
	struct ike_transform t = { kw->type, kw->id, kw->keylen };

	switch (kw->type) {
	case IKE_XFORM_ENCR:
		if (encr_is_aead(kw->id))
			d->aead = true;
		else
			d->classic = true;
		return draft_add(d->encr, &d->n_encr, NELEM(d->encr), &t);
	case IKE_XFORM_INTEG:
		if (!draft_add(d->integ, &d->n_integ, NELEM(d->integ), &t))
			return false;
		d->implied_prf[d->n_integ - 1] = kw->prf;
		if (d->integ_kw == NULL)
			d->integ_kw = kw->name;
		return true;
	case IKE_XFORM_PRF:
		return draft_add(d->prf, &d->n_prf, NELEM(d->prf), &t);
	case IKE_XFORM_DH:
		return draft_add(d->dh, &d->n_dh, NELEM(d->dh), &t);
	case IKE_XFORM_ESN:
		return draft_add(d->esn, &d->n_esn, NELEM(d->esn), &t);
	}
	return true;
}

/* The keywords of the proposal s[0..len) into d. */
static int
draft_read(struct draft *d, uint8_t proto, const char *s, size_t len,
    char *err, size_t errlen)
{
	const struct keyword *kw;
	const char *p = s, *end = s + len, *dash;
	int plen = (int)len;
	size_t klen;

	for (;;) {
		dash = memchr(p, '-', (size_t)(end - p));
		if (dash == NULL)
			dash = end;
		klen = (size_t)(dash - p);
		if (klen == 0) {
			snprintf(err, errlen, "empty algorithm in proposal "
			    "'%.*s'", plen, s);
			return -1;
		}
		kw = klen <= KEYWORD_MAX ? keyword_find(p, klen) : NULL;
		if (kw == NULL) {
			snprintf(err, errlen, "%s algorithm '%.*s' in proposal "
			    "'%.*s'", klen <= KEYWORD_MAX &&
			    keyword_unsupported(p, klen) ? "unsupported" :
			    "unknown", (int)klen, p, plen, s);
			return -1;
		}
		if (kw->type == IKE_XFORM_ESN && proto != IKE_PROTO_ESP) {
			snprintf(err, errlen, "'%s' in IKE proposal '%.*s': "
			    "ESN is for ESP only", kw->name, plen, s);
			return -1;
		}
		if (!draft_keyword(d, kw)) {
			snprintf(err, errlen, "algorithm '%.*s' given twice in "
			    "proposal '%.*s'", (int)klen, p, plen, s);
			return -1;
		}
		if (dash == end)
			return 0;
		p = dash + 1;
	}
}

/* The rules above: one kind of cipher, integrity for a non-AEAD one, a
 * PRF and a DH group for IKE; the PRFs that shaNNN implies, and ESN_NONE
 * for ESP without esn/noesn, filled in. */
static int
draft_complete(struct draft *d, uint8_t proto, const char *s, size_t len,
    char *err, size_t errlen)
{
	const char *kind = proto == IKE_PROTO_IKE ? "IKE" : "ESP";
	struct ike_transform t;
	int plen = (int)len;
	size_t i;

	if (!d->aead && !d->classic) {
		snprintf(err, errlen, "no encryption algorithm in %s proposal "
		    "'%.*s'", kind, plen, s);
		return -1;
	}
	if (d->aead && d->classic) {
		snprintf(err, errlen, "AEAD and non-AEAD ciphers in one "
		    "proposal '%.*s': write them as two proposals", plen, s);
		return -1;
	}
	if (proto == IKE_PROTO_IKE) {
		/* sha* stands for the PRF when no prf* is given. */
		if (d->n_prf == 0) {
			for (i = 0; i < d->n_integ; i++) {
				t.type = IKE_XFORM_PRF;
				t.id = d->implied_prf[i];
				t.keylen = 0;
				draft_add(d->prf, &d->n_prf, NELEM(d->prf), &t);
			}
			if (d->aead)	/* ... and only for the PRF */
				d->n_integ = 0;
		}
		if (d->n_prf == 0) {
			snprintf(err, errlen, "no PRF in IKE proposal '%.*s' "
			    "(add prfsha256, prfsha384 or prfsha512)", plen, s);
			return -1;
		}
		if (d->n_dh == 0) {
			snprintf(err, errlen, "no DH group in IKE proposal "
			    "'%.*s'", plen, s);
			return -1;
		}
	} else {
		d->n_prf = 0;	/* strongSwan drops PRFs from ESP proposals */
		if (d->n_esn == 0) {
			t.type = IKE_XFORM_ESN;
			t.id = ESN_NONE;
			t.keylen = 0;
			draft_add(d->esn, &d->n_esn, NELEM(d->esn), &t);
		}
	}
	if (d->aead && d->n_integ > 0) {
		snprintf(err, errlen, "integrity algorithm '%s' with AEAD "
		    "cipher in %s proposal '%.*s'", d->integ_kw, kind, plen, s);
		return -1;
	}
	if (d->classic && d->n_integ == 0) {
		snprintf(err, errlen, "no integrity algorithm for the non-AEAD "
		    "cipher in %s proposal '%.*s'", kind, plen, s);
		return -1;
	}
	return 0;
}

/* Parse the proposal s[0..len) (trimmed, not empty) into out. */
static int
parse_one(uint8_t proto, const char *s, size_t len, struct ike_proposal *out,
    char *err, size_t errlen)
{
	struct draft d;

	memset(&d, 0, sizeof(d));
	if (draft_read(&d, proto, s, len, err, errlen) == -1 ||
	    draft_complete(&d, proto, s, len, err, errlen) == -1)
		return -1;
	memset(out, 0, sizeof(*out));
	out->proto = proto;
	proposal_append(out, d.encr, d.n_encr);
	proposal_append(out, d.prf, d.n_prf);
	proposal_append(out, d.integ, d.n_integ);
	proposal_append(out, d.dh, d.n_dh);
	proposal_append(out, d.esn, d.n_esn);
	return 0;
}

static void
trim(const char **s, size_t *len)
{
	while (*len > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}

/* Append a proposal unless an identical one is there. */
static int
conf_add(struct proposal_conf *c, struct ike_proposal *p, char *err,
    size_t errlen)
{
	size_t i;

	for (i = 0; i < c->list.n; i++)
		if (proposal_same(&c->list.p[i], p))
			return 0;
	if (c->list.n >= IKE_PROPOSALS_MAX) {
		snprintf(err, errlen, "too many proposals (at most %d)",
		    IKE_PROPOSALS_MAX);
		return -1;
	}
	p->num = (uint8_t)(c->list.n + 1);
	c->list.p[c->list.n++] = *p;
	return 0;
}

static int
parse_list(struct proposal_conf *c, const char *s, size_t len,
    bool allow_default, char *err, size_t errlen)
{
	const char *p = s, *end = s + len, *comma, *one;
	struct ike_proposal prop;
	size_t olen;

	for (;;) {
		comma = memchr(p, ',', (size_t)(end - p));
		if (comma == NULL)
			comma = end;
		one = p;
		olen = (size_t)(comma - p);
		trim(&one, &olen);
		if (olen == 0) {
			snprintf(err, errlen, "empty proposal in '%.*s'",
			    (int)len, s);
			return -1;
		}
		if (allow_default && olen == 7 &&
		    strncasecmp(one, "default", 7) == 0) {
			const char *def = c->proto == IKE_PROTO_IKE ?
			    ike_defaults : esp_defaults;

			if (parse_list(c, def, strlen(def), false, err,
			    errlen) == -1)
				return -1;
		} else {
			if (parse_one(c->proto, one, olen, &prop, err,
			    errlen) == -1)
				return -1;
			if (conf_add(c, &prop, err, errlen) == -1)
				return -1;
		}
		if (comma == end)
			break;
		p = comma + 1;
	}
	return 0;
}

int
proposal_conf_parse(struct proposal_conf *c, uint8_t proto, const char *str,
    char *err, size_t errlen)
{
	const char *s = str, *bang;
	size_t len = strlen(str);

	memset(c, 0, sizeof(*c));
	c->proto = proto;
	if (proto != IKE_PROTO_IKE && proto != IKE_PROTO_ESP) {
		snprintf(err, errlen, "proposals for protocol %u: only IKE and "
		    "ESP", proto);
		return -1;
	}
	trim(&s, &len);
	if (len > 0 && s[len - 1] == '!') {
		c->strict = true;
		len--;
		trim(&s, &len);
	}
	if (len == 0) {
		snprintf(err, errlen, "empty proposal list '%s'", str);
		return -1;
	}
	bang = memchr(s, '!', len);
	if (bang != NULL) {
		snprintf(err, errlen, "'!' in '%s': it may only end the list",
		    str);
		return -1;
	}
	if (parse_list(c, s, len, true, err, errlen) == -1)
		return -1;
	if (!c->strict) {
		const char *def = proto == IKE_PROTO_IKE ? ike_defaults :
		    esp_defaults;

		if (parse_list(c, def, strlen(def), false, err, errlen) == -1)
			return -1;
	}
	return 0;
}

/* ---- selection ---- */
