-- Authenticated GET /v1/workspace: the key check (memo or memcached), the
-- rate limiter's memcached increment, and the workspace record (memo).
dofile(os.getenv("DRAGOMAN_BENCH_DIR") .. "/common.lua")
wrk.path = "/v1/workspace"
