#include "autoconfig.h"

#include <string.h>

#include "core/config.h"
#include "core/cors.h"
#include "core/reply.h"
#include "core/request.h"

/* the response headers a browser script may read */
#define EXPOSED "RateLimit, RateLimit-Policy, Retry-After, X-Request-Id, X-Cache"
/* the request headers a browser script may send */
#define ACCEPTED "Authorization, Content-Type, Idempotency-Key, X-Request-Id"
#define PREFLIGHT_MAX_AGE 600

int cors_origin_allowed(const char *list, const char *origin)
{
	size_t n;

	if (list == NULL || origin == NULL || origin[0] == '\0')
		return 0;
	n = strlen(origin);
	for (const char *p = list; *p != '\0';) {
		p += strspn(p, ", ");
		size_t len = strcspn(p, ", ");
		if ((len == 1 && *p == '*') || (len == n && len > 0 && strncmp(p, origin, n) == 0))
			return 1;
		p += len;
	}
	return 0;
}

void cors_headers(const struct config *cfg, const struct request *r, struct reply *rp,
    unsigned allow, const char *allow_str)
{
	enum http_method asked;

	if (cfg == NULL)
		return;
	if (r->tls && cfg->hsts_max_age > 0)
		reply_header(rp, "Strict-Transport-Security", "max-age=%ld; includeSubDomains",
		    cfg->hsts_max_age);
	if (!cors_origin_allowed(cfg->cors_origins, r->origin))
		return;
	reply_header(rp, "Access-Control-Allow-Origin", "%s", r->origin);
	reply_header(rp, "Vary", "Origin");
	if (r->method != HTTP_OPTIONS || r->cors_request_method == NULL) {
		reply_header(rp, "Access-Control-Expose-Headers", EXPOSED);
		return;
	}
	asked = http_method_parse(r->cors_request_method);
	if (asked == HTTP__MAX || !(allow & (1u << asked)))
		return;
	reply_header(rp, "Access-Control-Allow-Methods", "%s", allow_str);
	reply_header(rp, "Access-Control-Allow-Headers", ACCEPTED);
	reply_header(rp, "Access-Control-Max-Age", "%d", PREFLIGHT_MAX_AGE);
}
