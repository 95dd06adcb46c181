/* mem_stream.h — an in-memory stream for tests and fuzz harnesses: reads
 * come from a fixed string, writes go into a buf.
 *
 * One mem_stream is one direction or both: a server under test gets one
 * over its input (in) and one over its output (out).  Faults: chunk
 * splits every read into pieces of at most chunk bytes; eio_at_end makes
 * the read at the end of the input fail with EIO instead of reporting the
 * end; fail_at makes every write fail with EPIPE once out holds that many
 * bytes (the peer went away).  No Check dependency: the fuzz harnesses
 * link it too (scripts/fuzz). */
#ifndef RELAYQ_TEST_MEM_STREAM_H
#define RELAYQ_TEST_MEM_STREAM_H

#include <stddef.h>

#include "buf.h"
#include "stream.h"

struct mem_stream {
	const char *in;          /* what reads return (borrowed) */
	size_t len, pos;
	size_t chunk;            /* 0: as much as a read asks for */
	int eio_at_end;
	struct buf *out;         /* what writes add (borrowed; NULL: none) */
	size_t fail_at;          /* (size_t)-1: writes never fail */
	unsigned writes;         /* successful write calls */
	int failed;              /* a write failed */
};

/* Sets up m to read the len bytes at in (may be NULL if len is 0) and to
 * write into out (may be NULL for an input-only stream); no faults. */
void mem_stream_init(struct mem_stream *m, const void *in, size_t len,
    struct buf *out);
/* Makes st a stream over m, called name (m stays owned by the caller:
 * closing the stream does not touch it). */
void mem_stream_attach(struct mem_stream *m, struct stream *st,
    const char *name);

#endif
