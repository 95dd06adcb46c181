/* oauth_refresh.c — the refresh_token grant over HTTP (libcurl) with a
 * JSON answer (json-c); see oauth_token.h.  Built only with HAVE_OAUTH,
 * linked only into relayq-flush.  Every buffer that held a token or the
 * client secret is wiped; the strings json-c parsed are wiped in place
 * before its objects are released. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "buf.h"
#include "i18n.h"
#include "oauth_token.h"
#include "xalloc.h"

#define RESPONSE_MAX (256 * 1024)

static size_t
collect(char *p, size_t size, size_t nmemb, void *ctx)
{
	struct buf *b = ctx;
	size_t n = size * nmemb;

	if (b->len + n > RESPONSE_MAX)
		return 0;        /* aborts the transfer: CURLE_WRITE_ERROR */
	buf_add(b, p, n);
	return n;
}

/* Appends "&name=value" (form-encoded) to b. */
static void
add_param(CURL *c, struct buf *b, const char *name, const char *value)
{
	char *v = curl_easy_escape(c, value, 0);

	if (v == NULL)
		abort();         /* out of memory, as xmalloc does */
	buf_printf(b, "%s%s=%s", b->len ? "&" : "", name, v);
	wipe(v, strlen(v));
	curl_free(v);
}

/* Plain http only to loopback: a token must not cross a network in clear. */
static int
check_url(const char *url, struct err *e)
{
	static const char *const loopback[] = {
		"http://127.", "http://localhost:", "http://localhost/",
		"http://[::1]", NULL
	};
	size_t i;

	if (strncasecmp(url, "https://", 8) == 0)
		return 0;
	for (i = 0; loopback[i]; i++)
		if (strncasecmp(url, loopback[i], strlen(loopback[i])) == 0)
			return 0;
	return err_set(e, EX_CONFIG, _("OAuth2 token endpoint %s is not an https "
	    "URL; set oauth_token_endpoint to the provider's https://... URL"), url);
}

/* Copies the string member name of o (NULL when absent or not a string),
 * then wipes json-c's copy. */
static char *
take_string(json_object *o, const char *name)
{
	json_object *v;
	char *s, *p;

	if (!json_object_object_get_ex(o, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	p = (char *)json_object_get_string(v);
	s = xstrdup(p);
	wipe(p, (size_t)json_object_get_string_len(v));
	return s;
}

/* A short, printable copy of an error description for a message. */
static void
describe(char *dst, size_t n, const char *s)
{
	size_t i;

	for (i = 0; s != NULL && s[i] && i + 1 < n; i++)
		dst[i] = (s[i] < 0x20 || s[i] >= 0x7f) ? '?' : s[i];
	dst[i] = '\0';
}

/* The error answer of a token endpoint (RFC 6749 section 5.2). */
static int
grant_error(const char *url, long status, json_object *o, struct err *e)
{
	char *code = o ? take_string(o, "error") : NULL;
	char *desc = o ? take_string(o, "error_description") : NULL;
	char c[64], d[200];
	int rc;

	describe(c, sizeof(c), code);
	describe(d, sizeof(d), desc);
	if (code != NULL && strcmp(code, "invalid_grant") == 0)
		rc = err_set(e, EX_CONFIG, _("the OAuth2 refresh token was refused "
		    "by %s (invalid_grant%s%s): it expired or was revoked; run "
		    "\"relayq oauth setup\" again"), url, *d ? ": " : "", d);
	else if (code != NULL && (strcmp(code, "invalid_client") == 0 ||
	    strcmp(code, "unauthorized_client") == 0 ||
	    strcmp(code, "invalid_scope") == 0))
		rc = err_set(e, EX_CONFIG, _("the OAuth2 token endpoint %s refused "
		    "the client (%s%s%s); check oauth_client_id, the client secret "
		    "and oauth_scope"), url, c, *d ? ": " : "", d);
	else
		rc = err_set(e, EX_TEMPFAIL, _("the OAuth2 token endpoint %s "
		    "answered HTTP %ld%s%s; trying again later"), url, status,
		    *c ? ": " : "", c);
	free(code);
	free(desc);
	return rc;
}

/* Reads a successful token answer into t. */
static int
grant_ok(const char *url, json_object *o, struct oauth_tokens *t, time_t now,
    struct err *e)
{
	char *access, *refresh, *type;
	json_object *v;
	int64_t expires_in = 3600;   /* RFC 6749: RECOMMENDED; assume 1 h */

	access = take_string(o, "access_token");
	refresh = take_string(o, "refresh_token");
	type = take_string(o, "token_type");
	if (access == NULL || *access == '\0' || strchr(access, ' ') ||
	    (type != NULL && strcasecmp(type, "bearer") != 0)) {
		wipe_free(access);
		wipe_free(refresh);
		free(type);
		return err_set(e, EX_TEMPFAIL, _("the OAuth2 token endpoint %s "
		    "answered without a bearer access token; trying again later"), url);
	}
	free(type);
	if (json_object_object_get_ex(o, "expires_in", &v))
		expires_in = json_object_get_int64(v);
	if (expires_in <= 0)
		expires_in = 1;
	wipe_free(t->access);
	t->access = access;
	t->expires = now + (time_t)expires_in;
	t->refreshed = now;
	if (refresh != NULL && *refresh != '\0') {
		wipe_free(t->refresh);
		t->refresh = refresh;
	} else {
		wipe_free(refresh);
	}
	return 0;
}

int
oauth_refresh(const struct oauth_client *c, struct oauth_tokens *t,
    time_t now, struct err *e)
{
	static int curl_ready;
	struct buf form = BUF_SECRET_INIT, resp = BUF_SECRET_INIT;
	char curlerr[CURL_ERROR_SIZE] = "";
	json_tokener *tok = NULL;
	json_object *o = NULL;
	CURL *h = NULL;
	CURLcode cc;
	long status = 0;
	int rc = -1;

	if (c->token_endpoint == NULL)
		return err_set(e, EX_CONFIG, _("no OAuth2 token endpoint is "
		    "configured; set oauth_provider or oauth_token_endpoint"));
	if (c->client_id == NULL)
		return err_set(e, EX_CONFIG, _("no OAuth2 client id is configured; "
		    "set oauth_client_id"));
	if (t->refresh == NULL)
		return err_set(e, EX_CONFIG, _("no OAuth2 refresh token is stored; "
		    "run \"relayq oauth setup\""));
	if (check_url(c->token_endpoint, e) < 0)
		return -1;
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return err_set(e, EX_SOFTWARE, _("cannot initialise libcurl"));
		curl_ready = 1;
	}
	h = curl_easy_init();
	if (h == NULL)
		return err_set(e, EX_SOFTWARE, _("cannot initialise libcurl"));
	add_param(h, &form, "grant_type", "refresh_token");
	add_param(h, &form, "refresh_token", t->refresh);
	add_param(h, &form, "client_id", c->client_id);
	if (c->client_secret != NULL)
		add_param(h, &form, "client_secret", c->client_secret);
	if (c->scope != NULL)
		add_param(h, &form, "scope", c->scope);
	curl_easy_setopt(h, CURLOPT_URL, c->token_endpoint);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
	    c->timeout_ms > 0 ? c->timeout_ms : 60000L);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, buf_cstr(&form));
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)form.len);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curlerr);
	curl_easy_setopt(h, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
	cc = curl_easy_perform(h);
	if (cc != CURLE_OK) {
		err_set(e, EX_TEMPFAIL, _("cannot reach the OAuth2 token endpoint "
		    "%s: %s; trying again later"), c->token_endpoint,
		    *curlerr ? curlerr : curl_easy_strerror(cc));
		goto fail;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	tok = json_tokener_new();
	o = json_tokener_parse_ex(tok, resp.data ? resp.data : "", (int)resp.len);
	if (o != NULL && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
	}
	if (status == 200 && o != NULL)
		rc = grant_ok(c->token_endpoint, o, t, now, e);
	else if (status >= 400 && status < 500)
		grant_error(c->token_endpoint, status, o, e);
	else
		err_set(e, EX_TEMPFAIL, _("the OAuth2 token endpoint %s answered "
		    "HTTP %ld%s; trying again later"), c->token_endpoint, status,
		    o == NULL ? _(" without JSON") : "");
fail:
	if (o != NULL)
		json_object_put(o);
	if (tok != NULL)
		json_tokener_free(tok);
	curl_easy_cleanup(h);
	buf_free(&form);
	buf_free(&resp);
	return rc;
}
