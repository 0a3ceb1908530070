/* Language codes: ISO 639-1 ("en") is what the API speaks; providers may
 * want other forms (Apertium: ISO 639-3 "eng", with variants "eng_US"). */
#ifndef DRAGOMAN_LANGCODE_H
#define DRAGOMAN_LANGCODE_H

/* Returns the ISO 639-3 code for the ISO 639-1 code iso1 (any case), or
 * NULL when it is not known. Static strings. */
const char *langcode_to_iso3(const char *iso1);

/* Returns the ISO 639-1 code for the ISO 639-3 code iso3 (a variant
 * suffix such as "_US" is ignored), or NULL. Static strings. */
const char *langcode_to_iso1(const char *iso3);

/* Returns the English name of the language with ISO 639-1 code iso1 (any
 * case), or NULL when it is not known. Static strings. */
const char *langcode_name(const char *iso1);

/* Returns 1 when s looks like an ISO 639-1 code (two ASCII letters). */
int langcode_is_iso1(const char *s);

#endif
