/* Prometheus metrics. Each worker counts in memory what it served and
 * adds those counts (store/metrics_store.h) to the table "metrics" in
 * PostgreSQL at most every
 * metrics_flush_ms (after a response has gone out, or while idle), so
 * that a scrape answered by any worker sees all of them. A worker killed
 * with SIGKILL loses what it counted since its last flush. */
#ifndef DRAGOMAN_METRICS_H
#define DRAGOMAN_METRICS_H


enum metric {
	METRIC_HTTP_REQUESTS, /* route, status */
	METRIC_HTTP_DURATION, /* histogram: route */
	METRIC_PROBLEMS, /* type: the problem's short name */
	METRIC_PROVIDER_CALLS, /* provider, outcome */
	METRIC_PROVIDER_DURATION, /* histogram: provider */
	METRIC_CACHE_LOOKUPS, /* tier, result (segments) */
	METRIC_CREDITS_CHARGED, /* micros */
	METRIC_DB_ERRORS, /* kind */
	METRIC_MEMCACHED_ERRORS, /* op */
	METRIC_STRIPE_UNMATCHED, /* type: the Stripe event's */
	METRIC_USAGE_SPOOLED, /* usage events written to the spool */
	METRIC_USAGE_SPOOL_LOADED, /* spooled usage events loaded into PostgreSQL */
	METRIC__MAX
};

/* The end of a label list: a null pointer of the type the list reads (a
 * bare NULL may be an int, which a variadic function must not read as a
 * pointer). */
#define METRICS_END ((const char *)NULL)

/* Adds n to metric m for the label pairs in labels, given as
 * "name", "value", ..., METRICS_END (values are escaped here). */
void metrics_count(enum metric m, long long n, ...);

/* Records an observation of seconds into histogram m, labels as for
 * metrics_count(). */
void metrics_observe(enum metric m, double seconds, ...);

/* Returns how many milliseconds may pass before the counts should be
 * flushed (0: now), or -1 when nothing is waiting. */
long metrics_flush_wait_ms(long flush_ms);

/* The counts waiting, for the store (store/metrics_store.c): from slot k
 * on, the next one with a count writes its family's name, labels, index
 * (-1: a counter; 0..n-1 a histogram bucket, n its sum in microseconds,
 * n+1 its count) and delta, and returns its slot; -1 when none is left.
 * Borrowed strings. */
int metrics_pending(int k, const char **family, const char **labels, int *idx, long long *delta);

/* Forgets the counts waiting: they were stored. */
void metrics_pending_done(void);

/* After a flush that failed: the counts wait another flush interval from
 * now (metrics_flush_wait_ms()) before the next try, so that an idle
 * worker does not try again at once, and forever, while the database is
 * away. */
void metrics_flush_later(void);

/* Returns 1 when no count is waiting. */
int metrics_pending_none(void);

/* Returns the help text of the family named name and sets *histogram, or
 * NULL when no family has that name. */
const char *metrics_family_help(const char *name, int *histogram);

/* Points *le at the histograms' bucket bounds (seconds). Returns how many. */
int metrics_buckets(const double **le);

#define METRICS_LABELS_MAX 160
#define HIST_BUCKETS_MAX 32

/* Forgets the counts waiting (tests). */
void metrics_reset(void);

#endif
