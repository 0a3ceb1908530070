/* Work left for after the response: order, duplicates, a full queue, a
 * job that queues another. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "cu_run.h"
#include "proc/worker.h"

static char ran[256];

/* Appends "a:arg;" to ran. */
static void job_a(struct worker *w, const char *arg)
{
	(void)w;
	snprintf(ran + strlen(ran), sizeof(ran) - strlen(ran), "a:%s;", arg);
}

/* Appends "b:arg;" to ran. */
static void job_b(struct worker *w, const char *arg)
{
	(void)w;
	snprintf(ran + strlen(ran), sizeof(ran) - strlen(ran), "b:%s;", arg);
}

/* Appends "c;" to ran and queues job_a("from-c"). */
static void job_c(struct worker *w, const char *arg)
{
	(void)arg;
	snprintf(ran + strlen(ran), sizeof(ran) - strlen(ran), "c;");
	CU_ASSERT_EQUAL(worker_defer(w, job_a, "from-c"), 0);
}

static void test_order_and_duplicates(void)
{
	struct worker w;

	memset(&w, 0, sizeof(w));
	ran[0] = '\0';
	CU_ASSERT_EQUAL(worker_defer(&w, job_a, "pay_1"), 0);
	CU_ASSERT_EQUAL(worker_defer(&w, job_b, NULL), 0);
	CU_ASSERT_EQUAL(worker_defer(&w, job_a, "pay_1"), 0);
	CU_ASSERT_EQUAL(worker_defer(&w, job_a, "pay_2"), 0);
	CU_ASSERT_EQUAL(w.njobs, 3);
	worker_run_jobs(&w);
	CU_ASSERT_STRING_EQUAL(ran, "a:pay_1;b:;a:pay_2;");
	CU_ASSERT_EQUAL(w.njobs, 0);
	/* an empty queue runs nothing */
	ran[0] = '\0';
	worker_run_jobs(&w);
	CU_ASSERT_STRING_EQUAL(ran, "");
}

static void test_full_queue_and_long_argument(void)
{
	struct worker w;
	char id[16], longarg[sizeof(w.jobs[0].arg) + 1];

	memset(&w, 0, sizeof(w));
	ran[0] = '\0';
	for (int i = 0; i < WORKER_JOBS_MAX; i++) {
		snprintf(id, sizeof(id), "%d", i);
		CU_ASSERT_EQUAL(worker_defer(&w, job_a, id), 0);
	}
	CU_ASSERT_EQUAL(worker_defer(&w, job_b, "one too many"), -1);
	CU_ASSERT_EQUAL(w.njobs, WORKER_JOBS_MAX);
	worker_run_jobs(&w);
	CU_ASSERT_PTR_NULL(strstr(ran, "b:"));
	memset(longarg, 'x', sizeof(longarg) - 1);
	longarg[sizeof(longarg) - 1] = '\0';
	CU_ASSERT_EQUAL(worker_defer(&w, job_a, longarg), -1);
	CU_ASSERT_EQUAL(w.njobs, 0);
}

static void test_job_queues_job(void)
{
	struct worker w;

	memset(&w, 0, sizeof(w));
	ran[0] = '\0';
	CU_ASSERT_EQUAL(worker_defer(&w, job_c, NULL), 0);
	worker_run_jobs(&w);
	CU_ASSERT_STRING_EQUAL(ran, "c;a:from-c;");
	CU_ASSERT_EQUAL(w.njobs, 0);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "order and duplicates", test_order_and_duplicates },
		{ "full queue, long argument", test_full_queue_and_long_argument },
		{ "a job that queues a job", test_job_queues_job },
		{ NULL, NULL },
	};
	return cu_run("jobs", tests);
}
