#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billing/payment_settings.h"
#include "billing/payments.h"
#include "core/log.h"
#include "core/reply.h"
#include "proc/worker.h"
#include "store/db.h"

enum problem payment_settings_method_set(struct worker *w, const char *workspace_id,
    const char *customer, const char *payment_method, struct reply *rp)
{
	const char *params[] = { workspace_id, customer, payment_method };
	PGresult *res = db_exec(w->db, STMT_PAYMENT_METHOD_SET, params);
	const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	int ok = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK;
	/* class 23, integrity: an id of the wrong form (read before PQclear) */
	int bad = state != NULL && strncmp(state, "23", 2) == 0;

	PQclear(res);
	if (ok)
		return PROBLEM_NONE;
	snprintf(rp->detail, sizeof(rp->detail), "%s",
	    bad ? "customer must be a Stripe customer id (cus_...), payment_method a payment "
	          "method id (pm_...)"
	        : "the payment method cannot be saved right now");
	return bad ? PROBLEM_INVALID_FIELD : PROBLEM_UNAVAILABLE;
}

enum problem payment_settings_auto_set(struct worker *w, const char *workspace_id,
    const struct auto_recharge_rule *rule, const char *request_id, struct reply *rp)
{
	char t[24], a[24], m[24];
	const char *params[] = { workspace_id, rule->enabled ? "true" : "false", t, a, m };
	PGresult *res;
	int ok;

	snprintf(t, sizeof(t), "%lld", rule->threshold);
	snprintf(a, sizeof(a), "%lld", rule->amount);
	snprintf(m, sizeof(m), "%lld", rule->max_per_day);
	res = db_exec(w->db, STMT_AUTO_RECHARGE_SET, params);
	ok = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	if (!ok) {
		snprintf(rp->detail, sizeof(rp->detail), "auto-recharge cannot be set right now");
		return PROBLEM_UNAVAILABLE;
	}
	/* already below: recharge now, after the response */
	if (rule->enabled && payments_queue_due(w, workspace_id, request_id, 0) < 0)
		log_msg(LOG_LEVEL_WARN, "workspace %s: auto-recharge not queued", workspace_id);
	return PROBLEM_NONE;
}

int payment_settings_auto_read(PGresult *res, struct auto_recharge *out)
{
	int found = res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;

	memset(out, 0, sizeof(*out));
	if (found) {
		out->rule.enabled = PQgetvalue(res, 0, 0)[0] == 't';
		out->rule.threshold = db_num(res, 0, 1);
		out->rule.amount = db_num(res, 0, 2);
		out->rule.max_per_day = db_num(res, 0, 3);
		out->last_error = strdup(PQgetvalue(res, 0, 4));
		snprintf(out->last_error_at, sizeof(out->last_error_at), "%s",
		    PQgetvalue(res, 0, 5));
		snprintf(out->next_attempt_at, sizeof(out->next_attempt_at), "%s",
		    PQgetvalue(res, 0, 6));
		snprintf(out->last_state, sizeof(out->last_state), "%s", PQgetvalue(res, 0, 7));
		found = out->last_error != NULL;
	}
	PQclear(res);
	return found;
}

void auto_recharge_release(struct auto_recharge *a)
{
	free(a->last_error);
	a->last_error = NULL;
}
