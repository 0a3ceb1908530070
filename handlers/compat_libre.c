/* LibreTranslate compatibility, so that LibreTranslate clients (e.g. the
 * `translate` npm package with engine "libre") work unchanged:
 *   POST /translate  JSON or form: q (text or array), source ("auto" to
 *                    detect), target, format ("text"|"html"), api_key
 *     -> {"translatedText": "..."|[...]} (+ "detectedLanguage" with auto)
 *   POST /detect     q, api_key -> [{"language":"en","confidence":100.0}]
 *   GET /languages   -> [{"code":"en","name":"English","targets":["es"]}]
 * The key may also come as "Authorization: Bearer". Errors carry
 * LibreTranslate's "error" member. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/reply.h"
#include "core/utf8.h"
#include "handlers.h"
#include "proc/worker.h"
#include "translate/detect.h"
#include "translate/langcode.h"
#include "translate/translation.h"

enum {
	F_Q,
	F_SOURCE,
	F_TARGET,
	F_FORMAT,
	F_KEY,
	F_OTHERS
};
static const struct param_spec translate_fields[] = {
	[F_Q] = { "q", PARAM_TEXTS, 1, 1, 1000, 16L << 20 },
	[F_SOURCE] = { "source", PARAM_STRING, 0, 2, 4, 0 },
	[F_TARGET] = { "target", PARAM_STRING, 1, 2, 5, 0 },
	[F_FORMAT] = { "format", PARAM_STRING, 0, 4, 4, 0 },
	[F_KEY] = { "api_key", PARAM_STRING, 0, 0, 128, 0 },
	[F_OTHERS] = { PARAMS_OTHERS, PARAM_STRING, 0, 0, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

/* Returns {"language","confidence"} (confidence in percent). */
static struct json_object *detected_json(const char *language, double confidence)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "confidence", json_object_new_double(confidence));
	json_object_object_add(o, "language", json_object_new_string(language));
	return o;
}

/* Builds LibreTranslate's reply for res: a string (and object) for one q
 * given as a string, arrays for an array. */
static struct json_object *translate_body(const struct translation_result *res, int single)
{
	struct json_object *body = json_object_new_object(), *texts, *langs = NULL;

	if (single) {
		texts = json_object_new_string(res->entries[0].translated);
		if (res->detected != NULL)
			langs = detected_json(res->detected[0], 100.0);
	} else {
		texts = json_object_new_array();
		langs = res->detected != NULL ? json_object_new_array() : NULL;
		for (size_t i = 0; i < res->n; i++) {
			json_object_array_add(texts,
			    json_object_new_string(res->entries[i].translated));
			if (langs != NULL)
				json_object_array_add(langs,
				    detected_json(res->detected[i], 100.0));
		}
	}
	json_object_object_add(body, "translatedText", texts);
	if (langs != NULL)
		json_object_object_add(body, "detectedLanguage", langs);
	return body;
}

/* 200 with the translation(s); 400 for bad input; 413; 503. */
static enum problem libre_translate(struct worker *w, struct request *r, struct reply *rp)
{
	const struct param_value *fmt = &r->fields[F_FORMAT], *q_in = &r->fields[F_Q];
	struct translation_request q = { 0 };
	char source[8], target[8];
	struct translation_result res = { 0 };
	const char **texts = NULL;
	size_t n;
	enum problem p = translation_texts(w, q_in, &texts, &n, rp);

	if (p != PROBLEM_NONE)
		goto done;
	if (fmt->present && strcmp(fmt->str, "text") != 0 && strcmp(fmt->str, "html") != 0) {
		snprintf(rp->detail, sizeof(rp->detail), "format must be text or html");
		p = PROBLEM_INVALID_FIELD;
		goto done;
	}
	q.texts = texts;
	q.ntexts = n;
	q.source =
	    langcode_lower(r->fields[F_SOURCE].present ? r->fields[F_SOURCE].str : NULL, source);
	q.target = langcode_lower(r->fields[F_TARGET].str, target);
	q.html = fmt->present && strcmp(fmt->str, "html") == 0;
	q.context = "";
	p = translation_serve(w, r, &q, &res, rp);
	if (p != PROBLEM_NONE)
		goto done;
	reply_json(rp, 200, translate_body(&res, q_in->array == NULL));
done:
	translation_release(&res);
	free(texts);
	return p;
}

enum {
	D_Q,
	D_KEY,
	D_OTHERS
};
static const struct param_spec detect_fields[] = {
	[D_Q] = { "q", PARAM_TEXT, 1, 1, 16L << 20, 0 },
	[D_KEY] = { "api_key", PARAM_STRING, 0, 0, 128, 0 },
	[D_OTHERS] = { PARAMS_OTHERS, PARAM_STRING, 0, 0, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

/* 200 with the candidate languages, best first (an empty list when the
 * language cannot be told). */
static enum problem libre_detect(struct worker *w, struct request *r, struct reply *rp)
{
	const char *text = r->fields[D_Q].str;
	struct json_object *arr;
	struct detection d;
	enum problem p = translation_check_texts(w, &text, 1, rp);

	if (p != PROBLEM_NONE)
		return p;
	r->usage.segments = 1;
	r->usage.characters = (long long)utf8_count(text, strlen(text));
	snprintf(r->usage.model, sizeof(r->usage.model), "libexttextcat");
	if (detect_language(w, text, strlen(text), &d) < 0)
		return PROBLEM_INTERNAL;
	arr = json_object_new_array();
	for (int i = 0; d.language[0] != '\0' && i < d.ncandidates; i++)
		json_object_array_add(arr, detected_json(d.candidates[i], 100.0 * d.confidence));
	reply_json(rp, 200, arr);
	return PROBLEM_NONE;
}

/* 200 [{"code","name","targets"}], one entry per source language. */
static enum problem libre_languages(struct worker *w, struct request *r, struct reply *rp)
{
	struct json_object *pairs = translation_pairs(w, r->request_id), *arr;

	if (pairs == NULL) {
		snprintf(rp->detail, sizeof(rp->detail), "no translation provider is available");
		return PROBLEM_UNAVAILABLE;
	}
	arr = json_object_new_array();
	json_object_object_foreach(pairs, source, targets)
	{
		struct json_object *l = json_object_new_object(), *list = json_object_new_array();
		const char *name = langcode_name(source);
		json_object_object_add(l, "code", json_object_new_string(source));
		json_object_object_add(l, "name", json_object_new_string(name ? name : source));
		json_object_object_foreach(targets, t, unused)
		{
			(void)unused;
			json_object_array_add(list, json_object_new_string(t));
		}
		json_object_object_add(l, "targets", list);
		json_object_array_add(arr, l);
	}
	json_object_put(pairs);
	reply_json(rp, 200, arr);
	return PROBLEM_NONE;
}

const struct route compat_libre_routes[] = {
	{ .method = HTTP_POST,
	    .pattern = "/translate",
	    .handler = libre_translate,
	    .auth = AUTH_KEY_IN_BODY,
	    .min_role = ROLE_MEMBER,
	    .body = BODY_FORM_OR_JSON,
	    .fields = translate_fields,
	    .name = "translate.libre",
	    .metered = 1,
	    .dialect = DIALECT_LIBRE,
	    .idempotency = IDEM_OPTIONAL,
	    .scope = SCOPE_TRANSLATE },
	{ .method = HTTP_POST,
	    .pattern = "/detect",
	    .handler = libre_detect,
	    .auth = AUTH_KEY_IN_BODY,
	    .min_role = ROLE_MEMBER,
	    .body = BODY_FORM_OR_JSON,
	    .fields = detect_fields,
	    .name = "detect.libre",
	    .metered = 1,
	    .dialect = DIALECT_LIBRE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_TRANSLATE },
	{ .method = HTTP_GET,
	    .pattern = "/languages",
	    .handler = libre_languages,
	    .auth = AUTH_NONE,
	    .min_role = ROLE_MEMBER,
	    .body = BODY_NONE,
	    .name = "languages.libre",
	    .dialect = DIALECT_LIBRE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_NONE },
	{ .pattern = NULL },
};
