/* Per-process state, made after fork and before the accept loop: one
 * PostgreSQL connection, one memcached handle, one CURL handle. Nothing in
 * it is shared with another process. */
#ifndef DRAGOMAN_WORKER_H
#define DRAGOMAN_WORKER_H

#include <curl/curl.h>

#include "core/config.h"

struct cache;
struct db;
struct spool;
struct worker;

/* Work a request leaves for after its response has gone out (an auto
 * payment, a metrics flush): run(w, arg) outside the client's latency. A
 * job must be one whose loss a kill -9 cannot turn into lost money: what
 * it finishes is recorded in PostgreSQL first and found again by
 * dragoman-admin maintain. */
typedef void (*worker_job_fn)(struct worker *w, const char *arg);

struct worker_job {
	worker_job_fn run;
	char arg[40];
};

#define WORKER_JOBS_MAX 4

struct worker {
	const struct config *cfg; /* borrowed */
	struct db *db;
	struct db *reports_db; /* reports_conninfo's; NULL: db serves reports */
	struct cache *cache;
	struct spool *spool; /* usage_spool_dir's; NULL: none */
	CURL *curl;
	void *textcat; /* language classifier, loaded on first use */
	void (*textcat_free)(void *); /* how worker_close() frees it */
	struct worker_job jobs[WORKER_JOBS_MAX]; /* to run once the reply is out */
	size_t njobs;
	unsigned char jwt_secret[256]; /* read from jwt_secret_file on first use */
	size_t jwt_secret_len; /* 0: not read yet */
};

/* Creates the connections' handles for cfg (PostgreSQL connects on first
 * use). Returns 0, or -1 with a message in err. Release with worker_close(). */
int worker_open(struct worker *w, const struct config *cfg, char *err, size_t errsz)
    __attribute__((warn_unused_result));

/* Returns the connection reports read from: reports_conninfo's, else the
 * primary's (borrowed). */
struct db *worker_reports_db(struct worker *w);

/* Frees what w holds, the classifier included, and zeroes it. Jobs not
 * run are dropped. */
void worker_close(struct worker *w);

/* Queues run(w, arg) (arg copied, NULL as "") to run after the response;
 * the same job queued twice runs once. Returns 0, or -1 when the queue is
 * full and the job is dropped (logged). */
int worker_defer(struct worker *w, worker_job_fn run, const char *arg);

/* Runs the queued jobs in the order they were queued and empties the
 * queue; a job may queue another, which runs in the same call. */
void worker_run_jobs(struct worker *w);

/* The worker's usage spool (store/spool.h), with its configuration. */

/* Loads the worker's own spooled events into PostgreSQL. Returns how
 * many, or -1 when they stay for a later load. */
long worker_spool_flush(struct worker *w);

/* Loads every spooled event in usage_spool_dir (other workers', live or
 * dead, and this one's), waiting up to wait_ms for a segment another
 * process holds (0 for a starting worker, which never waits; a reader of
 * usage_events waits a little, as its loader commits): what a reader does
 * first. Returns how many, 0 without a spool (or a configuration), or -1
 * when some stay for a later load. */
long worker_spool_load_all(struct worker *w, long wait_ms);

/* How long a reader of usage_events waits for a segment being loaded. */
#define WORKER_READER_WAIT_MS 1000L

/* Queues the load of the worker's spool for after the response when it
 * is due (usage_spool_max_events, usage_spool_flush_ms). */
void worker_spool_defer(struct worker *w);

/* Returns the milliseconds until the worker's spool is due by age (0:
 * now), or -1 when nothing waits. */
long worker_spool_wait_ms(const struct worker *w);

#endif
