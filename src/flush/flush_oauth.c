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

#include "auth/authinfo.h"
#include "auth/creds.h"
#include "auth/oauth.h"
#include "auth/oauth_token.h"
#include "flush/flush_int.h"
#include "lib/buf.h"
#include "lib/i18n.h"
#include "lib/log.h"
#include "lib/xalloc.h"

#define OAUTH_SECRET_CREDENTIAL "relayq-oauth-client-secret"

/* The token file: oauth_token_file, else oauth-token in queue_dir, the
 * queue the run delivers (allocated).  Without either: NULL with e,
 * which is root's spool run's case (relayq-flush --all-users). */
static char *
token_path(const struct conf *c, const char *queue_dir, struct err *e)
{
	if (c->oauth_token_file != NULL)
		return xstrdup(c->oauth_token_file);
	if (queue_dir != NULL)
		return oauth_token_default_path(queue_dir);
	err_set(e, EX_CONFIG,
	    _("relayq-flush --all-users needs "
	      "oauth_token_file in the system configuration (for example "
	      "/var/lib/relayq/oauth-token, where relayq-flush-spool.service "
	      "may write)"));
	return NULL;
}

#ifndef HAVE_OAUTH
static int
built_without(struct err *e)
{
	return err_set(e, EX_UNAVAILABLE,
	    _("this relayq was built without "
	      "OAuth2 support (configure --with-oauth)"));
}
#endif

#ifdef HAVE_OAUTH
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

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
		rc = authinfo_read_private(c->oauth_client_secret_file,
		    geteuid(), &b, e);
		if (rc == 1)
			err_set(e, EX_CONFIG,
			    _("oauth_client_secret_file %s does not "
			      "exist"),
			    c->oauth_client_secret_file);
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
	cl->token_endpoint = c->oauth_token_endpoint ?
	    c->oauth_token_endpoint :
	    oauth_provider_endpoint(c->oauth_provider);
	cl->client_id = c->oauth_client_id;
	cl->scope = c->oauth_scope ? c->oauth_scope :
	                             oauth_provider_scope(c->oauth_provider);
	cl->timeout_ms = (long)(c->connect_timeout + c->command_timeout) * 1000;
	cl->ca_file = c->oauth_ca_file;
	if (client_secret(c, secret, e) < 0)
		return -1;
	cl->client_secret = *secret;
	return 0;
}

/* Loads the token file into the empty t: 0, or -1 with e (also when it
 * does not exist: run the setup). */
static int
load_tokens(struct oauth_tokens *t, const char *path, struct err *e)
{
	int rc = oauth_tokens_load(t, path, geteuid(), e);

	if (rc == 1)
		return err_set(e, EX_CONFIG,
		    _("no OAuth2 token file %s; run "
		      "\"relayq oauth setup\" (or set oauth_token_file)"),
		    path);
	return rc < 0 ? -1 : 0;
}

/* Loads, refreshes when stale, stores back: 0 with *token, or -1.  The
 * refresh runs under the token file's lock, on the tokens read again
 * under it: another run may have rotated them meanwhile. */
static int
get_token(struct flusher *f, const char *path, char **token, char **note,
    struct err *e)
{
	const struct conf *c = f->o->conf;
	struct oauth_tokens t = OAUTH_TOKENS_INIT;
	struct oauth_client cl;
	char *secret = NULL;
	time_t now = clock_now(f->o->clock);
	int lockfd = -1;

	if (load_tokens(&t, path, e) < 0)
		return -1;
	if (!f->oauth_force &&
	    !oauth_tokens_stale(&t, now, OAUTH_REFRESH_MARGIN))
		goto cached;
	oauth_tokens_free(&t);
	if ((lockfd = oauth_tokens_lock(path, e)) < 0)
		goto fail;
	if (load_tokens(&t, path, e) < 0)
		goto fail;
	now = clock_now(f->o->clock);
	if (!f->oauth_force &&
	    !oauth_tokens_stale(&t, now, OAUTH_REFRESH_MARGIN))
		goto cached; /* refreshed by the run we waited for */
	if (client_from_conf(c, &cl, &secret, e) < 0)
		goto fail;
	if (oauth_refresh(&cl, &t, now, e) < 0) {
		if (e->code == EX_CONFIG && t.refused == 0) {
			/* The first run to meet the refusal tells the admin;
			 * the mark keeps the next runs from repeating it. */
			struct err se;

			t.refused = now;
			if (oauth_tokens_save(path, &t, &se) < 0)
				log_msg(LOG_WARNING, "%s", se.msg);
			flush_onfailure_config(f, e->msg);
		}
		goto fail;
	}
	t.refused = 0;
	if (oauth_tokens_save(path, &t, e) < 0) {
		/* A rotated refresh token that cannot be kept would be lost:
		 * deliver nothing with it, say why. */
		err_wrap(e, _("cannot store the refreshed OAuth2 tokens"));
		goto fail;
	}
	f->oauth_refreshed = 1;
	*note =
	    xasprintf(_("OAuth2 access token refreshed at %s%s, stored in %s "
	                "(expires in %lld s)"),
	        cl.token_endpoint,
	        f->oauth_force ? _(" after the server refused the cached one") :
	                         "",
	        path, (long long)(t.expires - now));
	goto done;
cached:
	*note = xasprintf(_("OAuth2 access token from %s (expires in %lld s)"),
	    path, (long long)(t.expires - now));
done:
	if (lockfd >= 0)
		close(lockfd);
	*token = t.access;
	t.access = NULL;
	oauth_tokens_free(&t);
	wipe_free(secret);
	return 0;
fail:
	if (lockfd >= 0)
		close(lockfd);
	oauth_tokens_free(&t);
	wipe_free(secret);
	return -1;
}
#endif

int
flusher_oauth_token(struct flusher *f, char **token, char **note, struct err *e)
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
	path =
	    token_path(c, f->o->queue ? f->o->queue->dir : f->o->oauth_dir, e);
	if (path == NULL)
		return -1;
#ifdef HAVE_OAUTH
	rc = get_token(f, path, token, note, e);
#else
	rc = err_set(e, EX_CONFIG,
	    _("oauth_provider is set, but this relayq "
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

#ifdef HAVE_OAUTH
/* RFC 8628: print the URL and code, poll until authorized. */
static int
setup_device(struct oauth_client *cl, const char *endpoint,
    struct oauth_tokens *t, struct err *e)
{
	struct oauth_device d;
	time_t deadline;
	int r;

	if (oauth_device_start(cl, endpoint, &d, e) < 0)
		return -1;
	printf(_("To authorize relayq, open %s in any browser and enter the "
	         "code %s\n"),
	    d.uri, d.user_code);
	if (d.uri_complete != NULL)
		printf(_("(or open %s)\n"), d.uri_complete);
	printf(_("Waiting for the authorization (%d minutes at most)...\n"),
	    (d.expires_in + 59) / 60);
	fflush(stdout);
	deadline = time(NULL) + d.expires_in;
	for (;;) {
		sleep((unsigned)d.interval);
		r = oauth_device_poll(cl, &d, t, time(NULL), e);
		if (r <= 0)
			break;
		if (time(NULL) >= deadline) {
			r = err_set(e, EX_NOPERM,
			    _("the code expired before the "
			      "authorization was given; run relayq oauth setup again"));
			break;
		}
	}
	oauth_device_free(&d);
	return r;
}

/* n random bytes as unpadded base64url (RFC 4648 section 5). */
static char *
b64url(const void *p, size_t n)
{
	char *s = oauth_b64encode(p, n), *q;

	for (q = s; *q; q++)
		*q = *q == '+' ? '-' : *q == '/' ? '_' : *q;
	s[strcspn(s, "=")] = '\0';
	return s;
}

/* The authorization-code flow with PKCE: print the URL, read the
 * redirect URL the browser ends at from stdin. */
static int
setup_code(const struct conf *c, struct oauth_client *cl, const char *endpoint,
    struct oauth_tokens *t, struct err *e)
{
	unsigned char rnd[32], digest[32];
	char line[8192], *verifier = NULL, *challenge = NULL, *state = NULL;
	char *url = NULL, *code = NULL, *got_state = NULL, *error = NULL;
	int rc = -1;

	if (gnutls_rnd(GNUTLS_RND_KEY, rnd, sizeof(rnd)) < 0)
		return err_set(e, EX_OSERR, _("cannot get random bytes"));
	verifier = b64url(rnd, sizeof(rnd));
	gnutls_hash_fast(GNUTLS_DIG_SHA256, verifier, strlen(verifier), digest);
	challenge = b64url(digest, sizeof(digest));
	if (gnutls_rnd(GNUTLS_RND_NONCE, rnd, 16) < 0) {
		err_set(e, EX_OSERR, _("cannot get random bytes"));
		goto fail;
	}
	state = b64url(rnd, 16);
	url = oauth_auth_url(cl, endpoint, c->oauth_redirect_uri, state,
	    challenge);
	printf(
	    _("To authorize relayq, open this URL in any browser, sign in and "
	      "allow access:\n\n%s\n\nThe browser then goes to %s..., a page that "
	      "does not load. Copy the whole address from its address bar and "
	      "paste it here:\n"),
	    url, c->oauth_redirect_uri);
	fflush(stdout);
	if (fgets(line, sizeof(line), stdin) == NULL) {
		err_set(e, EX_NOINPUT,
		    _("no redirect URL was pasted; run relayq "
		      "oauth setup again"));
		goto fail;
	}
	line[strcspn(line, "\r\n")] = '\0';
	error = oauth_url_param(line, "error");
	code = oauth_url_param(line, "code");
	got_state = oauth_url_param(line, "state");
	if (error != NULL) {
		char shown[64];
		size_t i;

		for (i = 0; error[i] && i + 1 < sizeof(shown); i++)
			shown[i] = (error[i] < 0x20 || error[i] >= 0x7f) ?
			    '?' :
			    error[i];
		shown[i] = '\0';
		err_set(e, EX_NOPERM,
		    _("the authorization was not given (%s); run "
		      "relayq oauth setup again"),
		    shown);
	} else if (code == NULL || got_state == NULL) {
		err_set(e, EX_DATAERR,
		    _("the pasted address has no code= and "
		      "state=; paste the whole address the browser went to, starting "
		      "with %s"),
		    c->oauth_redirect_uri);
	} else if (strcmp(got_state, state) != 0) {
		err_set(e, EX_DATAERR,
		    _("the pasted address belongs to another "
		      "authorization (state differs); run relayq oauth setup again "
		      "and paste the address of this one"));
	} else {
		rc = oauth_code_exchange(cl, code, verifier,
		    c->oauth_redirect_uri, t, time(NULL), e);
	}
fail:
	wipe(line, sizeof(line));
	wipe(rnd, sizeof(rnd));
	wipe_free(verifier);
	free(challenge);
	free(state);
	free(url);
	wipe_free(code);
	free(got_state);
	free(error);
	return rc;
}
#endif

int
flush_oauth_setup(const struct conf *c, const char *queue_dir, struct err *e)
{
#ifdef HAVE_OAUTH
	struct oauth_tokens t = OAUTH_TOKENS_INIT;
	struct oauth_client cl;
	const char *device, *authz;
	char *secret = NULL, *path;
	int rc = -1;

	if (c->oauth_provider == CONF_OAUTH_NONE)
		return err_set(e, EX_CONFIG,
		    _("oauth_provider is not set; set it "
		      "to google, microsoft or custom (relayq.conf(5))"));
	/* The device flow where there is one (Microsoft, a custom provider
	 * that names it); else the code flow (Google: no device flow for
	 * the Gmail scope). */
	device = c->oauth_device_endpoint ?
	    c->oauth_device_endpoint :
	    oauth_provider_device_endpoint(c->oauth_provider);
	authz = c->oauth_auth_endpoint ?
	    c->oauth_auth_endpoint :
	    oauth_provider_auth_endpoint(c->oauth_provider);
	if (device == NULL && authz == NULL)
		return err_set(e, EX_CONFIG,
		    _("neither oauth_device_endpoint nor "
		      "oauth_auth_endpoint is set; set the one your provider has"));
	if ((path = token_path(c, queue_dir, e)) == NULL)
		return -1;
	if (client_from_conf(c, &cl, &secret, e) < 0)
		goto fail;
	if ((device != NULL ? setup_device(&cl, device, &t, e) :
	                      setup_code(c, &cl, authz, &t, e)) < 0)
		goto fail;
	if (oauth_tokens_save(path, &t, e) < 0)
		goto fail;
	printf(_("Authorized: the tokens are stored in %s (access token valid "
	         "for %lld s; relayq-flush refreshes it).\n"),
	    path, (long long)(t.expires - time(NULL)));
	rc = 0;
fail:
	oauth_tokens_free(&t);
	wipe_free(secret);
	free(path);
	return rc;
#else
	(void)queue_dir;
	(void)c;
	return built_without(e);
#endif
}

int
flush_oauth_check(const struct conf *c, const char *queue_dir, FILE *out,
    struct err *e)
{
#ifdef HAVE_OAUTH
	struct oauth_tokens t = OAUTH_TOKENS_INIT;
	struct oauth_client cl;
	char *secret = NULL, *path = NULL, *before = NULL;
	time_t now;
	int lockfd = -1, rc = -1, nosecret = 0;

	if (c->oauth_provider == CONF_OAUTH_NONE)
		err_set(e, EX_CONFIG,
		    _("oauth_provider is not set; set it "
		      "to google, microsoft or custom (relayq.conf(5))"));
	else
		path = token_path(c, queue_dir, e);
	if (path == NULL)
		goto fail;
	/* As a delivery refreshes: under the lock, so that a run at the
	 * same time never refreshes with the refresh token this one
	 * rotates away. */
	if ((lockfd = oauth_tokens_lock(path, e)) < 0)
		goto fail;
	if (load_tokens(&t, path, e) < 0)
		goto fail;
	if (client_from_conf(c, &cl, &secret, e) < 0)
		goto fail;
	before = t.refresh ? xstrdup(t.refresh) : NULL;
	now = time(NULL);
	/* A refusal is reported, not marked: the delivery that meets it
	 * runs on_failure (flusher_oauth_token). */
	if (oauth_refresh(&cl, &t, now, e) < 0) {
		/* By hand, a client secret kept as a systemd credential is
		 * not there (Microsoft's device flow needs none). */
		nosecret = e->code == EX_CONFIG && secret == NULL &&
		    c->oauth_client_secret_file == NULL &&
		    c->oauth_provider != 3 &&
		    getenv("CREDENTIALS_DIRECTORY") == NULL;
		goto fail;
	}
	t.refused = 0;
	if (oauth_tokens_save(path, &t, e) < 0) {
		err_wrap(e, _("cannot store the refreshed OAuth2 tokens"));
		goto fail;
	}
	if (before != NULL && strcmp(before, t.refresh) != 0)
		fprintf(out,
		    _("oauth: trial refresh at %s: ok, the new access "
		      "token expires in %lld s; the rotated refresh token is stored "
		      "in %s\n"),
		    cl.token_endpoint, (long long)(t.expires - now), path);
	else
		fprintf(out,
		    _("oauth: trial refresh at %s: ok, the new access "
		      "token expires in %lld s; the refresh token stays the same\n"),
		    cl.token_endpoint, (long long)(t.expires - now));
	rc = 0;
fail:
	if (rc < 0) {
		fprintf(out, _("oauth: trial refresh FAILED: %s\n"), e->msg);
		if (e->code == EX_TEMPFAIL)
			fprintf(out,
			    _("  fix: check that this host reaches the token "
			      "endpoint (DNS, firewall, proxy); meanwhile mail waits in "
			      "the queue\n"));
		if (nosecret)
			fprintf(out,
			    _("  fix: no client secret was found here: if the "
			      "provider wants one (Google does), set "
			      "oauth_client_secret_file to a file this user reads; the "
			      "systemd credential relayq-oauth-client-secret exists only "
			      "inside the unit\n"));
	}
	if (lockfd >= 0)
		close(lockfd);
	oauth_tokens_free(&t);
	wipe_free(before);
	wipe_free(secret);
	free(path);
	return rc;
#else
	(void)queue_dir;
	(void)c;
	built_without(e);
	fprintf(out, _("oauth: trial refresh FAILED: %s\n"), e->msg);
	return -1;
#endif
}

int
flush_oauth_prefetch(const struct conf *c, struct creds_set *cs, int force,
    struct err *e)
{
	struct flush_opts o;
	struct flusher f;
	char *token = NULL, *note = NULL;
	size_t i;

	if (c->oauth_provider == CONF_OAUTH_NONE)
		return 0;
	if (c->auth_user == NULL)
		return err_set(e, EX_CONFIG,
		    _("oauth_provider is set but "
		      "auth_user is not; set auth_user to the mailbox's address"));
	memset(&o, 0, sizeof(o));
	memset(&f, 0, sizeof(f));
	o.conf = c;
	f.o = &o;
	f.oauth_force = force;
	if (flusher_oauth_token(&f, &token, &note, e) < 0)
		return -1;
	for (i = 0; i < cs->n; i++) {
		struct creds_entry *fc = &cs->v[i];

		creds_free(&fc->cr);
		free(fc->why);
		fc->why = NULL;
		fc->found = 1;
		fc->cr.user = xstrdup(c->auth_user);
		fc->cr.secret = xstrdup(token);
		fc->cr.mechs =
		    c->auth_mechanisms ? xstrdup(c->auth_mechanisms) : NULL;
		fc->cr.oauth = 1;
		fc->cr.source = xstrdup(note);
	}
	wipe_free(token);
	free(note);
	return 0;
}
