/* fake_clock.h — a clock for tests that only moves when told (clock.h).
 *
 * Wall time starts at start (seconds since the Epoch), the monotonic
 * clock at 0; fake_clock_advance moves both.  A wait (clock_sleep_ms)
 * does not sleep: it advances both clocks by the time asked and is
 * counted, so pacing and lingering are tested at once.  The random
 * source answers rnd (0 by default: no retry jitter), so a schedule is
 * exact. */
#ifndef RELAYQ_TEST_FAKE_CLOCK_H
#define RELAYQ_TEST_FAKE_CLOCK_H

#include <time.h>

#include "lib/clock.h"

struct fake_clock {
	struct clock clock; /* pass &fc.clock where a clock is taken */
	long long wall_ms;  /* ms since the Epoch */
	long long mono_ms;
	double rnd;            /* what random answers, in [0, 1) */
	unsigned long nsleeps; /* waits asked for */
	long long slept_ms;    /* their total */
};

/* Sets fc up at wall time start, monotonic 0, random 0. */
void fake_clock_init(struct fake_clock *fc, time_t start);
/* Lets secs seconds pass (both clocks). */
void fake_clock_advance(struct fake_clock *fc, long long secs);

#endif
