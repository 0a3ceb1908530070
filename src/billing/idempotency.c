#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "billing/idempotency.h"
#include "core/log.h"
#include "core/random.h"
#include "core/reply.h"
#include "core/request.h"
#include "proc/worker.h"
#include "store/db.h"

int idempotency_key_valid(const char *key)
{
	size_t n = key != NULL ? strlen(key) : 0;

	if (n < 1 || n > 255)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (key[i] < 0x21 || key[i] > 0x7e)
			return 0;
	return 1;
}

void idempotency_request_hash(const struct request *r, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	const char *m = http_method_name(r->method);

	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	memset(md, 0, sizeof(md));
	if (ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1) {
		EVP_DigestUpdate(ctx, m, strlen(m) + 1);
		EVP_DigestUpdate(ctx, r->path, strlen(r->path) + 1);
		if (r->body != NULL)
			EVP_DigestUpdate(ctx, r->body, r->body_len);
		EVP_DigestFinal_ex(ctx, md, &mdlen);
	}
	EVP_MD_CTX_free(ctx);
	hex_encode(md, sizeof(md), out);
}

/* The key is someone else's: replays its stored answer, or says why not.
 * Returns as idempotency_begin(). */
static enum problem not_ours(struct worker *w, struct request *r, struct reply *rp,
    const char *hash)
{
	const char *params[] = { r->ident.workspace_id, r->idempotency_key, hash };
	PGresult *res = db_exec(w->db, STMT_IDEM_GET, params);
	enum problem p = PROBLEM_UNAVAILABLE;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		snprintf(rp->detail, sizeof(rp->detail),
		    "the Idempotency-Key cannot be checked now");
	} else if (PQgetisnull(res, 0, 0) && strcmp(PQgetvalue(res, 0, 5), "t") == 0) {
		/* its answer is no longer kept, but its charge is in the ledger */
		snprintf(rp->detail, sizeof(rp->detail),
		    "Idempotency-Key '%.64s' was used before, "
		    "by a request that was charged and whose answer is no longer kept (keys are "
		    "kept 24 hours); send a new key for a new request",
		    r->idempotency_key);
		p = PROBLEM_IDEMPOTENCY_REUSED;
	} else if (PQgetisnull(res, 0, 0)) {
		/* released by its owner between our claim and this look */
		snprintf(rp->detail, sizeof(rp->detail),
		    "the Idempotency-Key cannot be checked now");
	} else if (strcmp(PQgetvalue(res, 0, 1), "t") != 0) {
		snprintf(rp->detail, sizeof(rp->detail),
		    "Idempotency-Key '%.64s' was used with "
		    "another request",
		    r->idempotency_key);
		p = PROBLEM_IDEMPOTENCY_MISMATCH;
	} else if (strcmp(PQgetvalue(res, 0, 0), "done") != 0) {
		snprintf(rp->detail, sizeof(rp->detail),
		    "the first request with this Idempotency-Key "
		    "is still in flight; retry shortly");
		rp->retry_after = 1;
		p = PROBLEM_IDEMPOTENCY_IN_FLIGHT;
	} else if (reply_raw(rp, atoi(PQgetvalue(res, 0, 2)), PQgetvalue(res, 0, 3),
	               PQgetvalue(res, 0, 4)) == 0) {
		reply_header(rp, "Idempotent-Replayed", "true");
		r->idem_replayed = 1;
		p = PROBLEM_NONE;
	} else
		p = PROBLEM_INTERNAL;
	PQclear(res);
	return p;
}

enum problem idempotency_begin(struct worker *w, struct request *r, struct reply *rp)
{
	char hash[65], lease[16];
	const char *params[5];
	PGresult *res;
	int claimed;

	idempotency_request_hash(r, hash);
	snprintf(lease, sizeof(lease), "%ld", w->cfg->idempotency_lease_s);
	params[0] = r->ident.workspace_id;
	params[1] = r->idempotency_key;
	params[2] = hash;
	params[3] = lease;
	params[4] = r->owner;
	res = db_exec(w->db, STMT_IDEM_CLAIM, params);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		if (res != NULL)
			log_msg(LOG_LEVEL_ERROR, "request %s: idempotency claim: %s", r->request_id,
			    PQresultErrorMessage(res));
		PQclear(res);
		snprintf(rp->detail, sizeof(rp->detail),
		    "the Idempotency-Key cannot be checked now");
		return PROBLEM_UNAVAILABLE;
	}
	claimed = PQntuples(res) == 1;
	PQclear(res);
	if (claimed) {
		r->idem_claimed = 1;
		return PROBLEM_NONE;
	}
	return not_ours(w, r, rp, hash);
}

int idempotency_complete_tx(struct worker *w, const struct request *r, const struct reply *rp)
{
	char status[8];
	size_t len;
	const char *type, *body = reply_body_text(rp, &len, &type);
	const char *params[] = { r->ident.workspace_id, r->idempotency_key, r->owner, status,
		type != NULL ? type : "application/json", body };
	PGresult *res;
	int ok;

	snprintf(status, sizeof(status), "%d", rp->status);
	res = db_exec(w->db, STMT_IDEM_COMPLETE, params);
	ok = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK &&
	    strcmp(PQcmdTuples(res), "1") == 0;
	if (!ok)
		log_msg(LOG_LEVEL_WARN, "request %s: Idempotency-Key not stored: %s", r->request_id,
		    res == NULL ? "database unavailable"
		        : PQresultStatus(res) != PGRES_COMMAND_OK
		        ? PQresultErrorMessage(res)
		        : "taken over after its lease ran out");
	PQclear(res);
	return ok ? 0 : -1;
}

void idempotency_release(struct worker *w, const struct request *r)
{
	const char *params[] = { r->ident.workspace_id, r->idempotency_key, r->owner };
	PGresult *res = db_exec(w->db, STMT_IDEM_RELEASE, params);

	PQclear(res);
}
