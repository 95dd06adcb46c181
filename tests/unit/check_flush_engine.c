/* check_flush_engine.c — what the flush engine does with each outcome
 * of a delivery, run by run, on a fake clock: sent, deferred (4xx, and
 * when it is due again), bounced (5xx: a notice queued to the sender),
 * expired (queue_lifetime passed), warned (queue_warn passed: one delay
 * warning), dead.letter (a notice nobody can take), held, and
 * maybe-delivered (the connection lost after DATA's dot).  Time passes
 * by fake_clock_advance, never by sleeping: a queue_lifetime of days
 * costs nothing.  Each script lists every line the client must send, so
 * a notice sent too early, too late or twice fails the script. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "flush_fixture.h"
#include "lib/buf.h"
#include "lib/check_main.h"
#include "lib/strv.h"
#include "lib/xalloc.h"

#define DAY (24 * 3600)

/* A temporary failure and a permanent one for one recipient. */
#define TO450(a) "C:RCPT TO:<" a ">", "S:450 4.2.0 mailbox busy"
#define TO550(a) "C:RCPT TO:<" a ">", "S:550 5.1.1 no such user"
/* The notice to s@x.test that a run queues and sends in its session. */
#define NOTICE "C:MAIL FROM:<>", "S:250 ok", TO("s@x.test"), DATA

static const char *const conf_plain =
    "smarthost [mx.test]:25\ntls none\nretry_min 300\nretry_max 4000\n";

static const char *const only_a[] = { "a@x.test" };

/* The last DATA body connection k received. */
static const char *
body_of(struct flush_fx *x, size_t k)
{
	ck_assert_uint_lt(k, x->net.used);
	return x->net.sc[k].body.data ? x->net.sc[k].body.data : "";
}

/* Message k's envelope (the test frees it). */
static void
env_of(struct flush_fx *x, size_t k, struct envelope *env)
{
	envelope_init(env);
	ck_assert_int_eq(flush_fx_env(x, k, env), 0);
}

/* ---- sent ---------------------------------------------------------------- */

static const char *const s_sent[] = { HELLO, MAIL, TO("a@x.test"), DATA, BYE };

START_TEST(test_sent)
{
	static const struct flush_fx_peer peers[] = { { s_sent,
	    NELEM(s_sent) } };
	struct flush_fx x;
	struct strv others = STRV_INIT;

	flush_fx_init(&x, conf_plain, peers, NELEM(peers));
	flush_fx_queue(&x, only_a, 1);
	flush_fx_run(&x);
	ck_assert_uint_eq(x.st.due, 1);
	ck_assert_uint_eq(x.st.sent, 1);
	ck_assert_uint_eq(x.st.deferred, 0);
	ck_assert_uint_eq(x.st.sessions, 1);
	ck_assert_int_eq(x.st.exit_code, EX_OK);
	ck_assert_str_eq(flush_fx_state(&x, 0, "a@x.test"), "gone");
	ck_assert_uint_eq(flush_fx_others(&x, &others), 0);
	ck_assert_str_eq(body_of(&x, 0), "Subject: t\r\n\r\nbody\r\n.\r\n");
	strv_free(&others);
	flush_fx_free(&x);
}
END_TEST

/* ---- deferred ------------------------------------------------------------ */

static const char *const s_450[] = { HELLO, MAIL, TO450("a@x.test"), BYE };

/* 450: the recipient stays pending, the message is due again retry_min
 * later (no jitter: the fake chance is 0), not before: a run in between
 * opens no connection; at retry_min it goes. */
START_TEST(test_deferred)
{
	static const struct flush_fx_peer first[] = { { s_450, NELEM(s_450) } };
	static const struct flush_fx_peer later[] = { { s_sent,
	    NELEM(s_sent) } };
	struct flush_fx x;
	struct envelope env;
	time_t t0;

	flush_fx_init(&x, conf_plain, first, NELEM(first));
	t0 = clock_now(&x.clock.clock);
	flush_fx_queue(&x, only_a, 1);
	flush_fx_run(&x);
	ck_assert_uint_eq(x.st.deferred, 1);
	ck_assert_uint_eq(x.st.sent, 0);
	ck_assert_int_eq(x.st.exit_code, EX_TEMPFAIL);
	ck_assert_str_eq(flush_fx_state(&x, 0, "a@x.test"), "pending");
	env_of(&x, 0, &env);
	ck_assert_uint_eq(env.attempts, 1);
	ck_assert_int_eq((long long)env.last_attempt, (long long)t0);
	ck_assert_int_eq((long long)env.next_attempt, (long long)t0 + 300);
	ck_assert_int_eq(env.rcpt[0].reply.code, 450);
	ck_assert_str_eq(env.rcpt[0].reply.status, "4.2.0");
	envelope_free(&env);

	fake_clock_advance(&x.clock, 299);
	flush_fx_peers(&x, later, 0);
	flush_fx_run(&x);
	ck_assert_uint_eq(x.st.due, 0);
	ck_assert_uint_eq(x.net.used, 0);
	ck_assert_str_eq(flush_fx_state(&x, 0, "a@x.test"), "pending");

	fake_clock_advance(&x.clock, 1);
	flush_fx_peers(&x, later, NELEM(later));
	flush_fx_run(&x);
	ck_assert_uint_eq(x.st.sent, 1);
	ck_assert_str_eq(flush_fx_state(&x, 0, "a@x.test"), "gone");
	flush_fx_free(&x);
}
END_TEST

/* The retry jitter comes from the injected random source: up to 10 %
 * of the wait (retry.h), here half of it. */
START_TEST(test_deferred_jitter)
{
	static const struct flush_fx_peer first[] = { { s_450, NELEM(s_450) } };
	struct flush_fx x;
	struct envelope env;
	time_t t0;

	flush_fx_init(&x, conf_plain, first, NELEM(first));
	x.clock.rnd = 0.5;
	t0 = clock_now(&x.clock.clock);
	flush_fx_queue(&x, only_a, 1);
	flush_fx_run(&x);
	env_of(&x, 0, &env);
	ck_assert_int_eq((long long)env.next_attempt, (long long)t0 + 315);
	envelope_free(&env);
	flush_fx_free(&x);
}
END_TEST

/* ---- bounced ------------------------------------------------------------- */

/* 550: the message leaves the queue and a notice to the sender is queued
 * and sent by the rescan over the same session. */
static const char *const s_550[] = { HELLO, MAIL, TO550("a@x.test"), RSET,
	NOTICE, BYE };

START_TEST(test_bounced)
{
	static const struct flush_fx_peer peers[] = { { s_550, NELEM(s_550) } };
	struct flush_fx x;
	const char *b;

	flush_fx_init(&x, conf_plain, peers, NELEM(peers));
	flush_fx_queue(&x, only_a, 1);
	flush_fx_run(&x);
	ck_assert_uint_eq(x.st.bounced, 1);
	ck_assert_uint_eq(x.st.sent, 1); /* the notice */
	ck_assert_uint_eq(x.st.sessions, 1);
	ck_assert_str_eq(flush_fx_state(&x, 0, "a@x.test"), "gone");
	b = body_of(&x, 0);
	ck_assert_ptr_nonnull(strstr(b, "Action: failed"));
	ck_assert_ptr_nonnull(strstr(b, "Final-Recipient: rfc822; a@x.test"));
	ck_assert_ptr_nonnull(strstr(b, "Status: 5.1.1"));
	flush_fx_free(&x);
}
END_TEST

/* ---- expired ------------------------------------------------------------- */

/* queue_lifetime 2d: a try one second before it defers again; the try
 * after it fails the recipient with 4.4.7 and queues the notice. */
static const char *const s_450_expire[] = { HELLO, MAIL, TO450("a@x.test"),
	RSET, NOTICE, BYE };

START_TEST(test_expired)
{
	static const struct flush_fx_peer first[] = { { s_450, NELEM(s_450) } };
	static const struct flush_fx_peer last[] = { { s_450_expire,
	    NELEM(s_450_expire) } };
	struct flush_fx x;
	const char *b;

	flush_fx_init(&x,
	    "smarthost [mx.test]:25\ntls none\nretry_min 300\n"
	    "queue_lifetime 2d\nqueue_warn 0\n",
	    first, NELEM(first));
	flush_fx_queue(&x, only_a, 1);
	fake_clock_advance(&x.clock, 2 * DAY - 1);
	flush_fx_run(&x);
	ck_assert_uint_eq(x.st.deferred, 1);
	ck_assert_str_eq(flush_fx_state(&x, 0, "a@x.test"), "pending");

	fake_clock_advance(&x.clock, 1);
	x.o.force = 1;
	flush_fx_peers(&x, last, NELEM(last));
	flush_fx_run(&x);
	ck_assert_uint_eq(x.st.bounced, 1);
	ck_assert_str_eq(flush_fx_state(&x, 0, "a@x.test"), "gone");
	b = body_of(&x, 0);
	ck_assert_ptr_nonnull(strstr(b, "Action: failed"));
	ck_assert_ptr_nonnull(strstr(b, "Status: 4.4.7"));
	ck_assert_ptr_nonnull(strstr(b, "message expired after 2 days"));
	flush_fx_free(&x);
}
END_TEST

/* ---- warned -------------------------------------------------------------- */

/* queue_warn 4h with NOTIFY=DELAY: no warning before 4 hours, one
 * "delayed" notice at the first try after, none at the next. */
static const char *const s_450_warn[] = { HELLO, MAIL, TO450("a@x.test"), RSET,
	NOTICE, BYE };

START_TEST(test_warned)
{
	static const struct flush_fx_peer p450[] = { { s_450, NELEM(s_450) } };
	static const struct flush_fx_peer pwarn[] = { { s_450_warn,
	    NELEM(s_450_warn) } };
	struct flush_fx x;
	struct envelope env;
	const char *b;

	flush_fx_init(&x,
	    "smarthost [mx.test]:25\ntls none\nretry_min 300\n"
	    "queue_warn 4h\n",
	    p450, NELEM(p450));
	x.o.force = 1;
	flush_fx_queue_from(&x, "s@x.test", only_a, 1,
	    RCPT_NOTIFY_DELAY | RCPT_NOTIFY_FAILURE);
	fake_clock_advance(&x.clock, 4 * 3600 - 1);
	flush_fx_run(&x);
	env_of(&x, 0, &env);
	ck_assert_uint_eq(env.flags & ENVELOPE_F_WARNED, 0);
	envelope_free(&env);

	fake_clock_advance(&x.clock, 1);
	flush_fx_peers(&x, pwarn, NELEM(pwarn));
	flush_fx_run(&x);
	ck_assert_uint_eq(x.st.sent, 1); /* the warning */
	ck_assert_str_eq(flush_fx_state(&x, 0, "a@x.test"), "pending");
	env_of(&x, 0, &env);
	ck_assert_uint_ne(env.flags & ENVELOPE_F_WARNED, 0);
	envelope_free(&env);
	b = body_of(&x, 0);
	ck_assert_ptr_nonnull(strstr(b, "Action: delayed"));
	ck_assert_ptr_nonnull(strstr(b, "Final-Recipient: rfc822; a@x.test"));

	fake_clock_advance(&x.clock, 3600);
	flush_fx_peers(&x, p450, NELEM(p450));
	flush_fx_run(&x);
	ck_assert_uint_eq(x.st.sent, 0);
	ck_assert_str_eq(flush_fx_state(&x, 0, "a@x.test"), "pending");
	flush_fx_free(&x);
}
END_TEST

/* ---- dead.letter --------------------------------------------------------- */

static char *
deadletter(struct flush_fx *x)
{
	struct buf b = BUF_INIT;
	char *path = xasprintf("%s/dead.letter", x->dir);
	char chunk[4096];
	size_t n;
	FILE *fp = fopen(path, "r");

	free(path);
	if (fp == NULL)
		return xstrdup("");
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_add(&b, chunk, n);
	fclose(fp);
	return b.data ? b.data : xstrdup("");
}

/* A notice (sender <>) the smarthost refuses for good cannot be bounced:
 * it goes to dead.letter in the queue owner's HOME. */
static const char *const s_notice_550[] = { HELLO, "C:MAIL FROM:<>", "S:250 ok",
	TO550("a@x.test"), BYE };

START_TEST(test_deadletter_refused_notice)
{
	static const struct flush_fx_peer peers[] = { { s_notice_550,
	    NELEM(s_notice_550) } };
	struct flush_fx x;
	struct strv others = STRV_INIT;
	char *dl;

	flush_fx_init(&x, conf_plain, peers, NELEM(peers));
	flush_fx_queue_from(&x, "", only_a, 1, 0);
	flush_fx_run(&x);
	ck_assert_uint_eq(x.st.bounced, 1);
	ck_assert_str_eq(flush_fx_state(&x, 0, "a@x.test"), "gone");
	ck_assert_uint_eq(flush_fx_others(&x, &others), 0); /* no bounce */
	dl = deadletter(&x);
	ck_assert_msg(strncmp(dl, "From MAILER-DAEMON ", 19) == 0, "%s", dl);
	ck_assert_ptr_nonnull(strstr(dl, "\nSubject: t\n"));
	free(dl);
	strv_free(&others);
	flush_fx_free(&x);
}
END_TEST

/* A notice for a local-only address goes to dead.letter without any
 * connection. */
START_TEST(test_deadletter_local_notice)
{
	static const char *const root[] = { "root@localhost" };
	struct flush_fx x;
	char *dl;

	flush_fx_init(&x, conf_plain, NULL, 0);
	flush_fx_queue_from(&x, "", root, 1, 0);
	flush_fx_run(&x);
	ck_assert_uint_eq(x.net.used, 0);
	ck_assert_uint_eq(x.st.sessions, 0);
	ck_assert_uint_eq(x.st.sent, 1);
	ck_assert_str_eq(flush_fx_state(&x, 0, "root@localhost"), "gone");
	dl = deadletter(&x);
	ck_assert_msg(strncmp(dl, "From MAILER-DAEMON ", 19) == 0, "%s", dl);
	free(dl);
	flush_fx_free(&x);
}
END_TEST

/* ---- held ---------------------------------------------------------------- */

/* A held message is not touched, not even by a forced run, and needs no
 * connection; the others go. */
static const char *const s_sent_b[] = { HELLO, MAIL, TO("b@x.test"), DATA,
	BYE };

START_TEST(test_held)
{
	static const struct flush_fx_peer peers[] = { { s_sent_b,
	    NELEM(s_sent_b) } };
	static const char *const only_b[] = { "b@x.test" };
	struct flush_fx x;
	struct envelope env;
	struct err e;

	flush_fx_init(&x, conf_plain, peers, NELEM(peers));
	flush_fx_queue(&x, only_a, 1);
	flush_fx_queue(&x, only_b, 1);
	env_of(&x, 0, &env);
	env.flags |= ENVELOPE_F_HELD;
	ck_assert_msg(queue_env_write(&x.q, &env, &e) == 0, "%s", e.msg);
	envelope_free(&env);
	x.o.force = 1;
	flush_fx_run(&x);
	ck_assert_uint_eq(x.st.due, 1);
	ck_assert_uint_eq(x.st.sent, 1);
	ck_assert_str_eq(flush_fx_state(&x, 0, "a@x.test"), "pending");
	ck_assert_str_eq(flush_fx_state(&x, 1, "b@x.test"), "gone");
	env_of(&x, 0, &env);
	ck_assert_uint_eq(env.attempts, 0);
	envelope_free(&env);
	flush_fx_free(&x);
}
END_TEST

/* ---- maybe-delivered ----------------------------------------------------- */

/* The connection is lost after the final dot, before the server's reply:
 * the message may have been delivered.  It stays queued, flagged, and is
 * sent again at its retry (never bounced for it); the flag is cleared
 * when it is done. */
static const char *const s_lost[] = { HELLO, MAIL, TO("a@x.test"), "C:DATA",
	"S:354 go", "B", "D" };

START_TEST(test_maybe_delivered)
{
	static const struct flush_fx_peer first[] = { { s_lost,
	    NELEM(s_lost) } };
	static const struct flush_fx_peer later[] = { { s_sent,
	    NELEM(s_sent) } };
	struct flush_fx x;
	struct envelope env;

	flush_fx_init(&x, conf_plain, first, NELEM(first));
	flush_fx_queue(&x, only_a, 1);
	flush_fx_run(&x);
	ck_assert_uint_eq(x.st.deferred, 1);
	ck_assert_uint_eq(x.st.bounced, 0);
	ck_assert_int_eq(x.st.exit_code, EX_TEMPFAIL);
	ck_assert_str_eq(flush_fx_state(&x, 0, "a@x.test"), "pending");
	env_of(&x, 0, &env);
	ck_assert_uint_ne(env.flags & ENVELOPE_F_MAYBE_DELIVERED, 0);
	envelope_free(&env);

	fake_clock_advance(&x.clock, 300);
	flush_fx_peers(&x, later, NELEM(later));
	flush_fx_run(&x);
	ck_assert_uint_eq(x.st.sent, 1);
	ck_assert_str_eq(flush_fx_state(&x, 0, "a@x.test"), "gone");
	flush_fx_free(&x);
}
END_TEST

/* ---- pacing -------------------------------------------------------------- */

/* messages_per_minute 60: each message after the first waits a second —
 * on the fake clock, which the wait advances instead of sleeping; with no
 * limit nothing waits. */
static const char *const s_three[] = { HELLO, MAIL, TO("a@x.test"), DATA, RSET,
	MAIL, TO("b@x.test"), DATA, RSET, MAIL, TO("c@x.test"), DATA, BYE };

START_TEST(test_paced)
{
	static const struct flush_fx_peer peers[] = { { s_three,
	    NELEM(s_three) } };
	static const char *const abc[] = { "a@x.test", "b@x.test", "c@x.test" };
	struct flush_fx x;
	size_t i;

	flush_fx_init(&x,
	    _i == 0 ? "smarthost [mx.test]:25\ntls none\n"
	              "messages_per_minute 60\n" :
	              "smarthost [mx.test]:25\ntls none\n",
	    peers, NELEM(peers));
	for (i = 0; i < 3; i++)
		flush_fx_queue(&x, abc + i, 1);
	flush_fx_run(&x);
	ck_assert_uint_eq(x.st.sent, 3);
	ck_assert_uint_eq(x.clock.nsleeps, _i == 0 ? 2 : 0);
	ck_assert_int_eq(x.clock.slept_ms, _i == 0 ? 2000 : 0);
	flush_fx_free(&x);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("flush_engine");
	TCase *tc = tcase_create("outcomes");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_sent);
	tcase_add_test(tc, test_deferred);
	tcase_add_test(tc, test_deferred_jitter);
	tcase_add_test(tc, test_bounced);
	tcase_add_test(tc, test_expired);
	tcase_add_test(tc, test_warned);
	tcase_add_test(tc, test_deadletter_refused_notice);
	tcase_add_test(tc, test_deadletter_local_notice);
	tcase_add_test(tc, test_held);
	tcase_add_test(tc, test_maybe_delivered);
	tcase_add_loop_test(tc, test_paced, 0, 2);
	suite_add_tcase(su, tc);
	return check_main(su);
}
