/* envelope.h — the per-message state kept apart from the body: sender,
 * recipients with their own state, DSN parameters, attempts and the last
 * error.  Parse and format are pure (buffers in, buffers out); the file
 * format is described in doc/QUEUE.md.  Nothing here logs. */
#ifndef RELAYQ_ENVELOPE_H
#define RELAYQ_ENVELOPE_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "message/rcpt.h"

/* Written: 3 (a recipient's reply as fields: rcpt-code, rcpt-status,
 * rcpt-text); read: 1 to 3. */
#define ENVELOPE_VERSION 3
#define ENVELOPE_VERSION_MIN 1
#define ENVELOPE_LINE_MAX 65536
#define ENVELOPE_FILE_MAX (16u * 1024 * 1024)
#define ENVELOPE_RCPT_MAX 100000

enum envelope_ret { ENVELOPE_RET_UNSET, ENVELOPE_RET_FULL, ENVELOPE_RET_HDRS };
enum envelope_body {
	ENVELOPE_BODY_UNSET,
	ENVELOPE_BODY_7BIT,
	ENVELOPE_BODY_8BITMIME
};

/* Envelope flags. */
#define ENVELOPE_F_HELD 0x1u            /* not delivered until released */
#define ENVELOPE_F_MAYBE_DELIVERED 0x2u /* a crash may have sent it already */
#define ENVELOPE_F_WARNED \
	0x4u /* the delay warning (and on_failure \
	      * "delayed") was done: never again */
#define ENVELOPE_F_SESSION \
	0x8u /* the last attempt failed for the \
	      * whole session (connect, TLS, AUTH, \
	      * greeting): due again as soon as a \
	      * run opens a session */
#define ENVELOPE_F_UTF8_HEADERS \
	0x10u /* raw UTF-8 in the header section \
	       * (found at enqueue): SMTPUTF8 \
	       * when the server offers it */

struct envelope {
	unsigned version;
	char *id;     /* owned queue id, NULL until set */
	char *sender; /* owned; "" or NULL for <> */
	time_t created;
	unsigned long long size; /* body bytes as stored */
	uid_t uid;
	char *user; /* owned, NULL if unknown */
	enum envelope_ret ret;
	char *envid; /* owned, NULL if none */
	enum envelope_body body;
	unsigned flags; /* ENVELOPE_F_* */
	unsigned attempts;
	time_t last_attempt, next_attempt; /* 0 = never / now */
	char *last_error;                  /* owned, NULL if none */
	struct rcpt *rcpt;                 /* owned array */
	size_t nrcpt, rcpt_cap;
};

/* Empties e (version ENVELOPE_VERSION, all pointers NULL); allocates
 * nothing, so it may be called on a zeroed or freed envelope. */
void envelope_init(struct envelope *e);
/* Frees everything e owns and re-initialises it. */
void envelope_free(struct envelope *e);
/* Replaces the owned string *slot by a copy of s (NULL allowed). */
void envelope_set(char **slot, const char *s);
/* Appends a pending recipient (addr copied); returns it (borrowed, valid
 * until the next add). */
struct rcpt *envelope_add_rcpt(struct envelope *e, const char *addr);
/* Number of recipients in state st. */
size_t envelope_count(const struct envelope *e, enum rcpt_state st);

/* Number of failed recipients whose failure was not reported yet. */
size_t envelope_unreported(const struct envelope *e);

/* Settles the flags after a delivery attempt was recorded: once no
 * recipient is pending any more (all done, or done and failed), the
 * "maybe-delivered" flag has nothing left to warn about and is cleared.
 * Returns 1 when it cleared it, else 0.  Pure. */
int envelope_settle_flags(struct envelope *e);

/* Appends the file form of e to out.  Total: every value is escaped. */
void envelope_format(const struct envelope *e, struct buf *out);

/* Parses len bytes at p into env (initialised here; freed by the caller
 * with envelope_free, also on failure).  Returns 0, or -1 with EX_DATAERR
 * and a message giving the line number and the problem (a truncated file
 * says so).  The message does not name the file: callers wrap it. */
int envelope_parse(struct envelope *env, const char *p, size_t len,
    struct err *e);

/* The name of a recipient state, as written in the file. */
const char *envelope_state_name(enum rcpt_state st);

#endif
