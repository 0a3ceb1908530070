/* Usage events: one row per metered request, committed to PostgreSQL
 * before the response is written (db/migrations/0003_usage_events.sql). */
#ifndef DRAGOMAN_USAGE_H
#define DRAGOMAN_USAGE_H

#include "identity.h"

struct worker;

/* What a metered handler measured; zeroed with the request. A text field
 * left "" is stored as NULL. */
struct usage {
	char source[8];              /* ISO 639-1, "mul" for several */
	char target[8];
	char provider[32];
	char model[64];
	long long characters;        /* code points of the input texts */
	long long billed_characters; /* of those, the ones sent upstream */
	int segments;                /* texts in the request */
	int cached_segments;         /* of those, served by the cache */
	long long cost_micros;       /* what the request costs (0: free) */
	char hold_id[UUID_STR_LEN + 1]; /* the credit hold to settle; "" when none */
	char description[160];       /* of the ledger row; "" for the default */
	const char *idempotency_key; /* recorded with the debit; NULL when none */
	char queued_payment[40];     /* set by usage_record(): an auto-recharge to run */
};

/* Notes that a request's texts came from source (the first one sets it,
 * a different one makes it "mul"). */
void usage_note_source(struct usage *u, const char *source);

/* Inserts the event of one request of the caller id to endpoint, which
 * ended with status after duration_ms, and waits for its commit. When the
 * request holds credit, the same statement settles the hold: it debits
 * cost_micros (none when status >= 400) with a ledger row and returns the
 * rest, and sets u->queued_payment when that charge queued an
 * auto-recharge. Returns 0 when committed, -1 when it could not be
 * (logged). */
int usage_record(struct worker *w, const struct identity *id, const char *request_id,
    const char *endpoint, struct usage *u, int status, long duration_ms)
    __attribute__((warn_unused_result));

#endif
