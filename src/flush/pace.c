/* pace.c — spacing of message starts (see pace.h). */
#include "config.h"

#include "flush/pace.h"

double
pace_wait(long per_minute, double prev, double now)
{
	double interval, w;

	if (per_minute <= 0 || prev < 0)
		return 0;
	interval = 60.0 / (double)per_minute;
	w = prev + interval - now;
	if (w <= 0)
		return 0;
	return w > interval ? interval : w;
}
