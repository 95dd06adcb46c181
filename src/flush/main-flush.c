/* main-flush.c — relayq-flush: options, the queue, one flush run, the
 * exit code and a one-line summary. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "flush/flush.h"
#include "flush/flush_users.h"
#include "lib/i18n.h"
#include "lib/identity.h"
#include "lib/log.h"
#include "lib/nodump.h"
#include "lib/xalloc.h"
#include "options/conf.h"
#include "queue/queue.h"
#include "route/route.h"
#include "route/spool.h"
#include "tls/tls.h"
#include "transport/resolver.h"

#define MAX_FILTERS 32

static void
usage(FILE *fp)
{
	fprintf(fp,
	    _("Usage: relayq-flush [-C FILE] [-Q DIR] [-v] [--force [--min-age TIME]]\n"
	      "                    [-I|-R|-S [!]SUBSTRING]...\n"
	      "       relayq-flush --all-users [-C FILE] [-v] [--force] [...]\n"
	      "       relayq-flush --oauth-setup [-C FILE] [-Q DIR]\n"
	      "       relayq-flush --probe [-C FILE] [-v]\n"
	      "       relayq-flush --oauth-check [-C FILE] [-v]\n"
	      "Delivers the due messages of your queue through the smarthost;\n"
	      "with --all-users (root), those of every queue in the system spool;\n"
	      "with --probe, checks the way to the smarthost and sends nothing;\n"
	      "with --oauth-check, tries a refresh of the OAuth2 access token.\n"
	      "See relayq-flush(8).\n"));
}

struct args {
	const char *config;
	const char *queue_dir;
	int verbose, force, all_users, probe;
	int oauth_setup;   /* --oauth-setup: relayq oauth setup */
	int oauth_check;   /* --oauth-check: relayq check's refresh */
	long long min_age; /* --min-age: seconds */
	struct flush_filter filters[MAX_FILTERS];
	size_t nfilters;
};

static int
add_filter(struct args *a, int kind, const char *arg)
{
	if (a->nfilters == MAX_FILTERS)
		return -1;
	a->filters[a->nfilters].kind = (char)kind;
	a->filters[a->nfilters].negate = arg[0] == '!';
	a->filters[a->nfilters].substr = arg[0] == '!' ? arg + 1 : arg;
	a->nfilters++;
	return 0;
}

/* Returns -1 to exit with EX_USAGE, 1 to exit 0 (help/version), 0 to run.
 * The front end passes -!I style filters as "-!I SUBSTR": accept those. */
static int
parse_args(struct args *a, int argc, char **argv)
{
	/* clang-format off */
	static const struct option longopts[] = {
		{ "all-users", no_argument, NULL, 'a' },
		{ "probe", no_argument, NULL, 'p' },
		{ "force", no_argument, NULL, 'f' },
		{ "min-age", required_argument, NULL, 'm' },
		{ "oauth-setup", no_argument, NULL, 'O' },
		{ "oauth-check", no_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	/* clang-format on */
	int c, i;

	for (i = 1; i < argc;)
		if (strcmp(argv[i], "-!I") == 0 ||
		    strcmp(argv[i], "-!R") == 0 ||
		    strcmp(argv[i], "-!S") == 0) {
			int k;

			if (i + 1 >= argc)
				return -1;
			if (add_filter(a, argv[i][2], argv[i + 1]) < 0)
				return -1;
			a->filters[a->nfilters - 1].negate = 1;
			/* Take the pair out so that getopt sees the rest. */
			for (k = i; k + 2 <= argc; k++)
				argv[k] = argv[k + 2];
			argc -= 2;
		} else {
			i++;
		}
	while ((c = getopt_long(argc, argv, "C:Q:vI:R:S:", longopts, NULL)) !=
	    -1) {
		switch (c) {
		case 'C':
			a->config = optarg;
			break;
		case 'Q':
			a->queue_dir = optarg;
			break;
		case 'v':
			a->verbose++;
			break;
		case 'f':
			a->force = 1;
			break;
		case 'm':
			if (conf_duration(optarg, 's', &a->min_age, NULL) < 0)
				return -1;
			break;
		case 'a':
			a->all_users = 1;
			break;
		case 'O':
			a->oauth_setup = 1;
			break;
		case 'K':
			a->oauth_check = 1;
			break;
		case 'p':
			a->probe = 1;
			break;
		case 'I':
		case 'R':
		case 'S':
			if (add_filter(a, c, optarg) < 0)
				return -1;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case 'V':
			printf("relayq-flush %s\n", PACKAGE_VERSION);
			return 1;
		default:
			return -1;
		}
	}
	for (i = optind; i < argc; i++)
		if (strcmp(argv[i], "--") != 0)
			return -1;
	if (a->all_users && (a->queue_dir != NULL || a->oauth_setup))
		return -1;
	if ((a->probe || a->oauth_check) &&
	    (a->all_users || a->force || a->nfilters > 0 || a->oauth_setup ||
	        a->probe + a->oauth_check > 1))
		return -1;
	return 0;
}

/* Root by hand (relayq flush) finds no credential: where the password is
 * a systemd credential, it exists only inside the unit.  Say how to run
 * the unit instead. */
static void
unit_credential_hint(const struct creds_set *cs)
{
	size_t i;

	if (getenv("CREDENTIALS_DIRECTORY") != NULL ||
	    getenv("JOURNAL_STREAM") != NULL)
		return; /* inside a unit */
	for (i = 0; i < cs->n; i++)
		if (!cs->v[i].found) {
			fprintf(stderr,
			    _("relayq-flush: no credentials for %s here (%s); "
			      "if the password is a systemd credential (LoadCredential= in "
			      "relayq-flush-spool.service), it exists only inside the unit: "
			      "run systemctl start relayq-flush-spool.service\n"),
			    cs->v[i].host, cs->v[i].why ? cs->v[i].why : "-");
			return;
		}
}

/* A spool user flushing its own queue (the front end's flush after a
 * message, relayq flush): the credential is root's to read.  Looked up
 * before any session, so that a user who cannot read it opens none
 * (a TLS session that ends before AUTH costs the smarthost for nothing)
 * and touches no message.  Returns 0 with cs, or -1 after one log line. */
static int
guest_creds(const struct conf *conf, const struct queue *q,
    struct creds_set *cs)
{
	struct err e;

	if (flush_creds_prefetch(conf, cs, &e) == 0)
		return 0;
	log_msg(LOG_WARNING,
	    "%s: not delivered by uid %lu (%s); root's "
	    "relayq-flush --all-users delivers this queue",
	    q->dir, (unsigned long)getuid(), e.msg);
	return -1;
}

/* Lines to the configured log target.  stderr is a last resort only on
 * a terminal (by hand): under cron every line would be mailed, and the
 * mail would start the next run; a detached run's stderr is /dev/null. */
static int
set_log_target(const struct conf *conf, struct err *e)
{
	return log_set_target(conf->log_target, isatty(2), e);
}

/* The sender relayq check --connect tries: what the front end would put
 * on mail from this user (from_address, else sender_address, else
 * login@domain).  Allocated. */
static char *
probe_sender(const struct conf *conf, const struct identity *id)
{
	const char *a =
	    conf->from_address ? conf->from_address : conf->sender_address;

	if (a != NULL)
		return xstrdup(a);
	return xasprintf("%s@%s", id->user,
	    conf->domain ? conf->domain : id->fqdn);
}

/* --probe: relayq check --connect.  A spool user's credential is root's:
 * looked up as a run would, and when it cannot be read the steps up to
 * AUTH still run. */
static int
probe(const struct args *a, const struct conf *conf, const struct identity *id,
    const struct route *route, struct err *e)
{
	struct creds_set creds;
	struct resolver res;
	struct flush_opts o;
	struct err le;
	char *sender;
	int rc;

	/* Its findings are the output: no mail log lines for a probe. */
	log_set_syslog(0);
	log_set_stderr_min(-1);
	memset(&creds, 0, sizeof(creds));
	resolver_system(&res);
	memset(&o, 0, sizeof(o));
	o.conf = conf;
	o.id = id;
	o.resolver = &res;
	o.verbose = a->verbose;
	/* OAuth2: the token file a run of this route uses (root's spool
	 * run: oauth_token_file only). */
	if (route->kind != ROUTE_SPOOL)
		o.oauth_dir = route->dir;
	if (route->kind == ROUTE_SPOOL && id->uid != 0) {
		if (conf->oauth_provider != CONF_OAUTH_NONE)
			printf(
			    _("oauth: root's relayq-flush --all-users reads and "
			      "refreshes the OAuth2 token (oauth_token_file), which uid "
			      "%lu cannot: run relayq check --connect as root\n"),
			    (unsigned long)id->uid);
		if (flush_creds_prefetch(conf, &creds, &le) < 0)
			printf(
			    _("credentials: cannot be read by uid %lu (%s); root's "
			      "run reads them: run relayq check --connect as root\n"),
			    (unsigned long)id->uid, le.msg);
		o.creds = &creds;
	}
	sender = probe_sender(conf, id);
	rc = flush_check(&o, sender, stdout, e);
	free(sender);
	creds_set_free(&creds);
	return rc;
}

/* --oauth-check: relayq check's trial refresh, of the token file a
 * delivery run of this user would use.  A spool user's mail goes with
 * root's token, which only root's run reads: nothing to try here. */
static int
oauth_check(const struct conf *conf, const struct identity *id,
    const struct route *route)
{
	struct err e;

	log_set_syslog(0);
	log_set_stderr_min(-1);
	if (route->kind == ROUTE_SPOOL && id->uid != 0) {
		printf(_(
		    "oauth: trial refresh skipped: root's relayq-flush "
		    "--all-users refreshes the OAuth2 token for the spool; run "
		    "relayq check as root\n"));
		return EX_OK;
	}
	return flush_oauth_check(conf,
	           route->kind == ROUTE_SPOOL ? NULL : route->dir, stdout,
	           &e) == 0 ?
	    EX_OK :
	    e.code;
}

/* flush_users_opts.oauth_refresh: root's access token again, whatever
 * its expiry (a child's server refused it). */
static int
all_users_oauth_refresh(void *ctx, struct creds_set *cs, struct err *e)
{
	return flush_oauth_prefetch(ctx, cs, 1, e);
}

/* --all-users: the system configuration only (or -C), credentials looked
 * up once as root, then one child per spool queue (flush_users.h). */
static int
all_users(const struct args *a, struct conf *conf, struct err *e)
{
	struct creds_set creds;
	struct flush_users_opts uo;
	struct flush_users_stats ust;
	struct resolver res;
	struct flush_opts o;
	int rc;

	memset(&creds, 0, sizeof(creds));
	if (flush_users_require_root(e) < 0)
		return -1;
	/* Never a user's configuration: root reads only its own files. */
	if (conf_load_file(conf, a->config ? a->config : conf_system_path(),
	        a->config != NULL, e) < 0)
		return -1;
	/* Opened as root, before the children drop to each user. */
	if (set_log_target(conf, e) < 0)
		return -1;
	if (flush_creds_prefetch(conf, &creds, e) < 0)
		return -1;
	/* One refresh for every child, before any starts. */
	if (flush_oauth_prefetch(conf, &creds, 0, e) < 0) {
		creds_set_free(&creds);
		return -1;
	}
	unit_credential_hint(&creds);
	resolver_system(&res);
	memset(&o, 0, sizeof(o));
	o.conf = conf;
	o.resolver = &res;
	o.force = a->force;
	o.min_age = a->min_age;
	o.verbose = a->verbose;
	o.filters = a->filters;
	o.nfilters = a->nfilters;
	uo.spool = conf->spool_dir;
	uo.timeout = conf->spool_queue_timeout;
	uo.flush = &o;
	uo.creds = &creds;
	uo.oauth_refresh = conf->oauth_provider != CONF_OAUTH_NONE ?
	    all_users_oauth_refresh :
	    NULL;
	uo.oauth_ctx = conf;
	rc = flush_users_run(&uo, &ust, e);
	creds_set_free(&creds);
	if (rc < 0)
		return -1;
	if (a->verbose || ust.exit_code != EX_OK)
		fprintf(stderr,
		    _("relayq-flush: %u spool queues flushed, %u failed, "
		      "%u entries skipped\n"),
		    ust.queues, ust.failed, ust.skipped);
	return ust.exit_code;
}

int
main(int argc, char **argv)
{
	struct args a;
	struct conf conf;
	struct identity id;
	struct queue q;
	struct resolver res;
	struct flush_opts o;
	struct flush_stats st;
	struct err e;
	struct creds_set creds;
	struct route route;
	uid_t squatter;
	char *dir = NULL;
	int rc, r, qopen = 0;

	i18n_init();
	/* A server that closes the connection under a pipelined write (421
	 * "too many errors") is an EPIPE to handle, not a signal to die of;
	 * the programs relayq-flush runs get SIGPIPE's default back. */
	signal(SIGPIPE, SIG_IGN);
	/* Before anything can read a secret: no core file, no ptrace. */
	if (nodump_enable(&e) < 0) {
		fprintf(stderr, "relayq-flush: %s\n", e.msg);
		return e.code;
	}
	memset(&a, 0, sizeof(a));
	rc = parse_args(&a, argc, argv);
	if (rc != 0) {
		if (rc < 0)
			usage(stderr);
		return rc < 0 ? EX_USAGE : EX_OK;
	}
	log_open("relayq-flush", 0);
	if (getenv("RELAYQ_NO_SYSLOG") != NULL)
		log_set_syslog(0);
	log_set_verbose(a.verbose);
	/* Run by hand or from cron, say what went wrong on stderr too; under
	 * systemd, stderr is the journal, which has the syslog lines already.
	 */
	if (getenv("JOURNAL_STREAM") == NULL)
		log_set_stderr_min(LOG_WARNING);
	identity_load(&id);
	memset(&route, 0, sizeof(route));
	memset(&creds, 0, sizeof(creds));
	if (a.all_users) {
		conf_init(&conf);
		rc = all_users(&a, &conf, &e);
		if (rc < 0) {
			rc = e.code;
			goto fail;
		}
		goto done;
	}
	if (conf_load(&conf, a.config, &e) < 0) {
		rc = e.code;
		goto fail;
	}
	if (set_log_target(&conf, &e) < 0) {
		rc = e.code;
		goto fail;
	}
	route_decide_env(a.queue_dir ? a.queue_dir : conf.queue_dir,
	    conf.spool_dir, conf.own_smarthost, conf.smarthost != NULL, &route);
	if (a.oauth_check) {
		rc = oauth_check(&conf, &id, &route);
		goto done;
	}
	if (a.probe) {
		rc = probe(&a, &conf, &id, &route, &e);
		if (rc < 0) {
			rc = e.code;
			goto fail;
		}
		goto done;
	}
	if (route.loc == QUEUE_LOC_SPOOL) {
		if (spool_queue_dir(conf.spool_dir, id.uid, 0, &dir, &squatter,
		        &e) < 0) {
			rc = e.code;
			goto fail;
		}
	} else {
		dir = xstrdup(route.dir);
	}
	r = queue_open(&q, dir, id.uid, &e);
	if (r == 0 && route_old_exists(&route) && access(q.tmp, W_OK) < 0) {
		err_sys(&e, EX_CANTCREAT, errno, _("cannot write in %s"),
		    q.tmp);
		queue_close(&q);
		r = -1;
	}
	if (r < 0) {
		if (!route_old_exists(&route)) {
			rc = e.code;
			goto fail;
		}
		/* The spool queue cannot be opened here (a sandbox that
		 * leaves only the home queue writable): deliver what waits in
		 * the previous rule's queue where it is, never strand it. */
		log_msg(LOG_NOTICE, "%s; delivering %s in place", e.msg,
		    route.old);
		free(dir);
		dir = xstrdup(route.old);
		if (queue_open(&q, dir, id.uid, &e) < 0) {
			rc = e.code;
			goto fail;
		}
		route.kind = ROUTE_PERSONAL;
	} else {
		(void)route_migrate(&route, &q);
	}
	qopen = 1;
	if (a.oauth_setup) {
		rc = flush_oauth_setup(&conf, q.dir, &e) < 0 ? e.code : EX_OK;
		if (rc != EX_OK)
			goto fail;
		goto done;
	}
	resolver_system(&res);
	memset(&o, 0, sizeof(o));
	o.conf = &conf;
	o.id = &id;
	o.queue = &q;
	o.resolver = &res;
	o.force = a.force;
	o.min_age = a.min_age;
	o.verbose = a.verbose;
	o.filters = a.filters;
	o.nfilters = a.nfilters;
	o.guest = route.kind == ROUTE_SPOOL && id.uid != 0;
	if (o.guest && guest_creds(&conf, &q, &creds) < 0) {
		rc = EX_TEMPFAIL; /* queued; root's run delivers it */
		goto done;
	}
	if (o.guest)
		o.creds = &creds;
	/* By hand ("relayq flush", sendmail -q) waits for a run in progress
	 * and then tries everything; the timer's and the front end's runs
	 * hand over to it. */
	o.wait_lock = a.force;
	if (flush_queue(&o, &st, &e) < 0) {
		rc = e.code;
		goto fail;
	}
	rc = st.config_error ? EX_CONFIG : st.exit_code;
	if (st.handed_over)
		goto done;
	if (a.verbose || rc != EX_OK)
		fprintf(stderr,
		    _("relayq-flush: %u due, %u sent, %u deferred, %u bounced, "
		      "%u held by another run, %u sessions\n"),
		    st.due, st.sent, st.deferred, st.bounced, st.busy,
		    st.sessions);
	goto done;
fail:
	fprintf(stderr, "relayq-flush: %s\n", e.msg);
	log_msg(LOG_ERR, "%s", e.msg);
done:
	if (qopen)
		queue_close(&q);
	free(dir);
	creds_set_free(&creds);
	route_free(&route);
	tls_global_deinit();
	conf_free(&conf);
	identity_free(&id);
	return rc;
}
