#!/usr/bin/env bash
# Runs every benchmark: Strata beside its peers in one run. Usage: bench/run.sh PATH_TO_STRATA
set -euo pipefail
bin=${1:-build/release/strata}
root=$(cd "$(dirname "$0")/.." && pwd)
/usr/bin/python3 "$root/bench/tracking_bench.py" --strata "$bin" --backend sqlite
eval "$(bash "$root/scripts/test-services.sh" start)"
/usr/bin/python3 "$root/bench/tracking_bench.py" --strata "$bin" --backend postgresql
bash "$root/bench/install-peers.sh"
/usr/bin/python3 "$root/bench/csv_bench.py" --strata "$bin"
# Data layer (issue 3): each script runs Strata beside its peers and prints the ratios;
# bench/results/*.md hold the last recorded runs, summarized in bench/RESULTS.md.
for b in parquet_bench parquet_write_bench profile_bench sql_bench clean_bench transforms_bench datasets_bench; do
  /usr/bin/python3 "$root/bench/$b.py" --strata "$bin"
done
# Model layer (issue 4): GLM fit vs scikit-learn, tree prediction vs XGBoost's C API, HTTP
# inference vs nginx (and the V2 protocol over wrk).
/usr/bin/python3 "$root/bench/glm_bench.py" --strata-glm "$(dirname "$bin")/strata_glm_fit"
bash "$root/bench/predict_bench.sh"
/usr/bin/python3 "$root/bench/serving_bench.py" --strata "$bin"
