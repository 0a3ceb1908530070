/* ISO 639-1 <-> ISO 639-3 and DeepL code mapping for providers and the
 * DeepL-compatible routes. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "cu_run.h"
#include "translate/langcode.h"

static void test_to_iso3(void)
{
	CU_ASSERT_STRING_EQUAL(langcode_to_iso3("en"), "eng");
	CU_ASSERT_STRING_EQUAL(langcode_to_iso3("ES"), "spa");
	CU_ASSERT_STRING_EQUAL(langcode_to_iso3("ca"), "cat");
	CU_ASSERT_PTR_NULL(langcode_to_iso3("xx"));
	CU_ASSERT_PTR_NULL(langcode_to_iso3("eng"));
	CU_ASSERT_PTR_NULL(langcode_to_iso3("e"));
	CU_ASSERT_PTR_NULL(langcode_to_iso3(""));
	CU_ASSERT_PTR_NULL(langcode_to_iso3(NULL));
	CU_ASSERT_PTR_NULL(langcode_to_iso3("e1"));
}

static void test_to_iso1(void)
{
	CU_ASSERT_STRING_EQUAL(langcode_to_iso1("eng"), "en");
	CU_ASSERT_STRING_EQUAL(langcode_to_iso1("eng_US"), "en");
	CU_ASSERT_STRING_EQUAL(langcode_to_iso1("spa"), "es");
	CU_ASSERT_PTR_NULL(langcode_to_iso1("en"));
	CU_ASSERT_PTR_NULL(langcode_to_iso1("engl"));
	CU_ASSERT_PTR_NULL(langcode_to_iso1("xyz"));
	CU_ASSERT_PTR_NULL(langcode_to_iso1(NULL));
}

static void test_round_trip(void)
{
	static const char *const some[] = { "af", "de", "fr", "it", "nb", "pt", "ru", "uk", "zh" };

	for (size_t i = 0; i < sizeof(some) / sizeof(some[0]); i++) {
		const char *iso3 = langcode_to_iso3(some[i]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(iso3);
		CU_ASSERT_STRING_EQUAL(langcode_to_iso1(iso3), some[i]);
	}
}

/* DeepL's codes, as clients send them, to ISO 639-1. */
static void test_from_deepl(void)
{
	static const struct {
		int line;
		const char *code, *want; /* want NULL: refused */
	} cases[] = {
		{ __LINE__, "DE", "de" },
		{ __LINE__, "de", "de" },
		{ __LINE__, "EN-GB", "en" },
		{ __LINE__, "EN-US", "en" },
		{ __LINE__, "pt-br", "pt" },
		{ __LINE__, "Pt-Pt", "pt" },
		{ __LINE__, "zh-hans", "zh" },
		{ __LINE__, "ZH-HANT", "zh" },
		{ __LINE__, "en-", "en" }, /* the region is not checked */
		{ __LINE__, "XX", "xx" }, /* nor whether the language exists */
		{ __LINE__, "", NULL },
		{ __LINE__, "E", NULL },
		{ __LINE__, "ENG", NULL },
		{ __LINE__, "EN_GB", NULL },
		{ __LINE__, "ENGLISH-GB", NULL },
		{ __LINE__, "1E", NULL },
		{ __LINE__, "E1", NULL },
		{ __LINE__, "-EN", NULL },
		{ __LINE__, " EN", NULL },
		{ __LINE__, "\xc3\xa9n", NULL },
		{ __LINE__, NULL, NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[3] = "?";
		int rc = langcode_from_deepl(cases[i].code, out);
		if (cases[i].want == NULL) {
			CU_ASSERT_EQUAL(rc, -1);
		} else {
			CU_ASSERT_EQUAL(rc, 0);
			CU_ASSERT_STRING_EQUAL(out, cases[i].want);
		}
		if ((rc == 0) != (cases[i].want != NULL))
			fprintf(stderr, "\n  line %d: %d\n", cases[i].line, rc);
	}
}

/* ISO 639-1 (and codes the providers list) to what DeepL takes: a target
 * English or Portuguese with its region, the rest upper case. */
static void test_to_deepl(void)
{
	static const struct {
		int line;
		const char *code;
		int target;
		const char *want;
	} cases[] = {
		{ __LINE__, "de", 0, "DE" },
		{ __LINE__, "de", 1, "DE" },
		{ __LINE__, "en", 0, "EN" },
		{ __LINE__, "en", 1, "EN-US" },
		{ __LINE__, "pt", 0, "PT" },
		{ __LINE__, "pt", 1, "PT-PT" },
		{ __LINE__, "ja", 1, "JA" },
		{ __LINE__, "zh-hans", 1, "ZH-HANS" },
		{ __LINE__, "pt-BR", 0, "PT-BR" },
		{ __LINE__, "EN", 1, "EN" }, /* the API's codes are lower case */
		{ __LINE__, "abcdefghijkl", 0, "ABCDEFG" },
		{ __LINE__, "", 1, "" },
		{ __LINE__, NULL, 1, "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[8];
		const char *got = langcode_to_deepl(cases[i].code, cases[i].target, out);
		CU_ASSERT_PTR_EQUAL(got, out);
		CU_ASSERT_STRING_EQUAL(got, cases[i].want);
		if (strcmp(got, cases[i].want) != 0)
			fprintf(stderr, "\n  line %d: %s\n", cases[i].line, got);
	}
}

/* A request's codes in lower case, whatever case they came in. */
static void test_lower(void)
{
	char out[8];

	CU_ASSERT_STRING_EQUAL(langcode_lower("EN", out), "en");
	CU_ASSERT_PTR_EQUAL(langcode_lower("Es", out), out);
	CU_ASSERT_STRING_EQUAL(out, "es");
	CU_ASSERT_STRING_EQUAL(langcode_lower("AUTO", out), "auto");
	CU_ASSERT_STRING_EQUAL(langcode_lower("pt-BR", out), "pt-br");
	CU_ASSERT_STRING_EQUAL(langcode_lower("ABCDEFGHIJ", out), "abcdefg");
	CU_ASSERT_STRING_EQUAL(langcode_lower("", out), "");
	CU_ASSERT_PTR_NULL(langcode_lower(NULL, out));
}

/* The codes GET /v2/languages?type=target lists for one language. */
static void test_deepl_targets(void)
{
	char codes[2][8];

	CU_ASSERT_EQUAL_FATAL(langcode_deepl_targets("en", codes), 2);
	CU_ASSERT_STRING_EQUAL(codes[0], "EN-GB");
	CU_ASSERT_STRING_EQUAL(codes[1], "EN-US");
	CU_ASSERT_EQUAL_FATAL(langcode_deepl_targets("pt", codes), 2);
	CU_ASSERT_STRING_EQUAL(codes[0], "PT-BR");
	CU_ASSERT_STRING_EQUAL(codes[1], "PT-PT");
	CU_ASSERT_EQUAL_FATAL(langcode_deepl_targets("de", codes), 1);
	CU_ASSERT_STRING_EQUAL(codes[0], "DE");
	CU_ASSERT_EQUAL_FATAL(langcode_deepl_targets("zh-hans", codes), 1);
	CU_ASSERT_STRING_EQUAL(codes[0], "ZH-HANS");
	CU_ASSERT_EQUAL_FATAL(langcode_deepl_targets("", codes), 1);
	CU_ASSERT_STRING_EQUAL(codes[0], "");
	/* a target sent is one of the codes listed for it */
	CU_ASSERT_STRING_EQUAL(langcode_to_deepl("en", 1, codes[0]), "EN-US");
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "ISO 639-1 to 639-3", test_to_iso3 },
		{ "ISO 639-3 (and variants) to 639-1", test_to_iso1 },
		{ "round trips", test_round_trip },
		{ "DeepL codes to ISO 639-1", test_from_deepl },
		{ "ISO 639-1 to DeepL codes", test_to_deepl },
		{ "DeepL's regional targets", test_deepl_targets },
		{ "codes in lower case", test_lower },
		{ NULL, NULL },
	};
	return cu_run("langcode", tests);
}
