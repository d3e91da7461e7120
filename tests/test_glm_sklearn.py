"""GLM fits against scikit-learn (issue 4): the loss Strata's FitGlm reaches must match
scikit-learn's optimum to 1e-6 relative on the same data and regularisation.

Runs strata_glm_fit (built beside the strata binary named by STRATA_BIN) on data written once
with numpy, and compares with LogisticRegression(solver="lbfgs") (binary and multinomial, with
and without sample weights and intercept), Ridge (alpha = 1 / C) and LinearRegression, each run
with tol 1e-10 and a high max_iter so its optimum is the reference. Every loss is computed by
numpy from the returned coefficients with the same formula, so neither side grades itself. The
L1 fit is checked by its optimality conditions (sklearn has no lbfgs L1 to compare with). Bad
input must fail with exit 1 and a message naming the row.

Run: STRATA_BIN=build/asan/strata /usr/bin/python3 tests/test_glm_sklearn.py
"""
import json
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge

STRATA_BIN = os.environ.get("STRATA_BIN", "build/release/strata")
GLM_BIN = os.path.join(os.path.dirname(os.path.abspath(STRATA_BIN)), "strata_glm_fit")
TMP = tempfile.mkdtemp(prefix="strata-glm-test-")
FAILURES = []
PASSED = 0


def check(name, ok, detail=""):
    global PASSED
    if ok:
        PASSED += 1
        print(f"ok   {name} {detail}", flush=True)
    else:
        FAILURES.append(name)
        print(f"FAIL {name} {detail}", flush=True)


def write(name, array):
    path = os.path.join(TMP, name)
    np.ascontiguousarray(array, dtype=np.float64).tofile(path)
    return path


def fit(x, y, w=None, extra=(), expect_fail=False):
    args = [GLM_BIN, "--x", write("x.f64", x), "--y", write("y.f64", y),
            "--rows", str(x.shape[0]), "--cols", str(x.shape[1]), "--tol", "1e-10",
            "--ftol", "1e-15", "--max-iter", "5000"] + list(extra)
    if w is not None:
        args += ["--w", write("w.f64", w)]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=600)
    if expect_fail:
        return proc
    if proc.returncode != 0:
        raise RuntimeError(f"strata_glm_fit failed ({proc.returncode}): {proc.stderr}")
    out = json.loads(proc.stdout)
    out["coef"] = np.array(out["coefficients"]).reshape(out["num_outputs"], x.shape[1])
    out["intercept"] = np.array(out["intercepts"])
    return out


def data_loss(family, x, y, w, coef, intercept):
    z = x @ np.atleast_2d(coef).T + intercept
    sw = np.ones(len(y)) if w is None else w
    if family == "binomial":
        z = z[:, 0]
        rows = np.logaddexp(0, z) - y * z
    elif family == "multinomial":
        top = z.max(axis=1, keepdims=True)
        rows = top[:, 0] + np.log(np.exp(z - top).sum(axis=1)) - z[np.arange(len(y)),
                                                                  y.astype(int)]
    else:
        rows = 0.5 * (z[:, 0] - y) ** 2
    return float(np.sum(sw * rows))


def l2_loss(family, x, y, w, coef, intercept, C):
    return C * data_loss(family, x, y, w, coef, intercept) + 0.5 * float(np.sum(coef ** 2))


def make_classification(rows, cols, classes, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, cols)) * rng.uniform(0.5, 2.0, cols) + rng.normal(0, 1, cols)
    if classes == 2:
        z = x @ (rng.standard_normal(cols) / np.sqrt(cols)) + 0.4
        y = (rng.random(rows) < 1 / (1 + np.exp(-z))).astype(np.float64)
    else:
        z = x @ (rng.standard_normal((cols, classes)) / np.sqrt(cols))
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        y = (p.cumsum(axis=1) < rng.random(rows)[:, None]).sum(axis=1).clip(0, classes - 1)
        y = y.astype(np.float64)
    return x, y


def sklearn_logistic(x, y, w, C, fit_intercept):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = LogisticRegression(C=C, solver="lbfgs", tol=1e-10, max_iter=100000,
                                   fit_intercept=fit_intercept)
        model.fit(x, y.astype(int), sample_weight=w)
    return model.coef_, model.intercept_


def rel(a, b):
    return abs(a - b) / max(abs(b), 1e-300)


def test_logistic():
    cases = [("binary", 2, 1.0, True, False), ("binary-weighted", 2, 0.05, True, True),
             ("binary-no-intercept", 2, 10.0, False, False),
             ("multinomial", 4, 1.0, True, False), ("multinomial-weighted", 3, 0.3, True, True),
             ("multinomial-no-intercept", 5, 2.0, False, False)]
    for seed, (name, classes, C, intercept, weighted) in enumerate(cases):
        x, y = make_classification(3000, 12, classes, seed)
        w = np.random.default_rng(100 + seed).uniform(0.2, 3.0, len(y)) if weighted else None
        family = "binomial" if classes == 2 else "multinomial"
        extra = ["--family", family, "--C", str(C)] + ([] if intercept else ["--no-intercept"])
        ours = fit(x, y, w, extra)
        sk_coef, sk_b = sklearn_logistic(x, y, w, C, intercept)
        ours_loss = l2_loss(family, x, y, w, ours["coef"], ours["intercept"], C)
        sk_loss = l2_loss(family, x, y, w, sk_coef, sk_b, C)
        check(f"logistic {name}: loss within 1e-6 of sklearn", rel(ours_loss, sk_loss) <= 1e-6,
              f"strata {ours_loss:.12g} sklearn {sk_loss:.12g} rel {rel(ours_loss, sk_loss):.2e}")
        check(f"logistic {name}: reported loss is the loss of the coefficients",
              rel(ours["loss"], ours_loss) <= 1e-9, f"{ours['loss']:.12g} vs {ours_loss:.12g}")
        check(f"logistic {name}: not worse than sklearn", ours_loss <= sk_loss * (1 + 1e-9))
        hist = ours["loss_history"]
        check(f"logistic {name}: loss history decreases to the loss",
              len(hist) == ours["iterations"] + 1 and all(b <= a for a, b in zip(hist, hist[1:]))
              and rel(hist[-1], ours["loss"]) < 1e-12)


def test_regression():
    rng = np.random.default_rng(11)
    x = rng.standard_normal((2000, 9)) * rng.uniform(0.5, 3, 9)
    y = x @ rng.standard_normal(9) + 1.5 + rng.standard_normal(2000)
    for C in (0.01, 1.0):
        ours = fit(x, y, None, ["--family", "gaussian", "--C", str(C)])
        ridge = Ridge(alpha=1.0 / C, tol=1e-12, solver="cholesky").fit(x, y)
        ours_loss = l2_loss("gaussian", x, y, None, ours["coef"], ours["intercept"], C)
        sk_loss = l2_loss("gaussian", x, y, None, ridge.coef_, ridge.intercept_, C)
        check(f"ridge C={C}: loss within 1e-6 of sklearn Ridge", rel(ours_loss, sk_loss) <= 1e-6,
              f"rel {rel(ours_loss, sk_loss):.2e}")
    w = rng.uniform(0.5, 2, 2000)
    ours = fit(x, y, w, ["--family", "gaussian", "--penalty", "none"])
    ols = LinearRegression().fit(x, y, sample_weight=w)
    ours_loss = data_loss("gaussian", x, y, w, ours["coef"], ours["intercept"])
    sk_loss = data_loss("gaussian", x, y, w, ols.coef_, ols.intercept_)
    check("weighted least squares: loss within 1e-6 of LinearRegression",
          rel(ours_loss, sk_loss) <= 1e-6, f"rel {rel(ours_loss, sk_loss):.2e}")
    check("least squares: coefficients match LinearRegression",
          np.max(np.abs(ours["coef"][0] - ols.coef_)) < 1e-5)


def test_l1_optimality():
    x, y = make_classification(2000, 15, 2, 21)
    C = 0.02
    ours = fit(x, y, None, ["--family", "binomial", "--penalty", "l1", "--C", str(C)])
    coef, b = ours["coef"][0], ours["intercept"][0]
    z = x @ coef + b
    grad = C * (x.T @ (1 / (1 + np.exp(-z)) - y))  # gradient of C * sum(log loss)
    zero = coef == 0
    check("l1: some coefficients are exactly zero", zero.sum() >= 1, f"{zero.sum()} zeros")
    check("l1: nonzero coefficients satisfy grad = -sign(w)",
          np.all(np.abs(grad[~zero] + np.sign(coef[~zero])) < 1e-6))
    check("l1: zero coefficients satisfy |grad| <= 1", np.all(np.abs(grad[zero]) <= 1 + 1e-6))
    check("l1: reported loss is C*sum + ||w||_1",
          rel(ours["loss"], C * data_loss("binomial", x, y, None, coef, b) + np.abs(coef).sum())
          < 1e-9)


def test_bad_input():
    x, y = make_classification(100, 3, 2, 3)
    y_bad = y.copy()
    y_bad[17] = 2
    proc = fit(x, y_bad, None, ["--family", "binomial"], expect_fail=True)
    check("label 2 for binomial fails naming row 17",
          proc.returncode == 1 and "row 17" in proc.stderr, proc.stderr.strip())
    x_bad = x.copy()
    x_bad[42, 1] = np.nan
    proc = fit(x_bad, y, None, [], expect_fail=True)
    check("NaN feature fails naming row 42, column 1",
          proc.returncode == 1 and "row 42, column 1" in proc.stderr, proc.stderr.strip())
    proc = fit(x, y, -np.ones(100), [], expect_fail=True)
    check("negative weight fails naming row 0",
          proc.returncode == 1 and "row 0" in proc.stderr, proc.stderr.strip())
    proc = fit(x, y, None, ["--C", "0"], expect_fail=True)
    check("C=0 fails", proc.returncode == 1 and "C must be" in proc.stderr, proc.stderr.strip())
    args = [GLM_BIN, "--x", write("short.f64", x[:50]), "--y", write("y.f64", y), "--rows",
            "100", "--cols", "3"]
    proc = subprocess.run(args, capture_output=True, text=True)
    check("a short feature file fails with its size", proc.returncode == 1 and
          "expected 2400" in proc.stderr, proc.stderr.strip())


def main():
    if not os.path.exists(GLM_BIN):
        print(f"FAIL strata_glm_fit not found at {GLM_BIN} (build it: ninja strata_glm_fit)")
        sys.exit(1)
    for test in (test_logistic, test_regression, test_l1_optimality, test_bad_input):
        try:
            test()
        except Exception as e:  # a crash in one group is reported, the rest still run
            FAILURES.append(test.__name__)
            print(f"FAIL {test.__name__}: {e!r}", flush=True)
    print(f"{PASSED} passed, {len(FAILURES)} failed")
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()
