/* check_logtarget.c — the log_target key: its words, the fallback decision
 * with an injected probe (no /dev/log, no journal, a container log or
 * not), and lines written to a file target in the mail.log form. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "lib/check_main.h"
#include "lib/log.h"
#include "lib/logtarget.h"
#include "lib/slurp.h"
#include "lib/tmpdir.h"
#include "options/conf.h"

static const struct {
	const char *in;
	enum logtarget_kind kind;
	const char *path;
	/* clang-format off */
} good[] = {
	{ "syslog", LOGTARGET_SYSLOG, NULL },
	{ "journal", LOGTARGET_JOURNAL, NULL },
	{ "container", LOGTARGET_CONTAINER, NULL },
	{ "stderr", LOGTARGET_STDERR, NULL },
	{ "file:/var/log/relayq.log", LOGTARGET_FILE, "/var/log/relayq.log" },
	{ "file:/proc/1/fd/1", LOGTARGET_FILE, "/proc/1/fd/1" },
};
/* clang-format on */

START_TEST(test_parse_good)
{
	struct logtarget t = { LOGTARGET_NONE, NULL };
	struct err e;

	err_clear(&e);
	ck_assert_msg(logtarget_parse(good[_i].in, &t, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(t.kind, good[_i].kind);
	if (good[_i].path)
		ck_assert_str_eq(t.path, good[_i].path);
	else
		ck_assert_ptr_null(t.path);
	ck_assert_int_eq(logtarget_valid(good[_i].in), 1);
}
END_TEST

static const char *const bad[] = {
	"",
	"Syslog",
	"syslog ",
	"journald",
	"docker",
	"file",
	"file:",
	"file:relative.log",
	"file:/a\nb",
	"/var/log/relayq.log",
	"stderr,syslog",
};

/* Failure leaves the out-parameter as it was. */
START_TEST(test_parse_bad)
{
	struct logtarget t = { LOGTARGET_JOURNAL, "kept" };
	struct err e;

	ck_assert_int_eq(logtarget_parse(bad[_i], &t, &e), -1);
	ck_assert_int_eq(e.code, EX_CONFIG);
	ck_assert_msg(strstr(e.msg, "invalid log target \"") == e.msg, "%s",
	    e.msg);
	ck_assert_msg(strstr(e.msg,
	                  "use syslog, journal, container, stderr or "
	                  "file:/absolute/path") != NULL,
	    "%s", e.msg);
	ck_assert_int_eq(t.kind, LOGTARGET_JOURNAL);
	ck_assert_str_eq(t.path, "kept");
	ck_assert_int_eq(logtarget_valid(bad[_i]), 0);
}
END_TEST

/* The probe: a bit per kind that is usable on the pretend host; it also
 * counts the calls so that stderr is seen never to be probed. */
struct host {
	unsigned usable;
	unsigned probed;
};

#define U(k) (1u << (k))

static int
fake_probe(const struct logtarget *t, void *arg)
{
	struct host *h = arg;

	h->probed |= U(t->kind);
	return (h->usable & U(t->kind)) != 0;
}

static const struct {
	const char *what;
	enum logtarget_kind want;
	unsigned usable;
	int stderr_ok;
	enum logtarget_kind use;
	int fell_back;
} cases[] = {
	{ "syslog where /dev/log is there", LOGTARGET_SYSLOG,
	    U(LOGTARGET_SYSLOG) | U(LOGTARGET_CONTAINER), 1, LOGTARGET_SYSLOG,
	    0 },
	{ "no /dev/log, a container log", LOGTARGET_SYSLOG,
	    U(LOGTARGET_CONTAINER) | U(LOGTARGET_FILE), 1, LOGTARGET_CONTAINER,
	    1 },
	{ "no /dev/log, journald's socket first", LOGTARGET_SYSLOG,
	    U(LOGTARGET_JOURNAL) | U(LOGTARGET_CONTAINER), 0, LOGTARGET_JOURNAL,
	    1 },
	{ "nothing, on a terminal: stderr", LOGTARGET_SYSLOG, 0, 1,
	    LOGTARGET_STDERR, 1 },
	{ "nothing, the front end or cron: nowhere", LOGTARGET_SYSLOG, 0, 0,
	    LOGTARGET_NONE, 1 },
	{ "a file that opens", LOGTARGET_FILE, U(LOGTARGET_FILE), 0,
	    LOGTARGET_FILE, 0 },
	{ "a file that does not, syslog there", LOGTARGET_FILE,
	    U(LOGTARGET_SYSLOG), 0, LOGTARGET_SYSLOG, 1 },
	{ "container not allowed, syslog there", LOGTARGET_CONTAINER,
	    U(LOGTARGET_SYSLOG), 0, LOGTARGET_SYSLOG, 1 },
	{ "journal absent, /dev/log there", LOGTARGET_JOURNAL,
	    U(LOGTARGET_SYSLOG), 0, LOGTARGET_SYSLOG, 1 },
	{ "stderr asked for: always", LOGTARGET_STDERR, 0, 0, LOGTARGET_STDERR,
	    0 },
};

START_TEST(test_decide)
{
	struct logtarget want = { cases[_i].want, NULL }, use = { 99, NULL };
	struct host h = { cases[_i].usable, 0 };
	int rc;

	if (want.kind == LOGTARGET_FILE)
		want.path = "/var/log/relayq.log";
	rc = logtarget_decide(&want, cases[_i].stderr_ok, fake_probe, &h, &use);
	ck_assert_msg(rc == cases[_i].fell_back, "%s: returned %d",
	    cases[_i].what, rc);
	ck_assert_msg(use.kind == cases[_i].use, "%s: used %d", cases[_i].what,
	    use.kind);
	if (use.kind == LOGTARGET_FILE)
		ck_assert_str_eq(use.path, "/var/log/relayq.log");
	ck_assert_msg(!(h.probed & U(LOGTARGET_STDERR)), "%s: stderr probed",
	    cases[_i].what);
}
END_TEST

START_TEST(test_conf_key)
{
	struct conf c;
	struct err e;
	static const char ok[] = "log_target file:/var/log/relayq.log\n";
	static const char no[] = "log_target file:relayq.log\n";

	conf_init(&c);
	ck_assert_str_eq(c.log_target, "syslog");
	ck_assert_int_eq(conf_parse(&c, "t.conf", ok, sizeof(ok) - 1, &e), 0);
	ck_assert_str_eq(c.log_target, "file:/var/log/relayq.log");
	ck_assert_int_eq(conf_parse(&c, "u.conf", no, sizeof(no) - 1, &e), -1);
	ck_assert_msg(strstr(e.msg, "u.conf:1") && strstr(e.msg, "log_target"),
	    "%s", e.msg);
	conf_free(&c);
}
END_TEST

/* A file target gets one line per event in the form of mail.log; a line
 * break inside an event does not split it; LOG_DEBUG stays off it. */
START_TEST(test_file_lines)
{
	char *value, *path, *text, pat[256];
	struct err e;
	regex_t re;

	test_tmpdir_setup();
	ck_assert_int_gt(asprintf(&path, "%s/relayq.log", test_dir), 0);
	ck_assert_int_gt(asprintf(&value, "file:%s", path), 0);
	log_open("relayq-test", 0);
	err_clear(&e);
	ck_assert_msg(log_set_target(value, 0, &e) == 0, "%s", e.msg);
	ck_assert_str_eq(log_target_used(), path);
	ck_assert_ptr_null(log_target_fallback());
	log_msg(LOG_INFO,
	    "1A2B3C: to=<a@example.com>, status=sent (250 2.0.0 Ok)");
	log_msg(LOG_WARNING, "two\nlines");
	log_msg(LOG_DEBUG, "only with -v, only on stderr");
	text = test_slurp(path);
	snprintf(pat, sizeof(pat),
	    "^[A-Z][a-z]{2} [ 1-3][0-9] [0-9]{2}:[0-9]{2}:"
	    "[0-9]{2} [^ .]+ relayq-test\\[%ld\\]: 1A2B3C: to=<a@example.com>, "
	    "status=sent \\(250 2\\.0\\.0 Ok\\)\n[^\n]* relayq-test\\[%ld\\]: "
	    "two lines\n$",
	    (long)getpid(), (long)getpid());
	ck_assert_int_eq(regcomp(&re, pat, REG_EXTENDED | REG_NOSUB), 0);
	ck_assert_msg(regexec(&re, text, 0, NULL, 0) == 0, "got: %s", text);
	regfree(&re);
	free(text);
	free(path);
	free(value);
	test_tmpdir_teardown();
}
END_TEST

/* A pretend host where nothing but stderr is there: no /dev/log, no
 * journal, no container log, and the configured file cannot be opened. */
static int
nothing_there(const struct logtarget *t, void *arg)
{
	(void)t, (void)arg;
	errno = ENOENT;
	return 0;
}

/* The fallback line says what, why and to where, once, before the first
 * line; the front end (stderr_ok 0) logs nowhere rather than on the
 * caller's stderr. */
START_TEST(test_fallback_line)
{
	char *errpath, *text, *at;
	struct err e;

	test_tmpdir_setup();
	ck_assert_int_gt(asprintf(&errpath, "%s/stderr", test_dir), 0);
	ck_assert_ptr_nonnull(freopen(errpath, "w", stderr));
	setvbuf(stderr, NULL, _IONBF, 0);
	log_open("relayq-test", 0);
	log_set_probe(nothing_there);
	ck_assert_int_eq(log_set_target("syslog", 0, &e), 0);
	ck_assert_str_eq(log_target_used(), "nowhere");
	ck_assert_str_eq(log_target_fallback(),
	    "log_target syslog (/dev/log) is "
	    "not usable here (/dev/log: No such file or directory); nor is any "
	    "fallback (syslog, the journal, the container's log): nothing is "
	    "logged; set log_target in relayq.conf to choose");
	log_msg(LOG_INFO, "front end line");
	test_assert_file_eq(errpath, "");

	ck_assert_int_eq(log_set_target("file:/var/log/relayq.log", 1, &e), 0);
	ck_assert_str_eq(log_target_used(), "stderr");
	log_msg(LOG_INFO, "first");
	log_msg(LOG_INFO, "second");
	text = test_slurp(errpath);
	at = strstr(text,
	    "]: log_target /var/log/relayq.log is not usable here "
	    "(/var/log/relayq.log: No such file or directory); logging to stderr "
	    "instead; set log_target in relayq.conf to choose\n");
	ck_assert_msg(at != NULL, "%s", text);
	ck_assert_msg(strstr(strchr(at, '\n'), "to choose") == NULL, "%s",
	    text);
	ck_assert_msg(strstr(text, ": first\n") > at, "%s", text);
	ck_assert_msg(strstr(text, ": second\n") > strstr(text, ": first\n"),
	    "%s", text);
	/* Exactly three lines: nothing copied twice to stderr. */
	ck_assert_int_eq(strchr(strchr(strchr(text, '\n') + 1, '\n') + 1,
	                     '\n')[1],
	    '\0');
	log_set_probe(NULL);
	free(text);
	free(errpath);
	test_tmpdir_teardown();
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("logtarget");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_parse_good, 0, TEST_NELEM(good));
	tcase_add_loop_test(tc, test_parse_bad, 0, TEST_NELEM(bad));
	tcase_add_loop_test(tc, test_decide, 0, TEST_NELEM(cases));
	tcase_add_test(tc, test_conf_key);
	tcase_add_test(tc, test_file_lines);
	tcase_add_test(tc, test_fallback_line);
	suite_add_tcase(s, tc);
	return check_main_forked(s);
}
