/* flush_users.c — relayq-flush --all-users over the system spool (see
 * flush_users.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
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
#include "nodump.h"
#include "queue.h"
#include "strv.h"
#include "trigger.h"
#include "xalloc.h"

/* Passes over the spool in one run when the trigger keeps changing. */
#define FLUSH_USERS_MAX_PASSES 10

int
flush_users_uid(const char *name, uid_t *uid)
{
	unsigned long long v = 0;
	const char *p;

	if (name[0] == '\0' || (name[0] == '0' && name[1] != '\0'))
		return 0;
	for (p = name; *p; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		v = v * 10 + (unsigned)(*p - '0');
		if (v > (unsigned long long)(uid_t)-1 || p - name > 20)
			return 0;
	}
	if ((uid_t)v != v || (uid_t)v == (uid_t)-1)
		return 0;
	*uid = (uid_t)v;
	return 1;
}

enum flush_users_verdict
flush_users_check(const char *spool, const char *name, const struct stat *st,
    uid_t *uid, struct err *e)
{
	uid_t u;

	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	    strcmp(name, TRIGGER_NAME) == 0)
		return FLUSH_USERS_IGNORE;
	if (!flush_users_uid(name, &u)) {
		err_set(e, EX_DATAERR, _("%s/%s: not a queue (the spool holds one "
		    "directory per uid, named by the number); skipped"), spool, name);
		return FLUSH_USERS_BADNAME;
	}
	if (u == 0) {
		err_set(e, EX_NOPERM, _("%s/%s: root's queue is not flushed from the "
		    "spool (root queues under /root); skipped"), spool, name);
		return FLUSH_USERS_ROOT;
	}
	if (S_ISLNK(st->st_mode)) {
		err_set(e, EX_NOPERM, _("%s/%s is a symbolic link, not a queue; "
		    "skipped (remove it)"), spool, name);
		return FLUSH_USERS_SYMLINK;
	}
	if (!S_ISDIR(st->st_mode)) {
		err_set(e, EX_NOPERM, _("%s/%s is not a directory; skipped (remove "
		    "it)"), spool, name);
		return FLUSH_USERS_NOTDIR;
	}
	if (st->st_uid != u) {
		err_set(e, EX_NOPERM, _("%s/%s is owned by uid %lu, not uid %lu; "
		    "skipped (remove it, or chown it to %lu)"), spool, name,
		    (unsigned long)st->st_uid, (unsigned long)u, (unsigned long)u);
		return FLUSH_USERS_OWNER;
	}
	if ((st->st_mode & 07777) != 0700) {
		err_set(e, EX_NOPERM, _("%s/%s has mode %04o, not 0700; skipped "
		    "(chmod 700 it)"), spool, name, (unsigned)(st->st_mode & 07777));
		return FLUSH_USERS_MODE;
	}
	*uid = u;
	return FLUSH_USERS_OK;
}

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

/* Who a child runs as. */
struct spool_user {
	uid_t uid;
	gid_t gid;
	char *home;     /* passwd home, or NULL (no entry) */
	char *dir;      /* spool/UID */
};

/* Drops every privilege for good and checks that it stuck. */
static int
drop_privileges(uid_t uid, gid_t gid, struct err *e)
{
	if (setgroups(0, NULL) < 0)
		return err_sys(e, EX_OSERR, errno, _("cannot drop supplementary groups"));
	if (setgid(gid) < 0)
		return err_sys(e, EX_OSERR, errno, _("cannot set group id %lu"),
		    (unsigned long)gid);
	if (setuid(uid) < 0)
		return err_sys(e, EX_OSERR, errno, _("cannot set user id %lu"),
		    (unsigned long)uid);
	if (getuid() != uid || geteuid() != uid || getgid() != gid ||
	    getegid() != gid || getgroups(0, NULL) != 0)
		return err_set(e, EX_OSERR, _("the user and group ids did not change "
		    "to %lu:%lu"), (unsigned long)uid, (unsigned long)gid);
	if (setuid(0) == 0)
		return err_set(e, EX_OSERR, _("root privileges could be regained "
		    "after dropping them to uid %lu"), (unsigned long)uid);
	/* The id change made the process dumpable again (fs.suid_dumpable),
	 * and it holds the pre-fetched secret. */
	return nodump_enable(e);
}

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

/* The child: drop, open, flush.  Returns its exit code. */
static int
child_run(const struct flush_users_opts *o, const struct spool_user *u)
{
	struct flush_opts fo = *o->flush;
	struct flush_stats st;
	struct identity id;
	struct queue q;
	struct err e;
	int rc;

	if (drop_privileges(u->uid, u->gid, &e) < 0) {
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
	/* Never wait for a lock the user can hold: hand over instead. */
	fo.wait_lock = 0;
	if (flush_queue(&fo, &st, &e) < 0) {
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
run_one(const struct flush_users_opts *o, const struct spool_user *u)
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

/* Fills u for a checked entry; -1 with e when it must be skipped. */
static int
spool_user(const char *spool, const char *name, uid_t uid,
    const struct stat *st, struct spool_user *u, struct err *e)
{
	struct passwd *pw;

	memset(u, 0, sizeof(*u));
	u->uid = uid;
	errno = 0;
	pw = getpwuid(uid);
	if (pw != NULL) {
		u->gid = pw->pw_gid;
		u->home = pw->pw_dir && pw->pw_dir[0] == '/' ? xstrdup(pw->pw_dir) : NULL;
	} else {
		/* No passwd entry (a container's numeric uid): the group
		 * the user created the directory with, never root's. */
		u->gid = st->st_gid;
		if (u->gid == 0)
			return err_set(e, EX_NOUSER, _("%s/%s: uid %lu has no passwd "
			    "entry and the directory's group is root; skipped (chgrp "
			    "it to the user's group)"), spool, name, (unsigned long)uid);
	}
	u->dir = xasprintf("%s/%s", spool, name);
	return 0;
}

static void
spool_user_free(struct spool_user *u)
{
	free(u->home);
	free(u->dir);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entry names of spool, sorted; 1 when it does not exist. */
static int
list_spool(const char *spool, struct strv *names, int *dfd, struct err *e)
{
	struct dirent *de;
	DIR *d;

	*dfd = open(spool, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (*dfd < 0 && errno == ENOENT)
		return 1;
	if (*dfd < 0)
		return err_sys(e, EX_NOINPUT, errno, _("cannot open the spool %s"), spool);
	d = fdopendir(dup(*dfd));
	if (d == NULL) {
		close(*dfd);
		return err_sys(e, EX_OSERR, errno, _("cannot read the spool %s"), spool);
	}
	while ((errno = 0, de = readdir(d)) != NULL)
		strv_add(names, de->d_name);
	if (errno != 0) {
		err_sys(e, EX_IOERR, errno, _("cannot read the spool %s"), spool);
		closedir(d);
		close(*dfd);
		return -1;
	}
	closedir(d);
	qsort(names->v, names->n, sizeof(*names->v), cmp_str);
	return 0;
}

/* One pass over the spool: a child per valid queue, one after another. */
static int
run_pass(const struct flush_users_opts *o, struct flush_users_stats *st,
    struct err *e)
{
	struct strv names = STRV_INIT;
	struct spool_user u;
	struct stat sb;
	struct err le;
	size_t i;
	uid_t uid;
	int dfd = -1, r, rc;

	r = list_spool(o->spool, &names, &dfd, e);
	if (r < 0)
		return -1;
	if (r == 1)
		return 1;
	for (i = 0; i < names.n; i++) {
		if (fstatat(dfd, names.v[i], &sb, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT)
				log_msg(LOG_WARNING, "%s/%s: %s; skipped", o->spool,
				    names.v[i], strerror(errno));
			continue;
		}
		r = flush_users_check(o->spool, names.v[i], &sb, &uid, &le);
		if (r == FLUSH_USERS_IGNORE)
			continue;
		if (r == FLUSH_USERS_OK && spool_user(o->spool, names.v[i], uid,
		    &sb, &u, &le) < 0) {
			spool_user_free(&u);
			r = -1;
		}
		if (r != FLUSH_USERS_OK) {
			log_msg(LOG_WARNING, "%s", le.msg);
			st->skipped++;
			continue;
		}
		rc = run_one(o, &u);
		st->queues++;
		if (rc != EX_OK)
			st->failed++;
		st->exit_code = flush_users_worse(st->exit_code, rc);
		spool_user_free(&u);
	}
	close(dfd);
	strv_free(&names);
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
		return err_sys(e, EX_NOINPUT, errno, _("cannot open the spool %s"), spool);
	r = trigger_ensure(dfd, spool, &le);
	if (r < 0)
		log_msg(LOG_WARNING, "%s; immediate delivery of the spool waits for "
		    "it (the timer still runs)", le.msg);
	else if (r == 1)
		log_msg(LOG_NOTICE, "%s/%s: created (the front end of spool users "
		    "touches it)", spool, TRIGGER_NAME);
	else if (r == 2)
		log_msg(LOG_WARNING, "%s/%s: was not root's trigger file; replaced",
		    spool, TRIGGER_NAME);
	return dfd;
}

int
flush_users_run(const struct flush_users_opts *o,
    struct flush_users_stats *st, struct err *e)
{
	struct trigger_snap snap;
	unsigned pass;
	int dfd, r;

	memset(st, 0, sizeof(*st));
	if (flush_users_require_root(e) < 0)
		return -1;
	dfd = spool_trigger(o->spool, e);
	if (dfd == -2) {
		log_msg(LOG_INFO, "%s does not exist: no spool queue to flush", o->spool);
		return 0;
	}
	if (dfd < 0)
		return -1;
	/* A submission touches the trigger after its commit; systemd drops
	 * the touches that come while this run goes on, so the run looks
	 * itself and passes again (bounded: touching is free for anyone). */
	for (pass = 0; ; pass++) {
		trigger_snapshot(dfd, &snap);
		r = run_pass(o, st, e);
		if (r != 0)
			break;
		if (!trigger_changed(dfd, &snap))
			break;
		if (pass + 1 == FLUSH_USERS_MAX_PASSES) {
			log_msg(LOG_NOTICE, "%s: new mail was signalled during %u passes; "
			    "the rest waits for the next trigger or timer run",
			    o->spool, FLUSH_USERS_MAX_PASSES);
			break;
		}
		log_msg(LOG_INFO, "%s: new mail was signalled during the pass; "
		    "another pass", o->spool);
	}
	close(dfd);
	if (r == 1) {
		log_msg(LOG_INFO, "%s does not exist: no spool queue to flush", o->spool);
		r = 0;
	}
	return r;
}
