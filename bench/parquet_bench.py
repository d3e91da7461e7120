"""Parquet read benchmark (issue 3): Strata beside DuckDB (and pandas when it can) in one run.

Data: the CSV benchmark's N rows (default 2,000,000) x 10 mixed columns (bench/csv_bench.py's
make_csv), converted once to Parquet (zstd, DuckDB's default row groups) by DuckDB. Each reader
loads the whole file into an in-memory table:
  * Strata: `strata data show --schema FILE` (the time it reports for the read)
  * DuckDB (@duckdb/node-api, bench/peers): CREATE TABLE t AS SELECT * FROM read_parquet(FILE)
  * pandas (Debian's): pandas.read_parquet(FILE) -- needs pyarrow or fastparquet; skipped
    (and said so) when neither is installed.
Wall time of the read and peak RSS of each process are reported, with ratios to Strata.

Usage: /usr/bin/python3 bench/parquet_bench.py --strata build/release/strata [--rows N]
"""
import argparse
import json
import os
import re
import subprocess
import tempfile
import time

from csv_bench import make_csv, measure, peak_rss_mib

HERE = os.path.dirname(os.path.abspath(__file__))


def pandas_can_read_parquet():
    r = subprocess.run(["/usr/bin/python3", "-c",
                        "import pandas.io.parquet as p; p.get_engine('auto')"],
                       capture_output=True, text=True)
    return r.returncode == 0, r.stderr.strip().splitlines()[-1:] 


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", default="build/release/strata")
    ap.add_argument("--rows", type=int, default=2000000)
    ap.add_argument("--repeat", type=int, default=3, help="runs per reader; the best is kept")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="strata-parquet-bench-")
    csv = os.path.join(tmp, "data.csv")
    path = os.path.join(tmp, "data.parquet")
    t0 = time.time()
    make_csv(csv, args.rows)
    peer = os.path.join(HERE, "peers", "duckdb_parquet.js")
    subprocess.run(["node", peer, "write", csv, path], check=True)
    os.remove(csv)
    size_mib = os.path.getsize(path) / 2**20
    print(f"data: {args.rows} rows, {size_mib:.1f} MiB Parquet (zstd), written in "
          f"{time.time() - t0:.0f} s", flush=True)
    env = {**os.environ}
    readers = [("strata", [args.strata, "data", "show", "--schema", path], r"read in ([\d.]+) s"),
               ("duckdb", ["node", peer, "read", path], r"read ([\d.]+) s")]
    ok, why = pandas_can_read_parquet()
    if ok:
        readers.append(("pandas", ["/usr/bin/python3", "-c",
                                   "import sys, time, pandas as pd\n"
                                   "t = time.time(); df = pd.read_parquet(sys.argv[1])\n"
                                   "print(f'read {time.time() - t:.3f} s, {len(df)} rows')", path],
                        r"read ([\d.]+) s"))
    else:
        print(f"pandas: skipped, it cannot read Parquet here ({' '.join(why)})", flush=True)
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass
    results = {"rows": args.rows, "file_mib": round(size_mib, 1), "threads": os.cpu_count()}
    for name, cmd, pattern in readers:
        best = None
        for _ in range(args.repeat):
            out, wall = measure(cmd, env)
            m = re.search(pattern, out)
            t = float(m.group(1)) if m else None
            if best is None or (t is not None and t < best[0]):
                best = (t, wall, out)
        results[f"{name}_read_s"] = best[0]
        results[f"{name}_process_s"] = round(best[1], 3)
        results[f"{name}_peak_rss_mib"] = round(peak_rss_mib(cmd, env), 1)
        print(f"{name}: {best[2].strip().splitlines()[0]}", flush=True)
    os.remove(path)
    r = results
    print(json.dumps(r, indent=2))
    print("\n| reader | read (s) | process wall (s) | peak RSS (MiB) | read time / Strata's |")
    print("|---|---|---|---|---|")
    for name, _, _ in readers:
        ratio = r[f"{name}_read_s"] / r["strata_read_s"]
        print(f"| {name} | {r[f'{name}_read_s']} | {r[f'{name}_process_s']} | "
              f"{r[f'{name}_peak_rss_mib']} | {ratio:.2f} |")


if __name__ == "__main__":
    main()
