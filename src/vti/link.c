/* vti/vti6 devices, and xfrm ones through xfrmi.c: create, adopt, move,
 * read back, delete. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <net/if.h>	/* before the <linux/...> ones */
#include <linux/if_link.h>
#include <linux/if_tunnel.h>
#include <linux/rtnetlink.h>

#include "vti/priv.h"

_Static_assert(VTI_IFNAMSIZ == IFNAMSIZ, "VTI_IFNAMSIZ");

static const struct nl_attr_rule vti_ifla_rules[IFLA_MAX + 1] = {
	[IFLA_IFNAME]		= { 1, IFNAMSIZ },
	[IFLA_MTU]		= { 4, 4 },
	[IFLA_LINK_NETNSID]	= { 4, 4 },
};

static const struct nl_attr_rule vti_info_rules[IFLA_INFO_MAX + 1] = {
	[IFLA_INFO_KIND]	= { 1, 0 },
};

static const struct nl_attr_rule vti_data_rules[IFLA_VTI_MAX + 1] = {
	[IFLA_VTI_LINK]		= { 4, 4 },
	[IFLA_VTI_IKEY]		= { 4, 4 },
	[IFLA_VTI_OKEY]		= { 4, 4 },
	[IFLA_VTI_LOCAL]	= { 4, 16 },	/* by kind: checked below */
	[IFLA_VTI_REMOTE]	= { 4, 16 },
	[IFLA_VTI_FWMARK]	= { 4, 4 },
};

const char *
vti_kind(uint16_t family)
{
	return family == AF_INET ? "vti" : family == AF_INET6 ? "vti6" : "?";
}

static uint16_t
vti_kind_family(const char *kind)
{
	if (strcmp(kind, "vti") == 0)
		return AF_INET;
	if (strcmp(kind, "vti6") == 0)
		return AF_INET6;
	return 0;
}

const char *
vti_link_kind(const struct vti_link *cfg)
{
	return cfg->type == VTI_TYPE_XFRM ? "xfrm" : vti_kind(cfg->family);
}

/* dev_valid_name(): 1..15 bytes, not "." or "..", no '/', ':' or space. */
bool
vti_ifname_ok(const char *name)
{
	size_t len = strnlen(name, IFNAMSIZ), i;

	if (len == 0 || len >= IFNAMSIZ || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return false;
	for (i = 0; i < len; i++)
		if (name[i] == '/' || name[i] == ':' ||
		    name[i] == ' ' || (name[i] >= '\t' && name[i] <= '\r'))
			return false;
	return true;
}

/* What both types check: the names, the addresses. */
bool
vti_addrs_ok(const struct vti_link *cfg, const char **why)
{
	size_t i;

	if (!vti_ifname_ok(cfg->name)) {
		*why = "device name must be 1-15 bytes without '/', ':' or "
		    "spaces";
		return false;
	}
	if (cfg->link[0] != '\0' && !vti_ifname_ok(cfg->link)) {
		*why = "link device name is invalid";
		return false;
	}
	if (cfg->n_addrs > VTI_ADDRS_MAX) {
		*why = "too many addresses";
		return false;
	}
	for (i = 0; i < cfg->n_addrs; i++)
		if (!nl_prefix_valid(&cfg->addrs[i])) {
			*why = "an address is not a valid prefix";
			return false;
		}
	return true;
}

int
vti_link_check(const struct vti_link *cfg, const char **why)
{
	*why = NULL;
	if (cfg->type == VTI_TYPE_XFRM)
		return xfrmi_link_check(cfg, why);
	if (!vti_addrs_ok(cfg, why))
		return -EINVAL;
	if (cfg->family != AF_INET && cfg->family != AF_INET6) {
		*why = "outer family must be IPv4 (vti) or IPv6 (vti6)";
		return -EINVAL;
	}
	/* Without both endpoints the device matches any peer, and a second
	 * tunnel with the same keys would collide with it. */
	if (cfg->local.family != cfg->family ||
	    cfg->remote.family != cfg->family) {
		*why = "local and remote must be set, of the outer family";
		return -EINVAL;
	}
	return 0;
}

struct nlattr *
vti_newlink_start(struct nl_msg *m, void *buf, size_t cap, const char *name,
    const char *kind, struct nlattr **info)
{
	struct ifinfomsg *ifi;

	nl_msg_init(m, buf, cap, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	ifi = nl_msg_put_header(m, sizeof(*ifi));
	if (ifi != NULL)
		ifi->ifi_family = AF_UNSPEC;
	nl_msg_put_str(m, IFLA_IFNAME, name);
	*info = nl_msg_nest_start(m, IFLA_LINKINFO);
	nl_msg_put_str(m, IFLA_INFO_KIND, kind);
	return nl_msg_nest_start(m, IFLA_INFO_DATA);
}

int
vti_newlink_end(struct nl_msg *m, struct nlattr *info, struct nlattr *data,
    const char **why)
{
	nl_msg_nest_end(m, data);
	nl_msg_nest_end(m, info);
	if (!nl_msg_ok(m)) {
		*why = "message too large";
		return -EMSGSIZE;
	}
	return 0;
}

int
vti_link_msg_build(void *buf, size_t cap, const struct vti_link *cfg,
    uint32_t link_ifindex, const char **why)
{
	struct nlattr *info, *data;
	struct nl_msg m;
	int rc;

	if (cfg->type == VTI_TYPE_XFRM)
		return xfrmi_link_msg_build(buf, cap, cfg, link_ifindex, why);
	if ((rc = vti_link_check(cfg, why)) < 0)
		return rc;
	data = vti_newlink_start(&m, buf, cap, cfg->name, vti_kind(cfg->family),
	    &info);
	if (link_ifindex != 0)
		nl_msg_put_u32(&m, IFLA_VTI_LINK, link_ifindex);
	/* Keys are __be32 in the kernel (parms.i_key); it marks packets
	 * with be32_to_cpu(key), so "key 5" is htonl(5) on the wire. */
	nl_msg_put_u32(&m, IFLA_VTI_IKEY, htonl(cfg->ikey));
	nl_msg_put_u32(&m, IFLA_VTI_OKEY, htonl(cfg->okey));
	nl_msg_put(&m, IFLA_VTI_LOCAL, nl_addr_len(&cfg->local),
	    cfg->local.u.raw);
	nl_msg_put(&m, IFLA_VTI_REMOTE, nl_addr_len(&cfg->remote),
	    cfg->remote.u.raw);
	return vti_newlink_end(&m, info, data, why);
}

static int
vti_addr_attr(struct nl_addr *a, uint16_t family, const struct nlattr *attr)
{
	memset(a, 0, sizeof(*a));
	a->family = family;
	if (nl_attr_len(attr) != nl_addr_len(a))
		return -EBADMSG;
	memcpy(a->u.raw, nl_attr_data(attr), nl_addr_len(a));
	return 0;
}

static int
vti_info_decode(const struct nlattr *linkinfo, struct vti_link_state *st)
{
	const struct nlattr *info[IFLA_INFO_MAX + 1];
	const struct nlattr *data[IFLA_VTI_MAX + 1];

	if (nl_attr_parse(nl_attr_data(linkinfo), nl_attr_len(linkinfo),
	    vti_info_rules, IFLA_INFO_MAX, info) < 0)
		return -EBADMSG;
	if (info[IFLA_INFO_KIND] == NULL)
		return 0;
	nl_attr_get_str(info[IFLA_INFO_KIND], st->kind, sizeof(st->kind));
	st->family = vti_kind_family(st->kind);
	st->xfrm = strcmp(st->kind, "xfrm") == 0;
	if (st->xfrm && info[IFLA_INFO_DATA] != NULL)
		return xfrmi_info_decode(info[IFLA_INFO_DATA], st);
	if (st->family == 0 || info[IFLA_INFO_DATA] == NULL)
		return 0;
	if (nl_attr_parse(nl_attr_data(info[IFLA_INFO_DATA]),
	    nl_attr_len(info[IFLA_INFO_DATA]), vti_data_rules, IFLA_VTI_MAX,
	    data) < 0)
		return -EBADMSG;
	if (data[IFLA_VTI_LINK] != NULL)
		st->link_ifindex = nl_attr_get_u32(data[IFLA_VTI_LINK]);
	if (data[IFLA_VTI_IKEY] != NULL)
		st->ikey = ntohl(nl_attr_get_u32(data[IFLA_VTI_IKEY]));
	if (data[IFLA_VTI_OKEY] != NULL)
		st->okey = ntohl(nl_attr_get_u32(data[IFLA_VTI_OKEY]));
	if ((data[IFLA_VTI_LOCAL] != NULL &&
	    vti_addr_attr(&st->local, st->family, data[IFLA_VTI_LOCAL]) < 0) ||
	    (data[IFLA_VTI_REMOTE] != NULL &&
	    vti_addr_attr(&st->remote, st->family, data[IFLA_VTI_REMOTE]) < 0))
		return -EBADMSG;
	return 0;
}

int
vti_link_state_decode(const void *buf, size_t len, struct vti_link_state *st)
{
	const struct nlattr *tb[IFLA_MAX + 1];
	struct ifinfomsg ifi;
	struct nlmsghdr hdr;
	int rc;

	memset(st, 0, sizeof(*st));
	if ((rc = nl_msg_check(buf, len, &hdr)) < 0)
		return rc;
	if (hdr.nlmsg_type != RTM_NEWLINK)
		return -ENOMSG;
	rc = nl_msg_parse(buf, len, &ifi, sizeof(ifi), vti_ifla_rules,
	    IFLA_MAX, tb);
	if (rc < 0)
		return rc;
	if (ifi.ifi_index <= 0 || tb[IFLA_IFNAME] == NULL)
		return -EBADMSG;
	st->ifindex = (uint32_t)ifi.ifi_index;
	st->up = (ifi.ifi_flags & IFF_UP) != 0;
	nl_attr_get_str(tb[IFLA_IFNAME], st->name, sizeof(st->name));
	if (tb[IFLA_MTU] != NULL)
		st->mtu = nl_attr_get_u32(tb[IFLA_MTU]);
	st->link_netns_other = tb[IFLA_LINK_NETNSID] != NULL;
	if (tb[IFLA_LINKINFO] != NULL &&
	    vti_info_decode(tb[IFLA_LINKINFO], st) < 0) {
		memset(st, 0, sizeof(*st));
		return -EBADMSG;
	}
	return 0;
}

void
vti_diff_add(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strnlen(buf, len);
	va_list ap;

	if (used + 1 >= len)
		return;
	if (used > 0) {
		snprintf(buf + used, len - used, "; ");
		used = strnlen(buf, len);
	}
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

int
vti_link_diff(const struct vti_link *cfg, uint32_t link_ifindex,
    const struct vti_link_state *st, char *buf, size_t len)
{
	char a[NL_ADDRSTRLEN], b[NL_ADDRSTRLEN];

	if (cfg->type == VTI_TYPE_XFRM)
		return xfrmi_link_diff(cfg, link_ifindex, st, buf, len);
	if (len == 0)
		return st->family != cfg->family;
	buf[0] = '\0';
	if (st->family != cfg->family) {
		vti_diff_add(buf, len, "kind %s, config says %s",
		    st->kind[0] != '\0' ? st->kind : "(none)",
		    vti_kind(cfg->family));
		return 1;	/* the rest is meaningless across kinds */
	}
	if (st->ikey != cfg->ikey)
		vti_diff_add(buf, len, "ikey %u, config says %u", st->ikey,
		    cfg->ikey);
	if (st->okey != cfg->okey)
		vti_diff_add(buf, len, "okey %u, config says %u", st->okey,
		    cfg->okey);
	if (!nl_addr_eq(&st->local, &cfg->local))
		vti_diff_add(buf, len, "local %s, config says %s",
		    nl_addr_str(&st->local, a, sizeof(a)),
		    nl_addr_str(&cfg->local, b, sizeof(b)));
	if (!nl_addr_eq(&st->remote, &cfg->remote))
		vti_diff_add(buf, len, "remote %s, config says %s",
		    nl_addr_str(&st->remote, a, sizeof(a)),
		    nl_addr_str(&cfg->remote, b, sizeof(b)));
	if (st->link_ifindex != link_ifindex)
		vti_diff_add(buf, len, "link ifindex %u, config says %u (%s)",
		    st->link_ifindex, link_ifindex,
		    cfg->link[0] != '\0' ? cfg->link : "none");
	return buf[0] != '\0';
}

static int
vti_link_reply_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct vti_link_state *st = arg;
	int rc;

	rc = vti_link_state_decode(nlh, nlh->nlmsg_len, st);
	return rc == -ENOMSG ? 0 : rc;
}

int
vti_link_lookup(struct nl_sock *t, const char *name, struct vti_link_state *st)
{
	_Alignas(8) uint8_t buf[VTI_REQ_SIZE];
	struct ifinfomsg *ifi;
	struct nl_msg m;
	int rc;

	memset(st, 0, sizeof(*st));
	if (!vti_ifname_ok(name))
		return -EINVAL;
	nl_msg_init(&m, buf, sizeof(buf), RTM_GETLINK, 0);
	ifi = nl_msg_put_header(&m, sizeof(*ifi));
	if (ifi != NULL)
		ifi->ifi_family = AF_UNSPEC;
	nl_msg_put_str(&m, IFLA_IFNAME, name);
	if (!nl_msg_ok(&m))
		return -EMSGSIZE;
	rc = nl_sock_request(t, m.nlh, vti_link_reply_cb, st);
	if (rc == 0 && st->ifindex == 0)
		rc = -EPROTO;	/* acknowledged without the link */
	return rc;
}

int
vti_sock_enter(struct vti_sock *vs, struct nl_sock *s, const char *netns)
{
	int rc;

	vs->s = s;
	vs->t = s;
	vs->opened = false;
	if (netns == NULL || netns[0] == '\0')
		return 0;
	rc = nl_sock_open(&vs->tmp, NETLINK_ROUTE, netns, false);
	if (rc < 0)
		return nl_sock_fail(s, rc, NULL, "vti: open netns %s", netns);
	vs->t = &vs->tmp;
	vs->opened = true;
	return 0;
}

void
vti_sock_leave(struct vti_sock *vs)
{
	if (vs->opened)
		nl_sock_close(&vs->tmp);
	vs->opened = false;
}

int
vti_link_get(struct nl_sock *s, const char *netns, const char *name,
    struct vti_link_state *st)
{
	struct vti_sock vs;
	int rc;

	memset(st, 0, sizeof(*st));
	if ((rc = vti_sock_enter(&vs, s, netns)) < 0)
		return rc;
	rc = vti_link_lookup(vs.t, name, st);
	if (rc < 0)
		nl_sock_fail(s, rc, nl_sock_extack(vs.t), "%s: get", name);
	vti_sock_leave(&vs);
	return rc;
}

static int
vti_link_del_index(struct nl_sock *t, uint32_t ifindex)
{
	_Alignas(8) uint8_t buf[VTI_REQ_SIZE];
	struct ifinfomsg *ifi;
	struct nl_msg m;

	nl_msg_init(&m, buf, sizeof(buf), RTM_DELLINK, 0);
	ifi = nl_msg_put_header(&m, sizeof(*ifi));
	if (ifi != NULL) {
		ifi->ifi_family = AF_UNSPEC;
		ifi->ifi_index = (int)ifindex;
	}
	if (!nl_msg_ok(&m))
		return -EMSGSIZE;
	return nl_sock_request(t, m.nlh, NULL, NULL);
}

int
vti_link_delete(struct nl_sock *s, const char *netns, const char *name)
{
	struct vti_link_state st;
	struct vti_sock vs;
	int rc;

	if ((rc = vti_sock_enter(&vs, s, netns)) < 0)
		return rc;
	rc = vti_link_lookup(vs.t, name, &st);
	if (rc < 0) {
		nl_sock_fail(s, rc, nl_sock_extack(vs.t), "%s: delete", name);
		goto done;
	}
	/* The name came from our config, but the device is not ours
	 * unless it is a VTI or an XFRM interface. */
	if (st.family == 0 && !st.xfrm) {
		rc = nl_sock_fail(s, -EINVAL, "",
		    "%s: is a %s device, not a VTI nor an XFRM interface: "
		    "not deleted", name,
		    st.kind[0] != '\0' ? st.kind : "kindless");
		goto done;
	}
	rc = vti_link_del_index(vs.t, st.ifindex);
	if (rc < 0)
		nl_sock_fail(s, rc, nl_sock_extack(vs.t), "%s: delete", name);
done:
	vti_sock_leave(&vs);
	return rc;
}

int
vti_link_remove(struct nl_sock *s, const struct vti_link *cfg)
{
	char diff[NL_ERR_MAX - 48];
	struct vti_link_state st, link;
	struct vti_sock vs;
	struct nl_sock *t;
	uint32_t link_ifindex = 0;
	int rc;

	if (cfg->link[0] != '\0' && vti_link_lookup(s, cfg->link, &link) == 0)
		link_ifindex = link.ifindex;
	if ((rc = vti_sock_enter(&vs, s, cfg->netns)) < 0)
		return rc;
	t = vs.t;
	rc = vti_link_lookup(t, cfg->name, &st);
	if (rc == -ENODEV && vs.opened) {
		t = s;
		rc = vti_link_lookup(t, cfg->name, &st);
	}
	if (rc < 0) {
		nl_sock_fail(s, rc, nl_sock_extack(t), "%s: delete", cfg->name);
		goto done;
	}
	if (vti_link_diff(cfg, link_ifindex, &st, diff, sizeof(diff)) != 0) {
		rc = nl_sock_fail(s, -EEXIST, "", "%s: not deleted, not the "
		    "configured device: exists with %s", cfg->name, diff);
		goto done;
	}
	rc = vti_link_del_index(t, st.ifindex);
	if (rc < 0)
		nl_sock_fail(s, rc, nl_sock_extack(t), "%s: delete", cfg->name);
done:
	vti_sock_leave(&vs);
	return rc;
}

/* May an existing device be adopted for cfg? moved: it was found in the
 * target namespace, so its tunnel must have been moved there. */
static int
vti_link_adoptable(struct nl_sock *s, const struct vti_link *cfg,
    uint32_t link_ifindex, const struct vti_link_state *st, bool moved)
{
	char diff[NL_ERR_MAX - 32];

	if (vti_link_diff(cfg, link_ifindex, st, diff, sizeof(diff)) != 0)
		return nl_sock_fail(s, -EEXIST, "", "%s: exists with %s",
		    cfg->name, diff);
	if (moved && !st->link_netns_other)
		return nl_sock_fail(s, -EEXIST, "",
		    "%s: exists in netns %s with its ESP side there too, "
		    "config says its ESP side is in vtid's namespace",
		    cfg->name, cfg->netns);
	return 0;
}

static int
vti_link_create(struct nl_sock *s, const struct vti_link *cfg,
    uint32_t link_ifindex, struct vti_link_state *st)
{
	_Alignas(8) uint8_t buf[VTI_REQ_SIZE];
	const char *why = NULL;
	int rc;

	rc = vti_link_msg_build(buf, sizeof(buf), cfg, link_ifindex, &why);
	if (rc == 0)
		rc = nl_sock_request(s, (struct nlmsghdr *)(void *)buf, NULL,
		    NULL);
	/* Under another name, a tunnel with the same endpoints: vti6_locate
	 * compares local and remote only, and ip_tunnel_find ignores the
	 * keys of a vti (no TUNNEL_KEY flag). Keys do not tell them apart. */
	if (rc == -EEXIST && why == NULL && nl_sock_extack(s)[0] == '\0')
		why = cfg->type == VTI_TYPE_XFRM ? "another XFRM interface "
		    "in vtid's namespace has this if_id" : "another tunnel "
		    "has the same local and remote; keys do not tell tunnels "
		    "apart";
	if (rc == 0)
		rc = vti_link_lookup(s, cfg->name, st);
	if (rc < 0)
		return nl_sock_fail(s, rc, why, "%s: create %s", cfg->name,
		    vti_link_kind(cfg));
	return 0;
}

static int
vti_link_move(struct nl_sock *s, const struct vti_link *cfg, uint32_t ifindex)
{
	_Alignas(8) uint8_t buf[VTI_REQ_SIZE];
	int fd, rc;

	fd = nl_netns_open(cfg->netns);
	if (fd < 0)
		return nl_sock_fail(s, fd, "", "%s: open netns %s", cfg->name,
		    cfg->netns);
	rc = vti_setlink_msg_build(buf, sizeof(buf), ifindex, 0, false, false,
	    fd);
	if (rc == 0)
		rc = nl_sock_request(s, (struct nlmsghdr *)(void *)buf, NULL,
		    NULL);
	close(fd);
	if (rc < 0)
		return nl_sock_fail(s, rc, NULL, "%s: move to netns %s",
		    cfg->name, cfg->netns);
	return 0;
}

int
vti_link_setup(struct nl_sock *s, const struct vti_link *cfg, bool *created)
{
	struct vti_link_state st, link;
	struct vti_sock vs = { .opened = false };
	const char *why = NULL;
	uint32_t link_ifindex = 0;
	bool other_ns = cfg->netns != NULL && cfg->netns[0] != '\0';
	bool made = false, moved = false;
	int rc;

	if (created != NULL)
		*created = false;
	if ((rc = vti_link_check(cfg, &why)) < 0)
		return nl_sock_fail(s, rc, why, "%s: config",
		    vti_ifname_ok(cfg->name) ? cfg->name : "vti");
	if (cfg->link[0] != '\0') {
		rc = vti_link_lookup(s, cfg->link, &link);
		if (rc < 0) {
			nl_sock_fail(s, rc, NULL, "%s: link device %s",
			    cfg->name, cfg->link);
			goto done;
		}
		link_ifindex = link.ifindex;
	}
	if ((rc = vti_sock_enter(&vs, s, cfg->netns)) < 0)
		goto done;

	rc = vti_link_lookup(vs.t, cfg->name, &st);
	if (rc == 0) {
		rc = vti_link_adoptable(s, cfg, link_ifindex, &st, other_ns);
		goto configure;
	}
	if (rc != -ENODEV) {
		nl_sock_fail(s, rc, nl_sock_extack(vs.t), "%s: look up",
		    cfg->name);
		goto done;
	}
	/* Not in the target namespace: perhaps left in ours by a setup
	 * that stopped before moving it. */
	rc = other_ns ? vti_link_lookup(s, cfg->name, &st) : -ENODEV;
	if (rc == 0)
		rc = vti_link_adoptable(s, cfg, link_ifindex, &st, false);
	else if (rc == -ENODEV) {
		rc = vti_link_create(s, cfg, link_ifindex, &st);
		made = rc == 0;
	} else
		nl_sock_fail(s, rc, NULL, "%s: look up", cfg->name);
	if (rc == 0 && other_ns) {
		rc = vti_link_move(s, cfg, st.ifindex);
		moved = rc == 0;
	}
configure:
	if (rc == 0)
		rc = vti_link_configure_in(s, vs.t, cfg);
	if (rc < 0 && made) {
		/* Leave nothing half-made behind; keep the first error. */
		char err[NL_ERR_MAX];

		memcpy(err, s->err, sizeof(err));
		if (vti_link_lookup(moved ? vs.t : s, cfg->name, &st) == 0)
			(void)vti_link_del_index(moved ? vs.t : s, st.ifindex);
		memcpy(s->err, err, sizeof(err));
	}
done:
	vti_sock_leave(&vs);
	if (rc == 0 && created != NULL)
		*created = made;
	return rc;
}
