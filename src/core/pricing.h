/* The pricing table: what a model (a translation provider's name, or a
 * "vendor/model" for metered usage) costs per million units of
 * characters, tokens or requests. It comes from the `prices` setting:
 *   prices = apertium:characters=1.00, openai/gpt-4o:tokens=10.00, ...
 * (amounts in the workspace currency per million units, up to six
 * decimals). */
#ifndef DRAGOMAN_PRICING_H
#define DRAGOMAN_PRICING_H

#include <stddef.h>

#define PRICING_MAX 64

struct price {
	char model[64];
	char unit[16]; /* characters, tokens or requests */
	long long per_million; /* micros per million units */
};

struct pricing {
	struct price items[PRICING_MAX];
	size_t n;
};

/* Parses spec into out. Returns 0, or -1 with a message naming the
 * offending entry in err. */
int pricing_parse(const char *spec, struct pricing *out, char *err, size_t errsz);

/* Returns the price per million units of unit for model, or -1 when the
 * table has none. */
long long pricing_find(const struct pricing *p, const char *model, const char *unit);

/* Returns 1 when unit is one the table knows (characters, tokens,
 * requests), else 0. */
int pricing_unit_valid(const char *unit);

#endif
