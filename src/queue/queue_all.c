/* queue_all.c — every queue the invoking user sees, each read as its
 * owner (see queue_all.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/i18n.h"
#include "lib/spawn.h"
#include "lib/xalloc.h"
#include "queue/queue_all.h"
#include "route/spool.h"

void
queue_all_init(struct queue_all *a)
{
	memset(a, 0, sizeof(*a));
}

void
queue_all_free(struct queue_all *a)
{
	size_t i;

	for (i = 0; i < a->n; i++) {
		free(a->v[i].user);
		free(a->v[i].dir);
	}
	free(a->v);
	strv_free(&a->skipped);
	memset(a, 0, sizeof(*a));
}

const char *
queue_all_owner(const struct queue_all_q *q, char *buf)
{
	if (q->user != NULL)
		return q->user;
	snprintf(buf, 24, "%lu", (unsigned long)q->uid);
	return buf;
}

/* Appends a queue unless its directory is listed already. */
static void
add_q(struct queue_all *a, const struct stat *st, const char *dir, uid_t uid,
    gid_t gid, const char *user)
{
	struct queue_all_q *q;
	size_t i;

	for (i = 0; i < a->n; i++)
		if (a->v[i].dev == st->st_dev && a->v[i].ino == st->st_ino)
			return;
	if (a->n == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 8;
		a->v = xreallocarray(a->v, a->cap, sizeof(*a->v));
	}
	q = &a->v[a->n++];
	q->uid = uid;
	q->gid = gid;
	q->user = user != NULL ? xstrdup(user) : NULL;
	q->dir = xstrdup(dir);
	q->inproc = uid == geteuid();
	q->dev = st->st_dev;
	q->ino = st->st_ino;
}

int
queue_all_add(struct queue_all *a, const char *dir, uid_t uid, struct err *e)
{
	struct passwd *pw;
	struct stat st;

	if (stat(dir, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return err_sys(e, EX_IOERR, errno,
		    _("cannot examine the queue %s"), dir);
	}
	pw = getpwuid(uid);
	add_q(a, &st, dir, uid, pw != NULL ? pw->pw_gid : getegid(),
	    pw != NULL ? pw->pw_name : NULL);
	return 0;
}

static int
cmp_uid(const void *x, const void *y)
{
	const struct queue_all_q *a = x, *b = y;

	return a->uid < b->uid ? -1 : a->uid > b->uid;
}

int
queue_all_add_spool(struct queue_all *a, const char *spool, struct err *e)
{
	struct spool_listing l;
	struct buf why = BUF_INIT;
	struct passwd *pw;
	size_t i, first = a->n;
	struct stat st;
	gid_t gid;
	int r;

	r = spool_list(spool, &l, e);
	if (r < 0)
		return -1;
	a->spool_missing = r == 1;
	spool_list_summary(&l, spool, &why);
	if (why.len > 0)
		strv_add(&a->skipped, why.data);
	buf_free(&why);
	for (i = 0; i < l.n; i++) {
		const struct spool_entry *se = &l.v[i];

		if (lstat(se->dir, &st) < 0 || !S_ISDIR(st.st_mode))
			continue; /* gone since the listing */
		pw = getpwuid(se->uid);
		/* as root's run does: the passwd group, else the directory's,
		 * never root's for a user without an entry */
		gid = pw != NULL ? pw->pw_gid : se->gid;
		if (pw == NULL && gid == 0 && se->uid != 0) {
			char *m = xasprintf(
			    _("%s: uid %lu has no passwd entry and the "
			      "directory's group is root; not read (uid %lu or root can "
			      "fix it: chgrp it to the user's group)"),
			    se->dir, (unsigned long)se->uid,
			    (unsigned long)se->uid);

			strv_add(&a->skipped, m);
			free(m);
			continue;
		}
		add_q(a, &st, se->dir, se->uid, gid,
		    pw != NULL ? pw->pw_name : NULL);
	}
	qsort(a->v + first, a->n - first, sizeof(*a->v), cmp_uid);
	spool_listing_free(&l);
	return 0;
}

/* ---- running as the owner ------------------------------------------------ */

/* What a child writes first. */
struct answer {
	int rc, code;
	size_t msglen;
};

static int
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t w;

	while (n > 0) {
		w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* In the child: become the owner, open the queue, run fn, answer. */
static void
child(const struct queue_all_q *q, queue_all_fn fn, void *arg, int fd)
{
	struct buf out = BUF_INIT;
	struct answer ans;
	struct queue qu;
	struct err e;

	err_clear(&e);
	ans.rc = -1;
	if (spool_drop(q->uid, q->gid, &e) == 0 &&
	    queue_open(&qu, q->dir, q->uid, &e) == 0) {
		ans.rc = fn(&qu, arg, &out, &e);
		queue_close(&qu);
	}
	ans.code = e.code;
	ans.msglen = ans.rc < 0 ? strlen(e.msg) : 0;
	if (write_all(fd, &ans, sizeof(ans)) < 0 ||
	    write_all(fd, e.msg, ans.msglen) < 0 ||
	    write_all(fd, out.data ? out.data : "", out.len) < 0)
		_exit(EX_IOERR);
	_exit(EX_OK);
}

/* Reads everything from fd into b until EOF, the deadline or the cap.
 * Returns 0, or an EX_ code. */
static int
read_answer(int fd, struct buf *b)
{
	long long end = clock_mono_ms(NULL) + QUEUE_ALL_TIMEOUT_MS, left;
	struct pollfd pfd = { fd, POLLIN, 0 };
	char chunk[65536];
	ssize_t n;
	int r;

	for (;;) {
		left = end - clock_mono_ms(NULL);
		if (left <= 0)
			return EX_TEMPFAIL;
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return EX_OSERR;
		if (r == 0)
			return EX_TEMPFAIL;
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return EX_IOERR;
		if (n == 0)
			return 0;
		if (b->len + (size_t)n > QUEUE_ALL_OUT_MAX)
			return EX_IOERR;
		buf_add(b, chunk, (size_t)n);
	}
}

/* The parent's side: collect, reap, unpack. */
static int
parent(const struct queue_all_q *q, pid_t pid, int fd, struct buf *out,
    struct err *e)
{
	struct buf b = BUF_INIT;
	struct answer ans;
	char who[24];
	int r, status, rc = -1;

	r = read_answer(fd, &b);
	if (r != 0)
		kill(pid, SIGKILL);
	spawn_wait(pid, &status);
	if (r == EX_TEMPFAIL) {
		err_set(e, EX_TEMPFAIL,
		    _("%s (owner %s): no answer from the queue "
		      "within %d s, skipped (look for a FIFO or a hung file system "
		      "in it)"),
		    q->dir, queue_all_owner(q, who),
		    QUEUE_ALL_TIMEOUT_MS / 1000);
		goto out;
	}
	memcpy(&ans, b.data ? b.data : "",
	    b.len >= sizeof(ans) ? sizeof(ans) : 0);
	if (r != 0 || b.len < sizeof(ans) || ans.msglen >= ERR_MSG_MAX ||
	    b.len - sizeof(ans) < ans.msglen || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != EX_OK) {
		err_set(e, EX_IOERR,
		    _("%s (owner %s): the queue could not be read "
		      "as its owner (%s); run the command again, and check the "
		      "system log"),
		    q->dir, queue_all_owner(q, who),
		    r != 0                  ? _("too much output") :
		        WIFSIGNALED(status) ? _("killed by a signal") :
		                              _("no complete answer"));
		goto out;
	}
	if (ans.rc < 0) {
		err_set(e, ans.code ? ans.code : EX_SOFTWARE, "%.*s",
		    (int)ans.msglen, b.data + sizeof(ans));
		goto out;
	}
	buf_add(out, b.data + sizeof(ans) + ans.msglen,
	    b.len - sizeof(ans) - ans.msglen);
	rc = 0;
out:
	buf_free(&b);
	return rc;
}

int
queue_all_run(const struct queue_all_q *q, queue_all_fn fn, void *arg,
    struct buf *out, struct err *e)
{
	struct spawn_opts so;
	struct queue qu;
	char who[24];
	pid_t pid;
	int rc;

	if (q->inproc) {
		if (queue_open(&qu, q->dir, q->uid, e) < 0)
			return -1;
		rc = fn(&qu, arg, out, e);
		queue_close(&qu);
		return rc;
	}
	/* The child answers on its stdout, a pipe to us. */
	spawn_opts_init(&so);
	so.fd[1] = SPAWN_PIPE;
	so.flags = SPAWN_SIGPIPE;
	pid = spawn_fork(&so);
	if (pid < 0)
		return err_sys(e, EX_OSERR, errno,
		    _("%s (owner %s): cannot fork"), q->dir,
		    queue_all_owner(q, who));
	if (pid == 0)
		child(q, fn, arg, STDOUT_FILENO);
	rc = parent(q, pid, so.pipe[1], out, e);
	close(so.pipe[1]);
	return rc;
}
