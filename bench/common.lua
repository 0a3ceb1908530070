-- Shared by the wrk scripts: the Authorization header and one parsable
-- result line. errors counts every failure; status counts the responses
-- that were not 2xx or 3xx (wrk's errors.status), which the runners
-- refuse to report as a measurement.
local key = os.getenv("DRAGOMAN_BENCH_KEY") or ""
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer " .. key

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT rps=%.1f p50_ms=%.3f p99_ms=%.3f requests=%d errors=%d status=%d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests, e.connect + e.read + e.write + e.status + e.timeout, e.status))
end
