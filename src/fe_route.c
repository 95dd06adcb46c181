/* fe_route.c — the rule in the front end: `relayq check`'s route lines,
 * the stranded-queue warning, and moving a home queue of the previous
 * rule into the spool (see route.h, frontend.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

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
	struct err e;
	size_t n;
	int rc = EX_OK;

	printf(_("route: %s\n"), text);
	free(text);
	if (r->stranded)
		rc = EX_CONFIG;
	fe->squatted = (uid_t)-1;
	if (r->loc == QUEUE_LOC_SPOOL && spool_queue_dir(fe_spool_dir(fe),
	    fe->id.uid, 0, &dir, &fe->squatted, &e) < 0)
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

void
fe_route_migrate(struct fe *fe)
{
	if (fe->queue_open)
		(void)route_migrate(fe_route(fe), &fe->queue);
}
