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

# The feature store on the example repository (examples/feature_repo): apply the definitions,
# build a point-in-time-correct training set, materialize the last 30 days into the embedded
# LMDB online store and read a customer's features back over HTTP (Feast's JSON shape).
frepo="$demo/feature_repo"
rm -rf "$frepo" && cp -r "$root/examples/feature_repo" "$frepo" && mkdir -p "$frepo/data"
/usr/bin/python3 "$root/scripts/demo_features_data.py" "$demo/feature-data"
"$bin" data convert "$demo/feature-data/customer_activity.csv" "$frepo/data/customer_activity.parquet" >/dev/null
echo; echo "== strata features apply (examples/feature_repo: entity customer, view customer_activity, service churn_v1)"
"$bin" features apply --repo "$frepo" --home "$home"
echo; echo "== strata features historical (point-in-time join of $demo/feature-data/entities.csv, saved as dataset churn-training)"
"$bin" features historical --repo "$frepo" --home "$home" --entities "$demo/feature-data/entities.csv" \
  --service churn_v1 --out "$demo/churn_training.parquet" --save-dataset churn-training
"$bin" data show "$demo/churn_training.parquet" --rows 3
echo; echo "== strata features materialize-incremental (latest row per customer of the last 30 days -> LMDB)"
"$bin" features materialize-incremental "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --repo "$frepo" --home "$home"
features_body='{"feature_service": "churn_v1", "entities": {"customer_id": [1, 2, 99999]}}'
echo; echo "== POST $url/get-online-features  $features_body"
for _ in $(seq 50); do  # the server polls the registry for the newly applied project
  curl -fsS "$url/get-online-features" -d "$features_body" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "$url/get-online-features" -d "$features_body" | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)
for name, col in zip(r["metadata"]["feature_names"], r["results"]):
    print(f"  {name:18} " + "  ".join(f"{v!s:>8} {s:<15}" for v, s in zip(col["values"], col["statuses"])))'

# The model layer: train a tracked model on the cleaned table, register it, serve it.
echo; echo "== strata train (gradient-boosted trees, transforms from examples/transforms.json)"
"$bin" data sql "SELECT age, income, city, plan, monthly_spend, support_calls, churned FROM c" \
  --table c="$demo/customers.clean.csv" --out "$demo/train.csv"
rm -rf "$demo/churn-model"
train_json=$("$bin" train --home "$home" --data "$demo/train.csv" --target churned --model gbdt \
  --transforms "$root/examples/transforms.json" --experiment strata-demo-train \
  --params num_rounds=50 --package-out "$demo/churn-model" --json)
run_id=$(echo "$train_json" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["run_id"])')
echo "$train_json" | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print("run", d["run_id"], "metrics", {k: round(v, 4) for k, v in d["metrics"].items()})'
echo; echo "== strata models register (model version pointing at the run's package), alias champion"
register_out=$("$bin" models register "$run_id" churn --home "$home")
echo "$register_out"
model_version=$(echo "$register_out" | sed -n 's/^registered churn version \([0-9]*\).*/\1/p')
"$bin" models alias churn champion "$model_version" --home "$home"

# Inference by entity key: a model trained on the point-in-time training set and packaged with
# the feature service it was trained on; strata serve --feature-repo then reads its features
# from the online store, so a request carries only customer_id.
echo; echo "== strata train --feature-service churn_v1 (on the point-in-time training set), register as churn_by_key"
"$bin" data sql "SELECT sessions_7d, spend_7d, support_calls_30d, days_since_login, churned FROM t" \
  --table t="$demo/churn_training.parquet" --out "$demo/churn_training_features.csv" >/dev/null
rm -rf "$demo/churn-by-key-model"
by_key_json=$("$bin" train --home "$home" --data "$demo/churn_training_features.csv" --target churned \
  --model gbdt --params num_rounds=40 --experiment strata-demo-features --feature-service churn_v1 \
  --package-out "$demo/churn-by-key-model" --json)
by_key_run=$(echo "$by_key_json" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["run_id"])')
echo "$by_key_json" | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print("run", d["run_id"], "metrics", {k: round(v, 4) for k, v in d["metrics"].items() if k in ("roc_auc", "log_loss")})'
by_key_version=$("$bin" models register "$by_key_run" churn_by_key --home "$home" | sed -n 's/^registered churn_by_key version \([0-9]*\).*/\1/p')
"$bin" models alias churn_by_key champion "$by_key_version" --home "$home"

serve_port=${STRATA_SERVE_PORT:-8000}
serve_url="http://127.0.0.1:$serve_port"
if [ -f "$home/serve.pid" ] && kill -0 "$(cat "$home/serve.pid")" 2>/dev/null; then
  kill "$(cat "$home/serve.pid")"; sleep 0.5
fi
# Served from the registry: moving the alias (strata models alias churn champion N) hot-swaps it.
nohup "$bin" serve --model models:/churn@champion --model models:/churn_by_key@champion \
  --feature-repo "$frepo" --home "$home" --port "$serve_port" >"$home/logs/serve.log" 2>&1 &
echo $! >"$home/serve.pid"
for _ in $(seq 100); do
  curl -fsS "$serve_url/v2/health/ready" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "$serve_url/v2/health/ready" >/dev/null || { echo "strata serve did not start; see $home/logs/serve.log"; exit 1; }
infer_body='{"inputs": [
  {"name": "age", "datatype": "INT64", "shape": [2], "data": [34, 61]},
  {"name": "income", "datatype": "FP64", "shape": [2], "data": [42000.0, null]},
  {"name": "city", "datatype": "BYTES", "shape": [2], "data": ["lisbon", "paris"]},
  {"name": "plan", "datatype": "BYTES", "shape": [2], "data": ["free", "pro"]},
  {"name": "monthly_spend", "datatype": "FP64", "shape": [2], "data": [1.5, 31.2]},
  {"name": "support_calls", "datatype": "INT64", "shape": [2], "data": [4, 0]}]}'
echo; echo "== strata serve: Open Inference Protocol V2 request"
echo "curl -s $serve_url/v2/models/churn/infer -d '<body>'"
curl -fsS "$serve_url/v2/models/churn/infer" -H 'Content-Type: application/json' -d "$infer_body"
echo
echo "== the same model through MLflow's /invocations (?model=churn: two models are served) and TF Serving's :predict"
record='{"age": 34, "income": 42000.0, "city": "lisbon", "plan": "free", "monthly_spend": 1.5, "support_calls": 4}'
curl -fsS "$serve_url/invocations?model=churn" -H 'Content-Type: application/json' -d "{\"dataframe_records\": [$record]}"
echo
curl -fsS "$serve_url/v1/models/churn:predict" -d "{\"instances\": [$record]}"
echo
by_key_body='{"inputs": [{"name": "customer_id", "datatype": "INT64", "shape": [3], "data": [1, 2, 99999]}]}'
echo "== inference by entity key: churn_by_key reads customer_activity's features from the online store"
echo "curl -s $serve_url/v2/models/churn_by_key/infer -d '$by_key_body'"
curl -fsS "$serve_url/v2/models/churn_by_key/infer" -H 'Content-Type: application/json' -d "$by_key_body"
echo

cat <<TXT

Strata server is running (pid $(cat "$home/strata.pid")) with its data under $home
  tracking API:   $url/api/2.0/mlflow/experiments/search?max_results=10
  runs:           $bin runs list --experiment-id \$($bin experiments get --name strata-demo --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["experiment"]["experiment_id"])')
  models:         $bin models get strata-demo-model
  registry audit: $url/api/v1/registry/audit
  datasets:       $url/api/v1/datasets      ($bin data versions customers --home $home)
  lineage:        $url/api/v1/lineage/artifacts   (datasets, the training, the model)
  trained model:  run $run_id, registered as churn ($bin models get churn); package $demo/churn-model
  model server:   $serve_url/v2/models/churn (strata serve --model models:/churn@champion, pid $(cat "$home/serve.pid")); metrics $serve_url/metrics
                  hot swap: $bin models alias churn champion <version> --home $home
                  curl $serve_url/v2/models/churn/infer -d @- <<< '{"inputs": [...]}' (example above)
  feature store:  $bin features list --repo $frepo --home $home;  $url/api/v1/features/projects/churn_demo
                  online: curl $url/get-online-features -d '$features_body'
                  training set: $demo/churn_training.parquet (dataset churn-training, lineage to the view)
                  by entity key: curl $serve_url/v2/models/churn_by_key/infer -d '$by_key_body'
                    (model churn_by_key, trained with --feature-service churn_v1; 99999 has no features)
  data profile:   $demo/profile.html (open in any browser; no network needed)
  cleaned data:   $demo/customers.clean.csv, quarantine $demo/quarantine.csv, report $demo/clean-report.json
  features:       $demo/features.csv from the fitted pipeline $demo/pipeline.json
  metrics:        $url/metrics
  MLflow clients: export MLFLOW_TRACKING_URI=$url
  server log:     $home/logs/server.log    access log: $home/logs/access.log
Stop them with:   kill \$(cat $home/strata.pid) \$(cat $home/serve.pid)
TXT
