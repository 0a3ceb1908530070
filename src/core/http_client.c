#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/http_client.h"

/* Appends a received chunk to the reply, refusing to grow past the cap. */
static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
	struct http_reply *r = ctx;
	size_t k = size * n;
	char *nb;

	if (r->len + k > (size_t)HTTP_CLIENT_MAX_BODY)
		return 0;
	nb = realloc(r->body, r->len + k + 1);
	if (nb == NULL)
		return 0;
	r->body = nb;
	memcpy(r->body + r->len, p, k);
	r->len += k;
	r->body[r->len] = '\0';
	return k;
}

/* Runs the transfer prepared on curl, adding the headers of call and
 * content_type (a complete header line, or NULL). Returns 0 or -1 (see
 * the header). */
static int perform(CURL *curl, const struct http_call *call, const char *content_type,
    struct http_reply *out)
{
	char rid[128];
	struct curl_slist *hl = NULL;
	CURLcode rc;

	snprintf(rid, sizeof(rid), "X-Request-Id: %s", call->request_id ? call->request_id : "");
	hl = curl_slist_append(hl, rid);
	hl = curl_slist_append(hl, "Expect:");
	if (content_type != NULL)
		hl = curl_slist_append(hl, content_type);
	for (size_t i = 0; i < HTTP_CALL_HEADERS_MAX && call->headers[i] != NULL; i++)
		hl = curl_slist_append(hl, call->headers[i]);
	curl_easy_setopt(curl, CURLOPT_URL, call->url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, call->timeout_ms);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
	    call->timeout_ms < 2000 ? call->timeout_ms : 2000L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, out->error);
	rc = curl_easy_perform(curl);
	curl_slist_free_all(hl);
	if (rc != CURLE_OK) {
		if (out->error[0] == '\0')
			snprintf(out->error, sizeof(out->error), "%s", curl_easy_strerror(rc));
		return -1;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out->status);
	return 0;
}

int http_client_get(CURL *curl, const struct http_call *call, struct http_reply *out)
{
	memset(out, 0, sizeof(*out));
	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
	return perform(curl, call, NULL, out);
}

int http_client_post_form(CURL *curl, const struct http_call *call, const struct form_field *fields,
    size_t nfields, struct http_reply *out)
{
	char *body = NULL;
	size_t len = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	curl_easy_reset(curl);
	for (size_t i = 0; i < nfields; i++) {
		char *v = curl_easy_escape(curl, fields[i].value, 0);
		size_t need = strlen(fields[i].name) + (v ? strlen(v) : 0) + 3;
		char *nb = v != NULL ? realloc(body, len + need) : NULL;
		if (nb == NULL) {
			curl_free(v);
			snprintf(out->error, sizeof(out->error), "out of memory");
			goto out;
		}
		body = nb;
		len +=
		    (size_t)snprintf(body + len, need, "%s%s=%s", i ? "&" : "", fields[i].name, v);
		curl_free(v);
	}
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body ? body : "");
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)len);
	rc = perform(curl, call, "Content-Type: application/x-www-form-urlencoded", out);
out:
	free(body);
	return rc;
}

int http_client_post_json(CURL *curl, const struct http_call *call, const char *body,
    struct http_reply *out)
{
	memset(out, 0, sizeof(*out));
	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	return perform(curl, call, "Content-Type: application/json", out);
}

void http_reply_free(struct http_reply *r)
{
	free(r->body);
	memset(r, 0, sizeof(*r));
}
