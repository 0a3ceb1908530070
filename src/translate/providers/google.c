/* Google Cloud Translation, Basic edition (v2)
 * (https://cloud.google.com/translate/docs/reference/rest/v2/translate):
 *   POST /language/translate/v2, X-Goog-Api-Key: <key>
 *     {"q":[...],"source":"en","target":"es","format":"text"|"html"}
 *     -> {"data":{"translations":[{"translatedText":"..."}]}}
 *     errors {"error":{"code":400,"message":"Bad language pair: ..."}}
 *   GET /language/translate/v2/languages -> {"data":{"languages":[{"language":"en"}]}}
 * The key travels in a header, never in the URL (which ends up in logs).
 * A batch is one request. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/http_client.h"
#include "proc/worker.h"
#include "translate/provider.h"
#include "translate/provider_reply.h"

#define GOOGLE_URL "https://translation.googleapis.com"

/* A 400 "Bad language pair" or "Invalid Value" (an unknown code) is a pair
 * Google does not offer. */
static const struct provider_reply_form form = {
	.name = "google",
	.message = { "error", "message" },
	.unsupported = { "language pair", "invalid value" },
	.texts = { "data", "translations" },
	.shape = TEXTS_ARRAY,
	.text_member = "translatedText",
	.list = { "data", "languages" },
	.list_what = "languages",
};

/* Fills call for path on the API, with the header for key (NULL: the
 * server's) in auth. */
static void prepare(const struct worker *w, const char *key, const char *path,
    const char *request_id, char *url, size_t urlsz, char *auth, size_t authsz,
    struct http_call *call)
{
	snprintf(url, urlsz, "%s%s", w->cfg->google_url != NULL ? w->cfg->google_url : GOOGLE_URL,
	    path);
	snprintf(auth, authsz, "X-Goog-Api-Key: %s", key != NULL ? key : w->cfg->google_api_key);
	memset(call, 0, sizeof(*call));
	call->url = url;
	call->timeout_ms = w->cfg->provider_timeout_ms;
	call->request_id = request_id;
	call->headers[0] = auth;
}

/* Builds the request body for job (caller json_object_put()s it). */
static struct json_object *request_body(const struct translate_job *job)
{
	struct json_object *o = json_object_new_object(), *q = json_object_new_array();

	for (size_t i = 0; i < job->ntexts; i++)
		json_object_array_add(q, json_object_new_string(job->texts[i]));
	json_object_object_add(o, "q", q);
	json_object_object_add(o, "source", json_object_new_string(job->source));
	json_object_object_add(o, "target", json_object_new_string(job->target));
	json_object_object_add(o, "format", json_object_new_string(job->html ? "html" : "text"));
	return o;
}

static enum provider_status google_translate(struct worker *w, const struct translate_job *job,
    char **out, char *err, size_t errsz)
{
	char url[600], auth[600];
	struct http_call call;

	prepare(w, job->api_key, "/language/translate/v2", job->request_id, url, sizeof(url), auth,
	    sizeof(auth), &call);
	return provider_post_texts(w->curl, &form, &call, request_body(job), job->ntexts, out, err,
	    errsz);
}

/* Google translates between any two of its languages. */
static enum provider_status google_list_pairs(struct worker *w, const char *request_id,
    struct json_object **pairs, char *err, size_t errsz)
{
	char url[600], auth[600];
	struct http_call call;
	struct json_object *doc, *langs;
	enum provider_status st = PROVIDER_FAILED;

	prepare(w, NULL, "/language/translate/v2/languages", request_id, url, sizeof(url), auth,
	    sizeof(auth), &call);
	langs = provider_get_list(w->curl, &form, &call, &doc, err, errsz);
	if (langs == NULL)
		goto out;
	*pairs = json_object_new_object();
	for (size_t i = 0; i < json_object_array_length(langs); i++)
		for (size_t j = 0; j < json_object_array_length(langs); j++) {
			const char *s =
			    json_str(json_object_array_get_idx(langs, i), "language", NULL);
			const char *t =
			    json_str(json_object_array_get_idx(langs, j), "language", NULL);
			/* two-letter codes only: the API speaks ISO 639-1 */
			if (i != j && s != NULL && t != NULL && strlen(s) == 2 && strlen(t) == 2)
				provider_pair_add(*pairs, s, t);
		}
	st = PROVIDER_OK;
out:
	json_object_put(doc);
	return st;
}

const struct provider provider_google = {
	.name = "google",
	.required_key = "google_api_key",
	.takes_own_key = 1,
	.model = "google-nmt-v2",
	.model_form = MODEL_FIXED,
	.reply = &form,
	.translate = google_translate,
	.list_pairs = google_list_pairs,
};
