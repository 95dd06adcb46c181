/* main-relayq.c — the sendmail front end: argv[0] and flags decide the
 * mode; each mode lives in an fe_*.c file and returns the exit code. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "frontend/frontend.h"
#include "lib/i18n.h"
#include "lib/log.h"

static int
usage_text(void)
{
	printf(_(
	    "Usage: sendmail [flags] [address...]\n"
	    "       mailq | newaliases\n"
	    "       relayq queue [--json|--summary] [--format=text|json|prometheus|openmetrics]\n"
	    "       relayq queue show [--json] ID | delete|hold|release|retry (ID...|--all)\n"
	    "       relayq flush [--force] [-v] | relayq check [--connect]\n"
	    "       relayq oauth setup\n"
	    "       relayq sendmail [flags] [address...] | relayq --version\n"
	    "See relayq(8) for every flag and relayq.conf(5) for the configuration.\n"));
	return EX_OK;
}

static int
dispatch(struct fe *fe)
{
	switch (fe->opt.mode) {
	case CLI_MODE_DELIVER:
		return fe_deliver(fe);
	case CLI_MODE_SMTP:
		return fe_smtp(fe);
	case CLI_MODE_ADDRESS_TEST:
		return fe_address_test(fe);
	case CLI_MODE_VERIFY:
		return fe_verify(fe);
	case CLI_MODE_NEWALIASES:
		return fe_newaliases(fe);
	case CLI_MODE_QUEUE_LIST:
	case CLI_MODE_QUEUE_SUMMARY:
	case CLI_MODE_QUEUE_SHOW:
	case CLI_MODE_QUEUE_DELETE:
	case CLI_MODE_QUEUE_HOLD:
	case CLI_MODE_QUEUE_RELEASE:
	case CLI_MODE_QUEUE_RETRY:
		return fe_queue_list(fe);
	case CLI_MODE_QUEUE_RUN:
	case CLI_MODE_FLUSH:
		return fe_run_flush(fe);
	case CLI_MODE_CHECK:
		return fe_check(fe);
	case CLI_MODE_OAUTH_SETUP:
		return fe_oauth_setup(fe);
	case CLI_MODE_HOSTSTAT:
		return fe_hoststat(fe);
	case CLI_MODE_PURGESTAT:
		return fe_purgestat(fe);
	case CLI_MODE_VERSION:
		printf("relayq %s\n", PACKAGE_VERSION);
		return EX_OK;
	case CLI_MODE_HELP:
		return usage_text();
	default:
		break;
	}
	fprintf(stderr,
	    _("%s: this mode is not available in this version of relayq; "
	      "see relayq(8)\n"),
	    fe->progname);
	return EX_UNAVAILABLE;
}

int
main(int argc, char **argv)
{
	struct fe fe;
	struct err e;
	size_t i;
	int rc;

	i18n_init();
	memset(&fe, 0, sizeof(fe));
	fe.progname = "relayq";
	err_clear(&e);
	if (cli_parse(&fe.opt, argc, argv, &e) < 0) {
		fprintf(stderr, "%s: %s\n", fe.progname, e.msg);
		cli_free(&fe.opt);
		return e.code ? e.code : EX_USAGE;
	}
	log_open(fe.opt.syslog_tag ? fe.opt.syslog_tag : "relayq",
	    fe.opt.verbose > 0);
	if (getenv("RELAYQ_NO_SYSLOG") != NULL)
		log_set_syslog(0);
	for (i = 0; fe.opt.verbose && i < fe.opt.ignored.n; i++)
		fprintf(stderr,
		    _("%s: ignored: %s (no meaning for a null client)\n"),
		    fe.progname, fe.opt.ignored.v[i]);
	if (conf_load(&fe.conf, fe.opt.config_file, &e) < 0) {
		fprintf(stderr, "%s: %s\n", fe.progname, e.msg);
		rc = e.code;
		goto done;
	}
	/* Never stderr as a fallback: the caller reads it (cron mails it). */
	if (log_set_target(fe.conf.log_target, 0, &e) < 0) {
		fprintf(stderr, "%s: %s\n", fe.progname, e.msg);
		rc = e.code;
		goto done;
	}
	cli_merge_conf(&fe.opt, &fe.conf);
	identity_load(&fe.id);
	rc = dispatch(&fe);
done:
	if (fe.queue_open)
		queue_close(&fe.queue);
	route_free(&fe.route);
	if (fe.aliases_loaded)
		aliases_free(&fe.aliases);
	free(fe.qualify_domain);
	identity_free(&fe.id);
	conf_free(&fe.conf);
	cli_free(&fe.opt);
	return rc;
}
