"""`strata serve --model models:/NAME@ALIAS` end to end from the CLI: packages registered with
`strata models register`, an alias set with `strata models alias`, served from the registry,
then hot-swapped by moving the alias while clients keep predicting (no non-2xx answer, no
dropped connection), a corrupt version refused while the old one keeps serving, TF Serving
labels as registry aliases, a canary split and shadow mode."""
import hashlib
import http.client
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
from test_serve_v2 import Serve

FEATURES = 4


def strata(*args):
    r = subprocess.run([STRATA_BIN, *args], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"strata {' '.join(args)}: {r.stderr}"
    return r.stdout


def make_package(tmp, tag, rounds, x, y):
    booster = xgb.train({"objective": "binary:logistic", "max_depth": 3},
                        xgb.DMatrix(x, label=y), num_boost_round=rounds)
    model = os.path.join(tmp, f"{tag}.json")
    booster.save_model(model)
    sig = os.path.join(tmp, "sig.yaml")
    with open(sig, "w") as f:
        f.write("inputs:\n" + "".join(f"  - {{name: f{i}, type: float64}}\n"
                                      for i in range(FEATURES)))
    pkg = os.path.join(tmp, f"pkg-{tag}")
    strata("models", "import", "--flavor", "xgboost", model, "--signature", sig, "--out", pkg,
           "--name", "churn")
    return pkg, booster


def v2_body(row):
    return {"inputs": [{"name": "x", "shape": [1, FEATURES], "datatype": "FP32",
                        "data": [float(v) for v in row]}]}


def v2_predict(c, row, path="/v2/models/churn/infer"):
    r = c.post(path, v2_body(row))
    assert r.status == 200, (r.status, r.raw)
    out = r.json
    return int(out["model_version"]), out["outputs"][0]["data"][0]


class Load:
    """Clients on keep-alive connections predicting until stopped; every answer is recorded."""

    def __init__(self, port, row, threads=4):
        self.port, self.row = port, row
        self.stop_flag = threading.Event()
        self.lock = threading.Lock()
        self.statuses, self.versions, self.errors = {}, {}, []
        self.threads = [threading.Thread(target=self.run) for _ in range(threads)]
        for t in self.threads:
            t.start()

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        body = json.dumps(v2_body(self.row))
        while not self.stop_flag.is_set():
            try:
                conn.request("POST", "/v2/models/churn/infer", body,
                             {"Content-Type": "application/json"})
                resp = conn.getresponse()
                data = resp.read()
            except Exception as e:  # a dropped connection is a failure of the swap
                with self.lock:
                    self.errors.append(repr(e))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                continue
            with self.lock:
                self.statuses[resp.status] = self.statuses.get(resp.status, 0) + 1
                if resp.status == 200:
                    v = int(json.loads(data)["model_version"])
                    self.versions[v] = self.versions.get(v, 0) + 1
        conn.close()

    def count(self, version):
        with self.lock:
            return self.versions.get(version, 0)

    def finish(self):
        self.stop_flag.set()
        for t in self.threads:
            t.join()


def wait_for(predicate, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def corrupt_blob(home, pkg, name):
    """Overwrites the stored blob of file `name` of package `pkg` (content-addressed)."""
    with open(os.path.join(pkg, name), "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    path = os.path.join(home, "artifacts", "blobs", "sha256", digest[:2], digest[2:])
    if os.path.exists(path):
        os.chmod(path, 0o644)
        with open(path, "r+b") as out:
            out.write(b"{\"corrupted\":")
        return
    raise AssertionError(f"no blob {digest} under {home}")


def main():
    checks = Checks()
    tmp = tempfile.mkdtemp(prefix="strata-serve-registry-")
    home = os.path.join(tmp, "home")
    rng = np.random.default_rng(7)
    x = rng.normal(size=(1500, FEATURES)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] * x[:, 2] > 0).astype(np.float32)
    pkgs = {}
    for version, rounds in ((1, 3), (2, 15), (3, 30)):
        pkgs[version] = make_package(tmp, f"v{version}", rounds, x, y)
        out = strata("models", "register", pkgs[version][0], "churn", "--home", home)
        assert f"version {version}" in out, out
    strata("models", "alias", "churn", "champion", "1", "--home", home)
    row = x[5]
    expected = {v: float(b.inplace_predict(row.reshape(1, -1))[0]) for v, (_, b) in pkgs.items()}

    def check_uri_errors():
        r = subprocess.run([STRATA_BIN, "serve", "--port", "0", "--home", home, "--model",
                            "models:/churn"], capture_output=True, text=True, timeout=60)
        assert r.returncode == 2 and "names no version" in r.stderr, r.stderr
        r = subprocess.run([STRATA_BIN, "serve", "--port", "0", "--home", home, "--model",
                            "models:/churn@nope"], capture_output=True, text=True, timeout=60)
        assert r.returncode == 1 and "nope" in r.stderr, r.stderr
    checks.run("bad models:/ URIs refused", check_uri_errors)

    serve = Serve(["--home", home, "--model", "models:/churn@champion",
                   "--poll-interval-ms", "100"])
    c = Client(serve.port)

    def check_served_from_registry():
        v, p = v2_predict(c, row)
        assert v == 1 and abs(p - expected[1]) < 1e-6, (v, p, expected)
        r = c.post("/v1/models/churn/labels/champion:predict",
                   {"instances": [[float(t) for t in row]]})
        assert r.status == 200, r.raw
        assert abs(r.json["predictions"][0] - expected[1]) < 1e-6, r.raw
        r = c.post("/v1/models/churn/labels/nope:predict", {"instances": [[0.0] * FEATURES]})
        assert r.status == 404 and "champion" in r.json["error"], r.raw
        r = c.get("/v1/models/churn/labels/champion")
        assert r.status == 200 and r.json["model_version_status"][0]["version"] == "1", r.raw
    checks.run("served from the registry; TF labels are aliases", check_served_from_registry)

    def check_hot_swap_under_load():
        load = Load(serve.port, row)
        try:
            assert wait_for(lambda: load.count(1) > 200), load.versions
            strata("models", "alias", "churn", "champion", "2", "--home", home)
            assert wait_for(lambda: load.count(2) > 200), (load.versions, serve.text())
        finally:
            load.finish()
        assert load.errors == [], load.errors[:5]
        assert set(load.statuses) == {200}, load.statuses
        v, p = v2_predict(c, row)
        assert v == 2 and abs(p - expected[2]) < 1e-6, (v, p)
        # The old version is unloaded (keep 1) once it is no longer targeted.
        r = c.post("/v2/models/churn/versions/1/infer", v2_body(row))
        assert r.status == 404, r.raw
        assert "now serves version 2 (was 1)" in serve.text(), serve.text()
    checks.run("alias flip under load: zero non-2xx, zero dropped", check_hot_swap_under_load)

    def check_corrupt_version_refused():
        corrupt_blob(home, pkgs[3][0], "predictor.json")
        strata("models", "alias", "churn", "champion", "3", "--home", home)
        assert wait_for(lambda: "version 3 cannot be served" in serve.text()), serve.text()
        v, p = v2_predict(c, row)
        assert v == 2 and abs(p - expected[2]) < 1e-6, (v, p)
        metrics = c.get("/metrics").raw.decode()
        assert 'strata_model_reloads_total{model="churn",outcome="failure"} 1' in metrics, \
            metrics
        assert 'strata_model_label_version{model="churn",label="champion"} 2' in metrics
    checks.run("a corrupt version never replaces the working one", check_corrupt_version_refused)
    c.close()
    assert serve.stop() == 0, serve.text()

    # Canary and shadow: champion (v2) by default, 30% to the challenger (v1), which also
    # shadows the rest.
    strata("models", "alias", "churn", "champion", "2", "--home", home)
    strata("models", "alias", "churn", "challenger", "1", "--home", home)

    log_path = os.path.join(tmp, "requests.jsonl")

    def check_canary_and_shadow():
        s = Serve(["--home", home, "--model", "models:/churn@champion", "--model",
                   "models:/churn@challenger", "--canary", "churn=challenger:30",
                   "--shadow", "churn=challenger", "--request-log", log_path])
        cc = Client(s.port)
        try:
            counts = {1: 0, 2: 0}
            n = 600
            for _ in range(n):
                v, p = v2_predict(cc, row)
                assert abs(p - expected[v]) < 1e-6, (v, p)
                counts[v] += 1
            # 30% of 600 = 180, sd ~11: a band of +-60 is over 5 sd.
            assert abs(counts[1] - 180) < 60, counts
            # A pinned version sees no canary.
            for _ in range(20):
                assert v2_predict(cc, row, "/v2/models/churn/versions/2/infer")[0] == 2
            # The shadow (the challenger) predicted every request the champion answered.
            def shadow_count():
                metrics = cc.get("/metrics").raw.decode()
                m = re.search(
                    r'nv_inference_request_success\{model="churn",version="1"\} (\d+)', metrics)
                return int(m.group(1)) if m else -1
            assert wait_for(lambda: shadow_count() == n, 10), (shadow_count(), counts)
        finally:
            cc.close()
            assert s.stop() == 0, s.text()
        # The shadow's answers are in the request log under the primary request's id.
        with open(log_path) as f:
            lines = [json.loads(line) for line in f]
        primary = {l["request_id"]: l for l in lines if l["role"] == "primary"}
        shadow = [l for l in lines if l["role"] == "shadow"]
        assert len(shadow) == counts[2], (len(shadow), counts)
        for l in shadow:
            assert l["version"] == 1 and l["status"] == 200, l
            assert primary[l["request_id"]]["version"] == 2, (l, primary.get(l["request_id"]))
    checks.run("canary split and shadow mode", check_canary_and_shadow)

    def check_traffic_flag_errors():
        r = subprocess.run([STRATA_BIN, "serve", "--port", "0", "--home", home, "--model",
                            "models:/churn@champion", "--canary", "churn=challenger"],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 2 and "PERCENT" in r.stderr, r.stderr
        r = subprocess.run([STRATA_BIN, "serve", "--port", "0", "--home", home, "--model",
                            "models:/churn@champion", "--shadow", "churn=7"],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 2 and "not served" in r.stderr, r.stderr
    checks.run("bad --canary/--shadow refused", check_traffic_flag_errors)
    checks.finish()


if __name__ == "__main__":
    main()
