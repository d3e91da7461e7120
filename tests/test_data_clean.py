"""`strata data clean` on a messy CSV: OUT, quarantine and report checked against the same
cleaning done independently with pandas; bad specs name the YAML line; path errors never leave
a partial OUT."""
import json
import os
import subprocess
import tempfile

import numpy as np
import pandas as pd

from harness import STRATA_BIN, Checks

NULLS = ["", "NA", "N/A", "null", "NULL"]

MESSY = """id,name,age,income,city
1,ana,34,52000,  Paris
2,bo,x,61000,rome
3,cy,,48000,PARIS
3,cy,,48000,PARIS
4,di,29,,  Lyon  
5,ed,41,9900000,lyon
6,fa,4.5,55000,Rome
7,gu,38,abc,paris
8,hu,52,47000, ROME
9,io,27,58000,paris
9,io-dup,27,12,paris
10,ju,33,-500000,Lyon
"""

SPEC = """steps:
  - rule: coerce
    columns:
      age: {type: int64, on_error: quarantine_row}
      income: {type: float64, on_error: "null"}
  - rule: dedup
    keys: [id]
    keep: first
  - rule: fill_nulls
    columns:
      income: median
  - rule: clip_outliers
    columns: [income]
    method: iqr
  - rule: strings
    columns: [city]
    trim: true
    case: lower
"""


def run(*args):
    return subprocess.run([STRATA_BIN, "data", "clean", *args], capture_output=True, text=True,
                          timeout=120)


def write(tmp, name, text):
    path = os.path.join(tmp, name)
    with open(path, "w", newline="") as f:
        f.write(text)
    return path


def pandas_clean(path):
    """The spec above, in pandas, with the quarantine it implies."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=NULLS)
    raw["row"] = np.arange(1, len(raw) + 1)
    quarantine = []
    age_text = raw["age"].str.strip()
    age_ok = raw["age"].isna() | age_text.str.fullmatch(r"[+-]?\d+").fillna(False)
    for _, r in raw[~age_ok].iterrows():
        quarantine.append((r["row"], "age", "coerce", r["age"]))
    income = pd.to_numeric(raw["income"].str.strip(), errors="coerce")
    for _, r in raw[raw["income"].notna() & income.isna()].iterrows():
        quarantine.append((r["row"], "income", "coerce", r["income"]))
    df = raw.assign(income=income)[age_ok].copy()
    df["age"] = pd.to_numeric(df["age"]).astype("Int64")
    df["id"] = df["id"].astype(int)
    coerced = int(df["age"].notna().sum() + df["income"].notna().sum())
    before = len(df)
    df = df.drop_duplicates(subset=["id"], keep="first")
    dropped = before - len(df)
    median = df["income"].median()
    filled = int(df["income"].isna().sum())
    df["income"] = df["income"].fillna(median)
    q1, q3 = df["income"].quantile([0.25, 0.75])
    lower, upper = q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)
    clipped = int(((df["income"] < lower) | (df["income"] > upper)).sum())
    df["income"] = df["income"].clip(lower, upper)
    df["city"] = df["city"].str.strip().str.lower()
    counts = {"rows_quarantined": int((~age_ok).sum()), "values_coerced": coerced,
              "rows_dropped": dropped, "values_filled": filled, "values_clipped": clipped,
              "quarantine_entries": len(quarantine)}
    return df.drop(columns=["row"]).reset_index(drop=True), quarantine, counts, (lower, upper)


def matches_pandas(tmp):
    src = write(tmp, "messy.csv", MESSY)
    spec = write(tmp, "clean.yaml", SPEC)
    out, bad, report = (os.path.join(tmp, n) for n in ("out.csv", "bad.csv", "report.json"))
    r = run("--spec", spec, src, out, "--quarantine", bad, "--report", report, "--timing")
    assert r.returncode == 0, r.stderr
    expected, quarantine, counts, bounds = pandas_clean(src)

    got = pd.read_csv(out, keep_default_na=False, na_values=NULLS)
    assert list(got.columns) == ["id", "name", "age", "income", "city"], got.columns
    assert got["id"].tolist() == expected["id"].tolist(), (got["id"].tolist(), expected["id"].tolist())
    assert got["name"].tolist() == expected["name"].tolist()
    assert got["age"].astype("Int64").tolist() == expected["age"].tolist(), got["age"].tolist()
    np.testing.assert_allclose(got["income"].to_numpy(), expected["income"].to_numpy(), rtol=1e-15)
    assert got["city"].tolist() == expected["city"].tolist(), got["city"].tolist()

    q = pd.read_csv(bad, dtype=str, keep_default_na=False)
    assert list(q.columns) == ["row", "column", "rule", "reason", "value"], q.columns
    got_q = [(int(row), c, rule, v) for row, c, rule, v in zip(q["row"], q["column"], q["rule"], q["value"])]
    assert got_q == quarantine, (got_q, quarantine)
    assert q["reason"].tolist() == ["'x' is not an int64", "'4.5' is not an int64",
                                    "'abc' is not a float64"], q["reason"].tolist()

    rep = json.load(open(report))
    for key, value in counts.items():
        assert rep["totals"][key] == value, (key, rep["totals"][key], value)
    assert rep["input_rows"] == 12 and rep["output_rows"] == len(expected), rep
    assert [s["rule"] for s in rep["steps"]] == ["coerce", "dedup", "fill_nulls", "clip_outliers", "strings"]
    assert rep["steps"][0]["values_nulled"] == 1, rep["steps"][0]
    assert "clean: 12 rows in, %d rows out" % len(expected) in r.stdout, r.stdout
    assert "timing: read " in r.stdout and ", clean " in r.stdout, r.stdout
    note = rep["steps"][3]["notes"][0]
    lo, hi = note.split("[")[1].split("]")[0].split(", ")
    assert float(lo) == bounds[0] and float(hi) == bounds[1], (note, bounds)


def zscore_quarantine_matches_pandas(tmp):
    values = [10, 11, 9, 10, 12, 10, 11, 250, 9, 10]
    src = write(tmp, "z.csv", "x\n" + "\n".join(map(str, values)) + "\n")
    spec = write(tmp, "z.yaml", "steps:\n  - rule: clip_outliers\n    columns: [x]\n    method: zscore\n"
                 "    threshold: 2\n    action: quarantine_row\n")
    out, bad = os.path.join(tmp, "z_out.csv"), os.path.join(tmp, "z_bad.csv")
    r = run("--spec", spec, src, out, "--quarantine", bad)
    assert r.returncode == 0, r.stderr
    s = pd.Series(values, dtype=float)
    z = (s - s.mean()) / s.std()
    expected_rows = [i + 1 for i in np.flatnonzero(z.abs() > 2)]
    q = pd.read_csv(bad)
    assert q["row"].tolist() == expected_rows, (q["row"].tolist(), expected_rows)
    assert pd.read_csv(out)["x"].tolist() == [v for i, v in enumerate(values) if i + 1 not in expected_rows]


def default_quarantine_next_to_out(tmp):
    src = write(tmp, "d.csv", "a\n1\nzz\n")
    spec = write(tmp, "d.yaml", "steps:\n  - rule: coerce\n    columns: {a: int64}\n")
    out = os.path.join(tmp, "d_out.csv")
    r = run("--spec", spec, src, out)
    assert r.returncode == 0, r.stderr
    q = pd.read_csv(os.path.join(tmp, "d_out.quarantine.csv"), dtype=str)
    assert q["value"].tolist() == ["zz"], q
    assert "d_out.quarantine.csv (1 entries)" in r.stdout, r.stdout


def bad_specs_name_the_line(tmp):
    src = write(tmp, "s.csv", "a,b\n1,2\n")
    out = os.path.join(tmp, "s_out.csv")
    cases = [
        ("steps:\n  - rule: dedup\n    keep: first\n    kep: x\n", "line 4, column 5", "unknown key 'kep'"),
        ("steps:\n  - rule: polish\n", "line 2, column 11", "unknown rule 'polish'"),
        ("steps:\n  - rule: dedup\n    keys: [a\n", "clean spec line ", ""),
        ("steps:\n  - rule: clip_outliers\n    columns: [a]\n    k: [1]\n", "line 4, column 8", "'k' must be"),
        ("steps:\n  - rule: drop_nulls\n\n    columns: [nope]\n", "at spec line 2", "no column 'nope'"),
    ]
    for text, where, what in cases:
        spec = write(tmp, "bad.yaml", text)
        r = run("--spec", spec, src, out)
        assert r.returncode == 1, (text, r.returncode, r.stderr)
        assert where in r.stderr and what in r.stderr, (text, r.stderr)
        assert "bad.yaml" in r.stderr, r.stderr
        assert not os.path.exists(out), "a failed run left OUT behind"


def path_errors_leave_nothing_partial(tmp):
    src = write(tmp, "p.csv", "a\n1\n")
    spec = write(tmp, "p.yaml", "steps:\n  - rule: dedup\n")
    out = os.path.join(tmp, "p_out.csv")
    r = run("--spec", os.path.join(tmp, "missing.yaml"), src, out)
    assert r.returncode == 1 and "missing.yaml" in r.stderr, r.stderr
    r = run("--spec", spec, os.path.join(tmp, "missing.csv"), out)
    assert r.returncode == 1 and "No such file" in r.stderr, r.stderr
    r = run("--spec", spec, src, os.path.join(tmp, "out.parquet"))
    assert r.returncode == 2 and "OUT must be .csv or .tsv" in r.stderr, r.stderr
    r = run("--spec", spec, src)
    assert r.returncode == 2, r
    r = run("--spec", spec, src, os.path.join(tmp, "no", "such", "dir.csv"))
    assert r.returncode == 1 and "No such file" in r.stderr, r.stderr
    # OUT exists from before; the quarantine cannot be written: OUT must stay as it was.
    with open(out, "w") as f:
        f.write("old\n")
    r = run("--spec", spec, src, out, "--quarantine", os.path.join(tmp, "no", "bad.csv"))
    assert r.returncode == 1, r.stderr
    assert open(out).read() == "old\n", "OUT was replaced although a write failed"
    leftovers = [n for n in os.listdir(tmp) if ".tmp-" in n]
    assert not leftovers, leftovers
    # And a good run in TSV.
    tsv_out = os.path.join(tmp, "p_out.tsv")
    r = run("--spec", spec, write(tmp, "p.tsv", "a\tb\n1\tx y\n1\tx y\n"), tsv_out)
    assert r.returncode == 0, r.stderr
    assert open(tsv_out).read() == "a\tb\n1\tx y\n", open(tsv_out).read()


def main():
    checks = Checks()
    tmp = tempfile.mkdtemp(prefix="strata-data-clean-")
    checks.run("data clean: messy CSV matches pandas", matches_pandas, tmp)
    checks.run("data clean: z-score quarantine matches pandas", zscore_quarantine_matches_pandas, tmp)
    checks.run("data clean: default quarantine path", default_quarantine_next_to_out, tmp)
    checks.run("data clean: bad specs name the YAML line", bad_specs_name_the_line, tmp)
    checks.run("data clean: path errors, no partial OUT", path_errors_leave_nothing_partial, tmp)
    checks.finish()


if __name__ == "__main__":
    main()
