/* flush_users.c — relayq-flush --all-users over the system spool (see
 * flush_users.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "flush/flush_users.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/i18n.h"
#include "lib/identity.h"
#include "lib/log.h"
#include "lib/spawn.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "queue/queue.h"
#include "queue/trigger.h"
#include "route/spool.h"

/* Passes over the spool in one run when the trigger keeps changing. */
#define FLUSH_USERS_MAX_PASSES 10

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
		return err_set(e, EX_NOPERM,
		    _("--all-users flushes every queue of "
		      "the system spool and must be run as root (you are uid %lu); "
		      "without it, relayq-flush flushes your own queue"),
		    (unsigned long)geteuid());
	return 0;
}

/* Who a child runs as. */
struct spool_user {
	uid_t uid;
	gid_t gid;
	char *home; /* passwd home, or NULL (no entry) */
	char *dir;  /* the first of its spool entries (for messages) */
	const struct spool_entry *ents; /* all its entries (borrowed): SPOOL/UID
	                                 * and fallbacks SPOOL/UID.XXXXXX */
	size_t nents;
};

/* The environment of a child: the user's home (for dead.letter), none of
 * root's XDG places. */
static void
child_env(const struct spool_user *u)
{
	if (u->home != NULL)
		setenv("HOME", u->home, 1);
	else
		unsetenv("HOME");
	unsetenv("XDG_STATE_HOME");
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("XDG_RUNTIME_DIR");
}

/* A page shared with the children: set by one whose server refused root's
 * OAuth2 access token (535).  NULL when it could not be had (no retry). */
static volatile int *oauth_refused;
static int oauth_refreshed; /* this run refreshed after a refusal */

/* Opens one queue of u and flushes it (as whoever runs this); removes an
 * emptied fallback queue.  Returns the exit code. */
static int
flush_dir(const struct flush_users_opts *o, const struct spool_user *u,
    const struct spool_entry *se, const struct identity *id)
{
	struct flush_opts fo = *o->flush;
	struct flush_stats st;
	struct queue q;
	struct err e;
	int rc;

	if (queue_open(&q, se->dir, u->uid, &e) < 0) {
		log_msg(LOG_ERR, "%s", e.msg);
		return e.code;
	}
	fo.id = id;
	fo.queue = &q;
	fo.creds = o->creds;
	/* Never wait for a lock the user can hold: hand over instead. */
	fo.wait_lock = 0;
	if (flush_queue(&fo, &st, &e) < 0) {
		log_msg(LOG_ERR, "%s: %s", se->dir, e.msg);
		rc = e.code;
	} else {
		rc = st.config_error ? EX_CONFIG : st.exit_code;
		if (st.oauth_refused && oauth_refused != NULL)
			*oauth_refused = 1;
		log_msg(rc == EX_OK ? LOG_INFO : LOG_WARNING,
		    "%s: uid %lu: %u due, "
		    "%u sent, %u deferred, %u bounced, %u held by another run, "
		    "%u sessions",
		    se->dir, (unsigned long)u->uid, st.due, st.sent,
		    st.deferred, st.bounced, st.busy, st.sessions);
	}
	queue_close(&q);
	if (se->fallback && spool_remove_empty(se->dir, &e) < 0)
		log_msg(LOG_WARNING, "%s", e.msg);
	return rc;
}

/* Flushes every queue of u, one after another (one deadline covers them
 * all: a user's many fallback queues cost that user's time only).
 * Returns the most severe exit code. */
static int
flush_one(const struct flush_users_opts *o, const struct spool_user *u)
{
	struct identity id;
	size_t i;
	int rc = EX_OK;

	identity_load(&id);
	for (i = 0; i < u->nents; i++)
		rc = flush_users_worse(rc, flush_dir(o, u, &u->ents[i], &id));
	identity_free(&id);
	return rc;
}

/* The child: drop, then flush.  Returns its exit code. */
static int
child_run(const struct flush_users_opts *o, const struct spool_user *u)
{
	struct err e;

	if (spool_drop(u->uid, u->gid, &e) < 0) {
		log_msg(LOG_ERR, "%s: %s", u->dir, e.msg);
		return EX_OSERR;
	}
	child_env(u);
	return flush_one(o, u);
}

/* Waits for pid up to timeout seconds (0: no limit); past it, kills the
 * child's process group and reaps it.  Returns waitpid's result (pid, or
 * -1 with errno) and sets *expired. */
static pid_t
wait_deadline(pid_t pid, long long timeout, int *status, int *expired)
{
	long long start = clock_mono_ms(NULL), nap = 1;
	pid_t w;

	*expired = 0;
	for (;;) {
		w = waitpid(pid, status, timeout > 0 ? WNOHANG : 0);
		if (w != 0 && !(w < 0 && errno == EINTR))
			return w;
		if (w < 0)
			continue;
		if (clock_mono_ms(NULL) - start >= timeout * 1000) {
			*expired = 1;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			return spawn_wait(pid, status);
		}
		clock_sleep_ms(NULL, nap);
		/* 1 ms at first, then up to 100 ms between looks. */
		if (nap < 100)
			nap *= 2;
	}
}

/* Runs one child for u and waits (at most o->timeout); returns its exit
 * code. */
static int
run_one(const struct flush_users_opts *o, const struct spool_user *u)
{
	struct spawn_opts so;
	pid_t pid, w;
	int status, rc, expired;

	/* Its own process group, so that the deadline also ends what it
	 * started. */
	spawn_opts_init(&so);
	so.flags = SPAWN_GROUP;
	pid = spawn_fork(&so);
	if (pid < 0) {
		log_msg(LOG_ERR, "%s: cannot fork: %s", u->dir,
		    strerror(errno));
		return EX_OSERR;
	}
	if (pid == 0) {
		/* A forked child ends here, not in main(): it must never
		 * return into the parent's loop. */
		rc = child_run(o, u);
		creds_set_free(o->creds);
		fflush(NULL);
		_exit(rc);
	}
	w = wait_deadline(pid, o->timeout, &status, &expired);
	if (w < 0) {
		log_msg(LOG_ERR, "%s: cannot wait for the flush: %s", u->dir,
		    strerror(errno));
		return EX_OSERR;
	}
	if (expired) {
		log_msg(LOG_ERR,
		    "%s: the flush as uid %lu took longer than %llds "
		    "(spool_queue_timeout) and was killed; its mail stays queued; "
		    "going on with the next queue",
		    u->dir, (unsigned long)u->uid, o->timeout);
		return EX_TEMPFAIL;
	}
	if (WIFSIGNALED(status)) {
		log_msg(LOG_ERR,
		    "%s: the flush as uid %lu was killed by signal %d", u->dir,
		    (unsigned long)u->uid, WTERMSIG(status));
		return EX_SOFTWARE;
	}
	rc = WEXITSTATUS(status);
	if (rc == EX_OSERR)
		log_msg(LOG_ERR, "%s: the flush could not run as uid %lu",
		    u->dir, (unsigned long)u->uid);
	return rc;
}

/* After u's flush: when its server refused root's OAuth2 access token,
 * refreshes it (once per run; later children get the new one) and
 * flushes u's queues once more, forced, as the refusal deferred their
 * messages.  Returns the exit code that stands. */
static int
oauth_retry(const struct flush_users_opts *o, const struct spool_user *u,
    int rc)
{
	struct flush_users_opts ro = *o;
	struct flush_opts fo = *o->flush;
	struct err e;

	if (oauth_refused == NULL || !*oauth_refused)
		return rc;
	*oauth_refused = 0;
	if (o->oauth_refresh == NULL || oauth_refreshed)
		return rc;
	oauth_refreshed = 1;
	if (o->oauth_refresh(o->oauth_ctx, o->creds, &e) < 0) {
		log_msg(LOG_ERR, "%s", e.msg);
		return flush_users_worse(rc, e.code);
	}
	log_msg(LOG_NOTICE,
	    "%s: the smarthost refused the OAuth2 access token; "
	    "refreshed it, flushing uid %lu again",
	    u->dir, (unsigned long)u->uid);
	fo.force = 1;
	ro.flush = &fo;
	return u->uid == 0 ? flush_one(&ro, u) : run_one(&ro, u);
}

/* Fills u for the n listed entries of one uid at se; -1 with e when they
 * must be skipped. */
static int
spool_user(const struct spool_entry *se, size_t n, struct spool_user *u,
    struct err *e)
{
	struct passwd *pw;

	memset(u, 0, sizeof(*u));
	u->uid = se->uid;
	u->ents = se;
	u->nents = n;
	errno = 0;
	pw = getpwuid(se->uid);
	if (pw != NULL) {
		u->gid = pw->pw_gid;
		u->home = pw->pw_dir && pw->pw_dir[0] == '/' ?
		    xstrdup(pw->pw_dir) :
		    NULL;
	} else {
		/* No passwd entry (a container's numeric uid): the group
		 * the user created the directory with, never root's. */
		u->gid = se->gid;
		if (u->gid == 0 && se->uid != 0)
			return err_set(e, EX_NOUSER,
			    _("%s: uid %lu has no passwd "
			      "entry and the directory's group is root; skipped (uid %lu "
			      "or root can fix it: chgrp it to the user's group)"),
			    se->dir, (unsigned long)se->uid,
			    (unsigned long)se->uid);
	}
	u->dir = xstrdup(se->dir);
	return 0;
}

static void
spool_user_free(struct spool_user *u)
{
	free(u->home);
	free(u->dir);
}

/* One pass over the spool: a child per user with queues, one after
 * another (root's own queue in this process).  summary: log the line
 * about the entries that are not queues (the first pass only).  Returns
 * 0, 1 when there is no spool, -1 with e. */
static int
run_pass(const struct flush_users_opts *o, struct flush_users_stats *st,
    int summary, struct err *e)
{
	struct spool_listing l;
	struct spool_user u;
	struct buf sum = BUF_INIT;
	struct err le;
	size_t i, n;
	int r, rc;

	r = spool_list(o->spool, &l, e);
	if (r != 0)
		return r;
	/* However many bogus entries: one line per run. */
	if (summary) {
		spool_list_summary(&l, o->spool, &sum);
		if (sum.len > 0)
			log_msg(LOG_WARNING, "%s", buf_cstr(&sum));
		buf_free(&sum);
	}
	st->skipped = l.skipped;
	for (i = 0; i < l.n; i += n) {
		/* The listing is sorted by uid: one child per user. */
		for (n = 1; i + n < l.n && l.v[i + n].uid == l.v[i].uid; n++)
			;
		if (spool_user(&l.v[i], n, &u, &le) < 0) {
			log_msg(LOG_WARNING, "%s", le.msg);
			spool_user_free(&u);
			st->skipped += (unsigned)n;
			continue;
		}
		/* Root's own queue: root's run, no child (and no privilege
		 * to drop). */
		rc = u.uid == 0 ? flush_one(o, &u) : run_one(o, &u);
		rc = oauth_retry(o, &u, rc);
		st->queues++;
		if (rc != EX_OK)
			st->failed++;
		st->exit_code = flush_users_worse(st->exit_code, rc);
		spool_user_free(&u);
	}
	spool_listing_free(&l);
	return 0;
}

/* Opens the spool and makes sure of its trigger: made when missing or
 * replaced when a user put something else there (logged).  Returns the
 * spool's descriptor, -2 when there is no spool, -1 with e when it cannot
 * be opened. */
static int
spool_trigger(const char *spool, struct err *e)
{
	struct err le;
	int dfd, r;

	dfd = open(spool, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0 && errno == ENOENT)
		return -2;
	if (dfd < 0)
		return err_sys(e, EX_NOINPUT, errno,
		    _("cannot open the spool %s"), spool);
	r = trigger_ensure(dfd, spool, &le);
	if (r < 0)
		log_msg(LOG_WARNING,
		    "%s; immediate delivery of the spool waits for "
		    "it (the timer still runs)",
		    le.msg);
	else if (r == 1)
		log_msg(LOG_NOTICE,
		    "%s/%s: created (the front end of spool users "
		    "touches it)",
		    spool, TRIGGER_NAME);
	else if (r == 2)
		log_msg(LOG_WARNING,
		    "%s/%s: was not root's trigger file; replaced", spool,
		    TRIGGER_NAME);
	return dfd;
}

int
flush_users_run(const struct flush_users_opts *o, struct flush_users_stats *st,
    struct err *e)
{
	struct trigger_snap snap;
	unsigned pass;
	int dfd, r;

	memset(st, 0, sizeof(*st));
	if (flush_users_require_root(e) < 0)
		return -1;
	dfd = spool_trigger(o->spool, e);
	if (dfd == -2) {
		log_msg(LOG_INFO, "%s does not exist: no spool queue to flush",
		    o->spool);
		return 0;
	}
	if (dfd < 0)
		return -1;
	if (o->oauth_refresh != NULL && oauth_refused == NULL) {
		void *p = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

		oauth_refused = p == MAP_FAILED ? NULL : p;
	}
	if (oauth_refused != NULL)
		*oauth_refused = 0;
	oauth_refreshed = 0;
	/* A submission touches the trigger after its commit; systemd drops
	 * the touches that come while this run goes on, so the run looks
	 * itself and passes again (bounded: touching is free for anyone). */
	for (pass = 0;; pass++) {
		trigger_snapshot(dfd, &snap);
		r = run_pass(o, st, pass == 0, e);
		if (r != 0)
			break;
		if (!trigger_changed(dfd, &snap))
			break;
		if (pass + 1 == FLUSH_USERS_MAX_PASSES) {
			log_msg(LOG_NOTICE,
			    "%s: new mail was signalled during %u passes; "
			    "the rest waits for the next trigger or timer run",
			    o->spool, FLUSH_USERS_MAX_PASSES);
			break;
		}
		log_msg(LOG_INFO,
		    "%s: new mail was signalled during the pass; "
		    "another pass",
		    o->spool);
	}
	close(dfd);
	if (r == 1) {
		log_msg(LOG_INFO, "%s does not exist: no spool queue to flush",
		    o->spool);
		r = 0;
	}
	return r;
}
