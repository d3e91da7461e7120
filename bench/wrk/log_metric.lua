-- POST runs/log-metric with a distinct step per request (per wrk thread offset).
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
  local step = thread_id * 1000000000 + counter
  local body = string.format(
    '{"run_id":"%s","key":"loss","value":%f,"timestamp":%d,"step":%d}',
    run_id, counter * 0.001, 1700000000000 + counter, step)
  return wrk.format(nil, "/api/2.0/mlflow/runs/log-metric", nil, body)
end
