/* submit_int.h — shared by the parts of the submission engine, not for
 * other modules:
 *   submit.c          the public face: lines in, the queue file written,
 *                     the envelope committed
 *   submit_addrs.c    the envelope's addresses: the sender, the given and
 *                     -t recipients with their DSN parameters, aliases
 *   submit_headers.c  the header policy run once at the end of the
 *                     header section */
#ifndef RELAYQ_SUBMIT_INT_H
#define RELAYQ_SUBMIT_INT_H

#include <stddef.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "message/headers.h"
#include "message/rcpt.h"
#include "message/rfc5322.h"
#include "queue/queue.h"
#include "submit/submit.h"

struct submission {
	const struct submit_ctx *c;
	struct queue_msg msg;
	int created;
	int committed;
	int failed;
	struct rfc5322_parser parser;
	struct header_list hl;
	int in_body;        /* the header policy ran; body follows */
	struct buf pending; /* pieces of a long header line */
	struct buf out;     /* write buffer for the queue file */
	unsigned long long size;
	int eightbit;
	int utf8_headers;       /* raw UTF-8 in the header section */
	char *sender;           /* final envelope sender ("" for <>) */
	struct rcpt_list rcpts; /* final envelope recipients */
};

/* Appends n bytes to the queue file (buffered).  0 or -1 with e set. */
int submit_emit(struct submission *s, const char *p, size_t n, struct err *e);

/* Splits an addr-spec into an unquoted local part and a domain (both
 * allocated).  0 or -1 with e set (EX_DATAERR). */
int submit_split_spec(const char *spec, char **local, char **domain,
    struct err *e);

/* Sets s->sender: -f / MAIL FROM (else the user) rewritten, then the
 * from_address policy; *display receives the display name given with it
 * (allocated or NULL).  0 or -1 with e set. */
int submit_choose_sender(struct submission *s, char **display, struct err *e);

/* Fills s->rcpts: the given recipients, or with -t those of the headers
 * less the given ones, through the aliases, each with the ORCPT and
 * NOTIFY of the address it came from; all valid envelope addresses.
 * 0 or -1 with e set (EX_USAGE none given, EX_DATAERR bad or none in the
 * headers, alias errors). */
int submit_choose_recipients(struct submission *s, struct err *e);

/* The header policy, once, at the end of the header section: hop count,
 * sender and recipients, Bcc removal, rewriting, missing fields,
 * Received; then the header section is written.  0 or -1 with e set. */
int submit_header_policy(struct submission *s, struct err *e);

#endif
