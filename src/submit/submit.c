/* submit.c — one message from its lines to the queue (see submit.h):
 * the public face, the queue file, the commit.  Addresses are in
 * submit_addrs.c, the header policy in submit_headers.c. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/i18n.h"
#include "lib/utf8.h"
#include "lib/xalloc.h"
#include "queue/envelope.h"
#include "submit/submit_int.h"
#include "submit/tmpguard.h"

#define SUBMIT_WBUF (64 * 1024)

static int
flush_out(struct submission *s, struct err *e)
{
	if (s->out.len == 0)
		return 0;
	if (durable_write_all(s->msg.body.fd, s->out.data, s->out.len,
	        s->msg.body.path, e) < 0)
		return -1;
	buf_reset(&s->out);
	return 0;
}

int
submit_emit(struct submission *s, const char *p, size_t n, struct err *e)
{
	if (!s->eightbit && utf8_any_8bit(p, n))
		s->eightbit = 1;
	buf_add(&s->out, p, n);
	s->size += n;
	return s->out.len >= SUBMIT_WBUF ? flush_out(s, e) : 0;
}

/* Drains the parser's events; at END runs the policy and writes the line
 * that ended the headers, if any, as the first body line. */
static int
drain(struct submission *s, struct err *e)
{
	struct rfc5322_event ev;
	enum rfc5322_ev t;

	while ((t = rfc5322_next(&s->parser, &ev)) != RFC5322_NONE) {
		if (t == RFC5322_FIELD) {
			headers_collect(&s->hl, &ev);
		} else if (t == RFC5322_END) {
			if (submit_header_policy(s, e) < 0)
				return -1;
			if (ev.line != NULL &&
			    (submit_emit(s, ev.line, ev.line_len, e) < 0 ||
			        submit_emit(s, "\n", 1, e) < 0))
				return -1;
		} else if (t == RFC5322_BODY) {
			if (submit_emit(s, ev.line, ev.line_len, e) < 0 ||
			    submit_emit(s, "\n", 1, e) < 0)
				return -1;
		}
	}
	return 0;
}

/* ---- the public face ---------------------------------------------------- */

struct submission *
submit_begin(const struct submit_ctx *c, struct err *e)
{
	struct submission *s = xcalloc(1, sizeof(*s));

	s->c = c;
	sigset_t old;
	int rc;

	rfc5322_init(&s->parser);
	headers_init(&s->hl);
	/* Killed while stdin streams in, the front end removes tmp/ID. */
	tmpguard_block(&old);
	rc = queue_msg_create(c->queue, &s->msg, e);
	if (rc == 0)
		(void)tmpguard_arm(s->msg.body.path);
	tmpguard_unblock(&old);
	if (rc < 0) {
		submit_free(s);
		return NULL;
	}
	s->created = 1;
	return s;
}

int
submit_line(struct submission *s, const char *p, size_t n, int eol,
    struct err *e)
{
	int r;

	if (s->failed)
		return err_set(e, EX_SOFTWARE, "submit_line after a failure");
	if (s->in_body) {
		r = submit_emit(s, p, n, e);
		if (r == 0 && eol)
			r = submit_emit(s, "\n", 1, e);
	} else if (!eol || s->pending.len > 0) {
		if (s->pending.len + n > RFC5322_MAX_LINE) {
			r = err_set(e, EX_DATAERR,
			    _("a header line of the message is "
			      "longer than %u bytes"),
			    RFC5322_MAX_LINE);
		} else {
			buf_add(&s->pending, p, n);
			r = 0;
			if (eol) {
				r = rfc5322_push(&s->parser, s->pending.data,
				    s->pending.len, e);
				if (r == 0)
					r = drain(s, e);
				buf_reset(&s->pending);
			}
		}
	} else {
		r = rfc5322_push(&s->parser, p, n, e);
		if (r == 0)
			r = drain(s, e);
	}
	if (r < 0)
		s->failed = 1;
	return r;
}

int
submit_end(struct submission *s, const char **qid, struct err *e)
{
	const struct submit_ctx *c = s->c;
	struct envelope env;
	size_t i;
	int rc = -1;

	envelope_init(&env);
	if (s->failed)
		return err_set(e, EX_SOFTWARE, "submit_end after a failure");
	if (!s->in_body) {
		if (s->pending.len > 0 &&
		    (rfc5322_push(&s->parser, s->pending.data, s->pending.len,
		         e) < 0 ||
		        drain(s, e) < 0))
			goto done;
		if (rfc5322_finish(&s->parser, e) < 0 || drain(s, e) < 0)
			goto done;
	}
	if (flush_out(s, e) < 0)
		goto done;
	envelope_set(&env.sender, s->sender);
	env.created = c->now;
	env.uid = c->id->uid;
	envelope_set(&env.user, c->id->user);
	env.ret = (enum envelope_ret)c->ret;
	envelope_set(&env.envid, c->envid);
	env.body =
	    s->eightbit ? ENVELOPE_BODY_8BITMIME : (enum envelope_body)c->body;
	if (s->utf8_headers)
		env.flags |= ENVELOPE_F_UTF8_HEADERS;
	for (i = 0; i < s->rcpts.n; i++) {
		struct rcpt *r = envelope_add_rcpt(&env, s->rcpts.v[i].addr);

		r->notify = s->rcpts.v[i].notify;
		envelope_set(&r->orcpt, s->rcpts.v[i].orcpt);
	}
	if (queue_msg_commit(c->queue, &s->msg, &env, e) < 0)
		goto done;
	tmpguard_disarm();
	s->committed = 1;
	*qid = s->msg.id;
	rc = 0;
done:
	if (rc < 0)
		s->failed = 1;
	envelope_free(&env);
	return rc;
}

const struct rcpt_list *
submit_recipients(const struct submission *s)
{
	return &s->rcpts;
}

void
submit_free(struct submission *s)
{
	if (s == NULL)
		return;
	if (s->created && !s->committed) {
		queue_msg_abort(s->c->queue, &s->msg);
		tmpguard_disarm();
	}
	rfc5322_free(&s->parser);
	headers_free(&s->hl);
	buf_free(&s->pending);
	buf_free(&s->out);
	free(s->sender);
	rcpt_list_free(&s->rcpts);
	free(s);
}
