/* route.h — the rule: which queue a user's mail goes to and who delivers
 * it (doc/FLUSH.md, "Whose mail goes where and who delivers it").  One
 * pure function decides; the front end, relayq-flush and `relayq check`
 * use it.
 *
 *   1. A queue directory given with -Q or queue_dir: that directory,
 *      delivered by the user's own relayq-flush runs.
 *   2. The user's OWN configuration (~/.config/relayq/config, or -C FILE)
 *      sets smarthost: a personal queue ($XDG_STATE_HOME/relayq, else
 *      ~/.local/state/relayq), delivered by the user's own runs with the
 *      user's own credentials.  Without a usable home, the user's spool
 *      queue (which root's run delivers too).
 *   3. Everyone else (root included): the uid's queue in the system spool,
 *      delivered by root's relayq-flush --all-users with the system
 *      configuration and root's credential.  A home queue the previous
 *      rule used is named in old (its mail is moved into the spool).
 *      When the spool does not exist, the personal queue as in 2, and
 *      no_spool says so.
 * Whatever the queue, with no smarthost configured at all nobody can
 * deliver it: stranded is set. */
#ifndef RELAYQ_ROUTE_H
#define RELAYQ_ROUTE_H

#include <sys/types.h>

#include "queue/queue.h"

enum route_kind {
	ROUTE_CONFIGURED, /* -Q / queue_dir */
	ROUTE_PERSONAL,   /* own smarthost (or no spool) */
	ROUTE_SPOOL       /* the system spool */
};

#define ROUTE_BY_OWNER 0x1u /* the user's own relayq-flush runs */
#define ROUTE_BY_ROOT 0x2u  /* root's relayq-flush --all-users */

struct route_in {
	uid_t uid;
	const char *configured; /* -Q, else queue_dir; NULL */
	const char *xdg_state;  /* $XDG_STATE_HOME; NULL */
	const char *home;       /* $HOME; NULL */
	struct queue_home home_st;
	int own_smarthost;    /* the user's own configuration sets smarthost */
	int any_smarthost;    /* the configuration in effect sets one */
	const char *spooldir; /* never NULL */
	int spool_exists;     /* spooldir is a directory */
};

struct route {
	enum route_kind kind;
	enum queue_loc loc; /* where the directory came from */
	unsigned by;        /* ROUTE_BY_* */
	char *dir;          /* allocated: the queue (in the spool: the
	                     * canonical SPOOL/UID, see spool.h) */
	char *old;          /* allocated or NULL: a home queue of the
	                     * previous rule to move into the spool */
	int no_spool;       /* the spool was wanted but does not exist */
	int stranded;       /* nobody can deliver: no smarthost */
};

/* Applies the rule.  Pure; fills r (free with route_free). */
void route_decide(const struct route_in *in, struct route *r);
/* route_decide with the real environment: getuid, HOME, XDG_STATE_HOME,
 * stat of the home and the spool. */
void route_decide_env(const char *configured, const char *spooldir,
    int own_smarthost, int any_smarthost, struct route *r);
void route_free(struct route *r);

/* One translated sentence for `relayq check`, mailq and the log: the
 * queue, who delivers it and whether anyone can (allocated). */
char *route_describe(const struct route *r, const char *spooldir);

/* 1 when r->old names a queue directory that exists (has env/). */
int route_old_exists(const struct route *r);
/* Moves the mail of the previous rule's queue (r->old) into the open
 * queue to, message by message under its lock (queue_move: never lost,
 * never doubled); a busy message stays for the next time.  Logs each
 * move and each failure.  Returns how many moved. */
int route_migrate(const struct route *r, struct queue *to);

#endif
