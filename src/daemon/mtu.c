/* vti.mtu = "auto": see mtu.h. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

/* Keys are configured marks, not a peer's choice: a plain hash, without
 * the default one's switch fall-throughs; an insertion that cannot
 * allocate fails instead of exiting. */
static bool mtu_oom;
#define HASH_FUNCTION			HASH_OAT
#define HASH_NONFATAL_OOM		1
#define uthash_nonfatal_oom(obj)	(mtu_oom = true)
#include <uthash.h>

#include "daemon/kernel.h"
#include "daemon/mtu.h"
#include "ike/crypto.h"
#include "ike/ikev2.h"
#include "util/log.h"

#define MTU_PARTS_MAX	128

struct mtu_entry {
	uint32_t	 mark;
	struct vti_mtu_parts parts;
	bool		 exact;		/* from a negotiated suite */
	UT_hash_handle	 hh;
};

/* The costliest ESP suite vtid negotiates: AES-CBC (16-byte IV and
 * block) with HMAC-SHA2-512-256. */
#define MTU_WORST_IV	16
#define MTU_WORST_ICV	32
#define MTU_WORST_BLOCK	16
/* A path whose MTU cannot be read: the Ethernet one. */
#define MTU_PATH_DEFAULT 1500

static struct mtu_entry *
entry_get(struct mtu_table *t, uint32_t mark)
{
	struct mtu_entry *e;

	HASH_FIND(hh, t->by_mark, &mark, sizeof(mark), e);
	if (e != NULL)
		return e;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->mark = mark;
	mtu_oom = false;
	HASH_ADD(hh, t->by_mark, mark, sizeof(e->mark), e);
	if (mtu_oom) {
		free(e);
		return NULL;
	}
	return e;
}

static uint32_t
path_of(struct nl_sock *s, const struct config_peer *p)
{
	struct nl_addr dst;
	uint32_t mtu;

	kernel_nl_addr(&p->remote, &dst);
	if (vti_path_mtu(s, &dst, &mtu) == 0)
		return mtu;
	log_msg(LOG_WARNING, p->name, "mtu auto: %s; assuming a path MTU of "
	    "%u", nl_sock_error(s), MTU_PATH_DEFAULT);
	return MTU_PATH_DEFAULT;
}

static void
parts_base(struct vti_mtu_parts *m, uint32_t path, int family, bool natt)
{
	memset(m, 0, sizeof(*m));
	m->path = path;
	m->outer = family == AF_INET6 ? 40 : 20;
	m->udp = natt ? 8 : 0;
	m->esp = 8;
}

uint32_t
mtu_auto_initial(struct mtu_table *t, struct nl_sock *s,
    const struct config_peer *p)
{
	struct mtu_entry *e;
	struct vti_mtu_parts m;

	HASH_FIND(hh, t->by_mark, &p->mark, sizeof(p->mark), e);
	if (e != NULL && e->parts.mtu != 0)
		return e->parts.mtu;
	parts_base(&m, path_of(s, p), p->remote.ss_family, false);
	m.iv = MTU_WORST_IV;
	m.icv = MTU_WORST_ICV;
	m.block = MTU_WORST_BLOCK;
	if (vti_mtu_compute(&m) == 0)
		return VTI_MTU_MIN;
	if ((e = entry_get(t, p->mark)) != NULL)
		e->parts = m;
	return m.mtu;
}

void
mtu_auto_sa(struct mtu_table *t, struct nl_sock *s,
    const struct config_peer *p, const struct ike_sa_kernel *k)
{
	const struct ike_encr_alg *encr;
	const struct ike_integ_alg *integ = NULL;
	struct mtu_entry *e;
	struct vti_mtu_parts m;
	char why[MTU_PARTS_MAX];

	encr = ike_encr_lookup(k->encr, k->encr_keybits);
	if (k->integ != AUTH_NONE)
		integ = ike_integ_lookup(k->integ);
	if (encr == NULL || (k->integ != AUTH_NONE && integ == NULL))
		return;
	parts_base(&m, path_of(s, p), k->dst.ss_family, k->natt);
	m.iv = encr->iv_len;
	m.icv = integ != NULL ? integ->icv_len : encr->icv_len;
	/* ESP pads to the cipher's block, at least 4 (RFC 4303 2.4). */
	m.block = encr->block_len > 4 ? encr->block_len : 4;
	vti_mtu_compute(&m);
	vti_mtu_str(&m, why, sizeof(why));
	if (m.mtu == 0) {
		log_msg(LOG_WARNING, p->name, "mtu auto: nothing fits (%s)",
		    why);
		return;
	}
	if ((e = entry_get(t, p->mark)) == NULL)
		return;
	if (e->exact && e->parts.mtu == m.mtu) {
		e->parts = m;
		return;
	}
	if (vti_link_set_mtu(s, p->vti.netns[0] != '\0' ? p->vti.netns :
	    NULL, p->vti.name, m.mtu) != 0) {
		log_msg(LOG_WARNING, p->name, "%s", nl_sock_error(s));
		return;
	}
	e->parts = m;
	e->exact = true;
	log_msg(LOG_INFO, p->name, "%s mtu %u (auto: %s)", p->vti.name, m.mtu,
	    why);
	if (m.mtu < 1280 && p->vti.n_addrs > 0)
		log_msg(LOG_WARNING, p->name, "%s mtu %u is below 1280, the "
		    "IPv6 minimum: IPv6 stops on it", p->vti.name, m.mtu);
}

bool
mtu_auto_get(const struct mtu_table *t, uint32_t mark, uint32_t *mtu,
    char *parts, size_t len)
{
	struct mtu_entry *e;

	HASH_FIND(hh, t->by_mark, &mark, sizeof(mark), e);
	if (e == NULL || e->parts.mtu == 0)
		return false;
	*mtu = e->parts.mtu;
	if (parts != NULL) {
		vti_mtu_str(&e->parts, parts, len);
		if (!e->exact && len > 0)
			strncat(parts, ", costliest suite: no SA yet",
			    len - strlen(parts) - 1);
	}
	return true;
}

void
mtu_auto_forget(struct mtu_table *t, uint32_t mark)
{
	struct mtu_entry *e;

	HASH_FIND(hh, t->by_mark, &mark, sizeof(mark), e);
	if (e == NULL)
		return;
	HASH_DEL(t->by_mark, e);
	free(e);
}

void
mtu_auto_free(struct mtu_table *t)
{
	struct mtu_entry *e, *tmp;

	HASH_ITER(hh, t->by_mark, e, tmp) {
		HASH_DEL(t->by_mark, e);
		free(e);
	}
}
