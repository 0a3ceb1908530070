#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "store/db.h"

/* After a failed connect, the next attempt waits this long, so that a
 * dead server costs one quick refusal per interval, not one per request. */
#define RECONNECT_BACKOFF_MS 250.0

struct db {
	char *conninfo;
	long connect_timeout;
	long statement_timeout_ms;
	PGconn *conn;
	unsigned char prepared[STMT__MAX];
	double last_attempt_ms; /* monotonic; 0: may connect at once */
	int was_down;
	char error[256];
	char sqlstate[6]; /* of the last COPY that failed; "" when none */
	char logged[256]; /* the outage's cause last logged */
	int unprepared; /* behind a transaction pooler: no named statements */
};

struct db *db_open(const char *conninfo, long connect_timeout, long statement_timeout_ms)
{
	struct db *db = calloc(1, sizeof(*db));

	if (db == NULL)
		return NULL;
	db->conninfo = strdup(conninfo);
	if (db->conninfo == NULL) {
		free(db);
		return NULL;
	}
	db->connect_timeout = connect_timeout;
	db->statement_timeout_ms = statement_timeout_ms;
	return db;
}

/* Drops the current connection, if any, and forgets what was prepared. */
static void db_disconnect(struct db *db)
{
	if (db->conn != NULL)
		PQfinish(db->conn);
	db->conn = NULL;
	memset(db->prepared, 0, sizeof(db->prepared));
}

/* Records a connection failure, logging only the change from up to down.
 * Always returns -1. */
static int db_failed(struct db *db, const char *what)
{
	snprintf(db->error, sizeof(db->error), "%s", what);
	db->error[strcspn(db->error, "\n")] = '\0';
	metrics_count(METRIC_DB_ERRORS, 1, "kind", "connection", METRICS_END);
	/* once per outage, and again when its cause changes (a restart, then
	 * "too many clients") */
	if (!db->was_down || strcmp(db->logged, db->error) != 0)
		log_msg(LOG_LEVEL_ERROR, "postgresql unavailable: %s", db->error);
	snprintf(db->logged, sizeof(db->logged), "%s", db->error);
	db->was_down = 1;
	db_disconnect(db);
	return -1;
}

/* Makes sure a working connection exists. Returns 0 or -1. */
static int db_connect(struct db *db)
{
	const char *keys[] = { "dbname", "connect_timeout", "fallback_application_name", NULL };
	char timeout[24], stmt_timeout[24];
	const char *vals[4];
	double now = clock_now_ms();

	if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK)
		return 0;
	db_disconnect(db);
	if (db->last_attempt_ms > 0 && now - db->last_attempt_ms < RECONNECT_BACKOFF_MS)
		return -1;
	db->last_attempt_ms = now;
	snprintf(timeout, sizeof(timeout), "%ld", db->connect_timeout);
	vals[0] = db->conninfo;
	vals[1] = timeout;
	vals[2] = "dragoman";
	vals[3] = NULL;
	/* expand_dbname: conninfo may be a URI or "key=value" string, and its
	 * own connect_timeout wins over ours */
	db->conn = PQconnectdbParams(keys, vals, 1);
	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK)
		return db_failed(db, db->conn ? PQerrorMessage(db->conn) : "out of memory");
	/* behind a transaction pooler a session setting would stay on a
	 * server connection other clients get: the role's settings apply */
	if (!db->unprepared) {
		snprintf(stmt_timeout, sizeof(stmt_timeout), "%ld", db->statement_timeout_ms);
		const char *params[] = { stmt_timeout };
		const struct stmt_def *d = stmt_def(STMT_SESSION_SETUP);
		PGresult *res = PQexecParams(db->conn, d->sql, 1, NULL, params, NULL, NULL, 0);
		int ok = PQresultStatus(res) == PGRES_TUPLES_OK;
		PQclear(res);
		if (!ok)
			return db_failed(db, PQerrorMessage(db->conn));
	}
	if (db->was_down)
		log_msg(LOG_LEVEL_INFO, "postgresql connection restored");
	db->was_down = 0;
	db->last_attempt_ms = 0;
	return 0;
}

/* Prepares s on the current connection unless done. Returns 0, or -1
 * (connection or SQL error; a broken connection is dropped). */
static int db_prepare(struct db *db, enum stmt s)
{
	const struct stmt_def *d = stmt_def(s);
	PGresult *res;
	int ok;

	if (db->prepared[s])
		return 0;
	if (db->unprepared)
		return 0; /* parsed with each execution instead */
	res = PQprepare(db->conn, d->name, d->sql, d->nparams, NULL);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		log_msg(LOG_LEVEL_ERROR, "prepare %s: %s", d->name, PQerrorMessage(db->conn));
	PQclear(res);
	if (!ok && PQstatus(db->conn) != CONNECTION_OK)
		db_failed(db, PQerrorMessage(db->conn));
	db->prepared[s] = (unsigned char)ok;
	return ok ? 0 : -1;
}

int db_prepare_all(struct db *db)
{
	int failed = 0;

	if (db_connect(db) < 0)
		return -1;
	/* the spool's load reads its session's own table */
	if (db_command(db, SQL_USAGE_SPOOL_TABLE) < 0)
		failed++;
	for (int s = 0; s < STMT__MAX; s++) {
		const struct stmt_def *d = stmt_def((enum stmt)s);
		/* the unnamed statement: checks the SQL, leaves nothing behind */
		PGresult *res = PQprepare(db->conn, "", d->sql, d->nparams, NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			log_msg(LOG_LEVEL_ERROR, "prepare %s: %s", d->name,
			    PQerrorMessage(db->conn));
			failed++;
		}
		PQclear(res);
		if (PQstatus(db->conn) != CONNECTION_OK)
			return db_failed(db, PQerrorMessage(db->conn));
	}
	return failed;
}

void db_set_unprepared(struct db *db, int unprepared)
{
	db->unprepared = unprepared;
}

/* One attempt at running s. Returns the result, or NULL with the
 * connection dropped when it broke. *retry is set when running again on
 * a new connection makes sense. */
static PGresult *db_exec_once(struct db *db, enum stmt s, const char *const *values, int *retry)
{
	const struct stmt_def *d = stmt_def(s);
	PGresult *res;

	*retry = 0;
	if (db_connect(db) < 0)
		return NULL;
	if (db_prepare(db, s) < 0) {
		*retry = db->conn == NULL;
		return db->conn != NULL ? PQmakeEmptyPGresult(db->conn, PGRES_FATAL_ERROR) : NULL;
	}
	/* unnamed: parse, bind and execute go in one message batch, which a
	 * pooler in transaction mode sends to one server connection */
	res = db->unprepared
	    ? PQexecParams(db->conn, d->sql, d->nparams, NULL, values, NULL, NULL, 0)
	    : PQexecPrepared(db->conn, d->name, d->nparams, values, NULL, NULL, 0);
	if (PQstatus(db->conn) != CONNECTION_OK) {
		PQclear(res);
		db_failed(db, PQerrorMessage(db->conn));
		db->last_attempt_ms = 0;
		*retry = 1;
		return NULL;
	}
	return res;
}

/* Returns 1 when res failed the way the code relies on: a constraint
 * (class 23, e.g. a unique key taken) or a trigger's own refusal (P0001). */
static int expected_error(const PGresult *res)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	return state != NULL && (strncmp(state, "23", 2) == 0 || strcmp(state, "P0001") == 0);
}

PGresult *db_exec(struct db *db, enum stmt s, const char *const *values)
{
	const struct stmt_def *d = stmt_def(s);
	int retry;
	PGresult *res;

	if (d == NULL)
		return NULL;
	res = db_exec_once(db, s, values, &retry);
	if (res == NULL && retry && d->retry_safe)
		res = db_exec_once(db, s, values, &retry);
	if (res != NULL && PQresultStatus(res) == PGRES_FATAL_ERROR && !expected_error(res))
		metrics_count(METRIC_DB_ERRORS, 1, "kind", "statement", METRICS_END);
	return res;
}

/* Reads the results of a pipeline of n statements, each followed by its
 * sync, into res[0..n). Returns 0, or -1 when the connection broke. */
static int pipeline_read(struct db *db, size_t n, PGresult **res)
{
	for (size_t i = 0; i < n; i++) {
		PGresult *r;
		int synced;
		/* the statement's result, NULL at its end, then its sync */
		if ((res[i] = PQgetResult(db->conn)) == NULL)
			return -1;
		while ((r = PQgetResult(db->conn)) != NULL)
			PQclear(r);
		r = PQgetResult(db->conn);
		synced = r != NULL && PQresultStatus(r) == PGRES_PIPELINE_SYNC;
		PQclear(r);
		if (!synced || PQstatus(db->conn) != CONNECTION_OK)
			return -1;
		if (PQresultStatus(res[i]) == PGRES_FATAL_ERROR && !expected_error(res[i]))
			metrics_count(METRIC_DB_ERRORS, 1, "kind", "statement", METRICS_END);
	}
	return 0;
}

int db_exec_pipeline(struct db *db, const struct db_call *calls, size_t n, PGresult **res)
{
	int ok = 1, entered;

	for (size_t i = 0; i < n; i++)
		res[i] = NULL;
	if (db_connect(db) < 0)
		return -1;
	for (size_t i = 0; i < n && ok; i++)
		ok = db_prepare(db, calls[i].s) == 0;
	if (!ok || db->conn == NULL)
		return -1;
	ok = entered = PQenterPipelineMode(db->conn) == 1;
	for (size_t i = 0; i < n && ok; i++) {
		const struct stmt_def *d = stmt_def(calls[i].s);
		ok = (db->unprepared ? PQsendQueryParams(db->conn, d->sql, d->nparams, NULL,
		                           calls[i].values, NULL, NULL, 0)
		                     : PQsendQueryPrepared(db->conn, d->name, d->nparams,
		                           calls[i].values, NULL, NULL, 0)) == 1 &&
		    PQpipelineSync(db->conn) == 1;
	}
	ok = ok && pipeline_read(db, n, res) == 0;
	if (ok && PQexitPipelineMode(db->conn) == 1)
		return 0;
	for (size_t i = 0; i < n; i++) {
		PQclear(res[i]);
		res[i] = NULL;
	}
	/* a connection left in pipeline mode is of no further use */
	if (db->conn != NULL && (entered || PQstatus(db->conn) != CONNECTION_OK))
		db_failed(db,
		    PQstatus(db->conn) != CONNECTION_OK ? PQerrorMessage(db->conn)
		                                        : "a pipeline failed");
	return -1;
}

PGresult *db_exec_script(struct db *db, const char *sql)
{
	PGresult *res;

	if (db_connect(db) < 0)
		return NULL;
	res = PQexec(db->conn, sql);
	if (PQstatus(db->conn) != CONNECTION_OK) {
		PQclear(res);
		db_failed(db, PQerrorMessage(db->conn));
		return NULL;
	}
	return res;
}

int db_in_transaction(struct db *db)
{
	return db->conn != NULL && PQtransactionStatus(db->conn) != PQTRANS_IDLE &&
	    PQtransactionStatus(db->conn) != PQTRANS_UNKNOWN;
}

int db_ping(struct db *db)
{
	PGresult *res = db_exec(db, STMT_PING, NULL);
	int ok = res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK;

	PQclear(res);
	return ok;
}

const char *db_nullable(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

long long db_num(const PGresult *res, int r, int c)
{
	return strtoll(PQgetvalue(res, r, c), NULL, 10);
}

const char *db_error(struct db *db)
{
	return db->error[0] != '\0' ? db->error : "no error";
}

void db_close(struct db *db)
{
	if (db == NULL)
		return;
	db_disconnect(db);
	free(db->conninfo);
	free(db);
}

int db_command(struct db *db, const char *sql)
{
	PGresult *res = db_exec_script(db, sql);
	/* COMMIT of a transaction that an error aborted "succeeds" as
	 * ROLLBACK: nothing was committed */
	int ok = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK &&
	    !(strcmp(sql, "COMMIT") == 0 && strcmp(PQcmdStatus(res), "COMMIT") != 0);

	PQclear(res);
	return ok ? 0 : -1;
}

int db_copy_in(struct db *db, const char *sql, const char *data, size_t len)
{
	PGresult *res = db_exec_script(db, sql);
	int ok = res != NULL && PQresultStatus(res) == PGRES_COPY_IN;

	db->sqlstate[0] = '\0';
	if (!ok) {
		/* without a result, db_exec_script() left the reason */
		if (res != NULL)
			snprintf(db->error, sizeof(db->error), "%s", PQresultErrorMessage(res));
		if (res != NULL && PQresultErrorField(res, PG_DIAG_SQLSTATE) != NULL)
			snprintf(db->sqlstate, sizeof(db->sqlstate), "%s",
			    PQresultErrorField(res, PG_DIAG_SQLSTATE));
		PQclear(res);
		return -1;
	}
	PQclear(res);
	/* in pieces: PQputCopyData() takes an int */
	for (size_t off = 0; ok && off < len; off += 1 << 20) {
		size_t n = len - off < (size_t)1 << 20 ? len - off : (size_t)1 << 20;
		ok = PQputCopyData(db->conn, data + off, (int)n) == 1;
	}
	ok = PQputCopyEnd(db->conn, ok ? NULL : "the rows could not be sent") == 1 && ok;
	res = PQgetResult(db->conn);
	ok = ok && res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok && res != NULL && PQresultErrorField(res, PG_DIAG_SQLSTATE) != NULL)
		snprintf(db->sqlstate, sizeof(db->sqlstate), "%s",
		    PQresultErrorField(res, PG_DIAG_SQLSTATE));
	if (!ok)
		snprintf(db->error, sizeof(db->error), "%s",
		    res != NULL ? PQresultErrorMessage(res) : PQerrorMessage(db->conn));
	db->error[strcspn(db->error, "\n")] = '\0';
	PQclear(res);
	while ((res = PQgetResult(db->conn)) != NULL)
		PQclear(res);
	return ok ? 0 : -1;
}

const char *db_copy_sqlstate(struct db *db)
{
	return db->sqlstate;
}
