/* What XFRMNLGRP_SA and XFRMNLGRP_POLICY tell of the tables: SAs added,
 * deleted and flushed, policies deleted and flushed (xfrm_notify_sa and
 * xfrm_notify_policy in the kernel's xfrm_user.c lay them out). Pure
 * decoders, called by xfrm_event_decode. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "xfrm/priv.h"

/* DELSA: the SA's id, then the whole SA in XFRMA_SA and its attributes
 * (mark, algorithms) beside it. */
static int
xfrm_delsa_decode(const void *buf, size_t len, struct xfrm_sa_info *out)
{
	const struct nlattr *tb[XFRMA_MAX + 1];
	struct xfrm_usersa_id id;
	struct xfrm_usersa_info info;
	int rc;

	rc = nl_msg_parse(buf, len, &id, sizeof(id), xfrm_attr_rules,
	    XFRMA_MAX, tb);
	if (rc < 0)
		return rc;
	if (xfrm_addr_get(&out->dst, id.family, &id.daddr) < 0)
		return -EBADMSG;
	out->spi = ntohl(id.spi);
	out->proto = id.proto;
	xfrm_mark_get(&out->mark, tb[XFRMA_MARK]);
	out->if_id = xfrm_if_id_get(tb[XFRMA_IF_ID]);
	out->keyed = xfrm_keyed(tb);
	/* Without XFRMA_SA (none of today's kernels): no reqid, so no
	 * owner will claim it; a pass over the tables still would. */
	if (tb[XFRMA_SA] == NULL)
		return 0;
	memcpy(&info, nl_attr_data(tb[XFRMA_SA]), sizeof(info));
	if (xfrm_addr_get(&out->src, info.family, &info.saddr) < 0)
		return -EBADMSG;
	out->reqid = info.reqid;
	out->mode = info.mode;
	return 0;
}

/* DELPOLICY: the policy's id (by index or by selector), then the whole
 * policy in XFRMA_POLICY with its templates and mark beside it. */
static int
xfrm_delpolicy_decode(const void *buf, size_t len,
    struct xfrm_policy_info *out)
{
	const struct nlattr *tb[XFRMA_MAX + 1];
	struct xfrm_userpolicy_id id;
	struct xfrm_userpolicy_info info;
	int rc;

	rc = nl_msg_parse(buf, len, &id, sizeof(id), xfrm_attr_rules,
	    XFRMA_MAX, tb);
	if (rc < 0)
		return rc;
	if (tb[XFRMA_POLICY] == NULL)
		return -EBADMSG;
	memcpy(&info, nl_attr_data(tb[XFRMA_POLICY]), sizeof(info));
	return xfrm_policy_fill(out, &info, tb);
}

int
xfrm_notify_decode(const void *buf, size_t len, uint16_t type,
    struct xfrm_event *ev)
{
	const struct nlattr *tb[XFRMA_MAX + 1];
	struct xfrm_usersa_flush flush;
	uint8_t none;

	switch (type) {
	case XFRM_MSG_NEWSA:
	case XFRM_MSG_UPDSA:
		ev->type = XFRM_EVENT_SA_ADDED;
		return xfrm_sa_msg_decode(buf, len, &ev->u.sa);
	case XFRM_MSG_DELSA:
		ev->type = XFRM_EVENT_SA_DELETED;
		return xfrm_delsa_decode(buf, len, &ev->u.sa);
	case XFRM_MSG_FLUSHSA:
		ev->type = XFRM_EVENT_SA_FLUSHED;
		memset(&flush, 0, sizeof(flush));
		if (nl_msg_parse(buf, len, &flush, sizeof(flush),
		    xfrm_attr_rules, XFRMA_MAX, tb) < 0)
			return -EBADMSG;
		ev->u.flush_proto = flush.proto;
		return 0;
	case XFRM_MSG_DELPOLICY:
		ev->type = XFRM_EVENT_POLICY_DELETED;
		return xfrm_delpolicy_decode(buf, len, &ev->u.policy);
	case XFRM_MSG_FLUSHPOLICY:
		/* No fixed part; at most the policy type. */
		ev->type = XFRM_EVENT_POLICY_FLUSHED;
		return nl_msg_parse(buf, len, &none, 0, xfrm_attr_rules,
		    XFRMA_MAX, tb) < 0 ? -EBADMSG : 0;
	}
	return -ENOMSG;
}
