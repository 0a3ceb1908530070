#include "autoconfig.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "langcode.h"

/* ISO 639-1 to ISO 639-3 (the individual-language codes Apertium uses). */
static const char *const codes[][2] = {
	{ "af", "afr" }, { "an", "arg" }, { "ar", "ara" }, { "be", "bel" },
	{ "bg", "bul" }, { "br", "bre" }, { "ca", "cat" }, { "cs", "ces" }, { "cy", "cym" },
	{ "da", "dan" }, { "de", "deu" }, { "el", "ell" }, { "en", "eng" }, { "eo", "epo" },
	{ "es", "spa" }, { "et", "est" }, { "eu", "eus" }, { "fa", "fas" }, { "fi", "fin" },
	{ "fr", "fra" }, { "ga", "gle" }, { "gl", "glg" }, { "he", "heb" }, { "hi", "hin" },
	{ "hr", "hrv" }, { "hu", "hun" }, { "id", "ind" }, { "is", "isl" }, { "it", "ita" },
	{ "ja", "jpn" }, { "kk", "kaz" }, { "ko", "kor" }, { "lt", "lit" }, { "lv", "lav" },
	{ "mk", "mkd" }, { "ms", "msa" }, { "mt", "mlt" }, { "nb", "nob" }, { "nl", "nld" },
	{ "nn", "nno" }, { "oc", "oci" }, { "pl", "pol" }, { "pt", "por" }, { "ro", "ron" },
	{ "ru", "rus" }, { "sc", "srd" }, { "sk", "slk" }, { "sl", "slv" }, { "sq", "sqi" },
	{ "sr", "srp" }, { "sv", "swe" }, { "tr", "tur" }, { "tt", "tat" }, { "uk", "ukr" },
	{ "ur", "urd" }, { "uz", "uzb" }, { "vi", "vie" }, { "zh", "zho" },
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
		if (codes[i][1] != NULL && strcasecmp(codes[i][0], iso1) == 0)
			return codes[i][1];
	return NULL;
}

const char *langcode_to_iso1(const char *iso3)
{
	size_t n = iso3 != NULL ? strcspn(iso3, "_") : 0;

	for (size_t i = 0; n == 3 && i < NCODES; i++)
		if (codes[i][1] != NULL && strncmp(codes[i][1], iso3, 3) == 0)
			return codes[i][0];
	return NULL;
}
