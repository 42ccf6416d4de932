/* The tunnel MTU that fits the ESP SA exactly (vti.mtu = "auto"), and the
 * outer path MTU it starts from. The kernel checks a packet entering a
 * tunnel against the bundle's MTU (esp_get_mtu/esp6_get_mtu: the path
 * MTU less the ESP header, IV, outer header and UDP, aligned down to the
 * cipher's block, less the ICV and the 2-byte trailer); a device MTU
 * above it costs a PMTU round trip on every new flow, one below it
 * wastes bytes. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "vti/priv.h"

uint32_t
vti_mtu_compute(struct vti_mtu_parts *m)
{
	uint32_t fixed = m->outer + m->udp + m->esp + m->iv + m->icv;
	uint32_t room;

	m->align = 0;
	m->mtu = 0;
	if (m->block == 0 || m->path < fixed + m->block + VTI_ESP_TRAILER)
		return 0;
	room = (m->path - fixed) / m->block * m->block;
	m->align = m->path - fixed - room;
	m->mtu = room - VTI_ESP_TRAILER;
	if (m->mtu < VTI_MTU_MIN)
		m->mtu = 0;
	return m->mtu;
}

int
vti_mtu_str(const struct vti_mtu_parts *m, char *buf, size_t len)
{
	int n;

	n = snprintf(buf, len, "path %u - %s %u%s%.0u - ESP %u - IV %u - "
	    "ICV %u%s%.0u - trailer %u", m->path, m->outer == 40 ? "IPv6" :
	    "IPv4", m->outer, m->udp != 0 ? " - UDP " : "", m->udp, m->esp,
	    m->iv, m->icv, m->align != 0 ? " - align " : "", m->align,
	    VTI_ESP_TRAILER);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* ---- the outer path MTU ---- */

struct route_reply {
	uint32_t	 oif;
	uint32_t	 mtu;		/* RTAX_MTU of the route, 0: none */
};

static const struct nl_attr_rule route_rules[RTA_MAX + 1] = {
	[RTA_OIF]	= { 4, 4 },
	[RTA_METRICS]	= { 0, 0xffff },
};

static const struct nl_attr_rule metric_rules[RTAX_MAX + 1] = {
	[RTAX_MTU]	= { 4, 4 },
};

static int
route_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct route_reply *r = arg;
	const struct nlattr *tb[RTA_MAX + 1], *mx[RTAX_MAX + 1];
	struct rtmsg rtm;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return 0;
	if (nl_msg_parse(nlh, nlh->nlmsg_len, &rtm, sizeof(rtm), route_rules,
	    RTA_MAX, tb) < 0)
		return -EBADMSG;
	if (tb[RTA_OIF] != NULL)
		r->oif = nl_attr_get_u32(tb[RTA_OIF]);
	if (tb[RTA_METRICS] != NULL) {
		if (nl_attr_parse(nl_attr_data(tb[RTA_METRICS]),
		    nl_attr_len(tb[RTA_METRICS]), metric_rules, RTAX_MAX,
		    mx) < 0)
			return -EBADMSG;
		if (mx[RTAX_MTU] != NULL)
			r->mtu = nl_attr_get_u32(mx[RTAX_MTU]);
	}
	return 0;
}

static int
link_cb(const struct nlmsghdr *nlh, void *arg)
{
	int rc = vti_link_state_decode(nlh, nlh->nlmsg_len, arg);

	return rc == -ENOMSG ? 0 : rc;
}

int
vti_path_mtu(struct nl_sock *s, const struct nl_addr *dst, uint32_t *mtu)
{
	_Alignas(8) uint8_t buf[VTI_REQ_SIZE];
	struct route_reply r = { 0, 0 };
	struct vti_link_state st;
	struct ifinfomsg *ifi;
	struct rtmsg *rtm;
	struct nl_msg m;
	int rc;

	*mtu = 0;
	nl_msg_init(&m, buf, sizeof(buf), RTM_GETROUTE, 0);
	if ((rtm = nl_msg_put_header(&m, sizeof(*rtm))) != NULL) {
		rtm->rtm_family = (uint8_t)dst->family;
		rtm->rtm_dst_len = (uint8_t)(nl_addr_len(dst) * 8);
	}
	nl_msg_put(&m, RTA_DST, nl_addr_len(dst), dst->u.raw);
	if (!nl_msg_ok(&m))
		return -EMSGSIZE;
	if ((rc = nl_sock_request(s, m.nlh, route_cb, &r)) < 0)
		return nl_sock_fail(s, rc, nl_sock_extack(s), "route to the "
		    "peer");
	/* A route (or a learnt PMTU exception) with its own MTU wins over
	 * the device's. */
	if (r.mtu != 0) {
		*mtu = r.mtu;
		return 0;
	}
	if (r.oif == 0 || r.oif > INT32_MAX)
		return nl_sock_fail(s, -EPROTO, NULL, "route to the peer: no "
		    "output device");
	nl_msg_init(&m, buf, sizeof(buf), RTM_GETLINK, 0);
	if ((ifi = nl_msg_put_header(&m, sizeof(*ifi))) != NULL) {
		ifi->ifi_family = AF_UNSPEC;
		ifi->ifi_index = (int)r.oif;
	}
	memset(&st, 0, sizeof(st));
	if (!nl_msg_ok(&m))
		return -EMSGSIZE;
	if ((rc = nl_sock_request(s, m.nlh, link_cb, &st)) < 0)
		return nl_sock_fail(s, rc, nl_sock_extack(s), "device %u of "
		    "the route to the peer", r.oif);
	if (st.mtu == 0)
		return nl_sock_fail(s, -EPROTO, NULL, "device %u: no MTU",
		    r.oif);
	*mtu = st.mtu;
	return 0;
}
