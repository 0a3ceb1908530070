/* Cross-origin access for browser clients (CORS, the Fetch standard) to
 * the origins in cors_origins, and HSTS on responses served over TLS. */
#ifndef DRAGOMAN_CORS_H
#define DRAGOMAN_CORS_H

struct config;
struct request;
struct reply;

/* Returns 1 when origin (the Origin header, may be NULL) is one of the
 * comma-separated origins in list ("*": any), compared exactly, else 0. */
int cors_origin_allowed(const char *list, const char *origin);

/* Adds to rp the headers r's origin is due: Access-Control-Allow-Origin,
 * Vary and Access-Control-Expose-Headers when it is allowed, and on a
 * preflight (OPTIONS with Access-Control-Request-Method) also the allowed
 * methods (allow, as for Allow), request headers and Max-Age when that
 * method is among them. Adds Strict-Transport-Security when r came over
 * TLS and hsts_max_age > 0. Nothing for a disallowed origin. */
void cors_headers(const struct config *cfg, const struct request *r, struct reply *rp,
    unsigned allow, const char *allow_str);

#endif
