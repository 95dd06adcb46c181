/* check_mailq.c — the listing against exact text (held mark, maybe
 * delivered line, reasons per run of recipients), and a 10,000-message
 * queue listed with its time measured (reported, not asserted). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "lib/check_main.h"
#include "lib/durable.h"
#include "lib/log.h"
#include "lib/tmpdir.h"
#include "lib/xalloc.h"
#include "queue/mailq.h"

#define HEADER \
	"-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------\n"
#define INDENT "                                         "

static struct queue q;

static void
setup(void)
{
	struct err e;
	char *dir;

	log_set_syslog(0);
	setenv("TZ", "UTC0", 1);
	tzset();
	test_tmpdir_setup();
	dir = xasprintf("%s/q", test_dir);
	ck_assert_int_eq(queue_open(&q, dir, getuid(), &e), 0);
	free(dir);
}

static void
make_env(struct envelope *env, const char *id, const char *sender,
    unsigned long long size)
{
	envelope_init(env);
	envelope_set(&env->id, id);
	envelope_set(&env->sender, sender);
	env->created = 1606039200; /* Sun Nov 22 10:00:00 2020 UTC */
	env->size = size;
}

START_TEST(test_empty)
{
	struct buf b = BUF_INIT;
	struct err e;

	ck_assert_int_eq(mailq_list(&q, &b, &e), 0);
	ck_assert_str_eq(buf_cstr(&b), "Mail queue is empty\n");
	buf_free(&b);
}
END_TEST

START_TEST(test_one)
{
	struct buf b = BUF_INIT;
	struct envelope env;
	struct mailq m;

	make_env(&env, "1A2B3C4D5E", "alice@example.com", 2048);
	envelope_add_rcpt(&env, "bob@example.org");
	mailq_begin(&m, &b);
	mailq_add(&m, &env);
	mailq_end(&m);
	ck_assert_str_eq(buf_cstr(&b),
	    HEADER
	    "1A2B3C4D5E      2048 Sun Nov 22 10:00:00  alice@example.com\n" INDENT
	    "bob@example.org\n"
	    "\n"
	    "-- 2 Kbytes in 1 Request.\n");
	envelope_free(&env);
	buf_free(&b);
}
END_TEST

/* Held mark, last error, <> sender, done recipients hidden, hostile text
 * sanitised, plural total rounded up. */
START_TEST(test_several)
{
	struct buf b = BUF_INIT;
	struct envelope a, z;
	struct mailq m;

	make_env(&a, "1A2B3C4D5E", "", 100);
	a.flags = ENVELOPE_F_HELD;
	envelope_set(&a.last_error, "451 4.3.0 Try\r\nagain");
	envelope_add_rcpt(&a, "done@example.org")->state = RCPT_DONE;
	envelope_add_rcpt(&a, "bob@example.org");
	envelope_add_rcpt(&a, "x\033[2J@example.org");
	make_env(&z, "1A2B3C4D5F", "carol@example.net", 1025);
	z.created = 1606125600 + 3600 * 5 + 61;
	envelope_add_rcpt(&z, "dave@example.net");
	mailq_begin(&m, &b);
	mailq_add(&m, &a);
	mailq_add(&m, &z);
	mailq_end(&m);
	ck_assert_str_eq(buf_cstr(&b),
	    HEADER
	    "1A2B3C4D5E!      100 Sun Nov 22 10:00:00  MAILER-DAEMON\n"
	    "(451 4.3.0 Try??again)\n" INDENT "bob@example.org\n" INDENT
	    "x?[2J@example.org\n"
	    "\n"
	    "1A2B3C4D5F      1025 Mon Nov 23 15:01:01  carol@example.net\n" INDENT
	    "dave@example.net\n"
	    "\n"
	    "-- 2 Kbytes in 2 Requests.\n");
	envelope_free(&a);
	envelope_free(&z);
	buf_free(&b);
}
END_TEST

/* The listing of env alone (allocated). */
static char *
list_one(const struct envelope *env)
{
	struct buf b = BUF_INIT;
	struct mailq m;

	mailq_begin(&m, &b);
	mailq_add(&m, env);
	mailq_end(&m);
	buf_cstr(&b);
	return buf_steal(&b);
}

/* Maybe delivered: the mark line under the sender. */
START_TEST(test_maybe_delivered)
{
	char *got;
	struct envelope env;

	make_env(&env, "1A2B3C4D5E", "alice@example.com", 2048);
	env.flags = ENVELOPE_F_MAYBE_DELIVERED | ENVELOPE_F_HELD;
	env.attempts = 1;
	env.last_attempt = 1606039300;
	envelope_set(&env.last_error, "connection lost after the final dot");
	envelope_add_rcpt(&env, "bob@example.org");
	got = list_one(&env);
	ck_assert_str_eq(got,
	    HEADER
	    "1A2B3C4D5E!     2048 Sun Nov 22 10:00:00  alice@example.com\n"
	    "(may already have been delivered: connection lost after the final "
	    "dot)\n"
	    "(connection lost after the final dot)\n" INDENT "bob@example.org\n"
	    "\n"
	    "-- 2 Kbytes in 1 Request.\n");
	envelope_free(&env);
	free(got);
}
END_TEST

/* Reasons per recipient, as Postfix: a reason line before each run of
 * recipients it applies to; a recipient's own reply counts only when it
 * was tried in the last attempt, else the message's last error. */
START_TEST(test_reasons)
{
	char *got;
	struct envelope env;
	struct rcpt *r;

	make_env(&env, "1A2B3C4D5E", "alice@example.com", 10);
	env.last_attempt = 1606039300;
	envelope_set(&env.last_error, "452 4.2.2 Mailbox full");
	r = envelope_add_rcpt(&env, "a@example.org"); /* tried: own reply */
	r->last_attempt = 1606039300;
	rcpt_reply_set(&r->reply, 450, "4.2.0", "Greylisted");
	r = envelope_add_rcpt(&env, "b@example.org"); /* same reply */
	r->last_attempt = 1606039300;
	rcpt_reply_set(&r->reply, 450, "4.2.0", "Greylisted");
	r = envelope_add_rcpt(&env, "done@example.org"); /* not listed */
	r->state = RCPT_DONE;
	rcpt_reply_set(&r->reply, 250, NULL, "ok");
	r = envelope_add_rcpt(&env, "c@example.org"); /* old reply */
	r->last_attempt = 1606039200;
	rcpt_reply_set(&r->reply, 421, "4.7.0", "old news");
	r = envelope_add_rcpt(&env, "d@example.org"); /* never tried */
	got = list_one(&env);
	ck_assert_str_eq(got,
	    HEADER
	    "1A2B3C4D5E        10 Sun Nov 22 10:00:00  alice@example.com\n"
	    "(450 4.2.0 Greylisted)\n" INDENT "a@example.org\n" INDENT
	    "b@example.org\n"
	    "(452 4.2.2 Mailbox full)\n" INDENT "c@example.org\n" INDENT
	    "d@example.org\n"
	    "\n"
	    "-- 1 Kbytes in 1 Request.\n");
	envelope_free(&env);
	free(got);
}
END_TEST

/* No pending recipient (waiting for its bounce): the error still shows. */
START_TEST(test_no_pending)
{
	char *got;
	struct envelope env;

	make_env(&env, "1A2B3C4D5E", "alice@example.com", 10);
	envelope_set(&env.last_error, "550 5.1.1 No such user");
	envelope_add_rcpt(&env, "x@example.org")->state = RCPT_FAILED;
	got = list_one(&env);
	ck_assert_str_eq(got,
	    HEADER
	    "1A2B3C4D5E        10 Sun Nov 22 10:00:00  alice@example.com\n"
	    "(550 5.1.1 No such user)\n"
	    "\n"
	    "-- 1 Kbytes in 1 Request.\n");
	envelope_free(&env);
	free(got);
}
END_TEST

/* From a real queue: arrival order, a damaged envelope listed as such. */
START_TEST(test_list_queue)
{
	struct buf b = BUF_INIT;
	struct envelope env;
	struct err e;
	char *p, *want;

	make_env(&env, "00000000B0", "a@b", 10);
	envelope_add_rcpt(&env, "c@d");
	ck_assert_int_eq(queue_env_write(&q, &env, &e), 0);
	envelope_set(&env.id, "00000000A0");
	env.size = 3000;
	ck_assert_int_eq(queue_env_write(&q, &env, &e), 0);
	p = queue_env_path(&q, "00000000C0");
	ck_assert_int_eq(durable_write_file(NULL, p, "relayq-envelope 1\n", 18,
	                     0600, &e),
	    0);
	ck_assert_int_eq(mailq_list(&q, &b, &e), 0);
	want = xasprintf(HEADER
	    "00000000A0      3000 Sun Nov 22 10:00:00  a@b\n" INDENT "c@d\n\n"
	    "00000000B0        10 Sun Nov 22 10:00:00  a@b\n" INDENT "c@d\n\n"
	    "00000000C0  (damaged envelope: refusing damaged envelope "
	    "%s: truncated (no end line))\n\n"
	    "-- 3 Kbytes in 3 Requests.\n",
	    p);
	ck_assert_str_eq(buf_cstr(&b), want);
	envelope_free(&env);
	buf_free(&b);
	free(p);
	free(want);
}
END_TEST

START_TEST(test_print)
{
	char text[256];
	struct err e;
	FILE *fp = tmpfile();
	size_t n;

	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(mailq_print(&q, fp, &e), 0);
	rewind(fp);
	n = fread(text, 1, sizeof(text) - 1, fp);
	text[n] = '\0';
	ck_assert_str_eq(text, "Mail queue is empty\n");
	fclose(fp);
	fp = fopen("/dev/full", "w");
	ck_assert_ptr_nonnull(fp);
	err_clear(&e);
	ck_assert_int_eq(mailq_print(&q, fp, &e), -1);
	ck_assert_int_eq(e.code, EX_IOERR);
	ck_assert_str_eq(e.msg,
	    "cannot write the queue listing: No space left "
	    "on device");
	fclose(fp);
}
END_TEST

/* 10,000 queued envelopes: list them and report the time. */
START_TEST(test_list_10000)
{
	enum { N = 10000 };
	struct buf b = BUF_INIT, f = BUF_INIT;
	struct timespec t0, t1;
	struct envelope env;
	char id[QUEUE_ID_LEN + 1];
	struct err e;
	FILE *fp;
	char *p;
	int i;

	make_env(&env, "0000000000", "alice@example.com", 2048);
	envelope_add_rcpt(&env, "bob@example.org");
	envelope_add_rcpt(&env, "carol@example.org");
	for (i = 0; i < N; i++) {
		queue_id_make(id, queue_id_value(1606039200 + i, 0));
		envelope_set(&env.id, id);
		buf_reset(&f);
		envelope_format(&env, &f);
		p = queue_env_path(&q, id);
		fp = fopen(p, "w");
		ck_assert_ptr_nonnull(fp);
		ck_assert_uint_eq(fwrite(f.data, 1, f.len, fp), f.len);
		ck_assert_int_eq(fclose(fp), 0);
		free(p);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(mailq_list(&q, &b, &e), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("mailq: listed %d envelopes (%zu bytes) in %.3f s\n", N, b.len,
	    (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	ck_assert_ptr_nonnull(
	    strstr(b.data, "-- 20000 Kbytes in 10000 Requests.\n"));
	queue_id_make(id, queue_id_value(1606039200, 0));
	ck_assert_int_eq(strncmp(b.data + strlen(HEADER), id, QUEUE_ID_LEN), 0);
	envelope_free(&env);
	buf_free(&b);
	buf_free(&f);
}
END_TEST

static Suite *
mailq_suite(void)
{
	Suite *s = suite_create("mailq");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, test_tmpdir_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_one);
	tcase_add_test(tc, test_several);
	tcase_add_test(tc, test_maybe_delivered);
	tcase_add_test(tc, test_reasons);
	tcase_add_test(tc, test_no_pending);
	tcase_add_test(tc, test_list_queue);
	tcase_add_test(tc, test_print);
	tcase_add_test(tc, test_list_10000);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(mailq_suite());
}
