/* What the exchanges share: notify names, the first error notify of a
 * message, the traffic selectors of a route-based tunnel, the nonce rule
 * of collisions, and the failure they report. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/exchange.h"
#include "ike/wire.h"

int
ike_fail_set(struct ike_fail *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->why, sizeof(f->why), fmt, ap);
	va_end(ap);
	return -1;
}

const char *
ike_notify_name(uint16_t type)
{
	switch (type) {
	case UNSUPPORTED_CRITICAL_PAYLOAD: return "UNSUPPORTED_CRITICAL_PAYLOAD";
	case INVALID_IKE_SPI: return "INVALID_IKE_SPI";
	case INVALID_MAJOR_VERSION: return "INVALID_MAJOR_VERSION";
	case INVALID_SYNTAX: return "INVALID_SYNTAX";
	case INVALID_MESSAGE_ID: return "INVALID_MESSAGE_ID";
	case INVALID_SPI: return "INVALID_SPI";
	case NO_PROPOSAL_CHOSEN: return "NO_PROPOSAL_CHOSEN";
	case INVALID_KE_PAYLOAD: return "INVALID_KE_PAYLOAD";
	case AUTHENTICATION_FAILED: return "AUTHENTICATION_FAILED";
	case SINGLE_PAIR_REQUIRED: return "SINGLE_PAIR_REQUIRED";
	case NO_ADDITIONAL_SAS: return "NO_ADDITIONAL_SAS";
	case INTERNAL_ADDRESS_FAILURE: return "INTERNAL_ADDRESS_FAILURE";
	case FAILED_CP_REQUIRED: return "FAILED_CP_REQUIRED";
	case TS_UNACCEPTABLE: return "TS_UNACCEPTABLE";
	case INVALID_SELECTORS: return "INVALID_SELECTORS";
	case TEMPORARY_FAILURE: return "TEMPORARY_FAILURE";
	case CHILD_SA_NOT_FOUND: return "CHILD_SA_NOT_FOUND";
	}
	return "error notify";
}

/* The first error notify of a message, or 0. */
uint16_t
ike_msg_error(const struct ike_msg *m)
{
	size_t i;

	for (i = 0; i < m->n_notify; i++)
		if (ike_notify_is_error(m->notify[i].type))
			return m->notify[i].type;
	return 0;
}

/* The two traffic selectors of a route-based tunnel: everything. */
size_t
ike_ts_all(struct ike_ts ts[2], bool v4, bool v6)
{
	size_t n = 0;

	memset(ts, 0, 2 * sizeof(*ts));
	if (v6) {
		ts[n].type = TS_IPV6_ADDR_RANGE;
		ts[n].eport = 65535;
		memset(ts[n].end, 0xff, 16);
		n++;
	}
	if (v4) {
		ts[n].type = TS_IPV4_ADDR_RANGE;
		ts[n].eport = 65535;
		memset(ts[n].end, 0xff, 4);
		n++;
	}
	return n;
}

/* Which families a TS payload covers whole (all addresses, protocols and
 * ports). A narrower selector is ignored: the kernel policies are ::/0 and
 * 0.0.0.0/0 and routing decides; a TSi that starts with the packet that
 * triggered the peer (RFC 7296 2.9) is fine since its wide selectors
 * follow. */
void
ike_ts_families(const struct ike_pl_ts *p, bool *v4, bool *v6)
{
	static const uint8_t zero[16];
	static const uint8_t ones[16] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	size_t i, alen;

	*v4 = *v6 = false;
	for (i = 0; i < p->n; i++) {
		const struct ike_ts *t = &p->ts[i];

		if (t->proto != 0 || t->sport != 0 || t->eport != 65535)
			continue;
		alen = t->type == TS_IPV4_ADDR_RANGE ? 4 : 16;
		if (memcmp(t->start, zero, alen) != 0 ||
		    memcmp(t->end, ones, alen) != 0)
			continue;
		if (t->type == TS_IPV4_ADDR_RANGE)
			*v4 = true;
		else
			*v6 = true;
	}
}

/* RFC 7296 2.8.1: nonces compare as octet strings; a shorter one that is
 * a prefix of the other is the lower. */
int
ike_nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int c = memcmp(a, b, n);

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

void
ike_nonce_min(const uint8_t *ni, size_t ni_len, const uint8_t *nr,
    size_t nr_len, uint8_t *out, size_t *out_len)
{
	if (ike_nonce_cmp(ni, ni_len, nr, nr_len) <= 0) {
		memcpy(out, ni, ni_len);
		*out_len = ni_len;
	} else {
		memcpy(out, nr, nr_len);
		*out_len = nr_len;
	}
}


uint8_t *
ike_copy_bytes(const uint8_t *p, size_t len)
{
	uint8_t *c = malloc(len);

	if (c != NULL)
		memcpy(c, p, len);
	return c;
}

int
ike_responder_nonces(struct ike_sa *sa, const struct proposal_choice *choice,
    const struct ike_pl_nonce *peer)
{
	sa->choice = *choice;
	memcpy(sa->ni, peer->data, peer->len);
	sa->ni_len = peer->len;
	sa->nr_len = IKE_NONCE_LEN;
	return ike_random(sa->nr, sa->nr_len);
}

int
ike_sa_keys_make(struct ike_sa *sa, const struct ike_key_parent *parent,
    const struct ike_chunk *gir)
{
	struct ike_key_seed ks;
	uint8_t si[8], sr[8];

	ike_put64(sa->ispi, si);
	ike_put64(sa->rspi, sr);
	ks.ni.ptr = sa->ni;
	ks.ni.len = sa->ni_len;
	ks.nr.ptr = sa->nr;
	ks.nr.len = sa->nr_len;
	ks.gir.ptr = gir->ptr;
	ks.gir.len = gir->len;
	ks.spi_i = si;
	ks.spi_r = sr;
	/* RFC 7296 2.14: SK_ei/SK_ai protect what the initiator sends. */
	if (ike_crypto_resolve(&sa->choice.suite, &sa->algs) == -1 ||
	    ike_keys_ike_sa(&sa->algs, parent, &ks, &sa->keys) == -1 ||
	    ike_keys_sk_ctx(&sa->keys, &sa->algs, sa->initiator ? IKE_DIR_I2R :
	    IKE_DIR_R2I, &sa->sk_out) == -1 ||
	    ike_keys_sk_ctx(&sa->keys, &sa->algs, sa->initiator ? IKE_DIR_R2I :
	    IKE_DIR_I2R, &sa->sk_in) == -1)
		return -1;
	sa->have_keys = true;
	return 0;
}
