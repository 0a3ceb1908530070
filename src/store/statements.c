#include "autoconfig.h"

#include <stddef.h>
#include <string.h>

#include "store/report_sql.h"
#include "store/statements.h"

/* A CTE giving back to their keys' quotas the characters that the holds
 * deleted by CTE holds (with quota_key, quota_month, quota_characters)
 * had reserved. Unreferenced, it runs after the statement's other parts,
 * so the key's row is locked after the workspace's, as everywhere. */
#define QUOTA_GIVE_BACK(holds) \
	" quota_back AS (UPDATE key_month_usage k SET reserved = k.reserved - g.n" \
	"  FROM (SELECT quota_key, quota_month, sum(quota_characters) AS n FROM " holds \
	"   WHERE quota_key IS NOT NULL GROUP BY 1, 2) g" \
	"  WHERE k.key_id = g.quota_key AND k.month = g.quota_month)"

static const struct stmt_def defs[STMT__MAX] = {
	[STMT_PING] = { "ping", "SELECT 1", 0, 1 },
	/* the session's statement timeout; and no JIT compilation, which
	 * costs a report far more (seconds) than it could save */
	[STMT_SESSION_SETUP] = { "session_setup",
	    "SELECT set_config('statement_timeout', $1, false), set_config('jit', 'off', false)", 1,
	    1 },
	/* last_used_at is written at most once a minute per key; running it
	 * twice is harmless, so it may be retried after a reconnect */
	[STMT_KEY_AUTHENTICATE] = { "key_authenticate",
	    "WITH k AS (SELECT a.id, a.workspace_id, a.role, a.prefix, a.created_at, a.last_used_at,"
	    "  coalesce(a.rate_per_minute, p.rate_per_minute, 0) AS rpm,"
	    "  coalesce(a.rate_per_hour, p.rate_per_hour, 0) AS rph,"
	    "  coalesce(a.rate_per_day, p.rate_per_day, 0) AS rpd, a.rate_exempt,"
	    "  coalesce(array_to_string(a.scopes, ','), '*') AS scopes,"
	    "  coalesce(a.monthly_character_quota, 0) AS quota"
	    "  FROM api_keys a JOIN workspaces w ON w.id = a.workspace_id"
	    "  JOIN plans p ON p.name = w.plan"
	    "  WHERE a.key_hash = decode($1, 'hex') AND a.revoked_at IS NULL),"
	    " touch AS (UPDATE api_keys a SET last_used_at = now() FROM k"
	    "  WHERE a.id = k.id AND (k.last_used_at IS NULL"
	    "   OR k.last_used_at < now() - interval '60 seconds')"
	    "  RETURNING a.id, a.last_used_at)"
	    " SELECT k.id, k.workspace_id, k.role, k.prefix, to_json(k.created_at)#>>'{}',"
	    "  coalesce(to_json(coalesce(t.last_used_at, k.last_used_at))#>>'{}', ''),"
	    "  k.rpm, k.rph, k.rpd, k.rate_exempt::int, k.scopes, k.quota"
	    " FROM k LEFT JOIN touch t ON t.id = k.id",
	    1, 1 },
	[STMT_WORKSPACE_GET] = { "workspace_get",
	    "SELECT id, name, plan, to_json(created_at)#>>'{}', providers, time_zone"
	    " FROM workspaces WHERE id = $1",
	    1, 1 },
	/* $2: new name or NULL; $3: provider list, '' for the server's, or
	 * NULL; $4: time zone or NULL (an unknown one fails with 22023) */
	[STMT_WORKSPACE_UPDATE] = { "workspace_update",
	    "UPDATE workspaces SET name = coalesce($2, name),"
	    " providers = CASE WHEN $3::text IS NULL THEN providers"
	    "  WHEN $3::text = '' THEN NULL ELSE $3::text END,"
	    " time_zone = coalesce($4, time_zone)"
	    " WHERE id = $1 RETURNING id",
	    4, 0 },
	/* with the plan's grant as its first ledger row */
	[STMT_WORKSPACE_INSERT] = { "workspace_insert",
	    "WITH p AS (SELECT grant_micros, name FROM plans WHERE name = $2),"
	    " ws AS (INSERT INTO workspaces (name, plan, balance_micros)"
	    "  SELECT $1, name, grant_micros FROM p RETURNING id, balance_micros, plan),"
	    " g AS (INSERT INTO ledger (workspace_id, type, amount_micros, balance_before,"
	    "  balance_after, description)"
	    "  SELECT id, 'grant', balance_micros, 0, balance_micros, plan || ' grant' FROM ws"
	    "  WHERE balance_micros > 0)"
	    " SELECT id FROM ws",
	    2, 0 },
	/* $5: name or NULL; $6: scopes as '{a,b}' or NULL (all); $7: the
	 * creating key or NULL; $8: the monthly quota asked for or NULL. A
	 * key made by a key gets no larger quota than its maker's, and the
	 * maker's own rate limits unless the maker is exempt */
	[STMT_KEY_INSERT] = { "key_insert",
	    "INSERT INTO api_keys (workspace_id, prefix, key_hash, role, name, scopes, created_by,"
	    " monthly_character_quota, rate_per_minute, rate_per_hour, rate_per_day)"
	    " SELECT $1, $2, decode($3, 'hex'), $4, $5, $6::text[], $7::uuid,"
	    "  least($8::bigint, m.monthly_character_quota),"
	    "  CASE WHEN NOT m.rate_exempt THEN m.rate_per_minute END,"
	    "  CASE WHEN NOT m.rate_exempt THEN m.rate_per_hour END,"
	    "  CASE WHEN NOT m.rate_exempt THEN m.rate_per_day END"
	    " FROM (VALUES (1)) AS one (x) LEFT JOIN api_keys m"
	    "  ON m.id = $7::uuid AND m.workspace_id = $1::uuid"
	    " RETURNING id, to_json(created_at)#>>'{}', coalesce(monthly_character_quota, 0)",
	    8, 0 },
	/* an active key of workspace $2 only: another's is not found */
	[STMT_KEY_REVOKE_OWN] = { "key_revoke_own",
	    "UPDATE api_keys SET revoked_at = now()"
	    " WHERE id::text = $1 AND workspace_id = $2::uuid AND revoked_at IS NULL"
	    " RETURNING id, encode(key_hash, 'hex')",
	    2, 0 },
	[STMT_KEY_REVOKE] = { "key_revoke",
	    "UPDATE api_keys SET revoked_at = now()"
	    " WHERE (id::text = $1 OR prefix = $1) AND revoked_at IS NULL"
	    " RETURNING id, encode(key_hash, 'hex')",
	    1, 0 },
	[STMT_KEY_LIST] = { "key_list",
	    "SELECT id, prefix, role, to_json(created_at)#>>'{}',"
	    "  coalesce(to_json(last_used_at)#>>'{}', ''),"
	    "  coalesce(to_json(revoked_at)#>>'{}', ''), name, scopes::text, monthly_character_quota,"
	    "  coalesce((SELECT characters FROM key_month_usage u WHERE u.key_id = a.id"
	    "   AND u.month = date_trunc('month', now() AT TIME ZONE 'UTC')::date), 0)"
	    " FROM api_keys a WHERE workspace_id = $1 ORDER BY created_at, id",
	    1, 1 },
	/* $2..$4: the minute, hour and day limits: a number, 'plan' (the
	 * plan's) or NULL (kept); $5: exempt ('on'/'off') or NULL (kept) */
	[STMT_KEY_LIMITS] = { "key_limits",
	    "UPDATE api_keys SET"
	    " rate_per_minute = CASE WHEN $2::text IS NULL THEN rate_per_minute"
	    "  WHEN $2 = 'plan' THEN NULL ELSE $2::integer END,"
	    " rate_per_hour = CASE WHEN $3::text IS NULL THEN rate_per_hour"
	    "  WHEN $3 = 'plan' THEN NULL ELSE $3::integer END,"
	    " rate_per_day = CASE WHEN $4::text IS NULL THEN rate_per_day"
	    "  WHEN $4 = 'plan' THEN NULL ELSE $4::integer END,"
	    " rate_exempt = coalesce($5::boolean, rate_exempt),"
	    " monthly_character_quota = CASE WHEN $6::text IS NULL THEN monthly_character_quota"
	    "  WHEN $6 = 'none' THEN NULL ELSE $6::bigint END"
	    " WHERE (id::text = $1 OR prefix = $1) AND revoked_at IS NULL"
	    " RETURNING id, encode(key_hash, 'hex'), coalesce(rate_per_minute::text, 'plan'),"
	    "  coalesce(rate_per_hour::text, 'plan'), coalesce(rate_per_day::text, 'plan'),"
	    "  rate_exempt::text, coalesce(monthly_character_quota::text, 'none')",
	    6, 1 },
	/* $2..$4 as for key_limits, with 'none' for no limit */
	[STMT_PLAN_LIMITS] = { "plan_limits",
	    "UPDATE plans SET"
	    " rate_per_minute = CASE WHEN $2::text IS NULL THEN rate_per_minute"
	    "  WHEN $2 = 'none' THEN NULL ELSE $2::integer END,"
	    " rate_per_hour = CASE WHEN $3::text IS NULL THEN rate_per_hour"
	    "  WHEN $3 = 'none' THEN NULL ELSE $3::integer END,"
	    " rate_per_day = CASE WHEN $4::text IS NULL THEN rate_per_day"
	    "  WHEN $4 = 'none' THEN NULL ELSE $4::integer END"
	    " WHERE name = $1"
	    " RETURNING name, coalesce(rate_per_minute::text, 'none'),"
	    "  coalesce(rate_per_hour::text, 'none'), coalesce(rate_per_day::text, 'none')",
	    4, 1 },
	/* $5: platform admin ('on'/'off'); $6: scopes as '{a,b}' or NULL (all);
	 * $7: the key adding the user, or NULL. No row when that key has a
	 * monthly quota or a rate limit tighter than its plan's (and is not
	 * exempt): a user would be bound by neither */
	[STMT_USER_INSERT] = { "user_insert",
	    "INSERT INTO users (workspace_id, email, role, password_hash, platform_admin, scopes)"
	    " SELECT $1::uuid, lower($2), $3, $4, $5::boolean, $6::text[]"
	    " WHERE NOT EXISTS (SELECT 1 FROM api_keys k JOIN workspaces w ON w.id = k.workspace_id"
	    "  JOIN plans p ON p.name = w.plan"
	    "  WHERE k.id = $7::uuid AND NOT k.rate_exempt"
	    "  AND (k.monthly_character_quota IS NOT NULL"
	    "   OR k.rate_per_minute < coalesce(p.rate_per_minute, k.rate_per_minute + 1)"
	    "   OR k.rate_per_hour < coalesce(p.rate_per_hour, k.rate_per_hour + 1)"
	    "   OR k.rate_per_day < coalesce(p.rate_per_day, k.rate_per_day + 1)))"
	    " RETURNING id, to_json(created_at)#>>'{}'",
	    7, 0 },
	[STMT_USER_LOGIN] = { "user_login",
	    "SELECT id, password_hash FROM users WHERE email = lower($1)", 1, 1 },
	/* a session for user $1 lasting $2 seconds, with its first refresh
	 * token (SHA-256 $3) */
	[STMT_SESSION_CREATE] = { "session_create",
	    "WITH s AS (INSERT INTO sessions (user_id, expires_at)"
	    "  VALUES ($1::uuid, now() + make_interval(secs => $2::integer)) RETURNING id),"
	    " t AS (INSERT INTO refresh_tokens (token_hash, session_id)"
	    "  SELECT decode($3, 'hex'), id FROM s)"
	    " SELECT id FROM s",
	    3, 0 },
	/* what a token of session $1 for user $2 may do: the user's workspace,
	 * role, platform flag, the plan's rate limits, the preferences,
	 * whether the session is still live, and the user's scopes */
	[STMT_SESSION_LOOKUP] = { "session_lookup",
	    "SELECT u.workspace_id, u.role, u.platform_admin::int,"
	    " coalesce(p.rate_per_minute, 0), coalesce(p.rate_per_hour, 0),"
	    " coalesce(p.rate_per_day, 0), coalesce(u.target_language, ''),"
	    " u.translation_enabled::int, (s.revoked_at IS NULL AND s.expires_at > now())::int,"
	    " coalesce(array_to_string(u.scopes, ','), '*')"
	    " FROM sessions s JOIN users u ON u.id = s.user_id"
	    " JOIN workspaces w ON w.id = u.workspace_id JOIN plans p ON p.name = w.plan"
	    " WHERE s.id = $1::uuid AND u.id = $2::uuid",
	    2, 1 },
	[STMT_SESSION_REVOKE] = { "session_revoke",
	    "UPDATE sessions SET revoked_at = now(), revoked_why = $2"
	    " WHERE id = $1::uuid AND revoked_at IS NULL RETURNING id",
	    2, 1 },
	/* uses refresh token $1 once (a second use finds used_at set) and
	 * adds its successor $2 to the same live session */
	[STMT_REFRESH_ROTATE] = { "refresh_rotate",
	    "WITH old AS (UPDATE refresh_tokens t SET used_at = now() FROM sessions s"
	    "  WHERE t.token_hash = decode($1, 'hex') AND t.used_at IS NULL"
	    "  AND s.id = t.session_id AND s.revoked_at IS NULL AND s.expires_at > now()"
	    "  RETURNING t.session_id, s.user_id),"
	    " new AS (INSERT INTO refresh_tokens (token_hash, session_id)"
	    "  SELECT decode($2, 'hex'), session_id FROM old)"
	    " SELECT session_id, user_id FROM old",
	    2, 0 },
	/* a refresh token used before: its whole session is revoked */
	[STMT_REFRESH_REUSED] = { "refresh_reused",
	    "UPDATE sessions s SET revoked_at = now(), revoked_why = 'refresh token reused'"
	    " FROM refresh_tokens t WHERE t.token_hash = decode($1, 'hex')"
	    " AND t.used_at IS NOT NULL AND s.id = t.session_id AND s.revoked_at IS NULL"
	    " RETURNING s.id",
	    1, 0 },
	[STMT_USER_SESSIONS] = { "user_sessions",
	    "SELECT id FROM sessions WHERE user_id = $1::uuid AND revoked_at IS NULL"
	    " AND expires_at > now()",
	    1, 1 },
	/* $2: target language, '' for none, NULL kept; $3: enabled or NULL */
	[STMT_PREFS_SET] = { "prefs_set",
	    "UPDATE users SET target_language = CASE WHEN $2::text IS NULL THEN target_language"
	    "  WHEN $2 = '' THEN NULL ELSE $2 END,"
	    " translation_enabled = coalesce($3::boolean, translation_enabled)"
	    " WHERE id = $1::uuid RETURNING coalesce(target_language, ''),"
	    " translation_enabled::text",
	    3, 0 },
	/* everything kept about user $1, as one JSON document */
	[STMT_USER_EXPORT] = { "user_export",
	    "SELECT json_build_object("
	    " 'user', (SELECT json_build_object('id', id, 'email', email, 'role', role,"
	    "  'workspace_id', workspace_id, 'platform_admin', platform_admin,"
	    "  'created_at', created_at, 'preferences', json_build_object("
	    "   'target_language', target_language, 'translation_enabled', translation_enabled))"
	    "  FROM users WHERE id = $1::uuid),"
	    " 'sessions', coalesce((SELECT json_agg(json_build_object('id', id, 'created_at',"
	    "  created_at, 'expires_at', expires_at, 'revoked_at', revoked_at) ORDER BY created_at)"
	    "  FROM sessions WHERE user_id = $1::uuid), '[]'),"
	    " 'usage_events', coalesce((SELECT json_agg(json_build_object('request_id', request_id,"
	    "  'created_at', created_at, 'endpoint', endpoint, 'source', source, 'target', target,"
	    "  'provider', provider, 'characters', characters, 'billed_characters',"
	    "  billed_characters, 'cost_micros', cost_micros, 'status', status)"
	    "  ORDER BY created_at) FROM usage_events WHERE user_id = $1::uuid), '[]'))::text",
	    1, 1 },
	/* the user goes (their sessions with them); their usage events stay,
	 * without them, and so does the ledger, which never names a user */
	[STMT_USER_DELETE] = { "user_delete",
	    "WITH anon AS (UPDATE usage_events SET user_id = NULL WHERE user_id = $1::uuid),"
	    " actors_h AS (DELETE FROM usage_actors_hourly WHERE actor = $1::uuid),"
	    " actors_d AS (DELETE FROM usage_actors_daily WHERE actor = $1::uuid),"
	    " gone AS (DELETE FROM users WHERE id = $1::uuid RETURNING id)"
	    " SELECT count(*) FROM gone",
	    1, 0 },
	/* $3: master key id; $4, $5: nonce and ciphertext in hex; $6: hint */
	[STMT_CRED_PUT] = { "cred_put",
	    "INSERT INTO provider_credentials (workspace_id, provider, key_id, nonce, ciphertext,"
	    " hint) VALUES ($1::uuid, $2, $3, decode($4, 'hex'), decode($5, 'hex'), $6)"
	    " ON CONFLICT (workspace_id, provider) DO UPDATE SET key_id = EXCLUDED.key_id,"
	    " nonce = EXCLUDED.nonce, ciphertext = EXCLUDED.ciphertext, hint = EXCLUDED.hint,"
	    " updated_at = now() RETURNING to_json(updated_at)#>>'{}'",
	    6, 1 },
	[STMT_CRED_GET] = { "cred_get",
	    "SELECT key_id, encode(nonce, 'hex'), encode(ciphertext, 'hex') FROM provider_credentials"
	    " WHERE workspace_id = $1::uuid AND provider = $2",
	    2, 1 },
	[STMT_CRED_LIST] = { "cred_list",
	    "SELECT provider, hint, to_json(updated_at)#>>'{}' FROM provider_credentials"
	    " WHERE workspace_id = $1::uuid ORDER BY provider",
	    1, 1 },
	[STMT_CRED_DELETE] = { "cred_delete",
	    "DELETE FROM provider_credentials WHERE workspace_id = $1::uuid AND provider = $2"
	    " RETURNING provider",
	    2, 1 },
	/* the rows sealed under another master key than $1 */
	[STMT_CRED_STALE] = { "cred_stale",
	    "SELECT workspace_id, provider, key_id, encode(nonce, 'hex'), encode(ciphertext, 'hex')"
	    " FROM provider_credentials WHERE key_id <> $1 ORDER BY workspace_id, provider",
	    1, 1 },
	/* re-sealed: only if still under the key $3 it was read under */
	[STMT_CRED_REKEY] = { "cred_rekey",
	    "UPDATE provider_credentials SET key_id = $4, nonce = decode($5, 'hex'),"
	    " ciphertext = decode($6, 'hex') WHERE workspace_id = $1::uuid AND provider = $2"
	    " AND key_id = $3 RETURNING provider",
	    6, 1 },
	/* $1: '{hex,hex,...}', the SHA-256 keys in hex */
	[STMT_TCACHE_GET] = { "tcache_get",
	    "SELECT encode(key_hash, 'hex'), provider, model, translated FROM translation_cache"
	    " WHERE key_hash = ANY (SELECT decode(h, 'hex') FROM unnest($1::text[]) h)",
	    1, 1 },
	/* $4: [{"k":hex key,"p":provider,"m":model,"t":translation}, ...] */
	/* The cache's writes commit asynchronously (a crash may lose the
	 * last of them: copies of what a provider can give again), so that
	 * no request waits for their WAL flush. Run outside any transaction
	 * (db_in_transaction()): the setting would hold for all of it. */
	[STMT_TCACHE_PUT] = { "tcache_put",
	    "WITH c AS (SELECT set_config('synchronous_commit', 'off', true))"
	    " INSERT INTO translation_cache (key_hash, source, target, format, provider, model,"
	    " translated) SELECT decode(e->>'k', 'hex'), $1, $2, $3, e->>'p', e->>'m', e->>'t'"
	    " FROM json_array_elements($4::json) e, c ON CONFLICT (key_hash) DO NOTHING",
	    4, 1 },
	/* $1: '{hex,...}' keys served from here; $2: how many hits each
	 * stands for (1, or the sampling rate for memcached hits) */
	[STMT_TCACHE_HIT] = { "tcache_hit",
	    "WITH c AS (SELECT set_config('synchronous_commit', 'off', true))"
	    " UPDATE translation_cache SET hits = hits + $2::bigint, last_hit_at = now() FROM c"
	    " WHERE key_hash = ANY (SELECT decode(h, 'hex') FROM unnest($1::text[]) h)",
	    2, 0 },
	/* the most-hit translations first, for warming memcached */
	[STMT_TCACHE_TOP] = { "tcache_top",
	    "SELECT encode(key_hash, 'hex'), provider, model, translated FROM translation_cache"
	    " ORDER BY hits DESC, last_hit_at DESC NULLS LAST LIMIT $1::integer",
	    1, 1 },
	[STMT_TCACHE_TOTALS] = { "tcache_totals",
	    "SELECT count(*), coalesce(sum(hits), 0) FROM translation_cache", 0, 1 },
	/* translation requests of one workspace ($1; NULL: all) over the
	 * last $2 hours: requests, segments, cached segments, and since when */
	[STMT_CACHE_USAGE] = { "cache_usage",
	    "SELECT count(*), coalesce(sum(segments), 0), coalesce(sum(cached_segments), 0),"
	    "  to_json(now() - make_interval(hours => $2::integer))#>>'{}'"
	    " FROM usage_events WHERE ($1::uuid IS NULL OR workspace_id = $1::uuid)"
	    " AND endpoint LIKE 'translate%' AND status < 400"
	    " AND created_at >= now() - make_interval(hours => $2::integer)",
	    2, 1 },
	/* not retry_safe: after a broken connection the event may be committed */
	[STMT_USAGE_INSERT] = { "usage_insert",
	    "INSERT INTO usage_events (workspace_id, api_key_id, request_id, endpoint, source,"
	    " target, provider, model, characters, billed_characters, segments, cached_segments,"
	    " status, duration_ms, user_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
	    " $12, $13, $14, $15)",
	    15, 0 },
	/* The same row without waiting for its WAL flush: for a request that
	 * moved no money, when no usage spool is configured. set_config(...,
	 * true) lasts for this statement's own transaction. */
	[STMT_USAGE_INSERT_ASYNC] = { "usage_insert_async",
	    "WITH c AS (SELECT set_config('synchronous_commit', 'off', true))"
	    " INSERT INTO usage_events (workspace_id, api_key_id, request_id, endpoint, source,"
	    " target, provider, model, characters, billed_characters, segments, cached_segments,"
	    " status, duration_ms, user_id) SELECT $1::uuid, $2::uuid, $3::text, $4::text, $5::text,"
	    " $6::text, $7::text, $8::text, $9::bigint, $10::bigint, $11::integer, $12::integer,"
	    " $13::smallint, $14::integer, $15::uuid FROM c",
	    15, 0 },
	/* A usage spool segment, before its first line (of an event at $2) is
	 * written: rollups wait for the hours it may hold until it is loaded */
	[STMT_SPOOL_REGISTER] = { "spool_register",
	    "INSERT INTO usage_spool_segments (segment, first_at)"
	    " VALUES ($1, least(now(), $2::timestamptz)) ON CONFLICT (segment) DO NOTHING",
	    2, 1 },
	/* Locks segment $1's row (made when its registration was lost) and
	 * returns the bytes of it loaded already, and whether the row was
	 * made now */
	[STMT_SPOOL_CLAIM] = { "spool_claim",
	    "INSERT INTO usage_spool_segments AS s (segment, first_at) VALUES ($1, now())"
	    " ON CONFLICT (segment) DO UPDATE SET segment = s.segment"
	    " RETURNING s.loaded_bytes, (s.xmax = 0)::int",
	    1, 0 },
	/* The copied lines of segment $1 into usage_events: an event is never
	 * placed before its segment's first, and one whose user was deleted
	 * meanwhile loses the user, as the deletion did to the others */
	[STMT_SPOOL_MOVE] = { "spool_move",
	    "INSERT INTO usage_events (created_at, workspace_id, api_key_id, user_id, request_id,"
	    " endpoint, source, target, provider, model, characters, billed_characters, segments,"
	    " cached_segments, status, duration_ms)"
	    " SELECT greatest(i.created_at, g.first_at), i.workspace_id, i.api_key_id,"
	    " CASE WHEN i.user_id IS NULL OR EXISTS (SELECT 1 FROM users u WHERE u.id = i.user_id)"
	    " THEN i.user_id END, i.request_id, i.endpoint, i.source, i.target, i.provider, i.model,"
	    " i.characters, i.billed_characters, i.segments, i.cached_segments, i.status,"
	    " i.duration_ms FROM usage_spool_in i"
	    " LEFT JOIN usage_spool_segments g ON g.segment = $1",
	    1, 0 },
	/* Segment $1 could not be removed after its load: it stays pending,
	 * so that what is written to it later is loaded and waited for */
	[STMT_SPOOL_REOPEN] = { "spool_reopen",
	    "UPDATE usage_spool_segments SET done_at = NULL WHERE segment = $1", 1, 0 },
	/* Segment $1 is loaded up to byte $2 and done */
	[STMT_SPOOL_LOADED] = { "spool_loaded",
	    "UPDATE usage_spool_segments SET loaded_bytes = $2::bigint, done_at = now()"
	    " WHERE segment = $1",
	    2, 0 },
	/* A line of segment $1 that PostgreSQL refused ($2), with why ($3) */
	[STMT_SPOOL_REJECT] = { "spool_reject",
	    "INSERT INTO usage_spool_rejects (segment, line, error) VALUES ($1, $2, $3)", 3, 0 },
	/* Segments not loaded yet: name, first event's time, bytes loaded */
	[STMT_SPOOL_PENDING] = { "spool_pending",
	    "SELECT segment, to_json(first_at)#>>'{}', loaded_bytes FROM usage_spool_segments"
	    " WHERE done_at IS NULL ORDER BY first_at, segment",
	    0, 1 },
	/* Segments pending for over an hour: their files may be lost */
	[STMT_SPOOL_STALE] = { "spool_stale",
	    "SELECT count(*) FROM usage_spool_segments WHERE done_at IS NULL"
	    " AND first_at < now() - interval '1 hour'",
	    0, 1 },
	/* Gives up segment $1 (its file is lost): rollups stop waiting for it */
	[STMT_SPOOL_ABANDON] = { "spool_abandon",
	    "UPDATE usage_spool_segments SET done_at = now() WHERE segment = $1"
	    " AND done_at IS NULL",
	    1, 0 },
	/* Forgets segments done more than $1 days ago */
	[STMT_SPOOL_FORGET] = { "spool_forget",
	    "DELETE FROM usage_spool_segments WHERE done_at < now() - make_interval(days => $1::integer)",
	    1, 0 },
	/* The event of a request that held credit, with its settlement, in one
	 * statement (one transaction): the hold $15 is deleted, its reservation
	 * returned, the actual cost $16 debited with a ledger row (described
	 * $17, under Idempotency-Key $18 or NULL), the month's spend counted,
	 * and an auto-recharge queued when the balance is under its threshold
	 * ($19: the user, or NULL).
	 * Returns the rows settled (0: the hold was gone, so nothing was
	 * charged) and the queued auto payment's id (NULL: none). */
	[STMT_USAGE_SETTLE] = { "usage_settle",
	    "WITH hold AS (DELETE FROM credit_holds WHERE id = $15::uuid"
	    "  RETURNING workspace_id, amount_micros, quota_key, quota_month, quota_characters),"
	    /* the key's quota: the reservation becomes the characters billed */
	    " kq AS (UPDATE key_month_usage k SET reserved = k.reserved - h.quota_characters,"
	    "  characters = k.characters + CASE WHEN $13::integer < 400 THEN $10::bigint ELSE 0 END"
	    "  FROM hold h WHERE h.quota_key IS NOT NULL AND k.key_id = h.quota_key"
	    "  AND k.month = h.quota_month),"
	    " ws AS (UPDATE workspaces w SET reserved_micros = w.reserved_micros - h.amount_micros,"
	    "  balance_micros = w.balance_micros - $16::bigint,"
	    "  month_spent_micros = CASE WHEN w.month_start >="
	    "   date_trunc('month', now() AT TIME ZONE 'UTC')::date THEN w.month_spent_micros"
	    "   ELSE 0 END + $16::bigint,"
	    "  month_start = billing_month(w.month_start)"
	    "  FROM hold h WHERE w.id = h.workspace_id RETURNING w.id, w.balance_micros),"
	    " led AS (INSERT INTO ledger (workspace_id, type, amount_micros, balance_before,"
	    "  balance_after, description, reference, idempotency_key)"
	    "  SELECT id, 'debit', -$16::bigint, balance_micros + $16::bigint, balance_micros, $17, $3,"
	    "  $18 FROM ws WHERE $16::bigint > 0),"
	    " ev AS (INSERT INTO usage_events (workspace_id, api_key_id, request_id, endpoint,"
	    "  source, target, provider, model, characters, billed_characters, segments,"
	    "  cached_segments, status, duration_ms, cost_micros, user_id)"
	    "  SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,"
	    "  CASE WHEN EXISTS (SELECT 1 FROM ws) THEN $16::bigint ELSE 0 END, $19::uuid),"
	    /* auto-recharge: whenever the balance is under the threshold
	     * (auto_recharge_queue() in db/migrations/0022) */
	    " q AS (SELECT auto_recharge_queue(ws.id, ws.balance_micros"
	    "  + credit_lanes_total(ws.id), $3) AS id FROM ws"
	    "  WHERE EXISTS (SELECT 1 FROM auto_recharge a WHERE a.workspace_id = ws.id"
	    "  AND a.enabled AND ws.balance_micros + credit_lanes_total(ws.id) < a.threshold_micros))"
	    " SELECT (SELECT count(*) FROM ws), (SELECT id FROM q)",
	    19, 0 },
	/* A metered charge in one statement (meter_charge() in
	 * db/migrations/0026): workspace $1, Idempotency-Key $2 with request
	 * hash $3 (hex) owned by $4 for $5 seconds, $6 micros described $7;
	 * the event's key $8, user $9, request $10, endpoint $11, provider
	 * $12, model $13, characters $14, billed $15, duration $16; the stored
	 * answer's type $17 and body $18. Returns outcome, balance, queued. */
	[STMT_METER_CHARGE] = { "meter_charge",
	    "SELECT outcome, balance, queued FROM meter_charge($1::uuid, $2, decode($3, 'hex'), $4,"
	    " $5::integer, $6::bigint, $7, $8::uuid, $9::uuid, $10, $11, $12, $13, $14::bigint,"
	    " $15::bigint, $16::integer, $17, $18)",
	    18, 0 },
	/* $2 micros for request $3 owned by $8 (Idempotency-Key $5 or NULL),
	 * kept $4 seconds, if the balance not yet reserved covers it and the
	 * monthly cap (spent + reserved) allows it; $7 characters of key $6's
	 * quota (NULL: none) ride on it. Zero micros (characters only) always
	 * fit. */
	[STMT_BILLING_RESERVE] = { "billing_reserve",
	    "WITH ws AS (UPDATE workspaces w SET reserved_micros = w.reserved_micros + $2::bigint"
	    "  FROM plans p WHERE w.id = $1::uuid AND p.name = w.plan"
	    "  AND w.balance_micros - w.reserved_micros >= $2::bigint"
	    "  AND ($2::bigint = 0 OR coalesce(w.monthly_cap_micros, p.monthly_cap_micros) IS NULL"
	    "   OR CASE WHEN w.month_start >= date_trunc('month', now() AT TIME ZONE 'UTC')::date"
	    "    THEN w.month_spent_micros ELSE 0 END + w.reserved_micros + $2::bigint"
	    "    <= coalesce(w.monthly_cap_micros, p.monthly_cap_micros))"
	    "  RETURNING w.id)"
	    " INSERT INTO credit_holds (workspace_id, amount_micros, request_id, expires_at,"
	    "  idempotency_key, quota_key, quota_month, quota_characters, owner)"
	    " SELECT id, $2::bigint, $3, now() + make_interval(secs => $4::integer), $5, $6::uuid,"
	    "  CASE WHEN $6::uuid IS NULL THEN NULL"
	    "   ELSE date_trunc('month', now() AT TIME ZONE 'UTC')::date END, $7::bigint, $8 FROM ws"
	    " RETURNING id",
	    8, 0 },
	/* $2 characters of key $1's quota $3 this month (UTC), if they fit;
	 * returns the characters billed so far (no row: they do not fit) */
	[STMT_QUOTA_RESERVE] = { "quota_reserve",
	    "INSERT INTO key_month_usage AS k (key_id, month, reserved)"
	    " SELECT $1::uuid, date_trunc('month', now() AT TIME ZONE 'UTC')::date, $2::bigint"
	    " WHERE $2::bigint <= $3::bigint"
	    " ON CONFLICT (key_id, month) DO UPDATE SET reserved = k.reserved + EXCLUDED.reserved"
	    " WHERE k.characters + k.reserved + EXCLUDED.reserved <= $3::bigint"
	    " RETURNING k.characters",
	    3, 0 },
	/* key $1's billed and reserved characters this month, and when it resets */
	[STMT_QUOTA_USED] = { "quota_used",
	    "SELECT coalesce(sum(characters), 0), coalesce(sum(reserved), 0),"
	    " to_json((date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month')"
	    "  AT TIME ZONE 'UTC')#>>'{}',"
	    " extract(epoch FROM (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month')"
	    "  AT TIME ZONE 'UTC' - now())::bigint"
	    " FROM key_month_usage WHERE key_id = $1::uuid"
	    " AND month = date_trunc('month', now() AT TIME ZONE 'UTC')::date",
	    1, 1 },
	[STMT_BILLING_RELEASE_EXPIRED] = { "billing_release_expired",
	    "WITH expired AS (DELETE FROM credit_holds WHERE workspace_id = $1::uuid"
	    "  AND expires_at < now()"
	    "  RETURNING amount_micros, quota_key, quota_month, quota_characters)," QUOTA_GIVE_BACK(
	        "expired") " UPDATE workspaces SET reserved_micros = reserved_micros -"
	                   "  (SELECT sum(amount_micros) FROM expired)"
	                   " WHERE id = $1::uuid AND EXISTS (SELECT 1 FROM expired)",
	    1, 0 },
	/* workspace $1's credit lanes swept back into its main balance, the
	 * workspace row locked until the transaction ends (0028). Returns the
	 * micros moved. */
	[STMT_LANES_SWEEP] = { "lanes_sweep", "SELECT credit_lanes_sweep($1::uuid)", 1, 0 },
	/* workspace $1 given $2 credit lanes (0: none), its lanes swept back
	 * first. Returns the micros swept back (no row: no such workspace). */
	[STMT_LANES_SET] = { "lanes_set",
	    "SELECT credit_lanes_set(id, $2::smallint) FROM workspaces WHERE id = $1::uuid", 2, 0 },
	[STMT_BILLING_RELEASE_ALL_EXPIRED] = { "billing_release_all_expired",
	    "WITH expired AS (DELETE FROM credit_holds WHERE expires_at < now()"
	    "  RETURNING workspace_id, amount_micros, quota_key, quota_month, quota_characters)," QUOTA_GIVE_BACK(
	        "expired") ","
	                   " s AS (SELECT workspace_id, sum(amount_micros) AS amt FROM expired GROUP BY 1)"
	                   " UPDATE workspaces w SET reserved_micros = w.reserved_micros - s.amt FROM s"
	                   " WHERE w.id = s.workspace_id",
	    0, 0 },
	/* what can be reserved now, and what the monthly cap leaves (NULL: no
	 * cap), the credit lanes' included (db/migrations/0028) */
	[STMT_BILLING_HEADROOM] = { "billing_headroom",
	    "SELECT w.balance_micros - w.reserved_micros + credit_lanes_total(w.id),"
	    " coalesce(w.monthly_cap_micros, p.monthly_cap_micros) - w.reserved_micros -"
	    "  CASE WHEN w.month_start >= date_trunc('month', now() AT TIME ZONE 'UTC')::date"
	    "  THEN w.month_spent_micros - credit_lanes_month_total(w.id) ELSE 0 END"
	    " FROM workspaces w JOIN plans p ON p.name = w.plan WHERE w.id = $1::uuid",
	    1, 1 },
	/* the whole balance: the main one and the credit lanes'; the month's
	 * spend without what the lanes hold of it (db/migrations/0028) */
	[STMT_BILLING_BALANCE] = { "billing_balance",
	    "SELECT w.balance_micros + credit_lanes_total(w.id), w.reserved_micros, w.currency,"
	    " w.plan, coalesce(w.monthly_cap_micros, p.monthly_cap_micros),"
	    " CASE WHEN w.month_start >= date_trunc('month', now() AT TIME ZONE 'UTC')::date"
	    "  THEN w.month_spent_micros - credit_lanes_month_total(w.id) ELSE 0 END, w.owed_micros"
	    " FROM workspaces w JOIN plans p ON p.name = w.plan WHERE w.id = $1::uuid",
	    1, 1 },
	/* newest first, below cursor $2 (0: from the newest), type $3 (NULL:
	 * any), from $4 / before $5 (NULL: unbounded), at most $6 rows */
	[STMT_BILLING_TRANSACTIONS] = { "billing_transactions",
	    "SELECT id, type, amount_micros, balance_before, balance_after, description,"
	    " coalesce(reference, ''), to_json(created_at)#>>'{}', lane FROM ledger"
	    " WHERE workspace_id = $1::uuid AND ($2::bigint = 0 OR id < $2::bigint)"
	    " AND ($3::text IS NULL OR type = $3::text)"
	    " AND ($4::timestamptz IS NULL OR created_at >= $4::timestamptz)"
	    " AND ($5::timestamptz IS NULL OR created_at < $5::timestamptz)"
	    " ORDER BY id DESC LIMIT $6::integer",
	    6, 1 },
	/* billed characters of successful translations this calendar month (UTC) */
	[STMT_USAGE_MONTH_BILLED] = { "usage_month_billed",
	    "SELECT coalesce(sum(billed_characters), 0) FROM usage_events"
	    " WHERE workspace_id = $1 AND endpoint LIKE 'translate%' AND status < 400"
	    " AND created_at >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'",
	    1, 1 },
	/* this month and the next $1 */
	[STMT_USAGE_PARTITIONS_AHEAD] = { "usage_partitions_ahead",
	    "SELECT usage_events_ensure_partitions(now(), $1::integer + 1)", 1, 0 },
	/* drops the month partitions wholly older than $1 months ago */
	[STMT_USAGE_DROP_BEFORE] = { "usage_drop_before",
	    "SELECT usage_events_drop_before(date_trunc('month', now() AT TIME ZONE 'UTC')"
	    " AT TIME ZONE 'UTC' - make_interval(months => $1::integer))",
	    1, 0 },
	[STMT_USAGE_ROLLUP] = { "usage_rollup", "SELECT usage_rollup()", 0, 0 },
	[STMT_USAGE_ROLLUP_REBUILD] = { "usage_rollup_rebuild", "SELECT usage_rollup_rebuild()", 0,
	    0 },
	/* a report's range in time zone $4: the last day, week or month ($3),
	 * or from $1 to $2 (each local to $4 unless $5 / $6 says it carries
	 * an offset; $7: $2 is a date, whose whole day is included). Returns
	 * both ends in UTC, the length in seconds, and both ends as local
	 * RFC 3339 text. */
	[STMT_REPORT_RANGE] = { "report_range",
	    "SELECT to_char(lo AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
	    " to_char(hi AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
	    " extract(epoch FROM hi - lo)::bigint, report_local_text(lo, $4),"
	    " report_local_text(hi, $4)"
	    " FROM (SELECT CASE WHEN $3::text IS NOT NULL THEN CASE $3::text"
	    "   WHEN 'day' THEN n.t - interval '1 day' WHEN 'week' THEN n.t - interval '7 days'"
	    "   ELSE (n.t AT TIME ZONE $4 - interval '1 month') AT TIME ZONE $4 END"
	    "  WHEN $5::boolean THEN $1::text::timestamptz ELSE $1::text::timestamp AT TIME ZONE $4"
	    "  END AS lo,"
	    "  CASE WHEN $3::text IS NOT NULL THEN n.t"
	    "  WHEN $7::boolean THEN ($2::text::date + 1)::timestamp AT TIME ZONE $4"
	    "  WHEN $6::boolean THEN $2::text::timestamptz ELSE $2::text::timestamp AT TIME ZONE $4"
	    "  END AS hi"
	    " FROM (SELECT date_trunc('second', now()) + interval '1 second' AS t, now() AT TIME ZONE $4 AS zone_ok) n) r",
	    7, 1 },
	/* the usage report of workspace $1 over [$2, $3) in buckets of $5
	 * ('day' or 'hour') in time zone $4: the totals row first (grouped
	 * 1), then one row per bucket, empty ones too; each with its local
	 * start, the measures and the unique users */
	[STMT_REPORT_USAGE] = { "report_usage",
	    REPORT_PARTS_BUCKETS REPORT_TOTALS(REPORT_OF_WORKSPACE) "," REPORT_UNIQUE(
	        REPORT_OF_WORKSPACE) ","
	                             " buckets AS (SELECT b FROM generate_series(date_trunc($5, $2::timestamptz AT TIME ZONE $4),"
	                             "  ($3::timestamptz - interval '1 microsecond') AT TIME ZONE $4, ('1 ' || $5)::interval) b),"
	                             " agg AS (SELECT bk, GROUPING(bk) AS g," REPORT_MEASURES
	                             "  FROM (SELECT coalesce(d.b, date_trunc($5, d.ts AT TIME ZONE $4)) AS bk, d.*"
	                             "   FROM dims d) d"
	                             "  GROUP BY GROUPING SETS ((bk), ())),"
	                             " users AS (SELECT 0 AS g, bk, n FROM counts"
	                             "  UNION ALL SELECT g, bk, count(DISTINCT actor) FROM pieces GROUP BY g, bk)"
	                             " SELECT g, start, m_requests, m_translations, m_characters, m_billed, m_cost,"
	                             "  m_cached, m_errors, m_dur, m_hist, n FROM ("
	                             "  SELECT 1 AS g, NULL::text AS start," REPORT_MEASURES_OF_A
	                             ","
	                             "   (SELECT n FROM users WHERE g = 1) AS n, NULL::timestamp AS b"
	                             "  FROM agg a WHERE a.g = 1"
	                             "  UNION ALL SELECT 0, report_local_text(k.b AT TIME ZONE $4, $4)," REPORT_MEASURES_OF_A
	                             ", u.n, k.b"
	                             "  FROM buckets k LEFT JOIN agg a ON a.g = 0 AND a.bk = k.b"
	                             "  LEFT JOIN users u ON u.g = 0 AND u.bk = k.b) r"
	                             " ORDER BY g DESC, b",
	    5, 1 },
	/* the users (API keys when no user) of workspace $1 over [$2, $3)
	 * that spent most, $5 at most: actor, kind, key prefix, requests,
	 * errors, characters, billed characters, cost */
	[STMT_REPORT_ACTORS] = { "report_actors",
	    REPORT_PARTS REPORT_ACTORS(
	        REPORT_OF_WORKSPACE) " SELECT a.actor, a.kind, k.prefix, a.requests, a.errors, a.characters, a.billed,"
	                             " a.cost FROM (SELECT actor, min(actor_kind) AS kind, sum(sgn * requests) AS requests,"
	                             "  sum(sgn * errors) AS errors, sum(sgn * characters) AS characters,"
	                             "  sum(sgn * billed_characters) AS billed, sum(sgn * cost_micros) AS cost FROM actors"
	                             "  GROUP BY actor" REPORT_ANY ") a"
	                             " LEFT JOIN api_keys k ON a.kind = 'k' AND k.id = a.actor"
	                             " ORDER BY a.cost DESC, a.requests DESC, a.actor LIMIT $5::integer",
	    5, 1 },
	/* the language pairs of workspace $1 over [$2, $3), most requested
	 * first, $5 at most: source, target, the measures */
	[STMT_REPORT_PAIRS] = { "report_pairs",
	    REPORT_PARTS REPORT_DIMS(
	        REPORT_OF_WORKSPACE) " SELECT source, target," REPORT_MEASURES
	                             " FROM dims WHERE target <> ''"
	                             " GROUP BY source, target" REPORT_ANY
	                             " ORDER BY m_requests DESC, source, target LIMIT $5::integer",
	    5, 1 },
	/* the providers of workspace $1 over [$2, $3), most requested first,
	 * $5 at most: provider, the measures */
	[STMT_REPORT_PROVIDERS] = { "report_providers",
	    REPORT_PARTS REPORT_DIMS(
	        REPORT_OF_WORKSPACE) " SELECT provider," REPORT_MEASURES
	                             " FROM dims WHERE provider <> ''"
	                             " GROUP BY provider" REPORT_ANY
	                             " ORDER BY m_requests DESC, provider LIMIT $5::integer",
	    5, 1 },
	/* every workspace over [$2, $3) (time zone $4): the totals row first
	 * (grouped 1, from the platform's rollups, with the workspaces
	 * active), then the $1 workspaces that spent most (ranked from what
	 * each spent, then measured whole); each with the workspace, its
	 * name, the workspaces active, and the measures */
	[STMT_REPORT_WORKSPACES] = { "report_workspaces",
	    REPORT_PARTS REPORT_SPENT
	    ","
	    " ranked AS (SELECT workspace_id, sum(requests) AS requests,"
	    "  sum(cost) AS cost FROM spent GROUP BY workspace_id HAVING sum(requests) <> 0),"
	    " top AS MATERIALIZED (SELECT workspace_id FROM ranked"
	    "  ORDER BY cost DESC, workspace_id LIMIT $1::integer)," REPORT_PLATFORM
	    "," REPORT_TOTALS(
	        " AND x.workspace_id = ANY (ARRAY(SELECT workspace_id FROM top))") ","
	                                                                           " agg AS (SELECT workspace_id," REPORT_MEASURES
	                                                                           "  FROM dims GROUP BY workspace_id)"
	                                                                           " SELECT 1 AS g, NULL::uuid AS workspace_id, NULL::text AS name,"
	                                                                           "  (SELECT count(*) FROM ranked) AS active," REPORT_MEASURES
	                                                                           " FROM platform"
	                                                                           " UNION ALL SELECT 0, a.workspace_id, w.name, NULL::bigint," REPORT_MEASURES_OF_A
	                                                                           "  FROM agg a LEFT JOIN workspaces w ON w.id = a.workspace_id"
	                                                                           " ORDER BY 1 DESC, 9 DESC, 2",
	    4, 1 },
	/* the money that came in over [$1, $2): per ledger type (payments'
	 * credits and refunds, grants, coupons), the sum and the rows */
	[STMT_REPORT_MONEY] = { "report_money",
	    "SELECT type, sum(amount_micros), count(*) FROM ledger"
	    " WHERE created_at >= $1::timestamptz AND created_at < $2::timestamptz"
	    " AND type IN ('credit', 'refund', 'dispute', 'grant', 'coupon') GROUP BY type",
	    2, 1 },
	[STMT_USAGE_PARTITION_LIST] = { "usage_partition_list",
	    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
	    " JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'usage_events'"
	    " ORDER BY c.relname",
	    0, 1 },
	/* a credit change by hand: $2 micros (signed) of type $3 described $4
	 * with reference $5 and Idempotency-Key $6 (or NULL), if the balance
	 * stays >= what is reserved. Returns the ledger row's id and the new
	 * balance (no row: refused). */
	[STMT_LEDGER_CHANGE] = { "ledger_change",
	    "WITH ws AS (UPDATE workspaces SET balance_micros = balance_micros + $2::bigint"
	    "  WHERE id = $1::uuid AND balance_micros + $2::bigint >= reserved_micros"
	    "  RETURNING id, balance_micros)"
	    " INSERT INTO ledger (workspace_id, type, amount_micros, balance_before, balance_after,"
	    "  description, reference, idempotency_key)"
	    " SELECT id, $3, $2::bigint, balance_micros - $2::bigint, balance_micros, $4, $5, $6"
	    " FROM ws RETURNING id, balance_after + credit_lanes_total(workspace_id)",
	    6, 0 },
	/* the ledger row of workspace $1 made under Idempotency-Key $2 in the
	 * namespace (operators' or tenants') of type $3 */
	[STMT_LEDGER_BY_KEY] = { "ledger_by_key",
	    "SELECT id, balance_after, type, amount_micros FROM ledger"
	    " WHERE workspace_id = $1::uuid AND idempotency_key = $2"
	    " AND ledger_key_namespace(type) = ledger_key_namespace($3)",
	    3, 1 },
	/* $2: the workspace's own monthly cap in micros, NULL for its plan's */
	[STMT_BILLING_SET_CAP] = { "billing_set_cap",
	    "UPDATE workspaces SET monthly_cap_micros = $2::bigint WHERE id = $1::uuid"
	    " RETURNING id",
	    2, 0 },
	/* claims key $2 of workspace $1 for owner $5 (hash $3, lease $4 s):
	 * a new key, or one in flight whose lease ran out (its worker died),
	 * for the same request; never a key the tenant's ledger holds (its
	 * stored answer has expired). One row: claimed. */
	[STMT_IDEM_CLAIM] = { "idem_claim",
	    /* read from the statement's snapshot: the row as it was before the
	     * claim below rewrites it (a FOR UPDATE here would find it
	     * modified by this very command and skip it) */
	    "WITH dead AS (SELECT owner FROM idempotency_keys WHERE workspace_id = $1::uuid"
	    "  AND key = $2 AND state = 'in_flight' AND lease_until < now()"
	    "  AND request_hash = decode($3, 'hex')),"
	    " ins AS (INSERT INTO idempotency_keys (workspace_id, key, request_hash, state,"
	    "  lease_until, owner) SELECT $1::uuid, $2, decode($3, 'hex'), 'in_flight',"
	    "  now() + make_interval(secs => $4::integer), $5"
	    "  WHERE NOT EXISTS (SELECT 1 FROM ledger l WHERE l.workspace_id = $1::uuid"
	    "   AND l.idempotency_key = $2 AND ledger_key_namespace(l.type) = 'tenant')"
	    "  ON CONFLICT (workspace_id, key) DO UPDATE SET lease_until = EXCLUDED.lease_until,"
	    "  owner = EXCLUDED.owner"
	    "  WHERE idempotency_keys.state = 'in_flight' AND idempotency_keys.lease_until < now()"
	    "  AND idempotency_keys.request_hash = EXCLUDED.request_hash"
	    "  RETURNING 1 AS claimed),"
	    /* a takeover gives back the credit every earlier attempt held */
	    " freed AS (DELETE FROM credit_holds h WHERE h.workspace_id = $1::uuid"
	    "  AND EXISTS (SELECT 1 FROM ins) AND EXISTS (SELECT 1 FROM dead)"
	    "  AND (h.owner IN (SELECT owner FROM dead) OR h.idempotency_key = $2)"
	    "  RETURNING h.amount_micros, h.quota_key, h.quota_month, h.quota_characters),"
	    " back AS (UPDATE workspaces SET reserved_micros = reserved_micros -"
	    "  (SELECT sum(amount_micros) FROM freed)"
	    "  WHERE id = $1::uuid AND EXISTS (SELECT 1 FROM freed))," QUOTA_GIVE_BACK(
	        "freed") " SELECT claimed FROM ins",
	    5, 0 },
	/* key $2 of workspace $1: its state (NULL: no such key), whether it is
	 * for the request of hash $3, the stored answer, and whether the
	 * tenant's ledger holds a charge made under it */
	[STMT_IDEM_GET] = { "idem_get",
	    "SELECT k.state, k.request_hash = decode($3, 'hex'), coalesce(k.status, 0),"
	    " coalesce(k.content_type, ''), coalesce(k.body, ''),"
	    " EXISTS (SELECT 1 FROM ledger l WHERE l.workspace_id = $1::uuid"
	    "  AND l.idempotency_key = $2 AND ledger_key_namespace(l.type) = 'tenant')"
	    " FROM (SELECT 1) one LEFT JOIN idempotency_keys k"
	    " ON k.workspace_id = $1::uuid AND k.key = $2",
	    3, 1 },
	[STMT_IDEM_COMPLETE] = { "idem_complete",
	    "UPDATE idempotency_keys SET state = 'done', status = $4::smallint, content_type = $5,"
	    " body = $6 WHERE workspace_id = $1::uuid AND key = $2 AND owner = $3"
	    " AND state = 'in_flight'",
	    6, 0 },
	[STMT_IDEM_RELEASE] = { "idem_release",
	    "DELETE FROM idempotency_keys WHERE workspace_id = $1::uuid AND key = $2"
	    " AND owner = $3 AND state = 'in_flight'",
	    3, 0 },
	/* keys are kept at least 24 hours */
	[STMT_IDEM_EXPIRE] = { "idem_expire",
	    "DELETE FROM idempotency_keys WHERE created_at < now() - interval '25 hours'"
	    " AND (state = 'done' OR lease_until < now())",
	    0, 0 },
	/* the coupon $1, locked for its redemption: amount, usable now */
	[STMT_COUPON_LOCK] = { "coupon_lock",
	    "SELECT amount_micros, (expires_at IS NULL OR expires_at > now()),"
	    " redemptions < max_redemptions FROM coupons WHERE code = $1 FOR UPDATE",
	    1, 0 },
	/* inside the transaction that holds the coupon's lock: counts the
	 * redemption, credits workspace $2 with ledger row, records who
	 * redeemed it (unique per workspace). Returns the new balance. */
	[STMT_COUPON_REDEEM] = { "coupon_redeem",
	    "WITH c AS (UPDATE coupons SET redemptions = redemptions + 1 WHERE code = $1"
	    "  RETURNING code, amount_micros),"
	    " ws AS (UPDATE workspaces w SET balance_micros = w.balance_micros + c.amount_micros"
	    "  FROM c WHERE w.id = $2::uuid RETURNING w.id, w.balance_micros, c.amount_micros, c.code),"
	    " led AS (INSERT INTO ledger (workspace_id, type, amount_micros, balance_before,"
	    "  balance_after, description, reference)"
	    "  SELECT id, 'coupon', amount_micros, balance_micros - amount_micros, balance_micros,"
	    "  'coupon ' || code, code FROM ws RETURNING id, workspace_id, reference),"
	    " red AS (INSERT INTO coupon_redemptions (code, workspace_id, ledger_id)"
	    "  SELECT reference, workspace_id, id FROM led)"
	    " SELECT balance_micros + credit_lanes_total(id), amount_micros FROM ws",
	    2, 0 },
	[STMT_COUPON_CREATE] = { "coupon_create",
	    "INSERT INTO coupons (code, amount_micros, max_redemptions, expires_at)"
	    " VALUES ($1, $2::bigint, $3::integer, $4::timestamptz) RETURNING code",
	    4, 0 },
	[STMT_PAYMENT_METHOD_SET] = { "payment_method_set",
	    "INSERT INTO payment_methods (workspace_id, stripe_customer, stripe_payment_method)"
	    " VALUES ($1::uuid, $2, $3) ON CONFLICT (workspace_id) DO UPDATE SET"
	    " stripe_customer = EXCLUDED.stripe_customer,"
	    " stripe_payment_method = EXCLUDED.stripe_payment_method, updated_at = now()",
	    3, 0 },
	[STMT_PAYMENT_METHOD_GET] = { "payment_method_get",
	    "SELECT stripe_customer, stripe_payment_method FROM payment_methods"
	    " WHERE workspace_id = $1::uuid",
	    1, 1 },
	/* the payment of workspace $1 under the client's key $5 (made once):
	 * id, state, PaymentIntent, amount */
	[STMT_PAYMENT_UPSERT] = { "payment_upsert",
	    "INSERT INTO payments (workspace_id, amount_micros, kind, state, request_id,"
	    " idempotency_key) VALUES ($1::uuid, $2::bigint, $3, 'pending', $4, $5)"
	    " ON CONFLICT (workspace_id, idempotency_key) DO UPDATE SET updated_at = now()"
	    " RETURNING id, state, coalesce(stripe_payment_intent, ''), amount_micros",
	    5, 0 },
	/* payment $1: workspace, kind, state, PaymentIntent ('' none), amount,
	 * whether it has expired, credited, expires_at, error ('' none),
	 * whether it was sent to Stripe */
	[STMT_PAYMENT_GET] = { "payment_get",
	    "SELECT workspace_id, kind, state, coalesce(stripe_payment_intent, ''), amount_micros,"
	    " (now() >= expires_at)::int, (credited_at IS NOT NULL)::int,"
	    " to_json(expires_at)#>>'{}', coalesce(error, ''), (stripe_attempted_at IS NOT NULL)::int"
	    " FROM payments WHERE id = $1::uuid",
	    1, 1 },
	/* payment $1 is about to be sent to Stripe (created) with customer $2
	 * and payment method $3: the first ones stay the payment's. No row:
	 * it must not be created (it has a PaymentIntent, was credited, or is
	 * in the hour before its expiry, when only a lookup may follow).
	 * Returns the customer and payment method to send. */
	[STMT_PAYMENT_ATTEMPT] = { "payment_attempt",
	    "UPDATE payments SET stripe_attempted_at = coalesce(stripe_attempted_at, now()),"
	    " stripe_customer = coalesce(stripe_customer, $2),"
	    " stripe_payment_method = coalesce(stripe_payment_method, $3), updated_at = now()"
	    " WHERE id = $1::uuid AND stripe_payment_intent IS NULL AND credited_at IS NULL"
	    " AND now() < expires_at - interval '1 hour'"
	    " RETURNING stripe_customer, stripe_payment_method",
	    3, 0 },
	[STMT_PAYMENT_SET_INTENT] = { "payment_set_intent",
	    "UPDATE payments SET stripe_payment_intent = $2, updated_at = now()"
	    " WHERE id = $1::uuid AND stripe_payment_intent IS NULL",
	    2, 0 },
	/* payment $1, not credited and still open, is now in state $2 (error
	 * $3 or NULL): returns its kind and workspace */
	[STMT_PAYMENT_MARK] = { "payment_mark",
	    "UPDATE payments SET state = $2, error = coalesce($3, error), updated_at = now()"
	    " WHERE id = $1::uuid AND credited_at IS NULL"
	    " AND state IN ('pending', 'processing', 'unknown') RETURNING kind, workspace_id",
	    3, 0 },
	/* payment $1's workspace row, then its own (payment_lock() in
	 * db/migrations/0022): the order every statement that touches both
	 * takes them in */
	[STMT_PAYMENT_LOCK] = { "payment_lock", "SELECT payment_lock($1::uuid)", 1, 0 },
	/* payment $1 succeeded as PaymentIntent $2: payment_credit() in
	 * db/migrations/0022. Returns the balance (NULL: credited before). */
	[STMT_PAYMENT_CREDIT] = { "payment_credit", "SELECT payment_credit($1::uuid, $2)", 2, 0 },
	/* payment $1 refunded $2 micros in all so far */
	[STMT_PAYMENT_REFUNDED] = { "payment_refunded",
	    "SELECT payment_refunded($1::uuid, $2::bigint)", 2, 0 },
	/* dispute $1 of payment $2 for $3 micros is in Stripe's status $4:
	 * 't', or 'f' when the dispute is another payment's */
	[STMT_PAYMENT_DISPUTE] = { "payment_dispute",
	    "SELECT payment_dispute($1, $2::uuid, $3::bigint, $4)", 4, 0 },
	/* the payment of PaymentIntent $1, or else the payment $2 (the
	 * PaymentIntent's metadata) when it has no PaymentIntent yet, was sent
	 * to Stripe, and for customer $3 ('': not known): id, amount, kind,
	 * workspace, its PaymentIntent ('' none) */
	[STMT_PAYMENT_FIND] = { "payment_find",
	    "SELECT id, amount_micros, kind, workspace_id, coalesce(stripe_payment_intent, '')"
	    " FROM payments WHERE stripe_payment_intent = $1"
	    " OR (stripe_payment_intent IS NULL AND id::text = $2"
	    "  AND stripe_attempted_at IS NOT NULL"
	    "  AND ($3 = '' OR stripe_customer IS NULL OR stripe_customer = $3))"
	    " ORDER BY stripe_payment_intent IS NULL LIMIT 1",
	    3, 0 },
	/* open payments (pending, processing, unknown) untouched for $1
	 * seconds, oldest first: id */
	[STMT_PAYMENTS_OPEN] = { "payments_open",
	    "SELECT id FROM payments WHERE state IN ('pending', 'processing', 'unknown')"
	    " AND updated_at < now() - make_interval(secs => $1::integer)"
	    " ORDER BY created_at LIMIT 1000",
	    1, 1 },
#define PAYMENT_COLUMNS \
	" id, kind, state, amount_micros, coalesce(stripe_payment_intent, ''), coalesce(error, '')," \
	" refunded_micros, to_json(created_at)#>>'{}', to_json(updated_at)#>>'{}'," \
	" to_json(expires_at)#>>'{}', coalesce(to_json(credited_at)#>>'{}', '')"
	/* workspace $1's payments, newest first, below created_at cursor $2
	 * (NULL: from the newest), $3 at most */
	[STMT_PAYMENT_LIST] = { "payment_list",
	    "SELECT" PAYMENT_COLUMNS " FROM payments WHERE workspace_id = $1::uuid"
	    " AND ($2::timestamptz IS NULL OR created_at < $2::timestamptz)"
	    " ORDER BY created_at DESC, id LIMIT $3::integer",
	    3, 1 },
	/* workspace $1's payment $2 (another's is not found) */
	[STMT_PAYMENT_ONE] = { "payment_one",
	    "SELECT" PAYMENT_COLUMNS " FROM payments WHERE workspace_id = $1::uuid"
	    " AND id::text = $2",
	    2, 1 },
	/* keeps event $1 of type $2 about object $3 that matches no payment
	 * (PaymentIntent $4, $5 micros of currency $6, why $7, payload $8) */
	[STMT_UNMATCHED_RECORD] = { "unmatched_record",
	    "INSERT INTO stripe_unmatched (event_id, type, object_id, payment_intent, amount_micros,"
	    " currency, reason, payload) VALUES ($1, $2, $3, $4, $5::bigint, $6, $7, $8)"
	    " ON CONFLICT (event_id) DO NOTHING",
	    8, 0 },
	[STMT_UNMATCHED_LIST] = { "unmatched_list",
	    "SELECT event_id, type, object_id, coalesce(payment_intent, ''),"
	    " coalesce(amount_micros, 0), coalesce(currency, ''), reason,"
	    " to_json(received_at)#>>'{}' FROM stripe_unmatched WHERE resolved_at IS NULL"
	    " ORDER BY received_at",
	    0, 1 },
	/* stripe_unmatched_assign() in db/migrations/0022 */
	[STMT_UNMATCHED_ASSIGN] = { "unmatched_assign",
	    "SELECT stripe_unmatched_assign($1, $2::uuid)", 2, 0 },
	[STMT_UNMATCHED_DISMISS] = { "unmatched_dismiss",
	    "UPDATE stripe_unmatched SET resolved_at = now(), resolution = $2"
	    " WHERE event_id = $1 AND resolved_at IS NULL RETURNING event_id",
	    2, 0 },
	[STMT_STRIPE_EVENT_RECORD] = { "stripe_event_record",
	    "INSERT INTO stripe_events (id, type) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING"
	    " RETURNING id",
	    2, 0 },
	[STMT_AUTO_RECHARGE_SET] = { "auto_recharge_set",
	    "INSERT INTO auto_recharge (workspace_id, enabled, threshold_micros, amount_micros,"
	    " max_per_day) VALUES ($1::uuid, $2::boolean, $3::bigint, $4::bigint, $5::integer)"
	    " ON CONFLICT (workspace_id) DO UPDATE SET enabled = EXCLUDED.enabled,"
	    " threshold_micros = EXCLUDED.threshold_micros, amount_micros = EXCLUDED.amount_micros,"
	    " max_per_day = EXCLUDED.max_per_day, next_attempt_at = NULL, updated_at = now()",
	    5, 0 },
	[STMT_AUTO_RECHARGE_GET] = { "auto_recharge_get",
	    "SELECT enabled, threshold_micros, amount_micros, max_per_day,"
	    " coalesce(last_error, ''), coalesce(to_json(last_error_at)#>>'{}', ''),"
	    " coalesce(to_json(next_attempt_at)#>>'{}', ''),"
	    " (SELECT state FROM payments p WHERE p.workspace_id = a.workspace_id AND p.kind = 'auto'"
	    "  ORDER BY created_at DESC LIMIT 1)"
	    " FROM auto_recharge a WHERE workspace_id = $1::uuid",
	    1, 1 },
	[STMT_AUTO_RECHARGE_FAILED] = { "auto_recharge_failed",
	    "UPDATE auto_recharge SET last_error = $2, last_error_at = now(),"
	    " next_attempt_at = now() + interval '1 hour' WHERE workspace_id = $1::uuid",
	    2, 0 },
	[STMT_AUTO_RECHARGE_OK] = { "auto_recharge_ok",
	    "UPDATE auto_recharge SET next_attempt_at = NULL WHERE workspace_id = $1::uuid", 1, 0 },
	/* queues an auto payment for workspace $1 when one is due (request
	 * $2, which wanted $3 micros more than there is, or 0):
	 * auto_recharge_queue() in db/migrations/0022. Returns its id (NULL:
	 * none) */
	[STMT_AUTO_RECHARGE_DUE] = { "auto_recharge_due",
	    "SELECT auto_recharge_queue(id, balance_micros - reserved_micros"
	    " + credit_lanes_total(id) - $3::bigint, $2) FROM workspaces WHERE id = $1::uuid",
	    3, 0 },
	[STMT_MIGRATION_APPLIED] = { "migration_applied",
	    "SELECT 1 FROM schema_migrations WHERE version = $1::integer", 1, 1 },
	[STMT_MIGRATION_RECORD] = { "migration_record",
	    "INSERT INTO schema_migrations (version, name) VALUES ($1::integer, $2)", 2, 0 },
	/* adds the waiting counts ($1 families, $2 label sets, $3 slots, $4
	 * deltas), rows locked in key order so that flushing workers never
	 * deadlock; not retried: it may have been committed */
	[STMT_METRICS_ADD] = { "metrics_add",
	    "INSERT INTO metrics (family, labels, idx, value)"
	    " SELECT f, l, i, v FROM unnest($1::text[], $2::text[], $3::smallint[], $4::bigint[])"
	    "  AS t(f, l, i, v) ORDER BY f, l, i"
	    " ON CONFLICT (family, labels, idx) DO UPDATE SET value = metrics.value + EXCLUDED.value",
	    4, 0 },
	[STMT_METRICS_READ] = { "metrics_read",
	    "SELECT family, labels, idx, value FROM metrics ORDER BY family, labels, idx", 0, 1 },
};

const struct stmt_def *stmt_def(enum stmt s)
{
	return (int)s >= 0 && s < STMT__MAX ? &defs[s] : NULL;
}

const struct stmt_def *stmt_def_named(const char *name)
{
	for (int i = 0; i < STMT__MAX; i++)
		if (defs[i].name != NULL && strcmp(defs[i].name, name) == 0)
			return &defs[i];
	return NULL;
}
