#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "proc/worker.h"
#include "store/cache.h"
#include "store/db.h"
#include "store/spool.h"

int worker_open(struct worker *w, const struct config *cfg, char *err, size_t errsz)
{
	memset(w, 0, sizeof(*w));
	w->cfg = cfg;
	w->db = db_open(cfg->database_url, cfg->db_connect_timeout, cfg->db_statement_timeout_ms);
	if (cfg->reports_conninfo != NULL && w->db != NULL &&
	    (w->reports_db = db_open(cfg->reports_conninfo, cfg->db_connect_timeout,
	         cfg->db_statement_timeout_ms)) == NULL) {
		snprintf(err, errsz, "out of memory");
		worker_close(w);
		return -1;
	}
	if (w->db != NULL)
		db_set_unprepared(w->db, !cfg->db_prepared_statements);
	if (w->reports_db != NULL)
		db_set_unprepared(w->reports_db, !cfg->db_prepared_statements);
	if (cfg->usage_spool_dir != NULL) {
		if (access(cfg->usage_spool_dir, W_OK | X_OK) < 0) {
			snprintf(err, errsz, "usage_spool_dir %s: %s", cfg->usage_spool_dir,
			    strerror(errno));
			worker_close(w);
			return -1;
		}
		if ((w->spool = spool_open(cfg->usage_spool_dir)) == NULL) {
			snprintf(err, errsz, "out of memory");
			worker_close(w);
			return -1;
		}
	}
	w->cache = cache_open(cfg->memcached_servers, cfg->memcached_timeout_ms, err, errsz);
	w->curl = curl_easy_init();
	if (w->db == NULL || w->cache == NULL || w->curl == NULL) {
		if (w->cache != NULL)
			snprintf(err, errsz, "out of memory");
		worker_close(w);
		return -1;
	}
	return 0;
}

struct db *worker_reports_db(struct worker *w)
{
	return w->reports_db != NULL ? w->reports_db : w->db;
}

void worker_close(struct worker *w)
{
	db_close(w->db);
	db_close(w->reports_db);
	cache_close(w->cache);
	spool_free(w->spool);
	if (w->curl != NULL)
		curl_easy_cleanup(w->curl);
	if (w->textcat != NULL && w->textcat_free != NULL)
		w->textcat_free(w->textcat);
	memset(w, 0, sizeof(*w));
}

int worker_defer(struct worker *w, worker_job_fn run, const char *arg)
{
	if (arg == NULL)
		arg = "";
	for (size_t i = 0; i < w->njobs; i++)
		if (w->jobs[i].run == run && strcmp(w->jobs[i].arg, arg) == 0)
			return 0;
	if (w->njobs == WORKER_JOBS_MAX || strlen(arg) >= sizeof(w->jobs[0].arg)) {
		log_msg(LOG_LEVEL_WARN, "a job for after the response was dropped (%s)", arg);
		return -1;
	}
	w->jobs[w->njobs].run = run;
	snprintf(w->jobs[w->njobs].arg, sizeof(w->jobs[0].arg), "%s", arg);
	w->njobs++;
	return 0;
}

void worker_run_jobs(struct worker *w)
{
	for (size_t i = 0; i < w->njobs; i++) {
		struct worker_job job = w->jobs[i];
		job.run(w, job.arg);
	}
	w->njobs = 0;
}

long worker_spool_flush(struct worker *w)
{
	return spool_load_own(w->spool, w->db);
}

long worker_spool_load_all(struct worker *w, long wait_ms)
{
	return w->cfg != NULL ? spool_load_dir(w->cfg->usage_spool_dir, w->db, wait_ms) : 0;
}

/* The job that loads the worker's spooled events once the response is out. */
static void spool_flush_job(struct worker *w, const char *arg)
{
	(void)arg;
	(void)worker_spool_flush(w);
}

void worker_spool_defer(struct worker *w)
{
	if (w->spool != NULL &&
	    spool_due(w->spool, w->cfg->usage_spool_max_events, w->cfg->usage_spool_flush_ms))
		(void)worker_defer(w, spool_flush_job, NULL);
}

long worker_spool_wait_ms(const struct worker *w)
{
	return w->spool != NULL ? spool_wait_ms(w->spool, w->cfg->usage_spool_flush_ms) : -1;
}
