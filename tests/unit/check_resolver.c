/* check_resolver.c — the fake resolver's answers and error classes, the
 * describe helper, address formatting, and the system resolver on names
 * that need no DNS (numeric hosts, "localhost", the reserved .invalid). */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "fake_resolver.h"
#include "lib/check_main.h"
#include "transport/resolver.h"

START_TEST(test_fake_mx)
{
	struct resolver r;
	struct fake_resolver *f = fake_resolver_new(&r);
	struct resolver_mx_list ml = { NULL, 0 };
	struct err e;

	fake_resolver_mx(f, "Example.COM", 20, "b.example.com.");
	fake_resolver_mx(f, "example.com", 10, "a.example.com");
	ck_assert_int_eq(resolver_mx(&r, "example.com", &ml, &e), 2);
	ck_assert_uint_eq(ml.v[0].pref, 20);
	ck_assert_str_eq(ml.v[0].host, "b.example.com"); /* dot stripped */
	ck_assert_uint_eq(ml.v[1].pref, 10);
	ck_assert_str_eq(ml.v[1].host, "a.example.com");
	resolver_mx_list_free(&ml);
	ck_assert_uint_eq(ml.n, 0);
	ck_assert_uint_eq(fake_resolver_count(f, FAKE_RESOLVER_MX), 1);
	fake_resolver_free(f);
}
END_TEST

static const struct ecase {
	enum fake_resolver_query q;
	int code;
	int rc;
	const char *msg;
	/* clang-format off */
} ecases[] = {
	{ FAKE_RESOLVER_MX, EX_NOHOST, -1, "no such host: h.example" },
	{ FAKE_RESOLVER_MX, EX_TEMPFAIL, -1, "cannot look up h.example: the DNS server failed" },
	{ FAKE_RESOLVER_ADDR, EX_NOHOST, -1, "no such host: h.example" },
	{ FAKE_RESOLVER_ADDR, EX_TEMPFAIL, -1, "will retry" },
};
/* clang-format on */

START_TEST(test_fake_errors)
{
	const struct ecase *c = &ecases[_i];
	struct resolver r;
	struct fake_resolver *f = fake_resolver_new(&r);
	struct resolver_mx_list ml = { NULL, 0 };
	struct resolver_addr_list al = { NULL, 0 };
	struct err e;
	int rc;

	fake_resolver_addr(f, "h.example", "192.0.2.5");
	fake_resolver_fail(f, "h.example", c->q, c->code);
	err_clear(&e);
	if (c->q == FAKE_RESOLVER_MX) {
		rc = resolver_mx(&r, "h.example", &ml, &e);
		/* the other query still answers */
		ck_assert_int_eq(resolver_addrs(&r, "h.example", 25, AF_UNSPEC,
		                     &al, NULL),
		    1);
	} else {
		rc = resolver_addrs(&r, "h.example", 25, AF_UNSPEC, &al, &e);
		ck_assert_int_eq(resolver_mx(&r, "h.example", &ml, NULL), 0);
	}
	ck_assert_int_eq(rc, c->rc);
	ck_assert_int_eq(e.code, c->code);
	ck_assert_msg(strstr(e.msg, c->msg) != NULL, "'%s' lacks '%s'", e.msg,
	    c->msg);
	resolver_mx_list_free(&ml);
	resolver_addr_list_free(&al);
	fake_resolver_free(f);
}
END_TEST

START_TEST(test_fake_no_mx_and_unknown)
{
	struct resolver r;
	struct fake_resolver *f = fake_resolver_new(&r);
	struct resolver_mx_list ml = { NULL, 0 };
	struct err e;

	fake_resolver_addr(f, "only-a.example", "192.0.2.9");
	ck_assert_int_eq(resolver_mx(&r, "only-a.example", &ml, &e), 0);
	ck_assert_uint_eq(ml.n, 0);
	ck_assert_int_eq(resolver_mx(&r, "unknown.example", &ml, &e), -1);
	ck_assert_int_eq(e.code, EX_NOHOST);
	ck_assert_str_eq(e.msg, "no such host: unknown.example");
	fake_resolver_mx(f, "null.example", 0, ".");
	ck_assert_int_eq(resolver_mx(&r, "null.example", &ml, &e), -1);
	ck_assert_int_eq(e.code, EX_NOHOST);
	ck_assert_str_eq(e.msg,
	    "null.example does not accept mail (null MX record)");
	ck_assert_uint_eq(ml.n, 0);
	fake_resolver_free(f);
}
END_TEST

START_TEST(test_fake_addrs_family_and_port)
{
	struct resolver r;
	struct fake_resolver *f = fake_resolver_new(&r);
	struct resolver_addr_list al = { NULL, 0 };
	char a[INET6_ADDRSTRLEN];
	struct err e;

	fake_resolver_addr(f, "h.example", "192.0.2.1");
	fake_resolver_addr(f, "h.example", "2001:db8::1");
	ck_assert_int_eq(resolver_addrs(&r, "h.example", 587, AF_UNSPEC, &al,
	                     &e),
	    2);
	ck_assert_str_eq(resolver_ntop((struct sockaddr *)&al.v[0].ss, a,
	                     sizeof(a)),
	    "192.0.2.1");
	ck_assert_uint_eq(resolver_port((struct sockaddr *)&al.v[0].ss), 587);
	ck_assert_str_eq(resolver_ntop((struct sockaddr *)&al.v[1].ss, a,
	                     sizeof(a)),
	    "2001:db8::1");
	ck_assert_uint_eq(resolver_port((struct sockaddr *)&al.v[1].ss), 587);
	ck_assert_uint_eq(al.v[1].len, sizeof(struct sockaddr_in6));
	resolver_addr_list_free(&al);
	ck_assert_int_eq(resolver_addrs(&r, "h.example", 25, AF_INET6, &al, &e),
	    1);
	ck_assert_int_eq(al.v[0].ss.ss_family, AF_INET6);
	resolver_addr_list_free(&al);
	ck_assert_int_eq(resolver_addrs(&r, "h.example", 25, AF_INET, &al, &e),
	    1);
	ck_assert_int_eq(al.v[0].ss.ss_family, AF_INET);
	resolver_addr_list_free(&al);
	fake_resolver_free(f);
}
END_TEST

START_TEST(test_describe)
{
	struct resolver r;
	struct fake_resolver *f = fake_resolver_new(&r);
	struct buf out = BUF_INIT;
	struct err e;

	fake_resolver_mx(f, "example.test", 10, "mx1.example.test");
	fake_resolver_mx(f, "example.test", 20, "mx2.example.test");
	fake_resolver_addr(f, "mx1.example.test", "127.0.0.1");
	ck_assert_int_eq(resolver_describe(&r, "example.test", &out, &e), 0);
	ck_assert_str_eq(buf_cstr(&out),
	    "mx 10 mx1.example.test\n"
	    "mx 20 mx2.example.test\naddr mx1.example.test 127.0.0.1\n");
	buf_reset(&out);
	fake_resolver_addr(f, "plain.test", "::1");
	ck_assert_int_eq(resolver_describe(&r, "plain.test", &out, &e), 0);
	ck_assert_str_eq(buf_cstr(&out), "addr plain.test ::1\n");
	buf_reset(&out);
	fake_resolver_mx(f, "dead.test", 10, "gone.test");
	ck_assert_int_eq(resolver_describe(&r, "dead.test", &out, &e), -1);
	ck_assert_int_eq(e.code, EX_NOHOST);
	ck_assert_str_eq(e.msg, "no such host: gone.test");
	buf_free(&out);
	fake_resolver_free(f);
}
END_TEST

START_TEST(test_system_numeric_and_invalid)
{
	struct resolver r;
	struct resolver_addr_list al = { NULL, 0 };
	char a[INET6_ADDRSTRLEN];
	struct err e;

	resolver_system(&r);
	ck_assert_int_eq(resolver_addrs(&r, "127.0.0.1", 2525, AF_UNSPEC, &al,
	                     &e),
	    1);
	ck_assert_str_eq(resolver_ntop((struct sockaddr *)&al.v[0].ss, a,
	                     sizeof(a)),
	    "127.0.0.1");
	ck_assert_uint_eq(resolver_port((struct sockaddr *)&al.v[0].ss), 2525);
	resolver_addr_list_free(&al);
	ck_assert_int_eq(resolver_addrs(&r, "::1", 25, AF_INET6, &al, &e), 1);
	ck_assert_str_eq(resolver_ntop((struct sockaddr *)&al.v[0].ss, a,
	                     sizeof(a)),
	    "::1");
	resolver_addr_list_free(&al);
	/* An IPv4 literal asked for as IPv6 only: no address of that family. */
	ck_assert_int_eq(resolver_addrs(&r, "127.0.0.1", 25, AF_INET6, &al, &e),
	    -1);
	ck_assert_int_eq(e.code, EX_NOHOST);
	ck_assert_uint_eq(al.n, 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("resolver");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_fake_mx);
	tcase_add_loop_test(tc, test_fake_errors, 0, TEST_NELEM(ecases));
	tcase_add_test(tc, test_fake_no_mx_and_unknown);
	tcase_add_test(tc, test_fake_addrs_family_and_port);
	tcase_add_test(tc, test_describe);
	tcase_add_test(tc, test_system_numeric_and_invalid);
	suite_add_tcase(s, tc);
	return check_main(s);
}
