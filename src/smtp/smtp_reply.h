/* smtp_reply.h — SMTP replies and EHLO capabilities.
 *
 * A push parser: the caller reads lines (without CRLF) and feeds them one
 * by one until the reply is complete.  Multi-line replies ("250-" ...
 * "250 ") must keep one code; a reply is capped at SMTP_REPLY_LINES_MAX
 * lines (the caller caps each line at SMTP_REPLY_LINE_MAX bytes when it
 * reads).  The enhanced status code ("5.1.1", RFC 3463) is taken from
 * the start of the first line's text when its class matches the reply's
 * first digit, whether or not the server offered ENHANCEDSTATUSCODES
 * (RFC 2034): a well-formed code there is the server's code (Postfix's
 * client reads it so; Exim writes it without advertising the extension).
 * Nothing is invented: a reply without one leaves enhanced "".  The code
 * is stripped from the text of every line that repeats it, so that
 * "code enhanced text" rebuilds the server's first line.  Never touches a
 * file descriptor; never logs. */
#ifndef RELAYQ_SMTP_REPLY_H
#define RELAYQ_SMTP_REPLY_H

#include <stddef.h>

#include "lib/err.h"
#include "lib/strv.h"

#define SMTP_REPLY_LINE_MAX 4096 /* RFC 5321 says 512: be lenient */
#define SMTP_REPLY_LINES_MAX 1000
#define SMTP_REPLY_TEXT_MAX 1024

struct smtp_reply {
	int code;          /* 200..599 once complete; 0 before */
	char enhanced[16]; /* "5.1.1" as the server wrote it, or "" */
	char text[SMTP_REPLY_TEXT_MAX]; /* lines joined by ' ', the enhanced
	                                 * code stripped where it repeats the
	                                 * first line's, sanitised in log.h's
	                                 * UTF-8 form, truncated: for logs and
	                                 * bounces */
	struct strv lines;              /* raw text of each line (owned) */
	int done;                       /* the last line has been fed */
};

void smtp_reply_init(struct smtp_reply *r);
/* Empties r for the next reply (keeps nothing). */
void smtp_reply_reset(struct smtp_reply *r);
void smtp_reply_free(struct smtp_reply *r);

/* Feeds one line (len bytes, no CRLF; may contain NUL).  Returns 1 when
 * the reply is complete, 0 when more lines are needed, -1 (EX_PROTOCOL)
 * for a malformed line, a code that changes between lines, too many
 * lines, or a line fed after the reply was complete. */
int smtp_reply_feed(struct smtp_reply *r, const char *line, size_t len,
    struct err *e);

enum {
	SMTP_CAP_PIPELINING = 1 << 0,
	SMTP_CAP_SIZE = 1 << 1,
	SMTP_CAP_8BITMIME = 1 << 2,
	SMTP_CAP_SMTPUTF8 = 1 << 3,
	SMTP_CAP_DSN = 1 << 4,
	SMTP_CAP_ENHANCED = 1 << 5, /* ENHANCEDSTATUSCODES */
	SMTP_CAP_STARTTLS = 1 << 6,
	SMTP_CAP_AUTH = 1 << 7,
	SMTP_CAP_CHUNKING = 1 << 8, /* recorded only, not used */
};

struct smtp_reply_caps {
	unsigned flags;          /* SMTP_CAP_* */
	unsigned long long size; /* SIZE limit; 0 = none stated */
	char auth[512];          /* mechanisms, upper case, space-separated,
	                          * no duplicates ("AUTH" and "AUTH=" lines
	                          * merged); "" when none */
};

/* Reads the capabilities from a complete 250 reply to EHLO (the first
 * line, the server's name, is skipped).  Unknown keywords are ignored;
 * malformed mechanism names and SIZE values are skipped. */
void smtp_reply_caps_parse(const struct smtp_reply *ehlo,
    struct smtp_reply_caps *c);

#endif
