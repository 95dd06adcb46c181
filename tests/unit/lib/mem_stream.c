/* mem_stream.c — an in-memory stream for tests and fuzz harnesses (see
 * mem_stream.h). */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "mem_stream.h"

static ssize_t
mem_read(void *ctx, void *p, size_t n)
{
	struct mem_stream *m = ctx;
	size_t left = m->len - m->pos;

	if (m->pos >= m->eio_at) {
		errno = EIO;
		return -1;
	}
	if (n > left)
		n = left;
	if (m->chunk != 0 && n > m->chunk)
		n = m->chunk;
	if (n > 0)
		memcpy(p, m->in + m->pos, n);
	m->pos += n;
	return (ssize_t)n;
}

static ssize_t
mem_write(void *ctx, const void *p, size_t n)
{
	struct mem_stream *m = ctx;

	if (n > m->max_write)
		m->max_write = n;
	if (m->out == NULL || m->out->len >= m->fail_at) {
		errno = EPIPE; /* the peer went away */
		m->failed = 1;
		return -1;
	}
	if (m->wmax != 0 && n > m->wmax)
		n = m->wmax;
	buf_add(m->out, p, n);
	m->writes++;
	return (ssize_t)n;
}

static void
mem_close(void *ctx)
{
	((struct mem_stream *)ctx)->closed = 1;
}

const struct stream_ops mem_stream_ops = { mem_read, mem_write, mem_close };

void
mem_stream_init(struct mem_stream *m, const void *in, size_t len,
    struct buf *out)
{
	memset(m, 0, sizeof(*m));
	m->in = in;
	m->len = len;
	m->eio_at = (size_t)-1;
	m->out = out;
	m->fail_at = (size_t)-1;
}

void
mem_stream_attach(struct mem_stream *m, struct stream *st, const char *name)
{
	stream_init(st, &mem_stream_ops, m, name);
}
