/* check_record.c — the state-file framing shared by the envelope and the
 * host status table: escaping (no value adds a line), the first line and
 * its version, the end line, torn and hostile files. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/check_main.h"
#include "lib/record.h"

#define NCASES(t) ((int)(sizeof(t) / sizeof((t)[0])))

/* clang-format off */
static const char *const escape_cases[][2] = {
	{ "plain text", "plain text" },
	{ "a\\b", "a\\\\b" },
	{ "l1\nl2\r", "l1\\nl2\\r" },
	{ "\t\x01\x7f", "\\t\\x01\\x7F" },
	{ "caf\xc3\xa9", "caf\\xC3\\xA9" },
	{ "", "" },
};
/* clang-format on */

START_TEST(test_escape)
{
	struct buf b = BUF_INIT;
	char *back;

	record_escape(&b, escape_cases[_i][0], strlen(escape_cases[_i][0]));
	ck_assert_str_eq(buf_cstr(&b), escape_cases[_i][1]);
	ck_assert_int_eq(record_unescape(b.data ? b.data : "", b.len, &back),
	    0);
	ck_assert_str_eq(back, escape_cases[_i][0]);
	free(back);
	buf_free(&b);
}
END_TEST

static const char *const bad_escapes[] = {
	"a\\",
	"\\q",
	"\\x0",
	"\\x00",
	"\\xG1",
	"tab\there",
};

START_TEST(test_unescape_bad)
{
	char *res = NULL;

	ck_assert_int_eq(record_unescape(bad_escapes[_i],
	                     strlen(bad_escapes[_i]), &res),
	    -1);
	ck_assert_ptr_null(res);
}
END_TEST

/* Every byte value escapes to printable ASCII without LF and reads back. */
START_TEST(test_escape_all_bytes)
{
	struct buf b = BUF_INIT;
	char in[255], *back;
	size_t i;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (char)(i + 1);
	record_escape(&b, in, sizeof(in));
	for (i = 0; i < b.len; i++)
		ck_assert(b.data[i] >= 0x20 && b.data[i] < 0x7f);
	ck_assert_int_eq(record_unescape(b.data, b.len, &back), 0);
	ck_assert_mem_eq(back, in, sizeof(in));
	ck_assert_uint_eq(strlen(back), sizeof(in));
	free(back);
	buf_free(&b);
}
END_TEST

START_TEST(test_write)
{
	struct buf b = BUF_INIT;

	record_begin(&b, "relayq-test", 7);
	buf_adds(&b, "key value\n");
	record_end(&b);
	ck_assert_str_eq(buf_cstr(&b), "relayq-test 7\nkey value\nend\n");
	buf_free(&b);
}
END_TEST

/* A whole file read line by line: its lines, then 0 at the end line. */
START_TEST(test_read)
{
	static const char text[] = "relayq-test 12\na 1\n\nb\nend\n";
	struct record_reader rd;
	unsigned long long v = 0;
	struct err e;
	char *line;

	err_clear(&e);
	ck_assert_int_eq(record_open(&rd, text, strlen(text), 0, "relayq-test",
	                     &v, &e),
	    0);
	ck_assert_uint_eq(v, 12);
	ck_assert_int_eq(record_next(&rd, &line, &e), 1);
	ck_assert_str_eq(line, "a 1");
	ck_assert_uint_eq(rd.line, 2);
	ck_assert_int_eq(record_next(&rd, &line, &e), 1);
	ck_assert_str_eq(line, "");
	ck_assert_int_eq(record_next(&rd, &line, &e), 1);
	ck_assert_str_eq(line, "b");
	ck_assert_int_eq(record_next(&rd, &line, &e), 0);
	record_close(&rd);
}
END_TEST

/* What record_open and record_next make of bad files: the result of
 * record_open (0 when it accepts the first line), then the error. */
#define F(s) s, sizeof(s) - 1 /* the text and its length (NULs too) */
static const struct {
	const char *text;
	size_t len;
	size_t line_max;
	int open_rc;
	const char *msg; /* NULL: none (a RECORD_BAD_* result) */
	                 /* clang-format off */
} bad_files[] = {
	{ F(""), 0, -1, "empty file" },
	{ F("relayq-test 1"), 0, -1, "line 1: truncated (last line has no end)" },
	{ F("relayq-tes 1\nend\n"), 0, RECORD_BAD_MAGIC, NULL },
	{ F("relayq-testing 1\nend\n"), 0, RECORD_BAD_MAGIC, NULL },
	{ F("relayq-test\nend\n"), 0, RECORD_BAD_MAGIC, NULL },
	{ F("end\n"), 0, RECORD_BAD_MAGIC, NULL },
	{ F("relayq-test \nend\n"), 0, RECORD_BAD_VERSION, NULL },
	{ F("relayq-test 01\nend\n"), 0, RECORD_BAD_VERSION, NULL },
	{ F("relayq-test 1x\nend\n"), 0, RECORD_BAD_VERSION, NULL },
	{ F("relayq-test 4294967296\nend\n"), 0, RECORD_BAD_VERSION, NULL },
	{ F("relayq-test 1\0\nend\n"), 0, -1, "line 1: line too long or contains NUL" },
	{ F("relayq-test 1\n"), 0, 0, "truncated (no end line)" },
	{ F("relayq-test 1\na\n"), 0, 0, "truncated (no end line)" },
	{ F("relayq-test 1\na"), 0, 0, "line 2: truncated (last line has no end)" },
	{ F("relayq-test 1\nen"), 0, 0, "line 2: truncated (last line has no end)" },
	{ F("relayq-test 1\nend\nx\n"), 0, 0, "line 3: text after the end line" },
	{ F("relayq-test 1\nend\n\n"), 0, 0, "line 3: text after the end line" },
	{ F("relayq-test 1\nend\nx"), 0, 0, "line 3: truncated (last line has no end)" },
	{ F("relayq-test 1\nend \n"), 0, 0, "truncated (no end line)" },
	{ F("relayq-test 1\n123456789012345\nend\n"), 14, 0, "line 2: line too long or contains NUL" },
	{ F("relayq-test 1\na\0b\nend\n"), 0, 0, "line 2: line too long or contains NUL" },
};
/* clang-format on */

START_TEST(test_bad)
{
	struct record_reader rd;
	unsigned long long v = 0;
	struct err e;
	char *line;
	int rc;

	err_clear(&e);
	rc = record_open(&rd, bad_files[_i].text, bad_files[_i].len,
	    bad_files[_i].line_max, "relayq-test", &v, &e);
	ck_assert_int_eq(rc, bad_files[_i].open_rc);
	if (rc == 0) {
		while ((rc = record_next(&rd, &line, &e)) == 1)
			;
		ck_assert_int_eq(rc, -1);
	}
	if (bad_files[_i].msg != NULL) {
		ck_assert_int_eq(e.code, EX_DATAERR);
		ck_assert_str_eq(e.msg, bad_files[_i].msg);
	}
	record_close(&rd);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("record");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_escape, 0, NCASES(escape_cases));
	tcase_add_loop_test(tc, test_unescape_bad, 0, NCASES(bad_escapes));
	tcase_add_test(tc, test_escape_all_bytes);
	tcase_add_test(tc, test_write);
	tcase_add_test(tc, test_read);
	tcase_add_loop_test(tc, test_bad, 0, NCASES(bad_files));
	suite_add_tcase(su, tc);
	return check_main(su);
}
