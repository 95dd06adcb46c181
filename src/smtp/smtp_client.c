/* smtp_client.c — the client object, state names, and the command writer
 * and reply reader that the session (smtp_client_session.c) and the
 * message transaction (smtp_client_message.c) share (see smtp_client.h,
 * smtp_client_int.h). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/buf.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "smtp/smtp_client.h"
#include "smtp/smtp_client_int.h"

static const char *const state_names[] = {
	[SMTP_ST_GREETING] = "greeting",
	[SMTP_ST_EHLO] = "EHLO",
	[SMTP_ST_HELO] = "HELO",
	[SMTP_ST_STARTTLS] = "STARTTLS",
	[SMTP_ST_AUTH] = "AUTH",
	[SMTP_ST_READY] = "ready",
	[SMTP_ST_RSET] = "RSET",
	[SMTP_ST_MAIL] = "MAIL FROM",
	[SMTP_ST_RCPT] = "RCPT TO",
	[SMTP_ST_DATA] = "DATA",
	[SMTP_ST_BODY] = "message body",
	[SMTP_ST_DOT] = "end of DATA",
	[SMTP_ST_QUIT] = "QUIT",
	[SMTP_ST_CLOSED] = "closed",
};

const char *
smtp_client_state_name(enum smtp_state st)
{
	if ((size_t)st >= sizeof(state_names) / sizeof(state_names[0]))
		return "?";
	return state_names[st];
}

struct smtp_client *
smtp_client_new(struct stream *s, const struct smtp_client_cfg *cfg)
{
	struct smtp_client *c = xcalloc(1, sizeof(*c));

	c->s = s;
	c->cfg = cfg;
	c->state = SMTP_ST_GREETING;
	smtp_reply_init(&c->rep);
	return c;
}

void
smtp_client_free(struct smtp_client *c)
{
	if (c == NULL)
		return;
	smtp_reply_free(&c->rep);
	strv_free(&c->ehlo);
	buf_free(&c->line);
	if (c->cmd.data != NULL)
		wipe(c->cmd.data, c->cmd.cap);
	buf_free(&c->cmd);
	free(c->rs);
	free(c);
}

enum smtp_state
smtp_client_state(const struct smtp_client *c)
{
	return c->state;
}

const struct smtp_reply_caps *
smtp_client_caps(const struct smtp_client *c)
{
	return &c->caps;
}

const struct strv *
smtp_client_ehlo(const struct smtp_client *c)
{
	return &c->ehlo;
}

/* ---- command writer and reply reader (smtp_client_int.h) --------------- */

void
smtp_client_trace(struct smtp_client *c, const char *dir, const char *line,
    size_t len)
{
	char safe[SMTP_REPLY_LINE_MAX + 1];

	if (c->cfg->transcript == NULL)
		return;
	log_sanitize_utf8(safe, sizeof(safe), line, len);
	c->cfg->transcript(c->cfg->transcript_ctx, dir, safe);
}

/* Buffers c->cmd plus CRLF; shows `shown` (or the command) in the
 * transcript.  The command buffer is wiped: it may hold a secret. */
int
smtp_client_put_cmd(struct smtp_client *c, const char *shown, struct result *r,
    const char *stage)
{
	struct err e;
	int rc;

	smtp_client_trace(c, ">>>", shown ? shown : c->cmd.data,
	    shown ? strlen(shown) : c->cmd.len);
	buf_add(&c->cmd, "\r\n", 2);
	rc = stream_write(c->s, c->cmd.data, c->cmd.len, &e);
	wipe(c->cmd.data, c->cmd.len);
	buf_reset(&c->cmd);
	if (rc < 0) {
		result_set(r, RESULT_TEMP, RESULT_SCOPE_SESSION, stage,
		    RESULT_ST_DROPPED, "%s", e.msg);
		c->state = SMTP_ST_CLOSED;
	}
	return rc;
}

int
smtp_client_printf_cmd(struct smtp_client *c, struct result *r,
    const char *stage, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		result_set(r, RESULT_TEMP, RESULT_SCOPE_SESSION, stage,
		    RESULT_ST_LOCAL, "cannot format the %s command", stage);
		return -1;
	}
	s = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	buf_reset(&c->cmd);
	buf_add(&c->cmd, s, (size_t)n);
	free(s);
	return smtp_client_put_cmd(c, NULL, r, stage);
}

int
smtp_client_flush(struct smtp_client *c, struct result *r, const char *stage)
{
	struct err e;
	size_t n = c->s->wlen;

	int rc = stream_flush(c->s, &e);

	/* Written or not, the bytes may have held AUTH: wipe them. */
	wipe(c->s->wbuf, n);
	if (rc == 0)
		return 0;
	result_set(r, RESULT_TEMP, RESULT_SCOPE_SESSION, stage,
	    RESULT_ST_DROPPED, "%s", e.msg);
	c->state = SMTP_ST_CLOSED;
	return -1;
}

/* Reads one complete reply into c->rep within the reply deadline.  On
 * failure sets r (temporary, session) and closes the session. */
int
smtp_client_read_reply(struct smtp_client *c, struct result *r,
    const char *stage)
{
	struct err e;
	int n;

	smtp_reply_reset(&c->rep);
	if (c->s->deadline == 0) /* else the caller started the wait */
		stream_set_deadline(c->s, c->cfg->reply_timeout_ms);
	do {
		n = stream_getline(c->s, &c->line, SMTP_REPLY_LINE_MAX, &e);
		if (n == 0)
			err_set(&e, EX_IOERR, "connection closed by %s",
			    c->s->name);
		if (n <= 0)
			goto fail;
		smtp_client_trace(c, "<<<", c->line.data, c->line.len);
		n = smtp_reply_feed(&c->rep, c->line.data, c->line.len, &e);
		if (n < 0)
			goto fail;
	} while (n == 0);
	stream_set_deadline(c->s, 0);
	return 0;
fail:
	stream_set_deadline(c->s, 0);
	result_set(r, RESULT_TEMP, RESULT_SCOPE_SESSION, stage,
	    e.code == EX_PROTOCOL ? RESULT_ST_PROTOCOL : RESULT_ST_DROPPED,
	    "%s", e.msg);
	c->state = SMTP_ST_CLOSED;
	return -1;
}

/* Sets r from the reply just read; a 421 ends the session. */
void
smtp_client_from_reply(struct smtp_client *c, struct result *r,
    enum result_scope scope, const char *stage)
{
	result_from_reply(r, c->rep.code, c->rep.enhanced, c->rep.text, scope,
	    stage);
	if (c->rep.code == 421)
		c->state = SMTP_ST_CLOSED;
}
