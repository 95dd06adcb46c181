/* check_onfailure.c — the on_failure command: environment, sanitising,
 * no shell interpolation of message data, stdin, timeout, config keys. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "flush/onfailure.h"
#include "lib/check_main.h"
#include "lib/slurp.h"
#include "lib/tmpdir.h"
#include "lib/xalloc.h"
#include "options/conf.h"

/* clang-format off */
static const struct { const char *in; size_t max; const char *out; } sanitise[] = {
	{ "plain text", 100, "plain text" },
	{ "a\nb\rc\td", 100, "a?b?c?d" },
	{ "del\x7f", 100, "del?" },
	{ "\xc3\xa9t\xc3\xa9", 100, "\xc3\xa9t\xc3\xa9" },   /* UTF-8 kept */
	{ "abcdef", 3, "abc" },
	{ "Zeit\xc3\xbc" "berschreitung", 100, "Zeit\xc3\xbc" "berschreitung" },
	{ "c1\xc2\x9b" "bidi\xe2\x80\xae" "bad\xff", 100, "c1?bidi?bad?" },
	{ "Zeit\xc3\xbc", 5, "Zeit?" },   /* cut inside the character */
	{ "", 10, "" },
};
/* clang-format on */

START_TEST(test_sanitize)
{
	char *s = onfailure_sanitize(sanitise[_i].in, sanitise[_i].max);

	ck_assert_str_eq(s, sanitise[_i].out);
	free(s);
}
END_TEST

START_TEST(test_env)
{
	const char *rcpts[] = { "bob@example.org", "carol@example.net" };
	char *base[] = { (char *)"PATH=/bin", (char *)"RELAYQ_EVENT=forged",
		(char *)"HOME=/h", (char *)"RELAYQ_NO_SYSLOG=1", NULL };
	struct onfailure_info in = { ONFAILURE_FAILED, "1N3K0Q47B2",
		"alice@example.com", rcpts, 2, "550 5.1.1 no\nsuch user" };
	struct strv out = STRV_INIT;

	onfailure_env(&in, base, &out);
	ck_assert_uint_eq(out.n, 7);
	ck_assert_str_eq(out.v[0], "PATH=/bin");
	ck_assert_str_eq(out.v[1], "HOME=/h");
	ck_assert_str_eq(out.v[2], "RELAYQ_EVENT=failed");
	ck_assert_str_eq(out.v[3], "RELAYQ_QUEUE_ID=1N3K0Q47B2");
	ck_assert_str_eq(out.v[4], "RELAYQ_SENDER=alice@example.com");
	ck_assert_str_eq(out.v[5],
	    "RELAYQ_RECIPIENTS=bob@example.org carol@example.net");
	ck_assert_str_eq(out.v[6], "RELAYQ_REASON=550 5.1.1 no?such user");
	ck_assert_ptr_null(out.v[7]);
	strv_free(&out);
	in.event = ONFAILURE_DELAYED;
	in.sender = NULL;
	in.nrcpts = 0;
	in.reason = NULL;
	onfailure_env(&in, NULL, &out);
	ck_assert_uint_eq(out.n, 5);
	ck_assert_str_eq(out.v[0], "RELAYQ_EVENT=delayed");
	ck_assert_str_eq(out.v[2], "RELAYQ_SENDER=");
	ck_assert_str_eq(out.v[3], "RELAYQ_RECIPIENTS=");
	ck_assert_str_eq(out.v[4], "RELAYQ_REASON=");
	strv_free(&out);
}
END_TEST

/* Message data with shell syntax stays data: it reaches the command as a
 * variable's value and is never evaluated. */
START_TEST(test_run_no_interpolation)
{
	const char *rcpts[] = { "$(touch PWNED)@x", "`touch PWNED2`@y" };
	struct onfailure_info in = { ONFAILURE_FAILED, "ID", "a;touch PWNED3",
		rcpts, 2, "reason $HOME" };
	struct strv env = STRV_INIT;
	struct err e;
	char *cmd, *out, *got;
	int status = -1;

	test_tmpdir_setup();
	ck_assert_int_eq(chdir(test_dir), 0);
	out = xasprintf("%s/out", test_dir);
	cmd = xasprintf(
	    "printf '%%s|%%s|%%s|%%s|%%s\\n' \"$RELAYQ_EVENT\" \"$RELAYQ_QUEUE_ID\" "
	    "\"$RELAYQ_SENDER\" \"$RELAYQ_RECIPIENTS\" \"$RELAYQ_REASON\" > %s; "
	    "cat >> %s; exit 3",
	    out, out);
	onfailure_env(&in, NULL, &env);
	ck_assert_int_eq(onfailure_run(cmd, env.v, 10, &status, &e), 0);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 3);
	got = test_slurp(out);
	ck_assert_str_eq(got,
	    "failed|ID|a;touch PWNED3|$(touch PWNED)@x `touch PWNED2`@y|"
	    "reason $HOME\n");
	ck_assert_int_ne(access("PWNED", F_OK), 0);
	ck_assert_int_ne(access("PWNED2", F_OK), 0);
	ck_assert_int_ne(access("PWNED3", F_OK), 0);
	free(got);
	free(out);
	free(cmd);
	strv_free(&env);
	test_tmpdir_teardown();
}
END_TEST

START_TEST(test_run_timeout)
{
	char *envp[] = { (char *)"PATH=/usr/bin:/bin", NULL };
	struct timespec a, b;
	struct err e;
	int status = 0;
	double took;

	clock_gettime(CLOCK_MONOTONIC, &a);
	ck_assert_int_eq(onfailure_run("sleep 30; sleep 30", envp, 1, &status,
	                     &e),
	    1);
	clock_gettime(CLOCK_MONOTONIC, &b);
	took = (double)(b.tv_sec - a.tv_sec) +
	    (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	ck_assert(took >= 1.0 && took < 4.0);
	ck_assert(WIFSIGNALED(status));
	ck_assert_int_eq(WTERMSIG(status), 15);
}
END_TEST

START_TEST(test_run_missing_command)
{
	char *envp[] = { (char *)"PATH=/nonexistent", NULL };
	struct err e;
	int status = 0;

	ck_assert_int_eq(onfailure_run("no-such-command-relayq", envp, 5,
	                     &status, &e),
	    0);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 127);
}
END_TEST

/* clang-format off */
static const struct { const char *text; int ok; const char *cmd; long long timeout; } keys[] = {
	{ "", 1, NULL, 30 },
	{ "on_failure logger -t relayq \"$RELAYQ_REASON\"\n", 1,
	  "logger -t relayq \"$RELAYQ_REASON\"", 30 },
	{ "on_failure /usr/local/bin/alert\non_failure_timeout 2m\n", 1,
	  "/usr/local/bin/alert", 120 },
	{ "on_failure_timeout soon\n", 0, NULL, 0 },
	{ "on_failure\n", 0, NULL, 0 },
};
/* clang-format on */

START_TEST(test_conf_keys)
{
	struct conf c;
	struct err e;
	int rc;

	conf_init(&c);
	rc = conf_parse(&c, "t", keys[_i].text, strlen(keys[_i].text), &e);
	ck_assert_int_eq(rc, keys[_i].ok ? 0 : -1);
	if (keys[_i].ok) {
		if (keys[_i].cmd == NULL)
			ck_assert_ptr_null(c.on_failure);
		else
			ck_assert_str_eq(c.on_failure, keys[_i].cmd);
		ck_assert_int_eq(c.on_failure_timeout, keys[_i].timeout);
	} else {
		ck_assert_ptr_nonnull(strstr(e.msg, "on_failure"));
	}
	conf_free(&c);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("onfailure");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 20);
	tcase_add_loop_test(tc, test_sanitize, 0, TEST_NELEM(sanitise));
	tcase_add_test(tc, test_env);
	tcase_add_test(tc, test_run_no_interpolation);
	tcase_add_test(tc, test_run_timeout);
	tcase_add_test(tc, test_run_missing_command);
	tcase_add_loop_test(tc, test_conf_keys, 0, TEST_NELEM(keys));
	suite_add_tcase(s, tc);
	return check_main(s);
}
