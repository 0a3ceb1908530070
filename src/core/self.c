#include "autoconfig.h"

#include <pthread.h>
#include <unistd.h>

#include "core/self.h"

static pid_t pid; /* 0: not asked yet in this process */

/* fork()'s child handler: the child asks again. */
static void forget(void)
{
	pid = 0;
}

pid_t self_pid(void)
{
	static int registered;

	if (!registered) {
		registered = pthread_atfork(NULL, NULL, forget) == 0;
	}
	if (pid == 0)
		pid = getpid();
	return pid;
}
