/* fe_route.c — the rule in the front end: `relayq check`'s route lines,
 * moving a home queue of the previous rule into the spool, and what
 * `relayq flush` runs (see route.h, frontend.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "frontend.h"
#include "i18n.h"
#include "log.h"
#include "spool.h"
#include "strv.h"
#include "xalloc.h"

/* Messages in the old home queue dir (its env/), without creating it. */
static size_t
old_count(const char *dir)
{
	struct queue q;
	struct strv ids = STRV_INIT;
	struct stat st;
	struct err e;
	size_t n;

	memset(&q, 0, sizeof(q));
	q.env = xasprintf("%s/env", dir);
	if (lstat(q.env, &st) < 0 || !S_ISDIR(st.st_mode) ||
	    queue_scan(&q, &ids, &e) < 0)
		ids.n = 0;
	n = ids.n;
	strv_free(&ids);
	free(q.env);
	return n;
}

int
fe_check_route(struct fe *fe)
{
	const struct route *r = fe_route(fe);
	char *text = route_describe(r, fe_spool_dir(fe)), *dir;
	uid_t squatter;
	struct err e;
	size_t n;
	int rc = EX_OK;

	printf(_("route: %s\n"), text);
	free(text);
	if (r->stranded)
		rc = EX_CONFIG;
	if (r->loc == QUEUE_LOC_SPOOL && spool_queue_dir(fe_spool_dir(fe),
	    fe->id.uid, 0, &dir, &squatter, &e) < 0)
		printf(_("route: WARNING: %s\n"), e.msg);
	else if (r->loc == QUEUE_LOC_SPOOL)
		free(dir);
	if (r->old != NULL && (n = old_count(r->old)) > 0)
		printf(_("route: %zu messages still wait in %s, the queue of the "
		    "previous rule; they are moved into the spool at your next "
		    "message or \"relayq flush\"\n"), n, r->old);
	return rc;
}

int
fe_route_warn(struct fe *fe)
{
	const struct route *r = fe_route(fe);
	char *text;

	if (!r->stranded)
		return 0;
	text = route_describe(r, fe_spool_dir(fe));
	log_msg(LOG_WARNING, "%s", text);
	free(text);
	return 1;
}

/* Moves every message of the old queue; logs each; returns how many
 * moved. */
static unsigned
move_all(struct queue *from, struct queue *to)
{
	struct strv ids = STRV_INIT;
	struct err e;
	unsigned moved = 0;
	size_t i;
	int fd, l;

	if (queue_scan(from, &ids, &e) < 0) {
		log_msg(LOG_WARNING, "%s", e.msg);
		return 0;
	}
	for (i = 0; i < ids.n; i++) {
		l = queue_lock(from, ids.v[i], &fd, &e);
		if (l < 0)
			log_msg(LOG_WARNING, "%s: %s", ids.v[i], e.msg);
		if (l != 0)
			continue;
		if (queue_move(from, to, ids.v[i], fd, &e) < 0)
			log_msg(LOG_WARNING, "%s: cannot move it from %s into %s: %s; it "
			    "stays there", ids.v[i], from->dir, to->dir, e.msg);
		else {
			log_msg(LOG_INFO, "%s: moved from %s into %s", ids.v[i],
			    from->dir, to->dir);
			moved++;
		}
		close(fd);
	}
	strv_free(&ids);
	return moved;
}

void
fe_route_migrate(struct fe *fe)
{
	const struct route *r = fe_route(fe);
	struct queue old;
	struct err e;
	struct stat st;
	char *env;
	int have;

	if (r->old == NULL || !fe->queue_open)
		return;
	env = xasprintf("%s/env", r->old);
	have = lstat(env, &st) == 0 && S_ISDIR(st.st_mode);
	free(env);
	if (!have)
		return;
	/* queue_open checks the old queue is ours (and makes what is
	 * missing of it: it exists already). */
	if (queue_open(&old, r->old, fe->id.uid, &e) < 0) {
		log_msg(LOG_WARNING, "cannot move the mail of %s into the spool: %s",
		    r->old, e.msg);
		return;
	}
	move_all(&old, &fe->queue);
	queue_close(&old);
}
