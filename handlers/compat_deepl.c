/* DeepL API v2 compatibility, so that DeepL clients (deepl-node and the
 * other official libraries) work unchanged against dragoman:
 *   POST /v2/translate   form or JSON: text (repeated / array), target_lang,
 *                        source_lang, tag_handling, context,
 *                        show_billed_characters; other DeepL options are
 *                        accepted and ignored
 *     -> {"translations":[{"detected_source_language":"EN","text":"..."}]}
 *   GET /v2/languages[?type=target] -> [{"language":"EN","name":"English"}]
 *   GET /v2/usage -> {"character_count":N,"character_limit":L}
 * Authorization: DeepL-Auth-Key <dragoman API key> (or Bearer). Errors
 * carry DeepL's "message" and status codes (403 for a bad key). */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billing/usage.h"
#include "core/html.h"
#include "core/reply.h"
#include "core/utf8.h"
#include "handlers.h"
#include "proc/worker.h"
#include "translate/langcode.h"
#include "translate/provider.h"
#include "translate/translation.h"

/* no workspace limit in characters exists before billing caps do */
#define CHARACTER_LIMIT_NONE 1000000000000LL

enum {
	F_TEXT,
	F_TARGET,
	F_SOURCE,
	F_TAGS,
	F_CONTEXT,
	F_BILLED,
	F_OTHERS
};
static const struct param_spec translate_fields[] = {
	[F_TEXT] = { "text", PARAM_TEXT_ARRAY, 1, 1, 1000, 16L << 20 },
	[F_TARGET] = { "target_lang", PARAM_STRING, 1, 2, 7, 0 },
	[F_SOURCE] = { "source_lang", PARAM_STRING, 0, 2, 7, 0 },
	[F_TAGS] = { "tag_handling", PARAM_STRING, 0, 3, 4, 0 },
	[F_CONTEXT] = { "context", PARAM_TEXT, 0, 0, 4096, 0 },
	[F_BILLED] = { "show_billed_characters", PARAM_BOOL, 0, 0, 1, 0 },
	[F_OTHERS] = { PARAMS_OTHERS, PARAM_STRING, 0, 0, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

/* Builds the DeepL reply for res: one translation per text, in order. */
static struct json_object *translate_body(const struct translation_result *res, const char *source,
    int html, int show_billed)
{
	struct json_object *body = json_object_new_object(), *arr = json_object_new_array();
	char code[8];

	for (size_t i = 0; i < res->n; i++) {
		const struct tcache_entry *e = &res->entries[i];
		struct json_object *t = json_object_new_object();
		json_object_object_add(t, "detected_source_language",
		    json_object_new_string(
		        langcode_to_deepl(res->detected != NULL ? res->detected[i] : source, 0,
		            code)));
		json_object_object_add(t, "text", json_object_new_string(e->translated));
		if (show_billed)
			json_object_object_add(t, "billed_characters",
			    json_object_new_int64(e->hit ? 0
			            : html               ? (long long)html_text_length(e->text)
			                   : (long long)utf8_count(e->text, strlen(e->text))));
		json_object_array_add(arr, t);
	}
	json_object_object_add(body, "translations", arr);
	return body;
}

/* 200 with DeepL's translations; 400 for a language dragoman does not
 * know or an option it does not support; 413; 503 when no provider can. */
static enum problem deepl_translate(struct worker *w, struct request *r, struct reply *rp)
{
	const struct param_value *src = &r->fields[F_SOURCE], *tags = &r->fields[F_TAGS];
	struct translation_request q = { 0 };
	struct translation_result res = { 0 };
	char target[3], source[3];
	const char **texts = NULL;
	size_t n;
	int bad_target;
	enum problem p = translation_texts(w, &r->fields[F_TEXT], &texts, &n, rp);

	if (p != PROBLEM_NONE)
		goto done;
	bad_target = langcode_from_deepl(r->fields[F_TARGET].str, target) < 0;
	if (bad_target || (src->present && langcode_from_deepl(src->str, source) < 0)) {
		snprintf(rp->detail, sizeof(rp->detail), "Value for '%s' not supported.",
		    bad_target ? "target_lang" : "source_lang");
		p = PROBLEM_INVALID_FIELD;
		goto done;
	}
	if (tags->present && strcmp(tags->str, "html") != 0) {
		snprintf(rp->detail, sizeof(rp->detail),
		    "tag_handling '%s' is not supported; use html", tags->str);
		p = PROBLEM_INVALID_FIELD;
		goto done;
	}
	q.texts = texts;
	q.ntexts = n;
	q.source = src->present ? source : NULL;
	q.target = target;
	q.html = tags->present;
	q.context = r->fields[F_CONTEXT].present ? r->fields[F_CONTEXT].str : "";
	p = translation_serve(w, r, &q, &res, rp);
	if (p != PROBLEM_NONE)
		goto done;
	reply_json(rp, 200,
	    translate_body(&res, q.source, q.html,
	        r->fields[F_BILLED].present && r->fields[F_BILLED].num));
done:
	translation_release(&res);
	free(texts);
	return p;
}

/* Appends {"language","name"} for ISO 639-1 code iso1 to arr, as a target
 * when target (then English and Portuguese come as their regional
 * variants, which DeepL clients require). */
static void add_language(struct json_object *arr, const char *iso1, int target)
{
	const char *name = langcode_name(iso1);
	char codes[2][8];
	size_t n = 1;

	if (target)
		n = langcode_deepl_targets(iso1, codes);
	else
		langcode_to_deepl(iso1, 0, codes[0]);
	for (size_t k = 0; k < n; k++) {
		struct json_object *l = json_object_new_object();
		json_object_object_add(l, "language", json_object_new_string(codes[k]));
		json_object_object_add(l, "name", json_object_new_string(name ? name : iso1));
		if (target)
			json_object_object_add(l, "supports_formality", json_object_new_boolean(0));
		json_object_array_add(arr, l);
	}
}

enum {
	Q_TYPE
};
static const struct param_spec languages_query[] = {
	[Q_TYPE] = { "type", PARAM_STRING, 0, 6, 6, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

/* 200 with the source languages, or with ?type=target the targets. */
static enum problem deepl_languages(struct worker *w, struct request *r, struct reply *rp)
{
	const struct param_value *type = &r->query_params[Q_TYPE];
	int target = type->present && strcmp(type->str, "target") == 0;
	struct json_object *pairs, *codes, *arr;

	if (type->present && !target && strcmp(type->str, "source") != 0) {
		snprintf(rp->detail, sizeof(rp->detail), "type must be source or target");
		return PROBLEM_INVALID_FIELD;
	}
	if ((pairs = translation_pairs(w, r->request_id)) == NULL) {
		snprintf(rp->detail, sizeof(rp->detail), "no translation provider is available");
		return PROBLEM_UNAVAILABLE;
	}
	codes = provider_pair_codes(pairs, NULL, target);
	arr = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(codes); i++)
		add_language(arr, json_object_get_string(json_object_array_get_idx(codes, i)),
		    target);
	json_object_put(codes);
	json_object_put(pairs);
	reply_json(rp, 200, arr);
	return PROBLEM_NONE;
}

/* 200 {"character_count","character_limit"}: the characters billed to
 * the workspace this calendar month (UTC). */
static enum problem deepl_usage(struct worker *w, struct request *r, struct reply *rp)
{
	long long billed = usage_month_billed(w, r->ident.workspace_id);
	struct json_object *body;

	if (billed < 0) {
		snprintf(rp->detail, sizeof(rp->detail), "usage cannot be read right now");
		return PROBLEM_UNAVAILABLE;
	}
	body = json_object_new_object();
	json_object_object_add(body, "character_count", json_object_new_int64(billed));
	json_object_object_add(body, "character_limit",
	    json_object_new_int64(CHARACTER_LIMIT_NONE));
	reply_json(rp, 200, body);
	return PROBLEM_NONE;
}

const struct route compat_deepl_routes[] = {
	{ .method = HTTP_POST,
	    .pattern = "/v2/translate",
	    .handler = deepl_translate,
	    .auth = AUTH_KEY_DEEPL,
	    .min_role = ROLE_MEMBER,
	    .body = BODY_FORM_OR_JSON,
	    .fields = translate_fields,
	    .name = "translate.deepl",
	    .metered = 1,
	    .dialect = DIALECT_DEEPL,
	    .idempotency = IDEM_OPTIONAL,
	    .scope = SCOPE_TRANSLATE },
	{ .method = HTTP_GET,
	    .pattern = "/v2/languages",
	    .handler = deepl_languages,
	    .auth = AUTH_KEY_DEEPL,
	    .min_role = ROLE_MEMBER,
	    .body = BODY_NONE,
	    .query = languages_query,
	    .name = "languages.deepl",
	    .dialect = DIALECT_DEEPL,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_TRANSLATE },
	{ .method = HTTP_GET,
	    .pattern = "/v2/usage",
	    .handler = deepl_usage,
	    .auth = AUTH_KEY_DEEPL,
	    .min_role = ROLE_MEMBER,
	    .body = BODY_NONE,
	    .name = "usage.deepl",
	    .dialect = DIALECT_DEEPL,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_TRANSLATE },
	{ .pattern = NULL },
};
