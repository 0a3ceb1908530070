/* SQL fragments shared by the report statements (src/store/statements.c).
 * Every report reads the range [$2, $3) in time zone $4 through
 * usage_parts() (db/migrations/0029_report_zones.sql): monthly rollups for
 * whole UTC months, daily ones for whole UTC days, hourly ones for whole
 * hours, raw events for the rest, all in one statement and so from one
 * snapshot. Each part's rows count toward its bucket b (NULL: the bucket of
 * the row's own time) with its sign sgn (-1: hours a day row holds that
 * belong to another bucket). */
#ifndef DRAGOMAN_REPORT_SQL_H
#define DRAGOMAN_REPORT_SQL_H

/* the parts of the range a report over one bucket reads (seg); its zone $4
 * changes nothing but the range */
#define REPORT_PARTS \
	"WITH seg AS MATERIALIZED (SELECT kind, lo, hi, NULL::timestamp AS b, 1 AS sgn" \
	" FROM usage_range_parts($2::timestamptz, $3::timestamptz)" \
	" WHERE uses = 'v' AND $4::text IS NOT NULL),"

/* the same, and the parts for its unique users (useg), for buckets of $5 */
#define REPORT_PARTS_BUCKETS \
	"WITH parts AS MATERIALIZED (SELECT * FROM usage_report_parts($2::timestamptz," \
	" $3::timestamptz, $4, $5)), seg AS (SELECT * FROM parts WHERE uses = 'v')," \
	" useg AS (SELECT CASE WHEN uses = 't' THEN 1 ELSE 0 END AS g, * FROM parts" \
	"  WHERE uses <> 'v'),"

/* raw events are read within the report's range as well as the part's,
 * so that only the month partitions of the range are planned and opened */
#define REPORT_RAW_RANGE " AND x.created_at >= $2::timestamptz AND x.created_at < $3::timestamptz"

/* Each part is read through LATERAL ... OFFSET 0, so that every part is one
 * index range scan (the planner cannot know how few parts there are, and
 * would rather scan the workspace's rows whole). WS restricts alias x to
 * the workspaces the report covers ("" for all). */

/* dims: one row per rollup row or raw event, per endpoint, provider and
 * language pair: b, sgn, the workspace, its time ts, and the measures */
#define REPORT_DIMS_PART(KIND, TABLE, TS, WS) \
	" SELECT seg.b, seg.sgn, x.* FROM seg, LATERAL (SELECT x.workspace_id, x." TS " AS ts," \
	"  x.endpoint, x.provider, x.source, x.target, x.requests, x.errors," \
	"  CASE WHEN x.endpoint LIKE 'translate%' THEN x.segments ELSE 0 END AS translations," \
	"  x.cached_segments, x.characters, x.billed_characters, x.cost_micros," \
	"  x.duration_ms_sum AS dur, x.duration_hist AS hist FROM " TABLE " x" \
	"  WHERE x." TS " >= seg.lo AND x." TS " < seg.hi" WS \
	" OFFSET 0) x WHERE seg.kind = '" KIND "'"
#define REPORT_DIMS(WS) \
	" dims AS (" REPORT_DIMS_PART("m", "usage_monthly", "month", \
	    WS) "  UNION ALL" REPORT_DIMS_PART("d", "usage_daily", "day", \
	    WS) "  UNION ALL" REPORT_DIMS_PART("h", "usage_hourly", "hour", \
	    WS) "  UNION ALL SELECT seg.b, seg.sgn, x.* FROM seg, LATERAL (SELECT x.workspace_id," \
	        "  x.created_at, x.endpoint, coalesce(x.provider, ''), coalesce(x.source, '')," \
	        "  coalesce(x.target, ''), 1, (x.status >= 400)::integer," \
	        "  CASE WHEN x.endpoint LIKE 'translate%' THEN x.segments ELSE 0 END, x.cached_segments," \
	        "  x.characters, x.billed_characters, x.cost_micros, x.duration_ms," \
	        "  usage_hist_unit(x.duration_ms) FROM usage_events x" \
	        "  WHERE x.created_at >= seg.lo AND x.created_at < seg.hi" REPORT_RAW_RANGE \
	        "  AND x.endpoint NOT LIKE 'billing.%'" WS " OFFSET 0) x WHERE seg.kind = 'r')"

/* the same per workspace alone, from the per-workspace rollups */
#define REPORT_TOTALS_PART(KIND, TABLE, TS, WS) \
	" SELECT seg.b, seg.sgn, x.* FROM seg, LATERAL (SELECT x.workspace_id, x." TS " AS ts," \
	"  x.requests, x.errors, x.translations, x.cached_segments, x.characters," \
	"  x.billed_characters, x.cost_micros, x.duration_ms_sum AS dur, x.duration_hist AS hist" \
	"  FROM " TABLE " x WHERE x." TS " >= seg.lo AND x." TS " < seg.hi" WS \
	"  OFFSET 0) x WHERE seg.kind = '" KIND "'"
#define REPORT_TOTALS(WS) \
	" dims AS (" REPORT_TOTALS_PART("m", "usage_workspaces_monthly", "month", \
	    WS) "  UNION ALL" REPORT_TOTALS_PART("d", "usage_workspaces_daily", "day", \
	    WS) "  UNION ALL" REPORT_TOTALS_PART("h", "usage_workspaces_hourly", "hour", \
	    WS) "  UNION ALL SELECT seg.b, seg.sgn, x.* FROM seg, LATERAL (SELECT x.workspace_id," \
	        "  x.created_at, 1, (x.status >= 400)::integer," \
	        "  CASE WHEN x.endpoint LIKE 'translate%' THEN x.segments ELSE 0 END, x.cached_segments," \
	        "  x.characters, x.billed_characters, x.cost_micros, x.duration_ms," \
	        "  usage_hist_unit(x.duration_ms) FROM usage_events x" \
	        "  WHERE x.created_at >= seg.lo AND x.created_at < seg.hi" REPORT_RAW_RANGE \
	        "  AND x.endpoint NOT LIKE 'billing.%'" WS " OFFSET 0) x WHERE seg.kind = 'r')"

/* the same for every workspace together, from the platform's rollups:
 * platform (sgn and the measures) */
#define REPORT_PLATFORM_PART(KIND, TABLE, TS) \
	" SELECT seg.sgn, x.* FROM seg, LATERAL (SELECT x.requests, x.errors, x.translations," \
	"  x.cached_segments, x.characters, x.billed_characters, x.cost_micros," \
	"  x.duration_ms_sum AS dur, x.duration_hist AS hist FROM " TABLE " x" \
	"  WHERE x." TS " >= seg.lo AND x." TS " < seg.hi OFFSET 0) x WHERE seg.kind = '" KIND "'"
#define REPORT_PLATFORM \
	" platform AS (" REPORT_PLATFORM_PART("m", "usage_platform_monthly", \
	    "month") "  UNION ALL" REPORT_PLATFORM_PART("d", "usage_platform_daily", \
	    "day") "  UNION ALL" REPORT_PLATFORM_PART("h", "usage_platform_hourly", \
	    "hour") "  UNION ALL SELECT seg.sgn, x.* FROM seg, LATERAL (SELECT 1, (x.status >= 400)::integer," \
	            "  CASE WHEN x.endpoint LIKE 'translate%' THEN x.segments ELSE 0 END, x.cached_segments," \
	            "  x.characters, x.billed_characters, x.cost_micros, x.duration_ms," \
	            "  usage_hist_unit(x.duration_ms) FROM usage_events x" \
	            "  WHERE x.created_at >= seg.lo AND x.created_at < seg.hi" REPORT_RAW_RANGE \
	            "  AND x.endpoint NOT LIKE 'billing.%' OFFSET 0) x WHERE seg.kind = 'r')"

/* spent: what each workspace spent (workspace_id, requests, cost), from
 * the per-workspace rollups' time indexes alone */
#define REPORT_SPENT_PART(KIND, TABLE, TS) \
	" SELECT x.workspace_id, seg.sgn * x.requests AS requests, seg.sgn * x.cost_micros AS cost" \
	"  FROM seg, LATERAL (SELECT x.workspace_id, x.requests, x.cost_micros FROM " TABLE " x" \
	"  WHERE x." TS " >= seg.lo AND x." TS " < seg.hi OFFSET 0) x WHERE seg.kind = '" KIND "'"
#define REPORT_SPENT \
	" spent AS (" REPORT_SPENT_PART("m", "usage_workspaces_monthly", \
	    "month") "  UNION ALL" REPORT_SPENT_PART("d", "usage_workspaces_daily", \
	    "day") "  UNION ALL" REPORT_SPENT_PART("h", "usage_workspaces_hourly", \
	    "hour") "  UNION ALL SELECT x.workspace_id, seg.sgn, seg.sgn * x.cost_micros FROM seg," \
	            "  LATERAL (SELECT x.workspace_id, x.cost_micros FROM usage_events x" \
	            "  WHERE x.created_at >= seg.lo AND x.created_at < seg.hi" REPORT_RAW_RANGE \
	            "  AND x.endpoint NOT LIKE 'billing.%' OFFSET 0) x WHERE seg.kind = 'r')"

/* actors: the same per user (or API key) */
#define REPORT_ACTORS_PART(KIND, TABLE, TS, WS) \
	" SELECT seg.sgn, x.* FROM seg, LATERAL (SELECT x.actor, x.actor_kind, x.requests," \
	"  x.errors, x.characters, x.billed_characters, x.cost_micros FROM " TABLE " x" \
	"  WHERE x." TS " >= seg.lo AND x." TS " < seg.hi" WS \
	" OFFSET 0) x WHERE seg.kind = '" KIND "'"
#define REPORT_ACTORS(WS) \
	" actors AS (" REPORT_ACTORS_PART("m", "usage_actors_monthly", "month", \
	    WS) "  UNION ALL" REPORT_ACTORS_PART("d", "usage_actors_daily", "day", \
	    WS) "  UNION ALL" REPORT_ACTORS_PART("h", "usage_actors_hourly", "hour", \
	    WS) "  UNION ALL SELECT seg.sgn, x.* FROM seg, LATERAL (SELECT" \
	        "  usage_actor(x.user_id, x.api_key_id), usage_actor_kind(x.user_id, x.api_key_id), 1," \
	        "  (x.status >= 400)::integer, x.characters, x.billed_characters, x.cost_micros" \
	        "  FROM usage_events x WHERE x.created_at >= seg.lo AND x.created_at < seg.hi" REPORT_RAW_RANGE \
	        "  AND x.endpoint NOT LIKE 'billing.%'" WS " OFFSET 0) x WHERE seg.kind = 'r')"

/* The unique users of the usage report, from useg: counts, the buckets
 * counted by a rollup row (bk, n); pieces, the actors of the other buckets
 * (g 0) and of the range (g 1) (g, bk, actor). */
#define REPORT_UNIQUE(WS) \
	" counts AS (SELECT date_trunc($5, x.hour AT TIME ZONE $4) AS bk, x.actors AS n" \
	"  FROM useg, LATERAL (SELECT x.hour, x.actors FROM usage_workspaces_hourly x" \
	"  WHERE x.hour >= useg.lo AND x.hour < useg.hi" WS " OFFSET 0) x WHERE useg.kind = 'u'" \
	"  UNION ALL SELECT date_trunc($5, (x.day - useg.shift * interval '1 hour') AT TIME ZONE $4)," \
	"  x.actors[useg.shift + 1] FROM useg, LATERAL (SELECT x.day, x.actors" \
	"  FROM usage_unique_daily x WHERE x.day >= useg.lo AND x.day < useg.hi" WS \
	"  OFFSET 0) x WHERE useg.kind = 'w')," \
	" pieces AS (SELECT useg.g, CASE WHEN useg.g = 0 THEN coalesce(useg.b," \
	"  date_trunc($5, x.ts AT TIME ZONE $4)) END AS bk, x.actor FROM useg," \
	"  LATERAL (SELECT x.month AS ts, x.actor FROM usage_actors_monthly x" \
	"  WHERE x.month >= useg.lo AND x.month < useg.hi AND x.days & useg.mask <> 0" WS \
	"  OFFSET 0) x WHERE useg.kind = 'M'" \
	"  UNION ALL SELECT useg.g, CASE WHEN useg.g = 0 THEN coalesce(useg.b," \
	"  date_trunc($5, x.ts AT TIME ZONE $4)) END, x.actor FROM useg," \
	"  LATERAL (SELECT x.day AS ts, x.actor FROM usage_actors_daily x" \
	"  WHERE x.day >= useg.lo AND x.day < useg.hi AND x.hours & useg.mask <> 0" WS \
	"  OFFSET 0) x WHERE useg.kind = 'D'" \
	"  UNION ALL SELECT useg.g, CASE WHEN useg.g = 0 THEN coalesce(useg.b," \
	"  date_trunc($5, x.ts AT TIME ZONE $4)) END, x.actor FROM useg," \
	"  LATERAL (SELECT x.hour AS ts, x.actor FROM usage_actors_hourly x" \
	"  WHERE x.hour >= useg.lo AND x.hour < useg.hi" WS " OFFSET 0) x WHERE useg.kind = 'h'" \
	"  UNION ALL SELECT useg.g, CASE WHEN useg.g = 0 THEN coalesce(useg.b," \
	"  date_trunc($5, x.ts AT TIME ZONE $4)) END, x.actor FROM useg," \
	"  LATERAL (SELECT x.created_at AS ts, usage_actor(x.user_id, x.api_key_id) AS actor" \
	"  FROM usage_events x WHERE x.created_at >= useg.lo AND x.created_at < useg.hi" REPORT_RAW_RANGE \
	"  AND x.endpoint NOT LIKE 'billing.%'" WS " OFFSET 0) x WHERE useg.kind = 'r')"

#define REPORT_OF_WORKSPACE " AND x.workspace_id = $1::uuid"

/* the measures of a group of dims rows, in the order of enum
 * report_measure (src/reports/report.h) */
#define REPORT_MEASURES \
	" sum(sgn * requests) AS m_requests," \
	" sum(sgn * translations) AS m_translations," \
	" sum(sgn * characters) AS m_characters, sum(sgn * billed_characters) AS m_billed," \
	" sum(sgn * cost_micros) AS m_cost, sum(sgn * cached_segments) AS m_cached," \
	" sum(sgn * errors) AS m_errors, sum(sgn * dur) AS m_dur," \
	" ARRAY[sum(sgn * hist[1]), sum(sgn * hist[2]), sum(sgn * hist[3]), sum(sgn * hist[4])," \
	"  sum(sgn * hist[5]), sum(sgn * hist[6]), sum(sgn * hist[7]), sum(sgn * hist[8])," \
	"  sum(sgn * hist[9]), sum(sgn * hist[10]), sum(sgn * hist[11]), sum(sgn * hist[12])," \
	"  sum(sgn * hist[13]), sum(sgn * hist[14])]::text AS m_hist"

/* the same, read back from a CTE aliased a */
#define REPORT_MEASURES_OF_A \
	" a.m_requests, a.m_translations, a.m_characters, a.m_billed, a.m_cost, a.m_cached," \
	" a.m_errors, a.m_dur, a.m_hist"

/* a group that only the hours taken back from a day row made (zero
 * requests in all) is no group */
#define REPORT_ANY " HAVING sum(sgn * requests) <> 0"

#endif
