"""CSV read benchmark (issue 3): Strata beside DuckDB and pandas in one run.

Data: N rows (default 2,000,000) x 10 columns of mixed types -- int64 ids and counts, floats
with ~5% nulls, short strings, a category-like string, ISO timestamps, booleans -- written once
to a temporary CSV. Each reader loads the whole file into a typed in-memory table:
  * Strata: `strata data show --schema FILE` (the time it reports for the read)
  * DuckDB (@duckdb/node-api, bench/peers): CREATE TABLE t AS SELECT * FROM read_csv(FILE)
  * pandas 1.5 (Debian): pandas.read_csv(FILE, parse_dates=["ts"])
Wall time of the read and peak RSS of each process are reported, with ratios to Strata.
Peers are installed by bench/install-peers.sh.

Usage: /usr/bin/python3 bench/csv_bench.py --strata build/release/strata [--rows N]
"""
import argparse
import json
import os
import random
import re
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def make_csv(path, rows):
    rnd = random.Random(42)
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
    base = 1700000000
    with open(path, "w") as f:
        f.write("id,user,amount,score,name,city,ts,active,count,ratio\n")
        lines = []
        for i in range(rows):
            amount = "" if rnd.random() < 0.05 else f"{rnd.random() * 1000:.2f}"
            score = "" if rnd.random() < 0.05 else f"{rnd.gauss(0, 1):.6f}"
            ts = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(base + i * 7))
            lines.append(f"{i},{rnd.randrange(100000)},{amount},{score},"
                         f"{rnd.choice(words)}{rnd.randrange(1000)},{rnd.choice(words)},{ts},"
                         f"{'true' if rnd.random() < 0.5 else 'false'},{rnd.randrange(50)},"
                         f"{rnd.random():.4f}\n")
            if len(lines) == 100000:
                f.writelines(lines)
                lines = []
        f.writelines(lines)


def measure(args, env=None):
    start = time.time()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    out, err = proc.communicate()
    wall = time.time() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{args[0]} failed: {err[-2000:]}")
    return out, wall


def peak_rss_mib(args, env=None):
    """Peak RSS of a child, from the kernel's accounting (ru_maxrss of wait4)."""
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.execvpe(args[0], args, env or os.environ)
    _, status, usage = os.wait4(pid, 0)
    if status != 0:
        raise RuntimeError(f"{args[0]} exited with {status}")
    return usage.ru_maxrss / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", default="build/release/strata")
    ap.add_argument("--rows", type=int, default=2000000)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="strata-csv-bench-")
    path = os.path.join(tmp, "data.csv")
    t0 = time.time()
    make_csv(path, args.rows)
    size_mib = os.path.getsize(path) / 2**20
    print(f"data: {args.rows} rows, {size_mib:.0f} MiB, written in {time.time() - t0:.0f} s",
          flush=True)
    env = {**os.environ}
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)

    strata_cmd = [args.strata, "data", "show", "--schema", path]
    duck_cmd = ["node", os.path.join(HERE, "peers", "duckdb_read_csv.js"), path]
    pandas_cmd = ["/usr/bin/python3", "-c",
                  "import sys, time, pandas as pd\n"
                  "t = time.time(); df = pd.read_csv(sys.argv[1], parse_dates=['ts'])\n"
                  "print(f'read {time.time() - t:.3f} s, {len(df)} rows')", path]
    results = {"rows": args.rows, "file_mib": round(size_mib, 1)}
    # Warm the page cache once so every reader sees the file in memory.
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass
    for name, cmd, pattern in [("strata", strata_cmd, r"read in ([\d.]+) s"),
                               ("duckdb", duck_cmd, r"read ([\d.]+) s"),
                               ("pandas", pandas_cmd, r"read ([\d.]+) s")]:
        out, wall = measure(cmd, env)
        m = re.search(pattern, out)
        results[f"{name}_read_s"] = float(m.group(1)) if m else None
        results[f"{name}_process_s"] = round(wall, 3)
        results[f"{name}_peak_rss_mib"] = round(peak_rss_mib(cmd, env), 1)
        print(f"{name}: {out.strip().splitlines()[0]}", flush=True)
    os.remove(path)
    r = results
    print(json.dumps(r, indent=2))
    print("\n| reader | read (s) | peak RSS (MiB) | read time / Strata's |")
    print("|---|---|---|---|")
    for name in ("strata", "duckdb", "pandas"):
        ratio = r[f"{name}_read_s"] / r["strata_read_s"]
        print(f"| {name} | {r[f'{name}_read_s']} | {r[f'{name}_peak_rss_mib']} | {ratio:.2f} |")


if __name__ == "__main__":
    main()
