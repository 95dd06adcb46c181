/* stream.h — a buffered byte stream over pluggable transport operations.
 *
 * Protocol code (SMTP client, SMTP server on stdin, body transfer) reads
 * lines and writes bytes through a struct stream and never sees a file
 * descriptor.  The transport below is a set of ops: a plain fd with poll()
 * timeouts (stream_init_fd), a TLS session (tls.c wraps another stream's
 * ops), or an in-memory script (tests).  STARTTLS swaps the ops of a live
 * stream with stream_replace(), which refuses when the peer sent bytes
 * ahead of the TLS handshake (plaintext injection, CVE-2011-0411 class). */
#ifndef RELAYQ_STREAM_H
#define RELAYQ_STREAM_H

#include <stddef.h>
#include <sys/types.h>

#include "lib/buf.h"
#include "lib/err.h"

struct stream_ops {
	/* Reads up to n bytes: returns >0 bytes read, 0 at end of stream,
	 * -1 with errno set (ETIMEDOUT for a timeout). */
	ssize_t (*read)(void *ctx, void *p, size_t n);
	/* Writes up to n bytes: returns >0 bytes written, -1 with errno. */
	ssize_t (*write)(void *ctx, const void *p, size_t n);
	/* Releases ctx and whatever it owns (closes the fd, ends TLS).  May
	 * be NULL. */
	void (*close)(void *ctx);
};

#define STREAM_RBUF_SIZE 16384
#define STREAM_WBUF_SIZE 65536

struct stream {
	const struct stream_ops *ops;
	void *ctx;
	char *name; /* for messages, e.g. "smtp.example.com[192.0.2.1]:587" */
	char *rbuf;
	size_t rpos, rlen;
	char *wbuf;
	size_t wlen;
	unsigned long long nread, nwritten; /* bytes through the transport */
	unsigned long nwrites;              /* write calls on the transport */
	int read_failed; /* a transport read failed (an error or a
	                  * timeout, not the end of the stream) */
	int timed_out;   /* ... and it was a timeout or the deadline */
	long long (*clock)(void *ctx); /* monotonic ms (tests inject one) */
	void *clock_ctx;
	long long deadline; /* reads fail after this clock value; 0 = none */
	int deadline_ms;    /* the span it was set for, for messages */
	void *base;         /* the fd transport, kept across stream_replace */
};

/* Sets up s over ops/ctx; s owns ctx from now on.  name is copied. */
void stream_init(struct stream *s, const struct stream_ops *ops, void *ctx,
    const char *name);
/* Sets up s over an fd (owned: closed by stream_close) with a timeout in
 * milliseconds for each read and write (0 = none). */
void stream_init_fd(struct stream *s, int fd, int timeout_ms, const char *name);
/* Replaces the clock the deadline is measured with (NULL: the default,
 * clock_system_mono_ms of clock.h). */
void stream_set_clock(struct stream *s, long long (*clock)(void *ctx),
    void *ctx);
/* Bounds every read from now on to end within ms milliseconds of now, in
 * total (0 = no deadline): a peer that trickles a reply one byte at a
 * time cannot outlive it, as it outlives a per-read timeout.  A stream
 * made by stream_init_fd also shortens its poll() to the deadline, below
 * a TLS layer swapped in by stream_replace too.  A read after the
 * deadline fails with EX_IOERR ("no complete reply within N s") and sets
 * read_failed.  Writes are not affected (each keeps its own timeout). */
void stream_set_deadline(struct stream *s, int ms);
/* Changes the timeout of a stream made by stream_init_fd. */
void stream_fd_set_timeout(struct stream *s, int timeout_ms);
/* Returns the fd of a stream made by stream_init_fd, else -1. */
int stream_fd(const struct stream *s);
/* Frees buffers and closes the transport.  Unflushed output is dropped. */
void stream_close(struct stream *s);

/* Swaps in a new transport (ops/ctx, owned from now on) keeping the
 * buffers; the old ctx is not closed (the new ops normally wrap it).
 * Fails (EX_PROTOCOL) if unread input is buffered or output is pending. */
int stream_replace(struct stream *s, const struct stream_ops *ops, void *ctx,
    struct err *e);
/* 1 when a read from the transport has failed (EIO, a timeout, ...), as
 * opposed to the stream having ended: an end of stream in the middle of a
 * line is an error of stream_getline but not a failed read. */
int stream_read_failed(const struct stream *s);
/* Bytes read from the transport but not yet consumed. */
size_t stream_pending(const struct stream *s);

/* Makes at least one byte available without consuming it: returns the
 * number of buffered bytes (*p points at them, valid until the next
 * read), 0 at end of stream, -1 on error (EX_IOERR). */
ssize_t stream_peek(struct stream *s, const char **p, struct err *e);

/* Reads one line into line (replacing its content) without the LF or
 * CRLF.  Returns 1 for a line, 0 at end of stream before any byte, -1 on
 * error: EX_IOERR for transport errors and for end of stream inside a
 * line, EX_PROTOCOL when the line exceeds max bytes (the rest of the
 * line is not consumed). */
int stream_getline(struct stream *s, struct buf *line, size_t max,
    struct err *e);
/* Reads up to n bytes (buffered data first).  Returns bytes, 0 at end,
 * -1 on error. */
ssize_t stream_read(struct stream *s, void *p, size_t n, struct err *e);

/* Buffers n bytes for writing, writing out whenever the buffer fills.
 * Returns 0 or -1 (EX_IOERR). */
int stream_write(struct stream *s, const void *p, size_t n, struct err *e);
int stream_puts(struct stream *s, const char *str, struct err *e);
int stream_printf(struct stream *s, struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Writes out everything buffered.  Returns 0 or -1 (EX_IOERR). */
int stream_flush(struct stream *s, struct err *e);

#endif
