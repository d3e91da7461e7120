"""Declarative cleaning benchmark: `strata data clean` beside the same cleaning in pandas.

Data: the 2,000,000-row x 10-column mixed table of bench/csv_bench.py (make_csv). Spec:
coerce amount (float64) and count (int64) from text with a quarantine of failures, fill score
with its mean, dedup by (user, city) keeping the first, IQR clip of score (k = 1.5), trim +
lower of name and city. Both sides report read, clean and write times separately; the clean
step is the comparison that matters (pandas 1.5 on Debian's /usr/bin/python3).

Usage: /usr/bin/python3 bench/clean_bench.py --strata build/release/strata [--rows N]
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

SPEC = """steps:
  - rule: coerce
    columns:
      amount: {type: float64, on_error: "null"}
      count: int64
  - rule: fill_nulls
    columns:
      score: mean
  - rule: dedup
    keys: [user, city]
  - rule: clip_outliers
    columns: [score]
    method: iqr
    k: 1.5
  - rule: strings
    columns: [name, city]
    trim: true
    case: lower
"""

PANDAS = r"""
import sys, time
import pandas as pd
src, out = sys.argv[1], sys.argv[2]
t0 = time.time()
df = pd.read_csv(src, dtype={"amount": str, "count": str}, keep_default_na=False,
                 na_values=["", "NA", "N/A", "null", "NULL"], parse_dates=["ts"])
t1 = time.time()
amount = pd.to_numeric(df["amount"].str.strip(), errors="coerce")
bad_amount = df["amount"].notna() & amount.isna()
count_text = df["count"].str.strip()
count_ok = df["count"].isna() | count_text.str.fullmatch(r"[+-]?\d+").fillna(False)
quarantine = pd.concat([df.index[bad_amount].to_series(), df.index[~count_ok].to_series()])
df["amount"] = amount
df = df[count_ok].copy()
df["count"] = pd.to_numeric(df["count"]).astype("Int64")
df["score"] = df["score"].fillna(df["score"].mean())
df = df.drop_duplicates(subset=["user", "city"], keep="first")
q1, q3 = df["score"].quantile([0.25, 0.75])
df["score"] = df["score"].clip(q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1))
for c in ("name", "city"):
    df[c] = df[c].str.strip().str.lower()
t2 = time.time()
df.to_csv(out, index=False)
t3 = time.time()
print(f"timing: read {t1 - t0:.3f} s, clean {t2 - t1:.3f} s, write {t3 - t2:.3f} s; {len(df)} rows, "
      f"{len(quarantine)} quarantined")
"""

TIMING = re.compile(r"timing: read ([\d.]+) s, clean ([\d.]+) s, write ([\d.]+) s")


def run(cmd):
    start = time.time()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.time() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed: {proc.stderr[-2000:]}")
    m = TIMING.search(proc.stdout)
    return [float(x) for x in m.groups()], wall, proc.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", default="build/release/strata")
    ap.add_argument("--rows", type=int, default=2000000)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="strata-clean-bench-")
    src = os.path.join(tmp, "data.csv")
    make_csv(src, args.rows)
    spec = os.path.join(tmp, "clean.yaml")
    with open(spec, "w") as f:
        f.write(SPEC)
    with open(src, "rb") as f:  # warm the page cache for both
        while f.read(1 << 24):
            pass
    strata_times, strata_wall, strata_out = run(
        [args.strata, "data", "clean", "--spec", spec, src, os.path.join(tmp, "strata_out.csv"), "--timing"])
    pandas_times, pandas_wall, pandas_out = run(
        ["/usr/bin/python3", "-c", PANDAS, src, os.path.join(tmp, "pandas_out.csv")])
    print(strata_out)
    print(pandas_out)
    with open(os.path.join(tmp, "strata_out.csv")) as a, open(os.path.join(tmp, "pandas_out.csv")) as b:
        rows = (sum(1 for _ in a) - 1, sum(1 for _ in b) - 1)
    result = {"rows": args.rows, "output_rows": {"strata": rows[0], "pandas": rows[1]},
              "strata_s": dict(zip(("read", "clean", "write"), strata_times), process=round(strata_wall, 3)),
              "pandas_s": dict(zip(("read", "clean", "write"), pandas_times), process=round(pandas_wall, 3))}
    print(json.dumps(result, indent=2))
    print("\n| phase | Strata (s) | pandas (s) | pandas / Strata |")
    print("|---|---|---|---|")
    for i, phase in enumerate(("read", "clean", "write")):
        s, p = strata_times[i], pandas_times[i]
        print(f"| {phase} | {s:.3f} | {p:.3f} | {p / s if s else float('nan'):.2f} |")
    print(f"| process | {strata_wall:.3f} | {pandas_wall:.3f} | {pandas_wall / strata_wall:.2f} |")
    for name in os.listdir(tmp):
        os.remove(os.path.join(tmp, name))
    os.rmdir(tmp)


if __name__ == "__main__":
    main()
