-- POST runs/search, max_results 100, with an optional filter (env FILTER).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local exp_id = os.getenv("EXPERIMENT_ID")
local filter = os.getenv("FILTER") or ""
filter = filter:gsub('"', '\\"')
wrk.body = string.format('{"experiment_ids":["%s"],"filter":"%s","max_results":100}', exp_id, filter)
wrk.path = "/api/2.0/mlflow/runs/search"
