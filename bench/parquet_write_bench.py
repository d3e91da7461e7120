"""Parquet write benchmark (issue 3): Strata beside DuckDB in one run.

Data: the 2,000,000-row x 10-column mixed table of bench/csv_bench.py (make_csv), written once
to a temporary CSV. Each side loads the CSV into memory, then writes Parquet; only the write
step is compared:
  * Strata: `strata data convert FILE OUT.parquet --compression C` (it prints the read and
    write times separately)
  * DuckDB (@duckdb/node-api, bench/peers): CREATE TABLE t AS SELECT * FROM read_csv(FILE),
    then the timed COPY t TO 'OUT.parquet' (FORMAT parquet, COMPRESSION C)
Reported: wall time of the write step, output size, and ratios to DuckDB. Each side runs
--repeat times; the best write time counts. DuckDB reads Strata's file back as a sanity check.
Peers are installed by bench/install-peers.sh.

Usage: /usr/bin/python3 bench/parquet_write_bench.py --strata build/release/strata [--rows N]
       [--compression zstd] [--repeat 3]
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
from csv_bench import make_csv  # noqa: E402


def run(args):
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{args[0]} failed: {r.stderr[-2000:]}")
    return r.stdout + r.stderr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", default="build/release/strata")
    ap.add_argument("--rows", type=int, default=2000000)
    ap.add_argument("--compression", default="zstd")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="strata-parquet-bench-")
    csv = os.path.join(tmp, "data.csv")
    t0 = time.time()
    make_csv(csv, args.rows)
    print(f"data: {args.rows} rows, {os.path.getsize(csv) / 2**20:.0f} MiB CSV, "
          f"written in {time.time() - t0:.0f} s", flush=True)
    with open(csv, "rb") as f:
        while f.read(1 << 24):
            pass
    sides = {
        "strata": lambda out: [args.strata, "data", "convert", csv, out, "--compression",
                               args.compression],
        "duckdb": lambda out: ["node", os.path.join(HERE, "peers", "duckdb_write_parquet.js"),
                               csv, out, args.compression],
    }
    results = {"rows": args.rows, "compression": args.compression}
    for name, cmd in sides.items():
        out = os.path.join(tmp, f"{name}.parquet")
        best = None
        for _ in range(args.repeat):
            text = run(cmd(out))
            m = re.search(r"read ([\d.]+) s, wrote ([\d.]+) s", text)
            if not m:
                raise RuntimeError(f"{name}: no timing in {text!r}")
            read_s, write_s = float(m.group(1)), float(m.group(2))
            if best is None or write_s < best[1]:
                best = (read_s, write_s)
            print(f"{name}: read {read_s:.3f} s, wrote {write_s:.3f} s", flush=True)
        results[f"{name}_read_s"] = best[0]
        results[f"{name}_write_s"] = best[1]
        results[f"{name}_mib"] = round(os.path.getsize(out) / 2**20, 1)
    # DuckDB must read Strata's file and find every row.
    check = run(["node", os.path.join(HERE, "peers", "duckdb_count.js"),
                 os.path.join(tmp, "strata.parquet")])
    results["duckdb_reads_strata_rows"] = int(check.strip())
    assert results["duckdb_reads_strata_rows"] == args.rows, check
    for name in sides:
        os.remove(os.path.join(tmp, f"{name}.parquet"))
    os.remove(csv)
    r = results
    print(json.dumps(r, indent=2))
    print(f"\n| writer | write {args.compression} (s) | output (MiB) | write time / DuckDB's "
          f"| size / DuckDB's |")
    print("|---|---|---|---|---|")
    for name in sides:
        print(f"| {name} | {r[f'{name}_write_s']:.3f} | {r[f'{name}_mib']} | "
              f"{r[f'{name}_write_s'] / r['duckdb_write_s']:.2f} | "
              f"{r[f'{name}_mib'] / r['duckdb_mib']:.2f} |")


if __name__ == "__main__":
    main()
