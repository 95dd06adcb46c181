/* flush_message.c — one message over a session: lock it, read its
 * envelope, send it to its pending recipients, record each result, then
 * remove it, bounce it or schedule its next try (see flush.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <sysexits.h>
#include <unistd.h>

#include "buf.h"
#include "deadletter.h"
#include "flush_int.h"
#include "i18n.h"
#include "log.h"
#include "pace.h"
#include "retry.h"
#include "smtp_data.h"
#include "xalloc.h"

struct attempt {
	struct flusher *f;
	struct session *ss;
	struct envelope env;
	size_t n;                    /* recipients in this attempt */
	size_t *map;                 /* attempt index → env recipient index */
	struct smtp_rcpt *rcpts;
	struct buf *notify;          /* per attempt recipient */
	struct result *res;          /* per env recipient; cls OK = untouched */
	unsigned char *tried;        /* per env recipient */
	struct result msg;
	int local;                   /* a notice kept in dead.letter */
};

void
flusher_sync_removals(struct flusher *f)
{
	struct err e;

	if (f->unsynced == 0)
		return;
	if (queue_sync_removals(f->o->queue, &e) < 0)
		log_msg(LOG_ERR, "%s", e.msg);
	f->unsynced = 0;
}

void
flusher_note(struct flusher *f, const struct result *r)
{
	if (result_severity_cmp(r, &f->worst) > 0)
		f->worst = *r;
}

static void
on_rcpt(void *ctx, size_t i, const struct result *r)
{
	struct attempt *a = ctx;

	a->res[a->map[i]] = *r;
}

static void
on_message(void *ctx, const struct result *r)
{
	((struct attempt *)ctx)->msg = *r;
}

static int
needs_smtputf8(const struct envelope *env)
{
	size_t i;
	const char *p;

	for (p = env->sender; *p; p++)
		if ((unsigned char)*p >= 0x80)
			return 1;
	for (i = 0; i < env->nrcpt; i++)
		for (p = env->rcpt[i].addr; *p; p++)
			if ((unsigned char)*p >= 0x80)
				return 1;
	return 0;
}

static double
now_precise(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}


static void
log_rcpt(struct attempt *a, const struct envelope_rcpt *rc, const struct result *r,
    enum result_action act)
{
	char status[RESULT_TEXT_MAX + 64];
	/* No session: name the last endpoint tried, not "none". */
	const char *relay = a->local ? "dead.letter" : a->ss ? a->ss->peer :
	    a->f->last_peer[0] ? a->f->last_peer : "none";

	result_format(r, status, sizeof(status));
	if (act == RESULT_ACTION_RETRY && r->cls == RESULT_UNKNOWN)
		log_msg(LOG_WARNING, "%s: to=<%s>, relay=%s, delay=%.1f, %s; the message "
		    "may have been delivered and will be sent again", a->env.id, rc->addr,
		    relay, now_precise() - (double)a->env.created,
		    status);
	else
		log_msg(act == RESULT_ACTION_DONE ? LOG_INFO : LOG_WARNING,
		    "%s: to=<%s>, relay=%s, delay=%.1f, %s", a->env.id, rc->addr,
		    relay, now_precise() - (double)a->env.created,
		    status);
}

/* Applies this attempt's results to the envelope. */
static void
record(struct attempt *a)
{
	char diag[RESULT_TEXT_MAX + 32];
	size_t i;

	for (i = 0; i < a->env.nrcpt; i++) {
		struct envelope_rcpt *rc = &a->env.rcpt[i];
		struct result *r = &a->res[i];
		enum result_action act;

		if (!a->tried[i])
			continue;
		act = result_action(r);
		flusher_note(a->f, r);
		log_rcpt(a, rc, r, act);
		rc->attempts++;
		rc->last_attempt = a->f->now;
		result_diagnostic(r, diag, sizeof(diag));
		envelope_set(&rc->reply, diag);
		if (act == RESULT_ACTION_DONE)
			rc->state = ENVELOPE_RCPT_DONE;
		else if (act == RESULT_ACTION_BOUNCE)
			rc->state = ENVELOPE_RCPT_FAILED;
		else if (r->cls == RESULT_UNKNOWN)
			a->env.flags |= ENVELOPE_F_MAYBE_DELIVERED;
	}
}

/* Expired: every pending recipient fails with 4.4.7 and the last error. */
static void
expire(struct attempt *a)
{
	size_t i;

	for (i = 0; i < a->env.nrcpt; i++) {
		struct envelope_rcpt *rc = &a->env.rcpt[i];
		char text[RESULT_TEXT_MAX];

		if (rc->state != ENVELOPE_RCPT_PENDING)
			continue;
		snprintf(text, sizeof(text), "message expired after %lld days in the queue; "
		    "last error: %s", (long long)(a->f->now - a->env.created) / 86400,
		    rc->reply ? rc->reply : a->env.last_error ? a->env.last_error : "none");
		result_set(&a->res[i], RESULT_PERM, RESULT_SCOPE_RCPT, NULL, "4.4.7", "%s", text);
		rc->state = ENVELOPE_RCPT_FAILED;
		envelope_set(&rc->reply, a->res[i].text);
		a->tried[i] = 2;
		flusher_note(a->f, &a->res[i]);
		log_msg(LOG_WARNING, "%s: to=<%s>, status=expired (%s)", a->env.id,
		    rc->addr, text);
	}
}

/* The first failed recipient's reply, for on_failure and dead.letter. */
static const char *
first_failure(const struct envelope *env)
{
	size_t i;

	for (i = 0; i < env->nrcpt; i++)
		if (env->rcpt[i].state == ENVELOPE_RCPT_FAILED && env->rcpt[i].reply)
			return env->rcpt[i].reply;
	return env->last_error ? env->last_error : "";
}

/* Reports the recipients that failed and were not reported yet, all in
 * one notice per message and run (doc/QUEUE.md, "Failure notices"): to
 * the sender, or, for a notice itself (sender <>), into dead.letter.
 * Each is marked reported only once the notice is safely queued; those
 * that asked for no notice are marked at once.  Returns 0, or -1 with r
 * (temporary, local) when the notice could not be queued: they stay
 * unreported, and the message stays queued until it can be. */
static int
report_failures(struct attempt *a, struct result *r)
{
	const struct result **why = xcalloc(a->env.nrcpt, sizeof(*why));
	unsigned char *which = xcalloc(a->env.nrcpt, 1);
	unsigned char *due = xcalloc(a->env.nrcpt, 1);
	size_t i, nwant = 0, ndue = 0;
	struct err e;
	int rc = 0;

	for (i = 0; i < a->env.nrcpt; i++) {
		const struct envelope_rcpt *rr = &a->env.rcpt[i];

		if (rr->state != ENVELOPE_RCPT_FAILED || rr->reported != 0)
			continue;
		due[i] = 1;
		ndue++;
		if (a->env.sender[0] != '\0' && ((rr->notify & ENVELOPE_NOTIFY_NEVER) ||
		    (rr->notify != 0 && !(rr->notify & ENVELOPE_NOTIFY_FAILURE))))
			continue;
		which[i] = 1;
		why[i] = a->tried[i] ? &a->res[i] : NULL;
		nwant++;
	}
	if (nwant > 0 && a->env.sender[0] == '\0') {
		if (flush_deadletter(a->f, &a->env, first_failure(&a->env), &e) < 0) {
			result_set(r, RESULT_TEMP, RESULT_SCOPE_MESSAGE, NULL,
			    RESULT_ST_LOCAL, "undeliverable notice kept in the queue: "
			    "cannot write dead.letter: %s", e.msg);
			rc = -1;
		}
	} else if (nwant > 0 && flush_bounce(a->f, &a->env, which, why, 0, &e) < 0) {
		result_set(r, RESULT_TEMP, RESULT_SCOPE_MESSAGE, NULL, RESULT_ST_LOCAL,
		    "message kept in the queue: cannot queue its failure notice: %s",
		    e.msg);
		rc = -1;
	}
	if (rc < 0) {
		log_msg(LOG_ERR, "%s: %s", a->env.id, r->text);
		flusher_note(a->f, r);
	} else {
		for (i = 0; i < a->env.nrcpt; i++)
			if (due[i])
				a->env.rcpt[i].reported = a->f->now;
	}
	free(why);
	free(which);
	free(due);
	return rc;
}

/* Nothing pending, every failure reported: alert the admin, then remove
 * the message. */
static void
finish_message(struct attempt *a, struct queue *q)
{
	unsigned char *failed = xcalloc(a->env.nrcpt, 1);
	size_t i, nall = 0;
	struct err e;

	for (i = 0; i < a->env.nrcpt; i++)
		if (a->env.rcpt[i].state == ENVELOPE_RCPT_FAILED) {
			failed[i] = 1;
			nall++;
		}
	if (nall == 0)
		a->f->st->sent++;
	else
		a->f->st->bounced++;
	if (nall > 0)
		flush_onfailure(a->f, &a->env, ONFAILURE_FAILED, failed,
		    first_failure(&a->env));
	/* Gone for this process at once; durable for the machine at the next
	 * flusher_sync_removals (every FLUSH_SYNC_EVERY messages and at the
	 * end of the run): a power loss in between can only resend. */
	if (queue_remove_unsynced(q, a->env.id, &e) < 0) {
		log_msg(LOG_ERR, "%s: cannot remove the delivered message: %s", a->env.id, e.msg);
		/* At least record that nobody is pending, so that no later run
		 * sends it again. */
		if (queue_env_write(q, &a->env, &e) < 0)
			log_msg(LOG_ERR, "%s: %s", a->env.id, e.msg);
	} else {
		log_msg(LOG_INFO, "%s: removed", a->env.id);
		if (++a->f->unsynced >= FLUSH_SYNC_EVERY)
			flusher_sync_removals(a->f);
	}
	free(failed);
}

/* The delay warning, once per message after queue_warn: a DSN "delayed"
 * to the sender for the pending recipients that asked for it (-N ...DELAY;
 * none without -N), and the on_failure "delayed" event in any case. */
static void
warn_delayed(struct attempt *a, const struct retry_policy *p)
{
	const struct result **why;
	unsigned char *which;
	size_t i, n = 0;
	struct err e;

	if ((a->env.flags & ENVELOPE_F_WARNED) ||
	    !retry_warn_due(p, a->env.created, a->f->now))
		return;
	why = xcalloc(a->env.nrcpt, sizeof(*why));
	which = xcalloc(a->env.nrcpt, 1);
	for (i = 0; i < a->env.nrcpt; i++) {
		struct envelope_rcpt *rc = &a->env.rcpt[i];

		if (rc->state != ENVELOPE_RCPT_PENDING || !(rc->notify & ENVELOPE_NOTIFY_DELAY))
			continue;
		which[i] = 1;
		why[i] = a->tried[i] && a->res[i].cls != RESULT_OK ? &a->res[i] : NULL;
		n++;
	}
	if (n > 0 && a->env.sender[0] != '\0' &&
	    flush_bounce(a->f, &a->env, which, why, 1, &e) < 0)
		log_msg(LOG_ERR, "%s: cannot send a delay warning: %s", a->env.id, e.msg);
	else if (n == 0)
		log_msg(LOG_INFO, "%s: delayed for %llds; no delay warning was asked for",
		    a->env.id, (long long)(a->f->now - a->env.created));
	flush_onfailure(a->f, &a->env, ONFAILURE_DELAYED, NULL,
	    a->env.last_error ? a->env.last_error : "");
	a->env.flags |= ENVELOPE_F_WARNED;
	free(why);
	free(which);
}

static void
dispose(struct attempt *a, const struct result *last)
{
	struct queue *q = a->f->o->queue;
	struct retry_policy p;
	struct result nr;
	struct err e;
	char diag[RESULT_TEXT_MAX + 32];
	size_t i, pending;
	int reported;

	record(a);
	retry_defaults(&p);
	p.min_backoff = a->f->o->conf->retry_min;
	p.max_backoff = a->f->o->conf->retry_max;
	p.lifetime = a->f->o->conf->queue_lifetime;
	p.warn_after = a->f->o->conf->queue_warn;
	if (envelope_count(&a->env, ENVELOPE_RCPT_PENDING) > 0 &&
	    retry_expired(&p, a->env.created, a->f->now))
		expire(a);
	if (envelope_settle_flags(&a->env))
		log_msg(LOG_INFO, "%s: no recipient pending after a maybe-delivered "
		    "retry; flag cleared", a->env.id);
	result_clear(&nr);
	reported = report_failures(a, &nr);
	pending = envelope_count(&a->env, ENVELOPE_RCPT_PENDING);
	if (pending == 0 && reported == 0) {
		finish_message(a, q);
		return;
	}
	a->f->st->deferred++;
	a->env.attempts++;
	a->env.last_attempt = a->f->now;
	a->env.next_attempt = retry_next(&p, a->env.attempts, a->f->now,
	    (double)random() / ((double)RAND_MAX + 1.0));
	if (reported < 0)
		last = &nr;
	for (i = 0; i < a->env.nrcpt; i++)
		if (a->tried[i] && a->env.rcpt[i].state == ENVELOPE_RCPT_PENDING &&
		    result_severity_cmp(&a->res[i], last) > 0)
			last = &a->res[i];
	result_diagnostic(last, diag, sizeof(diag));
	envelope_set(&a->env.last_error, diag);
	if (pending > 0)
		warn_delayed(a, &p);
	if (queue_env_write(q, &a->env, &e) < 0)
		log_msg(LOG_ERR, "%s: cannot record the delivery state: %s", a->env.id, e.msg);
}

/* Builds the attempt's recipient list from the pending recipients. */
static void
build(struct attempt *a)
{
	size_t i;

	a->res = xcalloc(a->env.nrcpt, sizeof(*a->res));
	a->tried = xcalloc(a->env.nrcpt, 1);
	a->map = xcalloc(a->env.nrcpt, sizeof(*a->map));
	a->rcpts = xcalloc(a->env.nrcpt, sizeof(*a->rcpts));
	a->notify = xcalloc(a->env.nrcpt, sizeof(*a->notify));
	for (i = 0; i < a->env.nrcpt; i++) {
		struct envelope_rcpt *rc = &a->env.rcpt[i];

		if (rc->state != ENVELOPE_RCPT_PENDING)
			continue;
		a->map[a->n] = i;
		a->tried[i] = 1;
		a->rcpts[a->n].addr = rc->addr;
		a->rcpts[a->n].orcpt = rc->orcpt;
		if (rc->notify != 0) {
			envelope_notify_format(rc->notify, &a->notify[a->n]);
			a->rcpts[a->n].notify = buf_cstr(&a->notify[a->n]);
		}
		a->n++;
	}
}

static void
attempt_free(struct attempt *a)
{
	size_t i;

	for (i = 0; a->notify != NULL && i < a->env.nrcpt; i++)
		buf_free(&a->notify[i]);
	free(a->notify);
	free(a->rcpts);
	free(a->map);
	free(a->res);
	free(a->tried);
	envelope_free(&a->env);
}

static double
now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* messages_per_minute: sleeps until the next message may start. */
static void
pace(struct flusher *f)
{
	double w = pace_wait(f->o->conf->messages_per_minute, f->last_start, now_mono());

	if (w > 0) {
		struct timespec ts;

		ts.tv_sec = (time_t)w;
		ts.tv_nsec = (long)((w - (double)ts.tv_sec) * 1e9);
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
	f->last_start = now_mono();
}

/* The size SIZE= declares (RFC 1870 counts CRLF line ends; the queue
 * keeps LF): measured from the queued body just before it is sent, so an
 * envelope of any version serves.  Reading the body once more costs one
 * pass of memchr over data the transfer reads next from the page cache
 * (15 ms for 14 MB on the loaded test machine).  On failure the stored size is used; the
 * transfer then reports the unreadable body. */
unsigned long long
flush_wire_size(const char *path, unsigned long long stored)
{
	unsigned long long size;
	struct stream in;
	struct err e;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return stored;
	stream_init_fd(&in, fd, 0, path);
	if (smtp_data_size(&in, &size, &e) != SMTP_DATA_OK)
		size = stored;
	stream_close(&in);
	return size;
}

/* Sends the message over the session; returns 0 when the session goes on. */
static int
send_it(struct attempt *a, struct session *ss, struct result *r)
{
	struct queue *q = a->f->o->queue;
	struct smtp_msg m;
	struct stream body;
	struct err e;
	char *path = queue_body_path(q, a->env.id);
	int fd, rc;

	fd = queue_open_file(path, &e);
	if (fd < 0) {
		result_set(r, RESULT_TEMP, RESULT_SCOPE_MESSAGE, NULL, RESULT_ST_LOCAL,
		    "cannot open the queued message: %s", e.msg);
		free(path);
		return 0;
	}
	memset(&m, 0, sizeof(m));
	m.size = flush_wire_size(path, a->env.size);
	stream_init_fd(&body, fd, 0, path);
	free(path);
	m.sender = a->env.sender;
	m.rcpts = a->rcpts;
	m.nrcpts = a->n;
	m.eightbit = a->env.body == ENVELOPE_BODY_8BITMIME;
	m.smtputf8 = needs_smtputf8(&a->env);
	m.utf8_headers = (a->env.flags & ENVELOPE_F_UTF8_HEADERS) != 0;
	m.ret = a->env.ret == ENVELOPE_RET_FULL ? "FULL" :
	    a->env.ret == ENVELOPE_RET_HDRS ? "HDRS" : NULL;
	m.envid = a->env.envid;
	m.body = &body;
	ss->cfg.on_rcpt = on_rcpt;
	ss->cfg.on_message = on_message;
	ss->cfg.cb_ctx = a;
	pace(a->f);
	rc = smtp_client_send(ss->client, &m, r);
	ss->nmsgs++;
	flusher_contact(a->f, ss->peer, r);
	stream_close(&body);
	return rc;
}

int
flush_message(struct flusher *f, struct session *ss, const char *id,
    const struct result *sess_r)
{
	struct queue *q = f->o->queue;
	struct attempt a;
	struct result r;
	struct err e;
	int lockfd = -1, rc = 0, l;
	size_t i;

	memset(&a, 0, sizeof(a));
	a.f = f;
	a.ss = ss;
	envelope_init(&a.env);
	l = queue_lock(q, id, &lockfd, &e);
	if (l != 0) {
		if (l == 1)
			f->st->busy++;
		else if (l < 0)
			log_msg(LOG_ERR, "%s: %s", id, e.msg);
		return 0;
	}
	if (queue_env_read(q, id, &a.env, &e) < 0) {
		log_msg(LOG_ERR, "%s: %s", id, e.msg);
		goto done;
	}
	if ((a.env.flags & ENVELOPE_F_HELD) || !flush_has_work(&a.env))
		goto done;
	build(&a);
	if (a.n == 0) {
		/* Only a report is owed: its notice could not be queued in an
		 * earlier run (dispose tries again; no session needed). */
		result_clear(&r);
		a.ss = NULL;
	} else if (flush_local_notice(&a.env)) {
		/* A notice for a local-only sender: dead.letter, never the
		 * network (the smarthost would reject or misroute it). */
		result_clear(&r);
		if (flush_deadletter(f, &a.env, "notice for a local-only sender", &e) < 0)
			result_set(&r, RESULT_TEMP, RESULT_SCOPE_MESSAGE, NULL, RESULT_ST_LOCAL,
			    "%s", e.msg);
		else
			result_set(&r, RESULT_OK, RESULT_SCOPE_MESSAGE, NULL, "2.0.0",
			    "appended to dead.letter");
		for (i = 0; i < a.n; i++)
			a.res[a.map[i]] = r;
		a.ss = NULL;
		a.local = 1;
	} else if (ss == NULL) {
		/* Nothing about this message: due again with the next
		 * session (flush.c, take_waiting). */
		r = *sess_r;
		for (i = 0; i < a.n; i++)
			a.res[a.map[i]] = r;
		a.env.flags |= ENVELOPE_F_SESSION;
	} else {
		a.env.flags &= ~ENVELOPE_F_SESSION;
		result_clear(&r);
		rc = send_it(&a, ss, &r);
		if (r.cls != RESULT_OK && r.scope == RESULT_SCOPE_MESSAGE && r.code == 0 &&
		    strcmp(r.status, RESULT_ST_LOCAL) == 0)
			for (i = 0; i < a.n; i++)
				a.res[a.map[i]] = r;
	}
	dispose(&a, &r);
done:
	attempt_free(&a);
	close(lockfd);
	return rc;
}
