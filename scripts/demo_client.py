"""Logs an example experiment, three runs and a registered model to a Strata server.

Uses only the standard library and speaks MLflow's REST API exactly as MLflow clients do.
"""
import json
import math
import random
import sys
import time
import urllib.error
import urllib.request

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:5000"


def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req) as resp:
            return json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as e:
        payload = json.loads(e.read() or b"{}")
        if payload.get("error_code") == "RESOURCE_ALREADY_EXISTS":
            return None
        raise SystemExit(f"{method} {path}: HTTP {e.code} {payload}")


def upload(path, data):
    req = urllib.request.Request(f"{BASE}/api/2.0/mlflow-artifacts/artifacts/{path}", data=data,
                                 method="PUT")
    with urllib.request.urlopen(req) as resp:
        resp.read()


def main():
    name = "strata-demo"
    created = call("POST", "/api/2.0/mlflow/experiments/create", {"name": name})
    if created is None:
        exp_id = call("GET", f"/api/2.0/mlflow/experiments/get-by-name?experiment_name={name}"
                      )["experiment"]["experiment_id"]
    else:
        exp_id = created["experiment_id"]
    rng = random.Random(7)
    best = None
    for lr in (0.3, 0.1, 0.03):
        run = call("POST", "/api/2.0/mlflow/runs/create", {
            "experiment_id": exp_id, "run_name": f"gbdt-lr-{lr}",
            "start_time": int(time.time() * 1000),
            "tags": [{"key": "mlflow.user", "value": "demo"}]})["run"]["info"]
        run_id = run["run_id"]
        now = int(time.time() * 1000)
        metrics = []
        loss = 1.0
        for step in range(20):
            loss *= 1 - lr * 0.5 * rng.uniform(0.5, 1.0)
            metrics.append({"key": "train_loss", "value": loss, "timestamp": now + step, "step": step})
        auc = 0.8 + 0.15 * (1 - math.exp(-lr * 10)) + rng.uniform(-0.01, 0.01)
        metrics.append({"key": "val_auc", "value": auc, "timestamp": now + 20, "step": 19})
        call("POST", "/api/2.0/mlflow/runs/log-batch", {
            "run_id": run_id, "metrics": metrics,
            "params": [{"key": "learning_rate", "value": str(lr)},
                       {"key": "max_depth", "value": "6"}],
            "tags": [{"key": "model_type", "value": "gbdt"}]})
        upload(f"{exp_id}/{run_id}/artifacts/model/MLmodel",
               f"flavors:\n  demo:\n    learning_rate: {lr}\n".encode())
        call("POST", "/api/2.0/mlflow/runs/update", {
            "run_id": run_id, "status": "FINISHED", "end_time": int(time.time() * 1000)})
        print(f"  run {run_id}  lr={lr}  val_auc={auc:.4f}")
        if best is None or auc > best[1]:
            best = (run_id, auc, run["artifact_uri"])
    model = "strata-demo-model"
    call("POST", "/api/2.0/mlflow/registered-models/create",
         {"name": model, "description": "Best run of the Strata demo"})
    version = call("POST", "/api/2.0/mlflow/model-versions/create", {
        "name": model, "source": best[2] + "/model", "run_id": best[0]})["model_version"]["version"]
    call("POST", "/api/2.0/mlflow/registered-models/alias",
         {"name": model, "alias": "champion", "version": version})
    print(f"  registered {model} version {version} (alias champion) from run {best[0]}")


if __name__ == "__main__":
    main()
