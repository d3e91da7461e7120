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
  $m/models/predictor.cc $m/models/linear_predictor.cc $m/base/parallel.cc"
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

# Agreement on every supported objective (small models; exit status 3 on any |diff| > 1e-6).
/usr/bin/python3 - "$work/agree" <<'PY'
import os, sys, numpy as np, xgboost as xgb
work = sys.argv[1]
os.makedirs(work, exist_ok=True)
rng = np.random.default_rng(1)
x = rng.normal(size=(3000, 6)).astype(np.float32)
x[rng.random(size=x.shape) < 0.05] = np.nan
z = np.nan_to_num(x)
x.tofile(f"{work}/rows.f32")
def train(name, params, y, rounds):
    b = xgb.train({"nthread": 2, "tree_method": "hist", **params},
                  xgb.DMatrix(x, label=y, missing=np.nan), rounds)
    b.save_model(f"{work}/{name}.json")
    b.save_model(f"{work}/{name}.ubj")
train("binary", {"objective": "binary:logistic", "max_depth": 6}, (z[:, 0] + z[:, 1] ** 2 > 0.8).astype(np.float32), 40)
train("softprob", {"objective": "multi:softprob", "num_class": 3, "max_depth": 5}, np.digitize(z[:, 2], [-0.5, 0.5]).astype(np.float32), 25)
train("squarederror", {"objective": "reg:squarederror", "max_depth": 8}, (100 + 20 * z[:, 3] - 7 * z[:, 4]).astype(np.float32), 60)
train("forest", {"objective": "binary:logistic", "num_parallel_tree": 8, "subsample": 0.8, "colsample_bynode": 0.7, "eta": 1.0, "max_depth": 7}, (z[:, 0] * z[:, 5] > 0).astype(np.float32), 2)
train("poisson", {"objective": "count:poisson", "max_depth": 4}, rng.poisson(np.exp(0.5 * z[:, 1])).astype(np.float32), 30)
train("gamma", {"objective": "reg:gamma", "max_depth": 4}, (np.exp(0.3 * z[:, 1]) + 0.1).astype(np.float32), 20)
train("logitraw", {"objective": "binary:logitraw", "max_depth": 4}, (z[:, 0] > 0).astype(np.float32), 10)
train("deep", {"objective": "reg:squarederror", "max_depth": 14, "min_child_weight": 0, "eta": 0.5}, (np.sin(3 * z[:, 0]) * z[:, 1]).astype(np.float32), 20)
PY
for name in binary softprob squarederror forest poisson gamma logitraw deep; do
  for ext in json ubj; do
    printf '%s.%s: ' "$name" "$ext"
    "$work/predict_bench" --model "$work/agree/$name.$ext" --rows-file "$work/agree/rows.f32" \
      --features 6 --single-rows 10 --repeat 1 | grep agreement
  done
done
