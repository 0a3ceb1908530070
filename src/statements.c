#include "autoconfig.h"

#include <stddef.h>

#include "statements.h"

static const struct stmt_def defs[STMT__MAX] = {
	[STMT_PING] = { "ping", "SELECT 1", 0, 1 },
	[STMT_SET_TIMEOUT] = { "set_timeout",
	    "SELECT set_config('statement_timeout', $1, false)", 1, 1 },
	/* last_used_at is written at most once a minute per key; running it
	 * twice is harmless, so it may be retried after a reconnect */
	[STMT_KEY_AUTHENTICATE] = { "key_authenticate",
	    "WITH k AS (SELECT id, workspace_id, role, prefix, created_at, last_used_at"
	    "  FROM api_keys WHERE key_hash = decode($1, 'hex') AND revoked_at IS NULL),"
	    " touch AS (UPDATE api_keys a SET last_used_at = now() FROM k"
	    "  WHERE a.id = k.id AND (k.last_used_at IS NULL"
	    "   OR k.last_used_at < now() - interval '60 seconds')"
	    "  RETURNING a.id, a.last_used_at)"
	    " SELECT k.id, k.workspace_id, k.role, k.prefix, to_json(k.created_at)#>>'{}',"
	    "  coalesce(to_json(coalesce(t.last_used_at, k.last_used_at))#>>'{}', '')"
	    " FROM k LEFT JOIN touch t ON t.id = k.id", 1, 1 },
	[STMT_WORKSPACE_GET] = { "workspace_get",
	    "SELECT id, name, plan, to_json(created_at)#>>'{}', providers FROM workspaces"
	    " WHERE id = $1", 1, 1 },
	/* $2: new name or NULL; $3: provider list, '' for the server's, or NULL */
	[STMT_WORKSPACE_UPDATE] = { "workspace_update",
	    "UPDATE workspaces SET name = coalesce($2, name),"
	    " providers = CASE WHEN $3::text IS NULL THEN providers"
	    "  WHEN $3::text = '' THEN NULL ELSE $3::text END"
	    " WHERE id = $1 RETURNING id", 3, 0 },
	[STMT_WORKSPACE_INSERT] = { "workspace_insert",
	    "INSERT INTO workspaces (name, plan) VALUES ($1, $2) RETURNING id", 2, 0 },
	[STMT_KEY_INSERT] = { "key_insert",
	    "INSERT INTO api_keys (workspace_id, prefix, key_hash, role)"
	    " VALUES ($1, $2, decode($3, 'hex'), $4) RETURNING id", 4, 0 },
	[STMT_KEY_REVOKE] = { "key_revoke",
	    "UPDATE api_keys SET revoked_at = now()"
	    " WHERE (id::text = $1 OR prefix = $1) AND revoked_at IS NULL"
	    " RETURNING id, encode(key_hash, 'hex')", 1, 0 },
	[STMT_KEY_LIST] = { "key_list",
	    "SELECT id, prefix, role, to_json(created_at)#>>'{}',"
	    "  coalesce(to_json(last_used_at)#>>'{}', ''),"
	    "  coalesce(to_json(revoked_at)#>>'{}', '')"
	    " FROM api_keys WHERE workspace_id = $1 ORDER BY created_at", 1, 1 },
	/* $1: '{hex,hex,...}', the SHA-256 keys in hex */
	[STMT_TCACHE_GET] = { "tcache_get",
	    "SELECT encode(key_hash, 'hex'), provider, model, translated FROM translation_cache"
	    " WHERE key_hash = ANY (SELECT decode(h, 'hex') FROM unnest($1::text[]) h)", 1, 1 },
	/* $4: [{"k":hex key,"p":provider,"m":model,"t":translation}, ...] */
	[STMT_TCACHE_PUT] = { "tcache_put",
	    "INSERT INTO translation_cache (key_hash, source, target, format, provider, model,"
	    " translated) SELECT decode(e->>'k', 'hex'), $1, $2, $3, e->>'p', e->>'m', e->>'t'"
	    " FROM json_array_elements($4::json) e ON CONFLICT (key_hash) DO NOTHING", 4, 1 },
	/* $1: '{hex,...}' keys served from here; $2: how many hits each
	 * stands for (1, or the sampling rate for memcached hits) */
	[STMT_TCACHE_HIT] = { "tcache_hit",
	    "UPDATE translation_cache SET hits = hits + $2::bigint, last_hit_at = now()"
	    " WHERE key_hash = ANY (SELECT decode(h, 'hex') FROM unnest($1::text[]) h)", 2, 0 },
	/* the most-hit translations first, for warming memcached */
	[STMT_TCACHE_TOP] = { "tcache_top",
	    "SELECT encode(key_hash, 'hex'), provider, model, translated FROM translation_cache"
	    " ORDER BY hits DESC, last_hit_at DESC NULLS LAST LIMIT $1::integer", 1, 1 },
	[STMT_TCACHE_TOTALS] = { "tcache_totals",
	    "SELECT count(*), coalesce(sum(hits), 0) FROM translation_cache", 0, 1 },
	/* translation requests of one workspace ($1; NULL: all) over the
	 * last $2 hours: requests, segments, cached segments, and since when */
	[STMT_CACHE_USAGE] = { "cache_usage",
	    "SELECT count(*), coalesce(sum(segments), 0), coalesce(sum(cached_segments), 0),"
	    "  to_json(now() - make_interval(hours => $2::integer))#>>'{}'"
	    " FROM usage_events WHERE ($1::uuid IS NULL OR workspace_id = $1::uuid)"
	    " AND endpoint LIKE 'translate%' AND status < 400"
	    " AND created_at >= now() - make_interval(hours => $2::integer)", 2, 1 },
	/* not retry_safe: after a broken connection the event may be committed */
	[STMT_USAGE_INSERT] = { "usage_insert",
	    "INSERT INTO usage_events (workspace_id, api_key_id, request_id, endpoint, source,"
	    " target, provider, model, characters, billed_characters, segments, cached_segments,"
	    " status, duration_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,"
	    " $13, $14)", 14, 0 },
	/* billed characters of successful translations this calendar month (UTC) */
	[STMT_USAGE_MONTH_BILLED] = { "usage_month_billed",
	    "SELECT coalesce(sum(billed_characters), 0) FROM usage_events"
	    " WHERE workspace_id = $1 AND endpoint LIKE 'translate%' AND status < 400"
	    " AND created_at >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'",
	    1, 1 },
	[STMT_USAGE_PARTITIONS] = { "usage_partitions",
	    "SELECT usage_events_ensure_partitions(now(), 4)", 0, 0 },
	[STMT_MIGRATION_APPLIED] = { "migration_applied",
	    "SELECT 1 FROM schema_migrations WHERE version = $1::integer", 1, 1 },
	[STMT_MIGRATION_RECORD] = { "migration_record",
	    "INSERT INTO schema_migrations (version, name) VALUES ($1::integer, $2)", 2, 0 },
};

const struct stmt_def *stmt_def(enum stmt s)
{
	return (int)s >= 0 && s < STMT__MAX ? &defs[s] : NULL;
}
