/* Idempotency keys (db/migrations/0006_idempotency.sql): the first request
 * with a key claims it; its response is stored in the same transaction as
 * its charge; a repeat replays that response byte for byte, a different
 * request under the same key is refused, and a repeat while the first is
 * still running is told to wait. */
#ifndef DRAGOMAN_IDEMPOTENCY_H
#define DRAGOMAN_IDEMPOTENCY_H

#include <stddef.h>

#include "core/problem.h"

struct worker;
struct reply;
struct request;

/* Returns 1 when key is an acceptable Idempotency-Key: 1 to 255 visible
 * ASCII characters. */
int idempotency_key_valid(const char *key);

/* Writes the SHA-256 of r's method, path and body in hex into out (65
 * bytes): what makes two requests the same one. */
void idempotency_request_hash(const struct request *r, char out[65]);

/* Claims r's key for its workspace. Returns PROBLEM_NONE with
 * r->idem_claimed set (go ahead) or r->idem_replayed set (rp holds the
 * stored response); PROBLEM_IDEMPOTENCY_IN_FLIGHT (409),
 * PROBLEM_IDEMPOTENCY_MISMATCH (422: another request),
 * PROBLEM_IDEMPOTENCY_REUSED (422: a key that charged, whose stored
 * answer has expired) or PROBLEM_UNAVAILABLE with rp->detail set. */
enum problem idempotency_begin(struct worker *w, struct request *r, struct reply *rp);

/* Stores the response of rp as the key's answer; the caller holds the
 * transaction that also commits the request's charge. Returns 0, or -1
 * when the key is no longer this request's (taken over) or the database
 * failed: then the caller must roll back. */
int idempotency_complete_tx(struct worker *w, const struct request *r, const struct reply *rp);

/* Gives up r's claim on its key (its answer was a server fault, which a
 * retry should not get again). Failures leave the claim to its lease. */
void idempotency_release(struct worker *w, const struct request *r);

#endif
