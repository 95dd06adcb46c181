/* setup.c — set-up shared by the front end's modes (see frontend.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "frontend/frontend.h"
#include "lib/i18n.h"
#include "lib/log.h"
#include "lib/spawn.h"
#include "lib/xalloc.h"
#include "queue/runlock.h"
#include "queue/trigger.h"
#include "route/spool.h"

int
fe_fail(struct fe *fe, const struct err *e)
{
	int mode = fe->opt.error_mode;

	if (mode != CONF_ERRMODE_QUIET)
		fprintf(stderr, "%s: %s\n", fe->progname, e->msg);
	return e->code ? e->code : EX_SOFTWARE;
}

int
fe_refuse(struct fe *fe, const struct err *e)
{
	int mode = fe->opt.error_mode, rc = fe_fail(fe, e);

	if ((mode == CONF_ERRMODE_MAIL || mode == CONF_ERRMODE_MAIL_EXIT0) &&
	    fe_mail_error(fe, e) == 0) {
		fe_after_queue(fe);
		if (mode == CONF_ERRMODE_MAIL_EXIT0)
			rc = EX_OK;
	}
	return rc;
}

int
fe_rewrite_setup(struct fe *fe, struct err *e)
{
	const char *afile =
	    fe->opt.alias_file ? fe->opt.alias_file : fe->conf.aliases;

	if (fe->qualify_domain != NULL)
		return 0;
	if (!fe->opt.no_alias && afile != NULL && *afile != '\0') {
		if (aliases_load(&fe->aliases, afile, e) < 0)
			return -1;
		fe->aliases_loaded = 1;
	}
	fe->qualify_domain =
	    xstrdup(fe->conf.domain ? fe->conf.domain : fe->id.fqdn);
	fe->local_names[0] = fe->id.host;
	fe->local_names[1] = fe->id.fqdn;
	fe->local_names[2] = NULL;
	memset(&fe->rw, 0, sizeof(fe->rw));
	fe->rw.qualify_domain = fe->qualify_domain;
	fe->rw.local_names = fe->local_names;
	fe->rw.masquerade =
	    fe->conf.masquerade.n > 0 ? fe->qualify_domain : NULL;
	fe->rw.catch_all = fe->conf.catchall;
	fe->rw.sender_address = fe->conf.sender_address;
	fe->rw.aliases = fe->aliases_loaded ? &fe->aliases : NULL;
	fe->rw.no_alias = fe->opt.no_alias;
	return 0;
}

const char *
fe_spool_dir(const struct fe *fe)
{
	return fe->conf.spool_dir ? fe->conf.spool_dir : SPOOLDIR;
}

const struct route *
fe_route(struct fe *fe)
{
	const char *configured =
	    fe->opt.queue_dir ? fe->opt.queue_dir : fe->conf.queue_dir;

	if (!fe->routed) {
		route_decide_env(configured, fe_spool_dir(fe),
		    fe->conf.own_smarthost, fe->conf.smarthost != NULL,
		    &fe->route);
		fe->routed = 1;
	}
	return &fe->route;
}

int
fe_queue_open(struct fe *fe, struct err *e)
{
	const struct route *r = fe_route(fe);
	char *dir = NULL;
	int rc;

	/* Only a submission makes a fallback queue (a listing of a squatted
	 * name says so), and a submission or a flush moves the mail of the
	 * previous rule's home queue into the spool. */
	int create =
	    fe->opt.mode == CLI_MODE_DELIVER || fe->opt.mode == CLI_MODE_SMTP;
	int move = create || fe->opt.mode == CLI_MODE_FLUSH ||
	    fe->opt.mode == CLI_MODE_QUEUE_RUN;

	if (fe->queue_open)
		return 0;
	fe->squatted = (uid_t)-1;
	if (r->loc == QUEUE_LOC_SPOOL) {
		if (spool_queue_dir(fe_spool_dir(fe), fe->id.uid, create, &dir,
		        &fe->squatted, e) < 0)
			return -1;
		if (fe->squatted != (uid_t)-1)
			log_msg(LOG_WARNING,
			    "%s/%lu was made by uid %lu, not by uid %lu; "
			    "uid %lu's mail goes to %s instead (root can remove the "
			    "squatted entry: rm -r %s/%lu)",
			    fe_spool_dir(fe), (unsigned long)fe->id.uid,
			    (unsigned long)fe->squatted,
			    (unsigned long)fe->id.uid,
			    (unsigned long)fe->id.uid, dir, fe_spool_dir(fe),
			    (unsigned long)fe->id.uid);
	}
	rc = queue_open(&fe->queue, dir != NULL ? dir : r->dir, fe->id.uid, e);
	free(dir);
	if (rc < 0)
		return -1;
	fe->queue_open = 1;
	if (create)
		(void)fe_route_warn(fe);
	if (move)
		fe_route_migrate(fe);
	return 0;
}

const char *
fe_flush_path(void)
{
	const char *p = getenv("RELAYQ_FLUSH");

	return p != NULL && *p != '\0' ? p : BINDIR "/relayq-flush";
}

int
fe_flush_argv(const struct fe *fe, const char **argv, int verbose)
{
	int n = 0;

	argv[n++] = "relayq-flush";
	if (fe->opt.config_file != NULL) {
		argv[n++] = "-C";
		argv[n++] = fe->opt.config_file;
	}
	if (fe->opt.queue_dir != NULL) {
		argv[n++] = "-Q";
		argv[n++] = fe->opt.queue_dir;
	}
	if (verbose)
		argv[n++] = "-v";
	argv[n] = NULL;
	return n;
}

int
fe_root_delivers(const struct fe *fe)
{
	return fe->queue_open && fe->route.loc == QUEUE_LOC_SPOOL &&
	    fe->id.uid != 0;
}

/* A run in progress on this queue takes the message before it quits
 * (runlock.h): no second run, no second session.  Returns 1 when the
 * message was handed over, 0 when a run must be started. */
static int
hand_over(struct fe *fe)
{
	struct err e;
	int r;

	r = runlock_handover(&fe->queue, (unsigned)fe->conf.max_connections,
	    &e);
	if (r == RUNLOCK_HANDED) {
		if (fe->opt.verbose)
			fprintf(stderr,
			    _("%s: a delivery run in progress on %s "
			      "takes the message\n"),
			    fe->progname, fe->queue.dir);
		return 1;
	}
	if (r < 0)
		log_msg(LOG_WARNING, "%s", e.msg);
	return 0;
}

/* A queue root delivers: hand over to root's run in progress, else touch
 * the spool's trigger (systemd's relayq-flush-spool.path starts root's
 * run; without it the timer or cron delivers). */
static void
ask_root(struct fe *fe)
{
	const char *spool = fe->conf.spool_dir ? fe->conf.spool_dir : SPOOLDIR;
	struct err e;

	if (hand_over(fe))
		return;
	if (trigger_touch(spool, &e) < 0) {
		log_msg(LOG_WARNING,
		    "%s; the message waits for the next timer or "
		    "cron run of relayq-flush --all-users",
		    e.msg);
		return;
	}
	if (fe->opt.verbose)
		fprintf(stderr,
		    _("%s: queued in the system spool; asked root's "
		      "delivery to start (%s/%s)\n"),
		    fe->progname, spool, TRIGGER_NAME);
}

/* In the child, when the interactive flush cannot be started. */
static void
flush_exec_failed(const char *path, int errnum, void *arg)
{
	const struct fe *fe = arg;

	fprintf(stderr,
	    _("%s: cannot start %s: %s; the message stays queued\n"),
	    fe->progname, path, strerror(errnum));
}

void
fe_after_queue(struct fe *fe)
{
	const char *path = fe_flush_path();
	const char *argv[8];
	struct spawn_opts so;
	struct err e;
	int status;
	pid_t pid;

	if (fe->opt.delivery_mode == CONF_DELIVERY_QUEUE ||
	    fe->opt.delivery_mode == CONF_DELIVERY_DEFERRED)
		return;
	if (fe_root_delivers(fe)) {
		ask_root(fe);
		return;
	}
	if (fe->queue_open && hand_over(fe))
		return;
	fe_flush_argv(fe, argv,
	    fe->opt.verbose &&
	        fe->opt.delivery_mode == CONF_DELIVERY_INTERACTIVE);
	if (fe->opt.delivery_mode != CONF_DELIVERY_INTERACTIVE) {
		if (access(path, X_OK) != 0) {
			log_msg(LOG_WARNING,
			    "cannot start %s: %s; the message stays queued "
			    "until the next queue run",
			    path, strerror(errno));
			return;
		}
		if (spawn_detached(path, argv, &e) < 0)
			log_msg(LOG_WARNING, "%s", e.msg);
		return;
	}
	spawn_opts_init(&so);
	so.exec_failed = flush_exec_failed;
	so.arg = fe;
	so.fail_code = EX_OSERR;
	pid = spawn_exec(&so, path, argv, NULL);
	if (pid < 0) {
		log_msg(LOG_WARNING, "cannot start %s: %s", path,
		    strerror(errno));
		return;
	}
	spawn_wait(pid, &status);
}
