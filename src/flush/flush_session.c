/* flush_session.c — reaching the smarthost: endpoints in failover order,
 * TCP, TLS (implicit or STARTTLS), credentials and AUTH (see flush.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <time.h>

#include "flush/flush_int.h"
#include "lib/i18n.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "transport/net.h"

int
flusher_prepare(struct flusher *f, struct err *e)
{
	if (session_settings_from_conf(f->o->conf,
	        f->o->id ? f->o->id->fqdn : NULL, &f->set, e) < 0)
		return -1;
	return tls_global_init(e);
}

int
flush_creds_prefetch(const struct conf *conf, struct creds_set *cs,
    struct err *e)
{
	struct session_settings set;
	int rc;

	memset(cs, 0, sizeof(*cs));
	rc = session_settings_from_conf(conf, NULL, &set, e);
	if (rc == 0)
		rc = creds_prefetch(&set.creds, &set.hosts, cs, e);
	session_settings_free(&set);
	return rc;
}

void
flusher_free(struct flusher *f)
{
	hoststat_free(&f->hs);
	session_settings_free(&f->set);
	if (f->resolved)
		smarthost_endpoints_free(&f->eps);
}

void
flusher_contact(struct flusher *f, const char *peer, const struct result *r)
{
	char diag[RESULT_TEXT_MAX + 32];

	if (peer == NULL || *peer == '\0')
		return;
	result_diagnostic(r, diag, sizeof(diag));
	hoststat_set(&f->hs, peer, clock_now(f->o->clock),
	    r->cls == RESULT_OK       ? "ok" :
	        r->cls == RESULT_PERM ? "perm" :
	                                "temp",
	    diag);
}

void
flusher_save_hoststat(struct flusher *f)
{
	struct hoststat cur = HOSTSTAT_INIT;
	char *path;
	struct err e;

	if (f->hs.n == 0)
		return;
	path = hoststat_path(f->o->queue->dir);
	/* A torn or foreign file is replaced: it is only a cache of contacts.
	 */
	if (hoststat_load(path, &cur, &e) < 0) {
		log_msg(LOG_WARNING, "%s; starting it afresh", e.msg);
		hoststat_free(&cur);
	}
	hoststat_merge(&cur, &f->hs);
	if (hoststat_save(f->o->queue->tmp, path, &cur, &e) < 0)
		log_msg(LOG_WARNING, "cannot record the host status: %s",
		    e.msg);
	hoststat_free(&cur);
	free(path);
}

static void
transcript(void *ctx, const char *dir, const char *line)
{
	(void)ctx;
	fprintf(stderr, "%s %s\n", dir, line);
}

/* The TLS handshake and what AUTH needs to know about it. */
static int
start_tls(struct session *ss, struct err *e)
{
	const char *cb_type = NULL;
	size_t cb_len = 0;
	char desc[128];
	int rc;

	/* The whole handshake within command_timeout, like a reply. */
	stream_set_deadline(&ss->s, ss->f->set.command_timeout_ms);
	rc = tls_start(&ss->s, &ss->f->set.tls, ss->ep->host, &ss->tls, e);
	stream_set_deadline(&ss->s, 0);
	if (rc < 0)
		return -1;
	ss->conn.tls = 1;
	/* A certificate verified for a host found through an MX lookup proves
	 * only that host's name, which DNS chose: not enough to hand it a
	 * cleartext password (PLAIN/LOGIN); SCRAM reveals none.  A pin proves
	 * the key itself. */
	ss->conn.tls_verified = tls_trust(ss->tls) == TLS_TRUST_PINNED ||
	    (tls_trust(ss->tls) == TLS_TRUST_VERIFIED && !ss->ep->via_mx);
	free(ss->cb_data);
	ss->cb_data = NULL;
	if (tls_channel_binding(ss->tls, &cb_type, &ss->cb_data, &cb_len,
	        NULL) == 0) {
		ss->conn.cb_type = cb_type;
		ss->conn.cb_data = ss->cb_data;
		ss->conn.cb_len = cb_len;
	}
	if (ss->f->o->verbose)
		fprintf(stderr, _("relayq-flush: TLS with %s: %s\n"), ss->peer,
		    tls_describe(ss->tls, desc, sizeof(desc)));
	if (ss->f->probe != NULL) {
		tls_describe(ss->tls, ss->f->probe->tls,
		    sizeof(ss->f->probe->tls));
		ss->f->probe->have_cert =
		    tls_peer_cert(ss->tls, &ss->f->probe->cert) == 0;
	}
	return 0;
}

static int
starttls_hook(void *ctx, struct stream *s, struct err *e)
{
	(void)s;
	return start_tls(ctx, e);
}

/* Credentials for the smarthost the endpoint came from; none is fine (no
 * AUTH then), a broken source is not. */
static int
setup_auth(struct session *ss, struct err *e)
{
	const struct session_settings *set = &ss->f->set;
	const struct smarthost *h = &set->hosts.v[ss->ep->origin];
	struct sasl_params p;
	struct creds cr;
	const struct creds *use = &cr;
	int r;

	memset(&cr, 0, sizeof(cr));
	if (set->oauth_refresh && ss->f->o->creds == NULL) {
		/* relayq-flush keeps the token itself (oauth_token.h); root's
		 * --all-users run fetched it into o->creds. */
		if (set->creds.user == NULL)
			return err_set(e, EX_CONFIG,
			    _("oauth_provider is set but "
			      "auth_user is not; set auth_user to the mailbox's "
			      "address"));
		if (flusher_oauth_token(ss->f, &cr.secret, &cr.source, e) < 0)
			return -1;
		cr.user = xstrdup(set->creds.user);
		cr.mechs = set->creds.mechs ? xstrdup(set->creds.mechs) : NULL;
		cr.oauth = 1;
		r = 0;
	} else if (ss->f->o->creds != NULL)
		r = creds_set_lookup(ss->f->o->creds, h->host, h->port, &use,
		    e);
	else
		r = creds_get(&set->creds, h->host, ss->ep->port, &cr, e);
	if (r < 0)
		return -1;
	if (r == 1 && set->auth_required) {
		/* The admin asked for AUTH: never fall back to sending without.
		 */
		return err_wrap(e,
		    _("no credentials for %s although AUTH is configured"),
		    h->host);
	}
	if (r == 1 && ss->f->probe != NULL) {
		free(ss->f->probe->auth_none);
		ss->f->probe->auth_none = xstrdup(e->msg);
	}
	if (r == 1) {
		if (ss->f->o->verbose)
			fprintf(stderr,
			    _("relayq-flush: no credentials for %s (%s); "
			      "sending without AUTH\n"),
			    h->host, e->msg);
		return 0;
	}
	if (ss->f->o->verbose)
		fprintf(stderr, _("relayq-flush: %s\n"), use->source);
	if (ss->f->probe != NULL) {
		free(ss->f->probe->auth_source);
		ss->f->probe->auth_source = xstrdup(use->source);
	}
	memset(&p, 0, sizeof(p));
	p.user = use->user;
	p.secret = use->secret;
	p.authzid = use->authzid;
	p.mechs = use->mechs;
	p.oauth = use->oauth;
	p.port = ss->ep->port;
	p.clear = set->clear;
	ss->sasl = sasl_new(&p, e);
	creds_free(&cr);
	if (ss->sasl == NULL)
		return -1;
	ss->cfg.auth = &sasl_auth_ops;
	ss->cfg.auth_ctx = ss->sasl;
	return 0;
}

static void
session_reset(struct session *ss)
{
	if (ss->client != NULL)
		smtp_client_free(ss->client);
	if (ss->connected)
		stream_close(&ss->s);
	sasl_free(ss->sasl);
	free(ss->cb_data);
	ss->client = NULL;
	ss->connected = 0;
	ss->sasl = NULL;
	ss->cb_data = NULL;
	ss->tls = NULL;
	ss->nmsgs = 0;
	ss->ntxn = 0;
	memset(&ss->conn, 0, sizeof(ss->conn));
	memset(&ss->cfg, 0, sizeof(ss->cfg));
}

/* relayq check --connect: the EHLO reply and the mechanism. */
static void
probe_note(struct session *ss)
{
	struct flush_probe *p = ss->f->probe;
	const struct strv *l = smtp_client_ehlo(ss->client);
	size_t i;

	strv_free(&p->ehlo);
	for (i = 0; i < l->n; i++)
		strv_add(&p->ehlo, l->v[i]);
	snprintf(p->auth_mech, sizeof(p->auth_mech), "%s",
	    ss->sasl != NULL && sasl_mechanism(ss->sasl) != NULL ?
	        sasl_mechanism(ss->sasl) :
	        "");
}

/* One endpoint: returns 0 when the session is ready for mail, 1 when it
 * is worth trying again at once with a refreshed OAuth2 token, -1. */
static int
try_endpoint(struct session *ss, const struct smarthost_endpoint *ep,
    struct result *r)
{
	const struct session_settings *set = &ss->f->set;
	const struct smtp_reply_caps *caps;
	struct err e;
	int rc;

	session_reset(ss);
	ss->ep = ep;
	net_peer_name(ss->peer, sizeof(ss->peer), ep->host,
	    (const struct sockaddr *)&ep->addr);
	snprintf(ss->f->last_peer, sizeof(ss->f->last_peer), "%s", ss->peer);
	if (ss->f->o->connect != NULL ?
	        ss->f->o->connect(ss->f->o->connect_ctx, ep->host, &ss->s, &e) :
	        net_connect(ep->host, (const struct sockaddr *)&ep->addr,
	            ep->addrlen, set->connect_timeout_ms,
	            set->command_timeout_ms, &ss->s, &e)) {
		result_set(r, RESULT_TEMP, RESULT_SCOPE_SESSION, "connect",
		    RESULT_ST_NO_ANSWER, "%s", e.msg);
		return -1;
	}
	ss->connected = 1;
	ss->conn.host = set->hosts.v[ep->origin].host;
	ss->cfg.helo = set->helo;
	ss->cfg.reply_timeout_ms = set->command_timeout_ms;
	ss->cfg.conn = &ss->conn;
	ss->cfg.eightbit = set->eightbit;
	ss->cfg.starttls = starttls_hook;
	ss->cfg.starttls_ctx = ss;
	ss->cfg.tls = session_smtp_tls(ep->tls);
	if (ss->f->o->verbose) {
		ss->cfg.transcript = transcript;
		fprintf(stderr, _("relayq-flush: connected to %s\n"), ss->peer);
	}
	if (ep->tls == SMARTHOST_TLS_IMPLICIT && start_tls(ss, &e) < 0) {
		if (e.code == EX_CONFIG)
			ss->f->st->config_error = 1;
		result_set(r, RESULT_TEMP, RESULT_SCOPE_SESSION,
		    "TLS handshake",
		    e.code == EX_CONFIG ? "4.3.5" : RESULT_ST_TLS, "%s", e.msg);
		return -1;
	}
	if (setup_auth(ss, &e) < 0) {
		/* A broken credential source (loose authinfo permissions, a
		 * failing password command, a revoked OAuth2 grant): the admin
		 * must act.  An OAuth2 token endpoint that is down is not
		 * theirs to fix. */
		if (e.code != EX_TEMPFAIL)
			ss->f->st->config_error = 1;
		result_set(r, RESULT_TEMP, RESULT_SCOPE_SESSION, "AUTH",
		    "4.3.5", "%s", e.msg);
		return -1;
	}
	ss->client = smtp_client_new(&ss->s, &ss->cfg);
	rc = smtp_client_open(ss->client, r);
	if (ss->f->probe != NULL)
		probe_note(ss);
	if (rc < 0) {
		/* A cached OAuth2 access token the server refuses (revoked
		 * early, or the clocks disagree): refresh it and try this
		 * endpoint once more. */
		if (set->oauth_refresh && r->code == 535 && r->stage != NULL &&
		    strcmp(r->stage, smtp_client_state_name(SMTP_ST_AUTH)) ==
		        0) {
			if (ss->f->o->creds == NULL &&
			    !ss->f->oauth_refreshed) {
				ss->f->oauth_force = 1;
				return 1;
			}
			/* Root's token, fetched before this child started:
			 * root's run refreshes it (flush_users.h). */
			ss->f->st->oauth_refused = 1;
		}
		return -1;
	}
	ss->f->st->sessions++;
	caps = smtp_client_caps(ss->client);
	if ((caps->flags & SMTP_CAP_SIZE) && caps->size > 0)
		ss->f->size_limit = caps->size;
	if (ss->sasl != NULL && sasl_mechanism(ss->sasl) != NULL &&
	    ss->f->o->verbose)
		fprintf(stderr,
		    _("relayq-flush: authenticated to %s with %s\n"), ss->peer,
		    sasl_mechanism(ss->sasl));
	return 0;
}

int
session_open(struct flusher *f, struct session *ss, struct result *r)
{
	struct err e;
	char line[RESULT_TEXT_MAX + 64];
	size_t i;

	memset(ss, 0, sizeof(*ss));
	ss->f = f;
	if (!f->resolved) {
		if (smarthost_resolve(&f->set.hosts, f->o->resolver,
		        f->set.family, &f->eps, &e) < 0) {
			/* Never a bounce: a smarthost that does not resolve is
			 * the configuration's problem (or DNS's), not the
			 * mail's. */
			if (e.code == EX_NOHOST) {
				f->st->config_error = 1;
				result_set(r, RESULT_TEMP, RESULT_SCOPE_SESSION,
				    "DNS lookup", "4.4.3",
				    "%s; check \"smarthost %s\" in the configuration",
				    e.msg, f->o->conf->smarthost);
			} else {
				result_set(r, RESULT_TEMP, RESULT_SCOPE_SESSION,
				    "DNS lookup", "4.4.3", "%s", e.msg);
			}
			log_msg(LOG_WARNING, "%s", r->text);
			if (f->set.hosts.n > 0)
				snprintf(f->last_peer, sizeof(f->last_peer),
				    "%s", f->set.hosts.v[0].host);
			return -1;
		}
		f->resolved = 1;
	}
	for (i = 0; i < f->eps.n; i++) {
		int rc = try_endpoint(ss, &f->eps.v[i], r);

		if (rc == 1) {
			if (f->o->verbose)
				fprintf(stderr,
				    _("relayq-flush: %s refused the cached "
				      "OAuth2 access token; refreshing it\n"),
				    ss->peer);
			rc = try_endpoint(ss, &f->eps.v[i], r);
		}
		if (rc == 0) {
			struct result ok;

			result_set(&ok, RESULT_OK, RESULT_SCOPE_SESSION, NULL,
			    "2.0.0", "session opened");
			flusher_contact(f, ss->peer, &ok);
			return 0;
		}
		flusher_contact(f, ss->peer, r);
		result_format(r, line, sizeof(line));
		log_msg(LOG_WARNING, "connect to %s: %s", ss->peer, line);
	}
	session_reset(ss);
	return -1;
}

void
session_close(struct session *ss)
{
	if (ss->client != NULL && ss->connected)
		smtp_client_quit(ss->client);
	if (ss->tls != NULL && ss->connected) {
		struct err e;

		stream_flush(&ss->s, &e);
		tls_close(ss->tls);
	}
	session_reset(ss);
}
