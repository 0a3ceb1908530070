-- POST /v1/translate of a text already cached (the hottest path): key
-- check, one memcached round trip for the translation, no provider call.
dofile(os.getenv("DRAGOMAN_BENCH_DIR") .. "/common.lua")
wrk.method = "POST"
wrk.path = "/v1/translate"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"text":"The house is red and the garden is green.","source":"en","target":"es"}'
