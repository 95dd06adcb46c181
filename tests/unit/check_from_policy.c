/* check_from_policy.c — from_address: the envelope sender and the header
 * rules (From: rewritten with the display name kept, the original into
 * Reply-To unless one exists, Sender: removed, an equal From: untouched). */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/check_main.h"
#include "message/headers.h"
#include "rewrite/from_policy.h"

#define ADDR "app@example.com"

static const struct {
	const char *in;  /* header section as submitted */
	int changed;     /* from_policy_headers' result */
	const char *out; /* header section afterwards */
} cases[] = {
	/* a program's own From: moves into Reply-To, its name stays */
	{ "From: Shop <orders@shop.test>\nSubject: s\n", 1,
	    "From: Shop <" ADDR
	    ">\nReply-To: Shop <orders@shop.test>\nSubject: s\n" },
	/* no display name: the bare address */
	{ "From: root@host.example.com\nTo: a@b.test\n", 1,
	    "From: " ADDR "\nReply-To: root@host.example.com\nTo: a@b.test\n" },
	/* an existing Reply-To is kept, never doubled */
	{ "Reply-To: help@shop.test\nFrom: \"Shop, Inc.\" <x@shop.test>\n", 1,
	    "Reply-To: help@shop.test\nFrom: \"Shop, Inc.\" <" ADDR ">\n" },
	/* already the configured address (any case): byte for byte */
	{ "From:   Me   <APP@Example.COM>\nSubject: s\n", 0,
	    "From:   Me   <APP@Example.COM>\nSubject: s\n" },
	/* no From: left for completion (from the envelope sender) */
	{ "Subject: s\n", 0, "Subject: s\n" },
	/* Sender: named the original author's agent: removed */
	{ "From: a@x.test\nSender: b@y.test\n", 1,
	    "From: " ADDR "\nReply-To: a@x.test\n" },
	/* several authors: the first name, the whole list to Reply-To */
	{ "From: A <a@x.test>, B <b@x.test>\n", 1,
	    "From: A <" ADDR ">\nReply-To: A <a@x.test>, B <b@x.test>\n" },
	/* folded original: kept as written in Reply-To */
	{ "From: Long Name\n <long@x.test>\n", 1,
	    "From: Long Name <" ADDR
	    ">\nReply-To: Long Name\n <long@x.test>\n" },
	/* unparseable From: replaced, not copied anywhere */
	{ "From: <<<\nSubject: s\n", 1, "From: " ADDR "\nSubject: s\n" },
	/* two From: fields: one remains */
	{ "From: a@x.test\nFrom: b@x.test\n", 1,
	    "From: " ADDR "\nReply-To: a@x.test\n" },
	/* Resent-From is not From: left to the ordinary rewriting */
	{ "Resent-From: r@x.test\nFrom: " ADDR "\n", 0,
	    "Resent-From: r@x.test\nFrom: " ADDR "\n" },
};

START_TEST(headers_table)
{
	struct header_list hl = HEADER_LIST_INIT;
	struct buf out = BUF_INIT;
	struct err e;
	size_t off;
	char *want;
	int r;

	ck_assert_int_eq(headers_parse(&hl, cases[_i].in, strlen(cases[_i].in),
	                     &off, &e),
	    0);
	r = from_policy_headers(&hl, ADDR);
	headers_serialize(&hl, &out);
	want = malloc(strlen(cases[_i].out) + 2);
	strcpy(want, cases[_i].out);
	strcat(want, "\n");
	ck_assert_msg(r == cases[_i].changed, "case %d: changed %d", _i, r);
	ck_assert_str_eq(out.data, want);
	free(want);
	buf_free(&out);
	headers_free(&hl);
}
END_TEST

static const struct {
	const char *address, *sender, *want;
	/* clang-format off */
} senders[] = {
	{ ADDR, "root@host.example.com", ADDR },       /* local */
	{ ADDR, "orders@shop.test", ADDR },            /* not local: also */
	{ ADDR, "", "" },                              /* a bounce stays <> */
	{ NULL, "orders@shop.test", "orders@shop.test" },
};
/* clang-format on */

START_TEST(sender_table)
{
	char *s = from_policy_sender(senders[_i].address, senders[_i].sender);

	ck_assert_str_eq(s, senders[_i].want);
	free(s);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("from_policy");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, headers_table, 0, TEST_NELEM(cases));
	tcase_add_loop_test(tc, sender_table, 0, TEST_NELEM(senders));
	suite_add_tcase(s, tc);
	return check_main(s);
}
