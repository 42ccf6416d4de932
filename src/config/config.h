/* vtid.conf: load, check and hold the configuration (libconfig syntax).
 *
 * Everything is checked here that can be checked without IKE knowledge:
 * unknown settings, types, ranges, addresses, identities, PSK files,
 * duplicate peer names, marks, address pairs and VTI names. Proposal
 * strings are kept as text; the loader hands them to an optional check
 * function (the daemon passes one built on proposal_conf_parse) so that
 * their errors too carry file, line and peer. conf/vtid.conf.example
 * documents every setting.
 *
 * Errors name the file, the line and the setting, e.g.
 *	vtid.conf:12: peer 'V2-1': mark: must be > 0
 * Loading stops at the first error. Warnings (a short PSK, inline PSKs in
 * a file others can read) are collected for the caller to log.
 *
 * The structs are plain data with every inherited default resolved, so
 * that a peer is complete on its own and two loads can be compared peer by
 * peer (config_peer_equal) for a reload that only touches what changed.
 * PSKs are wiped when the configuration is freed and never printed.
 */
#ifndef VTID_CONFIG_CONFIG_H
#define VTID_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "util/addr.h"

#define CONFIG_NAME_MAX		32	/* peer name, with its NUL */
#define CONFIG_IFNAME_MAX	16	/* IFNAMSIZ */
#define CONFIG_VTI_PATTERN_MAX	64
#define CONFIG_NETNS_MAX	64
#define CONFIG_PROPOSALS_MAX	512
#define CONFIG_SOCKET_MAX	108	/* sizeof(sun_path) */
#define CONFIG_PATH_MAX		256
#define CONFIG_ID_MAX		255	/* identity data, bytes */
#define CONFIG_PSK_MAX		1024	/* bytes */
#define CONFIG_PSK_MIN_SAFE	20	/* shorter: a warning */
#define CONFIG_VTI_ADDRS_MAX	8
#define CONFIG_LOCAL_MAX	16
#define CONFIG_MSG_MAX		512
#define CONFIG_ORIGIN_MAX	(CONFIG_PATH_MAX + 16)

#define CONFIG_FOREVER		UINT32_MAX	/* keying, retransmit tries */
#define CONFIG_DEFAULT_PATH	"/etc/vtid/vtid.conf"
#define CONFIG_DEFAULT_SOCKET	"/run/vtid/vtid.sock"

enum config_start {
	CONFIG_START_ADD,	/* load only: answer the peer, never initiate */
	CONFIG_START_ROUTE,	/* install VTI and policies, negotiate on
				 * traffic (kernel acquire) */
	CONFIG_START_START,	/* initiate at once and keep it up */
};

enum config_dpd_action {
	CONFIG_DPD_CLEAR,	/* delete the SAs, wait for the peer */
	CONFIG_DPD_RESTART,	/* delete the SAs and initiate again */
	CONFIG_DPD_TRAP,	/* delete the SAs, renegotiate on traffic */
};

/* IKEv2 identity types, with the values of RFC 7296 3.5 (ikev2.h). */
enum config_id_type {
	CONFIG_ID_IPV4		= 1,
	CONFIG_ID_FQDN		= 2,
	CONFIG_ID_EMAIL		= 3,	/* ID_RFC822_ADDR */
	CONFIG_ID_IPV6		= 5,
	CONFIG_ID_DN		= 9,	/* ID_DER_ASN1_DN, DER */
	CONFIG_ID_KEYID		= 11,
};

/* An identity as the ID payload carries it: 4 or 16 address bytes, the
 * name without NUL, or the key id bytes. */
struct config_id {
	enum config_id_type	 type;
	size_t			 len;
	uint8_t			 data[CONFIG_ID_MAX];
};

/* An interface address: an address and a prefix length. */
struct config_prefix {
	struct sockaddr_storage	 addr;	/* port 0 */
	uint8_t			 len;
};

/* Lifetimes of an SA, seconds. A rekey starts at rekey_time minus a random
 * part of jitter; an SA not rekeyed by rekey_time + margin expires (the
 * kernel's hard limit for CHILD SAs). */
struct config_lifetime {
	uint32_t	 rekey_time;
	uint32_t	 jitter;
	uint32_t	 margin;
};

/* Settings of an IKE SA or of its CHILD SAs ("ike" and "esp" groups). */
struct config_sa {
	char		 proposals[CONFIG_PROPOSALS_MAX];
	struct config_lifetime life;
};

/* Dead peer detection. delay: seconds without traffic from the peer before
 * a liveness check (0: no DPD); timeout: seconds without any answer after
 * which the peer is dead (caps the check's retransmissions). */
struct config_dpd {
	uint32_t	 delay;
	uint32_t	 timeout;
	enum config_dpd_action action;
};

/* NAT traversal: encap, ESP in UDP even without a NAT; keepalive,
 * seconds between NAT keepalives from the side behind a NAT (0: none). */
struct config_nat {
	bool		 encap;
	uint32_t	 keepalive;
};

#define CONFIG_NAT_KEEPALIVE	20	/* RFC 3948 4 */

/* Retransmission of requests: the n-th retransmission waits
 * min(timeout_ms * base^n, limit_ms); after tries retransmissions (or
 * never, CONFIG_FOREVER) the exchange fails. */
struct config_retransmit {
	uint32_t	 timeout_ms;
	double		 base;
	uint32_t	 limit_ms;
	uint32_t	 tries;
};

/* Responder DoS control: see vtid.conf(5), "dos". A responder IKE SA is
 * half-open from its IKE_SA_INIT until IKE_AUTH. */
struct config_dos {
	uint32_t	 cookie_threshold;	/* half-open in all: COOKIE first */
	uint32_t	 cookie_threshold_peer;	/* half-open of one peer */
	uint32_t	 half_open_max;		/* beyond: dropped */
	uint32_t	 half_open_max_peer;
	uint32_t	 cookie_rotate;		/* seconds */
	uint32_t	 init_max_size;		/* bytes */
	uint32_t	 half_open_timeout;	/* seconds to wait for IKE_AUTH */
};

/* The kernel's tables against what vtid installed: see vtid.conf(5),
 * "kernel". */
struct config_kernel {
	uint32_t	 reconcile_interval;	/* seconds; 0: no periodic pass */
	uint32_t	 event_buffer;		/* bytes; 0: the system's */
};

/* IKE fragmentation (RFC 7383): fragment_size is the largest IP
 * datagram a fragment may make; 0: 1280 for IPv6, 576 for IPv4. */
#define CONFIG_FRAGMENT_SIZE_MIN	256
#define CONFIG_FRAGMENT_SIZE_MAX	65535

#define CONFIG_RECONCILE_INTERVAL	30
#define CONFIG_EVENT_BUFFER		(8u << 20)
#define CONFIG_EVENT_BUFFER_MIN		4096u
#define CONFIG_EVENT_BUFFER_MAX		(256u << 20)

/* The tunnel device of a peer: a VTI ("vti" or "vti6", by the outer
 * family) keyed with the peer's mark, or an XFRM interface whose if_id
 * is the peer's mark (the SAs and policies then carry that if_id and no
 * mark). Written "interface = { ... }", or "vti = { ... }" as before. */
enum config_iface_type {
	CONFIG_IFACE_VTI,
	CONFIG_IFACE_XFRM,
};

struct config_vti {
	enum config_iface_type type;
	/* "name" as written, with %mark% and %peer% (global and peers), and
	 * its expansion, the interface name (peers only). "" (not written):
	 * "vti%mark%" or "xfrm%mark%" by type. */
	char		 pattern[CONFIG_VTI_PATTERN_MAX];
	char		 name[CONFIG_IFNAME_MAX];
	char		 netns[CONFIG_NETNS_MAX];	/* "": vtid's own */
	uint32_t	 mtu;
	/* mtu = "auto": from the path and the negotiated suite (mtu then
	 * unused). */
	bool		 mtu_auto;
	/* link = "tunnel": the interface is down while the tunnel is (a
	 * route peer's stays up while it waits for traffic); "up": always
	 * up. */
	bool		 link_follows;
	size_t		 n_addrs;			/* peers only */
	struct config_prefix addrs[CONFIG_VTI_ADDRS_MAX];
};

struct pki_cred;
struct pki_ca;

struct config_peer {
	char		 name[CONFIG_NAME_MAX];
	char		 origin[CONFIG_ORIGIN_MAX];	/* "vtid.conf:12" */
	struct sockaddr_storage local;			/* port 0 */
	struct sockaddr_storage remote;
	/* remote = "%any" or a prefix: remote is the network (the family's
	 * unspecified address for %any), remote_plen its length. */
	bool		 remote_dynamic;
	uint8_t		 remote_plen;
	struct config_id local_id;
	struct config_id remote_id;
	uint8_t		*psk;				/* wiped on free */
	size_t		 psk_len;
	/* Certificates instead (psk NULL): paths as resolved, what they
	 * hold (src/pki, referenced), and RSA signatures with PSS. */
	char		 local_cert[CONFIG_PATH_MAX];
	char		 local_key[CONFIG_PATH_MAX];
	char		 ca_path[CONFIG_PATH_MAX];
	char		 crl_path[CONFIG_PATH_MAX];	/* "": none */
	struct pki_cred	*cred;
	struct pki_ca	*ca;
	bool		 rsa_pss;
	uint32_t	 mark;		/* VTI i_key/o_key and XFRM mark, or
					 * the XFRM interface's if_id */
	uint32_t	 reqid;		/* reqid_base + mark */
	enum config_start start;
	uint32_t	 keying_tries;	/* CONFIG_FOREVER */
	struct config_sa ike;
	struct config_sa esp;
	struct config_dpd dpd;
	struct config_nat nat;
	bool		 fragmentation;
	uint32_t	 fragment_size;	/* 0: by address family */
	struct config_vti vti;		/* name expanded, addresses */
};

struct vtid_config {
	char		 path[CONFIG_PATH_MAX];
	char		 control_socket[CONFIG_SOCKET_MAX];
	int		 log_level;	/* LOG_* */
	bool		 syslog;
	bool		 sandbox;	/* seccomp filter after start-up */
	/* Threads for key exchanges; CONFIG_WORKERS_AUTO: one per CPU. */
	uint32_t	 workers;
#define CONFIG_WORKERS_AUTO	UINT32_MAX
#define CONFIG_WORKERS_MAX	64
	/* Our initiations negotiating at once; more peers wait in line. */
	uint32_t	 initiate_max;
	bool		 hold_packets;	/* net.core.xfrm_larval_drop = 0 */
	size_t		 n_local;	/* 0: listen on every address */
	struct sockaddr_storage local[CONFIG_LOCAL_MAX];
	uint32_t	 reqid_base;
	struct config_retransmit retransmit;
	struct config_dos dos;
	struct config_kernel kernel;
	/* Defaults of the peers, as resolved into each of them. */
	enum config_start start;
	uint32_t	 keying_tries;
	struct config_sa ike;
	struct config_sa esp;
	struct config_dpd dpd;
	struct config_nat nat;
	bool		 fragmentation;
	uint32_t	 fragment_size;
	struct config_vti vti;		/* pattern, netns, mtu */

	size_t		 n_peers;
	struct config_peer *peers;
	/* By name, for config_peer_find (a reload looks up every peer);
	 * NULL: not built, found by a scan. */
	struct config_names *by_name;

	size_t		 n_warnings;
	char		(*warnings)[CONFIG_MSG_MAX];
};

struct config_error {
	char		 file[CONFIG_PATH_MAX];
	unsigned	 line;		/* 0: not about one line */
	/* The whole message, "file:line: peer 'x': setting: problem". */
	char		 msg[CONFIG_MSG_MAX];
};

enum config_proposal_kind {
	CONFIG_PROPOSAL_IKE,
	CONFIG_PROPOSAL_ESP,
};

/* Checks a proposal string; 0, or -1 with a message in msg. */
typedef int (*config_proposal_check)(enum config_proposal_kind,
    const char *proposals, char *msg, size_t msglen);

/* Load path. check may be NULL (proposals are then only checked to be
 * non-empty). Returns NULL and fills err on any error. */
struct vtid_config *config_load(const char *path, config_proposal_check check,
	    struct config_error *err);
void	 config_free(struct vtid_config *);

const struct config_peer *config_peer_find(const struct vtid_config *,
	    const char *name);
/* Whether two peers have the same effective settings, PSK included
 * (compared in constant time); origin is not compared. */
bool	 config_peer_equal(const struct config_peer *,
	    const struct config_peer *);
/* Same certificate, key, CAs and CRLs (by content), and rsa_pss. */
bool	 config_peer_cred_equal(const struct config_peer *,
	    const struct config_peer *);

/* Value syntax, also for the daemon and the control socket. */
const char *config_start_name(enum config_start);
const char *config_dpd_action_name(enum config_dpd_action);
const char *config_iface_type_name(enum config_iface_type);	/* "vti" */
/* "2001:db8:ff::/127"; 0 or -1 with a reason. */
int	 config_prefix_parse(const char *, struct config_prefix *, char *why,
	    size_t);
/* "2001:db8::1", "ip:192.0.2.1", "fqdn:vpn.example.net",
 * "email:ike@example.net" (or any "user@host"), "keyid:#0a0b0c" (hex) or
 * "keyid:text"; a bare name without '@' is an FQDN. 0 or -1 + reason. */
int	 config_id_parse(const char *, struct config_id *, char *why, size_t);
/* A peer's remote as configured: "%any", "2001:db8::/48" or an address. */
char	*config_remote_str(const struct config_peer *, char *buf, size_t len);
void	 config_id_from_addr(const struct sockaddr_storage *,
	    struct config_id *);
/* Seconds: 3600, or "90s", "15m", "4h", "1d", "1h30m"; 0 or -1. */
int	 config_duration_parse(const char *, uint32_t *);
/* Expand "%mark%" and "%peer%" in a VTI name pattern and check the result
 * is an interface name; 0 or -1 with a reason. */
int	 config_vti_name(const char *pattern, const char *peer, uint32_t mark,
	    char *out, size_t outlen, char *why, size_t whylen);
/* For messages: "fqdn:vpn.example.net", "ip:2001:db8::1",
 * "keyid:#0a0b". Returns buf. */
char	*config_id_str(const struct config_id *, char *, size_t);

#endif
