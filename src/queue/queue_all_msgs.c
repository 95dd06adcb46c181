/* queue_all_msgs.c — the messages of one queue as its owner sends them
 * to root: records written by the owner's side, parsed as hostile input
 * by root's (see queue_all.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/i18n.h"
#include "lib/xalloc.h"
#include "queue/queue_all.h"

/* ---- the messages of one queue ------------------------------------------- */

void
queue_all_msgs_free(struct queue_all_msgs *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		envelope_free(&m->v[i].env);
		free(m->v[i].damaged);
	}
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/* A record: "E ID LEN\n" and LEN bytes of envelope file, or "D ID LEN\n"
 * and LEN bytes of reason. */
static void
record(struct buf *out, char kind, const char *id, const char *p, size_t n)
{
	buf_printf(out, "%c %s %zu\n", kind, id, n);
	buf_add(out, p, n);
}

static struct queue_all_msg *
new_msg(struct queue_all_msgs *m, const char *id)
{
	struct queue_all_msg *g;

	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 64;
		m->v = xreallocarray(m->v, m->cap, sizeof(*m->v));
	}
	g = &m->v[m->n++];
	memset(g, 0, sizeof(*g));
	envelope_init(&g->env);
	memcpy(g->id, id, QUEUE_ID_LEN + 1);
	return g;
}

/* Reads every envelope of q into m (appending), as queue_all_collect
 * describes.  Returns 0, or -1 when q cannot be listed. */
static int
read_msgs(struct queue *q, struct queue_all_msgs *m, struct err *e)
{
	struct strv ids = STRV_INIT;
	struct queue_all_msg *g;
	struct err re;
	size_t i;

	if (queue_scan(q, &ids, e) < 0)
		return -1;
	for (i = 0; i < ids.n; i++) {
		err_clear(&re);
		g = new_msg(m, ids.v[i]);
		if (queue_env_read(q, ids.v[i], &g->env, &re) == 0)
			continue;
		envelope_free(&g->env);
		if (re.code == EX_NOINPUT)
			m->n--; /* removed meanwhile */
		else
			g->damaged = xstrdup(re.msg);
	}
	strv_free(&ids);
	return 0;
}

int
queue_all_collect(struct queue *q, void *arg, struct buf *out, struct err *e)
{
	struct queue_all_msgs m = { NULL, 0, 0 };
	struct buf b = BUF_INIT;
	struct queue_all_msg *g;
	size_t i;

	(void)arg;
	if (read_msgs(q, &m, e) < 0)
		return -1;
	for (i = 0; i < m.n; i++) {
		g = &m.v[i];
		if (g->damaged != NULL) {
			record(out, 'D', g->id, g->damaged, strlen(g->damaged));
		} else {
			buf_reset(&b);
			envelope_format(&g->env, &b);
			record(out, 'E', g->id, b.data, b.len);
		}
	}
	buf_free(&b);
	queue_all_msgs_free(&m);
	return 0;
}

/* Parses "K ID LEN\n" at p; returns the header's length or 0. */
static size_t
record_head(const char *p, size_t len, char *kind, char *id, size_t *n)
{
	const char *nl = memchr(p, '\n', len < 64 ? len : 64);
	unsigned long long v = 0;
	const char *s;

	if (nl == NULL || nl - p < QUEUE_ID_LEN + 4 ||
	    (p[0] != 'E' && p[0] != 'D') || p[1] != ' ' ||
	    p[2 + QUEUE_ID_LEN] != ' ')
		return 0;
	*kind = p[0];
	memcpy(id, p + 2, QUEUE_ID_LEN);
	id[QUEUE_ID_LEN] = '\0';
	if (!queue_id_valid(id))
		return 0;
	for (s = p + 3 + QUEUE_ID_LEN; s < nl; s++) {
		if (*s < '0' || *s > '9' || v > ENVELOPE_FILE_MAX)
			return 0;
		v = v * 10 + (unsigned)(*s - '0');
	}
	if (v > ENVELOPE_FILE_MAX || v > len - (size_t)(nl + 1 - p))
		return 0;
	*n = (size_t)v;
	return (size_t)(nl + 1 - p);
}

int
queue_all_parse(const char *p, size_t len, struct queue_all_msgs *m,
    struct err *e)
{
	char kind, id[QUEUE_ID_LEN + 1];
	struct queue_all_msg *g;
	struct err pe;
	size_t h, n;

	while (len > 0) {
		h = record_head(p, len, &kind, id, &n);
		if (h == 0)
			return err_set(e, EX_DATAERR,
			    _("the listing sent by the "
			      "queue's owner is malformed after %zu messages; list the "
			      "queue again, and report a bug if it stays"),
			    m->n);
		g = new_msg(m, id);
		if (kind == 'D') {
			g->damaged = xstrndup(p + h, n);
		} else if (envelope_parse(&g->env, p + h, n, &pe) < 0) {
			g->damaged = xstrdup(pe.msg);
		} else if (g->env.id == NULL || strcmp(g->env.id, id) != 0) {
			g->damaged =
			    xstrdup(_("the envelope names another queue id"));
		}
		p += h + n;
		len -= h + n;
	}
	return 0;
}

/* queue_all_fn for a queue read in-process: the messages straight into
 * arg, a struct queue_all_msgs (no records to format and parse again). */
static int
read_inproc(struct queue *q, void *arg, struct buf *out, struct err *e)
{
	(void)out;
	return read_msgs(q, arg, e);
}

int
queue_all_read(const struct queue_all_q *q, struct queue_all_msgs *m,
    struct err *e)
{
	struct buf b = BUF_INIT;
	char who[24];
	int rc;

	if (q->inproc)
		return queue_all_run(q, read_inproc, m, NULL, e);
	rc = queue_all_run(q, queue_all_collect, NULL, &b, e);
	if (rc == 0 &&
	    (rc = queue_all_parse(b.data ? b.data : "", b.len, m, e)) < 0)
		err_wrap(e, "%s (owner %s)", q->dir, queue_all_owner(q, who));
	buf_free(&b);
	return rc;
}
