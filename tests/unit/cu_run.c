#include "autoconfig.h"

#include <stdio.h>

#include <CUnit/Basic.h>

#include "cu_run.h"

int cu_run(const char *name, const struct cu_test *tests)
{
	CU_pSuite suite;
	int failed;

	/* a line at a time: the log of a suite stopped by a timeout shows
	 * the test it was in */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 99;
	suite = CU_add_suite(name, NULL, NULL);
	if (suite == NULL)
		goto fail;
	for (; tests->name != NULL; tests++)
		if (CU_add_test(suite, tests->name, tests->fn) == NULL)
			goto fail;
	CU_basic_set_mode(CU_BRM_VERBOSE);
	if (CU_basic_run_tests() != CUE_SUCCESS)
		goto fail;
	failed = (int)(CU_get_number_of_failures() + CU_get_number_of_tests_failed());
	if (CU_get_number_of_tests_run() == 0)
		failed = 1;
	CU_cleanup_registry();
	return failed ? 1 : 0;
fail:
	CU_cleanup_registry();
	return 99;
}
