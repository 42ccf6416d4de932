/* VTI messages: RTM_NEWLINK for vti/vti6, the setlink carrying MTU,
 * up and disable_policy, addresses, decoding a device, and the
 * difference an adopted device must not have. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <net/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/if_tunnel.h>
#include <linux/ip.h>
#include <linux/rtnetlink.h>
#include <cmocka.h>

#include "vti/vti.h"

static _Alignas(8) uint8_t buf[1024];
static const struct nl_attr_rule any[IFLA_MAX + 1];

static void
cfg_base(struct vti_link *c, bool v6)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->name, "vti3");
	c->family = v6 ? AF_INET6 : AF_INET;
	assert_int_equal(nl_addr_parse(&c->local, v6 ? "2001:db8:1::1" :
	    "192.0.2.1"), 0);
	assert_int_equal(nl_addr_parse(&c->remote, v6 ? "2001:db8:2::1" :
	    "198.51.100.1"), 0);
	c->ikey = 3;
	c->okey = 5;
}

static const struct nlattr *
nested(const struct nlattr *a, uint16_t type, uint16_t max,
    const struct nlattr **tb)
{
	assert_non_null(a);
	assert_int_equal(nl_attr_parse(nl_attr_data(a), nl_attr_len(a), any,
	    max, tb), 0);
	return tb[type];
}

static void
test_newlink(void **state)
{
	const struct nlattr *tb[IFLA_MAX + 1], *info[IFLA_INFO_MAX + 1],
	    *data[IFLA_VTI_MAX + 1];
	const struct nlmsghdr *nlh = (const void *)buf;
	struct ifinfomsg ifi;
	struct vti_link c;
	const char *why;
	char s[16];
	size_t v;

	for (v = 0; v < 2; v++) {
		cfg_base(&c, v == 1);
		assert_int_equal(vti_link_msg_build(buf, sizeof(buf), &c,
		    v == 1 ? 0 : 4, &why), 0);
		assert_int_equal(nlh->nlmsg_type, RTM_NEWLINK);
		assert_int_equal(nlh->nlmsg_flags, NLM_F_CREATE | NLM_F_EXCL);
		assert_int_equal(nl_msg_parse(buf, nlh->nlmsg_len, &ifi,
		    sizeof(ifi), any, IFLA_MAX, tb), 0);
		assert_int_equal(ifi.ifi_index, 0);
		nl_attr_get_str(tb[IFLA_IFNAME], s, sizeof(s));
		assert_string_equal(s, "vti3");
		nl_attr_get_str(nested(tb[IFLA_LINKINFO], IFLA_INFO_KIND,
		    IFLA_INFO_MAX, info), s, sizeof(s));
		assert_string_equal(s, v == 1 ? "vti6" : "vti");
		nested(info[IFLA_INFO_DATA], 0, IFLA_VTI_MAX, data);
		/* __be32 keys: "key 3" is 00 00 00 03 on the wire. */
		assert_int_equal(nl_attr_get_u32(data[IFLA_VTI_IKEY]),
		    htonl(3));
		assert_int_equal(nl_attr_get_u32(data[IFLA_VTI_OKEY]),
		    htonl(5));
		assert_int_equal(nl_attr_len(data[IFLA_VTI_LOCAL]),
		    v == 1 ? 16 : 4);
		assert_memory_equal(nl_attr_data(data[IFLA_VTI_LOCAL]),
		    c.local.u.raw, v == 1 ? 16 : 4);
		assert_memory_equal(nl_attr_data(data[IFLA_VTI_REMOTE]),
		    c.remote.u.raw, v == 1 ? 16 : 4);
		if (v == 1)
			assert_null(data[IFLA_VTI_LINK]);
		else
			assert_int_equal(nl_attr_get_u32(data[IFLA_VTI_LINK]),
			    4);
		printf("  RTM_NEWLINK %s: CREATE|EXCL, ikey/okey as be32 3/5, "
		    "local/remote %u bytes, link %s\n", s, v == 1 ? 16 : 4,
		    v == 1 ? "none" : "ifindex 4");
	}
}

static void
test_check(void **state)
{
	struct vti_link c;
	const char *why;

	cfg_base(&c, true);
	strcpy(c.name, "a/b");
	assert_int_equal(vti_link_check(&c, &why), -EINVAL);
	memcpy(c.name, "0123456789abcdef", 16);	/* no room for the NUL */
	assert_int_equal(vti_link_check(&c, &why), -EINVAL);
	cfg_base(&c, true);
	c.family = AF_INET;
	assert_int_equal(vti_link_check(&c, &why), -EINVAL);
	cfg_base(&c, true);
	memset(&c.remote, 0, sizeof(c.remote));
	assert_int_equal(vti_link_check(&c, &why), -EINVAL);
	printf("  \"%s\"\n", why);
	cfg_base(&c, true);
	c.n_addrs = VTI_ADDRS_MAX + 1;
	assert_int_equal(vti_link_check(&c, &why), -EINVAL);
	cfg_base(&c, true);
	c.n_addrs = 1;	/* addrs[0] unset: not a prefix */
	assert_int_equal(vti_link_check(&c, &why), -EINVAL);
	assert_int_equal(vti_link_msg_build(buf, sizeof(buf), &c, 0, &why),
	    -EINVAL);
	cfg_base(&c, true);
	assert_int_equal(vti_link_msg_build(buf, 60, &c, 0, &why), -EMSGSIZE);
	printf("  refused: name a/b, 16-byte name, vti with IPv6 endpoints, "
	    "no remote, 9 addresses, unset address; 60-byte buffer "
	    "-EMSGSIZE\n");
}

static void
test_setlink(void **state)
{
	const struct nlattr *tb[IFLA_MAX + 1], *af[AF_INET + 1],
	    *inet[IFLA_INET_MAX + 1], *conf[IPV4_DEVCONF_MAX + 1];
	const struct nlmsghdr *nlh = (const void *)buf;
	struct ifinfomsg ifi;

	assert_int_equal(IPV4_DEVCONF_NOPOLICY, 16);
	assert_int_equal(vti_setlink_msg_build(buf, sizeof(buf), 7, 1400,
	    true, true, -1), 0);
	assert_int_equal(nlh->nlmsg_type, RTM_SETLINK);
	assert_int_equal(nl_msg_parse(buf, nlh->nlmsg_len, &ifi, sizeof(ifi),
	    any, IFLA_MAX, tb), 0);
	assert_int_equal(ifi.ifi_index, 7);
	assert_int_equal(ifi.ifi_change, IFF_UP);
	assert_int_equal(ifi.ifi_flags, IFF_UP);
	assert_int_equal(nl_attr_get_u32(tb[IFLA_MTU]), 1400);
	assert_null(tb[IFLA_NET_NS_FD]);
	nested(tb[IFLA_AF_SPEC], AF_INET, AF_INET, af);
	nested(af[AF_INET], IFLA_INET_CONF, IFLA_INET_MAX, inet);
	nested(inet[IFLA_INET_CONF], IPV4_DEVCONF_NOPOLICY, IPV4_DEVCONF_MAX,
	    conf);
	assert_int_equal(nl_attr_len(conf[IPV4_DEVCONF_NOPOLICY]), 4);
	assert_int_equal(nl_attr_get_u32(conf[IPV4_DEVCONF_NOPOLICY]), 1);
	printf("  RTM_SETLINK ifindex 7: mtu 1400, IFF_UP in change and flags,"
	    " IFLA_AF_SPEC/AF_INET/IFLA_INET_CONF/NOPOLICY(16) = 1\n");

	assert_int_equal(vti_setlink_msg_build(buf, sizeof(buf), 7, 0, false,
	    false, 9), 0);
	assert_int_equal(nl_msg_parse(buf, nlh->nlmsg_len, &ifi, sizeof(ifi),
	    any, IFLA_MAX, tb), 0);
	assert_int_equal(ifi.ifi_change, 0);
	assert_int_equal(nl_attr_get_u32(tb[IFLA_NET_NS_FD]), 9);
	assert_null(tb[IFLA_MTU]);
	assert_null(tb[IFLA_AF_SPEC]);
	assert_int_equal(vti_setlink_msg_build(buf, sizeof(buf), 0, 0, false,
	    false, -1), -EINVAL);
	printf("  move: IFLA_NET_NS_FD 9 alone, flags untouched; ifindex 0 "
	    "refused\n");
	/* The link following the tunnel: IFF_UP changed, to down or up. */
	assert_int_equal(vti_updown_msg_build(buf, sizeof(buf), 7, false), 0);
	assert_int_equal(nl_msg_parse(buf, nlh->nlmsg_len, &ifi, sizeof(ifi),
	    any, IFLA_MAX, tb), 0);
	assert_int_equal(ifi.ifi_index, 7);
	assert_int_equal(ifi.ifi_change, IFF_UP);
	assert_int_equal(ifi.ifi_flags, 0);
	assert_null(tb[IFLA_MTU]);
	assert_int_equal(vti_updown_msg_build(buf, sizeof(buf), 7, true), 0);
	assert_int_equal(nl_msg_parse(buf, nlh->nlmsg_len, &ifi, sizeof(ifi),
	    any, IFLA_MAX, tb), 0);
	assert_int_equal(ifi.ifi_change, IFF_UP);
	assert_int_equal(ifi.ifi_flags, IFF_UP);
	assert_int_equal(vti_updown_msg_build(buf, sizeof(buf), 0, true),
	    -EINVAL);
	printf("  link down/up: IFF_UP in change, flags 0 / IFF_UP, nothing "
	    "else\n");
}

static void
test_addr(void **state)
{
	const struct nlattr *tb[IFA_MAX + 1];
	const struct nlmsghdr *nlh = (const void *)buf;
	struct ifaddrmsg ifa;
	struct nl_prefix p;

	assert_int_equal(nl_prefix_parse(&p, "2001:db8:ff::1/127"), 0);
	assert_int_equal(vti_addr_msg_build(buf, sizeof(buf), RTM_NEWADDR, 7,
	    &p), 0);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_CREATE | NLM_F_REPLACE);
	assert_int_equal(nl_msg_parse(buf, nlh->nlmsg_len, &ifa, sizeof(ifa),
	    any, IFA_MAX, tb), 0);
	assert_int_equal(ifa.ifa_family, AF_INET6);
	assert_int_equal(ifa.ifa_prefixlen, 127);
	assert_int_equal(ifa.ifa_flags, IFA_F_NODAD);
	assert_int_equal(ifa.ifa_index, 7);
	assert_memory_equal(nl_attr_data(tb[IFA_LOCAL]), p.addr.u.raw, 16);
	assert_memory_equal(nl_attr_data(tb[IFA_ADDRESS]), p.addr.u.raw, 16);
	printf("  RTM_NEWADDR 2001:db8:ff::1/127: nodad, local = address\n");

	assert_int_equal(nl_prefix_parse(&p, "10.0.0.1/31"), 0);
	assert_int_equal(vti_addr_msg_build(buf, sizeof(buf), RTM_NEWADDR, 7,
	    &p), 0);
	assert_int_equal(nl_msg_parse(buf, nlh->nlmsg_len, &ifa, sizeof(ifa),
	    any, IFA_MAX, tb), 0);
	assert_int_equal(ifa.ifa_flags, 0);
	assert_int_equal(nl_attr_len(tb[IFA_LOCAL]), 4);
	assert_int_equal(vti_addr_msg_build(buf, sizeof(buf), RTM_DELADDR, 7,
	    &p), 0);
	assert_int_equal(nlh->nlmsg_flags, 0);
	assert_int_equal(vti_addr_msg_build(buf, sizeof(buf), RTM_GETADDR, 7,
	    &p), -EINVAL);
	printf("  10.0.0.1/31: no nodad flag, 4-byte local; DELADDR no "
	    "flags; GETADDR refused\n");
}

/* An RTM_NEWLINK as the kernel answers RTM_GETLINK for a moved vti6. */
static size_t
kernel_link(const char *kind, size_t local_len, bool dup_name)
{
	struct nl_msg m;
	struct ifinfomsg *ifi;
	struct nlattr *li, *d;
	struct nl_addr a;

	nl_msg_init(&m, buf, sizeof(buf), RTM_NEWLINK, 0);
	ifi = nl_msg_put_header(&m, sizeof(*ifi));
	ifi->ifi_index = 12;
	ifi->ifi_flags = IFF_UP | IFF_RUNNING;
	nl_msg_put_str(&m, IFLA_IFNAME, "vti3");
	if (dup_name)
		nl_msg_put_str(&m, IFLA_IFNAME, "vti4");
	nl_msg_put_u32(&m, IFLA_MTU, 1500);
	nl_msg_put_u32(&m, IFLA_LINK_NETNSID, 0);
	nl_msg_put_u32(&m, 250, 0);	/* from a future kernel */
	li = nl_msg_nest_start(&m, IFLA_LINKINFO);
	nl_msg_put_str(&m, IFLA_INFO_KIND, kind);
	d = nl_msg_nest_start(&m, IFLA_INFO_DATA);
	nl_msg_put_u32(&m, IFLA_VTI_LINK, 0);
	nl_msg_put_u32(&m, IFLA_VTI_IKEY, htonl(3));
	nl_msg_put_u32(&m, IFLA_VTI_OKEY, htonl(5));
	nl_addr_parse(&a, "2001:db8:1::1");
	nl_msg_put(&m, IFLA_VTI_LOCAL, local_len, a.u.raw);
	nl_addr_parse(&a, "2001:db8:2::1");
	nl_msg_put(&m, IFLA_VTI_REMOTE, 16, a.u.raw);
	nl_msg_put_u32(&m, IFLA_VTI_FWMARK, 0);
	nl_msg_nest_end(&m, d);
	nl_msg_nest_end(&m, li);
	assert_true(nl_msg_ok(&m));
	return m.nlh->nlmsg_len;
}

static void
test_decode(void **state)
{
	struct vti_link_state st;
	char a[NL_ADDRSTRLEN];
	size_t len, cut, bad = 0;

	len = kernel_link("vti6", 16, false);
	assert_int_equal(vti_link_state_decode(buf, len, &st), 0);
	assert_string_equal(st.name, "vti3");
	assert_string_equal(st.kind, "vti6");
	assert_int_equal(st.family, AF_INET6);
	assert_int_equal(st.ifindex, 12);
	assert_true(st.up);
	assert_int_equal(st.mtu, 1500);
	assert_int_equal(st.ikey, 3);
	assert_int_equal(st.okey, 5);
	assert_true(st.link_netns_other);
	assert_string_equal(nl_addr_str(&st.local, a, sizeof(a)),
	    "2001:db8:1::1");
	printf("  vti6 decoded: ifindex 12 up mtu 1500 keys 3/5 local %s, "
	    "moved (IFLA_LINK_NETNSID); unknown attribute 250 skipped\n", a);

	len = kernel_link("vti6", 4, false);	/* IPv4-sized local */
	assert_int_equal(vti_link_state_decode(buf, len, &st), -EBADMSG);
	len = kernel_link("vti6", 16, true);	/* IFLA_IFNAME twice */
	assert_int_equal(vti_link_state_decode(buf, len, &st), -EBADMSG);
	len = kernel_link("veth", 4, false);	/* not ours: data ignored */
	assert_int_equal(vti_link_state_decode(buf, len, &st), 0);
	assert_int_equal(st.family, 0);
	assert_string_equal(st.kind, "veth");
	len = kernel_link("vti6", 16, false);
	((struct nlmsghdr *)(void *)buf)->nlmsg_type = RTM_NEWADDR;
	assert_int_equal(vti_link_state_decode(buf, len, &st), -ENOMSG);
	((struct nlmsghdr *)(void *)buf)->nlmsg_type = RTM_NEWLINK;
	for (cut = 0; cut < len; cut++)
		if (vti_link_state_decode(buf, cut, &st) == -EBADMSG)
			bad++;
	assert_int_equal(bad, len);
	printf("  refused: 4-byte vti6 local, two names; veth decoded as not "
	    "a VTI; RTM_NEWADDR -ENOMSG; all %zu short buffers -EBADMSG\n",
	    len);
}

static void
test_diff(void **state)
{
	struct vti_link c;
	struct vti_link_state st;
	char d[256];

	cfg_base(&c, true);
	memset(&st, 0, sizeof(st));
	strcpy(st.kind, "vti6");
	st.family = AF_INET6;
	st.local = c.local;
	st.remote = c.remote;
	st.ikey = 3;
	st.okey = 5;
	assert_int_equal(vti_link_diff(&c, 0, &st, d, sizeof(d)), 0);
	assert_string_equal(d, "");
	c.okey = 3;
	assert_int_equal(vti_link_diff(&c, 0, &st, d, sizeof(d)), 1);
	assert_string_equal(d, "okey 5, config says 3");
	printf("  \"vti3: exists with %s\"\n", d);
	assert_int_equal(nl_addr_parse(&c.remote, "2001:db8:2::9"), 0);
	assert_int_equal(vti_link_diff(&c, 4, &st, d, sizeof(d)), 1);
	assert_string_equal(d, "okey 5, config says 3; remote 2001:db8:2::1, "
	    "config says 2001:db8:2::9; link ifindex 0, config says 4 (none)");
	printf("  \"vti3: exists with %s\"\n", d);
	cfg_base(&c, false);
	assert_int_equal(vti_link_diff(&c, 0, &st, d, sizeof(d)), 1);
	assert_string_equal(d, "kind vti6, config says vti");
	assert_int_equal(vti_link_diff(&c, 0, &st, d, 10), 1);
	assert_int_equal(strlen(d), 9);
	printf("  \"vti3: exists with %s\"; truncated to a 10-byte buffer\n",
	    "kind vti6, config says vti");
}

/* XFRM interfaces: the RTM_NEWLINK (kind xfrm, host-order link and
 * if_id, no endpoints), the checks, a kernel answer decoded, and the
 * differences an adopted one must not have. */
static void
xfrmi_base(struct vti_link *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->name, "xfrm7");
	c->type = VTI_TYPE_XFRM;
	c->if_id = 7;
}

/* What the kernel answers RTM_GETLINK with for an xfrm device moved out
 * of the namespace that made it (xfrmi_fill_info). */
static size_t
kernel_xfrmi(uint32_t link, uint32_t if_id, size_t if_id_len)
{
	struct nl_msg m;
	struct ifinfomsg *ifi;
	struct nlattr *li, *d;

	nl_msg_init(&m, buf, sizeof(buf), RTM_NEWLINK, 0);
	ifi = nl_msg_put_header(&m, sizeof(*ifi));
	ifi->ifi_index = 21;
	ifi->ifi_flags = IFF_UP;
	nl_msg_put_str(&m, IFLA_IFNAME, "xfrm7");
	nl_msg_put_u32(&m, IFLA_MTU, 1400);
	nl_msg_put_u32(&m, IFLA_LINK_NETNSID, 0);
	li = nl_msg_nest_start(&m, IFLA_LINKINFO);
	nl_msg_put_str(&m, IFLA_INFO_KIND, "xfrm");
	d = nl_msg_nest_start(&m, IFLA_INFO_DATA);
	nl_msg_put_u32(&m, IFLA_XFRM_LINK, link);
	nl_msg_put(&m, IFLA_XFRM_IF_ID, if_id_len, &if_id);
	nl_msg_nest_end(&m, d);
	nl_msg_nest_end(&m, li);
	assert_true(nl_msg_ok(&m));
	return m.nlh->nlmsg_len;
}

static void
test_xfrmi(void **state)
{
	const struct nlattr *tb[IFLA_MAX + 1], *info[IFLA_INFO_MAX + 1],
	    *data[IFLA_XFRM_MAX + 1];
	const struct nlmsghdr *nlh = (const void *)buf;
	struct ifinfomsg ifi;
	struct vti_link c;
	struct vti_link_state st;
	const char *why;
	char s[16], d[256];
	size_t len;

	xfrmi_base(&c);
	assert_int_equal(vti_link_check(&c, &why), 0);
	assert_string_equal(vti_link_kind(&c), "xfrm");
	assert_int_equal(vti_link_msg_build(buf, sizeof(buf), &c, 4, &why), 0);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_CREATE | NLM_F_EXCL);
	assert_int_equal(nl_msg_parse(buf, nlh->nlmsg_len, &ifi, sizeof(ifi),
	    any, IFLA_MAX, tb), 0);
	nl_attr_get_str(tb[IFLA_IFNAME], s, sizeof(s));
	assert_string_equal(s, "xfrm7");
	nl_attr_get_str(nested(tb[IFLA_LINKINFO], IFLA_INFO_KIND,
	    IFLA_INFO_MAX, info), s, sizeof(s));
	assert_string_equal(s, "xfrm");
	nested(info[IFLA_INFO_DATA], 0, IFLA_XFRM_MAX, data);
	assert_int_equal(nl_attr_get_u32(data[IFLA_XFRM_IF_ID]), 7);
	assert_int_equal(nl_attr_get_u32(data[IFLA_XFRM_LINK]), 4);
	printf("  RTM_NEWLINK xfrm7: kind xfrm, IFLA_XFRM_IF_ID 7, "
	    "IFLA_XFRM_LINK 4 (host order), no endpoints\n");
	assert_int_equal(vti_link_msg_build(buf, sizeof(buf), &c, 0, &why), 0);
	assert_int_equal(nl_msg_parse(buf, nlh->nlmsg_len, &ifi, sizeof(ifi),
	    any, IFLA_MAX, tb), 0);
	nested(tb[IFLA_LINKINFO], IFLA_INFO_KIND, IFLA_INFO_MAX, info);
	nested(info[IFLA_INFO_DATA], 0, IFLA_XFRM_MAX, data);
	assert_int_equal(nl_attr_get_u32(data[IFLA_XFRM_LINK]), 0);

	c.if_id = 0;
	assert_int_equal(vti_link_check(&c, &why), -EINVAL);
	assert_int_equal(vti_link_msg_build(buf, sizeof(buf), &c, 0, &why),
	    -EINVAL);
	printf("  if_id 0: \"%s\"\n", why);
	xfrmi_base(&c);
	strcpy(c.name, "a b");
	assert_int_equal(vti_link_check(&c, &why), -EINVAL);
	xfrmi_base(&c);
	c.n_addrs = 1;	/* addrs[0] unset */
	assert_int_equal(vti_link_check(&c, &why), -EINVAL);
	xfrmi_base(&c);
	assert_int_equal(vti_link_msg_build(buf, 48, &c, 0, &why), -EMSGSIZE);
	printf("  refused: if_id 0, name 'a b', unset address; 48-byte "
	    "buffer -EMSGSIZE\n");

	len = kernel_xfrmi(0, 7, 4);
	assert_int_equal(vti_link_state_decode(buf, len, &st), 0);
	assert_true(st.xfrm);
	assert_int_equal(st.family, 0);
	assert_string_equal(st.kind, "xfrm");
	assert_int_equal(st.if_id, 7);
	assert_int_equal(st.link_ifindex, 0);
	assert_int_equal(st.mtu, 1400);
	assert_true(st.link_netns_other);
	xfrmi_base(&c);
	assert_int_equal(vti_link_diff(&c, 0, &st, d, sizeof(d)), 0);
	printf("  decoded: kind xfrm, if_id %u, link %u, mtu %u, moved; "
	    "adoptable as configured\n", st.if_id, st.link_ifindex, st.mtu);
	assert_int_equal(vti_link_state_decode(buf, kernel_xfrmi(0, 7, 2),
	    &st), -EBADMSG);

	len = kernel_xfrmi(3, 8, 4);
	assert_int_equal(vti_link_state_decode(buf, len, &st), 0);
	assert_int_equal(vti_link_diff(&c, 0, &st, d, sizeof(d)), 1);
	assert_string_equal(d, "if_id 8, config says 7; link ifindex 3, "
	    "config says 0 (none)");
	printf("  \"xfrm7: exists with %s\"\n", d);
	/* A vti6 where an xfrm device is configured, and the reverse. */
	len = kernel_link("vti6", 16, false);
	assert_int_equal(vti_link_state_decode(buf, len, &st), 0);
	assert_false(st.xfrm);
	assert_int_equal(vti_link_diff(&c, 0, &st, d, sizeof(d)), 1);
	assert_string_equal(d, "kind vti6, config says xfrm");
	printf("  \"xfrm7: exists with %s\"\n", d);
	assert_int_equal(vti_link_state_decode(buf, kernel_xfrmi(0, 3, 4),
	    &st), 0);
	cfg_base(&c, true);
	assert_int_equal(vti_link_diff(&c, 0, &st, d, sizeof(d)), 1);
	assert_string_equal(d, "kind xfrm, config says vti6");
	printf("  \"vti3: exists with %s\"\n", d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xfrmi),
		cmocka_unit_test(test_newlink),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_setlink),
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_diff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
