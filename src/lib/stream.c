/* stream.c — buffered stream over transport ops (see stream.h). */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/i18n.h"
#include "lib/stream.h"
#include "lib/xalloc.h"

struct fd_ctx {
	int fd;
	int timeout_ms;
	long long deadline; /* monotonic ms for reads; 0 = none */
};

/* Waits for the fd; a read waits at most until the deadline too. */
static int
fd_wait(struct fd_ctx *c, short events)
{
	struct pollfd p;
	int r, ms = c->timeout_ms;

	if (events == POLLIN && c->deadline > 0) {
		long long left = c->deadline - clock_mono_ms(NULL);

		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (ms <= 0 || left < ms)
			ms = (int)left;
	}
	if (ms <= 0)
		return 0;
	p.fd = c->fd;
	p.events = events;
	do
		r = poll(&p, 1, ms);
	while (r < 0 && errno == EINTR);
	if (r == 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	return r < 0 ? -1 : 0;
}

static ssize_t
fd_read(void *ctx, void *p, size_t n)
{
	struct fd_ctx *c = ctx;
	ssize_t r;

	if (fd_wait(c, POLLIN) < 0)
		return -1;
	do
		r = read(c->fd, p, n);
	while (r < 0 && errno == EINTR);
	return r;
}

static ssize_t
fd_write(void *ctx, const void *p, size_t n)
{
	struct fd_ctx *c = ctx;
	ssize_t r;

	if (fd_wait(c, POLLOUT) < 0)
		return -1;
	do
		r = write(c->fd, p, n);
	while (r < 0 && errno == EINTR);
	return r;
}

static void
fd_close(void *ctx)
{
	struct fd_ctx *c = ctx;

	if (c->fd >= 0)
		close(c->fd);
	free(c);
}

static const struct stream_ops fd_ops = { fd_read, fd_write, fd_close };

void
stream_init(struct stream *s, const struct stream_ops *ops, void *ctx,
    const char *name)
{
	memset(s, 0, sizeof(*s));
	s->ops = ops;
	s->ctx = ctx;
	s->name = xstrdup(name ? name : "stream");
	s->clock = clock_system_mono_ms;
	s->rbuf = xmalloc(STREAM_RBUF_SIZE);
	s->wbuf = xmalloc(STREAM_WBUF_SIZE);
}

void
stream_init_fd(struct stream *s, int fd, int timeout_ms, const char *name)
{
	struct fd_ctx *c = xmalloc(sizeof(*c));

	c->fd = fd;
	c->timeout_ms = timeout_ms;
	c->deadline = 0;
	stream_init(s, &fd_ops, c, name);
	s->base = c;
}

void
stream_set_clock(struct stream *s, long long (*clock)(void *), void *ctx)
{
	s->clock = clock != NULL ? clock : clock_system_mono_ms;
	s->clock_ctx = ctx;
}

void
stream_set_deadline(struct stream *s, int ms)
{
	s->deadline = ms > 0 ? s->clock(s->clock_ctx) + ms : 0;
	s->deadline_ms = ms > 0 ? ms : 0;
	if (s->base != NULL)
		((struct fd_ctx *)s->base)->deadline =
		    ms > 0 ? clock_mono_ms(NULL) + ms : 0;
}

void
stream_fd_set_timeout(struct stream *s, int timeout_ms)
{
	if (s->ops == &fd_ops)
		((struct fd_ctx *)s->ctx)->timeout_ms = timeout_ms;
}

int
stream_fd(const struct stream *s)
{
	return s->ops == &fd_ops ? ((struct fd_ctx *)s->ctx)->fd : -1;
}

void
stream_close(struct stream *s)
{
	if (s->ops != NULL && s->ops->close != NULL)
		s->ops->close(s->ctx);
	if (s->wbuf != NULL)
		wipe(s->wbuf, STREAM_WBUF_SIZE); /* it may have held AUTH */
	free(s->name);
	free(s->rbuf);
	free(s->wbuf);
	memset(s, 0, sizeof(*s));
}

int
stream_replace(struct stream *s, const struct stream_ops *ops, void *ctx,
    struct err *e)
{
	if (s->rlen - s->rpos > 0)
		return err_set(e, EX_PROTOCOL,
		    _("%s sent data ahead of the TLS "
		      "handshake; refusing it as a possible injection attack"),
		    s->name);
	if (s->wlen > 0)
		return err_set(e, EX_SOFTWARE,
		    _("%s: output pending while "
		      "switching transport"),
		    s->name);
	s->ops = ops;
	s->ctx = ctx;
	s->rpos = s->rlen = 0;
	return 0;
}

size_t
stream_pending(const struct stream *s)
{
	return s->rlen - s->rpos;
}

/* A transport read, unless the deadline has passed. */
static ssize_t
transport_read(struct stream *s, void *p, size_t n)
{
	if (s->deadline > 0 && s->clock(s->clock_ctx) >= s->deadline) {
		errno = ETIMEDOUT;
		return -1;
	}
	return s->ops->read(s->ctx, p, n);
}

static int
read_error(struct stream *s, struct err *e)
{
	s->read_failed = 1;
	s->timed_out = errno == ETIMEDOUT;
	if (errno == ETIMEDOUT && s->deadline > 0)
		return err_set(e, EX_IOERR,
		    _("timed out reading from %s: no "
		      "complete reply within %d s"),
		    s->name, (s->deadline_ms + 999) / 1000);
	if (errno == ETIMEDOUT)
		return err_set(e, EX_IOERR, _("timed out reading from %s"),
		    s->name);
	return err_sys(e, EX_IOERR, errno, _("cannot read from %s"), s->name);
}

static int
fill(struct stream *s, struct err *e)
{
	ssize_t r = transport_read(s, s->rbuf, STREAM_RBUF_SIZE);

	if (r < 0)
		return read_error(s, e);
	s->rpos = 0;
	s->rlen = (size_t)r;
	s->nread += (size_t)r;
	return r > 0 ? 1 : 0;
}

int
stream_read_failed(const struct stream *s)
{
	return s->read_failed;
}

ssize_t
stream_peek(struct stream *s, const char **p, struct err *e)
{
	int r;

	if (s->rlen - s->rpos == 0) {
		r = fill(s, e);
		if (r <= 0)
			return r;
	}
	*p = s->rbuf + s->rpos;
	return (ssize_t)(s->rlen - s->rpos);
}

int
stream_getline(struct stream *s, struct buf *line, size_t max, struct err *e)
{
	buf_reset(line);
	for (;;) {
		char *start = s->rbuf + s->rpos;
		size_t avail = s->rlen - s->rpos;
		char *nl = memchr(start, '\n', avail);
		size_t take = nl ? (size_t)(nl - start) : avail;
		int r;

		if (line->len + take > max)
			return err_set(e, EX_PROTOCOL,
			    _("%s sent a line longer "
			      "than %zu bytes"),
			    s->name, max);
		buf_add(line, start, take);
		if (nl != NULL) {
			s->rpos += take + 1;
			if (line->len > 0 && line->data[line->len - 1] == '\r')
				line->data[--line->len] = '\0';
			return 1;
		}
		s->rpos = s->rlen;
		r = fill(s, e);
		if (r < 0)
			return -1;
		if (r == 0) {
			if (line->len == 0)
				return 0;
			return err_set(e, EX_IOERR,
			    _("%s closed the connection "
			      "in the middle of a line"),
			    s->name);
		}
	}
}

ssize_t
stream_read(struct stream *s, void *p, size_t n, struct err *e)
{
	size_t avail = s->rlen - s->rpos;
	ssize_t r;

	if (avail > 0) {
		if (n > avail)
			n = avail;
		memcpy(p, s->rbuf + s->rpos, n);
		s->rpos += n;
		return (ssize_t)n;
	}
	r = transport_read(s, p, n);
	if (r < 0)
		return read_error(s, e);
	s->nread += (size_t)r;
	return r;
}

static int
write_all(struct stream *s, const char *p, size_t n, struct err *e)
{
	while (n > 0) {
		ssize_t r = s->ops->write(s->ctx, p, n);

		if (r <= 0) {
			if (r < 0 && errno == ETIMEDOUT)
				return err_set(e, EX_IOERR,
				    _("timed out writing to %s"), s->name);
			return err_sys(e, EX_IOERR, r < 0 ? errno : EPIPE,
			    _("cannot write to %s"), s->name);
		}
		s->nwrites++;
		s->nwritten += (size_t)r;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int
stream_flush(struct stream *s, struct err *e)
{
	size_t n = s->wlen;

	if (n == 0)
		return 0;
	s->wlen = 0;
	return write_all(s, s->wbuf, n, e);
}

int
stream_write(struct stream *s, const void *p, size_t n, struct err *e)
{
	if (s->wlen + n <= STREAM_WBUF_SIZE) {
		memcpy(s->wbuf + s->wlen, p, n);
		s->wlen += n;
		return 0;
	}
	if (stream_flush(s, e) < 0)
		return -1;
	if (n >= STREAM_WBUF_SIZE)
		return write_all(s, p, n, e);
	memcpy(s->wbuf, p, n);
	s->wlen = n;
	return 0;
}

int
stream_puts(struct stream *s, const char *str, struct err *e)
{
	return stream_write(s, str, strlen(str), e);
}

int
stream_printf(struct stream *s, struct err *e, const char *fmt, ...)
{
	char small[1024];
	char *p = small;
	va_list ap;
	int n, r;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return err_set(e, EX_SOFTWARE, "stream_printf: bad format");
	if ((size_t)n >= sizeof(small)) {
		p = xmalloc((size_t)n + 1);
		va_start(ap, fmt);
		vsnprintf(p, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	r = stream_write(s, p, (size_t)n, e);
	if (p != small)
		free(p);
	return r;
}
