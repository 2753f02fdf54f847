-- wrk's request generator for distinct estimates: the benchmark's three lines, the first line's
-- input tokens different in every request (a cache miss each time). With gunicorn running as in
-- production (see the README's benchmark section):
--   wrk -t2 -c8 -d10s http://127.0.0.1:8000/bench/bare
--   wrk -t2 -c8 -d10s -s scripts/wrk-estimate.lua http://127.0.0.1:8000
local counter = 0
request = function()
  counter = counter + 1
  local n = counter * 1000 + math.random(0, 999)
  local body = string.format('{"usage": [{"model": "gpt-4o", "input_tokens": %d, "output_tokens": 10000000}, {"model": "gpt-4o-mini", "input_tokens": 100000000, "output_tokens": 20000000}, {"model": "o3", "input_tokens": 5000000, "output_tokens": 2000000}], "months": 12}', 30000000 + n)
  return wrk.format("POST", "/api/v1/estimate", {["Content-Type"] = "application/json"}, body)
end
