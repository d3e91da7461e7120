"""Point-in-time join benchmark: Strata's PointInTimeJoin beside DuckDB's ASOF JOIN and
pandas' merge_asof, side by side in one run, on the same data.

Data (issue 5's Performance section): a feature source of 5,000,000 rows (100,000 entities,
timestamps uniform over a year, 5 float64 features) and an entity set of 1,000,000 rows (keys
drawn from 105,000 ids so some match nothing, event timestamps over the same year), ttl 30
days. Feature rows are shuffled, so every engine has to sort. (entity, timestamp) pairs are
unique in the generated data (duplicates are dropped), so there are no ties for the engines
to break differently, and no created-timestamp column is used.
Each engine loads the tables first; then only the join is timed, best of --repeat:
  * Strata: bench/pit_bench (built by bench/CMakeLists.txt) reads the Parquet files with
    io::ReadTable, then times PointInTimeJoin (key hashing, counting sort by entity,
    per-entity ordering, probes, output columns) with --threads threads
  * DuckDB (@duckdb/node-api, bench/peers/duckdb_pit.js): CREATE TABLE AS SELECT ... ASOF LEFT
    JOIN ... ON key = key AND e.ts >= f.ts, features nulled beyond the ttl
  * pandas (Debian's /usr/bin/python3): sort both frames by time (merge_asof requires it),
    then merge_asof(by=key, tolerance=ttl, direction="backward")
Results are compared before the times are printed: the count of entity rows with a match and
the sum of each feature column, to 1e-9 relative.

Usage: /usr/bin/python3 bench/pit_bench.py --harness build/release/bench/pit_bench
       [--feature-rows N] [--entity-rows N] [--threads 2] [--repeat 3] [--workdir D --reuse]
Times are wall seconds (best of --repeat) and, beside them, CPU seconds of the join (process
CPU time; DuckDB's threads run inside the node process), which the other tenants of a shared
machine disturb less.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
YEAR_US = 365 * 86_400_000_000
START_US = 1_700_000_000_000_000
TTL_US = 30 * 86_400_000_000
FEATURES = ["f1", "f2", "f3", "f4", "f5"]

PANDAS = r"""
import json, sys, time
import pandas as pd
features = pd.read_csv(sys.argv[1])
entities = pd.read_csv(sys.argv[2])
features["ts"] = pd.to_datetime(features["ts"], unit="us")
entities["event_timestamp"] = pd.to_datetime(entities["event_timestamp"], unit="us")
ttl = pd.Timedelta(microseconds=int(sys.argv[3]))
best = None
best_cpu = None
for _ in range(int(sys.argv[4])):
    t = time.time()
    c = time.process_time()
    left = entities.sort_values("event_timestamp", kind="stable")
    right = features.sort_values("ts", kind="stable")
    out = pd.merge_asof(left, right, left_on="event_timestamp", right_on="ts", by="entity_id",
                        tolerance=ttl, direction="backward", allow_exact_matches=True)
    s = time.time() - t
    best = s if best is None else min(best, s)
    cpu = time.process_time() - c
    best_cpu = cpu if best_cpu is None else min(best_cpu, cpu)
cols = [c for c in features.columns if c.startswith("f")]
print(json.dumps({"join_s": best, "join_cpu_s": best_cpu, "rows": len(out), "matched": int(out[cols[0]].notna().sum()),
                  "sums": [float(out[c].sum()) for c in cols]}))
"""


def make_data(tmp, feature_rows, entity_rows, entities_count, reuse):
    paths = {k: os.path.join(tmp, k) for k in
             ("features.csv", "entities.csv", "features.parquet", "entities.parquet")}
    if reuse and all(os.path.exists(p) for p in paths.values()):
        return paths, sum(1 for _ in open(paths["features.csv"])) - 1
    rng = np.random.default_rng(20261202)
    keys = rng.integers(0, entities_count, feature_rows)
    ts = START_US + rng.integers(0, YEAR_US, feature_rows)
    f = pd.DataFrame({"entity_id": keys, "ts": ts})
    f = f.drop_duplicates(["entity_id", "ts"]).reset_index(drop=True)
    for name in FEATURES:
        f[name] = np.round(rng.random(len(f)) * 100, 3)
    e = pd.DataFrame({
        "entity_id": rng.integers(0, entities_count + entities_count // 20, entity_rows),
        "event_timestamp": START_US + rng.integers(0, YEAR_US, entity_rows),
    })
    f.to_csv(paths["features.csv"], index=False)
    e.to_csv(paths["entities.csv"], index=False)
    run(["node", os.path.join(HERE, "peers", "duckdb_pit.js"), "prepare", paths["features.csv"],
         paths["entities.csv"], paths["features.parquet"], paths["entities.parquet"]])
    return paths, len(f)


def run(args):
    proc = subprocess.run(args, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{proc.stderr}")
    return proc.stdout


def same(a, b):
    if a["rows"] != b["rows"] or a["matched"] != b["matched"]:
        return False
    return all(abs(x - y) <= 1e-9 * max(abs(x), abs(y), 1.0) for x, y in zip(a["sums"], b["sums"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--harness", required=True)
    ap.add_argument("--feature-rows", type=int, default=5_000_000)
    ap.add_argument("--entity-rows", type=int, default=1_000_000)
    ap.add_argument("--entities", type=int, default=100_000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workdir")
    ap.add_argument("--reuse", action="store_true",
                    help="keep the data already generated in --workdir (same sizes assumed)")
    args = ap.parse_args()
    tmp = args.workdir or tempfile.mkdtemp(prefix="strata-pit-bench-")
    os.makedirs(tmp, exist_ok=True)
    t = time.time()
    paths, feature_rows = make_data(tmp, args.feature_rows, args.entity_rows, args.entities,
                                   args.reuse)
    print(f"data: {feature_rows:,} feature rows, {args.entity_rows:,} entity rows, "
          f"ttl 30d, in {time.time() - t:.1f}s ({tmp})")
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    strata = json.loads(run([args.harness, paths["features.parquet"], paths["entities.parquet"],
                             "--key", "entity_id", "--ts", "ts", "--event-ts", "event_timestamp",
                             "--ttl-us", str(TTL_US), "--features", ",".join(FEATURES),
                             "--threads", str(args.threads), "--repeat", str(args.repeat)]))
    duck = json.loads(run(["node", os.path.join(HERE, "peers", "duckdb_pit.js"), "join",
                           paths["features.parquet"], paths["entities.parquet"], str(TTL_US),
                           ",".join(FEATURES), str(args.repeat)]))
    pandas = json.loads(run(["/usr/bin/python3", "-c", PANDAS, paths["features.csv"],
                             paths["entities.csv"], str(TTL_US), str(args.repeat)]))
    results = {"strata": strata, "duckdb": duck, "pandas": pandas}
    for name, r in results.items():
        print(f"{name:7s} join {r['join_s']:.3f}s (cpu {r['join_cpu_s']:.3f}s)  rows {r['rows']:,}  matched {r['matched']:,}  "
              f"sums {' '.join(f'{s:.6f}' for s in r['sums'])}")
    ok = same(strata, duck) and same(strata, pandas)
    print("answers identical (matched rows exact, sums to 1e-9):", "yes" if ok else "NO")
    print(f"strata read (both Parquet files) {strata['read_s']:.3f}s, "
          f"read + join {strata['read_s'] + strata['join_s']:.3f}s")
    print(f"strata / duckdb join time: {strata['join_s'] / duck['join_s']:.3f}x (target <= 0.5x)")
    print(f"pandas / strata join time: {pandas['join_s'] / strata['join_s']:.1f}x (target >= 10x)")
    print(f"cpu seconds: strata / duckdb {strata['join_cpu_s'] / duck['join_cpu_s']:.3f}x, "
          f"pandas / strata {pandas['join_cpu_s'] / strata['join_cpu_s']:.1f}x")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
