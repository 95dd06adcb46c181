/* check_nodump.c — nodump: the process becomes non-dumpable with a core
 * size limit of 0, and a change of user id (as --all-users' children
 * make) is followed by enabling it again. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "lib/check_main.h"
#include "lib/nodump.h"

START_TEST(test_enable)
{
	struct rlimit rl;
	struct err e;

	ck_assert_int_eq(prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), 0);
	ck_assert_int_eq(nodump_active(), 0);
	ck_assert_int_eq(nodump_enable(&e), 0);
	ck_assert_int_eq(nodump_active(), 1);
	ck_assert_int_eq(getrlimit(RLIMIT_CORE, &rl), 0);
	ck_assert_uint_eq(rl.rlim_cur, 0);
	ck_assert_uint_eq(rl.rlim_max, 0);
	ck_assert_int_eq(nodump_enable(&e), 0); /* twice is fine */
	ck_assert_int_eq(nodump_active(), 1);
}
END_TEST

/* As root: dropping to another uid with fs.suid_dumpable=1 makes the
 * process dumpable again; nodump_enable after the drop undoes that.  (With
 * suid_dumpable=0 the kernel already leaves it non-dumpable.) */
START_TEST(test_after_setuid)
{
	struct err e;

	if (getuid() != 0)
		return;
	ck_assert_int_eq(nodump_enable(&e), 0);
	ck_assert_int_eq(setgid(65534), 0);
	ck_assert_int_eq(setuid(65534), 0);
	ck_assert_int_eq(nodump_enable(&e), 0);
	ck_assert_int_eq(nodump_active(), 1);
}
END_TEST

static Suite *
nodump_suite(void)
{
	Suite *s = suite_create("nodump");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_enable);
	tcase_add_test(tc, test_after_setuid);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(nodump_suite());
}
