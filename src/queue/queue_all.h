/* queue_all.h — every queue the invoking user sees, each read as its owner.
 *
 * A user sees their own queue.  Root sees every queue root delivers: its
 * own, and every queue of the system spool (spool_list, the one
 * enumeration relayq-flush --all-users uses too), root's SPOOL/0
 * included; one directory is listed once.
 *
 * Root never opens a file inside another user's queue: queue_all_run
 * forks a child that drops to the queue's owner (spool_drop), opens
 * the queue as that user (queue_open checks it again) and runs the
 * caller's function there; the parent only reads what the child writes
 * to a pipe, at most QUEUE_ALL_OUT_MAX bytes within QUEUE_ALL_TIMEOUT_MS,
 * and kills a child that does not finish in time.  What a child sends is
 * the user's data: callers parse it as hostile input.  A queue of the
 * invoking uid (and any of root's, for root) is run in-process.
 *
 * Nothing here logs. */
#ifndef RELAYQ_QUEUE_ALL_H
#define RELAYQ_QUEUE_ALL_H

#include <stddef.h>
#include <sys/types.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/strv.h"
#include "queue/envelope.h"
#include "queue/queue.h"
#include "queue/queue_admin.h"

#define QUEUE_ALL_TIMEOUT_MS 10000
#define QUEUE_ALL_OUT_MAX (256u * 1024 * 1024)

struct queue_all_q {
	uid_t uid;
	gid_t gid;
	char *user; /* owned login name, NULL without a passwd entry */
	char *dir;  /* owned queue directory */
	int inproc; /* read by this process, not by a child */
	dev_t dev;  /* of dir, to list it once */
	ino_t ino;
};

struct queue_all {
	struct queue_all_q *v; /* owned: the invoking user's first, then
	                        * the spool's in uid order */
	size_t n, cap;
	struct strv skipped; /* spool entries that are not queues: one
	                      * message each (path and fix) */
	int spool_missing;   /* the spool does not exist */
};

void queue_all_init(struct queue_all *a);
void queue_all_free(struct queue_all *a);

/* Adds the queue at dir of uid (inproc when uid is the effective uid),
 * looking up the login name and group.  A directory already listed (same
 * device and inode) is not added again; a missing one is not added (0).
 * Returns 0 or -1 (EX_IOERR: dir cannot be examined). */
int queue_all_add(struct queue_all *a, const char *dir, uid_t uid,
    struct err *e);
/* Adds every queue of spool (spool_list, root's "0" included) not
 * already listed, and the skipped entries' messages.  Returns 0, or -1
 * when the spool cannot be read. */
int queue_all_add_spool(struct queue_all *a, const char *spool, struct err *e);

/* The owner as shown: the login name, else the uid in decimal (into buf,
 * which must hold 24 bytes).  Borrowed. */
const char *queue_all_owner(const struct queue_all_q *q, char *buf);

/* What queue_all_run runs as the owner: work on q, append output to out.
 * Returns 0 or -1 with e. */
typedef int (
    *queue_all_fn)(struct queue *q, void *arg, struct buf *out, struct err *e);

/* Runs fn on queue q: in-process for q->inproc, else in a child dropped
 * to q's owner.  Appends fn's output to out.  Returns 0, or -1 with fn's
 * error, or with EX_OSERR (cannot fork, cannot become the owner),
 * EX_TEMPFAIL (no answer within the deadline: the child is killed) or
 * EX_IOERR (too much output, the child died).  Every error names the
 * queue and its owner. */
int queue_all_run(const struct queue_all_q *q, queue_all_fn fn, void *arg,
    struct buf *out, struct err *e);

/* ---- the messages of one queue ------------------------------------------- */

struct queue_all_msg {
	char id[QUEUE_ID_LEN + 1];
	struct envelope env; /* valid when damaged is NULL */
	char *damaged;       /* owned: why the envelope cannot be read */
};

struct queue_all_msgs {
	struct queue_all_msg *v; /* owned, in id (= arrival) order */
	size_t n, cap;
};

void queue_all_msgs_free(struct queue_all_msgs *m);

/* queue_all_fn: every envelope of q as records for queue_all_parse.  A
 * message removed meanwhile is left out; an unreadable envelope is a
 * damaged record with the reason. */
int queue_all_collect(struct queue *q, void *arg, struct buf *out,
    struct err *e);
/* Parses len bytes of records into m (appending).  A record that does not
 * parse as an envelope becomes a damaged message.  Returns 0, or -1 with
 * EX_DATAERR when the framing itself is broken (m keeps what came
 * before).  Pure. */
int queue_all_parse(const char *p, size_t len, struct queue_all_msgs *m,
    struct err *e);
/* queue_all_run(queue_all_collect) + queue_all_parse. */
int queue_all_read(const struct queue_all_q *q, struct queue_all_msgs *m,
    struct err *e);

/* ---- acting on messages (queue_all_admin.c) ------------------------------ */

/* Where message id is among a's queues: 0 and *idx, or -1 with EX_NOINPUT
 * (in none: "no such message"), EX_USAGE (in more than one: the error
 * names their owners and how to act on one) or a queue's read error.
 * Runs a child per queue not in-process. */
int queue_all_find(const struct queue_all *a, const char *id, size_t *idx,
    struct err *e);

/* The outcome of one action on one message. */
struct queue_all_result {
	char id[65];           /* as given (at most 64 bytes) */
	int code;              /* EX_OK or the error's code */
	unsigned note;         /* QUEUE_ADMIN_NOTE_* */
	char msg[ERR_MSG_MAX]; /* the error, "" when done */
};

/* Does action (queue_admin_apply, under the message lock) on each of ids
 * in q — every message of q when ids is NULL — as q's owner.  In-process
 * queue_admin_apply logs as usual; in a child nothing is logged (the
 * caller logs what root did).  Sets *res (allocated, caller frees)
 * and *nres, in order.  Returns 0, or -1 when the queue cannot be worked
 * on at all. */
int queue_all_apply(const struct queue_all_q *q, enum queue_admin_action action,
    const struct strv *ids, time_t now, struct queue_all_result **res,
    size_t *nres, struct err *e);

/* queue_admin_show of id in q, as q's owner. */
int queue_all_show(const struct queue_all_q *q, const char *id, int json,
    struct buf *out, struct err *e);

#endif
