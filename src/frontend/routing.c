/* routing.c — the rule in the front end: `relayq check`'s route lines,
 * the stranded-queue warning, and moving a home queue of the previous
 * rule into the spool (see route.h, frontend.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "frontend/frontend.h"
#include "lib/i18n.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "route/spool.h"

/* Messages in the old home queue dir (its env/), without creating it. */
size_t
fe_route_old_count(const char *dir)
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

/* A personal queue is retried between messages only by a timer or a
 * crontab of the user's.  The user timer is visible (its enablement link);
 * a crontab is not (only root can read the cron spool).  Prints a note
 * when the timer is not enabled, or runs only while the user is logged
 * in (no linger). */
static void
check_retries(struct fe *fe)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char *wants = NULL, *linger;
	struct stat st;
	int timer;

	if (xdg != NULL && xdg[0] == '/')
		wants = xasprintf("%s/systemd/user/timers.target.wants/"
		                  "relayq-flush.timer",
		    xdg);
	else if (home != NULL && home[0] == '/')
		wants = xasprintf("%s/.config/systemd/user/timers.target.wants/"
		                  "relayq-flush.timer",
		    home);
	timer = wants != NULL && stat(wants, &st) == 0;

	free(wants);
	if (!timer) {
		printf(_(
		    "route: note: between your messages nothing retries this "
		    "queue unless your crontab runs relayq-flush or you enable the "
		    "user timer: systemctl --user enable --now relayq-flush.timer\n"));
		return;
	}
	linger = xasprintf("/var/lib/systemd/linger/%s", fe->id.user);
	if (stat(linger, &st) < 0)
		printf(
		    _("route: note: your relayq-flush.timer runs only while you "
		      "are logged in; for mail sent while you are not (cron), root "
		      "can run: loginctl enable-linger %s\n"),
		    fe->id.user);
	free(linger);
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
	if (r->loc == QUEUE_LOC_SPOOL &&
	    spool_queue_dir(fe_spool_dir(fe), fe->id.uid, 0, &dir,
	        &fe->squatted, &e) < 0)
		printf(_("route: WARNING: %s\n"), e.msg);
	else if (r->loc == QUEUE_LOC_SPOOL)
		free(dir);
	if (!r->stranded && r->by == ROUTE_BY_OWNER)
		check_retries(fe);
	if (r->old != NULL && (n = fe_route_old_count(r->old)) > 0)
		printf(
		    _("route: %zu messages still wait in %s, the queue of the "
		      "previous rule; they are moved into the spool at your next "
		      "message or \"relayq flush\"\n"),
		    n, r->old);
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
