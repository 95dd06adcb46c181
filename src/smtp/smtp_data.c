/* smtp_data.c — body transfer: CRLF, dot-stuffing, end of data (see
 * smtp_data.h).  The hot path works on whole segments between line ends
 * found with memchr; there is no per-byte function call. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "smtp/smtp_data.h"

#define DATA_BLOCK 65536

struct xfer {
	struct stream *out; /* NULL: only count (smtp_data_size) */
	struct err *e;
	int bol; /* at the beginning of a line */
	int cr;  /* the previous block ended with CR */
	unsigned long long bytes;
};

static int
emit(struct xfer *x, const char *p, size_t n)
{
	x->bytes += n;
	return x->out != NULL ? stream_write(x->out, p, n, x->e) : 0;
}

static int
line_end(struct xfer *x)
{
	x->bol = 1;
	return emit(x, "\r\n", 2);
}

/* Converts one block of the body.  A CR as the block's last byte is held
 * back until the next byte (or the end) says whether it is a CRLF. */
static int
convert(struct xfer *x, const char *p, size_t n)
{
	const char *end = p + n;

	if (x->cr && n > 0) {
		x->cr = 0;
		if (*p == '\n')
			p++;
		if (line_end(x) < 0)
			return -1;
	}
	while (p < end) {
		const char *stop = memchr(p, '\n', (size_t)(end - p));
		const char *cr;

		if (stop == NULL)
			stop = end;
		cr = memchr(p, '\r', (size_t)(stop - p));
		if (cr != NULL)
			stop = cr;
		if (x->bol && *p == '.' && x->out != NULL &&
		    emit(x, ".", 1) < 0)
			return -1;
		x->bol = 0;
		if (stop > p && emit(x, p, (size_t)(stop - p)) < 0)
			return -1;
		p = stop;
		if (p == end)
			break;
		if (*p == '\r') {
			if (p + 1 == end) {
				x->cr = 1;
				return 0;
			}
			if (p[1] == '\n')
				p++;
		}
		p++;
		if (line_end(x) < 0)
			return -1;
	}
	return 0;
}

/* Converts all of in through x, closing the last line. */
static enum smtp_data_status
run(struct xfer *x, struct stream *in)
{
	char *block = xmalloc(DATA_BLOCK);
	enum smtp_data_status st = SMTP_DATA_WRITE_FAILED;
	ssize_t r;

	while ((r = stream_read(in, block, DATA_BLOCK, x->e)) > 0)
		if (convert(x, block, (size_t)r) < 0)
			goto fail;
	if (r < 0) {
		st = SMTP_DATA_READ_FAILED;
		goto fail;
	}
	if ((x->cr || !x->bol) && line_end(x) < 0)
		goto fail;
	st = SMTP_DATA_OK;
fail:
	free(block);
	return st;
}

enum smtp_data_status
smtp_data_send(struct stream *in, struct stream *out,
    unsigned long long *body_bytes, struct err *e)
{
	struct xfer x = { out, e, 1, 0, 0 };
	enum smtp_data_status st = run(&x, in);

	if (st != SMTP_DATA_OK)
		return st;
	if (body_bytes != NULL)
		*body_bytes = x.bytes;
	if (stream_write(out, ".\r\n", 3, e) < 0)
		return SMTP_DATA_WRITE_FAILED;
	return SMTP_DATA_OK;
}

enum smtp_data_status
smtp_data_size(struct stream *in, unsigned long long *size, struct err *e)
{
	struct xfer x = { NULL, e, 1, 0, 0 };
	enum smtp_data_status st = run(&x, in);

	*size = x.bytes;
	return st;
}
