/* Route-based IPsec tunnel devices through NETLINK_ROUTE: "vti" (IPv4
 * outer) and "vti6" (IPv6 outer). The kernel marks outbound packets with
 * okey and looks inbound ones up with ikey, so the XFRM policies and SAs
 * of a tunnel carry mark = key (src/xfrm); the inner traffic may be of
 * either family.
 *
 * Or an XFRM interface (kind "xfrm", Linux >= 4.19, xfrmi.c): no outer
 * endpoints and no keys, but an if_id that the policies and SAs carry
 * (XFRMA_IF_ID) instead of a mark; one device per if_id in a namespace,
 * for either outer family. IFLA_XFRM_LINK names an underlying device,
 * or none (0).
 *
 * A device may be moved into a named namespace (/run/netns/NAME), as the
 * seed lab does: it is created in the namespace of the socket given (the
 * ESP side, where the SAs and policies live) and then moved; the tunnel
 * keeps that namespace as its link namespace (IFLA_LINK_NETNSID) while
 * the device, its addresses and the decapsulated traffic live in the
 * target namespace. MTU, addresses and up state are set there.
 *
 * Errors: -errno, with the reason in nl_sock_error() of the socket given:
 *   "vti3: exists with okey 5, config says 3" */
#ifndef VTID_VTI_VTI_H
#define VTID_VTI_VTI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netlink/netlink.h"

/* IFNAMSIZ, without <net/if.h>: it clashes with <linux/if.h>, which
 * the kernel's tunnel headers pull in, unless included first. */
#define VTI_IFNAMSIZ	16
#define VTI_ADDRS_MAX	8
#define VTI_KIND_MAX	16

enum vti_type {
	VTI_TYPE_VTI,		/* "vti" or "vti6", by the outer family */
	VTI_TYPE_XFRM,		/* "xfrm" */
};

/* A device as configured. */
struct vti_link {
	char		 name[VTI_IFNAMSIZ];
	enum vti_type	 type;
	/* xfrm: the if_id, > 0 (the kernel refuses 0); family, local,
	 * remote and the keys are not used. */
	uint32_t	 if_id;
	uint16_t	 family;	/* outer: AF_INET "vti", AF_INET6 "vti6" */
	struct nl_addr	 local, remote;	/* outer endpoints, of family */
	uint32_t	 ikey, okey;	/* host order; 0 is "no key" */
	char		 link[VTI_IFNAMSIZ];	/* IFLA_VTI_LINK or IFLA_XFRM_LINK
						 * device, "" none */
	const char	*netns;		/* NULL or "": stay in the socket's */
	uint32_t	 mtu;		/* 0: leave the kernel's */
	/* Left down (its tunnel is not up yet: vti_link_set_up brings it
	 * up); else brought up. */
	bool		 down;
	size_t		 n_addrs;
	struct nl_prefix addrs[VTI_ADDRS_MAX];	/* IPv6 ones get nodad */
	/* net.ipv4.conf.DEV.disable_policy=1, as the seed lab sets on its
	 * VTIs: decapsulated packets are not checked against inbound
	 * policies again in the device's namespace, which has none. */
	bool		 disable_policy;
};

/* What the kernel says of an existing device. */
struct vti_link_state {
	char		 name[VTI_IFNAMSIZ];
	char		 kind[VTI_KIND_MAX];	/* "vti", "vti6", "veth"... */
	uint16_t	 family;	/* from kind: AF_INET, AF_INET6, 0 */
	bool		 xfrm;		/* kind "xfrm": if_id, link_ifindex */
	uint32_t	 if_id;
	uint32_t	 ifindex;
	uint32_t	 mtu;
	bool		 up;
	struct nl_addr	 local, remote;
	uint32_t	 ikey, okey;
	uint32_t	 link_ifindex;	/* in the link namespace; 0: none */
	/* IFLA_LINK_NETNSID present: the tunnel's outer side is in another
	 * namespace than the device (it was moved). */
	bool		 link_netns_other;
};

/* Make the device match cfg: create it (then move it, then configure),
 * or adopt an existing one with the same name and the same kind, keys,
 * endpoints and link, bringing its MTU, addresses and up state to cfg.
 * An existing device that differs is -EEXIST naming each difference.
 * The target namespace is searched first, then the socket's (a device
 * left there by an interrupted setup is adopted and moved). Addresses of
 * global scope that cfg does not list are removed; link-local ones stay.
 * *created (may be NULL) says which happened. The kernel allows one
 * tunnel per (local, remote) pair and kind, whatever the keys: a second
 * one under another name is -EEXIST. */
int	 vti_link_setup(struct nl_sock *, const struct vti_link *,
	    bool *created);
/* Delete device name in netns (NULL: the socket's). Only a vti, vti6 or
 * xfrm device is deleted: another kind is -EINVAL. Absent: -ENODEV. */
int	 vti_link_delete(struct nl_sock *, const char *netns,
	    const char *name);
/* Delete cfg's device only if it is the one cfg describes (what
 * vti_link_setup would adopt), in cfg->netns or, not moved yet, in the
 * socket's namespace: another device of that name is left alone, -EEXIST
 * naming the difference. Absent: -ENODEV. */
int	 vti_link_remove(struct nl_sock *, const struct vti_link *cfg);
/* Read a device (any kind) by name. Absent: -ENODEV. */
int	 vti_link_get(struct nl_sock *, const char *netns, const char *name,
	    struct vti_link_state *);
/* Apply cfg's MTU, addresses, disable_policy and up state to the device
 * named cfg->name in cfg->netns, whatever its kind (vti_link_setup does
 * this; exposed so it can be tested on any device). */
int	 vti_link_configure(struct nl_sock *, const struct vti_link *);

/* "vti", "vti6" or "xfrm": the kind cfg's device has. */
const char *vti_link_kind(const struct vti_link *);
/* Bring device name in netns (NULL: the socket's) up or down, whatever
 * its kind: the link follows the tunnel. Absent: -ENODEV. */
int	 vti_link_set_up(struct nl_sock *, const char *netns,
	    const char *name, bool up);

/* ---- mtu = "auto" (mtu.c) ----
 *
 * The largest inner packet the ESP SA carries without fragmenting or a
 * PMTU round trip, from the outer path MTU and the SA's overheads. */
#define VTI_ESP_TRAILER	2	/* pad length, next header */
#define VTI_MTU_MIN	68

struct vti_mtu_parts {
	uint32_t	 path;		/* outer path MTU */
	uint8_t		 outer;		/* IPv4 20, IPv6 40 */
	uint8_t		 udp;		/* 8 with NAT-T, else 0 */
	uint8_t		 esp;		/* SPI, sequence number: 8 */
	uint8_t		 iv, icv;
	uint8_t		 block;		/* padding alignment: 4, or 16 */
	uint32_t	 align;		/* lost to the alignment (result) */
	uint32_t	 mtu;		/* the result; 0: too small a path */
};

/* Fills m->align and m->mtu; returns m->mtu. */
uint32_t vti_mtu_compute(struct vti_mtu_parts *);
/* "path 1500 - IPv6 40 - ESP 8 - IV 8 - ICV 16 - trailer 2". */
int	 vti_mtu_str(const struct vti_mtu_parts *, char *buf, size_t len);
/* The MTU toward dst in the socket's namespace: the route's (or a
 * learnt PMTU exception's) if it has one, else its device's. */
int	 vti_path_mtu(struct nl_sock *, const struct nl_addr *dst,
	    uint32_t *mtu);
/* Set device name's MTU in netns (NULL: the socket's), if different. */
int	 vti_link_set_mtu(struct nl_sock *, const char *netns,
	    const char *name, uint32_t mtu);

/* Pure helpers, exposed for the unit tests. */
int	 vti_link_check(const struct vti_link *, const char **why);
/* Compare the tunnel parameters of cfg (whose link resolved to
 * link_ifindex) with a device's. Returns 0 when they agree, else 1 with
 * "okey 5, config says 3; remote ..." in buf. */
int	 vti_link_diff(const struct vti_link *, uint32_t link_ifindex,
	    const struct vti_link_state *, char *buf, size_t len);
/* RTM_NEWLINK creating cfg's device (either type). */
int	 vti_link_msg_build(void *buf, size_t cap, const struct vti_link *,
	    uint32_t link_ifindex, const char **why);
/* The xfrm halves of the above (xfrmi.c): "if_id 5, config says 7". */
int	 xfrmi_link_check(const struct vti_link *, const char **why);
int	 xfrmi_link_diff(const struct vti_link *, uint32_t link_ifindex,
	    const struct vti_link_state *, char *buf, size_t len);
int	 xfrmi_link_msg_build(void *buf, size_t cap, const struct vti_link *,
	    uint32_t link_ifindex, const char **why);
/* RTM_NEWLINK changing device ifindex: mtu (0: unchanged),
 * disable_policy, up (false: unchanged), netns_fd (-1: none). */
int	 vti_setlink_msg_build(void *buf, size_t cap, uint32_t ifindex,
	    uint32_t mtu, bool disable_policy, bool up, int netns_fd);
/* RTM_NEWLINK setting device ifindex up or down, nothing else. */
int	 vti_updown_msg_build(void *buf, size_t cap, uint32_t ifindex,
	    bool up);
/* RTM_NEWADDR (IPv6: nodad) or RTM_DELADDR of an address on ifindex. */
int	 vti_addr_msg_build(void *buf, size_t cap, uint16_t type,
	    uint32_t ifindex, const struct nl_prefix *);
/* Decode an RTM_NEWLINK message. -ENOMSG: another type; -EBADMSG. */
int	 vti_link_state_decode(const void *buf, size_t len,
	    struct vti_link_state *);

#endif
