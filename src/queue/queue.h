/* queue.h — the per-user on-disk queue (doc/QUEUE.md is its state table).
 *
 *   queue.c       location, opening with ownership checks, ids, paths
 *   queue_write.c new messages (create → commit body → commit envelope),
 *                 envelope updates, removal
 *   queue_scan.c  listing envelopes, per-message locks, stale-file sweep
 *
 * All functions return 0 (or a documented positive value) on success and
 * -1 with e set on failure; only queue_sweep() logs. */
#ifndef RELAYQ_QUEUE_H
#define RELAYQ_QUEUE_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "lib/durable.h"
#include "lib/err.h"
#include "lib/strv.h"
#include "queue/envelope.h"

#define QUEUE_ID_LEN 10
#define QUEUE_STALE_SECS (36 * 3600)

/* ---- location (pure) ------------------------------------------------- */

/* What is known about the home directory (queue_probe_home fills it). */
struct queue_home {
	int exists; /* stat() succeeded and it is a directory */
	uid_t owner;
	int writable; /* access(W_OK|X_OK) for the invoking user */
};

/* Where a queue directory came from (the rule that picks it is
 * route_decide, route.h). */
enum queue_loc {
	QUEUE_LOC_CONFIGURED,
	QUEUE_LOC_XDG,
	QUEUE_LOC_HOME,
	QUEUE_LOC_SPOOL
};

/* Fills h for path (NULL or relative: not usable) with stat and access. */
void queue_probe_home(const char *path, struct queue_home *h);

/* ---- an open queue --------------------------------------------------- */

struct queue {
	char *dir, *tmp, *new, *env; /* owned paths */
	uid_t uid;
};

/* Checks one existing directory's lstat result against uid: refuses
 * (EX_CANTCREAT) a symlink, a non-directory, another owner or any
 * group/other permission bit, naming path, owner, uid and the fix.  Pure. */
int queue_check_stat(const char *path, const struct stat *st, uid_t uid,
    struct err *e);
/* Opens (creating with 0700 what is missing, parents included) the queue
 * at dir for uid, checking dir and tmp/ new/ env/ with queue_check_stat.
 * On failure q is left empty. */
int queue_open(struct queue *q, const char *dir, uid_t uid, struct err *e);
void queue_close(struct queue *q);

/* Opens a file of the queue for reading without ever blocking or
 * following a link: O_NONBLOCK|O_NOFOLLOW, then fstat; anything but a
 * regular file (FIFO, device, socket, symlink) is refused with EX_DATAERR
 * naming it.  Returns the fd, or -1 with e (errno ENOENT when missing). */
int queue_open_file(const char *path, struct err *e);

/* Allocated paths of a message's files. */
char *queue_body_path(const struct queue *q, const char *id);
char *queue_env_path(const struct queue *q, const char *id);

/* ---- ids --------------------------------------------------------------- */

/* The 50-bit id value of a time: 35 bits of seconds, 15 bits of the
 * fraction (units of 1/32768 s).  Pure. */
unsigned long long queue_id_value(time_t sec, long usec);
/* Formats value as QUEUE_ID_LEN base32 characters into out (size
 * QUEUE_ID_LEN + 1).  Pure. */
void queue_id_make(char *out, unsigned long long value);
/* A fresh id: the clock plus a random jitter of up to 15 units, and always
 * above the last id drawn by this process.  Unique only together with the
 * O_EXCL reservation of queue_msg_create.  Returns 0 or -1. */
int queue_id_new(char *out, struct err *e);
/* 1 when s is a well-formed queue id. */
int queue_id_valid(const char *s);

/* ---- writing (queue_write.c) -------------------------------------------- */

struct queue_msg {
	char id[QUEUE_ID_LEN + 1];
	struct durable_tmp body; /* body.fd: stream the message here */
	int placed;              /* body renamed into new/ */
};

/* Creates tmp/ID (O_EXCL, 0600) with an id free in tmp/, new/ and env/.
 * m->body.fd is the caller's to write (not to close). */
int queue_msg_create(struct queue *q, struct queue_msg *m, struct err *e);
/* The two commit steps (each one transition of doc/QUEUE.md); callers use
 * queue_msg_commit, tests call them apart to stop at a crash point.
 * commit_body: fsync, close, rename tmp/ID → new/ID (no replace), fsync
 * dirs.  commit_env: sets env->id and env->size (from the body), writes
 * env/ID durably — the commit point.  Neither removes a placed body on
 * failure (commit_body does unlink its temporary when the rename fails). */
int queue_msg_commit_body(struct queue *q, struct queue_msg *m, struct err *e);
int queue_msg_commit_env(struct queue *q, struct queue_msg *m,
    struct envelope *env, struct err *e);
/* Both steps; on any failure the message is aborted (nothing is left). */
int queue_msg_commit(struct queue *q, struct queue_msg *m, struct envelope *env,
    struct err *e);
/* Removes whatever the message has on disk (tmp/ID or new/ID).  Never
 * touches env/ID.  Safe after a successful commit (does nothing). */
void queue_msg_abort(struct queue *q, struct queue_msg *m);

/* Rewrites env/ID from env (env->id names it) with the durable recipe. */
int queue_env_write(struct queue *q, const struct envelope *env, struct err *e);
/* Reads and parses env/ID into env (the caller frees env also on
 * failure).  A torn file fails with EX_DATAERR naming the path. */
int queue_env_read(struct queue *q, const char *id, struct envelope *env,
    struct err *e);
/* Removes a message: env/ID first (the commit point), fsync, then new/ID.
 * A missing file is not an error. */
int queue_remove(struct queue *q, const char *id, struct err *e);

/* Removes a message as queue_remove does but without the fsync of env/:
 * the removal survives a crash of the process at once, and a crash of the
 * machine only once queue_sync_removals() returned (until then the message
 * may come back and be sent again: at-least-once, never lost).  For the
 * flusher, which removes many messages in a run. */
int queue_remove_unsynced(struct queue *q, const char *id, struct err *e);
/* Makes every earlier queue_remove_unsynced durable (fsync of env/). */
int queue_sync_removals(struct queue *q, struct err *e);

/* Moves message id, locked by the caller (bodyfd: its locked body, from
 * queue_lock), from one queue into another with the same id: body and
 * envelope written into to with the durable recipe (the envelope's
 * rename into to/env/ is the commit point), then removed from from.
 * Never lost, never doubled: when to/env/ID exists already, an earlier
 * move passed its commit point, and only the removal is done.  Returns 0
 * or -1 with e (from is then unchanged). */
int queue_move(struct queue *from, struct queue *to, const char *id, int bodyfd,
    struct err *e);

/* ---- scanning (queue_scan.c) --------------------------------------------- */

/* Appends the ids of all envelopes in env/ to ids, sorted (= by arrival). */
int queue_scan(struct queue *q, struct strv *ids, struct err *e);
/* Takes the flusher lock on message id (flock on new/ID, non-blocking).
 * After locking, checks that new/ID is still the locked file and env/ID
 * still exists.  Returns 0 and sets *fd (close it to unlock), 1 when
 * another process holds the lock, 2 when the message is gone, -1 on error. */
int queue_lock(struct queue *q, const char *id, int *fd, struct err *e);
/* Removes files older than QUEUE_STALE_SECS at now: anything in tmp/, and
 * bodies in new/ without an envelope.  Logs one LOG_NOTICE line per file.
 * Sets *removed (may be NULL). */
int queue_sweep(struct queue *q, time_t now, unsigned *removed, struct err *e);

#endif
