/* check_oauth_token.c — the OAuth2 token file: parse, errors that name the
 * line but never the token, save + load round trip with mode 600, the
 * private-file checks, the staleness rule and the refresh lock. */
#include "config.h"

#include <sys/file.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "auth/oauth_token.h"
#include "lib/check_main.h"
#include "lib/tmpdir.h"

START_TEST(test_parse)
{
	static const char text[] =
	    "# comment\nversion 1\nrefresh_token R-1/x.y\r\n"
	    "access_token A.b-c\nexpires 1790000000\nrefreshed 1789996400\n"
	    "refused 1790000001\n";
	struct oauth_tokens t = OAUTH_TOKENS_INIT;
	struct err e;

	ck_assert_int_eq(oauth_tokens_parse(&t, "f", text, strlen(text), &e),
	    0);
	ck_assert_str_eq(t.refresh, "R-1/x.y");
	ck_assert_str_eq(t.access, "A.b-c");
	ck_assert_int_eq((long long)t.expires, 1790000000LL);
	ck_assert_int_eq((long long)t.refreshed, 1789996400LL);
	ck_assert_int_eq((long long)t.refused, 1790000001LL);
	oauth_tokens_free(&t);
	ck_assert_ptr_null(t.refresh);
}
END_TEST

static const struct {
	const char *text, *msg;
	/* clang-format off */
} bad[] = {
	{ "refresh_token SECRETTOKEN\n", "no \"version 1\" line" },
	{ "version 1\nrefresh_token SECRET TOKEN\n", "f line 2 is not understood" },
	{ "version 1\naccess_token\n", "f line 2 is not understood" },
	{ "version 1\nexpires soon\n", "f line 2 is not understood" },
	{ "version 2\n", "unknown version 2" },
	{ "version 1\nbogus SECRETTOKEN\n", "f line 2 is not understood" },
};
/* clang-format on */

START_TEST(test_parse_errors)
{
	struct oauth_tokens t = OAUTH_TOKENS_INIT;
	struct err e;

	ck_assert_int_eq(oauth_tokens_parse(&t, "f", bad[_i].text,
	                     strlen(bad[_i].text), &e),
	    -1);
	ck_assert_msg(strstr(e.msg, bad[_i].msg) != NULL, "%s", e.msg);
	ck_assert_msg(strstr(e.msg, "SECRET") == NULL, "%s", e.msg);
	ck_assert_ptr_null(t.refresh);
	ck_assert_ptr_null(t.access);
}
END_TEST

START_TEST(test_roundtrip)
{
	char path[TEST_DIR_MAX + 16];
	struct oauth_tokens t = OAUTH_TOKENS_INIT, u = OAUTH_TOKENS_INIT;
	struct stat st;
	struct err e;

	test_tmpdir_setup();
	snprintf(path, sizeof(path), "%s/oauth-token", test_dir);
	ck_assert_int_eq(oauth_tokens_load(&u, path, geteuid(), &e), 1);
	t.refresh = strdup("refresh-1");
	t.access = strdup("access-1");
	t.expires = 2000000000;
	t.refused = 1999999999;
	ck_assert_int_eq(oauth_tokens_save(path, &t, &e), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(oauth_tokens_load(&u, path, geteuid(), &e), 0);
	ck_assert_str_eq(u.refresh, "refresh-1");
	ck_assert_str_eq(u.access, "access-1");
	ck_assert_int_eq((long long)u.expires, 2000000000LL);
	ck_assert_int_eq((long long)u.refreshed, 0);
	ck_assert_int_eq((long long)u.refused, 1999999999LL);
	oauth_tokens_free(&u);
	/* Loose permissions are refused with the fix. */
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_int_eq(oauth_tokens_load(&u, path, geteuid(), &e), -1);
	ck_assert_msg(strstr(e.msg, "chmod 600") != NULL, "%s", e.msg);
	oauth_tokens_free(&t);
	test_tmpdir_teardown();
}
END_TEST

/* The refresh lock: PATH.lock, mode 600, exclusive while held (flock is
 * per open file, so a second open in this process conflicts too); a
 * directory that cannot be written is an error naming the lock. */
START_TEST(test_lock)
{
	char dir[] = "/tmp/check_oauth_token.XXXXXX", path[64], lock[80];
	struct stat st;
	struct err e;
	int fd, other;

	ck_assert_ptr_nonnull(test_mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/oauth-token", dir);
	snprintf(lock, sizeof(lock), "%s.lock", path);
	fd = oauth_tokens_lock(path, &e);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(stat(lock, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	other = open(lock, O_RDWR);
	ck_assert_int_ge(other, 0);
	ck_assert_int_eq(flock(other, LOCK_EX | LOCK_NB), -1);
	ck_assert_int_eq(errno, EWOULDBLOCK);
	close(fd);
	ck_assert_int_eq(flock(other, LOCK_EX | LOCK_NB), 0);
	close(other);
	/* Below a regular file (even root cannot create there): the
	 * message names the lock file. */
	snprintf(path, sizeof(path), "%s/oauth-token.lock/oauth-token", dir);
	ck_assert_int_eq(oauth_tokens_lock(path, &e), -1);
	ck_assert_int_eq(e.code, EX_CANTCREAT);
	ck_assert_msg(strstr(e.msg, path) != NULL, "%s", e.msg);
}
END_TEST

START_TEST(test_stale)
{
	struct oauth_tokens t = OAUTH_TOKENS_INIT;

	ck_assert(oauth_tokens_stale(&t, 1000, 60));
	t.access = strdup("a");
	ck_assert(oauth_tokens_stale(&t, 1000, 60)); /* expiry unknown */
	t.expires = 1061;
	ck_assert(!oauth_tokens_stale(&t, 1000, 60));
	t.expires = 1060;
	ck_assert(oauth_tokens_stale(&t, 1000, 60));
	oauth_tokens_free(&t);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("oauth_token");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_parse);
	tcase_add_loop_test(tc, test_parse_errors, 0, TEST_NELEM(bad));
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_stale);
	tcase_add_test(tc, test_lock);
	suite_add_tcase(s, tc);
	return check_main(s);
}
