/* Circuit breakers for upstream providers, shared by every worker process
 * through memcached, so that a dead upstream costs one timeout per
 * cool-down rather than one per request per worker:
 *   closed    calls go out; failures are counted in a window
 *   open      breaker_failures failures in breaker_window_s: no calls for
 *             breaker_cooldown_s
 *   half-open after the cool-down, one worker (the one that wins a
 *             memcached add) probes; success closes, failure reopens.
 * With memcached unreachable the breaker stays closed. */
#ifndef DRAGOMAN_BREAKER_H
#define DRAGOMAN_BREAKER_H

struct worker;

enum breaker_admission {
	BREAKER_CALL,
	BREAKER_PROBE,
	BREAKER_REFUSE
};

/* Returns whether a call to provider may go out now. */
enum breaker_admission breaker_admit(struct worker *w, const char *provider);

/* Records the outcome of a call that breaker_admit() let out (admitted
 * says how): ok is 1 for success, 0 for a failure of the upstream. */
void breaker_record(struct worker *w, const char *provider, enum breaker_admission admitted,
    int ok);

/* Returns the state of provider's breaker: "closed", "open" or "half-open"
 * (static strings). */
const char *breaker_state(struct worker *w, const char *provider);

#endif
