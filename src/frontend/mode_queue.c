/* mode_queue.c — the queue from the admin's side: mailq / -bp listing,
 * "relayq queue" (JSON, summary, show, delete/hold/release/retry; the work
 * is in mailq.c, queue_admin.c, queue_all*.c and queue_view.c) and the
 * hand-run flush (-q, relayq flush), which is relayq-flush's job.  A user
 * sees their own queue; root sees every queue root delivers (its own and
 * the spool's), each read and changed as its owner (queue_all.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "frontend/frontend.h"
#include "lib/i18n.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "queue/queue_admin.h"
#include "queue/queue_all.h"
#include "queue/queue_view.h"

/* Writes b to stdout; EX_OK or the failure. */
static int
put(struct fe *fe, const struct buf *b)
{
	struct err e;

	if ((b->len > 0 && fwrite(b->data, 1, b->len, stdout) != b->len) ||
	    fflush(stdout) != 0) {
		err_sys(&e, EX_IOERR, errno,
		    _("cannot write the queue listing"));
		return fe_fail(fe, &e);
	}
	return EX_OK;
}

/* Prints the spool entries that are not queues (at most 10, then a
 * count): their mail is not delivered, and root should know. */
static void
warn_skipped(struct fe *fe, const struct queue_all *a)
{
	size_t i;

	if (fe->opt.error_mode == CONF_ERRMODE_QUIET)
		return;
	for (i = 0; i < a->skipped.n && i < 10; i++)
		fprintf(stderr, _("%s: warning: %s\n"), fe->progname,
		    a->skipped.v[i]);
	if (a->skipped.n > 10)
		fprintf(stderr,
		    _("%s: warning: %zu more spool entries are not "
		      "queues and were skipped\n"),
		    fe->progname, a->skipped.n - 10);
}

/* The queues this invocation sees: its own; for root also every queue
 * of the spool.  Returns EX_OK, or the exit code of a failure already
 * printed (*a usable when it is not fatal). */
static int
gather(struct fe *fe, struct queue_all *a, int warn)
{
	const char *spool = fe->conf.spool_dir ? fe->conf.spool_dir : SPOOLDIR;
	int rc = EX_OK, root = geteuid() == 0;
	struct err e;

	queue_all_init(a);
	if (fe_queue_open(fe, &e) < 0 ||
	    queue_all_add(a, fe->queue.dir, fe->queue.uid, &e) < 0) {
		rc = fe_fail(fe, &e);
		if (!root)
			return rc;
	}
	if (root && queue_all_add_spool(a, spool, &e) < 0 && rc == EX_OK)
		rc = fe_fail(fe, &e);
	if (warn)
		warn_skipped(fe, a);
	return rc;
}

/* Reads every queue of a into v (allocated, a->n entries); a queue that
 * cannot be read is reported and marked.  Returns EX_OK or the first
 * failure's code. */
static int
read_all(struct fe *fe, const struct queue_all *a, struct queue_view **vp)
{
	struct queue_view *v = xcalloc(a->n ? a->n : 1, sizeof(*v));
	struct err e;
	size_t i;
	int rc = EX_OK, r;

	for (i = 0; i < a->n; i++) {
		v[i].q = &a->v[i];
		if (queue_all_read(&a->v[i], &v[i].msgs, &e) < 0) {
			v[i].unreadable = 1;
			r = fe_fail(fe, &e);
			rc = rc == EX_OK ? r : rc;
		}
	}
	*vp = v;
	return rc;
}

/* The listing, JSON lines or summary of every queue one sees. */
static int
list(struct fe *fe, int summary)
{
	int owners = geteuid() == 0, rc, r;
	enum queue_view_format fmt;
	struct buf b = BUF_INIT;
	struct queue_view *v;
	struct queue_all a;

	rc = gather(fe, &a, 1);
	if (a.n == 0 && rc != EX_OK) {
		queue_all_free(&a);
		return rc;
	}
	r = read_all(fe, &a, &v);
	rc = rc == EX_OK ? r : rc;
	fmt = fe->opt.metrics == 2 ? QUEUE_VIEW_OPENMETRICS :
	    fe->opt.metrics == 1   ? QUEUE_VIEW_PROMETHEUS :
	    fe->opt.json           ? QUEUE_VIEW_JSON :
	                             QUEUE_VIEW_TEXT;
	if (summary)
		queue_view_summary(&b, v, a.n, fmt, owners, a.skipped.n,
		    time(NULL));
	else if (fe->opt.json)
		queue_view_json(&b, v, a.n);
	else
		queue_view_list(&b, v, a.n, owners);
	r = put(fe, &b);
	/* Metrics carry a failure in relayq_queue_readable: the file they
	 * go to must still be written. */
	if (fe->opt.metrics)
		rc = EX_OK;
	queue_view_free(v, a.n);
	free(v);
	queue_all_free(&a);
	buf_free(&b);
	return r != EX_OK ? r : rc;
}

/* The queue of id among those one sees: 0 and *idx, or the exit code of
 * the failure, printed. */
static int
locate(struct fe *fe, const struct queue_all *a, const char *id, size_t *idx)
{
	struct err e;

	if (queue_all_find(a, id, idx, &e) < 0)
		return fe_fail(fe, &e);
	return EX_OK;
}

static int
show(struct fe *fe)
{
	struct buf b = BUF_INIT;
	struct queue_all a;
	struct err e;
	size_t k = 0;
	int rc;

	rc = gather(fe, &a, 0);
	if (a.n == 0)
		goto out;
	/* One's own queue alone: its own errors, as always. */
	if (a.n > 1 && (rc = locate(fe, &a, fe->opt.args.v[0], &k)) != EX_OK)
		goto out;
	if (queue_all_show(&a.v[k], fe->opt.args.v[0], fe->opt.json, &b, &e) <
	    0)
		rc = fe_fail(fe, &e);
	else
		rc = put(fe, &b);
out:
	queue_all_free(&a);
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
		return note & QUEUE_ADMIN_NOTE_SAME ?
		    _("held (it already was)") :
		    _("held");
	case QUEUE_ADMIN_RELEASE:
		return note & QUEUE_ADMIN_NOTE_SAME ?
		    _("released (it was not held)") :
		    _("released");
	case QUEUE_ADMIN_RETRY:
		return note & QUEUE_ADMIN_NOTE_HELD ?
		    _("due now, but held: release it to send it") :
		    _("due now");
	}
	return "?";
}

/* Echoes (and, for another user's queue, logs) the results of one
 * queue; folds the exit code into *rc as act() says. */
static void
report(struct fe *fe, const struct queue_all_q *q, enum queue_admin_action a,
    const struct queue_all_result *res, size_t n, int *rc)
{
	struct err e;
	char who[24];
	size_t i;

	for (i = 0; i < n; i++) {
		if (res[i].code != EX_OK) {
			fflush(stdout); /* keep the echo and errors in order */
			err_set(&e, res[i].code, "%s", res[i].msg);
			e.code = fe_fail(fe, &e);
			if (*rc == EX_OK || *rc == EX_TEMPFAIL)
				*rc = e.code;
			continue;
		}
		if (q->inproc) {
			printf("%s: %s\n", res[i].id,
			    done_word(a, res[i].note));
			continue;
		}
		printf(_("%s: %s (queue of %s)\n"), res[i].id,
		    done_word(a, res[i].note), queue_all_owner(q, who));
		if (!(res[i].note & QUEUE_ADMIN_NOTE_SAME))
			log_msg(LOG_INFO,
			    "%s: %s by root (uid %lu) in the queue of "
			    "%s (uid %lu)",
			    res[i].id, queue_admin_action_name(a),
			    (unsigned long)getuid(), queue_all_owner(q, who),
			    (unsigned long)q->uid);
	}
}

/* Runs the action on ids (NULL: all) of queue q and reports. */
static void
act_queue(struct fe *fe, const struct queue_all_q *q, enum queue_admin_action a,
    const struct strv *ids, int *rc)
{
	struct queue_all_result *res;
	struct err e;
	size_t n;

	if (queue_all_apply(q, a, ids, time(NULL), &res, &n, &e) < 0) {
		e.code = fe_fail(fe, &e);
		if (*rc == EX_OK || *rc == EX_TEMPFAIL)
			*rc = e.code;
		return;
	}
	report(fe, q, a, res, n, rc);
	free(res);
}

/* delete/hold/release/retry over the IDs or --all, in every queue one
 * sees (root: each message found in the queue that has it).  Every ID is
 * tried; the exit code is the first failure other than EX_TEMPFAIL, else
 * EX_TEMPFAIL when a message was busy, else EX_OK. */
static int
act(struct fe *fe, enum queue_admin_action a)
{
	struct strv one = STRV_INIT;
	struct queue_all all;
	struct err e;
	size_t i, k = 0;
	int rc, r;

	rc = gather(fe, &all, 0);
	for (i = 0; fe->opt.all && i < all.n; i++)
		act_queue(fe, &all.v[i], a, NULL, &rc);
	for (i = 0; !fe->opt.all && i < fe->opt.args.n && all.n > 0; i++) {
		if (all.n > 1 &&
		    (r = locate(fe, &all, fe->opt.args.v[i], &k)) != EX_OK) {
			if (rc == EX_OK || rc == EX_TEMPFAIL)
				rc = r;
			continue;
		}
		strv_free(&one);
		strv_add(&one, fe->opt.args.v[i]);
		act_queue(fe, &all.v[k], a, &one, &rc);
	}
	strv_free(&one);
	queue_all_free(&all);
	if (fflush(stdout) != 0 && rc == EX_OK) {
		err_sys(&e, EX_IOERR, errno,
		    _("cannot write to standard output"));
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
		fprintf(stderr,
		    _("%s: %zu more messages wait in %s, the queue of "
		      "the previous rule; they are moved here at your next message or "
		      "\"relayq flush\"\n"),
		    fe->progname, n, r->old);
}

/* -bp, -bP, mailq and every "relayq queue" command. */
int
fe_queue_list(struct fe *fe)
{
	if (fe->opt.mode == CLI_MODE_QUEUE_LIST && !fe->opt.json)
		route_notes(fe);
	switch (fe->opt.mode) {
	case CLI_MODE_QUEUE_SUMMARY:
		return list(fe, 1);
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
		return list(fe, 0);
	}
}

/* Replaces this process with relayq-flush; returns only on failure. */
static int
exec_flush(const struct fe *fe, const char *path, const char **argv)
{
	fflush(NULL);
	execv(path, (char *const *)argv);
	fprintf(stderr,
	    _("%s: cannot start %s: %s; check the installation "
	      "or set RELAYQ_FLUSH\n"),
	    fe->progname, path, strerror(errno));
	return EX_OSERR;
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
			         "(relayq-flush --all-users --force)\n"),
			    fe->progname, fe_spool_dir(fe));
	}
	/* relayq flush and sendmail -q try every message, due or not
	 * (relayq(8)), except those tried less than MinQueueAge ago; the
	 * timer's plain run keeps to the retry schedule. */
	argv[n++] = "--force";
	if (fe->opt.min_queue_age > 0) {
		snprintf(min_age, sizeof(min_age), "%lld",
		    fe->opt.min_queue_age);
		argv[n++] = "--min-age";
		argv[n++] = min_age;
	}
	if (fe->opt.nqfilters > 16) {
		fprintf(stderr,
		    _("%s: at most 16 -qI/-qR/-qS selections in one queue run\n"),
		    fe->progname);
		return EX_USAGE;
	}
	for (i = 0; i < fe->opt.nqfilters; i++) {
		snprintf(filters[i], sizeof(filters[i]), "-%s%c",
		    fe->opt.qfilters[i].negate ? "!" : "",
		    fe->opt.qfilters[i].kind);
		argv[n++] = filters[i];
		argv[n++] = fe->opt.qfilters[i].substr;
	}
	argv[n] = NULL;
	return exec_flush(fe, path, argv);
}

int
fe_oauth_setup(struct fe *fe)
{
	const char *argv[16];
	const char *path = fe_flush_path();
	int n;

	/* The HTTP stack lives in relayq-flush; this program stays libc. */
	n = fe_flush_argv(fe, argv, 0);
	argv[n++] = "--oauth-setup";
	argv[n] = NULL;
	return exec_flush(fe, path, argv);
}
