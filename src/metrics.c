#include "autoconfig.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "db.h"
#include "log.h"
#include "metrics.h"

#define LABELS_MAX 160
#define SLOTS 2048            /* series one worker can hold between flushes */

/* histogram bucket bounds, seconds */
static const double bounds[] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
    2.5, 5, 10 };
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
};

struct slot {
	int used;
	enum metric metric;
	int idx;
	char labels[LABELS_MAX];
	long long delta;
};

static struct slot slots[SLOTS];
static int waiting;              /* slots with a delta */
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
		log_msg(LOG_LEVEL_WARN, "metrics: more than %d series; new ones are not counted", SLOTS);
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
	waited = (now.tv_sec - first_wait.tv_sec) * 1000 +
	    (now.tv_nsec - first_wait.tv_nsec) / 1000000;
	return waited >= flush_ms ? 0 : flush_ms - waited;
}

/* Writes s to f as an element of a PostgreSQL array literal. */
static void array_element(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

int metrics_flush(struct db *db)
{
	char *arr[4] = { NULL, NULL, NULL, NULL };
	size_t len[4];
	FILE *f[4];
	PGresult *res;
	int n = 0, ok = 0;

	if (waiting == 0)
		return 0;
	for (int i = 0; i < 4; i++)
		if ((f[i] = open_memstream(&arr[i], &len[i])) == NULL)
			goto out;
	for (int i = 0; i < 4; i++)
		fputc('{', f[i]);
	for (int k = 0; k < SLOTS; k++) {
		const struct slot *s = &slots[k];
		if (!s->used || s->delta == 0)
			continue;
		for (int i = 0; i < 4; i++)
			if (n > 0)
				fputc(',', f[i]);
		array_element(f[0], families[s->metric].name);
		array_element(f[1], s->labels);
		fprintf(f[2], "%d", s->idx);
		fprintf(f[3], "%lld", s->delta);
		n++;
	}
	for (int i = 0; i < 4; i++) {
		fputc('}', f[i]);
		fclose(f[i]);
		f[i] = NULL;
	}
	const char *params[] = { arr[0], arr[1], arr[2], arr[3] };
	res = db_exec(db, STMT_METRICS_ADD, params);
	ok = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK;
	if (res != NULL && !ok)
		log_msg(LOG_LEVEL_ERROR, "metrics: %s", PQresultErrorMessage(res));
	PQclear(res);
	if (ok) {
		for (int k = 0; k < SLOTS; k++)
			slots[k].delta = 0;
		waiting = 0;
	}
out:
	for (int i = 0; i < 4; i++) {
		if (arr[i] == NULL && f[i] != NULL)
			fclose(f[i]);
		free(arr[i]);
	}
	return ok ? 0 : -1;
}

/* Returns the family named name, or NULL. */
static const struct family *family_named(const char *name)
{
	for (int i = 0; i < METRIC__MAX; i++)
		if (strcmp(families[i].name, name) == 0)
			return &families[i];
	return NULL;
}

/* One histogram's rows (one label set) gathered before they are written. */
struct hist {
	long long bucket[NBOUNDS], sum_us, count;
};

/* Writes the histogram fam{labels} gathered in h to out. */
static void hist_write(FILE *out, const char *fam, const char *labels, const struct hist *h)
{
	long long cum = 0;
	const char *sep = labels[0] != '\0' ? "," : "";

	for (int b = 0; b < NBOUNDS; b++) {
		cum += h->bucket[b];
		fprintf(out, "%s_bucket{%s%sle=\"%g\"} %lld\n", fam, labels, sep, bounds[b], cum);
	}
	fprintf(out, "%s_bucket{%s%sle=\"+Inf\"} %lld\n", fam, labels, sep, h->count);
	fprintf(out, "%s_sum%s%s%s %lld.%06lld\n", fam, *sep ? "{" : "", labels, *sep ? "}" : "",
	    h->sum_us / 1000000, h->sum_us % 1000000);
	fprintf(out, "%s_count%s%s%s %lld\n", fam, *sep ? "{" : "", labels, *sep ? "}" : "",
	    h->count);
}

int metrics_write(struct db *db, FILE *out)
{
	PGresult *res = db_exec(db, STMT_METRICS_READ, NULL);
	const struct family *fam = NULL;
	struct hist h;
	char labels[LABELS_MAX] = "";
	int rows;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		return -1;
	}
	rows = PQntuples(res);
	memset(&h, 0, sizeof(h));
	for (int r = 0; r <= rows; r++) {
		const struct family *f = r < rows ? family_named(PQgetvalue(res, r, 0)) : NULL;
		const char *l = r < rows ? PQgetvalue(res, r, 1) : "";
		if (r < rows && f == NULL)
			continue;   /* a family this version does not know */
		/* a histogram's label set ends: write it */
		if (fam != NULL && fam->histogram && (f != fam || strcmp(l, labels) != 0)) {
			hist_write(out, fam->name, labels, &h);
			memset(&h, 0, sizeof(h));
		}
		if (r == rows)
			break;
		if (f != fam)
			fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name,
			    f->histogram ? "histogram" : "counter");
		fam = f;
		snprintf(labels, sizeof(labels), "%s", l);
		long long v = db_num(res, r, 3);
		int idx = (int)db_num(res, r, 2);
		if (!f->histogram)
			fprintf(out, "%s%s%s%s %lld\n", f->name, *l ? "{" : "", l, *l ? "}" : "", v);
		else if (idx >= 0 && idx < NBOUNDS)
			h.bucket[idx] = v;
		else if (idx == IDX_SUM)
			h.sum_us = v;
		else if (idx == IDX_COUNT)
			h.count = v;
	}
	PQclear(res);
	return 0;
}

void metrics_reset(void)
{
	memset(slots, 0, sizeof(slots));
	waiting = 0;
	full_logged = 0;
}
