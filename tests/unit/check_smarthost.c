/* check_smarthost.c — SMART_HOST forms, MX ordering and fallback, failover
 * order, TLS mode choice; all against the in-memory resolver. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "fake_resolver.h"
#include "lib/check_main.h"
#include "lib/log.h"
#include "transport/resolver.h"
#include "transport/smarthost.h"

#define S SMARTHOST_TLS_STARTTLS
#define I SMARTHOST_TLS_IMPLICIT
#define N SMARTHOST_TLS_NONE
#define A SMARTHOST_TLS_AUTO

static const struct pcase {
	const char *in;
	enum smarthost_tls cfg;
	int rc;           /* number of smarthosts, or -1 */
	const char *host; /* first smarthost; or the error fragment */
	unsigned port;
	int bracketed, literal;
	enum smarthost_tls tls;
	/* clang-format off */
} pcases[] = {
	{ "smtp:[smtp.example.com]:587", A, 1, "smtp.example.com", 587, 1, 0, S },
	{ "[smtp.example.com]:587", A, 1, "smtp.example.com", 587, 1, 0, S },
	{ "smtp.example.com", A, 1, "smtp.example.com", 587, 0, 0, S },
	{ "smtp.example.com:2525", A, 1, "smtp.example.com", 2525, 0, 0, S },
	{ "esmtp:smtp.example.com", A, 1, "smtp.example.com", 587, 0, 0, S },
	{ "relay:[mail.example.net]", A, 1, "mail.example.net", 587, 1, 0, S },
	{ "SMTP8:[mail.example.net]:25", A, 1, "mail.example.net", 25, 1, 0, S },
	{ "[IPv6:2001:db8::1]:587", A, 1, "2001:db8::1", 587, 1, 1, S },
	{ "[ipv6:::1]", A, 1, "::1", 587, 1, 1, S },
	{ "[2001:db8::2]:25", A, 1, "2001:db8::2", 25, 1, 1, S },
	{ "[192.0.2.1]", A, 1, "192.0.2.1", 587, 1, 1, S },
	{ "192.0.2.1:2525", A, 1, "192.0.2.1", 2525, 1, 1, S },
	{ "[smtp.example.com]:465", A, 1, "smtp.example.com", 465, 1, 0, I },
	{ "smtp.example.com:465", S, 1, "smtp.example.com", 465, 0, 0, S },
	{ "[smtp.example.com]", I, 1, "smtp.example.com", 587, 1, 0, I },
	{ "[smtp.example.com]:25", N, 1, "smtp.example.com", 25, 1, 0, N },
	{ "smtp.example.com.", A, 1, "smtp.example.com", 587, 0, 0, S },
	{ "  mail_relay.example.org  ", A, 1, "mail_relay.example.org", 587, 0, 0, S },
	{ "smtp:587", A, 1, "smtp", 587, 0, 0, S },
	{ "a.example, [b.example]:465", A, 2, "a.example", 587, 0, 0, S },
	{ "a.example b.example\tc.example", A, 3, "a.example", 587, 0, 0, S },
	{ "a.example,,b.example,", A, 2, "a.example", 587, 0, 0, S },
	{ "smtp.example.com:0", A, -1, "port '0' is not a number from 1 to 65535", 0, 0, 0, S },
	{ "smtp.example.com:65536", A, -1, "port '65536' is not a number", 0, 0, 0, S },
	{ "smtp.example.com:25x", A, -1, "smarthost 'smtp.example.com:25x': port '25x' is not a number from 1 to 65535", 0, 0, 0, S },
	{ "[smtp.example.com]:", A, -1, "port '' is not a number", 0, 0, 0, S },
	{ "[smtp.example.com", A, -1, "missing ']'", 0, 0, 0, S },
	{ "[smtp.example.com]x", A, -1, "unexpected 'x' after ']'", 0, 0, 0, S },
	{ "2001:db8::1", A, -1, "must be written in brackets, as [IPv6:2001:db8::1]", 0, 0, 0, S },
	{ "[IPv6:2001:db8::zz]", A, -1, "'2001:db8::zz' is not an IPv6 address", 0, 0, 0, S },
	{ "uucp:mail.example.com", A, -1, "unknown mailer 'uucp'", 0, 0, 0, S },
	{ "smtp:", A, -1, "no host name", 0, 0, 0, S },
	{ "", A, -1, "no smarthost given", 0, 0, 0, S },
	{ " , ", A, -1, "no smarthost given", 0, 0, 0, S },
	{ "-bad.example", A, -1, "'-bad.example' is not a valid host name", 0, 0, 0, S },
	{ "bad-.example", A, -1, "'bad-.example' is not a valid host name", 0, 0, 0, S },
	{ "a..example", A, -1, "'a..example' is not a valid host name", 0, 0, 0, S },
	{ "[bad!host]", A, -1, "'bad!host' is not a valid host name", 0, 0, 0, S },
	{ "ok.example, [x", A, -1, "smarthost '[x': missing ']'", 0, 0, 0, S },
	{ "smtp:[smtp.example.com]:587:1", A, -1, "port '587:1' is not a number", 0, 0, 0, S },
};
/* clang-format on */

START_TEST(test_parse)
{
	const struct pcase *c = &pcases[_i];
	struct smarthost_list l = { NULL, 0 };
	struct err e;

	err_clear(&e);
	ck_assert_int_eq(smarthost_parse(c->in, c->cfg, &l, &e), c->rc);
	if (c->rc < 0) {
		ck_assert_int_eq(e.code, EX_CONFIG);
		ck_assert_msg(strstr(e.msg, c->host) != NULL,
		    "'%s': message '%s' "
		    "lacks '%s'",
		    c->in, e.msg, c->host);
		ck_assert_uint_eq(l.n, 0);
		return;
	}
	ck_assert_uint_eq(l.n, (size_t)c->rc);
	ck_assert_str_eq(l.v[0].host, c->host);
	ck_assert_uint_eq(l.v[0].port, c->port);
	ck_assert_int_eq(l.v[0].bracketed, c->bracketed);
	ck_assert_int_eq(l.v[0].literal, c->literal);
	ck_assert_int_eq(l.v[0].tls, c->tls);
	smarthost_list_free(&l);
}
END_TEST

START_TEST(test_parse_list_details)
{
	struct smarthost_list l = { NULL, 0 };
	struct err e;

	ck_assert_int_eq(
	    smarthost_parse("a.example, [b.example]:465 smtp:[IPv6:::1]:25",
	        SMARTHOST_TLS_AUTO, &l, &e),
	    3);
	ck_assert_str_eq(l.v[1].spec, "[b.example]:465");
	ck_assert_int_eq(l.v[1].tls, SMARTHOST_TLS_IMPLICIT);
	ck_assert_int_eq(l.v[1].bracketed, 1);
	ck_assert_str_eq(l.v[2].host, "::1");
	ck_assert_uint_eq(l.v[2].port, 25);
	ck_assert_int_eq(l.v[2].tls, SMARTHOST_TLS_STARTTLS);
	smarthost_list_free(&l);
}
END_TEST

START_TEST(test_tls_names)
{
	enum smarthost_tls t;

	ck_assert_int_eq(smarthost_tls_parse("STARTTLS", &t), 0);
	ck_assert_int_eq(t, SMARTHOST_TLS_STARTTLS);
	ck_assert_int_eq(smarthost_tls_parse("implicit", &t), 0);
	ck_assert_int_eq(t, SMARTHOST_TLS_IMPLICIT);
	ck_assert_int_eq(smarthost_tls_parse("none", &t), 0);
	ck_assert_int_eq(t, SMARTHOST_TLS_NONE);
	ck_assert_int_eq(smarthost_tls_parse("ssl", &t), -1);
	ck_assert_str_eq(smarthost_tls_name(SMARTHOST_TLS_IMPLICIT),
	    "implicit");
}
END_TEST

static char *
fmt(struct fake_resolver *f, const struct resolver *r, const char *text,
    int family, int want_rc, struct err *e)
{
	struct smarthost_list l = { NULL, 0 };
	struct smarthost_endpoints eps = { NULL, 0 };
	struct buf out = BUF_INIT;

	(void)f;
	ck_assert_int_gt(smarthost_parse(text, SMARTHOST_TLS_AUTO, &l, e), 0);
	ck_assert_int_eq(smarthost_resolve(&l, r, family, &eps, e), want_rc);
	smarthost_endpoints_format(&l, &eps, &out);
	smarthost_endpoints_free(&eps);
	smarthost_list_free(&l);
	if (out.data == NULL)
		return calloc(1, 1);
	return buf_steal(&out);
}

static struct fake_resolver *
world(struct resolver *r)
{
	struct fake_resolver *f = fake_resolver_new(r);

	/* example.com: three MX, answer order deliberately unsorted. */
	fake_resolver_mx(f, "example.com", 20, "mx2a.example.com");
	fake_resolver_mx(f, "example.com", 10, "mx1.example.com");
	fake_resolver_mx(f, "example.com", 20, "mx2b.example.com.");
	fake_resolver_addr(f, "mx1.example.com", "192.0.2.10");
	fake_resolver_addr(f, "mx1.example.com", "2001:db8::10");
	fake_resolver_addr(f, "mx2a.example.com", "192.0.2.21");
	fake_resolver_addr(f, "mx2b.example.com", "192.0.2.22");
	/* smtp.example.net: no MX, only an address. */
	fake_resolver_addr(f, "smtp.example.net", "198.51.100.7");
	/* broken.example: MX whose host does not resolve, then one that does.
	 */
	fake_resolver_mx(f, "broken.example", 5, "gone.broken.example");
	fake_resolver_mx(f, "broken.example", 6, "ok.broken.example");
	fake_resolver_addr(f, "ok.broken.example", "203.0.113.6");
	fake_resolver_fail(f, "flaky.example", FAKE_RESOLVER_MX, EX_TEMPFAIL);
	fake_resolver_mx(f, "nullmx.example", 0, ".");
	return f;
}

START_TEST(test_mx_order)
{
	struct resolver r;
	struct fake_resolver *f = world(&r);
	struct err e;
	char *s = fmt(f, &r, "example.com", AF_UNSPEC, 4, &e);

	ck_assert_str_eq(s,
	    "mx1.example.com[192.0.2.10]:587 tls=starttls from=example.com mx=10\n"
	    "mx1.example.com[2001:db8::10]:587 tls=starttls from=example.com mx=10\n"
	    "mx2a.example.com[192.0.2.21]:587 tls=starttls from=example.com mx=20\n"
	    "mx2b.example.com[192.0.2.22]:587 tls=starttls from=example.com mx=20\n");
	free(s);
	s = fmt(f, &r, "example.com:465", AF_INET, 3, &e);
	ck_assert_str_eq(s,
	    "mx1.example.com[192.0.2.10]:465 tls=implicit from=example.com:465 mx=10\n"
	    "mx2a.example.com[192.0.2.21]:465 tls=implicit from=example.com:465 mx=20\n"
	    "mx2b.example.com[192.0.2.22]:465 tls=implicit from=example.com:465 mx=20\n");
	free(s);
	fake_resolver_free(f);
}
END_TEST

START_TEST(test_bracketed_no_mx)
{
	struct resolver r;
	struct fake_resolver *f = world(&r);
	struct err e;
	char *s;

	fake_resolver_addr(f, "example.com", "192.0.2.1");
	s = fmt(f, &r, "[example.com]", AF_UNSPEC, 1, &e);
	ck_assert_str_eq(s,
	    "example.com[192.0.2.1]:587 tls=starttls from=[example.com]\n");
	ck_assert_uint_eq(fake_resolver_count(f, FAKE_RESOLVER_MX), 0);
	free(s);
	fake_resolver_free(f);
}
END_TEST

START_TEST(test_fallback_to_address)
{
	struct resolver r;
	struct fake_resolver *f = world(&r);
	struct err e;
	char *s = fmt(f, &r, "smtp:smtp.example.net:2525", AF_UNSPEC, 1, &e);

	ck_assert_str_eq(s,
	    "smtp.example.net[198.51.100.7]:2525 tls=starttls "
	    "from=smtp:smtp.example.net:2525\n");
	ck_assert_uint_eq(fake_resolver_count(f, FAKE_RESOLVER_MX), 1);
	free(s);
	fake_resolver_free(f);
}
END_TEST

START_TEST(test_mx_host_unresolvable_skipped)
{
	struct resolver r;
	struct fake_resolver *f = world(&r);
	struct err e;
	char *s = fmt(f, &r, "broken.example", AF_UNSPEC, 1, &e);

	ck_assert_str_eq(s,
	    "ok.broken.example[203.0.113.6]:587 tls=starttls "
	    "from=broken.example mx=6\n");
	free(s);
	fake_resolver_free(f);
}
END_TEST

START_TEST(test_literals_no_lookup)
{
	struct resolver r;
	struct fake_resolver *f = fake_resolver_new(&r);
	struct smarthost_list l = { NULL, 0 };
	struct smarthost_endpoints eps = { NULL, 0 };
	struct err e;

	/* Literals are converted directly: the (empty) fake is never asked. */
	ck_assert_int_eq(smarthost_parse("[192.0.2.1]:25 [IPv6:2001:db8::1]",
	                     SMARTHOST_TLS_AUTO, &l, &e),
	    2);
	ck_assert_int_eq(smarthost_resolve(&l, &r, AF_UNSPEC, &eps, &e), 2);
	ck_assert_str_eq(eps.v[0].addrstr, "192.0.2.1");
	ck_assert_int_eq(eps.v[0].literal, 1);
	ck_assert_uint_eq(eps.v[0].origin, 0);
	ck_assert_str_eq(eps.v[1].host, "2001:db8::1");
	ck_assert_uint_eq(eps.v[1].origin, 1);
	ck_assert_uint_eq(eps.v[1].port, 587);
	ck_assert_uint_eq(fake_resolver_count(f, FAKE_RESOLVER_MX), 0);
	ck_assert_uint_eq(fake_resolver_count(f, FAKE_RESOLVER_ADDR), 0);
	smarthost_endpoints_free(&eps);
	smarthost_list_free(&l);
	fake_resolver_free(f);
}
END_TEST

START_TEST(test_failover_order)
{
	struct resolver r;
	struct fake_resolver *f = world(&r);
	struct err e;
	char *s;

	fake_resolver_addr(f, "backup.example", "203.0.113.99");
	s = fmt(f, &r, "[backup.example]:465, nosuch.example smtp.example.net",
	    AF_UNSPEC, 2, &e);
	ck_assert_str_eq(s,
	    "backup.example[203.0.113.99]:465 tls=implicit from=[backup.example]:465\n"
	    "smtp.example.net[198.51.100.7]:587 tls=starttls from=smtp.example.net\n");
	free(s);
	fake_resolver_free(f);
}
END_TEST

static const struct fcase {
	const char *in;
	int code;
	const char *msg;
	/* clang-format off */
} fcases[] = {
	{ "nosuch.example", EX_NOHOST, "no such host: nosuch.example" },
	{ "[nosuch.example]", EX_NOHOST, "no such host: nosuch.example" },
	{ "flaky.example", EX_TEMPFAIL, "cannot look up flaky.example" },
	{ "nosuch.example flaky.example", EX_TEMPFAIL, "no such host: nosuch.example" },
	{ "nullmx.example", EX_NOHOST, "nullmx.example does not accept mail (null MX record)" },
	{ "[mx1.example.com]", EX_NOHOST, "no such host" },
};
/* clang-format on */

START_TEST(test_resolve_fail)
{
	const struct fcase *c = &fcases[_i];
	struct resolver r;
	struct fake_resolver *f = world(&r);
	struct err e;
	char *s;

	if (_i == 5) /* an MX host resolves only as IPv6: ask for IPv4 */
		fake_resolver_free(f),
		    f = fake_resolver_new(&r),
		    fake_resolver_addr(f, "mx1.example.com", "2001:db8::10");
	s = fmt(f, &r, c->in, AF_INET, -1, &e);
	ck_assert_str_eq(s, "");
	ck_assert_int_eq(e.code, c->code);
	ck_assert_msg(strstr(e.msg, c->msg) != NULL, "'%s' lacks '%s'", e.msg,
	    c->msg);
	free(s);
	fake_resolver_free(f);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("smarthost");
	TCase *tc = tcase_create("parse");
	TCase *tr = tcase_create("resolve");

	log_set_syslog(0); /* skipped smarthosts are logged */
	tcase_add_loop_test(tc, test_parse, 0, TEST_NELEM(pcases));
	tcase_add_test(tc, test_parse_list_details);
	tcase_add_test(tc, test_tls_names);
	suite_add_tcase(s, tc);
	tcase_add_test(tr, test_mx_order);
	tcase_add_test(tr, test_bracketed_no_mx);
	tcase_add_test(tr, test_fallback_to_address);
	tcase_add_test(tr, test_mx_host_unresolvable_skipped);
	tcase_add_test(tr, test_literals_no_lookup);
	tcase_add_test(tr, test_failover_order);
	tcase_add_loop_test(tr, test_resolve_fail, 0, TEST_NELEM(fcases));
	suite_add_tcase(s, tr);
	return check_main(s);
}
