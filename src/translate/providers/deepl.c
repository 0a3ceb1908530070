/* DeepL API v2 (https://developers.deepl.com/docs/api-reference):
 *   POST /v2/translate, Authorization: DeepL-Auth-Key <key>
 *     {"text":[...],"target_lang":"ES","source_lang":"EN","tag_handling":"html","context":"..."}
 *     -> {"translations":[{"detected_source_language":"EN","text":"..."}]}
 *     errors: 400 bad request, 403 bad key, 429 too many requests,
 *     456 quota exceeded, 5xx; body {"message":"..."}
 *   GET /v2/languages?type=source|target -> [{"language":"EN-GB","name":"..."}]
 * A batch is one request. Keys ending in ":fx" belong to the free API
 * (api-free.deepl.com); deepl_url overrides the host either way. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/http_client.h"
#include "proc/worker.h"
#include "translate/langcode.h"
#include "translate/provider.h"
#include "translate/provider_reply.h"

#define DEEPL_URL "https://api.deepl.com"
#define DEEPL_FREE_URL "https://api-free.deepl.com"

/* A 400 about a language ("Value for 'target_lang' not supported.") is a
 * code DeepL does not offer. */
static const struct provider_reply_form form = {
	.name = "deepl",
	.message = { "message" },
	.unsupported = { "lang" },
	.texts = { "translations" },
	.shape = TEXTS_ARRAY,
	.text_member = "text",
	.list_what = "/v2/languages",
};

/* Writes the API base URL into buf: deepl_url when set, else the free or
 * pro host that the key belongs to. */
static void base_url(const struct worker *w, const char *key, char *buf, size_t bufsz)
{
	size_t n = strlen(key);

	if (w->cfg->deepl_url != NULL)
		snprintf(buf, bufsz, "%s", w->cfg->deepl_url);
	else
		snprintf(buf, bufsz, "%s",
		    n > 3 && strcmp(key + n - 3, ":fx") == 0 ? DEEPL_FREE_URL : DEEPL_URL);
}

/* Builds the request body for job (caller json_object_put()s it). */
static struct json_object *request_body(const struct translate_job *job)
{
	struct json_object *o = json_object_new_object(), *texts = json_object_new_array();
	char code[8];

	for (size_t i = 0; i < job->ntexts; i++)
		json_object_array_add(texts, json_object_new_string(job->texts[i]));
	json_object_object_add(o, "text", texts);
	json_object_object_add(o, "target_lang",
	    json_object_new_string(langcode_to_deepl(job->target, 1, code)));
	json_object_object_add(o, "source_lang",
	    json_object_new_string(langcode_to_deepl(job->source, 0, code)));
	if (job->html)
		json_object_object_add(o, "tag_handling", json_object_new_string("html"));
	if (job->context != NULL && job->context[0] != '\0')
		json_object_object_add(o, "context", json_object_new_string(job->context));
	return o;
}

/* Fills call for path on the API, with the header for key (NULL: the
 * server's) in auth (room for the header line). */
static void prepare(const struct worker *w, const char *key, const char *path,
    const char *request_id, char *url, size_t urlsz, char *auth, size_t authsz,
    struct http_call *call)
{
	char base[512];

	if (key == NULL)
		key = w->cfg->deepl_api_key;
	base_url(w, key, base, sizeof(base));
	snprintf(url, urlsz, "%s%s", base, path);
	snprintf(auth, authsz, "Authorization: DeepL-Auth-Key %s", key);
	memset(call, 0, sizeof(*call));
	call->url = url;
	call->timeout_ms = w->cfg->provider_timeout_ms;
	call->request_id = request_id;
	call->headers[0] = auth;
}

static enum provider_status deepl_translate(struct worker *w, const struct translate_job *job,
    char **out, char *err, size_t errsz)
{
	char url[600], auth[600];
	struct http_call call;

	prepare(w, job->api_key, "/v2/translate", job->request_id, url, sizeof(url), auth,
	    sizeof(auth), &call);
	return provider_post_texts(w->curl, &form, &call, request_body(job), job->ntexts, out, err,
	    errsz);
}

/* Fetches the languages of one type ("source"/"target") into a new JSON
 * array of ISO 639-1 strings (caller owns). Returns NULL with err set. */
static struct json_object *languages(struct worker *w, const char *type, const char *request_id,
    char *err, size_t errsz)
{
	char url[600], auth[600], path[64], code[3];
	struct http_call call;
	struct json_object *doc, *langs, *list = NULL;

	snprintf(path, sizeof(path), "/v2/languages?type=%s", type);
	prepare(w, NULL, path, request_id, url, sizeof(url), auth, sizeof(auth), &call);
	langs = provider_get_list(w->curl, &form, &call, &doc, err, errsz);
	if (langs == NULL)
		goto out;
	list = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(langs); i++) {
		const char *c = json_str(json_object_array_get_idx(langs, i), "language", NULL);
		int seen = 0;
		if (langcode_from_deepl(c, code) < 0)
			continue;
		for (size_t j = 0; j < json_object_array_length(list) && !seen; j++)
			seen = strcmp(json_object_get_string(json_object_array_get_idx(list, j)),
			           code) == 0;
		if (!seen)
			json_object_array_add(list, json_object_new_string(code));
	}
out:
	json_object_put(doc);
	return list;
}

static enum provider_status deepl_list_pairs(struct worker *w, const char *request_id,
    struct json_object **pairs, char *err, size_t errsz)
{
	struct json_object *src = languages(w, "source", request_id, err, errsz);
	struct json_object *dst =
	    src != NULL ? languages(w, "target", request_id, err, errsz) : NULL;

	if (dst != NULL) {
		*pairs = json_object_new_object();
		for (size_t i = 0; i < json_object_array_length(src); i++)
			for (size_t j = 0; j < json_object_array_length(dst); j++) {
				const char *s =
				    json_object_get_string(json_object_array_get_idx(src, i));
				const char *t =
				    json_object_get_string(json_object_array_get_idx(dst, j));
				if (strcmp(s, t) != 0)
					provider_pair_add(*pairs, s, t);
			}
	}
	json_object_put(src);
	json_object_put(dst);
	return dst != NULL ? PROVIDER_OK : PROVIDER_FAILED;
}

const struct provider provider_deepl = {
	.name = "deepl",
	.required_key = "deepl_api_key",
	.takes_own_key = 1,
	.model = "deepl",
	.model_form = MODEL_FIXED,
	.reply = &form,
	.translate = deepl_translate,
	.list_pairs = deepl_list_pairs,
};
