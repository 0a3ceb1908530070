#include "autoconfig.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/metrics.h"

#define LABELS_MAX METRICS_LABELS_MAX
#define SLOTS 2048 /* series one worker can hold between flushes */

/* histogram bucket bounds, seconds */
static const double bounds[] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
	10 };
#define NBOUNDS ((int)(sizeof(bounds) / sizeof(bounds[0])))
#define IDX_COUNTER (-1)
#define IDX_SUM NBOUNDS
#define IDX_COUNT (NBOUNDS + 1)

struct family {
	const char *name;
	int histogram;
	const char *help;
};

static const struct family families[METRIC__MAX] = {
	[METRIC_HTTP_REQUESTS] = { "dragoman_http_requests_total", 0,
	    "Requests answered, by route and HTTP status." },
	[METRIC_HTTP_DURATION] = { "dragoman_http_request_duration_seconds", 1,
	    "Time from a request's arrival at the worker to its response, by route." },
	[METRIC_PROBLEMS] = { "dragoman_problems_total", 0,
	    "problem+json answers by problem type (insufficient-credits is the 402, "
	    "rate-limited and key-quota-exceeded the 429s)." },
	[METRIC_PROVIDER_CALLS] = { "dragoman_provider_calls_total", 0,
	    "Calls to upstream providers, by provider and outcome (ok, error, refused by "
	    "the breaker)." },
	[METRIC_PROVIDER_DURATION] = { "dragoman_provider_call_duration_seconds", 1,
	    "Duration of upstream provider calls, by provider." },
	[METRIC_CACHE_LOOKUPS] = { "dragoman_cache_lookups_total", 0,
	    "Translation cache lookups of segments: hits by tier (memcached, postgresql) "
	    "and misses." },
	[METRIC_CREDITS_CHARGED] = { "dragoman_credits_charged_micros_total", 0,
	    "Credits charged for requests, in millionths of the currency unit." },
	[METRIC_DB_ERRORS] = { "dragoman_postgresql_errors_total", 0,
	    "PostgreSQL failures: lost or refused connections, failed statements." },
	[METRIC_MEMCACHED_ERRORS] = { "dragoman_memcached_errors_total", 0,
	    "memcached operations that failed (not misses), by operation." },
	[METRIC_STRIPE_UNMATCHED] = { "dragoman_stripe_unmatched_events_total", 0,
	    "Stripe events about money that matched no payment, kept for an operator "
	    "(dragoman-admin payments unmatched), by event type." },
	[METRIC_USAGE_SPOOLED] = { "dragoman_usage_events_spooled_total", 0,
	    "Usage events of requests that moved no money, written to the usage spool." },
	[METRIC_USAGE_SPOOL_LOADED] = { "dragoman_usage_spool_loaded_total", 0,
	    "Spooled usage events loaded into PostgreSQL." },
};

struct slot {
	int used;
	enum metric metric;
	int idx;
	char labels[LABELS_MAX];
	long long delta;
};

static struct slot slots[SLOTS];
static int waiting; /* slots with a delta */
static struct timespec first_wait;
static int full_logged;

/* Appends the label pairs of ap ("name", "value", ..., NULL) to out as
 * name="value",... with \, " and newlines escaped. */
static void labels_format(char out[LABELS_MAX], va_list ap)
{
	size_t n = 0;
	const char *name;

	out[0] = '\0';
	while ((name = va_arg(ap, const char *)) != NULL) {
		const char *v = va_arg(ap, const char *);
		n += (size_t)snprintf(out + n, n < LABELS_MAX ? LABELS_MAX - n : 0, "%s%s=\"",
		    n ? "," : "", name);
		for (; v != NULL && *v != '\0' && n + 3 < LABELS_MAX; v++) {
			if (*v == '\\' || *v == '"' || *v == '\n')
				out[n++] = '\\';
			out[n++] = *v == '\n' ? 'n' : *v;
		}
		if (n + 1 < LABELS_MAX)
			out[n++] = '"';
		out[n < LABELS_MAX ? n : LABELS_MAX - 1] = '\0';
	}
}

/* Returns the slot of (m, idx, labels), taken now if new, or NULL when
 * the table is full. */
static struct slot *slot_of(enum metric m, int idx, const char *labels)
{
	uint32_t h = 2166136261u ^ (uint32_t)m ^ ((uint32_t)(idx + 2) << 8);

	for (const char *p = labels; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	for (int probe = 0; probe < SLOTS; probe++) {
		struct slot *s = &slots[(h + (uint32_t)probe) % SLOTS];
		if (!s->used) {
			s->used = 1;
			s->metric = m;
			s->idx = idx;
			snprintf(s->labels, sizeof(s->labels), "%s", labels);
			return s;
		}
		if (s->metric == m && s->idx == idx && strcmp(s->labels, labels) == 0)
			return s;
	}
	if (!full_logged)
		log_msg(LOG_LEVEL_WARN, "metrics: more than %d series; new ones are not counted",
		    SLOTS);
	full_logged = 1;
	return NULL;
}

/* Adds n to the slot (m, idx, labels). */
static void add(enum metric m, int idx, const char *labels, long long n)
{
	struct slot *s = slot_of(m, idx, labels);

	if (s == NULL || n <= 0)
		return;
	if (s->delta == 0 && waiting++ == 0)
		clock_gettime(CLOCK_MONOTONIC, &first_wait);
	s->delta += n;
}

void metrics_count(enum metric m, long long n, ...)
{
	char labels[LABELS_MAX];
	va_list ap;

	va_start(ap, n);
	labels_format(labels, ap);
	va_end(ap);
	add(m, IDX_COUNTER, labels, n);
}

void metrics_observe(enum metric m, double seconds, ...)
{
	char labels[LABELS_MAX];
	va_list ap;
	int b = 0;

	va_start(ap, seconds);
	labels_format(labels, ap);
	va_end(ap);
	if (seconds < 0)
		seconds = 0;
	while (b < NBOUNDS && seconds > bounds[b])
		b++;
	if (b < NBOUNDS)
		add(m, b, labels, 1);
	add(m, IDX_SUM, labels, (long long)(seconds * 1e6 + 0.5));
	add(m, IDX_COUNT, labels, 1);
}

long metrics_flush_wait_ms(long flush_ms)
{
	struct timespec now;
	long waited;

	if (waiting == 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	waited =
	    (now.tv_sec - first_wait.tv_sec) * 1000 + (now.tv_nsec - first_wait.tv_nsec) / 1000000;
	return waited >= flush_ms ? 0 : flush_ms - waited;
}

void metrics_flush_later(void)
{
	if (waiting > 0)
		clock_gettime(CLOCK_MONOTONIC, &first_wait);
}

int metrics_pending(int k, const char **family, const char **labels, int *idx, long long *delta)
{
	for (; k < SLOTS; k++) {
		const struct slot *s = &slots[k];
		if (!s->used || s->delta == 0)
			continue;
		*family = families[s->metric].name;
		*labels = s->labels;
		*idx = s->idx;
		*delta = s->delta;
		return k;
	}
	return -1;
}

void metrics_pending_done(void)
{
	for (int k = 0; k < SLOTS; k++)
		slots[k].delta = 0;
	waiting = 0;
}

int metrics_pending_none(void)
{
	return waiting == 0;
}

const char *metrics_family_help(const char *name, int *histogram)
{
	for (int i = 0; i < METRIC__MAX; i++)
		if (strcmp(families[i].name, name) == 0) {
			*histogram = families[i].histogram;
			return families[i].help;
		}
	return NULL;
}

int metrics_buckets(const double **le)
{
	*le = bounds;
	return NBOUNDS;
}

void metrics_reset(void)
{
	memset(slots, 0, sizeof(slots));
	waiting = 0;
	full_logged = 0;
}
