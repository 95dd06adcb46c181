/* check_oauth_dl.c — libcurl and json-c loaded on demand (oauth_dl.c):
 * a clear message naming the library and the packages to install when
 * they cannot be loaded; the real ones resolve every symbol; building
 * and reading URLs (oauth_refresh.c's own percent-encoding) loads
 * neither.  Only with HAVE_OAUTH.  Each test runs in its own process
 * (Check's fork mode), so "not loaded yet" holds at its start. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "auth/oauth_dl.h"
#include "auth/oauth_token.h"
#include "lib/check_main.h"
#include "lib/xalloc.h"

#define FIX \
	"install the libcurl3-gnutls and libjson-c5 packages, or remove " \
	"the oauth_* settings to authenticate with a password"

/* Libraries that cannot serve: libcurl absent, json-c absent, and one
 * without libcurl's symbols (libc).  The table is untouched. */
static const struct {
	const char *curl, *json, *start, *cause;
} bad_libs[] = {
	{ "libcurl-relayq-absent.so.4", OAUTH_JSON_SONAME,
	    "cannot load libcurl-relayq-absent.so.4 for OAuth2 token refresh (",
	    "cannot open shared object file" },
	{ OAUTH_CURL_SONAME, "libjson-c-relayq-absent.so.5",
	    "cannot load libjson-c-relayq-absent.so.5 for OAuth2 token refresh (",
	    "cannot open shared object file" },
	{ "libc.so.6", OAUTH_JSON_SONAME, "libc.so.6 has no curl_global_init (",
	    "undefined symbol" },
};

START_TEST(test_dl_bad_library)
{
	struct oauth_dl t;
	struct err e;

	memset(&t, 0, sizeof(t));
	ck_assert_int_eq(oauth_dl_loaded(), 0);
	ck_assert_int_eq(oauth_dl_load(bad_libs[_i].curl, bad_libs[_i].json, &t,
	                     &e),
	    -1);
	ck_assert_int_eq(e.code, EX_UNAVAILABLE);
	ck_assert_msg(strncmp(e.msg, bad_libs[_i].start,
	                  strlen(bad_libs[_i].start)) == 0,
	    "%s", e.msg);
	ck_assert_msg(strstr(e.msg, bad_libs[_i].cause) != NULL, "%s", e.msg);
	ck_assert_msg(strstr(e.msg, FIX) != NULL, "%s", e.msg);
	ck_assert_ptr_null(t.global_init);
	ck_assert_ptr_null(t.easy_setopt);
}
END_TEST

/* The real libraries: every symbol resolves, the table is kept. */
START_TEST(test_dl_real)
{
	struct oauth_dl t;
	struct err e;
	json_object *o;
	json_tokener *tok;

	err_clear(&e);
	ck_assert_int_eq(oauth_dl_loaded(), 0);
	ck_assert_msg(oauth_dl_load(OAUTH_CURL_SONAME, OAUTH_JSON_SONAME, &t,
	                  &e) == 0,
	    "%s", e.msg);
	ck_assert_int_eq(oauth_dl_loaded(), 1);
	ck_assert_ptr_nonnull(oauth_dl_get(&e));
	ck_assert_ptr_eq(oauth_dl_get(&e), oauth_dl_get(&e));
	/* Called through the table: a JSON object and a variadic setopt. */
	tok = t.tokener_new();
	o = t.tokener_parse_ex(tok, "{\"n\": 7}", 8);
	t.tokener_free(tok);
	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(t.object_is_type(o, json_type_object), 1);
	t.object_put(o);
	ck_assert_int_eq(t.global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
	{
		CURL *h = t.easy_init();

		ck_assert_ptr_nonnull(h);
		ck_assert_int_eq(t.easy_setopt(h, CURLOPT_TIMEOUT_MS, 1000L),
		    CURLE_OK);
		t.easy_cleanup(h);
	}
}
END_TEST

/* Percent-encoding as curl_easy_escape() did (all but A-Z a-z 0-9 -._~),
 * decoding as curl_easy_unescape() ('+' kept, a bad '%' kept), without
 * loading either library. */
START_TEST(test_url_encoding_loads_nothing)
{
	struct oauth_client c;
	char *url, *v;

	memset(&c, 0, sizeof(c));
	c.client_id = "a b/\xc3\xa9~-._+&=";
	url = oauth_auth_url(&c, "https://as.test/auth?x=1",
	    "http://127.0.0.1:9/cb", "st", "ch");
	ck_assert_msg(
	    strstr(url,
	        "https://as.test/auth?x=1&response_type=code&"
	        "client_id=a%20b%2F%C3%A9~-._%2B%26%3D&redirect_uri=http%3A%2F%2F"
	        "127.0.0.1%3A9%2Fcb&state=st&") != NULL,
	    "%s", url);
	v = oauth_url_param(url, "client_id");
	ck_assert_str_eq(v, "a b/\xc3\xa9~-._+&=");
	wipe_free(v);
	free(url);
	v = oauth_url_param("http://localhost/cb?code=a+b%2fc%zz%4&state=s#f",
	    "code");
	ck_assert_str_eq(v, "a+b/c%zz%4");
	wipe_free(v);
	v = oauth_url_param("http://localhost/cb?code=x%4", "code");
	ck_assert_str_eq(v, "x%4");
	wipe_free(v);
	ck_assert_ptr_null(
	    oauth_url_param("http://localhost/cb?state=s", "code"));
	ck_assert_int_eq(oauth_dl_loaded(), 0);
}
END_TEST

static Suite *
oauth_dl_suite(void)
{
	Suite *s = suite_create("oauth_dl");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_dl_bad_library, 0, TEST_NELEM(bad_libs));
	tcase_add_test(tc, test_dl_real);
	tcase_add_test(tc, test_url_encoding_loads_nothing);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main_forked(oauth_dl_suite());
}
