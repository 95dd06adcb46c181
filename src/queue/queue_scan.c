/* queue_scan.c — listing envelopes, per-message flusher locks and the
 * stale-file sweep (see queue.h and doc/QUEUE.md). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "lib/i18n.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "queue/queue.h"

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
queue_scan(struct queue *q, struct strv *ids, struct err *e)
{
	struct dirent *de;
	size_t first = ids->n;
	DIR *d;

	d = opendir(q->env);
	if (d == NULL)
		return err_sys(e, EX_IOERR, errno, _("cannot list %s"), q->env);
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (queue_id_valid(de->d_name))
			strv_add(ids, de->d_name);
		errno = 0;
	}
	if (errno != 0) {
		int saved = errno;

		closedir(d);
		return err_sys(e, EX_IOERR, saved, _("cannot list %s"), q->env);
	}
	closedir(d);
	if (ids->n > first)
		qsort(ids->v + first, ids->n - first, sizeof(char *), cmp_str);
	return 0;
}

static int
same_file(int fd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int
queue_lock(struct queue *q, const char *id, int *fdp, struct err *e)
{
	char *body = queue_body_path(q, id), *envp = queue_env_path(q, id);
	int fd, rc = -1;

	*fdp = -1;
	fd = queue_open_file(body, e);
	if (fd < 0) {
		rc = errno == ENOENT ? 2 : -1;
		goto out;
	}
	while ((rc = flock(fd, LOCK_EX | LOCK_NB)) < 0 && errno == EINTR)
		;
	if (rc < 0) {
		rc = errno == EWOULDBLOCK ?
		    1 :
		    err_sys(e, EX_IOERR, errno, _("cannot lock %s"), body);
		close(fd);
		goto out;
	}
	if (!same_file(fd, body) || access(envp, F_OK) < 0) {
		close(fd);
		rc = 2;
		goto out;
	}
	*fdp = fd;
	rc = 0;
out:
	free(body);
	free(envp);
	return rc;
}

/* What to do with one directory entry during a sweep. */
static int
sweep_one(struct queue *q, const char *dir, const char *name, int orphans,
    time_t now)
{
	char *path = xasprintf("%s/%s", dir, name), *envp = NULL;
	char safe[128];
	struct stat st;
	int removed = 0;

	if (lstat(path, &st) < 0 || st.st_mtime > now - QUEUE_STALE_SECS)
		goto out;
	if (!orphans && S_ISREG(st.st_mode)) {
		/* A submission still being written holds a lock on its file. */
		int fd =
		    open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

		if (fd >= 0) {
			int busy = flock(fd, LOCK_EX | LOCK_NB) < 0 &&
			    errno == EWOULDBLOCK;

			close(fd);
			if (busy)
				goto out;
		}
	}
	if (orphans) {
		envp = queue_env_path(q, name);
		if (access(envp, F_OK) == 0 || errno != ENOENT)
			goto out;
	}
	if (unlink(path) < 0)
		goto out;
	log_sanitize_utf8(safe, sizeof(safe), name, strlen(name));
	if (orphans)
		log_msg(LOG_NOTICE,
		    "%s: removed orphaned message body (no "
		    "envelope), age %lld h",
		    safe, (long long)(now - st.st_mtime) / 3600);
	else
		log_msg(LOG_NOTICE,
		    "tmp/%s: removed stale temporary file, age "
		    "%lld h",
		    safe, (long long)(now - st.st_mtime) / 3600);
	removed = 1;
out:
	free(path);
	free(envp);
	return removed;
}

static int
sweep_dir(struct queue *q, const char *dir, int orphans, time_t now,
    unsigned *removed, struct err *e)
{
	struct dirent *de;
	DIR *d;

	d = opendir(dir);
	if (d == NULL)
		return err_sys(e, EX_IOERR, errno, _("cannot list %s"), dir);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (orphans && !queue_id_valid(de->d_name))
			continue;
		*removed +=
		    (unsigned)sweep_one(q, dir, de->d_name, orphans, now);
	}
	closedir(d);
	return 0;
}

int
queue_sweep(struct queue *q, time_t now, unsigned *removed, struct err *e)
{
	unsigned n = 0;
	int rc;

	rc = sweep_dir(q, q->tmp, 0, now, &n, e);
	if (rc == 0)
		rc = sweep_dir(q, q->new, 1, now, &n, e);
	if (removed != NULL)
		*removed = n;
	return rc;
}
