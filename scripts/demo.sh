#!/usr/bin/env bash
# `make demo`: starts strata server on the embedded defaults and logs an example experiment
# with a few runs and a registered model through the HTTP API.
set -euo pipefail
bin=${1:?usage: demo.sh PATH_TO_STRATA}
home=${STRATA_HOME:-$HOME/.strata}
port=${STRATA_PORT:-5000}
url="http://127.0.0.1:$port"
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$home/logs"

# Replace a server left running by an earlier demo.
if [ -f "$home/strata.pid" ] && kill -0 "$(cat "$home/strata.pid")" 2>/dev/null; then
  kill "$(cat "$home/strata.pid")"; sleep 0.5
fi

nohup "$bin" server --home "$home" --port "$port" >"$home/logs/server.log" 2>&1 &
echo $! >"$home/strata.pid"
for _ in $(seq 100); do
  curl -fsS "$url/health" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "$url/health" >/dev/null || { echo "server did not start; see $home/logs/server.log"; exit 1; }

/usr/bin/python3 "$root/scripts/demo_client.py" "$url"

cat <<TXT

Strata server is running (pid $(cat "$home/strata.pid")) with its data under $home
  tracking API:   $url/api/2.0/mlflow/experiments/search?max_results=10
  runs:           $bin runs list --experiment-id \$($bin experiments get --name strata-demo --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["experiment"]["experiment_id"])')
  models:         $bin models get strata-demo-model
  registry audit: $url/api/v1/registry/audit
  metrics:        $url/metrics
  MLflow clients: export MLFLOW_TRACKING_URI=$url
  server log:     $home/logs/server.log    access log: $home/logs/access.log
Stop it with:     kill \$(cat $home/strata.pid)
TXT
