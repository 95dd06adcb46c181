/* check_result.c — classification, policy, sysexits mapping, log format. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/check_main.h"
#include "smtp/result.h"

static const struct {
	int code;
	const char *enh;
	enum result_scope scope;
	enum result_class cls;
	const char *status;
	enum result_action action;
	int sysexit;
	/* clang-format off */
} reply_cases[] = {
	{ 250, "2.0.0", RESULT_SCOPE_MESSAGE, RESULT_OK, "2.0.0", RESULT_ACTION_DONE, EX_OK },
	{ 250, NULL, RESULT_SCOPE_RCPT, RESULT_OK, "2.0.0", RESULT_ACTION_DONE, EX_OK },
	{ 451, "4.3.0", RESULT_SCOPE_MESSAGE, RESULT_TEMP, "4.3.0", RESULT_ACTION_RETRY, EX_TEMPFAIL },
	{ 421, NULL, RESULT_SCOPE_SESSION, RESULT_TEMP, "4.0.0", RESULT_ACTION_RETRY, EX_TEMPFAIL },
	{ 550, "5.1.1", RESULT_SCOPE_RCPT, RESULT_PERM, "5.1.1", RESULT_ACTION_BOUNCE, EX_NOUSER },
	{ 554, "", RESULT_SCOPE_MESSAGE, RESULT_PERM, "5.0.0", RESULT_ACTION_BOUNCE, EX_UNAVAILABLE },
	{ 552, "5.3.4", RESULT_SCOPE_MESSAGE, RESULT_PERM, "5.3.4", RESULT_ACTION_BOUNCE, EX_DATAERR },
	{ 553, "5.6.7", RESULT_SCOPE_RCPT, RESULT_PERM, "5.6.7", RESULT_ACTION_BOUNCE, EX_DATAERR },
	{ 501, "5.5.4", RESULT_SCOPE_RCPT, RESULT_PERM, "5.5.4", RESULT_ACTION_BOUNCE, EX_PROTOCOL },
	{ 550, "5.7.1", RESULT_SCOPE_RCPT, RESULT_PERM, "5.7.1", RESULT_ACTION_BOUNCE, EX_NOPERM },
	{ 535, "5.7.8", RESULT_SCOPE_SESSION, RESULT_PERM, "5.7.8", RESULT_ACTION_RETRY, EX_NOPERM },
	{ 554, "5.3.0", RESULT_SCOPE_SESSION, RESULT_PERM, "5.3.0", RESULT_ACTION_RETRY, EX_TEMPFAIL },
	{ 354, NULL, RESULT_SCOPE_MESSAGE, RESULT_TEMP, "4.0.0", RESULT_ACTION_RETRY, EX_TEMPFAIL },
	{ 552, "5.3.45", RESULT_SCOPE_MESSAGE, RESULT_PERM, "5.3.45", RESULT_ACTION_BOUNCE, EX_UNAVAILABLE },
};
/* clang-format on */

START_TEST(test_from_reply)
{
	struct result r;

	result_from_reply(&r, reply_cases[_i].code, reply_cases[_i].enh, "text",
	    reply_cases[_i].scope, "RCPT TO");
	ck_assert_int_eq(r.cls, reply_cases[_i].cls);
	ck_assert_int_eq(r.code, reply_cases[_i].code);
	ck_assert_str_eq(r.status, reply_cases[_i].status);
	ck_assert_str_eq(r.stage, "RCPT TO");
	ck_assert_str_eq(r.text, "text");
	ck_assert_int_eq(result_action(&r), reply_cases[_i].action);
	ck_assert_int_eq(result_sysexit(&r), reply_cases[_i].sysexit);
}
END_TEST

START_TEST(test_synthesised)
{
	struct result r;
	char line[200];

	result_set(&r, RESULT_PERM, RESULT_SCOPE_MESSAGE, NULL,
	    RESULT_ST_TOO_BIG, "message size %d exceeds\tlimit", 100);
	ck_assert_int_eq(r.code, 0);
	ck_assert_str_eq(r.status, "5.3.4");
	ck_assert_str_eq(r.text, "message size 100 exceeds?limit");
	ck_assert_ptr_null(r.stage);
	ck_assert_str_eq(result_format(&r, line, sizeof(line)),
	    "status=bounced (5.3.4 message size 100 exceeds?limit)");
	ck_assert_str_eq(result_diagnostic(&r, line, sizeof(line)),
	    "message size 100 exceeds?limit");
	ck_assert_int_eq(result_sysexit(&r), EX_DATAERR);

	result_set(&r, RESULT_UNKNOWN, RESULT_SCOPE_MESSAGE, "end of DATA",
	    NULL, "lost");
	ck_assert_str_eq(r.status, "4.0.0");
	ck_assert_int_eq(result_action(&r), RESULT_ACTION_RETRY);
	ck_assert_int_eq(result_sysexit(&r), EX_TEMPFAIL);
	ck_assert_str_eq(result_format(&r, line, sizeof(line)),
	    "status=deferred (4.0.0 lost)");

	result_set(&r, RESULT_TEMP, RESULT_SCOPE_SESSION, NULL,
	    RESULT_ST_DROPPED, "gone");
	ck_assert_str_eq(r.status, "4.4.2");
	result_set(&r, RESULT_PERM, RESULT_SCOPE_SESSION, "AUTH",
	    RESULT_ST_AUTH, "x");
	ck_assert_int_eq(result_action(&r), RESULT_ACTION_RETRY);
	ck_assert_int_eq(result_sysexit(&r), EX_NOPERM);
}
END_TEST

START_TEST(test_format_reply)
{
	struct result r;
	char line[200], tiny[12];

	result_from_reply(&r, 451, "4.3.0", "Try \x1b[31mlater",
	    RESULT_SCOPE_RCPT, NULL);
	ck_assert_str_eq(result_format(&r, line, sizeof(line)),
	    "status=deferred (451 4.3.0 Try ?[31mlater)");
	ck_assert_str_eq(result_diagnostic(&r, line, sizeof(line)),
	    "451 4.3.0 Try ?[31mlater");
	ck_assert_str_eq(result_format(&r, tiny, sizeof(tiny)), "status=defe");
	result_from_reply(&r, 250, "2.0.0", "Ok: queued", RESULT_SCOPE_MESSAGE,
	    NULL);
	ck_assert_str_eq(result_format(&r, line, sizeof(line)),
	    "status=sent (250 2.0.0 Ok: queued)");
}
END_TEST

/* A reply without an enhanced code: its status is derived for the DSN
 * and the exit code but never shown as if the server had written it. */
START_TEST(test_no_invented_code)
{
	struct result r;
	char line[200];

	result_from_reply(&r, 451, NULL, "Try later", RESULT_SCOPE_RCPT,
	    "RCPT TO");
	ck_assert_str_eq(r.status, "4.0.0");
	ck_assert_int_eq(r.status_derived, 1);
	ck_assert_str_eq(result_format(&r, line, sizeof(line)),
	    "status=deferred (451 Try later)");
	ck_assert_str_eq(result_diagnostic(&r, line, sizeof(line)),
	    "451 Try later");
	result_from_reply(&r, 250, "", "", RESULT_SCOPE_MESSAGE, NULL);
	ck_assert_str_eq(result_format(&r, line, sizeof(line)),
	    "status=sent (250)");
	/* Exim: 5.1.1 written without ENHANCEDSTATUSCODES: the real code,
	 * shown once, and the exit code relayq-flush(8) gives X.1.X */
	result_from_reply(&r, 550, "5.1.1", "<x@y>: rejected",
	    RESULT_SCOPE_RCPT, "RCPT TO");
	ck_assert_str_eq(result_diagnostic(&r, line, sizeof(line)),
	    "550 5.1.1 <x@y>: rejected");
	ck_assert_int_eq(result_sysexit(&r), EX_NOUSER);
	/* the same reply without a code: 5.0.0, never 67 */
	result_from_reply(&r, 550, NULL, "<x@y>: rejected", RESULT_SCOPE_RCPT,
	    "RCPT TO");
	ck_assert_int_eq(result_sysexit(&r), EX_UNAVAILABLE);
}
END_TEST

/* What earlier versions stored stays readable: their invented "C.0.0"
 * before the server's own code is dropped, nothing else changes. */
static const struct {
	const char *stored, *read, *status;
	/* clang-format off */
} stored_cases[] = {
	{ "550 5.0.0 5.1.1 <x@y>: rejected", "550 5.1.1 <x@y>: rejected", "5.1.1" },
	{ "421 4.0.0 4.7.0 too many connections", "421 4.7.0 too many connections", "4.7.0" },
	{ "550 5.1.1 <x@y>: rejected", "550 5.1.1 <x@y>: rejected", "5.1.1" },
	{ "451 4.0.0 Try later", "451 4.0.0 Try later", "4.0.0" },
	{ "451 Try later", "451 Try later", "4.0.0" },
	{ "550 <x@y>: rejected", "550 <x@y>: rejected", "5.0.0" },
	{ "550 5.0.0 4.1.1 class differs", "550 5.0.0 4.1.1 class differs", "5.0.0" },
	{ "550 5.0.0", "550 5.0.0", "5.0.0" },
	{ "connection refused", "connection refused", "fallback" },
	{ "", "", "fallback" },
};
/* clang-format on */

/* An old one-line reply read into fields formats back as it reads, with
 * the status the DSN takes from it. */
START_TEST(test_stored_reply)
{
	char line[200], st[RESULT_STATUS_MAX];
	struct rcpt_reply rr = { 0, "", NULL };
	struct buf b = BUF_INIT;

	ck_assert_str_eq(result_stored_reply(stored_cases[_i].stored, line,
	                     sizeof(line)),
	    stored_cases[_i].read);
	result_stored_fields(stored_cases[_i].stored, &rr);
	rcpt_reply_format(&rr, &b);
	ck_assert_str_eq(buf_cstr(&b), stored_cases[_i].read);
	ck_assert_str_eq(rcpt_reply_status(&rr, st, "fallback"),
	    stored_cases[_i].status);
	rcpt_reply_clear(&rr);
	buf_free(&b);
}
END_TEST

/* A result stored as fields formats as its diagnostic, and gives the DSN
 * the status the diagnostic read back as one line gives. */
START_TEST(test_reply_fields)
{
	static const char *const texts[] = { "text", "" };
	struct rcpt_reply rr = { 0, "", NULL }, old = { 0, "", NULL };
	char diag[RESULT_TEXT_MAX + 32], st[RESULT_STATUS_MAX],
	    st2[RESULT_STATUS_MAX];
	struct buf b = BUF_INIT;
	struct result r;
	size_t k;

	for (k = 0; k < sizeof(texts) / sizeof(texts[0]); k++) {
		result_from_reply(&r, reply_cases[_i].code, reply_cases[_i].enh,
		    texts[k], reply_cases[_i].scope, "RCPT TO");
		result_reply(&r, &rr);
		buf_reset(&b);
		rcpt_reply_format(&rr, &b);
		ck_assert_str_eq(buf_cstr(&b),
		    result_diagnostic(&r, diag, sizeof(diag)));
		result_stored_fields(diag, &old);
		ck_assert_str_eq(rcpt_reply_status(&rr, st, "fallback"),
		    rcpt_reply_status(&old, st2, "fallback"));
	}
	result_set(&r, RESULT_PERM, RESULT_SCOPE_RCPT, NULL, "5.3.4",
	    "too big");
	result_reply(&r, &rr);
	ck_assert_int_eq(rr.code, 0);
	ck_assert_str_eq(rr.text, "too big");
	ck_assert_str_eq(rcpt_reply_status(&rr, st, "fallback"), "fallback");
	/* a code of another class than the reply's stays text */
	result_from_reply(&r, 550, "4.1.1", "odd", RESULT_SCOPE_RCPT, NULL);
	result_reply(&r, &rr);
	ck_assert_str_eq(rr.status, "");
	ck_assert_str_eq(rr.text, "4.1.1 odd");
	ck_assert_str_eq(rcpt_reply_status(&rr, st, "fallback"), "5.0.0");
	rcpt_reply_clear(&rr);
	rcpt_reply_clear(&old);
	buf_free(&b);
}
END_TEST

START_TEST(test_severity)
{
	struct result ok, temp, perm, unk, sess;

	result_clear(&ok);
	result_set(&temp, RESULT_TEMP, RESULT_SCOPE_RCPT, NULL, NULL, "t");
	result_set(&perm, RESULT_PERM, RESULT_SCOPE_RCPT, NULL, NULL, "p");
	result_set(&unk, RESULT_UNKNOWN, RESULT_SCOPE_MESSAGE, NULL, NULL, "u");
	result_set(&sess, RESULT_PERM, RESULT_SCOPE_SESSION, NULL, NULL, "s");
	ck_assert_int_lt(result_severity_cmp(&ok, &unk), 0);
	ck_assert_int_lt(result_severity_cmp(&unk, &temp), 0);
	ck_assert_int_lt(result_severity_cmp(&temp, &perm), 0);
	ck_assert_int_eq(result_severity_cmp(&sess, &temp), 0);
	ck_assert_int_gt(result_severity_cmp(&perm, &sess), 0);
	ck_assert_int_eq(result_action(&ok), RESULT_ACTION_DONE);
	ck_assert_str_eq(result_action_name(RESULT_ACTION_DONE), "sent");
	ck_assert_str_eq(result_action_name(RESULT_ACTION_RETRY), "deferred");
	ck_assert_str_eq(result_action_name(RESULT_ACTION_BOUNCE), "bounced");
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("result");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_from_reply, 0, TEST_NELEM(reply_cases));
	tcase_add_test(tc, test_synthesised);
	tcase_add_test(tc, test_format_reply);
	tcase_add_test(tc, test_severity);
	tcase_add_test(tc, test_no_invented_code);
	tcase_add_loop_test(tc, test_reply_fields, 0, TEST_NELEM(reply_cases));
	tcase_add_loop_test(tc, test_stored_reply, 0, TEST_NELEM(stored_cases));
	suite_add_tcase(su, tc);
	return check_main(su);
}
