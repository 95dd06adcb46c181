/* check_flush.c — a whole relayq-flush run over a real queue in a
 * temporary directory against scripted peers (one script per connection,
 * through flush_opts.connect): recipients in several transactions, 452
 * 4.5.3 for some RCPTs, sessions the server closes (421 after MAIL, a
 * reset between messages) or limits (452 4.5.3 on a later message), a
 * server that answers 421 every time, and a crash between transactions.
 * Each script lists every line the client must send, so a recipient sent
 * twice or a transaction out of place fails the script. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "flush_fixture.h"
#include "lib/check_main.h"

/* ---- scripts ------------------------------------------------------------- */

static const char *const conf_plain =
    "smarthost [mx.test]:25\ntls none\nmax_recipients 0\n";

/* 421 after MAIL on the second message: it goes at once over a new
 * session, and the server's limit (one message) is learned, so the third
 * message gets a session of its own without meeting the 421. */
static const char *const s421a[] = { HELLO, MAIL, TO("a@x.test"), DATA,
	"C:RSET", "S:250 ok", "C:MAIL FROM:<s@x.test>",
	"S:421 4.7.0 mx.test too many messages in this session" };
static const char *const s421b[] = { HELLO, MAIL, TO("b@x.test"), DATA, BYE };
static const char *const s421c[] = { HELLO, MAIL, TO("c@x.test"), DATA, BYE };

/* relayq check --connect against a server whose EHLO lines and reply
 * carry UTF-8, terminal escapes, a C1 CSI and a bidi override: the UTF-8
 * is shown whole, the rest as '?', the step words as they are. */
static const char *const shostile[] = { "S:220 mx.test ESMTP",
	"C:EHLO client.test",
	"S:250-mx.test Gr\xc3\xbc\xc3\x9f"
	"e\x1b[2J",
	"S:250-SIZE 1000\xc2\x9b"
	"31m",
	"S:250 8BITMIME\xe2\x80\xae", "C:MAIL FROM:<s@x.test>",
	"S:250 2.1.0 Absender \xc3\xbc\x07ok", "C:RSET", "S:250 ok", BYE };

START_TEST(test_check_hostile_server)
{
	static const struct flush_fx_peer peers[] = { { shostile,
	    NELEM(shostile) } };
	struct flush_fx x;
	struct err e;
	char *out = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	flush_fx_init(&x, conf_plain, peers, NELEM(peers));
	f = open_memstream(&out, &len);
	ck_assert_ptr_nonnull(f);
	err_clear(&e);
	rc = flush_check(&x.o, "s@x.test", f, &e);
	fclose(f);
	ck_assert_msg(rc == EX_OK, "%d: %s\n%s", rc, e.msg, out);
	ck_assert_msg(strstr(out,
	                  "EHLO: ok: mx.test Gr\xc3\xbc\xc3\x9f"
	                  "e?[2J: "
	                  "SIZE 1000?31m, 8BITMIME?\n") != NULL,
	    "%s", out);
	ck_assert_msg(strstr(out,
	                  "MAIL FROM: ok: <s@x.test> (250 2.1.0 Absender "
	                  "\xc3\xbc?ok)\n") != NULL,
	    "%s", out);
	ck_assert_ptr_null(strchr(out, '\x1b'));
	ck_assert_ptr_null(strstr(out, "\xc2\x9b"));
	ck_assert_ptr_null(strstr(out, "\xe2\x80\xae"));
	free(out);
	flush_fx_free(&x);
}
END_TEST

START_TEST(test_421_after_mail)
{
	static const struct flush_fx_peer peers[] = { { s421a, NELEM(s421a) },
		{ s421b, NELEM(s421b) }, { s421c, NELEM(s421c) } };
	static const char *const a[] = { "a@x.test" },
	                         *const b[] = { "b@x.test" },
	                         *const c[] = { "c@x.test" };
	struct flush_fx x;

	flush_fx_init(&x, conf_plain, peers, NELEM(peers));
	flush_fx_queue(&x, a, 1);
	flush_fx_queue(&x, b, 1);
	flush_fx_queue(&x, c, 1);
	flush_fx_run(&x);
	ck_assert_uint_eq(x.net.used, 3);
	ck_assert_uint_eq(x.st.sessions, 3);
	ck_assert_uint_eq(x.st.sent, 3);
	ck_assert_uint_eq(x.st.deferred, 0);
	ck_assert_str_eq(flush_fx_state(&x, 1, "b@x.test"), "gone");
	ck_assert_int_eq(x.st.exit_code, EX_OK);
	flush_fx_free(&x);
}
END_TEST

/* The connection is reset between messages (the RSET finds it gone): the
 * second message goes over a new session in the same run. */
static const char *const sreset_a[] = { HELLO, MAIL, TO("a@x.test"), DATA,
	"D" };
static const char *const sreset_b[] = { HELLO, MAIL, TO("b@x.test"), DATA,
	BYE };

START_TEST(test_reset_between_messages)
{
	static const struct flush_fx_peer peers[] = {
		{ sreset_a, NELEM(sreset_a) }, { sreset_b, NELEM(sreset_b) }
	};
	static const char *const a[] = { "a@x.test" },
	                         *const b[] = { "b@x.test" };
	struct flush_fx x;

	flush_fx_init(&x, conf_plain, peers, NELEM(peers));
	flush_fx_queue(&x, a, 1);
	flush_fx_queue(&x, b, 1);
	flush_fx_run(&x);
	ck_assert_uint_eq(x.st.sessions, 2);
	ck_assert_uint_eq(x.st.sent, 2);
	ck_assert_uint_eq(x.st.deferred, 0);
	ck_assert_str_eq(flush_fx_state(&x, 0, "a@x.test"), "gone");
	ck_assert_str_eq(flush_fx_state(&x, 1, "b@x.test"), "gone");
	flush_fx_free(&x);
}
END_TEST

/* 452 4.5.3 for some RCPTs after two were accepted: the message goes to
 * those two, then to the rest in transactions of two (the limit learned)
 * over the same session; each recipient is sent exactly once. */
#define TOOMANY(a) "C:RCPT TO:<" a ">", "S:452 4.5.3 Error: too many recipients"
static const char *const s452[] = { HELLO, MAIL, TO("r1@x.test"),
	TO("r2@x.test"), TOOMANY("r3@x.test"), TOOMANY("r4@x.test"),
	TOOMANY("r5@x.test"), DATA, RSET, MAIL, TO("r3@x.test"),
	TO("r4@x.test"), DATA, RSET, MAIL, TO("r5@x.test"), DATA, BYE };
static const char *const five[] = { "r1@x.test", "r2@x.test", "r3@x.test",
	"r4@x.test", "r5@x.test" };

START_TEST(test_452_some_rcpts)
{
	static const struct flush_fx_peer peers[] = { { s452, NELEM(s452) } };
	struct flush_fx x;

	flush_fx_init(&x, conf_plain, peers, NELEM(peers));
	flush_fx_queue(&x, five, 5);
	flush_fx_run(&x);
	ck_assert_uint_eq(x.st.sessions, 1);
	ck_assert_uint_eq(x.st.sent, 1);
	ck_assert_uint_eq(x.st.deferred, 0);
	ck_assert_str_eq(flush_fx_state(&x, 0, "r1@x.test"), "gone");
	ck_assert_uint_eq(x.net.sc[0].body.len,
	    3 * strlen("Subject: t\r\n\r\nbody\r\n.\r\n"));
	flush_fx_free(&x);
}
END_TEST

/* max_recipients splits a message before the server has to refuse. */
static const char *const ssplit[] = { HELLO, MAIL, TO("r1@x.test"),
	TO("r2@x.test"), DATA, RSET, MAIL, TO("r3@x.test"), TO("r4@x.test"),
	DATA, RSET, MAIL, TO("r5@x.test"), DATA, BYE };

START_TEST(test_max_recipients)
{
	static const struct flush_fx_peer peers[] = { { ssplit,
	    NELEM(ssplit) } };
	struct flush_fx x;

	flush_fx_init(&x,
	    "smarthost [mx.test]:25\ntls none\nmax_recipients 2\n", peers,
	    NELEM(peers));
	flush_fx_queue(&x, five, 5);
	flush_fx_run(&x);
	ck_assert_uint_eq(x.st.sent, 1);
	ck_assert_str_eq(flush_fx_state(&x, 0, "r5@x.test"), "gone");
	flush_fx_free(&x);
}
END_TEST

/* A crash between two transactions of one message: the next run sends
 * only to the recipients the first run had not finished. */
static const char *const scrash1[] = { HELLO, MAIL, TO("r1@x.test"),
	TO("r2@x.test"), DATA, "X" };
static const char *const scrash2[] = { HELLO, MAIL, TO("r3@x.test"),
	TO("r4@x.test"), DATA, RSET, MAIL, TO("r5@x.test"), DATA, BYE };

START_TEST(test_crash_between_transactions)
{
	static const struct flush_fx_peer first[] = { { scrash1,
	    NELEM(scrash1) } };
	static const struct flush_fx_peer second[] = { { scrash2,
	    NELEM(scrash2) } };
	struct flush_fx x;
	pid_t pid;
	int status;

	flush_fx_init(&x,
	    "smarthost [mx.test]:25\ntls none\nmax_recipients 2\n", first,
	    NELEM(first));
	flush_fx_queue(&x, five, 5);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct err e;

		flush_run(&x.o, &x.st, &e);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), SCRIPT_CRASH_EXIT);
	ck_assert_str_eq(flush_fx_state(&x, 0, "r1@x.test"), "done");
	ck_assert_str_eq(flush_fx_state(&x, 0, "r2@x.test"), "done");
	ck_assert_str_eq(flush_fx_state(&x, 0, "r3@x.test"), "pending");
	ck_assert_str_eq(flush_fx_state(&x, 0, "r5@x.test"), "pending");
	x.net.peers = second;
	x.net.npeers = NELEM(second);
	x.net.used = 0;
	x.o.force = 1;
	flush_fx_run(&x);
	ck_assert_uint_eq(x.st.sent, 1);
	ck_assert_str_eq(flush_fx_state(&x, 0, "r5@x.test"), "gone");
	flush_fx_free(&x);
}
END_TEST

/* 452 4.5.3 with none accepted on the second message of a session (a
 * per-session message limit, as OpenSMTPD's): a new session, the message
 * retried at once, the limit learned for the third. */
static const char *const slim_a[] = { HELLO, MAIL, TO("a@x.test"), DATA, RSET,
	MAIL, "C:RCPT TO:<b@x.test>", "S:452 4.5.3 Too many messages sent",
	BYE };
static const char *const slim_b[] = { HELLO, MAIL, TO("b@x.test"), DATA, BYE };
static const char *const slim_c[] = { HELLO, MAIL, TO("c@x.test"), DATA, BYE };

START_TEST(test_452_session_limit)
{
	static const struct flush_fx_peer peers[] = { { slim_a, NELEM(slim_a) },
		{ slim_b, NELEM(slim_b) }, { slim_c, NELEM(slim_c) } };
	static const char *const a[] = { "a@x.test" },
	                         *const b[] = { "b@x.test" },
	                         *const c[] = { "c@x.test" };
	struct flush_fx x;

	flush_fx_init(&x, conf_plain, peers, NELEM(peers));
	flush_fx_queue(&x, a, 1);
	flush_fx_queue(&x, b, 1);
	flush_fx_queue(&x, c, 1);
	flush_fx_run(&x);
	ck_assert_uint_eq(x.st.sessions, 3);
	ck_assert_uint_eq(x.st.sent, 3);
	ck_assert_uint_eq(x.st.deferred, 0);
	flush_fx_free(&x);
}
END_TEST

/* The same reply on the first message of a session is not a session
 * limit: that recipient is deferred (a temporary failure). */
static const char *const sfirst[] = { HELLO, MAIL, "C:RCPT TO:<a@x.test>",
	"S:452 4.5.3 Too many messages sent", BYE };

START_TEST(test_452_first_message_defers)
{
	static const struct flush_fx_peer peers[] = { { sfirst,
	    NELEM(sfirst) } };
	static const char *const a[] = { "a@x.test" };
	struct flush_fx x;

	flush_fx_init(&x, conf_plain, peers, NELEM(peers));
	flush_fx_queue(&x, a, 1);
	flush_fx_run(&x);
	ck_assert_uint_eq(x.st.sessions, 1);
	ck_assert_uint_eq(x.st.deferred, 1);
	ck_assert_str_eq(flush_fx_state(&x, 0, "a@x.test"), "pending");
	ck_assert_int_eq(x.st.exit_code, EX_TEMPFAIL);
	flush_fx_free(&x);
}
END_TEST

/* Other 452s (mailbox full, no storage) stay per-recipient temporary
 * failures: the others are delivered, no new transaction for them. */
static const char *const sfull[] = { HELLO, MAIL, TO("a@x.test"),
	"C:RCPT TO:<b@x.test>", "S:452 4.2.2 mailbox full",
	"C:RCPT TO:<c@x.test>", "S:452 4.3.1 insufficient system storage", DATA,
	BYE };

START_TEST(test_452_other_codes)
{
	static const struct flush_fx_peer peers[] = { { sfull, NELEM(sfull) } };
	static const char *const abc[] = { "a@x.test", "b@x.test", "c@x.test" };
	struct flush_fx x;

	flush_fx_init(&x, conf_plain, peers, NELEM(peers));
	flush_fx_queue(&x, abc, 3);
	flush_fx_run(&x);
	ck_assert_str_eq(flush_fx_state(&x, 0, "a@x.test"), "done");
	ck_assert_str_eq(flush_fx_state(&x, 0, "b@x.test"), "pending");
	ck_assert_str_eq(flush_fx_state(&x, 0, "c@x.test"), "pending");
	ck_assert_uint_eq(x.st.deferred, 1);
	flush_fx_free(&x);
}
END_TEST

/* Postfix past its recipient limit: 452 4.5.3, then "421 too many
 * errors" before DATA.  Nothing was delivered, but the limit was learned:
 * the message goes again at once, in transactions of what was accepted. */
static const char *const spf_a[] = { HELLO, MAIL, TO("r1@x.test"),
	TO("r2@x.test"), TOOMANY("r3@x.test"), "C:RCPT TO:<r4@x.test>",
	"S:421 4.7.0 mx.test Error: too many errors" };
static const char *const spf_b[] = { HELLO, MAIL, TO("r1@x.test"),
	TO("r2@x.test"), DATA, RSET, MAIL, TO("r3@x.test"), TO("r4@x.test"),
	DATA, RSET, MAIL, TO("r5@x.test"), DATA, BYE };

START_TEST(test_452_then_421)
{
	static const struct flush_fx_peer peers[] = { { spf_a, NELEM(spf_a) },
		{ spf_b, NELEM(spf_b) } };
	struct flush_fx x;

	flush_fx_init(&x, conf_plain, peers, NELEM(peers));
	flush_fx_queue(&x, five, 5);
	flush_fx_run(&x);
	ck_assert_uint_eq(x.st.sessions, 2);
	ck_assert_uint_eq(x.st.sent, 1);
	ck_assert_str_eq(flush_fx_state(&x, 0, "r1@x.test"), "gone");
	flush_fx_free(&x);
}
END_TEST

/* A server that answers 421 to every MAIL: each message is deferred, not
 * retried at once (its session carried nothing), and the run stops
 * opening sessions after FLUSH_MAX_RECONNECTS (10) reconnects: 11
 * sessions for 14 messages, the last 3 deferred without a connection. */
static const char *const sno[] = { HELLO, "C:MAIL FROM:<s@x.test>",
	"S:421 4.3.2 mx.test service shutting down" };

START_TEST(test_421_every_time_capped)
{
	static struct flush_fx_peer peers[FLUSH_FX_MAXPEERS];
	static const char *const a[] = { "a@x.test" };
	struct flush_fx x;
	size_t i;

	for (i = 0; i < FLUSH_FX_MAXPEERS; i++) {
		peers[i].steps = sno;
		peers[i].n = NELEM(sno);
	}
	flush_fx_init(&x, conf_plain, peers, FLUSH_FX_MAXPEERS);
	for (i = 0; i < 14; i++)
		flush_fx_queue(&x, a, 1);
	flush_fx_run(&x);
	ck_assert_uint_eq(x.net.used, 11);
	ck_assert_uint_eq(x.st.sessions, 11);
	ck_assert_uint_eq(x.st.deferred, 14);
	ck_assert_uint_eq(x.st.bounced, 0);
	ck_assert_int_eq(x.st.exit_code, EX_TEMPFAIL);
	for (i = 0; i < 14; i++)
		ck_assert_str_eq(flush_fx_state(&x, i, "a@x.test"), "pending");
	flush_fx_free(&x);
}
END_TEST

/* max_messages_per_connection still opens a new session after that many
 * messages (a planned reconnect: no reconnect counted, nothing deferred). */
static const char *const smax_a[] = { HELLO, MAIL, TO("a@x.test"), DATA, BYE };
static const char *const smax_b[] = { HELLO, MAIL, TO("b@x.test"), DATA, BYE };

START_TEST(test_max_messages_per_connection)
{
	static const struct flush_fx_peer peers[] = { { smax_a, NELEM(smax_a) },
		{ smax_b, NELEM(smax_b) } };
	static const char *const a[] = { "a@x.test" },
	                         *const b[] = { "b@x.test" };
	struct flush_fx x;

	flush_fx_init(&x,
	    "smarthost [mx.test]:25\ntls none\n"
	    "max_messages_per_connection 1\n",
	    peers, NELEM(peers));
	flush_fx_queue(&x, a, 1);
	flush_fx_queue(&x, b, 1);
	flush_fx_run(&x);
	ck_assert_uint_eq(x.st.sessions, 2);
	ck_assert_uint_eq(x.st.sent, 2);
	flush_fx_free(&x);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("flush");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_421_after_mail);
	tcase_add_test(tc, test_check_hostile_server);
	tcase_add_test(tc, test_reset_between_messages);
	tcase_add_test(tc, test_452_some_rcpts);
	tcase_add_test(tc, test_max_recipients);
	tcase_add_test(tc, test_crash_between_transactions);
	tcase_add_test(tc, test_452_session_limit);
	tcase_add_test(tc, test_452_first_message_defers);
	tcase_add_test(tc, test_452_other_codes);
	tcase_add_test(tc, test_452_then_421);
	tcase_add_test(tc, test_421_every_time_capped);
	tcase_add_test(tc, test_max_messages_per_connection);
	suite_add_tcase(su, tc);
	return check_main(su);
}
