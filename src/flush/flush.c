/* flush.c — one run over a queue: pick what is due, deliver it over one
 * session, summarise (see flush.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "flush/flush_int.h"
#include "lib/i18n.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "queue/runlock.h"

/* With a session open and a scan that found nothing new, how long a run
 * under the run lock waits for a kick before it says QUIT (a burst of
 * submissions is still committing), and how often it looks. */
#define FLUSH_LINGER_MS 300
#define FLUSH_LINGER_STEP_MS 10

static int
filter_match(const struct flush_filter *fl, const struct envelope *env)
{
	size_t i;
	int hit = 0;

	switch (fl->kind) {
	case 'I':
		hit = strstr(env->id, fl->substr) != NULL;
		break;
	case 'S':
		hit = strstr(env->sender, fl->substr) != NULL;
		break;
	case 'R':
		for (i = 0; i < env->nrcpt && !hit; i++)
			hit = env->rcpt[i].state == RCPT_PENDING &&
			    strstr(env->rcpt[i].addr, fl->substr) != NULL;
		break;
	}
	return fl->negate ? !hit : hit;
}

int
flush_has_work(const struct envelope *env)
{
	return envelope_count(env, RCPT_PENDING) > 0 ||
	    envelope_unreported(env) > 0;
}

int
flush_needs_session(const struct envelope *env)
{
	return envelope_count(env, RCPT_PENDING) > 0 &&
	    !flush_local_notice(env);
}

/* 1 when the message should be tried in this run; 2 when it waits only
 * for a session (deferred by a session-level failure, not due yet). */
static int
is_due(const struct flusher *f, const struct envelope *env)
{
	size_t i;

	if (env->flags & ENVELOPE_F_HELD)
		return 0;
	if (!flush_has_work(env))
		return 0;
	if (f->o->force && f->o->min_age > 0 && env->last_attempt != 0 &&
	    f->now - env->last_attempt < f->o->min_age)
		return 0;
	for (i = 0; i < f->o->nfilters; i++)
		if (!filter_match(&f->o->filters[i], env))
			return 0;
	if (!f->o->force && env->next_attempt > f->now)
		return (env->flags & ENVELOPE_F_SESSION) ? 2 : 0;
	return 1;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends to due the ids not in seen that are due (to local those that
 * need no session: notices for dead.letter, and messages that only owe a
 * failure notice); adds them to seen, which is
 * kept sorted (a queue of 10,000 is scanned in n log n). */
static int
select_due(struct flusher *f, struct strv *seen, struct strv *due,
    struct strv *local, struct err *e)
{
	struct strv ids = STRV_INIT;
	struct envelope env;
	struct err le;
	size_t i, before = seen->n;
	int d;

	if (queue_scan(f->o->queue, &ids, e) < 0)
		return -1;
	for (i = 0; i < ids.n; i++) {
		const char *key = ids.v[i];

		if (before > 0 &&
		    bsearch(&key, seen->v, before, sizeof(*seen->v), cmp_str))
			continue;
		strv_add(seen, ids.v[i]);
		envelope_init(&env);
		if (queue_env_read(f->o->queue, ids.v[i], &env, &le) < 0) {
			log_msg(LOG_ERR, "%s", le.msg);
		} else if ((d = is_due(f, &env)) == 1) {
			strv_add(flush_needs_session(&env) ? due : local,
			    ids.v[i]);
		} else if (d == 2) {
			strv_add(&f->waiting, ids.v[i]);
			if (env.last_attempt > f->wait_last)
				f->wait_last = env.last_attempt;
		}
		envelope_free(&env);
	}
	if (seen->n > before)
		qsort(seen->v, seen->n, sizeof(*seen->v), cmp_str);
	strv_free(&ids);
	return 0;
}

/* A session is open: what waited only for one is due now, in it. */
static void
take_waiting(struct flusher *f, struct strv *due)
{
	size_t i;

	f->opened = 1;
	for (i = 0; i < f->waiting.n; i++)
		strv_add(due, f->waiting.v[i]);
	if (f->waiting.n > 0)
		log_msg(LOG_INFO,
		    "a session is open: %zu messages deferred by "
		    "earlier session failures are due in it",
		    f->waiting.n);
	strv_free(&f->waiting);
}

/* Nothing is due but messages wait for a session: one of them opens it
 * (at most once per run, and not before half of retry_min has passed since
 * the last such try, so a smarthost that is down is not hammered).  The
 * rest follow once the session is open.  1 when due got one. */
static int
probe(struct flusher *f, struct strv *due)
{
	long long gap = f->o->conf->retry_min / 2;

	if (f->waiting.n == 0 || f->opened || f->probed || f->o->force ||
	    f->now - f->wait_last < gap)
		return 0;
	f->probed = 1;
	strv_add(due, f->waiting.v[0]);
	free(f->waiting.v[0]);
	memmove(f->waiting.v, f->waiting.v + 1,
	    (f->waiting.n - 1) * sizeof(*f->waiting.v));
	f->waiting.n--;
	return 1;
}

int
flusher_reopen(struct flusher *f, struct result *r)
{
	if (f->open) {
		session_close(f->ss);
		f->open = 0;
	}
	if (f->down) {
		*r = f->down_r;
		return -1;
	}
	if (f->reconnects > FLUSH_MAX_RECONNECTS)
		result_set(r, RESULT_TEMP, RESULT_SCOPE_SESSION, NULL,
		    RESULT_ST_DROPPED,
		    "the smarthost closed or limited %d sessions "
		    "in one run; trying again later",
		    f->reconnects);
	else if (session_open(f, f->ss, r) == 0) {
		f->open = 1;
		if (f->due != NULL)
			take_waiting(f, f->due);
		return 0;
	}
	/* A spool queue's own run that cannot read root's credential tries
	 * again with the next scan's messages (deliver leaves them alone). */
	if (!(f->o->guest && f->st->config_error)) {
		f->down = 1;
		f->down_r = *r;
	}
	return -1;
}

/* Delivers due[] over the run's session, opening it when needed and
 * leaving it open for the next rescan (flush_run closes it).  A new
 * connection is opened when the server closed one, a learned limit or
 * max_messages_per_connection was reached (flush_message reopens it
 * itself in the middle of a message). */
static void
deliver(struct flusher *f, struct strv *due)
{
	struct result sess_r;
	long limit = f->o->conf->max_per_connection;
	size_t i;

	f->due = due;
	for (i = 0; i < due->n; i++) {
		if (!f->open && flusher_reopen(f, &sess_r) < 0) {
			flusher_note(f, &sess_r);
			if (f->o->guest && f->st->config_error) {
				/* Not this run's queue to deliver: what
				 * it cannot set up (a credential only root
				 * can read) is not the messages' try. */
				log_msg(LOG_WARNING,
				    "%s: not delivered by uid %lu "
				    "(%s); root's relayq-flush --all-users "
				    "delivers this queue",
				    f->o->queue->dir, (unsigned long)getuid(),
				    sess_r.text);
				break;
			}
			/* Nothing can go now: every remaining message is
			 * deferred with the reason, none bounced for it. */
			for (; i < due->n; i++)
				flush_message(f, NULL, due->v[i], &sess_r);
			break;
		}
		flush_message(f, f->ss, due->v[i], NULL);
		if (f->open && limit > 0 &&
		    f->ss->nmsgs >= (unsigned long)limit) {
			session_close(f->ss);
			f->open = 0;
		}
	}
	f->due = NULL;
	flusher_sync_removals(f);
}

/* 1 when the queue was kicked within FLUSH_LINGER_MS (the session stays
 * open for the next scan), 0 when not. */
static int
linger(const struct flusher *f)
{
	int waited;

	for (waited = 0; waited < FLUSH_LINGER_MS;
	     waited += FLUSH_LINGER_STEP_MS) {
		if (runlock_kicked(f->o->queue))
			return 1;
		clock_sleep_ms(f->o->clock, FLUSH_LINGER_STEP_MS);
	}
	return runlock_kicked(f->o->queue);
}

int
flush_run(const struct flush_opts *o, struct flush_stats *st, struct err *e)
{
	struct flusher f;
	struct strv seen = STRV_INIT, due = STRV_INIT, local = STRV_INIT;
	size_t i;
	unsigned swept = 0;
	struct err le;
	int rc = -1, prepared = 0;

	memset(&f, 0, sizeof(f));
	memset(st, 0, sizeof(*st));
	f.o = o;
	f.st = st;
	f.now = clock_now(o->clock);
	f.last_start = -1;
	f.rcpt_limit =
	    o->conf->max_recipients > 0 ? (size_t)o->conf->max_recipients : 0;
	result_clear(&f.worst);
	f.ss = xcalloc(1, sizeof(*f.ss));
	if (queue_sweep(o->queue, f.now, &swept, &le) < 0)
		log_msg(LOG_WARNING, "%s", le.msg);
	/* Messages queued during the run (bounces, or by the front end while
	 * this run held the queue) are picked up by the rescan, which runs
	 * with the session still open: the QUIT goes out only after a rescan
	 * found nothing new.  Under the run lock each scan is preceded by
	 * consuming the kick (runlock.h), so a kick marked after the last
	 * scan is still there for flush_queue to see. */
	for (;;) {
		strv_free(&due);
		strv_free(&local);
		if (o->kick && runlock_take_kick(o->queue, &le) < 0)
			log_msg(LOG_WARNING, "%s", le.msg);
		if (select_due(&f, &seen, &due, &local, e) < 0)
			goto done;
		st->due += (unsigned)local.n;
		for (i = 0; i < local.n; i++)
			flush_message(&f, NULL, local.v[i], NULL);
		if (due.n == 0 && local.n == 0 && !probe(&f, &due)) {
			if (o->kick && f.open && linger(&f))
				continue;
			break;
		}
		if (due.n == 0)
			continue;
		if (!prepared) {
			if (flusher_prepare(&f, e) < 0)
				goto done;
			prepared = 1;
		}
		st->due += (unsigned)due.n;
		deliver(&f, &due);
	}
	st->exit_code = result_sysexit(&f.worst);
	rc = 0;
done:
	if (f.open)
		session_close(f.ss);
	free(f.ss);
	flusher_save_hoststat(&f);
	strv_free(&f.waiting);
	flusher_free(&f);
	strv_free(&seen);
	strv_free(&due);
	strv_free(&local);
	return rc;
}

static void
stats_add(struct flush_stats *sum, const struct flush_stats *one)
{
	sum->due += one->due;
	sum->sent += one->sent;
	sum->deferred += one->deferred;
	sum->bounced += one->bounced;
	sum->busy += one->busy;
	sum->sessions += one->sessions;
	sum->config_error |= one->config_error;
	sum->oauth_refused |= one->oauth_refused;
	if (one->exit_code != EX_OK &&
	    (sum->exit_code == EX_OK ||
	        (sum->exit_code == EX_TEMPFAIL &&
	            one->exit_code != EX_TEMPFAIL)))
		sum->exit_code = one->exit_code;
	sum->runs++;
}

int
flush_queue(const struct flush_opts *o, struct flush_stats *st, struct err *e)
{
	struct flush_opts lo = *o;
	struct flush_stats one;
	struct runlock l;
	struct err le;
	unsigned slots = o->conf->max_connections > 0 ?
	    (unsigned)o->conf->max_connections :
	    1;
	int r, rc = 0;

	memset(st, 0, sizeof(*st));
	lo.kick = 1;
	/* A run is a submitter too: its kick makes a run in progress rescan
	 * before it quits (a message that came due meanwhile goes now). */
	if (runlock_kick(o->queue, e) < 0)
		return -1;
	r = runlock_try(o->queue, slots, &l, e);
	if (r == 1 && o->wait_lock) {
		log_msg(LOG_INFO,
		    "%s: another run is delivering this queue; "
		    "waiting for it",
		    o->queue->dir);
		r = runlock_wait(o->queue, &l, e);
	}
	if (r < 0)
		return -1;
	if (r == 1) {
		log_msg(LOG_INFO,
		    "%s: another run is delivering this queue; "
		    "handed over to it",
		    o->queue->dir);
		st->handed_over = 1;
		return 0;
	}
	for (;;) {
		rc = flush_run(&lo, &one, e);
		runlock_release(&l);
		if (rc < 0)
			break;
		stats_add(st, &one);
		/* After the release: a kick marked after our last scan means
		 * its submitter may have found us holding the lock. */
		if (!runlock_kicked(o->queue))
			break;
		r = runlock_try(o->queue, slots, &l, &le);
		if (r != 0) {
			/* Busy: the run that holds it scans after taking it.
			 * Error: the kick stays for the next run. */
			if (r < 0)
				log_msg(LOG_WARNING, "%s", le.msg);
			break;
		}
	}
	return rc;
}
