/* durable.h — the one durability recipe (STYLE habit 6):
 *
 *   O_EXCL temporary file → write all (short writes, EINTR) → fsync →
 *   checked close → rename → fsync of the directory (or directories).
 *
 * Either the whole new file is in place after a crash, or the old state is.
 * Errors name the path, the cause ("disk full", "disk quota exceeded",
 * "I/O error" ...) and what to do; ENOSPC and EDQUOT are EX_TEMPFAIL (try
 * again later), permission problems EX_CANTCREAT, the rest EX_IOERR.
 * Nothing here logs. */
#ifndef RELAYQ_DURABLE_H
#define RELAYQ_DURABLE_H

#include <stddef.h>
#include <sys/types.h>

#include "lib/err.h"

/* A temporary file being written, to be committed by a rename. */
struct durable_tmp {
	int fd;      /* open for writing; -1 once closed */
	char *path;  /* allocated: the temporary's path, NULL when none */
	int renamed; /* durable_tmp_commit renamed it into place (even if
	              * the directory fsync after the rename failed) */
};

#define DURABLE_TMP_INIT \
	{ \
		-1, NULL, 0 \
	}

/* The exit code for a failed file operation with errno errnum. */
int durable_errcode(int errnum);

/* Sets e to "WHAT PATH: CAUSE; FIX" for errnum (code from
 * durable_errcode).  what is a translated verb phrase such as
 * _("cannot write").  Returns -1. */
int durable_err(struct err *e, int errnum, const char *what, const char *path);

/* Writes all n bytes to fd, retrying short writes and EINTR.  path is only
 * for the message.  Returns 0 or -1. */
int durable_write_all(int fd, const void *p, size_t n, const char *path,
    struct err *e);

/* fsyncs the directory dir.  Returns 0 or -1. */
int durable_fsync_dir(const char *dir, struct err *e);

/* Creates a new temporary file in dir named PREFIX.XXXXXX (six random
 * base32 characters, retried on EEXIST) with O_EXCL and mode.  Returns 0
 * and fills t, or -1 (t stays empty). */
int durable_tmp_open(struct durable_tmp *t, const char *dir, const char *prefix,
    mode_t mode, struct err *e);

/* Creates exactly path with O_EXCL (no retry).  Returns 0, or -1 with
 * errno preserved (EEXIST for a collision the caller may retry). */
int durable_tmp_create(struct durable_tmp *t, const char *path, mode_t mode,
    struct err *e);

/* fsync and checked close of t->fd (t->fd becomes -1).  Returns 0 or -1. */
int durable_tmp_sync_close(struct durable_tmp *t, struct err *e);

/* Commits t: sync+close if still open, rename to final (replacing it
 * unless noreplace, which gives EEXIST on an existing final), fsync of
 * final's directory (not the temporary's: see durable.c).  On
 * success t->path is freed; on failure before the rename the temporary is
 * unlinked.  t->renamed tells whether final is now the temporary's
 * content (1 also when only the fsync after the rename failed; 0 when the
 * rename itself failed, e.g. EEXIST: final is then someone else's).
 * Returns 0 or -1 (errno kept for EEXIST). */
int durable_tmp_commit(struct durable_tmp *t, const char *final, int noreplace,
    struct err *e);

/* Closes and unlinks the temporary (if any).  Safe to call twice. */
void durable_tmp_abort(struct durable_tmp *t);

/* Writes n bytes at p to path atomically, with the temporary in tmpdir
 * (NULL: path's own directory; must be on the same file system).  Returns
 * 0 or -1; on failure path is unchanged and no temporary remains. */
int durable_write_file(const char *tmpdir, const char *path, const void *p,
    size_t n, mode_t mode, struct err *e);

/* Returns the directory part of path, allocated ("." when none). */
char *durable_dirname(const char *path);

#endif
