/* SQL fragments shared by the report statements (src/store/statements.c).
 * Every report reads the range [$2, $3) in time zone $4 through
 * usage_segments() (db/migrations/0013_reports.sql): daily rollups for
 * whole UTC days, hourly ones for whole hours, raw events for the rest,
 * all in one statement and so from one snapshot. */
#ifndef DRAGOMAN_REPORT_SQL_H
#define DRAGOMAN_REPORT_SQL_H

/* the parts of the range, for buckets of GRAIN (an SQL expression) */
#define REPORT_SEGMENTS(GRAIN) \
	"WITH seg AS MATERIALIZED (SELECT * FROM usage_segments($2::timestamptz," \
	" $3::timestamptz, $4, " GRAIN ")),"

/* dims: one row per rollup row or raw event, with the measures of
 * usage_hourly; WS restricts alias x to a workspace ("" for all). Each
 * part is read per segment through LATERAL ... OFFSET 0, so that every
 * segment is one index range scan (the planner cannot know how few
 * segments there are, and would rather scan the workspace's rows whole). */
#define REPORT_DAILY_PART(WS) \
	" SELECT x.* FROM seg, LATERAL (SELECT x.workspace_id, x.day AS ts, x.endpoint," \
	"  x.provider, x.source, x.target, x.requests, x.errors, x.segments," \
	"  CASE WHEN x.endpoint LIKE 'translate%' THEN x.segments ELSE 0 END AS translations," \
	"  x.cached_segments, x.characters, x.billed_characters, x.cost_micros," \
	"  x.duration_ms_sum AS dur, x.duration_hist AS hist FROM usage_daily x" \
	"  WHERE x.day >= seg.lo AND x.day < seg.hi" WS " OFFSET 0) x WHERE seg.kind = 'd'"
/* the same per workspace alone (endpoint, provider and languages ""),
 * from the per-workspace totals */
#define REPORT_TOTALS_PARTS(WS) \
	" SELECT x.* FROM seg, LATERAL (SELECT x.workspace_id, x.day AS ts, ''::text AS endpoint," \
	"  ''::text AS provider, ''::text AS source, ''::text AS target, x.requests, x.errors," \
	"  0::bigint AS segments, x.translations, x.cached_segments, x.characters," \
	"  x.billed_characters, x.cost_micros, x.duration_ms_sum AS dur, x.duration_hist AS hist" \
	"  FROM usage_workspaces_daily x WHERE x.day >= seg.lo AND x.day < seg.hi" WS \
	"  OFFSET 0) x WHERE seg.kind = 'd'" \
	"  UNION ALL SELECT x.* FROM seg, LATERAL (SELECT x.workspace_id, x.hour, '', '', '', ''," \
	"  x.requests, x.errors, 0::bigint, x.translations, x.cached_segments, x.characters," \
	"  x.billed_characters, x.cost_micros, x.duration_ms_sum, x.duration_hist" \
	"  FROM usage_workspaces_hourly x WHERE x.hour >= seg.lo AND x.hour < seg.hi" WS \
	"  OFFSET 0) x WHERE seg.kind = 'h'"
#define REPORT_DAILY_AND_HOURLY_PARTS(WS) \
	REPORT_DAILY_PART(WS) \
	"  UNION ALL SELECT x.* FROM seg, LATERAL (SELECT x.workspace_id, x.hour, x.endpoint," \
	"  x.provider, x.source, x.target, x.requests, x.errors, x.segments," \
	"  CASE WHEN x.endpoint LIKE 'translate%' THEN x.segments ELSE 0 END, x.cached_segments," \
	"  x.characters, x.billed_characters, x.cost_micros, x.duration_ms_sum, x.duration_hist" \
	"  FROM usage_hourly x WHERE x.hour >= seg.lo AND x.hour < seg.hi" WS " OFFSET 0) x" \
	"  WHERE seg.kind = 'h'"
#define REPORT_RAW_PART(WS) \
	"  UNION ALL SELECT x.* FROM seg, LATERAL (SELECT x.workspace_id, x.created_at," \
	"  x.endpoint, coalesce(x.provider, ''), coalesce(x.source, ''), coalesce(x.target, '')," \
	"  1, (x.status >= 400)::integer, x.segments," \
	"  CASE WHEN x.endpoint LIKE 'translate%' THEN x.segments ELSE 0 END, x.cached_segments," \
	"  x.characters, x.billed_characters, x.cost_micros, x.duration_ms," \
	"  usage_hist_unit(x.duration_ms) FROM usage_events x" \
	"  WHERE x.created_at >= seg.lo AND x.created_at < seg.hi" \
	"  AND x.endpoint NOT LIKE 'billing.%'" WS " OFFSET 0) x WHERE seg.kind = 'r'"
/* per endpoint, provider and language pair */
#define REPORT_DIMS(WS) " dims AS (" REPORT_DAILY_AND_HOURLY_PARTS(WS) REPORT_RAW_PART(WS) ")"
/* per workspace */
#define REPORT_TOTALS(WS) " dims AS (" REPORT_TOTALS_PARTS(WS) REPORT_RAW_PART(WS) ")"

/* actors: the same per user (or API key) */
#define REPORT_ACTORS(WS) \
	" actors AS (SELECT x.* FROM seg, LATERAL (SELECT x.workspace_id, x.day AS ts, x.actor," \
	"  x.actor_kind, x.requests, x.errors, x.segments, x.cached_segments, x.characters," \
	"  x.billed_characters, x.cost_micros FROM usage_actors_daily x" \
	"  WHERE x.day >= seg.lo AND x.day < seg.hi" WS " OFFSET 0) x WHERE seg.kind = 'd'" \
	"  UNION ALL SELECT x.* FROM seg, LATERAL (SELECT x.workspace_id, x.hour, x.actor," \
	"  x.actor_kind, x.requests, x.errors, x.segments, x.cached_segments, x.characters," \
	"  x.billed_characters, x.cost_micros FROM usage_actors_hourly x" \
	"  WHERE x.hour >= seg.lo AND x.hour < seg.hi" WS " OFFSET 0) x WHERE seg.kind = 'h'" \
	"  UNION ALL SELECT x.* FROM seg, LATERAL (SELECT x.workspace_id, x.created_at," \
	"  usage_actor(x.user_id, x.api_key_id), usage_actor_kind(x.user_id, x.api_key_id), 1," \
	"  (x.status >= 400)::integer, x.segments, x.cached_segments, x.characters," \
	"  x.billed_characters, x.cost_micros FROM usage_events x" \
	"  WHERE x.created_at >= seg.lo AND x.created_at < seg.hi" \
	"  AND x.endpoint NOT LIKE 'billing.%'" WS " OFFSET 0) x WHERE seg.kind = 'r')"

#define REPORT_OF_WORKSPACE " AND x.workspace_id = $1::uuid"

/* the measures of a group of dims rows, in the order of enum
 * report_measure (src/reports/report.h) */
#define REPORT_MEASURES \
	" sum(requests) AS m_requests," \
	" sum(translations) AS m_translations," \
	" sum(characters) AS m_characters, sum(billed_characters) AS m_billed," \
	" sum(cost_micros) AS m_cost, sum(cached_segments) AS m_cached," \
	" sum(errors) AS m_errors, sum(dur) AS m_dur," \
	" ARRAY[sum(hist[1]), sum(hist[2]), sum(hist[3]), sum(hist[4]), sum(hist[5])," \
	"  sum(hist[6]), sum(hist[7]), sum(hist[8]), sum(hist[9]), sum(hist[10])," \
	"  sum(hist[11]), sum(hist[12]), sum(hist[13]), sum(hist[14])]::text AS m_hist"

/* the same, read back from a CTE aliased a */
#define REPORT_MEASURES_OF_A \
	" a.m_requests, a.m_translations, a.m_characters, a.m_billed, a.m_cost, a.m_cached," \
	" a.m_errors, a.m_dur, a.m_hist"

#endif
