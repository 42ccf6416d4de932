/* Two IKE engines in one process, negotiating over a packet queue: no
 * sockets, no kernel. The kernel operations record what they are given
 * (SAs with their keys, policies) and report fixed counters; a hook sees
 * every datagram as it is sent and may drop, duplicate or change it.
 * Time advances by running the (private) libev loop.
 *
 *   side 0 ("A"): 2001:db8::1  <----- queue ----->  side 1 ("B"): 2001:db8::2
 */
#ifndef VTID_TEST_ENGINE_PAIR_H
#define VTID_TEST_ENGINE_PAIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <ev.h>

#include "ike/ike.h"

#define EP_ADDR_A	"2001:db8::1"
#define EP_ADDR_B	"2001:db8::2"
#define EP_PSK		"d8bdRxaY22oH1j89Z2nATeYyrXfP9ga6xC5mi0RG1uc"
#define EP_SUITE	"aes256gcm16-prfsha384-ecp384!"
#define EP_QUEUE_MAX	64
#define EP_KSA_MAX	64
#define EP_SENT_MAX	64
#define EP_PKT_MAX	4096
#define EP_KEY_MAX	128

/* One kernel SA as sa_add got it (keys copied), live until sa_del; or
 * an SPI spi_alloc reserved (larval, as in the kernel) until sa_add
 * (update) fills it or sa_del removes it. */
struct ep_ksa {
	bool		 live;
	bool		 larval;
	bool		 out;		/* dst is not our address */
	uint32_t	 spi;
	struct sockaddr_storage dst;
	uint16_t	 encr, integ;
	bool		 natt;		/* ESP in UDP, with these ports */
	uint16_t	 natt_sport, natt_dport;
	uint8_t		 encr_key[EP_KEY_MAX], integ_key[EP_KEY_MAX];
	size_t		 encr_len, integ_len;
};

struct ep_pkt {
	int		 from, to;
	unsigned	 seq;			/* the sender's, from 1 */
	struct sockaddr_storage local, remote;	/* as the receiver sees it */
	bool		 natt;			/* on 4500, after the marker */
	uint8_t		 buf[EP_PKT_MAX];
	size_t		 len;
};

struct ep_side {
	struct ike_engine *eng;
	struct sockaddr_storage addr;
	int		 index;
	unsigned	 sas;		/* kernel SAs installed (net) */
	unsigned	 sa_adds, sa_dels, spi_allocs;
	unsigned	 sa_updates;	/* sa_adds filling a reserved SPI */
	unsigned	 sa_encaps;	/* sa_encap: ports moved in place */
	int		 policies;	/* 1 while any is in */
	bool		 pol_v4, pol_v6;	/* the families in */
	unsigned	 policy_calls;
	struct sockaddr_storage pol_remote;	/* their templates' remote */
	struct ep_ksa	 ksa[EP_KSA_MAX];
	size_t		 n_ksa;
	/* Every datagram sent (whatever the hook did with it). */
	struct ep_pkt	 sent[EP_SENT_MAX];
	unsigned	 n_sent;
	/* The interface as ops->link left it: -1 never set, 0 down, 1 up. */
	int		 link;
	unsigned	 link_calls;
	unsigned	 keepalives;	/* NAT keepalives sent */
	/* What child_counters reports: in for SAs to our address. */
	uint64_t	 bytes_in, packets_in, bytes_out, packets_out;
};

enum ep_verdict {
	EP_PASS,
	EP_DROP,
	EP_DUP,		/* queued twice */
};

struct engine_pair;
/* Sees each datagram as it is sent; may change p->buf/len. */
typedef enum ep_verdict (*ep_hook_fn)(struct engine_pair *,
		    struct ep_pkt *p, void *arg);

struct engine_pair {
	struct ev_loop	*loop;
	struct ep_side	 side[2];
	struct ep_pkt	 queue[EP_QUEUE_MAX];
	size_t		 q_head, q_tail;
	ep_hook_fn	 hook;
	void		*hook_arg;
	unsigned	 delivered;
};

/* Address helpers. */
void	 ep_addr6(struct sockaddr_storage *, const char *, uint16_t port);

/* A private loop and two engines (side 0 on EP_ADDR_A, side 1 on
 * EP_ADDR_B). The pair struct may be static. */
void	 ep_init(struct engine_pair *);
/* As ep_init, but wrap may replace each side's ops (the fake kernel)
 * with its own, which call them, before the engine is made. */
typedef void (*ep_wrap_fn)(struct engine_pair *, int side,
		    struct ike_ops *ops, void *arg);
void	 ep_init_wrapped(struct engine_pair *, ep_wrap_fn, void *arg);
void	 ep_free(struct engine_pair *);
/* The engines only, the loop left running (ep_free after). */
void	 ep_free_engines(struct engine_pair *);
void	 ep_set_hook(struct engine_pair *, ep_hook_fn, void *arg);

/* A peer with IPv6 address identities, EP_PSK, EP_SUITE for IKE and
 * ESP, long timers (as the daemon's defaults). */
void	 ep_peer_conf(struct ike_peer_conf *, const char *name,
	    const char *local, const char *remote, uint32_t mark,
	    enum ike_start);
/* Side i's view of the other, mark 7: side 0 names its peer "B"
 * (EP_ADDR_A to EP_ADDR_B), side 1 "A" (the other way). */
void	 ep_side_conf(struct ike_peer_conf *, int i, enum ike_start);
/* Replaces the proposals (NULL: unchanged). */
void	 ep_conf_suites(struct ike_peer_conf *, const char *ike,
	    const char *esp);
void	 ep_conf_psk(struct ike_peer_conf *, const char *psk);

/* Delivers everything queued, answers included, running due timers
 * without waiting. */
void	 ep_pump(struct engine_pair *);
/* Delivers and runs the loop for about this long (timers fire). */
void	 ep_run(struct engine_pair *, double seconds);
/* As ep_run, until done(arg) or the time is up; returns done(). */
bool	 ep_run_until(struct engine_pair *, double seconds,
	    bool (*done)(struct engine_pair *, void *), void *arg);

/* For ep_run_until: both sides' peers ("B" on side 0, "A" on side 1, as
 * ep_side_conf names them) have a CHILD SA. */
bool	 ep_both_up(struct engine_pair *, void *arg);

/* Datagram helpers. */
uint8_t	 ep_pkt_exchange(const struct ep_pkt *);
bool	 ep_pkt_response(const struct ep_pkt *);
uint32_t ep_pkt_msgid(const struct ep_pkt *);
/* Flips a byte inside the SK payload (the last one: in the ICV);
 * false if the message has no SK payload first. */
bool	 ep_pkt_corrupt_sk(struct ep_pkt *);

/* Kernel SAs now (larval ones included), as calls: spi_alloc and
 * sa_add without update add one, sa_del removes one. */
int	 ep_ksa_net(const struct ep_side *);
/* Kernel SAs now (larval ones included), from the records. */
int	 ep_ksa_live(const struct ep_side *);
/* The live, filled one with this SPI (or NULL). */
const struct ep_ksa *ep_ksa_find(const struct ep_side *, uint32_t spi,
	    bool out);
/* The one live filled SA of a direction; NULL if none or several. */
const struct ep_ksa *ep_ksa_only(const struct ep_side *, bool out);

#endif
