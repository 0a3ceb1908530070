/* A small runner shared by the CUnit suites: one suite per program. */
#ifndef DRAGOMAN_CU_RUN_H
#define DRAGOMAN_CU_RUN_H

#include <CUnit/CUnit.h>

struct cu_test {
	const char *name;
	CU_TestFunc fn;
};

/* Registers the NULL-terminated tests as suite name, runs them with the
 * basic (verbose) interface and returns the exit status for automake:
 * 0 when all passed, 1 otherwise (99 when CUnit itself failed). */
int cu_run(const char *name, const struct cu_test *tests);

#endif
