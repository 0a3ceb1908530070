#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "billing/payments.h"
#include "cli/payments_admin.h"
#include "core/config.h"
#include "core/money.h"
#include "proc/worker.h"
#include "store/db.h"

int payments_admin_unmatched(struct db *db)
{
	PGresult *res = db_exec(db, STMT_UNMATCHED_LIST, NULL);
	int ok = res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK;
	char amount[32];

	for (int i = 0; ok && i < PQntuples(res); i++)
		printf("event=%s type=%s object=%s payment_intent=%s amount=%s currency=%s "
		       "received_at=%s reason=\"%s\"\n",
		    PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
		    PQgetvalue(res, i, 3), money_format(db_num(res, i, 4), amount, sizeof(amount)),
		    PQgetvalue(res, i, 5), PQgetvalue(res, i, 7), PQgetvalue(res, i, 6));
	if (ok)
		printf("unmatched=%d\n", PQntuples(res));
	else
		fprintf(stderr, "dragoman-admin: payments unmatched: %s\n", db_error(db));
	PQclear(res);
	return ok ? 0 : 1;
}

int payments_admin_assign(struct db *db, const char *ev, const char *ws)
{
	const char *params[] = { ev, ws };
	PGresult *res = db_exec(db, STMT_UNMATCHED_ASSIGN, params);
	int ok = res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
	    !PQgetisnull(res, 0, 0);
	char bal[32];

	if (ok)
		printf("event=%s workspace=%s balance=%s\n", ev, ws,
		    money_format(db_num(res, 0, 0), bal, sizeof(bal)));
	else
		fprintf(stderr, "dragoman-admin: payments assign: %s\n",
		    res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK
		        ? "not an unresolved succeeded payment "
		          "(or its PaymentIntent is credited already)"
		        : res != NULL ? PQresultErrorMessage(res)
		                      : db_error(db));
	PQclear(res);
	return ok ? 0 : 1;
}

int payments_admin_dismiss(struct db *db, const char *ev, const char *reason)
{
	const char *params[] = { ev, reason };
	PGresult *res;
	int ok;

	if (reason == NULL) {
		fprintf(stderr, "dragoman-admin: payments dismiss needs --reason\n");
		return 2;
	}
	res = db_exec(db, STMT_UNMATCHED_DISMISS, params);
	ok = res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	if (ok)
		printf("event=%s dismissed\n", ev);
	else
		fprintf(stderr, "dragoman-admin: payments dismiss: no unresolved event %s\n", ev);
	PQclear(res);
	return ok ? 0 : 1;
}

int payments_admin_resolve(const struct config *cfg, struct db *db)
{
	struct worker w;
	long n;

	memset(&w, 0, sizeof(w));
	w.cfg = cfg;
	w.db = db;
	w.curl = curl_easy_init();
	n = w.curl != NULL ? payments_resolve(&w, 300) : -1;
	curl_easy_cleanup(w.curl);
	if (n >= 0)
		printf("open_payments_looked_at=%ld\n", n);
	return n >= 0 ? 0 : 1;
}
