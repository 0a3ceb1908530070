#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "core/money.h"

const char *money_format(long long micros, char *buf, size_t bufsz)
{
	unsigned long long a =
	    micros < 0 ? 0ULL - (unsigned long long)micros : (unsigned long long)micros;

	snprintf(buf, bufsz, "%s%llu.%06llu", micros < 0 ? "-" : "",
	    a / (unsigned long long)MONEY_MICROS, a % (unsigned long long)MONEY_MICROS);
	return buf;
}

/* Grammar: DIGIT+ [ "." DIGIT{1,6} ] */
int money_parse(const char *s, long long *micros)
{
	long long whole = 0, frac = 0;
	int ndig = 0, nfrac = 0;

	for (; *s >= '0' && *s <= '9'; s++, ndig++) {
		whole = whole * 10 + (*s - '0');
		if (whole > MONEY_MAX / MONEY_MICROS)
			return -1;
	}
	if (ndig == 0)
		return -1;
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, nfrac++) {
			if (nfrac == 6)
				return -1;
			frac = frac * 10 + (*s - '0');
		}
		if (nfrac == 0)
			return -1;
	}
	if (*s != '\0')
		return -1;
	for (int i = nfrac; i < 6; i++)
		frac *= 10;
	*micros = whole * MONEY_MICROS + frac;
	return *micros <= MONEY_MAX ? 0 : -1;
}

long long money_cost(long long quantity, long long price_per_million)
{
	__int128 c;

	if (quantity < 0 || price_per_million < 0)
		return -1;
	c = ((__int128)quantity * price_per_million + 999999) / 1000000;
	return c <= MONEY_MAX ? (long long)c : -1;
}

void money_json_add(struct json_object *o, const char *name, long long micros)
{
	char buf[32], key[96];

	json_object_object_add(o, name,
	    json_object_new_string(money_format(micros, buf, sizeof(buf))));
	snprintf(key, sizeof(key), "%s_micros", name);
	json_object_object_add(o, key, json_object_new_int64(micros));
}
