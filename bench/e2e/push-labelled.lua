-- wrk script for bench/cpu-per-push.sh (SERIES_ONLY=1): the series of push.lua over <groups> groups, but pushed into
-- ONE group: each push is push-body.txt with instance="i<n>" added to every sample's labels, POSTed to
-- /metrics/job/<job>. The engine aggregates the same 12 x <groups> series as with push.lua, while the gateway writes
-- concurrent pushes as one record (one group): set beside push.lua, it shows what a record per group costs.
-- Arguments (after --): groups job. Counted like push.lua (1341 added to bench_requests_total per push).
dofile(os.getenv("E2E_LUA_DIR") .. "/push.lua") -- body, headers, init (groups, job, offset), status counting

local groupsInit = init
init = function(args)
  groupsInit(args)
  bodies = {}
  for g = 0, groups - 1 do
    local label = 'instance="i' .. g .. '"'
    local labelled = body:gsub("\n(bench_[%w_]+){", "\n%1{" .. label .. ",") -- samples with labels
    bodies[g] = labelled:gsub("\n(bench_[%w_]+) ", "\n%1{" .. label .. "} ")  -- samples without
  end
end

request = function()
  n = n + 1
  return wrk.format("POST", "/metrics/job/" .. job, headers, bodies[(n + offset) % groups])
end
