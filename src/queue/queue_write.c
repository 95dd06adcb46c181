/* queue_write.c — new messages (create → commit body → commit envelope),
 * envelope rewrites and removal: transitions 1–6 of doc/QUEUE.md. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/i18n.h"
#include "lib/xalloc.h"
#include "queue/queue.h"

#define ID_TRIES 64

static int
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 || errno != ENOENT;
}

/* 1 when id is free in new/ and env/. */
static int
id_free(struct queue *q, const char *id)
{
	char *b = queue_body_path(q, id), *v = queue_env_path(q, id);
	int ok = !exists(b) && !exists(v);

	free(b);
	free(v);
	return ok;
}

int
queue_msg_create(struct queue *q, struct queue_msg *m, struct err *e)
{
	struct durable_tmp init = DURABLE_TMP_INIT;
	char *path;
	int tries, rc;

	memset(m, 0, sizeof(*m));
	m->body = init;
	for (tries = 0; tries < ID_TRIES; tries++) {
		if (queue_id_new(m->id, e) < 0)
			return -1;
		path = xasprintf("%s/%s", q->tmp, m->id);
		rc = durable_tmp_create(&m->body, path, 0600, e);
		free(path);
		if (rc < 0 && errno != EEXIST)
			return err_wrap(e, _("cannot queue message"));
		if (rc == 0 && id_free(q, m->id)) {
			/* Held until the body is committed: the sweep leaves a
			 * locked tmp/ file alone however old it looks (a slow
			 * pipe into sendmail writes nothing until it ends). */
			(void)flock(m->body.fd, LOCK_EX | LOCK_NB);
			return 0;
		}
		durable_tmp_abort(&m->body);
	}
	m->id[0] = '\0';
	return err_set(e, EX_TEMPFAIL,
	    _("cannot queue message: no free queue "
	      "id in %s after %d tries; try again"),
	    q->dir, ID_TRIES);
}

int
queue_msg_commit_body(struct queue *q, struct queue_msg *m, struct err *e)
{
	char *final = queue_body_path(q, m->id);
	int rc;

	rc = durable_tmp_commit(&m->body, final, 1, e);
	/* Ours only when our rename put it there (a failed directory fsync
	 * comes after the rename); a final that exists because the rename
	 * found it (EEXIST: an id collision) is another message's. */
	m->placed = m->body.renamed;
	free(final);
	return rc;
}

int
queue_msg_commit_env(struct queue *q, struct queue_msg *m, struct envelope *env,
    struct err *e)
{
	char *body = queue_body_path(q, m->id);
	struct stat st;
	int rc = -1;

	if (stat(body, &st) < 0) {
		durable_err(e, errno, _("cannot queue message: cannot stat"),
		    body);
		goto fail;
	}
	envelope_set(&env->id, m->id);
	env->size = (unsigned long long)st.st_size;
	rc = queue_env_write(q, env, e);
fail:
	free(body);
	return rc;
}

int
queue_msg_commit(struct queue *q, struct queue_msg *m, struct envelope *env,
    struct err *e)
{
	char *envpath;

	if (queue_msg_commit_body(q, m, e) < 0)
		goto fail;
	if (queue_msg_commit_env(q, m, env, e) < 0) {
		/* the rename may have happened before a failed dir fsync */
		envpath = queue_env_path(q, m->id);
		unlink(envpath);
		free(envpath);
		goto fail;
	}
	m->placed = 0;
	return 0;
fail:
	queue_msg_abort(q, m);
	return -1;
}

void
queue_msg_abort(struct queue *q, struct queue_msg *m)
{
	char *body;

	durable_tmp_abort(&m->body);
	if (m->placed) {
		body = queue_body_path(q, m->id);
		unlink(body);
		free(body);
		m->placed = 0;
	}
}

int
queue_env_write(struct queue *q, const struct envelope *env, struct err *e)
{
	struct buf b = BUF_INIT;
	char *path;
	int rc;

	if (env->id == NULL || !queue_id_valid(env->id))
		return err_set(e, EX_SOFTWARE,
		    _("envelope has no valid queue id"));
	path = queue_env_path(q, env->id);
	envelope_format(env, &b);
	rc = durable_write_file(q->tmp, path, b.data, b.len, 0600, e);
	buf_free(&b);
	free(path);
	return rc;
}

/* Reads the whole file at path (at most max bytes) into out. */
static int
read_file(const char *path, size_t max, struct buf *out, struct err *e)
{
	char chunk[8192];
	ssize_t n;
	int fd;

	fd = queue_open_file(path, e);
	if (fd < 0)
		return -1;
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || out->len + (size_t)n > max) {
			int saved = n < 0 ? errno : EFBIG;

			close(fd);
			return err_sys(e, EX_IOERR, saved, _("cannot read %s"),
			    path);
		}
		buf_add(out, chunk, (size_t)n);
	}
	close(fd);
	return 0;
}

int
queue_env_read(struct queue *q, const char *id, struct envelope *env,
    struct err *e)
{
	char *path = queue_env_path(q, id);
	struct buf b = BUF_INIT;
	int rc = -1;

	envelope_init(env);
	if (read_file(path, ENVELOPE_FILE_MAX, &b, e) < 0)
		goto fail;
	if (envelope_parse(env, b.data ? b.data : "", b.len, e) < 0) {
		err_wrap(e, _("refusing damaged envelope %s"), path);
		goto fail;
	}
	if (strcmp(env->id, id) != 0) {
		err_set(e, EX_DATAERR,
		    _("refusing envelope %s: it names queue id "
		      "%s"),
		    path, env->id);
		goto fail;
	}
	rc = 0;
fail:
	buf_free(&b);
	free(path);
	return rc;
}

/* Unlinks env/ID (the commit point of removal) and, when sync, makes that
 * durable before the body goes: a body whose unlink is lost in a crash is
 * an orphan the sweep removes, so new/ never needs an fsync here. */
static int
remove_message(struct queue *q, const char *id, int sync, struct err *e)
{
	char *envp = queue_env_path(q, id), *body = queue_body_path(q, id);
	int rc = -1;

	if (unlink(envp) < 0 && errno != ENOENT) {
		durable_err(e, errno, _("cannot remove"), envp);
		goto fail;
	}
	if (sync && durable_fsync_dir(q->env, e) < 0)
		goto fail;
	if (unlink(body) < 0 && errno != ENOENT) {
		durable_err(e, errno, _("cannot remove"), body);
		goto fail;
	}
	rc = 0;
fail:
	free(envp);
	free(body);
	return rc;
}

int
queue_remove_unsynced(struct queue *q, const char *id, struct err *e)
{
	return remove_message(q, id, 0, e);
}

int
queue_sync_removals(struct queue *q, struct err *e)
{
	return durable_fsync_dir(q->env, e);
}

int
queue_remove(struct queue *q, const char *id, struct err *e)
{
	return remove_message(q, id, 1, e);
}

/* Copies the open body fd (from its start) into the temporary t. */
static int
copy_body(int fd, struct durable_tmp *t, const char *from, struct err *e)
{
	char chunk[65536];
	ssize_t n, w, off;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return err_sys(e, EX_IOERR, errno, _("cannot read %s"), from);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_sys(e, EX_IOERR, errno, _("cannot read %s"),
			    from);
		for (off = 0; off < n; off += w) {
			w = write(t->fd, chunk + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				w = 0;
			else if (w < 0)
				return err_sys(e, EX_IOERR, errno,
				    _("cannot write %s"), t->path);
		}
	}
	return 0;
}

int
queue_move(struct queue *from, struct queue *to, const char *id, int bodyfd,
    struct err *e)
{
	struct durable_tmp init = DURABLE_TMP_INIT;
	struct queue_msg m;
	struct envelope env;
	char *path, *src = queue_body_path(from, id);
	int rc = -1;

	envelope_init(&env);
	memset(&m, 0, sizeof(m));
	m.body = init;
	snprintf(m.id, sizeof(m.id), "%s", id);
	path = queue_env_path(to, id);
	if (exists(path)) {
		/* An earlier move passed its commit point and stopped before
		 * the removal: only the removal is left. */
		free(path);
		rc = queue_remove(from, id, e);
		goto out;
	}
	free(path);
	/* Leftovers of an earlier move that stopped before its commit point
	 * (the caller holds the message's lock, so nobody else makes them). */
	path = xasprintf("%s/%s", to->tmp, id);
	(void)unlink(path);
	free(path);
	path = queue_body_path(to, id);
	(void)unlink(path);
	free(path);
	if (queue_env_read(from, id, &env, e) < 0)
		goto out;
	path = xasprintf("%s/%s", to->tmp, id);
	if (durable_tmp_create(&m.body, path, 0600, e) < 0 ||
	    copy_body(bodyfd, &m.body, src, e) < 0 ||
	    queue_msg_commit(to, &m, &env, e) < 0) {
		free(path);
		queue_msg_abort(to, &m);
		goto out;
	}
	free(path);
	/* The commit point of the move was the envelope's rename into
	 * to/env/; the source goes only after it (a crash in between is
	 * finished by the next move: see above). */
	rc = queue_remove(from, id, e);
out:
	envelope_free(&env);
	free(src);
	return rc;
}
