"""Profiling benchmark (issue 3): Strata's `data profile` beside DuckDB SUMMARIZE and pandas.

Data: the 2,000,000-row x 10-column mixed table of bench/csv_bench.py (make_csv), written once.
Only the profiling step is timed; each tool loads the file first:
  * Strata: `strata data profile FILE --timing` reports read and profile time separately; the
    profile time is one pass building KLL, HyperLogLog, frequent items, moments per column
    plus the numeric Pearson matrix, on all cores.
  * DuckDB (@duckdb/node-api, bench/peers): CREATE TABLE t AS read_csv(FILE), then the time
    of SUMMARIZE t.
  * pandas 1.5 (Debian): read_csv, then the time of df.describe(include='all'),
    df.nunique() and df.isna().sum().
Targets: Strata <= 0.5x DuckDB's SUMMARIZE time and >= 10x faster than pandas.

Usage: /usr/bin/python3 bench/profile_bench.py --strata build/release/strata [--rows N] [--runs 3]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from csv_bench import make_csv, measure  # noqa: E402

PANDAS = (
    "import sys, time, pandas as pd\n"
    "df = pd.read_csv(sys.argv[1], parse_dates=['ts'])\n"
    "t = time.time(); c = time.process_time()\n"
    "d = df.describe(include='all', datetime_is_numeric=True); u = df.nunique(); n = df.isna().sum()\n"
    "print(f'profile {time.time() - t:.3f} s (cpu {time.process_time() - c:.3f} s), {len(d.columns)} columns')\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", default="build/release/strata")
    ap.add_argument("--rows", type=int, default=2000000)
    ap.add_argument("--runs", type=int, default=3, help="runs per tool; the best is reported")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="strata-profile-bench-")
    path = os.path.join(tmp, "data.csv")
    t0 = time.time()
    make_csv(path, args.rows)
    print(f"data: {args.rows} rows, {os.path.getsize(path) / 2**20:.0f} MiB, written in "
          f"{time.time() - t0:.0f} s", flush=True)
    env = {**os.environ}
    tools = [
        ("strata", [args.strata, "data", "profile", path, "--timing"], r"profile ([\d.]+) s \(cpu ([\d.]+) s\)"),
        ("duckdb", ["node", os.path.join(HERE, "peers", "duckdb_summarize.js"), path],
         r"summarize ([\d.]+) s \(cpu ([\d.]+) s\)"),
        ("pandas", ["/usr/bin/python3", "-c", PANDAS, path], r"profile ([\d.]+) s \(cpu ([\d.]+) s\)"),
    ]
    results = {"rows": args.rows}
    for name, cmd, pattern in tools:
        best, best_cpu = None, None
        for _ in range(args.runs):
            out, _ = measure(cmd, env)
            m = re.search(pattern, out)
            if not m:
                raise RuntimeError(f"{name}: no timing in {out[:500]!r}")
            best = min(best or 1e9, float(m.group(1)))
            best_cpu = min(best_cpu or 1e9, float(m.group(2)))
        results[f"{name}_profile_s"] = best
        results[f"{name}_profile_cpu_s"] = best_cpu
        print(f"{name}: best profile time {best:.3f} s, cpu {best_cpu:.3f} s", flush=True)
    os.remove(path)
    r = results
    r["strata_over_duckdb"] = round(r["strata_profile_s"] / r["duckdb_profile_s"], 3)
    r["pandas_over_strata"] = round(r["pandas_profile_s"] / r["strata_profile_s"], 1)
    r["cpu_strata_over_duckdb"] = round(r["strata_profile_cpu_s"] / r["duckdb_profile_cpu_s"], 3)
    r["cpu_pandas_over_strata"] = round(r["pandas_profile_cpu_s"] / r["strata_profile_cpu_s"], 1)
    print(json.dumps(r, indent=2))
    print("\n| tool | profile step wall (s) | wall / Strata's | profile step CPU (s) | CPU / Strata's |")
    print("|---|---|---|---|---|")
    for name in ("strata", "duckdb", "pandas"):
        print(f"| {name} | {r[f'{name}_profile_s']:.3f} | {r[f'{name}_profile_s'] / r['strata_profile_s']:.2f} "
              f"| {r[f'{name}_profile_cpu_s']:.3f} | {r[f'{name}_profile_cpu_s'] / r['strata_profile_cpu_s']:.2f} |")
    print(f"\nwall: Strata / DuckDB SUMMARIZE = {r['strata_over_duckdb']} (target <= 0.5); "
          f"pandas / Strata = {r['pandas_over_strata']} (target >= 10)")
    print(f"cpu:  Strata / DuckDB SUMMARIZE = {r['cpu_strata_over_duckdb']}; "
          f"pandas / Strata = {r['cpu_pandas_over_strata']}")


if __name__ == "__main__":
    main()
