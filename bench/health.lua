-- Unauthenticated GET /v1/health: a PostgreSQL and a memcached round trip.
dofile(os.getenv("DRAGOMAN_BENCH_DIR") .. "/common.lua")
wrk.path = "/v1/health"
