/* durable.c — the one durability recipe (see durable.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "lib/durable.h"
#include "lib/i18n.h"
#include "lib/xalloc.h"

int
durable_errcode(int errnum)
{
	switch (errnum) {
	case ENOSPC:
	case EDQUOT:
		return EX_TEMPFAIL;
	case EACCES:
	case EPERM:
	case EROFS:
	case ENOENT:
	case ENOTDIR:
		return EX_CANTCREAT;
	default:
		return EX_IOERR;
	}
}

int
durable_err(struct err *e, int errnum, const char *what, const char *path)
{
	int code = durable_errcode(errnum);

	switch (errnum) {
	case ENOSPC:
		return err_set(e, code,
		    _("%s %s: disk full; free space on that "
		      "file system and try again"),
		    what, path);
	case EDQUOT:
		return err_set(e, code,
		    _("%s %s: disk quota exceeded; remove "
		      "files or ask for a larger quota, then try again"),
		    what, path);
	case EIO:
		return err_set(e, code,
		    _("%s %s: I/O error; check the disk and "
		      "the kernel log (dmesg)"),
		    what, path);
	case EROFS:
		return err_set(e, code,
		    _("%s %s: read-only file system; "
		      "configure a writable queue directory"),
		    what, path);
	default:
		return err_sys(e, code, errnum, "%s %s", what, path);
	}
}

int
durable_write_all(int fd, const void *p, size_t n, const char *path,
    struct err *e)
{
	const char *c = p;
	ssize_t w;

	while (n > 0) {
		w = write(fd, c, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return durable_err(e, errno, _("cannot write"), path);
		}
		if (w == 0)
			return durable_err(e, ENOSPC, _("cannot write"), path);
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int
durable_fsync_dir(const char *dir, struct err *e)
{
	int fd, rc;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return durable_err(e, errno, _("cannot open directory"), dir);
	rc = fsync(fd);
	if (rc < 0 && errno != EINVAL) {
		int saved = errno;

		close(fd);
		return durable_err(e, saved, _("cannot sync directory"), dir);
	}
	close(fd);
	return 0;
}

char *
durable_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

int
durable_tmp_create(struct durable_tmp *t, const char *path, mode_t mode,
    struct err *e)
{
	int fd;

	t->fd = -1;
	t->path = NULL;
	t->renamed = 0;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    mode);
	if (fd < 0) {
		int saved = errno;

		durable_err(e, saved, _("cannot create"), path);
		errno = saved;
		return -1;
	}
	t->fd = fd;
	t->path = xstrdup(path);
	return 0;
}

int
durable_tmp_open(struct durable_tmp *t, const char *dir, const char *prefix,
    mode_t mode, struct err *e)
{
	static const char b32[] = "0123456789ABCDEFGHIJKLMNOPQRSTUV";
	unsigned char rnd[6];
	char name[7];
	char *path;
	int i, tries, rc;

	for (tries = 0; tries < 100; tries++) {
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return err_sys(e, EX_OSERR, errno,
			    _("cannot get random bytes"));
		for (i = 0; i < 6; i++)
			name[i] = b32[rnd[i] & 31];
		name[6] = '\0';
		path = xasprintf("%s/%s.%s", dir, prefix, name);
		rc = durable_tmp_create(t, path, mode, e);
		free(path);
		if (rc == 0)
			return 0;
		if (errno != EEXIST)
			return -1;
	}
	return err_set(e, EX_CANTCREAT,
	    _("cannot create a temporary file "
	      "in %s: too many name collisions"),
	    dir);
}

int
durable_tmp_sync_close(struct durable_tmp *t, struct err *e)
{
	int fd = t->fd;

	if (fd < 0)
		return 0;
	t->fd = -1;
	if (fsync(fd) < 0) {
		int saved = errno;

		close(fd);
		return durable_err(e, saved, _("cannot sync"), t->path);
	}
	if (close(fd) < 0)
		return durable_err(e, errno, _("cannot close"), t->path);
	return 0;
}

/* rename() that refuses to replace an existing target. */
static int
rename_noreplace(const char *from, const char *to)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if (link(from, to) < 0)
		return -1;
	/* to is ours now; a temporary left behind is the sweep's */
	(void)unlink(from);
	return 0;
}

/* Only the final directory needs to be durable: whether the temporary's
 * old name survives a crash only decides whether a stale file is left in
 * the temporary's directory, which the queue's sweep removes. */
static int
sync_dirs(const char *final, struct err *e)
{
	char *fdir = durable_dirname(final);
	int rc = durable_fsync_dir(fdir, e);

	free(fdir);
	return rc;
}

int
durable_tmp_commit(struct durable_tmp *t, const char *final, int noreplace,
    struct err *e)
{
	int rc, saved;

	if (durable_tmp_sync_close(t, e) < 0)
		goto fail;
	rc = noreplace ? rename_noreplace(t->path, final) :
	                 rename(t->path, final);
	if (rc < 0) {
		saved = errno;
		durable_err(e, saved, _("cannot rename into place"), final);
		errno = saved;
		goto fail;
	}
	t->renamed = 1;
	rc = sync_dirs(final, e);
	free(t->path);
	t->path = NULL;
	return rc;
fail:
	saved = errno;
	durable_tmp_abort(t);
	errno = saved;
	return -1;
}

void
durable_tmp_abort(struct durable_tmp *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	if (t->path != NULL)
		unlink(t->path);
	free(t->path);
	t->path = NULL;
}

int
durable_write_file(const char *tmpdir, const char *path, const void *p,
    size_t n, mode_t mode, struct err *e)
{
	struct durable_tmp t = DURABLE_TMP_INIT;
	char *dir = tmpdir ? xstrdup(tmpdir) : durable_dirname(path);
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	if (durable_tmp_open(&t, dir, base, mode, e) < 0)
		goto fail;
	if (durable_write_all(t.fd, p, n, t.path, e) < 0)
		goto fail;
	if (durable_tmp_commit(&t, path, 0, e) < 0)
		goto fail;
	free(dir);
	return 0;
fail:
	durable_tmp_abort(&t);
	free(dir);
	return -1;
}
