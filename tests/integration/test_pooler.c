/* Behind pgbouncer in transaction mode (tests/integration/pgbouncer.test):
 * the workers' statements are sent unnamed, so 16 concurrent charging
 * translations from more workers than pgbouncer has server connections
 * (2) all succeed and are each charged once, and the pooler really was
 * in the way. */
#include "autoconfig.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libpq-fe.h>

#include "../unit/cu_run.h"
#include "fixture.h"
#include "http.h"

#define RACERS 16

static char ws[64], key[128];

struct racer {
	int index;
	long status;
};

static void *translate_once(void *arg)
{
	struct racer *q = arg;
	struct http_response r;
	char body[200];

	snprintf(body, sizeof(body),
	    "{\"text\":\"Pooled text %d of %ld.\",\"source\":\"en\","
	    "\"target\":\"es\"}",
	    q->index, (long)getpid());
	q->status = request_as("POST", "/v1/translate", key, body, &r);
	http_free(&r);
	return NULL;
}

/* Returns column col of the row of pgbouncer's admin command cmd whose
 * "database" is dragoman, as a number; -1 when there is none. */
static long long bouncer_value(const char *cmd, const char *col)
{
	char conninfo[160];
	PGconn *pg;
	PGresult *res;
	long long v = -1;

	snprintf(conninfo, sizeof(conninfo),
	    "host=127.0.0.1 port=%s user=dragoman dbname=pgbouncer",
	    getenv("DRAGOMAN_PGBOUNCER_PORT"));
	pg = PQconnectdb(conninfo);
	/* the admin console speaks the simple query protocol only */
	res = PQexec(pg, cmd);
	if (PQresultStatus(res) == PGRES_TUPLES_OK) {
		int db = PQfnumber(res, "database"), c = PQfnumber(res, col);
		for (int i = 0; db >= 0 && c >= 0 && i < PQntuples(res); i++)
			if (strcmp(PQgetvalue(res, i, db), "dragoman") == 0)
				v = atoll(PQgetvalue(res, i, c));
	} else
		fprintf(stderr, "\n  %s: %s", cmd, PQerrorMessage(pg));
	PQclear(res);
	PQfinish(pg);
	return v;
}

static void test_concurrent_charges_through_the_pooler(void)
{
	struct racer q[RACERS];
	pthread_t t[RACERS];
	long long before = pg_num("SELECT balance_micros FROM workspaces WHERE id = $1", ws);
	long long xacts = bouncer_value("SHOW STATS", "total_xact_count"), charged;

	CU_ASSERT_FATAL(xacts >= 0);
	for (int i = 0; i < RACERS; i++) {
		q[i] = (struct racer){ i, 0 };
		pthread_create(&t[i], NULL, translate_once, &q[i]);
	}
	for (int i = 0; i < RACERS; i++) {
		pthread_join(t[i], NULL);
		CU_ASSERT_EQUAL(q[i].status, 200);
	}
	/* one debit per request, and the balance moved by exactly their sum */
	charged =
	    pg_num("SELECT count(*) FROM ledger WHERE workspace_id = $1 AND type = 'debit'", ws);
	CU_ASSERT_EQUAL(charged, RACERS);
	CU_ASSERT_EQUAL(before - pg_num("SELECT balance_micros FROM workspaces WHERE id = $1", ws),
	    -pg_num("SELECT coalesce(sum(amount_micros), 0) FROM ledger WHERE workspace_id = $1 "
	            "AND type = 'debit'",
	        ws));
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM credit_holds WHERE workspace_id = $1", ws), 0);
	/* the transactions went through pgbouncer, over at most two server
	 * connections */
	long long after = bouncer_value("SHOW STATS", "total_xact_count");
	long long servers = bouncer_value("SHOW POOLS", "sv_active") +
	    bouncer_value("SHOW POOLS", "sv_idle") + bouncer_value("SHOW POOLS", "sv_used");
	long long clients =
	    bouncer_value("SHOW POOLS", "cl_active") + bouncer_value("SHOW POOLS", "cl_waiting");
	fprintf(stderr,
	    "\n  %d charged translations: %lld transactions through pgbouncer, "
	    "%lld clients on %lld server connections\n",
	    RACERS, after - xacts, clients, servers);
	CU_ASSERT(after - xacts >= RACERS);
	CU_ASSERT(servers >= 1 && servers <= 2);
	CU_ASSERT(clients > servers);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "concurrent charges through pgbouncer in transaction mode",
		    test_concurrent_charges_through_the_pooler },
		{ NULL, NULL }
	};
	int rc;

	if (getenv("DRAGOMAN_PGBOUNCER_PORT") == NULL) {
		fprintf(stderr, "test_pooler: needs pgbouncer (DRAGOMAN_PGBOUNCER=1)\n");
		return 77;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (make_workspace("Pooler", key, sizeof(key), ws, sizeof(ws)) < 0) {
		fprintf(stderr, "test_pooler: cannot create a workspace\n");
		return 99;
	}
	rc = cu_run("pooler", tests);
	curl_global_cleanup();
	return rc;
}
