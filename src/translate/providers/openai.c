/* OpenAI-compatible chat completions (api.openai.com, and the many
 * servers that copy it: vLLM, llama.cpp, Ollama, OpenRouter, ...):
 *   POST {openai_url}/chat/completions, Authorization: Bearer <key>
 *     {"model":"...","temperature":0,"messages":[{"role":"system","content":"..."},
 *      {"role":"user","content":"<text>"}]}
 *     -> {"choices":[{"message":{"role":"assistant","content":"..."},
 *         "finish_reason":"stop"}],"usage":{...}}
 *     errors {"error":{"message":"...","type":"...","code":"..."}} with 4xx/5xx
 * One call per text: a model asked for many segments at once may merge or
 * drop some, and there is no way to tell which. A reply cut short
 * (finish_reason "length") or refused ("content_filter") is a failure,
 * never a translation. Pairs: any two of openai_languages. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/http_client.h"
#include "proc/worker.h"
#include "translate/langcode.h"
#include "translate/provider.h"
#include "translate/provider_reply.h"

/* Every error reply is a failure: the pair check is openai_languages. */
static const struct provider_reply_form form = {
	.name = "openai",
	.message = { "error", "message" },
};

/* Builds the chat request for one text (caller json_object_put()s it). */
static struct json_object *request_body(const struct worker *w, const struct translate_job *job,
    const char *text)
{
	struct json_object *o = json_object_new_object(), *msgs = json_object_new_array(), *m;
	char prompt[1024];

	snprintf(prompt, sizeof(prompt),
	    "You are a translation engine. Translate the user's message from the language "
	    "with ISO 639-1 code '%s' to the language with ISO 639-1 code '%s'.%s%s%s "
	    "Reply with the translation only: no quotes, notes or explanations.",
	    job->source, job->target,
	    job->html ? " The message is HTML: keep every tag and attribute as it is and "
	                "translate only the text."
	              : "",
	    job->context != NULL && job->context[0] ? " Context (do not translate it): " : "",
	    job->context != NULL && job->context[0] ? job->context : "");
	json_object_object_add(o, "model", json_object_new_string(w->cfg->openai_model));
	json_object_object_add(o, "temperature", json_object_new_int(0));
	m = json_object_new_object();
	json_object_object_add(m, "role", json_object_new_string("system"));
	json_object_object_add(m, "content", json_object_new_string(prompt));
	json_object_array_add(msgs, m);
	m = json_object_new_object();
	json_object_object_add(m, "role", json_object_new_string("user"));
	json_object_object_add(m, "content", json_object_new_string(text));
	json_object_array_add(msgs, m);
	json_object_object_add(o, "messages", msgs);
	return o;
}

/* Returns the content of the first choice of doc when it finished
 * normally, else NULL (borrowed from doc); *finish gets the reason. */
static const char *reply_content(struct json_object *doc, const char **finish)
{
	struct json_object *choices, *c0;

	*finish = NULL;
	if (doc == NULL || !json_object_object_get_ex(doc, "choices", &choices) ||
	    !json_object_is_type(choices, json_type_array) || json_object_array_length(choices) < 1)
		return NULL;
	c0 = json_object_array_get_idx(choices, 0);
	*finish = json_str(c0, "finish_reason", NULL);
	if (*finish != NULL && strcmp(*finish, "stop") != 0)
		return NULL;
	return json_str(c0, "message", "content");
}

/* Translates one text (a provider_one_fn; arg unused). Returns the
 * status; *out is a new string on OK. */
static enum provider_status openai_one(struct worker *w, const struct translate_job *job,
    const void *arg, const char *text, char **out, char *err, size_t errsz)
{
	char url[600], auth[600];
	struct json_object *body = request_body(w, job, text), *doc;
	struct http_call call = {
		url,
		w->cfg->provider_timeout_ms,
		job->request_id,
		{ NULL },
	};
	struct http_reply r;
	enum provider_status st;
	const char *content, *finish = NULL;
	int sent;

	(void)arg;
	snprintf(url, sizeof(url), "%s/chat/completions", w->cfg->openai_url);
	if (job->api_key != NULL || w->cfg->openai_api_key != NULL) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
		    job->api_key != NULL ? job->api_key : w->cfg->openai_api_key);
		call.headers[0] = auth;
	}
	sent = http_client_post_json(w->curl, &call,
	    json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN), &r);
	st = provider_reply_doc(&form, sent, &r, &doc, err, errsz);
	content = st == PROVIDER_OK ? reply_content(doc, &finish) : NULL;
	if (content != NULL && content[0] != '\0')
		st = (*out = strdup(content)) != NULL ? PROVIDER_OK : PROVIDER_FAILED;
	else if (st == PROVIDER_OK) {
		snprintf(err, errsz, "openai: no usable answer (finish_reason %s)",
		    finish != NULL ? finish : "missing");
		st = PROVIDER_FAILED;
	}
	json_object_put(doc);
	json_object_put(body);
	http_reply_free(&r);
	return st;
}

/* Returns 1 when code is one of the configured openai_languages. */
static int language_offered(const struct worker *w, const char *code)
{
	const char *list = w->cfg->openai_languages;
	size_t n = strlen(code);

	for (const char *p = list; p != NULL && *p != '\0';) {
		size_t len = strcspn(p, ", ");
		if (len == n && strncmp(p, code, n) == 0)
			return 1;
		p += len;
		p += strspn(p, ", ");
	}
	return 0;
}

static enum provider_status openai_translate(struct worker *w, const struct translate_job *job,
    char **out, char *err, size_t errsz)
{
	if (!language_offered(w, job->source) || !language_offered(w, job->target)) {
		snprintf(err, errsz, "openai: %s to %s is not in openai_languages", job->source,
		    job->target);
		return PROVIDER_UNSUPPORTED;
	}
	return provider_each_text(w, job, openai_one, NULL, out, err, errsz);
}

/* Any two of openai_languages that are ISO 639-1 codes dragoman knows. */
static enum provider_status openai_list_pairs(struct worker *w, const char *request_id,
    struct json_object **pairs, char *err, size_t errsz)
{
	char list[512], *save = NULL;
	const char *codes[128];
	size_t n = 0;

	(void)request_id;
	(void)err;
	(void)errsz;
	snprintf(list, sizeof(list), "%s", w->cfg->openai_languages);
	for (char *p = strtok_r(list, ", ", &save); p != NULL && n < 128;
	     p = strtok_r(NULL, ", ", &save))
		if (langcode_to_iso3(p) != NULL)
			codes[n++] = p;
	*pairs = json_object_new_object();
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			if (strcmp(codes[i], codes[j]) != 0)
				provider_pair_add(*pairs, codes[i], codes[j]);
	return PROVIDER_OK;
}

const struct provider provider_openai = {
	.name = "openai",
	.required_key = "openai_url",
	.takes_own_key = 1,
	.model = "openai_model",
	.model_form = MODEL_CONFIG_KEY,
	.reply = &form,
	.translate = openai_translate,
	.list_pairs = openai_list_pairs,
};
