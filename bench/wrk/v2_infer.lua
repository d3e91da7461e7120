-- POST a one-row Open Inference Protocol V2 JSON body (read from $BODY_FILE) to $INFER_PATH.
-- Optional $DELAY_MS: each connection waits that long between requests, which caps the rate
-- at about connections x 1000 / DELAY_MS (wrk2 is not available here; this is the rate limit).
local body_file = os.getenv("BODY_FILE")
local path = os.getenv("INFER_PATH")
local delay_ms = tonumber(os.getenv("DELAY_MS") or "0")
local f = assert(io.open(body_file, "rb"))
local body = f:read("*a")
f:close()
local req = wrk.format("POST", path, {["Content-Type"] = "application/json"}, body)

function request()
  return req
end

if delay_ms > 0 then
  function delay()
    return delay_ms
  end
end
