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
#include <strings.h>

#include "core/http_client.h"
#include "proc/worker.h"
#include "translate/provider.h"

#define GOOGLE_URL "https://translation.googleapis.com"

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

/* Moves the translations of reply doc into out[0..n). Returns 0, or -1
 * when the reply has not the expected shape (nothing left allocated). */
static int take_results(struct json_object *doc, size_t n, char **out)
{
	struct json_object *data, *arr;

	if (doc == NULL || !json_object_object_get_ex(doc, "data", &data) ||
	    !json_object_object_get_ex(data, "translations", &arr))
		return -1;
	return provider_take_strings(arr, "translatedText", n, out);
}

static enum provider_status google_translate(struct worker *w, const struct translate_job *job,
    char **out, char *err, size_t errsz)
{
	char url[600], auth[600];
	struct json_object *body = request_body(job), *doc = NULL;
	struct http_call call;
	struct http_reply r;
	enum provider_status st = PROVIDER_FAILED;

	prepare(w, job->api_key, "/language/translate/v2", job->request_id, url, sizeof(url), auth,
	    sizeof(auth), &call);
	if (http_client_post_json(w->curl, &call, json_object_to_json_string_ext(body,
	    JSON_C_TO_STRING_PLAIN), &r) < 0) {
		snprintf(err, errsz, "google: %s", r.error);
		goto out;
	}
	doc = r.body != NULL ? json_tokener_parse(r.body) : NULL;
	const char *why = json_str(doc, "error", "message");
	if (r.status == 200 && take_results(doc, job->ntexts, out) == 0)
		st = PROVIDER_OK;
	else if (r.status == 400 && why != NULL && (strcasestr(why, "language pair") != NULL ||
	    strcasestr(why, "invalid value") != NULL)) {
		snprintf(err, errsz, "google: %s", why);
		st = PROVIDER_UNSUPPORTED;
	} else
		snprintf(err, errsz, "google: HTTP %ld%s%s", r.status, why ? ": " : "", why ? why : "");
out:
	json_object_put(doc);
	json_object_put(body);
	http_reply_free(&r);
	return st;
}

static const char *google_model(const struct worker *w, const char *source, const char *target,
    char *buf, size_t bufsz)
{
	(void)w;
	(void)source;
	(void)target;
	snprintf(buf, bufsz, "google-nmt-v2");
	return buf;
}

/* Google translates between any two of its languages. */
static enum provider_status google_list_pairs(struct worker *w, const char *request_id,
    struct json_object **pairs, char *err, size_t errsz)
{
	char url[600], auth[600];
	struct http_call call;
	struct http_reply r;
	struct json_object *doc = NULL, *data, *langs;
	enum provider_status st = PROVIDER_FAILED;

	prepare(w, NULL, "/language/translate/v2/languages", request_id, url, sizeof(url), auth,
	    sizeof(auth), &call);
	if (http_client_get(w->curl, &call, &r) < 0) {
		snprintf(err, errsz, "google: %s", r.error);
		goto out;
	}
	doc = r.status == 200 && r.body ? json_tokener_parse(r.body) : NULL;
	if (doc == NULL || !json_object_object_get_ex(doc, "data", &data) ||
	    !json_object_object_get_ex(data, "languages", &langs) ||
	    !json_object_is_type(langs, json_type_array)) {
		snprintf(err, errsz, "google: unexpected languages reply (HTTP %ld)", r.status);
		goto out;
	}
	*pairs = json_object_new_object();
	for (size_t i = 0; i < json_object_array_length(langs); i++)
		for (size_t j = 0; j < json_object_array_length(langs); j++) {
			const char *s = json_str(json_object_array_get_idx(langs, i), "language", NULL);
			const char *t = json_str(json_object_array_get_idx(langs, j), "language", NULL);
			/* two-letter codes only: the API speaks ISO 639-1 */
			if (i != j && s != NULL && t != NULL && strlen(s) == 2 && strlen(t) == 2)
				provider_pair_add(*pairs, s, t);
		}
	st = PROVIDER_OK;
out:
	json_object_put(doc);
	http_reply_free(&r);
	return st;
}

const struct provider provider_google = {
	"google", "google_api_key", 1, google_translate, google_model, google_list_pairs
};
