/* mode_send.c — the message from stdin into the queue: sendmail -bm, -t. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "frontend/frontend.h"
#include "lib/i18n.h"
#include "lib/log.h"
#include "queue/envelope.h"
#include "submit/input.h"
#include "submit/submit.h"

void
fe_submit_ctx(struct fe *fe, struct submit_ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->id = &fe->id;
	c->rw = &fe->rw;
	c->queue = &fe->queue;
	c->sender = fe->opt.sender;
	c->full_name = fe->opt.full_name;
	c->from_address = fe->conf.from_address;
	c->extract_rcpts = fe->opt.extract_rcpts;
	c->hop_count = fe->opt.hop_count;
	c->max_hops = fe->opt.max_hops;
	c->notify = fe->opt.notify;
	c->ret = fe->opt.ret == CLI_RET_FULL ? ENVELOPE_RET_FULL :
	    fe->opt.ret == CLI_RET_HDRS      ? ENVELOPE_RET_HDRS :
	                                       ENVELOPE_RET_UNSET;
	c->body = fe->opt.body == CLI_BODY_7BIT ? ENVELOPE_BODY_7BIT :
	    fe->opt.body == CLI_BODY_8BITMIME   ? ENVELOPE_BODY_8BITMIME :
	                                          ENVELOPE_BODY_UNSET;
	c->envid = fe->opt.envid;
	c->now = time(NULL);
}

/* Reads stdin into s.  Returns 0 or -1. */
static int
read_message(struct fe *fe, struct submission *s, struct err *e)
{
	struct input in;
	const char *p;
	size_t n;
	int eol, r;

	input_init(&in, STDIN_FILENO, 0, !fe->opt.ignore_dots);
	while ((r = input_next(&in, &p, &n, &eol, e)) == 1)
		if (submit_line(s, p, n, eol, e) < 0) {
			r = -1;
			break;
		}
	input_free(&in);
	return r;
}

int
fe_deliver(struct fe *fe)
{
	struct submit_ctx c;
	struct submission *s = NULL;
	struct rcpt_list given = RCPT_LIST_INIT;
	const struct rcpt_list *queued;
	const char *qid;
	struct err e;
	size_t i;
	int rc;

	if (!fe->opt.extract_rcpts && fe->opt.args.n == 0) {
		err_set(&e, EX_USAGE,
		    _("no recipients given; name them as arguments, "
		      "or use -t to take them from the headers"));
		return fe_refuse(fe, &e);
	}
	if (fe_rewrite_setup(fe, &e) < 0 || fe_queue_open(fe, &e) < 0)
		goto fail;
	fe_submit_ctx(fe, &c);
	/* Each argument (an address list) with -N's NOTIFY, no ORCPT. */
	for (i = 0; i < fe->opt.args.n; i++)
		rcpt_list_add(&given, fe->opt.args.v[i], NULL, fe->opt.notify);
	c.rcpts = &given;
	s = submit_begin(&c, &e);
	if (s == NULL || read_message(fe, s, &e) < 0 ||
	    submit_end(s, &qid, &e) < 0)
		goto fail;
	queued = submit_recipients(s);
	log_msg(LOG_INFO, "%s: uid=%lu from=<%s> nrcpt=%zu queued", qid,
	    (unsigned long)fe->id.uid, c.sender ? c.sender : fe->id.user,
	    queued->n);
	if (fe->opt.verbose)
		for (i = 0; i < queued->n; i++)
			fprintf(stderr, _("%s: %s: queued for <%s>\n"),
			    fe->progname, qid, queued->v[i].addr);
	submit_free(s);
	rcpt_list_free(&given);
	fe_after_queue(fe);
	return EX_OK;
fail:
	submit_free(s);
	rcpt_list_free(&given);
	err_wrap(&e, _("cannot queue message"));
	/* A problem with the message is reported as ErrorMode says; one with
	 * the queue itself cannot be mailed back through that same queue. */
	rc = e.code == EX_CANTCREAT || e.code == EX_IOERR ||
	        e.code == EX_TEMPFAIL || e.code == EX_CONFIG ?
	    fe_fail(fe, &e) :
	    fe_refuse(fe, &e);
	return rc;
}
