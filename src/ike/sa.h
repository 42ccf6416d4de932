/* Engine internals shared by engine.c (SAs, peers, transport, timers) and
 * exchange.c (what each exchange does). Not for the daemon: see ike.h. */
#ifndef VTID_IKE_SA_H
#define VTID_IKE_SA_H

#include "ike/crypto.h"
#include "ike/dh.h"
#include "ike/ike.h"
#include "ike/keys.h"
#include "ike/message.h"
#include "ike/sk.h"
#include "util/log.h"

#define IKE_OUT_MAX		4096	/* every message vtid builds fits */
#define IKE_NONCE_LEN		32	/* ours: >= half the PRF key, 2.10 */
#define IKE_HALF_OPEN_S		30.0	/* responder waits this for IKE_AUTH */
#define IKE_INVALID_KE_MAX	3	/* group changes before we give up */
#define IKE_SA_HASH		256

enum ike_sa_state {
	SA_INIT_SENT,		/* initiator: IKE_SA_INIT request out */
	SA_INIT_DONE,		/* responder: answered, waiting for IKE_AUTH */
	SA_AUTH_SENT,		/* initiator: IKE_AUTH request out */
	SA_ESTABLISHED,
	SA_DELETING,		/* our DELETE is out */
};

/* A message we sent as a request, kept for retransmission. */
struct ike_xmit {
	uint8_t		*buf;
	size_t		 len;
	uint32_t	 msgid;
	uint8_t		 exchange;
	unsigned int	 tries;
	bool		 active;
	ev_timer	 timer;
};

struct ike_child {
	bool		 installed;
	uint32_t	 spi_in, spi_out;
	struct ike_suite suite;
	bool		 family4, family6;
	double		 established;
};

struct ike_peer;
struct ike_engine;

struct ike_sa {
	struct ike_sa	*next;		/* engine list */
	struct ike_sa	*hnext;		/* hash by our SPI */
	struct ike_engine *eng;
	struct ike_peer	*peer;
	unsigned int	 serial;
	char		 logp[IKE_NAME_MAX + 16];	/* "V2-1 #3" */
	bool		 initiator;
	enum ike_sa_state state;
	uint64_t	 ispi, rspi;
	struct sockaddr_storage local, remote;	/* with ports */
	bool		 natt;

	struct proposal_choice choice;
	struct ike_algs	 algs;
	struct ike_sa_keys keys;
	struct ike_sk_ctx sk_out, sk_in;
	bool		 have_keys;
	struct ike_dh	 dh;
	unsigned int	 invalid_ke;

	uint8_t		 ni[IKE_NONCE_MAX], nr[IKE_NONCE_MAX];
	size_t		 ni_len, nr_len;
	/* The IKE_SA_INIT messages as they crossed the wire: AUTH signs them
	 * (RFC 7296 2.15). */
	uint8_t		*init_req, *init_resp;
	size_t		 init_req_len, init_resp_len;
	uint8_t		 cookie[IKE_COOKIE_MAX];
	size_t		 cookie_len;

	uint32_t	 msgid_next;	/* our next request */
	struct ike_xmit	 req;
	uint32_t	 msgid_peer;	/* the peer's next request */
	uint8_t		*resp;		/* our last response, for retransmits */
	size_t		 resp_len;

	ev_timer	 timeout;	/* half-open SA */
	uint32_t	 pending_spi;	/* inbound SPI allocated for IKE_AUTH */
	struct ike_child child;
	double		 created, established;
};

struct ike_peer {
	struct ike_peer	*next;
	struct ike_engine *eng;
	struct ike_peer_conf conf;
	struct ike_sa	*sa;		/* the SA carrying (or making) the tunnel */
	ev_timer	 retry;
	unsigned int	 failures;
	bool		 contacted;	/* INITIAL_CONTACT sent once per run */
	char		 last_error[192];
	struct log_ratelimit rl;
	/* Accounting across SAs, for vtictl list and metrics. */
	uint64_t	 bytes_in, bytes_out;	/* of CHILD SAs gone */
	uint64_t	 packets_in, packets_out;
	uint64_t	 child_rekeys, ike_rekeys;
	uint64_t	 failures_total;
	double		 dpd_rtt;		/* last liveness round trip, s */
	double		 up_since;		/* 0 when down */
};

struct ike_engine {
	struct ev_loop	*loop;
	struct ike_ops	 ops;
	struct ike_peer	*peers;
	struct ike_sa	*sas;
	struct ike_sa	*hash[IKE_SA_HASH];
	unsigned int	 serial;
	struct ike_stats stats;
	struct log_ratelimit rl;
	uint8_t		 rxbuf[IKE_MSG_MAX];
};

/* The outgoing message being built. */
struct ike_out {
	uint8_t		 buf[IKE_OUT_MAX];
	struct wbuf	 w;
	struct ike_enc	 e;
	bool		 protect;
};

/* engine.c */
struct ike_sa	*ike_sa_new(struct ike_engine *, struct ike_peer *, bool init,
		    const struct sockaddr_storage *local,
		    const struct sockaddr_storage *remote);
void		 ike_sa_set_rspi(struct ike_sa *, uint64_t);
/* Removes the SA, its CHILD SA from the kernel, wipes its keys. reason
 * (NULL when none) is logged and kept as the peer's last error. */
void		 ike_sa_destroy(struct ike_sa *, const char *reason);
void		 ike_sa_fail(struct ike_sa *, const char *fmt, ...)
		    VTID_PRINTF(2, 3);
void		 ike_out_begin(struct ike_sa *, struct ike_out *, uint8_t exchange,
		    bool response, uint32_t msgid, bool protect);
/* Seals (if protected) and sends. A request is kept for retransmission,
 * a response is cached for the peer's retransmissions. */
int		 ike_out_send(struct ike_sa *, struct ike_out *);
int		 ike_sa_request(struct ike_sa *, struct ike_out *, uint8_t exchange);
/* Seals and sends a request once, not kept (DELETE on the way out). */
int		 ike_out_send_once(struct ike_sa *, struct ike_out *);
void		 ike_sa_established(struct ike_sa *);
void		 ike_peer_schedule_retry(struct ike_peer *);
int		 ike_random(void *, size_t);
const char	*ike_addr_str(const struct sockaddr_storage *, char *, size_t);

/* exchange.c */
int		 ike_init_start(struct ike_sa *);
int		 ike_auth_start(struct ike_sa *);
void		 ike_init_request(struct ike_engine *, struct ike_peer *,
		    const struct sockaddr_storage *local,
		    const struct sockaddr_storage *remote,
		    const struct ike_msg *);
void		 ike_init_response(struct ike_sa *, const struct ike_msg *);
void		 ike_auth_request(struct ike_sa *, const struct ike_msg *);
void		 ike_auth_response(struct ike_sa *, const struct ike_msg *);
void		 ike_info_request(struct ike_sa *, const struct ike_msg *);
void		 ike_info_response(struct ike_sa *, const struct ike_msg *);
void		 ike_child_request(struct ike_sa *, const struct ike_msg *);
/* Sends INFORMATIONAL { D(IKE) } once, without waiting for an answer. */
void		 ike_sa_send_delete(struct ike_sa *);
/* An unprotected IKE_SA_INIT answer with one notify (RFC 7296 2.21.1). */
void		 ike_init_notify(struct ike_engine *,
		    const struct sockaddr_storage *local,
		    const struct sockaddr_storage *remote, bool natt,
		    const struct ike_hdr *, uint16_t type, const void *data,
		    size_t len);
void		 ike_child_remove(struct ike_sa *);

#endif
