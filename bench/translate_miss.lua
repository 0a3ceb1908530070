-- POST /v1/translate of a text never seen before (a cache miss): key
-- check, cache lookups in memcached and PostgreSQL, the Apertium call, the
-- cache store and the usage event. The texts are those of apy_direct.lua
-- (same words, same counter), so the two measure the same upstream work.
dofile(os.getenv("DRAGOMAN_BENCH_DIR") .. "/common.lua")
local run = os.getenv("DRAGOMAN_BENCH_RUN") or "0"
local n = 0
wrk.method = "POST"
wrk.path = "/v1/translate"
wrk.headers["Content-Type"] = "application/json"

function request()
  n = n + 1
  local body = string.format('{"text":"The house %s-%d is red and the garden is green.",' ..
    '"source":"en","target":"es"}', run, n)
  return wrk.format(nil, nil, nil, body)
end
