/* The rows of the report statements (src/store/statements.c), read for
 * the report modules of this folder: running one on the reports'
 * connection, and the measures columns every report shares. */
#ifndef DRAGOMAN_REPORT_ROWS_H
#define DRAGOMAN_REPORT_ROWS_H

#include <libpq-fe.h>
#include <stddef.h>

#include "reports/report.h"
#include "store/statements.h"

struct worker;

/* Runs report statement s with values on the connection reports read
 * from. Returns its rows (caller PQclear()s), or NULL with detail set
 * (reports are unavailable). */
PGresult *report_rows_run(struct worker *w, enum stmt s, const char *const *values, char *detail,
    size_t dsz);

/* Returns column c of row i of res, or NULL when it is NULL (borrowed
 * from res). */
const char *report_rows_text(const PGresult *res, int i, int c);

/* Reads the measures from columns col..col+8 of row r of res (NULLs are
 * zeros) into *m. */
void report_measures_read(const PGresult *res, int r, int col, struct report_measures *m);

#endif
