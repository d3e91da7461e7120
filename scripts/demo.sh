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

# The data layer on an example customer table: convert, query, profile, clean, transform and
# version it. Everything lands under $home/demo.
demo="$home/demo"
mkdir -p "$demo"
/usr/bin/python3 "$root/scripts/demo_data.py" "$demo/customers.csv"
echo; echo "== strata data show (first rows, inferred types)"
"$bin" data show "$demo/customers.csv" --rows 5
echo; echo "== strata data convert -> Parquet (zstd)"
"$bin" data convert "$demo/customers.csv" "$demo/customers.parquet" --compression zstd
echo; echo "== strata data sql over the Parquet file"
"$bin" data sql "SELECT plan, COUNT(*) AS customers, ROUND(AVG(monthly_spend), 2) AS avg_spend,
                 ROUND(AVG(churned), 3) AS churn_rate FROM c GROUP BY plan ORDER BY customers DESC" \
  --table c="$demo/customers.parquet"
echo; echo "== strata data profile (summary; JSON and a self-contained HTML report)"
"$bin" data profile "$demo/customers.parquet" --json "$demo/profile.json" --html "$demo/profile.html"
echo; echo "== strata data clean (spec: examples/clean.yaml)"
"$bin" data clean --spec "$root/examples/clean.yaml" "$demo/customers.csv" "$demo/customers.clean.csv" \
  --quarantine "$demo/quarantine.csv" --report "$demo/clean-report.json"
echo; echo "== strata data fit-transform (spec: examples/transforms.json)"
"$bin" data fit-transform --spec "$root/examples/transforms.json" "$demo/customers.clean.csv" \
  --pipeline "$demo/pipeline.json"
"$bin" data transform --pipeline "$demo/pipeline.json" "$demo/customers.clean.csv" "$demo/features.csv"
echo; echo "== strata data add (versioned dataset) and versions"
"$bin" data add customers "$demo/customers.parquet" --home "$home" --description "demo export"
"$bin" data add customers-clean "$demo/customers.clean.csv" --home "$home"
"$bin" data versions customers --home "$home"

cat <<TXT

Strata server is running (pid $(cat "$home/strata.pid")) with its data under $home
  tracking API:   $url/api/2.0/mlflow/experiments/search?max_results=10
  runs:           $bin runs list --experiment-id \$($bin experiments get --name strata-demo --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["experiment"]["experiment_id"])')
  models:         $bin models get strata-demo-model
  registry audit: $url/api/v1/registry/audit
  datasets:       $url/api/v1/datasets      ($bin data versions customers --home $home)
  data profile:   $demo/profile.html (open in any browser; no network needed)
  cleaned data:   $demo/customers.clean.csv, quarantine $demo/quarantine.csv, report $demo/clean-report.json
  features:       $demo/features.csv from the fitted pipeline $demo/pipeline.json
  metrics:        $url/metrics
  MLflow clients: export MLFLOW_TRACKING_URI=$url
  server log:     $home/logs/server.log    access log: $home/logs/access.log
Stop it with:     kill \$(cat $home/strata.pid)
TXT
