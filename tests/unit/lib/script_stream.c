/* script_stream.c — scripted SMTP peer (see script_stream.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "script_stream.h"

void
script_stream_init(struct script_stream *sc, const char *const *steps, size_t n)
{
	memset(sc, 0, sizeof(*sc));
	sc->steps = steps;
	sc->nsteps = n;
	sc->drop_after_read = sc->drop_after_write = -1;
}

void
script_stream_free(struct script_stream *sc)
{
	buf_free(&sc->out);
	buf_free(&sc->line);
	buf_free(&sc->body);
}

static const char *
step(const struct script_stream *sc)
{
	return sc->pos < sc->nsteps ? sc->steps[sc->pos] : "";
}

static void
fail(struct script_stream *sc, const char *what, const char *a, size_t alen)
{
	char safe[200];

	if (sc->error[0] != '\0')
		return;
	log_sanitize_utf8(safe, sizeof(safe), a, alen);
	snprintf(sc->error, sizeof(sc->error), "step %zu (%s): %s \"%s\"",
	    sc->pos, sc->pos < sc->nsteps ? sc->steps[sc->pos] : "end", what,
	    safe);
}

static int
is_server(const char *s)
{
	return s[0] == 'S' || s[0] == 'R' || s[0] == 'D' || s[0] == 'T';
}

long long
script_stream_clock(void *ctx)
{
	return ((const struct script_stream *)ctx)->clock_ms;
}

static ssize_t
sc_read(void *ctx, void *p, size_t n)
{
	struct script_stream *sc = ctx;
	const char *s = step(sc);
	size_t len, left;

	if (sc->dropped)
		return 0;
	if (s[0] == 'D') {
		sc->dropped = 1;
		sc->pos++;
		return 0;
	}
	if (s[0] == 'T') {
		sc->clock_ms += sc->silence_ms;
		sc->pos++;
		errno = ETIMEDOUT;
		return -1;
	}
	if (s[0] != 'S' && s[0] != 'R') {
		fail(sc, "client reads a reply while the script expects", s,
		    strlen(s));
		errno = ETIMEDOUT;
		return -1;
	}
	len = strlen(s + 2) + (s[0] == 'S' ? 2 : 0);
	left = len - sc->roff;
	if (n > left)
		n = left;
	if (sc->chunk > 0 && n > sc->chunk)
		n = sc->chunk;
	if (sc->drop_after_read >= 0 &&
	    sc->nread + n > (unsigned long long)sc->drop_after_read) {
		n = (size_t)((unsigned long long)sc->drop_after_read -
		    sc->nread);
		if (n == 0) {
			sc->dropped = 1;
			return 0;
		}
	}
	for (size_t i = 0; i < n; i++) {
		size_t o = sc->roff + i;

		((char *)p)[i] = o < len - (s[0] == 'S' ? 2 : 0) ?
		    s[2 + o] :
		    (o == len - 2 ? '\r' : '\n');
	}
	sc->roff += n;
	sc->nread += n;
	sc->clock_ms += sc->ms_per_read;
	if (sc->roff == len) {
		sc->roff = 0;
		sc->pos++;
	}
	return (ssize_t)n;
}

/* A body step takes bytes until the body ends with "\r\n.\r\n" (or is
 * just ".\r\n").  Returns 1 when the body is complete. */
static int
body_byte(struct script_stream *sc, char c, int keep)
{
	if (keep)
		buf_addc(&sc->body, c);
	sc->body_bytes++;
	sc->cur_body++;
	memmove(sc->tail, sc->tail + 1, sizeof(sc->tail) - 1);
	sc->tail[sizeof(sc->tail) - 1] = c;
	if (memcmp(sc->tail, "\r\n.\r\n", 5) == 0)
		return 1;
	return sc->cur_body == 3 && memcmp(sc->tail + 2, ".\r\n", 3) == 0;
}

static void
client_line(struct script_stream *sc)
{
	struct buf *l = &sc->line;
	const char *s = step(sc);

	if (l->len < 2 || l->data[l->len - 2] != '\r') {
		fail(sc, "client line without CRLF", l->data, l->len);
		return;
	}
	l->len -= 2;
	if (s[0] != 'C')
		fail(sc,
		    is_server(s) ? "client sends before the reply" :
		                   "unexpected client line",
		    l->data, l->len);
	else if (strlen(s + 2) != l->len || memcmp(s + 2, l->data, l->len) != 0)
		fail(sc, "client sends", l->data, l->len);
	sc->pos++;
	buf_reset(l);
}

static ssize_t
sc_write(void *ctx, const void *p, size_t n)
{
	struct script_stream *sc = ctx;
	const char *c = p;
	size_t i;

	if (!sc->dropped && step(sc)[0] == 'X')
		_exit(SCRIPT_CRASH_EXIT);
	if (!sc->dropped && step(sc)[0] == 'D') {
		sc->dropped = 1;
		sc->pos++;
	}
	if (sc->drop_after_write >= 0 &&
	    sc->nwritten + n > (unsigned long long)sc->drop_after_write) {
		n = (size_t)((unsigned long long)sc->drop_after_write -
		    sc->nwritten);
		if (n == 0)
			sc->dropped = 1;
	}
	if (sc->dropped) {
		errno = EPIPE;
		return -1;
	}
	sc->nwrites++;
	sc->nwritten += n;
	buf_add(&sc->out, p, n);
	for (i = 0; i < n; i++) {
		const char *s = step(sc);

		if (s[0] == 'B' || s[0] == 'b') {
			if (body_byte(sc, c[i], s[0] == 'B')) {
				sc->pos++;
				memset(sc->tail, 0, sizeof(sc->tail));
				sc->cur_body = 0;
			}
			continue;
		}
		buf_addc(&sc->line, c[i]);
		if (c[i] == '\n')
			client_line(sc);
	}
	return (ssize_t)n;
}

static void
sc_close(void *ctx)
{
	((struct script_stream *)ctx)->closed = 1;
}

static const struct stream_ops script_ops = { sc_read, sc_write, sc_close };

void
script_stream_attach(struct script_stream *sc, struct stream *st)
{
	stream_init(st, &script_ops, sc, "peer");
}

const char *
script_stream_check(struct script_stream *sc)
{
	if (sc->error[0] != '\0')
		return sc->error;
	if (sc->pos < sc->nsteps) {
		snprintf(sc->error, sizeof(sc->error),
		    "script stopped at step "
		    "%zu of %zu (%s)",
		    sc->pos, sc->nsteps, sc->steps[sc->pos]);
		return sc->error;
	}
	return NULL;
}
