/* The process's own id asked once: right in the process, and right again
 * in a child of fork(), which a worker of the prefork server is. */
#include "autoconfig.h"

#include <sys/wait.h>
#include <unistd.h>

#include "core/self.h"
#include "cu_run.h"

static void test_own_pid(void)
{
	CU_ASSERT_EQUAL(self_pid(), getpid());
	CU_ASSERT_EQUAL(self_pid(), getpid());
}

static void test_child_asks_again(void)
{
	int status = 0;
	pid_t parent = self_pid(), child = fork();

	CU_ASSERT_FATAL(child >= 0);
	if (child == 0)
		_exit(self_pid() == getpid() && self_pid() != parent ? 0 : 1);
	CU_ASSERT_EQUAL(waitpid(child, &status, 0), child);
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CU_ASSERT_EQUAL(self_pid(), parent);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "the process's own id", test_own_pid },
		{ "a child of fork() asks again", test_child_asks_again },
		{ NULL, NULL },
	};

	return cu_run("self", tests);
}
