/* queue_view.h — the listing, JSON lines and summary over several queues
 * with their owners (what root's mailq / relayq queue print), and the
 * summary as Prometheus text or OpenMetrics for node_exporter's textfile
 * collector.
 *
 * Everything here is pure: queues and their messages in (queue_all.h),
 * text appended to a buffer.  Machine-read output is not translated.
 *
 * Prometheus / OpenMetrics families, every sample with the labels
 * user="NAME" (the login name, else the uid) and uid="N", one per owner
 * (an owner's queues are added up):
 *   relayq_queue_messages                    readable messages
 *   relayq_queue_recipients_pending          recipients still to deliver
 *   relayq_queue_deferred_messages           messages tried at least once
 *   relayq_queue_held_messages               messages on hold
 *   relayq_queue_maybe_delivered_messages    maybe sent already
 *   relayq_queue_damaged_messages            unreadable envelopes
 *   relayq_queue_oldest_message_age_seconds  0 for an empty queue
 *   relayq_queue_readable                    1, or 0 when a queue of the
 *                                            owner could not be read
 * and without labels relayq_spool_skipped_entries (spool entries that are
 * not queues: their mail is not delivered).  All are gauges. */
#ifndef RELAYQ_QUEUE_VIEW_H
#define RELAYQ_QUEUE_VIEW_H

#include <stddef.h>
#include <time.h>

#include "lib/buf.h"
#include "queue/queue_admin.h"
#include "queue/queue_all.h"

struct queue_view {
	const struct queue_all_q *q; /* borrowed */
	struct queue_all_msgs msgs;  /* owned (queue_view_free) */
	int unreadable;              /* the queue could not be read */
};

enum queue_view_format {
	QUEUE_VIEW_TEXT,       /* "key: value" lines */
	QUEUE_VIEW_JSON,       /* one JSON object and "\n" */
	QUEUE_VIEW_PROMETHEUS, /* text exposition format 0.0.4 */
	QUEUE_VIEW_OPENMETRICS /* OpenMetrics 1.0 text, ends "# EOF" */
};

/* Frees the messages of n views. */
void queue_view_free(struct queue_view *v, size_t n);

/* The mailq listing of the n queues, in order; owners: with the owner
 * column (mailq_begin_owners). */
void queue_view_list(struct buf *out, const struct queue_view *v, size_t n,
    int owners);

/* One JSON object per message and "\n", as queue_admin_json_envelope
 * (or the damaged object) with two more members: "uid" (number) and
 * "user" (the login name, or null without a passwd entry). */
void queue_view_json(struct buf *out, const struct queue_view *v, size_t n);

/* The summary at now.  TEXT: the totals as queue_admin_summary_format;
 * with owners, then for each owner a blank line, "uid: N", "user: NAME"
 * and its counts.  JSON: {"messages":N,...,"oldest_age_seconds":N,
 * "skipped_spool_entries":N,"owners":[{"uid":N,"user":str|null,
 * "readable":bool,"messages":N,...},...]}.  PROMETHEUS and OPENMETRICS:
 * the families above (owners or not).  skipped: the number of spool
 * entries that are not queues. */
void queue_view_summary(struct buf *out, const struct queue_view *v, size_t n,
    enum queue_view_format fmt, int owners, size_t skipped, time_t now);

/* Appends s as a Prometheus/OpenMetrics label value (without quotes):
 * sanitised in log.h's ASCII form (control characters and bytes >= 0x7f
 * become '?': the output is read by machines), then '\\', '"' and
 * newline are escaped. */
void queue_view_label(struct buf *out, const char *s);

#endif
