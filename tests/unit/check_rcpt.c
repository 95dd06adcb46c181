/* check_rcpt.c — the recipient record: NOTIFY words in and out, the
 * stored reply's line and DSN status, the list. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/check_main.h"
#include "message/rcpt.h"

#define NCASES(t) ((int)(sizeof(t) / sizeof((t)[0])))

/* RFC 3461: NEVER alone, or a list of SUCCESS, FAILURE, DELAY; words in
 * any case, once each. */
static const struct {
	const char *in;
	int rc;
	unsigned notify;
	const char *out; /* rcpt_notify_format of notify */
	                 /* clang-format off */
} notify_cases[] = {
	{ "NEVER", 0, RCPT_NOTIFY_NEVER, "NEVER" },
	{ "never", 0, RCPT_NOTIFY_NEVER, "NEVER" },
	{ "success,failure", 0, RCPT_NOTIFY_SUCCESS | RCPT_NOTIFY_FAILURE,
	  "SUCCESS,FAILURE" },
	{ "Delay,Failure,Success", 0, RCPT_NOTIFY_SUCCESS | RCPT_NOTIFY_FAILURE |
	  RCPT_NOTIFY_DELAY, "SUCCESS,FAILURE,DELAY" },
	{ "DELAY", 0, RCPT_NOTIFY_DELAY, "DELAY" },
	{ "NEVER,SUCCESS", -1, 0, "" },
	{ "DELAY,NEVER", -1, 0, "" },
	{ "", -1, 0, "" },
	{ "SUCCESS,", -1, 0, "" },
	{ ",SUCCESS", -1, 0, "" },
	{ "SUCCESS,,FAILURE", -1, 0, "" },
	{ "SUCCESS,SUCCESS", -1, 0, "" },
	{ "SOMETIMES", -1, 0, "" },
	{ "SUCCESSFUL", -1, 0, "" },
	{ "SUCCESS FAILURE", -1, 0, "" },
};
/* clang-format on */

START_TEST(test_notify)
{
	unsigned n = 0xffu;
	struct buf b = BUF_INIT;

	ck_assert_int_eq(rcpt_notify_parse(notify_cases[_i].in, &n),
	    notify_cases[_i].rc);
	if (notify_cases[_i].rc < 0) {
		ck_assert_uint_eq(n, 0xffu); /* untouched */
		return;
	}
	ck_assert_uint_eq(n, notify_cases[_i].notify);
	rcpt_notify_format(n, &b);
	ck_assert_str_eq(buf_cstr(&b), notify_cases[_i].out);
	buf_free(&b);
}
END_TEST

START_TEST(test_notify_word)
{
	struct buf b = BUF_INIT;

	ck_assert_uint_eq(rcpt_notify_word("failure,x", 7),
	    RCPT_NOTIFY_FAILURE);
	ck_assert_uint_eq(rcpt_notify_word("NEVER", 5), RCPT_NOTIFY_NEVER);
	ck_assert_uint_eq(rcpt_notify_word("NEVE", 4), 0);
	ck_assert_uint_eq(rcpt_notify_word("", 0), 0);
	rcpt_notify_format(0, &b);
	ck_assert_uint_eq(b.len, 0);
	buf_free(&b);
}
END_TEST

/* The reply's fields as the server's line, and the status a DSN takes. */
static const struct {
	int code;
	const char *status, *text;
	const char *line, *dsn;
	/* clang-format off */
} reply_cases[] = {
	{ 550, "5.1.1", "<x@y>: rejected", "550 5.1.1 <x@y>: rejected", "5.1.1" },
	{ 550, NULL, "<x@y>: rejected", "550 <x@y>: rejected", "5.0.0" },
	{ 451, NULL, "", "451", "4.0.0" },
	{ 451, "4.3.0", "", "451 4.3.0", "4.3.0" },
	{ 250, NULL, "ok", "250 ok", "2.0.0" },
	{ 354, NULL, "go", "354 go", "fallback" },
	{ 0, NULL, "connection refused", "connection refused", "fallback" },
	{ 0, NULL, "", "", "fallback" },
};
/* clang-format on */

START_TEST(test_reply)
{
	struct rcpt_reply rr = { 0, "", NULL };
	struct buf b = BUF_INIT;
	char st[RCPT_STATUS_MAX];

	rcpt_reply_set(&rr, reply_cases[_i].code, reply_cases[_i].status,
	    reply_cases[_i].text);
	rcpt_reply_format(&rr, &b);
	ck_assert_str_eq(buf_cstr(&b), reply_cases[_i].line);
	ck_assert_str_eq(rcpt_reply_status(&rr, st, "fallback"),
	    reply_cases[_i].dsn);
	/* set again: the old text is freed (the sanitizer build checks) */
	rcpt_reply_set(&rr, 421, "4.7.0", "later");
	ck_assert_str_eq(rr.text, "later");
	rcpt_reply_clear(&rr);
	ck_assert_ptr_null(rr.text);
	buf_reset(&b);
	rcpt_reply_format(&rr, &b);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(rcpt_reply_status(&rr, st, "fallback"), "fallback");
	buf_free(&b);
}
END_TEST

START_TEST(test_list)
{
	struct rcpt_list l = RCPT_LIST_INIT;
	struct rcpt *r;
	size_t i;
	char addr[32];

	for (i = 0; i < 100; i++) {
		snprintf(addr, sizeof(addr), "u%zu@example.org", i);
		r = rcpt_list_add(&l, addr, i % 2 ? "rfc822;x@y" : "",
		    (unsigned)i % 16);
		ck_assert_int_eq(r->state, RCPT_PENDING);
	}
	ck_assert_uint_eq(l.n, 100);
	ck_assert_str_eq(l.v[7].addr, "u7@example.org");
	ck_assert_str_eq(l.v[7].orcpt, "rfc822;x@y");
	ck_assert_ptr_null(l.v[8].orcpt); /* "" is none */
	ck_assert_uint_eq(l.v[7].notify, 7);
	ck_assert_ptr_null(l.v[7].reply.text);
	rcpt_reply_set(&l.v[3].reply, 550, "5.1.1", "no");
	rcpt_list_free(&l);
	ck_assert_uint_eq(l.n, 0);
	ck_assert_ptr_null(l.v);
	r = rcpt_list_add(&l, "a@b", NULL, 0);
	ck_assert_ptr_null(r->orcpt);
	rcpt_list_free(&l);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("rcpt");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_notify, 0, NCASES(notify_cases));
	tcase_add_test(tc, test_notify_word);
	tcase_add_loop_test(tc, test_reply, 0, NCASES(reply_cases));
	tcase_add_test(tc, test_list);
	suite_add_tcase(su, tc);
	return check_main(su);
}
