/* XFRM interfaces (kind "xfrm", Linux >= 4.19): the RTM_NEWLINK that
 * makes one, its IFLA_INFO_DATA read back, and the difference an adopted
 * one must not have. Creating, moving, configuring and deleting are
 * link.c's, shared with the VTIs.
 *
 * The kernel (net/xfrm/xfrm_interface.c) keys the device by if_id alone
 * in the namespace it was created in (xfrmi_locate): a second device with
 * the same if_id is -EEXIST whatever its name, and if_id 0 is refused
 * ("if_id must be non zero", 6.1). IFLA_XFRM_LINK is an underlying
 * device's ifindex, 0 for none; the outer addresses come from the SAs,
 * so one device carries either outer family. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <net/if.h>	/* before the <linux/...> ones */
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "vti/priv.h"

static const struct nl_attr_rule xfrmi_data_rules[IFLA_XFRM_MAX + 1] = {
	[IFLA_XFRM_LINK]	= { 4, 4 },
	[IFLA_XFRM_IF_ID]	= { 4, 4 },
};

int
xfrmi_link_check(const struct vti_link *cfg, const char **why)
{
	*why = NULL;
	if (!vti_addrs_ok(cfg, why))
		return -EINVAL;
	if (cfg->if_id == 0) {
		*why = "an XFRM interface needs an if_id > 0";
		return -EINVAL;
	}
	return 0;
}

int
xfrmi_link_msg_build(void *buf, size_t cap, const struct vti_link *cfg,
    uint32_t link_ifindex, const char **why)
{
	struct nlattr *info, *data;
	struct nl_msg m;
	int rc;

	if ((rc = xfrmi_link_check(cfg, why)) < 0)
		return rc;
	data = vti_newlink_start(&m, buf, cap, cfg->name, "xfrm", &info);
	/* Host order, unlike a VTI's keys: xfrmi_netlink_parms reads both
	 * with nla_get_u32. */
	nl_msg_put_u32(&m, IFLA_XFRM_LINK, link_ifindex);
	nl_msg_put_u32(&m, IFLA_XFRM_IF_ID, cfg->if_id);
	return vti_newlink_end(&m, info, data, why);
}

int
xfrmi_info_decode(const struct nlattr *a, struct vti_link_state *st)
{
	const struct nlattr *data[IFLA_XFRM_MAX + 1];

	if (nl_attr_parse(nl_attr_data(a), nl_attr_len(a), xfrmi_data_rules,
	    IFLA_XFRM_MAX, data) < 0)
		return -EBADMSG;
	if (data[IFLA_XFRM_LINK] != NULL)
		st->link_ifindex = nl_attr_get_u32(data[IFLA_XFRM_LINK]);
	if (data[IFLA_XFRM_IF_ID] != NULL)
		st->if_id = nl_attr_get_u32(data[IFLA_XFRM_IF_ID]);
	return 0;
}

int
xfrmi_link_diff(const struct vti_link *cfg, uint32_t link_ifindex,
    const struct vti_link_state *st, char *buf, size_t len)
{
	if (len == 0)
		return !st->xfrm;
	buf[0] = '\0';
	if (!st->xfrm) {
		vti_diff_add(buf, len, "kind %s, config says xfrm",
		    st->kind[0] != '\0' ? st->kind : "(none)");
		return 1;	/* the rest is meaningless across kinds */
	}
	if (st->if_id != cfg->if_id)
		vti_diff_add(buf, len, "if_id %u, config says %u", st->if_id,
		    cfg->if_id);
	if (st->link_ifindex != link_ifindex)
		vti_diff_add(buf, len, "link ifindex %u, config says %u (%s)",
		    st->link_ifindex, link_ifindex,
		    cfg->link[0] != '\0' ? cfg->link : "none");
	return buf[0] != '\0';
}
