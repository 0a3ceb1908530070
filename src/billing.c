#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billing.h"
#include "db.h"
#include "log.h"
#include "money.h"
#include "reply.h"
#include "worker.h"

/* Runs the reservation. Returns 1 with hold_id set, 0 when refused, -1
 * when the database failed. */
static int reserve_once(struct worker *w, const char *workspace_id, const char *amount,
    const char *request_id, char hold_id[UUID_STR_LEN + 1])
{
	char ttl[24];
	const char *params[] = { workspace_id, amount, request_id, ttl };
	PGresult *res;
	int rc;

	snprintf(ttl, sizeof(ttl), "%ld", w->cfg->hold_ttl_s);
	res = db_exec(w->db, STMT_BILLING_RESERVE, params);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		if (res != NULL)
			log_msg(LOG_LEVEL_ERROR, "request %s: reserve: %s", request_id,
			    PQresultErrorMessage(res));
		PQclear(res);
		return -1;
	}
	rc = PQntuples(res) == 1;
	if (rc)
		snprintf(hold_id, UUID_STR_LEN + 1, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}

/* Releases workspace_id's expired holds. Returns 0 or -1. */
static int release_expired(struct worker *w, const char *workspace_id)
{
	const char *params[] = { workspace_id };
	PGresult *res = db_exec(w->db, STMT_BILLING_RELEASE_EXPIRED, params);
	int ok = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK;

	if (ok && strcmp(PQcmdTuples(res), "0") != 0)
		log_msg(LOG_LEVEL_WARN, "workspace %s: released expired credit holds", workspace_id);
	PQclear(res);
	return ok ? 0 : -1;
}

/* Explains a refused reservation of amount: which limit stands in the
 * way, into rp->detail. Returns the problem. */
static enum problem refusal(struct worker *w, const char *workspace_id, long long amount,
    struct reply *rp)
{
	const char *params[] = { workspace_id };
	PGresult *res = db_exec(w->db, STMT_BILLING_HEADROOM, params);
	char a[32], b[32];
	enum problem p = PROBLEM_INSUFFICIENT_CREDITS;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		PQclear(res);
		snprintf(rp->detail, sizeof(rp->detail), "not enough credits for this request (%s needed)",
		    money_format(amount, a, sizeof(a)));
		return p;
	}
	long long available = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	int capped = !PQgetisnull(res, 0, 1);
	long long cap_left = capped ? strtoll(PQgetvalue(res, 0, 1), NULL, 10) : 0;
	if (capped && cap_left < amount && available >= amount) {
		p = PROBLEM_MONTHLY_CAP;
		snprintf(rp->detail, sizeof(rp->detail), "this request may cost up to %s and the monthly "
		    "cap leaves %s", money_format(amount, a, sizeof(a)),
		    money_format(cap_left > 0 ? cap_left : 0, b, sizeof(b)));
	} else
		snprintf(rp->detail, sizeof(rp->detail), "this request may cost up to %s and %s is "
		    "available", money_format(amount, a, sizeof(a)), money_format(available, b, sizeof(b)));
	PQclear(res);
	return p;
}

enum problem billing_reserve(struct worker *w, const char *workspace_id, long long amount,
    const char *request_id, char hold_id[UUID_STR_LEN + 1], struct reply *rp)
{
	char amt[24];
	int rc;

	snprintf(amt, sizeof(amt), "%lld", amount);
	rc = reserve_once(w, workspace_id, amt, request_id, hold_id);
	if (rc == 0 && release_expired(w, workspace_id) == 0)
		rc = reserve_once(w, workspace_id, amt, request_id, hold_id);
	if (rc == 1)
		return PROBLEM_NONE;
	if (rc < 0) {
		snprintf(rp->detail, sizeof(rp->detail), "credits cannot be checked right now");
		return PROBLEM_UNAVAILABLE;
	}
	return refusal(w, workspace_id, amount, rp);
}

long billing_release_all_expired(struct worker *w)
{
	PGresult *res = db_exec(w->db, STMT_BILLING_RELEASE_ALL_EXPIRED, NULL);
	long n = -1;

	if (res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK)
		n = atol(PQcmdTuples(res));
	PQclear(res);
	return n;
}
