/* check_pace.c — messages_per_minute: the wait before the next message,
 * and the configuration key. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "flush/pace.h"
#include "lib/check_main.h"
#include "options/conf.h"

static const struct {
	long per_minute;
	double prev, now, want;
	/* clang-format off */
} waits[] = {
	{ 0, 100.0, 100.0, 0.0 },        /* no limit */
	{ -1, 100.0, 100.0, 0.0 },
	{ 30, -1.0, 100.0, 0.0 },        /* first message */
	{ 30, 100.0, 100.0, 2.0 },       /* 30/min: 2 s apart */
	{ 30, 100.0, 101.5, 0.5 },
	{ 30, 100.0, 102.0, 0.0 },
	{ 30, 100.0, 500.0, 0.0 },
	{ 60, 10.0, 10.25, 0.75 },
	{ 1, 0.0, 0.0, 60.0 },
	{ 120, 50.0, 50.0, 0.5 },
	{ 30, 100.0, 40.0, 2.0 },        /* clock went back: one interval */
	{ 60000, 5.0, 5.0, 0.001 },
};
/* clang-format on */

START_TEST(test_wait)
{
	double got =
	    pace_wait(waits[_i].per_minute, waits[_i].prev, waits[_i].now);

	ck_assert_double_eq_tol(got, waits[_i].want, 1e-9);
}
END_TEST

/* 10 messages at 30/min sent back to back (each taking no time): the
 * starts are 2 s apart and no 60 s window holds more than 30. */
START_TEST(test_schedule)
{
	double t = 1000.0, prev = -1.0, starts[10];
	int i;

	for (i = 0; i < 10; i++) {
		t += pace_wait(30, prev, t);
		starts[i] = prev = t;
	}
	for (i = 1; i < 10; i++)
		ck_assert_double_eq_tol(starts[i] - starts[i - 1], 2.0, 1e-9);
	ck_assert_double_eq_tol(starts[9], 1018.0, 1e-9);
}
END_TEST

/* clang-format off */
static const struct { const char *text; int ok; long want; } keys[] = {
	{ "", 1, 0 },
	{ "messages_per_minute 20\n", 1, 20 },
	{ "messages_per_minute 0\n", 1, 0 },
	{ "messages_per_minute 60000\n", 1, 60000 },
	{ "messages_per_minute 60001\n", 0, 0 },
	{ "messages_per_minute -5\n", 0, 0 },
	{ "messages_per_minute fast\n", 0, 0 },
};
/* clang-format on */

START_TEST(test_conf_key)
{
	struct conf c;
	struct err e;
	int rc;

	conf_init(&c);
	rc = conf_parse(&c, "t", keys[_i].text, strlen(keys[_i].text), &e);
	ck_assert_int_eq(rc, keys[_i].ok ? 0 : -1);
	if (keys[_i].ok)
		ck_assert_int_eq(c.messages_per_minute, keys[_i].want);
	else
		ck_assert_ptr_nonnull(strstr(e.msg, "messages_per_minute"));
	conf_free(&c);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("pace");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_wait, 0, TEST_NELEM(waits));
	tcase_add_test(tc, test_schedule);
	tcase_add_loop_test(tc, test_conf_key, 0, TEST_NELEM(keys));
	suite_add_tcase(s, tc);
	return check_main(s);
}
