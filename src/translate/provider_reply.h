/* Reading a SaaS provider's HTTP reply, the same way for every client:
 * no reply or a bad one is PROVIDER_FAILED (it counts toward the
 * breaker), a 400 that says the pair or a code is not offered is
 * PROVIDER_UNSUPPORTED, a 200 of the expected shape is PROVIDER_OK. Each
 * provider describes its replies as data (struct provider_reply_form). */
#ifndef DRAGOMAN_PROVIDER_REPLY_H
#define DRAGOMAN_PROVIDER_REPLY_H

#include <stddef.h>

#include <json-c/json.h>

#include "core/http_client.h"
#include "translate/provider.h"

/* How the translations sit in a 200 reply. */
enum provider_texts {
	TEXTS_ARRAY, /* an array, one item per text */
	TEXTS_ARRAY_OR_STRING, /* an array, or a string when one text was sent */
	TEXTS_STRING, /* one string: one text per request */
};

/* What one provider's replies look like. Member paths are one or two
 * members deep (the second NULL when one). */
struct provider_reply_form {
	const char *name; /* the prefix of every err: "deepl" */
	const char *message[2]; /* where an error reply's message is */
	/* A 400 whose message holds one of these (in any case) means the pair
	 * or a code is not offered; "*" means every 400 does (then one
	 * without a message reads "bad request"). NULL-terminated. */
	const char *unsupported[3];
	const char *texts[2]; /* where the translations are */
	enum provider_texts shape;
	const char
	    *text_member; /* each item's member holding its text; NULL: the items are strings */
	const char *list[2]; /* where a listing reply's array is; NULL: the reply is the array */
	const char *list_what; /* the listing, for err: "/v2/languages" */
};

/* Reads the reply r to a translate call (sent: what http_client_*()
 * returned) into *doc, its parsed JSON (NULL when none; the caller
 * json_object_put()s it on every path). Returns PROVIDER_OK for a 200
 * (whatever its body), PROVIDER_UNSUPPORTED for a 400 that says so per
 * f->unsupported, else PROVIDER_FAILED; err ("NAME: ...") says why when
 * not PROVIDER_OK. */
enum provider_status provider_reply_doc(const struct provider_reply_form *f, int sent,
    const struct http_reply *r, struct json_object **doc, char *err, size_t errsz);

/* Reads the reply r to a translate call of n texts (sent: what
 * http_client_*() returned) as provider_reply_doc() does, and on a 200
 * copies its n translations into new strings out[0..n) (caller frees).
 * Returns PROVIDER_OK; else the status with err set and nothing left
 * allocated (a 200 of another shape is PROVIDER_FAILED). */
enum provider_status provider_reply_texts(const struct provider_reply_form *f, int sent,
    const struct http_reply *r, size_t n, char **out, char *err, size_t errsz);

/* Reads the reply r to a listing call (sent: what http_client_*()
 * returned): returns the array at f->list of a 200 reply, borrowed from
 * *doc (its parsed JSON, which the caller json_object_put()s on every
 * path), or NULL with err "NAME: <why no reply>" or "NAME: unexpected
 * LIST_WHAT reply (HTTP n)". */
struct json_object *provider_reply_list(const struct provider_reply_form *f, int sent,
    const struct http_reply *r, struct json_object **doc, char *err, size_t errsz);

/* POSTs body (taken: freed here) as JSON with call and reads the reply
 * as provider_reply_texts() does for n texts. Same results. */
enum provider_status provider_post_texts(CURL *curl, const struct provider_reply_form *f,
    const struct http_call *call, struct json_object *body, size_t n, char **out, char *err,
    size_t errsz);

/* GETs call and reads the reply as provider_reply_list() does: returns
 * the array, borrowed from *doc (which the caller json_object_put()s on
 * every path), or NULL with err set. */
struct json_object *provider_get_list(CURL *curl, const struct provider_reply_form *f,
    const struct http_call *call, struct json_object **doc, char *err, size_t errsz);

/* Translates one text of job (arg: what the provider passes along) into
 * a new string *out. */
typedef enum provider_status (*provider_one_fn)(struct worker *w, const struct translate_job *job,
    const void *arg, const char *text, char **out, char *err, size_t errsz);

/* Translates the texts of job one call at a time with one(), in order,
 * until one fails; then frees and clears out[] (all NULL on entry) again.
 * Returns
 * PROVIDER_OK (out[0..ntexts) new strings the caller frees) or the
 * failure's status with err set. */
enum provider_status provider_each_text(struct worker *w, const struct translate_job *job,
    provider_one_fn one, const void *arg, char **out, char *err, size_t errsz);

/* Copies the n texts of the JSON array arr (its items, or when member is
 * not NULL each item's member) into new strings out[0..n) (caller frees).
 * Returns 0, or -1 when arr is not an array of n such texts (then nothing
 * is left allocated). */
int provider_take_strings(struct json_object *arr, const char *member, size_t n, char **out);

#endif
