/* recon_diff.h: both lists sorted on a key, each wanted object looked up
 * in the dumped ones by binary search, then compared in full; O(n log n)
 * for the thousands of SAs a large mesh has. */
#include <stdlib.h>
#include <string.h>

#include "daemon/recon_diff.h"

static int
cmp_u32(uint32_t a, uint32_t b)
{
	return a < b ? -1 : a > b;
}

/* ---- SAs: key (mark, SPI) ---- */

static int
sa_key_cmp(uint32_t mark_a, uint32_t spi_a, uint32_t mark_b, uint32_t spi_b)
{
	int c = cmp_u32(mark_a, mark_b);

	return c != 0 ? c : cmp_u32(spi_a, spi_b);
}

static int
have_sa_cmp(const void *a, const void *b)
{
	const struct xfrm_sa_info *x = &((const struct recon_have_sa *)a)->info;
	const struct xfrm_sa_info *y = &((const struct recon_have_sa *)b)->info;

	return sa_key_cmp(recon_key(&x->mark, x->if_id), x->spi,
	    recon_key(&y->mark, y->if_id), y->spi);
}

static int
want_sa_cmp(const void *a, const void *b)
{
	const struct recon_want_sa *x = a, *y = b;

	return sa_key_cmp(x->mark, x->spi, y->mark, y->spi);
}

/* The first dumped SA with the key, or n. */
static size_t
have_sa_first(const struct recon_have_sa *have, size_t n, uint32_t mark,
    uint32_t spi)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (sa_key_cmp(recon_key(&have[mid].info.mark,
		    have[mid].info.if_id), have[mid].info.spi, mark, spi) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void
recon_diff_sas(struct recon_want_sa *want, size_t n_want,
    struct recon_have_sa *have, size_t n_have)
{
	size_t i, j;

	if (n_want > 0)
		qsort(want, n_want, sizeof(*want), want_sa_cmp);
	if (n_have > 0)
		qsort(have, n_have, sizeof(*have), have_sa_cmp);
	for (j = 0; j < n_have; j++)
		/* A larval SA is left alone whatever the engine says. */
		have[j].matched = !have[j].info.keyed;
	for (i = 0; i < n_want; i++) {
		want[i].found = false;
		for (j = have_sa_first(have, n_have, want[i].mark, want[i].spi);
		    j < n_have && recon_key(&have[j].info.mark,
		    have[j].info.if_id) == want[i].mark &&
		    have[j].info.spi == want[i].spi; j++) {
			if (!have[j].info.keyed ||
			    (have[j].info.if_id != 0) != want[i].xfrm_if ||
			    !nl_addr_eq(&have[j].info.dst, &want[i].dst))
				continue;
			want[i].found = true;
			have[j].matched = true;
		}
	}
}

/* ---- policies: key (mark, direction, selector family) ---- */

static int
pol_key_cmp(uint32_t mark_a, uint8_t dir_a, uint16_t fam_a, uint32_t mark_b,
    uint8_t dir_b, uint16_t fam_b)
{
	int c;

	if ((c = cmp_u32(mark_a, mark_b)) != 0 ||
	    (c = cmp_u32(dir_a, dir_b)) != 0)
		return c;
	return cmp_u32(fam_a, fam_b);
}

static int
have_pol_cmp(const void *a, const void *b)
{
	const struct xfrm_policy *x = &((const struct recon_have_pol *)a)->info.pol;
	const struct xfrm_policy *y = &((const struct recon_have_pol *)b)->info.pol;

	return pol_key_cmp(recon_key(&x->mark, x->if_id), x->dir,
	    x->sel_src.addr.family, recon_key(&y->mark, y->if_id), y->dir,
	    y->sel_src.addr.family);
}

static int
want_pol_cmp(const void *a, const void *b)
{
	const struct recon_want_pol *x = a, *y = b;

	return pol_key_cmp(x->mark, x->dir, x->family, y->mark, y->dir,
	    y->family);
}

static size_t
have_pol_first(const struct recon_have_pol *have, size_t n,
    const struct recon_want_pol *w)
{
	size_t lo = 0, hi = n, mid;
	const struct xfrm_policy *p;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		p = &have[mid].info.pol;
		if (pol_key_cmp(recon_key(&p->mark, p->if_id), p->dir,
		    p->sel_src.addr.family, w->mark, w->dir, w->family) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Our policies match any address of the family both ways, keyed as
 * the peer's device wants (a VTI's by mark, an XFRM interface's by
 * if_id): one keyed the other way is not in the way of ours. */
static bool
pol_any(const struct xfrm_policy *p, const struct recon_want_pol *w)
{
	return p->sel_src.len == 0 && p->sel_dst.len == 0 &&
	    (p->if_id != 0) == w->xfrm_if;
}

static bool
pol_same(const struct xfrm_policy_info *pi, const struct recon_want_pol *w)
{
	return pi->action == XFRM_POLICY_ALLOW && pi->n_tmpl == 1 &&
	    pi->tmpl_reqid[0] == w->reqid &&
	    nl_addr_eq(&pi->pol.tmpl_src, &w->tmpl_src) &&
	    nl_addr_eq(&pi->pol.tmpl_dst, &w->tmpl_dst);
}

void
recon_diff_policies(struct recon_want_pol *want, size_t n_want,
    struct recon_have_pol *have, size_t n_have)
{
	const struct xfrm_policy_info *pi;
	size_t i, j;

	if (n_want > 0)
		qsort(want, n_want, sizeof(*want), want_pol_cmp);
	if (n_have > 0)
		qsort(have, n_have, sizeof(*have), have_pol_cmp);
	for (j = 0; j < n_have; j++)
		have[j].matched = false;
	for (i = 0; i < n_want; i++) {
		want[i].found = false;
		for (j = have_pol_first(have, n_have, &want[i]); j < n_have &&
		    pol_key_cmp(recon_key(&have[j].info.pol.mark,
		    have[j].info.pol.if_id), have[j].info.pol.dir,
		    have[j].info.pol.sel_src.addr.family, want[i].mark,
		    want[i].dir, want[i].family) == 0; j++) {
			pi = &have[j].info;
			if (!pol_any(&pi->pol, &want[i]))
				continue;
			have[j].matched = true;
			want[i].found = pol_same(pi, &want[i]);
		}
	}
}
