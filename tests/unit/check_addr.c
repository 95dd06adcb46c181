/* check_addr.c — address lists: parsing odd forms, formatting, folding,
 * envelope validity. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/buf.h"
#include "lib/check_main.h"
#include "lib/err.h"
#include "lib/xalloc.h"
#include "message/addr.h"

/* "display|local|domain;..." with "-" for NULL, or "ERR". Caller frees. */
static char *
parse_trace(const char *in)
{
	struct addr_list l = ADDR_LIST_INIT;
	struct buf t = BUF_INIT;
	struct err e;
	size_t i;

	err_clear(&e);
	if (addr_parse_list(in, strlen(in), &l, &e) < 0) {
		ck_assert_int_eq(e.code, EX_DATAERR);
		ck_assert_ptr_nonnull(strstr(e.msg, "cannot parse address"));
		ck_assert_uint_eq(l.n, 0);
		return xstrdup("ERR");
	}
	for (i = 0; i < l.n; i++)
		buf_printf(&t, "%s%s|%s|%s", i ? ";" : "",
		    l.v[i].display ? l.v[i].display : "-", l.v[i].local,
		    l.v[i].domain ? l.v[i].domain : "-");
	addr_list_free(&l);
	return buf_steal(&t);
}

static const struct {
	const char *in;
	const char *out;
	/* clang-format off */
} cases[] = {
	{ "a@b", "-|a|b" },
	{ "A B <a@b>", "A B|a|b" },
	{ "\"Smith, John\" <js@x>, b@y", "Smith, John|js|x;-|b|y" },
	{ "root", "-|root|-" },
	{ "root (Cron Daemon)", "Cron Daemon|root|-" },
	{ "(Cron Daemon) <root>", "Cron Daemon|root|-" },
	{ "undisclosed-recipients:;", "" },
	{ "undisclosed-recipients: ;", "" },
	{ "friends: a@b, \"c d\" <c@d>;, e@f", "-|a|b;c d|c|d;-|e|f" },
	{ "<@r1.x,@r2.y:u@d>", "-|u|d" },
	{ "Old <@r1.x:u@d>", "Old|u|d" },
	{ "u@[1.2.3.4]", "-|u|[1.2.3.4]" },
	{ "a@[IPv6:::1]", "-|a|[IPv6:::1]" },
	{ "\"a b\"@x", "-|a b|x" },
	{ "\"a\\\"b\"@x", "-|a\"b|x" },
	{ "\"back\\\\slash\"@x", "-|back\\slash|x" },
	{ "a(comment (nested) )@b", "comment (nested)|a|b" },
	{ "=?UTF-8?Q?J=C3=B6rg?= <j@x>", "=?UTF-8?Q?J=C3=B6rg?=|j|x" },
	{ "J\xc3\xb6rg M\xc3\xbcller <jm@x>", "J\xc3\xb6rg M\xc3\xbcller|jm|x" },
	{ "a@b,\n\tc@d", "-|a|b;-|c|d" },
	{ "a@b,\r\n c@d", "-|a|b;-|c|d" },
	{ "\"folded\n name\" <a@b>", "folded name|a|b" },
	{ ", , a@b,,", "-|a|b" },
	{ "<>", "-||-" },
	{ "john . smith @ example . com", "-|john.smith|example.com" },
	{ "Name <a@b> (comment)", "Name|a|b" },
	{ "J. Smith <j@x>", "J. Smith|j|x" },
	{ "\"\"@x", "-||x" },
	{ "\xc3\xbc" "ser@b\xc3\xbc" "cher.de", "-|\xc3\xbc" "ser|b\xc3\xbc" "cher.de" },
	{ "a@b; c@d", "-|a|b;-|c|d" },
	{ "\"Name: tricky\" <a@b>", "Name: tricky|a|b" },
	{ "<a@b> , <c@d>", "-|a|b;-|c|d" },
	{ "  ", "" },
	{ "", "" },
	{ "a@b (Comment, with comma)", "Comment, with comma|a|b" },
	{ "Mary <mary@x>, \"Smith, Jr.\" <s@y>, undisclosed:;",
	  "Mary|mary|x;Smith, Jr.|s|y" },
	{ "\"first\"\"last\" <a@b>", "firstlast|a|b" },
	{ "John (middle) Smith <js@x>", "John Smith|js|x" },
	{ "user+tag@sub.example.org", "-|user+tag|sub.example.org" },
	{ "a.\"b c\".d@x", "-|a.b c.d|x" },
	{ "john..doe@x", "-|john..doe|x" },
	{ "a @ [ 1.2.3.4 ]", "-|a|[ 1.2.3.4 ]" },
	{ "x@y: a@b;", "-|a|b" },
	/* errors */
	{ "John Smith", "ERR" },
	{ "a@b@c", "ERR" },
	{ "\"unterminated", "ERR" },
	{ "(unterminated", "ERR" },
	{ "a@", "ERR" },
	{ "@b", "ERR" },
	{ "<a@b", "ERR" },
	{ "a@b>", "ERR" },
	{ "Name <<a@b>>", "ERR" },
	{ "a\x01" "b@x", "ERR" },
	{ "[1.2.3.4]", "ERR" },
	{ "<@route-without-colon.x>", "ERR" },
	{ "<a@b> junk", "ERR" },
	{ "a@[unterminated", "ERR" },
	{ "a b@c", "ERR" },
	{ "a@\"quoted domain\"", "ERR" },   /* fuzz find: a domain is atoms */
	{ "a@b.\"c\"", "ERR" },
	{ "a@b c", "ERR" },
	{ "\"\" <a@b>", "-|a|b" },         /* fuzz find: leaked an empty name */
};
/* clang-format on */

START_TEST(test_parse)
{
	char *got = parse_trace(cases[_i].in);

	ck_assert_str_eq(got, cases[_i].out);
	free(got);
}
END_TEST

START_TEST(test_parse_appends_not_on_error)
{
	struct addr_list l = ADDR_LIST_INIT;
	struct err e;

	ck_assert_int_eq(addr_parse_list("a@b, c", 6, &l, &e), 2);
	ck_assert_int_eq(addr_parse_list("x@y, bad bad", 12, &l, &e), -1);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_int_eq(addr_parse_list("x@y", 3, &l, &e), 1);
	ck_assert_uint_eq(l.n, 3);
	ck_assert_str_eq(l.v[2].local, "x");
	/* len is honoured: only "a@b" of "a@b, c@d" */
	ck_assert_int_eq(addr_parse_list("a@b, c@d", 3, &l, &e), 1);
	ck_assert_uint_eq(l.n, 4);
	addr_list_free(&l);
	ck_assert_uint_eq(l.n, 0);
	ck_assert_int_eq(addr_parse_list("a\0b@x", 5, &l, &e), -1);
}
END_TEST

START_TEST(test_sender)
{
	struct addr_mailbox m;
	struct err e;

	ck_assert_int_eq(addr_parse_sender("<>", &m, &e), 0);
	ck_assert_str_eq(m.local, "");
	ck_assert_ptr_null(m.domain);
	addr_mailbox_free(&m);
	ck_assert_int_eq(addr_parse_sender("", &m, &e), 0);
	ck_assert_str_eq(m.local, "");
	addr_mailbox_free(&m);
	ck_assert_int_eq(addr_parse_sender("Bounce Handler <b@x.org>", &m, &e),
	    0);
	ck_assert_str_eq(m.local, "b");
	ck_assert_str_eq(m.domain, "x.org");
	ck_assert_str_eq(m.display, "Bounce Handler");
	addr_mailbox_free(&m);
	ck_assert_int_eq(addr_parse_sender("a@b, c@d", &m, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_int_eq(addr_parse_sender("g:;", &m, &e), -1);
	ck_assert_int_eq(addr_parse_sender("a b", &m, &e), -1);
}
END_TEST

static const struct {
	const char *local, *domain, *out;
	/* clang-format off */
} specs[] = {
	{ "a", "b", "a@b" },
	{ "a.b", "x", "a.b@x" },
	{ "a b", "x", "\"a b\"@x" },
	{ "a\"b", "x", "\"a\\\"b\"@x" },
	{ "a\\b", "x", "\"a\\\\b\"@x" },
	{ ".a", "x", "\".a\"@x" },
	{ "a.", "x", "\"a.\"@x" },
	{ "a..b", "x", "\"a..b\"@x" },
	{ "", "x", "\"\"@x" },
	{ "root", NULL, "root" },
	{ "j\xc3\xb6rg", "x", "j\xc3\xb6rg@x" },
	{ "a,b", "x", "\"a,b\"@x" },
	{ "user+tag", "[1.2.3.4]", "user+tag@[1.2.3.4]" },
};
/* clang-format on */

START_TEST(test_format_spec)
{
	char *s = addr_format_spec(specs[_i].local, specs[_i].domain);

	ck_assert_str_eq(s, specs[_i].out);
	free(s);
}
END_TEST

static const struct {
	const char *display, *out;
	/* clang-format off */
} mailboxes[] = {
	{ NULL, "a@b" },
	{ "", "a@b" },
	{ "John Smith", "John Smith <a@b>" },
	{ "Smith, Jr.", "\"Smith, Jr.\" <a@b>" },
	{ "J. Smith", "\"J. Smith\" <a@b>" },
	{ "=?UTF-8?Q?J=C3=B6rg?=", "=?UTF-8?Q?J=C3=B6rg?= <a@b>" },
	{ "J\xc3\xb6rg", "J\xc3\xb6rg <a@b>" },
	{ "say \"hi\"", "\"say \\\"hi\\\"\" <a@b>" },
	{ "two  spaces", "\"two  spaces\" <a@b>" },
	{ "Cron Daemon", "Cron Daemon <a@b>" },
};
/* clang-format on */

START_TEST(test_format_mailbox)
{
	struct addr_mailbox m = { (char *)mailboxes[_i].display, (char *)"a",
		(char *)"b" };
	char *s = addr_format_mailbox(&m);
	char *back;

	ck_assert_str_eq(s, mailboxes[_i].out);
	/* the formatted form parses back to the same mailbox */
	back = parse_trace(s);
	free(s);
	s = xasprintf("%s|a|b",
	    mailboxes[_i].display && *mailboxes[_i].display ?
	        mailboxes[_i].display :
	        "-");
	ck_assert_str_eq(back, s);
	free(s);
	free(back);
}
END_TEST

static const char fold_head[] =
    "To: \"User, No. 0\" <user0@example.com>, "
    "user1@example.com, user2@example.com,\n \"User, No. 3\" <user3@example.com>,";

/* 200 recipients: folded at 78 columns, parses back to the same 200. */
START_TEST(test_fold_200)
{
	struct addr_list l = ADDR_LIST_INIT, back = ADDR_LIST_INIT;
	struct buf b = BUF_INIT;
	struct err e;
	char local[32], name[32];
	const char *p, *nl;
	size_t lines = 0;
	int i;

	for (i = 0; i < 200; i++) {
		snprintf(local, sizeof(local), "user%d", i);
		snprintf(name, sizeof(name), "User, No. %d", i);
		addr_list_add(&l, i % 3 == 0 ? name : NULL, local,
		    "example.com");
	}
	buf_adds(&b, "To: ");
	addr_format_list(&b, &l, 4);
	for (p = b.data; (nl = strchr(p, '\n')) != NULL || *p; p = nl + 1) {
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		ck_assert_uint_le(n, ADDR_FOLD_COLUMN);
		if (lines > 0)
			ck_assert_int_eq(p[0], ' ');
		lines++;
		if (nl == NULL)
			break;
	}
	ck_assert_uint_gt(lines, 40);
	ck_assert_int_eq(addr_parse_list(b.data + 3, b.len - 3, &back, &e),
	    200);
	for (i = 0; i < 200; i++) {
		ck_assert_str_eq(back.v[i].local, l.v[i].local);
		ck_assert_str_eq(back.v[i].domain, "example.com");
		if (i % 3 == 0)
			ck_assert_str_eq(back.v[i].display, l.v[i].display);
		else
			ck_assert_ptr_null(back.v[i].display);
	}
	ck_assert_int_eq(strncmp(b.data, fold_head, strlen(fold_head)), 0);
	addr_list_free(&l);
	addr_list_free(&back);
	buf_free(&b);
}
END_TEST

START_TEST(test_fold_exact)
{
	struct addr_list l = ADDR_LIST_INIT;
	struct buf b = BUF_INIT;

	addr_format_list(&b, &l, 4);
	ck_assert_uint_eq(b.len, 0);
	/* 4 + 35 + 2 + 35 = 76 fits; a third item folds */
	addr_list_add(&l, NULL, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "b");
	addr_list_add(&l, NULL, "ccccccccccccccccccccccccccccccccc", "d");
	addr_list_add(&l, NULL, "e", "f");
	addr_format_list(&b, &l, 4);
	ck_assert_str_eq(buf_cstr(&b),
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@b, ccccccccccccccccccccccccccccccccc@d,\n e@f");
	addr_list_free(&l);
	buf_free(&b);
}
END_TEST

static const char dom189[] =
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb."
    "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";
static const char dom190[] =
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb."
    "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";
static const char l64[] =
    "0123456789012345678901234567890123456789012345678901234567890123";
static const char l65[] =
    "01234567890123456789012345678901234567890123456789012345678901234";

static const struct {
	const char *local, *domain;
	int ok, utf8;
	/* clang-format off */
} envs[] = {
	{ "a", "example.com", 1, 0 },
	{ "a b", "example.com", 1, 0 },
	{ "a\"b", "x.org", 1, 0 },
	{ "root", NULL, 1, 0 },
	{ "j\xc3\xb6rg", "example.com", 1, 1 },
	{ "a", "b\xc3\xbc" "cher.de", 1, 1 },
	{ "a", "[1.2.3.4]", 1, 0 },
	{ "a", "[IPv6:::1]", 1, 0 },
	{ l64, "x", 1, 0 },
	{ l65, "x", 0, 0 },
	{ l64, dom189, 1, 0 },
	{ l64, dom190, 0, 0 },
	{ "", "x", 0, 0 },
	{ "a\rb", "x", 0, 0 },
	{ "a\nb", "x", 0, 0 },
	{ "a\tb", "x", 0, 0 },
	{ "a\x7f", "x", 0, 0 },
	{ "a", "x\ny", 0, 0 },
	{ "\xff", "x", 0, 0 },
	{ "\xc3", "x", 0, 0 },
	{ "\xed\xa0\x80", "x", 0, 0 },     /* UTF-16 surrogate */
	{ "\xc0\xaf", "x", 0, 0 },         /* overlong */
	{ "a", "exa mple.com", 0, 0 },
	{ "a", "-a.com", 0, 0 },
	{ "a", "a-.com", 0, 0 },
	{ "a", "a..b", 0, 0 },
	{ "a", "a.b.", 0, 0 },
	{ "a", "", 0, 0 },
	{ "a", "a_b.com", 0, 0 },
	{ "a", "a<b>.com", 0, 0 },
	{ "a", "[1.2 .3.4]", 0, 0 },
	{ "a", "[]", 0, 0 },
	{ "a", "xn--bcher-kva.de", 1, 0 },
};
/* clang-format on */

START_TEST(test_envelope)
{
	struct err e;
	int utf8 = -1, r;

	err_clear(&e);
	r = addr_check_envelope(envs[_i].local, envs[_i].domain, &utf8, &e);
	ck_assert_int_eq(r, envs[_i].ok ? 0 : -1);
	ck_assert_int_eq(e.code, envs[_i].ok ? 0 : EX_DATAERR);
	if (envs[_i].ok)
		ck_assert_int_eq(utf8, envs[_i].utf8);
	else
		ck_assert_ptr_nonnull(strstr(e.msg, "cannot be used in SMTP"));
}
END_TEST

/* The out-parameter rule (err.h): a failed addr_parse_sender leaves its
 * mailbox untouched; a failed addr_parse_list leaves the list as it was
 * (same entries, same strings). */
START_TEST(test_failure_leaves_out)
{
	struct addr_mailbox m = { NULL, NULL, NULL };
	struct addr_list l = ADDR_LIST_INIT;
	struct err e;
	char *local0;

	ck_assert_int_eq(addr_parse_sender("a@b, c@d", &m, &e), -1);
	ck_assert_int_eq(addr_parse_sender("<unclosed@x", &m, &e), -1);
	ck_assert_ptr_null(m.display);
	ck_assert_ptr_null(m.local);
	ck_assert_ptr_null(m.domain);
	ck_assert_int_eq(addr_parse_list("Ann <a@b>", 9, &l, &e), 1);
	local0 = l.v[0].local;
	ck_assert_int_eq(addr_parse_list("x@y, (unclosed comment", 22, &l, &e),
	    -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_ptr_eq(l.v[0].local, local0);
	ck_assert_str_eq(l.v[0].display, "Ann");
	addr_list_free(&l);
	ck_assert_ptr_null(l.v);
}
END_TEST

static Suite *
addr_suite(void)
{
	Suite *s = suite_create("addr");
	TCase *tp = tcase_create("parse");
	TCase *tf = tcase_create("format");
	TCase *te = tcase_create("envelope");

	tcase_add_loop_test(tp, test_parse, 0, TEST_NELEM(cases));
	tcase_add_test(tp, test_parse_appends_not_on_error);
	tcase_add_test(tp, test_sender);
	tcase_add_test(tp, test_failure_leaves_out);
	suite_add_tcase(s, tp);
	tcase_add_loop_test(tf, test_format_spec, 0, TEST_NELEM(specs));
	tcase_add_loop_test(tf, test_format_mailbox, 0, TEST_NELEM(mailboxes));
	tcase_add_test(tf, test_fold_200);
	tcase_add_test(tf, test_fold_exact);
	suite_add_tcase(s, tf);
	tcase_add_loop_test(te, test_envelope, 0, TEST_NELEM(envs));
	suite_add_tcase(s, te);
	return s;
}

int
main(void)
{
	return check_main(addr_suite());
}
