/* check_deadletter.c — mboxrd quoting (also across chunk boundaries), the
 * From_ line, local-only addresses, appending to a file. */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "flush/deadletter.h"
#include "lib/check_main.h"
#include "lib/slurp.h"
#include "lib/tmpdir.h"
#include "lib/xalloc.h"

/* clang-format off */
static const struct { const char *in, *out; } quotes[] = {
	{ "", "\n" },
	{ "a\n", "a\n\n" },
	{ "no newline", "no newline\n\n" },
	{ "From me\n", ">From me\n\n" },
	{ "x\nFrom me\n", "x\n>From me\n\n" },
	{ ">From me\n", ">>From me\n\n" },
	{ ">>From me\n", ">>>From me\n\n" },
	{ "From\n", "From\n\n" },              /* no blank after From */
	{ "Fro", "Fro\n\n" },                  /* held prefix flushed at the end */
	{ ">", ">\n\n" },
	{ ">x\n", ">x\n\n" },
	{ "from me\n", "from me\n\n" },        /* case matters */
	{ " From me\n", " From me\n\n" },
	{ "a From b\n", "a From b\n\n" },
	{ "From a\nFrom b\n>From c\nd\n", ">From a\n>From b\n>>From c\nd\n\n" },
	{ "Subject: x\n\nbody\n", "Subject: x\n\nbody\n\n" },
};
/* clang-format on */

/* Every case fed whole, and fed one byte at a time. */
START_TEST(test_quote)
{
	struct deadletter_quote q;
	struct buf b = BUF_INIT;
	const char *in = quotes[_i].in;
	size_t i;

	deadletter_quote_init(&q);
	deadletter_quote(&q, in, strlen(in), &b);
	deadletter_quote_end(&q, &b);
	ck_assert_str_eq(buf_cstr(&b), quotes[_i].out);
	buf_reset(&b);
	deadletter_quote_init(&q);
	for (i = 0; in[i]; i++)
		deadletter_quote(&q, in + i, 1, &b);
	deadletter_quote_end(&q, &b);
	ck_assert_str_eq(buf_cstr(&b), quotes[_i].out);
	buf_free(&b);
}
END_TEST

START_TEST(test_from_line)
{
	struct buf b = BUF_INIT;

	setenv("TZ", "UTC", 1);
	tzset();
	deadletter_from_line("", 1700000000, &b);
	ck_assert_str_eq(buf_cstr(&b),
	    "From MAILER-DAEMON Tue Nov 14 22:13:20 2023\n");
	buf_reset(&b);
	deadletter_from_line(NULL, 86400 * 3, &b);
	ck_assert_str_eq(buf_cstr(&b),
	    "From MAILER-DAEMON Sun Jan  4 00:00:00 1970\n");
	buf_reset(&b);
	deadletter_from_line("a@b.example", 0, &b);
	ck_assert_str_eq(buf_cstr(&b),
	    "From a@b.example Thu Jan  1 00:00:00 1970\n");
	buf_free(&b);
}
END_TEST

/* clang-format off */
static const struct { const char *addr; int local; } locals[] = {
	{ "alice", 1 },
	{ "alice@localhost", 1 },
	{ "alice@LocalHost", 1 },
	{ "alice@localhost.localdomain", 1 },
	{ "alice@example.com", 0 },
	{ "alice@localhost.example.com", 0 },
	{ "\"a@b\"@example.com", 0 },
	{ "", 1 },
};
/* clang-format on */

START_TEST(test_local)
{
	ck_assert_int_eq(deadletter_local_address(locals[_i].addr),
	    locals[_i].local);
}
END_TEST

static int
src_of(const char *dir, const char *text)
{
	char *p = xasprintf("%s/src", dir);
	int fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	lseek(fd, 0, SEEK_SET);
	free(p);
	return fd;
}

START_TEST(test_append)
{
	char *path, *got;
	struct stat st;
	struct err e;
	int fd;

	setenv("TZ", "UTC", 1);
	tzset();
	test_tmpdir_setup();
	setenv("HOME", test_dir, 1);
	path = deadletter_path(&e);
	ck_assert_ptr_nonnull(path);
	ck_assert_str_eq(path + strlen(test_dir), "/dead.letter");
	fd = src_of(test_dir, "Subject: one\n\nFrom here\n");
	ck_assert_int_eq(deadletter_append(path, "", 0, fd, "src", &e), 0);
	close(fd);
	fd = src_of(test_dir, "Subject: two\n\nend");
	ck_assert_int_eq(deadletter_append(path, "", 60, fd, "src", &e), 0);
	close(fd);
	got = test_slurp(path);
	ck_assert_str_eq(got,
	    "From MAILER-DAEMON Thu Jan  1 00:00:00 1970\nSubject: one\n\n>From here\n\n"
	    "From MAILER-DAEMON Thu Jan  1 00:01:00 1970\nSubject: two\n\nend\n\n");
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	free(got);
	/* A symlink is refused (O_NOFOLLOW), nothing is written through it. */
	unlink(path);
	ck_assert_int_eq(symlink("/dev/null", path), 0);
	fd = src_of(test_dir, "x\n");
	ck_assert_int_eq(deadletter_append(path, "", 0, fd, "src", &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "dead.letter"));
	close(fd);
	unlink(path);
	/* A directory is refused as not a regular file. */
	ck_assert_int_eq(mkdir(path, 0700), 0);
	fd = src_of(test_dir, "x\n");
	ck_assert_int_eq(deadletter_append(path, "", 0, fd, "src", &e), -1);
	close(fd);
	rmdir(path);
	free(path);
	test_tmpdir_teardown();
}
END_TEST

START_TEST(test_no_home)
{
	struct err e;
	char *p;

	setenv("HOME", "relative", 1);
	p = deadletter_path(&e);
	/* Falls back to the password database (root's /root here, or the
	 * test user's home); never the relative value. */
	if (p != NULL) {
		ck_assert_int_eq(p[0], '/');
		ck_assert_ptr_null(strstr(p, "relative"));
	} else {
		ck_assert_int_eq(e.code, EX_CANTCREAT);
	}
	free(p);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("deadletter");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_quote, 0, TEST_NELEM(quotes));
	tcase_add_test(tc, test_from_line);
	tcase_add_loop_test(tc, test_local, 0, TEST_NELEM(locals));
	tcase_add_test(tc, test_append);
	tcase_add_test(tc, test_no_home);
	suite_add_tcase(s, tc);
	return check_main(s);
}
