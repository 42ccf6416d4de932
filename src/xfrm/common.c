/* Addresses, marks and the attribute table shared by src/xfrm. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "xfrm/priv.h"

/* Lengths the kernel's own policy (xfrma_policy in xfrm_user.c) holds
 * these to; types we never read accept any length. */
const struct nl_attr_rule xfrm_attr_rules[XFRMA_MAX + 1] = {
	[XFRMA_TMPL]		= { sizeof(struct xfrm_user_tmpl), 0 },
	[XFRMA_SA]		= { sizeof(struct xfrm_usersa_info), 0 },
	[XFRMA_POLICY]		= { sizeof(struct xfrm_userpolicy_info), 0 },
	[XFRMA_MARK]		= { sizeof(struct xfrm_mark),
				    sizeof(struct xfrm_mark) },
	[XFRMA_POLICY_TYPE]	= { sizeof(struct xfrm_userpolicy_type), 0 },
	[XFRMA_IF_ID]		= { sizeof(uint32_t), sizeof(uint32_t) },
};

bool
xfrm_keyed(const struct nlattr **tb)
{
	return tb[XFRMA_ALG_AEAD] != NULL || tb[XFRMA_ALG_CRYPT] != NULL ||
	    tb[XFRMA_ALG_AUTH] != NULL || tb[XFRMA_ALG_AUTH_TRUNC] != NULL;
}

bool
xfrm_family_ok(uint16_t family)
{
	return family == AF_INET || family == AF_INET6;
}

void
xfrm_addr_put(xfrm_address_t *x, const struct nl_addr *a)
{
	memset(x, 0, sizeof(*x));
	memcpy(x, a->u.raw, nl_addr_len(a));
}

int
xfrm_addr_get(struct nl_addr *a, uint16_t family, const xfrm_address_t *x)
{
	if (!xfrm_family_ok(family)) {
		memset(a, 0, sizeof(*a));
		return -EBADMSG;
	}
	nl_addr_from_raw(a, family, x);
	return 0;
}

int
xfrm_prefix_get(struct nl_prefix *p, uint16_t family,
    const xfrm_address_t *x, uint8_t len)
{
	if (xfrm_addr_get(&p->addr, family, x) < 0)
		return -EBADMSG;
	if (len > nl_addr_len(&p->addr) * 8)
		return -EBADMSG;
	p->len = len;
	return 0;
}

void
xfrm_mark_put(struct nl_msg *m, const struct xfrm_mark *mark)
{
	/* The kernel reads a missing XFRMA_MARK as (0, 0), which is what an
	 * unmarked object has: send the attribute only for a real mark. */
	if (mark->m != 0 || mark->v != 0)
		nl_msg_put(m, XFRMA_MARK, sizeof(*mark), mark);
}

void
xfrm_mark_get(struct xfrm_mark *mark, const struct nlattr *a)
{
	memset(mark, 0, sizeof(*mark));
	if (a != NULL)
		memcpy(mark, nl_attr_data(a), sizeof(*mark));
}

void
xfrm_if_id_put(struct nl_msg *m, uint32_t if_id)
{
	if (if_id != 0)
		nl_msg_put_u32(m, XFRMA_IF_ID, if_id);
}

uint32_t
xfrm_if_id_get(const struct nlattr *a)
{
	return a != NULL ? nl_attr_get_u32(a) : 0;
}

void
xfrm_msg_start(struct nl_msg *m, void *buf, size_t cap, uint16_t type,
    const void *fixed, size_t len)
{
	void *hdr;

	nl_msg_init(m, buf, cap, type, 0);
	hdr = nl_msg_put_header(m, len);
	if (hdr != NULL)
		memcpy(hdr, fixed, len);
}

int
xfrm_msg_end(const struct nl_msg *m, const char **why)
{
	if (nl_msg_ok(m))
		return 0;
	*why = "message too large";
	return -EMSGSIZE;
}
