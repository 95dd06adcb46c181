/* runlock.h — one delivery run per queue at a time, and the kick that
 * hands a new message to the run in progress (doc/QUEUE.md, "Run lock and
 * kick", has the protocol and why no message is left for the timer).
 *
 * Both live in the queue directory, made and used by the queue's owner
 * only (root's --all-users run takes them in the child that runs as the
 * owner), so no lock one user can hold blocks another user's queue:
 *
 *   QUEUE/flush.lock[.N]  a run holds flock(LOCK_EX) on one slot for its
 *                         whole run (max_connections slots, default 1:
 *                         flush.lock, flush.lock.1, ...)
 *   QUEUE/kick            exists when mail may have arrived that no run
 *                         has scanned for yet
 *
 * The submitter marks the kick BEFORE it tries the lock; a run consumes the
 * kick BEFORE each scan, and after releasing the lock checks the kick and
 * runs again.  These functions are libc only (the front end uses them) and
 * never log. */
#ifndef RELAYQ_RUNLOCK_H
#define RELAYQ_RUNLOCK_H

#include "lib/err.h"
#include "queue/queue.h"

/* Upper bound of max_connections. */
#define RUNLOCK_MAX_SLOTS 16

struct runlock {
	int fd;        /* the locked slot's file; -1 when not held */
	unsigned slot; /* 0 = flush.lock, n = flush.lock.n */
};

/* The file name of slot n in out (size 32): "flush.lock" or "flush.lock.N".
 * Pure. */
void runlock_slot_name(unsigned n, char out[32]);

/* Tries slots 0..slots-1 of q in order without waiting.  Returns 0 with l
 * holding the first free one, 1 when every slot is held by another run
 * (l->fd is -1), -1 with e when a slot file cannot be opened or is not a
 * regular file owned by q's uid (EX_CANTCREAT, naming it and the fix). */
int runlock_try(const struct queue *q, unsigned slots, struct runlock *l,
    struct err *e);
/* Waits for slot 0 (flock without LOCK_NB; interrupted by a signal: -1
 * with EX_TEMPFAIL).  Returns 0 with l held, or -1 with e. */
int runlock_wait(const struct queue *q, struct runlock *l, struct err *e);
/* Releases l (closes the file; the lock dies with it).  Safe on a lock
 * that is not held. */
void runlock_release(struct runlock *l);

/* Marks the kick of q (creates QUEUE/kick, 0600).  Returns 0 or -1 with e. */
int runlock_kick(const struct queue *q, struct err *e);
/* Consumes the kick (unlinks it).  Returns 1 when it was marked, 0 when not,
 * -1 with e on any other failure. */
int runlock_take_kick(const struct queue *q, struct err *e);
/* 1 when the kick is marked (or cannot be told: a run more is the safe
 * side), 0 when not. */
int runlock_kicked(const struct queue *q);

enum runlock_handover {
	RUNLOCK_IDLE = 0,  /* no run holds the queue: start one */
	RUNLOCK_HANDED = 1 /* a run holds it and will deliver the message */
};
/* The submitter's half of the protocol, after its message is committed:
 * marks the kick, then tries the lock (and releases it at once when it got
 * it).  Returns RUNLOCK_IDLE, RUNLOCK_HANDED, or -1 with e (the message is
 * queued either way; the caller starts a run, which is the safe side). */
int runlock_handover(const struct queue *q, unsigned slots, struct err *e);

#endif
