/* The IKEv2 engine: IKE SAs and their CHILD SAs for a set of configured
 * peers, driven by datagrams and libev timers. It never touches sockets or
 * netlink: the daemon hands it a table of operations (struct ike_ops), so
 * the engine could later run in an unprivileged process of its own. */
#ifndef VTID_IKE_IKE_H
#define VTID_IKE_IKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include <ev.h>

#include "ike/proposal_lang.h"

#define IKE_NAME_MAX		64
#define IKE_ID_MAX		255
#define IKE_CERT_NAME_MAX	256	/* a subject or issuer, one line */
#define IKE_PSK_MAX		256
#define IKE_ERROR_MAX		192	/* a peer's last error, with its NUL */

enum ike_start {
	IKE_START_ADD,		/* respond only */
	IKE_START_START,	/* initiate at start-up, keep up */
	IKE_START_ROUTE,	/* initiate on traffic (kernel ACQUIRE) */
};

enum ike_dpd_action {
	IKE_DPD_CLEAR,		/* delete the SAs, wait */
	IKE_DPD_RESTART,	/* delete the SAs, initiate again at once */
	IKE_DPD_TRAP,		/* delete the SAs, initiate on traffic */
};

#define IKE_TRIES_FOREVER	0	/* keying_tries */

/* When an SA is rekeyed: at rekey - random(0, jitter) seconds; the
 * kernel removes a CHILD SA not rekeyed by rekey + margin. */
struct ike_lifetime {
	double		 rekey, jitter, margin;
};

struct pki_cred;
struct pki_ca;

/* What the engine needs to know about a peer; the daemon fills it from the
 * configuration. The PSK is wiped when the peer is removed. */
struct ike_peer_conf {
	char		 name[IKE_NAME_MAX];
	struct sockaddr_storage local;	/* family set; address may be any */
	struct sockaddr_storage remote;	/* port 0 means 500 */
	/* A peer whose address is not known in advance (remote = "%any" or
	 * a prefix): it can only connect to us, from any address within
	 * remote/remote_plen (0: any of the family), and is told from other
	 * such peers by its identity at IKE_AUTH, so remote_id is set. */
	bool		 remote_dynamic;
	uint8_t		 remote_plen;
	uint8_t		 local_id_type;	/* enum ike_id_type */
	uint8_t		 local_id[IKE_ID_MAX];
	size_t		 local_id_len;
	uint8_t		 remote_id_type;	/* 0: any identity is accepted */
	uint8_t		 remote_id[IKE_ID_MAX];
	size_t		 remote_id_len;
	uint8_t		 psk[IKE_PSK_MAX];
	size_t		 psk_len;
	/* Certificates instead of the PSK (src/pki): our credential, the
	 * CAs and CRLs the peer's chain must lead to, RSA signatures with
	 * PSS. The engine holds a reference of each while it has the
	 * peer. */
	struct pki_cred	*cred;
	struct pki_ca	*ca;
	bool		 rsa_pss;
	uint32_t	 mark;		/* VTI i_key/o_key, policy and SA mark */
	/* An XFRM interface's peer: mark is the interface's if_id, which
	 * its SAs and policies carry instead of a mark (the daemon's
	 * business; the engine keys peers by mark either way). */
	bool		 xfrm_if;
	uint32_t	 reqid;
	enum ike_start	 start;
	struct proposal_conf ike;
	struct proposal_conf esp;
	double		 retransmit_timeout;	/* first, seconds */
	double		 retransmit_base;	/* back-off factor */
	double		 retransmit_limit;	/* longest wait, seconds */
	unsigned int	 retransmit_tries;	/* then the peer is dead */
	/* A failed negotiation is retried after retry_base * 2^(n-1),
	 * at most retry_max, +-25% jitter; keying_tries of them (or
	 * IKE_TRIES_FOREVER). */
	double		 retry_base, retry_max;
	unsigned int	 keying_tries;
	struct ike_lifetime ike_life, child_life;
	double		 dpd_delay;		/* 0: no DPD */
	double		 dpd_timeout;
	enum ike_dpd_action dpd_action;
	/* How long a rekeyed CHILD SA's inbound SA still accepts packets
	 * sent before the peer switched (make-before-break). */
	double		 drain;
	/* How long two IKE SAs from crossing initiations may both live
	 * before the nonce rule picks one, with a peer that is not vtid
	 * (sa.c, sa_resolve_crossing). */
	double		 settle;
	uint32_t	 replay_window;
	/* RFC 7383: announce IKE fragmentation, and fragment our messages
	 * whose IP datagram would exceed fragment_size (0: 1280 for IPv6,
	 * 576 for IPv4) once the peer announced it too. */
	bool		 fragmentation;
	unsigned int	 fragment_size;
	/* The peer's interface is up only while a CHILD SA is in (and, for
	 * a route peer, while it waits for traffic), through ops->link. */
	bool		 link_follows;
	/* ESP in UDP even without a NAT (fake NAT detection, RFC 7296
	 * 2.23), and the NAT keepalive interval of the side behind a NAT
	 * (seconds; 0: none). */
	bool		 force_encap;
	double		 nat_keepalive;
};

/* One SA of a CHILD SA, one direction, as the kernel gets it. The keys
 * point into engine memory that is wiped right after the call. */
struct ike_sa_kernel {
	struct sockaddr_storage src, dst;	/* outer addresses, no ports */
	bool		 natt;			/* UDP encapsulation on 4500 */
	uint16_t	 natt_sport, natt_dport;
	uint32_t	 spi;			/* host order */
	uint32_t	 reqid;
	uint32_t	 mark;
	uint16_t	 encr;			/* ENCR_* */
	uint16_t	 encr_keybits;
	uint16_t	 integ;			/* AUTH_*; AUTH_NONE with AEAD */
	bool		 esn;
	uint32_t	 replay_window;
	const uint8_t	*encr_key, *integ_key;	/* key (+ salt for GCM) */
	size_t		 encr_len, integ_len;
	/* Kernel lifetimes, seconds (0: none): a soft EXPIRE asks for a
	 * rekey, the hard one removes the SA. */
	uint64_t	 soft_seconds, hard_seconds;
	bool		 outbound;	/* from us to the peer */
	bool		 update;	/* the SPI was reserved by spi_alloc */
	/* Outbound: the peer's first SA since it was down, and its trap
	 * policies of these families may hold the packets that asked for
	 * it: the daemon lets them go now (a policy update requeues them),
	 * not at the kernel's next hold-queue timer. */
	bool		 release_v4, release_v6;
};

/* The daemon's side. Each returns 0 or -errno (with its own log line). */
struct ike_ops {
	int	(*send)(void *ctx, const struct sockaddr_storage *local,
		    const struct sockaddr_storage *remote, bool natt,
		    const uint8_t *, size_t);
	/* Reserves an inbound SPI (a larval SA, gone by itself after
	 * net.core.xfrm_acq_expires unless sa_add fills it). */
	int	(*spi_alloc)(void *ctx, const struct ike_peer_conf *,
		    uint32_t *spi);
	int	(*sa_add)(void *ctx, const struct ike_peer_conf *,
		    const struct ike_sa_kernel *);
	/* Absent already is not an error. */
	void	(*sa_del)(void *ctx, const struct ike_peer_conf *,
		    const struct sockaddr_storage *dst, uint32_t spi);
	/* ESP in UDP: the SA (dst, spi) takes new UDP ports in place, its
	 * SPI, keys and sequence numbers unchanged (a NAT's new mapping,
	 * RFC 7296 2.23). May be NULL. */
	int	(*sa_encap)(void *ctx, const struct ike_peer_conf *,
		    const struct sockaddr_storage *dst, uint32_t spi,
		    uint16_t sport, uint16_t dport);
	/* The peer's marked out/in/fwd policies: for ::/0 when v6, for
	 * 0.0.0.0/0 when v4, none for a family not wanted; their templates
	 * between the configured local address and remote (no port). */
	int	(*policies)(void *ctx, const struct ike_peer_conf *,
		    const struct sockaddr_storage *remote, bool v4, bool v6);
	/* Byte and packet counters of one SA. */
	int	(*child_counters)(void *ctx, const struct ike_peer_conf *,
		    const struct sockaddr_storage *dst, uint32_t spi,
		    uint64_t *bytes, uint64_t *packets);
	/* Around a snapshot, which asks child_counters for every SA: begin
	 * may read them all at once (one dump instead of a request per
	 * SA), end forgets them. May be NULL. */
	void	(*counters_batch)(void *ctx, bool begin);
	/* The peer's interface up or down (peers with link_follows only;
	 * called on changes). May be NULL. */
	void	(*link)(void *ctx, const struct ike_peer_conf *, bool up);
	/* A NAT keepalive to the peer's 4500 port. May be NULL. */
	int	(*keepalive)(void *ctx, const struct sockaddr_storage *local,
		    const struct sockaddr_storage *remote);
	void	*ctx;
};

/* Engine-wide counters, for status and metrics. */
struct ike_stats {
	uint64_t	 rx, rx_invalid, rx_no_sa, rx_no_peer, rx_bad_icv;
	uint64_t	 rx_retransmit, tx_retransmit;
	uint64_t	 ike_up, child_up, auth_failed, no_proposal;
	/* Responder DoS control: COOKIEs sent, and those sent back valid
	 * (made with the secret in force, or the one before) or not; the
	 * secret's rotations; IKE_SA_INIT requests dropped as too big or
	 * with half-open SAs at the peer's or the overall cap. */
	uint64_t	 cookies_sent, cookies_valid, cookies_valid_previous;
	uint64_t	 cookies_invalid;
	uint64_t	 cookie_rotations;
	uint64_t	 init_too_big, init_half_open_peer, init_half_open_max;
	uint64_t	 half_open;	/* responder SAs half-open now */
	/* Our initiations negotiating now, peers waiting for one of them
	 * to end (ike_dos_conf.initiate_max), and those that gave their
	 * slot up, their IKE_SA_INIT unanswered (sa.c). */
	uint64_t	 initiating, init_queued, init_overdue;
	/* IKE fragmentation (RFC 7383): fragments sent; fragments received
	 * and kept (ICV good), messages reassembled from them; fragments
	 * ignored as duplicates, dropped (malformed, ICV failed, over a
	 * limit, not negotiated), incomplete sets dropped after a
	 * timeout. */
	uint64_t	 frag_tx, frag_rx, frag_reassembled;
	uint64_t	 frag_dup, frag_dropped, frag_timeout;
	/* Key exchanges handed to the crypto pool; messages dropped for an
	 * SA whose keys were being made. */
	uint64_t	 crypto_jobs, rx_busy;
};

/* Responder DoS control (RFC 7296 2.6, RFC 8019), for every peer. A
 * responder SA is half-open from its IKE_SA_INIT until IKE_AUTH. With
 * cookie_threshold half-open SAs in all, or cookie_threshold_peer of the
 * peer's, a new IKE_SA_INIT gets a COOKIE to send back first, before any
 * state or key exchange (0: always); beyond half_open_max or
 * half_open_max_peer it is dropped. */
struct ike_dos_conf {
	unsigned int	 cookie_threshold, cookie_threshold_peer;
	unsigned int	 half_open_max, half_open_max_peer;
	double		 cookie_rotate;	/* seconds a cookie secret serves */
	size_t		 init_max_size;	/* larger IKE_SA_INIT requests: dropped */
	double		 half_open_timeout;	/* seconds to wait for IKE_AUTH */
	/* Our own side: at most this many IKE SAs we initiated negotiate at
	 * once; further peers wait their turn in the order they asked. */
	unsigned int	 initiate_max;
};

#define IKE_DOS_COOKIE_THRESHOLD	10
#define IKE_DOS_COOKIE_THRESHOLD_PEER	2
#define IKE_DOS_HALF_OPEN_MAX		500
#define IKE_DOS_HALF_OPEN_MAX_PEER	10
#define IKE_DOS_COOKIE_ROTATE		60.0
#define IKE_DOS_INIT_MAX_SIZE		4096
#define IKE_DOS_HALF_OPEN_TIMEOUT	30.0
#define IKE_INITIATE_MAX		100

struct ike_engine;

struct ike_engine *ike_engine_new(struct ev_loop *, const struct ike_ops *);
/* Replaces the DoS settings (the engine starts with the IKE_DOS_*
 * defaults); they apply to the next request. */
void	 ike_engine_set_dos(struct ike_engine *, const struct ike_dos_conf *);
/* vtid's Vendor ID (src/ike/vendor.h) is sent in every IKE_SA_INIT and
 * a vtid peer's heeded: crossing initiations with it are resolved at
 * once. false: neither, the engine behaves as an implementation without
 * it (tests: a peer that waits for settle). */
void	 ike_engine_set_vendor_id(struct ike_engine *, bool send);
/* Whether IKE_SA_INIT carries SIGNATURE_HASH_ALGORITHMS when a peer uses
 * certificates (default true); false makes the engine a peer of RFC 7296
 * alone, whose signatures use methods 1 and 9-11 (tests). */
void	 ike_engine_set_signature_hashes(struct ike_engine *, bool send);
struct ike_cpool;
/* Key exchanges on the pool's worker threads (cpool.h) from now on;
 * NULL: on the loop. Free the engine before the pool. */
void	 ike_engine_set_pool(struct ike_engine *, struct ike_cpool *);
/* While held, peers added with start = start do not initiate yet; on
 * release they all do (the daemon: once its crypto threads run). */
void	 ike_engine_hold_start(struct ike_engine *, bool hold);
/* Runs each DH group and PRF the peers offer once, at startup. */
void	 ike_engine_warm(struct ike_engine *);
/* Sends DELETE for every IKE SA, removes every CHILD SA from the kernel,
 * frees everything and wipes every key. */
void	 ike_engine_free(struct ike_engine *);
/* The conf is copied (and the caller's copy may be wiped). start peers
 * initiate at once. */
int	 ike_peer_add(struct ike_engine *, const struct ike_peer_conf *);
/* The peer's interface was set up anew (a reload changed it): whether
 * its link follows the tunnel, and its state applied again. */
void	 ike_peer_link_reset(struct ike_engine *, const char *name,
	    bool follows);
/* Initiates if the peer has no IKE SA (start, traffic), now or, with
 * dos.initiate_max of ours negotiating, when its turn comes: 0 started
 * (or an SA is there), 1 waiting in line, -1 no such peer or failed. */
int	 ike_peer_initiate(struct ike_engine *, const char *name);
/* The operator's "up": as ike_peer_initiate, and a start add peer then
 * retries after a failure, as a start peer does, until it is up or
 * keying_tries run out. */
int	 ike_peer_up(struct ike_engine *, const char *name);
/* A renewed certificate, new CAs or CRLs for a peer (conf's cred, ca and
 * rsa_pss; the rest is not read): used from its next IKE SA or rekey on;
 * its IKE SAs whose peer certificate the new CAs refuse (revoked,
 * expired) are closed, with why in the log. Returns how many, or -1 if
 * there is no such peer. */
int	 ike_peer_credentials(struct ike_engine *, const char *name,
	    const struct ike_peer_conf *conf);
/* The kernel's ACQUIRE for a route peer: initiates unless held down. */
int	 ike_peer_acquire(struct ike_engine *, const char *name);
/* Rekeys the peer's CHILD SA, or its IKE SA: 0, or -1 when it has no
 * established SA. */
int	 ike_peer_rekey(struct ike_engine *, const char *name, bool ike);
/* The kernel saw authenticated ESP in UDP for our inbound SA spi come
 * from another address or port (XFRM_MSG_MAPPING): the peer's NAT moved
 * it; the IKE SA and its CHILD SAs follow. False: not one of ours. */
bool	 ike_kernel_mapping(struct ike_engine *, uint32_t mark, uint32_t spi,
	    const struct sockaddr_storage *from);
/* A kernel EXPIRE for one of our SAs (by peer mark and SPI). */
void	 ike_kernel_expire(struct ike_engine *, uint32_t mark, uint32_t spi,
	    bool hard);
/* ---- What the engine holds in the kernel (recon.c) ----
 *
 * The daemon compares the kernel's tables with these and reports back:
 * the engine makes no kernel call of its own for it. */

/* One SA of an installed CHILD SA, one direction; dst without a port. */
struct ike_kernel_sa {
	const char	*peer;
	uint32_t	 mark, reqid, spi;
	bool		 xfrm_if;	/* mark is an if_id (ike_peer_conf) */
	struct sockaddr_storage dst;
	bool		 inbound;
};

/* A peer's policies: out/in/fwd for each family set (none set: no
 * policy of its mark should be in the kernel). */
struct ike_kernel_policies {
	const char	*peer;
	uint32_t	 mark, reqid;
	bool		 xfrm_if;
	const struct sockaddr_storage *local, *remote;	/* as ops->policies */
	bool		 v4, v6;
};

/* Calls sa for each SA the engine has installed and pol for each peer. */
void	 ike_kernel_expected(const struct ike_engine *,
	    void (*sa)(const struct ike_kernel_sa *, void *),
	    void (*pol)(const struct ike_kernel_policies *, void *), void *arg);
/* An SA the engine installed is gone from the kernel (flushed or deleted
 * by hand, its hard EXPIRE lost): handled as that EXPIRE would have
 * been, the tunnel re-established at once. False when the engine does
 * not hold that SA (any more). */
bool	 ike_kernel_sa_missing(struct ike_engine *, uint32_t mark,
	    uint32_t spi);
/* Some of the peer's policies (by mark) are gone: all installed again
 * through ops->policies. */
void	 ike_kernel_policies_missing(struct ike_engine *, uint32_t mark);
/* Deletes the peer's SAs (DELETE sent) and keeps it down until
 * ike_peer_initiate or the peer initiates. */
int	 ike_peer_down(struct ike_engine *, const char *name);
/* Deletes the peer's SAs and forgets it (reload: removed or changed). */
int	 ike_peer_remove(struct ike_engine *, const char *name);
/* One datagram from the network. local/remote carry the ports. */
void	 ike_input(struct ike_engine *, const struct sockaddr_storage *local,
	    const struct sockaddr_storage *remote, bool natt,
	    const uint8_t *, size_t);
const struct ike_stats *ike_engine_stats(const struct ike_engine *);
/* Number of peers with an established CHILD SA, and of all peers. */
void	 ike_engine_count(const struct ike_engine *, unsigned *up,
	    unsigned *total);


/* ---- What the engine shows: a read-only snapshot ----
 *
 * Plain copies of the state of the peers and their SAs, for vtictl
 * status, list and metrics (src/report writes them). Moments are Unix
 * times by the wall clock at "now" (the engine measures on the
 * monotonic clock and converts); timers are seconds left.
 * No key material is ever copied in. */

enum ike_peer_state {
	IKE_PEER_UNKNOWN = -1,	/* no such peer */
	IKE_PEER_DOWN,		/* no IKE SA */
	IKE_PEER_CONNECTING,	/* an IKE SA, no CHILD SA (yet) */
	IKE_PEER_UP,		/* a CHILD SA is installed */
};

/* The peer's interface as the engine set it. */
enum ike_link {
	IKE_LINK_FIXED,		/* not managed: always up */
	IKE_LINK_UP,
	IKE_LINK_DOWN,
	IKE_LINK_RECOVERING,	/* down: the tunnel was lost, we re-initiate */
	IKE_LINK_ADMIN_DOWN,	/* down: vtictl down */
};

/* The state of the named peer (ike_peer_state_name: "up", ...). */
enum ike_peer_state ike_peer_state(const struct ike_engine *,
	    const char *name);
const char *ike_peer_state_name(enum ike_peer_state);
/* "up", "down", "down, re-initiating"...; "fixed" when not managed. */
const char *ike_link_name(enum ike_link);

/* An IKE SA's phase (the engine's half-open states are CONNECTING). */
enum ike_sa_phase {
	IKE_SA_CONNECTING,
	IKE_SA_ESTABLISHED,
	IKE_SA_DELETING,	/* our DELETE is out */
};

/* Per IKE SA: the CHILD SA carrying the traffic and, during a rekey, the
 * one replaced (its inbound SA draining) and the one the peer's rekey
 * made (its outbound SA held back). */
enum ike_child_role {
	IKE_CHILD_CURRENT,
	IKE_CHILD_REKEYED,
	IKE_CHILD_NEW,
};
#define IKE_CHILD_ROLES		3

struct ike_traffic {
	uint64_t	 bytes_in, packets_in, bytes_out, packets_out;
};

struct ike_child_snap {
	enum ike_child_role role;
	uint32_t	 spi_in, spi_out;
	bool		 in_on, out_on;	/* that SA is in the kernel */
	bool		 v4, v6;	/* 0.0.0.0/0, ::/0 */
	struct ike_suite suite;
	double		 established;
	double		 rekey_in;	/* -1: none scheduled */
	/* The kernel's counters of its inbound and outbound SA, asked
	 * whatever in_on and out_on say; 0 for an SA the kernel has not. */
	struct ike_traffic kernel;
};

struct ike_sa_snap {
	unsigned int	 serial;
	enum ike_sa_phase phase;
	bool		 initiator;
	bool		 current;	/* the one the peer's tunnel uses */
	/* ESP in UDP between local and remote (their ports); nat_local:
	 * the NAT is in front of us (we send keepalives). */
	bool		 natt, nat_local;
	bool		 fragmentation;	/* RFC 7383 negotiated */
	uint64_t	 ispi, rspi;
	struct sockaddr_storage local, remote;
	struct ike_suite suite;		/* ESTABLISHED, DELETING only */
	double		 created, established;
	double		 rekey_in;	/* -1: none scheduled */
	/* The crossing rule of a vtid peer (its Vendor ID), once IKE_AUTH
	 * authenticated it; 0: another implementation, or not yet known. */
	uint16_t	 peer_vtid;
	/* The peer's certificate, as IKE_AUTH checked it ("" with a PSK);
	 * not_after in seconds since the epoch. */
	char		 peer_cert_subject[IKE_CERT_NAME_MAX];
	char		 peer_cert_issuer[IKE_CERT_NAME_MAX];
	int64_t		 peer_cert_not_after;
	size_t		 n_children;	/* the installed ones, by role */
	struct ike_child_snap children[IKE_CHILD_ROLES];
};

struct ike_id_snap {
	uint8_t		 type;		/* enum ike_id_type; 0: any */
	uint8_t		 data[IKE_ID_MAX];
	size_t		 len;
};

struct ike_peer_snap {
	char		 name[IKE_NAME_MAX];
	enum ike_peer_state state;
	enum ike_link	 link;
	enum ike_start	 start;
	uint32_t	 mark, reqid;
	bool		 xfrm_if;	/* mark is an XFRM interface's if_id */
	struct sockaddr_storage local, remote;
	bool		 remote_dynamic;	/* remote/remote_plen a prefix */
	uint8_t		 remote_plen;
	struct ike_id_snap local_id, remote_id;
	/* Our certificate for it ("" with a PSK), its key, its expiry. */
	char		 cert_subject[IKE_CERT_NAME_MAX];
	char		 cert_key[32];
	int64_t		 cert_not_after;
	char		 last_error[IKE_ERROR_MAX];
	bool		 queued;	/* waiting to initiate (initiate_max) */
	double		 up_since;	/* 0: down */
	struct ike_traffic gone;	/* of its CHILD SAs no longer in */
	uint64_t	 child_rekeys, ike_rekeys, failures;
	double		 dpd_rtt;	/* last liveness round trip; 0: none */
	uint16_t	 peer_vtid;	/* as its last authenticated IKE SA's */
	size_t		 n_sas;
	struct ike_sa_snap *sas;	/* into ike_snapshot.sas */
};

struct ike_snapshot {
	double		 now;
	struct ike_stats stats;
	size_t		 n_peers, n_sas;
	struct ike_peer_snap *peers;	/* in the order they were added */
	struct ike_sa_snap *sas;	/* by peer, then newest first */
};

/* Every peer, or only the one named (none if there is no such peer);
 * asks the kernel for the counters of the CHILD SAs. NULL when out of
 * memory. */
struct ike_snapshot *ike_snapshot_take(struct ike_engine *,
	    const char *peer);
void	 ike_snapshot_free(struct ike_snapshot *);

#endif
