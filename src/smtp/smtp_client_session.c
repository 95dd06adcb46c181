/* smtp_client_session.c — the session steps: greeting, EHLO/HELO,
 * STARTTLS, AUTH, QUIT (see smtp_client.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/xalloc.h"
#include "smtp/smtp_client.h"
#include "smtp/smtp_client_int.h"

#define AUTH_ROUNDS_MAX 16

/* Ends a session that failed at `stage` (r already set): QUIT unless the
 * connection is already gone. */
static int
session_failed(struct smtp_client *c, struct result *r)
{
	if (r->cls == RESULT_OK) {
		r->cls = RESULT_TEMP;
		snprintf(r->status, sizeof(r->status), "%s",
		    RESULT_ST_PROTOCOL);
	}
	smtp_client_quit(c);
	c->state = SMTP_ST_CLOSED;
	return -1;
}

static int
reply_failed(struct smtp_client *c, struct result *r, const char *stage)
{
	smtp_client_from_reply(c, r, RESULT_SCOPE_SESSION, stage);
	return session_failed(c, r);
}

/* ---- session steps ----------------------------------------------------- */

static enum smtp_state
after_hello(const struct smtp_client *c)
{
	if (!c->tls_done && !c->tls_refused && c->cfg->tls != SMTP_TLS_NONE &&
	    (c->caps.flags & SMTP_CAP_STARTTLS))
		return SMTP_ST_STARTTLS;
	return c->cfg->auth != NULL ? SMTP_ST_AUTH : SMTP_ST_READY;
}

static int
need_tls(struct smtp_client *c, struct result *r, const char *stage)
{
	if (c->tls_done || c->cfg->tls != SMTP_TLS_REQUIRED)
		return 0;
	result_set(r, RESULT_PERM, RESULT_SCOPE_SESSION, stage,
	    RESULT_ST_NEED_TLS,
	    "TLS is required but %s does not offer "
	    "STARTTLS",
	    c->s->name);
	return session_failed(c, r);
}

/* 1 when the n bytes at p start like a TLS record: a content type from
 * 20 to 23 (22 handshake, 21 alert), then major version 3. */
static int
looks_like_tls(const char *p, size_t n)
{
	unsigned char t = (unsigned char)p[0];

	return t >= 0x14 && t <= 0x17 && (n < 2 || p[1] == 0x03);
}

/* Waits for the greeting's first bytes (the reply deadline starts here
 * and covers the whole greeting).  On plain TCP, TLS bytes there or no
 * greeting at all is most likely a port that speaks implicit TLS: say
 * so, with the setting that fixes it. */
static int
greeting_start(struct smtp_client *c, struct result *r, const char *st)
{
	int tls = c->cfg->conn != NULL && c->cfg->conn->tls;
	const char *p = NULL;
	struct err e;
	ssize_t n;

	stream_set_deadline(c->s, c->cfg->reply_timeout_ms);
	n = stream_peek(c->s, &p, &e);
	if (tls || (n > 0 && !looks_like_tls(p, (size_t)n)))
		return 0; /* smtp_client_read_reply takes it from here */
	if (n > 0)
		result_set(r, RESULT_TEMP, RESULT_SCOPE_SESSION, st,
		    RESULT_ST_PROTOCOL,
		    "%s sent TLS where an SMTP greeting was "
		    "expected: it speaks implicit TLS; set \"tls implicit\" "
		    "(\"tls auto\" uses implicit TLS on port 465 only)",
		    c->s->name);
	else if (n < 0 && c->s->timed_out)
		result_set(r, RESULT_TEMP, RESULT_SCOPE_SESSION, st,
		    RESULT_ST_NO_ANSWER,
		    "%s sent no SMTP greeting within %d s; "
		    "if it speaks implicit TLS, set \"tls implicit\" (\"tls "
		    "auto\" uses implicit TLS on port 465 only)",
		    c->s->name, (c->cfg->reply_timeout_ms + 999) / 1000);
	else
		return 0; /* closed or failed: reported as usual */
	stream_set_deadline(c->s, 0);
	c->state = SMTP_ST_CLOSED;
	return -1;
}

static int
do_greeting(struct smtp_client *c, struct result *r)
{
	const char *st = smtp_client_state_name(SMTP_ST_GREETING);

	if (greeting_start(c, r, st) < 0 ||
	    smtp_client_read_reply(c, r, st) < 0)
		return -1;
	if (c->rep.code != 220)
		return reply_failed(c, r, st);
	c->state = SMTP_ST_EHLO;
	return 0;
}

static int
do_hello(struct smtp_client *c, struct result *r, int ehlo)
{
	const char *st =
	    smtp_client_state_name(ehlo ? SMTP_ST_EHLO : SMTP_ST_HELO);

	if (smtp_client_printf_cmd(c, r, st, "%s %s", st, c->cfg->helo) < 0 ||
	    smtp_client_flush(c, r, st) < 0 ||
	    smtp_client_read_reply(c, r, st) < 0)
		return -1;
	if (ehlo && (c->rep.code == 500 || c->rep.code == 502)) {
		c->state = SMTP_ST_HELO;
		return 0;
	}
	if (c->rep.code != 250)
		return reply_failed(c, r, st);
	strv_free(&c->ehlo);
	if (ehlo) {
		smtp_reply_caps_parse(&c->rep, &c->caps);
		for (size_t i = 0; i < c->rep.lines.n; i++)
			strv_add(&c->ehlo, c->rep.lines.v[i]);
	} else
		memset(&c->caps, 0, sizeof(c->caps));
	c->state = after_hello(c);
	if (c->state != SMTP_ST_STARTTLS)
		return need_tls(c, r, st);
	return 0;
}

static int
do_starttls(struct smtp_client *c, struct result *r)
{
	const char *st = smtp_client_state_name(SMTP_ST_STARTTLS);
	struct err e;

	if (smtp_client_printf_cmd(c, r, st, "STARTTLS") < 0 ||
	    smtp_client_flush(c, r, st) < 0 ||
	    smtp_client_read_reply(c, r, st) < 0)
		return -1;
	if (c->rep.code != 220) {
		if (c->cfg->tls == SMTP_TLS_REQUIRED || c->rep.code == 421)
			return reply_failed(c, r, st);
		c->tls_refused = 1; /* opportunistic: go on without TLS */
		c->state = after_hello(c);
		return 0;
	}
	err_clear(&e);
	if (c->cfg->starttls == NULL ||
	    c->cfg->starttls(c->cfg->starttls_ctx, c->s, &e) < 0) {
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

		if (smtp_client_flush(c, r, st) < 0 ||
		    smtp_client_read_reply(c, r, st) < 0)
			return -1;
		if (c->rep.code != 334)
			return 0;
		if (++rounds > AUTH_ROUNDS_MAX ||
		    a->step(c->cfg->auth_ctx, c->rep.lines.v[0], &resp, &e) <
		        0) {
			buf_adds(&c->cmd, "*");
			if (smtp_client_put_cmd(c, NULL, r, st) < 0)
				return -1;
			continue;
		}
		buf_adds(&c->cmd, resp);
		wipe_free(resp);
		if (smtp_client_put_cmd(c, "<redacted>", r, st) < 0)
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
		    RESULT_SCOPE_SESSION, st,
		    rc > 0 ? RESULT_ST_AUTH : RESULT_ST_LOCAL,
		    "cannot authenticate to %s: %s", c->s->name, e.msg);
		return session_failed(c, r);
	}
	buf_printf(&c->cmd, "AUTH %s%s%s", mech, initial ? " " : "",
	    initial ? initial : "");
	snprintf(shown, sizeof(shown), "AUTH %s%s", mech,
	    initial ? " <redacted>" : "");
	wipe_free(initial);
	if (smtp_client_put_cmd(c, shown, r, st) < 0 ||
	    auth_exchange(c, r, st) < 0)
		return -1;
	enh = c->rep.enhanced[0] ? c->rep.enhanced : NULL;
	rc = a->finish(c->cfg->auth_ctx, c->rep.code, enh);
	if (c->rep.code == 235)
		return 0;
	if (rc == 1 && c->rep.code != 421)
		return 1;
	result_from_reply(r, c->rep.code, enh, c->rep.text,
	    RESULT_SCOPE_SESSION, st);
	if (enh == NULL && c->rep.code == 535) /* RFC 4954: 535 is 5.7.8 */
		snprintf(r->status, sizeof(r->status), "%s", RESULT_ST_AUTH);
	if (c->rep.code == 421)
		c->state = SMTP_ST_CLOSED;
	return session_failed(c, r);
}

static int
do_auth(struct smtp_client *c, struct result *r)
{
	const char *st = smtp_client_state_name(SMTP_ST_AUTH);
	int rc;

	if (!(c->caps.flags & SMTP_CAP_AUTH)) {
		result_set(r, RESULT_PERM, RESULT_SCOPE_SESSION, st,
		    RESULT_ST_NO_AUTH,
		    "credentials are configured but %s "
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
	if (smtp_client_printf_cmd(c, &r, "QUIT", "QUIT") == 0 &&
	    smtp_client_flush(c, &r, "QUIT") == 0)
		smtp_client_read_reply(c, &r, "QUIT");
	c->state = SMTP_ST_CLOSED;
}

/* One command (in c->cmd) and its reply, for smtp_client_try_sender. */
static int
command(struct smtp_client *c, struct result *r, const char *st)
{
	return smtp_client_put_cmd(c, NULL, r, st) < 0 ||
	        smtp_client_flush(c, r, st) < 0 ||
	        smtp_client_read_reply(c, r, st) < 0 ?
	    -1 :
	    0;
}

int
smtp_client_try_sender(struct smtp_client *c, const char *sender,
    struct result *r)
{
	const char *st = smtp_client_state_name(SMTP_ST_MAIL);
	const char *rs = smtp_client_state_name(SMTP_ST_RSET);
	struct result rr;
	int accepted;

	result_clear(r);
	if (c->state != SMTP_ST_READY) {
		result_set(r, RESULT_TEMP, RESULT_SCOPE_SESSION, st,
		    RESULT_ST_LOCAL,
		    "smtp_client_try_sender called in state %s",
		    smtp_client_state_name(c->state));
		return -1;
	}
	buf_reset(&c->cmd);
	buf_printf(&c->cmd, "MAIL FROM:<%s>", sender);
	if (command(c, r, st) < 0)
		return -1;
	accepted = c->rep.code == 250;
	smtp_client_from_reply(c, r, RESULT_SCOPE_MESSAGE, st);
	if (c->state == SMTP_ST_CLOSED)
		return -1;
	c->in_txn = accepted;
	buf_reset(&c->cmd);
	buf_adds(&c->cmd, "RSET");
	if (command(c, &rr, rs) < 0) {
		*r = rr;
		return -1;
	}
	if (c->rep.code != 250) {
		smtp_client_from_reply(c, r, RESULT_SCOPE_SESSION, rs);
		return -1;
	}
	c->in_txn = 0;
	return accepted ? 0 : 1;
}
