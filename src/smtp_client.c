/* smtp_client.c — session state machine: greeting, EHLO/HELO, STARTTLS,
 * AUTH, QUIT (see smtp_client.h).  The message transaction is below the
 * session part; both share the reply reader and the command writer. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "buf.h"
#include "i18n.h"
#include "log.h"
#include "smtp_client.h"
#include "smtp_data.h"
#include "xalloc.h"

#define AUTH_ROUNDS_MAX 16

enum rcpt_state { RCPT_PENDING, RCPT_ACCEPTED, RCPT_REPORTED };

struct smtp_client {
	struct stream *s;
	const struct smtp_client_cfg *cfg;
	enum smtp_state state;
	struct smtp_reply_caps caps;
	struct smtp_reply rep;
	struct buf line, cmd;
	int tls_done;
	int tls_refused;                 /* opportunistic STARTTLS refused */
	int in_txn;                      /* MAIL sent since the last RSET */
	unsigned char *rs;               /* enum rcpt_state per recipient */
	size_t rs_cap;
};

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

/* ---- I/O helpers ------------------------------------------------------- */

static void
trace(struct smtp_client *c, const char *dir, const char *line, size_t len)
{
	char safe[SMTP_REPLY_LINE_MAX + 1];

	if (c->cfg->transcript == NULL)
		return;
	log_sanitize(safe, sizeof(safe), line, len);
	c->cfg->transcript(c->cfg->transcript_ctx, dir, safe);
}

/* Buffers c->cmd plus CRLF; shows `shown` (or the command) in the
 * transcript.  The command buffer is wiped: it may hold a secret. */
static int
put_cmd(struct smtp_client *c, const char *shown, struct result *r,
    const char *stage)
{
	struct err e;
	int rc;

	trace(c, ">>>", shown ? shown : c->cmd.data, shown ? strlen(shown)
	    : c->cmd.len);
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

static int
send_cmd(struct smtp_client *c, struct result *r, const char *stage,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
send_cmd(struct smtp_client *c, struct result *r, const char *stage,
    const char *fmt, ...)
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
	return put_cmd(c, NULL, r, stage);
}

static int
flush(struct smtp_client *c, struct result *r, const char *stage)
{
	struct err e;
	size_t n = c->s->wlen;

	if (stream_flush(c->s, &e) == 0) {
		wipe(c->s->wbuf, n);
		return 0;
	}
	result_set(r, RESULT_TEMP, RESULT_SCOPE_SESSION, stage,
	    RESULT_ST_DROPPED, "%s", e.msg);
	c->state = SMTP_ST_CLOSED;
	return -1;
}

/* Reads one complete reply into c->rep.  On failure sets r (temporary,
 * session) and closes the session. */
static int
read_reply(struct smtp_client *c, struct result *r, const char *stage)
{
	int enh = (c->caps.flags & SMTP_CAP_ENHANCED) != 0;
	struct err e;
	int n;

	smtp_reply_reset(&c->rep);
	do {
		n = stream_getline(c->s, &c->line, SMTP_REPLY_LINE_MAX, &e);
		if (n == 0)
			err_set(&e, EX_IOERR, "connection closed by %s", c->s->name);
		if (n <= 0)
			goto fail;
		trace(c, "<<<", c->line.data, c->line.len);
		n = smtp_reply_feed(&c->rep, c->line.data, c->line.len, enh, &e);
		if (n < 0)
			goto fail;
	} while (n == 0);
	return 0;
fail:
	result_set(r, RESULT_TEMP, RESULT_SCOPE_SESSION, stage,
	    e.code == EX_PROTOCOL ? RESULT_ST_PROTOCOL : RESULT_ST_DROPPED,
	    "%s", e.msg);
	c->state = SMTP_ST_CLOSED;
	return -1;
}

/* Sets r from the reply just read; a 421 ends the session. */
static void
from_reply(struct smtp_client *c, struct result *r, enum result_scope scope,
    const char *stage)
{
	result_from_reply(r, c->rep.code, c->rep.enhanced, c->rep.text, scope,
	    stage);
	if (c->rep.code == 421)
		c->state = SMTP_ST_CLOSED;
}

/* Ends a session that failed at `stage` (r already set): QUIT unless the
 * connection is already gone. */
static int
session_failed(struct smtp_client *c, struct result *r)
{
	if (r->cls == RESULT_OK) {
		r->cls = RESULT_TEMP;
		snprintf(r->status, sizeof(r->status), "%s", RESULT_ST_PROTOCOL);
	}
	smtp_client_quit(c);
	c->state = SMTP_ST_CLOSED;
	return -1;
}

static int
reply_failed(struct smtp_client *c, struct result *r, const char *stage)
{
	from_reply(c, r, RESULT_SCOPE_SESSION, stage);
	return session_failed(c, r);
}

/* ---- session steps ----------------------------------------------------- */

static enum smtp_state
after_hello(const struct smtp_client *c)
{
	if (!c->tls_done && !c->tls_refused && c->cfg->tls != SMTP_TLS_NONE
	    && (c->caps.flags & SMTP_CAP_STARTTLS))
		return SMTP_ST_STARTTLS;
	return c->cfg->auth != NULL ? SMTP_ST_AUTH : SMTP_ST_READY;
}

static int
need_tls(struct smtp_client *c, struct result *r, const char *stage)
{
	if (c->tls_done || c->cfg->tls != SMTP_TLS_REQUIRED)
		return 0;
	result_set(r, RESULT_PERM, RESULT_SCOPE_SESSION, stage,
	    RESULT_ST_NEED_TLS, "TLS is required but %s does not offer "
	    "STARTTLS", c->s->name);
	return session_failed(c, r);
}

static int
do_greeting(struct smtp_client *c, struct result *r)
{
	const char *st = state_names[SMTP_ST_GREETING];

	if (read_reply(c, r, st) < 0)
		return -1;
	if (c->rep.code != 220)
		return reply_failed(c, r, st);
	c->state = SMTP_ST_EHLO;
	return 0;
}

static int
do_hello(struct smtp_client *c, struct result *r, int ehlo)
{
	const char *st = state_names[ehlo ? SMTP_ST_EHLO : SMTP_ST_HELO];

	if (send_cmd(c, r, st, "%s %s", st, c->cfg->helo) < 0
	    || flush(c, r, st) < 0 || read_reply(c, r, st) < 0)
		return -1;
	if (ehlo && (c->rep.code == 500 || c->rep.code == 502)) {
		c->state = SMTP_ST_HELO;
		return 0;
	}
	if (c->rep.code != 250)
		return reply_failed(c, r, st);
	if (ehlo)
		smtp_reply_caps_parse(&c->rep, &c->caps);
	else
		memset(&c->caps, 0, sizeof(c->caps));
	c->state = after_hello(c);
	if (c->state != SMTP_ST_STARTTLS)
		return need_tls(c, r, st);
	return 0;
}

static int
do_starttls(struct smtp_client *c, struct result *r)
{
	const char *st = state_names[SMTP_ST_STARTTLS];
	struct err e;

	if (send_cmd(c, r, st, "STARTTLS") < 0 || flush(c, r, st) < 0
	    || read_reply(c, r, st) < 0)
		return -1;
	if (c->rep.code != 220) {
		if (c->cfg->tls == SMTP_TLS_REQUIRED || c->rep.code == 421)
			return reply_failed(c, r, st);
		c->tls_refused = 1;  /* opportunistic: go on without TLS */
		c->state = after_hello(c);
		return 0;
	}
	err_clear(&e);
	if (c->cfg->starttls == NULL
	    || c->cfg->starttls(c->cfg->starttls_ctx, c->s, &e) < 0) {
		result_set(r, RESULT_TEMP, RESULT_SCOPE_SESSION, st,
		    RESULT_ST_TLS, "%s", e.msg[0] ? e.msg : "no TLS support");
		c->state = SMTP_ST_CLOSED;
		return -1;
	}
	c->tls_done = 1;
	if (c->cfg->conn != NULL)
		c->cfg->conn->tls = 1;
	memset(&c->caps, 0, sizeof(c->caps));
	c->state = SMTP_ST_EHLO;
	return 0;
}

/* Runs the 334 exchange of one AUTH attempt up to its final reply. */
static int
auth_exchange(struct smtp_client *c, struct result *r, const char *st)
{
	const struct auth_ops *a = c->cfg->auth;
	int rounds = 0;

	for (;;) {
		char *resp = NULL;
		struct err e;

		if (flush(c, r, st) < 0 || read_reply(c, r, st) < 0)
			return -1;
		if (c->rep.code != 334)
			return 0;
		if (++rounds > AUTH_ROUNDS_MAX
		    || a->step(c->cfg->auth_ctx, c->rep.lines.v[0], &resp, &e) < 0) {
			buf_adds(&c->cmd, "*");
			if (put_cmd(c, NULL, r, st) < 0)
				return -1;
			continue;
		}
		buf_adds(&c->cmd, resp);
		wipe_free(resp);
		if (put_cmd(c, "<redacted>", r, st) < 0)
			return -1;
	}
}

/* One AUTH attempt.  Returns 1 to try another mechanism, 0 when
 * authenticated, -1 when the session failed (r set). */
static int
auth_once(struct smtp_client *c, struct result *r, const char *st)
{
	const struct auth_ops *a = c->cfg->auth;
	const char *mech = NULL, *enh;
	char *initial = NULL, shown[128];
	struct err e;
	int rc;

	err_clear(&e);
	rc = a->start(c->cfg->auth_ctx, c->caps.auth, c->cfg->conn, &mech,
	    &initial, &e);
	if (rc != 0) {
		result_set(r, rc > 0 ? RESULT_PERM : RESULT_TEMP,
		    RESULT_SCOPE_SESSION, st, rc > 0 ? RESULT_ST_AUTH
		    : RESULT_ST_LOCAL, "cannot authenticate to %s: %s",
		    c->s->name, e.msg);
		return session_failed(c, r);
	}
	buf_printf(&c->cmd, "AUTH %s%s%s", mech, initial ? " " : "",
	    initial ? initial : "");
	snprintf(shown, sizeof(shown), "AUTH %s%s", mech,
	    initial ? " <redacted>" : "");
	wipe_free(initial);
	if (put_cmd(c, shown, r, st) < 0 || auth_exchange(c, r, st) < 0)
		return -1;
	enh = c->rep.enhanced[0] ? c->rep.enhanced : NULL;
	rc = a->finish(c->cfg->auth_ctx, c->rep.code, enh);
	if (c->rep.code == 235)
		return 0;
	if (rc == 1 && c->rep.code != 421)
		return 1;
	result_from_reply(r, c->rep.code, enh ? enh : c->rep.code == 535
	    ? RESULT_ST_AUTH : NULL, c->rep.text, RESULT_SCOPE_SESSION, st);
	if (c->rep.code == 421)
		c->state = SMTP_ST_CLOSED;
	return session_failed(c, r);
}

static int
do_auth(struct smtp_client *c, struct result *r)
{
	const char *st = state_names[SMTP_ST_AUTH];
	int rc;

	if (!(c->caps.flags & SMTP_CAP_AUTH)) {
		result_set(r, RESULT_PERM, RESULT_SCOPE_SESSION, st,
		    RESULT_ST_NO_AUTH, "credentials are configured but %s "
		    "offers no AUTH; refusing to send unauthenticated",
		    c->s->name);
		return session_failed(c, r);
	}
	while ((rc = auth_once(c, r, st)) == 1)
		;
	if (rc == 0)
		c->state = SMTP_ST_READY;
	return rc;
}

int
smtp_client_open(struct smtp_client *c, struct result *r)
{
	int rc = 0;

	result_clear(r);
	while (rc == 0 && c->state != SMTP_ST_READY) {
		switch (c->state) {
		case SMTP_ST_GREETING:
			rc = do_greeting(c, r);
			break;
		case SMTP_ST_EHLO:
		case SMTP_ST_HELO:
			rc = do_hello(c, r, c->state == SMTP_ST_EHLO);
			break;
		case SMTP_ST_STARTTLS:
			rc = do_starttls(c, r);
			break;
		case SMTP_ST_AUTH:
			rc = do_auth(c, r);
			break;
		default:
			result_set(r, RESULT_TEMP, RESULT_SCOPE_SESSION,
			    smtp_client_state_name(c->state), RESULT_ST_LOCAL,
			    "smtp_client_open called in state %s",
			    smtp_client_state_name(c->state));
			rc = -1;
			break;
		}
	}
	return rc;
}

void
smtp_client_quit(struct smtp_client *c)
{
	struct result r;

	if (c->state == SMTP_ST_CLOSED || c->state == SMTP_ST_QUIT)
		return;
	c->state = SMTP_ST_QUIT;
	if (send_cmd(c, &r, "QUIT", "QUIT") == 0 && flush(c, &r, "QUIT") == 0)
		read_reply(c, &r, "QUIT");
	c->state = SMTP_ST_CLOSED;
}

/* ---- message transaction ----------------------------------------------- */

struct step {
	enum smtp_state st;              /* RSET, MAIL, RCPT or DATA */
	size_t i;                        /* recipient index for RCPT */
};

struct txn {
	struct result mail;              /* reply to MAIL; cls OK = accepted */
	struct result last;              /* the last refused recipient */
	struct result data;              /* reply to DATA; code 0 = not sent */
	size_t accepted;
};

static void
report(struct smtp_client *c, size_t i, const struct result *r)
{
	c->rs[i] = RCPT_REPORTED;
	if (c->cfg->on_rcpt != NULL)
		c->cfg->on_rcpt(c->cfg->cb_ctx, i, r);
}

/* Reports r for every recipient not reported yet, then for the message;
 * copies r to out.  Returns 0 when the session goes on, else -1. */
static int
finish(struct smtp_client *c, const struct smtp_msg *m,
    const struct result *r, struct result *out)
{
	size_t i;

	for (i = 0; i < m->nrcpts; i++)
		if (c->rs[i] != RCPT_REPORTED)
			report(c, i, r);
	if (c->cfg->on_message != NULL)
		c->cfg->on_message(c->cfg->cb_ctx, r);
	if (out != NULL)
		*out = *r;
	if (c->state == SMTP_ST_CLOSED)
		return -1;
	c->state = SMTP_ST_READY;
	return 0;
}

/* Control characters (and, in an ESMTP parameter, spaces) would let a
 * queue file inject commands: refuse them. */
static int
bad_text(const char *s, int param)
{
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch < 0x20 || ch == 0x7f || (param && ch == ' '))
			return 1;
	}
	return 0;
}

/* Local refusals before anything is sent.  Returns -1 with r set when the
 * whole message is refused; refused recipients are reported here. */
static int
precheck(struct smtp_client *c, const struct smtp_msg *m, struct result *r)
{
	unsigned caps = c->caps.flags;
	struct result rr;
	size_t i;

	if (bad_text(m->sender, 0) || bad_text(m->ret, 1) || bad_text(m->envid, 1))
		result_set(r, RESULT_PERM, RESULT_SCOPE_MESSAGE, NULL,
		    RESULT_ST_BAD_SENDER, "sender address or DSN parameters "
		    "contain control characters");
	else if ((caps & SMTP_CAP_SIZE) && c->caps.size > 0
	    && m->size > c->caps.size)
		result_set(r, RESULT_PERM, RESULT_SCOPE_MESSAGE, NULL,
		    RESULT_ST_TOO_BIG, "message size %llu exceeds the limit of "
		    "%llu bytes of %s", m->size, c->caps.size, c->s->name);
	else if (m->smtputf8 && !(caps & SMTP_CAP_SMTPUTF8))
		result_set(r, RESULT_PERM, RESULT_SCOPE_MESSAGE, NULL,
		    RESULT_ST_SMTPUTF8, "the message needs SMTPUTF8 (non-ASCII "
		    "addresses or headers) but %s does not offer it", c->s->name);
	else if (m->eightbit && !(caps & SMTP_CAP_8BITMIME)
	    && c->cfg->eightbit == SMTP_8BIT_STRICT)
		result_set(r, RESULT_PERM, RESULT_SCOPE_MESSAGE, NULL,
		    RESULT_ST_8BIT, "the message has 8-bit data but %s does not "
		    "offer 8BITMIME (EightBitMode is strict)", c->s->name);
	else
		r = NULL;
	if (r != NULL)
		return -1;
	for (i = 0; i < m->nrcpts; i++)
		if (bad_text(m->rcpts[i].addr, 0) || bad_text(m->rcpts[i].notify, 1)
		    || bad_text(m->rcpts[i].orcpt, 1)) {
			result_set(&rr, RESULT_PERM, RESULT_SCOPE_RCPT, NULL,
			    RESULT_ST_BAD_RCPT, "recipient address or DSN "
			    "parameters contain control characters");
			report(c, i, &rr);
		}
	return 0;
}

static int
put_mail(struct smtp_client *c, const struct smtp_msg *m, struct result *r)
{
	unsigned caps = c->caps.flags;

	buf_printf(&c->cmd, "MAIL FROM:<%s>", m->sender);
	if (caps & SMTP_CAP_SIZE)
		buf_printf(&c->cmd, " SIZE=%llu", m->size);
	if (m->eightbit && (caps & SMTP_CAP_8BITMIME))
		buf_adds(&c->cmd, " BODY=8BITMIME");
	if (m->smtputf8)
		buf_adds(&c->cmd, " SMTPUTF8");
	if ((caps & SMTP_CAP_DSN) && m->ret != NULL)
		buf_printf(&c->cmd, " RET=%s", m->ret);
	if ((caps & SMTP_CAP_DSN) && m->envid != NULL)
		buf_printf(&c->cmd, " ENVID=%s", m->envid);
	return put_cmd(c, NULL, r, state_names[SMTP_ST_MAIL]);
}

static int
put_rcpt(struct smtp_client *c, const struct smtp_rcpt *rc, struct result *r)
{
	buf_printf(&c->cmd, "RCPT TO:<%s>", rc->addr);
	if ((c->caps.flags & SMTP_CAP_DSN) && rc->notify != NULL)
		buf_printf(&c->cmd, " NOTIFY=%s", rc->notify);
	if ((c->caps.flags & SMTP_CAP_DSN) && rc->orcpt != NULL)
		buf_printf(&c->cmd, " ORCPT=%s", rc->orcpt);
	return put_cmd(c, NULL, r, state_names[SMTP_ST_RCPT]);
}

static int
put_step(struct smtp_client *c, const struct smtp_msg *m,
    const struct step *p, struct result *r)
{
	const char *st = state_names[p->st];

	c->state = p->st;
	switch (p->st) {
	case SMTP_ST_MAIL:
		return put_mail(c, m, r);
	case SMTP_ST_RCPT:
		return put_rcpt(c, &m->rcpts[p->i], r);
	default:
		return send_cmd(c, r, st, "%s", st);   /* RSET, DATA */
	}
}

/* Handles the reply to one step.  Returns -1 when the transaction is over
 * (r set for every recipient not reported yet). */
static int
on_reply(struct smtp_client *c, struct txn *t, const struct step *p,
    struct result *r)
{
	const char *st = state_names[p->st];
	int ok = c->rep.code / 100 == 2;

	switch (p->st) {
	case SMTP_ST_RSET:
		if (!ok) {
			from_reply(c, r, RESULT_SCOPE_SESSION, st);
			c->state = SMTP_ST_CLOSED;
			return -1;
		}
		c->in_txn = 0;
		break;
	case SMTP_ST_MAIL:
		c->in_txn = 1;
		from_reply(c, &t->mail, RESULT_SCOPE_MESSAGE, st);
		break;
	case SMTP_ST_RCPT:
		if (t->mail.cls != RESULT_OK)
			break;
		if (ok) {
			c->rs[p->i] = RCPT_ACCEPTED;
			t->accepted++;
		} else {
			from_reply(c, &t->last, RESULT_SCOPE_RCPT, st);
			if (c->state != SMTP_ST_CLOSED)
				report(c, p->i, &t->last);
		}
		break;
	default:
		from_reply(c, &t->data, RESULT_SCOPE_MESSAGE, st);
		break;
	}
	if (c->state != SMTP_ST_CLOSED)
		return 0;
	from_reply(c, r, RESULT_SCOPE_SESSION, st);     /* 421 */
	return -1;
}

/* Sends the commands (all at once with PIPELINING, RFC 2920) and reads
 * their replies in order.  Returns 0 when the replies are all in. */
static int
run_steps(struct smtp_client *c, const struct smtp_msg *m, struct txn *t,
    const struct step *p, size_t n, struct result *r)
{
	int pipe = (c->caps.flags & SMTP_CAP_PIPELINING) != 0;
	size_t k;

	for (k = 0; pipe && k < n; k++)
		if (put_step(c, m, &p[k], r) < 0)
			return -1;
	if (pipe && flush(c, r, state_names[p[0].st]) < 0)
		return -1;
	for (k = 0; k < n; k++) {
		const char *st = state_names[p[k].st];

		if (!pipe) {
			if (p[k].st != SMTP_ST_RSET && p[k].st != SMTP_ST_MAIL
			    && t->mail.cls != RESULT_OK)
				break;
			if (p[k].st == SMTP_ST_DATA && t->accepted == 0)
				break;
			if (put_step(c, m, &p[k], r) < 0 || flush(c, r, st) < 0)
				return -1;
		}
		c->state = p[k].st;
		if (read_reply(c, r, st) < 0 || on_reply(c, t, &p[k], r) < 0)
			return -1;
	}
	return 0;
}

/* Ends a DATA that a server accepted with 354 although the transaction
 * had failed (RFC 2920 3.1): an empty body, reply ignored. */
static void
abort_data(struct smtp_client *c)
{
	struct result scratch;

	if (send_cmd(c, &scratch, "DATA", ".") == 0
	    && flush(c, &scratch, "DATA") == 0)
		read_reply(c, &scratch, "end of DATA");
}

static void
lost_after_dot(struct result *r)
{
	static const char pre[] = "connection lost after the end of data; "
	    "the message may have been delivered: ";
	size_t keep = sizeof(r->text) - sizeof(pre);

	memmove(r->text + sizeof(pre) - 1, r->text, keep);
	r->text[sizeof(r->text) - 1] = '\0';
	memcpy(r->text, pre, sizeof(pre) - 1);
	r->cls = RESULT_UNKNOWN;
}

static void
send_body(struct smtp_client *c, const struct smtp_msg *m, struct result *r)
{
	const char *st = state_names[SMTP_ST_BODY];
	unsigned long long bytes = 0;
	enum smtp_data_status ds;
	char note[64];
	struct err e;

	c->state = SMTP_ST_BODY;
	ds = smtp_data_send(m->body, c->s, &bytes, &e);
	if (ds != SMTP_DATA_OK) {
		result_set(r, RESULT_TEMP, ds == SMTP_DATA_READ_FAILED
		    ? RESULT_SCOPE_MESSAGE : RESULT_SCOPE_SESSION, st,
		    ds == SMTP_DATA_READ_FAILED ? RESULT_ST_LOCAL
		    : RESULT_ST_DROPPED, "%s", e.msg);
		c->state = SMTP_ST_CLOSED;   /* a partial body must never end with "." */
		return;
	}
	snprintf(note, sizeof(note), "(message body, %llu bytes)", bytes);
	trace(c, ">>>", note, strlen(note));
	trace(c, ">>>", ".", 1);
	if (flush(c, r, st) < 0)
		return;
	c->state = SMTP_ST_DOT;
	if (read_reply(c, r, state_names[SMTP_ST_DOT]) < 0) {
		lost_after_dot(r);
		return;
	}
	from_reply(c, r, RESULT_SCOPE_MESSAGE, state_names[SMTP_ST_DOT]);
}

static void
transact(struct smtp_client *c, const struct smtp_msg *m, struct result *r)
{
	struct step *p = xcalloc(m->nrcpts + 3, sizeof(*p));
	struct txn t;
	size_t i, n = 0;

	memset(&t, 0, sizeof(t));
	result_clear(&t.mail);
	if (c->in_txn)
		p[n++].st = SMTP_ST_RSET;
	p[n++].st = SMTP_ST_MAIL;
	for (i = 0; i < m->nrcpts; i++)
		if (c->rs[i] == RCPT_PENDING) {
			p[n].st = SMTP_ST_RCPT;
			p[n++].i = i;
		}
	p[n++].st = SMTP_ST_DATA;
	if (run_steps(c, m, &t, p, n, r) < 0)
		goto done;
	if (t.data.code == 354 && (t.mail.cls != RESULT_OK || t.accepted == 0))
		abort_data(c);
	if (t.mail.cls != RESULT_OK)
		*r = t.mail;
	else if (t.accepted == 0) {
		*r = t.last;
		r->scope = RESULT_SCOPE_MESSAGE;
	} else if (t.data.code != 354)
		*r = t.data;
	else
		send_body(c, m, r);
done:
	free(p);
}

int
smtp_client_send(struct smtp_client *c, const struct smtp_msg *m,
    struct result *out)
{
	struct result r;
	size_t i, pending = 0;

	if (m->nrcpts > c->rs_cap) {
		c->rs = xreallocarray(c->rs, m->nrcpts, 1);
		c->rs_cap = m->nrcpts;
	}
	if (m->nrcpts > 0)
		memset(c->rs, RCPT_PENDING, m->nrcpts);
	result_clear(&r);
	if (c->state != SMTP_ST_READY) {
		result_set(&r, RESULT_TEMP, RESULT_SCOPE_SESSION, NULL,
		    RESULT_ST_DROPPED, "the session with %s is not open",
		    c->s->name);
		return finish(c, m, &r, out);
	}
	if (precheck(c, m, &r) < 0)
		return finish(c, m, &r, out);
	for (i = 0; i < m->nrcpts; i++)
		pending += c->rs[i] == RCPT_PENDING;
	if (pending == 0)
		result_set(&r, RESULT_PERM, RESULT_SCOPE_MESSAGE, NULL,
		    RESULT_ST_BAD_RCPT, "no valid recipients");
	else
		transact(c, m, &r);
	return finish(c, m, &r, out);
}
