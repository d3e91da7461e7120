"""`strata data fit-transform` / `strata data transform` against scikit-learn.

Fits a pipeline with the CLI on a training CSV, applies it to a test CSV (with categories the
training data never saw), and compares every output column with scikit-learn's
StandardScaler, MinMaxScaler, SimpleImputer(median), OneHotEncoder(handle_unknown='ignore'),
OrdinalEncoder and KBinsDiscretizer(uniform|quantile, encode='ordinal') fitted on the same
training data, to 1e-9 relative. Needs Debian's python3-sklearn (scripts/install-deps.sh).
"""
import json
import os
import subprocess
import tempfile
import warnings

import numpy as np
import pandas as pd

from harness import STRATA_BIN, Checks

SPEC = {"steps": [
    {"kind": "imputer", "columns": ["age"], "strategy": "median"},
    {"kind": "standard_scaler", "columns": ["income", "score"]},
    {"kind": "min_max_scaler", "columns": ["score2"], "feature_range": [-2, 3]},
    {"kind": "one_hot", "columns": ["city"], "handle_unknown": "ignore"},
    {"kind": "ordinal", "columns": ["name"], "unknown_value": -1},
    {"kind": "bucketize", "columns": ["u"], "strategy": "uniform", "n_bins": 6},
    {"kind": "bucketize", "columns": ["q"], "strategy": "quantile", "n_bins": 5},
]}


def run(*args):
    return subprocess.run([STRATA_BIN, "data", *args], capture_output=True, text=True, timeout=300)


def make_frame(rows, seed, unseen):
    rng = np.random.default_rng(seed)
    cities = np.array(["paris", "rome", "oslo", "lima", "kyiv", "new york, ny"])
    df = pd.DataFrame({
        "id": np.arange(rows),
        "age": np.where(rng.random(rows) < 0.1, np.nan, rng.normal(40, 12, rows)),
        "income": rng.integers(0, 1_000_000, rows),
        "score": np.where(rng.random(rows) < 0.05, np.nan, rng.normal(0, 1, rows) * 1e3),
        "score2": rng.random(rows) * 7 - 2,
        "city": cities[rng.integers(0, len(cities), rows)],
        "name": np.array([f"n{i}" for i in rng.integers(0, 60, rows)]),
        "u": rng.random(rows) * 100,
        "q": rng.lognormal(0, 1, rows),
    })
    if unseen:
        df.loc[df.index % 7 == 3, "city"] = "atlantis"
        df.loc[df.index % 11 == 5, "name"] = "zz_unseen"
    return df


def sklearn_reference(train, test):
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import (KBinsDiscretizer, MinMaxScaler, OneHotEncoder,
                                       OrdinalEncoder, StandardScaler)
    out = {}
    out["age"] = SimpleImputer(strategy="median").fit(train[["age"]]).transform(test[["age"]])[:, 0]
    for col in ("income", "score"):
        out[col] = StandardScaler().fit(train[[col]].astype(float)).transform(
            test[[col]].astype(float))[:, 0]
    out["score2"] = MinMaxScaler(feature_range=(-2, 3)).fit(train[["score2"]]).transform(
        test[["score2"]])[:, 0]
    enc = OneHotEncoder(handle_unknown="ignore", sparse_output=False).fit(train[["city"]])
    hot = enc.transform(test[["city"]])
    for i, cat in enumerate(enc.categories_[0]):
        out[f"city={cat}"] = hot[:, i]
    out["name"] = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1).fit(
        train[["name"]]).transform(test[["name"]])[:, 0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out["u"] = KBinsDiscretizer(n_bins=6, encode="ordinal", strategy="uniform").fit(
            train[["u"]]).transform(test[["u"]])[:, 0]
        out["q"] = KBinsDiscretizer(n_bins=5, encode="ordinal", strategy="quantile").fit(
            train[["q"]]).transform(test[["q"]])[:, 0]
    return out


def write_csv(df, path):
    # %.17g keeps every double exact, so both sides see the same inputs.
    df.to_csv(path, index=False, float_format="%.17g")


def matches_sklearn(tmp):
    train, test = make_frame(3000, 1, False), make_frame(2000, 2, True)
    train_csv, test_csv = os.path.join(tmp, "train.csv"), os.path.join(tmp, "test.csv")
    write_csv(train, train_csv)
    write_csv(test, test_csv)
    spec = os.path.join(tmp, "spec.json")
    with open(spec, "w") as f:
        json.dump(SPEC, f)
    pipeline, out_csv = os.path.join(tmp, "fitted.json"), os.path.join(tmp, "out.csv")
    r = run("fit-transform", "--spec", spec, train_csv, "--pipeline", pipeline, "--timing")
    assert r.returncode == 0, r.stderr
    assert "fitted 7 steps on 3000 rows" in r.stdout, r.stdout
    assert "step 2: standard_scaler" in r.stdout and "income: mean=" in r.stdout, r.stdout
    assert "timing: read" in r.stdout, r.stdout
    r = run("transform", "--pipeline", pipeline, test_csv, out_csv)
    assert r.returncode == 0, r.stderr
    got = pd.read_csv(out_csv, keep_default_na=False, na_values=[""])
    want = sklearn_reference(train, test)
    expected_columns = ["id", "age", "income", "score", "score2"] + \
        [c for c in want if c.startswith("city=")] + ["name", "u", "q"]
    assert list(got.columns) == expected_columns, list(got.columns)
    for col, values in want.items():
        np.testing.assert_allclose(got[col].to_numpy(dtype=float), values, rtol=1e-9, atol=1e-12,
                                   equal_nan=True, err_msg=col)
    assert got["score"].isna().sum() == test["score"].isna().sum() > 0  # nulls propagate
    assert (got["name"] == -1).sum() == (test["name"] == "zz_unseen").sum() > 0
    atlantis = test["city"] == "atlantis"
    assert got.loc[atlantis, [c for c in got.columns if c.startswith("city=")]].to_numpy().sum() == 0
    # Reading the fitted pipeline back and writing the training output from fit-transform
    # gives the same numbers as transform does (one code path).
    train_out = os.path.join(tmp, "train_out.csv")
    r = run("fit-transform", "--spec", spec, train_csv, "--pipeline", pipeline, "--out", train_out)
    assert r.returncode == 0, r.stderr
    r = run("transform", "--pipeline", pipeline, train_csv, os.path.join(tmp, "train_out2.csv"))
    assert r.returncode == 0, r.stderr
    with open(train_out) as a, open(os.path.join(tmp, "train_out2.csv")) as b:
        assert a.read() == b.read()


def yaml_spec_and_target(tmp):
    csv = os.path.join(tmp, "t.csv")
    with open(csv, "w") as f:
        f.write("c,y,x\na,1,1\na,0,2\nb,1,\n\"b, c\",1,4\n")
    spec = os.path.join(tmp, "spec.yaml")
    with open(spec, "w") as f:
        f.write("steps:\n  - kind: target_encoder\n    columns: [c]\n"
                "  - kind: imputer\n    columns: [x]\n    strategy: constant\n    fill_value: -1\n")
    pipeline = os.path.join(tmp, "p.json")
    r = run("fit-transform", "--spec", spec, csv, "--pipeline", pipeline)
    assert r.returncode == 1 and "needs a target column" in r.stderr, r
    r = run("fit-transform", "--spec", spec, csv, "--pipeline", pipeline, "--target", "y")
    assert r.returncode == 0, r.stderr
    with open(pipeline) as f:
        fitted = json.load(f)
    assert fitted["format_version"] == 1 and fitted["steps"][0]["fitted"]["c"]["global_mean"] == 0.75
    out = os.path.join(tmp, "o.csv")
    r = run("transform", "--pipeline", pipeline, csv, out, "--bench-row", "4")
    assert r.returncode == 0, r.stderr
    assert "row latency:" in r.stdout, r.stdout
    got = pd.read_csv(out)
    # a: (1 + 0 + 0.75) / 3; b: (1 + 0.75) / 2; "b, c": (1 + 0.75) / 2
    np.testing.assert_allclose(got["c"], [1.75 / 3, 1.75 / 3, 0.875, 0.875], rtol=1e-12)
    assert list(got["x"]) == [1, 2, -1, 4]


def errors(tmp):
    csv = os.path.join(tmp, "e.csv")
    with open(csv, "w") as f:
        f.write("a,b\n1,x\n2,y\n")
    spec = os.path.join(tmp, "bad.json")
    with open(spec, "w") as f:
        f.write('{"steps": [{"kind": "standard_scaler", "columns": ["a"], "with_mena": true}]}')
    r = run("fit-transform", "--spec", spec, csv, "--pipeline", os.path.join(tmp, "x.json"))
    assert r.returncode == 1 and "step 1 (standard_scaler): unknown field 'with_mena'" in r.stderr, r
    with open(spec, "w") as f:
        f.write('{"steps": [{"kind": "one_hot", "columns": ["zz"]}]}')
    r = run("fit-transform", "--spec", spec, csv, "--pipeline", os.path.join(tmp, "x.json"))
    assert r.returncode == 1 and "column 'zz' is not in the input (columns: a, b)" in r.stderr, r
    with open(spec, "w") as f:
        f.write('{"steps": [{"kind": "one_hot", "columns": ["b"]}]}')
    pipeline = os.path.join(tmp, "ok.json")
    assert run("fit-transform", "--spec", spec, csv, "--pipeline", pipeline).returncode == 0
    with open(os.path.join(tmp, "new.csv"), "w") as f:
        f.write("a,b\n1,x\n2,w\n")
    r = run("transform", "--pipeline", pipeline, os.path.join(tmp, "new.csv"), os.path.join(tmp, "o.csv"))
    assert r.returncode == 1 and "row 1: unknown category 'w'" in r.stderr, r
    with open(os.path.join(tmp, "garbage.json"), "w") as f:
        f.write('{"format": "strata.transform_pipeline", "format_version": 9, "steps": []}')
    r = run("transform", "--pipeline", os.path.join(tmp, "garbage.json"), csv, os.path.join(tmp, "o.csv"))
    assert r.returncode == 1 and "version 9 is not supported" in r.stderr, r
    # Usage errors: CLI11's own exit code for a missing positional (cli.cc maps parse errors
    # through app.exit), our 2 for a missing OUTPUT without --bench-row.
    r = run("transform", "--pipeline", pipeline)
    assert r.returncode not in (0, 1) and "input is required" in r.stderr, r
    r = run("transform", "--pipeline", pipeline, csv)
    assert r.returncode == 2 and "give OUTPUT" in r.stderr, r


def one_column_nulls_and_formats(tmp):
    """A one-column output keeps its null rows (the old stop-gap writer wrote them as empty
    lines, which readers skip), and the output format follows the extension."""
    csv = os.path.join(tmp, "one.csv")
    with open(csv, "w") as f:
        f.write("x\n1\nNA\n3\n")
    spec = os.path.join(tmp, "one.json")
    with open(spec, "w") as f:
        json.dump({"steps": [{"kind": "standard_scaler", "columns": ["x"]}]}, f)
    pipeline = os.path.join(tmp, "one_p.json")
    out = os.path.join(tmp, "one_out.csv")
    r = run("fit-transform", "--spec", spec, csv, "--pipeline", pipeline, "--out", out)
    assert r.returncode == 0, r.stderr
    got = pd.read_csv(out)
    assert len(got) == 3 and got["x"].isna().tolist() == [False, True, False], open(out).read()
    np.testing.assert_allclose(got["x"][[0, 2]], [-1.0, 1.0], rtol=1e-12)
    jsonl = os.path.join(tmp, "one_out.jsonl")
    r = run("transform", "--pipeline", pipeline, csv, jsonl)
    assert r.returncode == 0, r.stderr
    with open(jsonl) as f:
        rows = [json.loads(line) for line in f]
    assert [row["x"] is None for row in rows] == [False, True, False], rows
    other = os.path.join(tmp, "one_out.data")  # any other name is CSV, as before
    r = run("transform", "--pipeline", pipeline, csv, other)
    assert r.returncode == 0, r.stderr
    assert len(pd.read_csv(other)) == 3


def main():
    checks = Checks()
    tmp = tempfile.mkdtemp(prefix="strata-transforms-")
    checks.run("fit-transform + transform match scikit-learn", matches_sklearn, tmp)
    checks.run("YAML spec, target encoding, --bench-row", yaml_spec_and_target, tmp)
    checks.run("errors name the step, field, column and row", errors, tmp)
    checks.run("one-column nulls survive; output format by extension", one_column_nulls_and_formats,
               tmp)
    checks.finish()


if __name__ == "__main__":
    main()
