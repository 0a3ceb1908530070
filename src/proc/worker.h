/* Per-process state, made after fork and before the accept loop: one
 * PostgreSQL connection, one memcached handle, one CURL handle. Nothing in
 * it is shared with another process. */
#ifndef DRAGOMAN_WORKER_H
#define DRAGOMAN_WORKER_H

#include <curl/curl.h>

#include "core/config.h"

struct cache;
struct db;

struct worker {
	const struct config *cfg;   /* borrowed */
	struct db *db;
	struct db *reports_db;       /* reports_conninfo's; NULL: db serves reports */
	struct cache *cache;
	CURL *curl;
	void *textcat;              /* language classifier, loaded on first use */
	char after_response[40];    /* an auto payment to run once the reply is out */
	unsigned char jwt_secret[256]; /* read from jwt_secret_file on first use */
	size_t jwt_secret_len;      /* 0: not read yet */
};

/* Creates the connections' handles for cfg (PostgreSQL connects on first
 * use). Returns 0, or -1 with a message in err. Release with worker_close(). */
int worker_open(struct worker *w, const struct config *cfg, char *err, size_t errsz)
    __attribute__((warn_unused_result));

/* Returns the connection reports read from: reports_conninfo's, else the
 * primary's (borrowed). */
struct db *worker_reports_db(struct worker *w);

/* Frees what w holds and zeroes it (not what a domain cached in it: the
 * loop frees the classifier, detect_free()). */
void worker_close(struct worker *w);

#endif
