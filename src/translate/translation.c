#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "accounts/credentials.h"
#include "accounts/secrets.h"
#include "accounts/workspace.h"
#include "billing/billing.h"
#include "core/clock.h"
#include "core/html.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/money.h"
#include "core/params.h"
#include "core/pricing.h"
#include "core/request.h"
#include "core/utf8.h"
#include "proc/worker.h"
#include "store/memo.h"
#include "translate/breaker.h"
#include "translate/detect.h"
#include "translate/langcode.h"
#include "translate/provider.h"
#include "translate/translation.h"

#define PAIRS_CACHE_TTL 300
#define PAIRS_CACHE_MAX (512 * 1024)


/* Adds "supported" to the problem reply rp: the languages the providers
 * take as sources (targets when targets), or the targets of source. */
static void supported_list(struct worker *w, const char *request_id, const char *source,
    int targets, struct reply *rp)
{
	struct json_object *pairs = translation_pairs(w, request_id);

	if (pairs == NULL)
		return;
	if (rp->extra == NULL)
		rp->extra = json_object_new_object();
	json_object_object_add(rp->extra, "supported",
	    provider_pair_codes(pairs, source, targets || source != NULL));
	json_object_put(pairs);
}

/* Fills order[] with the providers of the workspace's list that the
 * server configures, in the workspace's order (the server's order when
 * the list is NULL, empty, or names none of them). Returns how many. */
static size_t effective_order(struct worker *w, const char *list, const struct provider **order)
{
	const struct provider *wanted[PROVIDERS_MAX];
	size_t nw = list != NULL && list[0] != '\0' ? provider_order(list, wanted) : 0, n = 0;

	for (size_t i = 0; i < nw; i++)
		if (provider_listed(w->cfg->providers, wanted[i]->name))
			order[n++] = wanted[i];
	return n > 0 ? n : provider_order(w->cfg->providers, order);
}

/* Returns the code points of text (of its text nodes only when html). */
static long long text_characters(const char *text, int html)
{
	return html ? (long long)html_text_length(text) : (long long)utf8_count(text, strlen(text));
}

/* Returns what the translated entries of e[0..n) cost: each provider's
 * billed characters at its price, rounded up once per provider (cached
 * ones are free unless charge_cached). */
static long long translate_cost(struct worker *w, const struct tcache_entry *e, size_t n, int html)
{
	const char *names[PROVIDERS_MAX];
	long long chars[PROVIDERS_MAX], total = 0;
	size_t np = 0, k;

	for (size_t i = 0; i < n; i++) {
		if (e[i].translated == NULL || (e[i].hit && !w->cfg->charge_cached))
			continue;
		for (k = 0; k < np && strcmp(names[k], e[i].provider) != 0; k++)
			;
		if (k == np) {
			if (np == PROVIDERS_MAX)
				continue; /* cannot happen: entries come from known providers */
			names[np] = e[i].provider;
			chars[np++] = 0;
		}
		chars[k] += text_characters(e[i].text, html);
	}
	for (k = 0; k < np; k++) {
		long long price = pricing_find(w->cfg->pricing, names[k], "characters");
		if (price > 0)
			total += money_cost(chars[k], price);
	}
	return total;
}

/* Fills the usage event of a translation of e[0..n) (n texts, hits of
 * them cached): billed characters are those of the texts not cached; the
 * provider and model are those of the first text sent upstream, else of
 * the first text. */
static void translate_usage(struct worker *w, struct usage *u, const struct tcache_entry *e,
    size_t n, size_t hits, int html)
{
	const struct tcache_entry *shown = NULL;

	u->segments = (int)n;
	u->cached_segments = (int)hits;
	for (size_t i = 0; i < n; i++) {
		long long c = text_characters(e[i].text, html);
		u->characters += c;
		if (!e[i].hit || w->cfg->charge_cached)
			u->billed_characters += c;
		if (e[i].translated != NULL && (shown == NULL || (shown->hit && !e[i].hit)))
			shown = &e[i];
	}
	u->cost_micros = translate_cost(w, e, n, html);
	if (shown != NULL) {
		snprintf(u->provider, sizeof(u->provider), "%s", shown->provider);
		snprintf(u->model, sizeof(u->model), "%s", shown->model);
	}
}

/* Asks one provider (through its breaker) for the texts of job. Returns
 * its status, PROVIDER_FAILED when the breaker refused. */
static enum provider_status ask_provider(struct worker *w, const struct provider *pr,
    const struct translate_job *job, char **out, char *err, size_t errsz)
{
	enum breaker_admission adm = breaker_admit(w, pr->name);
	struct translate_job own = *job;
	char key[SECRET_MAX + 1];
	enum provider_status st;
	struct timespec t0;
	int has_own = 0;

	if (adm == BREAKER_REFUSE) {
		metrics_count(METRIC_PROVIDER_CALLS, 1, "provider", pr->name, "outcome", "refused",
		    METRICS_END);
		snprintf(err, errsz, "%s: breaker open", pr->name);
		return PROVIDER_FAILED;
	}
	/* the workspace's own key, when it brought one; one it brought but
	 * that cannot be read is never replaced by the server's */
	if (pr->takes_own_key &&
	    (has_own = credentials_get(w, job->workspace_id, pr->name, key, sizeof(key))) < 0) {
		snprintf(err, errsz, "%s: the workspace's own key cannot be read", pr->name);
		return PROVIDER_FAILED;
	}
	if (has_own)
		own.api_key = key;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	st = pr->translate(w, &own, out, err, errsz);
	OPENSSL_cleanse(key, sizeof(key));
	if (st != PROVIDER_UNSUPPORTED) {
		metrics_count(METRIC_PROVIDER_CALLS, 1, "provider", pr->name, "outcome",
		    st == PROVIDER_OK ? "ok" : "error", METRICS_END);
		metrics_observe(METRIC_PROVIDER_DURATION, clock_ms_since(&t0) / 1000.0, "provider",
		    pr->name, METRICS_END);
	}
	/* a workspace's own key failing says nothing of the provider */
	if (st != PROVIDER_UNSUPPORTED && !(has_own && st != PROVIDER_OK))
		breaker_record(w, pr->name, adm, st == PROVIDER_OK);
	return st;
}

/* Sends the texts of e[0..n) not hit yet to provider pr (through its
 * breaker) and moves the results into their entries. Returns its status;
 * err says why when not PROVIDER_OK. */
static enum provider_status translate_misses(struct worker *w, const struct provider *pr,
    struct translate_job *job, struct tcache_entry *e, size_t n, char *err, size_t errsz)
{
	const char **texts = calloc(n, sizeof(*texts));
	char **out = calloc(n, sizeof(*out));
	size_t *index = calloc(n, sizeof(*index)), m = 0;
	char model[64];
	enum provider_status st = PROVIDER_FAILED;

	snprintf(err, errsz, "%s: out of memory", pr->name);
	if (texts == NULL || out == NULL || index == NULL)
		goto done;
	for (size_t i = 0; i < n; i++)
		if (!e[i].hit) {
			index[m] = i;
			texts[m++] = e[i].text;
		}
	job->texts = texts;
	job->ntexts = m;
	st = ask_provider(w, pr, job, out, err, errsz);
	if (st != PROVIDER_OK)
		goto done;
	provider_model(pr, w->cfg, job->source, job->target, model, sizeof(model));
	for (size_t j = 0; j < m; j++) {
		struct tcache_entry *x = &e[index[j]];
		x->translated = out[j];
		out[j] = NULL;
		snprintf(x->provider, sizeof(x->provider), "%s", pr->name);
		snprintf(x->model, sizeof(x->model), "%s", model);
	}
done:
	for (size_t k = 0; out != NULL && k < m; k++)
		free(out[k]);
	free(out);
	free(texts);
	free(index);
	job->texts = NULL;
	job->ntexts = 0;
	return st;
}

/* Looks the texts of g[0..m) not hit yet up in the caches of the
 * configured providers that are not in order[0..np), marking those hits
 * degraded. Returns the number of hits. */
static size_t translate_degraded(struct worker *w, struct tcache_query *q,
    const struct provider *const *order, size_t np, struct tcache_entry *g, size_t m)
{
	const struct provider *all[PROVIDERS_MAX];
	size_t na = provider_order(w->cfg->providers, all), hits = 0;
	unsigned char *before = calloc(m, 1);

	for (size_t k = 0; before != NULL && k < na && hits < m; k++) {
		int tried = 0;
		for (size_t j = 0; j < np; j++)
			tried |= order[j] == all[k];
		if (tried)
			continue;
		for (size_t i = 0; i < m; i++)
			before[i] = (unsigned char)g[i].hit;
		q->family = all[k]->name;
		tcache_prepare(g, m, q);
		if (tcache_lookup(w, g, m) == 0)
			continue;
		for (size_t i = 0; i < m; i++)
			if (g[i].hit && !before[i]) {
				g[i].degraded = 1;
				hits++;
			}
	}
	free(before);
	return hits;
}

/* One translation_run(): what every step needs. */
struct run {
	struct worker *w;
	const struct translation_request *q;
	const char *providers; /* the workspace's order, "" for the server's */
	struct reply *rp;
	struct usage *u; /* hold_id set once credit is reserved */
	long long characters; /* of all the request's texts */
};

/* Reserves, once per request, what the request can cost at most: all its
 * characters at the dearest of the providers order[0..np), and its
 * characters of the key's quota (also when that costs nothing). Returns
 * PROBLEM_NONE (also when already reserved, or free without a quota), or
 * the 402, 429 or 503 problem. */
static enum problem reserve_worst_case(struct run *x, const struct provider *const *order,
    size_t np)
{
	long long dearest = 0, worst;

	if (x->u->hold_id[0] != '\0')
		return PROBLEM_NONE;
	for (size_t k = 0; k < np; k++) {
		long long p = pricing_find(x->w->cfg->pricing, order[k]->name, "characters");
		if (p > dearest)
			dearest = p;
	}
	worst = money_cost(x->characters, dearest);
	/* free: a hold only for the characters of a key's quota */
	if (worst == 0 && (x->q->char_quota <= 0 || x->characters == 0))
		return PROBLEM_NONE;
	if (worst < 0) {
		snprintf(x->rp->detail, sizeof(x->rp->detail),
		    "this request is too large to price");
		return PROBLEM_INVALID_FIELD;
	}
	return billing_reserve_quota(x->w, x->q->workspace_id, worst, x->q->request_id, x->q->owner,
	    x->q->idempotency_key, x->q->key_id, x->q->char_quota, x->characters, x->u->hold_id,
	    x->rp);
}

/* Translates the m entries g of one source language, trying the providers
 * in order (only the pinned one when the request names one): each one's
 * cache first, then the provider itself for what is still missing; one
 * that does not offer the pair, fails, or has its breaker open passes the
 * rest to the next. When all fail, cached translations of the other
 * configured providers are served, marked degraded. Credit is reserved
 * before the first upstream call, and for cache hits too when they are
 * charged (charge_cached). Adds the cache hits to *hits. Returns
 * PROBLEM_NONE, or the problem with rp->detail (and Retry-After) set. */
static enum problem translate_group(struct run *x, struct translate_job *job,
    struct tcache_entry *g, size_t m, size_t *hits)
{
	struct worker *w = x->w;
	const struct translation_request *tr = x->q;
	struct reply *rp = x->rp;
	struct tcache_query q = { NULL, w->cfg->cache_per_workspace ? tr->workspace_id : "",
		job->source, job->target, job->html ? "html" : "text", job->context };
	const struct provider *order[PROVIDERS_MAX];
	size_t np, unsupported = 0, h = 0;
	char err[512] = "";
	enum problem p;

	np = tr->provider != NULL ? (order[0] = provider_find(tr->provider)) != NULL
	                          : effective_order(w, x->providers, order);
	for (size_t k = 0; k < np; k++) {
		enum provider_status st;
		q.family = order[k]->name;
		tcache_prepare(g, m, &q);
		h += tcache_lookup(w, g, m);
		if (h == m)
			break;
		/* before the first upstream call is paid for */
		if ((p = reserve_worst_case(x, order, np)) != PROBLEM_NONE)
			return p;
		st = translate_misses(w, order[k], job, g, m, err, sizeof(err));
		if (st == PROVIDER_OK) {
			tcache_store(w, g, m, &q);
			*hits += h;
			return PROBLEM_NONE;
		}
		if (st == PROVIDER_UNSUPPORTED)
			unsupported++;
		else
			log_msg(LOG_LEVEL_WARN, "request %s: %s", tr->request_id, err);
	}
	if (h < m && unsupported < np)
		h += translate_degraded(w, &q, order, np, g, m);
	*hits += h;
	/* cached texts are paid for too when charge_cached: reserved as any */
	if (h == m)
		return w->cfg->charge_cached ? reserve_worst_case(x, order, np) : PROBLEM_NONE;
	if (unsupported == np) {
		snprintf(rp->detail, sizeof(rp->detail),
		    "no provider translates %s to %s "
		    "(see supported for its targets)",
		    job->source, job->target);
		supported_list(w, tr->request_id, job->source, 1, rp);
		return PROBLEM_INVALID_FIELD;
	}
	snprintf(rp->detail, sizeof(rp->detail), "no translation provider is available");
	rp->retry_after = (int)w->cfg->breaker_cooldown_s;
	return PROBLEM_UNAVAILABLE;
}

/* Detects the language of each text into detected[i]: the best candidate
 * that a provider translates to target (short texts often leave several
 * near-equal candidates). Returns PROBLEM_NONE, or the problem with
 * rp->detail set (language not told, none translatable, already target). */
static enum problem detect_sources(struct worker *w, const struct translation_request *tr,
    struct reply *rp, struct usage *u, char (*detected)[8])
{
	struct json_object *pairs = translation_pairs(w, tr->request_id);
	const char *const *texts = tr->texts, *target = tr->target;
	size_t n = tr->ntexts;
	enum problem p = PROBLEM_NONE;

	for (size_t i = 0; i < n && p == PROBLEM_NONE; i++) {
		struct detection d;
		int chosen = -1;
		if (detect_language(w, texts[i], strlen(texts[i]), &d) < 0) {
			p = PROBLEM_INTERNAL;
			break;
		}
		for (int c = 0; c < d.ncandidates && chosen < 0; c++)
			if (strcmp(d.candidates[c], target) == 0 ||
			    provider_pair_find(pairs, d.candidates[c], target) != NULL)
				chosen = c;
		if (chosen < 0) {
			snprintf(rp->detail, sizeof(rp->detail),
			    "cannot tell a language of text %zu that "
			    "can be translated to %s%s%s; give source",
			    i, target, d.language[0] ? " (detected " : "",
			    d.language[0] ? d.language : "");
			if (d.language[0])
				strncat(rp->detail, ")",
				    sizeof(rp->detail) - strlen(rp->detail) - 1);
			p = PROBLEM_INVALID_FIELD;
		} else if (strcmp(d.candidates[chosen], target) == 0) {
			snprintf(rp->detail, sizeof(rp->detail), "text %zu is already in %s", i,
			    target);
			p = PROBLEM_INVALID_FIELD;
		} else {
			memcpy(detected[i], d.candidates[chosen], sizeof(detected[i]));
			usage_note_source(u, detected[i]);
		}
	}
	json_object_put(pairs);
	return p;
}

/* Translates e[0..n) whose sources are detected[i], one group per source
 * language, moving the results back into e. */
static enum problem translate_detected(struct run *x, struct translate_job *job,
    struct tcache_entry *e, size_t n, char (*detected)[8], size_t *hits)
{
	struct tcache_entry *g = calloc(n, sizeof(*g));
	size_t *idx = calloc(n, sizeof(*idx));
	unsigned char *done = calloc(n, 1);
	enum problem p = g && idx && done ? PROBLEM_NONE : PROBLEM_INTERNAL;

	for (size_t i = 0; i < n && p == PROBLEM_NONE; i++) {
		size_t m = 0;
		if (done[i])
			continue;
		for (size_t j = i; j < n; j++)
			if (!done[j] && strcmp(detected[j], detected[i]) == 0) {
				done[j] = 1;
				idx[m] = j;
				g[m++] = e[j];
			}
		job->source = detected[i];
		p = translate_group(x, job, g, m, hits);
		for (size_t k = 0; k < m; k++)
			e[idx[k]] = g[k]; /* moves the owned translation back */
	}
	free(g);
	free(idx);
	free(done);
	return p;
}

/* Returns one provider's pair set (caller owns), from the cache when
 * there, else from the provider (then cached). NULL when unavailable. */
static struct json_object *provider_pairs(struct worker *w, const struct provider *pr,
    const char *request_id)
{
	struct json_object *pairs = NULL;
	char ckey[96], err[512];
	char *buf = malloc(PAIRS_CACHE_MAX);
	size_t len;

	snprintf(ckey, sizeof(ckey), "dgm:pairs:%s", pr->name);
	if (buf != NULL &&
	    memo_get_through(w->cache, ckey, buf, PAIRS_CACHE_MAX, &len, w->cfg->local_cache_ms) ==
	        1 &&
	    (pairs = json_tokener_parse(buf)) != NULL &&
	    json_object_is_type(pairs, json_type_object))
		goto out;
	json_object_put(pairs);
	pairs = NULL;
	if (pr->list_pairs(w, request_id, &pairs, err, sizeof(err)) != PROVIDER_OK) {
		log_msg(LOG_LEVEL_ERROR, "request %s: %s", request_id, err);
		goto out;
	}
	const char *text = json_object_to_json_string_length(pairs, JSON_C_TO_STRING_PLAIN, &len);
	if (len < PAIRS_CACHE_MAX)
		(void)memo_set_through(w->cache, ckey, text, len, PAIRS_CACHE_TTL,
		    w->cfg->local_cache_ms);
out:
	free(buf);
	return pairs;
}

/* Returns the pair set of all configured providers (caller owns), each
 * pair's array naming the providers that offer it, in order. NULL when
 * none answered. */
struct json_object *translation_pairs(struct worker *w, const char *request_id)
{
	const struct provider *order[PROVIDERS_MAX];
	size_t np = provider_order(w->cfg->providers, order);
	struct json_object *merged = NULL;

	for (size_t k = 0; k < np; k++) {
		struct json_object *pairs = provider_pairs(w, order[k], request_id);
		if (pairs == NULL)
			continue;
		if (merged == NULL)
			merged = json_object_new_object();
		json_object_object_foreach(pairs, source, targets)
		{
			json_object_object_foreach(targets, target, unused)
			{
				(void)unused;
				json_object_array_add(provider_pair_add(merged, source, target),
				    json_object_new_string(order[k]->name));
			}
		}
		json_object_put(pairs);
	}
	return merged;
}


enum problem translation_texts(struct worker *w, const struct param_value *v, const char ***texts,
    size_t *n, struct reply *rp)
{
	size_t max = (size_t)w->cfg->translate_max_texts;
	long got;

	*n = 0;
	if ((*texts = calloc(max + 1, sizeof(**texts))) == NULL)
		return PROBLEM_INTERNAL;
	got = params_texts(v, *texts, max);
	if (got < 0) {
		snprintf(rp->detail, sizeof(rp->detail), "at most %ld texts per request",
		    w->cfg->translate_max_texts);
		return PROBLEM_INVALID_FIELD;
	}
	*n = (size_t)got;
	return PROBLEM_NONE;
}

enum problem translation_check_texts(struct worker *w, const char *const *texts, size_t n,
    struct reply *rp)
{
	size_t bytes = 0;

	if (n > (size_t)w->cfg->translate_max_texts) {
		snprintf(rp->detail, sizeof(rp->detail), "at most %ld texts per request",
		    w->cfg->translate_max_texts);
		return PROBLEM_INVALID_FIELD;
	}
	for (size_t i = 0; i < n; i++)
		bytes += strlen(texts[i]);
	if (bytes > (size_t)w->cfg->translate_max_bytes) {
		snprintf(rp->detail, sizeof(rp->detail), "at most %ld bytes of text per request",
		    w->cfg->translate_max_bytes);
		return PROBLEM_TOO_LARGE;
	}
	return PROBLEM_NONE;
}

enum problem translation_check(struct worker *w, const struct translation_request *q,
    struct reply *rp)
{
	enum problem p = translation_check_texts(w, q->texts, q->ntexts, rp);

	if (p != PROBLEM_NONE)
		return p;
	if (langcode_to_iso3(q->target) == NULL) {
		snprintf(rp->detail, sizeof(rp->detail),
		    "target '%s' is not a supported language "
		    "(see supported)",
		    q->target);
		supported_list(w, q->request_id, NULL, 1, rp);
		return PROBLEM_INVALID_FIELD;
	}
	if (q->source != NULL && strcmp(q->source, "auto") != 0) {
		if (langcode_to_iso3(q->source) == NULL) {
			snprintf(rp->detail, sizeof(rp->detail),
			    "source '%s' is not a supported language "
			    "(see supported)",
			    q->source);
			supported_list(w, q->request_id, NULL, 0, rp);
			return PROBLEM_INVALID_FIELD;
		}
		if (strcmp(q->source, q->target) == 0) {
			snprintf(rp->detail, sizeof(rp->detail),
			    "source and target are the same language");
			return PROBLEM_INVALID_FIELD;
		}
	}
	if (q->provider != NULL && !provider_listed(w->cfg->providers, q->provider)) {
		snprintf(rp->detail, sizeof(rp->detail), "provider '%s' is not configured here",
		    q->provider);
		return PROBLEM_INVALID_FIELD;
	}
	return PROBLEM_NONE;
}

enum problem translation_run(struct worker *w, const struct translation_request *q,
    struct translation_result *res, struct usage *u, struct reply *rp)
{
	struct translate_job job = { 0 };
	size_t n = q->ntexts;
	enum problem p = PROBLEM_INTERNAL;
	char providers[256] = "";
	struct run x = { w, q, providers, rp, u, 0 };

	memset(res, 0, sizeof(*res));
	if (q->provider == NULL && q->workspace_id != NULL &&
	    workspace_providers(w, q->workspace_id, providers, sizeof(providers)) < 0)
		providers[0] = '\0'; /* the server's order, rather than failing */
	for (size_t i = 0; i < n; i++)
		x.characters += text_characters(q->texts[i], q->html);
	res->entries = calloc(n > 0 ? n : 1, sizeof(*res->entries));
	if (res->entries == NULL)
		return PROBLEM_INTERNAL;
	res->n = n;
	for (size_t i = 0; i < n; i++)
		res->entries[i].text = q->texts[i];
	job.target = q->target;
	job.html = q->html;
	job.context = q->context != NULL ? q->context : "";
	job.request_id = q->request_id;
	job.workspace_id = q->workspace_id;
	snprintf(u->target, sizeof(u->target), "%s", q->target);
	if (q->source != NULL && strcmp(q->source, "auto") != 0) {
		job.source = q->source;
		usage_note_source(u, q->source);
		p = translate_group(&x, &job, res->entries, n, &res->hits);
	} else if ((res->detected = calloc(n > 0 ? n : 1, sizeof(*res->detected))) != NULL) {
		p = detect_sources(w, q, rp, u, res->detected);
		if (p == PROBLEM_NONE)
			p = translate_detected(&x, &job, res->entries, n, res->detected,
			    &res->hits);
	}
	translate_usage(w, u, res->entries, n, res->hits, q->html);
	return p;
}

enum problem translation_serve(struct worker *w, struct request *r, struct translation_request *q,
    struct translation_result *res, struct reply *rp)
{
	enum problem p;

	q->workspace_id = r->ident.workspace_id;
	q->key_id = r->ident.key_id;
	q->char_quota = r->ident.char_quota;
	q->request_id = r->request_id;
	q->owner = r->owner;
	q->idempotency_key = r->idem_claimed ? r->idempotency_key : NULL;
	p = translation_check(w, q, rp);
	if (p == PROBLEM_NONE)
		p = translation_run(w, q, res, &r->usage, rp);
	if (p == PROBLEM_NONE)
		reply_header(rp, "X-Cache", "%s",
		    res->hits == res->n  ? "HIT"
		        : res->hits == 0 ? "MISS"
		                         : "PARTIAL");
	return p;
}

void translation_release(struct translation_result *res)
{
	if (res->entries != NULL)
		tcache_release(res->entries, res->n);
	free(res->entries);
	free(res->detected);
	memset(res, 0, sizeof(*res));
}
