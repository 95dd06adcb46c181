/* flush_check.c — relayq check --connect (relayq-flush --probe): one
 * session to the smarthost step by step, nothing sent (see flush.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "flush/flush_int.h"
#include "lib/i18n.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "transport/net.h"

enum step { S_RESOLVE, S_TCP, S_TLS, S_EHLO, S_AUTH, S_MAIL, S_QUIT, S_N };

/* Step names and the words after them (ok, FAILED, skipped, none, not
 * tried; show_*, report_failure, flush_check) are fixed, not translated:
 * scripts read them, as they read sendmail -bv's "deliverable", and the
 * step names are protocol names anyway.  relayq(8) and relayq-flush(8)
 * say so.  The detail after them, the "fix:" line and the last line are
 * in the user's language. */
static const char *const step_names[S_N] = {
	"resolve",
	"TCP",
	"TLS",
	"EHLO",
	"AUTH",
	"MAIL FROM",
	"RSET, QUIT",
};
static const int step_codes[S_N] = {
	EX_NOHOST,
	EX_UNAVAILABLE,
	EX_PROTOCOL,
	EX_PROTOCOL,
	EX_NOPERM,
	EX_NOPERM,
	EX_PROTOCOL,
};

struct check {
	struct flusher f;
	struct flush_probe p;
	FILE *out;
	int no_starttls; /* TLS failed: the server offers none */
};

/* The detail quotes the server (its EHLO lines, its certificate's names,
 * its replies) and our translated text: what reaches the terminal is
 * log.h's UTF-8 form, never the server's escape sequences. */
static void
line(struct check *c, enum step s, const char *word, const char *detail)
{
	struct buf safe = BUF_INIT;

	if (detail != NULL)
		log_sanitize_buf(&safe, detail, strlen(detail), LOG_TEXT_UTF8);
	fprintf(c->out, "%s: %s%s%s\n", step_names[s], word,
	    safe.len > 0 ? ": " : "", buf_cstr(&safe));
	buf_free(&safe);
}

static void
fix(struct check *c, const char *text)
{
	fprintf(c->out, _("  fix: %s\n"), text);
}

/* The step a failed session_open stopped at, from its result. */
static enum step
failed_step(const struct result *r)
{
	const char *st = r->stage ? r->stage : "";

	if (strcmp(st, "DNS lookup") == 0)
		return S_RESOLVE;
	if (strcmp(st, "connect") == 0)
		return S_TCP;
	if (strcmp(st, "TLS handshake") == 0 || strcmp(st, "STARTTLS") == 0 ||
	    strcmp(r->status, RESULT_ST_NEED_TLS) == 0)
		return S_TLS;
	if (strcmp(st, "AUTH") == 0)
		return S_AUTH;
	return S_EHLO;
}

static void
fix_for(struct check *c, enum step s)
{
	const struct conf *conf = c->f.o->conf;
	char *t = NULL;

	switch (s) {
	case S_RESOLVE:
		t = xasprintf(
		    _("check the host name in \"smarthost %s\" and this "
		      "host's resolver (/etc/resolv.conf)"),
		    conf->smarthost);
		break;
	case S_TCP:
		t = xstrdup(_(
		    "check the port (587: submission with STARTTLS; 465: "
		    "implicit TLS) and that no firewall or hosting provider blocks "
		    "outgoing connections to it"));
		break;
	case S_TLS:
		t = c->no_starttls ?
		    xstrdup(_(
		        "this port offers no STARTTLS: use "
		        "the provider's submission port (587) or port 465 with \"tls "
		        "implicit\"")) :
		    xstrdup(_(
		        "if the smarthost is the right one, set tls_trust_file "
		        "to the CA that signed its certificate or pin it with "
		        "tls_fingerprint; write the smarthost with the name its "
		        "certificate carries; use \"tls implicit\" on port 465"));
		break;
	case S_EHLO:
		t = xstrdup(_(
		    "check that the port speaks SMTP (\"tls implicit\" for "
		    "port 465) and that the smarthost accepts this host's helo_name"));
		break;
	case S_AUTH:
		if (conf->oauth_provider != CONF_OAUTH_NONE &&
		    c->f.o->creds != NULL) {
			/* A spool user: root's token, not readable here. */
			t = xstrdup(_(
			    "only root's relayq-flush --all-users can use "
			    "the OAuth2 token (oauth_token_file): run relayq check "
			    "--connect as root"));
			break;
		}
		if (conf->oauth_provider != CONF_OAUTH_NONE) {
			/* relayq-flush's own token (it was refreshed and
			 * tried again before this step failed). */
			t = xstrdup(_(
			    "the server refused the OAuth2 access token: "
			    "check that auth_user is the mailbox that authorized "
			    "relayq (relayq oauth setup) and that SMTP AUTH is "
			    "enabled for it (see the provider recipes in the README)"));
			break;
		}
		t = xasprintf(
		    _("check the login and password in %s; many providers "
		      "want an app password, or SMTP AUTH enabled for the mailbox "
		      "(see the provider recipes in the README)"),
		    c->p.auth_source ? c->p.auth_source :
		                       _("the credential source"));
		break;
	case S_MAIL:
		t = c->p.auth_source == NULL && c->p.auth_none != NULL ?
		    xasprintf(
		        _("the smarthost may want AUTH: no credentials were "
		          "found (%s); configure authinfo or another source "
		          "(relayq.conf(5))"),
		        c->p.auth_none) :
		    xstrdup(_(
		        "the smarthost refuses this sender: set from_address "
		        "to an address the login may send as (relayq.conf(5))"));
		break;
	default:
		t = xstrdup(
		    _("the smarthost ended the session; try again, then look "
		      "at its -v transcript (relayq-flush -v)"));
		break;
	}
	fix(c, t);
	free(t);
}

static void
show_resolve(struct check *c)
{
	struct buf b = BUF_INIT;
	char peer[320];
	size_t i;

	for (i = 0; i < c->f.eps.n && i < 8; i++) {
		net_peer_name(peer, sizeof(peer), c->f.eps.v[i].host,
		    (const struct sockaddr *)&c->f.eps.v[i].addr);
		buf_printf(&b, "%s%s", i ? ", " : "", peer);
	}
	if (c->f.eps.n > 8)
		buf_printf(&b, ", ...");
	line(c, S_RESOLVE, "ok", buf_cstr(&b));
	buf_free(&b);
}

static void
show_tls(struct check *c, const struct smarthost_endpoint *ep)
{
	char *t;

	if (c->p.tls[0] == '\0') {
		line(c, S_TLS, "none",
		    ep != NULL && ep->tls == SMARTHOST_TLS_NONE ?
		        _("\"tls none\": the session is not encrypted") :
		        _("the server offered no STARTTLS"));
		return;
	}
	if (!c->p.have_cert) {
		line(c, S_TLS, "ok", c->p.tls);
		return;
	}
	t = xasprintf(_("%s; subject %s; issuer %s; names %s; expires %s"),
	    c->p.tls, c->p.cert.subject, c->p.cert.issuer, c->p.cert.names,
	    c->p.cert.expires_text);
	line(c, S_TLS, "ok", t);
	free(t);
}

static void
show_ehlo(struct check *c)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < c->p.ehlo.n; i++)
		buf_printf(&b,
		    i == 0     ? "%s:" :
		        i == 1 ? " %s" :
		                 ", %s",
		    c->p.ehlo.v[i]);
	line(c, S_EHLO, "ok", buf_cstr(&b));
	buf_free(&b);
}

static void
show_auth(struct check *c)
{
	char *t;

	if (c->p.auth_source == NULL) {
		t = xasprintf(
		    _("none: no credentials (%s); sending without AUTH"),
		    c->p.auth_none ? c->p.auth_none : "-");
		line(c, S_AUTH, "skipped", t);
	} else {
		t = xasprintf(_("%s with %s"),
		    c->p.auth_mech[0] ? c->p.auth_mech : "?", c->p.auth_source);
		line(c, S_AUTH, "ok", t);
	}
	free(t);
}

/* The steps before `failed` passed; show them, then the failure. */
static int
report_failure(struct check *c, enum step failed, const struct result *r,
    const char *peer)
{
	char text[RESULT_TEXT_MAX + 64];
	enum step s;

	c->no_starttls = strcmp(r->status, RESULT_ST_NEED_TLS) == 0;
	for (s = S_RESOLVE; s < failed; s++) {
		switch (s) {
		case S_RESOLVE:
			show_resolve(c);
			break;
		case S_TCP:
			line(c, S_TCP, "ok", peer);
			break;
		case S_TLS: /* the endpoint tried last: the failure's */
			show_tls(c,
			    c->f.eps.n > 0 ? &c->f.eps.v[c->f.eps.n - 1] :
			                     NULL);
			break;
		case S_EHLO:
			show_ehlo(c);
			break;
		case S_AUTH:
			show_auth(c);
			break;
		default:
			break;
		}
	}
	result_diagnostic(r, text, sizeof(text));
	line(c, failed, "FAILED", text);
	fix_for(c, failed);
	for (s = failed + 1; s < S_N; s++)
		line(c, s, "not tried", NULL);
	return step_codes[failed];
}

int
flush_check(const struct flush_opts *o, const char *sender, FILE *out,
    struct err *e)
{
	struct check c;
	struct flush_stats st;
	struct session ss;
	struct result r;
	char text[RESULT_TEXT_MAX + 64];
	enum step at;
	int rc = EX_OK, tr;

	memset(&c, 0, sizeof(c));
	memset(&st, 0, sizeof(st));
	c.f.o = o;
	c.f.st = &st;
	c.f.last_start = -1;
	c.f.probe = &c.p;
	c.out = out;
	if (flusher_prepare(&c.f, e) < 0) {
		flusher_free(&c.f);
		return -1;
	}
	if (session_open(&c.f, &ss, &r) < 0) {
		rc = report_failure(&c, failed_step(&r), &r, c.f.last_peer);
		goto done;
	}
	show_resolve(&c);
	line(&c, S_TCP, "ok", ss.peer);
	show_tls(&c, ss.ep);
	show_ehlo(&c);
	show_auth(&c);
	tr = smtp_client_try_sender(ss.client, sender, &r);
	result_diagnostic(&r, text, sizeof(text));
	if (tr == 0) {
		char *t = xasprintf("<%s> (%s)", sender, text);

		line(&c, S_MAIL, "ok", t);
		free(t);
	} else {
		char *t = xasprintf("<%s>: %s", sender, text);

		/* A session lost at MAIL (421) fails that step; RSET's refusal
		 * fails the last one. */
		at = tr == 1 ||
		        (r.stage != NULL && strcmp(r.stage, "MAIL FROM") == 0) ?
		    S_MAIL :
		    S_QUIT;
		line(&c, at, "FAILED", t);
		free(t);
		fix_for(&c, at);
		rc = step_codes[at];
		if (at == S_MAIL)
			line(&c, S_QUIT, "not tried", NULL);
		session_close(&ss);
		goto done;
	}
	session_close(&ss);
	line(&c, S_QUIT, "ok", NULL);
done:
	fprintf(out,
	    rc == EX_OK ? _("all steps passed; nothing was sent\n") :
	                  _("a step failed; nothing was sent\n"));
	strv_free(&c.p.ehlo);
	free(c.p.auth_source);
	free(c.p.auth_none);
	flusher_free(&c.f);
	return rc;
}
