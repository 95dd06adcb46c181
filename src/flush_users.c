/* flush_users.c — relayq-flush --all-users over the system spool (see
 * flush_users.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "flush_users.h"
#include "i18n.h"
#include "identity.h"
#include "log.h"
#include "queue.h"
#include "strv.h"
#include "xalloc.h"

int
flush_users_worse(int cur, int next)
{
	if (cur == EX_OK)
		return next;
	if (cur == EX_TEMPFAIL && next != EX_OK)
		return next;
	return cur;
}

int
flush_users_require_root(struct err *e)
{
	if (geteuid() != 0)
		return err_set(e, EX_NOPERM, _("--all-users flushes every queue of "
		    "the system spool and must be run as root (you are uid %lu); "
		    "without it, relayq-flush flushes your own queue"),
		    (unsigned long)geteuid());
	return 0;
}

/* The environment of a child: the user's home (for dead.letter), none of
 * root's XDG places. */
static void
child_env(const struct flush_users_queue *u)
{
	if (u->home != NULL)
		setenv("HOME", u->home, 1);
	else
		unsetenv("HOME");
	unsetenv("XDG_STATE_HOME");
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("XDG_RUNTIME_DIR");
}

/* The child: drop, open, flush.  Returns its exit code. */
static int
child_run(const struct flush_users_opts *o, const struct flush_users_queue *u)
{
	struct flush_opts fo = *o->flush;
	struct flush_stats st;
	struct identity id;
	struct queue q;
	struct err e;
	int rc;

	if (flush_users_drop(u->uid, u->gid, &e) < 0) {
		log_msg(LOG_ERR, "%s: %s", u->dir, e.msg);
		return EX_OSERR;
	}
	child_env(u);
	identity_load(&id);
	if (queue_open(&q, u->dir, u->uid, &e) < 0) {
		log_msg(LOG_ERR, "%s", e.msg);
		identity_free(&id);
		return e.code;
	}
	fo.id = &id;
	fo.queue = &q;
	fo.creds = o->creds;
	if (flush_run(&fo, &st, &e) < 0) {
		log_msg(LOG_ERR, "%s: %s", u->dir, e.msg);
		rc = e.code;
	} else {
		rc = st.config_error ? EX_CONFIG : st.exit_code;
		log_msg(rc == EX_OK ? LOG_INFO : LOG_WARNING, "%s: uid %lu: %u due, "
		    "%u sent, %u deferred, %u bounced, %u held by another run, "
		    "%u sessions", u->dir, (unsigned long)u->uid, st.due, st.sent,
		    st.deferred, st.bounced, st.busy, st.sessions);
	}
	queue_close(&q);
	identity_free(&id);
	return rc;
}

/* Runs one child for u and waits; returns its exit code. */
static int
run_one(const struct flush_users_opts *o, const struct flush_users_queue *u)
{
	pid_t pid, w;
	int status, rc;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		log_msg(LOG_ERR, "%s: cannot fork: %s", u->dir, strerror(errno));
		return EX_OSERR;
	}
	if (pid == 0) {
		/* A forked child ends here, not in main(): it must never
		 * return into the parent's loop. */
		rc = child_run(o, u);
		flush_creds_free(o->creds);
		fflush(NULL);
		_exit(rc);
	}
	while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	if (w < 0) {
		log_msg(LOG_ERR, "%s: cannot wait for the flush: %s", u->dir,
		    strerror(errno));
		return EX_OSERR;
	}
	if (WIFSIGNALED(status)) {
		log_msg(LOG_ERR, "%s: the flush as uid %lu was killed by signal %d",
		    u->dir, (unsigned long)u->uid, WTERMSIG(status));
		return EX_SOFTWARE;
	}
	rc = WEXITSTATUS(status);
	if (rc == EX_OSERR)
		log_msg(LOG_ERR, "%s: the flush could not run as uid %lu",
		    u->dir, (unsigned long)u->uid);
	return rc;
}

int
flush_users_run(const struct flush_users_opts *o,
    struct flush_users_stats *st, struct err *e)
{
	struct flush_users_list l;
	size_t i;
	int r, rc;

	memset(st, 0, sizeof(*st));
	if (flush_users_require_root(e) < 0)
		return -1;
	r = flush_users_list(o->spool, 0, &l, e);
	if (r < 0) {
		flush_users_list_free(&l);
		return -1;
	}
	if (r == 1)
		log_msg(LOG_INFO, "%s does not exist: no spool queue to flush", o->spool);
	for (i = 0; i < l.skipped.n; i++) {
		log_msg(LOG_WARNING, "%s", l.skipped.v[i]);
		st->skipped++;
	}
	for (i = 0; i < l.n; i++) {
		rc = run_one(o, &l.v[i]);
		st->queues++;
		if (rc != EX_OK)
			st->failed++;
		st->exit_code = flush_users_worse(st->exit_code, rc);
	}
	flush_users_list_free(&l);
	return 0;
}
