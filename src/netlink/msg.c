/* Netlink message building into bounded caller memory, and strict
 * attribute parsing from a declared table of lengths. */
#include <errno.h>
#include <string.h>
#include <libmnl/libmnl.h>

#include "netlink/netlink.h"

void
nl_msg_init(struct nl_msg *m, void *buf, size_t cap, uint16_t type,
    uint16_t flags)
{
	m->nlh = buf;
	m->cap = cap;
	m->err = buf == NULL || cap < NLMSG_HDRLEN || cap > NL_BUF_SIZE;
	if (m->err)
		return;
	m->nlh = mnl_nlmsg_put_header(buf);
	m->nlh->nlmsg_type = type;
	m->nlh->nlmsg_flags = flags;
}

bool
nl_msg_ok(const struct nl_msg *m)
{
	return !m->err;
}

/* Room for n more (aligned) bytes? Sets err if not. */
static bool
nl_msg_room(struct nl_msg *m, size_t n)
{
	if (m->err || n > m->cap || m->nlh->nlmsg_len > m->cap - n)
		m->err = true;
	return !m->err;
}

void *
nl_msg_put_header(struct nl_msg *m, size_t len)
{
	if (!nl_msg_room(m, MNL_ALIGN(len)))
		return NULL;
	return mnl_nlmsg_put_extra_header(m->nlh, len);	/* zeroed */
}

void *
nl_msg_reserve(struct nl_msg *m, uint16_t type, size_t len)
{
	struct nlattr *a;

	if (len > UINT16_MAX - MNL_ATTR_HDRLEN) {
		m->err = true;
		return NULL;
	}
	if (!nl_msg_room(m, MNL_ATTR_HDRLEN + MNL_ALIGN(len)))
		return NULL;
	a = mnl_nlmsg_get_payload_tail(m->nlh);
	a->nla_type = type;
	a->nla_len = (uint16_t)(MNL_ATTR_HDRLEN + len);
	memset(mnl_attr_get_payload(a), 0, MNL_ALIGN(len));
	m->nlh->nlmsg_len += MNL_ALIGN(a->nla_len);
	return mnl_attr_get_payload(a);
}

void
nl_msg_put(struct nl_msg *m, uint16_t type, size_t len, const void *data)
{
	void *p = nl_msg_reserve(m, type, len);

	if (p != NULL && len > 0)
		memcpy(p, data, len);
}

void
nl_msg_put_u8(struct nl_msg *m, uint16_t type, uint8_t v)
{
	nl_msg_put(m, type, sizeof(v), &v);
}

void
nl_msg_put_u32(struct nl_msg *m, uint16_t type, uint32_t v)
{
	nl_msg_put(m, type, sizeof(v), &v);
}

void
nl_msg_put_str(struct nl_msg *m, uint16_t type, const char *s)
{
	nl_msg_put(m, type, strlen(s) + 1, s);
}

struct nlattr *
nl_msg_nest_start(struct nl_msg *m, uint16_t type)
{
	struct nlattr *a;

	if (!nl_msg_room(m, MNL_ATTR_HDRLEN))
		return NULL;
	a = mnl_nlmsg_get_payload_tail(m->nlh);
	(void)nl_msg_reserve(m, type | NLA_F_NESTED, 0);
	return a;
}

void
nl_msg_nest_end(struct nl_msg *m, struct nlattr *a)
{
	size_t len;

	if (m->err || a == NULL)
		return;
	len = (size_t)((uint8_t *)mnl_nlmsg_get_payload_tail(m->nlh) -
	    (uint8_t *)a);
	if (len > UINT16_MAX) {
		m->err = true;
		return;
	}
	a->nla_len = (uint16_t)len;
}

int
nl_attr_parse(const void *data, size_t len, const struct nl_attr_rule *rules,
    uint16_t maxtype, const struct nlattr **tb)
{
	const uint8_t *p = data;
	struct nlattr a;
	size_t off = 0, plen, step;
	uint16_t type;

	memset(tb, 0, ((size_t)maxtype + 1) * sizeof(*tb));
	while (off < len) {
		if (len - off < sizeof(a))
			return -EBADMSG;	/* trailing bytes */
		memcpy(&a, p + off, sizeof(a));
		if (a.nla_len < NLA_HDRLEN || a.nla_len > len - off)
			return -EBADMSG;
		type = a.nla_type & NLA_TYPE_MASK;
		plen = a.nla_len - NLA_HDRLEN;
		if (type <= maxtype) {
			if (tb[type] != NULL)
				return -EBADMSG;	/* repeated */
			if (plen < rules[type].min ||
			    (rules[type].max != 0 && plen > rules[type].max))
				return -EBADMSG;
			tb[type] = (const struct nlattr *)(const void *)(p + off);
		}
		/* The last attribute's padding may be missing. */
		step = NLA_ALIGN(a.nla_len);
		off += step < len - off ? step : len - off;
	}
	return 0;
}

int
nl_msg_check(const void *buf, size_t len, struct nlmsghdr *hdr)
{
	if (buf == NULL || len < sizeof(*hdr))
		return -EBADMSG;
	memcpy(hdr, buf, sizeof(*hdr));
	if (hdr->nlmsg_len < NLMSG_HDRLEN || hdr->nlmsg_len > len)
		return -EBADMSG;
	return 0;
}

int
nl_msg_parse(const void *buf, size_t len, void *fixed, size_t fixedlen,
    const struct nl_attr_rule *rules, uint16_t maxtype,
    const struct nlattr **tb)
{
	const uint8_t *p = buf;
	struct nlmsghdr hdr;
	size_t plen, aoff;
	int rc;

	if ((rc = nl_msg_check(buf, len, &hdr)) < 0)
		return rc;
	plen = hdr.nlmsg_len - NLMSG_HDRLEN;
	if (plen < fixedlen)
		return -EBADMSG;
	memcpy(fixed, p + NLMSG_HDRLEN, fixedlen);
	/* Attributes start after the aligned fixed header; a message that
	 * ends exactly after an unaligned header simply has none. */
	aoff = NLMSG_ALIGN(fixedlen);
	if (aoff > plen) {
		if (plen != fixedlen)
			return -EBADMSG;
		aoff = plen;
	}
	return nl_attr_parse(p + NLMSG_HDRLEN + aoff, plen - aoff, rules,
	    maxtype, tb);
}

const void *
nl_attr_data(const struct nlattr *a)
{
	return (const uint8_t *)a + NLA_HDRLEN;
}

size_t
nl_attr_len(const struct nlattr *a)
{
	struct nlattr h;

	memcpy(&h, a, sizeof(h));
	return h.nla_len - NLA_HDRLEN;
}

uint32_t
nl_attr_get_u32(const struct nlattr *a)
{
	uint32_t v = 0;

	if (nl_attr_len(a) >= sizeof(v))
		memcpy(&v, nl_attr_data(a), sizeof(v));
	return v;
}

void
nl_attr_get_str(const struct nlattr *a, char *dst, size_t size)
{
	const char *src = nl_attr_data(a);
	size_t n = nl_attr_len(a);
	const char *nul = memchr(src, '\0', n);

	if (size == 0)
		return;
	if (nul != NULL)
		n = (size_t)(nul - src);
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}
