/* A stand-in for a LibreTranslate server (which cannot be reached from
 * here), speaking its wire format:
 *   POST /translate  {"q": "..."|[...], "source", "target", "format", "api_key"}
 *     -> {"translatedText": "..."|[...]}   or 400/403 {"error": "..."}
 *   GET /languages -> [{"code":"en","name":"English","targets":["fr",...]}]
 * It "translates" en->fr and en->es by wrapping the text in "[fr] ..." so
 * that tests can tell who answered. It requires api_key "fixture-key".
 *   libre_fixture PORT SECONDS */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <json-c/json.h>

#include "listen.h"

/* Returns the translated form of one text, as a new JSON string. */
static struct json_object *fake(const char *target, const char *text)
{
	char buf[8192];

	snprintf(buf, sizeof(buf), "[%s] %s", target, text);
	return json_object_new_string(buf);
}

/* Handles POST /translate with the JSON body. */
static void translate(int fd, const char *body)
{
	struct json_object *o = json_tokener_parse(body), *q, *src, *tgt, *key, *out;
	const char *t;

	if (o == NULL || !json_object_object_get_ex(o, "q", &q) ||
	    !json_object_object_get_ex(o, "target", &tgt) ||
	    !json_object_object_get_ex(o, "source", &src)) {
		fixture_respond(fd, 400,
		    "{\"error\":\"Invalid request: missing q, source or target\"}");
		goto out;
	}
	if (!json_object_object_get_ex(o, "api_key", &key) ||
	    strcmp(json_object_get_string(key), "fixture-key") != 0) {
		fixture_respond(fd, 403, "{\"error\":\"Invalid API key\"}");
		goto out;
	}
	t = json_object_get_string(tgt);
	if (strcmp(json_object_get_string(src), "en") != 0 ||
	    (strcmp(t, "fr") && strcmp(t, "es"))) {
		fixture_respond(fd, 400, "{\"error\":\"Language pair not supported\"}");
		goto out;
	}
	struct json_object *res = json_object_new_object();
	if (json_object_is_type(q, json_type_array)) {
		out = json_object_new_array();
		for (size_t i = 0; i < json_object_array_length(q); i++)
			json_object_array_add(out,
			    fake(t, json_object_get_string(json_object_array_get_idx(q, i))));
	} else
		out = fake(t, json_object_get_string(q));
	json_object_object_add(res, "translatedText", out);
	fixture_respond(fd, 200, json_object_to_json_string_ext(res, JSON_C_TO_STRING_PLAIN));
	json_object_put(res);
out:
	json_object_put(o);
}

/* Reads one request from fd and answers it. */
static void serve(int fd)
{
	struct fixture_request rq;

	if (fixture_read_request(fd, &rq) < 0)
		return;
	if (strcmp(rq.method, "GET") == 0 && strcmp(rq.target, "/languages") == 0)
		fixture_respond(fd, 200,
		    "[{\"code\":\"en\",\"name\":\"English\",\"targets\":[\"es\",\"fr\"]}]");
	else if (strcmp(rq.method, "POST") == 0 && strcmp(rq.target, "/translate") == 0)
		translate(fd, rq.body);
	else
		fixture_respond(fd, 404, "{\"error\":\"Not Found\"}");
}

/* Answers one request on fd and closes it. */
static void serve_and_close(int fd)
{
	serve(fd);
	close(fd);
}

int main(int argc, char **argv)
{
	return fixture_main("libre_fixture", argc, argv, serve_and_close);
}
