#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "accounts/auth.h"
#include "accounts/jwt.h"
#include "accounts/ratelimit.h"
#include "accounts/session.h"
#include "billing/idempotency.h"
#include "billing/payments.h"
#include "billing/usage.h"
#include "core/clock.h"
#include "core/cors.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/reply.h"
#include "proc/worker.h"
#include "server/app.h"
#include "store/db.h"
#include "store/metrics_store.h"

#define DEFAULT_MAX_BODY (1L << 20)

/* Returns 1 when content_type is application/x-www-form-urlencoded (any
 * case, optional parameters). */
static int is_form(const char *content_type)
{
	static const char form[] = "application/x-www-form-urlencoded";
	size_t n = sizeof(form) - 1;

	return content_type != NULL && strncasecmp(content_type, form, n) == 0 &&
	    (content_type[n] == '\0' || content_type[n] == ';' || content_type[n] == ' ');
}

/* Reads a form body of r into r->json. Returns PROBLEM_NONE or the
 * problem with detail set. */
static enum problem app_read_form(struct worker *w, struct request *r, struct app_io *io,
    char *detail, size_t dsz)
{
	long max = w != NULL && w->cfg != NULL ? w->cfg->max_body_bytes : DEFAULT_MAX_BODY;
	enum problem p = request_read_body(r, io->read, io->read_ctx, max, detail, dsz);

	if (p == PROBLEM_NONE)
		p = params_form_to_json(r->route->fields, r->body, &r->json, detail, dsz);
	return p;
}

/* Checks the query string and, for routes with a body, the content type,
 * body and fields of r against its route. Returns PROBLEM_NONE or the
 * problem with detail set. */
static enum problem app_validate_input(struct worker *w, struct request *r, struct app_io *io,
    char *detail, size_t dsz)
{
	const struct route *rt = r->route;
	long max = w != NULL && w->cfg != NULL ? w->cfg->max_body_bytes : DEFAULT_MAX_BODY;
	enum problem p;

	r->query_buf = strdup(r->query);
	if (r->query_buf == NULL)
		return PROBLEM_INTERNAL;
	p = params_from_query(rt->query, r->query_buf, r->query_params, detail, dsz);
	if (p != PROBLEM_NONE || rt->body == BODY_NONE)
		return p;
	if (rt->body == BODY_FORM_OR_JSON && is_form(r->content_type))
		p = app_read_form(w, r, io, detail, dsz);
	else {
		if (r->content_length <= 0 && r->content_type == NULL) {
			/* nothing announced; still read, as a chunked body has no length */
			p = request_read_body(r, io->read, io->read_ctx, max, detail, dsz);
			if (p != PROBLEM_NONE)
				return p;
		}
		p = request_check_json_type(r->content_type, detail, dsz);
		if (p == PROBLEM_NONE && r->body == NULL)
			p = request_read_body(r, io->read, io->read_ctx, max, detail, dsz);
		if (p == PROBLEM_NONE)
			p = request_parse_json(r, detail, dsz);
	}
	if (p == PROBLEM_NONE)
		p = params_from_json(rt->fields, r->json, r->fields, detail, dsz);
	return p;
}

/* Authenticates the caller of r the way its route expects (the body is
 * read already for AUTH_KEY_IN_BODY). Returns PROBLEM_NONE with r->ident
 * set, or the problem with detail (and WWW-Authenticate) set. */
static enum problem app_authenticate(struct worker *w, struct request *r, struct reply *rp,
    char *detail, size_t dsz)
{
	const struct route *rt = r->route;
	const char *token = auth_token(r->authorization, "Bearer");
	struct json_object *k;
	enum problem p;

	if (rt->auth == AUTH_KEY_DEEPL && token == NULL)
		token = auth_token(r->authorization, "DeepL-Auth-Key");
	if (rt->auth == AUTH_KEY_IN_BODY && token == NULL && r->json != NULL &&
	    json_object_object_get_ex(r->json, "api_key", &k) &&
	    json_object_is_type(k, json_type_string))
		token = json_object_get_string(k);
	if (token == NULL) {
		snprintf(detail, dsz, "%s",
		    rt->auth == AUTH_KEY_DEEPL ? "send 'Authorization: DeepL-Auth-Key <api key>'"
		        : rt->auth == AUTH_KEY_IN_BODY ? "send the API key as api_key"
		                                       : "send 'Authorization: Bearer <api key>'");
		p = PROBLEM_UNAUTHORIZED;
	} else if (rt->auth == AUTH_KEY && jwt_shaped(token))
		p = session_authenticate(w, token, &r->ident, detail, dsz);
	else
		p = auth_api_key(w, token, &r->ident, detail, dsz);
	if (p == PROBLEM_UNAUTHORIZED && rt->auth == AUTH_KEY)
		reply_header(rp, "WWW-Authenticate", "Bearer realm=\"dragoman\"");
	return p;
}

/* Routes r and checks its credentials and input. Returns PROBLEM_NONE
 * with r->route set, or the problem with detail and reply headers set.
 * *handled is set when the reply is complete without a handler (OPTIONS). */
/* Takes url_prefix (e.g. "/api": the API mounted below it) off the front
 * of r->path. Returns 0, or -1 when the path is not below it. */
static int app_strip_prefix(const struct worker *w, struct request *r)
{
	const char *prefix = w != NULL && w->cfg != NULL ? w->cfg->url_prefix : NULL;
	size_t n = prefix != NULL ? strlen(prefix) : 0;

	while (n > 0 && prefix[n - 1] == '/')
		n--; /* "/api/" is "/api"; "/" is none */
	if (n == 0)
		return 0;
	if (strncmp(r->path, prefix, n) != 0 || (r->path[n] != '/' && r->path[n] != '\0'))
		return -1;
	memmove(r->path, r->path + n, strlen(r->path + n) + 1);
	if (r->path[0] == '\0')
		strcpy(r->path, "/");
	return 0;
}

static enum problem app_prepare(struct worker *w, const struct route *const *tables,
    struct request *r, struct reply *rp, struct app_io *io, int *handled, char *detail, size_t dsz)
{
	const struct route *rt = NULL;
	unsigned allow = 0;
	char allow_str[96];
	enum problem p;

	if (app_strip_prefix(w, r) < 0) {
		snprintf(detail, dsz, "no resource at %.200s", r->path);
		return PROBLEM_NOT_FOUND;
	}
	switch (router_match(tables, r->method, r->path, r, &rt, &allow)) {
	case ROUTE_NOT_FOUND:
		snprintf(detail, dsz, "no resource at %.200s", r->path);
		return PROBLEM_NOT_FOUND;
	case ROUTE_WRONG_METHOD:
		router_allow_string(allow, allow_str, sizeof(allow_str));
		reply_header(rp, "Allow", "%s", allow_str);
		if (r->method == HTTP_OPTIONS) {
			rp->status = 204;
			*handled = 1;
			cors_headers(w != NULL ? w->cfg : NULL, r, rp, allow, allow_str);
			return PROBLEM_NONE;
		}
		snprintf(detail, dsz, "%s is not allowed here; allowed: %s",
		    http_method_name(r->method), allow_str);
		return PROBLEM_METHOD_NOT_ALLOWED;
	case ROUTE_FOUND:
		break;
	}
	r->route = rt;
	if (rt->auth == AUTH_NONE || rt->auth == AUTH_KEY_IN_BODY) {
		p = app_validate_input(w, r, io, detail, dsz);
		if (p != PROBLEM_NONE || rt->auth == AUTH_NONE)
			return p;
	}
	if (w == NULL || w->cfg == NULL)
		return PROBLEM_INTERNAL;
	p = app_authenticate(w, r, rp, detail, dsz);
	if (p != PROBLEM_NONE)
		return p;
	/* a platform admin user is an operator on the operators' routes
	 * only: on their own workspace's, their role there */
	if (rt->min_role == ROLE_PLATFORM && r->ident.platform)
		r->ident.role = ROLE_PLATFORM;
	if (r->ident.role < rt->min_role) {
		snprintf(detail, dsz, "this needs a key with role %s", role_name(rt->min_role));
		return PROBLEM_FORBIDDEN;
	}
	if (rt->scope != SCOPE_NONE && !(r->ident.scopes & (1u << rt->scope))) {
		snprintf(detail, dsz, "this needs a key with the scope %s", scope_name(rt->scope));
		return PROBLEM_FORBIDDEN;
	}
	rp->workspace_id = r->ident.workspace_id;
	p = ratelimit_apply(w, &r->ident, rp, detail, dsz);
	if (p != PROBLEM_NONE)
		return p;
	return rt->auth == AUTH_KEY_IN_BODY ? PROBLEM_NONE
	                                    : app_validate_input(w, r, io, detail, dsz);
}

/* Gives the problem reply of a compatibility route the marks its clients
 * look for: 403 for a bad key, and DeepL's "message" or LibreTranslate's
 * "error". The problem+json members stay (status follows the new one). */
static void app_dialect(const struct route *rt, struct reply *rp)
{
	struct json_object *detail = NULL;
	const char *text;

	if (rt == NULL || rt->dialect == DIALECT_NATIVE || rp->body == NULL)
		return;
	if (!json_object_object_get_ex(rp->body, "detail", &detail))
		json_object_object_get_ex(rp->body, "title", &detail);
	text = detail != NULL ? json_object_get_string(detail) : "error";
	if (rp->status == 401 ||
	    (rt->dialect == DIALECT_DEEPL &&
	        (rp->status == 402 || rp->problem == PROBLEM_KEY_QUOTA))) {
		/* both answer a bad key with 403; DeepL's quota exceeded is 456 */
		rp->status = rp->status == 401 ? 403 : 456;
		json_object_object_add(rp->body, "status", json_object_new_int(rp->status));
	}
	json_object_object_add(rp->body, rt->dialect == DIALECT_DEEPL ? "message" : "error",
	    json_object_new_string(text));
}

/* Commits the usage event of a metered request from an identified caller
 * before its response leaves, with the response stored under its
 * Idempotency-Key in the same transaction when it has one (a server
 * fault gives the key up instead). When that fails, a success turns into
 * 503 (nothing unrecorded is handed out); a failure keeps its own reply. */
static void app_record_usage(struct worker *w, struct request *r, struct reply *rp,
    const struct timespec *t0)
{
	int tx, ok;

	/* a refused burst costs no database write */
	if (r->route == NULL || !r->route->metered || !r->ident.authenticated || r->idem_replayed ||
	    rp->problem == PROBLEM_RATE_LIMITED)
		return;
	/* the handler's own statement committed the event and the answer */
	if (r->usage.recorded) {
		if (r->usage.queued_payment[0] != '\0')
			(void)payments_defer_auto(w, r->usage.queued_payment);
		return;
	}
	/* a retry under a key used for another body (a recharge whose first
	 * attempt was not stored: issue 14) is told so and its key is left
	 * to the request that made it */
	tx = r->idem_claimed && rp->status < 500 && rp->problem != PROBLEM_IDEMPOTENCY_MISMATCH;
	r->usage.idempotency_key = r->idem_claimed ? r->idempotency_key : NULL;
	ok = (!tx || db_command(w->db, "BEGIN") == 0) &&
	    usage_record(w, &r->ident, r->request_id, r->route->name, &r->usage, rp->status,
	        (long)clock_ms_since(t0)) == 0 &&
	    (!tx || (idempotency_complete_tx(w, r, rp) == 0 && db_command(w->db, "COMMIT") == 0));
	if (!ok && tx) {
		(void)db_command(w->db, "ROLLBACK");
		/* nothing was charged: give the held credit back (the key may
		 * have been taken over by a retry while this ran too long) */
		if (r->usage.hold_id[0] != '\0' &&
		    usage_record(w, &r->ident, r->request_id, r->route->name, &r->usage, 503,
		        (long)clock_ms_since(t0)) < 0)
			log_msg(LOG_LEVEL_WARN,
			    "request %s: its credit hold stays until it expires", r->request_id);
	}
	if (r->idem_claimed &&
	    (!ok || rp->status >= 500 || rp->problem == PROBLEM_IDEMPOTENCY_MISMATCH))
		idempotency_release(w, r);
	if (ok && r->usage.queued_payment[0] != '\0')
		(void)payments_defer_auto(w, r->usage.queued_payment);
	if (ok || rp->status >= 400)
		return;
	json_object_put(rp->body);
	rp->body = NULL;
	rp->headers_len = 0;
	rp->headers[0] = '\0';
	rp->retry_after = 1;
	reply_problem(rp, PROBLEM_UNAVAILABLE, "the request could not be recorded; retry",
	    r->request_id);
	app_dialect(r->route, rp);
}

/* Takes the route's Idempotency-Key: claims it, or replays the first
 * response (*handled set). Returns PROBLEM_NONE or the problem with
 * detail set. */
static enum problem app_idempotency(struct worker *w, struct request *r, struct reply *rp,
    int *handled, char *detail, size_t dsz)
{
	enum problem p;

	if (r->idempotency_key == NULL) {
		if (r->route->idempotency != IDEM_REQUIRED &&
		    r->route->idempotency != IDEM_REQUIRED_OWN)
			return PROBLEM_NONE;
		snprintf(detail, dsz,
		    "send an Idempotency-Key header (any unique value, 1 to 255 "
		    "visible ASCII characters, reused only to retry the same request)");
		return PROBLEM_INVALID_FIELD;
	}
	if (!idempotency_key_valid(r->idempotency_key)) {
		snprintf(detail, dsz, "Idempotency-Key must be 1 to 255 visible ASCII characters");
		return PROBLEM_INVALID_FIELD;
	}
	if (r->route->idempotency == IDEM_REQUIRED_OWN)
		return PROBLEM_NONE;
	p = idempotency_begin(w, r, rp);
	if (p == PROBLEM_NONE && r->idem_replayed)
		*handled = 1;
	return p;
}

/* Writes the one log line for a finished request. */
static void app_log(const struct worker *w, const struct request *r, const struct reply *rp,
    const struct timespec *t0)
{
	struct json_object *o;

	if (w == NULL || w->cfg == NULL || !w->cfg->log_requests)
		return;
	o = json_object_new_object();
	json_object_object_add(o, "msg", json_object_new_string("request"));
	json_object_object_add(o, "request_id", json_object_new_string(r->request_id));
	json_object_object_add(o, "method", json_object_new_string(http_method_name(r->method)));
	json_object_object_add(o, "path", json_object_new_string(r->path));
	json_object_object_add(o, "route",
	    r->route != NULL ? json_object_new_string(r->route->name) : NULL);
	json_object_object_add(o, "status", json_object_new_int(rp->status));
	json_object_object_add(o, "duration_ms", clock_json_ms(clock_ms_since(t0)));
	json_object_object_add(o, "workspace",
	    rp->workspace_id != NULL ? json_object_new_string(rp->workspace_id) : NULL);
	if (rp->problem != PROBLEM_NONE)
		json_object_object_add(o, "problem",
		    json_object_new_string(problem_type(rp->problem)));
	log_fields(rp->status >= 500 ? LOG_LEVEL_ERROR : LOG_LEVEL_INFO, o);
}

/* Counts a finished request in the metrics: by route and status, its
 * duration, and its problem type when it has one. */
static void app_count(const struct request *r, const struct reply *rp, const struct timespec *t0)
{
	const char *route = r->route != NULL ? r->route->name : "none";
	char status[8];

	snprintf(status, sizeof(status), "%d", rp->status);
	metrics_count(METRIC_HTTP_REQUESTS, 1, "route", route, "status", status, METRICS_END);
	metrics_observe(METRIC_HTTP_DURATION, clock_ms_since(t0) / 1000.0, "route", route,
	    METRICS_END);
	if (rp->problem != PROBLEM_NONE) {
		const char *type = strrchr(problem_type(rp->problem), ':');
		metrics_count(METRIC_PROBLEMS, 1, "type",
		    type != NULL ? type + 1 : problem_type(rp->problem), METRICS_END);
	}
}

/* The job that hands this process's counts on once the response is out. */
static void flush_metrics_job(struct worker *w, const char *arg)
{
	(void)arg;
	(void)metrics_flush(w->db);
}

int app_handle(struct worker *w, const struct route *const *tables, struct app_io *io)
{
	struct request r;
	struct reply rp;
	struct timespec t0;
	char detail[REPLY_DETAIL_MAX] = "";
	int handled = 0, status;
	enum problem p;
	size_t len = 0;
	char *out;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&rp, 0, sizeof(rp));
	rp.status = 200;
	p = request_init(&r, io->envp, detail, sizeof(detail));
	rp.no_body = r.method == HTTP_HEAD;
	if (p == PROBLEM_NONE)
		p = app_prepare(w, tables, &r, &rp, io, &handled, detail, sizeof(detail));
	if (p == PROBLEM_NONE && !handled && r.route->idempotency != IDEM_NONE)
		p = app_idempotency(w, &r, &rp, &handled, detail, sizeof(detail));
	if (p == PROBLEM_NONE && !handled)
		p = r.route->handler(w, &r, &rp);
	if (p != PROBLEM_NONE) {
		/* a server fault shows no internals to the client */
		if (problem_status(p) == 500)
			detail[0] = rp.detail[0] = '\0';
		if (p == PROBLEM_UNAVAILABLE && rp.retry_after == 0)
			rp.retry_after = 5;
		reply_problem(&rp, p, detail[0] != '\0' ? detail : NULL, r.request_id);
		app_dialect(r.route, &rp);
	}
	app_record_usage(w, &r, &rp, &t0);
	if (r.method != HTTP_OPTIONS || !handled)
		cors_headers(w != NULL ? w->cfg : NULL, &r, &rp, 0, "");
	out = reply_render(&rp, r.request_id, &len);
	if (out == NULL) {
		static const char oom[] = "Status: 500 Internal Server Error\r\n"
		                          "Content-Length: 0\r\n\r\n";
		rp.status = 500;
		io->write(io->write_ctx, oom, sizeof(oom) - 1);
	} else
		io->write(io->write_ctx, out, len);
	free(out);
	app_log(w, &r, &rp, &t0);
	app_count(&r, &rp, &t0);
	if (w != NULL && w->cfg != NULL) {
		if (metrics_flush_wait_ms(w->cfg->metrics_flush_ms) == 0)
			(void)worker_defer(w, flush_metrics_job, NULL);
		worker_spool_defer(w);
	}
	status = rp.status;
	reply_release(&rp);
	request_release(&r);
	return status;
}

long app_idle_wait_ms(const struct worker *w)
{
	long m = metrics_flush_wait_ms(w->cfg->metrics_flush_ms);
	long u = worker_spool_wait_ms(w);

	return m < 0 ? u : u < 0 || m < u ? m : u;
}

void app_idle(struct worker *w)
{
	if (metrics_flush_wait_ms(w->cfg->metrics_flush_ms) == 0)
		(void)metrics_flush(w->db);
	if (worker_spool_wait_ms(w) == 0)
		(void)worker_spool_flush(w);
}

void app_start(struct worker *w)
{
	/* a worker that is starting never waits for another process */
	(void)worker_spool_load_all(w, 0);
}

void app_stop(struct worker *w)
{
	(void)worker_spool_flush(w);
	(void)metrics_flush(w->db);
}
