-- POST runs/log-metric, a distinct (step, timestamp) per request. The requests are formatted
-- once in init() (POOL per thread, then reused round-robin) so that the load generator, which
-- shares the machine's cores with the server, spends its time sending rather than formatting.
-- A reused request logs an exact repeat, which Strata stores and get-history collapses, as
-- MLflow does; the write costs the same as a new point.
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

local pool = {}
local next_index = 1
function init(args)
  local thread_id = tonumber(tid) or 0
  local run_id = os.getenv("RUN_ID")
  local size = tonumber(os.getenv("POOL") or "100000")
  for i = 1, size do
    local step = thread_id * 1000000000 + i
    local body = string.format(
      '{"run_id":"%s","key":"loss","value":%f,"timestamp":%d,"step":%d}',
      run_id, i * 0.001, 1700000000000 + i, step)
    pool[i] = wrk.format("POST", "/api/2.0/mlflow/runs/log-metric",
                         {["Content-Type"] = "application/json"}, body)
  end
end

function request()
  local r = pool[next_index]
  next_index = next_index % #pool + 1
  return r
end
