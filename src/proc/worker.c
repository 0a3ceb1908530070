#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "proc/worker.h"
#include "store/cache.h"
#include "store/db.h"

int worker_open(struct worker *w, const struct config *cfg, char *err, size_t errsz)
{
	memset(w, 0, sizeof(*w));
	w->cfg = cfg;
	w->db = db_open(cfg->database_url, cfg->db_connect_timeout,
	    cfg->db_statement_timeout_ms);
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
	if (w->curl != NULL)
		curl_easy_cleanup(w->curl);
	memset(w, 0, sizeof(*w));
}

