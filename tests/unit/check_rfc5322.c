/* check_rfc5322.c — the header push parser: events for odd inputs, caps. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/buf.h"
#include "lib/check_main.h"
#include "lib/err.h"
#include "lib/xalloc.h"
#include "message/rfc5322.h"

/* Appends s (n bytes) to t with NUL and CR made visible. */
static void
add_vis(struct buf *t, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\0')
			buf_adds(t, "<NUL>");
		else if (s[i] == '\r')
			buf_adds(t, "<CR>");
		else
			buf_addc(t, s[i]);
	}
}

static void
drain(struct rfc5322_parser *p, struct buf *t)
{
	struct rfc5322_event ev;

	while (rfc5322_next(p, &ev) != RFC5322_NONE) {
		if (t->len > 0)
			buf_addc(t, '|');
		switch (ev.type) {
		case RFC5322_FIELD:
			buf_printf(t, "F%s=", ev.name);
			add_vis(t, ev.raw, ev.raw_len);
			ck_assert_uint_eq(strlen(ev.raw), ev.raw_len);
			ck_assert_int_eq(ev.raw[ev.value_off - 1], ':');
			break;
		case RFC5322_END:
			buf_printf(t, "E%d", ev.separator);
			if (ev.line != NULL) {
				buf_addc(t, '+');
				add_vis(t, ev.line, ev.line_len);
			}
			break;
		case RFC5322_BODY:
			buf_addc(t, 'B');
			add_vis(t, ev.line, ev.line_len);
			break;
		case RFC5322_NONE:
			break;
		}
	}
}

/* Pushes text split at LF (a final LF ends the last line), finishes, and
 * returns the event trace, or "X<code>" on error.  Caller frees. */
static char *
trace(const char *text, size_t len)
{
	struct rfc5322_parser p;
	struct buf t = BUF_INIT;
	struct err e;
	size_t start = 0, end;
	const char *nl;

	err_clear(&e);
	rfc5322_init(&p);
	while (start < len) {
		nl = memchr(text + start, '\n', len - start);
		end = nl ? (size_t)(nl - text) : len;
		if (rfc5322_push(&p, text + start, end - start, &e) < 0)
			goto fail;
		drain(&p, &t);
		start = end + 1;
	}
	if (rfc5322_finish(&p, &e) < 0)
		goto fail;
	drain(&p, &t);
	rfc5322_free(&p);
	return buf_steal(&t);
fail:
	rfc5322_free(&p);
	buf_free(&t);
	return xasprintf("X%d", e.code);
}

#define T(in, out) \
	{ \
		in, sizeof(in) - 1, out \
	}
static const struct {
	const char *in;
	size_t len;
	const char *out;
} cases[] = {
	T("Subject: hi\nTo: a@b\n\nbody\n",
	    "FSubject=Subject: hi\n|FTo=To: a@b\n|E1|Bbody"),
	T("Subject: a\n  b\n\tc\n\nx", "FSubject=Subject: a\n  b\n\tc\n|E1|Bx"),
	/* header with no body, no separator */
	T("Subject: a\n", "FSubject=Subject: a\n|E0"),
	T("Subject: a", "FSubject=Subject: a\n|E0"),
	/* body with no headers */
	T("hello world\nmore\n", "E0+hello world|Bmore"),
	T(" indented first\nSubject: x\n", "E0+ indented first|BSubject: x"),
	T("\tx\n", "E0+\tx"),
	/* a non-header line ends the headers and is the first body line */
	T("Subject: a\nnot a header\nrest",
	    "FSubject=Subject: a\n|E0+not a header|Brest"),
	T("", "E0"),
	T("\nbody", "E1|Bbody"),
	T("\n\n", "E1|B"),
	/* obsolete white space before the colon */
	T("Subject : x\n\n", "FSubject=Subject : x\n|E1"),
	T("Subject\t: x\n\n", "FSubject=Subject\t: x\n|E1"),
	/* NUL and bare CR in header text become SP */
	T("Subject: a\0b\n\n", "FSubject=Subject: a b\n|E1"),
	T("Subject: a\rb\n\n", "FSubject=Subject: a b\n|E1"),
	T("Subject: a\r\n\n", "FSubject=Subject: a \n|E1"),
	T("Subject: a\n \0x\n\n", "FSubject=Subject: a\n  x\n|E1"),
	/* ... but a NUL or CR in a name makes the line body, kept as is */
	T("Sub\0ject: x\n", "E0+Sub<NUL>ject: x"),
	T("A: 1\nSub\rj: x\n", "FA=A: 1\n|E0+Sub<CR>j: x"),
	/* a NUL in the body is the body's business */
	T("A: 1\n\nx\0y\n", "FA=A: 1\n|E1|Bx<NUL>y"),
	T(":x\n", "E0+:x"),
	T("From foo@bar Mon Jan  1 00:00:00 2024\nSubject: x\n",
	    "E0+From foo@bar Mon Jan  1 00:00:00 2024|BSubject: x"),
	T("X-Empty:\n\n", "FX-Empty=X-Empty:\n|E1"),
	T("X-Empty:\nY: 2\n", "FX-Empty=X-Empty:\n|FY=Y: 2\n|E0"),
	/* white-space-only continuation (obsolete FWS) */
	T("A: b\n \n\n", "FA=A: b\n \n|E1"),
	/* 8-bit and encoded words are kept as they are */
	T("Subject: =?UTF-8?Q?gr=C3=BC=C3=9F?= gr\xc3\xbc\xc3\x9f\n\n",
	    "FSubject=Subject: =?UTF-8?Q?gr=C3=BC=C3=9F?= gr\xc3\xbc\xc3\x9f\n|E1"),
	T("S\xc3\xbc"
	  "bject: x\n",
	    "E0+S\xc3\xbc"
	    "bject: x"),
	T("A: 1\n\nB: 2\n", "FA=A: 1\n|E1|BB: 2"),
	T("http://example.com/\n", "Fhttp=http://example.com/\n|E0"),
	T("Received: from a\n\tby b; Mon, 1 Jan 2024 00:00:00 +0000\nX: y\n\n",
	    "FReceived=Received: from a\n\tby b; Mon, 1 Jan 2024 00:00:00 +0000\n|FX=X: y\n|E1"),
};

START_TEST(test_events)
{
	char *got = trace(cases[_i].in, cases[_i].len);

	ck_assert_str_eq(got, cases[_i].out);
	free(got);
}
END_TEST

START_TEST(test_field_name)
{
	size_t colon = 99;

	ck_assert_uint_eq(rfc5322_field_name("To: x", 5, &colon), 2);
	ck_assert_uint_eq(colon, 2);
	ck_assert_uint_eq(rfc5322_field_name("To \t: x", 7, &colon), 2);
	ck_assert_uint_eq(colon, 4);
	ck_assert_uint_eq(rfc5322_field_name("To x: y", 7, NULL), 0);
	ck_assert_uint_eq(rfc5322_field_name("To", 2, NULL), 0);
	ck_assert_uint_eq(rfc5322_field_name(": x", 3, NULL), 0);
	ck_assert_uint_eq(rfc5322_field_name("To ", 3, NULL), 0);
}
END_TEST

START_TEST(test_value_off)
{
	struct rfc5322_parser p;
	struct rfc5322_event ev;
	struct err e;

	rfc5322_init(&p);
	ck_assert_int_eq(rfc5322_push(&p, "Subject  :  hi", 14, &e), 0);
	ck_assert_int_eq(rfc5322_next(&p, &ev), RFC5322_NONE);
	ck_assert_int_eq(rfc5322_push(&p, "", 0, &e), 0);
	ck_assert_int_eq(rfc5322_next(&p, &ev), RFC5322_FIELD);
	ck_assert_str_eq(ev.name, "Subject");
	ck_assert_uint_eq(ev.value_off, 10);
	ck_assert_str_eq(ev.raw + ev.value_off, "  hi\n");
	ck_assert_int_eq(rfc5322_next(&p, &ev), RFC5322_END);
	ck_assert_int_eq(ev.separator, 1);
	ck_assert_ptr_null(ev.line);
	ck_assert_int_eq(rfc5322_next(&p, &ev), RFC5322_NONE);
	ck_assert_str_eq(rfc5322_ev_name(RFC5322_FIELD), "field");
	ck_assert_str_eq(rfc5322_ev_name(RFC5322_END), "end");
	ck_assert_str_eq(rfc5322_ev_name((enum rfc5322_ev)42), "?");
	rfc5322_free(&p);
}
END_TEST

/* A header line of n bytes: "X: aaaa...". */
static char *
long_line(size_t n)
{
	char *s = xmalloc(n + 1);

	memset(s, 'a', n);
	memcpy(s, "X: ", 3);
	s[n] = '\0';
	return s;
}

START_TEST(test_line_cap)
{
	struct rfc5322_parser p;
	struct err e;
	char *s = long_line(RFC5322_MAX_LINE + 1);

	err_clear(&e);
	rfc5322_init(&p);
	ck_assert_int_eq(rfc5322_push(&p, s, RFC5322_MAX_LINE, &e), 0);
	ck_assert_int_eq(e.code, 0);
	ck_assert_int_eq(rfc5322_push(&p, "", 0, &e), 0);
	ck_assert_int_eq(rfc5322_push(&p, "", 0, &e), -1);
	ck_assert_int_eq(e.code, EX_SOFTWARE); /* events not drained */
	rfc5322_free(&p);

	rfc5322_init(&p);
	ck_assert_int_eq(rfc5322_push(&p, s, RFC5322_MAX_LINE + 1, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_ptr_nonnull(strstr(e.msg, "65537"));
	ck_assert_int_eq(rfc5322_push(&p, "Y: 1", 4, &e), -1);
	ck_assert_int_eq(e.code, EX_SOFTWARE);
	ck_assert_int_eq(rfc5322_finish(&p, &e), -1);
	rfc5322_free(&p);
	free(s);
}
END_TEST

START_TEST(test_long_body_line_ok)
{
	char *s = long_line(200000);
	char *got;

	s[1] = 'x'; /* "Xx ..." is not a field */
	got = trace(s, 200000);
	ck_assert_uint_eq(strlen(got), 200000 + 3);
	ck_assert_int_eq(strncmp(got, "E0+Xx aaa", 9), 0);
	free(got);
	free(s);
}
END_TEST

START_TEST(test_section_cap)
{
	struct rfc5322_parser p;
	struct rfc5322_event ev;
	struct err e;
	char *s = long_line(60000);
	int i, r = 0;

	rfc5322_init(&p);
	for (i = 0; i < 20 && r == 0; i++) {
		r = rfc5322_push(&p, s, 60000, &e);
		while (rfc5322_next(&p, &ev) != RFC5322_NONE)
			;
	}
	ck_assert_int_eq(r, -1);
	ck_assert_int_eq(i, 18); /* 17 lines of 60001 fit in 1 MiB, not 18 */
	ck_assert_int_eq(e.code, EX_DATAERR);
	rfc5322_free(&p);
	free(s);
}
END_TEST

static int
push_fields(unsigned n, struct err *e)
{
	struct rfc5322_parser p;
	struct rfc5322_event ev;
	unsigned i;
	int r = 0, fields = 0;

	rfc5322_init(&p);
	for (i = 0; i < n && r == 0; i++) {
		r = rfc5322_push(&p, "X: y", 4, e);
		while (rfc5322_next(&p, &ev) != RFC5322_NONE)
			fields++;
	}
	if (r == 0)
		r = rfc5322_finish(&p, e);
	while (r == 0 && rfc5322_next(&p, &ev) != RFC5322_NONE)
		fields += ev.type == RFC5322_FIELD;
	rfc5322_free(&p);
	return r < 0 ? -1 : fields;
}

START_TEST(test_field_cap)
{
	struct err e;

	ck_assert_int_eq(push_fields(RFC5322_MAX_FIELDS, &e),
	    RFC5322_MAX_FIELDS);
	ck_assert_int_eq(push_fields(RFC5322_MAX_FIELDS + 1, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
}
END_TEST

/* The out-parameter rule (err.h) for a push parser: after a failed push
 * the parser reports no event, refuses every further push and finish,
 * and rfc5322_free is still right. */
START_TEST(test_failure_leaves_parser_failed)
{
	struct rfc5322_parser p;
	struct rfc5322_event ev;
	struct err e;
	size_t n = RFC5322_MAX_LINE + 1;
	char *s = xmalloc(n);

	memset(s, 'v', n);
	memcpy(s, "X: ", 3);
	rfc5322_init(&p);
	ck_assert_int_eq(rfc5322_push(&p, "A: 1", 4, &e), 0);
	while (rfc5322_next(&p, &ev) != RFC5322_NONE)
		;
	ck_assert_int_eq(rfc5322_push(&p, s, n, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_int_eq(rfc5322_next(&p, &ev), RFC5322_NONE);
	ck_assert_int_eq(rfc5322_push(&p, "B: 2", 4, &e), -1);
	ck_assert_int_eq(e.code, EX_SOFTWARE);
	ck_assert_int_eq(rfc5322_finish(&p, &e), -1);
	ck_assert_int_eq(rfc5322_next(&p, &ev), RFC5322_NONE);
	rfc5322_free(&p);
	free(s);
}
END_TEST

static Suite *
rfc5322_suite(void)
{
	Suite *s = suite_create("rfc5322");
	TCase *tc = tcase_create("events");
	TCase *caps = tcase_create("caps");

	tcase_add_loop_test(tc, test_events, 0, TEST_NELEM(cases));
	tcase_add_test(tc, test_field_name);
	tcase_add_test(tc, test_value_off);
	suite_add_tcase(s, tc);
	tcase_add_test(caps, test_line_cap);
	tcase_add_test(caps, test_long_body_line_ok);
	tcase_add_test(caps, test_section_cap);
	tcase_add_test(caps, test_field_cap);
	tcase_add_test(caps, test_failure_leaves_parser_failed);
	suite_add_tcase(s, caps);
	return s;
}

int
main(void)
{
	return check_main(rfc5322_suite());
}
