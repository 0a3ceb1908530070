/* A stand-in for the DeepL API v2 (which cannot be reached from here),
 * speaking its wire format:
 *   POST /v2/translate, Authorization: DeepL-Auth-Key fixture-deepl:fx
 *     {"text":[...],"target_lang":"DE","source_lang":"EN",...}
 *     -> {"translations":[{"detected_source_language":"EN","text":"..."}]}
 *     400 {"message":"Value for 'target_lang' not supported."}, 403 on a
 *     wrong key, 456 {"message":"Quota Exceeded"} for a text holding
 *     "QUOTA", 503 for a text holding "DEEPL503"
 *   GET /v2/languages?type=source|target
 * Sources EN, DE; targets DE, EN-GB, EN-US, FR, JA (a bare "EN" target is
 * refused as deprecated, as DeepL does). It "translates" by prefixing
 * "[deepl:<target>] ". GET /fixture/calls (not DeepL's) counts the
 * translate calls, so that tests can tell that none was made, and names
 * the key and the X-Request-Id of the last one. Keys "byok-..." are
 * accepted too: they stand for workspaces' own DeepL keys.
 *   deepl_fixture PORT SECONDS */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "listen.h"

static const char *const targets[] = { "DE", "EN-GB", "EN-US", "FR", "JA" };

/* Returns 1 when the texts of arr contain needle. */
static int any_text_has(struct json_object *arr, const char *needle)
{
	for (size_t i = 0; i < json_object_array_length(arr); i++)
		if (strstr(json_object_get_string(json_object_array_get_idx(arr, i)), needle))
			return 1;
	return 0;
}

/* POST /v2/translate calls so far and the key of the last one (GET
 * /fixture/calls tells tests). */
static long calls;
static char last_key[128];
static char last_request_id[128]; /* X-Request-Id of the last translation */

/* Handles POST /v2/translate with the JSON body. */
static void translate(int fd, const char *body)
{
	struct json_object *o = json_tokener_parse(body), *text, *tgt, *res, *arr;
	const char *t;
	int known = 0;

	if (o == NULL || !json_object_object_get_ex(o, "text", &text) ||
	    !json_object_is_type(text, json_type_array) ||
	    !json_object_object_get_ex(o, "target_lang", &tgt)) {
		fixture_respond(fd, 400,
		    "{\"message\":\"Parameter 'text' or 'target_lang' missing.\"}");
		goto out;
	}
	t = json_object_get_string(tgt);
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
		known |= strcmp(targets[i], t) == 0;
	if (strcmp(t, "EN") == 0) {
		fixture_respond(fd, 400,
		    "{\"message\":\"Value for 'target_lang' not supported: "
		    "'EN' is deprecated, use 'EN-GB' or 'EN-US'.\"}");
		goto out;
	}
	if (!known) {
		fixture_respond(fd, 400,
		    "{\"message\":\"Value for 'target_lang' not supported.\"}");
		goto out;
	}
	if (any_text_has(text, "QUOTA")) {
		fixture_respond(fd, 456, "{\"message\":\"Quota Exceeded\"}");
		goto out;
	}
	if (any_text_has(text, "DEEPL503")) {
		fixture_respond(fd, 503, "{\"message\":\"Service Unavailable\"}");
		goto out;
	}
	res = json_object_new_object();
	arr = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(text); i++) {
		struct json_object *x = json_object_new_object();
		char buf[8192];
		snprintf(buf, sizeof(buf), "[deepl:%s] %s", t,
		    json_object_get_string(json_object_array_get_idx(text, i)));
		json_object_object_add(x, "detected_source_language", json_object_new_string("EN"));
		json_object_object_add(x, "text", json_object_new_string(buf));
		json_object_array_add(arr, x);
	}
	json_object_object_add(res, "translations", arr);
	fixture_respond(fd, 200, json_object_to_json_string_ext(res, JSON_C_TO_STRING_PLAIN));
	json_object_put(res);
out:
	json_object_put(o);
}

/* Answers one request on fd and closes it. */
static void serve(int fd)
{
	struct fixture_request rq;
	char auth[256];

	if (fixture_read_request(fd, &rq) < 0)
		goto out;
	if (strcmp(rq.method, "GET") == 0 && strcmp(rq.target, "/fixture/calls") == 0) {
		char body[512];
		snprintf(body, sizeof(body),
		    "{\"translate_calls\":%ld,\"last_key\":\"%s\","
		    "\"last_request_id\":\"%s\"}",
		    calls, last_key, last_request_id);
		fixture_respond(fd, 200, body);
	} else if (fixture_header(&rq, "Authorization", auth, sizeof(auth)) == NULL ||
	    (strcmp(auth, "DeepL-Auth-Key fixture-deepl:fx") != 0 &&
	        strncmp(auth, "DeepL-Auth-Key byok-", 20) != 0))
		fixture_respond(fd, 403, "{\"message\":\"Authorization failure, check auth_key\"}");
	else if (strcmp(rq.method, "GET") == 0 &&
	    strcmp(rq.target, "/v2/languages?type=source") == 0)
		fixture_respond(fd, 200,
		    "[{\"language\":\"DE\",\"name\":\"German\"},"
		    "{\"language\":\"EN\",\"name\":\"English\"}]");
	else if (strcmp(rq.method, "GET") == 0 &&
	    strcmp(rq.target, "/v2/languages?type=target") == 0)
		fixture_respond(fd, 200,
		    "[{\"language\":\"DE\",\"name\":\"German\",\"supports_formality\":true},"
		    "{\"language\":\"EN-GB\",\"name\":\"English (British)\",\"supports_formality\":false},"
		    "{\"language\":\"EN-US\",\"name\":\"English (American)\",\"supports_formality\":false},"
		    "{\"language\":\"FR\",\"name\":\"French\",\"supports_formality\":true},"
		    "{\"language\":\"JA\",\"name\":\"Japanese\",\"supports_formality\":true}]");
	else if (strcmp(rq.method, "POST") == 0 && strcmp(rq.target, "/v2/translate") == 0) {
		calls++;
		snprintf(last_key, sizeof(last_key), "%.100s", auth + 15);
		if (fixture_header(&rq, "X-Request-Id", last_request_id, sizeof(last_request_id)) ==
		    NULL)
			last_request_id[0] = '\0';
		translate(fd, rq.body);
	} else
		fixture_respond(fd, 404, "{\"message\":\"Not found\"}");
out:
	close(fd);
}

int main(int argc, char **argv)
{
	return fixture_main("deepl_fixture", argc, argv, serve);
}
