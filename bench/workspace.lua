-- Authenticated GET /v1/workspace: key check (memcached) and one
-- PostgreSQL query per request.
dofile(os.getenv("DRAGOMAN_BENCH_DIR") .. "/common.lua")
wrk.path = "/v1/workspace"
