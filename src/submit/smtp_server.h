/* smtp_server.h — SMTP on standard input and output (sendmail -bs).
 *
 * The protocol only: commands in, replies out, over two streams, with the
 * decisions (is this sender/recipient acceptable, store this message)
 * delegated to hooks.  The front end's hooks queue each message exactly as
 * the -t path would, and answer 250 after DATA only once the message is
 * safely on disk.  No AUTH and no STARTTLS: the peer is the local user on
 * a pipe. */
#ifndef RELAYQ_SMTP_SERVER_H
#define RELAYQ_SMTP_SERVER_H

#include <stddef.h>

#include "lib/err.h"
#include "lib/stream.h"
#include "message/rcpt.h"

/* MAIL FROM parameters (RFC 1870, 6152, 6531, 3461). */
struct smtp_server_mail {
	const char *sender; /* "" for the null sender <> */
	unsigned long size; /* SIZE=, 0 if absent */
	const char *body;   /* "7BIT", "8BITMIME" or NULL */
	int smtputf8;
	const char *ret;   /* "FULL", "HDRS" or NULL */
	const char *envid; /* xtext as given, or NULL */
};

/* Each hook returns 0 to accept or -1 with e set; e->code chooses the
 * reply: EX_TEMPFAIL → 451/452 4.x.x, EX_NOUSER/EX_DATAERR/EX_USAGE →
 * 550/553/501 5.x.x, anything else → 451 4.3.0.  e->msg is appended to
 * the reply text (sanitised). */
struct smtp_server_hooks {
	int (*mail)(void *ctx, const struct smtp_server_mail *m, struct err *e);
	/* RCPT TO: r->addr, r->orcpt ("rfc822;addr" as given, or NULL) and
	 * r->notify (NOTIFY=, 0 absent) filled, the rest zero; its strings
	 * are the protocol's, borrowed for the call. */
	int (*rcpt)(void *ctx, const struct rcpt *r, struct err *e);
	/* DATA accepted: a message body follows. */
	int (*data_begin)(void *ctx, struct err *e);
	/* One line of the message, dot-unstuffed, without CRLF; eol = 0 when
	 * the line continues in the next call (very long line). */
	int (*data_line)(void *ctx, const char *line, size_t len, int eol,
	    struct err *e);
	/* End of DATA: commit the message; *id (borrowed) names it. */
	int (*data_end)(void *ctx, const char **id, struct err *e);
	/* Discard the transaction (RSET, a new MAIL, QUIT, EOF, errors). */
	void (*reset)(void *ctx);
};

struct smtp_server_limits {
	unsigned long max_size; /* bytes; 0 = no limit */
	unsigned max_rcpts;     /* 0 = 1000 */
	size_t max_line;        /* command line; 0 = 2048 */
};

/* Runs one SMTP session until QUIT or end of input.  Returns 0 after
 * QUIT, 1 when input ended without QUIT (a transaction in progress is
 * discarded), -1 on an I/O error on the streams. */
int smtp_server_run(struct stream *in, struct stream *out, const char *hostname,
    const struct smtp_server_limits *lim, const struct smtp_server_hooks *h,
    void *ctx, struct err *e);

#endif
