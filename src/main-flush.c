/* main-flush.c — relayq-flush: options, the queue, one flush run, the
 * exit code and a one-line summary. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "conf.h"
#include "flush.h"
#include "flush_users.h"
#include "i18n.h"
#include "identity.h"
#include "log.h"
#include "nodump.h"
#include "queue.h"
#include "resolver.h"
#include "tls.h"

#define MAX_FILTERS 32

static void
usage(FILE *fp)
{
	fprintf(fp, _("Usage: relayq-flush [-C FILE] [-Q DIR] [-v] [--force [--min-age TIME]]\n"
	    "                    [-I|-R|-S [!]SUBSTRING]...\n"
	    "       relayq-flush --all-users [-C FILE] [-v] [--force] [...]\n"
	    "Delivers the due messages of your queue through the smarthost;\n"
	    "with --all-users (root), those of every queue in the system spool.\n"
	    "See relayq-flush(8).\n"));
}

struct args {
	const char *config;
	const char *queue_dir;
	int verbose, force, all_users;
	long long min_age;      /* --min-age: seconds */
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
	static const struct option longopts[] = {
		{ "all-users", no_argument, NULL, 'a' },
		{ "force", no_argument, NULL, 'f' },
		{ "min-age", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c, i;

	for (i = 1; i < argc; )
		if (strcmp(argv[i], "-!I") == 0 || strcmp(argv[i], "-!R") == 0 ||
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
	while ((c = getopt_long(argc, argv, "C:Q:vI:R:S:", longopts, NULL)) != -1) {
		switch (c) {
		case 'C': a->config = optarg; break;
		case 'Q': a->queue_dir = optarg; break;
		case 'v': a->verbose++; break;
		case 'f': a->force = 1; break;
		case 'm':
			if (conf_duration(optarg, 's', &a->min_age, NULL) < 0)
				return -1;
			break;
		case 'a': a->all_users = 1; break;
		case 'I': case 'R': case 'S':
			if (add_filter(a, c, optarg) < 0)
				return -1;
			break;
		case 'h': usage(stdout); return 1;
		case 'V': printf("relayq-flush %s\n", PACKAGE_VERSION); return 1;
		default: return -1;
		}
	}
	for (i = optind; i < argc; i++)
		if (strcmp(argv[i], "--") != 0)
			return -1;
	if (a->all_users && a->queue_dir != NULL)
		return -1;
	return 0;
}

/* --all-users: the system configuration only (or -C), credentials looked
 * up once as root, then one child per spool queue (flush_users.h). */
static int
all_users(const struct args *a, struct conf *conf, struct err *e)
{
	struct flush_credset creds;
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
	if (flush_creds_prefetch(conf, &creds, e) < 0)
		return -1;
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
	uo.flush = &o;
	uo.creds = &creds;
	rc = flush_users_run(&uo, &ust, e);
	flush_creds_free(&creds);
	if (rc < 0)
		return -1;
	if (a->verbose || ust.exit_code != EX_OK)
		fprintf(stderr, _("relayq-flush: %u spool queues flushed, %u failed, "
		    "%u entries skipped\n"), ust.queues, ust.failed, ust.skipped);
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
	char *dir = NULL;
	int rc, qopen = 0;

	i18n_init();
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
	 * systemd, stderr is the journal, which has the syslog lines already. */
	if (getenv("JOURNAL_STREAM") == NULL)
		log_set_stderr_min(LOG_WARNING);
	identity_load(&id);
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
	dir = queue_locate_env(a.queue_dir ? a.queue_dir : conf.queue_dir,
	    conf.spool_dir, NULL);
	if (queue_open(&q, dir, id.uid, &e) < 0) {
		rc = e.code;
		goto fail;
	}
	qopen = 1;
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
		fprintf(stderr, _("relayq-flush: %u due, %u sent, %u deferred, %u bounced, "
		    "%u held by another run, %u sessions\n"), st.due, st.sent, st.deferred,
		    st.bounced, st.busy, st.sessions);
	goto done;
fail:
	fprintf(stderr, "relayq-flush: %s\n", e.msg);
	log_msg(LOG_ERR, "%s", e.msg);
done:
	if (qopen)
		queue_close(&q);
	free(dir);
	tls_global_deinit();
	conf_free(&conf);
	identity_free(&id);
	return rc;
}
