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
 * Root's own queue (SPOOL/0) is flushed by the parent itself, without a
 * child.  A user's queues (SPOOL/UID and its fallbacks SPOOL/UID.XXXXXX)
 * share one child and one deadline.  The spool is listed by spool_list
 * (spool.h): an entry is a queue only when its owner is the uid in its name;
 * bogus entries, however many, cost one log line per run.  Each child has a
 * deadline (spool_queue_timeout): past it, the parent kills and reaps it, logs
 * it and goes on with the next queue.
 *
 * With OAuth2, root's run fetched the access token into the credentials
 * before the first child; a child whose server refuses it (535) says so
 * through a shared page, and the parent refreshes it (oauth_refresh, once
 * per run) and flushes that user's queues again, forced: the refusal
 * deferred their messages.
 *
 *   flush_users_worse  exit code severity (pure)
 *   flush_users_run    the loop (forks, logs) */
#ifndef RELAYQ_FLUSH_USERS_H
#define RELAYQ_FLUSH_USERS_H

#include <sys/types.h>

#include "flush/flush.h"
#include "lib/err.h"

/* Orders two <sysexits.h> codes of runs by severity: EX_OK < EX_TEMPFAIL
 * < any other code (between two others, the first seen stays).  Returns
 * the more severe of cur and next.  Pure. */
int flush_users_worse(int cur, int next);

struct flush_users_opts {
	const char *spool;              /* the spool directory */
	const struct flush_opts *flush; /* template for each child's run:
	                                 * conf, resolver, force, verbose,
	                                 * filters; id, queue and creds are
	                                 * set per child */
	struct creds_set *creds;        /* prefetched; each child wipes its
	                                 * copy after its run (the caller
	                                 * wipes the parent's) */
	long long timeout;              /* seconds one child may take
	                                 * (spool_queue_timeout); 0: none */
	/* OAuth2 (NULL: not configured): refreshes the access token in cs
	 * whatever its expiry, after a child's server refused it; 0, or
	 * -1 with e. */
	int (*oauth_refresh)(void *ctx, struct creds_set *cs, struct err *e);
	void *oauth_ctx;
};

struct flush_users_stats {
	unsigned queues;  /* users whose queues were flushed (a child
	                   * each; root's by the run itself) */
	unsigned skipped; /* entries skipped (logged) */
	unsigned failed;  /* children that exited non-zero */
	int exit_code;    /* most severe child exit code (flush_users_worse) */
};

/* 0 when the effective uid is root, else -1 with EX_NOPERM and the
 * message for --all-users. */
int flush_users_require_root(struct err *e);

/* Must run as root (else -1 with EX_NOPERM).  Lists spool, logs the
 * skipped entries in one LOG_WARNING line, and for each queue runs a child
 * as described above and waits for it (at most o->timeout; a killed child
 * counts as EX_TEMPFAIL); a child that cannot drop its privileges exits
 * EX_OSERR (logged by the child and the parent).
 * Returns 0 with st, or -1 with e when the spool cannot be read. */
int flush_users_run(const struct flush_users_opts *o,
    struct flush_users_stats *st, struct err *e);

#endif
