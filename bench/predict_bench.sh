#!/usr/bin/env bash
# Tree-ensemble prediction: Strata's compiled TreePredictor beside XGBoost 1.7's C API on the
# issue's model (100 trees of depth 6 on 200,000 x 30 numeric features), in one process.
# Usage: bash bench/predict_bench.sh [WORKDIR]   (prints agreement, latency and throughput ratios)
# Builds bench/predict_bench.cc with -O2 against the few model sources it needs (its own build
# directory, so it does not wait for the whole strata build).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$root/build/predict_bench}
mkdir -p "$work"
m=$root/src/strata
srcs="$root/bench/predict_bench.cc $m/models/tree_predictor.cc $m/models/tree_predictor_json.cc
  $m/models/xgboost_import.cc $m/models/internal/ubjson.cc $m/models/internal/model_json.cc
  $m/models/predictor.cc $m/base/parallel.cc"
mkdir -p "$work/obj"
objs=""
for src in $srcs; do
  obj="$work/obj/$(basename "$src" .cc).o"
  if [ ! -f "$obj" ] || [ -n "$(find "$src" $m/models/*.h $m/models/internal/*.h -newer "$obj")" ]; then
    g++ -std=c++20 -O2 -DNDEBUG -I"$m/.." -c "$src" -o "$obj" &
  fi
  objs="$objs $obj"
done
wait
g++ $objs -o "$work/predict_bench" -lxgboost \
  $(pkg-config --libs absl_status absl_statusor absl_strings absl_str_format) -lpthread
/usr/bin/python3 - "$work" <<'PY'
import sys, numpy as np, xgboost as xgb
work = sys.argv[1]
rng = np.random.default_rng(42)
n, f = 200_000, 30
X = rng.normal(size=(n, f)).astype(np.float32)
X[rng.random(size=X.shape) < 0.02] = np.nan          # some missing values
logit = X[:, 0] * 1.5 - np.nan_to_num(X[:, 1]) + np.sin(np.nan_to_num(X[:, 2]) * 3)
y = (logit + rng.normal(size=n) > 0).astype(np.float32)
import os
if os.path.exists(f"{work}/model.json") and os.path.exists(f"{work}/rows.f32"):
    sys.exit(0)  # same seed, same model: train once
booster = xgb.train({"objective": "binary:logistic", "max_depth": 6, "eta": 0.1,
                     "tree_method": "hist", "nthread": 2},
                    xgb.DMatrix(X, label=y, missing=np.nan), num_boost_round=100)
booster.save_model(f"{work}/model.json")
booster.save_model(f"{work}/model.ubj")
X.tofile(f"{work}/rows.f32")
PY
for model in model.json model.ubj; do
  "$work/predict_bench" --model "$work/$model" --rows-file "$work/rows.f32" --features 30 \
    --threads 2 --single-rows 20000 --repeat 5
done
