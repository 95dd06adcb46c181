/* queue_view.c — listing, JSON and summary over several owned queues (see
 * queue_view.h). */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "lib/log.h"
#include "lib/xalloc.h"
#include "queue/mailq.h"
#include "queue/queue_view.h"

void
queue_view_free(struct queue_view *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		queue_all_msgs_free(&v[i].msgs);
}

void
queue_view_list(struct buf *out, const struct queue_view *v, size_t n,
    int owners)
{
	const struct queue_all_msg *g;
	struct mailq m;
	char who[24];
	size_t i, k;

	if (owners)
		mailq_begin_owners(&m, out);
	else
		mailq_begin(&m, out);
	for (i = 0; i < n; i++) {
		mailq_owner(&m, queue_all_owner(v[i].q, who));
		for (k = 0; k < v[i].msgs.n; k++) {
			g = &v[i].msgs.v[k];
			if (g->damaged != NULL)
				mailq_add_damaged(&m, g->id, g->damaged);
			else
				mailq_add(&m, &g->env);
		}
	}
	mailq_end(&m);
}

static void
json_owner(struct buf *out, const struct queue_all_q *q)
{
	buf_printf(out, "\"uid\":%lu,\"user\":", (unsigned long)q->uid);
	if (q->user == NULL)
		buf_adds(out, "null");
	else
		queue_admin_json_string(out, q->user, strlen(q->user));
}

void
queue_view_json(struct buf *out, const struct queue_view *v, size_t n)
{
	const struct queue_all_msg *g;
	size_t i, k;

	for (i = 0; i < n; i++) {
		for (k = 0; k < v[i].msgs.n; k++) {
			g = &v[i].msgs.v[k];
			if (g->damaged != NULL)
				queue_admin_json_damaged(out, g->id,
				    g->damaged);
			else
				queue_admin_json_envelope(out, &g->env);
			/* Both objects end in '}': add the owner before it. */
			out->len--;
			buf_addc(out, ',');
			json_owner(out, v[i].q);
			buf_adds(out, "}\n");
		}
	}
}

/* ---- summary ------------------------------------------------------------- */

/* One owner's counts (its queues added up). */
struct owner_sum {
	const struct queue_all_q *q; /* the first queue of the owner */
	struct queue_admin_summary s;
	int readable;
};

static void
add_msgs(struct queue_admin_summary *s, const struct queue_all_msgs *m,
    time_t now)
{
	size_t k;

	for (k = 0; k < m->n; k++) {
		if (m->v[k].damaged != NULL)
			s->damaged++;
		else
			queue_admin_summary_add(s, &m->v[k].env, now);
	}
}

static void
merge(struct queue_admin_summary *to, const struct queue_admin_summary *s)
{
	to->messages += s->messages;
	to->recipients_pending += s->recipients_pending;
	to->held += s->held;
	to->deferred += s->deferred;
	to->maybe_delivered += s->maybe_delivered;
	to->damaged += s->damaged;
	if (s->oldest_age > to->oldest_age)
		to->oldest_age = s->oldest_age;
}

/* Per-owner sums in order of first appearance (allocated, *no of them). */
static struct owner_sum *
owner_sums(const struct queue_view *v, size_t n, time_t now, size_t *no)
{
	struct owner_sum *o = xcalloc(n ? n : 1, sizeof(*o));
	struct queue_admin_summary s;
	size_t i, k;

	*no = 0;
	for (i = 0; i < n; i++) {
		for (k = 0; k < *no && o[k].q->uid != v[i].q->uid; k++)
			;
		if (k == *no) {
			o[k].q = v[i].q;
			o[k].readable = 1;
			queue_admin_summary_init(&o[k].s);
			(*no)++;
		}
		queue_admin_summary_init(&s);
		add_msgs(&s, &v[i].msgs, now);
		merge(&o[k].s, &s);
		if (v[i].unreadable)
			o[k].readable = 0;
	}
	return o;
}

static void
summary_json_counts(struct buf *out, const struct queue_admin_summary *s)
{
	buf_printf(out,
	    "\"messages\":%zu,\"recipients_pending\":%zu,\"held\":%zu,"
	    "\"deferred\":%zu,\"maybe_delivered\":%zu,\"damaged\":%zu,"
	    "\"oldest_age_seconds\":%lld",
	    s->messages, s->recipients_pending, s->held, s->deferred,
	    s->maybe_delivered, s->damaged, s->oldest_age);
}

static void
summary_json(struct buf *out, const struct owner_sum *o, size_t no,
    const struct queue_admin_summary *total, size_t skipped)
{
	size_t k;

	buf_addc(out, '{');
	summary_json_counts(out, total);
	buf_printf(out, ",\"skipped_spool_entries\":%zu,\"owners\":[", skipped);
	for (k = 0; k < no; k++) {
		buf_adds(out, k ? ",{" : "{");
		json_owner(out, o[k].q);
		buf_printf(out, ",\"readable\":%s,",
		    o[k].readable ? "true" : "false");
		summary_json_counts(out, &o[k].s);
		buf_addc(out, '}');
	}
	buf_adds(out, "]}\n");
}

static void
summary_text(struct buf *out, const struct owner_sum *o, size_t no,
    const struct queue_admin_summary *total, int owners)
{
	char who[24];
	size_t k;

	queue_admin_summary_format(total, out);
	for (k = 0; owners && k < no; k++) {
		buf_printf(out,
		    "\nuid: %lu\nuser: ", (unsigned long)o[k].q->uid);
		queue_view_label(out, queue_all_owner(o[k].q, who));
		buf_addc(out, '\n');
		if (!o[k].readable)
			buf_adds(out, "readable: no\n");
		queue_admin_summary_format(&o[k].s, out);
	}
}

/* ---- Prometheus / OpenMetrics -------------------------------------------- */

static const struct family {
	const char *name, *help;
	size_t off; /* of the size_t count in queue_admin_summary */
} families[] = {
	{ "relayq_queue_messages",
	    "Messages in the queue (readable envelopes).",
	    offsetof(struct queue_admin_summary, messages) },
	{ "relayq_queue_recipients_pending",
	    "Recipients still to be delivered.",
	    offsetof(struct queue_admin_summary, recipients_pending) },
	{ "relayq_queue_deferred_messages",
	    "Messages tried at least once and "
	    "still queued.",
	    offsetof(struct queue_admin_summary, deferred) },
	{ "relayq_queue_held_messages",
	    "Messages on hold (not delivered until "
	    "released).",
	    offsetof(struct queue_admin_summary, held) },
	{ "relayq_queue_maybe_delivered_messages",
	    "Messages that may already "
	    "have been delivered (connection lost after the final dot).",
	    offsetof(struct queue_admin_summary, maybe_delivered) },
	{ "relayq_queue_damaged_messages", "Envelopes that cannot be read.",
	    offsetof(struct queue_admin_summary, damaged) },
};

void
queue_view_label(struct buf *out, const char *s)
{
	struct buf clean = BUF_INIT;
	const char *p;

	/* ASCII: read by machines (metrics, scripts), not only people */
	log_sanitize_buf(&clean, s, strlen(s), 0);
	for (p = buf_cstr(&clean); *p; p++) {
		if (*p == '\\' || *p == '"')
			buf_addc(out, '\\');
		if (*p == '\n')
			buf_adds(out, "\\n");
		else
			buf_addc(out, *p);
	}
	buf_free(&clean);
}

static void
family_head(struct buf *out, const char *name, const char *help)
{
	buf_printf(out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

static void
sample(struct buf *out, const char *name, const struct queue_all_q *q,
    long long value)
{
	char who[24];

	buf_printf(out, "%s{user=\"", name);
	queue_view_label(out, queue_all_owner(q, who));
	buf_printf(out, "\",uid=\"%lu\"} %lld\n", (unsigned long)q->uid, value);
}

static void
summary_metrics(struct buf *out, const struct owner_sum *o, size_t no,
    size_t skipped, int openmetrics)
{
	const char *age = "relayq_queue_oldest_message_age_seconds";
	const char *up = "relayq_queue_readable";
	size_t f, k;

	for (f = 0; f < sizeof(families) / sizeof(families[0]); f++) {
		family_head(out, families[f].name, families[f].help);
		for (k = 0; k < no; k++)
			sample(out, families[f].name, o[k].q,
			    (long long)*(const size_t *)((const char *)&o[k].s +
			        families[f].off));
	}
	family_head(out, age,
	    "Age of the oldest message in seconds (0 for an "
	    "empty queue).");
	for (k = 0; k < no; k++)
		sample(out, age, o[k].q, o[k].s.oldest_age);
	family_head(out, up,
	    "1 when every queue of the owner could be read, "
	    "else 0 (its counts are then incomplete).");
	for (k = 0; k < no; k++)
		sample(out, up, o[k].q, o[k].readable);
	family_head(out, "relayq_spool_skipped_entries",
	    "Entries of the system "
	    "spool that are not valid queues (their mail is not delivered; the "
	    "log and mailq name them).");
	buf_printf(out, "relayq_spool_skipped_entries %zu\n", skipped);
	if (openmetrics)
		buf_adds(out, "# EOF\n");
}

void
queue_view_summary(struct buf *out, const struct queue_view *v, size_t n,
    enum queue_view_format fmt, int owners, size_t skipped, time_t now)
{
	struct queue_admin_summary total;
	struct owner_sum *o;
	size_t no, k;

	o = owner_sums(v, n, now, &no);
	queue_admin_summary_init(&total);
	for (k = 0; k < no; k++)
		merge(&total, &o[k].s);
	switch (fmt) {
	case QUEUE_VIEW_TEXT:
		summary_text(out, o, no, &total, owners);
		break;
	case QUEUE_VIEW_JSON:
		summary_json(out, o, no, &total, skipped);
		break;
	case QUEUE_VIEW_PROMETHEUS:
	case QUEUE_VIEW_OPENMETRICS:
		summary_metrics(out, o, no, skipped,
		    fmt == QUEUE_VIEW_OPENMETRICS);
		break;
	}
	free(o);
}
