/* INFORMATIONAL (RFC 7296 1.4): DELETE of the IKE SA or of CHILD SAs,
 * and the empty request that is a liveness check (2.4).
 *
 *   HDR, SK {[N], [D], ...} -->
 *                           <-- HDR, SK {[D]}
 */
#include <string.h>

#include "ike/child.h"
#include "ike/exchange.h"

/* The peer deleted the CHILD SA whose outbound SPI (its inbound) is spi;
 * returns our inbound SPI of it for the answer's Delete, 0 if unknown. */
static uint32_t
info_delete_child(struct ike_sa *sa, uint32_t spi, unsigned int *r)
{
	uint32_t ours;

	if (sa->child.installed && spi == sa->child.spi_out) {
		ours = sa->child.spi_in;
		if (sa->peer_new.installed) {
			/* The end of the peer's rekey (RFC 7296 1.3.3): its
			 * new SAs are in, ours now too; the old inbound
			 * drains. */
			ike_child_release_out(sa, &sa->peer_new);
			ike_child_drop_out(sa, &sa->child);
			ike_child_drop(sa, &sa->old);
			ike_child_move(&sa->old, &sa->child);
			ike_child_move(&sa->child, &sa->peer_new);
			sa->peer->child_rekeys++;
			log_msg(LOG_INFO, sa->logp, "CHILD SA rekeyed by peer, "
			    "SPIs %08x_i %08x_o", sa->child.spi_in,
			    sa->child.spi_out);
			*r |= IKE_INFO_CHILD_REKEYED;
			return ours;
		}
		ike_child_drop(sa, &sa->child);
		log_msg(LOG_NOTICE, sa->logp, "CHILD SA deleted by peer");
		*r |= IKE_INFO_CHILD_CLOSED;
		return ours;
	}
	if (sa->old.installed && spi == sa->old.spi_out) {
		ours = sa->old.spi_in;
		ike_child_drop_out(sa, &sa->old);
		return ours;
	}
	if (sa->peer_new.installed && spi == sa->peer_new.spi_out) {
		/* The peer's side of a rekey collision lost (2.8.1). */
		ours = sa->peer_new.spi_in;
		ike_child_drop(sa, &sa->peer_new);
		return ours;
	}
	return 0;
}

/* An empty request is a liveness check, answered empty (RFC 7296 1.4). */
unsigned int
ike_info_request(struct ike_sa *sa, const struct ike_msg *m)
{
	uint32_t ours[IKE_DELETE_MAX * 4], spi;
	struct ike_out o;
	size_t i, j, n = 0;
	unsigned int r = 0;

	for (i = 0; i < m->n_delete; i++) {
		const struct ike_pl_delete *d = &m->del[i];

		if (d->proto == IKE_PROTO_IKE) {
			ike_out_response(sa, &o, INFORMATIONAL);
			ike_out_send_response(sa, &o);
			return r | IKE_INFO_IKE_DELETED;
		}
		if (d->proto != IKE_PROTO_ESP)
			continue;
		for (j = 0; j < d->count && n < sizeof(ours) / sizeof(*ours);
		    j++) {
			spi = ike_pl_delete_spi(d, j);
			if ((spi = info_delete_child(sa, spi, &r)) != 0)
				ours[n++] = spi;
		}
	}
	ike_out_response(sa, &o, INFORMATIONAL);
	if (n > 0)
		ike_msg_encode_delete(&o.e, IKE_PROTO_ESP, ours, n);
	ike_out_send_response(sa, &o);
	ike_peer_policies_sync(sa->peer);
	return r;
}

int
ike_info_delete_start(struct ike_sa *sa)
{
	struct ike_out o;

	ike_out_request(sa, &o, INFORMATIONAL);
	ike_msg_encode_delete(&o.e, IKE_PROTO_IKE, NULL, 0);
	return ike_out_send_request(sa, &o, IKE_REQ_DELETE);
}

int
ike_info_delete_child(struct ike_sa *sa, uint32_t spi)
{
	struct ike_out o;

	ike_out_request(sa, &o, INFORMATIONAL);
	ike_msg_encode_delete(&o.e, IKE_PROTO_ESP, &spi, 1);
	return ike_out_send_request(sa, &o, IKE_REQ_DELETE_CHILD);
}

/* INFORMATIONAL: HDR, SK {} --> : are you there? (RFC 7296 2.4) */
int
ike_info_dpd_start(struct ike_sa *sa)
{
	struct ike_out o;

	ike_out_request(sa, &o, INFORMATIONAL);
	if (ike_out_send_request(sa, &o, IKE_REQ_DPD) == -1)
		return -1;
	log_msg(LOG_DEBUG, sa->logp, "liveness check");
	return 0;
}

void
ike_info_send_delete(struct ike_sa *sa)
{
	struct ike_out o;

	if (!sa->have_keys)
		return;
	ike_out_request(sa, &o, INFORMATIONAL);
	ike_msg_encode_delete(&o.e, IKE_PROTO_IKE, NULL, 0);
	ike_out_send_once(sa, &o);
}
