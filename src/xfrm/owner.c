/* Which SAs and policies are vtid's, listing, and deleting only those. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "xfrm/priv.h"

/* A bound on what one purge collects: far more than any deployment has,
 * small enough that a runaway table cannot exhaust memory. */
#define XFRM_PURGE_MAX		65536
/* NLM_F_DUMP_INTR: the table changed while dumping; go again. */
#define XFRM_PURGE_PASSES	3

int
xfrm_owner_check(const struct xfrm_owner *o)
{
	size_t i;

	if (o == NULL)
		return -EINVAL;
	if (o->reqid_min > o->reqid_max)
		return -EINVAL;
	if (o->reqid_max == 0 && o->n_marks == 0 && o->n_if_ids == 0)
		return -EINVAL;	/* no condition: would be everything */
	if ((o->n_marks > 0 && o->marks == NULL) ||
	    (o->n_if_ids > 0 && o->if_ids == NULL))
		return -EINVAL;
	for (i = 0; i < o->n_marks; i++)
		if (o->marks[i].m == 0)
			return -EINVAL;
	for (i = 0; i < o->n_if_ids; i++)
		if (o->if_ids[i] == 0)
			return -EINVAL;
	return 0;
}

static bool
xfrm_owner_reqid(const struct xfrm_owner *o, uint32_t reqid)
{
	return o->reqid_max == 0 ||
	    (reqid >= o->reqid_min && reqid <= o->reqid_max);
}

/* A VTI's objects: one of the marks, no if_id; an XFRM interface's: one
 * of the if_ids, no mark. */
static bool
xfrm_owner_key(const struct xfrm_owner *o, const struct xfrm_mark *mark,
    uint32_t if_id)
{
	size_t i;

	if (o->n_marks == 0 && o->n_if_ids == 0)
		return true;
	if (if_id == 0) {
		for (i = 0; i < o->n_marks; i++)
			if (o->marks[i].v == mark->v &&
			    o->marks[i].m == mark->m)
				return true;
		return false;
	}
	if (mark->v != 0 || mark->m != 0)
		return false;
	for (i = 0; i < o->n_if_ids; i++)
		if (o->if_ids[i] == if_id)
			return true;
	return false;
}

bool
xfrm_owner_sa_match(const struct xfrm_owner *o, const struct xfrm_sa_info *sa)
{
	return xfrm_owner_check(o) == 0 && xfrm_owner_reqid(o, sa->reqid) &&
	    xfrm_owner_key(o, &sa->mark, sa->if_id);
}

bool
xfrm_owner_policy_match(const struct xfrm_owner *o,
    const struct xfrm_policy_info *pi)
{
	size_t i;

	if (xfrm_owner_check(o) < 0 || pi->ptype != XFRM_POLICY_TYPE_MAIN ||
	    !xfrm_owner_key(o, &pi->pol.mark, pi->pol.if_id))
		return false;
	if (o->reqid_max == 0)
		return true;
	/* Ours have exactly one template; be exact about the others too. */
	if (pi->n_tmpl == 0 || pi->n_tmpl > XFRM_TMPL_MAX)
		return false;
	for (i = 0; i < pi->n_tmpl; i++)
		if (!xfrm_owner_reqid(o, pi->tmpl_reqid[i]))
			return false;
	return true;
}

/* A growing array of dumped objects to delete once the dump is over
 * (a dump callback may not use its socket). */
struct xfrm_victims {
	void		*v;
	size_t		 n, cap, size;
	const struct xfrm_owner *owner;
	int		 (*list_sa)(const struct xfrm_sa_info *, void *);
	int		 (*list_pol)(const struct xfrm_policy_info *, void *);
	void		*arg;
};

static int
xfrm_victims_add(struct xfrm_victims *vs, const void *item)
{
	size_t ncap;
	void *p;

	if (vs->n == vs->cap) {
		if (vs->cap >= XFRM_PURGE_MAX)
			return -E2BIG;
		ncap = vs->cap != 0 ? vs->cap * 2 : 16;
		p = reallocarray(vs->v, ncap, vs->size);
		if (p == NULL)
			return -ENOMEM;
		vs->v = p;
		vs->cap = ncap;
	}
	memcpy((uint8_t *)vs->v + vs->n * vs->size, item, vs->size);
	vs->n++;
	return 0;
}

static int
xfrm_sa_dump_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct xfrm_victims *vs = arg;
	struct xfrm_sa_info info;
	int rc;

	rc = xfrm_sa_msg_decode(nlh, nlh->nlmsg_len, &info);
	if (rc == -ENOMSG)
		return 0;
	if (rc < 0)
		return rc;	/* the kernel's own dump: never expected */
	if (vs->list_sa != NULL)
		return vs->list_sa(&info, vs->arg);
	/* Larval SAs the kernel made for an ACQUIRE (SPI 0) included: they
	 * would outlive us by net.core.xfrm_acq_expires (purge below). */
	if (info.proto != IPPROTO_ESP ||
	    !xfrm_owner_sa_match(vs->owner, &info))
		return 0;
	return xfrm_victims_add(vs, &info);
}

static int
xfrm_policy_dump_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct xfrm_victims *vs = arg;
	struct xfrm_policy_info info;
	int rc;

	rc = xfrm_policy_msg_decode(nlh, nlh->nlmsg_len, &info);
	if (rc == -ENOMSG)
		return 0;
	if (rc < 0)
		return rc;
	if (vs->list_pol != NULL)
		return vs->list_pol(&info, vs->arg);
	if (!xfrm_owner_policy_match(vs->owner, &info))
		return 0;
	return xfrm_victims_add(vs, &info);
}

static int
xfrm_dump(struct nl_sock *s, uint16_t type, struct xfrm_victims *vs)
{
	_Alignas(8) uint8_t buf[256];
	struct nl_msg m;

	nl_msg_init(&m, buf, sizeof(buf), type, 0);
	if (!nl_msg_ok(&m))
		return -EMSGSIZE;
	return nl_sock_dump(s, m.nlh, type == XFRM_MSG_GETSA ?
	    xfrm_sa_dump_cb : xfrm_policy_dump_cb, vs);
}

int
xfrm_sa_list(struct nl_sock *s, int (*cb)(const struct xfrm_sa_info *, void *),
    void *arg)
{
	struct xfrm_victims vs = { .list_sa = cb, .arg = arg };
	int rc;

	rc = xfrm_dump(s, XFRM_MSG_GETSA, &vs);
	if (rc < 0)
		return nl_sock_fail(s, rc, NULL, "xfrm: list SAs");
	return 0;
}

int
xfrm_policy_list(struct nl_sock *s,
    int (*cb)(const struct xfrm_policy_info *, void *), void *arg)
{
	struct xfrm_victims vs = { .list_pol = cb, .arg = arg };
	int rc;

	rc = xfrm_dump(s, XFRM_MSG_GETPOLICY, &vs);
	if (rc < 0)
		return nl_sock_fail(s, rc, NULL, "xfrm: list policies");
	return 0;
}

/* Gone between the dump and the delete (expired, or removed by a peer's
 * DELETE): not an error. */
static bool
xfrm_gone(int rc)
{
	return rc == -ESRCH || rc == -ENOENT;
}

/* The kernel's larval SA for an ACQUIRE has SPI 0, and DELSA finds an ESP
 * SA by its SPI only. ALLOCSPI with the larval SA's addresses, reqid,
 * mark and if_id finds it (the kernel's xfrm_find_acq) and gives it one;
 * then it goes as any other. */
static int
xfrm_sa_delete_larval(struct nl_sock *s, const struct xfrm_sa_info *sa)
{
	struct xfrm_spi_req req;
	struct xfrm_sa_id id;
	uint32_t spi;
	int rc;

	memset(&req, 0, sizeof(req));
	req.src = sa->src;
	req.dst = sa->dst;
	req.reqid = sa->reqid;
	req.mark = sa->mark;
	req.if_id = sa->if_id;
	if ((rc = xfrm_spi_alloc(s, &req, &spi)) < 0)
		return rc;
	memset(&id, 0, sizeof(id));
	id.dst = sa->dst;
	id.spi = spi;
	id.mark = sa->mark;
	return xfrm_sa_delete(s, &id);
}

static int
xfrm_purge(struct nl_sock *s, uint16_t type, const struct xfrm_owner *o,
    unsigned int *deleted)
{
	struct xfrm_victims vs;
	struct xfrm_sa_id id;
	const struct xfrm_sa_info *sa;
	const struct xfrm_policy_info *pi;
	char err[NL_ERR_MAX] = "";
	int rc = 0, dump_rc, del_rc, pass;
	unsigned int count = 0;
	size_t i;

	if (deleted != NULL)
		*deleted = 0;
	if (xfrm_owner_check(o) < 0)
		return nl_sock_fail(s, -EINVAL, "no reqid range nor mark set",
		    "xfrm: purge");
	memset(&vs, 0, sizeof(vs));
	vs.owner = o;
	vs.size = type == XFRM_MSG_GETSA ? sizeof(*sa) : sizeof(*pi);
	for (pass = 0; pass < XFRM_PURGE_PASSES; pass++) {
		vs.n = 0;
		dump_rc = xfrm_dump(s, type, &vs);
		if (dump_rc < 0 && dump_rc != -EAGAIN) {
			rc = nl_sock_fail(s, dump_rc, NULL, "xfrm: purge: dump %s",
			    type == XFRM_MSG_GETSA ? "SAs" : "policies");
			goto done;
		}
		for (i = 0; i < vs.n; i++) {
			if (type == XFRM_MSG_GETSA) {
				sa = (const struct xfrm_sa_info *)vs.v + i;
				id.dst = sa->dst;
				id.spi = sa->spi;
				id.mark = sa->mark;
				del_rc = sa->spi == 0 ?
				    xfrm_sa_delete_larval(s, sa) :
				    xfrm_sa_delete(s, &id);
			} else {
				pi = (const struct xfrm_policy_info *)vs.v + i;
				del_rc = xfrm_policy_delete_index(s, pi);
			}
			if (del_rc == 0)
				count++;
			else if (!xfrm_gone(del_rc) && rc == 0) {
				/* Go on with the others; report the first. */
				rc = del_rc;
				memcpy(err, nl_sock_error(s), sizeof(err));
			}
		}
		if (dump_rc != -EAGAIN)
			break;
	}
	if (rc < 0)
		memcpy(s->err, err, sizeof(s->err));
done:
	free(vs.v);
	if (deleted != NULL)
		*deleted = count;
	return rc;
}

int
xfrm_sa_purge(struct nl_sock *s, const struct xfrm_owner *o,
    unsigned int *deleted)
{
	return xfrm_purge(s, XFRM_MSG_GETSA, o, deleted);
}

int
xfrm_policy_purge(struct nl_sock *s, const struct xfrm_owner *o,
    unsigned int *deleted)
{
	return xfrm_purge(s, XFRM_MSG_GETPOLICY, o, deleted);
}
