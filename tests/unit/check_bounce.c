/* check_bounce.c — RFC 3464 notices byte for byte against golden files. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flush/bounce.h"
#include "lib/buf.h"
#include "lib/check_main.h"
#include "lib/slurp.h"
#include "lib/xalloc.h"

/* The golden file tests/data/bounce/name. */
static char *
slurp(const char *name)
{
	char *dir = xasprintf("%s/tests/data/bounce",
	    getenv("top_srcdir") ? getenv("top_srcdir") : ".");
	char *s = test_slurp_at(dir, name);

	free(dir);
	return s;
}

static const struct bounce_rcpt rcpts[] = {
	{ "nobody@example.test", "rfc822;nobody@example.test", "5.1.1",
	    "550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown",
	    "smtp.example.test", "RCPT TO", 1795000000 },
	{ "later@example.test", NULL, "4.4.1", NULL, NULL, NULL, 0 },
};

static const char original[] =
    "From: alice@example.test\nTo: nobody@example.test\n"
    "Subject: hi\n\nbody line\n";

static char *
compose_sized(enum bounce_action action, int headers_only,
    unsigned long long too_big, unsigned long long limit, int guessed)
{
	struct bounce_info b = {
		action,
		"host.example.test",
		"example.test",
		"alice@example.test",
		"1A2B3C4D5E",
		"env-1",
		1794990000,
		1795000100,
		1795400000,
		headers_only,
		too_big,
		limit,
		guessed,
		0,
		"1A2B3C4D5E",
		rcpts,
		action == BOUNCE_FAILED ? 2 : 1,
		NULL,
	};
	struct buf out = BUF_INIT;

	bounce_begin(&b, &out);
	if (headers_only)
		buf_add(&out, original,
		    strstr(original, "\n\n") + 1 - original);
	else
		buf_adds(&out, original);
	bounce_finish(&b, 1, &out);
	return buf_steal(&out);
}

static char *
compose(enum bounce_action action, int headers_only)
{
	return compose_sized(action, headers_only, 0, 0, 0);
}

START_TEST(test_failed_full)
{
	char *got = compose(BOUNCE_FAILED, 0), *want = slurp("failed-full.eml");

	ck_assert_str_eq(got, want);
	free(got);
	free(want);
}
END_TEST

START_TEST(test_delayed_headers)
{
	char *got = compose(BOUNCE_DELAYED, 1),
	     *want = slurp("delayed-hdrs.eml");

	ck_assert_str_eq(got, want);
	free(got);
	free(want);
}
END_TEST

/* An original too large to return: its headers, and the text says why. */
START_TEST(test_failed_too_big)
{
	char *got = compose_sized(BOUNCE_FAILED, 1, 63752314, 52428800, 0);
	char *want = slurp("failed-toobig.eml");

	ck_assert_str_eq(got, want);
	free(got);
	free(want);
	/* Refused for its size by a server that announced no SIZE. */
	got = compose_sized(BOUNCE_FAILED, 1, 63752314, 0, 0);
	ck_assert_ptr_nonnull(strstr(got,
	    "Your message (63752314 bytes) is too large "
	    "to be returned in full\n(the mail server refused it for its size)"));
	ck_assert_ptr_nonnull(
	    strstr(got, "Content-Type: text/rfc822-headers\n"));
	ck_assert_ptr_null(strstr(got, "body line"));
	free(got);
	/* No SIZE known (no session in the run): relayq's assumption. */
	got = compose_sized(BOUNCE_FAILED, 1, 63752314, BOUNCE_RETURN_MAX, 1);
	ck_assert_ptr_nonnull(strstr(got,
	    "(mail servers often refuse more than "
	    "10240000 bytes): only its headers are\nattached below."));
	free(got);
}
END_TEST

/* A diagnostic in UTF-8 (our translated text, or a server's): whole in the
 * readable part (charset=utf-8, 8bit), ASCII in Diagnostic-Code (RFC 3464:
 * message/delivery-status is US-ASCII); controls and bidi controls become
 * '?' in both. */
START_TEST(test_utf8_diagnostic)
{
	static const struct bounce_rcpt r[] = {
		{ "bob@example.test", NULL, "4.4.7",
		    "keine Verbindung: Zeit\xc3\xbc"
		    "berschreitung\xe2\x80\xae\x1b[2J",
		    NULL, NULL, 0 },
	};
	struct bounce_info b;
	struct buf out = BUF_INIT;
	const char *s, *status;

	memset(&b, 0, sizeof(b));
	b.action = BOUNCE_FAILED;
	b.reporting_mta = "host.example.test";
	b.domain = "example.test";
	b.to = "alice@example.test";
	b.queue_id = b.unique = "1A2B3C4D5E";
	b.rcpts = r;
	b.nrcpts = 1;
	bounce_begin(&b, &out);
	s = buf_cstr(&out);
	status = strstr(s, "Content-Type: message/delivery-status");
	ck_assert_ptr_nonnull(status);
	ck_assert_ptr_nonnull(strstr(s,
	    "<bob@example.test>: keine Verbindung: Zeit\xc3\xbc"
	    "berschreitung??[2J\n"));
	ck_assert_ptr_nonnull(strstr(s,
	    "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: 8bit\n"));
	ck_assert_ptr_nonnull(strstr(status,
	    "Diagnostic-Code: smtp; keine Verbindung: "
	    "Zeit??berschreitung????[2J\n"));
	for (; *status; status++)
		ck_assert_int_lt((unsigned char)*status, 0x80);
	buf_free(&out);
}
END_TEST

/* from_address: the notice's From: is that address, nothing else moves. */
START_TEST(test_from_address)
{
	struct bounce_info b = {
		BOUNCE_FAILED,
		"host.example.test",
		"example.test",
		"alice@example.test",
		"1A2B3C4D5E",
		"env-1",
		1794990000,
		1795000100,
		1795400000,
		0,
		0,
		0,
		0,
		0,
		"1A2B3C4D5E",
		rcpts,
		2,
		"app@example.test",
	};
	struct buf out = BUF_INIT;
	char *want = slurp("failed-full.eml");
	const char *nl = strchr(want, '\n');

	bounce_begin(&b, &out);
	buf_adds(&out, original);
	bounce_finish(&b, 1, &out);
	ck_assert_str_eq(strchr(out.data, '\n'), nl);
	ck_assert(strncmp(want, "From: MAILER-DAEMON@example.test", 32) == 0);
	ck_assert(
	    strncmp(out.data, "From: Mail Delivery System <app@example.test>\n",
	        46) == 0);
	buf_free(&out);
	free(want);
}
END_TEST

START_TEST(test_date_zone)
{
	char d[64];

	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	bounce_date(1795000000, d, sizeof(d));
	/* without zoneinfo installed the zone falls back to UTC */
	ck_assert(strcmp(d, "Wed, 18 Nov 2026 12:06:40 +0100") == 0 ||
	    strcmp(d, "Wed, 18 Nov 2026 11:06:40 +0000") == 0);
	setenv("TZ", "UTC", 1);
	tzset();
	bounce_date(1795000000, d, sizeof(d));
	ck_assert_str_eq(d, "Wed, 18 Nov 2026 11:06:40 +0000");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("bounce");
	TCase *tc = tcase_create("core");

	setenv("TZ", "UTC", 1);
	tzset();
	tcase_add_test(tc, test_failed_full);
	tcase_add_test(tc, test_delayed_headers);
	tcase_add_test(tc, test_failed_too_big);
	tcase_add_test(tc, test_from_address);
	tcase_add_test(tc, test_utf8_diagnostic);
	tcase_add_test(tc, test_date_zone);
	suite_add_tcase(s, tc);
	return check_main(s);
}
