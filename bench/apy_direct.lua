-- The same translations as translate_miss.lua, asked of Apertium APy
-- directly (POST /translate, form): the baseline of the cache-miss path.
dofile(os.getenv("DRAGOMAN_BENCH_DIR") .. "/common.lua")
local run = os.getenv("DRAGOMAN_BENCH_RUN") or "0"
local n = 0
wrk.method = "POST"
wrk.path = "/translate"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = nil

function request()
  n = n + 1
  local body = string.format("langpair=eng%%7Cspa&markUnknown=no&format=txt&" ..
    "q=The+house+%s-%d+is+red+and+the+garden+is+green.", run, n)
  return wrk.format(nil, nil, nil, body)
end
