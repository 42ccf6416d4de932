/* The kernel's IPsec tables through NETLINK_XFRM: ESP SAs in tunnel mode,
 * in/out/fwd policies keyed by mark for route-based VTIs, or by if_id
 * (XFRMA_IF_ID) for XFRM interfaces (Linux >= 4.19), SA
 * counters, ACQUIRE and EXPIRE events, and clean-up limited to vtid's own
 * objects. Plain structs in, -errno out; nothing here knows IKE.
 *
 * Errors: every call returns 0 or -errno and leaves a line such as
 *   "xfrm: add SA spi 0xc1234567: No such file or directory (Requested
 *    type not found)"
 * in nl_sock_error() of the socket it was given.
 *
 * Keys: struct xfrm_sa holds keys by value. The netlink buffers built
 * from it are wiped here after sending, and replies (which echo keys for
 * GETSA and dumps) are wiped by src/netlink; the struct itself is the
 * caller's: wipe it (xfrm_sa_wipe) when done. No key is ever logged. */
#ifndef VTID_XFRM_XFRM_H
#define VTID_XFRM_XFRM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <ev.h>
#include <linux/xfrm.h>

#include "netlink/netlink.h"

/* The SPI range vtid allocates from, as strongSwan does (its
 * spi_min/spi_max defaults), so SPIs of ours are recognisable. RFC 4303
 * 2.1 reserves 1-255. */
#define XFRM_SPI_MIN		0xc0000000u
#define XFRM_SPI_MAX		0xcfffffffu

/* ESP transforms (RFC 8221 MUST/SHOULD set). */
enum xfrm_encr {
	XFRM_ENCR_NONE = 0,
	XFRM_ENCR_AES_GCM_16,	/* RFC 4106, 16-octet ICV: "rfc4106(gcm(aes))" */
	XFRM_ENCR_AES_CBC,	/* RFC 3602: "cbc(aes)", needs an integ */
};

enum xfrm_integ {
	XFRM_INTEG_NONE = 0,		/* with AES-GCM */
	XFRM_INTEG_HMAC_SHA2_256_128,	/* RFC 4868: ICV truncated to 128 */
	XFRM_INTEG_HMAC_SHA2_384_192,	/* 192 */
	XFRM_INTEG_HMAC_SHA2_512_256,	/* 256 */
};

/* Key lengths in bytes. AES-GCM keys end with the 4-byte salt (RFC 4106
 * 8.1: KEYMAT is key || salt); HMAC keys are the hash size (RFC 4868
 * 2.1.1). */
#define XFRM_GCM_SALT_LEN	4
#define XFRM_ENCR_KEY_MAX	(32 + XFRM_GCM_SALT_LEN)
#define XFRM_INTEG_KEY_MAX	64
#define XFRM_REPLAY_MAX		4096	/* the kernel's XFRMA_REPLAY_ESN_MAX bits */

/* Limits of an SA; 0 means none. Seconds count from installation. A
 * soft limit (EXPIRE, rekey now) must not exceed its hard one (EXPIRE,
 * the kernel deletes the SA). */
struct xfrm_sa_lifetime {
	uint64_t	 soft_bytes, hard_bytes;
	uint64_t	 soft_packets, hard_packets;
	uint64_t	 soft_seconds, hard_seconds;
};

/* An ESP SA in tunnel mode. mark.m == 0: unmarked. if_id: the XFRM
 * interface whose traffic it carries (0: none, XFRMA_IF_ID not sent). */
struct xfrm_sa {
	struct nl_addr	 src, dst;	/* outer addresses, one family */
	uint32_t	 spi;		/* host order */
	uint32_t	 reqid;		/* must equal the policies' template reqid */
	struct xfrm_mark mark;
	uint32_t	 if_id;
	/* Inner family the SA may carry. AF_UNSPEC (0): any, with
	 * XFRM_STATE_AF_UNSPEC and an empty selector, which a vti6 carrying
	 * IPv4 needs (else the kernel gives the SA a selector of the outer
	 * family and IPv4 flows never match it); AF_INET/AF_INET6 restricts
	 * the SA to that inner family. */
	uint16_t	 inner_family;
	enum xfrm_encr	 encr;
	uint8_t		 encr_key[XFRM_ENCR_KEY_MAX];
	size_t		 encr_key_len;	/* GCM: 20/28/36, CBC: 16/24/32 */
	enum xfrm_integ	 integ;
	uint8_t		 integ_key[XFRM_INTEG_KEY_MAX];
	size_t		 integ_key_len;	/* 32, 48, 64 */
	uint32_t	 replay_window;	/* packets, <= XFRM_REPLAY_MAX; 0: none */
	bool		 esn;		/* RFC 4303 2.2.1 extended sequence numbers */
	struct xfrm_sa_lifetime lifetime;
	/* ESP in UDP (RFC 3948): the packets' UDP source and destination
	 * ports, host order (XFRMA_ENCAP, UDP_ENCAP_ESPINUDP). */
	bool		 encap;
	uint16_t	 encap_sport, encap_dport;
};

/* Which SA: ESP, destination, SPI, and the mark it was installed with. */
struct xfrm_sa_id {
	struct nl_addr	 dst;
	uint32_t	 spi;
	struct xfrm_mark mark;
};

/* What the kernel reports of an SA (GETSA, dumps); never its keys. */
struct xfrm_sa_info {
	struct nl_addr	 src, dst;
	uint32_t	 spi;
	uint8_t		 proto;		/* IPPROTO_ESP, ... */
	uint8_t		 mode;		/* XFRM_MODE_TUNNEL, ... */
	uint32_t	 reqid;
	struct xfrm_mark mark;
	uint32_t	 if_id;		/* XFRMA_IF_ID; 0: absent */
	uint64_t	 bytes, packets;	/* curlft */
	uint64_t	 add_time, use_time;	/* seconds since the epoch */
	uint32_t	 replay_dropped;	/* stats.replay */
	uint32_t	 integrity_failed;
	/* It has algorithms: not a larval SA (an SPI reserved by ALLOCSPI,
	 * or the kernel's own for an ACQUIRE), which carries none. */
	bool		 keyed;
};

/* ALLOCSPI: a larval SA reserving an SPI for the inbound SA to come, which
 * must then be installed with xfrm_sa_update (UPDSA): NEWSA on it fails
 * with -EEXIST. The reservation lasts net.core.xfrm_acq_expires seconds
 * (30 by default), then the kernel drops it with a hard EXPIRE. */
struct xfrm_spi_req {
	struct nl_addr	 src, dst;	/* of the SA-to-be: dst is ours */
	uint32_t	 reqid;
	struct xfrm_mark mark;
	uint32_t	 if_id;		/* 0: none */
	uint32_t	 min, max;	/* both 0: XFRM_SPI_MIN..XFRM_SPI_MAX */
};

/* A policy with one ESP tunnel template. The selector family is the
 * inner family (0.0.0.0/0 or ::/0 for a VTI); the template addresses
 * are the outer ones, src -> dst in the direction of the packets (for
 * "in" and "fwd": remote -> local). */
struct xfrm_policy {
	uint8_t		 dir;		/* XFRM_POLICY_IN, _OUT, _FWD */
	struct nl_prefix sel_src, sel_dst;	/* same family */
	struct xfrm_mark mark;
	/* XFRM interface: packets routed into the device with this if_id
	 * (out), or decapsulated by an SA with it (in, fwd); 0: none.
	 * Part of the policy's key, as the mark is. */
	uint32_t	 if_id;
	uint32_t	 priority;	/* lower wins */
	struct nl_addr	 tmpl_src, tmpl_dst;
	uint32_t	 reqid;		/* must EQUAL the SA's: 0 matches none */
};

#define XFRM_TMPL_MAX		6	/* the kernel's XFRM_MAX_DEPTH */

/* A policy as dumped (main policy type only). */
struct xfrm_policy_info {
	struct xfrm_policy pol;		/* template fields from the first one */
	uint32_t	 index;
	uint8_t		 action;	/* XFRM_POLICY_ALLOW, _BLOCK */
	uint8_t		 ptype;		/* XFRM_POLICY_TYPE_MAIN, _SUB */
	size_t		 n_tmpl;	/* may exceed XFRM_TMPL_MAX: not ours */
	uint32_t	 tmpl_reqid[XFRM_TMPL_MAX];
};

/* SAs (each direction) and policies. add fails with -EEXIST if present;
 * update replaces (UPDSA: also how an SPI from xfrm_spi_alloc gets its
 * SA; UPDPOLICY: creates or replaces). Deleting what is absent: -ESRCH
 * for SAs, -ENOENT for policies, as the kernel says. */
int	 xfrm_sa_add(struct nl_sock *, const struct xfrm_sa *);
int	 xfrm_sa_update(struct nl_sock *, const struct xfrm_sa *);
int	 xfrm_sa_delete(struct nl_sock *, const struct xfrm_sa_id *);
int	 xfrm_sa_get(struct nl_sock *, const struct xfrm_sa_id *,
	    struct xfrm_sa_info *);
int	 xfrm_spi_alloc(struct nl_sock *, const struct xfrm_spi_req *,
	    uint32_t *spi);
/* An ESP-in-UDP SA's ports (host order) changed in place: SPI, keys,
 * replay state and counters unchanged (RFC 7296 2.23, a NAT's new
 * mapping). -EINVAL for an SA without encapsulation. */
int	 xfrm_sa_encap_move(struct nl_sock *, const struct xfrm_sa_id *,
	    uint16_t sport, uint16_t dport);
int	 xfrm_policy_add(struct nl_sock *, const struct xfrm_policy *);
int	 xfrm_policy_update(struct nl_sock *, const struct xfrm_policy *);
/* By direction, selector and mark (the template is not part of the key). */
int	 xfrm_policy_delete(struct nl_sock *, const struct xfrm_policy *);
/* Zero an SA's keys (and everything else). */
void	 xfrm_sa_wipe(struct xfrm_sa *);

/* The hold queue (larval.c): net.core.xfrm_larval_drop set to 0 in the
 * caller's namespace, so the packets that trigger an ACQUIRE wait for the
 * SA instead of being dropped; restore puts the old value back unless
 * someone changed it since. The file stays open in between (the sandbox
 * allows no open at exit). */
struct xfrm_larval {
	bool		 open;		/* fd is ours (a zeroed struct: no) */
	int		 fd;
	int		 old;
	bool		 changed;	/* we wrote the 0 */
};

int	 xfrm_larval_hold(struct xfrm_larval *);	/* 0 or -errno */
void	 xfrm_larval_restore(struct xfrm_larval *);

/* Ownership: vtid touches only objects that satisfy every condition set
 * here, and at least one must be set (-EINVAL otherwise), so an empty
 * owner can never mean "everything". An SA matches the reqid condition if
 * its reqid is in [reqid_min, reqid_max]; a policy if it has templates and
 * all their reqids are. The key condition (set when n_marks or n_if_ids is
 * not 0): the object either has one of marks[] exactly and no if_id (a
 * VTI's), or one of if_ids[] and no mark (an XFRM interface's). Mark
 * entries must have a non-zero mask and if_ids must not be 0 (an unmarked
 * object has mark (0, 0) and if_id 0: either would claim them all). */
struct xfrm_owner {
	uint32_t	 reqid_min, reqid_max;	/* both 0: no reqid condition */
	const struct xfrm_mark *marks;
	size_t		 n_marks;
	const uint32_t	*if_ids;
	size_t		 n_if_ids;
};

int	 xfrm_owner_check(const struct xfrm_owner *);	/* 0 or -EINVAL */
bool	 xfrm_owner_sa_match(const struct xfrm_owner *,
	    const struct xfrm_sa_info *);
bool	 xfrm_owner_policy_match(const struct xfrm_owner *,
	    const struct xfrm_policy_info *);
/* Dump and delete the SAs (policies) of owner, never anything else and
 * never with a FLUSH. *deleted (may be NULL) counts what went; objects
 * that vanish meanwhile are not errors. */
int	 xfrm_sa_purge(struct nl_sock *, const struct xfrm_owner *,
	    unsigned int *deleted);
int	 xfrm_policy_purge(struct nl_sock *, const struct xfrm_owner *,
	    unsigned int *deleted);
/* Call cb for every SA (policy) in the kernel: listing, tests. A cb
 * error stops the listing and is returned; -EAGAIN means the table
 * changed during the dump (some may be missing): list again. */
int	 xfrm_sa_list(struct nl_sock *,
	    int (*cb)(const struct xfrm_sa_info *, void *), void *arg);
int	 xfrm_policy_list(struct nl_sock *,
	    int (*cb)(const struct xfrm_policy_info *, void *), void *arg);
/* DELPOLICY of a dumped policy, by its index (with its mark and pol.if_id):
 * exact even where two policies share a selector. */
int	 xfrm_policy_delete_index(struct nl_sock *,
	    const struct xfrm_policy_info *);

/* Events. ACQUIRE: an outbound packet matched a policy with no SA. */
struct xfrm_acquire {
	struct nl_addr	 src, dst;	/* outer, from the template */
	struct nl_prefix flow_src, flow_dst;	/* the packet that triggered it */
	uint8_t		 flow_proto;
	struct nl_prefix sel_src, sel_dst;	/* the policy's selector */
	uint8_t		 dir;
	uint32_t	 index;		/* the policy's */
	uint32_t	 reqid;		/* of the first template */
	struct xfrm_mark mark;		/* the policy's */
	uint32_t	 if_id;		/* the policy's; 0: none */
	uint32_t	 seq;		/* the kernel's acquire sequence */
};

/* EXPIRE: an SA reached a soft (rekey now) or hard (gone) limit. */
struct xfrm_expire {
	struct nl_addr	 src, dst;
	uint32_t	 spi;
	uint8_t		 proto;
	uint32_t	 reqid;
	struct xfrm_mark mark;
	uint32_t	 if_id;		/* 0: none */
	bool		 hard;
	uint64_t	 bytes, packets;
};

/* XFRM_MSG_MAPPING: authenticated ESP in UDP for an inbound SA came from
 * another address or port than the SA's (the peer's NAT moved it). */
struct xfrm_mapping {
	struct nl_addr	 dst;		/* the SA's: ours */
	uint32_t	 spi;
	uint32_t	 reqid;
	struct nl_addr	 old_src, new_src;
	uint16_t	 old_sport, new_sport;	/* host order */
};

/* The SA and policy tables changed (XFRMNLGRP_SA, XFRMNLGRP_POLICY,
 * with xfrm_monitor_tables): by anyone, vtid included. */
enum xfrm_event_type {
	XFRM_EVENT_ACQUIRE = 1,
	XFRM_EVENT_EXPIRE,
	XFRM_EVENT_SA_ADDED,		/* NEWSA, UPDSA: u.sa */
	XFRM_EVENT_SA_DELETED,		/* DELSA: u.sa, no counters */
	XFRM_EVENT_SA_FLUSHED,		/* FLUSHSA: u.flush_proto */
	XFRM_EVENT_POLICY_DELETED,	/* DELPOLICY: u.policy */
	XFRM_EVENT_POLICY_FLUSHED,	/* FLUSHPOLICY */
	XFRM_EVENT_MAPPING,		/* MAPPING: u.mapping */
};

struct xfrm_event {
	enum xfrm_event_type type;
	union {
		struct xfrm_acquire acquire;
		struct xfrm_expire expire;
		struct xfrm_mapping mapping;
		struct xfrm_sa_info sa;
		struct xfrm_policy_info policy;
		uint8_t		 flush_proto;	/* IPSEC_PROTO_ANY (255): all */
	} u;
};

/* Decode one kernel message (header included) in buf[0..len). A pure
 * function: 0 and *ev filled, -ENOMSG for a message type that is none of
 * the above (POLEXPIRE shares a group; NEWPOLICY is not needed), -EBADMSG
 * when short or malformed. Never reads outside buf, whatever it holds. */
int	 xfrm_event_decode(const void *buf, size_t len, struct xfrm_event *);

/* Pure decoders of GETSA/dump messages (XFRM_MSG_NEWSA, _NEWPOLICY). */
int	 xfrm_sa_msg_decode(const void *buf, size_t len,
	    struct xfrm_sa_info *);
int	 xfrm_policy_msg_decode(const void *buf, size_t len,
	    struct xfrm_policy_info *);

/* A subscription to XFRMNLGRP_ACQUIRE and XFRMNLGRP_EXPIRE watched by
 * libev. cb sees every decoded event (callers keep theirs with
 * xfrm_owner_*); malformed messages are counted, logged (rate-limited)
 * and skipped; lost events (socket overrun) are counted, logged, and
 * reported to overrun_cb once the burst that met them is read. */
typedef void (*xfrm_event_cb)(const struct xfrm_event *, void *arg);
typedef void (*xfrm_overrun_cb)(void *arg);

struct xfrm_monitor {
	struct nl_sock	 sock;		/* nl_sock_error() after a failure */
	ev_io		 io;
	struct ev_loop	*loop;
	xfrm_event_cb	 cb;
	void		*arg;
	uint64_t	 malformed;	/* messages that failed to decode */
	uint64_t	 overruns;	/* times the kernel dropped events */
	xfrm_overrun_cb	 overrun_cb;	/* NULL: none */
	struct log_ratelimit rl;
};

/* netns NULL or "": the current namespace. */
int	 xfrm_monitor_start(struct xfrm_monitor *, struct ev_loop *,
	    const char *netns, xfrm_event_cb cb, void *arg);
void	 xfrm_monitor_stop(struct xfrm_monitor *);	/* safe twice */
/* Also XFRMNLGRP_SA and XFRMNLGRP_POLICY: every change to the tables
 * (a flush by an administrator, vtid's own adds and deletes too).
 * Lost events are then also reported to overrun (may be NULL). */
int	 xfrm_monitor_tables(struct xfrm_monitor *, xfrm_overrun_cb overrun);
/* The socket's receive buffer, asked for in bytes (the kernel doubles
 * it for its bookkeeping): *got is what the kernel granted. */
int	 xfrm_monitor_rcvbuf(struct xfrm_monitor *, int bytes, int *got);

/* Message construction, exposed for the unit tests: build into buf[cap]
 * and return 0, or -EINVAL with *why set to a static reason (bad key
 * length, mixed families...), or -EMSGSIZE. Callers wipe buf. */
int	 xfrm_sa_msg_build(void *buf, size_t cap, uint16_t type,
	    const struct xfrm_sa *, const char **why);
int	 xfrm_spi_msg_build(void *buf, size_t cap, const struct xfrm_spi_req *,
	    const char **why);
int	 xfrm_policy_msg_build(void *buf, size_t cap, uint16_t type,
	    const struct xfrm_policy *, const char **why);
int	 xfrm_sa_id_msg_build(void *buf, size_t cap, uint16_t type,
	    const struct xfrm_sa_id *, const char **why);

#endif
