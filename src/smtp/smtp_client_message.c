/* smtp_client_message.c — one message transaction: RSET, MAIL, RCPT,
 * DATA (pipelined when offered), the body and its final dot, and the
 * per-recipient and per-message results (see smtp_client.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/xalloc.h"
#include "message/rcpt.h"
#include "smtp/smtp_client.h"
#include "smtp/smtp_client_int.h"
#include "smtp/smtp_data.h"

struct step {
	enum smtp_state st; /* RSET, MAIL, RCPT or DATA */
	size_t i;           /* recipient index for RCPT */
};

struct txn {
	struct result mail; /* reply to MAIL; cls OK = accepted */
	struct result last; /* the last refused recipient */
	struct result data; /* reply to DATA; code 0 = not sent */
	size_t accepted;
};

static void
report(struct smtp_client *c, size_t i, const struct result *r)
{
	c->rs[i] = SMTP_RCPT_REPORTED;
	if (c->cfg->on_rcpt != NULL)
		c->cfg->on_rcpt(c->cfg->cb_ctx, i, r);
}

/* Reports r for every recipient not reported yet, then for the message;
 * copies r to out.  Returns 0 when the session goes on, else -1. */
static int
finish(struct smtp_client *c, const struct smtp_msg *m, const struct result *r,
    struct result *out)
{
	size_t i;

	for (i = 0; i < m->nrcpts; i++)
		if (c->rs[i] != SMTP_RCPT_REPORTED)
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

	if (bad_text(m->sender, 0) || bad_text(m->ret, 1) ||
	    bad_text(m->envid, 1))
		result_set(r, RESULT_PERM, RESULT_SCOPE_MESSAGE, NULL,
		    RESULT_ST_BAD_SENDER,
		    "sender address or DSN parameters "
		    "contain control characters");
	else if ((caps & SMTP_CAP_SIZE) && c->caps.size > 0 &&
	    m->size > c->caps.size)
		result_set(r, RESULT_PERM, RESULT_SCOPE_MESSAGE, NULL,
		    RESULT_ST_TOO_BIG,
		    "message size %llu exceeds the limit of "
		    "%llu bytes of %s",
		    m->size, c->caps.size, c->s->name);
	else if (m->smtputf8 && !(caps & SMTP_CAP_SMTPUTF8))
		result_set(r, RESULT_PERM, RESULT_SCOPE_MESSAGE, NULL,
		    RESULT_ST_SMTPUTF8,
		    "the message needs SMTPUTF8 (non-ASCII "
		    "addresses or headers) but %s does not offer it",
		    c->s->name);
	else if (m->eightbit && !(caps & SMTP_CAP_8BITMIME) &&
	    c->cfg->eightbit == SMTP_8BIT_STRICT)
		result_set(r, RESULT_PERM, RESULT_SCOPE_MESSAGE, NULL,
		    RESULT_ST_8BIT,
		    "the message has 8-bit data but %s does not "
		    "offer 8BITMIME (EightBitMode is strict)",
		    c->s->name);
	else
		r = NULL;
	if (r != NULL)
		return -1;
	for (i = 0; i < m->nrcpts; i++)
		if (bad_text(m->rcpts[i].addr, 0) ||
		    bad_text(m->rcpts[i].orcpt, 1)) {
			result_set(&rr, RESULT_PERM, RESULT_SCOPE_RCPT, NULL,
			    RESULT_ST_BAD_RCPT,
			    "recipient address or DSN "
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
	if (m->smtputf8 || (m->utf8_headers && (caps & SMTP_CAP_SMTPUTF8)))
		buf_adds(&c->cmd, " SMTPUTF8");
	if ((caps & SMTP_CAP_DSN) && m->ret != NULL)
		buf_printf(&c->cmd, " RET=%s", m->ret);
	if ((caps & SMTP_CAP_DSN) && m->envid != NULL)
		buf_printf(&c->cmd, " ENVID=%s", m->envid);
	return smtp_client_put_cmd(c, NULL, r,
	    smtp_client_state_name(SMTP_ST_MAIL));
}

static int
put_rcpt(struct smtp_client *c, const struct rcpt *rc, struct result *r)
{
	buf_printf(&c->cmd, "RCPT TO:<%s>", rc->addr);
	if ((c->caps.flags & SMTP_CAP_DSN) && rc->notify != 0) {
		buf_adds(&c->cmd, " NOTIFY=");
		rcpt_notify_format(rc->notify, &c->cmd);
	}
	if ((c->caps.flags & SMTP_CAP_DSN) && rc->orcpt != NULL)
		buf_printf(&c->cmd, " ORCPT=%s", rc->orcpt);
	return smtp_client_put_cmd(c, NULL, r,
	    smtp_client_state_name(SMTP_ST_RCPT));
}

static int
put_step(struct smtp_client *c, const struct smtp_msg *m, const struct step *p,
    struct result *r)
{
	const char *st = smtp_client_state_name(p->st);

	c->state = p->st;
	switch (p->st) {
	case SMTP_ST_MAIL:
		return put_mail(c, m, r);
	case SMTP_ST_RCPT:
		return put_rcpt(c, &m->rcpts[p->i], r);
	default:
		return smtp_client_printf_cmd(c, r, st, "%s",
		    st); /* RSET, DATA */
	}
}

/* Handles the reply to one step.  Returns -1 when the transaction is over
 * (r set for every recipient not reported yet). */
static int
on_reply(struct smtp_client *c, struct txn *t, const struct step *p,
    struct result *r)
{
	const char *st = smtp_client_state_name(p->st);
	int ok = c->rep.code / 100 == 2;

	switch (p->st) {
	case SMTP_ST_RSET:
		if (!ok) {
			smtp_client_from_reply(c, r, RESULT_SCOPE_SESSION, st);
			c->state = SMTP_ST_CLOSED;
			return -1;
		}
		c->in_txn = 0;
		break;
	case SMTP_ST_MAIL:
		c->in_txn = 1;
		smtp_client_from_reply(c, &t->mail, RESULT_SCOPE_MESSAGE, st);
		break;
	case SMTP_ST_RCPT:
		if (t->mail.cls != RESULT_OK)
			break;
		if (ok) {
			c->rs[p->i] = SMTP_RCPT_ACCEPTED;
			t->accepted++;
		} else {
			smtp_client_from_reply(c, &t->last, RESULT_SCOPE_RCPT,
			    st);
			if (c->state != SMTP_ST_CLOSED)
				report(c, p->i, &t->last);
		}
		break;
	default:
		smtp_client_from_reply(c, &t->data, RESULT_SCOPE_MESSAGE, st);
		break;
	}
	if (c->state != SMTP_ST_CLOSED)
		return 0;
	smtp_client_from_reply(c, r, RESULT_SCOPE_SESSION, st); /* 421 */
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
	if (pipe &&
	    smtp_client_flush(c, r, smtp_client_state_name(p[0].st)) < 0)
		return -1;
	for (k = 0; k < n; k++) {
		const char *st = smtp_client_state_name(p[k].st);

		if (!pipe) {
			if (p[k].st != SMTP_ST_RSET &&
			    p[k].st != SMTP_ST_MAIL && t->mail.cls != RESULT_OK)
				break;
			if (p[k].st == SMTP_ST_DATA && t->accepted == 0)
				break;
			if (put_step(c, m, &p[k], r) < 0 ||
			    smtp_client_flush(c, r, st) < 0)
				return -1;
		}
		c->state = p[k].st;
		if (smtp_client_read_reply(c, r, st) < 0 ||
		    on_reply(c, t, &p[k], r) < 0)
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

	if (smtp_client_printf_cmd(c, &scratch, "DATA", ".") == 0 &&
	    smtp_client_flush(c, &scratch, "DATA") == 0)
		smtp_client_read_reply(c, &scratch, "end of DATA");
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
	const char *st = smtp_client_state_name(SMTP_ST_BODY);
	unsigned long long bytes = 0;
	enum smtp_data_status ds;
	char note[64];
	struct err e;

	c->state = SMTP_ST_BODY;
	ds = smtp_data_send(m->body, c->s, &bytes, &e);
	if (ds != SMTP_DATA_OK) {
		result_set(r, RESULT_TEMP,
		    ds == SMTP_DATA_READ_FAILED ? RESULT_SCOPE_MESSAGE :
		                                  RESULT_SCOPE_SESSION,
		    st,
		    ds == SMTP_DATA_READ_FAILED ? RESULT_ST_LOCAL :
		                                  RESULT_ST_DROPPED,
		    "%s", e.msg);
		c->state =
		    SMTP_ST_CLOSED; /* a partial body must never end with "." */
		return;
	}
	snprintf(note, sizeof(note), "(message body, %llu bytes)", bytes);
	smtp_client_trace(c, ">>>", note, strlen(note));
	smtp_client_trace(c, ">>>", ".", 1);
	if (smtp_client_flush(c, r, st) < 0)
		return;
	c->state = SMTP_ST_DOT;
	if (smtp_client_read_reply(c, r, smtp_client_state_name(SMTP_ST_DOT)) <
	    0) {
		lost_after_dot(r);
		return;
	}
	smtp_client_from_reply(c, r, RESULT_SCOPE_MESSAGE,
	    smtp_client_state_name(SMTP_ST_DOT));
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
		if (c->rs[i] == SMTP_RCPT_PENDING) {
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
	c->accepted = t.accepted;
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
		memset(c->rs, SMTP_RCPT_PENDING, m->nrcpts);
	c->accepted = 0;
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
		pending += c->rs[i] == SMTP_RCPT_PENDING;
	if (pending == 0)
		result_set(&r, RESULT_PERM, RESULT_SCOPE_MESSAGE, NULL,
		    RESULT_ST_BAD_RCPT, "no valid recipients");
	else
		transact(c, m, &r);
	return finish(c, m, &r, out);
}

size_t
smtp_client_accepted(const struct smtp_client *c)
{
	return c->accepted;
}

int
smtp_client_limit_reply(const struct result *r)
{
	if (r->cls != RESULT_TEMP || r->code < 400 || r->code > 499)
		return 0;
	if (!r->status_derived)
		return strcmp(r->status, "4.5.3") == 0;
	return r->code == 452;
}
