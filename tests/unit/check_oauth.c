/* check_oauth.c — XOAUTH2 and OAUTHBEARER messages against the documented
 * examples (Google's XOAUTH2 page, RFC 7628 section 4.1), base64 both
 * ways, and the refusal of malformed input. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "auth/oauth.h"
#include "lib/check_main.h"
#include "lib/xalloc.h"

START_TEST(test_xoauth2_documented)
{
	char *out = NULL;
	struct err e;

	ck_assert_int_eq(oauth_xoauth2("someuser@example.com",
	                     "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg",
	                     &out, &e),
	    0);
	ck_assert_str_eq(out,
	    "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5"
	    "YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==");
	wipe_free(out);
}
END_TEST

START_TEST(test_oauthbearer_rfc7628)
{
	char *out = NULL;
	struct err e;

	ck_assert_int_eq(oauth_bearer("user@example.com", "server.example.com",
	                     143, "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==",
	                     &out, &e),
	    0);
	ck_assert_str_eq(out,
	    "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1w"
	    "bGUuY29tAXBvcnQ9MTQzAWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhi"
	    "SFJoZG1semRHRXVZMjl0Q2c9PQEB");
	wipe_free(out);
}
END_TEST

/* Decodes out and compares it with the raw message. */
static void
assert_raw(const char *b64, const char *raw, size_t rawlen)
{
	size_t n = 0;
	unsigned char *d = oauth_b64decode(b64, &n);

	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(n, rawlen);
	ck_assert_int_eq(memcmp(d, raw, rawlen), 0);
	free(d);
}

START_TEST(test_oauthbearer_escapes_and_optional_parts)
{
	static const char want1[] = "n,a=a=2Cb=3Dc,\001auth=Bearer T\001\001";
	static const char want2[] = "n,a=u,\001host=h\001auth=Bearer T\001\001";
	char *out = NULL;
	struct err e;

	ck_assert_int_eq(oauth_bearer("a,b=c", NULL, 0, "T", &out, &e), 0);
	assert_raw(out, want1, sizeof(want1) - 1);
	wipe_free(out);
	ck_assert_int_eq(oauth_bearer("u", "h", 0, "T", &out, &e), 0);
	assert_raw(out, want2, sizeof(want2) - 1);
	wipe_free(out);
}
END_TEST

static const struct {
	const char *user, *token, *msg;
	/* clang-format off */
} bad[] = {
	{ "", "tok", "OAuth2: the user name is empty" },
	{ "u", "", "OAuth2: the access token is empty" },
	{ "u\001x", "tok", "OAuth2: the user name contains a control character" },
	{ "u", "to\nk", "OAuth2: the access token contains a control character" },
};
/* clang-format on */

START_TEST(test_refuses_bad_input)
{
	char *out = NULL;
	struct err e;

	err_clear(&e);
	ck_assert_int_eq(oauth_xoauth2(bad[_i].user, bad[_i].token, &out, &e),
	    -1);
	ck_assert_ptr_null(out);
	ck_assert_str_eq(e.msg, bad[_i].msg);
	err_clear(&e);
	ck_assert_int_eq(oauth_bearer(bad[_i].user, "h", 25, bad[_i].token,
	                     &out, &e),
	    -1);
	ck_assert_str_eq(e.msg, bad[_i].msg);
}
END_TEST

static const struct {
	const char *raw, *b64;
} vectors[] = {
	/* RFC 4648 section 10 */
	{ "", "" },
	{ "f", "Zg==" },
	{ "fo", "Zm8=" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
};

START_TEST(test_base64_vectors)
{
	char *enc = oauth_b64encode(vectors[_i].raw, strlen(vectors[_i].raw));
	size_t n = 99;
	unsigned char *dec;

	ck_assert_str_eq(enc, vectors[_i].b64);
	dec = oauth_b64decode(vectors[_i].b64, &n);
	ck_assert_ptr_nonnull(dec);
	ck_assert_uint_eq(n, strlen(vectors[_i].raw));
	ck_assert_str_eq((char *)dec, vectors[_i].raw);
	free(enc);
	free(dec);
}
END_TEST

START_TEST(test_base64_rejects)
{
	size_t n;

	ck_assert_ptr_null(oauth_b64decode("Zm9", &n));      /* length */
	ck_assert_ptr_null(oauth_b64decode("Zm9v!A==", &n)); /* alphabet */
	ck_assert_ptr_null(oauth_b64decode("Z===", &n));     /* too much pad */
	ck_assert_ptr_null(oauth_b64decode("Zg==Zm8=", &n)); /* pad inside */
	ck_assert_ptr_null(oauth_b64decode("Zm=v", &n));     /* pad then data */
}
END_TEST

START_TEST(test_error_challenge)
{
	char buf[64];

	ck_assert_str_eq(oauth_error_reply(0), "");
	ck_assert_str_eq(oauth_error_reply(1), "AQ==");
	ck_assert_str_eq(
	    oauth_describe_error(buf, sizeof(buf),
	        "eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIn0="),
	    "{\"status\":\"401\",\"schemes\":\"bearer\"}");
	ck_assert_str_eq(oauth_describe_error(buf, sizeof(buf), "AQ=="), "?");
	ck_assert_str_eq(oauth_describe_error(buf, sizeof(buf), "not base64"),
	    "");
	ck_assert_str_eq(oauth_describe_error(buf, 5, "Zm9vYmFy"), "foob");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("oauth");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_xoauth2_documented);
	tcase_add_test(tc, test_oauthbearer_rfc7628);
	tcase_add_test(tc, test_oauthbearer_escapes_and_optional_parts);
	tcase_add_loop_test(tc, test_refuses_bad_input, 0, TEST_NELEM(bad));
	tcase_add_loop_test(tc, test_base64_vectors, 0, TEST_NELEM(vectors));
	tcase_add_test(tc, test_base64_rejects);
	tcase_add_test(tc, test_error_challenge);
	suite_add_tcase(s, tc);
	return check_main(s);
}
