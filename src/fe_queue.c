/* fe_queue.c — the queue from the admin's side: mailq / -bp listing,
 * "relayq queue" (JSON, summary, show, delete/hold/release/retry; the work
 * is in mailq.c and queue_admin.c) and the hand-run flush (-q, relayq
 * flush), which is relayq-flush's job. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "frontend.h"
#include "i18n.h"
#include "mailq.h"
#include "queue_admin.h"
#include "strv.h"

/* Writes b to stdout; EX_OK or the failure. */
static int
put(struct fe *fe, const struct buf *b)
{
	struct err e;

	if ((b->len > 0 && fwrite(b->data, 1, b->len, stdout) != b->len) ||
	    fflush(stdout) != 0) {
		err_sys(&e, EX_IOERR, errno, _("cannot write the queue listing"));
		return fe_fail(fe, &e);
	}
	return EX_OK;
}

static int
list(struct fe *fe)
{
	struct buf b = BUF_INIT;
	struct err e;
	int rc;

	if (!fe->opt.json)
		rc = mailq_print(&fe->queue, stdout, &e);
	else if ((rc = queue_admin_list_json(&fe->queue, &b, &e)) == 0)
		rc = put(fe, &b);
	buf_free(&b);
	return rc < 0 ? fe_fail(fe, &e) : rc;
}

static int
summary(struct fe *fe)
{
	struct queue_admin_summary s;
	struct buf b = BUF_INIT;
	struct err e;
	int rc;

	if (queue_admin_summary(&fe->queue, time(NULL), &s, &e) < 0)
		return fe_fail(fe, &e);
	queue_admin_summary_format(&s, &b);
	rc = put(fe, &b);
	buf_free(&b);
	return rc;
}

static int
show(struct fe *fe)
{
	struct buf b = BUF_INIT;
	struct err e;
	int rc;

	if (queue_admin_show(&fe->queue, fe->opt.args.v[0], fe->opt.json, &b,
	    &e) < 0)
		rc = fe_fail(fe, &e);
	else
		rc = put(fe, &b);
	buf_free(&b);
	return rc;
}

/* The word echoed for a done action (translated). */
static const char *
done_word(enum queue_admin_action a, unsigned note)
{
	switch (a) {
	case QUEUE_ADMIN_DELETE:
		return _("deleted");
	case QUEUE_ADMIN_HOLD:
		return note & QUEUE_ADMIN_NOTE_SAME ? _("held (it already was)") :
		    _("held");
	case QUEUE_ADMIN_RELEASE:
		return note & QUEUE_ADMIN_NOTE_SAME ?
		    _("released (it was not held)") : _("released");
	case QUEUE_ADMIN_RETRY:
		return note & QUEUE_ADMIN_NOTE_HELD ?
		    _("due now, but held: release it to send it") : _("due now");
	}
	return "?";
}

/* delete/hold/release/retry over the IDs or --all.  Every ID is tried;
 * the exit code is the first failure other than EX_TEMPFAIL, else
 * EX_TEMPFAIL when a message was busy, else EX_OK. */
static int
act(struct fe *fe, enum queue_admin_action a)
{
	struct strv all = STRV_INIT;
	const struct strv *ids = &fe->opt.args;
	unsigned note;
	struct err e;
	size_t i;
	int rc = EX_OK, r;

	if (fe->opt.all) {
		if (queue_scan(&fe->queue, &all, &e) < 0)
			return fe_fail(fe, &e);
		ids = &all;
	}
	for (i = 0; i < ids->n; i++) {
		err_clear(&e);
		note = 0;
		if (queue_admin_apply(&fe->queue, a, ids->v[i], time(NULL), &note,
		    &e) < 0) {
			fflush(stdout);   /* keep the echo and errors in order */
			r = fe_fail(fe, &e);
			if (rc == EX_OK || rc == EX_TEMPFAIL)
				rc = r;
			continue;
		}
		printf("%s: %s\n", ids->v[i], done_word(a, note));
	}
	strv_free(&all);
	if (fflush(stdout) != 0 && rc == EX_OK) {
		err_sys(&e, EX_IOERR, errno, _("cannot write to standard output"));
		rc = fe_fail(fe, &e);
	}
	return rc;
}

/* What the listing of this queue does not show, on stderr: nobody can
 * deliver it; mail still waits in a queue of the previous rule. */
static void
route_notes(struct fe *fe)
{
	const struct route *r = fe_route(fe);
	char *why;
	size_t n;

	if (r->stranded) {
		why = route_describe(r, fe_spool_dir(fe));
		fprintf(stderr, _("%s: warning: %s\n"), fe->progname, why);
		free(why);
	}
	if (r->old != NULL && (n = fe_route_old_count(r->old)) > 0)
		fprintf(stderr, _("%s: %zu more messages wait in %s, the queue of "
		    "the previous rule; they are moved here at your next message or "
		    "\"relayq flush\"\n"), fe->progname, n, r->old);
}

/* -bp, -bP, mailq and every "relayq queue" command. */
int
fe_queue_list(struct fe *fe)
{
	struct err e;

	if (fe_queue_open(fe, &e) < 0)
		return fe_fail(fe, &e);
	if (fe->opt.mode == CLI_MODE_QUEUE_LIST && !fe->opt.json)
		route_notes(fe);
	switch (fe->opt.mode) {
	case CLI_MODE_QUEUE_SUMMARY:
		return summary(fe);
	case CLI_MODE_QUEUE_SHOW:
		return show(fe);
	case CLI_MODE_QUEUE_DELETE:
		return act(fe, QUEUE_ADMIN_DELETE);
	case CLI_MODE_QUEUE_HOLD:
		return act(fe, QUEUE_ADMIN_HOLD);
	case CLI_MODE_QUEUE_RELEASE:
		return act(fe, QUEUE_ADMIN_RELEASE);
	case CLI_MODE_QUEUE_RETRY:
		return act(fe, QUEUE_ADMIN_RETRY);
	default:
		return list(fe);
	}
}

int
fe_run_flush(struct fe *fe)
{
	const char *argv[64];
	const char *path = fe_flush_path();
	char filters[16][8], min_age[32];
	struct err e;
	size_t i;
	int n;

	/* Opening the queue moves the previous rule's mail into the spool
	 * (root's --all-users run below does not walk homes); when it
	 * cannot, the warning says why and the flush goes on. */
	if (fe_route(fe)->old != NULL && fe_queue_open(fe, &e) < 0)
		fprintf(stderr, _("%s: warning: %s\n"), fe->progname, e.msg);
	n = fe_flush_argv(fe, argv, fe->opt.verbose);
	/* Root's flush covers every queue root delivers: the whole spool. */
	if (fe->id.uid == 0 && fe->route.kind == ROUTE_SPOOL &&
	    fe->opt.queue_dir == NULL) {
		argv[n++] = "--all-users";
		if (fe->opt.verbose)
			printf(_("%s: flushing every queue of the spool %s "
			    "(relayq-flush --all-users --force)\n"), fe->progname,
			    fe_spool_dir(fe));
	}
	/* relayq flush and sendmail -q try every message, due or not
	 * (relayq(8)), except those tried less than MinQueueAge ago; the
	 * timer's plain run keeps to the retry schedule. */
	argv[n++] = "--force";
	if (fe->opt.min_queue_age > 0) {
		snprintf(min_age, sizeof(min_age), "%lld", fe->opt.min_queue_age);
		argv[n++] = "--min-age";
		argv[n++] = min_age;
	}
	if (fe->opt.nqfilters > 16) {
		fprintf(stderr, _("%s: at most 16 -qI/-qR/-qS selections in one queue run\n"),
		    fe->progname);
		return EX_USAGE;
	}
	for (i = 0; i < fe->opt.nqfilters; i++) {
		snprintf(filters[i], sizeof(filters[i]), "-%s%c",
		    fe->opt.qfilters[i].negate ? "!" : "", fe->opt.qfilters[i].kind);
		argv[n++] = filters[i];
		argv[n++] = fe->opt.qfilters[i].substr;
	}
	argv[n] = NULL;
	fflush(NULL);
	execv(path, (char *const *)argv);
	fprintf(stderr, _("%s: cannot start %s: %s; check the installation "
	    "or set RELAYQ_FLUSH\n"), fe->progname, path, strerror(errno));
	return EX_OSERR;
}
