/* Stateless COOKIEs (RFC 7296 2.6): what a responder under load returns
 * instead of an SA, and recognises when the initiator sends it back. The
 * suggested format, with SHA-256 as an HMAC:
 *
 *	Cookie = <secret id, 4 octets> | HMAC-SHA256(secret, Ni | IPi | SPIi)
 *
 * The secret is random and replaced every period; a cookie made with the
 * secret in force or with the one before it is accepted, so that a cookie
 * issued just before a rotation still works, and one older than two
 * periods does not. Nothing here knows the engine: the caller gives the
 * time. */
#ifndef VTID_IKE_COOKIE_H
#define VTID_IKE_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define IKE_COOKIE_SECRET_LEN	32
#define IKE_COOKIE_HMAC_LEN	32		/* SHA-256 */
#define IKE_COOKIE_LEN		(4 + IKE_COOKIE_HMAC_LEN)

struct evp_mac_ctx_st;

struct ike_cookie_secret {
	bool		 set;
	uint32_t	 id;
	uint8_t		 key[IKE_COOKIE_SECRET_LEN];
	/* HMAC-SHA256 keyed with it, copied for each cookie: a cookie
	 * costs no algorithm fetch nor key set-up (a flood's whole cost). */
	struct evp_mac_ctx_st *mac;
};

struct ike_cookies {
	struct ike_cookie_secret cur, prev;
	double		 made;		/* when cur was made */
	double		 period;	/* seconds a secret is in force */
	uint64_t	 rotations;
};

/* What a cookie is made of: the initiator's nonce, address and SPI. */
struct ike_cookie_in {
	const uint8_t	*ni;
	size_t		 ni_len;
	const struct sockaddr_storage *ipi;	/* port ignored */
	uint64_t	 spii;
};

/* No secret yet: the first is made when the first cookie is. */
void	 ike_cookies_init(struct ike_cookies *, double period);
/* A new period applies from the next rotation on. */
void	 ike_cookies_set_period(struct ike_cookies *, double period);
/* Both secrets wiped and freed. */
void	 ike_cookies_wipe(struct ike_cookies *);
/* The cookie for this request into out[IKE_COOKIE_LEN]: 0, or -1. */
int	 ike_cookie_make(struct ike_cookies *, double now,
	    const struct ike_cookie_in *, uint8_t *out);
/* Whether the cookie is one we made for this request, and with which
 * secret. */
enum ike_cookie_verdict {
	IKE_COOKIE_INVALID,
	IKE_COOKIE_CURRENT,
	IKE_COOKIE_PREVIOUS,	/* made before the last rotation */
};
enum ike_cookie_verdict ike_cookie_check(struct ike_cookies *, double now,
	    const struct ike_cookie_in *, const uint8_t *cookie, size_t len);

#endif
