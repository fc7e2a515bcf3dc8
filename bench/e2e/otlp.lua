-- wrk script for bench/e2e.sh, workload (d): POSTs one OTLP/HTTP protobuf body (written by
-- dev.mayfly.system.bench.E2eOtlpBody: 12 points, delta temporality) to /v1/metrics again and again.
-- Arguments (after --): the body file. status.lua prints "acknowledged <2xx count>" at the end.
local headers = { ["Content-Type"] = "application/x-protobuf" }

init = function(args)
  local f = assert(io.open(args[1], "rb"))
  body = f:read("*a")
  f:close()
end

request = function()
  return wrk.format("POST", "/v1/metrics", headers, body)
end

dofile(os.getenv("E2E_LUA_DIR") .. "/status.lua")
