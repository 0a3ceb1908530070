/* LibreTranslate (https://libretranslate.com/docs):
 *   POST /translate {"q": "..."|[...], "source", "target", "format", "api_key"}
 *     -> {"translatedText": "..."|[...]}, errors {"error": "..."} with 400/403/429/5xx
 *   GET /languages -> [{"code":"en","name":"English","targets":["es",...]}]
 * Codes are ISO 639-1 already. A batch is one request (q as an array). */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/http_client.h"
#include "proc/worker.h"
#include "translate/provider.h"
#include "translate/provider_reply.h"

/* A 400 "... is not supported" is a pair LibreTranslate does not offer. */
static const struct provider_reply_form form = {
	.name = "libretranslate",
	.message = { "error" },
	.unsupported = { "not supported" },
	.texts = { "translatedText" },
	.shape = TEXTS_ARRAY_OR_STRING,
	.list_what = "/languages",
};

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
		json_object_object_add(o, "api_key",
		    json_object_new_string(
		        job->api_key != NULL ? job->api_key : w->cfg->libretranslate_api_key));
	return o;
}

static enum provider_status libre_translate(struct worker *w, const struct translate_job *job,
    char **out, char *err, size_t errsz)
{
	char url[600];
	struct json_object *body = request_body(w, job);
	struct http_call call = {
		url,
		w->cfg->provider_timeout_ms,
		job->request_id,
		{ NULL },
	};

	snprintf(url, sizeof(url), "%s/translate", w->cfg->libretranslate_url);
	return provider_post_texts(w->curl, &form, &call, body, job->ntexts, out, err, errsz);
}

static enum provider_status libre_list_pairs(struct worker *w, const char *request_id,
    struct json_object **pairs, char *err, size_t errsz)
{
	char url[600];
	struct http_call call = {
		url,
		w->cfg->provider_timeout_ms,
		request_id,
		{ NULL },
	};
	struct json_object *doc, *langs;
	enum provider_status st = PROVIDER_FAILED;

	snprintf(url, sizeof(url), "%s/languages", w->cfg->libretranslate_url);
	langs = provider_get_list(w->curl, &form, &call, &doc, err, errsz);
	if (langs == NULL)
		goto out;
	*pairs = json_object_new_object();
	for (size_t i = 0; i < json_object_array_length(langs); i++) {
		struct json_object *l = json_object_array_get_idx(langs, i), *code, *targets;
		if (!json_object_object_get_ex(l, "code", &code) ||
		    !json_object_object_get_ex(l, "targets", &targets) ||
		    !json_object_is_type(targets, json_type_array))
			continue;
		for (size_t j = 0; j < json_object_array_length(targets); j++) {
			const char *t =
			    json_object_get_string(json_object_array_get_idx(targets, j));
			if (t != NULL && strcmp(t, json_object_get_string(code)) != 0)
				provider_pair_add(*pairs, json_object_get_string(code), t);
		}
	}
	st = PROVIDER_OK;
out:
	json_object_put(doc);
	return st;
}

const struct provider provider_libretranslate = {
	.name = "libretranslate",
	.required_key = "libretranslate_url",
	.takes_own_key = 1,
	.model = "libretranslate",
	.model_form = MODEL_FIXED,
	.reply = &form,
	.translate = libre_translate,
	.list_pairs = libre_list_pairs,
};
