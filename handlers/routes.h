/* The list of route tables the server serves. */
#ifndef DRAGOMAN_ROUTES_H
#define DRAGOMAN_ROUTES_H

#include "core/router.h"

/* The handlers' route tables, NULL-terminated. */
extern const struct route *const handler_routes[];

#endif
