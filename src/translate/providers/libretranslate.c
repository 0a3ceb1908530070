/* LibreTranslate (https://libretranslate.com/docs):
 *   POST /translate {"q": "..."|[...], "source", "target", "format", "api_key"}
 *     -> {"translatedText": "..."|[...]}, errors {"error": "..."} with 400/403/429/5xx
 *   GET /languages -> [{"code":"en","name":"English","targets":["es",...]}]
 * Codes are ISO 639-1 already. A batch is one request (q as an array). */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/http_client.h"
#include "proc/worker.h"
#include "translate/provider.h"

/* Builds the request body for job (caller json_object_put()s it). */
static struct json_object *request_body(const struct worker *w, const struct translate_job *job)
{
	struct json_object *o = json_object_new_object(), *q;

	if (job->ntexts == 1)
		q = json_object_new_string(job->texts[0]);
	else {
		q = json_object_new_array();
		for (size_t i = 0; i < job->ntexts; i++)
			json_object_array_add(q, json_object_new_string(job->texts[i]));
	}
	json_object_object_add(o, "q", q);
	json_object_object_add(o, "source", json_object_new_string(job->source));
	json_object_object_add(o, "target", json_object_new_string(job->target));
	json_object_object_add(o, "format", json_object_new_string(job->html ? "html" : "text"));
	if (job->api_key != NULL || w->cfg->libretranslate_api_key != NULL)
		json_object_object_add(o, "api_key", json_object_new_string(job->api_key != NULL
		    ? job->api_key : w->cfg->libretranslate_api_key));
	return o;
}

/* Moves the translations of reply doc into out[0..n): "translatedText"
 * is a string for one text, else an array. Returns 0, or -1 when the reply
 * has not the expected shape (nothing left allocated). */
static int take_results(struct json_object *doc, size_t n, char **out)
{
	struct json_object *t;

	if (doc == NULL || !json_object_object_get_ex(doc, "translatedText", &t))
		return -1;
	if (n == 1 && json_object_is_type(t, json_type_string))
		return (out[0] = strdup(json_object_get_string(t))) != NULL ? 0 : -1;
	return provider_take_strings(t, NULL, n, out);
}

static enum provider_status libre_translate(struct worker *w, const struct translate_job *job,
    char **out, char *err, size_t errsz)
{
	char url[600];
	struct json_object *body = request_body(w, job), *doc = NULL, *e;
	struct http_reply r;
	enum provider_status st = PROVIDER_FAILED;

	struct http_call call = { url, w->cfg->provider_timeout_ms, job->request_id, { NULL } };

	snprintf(url, sizeof(url), "%s/translate", w->cfg->libretranslate_url);
	if (http_client_post_json(w->curl, &call, json_object_to_json_string_ext(body,
	    JSON_C_TO_STRING_PLAIN), &r) < 0) {
		snprintf(err, errsz, "libretranslate: %s", r.error);
		goto out;
	}
	doc = r.body != NULL ? json_tokener_parse(r.body) : NULL;
	const char *why = doc != NULL && json_object_object_get_ex(doc, "error", &e)
	    ? json_object_get_string(e) : NULL;
	if (r.status == 200 && take_results(doc, job->ntexts, out) == 0)
		st = PROVIDER_OK;
	else if (r.status == 400 && why != NULL && strcasestr(why, "not supported") != NULL) {
		snprintf(err, errsz, "libretranslate: %s", why);
		st = PROVIDER_UNSUPPORTED;
	} else
		snprintf(err, errsz, "libretranslate: HTTP %ld%s%s", r.status, why ? ": " : "",
		    why ? why : "");
out:
	json_object_put(doc);
	json_object_put(body);
	http_reply_free(&r);
	return st;
}

static const char *libre_model(const struct worker *w, const char *source, const char *target,
    char *buf, size_t bufsz)
{
	(void)w;
	(void)source;
	(void)target;
	snprintf(buf, bufsz, "libretranslate");
	return buf;
}

static enum provider_status libre_list_pairs(struct worker *w, const char *request_id,
    struct json_object **pairs, char *err, size_t errsz)
{
	char url[600];
	struct http_reply r;
	struct json_object *doc = NULL;
	enum provider_status st = PROVIDER_FAILED;

	struct http_call call = { url, w->cfg->provider_timeout_ms, request_id, { NULL } };

	snprintf(url, sizeof(url), "%s/languages", w->cfg->libretranslate_url);
	if (http_client_get(w->curl, &call, &r) < 0) {
		snprintf(err, errsz, "libretranslate: %s", r.error);
		goto out;
	}
	doc = r.status == 200 && r.body ? json_tokener_parse(r.body) : NULL;
	if (doc == NULL || !json_object_is_type(doc, json_type_array)) {
		snprintf(err, errsz, "libretranslate: unexpected /languages reply (HTTP %ld)", r.status);
		goto out;
	}
	*pairs = json_object_new_object();
	for (size_t i = 0; i < json_object_array_length(doc); i++) {
		struct json_object *l = json_object_array_get_idx(doc, i), *code, *targets;
		if (!json_object_object_get_ex(l, "code", &code) ||
		    !json_object_object_get_ex(l, "targets", &targets) ||
		    !json_object_is_type(targets, json_type_array))
			continue;
		for (size_t j = 0; j < json_object_array_length(targets); j++) {
			const char *t = json_object_get_string(json_object_array_get_idx(targets, j));
			if (t != NULL && strcmp(t, json_object_get_string(code)) != 0)
				provider_pair_add(*pairs, json_object_get_string(code), t);
		}
	}
	st = PROVIDER_OK;
out:
	json_object_put(doc);
	http_reply_free(&r);
	return st;
}

const struct provider provider_libretranslate = {
	"libretranslate", "libretranslate_url", 1, libre_translate, libre_model, libre_list_pairs
};
