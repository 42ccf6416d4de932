/* The engine as the daemon drives it (ike.h): made, warmed up and freed;
 * kernel events for its CHILD SAs; its counters. Peers come and go through
 * peer.c, datagrams through transport.c. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike/child.h"
#include "ike/exchange.h"
#include "ike/peer.h"
#include "ike/sa.h"
#include "ike/table.h"
#include "util/addr.h"
#include "ike/timers.h"

/* One DH of group g and one PRF run, keys thrown away. */
static void
warm_one(uint16_t group, const struct ike_prf_alg *prf)
{
	struct ike_dh a, b;
	struct ike_chunk gir = { NULL, 0 };
	uint8_t pub[IKE_DH_PUB_MAX], out[IKE_PRF_OUT_MAX], key[IKE_PRF_KEY_MAX];
	struct ike_iov iov = { key, sizeof(key) };

	memset(key, 0x5a, sizeof(key));	/* a dummy key, not a secret */
	if (prf != NULL)
		(void)ike_prf_compute(prf, key, prf->out_len, &iov, 1, out);
	OPENSSL_cleanse(out, sizeof(out));
	if (group == 0 || ike_dh_generate(&a, group) != 0)
		return;
	if (ike_dh_generate(&b, group) == 0) {
		if (ike_dh_public(&b, pub, a.group->pub_len) == 0 &&
		    ike_dh_derive(&a, pub, a.group->pub_len, &gir) == 0)
			ike_chunk_free(&gir);
		ike_dh_free(&b);
	}
	ike_dh_free(&a);
}

/* OpenSSL sets up an algorithm (provider lookups, curve tables, the DRBG)
 * the first time it is used, ~1.4 MB and tens of ms: done here, at
 * startup, for every group and PRF the peers offer, rather than by the
 * first SA while peers wait. */
void
ike_engine_warm(struct ike_engine *eng)
{
	uint16_t done[16];
	size_t n_done = 0, i, j, k, d;
	const struct ike_peer *peer;

	for (peer = eng->peers; peer != NULL; peer = peer->next)
		for (k = 0; k < 2; k++) {
			const struct ike_proposal_list *l = k == 0 ?
			    &peer->conf.ike.list : &peer->conf.esp.list;

			for (i = 0; i < l->n; i++)
				for (j = 0; j < l->p[i].n_xforms; j++) {
					const struct ike_transform *t =
					    &l->p[i].xforms[j];
					uint16_t key = (uint16_t)(t->type << 12 |
					    (t->id & 0x0fff));

					if (t->type != IKE_XFORM_DH &&
					    t->type != IKE_XFORM_PRF)
						continue;
					for (d = 0; d < n_done; d++)
						if (done[d] == key)
							break;
					if (d < n_done || n_done == 16)
						continue;
					done[n_done++] = key;
					if (t->type == IKE_XFORM_DH)
						warm_one(t->id, NULL);
					else
						warm_one(0,
						    ike_prf_lookup(t->id));
				}
		}
}

struct ike_engine *
ike_engine_new(struct ev_loop *loop, const struct ike_ops *ops)
{
	struct ike_engine *eng;

	if ((eng = calloc(1, sizeof(*eng))) == NULL)
		return NULL;
	eng->loop = loop;
	eng->ops = *ops;
	eng->peers_tail = &eng->peers;
	eng->dos = (struct ike_dos_conf){
		.cookie_threshold = IKE_DOS_COOKIE_THRESHOLD,
		.cookie_threshold_peer = IKE_DOS_COOKIE_THRESHOLD_PEER,
		.half_open_max = IKE_DOS_HALF_OPEN_MAX,
		.half_open_max_peer = IKE_DOS_HALF_OPEN_MAX_PEER,
		.cookie_rotate = IKE_DOS_COOKIE_ROTATE,
		.init_max_size = IKE_DOS_INIT_MAX_SIZE,
		.half_open_timeout = IKE_DOS_HALF_OPEN_TIMEOUT,
		.initiate_max = IKE_INITIATE_MAX,
	};
	ike_peer_pace_init(eng);
	ike_cookies_init(&eng->cookies, eng->dos.cookie_rotate);
	return eng;
}

void
ike_engine_set_dos(struct ike_engine *eng, const struct ike_dos_conf *dos)
{
	eng->dos = *dos;
	ike_cookies_set_period(&eng->cookies, dos->cookie_rotate);
	ike_peer_pace_kick(eng);
}

void
ike_engine_set_vendor_id(struct ike_engine *eng, bool send)
{
	eng->no_vendor_id = !send;
}

void
ike_engine_set_signature_hashes(struct ike_engine *eng, bool send)
{
	eng->no_sig_hashes = !send;
}

void
ike_engine_set_pool(struct ike_engine *eng, struct ike_cpool *pool)
{
	eng->pool = pool;
}

void
ike_engine_hold_start(struct ike_engine *eng, bool hold)
{
	struct ike_peer *peer;

	eng->hold_start = hold;
	if (hold)
		return;
	for (peer = eng->peers; peer != NULL; peer = peer->next)
		if (peer->conf.start == IKE_START_START && peer->sa == NULL &&
		    !peer->admin_down)
			ike_peer_initiate(eng, peer->conf.name);
}

void
ike_engine_free(struct ike_engine *eng)
{
	struct ike_peer *peer;
	struct ike_sa *sa;

	if (eng == NULL)
		return;
	for (peer = eng->peers; peer != NULL; peer = peer->next) {
		/* No retries while shutting down. */
		peer->conf.start = IKE_START_ADD;
		while ((sa = peer->sas) != NULL) {
			if (ike_sa_is_up(sa))
				ike_info_send_delete(sa);
			ike_sa_destroy(sa, NULL);
		}
	}
	while ((peer = eng->peers) != NULL) {
		eng->peers = peer->next;
		ike_table_peer_del(eng, peer);
		ike_peer_timer_cancel(peer);
		ike_peer_free(peer);
	}
	ike_peer_pace_stop(eng);
	OPENSSL_cleanse(eng->rxbuf, sizeof(eng->rxbuf));
	ike_cookies_wipe(&eng->cookies);
	free(eng);
}

bool
ike_kernel_mapping(struct ike_engine *eng, uint32_t mark, uint32_t spi,
    const struct sockaddr_storage *from)
{
	struct ike_peer *peer;
	struct ike_sa *sa;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	bool addr;

	for (peer = eng->peers; peer != NULL; peer = peer->next) {
		if (peer->conf.mark != mark)
			continue;
		for (sa = peer->sas; sa != NULL; sa = sa->next) {
			if (!sa->natt || !sa->child.in_on ||
			    sa->child.spi_in != spi)
				continue;
			/* Every packet from the new mapping says it until
			 * the CHILD SAs follow. */
			if (addr_equal(&sa->remote, from) &&
			    addr_port(&sa->remote) == addr_port(from))
				return true;
			log_msg(LOG_NOTICE, sa->logp, "peer moved from %s:%u to "
			    "%s:%u (ESP from its NAT's new mapping)",
			    addr_str(&sa->remote, a, sizeof(a)),
			    addr_port(&sa->remote), addr_str(from, b,
			    sizeof(b)), addr_port(from));
			addr = !addr_equal(&sa->remote, from);
			sa->remote = *from;
			ike_sa_moved(sa, addr);
			return true;
		}
	}
	return false;
}

void
ike_kernel_expire(struct ike_engine *eng, uint32_t mark, uint32_t spi,
    bool hard)
{
	struct ike_peer *peer;
	struct ike_sa *sa;

	for (peer = eng->peers; peer != NULL; peer = peer->next) {
		if (peer->conf.mark != mark)
			continue;
		for (sa = peer->sas; sa != NULL; sa = sa->next) {
			if (ike_child_has_spi(&sa->child, spi)) {
				if (!hard) {
					log_msg(LOG_INFO, sa->logp, "kernel soft "
					    "lifetime reached, rekeying");
					ike_sa_want(sa, IKE_TASK_REKEY_CHILD);
					return;
				}
				/* The kernel removed it: the tunnel is
				 * broken. */
				ike_child_expired(&sa->child, spi);
				ike_sa_close(sa, "CHILD SA expired before it "
				    "was rekeyed, closing", IKE_CLOSED_BROKEN);
				return;
			}
			if (hard && ike_child_has_spi(&sa->old, spi)) {
				ike_child_expired(&sa->old, spi);
				return;
			}
		}
	}
}

const struct ike_stats *
ike_engine_stats(const struct ike_engine *eng)
{
	return &eng->stats;
}

void
ike_engine_count(const struct ike_engine *eng, unsigned *up, unsigned *total)
{
	const struct ike_peer *p;

	*up = *total = 0;
	for (p = eng->peers; p != NULL; p = p->next) {
		(*total)++;
		if (p->sa != NULL && p->sa->child.installed)
			(*up)++;
	}
}
