/* Apertium APy (https://wiki.apertium.org/wiki/Apertium-apy):
 *   POST /translate  q=<text>&langpair=eng|spa[&format=html]&markUnknown=no
 *     -> {"responseData":{"translatedText":"..."},"responseStatus":200}
 *     or {"status":"error","code":400,"explanation":"That pair is not installed"}
 *   GET /listPairs -> {"responseData":[{"sourceLanguage":"eng","targetLanguage":"spa"}]} */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/http_client.h"
#include "proc/worker.h"
#include "translate/langcode.h"
#include "translate/provider.h"
#include "translate/provider_reply.h"

/* Every 400 is a pair not installed. */
static const struct provider_reply_form form = {
	.name = "apertium",
	.message = { "explanation" },
	.unsupported = { "*" },
	.texts = { "responseData", "translatedText" },
	.shape = TEXTS_STRING,
	.list = { "responseData" },
	.list_what = "/listPairs",
};

/* Translates one text. Returns the status; *out is a new string on OK. */
/* Translates text of job for the APy pair arg ("eng|spa"): a
 * provider_one_fn. */
static enum provider_status apertium_one(struct worker *w, const struct translate_job *job,
    const void *arg, const char *text, char **out, char *err, size_t errsz)
{
	const char *pair = arg;
	char url[600];
	struct form_field f[] = {
		{ "langpair", pair },
		{ "q", text },
		{ "markUnknown", "no" },
		{ "format", job->html ? "html" : "txt" },
	};
	struct http_reply r;
	struct http_call call = {
		url,
		w->cfg->provider_timeout_ms,
		job->request_id,
		{ NULL },
	};
	enum provider_status st;

	snprintf(url, sizeof(url), "%s/translate", w->cfg->apertium_url);
	st = provider_reply_texts(&form, http_client_post_form(w->curl, &call, f, 4, &r), &r, 1,
	    out, err, errsz);
	http_reply_free(&r);
	return st;
}

static enum provider_status apertium_translate(struct worker *w, const struct translate_job *job,
    char **out, char *err, size_t errsz)
{
	const char *s3 = langcode_to_iso3(job->source), *t3 = langcode_to_iso3(job->target);
	char pair[16];

	if (s3 == NULL || t3 == NULL) {
		snprintf(err, errsz, "apertium: no code for %s or %s", job->source, job->target);
		return PROVIDER_UNSUPPORTED;
	}
	snprintf(pair, sizeof(pair), "%s|%s", s3, t3);
	return provider_each_text(w, job, apertium_one, pair, out, err, errsz);
}

static enum provider_status apertium_list_pairs(struct worker *w, const char *request_id,
    struct json_object **pairs, char *err, size_t errsz)
{
	char url[600];
	struct http_call call = {
		url,
		w->cfg->provider_timeout_ms,
		request_id,
		{ NULL },
	};
	struct json_object *doc, *data;
	enum provider_status st = PROVIDER_FAILED;

	snprintf(url, sizeof(url), "%s/listPairs", w->cfg->apertium_url);
	data = provider_get_list(w->curl, &form, &call, &doc, err, errsz);
	if (data == NULL)
		goto out;
	*pairs = json_object_new_object();
	for (size_t i = 0; i < json_object_array_length(data); i++) {
		struct json_object *p = json_object_array_get_idx(data, i);
		const char *s = langcode_to_iso1(json_str(p, "sourceLanguage", NULL));
		const char *t = langcode_to_iso1(json_str(p, "targetLanguage", NULL));
		if (s != NULL && t != NULL)
			provider_pair_add(*pairs, s, t);
	}
	st = PROVIDER_OK;
out:
	json_object_put(doc);
	return st;
}

const struct provider provider_apertium = {
	.name = "apertium",
	.required_key = "apertium_url",
	.takes_own_key = 0,
	.model = "apertium",
	.model_form = MODEL_PER_PAIR,
	.reply = &form,
	.translate = apertium_translate,
	.list_pairs = apertium_list_pairs,
};
