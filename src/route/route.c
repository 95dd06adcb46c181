/* route.c — the rule: where a user's mail goes and who delivers it (see
 * route.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/i18n.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "route/route.h"

static int
home_usable(const struct route_in *in)
{
	return in->home != NULL && in->home[0] == '/' && in->home_st.exists &&
	    in->home_st.owner == in->uid && in->home_st.writable;
}

/* The personal queue ($XDG_STATE_HOME, else the home), or NULL. */
static char *
personal(const struct route_in *in, enum queue_loc *loc)
{
	if (in->xdg_state != NULL && in->xdg_state[0] == '/') {
		*loc = QUEUE_LOC_XDG;
		return xasprintf("%s/relayq", in->xdg_state);
	}
	if (home_usable(in)) {
		*loc = QUEUE_LOC_HOME;
		return xasprintf("%s/.local/state/relayq", in->home);
	}
	return NULL;
}

static char *
spool_dir(const struct route_in *in)
{
	return xasprintf("%s/%lu", in->spooldir, (unsigned long)in->uid);
}

void
route_decide(const struct route_in *in, struct route *r)
{
	enum queue_loc loc = QUEUE_LOC_SPOOL;
	char *p;

	memset(r, 0, sizeof(*r));
	if (in->configured != NULL && in->configured[0] != '\0') {
		r->kind = ROUTE_CONFIGURED;
		r->loc = QUEUE_LOC_CONFIGURED;
		r->by = ROUTE_BY_OWNER;
		r->dir = xstrdup(in->configured);
	} else if (in->own_smarthost || !in->spool_exists) {
		r->kind = ROUTE_PERSONAL;
		r->no_spool = !in->own_smarthost;
		p = personal(in, &loc);
		r->loc = loc;
		r->dir = p != NULL ? p : spool_dir(in);
		/* Without a home it is the spool queue: root's run takes it
		 * as well. */
		r->by = ROUTE_BY_OWNER | (p == NULL ? ROUTE_BY_ROOT : 0);
	} else {
		r->kind = ROUTE_SPOOL;
		r->loc = QUEUE_LOC_SPOOL;
		r->by = ROUTE_BY_ROOT;
		r->dir = spool_dir(in);
		r->old = personal(in, &loc);
	}
	r->stranded = !in->any_smarthost;
}

void
route_decide_env(const char *configured, const char *spooldir,
    int own_smarthost, int any_smarthost, struct route *r)
{
	struct route_in in;
	struct stat st;

	memset(&in, 0, sizeof(in));
	in.uid = getuid();
	in.configured = configured;
	in.xdg_state = getenv("XDG_STATE_HOME");
	in.home = getenv("HOME");
	queue_probe_home(in.home, &in.home_st);
	in.own_smarthost = own_smarthost;
	in.any_smarthost = any_smarthost;
	in.spooldir = spooldir;
	in.spool_exists = stat(spooldir, &st) == 0 && S_ISDIR(st.st_mode);
	route_decide(&in, r);
}

void
route_free(struct route *r)
{
	free(r->dir);
	free(r->old);
	memset(r, 0, sizeof(*r));
}

char *
route_describe(const struct route *r, const char *spooldir)
{
	const char *who;

	if (r->stranded)
		return xasprintf(
		    _("%s queue %s; NOBODY CAN DELIVER IT: no smarthost "
		      "is configured (set smarthost in %s)"),
		    r->kind == ROUTE_SPOOL ? _("spool") : _("personal"), r->dir,
		    r->kind == ROUTE_SPOOL ? SYSCONFDIR "/relayq.conf" :
		                             _("your configuration"));
	if (r->kind == ROUTE_SPOOL)
		return xasprintf(
		    _("spool queue %s, delivered by root's relayq-flush "
		      "--all-users (relayq-flush-spool.timer)"),
		    r->dir);
	if (r->by & ROUTE_BY_ROOT)
		who = _("your own relayq-flush runs and root's relayq-flush "
		        "--all-users (relayq-flush-spool.timer)");
	else
		who = _(
		    "your own relayq-flush runs (after each message, and your "
		    "relayq-flush.timer or crontab)");
	if (r->no_spool)
		return xasprintf(
		    _("personal queue %s, delivered by %s; the system "
		      "spool does not exist, so root's run cannot deliver it (root can "
		      "create it: install -d -m 1733 %s)"),
		    r->dir, who, spooldir);
	return xasprintf(_("%s queue %s, delivered by %s"),
	    r->kind == ROUTE_CONFIGURED ? _("configured") : _("personal"),
	    r->dir, who);
}

/* Moves every message of from into to, each under its lock; logs each.
 * Returns how many moved. */
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
			continue; /* busy or gone: the next time */
		if (queue_move(from, to, ids.v[i], fd, &e) < 0) {
			log_msg(LOG_WARNING,
			    "%s: cannot move it from %s into %s: %s; it "
			    "stays there",
			    ids.v[i], from->dir, to->dir, e.msg);
		} else {
			log_msg(LOG_INFO, "%s: moved from %s into %s", ids.v[i],
			    from->dir, to->dir);
			moved++;
		}
		close(fd);
	}
	strv_free(&ids);
	return moved;
}

int
route_old_exists(const struct route *r)
{
	struct stat st;
	char *env;
	int have;

	if (r->old == NULL)
		return 0;
	env = xasprintf("%s/env", r->old);
	have = lstat(env, &st) == 0 && S_ISDIR(st.st_mode);
	free(env);
	return have;
}

int
route_migrate(const struct route *r, struct queue *to)
{
	struct queue old;
	struct err e;
	unsigned n;

	if (!route_old_exists(r))
		return 0;
	/* queue_open checks that the old queue is the user's own. */
	if (queue_open(&old, r->old, to->uid, &e) < 0) {
		log_msg(LOG_WARNING,
		    "cannot move the mail of %s into the spool: %s", r->old,
		    e.msg);
		return 0;
	}
	n = move_all(&old, to);
	queue_close(&old);
	return (int)n;
}
