/* Usage events: one row per metered request, recorded before the response
 * is written (db/migrations/0003_usage_events.sql); those of requests
 * moving no money go to the worker's usage spool (proc/worker.h). */
#ifndef DRAGOMAN_USAGE_H
#define DRAGOMAN_USAGE_H

#include "core/identity.h"
#include "core/request.h"

struct worker;

/* Records the event of one request of the caller id to endpoint, which
 * ended with status after duration_ms. An event that moves no money (no
 * credit held, nothing billed, no Idempotency-Key) goes to the worker's
 * usage spool, or is inserted without waiting for the WAL flush; any
 * other is inserted and its commit waited for. When the request holds
 * credit, the same statement settles the hold: it debits
 * cost_micros (none when status >= 400) with a ledger row and returns the
 * rest, and sets u->queued_payment when that charge queued an
 * auto-recharge. Returns 0 when committed, -1 when it could not be
 * (logged). */
int usage_record(struct worker *w, const struct identity *id, const char *request_id,
    const char *endpoint, struct usage *u, int status, long duration_ms)
    __attribute__((warn_unused_result));

/* Returns the characters billed to workspace_id's translations this
 * calendar month (UTC), or -1 when they cannot be read. */
long long usage_month_billed(struct worker *w, const char *workspace_id);

#endif
