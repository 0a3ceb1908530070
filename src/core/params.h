/* Declared request parameters (JSON body fields or query parameters) and
 * their validation: handlers only see values that passed. */
#ifndef DRAGOMAN_PARAMS_H
#define DRAGOMAN_PARAMS_H

#include <stddef.h>

#include <json-c/json.h>

#include "core/problem.h"

#define PARAMS_MAX 16

/* A spec named PARAMS_OTHERS (any type) makes params_from_json() ignore
 * members it does not declare, as APIs that clients extend over time do
 * (the compatibility routes). */
#define PARAMS_OTHERS "*"

/* PARAM_STRING is one line; PARAM_TEXT may also hold tabs and line
 * breaks; PARAM_TEXT_ARRAY is a JSON array of such texts; PARAM_TEXTS is
 * either one text (str set, num 1, array NULL) or an array of them. */
enum param_type {
	PARAM_STRING,
	PARAM_INT,
	PARAM_BOOL,
	PARAM_TEXT,
	PARAM_TEXT_ARRAY,
	PARAM_TEXTS
};

/* One accepted parameter. For strings and texts min/max bound the length
 * in code points; for integers, the value; for arrays, the element count,
 * with item_max bounding each element's length (each at least 1). A table
 * ends with a NULL name. */
struct param_spec {
	const char *name;
	enum param_type type;
	int required;
	long long min, max;
	long long item_max;
};

/* A validated value, at the same index as its spec. str and array are
 * borrowed from the request (its JSON document or query buffer); num is
 * the integer, the boolean, or an array's element count. */
struct param_value {
	int present;
	const char *str;
	size_t len;
	long long num;
	struct json_object *array;
};

/* Validates obj (a JSON object) against specs into out[PARAMS_MAX].
 * Unknown members, wrong types and out-of-range values are refused.
 * Returns PROBLEM_NONE or PROBLEM_INVALID_FIELD with detail set. */
enum problem params_from_json(const struct param_spec *specs, struct json_object *obj,
    struct param_value *out, char *detail, size_t dsz);

/* Decodes query (application/x-www-form-urlencoded, modified in place)
 * and validates it against specs into out[PARAMS_MAX]; specs may be NULL
 * (nothing accepted). Returns PROBLEM_NONE, or PROBLEM_INVALID_FIELD /
 * PROBLEM_BAD_REQUEST with detail set. */
enum problem params_from_query(const struct param_spec *specs, char *query, struct param_value *out,
    char *detail, size_t dsz);

/* Copies the texts of a validated PARAM_TEXT, PARAM_TEXT_ARRAY or
 * PARAM_TEXTS value into texts[0..cap) (borrowed from the request).
 * Returns their count (0 when absent), or -1 when there are more than cap. */
long params_texts(const struct param_value *v, const char **texts, size_t cap);

/* Turns the application/x-www-form-urlencoded body (modified in place)
 * into a new JSON object (caller json_object_put()s) for
 * params_from_json(): a field declared PARAM_TEXT_ARRAY collects every
 * occurrence into an array (PARAM_TEXTS too when it occurs more than once), PARAM_INT and PARAM_BOOL values become
 * numbers and booleans when they read as such ("1"/"0" too), the rest
 * strings; any other field given twice is refused. Returns PROBLEM_NONE,
 * or PROBLEM_BAD_REQUEST with detail set. */
enum problem params_form_to_json(const struct param_spec *specs, char *body,
    struct json_object **out, char *detail, size_t dsz);

#endif
