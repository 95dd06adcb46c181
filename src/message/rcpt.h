/* rcpt.h — one recipient as it travels through relayq, in one form from
 * the command line (-N) and sendmail -bs (RCPT TO) through submission
 * into the envelope and out to the smarthost's RCPT: the address, the DSN
 * parameters the sender gave (RFC 3461 ORCPT and NOTIFY), and what became
 * of it (state, attempts, the last reply as fields).
 *
 * NOTIFY is a bit set everywhere; its words ("SUCCESS,FAILURE", "NEVER")
 * exist only at the edges: rcpt_notify_parse for -N, RCPT TO and the
 * envelope file, rcpt_notify_format for the file, the RCPT command and
 * `relayq queue show`.  A reply is kept as its code, enhanced status code
 * and text; rcpt_reply_format gives the line as the server wrote it.
 * Pure: no I/O, no logging. */
#ifndef RELAYQ_RCPT_H
#define RELAYQ_RCPT_H

#include <stddef.h>
#include <time.h>

#include "lib/buf.h"

/* DSN NOTIFY bits; 0 = not given (the server's default applies).  Bit i
 * is the word i of "NEVER", "SUCCESS", "FAILURE", "DELAY". */
#define RCPT_NOTIFY_NEVER 0x1u
#define RCPT_NOTIFY_SUCCESS 0x2u
#define RCPT_NOTIFY_FAILURE 0x4u
#define RCPT_NOTIFY_DELAY 0x8u

/* Where a recipient stands in the queue. */
enum rcpt_state { RCPT_PENDING, RCPT_DONE, RCPT_FAILED };

#define RCPT_STATUS_MAX 16

/* The last reply for a recipient: the server's, or relayq's own text. */
struct rcpt_reply {
	int code;                     /* SMTP reply code; 0: relayq's own
	                               * text (or no reply) */
	char status[RCPT_STATUS_MAX]; /* enhanced status code as the server
	                               * wrote it ("5.1.1"); "" when it
	                               * wrote none or code is 0 */
	char *text;                   /* owned; NULL: no reply yet */
};

struct rcpt {
	char *addr;      /* owned, never NULL */
	char *orcpt;     /* owned, NULL if none ("rfc822;a@b") */
	unsigned notify; /* RCPT_NOTIFY_* */
	enum rcpt_state state;
	unsigned attempts;
	time_t last_attempt;     /* 0 = never */
	struct rcpt_reply reply; /* the last reply */
	time_t reported;         /* failed: when its failure was reported
	                          * (notice queued, dead.letter, or none
	                          * asked for); 0 = not yet */
};

/* A growable array of recipients, each owned. */
struct rcpt_list {
	struct rcpt *v;
	size_t n, cap;
};

#define RCPT_LIST_INIT \
	{ \
		NULL, 0, 0 \
	}

/* Appends a pending recipient: addr and orcpt (NULL or "" for none)
 * copied.  Returns it (borrowed, valid until the next add). */
struct rcpt *rcpt_list_add(struct rcpt_list *l, const char *addr,
    const char *orcpt, unsigned notify);
/* Frees every recipient and the array; l is empty afterwards. */
void rcpt_list_free(struct rcpt_list *l);
/* Frees what r owns (not r itself). */
void rcpt_free(struct rcpt *r);

/* The bit of one NOTIFY word s[0..n) (case-insensitive), 0 if unknown. */
unsigned rcpt_notify_word(const char *s, size_t n);
/* Parses a NOTIFY list ("SUCCESS,FAILURE", "never"; case-insensitive)
 * into *notify.  -1 (and *notify untouched) when it is empty, has an
 * empty or unknown word or a word twice, or mixes NEVER with others. */
int rcpt_notify_parse(const char *s, unsigned *notify);
/* Appends notify as "SUCCESS,FAILURE,DELAY" or "NEVER" to out (nothing
 * for 0). */
void rcpt_notify_format(unsigned notify, struct buf *out);

/* Sets rr to code, status (NULL or "" for none; cut to fit) and a copy
 * of text (NULL means ""); frees what rr held. */
void rcpt_reply_set(struct rcpt_reply *rr, int code, const char *status,
    const char *text);
/* Frees the text; rr holds no reply afterwards. */
void rcpt_reply_clear(struct rcpt_reply *rr);
/* Appends the reply as the server wrote it: "550 5.1.1 text", "550 text"
 * when it wrote no enhanced code, the text alone for relayq's own.
 * Nothing when there is no reply. */
void rcpt_reply_format(const struct rcpt_reply *rr, struct buf *out);
/* The enhanced status code for a DSN: the server's, else derived from
 * the basic code as RFC 3463 says ("550" gives "5.0.0" in dst, which
 * holds RCPT_STATUS_MAX bytes), else fallback (relayq's own text, no
 * reply).  Returns status, dst or fallback. */
const char *rcpt_reply_status(const struct rcpt_reply *rr, char *dst,
    const char *fallback);
#endif
