/* Shared rate limits: each API key's requests per minute, hour and day,
 * counted in memcached with atomic increments so that every worker (and
 * every web node using the same memcached) sees the same counts. A
 * window is a sliding window estimated from two fixed ones: the current
 * one's count plus the previous one's, weighted by how much of it still
 * overlaps the last window length. */
#ifndef DRAGOMAN_RATELIMIT_H
#define DRAGOMAN_RATELIMIT_H

#include <stddef.h>

#include "core/identity.h"
#include "core/problem.h"

struct worker;
struct reply;

/* One window's counts at the moment of a request. */
struct rate_sample {
	long limit; /* requests allowed per window (> 0) */
	long window_ms; /* its length */
	long elapsed_ms; /* into the current fixed window, [0, window_ms) */
	long prev; /* the previous fixed window's count */
	long curr; /* the current one's, this request included */
};

/* What a sample allows. */
struct rate_estimate {
	int admitted;
	long remaining; /* requests still allowed now (0 when refused) */
	long reset_s; /* seconds until the quota frees up: the window's
	                      * end when admitted, else the earliest time one
	                      * more request would be admitted */
};

/* Decides s. Returns the estimate (pure; no I/O). */
struct rate_estimate rate_estimate(const struct rate_sample *s);

/* Returns the window's policy name ("minute", "hour", "day"). */
const char *rate_window_name(enum rate_window win);

/* Counts this request of id against its windows (none when id is exempt,
 * by its key or by its role under rate_limit_exempt_roles), and adds the
 * RateLimit-Policy and RateLimit headers to rp. Returns PROBLEM_NONE when
 * admitted; PROBLEM_RATE_LIMITED with Retry-After and detail set when a
 * window is full (the request is then not counted); PROBLEM_UNAVAILABLE
 * when memcached cannot count and rate_limit_fail_open is off. With it
 * on, the request is admitted and the outage logged once per process. */
enum problem ratelimit_apply(struct worker *w, const struct identity *id, struct reply *rp,
    char *detail, size_t dsz);

/* Returns 1 when role is one of the comma-separated role names in list. */
int ratelimit_role_listed(const char *list, const char *role);

#endif
