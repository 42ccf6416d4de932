/* recon_diff: the engine's SAs and policies against a dump of the
 * kernel's, as tables of cases: which are missing (to install again or
 * to re-establish) and which are strays (to remove). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "daemon/recon_diff.h"

#define N_MAX	8
#define A	"2001:db8:1::1"
#define B	"2001:db8:1::2"

/* ---- SAs ---- */

struct sa_row {
	uint32_t	 mark, spi;
	const char	*dst;
	bool		 keyed;		/* have only */
};

struct sa_case {
	const char	*name;
	struct sa_row	 want[N_MAX];
	struct sa_row	 have[N_MAX];
	uint32_t	 missing[N_MAX];	/* SPIs of wants not found */
	uint32_t	 stray[N_MAX];		/* SPIs of haves not matched */
};

static const struct sa_case sa_cases[] = {
	{ "in step",
	  { { 7, 0xc1, A, false }, { 7, 0xc2, B, false } },
	  { { 7, 0xc2, B, true }, { 7, 0xc1, A, true } },
	  { 0 }, { 0 } },
	{ "flushed: both halves missing",
	  { { 7, 0xc1, A, false }, { 7, 0xc2, B, false } },
	  { { 0 } },
	  { 0xc1, 0xc2 }, { 0 } },
	{ "outbound deleted by hand",
	  { { 7, 0xc1, A, false }, { 7, 0xc2, B, false } },
	  { { 7, 0xc1, A, true } },
	  { 0xc2 }, { 0 } },
	{ "a hand-made SA with our mark is a stray",
	  { { 7, 0xc1, A, false } },
	  { { 7, 0xc1, A, true }, { 7, 0xc0ffee01, A, true } },
	  { 0 }, { 0xc0ffee01 } },
	{ "a reserved SPI (larval) is neither",
	  { { 7, 0xc1, A, false } },
	  { { 7, 0xc1, A, true }, { 7, 0xc3, A, false } },
	  { 0 }, { 0 } },
	{ "larval where a keyed SA should be: missing, not stray",
	  { { 7, 0xc1, A, false } },
	  { { 7, 0xc1, A, false } },
	  { 0xc1 }, { 0 } },
	{ "same SPI, other destination",
	  { { 7, 0xc1, A, false } },
	  { { 7, 0xc1, B, true } },
	  { 0xc1 }, { 0xc1 } },
	{ "same SPI, other peer's mark",
	  { { 7, 0xc1, A, false }, { 8, 0xc5, A, false } },
	  { { 8, 0xc1, A, true }, { 8, 0xc5, A, true } },
	  { 0xc1 }, { 0xc1 } },
	{ "two peers, one flushed",
	  { { 7, 0xc1, A, false }, { 7, 0xc2, B, false }, { 8, 0xc3, A, false }, { 8, 0xc4, B, false } },
	  { { 8, 0xc4, B, true }, { 8, 0xc3, A, true } },
	  { 0xc1, 0xc2 }, { 0 } },
	{ "nothing held, nothing there",
	  { { 0 } }, { { 0 } }, { 0 }, { 0 } },
};

static size_t
rows(const struct sa_row *r)
{
	size_t n = 0;

	while (n < N_MAX && r[n].spi != 0)
		n++;
	return n;
}

static bool
in_list(const uint32_t *l, uint32_t spi)
{
	size_t i;

	for (i = 0; i < N_MAX && l[i] != 0; i++)
		if (l[i] == spi)
			return true;
	return false;
}

static size_t
count(const uint32_t *l)
{
	size_t n = 0;

	while (n < N_MAX && l[n] != 0)
		n++;
	return n;
}

static void
test_sas(void **state)
{
	struct recon_want_sa want[N_MAX];
	struct recon_have_sa have[N_MAX];
	size_t c, i, nw, nh, missing, stray;

	for (c = 0; c < sizeof(sa_cases) / sizeof(sa_cases[0]); c++) {
		const struct sa_case *t = &sa_cases[c];

		memset(want, 0, sizeof(want));
		memset(have, 0, sizeof(have));
		nw = rows(t->want);
		nh = rows(t->have);
		for (i = 0; i < nw; i++) {
			want[i].mark = t->want[i].mark;
			want[i].spi = t->want[i].spi;
			assert_int_equal(nl_addr_parse(&want[i].dst,
			    t->want[i].dst), 0);
		}
		for (i = 0; i < nh; i++) {
			have[i].info.mark.v = t->have[i].mark;
			have[i].info.mark.m = 0xffffffff;
			have[i].info.spi = t->have[i].spi;
			have[i].info.keyed = t->have[i].keyed;
			assert_int_equal(nl_addr_parse(&have[i].info.dst,
			    t->have[i].dst), 0);
		}
		recon_diff_sas(want, nw, have, nh);
		missing = stray = 0;
		for (i = 0; i < nw; i++) {
			assert_int_equal(!want[i].found,
			    in_list(t->missing, want[i].spi));
			missing += !want[i].found;
		}
		for (i = 0; i < nh; i++) {
			assert_int_equal(!have[i].matched,
			    in_list(t->stray, have[i].info.spi));
			stray += !have[i].matched;
		}
		assert_int_equal(missing, count(t->missing));
		assert_int_equal(stray, count(t->stray));
		printf("  SAs, %s: %zu missing, %zu stray\n", t->name, missing,
		    stray);
	}
}

/* Thousands of SAs in opposite orders all match (the lookup is by
 * binary search over sorted lists). */
static void
test_sas_many(void **state)
{
	enum { N = 4000 };
	static struct recon_want_sa want[N];
	static struct recon_have_sa have[N + 1];
	size_t i, found = 0, matched = 0;

	memset(want, 0, sizeof(want));
	memset(have, 0, sizeof(have));
	for (i = 0; i < N; i++) {
		want[i].mark = (uint32_t)(i / 4 + 1);
		want[i].spi = (uint32_t)(0xc0000000u + i * 7919u % 100003u);
		nl_addr_parse(&want[i].dst, i % 2 ? A : B);
		have[N - 1 - i].info.mark.v = want[i].mark;
		have[N - 1 - i].info.spi = want[i].spi;
		have[N - 1 - i].info.dst = want[i].dst;
		have[N - 1 - i].info.keyed = true;
	}
	/* One of them lost, one stray in its place. */
	have[10].info.spi ^= 0x0f000000u;
	recon_diff_sas(want, N, have, N);
	for (i = 0; i < N; i++) {
		found += want[i].found;
		matched += have[i].matched;
	}
	assert_int_equal(found, N - 1);
	assert_int_equal(matched, N - 1);
	printf("  %d SAs each way, one changed: %zu found, %zu matched\n", N,
	    found, matched);
}

/* ---- policies ---- */

struct pol_row {
	uint32_t	 mark, reqid;
	uint8_t		 dir;
	uint16_t	 family;
	uint8_t		 sel_len;	/* have: the selector's prefix */
	uint8_t		 action;	/* have */
	size_t		 n_tmpl;	/* have: 0 taken as 1 */
	bool		 swap;		/* have: template the wrong way */
	bool		 set;
};

#define OUT	XFRM_POLICY_OUT
#define IN	XFRM_POLICY_IN
#define FWD	XFRM_POLICY_FWD
#define V6	AF_INET6
#define V4	AF_INET
#define P(m, r, d, f)	{ m, r, d, f, 0, 0, 0, false, true }

struct pol_case {
	const char	*name;
	struct pol_row	 want[N_MAX];
	struct pol_row	 have[N_MAX];
	size_t		 missing, stray;
	/* The have rows that must be strays, by position (1-based). */
	unsigned	 stray_row[N_MAX];
};

static const struct pol_case pol_cases[] = {
	{ "in step, both families",
	  { P(7, 70, OUT, V6), P(7, 70, IN, V6), P(7, 70, FWD, V6),
	    P(7, 70, OUT, V4), P(7, 70, IN, V4), P(7, 70, FWD, V4) },
	  { P(7, 70, FWD, V4), P(7, 70, IN, V4), P(7, 70, OUT, V4),
	    P(7, 70, FWD, V6), P(7, 70, IN, V6), P(7, 70, OUT, V6) },
	  0, 0, { 0 } },
	{ "flushed",
	  { P(7, 70, OUT, V6), P(7, 70, IN, V6), P(7, 70, FWD, V6) },
	  { { 0 } },
	  3, 0, { 0 } },
	{ "one deleted by hand",
	  { P(7, 70, OUT, V6), P(7, 70, IN, V6), P(7, 70, FWD, V6) },
	  { P(7, 70, OUT, V6), P(7, 70, FWD, V6) },
	  1, 0, { 0 } },
	{ "wrong reqid: replaced, not a stray",
	  { P(7, 70, OUT, V6) },
	  { P(7, 71, OUT, V6) },
	  1, 0, { 0 } },
	{ "a family the engine no longer wants: stray",
	  { P(7, 70, OUT, V6) },
	  { P(7, 70, OUT, V6), P(7, 70, OUT, V4) },
	  0, 1, { 2 } },
	{ "a narrower selector with our mark: stray",
	  { P(7, 70, OUT, V6) },
	  { P(7, 70, OUT, V6), { 7, 70, OUT, V6, 64, 0, 0, false, true } },
	  0, 1, { 2 } },
	{ "block instead of allow: replaced",
	  { P(7, 70, IN, V6) },
	  { { 7, 70, IN, V6, 0, XFRM_POLICY_BLOCK, 0, false, true } },
	  1, 0, { 0 } },
	{ "two templates: replaced",
	  { P(7, 70, IN, V6) },
	  { { 7, 70, IN, V6, 0, 0, 2, false, true } },
	  1, 0, { 0 } },
	{ "template addresses swapped: replaced",
	  { P(7, 70, OUT, V6) },
	  { { 7, 70, OUT, V6, 0, 0, 0, true, true } },
	  1, 0, { 0 } },
	{ "a peer with no policies wanted, one left: stray",
	  { P(7, 70, OUT, V6) },
	  { P(7, 70, OUT, V6), P(8, 80, FWD, V6) },
	  0, 1, { 2 } },
};

static size_t
pol_rows(const struct pol_row *r)
{
	size_t n = 0;

	while (n < N_MAX && r[n].set)
		n++;
	return n;
}

static void
tmpl(const struct pol_row *r, struct nl_addr *src, struct nl_addr *dst)
{
	bool out = r->dir == OUT;
	const char *l = r->family == V6 ? A : "192.0.2.1";
	const char *rem = r->family == V6 ? B : "192.0.2.2";

	nl_addr_parse(src, out != r->swap ? l : rem);
	nl_addr_parse(dst, out != r->swap ? rem : l);
}

static void
have_fill(struct recon_have_pol *h, const struct pol_row *r, unsigned row)
{
	nl_prefix_any(&h->info.pol.sel_src, r->family);
	nl_prefix_any(&h->info.pol.sel_dst, r->family);
	h->info.pol.sel_dst.len = r->sel_len;
	h->info.pol.dir = r->dir;
	h->info.pol.mark.v = r->mark;
	h->info.pol.mark.m = 0xffffffff;
	h->info.pol.reqid = r->reqid;
	h->info.action = r->action;
	h->info.n_tmpl = r->n_tmpl != 0 ? r->n_tmpl : 1;
	h->info.tmpl_reqid[0] = h->info.tmpl_reqid[1] = r->reqid;
	h->info.index = row;	/* finds the row after sorting */
	tmpl(r, &h->info.pol.tmpl_src, &h->info.pol.tmpl_dst);
}

static void
test_policies(void **state)
{
	struct recon_want_pol want[N_MAX];
	struct recon_have_pol have[N_MAX];
	size_t c, i, k, nw, nh, missing, stray;
	bool should;

	for (c = 0; c < sizeof(pol_cases) / sizeof(pol_cases[0]); c++) {
		const struct pol_case *t = &pol_cases[c];

		memset(want, 0, sizeof(want));
		memset(have, 0, sizeof(have));
		nw = pol_rows(t->want);
		nh = pol_rows(t->have);
		for (i = 0; i < nw; i++) {
			want[i].mark = t->want[i].mark;
			want[i].reqid = t->want[i].reqid;
			want[i].dir = t->want[i].dir;
			want[i].family = t->want[i].family;
			tmpl(&t->want[i], &want[i].tmpl_src, &want[i].tmpl_dst);
		}
		for (i = 0; i < nh; i++)
			have_fill(&have[i], &t->have[i], (unsigned)i + 1);
		recon_diff_policies(want, nw, have, nh);
		missing = stray = 0;
		for (i = 0; i < nw; i++)
			missing += !want[i].found;
		for (i = 0; i < nh; i++) {
			stray += !have[i].matched;
			should = false;
			for (k = 0; k < N_MAX && t->stray_row[k] != 0; k++)
				should |= t->stray_row[k] == have[i].info.index;
			assert_int_equal(!have[i].matched, should);
		}
		assert_int_equal(missing, t->missing);
		assert_int_equal(stray, t->stray);
		printf("  policies, %s: %zu to install, %zu stray\n", t->name,
		    missing, stray);
	}
}

/* A peer on an XFRM interface: its SAs and policies carry if_id = its
 * number and no mark. One keyed the other way with the same number
 * (a VTI's, made by hand or left over) is neither its SA nor its policy:
 * the wanted one is missing, the other a stray. */
static void
test_if_id(void **state)
{
	struct recon_want_sa wsa[3];
	struct recon_have_sa hsa[3];
	struct recon_want_pol wpol[2];
	struct recon_have_pol hpol[2];
	size_t i;

	memset(wsa, 0, sizeof(wsa));
	memset(hsa, 0, sizeof(hsa));
	wsa[0] = (struct recon_want_sa){ .mark = 7, .spi = 0xc1,
	    .xfrm_if = true };
	wsa[1] = (struct recon_want_sa){ .mark = 8, .spi = 0xc2 };
	wsa[2] = (struct recon_want_sa){ .mark = 7, .spi = 0xc5,
	    .xfrm_if = true };
	for (i = 0; i < 3; i++) {
		assert_int_equal(nl_addr_parse(&wsa[i].dst, A), 0);
		assert_int_equal(nl_addr_parse(&hsa[i].info.dst, A), 0);
		hsa[i].info.keyed = true;
	}
	hsa[0].info.if_id = 7;			/* peer 7's, by if_id */
	hsa[0].info.spi = 0xc1;
	hsa[1].info.mark.v = 8;			/* peer 8's, by mark */
	hsa[1].info.mark.m = 0xffffffff;
	hsa[1].info.spi = 0xc2;
	hsa[2].info.mark.v = 7;			/* mark 7: not peer 7's */
	hsa[2].info.mark.m = 0xffffffff;
	hsa[2].info.spi = 0xc5;
	recon_diff_sas(wsa, 3, hsa, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(wsa[i].found, wsa[i].spi != 0xc5);
		assert_int_equal(hsa[i].matched, hsa[i].info.spi != 0xc5);
	}
	printf("  SAs: if_id 7 matches the XFRM interface peer 7, mark 8 the "
	    "VTI peer 8; a mark-7 SA where peer 7 wants if_id 7: 1 missing, "
	    "1 stray\n");

	memset(wpol, 0, sizeof(wpol));
	memset(hpol, 0, sizeof(hpol));
	for (i = 0; i < 2; i++) {
		wpol[i] = (struct recon_want_pol){ .mark = 7, .reqid = 70,
		    .xfrm_if = true, .dir = i == 0 ? OUT : IN, .family = V6 };
		have_fill(&hpol[i], &(struct pol_row)P(7, 70, i == 0 ? OUT : IN,
		    V6), (unsigned)i + 1);
		tmpl(&(struct pol_row)P(7, 70, i == 0 ? OUT : IN, V6),
		    &wpol[i].tmpl_src, &wpol[i].tmpl_dst);
	}
	hpol[0].info.pol.mark.v = hpol[0].info.pol.mark.m = 0;
	hpol[0].info.pol.if_id = 7;	/* the in policy keeps mark 7 */
	recon_diff_policies(wpol, 2, hpol, 2);
	for (i = 0; i < 2; i++) {
		assert_int_equal(wpol[i].found, wpol[i].dir == OUT);
		assert_int_equal(hpol[i].matched, hpol[i].info.pol.dir == OUT);
	}
	printf("  policies: out with if_id 7 is peer 7's; in with mark 7 is "
	    "not: 1 to install, 1 stray\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_if_id),
		cmocka_unit_test(test_sas),
		cmocka_unit_test(test_sas_many),
		cmocka_unit_test(test_policies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
