/* input.h — the message as sendmail reads it from standard input.
 *
 * Hands out the message line by line, without line terminators: LF or
 * CRLF by default, only CRLF with -ba.  Unless dots are ignored (-i, -oi,
 * IgnoreDots), a line holding a single "." ends the message, as sendmail
 * does; no dot-unstuffing happens outside SMTP mode.  A line longer than
 * INPUT_CHUNK is handed out in pieces (eol = 0 on all but the last), so a
 * body of any shape streams in bounded memory.  NUL bytes and bare CR are
 * data. */
#ifndef RELAYQ_INPUT_H
#define RELAYQ_INPUT_H

#include <stddef.h>

#include "lib/err.h"

#define INPUT_CHUNK 65536

struct input {
	int fd;        /* borrowed */
	int crlf_only; /* -ba */
	int dots_end;  /* a lone "." ends the message */
	char *buf;
	size_t pos, len;
	int eof;
	int line_start;           /* the next piece starts a line */
	int ended_by_dot;         /* the message ended with a "." line */
	unsigned long long bytes; /* bytes read from fd */
};

void input_init(struct input *in, int fd, int crlf_only, int dots_end);
void input_free(struct input *in);

/* Returns 1 with the next piece in *p and *n (borrowed until the next call)
 * and *eol = 1 when the piece ends its line; 0 at the end of the message
 * (end of file, or the dot line); -1 on a read error (EX_IOERR). */
int input_next(struct input *in, const char **p, size_t *n, int *eol,
    struct err *e);

#endif
