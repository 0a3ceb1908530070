/* A stand-in for Google Cloud Translation v2 (which cannot be reached
 * from here), speaking its wire format:
 *   POST /language/translate/v2, X-Goog-Api-Key: fixture-google
 *     {"q":"..."|[...],"source":"en","target":"de","format":"text"}
 *     -> {"data":{"translations":[{"translatedText":"..."}]}}
 *     errors {"error":{"code":400,"message":"Invalid Value","errors":[...]}}
 *     (403 on a wrong key, 503 for a text holding "GOOGLE503")
 *   GET /language/translate/v2/languages -> {"data":{"languages":[{"language":"en"},...]}}
 * Languages en, de, ja, zh-CN (a code the API uses that is not ISO
 * 639-1). It "translates" by prefixing "[google:<target>] ".
 *   google_fixture PORT SECONDS */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "listen.h"

#define INVALID \
	"{\"error\":{\"code\":400,\"message\":\"Invalid Value\",\"errors\":" \
	"[{\"message\":\"Invalid Value\",\"domain\":\"global\",\"reason\":\"invalid\"}]}}"

/* Returns the translated form of one text, as a new JSON object. */
static struct json_object *fake(const char *target, const char *text)
{
	struct json_object *x = json_object_new_object();
	char buf[8192];

	snprintf(buf, sizeof(buf), "[google:%s] %s", target, text);
	json_object_object_add(x, "translatedText", json_object_new_string(buf));
	return x;
}

/* Handles POST /language/translate/v2 with the JSON body. */
static void translate(int fd, const char *body)
{
	struct json_object *o = json_tokener_parse(body), *q, *tgt, *res, *data, *arr;
	const char *t;

	if (o == NULL || !json_object_object_get_ex(o, "q", &q) ||
	    !json_object_object_get_ex(o, "target", &tgt)) {
		fixture_respond(fd, 400,
		    "{\"error\":{\"code\":400,\"message\":\"Required Text\"}}");
		goto out;
	}
	t = json_object_get_string(tgt);
	if (strcmp(t, "en") && strcmp(t, "de") && strcmp(t, "ja") && strcmp(t, "zh-CN")) {
		fixture_respond(fd, 400, INVALID);
		goto out;
	}
	if (strstr(json_object_to_json_string(q), "GOOGLE503")) {
		fixture_respond(fd, 503,
		    "{\"error\":{\"code\":503,\"message\":\"Backend Error\"}}");
		goto out;
	}
	res = json_object_new_object();
	data = json_object_new_object();
	arr = json_object_new_array();
	if (json_object_is_type(q, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(q); i++)
			json_object_array_add(arr,
			    fake(t, json_object_get_string(json_object_array_get_idx(q, i))));
	} else
		json_object_array_add(arr, fake(t, json_object_get_string(q)));
	json_object_object_add(data, "translations", arr);
	json_object_object_add(res, "data", data);
	fixture_respond(fd, 200, json_object_to_json_string_ext(res, JSON_C_TO_STRING_PLAIN));
	json_object_put(res);
out:
	json_object_put(o);
}

/* Answers one request on fd and closes it. */
static void serve(int fd)
{
	struct fixture_request rq;
	char key[256];

	if (fixture_read_request(fd, &rq) < 0)
		goto out;
	if (fixture_header(&rq, "X-Goog-Api-Key", key, sizeof(key)) == NULL ||
	    strcmp(key, "fixture-google") != 0)
		fixture_respond(fd, 403,
		    "{\"error\":{\"code\":403,\"message\":\"The request is missing "
		    "a valid API key.\",\"status\":\"PERMISSION_DENIED\"}}");
	else if (strcmp(rq.method, "GET") == 0 &&
	    strcmp(rq.target, "/language/translate/v2/languages") == 0)
		fixture_respond(fd, 200,
		    "{\"data\":{\"languages\":[{\"language\":\"en\"},"
		    "{\"language\":\"de\"},{\"language\":\"ja\"},{\"language\":\"zh-CN\"}]}}");
	else if (strcmp(rq.method, "POST") == 0 && strcmp(rq.target, "/language/translate/v2") == 0)
		translate(fd, rq.body);
	else
		fixture_respond(fd, 404, "{\"error\":{\"code\":404,\"message\":\"Not Found\"}}");
out:
	close(fd);
}

int main(int argc, char **argv)
{
	return fixture_main("google_fixture", argc, argv, serve);
}
