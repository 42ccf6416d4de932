/* Proposal selection (RFC 7296 2.7, 3.3): the responder's choice among
 * what the peer offers, the initiator's check of the answer, our offer;
 * and proposals as text for logs (proposal_lang.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ike/ikev2.h"
#include "ike/proposal_lang.h"

/* ---- bounded string building ---- */

struct strbuf {
	char	*buf;
	size_t	 cap;
	size_t	 len;
	bool	 trunc;
};

static void
sb_init(struct strbuf *sb, char *buf, size_t cap)
{
	sb->buf = buf;
	sb->cap = cap;
	sb->len = 0;
	sb->trunc = false;
	if (cap > 0)
		buf[0] = '\0';
}

static void sb_printf(struct strbuf *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (sb->trunc || sb->cap == 0) {
		sb->trunc = true;
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sb->cap - sb->len) {
		sb->trunc = true;
		sb->len = sb->cap - 1;
		return;
	}
	sb->len += (size_t)n;
}

/* Mark a truncated string with "..." at its end. */
static char *
sb_done(struct strbuf *sb)
{
	if (sb->cap == 0)
		return sb->buf;
	if (sb->trunc && sb->cap >= 4)
		memcpy(sb->buf + sb->cap - 4, "...", 4);
	return sb->buf;
}

/* ---- selection ---- */

static bool
proposal_has(const struct ike_proposal *p, const struct ike_transform *t)
{
	size_t i;

	for (i = 0; i < p->n_xforms; i++)
		if (ike_xform_eq(&p->xforms[i], t))
			return true;
	return false;
}

static bool
has_type(const struct ike_proposal *p, uint8_t type)
{
	size_t i;

	for (i = 0; i < p->n_xforms; i++)
		if (p->xforms[i].type == type)
			return true;
	return false;
}

/* Whether p offers NONE (id 0) for type. */
static bool
has_none(const struct ike_proposal *p, uint8_t type)
{
	size_t i;

	for (i = 0; i < p->n_xforms; i++)
		if (p->xforms[i].type == type && p->xforms[i].id == 0)
			return true;
	return false;
}

static bool
spi_size_ok(const struct ike_proposal *p)
{
	if (p->proto == IKE_PROTO_ESP)
		return p->spi_size == 4;
	if (p->proto == IKE_PROTO_IKE)
		return p->spi_size == 0 || p->spi_size == 8;
	return false;
}

/* A copy of p without DH transforms when flags say so. */
static void
filter(const struct ike_proposal *p, unsigned flags, struct ike_proposal *out)
{
	size_t i;

	*out = *p;
	if (!(flags & PROPOSAL_SKIP_DH))
		return;
	out->n_xforms = 0;
	for (i = 0; i < p->n_xforms && i < IKE_XFORMS_MAX; i++)
		if (p->xforms[i].type != IKE_XFORM_DH)
			out->xforms[out->n_xforms++] = p->xforms[i];
}

static void
suite_fill(const struct ike_proposal *p, struct ike_suite *s)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < p->n_xforms; i++) {
		const struct ike_transform *t = &p->xforms[i];

		switch (t->type) {
		case IKE_XFORM_ENCR:
			s->encr = t->id;
			s->encr_keylen = t->keylen;
			break;
		case IKE_XFORM_PRF:
			s->prf = t->id;
			break;
		case IKE_XFORM_INTEG:
			s->integ = t->id;
			break;
		case IKE_XFORM_DH:
			s->dh = t->id;
			break;
		case IKE_XFORM_ESN:
			s->esn = t->id;
			break;
		}
	}
}

/* Pick the transform of type shared by ours and peer's, in the preferred
 * order; with want (DH only) that one or nothing. */
static const struct ike_transform *
pick(const struct ike_proposal *ours, const struct ike_proposal *peer,
    uint8_t type, unsigned flags, uint16_t want)
{
	const struct ike_proposal *pref, *other;
	size_t i;

	if (flags & PROPOSAL_PREFER_PEER) {
		pref = peer;
		other = ours;
	} else {
		pref = ours;
		other = peer;
	}
	for (i = 0; i < pref->n_xforms; i++) {
		const struct ike_transform *t = &pref->xforms[i];

		if (t->type != type || (want != 0 && t->id != want))
			continue;
		if (proposal_has(other, t))
			return t;
	}
	return NULL;
}

/* Whether peer proposal p matches our proposal o; the choice in out. */
static bool
match(const struct ike_proposal *o_in, const struct ike_proposal *p_in,
    unsigned flags, uint16_t ke_group, struct ike_proposal *out)
{
	struct ike_proposal o, p;
	const struct ike_transform *t;
	unsigned type;

	if (p_in->proto != o_in->proto || !spi_size_ok(p_in))
		return false;
	filter(o_in, flags, &o);
	filter(p_in, flags, &p);

	memset(out, 0, sizeof(*out));
	out->num = p.num;
	out->proto = p.proto;
	out->spi_size = p.spi_size;
	memcpy(out->spi, p.spi, sizeof(out->spi));
	for (type = 0; type <= UINT8_MAX; type++) {
		bool o_has = has_type(&o, (uint8_t)type);
		bool p_has = has_type(&p, (uint8_t)type);

		if (!o_has && !p_has)
			continue;
		if (!p_has)
			return false;	/* a type we need is missing */
		if (!o_has) {
			/* The peer lets us leave out what it offers NONE
			 * for; 0 is reserved for ciphers and PRFs. */
			if (type != IKE_XFORM_ENCR && type != IKE_XFORM_PRF &&
			    has_none(&p, (uint8_t)type))
				continue;
			return false;
		}
		t = pick(&o, &p, (uint8_t)type, flags,
		    type == IKE_XFORM_DH ? ke_group : 0);
		if (t == NULL || out->n_xforms >= IKE_XFORMS_MAX)
			return false;
		out->xforms[out->n_xforms++] = *t;
	}
	return true;
}

static bool
select_pass(const struct proposal_conf *c, const struct ike_proposal_list *l,
    unsigned flags, uint16_t ke_group, struct ike_proposal *out)
{
	size_t i, j, n = l->n < IKE_PROPOSALS_MAX ? l->n : IKE_PROPOSALS_MAX;

	if (flags & PROPOSAL_PREFER_PEER) {
		for (i = 0; i < n; i++)
			for (j = 0; j < c->list.n; j++)
				if (match(&c->list.p[j], &l->p[i], flags,
				    ke_group, out))
					return true;
	} else {
		for (j = 0; j < c->list.n; j++)
			for (i = 0; i < n; i++)
				if (match(&c->list.p[j], &l->p[i], flags,
				    ke_group, out))
					return true;
	}
	return false;
}

static const char *
proto_name(uint8_t proto)
{
	switch (proto) {
	case IKE_PROTO_IKE:
		return "IKE";
	case IKE_PROTO_AH:
		return "AH";
	case IKE_PROTO_ESP:
		return "ESP";
	}
	return "?";
}

static void
sb_proposal(struct strbuf *sb, const struct ike_proposal *p, unsigned flags)
{
	struct ike_proposal f;
	char x[64];
	size_t i;

	filter(p, flags, &f);
	for (i = 0; i < f.n_xforms; i++)
		sb_printf(sb, "%s%s", i > 0 ? "/" : "",
		    proposal_xform_str(&f.xforms[i], x, sizeof(x)));
	if (f.n_xforms == 0)
		sb_printf(sb, "(no transforms)");
}

/* A list for a reason; peer lists also say what makes a proposal invalid. */
static void
sb_list(struct strbuf *sb, const struct ike_proposal_list *l, uint8_t proto,
    unsigned flags, bool peer)
{
	size_t i, n = l->n < IKE_PROPOSALS_MAX ? l->n : IKE_PROPOSALS_MAX;

	for (i = 0; i < n; i++) {
		const struct ike_proposal *p = &l->p[i];

		if (i > 0)
			sb_printf(sb, " or ");
		if (p->proto != proto)
			sb_printf(sb, "%s:", proto_name(p->proto));
		sb_proposal(sb, p, flags);
		if (peer && p->proto == proto && !spi_size_ok(p))
			sb_printf(sb, " (SPI size %u)", p->spi_size);
	}
}

int
proposal_select(const struct proposal_conf *c,
    const struct ike_proposal_list *offered, unsigned flags, uint16_t ke_group,
    struct proposal_choice *choice, char *why, size_t whylen)
{
	struct strbuf sb;
	bool found = false;

	memset(choice, 0, sizeof(*choice));
	if (ke_group != 0 && !(flags & PROPOSAL_SKIP_DH))
		found = select_pass(c, offered, flags, ke_group,
		    &choice->chosen);
	if (!found)
		found = select_pass(c, offered, flags, 0, &choice->chosen);
	if (found) {
		suite_fill(&choice->chosen, &choice->suite);
		return 0;
	}

	memset(choice, 0, sizeof(*choice));
	sb_init(&sb, why, whylen);
	if (offered->n == 0)
		sb_printf(&sb, "peer offered no proposal");
	else {
		sb_printf(&sb, "peer offered ");
		sb_list(&sb, offered, c->proto, flags, true);
	}
	sb_printf(&sb, ", we accept ");
	sb_list(&sb, &c->list, c->proto, flags, false);
	sb_done(&sb);
	return -1;
}

static const char *
type_name(uint8_t type)
{
	switch (type) {
	case IKE_XFORM_ENCR:
		return "encryption";
	case IKE_XFORM_PRF:
		return "PRF";
	case IKE_XFORM_INTEG:
		return "integrity";
	case IKE_XFORM_DH:
		return "DH group";
	case IKE_XFORM_ESN:
		return "ESN";
	}
	return "unknown type";
}

int
proposal_check_reply(const struct proposal_conf *c,
    const struct ike_proposal_list *reply, unsigned flags,
    struct proposal_choice *choice, char *why, size_t whylen)
{
	const struct ike_proposal *r;
	struct ike_proposal o;
	bool seen[UINT8_MAX + 1] = { false };
	char x[64];
	size_t i;

	memset(choice, 0, sizeof(*choice));
	if (reply->n != 1) {
		snprintf(why, whylen, "responder returned %zu proposals, not 1",
		    reply->n);
		return -1;
	}
	r = &reply->p[0];
	if (r->proto != c->proto) {
		snprintf(why, whylen, "responder returned an %s proposal "
		    "for %s",
		    proto_name(r->proto), proto_name(c->proto));
		return -1;
	}
	if (r->num == 0 || r->num > c->list.n) {
		snprintf(why, whylen, "responder chose proposal #%u, we "
		    "offered #1 to #%zu", r->num, c->list.n);
		return -1;
	}
	if (!spi_size_ok(r)) {
		snprintf(why, whylen, "responder returned an SPI of %u bytes "
		    "for %s", r->spi_size, proto_name(r->proto));
		return -1;
	}
	filter(&c->list.p[r->num - 1], flags, &o);
	for (i = 0; i < r->n_xforms; i++) {
		const struct ike_transform *t = &r->xforms[i];

		if (seen[t->type]) {
			snprintf(why, whylen, "responder returned more than "
			    "one %s transform", type_name(t->type));
			return -1;
		}
		seen[t->type] = true;
		if (proposal_has(&o, t))
			continue;
		/* NONE for a type we did not offer says the same thing as
		 * leaving it out (some responders write it). */
		if (t->id == 0 && !has_type(&o, t->type) &&
		    (t->type == IKE_XFORM_INTEG || t->type == IKE_XFORM_DH))
			continue;
		snprintf(why, whylen, "responder returned %s, which proposal "
		    "#%u did not offer", proposal_xform_str(t, x, sizeof(x)),
		    r->num);
		return -1;
	}
	for (i = 0; i < o.n_xforms; i++) {
		if (!seen[o.xforms[i].type]) {
			snprintf(why, whylen, "responder returned no %s "
			    "transform", type_name(o.xforms[i].type));
			return -1;
		}
	}
	choice->chosen = *r;
	suite_fill(r, &choice->suite);
	/* NONE transforms leave their suite field 0, as if absent. */
	return 0;
}

void
proposal_conf_offer(const struct proposal_conf *c, unsigned flags,
    struct ike_proposal_list *l)
{
	size_t i;

	memset(l, 0, sizeof(*l));
	for (i = 0; i < c->list.n; i++) {
		filter(&c->list.p[i], flags, &l->p[i]);
		l->p[i].num = (uint8_t)(i + 1);
		l->p[i].spi_size = 0;
	}
	l->n = c->list.n;
}

uint16_t
proposal_conf_first_dh(const struct proposal_conf *c)
{
	size_t i;

	if (c->list.n == 0)
		return DH_NONE;
	for (i = 0; i < c->list.p[0].n_xforms; i++)
		if (c->list.p[0].xforms[i].type == IKE_XFORM_DH)
			return c->list.p[0].xforms[i].id;
	return DH_NONE;
}

bool
proposal_conf_dh_ok(const struct proposal_conf *c, uint16_t group)
{
	struct ike_transform t = { IKE_XFORM_DH, group, 0 };
	size_t i;

	if (group == DH_NONE)
		return false;
	for (i = 0; i < c->list.n; i++)
		if (proposal_has(&c->list.p[i], &t))
			return true;
	return false;
}

/* ---- names ---- */

static const struct {
	uint8_t		 type;
	uint16_t	 id;
	const char	*name;
} xform_names[] = {
	/* IANA "Transform Type 1 - Encryption Algorithm Transform IDs":
	 * the ones vtid implements, and common ones a peer may offer. */
	{ IKE_XFORM_ENCR, 3, "3DES" },
	{ IKE_XFORM_ENCR, 11, "NULL" },
	{ IKE_XFORM_ENCR, ENCR_AES_CBC, "AES_CBC" },
	{ IKE_XFORM_ENCR, 13, "AES_CTR" },
	{ IKE_XFORM_ENCR, 14, "AES_CCM_8" },
	{ IKE_XFORM_ENCR, 15, "AES_CCM_12" },
	{ IKE_XFORM_ENCR, 16, "AES_CCM_16" },
	{ IKE_XFORM_ENCR, 18, "AES_GCM_8" },
	{ IKE_XFORM_ENCR, 19, "AES_GCM_12" },
	{ IKE_XFORM_ENCR, ENCR_AES_GCM_16, "AES_GCM_16" },
	{ IKE_XFORM_ENCR, 21, "NULL_AUTH_AES_GMAC" },
	{ IKE_XFORM_ENCR, 23, "CAMELLIA_CBC" },
	{ IKE_XFORM_ENCR, 28, "CHACHA20_POLY1305" },
	{ IKE_XFORM_PRF, 1, "PRF_HMAC_MD5" },
	{ IKE_XFORM_PRF, 2, "PRF_HMAC_SHA1" },
	{ IKE_XFORM_PRF, 4, "PRF_AES128_XCBC" },
	{ IKE_XFORM_PRF, PRF_HMAC_SHA2_256, "PRF_HMAC_SHA2_256" },
	{ IKE_XFORM_PRF, PRF_HMAC_SHA2_384, "PRF_HMAC_SHA2_384" },
	{ IKE_XFORM_PRF, PRF_HMAC_SHA2_512, "PRF_HMAC_SHA2_512" },
	{ IKE_XFORM_PRF, 8, "PRF_AES128_CMAC" },
	{ IKE_XFORM_INTEG, AUTH_NONE, "AUTH_NONE" },
	{ IKE_XFORM_INTEG, 1, "AUTH_HMAC_MD5_96" },
	{ IKE_XFORM_INTEG, 2, "AUTH_HMAC_SHA1_96" },
	{ IKE_XFORM_INTEG, 5, "AUTH_AES_XCBC_96" },
	{ IKE_XFORM_INTEG, 8, "AUTH_AES_CMAC_96" },
	{ IKE_XFORM_INTEG, AUTH_HMAC_SHA2_256_128, "AUTH_HMAC_SHA2_256_128" },
	{ IKE_XFORM_INTEG, AUTH_HMAC_SHA2_384_192, "AUTH_HMAC_SHA2_384_192" },
	{ IKE_XFORM_INTEG, AUTH_HMAC_SHA2_512_256, "AUTH_HMAC_SHA2_512_256" },
	{ IKE_XFORM_DH, DH_NONE, "DH_NONE" },
	{ IKE_XFORM_DH, 2, "MODP_1024" },
	{ IKE_XFORM_DH, 5, "MODP_1536" },
	{ IKE_XFORM_DH, MODP_2048, "MODP_2048" },
	{ IKE_XFORM_DH, 15, "MODP_3072" },
	{ IKE_XFORM_DH, 16, "MODP_4096" },
	{ IKE_XFORM_DH, 17, "MODP_6144" },
	{ IKE_XFORM_DH, 18, "MODP_8192" },
	{ IKE_XFORM_DH, ECP_256, "ECP_256" },
	{ IKE_XFORM_DH, ECP_384, "ECP_384" },
	{ IKE_XFORM_DH, ECP_521, "ECP_521" },
	{ IKE_XFORM_DH, CURVE25519, "CURVE25519" },
	{ IKE_XFORM_DH, 32, "CURVE448" },
	{ IKE_XFORM_ESN, ESN_NONE, "ESN_NONE" },
	{ IKE_XFORM_ESN, ESN_ENABLED, "ESN_ENABLED" },
};

const char *
proposal_xform_name(uint8_t type, uint16_t id)
{
	size_t i;

	for (i = 0; i < sizeof(xform_names) / sizeof(xform_names[0]); i++)
		if (xform_names[i].type == type && xform_names[i].id == id)
			return xform_names[i].name;
	return NULL;
}

char *
proposal_xform_str(const struct ike_transform *t, char *buf, size_t len)
{
	static const char *const prefix[] = {
		[IKE_XFORM_ENCR] = "ENCR", [IKE_XFORM_PRF] = "PRF",
		[IKE_XFORM_INTEG] = "AUTH", [IKE_XFORM_DH] = "DH",
		[IKE_XFORM_ESN] = "ESN",
	};
	const char *name = proposal_xform_name(t->type, t->id);
	struct strbuf sb;

	sb_init(&sb, buf, len);
	if (name != NULL)
		sb_printf(&sb, "%s", name);
	else if (t->type >= IKE_XFORM_ENCR && t->type <= IKE_XFORM_ESN)
		sb_printf(&sb, "%s_%u", prefix[t->type], t->id);
	else
		sb_printf(&sb, "TYPE_%u_%u", t->type, t->id);
	if (t->keylen != 0)
		sb_printf(&sb, "_%u", t->keylen);
	return sb_done(&sb);
}

char *
proposal_str(const struct ike_proposal *p, char *buf, size_t len)
{
	struct strbuf sb;

	sb_init(&sb, buf, len);
	sb_proposal(&sb, p, 0);
	return sb_done(&sb);
}

char *
proposal_list_str(const struct ike_proposal_list *l, char *buf, size_t len)
{
	struct strbuf sb;
	size_t i, n = l->n < IKE_PROPOSALS_MAX ? l->n : IKE_PROPOSALS_MAX;

	sb_init(&sb, buf, len);
	for (i = 0; i < n; i++) {
		if (i > 0)
			sb_printf(&sb, " or ");
		sb_proposal(&sb, &l->p[i], 0);
	}
	return sb_done(&sb);
}

char *
proposal_suite_str(const struct ike_suite *s, uint8_t proto, char *buf,
    size_t len)
{
	struct ike_transform t;
	struct strbuf sb;
	char x[64];

	sb_init(&sb, buf, len);
	t = (struct ike_transform){ IKE_XFORM_ENCR, s->encr, s->encr_keylen };
	sb_printf(&sb, "%s", proposal_xform_str(&t, x, sizeof(x)));
	if (s->prf != 0) {
		t = (struct ike_transform){ IKE_XFORM_PRF, s->prf, 0 };
		sb_printf(&sb, "/%s", proposal_xform_str(&t, x, sizeof(x)));
	}
	if (s->integ != 0) {
		t = (struct ike_transform){ IKE_XFORM_INTEG, s->integ, 0 };
		sb_printf(&sb, "/%s", proposal_xform_str(&t, x, sizeof(x)));
	}
	if (s->dh != 0) {
		t = (struct ike_transform){ IKE_XFORM_DH, s->dh, 0 };
		sb_printf(&sb, "/%s", proposal_xform_str(&t, x, sizeof(x)));
	}
	if (proto == IKE_PROTO_ESP) {
		t = (struct ike_transform){ IKE_XFORM_ESN, s->esn, 0 };
		sb_printf(&sb, "/%s", proposal_xform_str(&t, x, sizeof(x)));
	}
	return sb_done(&sb);
}
