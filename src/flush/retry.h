/* retry.h — the retry schedule, as pure functions of time.
 *
 * Postfix-like: the first retry waits min_backoff, each later one twice
 * the previous, never more than max_backoff, plus up to jitter_pct percent
 * of random delay so that a fleet of hosts does not retry in lockstep.  A
 * message older than lifetime has expired (it is bounced); one older than
 * warn_after gets one delay warning when its sender asked for it. */
#ifndef RELAYQ_RETRY_H
#define RELAYQ_RETRY_H

#include <time.h>

struct retry_policy {
	time_t min_backoff;  /* seconds; default 300 */
	time_t max_backoff;  /* seconds; default 4000 */
	time_t lifetime;     /* seconds; default 5 days */
	time_t warn_after;   /* seconds; default 4 hours; 0 = never */
	unsigned jitter_pct; /* 0..100; default 10 */
};

/* Fills p with the defaults above. */
void retry_defaults(struct retry_policy *p);

/* The time of the next attempt after the attempts-th failed one
 * (attempts >= 1) that ended at now.  rnd in [0, 1) picks the jitter. */
time_t retry_next(const struct retry_policy *p, unsigned attempts, time_t now,
    double rnd);

/* 1 when a message queued at created has outlived the queue lifetime. */
int retry_expired(const struct retry_policy *p, time_t created, time_t now);

/* 1 when a delay warning is due for a message queued at created. */
int retry_warn_due(const struct retry_policy *p, time_t created, time_t now);

#endif
