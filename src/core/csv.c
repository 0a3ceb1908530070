#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "core/csv.h"

/* A growing text; failed is set once memory runs out. */
struct text {
	char *buf;
	size_t len, cap;
	int failed;
};

/* Appends n bytes of s to t. */
static void put(struct text *t, const char *s, size_t n)
{
	if (t->failed)
		return;
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 1024;
		char *b;
		while (cap < t->len + n + 1)
			cap *= 2;
		b = realloc(t->buf, cap);
		if (b == NULL) {
			t->failed = 1;
			return;
		}
		t->buf = b;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

/* Returns 1 when s is a plain decimal number: [+-]?[0-9]+(.[0-9]+)?
 * (how money and counts are written), which no spreadsheet takes for a
 * formula. */
static int plain_number(const char *s)
{
	size_t n;

	if (*s == '+' || *s == '-')
		s++;
	n = strspn(s, "0123456789");
	if (n == 0)
		return 0;
	s += n;
	if (*s == '.') {
		n = strspn(++s, "0123456789");
		if (n == 0)
			return 0;
		s += n;
	}
	return *s == '\0';
}

/* Returns 1 when a spreadsheet would read the text s as a formula: it
 * starts with =, +, -, @, a tab or a CR, and is no plain number. */
static int formula_like(const char *s)
{
	return s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL && !plain_number(s);
}

/* Appends s as one field, quoted when it needs to be; a text that reads
 * as a formula (text is set: not a JSON number) gets a leading single
 * quote inside the quotes, which spreadsheets show but do not evaluate. */
static void field(struct text *t, const char *s, int text)
{
	int neutral = text && formula_like(s);

	if (!neutral && strpbrk(s, ",\"\r\n") == NULL) {
		put(t, s, strlen(s));
		return;
	}
	put(t, neutral ? "\"'" : "\"", neutral ? 2 : 1);
	for (const char *q; (q = strchr(s, '"')) != NULL; s = q + 1) {
		put(t, s, (size_t)(q - s));
		put(t, "\"\"", 2);
	}
	put(t, s, strlen(s));
	put(t, "\"", 1);
}

char *csv_render(const char *const *columns, struct json_object *rows)
{
	struct text t = { NULL, 0, 0, 0 };
	size_t n = json_object_array_length(rows);

	for (int c = 0; columns[c] != NULL; c++) {
		if (c > 0)
			put(&t, ",", 1);
		field(&t, columns[c], 1);
	}
	put(&t, "\r\n", 2);
	for (size_t i = 0; i < n; i++) {
		struct json_object *row = json_object_array_get_idx(rows, i), *v;
		for (int c = 0; columns[c] != NULL; c++) {
			if (c > 0)
				put(&t, ",", 1);
			if (json_object_object_get_ex(row, columns[c], &v) && v != NULL)
				field(&t,
				    json_object_is_type(v, json_type_string)
				        ? json_object_get_string(v)
				        : json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN),
				    json_object_is_type(v, json_type_string));
		}
		put(&t, "\r\n", 2);
	}
	if (t.failed) {
		free(t.buf);
		return NULL;
	}
	return t.buf;
}
