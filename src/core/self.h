/* The running process's own id, without a system call each time. */
#ifndef DRAGOMAN_SELF_H
#define DRAGOMAN_SELF_H

#include <sys/types.h>

/* Returns getpid(), asked once per process (a child of fork() asks
 * again). */
pid_t self_pid(void);

#endif
