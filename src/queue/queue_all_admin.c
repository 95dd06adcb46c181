/* queue_all_admin.c — finding a message among the queues one sees, and
 * show / delete / hold / release / retry on it as its queue's owner (see
 * queue_all.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "lib/i18n.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "queue/queue_all.h"

/* queue_all_fn: "1\n" when message arg is in q, else "0\n". */
static int
has_id(struct queue *q, void *arg, struct buf *out, struct err *e)
{
	char *p = queue_env_path(q, arg);
	struct stat st;

	(void)e;
	buf_adds(out, lstat(p, &st) == 0 ? "1\n" : "0\n");
	free(p);
	return 0;
}

static void
add_owner(struct buf *b, const struct queue_all_q *q)
{
	char who[24];

	buf_printf(b, "%s%s (uid %lu)", b->len ? _(" and ") : "",
	    queue_all_owner(q, who), (unsigned long)q->uid);
}

int
queue_all_find(const struct queue_all *a, const char *id, size_t *idx,
    struct err *e)
{
	struct buf out = BUF_INIT, who = BUF_INIT;
	size_t i, found = 0;
	int rc = -1;

	if (!queue_id_valid(id))
		return err_set(e, EX_NOINPUT,
		    _("%s: no such message in the queue "
		      "(list the queue with mailq)"),
		    id);
	for (i = 0; i < a->n; i++) {
		buf_reset(&out);
		if (queue_all_run(&a->v[i], has_id, (void *)id, &out, e) < 0)
			goto out;
		if (out.len > 0 && out.data[0] == '1') {
			*idx = i;
			found++;
			add_owner(&who, &a->v[i]);
		}
	}
	if (found == 0)
		err_set(e, EX_NOINPUT,
		    _("%s: no such message in the queue "
		      "(list the queue with mailq)"),
		    id);
	else if (found > 1)
		err_set(e, EX_USAGE,
		    _("%s is in the queues of %s; not changed "
		      "(act as the owner instead, for example: runuser -u USER -- "
		      "relayq queue ...)"),
		    id, buf_cstr(&who));
	else
		rc = 0;
out:
	buf_free(&out);
	buf_free(&who);
	return rc;
}

struct apply_arg {
	enum queue_admin_action action;
	const struct strv *ids;
	time_t now;
	int quiet; /* in a child: the parent logs */
};

/* One result line: "ID CODE NOTE MSG\n" (MSG without newlines). */
static void
result_line(struct buf *out, const char *id, int code, unsigned note,
    const char *msg)
{
	const char *p;

	buf_printf(out, "%s %d %u ", id, code, note);
	for (p = msg; *p; p++)
		buf_addc(out, *p == '\n' ? ' ' : *p);
	buf_addc(out, '\n');
}

/* queue_all_fn: the action on each id (all of q's for none). */
static int
apply_fn(struct queue *q, void *arg, struct buf *out, struct err *e)
{
	const struct apply_arg *aa = arg;
	struct strv all = STRV_INIT;
	const struct strv *ids = aa->ids;
	unsigned note;
	struct err ae;
	size_t i;

	if (aa->quiet) {
		log_set_syslog(0);
		log_set_verbose(0);
	}
	if (ids == NULL) {
		if (queue_scan(q, &all, e) < 0)
			return -1;
		ids = &all;
	}
	for (i = 0; i < ids->n; i++) {
		err_clear(&ae);
		note = 0;
		if (queue_admin_apply(q, aa->action, ids->v[i], aa->now, &note,
		        &ae) < 0)
			result_line(out, ids->v[i],
			    ae.code ? ae.code : EX_SOFTWARE, 0, ae.msg);
		else
			result_line(out, ids->v[i], EX_OK, note, "");
	}
	strv_free(&all);
	return 0;
}

/* Parses "CODE NOTE " at p (before end): 0 and the values, or -1. */
static int
result_nums(const char *p, const char *end, int *code, unsigned *note,
    const char **rest)
{
	unsigned long v[2];
	int k;

	for (k = 0; k < 2; k++) {
		if (p >= end || *p != ' ')
			return -1;
		p++;
		for (v[k] = 0;
		     p < end && *p >= '0' && *p <= '9' && v[k] < 100000; p++)
			v[k] = v[k] * 10 + (unsigned long)(*p - '0');
		if (p >= end || *p != ' ' || v[k] >= 100000)
			return -1;
	}
	*code = (int)v[0];
	*note = (unsigned)v[1];
	*rest = p + 1;
	return 0;
}

/* Parses result lines into *res. */
static int
parse_results(const char *p, size_t len, struct queue_all_result **res,
    size_t *nres, struct err *e)
{
	const char *end = p + len, *nl, *msg, *sp;
	struct queue_all_result *r;
	size_t cap = 0;

	*res = NULL;
	*nres = 0;
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (*nres == cap) {
			cap = cap ? 2 * cap : 16;
			*res = xreallocarray(*res, cap, sizeof(**res));
		}
		r = &(*res)[*nres];
		memset(r, 0, sizeof(*r));
		sp = nl != NULL ? memchr(p, ' ', (size_t)(nl - p)) : NULL;
		if (sp == NULL || sp == p || (size_t)(sp - p) >= sizeof(r->id))
			goto bad;
		memcpy(r->id, p, (size_t)(sp - p));
		if (result_nums(sp, nl, &r->code, &r->note, &msg) < 0)
			goto bad;
		snprintf(r->msg, sizeof(r->msg), "%.*s", (int)(nl - msg), msg);
		(*nres)++;
	}
	return 0;
bad:
	return err_set(e, EX_DATAERR,
	    _("the answer of the queue's owner is "
	      "malformed; check with mailq what was done, and report a bug"));
}

int
queue_all_apply(const struct queue_all_q *q, enum queue_admin_action action,
    const struct strv *ids, time_t now, struct queue_all_result **res,
    size_t *nres, struct err *e)
{
	struct apply_arg aa = { action, ids, now, !q->inproc };
	struct buf out = BUF_INIT;
	char who[24];
	int rc;

	*res = NULL;
	*nres = 0;
	rc = queue_all_run(q, apply_fn, &aa, &out, e);
	if (rc == 0 &&
	    (rc = parse_results(out.data ? out.data : "", out.len, res, nres,
	         e)) < 0)
		err_wrap(e, "%s (owner %s)", q->dir, queue_all_owner(q, who));
	if (rc < 0) {
		free(*res);
		*res = NULL;
		*nres = 0;
	}
	buf_free(&out);
	return rc;
}

struct show_arg {
	const char *id;
	int json;
};

static int
show_fn(struct queue *q, void *arg, struct buf *out, struct err *e)
{
	const struct show_arg *sa = arg;

	return queue_admin_show(q, sa->id, sa->json, out, e);
}

int
queue_all_show(const struct queue_all_q *q, const char *id, int json,
    struct buf *out, struct err *e)
{
	struct show_arg sa = { id, json };

	return queue_all_run(q, show_fn, &sa, out, e);
}
