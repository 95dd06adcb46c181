/* mailq.c — the queue listing (see mailq.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "lib/i18n.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "queue/mailq.h"

static const char *const wday[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri",
	"Sat" };
static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* Appends s sanitised for a terminal (UTF-8 kept: log.h). */
static void
add_safe(struct buf *out, const char *s)
{
	log_sanitize_buf(out, s, strlen(s), LOG_TEXT_UTF8);
}

void
mailq_begin(struct mailq *m, struct buf *out)
{
	m->out = out;
	m->bytes = 0;
	m->n = 0;
	m->owners = 0;
	m->owner = NULL;
}

void
mailq_begin_owners(struct mailq *m, struct buf *out)
{
	mailq_begin(m, out);
	m->owners = 1;
}

void
mailq_owner(struct mailq *m, const char *owner)
{
	m->owner = owner;
}

/* The owner column: the name sanitised, padded to 8, and a space. */
static void
add_owner(struct mailq *m)
{
	size_t before = m->out->len;

	add_safe(m->out, m->owner != NULL ? m->owner : "?");
	while (m->out->len - before < 8)
		buf_addc(m->out, ' ');
	buf_addc(m->out, ' ');
}

static void
header(struct mailq *m)
{
	if (m->n++ == 0)
		buf_printf(m->out,
		    "-Queue ID-  --Size-- ----Arrival Time---- "
		    "%s-Sender/Recipient-------\n",
		    m->owners ? "-Owner-- " : "");
}

/* The reason a pending recipient is still queued: its own last reply
 * (formatted into out) when it was tried in the last attempt, else the
 * message's last error (a connection that failed before RCPT leaves the
 * recipient's reply old).  NULL when there is neither. */
static const char *
rcpt_reason(const struct envelope *env, const struct rcpt *r, struct buf *out)
{
	if (r->reply.text != NULL && r->last_attempt >= env->last_attempt) {
		buf_reset(out);
		rcpt_reply_format(&r->reply, out);
		return buf_cstr(out);
	}
	return env->last_error;
}

static void
add_reason(struct mailq *m, const char *why)
{
	buf_addc(m->out, '(');
	add_safe(m->out, why);
	buf_adds(m->out, ")\n");
}

void
mailq_add(struct mailq *m, const struct envelope *env)
{
	struct buf cur = BUF_INIT, last = BUF_INIT;
	const char *why;
	int shown = 0;
	time_t t = env->created;
	struct tm tm;
	size_t i;

	header(m);
	m->bytes += env->size;
	if (localtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	buf_printf(m->out, "%-10s%c%9llu %s %s %2d %02d:%02d:%02d  ",
	    env->id ? env->id : "?", (env->flags & ENVELOPE_F_HELD) ? '!' : ' ',
	    env->size, wday[(unsigned)tm.tm_wday % 7],
	    mon[(unsigned)tm.tm_mon % 12], tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec);
	if (m->owners)
		add_owner(m);
	add_safe(m->out,
	    env->sender && env->sender[0] ? env->sender : "MAILER-DAEMON");
	buf_addc(m->out, '\n');
	if (env->flags & ENVELOPE_F_MAYBE_DELIVERED)
		buf_adds(m->out, MAILQ_MAYBE_DELIVERED "\n");
	for (i = 0; i < env->nrcpt; i++) {
		if (env->rcpt[i].state != RCPT_PENDING)
			continue;
		why = rcpt_reason(env, &env->rcpt[i], &cur);
		if (why != NULL &&
		    (!shown || strcmp(why, buf_cstr(&last)) != 0))
			add_reason(m, why);
		if (why != NULL) {
			buf_reset(&last);
			buf_adds(&last, why);
			shown = 1;
		}
		buf_printf(m->out, "%*s", m->owners ? 50 : 41, "");
		add_safe(m->out, env->rcpt[i].addr);
		buf_addc(m->out, '\n');
	}
	if (!shown && env->last_error != NULL)
		add_reason(m, env->last_error);
	buf_addc(m->out, '\n');
	buf_free(&cur);
	buf_free(&last);
}

void
mailq_add_damaged(struct mailq *m, const char *id, const char *why)
{
	header(m);
	buf_printf(m->out, "%-10s  ", id);
	if (m->owners)
		add_owner(m);
	buf_adds(m->out, "(damaged envelope: ");
	add_safe(m->out, why);
	buf_adds(m->out, ")\n\n");
}

void
mailq_end(struct mailq *m)
{
	if (m->n == 0) {
		buf_adds(m->out, "Mail queue is empty\n");
		return;
	}
	buf_printf(m->out, "-- %llu Kbytes in %zu Request%s.\n",
	    (m->bytes + 1023) / 1024, m->n, m->n == 1 ? "" : "s");
}

int
mailq_list(struct queue *q, struct buf *out, struct err *e)
{
	struct strv ids = STRV_INIT;
	struct envelope env;
	struct err re;
	struct mailq m;
	size_t i;

	if (queue_scan(q, &ids, e) < 0)
		return -1;
	mailq_begin(&m, out);
	for (i = 0; i < ids.n; i++) {
		err_clear(&re);
		if (queue_env_read(q, ids.v[i], &env, &re) == 0)
			mailq_add(&m, &env);
		else if (re.code != EX_NOINPUT)
			mailq_add_damaged(&m, ids.v[i], re.msg);
		envelope_free(&env);
	}
	mailq_end(&m);
	strv_free(&ids);
	return 0;
}

int
mailq_print(struct queue *q, FILE *fp, struct err *e)
{
	struct buf b = BUF_INIT;
	int rc;

	rc = mailq_list(q, &b, e);
	if (rc == 0 &&
	    (fwrite(b.data, 1, b.len, fp) != b.len || fflush(fp) != 0))
		rc = err_sys(e, EX_IOERR, errno,
		    _("cannot write the queue listing"));
	buf_free(&b);
	return rc;
}
