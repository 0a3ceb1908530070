#include "autoconfig.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "core/html.h"

/* Returns the end of the tag that starts at p ('<'), past its '>', or NULL
 * when it does not end. Quoted attribute values may contain '>'. */
static const char *tag_end(const char *p)
{
	char quote = 0;

	for (p++; *p != '\0'; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0;
		} else if (*p == '"' || *p == '\'') {
			quote = *p;
		} else if (*p == '>') {
			return p + 1;
		}
	}
	return NULL;
}

/* Returns 1 when the tag at p opens element name (case-insensitive). */
static int opens(const char *p, const char *name)
{
	size_t n = strlen(name);

	return strncasecmp(p + 1, name, n) == 0 && !isalnum((unsigned char)p[1 + n]);
}

/* Returns the end of an entity starting at p ('&'), past its ';', or NULL
 * when p does not start one ("&" followed by up to 32 name characters). */
static const char *entity_end(const char *p)
{
	for (int i = 1; i <= 32 && p[i] != '\0'; i++) {
		if (p[i] == ';')
			return i > 1 ? p + i + 1 : NULL;
		if (!isalnum((unsigned char)p[i]) && p[i] != '#')
			return NULL;
	}
	return NULL;
}

long html_text_length(const char *s)
{
	const char *p = s, *e;
	long n = 0;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, "<!--", 4) == 0) {
			e = strstr(p + 4, "-->");
			p = e != NULL ? e + 3 : NULL;
		} else if (*p == '<' &&
		    (isalpha((unsigned char)p[1]) || p[1] == '/' || p[1] == '!' || p[1] == '?')) {
			int raw = opens(p, "script") || opens(p, "style");
			const char *close =
			    raw ? (opens(p, "script") ? "</script" : "</style") : NULL;
			p = tag_end(p);
			if (p != NULL && close != NULL) {
				e = strcasestr(p, close);
				p = e != NULL ? tag_end(e) : NULL;
			}
		} else if (*p == '&' && (e = entity_end(p)) != NULL) {
			n++;
			p = e;
		} else {
			n += ((unsigned char)*p & 0xC0) != 0x80;
			p++;
		}
	}
	return n;
}
