/* flush_message.c — one message over a session: lock it, read its
 * envelope, send it to its pending recipients, record each result, then
 * remove it, bounce it or schedule its next try (see flush.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
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
	size_t *todo;                /* env indexes of the recipients still to
	                              * send, todo[head..ntodo) in order */
	size_t head, ntodo;
	size_t *map;                 /* transaction index → env index */
	struct smtp_rcpt *rcpts;     /* the transaction's recipients */
	struct buf *notify;          /* per env recipient */
	struct result *res;          /* per env recipient; cls OK = untouched */
	unsigned char *tried;        /* per env recipient: res is its result
	                              * for this attempt */
	unsigned char *recorded;     /* per env recipient: written to env */
	unsigned long long wsize;    /* SIZE=; 0 = not measured yet */
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

/* Applies this attempt's results not applied yet to the envelope; returns
 * how many. */
static size_t
record(struct attempt *a)
{
	char diag[RESULT_TEXT_MAX + 32];
	size_t i, n = 0;

	for (i = 0; i < a->env.nrcpt; i++) {
		struct envelope_rcpt *rc = &a->env.rcpt[i];
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
		result_diagnostic(r, diag, sizeof(diag));
		envelope_set(&rc->reply, diag);
		if (act == RESULT_ACTION_DONE)
			rc->state = ENVELOPE_RCPT_DONE;
		else if (act == RESULT_ACTION_BOUNCE)
			rc->state = ENVELOPE_RCPT_FAILED;
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

/* A notice (sender <>) failed for good: it goes to dead.letter, never
 * back to the network. */
static void
bury_notice(struct attempt *a)
{
	struct err e;

	if (flush_deadletter(a->f, &a->env, first_failure(&a->env), &e) < 0)
		log_msg(LOG_ERR, "%s: undeliverable notice lost: cannot write dead.letter: "
		    "%s", a->env.id, e.msg);
}

/* Bounce what failed, alert the admin, then remove the message. */
static void
finish_message(struct attempt *a, struct queue *q)
{
	const struct result **why = xcalloc(a->env.nrcpt, sizeof(*why));
	unsigned char *which = xcalloc(a->env.nrcpt, 1);
	unsigned char *failed = xcalloc(a->env.nrcpt, 1);
	size_t i, nfailed = 0, nall = 0;
	struct err e;

	for (i = 0; i < a->env.nrcpt; i++) {
		if (a->env.rcpt[i].state != ENVELOPE_RCPT_FAILED)
			continue;
		failed[i] = 1;
		nall++;
		if (a->env.rcpt[i].notify & ENVELOPE_NOTIFY_NEVER)
			continue;
		if (a->env.rcpt[i].notify != 0 &&
		    !(a->env.rcpt[i].notify & ENVELOPE_NOTIFY_FAILURE))
			continue;
		which[i] = 1;
		why[i] = a->tried[i] ? &a->res[i] : NULL;
		nfailed++;
	}
	if (nall > 0 && a->env.sender[0] == '\0') {
		a->f->st->bounced++;
		bury_notice(a);
	} else if (nfailed > 0) {
		a->f->st->bounced++;
		if (flush_bounce(a->f, &a->env, which, why, 0, &e) < 0)
			log_msg(LOG_ERR, "%s: cannot return a failure notice: %s", a->env.id, e.msg);
	} else if (nall == 0) {
		a->f->st->sent++;
	} else {
		a->f->st->bounced++;
	}
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
	free(why);
	free(which);
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
	struct err e;
	char diag[RESULT_TEXT_MAX + 32];
	size_t i;

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
	if (envelope_count(&a->env, ENVELOPE_RCPT_PENDING) == 0) {
		finish_message(a, q);
		return;
	}
	a->f->st->deferred++;
	a->env.attempts++;
	a->env.last_attempt = a->f->now;
	a->env.next_attempt = retry_next(&p, a->env.attempts, a->f->now,
	    (double)random() / ((double)RAND_MAX + 1.0));
	for (i = 0; i < a->env.nrcpt; i++)
		if (a->tried[i] && a->env.rcpt[i].state == ENVELOPE_RCPT_PENDING &&
		    result_severity_cmp(&a->res[i], last) > 0)
			last = &a->res[i];
	result_diagnostic(last, diag, sizeof(diag));
	envelope_set(&a->env.last_error, diag);
	warn_delayed(a, &p);
	if (queue_env_write(q, &a->env, &e) < 0)
		log_msg(LOG_ERR, "%s: cannot record the delivery state: %s", a->env.id, e.msg);
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
	a->notify = xcalloc(n, sizeof(*a->notify));
	for (i = 0; i < n; i++) {
		struct envelope_rcpt *rc = &a->env.rcpt[i];

		if (rc->state != ENVELOPE_RCPT_PENDING)
			continue;
		a->todo[a->ntodo++] = i;
		if (rc->notify != 0)
			envelope_notify_format(rc->notify, &a->notify[i]);
	}
}

/* Every recipient still to send gets r for this attempt. */
static void
settle_rest(struct attempt *a, const struct result *r)
{
	for (; a->head < a->ntodo; a->head++) {
		a->res[a->todo[a->head]] = *r;
		a->tried[a->todo[a->head]] = 1;
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
	free(a->todo);
	free(a->res);
	free(a->tried);
	free(a->recorded);
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
static unsigned long long
wire_size(const char *path, unsigned long long stored)
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

/* Moves the next transaction's recipients (at most f->rcpt_limit) from
 * todo into map/rcpts; returns how many. */
static size_t
take_batch(struct attempt *a)
{
	size_t k = a->ntodo - a->head, j;

	if (a->f->rcpt_limit > 0 && k > a->f->rcpt_limit)
		k = a->f->rcpt_limit;
	for (j = 0; j < k; j++) {
		size_t i = a->todo[a->head + j];
		struct envelope_rcpt *rc = &a->env.rcpt[i];

		a->map[j] = i;
		a->rcpts[j].addr = rc->addr;
		a->rcpts[j].orcpt = rc->orcpt;
		a->rcpts[j].notify = rc->notify != 0 ? buf_cstr(&a->notify[i]) : NULL;
		result_clear(&a->res[i]);
	}
	a->head += k;
	return k;
}

/* Puts the transaction's recipients marked in back[] (k of them) at the
 * front of todo again, in their order: they go in a later transaction. */
static void
put_back(struct attempt *a, size_t k, const unsigned char *back)
{
	size_t j, n = 0;

	for (j = 0; j < k; j++)
		n += back[j];
	a->head -= n;
	for (j = 0, n = 0; j < k; j++)
		if (back[j]) {
			a->todo[a->head + n++] = a->map[j];
			result_clear(&a->res[a->map[j]]);
		}
}

/* One transaction to the k recipients in map/rcpts over ss; returns 0
 * when the session goes on. */
static int
send_txn(struct attempt *a, struct session *ss, size_t k, struct result *r)
{
	struct queue *q = a->f->o->queue;
	struct smtp_msg m;
	struct stream body;
	struct err e;
	char *path = queue_body_path(q, a->env.id);
	size_t j;
	int fd, rc;

	fd = queue_open_file(path, &e);
	if (fd < 0) {
		result_set(r, RESULT_TEMP, RESULT_SCOPE_MESSAGE, NULL, RESULT_ST_LOCAL,
		    "cannot open the queued message: %s", e.msg);
		for (j = 0; j < k; j++)
			a->res[a->map[j]] = *r;
		free(path);
		return 0;
	}
	memset(&m, 0, sizeof(m));
	if (a->wsize == 0)
		a->wsize = wire_size(path, a->env.size);
	m.size = a->wsize;
	stream_init_fd(&body, fd, 0, path);
	free(path);
	m.sender = a->env.sender;
	m.rcpts = a->rcpts;
	m.nrcpts = k;
	m.eightbit = a->env.body == ENVELOPE_BODY_8BITMIME;
	m.smtputf8 = needs_smtputf8(&a->env);
	m.ret = a->env.ret == ENVELOPE_RET_FULL ? "FULL" :
	    a->env.ret == ENVELOPE_RET_HDRS ? "HDRS" : NULL;
	m.envid = a->env.envid;
	m.body = &body;
	ss->cfg.on_rcpt = on_rcpt;
	ss->cfg.on_message = on_message;
	ss->cfg.cb_ctx = a;
	rc = smtp_client_send(ss->client, &m, r);
	ss->ntxn++;
	flusher_contact(a->f, ss->peer, r);
	stream_close(&body);
	return rc;
}

/* 1 when r, the transaction's result, is about the whole message (MAIL,
 * DATA, the body, a local refusal), so that no later transaction of it can
 * fare better; 0 when only its recipients were refused. */
static int
message_failed(const struct result *r)
{
	if (r->cls == RESULT_OK)
		return 0;
	if (r->stage != NULL && strcmp(r->stage,
	    smtp_client_state_name(SMTP_ST_RCPT)) == 0)
		return 0;
	return !(r->code == 0 && strcmp(r->status, RESULT_ST_BAD_RCPT) == 0);
}

/* A recipient's result that only says the session ended under it: it may
 * go again over a new session (not a reply lost after the final dot). */
static int
session_lost(const struct result *r)
{
	return r->cls == RESULT_TEMP && (r->scope == RESULT_SCOPE_SESSION ||
	    r->code == 421);
}

/* What one transaction taught.  limited[j]: refused as one too many
 * (4.5.3); lost[j]: the session ended under it. */
struct txn_outcome {
	size_t k, accepted, nlimited, nlost;
	unsigned before;             /* transactions on the session before it */
	int closed;                  /* the server closed the session */
	unsigned char *limited, *lost;
};

static void
classify(struct attempt *a, struct txn_outcome *t)
{
	size_t j;

	for (j = 0; j < t->k; j++) {
		const struct result *x = &a->res[a->map[j]];

		t->limited[j] = x->stage != NULL && strcmp(x->stage,
		    smtp_client_state_name(SMTP_ST_RCPT)) == 0 &&
		    smtp_client_limit_reply(x);
		t->lost[j] = !t->limited[j] && t->closed && session_lost(x);
		t->nlimited += t->limited[j];
		t->nlost += t->lost[j];
	}
}

/* Settles every recipient of the transaction not marked in back[]. */
static void
settle_txn(struct attempt *a, size_t k, const unsigned char *back)
{
	size_t j;

	for (j = 0; j < k; j++)
		if (back == NULL || !back[j])
			a->tried[a->map[j]] = 1;
}

/* The server accepted t->accepted recipients and refused the next ones as
 * too many: send at most that many per transaction for the rest of the
 * run. */
static void
learn_rcpt_limit(struct attempt *a, const struct txn_outcome *t)
{
	struct flusher *f = a->f;

	if (f->rcpt_limit != 0 && f->rcpt_limit <= t->accepted)
		return;
	f->rcpt_limit = t->accepted;
	log_msg(LOG_INFO, "%s: %s accepted %zu recipients in one transaction and "
	    "refused more (4.5.3); sending at most %zu per transaction in this run",
	    a->env.id, a->ss->peer, t->accepted, t->accepted);
}

/* The server closed or limited the session after t->before transactions:
 * open a new one before that many from now on in this run. */
static void
learn_txn_limit(struct attempt *a, const struct txn_outcome *t, const char *why)
{
	struct flusher *f = a->f;

	if (t->before == 0 || (f->txn_limit != 0 && f->txn_limit <= t->before))
		return;
	f->txn_limit = t->before;
	log_msg(LOG_INFO, "%s: %s %s after %u transactions; opening a new session "
	    "after every %u in this run", a->env.id, a->ss->peer, why, t->before,
	    t->before);
}

/* The transaction ended the session, or the server refused it as one too
 * many for the session (t->closed 0): put what it did not take back for a
 * new session when that is allowed (the session had carried something, or
 * the server's recipient limit was just learned, and the reconnect budget
 * is not spent), else settle it.  Returns 1 when the message goes on over
 * a new session. */
static int
session_over(struct attempt *a, struct txn_outcome *t, const struct result *r,
    int learned)
{
	struct flusher *f = a->f;
	struct result left;
	unsigned char *back = t->closed ? t->lost : t->limited;
	size_t j;

	for (j = 0; t->closed && j < t->k; j++)
		back[j] |= t->limited[j];
	f->reconnects++;
	learn_txn_limit(a, t, t->closed ? "closed the session" :
	    "refused a transaction as one too many (4.5.3)");
	if ((t->before > 0 || learned) && f->reconnects <= FLUSH_MAX_RECONNECTS) {
		put_back(a, t->k, back);
		settle_txn(a, t->k, back);
		log_msg(LOG_INFO, "%s: %s ended the session (%s); going on over a "
		    "new one", a->env.id, a->ss->peer, r->text);
		if (f->open) {
			session_close(f->ss);
			f->open = 0;
		}
		return 1;
	}
	settle_txn(a, t->k, NULL);
	left = *r;
	if (left.cls != RESULT_TEMP || left.scope != RESULT_SCOPE_SESSION)
		result_set(&left, RESULT_TEMP, RESULT_SCOPE_SESSION, NULL,
		    RESULT_ST_DROPPED, "the session with %s ended before this "
		    "recipient's transaction (%s)", a->ss->peer, r->text);
	settle_rest(a, &left);
	if (f->open) {
		session_close(f->ss);
		f->open = 0;
	}
	return 0;
}

/* Records what is settled so far when more transactions follow, so that
 * a crash before the next one never resends to a recipient done now. */
static void
checkpoint(struct attempt *a)
{
	struct err e;

	if (a->head >= a->ntodo || record(a) == 0)
		return;
	if (queue_env_write(a->f->o->queue, &a->env, &e) < 0)
		log_msg(LOG_ERR, "%s: cannot record the delivery state: %s",
		    a->env.id, e.msg);
}

/* Sends the message to every recipient in todo, in transactions of at
 * most f->rcpt_limit, over the run's session and new ones when the server
 * ends or limits it (flush_message in flush_int.h).  r gets the last
 * transaction's result. */
static void
send_all(struct attempt *a, struct result *r)
{
	struct flusher *f = a->f;
	struct txn_outcome t;
	int rc;

	t.limited = xcalloc(a->env.nrcpt, 1);
	t.lost = xcalloc(a->env.nrcpt, 1);
	pace(f);
	a->ss->nmsgs++;
	while (a->head < a->ntodo) {
		if (!f->open || (f->txn_limit > 0 && a->ss->ntxn >= f->txn_limit)) {
			checkpoint(a);
			if (flusher_reopen(f, r) < 0) {
				settle_rest(a, r);
				break;
			}
			a->ss->nmsgs++;
		}
		memset(&t, 0, offsetof(struct txn_outcome, limited));
		t.before = a->ss->ntxn;
		t.k = take_batch(a);
		result_clear(r);
		rc = send_txn(a, a->ss, t.k, r);
		t.accepted = smtp_client_accepted(a->ss->client);
		t.closed = rc < 0;
		memset(t.limited, 0, t.k);
		memset(t.lost, 0, t.k);
		classify(a, &t);
		if (t.nlimited > 0 && t.accepted > 0) {
			/* RFC 5321 4.5.3.1.10: a recipient limit; the rest go
			 * in the next transactions. */
			learn_rcpt_limit(a, &t);
			if (t.closed) {
				if (!session_over(a, &t, r, 1))
					break;
				continue;
			}
			put_back(a, t.k, t.limited);
			settle_txn(a, t.k, t.limited);
		} else if (t.closed || (t.nlimited > 0 && t.before > 0)) {
			/* Closed (421, a lost connection), or a session
			 * limit: 4.5.3 with none accepted on a later
			 * transaction of the session. */
			if (!session_over(a, &t, r, 0))
				break;
			continue;
		} else {
			settle_txn(a, t.k, NULL);
		}
		if (message_failed(r)) {
			settle_rest(a, r);
			break;
		}
		checkpoint(a);
	}
	free(t.limited);
	free(t.lost);
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
	if ((a.env.flags & ENVELOPE_F_HELD) ||
	    envelope_count(&a.env, ENVELOPE_RCPT_PENDING) == 0)
		goto done;
	build(&a);
	if (flush_local_notice(&a.env)) {
		/* A notice for a local-only sender: dead.letter, never the
		 * network (the smarthost would reject or misroute it). */
		result_clear(&r);
		if (flush_deadletter(f, &a.env, "notice for a local-only sender", &e) < 0)
			result_set(&r, RESULT_TEMP, RESULT_SCOPE_MESSAGE, NULL, RESULT_ST_LOCAL,
			    "%s", e.msg);
		else
			result_set(&r, RESULT_OK, RESULT_SCOPE_MESSAGE, NULL, "2.0.0",
			    "appended to dead.letter");
		settle_rest(&a, &r);
		a.ss = NULL;
		a.local = 1;
	} else if (ss == NULL) {
		/* Nothing about this message: due again with the next
		 * session (flush.c, take_waiting). */
		r = *sess_r;
		settle_rest(&a, &r);
		a.env.flags |= ENVELOPE_F_SESSION;
	} else {
		a.env.flags &= ~ENVELOPE_F_SESSION;
		send_all(&a, &r);
	}
	dispose(&a, &r);
done:
	attempt_free(&a);
	close(lockfd);
	return f->open ? 0 : -1;
}
