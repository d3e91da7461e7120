"""GLM training benchmark (issue 4): Strata's FitGlm beside scikit-learn's lbfgs in one run.

Data: N rows (default 500,000) x F features (default 50), float64, X ~ N(0, 1), labels drawn
from a logistic model (binary) or a softmax model (--classes K > 2), generated once with a
fixed seed and written to raw float64 files that both sides read; only the fit is timed.
  * Strata: build/release/strata_glm_fit (train/glm.h FitGlm, both cores), best of --repeat
  * scikit-learn 1.2 (Debian, OpenBLAS): LogisticRegression(solver="lbfgs"), best of --repeat
Both use the same C, tol and max_iter. Wall time and CPU time (all threads) of the fit are
printed: the machine is shared, and CPU time is the steadier figure under load. Each side's loss, C * sum(log loss) + 0.5 * ||w||^2, is
computed by numpy from the returned coefficients, so "equal loss" is checked, not assumed.

Usage: /usr/bin/python3 bench/glm_bench.py [--strata-glm build/release/strata_glm_fit]
         [--rows N] [--cols F] [--classes K] [--C 1.0] [--tol 1e-4] [--repeat 3]
"""
import argparse
import json
import os
import subprocess
import tempfile
import time

import numpy as np


def make_data(rows, cols, classes, seed=7):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, cols))
    if classes == 2:
        w = rng.standard_normal(cols) / np.sqrt(cols) * 2
        p = 1 / (1 + np.exp(-(x @ w + 0.3)))
        y = (rng.random(rows) < p).astype(np.float64)
    else:
        w = rng.standard_normal((cols, classes)) / np.sqrt(cols) * 2
        z = x @ w
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        u = rng.random(rows)[:, None]
        y = (p.cumsum(axis=1) < u).sum(axis=1).clip(0, classes - 1).astype(np.float64)
    return x, y


def logistic_loss(x, y, coef, intercept, C):
    """C * sum(log loss) + 0.5 * ||coef||^2 (intercept not penalised)."""
    coef = np.atleast_2d(coef)
    z = x @ coef.T + intercept
    if coef.shape[0] == 1:
        z = z[:, 0]
        data = np.sum(np.logaddexp(0, z) - y * z)
    else:
        top = z.max(axis=1, keepdims=True)
        lse = top[:, 0] + np.log(np.exp(z - top).sum(axis=1))
        data = np.sum(lse - z[np.arange(len(y)), y.astype(int)])
    return C * data + 0.5 * np.sum(coef * coef)


def run_strata(binary, xf, yf, rows, cols, classes, C, tol, max_iter, repeat):
    family = "binomial" if classes == 2 else "multinomial"
    args = [binary, "--x", xf, "--y", yf, "--rows", str(rows), "--cols", str(cols),
            "--family", family, "--C", str(C), "--tol", str(tol), "--max-iter", str(max_iter),
            "--repeat", str(repeat)]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata-glm", default="build/release/strata_glm_fit")
    ap.add_argument("--rows", type=int, default=500000)
    ap.add_argument("--cols", type=int, default=50)
    ap.add_argument("--classes", type=int, default=2)
    ap.add_argument("--C", type=float, default=1.0)
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--max-iter", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    from sklearn.linear_model import LogisticRegression
    import sklearn
    try:
        from threadpoolctl import threadpool_info
        blas = ", ".join(f"{i['internal_api']} {i.get('version')} {i.get('architecture')} "
                         f"x{i['num_threads']}" for i in threadpool_info())
    except ImportError:
        blas = "unknown"

    tmp = tempfile.mkdtemp(prefix="strata-glm-bench-")
    x, y = make_data(args.rows, args.cols, args.classes)
    xf, yf = os.path.join(tmp, "x.f64"), os.path.join(tmp, "y.f64")
    np.ascontiguousarray(x).tofile(xf)
    y.tofile(yf)
    print(f"data: {args.rows} x {args.cols}, {args.classes} classes, C={args.C}, "
          f"tol={args.tol}, max_iter={args.max_iter}; sklearn {sklearn.__version__} ({blas})")

    strata = run_strata(args.strata_glm, xf, yf, args.rows, args.cols, args.classes, args.C,
                        args.tol, args.max_iter, args.repeat)
    coef = np.array(strata["coefficients"]).reshape(strata["num_outputs"], args.cols)
    strata_loss = logistic_loss(x, y, coef, np.array(strata["intercepts"]), args.C)

    best = best_cpu = None
    labels = y.astype(int)
    for _ in range(args.repeat):
        model = LogisticRegression(C=args.C, solver="lbfgs", tol=args.tol,
                                   max_iter=args.max_iter)
        start, cpu_start = time.perf_counter(), time.process_time()
        model.fit(x, labels)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        best = seconds if best is None else min(best, seconds)
        best_cpu = cpu if best_cpu is None else min(best_cpu, cpu)
    sk_loss = logistic_loss(x, y, model.coef_, model.intercept_, args.C)

    rel = (strata_loss - sk_loss) / abs(sk_loss)
    print(f"{'':10} {'fit s':>8} {'cpu s':>8} {'iters':>6} {'loss':>22}")
    print(f"{'strata':10} {strata['fit_seconds']:8.3f} {strata['fit_cpu_seconds']:8.3f} "
          f"{strata['iterations']:6d} {strata_loss:22.10f}")
    print(f"{'sklearn':10} {best:8.3f} {best_cpu:8.3f} {int(np.max(model.n_iter_)):6d} "
          f"{sk_loss:22.10f}")
    print(f"speedup (sklearn / strata): wall {best / strata['fit_seconds']:.2f}x, "
          f"cpu {best_cpu / strata['fit_cpu_seconds']:.2f}x; "
          f"loss (strata - sklearn) / sklearn: {rel:+.2e}; "
          f"strata's own loss report {strata['loss']:.10f}")


if __name__ == "__main__":
    main()
