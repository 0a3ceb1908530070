/* Making a principal (an API key, a user) on behalf of another: the new
 * one holds no scope its maker does not hold. Shared by POST /v1/keys and
 * POST /v1/users. */
#ifndef DRAGOMAN_PRINCIPAL_H
#define DRAGOMAN_PRINCIPAL_H

#include <stddef.h>

#include <json-c/json.h>

#include "core/identity.h"
#include "core/params.h"
#include "core/problem.h"

/* Reads the validated "scopes" field v (absent: the maker's) into *mask.
 * Returns PROBLEM_NONE; PROBLEM_INVALID_FIELD for a name that is no scope;
 * PROBLEM_FORBIDDEN for a scope maker does not hold. detail is set on
 * failure. */
enum problem principal_scopes(const struct param_value *v, unsigned maker, unsigned *mask,
    char *detail, size_t dsz);

/* Writes mask as a PostgreSQL array literal ("{translate,reports}") into
 * out (outsz >= 96). Returns out, or NULL for every scope (stored as NULL). */
const char *principal_scopes_literal(unsigned mask, char *out, size_t outsz);

/* Returns a new JSON array of the scope names in mask (caller owns it). */
struct json_object *principal_scopes_json(unsigned mask);

#endif
