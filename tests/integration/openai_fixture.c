/* A stand-in for an OpenAI-compatible chat completions API (which cannot
 * be reached from here), speaking its wire format:
 *   POST /v1/chat/completions, Authorization: Bearer fixture-openai
 *     {"model":"...","messages":[{"role":"system",...},{"role":"user","content":"..."}]}
 *     -> {"id":"chatcmpl-...","object":"chat.completion","model":"...",
 *         "choices":[{"index":0,"message":{"role":"assistant","content":"..."},
 *         "finish_reason":"stop"}],"usage":{...}}
 *     errors {"error":{"message","type","code"}}: 401 on a wrong key, 400
 *     without model or messages
 * It "translates" by prefixing "[openai:<target>] ", the target being the
 * second ISO 639-1 code quoted in the system message. A user text holding
 * "TRUNCATE" ends with finish_reason "length" (a cut-off answer).
 *   openai_fixture PORT SECONDS */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "listen.h"

#define MARK "code '"

/* Writes the second language code quoted in the system message into t. */
static void target_of(const char *system, char t[3])
{
	const char *p = strstr(system, MARK);

	p = p != NULL ? strstr(p + 1, MARK) : NULL;
	snprintf(t, 3, "%s", p != NULL ? p + strlen(MARK) : "??");
}

/* Handles POST /v1/chat/completions with the JSON body. */
static void complete(int fd, const char *body)
{
	struct json_object *o = json_tokener_parse(body), *model, *msgs, *res, *choices, *c, *m;
	const char *system = "", *user = NULL;
	char t[3], buf[8192];
	int truncated;

	if (o == NULL || !json_object_object_get_ex(o, "model", &model) ||
	    !json_object_object_get_ex(o, "messages", &msgs) ||
	    !json_object_is_type(msgs, json_type_array)) {
		fixture_respond(fd, 400,
		    "{\"error\":{\"message\":\"you must provide a model parameter\","
		    "\"type\":\"invalid_request_error\",\"code\":null}}");
		goto out;
	}
	for (size_t i = 0; i < json_object_array_length(msgs); i++) {
		struct json_object *x = json_object_array_get_idx(msgs, i), *role, *content;
		if (!json_object_object_get_ex(x, "role", &role) ||
		    !json_object_object_get_ex(x, "content", &content))
			continue;
		if (strcmp(json_object_get_string(role), "system") == 0)
			system = json_object_get_string(content);
		else if (strcmp(json_object_get_string(role), "user") == 0)
			user = json_object_get_string(content);
	}
	if (user == NULL) {
		fixture_respond(fd, 400,
		    "{\"error\":{\"message\":\"no user message\","
		    "\"type\":\"invalid_request_error\",\"code\":null}}");
		goto out;
	}
	target_of(system, t);
	truncated = strstr(user, "TRUNCATE") != NULL;
	snprintf(buf, sizeof(buf), "[openai:%s] %s", t, user);
	if (truncated)
		buf[12] = '\0';
	res = json_object_new_object();
	json_object_object_add(res, "id", json_object_new_string("chatcmpl-fixture"));
	json_object_object_add(res, "object", json_object_new_string("chat.completion"));
	json_object_object_add(res, "model", json_object_get(model));
	choices = json_object_new_array();
	c = json_object_new_object();
	m = json_object_new_object();
	json_object_object_add(m, "role", json_object_new_string("assistant"));
	json_object_object_add(m, "content", json_object_new_string(buf));
	json_object_object_add(c, "index", json_object_new_int(0));
	json_object_object_add(c, "message", m);
	json_object_object_add(c, "finish_reason",
	    json_object_new_string(truncated ? "length" : "stop"));
	json_object_array_add(choices, c);
	json_object_object_add(res, "choices", choices);
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
	if (fixture_header(&rq, "Authorization", auth, sizeof(auth)) == NULL ||
	    strcmp(auth, "Bearer fixture-openai") != 0)
		fixture_respond(fd, 401,
		    "{\"error\":{\"message\":\"Incorrect API key provided\","
		    "\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}");
	else if (strcmp(rq.method, "POST") == 0 && strcmp(rq.target, "/v1/chat/completions") == 0)
		complete(fd, rq.body);
	else
		fixture_respond(fd, 404,
		    "{\"error\":{\"message\":\"Unknown request URL\","
		    "\"type\":\"invalid_request_error\",\"code\":\"unknown_url\"}}");
out:
	close(fd);
}

int main(int argc, char **argv)
{
	return fixture_main("openai_fixture", argc, argv, serve);
}
