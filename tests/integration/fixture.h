/* Fixtures shared by the integration programs. They read the stack from
 * the environment that tests/integration/run exports (DRAGOMAN_ADMIN,
 * DRAGOMAN_CONFIG, DRAGOMAN_STATE, DRAGOMAN_TEST_STACK, DRAGOMAN_TEST_URL). */
#ifndef DRAGOMAN_TEST_FIXTURE_H
#define DRAGOMAN_TEST_FIXTURE_H

#include <stddef.h>

#include <sys/types.h>

#include <libpq-fe.h>

#include "http.h"

/* Runs dragoman-admin with args; returns its stdout (caller frees), or
 * NULL when it failed. */
char *admin(const char *args);

/* Copies the value of the "name=" line of admin output out into dst. */
void field(const char *out, const char *name, char *dst, size_t dstsz);

/* Creates a workspace; writes its first key and its id. Returns 0 or -1. */
int make_workspace(const char *name, char *key, size_t keysz, char *id, size_t idsz);

/* Adds a key of role (member, admin, platform) to workspace_id; writes it
 * into key. Returns 0 or -1. */
int make_key(const char *workspace_id, const char *role, char *key, size_t keysz);
/* GETs path with "Authorization: Bearer key" (key NULL: none). Returns the
 * status; release r with http_free(). */
long get(const char *path, const char *key, struct http_response *r);

/* Sends method path with "Authorization: Bearer cred" (NULL: none; an API
 * key or an access token) and the JSON body (NULL: none). Returns the
 * status; release r with http_free(). */
long request_as(const char *method, const char *path, const char *cred, const char *body,
    struct http_response *r);

/* Returns how many lines of the server's log (DRAGOMAN_TEST_LOG) hold text. */
int log_lines(const char *text);

/* Runs tests/harness/stack VERB on this stack. Returns system()'s status. */
int stack(const char *verb);

/* Returns a new connection to the stack's database (caller PQfinish()es). */
PGconn *pg_connect(void);

/* Loads the usage spool's events (dragoman-admin usage load). Returns 0,
 * or -1 (reported). */
int usage_load(void);

/* Loads the usage spool when sql reads usage_events. */
void usage_load_before(const char *sql);

/* Runs sql with at most one text parameter (NULL: none), after
 * usage_load_before(sql). Returns the first
 * column of the first row as a new string (caller frees), or NULL when
 * there is no row, it is NULL, or the query failed (reported). */
char *pg_value(const char *sql, const char *param);

/* Returns pg_value(sql, param) as a number, or -1 when it is NULL. */
long long pg_num(const char *sql, const char *param);
/* POSTs the JSON body to path with "Authorization: Bearer k" and
 * Idempotency-Key idem (NULL: none). Returns the status; release r with
 * http_free(). */
long post_idem(const char *k, const char *path, const char *idem, const char *body,
    struct http_response *r);

/* Returns the balance in micros of the workspace of key k as GET
 * /v1/billing/balance shows it, or -1. */
long long balance_of(const char *k);

/* Saves Stripe payment method pm (customer cus_fixture) for the workspace
 * of admin key k. Returns the status. */
long set_payment_method(const char *k, const char *pm);

/* PUTs the JSON body as the auto-recharge settings of k's workspace.
 * Returns the status. */
long set_auto_recharge(const char *k, const char *body);

/* Waits up to 10 s until sql (with param) answers want. Returns the last
 * answer. */
long long pg_wait(const char *sql, const char *param, long long want);

/* Copies member of GET /fixture/calls of the stand-in whose URL is in the
 * environment variable env (as text) into out. Returns 0, or -1. */
int fixture_state(const char *env, const char *member, char *out, size_t outsz);

/* Returns the --listen master's pid, or 0 when this setup has none. */
pid_t listener_pid(void);

/* Kills every dragoman worker of this stack with SIGKILL (not the
 * --listen master). Returns how many. */
int kill_workers(void);

/* Sends sig to every dragoman worker of this stack (not the --listen
 * master; SIGHUP makes each re-read the configuration). Returns how many. */
int signal_workers(int sig);

/* Runs the fixed script sql (no parameters, no rows) on a connection of
 * its own. Returns 0, or -1 (reported on stderr). */
int sql_script(const char *sql);

/* Returns the CPU time the stack's workers have used so far, in ms. */
long workers_cpu_ms(void);

/* Waits until GET /v1/health answers 200, as after workers were killed:
 * tries for 30 s (a try that started by then may take the client's 20 s,
 * so a server that accepts and never answers costs at most 50 s). Returns
 * 0, or -1 when it never did. */
int wait_for_service(void);

#endif
