/* submit.h — one message from its lines to the queue.
 *
 * The engine behind both ways a message arrives: sendmail -bm/-t reading
 * stdin, and each DATA of sendmail -bs.  Lines go in (without their
 * terminators); at the end of the header section the header policy runs
 * once (hop count, recipients, Bcc removal, address rewriting, missing
 * From/Date/Message-ID/To, Received), the headers are written to the queue
 * file, and the body streams after them.  submit_end() commits the
 * message with its envelope; until then nothing is visible in the queue,
 * and submit_free() of an unfinished submission leaves nothing behind. */
#ifndef RELAYQ_SUBMIT_H
#define RELAYQ_SUBMIT_H

#include <stddef.h>
#include <time.h>

#include "lib/err.h"
#include "lib/identity.h"
#include "message/rcpt.h"
#include "queue/queue.h"
#include "rewrite/rewrite.h"

/* Everything a submission needs; all borrowed for its lifetime. */
struct submit_ctx {
	const struct identity *id;
	const struct rewrite_ctx *rw;
	struct queue *queue;
	const char *sender;    /* -f / MAIL FROM as given; NULL: the user */
	const char *full_name; /* -F; NULL: the passwd full name */
	const char
	    *from_address; /* from_policy.h: sender of all mail; NULL: none */
	const struct rcpt_list *rcpts; /* the recipients given: each addr an
	                                * address list as given on the command
	                                * line or in RCPT TO, with the ORCPT and
	                                * NOTIFY of every address it names */
	int extract_rcpts;             /* -t: recipients from the headers too */
	long hop_count;                /* -h: hops already made */
	long max_hops;     /* refuse at this many hops (MaxHopCount) */
	unsigned notify;   /* RCPT_NOTIFY_* of those from the headers */
	int ret;           /* enum envelope_ret */
	int body;          /* enum envelope_body declared by -B / BODY= */
	const char *envid; /* -V / ENVID=, or NULL */
	time_t now;
};

struct submission;

/* Starts a message: reserves its queue file.  Returns NULL with e set
 * (EX_CANTCREAT, EX_IOERR, EX_TEMPFAIL for a full disk). */
struct submission *submit_begin(const struct submit_ctx *c, struct err *e);

/* One line (or, with eol = 0, the first pieces of a long line).
 * Returns 0 or -1 with e set; after a failure only submit_free is
 * allowed. */
int submit_line(struct submission *s, const char *p, size_t n, int eol,
    struct err *e);

/* Finishes and commits the message.  *qid (borrowed from s) names it.
 * Returns 0, or -1 with e set; then nothing is left in the queue.
 * Errors: EX_USAGE no recipients given, EX_DATAERR bad address or mail
 * loop or no recipients in the headers, EX_NOUSER/EX_UNAVAILABLE/EX_CONFIG
 * from alias expansion, EX_IOERR/EX_TEMPFAIL/EX_CANTCREAT writing. */
int submit_end(struct submission *s, const char **qid, struct err *e);

/* The envelope recipients of a committed message (borrowed), for -v. */
const struct rcpt_list *submit_recipients(const struct submission *s);

/* The envelope sender as the queue records it: given (-f, MAIL FROM, or
 * the user's login) parsed as one mailbox and rewritten by rw; "" for the
 * null sender.  *display (when display is not NULL) receives the display
 * name, allocated or NULL.  Allocated; NULL with e set (EX_DATAERR). */
char *submit_envelope_sender(const struct rewrite_ctx *rw, const char *given,
    char **display, struct err *e);

/* Frees s; an uncommitted message is removed from the queue. */
void submit_free(struct submission *s);

#endif
