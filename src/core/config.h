/* Configuration: a "key = value" file whose keys are declared in one
 * table, each overridable by the environment variable DRAGOMAN_<KEY>. */
#ifndef DRAGOMAN_CONFIG_H
#define DRAGOMAN_CONFIG_H

#include <stddef.h>

struct pricing;

struct config {
	char *database_url;
	char *memcached_servers;
	long max_body_bytes;
	long key_cache_ttl;
	long local_cache_ms;
	long db_connect_timeout;
	long db_statement_timeout_ms;
	long memcached_timeout_ms;
	long shutdown_timeout;
	int log_requests;
	char *providers; /* order, comma-separated */
	char *apertium_url;
	char *libretranslate_url; /* NULL: not configured */
	char *libretranslate_api_key;
	char *deepl_url; /* NULL: not configured */
	char *deepl_api_key;
	char *google_url;
	char *google_api_key;
	char *openai_url; /* any OpenAI-compatible /v1 base */
	char *openai_api_key;
	char *openai_model;
	char *openai_languages; /* comma-separated ISO 639-1 codes */
	long cache_ttl; /* memcached lifetime of a translation, s */
	int cache_per_workspace; /* translations cached per workspace */
	char *prices; /* the pricing table's text (see pricing.h) */
	int charge_cached; /* cached segments are billed too */
	long hold_ttl_s; /* a credit hold of a dead worker lasts this long */
	long idempotency_lease_s; /* a retry may take over a key claimed this long ago */
	long usage_retention_months; /* usage events kept (whole months); 0: all */
	char *reports_conninfo; /* reports read here (a standby); NULL: database_url */
	long report_max_days; /* the longest range a report covers */
	char *stripe_url; /* NULL: https://api.stripe.com */
	char *stripe_secret_key; /* NULL: payments off */
	char *stripe_webhook_secret; /* whsec_...; NULL: webhooks refused */
	struct pricing *pricing; /* parsed from prices; owned */
	long provider_timeout_ms;
	long translate_max_texts;
	long translate_max_bytes;
	long breaker_failures;
	long breaker_window_s;
	long breaker_cooldown_s;
	int rate_limit_fail_open; /* admit when memcached cannot count */
	char *rate_limit_exempt_roles; /* key roles never limited, comma-separated */
	char *cors_origins; /* origins browsers may call from; NULL: none */
	long hsts_max_age; /* Strict-Transport-Security over TLS; 0: none */
	char *jwt_secret_file; /* the access tokens' HMAC key; NULL: no sign-in */
	char *master_keys_file; /* keys sealing workspaces' provider credentials */
	char *jwt_issuer;
	char *jwt_audience;
	long access_token_ttl; /* seconds an access token lasts */
	long refresh_token_ttl; /* seconds a session lasts without sign-in */
	long password_log2n; /* scrypt cost: N = 2^password_log2n */
	long login_max_failures; /* per account in login_window_s */
	long login_max_failures_per_address; /* per client address in the window */
	long login_window_s;
	char *metrics_allow; /* addresses and networks GET /metrics answers */
	char *metrics_token; /* or a client showing it as a Bearer token */
	long metrics_flush_ms; /* a worker's counts wait at most this long */
	char *usage_spool_dir; /* unbilled usage events spooled here; NULL: no spool */
	long usage_spool_flush_ms; /* a spooled event waits at most this long */
	long usage_spool_max_events; /* or until this many wait */
	int unbilled_synchronous_commit; /* without a spool: wait for the WAL flush */
	char *backup_dir; /* dragoman-admin backup's directory; NULL: --dir */
	long backup_keep; /* the newest backups kept there */
	int db_prepared_statements; /* off behind a transaction pooler (pgbouncer) */
	char *url_prefix; /* the API is mounted below it ("/api"); NULL: at / */
};

/* Returns the configuration file path: $DRAGOMAN_CONFIG, else a readable
 * dragoman.conf in the running program's own directory, else the
 * compiled-in default. The string is static or from the environment. */
const char *config_default_path(void);

/* Loads path (NULL: config_default_path()) and the environment overrides
 * into a new config. Returns it, or NULL with a message naming the file,
 * line and key written to err (errsz bytes). Free with config_free(). */
struct config *config_load(const char *path, char *err, size_t errsz)
    __attribute__((warn_unused_result));

/* Parses the text of a configuration file (name is used in messages) and
 * the environment overrides. Same result and ownership as config_load(). */
struct config *config_parse(const char *text, const char *name, char *err, size_t errsz)
    __attribute__((warn_unused_result));

/* Returns the value of the string key named key (NULL when unset or
 * not a string key), borrowed from cfg. */
const char *config_string(const struct config *cfg, const char *key);

/* One key of the configuration table, as dragoman.conf(5) and
 * dragoman.fcgi --print-config-keys show it. Every string is static. */
struct config_key_info {
	const char *name;
	const char *type; /* "string", "integer" or "boolean" */
	int required;
	const char *def; /* the default as a file would say it; NULL: none */
	long min, max; /* an integer's accepted range */
	const char *doc; /* one line: what the key sets */
};

/* Fills *out with the i-th key of the table (0 is the first). Returns 0, or
 * -1 when there is no such key. */
int config_key_info(size_t i, struct config_key_info *out);

/* Frees cfg and its strings; NULL is allowed. */
void config_free(struct config *cfg);

#endif
