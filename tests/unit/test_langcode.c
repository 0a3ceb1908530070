/* ISO 639-1 <-> ISO 639-3 mapping for providers. */
#include "autoconfig.h"

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

int main(void)
{
	static const struct cu_test tests[] = {
		{ "ISO 639-1 to 639-3", test_to_iso3 },
		{ "ISO 639-3 (and variants) to 639-1", test_to_iso1 },
		{ "round trips", test_round_trip },
		{ NULL, NULL }
	};
	return cu_run("langcode", tests);
}
