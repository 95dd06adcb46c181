/* check_queue_admin.c — the JSON escaper (control characters, UTF-8 valid
 * and not), the JSON object of an envelope, the summary, "show", and the
 * actions against a real queue: each one's effect, a message locked by a
 * "flusher", unknown ids, damaged envelopes; 10,000 messages timed. */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "lib/check_main.h"
#include "lib/durable.h"
#include "lib/log.h"
#include "lib/tmpdir.h"
#include "lib/xalloc.h"
#include "queue/queue_admin.h"

#define T0 1606039200 /* Sun Nov 22 10:00:00 2020 UTC */

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
	err_clear(&e);
	ck_assert_msg(queue_open(&q, dir, getuid(), &e) == 0, "%s", e.msg);
	free(dir);
}

static void
teardown(void)
{
	queue_close(&q);
	test_tmpdir_teardown();
}

static void
make_env(struct envelope *env, const char *id)
{
	envelope_init(env);
	envelope_set(&env->id, id);
	envelope_set(&env->sender, "alice@example.com");
	env->created = T0;
	env->size = 2048;
	env->uid = 1000;
	envelope_set(&env->user, "alice");
	envelope_add_rcpt(env, "bob@example.org");
}

/* Writes env/ID and, when body is not NULL, new/ID. */
static void
put_msg(const struct envelope *env, const char *body)
{
	struct err e;
	char *p;

	err_clear(&e);
	ck_assert_msg(queue_env_write(&q, env, &e) == 0, "%s", e.msg);
	if (body == NULL)
		return;
	p = queue_body_path(&q, env->id);
	ck_assert_int_eq(durable_write_file(NULL, p, body, strlen(body), 0600,
	                     &e),
	    0);
	free(p);
}

static int
exists(char *path)
{
	int rc = access(path, F_OK) == 0;

	free(path);
	return rc;
}

/* ---- the JSON string escaper -------------------------------------------- */

static const struct {
	const char *in;
	size_t n; /* 0: strlen */
	const char *want;
	/* clang-format off */
} esc_cases[] = {
	{ "", 0, "\"\"" },
	{ "plain ASCII / <tag>", 0, "\"plain ASCII / <tag>\"" },
	{ "a\"b\\c", 0, "\"a\\\"b\\\\c\"" },
	{ "\n\r\t\b\f", 0, "\"\\n\\r\\t\\b\\f\"" },
	{ "\x01\x1b[2J\x1f\x7f", 0, "\"\\u0001\\u001b[2J\\u001f\\u007f\"" },
	{ "a\0b", 3, "\"a\\u0000b\"" },
	{ "caf\xc3\xa9", 0, "\"caf\xc3\xa9\"" },                      /* é */
	{ "\xe2\x82\xac 5", 0, "\"\xe2\x82\xac 5\"" },                /* € */
	{ "\xf0\x9f\x98\x80", 0, "\"\xf0\x9f\x98\x80\"" },            /* U+1F600 */
	{ "\xf4\x8f\xbf\xbf", 0, "\"\xf4\x8f\xbf\xbf\"" },            /* U+10FFFF */
	{ "\xc2\x9b", 0, "\"\xc2\x9b\"" },                            /* C1, valid */
	{ "x\xff", 0, "\"x\\ufffd\"" },
	{ "\x80", 0, "\"\\ufffd\"" },                                 /* stray */
	{ "\xc3", 0, "\"\\ufffd\"" },                                 /* truncated */
	{ "a\xe2\x82", 0, "\"a\\ufffd\"" },               /* truncated: one */
	{ "\xc3(", 0, "\"\\ufffd(\"" },                               /* bad cont. */
	{ "\xc0\xaf", 0, "\"\\ufffd\\ufffd\"" },                      /* overlong / */
	{ "\xe0\x80\xaf", 0, "\"\\ufffd\\ufffd\\ufffd\"" },           /* overlong */
	{ "\xed\xa0\x80", 0, "\"\\ufffd\\ufffd\\ufffd\"" },           /* surrogate */
	{ "\xf4\x90\x80\x80", 0, "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" }, /* > 10FFFF */
	{ "\xf5\x80", 0, "\"\\ufffd\\ufffd\"" },
};
/* clang-format on */

START_TEST(test_json_string)
{
	struct buf b = BUF_INIT;
	size_t n = esc_cases[_i].n ? esc_cases[_i].n : strlen(esc_cases[_i].in);

	queue_admin_json_string(&b, esc_cases[_i].in, n);
	ck_assert_str_eq(buf_cstr(&b), esc_cases[_i].want);
	buf_free(&b);
}
END_TEST

/* What follows "size" in the object of a make_env() envelope. */
#define FRESH_TAIL \
	"\"arrival\":\"2020-11-22T10:00:00Z\",\"arrival_epoch\":1606039200," \
	"\"sender\":\"alice@example.com\",\"held\":false," \
	"\"maybe_delivered\":false,\"attempts\":0,\"last_attempt\":null," \
	"\"next_attempt\":null,\"next_attempt_epoch\":0,\"last_error\":null," \
	"\"recipients\":[{\"address\":\"bob@example.org\",\"state\":\"pending\"," \
	"\"attempts\":0,\"last_reply\":null}]}"

/* ---- JSON objects -------------------------------------------------------- */

START_TEST(test_json_envelope)
{
	struct buf b = BUF_INIT;
	struct envelope env;
	struct rcpt *r;

	make_env(&env, "1A2B3C4D5E");
	envelope_set(&env.sender, "");
	env.flags = ENVELOPE_F_HELD | ENVELOPE_F_MAYBE_DELIVERED;
	env.attempts = 2;
	env.last_attempt = T0 + 60;
	env.next_attempt = T0 + 3600;
	envelope_set(&env.last_error, "451 4.3.0 \"busy\"\r\n");
	env.rcpt[0].state = RCPT_DONE;
	env.rcpt[0].attempts = 1;
	rcpt_reply_set(&env.rcpt[0].reply, 250, "2.0.0", "Ok");
	r = envelope_add_rcpt(&env, "j\xc3\xb6rg@example.de");
	r->attempts = 2;
	rcpt_reply_set(&r->reply, 451, NULL, "\x01try");
	envelope_add_rcpt(&env, "gone@example.net")->state = RCPT_FAILED;
	queue_admin_json_envelope(&b, &env);
	ck_assert_str_eq(buf_cstr(&b),
	    "{\"id\":\"1A2B3C4D5E\",\"size\":2048,"
	    "\"arrival\":\"2020-11-22T10:00:00Z\",\"arrival_epoch\":1606039200,"
	    "\"sender\":\"\",\"held\":true,\"maybe_delivered\":true,\"attempts\":2,"
	    "\"last_attempt\":\"2020-11-22T10:01:00Z\","
	    "\"next_attempt\":\"2020-11-22T11:00:00Z\","
	    "\"next_attempt_epoch\":1606042800,"
	    "\"last_error\":\"451 4.3.0 \\\"busy\\\"\\r\\n\",\"recipients\":["
	    "{\"address\":\"bob@example.org\",\"state\":\"done\",\"attempts\":1,"
	    "\"last_reply\":\"250 2.0.0 Ok\"},"
	    "{\"address\":\"j\xc3\xb6rg@example.de\",\"state\":\"pending\","
	    "\"attempts\":2,\"last_reply\":\"451 \\u0001try\"},"
	    "{\"address\":\"gone@example.net\",\"state\":\"failed\",\"attempts\":0,"
	    "\"last_reply\":null}]}");
	envelope_free(&env);
	buf_free(&b);
}
END_TEST

START_TEST(test_json_fresh_and_damaged)
{
	struct buf b = BUF_INIT;
	struct envelope env;

	make_env(&env, "1A2B3C4D5E");
	queue_admin_json_envelope(&b, &env);
	ck_assert_str_eq(buf_cstr(&b),
	    "{\"id\":\"1A2B3C4D5E\",\"size\":2048," FRESH_TAIL);
	buf_reset(&b);
	queue_admin_json_damaged(&b, "00000000C0", "truncated \"x\"");
	ck_assert_str_eq(buf_cstr(&b),
	    "{\"id\":\"00000000C0\",\"damaged\":true,"
	    "\"error\":\"truncated \\\"x\\\"\"}");
	envelope_free(&env);
	buf_free(&b);
}
END_TEST

/* From a queue: arrival order, a damaged envelope, an empty queue. */
START_TEST(test_list_json)
{
	struct buf b = BUF_INIT;
	struct envelope env;
	struct err e;
	char *p, *want;

	ck_assert_int_eq(queue_admin_list_json(&q, &b, &e), 0);
	ck_assert_uint_eq(b.len, 0);
	make_env(&env, "00000000B0");
	put_msg(&env, NULL);
	envelope_set(&env.id, "00000000A0");
	env.size = 7;
	put_msg(&env, NULL);
	p = queue_env_path(&q, "00000000C0");
	ck_assert_int_eq(durable_write_file(NULL, p, "relayq-envelope 1\n", 18,
	                     0600, &e),
	    0);
	ck_assert_int_eq(queue_admin_list_json(&q, &b, &e), 0);
	want = xasprintf(
	    "{\"id\":\"00000000A0\",\"size\":7," FRESH_TAIL "\n"
	    "{\"id\":\"00000000B0\",\"size\":2048," FRESH_TAIL "\n"
	    "{\"id\":\"00000000C0\",\"damaged\":true,\"error\":\"refusing damaged "
	    "envelope %s: truncated (no end line)\"}\n",
	    p);
	ck_assert_str_eq(buf_cstr(&b), want);
	envelope_free(&env);
	buf_free(&b);
	free(p);
	free(want);
}
END_TEST

/* ---- summary ------------------------------------------------------------- */

START_TEST(test_summary_counts)
{
	struct queue_admin_summary s;
	struct buf b = BUF_INIT;
	struct envelope a, c, d;

	make_env(&a, "00000000A0"); /* fresh, 1 pending */
	make_env(&c, "00000000B0"); /* held, deferred, 2 of 3 */
	c.created = T0 - 500;
	c.flags = ENVELOPE_F_HELD;
	c.attempts = 3;
	envelope_add_rcpt(&c, "x@y")->state = RCPT_DONE;
	envelope_add_rcpt(&c, "z@y");
	make_env(&d, "00000000C0"); /* maybe delivered */
	d.created = T0 + 10;
	d.flags = ENVELOPE_F_MAYBE_DELIVERED;
	d.attempts = 1;
	queue_admin_summary_init(&s);
	queue_admin_summary_format(&s, &b);
	ck_assert_str_eq(buf_cstr(&b),
	    "messages: 0\nrecipients_pending: 0\n"
	    "held: 0\ndeferred: 0\nmaybe_delivered: 0\ndamaged: 0\n"
	    "oldest_age_seconds: 0\n");
	queue_admin_summary_add(&s, &a, T0 + 100);
	queue_admin_summary_add(&s, &c, T0 + 100);
	queue_admin_summary_add(&s, &d, T0 + 100);
	s.damaged = 4;
	buf_reset(&b);
	queue_admin_summary_format(&s, &b);
	ck_assert_str_eq(buf_cstr(&b),
	    "messages: 3\nrecipients_pending: 4\n"
	    "held: 1\ndeferred: 2\nmaybe_delivered: 1\ndamaged: 4\n"
	    "oldest_age_seconds: 600\n");
	envelope_free(&a);
	envelope_free(&c);
	envelope_free(&d);
	buf_free(&b);
}
END_TEST

START_TEST(test_summary_queue)
{
	struct queue_admin_summary s;
	struct envelope env;
	struct err e;
	char *p;

	ck_assert_int_eq(queue_admin_summary(&q, T0, &s, &e), 0);
	ck_assert_uint_eq(s.messages, 0);
	ck_assert_int_eq(s.oldest_age, 0);
	make_env(&env, "00000000A0");
	env.flags = ENVELOPE_F_HELD;
	put_msg(&env, NULL);
	p = queue_env_path(&q, "00000000B0");
	ck_assert_int_eq(durable_write_file(NULL, p, "junk\n", 5, 0600, &e), 0);
	free(p);
	ck_assert_int_eq(queue_admin_summary(&q, T0 + 42, &s, &e), 0);
	ck_assert_uint_eq(s.messages, 1);
	ck_assert_uint_eq(s.recipients_pending, 1);
	ck_assert_uint_eq(s.held, 1);
	ck_assert_uint_eq(s.deferred, 0);
	ck_assert_uint_eq(s.damaged, 1);
	ck_assert_int_eq(s.oldest_age, 42);
	envelope_free(&env);
}
END_TEST

/* ---- show ---------------------------------------------------------------- */

START_TEST(test_show_format)
{
	struct buf b = BUF_INIT;
	struct envelope env;
	struct rcpt *r;
	const char *hdr = "Subject: caf\xc3\xa9 \x1b[31mred\xc2\x9b\xff\n"
	                  "To: a,\n\tb\n";

	make_env(&env, "1A2B3C4D5E");
	env.flags = ENVELOPE_F_HELD | ENVELOPE_F_MAYBE_DELIVERED;
	env.ret = ENVELOPE_RET_HDRS;
	envelope_set(&env.envid, "QQ314159");
	env.body = ENVELOPE_BODY_8BITMIME;
	env.attempts = 1;
	env.last_attempt = T0 + 100;
	env.next_attempt = T0 + 400;
	envelope_set(&env.last_error, "451 4.3.0 Try\r\nagain");
	r = &env.rcpt[0];
	r->notify = RCPT_NOTIFY_FAILURE | RCPT_NOTIFY_DELAY;
	envelope_set(&r->orcpt, "rfc822;bob@example.org");
	r->attempts = 1;
	r->last_attempt = T0 + 100;
	rcpt_reply_set(&r->reply, 451, "4.3.0", "Try again later");
	envelope_add_rcpt(&env, "carol@example.org")->state = RCPT_DONE;
	queue_admin_show_format(&b, &env, hdr, strlen(hdr), 1);
	ck_assert_str_eq(buf_cstr(&b),
	    "Queue ID: 1A2B3C4D5E\n"
	    "Status: held (not delivered until released); may already have been "
	    "delivered (connection lost after the final dot)\n"
	    "Arrival: Sun Nov 22 10:00:00 2020 (1606039200)\n"
	    "Size (bytes): 2048\n"
	    "Sender: <alice@example.com>\n"
	    "Queued by: alice (uid 1000)\n"
	    "Return (DSN RET): HDRS\n"
	    "Envelope ID (DSN ENVID): QQ314159\n"
	    "Body type: 8BITMIME\n"
	    "Attempts: 1\n"
	    "Last attempt: Sun Nov 22 10:01:40 2020 (1606039300)\n"
	    "Next attempt: Sun Nov 22 10:06:40 2020 (1606039600)\n"
	    "Last error: 451 4.3.0 Try??again\n"
	    "Recipient: <bob@example.org>\n"
	    "    State: pending\n"
	    "    Notify: FAILURE,DELAY\n"
	    "    Original recipient: rfc822;bob@example.org\n"
	    "    Attempts: 1\n"
	    "    Last attempt: Sun Nov 22 10:01:40 2020 (1606039300)\n"
	    "    Last reply: 451 4.3.0 Try again later\n"
	    "Recipient: <carol@example.org>\n"
	    "    State: done\n"
	    "    Attempts: 0\n"
	    "    Last attempt: never\n"
	    "\n"
	    "Subject: caf\xc3\xa9 ?[31mred??\n"
	    "To: a,\n\tb\n"
	    "(header section cut here: too long)\n");
	envelope_free(&env);
	buf_free(&b);
}
END_TEST

START_TEST(test_show_minimal)
{
	struct buf b = BUF_INIT;
	struct envelope env;

	make_env(&env, "1A2B3C4D5E");
	envelope_set(&env.sender, "");
	envelope_set(&env.user, NULL);
	queue_admin_show_format(&b, &env, NULL, 0, 0);
	ck_assert_str_eq(buf_cstr(&b),
	    "Queue ID: 1A2B3C4D5E\n"
	    "Status: queued\n"
	    "Arrival: Sun Nov 22 10:00:00 2020 (1606039200)\n"
	    "Size (bytes): 2048\n"
	    "Sender: <>\n"
	    "Queued by: ? (uid 1000)\n"
	    "Attempts: 0\n"
	    "Last attempt: never\n"
	    "Next attempt: at the next flush\n"
	    "Recipient: <bob@example.org>\n"
	    "    State: pending\n"
	    "    Attempts: 0\n"
	    "    Last attempt: never\n"
	    "\n"
	    "(the message file is missing)\n");
	envelope_free(&env);
	buf_free(&b);
}
END_TEST

/* The header section read from new/ID: cut at the blank line. */
static const struct {
	const char *body;
	const char *want_tail; /* what follows the envelope's blank line */
	                       /* clang-format off */
} show_cases[] = {
	{ "Subject: a\nTo: b\n\nbody\n\nmore\n", "Subject: a\nTo: b\n" },
	{ "Subject: only headers\n", "Subject: only headers\n" },
	{ "\nbody only\n", "\n" },
	{ NULL, "(the message file is missing)\n" },
};
/* clang-format on */

START_TEST(test_show_queue)
{
	struct buf b = BUF_INIT;
	struct envelope env;
	struct err e;
	const char *tail;

	make_env(&env, "1A2B3C4D5E");
	put_msg(&env, show_cases[_i].body);
	err_clear(&e);
	ck_assert_msg(queue_admin_show(&q, "1A2B3C4D5E", 0, &b, &e) == 0, "%s",
	    e.msg);
	tail = strstr(buf_cstr(&b), "Last attempt: never\n\n");
	ck_assert_ptr_nonnull(tail);
	ck_assert_str_eq(tail + strlen("Last attempt: never\n\n"),
	    show_cases[_i].want_tail);
	ck_assert_int_eq(strncmp(b.data, "Queue ID: 1A2B3C4D5E\n", 21), 0);
	envelope_free(&env);
	buf_free(&b);
}
END_TEST

START_TEST(test_show_json)
{
	struct buf b = BUF_INIT, want = BUF_INIT;
	struct envelope env;
	struct err e;

	make_env(&env, "1A2B3C4D5E");
	put_msg(&env, "Subject: \"q\"\n\tfolded\n\nbody\n");
	ck_assert_int_eq(queue_admin_show(&q, "1A2B3C4D5E", 1, &b, &e), 0);
	queue_admin_json_envelope(&want, &env);
	want.len--; /* drop the closing brace */
	buf_adds(&want,
	    ",\"headers\":\"Subject: \\\"q\\\"\\n\\tfolded\\n\"}\n");
	ck_assert_str_eq(buf_cstr(&b), buf_cstr(&want));
	envelope_free(&env);
	buf_free(&b);
	buf_free(&want);
}
END_TEST

START_TEST(test_show_errors)
{
	struct buf b = BUF_INIT;
	struct err e;
	char *p;

	err_clear(&e);
	ck_assert_int_eq(queue_admin_show(&q, "1A2B3C4D5E", 0, &b, &e), -1);
	ck_assert_int_eq(e.code, EX_NOINPUT);
	ck_assert_str_eq(e.msg,
	    "1A2B3C4D5E: no such message in the queue (list "
	    "the queue with mailq)");
	err_clear(&e);
	ck_assert_int_eq(queue_admin_show(&q, "../env/x", 0, &b, &e), -1);
	ck_assert_int_eq(e.code, EX_NOINPUT);
	p = queue_env_path(&q, "1A2B3C4D5E");
	ck_assert_int_eq(durable_write_file(NULL, p, "garbage\n", 8, 0600, &e),
	    0);
	err_clear(&e);
	ck_assert_int_eq(queue_admin_show(&q, "1A2B3C4D5E", 0, &b, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_uint_eq(b.len, 0);
	free(p);
}
END_TEST

/* ---- actions ------------------------------------------------------------- */

static const struct {
	enum queue_admin_action action;
	unsigned flags_before;
	unsigned flags_after;
	time_t next_after; /* -1: message removed */
	unsigned note;
	const char *name;
	/* clang-format off */
} act_cases[] = {
	{ QUEUE_ADMIN_HOLD, 0, ENVELOPE_F_HELD, T0 + 999, 0, "held" },
	{ QUEUE_ADMIN_HOLD, ENVELOPE_F_HELD, ENVELOPE_F_HELD, T0 + 999,
	  QUEUE_ADMIN_NOTE_SAME, "held" },
	{ QUEUE_ADMIN_HOLD, ENVELOPE_F_MAYBE_DELIVERED,
	  ENVELOPE_F_MAYBE_DELIVERED | ENVELOPE_F_HELD, T0 + 999, 0, "held" },
	{ QUEUE_ADMIN_RELEASE, ENVELOPE_F_HELD | ENVELOPE_F_MAYBE_DELIVERED,
	  ENVELOPE_F_MAYBE_DELIVERED, T0 + 999, 0, "released" },
	{ QUEUE_ADMIN_RELEASE, 0, 0, T0 + 999, QUEUE_ADMIN_NOTE_SAME, "released" },
	{ QUEUE_ADMIN_RETRY, 0, 0, T0 + 50, 0, "due now" },
	{ QUEUE_ADMIN_RETRY, ENVELOPE_F_HELD, ENVELOPE_F_HELD, T0 + 50,
	  QUEUE_ADMIN_NOTE_HELD, "due now" },
	{ QUEUE_ADMIN_DELETE, 0, 0, -1, 0, "deleted" },
	{ QUEUE_ADMIN_DELETE, ENVELOPE_F_HELD, 0, -1, 0, "deleted" },
};
/* clang-format on */

START_TEST(test_apply)
{
	struct envelope env, got;
	unsigned note = 12345;
	struct err e;

	make_env(&env, "1A2B3C4D5E");
	env.flags = act_cases[_i].flags_before;
	env.attempts = 2;
	env.next_attempt = T0 + 999;
	put_msg(&env, "Subject: x\n\nbody\n");
	err_clear(&e);
	ck_assert_msg(queue_admin_apply(&q, act_cases[_i].action, "1A2B3C4D5E",
	                  T0 + 50, &note, &e) == 0,
	    "%s", e.msg);
	ck_assert_uint_eq(note, act_cases[_i].note);
	ck_assert_str_eq(queue_admin_action_name(act_cases[_i].action),
	    act_cases[_i].name);
	if (act_cases[_i].next_after == -1) {
		ck_assert_int_eq(exists(queue_env_path(&q, "1A2B3C4D5E")), 0);
		ck_assert_int_eq(exists(queue_body_path(&q, "1A2B3C4D5E")), 0);
	} else {
		ck_assert_int_eq(queue_env_read(&q, "1A2B3C4D5E", &got, &e), 0);
		ck_assert_uint_eq(got.flags, act_cases[_i].flags_after);
		ck_assert_int_eq(got.next_attempt, act_cases[_i].next_after);
		ck_assert_uint_eq(got.attempts, 2);
		ck_assert_uint_eq(got.nrcpt, 1);
		ck_assert_int_eq(exists(queue_body_path(&q, "1A2B3C4D5E")), 1);
		envelope_free(&got);
	}
	envelope_free(&env);
}
END_TEST

/* A flusher holds the message lock: every action refuses, nothing changes;
 * once the lock is gone the action works. */
START_TEST(test_apply_locked)
{
	struct envelope env, got;
	struct err e;
	char *p;
	int fd;

	make_env(&env, "1A2B3C4D5E");
	put_msg(&env, "Subject: x\n\nbody\n");
	p = queue_body_path(&q, "1A2B3C4D5E");
	fd = open(p, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(flock(fd, LOCK_EX | LOCK_NB), 0);
	err_clear(&e);
	ck_assert_int_eq(queue_admin_apply(&q, (enum queue_admin_action)_i,
	                     "1A2B3C4D5E", T0, NULL, &e),
	    -1);
	ck_assert_int_eq(e.code, EX_TEMPFAIL);
	ck_assert_str_eq(e.msg,
	    "1A2B3C4D5E is being delivered right now; try "
	    "again in a moment");
	ck_assert_int_eq(queue_env_read(&q, "1A2B3C4D5E", &got, &e), 0);
	ck_assert_uint_eq(got.flags, 0);
	ck_assert_int_eq(got.next_attempt, 0);
	envelope_free(&got);
	close(fd);
	err_clear(&e);
	ck_assert_msg(queue_admin_apply(&q, (enum queue_admin_action)_i,
	                  "1A2B3C4D5E", T0, NULL, &e) == 0,
	    "%s", e.msg);
	envelope_free(&env);
	free(p);
}
END_TEST

START_TEST(test_apply_unknown)
{
	struct envelope env;
	struct err e;

	err_clear(&e);
	ck_assert_int_eq(queue_admin_apply(&q, (enum queue_admin_action)_i,
	                     "1A2B3C4D5E", T0, NULL, &e),
	    -1);
	ck_assert_int_eq(e.code, EX_NOINPUT);
	ck_assert_str_eq(e.msg,
	    "1A2B3C4D5E: no such message in the queue (list "
	    "the queue with mailq)");
	err_clear(&e);
	ck_assert_int_eq(queue_admin_apply(&q, (enum queue_admin_action)_i,
	                     "short", T0, NULL, &e),
	    -1);
	ck_assert_int_eq(e.code, EX_NOINPUT);
	ck_assert_str_eq(e.msg,
	    "short: no such message in the queue (list "
	    "the queue with mailq)");
	/* A body without an envelope (state B/R) is not a message either. */
	make_env(&env, "1A2B3C4D5E");
	put_msg(&env, "Subject: x\n\n");
	{
		char *envp = queue_env_path(&q, "1A2B3C4D5E");

		ck_assert_int_eq(unlink(envp), 0);
		free(envp);
	}
	err_clear(&e);
	ck_assert_int_eq(queue_admin_apply(&q, (enum queue_admin_action)_i,
	                     "1A2B3C4D5E", T0, NULL, &e),
	    -1);
	ck_assert_int_eq(e.code, EX_NOINPUT);
	envelope_free(&env);
}
END_TEST

/* A damaged envelope: only delete works on it, and removes both files. */
START_TEST(test_apply_damaged)
{
	struct envelope env;
	struct err e;
	char *p = queue_env_path(&q, "1A2B3C4D5E"), *want;
	int a;

	make_env(&env, "1A2B3C4D5E");
	put_msg(&env, "Subject: x\n\n");
	ck_assert_int_eq(durable_write_file(NULL, p, "relayq-envelope 1\n", 18,
	                     0600, &e),
	    0);
	want = xasprintf(
	    "1A2B3C4D5E: not changed (delete it, or repair the "
	    "envelope): refusing damaged envelope %s: truncated (no end line)",
	    p);
	for (a = QUEUE_ADMIN_HOLD; a <= QUEUE_ADMIN_RETRY; a++) {
		err_clear(&e);
		ck_assert_int_eq(queue_admin_apply(&q,
		                     (enum queue_admin_action)a, "1A2B3C4D5E",
		                     T0, NULL, &e),
		    -1);
		ck_assert_int_eq(e.code, EX_DATAERR);
		ck_assert_str_eq(e.msg, want);
	}
	err_clear(&e);
	ck_assert_msg(queue_admin_apply(&q, QUEUE_ADMIN_DELETE, "1A2B3C4D5E",
	                  T0, NULL, &e) == 0,
	    "%s", e.msg);
	ck_assert_int_eq(exists(xstrdup(p)), 0);
	ck_assert_int_eq(exists(queue_body_path(&q, "1A2B3C4D5E")), 0);
	envelope_free(&env);
	free(p);
	free(want);
}
END_TEST

/* An envelope whose message file is gone: delete only. */
START_TEST(test_apply_no_body)
{
	struct envelope env;
	struct err e;
	int a;

	make_env(&env, "1A2B3C4D5E");
	put_msg(&env, NULL);
	for (a = QUEUE_ADMIN_HOLD; a <= QUEUE_ADMIN_RETRY; a++) {
		err_clear(&e);
		ck_assert_int_eq(queue_admin_apply(&q,
		                     (enum queue_admin_action)a, "1A2B3C4D5E",
		                     T0, NULL, &e),
		    -1);
		ck_assert_int_eq(e.code, EX_DATAERR);
		ck_assert_str_eq(e.msg,
		    "1A2B3C4D5E: the message file is missing; "
		    "delete the message");
	}
	err_clear(&e);
	ck_assert_int_eq(queue_admin_apply(&q, QUEUE_ADMIN_DELETE, "1A2B3C4D5E",
	                     T0, NULL, &e),
	    0);
	ck_assert_int_eq(exists(queue_env_path(&q, "1A2B3C4D5E")), 0);
	envelope_free(&env);
}
END_TEST

/* ---- 10,000 messages ----------------------------------------------------- */

static double
since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	    (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

START_TEST(test_10000)
{
	enum { N = 10000 };
	struct queue_admin_summary s;
	struct buf b = BUF_INIT, f = BUF_INIT;
	struct timespec t0;
	struct envelope env;
	char id[QUEUE_ID_LEN + 1];
	struct err e;
	FILE *fp;
	char *p;
	size_t lines = 0, k;
	int i;

	make_env(&env, "0000000000");
	envelope_add_rcpt(&env, "carol@example.org");
	for (i = 0; i < N; i++) {
		queue_id_make(id, queue_id_value(T0 + i, 0));
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
	ck_assert_int_eq(queue_admin_list_json(&q, &b, &e), 0);
	printf(
	    "queue_admin: JSON listing of %d messages (%zu bytes) in %.3f s\n",
	    N, b.len, since(&t0));
	for (k = 0; k < b.len; k++)
		lines += b.data[k] == '\n';
	ck_assert_uint_eq(lines, N);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(queue_admin_summary(&q, T0 + N, &s, &e), 0);
	printf("queue_admin: summary of %d messages in %.3f s\n", N,
	    since(&t0));
	ck_assert_uint_eq(s.messages, N);
	ck_assert_uint_eq(s.recipients_pending, 2 * N);
	ck_assert_int_eq(s.oldest_age, N);
	envelope_free(&env);
	buf_free(&b);
	buf_free(&f);
}
END_TEST

static Suite *
queue_admin_suite(void)
{
	Suite *s = suite_create("queue_admin");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_json_string, 0, TEST_NELEM(esc_cases));
	tcase_add_test(tc, test_json_envelope);
	tcase_add_test(tc, test_json_fresh_and_damaged);
	tcase_add_test(tc, test_list_json);
	tcase_add_test(tc, test_summary_counts);
	tcase_add_test(tc, test_summary_queue);
	tcase_add_test(tc, test_show_format);
	tcase_add_test(tc, test_show_minimal);
	tcase_add_loop_test(tc, test_show_queue, 0, TEST_NELEM(show_cases));
	tcase_add_test(tc, test_show_json);
	tcase_add_test(tc, test_show_errors);
	tcase_add_loop_test(tc, test_apply, 0, TEST_NELEM(act_cases));
	tcase_add_loop_test(tc, test_apply_locked, QUEUE_ADMIN_DELETE,
	    QUEUE_ADMIN_RETRY + 1);
	tcase_add_loop_test(tc, test_apply_unknown, QUEUE_ADMIN_DELETE,
	    QUEUE_ADMIN_RETRY + 1);
	tcase_add_test(tc, test_apply_damaged);
	tcase_add_test(tc, test_apply_no_body);
	tcase_add_test(tc, test_10000);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(queue_admin_suite());
}
