/* The translation cache: one batch of texts walks it top to bottom here.
 *
 * Tiers, nearest first, and how long a translation lives in each:
 *   memo        this process's (store/memo.c), local_cache_ms (about 1 s),
 *               values up to MEMO_VALUE_MAX bytes;
 *   memcached   shared by every worker, cache_ttl seconds (a day);
 *   PostgreSQL  translation_cache, kept; each row counts its hits.
 *
 * translation.c walks a batch once for each provider it tries:
 *   1. keys      tcache_prepare(): each text's key, the SHA-256 of the
 *                family (provider), scope, source, target, format, context
 *                and text; "dgm:tr:<key>" in the memo and memcached;
 *   2. near      tcache_lookup(): the memo, then memcached in one round
 *                trip for the rest (memoizing what it finds); one in
 *                TCACHE_HIT_SAMPLE of these hits adds TCACHE_HIT_SAMPLE
 *                to its row's counter;
 *   3. far       then one PostgreSQL query for what is still missing, each
 *                row found adding one to its counter;
 *   4. backfill  the rows found there are copied into memcached and the
 *                memo;
 *      (the provider translates what is left: translation.c)
 *   5. store     tcache_store(): the new translations into the memo,
 *                memcached and PostgreSQL (one statement for all);
 * and tcache_release() frees the entries' translations.
 *
 * Scope: "" for the cache all workspaces share, or the workspace's id
 * (cache_per_workspace), so that tenants learn nothing of each other.
 * Degraded: when the providers asked leave texts untranslated because
 * they failed (not because none offers the pair), translation.c walks
 * steps 1-4 again under the other configured providers' families and
 * marks a hit found so degraded: a provider not asked for made it.
 * Faults: a memcached or PostgreSQL fault counts as a miss; a failed
 * store is logged and the request goes on.
 * Metrics: dragoman_cache_lookups_total counts the hits by tier
 * ("memcached", the memo's included, then "postgresql") and the misses
 * (tier "none"), once per text and provider pass: a text that misses in
 * two providers' caches is two misses, one hit in an earlier pass none.
 *
 * Off the walk: tcache_warm() (dragoman-admin cache warm) and
 * tcache_stats() (GET /v1/cache/stats, dragoman-admin cache stats). */
#include "autoconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "core/log.h"
#include "core/metrics.h"
#include "core/random.h"
#include "core/self.h"
#include "store/cache.h"
#include "store/db.h"
#include "store/memo.h"
#include "translate/tcache.h"

#define KEY_PREFIX "dgm:tr:"
#define CACHE_KEY_MAX 80

/* 1. keys */

/* Feeds one field as "<length>:<bytes>" so that no two inputs encode alike. */
static void feed(EVP_MD_CTX *ctx, const char *s)
{
	char len[24];
	size_t n = s ? strlen(s) : 0;

	snprintf(len, sizeof(len), "%zu:", n);
	EVP_DigestUpdate(ctx, len, strlen(len));
	if (n > 0)
		EVP_DigestUpdate(ctx, s, n);
}

void tcache_prepare(struct tcache_entry *e, size_t n, const struct tcache_query *q)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	for (size_t i = 0; i < n; i++) {
		unsigned char md[32];
		unsigned int mdlen = 0;
		if (e[i].hit)
			continue;
		if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
			memset(md, 0, sizeof(md));
		} else {
			feed(ctx, "dragoman-translation-v2");
			feed(ctx, q->family);
			feed(ctx, q->scope);
			feed(ctx, q->source);
			feed(ctx, q->target);
			feed(ctx, q->format);
			feed(ctx, q->context);
			feed(ctx, e[i].text);
			EVP_DigestFinal_ex(ctx, md, &mdlen);
		}
		hex_encode(md, sizeof(md), e[i].key);
	}
	EVP_MD_CTX_free(ctx);
}

/* Writes the memo and memcached key of entry e into out (CACHE_KEY_MAX
 * bytes). */
static void entry_cache_key(const struct tcache_entry *e, char *out)
{
	snprintf(out, CACHE_KEY_MAX, KEY_PREFIX "%s", e->key);
}

/* The value kept in the memo and memcached: {"t","p","m"} */

/* Sets e from a cached value. Returns 1 when usable (e->hit set, e owns
 * the new translation), else 0. */
static int entry_from_json(struct tcache_entry *e, const char *v)
{
	struct json_object *o = json_tokener_parse(v), *t, *p, *m;
	int ok = o != NULL && json_object_object_get_ex(o, "t", &t) &&
	    json_object_object_get_ex(o, "p", &p) && json_object_object_get_ex(o, "m", &m);

	if (ok) {
		e->translated = strdup(json_object_get_string(t));
		snprintf(e->provider, sizeof(e->provider), "%s", json_object_get_string(p));
		snprintf(e->model, sizeof(e->model), "%s", json_object_get_string(m));
		ok = e->hit = e->translated != NULL;
	}
	json_object_put(o);
	return ok;
}

/* Writes entry e to the near tiers: this process's memo for
 * local_cache_ms, and memcached for cache_ttl (none when below 1 s; a
 * memcached failure is cache.c's to log). */
static void put_near(struct worker *w, const struct tcache_entry *e)
{
	char ckey[CACHE_KEY_MAX];
	struct json_object *o = json_object_new_object();
	size_t len;

	json_object_object_add(o, "t", json_object_new_string(e->translated));
	json_object_object_add(o, "p", json_object_new_string(e->provider));
	json_object_object_add(o, "m", json_object_new_string(e->model));
	const char *v = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
	entry_cache_key(e, ckey);
	memo_put(ckey, v, len, w->cfg->local_cache_ms);
	if (w->cfg->cache_ttl >= 1)
		(void)cache_set(w->cache, ckey, v, len, w->cfg->cache_ttl);
	json_object_put(o);
}

/* The hit counters of translation_cache */

/* Returns a pseudo-random number for sampling (not for secrets): a
 * xorshift seeded per process on first use. */
static uint32_t sample_next(void)
{
	static uint32_t state;
	static pid_t seeded_by;

	if (state == 0 || seeded_by != self_pid()) {
		if (random_bytes(&state, sizeof(state)) < 0 || state == 0)
			state = (uint32_t)self_pid() * 2654435761u | 1u;
		seeded_by = self_pid();
	}
	state ^= state << 13;
	state ^= state >> 17;
	state ^= state << 5;
	return state;
}

/* Writes the keys of the entries e[i] with mark[i] set as a PostgreSQL
 * array literal into a new string (caller frees). Returns NULL when none
 * is marked or out of memory. */
static char *key_array(const struct tcache_entry *e, const unsigned char *mark, size_t n)
{
	char *arr = malloc(n * 66 + 3);
	size_t len = 0;

	if (arr == NULL)
		return NULL;
	arr[len++] = '{';
	for (size_t i = 0; i < n; i++)
		if (mark[i])
			len += (size_t)sprintf(arr + len, "%s%s", len > 1 ? "," : "", e[i].key);
	arr[len++] = '}';
	arr[len] = '\0';
	if (len == 2) {
		free(arr);
		return NULL;
	}
	return arr;
}

/* Adds weight to the hit counters of the keys in the PostgreSQL array
 * literal arr (failures are logged, never fatal). */
static void count_hits(struct worker *w, const char *arr, int weight)
{
	char wbuf[16];
	const char *params[2] = { arr, wbuf };
	PGresult *res;

	snprintf(wbuf, sizeof(wbuf), "%d", weight);
	/* its asynchronous commit must not become an open transaction's */
	if (db_in_transaction(w->db))
		return;
	res = db_exec(w->db, STMT_TCACHE_HIT, params);
	if (res != NULL && PQresultStatus(res) != PGRES_COMMAND_OK)
		log_msg(LOG_LEVEL_WARN, "translation cache hit count: %s",
		    PQresultErrorMessage(res));
	PQclear(res);
}

/* 2. near: the memo, then memcached */

/* Fills the entries of e[0..n) not hit yet that this process's memo
 * holds, marking them in got[]. Returns how many. */
static size_t lookup_memo(struct tcache_entry *e, size_t n, unsigned char *got)
{
	char ckey[CACHE_KEY_MAX], buf[MEMO_VALUE_MAX + 1];
	size_t hits = 0, len;

	for (size_t i = 0; i < n; i++) {
		if (e[i].hit)
			continue;
		entry_cache_key(&e[i], ckey);
		if (memo_get(ckey, buf, sizeof(buf), &len) && entry_from_json(&e[i], buf)) {
			got[i] = 1;
			hits++;
		}
	}
	return hits;
}

/* Fills the entries of e[0..n) still not hit that memcached holds, asking
 * for all of them in one round trip, memoizing each value found and
 * marking its entry in got[]. Returns how many (0 also on a fault). */
static size_t lookup_memcached(struct worker *w, struct tcache_entry *e, size_t n,
    unsigned char *got)
{
	char(*ckeys)[CACHE_KEY_MAX] = calloc(n, sizeof(*ckeys));
	const char **keys = calloc(n, sizeof(*keys));
	char **values = calloc(n, sizeof(*values));
	size_t *at = calloc(n, sizeof(*at)), hits = 0, m = 0;

	if (ckeys == NULL || values == NULL || keys == NULL || at == NULL)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (!e[i].hit) {
			entry_cache_key(&e[i], ckeys[m]);
			keys[m] = ckeys[m];
			at[m++] = i; /* keys[k] is the key of e[at[k]] */
		}
	if (m == 0 || cache_get_multi(w->cache, keys, m, values) <= 0)
		goto out;
	for (size_t k = 0; k < m; k++)
		if (values[k] != NULL && entry_from_json(&e[at[k]], values[k])) {
			memo_put(keys[k], values[k], strlen(values[k]), w->cfg->local_cache_ms);
			got[at[k]] = 1;
			hits++;
		}
out:
	for (size_t k = 0; values != NULL && k < m; k++)
		free(values[k]);
	free(values);
	free(ckeys);
	free(keys);
	free(at);
	return hits;
}

/* Counts the near hits marked in got[] in PostgreSQL, sampled: each one
 * is kept with a chance of 1 in TCACHE_HIT_SAMPLE and adds
 * TCACHE_HIT_SAMPLE, so that a hot text does not turn every hit into a
 * write on one row. Clears got[]. */
static void count_near_hits(struct worker *w, const struct tcache_entry *e, size_t n,
    unsigned char *got)
{
	size_t sampled = 0;
	char *arr;

	for (size_t i = 0; i < n; i++) {
		if (got[i] && sample_next() % TCACHE_HIT_SAMPLE == 0)
			sampled++;
		else
			got[i] = 0;
	}
	if (sampled > 0 && (arr = key_array(e, got, n)) != NULL) {
		count_hits(w, arr, TCACHE_HIT_SAMPLE);
		free(arr);
	}
	memset(got, 0, n);
}

/* 3. far: PostgreSQL */

/* Fills the entries of e[0..n) still not hit from PostgreSQL, in one
 * query, marking them in found[], and adds one to their rows' counters.
 * Returns how many (0 also on a fault, which is logged). */
static size_t lookup_postgres(struct worker *w, struct tcache_entry *e, size_t n,
    unsigned char *found)
{
	unsigned char *want = calloc(n, 1);
	char *arr;
	size_t hits = 0;
	PGresult *res = NULL;

	for (size_t i = 0; want != NULL && i < n; i++)
		want[i] = !e[i].hit;
	arr = want != NULL ? key_array(e, want, n) : NULL;
	if (arr == NULL)
		goto out;
	const char *params[] = { arr };
	res = db_exec(w->db, STMT_TCACHE_GET, params);
	if (res != NULL && PQresultStatus(res) != PGRES_TUPLES_OK)
		log_msg(LOG_LEVEL_ERROR, "translation cache lookup: %s", PQresultErrorMessage(res));
	for (int r = 0; res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK && r < PQntuples(res);
	     r++) {
		for (size_t i = 0; i < n; i++) {
			if (e[i].hit || strcmp(e[i].key, PQgetvalue(res, r, 0)) != 0)
				continue;
			e[i].translated = strdup(PQgetvalue(res, r, 3));
			if (e[i].translated == NULL)
				continue;
			snprintf(e[i].provider, sizeof(e[i].provider), "%s", PQgetvalue(res, r, 1));
			snprintf(e[i].model, sizeof(e[i].model), "%s", PQgetvalue(res, r, 2));
			e[i].hit = found[i] = 1;
			hits++;
		}
	}
	if (hits > 0)
		count_hits(w, arr, 1);
out:
	PQclear(res);
	free(arr);
	free(want);
	return hits;
}

/* 4. backfill */

/* Copies the entries of e[0..n) marked in found[] into the near tiers. */
static void backfill_near(struct worker *w, const struct tcache_entry *e, size_t n,
    const unsigned char *found)
{
	for (size_t i = 0; i < n; i++)
		if (found[i])
			put_near(w, &e[i]);
}

/* Steps 2 to 4, in order (what it returns: tcache.h). */
size_t tcache_lookup(struct worker *w, struct tcache_entry *e, size_t n)
{
	unsigned char *got = calloc(n, 1); /* this call's hits, one tier at a time */
	size_t near, far = 0, unhit = 0;

	if (got == NULL)
		return 0;
	/* an earlier provider's pass may have hit some already: they are not
	 * looked up again, and not this pass's misses */
	for (size_t i = 0; i < n; i++)
		unhit += !e[i].hit;
	near = lookup_memo(e, n, got);
	near += lookup_memcached(w, e, n, got);
	count_near_hits(w, e, n, got);
	metrics_count(METRIC_CACHE_LOOKUPS, (long long)near, "tier", "memcached", "result", "hit",
	    METRICS_END);
	if (near < unhit) {
		far = lookup_postgres(w, e, n, got);
		backfill_near(w, e, n, got);
		metrics_count(METRIC_CACHE_LOOKUPS, (long long)far, "tier", "postgresql", "result",
		    "hit", METRICS_END);
	}
	metrics_count(METRIC_CACHE_LOOKUPS, (long long)(unhit - near - far), "tier", "none",
	    "result", "miss", METRICS_END);
	free(got);
	return near + far;
}

/* 5. store */

/* Inserts the translations of the entries of e[0..n) not hit into
 * PostgreSQL, all in one statement (rows already there are kept; a
 * failure is logged, never fatal). */
static void store_postgres(struct worker *w, const struct tcache_entry *e, size_t n,
    const struct tcache_query *q)
{
	struct json_object *rows = json_object_new_array();
	PGresult *res;

	for (size_t i = 0; i < n; i++) {
		struct json_object *o;
		if (e[i].hit || e[i].translated == NULL)
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "k", json_object_new_string(e[i].key));
		json_object_object_add(o, "p", json_object_new_string(e[i].provider));
		json_object_object_add(o, "m", json_object_new_string(e[i].model));
		json_object_object_add(o, "t", json_object_new_string(e[i].translated));
		json_object_array_add(rows, o);
	}
	if (json_object_array_length(rows) > 0) {
		const char *params[] = { q->source, q->target, q->format,
			json_object_to_json_string_ext(rows, JSON_C_TO_STRING_PLAIN) };
		/* its asynchronous commit must not become an open
		 * transaction's: then the copy is left to memcached */
		res = db_in_transaction(w->db) ? NULL : db_exec(w->db, STMT_TCACHE_PUT, params);
		/* an unavailable database was logged once by db_exec() */
		if (res != NULL && PQresultStatus(res) != PGRES_COMMAND_OK)
			log_msg(LOG_LEVEL_WARN, "translation cache store: %s",
			    PQresultErrorMessage(res));
		PQclear(res);
	}
	json_object_put(rows);
}

void tcache_store(struct worker *w, const struct tcache_entry *e, size_t n,
    const struct tcache_query *q)
{
	for (size_t i = 0; i < n; i++)
		if (!e[i].hit && e[i].translated != NULL)
			put_near(w, &e[i]);
	store_postgres(w, e, n, q);
}

void tcache_release(struct tcache_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(e[i].translated);
		e[i].translated = NULL;
	}
}

/* Off the walk: warming memcached, the statistics */

long tcache_warm(struct worker *w, long limit)
{
	char lim[24];
	const char *params[] = { lim };
	PGresult *res;
	long n = 0;

	snprintf(lim, sizeof(lim), "%ld", limit);
	res = db_exec(w->db, STMT_TCACHE_TOP, params);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		return -1;
	}
	for (int r = 0; r < PQntuples(res); r++) {
		struct tcache_entry e = { .translated = PQgetvalue(res, r, 3) };
		snprintf(e.key, sizeof(e.key), "%s", PQgetvalue(res, r, 0));
		snprintf(e.provider, sizeof(e.provider), "%s", PQgetvalue(res, r, 1));
		snprintf(e.model, sizeof(e.model), "%s", PQgetvalue(res, r, 2));
		put_near(w, &e);
		n++;
	}
	PQclear(res);
	return n;
}

/* Adds the server-wide counters (translation_cache, memcached) to o. */
static void stats_server(struct worker *w, struct json_object *o)
{
	PGresult *res = db_exec(w->db, STMT_TCACHE_TOTALS, NULL);
	struct cache_server_stats mc;
	struct json_object *x;

	if (res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
		x = json_object_new_object();
		json_object_object_add(x, "rows", json_object_new_int64(db_num(res, 0, 0)));
		json_object_object_add(x, "hits", json_object_new_int64(db_num(res, 0, 1)));
		json_object_object_add(o, "postgresql", x);
	}
	PQclear(res);
	x = json_object_new_object();
	if (cache_server_stats(w->cache, &mc) == 0) {
		json_object_object_add(x, "get_hits", json_object_new_int64((int64_t)mc.get_hits));
		json_object_object_add(x, "get_misses",
		    json_object_new_int64((int64_t)mc.get_misses));
		json_object_object_add(x, "items", json_object_new_int64((int64_t)mc.curr_items));
		json_object_object_add(x, "bytes", json_object_new_int64((int64_t)mc.bytes));
		json_object_object_add(x, "evictions",
		    json_object_new_int64((int64_t)mc.evictions));
	}
	json_object_object_add(x, "servers", json_object_new_int((int)mc.servers));
	json_object_object_add(x, "servers_up", json_object_new_int((int)mc.servers_up));
	json_object_object_add(o, "memcached", x);
}

struct json_object *tcache_stats(struct worker *w, const char *workspace_id, long hours)
{
	char h[24], rate[16];
	const char *params[] = { workspace_id, h };
	PGresult *res;
	struct json_object *o;
	long long segs, hits;

	snprintf(h, sizeof(h), "%ld", hours);
	/* requests still in the usage spool count too */
	(void)worker_spool_load_all(w, WORKER_READER_WAIT_MS);
	res = db_exec(w->db, STMT_CACHE_USAGE, params);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		PQclear(res);
		return NULL;
	}
	segs = db_num(res, 0, 1);
	hits = db_num(res, 0, 2);
	o = json_object_new_object();
	json_object_object_add(o, "since", json_object_new_string(PQgetvalue(res, 0, 3)));
	json_object_object_add(o, "hours", json_object_new_int64(hours));
	json_object_object_add(o, "requests", json_object_new_int64(db_num(res, 0, 0)));
	json_object_object_add(o, "segments", json_object_new_int64(segs));
	json_object_object_add(o, "hits", json_object_new_int64(hits));
	json_object_object_add(o, "misses", json_object_new_int64(segs - hits));
	snprintf(rate, sizeof(rate), "%.4f", segs > 0 ? (double)hits / (double)segs : 0.0);
	json_object_object_add(o, "hit_rate",
	    json_object_new_double_s(segs > 0 ? (double)hits / (double)segs : 0.0, rate));
	PQclear(res);
	if (workspace_id == NULL)
		stats_server(w, o);
	return o;
}
