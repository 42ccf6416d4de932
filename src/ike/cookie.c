/* Stateless COOKIEs with a rotating secret: see cookie.h. */
#include <string.h>

#include <openssl/crypto.h>

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

void
ike_cookies_wipe(struct ike_cookies *c)
{
	OPENSSL_cleanse(&c->cur, sizeof(c->cur));
	OPENSSL_cleanse(&c->prev, sizeof(c->prev));
}

static int
secret_new(struct ike_cookie_secret *s, uint32_t id)
{
	s->id = id;
	s->set = ike_random(s->key, sizeof(s->key)) == 0;
	return s->set ? 0 : -1;
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
	if (now - c->made >= 2 * c->period)
		OPENSSL_cleanse(&c->prev, sizeof(c->prev));
	else
		c->prev = c->cur;
	c->rotations++;
	c->made = now;
	return secret_new(&c->cur, c->cur.id + 1);
}

static int
cookie_hmac(const struct ike_cookie_secret *s, const struct ike_cookie_in *in,
    uint8_t *out)
{
	struct ike_iov iov[3];
	uint8_t spi[8];
	size_t iplen;

	if ((iov[1].ptr = addr_octets(in->ipi, &iplen)) == NULL)
		return -1;
	iov[1].len = iplen;
	iov[0].ptr = in->ni;
	iov[0].len = in->ni_len;
	ike_put64(in->spii, spi);
	iov[2].ptr = spi;
	iov[2].len = sizeof(spi);
	return ike_crypto_hmac("SHA256", s->key, sizeof(s->key), iov, 3, out,
	    IKE_COOKIE_HMAC_LEN);
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

bool
ike_cookie_valid(struct ike_cookies *c, double now,
    const struct ike_cookie_in *in, const uint8_t *cookie, size_t len)
{
	const struct ike_cookie_secret *s;
	uint8_t mac[IKE_COOKIE_HMAC_LEN];
	uint32_t id;
	bool ok;

	if (len != IKE_COOKIE_LEN || cookies_rotate(c, now) == -1)
		return false;
	id = (uint32_t)cookie[0] << 24 | (uint32_t)cookie[1] << 16 |
	    (uint32_t)cookie[2] << 8 | cookie[3];
	if (c->cur.set && id == c->cur.id)
		s = &c->cur;
	else if (c->prev.set && id == c->prev.id)
		s = &c->prev;
	else
		return false;
	ok = cookie_hmac(s, in, mac) == 0 &&
	    CRYPTO_memcmp(mac, cookie + 4, sizeof(mac)) == 0;
	OPENSSL_cleanse(mac, sizeof(mac));
	return ok;
}
