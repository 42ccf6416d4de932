#include <time.h>

#include "util/clock.h"

static double
clock_read(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double
clock_mono(void)
{
	return clock_read(CLOCK_MONOTONIC);
}

double
clock_wall(void)
{
	return clock_read(CLOCK_REALTIME);
}

double
clock_mono_to_wall(double mono)
{
	if (mono == 0)
		return 0;
	return clock_wall() - (clock_mono() - mono);
}
