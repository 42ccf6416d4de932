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
#define IKE_REPLACED_S		30.0	/* a rekeyed IKE SA waits this for DELETE */
#define IKE_BUSY_RETRY_S	0.5	/* an action waits while a request is out */

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

/* A CHILD SA: a pair of kernel SAs. While a rekey is under way a peer can
 * have up to three (RFC 7296 2.8): the one carrying traffic, the one
 * replaced (inbound draining), and the one a peer's rekey created, whose
 * outbound SA waits for the peer to delete the old one (so we never send
 * on an SA the peer has not installed yet). */
struct ike_child {
	bool		 installed;	/* at least one of its SAs is in */
	bool		 in_on, out_on;
	uint32_t	 spi_in, spi_out;
	struct ike_suite suite;
	bool		 family4, family6;
	double		 established;
	struct ike_sa_kernel *held_out;	/* outbound not yet installed */
	uint64_t	 soft_expired;	/* the kernel asked for a rekey */
};

enum ike_rekey {
	REKEY_NONE,
	REKEY_CHILD,		/* our CREATE_CHILD_SA rekeys the CHILD SA */
	REKEY_IKE,		/* ... the IKE SA */
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

	/* IKE_NONCE_MAX each, one allocation, freed once established (the
	 * keys and nonce_min are made from them): ~500 bytes less per SA. */
	uint8_t		*ni, *nr;
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

	ev_timer	 timeout;	/* half-open SA; replaced SA */
	uint32_t	 pending_spi;	/* inbound SPI allocated for IKE_AUTH */
	struct ike_child child;		/* carries the traffic */
	struct ike_child old;		/* rekeyed: inbound draining */
	struct ike_child peer_new;	/* peer's rekey: outbound held */
	/* The lower nonce of the exchange that made peer_new (RFC 7296
	 * 2.8.1: of colliding rekeys, the one with the lowest nonce goes). */
	uint8_t		 peer_new_nmin[IKE_NONCE_MAX];
	size_t		 peer_new_nmin_len;
	double		 created, established;

	/* Lifecycle: what to do next, started by ike_sa_kick() when no
	 * request of ours is out (window of one, RFC 7296 2.3). */
	ev_timer	 rekey_timer;	/* CHILD SA */
	ev_timer	 ike_rekey_timer;
	ev_timer	 drain_timer;	/* old.in_on goes */
	ev_timer	 dpd_timer;
	ev_timer	 kick_timer;
	ev_timer	 settle_timer;	/* a crossing duplicate is decided */
	bool		 settle_last;	/* second wait: delete it ourselves */
	bool		 want_child_rekey, want_ike_rekey, want_dpd;
	bool		 want_delete;
	double		 last_rx;	/* last authenticated message */
	uint64_t	 dpd_bytes;	/* inbound ESP bytes at the last check */
	bool		 liveness;	/* the request out is a DPD check */
	double		 req_sent;	/* when it first went */
	/* Our CREATE_CHILD_SA in flight. */
	enum ike_rekey	 rekey;
	uint32_t	 rekey_spi;	/* CHILD: reserved inbound SPI */
	uint64_t	 rekey_ike_spi;	/* IKE: our SPI of the new SA */
	uint8_t		 rekey_ni[IKE_NONCE_MAX];
	size_t		 rekey_ni_len;
	struct ike_dh	 rekey_dh;
	/* IKE rekey: the SA a collision's other exchange created. */
	struct ike_sa	*rekey_sibling;
	bool		 replaced;	/* rekeyed: children moved away */
	bool		 from_rekey;	/* made by an IKE rekey */
	uint8_t		 nonce_min[IKE_NONCE_MAX];	/* of IKE_SA_INIT */
	size_t		 nonce_min_len;
};

struct ike_peer {
	struct ike_peer	*next;
	struct ike_engine *eng;
	struct ike_peer_conf conf;
	struct ike_sa	*sa;		/* the SA carrying (or making) the tunnel */
	ev_timer	 retry;
	unsigned int	 failures;	/* in a row, for the back-off */
	uint8_t		 pol;		/* IKE_POL_V4 | IKE_POL_V6 in */
	bool		 contacted;	/* INITIAL_CONTACT sent once per run */
	bool		 hold_down;	/* next retry after retry_max: the
					 * failure will not mend soon */
	double		 held_until;	/* ACQUIREs ignored until then */
	char		 last_error[IKE_ERROR_MAX];
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
/* Of two IKE SAs from crossing initiations, the loser goes (2.8.1). */
void		 ike_sa_resolve_crossing(struct ike_sa *);
/* After a failed negotiation: retry with back-off, or give up. */
void		 ike_peer_failed(struct ike_peer *);
/* After the tunnel closed (peer's DELETE, DPD): per start mode/action. */
void		 ike_peer_closed(struct ike_peer *, bool dead);
/* Starts the next wanted action (rekey, DPD) if no request is out. */
void		 ike_sa_kick(struct ike_sa *);
/* DELETE (IKE) with retransmission; the SA goes with the answer. */
void		 ike_sa_delete(struct ike_sa *);
void		 ike_sa_timers_start(struct ike_sa *);
void		 ike_sa_rekey_schedule(struct ike_sa *, bool ike);
struct ike_sa	*ike_sa_lookup(struct ike_engine *, uint64_t spi);
uint64_t	 ike_sa_new_spi(struct ike_engine *);
/* An SA with both SPIs given (IKE rekey), in the table. */
struct ike_sa	*ike_sa_new_rekeyed(struct ike_sa *old, bool init, uint64_t ispi,
		    uint64_t rspi);
int		 ike_random(void *, size_t);
uint32_t	 ike_get32(const uint8_t *);	/* network order */
void		 ike_put32(uint32_t, uint8_t *);
uint64_t	 ike_get64(const uint8_t *);
void		 ike_put64(uint64_t, uint8_t *);

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
/* Sends INFORMATIONAL { D(IKE) } once, without waiting for an answer. */
void		 ike_sa_send_delete(struct ike_sa *);
/* An unprotected IKE_SA_INIT answer with one notify (RFC 7296 2.21.1). */
void		 ike_init_notify(struct ike_engine *,
		    const struct sockaddr_storage *local,
		    const struct sockaddr_storage *remote, bool natt,
		    const struct ike_hdr *, uint16_t type, const void *data,
		    size_t len);
void		 ike_child_remove(struct ike_sa *);
/* ::/0 and/or 0.0.0.0/0 over all protocols and ports; returns the count. */
size_t		 ike_ts_all(struct ike_ts ts[2], bool v4, bool v6);
/* The families a TS payload covers whole. */
void		 ike_ts_families(const struct ike_pl_ts *, bool *v4, bool *v6);
const char	*ike_notify_name(uint16_t);
uint16_t	 ike_msg_error(const struct ike_msg *);

/* child.c */
/* A CHILD SA an exchange made (RFC 7296 2.17): its suite and SPIs, the
 * families its selectors carry, the exchange's nonces and, with PFS,
 * g^ir (seed.gir.ptr NULL: none). */
struct ike_child_spec {
	const struct ike_suite *suite;
	uint32_t	 spi_in;	/* reserved by spi_alloc */
	uint32_t	 spi_out;
	bool		 v4, v6;
	struct ike_key_seed seed;
	bool		 we_init;	/* we initiated that exchange */
	bool		 hold_out;	/* install the outbound SA later */
};

/* KEYMAT for the CHILD SA; installs its inbound SA and, unless hold_out,
 * its outbound SA. */
int		 ike_child_make(struct ike_sa *, struct ike_child *,
		    const struct ike_child_spec *);
int		 ike_child_release_out(struct ike_sa *, struct ike_child *);
/* Removes its SAs (counting their traffic into the peer's totals). */
void		 ike_child_drop(struct ike_sa *, struct ike_child *);
void		 ike_child_drop_in(struct ike_sa *, struct ike_child *);
void		 ike_child_drop_out(struct ike_sa *, struct ike_child *);
#define IKE_POL_V4	0x01
#define IKE_POL_V6	0x02
/* The peer's policies follow its CHILD SAs: the families they carry, none
 * when it has none, but both (the traps) for a route peer. */
int		 ike_peer_policies_sync(struct ike_peer *);
bool		 ike_child_has_spi(const struct ike_child *, uint32_t spi);
void		 ike_child_move(struct ike_child *to, struct ike_child *from);
int		 ike_nonce_cmp(const uint8_t *, size_t, const uint8_t *, size_t);
void		 ike_nonce_min(const uint8_t *ni, size_t ni_len,
		    const uint8_t *nr, size_t nr_len, uint8_t *out,
		    size_t *out_len);

/* rekey.c */
int		 ike_rekey_child_start(struct ike_sa *);
int		 ike_rekey_ike_start(struct ike_sa *);
void		 ike_rekey_request(struct ike_sa *, const struct ike_msg *);
void		 ike_rekey_response(struct ike_sa *, const struct ike_msg *);
void		 ike_rekey_abort(struct ike_sa *);
void		 ike_dpd_start(struct ike_sa *);

#endif
