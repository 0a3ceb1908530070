/* Translation through a real web server against the real Apertium APy
 * started by tests/harness/stack (eng<->spa installed). */
#include "autoconfig.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "../unit/cu_run.h"
#include "core/clock.h"
#include "fixture.h"
#include "http.h"

static char key[128], workspace[64];

/* POSTs body (a JSON literal) to path with the test key. */
static long post(const char *path, const char *body, struct http_response *r)
{
	char auth[160];
	const char *h[] = { auth, "Content-Type: application/json", NULL };

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", key);
	return http_request("POST", path, h, body, strlen(body), r);
}

/* Returns translations[i].member of r as a string, or NULL. */
static const char *tr(const struct http_response *r, size_t i, const char *member)
{
	struct json_object *arr, *t, *v;

	if (r->json == NULL || !json_object_object_get_ex(r->json, "translations", &arr) ||
	    (t = json_object_array_get_idx(arr, i)) == NULL ||
	    !json_object_object_get_ex(t, member, &v))
		return NULL;
	return json_object_get_string(v);
}

/* Returns the number of code points in s (a test-side count). */
static long code_points(const char *s)
{
	long n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static void test_single(void)
{
	struct http_response r;
	struct json_object *v;
	const char *in = "The caf\xc3\xa9 is open and the house is red.";
	char body[256];

	snprintf(body, sizeof(body), "{\"text\":\"%s\",\"source\":\"en\",\"target\":\"es\"}", in);
	CU_ASSERT_EQUAL_FATAL(post("/v1/translate", body, &r), 200);
	CU_ASSERT_STRING_EQUAL(http_header(&r, "X-Cache"), "MISS");
	CU_ASSERT_PTR_NOT_NULL_FATAL(tr(&r, 0, "text"));
	CU_ASSERT_PTR_NOT_NULL(strstr(tr(&r, 0, "text"), "casa"));
	CU_ASSERT_PTR_NOT_NULL(strstr(tr(&r, 0, "text"), "roja"));
	CU_ASSERT_STRING_EQUAL(tr(&r, 0, "provider"), "apertium");
	CU_ASSERT_STRING_EQUAL(tr(&r, 0, "model"), "apertium-eng-spa");
	CU_ASSERT_STRING_EQUAL(tr(&r, 0, "cached"), "false");
	CU_ASSERT(json_object_object_get_ex(r.json, "billed_characters", &v) &&
	    json_object_get_int64(v) == code_points(in));
	CU_ASSERT_STRING_EQUAL(http_json_str(&r, "request_id"), http_header(&r, "X-Request-Id"));
	http_free(&r);
}

static void test_batch_keeps_order(void)
{
	struct http_response r;
	struct json_object *arr;

	CU_ASSERT_EQUAL_FATAL(
	    post("/v1/translate",
	        "{\"texts\":[\"Good morning.\","
	        "\"The house is red.\",\"Thank you very much.\"],\"source\":\"en\",\"target\":\"es\"}",
	        &r),
	    200);
	CU_ASSERT(json_object_object_get_ex(r.json, "translations", &arr) &&
	    json_object_array_length(arr) == 3);
	CU_ASSERT_PTR_NOT_NULL(tr(&r, 0, "text") ? strstr(tr(&r, 0, "text"), "Buenos") : NULL);
	CU_ASSERT_PTR_NOT_NULL(tr(&r, 1, "text") ? strstr(tr(&r, 1, "text"), "casa") : NULL);
	CU_ASSERT_PTR_NOT_NULL(tr(&r, 2, "text") ? strstr(tr(&r, 2, "text"), "gracias") : NULL);
	http_free(&r);
}

static void test_reverse_and_html(void)
{
	struct http_response r;

	CU_ASSERT_EQUAL(post("/v1/translate",
	                    "{\"text\":\"La casa es roja.\",\"source\":\"es\","
	                    "\"target\":\"en\"}",
	                    &r),
	    200);
	CU_ASSERT_PTR_NOT_NULL(tr(&r, 0, "text") ? strstr(tr(&r, 0, "text"), "house") : NULL);
	CU_ASSERT_STRING_EQUAL(tr(&r, 0, "model"), "apertium-spa-eng");
	http_free(&r);
	CU_ASSERT_EQUAL(post("/v1/translate",
	                    "{\"text\":\"<p>The <b>house</b> is red.</p>\","
	                    "\"source\":\"en\",\"target\":\"es\",\"format\":\"html\"}",
	                    &r),
	    200);
	const char *t = tr(&r, 0, "text");
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(strncmp(t, "<p>", 3), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "<b>casa</b>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "</p>"));
	/* markup is not billed: "The house is red." */
	struct json_object *v;
	CU_ASSERT(json_object_object_get_ex(r.json, "billed_characters", &v) &&
	    json_object_get_int64(v) == 17);
	http_free(&r);
}

struct bad_case {
	int line;
	const char *body;
	long want;
};

static void test_bad_requests(void)
{
	static const struct bad_case cases[] = {
		{ __LINE__, "{\"source\":\"en\",\"target\":\"es\"}", 400 },
		{ __LINE__,
		    "{\"text\":\"a\",\"texts\":[\"b\"],\"source\":\"en\",\"target\":\"es\"}", 400 },
		{ __LINE__, "{\"texts\":[],\"source\":\"en\",\"target\":\"es\"}", 400 },
		{ __LINE__, "{\"texts\":[\"a\",7],\"source\":\"en\",\"target\":\"es\"}", 400 },
		{ __LINE__, "{\"texts\":[\"\"],\"source\":\"en\",\"target\":\"es\"}", 400 },
		{ __LINE__, "{\"text\":\"a\",\"source\":\"en\"}", 400 },
		{ __LINE__, "{\"text\":\"a\",\"source\":\"en\",\"target\":\"xx\"}", 400 },
		{ __LINE__, "{\"text\":\"a\",\"source\":\"en\",\"target\":\"ko\"}", 400 },
		{ __LINE__, "{\"text\":\"a\",\"source\":\"en\",\"target\":\"en\"}", 400 },
		{ __LINE__,
		    "{\"text\":\"a\",\"source\":\"en\",\"target\":\"es\",\"format\":\"pdf\"}",
		    400 },
		{ __LINE__,
		    "{\"text\":\"a\",\"source\":\"en\",\"target\":\"es\",\"provider\":\"nope\"}",
		    400 },
		{ __LINE__, "{\"text\":\"a\",\"source\":\"en\",\"target\":\"es\",\"price\":0}",
		    400 },
		{ __LINE__, "{\"text\":\"a\\u0000b\",\"source\":\"en\",\"target\":\"es\"}", 400 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct http_response r;
		long st = post("/v1/translate", cases[i].body, &r);
		if (st != cases[i].want)
			fprintf(stderr, "\n  line %d: %ld %s\n", cases[i].line, st, r.body);
		CU_ASSERT_EQUAL(st, cases[i].want);
		CU_ASSERT(http_is_problem(&r));
		http_free(&r);
	}
}

/* An unknown language, or a pair no provider offers, is a 400 that lists
 * what is supported. */
static void test_supported_list(void)
{
	struct http_response r;
	struct json_object *sup;

	CU_ASSERT_EQUAL_FATAL(post("/v1/translate",
	                          "{\"text\":\"a\",\"source\":\"en\","
	                          "\"target\":\"xx\"}",
	                          &r),
	    400);
	CU_ASSERT(http_is_problem(&r));
	CU_ASSERT(json_object_object_get_ex(r.json, "supported", &sup) &&
	    json_object_is_type(sup, json_type_array) && json_object_array_length(sup) > 0);
	http_free(&r);
	CU_ASSERT_EQUAL_FATAL(post("/v1/translate",
	                          "{\"text\":\"hello\",\"source\":\"en\","
	                          "\"target\":\"ko\"}",
	                          &r),
	    400);
	CU_ASSERT(json_object_object_get_ex(r.json, "supported", &sup));
	int has_es = 0, has_ko = 0;
	for (size_t i = 0; sup != NULL && i < json_object_array_length(sup); i++) {
		const char *c = json_object_get_string(json_object_array_get_idx(sup, i));
		has_es |= strcmp(c, "es") == 0;
		has_ko |= strcmp(c, "ko") == 0;
	}
	CU_ASSERT(has_es && !has_ko);
	http_free(&r);
}

static void test_limits(void)
{
	struct http_response r;
	size_t n = 200 * 1024;
	char *big = malloc(n + 128), *many = malloc(51 * 8 + 128);
	size_t k;

	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	CU_ASSERT_PTR_NOT_NULL_FATAL(many);
	k = (size_t)sprintf(many, "{\"source\":\"en\",\"target\":\"es\",\"texts\":[");
	for (int i = 0; i < 51; i++)
		k += (size_t)sprintf(many + k, "%s\"hi\"", i ? "," : "");
	strcpy(many + k, "]}");
	CU_ASSERT_EQUAL(post("/v1/translate", many, &r), 400);
	http_free(&r);
	k = (size_t)sprintf(big, "{\"source\":\"en\",\"target\":\"es\",\"text\":\"");
	memset(big + k, 'a', n);
	strcpy(big + k + n, "\"}");
	CU_ASSERT_EQUAL(post("/v1/translate", big, &r), 413);
	CU_ASSERT(http_is_problem(&r));
	http_free(&r);
	free(big);
	free(many);
}

/* Returns a new JSON body (caller frees): member holds n texts of len
 * letters each, then the members rest ("" when none). */
static char *batch_body(const char *member, int n, size_t len, const char *rest)
{
	size_t cap = (size_t)n * (len + 3) + strlen(member) + strlen(rest) + 16, k;
	char *b = malloc(cap);

	if (b == NULL)
		return NULL;
	k = (size_t)snprintf(b, cap, "{\"%s\":[", member);
	for (int i = 0; i < n; i++) {
		b[k++] = i ? ',' : '"';
		if (i)
			b[k++] = '"';
		memset(b + k, 'a', len);
		k += len;
		b[k++] = '"';
	}
	snprintf(b + k, cap - k, "]%s%s}", rest[0] ? "," : "", rest);
	return b;
}

/* The texts of a request are collected the same way on every route that
 * takes them: a count over translate_max_texts (50) is a 400, bytes over
 * translate_max_bytes (128 KiB) a 413, each with the route's own error
 * member; the DeepL and LibreTranslate routes check their languages and
 * format after the count and before the bytes. */
static void test_text_collection(void)
{
	char auth[160], deepl_auth[160], rest[256];
	const char *bearer[] = { auth, "Content-Type: application/json", NULL };
	const char *deepl[] = { deepl_auth, "Content-Type: application/json", NULL };
	const char *plain[] = { "Content-Type: application/json", NULL };
	static const struct {
		int line;
		const char *path, *member, *rest; /* the key follows as api_key on /translate */
		int n;
		size_t len;
		long want;
		const char *field, *detail; /* the error member, its text (NULL: any) */
	} cases[] = {
		{ __LINE__, "/v1/translate", "texts", "\"source\":\"en\",\"target\":\"es\"", 51, 2,
		    400, "detail", "at most 50 texts per request" },
		{ __LINE__, "/v1/translate", "texts", "\"source\":\"en\",\"target\":\"es\"", 2,
		    70 * 1024, 413, "detail", "at most 131072 bytes of text per request" },
		{ __LINE__, "/v1/translate", "texts", "\"text\":\"a\",\"target\":\"es\"", 1, 2, 400,
		    "detail", "send either text or texts" },
		{ __LINE__, "/v1/detect", "texts", "", 51, 2, 400, "detail",
		    "at most 50 texts per request" },
		{ __LINE__, "/v1/detect", "texts", "", 2, 70 * 1024, 413, "detail",
		    "at most 131072 bytes of text per request" },
		{ __LINE__, "/v2/translate", "text", "\"target_lang\":\"ES\"", 51, 2, 400,
		    "message", "at most 50 texts per request" },
		{ __LINE__, "/v2/translate", "text", "\"target_lang\":\"XX1\"", 51, 2, 400,
		    "message", "at most 50 texts per request" },
		{ __LINE__, "/v2/translate", "text",
		    "\"target_lang\":\"ES\",\"source_lang\":\"EN\"", 2, 70 * 1024, 413, "message",
		    "at most 131072 bytes of text per request" },
		{ __LINE__, "/v2/translate", "text", "\"target_lang\":\"E\"", 2, 70 * 1024, 400,
		    "message", NULL },
		{ __LINE__, "/v2/translate", "text", "\"target_lang\":\"ES1\"", 2, 70 * 1024, 400,
		    "message", "Value for 'target_lang' not supported." },
		{ __LINE__, "/translate", "q", "\"target\":\"es\",\"source\":\"en\"", 51, 2, 400,
		    "error", "at most 50 texts per request" },
		{ __LINE__, "/translate", "q", "\"target\":\"es\",\"source\":\"en\"", 2, 70 * 1024,
		    413, "error", "at most 131072 bytes of text per request" },
		{ __LINE__, "/translate", "q", "\"target\":\"es\",\"format\":\"docx\"", 2,
		    70 * 1024, 400, "error", "format must be text or html" },
	};

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", key);
	snprintf(deepl_auth, sizeof(deepl_auth), "Authorization: DeepL-Auth-Key %s", key);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char **h = strncmp(cases[i].path, "/v1/", 4) == 0 ? bearer
		    : strcmp(cases[i].path, "/v2/translate") == 0       ? deepl
		                                                        : plain;
		struct http_response r;
		char *body;
		const char *got;
		long st;

		snprintf(rest, sizeof(rest), "%s%s%s%s", cases[i].rest,
		    h == plain ? ",\"api_key\":\"" : "", h == plain ? key : "",
		    h == plain ? "\"" : "");
		body = batch_body(cases[i].member, cases[i].n, cases[i].len, rest);
		CU_ASSERT_PTR_NOT_NULL_FATAL(body);
		st = http_request("POST", cases[i].path, h, body, strlen(body), &r);
		got = http_json_str(&r, cases[i].field);
		if (st != cases[i].want || got == NULL ||
		    (cases[i].detail != NULL && strcmp(got, cases[i].detail) != 0))
			fprintf(stderr, "\n  line %d: %ld %s\n", cases[i].line, st,
			    got ? got : "(none)");
		CU_ASSERT_EQUAL(st, cases[i].want);
		CU_ASSERT_PTR_NOT_NULL(got);
		if (got != NULL && cases[i].detail != NULL)
			CU_ASSERT_STRING_EQUAL(got, cases[i].detail);
		http_free(&r);
		free(body);
	}
}

static void test_needs_key(void)
{
	struct http_response r;
	const char *h[] = { "Content-Type: application/json", NULL };

	CU_ASSERT_EQUAL(http_request("POST", "/v1/translate", h,
	                    "{\"text\":\"a\",\"source\":\"en\",\"target\":\"es\"}", 40, &r),
	    401);
	http_free(&r);
	CU_ASSERT_EQUAL(get("/v1/languages", NULL, &r), 401);
	http_free(&r);
}

/* Returns the pair source->target listed in r, or NULL (borrowed). */
static struct json_object *listed_pair(const struct http_response *r, const char *source,
    const char *target)
{
	struct json_object *pairs, *s, *t;

	if (r->json == NULL || !json_object_object_get_ex(r->json, "pairs", &pairs))
		return NULL;
	for (size_t i = 0; i < json_object_array_length(pairs); i++) {
		struct json_object *p = json_object_array_get_idx(pairs, i);
		if (json_object_object_get_ex(p, "source", &s) &&
		    json_object_object_get_ex(p, "target", &t) &&
		    strcmp(json_object_get_string(s), source) == 0 &&
		    strcmp(json_object_get_string(t), target) == 0)
			return p;
	}
	return NULL;
}

/* Returns 1 when the pairs of r hold source->target. */
static int has_pair(const struct http_response *r, const char *source, const char *target)
{
	return listed_pair(r, source, target) != NULL;
}

static void test_languages(void)
{
	struct http_response r;

	CU_ASSERT_EQUAL_FATAL(get("/v1/languages", key, &r), 200);
	CU_ASSERT(has_pair(&r, "en", "es"));
	CU_ASSERT(has_pair(&r, "es", "en"));
	CU_ASSERT(!has_pair(&r, "en", "ko"));
	http_free(&r);
}

static void test_detect(void)
{
	struct http_response r;
	struct json_object *arr, *d, *lang;
	static const char *const want[] = { "en", "es", "de", "fr", NULL };

	CU_ASSERT_EQUAL_FATAL(
	    post("/v1/detect",
	        "{\"texts\":["
	        "\"The weather is lovely today and we are going to the beach.\","
	        "\"El tiempo es muy bueno hoy y vamos a la playa con mis amigos.\","
	        "\"Das Wetter ist heute sehr sch\u00f6n und wir gehen an den Strand.\","
	        "\"Il fait tr\u00e8s beau aujourd'hui et nous allons \u00e0 la plage avec nos amis.\","
	        "\"ok\"]}",
	        &r),
	    200);
	CU_ASSERT_FATAL(json_object_object_get_ex(r.json, "detections", &arr) &&
	    json_object_array_length(arr) == 5);
	for (size_t i = 0; i < 5; i++) {
		d = json_object_array_get_idx(arr, i);
		CU_ASSERT(json_object_object_get_ex(d, "language", &lang));
		if (want[i] != NULL) {
			CU_ASSERT_STRING_EQUAL(json_object_get_string(lang), want[i]);
		} else {
			CU_ASSERT_PTR_NULL(lang);
		}
	}
	http_free(&r);
	CU_ASSERT_EQUAL(post("/v1/detect", "{}", &r), 400);
	CU_ASSERT(http_is_problem(&r));
	http_free(&r);
}

static void test_translate_detects_source(void)
{
	struct http_response r;

	CU_ASSERT_EQUAL_FATAL(
	    post("/v1/translate",
	        "{\"texts\":[\"La casa de mi madre es muy grande.\","
	        "\"El tiempo es muy bueno hoy y vamos a la playa con mis amigos.\"],\"target\":\"en\"}",
	        &r),
	    200);
	CU_ASSERT_STRING_EQUAL(tr(&r, 0, "detected_source"), "es");
	CU_ASSERT_STRING_EQUAL(tr(&r, 1, "detected_source"), "es");
	CU_ASSERT_PTR_NOT_NULL(tr(&r, 0, "text") ? strstr(tr(&r, 0, "text"), "house") : NULL);
	CU_ASSERT_STRING_EQUAL(tr(&r, 0, "model"), "apertium-spa-eng");
	http_free(&r);
	/* "auto" is the same as no source */
	CU_ASSERT_EQUAL(post("/v1/translate",
	                    "{\"text\":\"La casa de mi madre es muy grande.\","
	                    "\"source\":\"auto\",\"target\":\"en\"}",
	                    &r),
	    200);
	CU_ASSERT_STRING_EQUAL(tr(&r, 0, "detected_source"), "es");
	http_free(&r);
	/* already in the target; too short to tell: 400, never echoed back */
	CU_ASSERT_EQUAL(post("/v1/translate",
	                    "{\"text\":\"Good morning to all of you, my dear "
	                    "friends.\",\"target\":\"en\"}",
	                    &r),
	    400);
	CU_ASSERT(http_is_problem(&r));
	http_free(&r);
	CU_ASSERT_EQUAL(post("/v1/translate", "{\"text\":\"ok\",\"target\":\"es\"}", &r), 400);
	CU_ASSERT(http_is_problem(&r));
	http_free(&r);
}

/* Returns 1 when the pair source->target of r lists provider. */
static int pair_has_provider(const struct http_response *r, const char *source, const char *target,
    const char *provider)
{
	struct json_object *p = listed_pair(r, source, target), *list;

	if (p == NULL || !json_object_object_get_ex(p, "providers", &list))
		return 0;
	for (size_t j = 0; j < json_object_array_length(list); j++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(list, j)), provider) ==
		    0)
			return 1;
	return 0;
}

/* Two providers in order (apertium, libretranslate): a pair the first
 * does not offer goes to the second, a pin picks one, a batch is one call. */
static void test_second_provider(void)
{
	struct http_response r;

	CU_ASSERT_EQUAL_FATAL(post("/v1/translate",
	                          "{\"text\":\"The house is red.\",\"source\":\"en\","
	                          "\"target\":\"fr\"}",
	                          &r),
	    200);
	CU_ASSERT_STRING_EQUAL(tr(&r, 0, "provider"), "libretranslate");
	CU_ASSERT_STRING_EQUAL(tr(&r, 0, "text"), "[fr] The house is red.");
	http_free(&r);
	CU_ASSERT_EQUAL_FATAL(post("/v1/translate",
	                          "{\"texts\":[\"One day.\",\"Two days.\"],"
	                          "\"source\":\"en\",\"target\":\"fr\"}",
	                          &r),
	    200);
	CU_ASSERT_STRING_EQUAL(tr(&r, 0, "text"), "[fr] One day.");
	CU_ASSERT_STRING_EQUAL(tr(&r, 1, "text"), "[fr] Two days.");
	http_free(&r);
	CU_ASSERT_EQUAL_FATAL(post("/v1/translate",
	                          "{\"text\":\"The garden is green.\",\"source\":\"en\","
	                          "\"target\":\"es\",\"provider\":\"libretranslate\"}",
	                          &r),
	    200);
	CU_ASSERT_STRING_EQUAL(tr(&r, 0, "provider"), "libretranslate");
	CU_ASSERT_STRING_EQUAL(tr(&r, 0, "text"), "[es] The garden is green.");
	http_free(&r);
	CU_ASSERT_EQUAL_FATAL(get("/v1/languages", key, &r), 200);
	CU_ASSERT(pair_has_provider(&r, "en", "fr", "libretranslate"));
	CU_ASSERT(!pair_has_provider(&r, "en", "fr", "apertium"));
	CU_ASSERT(pair_has_provider(&r, "en", "es", "apertium"));
	CU_ASSERT(pair_has_provider(&r, "en", "es", "libretranslate"));
	http_free(&r);
}

/* Returns translations[i].cached of r: 1, 0, or -1 when absent. */
static int cached(const struct http_response *r, size_t i)
{
	const char *c = tr(r, i, "cached");

	return c == NULL ? -1 : strcmp(c, "true") == 0;
}

/* Returns billed_characters of r, or -1. */
static long billed(const struct http_response *r)
{
	struct json_object *v;

	return r->json && json_object_object_get_ex(r->json, "billed_characters", &v)
	    ? (long)json_object_get_int64(v)
	    : -1;
}

/* Texts unique to this run, so that the cache starts empty for them. */
static char t1[64], t2[64];

static void test_cache_miss_hit_partial(void)
{
	struct http_response r;
	char body[512], first[256];

	snprintf(body, sizeof(body), "{\"text\":\"%s\",\"source\":\"en\",\"target\":\"es\"}", t1);
	CU_ASSERT_EQUAL_FATAL(post("/v1/translate", body, &r), 200);
	CU_ASSERT_STRING_EQUAL(http_header(&r, "X-Cache"), "MISS");
	CU_ASSERT_EQUAL(cached(&r, 0), 0);
	CU_ASSERT_EQUAL(billed(&r), code_points(t1));
	snprintf(first, sizeof(first), "%s", tr(&r, 0, "text") ? tr(&r, 0, "text") : "");
	http_free(&r);
	CU_ASSERT_EQUAL_FATAL(post("/v1/translate", body, &r), 200);
	CU_ASSERT_STRING_EQUAL(http_header(&r, "X-Cache"), "HIT");
	CU_ASSERT_EQUAL(cached(&r, 0), 1);
	CU_ASSERT_EQUAL(billed(&r), 0);
	CU_ASSERT_STRING_EQUAL(tr(&r, 0, "text"), first);
	CU_ASSERT_STRING_EQUAL(tr(&r, 0, "provider"), "apertium");
	http_free(&r);
	snprintf(body, sizeof(body),
	    "{\"texts\":[\"%s\",\"%s\"],\"source\":\"en\",\"target\":\"es\"}", t1, t2);
	CU_ASSERT_EQUAL_FATAL(post("/v1/translate", body, &r), 200);
	CU_ASSERT_STRING_EQUAL(http_header(&r, "X-Cache"), "PARTIAL");
	CU_ASSERT_EQUAL(cached(&r, 0), 1);
	CU_ASSERT_EQUAL(cached(&r, 1), 0);
	CU_ASSERT_EQUAL(billed(&r), code_points(t2));
	http_free(&r);
	/* context is part of the identity */
	snprintf(body, sizeof(body),
	    "{\"text\":\"%s\",\"source\":\"en\",\"target\":\"es\","
	    "\"context\":\"a sign on a door\"}",
	    t1);
	CU_ASSERT_EQUAL(post("/v1/translate", body, &r), 200);
	CU_ASSERT_STRING_EQUAL(http_header(&r, "X-Cache"), "MISS");
	http_free(&r);
}

/* Flushed from memcached, a translation still comes from PostgreSQL. */
static void test_cache_postgres(void)
{
	struct http_response r;
	char body[512];

	CU_ASSERT_EQUAL_FATAL(stack("mc-flush"), 0);
	usleep(1100 * 1000); /* and the workers' memos (local_cache_ms) expire */
	snprintf(body, sizeof(body),
	    "{\"texts\":[\"%s\",\"%s\"],\"source\":\"en\",\"target\":\"es\"}", t2, t1);
	CU_ASSERT_EQUAL_FATAL(post("/v1/translate", body, &r), 200);
	CU_ASSERT_STRING_EQUAL(http_header(&r, "X-Cache"), "HIT");
	CU_ASSERT_EQUAL(cached(&r, 0), 1);
	CU_ASSERT_EQUAL(cached(&r, 1), 1);
	CU_ASSERT_EQUAL(billed(&r), 0);
	http_free(&r);
}


/* A new translation's row in translation_cache commits asynchronously:
 * the request waits for no WAL flush to keep a copy (a trigger notes the
 * setting the row was written under and where it came from: the
 * statement's own, not the server's, which is off in these runs). */
static void test_cache_write_is_asynchronous(void)
{
	struct http_response r;
	char body[256];
	char *seen;

	CU_ASSERT_EQUAL_FATAL(
	    sql_script("CREATE TABLE test_cache_commits (setting text);"
	               "CREATE FUNCTION test_note_commit() RETURNS trigger LANGUAGE plpgsql AS"
	               " $$ BEGIN INSERT INTO test_cache_commits SELECT setting || ' ' || source"
	               " FROM pg_settings WHERE name = 'synchronous_commit'; RETURN NEW; END $$;"
	               "CREATE TRIGGER test_note_commit AFTER INSERT ON translation_cache"
	               " FOR EACH ROW EXECUTE FUNCTION test_note_commit()"),
	    0);
	snprintf(body, sizeof(body),
	    "{\"text\":\"The asynchronous copy %ld.\",\"source\":\"en\",\"target\":\"es\"}",
	    (long)getpid());
	CU_ASSERT_EQUAL(post("/v1/translate", body, &r), 200);
	http_free(&r);
	seen = pg_value("SELECT string_agg(DISTINCT setting, ',') FROM test_cache_commits", NULL);
	CU_ASSERT_PTR_NOT_NULL(seen);
	if (seen != NULL)
		CU_ASSERT_STRING_EQUAL(seen, "off session"); /* set for the statement */
	free(seen);
	CU_ASSERT_EQUAL(sql_script(
	                    "DROP TRIGGER test_note_commit ON translation_cache;"
	                    "DROP FUNCTION test_note_commit(); DROP TABLE test_cache_commits"),
	    0);
}

/* Returns translation_cache.hits of the row whose translation is
 * translated, or -1. */
static long row_hits(const char *translated)
{
	char *v = pg_value("SELECT hits FROM translation_cache WHERE translated = $1", translated);
	long n = v != NULL ? atol(v) : -1;

	free(v);
	return n;
}

/* Translates text en->es; returns the translation (caller frees) or NULL;
 * *xcache gets X-Cache. */
static char *translate_text(const char *text, char xcache[16])
{
	struct http_response r;
	char body[512], *out = NULL;

	snprintf(body, sizeof(body), "{\"text\":\"%s\",\"source\":\"en\",\"target\":\"es\"}", text);
	if (post("/v1/translate", body, &r) == 200 && tr(&r, 0, "text") != NULL) {
		out = strdup(tr(&r, 0, "text"));
		snprintf(xcache, 16, "%s",
		    http_header(&r, "X-Cache") ? http_header(&r, "X-Cache") : "");
	}
	http_free(&r);
	return out;
}

/* A hit served from PostgreSQL counts one in the row; `dragoman-admin
 * cache warm` puts the most-hit rows back into memcached, so that the next
 * hit does not reach PostgreSQL (its counter moves only when sampled). */
static void test_cache_counters_and_warm(void)
{
	char text[96], xc[16], *es, *out;
	long h0, h1, h2;

	snprintf(text, sizeof(text), "The small boat %ld is on the lake.", (long)getpid());
	es = translate_text(text, xc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(es);
	CU_ASSERT_STRING_EQUAL(xc, "MISS");
	h0 = row_hits(es);
	CU_ASSERT_EQUAL(h0, 0);
	CU_ASSERT_EQUAL_FATAL(stack("mc-flush"), 0);
	usleep(1100 * 1000);
	free(translate_text(text, xc));
	CU_ASSERT_STRING_EQUAL(xc, "HIT");
	h1 = row_hits(es);
	CU_ASSERT_EQUAL(h1, h0 + 1);
	CU_ASSERT_EQUAL_FATAL(stack("mc-flush"), 0);
	usleep(1100 * 1000);
	out = admin("cache warm --limit 100000");
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	CU_ASSERT(atol(strstr(out, "warmed=") ? strstr(out, "warmed=") + 7 : "0") >= 1);
	free(out);
	free(translate_text(text, xc));
	CU_ASSERT_STRING_EQUAL(xc, "HIT");
	h2 = row_hits(es);
	CU_ASSERT(h2 == h1 || h2 == h1 + 64); /* from memcached: sampled 1 in 64 */
	free(es);
}

/* GET /v1/cache/stats (admin keys) counts the workspace's segments and
 * hits; `dragoman-admin cache stats` adds the server's counters. */
static void test_cache_stats(void)
{
	struct http_response r;
	struct json_object *o, *pg, *mc, *v;
	char text[96], xc[16];
	long seg0, hit0;

	CU_ASSERT_EQUAL_FATAL(get("/v1/cache/stats?hours=1", key, &r), 200);
	seg0 = atol(http_json_str(&r, "segments"));
	hit0 = atol(http_json_str(&r, "hits"));
	http_free(&r);
	snprintf(text, sizeof(text), "The quiet river %ld is wide.", (long)getpid());
	free(translate_text(text, xc));
	free(translate_text(text, xc));
	CU_ASSERT_EQUAL_FATAL(get("/v1/cache/stats?hours=1", key, &r), 200);
	CU_ASSERT_EQUAL(atol(http_json_str(&r, "segments")), seg0 + 2);
	CU_ASSERT_EQUAL(atol(http_json_str(&r, "hits")), hit0 + 1);
	CU_ASSERT_EQUAL(atol(http_json_str(&r, "misses")), seg0 + 2 - hit0 - 1);
	CU_ASSERT_PTR_NOT_NULL(http_json_str(&r, "hit_rate"));
	CU_ASSERT_PTR_NULL(http_json_str(&r, "memcached")); /* server-wide: not here */
	http_free(&r);
	CU_ASSERT_EQUAL(get("/v1/cache/stats?hours=0", key, &r), 400);
	http_free(&r);
	char *out = admin("cache stats --hours 1");
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	o = json_tokener_parse(out);
	CU_ASSERT(o != NULL && json_object_object_get_ex(o, "postgresql", &pg) &&
	    json_object_object_get_ex(pg, "rows", &v) && json_object_get_int64(v) > 0);
	CU_ASSERT(o != NULL && json_object_object_get_ex(o, "memcached", &mc) &&
	    json_object_object_get_ex(mc, "servers_up", &v) && json_object_get_int(v) == 1);
	CU_ASSERT(o != NULL && json_object_object_get_ex(o, "segments", &v) &&
	    json_object_get_int64(v) >= seg0 + 2);
	json_object_put(o);
	free(out);
}

/* With the provider gone: 503 with Retry-After, never the input echoed;
 * cached translations are still served. */
static void test_provider_down(void)
{
	struct http_response r;

	/* the language list is fetched (and cached) while APy is up */
	CU_ASSERT_EQUAL(get("/v1/languages", key, &r), 200);
	http_free(&r);
	CU_ASSERT_EQUAL_FATAL(stack("apy-stop"), 0);
	char body[256], fresh[64];
	snprintf(fresh, sizeof(fresh), "The old dog %ld sleeps.", (long)getpid());
	snprintf(body, sizeof(body),
	    "{\"texts\":[\"%s\",\"%s\"],\"source\":\"en\",\"target\":\"es\","
	    "\"provider\":\"apertium\"}",
	    t1, fresh);
	CU_ASSERT_EQUAL(post("/v1/translate", body, &r), 503);
	CU_ASSERT(http_is_problem(&r));
	CU_ASSERT_PTR_NOT_NULL(http_header(&r, "Retry-After"));
	CU_ASSERT_PTR_NULL(strstr(r.body, "old dog"));
	http_free(&r);
	snprintf(body, sizeof(body),
	    "{\"text\":\"%s\",\"source\":\"en\",\"target\":\"es\","
	    "\"provider\":\"apertium\"}",
	    t1);
	CU_ASSERT_EQUAL(post("/v1/translate", body, &r), 200);
	CU_ASSERT_STRING_EQUAL(http_header(&r, "X-Cache"), "HIT");
	http_free(&r);
	/* unpinned, the next provider in order takes over */
	snprintf(body, sizeof(body), "{\"text\":\"%s\",\"source\":\"en\",\"target\":\"es\"}",
	    fresh);
	CU_ASSERT_EQUAL(post("/v1/translate", body, &r), 200);
	CU_ASSERT_STRING_EQUAL(tr(&r, 0, "provider"), "libretranslate");
	http_free(&r);
	/* the language list was cached and still answers */
	CU_ASSERT_EQUAL(get("/v1/languages", key, &r), 200);
	http_free(&r);
}


/* Translates body; expects status want and, when 200, that translation 0
 * came from provider with text starting with prefix. */
static void expect_from(int line, const char *body, long want, const char *provider,
    const char *prefix)
{
	struct http_response r;
	long st = post("/v1/translate", body, &r);

	if (st != want ||
	    (want == 200 &&
	        (tr(&r, 0, "provider") == NULL || strcmp(tr(&r, 0, "provider"), provider) != 0 ||
	            strncmp(tr(&r, 0, "text"), prefix, strlen(prefix)) != 0)))
		fprintf(stderr, "\n  line %d: HTTP %ld %s\n", line, st, r.body ? r.body : "");
	CU_ASSERT_EQUAL(st, want);
	if (want == 200 && st == 200) {
		CU_ASSERT_STRING_EQUAL(tr(&r, 0, "provider"), provider);
		CU_ASSERT_EQUAL(strncmp(tr(&r, 0, "text"), prefix, strlen(prefix)), 0);
	}
	if (want >= 500) {
		CU_ASSERT_PTR_NOT_NULL(http_header(&r, "Retry-After"));
	}
	http_free(&r);
}

/* DeepL, Google and an OpenAI-compatible API, each through the client
 * users run against a stand-in speaking that API's wire format. Order
 * here: apertium, libretranslate, deepl, google, openai. */
static void test_saas_providers(void)
{
	struct http_response r;
	char body[512];
	long pid = (long)getpid();

	/* en->de: neither APy nor LibreTranslate has it; DeepL does */
	snprintf(body, sizeof(body), "{\"text\":\"Hello %ld\",\"source\":\"en\",\"target\":\"de\"}",
	    pid);
	expect_from(__LINE__, body, 200, "deepl", "[deepl:DE] Hello");
	/* DeepL wants a regional English target; the client sends EN-US */
	snprintf(body, sizeof(body),
	    "{\"text\":\"Hallo %ld\",\"source\":\"de\",\"target\":\"en\","
	    "\"provider\":\"deepl\"}",
	    pid);
	expect_from(__LINE__, body, 200, "deepl", "[deepl:EN-US] Hallo");
	/* pins */
	snprintf(body, sizeof(body),
	    "{\"text\":\"Hello %ld\",\"source\":\"en\",\"target\":\"de\","
	    "\"provider\":\"google\"}",
	    pid);
	expect_from(__LINE__, body, 200, "google", "[google:de] Hello");
	snprintf(body, sizeof(body),
	    "{\"text\":\"Hello %ld\",\"source\":\"en\",\"target\":\"it\","
	    "\"provider\":\"openai\"}",
	    pid);
	expect_from(__LINE__, body, 200, "openai", "[openai:it] Hello");
	/* a pair the pinned provider refuses is a 400, not a failure */
	snprintf(body, sizeof(body),
	    "{\"text\":\"Hello %ld\",\"source\":\"en\",\"target\":\"fr\","
	    "\"provider\":\"google\"}",
	    pid);
	expect_from(__LINE__, body, 400, NULL, NULL);
	/* DeepL out of quota (456) passes the text on to Google */
	snprintf(body, sizeof(body), "{\"text\":\"QUOTA %ld\",\"source\":\"en\",\"target\":\"de\"}",
	    pid);
	expect_from(__LINE__, body, 200, "google", "[google:de] QUOTA");
	/* a cut-off model answer is a failure, never a translation */
	snprintf(body, sizeof(body),
	    "{\"text\":\"TRUNCATE me %ld\",\"source\":\"en\",\"target\":\"it\","
	    "\"provider\":\"openai\"}",
	    pid);
	expect_from(__LINE__, body, 503, NULL, NULL);
	/* a DeepL batch is one call, in order; the model is reported */
	snprintf(body, sizeof(body),
	    "{\"texts\":[\"one %ld\",\"two %ld\",\"three %ld\"],"
	    "\"source\":\"en\",\"target\":\"ja\"}",
	    pid, pid, pid);
	CU_ASSERT_EQUAL_FATAL(post("/v1/translate", body, &r), 200);
	CU_ASSERT_EQUAL(strncmp(tr(&r, 0, "text"), "[deepl:JA] one", 14), 0);
	CU_ASSERT_EQUAL(strncmp(tr(&r, 1, "text"), "[deepl:JA] two", 14), 0);
	CU_ASSERT_EQUAL(strncmp(tr(&r, 2, "text"), "[deepl:JA] three", 16), 0);
	CU_ASSERT_STRING_EQUAL(tr(&r, 0, "model"), "deepl");
	http_free(&r);
	snprintf(body, sizeof(body),
	    "{\"text\":\"Model %ld\",\"source\":\"en\",\"target\":\"es\","
	    "\"provider\":\"openai\"}",
	    pid);
	CU_ASSERT_EQUAL(post("/v1/translate", body, &r), 200);
	CU_ASSERT_STRING_EQUAL(tr(&r, 0, "model"), "fixture-model");
	http_free(&r);
	/* the pair list merges all five, in order, ISO 639-1 only */
	CU_ASSERT_EQUAL_FATAL(get("/v1/languages", key, &r), 200);
	struct json_object *p = listed_pair(&r, "en", "ja"), *prov;
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT(json_object_object_get_ex(p, "providers", &prov) &&
	    json_object_array_length(prov) == 2 &&
	    strcmp(json_object_get_string(json_object_array_get_idx(prov, 0)), "deepl") == 0 &&
	    strcmp(json_object_get_string(json_object_array_get_idx(prov, 1)), "google") == 0);
	CU_ASSERT(has_pair(&r, "it", "de")); /* openai_languages */
	CU_ASSERT(!has_pair(&r, "en", "zh-CN"));
	CU_ASSERT(!has_pair(&r, "en", "en"));
	http_free(&r);
}

/* When every provider asked fails, a translation another configured
 * provider made earlier is served, marked degraded (and not billed). */
static void test_degraded(void)
{
	struct http_response r;
	char body[512];
	struct json_object *v;
	long pid = (long)getpid();

	snprintf(body, sizeof(body),
	    "{\"text\":\"Old GOOGLE503 %ld\",\"source\":\"en\","
	    "\"target\":\"de\",\"provider\":\"deepl\"}",
	    pid);
	expect_from(__LINE__, body, 200, "deepl", "[deepl:DE] Old");
	snprintf(body, sizeof(body),
	    "{\"text\":\"Old GOOGLE503 %ld\",\"source\":\"en\","
	    "\"target\":\"de\",\"provider\":\"google\"}",
	    pid);
	CU_ASSERT_EQUAL_FATAL(post("/v1/translate", body, &r), 200);
	CU_ASSERT_STRING_EQUAL(tr(&r, 0, "provider"), "deepl");
	CU_ASSERT_STRING_EQUAL(tr(&r, 0, "degraded"), "true");
	CU_ASSERT_STRING_EQUAL(tr(&r, 0, "cached"), "true");
	CU_ASSERT(json_object_object_get_ex(r.json, "billed_characters", &v) &&
	    json_object_get_int64(v) == 0);
	http_free(&r);
	/* a normal answer carries no degraded member */
	snprintf(body, sizeof(body),
	    "{\"text\":\"Old GOOGLE503 %ld\",\"source\":\"en\","
	    "\"target\":\"de\",\"provider\":\"deepl\"}",
	    pid);
	CU_ASSERT_EQUAL(post("/v1/translate", body, &r), 200);
	CU_ASSERT_PTR_NULL(tr(&r, 0, "degraded"));
	http_free(&r);
	/* nothing cached anywhere: 503 */
	snprintf(body, sizeof(body),
	    "{\"text\":\"New GOOGLE503 %ld\",\"source\":\"en\","
	    "\"target\":\"de\",\"provider\":\"google\"}",
	    pid);
	expect_from(__LINE__, body, 503, NULL, NULL);
}

/* PATCHes /v1/workspace with body; returns the status. */
static long patch_workspace(const char *body, struct http_response *r)
{
	char auth[160];
	const char *h[] = { auth, "Content-Type: application/json", NULL };

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", key);
	return http_request("PATCH", "/v1/workspace", h, body, strlen(body), r);
}

/* A workspace's own provider order wins over the server's; an empty list
 * returns to the server's; only configured providers are accepted. */
static void test_workspace_provider_order(void)
{
	struct http_response r;
	struct json_object *ws, *prov;
	char body[256];
	long pid = (long)getpid();

	CU_ASSERT_EQUAL_FATAL(patch_workspace("{\"providers\":[\"google\",\"deepl\"]}", &r), 200);
	CU_ASSERT(json_object_object_get_ex(r.json, "workspace", &ws) &&
	    json_object_object_get_ex(ws, "providers", &prov) &&
	    json_object_array_length(prov) == 2 &&
	    strcmp(json_object_get_string(json_object_array_get_idx(prov, 0)), "google") == 0);
	http_free(&r);
	usleep(1100 * 1000); /* every worker's memo of the workspace expires */
	snprintf(body, sizeof(body),
	    "{\"text\":\"Order one %ld\",\"source\":\"en\",\"target\":\"de\"}", pid);
	expect_from(__LINE__, body, 200, "google", "[google:de] Order one");
	/* en->es: neither google nor deepl offers it here, so nothing is left */
	snprintf(body, sizeof(body),
	    "{\"text\":\"Order two %ld\",\"source\":\"en\",\"target\":\"es\"}", pid);
	expect_from(__LINE__, body, 400, NULL, NULL);
	CU_ASSERT_EQUAL(patch_workspace("{\"providers\":[\"nope\"]}", &r), 400);
	http_free(&r);
	CU_ASSERT_EQUAL(patch_workspace("{\"providers\":[\"deepl\",\"deepl\"]}", &r), 400);
	http_free(&r);
	CU_ASSERT_EQUAL_FATAL(patch_workspace("{\"providers\":[]}", &r), 200);
	CU_ASSERT(json_object_object_get_ex(r.json, "workspace", &ws) &&
	    json_object_object_get_ex(ws, "providers", &prov) && prov == NULL);
	http_free(&r);
	usleep(1100 * 1000);
	snprintf(body, sizeof(body),
	    "{\"text\":\"Order three %ld\",\"source\":\"en\",\"target\":\"de\"}", pid);
	expect_from(__LINE__, body, 200, "deepl", "[deepl:DE] Order three");
}

/* Posts body with the request id rid; returns the status. */
static long post_with_id(const char *path, const char *body, const char *rid)
{
	char auth[160], idh[96];
	const char *h[] = { auth, "Content-Type: application/json", idh, NULL };
	struct http_response r;
	long st;

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", key);
	snprintf(idh, sizeof(idh), "X-Request-Id: %s", rid);
	st = http_request("POST", path, h, body, strlen(body), &r);
	http_free(&r);
	return st;
}

/* Returns column col of the usage event of request rid (caller frees). */
static char *event(const char *rid, const char *col)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT %s::text FROM usage_events WHERE request_id = $1", col);
	return pg_value(sql, rid);
}

/* Asserts that column col of the event of rid is want (NULL: no row). */
static void expect_event(int line, const char *rid, const char *col, const char *want)
{
	char *v = event(rid, col);

	if ((v == NULL) != (want == NULL) || (v != NULL && strcmp(v, want) != 0))
		fprintf(stderr, "\n  line %d: %s of %s is %s, want %s\n", line, col, rid,
		    v ? v : "(none)", want ? want : "(none)");
	if (want == NULL) {
		CU_ASSERT_PTR_NULL(v);
	} else {
		CU_ASSERT_PTR_NOT_NULL(v);
		if (v != NULL) {
			CU_ASSERT_STRING_EQUAL(v, want);
		}
	}
	free(v);
}

/* Every translate/detect request writes one usage event, committed
 * before the response: misses, hits, failures and detections alike. */
static void test_usage_events(void)
{
	char rid[64], body[512];
	long pid = (long)getpid();

	snprintf(rid, sizeof(rid), "usage-miss-%ld", pid);
	snprintf(body, sizeof(body),
	    "{\"texts\":[\"The dog %ld runs.\",\"caf\xc3\xa9\"],"
	    "\"source\":\"en\",\"target\":\"es\"}",
	    pid);
	CU_ASSERT_EQUAL_FATAL(post_with_id("/v1/translate", body, rid), 200);
	expect_event(__LINE__, rid, "count(*) OVER ()", "1");
	expect_event(__LINE__, rid, "endpoint", "translate");
	expect_event(__LINE__, rid, "status", "200");
	expect_event(__LINE__, rid, "source || '>' || target", "en>es");
	expect_event(__LINE__, rid, "provider || '/' || model", "apertium/apertium-eng-spa");
	expect_event(__LINE__, rid, "segments || '/' || cached_segments", "2/0");
	char chars[32], t1text[64];
	snprintf(t1text, sizeof(t1text), "The dog %ld runs.", pid);
	snprintf(chars, sizeof(chars), "%ld", code_points(t1text) + code_points("caf\xc3\xa9"));
	expect_event(__LINE__, rid, "characters", chars);
	expect_event(__LINE__, rid, "billed_characters", chars);
	expect_event(__LINE__, rid, "cached", "false");
	expect_event(__LINE__, rid, "workspace_id", workspace);
	expect_event(__LINE__, rid, "api_key_id IS NOT NULL", "true");
	/* the same again: all cached, nothing billed */
	snprintf(rid, sizeof(rid), "usage-hit-%ld", pid);
	CU_ASSERT_EQUAL(post_with_id("/v1/translate", body, rid), 200);
	expect_event(__LINE__, rid, "segments || '/' || cached_segments", "2/2");
	expect_event(__LINE__, rid, "billed_characters", "0");
	expect_event(__LINE__, rid, "cached", "true");
	/* a refused request is recorded with its status */
	snprintf(rid, sizeof(rid), "usage-bad-%ld", pid);
	CU_ASSERT_EQUAL(post_with_id("/v1/translate", "{\"text\":\"x\",\"target\":\"qq\"}", rid),
	    400);
	expect_event(__LINE__, rid, "status", "400");
	/* detection */
	snprintf(rid, sizeof(rid), "usage-detect-%ld", pid);
	CU_ASSERT_EQUAL(post_with_id("/v1/detect",
	                    "{\"text\":\"Der Hund spielt im Garten mit dem "
	                    "Ball.\"}",
	                    rid),
	    200);
	snprintf(chars, sizeof(chars), "detect 1 %ld",
	    code_points("Der Hund spielt im Garten mit dem Ball."));
	expect_event(__LINE__, rid, "endpoint || ' ' || segments || ' ' || characters", chars);
	/* no key, no workspace: nothing to record */
	snprintf(rid, sizeof(rid), "usage-nokey-%ld", pid);
	{
		const char *h[] = { "Content-Type: application/json", NULL };
		char idh[96];
		struct http_response r;
		snprintf(idh, sizeof(idh), "X-Request-Id: %s", rid);
		const char *h2[] = { h[0], idh, NULL };
		CU_ASSERT_EQUAL(http_request("POST", "/v1/translate", h2, "{}", 2, &r), 401);
		http_free(&r);
	}
	expect_event(__LINE__, rid, "status", NULL);
}

/* A response that has left the worker has its event committed: killing
 * every worker with SIGKILL right after the response loses none. */
static void test_usage_survives_sigkill(void)
{
	char rid[64], body[256];
	int ok = 0;

	for (int i = 0; i < 5; i++) {
		long st = 0;
		/* a request right after a kill may meet the dead worker; those
		 * fail before any response and are retried under a new id */
		for (int attempt = 0; attempt < 50 && st != 200; attempt++) {
			snprintf(rid, sizeof(rid), "usage-kill-%ld-%d-%d", (long)getpid(), i,
			    attempt);
			snprintf(body, sizeof(body),
			    "{\"text\":\"Kill %d %ld\",\"source\":\"en\","
			    "\"target\":\"es\"}",
			    i, (long)getpid());
			st = post_with_id("/v1/translate", body, rid);
			if (st != 200)
				usleep(100 * 1000);
		}
		if (st != 200)
			continue;
		ok++;
		CU_ASSERT(kill_workers() >= 1);
		expect_event(__LINE__, rid, "status", "200");
	}
	CU_ASSERT_EQUAL(ok, 5);
	/* the server replaces the workers before the next test */
	CU_ASSERT_EQUAL(wait_for_service(), 0);
}

/* Runs tests/integration/npm/<script> (from the copy the run script
 * installed) against this stack with key k; returns its JSON output
 * (caller json_object_put()s), or NULL. */
static struct json_object *run_client(const char *script, const char *k)
{
	const char *dir = getenv("DRAGOMAN_NPM_DIR"), *url = getenv("DRAGOMAN_TEST_URL");
	char cmd[1024], *buf = calloc(1, 1 << 20);
	struct json_object *o = NULL;
	size_t n;
	FILE *p;

	if (dir == NULL || url == NULL || buf == NULL) {
		fprintf(stderr,
		    "\n  DRAGOMAN_NPM_DIR is not set (tests/integration/run sets it)\n");
		free(buf);
		return NULL;
	}
	snprintf(cmd, sizeof(cmd), "node '%s/%s' '%s' '%s'", dir, script, url, k);
	if ((p = popen(cmd, "r")) != NULL) {
		n = fread(buf, 1, (1 << 20) - 1, p);
		buf[n] = '\0';
		if (pclose(p) == 0)
			o = json_tokener_parse(buf);
	}
	if (o == NULL)
		fprintf(stderr, "\n  %s failed: %s\n", script, buf);
	free(buf);
	return o;
}

/* Returns member a (then b, when not NULL) of o as a string, or "". */
static const char *member(struct json_object *o, const char *a, const char *b)
{
	struct json_object *x = NULL, *y = NULL;

	if (o == NULL || !json_object_object_get_ex(o, a, &x))
		return "";
	if (b != NULL && !json_object_object_get_ex(x, b, &y))
		return "";
	return json_object_get_string(b != NULL ? y : x);
}

/* Returns 1 when the array member name of o holds the string s. */
static int holds(struct json_object *o, const char *name, const char *s)
{
	struct json_object *arr;

	if (o == NULL || !json_object_object_get_ex(o, name, &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return 0;
	for (size_t i = 0; i < json_object_array_length(arr); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(arr, i)), s) == 0)
			return 1;
	return 0;
}

/* The official DeepL client, deepl-node, pointed at dragoman. */
static void test_deepl_node(void)
{
	struct json_object *o = run_client("deepl-client.mjs", key), *b;

	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_PTR_NOT_NULL(strstr(member(o, "single", "text"), "casa"));
	CU_ASSERT_STRING_EQUAL(member(o, "single", "detected"), "en");
	char billed[24];
	snprintf(billed, sizeof(billed), "%ld",
	    code_points("The house is red and the garden is green."));
	CU_ASSERT_STRING_EQUAL(member(o, "single", "billed"), billed);
	if (!json_object_object_get_ex(o, "batch", &b) || !json_object_is_type(b, json_type_array))
		fprintf(stderr, "\n  deepl-node batch: %s\n", json_object_to_json_string(b));
	CU_ASSERT(json_object_object_get_ex(o, "batch", &b) &&
	    json_object_is_type(b, json_type_array) && json_object_array_length(b) == 2 &&
	    strstr(json_object_get_string(json_object_array_get_idx(b, 1)), "perro") != NULL);
	CU_ASSERT_STRING_EQUAL(member(o, "auto", "detected"), "en");
	CU_ASSERT_PTR_NOT_NULL(strstr(member(o, "auto", "text"), "gato"));
	CU_ASSERT_PTR_NOT_NULL(strstr(member(o, "html", "text"), "<b>casa</b>"));
	CU_ASSERT(atol(member(o, "usage", "count")) >= atol(billed));
	CU_ASSERT_STRING_EQUAL(member(o, "usage", "reached"), "false");
	CU_ASSERT(holds(o, "sources", "en") && holds(o, "sources", "es"));
	CU_ASSERT(holds(o, "targets", "en-US") && holds(o, "targets", "es"));
	CU_ASSERT_STRING_EQUAL(member(o, "bad_key", "error"), "AuthorizationError");
	CU_ASSERT_STRING_EQUAL(member(o, "bad_target", "error"), "DeepLError");
	json_object_put(o);
}

/* The DeepL routes on the wire: form and JSON bodies, the cache, the
 * month's usage counting exactly the billed characters, DeepL's errors. */
static void test_deepl_wire(void)
{
	char auth[160], body[512], *before;
	const char *form[] = { auth, "Content-Type: application/x-www-form-urlencoded", NULL };
	const char *json[] = { auth, "Content-Type: application/json", NULL };
	const char *bad[] = { "Authorization: DeepL-Auth-Key dgm_00000000_000000000000000000000000"
		              "000000000000000000000000",
		"Content-Type: application/x-www-form-urlencoded", NULL };
	struct http_response r;
	long pid = (long)getpid();
	int len;

	snprintf(auth, sizeof(auth), "Authorization: DeepL-Auth-Key %s", key);
	CU_ASSERT_EQUAL_FATAL(get("/v2/usage", key, &r), 200);
	before = strdup(
	    http_json_str(&r, "character_count") ? http_json_str(&r, "character_count") : "");
	http_free(&r);
	len = snprintf(body, sizeof(body),
	    "text=The+green+door+%ld+is+open.&text=caf%%C3%%A9+%ld"
	    "&target_lang=ES&source_lang=EN&split_sentences=1",
	    pid, pid);
	CU_ASSERT_EQUAL_FATAL(http_request("POST", "/v2/translate", form, body, (size_t)len, &r),
	    200);
	CU_ASSERT_STRING_EQUAL(http_header(&r, "X-Cache"), "MISS");
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"detected_source_language\":\"EN\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "puerta"));
	http_free(&r);
	len = snprintf(body, sizeof(body),
	    "{\"text\":[\"The green door %ld is open.\"],"
	    "\"target_lang\":\"es\",\"source_lang\":\"en\"}",
	    pid);
	CU_ASSERT_EQUAL(http_request("POST", "/v2/translate", json, body, (size_t)len, &r), 200);
	CU_ASSERT_STRING_EQUAL(http_header(&r, "X-Cache"), "HIT");
	http_free(&r);
	/* billed: both texts of the first call, nothing for the cached one */
	char first[64], want[32];
	snprintf(first, sizeof(first), "The green door %ld is open.caf\xc3\xa9 %ld", pid, pid);
	snprintf(want, sizeof(want), "%ld", atol(before) + code_points(first));
	CU_ASSERT_EQUAL(get("/v2/usage", key, &r), 200);
	CU_ASSERT_STRING_EQUAL(http_json_str(&r, "character_count"), want);
	http_free(&r);
	free(before);
	/* DeepL's errors: 403 with "message" for a bad key, 400 for a bad language */
	CU_ASSERT_EQUAL(http_request("POST", "/v2/translate", bad, "text=a&target_lang=ES", 21, &r),
	    403);
	CU_ASSERT_PTR_NOT_NULL(http_json_str(&r, "message"));
	http_free(&r);
	CU_ASSERT_EQUAL(http_request("POST", "/v2/translate", form, "text=a&target_lang=XX", 21,
	                    &r),
	    400);
	CU_ASSERT_PTR_NOT_NULL(http_json_str(&r, "message"));
	http_free(&r);
	CU_ASSERT_EQUAL(http_request("POST", "/v2/translate", form, "target_lang=ES", 14, &r), 400);
	http_free(&r);
	CU_ASSERT_EQUAL(http_request("POST", "/v2/translate", form,
	                    "text=a&text=b&target_lang=ES"
	                    "&target_lang=DE",
	                    43, &r),
	    400);
	http_free(&r);
}

/* The `translate` npm package with engine "libre", pointed at dragoman. */
static void test_libre_client(void)
{
	struct json_object *o = run_client("libre-client.mjs", key);

	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_PTR_NOT_NULL(strstr(member(o, "single", NULL), "casa"));
	CU_ASSERT_PTR_NOT_NULL(strstr(member(o, "reverse", NULL), "house"));
	CU_ASSERT_PTR_NOT_NULL(strstr(member(o, "bad_key", "error"), "unknown or revoked"));
	json_object_put(o);
}

/* The LibreTranslate routes on the wire: q as text or array, auto
 * detection, /detect, /languages, api_key in a form, "error" on failure. */
static void test_libre_wire(void)
{
	const char *json[] = { "Content-Type: application/json", NULL };
	const char *form[] = { "Content-Type: application/x-www-form-urlencoded", NULL };
	char body[512];
	struct http_response r;
	struct json_object *t, *d;
	int len;

	len = snprintf(body, sizeof(body),
	    "{\"q\":[\"The house is red and the garden is green.\","
	    "\"Good morning, my friend, how are you today?\"],\"source\":\"auto\",\"target\":\"es\","
	    "\"api_key\":\"%s\"}",
	    key);
	CU_ASSERT_EQUAL_FATAL(http_request("POST", "/translate", json, body, (size_t)len, &r), 200);
	CU_ASSERT(json_object_object_get_ex(r.json, "translatedText", &t) &&
	    json_object_is_type(t, json_type_array) && json_object_array_length(t) == 2);
	CU_ASSERT(json_object_object_get_ex(r.json, "detectedLanguage", &d) &&
	    json_object_array_length(d) == 2 &&
	    strcmp(member(json_object_array_get_idx(d, 0), "language", NULL), "en") == 0);
	http_free(&r);
	len = snprintf(body, sizeof(body), "q=Der+Hund+spielt+im+Garten+mit+dem+Ball.&api_key=%s",
	    key);
	CU_ASSERT_EQUAL(http_request("POST", "/detect", form, body, (size_t)len, &r), 200);
	CU_ASSERT(r.json != NULL && json_object_is_type(r.json, json_type_array) &&
	    strcmp(member(json_object_array_get_idx(r.json, 0), "language", NULL), "de") == 0);
	http_free(&r);
	CU_ASSERT_EQUAL(http_request("GET", "/languages", NULL, NULL, 0, &r), 200);
	CU_ASSERT(r.json != NULL && json_object_is_type(r.json, json_type_array) &&
	    json_object_array_length(r.json) > 0);
	int found = 0;
	for (size_t i = 0; r.json != NULL && i < json_object_array_length(r.json); i++)
		if (strcmp(member(json_object_array_get_idx(r.json, i), "code", NULL), "en") == 0)
			found = holds(json_object_array_get_idx(r.json, i), "targets", "es");
	CU_ASSERT(found);
	http_free(&r);
	len = snprintf(body, sizeof(body), "{\"target\":\"es\",\"api_key\":\"%s\"}", key);
	CU_ASSERT_EQUAL(http_request("POST", "/translate", json, body, (size_t)len, &r), 400);
	CU_ASSERT_PTR_NOT_NULL(http_json_str(&r, "error"));
	http_free(&r);
	const char *nokey = "{\"q\":\"a\",\"target\":\"es\"}";
	CU_ASSERT_EQUAL(http_request("POST", "/translate", json, nokey, strlen(nokey), &r), 403);
	CU_ASSERT_PTR_NOT_NULL(http_json_str(&r, "error"));
	http_free(&r);
}

/* Usage partitions: made ahead by `dragoman-admin partitions ensure`, and
 * whole old months dropped past usage_retention_months (no DELETE). */
static void test_usage_partitions(void)
{
	char *out, *ahead, *old, want[64];
	PGconn *pg;
	PGresult *res;

	out = admin("partitions ensure --months 5");
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	free(out);
	ahead = pg_value("SELECT to_char(date_trunc('month', now() AT TIME ZONE 'UTC') + "
	                 "interval '5 months', 'YYYY_MM')",
	    NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ahead);
	out = admin("partitions list");
	snprintf(want, sizeof(want), "usage_events_%s", ahead);
	CU_ASSERT_PTR_NOT_NULL(out != NULL ? strstr(out, want) : NULL);
	free(out);
	free(ahead);
	/* an event of three years ago, in its own month */
	pg = pg_connect();
	res = PQexec(pg,
	    "SELECT usage_events_ensure_partitions(now() - interval '36 months', 1);"
	    "INSERT INTO usage_events (created_at, workspace_id, request_id, endpoint, status,"
	    " duration_ms) VALUES (now() - interval '36 months', gen_random_uuid(), 'ancient',"
	    " 'translate', 200, 1)");
	CU_ASSERT_EQUAL(PQresultStatus(res), PGRES_COMMAND_OK);
	PQclear(res);
	PQfinish(pg);
	old = pg_value("SELECT to_char(now() - interval '36 months', 'YYYY_MM')", NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(old);
	setenv("DRAGOMAN_USAGE_RETENTION_MONTHS", "24", 1);
	out = admin("partitions ensure");
	unsetenv("DRAGOMAN_USAGE_RETENTION_MONTHS");
	snprintf(want, sizeof(want), "dropped=usage_events_%s", old);
	CU_ASSERT_PTR_NOT_NULL(out != NULL ? strstr(out, want) : NULL);
	free(out);
	free(old);
	CU_ASSERT_PTR_NULL(
	    pg_value("SELECT 1 FROM usage_events WHERE request_id = 'ancient'", NULL));
	/* this month's events stay */
	CU_ASSERT_PTR_NOT_NULL(pg_value("SELECT 1 FROM usage_events WHERE created_at > now() - "
	                                "interval '1 day' LIMIT 1",
	    NULL));
}

/* The hourly rollup sums closed hours exactly once: requests, errors,
 * characters, cost and the response-time histogram match the raw events. */
static void test_usage_rollup(void)
{
	PGconn *pg = pg_connect();
	PGresult *res;
	char *ws, *out, *raw, *rolled;

	res = PQexec(pg,
	    "CREATE TEMP TABLE t AS SELECT gen_random_uuid() AS ws;"
	    "INSERT INTO usage_events (created_at, workspace_id, request_id, endpoint, provider,"
	    " source, target, characters, billed_characters, segments, cached_segments, status,"
	    " duration_ms, cost_micros)"
	    " SELECT now() - interval '3 hours' + (i % 120) * interval '1 minute', t.ws, 'roll-' || i,"
	    " 'translate', CASE WHEN i % 3 = 0 THEN 'deepl' ELSE 'apertium' END, 'en', 'es',"
	    " 10 + i, CASE WHEN i % 4 = 0 THEN 0 ELSE 10 + i END, 1, CASE WHEN i % 4 = 0 THEN 1"
	    " ELSE 0 END, CASE WHEN i % 10 = 0 THEN 503 ELSE 200 END, i % 700, i * 7"
	    " FROM generate_series(1, 500) i, t");
	CU_ASSERT_EQUAL(PQresultStatus(res), PGRES_COMMAND_OK);
	PQclear(res);
	res = PQexec(pg, "SELECT ws FROM t");
	ws = PQntuples(res) == 1 ? strdup(PQgetvalue(res, 0, 0)) : NULL;
	PQclear(res);
	PQfinish(pg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ws);
	out = admin("rollup");
	CU_ASSERT_PTR_NOT_NULL(out);
	free(out);
	out = admin("rollup"); /* again: nothing counted twice */
	CU_ASSERT_PTR_NOT_NULL(out);
	free(out);
#define CLOSED "created_at < date_trunc('hour', now() - interval '1 minute')"
	raw = pg_value(
	    "SELECT count(*) || '/' || count(*) FILTER (WHERE status >= 400) || '/' ||"
	    " sum(characters) || '/' || sum(billed_characters) || '/' || sum(cost_micros) || '/' ||"
	    " sum(cached_segments) || '/' || sum(duration_ms) FROM usage_events"
	    " WHERE workspace_id = $1 AND " CLOSED,
	    ws);
	rolled = pg_value(
	    "SELECT sum(requests) || '/' || sum(errors) || '/' || sum(characters) ||"
	    " '/' || sum(billed_characters) || '/' || sum(cost_micros) || '/' || sum(cached_segments)"
	    " || '/' || sum(duration_ms_sum) FROM usage_hourly WHERE workspace_id = $1",
	    ws);
	CU_ASSERT_PTR_NOT_NULL(raw);
	CU_ASSERT_PTR_NOT_NULL(rolled);
	if (raw != NULL && rolled != NULL) {
		CU_ASSERT_STRING_EQUAL(rolled, raw);
	}
	free(raw);
	free(rolled);
	raw = pg_value("SELECT count(*) FROM usage_events WHERE workspace_id = $1 AND " CLOSED, ws);
	rolled = pg_value("SELECT sum(h) FROM usage_hourly, unnest(duration_hist) h"
	                  " WHERE workspace_id = $1",
	    ws);
	CU_ASSERT(raw != NULL && rolled != NULL && strcmp(raw, rolled) == 0 && atol(raw) > 0);
	free(raw);
	free(rolled);
	free(ws);
#undef CLOSED
}

/* Translates a text never seen before through apertium (pinned, so that no
 * other provider steps in); returns the status and the time it took. */
static long translate_fresh(double *ms, struct http_response *r)
{
	static int seq;
	char body[256];
	double t0 = clock_now_ms();
	long st;

	snprintf(body, sizeof(body),
	    "{\"text\":\"The cat number %ld-%d is sleeping.\","
	    "\"source\":\"en\",\"target\":\"es\",\"provider\":\"apertium\"}",
	    (long)getpid(), ++seq);
	st = post("/v1/translate", body, r);
	*ms = clock_now_ms() - t0;
	return st;
}

/* A hung provider (accepts, never answers; provider_timeout_ms is 1.5 s
 * here) trips the shared breaker after breaker_failures (3) failures: then
 * every worker refuses at once, and after the cool-down (3 s) one probe
 * finds the provider back and closes it. */
static void test_breaker(void)
{
	const char *apy = getenv("DRAGOMAN_APERTIUM");
	char port[16];
	struct http_response r;
	int slow = 0, fast_in_a_row = 0;
	double ms;
	pid_t bh;

	CU_ASSERT_PTR_NOT_NULL_FATAL(apy);
	snprintf(port, sizeof(port), "%s", strrchr(apy, ':') + 1);
	bh = fork();
	if (bh == 0) {
		execl("./tests/integration/blackhole", "blackhole", port, "60", (char *)NULL);
		_exit(127);
	}
	usleep(300 * 1000);
	for (int i = 0; i < 8 && fast_in_a_row < 10; i++) {
		long st = translate_fresh(&ms, &r);
		CU_ASSERT_EQUAL(st, 503);
		CU_ASSERT(http_is_problem(&r));
		http_free(&r);
		if (ms >= 1000)
			slow++;
		else
			break;
	}
	for (int i = 0; i < 10; i++) {
		long st = translate_fresh(&ms, &r);
		if (st == 503 && ms < 300 && http_header(&r, "Retry-After") != NULL)
			fast_in_a_row++;
		http_free(&r);
	}
	fprintf(stderr, "\n  breaker: %d slow failures, then %d of 10 refused at once\n", slow,
	    fast_in_a_row);
	CU_ASSERT_EQUAL(get("/v1/health", NULL, &r), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"apertium\":{\"breaker\":\"open\"}"));
	http_free(&r);
	CU_ASSERT(slow >= 1 && slow <= 3);
	CU_ASSERT_EQUAL(fast_in_a_row, 10);
	kill(bh, SIGKILL);
	waitpid(bh, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(stack("apy-start"), 0);
	/* after the cool-down a probe goes out, succeeds, and closes it */
	long st = 0;
	double t0 = clock_now_ms();
	while (st != 200 && clock_now_ms() - t0 < 8000) {
		st = translate_fresh(&ms, &r);
		http_free(&r);
		if (st != 200)
			usleep(200 * 1000);
	}
	fprintf(stderr, "  breaker closed %.0f ms after the provider came back\n",
	    clock_now_ms() - t0);
	CU_ASSERT_EQUAL(st, 200);
	for (int i = 0; i < 5; i++) {
		CU_ASSERT_EQUAL(translate_fresh(&ms, &r), 200);
		http_free(&r);
	}
	CU_ASSERT_EQUAL(get("/v1/health", NULL, &r), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"apertium\":{\"breaker\":\"closed\"}"));
	http_free(&r);
}

/* Language codes are case-insensitive: "EN" to "ES" is the pair "en" to
 * "es", one cache entry (it was a miss of its own, and the upper-case code
 * went to the providers as is: DeepL took "EN" for its deprecated target),
 * and "EN" to "en" is one language. */
static void test_codes_in_upper_case(void)
{
	struct http_response r;
	char body[256], text[80];

	snprintf(text, sizeof(text), "The quiet river %ld is wide.", (long)getpid());
	snprintf(body, sizeof(body), "{\"text\":\"%s\",\"source\":\"en\",\"target\":\"es\"}", text);
	CU_ASSERT_EQUAL(post("/v1/translate", body, &r), 200);
	http_free(&r);
	snprintf(body, sizeof(body), "{\"text\":\"%s\",\"source\":\"EN\",\"target\":\"Es\"}", text);
	CU_ASSERT_EQUAL(post("/v1/translate", body, &r), 200);
	CU_ASSERT_STRING_EQUAL(http_header(&r, "X-Cache") != NULL ? http_header(&r, "X-Cache") : "",
	    "HIT");
	http_free(&r);
	snprintf(body, sizeof(body), "{\"text\":\"%s\",\"source\":\"EN\",\"target\":\"en\"}", text);
	CU_ASSERT_EQUAL(post("/v1/translate", body, &r), 400);
	CU_ASSERT(http_is_problem(&r));
	http_free(&r);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "one text en->es", test_single },
		{ "a batch keeps its order", test_batch_keeps_order },
		{ "es->en, and HTML keeps its markup", test_reverse_and_html },
		{ "bad requests are 400 problems", test_bad_requests },
		{ "unknown languages: 400 with the supported list", test_supported_list },
		{ "text count and size limits", test_limits },
		{ "texts collected alike on every route, with each route's errors",
		    test_text_collection },
		{ "a key is required", test_needs_key },
		{ "GET /v1/languages", test_languages },
		{ "POST /v1/detect", test_detect },
		{ "translate detects each text's source", test_translate_detects_source },
		{ "a second provider: fallback for pairs, pins, batches", test_second_provider },
		{ "cache: MISS, HIT, PARTIAL; context counts", test_cache_miss_hit_partial },
		{ "cache: PostgreSQL behind memcached", test_cache_postgres },
		{ "cache: its writes commit asynchronously", test_cache_write_is_asynchronous },
		{ "cache: hit counters, and warming memcached", test_cache_counters_and_warm },
		{ "cache: statistics by route and by admin command", test_cache_stats },
		{ "DeepL, Google, OpenAI-compatible clients and their pairs", test_saas_providers },
		{ "all asked providers down: a cached translation, degraded", test_degraded },
		{ "a workspace's own provider order", test_workspace_provider_order },
		{ "usage events for every metered request", test_usage_events },
		{ "usage events survive SIGKILL of the workers", test_usage_survives_sigkill },
		{ "usage partitions ahead, and retention by whole months", test_usage_partitions },
		{ "the hourly rollup sums closed hours exactly once", test_usage_rollup },
		{ "deepl-node against the DeepL compatibility routes", test_deepl_node },
		{ "DeepL routes: form and JSON, cache, usage, errors", test_deepl_wire },
		{ "the translate package (libre) against the LibreTranslate routes",
		    test_libre_client },
		{ "LibreTranslate routes: q forms, detect, languages, errors", test_libre_wire },
		{ "provider down: 503, no echo; cached still served", test_provider_down },
		{ "a hung provider trips the shared breaker; a probe closes it", test_breaker },
		{ "language codes in upper case", test_codes_in_upper_case },
		{ NULL, NULL },
	};
	curl_global_init(CURL_GLOBAL_DEFAULT);
	snprintf(t1, sizeof(t1), "The red house number %ld is open.", (long)getpid());
	snprintf(t2, sizeof(t2), "My friend has %ld green books.", (long)getpid());
	if (make_workspace("Translate", key, sizeof(key), workspace, sizeof(workspace)) < 0) {
		fprintf(stderr, "test_translate: cannot create a workspace\n");
		return 99;
	}
	int rc = cu_run("translate", tests);
	curl_global_cleanup();
	return rc;
}
