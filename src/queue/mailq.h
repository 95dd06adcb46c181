/* mailq.h — the queue listing in the sendmail/Postfix form:
 *
 *   -Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------
 *   1A2B3C4D5E      2048 Sun Nov 22 10:00:00  alice@example.com
 *   (451 4.3.0 Try again later)
 *                                            bob@example.org
 *   -- 2 Kbytes in 1 Request.
 *
 * or "Mail queue is empty".  Column 11 is a mark: '!' for a held message.
 * Root's listing of every queue (mailq_begin_owners) has one more column,
 * -Owner--, before the sender: the login name of the queue's owner, or the
 * uid when it has no passwd entry; recipients are indented to match.
 * A message that may already have been delivered (the connection was lost
 * after the final dot, so a retry may duplicate it) gets the line
 * MAILQ_MAYBE_DELIVERED under the sender.  Only pending recipients are
 * listed; as in Postfix, a reason in parentheses precedes each run of
 * recipients it applies to: a recipient's own last reply when it was tried
 * in the message's last attempt, else the message's last error (shown
 * alone when no recipient is pending).  The text is deliberately not
 * translated: it is the format scripts and monitoring tools parse (as
 * Postfix's).  Arrival times are local time with English names (as asctime).
 * Foreign text (addresses, errors) is sanitised.  Nothing here logs. */
#ifndef RELAYQ_MAILQ_H
#define RELAYQ_MAILQ_H

#include <stdio.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "queue/envelope.h"
#include "queue/queue.h"

#define MAILQ_MAYBE_DELIVERED \
	"(may already have been delivered: connection lost after the final dot)"

struct mailq {
	struct buf *out;   /* borrowed */
	int owners;        /* the owner column is shown */
	const char *owner; /* borrowed: of the messages added next */
	unsigned long long bytes;
	size_t n;
};

/* Starts a listing appended to out. */
void mailq_begin(struct mailq *m, struct buf *out);
/* Starts a listing with the owner column; set the owner with
 * mailq_owner before adding a queue's messages. */
void mailq_begin_owners(struct mailq *m, struct buf *out);
/* The owner of the messages added next (borrowed until then). */
void mailq_owner(struct mailq *m, const char *owner);
/* Lists one message. */
void mailq_add(struct mailq *m, const struct envelope *env);
/* Lists an envelope that could not be read, with the reason. */
void mailq_add_damaged(struct mailq *m, const char *id, const char *why);
/* Appends the total line, or "Mail queue is empty". */
void mailq_end(struct mailq *m);

/* Lists every message of q (in id = arrival order) into out.  A damaged
 * envelope is listed as such; one removed during the listing is skipped.
 * Returns 0 or -1 when the queue cannot be scanned. */
int mailq_list(struct queue *q, struct buf *out, struct err *e);
/* mailq_list written to fp.  Returns 0 or -1 (EX_IOERR on a write error). */
int mailq_print(struct queue *q, FILE *fp, struct err *e);

#endif
