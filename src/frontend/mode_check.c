/* mode_check.c — address modes: sendmail -bt (show rewriting), -bv (verify),
 * -bi/newaliases (check the alias file), relayq check. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "auth/authinfo.h"
#include "auth/oauth_token.h"
#include "frontend/frontend.h"
#include "lib/buf.h"
#include "lib/i18n.h"
#include "lib/log.h"
#include "lib/spawn.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "options/conf_map.h"
#include "submit/input.h"
#include "transport/smarthost.h"

/* The addresses to work on: the arguments, else one per line of stdin. */
static int
addresses(struct fe *fe, struct strv *out, struct err *e)
{
	struct input in;
	struct buf line = BUF_INIT;
	const char *p;
	size_t i, n;
	int eol, r;

	for (i = 0; i < fe->opt.args.n; i++)
		strv_add(out, fe->opt.args.v[i]);
	if (out->n > 0)
		return 0;
	input_init(&in, 0, 0, 0);
	while ((r = input_next(&in, &p, &n, &eol, e)) == 1) {
		buf_add(&line, p, n);
		if (!eol)
			continue;
		if (line.len > 0)
			strv_add(out, buf_cstr(&line));
		buf_reset(&line);
	}
	input_free(&in);
	buf_free(&line);
	return r;
}

int
fe_address_test(struct fe *fe)
{
	struct strv addrs = STRV_INIT, res = STRV_INIT;
	struct buf trace = BUF_INIT;
	struct err e;
	size_t i;
	int rc = EX_OK;

	if (fe_rewrite_setup(fe, &e) < 0 || addresses(fe, &addrs, &e) < 0) {
		rc = fe_fail(fe, &e);
		goto done;
	}
	printf(_("Address test mode: qualifying domain %s\n"),
	    fe->qualify_domain);
	for (i = 0; i < addrs.n; i++) {
		buf_reset(&trace);
		strv_free(&res);
		if (rewrite_recipient(&fe->rw, addrs.v[i], &res, &trace, &e) <
		    0) {
			fputs(buf_cstr(&trace), stdout);
			printf(_("%s: error: %s\n"), addrs.v[i], e.msg);
			rc = e.code;
			continue;
		}
		fputs(buf_cstr(&trace), stdout);
	}
done:
	strv_free(&addrs);
	strv_free(&res);
	buf_free(&trace);
	return rc;
}

int
fe_verify(struct fe *fe)
{
	struct strv addrs = STRV_INIT;
	struct buf out = BUF_INIT;
	struct err e;
	size_t i;
	int rc = EX_OK, r;

	if (fe_rewrite_setup(fe, &e) < 0 || addresses(fe, &addrs, &e) < 0) {
		rc = fe_fail(fe, &e);
		goto done;
	}
	for (i = 0; i < addrs.n; i++) {
		r = rewrite_verify(&fe->rw, addrs.v[i], &out);
		if (r != 0)
			rc = r;
	}
	fputs(buf_cstr(&out), stdout);
done:
	strv_free(&addrs);
	buf_free(&out);
	return rc;
}

int
fe_newaliases(struct fe *fe)
{
	const char *afile =
	    fe->opt.alias_file ? fe->opt.alias_file : fe->conf.aliases;
	struct aliases a = ALIASES_INIT;
	struct strv problems = STRV_INIT;
	struct err e;
	size_t i, n;
	int rc = EX_OK;

	if (aliases_load(&a, afile, &e) < 0)
		return fe_fail(fe, &e);
	n = aliases_problems(&a, &problems);
	for (i = 0; i < problems.n; i++)
		fprintf(stderr, "%s: %s\n", fe->progname, problems.v[i]);
	if (n > 0)
		rc = EX_CONFIG;
	printf(_("%s: %zu aliases; relayq reads the file directly, no database "
	         "to rebuild\n"),
	    afile, a.n);
	strv_free(&problems);
	aliases_free(&a);
	return rc;
}

static int run_flush_check(struct fe *fe, const char *flag);

/* relayq-flush's OAuth2 token file: present, private, when the access
 * token expires and when it was refreshed; then a trial refresh, which
 * relayq-flush --oauth-check makes (relayq links no HTTP library).
 * Never a token. */
static int
check_oauth(struct fe *fe)
{
	struct oauth_tokens t = OAUTH_TOKENS_INIT;
	time_t now = time(NULL);
	char *path;
	struct err e;
	int r, rc = EX_OK, t_ok = 0;

	if (fe->conf.oauth_provider == CONF_OAUTH_NONE)
		return EX_OK;
	if (fe->conf.auth_user == NULL) {
		printf(_("oauth: auth_user is not set; set it to the mailbox's "
		         "address\n"));
		rc = EX_CONFIG;
	}
	if (fe->conf.oauth_client_id == NULL) {
		printf(_("oauth: oauth_client_id is not set\n"));
		rc = EX_CONFIG;
	}
	if (fe->conf.oauth_token_file == NULL &&
	    fe_route(fe)->kind == ROUTE_SPOOL) {
		/* Root's --all-users run delivers the spool: it reads the
		 * token from oauth_token_file only. */
		printf(_(
		    "oauth: relayq-flush --all-users needs oauth_token_file "
		    "in the system configuration (for example "
		    "/var/lib/relayq/oauth-token, where relayq-flush-spool.service "
		    "may write)\n"));
		return EX_CONFIG;
	}
	if (fe->conf.oauth_token_file == NULL && !fe->queue_open) {
		printf(_(
		    "oauth: the token file's place (the queue) is not known\n"));
		return EX_CONFIG;
	}
	path = fe->conf.oauth_token_file ?
	    xstrdup(fe->conf.oauth_token_file) :
	    oauth_token_default_path(fe->queue.dir);
	r = oauth_tokens_load(&t, path, fe->id.uid, &e);
	if (r < 0) {
		printf(_("oauth: %s\n"), e.msg);
		rc = EX_CONFIG;
	} else if (r == 1 || t.refresh == NULL) {
		printf(
		    _("oauth: no refresh token in %s; run relayq oauth setup\n"),
		    path);
		rc = EX_CONFIG;
	} else {
		t_ok = 1;
		printf(_("oauth: %s: refresh token present, permissions ok\n"),
		    path);
		if (t.refused != 0) {
			printf(
			    _("oauth: the provider refused the refresh token %lld s "
			      "ago; run relayq oauth setup again\n"),
			    (long long)(now - t.refused));
			rc = EX_CONFIG;
		}
		if (t.access == NULL || t.expires == 0)
			printf(_(
			    "oauth: no cached access token: the next delivery "
			    "refreshes it\n"));
		else if (t.expires > now)
			printf(_("oauth: access token expires in %lld s\n"),
			    (long long)(t.expires - now));
		else
			printf(
			    _("oauth: access token expired %lld s ago: the next "
			      "delivery refreshes it\n"),
			    (long long)(now - t.expires));
		if (t.refreshed != 0)
			printf(_("oauth: last refresh %lld s ago\n"),
			    (long long)(now - t.refreshed));
		else
			printf(_(
			    "oauth: not refreshed since relayq oauth setup\n"));
	}
	oauth_tokens_free(&t);
	free(path);
	if (r == 0 && t_ok) {
		r = run_flush_check(fe, "--oauth-check");
		rc = rc != EX_OK ? rc : r;
	}
	return rc;
}

/* The delivery side of the configuration, as far as the front end can
 * judge it without the network: smarthost syntax and the authinfo file. */
static int
check_delivery(struct fe *fe)
{
	struct smarthost_list hosts = { NULL, 0 };
	struct authinfo ai = AUTHINFO_INIT;
	char *path;
	struct err e;
	size_t i;
	int rc = EX_OK, r;

	if (fe->conf.smarthost == NULL) {
		printf(_(
		    "smarthost: none configured: mail stays queued until one is set\n"));
		return EX_CONFIG;
	}
	if (smarthost_parse(fe->conf.smarthost, conf_map_tls(fe->conf.tls),
	        &hosts, &e) < 0) {
		printf(_("smarthost: %s\n"), e.msg);
		return EX_CONFIG;
	}
	for (i = 0; i < hosts.n; i++)
		printf(_("smarthost: %s port %u, TLS %s%s\n"), hosts.v[i].host,
		    hosts.v[i].port, smarthost_tls_name(hosts.v[i].tls),
		    hosts.v[i].bracketed ? _(", no MX lookup") :
		                           _(", MX lookup"));
	smarthost_list_free(&hosts);
	if (fe_route(fe)->kind == ROUTE_SPOOL && fe->id.uid != 0) {
		/* Root's run reads the credential, not you. */
		printf(_("credentials: looked up by root's run, not by you\n"));
		if (fe->conf.oauth_provider != CONF_OAUTH_NONE)
			printf(_(
			    "oauth: root's relayq-flush --all-users keeps and "
			    "refreshes the OAuth2 token; run relayq check as root to "
			    "see its state and try a refresh\n"));
		return rc;
	}
	path = fe->conf.authinfo != NULL ? xstrdup(fe->conf.authinfo) :
	                                   conf_user_file("authinfo");
	if (path != NULL) {
		r = authinfo_load(&ai, path, fe->id.uid, &e);
		if (r < 0) {
			printf(_("authinfo: %s\n"), e.msg);
			rc = EX_CONFIG;
		} else if (r == 1) {
			printf(
			    _("authinfo: %s does not exist (other credential sources may apply)\n"),
			    path);
		} else {
			printf(_("authinfo: %s: %zu entries, permissions ok\n"),
			    path, ai.n);
		}
		authinfo_free(&ai);
		free(path);
	}
	r = check_oauth(fe);
	return rc != EX_OK ? rc : r;
}

/* In the child, when relayq-flush cannot be started. */
static void
probe_exec_failed(const char *path, int errnum, void *arg)
{
	const struct fe *fe = arg;

	fprintf(stderr,
	    _("%s: cannot start %s: %s; check the installation "
	      "or set RELAYQ_FLUSH\n"),
	    fe->progname, path, strerror(errnum));
}

/* The front end never touches the network: relayq-flush --probe talks
 * to the smarthost (--connect), --oauth-check to the OAuth2 token
 * endpoint (relayq-flush(8)).  Its exit code. */
static int
run_flush_check(struct fe *fe, const char *flag)
{
	const char *path = fe_flush_path();
	const char *argv[16];
	struct spawn_opts so;
	int n, status;
	pid_t pid;

	n = fe_flush_argv(fe, argv, fe->opt.verbose);
	argv[n++] = flag;
	argv[n] = NULL;
	spawn_opts_init(&so);
	so.exec_failed = probe_exec_failed;
	so.arg = fe;
	so.fail_code = EX_OSERR;
	pid = spawn_exec(&so, path, argv, NULL);
	if (pid < 0) {
		fprintf(stderr, _("%s: cannot start %s: %s\n"), fe->progname,
		    path, strerror(errno));
		return EX_OSERR;
	}
	if (spawn_wait(pid, &status) < 0)
		return EX_OSERR;
	return WIFEXITED(status) ? WEXITSTATUS(status) : EX_SOFTWARE;
}

int
fe_check(struct fe *fe)
{
	struct err e;
	int rc, r;

	/* The configuration was loaded by main(); now the rest of what a
	 * message needs on its way into the queue and out of it. */
	if (fe_rewrite_setup(fe, &e) < 0)
		return fe_fail(fe, &e);
	printf(_("configuration: ok\nqualifying domain: %s\n"),
	    fe->qualify_domain);
	rc = fe_check_route(fe);
	if (fe->squatted != (uid_t)-1) {
		/* Said in the route lines: mail still goes (to fallback
		 * queues), so it is no failure of this check. */
		printf(_("queue: a new %s/%lu.XXXXXX for each message\n"),
		    fe_spool_dir(fe), (unsigned long)fe->id.uid);
	} else if (fe_queue_open(fe, &e) < 0) {
		printf(_("queue: %s\n"), e.msg);
		return e.code;
	} else {
		printf(_("queue: %s\n"), fe->queue.dir);
	}
	/* Decided by main() as a background flush decides (no stderr). */
	printf(_("log: %s\n"), log_target_used());
	if (log_target_fallback() != NULL)
		printf(_("log: %s\n"), log_target_fallback());
	r = check_delivery(fe);
	rc = rc != EX_OK ? rc : r;
	r = fe_newaliases(fe);
	rc = rc != EX_OK ? rc : r;
	if (fe->opt.check_connect) {
		printf(_("connection: %s --probe\n"), fe_flush_path());
		r = run_flush_check(fe, "--probe");
		rc = rc != EX_OK ? rc : r;
	}
	return rc;
}
