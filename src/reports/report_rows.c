#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc/worker.h"
#include "reports/report_rows.h"
#include "store/db.h"

PGresult *report_rows_run(struct worker *w, enum stmt s, const char *const *values, char *detail,
    size_t dsz)
{
	PGresult *res = db_exec(worker_reports_db(w), s, values);

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		snprintf(detail, dsz, "reports are unavailable right now");
		return NULL;
	}
	return res;
}

const char *report_rows_text(const PGresult *res, int i, int c)
{
	return PQgetisnull(res, i, c) ? NULL : PQgetvalue(res, i, c);
}

void report_measures_read(const PGresult *res, int r, int col, struct report_measures *m)
{
	const char *h = PQgetvalue(res, r, col + 8);

	memset(m, 0, sizeof(*m));
	m->requests = db_num(res, r, col);
	m->translations = db_num(res, r, col + 1);
	m->characters = db_num(res, r, col + 2);
	m->billed_characters = db_num(res, r, col + 3);
	m->cost_micros = db_num(res, r, col + 4);
	m->cache_hits = db_num(res, r, col + 5);
	m->errors = db_num(res, r, col + 6);
	m->duration_ms_sum = db_num(res, r, col + 7);
	/* "{1,0,NULL,...}" */
	for (int i = 0; i < REPORT_HIST_SLOTS && *h != '\0'; i++) {
		h++;
		m->hist[i] = strtoll(h, NULL, 10);
		h += strcspn(h, ",}");
	}
}
