/* frontend.h — what the sendmail front end's modes share: the parsed
 * command line, the configuration, who is sending, the rewriting context
 * and the queue.  main-relayq.c fills it once; each fe_*.c file runs one
 * family of modes and returns an exit code (<sysexits.h>), printing its
 * own one-line error. */
#ifndef RELAYQ_FRONTEND_H
#define RELAYQ_FRONTEND_H

#include "lib/err.h"
#include "lib/identity.h"
#include "options/cli.h"
#include "options/conf.h"
#include "queue/queue.h"
#include "rewrite/aliases.h"
#include "rewrite/rewrite.h"
#include "route/route.h"

struct fe {
	const char *progname; /* for messages: "relayq" */
	struct cli_options opt;
	struct conf conf;
	struct identity id;
	struct aliases aliases;
	int aliases_loaded;
	const char *local_names[3];
	char *qualify_domain; /* owned */
	struct rewrite_ctx rw;
	struct queue queue;
	int queue_open;
	struct route route; /* the rule's outcome (fe_route) */
	int routed;
	uid_t squatted; /* the spool name's squatter, or (uid_t)-1 */
};

/* Reports a refused message as ErrorMode says: printed on stderr (all
 * but quiet), mailed back to the sender (mail, mail-exit-zero: then the
 * background flush is started).  Returns the exit code: e->code
 * (EX_SOFTWARE when unset), or 0 for mail-exit-zero once mailed. */
int fe_refuse(struct fe *fe, const struct err *e);
/* Prints the error unless ErrorMode is quiet; returns its exit code.  For
 * failures that are not about the message (set-up, listing). */
int fe_fail(struct fe *fe, const struct err *e);

/* ErrorMode m/e: queues a report of why to the sender (errmail.c).
 * Returns 0, or -1 after saying on stderr why it could not. */
int fe_mail_error(struct fe *fe, const struct err *why);

/* Loads the aliases file and sets up fe->rw (once).  Returns 0 or -1. */
int fe_rewrite_setup(struct fe *fe, struct err *e);
/* Applies the rule (route.h) for the invoking user once; fe->route. */
const struct route *fe_route(struct fe *fe);
/* The spool directory in effect. */
const char *fe_spool_dir(const struct fe *fe);
/* Locates (by the rule) and opens (creating) the invoking user's queue;
 * in the spool, by owner (spool.h).  Returns 0/-1. */
int fe_queue_open(struct fe *fe, struct err *e);
/* routing.c: prints the rule's outcome for `relayq check` (route lines:
 * the queue, who delivers it, a squatted spool name, mail left in a home
 * queue of the previous rule); EX_CONFIG when nobody can deliver it. */
int fe_check_route(struct fe *fe);
/* How many messages wait in the queue directory dir (its env/; 0 when
 * there is none).  Creates nothing. */
size_t fe_route_old_count(const char *dir);
/* Logs (LOG_WARNING) that nobody can deliver the queue, when so; 1 then. */
int fe_route_warn(struct fe *fe);
/* Moves the mail of a home queue of the previous rule (route.old) into
 * the open spool queue, message by message under its lock (queue_move);
 * logs each.  Nothing to do: returns at once. */
void fe_route_migrate(struct fe *fe);

/* 1 when the open queue is one that root's run delivers (the system
 * spool) and the invoking user is not root: such a user cannot read the
 * credentials, so no flush of its own is started (the one place that
 * decides it). */
int fe_root_delivers(const struct fe *fe);
/* Starts relayq-flush after queueing, as the delivery mode says
 * (background: detached; interactive: waited for) — unless a run holds
 * the queue (the message is handed to it) or root delivers the queue (the
 * spool's trigger is touched instead, trigger.h).  Failures to start it
 * are reported but do not change the exit code: the mail is queued. */
void fe_after_queue(struct fe *fe);
/* Fills argv (room for 6 + the caller's) with "relayq-flush" and the -C,
 * -Q and (when verbose) -v this invocation passes on; returns the count. */
int fe_flush_argv(const struct fe *fe, const char **argv, int verbose);
/* The relayq-flush program: $RELAYQ_FLUSH, else BINDIR/relayq-flush. */
const char *fe_flush_path(void);

/* The submission context for this invocation (mode_send.c); the caller
 * may override sender, rcpts and DSN fields (the -bs path does). */
struct submit_ctx;
void fe_submit_ctx(struct fe *fe, struct submit_ctx *c);

/* Modes. */
int fe_deliver(struct fe *fe);      /* -bm, -t: stdin → queue */
int fe_smtp(struct fe *fe);         /* -bs */
int fe_address_test(struct fe *fe); /* -bt */
int fe_verify(struct fe *fe);       /* -bv */
int fe_newaliases(struct fe *fe);   /* -bi */
int fe_queue_list(struct fe *fe);   /* -bp, mailq, relayq queue */
int fe_run_flush(struct fe *fe);    /* -q..., relayq flush */
int fe_oauth_setup(struct fe *fe);  /* relayq oauth setup: execs
                                       relayq-flush --oauth-setup */
int fe_check(struct fe *fe);        /* relayq check */
int fe_hoststat(struct fe *fe);     /* -bh, hoststat (mode_hoststat.c) */
int fe_purgestat(struct fe *fe);    /* -bH, purgestat (mode_hoststat.c) */

#endif
