/* headers.h — the collected header section of a message and the header
 * policy applied to it: find/count/remove, hop count, -t recipients,
 * Bcc stripping, completion (From, Date, Message-ID, To, Received),
 * address rewriting, serialisation.
 *
 * Every operation is pure: time, host name, ids and user ids are passed
 * in; nothing logs and nothing touches a file descriptor.  Field names are
 * compared case-insensitively.
 *
 * Resent blocks (RFC 5322 §3.6.6): a message "is resent" when it has any
 * field whose name starts with "Resent-".  The topmost Resent block is the
 * run of consecutive Resent-* fields starting at the first one; it ends at
 * the first other field or at a Resent-* name it already holds (the start
 * of the next older block, as each block has one of each field).
 */
#ifndef RELAYQ_HEADERS_H
#define RELAYQ_HEADERS_H

#include <stddef.h>
#include <time.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "message/addr.h"
#include "message/rfc5322.h"

struct header {
	char *name; /* owned, as written */
	char *raw;  /* owned: "Name: value\n\tfolded\n", LF ends, final LF */
	size_t len; /* bytes in raw */
	size_t value_off; /* raw + value_off is the value (after ':') */
};

struct header_list {
	struct header *v; /* owned, in message order */
	size_t n;
	size_t cap;
};

#define HEADER_LIST_INIT \
	{ \
		NULL, 0, 0 \
	}
#define HEADERS_NONE ((size_t)-1)
/* Room for an RFC 5322 date with its terminating NUL. */
#define HEADERS_DATE_MAX 64

void headers_init(struct header_list *hl);
void headers_free(struct header_list *hl);

/* Inserts a copy of a field at index at (hl->n appends).  raw must end
 * with LF; value_off is the offset after ':'. */
void headers_insert(struct header_list *hl, size_t at, const char *name,
    const char *raw, size_t len, size_t value_off);
/* Builds "Name: value\n" and inserts it at index at. */
void headers_insert_field(struct header_list *hl, size_t at, const char *name,
    const char *value);

/* Appends an RFC5322_FIELD event; other event types are ignored.  Returns 1
 * when the event was a field, else 0. */
int headers_collect(struct header_list *hl, const struct rfc5322_event *ev);

/* Convenience for whole messages held in memory (tests, bounces): splits
 * text at LF (a CR before LF is dropped), runs the rfc5322 parser and
 * collects the fields.  *body_off (may be NULL) is set to the offset of the
 * first body byte (len when there is no body).  Returns 0 or -1 (e set);
 * on failure hl holds what it held before and *body_off is untouched. */
int headers_parse(struct header_list *hl, const char *text, size_t len,
    size_t *body_off, struct err *e);

/* The value of h: the bytes after ':' up to the end, folding included
 * (NUL-terminated, borrowed from h). */
const char *headers_value(const struct header *h);

/* Index of the first field called name at or after from, or HEADERS_NONE. */
size_t headers_find(const struct header_list *hl, const char *name,
    size_t from);
size_t headers_count(const struct header_list *hl, const char *name);
/* Removes every field called name; returns how many. */
size_t headers_remove(struct header_list *hl, const char *name);
/* Removes the field at index i. */
void headers_remove_at(struct header_list *hl, size_t i);

/* Hop count as sendmail counts it: Received, Mail-From and Via fields. */
size_t headers_hops(const struct header_list *hl);

/* 1 when the message has any Resent-* field; then *start and *end (may be
 * NULL) delimit the topmost Resent block [start, end). */
int headers_resent_block(const struct header_list *hl, size_t *start,
    size_t *end);

/* -t: appends to out the mailboxes of To, Cc and Bcc, or — when the message
 * is resent — those of Resent-To, Resent-Cc and Resent-Bcc in the topmost
 * Resent block.  Returns the number appended or -1 (EX_DATAERR, naming the
 * field that does not parse; out is then left as it was). */
int headers_recipients(const struct header_list *hl, struct addr_list *out,
    struct err *e);

/* Removes every Bcc: and Resent-Bcc: field.  Returns how many. */
size_t headers_strip_bcc(struct header_list *hl);

/* Formats t as an RFC 5322 date in the local time zone ("Tue, 1 Jul 2003
 * 10:52:37 +0200"; English names whatever the locale).  Returns out. */
char *headers_date(time_t t, char out[HEADERS_DATE_MAX]);

struct headers_info {
	time_t now;               /* for Date and Received */
	const char *from_display; /* From display name, may be NULL */
	const char *from_local;   /* From address (local part, unquoted) */
	const char *from_domain;  /* From domain, NULL if unqualified */
	const char *msgid_left;   /* Message-ID left part (id-left) */
	const char *msgid_domain; /* Message-ID right part */
	const char *host;         /* this host, for Received */
	const char *qid;          /* queue id, for Received */
	unsigned long uid;        /* submitting user, for Received */
};

/* Completion.  For a message that is not resent, adds what is missing:
 * From:, Date:, Message-ID: (appended) and "To: undisclosed-recipients:;"
 * when there is neither To: nor Cc:.  For a resent message the same is done
 * for the topmost Resent block with Resent- names (inserted at the top of
 * the block): Resent-From, Resent-Date, Resent-Message-ID and
 * "Resent-To: undisclosed-recipients:;" when the block has neither
 * Resent-To nor Resent-Cc.  Returns the number of fields added. */
size_t headers_complete(struct header_list *hl,
    const struct headers_info *info);

/* Prepends "Received: by HOST (relayq, from userid UID)\n\tid QID; DATE".
 * Recipients are never named in it. */
void headers_add_received(struct header_list *hl,
    const struct headers_info *info);

/* Address rewriting callback: given a mailbox's local part and domain
 * (domain NULL when unqualified), either returns 0 (unchanged) or sets
 * *new_local and *new_domain (allocated, the caller of the callback frees;
 * *new_domain may stay NULL for an unqualified result) and returns 1. */
typedef int (*headers_rewrite_fn)(void *arg, const char *local,
    const char *domain, char **new_local, char **new_domain);

/* The address fields rewritten by default (NULL-terminated). */
extern const char *const headers_address_fields[];

/* Applies fn to every mailbox of each field whose name is in names (NULL:
 * headers_address_fields).  A field is re-serialised (display names kept,
 * groups flattened, comments dropped, folded at 78 columns) only when fn
 * changed one of its mailboxes; otherwise its bytes stay exactly as they
 * were.  A field whose value does not parse is left unchanged.  Returns the
 * number of fields rewritten. */
size_t headers_rewrite(struct header_list *hl, const char *const *names,
    headers_rewrite_fn fn, void *arg);

/* Appends every field's raw bytes, then the blank separator line. */
void headers_serialize(const struct header_list *hl, struct buf *out);

#endif
