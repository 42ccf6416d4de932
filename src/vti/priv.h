/* Helpers shared by the files of src/vti; not part of its API. */
#ifndef VTID_VTI_PRIV_H
#define VTID_VTI_PRIV_H

#include "vti/vti.h"

#define VTI_REQ_SIZE	1024
/* Addresses read back from one device; more is not a VTI of ours. */
#define VTI_ADDRS_SCAN	64

/* The socket to use for the device's namespace: the caller's, or one
 * opened in cfg->netns. Errors are reported on the caller's. */
struct vti_sock {
	struct nl_sock	*s;
	struct nl_sock	*t;
	bool		 opened;
	struct nl_sock	 tmp;
};

int	 vti_sock_enter(struct vti_sock *, struct nl_sock *, const char *netns);
void	 vti_sock_leave(struct vti_sock *);
const char *vti_kind(uint16_t family);
bool	 vti_ifname_ok(const char *);
bool	 vti_addrs_ok(const struct vti_link *, const char **why);
/* "; <text>" appended to buf (or "<text>" first). */
void	 vti_diff_add(char *buf, size_t len, const char *fmt, ...)
	    VTID_PRINTF(3, 4);
/* RTM_NEWLINK creating (exclusively) device name of kind: m is left
 * inside IFLA_INFO_DATA for the kind's attributes; vti_newlink_end closes
 * the nests: 0, or -EMSGSIZE with *why set. */
struct nlattr *vti_newlink_start(struct nl_msg *m, void *buf, size_t cap,
	    const char *name, const char *kind, struct nlattr **info);
int	 vti_newlink_end(struct nl_msg *m, struct nlattr *info,
	    struct nlattr *data, const char **why);
/* IFLA_INFO_DATA of an "xfrm" device into st (xfrmi.c). */
int	 xfrmi_info_decode(const struct nlattr *data,
	    struct vti_link_state *st);
/* RTM_GETLINK by name on t: 0, -ENODEV, or -errno; no error text. */
int	 vti_link_lookup(struct nl_sock *t, const char *name,
	    struct vti_link_state *);
/* vti_link_configure on an open target-namespace socket t; errors on s. */
int	 vti_link_configure_in(struct nl_sock *s, struct nl_sock *t,
	    const struct vti_link *);

#endif
