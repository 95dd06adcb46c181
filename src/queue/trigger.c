/* trigger.c — the spool's trigger file (see trigger.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "lib/i18n.h"
#include "lib/xalloc.h"
#include "queue/trigger.h"

int
trigger_ok(const struct stat *st)
{
	return S_ISREG(st->st_mode) && st->st_uid == 0 && st->st_nlink == 1 &&
	    (st->st_mode & S_IWOTH) != 0;
}

int
trigger_touch(const char *spool, struct err *e)
{
	char *path = xasprintf("%s/" TRIGGER_NAME, spool);
	struct stat st;
	int fd, rc = -1;

	if (geteuid() == 0) {
		err_set(e, EX_SOFTWARE, _("root does not touch %s"), path);
		goto out;
	}
	fd = open(path,
	    O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			err_set(e, EX_UNAVAILABLE,
			    _("%s does not exist (make install or "
			      "root's next relayq-flush --all-users run creates it)"),
			    path);
		else
			err_sys(e, EX_NOPERM, errno,
			    _("cannot open %s (root removes a "
			      "bad one on its next --all-users run)"),
			    path);
		goto out;
	}
	if (fstat(fd, &st) < 0 || !trigger_ok(&st)) {
		err_set(e, EX_NOPERM,
		    _("%s is not root's trigger file (owner uid %lu); "
		      "not touched (root's next --all-users run replaces it)"),
		    path, (unsigned long)st.st_uid);
		close(fd);
		goto out;
	}
	if (futimens(fd, NULL) < 0)
		err_sys(e, EX_NOPERM, errno, _("cannot touch %s"), path);
	else
		rc = 0;
	close(fd);
out:
	free(path);
	return rc;
}

/* Creates the trigger with O_EXCL (never an existing entry). */
static int
create(int dfd, const char *spool, struct err *e)
{
	int fd;

	fd = openat(dfd, TRIGGER_NAME,
	    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
	    TRIGGER_MODE);
	if (fd < 0)
		return err_sys(e, EX_CANTCREAT, errno, _("cannot create %s/%s"),
		    spool, TRIGGER_NAME);
	/* The umask (UMask=0077 in the unit) must not take others' write.
	 * Root made it, so root owns it (no chown: the unit denies it). */
	if (fchmod(fd, TRIGGER_MODE) < 0) {
		err_sys(e, EX_CANTCREAT, errno,
		    _("cannot set the mode of %s/%s"), spool, TRIGGER_NAME);
		close(fd);
		unlinkat(dfd, TRIGGER_NAME, 0);
		return -1;
	}
	close(fd);
	return 0;
}

int
trigger_ensure(int dfd, const char *spool, struct err *e)
{
	struct stat st;
	int flags = 0;

	if (fstatat(dfd, TRIGGER_NAME, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (trigger_ok(&st))
			return 0;
		/* A user's entry in root's directory: unlinking a name
		 * follows nothing (a directory needs AT_REMOVEDIR). */
		if (S_ISDIR(st.st_mode))
			flags = AT_REMOVEDIR;
		if (unlinkat(dfd, TRIGGER_NAME, flags) < 0)
			return err_sys(e, EX_CANTCREAT, errno,
			    _("%s/%s is not root's "
			      "trigger file (owner uid %lu) and cannot be removed; "
			      "remove it"),
			    spool, TRIGGER_NAME, (unsigned long)st.st_uid);
		return create(dfd, spool, e) < 0 ? -1 : 2;
	}
	if (errno != ENOENT)
		return err_sys(e, EX_IOERR, errno, _("cannot look at %s/%s"),
		    spool, TRIGGER_NAME);
	return create(dfd, spool, e) < 0 ? -1 : 1;
}

static int
ts_eq(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

static int
ts_le(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	    (a->tv_sec == b->tv_sec && a->tv_nsec <= b->tv_nsec);
}

static void
snap_take(int dfd, struct trigger_snap *snap)
{
	struct stat st;

	memset(snap, 0, sizeof(*snap));
	if (fstatat(dfd, TRIGGER_NAME, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	snap->exists = 1;
	snap->ino = st.st_ino;
	snap->mtime = st.st_mtim;
	snap->ctime = st.st_ctim;
}

void
trigger_snapshot(int dfd, struct trigger_snap *snap)
{
	struct timespec now, step = { 0, 1000000L };
	int i;

	snap_take(dfd, snap);
	if (!snap->exists)
		return;
	/* File times come from the coarse clock: a touch within the same
	 * tick as the snapshot would leave them equal.  Let the tick pass. */
	for (i = 0; i < 50; i++) {
		if (clock_gettime(CLOCK_REALTIME_COARSE, &now) < 0 ||
		    !ts_le(&now, &snap->ctime))
			break;
		nanosleep(&step, NULL);
	}
}

int
trigger_changed(int dfd, const struct trigger_snap *snap)
{
	struct trigger_snap now;

	snap_take(dfd, &now);
	if (now.exists != snap->exists)
		return 1;
	if (!now.exists)
		return 0;
	return now.ino != snap->ino || !ts_eq(&now.mtime, &snap->mtime) ||
	    !ts_eq(&now.ctime, &snap->ctime);
}
