-- Mixed requests, in turn: a cached translation, a translation of a new
-- text now and then (cached after its first), a detection, the
-- workspace, a metered charge (its own Idempotency-Key), the balance, the
-- transactions and a usage report; for the worker memory measurement
-- (bench/memory).
dofile(os.getenv("DRAGOMAN_BENCH_DIR") .. "/common.lua")
local run = os.getenv("DRAGOMAN_BENCH_RUN") or "0"
local n = 0

function request()
  n = n + 1
  local k = n % 8
  local h = { ["Authorization"] = wrk.headers["Authorization"], ["Content-Type"] = "application/json" }
  if k == 0 then
    return wrk.format("POST", "/v1/translate", h,
      '{"text":"The house is red and the garden is green.","source":"en","target":"es"}')
  elseif k == 1 then
    return wrk.format("POST", "/v1/translate", h,
      '{"texts":["The cat sleeps.","Text ' .. (n % 50) .. ' of the bench."],"source":"en","target":"es"}')
  elseif k == 2 then
    return wrk.format("POST", "/v1/detect", h, '{"text":"La casa es roja y el jardin es verde."}')
  elseif k == 3 then
    return wrk.format("GET", "/v1/workspace", h)
  elseif k == 4 then
    h["Idempotency-Key"] = "mem-" .. run .. "-" .. n
    return wrk.format("POST", "/v1/billing/usage", h,
      '{"quantity":1,"unit":"requests","model":"dragoman/call"}')
  elseif k == 5 then
    return wrk.format("GET", "/v1/billing/balance", h)
  elseif k == 6 then
    return wrk.format("GET", "/v1/billing/transactions?limit=20", h)
  end
  return wrk.format("GET", "/v1/reports/usage?period=day", h)
end
