-- Loads :n usage events spread over the last 12 months into the 1000
-- workspaces named gen-0000 .. gen-0999 (made when missing), skewed as
-- real tenants are: workspace k gets a share falling with k, gen-0000
-- about a tenth of all. Each workspace has 20 API keys, a few language
-- pairs, three providers; 1 in 12 requests fails, 1 in 3 is a cache hit.
-- Run with psql -v n=1000000 -f bench/gen-usage.sql.
\set ON_ERROR_STOP on
SELECT usage_events_ensure_partitions(now() - interval '12 months', 14);
INSERT INTO workspaces (name)
SELECT 'gen-' || lpad(i::text, 4, '0') FROM generate_series(0, 999) i
WHERE NOT EXISTS (SELECT 1 FROM workspaces WHERE name LIKE 'gen-%');
WITH ws AS (SELECT array_agg(id ORDER BY name) AS ids FROM workspaces WHERE name LIKE 'gen-%'),
ev AS (
    SELECT now() - interval '1 hour' - random() * interval '365 days' AS t,
           ws.ids[1 + floor(1000 * random() ^ 3)::integer] AS w,
           floor(random() * 20)::integer AS k, floor(random() * 100)::integer AS r,
           (10 + random() * 400)::integer AS chars, (random() * 900)::integer AS ms
    FROM ws, generate_series(1, :n)
)
INSERT INTO usage_events (created_at, workspace_id, api_key_id, request_id, endpoint, source,
    target, provider, characters, billed_characters, segments, cached_segments, status,
    duration_ms, cost_micros)
SELECT t, w, md5(w::text || k)::uuid, 'gen', CASE WHEN r < 90 THEN 'translate' ELSE 'detect' END,
       (ARRAY['en', 'de', 'fr'])[1 + r % 3], CASE WHEN r < 90 THEN (ARRAY['es', 'lt', 'en'])[1 + r % 7 % 3] END,
       (ARRAY['apertium', 'deepl', 'google'])[1 + r % 5 % 3], chars,
       CASE WHEN r % 3 = 0 OR r % 12 = 5 THEN 0 ELSE chars END, 1, (r % 3 = 0)::integer,
       CASE WHEN r % 12 = 5 THEN 503 ELSE 200 END, ms,
       CASE WHEN r % 3 = 0 OR r % 12 = 5 THEN 0 ELSE chars * 20 END
FROM ev ORDER BY t;
