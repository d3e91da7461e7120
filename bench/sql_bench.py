"""SQL over tables benchmark: `strata data sql` beside DuckDB and pandas in one run.

Data: bench/csv_bench.py's 2,000,000-row x 10-column mixed table as `events`, and a
100,000-row `users` table (uid 0..99,999, a segment, a score) that events.user points into.
Queries (the same work in each engine):
  group:  per-city count, sum(amount), avg(score), max(count)          (8 groups)
  filter: count(*) WHERE user = 4242                                    (int equality)
  join:   events JOIN users ON user = uid, per-segment count, avg(amount)
Each engine loads the tables first; only the query is timed:
  * Strata: `strata data sql --timing` (its "query" time: SQLite's VM over the in-memory
    columns through the virtual tables), one process per query
  * DuckDB (@duckdb/node-api, bench/peers): tables loaded with read_csv, then each query
  * pandas 1.5 (Debian): read_csv, then groupby / boolean mask / merge+groupby
Answers are compared across engines before the times are printed.

Usage: /usr/bin/python3 bench/sql_bench.py --strata build/release/strata [--rows N]
"""
import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from csv_bench import make_csv  # noqa: E402

QUERIES = {
    "group": "SELECT city, count(*) AS n, sum(amount) AS total, avg(score) AS mean_score, "
             "max(\"count\") AS max_count FROM events GROUP BY city ORDER BY city",
    "filter": "SELECT count(*) AS n FROM events WHERE user = 4242",
    "join": "SELECT u.segment, count(*) AS n, avg(e.amount) AS mean_amount FROM events e "
            "JOIN users u ON e.user = u.uid GROUP BY u.segment ORDER BY u.segment",
}

PANDAS = r"""
import json, sys, time
import pandas as pd
t = time.time()
events = pd.read_csv(sys.argv[1], parse_dates=["ts"])
users = pd.read_csv(sys.argv[2])
load = time.time() - t
out = {"load_s": load, "queries": {}}
def timed(name, fn):
    t = time.time(); c = time.process_time(); rows = fn()
    out["queries"][name] = {"seconds": time.time() - t, "cpu_s": time.process_time() - c,
                            "rows": rows}
def group():
    g = events.groupby("city").agg(n=("id", "size"), total=("amount", "sum"),
                                   mean_score=("score", "mean"), max_count=("count", "max"))
    g = g.reset_index().sort_values("city")
    return [[r.city, int(r.n), float(r.total), float(r.mean_score), int(r.max_count)]
            for r in g.itertuples()]
def filt():
    return [[int((events["user"] == 4242).sum())]]
def join():
    j = events.merge(users, left_on="user", right_on="uid")
    g = j.groupby("segment").agg(n=("id", "size"), mean_amount=("amount", "mean")).reset_index()
    return [[r.segment, int(r.n), float(r.mean_amount)] for r in g.sort_values("segment").itertuples()]
timed("group", group)
timed("filter", filt)
timed("join", join)
print(json.dumps(out))
"""


def make_users(path, rows=100000):
    rnd = random.Random(7)
    segments = ["basic", "gold", "platinum", "silver", "trial"]
    with open(path, "w") as f:
        f.write("uid,segment,score\n")
        f.writelines(f"{u},{rnd.choice(segments)},{rnd.random():.4f}\n" for u in range(rows))


def run(args, env=None):
    proc = subprocess.run(args, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"{args[0]} failed: {proc.stderr[-2000:]}")
    return proc


def strata_query(binary, sql, tables):
    args = [binary, "data", "sql", sql, "--json", "--timing"]
    for name, path in tables.items():
        args += ["--table", f"{name}={path}"]
    proc = run(args)
    m = re.search(r"load ([\d.]+) s, query ([\d.]+) s \(cpu ([\d.]+) s\)", proc.stderr)
    rows = [list(json.loads(line).values()) for line in proc.stdout.splitlines()]
    return float(m.group(1)), float(m.group(2)), float(m.group(3)), rows


def same(a, b):
    if len(a) != len(b):
        return False
    for ra, rb in zip(a, b):
        if len(ra) != len(rb):
            return False
        for x, y in zip(ra, rb):
            if isinstance(x, (int, float)) and isinstance(y, (int, float)):
                if abs(x - y) > 1e-6 * max(1.0, abs(x)):
                    return False
            elif x != y:
                return False
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", default="build/release/strata")
    ap.add_argument("--rows", type=int, default=2000000)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="strata-sql-bench-")
    events = os.path.join(tmp, "events.csv")
    users = os.path.join(tmp, "users.csv")
    t0 = time.time()
    make_csv(events, args.rows)
    make_users(users)
    print(f"data: events {args.rows} rows, users 100000 rows, written in {time.time() - t0:.0f} s",
          flush=True)
    env = {**os.environ}
    env.pop("OPENBLAS_CORETYPE", None)
    tables = {"events": events, "users": users}

    results = {}
    strata = {}
    for name, sql in QUERIES.items():
        load_s, query_s, cpu_s, rows = strata_query(args.strata, sql, tables)
        strata[name] = {"seconds": query_s, "cpu_s": cpu_s, "rows": rows, "load_s": load_s}
        print(f"strata {name}: query {query_s:.3f} s, cpu {cpu_s:.3f} s (load {load_s:.2f} s)",
              flush=True)
    qfile = os.path.join(tmp, "queries.json")
    with open(qfile, "w") as f:
        json.dump(QUERIES, f)
    duck = json.loads(run(["node", os.path.join(HERE, "peers", "duckdb_sql.js"), qfile,
                           f"events={events}", f"users={users}"], env).stdout)
    print(f"duckdb: load {duck['load_s']:.2f} s", flush=True)
    pandas = json.loads(run(["/usr/bin/python3", "-c", PANDAS, events, users], env).stdout)
    print(f"pandas: load {pandas['load_s']:.2f} s", flush=True)
    os.remove(events)
    os.remove(users)

    print(f"\nload average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("\n| query | Strata wall (cpu) s | DuckDB wall s | pandas wall (cpu) s | DuckDB / Strata "
          "| pandas / Strata (wall) | pandas / Strata (cpu) | answers agree |")
    print("|---|---|---|---|---|---|---|---|")
    for name in QUERIES:
        s = strata[name]["seconds"]
        d = duck["queries"][name]["seconds"]
        p = pandas["queries"][name]["seconds"]
        agree = same(strata[name]["rows"], duck["queries"][name]["rows"]) and \
            same(strata[name]["rows"], pandas["queries"][name]["rows"])
        results[name] = {"strata_s": s, "duckdb_s": round(d, 4), "pandas_s": round(p, 4),
                         "agree": agree}
        sc = strata[name]["cpu_s"]
        pc = pandas["queries"][name]["cpu_s"]
        results[name].update({"strata_cpu_s": sc, "pandas_cpu_s": round(pc, 4)})
        print(f"| {name} | {s:.3f} ({sc:.3f}) | {d:.3f} | {p:.3f} ({pc:.3f}) | {d / s:.2f} | "
              f"{p / s:.2f} | {pc / max(sc, 1e-3):.2f} | {'yes' if agree else 'NO'} |")
        if not agree:
            print(f"  strata {strata[name]['rows']}\n  duckdb {duck['queries'][name]['rows']}\n"
                  f"  pandas {pandas['queries'][name]['rows']}")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
