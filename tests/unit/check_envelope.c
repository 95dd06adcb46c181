/* check_envelope.c — envelope format and parser: exact file text, round
 * trips, escaping (no line injection), torn files, malformed input. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/check_main.h"
#include "lib/record.h"
#include "queue/envelope.h"

static const char full_text[] = "relayq-envelope 3\n"
                                "id 1N3K0Q47B2\n"
                                "created 1700000000\n"
                                "size 2048\n"
                                "uid 1000\n"
                                "user alice\n"
                                "sender alice@example.com\n"
                                "ret HDRS\n"
                                "envid QQ\\x01314159\n"
                                "body 8BITMIME\n"
                                "flags held,maybe-delivered,warned\n"
                                "attempts 1\n"
                                "last-attempt 1700000100\n"
                                "next-attempt 1700000400\n"
                                "last-error 451 4.3.0 Try again\\r\\nlater\n"
                                "rcpt bob@example.org\n"
                                "rcpt-state pending\n"
                                "rcpt-notify FAILURE,DELAY\n"
                                "rcpt-orcpt rfc822;bob@example.org\n"
                                "rcpt-attempts 1\n"
                                "rcpt-last-attempt 1700000100\n"
                                "rcpt-code 451\n"
                                "rcpt-status 4.3.0\n"
                                "rcpt-text Try again\n"
                                "rcpt carol@example.net\n"
                                "rcpt-state done\n"
                                "rcpt-notify NEVER\n"
                                "end\n";

/* The same envelope as version 2 wrote it: the reply as one line. */
static const char full_text_v2[] = "relayq-envelope 2\n"
                                   "id 1N3K0Q47B2\n"
                                   "created 1700000000\n"
                                   "size 2048\n"
                                   "uid 1000\n"
                                   "user alice\n"
                                   "sender alice@example.com\n"
                                   "ret HDRS\n"
                                   "envid QQ\\x01314159\n"
                                   "body 8BITMIME\n"
                                   "flags held,maybe-delivered,warned\n"
                                   "attempts 1\n"
                                   "last-attempt 1700000100\n"
                                   "next-attempt 1700000400\n"
                                   "last-error 451 4.3.0 Try again\\r\\nlater\n"
                                   "rcpt bob@example.org\n"
                                   "rcpt-state pending\n"
                                   "rcpt-notify FAILURE,DELAY\n"
                                   "rcpt-orcpt rfc822;bob@example.org\n"
                                   "rcpt-attempts 1\n"
                                   "rcpt-last-attempt 1700000100\n"
                                   "rcpt-reply 451 4.3.0 Try again\n"
                                   "rcpt carol@example.net\n"
                                   "rcpt-state done\n"
                                   "rcpt-notify NEVER\n"
                                   "end\n";

static void
make_full(struct envelope *env)
{
	struct rcpt *r;

	envelope_init(env);
	envelope_set(&env->id, "1N3K0Q47B2");
	env->created = 1700000000;
	env->size = 2048;
	env->uid = 1000;
	envelope_set(&env->user, "alice");
	envelope_set(&env->sender, "alice@example.com");
	env->ret = ENVELOPE_RET_HDRS;
	envelope_set(&env->envid, "QQ\001314159");
	env->body = ENVELOPE_BODY_8BITMIME;
	env->flags =
	    ENVELOPE_F_HELD | ENVELOPE_F_MAYBE_DELIVERED | ENVELOPE_F_WARNED;
	env->attempts = 1;
	env->last_attempt = 1700000100;
	env->next_attempt = 1700000400;
	envelope_set(&env->last_error, "451 4.3.0 Try again\r\nlater");
	r = envelope_add_rcpt(env, "bob@example.org");
	r->notify = RCPT_NOTIFY_FAILURE | RCPT_NOTIFY_DELAY;
	envelope_set(&r->orcpt, "rfc822;bob@example.org");
	r->attempts = 1;
	r->last_attempt = 1700000100;
	rcpt_reply_set(&r->reply, 451, "4.3.0", "Try again");
	r = envelope_add_rcpt(env, "carol@example.net");
	r->state = RCPT_DONE;
	r->notify = RCPT_NOTIFY_NEVER;
}

START_TEST(test_format_full)
{
	struct envelope env;
	struct buf b = BUF_INIT;

	make_full(&env);
	envelope_format(&env, &b);
	ck_assert_str_eq(buf_cstr(&b), full_text);
	envelope_free(&env);
	buf_free(&b);
}
END_TEST

START_TEST(test_format_minimal)
{
	struct envelope env;
	struct buf b = BUF_INIT;

	envelope_init(&env);
	envelope_set(&env.id, "0000000001");
	env.created = 5;
	envelope_add_rcpt(&env, "x@y");
	envelope_format(&env, &b);
	ck_assert_str_eq(buf_cstr(&b),
	    "relayq-envelope 3\nid 0000000001\n"
	    "created 5\nsize 0\nsender\nrcpt x@y\nrcpt-state pending\nend\n");
	envelope_free(&env);
	buf_free(&b);
}
END_TEST

/* Replies stored by versions that invented "C.0.0" in front of the
 * server's own code read back with the server's code only. */
START_TEST(test_parse_old_reply)
{
	static const char old[] =
	    "relayq-envelope 1\nid 0000000001\n"
	    "created 5\nsize 0\nsender\n"
	    "last-error 421 4.0.0 4.7.0 too many connections\n"
	    "rcpt x@y\nrcpt-state pending\n"
	    "rcpt-reply 550 5.0.0 5.1.1 <x@y>: rejected\nend\n";
	struct envelope env;
	struct err e;

	err_clear(&e);
	ck_assert_int_eq(envelope_parse(&env, old, strlen(old), &e), 0);
	ck_assert_str_eq(env.last_error, "421 4.7.0 too many connections");
	ck_assert_int_eq(env.rcpt[0].reply.code, 550);
	ck_assert_str_eq(env.rcpt[0].reply.status, "5.1.1");
	ck_assert_str_eq(env.rcpt[0].reply.text, "<x@y>: rejected");
	envelope_free(&env);
}
END_TEST

/* Version 2: which failures were reported, and raw UTF-8 headers. */
START_TEST(test_v2_reported)
{
	static const char v2[] =
	    "relayq-envelope 2\nid 0000000001\n"
	    "created 5\nsize 0\nsender a@b\nflags utf8-headers\n"
	    "rcpt x@y\nrcpt-state failed\nrcpt-reply 550 5.1.1 no\n"
	    "rcpt-reported 1700000200\n"
	    "rcpt z@y\nrcpt-state failed\nrcpt-reply 550 5.1.1 no\n"
	    "rcpt w@y\nrcpt-state pending\nend\n";
	static const char v3[] =
	    "relayq-envelope 3\nid 0000000001\n"
	    "created 5\nsize 0\nsender a@b\nflags utf8-headers\n"
	    "rcpt x@y\nrcpt-state failed\nrcpt-code 550\nrcpt-status 5.1.1\n"
	    "rcpt-text no\nrcpt-reported 1700000200\n"
	    "rcpt z@y\nrcpt-state failed\nrcpt-code 550\nrcpt-status 5.1.1\n"
	    "rcpt-text no\n"
	    "rcpt w@y\nrcpt-state pending\nend\n";
	struct envelope env;
	struct buf b = BUF_INIT;
	struct err e;

	err_clear(&e);
	ck_assert_int_eq(envelope_parse(&env, v2, strlen(v2), &e), 0);
	ck_assert_uint_eq(env.version, 2);
	ck_assert_uint_eq(env.flags, ENVELOPE_F_UTF8_HEADERS);
	ck_assert_int_eq(env.rcpt[0].reported, 1700000200);
	ck_assert_int_eq(env.rcpt[1].reported, 0);
	ck_assert_uint_eq(envelope_unreported(&env), 1);
	ck_assert_int_eq(env.rcpt[0].reply.code, 550);
	ck_assert_str_eq(env.rcpt[0].reply.status, "5.1.1");
	ck_assert_str_eq(env.rcpt[0].reply.text, "no");
	envelope_format(&env, &b);
	ck_assert_str_eq(buf_cstr(&b), v3);
	envelope_free(&env);
	buf_free(&b);
}
END_TEST

/* Version 1 (before rcpt-reported) is read, its failures unreported, and
 * written back as version 3; a version from the future is refused. */
START_TEST(test_v1_read)
{
	static const char v1[] =
	    "relayq-envelope 1\nid 0000000001\n"
	    "created 5\nsize 0\nsender a@b\n"
	    "rcpt x@y\nrcpt-state failed\nrcpt z@y\nrcpt-state pending\nend\n";
	static const char v4[] =
	    "relayq-envelope 4\nid 0000000001\n"
	    "created 5\nsize 0\nsender a@b\nrcpt x@y\nend\n";
	struct envelope env;
	struct buf b = BUF_INIT;
	struct err e;

	err_clear(&e);
	ck_assert_int_eq(envelope_parse(&env, v1, strlen(v1), &e), 0);
	ck_assert_uint_eq(env.version, 1);
	ck_assert_uint_eq(envelope_unreported(&env), 1);
	envelope_format(&env, &b);
	ck_assert(strncmp(buf_cstr(&b), "relayq-envelope 3\n", 18) == 0);
	ck_assert_str_eq(buf_cstr(&b) + 18, v1 + 18);
	envelope_free(&env);
	ck_assert_int_eq(envelope_parse(&env, v4, strlen(v4), &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "version 4 is not supported"));
	envelope_free(&env);
	buf_free(&b);
}
END_TEST

START_TEST(test_parse_full)
{
	struct envelope env;
	struct err e;

	/* Version 3 and the same envelope as version 2 wrote it. */
	const char *text = _i == 0 ? full_text : full_text_v2;

	err_clear(&e);
	ck_assert_int_eq(envelope_parse(&env, text, strlen(text), &e), 0);
	ck_assert_uint_eq(env.version, _i == 0 ? 3 : 2);
	ck_assert_str_eq(env.id, "1N3K0Q47B2");
	ck_assert_int_eq(env.created, 1700000000);
	ck_assert_uint_eq(env.size, 2048);
	ck_assert_uint_eq(env.uid, 1000);
	ck_assert_str_eq(env.user, "alice");
	ck_assert_str_eq(env.sender, "alice@example.com");
	ck_assert_int_eq(env.ret, ENVELOPE_RET_HDRS);
	ck_assert_str_eq(env.envid, "QQ\001314159");
	ck_assert_int_eq(env.body, ENVELOPE_BODY_8BITMIME);
	ck_assert_uint_eq(env.flags,
	    ENVELOPE_F_HELD | ENVELOPE_F_MAYBE_DELIVERED | ENVELOPE_F_WARNED);
	ck_assert_uint_eq(env.attempts, 1);
	ck_assert_int_eq(env.last_attempt, 1700000100);
	ck_assert_int_eq(env.next_attempt, 1700000400);
	ck_assert_str_eq(env.last_error, "451 4.3.0 Try again\r\nlater");
	ck_assert_uint_eq(env.nrcpt, 2);
	ck_assert_str_eq(env.rcpt[0].addr, "bob@example.org");
	ck_assert_int_eq(env.rcpt[0].state, RCPT_PENDING);
	ck_assert_uint_eq(env.rcpt[0].notify,
	    RCPT_NOTIFY_FAILURE | RCPT_NOTIFY_DELAY);
	ck_assert_str_eq(env.rcpt[0].orcpt, "rfc822;bob@example.org");
	ck_assert_uint_eq(env.rcpt[0].attempts, 1);
	ck_assert_int_eq(env.rcpt[0].last_attempt, 1700000100);
	ck_assert_int_eq(env.rcpt[0].reply.code, 451);
	ck_assert_str_eq(env.rcpt[0].reply.status, "4.3.0");
	ck_assert_str_eq(env.rcpt[0].reply.text, "Try again");
	ck_assert_str_eq(env.rcpt[1].addr, "carol@example.net");
	ck_assert_int_eq(env.rcpt[1].state, RCPT_DONE);
	ck_assert_uint_eq(env.rcpt[1].notify, RCPT_NOTIFY_NEVER);
	ck_assert_ptr_null(env.rcpt[1].orcpt);
	ck_assert_ptr_null(env.rcpt[1].reply.text);
	ck_assert_uint_eq(envelope_count(&env, RCPT_PENDING), 1);
	ck_assert_uint_eq(envelope_count(&env, RCPT_DONE), 1);
	ck_assert_uint_eq(envelope_count(&env, RCPT_FAILED), 0);
	envelope_free(&env);
}
END_TEST

/* An empty sender (<>) and hostile values survive a round trip, and no
 * value can add a line. */
START_TEST(test_roundtrip_injection)
{
	struct envelope env, back;
	struct buf b = BUF_INIT;
	struct err e;
	const char *evil = "a@b\nrcpt evil@x\nend\n";
	size_t lines = 0, i;

	envelope_init(&env);
	envelope_set(&env.id, "0000000001");
	env.created = 1;
	envelope_add_rcpt(&env, evil);
	envelope_set(&env.last_error, "\\x41 \xff\t");
	envelope_format(&env, &b);
	for (i = 0; i < b.len; i++)
		lines += b.data[i] == '\n';
	ck_assert_uint_eq(lines, 9);
	ck_assert_ptr_nonnull(
	    strstr(b.data, "rcpt a@b\\nrcpt evil@x\\nend\\n\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "last-error \\\\x41 \\xFF\\t\n"));
	ck_assert_int_eq(envelope_parse(&back, b.data, b.len, &e), 0);
	ck_assert_str_eq(back.sender, "");
	ck_assert_uint_eq(back.nrcpt, 1);
	ck_assert_str_eq(back.rcpt[0].addr, evil);
	ck_assert_str_eq(back.last_error, "\\x41 \xff\t");
	envelope_free(&env);
	envelope_free(&back);
	buf_free(&b);
}
END_TEST

/* Every strict prefix of a valid file is refused: a torn write is never
 * taken for a shorter envelope. */
START_TEST(test_truncated_refused)
{
	size_t n, len = strlen(full_text);
	struct envelope env;
	struct err e;

	for (n = 0; n < len; n++) {
		err_clear(&e);
		ck_assert_msg(envelope_parse(&env, full_text, n, &e) == -1,
		    "prefix of %zu bytes accepted", n);
		ck_assert_int_eq(e.code, EX_DATAERR);
		envelope_free(&env);
	}
	ck_assert_int_eq(envelope_parse(&env, full_text, len - 1, &e), -1);
	ck_assert_str_eq(e.msg, "line 28: truncated (last line has no end)");
	envelope_free(&env);
	ck_assert_int_eq(envelope_parse(&env, full_text, len - 4, &e), -1);
	ck_assert_str_eq(e.msg, "truncated (no end line)");
	envelope_free(&env);
}
END_TEST

#define HEAD "relayq-envelope 1\nid 0000000001\ncreated 5\nsender a@b\n"
#define HEAD3 "relayq-envelope 3\nid 0000000001\ncreated 5\nsender a@b\n"
/* clang-format off */
static const char *const bad_files[][2] = {
	{ "", "empty file" },
	{ "relayq-envelope 4\n" "end\n", "envelope version 4 is not supported "
	    "(this relayq reads versions 1 to 3)" },
	{ "relayq-envelope 0\n" "end\n", "envelope version 0 is not supported "
	    "(this relayq reads versions 1 to 3)" },
	{ "something else\nend\n", "line 1: not a relayq envelope" },
	{ "relayq-envelope x\nend\n", "line 1: bad version" },
	{ HEAD "rcpt x@y\nbogus 1\nend\n", "line 6: unknown field" },
	{ HEAD "created 6\nrcpt x@y\nend\n", "line 5: duplicate field" },
	{ HEAD "rcpt x@y\nrcpt-state done\nrcpt-state done\nend\n",
	    "line 7: duplicate field" },
	{ HEAD "size -1\nrcpt x@y\nend\n", "line 5: bad value" },
	{ HEAD "size 01\nrcpt x@y\nend\n", "line 5: bad value" },
	{ HEAD "size 18446744073709551616\nrcpt x@y\nend\n", "line 5: bad value" },
	{ HEAD "uid 4294967295\nrcpt x@y\nend\n", "line 5: bad value" },
	{ HEAD "ret SOME\nrcpt x@y\nend\n", "line 5: bad value" },
	{ HEAD "flags held,held\nrcpt x@y\nend\n", "line 5: bad value" },
	{ HEAD "flags warned,warned\nrcpt x@y\nend\n", "line 5: bad value" },
	{ HEAD "flags warn\nrcpt x@y\nend\n", "line 5: bad value" },
	{ HEAD "rcpt x@y\nrcpt-state gone\nend\n", "line 6: bad value" },
	{ HEAD "rcpt x@y\nrcpt-notify NEVER,DELAY\nend\n", "line 6: bad value" },
	/* a reply is one line up to version 2, fields from version 3 */
	{ HEAD "rcpt x@y\nrcpt-code 550\nend\n", "line 6: unknown field" },
	{ HEAD "rcpt x@y\nrcpt-text no\nend\n", "line 6: unknown field" },
	{ HEAD3 "rcpt x@y\nrcpt-reply 550 no\nend\n", "line 6: unknown field" },
	{ HEAD3 "rcpt x@y\nrcpt-code 99\nend\n", "line 6: bad value" },
	{ HEAD3 "rcpt x@y\nrcpt-code 1000\nend\n", "line 6: bad value" },
	{ HEAD3 "rcpt x@y\nrcpt-status 3.1.1\nend\n", "line 6: bad value" },
	{ HEAD3 "rcpt x@y\nrcpt-status 5.1.1.1\nend\n", "line 6: bad value" },
	{ HEAD3 "rcpt x@y\nrcpt-status 5.1234.1\nend\n", "line 6: bad value" },
	{ HEAD3 "rcpt x@y\nrcpt-status 5.1.\nend\n", "line 6: bad value" },
	{ HEAD "rcpt-state done\nrcpt x@y\nend\n",
	    "line 5: recipient field before any rcpt line" },
	{ HEAD "rcpt x@y\nuser z\nend\n",
	    "line 6: envelope field after the recipients" },
	{ HEAD "rcpt\nend\n", "line 5: empty recipient" },
	{ HEAD "rcpt x@y\\q\nend\n", "line 5: bad escape in value" },
	{ HEAD "end\n", "no recipients" },
	{ HEAD "rcpt x@y\nend\nrcpt z@y\n", "line 7: text after the end line" },
	{ "relayq-envelope 1\ncreated 5\nsender\nrcpt x@y\nend\n",
	    "required field \"id\" missing" },
	{ "relayq-envelope 1\nid 0000000001\ncreated 5\nrcpt x@y\nend\n",
	    "required field \"sender\" missing" },
	{ "relayq-envelope 1\nid\ncreated 5\nsender\nrcpt x@y\nend\n",
	    "empty queue id" },
	{ HEAD "rcpt x@y\r\nend\n", "line 5: bad escape in value" },
};
/* clang-format on */

START_TEST(test_malformed)
{
	struct envelope env;
	struct err e;

	err_clear(&e);
	ck_assert_int_eq(envelope_parse(&env, bad_files[_i][0],
	                     strlen(bad_files[_i][0]), &e),
	    -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_str_eq(e.msg, bad_files[_i][1]);
	envelope_free(&env);
}
END_TEST

START_TEST(test_nul_refused)
{
	static const char text[] = HEAD "rcpt x\0y\nend\n";
	struct envelope env;
	struct err e;

	ck_assert_int_eq(envelope_parse(&env, text, sizeof(text) - 1, &e), -1);
	ck_assert_str_eq(e.msg, "line 5: line too long or contains NUL");
	envelope_free(&env);
}
END_TEST

/* Each flag alone, and "warned" with the others: written and read back. */
/* clang-format off */
static const struct { unsigned flags; const char *line; } flag_cases[] = {
	{ ENVELOPE_F_HELD, "flags held\n" },
	{ ENVELOPE_F_MAYBE_DELIVERED, "flags maybe-delivered\n" },
	{ ENVELOPE_F_WARNED, "flags warned\n" },
	{ ENVELOPE_F_HELD | ENVELOPE_F_WARNED, "flags held,warned\n" },
	{ ENVELOPE_F_MAYBE_DELIVERED | ENVELOPE_F_WARNED, "flags maybe-delivered,warned\n" },
	{ 0, NULL },
};
/* clang-format on */

START_TEST(test_flags)
{
	struct envelope env, back;
	struct buf b = BUF_INIT;
	struct err e;

	envelope_init(&env);
	envelope_set(&env.id, "0000000001");
	env.created = 5;
	env.flags = flag_cases[_i].flags;
	envelope_add_rcpt(&env, "x@y");
	envelope_format(&env, &b);
	if (flag_cases[_i].line != NULL)
		ck_assert_ptr_nonnull(
		    strstr(buf_cstr(&b), flag_cases[_i].line));
	else
		ck_assert_ptr_null(strstr(buf_cstr(&b), "flags"));
	ck_assert_int_eq(envelope_parse(&back, b.data, b.len, &e), 0);
	ck_assert_uint_eq(back.flags, flag_cases[_i].flags);
	envelope_free(&env);
	envelope_free(&back);
	buf_free(&b);
}
END_TEST

/* maybe-delivered is cleared once no recipient is pending; other flags stay. */
static const struct {
	unsigned flags;
	enum rcpt_state s1, s2;
	int cleared;
	unsigned after;
} settle_cases[] = {
	{ ENVELOPE_F_MAYBE_DELIVERED, RCPT_DONE, RCPT_DONE, 1, 0 },
	{ ENVELOPE_F_MAYBE_DELIVERED | ENVELOPE_F_WARNED, RCPT_DONE,
	    RCPT_FAILED, 1, ENVELOPE_F_WARNED },
	{ ENVELOPE_F_MAYBE_DELIVERED, RCPT_DONE, RCPT_PENDING, 0,
	    ENVELOPE_F_MAYBE_DELIVERED },
	{ ENVELOPE_F_MAYBE_DELIVERED | ENVELOPE_F_HELD, RCPT_PENDING,
	    RCPT_PENDING, 0, ENVELOPE_F_MAYBE_DELIVERED | ENVELOPE_F_HELD },
	{ ENVELOPE_F_HELD, RCPT_DONE, RCPT_DONE, 0, ENVELOPE_F_HELD },
};

START_TEST(test_settle)
{
	struct envelope env;

	envelope_init(&env);
	env.flags = settle_cases[_i].flags;
	envelope_add_rcpt(&env, "a@b")->state = settle_cases[_i].s1;
	envelope_add_rcpt(&env, "c@d")->state = settle_cases[_i].s2;
	ck_assert_int_eq(envelope_settle_flags(&env), settle_cases[_i].cleared);
	ck_assert_uint_eq(env.flags, settle_cases[_i].after);
	envelope_free(&env);
}
END_TEST

/* Mutated files never crash the parser; what it accepts formats back to
 * something it accepts again with the same recipients. */
START_TEST(test_mutations)
{
	size_t len = strlen(full_text), i, pos;
	unsigned seed = 12345, accepted = 0;
	char *copy = malloc(len);
	struct envelope env, again;
	struct buf b = BUF_INIT;
	struct err e;

	for (i = 0; i < 5000; i++) {
		memcpy(copy, full_text, len);
		seed = seed * 1103515245 + 12345;
		pos = (seed >> 8) % len;
		seed = seed * 1103515245 + 12345;
		copy[pos] = (char)(seed >> 16);
		if (envelope_parse(&env, copy, len, &e) == 0) {
			accepted++;
			buf_reset(&b);
			envelope_format(&env, &b);
			ck_assert_int_eq(envelope_parse(&again, b.data, b.len,
			                     &e),
			    0);
			ck_assert_uint_eq(again.nrcpt, env.nrcpt);
			ck_assert_str_eq(again.sender, env.sender);
			envelope_free(&again);
		}
		envelope_free(&env);
	}
	ck_assert_uint_gt(accepted, 0);
	ck_assert_uint_lt(accepted, 5000);
	free(copy);
	buf_free(&b);
}
END_TEST

#define NCASES(t) (int)(sizeof(t) / sizeof((t)[0]))

/* The out-parameter rule (err.h), the documented exception: a failed
 * envelope_parse leaves env partly filled (the fields before the bad line)
 * but consistent, so envelope_free is right; a failed envelope_unescape
 * leaves *res untouched. */
START_TEST(test_failure_leaves_env_freeable)
{
	static const char text[] =
	    HEAD "rcpt a@x\nrcpt-state pending\nrcpt b@x\n"
	         "rcpt-state nonsense\nend\n";
	struct envelope env;
	struct err e;
	char *res = NULL;

	ck_assert_int_eq(envelope_parse(&env, text, sizeof(text) - 1, &e), -1);
	ck_assert_str_eq(e.msg, "line 8: bad value");
	ck_assert_str_eq(env.id, "0000000001");
	ck_assert_str_eq(env.sender, "a@b");
	ck_assert_uint_eq(env.nrcpt, 2);
	ck_assert_str_eq(env.rcpt[1].addr, "b@x");
	envelope_free(&env);
	ck_assert_ptr_null(env.id);
	ck_assert_ptr_null(env.rcpt);
	ck_assert_uint_eq(env.nrcpt, 0);
	ck_assert_int_eq(record_unescape("ok\\q", 4, &res), -1);
	ck_assert_int_eq(record_unescape("\\x00", 4, &res), -1);
	ck_assert_ptr_null(res);
}
END_TEST

static Suite *
envelope_suite(void)
{
	Suite *s = suite_create("envelope");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_format_full);
	tcase_add_test(tc, test_format_minimal);
	tcase_add_loop_test(tc, test_parse_full, 0, 2);
	tcase_add_test(tc, test_v2_reported);
	tcase_add_test(tc, test_v1_read);
	tcase_add_test(tc, test_parse_old_reply);
	tcase_add_test(tc, test_roundtrip_injection);
	tcase_add_test(tc, test_truncated_refused);
	tcase_add_loop_test(tc, test_malformed, 0, NCASES(bad_files));
	tcase_add_test(tc, test_nul_refused);
	tcase_add_test(tc, test_failure_leaves_env_freeable);
	tcase_add_test(tc, test_mutations);
	tcase_add_loop_test(tc, test_flags, 0, NCASES(flag_cases));
	tcase_add_loop_test(tc, test_settle, 0, NCASES(settle_cases));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(envelope_suite());
}
