/* Route tables exported by the handler files, one per route family. */
#ifndef DRAGOMAN_HANDLERS_H
#define DRAGOMAN_HANDLERS_H

#include "core/router.h"

extern const struct route health_routes[];
extern const struct route workspace_routes[];
extern const struct route translate_routes[];
extern const struct route compat_deepl_routes[];
extern const struct route compat_libre_routes[];
extern const struct route cache_stats_routes[];
extern const struct route billing_routes[];
extern const struct route admin_routes[];
extern const struct route payment_routes[];
extern const struct route report_routes[];
extern const struct route keys_routes[];
extern const struct route auth_routes[];
extern const struct route provider_routes[];
extern const struct route metrics_routes[];

#endif
