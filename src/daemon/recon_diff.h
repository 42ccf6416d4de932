/* The difference between what the engine holds in the kernel and what a
 * dump of the kernel's tables shows: a pure function over two lists, so
 * that the unit tests drive it from tables. The caller keeps to vtid's
 * own objects (xfrm_owner) before it asks. */
#ifndef VTID_DAEMON_RECON_DIFF_H
#define VTID_DAEMON_RECON_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xfrm/xfrm.h"

/* mark: the peer's number, which a dumped object carries as its mark or,
 * for an XFRM interface's peer (xfrm_if), as its if_id (recon_key). */

/* An SA the engine has installed; found: the dump has it. */
struct recon_want_sa {
	uint32_t	 mark, spi;
	bool		 xfrm_if;
	struct nl_addr	 dst;
	size_t		 peer;		/* the caller's index */
	bool		 found;
};

/* A dumped SA; matched: the engine has it. */
struct recon_have_sa {
	struct xfrm_sa_info info;
	bool		 matched;
};

/* A policy the engine wants: any-to-any of family, in direction dir,
 * with one template src -> dst of reqid. found: the dump has it so. */
struct recon_want_pol {
	uint32_t	 mark, reqid;
	bool		 xfrm_if;
	uint8_t		 dir;
	uint16_t	 family;
	struct nl_addr	 tmpl_src, tmpl_dst;
	size_t		 peer;
	bool		 found;
};

/* A dumped policy; matched: it holds the place of a wanted one (right,
 * or to be replaced by it), so it is no stray. */
struct recon_have_pol {
	struct xfrm_policy_info info;
	bool		 matched;
};

/* The peer number of a dumped object: its if_id if it has one, else its
 * mark's value (the owner filter keeps to objects with exactly one). */
static inline uint32_t
recon_key(const struct xfrm_mark *mark, uint32_t if_id)
{
	return if_id != 0 ? if_id : mark->v;
}

/* Sort both lists and set found and matched. Afterwards a want that is
 * not found is missing (or wrong) and goes in again; a have that is not
 * matched is a stray and goes. SAs are the same when mark, SPI and
 * destination are, both keyed alike (by mark or by if_id); a larval SA
 * (not keyed) is never a match nor a stray: it is an SPI reservation
 * that expires by itself. */
void	 recon_diff_sas(struct recon_want_sa *, size_t,
	    struct recon_have_sa *, size_t);
/* A dumped policy holds a wanted one's place with the same mark (keyed
 * alike), direction and any-to-any selector of its family (UPDPOLICY replaces
 * it); it is that policy when its action, single template and reqid are
 * also the wanted ones. */
void	 recon_diff_policies(struct recon_want_pol *, size_t,
	    struct recon_have_pol *, size_t);

#endif
