/* The model check of the money state machine (issue 14): for each seed of
 * MODEL_SEEDS ("1"), MODEL_STEPS (2000) operations drawn by gen.c run
 * against the stack that tests/model/run started, each compared with the
 * reference model (ref.c) and followed by the invariants (check.c); a
 * quiescent point every MODEL_QUIESCE (500) steps and at the end. A
 * violation prints its seed and step, then the shortest sequence found
 * (within MODEL_SHRINK_SECONDS, 600) that still fails the same way, each
 * replay on fresh workspaces. Exits 0 when nothing failed. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "exec.h"

/* The failure of one run: its kind and message, at which step. */
struct verdict {
	int at; /* -1: none */
	int ws; /* the workspace it is about, -1: not one */
	char kind[64], failure[3000];
};

/* Returns the environment variable name as a number, or def. */
static long env_num(const char *name, long def)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? atol(v) : def;
}

/* Returns the seconds since t0. */
static double since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Runs ops[0..n) on fresh workspaces named tag, stopping at the first
 * failure (into v). descs: when not NULL, each operation's description
 * (n lines of 700). progress: print a line every that many steps (0:
 * none). Returns 0, or -1 when a check failed or the run could not start. */
static int run(struct world *w, const struct op *ops, int n, const char *tag, char (*descs)[700],
    int progress, struct verdict *v)
{
	struct timespec t0;
	int rc = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	v->at = v->ws = -1;
	v->kind[0] = v->failure[0] = '\0';
	if (world_begin(w, tag) < 0) {
		snprintf(v->kind, sizeof(v->kind), "%s", w->kind[0] ? w->kind : "setup");
		snprintf(v->failure, sizeof(v->failure), "%s",
		    w->failure[0] ? w->failure : "the run's workspaces could not be made");
		v->at = 0;
		world_end(w);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		rc = exec_op(w, &ops[i]);
		if (descs != NULL)
			snprintf(descs[i], sizeof(descs[i]), "%s", w->desc);
		if (rc < 0) {
			v->at = i;
			v->ws = w->fail_ws;
			snprintf(v->kind, sizeof(v->kind), "%s", w->kind);
			snprintf(v->failure, sizeof(v->failure), "%s", w->failure);
			break;
		}
		if (progress > 0 && (i + 1) % progress == 0)
			printf("model: run %s: %d/%d steps, %.0f s\n", tag, i + 1, n, since(&t0));
		fflush(stdout);
	}
	world_end(w);
	return rc;
}

/* Returns 1 when seq (n ops) fails on fresh workspaces the way kind
 * names; *at is where. */
static int still_fails(struct world *w, const struct op *seq, int n, const char *kind,
    const char *tag, int *at)
{
	struct verdict v;

	if (n <= 0)
		return 0;
	run(w, seq, n, tag, NULL, 0, &v);
	*at = v.at;
	return v.at >= 0 && strcmp(v.kind, kind) == 0;
}

/* The shrinking state: the sequence, the failure kept, the budget. */
struct shrinker {
	struct world *w;
	struct op *seq, *cand;
	int n, tries;
	const char *kind, *tag;
	struct timespec t0;
	long budget;
};

/* Returns 1 while the budget lasts. */
static int in_time(const struct shrinker *s)
{
	return since(&s->t0) < (double)s->budget;
}

/* Tries cand (m ops): when it fails the same way, it becomes the
 * sequence, up to its failing step. Returns 1 when it did. */
static int try_cand(struct shrinker *s, int m)
{
	char t[48];
	int at;

	snprintf(t, sizeof(t), "%.24sx%d", s->tag, s->tries++);
	if (!still_fails(s->w, s->cand, m, s->kind, t, &at))
		return 0;
	memcpy(s->seq, s->cand, (size_t)(at + 1) * sizeof(*s->seq));
	s->n = at + 1;
	return 1;
}

/* Leaves out chunk steps at a time, from the first on, keeping each
 * shorter sequence that still fails. */
static void remove_pass(struct shrinker *s, int chunk)
{
	for (int start = 0; start + chunk <= s->n && s->n > 1 && in_time(s);) {
		int m = 0;
		for (int i = 0; i < s->n; i++)
			if (i < start || i >= start + chunk)
				s->cand[m++] = s->seq[i];
		if (!try_cand(s, m))
			start += chunk;
	}
}

/* Shrinks seq (*n ops, failing with kind at its last) to a shorter
 * sequence that fails the same way: without the other workspaces' steps
 * (ws: the failure's workspace, -1 none), suffixes, then chunks left
 * out (single steps until none can go), then faults left out, for at
 * most budget seconds. */
static void shrink(struct world *w, struct op *seq, int *n, const char *kind, int ws,
    const char *tag, long budget)
{
	struct shrinker s = { w, seq, malloc((size_t)*n * sizeof(*seq)), *n, 0, kind, tag, { 0, 0 },
		budget };
	int before;

	if (s.cand == NULL)
		return;
	clock_gettime(CLOCK_MONOTONIC, &s.t0);
	if (ws >= 0) {
		/* the steps of the other workspaces first (each op is about one) */
		int m = 0;
		for (int i = 0; i < s.n; i++)
			if (s.seq[i].ws == ws || s.seq[i].kind >= OP_RESOLVE || i == s.n - 1)
				s.cand[m++] = s.seq[i];
		if (m < s.n)
			(void)try_cand(&s, m);
	}
	for (int len = 1; len < s.n && in_time(&s); len *= 2) {
		memcpy(s.cand, s.seq + s.n - len, (size_t)len * sizeof(*seq));
		if (try_cand(&s, len))
			break;
	}
	for (int chunk = s.n / 2; chunk > 1 && in_time(&s); chunk /= 2)
		remove_pass(&s, chunk);
	do {
		before = s.n;
		remove_pass(&s, 1);
	} while (s.n < before && in_time(&s));
	for (int i = 0; i < s.n && in_time(&s); i++) {
		if (s.seq[i].fault == FAULT_NONE)
			continue;
		memcpy(s.cand, s.seq, (size_t)s.n * sizeof(*seq));
		s.cand[i].fault = FAULT_NONE;
		(void)try_cand(&s, s.n);
	}
	printf("model: shrinking took %d replays, %.0f s\n", s.tries, since(&s.t0));
	*n = s.n;
	free(s.cand);
}

/* Prints the violation of seed at step, shrinks ops[0..at] and prints the
 * shortest sequence found, replayed once more for its descriptions. */
static void report(struct world *w, unsigned long long seed, const char *run_tag,
    const struct op *ops, const struct verdict *v, long budget)
{
	int n = v->at + 1;
	struct op *seq = malloc((size_t)n * sizeof(*seq));
	char(*descs)[700] = NULL, tag[48];
	struct verdict last;

	printf("model: VIOLATION seed=%llu step=%d (%s): %s\n", seed, v->at + 1, v->kind,
	    v->failure);
	if (seq == NULL)
		return;
	memcpy(seq, ops, (size_t)n * sizeof(*seq));
	snprintf(tag, sizeof(tag), "%s", run_tag);
	shrink(w, seq, &n, v->kind, v->ws, tag, budget);
	descs = calloc((size_t)n, sizeof(*descs));
	snprintf(tag, sizeof(tag), "%.30smin", run_tag);
	if (descs != NULL && run(w, seq, n, tag, descs, 0, &last) < 0 && last.at >= 0) {
		printf(
		    "model: shortest sequence found for seed %llu, %d of %d steps, fails with %s:\n",
		    seed, last.at + 1, v->at + 1, last.kind);
		for (int i = 0; i <= last.at; i++)
			printf("  %d. %s\n", i + 1, descs[i]);
		printf("  => %s\n", last.failure);
	} else
		printf("model: the shortened sequence (%d steps) did not fail again: the failure "
		       "needs timing; the whole run of seed %llu up to step %d reproduces it\n",
		    n, seed, v->at + 1);
	free(descs);
	free(seq);
}

int main(void)
{
	const char *seeds = getenv("MODEL_SEEDS");
	long steps = env_num("MODEL_STEPS", 2000), every = env_num("MODEL_QUIESCE", 500);
	long budget = env_num("MODEL_SHRINK_SECONDS", 600), total = 0;
	char list[512], *save = NULL;
	static struct world w;
	struct timespec t0;
	int violations = 0, nseeds = 0;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	snprintf(list, sizeof(list), "%s", seeds != NULL && seeds[0] != '\0' ? seeds : "1");
	if (steps < 1 || world_open(&w) < 0) {
		fprintf(stderr, "model: cannot start\n");
		return 99;
	}
	for (char *s = strtok_r(list, " ,", &save); s != NULL; s = strtok_r(NULL, " ,", &save)) {
		unsigned long long seed = strtoull(s, NULL, 10);
		struct op *ops = malloc((size_t)steps * sizeof(*ops));
		struct verdict v;
		char tag[32];
		if (ops == NULL)
			return 99;
		gen_ops(seed, (int)steps, (int)every, ops);
		/* names the run's workspaces, customers and coupons: unique */
		snprintf(tag, sizeof(tag), "s%llun%d", seed, nseeds);
		printf("model: seed %llu, %ld steps\n", seed, steps);
		if (run(&w, ops, (int)steps, tag, NULL, 1000, &v) < 0) {
			/* the counts are the runs', not the replays' of shrinking */
			struct world counts = w;
			violations++;
			total += v.at + 1;
			report(&w, seed, tag, ops, &v, budget);
			memcpy(w.ops, counts.ops, sizeof(w.ops));
			memcpy(w.stat, counts.stat, sizeof(w.stat));
			memcpy(w.status, counts.status, sizeof(w.status));
			w.kills = counts.kills;
			w.pg_crashes = counts.pg_crashes;
			w.retries = counts.retries;
			w.passed = counts.passed;
			w.failed = counts.failed;
		} else
			total += steps;
		nseeds++;
		free(ops);
	}
	printf("model: operations:");
	for (int k = 0; k < OP__MAX; k++)
		printf(" %s=%ld", op_name(k), w.ops[k]);
	printf("\nmodel: answers (2xx/400/402/404-409/422/5xx):");
	for (int k = 0; k < OP__MAX; k++)
		if (w.status[k][0] + w.status[k][1] + w.status[k][2] + w.status[k][3] +
		        w.status[k][4] + w.status[k][5] >
		    0)
			printf(" %s=%ld/%ld/%ld/%ld/%ld/%ld", op_name(k), w.status[k][0],
			    w.status[k][1], w.status[k][2], w.status[k][3], w.status[k][4],
			    w.status[k][5]);
	printf("\nmodel: covered:");
	for (int i = 0; i < RS__MAX; i++)
		printf(" %s=%ld", ref_stat_name((enum ref_stat)i), w.stat[i]);
	printf(
	    "\nmodel: faults: %ld SIGKILLs of every worker, %ld PostgreSQL crashes; %ld requests "
	    "sent again\n",
	    w.kills, w.pg_crashes, w.retries);
	printf("model: %d seeds (%s), %ld steps in %.0f s: %ld checks passed, %ld failed; %d "
	       "violations\n",
	    nseeds, seeds != NULL && seeds[0] ? seeds : "1", total, since(&t0), w.passed, w.failed,
	    violations);
	PQfinish(w.pg);
	curl_global_cleanup();
	return violations > 0 ? 1 : 0;
}
