/* record.h — the framing of relayq's versioned state files, written once
 * for all of them (the envelope, src/queue/envelope.c; the host status table,
 * src/flush/hoststat.c):
 *
 *   MAGIC VERSION        first line, e.g. "relayq-envelope 3"
 *   ...                  the file's own lines (values escaped)
 *   end                  last line: a file without it was torn
 *
 * Text, LF line ends, no NUL.  Values are escaped (\\, \n, \r, \t, \xHH
 * for every other byte outside printable ASCII), so no value can add a
 * line.  What the lines between say is the caller's business; the reader
 * hands them out one by one.  Pure: buffers in, buffers out; no logging.
 * Formats: doc/QUEUE.md. */
#ifndef RELAYQ_RECORD_H
#define RELAYQ_RECORD_H

#include <stddef.h>

#include "lib/buf.h"
#include "lib/err.h"

/* Appends the first line "magic version\n" to out. */
void record_begin(struct buf *out, const char *magic, unsigned version);
/* Appends the last line "end\n" to out. */
void record_end(struct buf *out);

/* Escapes n bytes at s onto out. */
void record_escape(struct buf *out, const char *s, size_t n);
/* Unescapes the n bytes at s into an allocated string (*res).  Fails (-1,
 * *res untouched) on a raw byte outside printable ASCII, a bad escape, or
 * one that decodes to NUL. */
int record_unescape(const char *s, size_t n, char **res);

/* Reads a file's lines: record_open, then record_next until it returns 0
 * (the end line, nothing after it) or -1. */
struct record_reader {
	const char *p, *end; /* what is left to read (borrowed) */
	size_t line_max;     /* longest line accepted; 0: no cap */
	unsigned line;       /* number of the last line read */
	struct buf buf;      /* the last line, NUL-terminated */
};

/* record_open's results besides 0 and -1. */
#define RECORD_BAD_MAGIC (-2)   /* the first line is not "magic N" */
#define RECORD_BAD_VERSION (-3) /* "magic" then no decimal version */

/* Starts reading len bytes at p (borrowed until the last record_next)
 * and reads the first line.  Returns 0 with *version set; -1 with e set
 * (EX_DATAERR: "empty file", a truncated or NUL-bearing first line);
 * RECORD_BAD_MAGIC or RECORD_BAD_VERSION, e untouched, for the caller
 * to word.  Call record_close afterwards in every case. */
int record_open(struct record_reader *r, const char *p, size_t len,
    size_t line_max, const char *magic, unsigned long long *version,
    struct err *e);

/* The next line, without its LF, in *line (borrowed from r until the next
 * call; the caller may change its bytes).  Returns 1; 0 at the end line
 * when nothing follows it; -1 with e set (EX_DATAERR, the message starts
 * "line N: " where there is a line): truncated (no LF, or no end line),
 * a line too long or with a NUL, text after the end line. */
int record_next(struct record_reader *r, char **line, struct err *e);

/* Frees what r holds. */
void record_close(struct record_reader *r);

#endif
