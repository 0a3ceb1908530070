-- POST /v1/billing/usage as usage_charge.lua, spread over several
-- workspaces: the keys in $DRAGOMAN_BENCH_KEYS (space-separated, one per
-- workspace) are taken in turn, one per request, so that no one balance
-- row carries every charge.
dofile(os.getenv("DRAGOMAN_BENCH_DIR") .. "/common.lua")
local run = os.getenv("DRAGOMAN_BENCH_RUN") or "0"
local keys = {}
for k in string.gmatch(os.getenv("DRAGOMAN_BENCH_KEYS") or "", "%S+") do
  keys[#keys + 1] = k
end
local n = 0
wrk.method = "POST"
wrk.path = "/v1/billing/usage"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"quantity":1,"unit":"requests","model":"dragoman/call"}'

function request()
  n = n + 1
  wrk.headers["Authorization"] = "Bearer " .. keys[n % #keys + 1]
  wrk.headers["Idempotency-Key"] = "bench-" .. run .. "-" .. n
  return wrk.format()
end
