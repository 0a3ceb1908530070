#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "proc/worker.h"
#include "store/cache.h"
#include "translate/breaker.h"

/* how long a tripped breaker is remembered for its half-open probe */
#define TRIPPED_TTL 86400

/* Writes the memcached key of provider's part into out (96 bytes). */
static void bkey(char *out, const char *provider, const char *part)
{
	snprintf(out, 96, "dgm:brk:%s:%s", provider, part);
}

/* Reads the open and tripped flags in one round trip. Returns 0, or -1
 * when memcached cannot tell. */
static int flags(struct worker *w, const char *provider, int *open, int *tripped)
{
	char kopen[96], ktripped[96], *values[2];
	const char *keys[] = { kopen, ktripped };

	bkey(kopen, provider, "open");
	bkey(ktripped, provider, "tripped");
	if (cache_get_multi(w->cache, keys, 2, values) < 0)
		return -1;
	*open = values[0] != NULL;
	*tripped = values[1] != NULL;
	free(values[0]);
	free(values[1]);
	return 0;
}

enum breaker_admission breaker_admit(struct worker *w, const char *provider)
{
	char kprobe[96];
	int open, tripped;

	if (flags(w, provider, &open, &tripped) < 0)
		return BREAKER_CALL;
	if (open)
		return BREAKER_REFUSE;
	if (!tripped)
		return BREAKER_CALL;
	/* half-open: one probe in flight at a time, across all workers */
	bkey(kprobe, provider, "probe");
	switch (cache_add(w->cache, kprobe, "1", w->cfg->provider_timeout_ms / 1000 + 2)) {
	case 1:
		return BREAKER_PROBE;
	case 0:
		return BREAKER_REFUSE;
	default:
		return BREAKER_CALL;
	}
}

/* Opens the breaker for the cool-down. */
static void trip(struct worker *w, const char *provider)
{
	char k[96];

	bkey(k, provider, "open");
	(void)cache_set(w->cache, k, "1", 1, w->cfg->breaker_cooldown_s);
	bkey(k, provider, "tripped");
	(void)cache_set(w->cache, k, "1", 1, TRIPPED_TTL);
	bkey(k, provider, "fails");
	(void)cache_delete(w->cache, k);
	bkey(k, provider, "probe");
	(void)cache_delete(w->cache, k);
	log_msg(LOG_LEVEL_WARN, "provider %s: breaker open for %lds", provider,
	    w->cfg->breaker_cooldown_s);
}

void breaker_record(struct worker *w, const char *provider, enum breaker_admission admitted, int ok)
{
	char k[96];

	if (ok) {
		if (admitted != BREAKER_PROBE)
			return; /* nothing to write on the hot path */
		bkey(k, provider, "tripped");
		(void)cache_delete(w->cache, k);
		bkey(k, provider, "probe");
		(void)cache_delete(w->cache, k);
		log_msg(LOG_LEVEL_INFO, "provider %s: probe succeeded, breaker closed", provider);
		return;
	}
	if (admitted == BREAKER_PROBE) {
		trip(w, provider);
		return;
	}
	bkey(k, provider, "fails");
	if (cache_incr(w->cache, k, w->cfg->breaker_window_s) >= w->cfg->breaker_failures)
		trip(w, provider);
}

const char *breaker_state(struct worker *w, const char *provider)
{
	int open, tripped;

	if (flags(w, provider, &open, &tripped) < 0 || (!open && !tripped))
		return "closed";
	return open ? "open" : "half-open";
}
