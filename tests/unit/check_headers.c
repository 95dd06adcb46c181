/* check_headers.c — the header list and the header policy. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "lib/buf.h"
#include "lib/check_main.h"
#include "lib/err.h"
#include "lib/xalloc.h"
#include "message/addr.h"
#include "message/headers.h"

/* 2024-03-05 14:07:09 UTC, a Tuesday */
#define T0 ((time_t)1709647629)

static void
parse(struct header_list *hl, const char *text, size_t *body_off)
{
	struct err e;

	headers_init(hl);
	err_clear(&e);
	ck_assert_int_eq(headers_parse(hl, text, strlen(text), body_off, &e),
	    0);
}

static char *
serialize(const struct header_list *hl)
{
	struct buf b = BUF_INIT;

	headers_serialize(hl, &b);
	return buf_steal(&b);
}

static void
assert_serialized(const struct header_list *hl, const char *want)
{
	char *s = serialize(hl);

	ck_assert_str_eq(s, want);
	free(s);
}

/* ---- list, parse, serialise ---------------------------------------------- */

#define P(in, f, off, out) \
	{ \
		in, sizeof(in) - 1, f, off, out \
	}
static const struct {
	const char *in;
	size_t len;
	size_t fields;
	size_t body_off;
	const char *out; /* serialised */
} parses[] = {
	P("A: 1\nB: 2\n\nbody\n", 2, 11, "A: 1\nB: 2\n\n"),
	P("A: 1\r\nB: 2\r\n\r\nbody\r\n", 2, 14, "A: 1\nB: 2\n\n"),
	P("body only\nline 2\n", 0, 0, "\n"),
	P("A: 1\nB: 2\n", 2, 10, "A: 1\nB: 2\n\n"),
	P("A: 1\nB: 2", 2, 9, "A: 1\nB: 2\n\n"),
	P("A: 1\nnot header\nmore", 1, 5, "A: 1\n\n"),
	P("Subject: x\n y\n\tz\n\n", 1, 18, "Subject: x\n y\n\tz\n\n"),
	P("", 0, 0, "\n"),
	P("\n", 0, 1, "\n"),
	P("A: \0x\n", 1, 6, "A:  x\n\n"),
	P("A: a\rb\n\nB", 1, 8, "A: a b\n\n"),
};

START_TEST(test_parse)
{
	struct header_list hl;
	struct err e;
	size_t off = 12345;

	headers_init(&hl);
	ck_assert_int_eq(headers_parse(&hl, parses[_i].in, parses[_i].len, &off,
	                     &e),
	    0);
	ck_assert_uint_eq(hl.n, parses[_i].fields);
	ck_assert_uint_eq(off, parses[_i].body_off);
	assert_serialized(&hl, parses[_i].out);
	headers_free(&hl);
}
END_TEST

START_TEST(test_parse_error)
{
	struct header_list hl;
	struct err e;
	size_t n = RFC5322_MAX_LINE + 10;
	char *s = xmalloc(n + 1);

	memset(s, 'x', n);
	memcpy(s, "X: ", 3);
	s[n] = '\0';
	headers_init(&hl);
	ck_assert_int_eq(headers_parse(&hl, s, n, NULL, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	headers_free(&hl);
	free(s);
}
END_TEST

START_TEST(test_find_count_remove)
{
	struct header_list hl;

	parse(&hl, "Received: a\nX-A: 1\nreceived: b\nRECEIVED: c\nX-B: 2\n\n",
	    NULL);
	ck_assert_uint_eq(headers_find(&hl, "received", 0), 0);
	ck_assert_uint_eq(headers_find(&hl, "Received", 1), 2);
	ck_assert_uint_eq(headers_find(&hl, "x-b", 0), 4);
	ck_assert_uint_eq(headers_find(&hl, "X-C", 0), HEADERS_NONE);
	ck_assert_uint_eq(headers_find(&hl, "Received", 99), HEADERS_NONE);
	ck_assert_uint_eq(headers_count(&hl, "RECEIVED"), 3);
	ck_assert_str_eq(headers_value(&hl.v[1]), " 1\n");
	ck_assert_uint_eq(headers_remove(&hl, "Received"), 3);
	ck_assert_uint_eq(headers_remove(&hl, "Received"), 0);
	assert_serialized(&hl, "X-A: 1\nX-B: 2\n\n");
	headers_insert_field(&hl, 1, "X-Mid", "m");
	headers_insert_field(&hl, 99, "X-End", "e");
	assert_serialized(&hl, "X-A: 1\nX-Mid: m\nX-B: 2\nX-End: e\n\n");
	headers_remove_at(&hl, 0);
	ck_assert_str_eq(hl.v[0].name, "X-Mid");
	headers_free(&hl);
}
END_TEST

START_TEST(test_hops)
{
	struct header_list hl;

	parse(&hl,
	    "Received: a\nReceived: b\n\tc\nVia: x\nMail-From: y\nX: z\nreceived: q\n\n",
	    NULL);
	ck_assert_uint_eq(headers_hops(&hl), 5);
	headers_free(&hl);
	parse(&hl, "X: z\n\n", NULL);
	ck_assert_uint_eq(headers_hops(&hl), 0);
	headers_free(&hl);
}
END_TEST

/* ---- Bcc ---------------------------------------------------------------- */

START_TEST(test_strip_bcc)
{
	struct header_list hl;
	char *s;

	parse(&hl,
	    "From: a@x\n"
	    "Bcc: secret1@x,\n"
	    "  secret2@x,\n"
	    "\tsecret3@x\n"
	    "To: b@x\n"
	    "bcc: lower@x\n"
	    "Resent-Bcc: r@x\n"
	    "BCC:\n"
	    "Subject: Bcc: not a field\n"
	    "\nBcc: body@x\n",
	    NULL);
	ck_assert_uint_eq(headers_strip_bcc(&hl), 4);
	s = serialize(&hl);
	ck_assert_str_eq(s,
	    "From: a@x\nTo: b@x\nSubject: Bcc: not a field\n\n");
	ck_assert_ptr_null(strstr(s, "secret"));
	free(s);
	ck_assert_uint_eq(headers_strip_bcc(&hl), 0);
	headers_free(&hl);
}
END_TEST

/* ---- -t ----------------------------------------------------------------- */

static const struct {
	const char *in;
	const char *out; /* "local@domain," ... or "ERR" */
	                 /* clang-format off */
} rcpts[] = {
	{ "To: a@x\nCc: b@x, c@x\nBcc: d@x\nFrom: f@x\n\n", "a@x,b@x,c@x,d@x," },
	{ "To: undisclosed-recipients:;\nBcc: hidden@x\n\n", "hidden@x," },
	{ "From: f@x\nSubject: none\n\n", "" },
	{ "To: \"Doe, John\" <jd@x>, root (Cron Daemon)\n\n", "jd@x,root@-," },
	{ "to: a@x\nCC: b@x\nbcc: c@x\n\n", "a@x,b@x,c@x," },
	{ "To: a@x,\n b@x,\n\tc@x\n\n", "a@x,b@x,c@x," },
	/* resent: only the topmost Resent block counts */
	{ "Resent-To: r1@x\nResent-Cc: r2@x\nResent-Bcc: r3@x\nResent-From: me@x\n"
	  "Resent-To: old@x\n"
	  "To: orig@x\n\n", "r1@x,r2@x,r3@x," },
	{ "Received: by a\nResent-From: me@x\nResent-To: new@x\nReceived: by b\n"
	  "Resent-From: me@y\nResent-To: older@x\nTo: orig@x\n\n", "new@x," },
	{ "Resent-Date: now\nTo: orig@x\n\n", "" },
	{ "To: bad bad\n\n", "ERR" },
	{ "To: ok@x\nCc: \"unterminated\n\n", "ERR" },
};
/* clang-format on */

START_TEST(test_recipients)
{
	struct header_list hl;
	struct addr_list l = ADDR_LIST_INIT;
	struct buf t = BUF_INIT;
	struct err e;
	int n;
	size_t i;

	parse(&hl, rcpts[_i].in, NULL);
	addr_list_add(&l, NULL, "pre", "existing");
	err_clear(&e);
	n = headers_recipients(&hl, &l, &e);
	if (n < 0) {
		buf_adds(&t, "ERR");
		ck_assert_int_eq(e.code, EX_DATAERR);
		ck_assert_ptr_nonnull(strstr(e.msg, "header"));
		ck_assert_uint_eq(l.n, 1);
	} else {
		ck_assert_uint_eq(l.n, (size_t)n + 1);
	}
	for (i = 1; i < l.n; i++)
		buf_printf(&t, "%s@%s,", l.v[i].local,
		    l.v[i].domain ? l.v[i].domain : "-");
	ck_assert_str_eq(buf_cstr(&t), rcpts[_i].out);
	buf_free(&t);
	addr_list_free(&l);
	headers_free(&hl);
}
END_TEST

START_TEST(test_recipients_200)
{
	struct header_list hl;
	struct addr_list l = ADDR_LIST_INIT;
	struct buf msg = BUF_INIT;
	struct err e;
	int i;

	for (i = 0; i < 200; i++)
		addr_list_add(&l, i % 2 ? "Name, With Comma" : NULL, "u",
		    "example.com");
	buf_adds(&msg, "To: ");
	addr_format_list(&msg, &l, 4);
	buf_adds(&msg, "\nSubject: many\n\nbody\n");
	addr_list_free(&l);
	parse(&hl, msg.data, NULL);
	ck_assert_uint_eq(hl.n, 2);
	ck_assert_int_eq(headers_recipients(&hl, &l, &e), 200);
	ck_assert_str_eq(l.v[199].display, "Name, With Comma");
	addr_list_free(&l);
	headers_free(&hl);
	buf_free(&msg);
}
END_TEST

/* ---- date, completion, Received ---------------------------------------- */

static const struct {
	const char *tz;
	time_t t;
	const char *out;
	/* clang-format off */
} dates[] = {
	{ "UTC0", T0, "Tue, 5 Mar 2024 14:07:09 +0000" },
	{ "EST5", T0, "Tue, 5 Mar 2024 09:07:09 -0500" },
	{ "IST-5:30", T0, "Tue, 5 Mar 2024 19:37:09 +0530" },
	{ "NPT-5:45", 0, "Thu, 1 Jan 1970 05:45:00 +0545" },
	{ "HST10", 0, "Wed, 31 Dec 1969 14:00:00 -1000" },
	{ "UTC0", (time_t)951782400, "Tue, 29 Feb 2000 00:00:00 +0000" },
};
/* clang-format on */

START_TEST(test_date)
{
	char buf[HEADERS_DATE_MAX];

	setenv("TZ", dates[_i].tz, 1);
	tzset();
	ck_assert_str_eq(headers_date(dates[_i].t, buf), dates[_i].out);
}
END_TEST

static const struct headers_info info = { T0, "Cron Daemon", "root",
	"host.example", "20240305140709.ABC", "host.example", "host.example",
	"1A2B3C", 1000 };

static const struct {
	const char *in;
	size_t added;
	const char *out;
} completes[] = {
	{ "Subject: x\n\n", 4,
	    "Subject: x\n"
	    "From: Cron Daemon <root@host.example>\n"
	    "Date: Tue, 5 Mar 2024 14:07:09 +0000\n"
	    "Message-ID: <20240305140709.ABC@host.example>\n"
	    "To: undisclosed-recipients:;\n\n" },
	{ "From: me@x\nDate: d\nMessage-Id: <a@b>\nCc: c@x\n\n", 0,
	    "From: me@x\nDate: d\nMessage-Id: <a@b>\nCc: c@x\n\n" },
	{ "from: me@x\nTO: t@x\n\n", 2,
	    "from: me@x\nTO: t@x\n"
	    "Date: Tue, 5 Mar 2024 14:07:09 +0000\n"
	    "Message-ID: <20240305140709.ABC@host.example>\n\n" },
	/* Bcc only: still no visible recipient */
	{ "From: me@x\nDate: d\nMessage-ID: <a@b>\nBcc: h@x\n\n", 1,
	    "From: me@x\nDate: d\nMessage-ID: <a@b>\nBcc: h@x\n"
	    "To: undisclosed-recipients:;\n\n" },
	/* resent: Resent- fields at the top of the topmost block */
	{ "Received: by a\nResent-To: n@x\nFrom: o@x\nTo: o2@x\nDate: d\n\n", 3,
	    "Received: by a\n"
	    "Resent-From: Cron Daemon <root@host.example>\n"
	    "Resent-Date: Tue, 5 Mar 2024 14:07:09 +0000\n"
	    "Resent-Message-ID: <20240305140709.ABC@host.example>\n"
	    "Resent-To: n@x\nFrom: o@x\nTo: o2@x\nDate: d\n\n" },
	{ "Resent-Bcc: h@x\nResent-From: me@x\nResent-Date: d\nResent-Message-ID: <m@x>\n"
	  "To: o@x\n\n",
	    1,
	    "Resent-To: undisclosed-recipients:;\n"
	    "Resent-Bcc: h@x\nResent-From: me@x\nResent-Date: d\nResent-Message-ID: <m@x>\n"
	    "To: o@x\n\n" },
	{ "Resent-Cc: c@x\nResent-From: me@x\nResent-Date: d\nResent-Message-ID: <m@x>\n\n",
	    0,
	    "Resent-Cc: c@x\nResent-From: me@x\nResent-Date: d\nResent-Message-ID: <m@x>\n\n" },
};

START_TEST(test_complete)
{
	struct header_list hl;

	setenv("TZ", "UTC0", 1);
	tzset();
	parse(&hl, completes[_i].in, NULL);
	ck_assert_uint_eq(headers_complete(&hl, &info), completes[_i].added);
	assert_serialized(&hl, completes[_i].out);
	ck_assert_uint_eq(headers_complete(&hl, &info), 0); /* idempotent */
	headers_free(&hl);
}
END_TEST

START_TEST(test_complete_from_variants)
{
	struct header_list hl;
	struct headers_info i2 = info;

	setenv("TZ", "UTC0", 1);
	tzset();
	i2.from_display = "Smith, Jr.";
	i2.from_local = "john smith";
	i2.from_domain = NULL;
	i2.msgid_left = NULL;
	parse(&hl, "To: a@b\n\n", NULL);
	ck_assert_uint_eq(headers_complete(&hl, &i2), 2);
	assert_serialized(&hl,
	    "To: a@b\nFrom: \"Smith, Jr.\" <\"john smith\">\n"
	    "Date: Tue, 5 Mar 2024 14:07:09 +0000\n\n");
	headers_free(&hl);
	i2.from_local = NULL;
	parse(&hl, "To: a@b\nDate: x\n\n", NULL);
	ck_assert_uint_eq(headers_complete(&hl, &i2), 0);
	headers_free(&hl);
}
END_TEST

START_TEST(test_received)
{
	struct header_list hl;
	char *s;

	setenv("TZ", "EST5", 1);
	tzset();
	parse(&hl, "To: secret@x\nBcc: hidden@y\nReceived: by older\n\n", NULL);
	headers_add_received(&hl, &info);
	ck_assert_uint_eq(headers_hops(&hl), 2);
	s = serialize(&hl);
	ck_assert_str_eq(s,
	    "Received: by host.example (relayq, from userid 1000)\n"
	    "\tid 1A2B3C; Tue, 5 Mar 2024 09:07:09 -0500\n"
	    "To: secret@x\nBcc: hidden@y\nReceived: by older\n\n");
	ck_assert_ptr_null(strstr(hl.v[0].raw, "secret"));
	ck_assert_ptr_null(strstr(hl.v[0].raw, "hidden"));
	ck_assert_str_eq(hl.v[0].name, "Received");
	ck_assert_str_eq(headers_value(&hl.v[0]),
	    " by host.example (relayq, from userid 1000)\n"
	    "\tid 1A2B3C; Tue, 5 Mar 2024 09:07:09 -0500\n");
	free(s);
	headers_free(&hl);
}
END_TEST

/* ---- rewriting ----------------------------------------------------------- */

/* root -> admin@example.com; unqualified -> @example.org; else unchanged. */
static int
rewrite_cb(void *arg, const char *local, const char *domain, char **nl,
    char **nd)
{
	int *calls = arg;

	(*calls)++;
	if (strcmp(local, "root") == 0) {
		*nl = xstrdup("admin");
		*nd = xstrdup("example.com");
		return 1;
	}
	if (domain == NULL) {
		*nl = xstrdup(local);
		*nd = xstrdup("example.org");
		return 1;
	}
	return 0;
}

static const struct {
	const char *in;
	size_t changed;
	int calls;
	const char *out;
} rewrites[] = {
	/* nothing to change: bytes kept exactly, odd folding and comments too
	 */
	{ "To: a@x (c1),\n\t  \"B, b\"   <b@y>\nSubject: root\n\n", 0, 2,
	    "To: a@x (c1),\n\t  \"B, b\"   <b@y>\nSubject: root\n\n" },
	{ "From: root (Cron Daemon)\nTo: root\n\n", 2, 2,
	    "From: Cron Daemon <admin@example.com>\nTo: admin@example.com\n\n" },
	{ "To: \"Doe, J\" <jd>, x@y\n\n", 1, 2,
	    "To: \"Doe, J\" <jd@example.org>, x@y\n\n" },
	{ "Cc: =?UTF-8?Q?J=C3=B6rg?= <joerg>\n\n", 1, 1,
	    "Cc: =?UTF-8?Q?J=C3=B6rg?= <joerg@example.org>\n\n" },
	/* Subject, X-*, Received, Message-ID are not address fields */
	{ "Subject: root\nX-To: root\nMessage-ID: <root>\n\n", 0, 0,
	    "Subject: root\nX-To: root\nMessage-ID: <root>\n\n" },
	/* empty group: nothing to rewrite; group with a member is flattened */
	{ "To: undisclosed-recipients:;\n\n", 0, 0,
	    "To: undisclosed-recipients:;\n\n" },
	{ "To: team: root, a@x;\n\n", 1, 2, "To: admin@example.com, a@x\n\n" },
	/* an unparsable field is left as it is */
	{ "To: bad bad root\nReply-To: root\n\n", 1, 1,
	    "To: bad bad root\nReply-To: admin@example.com\n\n" },
	{ "Resent-From: root\nresent-to: r\nSender: s@x\n\n", 2, 3,
	    "Resent-From: admin@example.com\nresent-to: r@example.org\nSender: s@x\n\n" },
};

START_TEST(test_rewrite)
{
	struct header_list hl;
	int calls = 0;

	parse(&hl, rewrites[_i].in, NULL);
	ck_assert_uint_eq(headers_rewrite(&hl, NULL, rewrite_cb, &calls),
	    rewrites[_i].changed);
	ck_assert_int_eq(calls, rewrites[_i].calls);
	assert_serialized(&hl, rewrites[_i].out);
	headers_free(&hl);
}
END_TEST

START_TEST(test_rewrite_fold_and_names)
{
	static const char *const only_from[] = { "From", NULL };
	struct header_list hl;
	struct buf msg = BUF_INIT;
	int calls = 0, i;
	size_t j, col = 0;

	buf_adds(&msg, "To: ");
	for (i = 0; i < 30; i++)
		buf_printf(&msg, "%suser%d", i ? ", " : "", i);
	buf_adds(&msg, "\nFrom: root\n\n");
	parse(&hl, msg.data, NULL);
	ck_assert_uint_eq(headers_rewrite(&hl, only_from, rewrite_cb, &calls),
	    1);
	ck_assert_int_eq(calls, 1);
	ck_assert_ptr_null(strchr(hl.v[0].raw, '@'));
	ck_assert_uint_eq(headers_rewrite(&hl, NULL, rewrite_cb, &calls), 1);
	ck_assert_int_eq(calls, 1 + 30 + 1);
	ck_assert_int_eq(strncmp(hl.v[0].raw,
	                     "To: user0@example.org, user1@example.org,", 41),
	    0);
	ck_assert_int_eq(hl.v[0].raw[hl.v[0].len - 1], '\n');
	for (j = 0; j < hl.v[0].len; j++) {
		if (hl.v[0].raw[j] == '\n') {
			ck_assert_uint_le(col, ADDR_FOLD_COLUMN);
			col = 0;
		} else {
			col++;
		}
	}
	ck_assert_str_eq(hl.v[0].raw + hl.v[0].len - 20,
	    " user29@example.org\n");
	headers_free(&hl);
	buf_free(&msg);
}
END_TEST

/* The out-parameter rule (err.h): a failed headers_parse leaves the list
 * as it was (the fields before the bad line are taken back) and body_off
 * untouched; a failed headers_recipients appends nothing. */
START_TEST(test_failure_leaves_list)
{
	struct header_list hl;
	struct addr_list out = ADDR_LIST_INIT;
	struct err e;
	size_t n = RFC5322_MAX_LINE + 40, body = 12345;
	char *s = xmalloc(n + 1);

	memset(s, 'x', n);
	memcpy(s, "To: a@b\nCc: c@d\nX: ", 19);
	s[n] = '\0';
	headers_init(&hl);
	ck_assert_int_eq(headers_parse(&hl, "Subject: kept\n\n", 15, NULL, &e),
	    0);
	ck_assert_uint_eq(hl.n, 1);
	ck_assert_int_eq(headers_parse(&hl, s, n, &body, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_uint_eq(hl.n, 1);
	ck_assert_str_eq(hl.v[0].name, "Subject");
	ck_assert_uint_eq(body, 12345);
	headers_free(&hl);
	headers_init(&hl);
	ck_assert_int_eq(headers_parse(&hl, "To: a@b\nCc: bad bad\n\n", 21,
	                     NULL, &e),
	    0);
	addr_list_add(&out, NULL, "keep", "x");
	ck_assert_int_eq(headers_recipients(&hl, &out, &e), -1);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_str_eq(out.v[0].local, "keep");
	addr_list_free(&out);
	headers_free(&hl);
	free(s);
}
END_TEST

static Suite *
headers_suite(void)
{
	Suite *s = suite_create("headers");
	TCase *tl = tcase_create("list");
	TCase *tp = tcase_create("policy");
	TCase *tr = tcase_create("rewrite");

	tcase_add_loop_test(tl, test_parse, 0, TEST_NELEM(parses));
	tcase_add_test(tl, test_parse_error);
	tcase_add_test(tl, test_failure_leaves_list);
	tcase_add_test(tl, test_find_count_remove);
	tcase_add_test(tl, test_hops);
	suite_add_tcase(s, tl);
	tcase_add_test(tp, test_strip_bcc);
	tcase_add_loop_test(tp, test_recipients, 0, TEST_NELEM(rcpts));
	tcase_add_test(tp, test_recipients_200);
	tcase_add_loop_test(tp, test_date, 0, TEST_NELEM(dates));
	tcase_add_loop_test(tp, test_complete, 0, TEST_NELEM(completes));
	tcase_add_test(tp, test_complete_from_variants);
	tcase_add_test(tp, test_received);
	suite_add_tcase(s, tp);
	tcase_add_loop_test(tr, test_rewrite, 0, TEST_NELEM(rewrites));
	tcase_add_test(tr, test_rewrite_fold_and_names);
	suite_add_tcase(s, tr);
	return s;
}

int
main(void)
{
	return check_main(headers_suite());
}
