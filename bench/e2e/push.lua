-- wrk script for bench/e2e.sh: the 12-sample text push of gateway/bench/push.lua (push-body.txt, the same body), POSTed to
-- /metrics/job/<job>/instance/i<n> over <groups> groups in turn. Arguments (after --): groups job.
-- status.lua counts the responses by status class and prints "acknowledged <2xx count>" at the end: the
-- number of acknowledged pushes (each adds 1027+311+3 = 1341 to the bench_requests_total series of its job).
-- body, headers and init are global: push-labelled.lua builds on them.
body = io.open(os.getenv("E2E_LUA_DIR") .. "/push-body.txt"):read("*a")
headers = { ["Content-Type"] = "text/plain; version=0.0.4; charset=utf-8" }

init = function(args)
  groups = tonumber(args[1] or "1000")
  job = args[2] or "bench"
  n = 0
  offset = math.random(0, groups - 1)
end

request = function()
  n = n + 1
  local group = (n + offset) % groups
  return wrk.format("POST", "/metrics/job/" .. job .. "/instance/i" .. group, headers, body)
end

dofile(os.getenv("E2E_LUA_DIR") .. "/status.lua")
