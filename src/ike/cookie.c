/* Stateless COOKIEs with a rotating secret: see cookie.h. */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ike/cookie.h"
#include "ike/crypto.h"
#include "ike/wire.h"
#include "util/addr.h"

void
ike_cookies_init(struct ike_cookies *c, double period)
{
	memset(c, 0, sizeof(*c));
	c->period = period;
}

void
ike_cookies_set_period(struct ike_cookies *c, double period)
{
	c->period = period;
}

static void
secret_wipe(struct ike_cookie_secret *s)
{
	EVP_MAC_CTX_free(s->mac);
	OPENSSL_cleanse(s, sizeof(*s));
}

void
ike_cookies_wipe(struct ike_cookies *c)
{
	secret_wipe(&c->cur);
	secret_wipe(&c->prev);
}

/* A random secret and its keyed HMAC context. */
static int
secret_new(struct ike_cookie_secret *s, uint32_t id)
{
	OSSL_PARAM params[2];
	EVP_MAC *mac;
	char md[] = "SHA256";

	secret_wipe(s);
	s->id = id;
	if (ike_random(s->key, sizeof(s->key)) == -1)
		return -1;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    md, 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return -1;
	s->mac = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);
	if (s->mac == NULL ||
	    !EVP_MAC_init(s->mac, s->key, sizeof(s->key), params)) {
		secret_wipe(s);
		return -1;
	}
	s->set = true;
	return 0;
}

/* The secret in force made (first use) or replaced when its period is
 * over; after two periods unused, the previous one goes too. */
static int
cookies_rotate(struct ike_cookies *c, double now)
{
	uint32_t id;

	if (!c->cur.set) {
		if (ike_random(&id, sizeof(id)) == -1 ||
		    secret_new(&c->cur, id) == -1)
			return -1;
		c->made = now;
		return 0;
	}
	if (now - c->made < c->period)
		return 0;
	secret_wipe(&c->prev);
	if (now - c->made < 2 * c->period) {
		c->prev = c->cur;
		c->cur.mac = NULL;
	}
	c->rotations++;
	c->made = now;
	return secret_new(&c->cur, c->cur.id + 1);
}

static int
cookie_hmac(const struct ike_cookie_secret *s, const struct ike_cookie_in *in,
    uint8_t *out)
{
	EVP_MAC_CTX *ctx;
	const uint8_t *ip;
	uint8_t spi[8];
	size_t iplen, n = 0;
	int rc = -1;

	if ((ip = addr_octets(in->ipi, &iplen)) == NULL ||
	    (ctx = EVP_MAC_CTX_dup(s->mac)) == NULL)
		return -1;
	ike_put64(in->spii, spi);
	if (EVP_MAC_update(ctx, in->ni, in->ni_len) &&
	    EVP_MAC_update(ctx, ip, iplen) &&
	    EVP_MAC_update(ctx, spi, sizeof(spi)) &&
	    EVP_MAC_final(ctx, out, &n, IKE_COOKIE_HMAC_LEN) &&
	    n == IKE_COOKIE_HMAC_LEN)
		rc = 0;
	EVP_MAC_CTX_free(ctx);
	return rc;
}

int
ike_cookie_make(struct ike_cookies *c, double now,
    const struct ike_cookie_in *in, uint8_t *out)
{
	if (cookies_rotate(c, now) == -1)
		return -1;
	out[0] = (uint8_t)(c->cur.id >> 24);
	out[1] = (uint8_t)(c->cur.id >> 16);
	out[2] = (uint8_t)(c->cur.id >> 8);
	out[3] = (uint8_t)c->cur.id;
	return cookie_hmac(&c->cur, in, out + 4);
}

enum ike_cookie_verdict
ike_cookie_check(struct ike_cookies *c, double now,
    const struct ike_cookie_in *in, const uint8_t *cookie, size_t len)
{
	const struct ike_cookie_secret *s;
	uint8_t mac[IKE_COOKIE_HMAC_LEN];
	uint32_t id;
	bool ok;

	if (len != IKE_COOKIE_LEN || cookies_rotate(c, now) == -1)
		return IKE_COOKIE_INVALID;
	id = (uint32_t)cookie[0] << 24 | (uint32_t)cookie[1] << 16 |
	    (uint32_t)cookie[2] << 8 | cookie[3];
	if (c->cur.set && id == c->cur.id)
		s = &c->cur;
	else if (c->prev.set && id == c->prev.id)
		s = &c->prev;
	else
		return IKE_COOKIE_INVALID;
	ok = cookie_hmac(s, in, mac) == 0 &&
	    CRYPTO_memcmp(mac, cookie + 4, sizeof(mac)) == 0;
	OPENSSL_cleanse(mac, sizeof(mac));
	if (!ok)
		return IKE_COOKIE_INVALID;
	return s == &c->cur ? IKE_COOKIE_CURRENT : IKE_COOKIE_PREVIOUS;
}
