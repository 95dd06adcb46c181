/* sasl.c — mechanism choice and message steps (see sasl.h). */
#include "config.h"

#include <gsasl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "auth/oauth.h"
#include "auth/sasl.h"
#include "lib/buf.h"
#include "lib/i18n.h"
#include "lib/log.h"
#include "lib/xalloc.h"

enum {
	M_PLUS = 1,         /* needs channel binding data */
	M_CLEAR = 2,        /* sends the secret itself */
	M_OAUTH = 4,        /* takes an OAuth2 token, built by oauth.c */
	M_CLIENT_FIRST = 8, /* has an initial response */
	M_BEARER = 16       /* OAUTHBEARER (else XOAUTH2) */
};

/* Strongest first. */
static const struct mech {
	const char *name;
	unsigned flags;
	/* clang-format off */
} mechs[] = {
	{ "SCRAM-SHA-256-PLUS", M_PLUS | M_CLIENT_FIRST },
	{ "SCRAM-SHA-256", M_CLIENT_FIRST },
	{ "SCRAM-SHA-1-PLUS", M_PLUS | M_CLIENT_FIRST },
	{ "SCRAM-SHA-1", M_CLIENT_FIRST },
	{ "CRAM-MD5", 0 },
	{ "PLAIN", M_CLEAR | M_CLIENT_FIRST },
	{ "LOGIN", M_CLEAR },
	{ "OAUTHBEARER", M_OAUTH | M_CLEAR | M_CLIENT_FIRST | M_BEARER },
	{ "XOAUTH2", M_OAUTH | M_CLEAR | M_CLIENT_FIRST },
};
/* clang-format on */
#define NMECHS (sizeof(mechs) / sizeof(mechs[0]))

struct sasl_ctx {
	Gsasl *gsasl;
	Gsasl_session *sess;
	char *user, *secret, *authzid, *mechs;
	int oauth;
	unsigned port;
	enum sasl_clear clear;
	unsigned tried;  /* bit i: mechs[i] was started this session */
	int cur;         /* index into mechs, -1 before start */
	int step_failed; /* our side gave up: never fall back after that */
};

/* Is name in the list (separated by spaces, commas or tabs)? */
static int
in_list(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;

	while (*p) {
		size_t k = strcspn(p, " ,\t");

		if (k == n && strncasecmp(p, name, n) == 0)
			return 1;
		p += k;
		p += strspn(p, " ,\t");
	}
	return 0;
}

struct sasl_ctx *
sasl_new(const struct sasl_params *p, struct err *e)
{
	struct sasl_ctx *ctx;
	int rc;

	if (p->user == NULL || *p->user == '\0')
		return err_set(e, EX_CONFIG,
		           _("SMTP authentication needs a user "
		             "name, and none is configured")),
		       NULL;
	if (p->secret == NULL || *p->secret == '\0')
		return err_set(e, EX_CONFIG,
		           _("SMTP authentication for %s needs "
		             "a password, and none was found"),
		           p->user),
		       NULL;
	ctx = xcalloc(1, sizeof(*ctx));
	rc = gsasl_init(&ctx->gsasl);
	if (rc != GSASL_OK) {
		err_set(e, EX_SOFTWARE, _("cannot start the SASL library: %s"),
		    gsasl_strerror(rc));
		free(ctx);
		return NULL;
	}
	ctx->user = xstrdup(p->user);
	ctx->secret = xstrdup(p->secret);
	ctx->authzid = p->authzid && *p->authzid ? xstrdup(p->authzid) : NULL;
	ctx->mechs = p->mechs && *p->mechs ? xstrdup(p->mechs) : NULL;
	ctx->oauth = p->oauth;
	ctx->port = p->port;
	ctx->clear = p->clear;
	ctx->cur = -1;
	return ctx;
}

static void
end_session(struct sasl_ctx *ctx)
{
	if (ctx->sess != NULL)
		gsasl_finish(ctx->sess);
	ctx->sess = NULL;
}

void
sasl_free(struct sasl_ctx *ctx)
{
	if (ctx == NULL)
		return;
	end_session(ctx);
	gsasl_done(ctx->gsasl);
	free(ctx->user);
	wipe_free(ctx->secret);
	free(ctx->authzid);
	free(ctx->mechs);
	free(ctx);
}

const char *
sasl_mechanism(const struct sasl_ctx *ctx)
{
	return ctx->cur < 0 ? NULL : mechs[ctx->cur].name;
}

/* Why a mechanism that would send the secret may not be used here, or
 * NULL when it may. */
static const char *
clear_refusal(const struct sasl_ctx *ctx, const struct auth_conn *conn)
{
	if (ctx->clear == SASL_CLEAR_ALWAYS)
		return NULL;
	if (!conn->tls)
		return _("without TLS");
	if (!conn->tls_verified && ctx->clear == SASL_CLEAR_VERIFIED)
		return _("over TLS with an unverified certificate");
	return NULL;
}

/* Says why nothing is left; returns 1 (start's "nothing acceptable"). */
static int
none_left(const struct sasl_ctx *ctx, const char *server_mechs,
    const char *clear_mech, const char *clear_why, int restricted,
    struct err *e)
{
	char offer[256];

	log_sanitize_utf8(offer, sizeof(offer), server_mechs,
	    strlen(server_mechs));
	if (clear_mech != NULL)
		err_set(e, EX_CONFIG,
		    _("%s refused %s: it would send the secret "
		      "in clear text to anyone in the middle (use verified TLS, or "
		      "allow it explicitly in the configuration)"),
		    clear_mech, clear_why);
	else if (restricted)
		err_set(e, EX_CONFIG,
		    _("the server offers %s, but the credentials "
		      "allow only %s"),
		    offer, ctx->mechs);
	else if (ctx->tried != 0)
		err_set(e, EX_UNAVAILABLE,
		    _("no mechanism is left to try (the "
		      "server offers %s)"),
		    offer);
	else if (ctx->oauth)
		err_set(e, EX_UNAVAILABLE,
		    _("the server offers neither OAUTHBEARER "
		      "nor XOAUTH2, which an OAuth2 token needs (it offers %s)"),
		    offer);
	else
		err_set(e, EX_UNAVAILABLE,
		    _("the server offers no mechanism relayq "
		      "supports (it offers %s)"),
		    offer);
	return 1;
}

/* Index of the strongest acceptable mechanism, or -1 (then *clear_mech,
 * *clear_why and *restricted say what was refused, strongest first). */
static int
choose(struct sasl_ctx *ctx, const char *server_mechs,
    const struct auth_conn *conn, const char **clear_mech,
    const char **clear_why, int *restricted)
{
	size_t i;

	for (i = 0; i < NMECHS; i++) {
		const struct mech *m = &mechs[i];
		const char *why;

		if (!in_list(server_mechs, m->name) || (ctx->tried & (1u << i)))
			continue;
		if (!ctx->oauth != !(m->flags & M_OAUTH))
			continue;
		if (ctx->mechs != NULL && !in_list(ctx->mechs, m->name)) {
			*restricted = 1;
			continue;
		}
		if ((m->flags & M_PLUS) &&
		    (conn->cb_data == NULL || conn->cb_type == NULL ||
		        conn->cb_len == 0))
			continue;
		if ((m->flags & M_CLEAR) && (why = clear_refusal(ctx, conn))) {
			if (*clear_mech == NULL) {
				*clear_mech = m->name;
				*clear_why = why;
			}
			continue;
		}
		if (!(m->flags & M_OAUTH) &&
		    !gsasl_client_support_p(ctx->gsasl, m->name))
			continue;
		return (int)i;
	}
	return -1;
}

static int
set_channel_binding(Gsasl_session *s, const struct auth_conn *conn)
{
	char *b64 = NULL;
	int rc;

	if (conn->cb_data == NULL || conn->cb_type == NULL || conn->cb_len == 0)
		return GSASL_OK;
	rc = gsasl_base64_to((const char *)conn->cb_data, conn->cb_len, &b64,
	    NULL);
	if (rc != GSASL_OK)
		return rc;
	if (strcmp(conn->cb_type, "tls-exporter") == 0)
		gsasl_property_set(s, GSASL_CB_TLS_EXPORTER, b64);
	else if (strcmp(conn->cb_type, "tls-unique") == 0)
		gsasl_property_set(s, GSASL_CB_TLS_UNIQUE, b64);
	gsasl_free(b64);
	return GSASL_OK;
}

/* Starts a libgsasl session for mechs[ctx->cur]; *initial as in start(). */
static int
start_gsasl(struct sasl_ctx *ctx, const struct auth_conn *conn, char **initial,
    struct err *e)
{
	const struct mech *m = &mechs[ctx->cur];
	char *out = NULL;
	int rc;

	rc = gsasl_client_start(ctx->gsasl, m->name, &ctx->sess);
	if (rc == GSASL_OK) {
		gsasl_property_set(ctx->sess, GSASL_AUTHID, ctx->user);
		gsasl_property_set(ctx->sess, GSASL_PASSWORD, ctx->secret);
		if (ctx->authzid)
			gsasl_property_set(ctx->sess, GSASL_AUTHZID,
			    ctx->authzid);
		/* Only a -PLUS mechanism gets the binding: libgsasl 2.2's SCRAM
		 * client fails its first step when a plain SCRAM session has
		 * one (seen against Dovecot), so plain SCRAM says "n". */
		if (m->flags & M_PLUS)
			rc = set_channel_binding(ctx->sess, conn);
	}
	if (rc == GSASL_OK && (m->flags & M_CLIENT_FIRST)) {
		rc = gsasl_step64(ctx->sess, "", &out);
		if (rc == GSASL_OK || rc == GSASL_NEEDS_MORE) {
			*initial = xstrdup(*out ? out : "=");
			wipe(out, strlen(out));
			gsasl_free(out);
			return 0;
		}
		gsasl_free(out);
	}
	if (rc != GSASL_OK)
		return err_set(e, EX_SOFTWARE,
		    _("cannot start SASL mechanism %s: %s"), m->name,
		    gsasl_strerror(rc));
	return 0;
}

static int
sasl_start(void *vctx, const char *server_mechs, const struct auth_conn *conn,
    const char **mech, char **initial, struct err *e)
{
	struct sasl_ctx *ctx = vctx;
	const char *clear_mech = NULL, *clear_why = NULL;
	int restricted = 0, i;

	*mech = NULL;
	*initial = NULL;
	end_session(ctx);
	ctx->step_failed = 0;
	i = choose(ctx, server_mechs, conn, &clear_mech, &clear_why,
	    &restricted);
	if (i < 0)
		return none_left(ctx, server_mechs, clear_mech, clear_why,
		    restricted, e);
	ctx->cur = i;
	ctx->tried |= 1u << i;
	*mech = mechs[i].name;
	if (mechs[i].flags & M_BEARER)
		return oauth_bearer(ctx->user, conn->host, ctx->port,
		    ctx->secret, initial, e);
	if (mechs[i].flags & M_OAUTH)
		return oauth_xoauth2(ctx->user, ctx->secret, initial, e);
	return start_gsasl(ctx, conn, initial, e);
}

static int
sasl_step(void *vctx, const char *challenge, char **response, struct err *e)
{
	struct sasl_ctx *ctx = vctx;
	char *out = NULL, why[256];
	int rc;

	*response = NULL;
	if (ctx->cur < 0)
		return err_set(e, EX_SOFTWARE, _("SASL step before start"));
	if (mechs[ctx->cur].flags & M_OAUTH) {
		/* The only challenge is an error report; answer it so that the
		 * server sends its final reply. */
		oauth_describe_error(why, sizeof(why), challenge);
		*response = xstrdup(
		    oauth_error_reply(mechs[ctx->cur].flags & M_BEARER));
		err_set(e, EX_NOPERM,
		    _("the server refused the OAuth2 token: %s"), why);
		return 0;
	}
	rc = ctx->sess ? gsasl_step64(ctx->sess, challenge, &out) :
	                 GSASL_NO_SERVER_CODE;
	if (rc == GSASL_OK || rc == GSASL_NEEDS_MORE) {
		*response = xstrdup(out);
		wipe(out, strlen(out));
		gsasl_free(out);
		return 0;
	}
	gsasl_free(out);
	ctx->step_failed = 1;
	return err_set(e, EX_PROTOCOL,
	    _("SASL %s failed on the server's "
	      "challenge: %s"),
	    mechs[ctx->cur].name, gsasl_strerror(rc));
}

/* Replies that say "this server cannot do this mechanism". */
static int
mech_unusable(int code, const char *enhanced)
{
	static const char *const enh[] = { "5.7.9", "5.7.11", "5.5.4",
		"5.5.1" };
	size_t i;

	if (code == 504 || code == 534 || code == 538)
		return 1;
	if (code == 535 || enhanced == NULL)
		return 0;
	for (i = 0; i < sizeof(enh) / sizeof(enh[0]); i++)
		if (strcmp(enhanced, enh[i]) == 0)
			return 1;
	return 0;
}

static int
sasl_finish(void *vctx, int code, const char *enhanced)
{
	struct sasl_ctx *ctx = vctx;
	int retry;

	retry = code / 100 != 2 && !ctx->step_failed &&
	    mech_unusable(code, enhanced);
	end_session(ctx);
	return retry;
}

const struct auth_ops sasl_auth_ops = {
	sasl_start,
	sasl_step,
	sasl_finish,
};
