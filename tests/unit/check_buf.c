/* check_buf.c — the growable buffer and the error values. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/buf.h"
#include "lib/check_main.h"
#include "lib/err.h"
#include "lib/xalloc.h"

START_TEST(test_buf_grows)
{
	struct buf b = BUF_INIT;
	int i;

	ck_assert_str_eq(buf_cstr(&b), "");
	for (i = 0; i < 1000; i++)
		buf_addc(&b, 'a' + i % 26);
	ck_assert_uint_eq(b.len, 1000);
	ck_assert_int_eq(b.data[1000], '\0');
	ck_assert_int_eq(b.data[27], 'b');
	buf_reset(&b);
	ck_assert_uint_eq(b.len, 0);
	buf_printf(&b, "%s-%d", "x", 42);
	ck_assert_str_eq(buf_cstr(&b), "x-42");
	buf_free(&b);
}
END_TEST

START_TEST(test_buf_steal)
{
	struct buf b = BUF_INIT;
	char *s;

	buf_adds(&b, "hello");
	s = buf_steal(&b);
	ck_assert_str_eq(s, "hello");
	ck_assert_ptr_null(b.data);
	free(s);
	s = buf_steal(&b);
	ck_assert_str_eq(s, "");
	free(s);
}
END_TEST

/* A secret buffer: same content as an ordinary one through every growth
 * (it copies and wipes instead of realloc), and stays secret when reset,
 * freed or stolen from, so a reused buffer keeps wiping. */
START_TEST(test_buf_secret)
{
	struct buf b = BUF_SECRET_INIT, plain = BUF_INIT;
	char *p;
	int i;

	for (i = 0; i < 5000; i++) {
		buf_printf(&b, "pw%d;", i);
		buf_printf(&plain, "pw%d;", i);
	}
	ck_assert_uint_eq(b.len, plain.len);
	ck_assert_str_eq(b.data, plain.data);
	ck_assert_int_eq(b.secret, 1);
	ck_assert_int_eq(plain.secret, 0);
	buf_reset(&b);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(buf_cstr(&b), "");
	ck_assert_int_eq(b.secret, 1);
	buf_adds(&b, "again");
	p = buf_steal(&b);
	ck_assert_str_eq(p, "again");
	ck_assert_int_eq(b.secret, 1);
	wipe_free(p);
	buf_adds(&b, "third");
	buf_free(&b);
	ck_assert_ptr_null(b.data);
	ck_assert_int_eq(b.secret, 1);
	buf_init(&b);
	ck_assert_int_eq(b.secret, 0);
	buf_free(&plain);
}
END_TEST

START_TEST(test_err)
{
	struct err e;

	err_clear(&e);
	ck_assert_int_eq(e.code, 0);
	ck_assert_int_eq(err_set(&e, EX_DATAERR, "bad %s", "thing"), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_str_eq(e.msg, "bad thing");
	err_wrap(&e, "in %s", "file");
	ck_assert_str_eq(e.msg, "in file: bad thing");
	err_sys(&e, EX_IOERR, ENOENT, "open %s", "x");
	ck_assert_int_eq(e.code, EX_IOERR);
	ck_assert_str_eq(e.msg, "open x: No such file or directory");
}
END_TEST

static Suite *
buf_suite(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_buf_grows);
	tcase_add_test(tc, test_buf_steal);
	tcase_add_test(tc, test_buf_secret);
	tcase_add_test(tc, test_err);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(buf_suite());
}
