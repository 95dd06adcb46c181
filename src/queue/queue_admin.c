/* queue_admin.c — summary, show and the admin's actions on the queue (see
 * queue_admin.h; the JSON side is queue_admin_json.c). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "lib/i18n.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "queue/queue_admin.h"
#include "queue/queue_admin_int.h"

/* ---- summary ------------------------------------------------------------ */

void
queue_admin_summary_init(struct queue_admin_summary *s)
{
	memset(s, 0, sizeof(*s));
}

void
queue_admin_summary_add(struct queue_admin_summary *s,
    const struct envelope *env, time_t now)
{
	long long age = (long long)now - (long long)env->created;

	s->messages++;
	s->recipients_pending += envelope_count(env, RCPT_PENDING);
	if (env->flags & ENVELOPE_F_HELD)
		s->held++;
	if (env->attempts > 0)
		s->deferred++;
	if (env->flags & ENVELOPE_F_MAYBE_DELIVERED)
		s->maybe_delivered++;
	if (age > s->oldest_age)
		s->oldest_age = age;
}

void
queue_admin_summary_format(const struct queue_admin_summary *s, struct buf *out)
{
	buf_printf(out,
	    "messages: %zu\nrecipients_pending: %zu\nheld: %zu\n"
	    "deferred: %zu\nmaybe_delivered: %zu\ndamaged: %zu\n"
	    "oldest_age_seconds: %lld\n",
	    s->messages, s->recipients_pending, s->held, s->deferred,
	    s->maybe_delivered, s->damaged, s->oldest_age);
}

int
queue_admin_summary(struct queue *q, time_t now, struct queue_admin_summary *s,
    struct err *e)
{
	struct strv ids = STRV_INIT;
	struct envelope env;
	struct err re;
	size_t i;

	queue_admin_summary_init(s);
	if (queue_scan(q, &ids, e) < 0)
		return -1;
	for (i = 0; i < ids.n; i++) {
		err_clear(&re);
		if (queue_env_read(q, ids.v[i], &env, &re) == 0)
			queue_admin_summary_add(s, &env, now);
		else if (re.code != EX_NOINPUT)
			s->damaged++;
		envelope_free(&env);
	}
	strv_free(&ids);
	return 0;
}

/* ---- show ---------------------------------------------------------------- */

/* Appends n bytes at s for a terminal in log.h's UTF-8 form (TAB and
 * newline kept too when multiline). */
static void
add_term(struct buf *out, const char *s, size_t n, int multiline)
{
	log_sanitize_buf(out, s, n,
	    LOG_TEXT_UTF8 | (multiline ? LOG_TEXT_LINES : 0));
}

static void
add_line(struct buf *out, const char *indent, const char *label, const char *v)
{
	buf_printf(out, "%s%s: ", indent, label);
	add_term(out, v, strlen(v), 0);
	buf_addc(out, '\n');
}

/* "Sun Nov 22 10:00:00 2020 (1606039200)", or the text for 0. */
static void
add_time(struct buf *out, const char *indent, const char *label, time_t t,
    const char *zero)
{
	char when[64];
	struct tm tm;

	if (t == 0) {
		add_line(out, indent, label, zero);
		return;
	}
	if (localtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof(when), "%a %b %e %H:%M:%S %Y", &tm) == 0)
		when[0] = '\0';
	buf_printf(out, "%s%s: %s (%lld)\n", indent, label, when, (long long)t);
}

static void
show_status(struct buf *out, const struct envelope *env)
{
	buf_printf(out, "%s: %s", _("Status"),
	    (env->flags & ENVELOPE_F_HELD) ?
	        _("held (not delivered until released)") :
	        env->attempts > 0 ? _("deferred") :
	                            _("queued"));
	if (env->flags & ENVELOPE_F_MAYBE_DELIVERED)
		buf_printf(out, "; %s",
		    _("may already have been delivered "
		      "(connection lost after the final dot)"));
	buf_addc(out, '\n');
}

static void
show_dsn(struct buf *out, const struct envelope *env)
{
	if (env->ret != ENVELOPE_RET_UNSET)
		add_line(out, "", _("Return (DSN RET)"),
		    env->ret == ENVELOPE_RET_FULL ? "FULL" : "HDRS");
	if (env->envid != NULL)
		add_line(out, "", _("Envelope ID (DSN ENVID)"), env->envid);
	if (env->body != ENVELOPE_BODY_UNSET)
		add_line(out, "", _("Body type"),
		    env->body == ENVELOPE_BODY_8BITMIME ? "8BITMIME" : "7BIT");
}

static void
show_rcpt(struct buf *out, const struct rcpt *r)
{
	const char *in = "    ";
	struct buf b = BUF_INIT;

	buf_printf(&b, "<%s>", r->addr);
	add_line(out, "", _("Recipient"), buf_cstr(&b));
	add_line(out, in, _("State"), envelope_state_name(r->state));
	if (r->notify != 0) {
		buf_reset(&b);
		rcpt_notify_format(r->notify, &b);
		add_line(out, in, _("Notify"), buf_cstr(&b));
	}
	if (r->orcpt != NULL)
		add_line(out, in, _("Original recipient"), r->orcpt);
	buf_printf(out, "%s%s: %u\n", in, _("Attempts"), r->attempts);
	add_time(out, in, _("Last attempt"), r->last_attempt, _("never"));
	if (r->reply.text != NULL) {
		buf_reset(&b);
		rcpt_reply_format(&r->reply, &b);
		add_line(out, in, _("Last reply"), buf_cstr(&b));
	}
	buf_free(&b);
}

void
queue_admin_show_format(struct buf *out, const struct envelope *env,
    const char *hdr, size_t hlen, int truncated)
{
	struct buf b = BUF_INIT;
	size_t i;

	add_line(out, "", _("Queue ID"), env->id ? env->id : "?");
	show_status(out, env);
	add_time(out, "", _("Arrival"), env->created, "-");
	buf_printf(out, "%s: %llu\n", _("Size (bytes)"), env->size);
	buf_printf(&b, "<%s>", env->sender ? env->sender : "");
	add_line(out, "", _("Sender"), buf_cstr(&b));
	buf_reset(&b);
	buf_printf(&b, "%s (uid %lu)", env->user ? env->user : "?",
	    (unsigned long)env->uid);
	add_line(out, "", _("Queued by"), buf_cstr(&b));
	show_dsn(out, env);
	buf_printf(out, "%s: %u\n", _("Attempts"), env->attempts);
	add_time(out, "", _("Last attempt"), env->last_attempt, _("never"));
	add_time(out, "", _("Next attempt"), env->next_attempt,
	    _("at the next flush"));
	if (env->last_error != NULL)
		add_line(out, "", _("Last error"), env->last_error);
	for (i = 0; i < env->nrcpt; i++)
		show_rcpt(out, &env->rcpt[i]);
	buf_addc(out, '\n');
	if (hdr == NULL) {
		buf_printf(out, "%s\n", _("(the message file is missing)"));
	} else {
		add_term(out, hdr, hlen, 1);
		if (truncated)
			buf_printf(out, "%s\n",
			    _("(header section cut here: too long)"));
	}
	buf_free(&b);
}

/* Reads the header section of message id (up to and including the blank
 * line, at most QUEUE_ADMIN_HEADERS_MAX bytes) into hdr.  Returns 0, 1
 * when cut, 2 when the file is missing, -1 on error. */
static int
read_headers(struct queue *q, const char *id, struct buf *hdr, struct err *e)
{
	char *path = queue_body_path(q, id), chunk[8192], *end;
	ssize_t n;
	int fd, rc = 1;

	fd = queue_open_file(path, e);
	if (fd < 0) {
		rc = errno == ENOENT ? 2 : -1;
		goto out;
	}
	while (hdr->len < QUEUE_ADMIN_HEADERS_MAX) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = err_sys(e, EX_IOERR, errno, _("cannot read %s"),
			    path);
			goto out;
		}
		if (n == 0) {
			rc = 0;
			break;
		}
		buf_add(hdr, chunk, (size_t)n);
		if (hdr->data[0] == '\n' ||
		    memmem(hdr->data, hdr->len, "\n\n", 2)) {
			rc = 0;
			break;
		}
	}
	end = hdr->data == NULL  ? NULL :
	    hdr->data[0] == '\n' ? hdr->data :
	                           memmem(hdr->data, hdr->len, "\n\n", 2);
	if (end != NULL)
		hdr->len = (size_t)(end - hdr->data) + 1;
	else if (hdr->len > QUEUE_ADMIN_HEADERS_MAX)
		hdr->len = QUEUE_ADMIN_HEADERS_MAX;
	buf_cstr(hdr);
out:
	if (fd >= 0)
		close(fd);
	free(path);
	return rc;
}

static int
no_such(struct err *e, const char *id)
{
	char safe[80];

	log_sanitize_utf8(safe, sizeof(safe), id, strlen(id));
	return err_set(e, EX_NOINPUT,
	    _("%s: no such message in the queue "
	      "(list the queue with mailq)"),
	    safe);
}

int
queue_admin_show(struct queue *q, const char *id, int json, struct buf *out,
    struct err *e)
{
	struct buf hdr = BUF_INIT;
	struct envelope env;
	int rc = -1, h;

	envelope_init(&env);
	if (!queue_id_valid(id)) {
		no_such(e, id);
		goto out;
	}
	if (queue_env_read(q, id, &env, e) < 0) {
		if (e->code == EX_NOINPUT)
			no_such(e, id);
		goto out;
	}
	if ((h = read_headers(q, id, &hdr, e)) < 0)
		goto out;
	if (json) {
		queue_admin_json_open(out, &env);
		buf_adds(out, ",\"headers\":");
		if (h == 2)
			buf_adds(out, "null");
		else
			queue_admin_json_string(out, hdr.data ? hdr.data : "",
			    hdr.len);
		buf_adds(out, "}\n");
	} else {
		queue_admin_show_format(out, &env,
		    h == 2       ? NULL :
		        hdr.data ? hdr.data :
		                   "",
		    hdr.len, h == 1);
	}
	rc = 0;
out:
	envelope_free(&env);
	buf_free(&hdr);
	return rc;
}

/* ---- actions ------------------------------------------------------------- */

const char *
queue_admin_action_name(enum queue_admin_action action)
{
	switch (action) {
	case QUEUE_ADMIN_DELETE:
		return "deleted";
	case QUEUE_ADMIN_HOLD:
		return "held";
	case QUEUE_ADMIN_RELEASE:
		return "released";
	case QUEUE_ADMIN_RETRY:
		return "due now";
	}
	return "?";
}

/* Changes env for a hold, release or retry; sets *note. */
static void
change(struct envelope *env, enum queue_admin_action action, time_t now,
    unsigned *note)
{
	unsigned held = env->flags & ENVELOPE_F_HELD;

	if (action == QUEUE_ADMIN_HOLD) {
		*note |= held ? QUEUE_ADMIN_NOTE_SAME : 0;
		env->flags |= ENVELOPE_F_HELD;
	} else if (action == QUEUE_ADMIN_RELEASE) {
		*note |= held ? 0 : QUEUE_ADMIN_NOTE_SAME;
		env->flags &= ~ENVELOPE_F_HELD;
	} else {
		*note |= held ? QUEUE_ADMIN_NOTE_HELD : 0;
		env->next_attempt = now;
	}
}

/* The message is locked (or has no body): do the action. */
static int
apply_locked(struct queue *q, enum queue_admin_action action, const char *id,
    time_t now, unsigned *note, struct err *e)
{
	struct envelope env;
	int rc = -1;

	envelope_init(&env);
	if (action == QUEUE_ADMIN_DELETE) {
		rc = queue_remove(q, id, e);
		goto out;
	}
	if (queue_env_read(q, id, &env, e) < 0) {
		if (e->code == EX_NOINPUT)
			no_such(e, id);
		else
			err_wrap(e,
			    _("%s: not changed (delete it, or repair the "
			      "envelope)"),
			    id);
		goto out;
	}
	change(&env, action, now, note);
	rc = (*note & QUEUE_ADMIN_NOTE_SAME) ? 0 : queue_env_write(q, &env, e);
out:
	envelope_free(&env);
	return rc;
}

int
queue_admin_apply(struct queue *q, enum queue_admin_action action,
    const char *id, time_t now, unsigned *note, struct err *e)
{
	char *envp = NULL;
	unsigned nt = 0;
	int fd = -1, rc = -1, lr;

	if (!queue_id_valid(id))
		return no_such(e, id);
	lr = queue_lock(q, id, &fd, e);
	if (lr < 0)
		goto out;
	if (lr == 1) {
		err_set(e, EX_TEMPFAIL,
		    _("%s is being delivered right now; try "
		      "again in a moment"),
		    id);
		goto out;
	}
	if (lr == 2) {
		/* No body: only an envelope without its message (not a state
		 * of doc/QUEUE.md; a foreign hand) can be deleted. */
		envp = queue_env_path(q, id);
		if (access(envp, F_OK) < 0) {
			no_such(e, id);
			goto out;
		}
		if (action != QUEUE_ADMIN_DELETE) {
			err_set(e, EX_DATAERR,
			    _("%s: the message file is missing; "
			      "delete the message"),
			    id);
			goto out;
		}
	}
	if (apply_locked(q, action, id, now, &nt, e) < 0)
		goto out;
	if (!(nt & QUEUE_ADMIN_NOTE_SAME))
		log_msg(LOG_INFO,
		    "%s: %s by the queue owner's request (uid %lu)", id,
		    queue_admin_action_name(action), (unsigned long)q->uid);
	if (note != NULL)
		*note = nt;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(envp);
	return rc;
}
