/* Translation: POST /v1/translate, GET /v1/languages. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/breaker.h"
#include "../src/cache.h"
#include "../src/detect.h"
#include "../src/html.h"
#include "../src/langcode.h"
#include "../src/log.h"
#include "../src/provider.h"
#include "../src/reply.h"
#include "../src/tcache.h"
#include "../src/utf8.h"
#include "../src/worker.h"
#include "handlers.h"

#define PAIRS_CACHE_TTL 300
#define PAIRS_CACHE_MAX (512 * 1024)

enum { F_TEXT, F_TEXTS, F_TARGET, F_SOURCE, F_FORMAT, F_CONTEXT, F_PROVIDER };
static const struct param_spec translate_fields[] = {
	[F_TEXT] = { "text", PARAM_TEXT, 0, 1, 16L << 20, 0 },
	[F_TEXTS] = { "texts", PARAM_TEXT_ARRAY, 0, 1, 1000, 16L << 20 },
	[F_TARGET] = { "target", PARAM_STRING, 1, 2, 2, 0 },
	[F_SOURCE] = { "source", PARAM_STRING, 0, 2, 4, 0 },
	[F_FORMAT] = { "format", PARAM_STRING, 0, 4, 4, 0 },
	[F_CONTEXT] = { "context", PARAM_TEXT, 0, 0, 4096, 0 },
	[F_PROVIDER] = { "provider", PARAM_STRING, 0, 1, 32, 0 },
	{ NULL, 0, 0, 0, 0, 0 }
};

/* Collects the texts of a request, given as one ("text") or many
 * ("texts"), into texts[] (borrowed from its JSON; room for
 * translate_max_texts) and checks them against the configured limits.
 * Returns PROBLEM_NONE with *n set, or the problem with rp->detail set. */
static enum problem collect_texts(struct worker *w, const struct param_value *one,
    const struct param_value *many, struct reply *rp, const char **texts, size_t *n)
{
	size_t bytes = 0;

	if (one->present == many->present) {
		snprintf(rp->detail, sizeof(rp->detail), "send either text or texts");
		return PROBLEM_INVALID_FIELD;
	}
	if (one->present) {
		texts[0] = one->str;
		*n = 1;
	} else {
		if (many->num > w->cfg->translate_max_texts) {
			snprintf(rp->detail, sizeof(rp->detail), "at most %ld texts per request",
			    w->cfg->translate_max_texts);
			return PROBLEM_INVALID_FIELD;
		}
		*n = (size_t)many->num;
		for (size_t i = 0; i < *n; i++)
			texts[i] = json_object_get_string(json_object_array_get_idx(many->array, (int)i));
	}
	for (size_t i = 0; i < *n; i++)
		bytes += strlen(texts[i]);
	if (bytes > (size_t)w->cfg->translate_max_bytes) {
		snprintf(rp->detail, sizeof(rp->detail), "at most %ld bytes of text per request",
		    w->cfg->translate_max_bytes);
		return PROBLEM_TOO_LARGE;
	}
	return PROBLEM_NONE;
}

/* Returns 1 when name is among the configured providers. */
static int provider_configured(struct worker *w, const char *name)
{
	const struct provider *order[PROVIDERS_MAX];
	size_t np = provider_order(w->cfg->providers, order);

	for (size_t k = 0; k < np; k++)
		if (strcmp(order[k]->name, name) == 0)
			return 1;
	return 0;
}

/* Checks source, target, format and provider. Returns PROBLEM_NONE with
 * job filled, or PROBLEM_INVALID_FIELD with rp->detail set. */
static enum problem check_languages(struct worker *w, struct request *r, struct reply *rp,
    struct translate_job *job)
{
	const struct param_value *src = &r->fields[F_SOURCE], *fmt = &r->fields[F_FORMAT];
	const struct param_value *prov = &r->fields[F_PROVIDER];

	job->target = r->fields[F_TARGET].str;
	job->source = src->present ? src->str : NULL;
	if (langcode_to_iso3(job->target) == NULL) {
		snprintf(rp->detail, sizeof(rp->detail), "target '%s' is not a supported ISO 639-1 code",
		    job->target);
		return PROBLEM_INVALID_FIELD;
	}
	if (job->source != NULL && strcmp(job->source, "auto") == 0)
		job->source = NULL;   /* detect each text */
	if (job->source != NULL && langcode_to_iso3(job->source) == NULL) {
		snprintf(rp->detail, sizeof(rp->detail), "source '%s' is not a supported ISO 639-1 code",
		    job->source);
		return PROBLEM_INVALID_FIELD;
	}
	if (job->source != NULL && strcmp(job->source, job->target) == 0) {
		snprintf(rp->detail, sizeof(rp->detail), "source and target are the same language");
		return PROBLEM_INVALID_FIELD;
	}
	if (fmt->present && strcmp(fmt->str, "text") != 0 && strcmp(fmt->str, "html") != 0) {
		snprintf(rp->detail, sizeof(rp->detail), "format must be text or html");
		return PROBLEM_INVALID_FIELD;
	}
	job->html = fmt->present && strcmp(fmt->str, "html") == 0;
	if (prov->present && !provider_configured(w, prov->str)) {
		snprintf(rp->detail, sizeof(rp->detail), "provider '%s' is not configured here", prov->str);
		return PROBLEM_INVALID_FIELD;
	}
	return PROBLEM_NONE;
}

/* Returns the code points of text (of its text nodes only when html). */
static long long text_characters(const char *text, int html)
{
	return html ? (long long)html_text_length(text) : (long long)utf8_count(text, strlen(text));
}

/* Fills the usage event of a translation of e[0..n) (n texts, hits of
 * them cached): billed characters are those of the texts not cached; the
 * provider and model are those of the first text sent upstream, else of
 * the first text. */
static void translate_usage(struct usage *u, const struct tcache_entry *e, size_t n,
    size_t hits, int html)
{
	const struct tcache_entry *shown = NULL;

	u->segments = (int)n;
	u->cached_segments = (int)hits;
	for (size_t i = 0; i < n; i++) {
		long long c = text_characters(e[i].text, html);
		u->characters += c;
		if (!e[i].hit)
			u->billed_characters += c;
		if (e[i].translated != NULL && (shown == NULL || (shown->hit && !e[i].hit)))
			shown = &e[i];
	}
	if (shown != NULL) {
		snprintf(u->provider, sizeof(u->provider), "%s", shown->provider);
		snprintf(u->model, sizeof(u->model), "%s", shown->model);
	}
}

/* Builds the 200 body from the entries e[0..n): one result per text in
 * order, and billed_characters from the request's usage u. */
static struct json_object *translate_body(const struct tcache_entry *e, size_t n,
    char (*detected)[8], const struct usage *u, const char *request_id)
{
	struct json_object *body = json_object_new_object(), *arr = json_object_new_array();

	for (size_t i = 0; i < n; i++) {
		struct json_object *t = json_object_new_object();
		json_object_object_add(t, "text", json_object_new_string(e[i].translated));
		json_object_object_add(t, "provider", json_object_new_string(e[i].provider));
		json_object_object_add(t, "model", json_object_new_string(e[i].model));
		json_object_object_add(t, "cached", json_object_new_boolean(e[i].hit));
		if (e[i].degraded)
			json_object_object_add(t, "degraded", json_object_new_boolean(1));
		if (detected != NULL)
			json_object_object_add(t, "detected_source", json_object_new_string(detected[i]));
		json_object_array_add(arr, t);
	}
	json_object_object_add(body, "translations", arr);
	json_object_object_add(body, "billed_characters", json_object_new_int64(u->billed_characters));
	json_object_object_add(body, "request_id", json_object_new_string(request_id));
	return body;
}

/* Asks one provider (through its breaker) for the texts of job. Returns
 * its status, PROVIDER_FAILED when the breaker refused. */
static enum provider_status ask_provider(struct worker *w, const struct provider *pr,
    const struct translate_job *job, char **out, char *err, size_t errsz)
{
	enum breaker_admission adm = breaker_admit(w, pr->name);
	enum provider_status st;

	if (adm == BREAKER_REFUSE) {
		snprintf(err, errsz, "%s: breaker open", pr->name);
		return PROVIDER_FAILED;
	}
	st = pr->translate(w, job, out, err, errsz);
	if (st != PROVIDER_UNSUPPORTED)
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
	pr->model(w, job->source, job->target, model, sizeof(model));
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

/* Translates the m entries g of one source language, trying the providers
 * in order (only the pinned one when the request names one): each one's
 * cache first, then the provider itself for what is still missing; one
 * that does not offer the pair, fails, or has its breaker open passes the
 * rest to the next. When all fail, cached translations of the other
 * configured providers are served, marked degraded. Adds the cache hits to
 * *hits. Returns PROBLEM_NONE, or the problem with rp->detail (and
 * Retry-After) set. */
static enum problem translate_group(struct worker *w, struct request *r, struct reply *rp,
    struct translate_job *job, struct tcache_entry *g, size_t m, size_t *hits)
{
	const struct param_value *ctx = &r->fields[F_CONTEXT], *pin = &r->fields[F_PROVIDER];
	struct tcache_query q = { NULL, w->cfg->cache_per_workspace ? r->ident.workspace_id : "",
	    job->source, job->target, job->html ? "html" : "text", ctx->present ? ctx->str : "" };
	const struct provider *order[PROVIDERS_MAX];
	size_t np, unsupported = 0, h = 0;
	char err[512] = "";

	np = pin->present ? (order[0] = provider_find(pin->str)) != NULL
	    : provider_order(w->cfg->providers, order);
	job->request_id = r->request_id;
	job->context = q.context;
	for (size_t k = 0; k < np; k++) {
		enum provider_status st;
		q.family = order[k]->name;
		tcache_prepare(g, m, &q);
		h += tcache_lookup(w, g, m);
		if (h == m)
			break;
		st = translate_misses(w, order[k], job, g, m, err, sizeof(err));
		if (st == PROVIDER_OK) {
			tcache_store(w, g, m, &q);
			*hits += h;
			return PROBLEM_NONE;
		}
		if (st == PROVIDER_UNSUPPORTED)
			unsupported++;
		else
			log_msg(LOG_LEVEL_WARN, "request %s: %s", r->request_id, err);
	}
	if (h < m && unsupported < np)
		h += translate_degraded(w, &q, order, np, g, m);
	*hits += h;
	if (h == m)
		return PROBLEM_NONE;
	if (unsupported == np) {
		snprintf(rp->detail, sizeof(rp->detail), "no provider translates %s to %s",
		    job->source, job->target);
		return PROBLEM_INVALID_FIELD;
	}
	snprintf(rp->detail, sizeof(rp->detail), "no translation provider is available");
	rp->retry_after = (int)w->cfg->breaker_cooldown_s;
	return PROBLEM_UNAVAILABLE;
}

static struct json_object *pairs_get(struct worker *w, const char *request_id);

/* Detects the language of each text into detected[i]: the best candidate
 * that a provider translates to target (short texts often leave several
 * near-equal candidates). Returns PROBLEM_NONE, or the problem with
 * rp->detail set (language not told, none translatable, already target). */
static enum problem detect_sources(struct worker *w, struct request *r, struct reply *rp,
    const char **texts, size_t n, const char *target, char (*detected)[8])
{
	struct json_object *pairs = pairs_get(w, r->request_id);
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
			snprintf(rp->detail, sizeof(rp->detail), "cannot tell a language of text %zu that "
			    "can be translated to %s%s%s; give source", i, target,
			    d.language[0] ? " (detected " : "", d.language[0] ? d.language : "");
			if (d.language[0])
				strncat(rp->detail, ")", sizeof(rp->detail) - strlen(rp->detail) - 1);
			p = PROBLEM_INVALID_FIELD;
		} else if (strcmp(d.candidates[chosen], target) == 0) {
			snprintf(rp->detail, sizeof(rp->detail), "text %zu is already in %s", i, target);
			p = PROBLEM_INVALID_FIELD;
		} else {
			memcpy(detected[i], d.candidates[chosen], sizeof(detected[i]));
			usage_note_source(&r->usage, detected[i]);
		}
	}
	json_object_put(pairs);
	return p;
}

/* Translates e[0..n) whose sources are detected[i], one group per source
 * language, moving the results back into e. */
static enum problem translate_detected(struct worker *w, struct request *r, struct reply *rp,
    struct translate_job *job, struct tcache_entry *e, size_t n, char (*detected)[8],
    size_t *hits)
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
		p = translate_group(w, r, rp, job, g, m, hits);
		for (size_t k = 0; k < m; k++)
			e[idx[k]] = g[k];   /* moves the owned translation back */
	}
	free(g);
	free(idx);
	free(done);
	return p;
}

/* 200 with one translation per text, in order (X-Cache: HIT, MISS or
 * PARTIAL); 400/413 for bad input; 503 with Retry-After when a text is
 * not cached and the provider cannot translate it now. Without a source
 * (or "auto"), each text's language is detected and reported. */
static enum problem translate_post(struct worker *w, struct request *r, struct reply *rp)
{
	size_t cap = (size_t)w->cfg->translate_max_texts + 1, n = 0, hits = 0;
	const char **texts = calloc(cap, sizeof(*texts));
	struct tcache_entry *e = calloc(cap, sizeof(*e));
	char (*detected)[8] = NULL;
	struct translate_job job = { 0 };
	enum problem p = PROBLEM_INTERNAL;

	if (texts == NULL || e == NULL)
		goto done;
	p = collect_texts(w, &r->fields[F_TEXT], &r->fields[F_TEXTS], rp, texts, &n);
	if (p == PROBLEM_NONE)
		p = check_languages(w, r, rp, &job);
	if (p != PROBLEM_NONE)
		goto done;
	for (size_t i = 0; i < n; i++)
		e[i].text = texts[i];
	snprintf(r->usage.target, sizeof(r->usage.target), "%s", job.target);
	if (job.source != NULL) {
		usage_note_source(&r->usage, job.source);
		p = translate_group(w, r, rp, &job, e, n, &hits);
	} else if ((detected = calloc(n, sizeof(*detected))) == NULL) {
		p = PROBLEM_INTERNAL;
	} else {
		p = detect_sources(w, r, rp, texts, n, job.target, detected);
		if (p == PROBLEM_NONE)
			p = translate_detected(w, r, rp, &job, e, n, detected, &hits);
	}
	translate_usage(&r->usage, e, n, hits, job.html);
	if (p != PROBLEM_NONE)
		goto done;
	reply_header(rp, "X-Cache", "%s", hits == n ? "HIT" : hits == 0 ? "MISS" : "PARTIAL");
	reply_json(rp, 200, translate_body(e, n, detected, &r->usage, r->request_id));
done:
	if (e != NULL)
		tcache_release(e, n);
	free(detected);
	free(e);
	free(texts);
	return p;
}

enum { D_TEXT, D_TEXTS };
static const struct param_spec detect_fields[] = {
	[D_TEXT] = { "text", PARAM_TEXT, 0, 1, 16L << 20, 0 },
	[D_TEXTS] = { "texts", PARAM_TEXT_ARRAY, 0, 1, 1000, 16L << 20 },
	{ NULL, 0, 0, 0, 0, 0 }
};

/* Returns {"language","confidence","alternatives"} for one text; language
 * and confidence are null when it cannot be told. */
static struct json_object *detection_json(const struct detection *d)
{
	struct json_object *o = json_object_new_object(), *alts = json_object_new_array();

	json_object_object_add(o, "language", d->language[0] ? json_object_new_string(d->language) : NULL);
	char conf[16];
	snprintf(conf, sizeof(conf), "%.3f", d->confidence);
	json_object_object_add(o, "confidence", d->language[0]
	    ? json_object_new_double_s(d->confidence, conf) : NULL);
	for (int i = 1; i < d->ncandidates; i++)
		json_object_array_add(alts, json_object_new_string(d->candidates[i]));
	json_object_object_add(o, "alternatives", alts);
	return o;
}

/* 200 {"detections":[...],"request_id"}: one per text, in order. */
static enum problem detect_post(struct worker *w, struct request *r, struct reply *rp)
{
	const char **texts = calloc((size_t)w->cfg->translate_max_texts + 1, sizeof(*texts));
	struct json_object *arr = NULL, *body;
	enum problem p = PROBLEM_INTERNAL;
	size_t n = 0;

	if (texts == NULL)
		goto done;
	p = collect_texts(w, &r->fields[D_TEXT], &r->fields[D_TEXTS], rp, texts, &n);
	if (p != PROBLEM_NONE)
		goto done;
	arr = json_object_new_array();
	r->usage.segments = (int)n;
	snprintf(r->usage.model, sizeof(r->usage.model), "libexttextcat");
	for (size_t i = 0; i < n; i++) {
		struct detection d;
		r->usage.characters += (long long)utf8_count(texts[i], strlen(texts[i]));
		if (detect_language(w, texts[i], strlen(texts[i]), &d) < 0) {
			p = PROBLEM_INTERNAL;
			goto done;
		}
		json_object_array_add(arr, detection_json(&d));
	}
	body = json_object_new_object();
	json_object_object_add(body, "detections", arr);
	json_object_object_add(body, "request_id", json_object_new_string(r->request_id));
	reply_json(rp, 200, body);
	arr = NULL;
done:
	json_object_put(arr);
	free(texts);
	return p;
}

/* json_object_array_sort() comparators: strings; pairs by source, target. */
static int compare_strings(const void *a, const void *b)
{
	return strcmp(json_object_get_string(*(struct json_object *const *)a),
	    json_object_get_string(*(struct json_object *const *)b));
}

static int compare_pairs(const void *a, const void *b)
{
	struct json_object *x = *(struct json_object *const *)a, *y = *(struct json_object *const *)b;
	int c = strcmp(provider_json_str(x, "source", NULL), provider_json_str(y, "source", NULL));

	return c != 0 ? c : strcmp(provider_json_str(x, "target", NULL),
	    provider_json_str(y, "target", NULL));
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
	    cache_get_memo(w->cache, ckey, buf, PAIRS_CACHE_MAX, &len, w->cfg->local_cache_ms) == 1 &&
	    (pairs = json_tokener_parse(buf)) != NULL && json_object_is_type(pairs, json_type_object))
		goto out;
	json_object_put(pairs);
	pairs = NULL;
	if (pr->list_pairs(w, request_id, &pairs, err, sizeof(err)) != PROVIDER_OK) {
		log_msg(LOG_LEVEL_ERROR, "request %s: %s", request_id, err);
		goto out;
	}
	const char *text = json_object_to_json_string_length(pairs, JSON_C_TO_STRING_PLAIN, &len);
	if (len < PAIRS_CACHE_MAX)
		(void)cache_set_memo(w->cache, ckey, text, len, PAIRS_CACHE_TTL, w->cfg->local_cache_ms);
out:
	free(buf);
	return pairs;
}

/* Returns the pair set of all configured providers (caller owns), each
 * pair's array naming the providers that offer it, in order. NULL when
 * none answered. */
static struct json_object *pairs_get(struct worker *w, const char *request_id)
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
		json_object_object_foreach(pairs, source, targets) {
			json_object_object_foreach(targets, target, unused) {
				(void)unused;
				json_object_array_add(provider_pair_add(merged, source, target),
				    json_object_new_string(order[k]->name));
			}
		}
		json_object_put(pairs);
	}
	return merged;
}

/* 200 {"pairs":[{"source","target","providers"}],"languages":[...]}:
 * the sources, and the pairs sorted by source then target. */
static enum problem languages_get(struct worker *w, struct request *r, struct reply *rp)
{
	struct json_object *pairs = pairs_get(w, r->request_id), *langs, *list, *body;

	if (pairs == NULL) {
		snprintf(rp->detail, sizeof(rp->detail), "no translation provider is available");
		rp->retry_after = 5;
		return PROBLEM_UNAVAILABLE;
	}
	langs = json_object_new_array();
	list = json_object_new_array();
	json_object_object_foreach(pairs, source, targets) {
		json_object_array_add(langs, json_object_new_string(source));
		json_object_object_foreach(targets, target, providers) {
			struct json_object *p = json_object_new_object();
			json_object_object_add(p, "source", json_object_new_string(source));
			json_object_object_add(p, "target", json_object_new_string(target));
			json_object_object_add(p, "providers", json_object_get(providers));
			json_object_array_add(list, p);
		}
	}
	json_object_array_sort(langs, compare_strings);
	json_object_array_sort(list, compare_pairs);
	json_object_put(pairs);
	body = json_object_new_object();
	json_object_object_add(body, "pairs", list);
	json_object_object_add(body, "languages", langs);
	reply_json(rp, 200, body);
	return PROBLEM_NONE;
}

const struct route translate_routes[] = {
	{ HTTP_POST, "/v1/translate", translate_post, AUTH_KEY, ROLE_MEMBER, BODY_JSON,
	  translate_fields, NULL, "translate", 1 },
	{ HTTP_POST, "/v1/detect", detect_post, AUTH_KEY, ROLE_MEMBER, BODY_JSON,
	  detect_fields, NULL, "detect", 1 },
	{ HTTP_GET, "/v1/languages", languages_get, AUTH_KEY, ROLE_MEMBER, BODY_NONE,
	  NULL, NULL, "languages", 0 },
	{ 0, NULL, NULL, 0, 0, 0, NULL, NULL, NULL, 0 }
};
