/* Time for deadlines and durations: milliseconds of CLOCK_MONOTONIC (clock.c). A leaf
 * header: the channel and libvirt layers need it without the run's types. */
#ifndef HPT_CLOCK_H
#define HPT_CLOCK_H
#include <stdint.h>

uint64_t now_ms(void);

#endif
