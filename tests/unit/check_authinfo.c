/* check_authinfo.c — authinfo text → chosen entry and values, error texts
 * (file and line, never the secret), the permission rule with injected
 * stat results, and real files (as root here; as uid 65534 via setpriv). */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "auth/authinfo.h"
#include "lib/check_main.h"
#include "lib/tmpdir.h"

static const char sample[] =
    "# relayq credentials\n"
    "\n"
    "AuthInfo: \"U:default\" \"P:dpw\"\n"
    "AuthInfo:smtp.example.com \"U:hostonly\" \"P:hpw\" \"M:login plain\"\n"
    "  AuthInfo:SMTP.example.com:587 \"U:alice\" \"I:alice@login\" \"P:pp\" "
    "\"R:example.com\" # trailing comment\r\n"
    "AuthInfo:[10.0.0.1]:465 U:bare P=c2VjcmV0IHdpdGggInF1b3RlcyI=\n"
    "AuthInfo:mail.test \"U:q\\\"uote\" \"P:a \\\\ b\" \"M:XOAUTH2 oauthbearer\"\n"
    "AuthInfo:same.test \"U:x\" \"I:x\" \"P:y\"\n";

static const struct {
	const char *host;
	unsigned port;
	unsigned line;
	const char *login, *authzid, *secret, *realm, *mechs;
	int oauth;
	/* clang-format off */
} finds[] = {
	{ "smtp.example.com", 587, 5, "alice@login", "alice", "pp", "example.com", NULL, 0 },
	{ "smtp.example.com", 25, 4, "hostonly", NULL, "hpw", NULL, "LOGIN PLAIN", 0 },
	{ "Smtp.Example.Com", 0, 4, "hostonly", NULL, "hpw", NULL, "LOGIN PLAIN", 0 },
	{ "other.example.com", 587, 3, "default", NULL, "dpw", NULL, NULL, 0 },
	{ "10.0.0.1", 465, 6, "bare", NULL, "secret with \"quotes\"", NULL, NULL, 0 },
	{ "10.0.0.1", 587, 3, "default", NULL, "dpw", NULL, NULL, 0 },
	{ "mail.test", 25, 7, "q\"uote", NULL, "a \\ b", NULL, "XOAUTH2 OAUTHBEARER", 1 },
	{ "same.test", 25, 8, "x", NULL, "y", NULL, NULL, 0 },
};
/* clang-format on */

static void
assert_opt(const char *got, const char *want)
{
	if (want == NULL)
		ck_assert_ptr_null(got);
	else
		ck_assert_str_eq(got, want);
}

START_TEST(test_find)
{
	struct authinfo ai = AUTHINFO_INIT;
	const struct authinfo_entry *en;
	struct err e;

	ck_assert_int_eq(authinfo_parse(&ai, "/a/authinfo", sample,
	                     sizeof(sample) - 1, &e),
	    0);
	ck_assert_uint_eq(ai.n, 6);
	en = authinfo_find(&ai, finds[_i].host, finds[_i].port);
	ck_assert_ptr_nonnull(en);
	ck_assert_uint_eq(en->line, finds[_i].line);
	ck_assert_str_eq(en->login, finds[_i].login);
	assert_opt(en->authzid, finds[_i].authzid);
	ck_assert_str_eq(en->secret, finds[_i].secret);
	assert_opt(en->realm, finds[_i].realm);
	assert_opt(en->mechs, finds[_i].mechs);
	ck_assert_int_eq(en->oauth, finds[_i].oauth);
	authinfo_free(&ai);
}
END_TEST

START_TEST(test_no_default_no_match)
{
	static const char text[] = "AuthInfo:a.test:587 \"U:u\" \"P:p\"\n";
	struct authinfo ai = AUTHINFO_INIT;
	struct err e;

	ck_assert_int_eq(authinfo_parse(&ai, "f", text, sizeof(text) - 1, &e),
	    0);
	ck_assert_ptr_null(authinfo_find(&ai, "a.test", 25));
	ck_assert_ptr_null(authinfo_find(&ai, "b.test", 587));
	ck_assert_ptr_nonnull(authinfo_find(&ai, "A.TEST", 587));
	authinfo_free(&ai);
}
END_TEST

static const struct {
	const char *text, *msg;
	/* clang-format off */
} bad[] = {
	{ "AuthInfo:h \"U:u\"\n", "/e/ai line 1: no password (P:)" },
	{ "\n\nAuthInfo:h \"P:topsecret\"\n", "/e/ai line 3: no user name (U: or I:)" },
	{ "Auth:h \"U:u\" \"P:topsecret\"\n", "/e/ai line 1: an entry must start with \"AuthInfo:\"" },
	{ "AuthInfo:h \"U:u\" \"P:topsecret\n", "/e/ai line 1: a quoted item has no closing quote" },
	{ "AuthInfo:h \"U:u\"\"P:topsecret\"\n", "/e/ai line 1: items must be separated by spaces" },
	{ "AuthInfo:h \"U:u\" \"Ptopsecret\"\n", "/e/ai line 1: an item is not of the form \"X:value\" (X one of U, I, P, R, M)" },
	{ "AuthInfo:h \"U:u\" \"X:topsecret\"\n", "/e/ai line 1: unknown item; use U:, I:, P:, R: or M:" },
	{ "AuthInfo:h \"U:u\" \"P:a\" \"P:topsecret\"\n", "/e/ai line 1: item P: is given twice" },
	{ "AuthInfo:h \"U:u\" \"P=!!topsecret\"\n", "/e/ai line 1: the P= value is not valid base64 text" },
	{ "AuthInfo:h:99999 \"U:u\" \"P:topsecret\"\n", "/e/ai line 1: the port after the host name must be a number from 1 to 65535" },
	{ "AuthInfo:h:smtp \"U:u\" \"P:topsecret\"\n", "/e/ai line 1: the port after the host name must be a number from 1 to 65535" },
	{ "AuthInfo:[::1 \"U:u\" \"P:topsecret\"\n", "/e/ai line 1: missing \"]\" after the host name" },
	{ "AuthInfo::25 \"U:u\" \"P:topsecret\"\n", "/e/ai line 1: empty host name" },
	{ "AuthInfo:h \"U:u\" \"P:topsecret\" \"M: \"\n", "/e/ai line 1: M: names no mechanism" },
	{ "AuthInfo:h \"U:u\" \"P:topsecret\" \"M:PLAIN XOAUTH2\"\n",
	  "/e/ai line 1: M: mixes OAuth2 mechanisms (XOAUTH2, OAUTHBEARER) with password mechanisms; use separate entries or files" },
	{ "AuthInfo:h:25 \"U:u\" \"P:a\"\n# x\nAuthInfo:H:25 \"U:v\" \"P:topsecret\"\n",
	  "/e/ai line 3: a second entry for the same host and port (the first is on line 1)" },
};
/* clang-format on */

START_TEST(test_errors)
{
	struct authinfo ai = AUTHINFO_INIT;
	struct err e;

	err_clear(&e);
	ck_assert_int_eq(authinfo_parse(&ai, "/e/ai", bad[_i].text,
	                     strlen(bad[_i].text), &e),
	    -1);
	ck_assert_str_eq(e.msg, bad[_i].msg);
	ck_assert_ptr_null(strstr(e.msg, "topsecret"));
	/* The out-parameter rule (err.h): failure leaves ai empty again. */
	ck_assert_uint_eq(ai.n, 0);
	ck_assert_ptr_null(ai.v);
	ck_assert_ptr_null(ai.path);
}
END_TEST

static const struct {
	mode_t mode;
	uid_t uid;
	const char *msg; /* NULL: accepted */
	                 /* clang-format off */
} perms[] = {
	{ S_IFREG | 0600, 1000, NULL },
	{ S_IFREG | 0400, 1000, NULL },
	{ S_IFREG | 0640, 1000, "/h/.authinfo is accessible by group or others (mode 0640); fix it with: chmod 600 /h/.authinfo" },
	{ S_IFREG | 0604, 1000, "/h/.authinfo is accessible by group or others (mode 0604); fix it with: chmod 600 /h/.authinfo" },
	{ S_IFREG | 0620, 1000, "/h/.authinfo is accessible by group or others (mode 0620); fix it with: chmod 600 /h/.authinfo" },
	{ S_IFREG | 0600, 1001, "/h/.authinfo is owned by uid 1001, but credentials must be owned by uid 1000; fix it with: chown 1000 /h/.authinfo" },
	{ S_IFDIR | 0700, 1000, "/h/.authinfo is not a regular file; credentials must be in a plain file" },
};
/* clang-format on */

START_TEST(test_check_stat)
{
	struct stat st;
	struct err e;

	memset(&st, 0, sizeof(st));
	st.st_mode = perms[_i].mode;
	st.st_uid = perms[_i].uid;
	err_clear(&e);
	ck_assert_int_eq(authinfo_check_stat("/h/.authinfo", &st, 1000, &e),
	    perms[_i].msg ? -1 : 0);
	if (perms[_i].msg)
		ck_assert_str_eq(e.msg, perms[_i].msg);
}
END_TEST

static char *
write_file(const char *dir, const char *name, const char *text, mode_t mode)
{
	char *path;
	FILE *f;

	ck_assert_int_ge(asprintf(&path, "%s/%s", dir, name), 0);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	ck_assert_int_eq(chmod(path, mode), 0);
	return path;
}

START_TEST(test_load_real_files)
{
	char *good, *loose, *link;
	struct authinfo ai = AUTHINFO_INIT;
	struct err e;

	test_tmpdir_setup();
	good =
	    write_file(test_dir, "good", "AuthInfo:h \"U:u\" \"P:p\"\n", 0600);
	loose =
	    write_file(test_dir, "loose", "AuthInfo:h \"U:u\" \"P:p\"\n", 0644);
	ck_assert_int_ge(asprintf(&link, "%s/link", test_dir), 0);
	ck_assert_int_eq(symlink(good, link), 0);

	ck_assert_int_eq(authinfo_load(&ai, good, geteuid(), &e), 0);
	ck_assert_uint_eq(ai.n, 1);
	ck_assert_str_eq(ai.path, good);
	authinfo_free(&ai);
	ck_assert_int_eq(authinfo_load(&ai, loose, geteuid(), &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "fix it with: chmod 600"));
	ck_assert_int_eq(authinfo_load(&ai, good, geteuid() + 1, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "fix it with: chown"));
	ck_assert_int_eq(authinfo_load(&ai, link, geteuid(), &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "is a symbolic link"));
	ck_assert_int_eq(authinfo_load(&ai, "/nonexistent/authinfo", geteuid(),
	                     &e),
	    1);
	free(good), free(loose), free(link);
	test_tmpdir_teardown();
}
END_TEST

/* Root ignores permission bits, so also check as uid 65534 that another
 * user's file is refused by ownership even when it is readable. */
START_TEST(test_load_as_nobody)
{
	struct authinfo ai = AUTHINFO_INIT;
	char *path;
	struct err e;
	pid_t pid;
	int status;

	if (geteuid() != 0)
		return; /* the root-only part; non-root runs test it directly */
	test_tmpdir_setup();
	ck_assert_int_eq(chmod(test_dir, 0755), 0);
	path = write_file(test_dir, "rootfile", "AuthInfo:h \"U:u\" \"P:p\"\n",
	    0600);
	ck_assert_int_eq(chmod(path, 0644), 0);
	pid = fork();
	if (pid == 0) {
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(2);
		if (authinfo_load(&ai, path, getuid(), &e) != -1)
			_exit(3);
		_exit(strstr(e.msg,
		          "is owned by uid 0, but credentials must be "
		          "owned by uid 65534") ?
		        0 :
		        4);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	free(path);
	test_tmpdir_teardown();
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("authinfo");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_find, 0, TEST_NELEM(finds));
	tcase_add_test(tc, test_no_default_no_match);
	tcase_add_loop_test(tc, test_errors, 0, TEST_NELEM(bad));
	tcase_add_loop_test(tc, test_check_stat, 0, TEST_NELEM(perms));
	tcase_add_test(tc, test_load_real_files);
	tcase_add_test(tc, test_load_as_nobody);
	suite_add_tcase(s, tc);
	return check_main(s);
}
