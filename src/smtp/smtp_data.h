/* smtp_data.h — the message body as SMTP DATA (RFC 5321 4.5.2).
 *
 * Reads the queued body (LF line ends; may also hold CRLF, bare CR and
 * NUL) from one stream and writes it to another as DATA content: every
 * line end becomes CRLF, a line starting with '.' gets one more '.', and
 * the body is closed with CRLF "." CRLF (a CRLF is added first when the
 * body does not end with a line end; an empty body sends only ".").
 *
 * Bare CR: RFC 5321 forbids a CR not followed by LF in DATA.  We convert
 * each bare CR to CRLF (a line end) rather than pass it on, and dot-stuff
 * after it like after any line end.  Thus the output contains no CR or LF
 * except in CRLF pairs, so a body can never smuggle an end-of-data
 * sequence past a server that treats bare CR or bare LF as a line end.
 * NUL bytes are passed through unchanged.  Lines longer than 998 bytes
 * are not folded (the front end splits them).
 *
 * Streaming: the body is read in 64 KiB blocks and written with one
 * stream_write per line (the output stream gathers it into its 64 KiB
 * buffer), so memory does not grow with the message.  Never logs. */
#ifndef RELAYQ_SMTP_DATA_H
#define RELAYQ_SMTP_DATA_H

#include "lib/err.h"
#include "lib/stream.h"

enum smtp_data_status {
	SMTP_DATA_OK = 0,
	SMTP_DATA_WRITE_FAILED = -1, /* writing to out failed: peer lost */
	SMTP_DATA_READ_FAILED = -2,  /* reading in failed: local problem */
};

/* Copies in to out as described above, ending with ".\r\n", and does not
 * flush out.  *body_bytes (may be NULL) receives the bytes written
 * before the final ".\r\n".  Returns SMTP_DATA_OK or a failure with e
 * set (EX_IOERR); after a failure the DATA phase cannot be completed and
 * the connection must be dropped (never send "." for a partial body). */
enum smtp_data_status smtp_data_send(struct stream *in, struct stream *out,
    unsigned long long *body_bytes, struct err *e);

/* The message size as RFC 1870 counts it for SIZE=: the bytes
 * smtp_data_send would write for in, every line end as CRLF, without
 * the dots added by dot-stuffing and without the final ".\r\n".  Reads
 * in to its end.  Returns SMTP_DATA_OK with *size set, or
 * SMTP_DATA_READ_FAILED with e set (EX_IOERR). */
enum smtp_data_status smtp_data_size(struct stream *in,
    unsigned long long *size, struct err *e);

#endif
