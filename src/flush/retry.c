/* retry.c — the retry schedule (see retry.h). */
#include "config.h"

#include "flush/retry.h"

void
retry_defaults(struct retry_policy *p)
{
	p->min_backoff = 300;
	p->max_backoff = 4000;
	p->lifetime = 5 * 24 * 3600;
	p->warn_after = 4 * 3600;
	p->jitter_pct = 10;
}

time_t
retry_next(const struct retry_policy *p, unsigned attempts, time_t now,
    double rnd)
{
	time_t wait = p->min_backoff > 0 ? p->min_backoff : 1;
	unsigned i;

	for (i = 1; i < attempts && wait < p->max_backoff; i++)
		wait *= 2;
	if (p->max_backoff > 0 && wait > p->max_backoff)
		wait = p->max_backoff;
	if (rnd < 0 || rnd >= 1)
		rnd = 0;
	wait += (time_t)((double)wait * (double)p->jitter_pct / 100.0 * rnd);
	return now + wait;
}

int
retry_expired(const struct retry_policy *p, time_t created, time_t now)
{
	return p->lifetime > 0 && now - created >= p->lifetime;
}

int
retry_warn_due(const struct retry_policy *p, time_t created, time_t now)
{
	return p->warn_after > 0 && now - created >= p->warn_after &&
	    !retry_expired(p, created, now);
}
