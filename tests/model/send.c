/* Sending requests as a careful client does, with the faults the model
 * check injects (SIGKILL of every worker, a PostgreSQL crash), and
 * comparing answers with the model's. */
#include "autoconfig.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../integration/fixture.h"
#include "ops.h"

/* How long a client keeps retrying: 600 times 100 ms. */
#define RETRIES 600

/* Sends q once. Returns the status (0: no answer); r holds the answer. */
static long send_once(const struct req *q, struct http_response *r)
{
	char auth[256], idem[300];
	const char *h[4];
	int n = 0;

	if (q->webhook)
		return stand_deliver(q->body, r);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", q->key != NULL ? q->key : "");
	snprintf(idem, sizeof(idem), "Idempotency-Key: %s", q->idem != NULL ? q->idem : "");
	h[n++] = "Content-Type: application/json";
	if (q->key != NULL)
		h[n++] = auth;
	if (q->idem != NULL)
		h[n++] = idem;
	h[n] = NULL;
	return http_request(q->method, q->path, h, q->body, q->body != NULL ? strlen(q->body) : 0,
	    r);
}

struct flight {
	const struct req *q;
	struct http_response r;
	long status;
};

/* The request sent while the fault strikes. */
static void *fly(void *arg)
{
	struct flight *f = arg;

	f->status = send_once(f->q, &f->r);
	return NULL;
}

/* Returns 1 when the answer came from dragoman (it names its request). */
static int from_dragoman(long st, const struct http_response *r)
{
	return st != 0 && http_header(r, "X-Request-Id") != NULL;
}

/* Returns 1 when r says its key's first request is still in flight. */
static int in_flight(long st, const struct http_response *r)
{
	const char *type = http_json_str(r, "type");

	return st == 409 && type != NULL &&
	    strcmp(type, "urn:dragoman:problem:idempotency-in-flight") == 0;
}

/* Crashes PostgreSQL (stopped with -m immediate, started again) and kills
 * every worker, so that none keeps a connection of the old server. */
static void pg_crash(struct world *w)
{
	if (stack("pg-crash") != 0)
		fprintf(stderr, "model: the PostgreSQL crash did not restart it\n");
	kill_workers();
	w->pg_crashes++;
}

long ops_send(struct world *w, const struct req *q, const struct op *o, int *retried,
    struct http_response *r)
{
	int eventual = o != NULL && o->fault != FAULT_NONE;
	long st;

	*retried = 0;
	if (eventual) {
		struct flight f = { q, { 0 }, 0 };
		pthread_t t;
		if (pthread_create(&t, NULL, fly, &f) != 0)
			return 0;
		usleep((o->r[3] % 40) * 1000);
		if (o->fault == FAULT_KILL) {
			kill_workers();
			w->kills++;
		} else
			pg_crash(w);
		pthread_join(t, NULL);
		*r = f.r;
		st = f.status;
	} else
		st = send_once(q, r);
	for (int i = 0; i < RETRIES; i++) {
		if (from_dragoman(st, r) && (!eventual || (st < 500 && !in_flight(st, r))))
			break;
		http_free(r);
		usleep(100 * 1000);
		*retried = 1;
		w->retries++;
		st = send_once(q, r);
	}
	return st;
}

int op_pg_restart(struct world *w, const struct op *o)
{
	(void)o;
	snprintf(w->desc, sizeof(w->desc),
	    "pg-restart: PostgreSQL crashes, every worker is "
	    "killed, the service comes back");
	pg_crash(w);
	return world_expect(w, wait_for_service() == 0, "service",
	           "the service did not come "
	           "back after a PostgreSQL crash")
	    ? 0
	    : -1;
}

long long ops_json_num(const struct http_response *r, const char *name)
{
	struct json_object *v;

	if (r->json == NULL || !json_object_object_get_ex(r->json, name, &v) || v == NULL)
		return LLONG_MIN;
	return json_object_get_int64(v);
}

void ops_money(long long micros, char *out, size_t outsz)
{
	unsigned long long a =
	    micros < 0 ? 0ULL - (unsigned long long)micros : (unsigned long long)micros;

	snprintf(out, outsz, "%s%llu.%06llu", micros < 0 ? "-" : "", a / 1000000, a % 1000000);
}

int ops_verify(struct world *w, const struct ref_expect *e, long st, const struct http_response *r)
{
	char want[128];
	const char *type = http_json_str(r, "type");

	if (w->op >= 0 && w->op < OP__MAX)
		w->status[w->op][st < 300        ? 0
		        : st == 400              ? 1
		        : st == 402              ? 2
		        : st == 404 || st == 409 ? 3
		        : st == 422              ? 4
		                                 : 5]++;
	if (e->status == 0)
		return 1; /* the model is full: nothing to compare */
	if (!world_expect(w, st == e->status || (e->alt_status != 0 && st == e->alt_status),
	        "answer", "%s: HTTP %ld %.400s; the model says %d%s%s", w->desc, st,
	        r->body != NULL ? r->body : "", e->status, e->problem != NULL ? " " : "",
	        e->problem != NULL ? e->problem : ""))
		return 0;
	if (e->problem != NULL && st == e->status) {
		snprintf(want, sizeof(want), "urn:dragoman:problem:%s", e->problem);
		if (!world_expect(w, http_is_problem(r) && type != NULL && strcmp(type, want) == 0,
		        "answer", "%s: HTTP %ld of type %s; the model says %s", w->desc, st,
		        type != NULL ? type : "(none)", want))
			return 0;
	}
	if (e->replay != NULL) {
		const char *mark = http_header(r, "Idempotent-Replayed");
		if (!world_expect(w,
		        r->body != NULL && strcmp(r->body, e->replay) == 0 && mark != NULL &&
		            strcmp(mark, "true") == 0,
		        "replay",
		        "%s: the replayed answer "
		        "%.300s (Idempotent-Replayed: %s) is not the first one, %.300s",
		        w->desc, r->body != NULL ? r->body : "", mark != NULL ? mark : "absent",
		        e->replay))
			return 0;
	}
	return 1;
}
