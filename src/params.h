/* Declared request parameters (JSON body fields or query parameters) and
 * their validation: handlers only see values that passed. */
#ifndef DRAGOMAN_PARAMS_H
#define DRAGOMAN_PARAMS_H

#include <stddef.h>

#include <json-c/json.h>

#include "problem.h"

#define PARAMS_MAX 16

/* PARAM_STRING is one line; PARAM_TEXT may also hold tabs and line
 * breaks; PARAM_TEXT_ARRAY is a JSON array of such texts (JSON only). */
enum param_type { PARAM_STRING, PARAM_INT, PARAM_BOOL, PARAM_TEXT, PARAM_TEXT_ARRAY };

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
enum problem params_from_json(const struct param_spec *specs,
    struct json_object *obj, struct param_value *out, char *detail, size_t dsz);

/* Decodes query (application/x-www-form-urlencoded, modified in place)
 * and validates it against specs into out[PARAMS_MAX]; specs may be NULL
 * (nothing accepted). Returns PROBLEM_NONE, or PROBLEM_INVALID_FIELD /
 * PROBLEM_BAD_REQUEST with detail set. */
enum problem params_from_query(const struct param_spec *specs, char *query,
    struct param_value *out, char *detail, size_t dsz);

#endif
