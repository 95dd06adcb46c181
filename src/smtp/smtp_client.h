/* smtp_client.h — the SMTP client: an explicit state machine over a
 * struct stream.
 *
 * One session: greeting, EHLO (HELO when EHLO is refused with 500/502),
 * STARTTLS through a hook, EHLO again, AUTH through struct auth_ops, then
 * any number of messages (RSET between them), then QUIT.  The client
 * never links GnuTLS or libgsasl: TLS is the caller's hook (it normally
 * wraps the stream with stream_replace), SASL is the caller's auth_ops.
 *
 * One call of smtp_client_send is one transaction (MAIL, RCPT..., DATA):
 * the caller splits a message with many recipients into several calls
 * (flush_message.c) and learns from smtp_client_accepted and
 * smtp_client_limit_reply when the server takes fewer per transaction.
 *
 * Results: for every message, each recipient gets exactly one on_rcpt
 * call with its result for this attempt, as soon as it is known (a refused
 * RCPT at once; accepted recipients after the reply to the final dot, or
 * when MAIL, DATA or the connection fails), then one on_message call.  A
 * connection lost after the final dot and before its reply gives
 * RESULT_UNKNOWN ("maybe delivered").  A 421 or a lost connection ends
 * the session.  AUTH failure never leads to sending mail.
 *
 * Deadlines: every reply must be complete within reply_timeout_ms of
 * starting to wait for it (a peer trickling bytes cannot stretch it); the
 * body's writes are each bounded by the stream's own timeout.  A
 * greeting that does not come, or TLS bytes where it should be, is
 * reported as the likely TLS-mode mismatch with the setting that fixes
 * it (scope SESSION, 4.4.1 or 4.5.0).
 *
 * Transcript: every line sent and received goes to the transcript hook
 * (received lines sanitised); AUTH arguments and SASL responses are shown
 * as "<redacted>"; the body is shown as one summary line.  No logging. */
#ifndef RELAYQ_SMTP_CLIENT_H
#define RELAYQ_SMTP_CLIENT_H

#include <stddef.h>

#include "auth/auth_ops.h"
#include "lib/err.h"
#include "lib/stream.h"
#include "lib/strv.h"
#include "message/rcpt.h"
#include "smtp/result.h"
#include "smtp/smtp_reply.h"

enum smtp_state {
	SMTP_ST_GREETING,
	SMTP_ST_EHLO,
	SMTP_ST_HELO,
	SMTP_ST_STARTTLS,
	SMTP_ST_AUTH,
	SMTP_ST_READY,
	SMTP_ST_RSET,
	SMTP_ST_MAIL,
	SMTP_ST_RCPT,
	SMTP_ST_DATA,
	SMTP_ST_BODY,
	SMTP_ST_DOT,
	SMTP_ST_QUIT,
	SMTP_ST_CLOSED, /* session over: 421, lost, or refused */
};

enum smtp_tls_mode {
	SMTP_TLS_NONE, /* never STARTTLS (also: implicit TLS already on) */
	SMTP_TLS_OPPORTUNISTIC, /* STARTTLS when offered */
	SMTP_TLS_REQUIRED,      /* STARTTLS or fail the session */
};

enum smtp_eightbit {
	SMTP_8BIT_PASS,   /* 8-bit body without 8BITMIME: send as is */
	SMTP_8BIT_STRICT, /* refuse it (permanent, 5.6.3) */
};

struct smtp_client_cfg {
	const char *helo; /* our name for EHLO/HELO */
	/* Bounds each whole reply, from the first read for it to its last
	 * line (command_timeout), in ms; 0 = none.  A session that stops
	 * making progress ends there; nothing bounds a session that goes on
	 * making progress. */
	int reply_timeout_ms;
	enum smtp_tls_mode tls;
	/* Starts TLS on s after the server's 220 to STARTTLS; returns 0 or -1
	 * with e set (the session is then dropped).  It should update conn
	 * (tls, tls_verified, channel binding). */
	int (*starttls)(void *ctx, struct stream *s, struct err *e);
	void *starttls_ctx;
	/* Credentials configured: AUTH is mandatory; NULL: no AUTH. */
	const struct auth_ops *auth;
	void *auth_ctx;
	struct auth_conn *conn; /* borrowed; passed to auth->start */
	enum smtp_eightbit eightbit;
	/* Per-result callbacks (see above); index is into smtp_msg.rcpts. */
	void (*on_rcpt)(void *ctx, size_t index, const struct result *r);
	void (*on_message)(void *ctx, const struct result *r);
	void *cb_ctx;
	/* -v transcript: dir is "<<<" (received) or ">>>" (sent). */
	void (*transcript)(void *ctx, const char *dir, const char *line);
	void *transcript_ctx;
};

struct smtp_msg {
	const char *sender;       /* "" for the null sender */
	const struct rcpt *rcpts; /* rcpt.h: addr (without angle
	                           * brackets), notify, orcpt
	                           * ("rfc822;a@b", xtext, or NULL)
	                           * are sent; the rest is unused */
	size_t nrcpts;
	unsigned long long size; /* for SIZE=: bytes with CRLF line
	                          * ends (smtp_data_size, RFC 1870) */
	int eightbit;            /* body has 8-bit data */
	int smtputf8;            /* needs SMTPUTF8 (non-ASCII
	                          * addresses): refused without it */
	int utf8_headers;        /* raw UTF-8 headers: SMTPUTF8 when
	                          * offered, else sent as 8-bit data
	                          * (BODY=8BITMIME) as before */
	const char *ret;         /* "FULL", "HDRS" or NULL */
	const char *envid;       /* xtext or NULL */
	struct stream *body;     /* borrowed; LF line ends */
};

struct smtp_client;

/* Name of a state for traces ("greeting", "MAIL FROM"...). */
const char *smtp_client_state_name(enum smtp_state st);

/* A client over s (borrowed, must outlive the client) with cfg (borrowed,
 * likewise).  The caller frees it with smtp_client_free. */
struct smtp_client *smtp_client_new(struct stream *s,
    const struct smtp_client_cfg *cfg);
void smtp_client_free(struct smtp_client *c);

/* Runs the session up to READY: greeting, EHLO/HELO, STARTTLS, AUTH.
 * Returns 0 when ready for mail, -1 when the session failed: r says why
 * (scope SESSION; every message of the batch is retried). */
int smtp_client_open(struct smtp_client *c, struct result *r);

/* Sends one message (RSET first when a transaction was started before).
 * Reports through on_rcpt/on_message; r receives the message result too.
 * Returns 0 when the session can take another message, -1 when it is over
 * (421, connection lost, body file unreadable). */
int smtp_client_send(struct smtp_client *c, const struct smtp_msg *m,
    struct result *r);

/* How many recipients the server accepted at RCPT in the transaction of
 * the last smtp_client_send (0 when none, or none was sent). */
size_t smtp_client_accepted(const struct smtp_client *c);

/* 1 when r (a recipient's result) is the server's "too many recipients"
 * (RFC 5321 4.5.3.1.10): a 4xx with the enhanced code 4.5.3, or a 452
 * without an enhanced code.  A 452 with another code (4.2.2 mailbox
 * full, 4.3.1 no storage) is not.  Pure. */
int smtp_client_limit_reply(const struct result *r);

/* Sends QUIT and reads the reply (errors ignored) unless the session is
 * already over.  The stream is left for the caller to close. */
void smtp_client_quit(struct smtp_client *c);

/* The state, and the server's capabilities from the last EHLO. */
enum smtp_state smtp_client_state(const struct smtp_client *c);
const struct smtp_reply_caps *smtp_client_caps(const struct smtp_client *c);

/* The lines of the server's last 250 reply to EHLO, without the codes
 * (the first is its name); empty after HELO.  Borrowed. */
const struct strv *smtp_client_ehlo(const struct smtp_client *c);

/* relayq check --connect: in state READY, sends MAIL FROM:<sender> and
 * then RSET, so that nothing is sent.  Returns 0 when the server accepted
 * the sender, 1 when it refused it (r: its reply), -1 when the session
 * failed or RSET was refused (r says why). */
int smtp_client_try_sender(struct smtp_client *c, const char *sender,
    struct result *r);

#endif
