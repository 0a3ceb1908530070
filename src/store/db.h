/* One PostgreSQL connection per process: connected lazily, reconnected
 * after a failure, statements prepared on first use on each connection. */
#ifndef DRAGOMAN_DB_H
#define DRAGOMAN_DB_H

#include <libpq-fe.h>

#include "store/statements.h"

struct db;

/* Returns a new handle for conninfo; it connects on first use. Returns
 * NULL only when out of memory. Free with db_close(). */
struct db *db_open(const char *conninfo, long connect_timeout, long statement_timeout_ms)
    __attribute__((warn_unused_result));

/* Runs prepared statement s with text parameters values[nparams]
 * (NULL entries are SQL NULL). Returns the result (caller PQclear()s),
 * which may hold an SQL error, or NULL when no connection could be had
 * or it broke (then nothing is known to have been committed). A broken
 * connection is re-established and the statement run once more only when
 * it is marked retry_safe. After a failed connect, further attempts wait
 * 250 ms (meanwhile NULL is returned at once). */
PGresult *db_exec(struct db *db, enum stmt s, const char *const *values)
    __attribute__((warn_unused_result));

/* One statement of db_exec_pipeline(): s with its parameters. */
struct db_call {
	enum stmt s;
	const char *const *values;
};

/* Runs the n statements of calls, none of which needs another's result,
 * in one round trip (libpq's pipeline mode), each as db_exec() would run
 * it on its own (its own implicit transaction outside BEGIN; one that
 * fails does not stop the others). Sets res[0..n) (caller PQclear()s
 * each). Returns 0, or -1 with every res[i] NULL when no connection
 * could be had or it broke (then nothing is known to have been
 * committed). */
int db_exec_pipeline(struct db *db, const struct db_call *calls, size_t n, PGresult **res);

/* Runs a fixed SQL command with no parameters (BEGIN, COMMIT, ROLLBACK,
 * migration scripts). Returns the result (caller PQclear()s) or NULL when
 * the connection is unavailable. */
PGresult *db_exec_script(struct db *db, const char *sql) __attribute__((warn_unused_result));

/* Runs a fixed command without parameters or result rows (BEGIN, COMMIT,
 * ROLLBACK). Returns 0, or -1 when it failed or no connection was had. */
int db_command(struct db *db, const char *sql);

/* Runs the fixed command sql, a COPY ... FROM STDIN, and sends it
 * data[0..len) (rows in COPY's text format). Returns 0, or -1 with the
 * reason in db_error(); a transaction the caller holds is then aborted. */
int db_copy_in(struct db *db, const char *sql, const char *data, size_t len)
    __attribute__((warn_unused_result));

/* Returns the SQLSTATE of the last db_copy_in() that failed ("" when
 * none was given). */
const char *db_copy_sqlstate(struct db *db);

/* Prepares every statement of statements.c on the current connection,
 * each failure logged with its name. Returns how many failed (0: all
 * match the schema), or -1 when no connection could be had. */
int db_prepare_all(struct db *db);

/* With unprepared set, statements are sent unnamed (PQexecParams) and no
 * session settings are made, as a pooler in transaction mode (pgbouncer
 * pool_mode = transaction) needs; the role's settings then apply. */
void db_set_unprepared(struct db *db, int unprepared);

/* Returns 1 when a transaction is open on db's connection (BEGIN was
 * sent and not yet ended), else 0. */
int db_in_transaction(struct db *db);

/* Returns 1 when a query round-trip succeeds, else 0. */
int db_ping(struct db *db);

/* Returns s as a statement parameter: s, or NULL (SQL NULL) when s is
 * NULL or empty. */
const char *db_nullable(const char *s);

/* Returns column c of row r of res as a number (0 when it is NULL, which
 * libpq gives as ""). */
long long db_num(const PGresult *res, int r, int c);

/* Returns the last connection error text (static until the next call). */
const char *db_error(struct db *db);

/* Closes the connection and frees db; NULL is allowed. */
void db_close(struct db *db);

#endif
