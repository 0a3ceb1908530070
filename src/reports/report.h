/* Usage reports: their time range (a period or from/to, in a time zone),
 * and the measures every report shows, turned into JSON. The reports
 * themselves: workspace_report.h (one workspace's), analytics.h (across
 * workspaces). */
#ifndef DRAGOMAN_REPORT_H
#define DRAGOMAN_REPORT_H

#include <json-c/json.h>
#include <stddef.h>

#include "core/problem.h"

struct db;

#define REPORT_HIST_SLOTS 14

/* A report's range, resolved by PostgreSQL in the caller's time zone. */
struct report_range {
	char from_utc[24]; /* inclusive, "YYYY-MM-DDTHH:MM:SSZ" */
	char to_utc[24]; /* exclusive */
	char from_local[32]; /* the same in tz, RFC 3339 with offset */
	char to_local[32];
	char tz[64];
	long long seconds; /* to - from */
};

/* What the caller asked for; NULL members were not given. */
struct report_ask {
	const char *period; /* "day", "week", "month" */
	const char *from, *to; /* ISO 8601 dates or date-times */
	const char *tz; /* IANA name; NULL: UTC */
	long max_days; /* the longest range allowed */
};

/* Sums over a group of usage events (enum order of REPORT_MEASURES). */
struct report_measures {
	long long requests, translations, characters, billed_characters, cost_micros;
	long long cache_hits, errors, duration_ms_sum;
	long long hist[REPORT_HIST_SLOTS];
};

/* Checks that s is YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS] with an optional
 * Z or +HH:MM / -HH:MM, and writes what PostgreSQL should read into out
 * (outsz bytes, at least 32): the text with 'T' as a space. Sets
 * *has_offset and *is_date. Returns 0, or -1 when s is not such a time. */
int report_time_parse(const char *s, char *out, size_t outsz, int *has_offset, int *is_date);

/* Resolves ask into *out through db (the period ends now; a "to" date
 * includes its whole day). Returns PROBLEM_NONE, PROBLEM_INVALID_FIELD
 * with detail set (a bad date, an unknown zone, from >= to, a range over
 * max_days), or PROBLEM_UNAVAILABLE. */
enum problem report_range_resolve(struct db *db, const struct report_ask *ask,
    struct report_range *out, char *detail, size_t dsz);

/* Returns the 95th percentile response time in ms estimated from the
 * histogram (linear within its slot; the last slot reads as its lower
 * bound), 0 when it is empty. */
long report_p95_ms(const long long hist[REPORT_HIST_SLOTS]);

/* Adds the measures to object o: counts, cost as decimal text and micros,
 * cache hit rate, average and p95 response time. */
void report_measures_json(struct json_object *o, const struct report_measures *m);

/* Returns the range as a new JSON object (from, to, tz). */
struct json_object *report_range_json(const struct report_range *range);

#endif
