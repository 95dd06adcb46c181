/* input.c — the message from standard input, line by line (see input.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "lib/i18n.h"
#include "lib/xalloc.h"
#include "submit/input.h"

void
input_init(struct input *in, int fd, int crlf_only, int dots_end)
{
	memset(in, 0, sizeof(*in));
	in->fd = fd;
	in->crlf_only = crlf_only;
	in->dots_end = dots_end;
	in->buf = xmalloc(INPUT_CHUNK);
	in->line_start = 1;
}

void
input_free(struct input *in)
{
	free(in->buf);
	in->buf = NULL;
}

/* Moves unread bytes to the front and reads more.  Returns 1 when bytes
 * were added, 0 at end of file, -1 on error. */
static int
refill(struct input *in, struct err *e)
{
	ssize_t r;

	if (in->pos > 0) {
		memmove(in->buf, in->buf + in->pos, in->len - in->pos);
		in->len -= in->pos;
		in->pos = 0;
	}
	if (in->eof || in->len == INPUT_CHUNK)
		return 0;
	do
		r = read(in->fd, in->buf + in->len, INPUT_CHUNK - in->len);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return err_sys(e, EX_IOERR, errno,
		    _("cannot read the message "
		      "from standard input"));
	if (r == 0) {
		in->eof = 1;
		return 0;
	}
	in->len += (size_t)r;
	in->bytes += (size_t)r;
	return 1;
}

/* Finds the end of the line in the unread bytes: sets *end (the line's
 * length) and *skip (the terminator's length).  Returns 0 if none yet. */
static int
find_eol(const struct input *in, size_t *end, size_t *skip)
{
	const char *start = in->buf + in->pos;
	size_t avail = in->len - in->pos, off = 0;
	const char *nl;

	while ((nl = memchr(start + off, '\n', avail - off)) != NULL) {
		size_t at = (size_t)(nl - start);

		if (at > 0 && start[at - 1] == '\r') {
			*end = at - 1;
			*skip = 2;
			return 1;
		}
		if (!in->crlf_only) {
			*end = at;
			*skip = 1;
			return 1;
		}
		off = at + 1;
	}
	return 0;
}

int
input_next(struct input *in, const char **p, size_t *n, int *eol, struct err *e)
{
	size_t end, skip, avail;
	int r;

	if (in->ended_by_dot)
		return 0;
	while (!find_eol(in, &end, &skip)) {
		r = refill(in, e);
		if (r < 0)
			return -1;
		if (r > 0)
			continue;
		avail = in->len - in->pos;
		if (avail == 0)
			return 0;
		/* A full buffer without a terminator, or the last line of a
		 * file without a final newline.  Keep a trailing CR back: it
		 * may be the first half of a CRLF. */
		end = avail;
		if (!in->eof && in->buf[in->pos + end - 1] == '\r' && end > 1)
			end--;
		*p = in->buf + in->pos;
		*n = end;
		*eol = in->eof && end == avail;
		if (*eol && in->dots_end && in->line_start && end == 1 &&
		    **p == '.') {
			in->ended_by_dot = 1;
			in->pos += end;
			return 0;
		}
		in->pos += end;
		in->line_start = *eol;
		return 1;
	}
	*p = in->buf + in->pos;
	*n = end;
	*eol = 1;
	in->pos += end + skip;
	if (in->dots_end && in->line_start && end == 1 && **p == '.') {
		in->ended_by_dot = 1;
		return 0;
	}
	in->line_start = 1;
	return 1;
}
