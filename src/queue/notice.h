/* notice.h — queueing a notice back to a sender: the front end's error
 * report (ErrorMode "mail back", errmail.c) and the flusher's RFC 3464
 * failure notice or delay warning (flush_bounce.c) are queued the same
 * way, here: one message from the null sender <> (so that a notice can
 * never bounce itself) to the one address reported to, written into the
 * queue as any message is (doc/QUEUE.md) and sent by the next flush.
 * The caller composes the text (bounce.h for an RFC 3464 report).
 * libc only: the front end links it.
 *
 * Use: notice_create, then notice_write as often as needed (the queue id
 * n->m.id is there for a Message-ID or a MIME boundary), then
 * notice_commit; notice_abort (always safe, also after a commit) removes
 * an uncommitted notice. */
#ifndef RELAYQ_NOTICE_H
#define RELAYQ_NOTICE_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "lib/err.h"
#include "queue/envelope.h"
#include "queue/queue.h"

struct notice {
	struct queue *q;    /* borrowed */
	struct queue_msg m; /* m.id: the notice's queue id */
	int open;           /* created, neither committed nor aborted */
};

/* The notice's envelope.  Strings are borrowed (copied by commit). */
struct notice_env {
	const char *to; /* the sender reported to: never "" (<>) */
	time_t created;
	uid_t uid; /* the user the notice is queued for */
	const char *user;
	enum envelope_body body; /* ENVELOPE_BODY_UNSET when not declared */
};

/* Reserves a new message in q (queue_msg_create).  Returns 0, or -1 with
 * e and n not open.  Does not log. */
int notice_create(struct notice *n, struct queue *q, struct err *e);
/* Appends len bytes of the notice's text (LF line ends, as any queued
 * body).  Returns 0 or -1 with e (the notice stays open: abort it). */
int notice_write(struct notice *n, const void *data, size_t len, struct err *e);
/* Queues the notice for ne->to from <> (the commit point of doc/QUEUE.md).
 * Returns 0, or -1 with e and nothing left on disk.  Either way n is no
 * longer open.  Does not log: the caller names the notice (n->m.id). */
int notice_commit(struct notice *n, const struct notice_env *ne, struct err *e);
/* Removes an open notice's files; does nothing when n is not open. */
void notice_abort(struct notice *n);

#endif
