#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "core/log.h"
#include "core/metrics.h"
#include "store/db.h"
#include "store/metrics_store.h"

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
	const char *family, *labels;
	int n = 0, ok = 0, idx;
	long long delta;

	if (metrics_pending_none())
		return 0;
	for (int i = 0; i < 4; i++)
		if ((f[i] = open_memstream(&arr[i], &len[i])) == NULL)
			goto out;
	for (int i = 0; i < 4; i++)
		fputc('{', f[i]);
	for (int k = 0; (k = metrics_pending(k, &family, &labels, &idx, &delta)) >= 0; k++) {
		for (int i = 0; i < 4; i++)
			if (n > 0)
				fputc(',', f[i]);
		array_element(f[0], family);
		array_element(f[1], labels);
		fprintf(f[2], "%d", idx);
		fprintf(f[3], "%lld", delta);
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
	if (ok)
		metrics_pending_done();
	else
		metrics_flush_later();
out:
	for (int i = 0; i < 4; i++) {
		if (arr[i] == NULL && f[i] != NULL)
			fclose(f[i]);
		free(arr[i]);
	}
	return ok ? 0 : -1;
}

/* One histogram's rows (one label set) gathered before they are written:
 * bucket[] (not cumulative), the sum in microseconds, the count. */
struct hist {
	long long bucket[HIST_BUCKETS_MAX], sum_us, count;
};

/* Writes the histogram fam{labels} gathered in h to out. */
static void hist_write(FILE *out, const char *fam, const char *labels, const struct hist *h)
{
	long long cum = 0;
	const char *sep = labels[0] != '\0' ? "," : "";
	const double *le;
	int nb = metrics_buckets(&le);

	for (int b = 0; b < nb; b++) {
		cum += h->bucket[b];
		fprintf(out, "%s_bucket{%s%sle=\"%g\"} %lld\n", fam, labels, sep, le[b], cum);
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
	const char *fam = NULL, *help;
	const double *le;
	int nb = metrics_buckets(&le), hist = 0, rows;
	struct hist h;
	char labels[METRICS_LABELS_MAX] = "";

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		return -1;
	}
	rows = PQntuples(res);
	memset(&h, 0, sizeof(h));
	for (int r = 0; r <= rows; r++) {
		const char *f = r < rows ? PQgetvalue(res, r, 0) : NULL;
		const char *l = r < rows ? PQgetvalue(res, r, 1) : "";
		int fhist = 0;
		help = f != NULL ? metrics_family_help(f, &fhist) : NULL;
		if (r < rows && help == NULL)
			continue; /* a family this version does not know */
		int same = fam != NULL && f != NULL && strcmp(f, fam) == 0;
		/* a histogram's label set ends: write it */
		if (fam != NULL && hist && (!same || strcmp(l, labels) != 0)) {
			hist_write(out, fam, labels, &h);
			memset(&h, 0, sizeof(h));
		}
		if (r == rows)
			break;
		if (!same)
			fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", f, help, f,
			    fhist ? "histogram" : "counter");
		fam = f;
		hist = fhist;
		snprintf(labels, sizeof(labels), "%s", l);
		long long v = db_num(res, r, 3);
		int idx = (int)db_num(res, r, 2);
		if (!hist)
			fprintf(out, "%s%s%s%s %lld\n", f, *l ? "{" : "", l, *l ? "}" : "", v);
		else if (idx >= 0 && idx < nb)
			h.bucket[idx] = v;
		else if (idx == nb)
			h.sum_us = v;
		else if (idx == nb + 1)
			h.count = v;
	}
	PQclear(res);
	return 0;
}
