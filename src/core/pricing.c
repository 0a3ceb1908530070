#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "core/money.h"
#include "core/pricing.h"

int pricing_unit_valid(const char *unit)
{
	return strcmp(unit, "characters") == 0 || strcmp(unit, "tokens") == 0 ||
	    strcmp(unit, "requests") == 0;
}

/* Parses one entry "model:unit=amount" (spaces trimmed) into pr. Returns 0
 * or -1. */
static int parse_entry(char *e, struct price *pr)
{
	char *colon, *eq, *end;

	while (*e == ' ')
		e++;
	end = e + strlen(e);
	while (end > e && end[-1] == ' ')
		*--end = '\0';
	colon = strrchr(e, ':');
	eq = strchr(e, '=');
	if (colon == NULL || eq == NULL || eq < colon || colon == e)
		return -1;
	*colon = *eq = '\0';
	if (strlen(e) >= sizeof(pr->model) || strlen(colon + 1) >= sizeof(pr->unit) ||
	    !pricing_unit_valid(colon + 1) || money_parse(eq + 1, &pr->per_million) < 0)
		return -1;
	for (const char *c = e; *c != '\0'; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || strchr("-_./", *c)))
			return -1;
	snprintf(pr->model, sizeof(pr->model), "%s", e);
	snprintf(pr->unit, sizeof(pr->unit), "%s", colon + 1);
	return 0;
}

int pricing_parse(const char *spec, struct pricing *out, char *err, size_t errsz)
{
	char buf[4096], *save = NULL;

	memset(out, 0, sizeof(*out));
	if (strlen(spec) >= sizeof(buf)) {
		snprintf(err, errsz, "prices: too long");
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", spec);
	for (char *e = strtok_r(buf, ",", &save); e != NULL; e = strtok_r(NULL, ",", &save)) {
		struct price pr;
		char shown[96];
		snprintf(shown, sizeof(shown), "%s", e);
		if (out->n == PRICING_MAX || parse_entry(e, &pr) < 0) {
			snprintf(err, errsz,
			    "prices: '%s' is not model:unit=amount (units: characters, "
			    "tokens, requests; amount per million units, at most six decimals)",
			    shown);
			return -1;
		}
		if (pricing_find(out, pr.model, pr.unit) >= 0) {
			snprintf(err, errsz, "prices: %s:%s is priced twice", pr.model, pr.unit);
			return -1;
		}
		out->items[out->n++] = pr;
	}
	return 0;
}

long long pricing_find(const struct pricing *p, const char *model, const char *unit)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->items[i].model, model) == 0 && strcmp(p->items[i].unit, unit) == 0)
			return p->items[i].per_million;
	return -1;
}
