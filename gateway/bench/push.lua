-- wrk script: the same 12-sample text push (0.0.4) to 1,000 groups in turn, as POST (Pushgateway "pushadd").
-- Samples: 3 counter series, 2 gauges, a 4-bucket histogram (4 buckets + _sum + _count), 1 untyped.
local body = [[
# HELP bench_requests_total Requests handled.
# TYPE bench_requests_total counter
bench_requests_total{code="200",method="get"} 1027
bench_requests_total{code="200",method="post"} 311
bench_requests_total{code="500",method="get"} 3
# HELP bench_memory_bytes Memory in use.
# TYPE bench_memory_bytes gauge
bench_memory_bytes{area="heap"} 1.2345e+07
bench_memory_bytes{area="nonheap"} 4.567e+06
# HELP bench_duration_seconds Handling time.
# TYPE bench_duration_seconds histogram
bench_duration_seconds_bucket{le="0.01"} 120
bench_duration_seconds_bucket{le="0.1"} 980
bench_duration_seconds_bucket{le="1"} 1330
bench_duration_seconds_bucket{le="+Inf"} 1341
bench_duration_seconds_sum 61.25
bench_duration_seconds_count 1341
bench_cold_start 0
]]
local groups = 1000
local n = 0
local headers = { ["Content-Type"] = "text/plain; version=0.0.4; charset=utf-8" }

setup = function(thread)
  thread:set("offset", math.random(0, groups - 1))
end

request = function()
  n = n + 1
  local group = (n + offset) % groups
  return wrk.format("POST", "/metrics/job/bench/instance/i" .. group, headers, body)
end
