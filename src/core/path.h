/* Canonical request paths: the one form used for both routing and
 * authorization. */
#ifndef DRAGOMAN_PATH_H
#define DRAGOMAN_PATH_H

#include <stddef.h>

#include "core/problem.h"

#define PATH_MAX_LEN 1024

/* Canonicalizes the path part of a raw request-target (anything from '?'
 * on is ignored) into out (outsz bytes, NUL-terminated).
 * Returns PROBLEM_NONE, or PROBLEM_BAD_PATH for input it refuses. */
enum problem path_canonicalize(const char *target, char *out, size_t outsz);

/* Returns a pointer into target just after its first '?', or "" when there
 * is no query. Nothing is allocated. */
const char *path_query(const char *target);

#endif
