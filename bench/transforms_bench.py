"""Fitted-transform benchmark: Strata beside scikit-learn in one run.

Data: bench/csv_bench.py's 2,000,000-row x 10-column mixed table (make_csv). Pipeline:
impute (mean) amount and score, standard-scale amount, score and ratio, one-hot city
(8 categories), ordinal-encode name (8,000 categories).
  * Strata: `strata data fit-transform --spec S FILE --pipeline P --timing` (read, fit and
    transform times as the CLI reports them, all in memory).
  * scikit-learn 1.2 (Debian): pandas.read_csv, then a ColumnTransformer with the same steps,
    fit_transform on the loaded frame.
Single-row latency: Strata's TransformRow (the serving path; `strata data transform
--bench-row N`, rows converted before timing) against ColumnTransformer.transform on a
one-row DataFrame.

Usage: /usr/bin/python3 bench/transforms_bench.py --strata build/release/strata [--rows N]
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

SPEC = {"steps": [
    {"kind": "imputer", "columns": ["amount", "score"], "strategy": "mean"},
    {"kind": "standard_scaler", "columns": ["amount", "score", "ratio"]},
    {"kind": "one_hot", "columns": ["city"], "handle_unknown": "ignore"},
    {"kind": "ordinal", "columns": ["name"]},
]}

SKLEARN = r"""
import sys, time, warnings
import numpy as np, pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler
t = time.time(); df = pd.read_csv(sys.argv[1]); read = time.time() - t
ct = ColumnTransformer([
    ("num", Pipeline([("imp", SimpleImputer(strategy="mean")), ("sc", StandardScaler())]),
     ["amount", "score"]),
    ("ratio", StandardScaler(), ["ratio"]),
    ("city", OneHotEncoder(handle_unknown="ignore", sparse_output=False), ["city"]),
    ("name", OrdinalEncoder(), ["name"]),
], remainder="drop")
t = time.time(); out = ct.fit_transform(df); fit_transform = time.time() - t
rows = [df.iloc[[i]] for i in range(int(sys.argv[2]))]
t = time.time()
for r in rows:
    ct.transform(r)
per_row_us = (time.time() - t) / len(rows) * 1e6
print(f"read {read:.3f} s, fit_transform {fit_transform:.3f} s, shape {out.shape}, "
      f"row {per_row_us:.1f} us")
"""


def run(args):
    start = time.time()
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{args[0]} failed: {p.stderr[-2000:]}")
    return p.stdout, time.time() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", default="build/release/strata")
    ap.add_argument("--rows", type=int, default=2000000)
    ap.add_argument("--row-samples", type=int, default=20000)
    ap.add_argument("--sklearn-row-samples", type=int, default=500)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="strata-transforms-bench-")
    path = os.path.join(tmp, "data.csv")
    t0 = time.time()
    make_csv(path, args.rows)
    print(f"data: {args.rows} rows, {os.path.getsize(path) / 2**20:.0f} MiB, "
          f"written in {time.time() - t0:.0f} s", flush=True)
    small = os.path.join(tmp, "small.csv")
    with open(path) as src, open(small, "w") as dst:
        for i, line in enumerate(src):
            if i > args.row_samples:
                break
            dst.write(line)
    spec = os.path.join(tmp, "spec.json")
    with open(spec, "w") as f:
        json.dump(SPEC, f)
    pipeline = os.path.join(tmp, "fitted.json")
    with open(path, "rb") as f:  # warm the page cache for both readers
        while f.read(1 << 24):
            pass

    out, strata_wall = run([args.strata, "data", "fit-transform", "--spec", spec, path,
                            "--pipeline", pipeline, "--timing"])
    m = re.search(r"timing: read ([\d.]+) s, fit ([\d.]+) s, transform ([\d.]+) s", out)
    s_read, s_fit, s_transform = (float(m.group(i)) for i in (1, 2, 3))
    print(f"strata: read {s_read} s, fit {s_fit} s, transform {s_transform} s "
          f"(process {strata_wall:.2f} s)", flush=True)
    out, _ = run([args.strata, "data", "transform", "--pipeline", pipeline, small,
                  "--bench-row", str(args.row_samples)])
    s_row = float(re.search(r"row latency: ([\d.]+) us", out).group(1))
    print(f"strata: {s_row} us per row (TransformRow)", flush=True)

    out, sk_wall = run(["/usr/bin/python3", "-c", SKLEARN, path, str(args.sklearn_row_samples)])
    m = re.search(r"read ([\d.]+) s, fit_transform ([\d.]+) s, shape (\S+ \S+), row ([\d.]+) us", out)
    k_read, k_ft, k_row = float(m.group(1)), float(m.group(2)), float(m.group(4))
    print(f"sklearn: {out.strip()} (process {sk_wall:.2f} s)", flush=True)
    os.remove(path)

    s_ft = s_fit + s_transform
    print("\n| | Strata | scikit-learn 1.2 | scikit-learn / Strata |")
    print("|---|---|---|---|")
    print(f"| read CSV (s) | {s_read:.3f} | {k_read:.3f} (pandas) | {k_read / s_read:.2f} |")
    print(f"| fit + transform (s) | {s_ft:.3f} (fit {s_fit:.3f} + transform {s_transform:.3f})"
          f" | {k_ft:.3f} | {k_ft / s_ft:.2f} |")
    print(f"| one row (us) | {s_row:.2f} | {k_row:.1f} | {k_row / s_row:.0f} |")


if __name__ == "__main__":
    main()
