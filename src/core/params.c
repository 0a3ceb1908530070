#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/params.h"
#include "core/random.h"
#include "core/utf8.h"

/* Returns the index of name in specs, or -1. */
static int spec_index(const struct param_spec *specs, const char *name)
{
	for (int i = 0; specs != NULL && specs[i].name != NULL && i < PARAMS_MAX; i++)
		if (strcmp(specs[i].name, name) == 0)
			return i;
	return -1;
}

/* Returns 1 when specs holds the PARAMS_OTHERS entry (unknown members are
 * ignored). */
static int ignores_unknown(const struct param_spec *specs)
{
	return spec_index(specs, PARAMS_OTHERS) >= 0;
}

/* Returns 1 when v[0..len) has a control character other than (when
 * multiline) tab, line feed and carriage return. */
static int bad_control(const char *v, size_t len, int multiline)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];
		if ((c < 0x20 || c == 0x7f) &&
		    !(multiline && (c == '\t' || c == '\n' || c == '\r')))
			return 1;
	}
	return 0;
}

/* Checks text v (name for messages) for UTF-8, control characters and a
 * length of min..max code points. Returns PROBLEM_NONE or
 * PROBLEM_INVALID_FIELD with detail set. */
static enum problem check_text(const char *name, const char *v, size_t len, int multiline,
    long long min, long long max, char *detail, size_t dsz)
{
	long n = utf8_count(v, len);

	if (n < 0 || strlen(v) != len) {
		snprintf(detail, dsz, "%s must be valid UTF-8 text", name);
		return PROBLEM_INVALID_FIELD;
	}
	if (bad_control(v, len, multiline)) {
		snprintf(detail, dsz, "%s must not contain control characters", name);
		return PROBLEM_INVALID_FIELD;
	}
	if (n < min || n > max) {
		snprintf(detail, dsz, "%s must be %lld to %lld characters long", name, min, max);
		return PROBLEM_INVALID_FIELD;
	}
	return PROBLEM_NONE;
}

/* Checks a string value against spec s and stores it. Returns PROBLEM_NONE
 * or PROBLEM_INVALID_FIELD with detail set. */
static enum problem check_string(const struct param_spec *s, const char *v, size_t len,
    struct param_value *out, char *detail, size_t dsz)
{
	enum problem p =
	    check_text(s->name, v, len, s->type == PARAM_TEXT, s->min, s->max, detail, dsz);

	if (p != PROBLEM_NONE)
		return p;
	out->present = 1;
	out->str = v;
	out->len = len;
	return PROBLEM_NONE;
}

/* Checks an integer against spec s and stores it. Same results as above. */
static enum problem check_int(const struct param_spec *s, long long v, struct param_value *out,
    char *detail, size_t dsz)
{
	if (v < s->min || v > s->max) {
		snprintf(detail, dsz, "%s must be an integer from %lld to %lld", s->name, s->min,
		    s->max);
		return PROBLEM_INVALID_FIELD;
	}
	out->present = 1;
	out->num = v;
	return PROBLEM_NONE;
}

/* Checks a JSON array of texts against spec s and stores it. Returns
 * PROBLEM_NONE or PROBLEM_INVALID_FIELD with detail set. */
static enum problem check_text_array(const struct param_spec *s, struct json_object *arr,
    struct param_value *out, char *detail, size_t dsz)
{
	size_t n = json_object_array_length(arr);
	char name[96];

	if ((long long)n < s->min || (long long)n > s->max) {
		snprintf(detail, dsz, "%s must hold %lld to %lld texts", s->name, s->min, s->max);
		return PROBLEM_INVALID_FIELD;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(arr, i);
		snprintf(name, sizeof(name), "%s[%zu]", s->name, i);
		if (!json_object_is_type(v, json_type_string)) {
			snprintf(detail, dsz, "%s must be a string", name);
			return PROBLEM_INVALID_FIELD;
		}
		enum problem p = check_text(name, json_object_get_string(v),
		    (size_t)json_object_get_string_len(v), 1, 1, s->item_max, detail, dsz);
		if (p != PROBLEM_NONE)
			return p;
	}
	out->present = 1;
	out->array = arr;
	out->num = (long long)n;
	return PROBLEM_NONE;
}

/* Returns PROBLEM_NONE when every required spec has a value, else
 * PROBLEM_INVALID_FIELD naming the first missing one. */
static enum problem check_required(const struct param_spec *specs, const struct param_value *out,
    char *detail, size_t dsz)
{
	for (int i = 0; specs != NULL && specs[i].name != NULL && i < PARAMS_MAX; i++)
		if (specs[i].required && !out[i].present) {
			snprintf(detail, dsz, "%s is required", specs[i].name);
			return PROBLEM_INVALID_FIELD;
		}
	return PROBLEM_NONE;
}

enum problem params_from_json(const struct param_spec *specs, struct json_object *obj,
    struct param_value *out, char *detail, size_t dsz)
{
	enum problem p;

	memset(out, 0, sizeof(*out) * PARAMS_MAX);
	json_object_object_foreach(obj, key, val)
	{
		int i = strcmp(key, PARAMS_OTHERS) == 0 ? -1 : spec_index(specs, key);
		if (i < 0 && ignores_unknown(specs))
			continue;
		if (i < 0) {
			snprintf(detail, dsz, "unknown field '%.64s'", key);
			return PROBLEM_INVALID_FIELD;
		}
		const struct param_spec *s = &specs[i];
		enum json_type t = json_object_get_type(val);
		if ((s->type == PARAM_STRING || s->type == PARAM_TEXT) && t == json_type_string)
			p = check_string(s, json_object_get_string(val),
			    (size_t)json_object_get_string_len(val), &out[i], detail, dsz);
		else if (s->type == PARAM_TEXTS && t == json_type_string) {
			p = check_text(s->name, json_object_get_string(val),
			    (size_t)json_object_get_string_len(val), 1, 1, s->item_max, detail,
			    dsz);
			out[i].present = p == PROBLEM_NONE;
			out[i].str = json_object_get_string(val);
			out[i].len = (size_t)json_object_get_string_len(val);
			out[i].num = 1;
		} else if (s->type == PARAM_TEXTS && t == json_type_array)
			p = check_text_array(s, val, &out[i], detail, dsz);
		else if (s->type == PARAM_INT && t == json_type_int)
			/* json-c saturates out-of-range integers at INT64_MIN/MAX,
			 * which every declared range excludes */
			p = check_int(s, json_object_get_int64(val), &out[i], detail, dsz);
		else if (s->type == PARAM_TEXT_ARRAY && t == json_type_array)
			p = check_text_array(s, val, &out[i], detail, dsz);
		else if (s->type == PARAM_BOOL && t == json_type_boolean) {
			out[i].present = 1;
			out[i].num = json_object_get_boolean(val) ? 1 : 0;
			p = PROBLEM_NONE;
		} else {
			static const char *const names[] = { "a string", "an integer", "a boolean",
				"a string", "an array of strings",
				"a string or an array of strings" };
			snprintf(detail, dsz, "%s must be %s", s->name, names[s->type]);
			p = PROBLEM_INVALID_FIELD;
		}
		if (p != PROBLEM_NONE)
			return p;
	}
	return check_required(specs, out, detail, dsz);
}

/* Decodes form-urlencoded s in place ("+" is a space). Returns its new
 * length, or -1 for a malformed escape or an encoded NUL. */
static long form_decode(char *s)
{
	char *r = s, *w = s;

	while (*r != '\0') {
		if (*r == '+') {
			*w++ = ' ';
			r++;
		} else if (*r == '%') {
			int hi = hex_digit_value(r[1]), lo = hi < 0 ? -1 : hex_digit_value(r[2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -1;
			*w++ = (char)(hi * 16 + lo);
			r += 3;
		} else
			*w++ = *r++;
	}
	*w = '\0';
	return (long)(w - s);
}

/* Parses v as a whole decimal integer into *out. Returns 0 or -1. */
static int parse_ll(const char *v, long long *out)
{
	char *end;

	if (v[0] == '\0' || v[0] == ' ' || v[0] == '+')
		return -1;
	errno = 0;
	*out = strtoll(v, &end, 10);
	return errno == 0 && *end == '\0' ? 0 : -1;
}

enum problem params_from_query(const struct param_spec *specs, char *query, struct param_value *out,
    char *detail, size_t dsz)
{
	enum problem p = PROBLEM_NONE;
	char *save = NULL;

	memset(out, 0, sizeof(*out) * PARAMS_MAX);
	for (char *pair = strtok_r(query, "&", &save); pair != NULL;
	     pair = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(pair, '=');
		char *val = eq != NULL ? eq + 1 : pair + strlen(pair);
		long vlen;
		if (eq != NULL)
			*eq = '\0';
		if (form_decode(pair) < 0 || (vlen = form_decode(val)) < 0) {
			snprintf(detail, dsz, "malformed query string");
			return PROBLEM_BAD_REQUEST;
		}
		int i = spec_index(specs, pair);
		if (i < 0) {
			snprintf(detail, dsz, "unknown query parameter '%.64s'", pair);
			return PROBLEM_INVALID_FIELD;
		}
		if (out[i].present) {
			snprintf(detail, dsz, "query parameter %s given twice", specs[i].name);
			return PROBLEM_INVALID_FIELD;
		}
		const struct param_spec *s = &specs[i];
		long long n;
		if (s->type == PARAM_STRING || s->type == PARAM_TEXT)
			p = check_string(s, val, (size_t)vlen, &out[i], detail, dsz);
		else if (s->type == PARAM_INT && parse_ll(val, &n) == 0)
			p = check_int(s, n, &out[i], detail, dsz);
		else if (s->type == PARAM_BOOL &&
		    (strcmp(val, "true") == 0 || strcmp(val, "false") == 0)) {
			out[i].present = 1;
			out[i].num = val[0] == 't';
		} else {
			snprintf(detail, dsz, "%s must be %s", s->name,
			    s->type == PARAM_INT ? "an integer" : "true or false");
			p = PROBLEM_INVALID_FIELD;
		}
		if (p != PROBLEM_NONE)
			return p;
	}
	return check_required(specs, out, detail, dsz);
}

/* Returns the JSON value for form value v of a field declared with type t:
 * an integer or boolean when it reads as one, else a string (validation
 * then says what is wrong). New reference. */
static struct json_object *form_value(enum param_type t, const char *v)
{
	long long n;

	if (t == PARAM_INT && parse_ll(v, &n) == 0)
		return json_object_new_int64(n);
	if (t == PARAM_BOOL && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0))
		return json_object_new_boolean(1);
	if (t == PARAM_BOOL && (strcmp(v, "false") == 0 || strcmp(v, "0") == 0))
		return json_object_new_boolean(0);
	return json_object_new_string(v);
}

enum problem params_form_to_json(const struct param_spec *specs, char *body,
    struct json_object **out, char *detail, size_t dsz)
{
	struct json_object *o = json_object_new_object(), *prev;
	char *save = NULL;

	for (char *pair = strtok_r(body, "&", &save); pair != NULL;
	     pair = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(pair, '=');
		char *val = eq != NULL ? eq + 1 : pair + strlen(pair);
		if (eq != NULL)
			*eq = '\0';
		if (form_decode(pair) < 0 || form_decode(val) < 0) {
			snprintf(detail, dsz, "malformed form body");
			goto bad;
		}
		int i = spec_index(specs, pair);
		enum param_type t = i >= 0 ? specs[i].type : PARAM_STRING;
		if (t == PARAM_TEXTS && json_object_object_get_ex(o, pair, &prev) &&
		    json_object_is_type(prev, json_type_string)) {
			struct json_object *arr = json_object_new_array();
			json_object_array_add(arr, json_object_get(prev));
			json_object_object_add(o, pair, arr); /* drops prev's old slot */
			prev = arr;
			json_object_array_add(prev, json_object_new_string(val));
		} else if (t == PARAM_TEXTS && !json_object_object_get_ex(o, pair, &prev)) {
			json_object_object_add(o, pair, json_object_new_string(val));
		} else if (t == PARAM_TEXT_ARRAY || t == PARAM_TEXTS) {
			if (!json_object_object_get_ex(o, pair, &prev)) {
				prev = json_object_new_array();
				json_object_object_add(o, pair, prev);
			}
			json_object_array_add(prev, json_object_new_string(val));
		} else if (json_object_object_get_ex(o, pair, &prev)) {
			snprintf(detail, dsz, "field %.64s given twice", pair);
			goto bad;
		} else
			json_object_object_add(o, pair, form_value(t, val));
	}
	*out = o;
	return PROBLEM_NONE;
bad:
	json_object_put(o);
	return PROBLEM_BAD_REQUEST;
}

long params_texts(const struct param_value *v, const char **texts, size_t cap)
{
	if (!v->present)
		return 0;
	if (v->array == NULL) {
		if (cap < 1)
			return -1;
		texts[0] = v->str;
		return 1;
	}
	if ((size_t)v->num > cap)
		return -1;
	for (size_t i = 0; i < (size_t)v->num; i++)
		texts[i] = json_object_get_string(json_object_array_get_idx(v->array, i));
	return (long)v->num;
}
