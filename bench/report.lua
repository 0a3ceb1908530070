-- GET one report ($DRAGOMAN_BENCH_PATH) again and again; prints the p95
-- as well, which is what the report benchmark compares, and like
-- common.lua the count of responses that were not 2xx or 3xx.
dofile(os.getenv("DRAGOMAN_BENCH_DIR") .. "/common.lua")
wrk.path = os.getenv("DRAGOMAN_BENCH_PATH")

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT rps=%.1f p50_ms=%.3f p95_ms=%.3f p99_ms=%.3f requests=%d errors=%d status=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests, e.connect + e.read + e.write + e.status + e.timeout, e.status))
end
