/* result.h — the outcome of one delivery step and the policy built on it.
 *
 * Every failure is classified where it is detected: ok, temporary,
 * permanent, or unknown (the connection was lost after the final dot and
 * before its reply: the message may have been delivered).  A result
 * carries the SMTP reply code (0 when synthesised locally), an enhanced
 * status code (from the reply, or synthesised: 4.4.1 no answer, 4.4.2
 * connection dropped, 5.3.4 too big, 5.6.7 SMTPUTF8 unsupported, 5.7.8
 * authentication failed...), the command it answers, and sanitised text:
 * the server's reply text, or relayq's own, translated (log.h's UTF-8
 * form: a person reads it in logs, mailq and relayq check; what puts it
 * on the wire, the DSN's Diagnostic-Code, makes it ASCII there).
 *
 * This module owns the retry/bounce decision (result_action) and the one
 * mapping of outcomes to <sysexits.h> (result_sysexit).  Pure: no I/O,
 * no logging. */
#ifndef RELAYQ_RESULT_H
#define RELAYQ_RESULT_H

#include <stddef.h>

#include "message/rcpt.h"

enum result_class {
	RESULT_OK,
	RESULT_TEMP,
	RESULT_PERM,
	RESULT_UNKNOWN, /* maybe delivered: lost after the final dot */
};

/* What a failure is about: one recipient, one message (MAIL, DATA, size,
 * 8-bit, SMTPUTF8), or the whole session (greeting, EHLO, STARTTLS, AUTH,
 * lost connection).  A session failure is never the message's fault, so
 * it is retried even when the server said 5xx. */
enum result_scope {
	RESULT_SCOPE_RCPT,
	RESULT_SCOPE_MESSAGE,
	RESULT_SCOPE_SESSION,
};

enum result_action {
	RESULT_ACTION_DONE,   /* delivered: mark done */
	RESULT_ACTION_RETRY,  /* keep, try again later */
	RESULT_ACTION_BOUNCE, /* failed for good: notify the sender */
};

/* Synthesised enhanced status codes (RFC 3463, RFC 6531, RFC 4954). */
#define RESULT_ST_NO_ANSWER "4.4.1"
#define RESULT_ST_DROPPED "4.4.2"
#define RESULT_ST_PROTOCOL "4.5.0"
#define RESULT_ST_LOCAL "4.3.0"
#define RESULT_ST_TLS "4.7.5"
#define RESULT_ST_BAD_RCPT "5.1.3"
#define RESULT_ST_BAD_SENDER "5.1.7"
#define RESULT_ST_TOO_BIG "5.3.4"
#define RESULT_ST_8BIT "5.6.3"
#define RESULT_ST_SMTPUTF8 "5.6.7"
#define RESULT_ST_NO_AUTH "5.7.4"
#define RESULT_ST_AUTH "5.7.8"
#define RESULT_ST_NEED_TLS "5.7.10"

#define RESULT_STATUS_MAX RCPT_STATUS_MAX
#define RESULT_TEXT_MAX 512

struct result {
	enum result_class cls;
	enum result_scope scope;
	int code;                       /* SMTP reply code; 0 = synthesised */
	char status[RESULT_STATUS_MAX]; /* "5.1.1"; "" only for a cleared result
	                                 */
	int status_derived;             /* a reply without an enhanced code:
	                                 * status was derived from the basic
	                                 * code (RFC 3463: "5.0.0", or 5.7.8
	                                 * for 535) for the DSN and the exit
	                                 * code, and is never shown as if the
	                                 * server had written it */
	const char *stage; /* static: "RCPT TO", "end of DATA"... or NULL */
	char text[RESULT_TEXT_MAX]; /* log_sanitize_utf8'd */
};

/* Sets r to ok with no code, status, stage or text. */
void result_clear(struct result *r);

/* Sets a locally synthesised result (code 0).  status is copied (NULL
 * means "4.0.0"/"5.0.0"/"2.0.0" by class); text is formatted, then
 * sanitised. */
void result_set(struct result *r, enum result_class cls,
    enum result_scope scope, const char *stage, const char *status,
    const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Sets r from a server reply: class from the code (2xx ok, 4xx temp, 5xx
 * perm, anything else temp), status from enhanced, the code the server
 * wrote (borrowed, may be NULL or "": then "C.0.0" from the code's class,
 * with status_derived set), text sanitised and truncated. */
void result_from_reply(struct result *r, int code, const char *enhanced,
    const char *text, enum result_scope scope, const char *stage);

/* The policy: ok → done; temp, unknown, and any session-scope failure →
 * retry; a permanent recipient or message failure → bounce. */
enum result_action result_action(const struct result *r);

/* "sent", "deferred", "bounced": the log word for result_action(r). */
const char *result_action_name(enum result_action a);

/* Orders results by severity for a summary (ok < unknown < temp < perm
 * message/recipient failure; session failures count as temp).  Returns
 * <0, 0 or >0 as a is less, as or more severe than b. */
int result_severity_cmp(const struct result *a, const struct result *b);

/* The <sysexits.h> code for an outcome (relayq-flush's exit code is the
 * one of its most severe result): EX_OK; EX_TEMPFAIL for anything
 * retried, except a session refused for authentication or TLS policy
 * (X.7.x: EX_NOPERM) ; for permanent failures X.1.x → EX_NOUSER, X.5.x →
 * EX_PROTOCOL, X.3.4/X.6.x → EX_DATAERR, X.7.x → EX_NOPERM, else
 * EX_UNAVAILABLE. */
int result_sysexit(const struct result *r);

/* Formats the reply part of a log line into dst (size n, always
 * terminated), e.g. "status=deferred (451 4.3.0 Try later)", or for a
 * reply without an enhanced code "status=bounced (550 Try later)" (one
 * status code, never an invented one), or for a synthesised result
 * "status=bounced (5.3.4 message size ...)".  Returns dst. */
char *result_format(const struct result *r, char *dst, size_t n);

/* Formats the diagnostic for a bounce, the server's reply as it wrote it
 * (sanitised): "550 5.1.1 text", or "550 text" when it wrote no enhanced
 * code; the text alone for a synthesised result.  This is also what is
 * stored per recipient in the queue.  Returns dst. */
char *result_diagnostic(const struct result *r, char *dst, size_t n);

/* Reads a reply stored by any version (a result_diagnostic string) into
 * dst (size n, always terminated): versions before 0.9 invented "C.0.0"
 * when the server had not advertised ENHANCEDSTATUSCODES and kept the
 * server's own code in the text ("550 5.0.0 5.1.1 text"); that invented
 * code is dropped ("550 5.1.1 text").  Anything else is copied.  Pure;
 * returns dst. */
char *result_stored_reply(const char *stored, char *dst, size_t n);

/* Stores r as a recipient's last reply: its code, the enhanced code the
 * server wrote (none when it wrote none or one of another class, which
 * stays in the text as it was written; none for relayq's own text) and
 * the text, so that rcpt_reply_format gives result_diagnostic(r). */
void result_reply(const struct result *r, struct rcpt_reply *rr);

/* Reads a reply stored as one line (a result_diagnostic string, as
 * envelope versions 1 and 2 kept it) into rr's fields, after
 * result_stored_reply: "550 5.1.1 text" gives 550, "5.1.1", "text";
 * "550 text" gives 550, "", "text"; anything not starting with a reply
 * code is relayq's own text (code 0). */
void result_stored_fields(const char *stored, struct rcpt_reply *rr);

#endif
