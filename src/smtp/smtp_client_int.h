/* smtp_client_int.h — what smtp_client.c, smtp_client_session.c and
 * smtp_client_message.c share: the client object and the command writer
 * and reply reader.  Not for other modules.
 *
 * Every function that takes r and fails sets r (temporary, scope SESSION,
 * the stage named) and, when the connection is unusable, moves the client
 * to SMTP_ST_CLOSED.  None of them logs; sent and received lines go to the
 * transcript hook. */
#ifndef RELAYQ_SMTP_CLIENT_INT_H
#define RELAYQ_SMTP_CLIENT_INT_H

#include <stddef.h>

#include "lib/buf.h"
#include "lib/stream.h"
#include "lib/strv.h"
#include "smtp/result.h"
#include "smtp/smtp_client.h"
#include "smtp/smtp_reply.h"

enum smtp_rcpt_state {
	SMTP_RCPT_PENDING,
	SMTP_RCPT_ACCEPTED,
	SMTP_RCPT_REPORTED
};

struct smtp_client {
	struct stream *s;
	const struct smtp_client_cfg *cfg;
	enum smtp_state state;
	struct smtp_reply_caps caps;
	struct strv ehlo; /* lines of the last 250 to EHLO */
	struct smtp_reply rep;
	struct buf line, cmd;
	int tls_done;
	int tls_refused;   /* opportunistic STARTTLS refused */
	int in_txn;        /* MAIL sent since the last RSET */
	size_t accepted;   /* RCPTs accepted in the last
	                    * transaction */
	unsigned char *rs; /* enum smtp_rcpt_state per recipient */
	size_t rs_cap;
};

/* Passes len bytes of line (sanitised) to the transcript hook, if any;
 * dir is "<<<" or ">>>". */
void smtp_client_trace(struct smtp_client *c, const char *dir, const char *line,
    size_t len);

/* Buffers c->cmd plus CRLF into the stream; shows `shown` (or the command
 * when NULL) in the transcript.  c->cmd is wiped and emptied: it may hold
 * a secret.  Returns 0, or -1 with r set. */
int smtp_client_put_cmd(struct smtp_client *c, const char *shown,
    struct result *r, const char *stage);

/* Formats a command into c->cmd and buffers it as smtp_client_put_cmd. */
int smtp_client_printf_cmd(struct smtp_client *c, struct result *r,
    const char *stage, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Flushes the stream's write buffer (then wipes it).  Returns 0 or -1. */
int smtp_client_flush(struct smtp_client *c, struct result *r,
    const char *stage);

/* Reads one complete reply into c->rep within cfg->reply_timeout_ms of
 * the call (or of a deadline the caller already set on the stream, which
 * is then kept); clears the deadline.  Returns 0 or -1. */
int smtp_client_read_reply(struct smtp_client *c, struct result *r,
    const char *stage);

/* Sets r from the reply just read (c->rep); a 421 closes the session. */
void smtp_client_from_reply(struct smtp_client *c, struct result *r,
    enum result_scope scope, const char *stage);

#endif
