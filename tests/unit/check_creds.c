/* check_creds.c — source order parsing, systemd credentials, the password
 * command (output, failure with stderr, timeout kill, no tty) and the
 * lookup across sources with the "which source" text.  Each test runs in
 * its own process (CK_FORK) under a temporary directory. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "auth/creds.h"
#include "lib/check_main.h"
#include "lib/tmpdir.h"
#include "lib/xalloc.h"
#include "transport/smarthost.h"

static void
setup(void)
{
	test_tmpdir_setup();
	setenv("HOME", test_dir, 1);
	unsetenv("CREDENTIALS_DIRECTORY");
	unsetenv("DBUS_SESSION_BUS_ADDRESS");
	unsetenv("XDG_RUNTIME_DIR");
}

static void
teardown(void)
{
	test_tmpdir_teardown();
}

static char *
put(const char *name, const char *text, mode_t mode)
{
	char *path = xasprintf("%s/%s", test_dir, name);
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	ck_assert_int_eq(chmod(path, mode), 0);
	return path;
}

static const struct {
	const char *text;
	int rc;
	size_t n;
	enum creds_source first, last;
	const char *msg;
	/* clang-format off */
} orders[] = {
	{ "authinfo, keyring", 0, 2, CREDS_AUTHINFO, CREDS_KEYRING, NULL },
	{ " command ", 0, 1, CREDS_COMMAND, CREDS_COMMAND, NULL },
	{ "Keyring credential authinfo command", 0, 4, CREDS_KEYRING, CREDS_COMMAND, NULL },
	{ "keyring,keyring", -1, 0, 0, 0, "credential source keyring is listed twice" },
	{ "authinfo netrc", -1, 0, 0, 0, "unknown credential source \"netrc\"; use credential, authinfo, command or keyring" },
	{ " , ", -1, 0, 0, 0, "the credential source list is empty; use credential, authinfo, command or keyring" },
};
/* clang-format on */

START_TEST(test_parse_order)
{
	struct creds_config cfg;
	struct err e;

	creds_config_init(&cfg);
	ck_assert_uint_eq(cfg.norder, 4);
	ck_assert_int_eq(cfg.order[0], CREDS_CREDENTIAL);
	ck_assert_int_eq(cfg.order[3], CREDS_KEYRING);
	ck_assert_int_eq(creds_parse_order(&cfg, orders[_i].text, &e),
	    orders[_i].rc);
	if (orders[_i].rc == 0) {
		ck_assert_uint_eq(cfg.norder, orders[_i].n);
		ck_assert_int_eq(cfg.order[0], orders[_i].first);
		ck_assert_int_eq(cfg.order[cfg.norder - 1], orders[_i].last);
	} else {
		ck_assert_str_eq(e.msg, orders[_i].msg);
		ck_assert_uint_eq(cfg.norder, 4);
	}
}
END_TEST

static const struct {
	const char *cmd;
	int timeout_ms;
	int rc;
	const char *want; /* output, or the error message */
	                  /* clang-format off */
} commands[] = {
	{ "printf 'tok\\nsecond line\\n'", 5000, 0, "tok" },
	{ "printf 'pw\\r\\n'", 5000, 0, "pw" },
	{ "printf 'no newline'", 5000, 0, "no newline" },
	{ "read x; echo \"stdin[$x]\"", 5000, 0, "stdin[]" },
	{ "if (exec 3</dev/tty) 2>/dev/null; then echo tty; else echo notty; fi", 5000, 0, "notty" },
	{ "test \"$(ps -o sid= -p $$)\" -eq $$ && echo leader", 5000, 0, "leader" },
	{ "echo oops >&2; echo more >&2; exit 3", 5000, -1,
	  "the password command failed with exit status 3: oops" },
	{ "echo topsecret; exit 1", 5000, -1,
	  "the password command failed with exit status 1: no error output" },
	{ "printf 'bad\\033[31m\\n' >&2; exit 2", 5000, -1,
	  "the password command failed with exit status 2: bad?[31m" },
	{ "kill -TERM $$", 5000, -1,
	  "the password command was killed by signal 15: no error output" },
	{ "exit 0", 5000, -1, "the password command printed no password on its first line" },
	{ "echo; echo second", 5000, -1, "the password command printed no password on its first line" },
	{ "/nonexistent/helper", 5000, -1,
	  "the password command failed with exit status 127: sh: 1: /nonexistent/helper: not found" },
	{ "sleep 10", 300, -1, "the password command did not finish within 0.3 seconds and was killed" },
	{ "(sleep 10; echo late) & echo early; sleep 10", 300, -1,
	  "the password command did not finish within 0.3 seconds and was killed" },
};
/* clang-format on */

START_TEST(test_command)
{
	struct timespec t0, t1;
	char *out = NULL;
	struct err e;

	err_clear(&e);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(creds_run_command(commands[_i].cmd,
	                     commands[_i].timeout_ms, &out, &e),
	    commands[_i].rc);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_int_lt(t1.tv_sec - t0.tv_sec,
	    3); /* never waits for sleep 10 */
	if (commands[_i].rc == 0)
		ck_assert_str_eq(out, commands[_i].want);
	else {
		ck_assert_ptr_null(out);
		ck_assert_str_eq(e.msg, commands[_i].want);
	}
	wipe_free(out);
}
END_TEST

START_TEST(test_credential_directory)
{
	char *secret, *path, *want;
	struct err e;

	ck_assert_int_eq(creds_read_credential("relayq-password", &secret,
	                     &path, &e),
	    1);
	setenv("CREDENTIALS_DIRECTORY", test_dir, 1);
	ck_assert_int_eq(creds_read_credential("relayq-password", &secret,
	                     &path, &e),
	    1);
	free(put("relayq-password", "credpw\nrest\n", 0400));
	ck_assert_int_eq(creds_read_credential("relayq-password", &secret,
	                     &path, &e),
	    0);
	ck_assert_str_eq(secret, "credpw");
	want = xasprintf("%s/relayq-password", test_dir);
	ck_assert_str_eq(path, want);
	wipe_free(secret);
	free(path);
	free(want);
	free(put("empty", "\n", 0400));
	ck_assert_int_eq(creds_read_credential("empty", &secret, &path, &e),
	    -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "/empty is empty"));
	ck_assert_int_eq(creds_read_credential("../x", &secret, &path, &e), -1);
	ck_assert_str_eq(e.msg,
	    "invalid systemd credential name \"../x\": it must be a plain file name");
}
END_TEST

START_TEST(test_get_source_order)
{
	struct creds_config cfg;
	struct creds c;
	struct err e;
	char *ai, *want;

	creds_config_init(&cfg);
	ai = put("authinfo",
	    "# x\nAuthInfo:smtp.test:587 \"U:alice\" \"I:al\" \"P:aipw\" \"R:r\"\n"
	    "AuthInfo:tok.test \"U:t\" \"P:ya29\" \"M:XOAUTH2\"\n",
	    0600);
	cfg.authinfo = ai;
	cfg.command = "echo cmdpw";
	cfg.user = "cfguser";
	cfg.mechs = "PLAIN";

	/* No credential directory: authinfo wins over the command. */
	ck_assert_int_eq(creds_get(&cfg, "smtp.test", 587, &c, &e), 0);
	ck_assert_str_eq(c.user, "al");
	ck_assert_str_eq(c.authzid, "alice");
	ck_assert_str_eq(c.secret, "aipw");
	ck_assert_str_eq(c.realm, "r");
	ck_assert_str_eq(c.mechs,
	    "PLAIN"); /* entry has no M:, config's applies */
	ck_assert_int_eq(c.oauth, 0);
	want = xasprintf("password from authinfo %s line 2", ai);
	ck_assert_str_eq(c.source, want);
	free(want);
	creds_free(&c);
	ck_assert_ptr_null(c.secret);

	/* The entry's M: marks an OAuth2 token. */
	ck_assert_int_eq(creds_get(&cfg, "tok.test", 25, &c, &e), 0);
	ck_assert_int_eq(c.oauth, 1);
	ck_assert_str_eq(c.mechs, "XOAUTH2");
	want = xasprintf("OAuth2 token from authinfo %s line 3", ai);
	ck_assert_str_eq(c.source, want);
	free(want);
	creds_free(&c);

	/* No entry for this host: the command. */
	ck_assert_int_eq(creds_get(&cfg, "other.test", 587, &c, &e), 0);
	ck_assert_str_eq(c.user, "cfguser");
	ck_assert_str_eq(c.secret, "cmdpw");
	ck_assert_ptr_null(c.authzid);
	ck_assert_str_eq(c.source, "password from the password command");
	creds_free(&c);

	/* A systemd credential comes first. */
	setenv("CREDENTIALS_DIRECTORY", test_dir, 1);
	free(put("relayq-password", "credpw\n", 0400));
	ck_assert_int_eq(creds_get(&cfg, "smtp.test", 587, &c, &e), 0);
	ck_assert_str_eq(c.secret, "credpw");
	ck_assert_str_eq(c.user, "cfguser");
	want = xasprintf("password from systemd credential %s/relayq-password",
	    test_dir);
	ck_assert_str_eq(c.source, want);
	free(want);
	creds_free(&c);

	/* Unless the order says otherwise. */
	ck_assert_int_eq(creds_parse_order(&cfg, "command credential", &e), 0);
	cfg.oauth = 1;
	ck_assert_int_eq(creds_get(&cfg, "smtp.test", 587, &c, &e), 0);
	ck_assert_str_eq(c.secret, "cmdpw");
	ck_assert_int_eq(c.oauth, 1);
	ck_assert_str_eq(c.source, "OAuth2 token from the password command");
	creds_free(&c);
	free(ai);
}
END_TEST

START_TEST(test_get_errors)
{
	struct creds_config cfg;
	struct creds c;
	struct err e;
	char *ai, *want;

	creds_config_init(&cfg);
	cfg.authinfo = "/nonexistent/authinfo";

	/* Nothing anywhere: the message says where it looked, and why the
	 * keyring could not be asked. */
	ck_assert_int_eq(creds_get(&cfg, "smtp.test", 587, &c, &e), 1);
#ifdef HAVE_LIBSECRET
	ck_assert_str_eq(e.msg,
	    "no SMTP credentials found for smtp.test: no systemd "
	    "credential relayq-password; no authinfo file /nonexistent/authinfo; "
	    "the Secret Service keyring is not reachable (no D-Bus session, as "
	    "under cron or a systemd timer); use an authinfo file, a systemd "
	    "credential or a password command instead");
#else
	ck_assert_str_eq(e.msg,
	    "no SMTP credentials found for smtp.test: no systemd "
	    "credential relayq-password; no authinfo file /nonexistent/authinfo; "
	    "relayq was built without libsecret, so the keyring cannot be used; "
	    "use an authinfo file, a systemd credential or a password command instead");
#endif
	ck_assert_ptr_null(c.secret);

	/* A loose authinfo file stops the lookup. */
	ai = put("authinfo", "AuthInfo: \"U:u\" \"P:topsecret\"\n", 0644);
	cfg.authinfo = ai;
	cfg.command = "echo cmdpw";
	cfg.user = "u";
	ck_assert_int_eq(creds_get(&cfg, "smtp.test", 587, &c, &e), -1);
	want = xasprintf("%s is accessible by group or others (mode 0644); fix "
	                 "it with: chmod 600 %s",
	    ai, ai);
	ck_assert_str_eq(e.msg, want);
	free(want);

	/* A failing command stops it too, and a secret without a user is
	 * refused. */
	ck_assert_int_eq(creds_parse_order(&cfg, "command", &e), 0);
	cfg.command = "exit 4";
	ck_assert_int_eq(creds_get(&cfg, "smtp.test", 587, &c, &e), -1);
	ck_assert_str_eq(e.msg,
	    "the password command failed with exit status 4: no error output");
	cfg.command = "echo pw";
	cfg.user = NULL;
	ck_assert_int_eq(creds_get(&cfg, "smtp.test", 587, &c, &e), -1);
	ck_assert_str_eq(e.msg,
	    "the password command supplied a secret, but no user "
	    "name is configured; set the user");
	ck_assert_ptr_null(c.secret);
	free(ai);
}
END_TEST

/* Credentials looked up ahead, one entry per smarthost, then found by
 * host and port. */
START_TEST(test_prefetch)
{
	struct smarthost_list hosts = { NULL, 0 };
	struct creds_config cfg;
	struct creds_set cs;
	const struct creds *got = NULL;
	struct err e;

	creds_config_init(&cfg);
	ck_assert_int_eq(creds_parse_order(&cfg, "authinfo", &e), 0);
	cfg.authinfo = put("authinfo",
	    "AuthInfo:smtp.test:587 \"U:alice\" \"P:aipw\"\n", 0600);
	ck_assert_int_eq(smarthost_parse("smtp.test other.test:25",
	                     SMARTHOST_TLS_AUTO, &hosts, &e),
	    2);
	ck_assert_int_eq(creds_prefetch(&cfg, &hosts, &cs, &e), 0);
	ck_assert_uint_eq(cs.n, 2);
	ck_assert_str_eq(cs.v[0].host, "smtp.test");
	ck_assert_uint_eq(cs.v[0].port, 587);
	ck_assert_int_eq(cs.v[0].found, 1);
	ck_assert_str_eq(cs.v[0].cr.secret, "aipw");
	ck_assert_ptr_null(cs.v[0].why);
	ck_assert_str_eq(cs.v[1].host, "other.test");
	ck_assert_uint_eq(cs.v[1].port, 25);
	ck_assert_int_eq(cs.v[1].found, 0);
	ck_assert_ptr_nonnull(cs.v[1].why);

	ck_assert_int_eq(creds_set_lookup(&cs, "smtp.test", 587, &got, &e), 0);
	ck_assert_ptr_eq(got, &cs.v[0].cr);
	ck_assert_int_eq(creds_set_lookup(&cs, "other.test", 25, &got, &e), 1);
	ck_assert_str_eq(e.msg, cs.v[1].why);
	ck_assert_int_eq(creds_set_lookup(&cs, "smtp.test", 465, &got, &e), 1);
	ck_assert_str_eq(e.msg,
	    "no credentials were looked up for smtp.test:465");
	creds_set_free(&cs);
	ck_assert_uint_eq(cs.n, 0);
	ck_assert_ptr_null(cs.v);

	/* A source that is set up but fails stops the lookup: no entries. */
	ck_assert_int_eq(creds_parse_order(&cfg, "command", &e), 0);
	cfg.command = "exit 4";
	cfg.user = "u";
	ck_assert_int_eq(creds_prefetch(&cfg, &hosts, &cs, &e), -1);
	ck_assert_str_eq(e.msg,
	    "the password command failed with exit status 4: no error output");
	ck_assert_uint_eq(cs.n, 0);
	ck_assert_ptr_null(cs.v);
	smarthost_list_free(&hosts);
	free((char *)cfg.authinfo);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("creds");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_loop_test(tc, test_parse_order, 0, TEST_NELEM(orders));
	tcase_add_loop_test(tc, test_command, 0, TEST_NELEM(commands));
	tcase_add_test(tc, test_credential_directory);
	tcase_add_test(tc, test_get_source_order);
	tcase_add_test(tc, test_get_errors);
	tcase_add_test(tc, test_prefetch);
	suite_add_tcase(s, tc);
	return check_main(s);
}
