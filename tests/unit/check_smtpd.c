/* check_smtpd.c — SMTP on stdin/stdout: replies for every command, sequence
 * and syntax errors, pipelining, size and recipient limits, EOF mid-DATA. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/buf.h"
#include "lib/check_main.h"
#include "lib/mem_stream.h"
#include "message/rcpt.h"
#include "submit/smtp_server.h"

/* Hooks that log what they saw; a recipient "bad@x" is refused, a sender
 * "temp@x" temp-fails, a body line "FAIL" fails the message. */
struct rec {
	struct buf log;
	int committed;
};

static int
h_mail(void *ctx, const struct smtp_server_mail *m, struct err *e)
{
	struct rec *r = ctx;

	if (strcmp(m->sender, "temp@x") == 0)
		return err_set(e, EX_TEMPFAIL, "try later");
	buf_printf(&r->log, "MAIL<%s>size=%lu,body=%s,utf8=%d,ret=%s,envid=%s;",
	    m->sender, m->size, m->body ? m->body : "-", m->smtputf8,
	    m->ret ? m->ret : "-", m->envid ? m->envid : "-");
	return 0;
}

static int
h_rcpt(void *ctx, const struct rcpt *rc, struct err *e)
{
	struct rec *r = ctx;

	if (strcmp(rc->addr, "bad@x") == 0)
		return err_set(e, EX_NOUSER, "no such user");
	buf_printf(&r->log, "RCPT<%s>notify=", rc->addr);
	if (rc->notify != 0)
		rcpt_notify_format(rc->notify, &r->log);
	else
		buf_adds(&r->log, "-");
	buf_printf(&r->log, ",orcpt=%s;", rc->orcpt ? rc->orcpt : "-");
	return 0;
}

static int
h_begin(void *ctx, struct err *e)
{
	buf_adds(&((struct rec *)ctx)->log, "BEGIN;");
	return 0;
}

static int
h_line(void *ctx, const char *line, size_t len, int eol, struct err *e)
{
	struct rec *r = ctx;

	if (len == 4 && memcmp(line, "FAIL", 4) == 0)
		return err_set(e, EX_IOERR, "disk trouble");
	buf_adds(&r->log, "[");
	buf_add(&r->log, line, len);
	buf_adds(&r->log, "]");
	return 0;
}

static int
h_end(void *ctx, const char **id, struct err *e)
{
	struct rec *r = ctx;

	r->committed++;
	buf_adds(&r->log, "END;");
	*id = "QID1";
	return 0;
}

static void
h_reset(void *ctx)
{
	buf_adds(&((struct rec *)ctx)->log, "RESET;");
}

static const struct smtp_server_hooks hooks = { h_mail, h_rcpt, h_begin, h_line,
	h_end, h_reset };

static const struct {
	const char *in;
	const char *want_out; /* replies after the greeting, joined */
	const char *want_log;
	int want_rc;
} cases[] = {
	/* 0: a whole session, dot-unstuffing */
	{ "HELO me\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\nSubject: s\r\n\r\n..dot\r\n.\r\nQUIT\r\n",
	    "250 h.test|250 2.1.0 Ok|250 2.1.5 Ok|354 End data with <CR><LF>.<CR><LF>|"
	    "250 2.0.0 Ok: queued as QID1|221 2.0.0 Bye|",
	    "MAIL<a@x>size=0,body=-,utf8=0,ret=-,envid=-;RCPT<b@y>notify=-,orcpt=-;BEGIN;[Subject: s][][.dot]END;",
	    0 },
	/* 1: sequence errors */
	{ "MAIL FROM:<a@x>\r\nEHLO me\r\nRCPT TO:<b@y>\r\nDATA\r\nQUIT\r\n",
	    "503 5.5.1 Error: send HELO/EHLO first|250-h.test|250-PIPELINING|250-SIZE 1000|"
	    "250-8BITMIME|250-SMTPUTF8|250-ENHANCEDSTATUSCODES|250-DSN|250 HELP|"
	    "503 5.5.1 Error: need MAIL command|503 5.5.1 Error: need RCPT command|221 2.0.0 Bye|",
	    "", 0 },
	/* 2: syntax errors, unknown, NOOP, VRFY, HELP, RSET */
	{ "HELO\r\nHELO me\r\nMAIL FROM:a@x\r\nFOO\r\nNOOP\r\nVRFY root\r\nHELP\r\nAUTH PLAIN x\r\nRSET\r\nQUIT\r\n",
	    "501 5.5.4 Syntax: HELO hostname|250 h.test|501 5.5.4 Syntax: MAIL FROM:<address>|"
	    "500 5.5.2 Error: command not recognized|250 2.0.0 Ok|"
	    "252 2.0.0 Cannot VRFY user, but will accept message|"
	    "214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA RSET NOOP VRFY HELP QUIT|"
	    "502 5.5.1 Error: command not implemented|250 2.0.0 Ok|221 2.0.0 Bye|",
	    "", 0 },
	/* 3: parameters */
	{ "EHLO me\r\nMAIL FROM:<a@x> SIZE=20 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=abc+2B\r\n"
	  "RCPT TO:<b@y> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b@y\r\nRSET\r\nQUIT\r\n",
	    "250-h.test|250-PIPELINING|250-SIZE 1000|250-8BITMIME|250-SMTPUTF8|"
	    "250-ENHANCEDSTATUSCODES|250-DSN|250 HELP|250 2.1.0 Ok|250 2.1.5 Ok|250 2.0.0 Ok|221 2.0.0 Bye|",
	    "MAIL<a@x>size=20,body=8BITMIME,utf8=1,ret=HDRS,envid=abc+2B;"
	    "RCPT<b@y>notify=SUCCESS,FAILURE,orcpt=rfc822;b@y;RESET;",
	    0 },
	/* 4: bad parameter, size over limit, refused sender and recipient */
	{ "HELO me\r\nMAIL FROM:<a@x> FOO=1\r\nMAIL FROM:<a@x> SIZE=5000\r\nMAIL FROM:<temp@x>\r\n"
	  "MAIL FROM:<>\r\nRCPT TO:<bad@x>\r\nDATA\r\nQUIT\r\n",
	    "250 h.test|555 5.5.4 Unsupported option: FOO|552 5.3.4 Message size exceeds fixed limit|"
	    "451 4.3.0 try later|250 2.1.0 Ok|550 5.1.1 no such user|554 5.5.1 Error: no valid recipients|"
	    "221 2.0.0 Bye|",
	    "MAIL<>size=0,body=-,utf8=0,ret=-,envid=-;RESET;", 0 },
	/* 5: EOF in the middle of DATA: nothing committed */
	{ "HELO me\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\nhalf a message\r\n",
	    "250 h.test|250 2.1.0 Ok|250 2.1.5 Ok|354 End data with <CR><LF>.<CR><LF>|",
	    "MAIL<a@x>size=0,body=-,utf8=0,ret=-,envid=-;RCPT<b@y>notify=-,orcpt=-;BEGIN;[half a message]RESET;",
	    1 },
	/* 6: message over the size limit is refused after the dot */
	{ "HELO me\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n"
	  "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789\r\n"
	  "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789\r\n"
	  "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789\r\n"
	  "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789\r\n"
	  "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789\r\n"
	  "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789\r\n"
	  "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789\r\n"
	  "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789\r\n"
	  "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789\r\n"
	  "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789\r\n"
	  ".\r\nQUIT\r\n",
	    "250 h.test|250 2.1.0 Ok|250 2.1.5 Ok|354 End data with <CR><LF>.<CR><LF>|"
	    "552 5.3.4 Error: message too big (limit 1000 bytes)|221 2.0.0 Bye|",
	    NULL, 0 },
	/* 7: a body line the hook refuses: message not committed, session goes
	   on */
	{ "HELO me\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\nFAIL\r\nmore\r\n.\r\nNOOP\r\nQUIT\r\n",
	    "250 h.test|250 2.1.0 Ok|250 2.1.5 Ok|354 End data with <CR><LF>.<CR><LF>|"
	    "451 4.3.0 disk trouble|250 2.0.0 Ok|221 2.0.0 Bye|",
	    "MAIL<a@x>size=0,body=-,utf8=0,ret=-,envid=-;RCPT<b@y>notify=-,orcpt=-;BEGIN;RESET;",
	    0 },
	/* 8: two messages in one session */
	{ "HELO me\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\none\r\n.\r\n"
	  "MAIL FROM:<c@x>\r\nRCPT TO:<d@y>\r\nDATA\r\ntwo\r\n.\r\nQUIT\r\n",
	    "250 h.test|250 2.1.0 Ok|250 2.1.5 Ok|354 End data with <CR><LF>.<CR><LF>|"
	    "250 2.0.0 Ok: queued as QID1|250 2.1.0 Ok|250 2.1.5 Ok|354 End data with <CR><LF>.<CR><LF>|"
	    "250 2.0.0 Ok: queued as QID1|221 2.0.0 Bye|",
	    "MAIL<a@x>size=0,body=-,utf8=0,ret=-,envid=-;RCPT<b@y>notify=-,orcpt=-;BEGIN;[one]END;"
	    "MAIL<c@x>size=0,body=-,utf8=0,ret=-,envid=-;RCPT<d@y>notify=-,orcpt=-;BEGIN;[two]END;",
	    0 },
	/* 9: too many recipients */
	{ "HELO me\r\nMAIL FROM:<a@x>\r\nRCPT TO:<1@y>\r\nRCPT TO:<2@y>\r\nRCPT TO:<3@y>\r\nRCPT TO:<4@y>\r\nQUIT\r\n",
	    "250 h.test|250 2.1.0 Ok|250 2.1.5 Ok|250 2.1.5 Ok|250 2.1.5 Ok|452 4.5.3 Error: too many recipients|221 2.0.0 Bye|",
	    NULL, 0 },
	/* 10b: bad NOTIFY / ORCPT values are parameter syntax errors */
	{ "HELO me\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y> NOTIFY=BOGUS\r\nRCPT TO:<b@y> NOTIFY=NEVER,DELAY\r\n"
	  "RCPT TO:<b@y> NOTIFY=SUCCESS,\r\nRCPT TO:<b@y> ORCPT=nosemicolon\r\nRCPT TO:<b@y> NOTIFY=delay,failure\r\nQUIT\r\n",
	    "250 h.test|250 2.1.0 Ok|501 5.5.4 Bad NOTIFY parameter syntax|501 5.5.4 Bad NOTIFY parameter syntax|"
	    "501 5.5.4 Bad NOTIFY parameter syntax|501 5.5.4 Bad ORCPT parameter syntax|250 2.1.5 Ok|221 2.0.0 Bye|",
	    NULL, 0 },
	/* 10: an over-long command line, then the session goes on */
	{ "HELO me\r\nNOOP xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\nNOOP\r\nQUIT\r\n",
	    "250 h.test|500 5.5.2 Error: line too long|250 2.0.0 Ok|221 2.0.0 Bye|",
	    "", 0 },
	/* 11: text right after '>' is a syntax error (once a double free of
	 * the path), so is an empty or unclosed path; the session goes on */
	{ "EHLO x\r\nMAIL FROM:<a@example.org>junk\r\nMAIL FROM:<a@example.org>\r\n"
	  "RCPT TO:<b@example.org>junk\r\nRCPT TO:<>\r\nRCPT TO:<b@example.org\r\n"
	  "RCPT TO:<b@example.org> \r\nQUIT\r\n",
	    "250-h.test|250-PIPELINING|250-SIZE 1000|250-8BITMIME|250-SMTPUTF8|"
	    "250-ENHANCEDSTATUSCODES|250-DSN|250 HELP|501 5.5.4 Syntax: MAIL FROM:<address>|"
	    "250 2.1.0 Ok|501 5.5.4 Syntax: RCPT TO:<address>|501 5.5.4 Syntax: RCPT TO:<address>|"
	    "501 5.5.4 Syntax: RCPT TO:<address>|250 2.1.5 Ok|221 2.0.0 Bye|",
	    "MAIL<a@example.org>size=0,body=-,utf8=0,ret=-,envid=-;"
	    "RCPT<b@example.org>notify=-,orcpt=-;RESET;",
	    0 },
	/* 13: found by fuzz_smtpd: an unknown parameter's name is echoed
	 * sanitised (no 8-bit byte, no bare CR in a reply); a control
	 * character inside a path is a syntax error, quoted, escaped by a
	 * backslash (found by the 60 s run) or not */
	{ "HELO me\r\nMAIL FROM:<a@x> RET\xff\xfe=1\r\nMAIL FROM:<a@x> X\rY=1\r\n"
	  "MAIL FROM:<a\x1b@x>\r\nMAIL FROM:<\"a\rb\"@x>\r\nMAIL FROM:<a@x>\r\n"
	  "RCPT TO:<b\r@y>\r\nRCPT TO:<b\x7f@y>\r\nRCPT TO:<\"q\\\r\"@x>\r\nQUIT\r\n",
	    "250 h.test|555 5.5.4 Unsupported option: RET?"
	    "?|555 5.5.4 Unsupported option: X?Y|"
	    "501 5.5.4 Syntax: MAIL FROM:<address>|501 5.5.4 Syntax: MAIL FROM:<address>|250 2.1.0 Ok|"
	    "501 5.5.4 Syntax: RCPT TO:<address>|501 5.5.4 Syntax: RCPT TO:<address>|"
	    "501 5.5.4 Syntax: RCPT TO:<address>|221 2.0.0 Bye|",
	    "MAIL<a@x>size=0,body=-,utf8=0,ret=-,envid=-;RESET;", 0 },
};

START_TEST(test_dialogue)
{
	struct buf out = BUF_INIT;
	struct mem_stream mi, mo;
	struct stream in, os;
	struct smtp_server_limits lim = { 1000, 3, 200 };
	struct rec rec = { BUF_INIT, 0 };
	struct err e;
	struct buf got = BUF_INIT;
	const char *p, *greeting = "220 h.test ESMTP relayq\r\n";
	int rc;

	mem_stream_init(&mi, cases[_i].in, strlen(cases[_i].in), NULL);
	mem_stream_init(&mo, NULL, 0, &out);
	mem_stream_attach(&mi, &in, "stdin");
	mem_stream_attach(&mo, &os, "stdout");
	rc = smtp_server_run(&in, &os, "h.test", &lim, &hooks, &rec, &e);
	ck_assert_int_eq(rc, cases[_i].want_rc);
	ck_assert_int_eq(strncmp(buf_cstr(&out), greeting, strlen(greeting)),
	    0);
	for (p = buf_cstr(&out) + strlen(greeting); *p; p++) {
		if (p[0] == '\r' && p[1] == '\n') {
			buf_addc(&got, '|');
			p++;
		} else
			buf_addc(&got, *p);
	}
	ck_assert_str_eq(buf_cstr(&got), cases[_i].want_out);
	if (cases[_i].want_log != NULL)
		ck_assert_str_eq(buf_cstr(&rec.log), cases[_i].want_log);
	stream_close(&in);
	stream_close(&os);
	buf_free(&out);
	buf_free(&got);
	buf_free(&rec.log);
}
END_TEST

/* Pipelining: a whole batch sent at once gets its replies in few writes. */
START_TEST(test_pipelined_batch_few_writes)
{
	const char *batch =
	    "EHLO me\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nRCPT TO:<c@y>\r\nDATA\r\n"
	    "body\r\n.\r\nQUIT\r\n";
	struct buf out = BUF_INIT;
	struct mem_stream mi, mo;
	struct stream in, os;
	struct rec rec = { BUF_INIT, 0 };
	struct err e;

	mem_stream_init(&mi, batch, strlen(batch), NULL);
	mem_stream_init(&mo, NULL, 0, &out);
	mem_stream_attach(&mi, &in, "stdin");
	mem_stream_attach(&mo, &os, "stdout");
	ck_assert_int_eq(smtp_server_run(&in, &os, "h.test", NULL, &hooks, &rec,
	                     &e),
	    0);
	ck_assert_int_eq(rec.committed, 1);
	/* greeting, then the whole batch's replies in one write at the end */
	ck_assert_uint_le(mo.writes, 2);
	stream_close(&in);
	stream_close(&os);
	buf_free(&out);
	buf_free(&rec.log);
}
END_TEST

/* A read error on the input is an I/O error of the session (-1 with the
 * cause), wherever it hits: between commands, inside a command line or in
 * DATA; the transaction in progress is discarded.  A plain end of input
 * stays "ended without QUIT" (1). */
static const char *const eio_scripts[] = {
	"EHLO me\r\n",
	"EHLO me\r\nMAIL FR",
	"EHLO me\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\nSubject: x\r\n\r\nbody\r\n",
};

START_TEST(test_read_error)
{
	struct buf out = BUF_INIT;
	struct mem_stream mi, mo;
	struct stream in, os;
	struct rec rec = { BUF_INIT, 0 };
	struct err e;

	err_clear(&e);
	mem_stream_init(&mi, eio_scripts[_i], strlen(eio_scripts[_i]), NULL);
	mem_stream_init(&mo, NULL, 0, &out);
	/* reads the script, then fails with EIO instead of reporting the end */
	mi.eio_at = mi.len;
	mem_stream_attach(&mi, &in, "stdin");
	mem_stream_attach(&mo, &os, "stdout");
	ck_assert_int_eq(smtp_server_run(&in, &os, "h.test", NULL, &hooks, &rec,
	                     &e),
	    -1);
	ck_assert_int_eq(e.code, EX_IOERR);
	ck_assert_msg(strstr(e.msg, "cannot read from stdin") != NULL, "%s",
	    e.msg);
	ck_assert_int_eq(rec.committed, 0);
	stream_close(&in);
	stream_close(&os);
	/* the same script ending normally: no error */
	mi.pos = 0;
	mi.eio_at = (size_t)-1;
	mem_stream_attach(&mi, &in, "stdin");
	mem_stream_attach(&mo, &os, "stdout");
	ck_assert_int_eq(smtp_server_run(&in, &os, "h.test", NULL, &hooks, &rec,
	                     &e),
	    1);
	ck_assert_int_eq(rec.committed, 0);
	stream_close(&in);
	stream_close(&os);
	buf_free(&out);
	buf_free(&rec.log);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("smtpd");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_dialogue, 0, TEST_NELEM(cases));
	tcase_add_test(tc, test_pipelined_batch_few_writes);
	tcase_add_loop_test(tc, test_read_error, 0, TEST_NELEM(eio_scripts));
	suite_add_tcase(s, tc);
	return check_main(s);
}
