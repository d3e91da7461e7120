-- POST runs/search, max_results 100, with an optional filter (env FILTER) and order_by
-- (env ORDER_BY, one term).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local exp_id = os.getenv("EXPERIMENT_ID")
local filter = (os.getenv("FILTER") or ""):gsub('"', '\\"')
local order_by = os.getenv("ORDER_BY") or ""
local order = ""
if order_by ~= "" then order = string.format(',"order_by":["%s"]', order_by:gsub('"', '\\"')) end
wrk.body = string.format('{"experiment_ids":["%s"],"filter":"%s","max_results":100%s}',
                         exp_id, filter, order)
wrk.path = "/api/2.0/mlflow/runs/search"
