/* runlock.c — the per-queue run lock and the kick (see runlock.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "lib/i18n.h"
#include "lib/xalloc.h"
#include "queue/runlock.h"

#define KICK_NAME "kick"

void
runlock_slot_name(unsigned n, char out[32])
{
	if (n == 0)
		snprintf(out, 32, "flush.lock");
	else
		snprintf(out, 32, "flush.lock.%u", n);
}

/* Opens (creating) slot n of q; checks it is q's own regular file. */
static int
slot_open(const struct queue *q, unsigned n, struct err *e)
{
	char name[32], *path;
	struct stat st;
	int fd;

	runlock_slot_name(n, name);
	path = xasprintf("%s/%s", q->dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
	    0600);
	if (fd < 0) {
		err_sys(e, EX_CANTCREAT, errno,
		    _("cannot open the run lock %s"), path);
		goto out;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != q->uid) {
		err_set(e, EX_CANTCREAT,
		    _("the run lock %s is not a regular file "
		      "owned by uid %lu; remove it"),
		    path, (unsigned long)q->uid);
		close(fd);
		fd = -1;
	}
out:
	free(path);
	return fd;
}

int
runlock_try(const struct queue *q, unsigned slots, struct runlock *l,
    struct err *e)
{
	unsigned n;
	int fd, r;

	l->fd = -1;
	l->slot = 0;
	if (slots < 1)
		slots = 1;
	for (n = 0; n < slots; n++) {
		fd = slot_open(q, n, e);
		if (fd < 0)
			return -1;
		while ((r = flock(fd, LOCK_EX | LOCK_NB)) < 0 && errno == EINTR)
			;
		if (r == 0) {
			l->fd = fd;
			l->slot = n;
			return 0;
		}
		r = errno;
		close(fd);
		if (r != EWOULDBLOCK)
			return err_sys(e, EX_IOERR, r,
			    _("cannot lock the run lock of %s"), q->dir);
	}
	return 1;
}

int
runlock_wait(const struct queue *q, struct runlock *l, struct err *e)
{
	int fd;

	l->fd = -1;
	l->slot = 0;
	fd = slot_open(q, 0, e);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX) < 0) {
		int saved = errno;

		close(fd);
		return err_sys(e, saved == EINTR ? EX_TEMPFAIL : EX_IOERR,
		    saved, _("cannot wait for the run lock of %s"), q->dir);
	}
	l->fd = fd;
	return 0;
}

void
runlock_release(struct runlock *l)
{
	if (l->fd >= 0) {
		/* Explicitly: a forked child may share the open file. */
		flock(l->fd, LOCK_UN);
		close(l->fd);
	}
	l->fd = -1;
}

int
runlock_kick(const struct queue *q, struct err *e)
{
	char *path = xasprintf("%s/" KICK_NAME, q->dir);
	int fd, rc = 0;

	fd = open(path,
	    O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
	if (fd < 0)
		rc = err_sys(e, EX_CANTCREAT, errno, _("cannot mark %s"), path);
	else
		close(fd);
	free(path);
	return rc;
}

int
runlock_take_kick(const struct queue *q, struct err *e)
{
	char *path = xasprintf("%s/" KICK_NAME, q->dir);
	int rc = 1;

	if (unlink(path) < 0)
		rc = errno == ENOENT ?
		    0 :
		    err_sys(e, EX_IOERR, errno, _("cannot remove %s"), path);
	free(path);
	return rc;
}

int
runlock_kicked(const struct queue *q)
{
	char *path = xasprintf("%s/" KICK_NAME, q->dir);
	struct stat st;
	int rc;

	rc = lstat(path, &st) == 0 || errno != ENOENT;
	free(path);
	return rc;
}

int
runlock_handover(const struct queue *q, unsigned slots, struct err *e)
{
	struct runlock l;
	int r;

	/* The order is the protocol: the kick first, the lock after. */
	if (runlock_kick(q, e) < 0)
		return -1;
	r = runlock_try(q, slots, &l, e);
	if (r < 0)
		return -1;
	if (r == 0) {
		runlock_release(&l);
		return RUNLOCK_IDLE;
	}
	return RUNLOCK_HANDED;
}
