/* check_rewrite.c — recipient expansion, -bt trace, -bv text, header and
 * sender rewriting over an in-memory alias table. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/check_main.h"
#include "lib/xalloc.h"
#include "rewrite/rewrite.h"

static const char table_text[] =
    "postmaster: root\n"                     /* 1 */
    "root: admin@example.com\n"              /* 2 */
    "team: alice, bob@example.org,\n"        /* 3 */
    "  carol@localhost\n"                    /* 4 */
    "a: b\n"                                 /* 5 */
    "b: a\n"                                 /* 6 */
    "self: self, other\n"                    /* 7 */
    "prog: |/usr/bin/procmail\n"             /* 8 */
    "file: /var/mail/archive\n"              /* 9 */
    "viaprog: postmaster, prog\n"            /* 10 */
    "dup: alice, alice@example.com, Alice\n" /* 11 */
    "back: \\root\n"                         /* 12 */
    "incl: :include:/broken\n"               /* 13 */
    "upper: Root\n"                          /* 14 */
    "nested: team, postmaster, root@host\n"; /* 15 */

static struct aliases table = ALIASES_INIT;
static const char *const names[] = { "host", "host.example.com", NULL };

enum ctxid { BASE, MASQ, CATCH, NOALIAS, NOTABLE, SENDER, SENDER_UNQ };

static struct rewrite_ctx
ctx(enum ctxid id)
{
	struct rewrite_ctx c;

	memset(&c, 0, sizeof(c));
	c.qualify_domain = "example.com";
	c.local_names = names;
	c.aliases = &table;
	switch (id) {
	case BASE:
		break;
	case MASQ:
		c.masquerade = "masq.example.net";
		break;
	case CATCH:
		c.catch_all = "catch@example.com";
		break;
	case NOALIAS:
		c.no_alias = 1;
		break;
	case NOTABLE:
		c.aliases = NULL;
		break;
	case SENDER:
		c.sender_address = "noreply@example.com";
		break;
	case SENDER_UNQ:
		c.sender_address = "noreply";
		break;
	}
	return c;
}

static void
setup(void)
{
	struct err e;

	if (aliases_parse(&table, "test", table_text, strlen(table_text), NULL,
	        NULL, &e) < 0)
		ck_abort_msg("table: %s", e.msg);
}

static void
teardown(void)
{
	aliases_free(&table);
}

static char *
join(const struct strv *sv)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < sv->n; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", sv->v[i]);
	return buf_steal(&b);
}

/* ---- recipients --------------------------------------------------------- */

static const struct {
	enum ctxid c;
	const char *in;
	int code;
	const char *expect; /* joined results, or the error message */
	                    /* clang-format off */
} rcpt_cases[] = {
	{ BASE, "root", 0, "admin@example.com" },
	{ BASE, "postmaster", 0, "admin@example.com" },
	{ BASE, "root@localhost", 0, "admin@example.com" },
	{ BASE, "root@localhost.localdomain", 0, "admin@example.com" },
	{ BASE, "root@host.example.com", 0, "admin@example.com" },
	{ BASE, "root@HOST.EXAMPLE.COM.", 0, "admin@example.com" },
	{ BASE, "root@host", 0, "admin@example.com" },
	{ BASE, "ROOT", 0, "admin@example.com" },
	{ BASE, "upper", 0, "admin@example.com" },
	{ BASE, "root@example.com", 0, "root@example.com" },
	{ BASE, "someone@gmail.com", 0, "someone@gmail.com" },
	{ BASE, "alice", 0, "alice@example.com" },
	{ BASE, "Alice@localhost", 0, "Alice@example.com" },
	{ BASE, "team", 0, "alice@example.com, bob@example.org, carol@example.com" },
	{ BASE, "nested", 0, "alice@example.com, bob@example.org, carol@example.com, admin@example.com" },
	{ BASE, "a", 0, "a@example.com" },
	{ BASE, "b@localhost", 0, "b@example.com" },
	{ BASE, "self", 0, "self@example.com, other@example.com" },
	{ BASE, "dup", 0, "alice@example.com" },
	{ BASE, "back", 0, "root@example.com" },
	{ BASE, "\"john doe\"@host", 0, "\"john doe\"@example.com" },
	{ BASE, "user@[127.0.0.1]", 0, "user@[127.0.0.1]" },
	{ BASE, "prog", EX_UNAVAILABLE,
	  "alias \"prog\" (test:8): delivery to the program \"|/usr/bin/procmail\" is not "
	  "supported by relayq; point the alias to an address" },
	{ BASE, "file@localhost", EX_UNAVAILABLE,
	  "alias \"file\" (test:9): delivery to the file \"/var/mail/archive\" is not "
	  "supported by relayq; point the alias to an address" },
	{ BASE, "viaprog", EX_UNAVAILABLE,
	  "alias \"prog\" (test:8): delivery to the program \"|/usr/bin/procmail\" is not "
	  "supported by relayq; point the alias to an address" },
	{ BASE, "incl", EX_CONFIG,
	  "alias \"incl\": test:13: include files are not read here: /broken" },
	{ BASE, "root\r\n", EX_DATAERR,
	  "address contains a control character (CR, LF or other); refused" },
	{ BASE, "root\nBcc: x@example.org", EX_DATAERR,
	  "address contains a control character (CR, LF or other); refused" },
	{ BASE, "ro\tot", EX_DATAERR,
	  "address contains a control character (CR, LF or other); refused" },
	{ BASE, "@example.com", EX_DATAERR,
	  "invalid address \"@example.com\": empty user or domain part" },
	{ BASE, "root@", EX_DATAERR, "invalid address \"root@\": empty user or domain part" },
	{ BASE, "", EX_DATAERR, "invalid address \"\": empty user or domain part" },
	{ CATCH, "nobody", 0, "catch@example.com" },
	{ CATCH, "nobody@host.example.com", 0, "catch@example.com" },
	{ CATCH, "root", 0, "admin@example.com" },
	{ CATCH, "back", 0, "root@example.com" },
	{ CATCH, "team", 0, "catch@example.com, bob@example.org" },
	{ CATCH, "a", 0, "a@example.com" },
	{ CATCH, "x@gmail.com", 0, "x@gmail.com" },
	{ NOALIAS, "root", 0, "root@example.com" },
	{ NOALIAS, "postmaster@localhost", 0, "postmaster@example.com" },
	{ NOALIAS, "prog", 0, "prog@example.com" },
	{ MASQ, "root", 0, "admin@example.com" },
	{ MASQ, "alice", 0, "alice@masq.example.net" },
	{ MASQ, "alice@host.example.com", 0, "alice@masq.example.net" },
	{ MASQ, "team", 0, "alice@masq.example.net, bob@example.org, carol@masq.example.net" },
	{ MASQ, "alice@example.com", 0, "alice@example.com" },
	{ NOTABLE, "root", 0, "root@example.com" },
	{ NOTABLE, "prog", 0, "prog@example.com" },
};
/* clang-format on */

START_TEST(test_recipient)
{
	struct rewrite_ctx c = ctx(rcpt_cases[_i].c);
	struct strv out = STRV_INIT;
	struct err e;
	int rc;

	err_clear(&e);
	rc = rewrite_recipient(&c, rcpt_cases[_i].in, &out, NULL, &e);
	if (rcpt_cases[_i].code == 0) {
		char *got = join(&out);
		ck_assert_msg(rc == 0, "unexpected error: %s", e.msg);
		ck_assert_str_eq(got, rcpt_cases[_i].expect);
		free(got);
	} else {
		ck_assert_int_eq(rc, -1);
		ck_assert_int_eq(e.code, rcpt_cases[_i].code);
		ck_assert_str_eq(e.msg, rcpt_cases[_i].expect);
	}
	strv_free(&out);
}
END_TEST

START_TEST(test_recipients_list)
{
	struct rewrite_ctx c = ctx(BASE);
	struct strv in = STRV_INIT, out = STRV_INIT;
	struct err e;
	char *got;

	strv_add(&in, "root");
	strv_add(&in, "postmaster@localhost");
	strv_add(&in, "x@gmail.com");
	strv_add(&in, "admin@example.com");
	strv_add(&in, "X@GMAIL.com");
	ck_assert_int_eq(rewrite_recipients(&c, &in, &out, NULL, &e), 0);
	got = join(&out);
	ck_assert_str_eq(got, "admin@example.com, x@gmail.com");
	free(got);
	strv_add(&in, "viaprog");
	ck_assert_int_eq(rewrite_recipients(&c, &in, &out, NULL, &e), -1);
	ck_assert_int_eq(e.code, EX_UNAVAILABLE);
	ck_assert_str_eq(e.msg,
	    "recipient viaprog: alias \"prog\" (test:8): delivery to the "
	    "program \"|/usr/bin/procmail\" is not supported by relayq; "
	    "point the alias to an address");
	strv_free(&in);
	strv_free(&out);
}
END_TEST

START_TEST(test_depth_limit)
{
	struct aliases chain = ALIASES_INIT;
	struct rewrite_ctx c = ctx(BASE);
	struct strv out = STRV_INIT;
	struct buf text = BUF_INIT;
	struct err e;
	int i;

	for (i = 0; i < 20; i++)
		buf_printf(&text, "c%d: c%d\n", i, i + 1);
	ck_assert_int_eq(aliases_parse(&chain, "chain", text.data, text.len,
	                     NULL, NULL, &e),
	    0);
	c.aliases = &chain;
	ck_assert_int_eq(rewrite_recipient(&c, "c5", &out, NULL, &e), 0);
	ck_assert_str_eq(out.v[0], "c20@example.com");
	ck_assert_int_eq(rewrite_recipient(&c, "c0", &out, NULL, &e), -1);
	ck_assert_int_eq(e.code, EX_CONFIG);
	ck_assert_str_eq(e.msg,
	    "alias \"c16\" (chain:17): aliases nested more than 16 deep; "
	    "check for a chain of aliases");
	strv_free(&out);
	buf_free(&text);
	aliases_free(&chain);
}
END_TEST

/* ---- sendmail -bt trace -------------------------------------------------- */

static const struct {
	enum ctxid c;
	const char *in;
	const char *trace;
} trace_cases[] = {
	{ BASE, "team",
	    "team: local, alias (test:3) -> alice, bob@example.org, carol@localhost\n"
	    "  alice: local, no alias -> alice@example.com\n"
	    "  bob@example.org: not local -> bob@example.org\n"
	    "  carol@localhost: local, no alias -> carol@example.com\n" },
	{ BASE, "a",
	    "a: local, alias (test:5) -> b\n"
	    "  b: local, alias (test:6) -> a\n"
	    "    a: local, alias loop -> a@example.com\n" },
	{ BASE, "dup",
	    "dup: local, alias (test:11) -> alice, alice@example.com, Alice\n"
	    "  alice: local, no alias -> alice@example.com\n"
	    "  alice@example.com: not local -> alice@example.com (duplicate, dropped)\n"
	    "  Alice: local, no alias -> Alice@example.com (duplicate, dropped)\n" },
	{ BASE, "back@localhost",
	    "back@localhost: local, alias (test:12) -> \\root\n"
	    "  \\root: no aliasing (\\) -> root@example.com\n" },
	{ BASE, "viaprog",
	    "viaprog: local, alias (test:10) -> postmaster, prog\n"
	    "  postmaster: local, alias (test:1) -> root\n"
	    "    root: local, alias (test:2) -> admin@example.com\n"
	    "      admin@example.com: not local -> admin@example.com\n"
	    "  prog: local, alias (test:8) -> |/usr/bin/procmail\n"
	    "    |/usr/bin/procmail: refused\n" },
	{ CATCH, "www-data",
	    "www-data: local, no alias, catch-all -> catch@example.com\n" },
	{ NOALIAS, "root",
	    "root: local, aliasing disabled (-n) -> root@example.com\n" },
	{ BASE, "x@gmail.com", "x@gmail.com: not local -> x@gmail.com\n" },
};

START_TEST(test_trace)
{
	struct rewrite_ctx c = ctx(trace_cases[_i].c);
	struct strv out = STRV_INIT;
	struct buf tr = BUF_INIT;
	struct err e;

	rewrite_recipient(&c, trace_cases[_i].in, &out, &tr, &e);
	ck_assert_str_eq(buf_cstr(&tr), trace_cases[_i].trace);
	strv_free(&out);
	buf_free(&tr);
}
END_TEST

/* ---- sendmail -bv -------------------------------------------------------- */

static const struct {
	enum ctxid c;
	const char *in;
	int code;
	const char *text;
} verify_cases[] = {
	{ BASE, "postmaster", 0,
	    "postmaster... deliverable: mailer smtp, user admin@example.com\n" },
	{ BASE, "team", 0,
	    "team... deliverable: mailer smtp, user alice@example.com\n"
	    "team... deliverable: mailer smtp, user bob@example.org\n"
	    "team... deliverable: mailer smtp, user carol@example.com\n" },
	{ BASE, "x@gmail.com", 0,
	    "x@gmail.com... deliverable: mailer smtp, user x@gmail.com\n" },
	{ CATCH, "nobody", 0,
	    "nobody... deliverable: mailer smtp, user catch@example.com\n" },
	{ BASE, "prog", EX_UNAVAILABLE,
	    "prog... undeliverable: alias \"prog\" (test:8): delivery to the program "
	    "\"|/usr/bin/procmail\" is not supported by relayq; point the alias to an address\n" },
	{ BASE, "a\nb", EX_DATAERR,
	    "a?b... undeliverable: address contains a control character (CR, LF or other); refused\n" },
};

START_TEST(test_verify)
{
	struct rewrite_ctx c = ctx(verify_cases[_i].c);
	struct buf out = BUF_INIT;

	ck_assert_int_eq(rewrite_verify(&c, verify_cases[_i].in, &out),
	    verify_cases[_i].code);
	ck_assert_str_eq(buf_cstr(&out), verify_cases[_i].text);
	buf_free(&out);
}
END_TEST

/* ---- headers and senders ------------------------------------------------- */

static const struct {
	int sender; /* 0: rewrite_header_recipient, 1: rewrite_sender */
	enum ctxid c;
	const char *in;
	const char *expect; /* NULL: refused with EX_DATAERR */
	                    /* clang-format off */
} hdr_cases[] = {
	{ 0, BASE, "root", "admin@example.com" },
	{ 0, BASE, "root@localhost", "admin@example.com" },
	{ 0, BASE, "team", "team@example.com" },
	{ 0, BASE, "alice", "alice@example.com" },
	{ 0, BASE, "prog", "prog@example.com" },
	{ 0, BASE, "back", "root@example.com" },
	{ 0, BASE, "x@gmail.com", "x@gmail.com" },
	{ 0, CATCH, "nobody", "catch@example.com" },
	{ 0, MASQ, "alice@localhost", "alice@masq.example.net" },
	{ 0, MASQ, "team@host", "team@masq.example.net" },
	{ 0, BASE, "root\r", NULL },
	{ 1, BASE, "root", "root@example.com" },
	{ 1, BASE, "postmaster", "postmaster@example.com" },
	{ 1, BASE, "root@localhost", "root@example.com" },
	{ 1, BASE, "Root@Host.Example.Com", "Root@example.com" },
	{ 1, BASE, "x@gmail.com", "x@gmail.com" },
	{ 1, BASE, "", "" },
	{ 1, CATCH, "www-data", "www-data@example.com" },
	{ 1, MASQ, "root", "root@masq.example.net" },
	{ 1, MASQ, "root@host.example.com", "root@masq.example.net" },
	{ 1, SENDER, "root", "noreply@example.com" },
	{ 1, SENDER, "www-data@localhost", "noreply@example.com" },
	{ 1, SENDER, "x@gmail.com", "x@gmail.com" },
	{ 1, SENDER, "", "" },
	{ 1, SENDER_UNQ, "root", "noreply@example.com" },
	{ 1, BASE, "root\nBcc: x", NULL },
	{ 1, BASE, "@host", NULL },
};
/* clang-format on */

START_TEST(test_header)
{
	struct rewrite_ctx c = ctx(hdr_cases[_i].c);
	struct err e;
	char *got;

	err_clear(&e);
	got = hdr_cases[_i].sender ?
	    rewrite_sender(&c, hdr_cases[_i].in, &e) :
	    rewrite_header_recipient(&c, hdr_cases[_i].in, &e);
	if (hdr_cases[_i].expect == NULL) {
		ck_assert_ptr_null(got);
		ck_assert_int_eq(e.code, EX_DATAERR);
	} else {
		ck_assert_ptr_nonnull(got);
		ck_assert_str_eq(got, hdr_cases[_i].expect);
		ck_assert_int_eq(e.code, 0);
	}
	free(got);
}
END_TEST

/* ---- locality ------------------------------------------------------------ */

static const struct {
	const char *in;
	int local;
	/* clang-format off */
} local_cases[] = {
	{ "root", 1 }, { "root@localhost", 1 }, { "root@LocalHost.LocalDomain", 1 },
	{ "root@host", 1 }, { "root@host.example.com", 1 }, { "root@host.example.com.", 1 },
	{ "root@example.com", 0 }, { "root@hostx", 0 }, { "root@host.example.co", 0 },
	{ "\"a@host\"", 1 }, { "\"a@b\"@example.org", 0 }, { "root@[127.0.0.1]", 0 },
};
/* clang-format on */

START_TEST(test_is_local)
{
	struct rewrite_ctx c = ctx(BASE);

	ck_assert_int_eq(rewrite_is_local(&c, local_cases[_i].in),
	    local_cases[_i].local);
}
END_TEST

START_TEST(test_check_text)
{
	struct err e;

	ck_assert_int_eq(rewrite_check_text("Cron Daemon <root>", "From", &e),
	    0);
	ck_assert_int_eq(rewrite_check_text("x\x7f", "From", &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_str_eq(e.msg,
	    "From contains a control character (CR, LF or other); refused");
}
END_TEST

static Suite *
rewrite_suite(void)
{
	Suite *s = suite_create("rewrite");
	TCase *tc = tcase_create("rewrite");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_recipient, 0, TEST_NELEM(rcpt_cases));
	tcase_add_test(tc, test_recipients_list);
	tcase_add_test(tc, test_depth_limit);
	tcase_add_loop_test(tc, test_trace, 0, TEST_NELEM(trace_cases));
	tcase_add_loop_test(tc, test_verify, 0, TEST_NELEM(verify_cases));
	tcase_add_loop_test(tc, test_header, 0, TEST_NELEM(hdr_cases));
	tcase_add_loop_test(tc, test_is_local, 0, TEST_NELEM(local_cases));
	tcase_add_test(tc, test_check_text);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(rewrite_suite());
}
