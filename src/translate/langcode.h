/* Language codes: ISO 639-1 ("en") is what the API speaks; providers may
 * want other forms (Apertium: ISO 639-3 "eng", with variants "eng_US";
 * DeepL: upper case "EN", with regional variants "EN-GB" for some
 * targets). The DeepL provider and the DeepL-compatible routes both map
 * through here. */
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

/* Writes code in lower case into out (8 bytes, cut at 7 characters) and
 * returns out; NULL stays NULL. Codes are case-insensitive ("EN" is "en"),
 * and a request's are written in lower case before anything compares,
 * caches or sends them. */
const char *langcode_lower(const char *code, char out[8]);

/* Writes the ISO 639-1 code of DeepL's code code ("EN-GB", "pt-br", "DE",
 * in any case) into out (3 bytes): its two-letter base, lower case; what
 * follows a '-' is not checked. Returns 0, or -1 when code has no
 * two-letter base (NULL, "", "E", "ENG", "EN_GB", "1E"). */
int langcode_from_deepl(const char *code, char out[3]);

/* Writes DeepL's code for code into out (8 bytes) and returns out: code
 * upper-cased, cut at 7 characters (NULL: ""). As a target (target not 0),
 * "en" and "pt" (lower case, as the API writes them) become the regional
 * variant DeepL requires of a target, "EN-US" and "PT-PT": what the DeepL
 * provider sends. A source, or a code the DeepL routes answer with, stays
 * as it is. */
const char *langcode_to_deepl(const char *code, int target, char out[8]);

/* Writes into out the DeepL codes that name the ISO 639-1 code iso1 as a
 * target and returns how many (1 or 2): both regional variants for "en"
 * ("EN-GB", "EN-US") and "pt" ("PT-BR", "PT-PT"), which DeepL clients
 * expect listed by GET /v2/languages?type=target; else
 * langcode_to_deepl(iso1, 0). */
size_t langcode_deepl_targets(const char *iso1, char out[2][8]);

#endif
