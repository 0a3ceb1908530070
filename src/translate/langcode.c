#include "autoconfig.h"

#include <ctype.h>
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
