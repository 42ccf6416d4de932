/* The ownership predicate: vtid deletes an SA or policy only if every
 * condition set holds, and refuses an owner with none. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "xfrm/xfrm.h"

static const struct xfrm_mark ours[] = {
	{ 1, 0xffffffff }, { 2, 0xffffffff }, { 0x100, 0xff00 },
};

static struct xfrm_sa_info
sa(uint32_t reqid, uint32_t v, uint32_t m)
{
	struct xfrm_sa_info s;

	memset(&s, 0, sizeof(s));
	s.reqid = reqid;
	s.mark.v = v;
	s.mark.m = m;
	return s;
}

static void
test_check(void **state)
{
	struct xfrm_owner o;
	struct xfrm_mark zero = { 0, 0 };

	memset(&o, 0, sizeof(o));
	assert_int_equal(xfrm_owner_check(&o), -EINVAL);
	assert_int_equal(xfrm_owner_check(NULL), -EINVAL);
	o.reqid_min = 5;
	o.reqid_max = 4;
	assert_int_equal(xfrm_owner_check(&o), -EINVAL);
	o.reqid_max = 5;
	assert_int_equal(xfrm_owner_check(&o), 0);
	memset(&o, 0, sizeof(o));
	o.marks = &zero;
	o.n_marks = 1;
	assert_int_equal(xfrm_owner_check(&o), -EINVAL);
	o.marks = NULL;
	assert_int_equal(xfrm_owner_check(&o), -EINVAL);
	printf("  refused: no condition, NULL, reqid 5-4, mark 0/0, marks "
	    "NULL\n");
}

static void
test_sa(void **state)
{
	struct xfrm_owner both = { 1000, 1999, ours, 3, NULL, 0 };
	struct xfrm_owner reqid_only = { 1000, 1999, NULL, 0, NULL, 0 };
	struct xfrm_owner marks_only = { 0, 0, ours, 3, NULL, 0 };
	struct xfrm_owner none = { 0, 0, NULL, 0, NULL, 0 };
	struct xfrm_sa_info s;

	s = sa(1000, 1, 0xffffffff);
	assert_true(xfrm_owner_sa_match(&both, &s));
	s = sa(1999, 0x100, 0xff00);
	assert_true(xfrm_owner_sa_match(&both, &s));
	s = sa(2000, 1, 0xffffffff);	/* reqid just out */
	assert_false(xfrm_owner_sa_match(&both, &s));
	assert_true(xfrm_owner_sa_match(&marks_only, &s));
	s = sa(999, 1, 0xffffffff);
	assert_false(xfrm_owner_sa_match(&both, &s));
	s = sa(1500, 1, 0xff);		/* same value, another mask */
	assert_false(xfrm_owner_sa_match(&both, &s));
	assert_true(xfrm_owner_sa_match(&reqid_only, &s));
	s = sa(1500, 0, 0);		/* unmarked */
	assert_false(xfrm_owner_sa_match(&both, &s));
	assert_false(xfrm_owner_sa_match(&marks_only, &s));
	assert_true(xfrm_owner_sa_match(&reqid_only, &s));
	assert_false(xfrm_owner_sa_match(&none, &s));
	printf("  SA: reqid 1000 and 1999 in, 999 and 2000 out; mark must "
	    "match value AND mask; unmarked SAs only by reqid; empty owner "
	    "matches nothing\n");
}

static void
test_policy(void **state)
{
	struct xfrm_owner both = { 1, 10, ours, 3, NULL, 0 };
	struct xfrm_owner marks_only = { 0, 0, ours, 3, NULL, 0 };
	struct xfrm_policy_info p;

	memset(&p, 0, sizeof(p));
	p.pol.mark = ours[1];
	p.n_tmpl = 1;
	p.tmpl_reqid[0] = 2;
	assert_true(xfrm_owner_policy_match(&both, &p));
	p.n_tmpl = 2;
	p.tmpl_reqid[1] = 11;	/* a second template outside */
	assert_false(xfrm_owner_policy_match(&both, &p));
	assert_true(xfrm_owner_policy_match(&marks_only, &p));
	p.n_tmpl = 0;		/* no template: no reqid to own */
	assert_false(xfrm_owner_policy_match(&both, &p));
	assert_true(xfrm_owner_policy_match(&marks_only, &p));
	p.n_tmpl = XFRM_TMPL_MAX + 1;
	assert_false(xfrm_owner_policy_match(&both, &p));
	p.n_tmpl = 1;
	p.ptype = XFRM_POLICY_TYPE_SUB;
	assert_false(xfrm_owner_policy_match(&both, &p));
	assert_false(xfrm_owner_policy_match(&marks_only, &p));
	printf("  policy: all template reqids must be in range; none or "
	    "more than %d templates: not ours by reqid; sub policies never\n",
	    XFRM_TMPL_MAX);
}

/* VTI peers' marks beside XFRM interface peers' if_ids: an object is
 * ours by one or the other, never by a mix, and if_id 0 claims nothing. */
static void
test_if_id(void **state)
{
	static const uint32_t ids[] = { 7, 9 };
	struct xfrm_owner o = { 1000, 1999, ours, 3, ids, 2 };
	struct xfrm_owner ids_only = { 0, 0, NULL, 0, ids, 2 };
	static const struct {
		uint32_t	 mv, mm, if_id;
		bool		 mine, mine_ids_only;
		const char	*what;
	} sas[] = {
		{ 0, 0, 7, true, true, "if_id 7, no mark" },
		{ 0, 0, 9, true, true, "if_id 9, no mark" },
		{ 0, 0, 8, false, false, "if_id 8" },
		{ 7, 0xffffffff, 7, false, false, "if_id 7 with a mark" },
		{ 0, 0, 0, false, false, "neither" },
	};
	struct xfrm_sa_info s;
	struct xfrm_policy_info p;
	size_t i;
	uint32_t zero = 0;

	for (i = 0; i < sizeof(sas) / sizeof(sas[0]); i++) {
		memset(&s, 0, sizeof(s));
		s.reqid = 1500;
		s.mark.v = sas[i].mv;
		s.mark.m = sas[i].mm;
		s.if_id = sas[i].if_id;
		assert_int_equal(xfrm_owner_sa_match(&o, &s), sas[i].mine);
		assert_int_equal(xfrm_owner_sa_match(&ids_only, &s),
		    sas[i].mine_ids_only);
		memset(&p, 0, sizeof(p));
		p.pol.mark = s.mark;
		p.pol.if_id = s.if_id;
		p.n_tmpl = 1;
		p.tmpl_reqid[0] = 1500;
		assert_int_equal(xfrm_owner_policy_match(&o, &p), sas[i].mine);
		printf("  %-20s: %s\n", sas[i].what, sas[i].mine ? "ours" :
		    "not ours");
	}
	/* A marked VTI object with no if_id is still ours by its mark. */
	memset(&s, 0, sizeof(s));
	s.reqid = 1500;
	s.mark = ours[0];
	assert_true(xfrm_owner_sa_match(&o, &s));
	assert_false(xfrm_owner_sa_match(&ids_only, &s));
	s.reqid = 2000;
	s.mark.v = s.mark.m = 0;
	s.if_id = 7;
	assert_false(xfrm_owner_sa_match(&o, &s));
	ids_only.if_ids = &zero;
	ids_only.n_if_ids = 1;
	assert_int_equal(xfrm_owner_check(&ids_only), -EINVAL);
	ids_only.if_ids = NULL;
	assert_int_equal(xfrm_owner_check(&ids_only), -EINVAL);
	printf("  mark %u/0x%x (no if_id): ours by mark; if_id 7 outside the "
	    "reqids: not ours; an if_id 0 or NULL list: -EINVAL\n",
	    ours[0].v, ours[0].m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_if_id),
		cmocka_unit_test(test_sa),
		cmocka_unit_test(test_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
