/* Reading members out of parsed JSON (json-c). */
#ifndef DRAGOMAN_JSON_H
#define DRAGOMAN_JSON_H

#include <json-c/json.h>

/* Returns the member path a.b (b NULL: just a) of o as a string, or NULL
 * when absent or not a string. Borrowed from o. */
const char *json_str(struct json_object *o, const char *a, const char *b);

#endif
