"""`strata models import|predict|register` on models trained by python xgboost 1.7: every
prediction of the imported package must equal xgboost's own to 1e-6 (binary, multiclass,
regression, NaN inputs, random forests, Poisson; JSON and UBJSON files), and bad model files
are refused with a message naming the problem."""
import os
import re
import subprocess
import tempfile

import numpy as np
import pandas as pd
import xgboost as xgb

from harness import STRATA_BIN, Checks

ROWS, FEATURES = 3000, 6


def strata(*args):
    return subprocess.run([STRATA_BIN, "models", *args], capture_output=True, text=True,
                          timeout=300)


def data(seed, nan_fraction=0.05):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(ROWS, FEATURES)).astype(np.float32)
    x[rng.random(size=x.shape) < nan_fraction] = np.nan
    return x


def write_inputs(tmp, name, x, nullable=True):
    """CSV of x (float32 values written exactly as doubles; NaN as an empty cell) and the
    signature listing its columns."""
    cols = [f"f{i}" for i in range(x.shape[1])]
    frame = pd.DataFrame({c: x[:, i].astype(np.float64) for i, c in enumerate(cols)})
    csv = os.path.join(tmp, f"{name}.csv")
    frame.to_csv(csv, index=False, float_format="%.17g", na_rep="")
    sig = os.path.join(tmp, f"{name}.yaml")
    with open(sig, "w") as f:
        f.write("inputs:\n")
        for c in cols:
            f.write(f"  - {{name: {c}, type: float64, nullable: {'true' if nullable else 'false'}}}\n")
    return csv, sig


def import_and_predict(tmp, name, booster, x, ext):
    model = os.path.join(tmp, f"{name}.{ext}")
    booster.save_model(model)
    csv, sig = write_inputs(tmp, name, x)
    pkg = os.path.join(tmp, f"{name}-{ext}-pkg")
    r = strata("import", "--flavor", "xgboost", model, "--signature", sig, "--out", pkg)
    assert r.returncode == 0, r.stderr
    for f in ("MLmodel.json", "predictor.json", f"xgboost_model.{ext}"):
        assert os.path.exists(os.path.join(pkg, f)), os.listdir(pkg)
    out = os.path.join(tmp, f"{name}-{ext}-out.csv")
    r = strata("predict", "--model", pkg, "--data", csv, "--out", out, "--threads", "2")
    assert r.returncode == 0, r.stderr
    return pd.read_csv(out).to_numpy(dtype=np.float64), pkg


def assert_close(strata_out, xgb_out, what):
    xgb_out = np.asarray(xgb_out, dtype=np.float64).reshape(strata_out.shape)
    diff = np.max(np.abs(strata_out - xgb_out))
    assert diff <= 1e-6, f"{what}: max |strata - xgboost| = {diff}"


def train(params, x, y, rounds, feature_names=None):
    params = {"nthread": 2, "tree_method": "hist", **params}
    return xgb.train(params, xgb.DMatrix(x, label=y, missing=np.nan, feature_names=feature_names),
                     num_boost_round=rounds)


def binary(tmp):
    x = data(1)
    y = (np.nan_to_num(x[:, 0]) + np.nan_to_num(x[:, 1]) ** 2 > 0.8).astype(np.float32)
    b = train({"objective": "binary:logistic", "max_depth": 6, "eta": 0.3}, x, y, 40,
              feature_names=[f"f{i}" for i in range(FEATURES)])
    for ext in ("json", "ubj"):
        out, _ = import_and_predict(tmp, "binary", b, x, ext)
        assert_close(out, b.inplace_predict(x, missing=np.nan), f"binary {ext}")


def multiclass(tmp):
    x = data(2)
    y = (np.digitize(np.nan_to_num(x[:, 2]), [-0.5, 0.5])).astype(np.float32)
    b = train({"objective": "multi:softprob", "num_class": 3, "max_depth": 5}, x, y, 25)
    for ext in ("json", "ubj"):
        out, _ = import_and_predict(tmp, "multi", b, x, ext)
        assert out.shape == (ROWS, 3), out.shape
        assert_close(out, b.inplace_predict(x, missing=np.nan), f"multiclass {ext}")
    # multi:softmax: xgboost answers the class; the package answers its probabilities.
    s = train({"objective": "multi:softmax", "num_class": 3, "max_depth": 4}, x, y, 10)
    out, _ = import_and_predict(tmp, "softmax", s, x, "json")
    margins = s.predict(xgb.DMatrix(x, missing=np.nan), output_margin=True).astype(np.float64)
    e = np.exp(margins - margins.max(axis=1, keepdims=True))
    assert_close(out, e / e.sum(axis=1, keepdims=True), "softmax probabilities")
    assert (out.argmax(axis=1) == s.predict(xgb.DMatrix(x, missing=np.nan))).all()


def regression(tmp):
    x = data(3)
    y = (100 + 20 * np.nan_to_num(x[:, 3]) - 7 * np.nan_to_num(x[:, 4])).astype(np.float32)
    b = train({"objective": "reg:squarederror", "max_depth": 8, "eta": 0.1}, x, y, 60)
    for ext in ("json", "ubj"):
        out, _ = import_and_predict(tmp, "reg", b, x, ext)
        assert_close(out, b.inplace_predict(x, missing=np.nan), f"regression {ext}")


def random_forest(tmp):
    x = data(4)
    y = (np.nan_to_num(x[:, 0]) * np.nan_to_num(x[:, 5]) > 0).astype(np.float32)
    b = train({"objective": "binary:logistic", "num_parallel_tree": 8, "subsample": 0.8,
               "colsample_bynode": 0.7, "eta": 1.0, "max_depth": 7}, x, y, 2)
    out, _ = import_and_predict(tmp, "rf", b, x, "ubj")
    assert_close(out, b.inplace_predict(x, missing=np.nan), "random forest")


def poisson(tmp):
    x = data(5)
    rng = np.random.default_rng(0)
    y = rng.poisson(np.exp(0.5 * np.nan_to_num(x[:, 1]))).astype(np.float32)
    b = train({"objective": "count:poisson", "max_depth": 4}, x, y, 30)
    out, _ = import_and_predict(tmp, "poisson", b, x, "json")
    assert_close(out, b.inplace_predict(x, missing=np.nan), "poisson")


def bad_files(tmp):
    x = data(6)
    y = (np.nan_to_num(x[:, 0]) > 0).astype(np.float32)
    b = train({"objective": "binary:logistic", "max_depth": 3}, x, y, 3)
    csv, sig = write_inputs(tmp, "bad", x)
    good = os.path.join(tmp, "bad.ubj")
    b.save_model(good)
    raw = open(good, "rb").read()
    truncated = os.path.join(tmp, "truncated.ubj")
    open(truncated, "wb").write(raw[: len(raw) // 2])
    r = strata("import", truncated, "--signature", sig, "--out", os.path.join(tmp, "t-pkg"))
    assert r.returncode == 1 and re.search(r"UBJSON byte offset \d+", r.stderr), r.stderr
    assert not os.path.exists(os.path.join(tmp, "t-pkg"))
    j = os.path.join(tmp, "bad.json")
    b.save_model(j)
    text = open(j).read().replace('"split_indices":[0', '"split_indices":[99', 1)
    open(j, "w").write(text)
    r = strata("import", j, "--signature", sig, "--out", os.path.join(tmp, "j-pkg"))
    assert r.returncode == 1 and "split_indices[0]: feature 99 is not in [0, 6)" in r.stderr, \
        r.stderr
    d = train({"objective": "binary:logistic", "booster": "dart", "max_depth": 3}, x, y, 3)
    dart = os.path.join(tmp, "dart.json")
    d.save_model(dart)
    r = strata("import", dart, "--signature", sig, "--out", os.path.join(tmp, "d-pkg"))
    assert r.returncode == 1 and "dart" in r.stderr, r.stderr
    short_sig = os.path.join(tmp, "short.yaml")
    open(short_sig, "w").write("inputs:\n  - {name: f0, type: float64}\n")
    r = strata("import", good, "--signature", short_sig, "--out", os.path.join(tmp, "s-pkg"))
    assert r.returncode == 1 and "lists 1 inputs; the model has 6 features" in r.stderr, r.stderr
    r = strata("import", "--flavor", "sklearn", good, "--signature", sig, "--out",
               os.path.join(tmp, "f-pkg"))
    assert r.returncode == 2, r


def register(tmp):
    x = data(7)
    y = (np.nan_to_num(x[:, 0]) > 0).astype(np.float32)
    b = train({"objective": "binary:logistic", "max_depth": 3}, x, y, 5)
    _, pkg = import_and_predict(tmp, "reg-me", b, x, "json")
    home = os.path.join(tmp, "home")
    r = strata("register", pkg, "churn", "--home", home)
    assert r.returncode == 0, r.stderr
    m = re.search(r"registered churn version 1 \(source runs:/(\w+)/model\)", r.stdout)
    assert m, r.stdout
    # The run now holds the package: registering the run id makes version 2.
    r = strata("register", m.group(1), "churn", "--home", home)
    assert r.returncode == 0 and "registered churn version 2" in r.stdout, (r.stdout, r.stderr)
    r = strata("register", "no-such-run", "churn", "--home", home)
    assert r.returncode == 1, r


def main():
    checks = Checks()
    tmp = tempfile.mkdtemp(prefix="strata-xgb-import-")
    checks.run("binary (json, ubj, NaN, feature names)", binary, tmp)
    checks.run("multiclass softprob and softmax", multiclass, tmp)
    checks.run("regression", regression, tmp)
    checks.run("random forest (num_parallel_tree 8)", random_forest, tmp)
    checks.run("count:poisson", poisson, tmp)
    checks.run("bad model files", bad_files, tmp)
    checks.run("register a package and a run", register, tmp)
    checks.finish()


if __name__ == "__main__":
    main()
