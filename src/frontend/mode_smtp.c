/* mode_smtp.c — sendmail -bs: SMTP on stdin/stdout, each message through the
 * same submission engine as -t, 250 only once it is on disk. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "frontend/frontend.h"
#include "lib/i18n.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "message/addr.h"
#include "queue/envelope.h"
#include "submit/smtp_server.h"
#include "submit/submit.h"

struct bs {
	struct fe *fe;
	struct submit_ctx c;
	char *sender;
	char *envid;
	struct rcpt_list rcpts; /* RCPT TO, each with its ORCPT and NOTIFY */
	struct submission *s;
	int queued; /* messages committed in this session */
};

static void
bs_reset(void *ctx)
{
	struct bs *b = ctx;

	submit_free(b->s);
	b->s = NULL;
	free(b->sender);
	b->sender = NULL;
	free(b->envid);
	b->envid = NULL;
	rcpt_list_free(&b->rcpts);
}

static int
bs_mail(void *ctx, const struct smtp_server_mail *m, struct err *e)
{
	struct bs *b = ctx;

	if (rewrite_check_text(m->sender, _("sender"), e) < 0)
		return -1;
	bs_reset(b);
	fe_submit_ctx(b->fe, &b->c);
	b->sender = xstrdup(m->sender[0] == '\0' ? "<>" : m->sender);
	b->c.sender = b->sender;
	b->c.extract_rcpts = 0;
	b->c.rcpts = &b->rcpts;
	if (m->body != NULL)
		b->c.body = strcasecmp(m->body, "8BITMIME") == 0 ?
		    ENVELOPE_BODY_8BITMIME :
		    ENVELOPE_BODY_7BIT;
	if (m->ret != NULL)
		b->c.ret =
		    m->ret[0] == 'F' ? ENVELOPE_RET_FULL : ENVELOPE_RET_HDRS;
	if (m->envid != NULL) {
		/* m is the protocol's, freed when this hook returns: copy. */
		b->envid = xstrdup(m->envid);
		b->c.envid = b->envid;
	}
	return 0;
}

static int
bs_rcpt(void *ctx, const struct rcpt *r, struct err *e)
{
	struct bs *b = ctx;
	struct addr_mailbox mb;

	if (rewrite_check_text(r->addr, _("recipient"), e) < 0)
		return -1;
	/* RCPT TO names one mailbox: no lists, groups or the null path. */
	if (addr_parse_sender(r->addr, &mb, e) < 0)
		return err_set(e, EX_DATAERR,
		    _("RCPT TO must name exactly one address"));
	if (mb.local[0] == '\0') {
		addr_mailbox_free(&mb);
		return err_set(e, EX_DATAERR,
		    _("RCPT TO must name exactly one address"));
	}
	addr_mailbox_free(&mb);
	/* NOTIFY= given, else -N's. */
	rcpt_list_add(&b->rcpts, r->addr, r->orcpt,
	    r->notify != 0 ? r->notify : b->c.notify);
	return 0;
}

static int
bs_data_begin(void *ctx, struct err *e)
{
	struct bs *b = ctx;

	b->c.now = time(NULL);
	b->s = submit_begin(&b->c, e);
	return b->s == NULL ? -1 : 0;
}

static int
bs_data_line(void *ctx, const char *line, size_t len, int eol, struct err *e)
{
	struct bs *b = ctx;

	return submit_line(b->s, line, len, eol, e);
}

static int
bs_data_end(void *ctx, const char **id, struct err *e)
{
	struct bs *b = ctx;

	if (submit_end(b->s, id, e) < 0)
		return -1;
	log_msg(LOG_INFO, "%s: uid=%lu from=<%s> nrcpt=%zu queued (smtp)", *id,
	    (unsigned long)b->fe->id.uid, b->sender,
	    submit_recipients(b->s)->n);
	b->queued++;
	/* *id stays valid: the submission is freed at the next MAIL/RSET. */
	return 0;
}

static const struct smtp_server_hooks bs_hooks = {
	bs_mail,
	bs_rcpt,
	bs_data_begin,
	bs_data_line,
	bs_data_end,
	bs_reset,
};

int
fe_smtp(struct fe *fe)
{
	struct stream in, out;
	struct smtp_server_limits lim = { 0, 0, 0 };
	struct bs b;
	struct err e;
	int r;

	memset(&b, 0, sizeof(b));
	b.fe = fe;
	if (fe_rewrite_setup(fe, &e) < 0 || fe_queue_open(fe, &e) < 0) {
		/* RFC 5321 §3.1: a server that cannot serve says 554 and waits
		 * for QUIT; for a pipe, saying it and ending is enough. */
		if (write(STDOUT_FILENO,
		        "554 5.3.0 relayq cannot queue mail\r\n", 36) < 0)
			e.code = EX_IOERR;
		return fe_fail(fe, &e);
	}
	stream_init_fd(&in, dup(STDIN_FILENO), 0, "stdin");
	stream_init_fd(&out, dup(STDOUT_FILENO), 0, "stdout");
	r = smtp_server_run(&in, &out, fe->id.fqdn, &lim, &bs_hooks, &b, &e);
	bs_reset(&b);
	stream_close(&in);
	stream_close(&out);
	if (b.queued > 0)
		fe_after_queue(fe);
	if (r < 0)
		return fe_fail(fe, &e);
	return EX_OK;
}
