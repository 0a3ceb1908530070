/* Language identification with the real libexttextcat models. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "cu_run.h"
#include "proc/worker.h"
#include "translate/detect.h"

static struct worker w;

struct detect_case {
	int line;
	const char *text;
	const char *want; /* "" : cannot tell */
};

static void test_table(void)
{
	static const struct detect_case cases[] = {
		{ __LINE__, "The weather is lovely today and we are going to the beach.", "en" },
		{ __LINE__, "El tiempo es muy bueno hoy y vamos a la playa con mis amigos.", "es" },
		{ __LINE__, "Das Wetter ist heute sehr sch\xc3\xb6n und wir gehen an den Strand.",
		    "de" },
		{ __LINE__,
		    "Il fait tr\xc3\xa8s beau aujourd'hui et nous allons \xc3\xa0 la plage.",
		    "fr" },
		{ __LINE__, "ok", "" },
		{ __LINE__, "", "" },
		{ __LINE__, "1234567890 1234567890 1234567890", "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct detection d;
		CU_ASSERT_EQUAL_FATAL(detect_language(&w, cases[i].text, strlen(cases[i].text), &d),
		    0);
		if (strcmp(d.language, cases[i].want) != 0)
			fprintf(stderr, "\n  line %d: '%s'\n", cases[i].line, d.language);
		CU_ASSERT_STRING_EQUAL(d.language, cases[i].want);
		if (d.language[0]) {
			CU_ASSERT(d.confidence > 0 && d.confidence <= 1.0);
			CU_ASSERT(d.ncandidates >= 1);
			CU_ASSERT_STRING_EQUAL(d.candidates[0], d.language);
		} else {
			CU_ASSERT_EQUAL(d.ncandidates, 0);
		}
	}
}

static void test_binary_and_long(void)
{
	static char junk[5000];
	struct detection d;

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i * 7 + 1);
	CU_ASSERT_EQUAL(detect_language(&w, junk, sizeof(junk), &d), 0);
	CU_ASSERT(d.ncandidates <= DETECT_ALTERNATIVES);
	char longer[8192] = "";
	while (strlen(longer) + 64 < sizeof(longer))
		strcat(longer, "The weather is lovely today and we are going out. ");
	CU_ASSERT_EQUAL(detect_language(&w, longer, strlen(longer), &d), 0);
	CU_ASSERT_STRING_EQUAL(d.language, "en");
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "languages told apart, short texts not guessed", test_table },
		{ "binary junk and long text", test_binary_and_long },
		{ NULL, NULL },
	};
	int rc = cu_run("detect", tests);
	detect_free(w.textcat);
	return rc;
}
