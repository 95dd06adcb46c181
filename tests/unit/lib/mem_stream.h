/* mem_stream.h — an in-memory stream for tests and fuzz harnesses: reads
 * come from a fixed string, writes go into a buf.
 *
 * One mem_stream is one direction or both: a server under test gets one
 * over its input (in) and one over its output (out).  Faults: chunk
 * splits every read into pieces of at most chunk bytes; a read fails with
 * EIO once eio_at bytes were read (eio_at = len: at the end instead of
 * reporting the end); wmax makes every write take at most wmax bytes
 * (short writes); fail_at makes every write fail with EPIPE once out
 * holds that many bytes (0: every write fails, the peer went away).  No
 * Check dependency: the fuzz harnesses link it too (scripts/fuzz). */
#ifndef RELAYQ_TEST_MEM_STREAM_H
#define RELAYQ_TEST_MEM_STREAM_H

#include <stddef.h>

#include "lib/buf.h"
#include "lib/stream.h"

struct mem_stream {
	const char *in; /* what reads return (borrowed) */
	size_t len, pos;
	size_t chunk;         /* 0: as much as a read asks for */
	size_t eio_at;        /* (size_t)-1: reads never fail */
	struct buf *out;      /* what writes add (borrowed; NULL: none) */
	size_t wmax;          /* 0: a write takes all it is given */
	size_t fail_at;       /* (size_t)-1: writes never fail */
	unsigned long writes; /* successful write calls */
	size_t max_write;     /* the most bytes one write was asked for */
	int failed;           /* a write failed */
	int closed;           /* the stream over it was closed */
};

/* The ops of a stream whose ctx is a struct mem_stream (closing it only
 * sets closed: the mem_stream stays the caller's). */
extern const struct stream_ops mem_stream_ops;

/* Sets up m to read the len bytes at in (may be NULL if len is 0) and to
 * write into out (may be NULL for an input-only stream); no faults. */
void mem_stream_init(struct mem_stream *m, const void *in, size_t len,
    struct buf *out);
/* Makes st a stream over m, called name. */
void mem_stream_attach(struct mem_stream *m, struct stream *st,
    const char *name);

#endif
