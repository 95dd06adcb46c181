/* check_sasl.c — the engine against libgsasl's own server side, in
 * process: every mechanism end to end, SCRAM-PLUS with a fixed fake
 * channel binding, the preference order, fallback after 504, no fallback
 * after 535 5.7.8, cleartext refusal, the M: restriction and OAuth2. */
#include "config.h"

#include <check.h>
#include <gsasl.h>
#include <stdlib.h>
#include <string.h>

#include "auth/sasl.h"
#include "lib/check_main.h"
#include "lib/xalloc.h"

static const unsigned char fake_cb[] = "0123456789abcdef0123456789abcdef";
static const char *server_cb_b64; /* what the server believes */

static int
server_callback(Gsasl *g, Gsasl_session *s, Gsasl_property prop)
{
	const char *id;

	(void)g;
	switch (prop) {
	case GSASL_PASSWORD:
		id = gsasl_property_fast(s, GSASL_AUTHID);
		if (id == NULL || strcmp(id, "alice") != 0)
			return GSASL_NO_PASSWORD;
		gsasl_property_set(s, GSASL_PASSWORD, "s3cret");
		return GSASL_OK;
	case GSASL_CB_TLS_EXPORTER:
	case GSASL_CB_TLS_UNIQUE:
		gsasl_property_set(s, prop, server_cb_b64);
		return GSASL_OK;
	default:
		return GSASL_NO_CALLBACK;
	}
}

/* Plays the SMTP server's part of one AUTH exchange with libgsasl's server:
 * returns 235 on success, 535 when the server refuses, 501 when the
 * client cancelled (step returned -1). */
static int
dialog(struct sasl_ctx *ctx, const char *server_mechs,
    const struct auth_conn *conn, const char **mech)
{
	Gsasl *g;
	Gsasl_session *ss;
	char *initial = NULL, *input, *chal = NULL, *resp;
	struct err e;
	int rc, code = 535;

	ck_assert_int_eq(sasl_auth_ops.start(ctx, server_mechs, conn, mech,
	                     &initial, &e),
	    0);
	ck_assert_int_eq(gsasl_init(&g), GSASL_OK);
	gsasl_callback_set(g, server_callback);
	ck_assert_int_eq(gsasl_server_start(g, *mech, &ss), GSASL_OK);
	input = initial ? xstrdup(strcmp(initial, "=") == 0 ? "" : initial) :
	                  xstrdup("");
	free(initial);
	for (;;) {
		rc = gsasl_step64(ss, input, &chal);
		free(input);
		input = NULL;
		if (rc != GSASL_OK && rc != GSASL_NEEDS_MORE)
			break;
		if (rc == GSASL_OK && *chal == '\0') {
			code = 235;
			break;
		}
		/* 334 chal */
		if (sasl_auth_ops.step(ctx, chal, &resp, &e) < 0) {
			code = 501;
			break;
		}
		if (rc == GSASL_OK) { /* server-final sent as a 334 */
			ck_assert_str_eq(resp, "");
			free(resp);
			code = 235;
			break;
		}
		input = resp;
		gsasl_free(chal);
		chal = NULL;
	}
	gsasl_free(chal);
	gsasl_finish(ss);
	gsasl_done(g);
	return code;
}

static struct sasl_ctx *
new_ctx(const char *secret, const char *mechs, int oauth)
{
	struct sasl_params p = { "alice", secret, NULL, mechs, oauth, 587,
		SASL_CLEAR_VERIFIED };
	struct err e;
	struct sasl_ctx *ctx = sasl_new(&p, &e);

	ck_assert_ptr_nonnull(ctx);
	return ctx;
}

static const struct auth_conn verified = { "smtp.test", 1, 1, NULL, NULL, 0 };
static const struct auth_conn with_cb = { "smtp.test", 1, 1, "tls-exporter",
	fake_cb, 32 };
static const struct auth_conn with_unique = { "smtp.test", 1, 1, "tls-unique",
	fake_cb, 32 };
static const struct auth_conn plain_tcp = { "smtp.test", 0, 0, NULL, NULL, 0 };

static const struct {
	const char *server;
	const struct auth_conn *conn;
	const char *want_mech;
	/* clang-format off */
} pick[] = {
	{ "PLAIN", &verified, "PLAIN" },
	{ "LOGIN", &verified, "LOGIN" },
	{ "CRAM-MD5", &verified, "CRAM-MD5" },
	{ "SCRAM-SHA-1", &verified, "SCRAM-SHA-1" },
	{ "SCRAM-SHA-256", &verified, "SCRAM-SHA-256" },
	{ "SCRAM-SHA-1-PLUS SCRAM-SHA-1", &with_cb, "SCRAM-SHA-1-PLUS" },
	{ "SCRAM-SHA-256 SCRAM-SHA-256-PLUS PLAIN", &with_cb, "SCRAM-SHA-256-PLUS" },
	{ "SCRAM-SHA-256-PLUS PLAIN", &with_unique, "SCRAM-SHA-256-PLUS" },
	{ "SCRAM-SHA-256-PLUS SCRAM-SHA-256", &verified, "SCRAM-SHA-256" },
	{ "LOGIN PLAIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256", &verified, "SCRAM-SHA-256" },
	{ "login plain cram-md5", &verified, "CRAM-MD5" },
	{ "PLAIN LOGIN CRAM-MD5", &plain_tcp, "CRAM-MD5" },
	{ "PLAIN SCRAM-SHA-256-PLUS SCRAM-SHA-256", &plain_tcp, "SCRAM-SHA-256" },
	{ "DIGEST-MD5 GSSAPI LOGIN", &verified, "LOGIN" },
};
/* clang-format on */

START_TEST(test_mechanism_end_to_end)
{
	struct sasl_ctx *ctx = new_ctx("s3cret", NULL, 0);
	const char *mech = NULL;

	server_cb_b64 = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
	ck_assert_int_eq(dialog(ctx, pick[_i].server, pick[_i].conn, &mech),
	    235);
	ck_assert_str_eq(mech, pick[_i].want_mech);
	ck_assert_str_eq(sasl_mechanism(ctx), pick[_i].want_mech);
	ck_assert_int_eq(sasl_auth_ops.finish(ctx, 235, "2.7.0"), 0);
	sasl_free(ctx);
}
END_TEST

START_TEST(test_wrong_password_is_final)
{
	struct sasl_ctx *ctx = new_ctx("wrong", NULL, 0);
	const char *mech = NULL;
	int code;

	server_cb_b64 = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
	code = dialog(ctx, pick[_i].server, pick[_i].conn, &mech);
	ck_assert_str_eq(mech, pick[_i].want_mech);
	ck_assert_int_ne(code, 235);
	ck_assert_int_eq(sasl_auth_ops.finish(ctx, 535, "5.7.8"), 0);
	sasl_free(ctx);
}
END_TEST

START_TEST(test_channel_binding_mismatch_fails)
{
	struct sasl_ctx *ctx = new_ctx("s3cret", NULL, 0);
	const char *mech = NULL;

	server_cb_b64 = "ZGlmZmVyZW50"; /* a man in the middle's TLS session */
	ck_assert_int_ne(dialog(ctx, "SCRAM-SHA-256-PLUS", &with_cb, &mech),
	    235);
	ck_assert_str_eq(mech, "SCRAM-SHA-256-PLUS");
	sasl_free(ctx);
}
END_TEST

START_TEST(test_fallback_after_504)
{
	static const char *const want[] = { "SCRAM-SHA-256", "CRAM-MD5",
		"PLAIN", "LOGIN" };
	struct sasl_ctx *ctx = new_ctx("s3cret", NULL, 0);
	const char *mech;
	char *initial;
	struct err e;
	size_t i;

	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(sasl_auth_ops.start(ctx,
		                     "LOGIN PLAIN CRAM-MD5 "
		                     "SCRAM-SHA-256",
		                     &verified, &mech, &initial, &e),
		    0);
		ck_assert_str_eq(mech, want[i]);
		wipe_free(initial);
		ck_assert_int_eq(sasl_auth_ops.finish(ctx, 504, "5.5.4"), 1);
	}
	ck_assert_int_eq(sasl_auth_ops.start(ctx,
	                     "LOGIN PLAIN CRAM-MD5 "
	                     "SCRAM-SHA-256",
	                     &verified, &mech, &initial, &e),
	    1);
	ck_assert_ptr_null(mech);
	ck_assert_ptr_null(initial);
	ck_assert_str_eq(e.msg,
	    "no mechanism is left to try (the server offers "
	    "LOGIN PLAIN CRAM-MD5 SCRAM-SHA-256)");
	sasl_free(ctx);
}
END_TEST

static const struct {
	int code;
	const char *enhanced;
	int retry;
	/* clang-format off */
} outcomes[] = {
	{ 235, "2.7.0", 0 }, { 535, "5.7.8", 0 }, { 535, NULL, 0 },
	{ 454, "4.7.0", 0 }, { 504, NULL, 1 }, { 504, "5.5.4", 1 },
	{ 534, "5.7.9", 1 }, { 538, "5.7.11", 1 }, { 501, "5.5.4", 1 },
	{ 535, "5.7.9", 0 }, { 421, "4.4.2", 0 }, { 550, "5.7.1", 0 },
};
/* clang-format on */

START_TEST(test_finish_classification)
{
	struct sasl_ctx *ctx = new_ctx("s3cret", NULL, 0);

	ck_assert_int_eq(sasl_auth_ops.finish(ctx, outcomes[_i].code,
	                     outcomes[_i].enhanced),
	    outcomes[_i].retry);
	sasl_free(ctx);
}
END_TEST

START_TEST(test_no_fallback_after_own_failure)
{
	struct sasl_ctx *ctx = new_ctx("s3cret", NULL, 0);
	const char *mech;
	char *initial, *resp;
	struct err e;

	ck_assert_int_eq(sasl_auth_ops.start(ctx, "SCRAM-SHA-256 PLAIN",
	                     &verified, &mech, &initial, &e),
	    0);
	ck_assert_str_eq(mech, "SCRAM-SHA-256");
	free(initial);
	/* A server-first message whose nonce does not extend ours. */
	ck_assert_int_eq(sasl_auth_ops.step(ctx,
	                     "cj1ub3QteW91cnMscz1RVUpETUVTVUZNVDAsaT00MDk2",
	                     &resp, &e),
	    -1);
	ck_assert_ptr_null(resp);
	ck_assert_int_eq(sasl_auth_ops.finish(ctx, 504, "5.5.4"), 0);
	sasl_free(ctx);
}
END_TEST

static const struct {
	const struct auth_conn *conn;
	enum sasl_clear clear;
	const char *server;
	int rc;
	const char *want; /* mechanism, or the start of the message */
	                  /* clang-format off */
} clear[] = {
	{ &plain_tcp, SASL_CLEAR_VERIFIED, "PLAIN LOGIN", 1,
	  "PLAIN refused without TLS: it would send the secret in clear text" },
	{ &plain_tcp, SASL_CLEAR_TLS, "LOGIN", 1, "LOGIN refused without TLS:" },
	{ &plain_tcp, SASL_CLEAR_ALWAYS, "LOGIN PLAIN", 0, "PLAIN" },
	{ NULL, SASL_CLEAR_VERIFIED, "PLAIN", 1,
	  "PLAIN refused over TLS with an unverified certificate:" },
	{ NULL, SASL_CLEAR_TLS, "PLAIN", 0, "PLAIN" },
	{ &verified, SASL_CLEAR_VERIFIED, "PLAIN", 0, "PLAIN" },
};
/* clang-format on */

START_TEST(test_cleartext_policy)
{
	static const struct auth_conn unverified = { "smtp.test", 1, 0, NULL,
		NULL, 0 };
	struct sasl_params p = { "alice", "s3cret", NULL, NULL, 0, 587,
		clear[_i].clear };
	struct sasl_ctx *ctx;
	const char *mech;
	char *initial = NULL;
	struct err e;
	int rc;

	ctx = sasl_new(&p, &e);
	rc = sasl_auth_ops.start(ctx, clear[_i].server,
	    clear[_i].conn ? clear[_i].conn : &unverified, &mech, &initial, &e);
	ck_assert_int_eq(rc, clear[_i].rc);
	if (rc == 0) {
		ck_assert_str_eq(mech, clear[_i].want);
		ck_assert_str_eq(initial, "AGFsaWNlAHMzY3JldA==");
	} else {
		ck_assert_msg(strncmp(e.msg, clear[_i].want,
		                  strlen(clear[_i].want)) == 0,
		    "got: %s", e.msg);
		ck_assert_ptr_null(strstr(e.msg, "s3cret"));
	}
	wipe_free(initial);
	sasl_free(ctx);
}
END_TEST

START_TEST(test_plain_with_authzid)
{
	struct sasl_params p = { "alice", "s3cret", "bob", NULL, 0, 587,
		SASL_CLEAR_VERIFIED };
	struct sasl_ctx *ctx;
	const char *mech;
	char *initial = NULL;
	struct err e;

	ctx = sasl_new(&p, &e);
	ck_assert_int_eq(sasl_auth_ops.start(ctx, "PLAIN", &verified, &mech,
	                     &initial, &e),
	    0);
	ck_assert_str_eq(initial, "Ym9iAGFsaWNlAHMzY3JldA==");
	wipe_free(initial);
	sasl_free(ctx);
}
END_TEST

static const struct {
	const char *mechs, *server;
	int rc;
	const char *want;
	/* clang-format off */
} restrict_cases[] = {
	{ "LOGIN", "SCRAM-SHA-256 PLAIN LOGIN", 0, "LOGIN" },
	{ "login plain", "SCRAM-SHA-256 PLAIN LOGIN", 0, "PLAIN" },
	{ "CRAM-MD5,PLAIN", "SCRAM-SHA-256 PLAIN CRAM-MD5", 0, "CRAM-MD5" },
	{ "DIGEST-MD5", "SCRAM-SHA-256 PLAIN", 1,
	  "the server offers SCRAM-SHA-256 PLAIN, but the credentials allow only DIGEST-MD5" },
};
/* clang-format on */

START_TEST(test_mechanism_restriction)
{
	struct sasl_ctx *ctx = new_ctx("s3cret", restrict_cases[_i].mechs, 0);
	const char *mech;
	char *initial = NULL;
	struct err e;

	ck_assert_int_eq(sasl_auth_ops.start(ctx, restrict_cases[_i].server,
	                     &verified, &mech, &initial, &e),
	    restrict_cases[_i].rc);
	if (restrict_cases[_i].rc == 0)
		ck_assert_str_eq(mech, restrict_cases[_i].want);
	else
		ck_assert_str_eq(e.msg, restrict_cases[_i].want);
	wipe_free(initial);
	sasl_free(ctx);
}
END_TEST

static const struct {
	int oauth;
	const char *server;
	int rc;
	const char *want_mech, *want;
} oauth_cases[] = {
	{ 1, "PLAIN XOAUTH2", 0, "XOAUTH2",
	    "dXNlcj1hbGljZQFhdXRoPUJlYXJlciB0b2sBAQ==" },
	{ 1, "XOAUTH2 OAUTHBEARER PLAIN", 0, "OAUTHBEARER",
	    "bixhPWFsaWNlLAFob3N0PXNtdHAudGVzdAFwb3J0PTU4NwFhdXRoPUJlYXJlciB0b2sBAQ==" },
	{ 1, "PLAIN LOGIN", 1, NULL,
	    "the server offers neither OAUTHBEARER nor "
	    "XOAUTH2, which an OAuth2 token needs (it offers PLAIN LOGIN)" },
	{ 0, "XOAUTH2", 1, NULL,
	    "the server offers no mechanism relayq supports "
	    "(it offers XOAUTH2)" },
};

START_TEST(test_oauth_mechanisms)
{
	struct sasl_ctx *ctx = new_ctx("tok", NULL, oauth_cases[_i].oauth);
	const char *mech;
	char *initial = NULL, *resp = NULL;
	struct err e;

	ck_assert_int_eq(sasl_auth_ops.start(ctx, oauth_cases[_i].server,
	                     &verified, &mech, &initial, &e),
	    oauth_cases[_i].rc);
	if (oauth_cases[_i].rc != 0) {
		ck_assert_str_eq(e.msg, oauth_cases[_i].want);
		sasl_free(ctx);
		return;
	}
	ck_assert_str_eq(mech, oauth_cases[_i].want_mech);
	ck_assert_str_eq(initial, oauth_cases[_i].want);
	/* An error challenge is answered so that the server sends 535. */
	ck_assert_int_eq(sasl_auth_ops.step(ctx,
	                     "eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIn0=",
	                     &resp, &e),
	    0);
	ck_assert_str_eq(resp, strcmp(mech, "XOAUTH2") == 0 ? "" : "AQ==");
	ck_assert_str_eq(e.msg,
	    "the server refused the OAuth2 token: "
	    "{\"status\":\"401\",\"schemes\":\"bearer\"}");
	ck_assert_int_eq(sasl_auth_ops.finish(ctx, 535, "5.7.8"), 0);
	free(resp);
	wipe_free(initial);
	sasl_free(ctx);
}
END_TEST

START_TEST(test_new_needs_user_and_secret)
{
	struct sasl_params p = { NULL, "x", NULL, NULL, 0, 25,
		SASL_CLEAR_VERIFIED };
	struct err e;

	ck_assert_ptr_null(sasl_new(&p, &e));
	ck_assert_str_eq(e.msg,
	    "SMTP authentication needs a user name, and none is configured");
	p.user = "alice";
	p.secret = "";
	ck_assert_ptr_null(sasl_new(&p, &e));
	ck_assert_str_eq(e.msg,
	    "SMTP authentication for alice needs a password, and none was found");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sasl");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_mechanism_end_to_end, 0, TEST_NELEM(pick));
	tcase_add_loop_test(tc, test_wrong_password_is_final, 0,
	    TEST_NELEM(pick));
	tcase_add_test(tc, test_channel_binding_mismatch_fails);
	tcase_add_test(tc, test_fallback_after_504);
	tcase_add_loop_test(tc, test_finish_classification, 0,
	    TEST_NELEM(outcomes));
	tcase_add_test(tc, test_no_fallback_after_own_failure);
	tcase_add_loop_test(tc, test_cleartext_policy, 0, TEST_NELEM(clear));
	tcase_add_test(tc, test_plain_with_authzid);
	tcase_add_loop_test(tc, test_mechanism_restriction, 0,
	    TEST_NELEM(restrict_cases));
	tcase_add_loop_test(tc, test_oauth_mechanisms, 0,
	    TEST_NELEM(oauth_cases));
	tcase_add_test(tc, test_new_needs_user_and_secret);
	suite_add_tcase(s, tc);
	return check_main(s);
}
