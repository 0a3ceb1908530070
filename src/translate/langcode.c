#include "autoconfig.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "translate/langcode.h"

/* ISO 639-1, ISO 639-3 (the individual-language codes Apertium uses) and
 * the English name. */
static const struct language {
	const char *iso1, *iso3, *name;
} codes[] = {
	{ "af", "afr", "Afrikaans" },
	{ "an", "arg", "Aragonese" },
	{ "ar", "ara", "Arabic" },
	{ "be", "bel", "Belarusian" },
	{ "bg", "bul", "Bulgarian" },
	{ "br", "bre", "Breton" },
	{ "ca", "cat", "Catalan" },
	{ "cs", "ces", "Czech" },
	{ "cy", "cym", "Welsh" },
	{ "da", "dan", "Danish" },
	{ "de", "deu", "German" },
	{ "el", "ell", "Greek" },
	{ "en", "eng", "English" },
	{ "eo", "epo", "Esperanto" },
	{ "es", "spa", "Spanish" },
	{ "et", "est", "Estonian" },
	{ "eu", "eus", "Basque" },
	{ "fa", "fas", "Persian" },
	{ "fi", "fin", "Finnish" },
	{ "fr", "fra", "French" },
	{ "ga", "gle", "Irish" },
	{ "gl", "glg", "Galician" },
	{ "he", "heb", "Hebrew" },
	{ "hi", "hin", "Hindi" },
	{ "hr", "hrv", "Croatian" },
	{ "hu", "hun", "Hungarian" },
	{ "id", "ind", "Indonesian" },
	{ "is", "isl", "Icelandic" },
	{ "it", "ita", "Italian" },
	{ "ja", "jpn", "Japanese" },
	{ "kk", "kaz", "Kazakh" },
	{ "ko", "kor", "Korean" },
	{ "lt", "lit", "Lithuanian" },
	{ "lv", "lav", "Latvian" },
	{ "mk", "mkd", "Macedonian" },
	{ "ms", "msa", "Malay" },
	{ "mt", "mlt", "Maltese" },
	{ "nb", "nob", "Norwegian Bokm\xc3\xa5l" },
	{ "nl", "nld", "Dutch" },
	{ "nn", "nno", "Norwegian Nynorsk" },
	{ "oc", "oci", "Occitan" },
	{ "pl", "pol", "Polish" },
	{ "pt", "por", "Portuguese" },
	{ "ro", "ron", "Romanian" },
	{ "ru", "rus", "Russian" },
	{ "sc", "srd", "Sardinian" },
	{ "sk", "slk", "Slovak" },
	{ "sl", "slv", "Slovenian" },
	{ "sq", "sqi", "Albanian" },
	{ "sr", "srp", "Serbian" },
	{ "sv", "swe", "Swedish" },
	{ "tr", "tur", "Turkish" },
	{ "tt", "tat", "Tatar" },
	{ "uk", "ukr", "Ukrainian" },
	{ "ur", "urd", "Urdu" },
	{ "uz", "uzb", "Uzbek" },
	{ "vi", "vie", "Vietnamese" },
	{ "zh", "zho", "Chinese" },
};
#define NCODES (sizeof(codes) / sizeof(codes[0]))

/* The languages DeepL takes as a target only with a region: both regional
 * codes, the second the one dragoman sends. */
static const struct deepl_regional {
	const char *iso1, *variants[2];
} deepl_regional[] = {
	{ "en", { "EN-GB", "EN-US" } },
	{ "pt", { "PT-BR", "PT-PT" } },
};
#define NREGIONAL (sizeof(deepl_regional) / sizeof(deepl_regional[0]))

int langcode_is_iso1(const char *s)
{
	return s != NULL && isalpha((unsigned char)s[0]) && isalpha((unsigned char)s[1]) &&
	    s[2] == '\0';
}

const char *langcode_to_iso3(const char *iso1)
{
	if (!langcode_is_iso1(iso1))
		return NULL;
	for (size_t i = 0; i < NCODES; i++)
		if (strcasecmp(codes[i].iso1, iso1) == 0)
			return codes[i].iso3;
	return NULL;
}

const char *langcode_to_iso1(const char *iso3)
{
	size_t n = iso3 != NULL ? strcspn(iso3, "_") : 0;

	for (size_t i = 0; n == 3 && i < NCODES; i++)
		if (strncmp(codes[i].iso3, iso3, 3) == 0)
			return codes[i].iso1;
	return NULL;
}

const char *langcode_name(const char *iso1)
{
	if (!langcode_is_iso1(iso1))
		return NULL;
	for (size_t i = 0; i < NCODES; i++)
		if (strcasecmp(codes[i].iso1, iso1) == 0)
			return codes[i].name;
	return NULL;
}

const char *langcode_lower(const char *code, char out[8])
{
	size_t i = 0;

	if (code == NULL)
		return NULL;
	for (; i < 7 && code[i] != '\0'; i++)
		out[i] = (char)tolower((unsigned char)code[i]);
	out[i] = '\0';
	return out;
}

int langcode_from_deepl(const char *code, char out[3])
{
	if (code == NULL || !isalpha((unsigned char)code[0]) || !isalpha((unsigned char)code[1]) ||
	    (code[2] != '\0' && code[2] != '-'))
		return -1;
	out[0] = (char)tolower((unsigned char)code[0]);
	out[1] = (char)tolower((unsigned char)code[1]);
	out[2] = '\0';
	return 0;
}

/* Returns the regional variants row of the ISO 639-1 code iso1 (lower
 * case), or NULL. */
static const struct deepl_regional *regional(const char *iso1)
{
	for (size_t i = 0; iso1 != NULL && i < NREGIONAL; i++)
		if (strcmp(deepl_regional[i].iso1, iso1) == 0)
			return &deepl_regional[i];
	return NULL;
}

const char *langcode_to_deepl(const char *code, int target, char out[8])
{
	const struct deepl_regional *v = target ? regional(code) : NULL;
	size_t i = 0;

	if (v != NULL)
		code = v->variants[1];
	for (; code != NULL && i < 7 && code[i] != '\0'; i++)
		out[i] = (char)toupper((unsigned char)code[i]);
	out[i] = '\0';
	return out;
}

size_t langcode_deepl_targets(const char *iso1, char out[2][8])
{
	const struct deepl_regional *v = regional(iso1);

	if (v == NULL) {
		langcode_to_deepl(iso1, 0, out[0]);
		return 1;
	}
	for (size_t k = 0; k < 2; k++)
		snprintf(out[k], 8, "%s", v->variants[k]);
	return 2;
}
