/* A device's MTU, addresses, disable_policy and up state, in the
 * namespace it lives in. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <net/if.h>	/* before the <linux/...> ones */
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/rtnetlink.h>

#include "vti/priv.h"

static const struct nl_attr_rule vti_ifa_rules[IFA_MAX + 1] = {
	[IFA_ADDRESS]	= { 4, 16 },	/* by family: checked below */
	[IFA_LOCAL]	= { 4, 16 },
};

/* RTM_SETLINK of ifindex; ifi_change masks ifi_flags: only IFF_UP is
 * touched, and only when change. */
static void
setlink_head(struct nl_msg *m, void *buf, size_t cap, uint32_t ifindex,
    bool change, bool up)
{
	struct ifinfomsg *ifi;

	nl_msg_init(m, buf, cap, RTM_SETLINK, 0);
	ifi = nl_msg_put_header(m, sizeof(*ifi));
	if (ifi != NULL) {
		ifi->ifi_family = AF_UNSPEC;
		ifi->ifi_index = (int)ifindex;
		ifi->ifi_change = change ? IFF_UP : 0;
		ifi->ifi_flags = up ? IFF_UP : 0;
	}
}

int
vti_updown_msg_build(void *buf, size_t cap, uint32_t ifindex, bool up)
{
	struct nl_msg m;

	if (ifindex == 0 || ifindex > INT32_MAX)
		return -EINVAL;
	setlink_head(&m, buf, cap, ifindex, true, up);
	return nl_msg_ok(&m) ? 0 : -EMSGSIZE;
}

int
vti_setlink_msg_build(void *buf, size_t cap, uint32_t ifindex, uint32_t mtu,
    bool disable_policy, bool up, int netns_fd)
{
	struct nlattr *af, *inet, *conf;
	struct nl_msg m;

	if (ifindex == 0 || ifindex > INT32_MAX)
		return -EINVAL;
	setlink_head(&m, buf, cap, ifindex, up, up);
	if (netns_fd >= 0)
		nl_msg_put_u32(&m, IFLA_NET_NS_FD, (uint32_t)netns_fd);
	if (mtu != 0)
		nl_msg_put_u32(&m, IFLA_MTU, mtu);
	if (disable_policy) {
		/* net.ipv4.conf.DEV.disable_policy is IPV4_DEVCONF_NOPOLICY
		 * (16 in linux/ip.h), set per device through
		 * IFLA_AF_SPEC/AF_INET/IFLA_INET_CONF (inet_set_link_af)
		 * in the device's own namespace: no sysctl file needed. */
		af = nl_msg_nest_start(&m, IFLA_AF_SPEC);
		inet = nl_msg_nest_start(&m, AF_INET);
		conf = nl_msg_nest_start(&m, IFLA_INET_CONF);
		nl_msg_put_u32(&m, IPV4_DEVCONF_NOPOLICY, 1);
		nl_msg_nest_end(&m, conf);
		nl_msg_nest_end(&m, inet);
		nl_msg_nest_end(&m, af);
	}
	return nl_msg_ok(&m) ? 0 : -EMSGSIZE;
}

int
vti_addr_msg_build(void *buf, size_t cap, uint16_t type, uint32_t ifindex,
    const struct nl_prefix *p)
{
	struct ifaddrmsg *ifa;
	struct nl_msg m;
	size_t alen = nl_addr_len(&p->addr);

	if ((type != RTM_NEWADDR && type != RTM_DELADDR) || ifindex == 0 ||
	    !nl_prefix_valid(p))
		return -EINVAL;
	nl_msg_init(&m, buf, cap, type,
	    type == RTM_NEWADDR ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	ifa = nl_msg_put_header(&m, sizeof(*ifa));
	if (ifa != NULL) {
		ifa->ifa_family = (uint8_t)p->addr.family;
		ifa->ifa_prefixlen = p->len;
		ifa->ifa_scope = RT_SCOPE_UNIVERSE;
		ifa->ifa_index = ifindex;
		/* No duplicate address detection: the address is usable at
		 * once (BGP over the tunnel starts immediately), and the
		 * other end of a point-to-point tunnel is not a duplicate. */
		if (type == RTM_NEWADDR && p->addr.family == AF_INET6)
			ifa->ifa_flags = IFA_F_NODAD;
	}
	nl_msg_put(&m, IFA_LOCAL, alen, p->addr.u.raw);
	nl_msg_put(&m, IFA_ADDRESS, alen, p->addr.u.raw);
	return nl_msg_ok(&m) ? 0 : -EMSGSIZE;
}

struct vti_addr_scan {
	uint32_t	 ifindex;
	size_t		 n;
	struct nl_prefix a[VTI_ADDRS_SCAN];
};

static int
vti_addr_scan_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct vti_addr_scan *sc = arg;
	const struct nlattr *tb[IFA_MAX + 1], *attr;
	struct ifaddrmsg ifa;
	struct nl_prefix p;
	int rc;

	if (nlh->nlmsg_type != RTM_NEWADDR)
		return 0;
	rc = nl_msg_parse(nlh, nlh->nlmsg_len, &ifa, sizeof(ifa),
	    vti_ifa_rules, IFA_MAX, tb);
	if (rc < 0)
		return rc;
	/* Link-local addresses are the kernel's, not the config's. */
	if (ifa.ifa_index != sc->ifindex || ifa.ifa_scope != RT_SCOPE_UNIVERSE ||
	    (ifa.ifa_family != AF_INET && ifa.ifa_family != AF_INET6))
		return 0;
	/* IFA_LOCAL is the address itself when a peer is set. */
	attr = tb[IFA_LOCAL] != NULL ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (attr == NULL)
		return -EBADMSG;
	memset(&p, 0, sizeof(p));
	p.addr.family = ifa.ifa_family;
	if (nl_attr_len(attr) != nl_addr_len(&p.addr) ||
	    ifa.ifa_prefixlen > nl_addr_len(&p.addr) * 8)
		return -EBADMSG;
	memcpy(p.addr.u.raw, nl_attr_data(attr), nl_addr_len(&p.addr));
	p.len = ifa.ifa_prefixlen;
	if (sc->n >= VTI_ADDRS_SCAN)
		return -E2BIG;
	sc->a[sc->n++] = p;
	return 0;
}

static bool
vti_prefix_in(const struct nl_prefix *p, const struct nl_prefix *set, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (set[i].len == p->len && nl_addr_eq(&set[i].addr, &p->addr))
			return true;
	return false;
}

static int
vti_addr_send(struct nl_sock *s, struct nl_sock *t, const char *name,
    uint16_t type, uint32_t ifindex, const struct nl_prefix *p)
{
	_Alignas(8) uint8_t buf[VTI_REQ_SIZE];
	char a[NL_ADDRSTRLEN];
	int rc;

	rc = vti_addr_msg_build(buf, sizeof(buf), type, ifindex, p);
	if (rc == 0)
		rc = nl_sock_request(t, (struct nlmsghdr *)(void *)buf, NULL,
		    NULL);
	if (rc < 0)
		return nl_sock_fail(s, rc, nl_sock_extack(t), "%s: %s address %s/%u",
		    name, type == RTM_NEWADDR ? "add" : "remove",
		    nl_addr_str(&p->addr, a, sizeof(a)), p->len);
	return 0;
}

/* Bring the addresses of global scope to cfg's: remove the others
 * first (the same address with another prefix length included), then
 * add what is missing. */
static int
vti_addrs_sync(struct nl_sock *s, struct nl_sock *t, const struct vti_link *cfg,
    uint32_t ifindex)
{
	_Alignas(8) uint8_t buf[VTI_REQ_SIZE];
	struct vti_addr_scan sc;
	struct ifaddrmsg *ifa;
	struct nl_msg m;
	size_t i;
	int rc;

	sc.ifindex = ifindex;
	sc.n = 0;
	nl_msg_init(&m, buf, sizeof(buf), RTM_GETADDR, 0);
	ifa = nl_msg_put_header(&m, sizeof(*ifa));
	if (ifa != NULL) {
		ifa->ifa_family = AF_UNSPEC;
		ifa->ifa_index = ifindex;
	}
	if (!nl_msg_ok(&m))
		return nl_sock_fail(s, -EMSGSIZE, "", "%s: list addresses",
		    cfg->name);
	/* The device's addresses only, not every one of the namespace for
	 * every device (a hub's thousand); the callback still filters, for
	 * kernels that ignore ifa_index. Strict only for this dump: it
	 * would also hold the route lookups to rules they need not meet. */
	nl_sock_strict(t, true);
	rc = nl_sock_dump(t, m.nlh, vti_addr_scan_cb, &sc);
	nl_sock_strict(t, false);
	if (rc < 0)
		return nl_sock_fail(s, rc, nl_sock_extack(t),
		    "%s: list addresses", cfg->name);
	for (i = 0; i < sc.n; i++)
		if (!vti_prefix_in(&sc.a[i], cfg->addrs, cfg->n_addrs) &&
		    (rc = vti_addr_send(s, t, cfg->name, RTM_DELADDR, ifindex,
		    &sc.a[i])) < 0)
			return rc;
	for (i = 0; i < cfg->n_addrs; i++)
		if (!vti_prefix_in(&cfg->addrs[i], sc.a, sc.n) &&
		    (rc = vti_addr_send(s, t, cfg->name, RTM_NEWADDR, ifindex,
		    &cfg->addrs[i])) < 0)
			return rc;
	return 0;
}

static int
vti_setlink(struct nl_sock *s, struct nl_sock *t, const char *name,
    uint32_t ifindex, uint32_t mtu, bool disable_policy)
{
	_Alignas(8) uint8_t buf[VTI_REQ_SIZE];
	int rc;

	rc = vti_setlink_msg_build(buf, sizeof(buf), ifindex, mtu,
	    disable_policy, false, -1);
	if (rc == 0)
		rc = nl_sock_request(t, (struct nlmsghdr *)(void *)buf, NULL,
		    NULL);
	if (rc < 0)
		return nl_sock_fail(s, rc, nl_sock_extack(t),
		    "%s: set%s%s", name, mtu != 0 ? " mtu" : "",
		    disable_policy ? " disable_policy" : "");
	return 0;
}

static int
vti_updown(struct nl_sock *s, struct nl_sock *t, const char *name,
    uint32_t ifindex, bool up)
{
	_Alignas(8) uint8_t buf[VTI_REQ_SIZE];
	int rc;

	rc = vti_updown_msg_build(buf, sizeof(buf), ifindex, up);
	if (rc == 0)
		rc = nl_sock_request(t, (struct nlmsghdr *)(void *)buf, NULL,
		    NULL);
	if (rc < 0)
		return nl_sock_fail(s, rc, nl_sock_extack(t), "%s: set %s",
		    name, up ? "up" : "down");
	return 0;
}

int
vti_link_configure_in(struct nl_sock *s, struct nl_sock *t,
    const struct vti_link *cfg)
{
	struct vti_link_state st;
	uint32_t mtu;
	int rc;

	rc = vti_link_lookup(t, cfg->name, &st);
	if (rc < 0)
		return nl_sock_fail(s, rc, nl_sock_extack(t), "%s: look up",
		    cfg->name);
	/* MTU first: IPv6 addresses need the device at 1280 or more. */
	mtu = cfg->mtu != st.mtu ? cfg->mtu : 0;
	if ((mtu != 0 || cfg->disable_policy) &&
	    (rc = vti_setlink(s, t, cfg->name, st.ifindex, mtu,
	    cfg->disable_policy)) < 0)
		return rc;
	if ((rc = vti_addrs_sync(s, t, cfg, st.ifindex)) < 0)
		return rc;
	if (st.up == cfg->down)
		return vti_updown(s, t, cfg->name, st.ifindex, !cfg->down);
	return 0;
}

int
vti_link_configure(struct nl_sock *s, const struct vti_link *cfg)
{
	struct vti_sock vs;
	int rc;

	if ((rc = vti_sock_enter(&vs, s, cfg->netns)) < 0)
		return rc;
	rc = vti_link_configure_in(s, vs.t, cfg);
	vti_sock_leave(&vs);
	return rc;
}

/* Device name in netns (NULL: the socket's) brought to mtu (0: as it is)
 * and up or down (-1: as it is), with a request only for what differs. */
static int
vti_link_adjust(struct nl_sock *s, const char *netns, const char *name,
    int up, uint32_t mtu)
{
	struct vti_link_state st;
	struct vti_sock vs;
	int rc;

	if ((rc = vti_sock_enter(&vs, s, netns)) < 0)
		return rc;
	rc = vti_link_lookup(vs.t, name, &st);
	if (rc < 0)
		nl_sock_fail(s, rc, nl_sock_extack(vs.t), "%s: look up", name);
	if (rc == 0 && mtu != 0 && st.mtu != mtu)
		rc = vti_setlink(s, vs.t, name, st.ifindex, mtu, false);
	if (rc == 0 && up >= 0 && st.up != (up != 0))
		rc = vti_updown(s, vs.t, name, st.ifindex, up != 0);
	vti_sock_leave(&vs);
	return rc;
}

int
vti_link_set_up(struct nl_sock *s, const char *netns, const char *name,
    bool up)
{
	return vti_link_adjust(s, netns, name, up, 0);
}

int
vti_link_set_mtu(struct nl_sock *s, const char *netns, const char *name,
    uint32_t mtu)
{
	return vti_link_adjust(s, netns, name, -1, mtu);
}
