/* queue_admin.h — seeing and steering the queue: the JSON listing, the
 * summary for monitoring, one message shown in full, and the admin's
 * actions (delete, hold, release, retry).
 *
 * Formatting functions are pure (an envelope in, text appended to a
 * buffer).  The queue functions read the queue; the actions change it
 * under the message lock (queue_lock), so they never race a flusher that
 * is sending the message.  Only queue_admin_apply logs (one LOG_INFO line
 * per action done).
 *
 * Machine-read output (JSON, summary keys) is not translated; the text of
 * "show" and every error message are. */
#ifndef RELAYQ_QUEUE_ADMIN_H
#define RELAYQ_QUEUE_ADMIN_H

#include <stddef.h>
#include <time.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "queue/envelope.h"
#include "queue/queue.h"

/* Largest header section "show" prints; the rest is cut with a note. */
#define QUEUE_ADMIN_HEADERS_MAX (256u * 1024)

/* ---- JSON (pure) ------------------------------------------------------- */

/* Appends s (n bytes) as a JSON string with its quotes.  '"', '\\' and
 * control characters (U+0000-U+001F, U+007F) are escaped (\n \r \t \b \f,
 * else \u00XX); valid UTF-8 is copied as is; every byte of an invalid
 * UTF-8 sequence (stray continuation, overlong form, surrogate, above
 * U+10FFFF, truncated) becomes \ufffd.  The result is always valid JSON
 * and valid UTF-8. */
void queue_admin_json_string(struct buf *out, const char *s, size_t n);

/* Appends one JSON object for env, without a newline:
 *   {"id":..,"size":N,"arrival":"2020-11-22T10:00:00Z","arrival_epoch":N,
 *    "sender":"" for <>,"held":bool,"maybe_delivered":bool,"attempts":N,
 *    "last_attempt":ISO|null,"next_attempt":ISO|null (null: due now),
 *    "next_attempt_epoch":N,"last_error":str|null,
 *    "recipients":[{"address":..,"state":"pending"|"done"|"failed",
 *                   "attempts":N,"last_reply":str|null},..]}
 * Times are UTC. */
void queue_admin_json_envelope(struct buf *out, const struct envelope *env);
/* Appends {"id":..,"damaged":true,"error":why} (no newline). */
void queue_admin_json_damaged(struct buf *out, const char *id, const char *why);

/* Every message of q as JSON lines (one object and "\n" per message, in
 * arrival order; nothing for an empty queue).  A damaged envelope gives a
 * damaged object; one removed during the listing is skipped.  Returns 0,
 * or -1 when the queue cannot be scanned. */
int queue_admin_list_json(struct queue *q, struct buf *out, struct err *e);

/* ---- summary ------------------------------------------------------------ */

struct queue_admin_summary {
	size_t messages; /* readable envelopes */
	size_t recipients_pending;
	size_t held;
	size_t deferred; /* attempts > 0 */
	size_t maybe_delivered;
	size_t damaged;       /* envelopes that cannot be read */
	long long oldest_age; /* seconds since the oldest arrival; 0 if none */
};

/* Zeroes s. */
void queue_admin_summary_init(struct queue_admin_summary *s);
/* Counts env into s; ages are measured at now.  Pure. */
void queue_admin_summary_add(struct queue_admin_summary *s,
    const struct envelope *env, time_t now);
/* Appends the "key: value" lines, in this order: messages,
 * recipients_pending, held, deferred, maybe_delivered, damaged,
 * oldest_age_seconds.  Pure. */
void queue_admin_summary_format(const struct queue_admin_summary *s,
    struct buf *out);
/* Reads every envelope of q into s (initialised here).  Returns 0/-1. */
int queue_admin_summary(struct queue *q, time_t now,
    struct queue_admin_summary *s, struct err *e);

/* ---- show ---------------------------------------------------------------- */

/* Appends every envelope field as translated "Label: value" lines, then a
 * blank line and the header section hdr (hlen bytes; NULL: not
 * available).  Foreign text is made safe for a terminal: control
 * characters other than TAB and newline, and invalid UTF-8, become '?'.
 * Times are local.  Pure but for the locale. */
void queue_admin_show_format(struct buf *out, const struct envelope *env,
    const char *hdr, size_t hlen, int truncated);
/* Reads message id of q and appends it to out: queue_admin_show_format,
 * or with json one JSON object (queue_admin_json_envelope plus
 * "headers":str|null) and "\n".  Returns 0, or -1 with EX_NOINPUT (no
 * such message), EX_DATAERR (damaged envelope) or EX_IOERR. */
int queue_admin_show(struct queue *q, const char *id, int json, struct buf *out,
    struct err *e);

/* ---- actions ------------------------------------------------------------- */

enum queue_admin_action {
	QUEUE_ADMIN_DELETE,
	QUEUE_ADMIN_HOLD,
	QUEUE_ADMIN_RELEASE,
	QUEUE_ADMIN_RETRY
};

/* What an action found (queue_admin_apply's *note). */
#define QUEUE_ADMIN_NOTE_HELD 0x1u /* retry: the message stays held */
#define QUEUE_ADMIN_NOTE_SAME 0x2u /* hold/release: it already was so */

/* Does action to message id under its lock: delete removes it (also one
 * whose envelope is damaged; no bounce), hold sets the held flag, release
 * clears it, retry sets next_attempt = now so the next flush tries it.
 * Logs "ID: <what> (uid N)".  Returns 0 (and *note, may be NULL), or -1
 * with EX_TEMPFAIL (a flusher holds the lock: "being delivered right
 * now"), EX_NOINPUT (no such message; also a malformed id), EX_DATAERR
 * (hold/release/retry of a damaged envelope) or EX_IOERR. */
int queue_admin_apply(struct queue *q, enum queue_admin_action action,
    const char *id, time_t now, unsigned *note, struct err *e);

/* The word logged and echoed for a done action ("deleted", "held",
 * "released", "due now"), untranslated.  Pure. */
const char *queue_admin_action_name(enum queue_admin_action action);

#endif
