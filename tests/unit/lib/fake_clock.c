/* fake_clock.c — a clock for tests that only moves when told (see
 * fake_clock.h). */
#include "config.h"

#include <string.h>

#include "fake_clock.h"

static long long
fake_wall_ms(void *ctx)
{
	return ((struct fake_clock *)ctx)->wall_ms;
}

static long long
fake_mono_ms(void *ctx)
{
	return ((struct fake_clock *)ctx)->mono_ms;
}

static double
fake_random(void *ctx)
{
	return ((struct fake_clock *)ctx)->rnd;
}

static void
fake_sleep_ms(void *ctx, long long ms)
{
	struct fake_clock *fc = ctx;

	fc->nsleeps++;
	fc->slept_ms += ms;
	fc->wall_ms += ms;
	fc->mono_ms += ms;
}

static const struct clock_ops fake_ops = { fake_wall_ms, fake_mono_ms,
	fake_random, fake_sleep_ms };

void
fake_clock_init(struct fake_clock *fc, time_t start)
{
	memset(fc, 0, sizeof(*fc));
	fc->clock.ops = &fake_ops;
	fc->clock.ctx = fc;
	fc->wall_ms = (long long)start * 1000;
}

void
fake_clock_advance(struct fake_clock *fc, long long secs)
{
	fc->wall_ms += secs * 1000;
	fc->mono_ms += secs * 1000;
}
