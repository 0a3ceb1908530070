/* The metrics table: where each worker adds its counts (core/metrics.h)
 * and what a scrape reads (db/migrations/0021_metrics.sql). */
#ifndef DRAGOMAN_METRICS_STORE_H
#define DRAGOMAN_METRICS_STORE_H

#include <stdio.h>

struct db;

/* Adds the counts waiting to the table through db, in one statement, and
 * forgets them; when that fails they are kept for the next attempt.
 * Returns 0, or -1. */
int metrics_flush(struct db *db);

/* Writes every metric of the table in the Prometheus text format
 * (version 0.0.4) to f. Returns 0, or -1 when the table cannot be read. */
int metrics_write(struct db *db, FILE *f);

#endif
