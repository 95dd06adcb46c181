/* check_retry.c — the retry schedule: backoff, cap, jitter, expiry, warnings.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>

#include "flush/retry.h"
#include "lib/check_main.h"

static const struct {
	unsigned attempts;
	double rnd;
	time_t want_wait;
	/* clang-format off */
} cases[] = {
	{ 1, 0.0, 300 },
	{ 2, 0.0, 600 },
	{ 3, 0.0, 1200 },
	{ 4, 0.0, 2400 },
	{ 5, 0.0, 4000 },      /* capped */
	{ 50, 0.0, 4000 },     /* no overflow on many attempts */
	{ 1, 0.5, 315 },       /* 10% jitter, half of it */
	{ 5, 0.99, 4396 },
	{ 1, 7.0, 300 },       /* out-of-range rnd means no jitter */
};
/* clang-format on */

START_TEST(test_backoff)
{
	struct retry_policy p;

	retry_defaults(&p);
	ck_assert_int_eq(retry_next(&p, cases[_i].attempts, 1000000,
	                     cases[_i].rnd),
	    1000000 + cases[_i].want_wait);
}
END_TEST

START_TEST(test_expiry_and_warning)
{
	struct retry_policy p;
	time_t t0 = 1700000000;

	retry_defaults(&p);
	ck_assert_int_eq(retry_expired(&p, t0, t0 + 5 * 86400 - 1), 0);
	ck_assert_int_eq(retry_expired(&p, t0, t0 + 5 * 86400), 1);
	ck_assert_int_eq(retry_warn_due(&p, t0, t0 + 4 * 3600 - 1), 0);
	ck_assert_int_eq(retry_warn_due(&p, t0, t0 + 4 * 3600), 1);
	ck_assert_int_eq(retry_warn_due(&p, t0, t0 + 6 * 86400), 0);
	p.warn_after = 0;
	ck_assert_int_eq(retry_warn_due(&p, t0, t0 + 86400), 0);
	p.lifetime = 0;
	ck_assert_int_eq(retry_expired(&p, t0, t0 + 365 * 86400), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("retry");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_backoff, 0, TEST_NELEM(cases));
	tcase_add_test(tc, test_expiry_and_warning);
	suite_add_tcase(s, tc);
	return check_main(s);
}
