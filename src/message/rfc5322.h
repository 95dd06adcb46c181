/* rfc5322.h — a push parser for the header section of a message (RFC 5322).
 *
 * Lines in, events out; no I/O.  The caller pushes each line of the
 * message WITHOUT its terminator (LF or CRLF already removed; the line may
 * hold NUL bytes and bare CR and may be long), then drains the events with
 * rfc5322_next() until it returns RFC5322_NONE.  At end of input the caller
 * calls rfc5322_finish() and drains again.
 *
 * Classification of a line while in the header section:
 *   - empty line: end of headers, with the separator (ev.separator = 1);
 *   - starts with SP or HTAB and a field is open: a continuation line,
 *     folding kept as written;
 *   - "name:" where name is 1+ printable ASCII characters (33..126) other
 *     than ':' (obsolete white space between name and ':' is accepted and
 *     kept in the raw text): a new field;
 *   - anything else: end of headers WITHOUT a separator; that line is the
 *     first body line and is handed back in the END event (ev.line).  When
 *     this happens on the very first line the message has no headers and
 *     the whole input is body.
 *
 * NUL and bare CR in header lines: every NUL byte and every CR byte in a
 * header or continuation line is REPLACED by one SP (0x20) in the field's
 * raw text, so fields are safe C strings, tokens are not glued together
 * and no CR can reach the SMTP stream.  A NUL or CR inside what would be a
 * field name makes the line a non-field (it ends the header section and is
 * handed back unchanged as the first body line).
 *
 * Caps (EX_DATAERR, the parser stays failed afterwards):
 *   RFC5322_MAX_LINE    bytes in one physical header line;
 *   RFC5322_MAX_SECTION bytes in the whole header section (raw fields);
 *   RFC5322_MAX_FIELDS  fields.
 *
 * After the END event every pushed line is reported back as a BODY event,
 * so a caller may keep pushing; it may as well stop pushing at END.
 */
#ifndef RELAYQ_RFC5322_H
#define RELAYQ_RFC5322_H

#include <stddef.h>

#include "lib/buf.h"
#include "lib/err.h"

#define RFC5322_MAX_LINE (64u * 1024u)
#define RFC5322_MAX_SECTION (1024u * 1024u)
#define RFC5322_MAX_FIELDS 10000u

enum rfc5322_ev {
	RFC5322_NONE = 0, /* nothing (more) to report */
	RFC5322_FIELD,    /* one complete header field */
	RFC5322_END,      /* end of the header section */
	RFC5322_BODY      /* a line pushed after END */
};

struct rfc5322_event {
	enum rfc5322_ev type;
	/* FIELD: the field name as written (NUL-terminated, without any
	 * obsolete white space before ':'); raw: the whole field
	 * "Name: value\n\tmore\n" with LF line ends and a final LF;
	 * value_off: offset of the byte after ':' in raw. */
	const char *name;
	const char *raw;
	size_t raw_len;
	size_t value_off;
	/* END: 1 when a blank line ended the headers (it is consumed), 0 when
	 * the input ended or a non-header line did. */
	int separator;
	/* END: the line that ended the headers, to be treated as the first
	 * body line (NULL when none); BODY: the pushed line.  Unchanged bytes,
	 * borrowed from the caller's pushed line. */
	const char *line;
	size_t line_len;
};

/* Everything in the event is borrowed from the parser (or from the line
 * last pushed) and valid until the next rfc5322_push/finish/free. */

enum rfc5322_state { RFC5322_S_HEADERS, RFC5322_S_BODY, RFC5322_S_FAILED };

struct rfc5322_parser {
	enum rfc5322_state state;
	struct buf cur;      /* the open field */
	size_t cur_name_len; /* its name length (name is cur.data[0..]) */
	size_t cur_value_off;
	struct buf out; /* the field being reported */
	char *out_name; /* owned copy of the reported name */
	size_t out_value_off;
	size_t section;    /* bytes of header section so far */
	size_t fields;     /* fields so far */
	size_t lineno;     /* lines pushed so far (for messages) */
	int pending_field; /* out holds a field not yet drained */
	int pending_end;   /* END not yet drained */
	int pending_body;  /* BODY not yet drained */
	int separator;
	const char *line; /* borrowed: the line to hand back */
	size_t line_len;
};

void rfc5322_init(struct rfc5322_parser *p);
void rfc5322_free(struct rfc5322_parser *p);

/* Pushes one line (len bytes, no terminator).  Returns 0, or -1 with e set
 * (EX_DATAERR: a cap was exceeded; EX_SOFTWARE: events of the previous push
 * were not drained or the parser already failed).  Does not log. */
int rfc5322_push(struct rfc5322_parser *p, const char *line, size_t len,
    struct err *e);

/* End of input: completes the open field and reports END (separator 0,
 * no line) if the header section had not ended.  Returns 0 or -1 as above. */
int rfc5322_finish(struct rfc5322_parser *p, struct err *e);

/* Takes the next event into ev; returns its type (RFC5322_NONE when there
 * is none left for this push). */
enum rfc5322_ev rfc5322_next(struct rfc5322_parser *p,
    struct rfc5322_event *ev);

/* Name of an event type, for traces ("field", "end", ...). */
const char *rfc5322_ev_name(enum rfc5322_ev t);

/* Length of the field name at the start of line (a "name:" prefix, with
 * optional obsolete WSP before ':'), and in *colon the index of ':'.
 * Returns 0 when the line does not start a header field. */
size_t rfc5322_field_name(const char *line, size_t len, size_t *colon);

#endif
