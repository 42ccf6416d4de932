/* Policies with one ESP tunnel template: NEWPOLICY/UPDPOLICY/DELPOLICY. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "xfrm/priv.h"

static int
xfrm_policy_check(const struct xfrm_policy *pol, bool with_tmpl,
    const char **why)
{
	if (pol->dir != XFRM_POLICY_IN && pol->dir != XFRM_POLICY_OUT &&
	    pol->dir != XFRM_POLICY_FWD) {
		*why = "direction must be in, out or fwd";
		return -EINVAL;
	}
	if (!nl_prefix_valid(&pol->sel_src) || !nl_prefix_valid(&pol->sel_dst) ||
	    pol->sel_src.addr.family != pol->sel_dst.addr.family) {
		*why = "selector must be two prefixes of one family";
		return -EINVAL;
	}
	if (!with_tmpl)
		return 0;
	if (!xfrm_family_ok(pol->tmpl_src.family) ||
	    pol->tmpl_src.family != pol->tmpl_dst.family) {
		*why = "template addresses must be both IPv4 or both IPv6";
		return -EINVAL;
	}
	/* An outbound state lookup compares reqids exactly
	 * (xfrm_state_look_at): reqid 0 would match no SA of ours. */
	if (pol->reqid == 0) {
		*why = "template reqid must be the SA's, not 0";
		return -EINVAL;
	}
	return 0;
}

static void
xfrm_selector_put(struct xfrm_selector *sel, const struct xfrm_policy *pol)
{
	memset(sel, 0, sizeof(*sel));
	sel->family = pol->sel_src.addr.family;
	xfrm_addr_put(&sel->saddr, &pol->sel_src.addr);
	sel->prefixlen_s = pol->sel_src.len;
	xfrm_addr_put(&sel->daddr, &pol->sel_dst.addr);
	sel->prefixlen_d = pol->sel_dst.len;
}

/* DELPOLICY by index (purge) or by selector (index 0). */
static int
xfrm_policy_id_msg_build(void *buf, size_t cap, const struct xfrm_policy *pol,
    uint32_t index, const char **why)
{
	struct xfrm_userpolicy_id pid;
	struct nl_msg m;

	memset(&pid, 0, sizeof(pid));
	if (index == 0)
		xfrm_selector_put(&pid.sel, pol);
	pid.index = index;
	pid.dir = pol->dir;
	xfrm_msg_start(&m, buf, cap, XFRM_MSG_DELPOLICY, &pid, sizeof(pid));
	/* Lookups by index or selector also compare the mark and the
	 * if_id exactly. */
	xfrm_mark_put(&m, &pol->mark);
	xfrm_if_id_put(&m, pol->if_id);
	return xfrm_msg_end(&m, why);
}

int
xfrm_policy_msg_build(void *buf, size_t cap, uint16_t type,
    const struct xfrm_policy *pol, const char **why)
{
	struct xfrm_userpolicy_info info;
	struct xfrm_user_tmpl tmpl;
	struct nl_msg m;
	int rc;

	*why = NULL;
	if (type != XFRM_MSG_NEWPOLICY && type != XFRM_MSG_UPDPOLICY &&
	    type != XFRM_MSG_DELPOLICY) {
		*why = "not a policy message type";
		return -EINVAL;
	}
	rc = xfrm_policy_check(pol, type != XFRM_MSG_DELPOLICY, why);
	if (rc < 0)
		return rc;
	if (type == XFRM_MSG_DELPOLICY)
		return xfrm_policy_id_msg_build(buf, cap, pol, 0, why);

	memset(&info, 0, sizeof(info));
	xfrm_selector_put(&info.sel, pol);
	info.lft.soft_byte_limit = XFRM_INF;
	info.lft.hard_byte_limit = XFRM_INF;
	info.lft.soft_packet_limit = XFRM_INF;
	info.lft.hard_packet_limit = XFRM_INF;
	info.priority = pol->priority;
	info.dir = pol->dir;
	info.action = XFRM_POLICY_ALLOW;
	info.share = XFRM_SHARE_ANY;

	memset(&tmpl, 0, sizeof(tmpl));
	xfrm_addr_put(&tmpl.id.daddr, &pol->tmpl_dst);
	tmpl.id.proto = IPPROTO_ESP;	/* spi 0: any SA of the reqid */
	tmpl.family = pol->tmpl_src.family;
	xfrm_addr_put(&tmpl.saddr, &pol->tmpl_src);
	tmpl.reqid = pol->reqid;
	tmpl.mode = XFRM_MODE_TUNNEL;
	tmpl.share = XFRM_SHARE_ANY;
	tmpl.aalgos = ~0u;	/* any algorithm: the SA decides */
	tmpl.ealgos = ~0u;
	tmpl.calgos = ~0u;

	xfrm_msg_start(&m, buf, cap, type, &info, sizeof(info));
	nl_msg_put(&m, XFRMA_TMPL, sizeof(tmpl), &tmpl);
	xfrm_mark_put(&m, &pol->mark);
	xfrm_if_id_put(&m, pol->if_id);
	return xfrm_msg_end(&m, why);
}

/* A policy's fixed part and its attributes (a dump's NEWPOLICY, or the
 * XFRMA_POLICY of a DELPOLICY notification) into out. */
int
xfrm_policy_fill(struct xfrm_policy_info *out,
    const struct xfrm_userpolicy_info *info, const struct nlattr **tb)
{
	struct xfrm_userpolicy_type ptype;
	struct xfrm_user_tmpl tmpl;
	const uint8_t *t;
	size_t tlen, i;

	if (xfrm_prefix_get(&out->pol.sel_src, info->sel.family,
	    &info->sel.saddr, info->sel.prefixlen_s) < 0 ||
	    xfrm_prefix_get(&out->pol.sel_dst, info->sel.family,
	    &info->sel.daddr, info->sel.prefixlen_d) < 0)
		return -EBADMSG;
	out->pol.dir = info->dir;
	out->pol.priority = info->priority;
	out->index = info->index;
	out->action = info->action;
	xfrm_mark_get(&out->pol.mark, tb[XFRMA_MARK]);
	out->pol.if_id = xfrm_if_id_get(tb[XFRMA_IF_ID]);
	out->ptype = XFRM_POLICY_TYPE_MAIN;
	if (tb[XFRMA_POLICY_TYPE] != NULL) {
		memcpy(&ptype, nl_attr_data(tb[XFRMA_POLICY_TYPE]),
		    sizeof(ptype));
		out->ptype = ptype.type;
	}
	if (tb[XFRMA_TMPL] == NULL)
		return 0;
	tlen = nl_attr_len(tb[XFRMA_TMPL]);
	if (tlen % sizeof(tmpl) != 0)
		return -EBADMSG;
	out->n_tmpl = tlen / sizeof(tmpl);
	t = nl_attr_data(tb[XFRMA_TMPL]);
	for (i = 0; i < out->n_tmpl && i < XFRM_TMPL_MAX; i++) {
		memcpy(&tmpl, t + i * sizeof(tmpl), sizeof(tmpl));
		out->tmpl_reqid[i] = tmpl.reqid;
		if (i > 0)
			continue;
		if (xfrm_addr_get(&out->pol.tmpl_src, tmpl.family,
		    &tmpl.saddr) < 0 ||
		    xfrm_addr_get(&out->pol.tmpl_dst, tmpl.family,
		    &tmpl.id.daddr) < 0)
			return -EBADMSG;
		out->pol.reqid = tmpl.reqid;
	}
	return 0;
}

int
xfrm_policy_msg_decode(const void *buf, size_t len,
    struct xfrm_policy_info *out)
{
	const struct nlattr *tb[XFRMA_MAX + 1];
	struct xfrm_userpolicy_info info;
	struct nlmsghdr hdr;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = nl_msg_check(buf, len, &hdr)) < 0)
		return rc;
	if (hdr.nlmsg_type != XFRM_MSG_NEWPOLICY &&
	    hdr.nlmsg_type != XFRM_MSG_UPDPOLICY)
		return -ENOMSG;
	rc = nl_msg_parse(buf, len, &info, sizeof(info), xfrm_attr_rules,
	    XFRMA_MAX, tb);
	if (rc < 0)
		return rc;
	return xfrm_policy_fill(out, &info, tb);
}

static const char *
xfrm_dir_name(uint8_t dir)
{
	switch (dir) {
	case XFRM_POLICY_IN:
		return "in";
	case XFRM_POLICY_OUT:
		return "out";
	case XFRM_POLICY_FWD:
		return "fwd";
	default:
		return "?";
	}
}

static int
xfrm_policy_send(struct nl_sock *s, uint16_t type,
    const struct xfrm_policy *pol, const char *verb)
{
	_Alignas(8) uint8_t buf[XFRM_REQ_SIZE];
	char src[NL_ADDRSTRLEN], dst[NL_ADDRSTRLEN], if_id[24] = "";
	const char *why = NULL;
	int rc;

	if (pol->if_id != 0)
		snprintf(if_id, sizeof(if_id), " if_id %u", pol->if_id);
	rc = xfrm_policy_msg_build(buf, sizeof(buf), type, pol, &why);
	if (rc == 0)
		rc = nl_sock_request(s, (struct nlmsghdr *)(void *)buf, NULL,
		    NULL);
	if (rc < 0)
		return nl_sock_fail(s, rc, why,
		    "xfrm: %s policy %s %s/%u -> %s/%u mark 0x%x/0x%x%s", verb,
		    xfrm_dir_name(pol->dir),
		    nl_addr_str(&pol->sel_src.addr, src, sizeof(src)),
		    pol->sel_src.len,
		    nl_addr_str(&pol->sel_dst.addr, dst, sizeof(dst)),
		    pol->sel_dst.len, pol->mark.v, pol->mark.m, if_id);
	return 0;
}

int
xfrm_policy_add(struct nl_sock *s, const struct xfrm_policy *pol)
{
	return xfrm_policy_send(s, XFRM_MSG_NEWPOLICY, pol, "add");
}

int
xfrm_policy_update(struct nl_sock *s, const struct xfrm_policy *pol)
{
	return xfrm_policy_send(s, XFRM_MSG_UPDPOLICY, pol, "update");
}

int
xfrm_policy_delete(struct nl_sock *s, const struct xfrm_policy *pol)
{
	return xfrm_policy_send(s, XFRM_MSG_DELPOLICY, pol, "delete");
}

int
xfrm_policy_delete_index(struct nl_sock *s, const struct xfrm_policy_info *pi)
{
	_Alignas(8) uint8_t buf[XFRM_REQ_SIZE];
	const char *why = NULL;
	int rc;

	rc = xfrm_policy_id_msg_build(buf, sizeof(buf), &pi->pol, pi->index,
	    &why);
	if (rc == 0)
		rc = nl_sock_request(s, (struct nlmsghdr *)(void *)buf, NULL,
		    NULL);
	if (rc < 0)
		return nl_sock_fail(s, rc, why,
		    "xfrm: delete policy %s index %u",
		    xfrm_dir_name(pi->pol.dir), pi->index);
	return 0;
}
