/* flush.h — one run of relayq-flush over one queue.
 *
 * A run sweeps crash leftovers, picks the messages that are due (or all
 * with --force, filtered by -I/-R/-S), and when there is any, opens ONE
 * session to the smarthost (failover over the configured smarthosts and
 * their addresses) and sends every due message over it, RSET between
 * transactions, at most max_recipients recipients per transaction,
 * reconnecting when the server closes or limits a session or a
 * per-connection limit is reached.  Each recipient's result is recorded
 * as soon as its transaction is finished; a message leaves the queue only
 * when every recipient is done or failed for good; failures for good are
 * bounced to the sender (flush_bounce.c).  A run with nothing due touches no
 * network.
 *
 *   flush.c          the run: selection, the session loop, the summary
 *   flush_session.c  endpoints, TCP, TLS, credentials, AUTH (with the
 *                    settings session_settings.c makes of the conf)
 *   flush_message.c  one message: lock, envelope, send, disposition
 *   flush_txn.c      its transactions: recipient batches, server limits
 *   flush_bounce.c   the delivery status notification for failures */
#ifndef RELAYQ_FLUSH_H
#define RELAYQ_FLUSH_H

#include <stdio.h>
#include <time.h>

#include "auth/creds.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/identity.h"
#include "lib/stream.h"
#include "options/conf.h"
#include "queue/queue.h"
#include "transport/resolver.h"

struct flush_filter {
	char kind; /* 'I' queue id, 'R' recipient, 'S' sender */
	int negate;
	const char *substr;
};

struct flush_opts {
	const struct conf *conf;
	/* NULL: look credentials up per session (creds_get); else only these
	 * are used and no credential source is read during the run. */
	const struct creds_set *creds;
	const struct identity *id;
	struct queue *queue;
	const struct resolver *resolver;
	int force;         /* ignore the retry schedule */
	long long min_age; /* with force: skip what was tried less
	                    * than this many seconds ago (sendmail's
	                    * MinQueueAge); 0 = none */
	int verbose;       /* SMTP transcript on stderr */
	int guest;         /* the queue is root's run's to deliver
	                    * (a spool queue flushed by its owner):
	                    * a session that fails on this run's own
	                    * configuration (a credential it cannot
	                    * read) leaves the messages untouched */
	const struct flush_filter *filters;
	size_t nfilters;
	int wait_lock;         /* flush_queue: when another run holds
	                        * the queue, wait for it, then run (a
	                        * forced run by hand); 0: hand over */
	const char *oauth_dir; /* without a queue (relayq check
	                        * --connect): the queue whose
	                        * oauth-token a run uses; NULL: only
	                        * oauth_token_file */
	int kick;              /* set by flush_queue: consume the
	                        * queue's kick before each scan */
	/* Wall time, monotonic time, waits and the retry jitter's chance
	 * (clock.h); NULL: the system's.  Tests run the engine on a fake. */
	const struct clock *clock;
	/* Tests: makes s a connection to host instead of TCP (NULL: the
	 * network).  Returns 0 with s set up (the session closes it), or -1
	 * with e. */
	int (*connect)(void *ctx, const char *host, struct stream *s,
	    struct err *e);
	void *connect_ctx;
};

struct flush_stats {
	unsigned due;      /* messages picked */
	unsigned sent;     /* messages finished with every recipient done */
	unsigned deferred; /* messages kept for a later try */
	unsigned bounced;  /* messages with a recipient failed for good */
	unsigned busy;     /* messages another flusher held */
	unsigned sessions; /* connections opened */
	int exit_code;     /* <sysexits.h> of the most severe outcome */
	int config_error;  /* a session failed on the configuration (TLS
	                    * files, credentials, no such smarthost) */
	int oauth_refused; /* the server refused the prefetched OAuth2
	                    * access token (535 to AUTH): only root's
	                    * --all-users run can refresh it */
	unsigned runs;     /* flush_queue: passes made under the lock */
	int handed_over;   /* flush_queue: another run held the queue;
	                    * it was kicked and will deliver */
};

/* Runs one pass.  Returns 0 when the run itself worked (st says how the
 * messages fared), -1 with e set when it could not run at all (bad
 * configuration, unreadable queue). */
int flush_run(const struct flush_opts *o, struct flush_stats *st,
    struct err *e);

/* flush_run under the queue's run lock (runlock.h), as every relayq-flush
 * run of one queue does: marks the kick, takes a free slot of the lock
 * (conf max_connections slots) — or, when every slot is held, hands over
 * and returns 0 with st->handed_over set (with o->wait_lock it waits for
 * slot 0 instead) — runs flush_run consuming the kick before each scan,
 * releases the lock, and runs again while the kick is marked and the lock
 * is free (doc/QUEUE.md, "Run lock and kick").  st adds up the passes.
 * Returns as flush_run; -1 also when the lock cannot be taken.  Logs the
 * hand-over at LOG_INFO. */
int flush_queue(const struct flush_opts *o, struct flush_stats *st,
    struct err *e);

/* Looks up the credentials of every smarthost of conf with the credential
 * sources conf configures (authinfo owner: the effective uid), as the
 * session would (session_settings.h, creds_prefetch).  Returns 0 with cs
 * filled (free with creds_set_free),
 * or -1 with e: no smarthost, a bad smarthost or auth_sources value
 * (EX_CONFIG), or a source that is set up but broken (its error).  Does
 * not log; messages never hold a secret. */
int flush_creds_prefetch(const struct conf *conf, struct creds_set *cs,
    struct err *e);

/* relayq oauth setup (relayq-flush --oauth-setup): the device
 * authorization grant (RFC 8628) with conf's OAuth2 client: prints the
 * verification URL and code on stdout, polls until the admin has
 * authorized it, stores the tokens in the token file (oauth_token_file,
 * or oauth-token in queue_dir).  Returns 0, or -1 with e. */
struct conf;
int flush_oauth_setup(const struct conf *c, const char *queue_dir,
    struct err *e);

/* relayq check's trial refresh (relayq-flush --oauth-check): refreshes
 * the access token with the stored refresh token whatever its expiry,
 * as a delivery does (under the token file's lock; a rotated refresh
 * token stored back), and writes to out one line "oauth: trial refresh
 * at URL: ok, ..." or "oauth: trial refresh FAILED: reason" with lines
 * "  fix: ..." where the reason has no fix in it; never a token.  The token
 * file is oauth_token_file, else oauth-token in queue_dir (NULL: root's spool
 * run, which needs oauth_token_file).  Returns 0, or -1 with e: EX_CONFIG for a
 * refused grant (invalid_grant: run relayq oauth setup again, not marked in the
 * file: the delivery that meets it runs on_failure), a missing token
 * file or client; EX_TEMPFAIL when the endpoint cannot be reached. */
int flush_oauth_check(const struct conf *c, const char *queue_dir, FILE *out,
    struct err *e);

/* Root's --all-users run: with oauth_provider set, gets the access token
 * once (from oauth_token_file, which is required here; refreshed as a
 * delivery does, and with force whatever its expiry: a child's server
 * refused it) and puts it into every entry of cs, for the per-user
 * children.  Returns 0 (also when OAuth2 is not configured) or -1. */
int flush_oauth_prefetch(const struct conf *c, struct creds_set *cs, int force,
    struct err *e);

/* relayq check --connect (relayq-flush --probe): opens one session as a
 * run would (o: conf, id, resolver, verbose, creds; no queue), then sends
 * MAIL FROM:<sender>, RSET and QUIT — never a message.  Writes one line
 * per step to out, "STEP: ok|FAILED|skipped|none|not tried[: detail]"
 * (resolve, TCP, TLS with protocol, certificate subject, issuer, names
 * and expiry, EHLO with the capabilities, AUTH with the mechanism and
 * the credential's source — never the secret —, MAIL FROM, RSET, QUIT),
 * "  fix: ..." after a failure, and a last line.  Returns EX_OK when every
 * step passed, else the failed step's code (EX_NOHOST resolve,
 * EX_UNAVAILABLE TCP, EX_PROTOCOL TLS/EHLO/RSET, EX_NOPERM AUTH and
 * MAIL FROM); -1 with e when the configuration cannot be used (no
 * smarthost, a bad credential order).  Records no host status. */
int flush_check(const struct flush_opts *o, const char *sender, FILE *out,
    struct err *e);

#endif
