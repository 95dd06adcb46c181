/* check_input.c — reading the message from stdin: terminators, dots, -ba,
 * long lines, no final newline. */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/check_main.h"
#include "submit/input.h"

/* Feeds `in` through a pipe-less temp file and renders what input_next
 * hands out as "piece|piece|" where a piece ending its line gets "$". */
static char *
render(const char *data, size_t len, int crlf_only, int dots_end, int *by_dot)
{
	FILE *f = tmpfile();
	struct input in;
	struct buf out = BUF_INIT;
	struct err e;
	const char *p;
	size_t n;
	int eol, r;

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	fflush(f);
	rewind(f);
	input_init(&in, fileno(f), crlf_only, dots_end);
	while ((r = input_next(&in, &p, &n, &eol, &e)) == 1) {
		buf_add(&out, p, n);
		buf_adds(&out, eol ? "$" : "|");
	}
	ck_assert_int_eq(r, 0);
	ck_assert_int_eq(input_next(&in, &p, &n, &eol, &e), 0);
	*by_dot = in.ended_by_dot;
	input_free(&in);
	fclose(f);
	return buf_steal(&out);
}

static const struct {
	const char *in;
	int crlf_only, dots_end;
	const char *want;
	int by_dot;
	/* clang-format off */
} cases[] = {
	{ "a\nb\n", 0, 1, "a$b$", 0 },
	{ "a\r\nb\r\n", 0, 1, "a$b$", 0 },
	{ "a\nb", 0, 1, "a$b$", 0 },                     /* no final newline */
	{ "a\n.\nafter\n", 0, 1, "a$", 1 },              /* dot ends */
	{ "a\n.\r\nafter\n", 0, 1, "a$", 1 },
	{ "a\n.\nafter\n", 0, 0, "a$.$after$", 0 },      /* -i */
	{ "a\n..\n.x\n", 0, 1, "a$..$.x$", 0 },          /* no unstuffing */
	{ "a\n.", 0, 1, "a$", 1 },                       /* dot at EOF */
	{ ".\n", 0, 1, "", 1 },
	{ "", 0, 1, "", 0 },
	{ "\n\n", 0, 1, "$$", 0 },
	{ "a\nb\r\n", 1, 1, "a\nb$", 0 },                /* -ba: only CRLF ends */
	{ "x\rx\n", 0, 1, "x\rx$", 0 },                  /* bare CR is data */
	{ "a\r", 0, 1, "a\r$", 0 },
	{ "h: v\n\nbody\n.\n", 0, 1, "h: v$$body$", 1 },
};
/* clang-format on */

START_TEST(test_table)
{
	int by_dot;
	char *got = render(cases[_i].in, strlen(cases[_i].in),
	    cases[_i].crlf_only, cases[_i].dots_end, &by_dot);

	ck_assert_str_eq(got, cases[_i].want);
	ck_assert_int_eq(by_dot, cases[_i].by_dot);
	free(got);
}
END_TEST

START_TEST(test_nul_bytes)
{
	static const char data[] = "a\0b\n";
	int by_dot;
	char *got = render(data, 4, 0, 1, &by_dot);

	ck_assert_int_eq(memcmp(got, "a\0b$", 4), 0);
	free(got);
}
END_TEST

START_TEST(test_long_line_in_pieces)
{
	size_t len = 3 * INPUT_CHUNK + 10;
	char *data = malloc(len + 1);
	FILE *f = tmpfile();
	struct input in;
	struct err e;
	const char *p;
	size_t n, total = 0;
	int eol, pieces = 0;

	memset(data, 'x', len);
	data[len] = '\n';
	fwrite(data, 1, len + 1, f);
	fflush(f);
	rewind(f);
	input_init(&in, fileno(f), 0, 1);
	while (input_next(&in, &p, &n, &eol, &e) == 1) {
		total += n;
		pieces++;
		if (total < len)
			ck_assert_int_eq(eol, 0);
	}
	ck_assert_uint_eq(total, len);
	ck_assert_int_ge(pieces, 4);
	ck_assert_int_eq(eol, 1);
	input_free(&in);
	fclose(f);
	free(data);
}
END_TEST

/* The out-parameter rule (err.h): a read error (here: the fd is a
 * directory) returns -1 with EX_IOERR and leaves *p, *n and *eol as they
 * were. */
START_TEST(test_failure_leaves_out)
{
	struct input in;
	struct err e;
	const char *p = "sentinel";
	size_t n = 99;
	int eol = 7, fd = open(".", O_RDONLY | O_DIRECTORY);

	ck_assert_int_ge(fd, 0);
	input_init(&in, fd, 0, 1);
	ck_assert_int_eq(input_next(&in, &p, &n, &eol, &e), -1);
	ck_assert_int_eq(e.code, EX_IOERR);
	ck_assert_str_eq(p, "sentinel");
	ck_assert_uint_eq(n, 99);
	ck_assert_int_eq(eol, 7);
	input_free(&in);
	close(fd);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("input");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_table, 0, TEST_NELEM(cases));
	tcase_add_test(tc, test_nul_bytes);
	tcase_add_test(tc, test_long_line_in_pieces);
	tcase_add_test(tc, test_failure_leaves_out);
	suite_add_tcase(s, tc);
	return check_main(s);
}
