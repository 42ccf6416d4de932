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
#define IKE_PSK_MAX		256

enum ike_start {
	IKE_START_ADD,		/* respond only */
	IKE_START_START,	/* initiate at start-up, keep up */
	IKE_START_ROUTE,	/* initiate on traffic (kernel ACQUIRE) */
};

/* What the engine needs to know about a peer; the daemon fills it from the
 * configuration. The PSK is wiped when the peer is removed. */
struct ike_peer_conf {
	char		 name[IKE_NAME_MAX];
	struct sockaddr_storage local;	/* family set; address may be any */
	struct sockaddr_storage remote;	/* port 0 means 500 */
	uint8_t		 local_id_type;	/* enum ike_id_type */
	uint8_t		 local_id[IKE_ID_MAX];
	size_t		 local_id_len;
	uint8_t		 remote_id_type;	/* 0: any identity is accepted */
	uint8_t		 remote_id[IKE_ID_MAX];
	size_t		 remote_id_len;
	uint8_t		 psk[IKE_PSK_MAX];
	size_t		 psk_len;
	uint32_t	 mark;		/* VTI i_key/o_key, policy and SA mark */
	uint32_t	 reqid;
	enum ike_start	 start;
	struct proposal_conf ike;
	struct proposal_conf esp;
	double		 retransmit_timeout;	/* first, seconds */
	double		 retransmit_base;	/* back-off factor */
	unsigned int	 retransmit_tries;	/* then the peer is dead */
	double		 retry_interval;	/* after a failure, start peers */
	uint32_t	 replay_window;
};

/* A CHILD SA as the kernel gets it: both directions, keys included. The
 * keys point into engine memory that is wiped right after the call. */
struct ike_child_kernel {
	struct sockaddr_storage local, remote;	/* outer addresses */
	bool		 natt;			/* UDP encapsulation on 4500 */
	uint16_t	 natt_lport, natt_rport;
	uint32_t	 spi_in, spi_out;	/* host order */
	uint32_t	 reqid;
	uint32_t	 mark;
	uint16_t	 encr;			/* ENCR_* */
	uint16_t	 encr_keybits;
	uint16_t	 integ;			/* AUTH_*; AUTH_NONE with AEAD */
	bool		 esn;
	uint32_t	 replay_window;
	const uint8_t	*encr_in, *integ_in;	/* key (+ salt for GCM) */
	const uint8_t	*encr_out, *integ_out;
	size_t		 encr_len, integ_len;
	bool		 family4, family6;	/* inner families negotiated */
};

/* The daemon's side. Each returns 0 or -errno (with its own log line). */
struct ike_ops {
	int	(*send)(void *ctx, const struct sockaddr_storage *local,
		    const struct sockaddr_storage *remote, bool natt,
		    const uint8_t *, size_t);
	int	(*spi_alloc)(void *ctx, const struct ike_peer_conf *,
		    uint32_t *spi);
	/* Installs both SAs and the peer's policies. */
	int	(*child_install)(void *ctx, const struct ike_peer_conf *,
		    const struct ike_child_kernel *);
	/* Removes the SAs (an SPI of 0 is skipped), and the policies too
	 * when last is set (no CHILD SA of this peer remains). */
	void	(*child_remove)(void *ctx, const struct ike_peer_conf *,
		    const struct sockaddr_storage *local,
		    const struct sockaddr_storage *remote, uint32_t spi_in,
		    uint32_t spi_out, bool last);
	/* Byte and packet counters of one SA (inbound: ours). */
	int	(*child_counters)(void *ctx, const struct ike_peer_conf *,
		    const struct sockaddr_storage *dst, uint32_t spi,
		    uint64_t *bytes, uint64_t *packets);
	void	*ctx;
};

/* Engine-wide counters, for status and metrics. */
struct ike_stats {
	uint64_t	 rx, rx_invalid, rx_no_sa, rx_no_peer, rx_bad_icv;
	uint64_t	 rx_retransmit, tx_retransmit;
	uint64_t	 ike_up, child_up, auth_failed, no_proposal;
};

struct ike_engine;

struct ike_engine *ike_engine_new(struct ev_loop *, const struct ike_ops *);
/* Sends DELETE for every IKE SA, removes every CHILD SA from the kernel,
 * frees everything and wipes every key. */
void	 ike_engine_free(struct ike_engine *);
/* The conf is copied (and the caller's copy may be wiped). start peers
 * initiate at once. */
int	 ike_peer_add(struct ike_engine *, const struct ike_peer_conf *);
/* Initiates now if the peer has no IKE SA (start, route on ACQUIRE). */
int	 ike_peer_initiate(struct ike_engine *, const char *name);
/* Deletes the peer's SAs (DELETE sent) and keeps it down until
 * ike_peer_initiate or the peer initiates. */
int	 ike_peer_down(struct ike_engine *, const char *name);
/* Deletes the peer's SAs and forgets it (reload: removed or changed). */
int	 ike_peer_remove(struct ike_engine *, const char *name);
/* One datagram from the network. local/remote carry the ports. */
void	 ike_input(struct ike_engine *, const struct sockaddr_storage *local,
	    const struct sockaddr_storage *remote, bool natt,
	    const uint8_t *, size_t);
/* "ipsec status"-like text: one line per IKE SA, two per CHILD SA. */
void	 ike_status(struct ike_engine *, FILE *, bool json);
const struct ike_stats *ike_engine_stats(const struct ike_engine *);
/* Number of peers with an established CHILD SA, and of all peers. */
void	 ike_engine_count(const struct ike_engine *, unsigned *up,
	    unsigned *total);

#endif
