/* Helpers shared by the files of src/xfrm; not part of its API. */
#ifndef VTID_XFRM_PRIV_H
#define VTID_XFRM_PRIV_H

#include "xfrm/xfrm.h"

/* Request buffers: an SA with an ESN bitmap of XFRM_REPLAY_MAX bits and
 * both keys is about 1.2 KiB. */
#define XFRM_REQ_SIZE	2048

/* Attribute rules, one table for every XFRM message we read. */
extern const struct nl_attr_rule xfrm_attr_rules[XFRMA_MAX + 1];

void	 xfrm_addr_put(xfrm_address_t *, const struct nl_addr *);
/* 0, or -EBADMSG for a family that is neither IPv4 nor IPv6. */
int	 xfrm_addr_get(struct nl_addr *, uint16_t family,
	    const xfrm_address_t *);
int	 xfrm_prefix_get(struct nl_prefix *, uint16_t family,
	    const xfrm_address_t *, uint8_t len);
void	 xfrm_mark_put(struct nl_msg *, const struct xfrm_mark *);
void	 xfrm_mark_get(struct xfrm_mark *, const struct nlattr *);
/* XFRMA_IF_ID when if_id is not 0 (0 is "none" to the kernel). */
void	 xfrm_if_id_put(struct nl_msg *, uint32_t if_id);
uint32_t xfrm_if_id_get(const struct nlattr *);	/* NULL: 0 */
bool	 xfrm_family_ok(uint16_t);
/* An SA's attributes name an algorithm: it is not larval. */
bool	 xfrm_keyed(const struct nlattr **tb);
/* A message of type with its fixed family struct (copied: the buffer's
 * alignment is the caller's), then attributes; xfrm_msg_end says whether
 * it all fit: 0, or -EMSGSIZE with *why set. */
void	 xfrm_msg_start(struct nl_msg *, void *buf, size_t cap, uint16_t type,
	    const void *fixed, size_t len);
int	 xfrm_msg_end(const struct nl_msg *, const char **why);
/* A policy's fixed part and attributes into out: 0 or -EBADMSG. */
int	 xfrm_policy_fill(struct xfrm_policy_info *,
	    const struct xfrm_userpolicy_info *, const struct nlattr **tb);
/* The table notifications (notify.c), for xfrm_event_decode: 0,
 * -ENOMSG or -EBADMSG as it says. */
int	 xfrm_notify_decode(const void *buf, size_t len, uint16_t type,
	    struct xfrm_event *);

#endif
