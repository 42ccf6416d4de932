/* The engine's lookups (uthash, Debian's uthash-dev). Peers that share a
 * remote address (each with its own local address) hang off one entry
 * of the address table, in the order they were added, so that matching
 * an IKE_SA_INIT visits only them. */
#include <stdlib.h>
#include <string.h>

#include "ike/table.h"
#include "util/addr.h"

/* Peers with one remote address. */
struct ike_peer_addr {
	UT_hash_handle	 hh;
	struct ike_init_key key;	/* ispi 0 */
	struct ike_peer	*first;
};

/* SipHash-2-4 (Aumasson, Bernstein 2012) with a key drawn at the first
 * use: a peer that picks SPIs cannot aim them at one bucket. */
static uint64_t	sip_key[2];
static bool	sip_keyed;

#define ROTL(x, b)	(uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void
sip_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = ROTL(v[1], 13) ^ v[0];
	v[0] = ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = ROTL(v[3], 16) ^ v[2];
	v[0] += v[3];
	v[3] = ROTL(v[3], 21) ^ v[0];
	v[2] += v[1];
	v[1] = ROTL(v[1], 17) ^ v[2];
	v[2] = ROTL(v[2], 32);
}

static void
sip_block(uint64_t v[4], uint64_t m)
{
	v[3] ^= m;
	sip_round(v);
	sip_round(v);
	v[0] ^= m;
}

unsigned int
ike_table_hash(const void *key, size_t len)
{
	const uint8_t *p = key;
	uint64_t v[4], m;
	size_t i, left = len & 7;

	if (!sip_keyed) {
		if (ike_random(sip_key, sizeof(sip_key)) == -1)
			fatal("RAND_bytes failed");
		sip_keyed = true;
	}
	v[0] = sip_key[0] ^ 0x736f6d6570736575ULL;
	v[1] = sip_key[1] ^ 0x646f72616e646f6dULL;
	v[2] = sip_key[0] ^ 0x6c7967656e657261ULL;
	v[3] = sip_key[1] ^ 0x7465646279746573ULL;
	for (; p + 8 <= (const uint8_t *)key + len; p += 8) {
		for (m = 0, i = 0; i < 8; i++)
			m |= (uint64_t)p[i] << (8 * i);
		sip_block(v, m);
	}
	for (m = (uint64_t)len << 56, i = 0; i < left; i++)
		m |= (uint64_t)p[i] << (8 * i);
	sip_block(v, m);
	v[2] ^= 0xff;
	for (i = 0; i < 4; i++)
		sip_round(v);
	m = v[0] ^ v[1] ^ v[2] ^ v[3];
	return (unsigned int)(m ^ (m >> 32));
}

/* Set by uthash (engine.h, uthash_nonfatal_oom) when an insertion
 * failed for want of memory; read and cleared right after each one. */
static bool	table_oomed;

void
ike_table_oom(void)
{
	table_oomed = true;
}

static int
table_check(void)
{
	bool oomed = table_oomed;

	table_oomed = false;
	return oomed ? -1 : 0;
}

/* The key is hashed as bytes: zeroed first, padding included. */
static void
init_key(struct ike_init_key *k, uint64_t ispi,
    const struct sockaddr_storage *a)
{
	const uint8_t *p;
	size_t len;

	memset(k, 0, sizeof(*k));
	k->ispi = ispi;
	k->family = (uint8_t)a->ss_family;
	if ((p = addr_octets(a, &len)) != NULL)
		memcpy(k->addr, p, len);
}

/* The key of the SPI table: ike_sa_spi's field itself. */
static const uint64_t *
sa_spi(const struct ike_sa *sa)
{
	return sa->initiator ? &sa->ispi : &sa->rspi;
}

int
ike_table_sa_add(struct ike_engine *eng, struct ike_sa *sa)
{
	HASH_ADD_KEYPTR(hh_spi, eng->by_spi, sa_spi(sa), sizeof(uint64_t), sa);
	if (table_check() == -1)
		return -1;
	if (sa->initiator)
		return 0;
	init_key(&sa->init_key, sa->ispi, &sa->remote);
	HASH_ADD(hh_init, eng->by_init, init_key, sizeof(sa->init_key), sa);
	if (table_check() == -1) {
		HASH_DELETE(hh_spi, eng->by_spi, sa);
		return -1;
	}
	return 0;
}

void
ike_table_sa_del(struct ike_engine *eng, struct ike_sa *sa)
{
	HASH_DELETE(hh_spi, eng->by_spi, sa);
	if (!sa->initiator)
		HASH_DELETE(hh_init, eng->by_init, sa);
}

struct ike_sa *
ike_table_sa_find(const struct ike_engine *eng, uint64_t spi)
{
	struct ike_sa *sa;

	HASH_FIND(hh_spi, eng->by_spi, &spi, sizeof(spi), sa);
	return sa;
}

struct ike_sa *
ike_table_sa_init(const struct ike_engine *eng, uint64_t ispi,
    const struct sockaddr_storage *remote)
{
	struct ike_init_key k;
	struct ike_sa *sa;

	init_key(&k, ispi, remote);
	HASH_FIND(hh_init, eng->by_init, &k, sizeof(k), sa);
	return sa;
}

uint64_t
ike_table_spi_new(struct ike_engine *eng)
{
	uint64_t spi;

	do {
		if (ike_random(&spi, sizeof(spi)) == -1)
			fatal("RAND_bytes failed");
	} while (spi == 0 || ike_table_sa_find(eng, spi) != NULL);
	return spi;
}

static struct ike_peer_addr *
addr_find(const struct ike_engine *eng, const struct sockaddr_storage *remote)
{
	struct ike_init_key k;
	struct ike_peer_addr *pa;

	init_key(&k, 0, remote);
	HASH_FIND(hh, eng->by_addr, &k, sizeof(k), pa);
	return pa;
}

/* A dynamic peer's key in by_id: its ID's type, then the ID. */
static size_t
id_key(uint8_t *key, uint8_t type, const uint8_t *id, size_t len)
{
	key[0] = type;
	memcpy(key + 1, id, len);
	return 1 + len;
}

static bool
local_ok(const struct ike_peer *p, const struct sockaddr_storage *local)
{
	return addr_is_unspec(&p->conf.local) ||
	    addr_equal(&p->conf.local, local);
}

static bool
dynamic_ok(const struct ike_peer *p, const struct sockaddr_storage *local,
    const struct sockaddr_storage *remote)
{
	return local_ok(p, local) && addr_in_prefix(remote, &p->conf.remote,
	    p->conf.remote_plen);
}

static int
dynamic_add(struct ike_engine *eng, struct ike_peer *peer)
{
	const struct ike_peer_conf *c = &peer->conf;
	struct ike_peer **pp;
	size_t n;

	n = id_key(peer->id_key, c->remote_id_type, c->remote_id,
	    c->remote_id_len);
	HASH_ADD_KEYPTR(hh_id, eng->by_id, peer->id_key, n, peer);
	if (table_check() == -1)
		return -1;
	for (pp = &eng->dynamic; *pp != NULL; pp = &(*pp)->addr_next)
		;
	*pp = peer;
	peer->addr_next = NULL;
	return 0;
}

static void
dynamic_del(struct ike_engine *eng, struct ike_peer *peer)
{
	struct ike_peer **pp;

	HASH_DELETE(hh_id, eng->by_id, peer);
	for (pp = &eng->dynamic; *pp != NULL; pp = &(*pp)->addr_next)
		if (*pp == peer) {
			*pp = peer->addr_next;
			break;
		}
}

int
ike_table_peer_add(struct ike_engine *eng, struct ike_peer *peer)
{
	struct ike_peer_addr *pa;
	struct ike_peer **pp;

	HASH_ADD_KEYPTR(hh_name, eng->by_name, peer->conf.name,
	    strlen(peer->conf.name), peer);
	if (table_check() == -1)
		return -1;
	if (peer->conf.remote_dynamic) {
		if (dynamic_add(eng, peer) == 0)
			return 0;
		goto fail;
	}
	if ((pa = addr_find(eng, &peer->conf.remote)) == NULL) {
		if ((pa = calloc(1, sizeof(*pa))) == NULL)
			goto fail;
		init_key(&pa->key, 0, &peer->conf.remote);
		HASH_ADD(hh, eng->by_addr, key, sizeof(pa->key), pa);
		if (table_check() == -1) {
			free(pa);
			goto fail;
		}
	}
	for (pp = &pa->first; *pp != NULL; pp = &(*pp)->addr_next)
		;
	*pp = peer;
	peer->addr_next = NULL;
	return 0;
fail:
	HASH_DELETE(hh_name, eng->by_name, peer);
	return -1;
}

void
ike_table_peer_del(struct ike_engine *eng, struct ike_peer *peer)
{
	struct ike_peer_addr *pa;
	struct ike_peer **pp;

	HASH_DELETE(hh_name, eng->by_name, peer);
	if (peer->conf.remote_dynamic) {
		dynamic_del(eng, peer);
		return;
	}
	if ((pa = addr_find(eng, &peer->conf.remote)) == NULL)
		return;
	for (pp = &pa->first; *pp != NULL; pp = &(*pp)->addr_next)
		if (*pp == peer) {
			*pp = peer->addr_next;
			break;
		}
	if (pa->first == NULL) {
		HASH_DELETE(hh, eng->by_addr, pa);
		free(pa);
	}
}

struct ike_peer *
ike_table_peer_find(const struct ike_engine *eng, const char *name)
{
	struct ike_peer *p;

	HASH_FIND(hh_name, eng->by_name, name, strlen(name), p);
	return p;
}

struct ike_peer *
ike_table_peer_match(const struct ike_engine *eng,
    const struct sockaddr_storage *local, const struct sockaddr_storage *remote)
{
	struct ike_peer_addr *pa = addr_find(eng, remote);
	struct ike_peer *p;

	for (p = pa != NULL ? pa->first : NULL; p != NULL; p = p->addr_next)
		if (local_ok(p, local))
			return p;
	for (p = eng->dynamic; p != NULL; p = p->addr_next)
		if (dynamic_ok(p, local, remote))
			return p;
	return NULL;
}

struct ike_peer *
ike_table_peer_by_id(const struct ike_engine *eng, uint8_t id_type,
    const uint8_t *id, size_t id_len, const struct sockaddr_storage *local,
    const struct sockaddr_storage *remote)
{
	uint8_t key[1 + IKE_ID_MAX];
	struct ike_peer *p;
	size_t n;

	if (id_len > IKE_ID_MAX)
		return NULL;
	n = id_key(key, id_type, id, id_len);
	HASH_FIND(hh_id, eng->by_id, key, n, p);
	return p != NULL && dynamic_ok(p, local, remote) ? p : NULL;
}
