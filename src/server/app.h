/* The request pipeline: parse, route, authenticate, read and validate the
 * body, run the handler, write one response and one log line. Independent
 * of FastCGI so that tests can drive it directly. */
#ifndef DRAGOMAN_APP_H
#define DRAGOMAN_APP_H

#include <stddef.h>

#include "core/request.h"
#include "core/router.h"

struct worker;

/* Writes n bytes of response. Returns 0 or -1. */
typedef int (*response_write_fn)(void *ctx, const char *buf, size_t n);

struct app_io {
	char **envp; /* CGI parameters */
	body_read_fn read;
	void *read_ctx;
	response_write_fn write;
	void *write_ctx;
};


/* Handles one request from io against the NULL-terminated tables, using
 * w's connections (w->cfg NULL: built-in limits, no auth, no log).
 * Work for after the response is queued on w (worker_run_jobs()).
 * Returns the HTTP status written. */
int app_handle(struct worker *w, const struct route *const *tables, struct app_io *io);

/* Returns the milliseconds an idle worker w may wait before app_idle()
 * has work (0: now), or -1 when nothing waits. */
long app_idle_wait_ms(const struct worker *w);

/* Does what an idle worker owes once it is due: hands its metric counts
 * on and loads its spooled usage events. */
void app_idle(struct worker *w);

/* Run once when a worker starts: loads the usage events that workers
 * which died left in the spool. */
void app_start(struct worker *w);

/* Run before a worker stops or reloads: loads its spooled usage events
 * and hands its metric counts on. */
void app_stop(struct worker *w);

#endif
