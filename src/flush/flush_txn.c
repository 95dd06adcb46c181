/* flush_txn.c — one message's transactions: its recipients in batches of
 * at most f->rcpt_limit, what a 452 4.5.3 or a closed session teaches,
 * and going on over a new session (see flush_message in flush_int.h). */
#include "config.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "flush/flush_int.h"
#include "flush/pace.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "smtp/smtp_data.h"

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

/* Seconds on the run's monotonic clock. */
static double
now_mono(const struct flusher *f)
{
	return (double)clock_mono_ms(f->o->clock) / 1000.0;
}

/* messages_per_minute: sleeps until the next message may start. */
static void
pace(struct flusher *f)
{
	double w = pace_wait(f->o->conf->messages_per_minute, f->last_start,
	    now_mono(f));

	if (w > 0)
		clock_sleep_ms(f->o->clock, (long long)(w * 1000.0 + 0.5));
	f->last_start = now_mono(f);
}

/* The size SIZE= declares (RFC 1870 counts CRLF line ends; the queue
 * keeps LF): measured from the queued body just before it is sent, so an
 * envelope of any version serves.  Reading the body once more costs one
 * pass of memchr over data the transfer reads next from the page cache
 * (15 ms for 14 MB on the loaded test machine).  On failure the stored size is
 * used; the transfer then reports the unreadable body. */
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
		struct rcpt *rc = &a->env.rcpt[i];

		a->map[j] = i;
		a->rcpts[j] = *rc;
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
		result_set(r, RESULT_TEMP, RESULT_SCOPE_MESSAGE, NULL,
		    RESULT_ST_LOCAL, "cannot open the queued message: %s",
		    e.msg);
		for (j = 0; j < k; j++)
			a->res[a->map[j]] = *r;
		free(path);
		return 0;
	}
	memset(&m, 0, sizeof(m));
	if (a->wsize == 0)
		a->wsize = flush_wire_size(path, a->env.size);
	m.size = a->wsize;
	stream_init_fd(&body, fd, 0, path);
	free(path);
	m.sender = a->env.sender;
	m.rcpts = a->rcpts;
	m.nrcpts = k;
	m.eightbit = a->env.body == ENVELOPE_BODY_8BITMIME;
	m.smtputf8 = needs_smtputf8(&a->env);
	m.utf8_headers = (a->env.flags & ENVELOPE_F_UTF8_HEADERS) != 0;
	m.ret = a->env.ret == ENVELOPE_RET_FULL ? "FULL" :
	    a->env.ret == ENVELOPE_RET_HDRS     ? "HDRS" :
	                                          NULL;
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
	if (r->stage != NULL &&
	    strcmp(r->stage, smtp_client_state_name(SMTP_ST_RCPT)) == 0)
		return 0;
	return !(r->code == 0 && strcmp(r->status, RESULT_ST_BAD_RCPT) == 0);
}

/* A recipient's result that only says the session ended under it: it may
 * go again over a new session (not a reply lost after the final dot). */
static int
session_lost(const struct result *r)
{
	return r->cls == RESULT_TEMP &&
	    (r->scope == RESULT_SCOPE_SESSION || r->code == 421);
}

/* What one transaction taught.  limited[j]: refused as one too many
 * (4.5.3); lost[j]: the session ended under it. */
struct txn_outcome {
	size_t k, accepted, nlimited, nlost;
	unsigned before; /* transactions on the session before it */
	int closed;      /* the server closed the session */
	unsigned char *limited, *lost;
};

static void
classify(struct attempt *a, struct txn_outcome *t)
{
	size_t j;

	for (j = 0; j < t->k; j++) {
		const struct result *x = &a->res[a->map[j]];

		t->limited[j] = x->stage != NULL &&
		    strcmp(x->stage, smtp_client_state_name(SMTP_ST_RCPT)) ==
		        0 &&
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
	log_msg(LOG_INFO,
	    "%s: %s accepted %zu recipients in one transaction and "
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
	log_msg(LOG_INFO,
	    "%s: %s %s after %u transactions; opening a new session "
	    "after every %u in this run",
	    a->env.id, a->ss->peer, why, t->before, t->before);
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
	learn_txn_limit(a, t,
	    t->closed ? "closed the session" :
	                "refused a transaction as one too many (4.5.3)");
	if ((t->before > 0 || learned) &&
	    f->reconnects <= FLUSH_MAX_RECONNECTS) {
		put_back(a, t->k, back);
		settle_txn(a, t->k, back);
		log_msg(LOG_INFO,
		    "%s: %s ended the session (%s); going on over a "
		    "new one",
		    a->env.id, a->ss->peer, r->text);
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
		    RESULT_ST_DROPPED,
		    "the session with %s ended before this "
		    "recipient's transaction (%s)",
		    a->ss->peer, r->text);
	attempt_settle_rest(a, &left);
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

	if (a->head >= a->ntodo || attempt_record(a) == 0)
		return;
	if (queue_env_write(a->f->o->queue, &a->env, &e) < 0)
		log_msg(LOG_ERR, "%s: cannot record the delivery state: %s",
		    a->env.id, e.msg);
}

/* Sends the message to every recipient in todo, in transactions of at
 * most f->rcpt_limit, over the run's session and new ones when the server
 * ends or limits it (flush_message in flush_int.h).  r gets the last
 * transaction's result. */
void
attempt_send(struct attempt *a, struct result *r)
{
	struct flusher *f = a->f;
	struct txn_outcome t;
	int rc;

	t.limited = xcalloc(a->env.nrcpt, 1);
	t.lost = xcalloc(a->env.nrcpt, 1);
	pace(f);
	a->ss->nmsgs++;
	while (a->head < a->ntodo) {
		if (!f->open ||
		    (f->txn_limit > 0 && a->ss->ntxn >= f->txn_limit)) {
			checkpoint(a);
			if (flusher_reopen(f, r) < 0) {
				attempt_settle_rest(a, r);
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
			attempt_settle_rest(a, r);
			break;
		}
		checkpoint(a);
	}
	free(t.limited);
	free(t.lost);
}
