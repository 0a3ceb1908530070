#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "translate/provider_reply.h"

/* Returns the member path[0].path[1] of doc (doc itself when path[0] is
 * NULL; path[1] NULL: one member deep), or NULL. Borrowed from doc. */
static struct json_object *member_at(struct json_object *doc, const char *const path[2])
{
	struct json_object *x = doc;

	for (int i = 0; i < 2 && path[i] != NULL && x != NULL; i++)
		if (!json_object_object_get_ex(x, path[i], &x))
			return NULL;
	return x;
}

/* Returns the message of the error reply doc per f (borrowed from doc),
 * or NULL when it has none. */
static const char *message(const struct provider_reply_form *f, struct json_object *doc)
{
	return f->message[0] != NULL ? json_str(doc, f->message[0], f->message[1]) : NULL;
}

/* Returns 1 when a 400 with message why (NULL: none) means, per f, that
 * the pair or a code is not offered. */
static int says_unsupported(const struct provider_reply_form *f, const char *why)
{
	for (size_t i = 0; i < 3 && f->unsupported[i] != NULL; i++)
		if (strcmp(f->unsupported[i], "*") == 0 ||
		    (why != NULL && strcasestr(why, f->unsupported[i]) != NULL))
			return 1;
	return 0;
}

/* Writes "NAME: HTTP n[: message]" for the reply r, whose parsed JSON is
 * doc, into err. Returns PROVIDER_FAILED. */
static enum provider_status failed(const struct provider_reply_form *f, const struct http_reply *r,
    struct json_object *doc, char *err, size_t errsz)
{
	const char *why = message(f, doc);

	snprintf(err, errsz, "%s: HTTP %ld%s%s", f->name, r->status, why ? ": " : "",
	    why ? why : "");
	return PROVIDER_FAILED;
}

enum provider_status provider_reply_doc(const struct provider_reply_form *f, int sent,
    const struct http_reply *r, struct json_object **doc, char *err, size_t errsz)
{
	const char *why;

	*doc = NULL;
	if (sent < 0) {
		snprintf(err, errsz, "%s: %s", f->name, r->error);
		return PROVIDER_FAILED;
	}
	*doc = r->body != NULL ? json_tokener_parse(r->body) : NULL;
	if (r->status == 200)
		return PROVIDER_OK;
	why = message(f, *doc);
	if (r->status == 400 && says_unsupported(f, why)) {
		snprintf(err, errsz, "%s: %s", f->name, why != NULL ? why : "bad request");
		return PROVIDER_UNSUPPORTED;
	}
	return failed(f, r, *doc, err, errsz);
}

/* Copies the n translations of the 200 reply doc, per f, into new strings
 * out[0..n). Returns 0, or -1 when doc has not that shape (nothing left
 * allocated). */
static int take_texts(const struct provider_reply_form *f, struct json_object *doc, size_t n,
    char **out)
{
	struct json_object *t = member_at(doc, f->texts);
	int one = n == 1 && json_object_is_type(t, json_type_string);

	if (f->shape == TEXTS_STRING || (f->shape == TEXTS_ARRAY_OR_STRING && one))
		return one && (out[0] = strdup(json_object_get_string(t))) != NULL ? 0 : -1;
	return provider_take_strings(t, f->text_member, n, out);
}

enum provider_status provider_reply_texts(const struct provider_reply_form *f, int sent,
    const struct http_reply *r, size_t n, char **out, char *err, size_t errsz)
{
	struct json_object *doc;
	enum provider_status st = provider_reply_doc(f, sent, r, &doc, err, errsz);

	if (st == PROVIDER_OK && take_texts(f, doc, n, out) < 0)
		st = failed(f, r, doc, err, errsz);
	json_object_put(doc);
	return st;
}

struct json_object *provider_reply_list(const struct provider_reply_form *f, int sent,
    const struct http_reply *r, struct json_object **doc, char *err, size_t errsz)
{
	struct json_object *list;

	*doc = NULL;
	if (sent < 0) {
		snprintf(err, errsz, "%s: %s", f->name, r->error);
		return NULL;
	}
	*doc = r->status == 200 && r->body != NULL ? json_tokener_parse(r->body) : NULL;
	list = member_at(*doc, f->list);
	if (list == NULL || !json_object_is_type(list, json_type_array)) {
		snprintf(err, errsz, "%s: unexpected %s reply (HTTP %ld)", f->name, f->list_what,
		    r->status);
		return NULL;
	}
	return list;
}

int provider_take_strings(struct json_object *arr, const char *member, size_t n, char **out)
{
	if (arr == NULL || !json_object_is_type(arr, json_type_array) ||
	    json_object_array_length(arr) != n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct json_object *x = json_object_array_get_idx(arr, i);
		const char *t = member != NULL                 ? json_str(x, member, NULL)
		    : json_object_is_type(x, json_type_string) ? json_object_get_string(x)
		                                               : NULL;
		if (t == NULL || (out[i] = strdup(t)) == NULL) {
			while (i-- > 0) {
				free(out[i]);
				out[i] = NULL;
			}
			return -1;
		}
	}
	return 0;
}

enum provider_status provider_post_texts(CURL *curl, const struct provider_reply_form *f,
    const struct http_call *call, struct json_object *body, size_t n, char **out, char *err,
    size_t errsz)
{
	struct http_reply r;
	int sent = http_client_post_json(curl, call,
	    json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN), &r);
	enum provider_status st = provider_reply_texts(f, sent, &r, n, out, err, errsz);

	json_object_put(body);
	http_reply_free(&r);
	return st;
}

struct json_object *provider_get_list(CURL *curl, const struct provider_reply_form *f,
    const struct http_call *call, struct json_object **doc, char *err, size_t errsz)
{
	struct http_reply r;
	struct json_object *list =
	    provider_reply_list(f, http_client_get(curl, call, &r), &r, doc, err, errsz);

	http_reply_free(&r);
	return list;
}

enum provider_status provider_each_text(struct worker *w, const struct translate_job *job,
    provider_one_fn one, const void *arg, char **out, char *err, size_t errsz)
{
	enum provider_status st = PROVIDER_OK;

	for (size_t i = 0; i < job->ntexts && st == PROVIDER_OK; i++)
		st = one(w, job, arg, job->texts[i], &out[i], err, errsz);
	if (st != PROVIDER_OK)
		for (size_t i = 0; i < job->ntexts; i++) {
			free(out[i]);
			out[i] = NULL;
		}
	return st;
}
