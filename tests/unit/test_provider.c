/* The providers' data: their model names (src/translate/provider.c), and
 * the shared reply classifier (src/translate/provider_reply.c) through
 * each provider's own reply form: which replies are OK, unsupported or
 * failed, what err says, and what is taken from a 200. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "cu_run.h"
#include "translate/provider.h"
#include "translate/provider_reply.h"

/* One reply of provider pr to a translate call of n texts (sent < 0: no
 * reply, with why in the error) and what must come of it: status, err
 * (the whole text) and, on PROVIDER_OK, the texts joined by '|'. */
struct reply_case {
	int line;
	const struct provider *pr;
	int sent;
	long status;
	const char *body;
	size_t n;
	enum provider_status want;
	const char *err;
	const char *texts;
};

static const struct reply_case texts_cases[] = {
	/* no reply: the transport's reason */
	{ __LINE__, &provider_deepl, -1, 0, NULL, 1, PROVIDER_FAILED, "deepl: Operation timed out",
	    NULL },
	{ __LINE__, &provider_apertium, -1, 0, NULL, 1, PROVIDER_FAILED,
	    "apertium: Operation timed out", NULL },
	/* OK replies, in each provider's shape */
	{ __LINE__, &provider_deepl, 0, 200,
	    "{\"translations\":[{\"detected_source_language\":\"EN\",\"text\":\"hola\"},"
	    "{\"text\":\"adi\\u00f3s\"}]}",
	    2, PROVIDER_OK, NULL, "hola|adi\xc3\xb3s" },
	{ __LINE__, &provider_google, 0, 200,
	    "{\"data\":{\"translations\":[{\"translatedText\":\"hola\"}]}}", 1, PROVIDER_OK, NULL,
	    "hola" },
	{ __LINE__, &provider_libretranslate, 0, 200, "{\"translatedText\":\"hola\"}", 1,
	    PROVIDER_OK, NULL, "hola" },
	{ __LINE__, &provider_libretranslate, 0, 200, "{\"translatedText\":[\"hola\"]}", 1,
	    PROVIDER_OK, NULL, "hola" },
	{ __LINE__, &provider_libretranslate, 0, 200, "{\"translatedText\":[\"a\",\"b\"]}", 2,
	    PROVIDER_OK, NULL, "a|b" },
	{ __LINE__, &provider_apertium, 0, 200,
	    "{\"responseData\":{\"translatedText\":\"hola\"},\"responseStatus\":200}", 1,
	    PROVIDER_OK, NULL, "hola" },
	{ __LINE__, &provider_apertium, 0, 200, "{\"responseData\":{\"translatedText\":\"\"}}", 1,
	    PROVIDER_OK, NULL, "" },
	/* a 200 of another shape, or with a count that does not match */
	{ __LINE__, &provider_deepl, 0, 200, "{\"translations\":[{\"text\":\"a\"}]}", 2,
	    PROVIDER_FAILED, "deepl: HTTP 200", NULL },
	{ __LINE__, &provider_deepl, 0, 200, "{\"translations\":[{\"text\":1}]}", 1,
	    PROVIDER_FAILED, "deepl: HTTP 200", NULL },
	{ __LINE__, &provider_deepl, 0, 200, "{\"translations\":\"hola\"}", 1, PROVIDER_FAILED,
	    "deepl: HTTP 200", NULL },
	{ __LINE__, &provider_deepl, 0, 200, "[]", 1, PROVIDER_FAILED, "deepl: HTTP 200", NULL },
	{ __LINE__, &provider_deepl, 0, 200, "not json", 1, PROVIDER_FAILED, "deepl: HTTP 200",
	    NULL },
	{ __LINE__, &provider_deepl, 0, 200, NULL, 1, PROVIDER_FAILED, "deepl: HTTP 200", NULL },
	{ __LINE__, &provider_google, 0, 200, "{\"data\":[]}", 1, PROVIDER_FAILED,
	    "google: HTTP 200", NULL },
	{ __LINE__, &provider_libretranslate, 0, 200, "{\"translatedText\":\"a\"}", 2,
	    PROVIDER_FAILED, "libretranslate: HTTP 200", NULL },
	{ __LINE__, &provider_libretranslate, 0, 200, "{\"translatedText\":null}", 1,
	    PROVIDER_FAILED, "libretranslate: HTTP 200", NULL },
	{ __LINE__, &provider_apertium, 0, 200, "{\"responseData\":{\"translatedText\":[\"a\"]}}",
	    1, PROVIDER_FAILED, "apertium: HTTP 200", NULL },
	{ __LINE__, &provider_apertium, 0, 200, "{\"responseData\":null}", 1, PROVIDER_FAILED,
	    "apertium: HTTP 200", NULL },
	/* a 400 that says the pair or a code is not offered */
	{ __LINE__, &provider_deepl, 0, 400,
	    "{\"message\":\"Value for 'target_lang' not supported.\"}", 1, PROVIDER_UNSUPPORTED,
	    "deepl: Value for 'target_lang' not supported.", NULL },
	{ __LINE__, &provider_google, 0, 400,
	    "{\"error\":{\"code\":400,\"message\":\"Bad language pair: en|xx\"}}", 1,
	    PROVIDER_UNSUPPORTED, "google: Bad language pair: en|xx", NULL },
	{ __LINE__, &provider_google, 0, 400, "{\"error\":{\"message\":\"Invalid Value\"}}", 1,
	    PROVIDER_UNSUPPORTED, "google: Invalid Value", NULL },
	{ __LINE__, &provider_libretranslate, 0, 400, "{\"error\":\"xx is not supported\"}", 1,
	    PROVIDER_UNSUPPORTED, "libretranslate: xx is not supported", NULL },
	{ __LINE__, &provider_libretranslate, 0, 400, "{\"error\":\"Target NOT SUPPORTED\"}", 1,
	    PROVIDER_UNSUPPORTED, "libretranslate: Target NOT SUPPORTED", NULL },
	{ __LINE__, &provider_apertium, 0, 400,
	    "{\"status\":\"error\",\"code\":400,\"explanation\":\"That pair is not installed\"}", 1,
	    PROVIDER_UNSUPPORTED, "apertium: That pair is not installed", NULL },
	{ __LINE__, &provider_apertium, 0, 400, NULL, 1, PROVIDER_UNSUPPORTED,
	    "apertium: bad request", NULL },
	/* a 400 about something else is a failure, and so is every other status */
	{ __LINE__, &provider_deepl, 0, 400, "{\"message\":\"Parameter 'text' not specified.\"}", 1,
	    PROVIDER_FAILED, "deepl: HTTP 400: Parameter 'text' not specified.", NULL },
	{ __LINE__, &provider_deepl, 0, 400, "{}", 1, PROVIDER_FAILED, "deepl: HTTP 400", NULL },
	{ __LINE__, &provider_deepl, 0, 400, "{\"message\":7}", 1, PROVIDER_FAILED,
	    "deepl: HTTP 400", NULL },
	{ __LINE__, &provider_deepl, 0, 403, "{\"message\":\"Wrong key\"}", 1, PROVIDER_FAILED,
	    "deepl: HTTP 403: Wrong key", NULL },
	{ __LINE__, &provider_deepl, 0, 456, "{\"message\":\"Quota exceeded\"}", 1, PROVIDER_FAILED,
	    "deepl: HTTP 456: Quota exceeded", NULL },
	/* a 5xx is a failure whatever its message says */
	{ __LINE__, &provider_deepl, 0, 503, "{\"message\":\"lang service down\"}", 1,
	    PROVIDER_FAILED, "deepl: HTTP 503: lang service down", NULL },
	{ __LINE__, &provider_google, 0, 429, "{\"error\":{\"message\":\"Rate limit\"}}", 1,
	    PROVIDER_FAILED, "google: HTTP 429: Rate limit", NULL },
	{ __LINE__, &provider_google, 0, 400, "{\"error\":\"Bad language pair\"}", 1,
	    PROVIDER_FAILED, "google: HTTP 400", NULL },
	{ __LINE__, &provider_libretranslate, 0, 403, "{\"error\":\"Invalid API key\"}", 1,
	    PROVIDER_FAILED, "libretranslate: HTTP 403: Invalid API key", NULL },
	{ __LINE__, &provider_libretranslate, 0, 500, "<html>oops</html>", 1, PROVIDER_FAILED,
	    "libretranslate: HTTP 500", NULL },
	{ __LINE__, &provider_apertium, 0, 500, "{\"explanation\":\"crashed\"}", 1, PROVIDER_FAILED,
	    "apertium: HTTP 500: crashed", NULL },
	/* OpenAI: no error reply means an unoffered pair */
	{ __LINE__, &provider_openai, 0, 400,
	    "{\"error\":{\"message\":\"language not supported\"}}", 1, PROVIDER_FAILED,
	    "openai: HTTP 400: language not supported", NULL },
	{ __LINE__, &provider_openai, 0, 401, "{\"error\":{\"message\":\"Incorrect API key\"}}", 1,
	    PROVIDER_FAILED, "openai: HTTP 401: Incorrect API key", NULL },
	{ __LINE__, &provider_openai, -1, 0, NULL, 1, PROVIDER_FAILED,
	    "openai: Operation timed out", NULL },
};

/* Fills r with status and a copy of body (NULL: none); sent < 0 gives
 * the transport's reason. */
static void make_reply(struct http_reply *r, int sent, long status, const char *body)
{
	memset(r, 0, sizeof(*r));
	if (sent < 0) {
		snprintf(r->error, sizeof(r->error), "Operation timed out");
		return;
	}
	r->status = status;
	r->body = body != NULL ? strdup(body) : NULL;
	r->len = body != NULL ? strlen(body) : 0;
}

static void test_texts(void)
{
	for (size_t i = 0; i < sizeof(texts_cases) / sizeof(texts_cases[0]); i++) {
		const struct reply_case *c = &texts_cases[i];
		char *out[4] = { NULL }, err[256] = "", joined[256] = "";
		struct http_reply r;
		enum provider_status st;

		make_reply(&r, c->sent, c->status, c->body);
		st = provider_reply_texts(c->pr->reply, c->sent, &r, c->n, out, err, sizeof(err));
		if (st != c->want || (c->err != NULL && strcmp(err, c->err) != 0))
			fprintf(stderr, "\n  line %d: status %d, err \"%s\"\n", c->line, (int)st,
			    err);
		CU_ASSERT_EQUAL(st, c->want);
		if (c->err != NULL)
			CU_ASSERT_STRING_EQUAL(err, c->err);
		for (size_t k = 0; k < c->n; k++) {
			if (st == PROVIDER_OK && out[k] != NULL)
				snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined),
				    "%s%s", k ? "|" : "", out[k]);
			if (st != PROVIDER_OK)
				CU_ASSERT_PTR_NULL(out[k]); /* nothing left allocated */
			free(out[k]);
		}
		if (c->texts != NULL)
			CU_ASSERT_STRING_EQUAL(joined, c->texts);
		http_reply_free(&r);
	}
}

/* provider_reply_doc() leaves a 200 to the caller whatever its body, and
 * hands over the parsed JSON of every reply that has one. */
static void test_doc(void)
{
	struct http_reply r;
	struct json_object *doc;
	char err[256] = "";

	make_reply(&r, 0, 200, "{\"choices\":[]}");
	CU_ASSERT_EQUAL(provider_reply_doc(provider_openai.reply, 0, &r, &doc, err, sizeof(err)),
	    PROVIDER_OK);
	CU_ASSERT_PTR_NOT_NULL(doc);
	json_object_put(doc);
	http_reply_free(&r);

	make_reply(&r, 0, 200, "garbage");
	CU_ASSERT_EQUAL(provider_reply_doc(provider_openai.reply, 0, &r, &doc, err, sizeof(err)),
	    PROVIDER_OK);
	CU_ASSERT_PTR_NULL(doc);
	http_reply_free(&r);

	make_reply(&r, 0, 500, "{\"error\":{\"message\":\"overloaded\"}}");
	CU_ASSERT_EQUAL(provider_reply_doc(provider_openai.reply, 0, &r, &doc, err, sizeof(err)),
	    PROVIDER_FAILED);
	CU_ASSERT_STRING_EQUAL(err, "openai: HTTP 500: overloaded");
	CU_ASSERT_PTR_NOT_NULL(doc);
	json_object_put(doc);
	http_reply_free(&r);

	make_reply(&r, -1, 0, NULL);
	CU_ASSERT_EQUAL(provider_reply_doc(provider_openai.reply, -1, &r, &doc, err, sizeof(err)),
	    PROVIDER_FAILED);
	CU_ASSERT_PTR_NULL(doc);
	http_reply_free(&r);
}

/* A listing reply: the array where the provider keeps it, on a 200 only. */
static const struct list_case {
	int line;
	const struct provider *pr;
	int sent;
	long status;
	const char *body;
	size_t length; /* of the array; (size_t)-1: none, with err */
	const char *err;
} list_cases[] = {
	{ __LINE__, &provider_deepl, 0, 200, "[{\"language\":\"EN-GB\"},{\"language\":\"DE\"}]", 2,
	    NULL },
	{ __LINE__, &provider_libretranslate, 0, 200, "[]", 0, NULL },
	{ __LINE__, &provider_google, 0, 200, "{\"data\":{\"languages\":[{\"language\":\"en\"}]}}",
	    1, NULL },
	{ __LINE__, &provider_apertium, 0, 200, "{\"responseData\":[{},{},{}]}", 3, NULL },
	{ __LINE__, &provider_deepl, 0, 403, "[]", (size_t)-1,
	    "deepl: unexpected /v2/languages reply (HTTP 403)" },
	{ __LINE__, &provider_deepl, 0, 200, "{}", (size_t)-1,
	    "deepl: unexpected /v2/languages reply (HTTP 200)" },
	{ __LINE__, &provider_google, 0, 200, "{\"data\":{\"languages\":{}}}", (size_t)-1,
	    "google: unexpected languages reply (HTTP 200)" },
	{ __LINE__, &provider_apertium, 0, 200, "not json", (size_t)-1,
	    "apertium: unexpected /listPairs reply (HTTP 200)" },
	{ __LINE__, &provider_libretranslate, 0, 502, NULL, (size_t)-1,
	    "libretranslate: unexpected /languages reply (HTTP 502)" },
	{ __LINE__, &provider_libretranslate, -1, 0, NULL, (size_t)-1,
	    "libretranslate: Operation timed out" },
};

static void test_list(void)
{
	for (size_t i = 0; i < sizeof(list_cases) / sizeof(list_cases[0]); i++) {
		const struct list_case *c = &list_cases[i];
		struct http_reply r;
		struct json_object *doc, *list;
		char err[256] = "";

		make_reply(&r, c->sent, c->status, c->body);
		list = provider_reply_list(c->pr->reply, c->sent, &r, &doc, err, sizeof(err));
		if ((list == NULL) != (c->length == (size_t)-1))
			fprintf(stderr, "\n  line %d: err \"%s\"\n", c->line, err);
		if (c->length == (size_t)-1) {
			CU_ASSERT_PTR_NULL(list);
			CU_ASSERT_STRING_EQUAL(err, c->err);
		} else {
			CU_ASSERT_PTR_NOT_NULL_FATAL(list);
			CU_ASSERT_EQUAL(json_object_array_length(list), c->length);
		}
		json_object_put(doc);
		http_reply_free(&r);
	}
}

#define GOOD "database_url = postgresql://u@127.0.0.1/db\nmemcached_servers = 127.0.0.1:11211\n"

/* The model names stored with cached translations and usage rows: the
 * same strings whichever way a provider forms them. */
static void test_models(void)
{
	static const struct {
		const struct provider *pr;
		const char *source, *target, *conf, *want;
	} cases[] = {
		{ &provider_apertium, "en", "es", "", "apertium-eng-spa" },
		{ &provider_apertium, "ca", "oc", "", "apertium-cat-oci" },
		{ &provider_apertium, "xx", "es", "", "apertium-xx-spa" },
		{ &provider_deepl, "en", "es", "", "deepl" },
		{ &provider_google, "en", "es", "", "google-nmt-v2" },
		{ &provider_libretranslate, "en", "es", "", "libretranslate" },
		{ &provider_openai, "en", "es", "", "gpt-4o-mini" },
		{ &provider_openai, "en", "es", "openai_model = llama3.1:8b\n", "llama3.1:8b" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[256], err[256] = "", buf[64];
		struct config *cfg;

		snprintf(text, sizeof(text), "%s%s", GOOD, cases[i].conf);
		cfg = config_parse(text, "t.conf", err, sizeof(err));
		CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
		CU_ASSERT_STRING_EQUAL(provider_model(cases[i].pr, cfg, cases[i].source,
		                           cases[i].target, buf, sizeof(buf)),
		    cases[i].want);
		config_free(cfg);
	}
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "model names", test_models },
		{ "translate replies: OK, unsupported or failed", test_texts },
		{ "the parsed reply for a provider's own reading", test_doc },
		{ "listing replies", test_list },
		{ NULL, NULL },
	};
	return cu_run("provider", tests);
}
