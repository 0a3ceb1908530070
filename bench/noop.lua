-- Baseline: the no-op FastCGI app behind the same lighttpd, same headers.
dofile(os.getenv("DRAGOMAN_BENCH_DIR") .. "/common.lua")
wrk.path = "/noop"
