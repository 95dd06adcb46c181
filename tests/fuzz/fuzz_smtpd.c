/* fuzz_smtpd.c — libFuzzer harness: the -bs server (smtp_server_run) over an
 * in-memory client script.
 *
 * Input: 4 control bytes, then the client's bytes.  The control bytes set
 * the limits, how the transport hands out input (chunks of 1..16 bytes or
 * all at once) and whether writes fail after some output (the client went
 * away), and are read as a ring of bits by the hooks: each hook
 * call takes 3 bits and accepts or refuses with one of the codes that pick
 * different replies, so every branch up to data_end is reached.
 * Oracles beyond the sanitisers: every reply line is "NNN" + ' ' or '-' +
 * printable ASCII, CRLF-terminated; the hooks are called in protocol order
 * (no RCPT before an accepted MAIL, data lines only inside DATA, data_end
 * only after data_begin, reset only with a transaction open); the server
 * never accepts more recipients than its limit; addresses hold no CR/LF;
 * -1 (I/O error) exactly when a write failed. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/mem_stream.h"
#include "lib/stream.h"
#include "submit/smtp_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { T_NONE, T_OPEN, T_DATA };

struct state {
	const uint8_t *ctl; /* 4 control bytes, read as a bit ring */
	unsigned bit;
	int trans; /* T_*: what the server has started */
	unsigned rcpts, max_rcpts;
};

/* The next 3 control bits: 0..3 accept, 4..7 refuse with a code that
 * chooses another reply. */
static int
decide(struct state *st, const char *what, const char *arg, struct err *e)
{
	static const int codes[] = { EX_TEMPFAIL, EX_NOUSER, EX_DATAERR,
		EX_UNAVAILABLE };
	unsigned v = 0, i;

	for (i = 0; i < 3; i++, st->bit = (st->bit + 1) % 32)
		v = v << 1 | ((st->ctl[st->bit / 8] >> (st->bit % 8)) & 1u);
	if (v < 4)
		return 0;
	/* The server puts the text into its reply: it must sanitise it. */
	return err_set(e, v == 7 && arg[0] == '\0' ? EX_IOERR : codes[v - 4],
	    "%s refused: %s", what, arg);
}

static void
check_addr(const char *a)
{
	if (a == NULL || strpbrk(a, "\r\n") != NULL)
		abort();
}

static int
h_mail(void *ctx, const struct smtp_server_mail *m, struct err *e)
{
	struct state *st = ctx;

	if (st->trans != T_NONE)
		abort();
	check_addr(m->sender);
	if (decide(st, "sender", m->sender, e) < 0)
		return -1;
	st->trans = T_OPEN;
	st->rcpts = 0;
	return 0;
}

static int
h_rcpt(void *ctx, const struct rcpt *r, struct err *e)
{
	struct state *st = ctx;

	if (st->trans != T_OPEN)
		abort();
	check_addr(r->addr);
	if (r->addr[0] == '\0' || st->rcpts >= st->max_rcpts)
		abort();
	if (decide(st, "recipient", r->addr, e) < 0)
		return -1;
	st->rcpts++;
	return 0;
}

static int
h_begin(void *ctx, struct err *e)
{
	struct state *st = ctx;

	if (st->trans != T_OPEN || st->rcpts == 0)
		abort();
	if (decide(st, "data", "", e) < 0)
		return -1;
	st->trans = T_DATA;
	return 0;
}

static int
h_line(void *ctx, const char *line, size_t len, int eol, struct err *e)
{
	struct state *st = ctx;

	if (st->trans != T_DATA || !eol || memchr(line, '\n', len) != NULL)
		abort();
	/* Refuse rarely: a refused line ends the message's chances. */
	if (len > 0 && line[0] == 'F' && decide(st, "line", "", e) < 0)
		return -1;
	return 0;
}

static int
h_end(void *ctx, const char **id, struct err *e)
{
	struct state *st = ctx;

	if (st->trans != T_DATA)
		abort();
	if (decide(st, "message", "", e) < 0)
		return -1;
	st->trans = T_NONE;
	*id = "1FUZZ";
	return 0;
}

static void
h_reset(void *ctx)
{
	struct state *st = ctx;

	if (st->trans == T_NONE)
		abort();
	st->trans = T_NONE;
}

static const struct smtp_server_hooks hooks = { h_mail, h_rcpt, h_begin, h_line,
	h_end, h_reset };

/* Every reply line: 3 digits, ' ' or '-', printable ASCII, CRLF. */
static void
check_replies(const struct buf *out)
{
	const char *p = out->data ? out->data : "", *end = p + out->len, *eol;

	while (p < end) {
		eol = memchr(p, '\r', (size_t)(end - p));
		if (eol == NULL || eol + 1 >= end || eol[1] != '\n' ||
		    eol - p < 3)
			abort();
		if (p[0] < '2' || p[0] > '5' || p[1] < '0' || p[1] > '9' ||
		    p[2] < '0' || p[2] > '9' ||
		    (eol - p > 3 && p[3] != ' ' && p[3] != '-'))
			abort();
		for (; p < eol; p++)
			if ((unsigned char)*p < 0x20 ||
			    (unsigned char)*p > 0x7e)
				abort();
		p = eol + 2;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out = BUF_INIT;
	struct mem_stream mi, mo;
	struct stream in, os;
	struct smtp_server_limits lim;
	struct state st;
	struct err e;
	int rc;

	if (size < 4)
		return 0;
	memset(&st, 0, sizeof(st));
	st.ctl = data;
	lim.max_size =
	    data[0] & 0x80 ? (unsigned long)(data[1] & 0x7f) * 16 : 0;
	lim.max_rcpts = data[1] & 0x80 ? 1 + (data[2] & 3) : 0;
	lim.max_line = data[2] & 0x80 ? 16 + (size_t)(data[3] & 0x3f) : 0;
	st.max_rcpts = lim.max_rcpts ? lim.max_rcpts : 1000;
	mem_stream_init(&mi, data + 4, size - 4, NULL);
	mi.chunk = data[3] & 0x40 ? 1 + (data[0] & 15) : 0;
	mem_stream_init(&mo, NULL, 0, &out);
	mo.fail_at =
	    data[2] & 0x40 ? (size_t)(data[3] & 0x3f) * 16 : (size_t)-1;
	mem_stream_attach(&mi, &in, "stdin");
	mem_stream_attach(&mo, &os, "stdout");
	rc = smtp_server_run(&in, &os, "fuzz.example", &lim, &hooks, &st, &e);
	if (rc < -1 || rc > 1 || st.trans != T_NONE || (rc == -1) != mo.failed)
		abort();
	check_replies(&out);
	stream_close(&in);
	stream_close(&os);
	buf_free(&out);
	return 0;
}
