/* script_stream.h — a scripted in-memory SMTP peer for tests.
 *
 * A script is an array of steps, played in order:
 *   "C:text"  the client must send the line text (CRLF is required)
 *   "S:text"  the server sends text and CRLF (text may hold "\r\n")
 *   "R:text"  the server sends text as is (no CRLF added)
 *   "B"       the client sends a DATA body up to and including the final
 *             ".\r\n", kept in body (the "." line included)
 *   "b"       as "B" but only counted (body_bytes), for huge bodies
 *   "D"       the server drops the connection: reads give end of stream,
 *             writes fail with EPIPE
 *   "T"       the server stays silent: the read waits silence_ms on the
 *             script's clock and fails with ETIMEDOUT (not an error)
 *   "X"       the client's process dies (_exit(SCRIPT_CRASH_EXIT)) when it
 *             writes anything at this step: a crash at that point
 * A client line that arrives when a server reply is due, or a line other
 * than the expected one, or a read when the client should be speaking,
 * is recorded as the script's first error (and the read fails with
 * ETIMEDOUT so the client cannot hang).  Faults: chunk splits every read
 * into pieces of at most chunk bytes (replies split at any byte);
 * drop_after_read / drop_after_write end the connection after that many
 * bytes in that direction (-1: never).  Every byte the client writes is
 * kept in out; nwrites counts write calls.
 *
 * Time: the script keeps its own clock (clock_ms, from 0): every read
 * that delivers bytes advances it by ms_per_read (a trickling peer), a
 * "T" step by silence_ms.  script_stream_clock reads it, for
 * stream_set_clock, so deadlines are tested without sleeping. */
#ifndef RELAYQ_SCRIPT_STREAM_H
#define RELAYQ_SCRIPT_STREAM_H

#include <stddef.h>

#include "lib/buf.h"
#include "lib/stream.h"

#define SCRIPT_CRASH_EXIT 99

struct script_stream {
	const char *const *steps;
	size_t nsteps, pos;
	size_t roff;  /* bytes of the current S/R step sent */
	size_t chunk; /* 0: no limit */
	long long drop_after_read, drop_after_write;
	unsigned long long nread, nwritten, body_bytes, cur_body;
	unsigned long nwrites;
	long long clock_ms, ms_per_read, silence_ms;
	int dropped, closed;
	struct buf out, line, body;
	char tail[5];    /* last bytes of a "b" body */
	char error[512]; /* first error, "" if none */
};

/* Sets up sc over steps (borrowed, n of them); no faults. */
void script_stream_init(struct script_stream *sc, const char *const *steps,
    size_t n);
void script_stream_free(struct script_stream *sc);
/* Makes st a stream over sc (sc stays owned by the test: closing the
 * stream only marks it closed). */
void script_stream_attach(struct script_stream *sc, struct stream *st);
/* The script's clock in ms (ctx is the script_stream). */
long long script_stream_clock(void *ctx);
/* Returns NULL when every step was played without error, else a message. */
const char *script_stream_check(struct script_stream *sc);

#endif
