/* queue.c — queue location, opening with ownership checks, ids and paths
 * (see queue.h and doc/QUEUE.md). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sysexits.h>
#include <unistd.h>

#include "lib/i18n.h"
#include "lib/xalloc.h"
#include "queue/queue.h"

static const char id_alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUV";

/* ---- location ---------------------------------------------------------- */

void
queue_probe_home(const char *path, struct queue_home *h)
{
	struct stat st;

	memset(h, 0, sizeof(*h));
	if (path == NULL || path[0] != '/' || stat(path, &st) < 0 ||
	    !S_ISDIR(st.st_mode))
		return;
	h->exists = 1;
	h->owner = st.st_uid;
	h->writable = access(path, W_OK | X_OK) == 0;
}

/* ---- opening ------------------------------------------------------------ */

int
queue_check_stat(const char *path, const struct stat *st, uid_t uid,
    struct err *e)
{
	if (S_ISLNK(st->st_mode))
		return err_set(e, EX_CANTCREAT,
		    _("%s is a symbolic link; a queue "
		      "directory must be a real directory: remove the link or "
		      "configure the real path"),
		    path);
	if (!S_ISDIR(st->st_mode))
		return err_set(e, EX_CANTCREAT,
		    _("%s is not a directory; remove "
		      "it or configure another queue directory"),
		    path);
	if (st->st_uid != uid)
		return err_set(e, EX_CANTCREAT,
		    _("%s is owned by uid %lu, not you "
		      "(uid %lu); remove it, or configure a queue directory of your "
		      "own"),
		    path, (unsigned long)st->st_uid, (unsigned long)uid);
	if (st->st_mode & 077)
		return err_set(e, EX_CANTCREAT,
		    _("%s has mode %04o: group or others "
		      "may access it; fix it with: chmod 700 %s"),
		    path, (unsigned)(st->st_mode & 07777), path);
	return 0;
}

/* mkdir -p with mode 0700 for every missing component of path. */
static int
mkdir_parents(const char *path, struct err *e)
{
	char *p = xstrdup(path), *s;
	int rc = 0;

	for (s = p + 1; rc == 0; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST &&
		    access(p, F_OK) < 0)
			rc = err_sys(e, EX_CANTCREAT, errno,
			    _("cannot create queue directory %s"), p);
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return rc;
}

static int
check_dir(const char *path, uid_t uid, struct err *e)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return err_sys(e, EX_CANTCREAT, errno,
		    _("cannot use queue "
		      "directory %s"),
		    path);
	return queue_check_stat(path, &st, uid, e);
}

static int
open_sub(const char *path, uid_t uid, struct err *e)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return err_sys(e, EX_CANTCREAT, errno,
		    _("cannot create queue directory %s"), path);
	return check_dir(path, uid, e);
}

int
queue_open(struct queue *q, const char *dir, uid_t uid, struct err *e)
{
	memset(q, 0, sizeof(*q));
	if (dir[0] != '/')
		return err_set(e, EX_CONFIG,
		    _("queue directory %s is not an "
		      "absolute path; configure an absolute one"),
		    dir);
	q->dir = xstrdup(dir);
	q->tmp = xasprintf("%s/tmp", dir);
	q->new = xasprintf("%s/new", dir);
	q->env = xasprintf("%s/env", dir);
	q->uid = uid;
	if (mkdir_parents(dir, e) < 0 || check_dir(dir, uid, e) < 0 ||
	    open_sub(q->tmp, uid, e) < 0 || open_sub(q->new, uid, e) < 0 ||
	    open_sub(q->env, uid, e) < 0)
		goto fail;
	return 0;
fail:
	queue_close(q);
	return -1;
}

void
queue_close(struct queue *q)
{
	free(q->dir);
	free(q->tmp);
	free(q->new);
	free(q->env);
	memset(q, 0, sizeof(*q));
}

int
queue_open_file(const char *path, struct err *e)
{
	struct stat st;
	int fd, saved;

	fd = open(path,
	    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		saved = errno;
		if (saved == ELOOP)
			err_set(e, EX_DATAERR,
			    _("%s is a symbolic link, not a queue "
			      "file; skipped (its owner can remove it)"),
			    path);
		else
			err_sys(e, saved == ENOENT ? EX_NOINPUT : EX_IOERR,
			    saved, _("cannot read %s"), path);
		errno = saved;
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		saved = errno;
		close(fd);
		err_sys(e, EX_IOERR, saved, _("cannot read %s"), path);
		errno = saved;
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		err_set(e, EX_DATAERR,
		    _("%s is not a regular file (a FIFO, "
		      "device or socket put into the queue); skipped (its owner "
		      "can remove it)"),
		    path);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

char *
queue_body_path(const struct queue *q, const char *id)
{
	return xasprintf("%s/%s", q->new, id);
}

char *
queue_env_path(const struct queue *q, const char *id)
{
	return xasprintf("%s/%s", q->env, id);
}

/* ---- ids ----------------------------------------------------------------- */

void
queue_id_make(char *out, unsigned long long value)
{
	int i;

	for (i = QUEUE_ID_LEN - 1; i >= 0; i--, value >>= 5)
		out[i] = id_alphabet[value & 31];
	out[QUEUE_ID_LEN] = '\0';
}

unsigned long long
queue_id_value(time_t sec, long usec)
{
	unsigned long long v = (unsigned long long)sec & ((1ull << 35) - 1);

	return v << 15 | ((unsigned long long)usec * 32768 / 1000000 & 0x7fff);
}

int
queue_id_new(char *out, struct err *e)
{
	static unsigned long long last; /* the last id this process drew */
	unsigned long long v;
	struct timeval tv;
	unsigned char rnd;

	if (getrandom(&rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return err_sys(e, EX_OSERR, errno,
		    _("cannot get random bytes"));
	gettimeofday(&tv, NULL);
	v = queue_id_value(tv.tv_sec, (long)tv.tv_usec) + (rnd & 15);
	if (v <= last)
		v = last + 1 + (rnd >> 6);
	last = v;
	queue_id_make(out, v);
	return 0;
}

int
queue_id_valid(const char *s)
{
	size_t i;

	for (i = 0; i < QUEUE_ID_LEN; i++)
		if (s[i] == '\0' || strchr(id_alphabet, s[i]) == NULL)
			return 0;
	return s[QUEUE_ID_LEN] == '\0';
}
