/* Schema migrations: db/migrations/NNNN_name.sql, applied in order, each
 * in its own transaction, recorded in schema_migrations. */
#ifndef DRAGOMAN_MIGRATE_H
#define DRAGOMAN_MIGRATE_H

#include <stdio.h>

#include "store/db.h"

/* Applies every migration in dir that schema_migrations does not list,
 * in version order, reporting each to out. Concurrent runs are serialized
 * by an advisory lock. Returns the number applied, or -1 (message in err)
 * after rolling back the failing one. */
int migrate_apply(struct db *db, const char *dir, FILE *out, char *err, size_t errsz)
    __attribute__((warn_unused_result));

#endif
