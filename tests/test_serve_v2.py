"""`strata serve` over real HTTP with a real package: a model trained by python xgboost 1.7,
imported with `strata models import --flavor xgboost`, served through the Open Inference
Protocol V2 REST surface. Predictions must equal xgboost's own to 1e-6; a corpus of bad
requests sent while other clients keep predicting must get 400s naming the field, leave every
good request answered, and leave the server up; /metrics carries Triton's counters."""
import json
import os
import re
import subprocess
import tempfile
import threading
import time

import numpy as np
import xgboost as xgb

from harness import STRATA_BIN, Checks, Client

FEATURES = 5


class Serve:
    def __init__(self, args):
        self.tmp = tempfile.mkdtemp(prefix="strata-serve-")
        self.log_path = os.path.join(self.tmp, "serve.stderr")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([STRATA_BIN, "serve", "--port", "0", *args],
                                     stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"strata serve exited {self.proc.returncode}: {self.text()}")
            m = re.search(r"listening on http://[\d.]+:(\d+)", self.text())
            if m:
                self.port = int(m.group(1))
                return
            time.sleep(0.05)
        raise RuntimeError("strata serve did not start: " + self.text())

    def text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(30)
        self.log.close()
        return self.proc.returncode


def make_package(tmp):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2000, FEATURES)).astype(np.float32)
    y = (x[:, 0] - x[:, 1] * x[:, 2] > 0).astype(np.float32)
    booster = xgb.train({"objective": "binary:logistic", "max_depth": 4}, xgb.DMatrix(x, label=y),
                        num_boost_round=20)
    model = os.path.join(tmp, "model.json")
    booster.save_model(model)
    sig = os.path.join(tmp, "sig.yaml")
    with open(sig, "w") as f:
        f.write("inputs:\n")
        for i in range(FEATURES):
            nullable = "true" if i == FEATURES - 1 else "false"
            f.write(f"  - {{name: f{i}, type: float64, nullable: {nullable}}}\n")
    pkg = os.path.join(tmp, "pkg")
    r = subprocess.run([STRATA_BIN, "models", "import", "--flavor", "xgboost", model,
                        "--signature", sig, "--out", pkg, "--name", "churn"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return pkg, booster, x[:64]


def columns_body(rows):
    return {"id": "req-1", "inputs": [
        {"name": f"f{i}", "shape": [len(rows)], "datatype": "FP64",
         "data": [float(r[i]) for r in rows]} for i in range(FEATURES)]}


def matrix_body(rows):
    return {"inputs": [{"name": "x", "shape": [len(rows), FEATURES], "datatype": "FP32",
                        "data": [[float(v) for v in r] for r in rows]}]}


def check_metadata(c):
    assert c.request("GET", "/v2/health/live").status == 200
    assert c.ok("GET", "/v2/health/ready")["ready"] is True
    assert c.ok("GET", "/v2")["name"] == "strata"
    meta = c.ok("GET", "/v2/models/churn")
    assert meta["versions"] == ["1"], meta
    assert [i["name"] for i in meta["inputs"]] == [f"f{i}" for i in range(FEATURES)]
    assert c.ok("GET", "/v2/models/churn/ready")["ready"] is True
    assert c.ok("GET", "/v2/models/churn/versions/1")["name"] == "churn"
    r = c.request("GET", "/v2/models/nope")
    assert r.status == 404 and "nope" in r.json["error"], r.raw


def check_predictions(c, booster, x):
    expected = booster.inplace_predict(x)
    for body in (columns_body(x), matrix_body(x)):
        res = c.ok("POST", "/v2/models/churn/infer", body)
        out = res["outputs"][0]
        assert out["shape"][0] == len(x), out["shape"]
        got = np.array(out["data"], dtype=np.float64).reshape(len(x), -1)[:, 0]
        assert np.max(np.abs(got - expected)) <= 1e-6, np.max(np.abs(got - expected))
    one = c.ok("POST", "/v2/models/churn/versions/1/infer", columns_body(x[:1]))
    assert one["model_version"] == "1" and one["id"] == "req-1", one


BAD = [
    ('{"inputs": [', 'malformed JSON'),
    (json.dumps({"inputs": []}), "no inputs"),
    (json.dumps({"inputs": columns_body([[0] * FEATURES])["inputs"][:-1]}), "missing input 'f4'"),
    (json.dumps({"inputs": columns_body([[0] * FEATURES])["inputs"] +
                 [{"name": "zz", "shape": [1], "datatype": "FP64", "data": [1]}]}), "'zz'"),
    (json.dumps({"inputs": [{"name": "f0", "shape": [1], "datatype": "BYTES", "data": ["a"]}] +
                 columns_body([[0] * FEATURES])["inputs"][1:]}), "input 'f0': datatype BYTES"),
    (json.dumps({"inputs": [{"name": "f0", "shape": [2], "datatype": "FP64", "data": [1]}] +
                 columns_body([[0] * FEATURES])["inputs"][1:]}), "input 'f0': shape [2]"),
    (json.dumps({"inputs": [{"name": "f0", "shape": [1], "datatype": "FP64", "data": [None]}] +
                 columns_body([[0] * FEATURES])["inputs"][1:]}), "'f0' row 0"),
    (json.dumps({"inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP32",
                             "data": [1, 2, 3]}]}), "input 'x': shape [1, 3]"),
    (json.dumps({"inputs": [{"name": "x", "shape": [500, FEATURES], "datatype": "FP32",
                             "data": [0.0] * (500 * FEATURES)}]}), "exceeds the limit of 100"),
    ("[1, 2]", "JSON object"),
]


def check_bad_requests_under_load(port, booster, x):
    stop = threading.Event()
    good = {"ok": 0, "bad": 0}
    expected = float(booster.inplace_predict(x[:1])[0])

    def load():
        c = Client(port)
        while not stop.is_set():
            r = c.request("POST", "/v2/models/churn/infer", columns_body(x[:1]))
            if r.status == 200 and abs(r.json["outputs"][0]["data"][0] - expected) <= 1e-6:
                good["ok"] += 1
            else:
                good["bad"] += 1

    workers = [threading.Thread(target=load) for _ in range(4)]
    for w in workers:
        w.start()
    try:
        c = Client(port)
        for _ in range(20):
            for raw, fragment in BAD:
                r = c.request("POST", "/v2/models/churn/infer", raw=raw)
                assert r.status == 400, (raw[:80], r.status, r.raw[:200])
                assert fragment in r.json["error"], (fragment, r.json)
    finally:
        stop.set()
        for w in workers:
            w.join()
    assert good["bad"] == 0 and good["ok"] > 0, good
    return good


def check_metrics(c):
    text = c.request("GET", "/metrics").raw.decode()
    for name in ("nv_inference_request_success", "nv_inference_request_failure",
                 "nv_inference_count", "nv_inference_exec_count",
                 "nv_inference_request_duration_us", "nv_inference_queue_duration_us"):
        m = re.search(rf'^{name}{{model="churn",version="1"}} (\d+)$', text, re.M)
        assert m, name
    fails = int(re.search(r'^nv_inference_request_failure{model="churn",version="1"} (\d+)$',
                          text, re.M).group(1))
    assert fails >= 20 * 5, fails  # the decoded-but-refused requests of the corpus at least


def check_scheduler_slice_flag(pkg):
    # The I/O threads' scheduler slice: out of the kernel's range is a usage error; 0 (the
    # kernel's default) and an in-range value serve.
    r = subprocess.run([STRATA_BIN, "serve", "--port", "0", "--model", pkg,
                        "--scheduler-slice-us", "50"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "--scheduler-slice-us 50 is outside [100, 100000]" in r.stderr, \
        (r.returncode, r.stderr)
    for slice_us in ("0", "250"):
        serve = Serve(["--model", pkg, "--scheduler-slice-us", slice_us])
        c = Client(serve.port)
        assert c.ok("GET", "/v2/models/churn/ready")["ready"] is True
        c.close()
        assert serve.stop() == 0, serve.text()


def main():
    checks = Checks()
    tmp = tempfile.mkdtemp(prefix="strata-serve-pkg-")
    pkg, booster, x = make_package(tmp)
    for label, extra in (("unbatched", []),
                         ("batched", ["--max-batch-size", "32", "--max-queue-delay-us", "300"])):
        serve = Serve(["--model", pkg, "--max-request-rows", "100", *extra])
        c = Client(serve.port)
        checks.run(f"{label}: health and metadata", check_metadata, c)
        checks.run(f"{label}: predictions equal xgboost's", check_predictions, c, booster, x)
        checks.run(f"{label}: bad requests under load", check_bad_requests_under_load,
                   serve.port, booster, x)
        checks.run(f"{label}: metrics", check_metrics, c)
        checks.run(f"{label}: still alive", lambda: serve.proc.poll() is None or
                   (_ for _ in ()).throw(AssertionError(serve.text())))
        c.close()
        assert serve.stop() == 0, serve.text()
    checks.run("--scheduler-slice-us range and values", check_scheduler_slice_flag, pkg)
    checks.finish()


if __name__ == "__main__":
    main()
