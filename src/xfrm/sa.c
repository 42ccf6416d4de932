/* ESP SAs in tunnel mode: NEWSA/UPDSA/DELSA/GETSA and ALLOCSPI. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/udp.h>
#include <openssl/crypto.h>

#include "xfrm/priv.h"

/* RFC 4868 2.1.1 and 2.3: the HMAC key is the hash size, the ICV is
 * truncated to half of it. The kernel's default truncation for
 * hmac(sha256) is 96 bits (pre-RFC 4868 drafts), so the truncation is
 * always sent explicitly with XFRMA_ALG_AUTH_TRUNC. */
static const struct {
	enum xfrm_integ	 id;
	const char	*name;
	size_t		 key_len;
	unsigned int	 trunc_bits;
} xfrm_integ_algs[] = {
	{ XFRM_INTEG_HMAC_SHA2_256_128, "hmac(sha256)", 32, 128 },
	{ XFRM_INTEG_HMAC_SHA2_384_192, "hmac(sha384)", 48, 192 },
	{ XFRM_INTEG_HMAC_SHA2_512_256, "hmac(sha512)", 64, 256 },
};

/* RFC 4106: 16-octet ICV ("AES-GCM-16"); keys are AES-128/192/256 plus
 * the 4-octet salt the kernel's rfc4106 template takes at the key's end. */
#define XFRM_GCM_NAME		"rfc4106(gcm(aes))"
#define XFRM_GCM_ICV_BITS	128
#define XFRM_CBC_NAME		"cbc(aes)"

/* The legacy replay bitmap (xfrm_usersa_info.replay_window) is 32 bits;
 * wider windows, and ESN, need XFRMA_REPLAY_ESN_VAL. */
#define XFRM_LEGACY_REPLAY_MAX	32

static bool
xfrm_aes_key_len_ok(size_t len)
{
	return len == 16 || len == 24 || len == 32;
}

static int
xfrm_sa_check(const struct xfrm_sa *sa, const char **why)
{
	size_t i;

	if (!xfrm_family_ok(sa->src.family) ||
	    sa->src.family != sa->dst.family) {
		*why = "outer addresses must be both IPv4 or both IPv6";
		return -EINVAL;
	}
	if (sa->spi < 256) {
		*why = "SPI 0-255 is reserved (RFC 4303 2.1)";
		return -EINVAL;
	}
	if (sa->inner_family != AF_UNSPEC && !xfrm_family_ok(sa->inner_family)) {
		*why = "inner family must be unspecified, IPv4 or IPv6";
		return -EINVAL;
	}
	/* A soft limit past the hard one would never ask for a rekey. */
	if ((sa->lifetime.hard_bytes != 0 &&
	    sa->lifetime.soft_bytes > sa->lifetime.hard_bytes) ||
	    (sa->lifetime.hard_packets != 0 &&
	    sa->lifetime.soft_packets > sa->lifetime.hard_packets) ||
	    (sa->lifetime.hard_seconds != 0 &&
	    sa->lifetime.soft_seconds > sa->lifetime.hard_seconds)) {
		*why = "a soft lifetime is above its hard one";
		return -EINVAL;
	}
	if (sa->replay_window > XFRM_REPLAY_MAX) {
		*why = "replay window above 4096 packets";
		return -EINVAL;
	}
	if (sa->encap && (sa->encap_sport == 0 || sa->encap_dport == 0)) {
		*why = "ESP in UDP needs both ports";
		return -EINVAL;
	}
	switch (sa->encr) {
	case XFRM_ENCR_AES_GCM_16:
		if (sa->encr_key_len < XFRM_GCM_SALT_LEN ||
		    !xfrm_aes_key_len_ok(sa->encr_key_len - XFRM_GCM_SALT_LEN)) {
			*why = "AES-GCM key must be 16, 24 or 32 bytes plus a "
			    "4-byte salt";
			return -EINVAL;
		}
		if (sa->integ != XFRM_INTEG_NONE) {
			*why = "AES-GCM takes no integrity algorithm";
			return -EINVAL;
		}
		return 0;
	case XFRM_ENCR_AES_CBC:
		if (!xfrm_aes_key_len_ok(sa->encr_key_len)) {
			*why = "AES-CBC key must be 16, 24 or 32 bytes";
			return -EINVAL;
		}
		for (i = 0; i < sizeof(xfrm_integ_algs) /
		    sizeof(xfrm_integ_algs[0]); i++)
			if (xfrm_integ_algs[i].id == sa->integ) {
				if (sa->integ_key_len !=
				    xfrm_integ_algs[i].key_len) {
					*why = "HMAC-SHA2 key must be the hash "
					    "size (RFC 4868 2.1.1)";
					return -EINVAL;
				}
				return 0;
			}
		/* RFC 8221 5: ESP encryption without integrity MUST NOT. */
		*why = "AES-CBC needs an HMAC-SHA2 integrity algorithm";
		return -EINVAL;
	case XFRM_ENCR_NONE:
	default:
		*why = "unknown encryption algorithm";
		return -EINVAL;
	}
}

static uint64_t
xfrm_limit(uint64_t v)
{
	return v != 0 ? v : XFRM_INF;
}

/* Algorithm attribute: fixed header then the key bytes. */
static void
xfrm_alg_put(struct nl_msg *m, uint16_t type, const void *hdr, size_t hdrlen,
    const uint8_t *key, size_t keylen)
{
	uint8_t *p = nl_msg_reserve(m, type, hdrlen + keylen);

	if (p == NULL)
		return;
	memcpy(p, hdr, hdrlen);
	memcpy(p + hdrlen, key, keylen);
}

static void
xfrm_sa_algs_put(struct nl_msg *m, const struct xfrm_sa *sa)
{
	struct xfrm_algo_aead aead;
	struct xfrm_algo crypt;
	struct xfrm_algo_auth auth;
	size_t i;

	if (sa->encr == XFRM_ENCR_AES_GCM_16) {
		memset(&aead, 0, sizeof(aead));
		strcpy(aead.alg_name, XFRM_GCM_NAME);
		aead.alg_key_len = (unsigned int)sa->encr_key_len * 8;
		aead.alg_icv_len = XFRM_GCM_ICV_BITS;
		xfrm_alg_put(m, XFRMA_ALG_AEAD, &aead, sizeof(aead),
		    sa->encr_key, sa->encr_key_len);
		return;
	}
	memset(&crypt, 0, sizeof(crypt));
	strcpy(crypt.alg_name, XFRM_CBC_NAME);
	crypt.alg_key_len = (unsigned int)sa->encr_key_len * 8;
	xfrm_alg_put(m, XFRMA_ALG_CRYPT, &crypt, sizeof(crypt), sa->encr_key,
	    sa->encr_key_len);
	for (i = 0; i < sizeof(xfrm_integ_algs) / sizeof(xfrm_integ_algs[0]);
	    i++) {
		if (xfrm_integ_algs[i].id != sa->integ)
			continue;
		memset(&auth, 0, sizeof(auth));
		strcpy(auth.alg_name, xfrm_integ_algs[i].name);
		auth.alg_key_len = (unsigned int)sa->integ_key_len * 8;
		auth.alg_trunc_len = xfrm_integ_algs[i].trunc_bits;
		xfrm_alg_put(m, XFRMA_ALG_AUTH_TRUNC, &auth, sizeof(auth),
		    sa->integ_key, sa->integ_key_len);
	}
}

int
xfrm_sa_msg_build(void *buf, size_t cap, uint16_t type,
    const struct xfrm_sa *sa, const char **why)
{
	struct xfrm_usersa_info info;
	struct xfrm_replay_state_esn esn;
	struct nl_msg m;
	uint8_t *p;
	size_t bmp_len;
	int rc;

	*why = NULL;
	if (type != XFRM_MSG_NEWSA && type != XFRM_MSG_UPDSA) {
		*why = "not an SA message type";
		return -EINVAL;
	}
	if ((rc = xfrm_sa_check(sa, why)) < 0)
		return rc;

	memset(&info, 0, sizeof(info));
	xfrm_addr_put(&info.id.daddr, &sa->dst);
	info.id.spi = htonl(sa->spi);
	info.id.proto = IPPROTO_ESP;
	xfrm_addr_put(&info.saddr, &sa->src);
	info.family = sa->src.family;
	info.mode = XFRM_MODE_TUNNEL;
	info.reqid = sa->reqid;
	info.lft.soft_byte_limit = xfrm_limit(sa->lifetime.soft_bytes);
	info.lft.hard_byte_limit = xfrm_limit(sa->lifetime.hard_bytes);
	info.lft.soft_packet_limit = xfrm_limit(sa->lifetime.soft_packets);
	info.lft.hard_packet_limit = xfrm_limit(sa->lifetime.hard_packets);
	info.lft.soft_add_expires_seconds = sa->lifetime.soft_seconds;
	info.lft.hard_add_expires_seconds = sa->lifetime.hard_seconds;
	/* Tunnel mode with an empty selector: the policies decide what goes
	 * in. With XFRM_STATE_AF_UNSPEC the kernel leaves sel.family 0, so
	 * the SA matches inner flows of either family (copy_from_user_state
	 * would otherwise set sel.family to the outer one). */
	if (sa->inner_family == AF_UNSPEC)
		info.flags |= XFRM_STATE_AF_UNSPEC;
	else
		info.sel.family = sa->inner_family;
	if (sa->esn)
		info.flags |= XFRM_STATE_ESN;
	if (!sa->esn && sa->replay_window <= XFRM_LEGACY_REPLAY_MAX)
		info.replay_window = (uint8_t)sa->replay_window;

	xfrm_msg_start(&m, buf, cap, type, &info, sizeof(info));
	xfrm_sa_algs_put(&m, sa);
	if (sa->esn || sa->replay_window > XFRM_LEGACY_REPLAY_MAX) {
		/* The kernel wants replay_window 0 in the fixed header when
		 * this attribute is present (verify_replay). */
		bmp_len = (sa->replay_window + 31) / 32;
		memset(&esn, 0, sizeof(esn));
		esn.bmp_len = (unsigned int)bmp_len;
		esn.replay_window = sa->replay_window;
		p = nl_msg_reserve(&m, XFRMA_REPLAY_ESN_VAL,
		    sizeof(esn) + bmp_len * sizeof(uint32_t));
		if (p != NULL)
			memcpy(p, &esn, sizeof(esn));	/* bitmap: zeroed */
	}
	if (sa->encap) {
		struct xfrm_encap_tmpl *e;

		e = nl_msg_reserve(&m, XFRMA_ENCAP, sizeof(*e));
		if (e != NULL) {
			e->encap_type = UDP_ENCAP_ESPINUDP;
			e->encap_sport = htons(sa->encap_sport);
			e->encap_dport = htons(sa->encap_dport);
		}
	}
	xfrm_mark_put(&m, &sa->mark);
	xfrm_if_id_put(&m, sa->if_id);
	return xfrm_msg_end(&m, why);
}

int
xfrm_sa_id_msg_build(void *buf, size_t cap, uint16_t type,
    const struct xfrm_sa_id *id, const char **why)
{
	struct xfrm_usersa_id uid;
	struct nl_msg m;

	*why = NULL;
	if (type != XFRM_MSG_DELSA && type != XFRM_MSG_GETSA) {
		*why = "not an SA id message type";
		return -EINVAL;
	}
	if (!xfrm_family_ok(id->dst.family)) {
		*why = "destination must be IPv4 or IPv6";
		return -EINVAL;
	}
	memset(&uid, 0, sizeof(uid));
	xfrm_addr_put(&uid.daddr, &id->dst);
	uid.spi = htonl(id->spi);
	uid.family = id->dst.family;
	uid.proto = IPPROTO_ESP;
	xfrm_msg_start(&m, buf, cap, type, &uid, sizeof(uid));
	/* The kernel looks SAs up by (dst, spi, proto) and mark: without
	 * the mark a marked SA is "not found". */
	xfrm_mark_put(&m, &id->mark);
	return xfrm_msg_end(&m, why);
}

int
xfrm_spi_msg_build(void *buf, size_t cap, const struct xfrm_spi_req *req,
    const char **why)
{
	struct xfrm_userspi_info usi;
	struct nl_msg m;
	uint32_t min = req->min, max = req->max;

	*why = NULL;
	if (min == 0 && max == 0) {
		min = XFRM_SPI_MIN;
		max = XFRM_SPI_MAX;
	}
	if (!xfrm_family_ok(req->src.family) ||
	    req->src.family != req->dst.family) {
		*why = "addresses must be both IPv4 or both IPv6";
		return -EINVAL;
	}
	if (min < 256 || min > max) {
		*why = "SPI range must be within 256..0xffffffff and min <= max";
		return -EINVAL;
	}
	memset(&usi, 0, sizeof(usi));
	xfrm_addr_put(&usi.info.id.daddr, &req->dst);
	usi.info.id.proto = IPPROTO_ESP;
	xfrm_addr_put(&usi.info.saddr, &req->src);
	usi.info.family = req->src.family;
	usi.info.mode = XFRM_MODE_TUNNEL;
	usi.info.reqid = req->reqid;
	usi.min = min;
	usi.max = max;
	xfrm_msg_start(&m, buf, cap, XFRM_MSG_ALLOCSPI, &usi, sizeof(usi));
	xfrm_mark_put(&m, &req->mark);
	xfrm_if_id_put(&m, req->if_id);
	return xfrm_msg_end(&m, why);
}

int
xfrm_sa_msg_decode(const void *buf, size_t len, struct xfrm_sa_info *out)
{
	const struct nlattr *tb[XFRMA_MAX + 1];
	struct xfrm_usersa_info info;
	struct nlmsghdr hdr;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = nl_msg_check(buf, len, &hdr)) < 0)
		return rc;
	if (hdr.nlmsg_type != XFRM_MSG_NEWSA &&
	    hdr.nlmsg_type != XFRM_MSG_UPDSA)
		return -ENOMSG;
	rc = nl_msg_parse(buf, len, &info, sizeof(info), xfrm_attr_rules,
	    XFRMA_MAX, tb);
	if (rc == 0 && (xfrm_addr_get(&out->dst, info.family,
	    &info.id.daddr) < 0 ||
	    xfrm_addr_get(&out->src, info.family, &info.saddr) < 0))
		rc = -EBADMSG;
	if (rc == 0) {
		out->spi = ntohl(info.id.spi);
		out->proto = info.id.proto;
		out->mode = info.mode;
		out->reqid = info.reqid;
		out->bytes = info.curlft.bytes;
		out->packets = info.curlft.packets;
		out->add_time = info.curlft.add_time;
		out->use_time = info.curlft.use_time;
		out->replay_dropped = info.stats.replay;
		out->integrity_failed = info.stats.integrity_failed;
		xfrm_mark_get(&out->mark, tb[XFRMA_MARK]);
		out->if_id = xfrm_if_id_get(tb[XFRMA_IF_ID]);
		out->keyed = xfrm_keyed(tb);
	}
	return rc;
}

static int
xfrm_sa_send(struct nl_sock *s, uint16_t type, const struct xfrm_sa *sa,
    const char *verb)
{
	_Alignas(8) uint8_t buf[XFRM_REQ_SIZE];
	const char *why = NULL;
	int rc;

	rc = xfrm_sa_msg_build(buf, sizeof(buf), type, sa, &why);
	if (rc == 0)
		rc = nl_sock_request(s, (struct nlmsghdr *)(void *)buf, NULL,
		    NULL);
	nl_buf_wipe(buf, sizeof(buf));	/* it held the keys */
	if (rc < 0)
		return nl_sock_fail(s, rc, why, "xfrm: %s SA spi 0x%08x", verb,
		    sa->spi);
	return 0;
}

int
xfrm_sa_add(struct nl_sock *s, const struct xfrm_sa *sa)
{
	return xfrm_sa_send(s, XFRM_MSG_NEWSA, sa, "add");
}

int
xfrm_sa_update(struct nl_sock *s, const struct xfrm_sa *sa)
{
	return xfrm_sa_send(s, XFRM_MSG_UPDSA, sa, "update");
}

int
xfrm_sa_delete(struct nl_sock *s, const struct xfrm_sa_id *id)
{
	_Alignas(8) uint8_t buf[XFRM_REQ_SIZE];
	const char *why = NULL;
	int rc;

	rc = xfrm_sa_id_msg_build(buf, sizeof(buf), XFRM_MSG_DELSA, id, &why);
	if (rc == 0)
		rc = nl_sock_request(s, (struct nlmsghdr *)(void *)buf, NULL,
		    NULL);
	if (rc < 0)
		return nl_sock_fail(s, rc, why, "xfrm: delete SA spi 0x%08x",
		    id->spi);
	return 0;
}

struct xfrm_sa_reply {
	struct xfrm_sa_info	*info;
	bool			 seen;
};

static int
xfrm_sa_reply_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct xfrm_sa_reply *r = arg;
	int rc;

	rc = xfrm_sa_msg_decode(nlh, nlh->nlmsg_len, r->info);
	if (rc == -ENOMSG)
		return 0;
	if (rc == 0)
		r->seen = true;
	return rc;
}

int
xfrm_sa_get(struct nl_sock *s, const struct xfrm_sa_id *id,
    struct xfrm_sa_info *info)
{
	_Alignas(8) uint8_t buf[XFRM_REQ_SIZE];
	struct xfrm_sa_reply r = { info, false };
	const char *why = NULL;
	int rc;

	memset(info, 0, sizeof(*info));
	rc = xfrm_sa_id_msg_build(buf, sizeof(buf), XFRM_MSG_GETSA, id, &why);
	if (rc == 0)
		rc = nl_sock_request(s, (struct nlmsghdr *)(void *)buf,
		    xfrm_sa_reply_cb, &r);
	if (rc == 0 && !r.seen) {
		why = "the kernel acknowledged without the SA";
		rc = -EPROTO;
	}
	if (rc < 0)
		return nl_sock_fail(s, rc, why, "xfrm: get SA spi 0x%08x",
		    id->spi);
	return 0;
}

/* ---- ESP in UDP: new ports in place ---- */

/* UPDSA on a valid SA takes only its encapsulation and lifetimes from the
 * message (xfrm_state_update): SPI, keys, replay state and counters stay.
 * The kernel parses the message as a whole SA first, so it gets its own
 * copy back (GETSA), with these attributes and the new ports. */
static const uint16_t xfrm_encap_keep[] = {
	XFRMA_ALG_AEAD, XFRMA_ALG_CRYPT, XFRMA_ALG_AUTH, XFRMA_ALG_AUTH_TRUNC,
	XFRMA_REPLAY_VAL, XFRMA_REPLAY_ESN_VAL, XFRMA_MARK, XFRMA_IF_ID,
	XFRMA_SA_EXTRA_FLAGS, XFRMA_TFCPAD,
};

struct xfrm_encap_req {
	struct nl_msg	 m;
	void		*buf;
	size_t		 cap;
	uint16_t	 sport, dport;
	const char	*why;
	bool		 built;
};

static int
xfrm_encap_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct xfrm_encap_req *r = arg;
	const struct nlattr *tb[XFRMA_MAX + 1], *a;
	struct xfrm_usersa_info info;
	struct xfrm_encap_tmpl e;
	size_t i;
	int rc;

	if (nlh->nlmsg_type != XFRM_MSG_NEWSA || r->built)
		return 0;
	rc = nl_msg_parse(nlh, nlh->nlmsg_len, &info, sizeof(info),
	    xfrm_attr_rules, XFRMA_MAX, tb);
	if (rc < 0)
		return rc;
	a = tb[XFRMA_ENCAP];
	if (a == NULL || nl_attr_len(a) < sizeof(e)) {
		r->why = "the SA has no UDP encapsulation";
		return -EINVAL;
	}
	memcpy(&e, nl_attr_data(a), sizeof(e));
	e.encap_sport = htons(r->sport);
	e.encap_dport = htons(r->dport);
	xfrm_msg_start(&r->m, r->buf, r->cap, XFRM_MSG_UPDSA, &info,
	    sizeof(info));
	for (i = 0; i < sizeof(xfrm_encap_keep) / sizeof(xfrm_encap_keep[0]);
	    i++)
		if ((a = tb[xfrm_encap_keep[i]]) != NULL)
			nl_msg_put(&r->m, xfrm_encap_keep[i], nl_attr_len(a),
			    nl_attr_data(a));
	nl_msg_put(&r->m, XFRMA_ENCAP, sizeof(e), &e);
	r->built = true;
	return 0;
}

int
xfrm_sa_encap_move(struct nl_sock *s, const struct xfrm_sa_id *id,
    uint16_t sport, uint16_t dport)
{
	_Alignas(8) uint8_t q[XFRM_REQ_SIZE], buf[XFRM_REQ_SIZE];
	struct xfrm_encap_req r;
	const char *why = NULL;
	int rc;

	memset(&r, 0, sizeof(r));
	r.buf = buf;
	r.cap = sizeof(buf);
	r.sport = sport;
	r.dport = dport;
	rc = xfrm_sa_id_msg_build(q, sizeof(q), XFRM_MSG_GETSA, id, &why);
	if (rc == 0)
		rc = nl_sock_request(s, (struct nlmsghdr *)(void *)q,
		    xfrm_encap_cb, &r);
	if (rc == 0 && !r.built) {
		why = "the kernel acknowledged without the SA";
		rc = -EPROTO;
	}
	if (rc == 0 && !nl_msg_ok(&r.m)) {
		why = "message too large";
		rc = -EMSGSIZE;
	}
	if (rc == 0)
		rc = nl_sock_request(s, (struct nlmsghdr *)(void *)buf, NULL,
		    NULL);
	nl_buf_wipe(buf, sizeof(buf));	/* the kernel's copy held the keys */
	if (rc < 0)
		return nl_sock_fail(s, rc, r.why != NULL ? r.why : why,
		    "xfrm: move SA spi 0x%08x to UDP ports %u/%u", id->spi,
		    sport, dport);
	return 0;
}

int
xfrm_spi_alloc(struct nl_sock *s, const struct xfrm_spi_req *req,
    uint32_t *spi)
{
	_Alignas(8) uint8_t buf[XFRM_REQ_SIZE];
	struct xfrm_sa_info info;
	struct xfrm_sa_reply r = { &info, false };
	const char *why = NULL;
	int rc;

	*spi = 0;
	rc = xfrm_spi_msg_build(buf, sizeof(buf), req, &why);
	if (rc == 0)
		rc = nl_sock_request(s, (struct nlmsghdr *)(void *)buf,
		    xfrm_sa_reply_cb, &r);
	if (rc == 0 && !r.seen) {
		why = "the kernel acknowledged without the SA";
		rc = -EPROTO;
	}
	if (rc == 0 && (info.spi < (req->min ? req->min : XFRM_SPI_MIN) ||
	    info.spi > (req->max ? req->max : XFRM_SPI_MAX))) {
		why = "the kernel returned an SPI outside the range";
		rc = -EPROTO;
	}
	if (rc < 0)
		return nl_sock_fail(s, rc, why, "xfrm: allocate SPI reqid %u",
		    req->reqid);
	*spi = info.spi;
	return 0;
}

void
xfrm_sa_wipe(struct xfrm_sa *sa)
{
	OPENSSL_cleanse(sa, sizeof(*sa));
}
