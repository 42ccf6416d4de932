/* Messages in and out of an IKE SA (RFC 7296 2.1-2.3): the message being
 * built, sealing and sending, our request kept and retransmitted until it
 * is answered (a window of one), our last response cached for the peer's
 * retransmissions; and input: the header, the SA a message belongs to, its
 * message ID and integrity. What passes goes up to the lifecycle (sa.h),
 * the transport's only call upward. */
#ifndef VTID_IKE_TRANSPORT_H
#define VTID_IKE_TRANSPORT_H

#include "ike/engine.h"

/* Where a datagram came from and went to, ports included. */
struct ike_addrs {
	const struct sockaddr_storage *local, *remote;
	bool		 natt;
};

/* The outgoing message being built. */
struct ike_out {
	uint8_t		 buf[IKE_OUT_MAX];
	struct wbuf	 w;
	struct ike_enc	 e;
	uint8_t		 exchange;
	bool		 protect;
	/* Sealed as RFC 7383 fragments (frag.c): the datagrams back to
	 * back, malloc'd; NULL when the message went whole in buf. */
	uint8_t		*frags;
	size_t		 frags_len;
};

/* A request of ours: message ID 0 for IKE_SA_INIT (resent with the same ID
 * after COOKIE or INVALID_KE_PAYLOAD), else the next one; inside SK but
 * for IKE_SA_INIT. */
void		 ike_out_request(struct ike_sa *, struct ike_out *,
		    uint8_t exchange);
/* Our answer to the peer's current request. */
void		 ike_out_response(struct ike_sa *, struct ike_out *,
		    uint8_t exchange);
/* Seals and sends the response, cached for the peer's retransmissions;
 * the peer's next request takes the next message ID. */
int		 ike_out_send_response(struct ike_sa *, struct ike_out *);
/* Seals and sends the request, kept and retransmitted until answered
 * (what says what for). -1: not sent and nothing kept. */
int		 ike_out_send_request(struct ike_sa *, struct ike_out *,
		    enum ike_req what);
/* Seals and sends a request once, not kept (DELETE on the way out). */
int		 ike_out_send_once(struct ike_sa *, struct ike_out *);
/* An unprotected IKE_SA_INIT answer with one notify (RFC 7296 2.21.1),
 * to a request we keep no SA for. */
void		 ike_out_init_notify(struct ike_engine *,
		    const struct ike_addrs *, const struct ike_hdr *req,
		    uint16_t type, const void *data, size_t len);

/* Our request out no longer wanted: nothing more is retransmitted. */
void		 ike_xmit_clear(struct ike_sa *);
/* How long to wait after this try (the configured back-off). */
double		 ike_xmit_backoff(const struct ike_sa *);
/* Sends the request again. */
void		 ike_xmit_resend(struct ike_sa *);

#endif
