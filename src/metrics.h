/* Prometheus metrics. Each worker counts in memory what it served and
 * adds those counts to the table "metrics" in PostgreSQL at most every
 * metrics_flush_ms (after a response has gone out, or while idle), so
 * that a scrape answered by any worker sees all of them. A worker killed
 * with SIGKILL loses what it counted since its last flush. */
#ifndef DRAGOMAN_METRICS_H
#define DRAGOMAN_METRICS_H

#include <stdio.h>

struct db;

enum metric {
	METRIC_HTTP_REQUESTS,       /* route, status */
	METRIC_HTTP_DURATION,       /* histogram: route */
	METRIC_PROBLEMS,            /* type: the problem's short name */
	METRIC_PROVIDER_CALLS,      /* provider, outcome */
	METRIC_PROVIDER_DURATION,   /* histogram: provider */
	METRIC_CACHE_LOOKUPS,       /* tier, result (segments) */
	METRIC_CREDITS_CHARGED,     /* micros */
	METRIC_DB_ERRORS,           /* kind */
	METRIC_MEMCACHED_ERRORS,    /* op */
	METRIC_STRIPE_UNMATCHED,    /* type: the Stripe event's */
	METRIC__MAX
};

/* Adds n to metric m for the label pairs in labels, given as
 * "name", "value", ..., NULL (values are escaped here). */
void metrics_count(enum metric m, long long n, ...);

/* Records an observation of seconds into histogram m, labels as for
 * metrics_count(). */
void metrics_observe(enum metric m, double seconds, ...);

/* Returns how many milliseconds may pass before the counts should be
 * flushed (0: now), or -1 when nothing is waiting. */
long metrics_flush_wait_ms(long flush_ms);

/* Adds the counts waiting to the table through db, in one statement, and
 * forgets them; when that fails they are kept for the next attempt.
 * Returns 0, or -1. */
int metrics_flush(struct db *db);

/* Writes every metric of the table in the Prometheus text format
 * (version 0.0.4) to f. Returns 0, or -1 when the table cannot be read. */
int metrics_write(struct db *db, FILE *f);

/* Forgets the counts waiting (tests). */
void metrics_reset(void);

#endif
