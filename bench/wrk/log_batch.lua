-- POST runs/log-batch with 1,000 metrics (distinct steps) per request.
local counter = 0
local thread_id = 0
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end
function init(args)
  thread_id = tonumber(tid) or 0
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local run_id = os.getenv("RUN_ID")
request = function()
  counter = counter + 1
  local base = (thread_id * 1000000 + counter) * 1000
  local parts = {}
  for i = 0, 999 do
    parts[#parts + 1] = string.format(
      '{"key":"m%d","value":%d.5,"timestamp":%d,"step":%d}', i % 10, i, 1700000000000 + i, base + i)
  end
  local body = '{"run_id":"' .. run_id .. '","metrics":[' .. table.concat(parts, ",") .. ']}'
  return wrk.format(nil, "/api/2.0/mlflow/runs/log-batch", nil, body)
end
