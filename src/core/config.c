#include "autoconfig.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/identity.h"
#include "core/pricing.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

#define CONFIG_MAX_BYTES (64 * 1024)

/* per million units, in the workspace currency */
#define DEFAULT_PRICES \
	"apertium:characters=1.00, libretranslate:characters=5.00, " \
	"deepl:characters=20.00, google:characters=20.00, openai:characters=10.00, " \
	"openai/gpt-4o:tokens=10.00, openai/gpt-4o-mini:tokens=0.60, " \
	"anthropic/claude-sonnet-4:tokens=15.00, dragoman/call:requests=10000.00"

enum key_type {
	KEY_STRING,
	KEY_LONG,
	KEY_BOOL
};

struct key_spec {
	const char *name;
	enum key_type type;
	size_t offset;
	int required;
	const char *def;
	long min, max;
	const char *doc; /* one line for dragoman.conf(5) */
};

#define OFF(f) offsetof(struct config, f)
static const struct key_spec keys[] = {
	{ "database_url", KEY_STRING, OFF(database_url), 1, NULL, 0, 0,
	    "the libpq connection string or URI of the PostgreSQL database" },
	{ "memcached_servers", KEY_STRING, OFF(memcached_servers), 1, NULL, 0, 0,
	    "the memcached servers, host:port[,host:port...] (binary protocol, consistent hashing); "
	    "list them in the same order on every web node" },
	{ "max_body_bytes", KEY_LONG, OFF(max_body_bytes), 0, "1048576", 1, 64L << 20,
	    "the largest request body in bytes; a larger one is a 413" },
	{ "key_cache_ttl", KEY_LONG, OFF(key_cache_ttl), 0, "60", 0, 60,
	    "seconds a key lookup may be cached, the per-process memo included" },
	{ "local_cache_ms", KEY_LONG, OFF(local_cache_ms), 0, "1000", 0, 5000,
	    "milliseconds the per-process memo in front of memcached keeps an entry (key identities, "
	    "workspaces, small translations)" },
	{ "db_connect_timeout", KEY_LONG, OFF(db_connect_timeout), 0, "5", 1, 60,
	    "seconds to wait for a PostgreSQL connection" },
	{ "db_statement_timeout_ms", KEY_LONG, OFF(db_statement_timeout_ms), 0, "10000", 1, 600000,
	    "milliseconds a statement may run (the workers' statement_timeout; set it on the role "
	    "behind pgbouncer)" },
	{ "memcached_timeout_ms", KEY_LONG, OFF(memcached_timeout_ms), 0, "250", 1, 10000,
	    "milliseconds memcached may take to connect or answer" },
	{ "shutdown_timeout", KEY_LONG, OFF(shutdown_timeout), 0, "30", 1, 3600,
	    "with --listen: seconds the workers get to finish their requests in flight after SIGTERM" },
	{ "log_requests", KEY_BOOL, OFF(log_requests), 0, "on", 0, 1,
	    "one JSON line per request on standard error" },
	{ "providers", KEY_STRING, OFF(providers), 0, "apertium", 0, 0,
	    "the translation providers, in the order they are tried (apertium, libretranslate, deepl, "
	    "google, openai; comma-separated)" },
	{ "apertium_url", KEY_STRING, OFF(apertium_url), 0, "http://127.0.0.1:2737", 0, 0,
	    "Apertium APy's base URL" },
	{ "libretranslate_url", KEY_STRING, OFF(libretranslate_url), 0, NULL, 0, 0,
	    "the LibreTranslate server's base URL (required when providers lists libretranslate)" },
	{ "libretranslate_api_key", KEY_STRING, OFF(libretranslate_api_key), 0, NULL, 0, 0,
	    "LibreTranslate's API key" },
	{ "deepl_url", KEY_STRING, OFF(deepl_url), 0, NULL, 0, 0,
	    "the DeepL API host; unset: https://api-free.deepl.com for keys ending in :fx, else "
	    "https://api.deepl.com" },
	{ "deepl_api_key", KEY_STRING, OFF(deepl_api_key), 0, NULL, 0, 0,
	    "the DeepL API key (required when providers lists deepl)" },
	{ "google_url", KEY_STRING, OFF(google_url), 0, NULL, 0, 0,
	    "the Google Cloud Translation host; unset: https://translation.googleapis.com" },
	{ "google_api_key", KEY_STRING, OFF(google_api_key), 0, NULL, 0, 0,
	    "the Google Cloud Translation v2 key, sent as X-Goog-Api-Key, never in the URL (required "
	    "when providers lists google)" },
	{ "openai_url", KEY_STRING, OFF(openai_url), 0, NULL, 0, 0,
	    "the base of an OpenAI-compatible API, e.g. https://api.openai.com/v1 (required when "
	    "providers lists openai)" },
	{ "openai_api_key", KEY_STRING, OFF(openai_api_key), 0, NULL, 0, 0,
	    "the OpenAI-compatible API's key, sent as Authorization: Bearer; may stay unset for a "
	    "local server" },
	{ "openai_model", KEY_STRING, OFF(openai_model), 0, "gpt-4o-mini", 0, 0,
	    "the chat model asked to translate" },
	{ "openai_languages", KEY_STRING, OFF(openai_languages), 0,
	    "en,es,fr,de,it,pt,nl,pl,ru,uk,ja,zh,ko,ar,tr,sv,da,fi,nb,cs", 0, 0,
	    "the languages offered through the OpenAI-compatible API, any pair of them (ISO 639-1, "
	    "comma-separated)" },
	{ "cache_ttl", KEY_LONG, OFF(cache_ttl), 0, "86400", 60, 30L * 86400,
	    "seconds a translation stays in memcached (PostgreSQL keeps it longer)" },
	{ "cache_per_workspace", KEY_BOOL, OFF(cache_per_workspace), 0, "off", 0, 1,
	    "cache translations per workspace instead of sharing them between workspaces" },
	{ "prices", KEY_STRING, OFF(prices), 0, DEFAULT_PRICES, 0, 0,
	    "the pricing table: model:unit=amount per million units, comma-separated; units "
	    "characters, tokens, requests; every configured provider needs a characters price" },
	{ "charge_cached", KEY_BOOL, OFF(charge_cached), 0, "off", 0, 1,
	    "bill cached texts too, at what their provider charged (reserved, debited and counted in "
	    "keys' quotas like any other)" },
	{ "hold_ttl_s", KEY_LONG, OFF(hold_ttl_s), 0, "3600", 60, 86400,
	    "seconds a credit hold of a worker that died lasts before it is released" },
	{ "idempotency_lease_s", KEY_LONG, OFF(idempotency_lease_s), 0, "60", 1, 3600,
	    "seconds a claimed Idempotency-Key waits for its request before a retry may take it over" },
	{ "usage_retention_months", KEY_LONG, OFF(usage_retention_months), 0, "0", 0, 1200,
	    "whole months of usage events kept; older month partitions are dropped by dragoman-admin "
	    "partitions ensure (0: keep all)" },
	{ "reports_conninfo", KEY_STRING, OFF(reports_conninfo), 0, NULL, 0, 0,
	    "where reports read, e.g. a hot standby (libpq connection string); unset: database_url" },
	{ "report_max_days", KEY_LONG, OFF(report_max_days), 0, "400", 1, 3660,
	    "the longest range a report covers, in days" },
	{ "stripe_url", KEY_STRING, OFF(stripe_url), 0, NULL, 0, 0,
	    "Stripe's API host; unset: https://api.stripe.com" },
	{ "stripe_secret_key", KEY_STRING, OFF(stripe_secret_key), 0, NULL, 0, 0,
	    "the Stripe secret key; recharges are off without it" },
	{ "stripe_webhook_secret", KEY_STRING, OFF(stripe_webhook_secret), 0, NULL, 0, 0,
	    "the Stripe webhook endpoint's signing secret (whsec_...); webhooks are refused without it" },
	{ "provider_timeout_ms", KEY_LONG, OFF(provider_timeout_ms), 0, "10000", 100, 120000,
	    "milliseconds one provider call may take" },
	{ "translate_max_texts", KEY_LONG, OFF(translate_max_texts), 0, "50", 1, 1000,
	    "the most texts one translation request may carry" },
	{ "translate_max_bytes", KEY_LONG, OFF(translate_max_bytes), 0, "131072", 1, 16L << 20,
	    "the most bytes of text one translation request may carry; more is a 413" },
	{ "breaker_failures", KEY_LONG, OFF(breaker_failures), 0, "5", 1, 1000,
	    "failures (timeouts, refusals, 5xx) within breaker_window_s that open a provider's "
	    "circuit breaker" },
	{ "breaker_window_s", KEY_LONG, OFF(breaker_window_s), 0, "30", 1, 3600,
	    "seconds the breaker's failures are counted in" },
	{ "breaker_cooldown_s", KEY_LONG, OFF(breaker_cooldown_s), 0, "30", 1, 3600,
	    "seconds an open breaker refuses calls before one probe" },
	{ "rate_limit_fail_open", KEY_BOOL, OFF(rate_limit_fail_open), 0, "on", 0, 1,
	    "admit requests unlimited when memcached cannot count them (off: 503)" },
	{ "rate_limit_exempt_roles", KEY_STRING, OFF(rate_limit_exempt_roles), 0, "platform", 0, 0,
	    "key roles never rate limited (member, admin, owner, platform, comma-separated; or none)" },
	{ "cors_origins", KEY_STRING, OFF(cors_origins), 0, NULL, 0, 0,
	    "origins browser pages may call the API from (exact, comma-separated; * for any); unset: "
	    "no CORS" },
	{ "hsts_max_age", KEY_LONG, OFF(hsts_max_age), 0, "31536000", 0, 63072000,
	    "max-age of Strict-Transport-Security on responses over TLS (0: none)" },
	{ "jwt_secret_file", KEY_STRING, OFF(jwt_secret_file), 0, NULL, 0, 0,
	    "the file holding the access tokens' HMAC-SHA256 secret (32 bytes or more); unset: no "
	    "sign-in" },
	{ "master_keys_file", KEY_STRING, OFF(master_keys_file), 0, NULL, 0, 0,
	    "the file of master keys (one per line, 64 hex digits; the first seals) that seal "
	    "workspaces' own provider keys; unset: none can be stored" },
	{ "jwt_issuer", KEY_STRING, OFF(jwt_issuer), 0, "dragoman", 0, 0,
	    "the access tokens' iss" },
	{ "jwt_audience", KEY_STRING, OFF(jwt_audience), 0, "dragoman-api", 0, 0,
	    "the access tokens' aud" },
	{ "access_token_ttl", KEY_LONG, OFF(access_token_ttl), 0, "900", 60, 3600,
	    "seconds an access token lasts" },
	{ "refresh_token_ttl", KEY_LONG, OFF(refresh_token_ttl), 0, "2592000", 3600, 31536000,
	    "seconds a session lasts without signing in again" },
	{ "password_log2n", KEY_LONG, OFF(password_log2n), 0, "15", 10, 20,
	    "scrypt's cost for new passwords: N = 2^password_log2n" },
	{ "login_max_failures", KEY_LONG, OFF(login_max_failures), 0, "5", 1, 1000,
	    "failed sign-ins per account in login_window_s before sign-in answers 429" },
	{ "login_max_failures_per_address", KEY_LONG, OFF(login_max_failures_per_address), 0, "20",
	    1, 100000,
	    "failed sign-ins per client address in login_window_s before sign-in answers 429" },
	{ "login_window_s", KEY_LONG, OFF(login_window_s), 0, "900", 10, 86400,
	    "seconds failed sign-ins are counted in" },
	{ "metrics_allow", KEY_STRING, OFF(metrics_allow), 0, "127.0.0.1 ::1", 0, 0,
	    "addresses and CIDR networks (IPv4 and IPv6, space-separated) that GET /metrics answers" },
	{ "metrics_token", KEY_STRING, OFF(metrics_token), 0, NULL, 0, 0,
	    "a token any client may show as Authorization: Bearer to read GET /metrics" },
	{ "metrics_flush_ms", KEY_LONG, OFF(metrics_flush_ms), 0, "1000", 10, 60000,
	    "the longest a worker keeps its metric counts before adding them to PostgreSQL" },
	{ "usage_spool_dir", KEY_STRING, OFF(usage_spool_dir), 0, NULL, 0, 0,
	    "a directory each worker appends the usage events of requests that move no money to "
	    "before answering, loaded into PostgreSQL in batches (unset: each event is inserted "
	    "as the request ends)" },
	{ "usage_spool_flush_ms", KEY_LONG, OFF(usage_spool_flush_ms), 0, "1000", 10, 600000,
	    "the longest a spooled usage event waits before it is loaded into PostgreSQL" },
	{ "usage_spool_max_events", KEY_LONG, OFF(usage_spool_max_events), 0, "1000", 1, 1000000,
	    "a worker loads its spooled usage events once this many wait" },
	{ "unbilled_synchronous_commit", KEY_BOOL, OFF(unbilled_synchronous_commit), 0, "off", 0, 1,
	    "without a usage spool, whether the usage event of a request that moves no money waits "
	    "for PostgreSQL's WAL flush before the response" },
	{ "backup_dir", KEY_STRING, OFF(backup_dir), 0, NULL, 0, 0,
	    "where dragoman-admin backup writes (or its --dir)" },
	{ "backup_keep", KEY_LONG, OFF(backup_keep), 0, "7", 1, 10000,
	    "the newest backups kept in backup_dir (or --keep)" },
	{ "db_prepared_statements", KEY_BOOL, OFF(db_prepared_statements), 0, "on", 0, 1,
	    "whether statements are prepared; off behind pgbouncer in transaction mode (every "
	    "statement then goes unnamed)" },
	{ "url_prefix", KEY_STRING, OFF(url_prefix), 0, NULL, 0, 0,
	    "the API's path below the site, e.g. /api (shared hosting); other paths are 404" },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

const char *config_default_path(void)
{
	static char beside[4096];
	const char *env = getenv("DRAGOMAN_CONFIG");
	ssize_t n;
	char *slash;

	if (env != NULL && env[0] != '\0')
		return env;
	/* shared hosting: the program copied into the web space, its
	 * configuration next to it (which the .htaccess keeps from the web) */
	n = readlink("/proc/self/exe", beside, sizeof(beside) - 32);
	if (n > 0) {
		beside[n] = '\0';
		if ((slash = strrchr(beside, '/')) != NULL) {
			strcpy(slash + 1, "dragoman.conf");
			if (access(beside, R_OK) == 0)
				return beside;
		}
	}
	return SYSCONFDIR "/dragoman/dragoman.conf";
}

/* Returns the spec named name (len bytes), or NULL. */
static const struct key_spec *key_find(const char *name, size_t len)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strlen(keys[i].name) == len && strncmp(keys[i].name, name, len) == 0)
			return &keys[i];
	return NULL;
}

/* Stores value into cfg for spec k. Returns 0, or -1 with a message
 * (naming where, the key and the accepted range) in err. */
static int key_set(struct config *cfg, const struct key_spec *k, const char *value,
    const char *where, char *err, size_t errsz)
{
	char *base = (char *)cfg + k->offset;

	if (k->type == KEY_STRING) {
		char **slot = (char **)(void *)base;
		if (value[0] == '\0') {
			snprintf(err, errsz, "%s: %s must not be empty", where, k->name);
			return -1;
		}
		free(*slot);
		*slot = strdup(value);
		return *slot != NULL ? 0 : -1;
	}
	if (k->type == KEY_BOOL) {
		int *slot = (int *)(void *)base;
		if (strcmp(value, "on") == 0 || strcmp(value, "true") == 0 ||
		    strcmp(value, "1") == 0)
			*slot = 1;
		else if (strcmp(value, "off") == 0 || strcmp(value, "false") == 0 ||
		    strcmp(value, "0") == 0)
			*slot = 0;
		else {
			snprintf(err, errsz, "%s: %s must be on or off, not '%s'", where, k->name,
			    value);
			return -1;
		}
		return 0;
	}
	char *end;
	long v;
	errno = 0;
	v = strtol(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' || v < k->min || v > k->max) {
		snprintf(err, errsz, "%s: %s must be an integer from %ld to %ld, not '%s'", where,
		    k->name, k->min, k->max, value);
		return -1;
	}
	*(long *)(void *)base = v;
	return 0;
}

/* Trims spaces at both ends of [*s, *e) in place. */
static void trim(const char **s, const char **e)
{
	while (*s < *e && isspace((unsigned char)**s))
		(*s)++;
	while (*e > *s && isspace((unsigned char)(*e)[-1]))
		(*e)--;
}

/* Parses one line (without its newline). Returns 0 or -1 with err set. */
static int parse_line(struct config *cfg, const char *line, size_t len, const char *name,
    int lineno, unsigned char *seen, char *err, size_t errsz)
{
	const char *s = line, *e = line + len, *eq;
	char where[256], value[4096];
	const struct key_spec *k;

	trim(&s, &e);
	if (s == e || *s == '#')
		return 0;
	snprintf(where, sizeof(where), "%s:%d", name, lineno);
	eq = memchr(s, '=', (size_t)(e - s));
	if (eq == NULL) {
		snprintf(err, errsz, "%s: expected 'key = value'", where);
		return -1;
	}
	const char *ks = s, *ke = eq, *vs = eq + 1, *ve = e;
	trim(&ks, &ke);
	trim(&vs, &ve);
	k = key_find(ks, (size_t)(ke - ks));
	if (k == NULL) {
		snprintf(err, errsz, "%s: unknown key '%.*s'", where, (int)(ke - ks), ks);
		return -1;
	}
	if (ve - vs >= 2 && *vs == '"' && ve[-1] == '"') {
		vs++;
		ve--;
	}
	if ((size_t)(ve - vs) >= sizeof(value)) {
		snprintf(err, errsz, "%s: value of %s is too long", where, k->name);
		return -1;
	}
	memcpy(value, vs, (size_t)(ve - vs));
	value[ve - vs] = '\0';
	seen[k - keys] = 1;
	return key_set(cfg, k, value, where, err, errsz);
}

/* Applies defaults for keys not seen, then DRAGOMAN_<KEY> overrides, then
 * checks required keys. Returns 0 or -1 with err set. */
static int finish(struct config *cfg, const char *name, const unsigned char *seen, char *err,
    size_t errsz)
{
	for (size_t i = 0; i < NKEYS; i++) {
		const struct key_spec *k = &keys[i];
		char env[64], where[128];
		const char *v;
		size_t j;

		if (!seen[i] && k->def != NULL &&
		    key_set(cfg, k, k->def, "default", err, errsz) < 0)
			return -1;
		snprintf(env, sizeof(env), "DRAGOMAN_%s", k->name);
		for (j = 9; env[j] != '\0'; j++)
			env[j] = (char)toupper((unsigned char)env[j]);
		v = getenv(env);
		if (v != NULL) {
			snprintf(where, sizeof(where), "environment %s", env);
			if (key_set(cfg, k, v, where, err, errsz) < 0)
				return -1;
		} else if (k->required && !seen[i]) {
			snprintf(err, errsz, "%s: missing required key %s (or set %s)", name,
			    k->name, env);
			return -1;
		}
	}
	return 0;
}

/* Checks that rate_limit_exempt_roles names only roles (or is "none").
 * Returns 0 or -1 with err set. */
static int exempt_roles_check(const struct config *cfg, const char *name, char *err, size_t errsz)
{
	const char *p = cfg->rate_limit_exempt_roles;

	if (strcmp(p, "none") == 0)
		return 0;
	while (*p != '\0') {
		size_t len = strcspn(p, ", ");
		char role[16];
		if (len > 0) {
			snprintf(role, sizeof(role), "%.*s", (int)len, p);
			if (len >= sizeof(role) || role_parse(role) == ROLE__MAX) {
				snprintf(err, errsz,
				    "%s: rate_limit_exempt_roles: '%.*s' is not a role "
				    "(member, admin, owner, platform; or none)",
				    name, (int)len, p);
				return -1;
			}
		}
		p += len;
		p += strspn(p, ", ");
	}
	return 0;
}

const char *config_string(const struct config *cfg, const char *key)
{
	const struct key_spec *k = key_find(key, strlen(key));

	if (k == NULL || k->type != KEY_STRING)
		return NULL;
	return *(char *const *)(const void *)((const char *)cfg + k->offset);
}

struct config *config_parse(const char *text, const char *name, char *err, size_t errsz)
{
	struct config *cfg = calloc(1, sizeof(*cfg));
	unsigned char seen[NKEYS] = { 0 };
	int lineno = 0;

	if (cfg == NULL) {
		snprintf(err, errsz, "%s: out of memory", name);
		return NULL;
	}
	for (const char *line = text; line != NULL && *line != '\0';) {
		const char *nl = strchr(line, '\n');
		size_t len = nl != NULL ? (size_t)(nl - line) : strlen(line);
		if (parse_line(cfg, line, len, name, ++lineno, seen, err, errsz) < 0)
			goto fail;
		line = nl != NULL ? nl + 1 : NULL;
	}
	if (finish(cfg, name, seen, err, errsz) < 0 ||
	    exempt_roles_check(cfg, name, err, errsz) < 0)
		goto fail;
	if ((cfg->pricing = malloc(sizeof(*cfg->pricing))) == NULL ||
	    pricing_parse(cfg->prices, cfg->pricing, err, errsz) < 0)
		goto fail;
	return cfg;
fail:
	config_free(cfg);
	return NULL;
}

struct config *config_load(const char *path, char *err, size_t errsz)
{
	char *text = NULL;
	struct config *cfg = NULL;
	size_t n;
	FILE *f;

	if (path == NULL)
		path = config_default_path();
	f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errsz, "%s: cannot open configuration: %s", path, strerror(errno));
		return NULL;
	}
	text = malloc(CONFIG_MAX_BYTES + 1);
	if (text == NULL)
		goto out;
	n = fread(text, 1, CONFIG_MAX_BYTES + 1, f);
	if (ferror(f) || n > CONFIG_MAX_BYTES) {
		snprintf(err, errsz, "%s: unreadable or larger than %d bytes", path,
		    CONFIG_MAX_BYTES);
		goto out;
	}
	text[n] = '\0';
	if (strlen(text) != n) {
		snprintf(err, errsz, "%s: contains a NUL byte", path);
		goto out;
	}
	cfg = config_parse(text, path, err, errsz);
out:
	free(text);
	fclose(f);
	return cfg;
}

int config_key_info(size_t i, struct config_key_info *out)
{
	static const char *const types[] = { "string", "integer", "boolean" };

	if (i >= NKEYS)
		return -1;
	out->name = keys[i].name;
	out->type = types[keys[i].type];
	out->required = keys[i].required;
	out->def = keys[i].def;
	out->min = keys[i].min;
	out->max = keys[i].max;
	out->doc = keys[i].doc;
	return 0;
}

void config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].type == KEY_STRING)
			free(*(char **)(void *)((char *)cfg + keys[i].offset));
	free(cfg->pricing);
	free(cfg);
}
