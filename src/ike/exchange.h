/* The exchanges (RFC 7296 1.2-1.4): what each message carries and what
 * it does to the SA's keys and CHILD SAs. The lifecycle (sa.c) calls
 * them in the states where they are legal and applies what they report:
 * a failure, an SA established, rekeyed or deleted. They build and send
 * through transport.h and install through child.h, and never call the
 * lifecycle back.
 *
 *	init.c		IKE_SA_INIT, both roles
 *	auth.c		IKE_AUTH with the first CHILD SA
 *	info.c		INFORMATIONAL: DELETE, liveness checks
 *	rekey.c		CREATE_CHILD_SA: CHILD SA and IKE SA rekeys
 *	exchange.c	what they share
 */
#ifndef VTID_IKE_EXCHANGE_H
#define VTID_IKE_EXCHANGE_H

#include "ike/engine.h"
#include "ike/secret.h"
#include "ike/transport.h"

/* Why an exchange could not go on: the lifecycle fails the SA with it. */
struct ike_fail {
	char		 why[256];
	bool		 hold_down;	/* a failure that will not mend soon */
};

/* Sets why; returns -1. */
int		 ike_fail_set(struct ike_fail *, const char *fmt, ...)
		    VTID_PRINTF(2, 3);

/* exchange.c */
const char	*ike_notify_name(uint16_t);
/* The first error notify of a message, or 0. */
uint16_t	 ike_msg_error(const struct ike_msg *);
/* ::/0 and/or 0.0.0.0/0 over all protocols and ports; returns the count. */
size_t		 ike_ts_all(struct ike_ts ts[2], bool v4, bool v6);
/* The families a TS payload covers whole. */
void		 ike_ts_families(const struct ike_pl_ts *, bool *v4, bool *v6);
/* Of colliding exchanges the one with the lowest nonce loses (RFC 7296
 * 2.8.1): nonces compared as octet strings, and an exchange's lower
 * one. */
int		 ike_nonce_cmp(const uint8_t *, size_t, const uint8_t *, size_t);
void		 ike_nonce_min(const uint8_t *ni, size_t ni_len,
		    const uint8_t *nr, size_t nr_len, uint8_t *out,
		    size_t *out_len);
uint8_t		*ike_copy_bytes(const uint8_t *, size_t);
/* The SA's seven keys and SK contexts from g^ir, its nonces and SPIs
 * (RFC 7296 2.14), or for an SA made by a rekey from the SK_d of the SA it
 * replaces (parent, 2.18). 0 or -1. */
int		 ike_sa_keys_make(struct ike_sa *,
		    const struct ike_key_parent *parent,
		    const struct ike_chunk *gir);
/* A new SA we answer for (IKE_SA_INIT, an IKE SA rekey): the proposal
 * chosen, the peer's nonce as Ni, ours as Nr. 0 or -1. */
int		 ike_responder_nonces(struct ike_sa *,
		    const struct proposal_choice *,
		    const struct ike_pl_nonce *peer);

/* init.c: the key exchange runs on the engine's crypto pool (cpool.h).
 * When it is done, cb(sa, NULL), or cb(sa, why) when the SA cannot go on
 * (the caller ends it); with no worker threads, before the call returns,
 * so callers leave sa alone after these. */
typedef void	(*ike_init_cb)(struct ike_sa *, const char *why);
/* Our IKE_SA_INIT request: nonce, key pair, then sent (cb). */
int		 ike_init_start(struct ike_sa *, ike_init_cb);
enum ike_init_result {
	IKE_INIT_FAILED = -1,
	IKE_INIT_PENDING,	/* keys (or, for a new group, the request)
				 * on the pool: cb follows */
	IKE_INIT_RESENT,	/* with a COOKIE */
};
enum ike_init_result ike_init_response(struct ike_sa *, const struct ike_msg *,
		    struct ike_fail *, ike_init_cb);
/* The SA is going: a job of its still out frees its result alone. */
void		 ike_init_job_detach(struct ike_sa *);
/* A rekey's key pair of the group on the pool, left in sa->rekey.dh;
 * then cb (why: NULL, or shutting down). -1: not submitted. */
int		 ike_rekey_pair_start(struct ike_sa *, uint16_t group,
		    ike_init_cb);
/* The peer's IKE_SA_INIT request: 0 and the proposal chosen, or -1 when
 * it was dropped or answered with an error (no SA). */
int		 ike_init_select(struct ike_engine *, struct ike_peer *,
		    const struct ike_addrs *, const struct ike_msg *,
		    struct proposal_choice *);
/* The new responder SA's keys and our answer (cb: sent, or why not). */
int		 ike_init_answer(struct ike_sa *, const struct ike_msg *,
		    const struct proposal_choice *, struct ike_fail *,
		    ike_init_cb);

/* auth.c */
/* Our AUTH payload, made when the peer's AUTH checks out and sent with
 * the answer, which wipes it: the PSK's MAC or a signature. */
struct ike_auth_data {
	uint8_t		 method;
	size_t		 len;
	uint8_t		 data[PKI_SIG_MAX];
};
int		 ike_auth_start(struct ike_sa *);
/* The peer's IKE_AUTH request: identity and AUTH; on failure the peer
 * has been told. */
int		 ike_auth_check_request(struct ike_sa *, const struct ike_msg *,
		    struct ike_auth_data *, struct ike_fail *);
/* The CHILD SA the request asks for (its failure leaves the IKE SA up,
 * RFC 7296 1.2) and our answer. */
void		 ike_auth_answer(struct ike_sa *, const struct ike_msg *,
		    struct ike_auth_data *);
/* The answer to ours: identity and AUTH. */
int		 ike_auth_check_response(struct ike_sa *, const struct ike_msg *,
		    struct ike_fail *);
/* ... and the CHILD SA it carries. */
int		 ike_auth_child(struct ike_sa *, const struct ike_msg *,
		    struct ike_fail *);

/* info.c */
/* What a peer's INFORMATIONAL request did, answered. */
enum ike_info_result {
	IKE_INFO_IKE_DELETED	= 1u << 0,	/* D(IKE): the SA goes */
	IKE_INFO_CHILD_REKEYED	= 1u << 1,	/* the peer's CHILD rekey is
						 * done: old inbound drains */
	IKE_INFO_CHILD_CLOSED	= 1u << 2,	/* D(ESP) of the current one */
};
unsigned int	 ike_info_request(struct ike_sa *, const struct ike_msg *);
/* INFORMATIONAL { D(IKE) }, kept until answered. */
int		 ike_info_delete_start(struct ike_sa *);
/* INFORMATIONAL { D(ESP) } of one of our inbound SPIs. */
int		 ike_info_delete_child(struct ike_sa *, uint32_t spi);
/* INFORMATIONAL { }: are you there? (RFC 7296 2.4) */
int		 ike_info_dpd_start(struct ike_sa *);
/* INFORMATIONAL { D(IKE) } once, without waiting for an answer. */
void		 ike_info_send_delete(struct ike_sa *);

/* rekey.c */
int		 ike_rekey_child_start(struct ike_sa *);
int		 ike_rekey_ike_start(struct ike_sa *);
/* Our rekey's state goes (its reserved SPI, key pair, nonce). */
void		 ike_rekey_clear(struct ike_sa *);
/* Answers the peer's CREATE_CHILD_SA with an error notify. */
void		 ike_rekey_refuse(struct ike_sa *, uint16_t type,
		    const void *data, size_t len);
enum ike_rekey_kind {
	IKE_REKEY_OF_CHILD,	/* N(REKEY_SA) */
	IKE_REKEY_OF_IKE,	/* an SA payload of protocol IKE */
	IKE_REKEY_OF_NONE,	/* a new CHILD SA: never needed */
};
enum ike_rekey_kind ike_rekey_kind(const struct ike_msg *);
/* The peer rekeys the CHILD SA: its new SAs, outbound held, answered. */
void		 ike_rekey_child_request(struct ike_sa *, const struct ike_msg *);
enum ike_rekey_result {
	IKE_REKEY_DONE,		/* rekeyed */
	IKE_REKEY_LOST,		/* collision (2.8.1): the peer's carries on */
	IKE_REKEY_RETRY,	/* refused or failed: again later */
};
enum ike_rekey_result ike_rekey_child_response(struct ike_sa *,
		    const struct ike_msg *);
/* The peer's answer to our rekey: the proposal it chose, and g^ir. */
struct ike_rekey_reply {
	struct proposal_choice choice;
	struct ike_chunk gir;		/* wiped by whoever takes it */
};
/* The peer's: the proposal chosen, or -1 when refused (answered). */
int		 ike_rekey_ike_select(struct ike_sa *, const struct ike_msg *,
		    struct proposal_choice *);
/* ... the new SA's keys and our answer; -1: the new SA is of no use. */
int		 ike_rekey_ike_answer(struct ike_sa *, struct ike_sa *ns,
		    const struct ike_msg *, const struct proposal_choice *);
/* Ours, answered: the proposal and g^ir, or -1 (logged). */
int		 ike_rekey_ike_accept(struct ike_sa *, const struct ike_msg *,
		    struct ike_rekey_reply *);
/* ... the new SA's keys; r->gir is wiped. */
int		 ike_rekey_ike_keys(struct ike_sa *, struct ike_sa *ns,
		    const struct ike_msg *, struct ike_rekey_reply *);

#endif
