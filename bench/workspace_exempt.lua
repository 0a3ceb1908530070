-- GET /v1/workspace with a key exempt from rate limits: the same work as
-- workspace.lua but the limiter's memcached increment.
dofile(os.getenv("DRAGOMAN_BENCH_DIR") .. "/common.lua")
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("DRAGOMAN_BENCH_EXEMPT_KEY") or "")
wrk.path = "/v1/workspace"
