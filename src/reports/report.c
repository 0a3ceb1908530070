#include "autoconfig.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/money.h"
#include "reports/report.h"
#include "store/db.h"

/* upper bounds of the histogram slots, ms (db/migrations/0013_reports.sql) */
static const long hist_bounds[REPORT_HIST_SLOTS - 1] = { 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000,
	2000, 5000, 10000 };

/* Reads exactly n digits from s into *v. Returns 0 or -1. */
static int digits(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/* Returns the days of month mo (1-12) of year y. */
static int month_days(int y, int mo)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return mo == 2 && leap ? 29 : days[mo - 1];
}

int report_time_parse(const char *s, char *out, size_t outsz, int *has_offset, int *is_date)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, oh, om;
	const char *p = s + 10;
	char zone[16] = "", text[80];

	if (outsz < 32 || digits(s, 4, &y) < 0 || s[4] != '-' || digits(s + 5, 2, &mo) < 0 ||
	    s[7] != '-' || digits(s + 8, 2, &d) < 0 || y < 1970 || y > 9999 || mo < 1 || mo > 12 ||
	    d < 1 || d > month_days(y, mo))
		return -1;
	*is_date = *p == '\0';
	*has_offset = 0;
	if (*is_date) {
		snprintf(out, outsz, "%04d-%02d-%02d", y, mo, d);
		return 0;
	}
	if (*p != 'T' || digits(p + 1, 2, &h) < 0 || p[3] != ':' || digits(p + 4, 2, &mi) < 0 ||
	    h > 23 || mi > 59)
		return -1;
	p += 6;
	if (*p == ':') {
		if (digits(p + 1, 2, &sec) < 0 || sec > 59)
			return -1;
		p += 3;
	}
	if (*p == 'Z' && p[1] == '\0') {
		snprintf(zone, sizeof(zone), "+00:00");
	} else if ((*p == '+' || *p == '-') && digits(p + 1, 2, &oh) == 0 && p[3] == ':' &&
	    digits(p + 4, 2, &om) == 0 && p[6] == '\0' && oh <= 14 && om <= 59) {
		snprintf(zone, sizeof(zone), "%c%02d:%02d", *p, oh, om);
	} else if (*p != '\0') {
		return -1;
	}
	*has_offset = zone[0] != '\0';
	snprintf(text, sizeof(text), "%04d-%02d-%02d %02d:%02d:%02d%s", y, mo, d, h, mi, sec, zone);
	snprintf(out, outsz, "%s", text);
	return 0;
}

/* Returns 1 when tz may be a time zone name (letters, digits, / _ + -). */
static int tz_plausible(const char *tz)
{
	size_t n = strlen(tz);

	if (n == 0 || n > 63)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)tz[i]) && strchr("/_+-", tz[i]) == NULL)
			return 0;
	return 1;
}

enum problem report_range_resolve(struct db *db, const struct report_ask *ask,
    struct report_range *out, char *detail, size_t dsz)
{
	char from[32] = "", to[32] = "";
	int from_off = 0, to_off = 0, from_date = 0, to_date = 0;
	const char *values[7];
	char state[8];
	PGresult *res;

	memset(out, 0, sizeof(*out));
	snprintf(out->tz, sizeof(out->tz), "%s", ask->tz != NULL ? ask->tz : "UTC");
	if (!tz_plausible(out->tz)) {
		snprintf(detail, dsz, "tz: not a time zone name (e.g. Europe/Vilnius)");
		return PROBLEM_INVALID_FIELD;
	}
	if (ask->period != NULL && (ask->from != NULL || ask->to != NULL)) {
		snprintf(detail, dsz, "give either period or from/to, not both");
		return PROBLEM_INVALID_FIELD;
	}
	if (ask->period != NULL && strcmp(ask->period, "day") != 0 &&
	    strcmp(ask->period, "week") != 0 && strcmp(ask->period, "month") != 0) {
		snprintf(detail, dsz, "period: must be day, week or month");
		return PROBLEM_INVALID_FIELD;
	}
	if (ask->to != NULL && ask->from == NULL) {
		snprintf(detail, dsz, "to: needs from");
		return PROBLEM_INVALID_FIELD;
	}
	if (ask->from != NULL &&
	    report_time_parse(ask->from, from, sizeof(from), &from_off, &from_date) < 0) {
		snprintf(detail, dsz,
		    "from: not an ISO 8601 date or date-time"
		    " (YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM])");
		return PROBLEM_INVALID_FIELD;
	}
	if (ask->to != NULL && report_time_parse(ask->to, to, sizeof(to), &to_off, &to_date) < 0) {
		snprintf(detail, dsz,
		    "to: not an ISO 8601 date or date-time"
		    " (YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM])");
		return PROBLEM_INVALID_FIELD;
	}
	values[0] = ask->from != NULL ? from : NULL;
	values[1] = ask->to != NULL ? to : NULL;
	values[2] = ask->from == NULL ? (ask->period != NULL ? ask->period : "month") : NULL;
	values[3] = out->tz;
	values[4] = from_off ? "t" : "f";
	values[5] = to_off ? "t" : "f";
	values[6] = to_date ? "t" : "f";
	if (ask->from != NULL && ask->to == NULL) {
		values[1] = "now"; /* from a time until now */
		values[5] = "t";
	}
	res = db_exec(db, STMT_REPORT_RANGE, values);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		const char *code = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
		snprintf(state, sizeof(state), "%s", code != NULL ? code : "");
		PQclear(res);
		if (strncmp(state, "22", 2) == 0) {
			/* data exceptions: an unknown zone, a time it cannot read */
			snprintf(detail, dsz, "tz: unknown time zone \"%s\"", out->tz);
			if (strcmp(state, "22023") != 0)
				snprintf(detail, dsz, "from/to: not a valid time");
			return PROBLEM_INVALID_FIELD;
		}
		snprintf(detail, dsz, "reports are unavailable right now");
		return PROBLEM_UNAVAILABLE;
	}
	snprintf(out->from_utc, sizeof(out->from_utc), "%s", PQgetvalue(res, 0, 0));
	snprintf(out->to_utc, sizeof(out->to_utc), "%s", PQgetvalue(res, 0, 1));
	out->seconds = db_num(res, 0, 2);
	snprintf(out->from_local, sizeof(out->from_local), "%s", PQgetvalue(res, 0, 3));
	snprintf(out->to_local, sizeof(out->to_local), "%s", PQgetvalue(res, 0, 4));
	PQclear(res);
	if (out->seconds <= 0) {
		snprintf(detail, dsz, "from: must be before to");
		return PROBLEM_INVALID_FIELD;
	}
	if (out->seconds > ask->max_days * 86400LL) {
		snprintf(detail, dsz, "the range is longer than %ld days", ask->max_days);
		return PROBLEM_INVALID_FIELD;
	}
	return PROBLEM_NONE;
}

long report_p95_ms(const long long hist[REPORT_HIST_SLOTS])
{
	long long n = 0, rank, seen = 0;
	int k;

	for (k = 0; k < REPORT_HIST_SLOTS; k++)
		n += hist[k];
	if (n == 0)
		return 0;
	rank = (95 * n + 99) / 100; /* the ceil(0.95 n)-th fastest */
	for (k = 0; k < REPORT_HIST_SLOTS - 1; k++) {
		if (seen + hist[k] >= rank) {
			long lo = k == 0 ? 0 : hist_bounds[k - 1], hi = hist_bounds[k];
			return lo +
			    (long)(((long long)(hi - lo) * (rank - seen) + hist[k] - 1) / hist[k]);
		}
		seen += hist[k];
	}
	return hist_bounds[REPORT_HIST_SLOTS - 2];
}

/* Returns a new JSON number of v with at most places decimals. */
static struct json_object *decimal(double v, int places)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%.*f", places, v);
	return json_object_new_double_s(v, buf);
}

void report_measures_json(struct json_object *o, const struct report_measures *m)
{
	json_object_object_add(o, "requests", json_object_new_int64(m->requests));
	json_object_object_add(o, "translations", json_object_new_int64(m->translations));
	json_object_object_add(o, "characters", json_object_new_int64(m->characters));
	json_object_object_add(o, "billed_characters", json_object_new_int64(m->billed_characters));
	money_json_add(o, "cost", m->cost_micros);
	json_object_object_add(o, "cache_hits", json_object_new_int64(m->cache_hits));
	json_object_object_add(o, "cache_hit_rate",
	    decimal(m->translations > 0 ? (double)m->cache_hits / (double)m->translations : 0.0,
	        4));
	json_object_object_add(o, "errors", json_object_new_int64(m->errors));
	json_object_object_add(o, "avg_response_ms",
	    decimal(m->requests > 0 ? (double)m->duration_ms_sum / (double)m->requests : 0.0, 1));
	json_object_object_add(o, "p95_response_ms", json_object_new_int64(report_p95_ms(m->hist)));
}

struct json_object *report_range_json(const struct report_range *range)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "from", json_object_new_string(range->from_local));
	json_object_object_add(o, "to", json_object_new_string(range->to_local));
	json_object_object_add(o, "tz", json_object_new_string(range->tz));
	return o;
}
