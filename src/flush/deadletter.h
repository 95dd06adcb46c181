/* deadletter.h — ~/dead.letter: where mail that cannot go anywhere ends.
 *
 * A failure notice (sender <>) that itself cannot be delivered, or one
 * addressed to a local-only sender (no '@', or @localhost), is appended to
 * dead.letter in the home of the queue's owner (the user relayq-flush runs
 * as) instead of being bounced again.  The file is an mbox: each message
 * starts with "From SENDER DATE" (SENDER "MAILER-DAEMON" for <>), lines
 * that start with any number of '>' then "From " get one more '>'
 * (mboxrd), and a blank line follows the message.  The file is opened
 * O_APPEND|O_NOFOLLOW, created 0600, must be a regular file owned by the
 * caller, is locked with flock while written and fsynced; a failed write
 * is cut back so that no half message is left.  Nothing here logs. */
#ifndef RELAYQ_DEADLETTER_H
#define RELAYQ_DEADLETTER_H

#include <stddef.h>
#include <time.h>

#include "lib/buf.h"
#include "lib/err.h"

/* mboxrd quoting across chunks (pure). */
struct deadletter_quote {
	int in_prefix; /* at a line start, deciding whether to quote */
	size_t ngt;    /* '>' seen in the held prefix */
	size_t nfrom;  /* characters of "From " matched after them */
	int last;      /* last byte written, -1 none */
};

void deadletter_quote_init(struct deadletter_quote *q);
/* Appends the quoted form of n bytes at p to out (a line prefix that may
 * still become "From " is held back until it is decided). */
void deadletter_quote(struct deadletter_quote *q, const char *p, size_t n,
    struct buf *out);
/* Flushes a held prefix and appends what ends the message: a newline when
 * the last line had none, then the blank separator line. */
void deadletter_quote_end(struct deadletter_quote *q, struct buf *out);

/* Appends "From SENDER Www Mmm dd hh:mm:ss yyyy\n" (local time, ctime
 * layout) to out; sender NULL or "" gives MAILER-DAEMON.  Pure apart from
 * the time zone. */
void deadletter_from_line(const char *sender, time_t t, struct buf *out);

/* 1 when addr is local-only: no '@', or a domain of "localhost" or
 * "localhost.localdomain" (any case).  Pure. */
int deadletter_local_address(const char *addr);

/* "$HOME/dead.letter" ($HOME when absolute, else the password database's
 * home of the real uid).  Allocated; NULL with EX_CANTCREAT when there is
 * no home. */
char *deadletter_path(struct err *e);

/* Appends the message read from src_fd (to its end; src_name for errors)
 * to the mbox at path, as described above.  Returns 0, or -1 with e
 * naming path (or src_name) and the cause. */
int deadletter_append(const char *path, const char *sender, time_t t,
    int src_fd, const char *src_name, struct err *e);

#endif
