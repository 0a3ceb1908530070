/* Money: exact integer micro-units (1 EUR = 1000000) in long long, shown
 * as decimal strings with six places. No floating point anywhere. */
#ifndef DRAGOMAN_MONEY_H
#define DRAGOMAN_MONEY_H

#include <stddef.h>

#define MONEY_MICROS 1000000LL
/* the largest amount accepted anywhere: 1e12 units of currency */
#define MONEY_MAX (1000000000000LL * MONEY_MICROS)

/* Writes micros as "-12.345678" (always six decimals) into buf (at least
 * 24 bytes). Returns buf. */
const char *money_format(long long micros, char *buf, size_t bufsz);

/* Parses s, a non-negative decimal amount with at most six decimals
 * ("20", "0.6", "1.000001"), into *micros. Returns 0, or -1 when s is
 * malformed, has more decimals, or exceeds MONEY_MAX. */
int money_parse(const char *s, long long *micros);

/* Returns what quantity units cost at price_per_million micros per
 * million units, rounded up to the next micro (never undercharged), or -1
 * when either is negative or the result exceeds MONEY_MAX. */
long long money_cost(long long quantity, long long price_per_million);

struct json_object;

/* Adds an amount to o twice: name as the decimal string and name_micros
 * as the integer. */
void money_json_add(struct json_object *o, const char *name, long long micros);

#endif
