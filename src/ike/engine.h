/* The engine's private data: what the engine, a peer, an IKE SA and its
 * CHILD SAs hold. Every file of src/ike reads it; the functions that
 * change it are declared by the layer that owns them, from the top (each
 * calls only those below it, see src/README.md):
 *
 *	engine.c, snapshot.c		ike.h: the engine as the daemon drives it,
 *					and the copy of its state it shows
 *	peer.c, sa.c, timers.c		peer.h, sa.h, timers.h: the lifecycle
 *	admit.c				admit.h: IKE_SA_INIT requests admitted
 *	init.c, auth.c, info.c,		exchange.h: the exchanges
 *	    rekey.c, exchange.c
 *	child.c				child.h: CHILD SAs in the kernel
 *	transport.c			transport.h: messages in and out
 *	table.c				table.h: the lookups
 *
 * Not for the daemon: see ike.h. */
#ifndef VTID_IKE_ENGINE_H
#define VTID_IKE_ENGINE_H

/* uthash (table.c): a failed allocation fails the insertion instead of
 * exiting, and keys are hashed with a secret key (SipHash), since a peer
 * chooses some of them (its IKE SPI). */
#define HASH_NONFATAL_OOM		1
#define uthash_nonfatal_oom(obj)	ike_table_oom()
#define HASH_FUNCTION(key, len, hv)	((hv) = ike_table_hash((key), (len)))
#include <uthash.h>

#include "ike/cookie.h"
#include "ike/crypto.h"
#include "ike/dh.h"
#include "ike/ike.h"
#include "ike/keys.h"
#include "ike/message.h"
#include "ike/sk.h"
#include "pki/pki.h"
#include "util/log.h"

void		 ike_table_oom(void);
unsigned int	 ike_table_hash(const void *, size_t);

#define IKE_OUT_MAX		12288	/* every message vtid builds fits: IKE_AUTH
				 * with a chain of RSA-4096 certificates */
#define IKE_NONCE_LEN		32	/* ours: >= half the PRF key, 2.10 */
#define IKE_INVALID_KE_MAX	3	/* group changes before we give up */
#define IKE_REPLACED_S		30.0	/* a rekeyed IKE SA waits this for DELETE */
#define IKE_BUSY_RETRY_S	0.5	/* a task waits while a rekey settles */
#define IKE_REKEY_RETRY_S	2.0	/* a refused CHILD SA rekey, again */

/* The IKE SA's states; sa.c has the diagram. */
enum ike_sa_state {
	SA_INIT_SENT,		/* initiator: IKE_SA_INIT request out */
	SA_INIT_DONE,		/* responder: answered, waiting for IKE_AUTH */
	SA_AUTH_SENT,		/* initiator: IKE_AUTH request out */
	SA_ESTABLISHED,
	SA_REKEYED,		/* replaced by a rekey, children moved away:
				 * waits for the DELETE that ends it */
	SA_DELETING,		/* our DELETE is out */
};

/* How the SA came to be: a crossing is two SAs made by IKE_SA_INIT. */
enum ike_sa_origin {
	SA_FROM_INIT,		/* IKE_SA_INIT, either role */
	SA_FROM_REKEY,		/* an IKE SA rekey (RFC 7296 2.18) */
};

/* Work an established IKE SA has pending: with one request of ours out
 * at a time (RFC 7296 2.3), the first of these in this order starts when
 * none is (sa.c, sa_next_task). */
enum ike_task {
	IKE_TASK_DELETE		= 1u << 0,
	IKE_TASK_REKEY_IKE	= 1u << 1,
	IKE_TASK_REKEY_CHILD	= 1u << 2,
	IKE_TASK_DPD		= 1u << 3,	/* a liveness check */
};

/* What our request out is for. */
enum ike_req {
	IKE_REQ_NONE,
	IKE_REQ_INIT,		/* IKE_SA_INIT */
	IKE_REQ_AUTH,		/* IKE_AUTH */
	IKE_REQ_REKEY_CHILD,	/* CREATE_CHILD_SA */
	IKE_REQ_REKEY_IKE,	/* CREATE_CHILD_SA */
	IKE_REQ_DELETE_CHILD,	/* INFORMATIONAL { D(ESP) } */
	IKE_REQ_DPD,		/* INFORMATIONAL { } */
	IKE_REQ_DELETE,		/* INFORMATIONAL { D(IKE) } */
};

/* An SA's timers (timers.c arms them and handles them). */
enum ike_sa_timer {
	IKE_TIMER_RETRANSMIT,	/* our request unanswered */
	IKE_TIMER_EXPIRE,	/* half-open, or rekeyed and not deleted */
	IKE_TIMER_REKEY_CHILD,
	IKE_TIMER_REKEY_IKE,
	IKE_TIMER_DRAIN,	/* old.in_on goes */
	IKE_TIMER_DPD,
	IKE_TIMER_BUSY,		/* a task waited for a rekey to settle */
	IKE_TIMER_SETTLE,	/* a crossing duplicate is decided */
	IKE_TIMER_SETTLE_LAST,	/* ... the responder deletes it too */
	IKE_TIMER_KEEPALIVE,	/* NAT keepalive, behind a NAT */
	IKE_TIMER_COUNT
};

/* A message we sent as a request, kept for retransmission. */
struct ike_xmit {
	uint8_t		*buf;
	size_t		 len;
	uint32_t	 msgid;
	uint8_t		 exchange;
	enum ike_req	 what;		/* IKE_REQ_NONE: none out */
	unsigned int	 tries;
	double		 sent;		/* when it first went */
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
	/* The outbound SA's destination, part of its key in the kernel:
	 * the peer's address when it was made (a NAT may move the peer). */
	struct sockaddr_storage out_dst;
	struct ike_suite suite;
	bool		 family4, family6;
	double		 established;
	struct ike_sa_kernel *held_out;	/* outbound not yet installed */
	uint64_t	 soft_expired;	/* the kernel asked for a rekey */
};

/* Our CREATE_CHILD_SA in flight (rekey.c). */
struct ike_rekey {
	uint32_t	 spi;		/* CHILD: reserved inbound SPI */
	uint64_t	 ike_spi;	/* IKE: our SPI of the new SA */
	uint8_t		 ni[IKE_NONCE_MAX];
	size_t		 ni_len;
	struct ike_dh	 dh;
};

/* The key of a responder's SA in the IKE_SA_INIT table (table.c). */
struct ike_init_key {
	uint64_t	 ispi;
	uint8_t		 family;
	uint8_t		 addr[16];
};

struct ike_peer;
struct ike_engine;
struct ike_frag_rx;			/* frag.c */

struct ike_sa {
	struct ike_sa	*next;		/* the peer's SAs, newest first */
	UT_hash_handle	 hh_spi;	/* engine: by our SPI */
	UT_hash_handle	 hh_init;	/* engine: responders, by init_key */
	struct ike_init_key init_key;
	struct ike_engine *eng;
	struct ike_peer	*peer;
	unsigned int	 serial;
	char		 logp[IKE_NAME_MAX + 16];	/* "V2-1 #3" */
	bool		 initiator;
	/* A responder from IKE_SA_INIT until IKE_AUTH succeeds: counted
	 * (admit.c), and not the peer's SA (sa.c). */
	bool		 half_open;
	/* One of ours, counted in stats.initiating until it is established
	 * or gone (peer.c paces initiations). */
	bool		 initiating;
	/* Gave its slot up, its IKE_SA_INIT unanswered at the first
	 * retransmission: counted in stats.init_overdue until it is over. */
	bool		 overdue;
	enum ike_sa_origin origin;
	struct ike_crypto_job *crypto;	/* init.c: a key exchange out */
	struct ike_crypto_job *keygen;	/* init.c: a rekey's key pair out */
	enum ike_sa_state state;
	unsigned int	 tasks;		/* enum ike_task */
	uint64_t	 ispi, rspi;
	struct sockaddr_storage local, remote;	/* with ports */
	bool		 natt;		/* IKE on 4500, ESP in UDP */
	bool		 nat_local;	/* a NAT in front of us: keepalives */
	/* RFC 7383: IKEV2_FRAGMENTATION_SUPPORTED sent, and received;
	 * both: fragmentation in use (frag.h). */
	bool		 frag_ours, frag_peer;
	struct ike_frag_rx *frag_rx;	/* reassembly, NULL until needed */

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
	unsigned	 cookies;	/* COOKIEs the responder asked for */

	uint32_t	 msgid_next;	/* our next request */
	struct ike_xmit	 req;
	uint32_t	 msgid_peer;	/* the peer's next request */
	uint8_t		*resp;		/* our last response, for retransmits */
	size_t		 resp_len;
	double		 last_rx;	/* last authenticated message */

	ev_timer	 timers[IKE_TIMER_COUNT];
	uint32_t	 pending_spi;	/* inbound SPI allocated for IKE_AUTH */
	struct ike_child child;		/* carries the traffic */
	struct ike_child old;		/* rekeyed: inbound draining */
	struct ike_child peer_new;	/* peer's rekey: outbound held */
	/* The lower nonce of the exchange that made peer_new (RFC 7296
	 * 2.8.1: of colliding rekeys, the one with the lowest nonce goes). */
	uint8_t		 peer_new_nmin[IKE_NONCE_MAX];
	size_t		 peer_new_nmin_len;
	double		 created, established;
	uint64_t	 dpd_bytes;	/* inbound ESP bytes at the last check */

	struct ike_rekey rekey;
	/* IKE rekey collision: the SA the peer's exchange made. */
	struct ike_sa	*rekey_sibling;
	uint8_t		 nonce_min[IKE_NONCE_MAX];	/* of its exchange */
	size_t		 nonce_min_len;
	/* The crossing rule of vtid's Vendor ID (vendor.h), 0 for another
	 * implementation: as the peer's IKE_SA_INIT claims it (init_vtid,
	 * unauthenticated), and as trusted once IKE_AUTH succeeded (vtid,
	 * which is all the crossing code reads). */
	uint16_t	 init_vtid, vtid;
	/* Certificates: the peer's SIGNATURE_HASH_ALGORITHMS (RFC 7427,
	 * PKI_HASH_BIT mask; 0: none came), and its certificate once
	 * IKE_AUTH checked it. */
	unsigned int	 peer_hashes;
	struct pki_peer	*peer_cert;
	/* Responder of a crossing with a vtid peer: the first CHILD SA's
	 * outbound SA waits (sa.c, crossing_hold). */
	bool		 hold_out;
};

struct ike_peer {
	struct ike_peer	*next;		/* engine: in the order added */
	UT_hash_handle	 hh_name;	/* engine: by conf.name */
	struct ike_peer	*addr_next;	/* same remote address, or the next
					 * dynamic peer (table.c) */
	UT_hash_handle	 hh_id;		/* engine: dynamic, by remote ID */
	uint8_t		 id_key[1 + IKE_ID_MAX];	/* type, ID */
	struct ike_engine *eng;
	struct ike_peer_conf conf;
	struct ike_sa	*sas;		/* newest first */
	struct ike_sa	*sa;		/* the SA carrying (or making) the tunnel */
	ev_timer	 retry;
	unsigned int	 failures;	/* in a row, for the back-off */
	uint8_t		 pol;		/* IKE_POL_V4 | IKE_POL_V6 in */
	/* The remote address of those policies' templates: the configured
	 * one, or where the tunnel now is (a NAT gave the peer another). */
	struct sockaddr_storage pol_remote;
	bool		 hold_down;	/* next retry after retry_max: the
					 * failure will not mend soon */
	double		 held_until;	/* ACQUIREs ignored until then */
	/* The link as last set through ops->link: -1 not yet, 0 down, 1 up.
	 * recovering: a route peer lost its tunnel and re-initiates by
	 * itself, link down (no traffic can reach its traps); admin_down:
	 * vtictl down. Both end with the next CHILD SA. */
	int8_t		 link;
	bool		 recovering;
	bool		 admin_down;
	/* vtictl up asked for it: an add peer retries as a start peer does,
	 * until it is up or keying_tries run out. */
	bool		 wanted;
	/* Waiting for an initiation slot (engine.wait_head), in order. */
	bool		 queued;
	struct ike_peer	*wait_next, **wait_pprev;
	char		 last_error[IKE_ERROR_MAX];
	struct log_ratelimit rl;
	/* What anyone can trigger with the peer's address: IKE_SA_INIT
	 * requests and the half-open SAs they make. */
	struct log_ratelimit rl_init;
	unsigned int	 half_open;	/* its responder SAs half-open */
	/* Accounting across SAs, for vtictl list and metrics. */
	uint64_t	 bytes_in, bytes_out;	/* of CHILD SAs gone */
	uint64_t	 packets_in, packets_out;
	uint64_t	 child_rekeys, ike_rekeys;
	uint64_t	 failures_total;
	double		 dpd_rtt;		/* last liveness round trip, s */
	double		 up_since;		/* 0 when down */
	uint16_t	 vtid;	/* of its last authenticated IKE SA (ike_sa) */
};

struct ike_peer_addr;			/* table.c */

struct ike_engine {
	struct ev_loop	*loop;
	struct ike_ops	 ops;
	struct ike_peer	*peers;		/* in the order added */
	struct ike_peer	**peers_tail;	/* appends in O(1) */
	bool		 hold_start;	/* ike_engine_hold_start */
	struct ike_peer	*by_name;
	struct ike_peer_addr *by_addr;
	struct ike_peer	*dynamic;	/* remote %any or prefix, in order */
	struct ike_peer	*by_id;		/* the same, by remote ID */
	struct ike_sa	*by_spi;
	struct ike_sa	*by_init;
	unsigned int	 serial;
	struct ike_stats stats;
	struct log_ratelimit rl;
	struct ike_dos_conf dos;
	/* Peers waiting to initiate (dos.initiate_max reached), oldest
	 * first; pace starts them from the loop as slots free up. */
	struct ike_peer	*wait_head, **wait_tail;
	ev_timer	 pace;
	struct ike_cpool *pool;		/* NULL: crypto on the loop */
	struct ike_cookies cookies;	/* the secret, rotating */
	bool		 no_vendor_id;	/* ike_engine_set_vendor_id(false) */
	bool		 no_sig_hashes;	/* ike_engine_set_signature_hashes */
	uint8_t		 rxbuf[IKE_MSG_MAX];
};

/* Our SPI of the SA: the one the peer's messages name us by. */
static inline uint64_t
ike_sa_spi(const struct ike_sa *sa)
{
	return sa->initiator ? sa->ispi : sa->rspi;
}

/* Established and no DELETE of ours out: what status shows as
 * ESTABLISHED, and the SAs that get a DELETE on the way out. */
static inline bool
ike_sa_is_up(const struct ike_sa *sa)
{
	return sa->state == SA_ESTABLISHED || (sa->state == SA_REKEYED &&
	    sa->req.what != IKE_REQ_DELETE);
}

#endif
