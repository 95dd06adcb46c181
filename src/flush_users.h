/* flush_users.h — relayq-flush --all-users: root flushes every queue of
 * the system spool (doc/FLUSH.md, "The system spool").
 *
 * The spool (conf spool_dir, default SPOOLDIR, mode 1733) holds one
 * directory per uid, named by the uid in decimal, made by that user (owner
 * the uid, mode 0700).  Root never opens or writes a file inside such a
 * directory: the parent only lists the spool and lstat()s its entries;
 * for each valid entry it forks a child that drops to the entry's uid and
 * gid (setgroups(0), setgid, setuid, verified) and only then opens the
 * queue (queue_open checks it again, now as its owner) and runs flush_run
 * with credentials the parent looked up before (flush_creds_prefetch), so
 * the child reads no credential source.  Children run one after another.
 *
 *   flush_users_uid    entry name → uid (pure)
 *   flush_users_check  entry name + lstat → uid or why it is skipped (pure)
 *   flush_users_list   the spool → its queues and the skipped entries
 *   flush_users_drop   become a queue's owner for good
 *   flush_users_run    the loop (forks, logs)
 * The first four are libc only (flush_users_spool.c, in librelayq.a):
 * root's mailq (queue_all.c) walks the spool with the same rules. */
#ifndef RELAYQ_FLUSH_USERS_H
#define RELAYQ_FLUSH_USERS_H

#include <sys/stat.h>
#include <sys/types.h>

#include "err.h"
#include "flush.h"
#include "strv.h"

/* Parses a spool entry name: decimal digits only, no sign, no leading
 * zero (except "0" itself), within uid_t and not (uid_t)-1.  Returns 1
 * with *uid, or 0.  Pure. */
int flush_users_uid(const char *name, uid_t *uid);

enum flush_users_verdict {
	FLUSH_USERS_OK = 0,
	FLUSH_USERS_IGNORE,     /* "." "..": skipped silently */
	FLUSH_USERS_BADNAME,    /* not a decimal uid */
	FLUSH_USERS_ROOT,       /* "0", otherwise a valid queue: root's queue
	                         * is not flushed from the spool */
	FLUSH_USERS_SYMLINK,
	FLUSH_USERS_NOTDIR,
	FLUSH_USERS_OWNER,      /* not owned by the uid it is named after */
	FLUSH_USERS_MODE        /* permission bits other than exactly 0700 */
};

/* Classifies spool entry name (in spool, for the message) with its
 * lstat() result st.  FLUSH_USERS_OK sets *uid; any other verdict but
 * IGNORE sets e (EX_NOPERM for ownership/mode/symlink, EX_DATAERR for the
 * name) with one line naming the path and the fix.  Pure. */
enum flush_users_verdict flush_users_check(const char *spool, const char *name,
    const struct stat *st, uid_t *uid, struct err *e);

/* One queue of the spool. */
struct flush_users_queue {
	uid_t uid;
	gid_t gid;      /* the passwd entry's group, else the directory's */
	char *home;     /* passwd home, or NULL (no entry) */
	char *user;     /* login name, or NULL (no entry) */
	char *dir;      /* spool/UID */
};

struct flush_users_list {
	struct flush_users_queue *v;   /* owned, sorted by entry name */
	size_t n, cap;
	struct strv skipped;           /* one message per skipped entry */
};

/* THE enumeration of the spool's queues (every caller uses it): lists
 * spool (opened O_DIRECTORY|O_NOFOLLOW), lstat()s each entry relative to
 * it and keeps those flush_users_check accepts (with with_root, also
 * root's "0"), looking up each owner's passwd entry; an owner without one
 * whose directory's group is root is skipped.  Every skipped entry adds
 * one message (naming the path and the fix) to l->skipped.  Opens nothing
 * inside the queues.  Returns 0, 1 when spool does not exist (l empty),
 * or -1 with e when it cannot be read.  Free l with
 * flush_users_list_free (also after -1).  Does not log. */
int flush_users_list(const char *spool, int with_root,
    struct flush_users_list *l, struct err *e);
void flush_users_list_free(struct flush_users_list *l);

/* Drops every privilege for good (setgroups(0), setgid, setuid) and
 * checks that it stuck and that root cannot be regained, then makes the
 * process non-dumpable again (nodump_enable).  Returns 0, or -1 with
 * EX_OSERR.  For a forked child only; uid must not be 0. */
int flush_users_drop(uid_t uid, gid_t gid, struct err *e);

/* Orders two <sysexits.h> codes of runs by severity: EX_OK < EX_TEMPFAIL
 * < any other code (between two others, the first seen stays).  Returns
 * the more severe of cur and next.  Pure. */
int flush_users_worse(int cur, int next);

struct flush_users_opts {
	const char *spool;                  /* the spool directory */
	const struct flush_opts *flush;     /* template for each child's run:
	                                     * conf, resolver, force, verbose,
	                                     * filters; id, queue and creds are
	                                     * set per child */
	struct flush_credset *creds;        /* prefetched; each child wipes its
	                                     * copy after its run (the caller
	                                     * wipes the parent's) */
};

struct flush_users_stats {
	unsigned queues;        /* children run */
	unsigned skipped;       /* entries skipped (logged) */
	unsigned failed;        /* children that exited non-zero */
	int exit_code;          /* most severe child exit code (flush_users_worse) */
};

/* 0 when the effective uid is root, else -1 with EX_NOPERM and the
 * message for --all-users. */
int flush_users_require_root(struct err *e);

/* Must run as root (else -1 with EX_NOPERM).  Lists spool, skips and logs
 * (LOG_WARNING) every invalid entry, and for each valid one runs a child
 * as described above and waits for it; a child that cannot drop its
 * privileges exits EX_OSERR (logged by the child and the parent).
 * Returns 0 with st, or -1 with e when the spool cannot be read. */
int flush_users_run(const struct flush_users_opts *o,
    struct flush_users_stats *st, struct err *e);

#endif
