#include "autoconfig.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "http.h"

struct sink {
	char *buf;
	size_t len;
};

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct sink *s = ctx;
	char *nb = realloc(s->buf, s->len + size * n + 1);

	if (nb == NULL)
		return 0;
	s->buf = nb;
	memcpy(s->buf + s->len, p, size * n);
	s->len += size * n;
	s->buf[s->len] = '\0';
	return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct http_response *r = ctx;
	size_t used = strlen(r->headers), k = size * n;

	/* a new status line starts a new header block (e.g. after 100) */
	if (k >= 5 && strncmp(p, "HTTP/", 5) == 0)
		used = r->headers[0] = '\0';
	if (used + k < sizeof(r->headers)) {
		memcpy(r->headers + used, p, k);
		r->headers[used + k] = '\0';
	}
	return k;
}

/* Sends method url; same results as http_request(). */
static long request_url(const char *method, const char *url, const char *const *headers,
    const char *body, size_t body_len, struct http_response *resp)
{
	struct curl_slist *hl = NULL;
	struct sink s = { NULL, 0 };
	CURL *c = curl_easy_init();

	memset(resp, 0, sizeof(*resp));
	for (; headers != NULL && *headers != NULL; headers++)
		hl = curl_slist_append(hl, *headers);
	/* no "Expect: 100-continue" round trip for bodies */
	hl = curl_slist_append(hl, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, resp);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	CURLcode rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	resp->timed_out = rc == CURLE_OPERATION_TIMEDOUT;
	resp->body = s.buf != NULL ? s.buf : calloc(1, 1);
	resp->body_len = s.len;
	resp->json = s.len > 0 ? json_tokener_parse(resp->body) : NULL;
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	return resp->status;
}

long http_request(const char *method, const char *path, const char *const *headers,
    const char *body, size_t body_len, struct http_response *resp)
{
	const char *base = getenv("DRAGOMAN_TEST_URL");
	char url[4096];

	snprintf(url, sizeof(url), "%s%s", base ? base : "http://127.0.0.1:8080", path);
	return request_url(method, url, headers, body, body_len, resp);
}

long http_get_url(const char *url, struct http_response *resp)
{
	return request_url("GET", url, NULL, NULL, 0, resp);
}

long http_post_url(const char *url, const char *form, struct http_response *resp)
{
	const char *h[] = { "Content-Type: application/x-www-form-urlencoded", NULL };

	return request_url("POST", url, h, form, strlen(form), resp);
}

const char *http_header(const struct http_response *resp, const char *name)
{
	static char value[1024];
	size_t n = strlen(name);

	for (const char *line = resp->headers; *line != '\0';) {
		const char *eol = strstr(line, "\r\n");
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		if (len > n && strncasecmp(line, name, n) == 0 && line[n] == ':') {
			const char *v = line + n + 1;
			while (*v == ' ')
				v++;
			snprintf(value, sizeof(value), "%.*s", (int)(len - (size_t)(v - line)), v);
			return value;
		}
		if (eol == NULL)
			break;
		line = eol + 2;
	}
	return NULL;
}

const char *http_json_str(const struct http_response *resp, const char *name)
{
	struct json_object *v;

	if (resp->json == NULL || !json_object_object_get_ex(resp->json, name, &v))
		return NULL;
	return json_object_get_string(v);
}

int http_json_strings_are(const struct http_response *resp, const char *name, const char *want)
{
	struct json_object *a;
	char got[512] = "";
	size_t n = 0;

	if (resp->json == NULL || !json_object_object_get_ex(resp->json, name, &a) ||
	    !json_object_is_type(a, json_type_array))
		return 0;
	for (size_t i = 0; i < json_object_array_length(a) && n < sizeof(got); i++)
		n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%s", i ? "," : "",
		    json_object_get_string(json_object_array_get_idx(a, i)));
	return strcmp(got, want) == 0;
}

int http_is_problem_doc(const struct http_response *resp)
{
	const char *ct = http_header(resp, "Content-Type");
	const char *type = http_json_str(resp, "type");
	struct json_object *v;

	if (ct == NULL || strncmp(ct, "application/problem+json", 24) != 0 || resp->json == NULL)
		return 0;
	if (!json_object_object_get_ex(resp->json, "status", &v) ||
	    !json_object_is_type(v, json_type_int) || json_object_get_int(v) != (int)resp->status)
		return 0;
	return type != NULL && strncmp(type, "urn:dragoman:problem:", 21) == 0 &&
	    http_json_str(resp, "title") != NULL && http_json_str(resp, "detail") != NULL;
}

int http_is_problem(const struct http_response *resp)
{
	return http_is_problem_doc(resp) && http_json_str(resp, "request_id") != NULL;
}

void http_free(struct http_response *resp)
{
	free(resp->body);
	json_object_put(resp->json);
	memset(resp, 0, sizeof(*resp));
}
