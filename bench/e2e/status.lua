-- Shared by the wrk scripts of bench/e2e.sh: counts responses by status class per thread and prints
-- "acknowledged <2xx count>" and "refused <other statuses>" at the end. wrk's own "Requests/sec" counts every
-- response; the 2xx count is what the benchmark checks against /metrics.
local threads = {}

setup = function(thread)
  table.insert(threads, thread)
end

s2xx, s4xx, s5xx, sother = 0, 0, 0, 0

response = function(status, headers, body)
  if status >= 200 and status < 300 then s2xx = s2xx + 1
  elseif status >= 400 and status < 500 then s4xx = s4xx + 1
  elseif status >= 500 then s5xx = s5xx + 1
  else sother = sother + 1 end
end

done = function(summary, latency, requests)
  local ok, c4, c5, co = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    ok = ok + t:get("s2xx"); c4 = c4 + t:get("s4xx"); c5 = c5 + t:get("s5xx"); co = co + t:get("sother")
  end
  io.write(string.format("acknowledged %d\n", ok))
  io.write(string.format("refused 4xx %d 5xx %d other %d\n", c4, c5, co))
  io.write(string.format("socket errors connect %d read %d write %d timeout %d\n", summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.timeout))
end
