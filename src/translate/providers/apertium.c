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

/* Translates one text. Returns the status; *out is a new string on OK. */
static enum provider_status apertium_one(struct worker *w, const char *pair,
    const char *text, int html, const char *request_id, char **out, char *err, size_t errsz)
{
	char url[600];
	struct form_field f[] = {
		{ "langpair", pair }, { "q", text }, { "markUnknown", "no" },
		{ "format", html ? "html" : "txt" },
	};
	struct http_reply r;
	struct json_object *doc = NULL;
	enum provider_status st = PROVIDER_FAILED;

	struct http_call call = { url, w->cfg->provider_timeout_ms, request_id, { NULL } };

	snprintf(url, sizeof(url), "%s/translate", w->cfg->apertium_url);
	if (http_client_post_form(w->curl, &call, f, 4, &r) < 0) {
		snprintf(err, errsz, "apertium: %s", r.error);
		goto out;
	}
	doc = r.body != NULL ? json_tokener_parse(r.body) : NULL;
	const char *t = json_str(doc, "responseData", "translatedText");
	if (r.status == 200 && t != NULL) {
		*out = strdup(t);
		st = *out != NULL ? PROVIDER_OK : PROVIDER_FAILED;
	} else if (r.status == 400) {
		const char *why = json_str(doc, "explanation", NULL);
		snprintf(err, errsz, "apertium: %s", why ? why : "bad request");
		st = PROVIDER_UNSUPPORTED;
	} else
		snprintf(err, errsz, "apertium: HTTP %ld", r.status);
out:
	json_object_put(doc);
	http_reply_free(&r);
	return st;
}

static enum provider_status apertium_translate(struct worker *w,
    const struct translate_job *job, char **out, char *err, size_t errsz)
{
	const char *s3 = langcode_to_iso3(job->source), *t3 = langcode_to_iso3(job->target);
	char pair[16];
	enum provider_status st = PROVIDER_OK;
	size_t i;

	if (s3 == NULL || t3 == NULL) {
		snprintf(err, errsz, "apertium: no code for %s or %s", job->source, job->target);
		return PROVIDER_UNSUPPORTED;
	}
	snprintf(pair, sizeof(pair), "%s|%s", s3, t3);
	for (i = 0; i < job->ntexts && st == PROVIDER_OK; i++)
		st = apertium_one(w, pair, job->texts[i], job->html, job->request_id, &out[i], err, errsz);
	if (st != PROVIDER_OK)   /* text i - 1 failed: free the ones before it */
		for (size_t j = 0; j + 1 < i; j++) {
			free(out[j]);
			out[j] = NULL;
		}
	return st;
}

static const char *apertium_model(const struct worker *w, const char *source, const char *target, char *buf, size_t bufsz)
{
	const char *s3 = langcode_to_iso3(source), *t3 = langcode_to_iso3(target);

	(void)w;
	snprintf(buf, bufsz, "apertium-%s-%s", s3 ? s3 : source, t3 ? t3 : target);
	return buf;
}

static enum provider_status apertium_list_pairs(struct worker *w, const char *request_id,
    struct json_object **pairs, char *err, size_t errsz)
{
	char url[600];
	struct http_reply r;
	struct json_object *doc = NULL, *data;
	enum provider_status st = PROVIDER_FAILED;

	struct http_call call = { url, w->cfg->provider_timeout_ms, request_id, { NULL } };

	snprintf(url, sizeof(url), "%s/listPairs", w->cfg->apertium_url);
	if (http_client_get(w->curl, &call, &r) < 0) {
		snprintf(err, errsz, "apertium: %s", r.error);
		goto out;
	}
	doc = r.status == 200 && r.body ? json_tokener_parse(r.body) : NULL;
	if (doc == NULL || !json_object_object_get_ex(doc, "responseData", &data) ||
	    !json_object_is_type(data, json_type_array)) {
		snprintf(err, errsz, "apertium: unexpected /listPairs reply (HTTP %ld)", r.status);
		goto out;
	}
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
	http_reply_free(&r);
	return st;
}

const struct provider provider_apertium = {
	"apertium", "apertium_url", 0, apertium_translate, apertium_model, apertium_list_pairs
};
