/* flush_message.c — one message over a session: lock it, read its
 * envelope, send it to its pending recipients (flush_txn.c), record each
 * result, then remove it, bounce it or schedule its next try (see
 * flush.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "flush/deadletter.h"
#include "flush/flush_int.h"
#include "flush/retry.h"
#include "lib/buf.h"
#include "lib/i18n.h"
#include "lib/log.h"
#include "lib/xalloc.h"

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
log_rcpt(struct attempt *a, const struct rcpt *rc, const struct result *r,
    enum result_action act)
{
	char status[RESULT_TEXT_MAX + 64];
	/* No session: name the last endpoint tried, not "none". */
	const char *relay = a->local ? "dead.letter" :
	    a->ss                    ? a->ss->peer :
	    a->f->last_peer[0]       ? a->f->last_peer :
	                               "none";

	result_format(r, status, sizeof(status));
	if (act == RESULT_ACTION_RETRY && r->cls == RESULT_UNKNOWN)
		log_msg(LOG_WARNING,
		    "%s: to=<%s>, relay=%s, delay=%.1f, %s; the message "
		    "may have been delivered and will be sent again",
		    a->env.id, rc->addr, relay,
		    clock_now_precise(a->f->o->clock) - (double)a->env.created,
		    status);
	else
		log_msg(act == RESULT_ACTION_DONE ? LOG_INFO : LOG_WARNING,
		    "%s: to=<%s>, relay=%s, delay=%.1f, %s", a->env.id,
		    rc->addr, relay,
		    clock_now_precise(a->f->o->clock) - (double)a->env.created,
		    status);
}

/* Applies this attempt's results not applied yet to the envelope; returns
 * how many. */
size_t
attempt_record(struct attempt *a)
{
	size_t i, n = 0;

	for (i = 0; i < a->env.nrcpt; i++) {
		struct rcpt *rc = &a->env.rcpt[i];
		struct result *r = &a->res[i];
		enum result_action act;

		if (!a->tried[i] || a->recorded[i])
			continue;
		a->recorded[i] = 1;
		n++;
		act = result_action(r);
		flusher_note(a->f, r);
		log_rcpt(a, rc, r, act);
		rc->attempts++;
		rc->last_attempt = a->f->now;
		result_reply(r, &rc->reply);
		if (act == RESULT_ACTION_DONE)
			rc->state = RCPT_DONE;
		else if (act == RESULT_ACTION_BOUNCE)
			rc->state = RCPT_FAILED;
		else if (r->cls == RESULT_UNKNOWN)
			a->env.flags |= ENVELOPE_F_MAYBE_DELIVERED;
	}
	return n;
}

/* Expired: every pending recipient fails with 4.4.7 and the last error. */
static void
expire(struct attempt *a)
{
	size_t i;

	for (i = 0; i < a->env.nrcpt; i++) {
		struct rcpt *rc = &a->env.rcpt[i];
		char text[RESULT_TEXT_MAX];
		struct buf last = BUF_INIT;

		if (rc->state != RCPT_PENDING)
			continue;
		rcpt_reply_format(&rc->reply, &last);
		snprintf(text, sizeof(text),
		    "message expired after %lld days in the queue; "
		    "last error: %s",
		    (long long)(a->f->now - a->env.created) / 86400,
		    rc->reply.text        ? buf_cstr(&last) :
		        a->env.last_error ? a->env.last_error :
		                            "none");
		buf_free(&last);
		result_set(&a->res[i], RESULT_PERM, RESULT_SCOPE_RCPT, NULL,
		    "4.4.7", "%s", text);
		rc->state = RCPT_FAILED;
		rcpt_reply_set(&rc->reply, 0, NULL, a->res[i].text);
		a->tried[i] = 2;
		flusher_note(a->f, &a->res[i]);
		log_msg(LOG_WARNING, "%s: to=<%s>, status=expired (%s)",
		    a->env.id, rc->addr, text);
	}
}

/* The first failed recipient's reply, for on_failure and dead.letter,
 * into out; returns its text (borrowed from out). */
static const char *
first_failure(const struct envelope *env, struct buf *out)
{
	size_t i;

	buf_reset(out);
	for (i = 0; i < env->nrcpt; i++)
		if (env->rcpt[i].state == RCPT_FAILED &&
		    env->rcpt[i].reply.text) {
			rcpt_reply_format(&env->rcpt[i].reply, out);
			return buf_cstr(out);
		}
	buf_adds(out, env->last_error ? env->last_error : "");
	return buf_cstr(out);
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
	struct buf ff = BUF_INIT;
	size_t i, nwant = 0, ndue = 0;
	struct err e;
	int rc = 0;

	for (i = 0; i < a->env.nrcpt; i++) {
		const struct rcpt *rr = &a->env.rcpt[i];

		if (rr->state != RCPT_FAILED || rr->reported != 0)
			continue;
		due[i] = 1;
		ndue++;
		if (a->env.sender[0] != '\0' &&
		    ((rr->notify & RCPT_NOTIFY_NEVER) ||
		        (rr->notify != 0 &&
		            !(rr->notify & RCPT_NOTIFY_FAILURE))))
			continue;
		which[i] = 1;
		why[i] = a->tried[i] ? &a->res[i] : NULL;
		nwant++;
	}
	if (nwant > 0 && a->env.sender[0] == '\0') {
		if (flush_deadletter(a->f, &a->env, first_failure(&a->env, &ff),
		        &e) < 0) {
			result_set(r, RESULT_TEMP, RESULT_SCOPE_MESSAGE, NULL,
			    RESULT_ST_LOCAL,
			    "undeliverable notice kept in the queue: "
			    "cannot write dead.letter: %s",
			    e.msg);
			rc = -1;
		}
	} else if (nwant > 0 &&
	    flush_bounce(a->f, &a->env, which, why, 0, &e) < 0) {
		result_set(r, RESULT_TEMP, RESULT_SCOPE_MESSAGE, NULL,
		    RESULT_ST_LOCAL,
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
	buf_free(&ff);
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
	struct buf ff = BUF_INIT;
	size_t i, nall = 0;
	struct err e;

	for (i = 0; i < a->env.nrcpt; i++)
		if (a->env.rcpt[i].state == RCPT_FAILED) {
			failed[i] = 1;
			nall++;
		}
	if (nall == 0)
		a->f->st->sent++;
	else
		a->f->st->bounced++;
	if (nall > 0)
		flush_onfailure(a->f, &a->env, ONFAILURE_FAILED, failed,
		    first_failure(&a->env, &ff));
	buf_free(&ff);
	/* Gone for this process at once; durable for the machine at the next
	 * flusher_sync_removals (every FLUSH_SYNC_EVERY messages and at the
	 * end of the run): a power loss in between can only resend. */
	if (queue_remove_unsynced(q, a->env.id, &e) < 0) {
		log_msg(LOG_ERR, "%s: cannot remove the delivered message: %s",
		    a->env.id, e.msg);
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
		struct rcpt *rc = &a->env.rcpt[i];

		if (rc->state != RCPT_PENDING ||
		    !(rc->notify & RCPT_NOTIFY_DELAY))
			continue;
		which[i] = 1;
		why[i] = a->tried[i] && a->res[i].cls != RESULT_OK ?
		    &a->res[i] :
		    NULL;
		n++;
	}
	if (n > 0 && a->env.sender[0] != '\0' &&
	    flush_bounce(a->f, &a->env, which, why, 1, &e) < 0)
		log_msg(LOG_ERR, "%s: cannot send a delay warning: %s",
		    a->env.id, e.msg);
	else if (n == 0)
		log_msg(LOG_INFO,
		    "%s: delayed for %llds; no delay warning was asked for",
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

	attempt_record(a);
	retry_defaults(&p);
	p.min_backoff = a->f->o->conf->retry_min;
	p.max_backoff = a->f->o->conf->retry_max;
	p.lifetime = a->f->o->conf->queue_lifetime;
	p.warn_after = a->f->o->conf->queue_warn;
	if (envelope_count(&a->env, RCPT_PENDING) > 0 &&
	    retry_expired(&p, a->env.created, a->f->now))
		expire(a);
	if (envelope_settle_flags(&a->env))
		log_msg(LOG_INFO,
		    "%s: no recipient pending after a maybe-delivered "
		    "retry; flag cleared",
		    a->env.id);
	result_clear(&nr);
	reported = report_failures(a, &nr);
	pending = envelope_count(&a->env, RCPT_PENDING);
	if (pending == 0 && reported == 0) {
		finish_message(a, q);
		return;
	}
	a->f->st->deferred++;
	a->env.attempts++;
	a->env.last_attempt = a->f->now;
	a->env.next_attempt = retry_next(&p, a->env.attempts, a->f->now,
	    clock_random(a->f->o->clock));
	if (reported < 0)
		last = &nr;
	for (i = 0; i < a->env.nrcpt; i++)
		if (a->tried[i] && a->env.rcpt[i].state == RCPT_PENDING &&
		    result_severity_cmp(&a->res[i], last) > 0)
			last = &a->res[i];
	result_diagnostic(last, diag, sizeof(diag));
	envelope_set(&a->env.last_error, diag);
	if (pending > 0)
		warn_delayed(a, &p);
	if (queue_env_write(q, &a->env, &e) < 0)
		log_msg(LOG_ERR, "%s: cannot record the delivery state: %s",
		    a->env.id, e.msg);
}

/* Lists the pending recipients as the ones to send. */
static void
build(struct attempt *a)
{
	size_t i, n = a->env.nrcpt;

	a->res = xcalloc(n, sizeof(*a->res));
	a->tried = xcalloc(n, 1);
	a->recorded = xcalloc(n, 1);
	a->todo = xcalloc(n, sizeof(*a->todo));
	a->map = xcalloc(n, sizeof(*a->map));
	a->rcpts = xcalloc(n, sizeof(*a->rcpts));
	for (i = 0; i < n; i++) {
		struct rcpt *rc = &a->env.rcpt[i];

		if (rc->state != RCPT_PENDING)
			continue;
		a->todo[a->ntodo++] = i;
	}
}

/* Every recipient still to send gets r for this attempt. */
void
attempt_settle_rest(struct attempt *a, const struct result *r)
{
	for (; a->head < a->ntodo; a->head++) {
		a->res[a->todo[a->head]] = *r;
		a->tried[a->todo[a->head]] = 1;
	}
}

static void
attempt_free(struct attempt *a)
{
	free(a->rcpts);
	free(a->map);
	free(a->todo);
	free(a->res);
	free(a->tried);
	free(a->recorded);
	envelope_free(&a->env);
}

int
flush_message(struct flusher *f, struct session *ss, const char *id,
    const struct result *sess_r)
{
	struct queue *q = f->o->queue;
	struct attempt a;
	struct result r;
	struct err e;
	int lockfd = -1, l;

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
		return f->open ? 0 : -1;
	}
	if (queue_env_read(q, id, &a.env, &e) < 0) {
		log_msg(LOG_ERR, "%s: %s", id, e.msg);
		goto done;
	}
	if ((a.env.flags & ENVELOPE_F_HELD) || !flush_has_work(&a.env))
		goto done;
	build(&a);
	if (a.ntodo == 0) {
		/* Only a report is owed: its notice could not be queued in an
		 * earlier run (dispose tries again; no session needed). */
		result_clear(&r);
		a.ss = NULL;
	} else if (flush_local_notice(&a.env)) {
		/* A notice for a local-only sender: dead.letter, never the
		 * network (the smarthost would reject or misroute it). */
		result_clear(&r);
		if (flush_deadletter(f, &a.env,
		        "notice for a local-only sender", &e) < 0)
			result_set(&r, RESULT_TEMP, RESULT_SCOPE_MESSAGE, NULL,
			    RESULT_ST_LOCAL, "%s", e.msg);
		else
			result_set(&r, RESULT_OK, RESULT_SCOPE_MESSAGE, NULL,
			    "2.0.0", "appended to dead.letter");
		attempt_settle_rest(&a, &r);
		a.ss = NULL;
		a.local = 1;
	} else if (ss == NULL) {
		/* Nothing about this message: due again with the next
		 * session (flush.c, take_waiting). */
		r = *sess_r;
		attempt_settle_rest(&a, &r);
		a.env.flags |= ENVELOPE_F_SESSION;
	} else {
		a.env.flags &= ~ENVELOPE_F_SESSION;
		attempt_send(&a, &r);
	}
	dispose(&a, &r);
done:
	attempt_free(&a);
	close(lockfd);
	return f->open ? 0 : -1;
}
