/* flush_oauth.c — the OAuth2 access token of a delivery run: from the
 * token file, refreshed with the refresh token when it expires within
 * OAUTH_REFRESH_MARGIN seconds, a rotated refresh token stored back (see
 * flush_int.h, oauth_token.h).  The token never reaches a message. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "authinfo.h"
#include "log.h"
#include "buf.h"
#include "creds.h"
#include "flush_int.h"
#include "i18n.h"
#include "oauth_token.h"
#include "xalloc.h"

#define OAUTH_SECRET_CREDENTIAL "relayq-oauth-client-secret"

#ifdef HAVE_OAUTH
/* The client secret: oauth_client_secret_file (first line, a private
 * file), else the systemd credential relayq-oauth-client-secret, else none
 * (a public client).  Returns 0 with *secret (allocated or NULL), -1. */
static int
client_secret(const struct conf *c, char **secret, struct err *e)
{
	struct buf b = BUF_SECRET_INIT;
	char *path = NULL;
	int rc;

	*secret = NULL;
	if (c->oauth_client_secret_file != NULL) {
		rc = authinfo_read_private(c->oauth_client_secret_file, geteuid(),
		    &b, e);
		if (rc == 1)
			err_set(e, EX_CONFIG, _("oauth_client_secret_file %s does not "
			    "exist"), c->oauth_client_secret_file);
		if (rc == 0 && b.len > 0) {
			b.len = strcspn(b.data, "\r\n");
			*secret = xstrndup(b.data, b.len);
		}
		buf_free(&b);
		return rc == 0 ? 0 : -1;
	}
	rc = creds_read_credential(OAUTH_SECRET_CREDENTIAL, secret, &path, e);
	free(path);
	return rc < 0 ? -1 : 0;
}

/* The client configuration; *secret is allocated (or NULL). */
static int
client_from_conf(const struct conf *c, struct oauth_client *cl, char **secret,
    struct err *e)
{
	memset(cl, 0, sizeof(*cl));
	cl->token_endpoint = c->oauth_token_endpoint ? c->oauth_token_endpoint :
	    oauth_provider_endpoint(c->oauth_provider);
	cl->client_id = c->oauth_client_id;
	cl->scope = c->oauth_scope ? c->oauth_scope :
	    oauth_provider_scope(c->oauth_provider);
	cl->timeout_ms = (long)(c->connect_timeout + c->command_timeout) * 1000;
	if (client_secret(c, secret, e) < 0)
		return -1;
	cl->client_secret = *secret;
	return 0;
}

/* Loads, refreshes when stale, stores back: 0 with *token, or -1. */
static int
get_token(struct flusher *f, const char *path, char **token, char **note,
    struct err *e)
{
	const struct conf *c = f->o->conf;
	struct oauth_tokens t = OAUTH_TOKENS_INIT;
	struct oauth_client cl;
	char *secret = NULL;
	time_t now = time(NULL);
	int rc;

	rc = oauth_tokens_load(&t, path, geteuid(), e);
	if (rc == 1)
		return err_set(e, EX_CONFIG, _("no OAuth2 token file %s; run "
		    "\"relayq oauth setup\" (or set oauth_token_file)"), path);
	if (rc < 0)
		return -1;
	if (!f->oauth_force && !oauth_tokens_stale(&t, now, OAUTH_REFRESH_MARGIN)) {
		*note = xasprintf(_("OAuth2 access token from %s (expires in %lld s)"),
		    path, (long long)(t.expires - now));
		goto done;
	}
	if (client_from_conf(c, &cl, &secret, e) < 0)
		goto fail;
	if (oauth_refresh(&cl, &t, now, e) < 0)
		goto fail;
	if (oauth_tokens_save(path, &t, e) < 0) {
		/* A rotated refresh token that cannot be kept would be lost:
		 * deliver nothing with it, say why. */
		err_wrap(e, _("cannot store the refreshed OAuth2 tokens"));
		goto fail;
	}
	f->oauth_refreshed = 1;
	*note = xasprintf(_("OAuth2 access token refreshed at %s%s, stored in %s "
	    "(expires in %lld s)"), cl.token_endpoint,
	    f->oauth_force ? _(" after the server refused the cached one") : "",
	    path, (long long)(t.expires - now));
done:
	*token = t.access;
	t.access = NULL;
	oauth_tokens_free(&t);
	wipe_free(secret);
	return 0;
fail:
	oauth_tokens_free(&t);
	wipe_free(secret);
	return -1;
}
#endif

int
flusher_oauth_token(struct flusher *f, char **token, char **note,
    struct err *e)
{
	const struct conf *c = f->o->conf;
	char *path;
	int rc;

	*token = *note = NULL;
	if (f->oauth_failed) {
		/* One refresh attempt per run: the same answer again. */
		*e = f->oauth_err;
		return -1;
	}
	path = c->oauth_token_file ? xstrdup(c->oauth_token_file) :
	    oauth_token_default_path(f->o->queue->dir);
#ifdef HAVE_OAUTH
	rc = get_token(f, path, token, note, e);
#else
	rc = err_set(e, EX_CONFIG, _("oauth_provider is set, but this relayq "
	    "was built without OAuth2 support (configure --with-oauth); use "
	    "auth_password_command to supply a token"));
#endif
	free(path);
	if (rc < 0) {
		f->oauth_failed = 1;
		f->oauth_err = *e;
	}
	return rc;
}

int
flush_oauth_setup(const struct conf *c, const char *queue_dir, struct err *e)
{
#ifdef HAVE_OAUTH
	struct oauth_tokens t = OAUTH_TOKENS_INIT;
	struct oauth_device d;
	struct oauth_client cl;
	const char *endpoint;
	char *secret = NULL, *path;
	time_t deadline;
	int rc = -1, r;

	memset(&d, 0, sizeof(d));
	if (c->oauth_provider <= 1)
		return err_set(e, EX_CONFIG, _("oauth_provider is not set; set it "
		    "to google, microsoft or custom (relayq.conf(5))"));
	endpoint = c->oauth_device_endpoint ? c->oauth_device_endpoint :
	    oauth_provider_device_endpoint(c->oauth_provider);
	if (endpoint == NULL && c->oauth_provider == 2)
		return err_set(e, EX_UNAVAILABLE, _("Google does not allow the device "
		    "flow for the Gmail scope, and the authorization-code flow is not "
		    "built yet; store the tokens with another tool for now"));
	path = c->oauth_token_file ? xstrdup(c->oauth_token_file) :
	    oauth_token_default_path(queue_dir);
	if (client_from_conf(c, &cl, &secret, e) < 0 ||
	    oauth_device_start(&cl, endpoint, &d, e) < 0)
		goto fail;
	printf(_("To authorize relayq, open %s in any browser and enter the "
	    "code %s\n"), d.uri, d.user_code);
	if (d.uri_complete != NULL)
		printf(_("(or open %s)\n"), d.uri_complete);
	printf(_("Waiting for the authorization (%d minutes at most)...\n"),
	    (d.expires_in + 59) / 60);
	fflush(stdout);
	deadline = time(NULL) + d.expires_in;
	for (;;) {
		sleep((unsigned)d.interval);
		r = oauth_device_poll(&cl, &d, &t, time(NULL), e);
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		if (time(NULL) >= deadline) {
			err_set(e, EX_TEMPFAIL, _("the code expired before the "
			    "authorization was given; run relayq oauth setup again"));
			goto fail;
		}
	}
	if (oauth_tokens_save(path, &t, e) < 0)
		goto fail;
	printf(_("Authorized: the tokens are stored in %s (access token valid "
	    "for %lld s; relayq-flush refreshes it).\n"), path,
	    (long long)(t.expires - time(NULL)));
	rc = 0;
fail:
	oauth_device_free(&d);
	oauth_tokens_free(&t);
	wipe_free(secret);
	free(path);
	return rc;
#else
	(void)queue_dir;
	(void)c;
	return err_set(e, EX_UNAVAILABLE, _("this relayq was built without "
	    "OAuth2 support (configure --with-oauth)"));
#endif
}
