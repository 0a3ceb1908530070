/* Every route table of the handlers, in the order the router tries them:
 * what the server hands to the request pipeline (app_handle()). */
#include "autoconfig.h"

#include "handlers/handlers.h"
#include "handlers/routes.h"

const struct route *const handler_routes[] = { health_routes, workspace_routes, translate_routes,
	compat_deepl_routes, compat_libre_routes, cache_stats_routes, billing_routes, admin_routes,
	payment_routes, report_routes, keys_routes, auth_routes, provider_routes, metrics_routes,
	NULL };
