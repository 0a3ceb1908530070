/* Monotonic durations, for logs and health checks. */
#ifndef DRAGOMAN_CLOCK_H
#define DRAGOMAN_CLOCK_H

#include <time.h>

#include <json-c/json.h>

/* Returns CLOCK_MONOTONIC in milliseconds (never 0 in practice). */
double clock_now_ms(void);

/* Returns the milliseconds elapsed since t0 (CLOCK_MONOTONIC). */
double clock_ms_since(const struct timespec *t0);

/* Returns a new JSON number for ms, printed with three decimals. The
 * caller owns it. */
struct json_object *clock_json_ms(double ms);

#endif
