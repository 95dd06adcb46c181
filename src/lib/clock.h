/* clock.h — wall time, monotonic time, waits and randomness in one place.
 *
 * Code whose decisions depend on the time or on chance (the flush
 * engine: what is due, expired or owes a delay warning, the retry
 * schedule's jitter, messages_per_minute pacing) reads them through a
 * struct clock, so that a test runs it on a fake clock
 * (tests/unit/lib/fake_clock.h) and lets days pass without sleeping.
 * Every function takes the clock as c; NULL means the system's:
 *   wall time    clock_gettime(CLOCK_REALTIME), as time(2)
 *   monotonic    clock_gettime(CLOCK_MONOTONIC), for intervals and
 *                deadlines (immune to the wall clock being set)
 *   random       random(3), seeded from the time and the pid the first
 *                time a process asks (a forked child seeds its own), so
 *                that a fleet of hosts does not retry in lockstep; not
 *                for secrets or unique names (use getrandom(2))
 *   sleep        nanosleep(2), resumed after a signal
 * Code that only bounds a wait on a real event (a child, a socket) may
 * pass NULL; it links libc only (the front end uses it too).  Nothing
 * here logs or fails. */
#ifndef RELAYQ_CLOCK_H
#define RELAYQ_CLOCK_H

#include <time.h>

struct clock_ops {
	long long (*wall_ms)(void *ctx);           /* ms since the Epoch */
	long long (*mono_ms)(void *ctx);           /* ms on a monotonic clock */
	double (*random)(void *ctx);               /* uniform in [0, 1) */
	void (*sleep_ms)(void *ctx, long long ms); /* waits ms (> 0) */
};

struct clock {
	const struct clock_ops *ops;
	void *ctx;
};

/* Wall time in seconds since the Epoch, as time(2). */
time_t clock_now(const struct clock *c);
/* Wall time in seconds since the Epoch with the fraction (for delay=). */
double clock_now_precise(const struct clock *c);
/* Monotonic milliseconds (an arbitrary origin: compare two readings). */
long long clock_mono_ms(const struct clock *c);
/* A pseudo-random number uniform in [0, 1). */
double clock_random(const struct clock *c);
/* Waits ms milliseconds (nothing for ms <= 0). */
void clock_sleep_ms(const struct clock *c, long long ms);

/* The system's monotonic milliseconds with the signature of
 * stream_set_clock's clock (ctx unused). */
long long clock_system_mono_ms(void *ctx);

#endif
