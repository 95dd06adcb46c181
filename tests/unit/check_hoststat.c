/* check_hoststat.c — the hoststat file: exact text, parse, torn files,
 * merge, the table, load/save/purge. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "flush/hoststat.h"
#include "lib/check_main.h"
#include "lib/tmpdir.h"
#include "lib/xalloc.h"

static const char two[] =
    "relayq-hoststat 1\n"
    "host 127.0.0.1[127.0.0.1]:587 1700000000 ok 250 2.0.0 Ok\n"
    "host smtp.example.com[192.0.2.7]:465 1700000100 temp connect: refused\\r\\n\n"
    "end\n";

static void
make_two(struct hoststat *h)
{
	/* Added out of order: kept sorted by endpoint. */
	hoststat_set(h, "smtp.example.com[192.0.2.7]:465", 1700000100, "temp",
	    "connect: refused\r\n");
	hoststat_set(h, "127.0.0.1[127.0.0.1]:587", 1, "perm", "old");
	hoststat_set(h, "127.0.0.1[127.0.0.1]:587", 1700000000, "ok",
	    "250 2.0.0 Ok");
}

START_TEST(test_format)
{
	struct hoststat h = HOSTSTAT_INIT;
	struct buf b = BUF_INIT;

	make_two(&h);
	ck_assert_uint_eq(h.n, 2);
	hoststat_format(&h, &b);
	ck_assert_str_eq(buf_cstr(&b), two);
	buf_reset(&b);
	hoststat_free(&h);
	hoststat_format(&h, &b);
	ck_assert_str_eq(buf_cstr(&b), "relayq-hoststat 1\nend\n");
	buf_free(&b);
}
END_TEST

START_TEST(test_parse)
{
	struct hoststat h = HOSTSTAT_INIT;
	struct err e;

	ck_assert_int_eq(hoststat_parse(&h, two, strlen(two), &e), 0);
	ck_assert_uint_eq(h.n, 2);
	ck_assert_str_eq(h.v[0].endpoint, "127.0.0.1[127.0.0.1]:587");
	ck_assert_int_eq(h.v[0].when, 1700000000);
	ck_assert_str_eq(h.v[0].status, "ok");
	ck_assert_str_eq(h.v[0].text, "250 2.0.0 Ok");
	ck_assert_str_eq(h.v[1].text, "connect: refused\r\n");
	hoststat_free(&h);
}
END_TEST

/* A reply stored by a version that invented "4.0.0" before the server's
 * own code reads back with the server's code only. */
START_TEST(test_parse_old_reply)
{
	static const char old[] =
	    "relayq-hoststat 1\n"
	    "host mx[192.0.2.1]:587 1700000000 temp 421 4.0.0 4.7.0 too busy\n"
	    "end\n";
	struct hoststat h = HOSTSTAT_INIT;
	struct err e;

	ck_assert_int_eq(hoststat_parse(&h, old, strlen(old), &e), 0);
	ck_assert_str_eq(h.v[0].text, "421 4.7.0 too busy");
	hoststat_free(&h);
}
END_TEST

#define HEAD "relayq-hoststat 1\n"
/* clang-format off */
static const struct { const char *text; const char *msg; } bad[] = {
	{ "", "empty file" },
	{ HEAD, "truncated (no end line)" },
	{ HEAD "host a 1 ok x\n", "truncated (no end line)" },
	{ HEAD "host a 1 ok x", "line 2: truncated (last line has no end)" },
	{ "relayq-hoststat 2\nend\n", "line 1: not a relayq hoststat file (version 1)" },
	{ "relayq-envelope 1\nend\n", "line 1: not a relayq hoststat file (version 1)" },
	{ HEAD "host a 1 fine x\nend\n", "line 2: malformed" },
	{ HEAD "host a x1 ok x\nend\n", "line 2: malformed" },
	{ HEAD "host a -1 ok x\nend\n", "line 2: malformed" },
	{ HEAD "host a 1 ok\nend\n", "line 2: malformed" },
	{ HEAD "host  1 ok x\nend\n", "line 2: malformed" },
	{ HEAD "host a 1 ok bad\\q\nend\n", "line 2: malformed" },
	{ HEAD "other a 1 ok x\nend\n", "line 2: malformed" },
	{ HEAD "end\nhost a 1 ok x\n", "line 3: text after the end line" },
};
/* clang-format on */

START_TEST(test_bad)
{
	struct hoststat h = HOSTSTAT_INIT;
	struct err e;

	ck_assert_int_eq(hoststat_parse(&h, bad[_i].text, strlen(bad[_i].text),
	                     &e),
	    -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_str_eq(e.msg, bad[_i].msg);
	hoststat_free(&h);
}
END_TEST

START_TEST(test_merge)
{
	struct hoststat h = HOSTSTAT_INIT, run = HOSTSTAT_INIT;

	make_two(&h);
	hoststat_set(&run, "127.0.0.1[127.0.0.1]:587", 1700000500, "temp",
	    "421 busy");
	hoststat_set(&run, "smtp.example.com[192.0.2.7]:465", 5, "ok", "older");
	hoststat_set(&run, "b[::1]:25", 7, "ok", "new");
	hoststat_merge(&h, &run);
	ck_assert_uint_eq(h.n, 3);
	ck_assert_str_eq(h.v[0].endpoint, "127.0.0.1[127.0.0.1]:587");
	ck_assert_str_eq(h.v[0].text, "421 busy");
	ck_assert_str_eq(h.v[1].endpoint, "b[::1]:25");
	ck_assert_str_eq(h.v[2].text, "connect: refused\r\n"); /* newer kept */
	hoststat_free(&h);
	hoststat_free(&run);
}
END_TEST

START_TEST(test_table)
{
	struct hoststat h = HOSTSTAT_INIT;
	struct buf b = BUF_INIT;

	setenv("TZ", "UTC", 1);
	setenv("LANGUAGE", "C", 1);
	tzset();
	hoststat_table(&h, &b);
	ck_assert_str_eq(buf_cstr(&b), "no host status recorded\n");
	buf_reset(&b);
	hoststat_set(&h, "127.0.0.1[127.0.0.1]:587", 1700000000, "ok",
	    "250 2.0.0 Ok");
	hoststat_table(&h, &b);
	ck_assert_str_eq(buf_cstr(&b),
	    "Endpoint                                 Last contact        Status Reply\n"
	    "127.0.0.1[127.0.0.1]:587                 2023-11-14 22:13:20 ok     250 2.0.0 Ok\n");
	hoststat_free(&h);
	buf_free(&b);
}
END_TEST

START_TEST(test_files)
{
	struct hoststat h = HOSTSTAT_INIT, back = HOSTSTAT_INIT;
	struct err e;
	struct stat st;
	char *path;
	int existed = -1;
	FILE *fp;

	test_tmpdir_setup();
	path = hoststat_path(test_dir);
	ck_assert_str_eq(path + strlen(test_dir), "/hoststat");
	ck_assert_int_eq(hoststat_load(path, &back, &e),
	    0); /* missing: empty */
	ck_assert_uint_eq(back.n, 0);
	make_two(&h);
	ck_assert_int_eq(hoststat_save(test_dir, path, &h, &e), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(hoststat_load(path, &back, &e), 0);
	ck_assert_uint_eq(back.n, 2);
	ck_assert_str_eq(back.v[1].endpoint, "smtp.example.com[192.0.2.7]:465");
	hoststat_free(&back);
	/* A torn file is refused, naming the path. */
	fp = fopen(path, "w");
	fputs("relayq-hoststat 1\nhost a 1 ok x\n", fp);
	fclose(fp);
	ck_assert_int_eq(hoststat_load(path, &back, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "hoststat"));
	ck_assert_ptr_nonnull(strstr(e.msg, "truncated"));
	hoststat_free(&back);
	ck_assert_int_eq(hoststat_purge(path, &existed, &e), 0);
	ck_assert_int_eq(existed, 1);
	ck_assert_int_ne(access(path, F_OK), 0);
	ck_assert_int_eq(hoststat_purge(path, &existed, &e), 0);
	ck_assert_int_eq(existed, 0);
	free(path);
	hoststat_free(&h);
	test_tmpdir_teardown();
}
END_TEST

/* The out-parameter rule (err.h), the documented exception: a failed
 * hoststat_parse leaves the entries before the bad line, each complete,
 * and hoststat_free is right. */
START_TEST(test_failure_leaves_table_freeable)
{
	static const char text[] =
	    HEAD "host a[1]:25 1 ok fine\nhost b[2]:25 2 temp busy\n"
	         "host c[3]:25 x perm bad\nend\n";
	struct hoststat h = HOSTSTAT_INIT;
	struct err e;

	ck_assert_int_eq(hoststat_parse(&h, text, sizeof(text) - 1, &e), -1);
	ck_assert_str_eq(e.msg, "line 4: malformed");
	ck_assert_uint_eq(h.n, 2);
	ck_assert_str_eq(h.v[1].endpoint, "b[2]:25");
	ck_assert_str_eq(h.v[1].status, "temp");
	ck_assert_str_eq(h.v[1].text, "busy");
	hoststat_free(&h);
	ck_assert_ptr_null(h.v);
	ck_assert_uint_eq(h.n, 0);
}
END_TEST

/* Found by fuzz_hoststat: the file is the user's to edit, so an escape
 * sequence or a CR in it must not reach the terminal from hoststat(8). */
START_TEST(test_table_sanitised)
{
	static const char text[] = HEAD
	    "host a\\x1b[2J[1]:25 1700000000 temp \\x1b[31mred\\r\\nfake line\\x7f\nend\n";
	struct hoststat h = HOSTSTAT_INIT;
	struct buf b = BUF_INIT;
	struct err e;

	setenv("TZ", "UTC", 1);
	setenv("LANGUAGE", "C", 1);
	tzset();
	ck_assert_int_eq(hoststat_parse(&h, text, sizeof(text) - 1, &e), 0);
	hoststat_table(&h, &b);
	ck_assert_str_eq(buf_cstr(&b),
	    "Endpoint                                 Last contact        Status Reply\n"
	    "a?[2J[1]:25                              2023-11-14 22:13:20 temp   ?[31mred??fake line?\n");
	hoststat_free(&h);
	buf_free(&b);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("hoststat");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_parse_old_reply);
	tcase_add_loop_test(tc, test_bad, 0, TEST_NELEM(bad));
	tcase_add_test(tc, test_merge);
	tcase_add_test(tc, test_table);
	tcase_add_test(tc, test_failure_leaves_table_freeable);
	tcase_add_test(tc, test_table_sanitised);
	tcase_add_test(tc, test_files);
	suite_add_tcase(s, tc);
	return check_main(s);
}
