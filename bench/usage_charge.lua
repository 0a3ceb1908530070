-- POST /v1/billing/usage, one metered charge per request, each with its
-- own Idempotency-Key: key check, the key's claim, the credit reservation,
-- and one transaction with the debit, the ledger row, the usage event and
-- the stored response.
dofile(os.getenv("DRAGOMAN_BENCH_DIR") .. "/common.lua")
local run = os.getenv("DRAGOMAN_BENCH_RUN") or "0"
local n = 0
wrk.method = "POST"
wrk.path = "/v1/billing/usage"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"quantity":1,"unit":"requests","model":"dragoman/call"}'

function request()
  n = n + 1
  wrk.headers["Idempotency-Key"] = "bench-" .. run .. "-" .. n
  return wrk.format()
end
