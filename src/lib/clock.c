/* clock.c — the system clock and the dispatch to an injected one (see
 * clock.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "lib/clock.h"

static long long
read_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long
sys_wall_ms(void *ctx)
{
	(void)ctx;
	return read_ms(CLOCK_REALTIME);
}

long long
clock_system_mono_ms(void *ctx)
{
	(void)ctx;
	return read_ms(CLOCK_MONOTONIC);
}

static double
sys_random(void *ctx)
{
	static pid_t seeded;
	pid_t pid = getpid();

	(void)ctx;
	if (seeded != pid) {
		srandom((unsigned)(time(NULL) ^ pid));
		seeded = pid;
	}
	return (double)random() / ((double)RAND_MAX + 1.0);
}

static void
sys_sleep_ms(void *ctx, long long ms)
{
	struct timespec ts;

	(void)ctx;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static const struct clock_ops sys_ops = { sys_wall_ms, clock_system_mono_ms,
	sys_random, sys_sleep_ms };
static const struct clock sys_clock = { &sys_ops, NULL };

static const struct clock *
pick(const struct clock *c)
{
	return c != NULL ? c : &sys_clock;
}

time_t
clock_now(const struct clock *c)
{
	long long ms;

	if (c == NULL)
		return time(NULL);
	ms = c->ops->wall_ms(c->ctx);
	return (time_t)(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000));
}

double
clock_now_precise(const struct clock *c)
{
	c = pick(c);
	return (double)c->ops->wall_ms(c->ctx) / 1000.0;
}

long long
clock_mono_ms(const struct clock *c)
{
	c = pick(c);
	return c->ops->mono_ms(c->ctx);
}

double
clock_random(const struct clock *c)
{
	double r;

	c = pick(c);
	r = c->ops->random(c->ctx);
	return r >= 0 && r < 1 ? r : 0;
}

void
clock_sleep_ms(const struct clock *c, long long ms)
{
	if (ms <= 0)
		return;
	c = pick(c);
	c->ops->sleep_ms(c->ctx, ms);
}
