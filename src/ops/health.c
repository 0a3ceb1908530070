#include "autoconfig.h"

#include <time.h>

#include "core/clock.h"
#include "ops/health.h"
#include "proc/worker.h"
#include "store/cache.h"
#include "store/db.h"

void health_probe(struct worker *w, struct health_probe *out)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	out->db_up = db_ping(w->db);
	out->db_ms = clock_ms_since(&t0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	out->mc_up = cache_ping(w->cache);
	out->mc_ms = clock_ms_since(&t0);
}
