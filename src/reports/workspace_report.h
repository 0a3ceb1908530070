/* The reports of one workspace over a range: its usage in buckets of a
 * day or an hour, the users that spent most, the language pairs and the
 * providers. Each resolves the range first (report_range_resolve()), then
 * hands the rows to a callback, whose strings are borrowed for the call. */
#ifndef DRAGOMAN_WORKSPACE_REPORT_H
#define DRAGOMAN_WORKSPACE_REPORT_H

#include <stddef.h>

#include "core/problem.h"
#include "reports/report.h"

struct worker;

/* group_by=hour covers at most this many days */
#define REPORT_HOURLY_MAX_DAYS 31

/* The usage of a bucket of the series (start: its local start), or the
 * totals of the range (total set, start NULL). */
struct report_bucket {
	int total;
	const char *start;
	struct report_measures m;
	long long unique_users;
};

/* A user, or an API key for requests made without a user (the other id is
 * NULL; both are NULL for an actor the database cannot name). */
struct report_actor {
	const char *user_id, *api_key_id;
	const char *api_key_prefix; /* NULL: none */
	long long requests, errors, characters, billed_characters, cost_micros;
};

/* A language pair; source NULL: a detection that found none. */
struct report_pair {
	const char *source, *target;
	struct report_measures m;
};

/* An upstream provider. */
struct report_provider {
	const char *provider;
	struct report_measures m;
};

typedef void (*report_bucket_fn)(void *arg, const struct report_bucket *b);
typedef void (*report_actor_fn)(void *arg, const struct report_actor *a);
typedef void (*report_pair_fn)(void *arg, const struct report_pair *p);
typedef void (*report_provider_fn)(void *arg, const struct report_provider *p);

/* Resolves ask into *range and reads workspace_id's usage over it in
 * buckets of *group ("day" or "hour"; NULL: hours for period=day, else
 * days; on return the one used, a static string). Calls fn with arg for
 * the totals, then for every bucket in order, empty ones too. Returns
 * PROBLEM_NONE; PROBLEM_INVALID_FIELD (a bad range, group, or hours over
 * more than REPORT_HOURLY_MAX_DAYS) or PROBLEM_UNAVAILABLE, with detail
 * set. */
enum problem report_usage(struct worker *w, const struct report_ask *ask, const char *workspace_id,
    const char **group, struct report_range *range, report_bucket_fn fn, void *arg, char *detail,
    size_t dsz);

/* Resolves ask into *range and calls fn with arg for the limit users (or
 * keys) of workspace_id that spent most over it, most first. Returns
 * PROBLEM_NONE; PROBLEM_INVALID_FIELD or PROBLEM_UNAVAILABLE with detail
 * set. */
enum problem report_top_actors(struct worker *w, const struct report_ask *ask,
    const char *workspace_id, long long limit, struct report_range *range, report_actor_fn fn,
    void *arg, char *detail, size_t dsz);

/* Like report_top_actors(), for the language pairs, most requested first. */
enum problem report_pairs(struct worker *w, const struct report_ask *ask, const char *workspace_id,
    long long limit, struct report_range *range, report_pair_fn fn, void *arg, char *detail,
    size_t dsz);

/* Like report_top_actors(), for the providers, most requested first. */
enum problem report_providers(struct worker *w, const struct report_ask *ask,
    const char *workspace_id, long long limit, struct report_range *range, report_provider_fn fn,
    void *arg, char *detail, size_t dsz);

#endif
