/* oauth_refresh.c — the refresh_token grant over HTTP (libcurl) with a
 * JSON answer (json-c); see oauth_token.h.  Built only with HAVE_OAUTH,
 * linked only into relayq-flush; libcurl and json-c are loaded by
 * oauth_dl.c when the first request is posted, so nothing else here calls
 * them (form and URL encoding are done here).  Every buffer that held a
 * token or the client secret is wiped; the strings json-c parsed are
 * wiped in place before its objects are released. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "auth/oauth_dl.h"
#include "auth/oauth_token.h"
#include "lib/buf.h"
#include "lib/i18n.h"
#include "lib/xalloc.h"

#define RESPONSE_MAX (256 * 1024)

/* The loaded libraries: set by post_form() before the first JSON object
 * exists, so every function that is given one may use it. */
static const struct oauth_dl *api;

static size_t
collect(char *p, size_t size, size_t nmemb, void *ctx)
{
	struct buf *b = ctx;
	size_t n = size * nmemb;

	if (b->len + n > RESPONSE_MAX)
		return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
	buf_add(b, p, n);
	return n;
}

/* Appends "&name=value" to b, value percent-encoded as
 * curl_easy_escape() does: all but RFC 3986's unreserved characters. */
static void
add_param(struct buf *b, const char *name, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	char enc[3];

	buf_printf(b, "%s%s=", b->len ? "&" : "", name);
	for (p = (const unsigned char *)value; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) != NULL) {
			buf_add(b, (const char *)p, 1);
			continue;
		}
		enc[0] = '%';
		enc[1] = hex[*p >> 4];
		enc[2] = hex[*p & 15];
		buf_add(b, enc, 3);
	}
	wipe(enc, sizeof(enc));
}

/* Decodes %XX in s[0..n) as curl_easy_unescape() does ('+' stays, a '%'
 * without two hex digits stays); a new string. */
static char *
unescape(const char *s, size_t n)
{
	char *r = xmalloc(n + 1), *d = r;
	char hex[3] = "";
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '%' && n - i >= 3 &&
		    isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2])) {
			memcpy(hex, s + i + 1, 2);
			*d++ = (char)strtoul(hex, NULL, 16);
			i += 2;
		} else {
			*d++ = s[i];
		}
	}
	*d = '\0';
	wipe(hex, sizeof(hex));
	return r;
}

/* Plain http only to loopback: a token must not cross a network in clear. */
static int
check_url(const char *url, struct err *e)
{
	static const char *const loopback[] = { "http://127.",
		"http://localhost:", "http://localhost/", "http://[::1]",
		NULL };
	size_t i;

	if (strncasecmp(url, "https://", 8) == 0)
		return 0;
	for (i = 0; loopback[i]; i++)
		if (strncasecmp(url, loopback[i], strlen(loopback[i])) == 0)
			return 0;
	return err_set(e, EX_CONFIG,
	    _("OAuth2 token endpoint %s is not an https "
	      "URL; set oauth_token_endpoint to the provider's https://... URL"),
	    url);
}

/* Copies the string member name of o (NULL when absent or not a string),
 * then wipes json-c's copy. */
static char *
take_string(json_object *o, const char *name)
{
	json_object *v;
	char *s, *p;

	if (!api->object_object_get_ex(o, name, &v) ||
	    !api->object_is_type(v, json_type_string))
		return NULL;
	p = (char *)api->object_get_string(v);
	s = xstrdup(p);
	wipe(p, (size_t)api->object_get_string_len(v));
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
		rc = err_set(e, EX_CONFIG,
		    _("the OAuth2 refresh token was refused "
		      "by %s (invalid_grant%s%s): it expired or was revoked; run "
		      "\"relayq oauth setup\" again"),
		    url, *d ? ": " : "", d);
	else if (code != NULL &&
	    (strcmp(code, "invalid_client") == 0 ||
	        strcmp(code, "unauthorized_client") == 0 ||
	        strcmp(code, "invalid_scope") == 0))
		rc = err_set(e, EX_CONFIG,
		    _("the OAuth2 token endpoint %s refused "
		      "the client (%s%s%s); check oauth_client_id, the client secret "
		      "and oauth_scope"),
		    url, c, *d ? ": " : "", d);
	else
		rc = err_set(e, EX_TEMPFAIL,
		    _("the OAuth2 token endpoint %s "
		      "answered HTTP %ld%s%s; trying again later"),
		    url, status, *c ? ": " : "", c);
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
	int64_t expires_in = 3600; /* RFC 6749: RECOMMENDED; assume 1 h */

	access = take_string(o, "access_token");
	refresh = take_string(o, "refresh_token");
	type = take_string(o, "token_type");
	if (access == NULL || *access == '\0' || strchr(access, ' ') ||
	    (type != NULL && strcasecmp(type, "bearer") != 0)) {
		wipe_free(access);
		wipe_free(refresh);
		free(type);
		return err_set(e, EX_TEMPFAIL,
		    _("the OAuth2 token endpoint %s "
		      "answered without a bearer access token; trying again later"),
		    url);
	}
	free(type);
	if (api->object_object_get_ex(o, "expires_in", &v))
		expires_in = api->object_get_int64(v);
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

/* The first tokens of a grant (setup): a refresh token is a must. */
static int
grant_first(const char *url, json_object *o, struct oauth_tokens *t, time_t now,
    struct err *e)
{
	if (grant_ok(url, o, t, now, e) < 0)
		return -1;
	if (t->refresh == NULL)
		return err_set(e, EX_CONFIG,
		    _("the OAuth2 provider gave no refresh "
		      "token; add offline_access (or the provider's equivalent) to "
		      "oauth_scope and run relayq oauth setup again"));
	return 0;
}

/* POSTs the form to url and parses the JSON object answered: 0 with
 * *status and *o (NULL when the body is no JSON object; the caller
 * puts it with api->object_put()), or -1 (EX_TEMPFAIL: not reachable;
 * EX_UNAVAILABLE: libcurl or json-c cannot be loaded, oauth_dl.h). */
static int
post_form(const struct oauth_client *c, const char *url, struct buf *form,
    long *status, json_object **o, struct err *e)
{
	static int curl_ready;
	struct buf resp = BUF_SECRET_INIT;
	char curlerr[CURL_ERROR_SIZE] = "";
	json_tokener *tok;
	CURL *h;
	CURLcode cc;
	int rc = -1;

	*o = NULL;
	*status = 0;
	if (check_url(url, e) < 0)
		return -1;
	if ((api = oauth_dl_get(e)) == NULL)
		return -1;
	if (!curl_ready) {
		if (api->global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return err_set(e, EX_SOFTWARE,
			    _("cannot initialise libcurl"));
		curl_ready = 1;
	}
	h = api->easy_init();
	if (h == NULL)
		return err_set(e, EX_SOFTWARE, _("cannot initialise libcurl"));
	api->easy_setopt(h, CURLOPT_URL, url);
	api->easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	api->easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	api->easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	api->easy_setopt(h, CURLOPT_TIMEOUT_MS,
	    c->timeout_ms > 0 ? c->timeout_ms : 60000L);
	if (c->ca_file != NULL) {
		/* In place of the system's certificates, not beside them. */
		api->easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
		api->easy_setopt(h, CURLOPT_CAPATH, (char *)NULL);
	}
	api->easy_setopt(h, CURLOPT_POSTFIELDS, buf_cstr(form));
	api->easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)form->len);
	api->easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	api->easy_setopt(h, CURLOPT_WRITEDATA, &resp);
	api->easy_setopt(h, CURLOPT_ERRORBUFFER, curlerr);
	api->easy_setopt(h, CURLOPT_USERAGENT,
	    PACKAGE_NAME "/" PACKAGE_VERSION);
	cc = api->easy_perform(h);
	if (cc == CURLE_PEER_FAILED_VERIFICATION ||
	    cc == CURLE_SSL_CACERT_BADFILE) {
		/* Not the network's to fix: the admin's trust settings. */
		err_set(e, EX_CONFIG,
		    _("the certificate of the OAuth2 endpoint %s "
		      "cannot be verified (%s); if the endpoint is the right one, set "
		      "oauth_ca_file to the CA that signed its certificate"),
		    url, *curlerr ? curlerr : api->easy_strerror(cc));
		goto fail;
	}
	if (cc != CURLE_OK) {
		err_set(e, EX_TEMPFAIL,
		    _("cannot reach the OAuth2 endpoint %s: %s; "
		      "trying again later"),
		    url, *curlerr ? curlerr : api->easy_strerror(cc));
		goto fail;
	}
	api->easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	tok = api->tokener_new();
	*o = api->tokener_parse_ex(tok, resp.data ? resp.data : "",
	    (int)resp.len);
	api->tokener_free(tok);
	if (*o != NULL && !api->object_is_type(*o, json_type_object)) {
		api->object_put(*o);
		*o = NULL;
	}
	rc = 0;
fail:
	api->easy_cleanup(h);
	buf_free(&resp);
	return rc;
}

/* The client's part of every token request. */
static void
add_client(const struct oauth_client *c, struct buf *form)
{
	add_param(form, "client_id", c->client_id);
	if (c->client_secret != NULL)
		add_param(form, "client_secret", c->client_secret);
}

static int
check_client(const struct oauth_client *c, struct err *e)
{
	if (c->token_endpoint == NULL)
		return err_set(e, EX_CONFIG,
		    _("no OAuth2 token endpoint is "
		      "configured; set oauth_provider or oauth_token_endpoint"));
	if (c->client_id == NULL)
		return err_set(e, EX_CONFIG,
		    _("no OAuth2 client id is configured; "
		      "set oauth_client_id"));
	return 0;
}

int
oauth_refresh(const struct oauth_client *c, struct oauth_tokens *t, time_t now,
    struct err *e)
{
	struct buf form = BUF_SECRET_INIT;
	json_object *o = NULL;
	long status;
	int rc = -1;

	if (check_client(c, e) < 0)
		return -1;
	if (t->refresh == NULL)
		return err_set(e, EX_CONFIG,
		    _("no OAuth2 refresh token is stored; "
		      "run \"relayq oauth setup\""));
	add_param(&form, "grant_type", "refresh_token");
	add_param(&form, "refresh_token", t->refresh);
	add_client(c, &form);
	if (c->scope != NULL)
		add_param(&form, "scope", c->scope);
	if (post_form(c, c->token_endpoint, &form, &status, &o, e) < 0)
		goto fail;
	if (status == 200 && o != NULL)
		rc = grant_ok(c->token_endpoint, o, t, now, e);
	else if (status >= 400 && status < 500)
		grant_error(c->token_endpoint, status, o, e);
	else
		err_set(e, EX_TEMPFAIL,
		    _("the OAuth2 token endpoint %s answered "
		      "HTTP %ld%s; trying again later"),
		    c->token_endpoint, status,
		    o == NULL ? _(" without JSON") : "");
fail:
	if (o != NULL)
		api->object_put(o);
	buf_free(&form);
	return rc;
}

int
oauth_device_start(const struct oauth_client *c, const char *endpoint,
    struct oauth_device *d, struct err *e)
{
	struct buf form = BUF_INIT;
	json_object *o = NULL, *v;
	long status;
	int rc = -1;

	memset(d, 0, sizeof(*d));
	if (check_client(c, e) < 0)
		return -1;
	if (endpoint == NULL)
		return err_set(e, EX_CONFIG,
		    _("no OAuth2 device authorization "
		      "endpoint is configured; set oauth_device_endpoint"));
	add_param(&form, "client_id", c->client_id);
	if (c->scope != NULL)
		add_param(&form, "scope", c->scope);
	if (post_form(c, endpoint, &form, &status, &o, e) < 0)
		goto fail;
	if (status != 200 || o == NULL) {
		grant_error(endpoint, status, o, e);
		e->code = EX_CONFIG;
		goto fail;
	}
	d->device_code = take_string(o, "device_code");
	d->user_code = take_string(o, "user_code");
	d->uri = take_string(o, "verification_uri");
	if (d->uri == NULL) /* Google's older name */
		d->uri = take_string(o, "verification_url");
	d->uri_complete = take_string(o, "verification_uri_complete");
	d->interval = 5;
	if (api->object_object_get_ex(o, "interval", &v) &&
	    api->object_get_int(v) > 0)
		d->interval = api->object_get_int(v);
	d->expires_in = 600;
	if (api->object_object_get_ex(o, "expires_in", &v) &&
	    api->object_get_int(v) > 0)
		d->expires_in = api->object_get_int(v);
	if (d->device_code == NULL || d->user_code == NULL || d->uri == NULL) {
		oauth_device_free(d);
		err_set(e, EX_PROTOCOL,
		    _("the OAuth2 device authorization endpoint "
		      "%s answered without device_code, user_code or "
		      "verification_uri"),
		    endpoint);
		goto fail;
	}
	rc = 0;
fail:
	if (o != NULL)
		api->object_put(o);
	buf_free(&form);
	return rc;
}

int
oauth_device_poll(const struct oauth_client *c, struct oauth_device *d,
    struct oauth_tokens *t, time_t now, struct err *e)
{
	struct buf form = BUF_SECRET_INIT;
	json_object *o = NULL;
	char *code = NULL;
	long status;
	int rc = -1;

	add_param(&form, "grant_type",
	    "urn:ietf:params:oauth:grant-type:device_code");
	add_param(&form, "device_code", d->device_code);
	add_client(c, &form);
	if (post_form(c, c->token_endpoint, &form, &status, &o, e) < 0)
		goto fail;
	if (status == 200 && o != NULL) {
		rc = grant_first(c->token_endpoint, o, t, now, e);
		goto fail;
	}
	code = o ? take_string(o, "error") : NULL;
	if (code != NULL && strcmp(code, "authorization_pending") == 0) {
		rc = 1;
	} else if (code != NULL && strcmp(code, "slow_down") == 0) {
		d->interval += 5; /* RFC 8628 section 3.5 */
		rc = 1;
	} else if (code != NULL &&
	    (strcmp(code, "access_denied") == 0 ||
	        strcmp(code, "expired_token") == 0)) {
		err_set(e, EX_NOPERM,
		    _("the authorization was not given (%s); run "
		      "relayq oauth setup again"),
		    code);
	} else {
		grant_error(c->token_endpoint, status, o, e);
	}
fail:
	free(code);
	if (o != NULL)
		api->object_put(o);
	buf_free(&form);
	return rc;
}

void
oauth_device_free(struct oauth_device *d)
{
	wipe_free(d->device_code);
	free(d->user_code);
	free(d->uri);
	free(d->uri_complete);
	memset(d, 0, sizeof(*d));
}

char *
oauth_auth_url(const struct oauth_client *c, const char *endpoint,
    const char *redirect_uri, const char *state, const char *challenge)
{
	struct buf b = BUF_INIT;
	char *url;

	add_param(&b, "response_type", "code");
	add_param(&b, "client_id", c->client_id);
	add_param(&b, "redirect_uri", redirect_uri);
	if (c->scope != NULL)
		add_param(&b, "scope", c->scope);
	add_param(&b, "state", state);
	add_param(&b, "code_challenge", challenge);
	add_param(&b, "code_challenge_method", "S256");
	/* Google gives a refresh token only with these two. */
	add_param(&b, "access_type", "offline");
	add_param(&b, "prompt", "consent");
	url = xasprintf("%s%c%s", endpoint, strchr(endpoint, '?') ? '&' : '?',
	    buf_cstr(&b));
	buf_free(&b);
	return url;
}

char *
oauth_url_param(const char *url, const char *name)
{
	const char *q = strchr(url, '?'), *p, *end;
	size_t n = strlen(name);

	if (q == NULL)
		return NULL;
	for (p = q + 1; *p; p = *end ? end + 1 : end) {
		end = p + strcspn(p, "&#");
		if ((size_t)(end - p) > n && strncmp(p, name, n) == 0 &&
		    p[n] == '=') {
			return unescape(p + n + 1, (size_t)(end - p) - n - 1);
		}
		if (*end == '#')
			break;
	}
	return NULL;
}

int
oauth_code_exchange(const struct oauth_client *c, const char *code,
    const char *verifier, const char *redirect_uri, struct oauth_tokens *t,
    time_t now, struct err *e)
{
	struct buf form = BUF_SECRET_INIT;
	json_object *o = NULL;
	long status;
	int rc = -1;

	if (check_client(c, e) < 0)
		return -1;
	add_param(&form, "grant_type", "authorization_code");
	add_param(&form, "code", code);
	add_param(&form, "redirect_uri", redirect_uri);
	add_param(&form, "code_verifier", verifier);
	add_client(c, &form);
	if (post_form(c, c->token_endpoint, &form, &status, &o, e) < 0)
		goto fail;
	if (status == 200 && o != NULL) {
		rc = grant_first(c->token_endpoint, o, t, now, e);
	} else {
		grant_error(c->token_endpoint, status, o, e);
		e->code = EX_NOPERM;
	}
fail:
	if (o != NULL)
		api->object_put(o);
	buf_free(&form);
	return rc;
}
