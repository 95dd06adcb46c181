/* check_smtp_reply.c — reply lines, multi-line codes, enhanced codes, caps. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/check_main.h"
#include "smtp/smtp_reply.h"

/* Lines separated by '\n' are fed one by one.  The enhanced status code
 * at the start of the text is the server's whether or not it advertised
 * ENHANCEDSTATUSCODES; none is ever invented. */
static const struct {
	const char *in;
	int rc; /* result of the last feed */
	int code;
	const char *enh;
	const char *text;
	size_t nlines;
	/* clang-format off */
} cases[] = {
	{ "250 Ok", 1, 250, "", "Ok", 1 },
	{ "250", 1, 250, "", "", 1 },
	{ "250 2.0.0 Ok: queued as 1A2B", 1, 250, "2.0.0", "Ok: queued as 1A2B", 1 },
	/* Exim: no ENHANCEDSTATUSCODES advertised, a code written anyway */
	{ "550 5.1.1 <x@y>: rejected", 1, 550, "5.1.1", "<x@y>: rejected", 1 },
	/* a greeting is read before any EHLO: its code is still the server's */
	{ "421 4.7.0 mx.example Error: too many connections", 1, 421, "4.7.0",
	  "mx.example Error: too many connections", 1 },
	{ "550 5.1.1 <a@b>: no such user", 1, 550, "5.1.1", "<a@b>: no such user", 1 },
	{ "550 4.1.1 class mismatch", 1, 550, "", "4.1.1 class mismatch", 1 },
	{ "354 3.0.0 not a class", 1, 354, "", "3.0.0 not a class", 1 },
	{ "250 2.0 not three parts", 1, 250, "", "2.0 not three parts", 1 },
	{ "451 4.3.0", 1, 451, "4.3.0", "", 1 },
	{ "451 4.3.0x", 1, 451, "", "4.3.0x", 1 },
	{ "554 5.123.456 long parts", 1, 554, "5.123.456", "long parts", 1 },
	{ "554 5.1234.1 too long", 1, 554, "", "5.1234.1 too long", 1 },
	{ "250-first\n250-second\n250 third", 1, 250, "", "first second third", 3 },
	{ "550-5.7.1 one\n550-5.7.1 two\n550 5.7.1 three", 1, 550, "5.7.1", "one two three", 3 },
	{ "550-5.7.1 one\n550 5.7.2 two", 1, 550, "5.7.1", "one 5.7.2 two", 2 },
	{ "250-a\n250 b", 1, 250, "", "a b", 2 },
	{ "250-a", 0, 250, "", "a", 1 },
	{ "250-a\n251 b", -1, 0, NULL, NULL, 0 },
	{ "25", -1, 0, NULL, NULL, 0 },
	{ "abc ok", -1, 0, NULL, NULL, 0 },
	{ "250x ok", -1, 0, NULL, NULL, 0 },
	{ "199 too low", -1, 0, NULL, NULL, 0 },
	{ "600 too high", -1, 0, NULL, NULL, 0 },
	/* UTF-8 text kept for display (log.h), controls, C1, bidi and bad
	 * bytes replaced */
	{ "250 ctl\x01\x7f\xc3\xa9", 1, 250, "", "ctl??\xc3\xa9", 1 },
	{ "550 5.1.1 Empf\xc3\xa4nger \xc2\x9b\xe2\x80\xae\xff", 1, 550, "5.1.1",
	    "Empf\xc3\xa4nger ???", 1 },
};
/* clang-format on */

START_TEST(test_feed)
{
	struct smtp_reply r;
	struct err e;
	const char *p = cases[_i].in;
	int rc = 0;

	smtp_reply_init(&r);
	err_clear(&e);
	while (*p != '\0') {
		size_t n = strcspn(p, "\n");

		rc = smtp_reply_feed(&r, p, n, &e);
		if (rc != 0)
			break;
		p += n + (p[n] == '\n');
	}
	ck_assert_int_eq(rc, cases[_i].rc);
	if (rc < 0) {
		ck_assert_int_eq(e.code, EX_PROTOCOL);
	} else {
		ck_assert_int_eq(r.code, cases[_i].code);
		ck_assert_str_eq(r.enhanced, cases[_i].enh);
		ck_assert_str_eq(r.text, cases[_i].text);
		ck_assert_uint_eq(r.lines.n, cases[_i].nlines);
		ck_assert_int_eq(r.done, rc);
	}
	smtp_reply_free(&r);
}
END_TEST

START_TEST(test_after_done)
{
	struct smtp_reply r;
	struct err e;

	smtp_reply_init(&r);
	ck_assert_int_eq(smtp_reply_feed(&r, "250 ok", 6, &e), 1);
	ck_assert_int_eq(smtp_reply_feed(&r, "250 ok", 6, &e), -1);
	smtp_reply_reset(&r);
	ck_assert_int_eq(r.code, 0);
	ck_assert_int_eq(smtp_reply_feed(&r, "354 go", 6, &e), 1);
	ck_assert_int_eq(r.code, 354);
	ck_assert_str_eq(r.lines.v[0], "go");
	smtp_reply_free(&r);
}
END_TEST

START_TEST(test_too_many_lines)
{
	struct smtp_reply r;
	struct err e;
	int i;

	smtp_reply_init(&r);
	for (i = 0; i < SMTP_REPLY_LINES_MAX; i++)
		ck_assert_int_eq(smtp_reply_feed(&r, "250-x", 5, &e), 0);
	ck_assert_int_eq(smtp_reply_feed(&r, "250 x", 5, &e), -1);
	ck_assert_int_eq(e.code, EX_PROTOCOL);
	ck_assert_ptr_nonnull(strstr(e.msg, "1000"));
	smtp_reply_free(&r);
}
END_TEST

START_TEST(test_text_truncated)
{
	struct smtp_reply r;
	struct err e;
	char line[SMTP_REPLY_LINE_MAX];
	int i;

	memset(line, 'a', sizeof(line));
	memcpy(line, "250-", 4);
	smtp_reply_init(&r);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(smtp_reply_feed(&r, line, sizeof(line), &e),
		    0);
	ck_assert_uint_eq(strlen(r.text), SMTP_REPLY_TEXT_MAX - 1);
	ck_assert_uint_eq(strlen(r.lines.v[2]), SMTP_REPLY_LINE_MAX - 4);
	smtp_reply_free(&r);
}
END_TEST

static const struct {
	const char *ehlo;
	unsigned flags;
	unsigned long long size;
	const char *auth;
	/* clang-format off */
} caps_cases[] = {
	{ "250-mx.example\n250-PIPELINING\n250-SIZE 10240000\n250-8BITMIME\n"
	  "250-SMTPUTF8\n250-DSN\n250-ENHANCEDSTATUSCODES\n250-STARTTLS\n"
	  "250-CHUNKING\n250 AUTH PLAIN LOGIN",
	  SMTP_CAP_PIPELINING | SMTP_CAP_SIZE | SMTP_CAP_8BITMIME |
	  SMTP_CAP_SMTPUTF8 | SMTP_CAP_DSN | SMTP_CAP_ENHANCED |
	  SMTP_CAP_STARTTLS | SMTP_CAP_CHUNKING | SMTP_CAP_AUTH,
	  10240000ULL, "PLAIN LOGIN" },
	{ "250 mx.example", 0, 0, "" },
	{ "250-mx\n250-size\n250 pipelining", SMTP_CAP_SIZE | SMTP_CAP_PIPELINING, 0, "" },
	{ "250-mx\n250-SIZE abc\n250 SIZE=5", SMTP_CAP_SIZE, 0, "" },
	{ "250-mx\n250-SIZE 99x\n250 X", SMTP_CAP_SIZE, 0, "" },
	{ "250-mx\n250-AUTH=LOGIN PLAIN\n250 AUTH plain cram-md5 SCRAM-SHA-256",
	  SMTP_CAP_AUTH, 0, "LOGIN PLAIN CRAM-MD5 SCRAM-SHA-256" },
	{ "250-mx\n250-AUTH PLAIN bad/mech LOGIN\n250 AUTH", SMTP_CAP_AUTH, 0, "PLAIN LOGIN" },
	{ "250-mx\n250-AUTH\n250 PIPELININGX", 0, 0, "" },
	{ "250-mx\n250-AUTH SCRAM-SHA-1-PLUS SCRAM-SHA-1\n250 AUTH=SCRAM-SHA-1",
	  SMTP_CAP_AUTH, 0, "SCRAM-SHA-1-PLUS SCRAM-SHA-1" },
	{ "250-PIPELINING\n250 DSN", SMTP_CAP_DSN, 0, "" },
};
/* clang-format on */

START_TEST(test_caps)
{
	struct smtp_reply r;
	struct smtp_reply_caps c;
	struct err e;
	const char *p = caps_cases[_i].ehlo;

	smtp_reply_init(&r);
	while (*p != '\0') {
		size_t n = strcspn(p, "\n");

		ck_assert_int_ge(smtp_reply_feed(&r, p, n, &e), 0);
		p += n + (p[n] == '\n');
	}
	ck_assert_int_eq(r.done, 1);
	smtp_reply_caps_parse(&r, &c);
	ck_assert_uint_eq(c.flags, caps_cases[_i].flags);
	ck_assert_uint_eq(c.size, caps_cases[_i].size);
	ck_assert_str_eq(c.auth, caps_cases[_i].auth);
	smtp_reply_free(&r);
}
END_TEST

/* The out-parameter rule (err.h): a line that fails leaves the reply as
 * it was (code, lines, text); smtp_reply_reset makes it ready again. */
START_TEST(test_failure_leaves_reply)
{
	struct smtp_reply r;
	struct err e;

	smtp_reply_init(&r);
	ck_assert_int_eq(smtp_reply_feed(&r, "250-first", 9, &e), 0);
	ck_assert_int_eq(smtp_reply_feed(&r, "251 other code", 14, &e), -1);
	ck_assert_int_eq(e.code, EX_PROTOCOL);
	ck_assert_int_eq(smtp_reply_feed(&r, "25x garbage\r", 12, &e), -1);
	ck_assert_int_eq(r.code, 250);
	ck_assert_uint_eq(r.lines.n, 1);
	ck_assert_str_eq(r.lines.v[0], "first");
	ck_assert_str_eq(r.text, "first");
	ck_assert_int_eq(r.done, 0);
	ck_assert_int_eq(smtp_reply_feed(&r, "250 last", 8, &e), 1);
	ck_assert_str_eq(r.text, "first last");
	smtp_reply_reset(&r);
	ck_assert_int_eq(smtp_reply_feed(&r, "220 hi", 6, &e), 1);
	smtp_reply_free(&r);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("smtp_reply");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_feed, 0, TEST_NELEM(cases));
	tcase_add_test(tc, test_after_done);
	tcase_add_test(tc, test_too_many_lines);
	tcase_add_test(tc, test_failure_leaves_reply);
	tcase_add_test(tc, test_text_truncated);
	tcase_add_loop_test(tc, test_caps, 0, TEST_NELEM(caps_cases));
	suite_add_tcase(su, tc);
	return check_main(su);
}
