"""`strata train` end to end: binary, multiclass and regression with gbdt and rf (and glm when
it is in the build), early stopping, cross-validation and a random search with child runs,
checked through `strata server`'s MLflow REST API on the same --home. The metrics Strata logs
are cross-checked against scikit-learn on the predictions of the logged XGBoost model (Python
XGBoost loads the artifact), to 1e-9."""
import json
import urllib.parse
import os
import subprocess
import tempfile

import numpy as np
import xgboost as xgb
from sklearn import metrics as skm

from harness import STRATA_BIN, Checks, Server

API = "/api/2.0/mlflow"
BIN = os.path.abspath(STRATA_BIN)
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def make_data(home):
    rng = np.random.default_rng(0)
    n = 600
    x = rng.normal(size=(n, 4))
    score = 2 * x[:, 0] - x[:, 1] + 0.5 * rng.normal(size=n)
    files = {}
    cols = "f0,f1,f2,f3"
    for name, y in [
        ("binary", np.where(score > 0, "yes", "no")),
        ("multiclass", np.digitize(score, [-1, 1])),
        ("regression", score),
    ]:
        path = os.path.join(home, f"{name}.csv")
        with open(path, "w") as f:
            f.write(cols + ",y\n")
            for i in range(n):
                f.write(",".join(repr(float(v)) for v in x[i]) + f",{y[i]}\n")
        files[name] = (path, x, y)
    return files


def train(home, *args):
    r = subprocess.run([BIN, "train", "--home", home, *args, "--json"], capture_output=True,
                       text=True, cwd=REPO, timeout=600)
    return r


class Env:
    def __init__(self):
        self.home = tempfile.mkdtemp(prefix="strata-train-")
        self.files = make_data(self.home)
        self.server = None
        self.client = None

    def run(self, run_id):
        return self.client.ok("GET", f"{API}/runs/get?run_id={run_id}")["run"]

    def artifact(self, run, path):
        uri = run["info"]["artifact_uri"]
        rest = uri[len("mlflow-artifacts:"):].lstrip("/")
        r = self.client.request("GET", f"/api/2.0/mlflow-artifacts/artifacts/{rest}/{path}")
        assert r.status == 200, (path, r.status, r.raw[:300])
        return r.raw

    def listing(self, run_id, path):
        r = self.client.ok("GET", f"{API}/artifacts/list?run_id={run_id}&path={path}")
        return sorted(f["path"] for f in r.get("files", []))


def as_dict(entries):
    return {e["key"]: e["value"] for e in entries}


def sklearn_metrics(task, y, probs):
    if task == "regression":
        return {"rmse": np.sqrt(skm.mean_squared_error(y, probs)),
                "mae": skm.mean_absolute_error(y, probs), "r2": skm.r2_score(y, probs)}
    if task == "binary":
        pred = (probs >= 0.5).astype(int)
        return {"accuracy": skm.accuracy_score(y, pred), "precision": skm.precision_score(y, pred),
                "recall": skm.recall_score(y, pred), "f1": skm.f1_score(y, pred),
                "roc_auc": skm.roc_auc_score(y, probs), "pr_auc": skm.average_precision_score(y, probs),
                "log_loss": skm.log_loss(y, probs)}
    pred = probs.argmax(axis=1)
    onehot = np.eye(probs.shape[1])[y]
    return {"accuracy": skm.accuracy_score(y, pred),
            "precision": skm.precision_score(y, pred, average="macro"),
            "recall": skm.recall_score(y, pred, average="macro"),
            "f1": skm.f1_score(y, pred, average="macro"),
            "roc_auc": skm.roc_auc_score(y, probs, multi_class="ovr"),
            "pr_auc": np.mean([skm.average_precision_score(onehot[:, k], probs[:, k])
                               for k in range(probs.shape[1])]),
            "log_loss": skm.log_loss(y, probs)}


def check_model_run(env, name, model):
    path, x, y = env.files[name]
    # valid-fraction 0: metrics are computed on every row, which Python can reproduce.
    r = train(env.home, "--data", path, "--target", "y", "--model", model, "--experiment", "bb",
              "--valid-fraction", "0", "--params", "max_depth=3", "--params", "num_rounds=15",
              "--params", "num_parallel_tree=10" if model == "rf" else "eta=0.3")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    run = env.run(out["run_id"])
    assert run["info"]["status"] == "FINISHED", run["info"]
    tags = as_dict(run["data"]["tags"])
    params = as_dict(run["data"]["params"])
    logged = as_dict(run["data"]["metrics"])
    assert tags["strata.task"] == name, tags
    assert len(tags.get("mlflow.source.git.commit", "")) == 40, tags
    assert params["max_depth"] == "3" and params["model"] == model, params
    model_json = env.artifact(run, "model/xgboost_model.json")
    booster = xgb.Booster()
    booster.load_model(bytearray(model_json))
    probs = booster.predict(xgb.DMatrix(x.astype(np.float32), missing=np.nan)).astype(np.float64)
    if name == "binary":
        truth = (y == "yes").astype(int)  # classes sorted: no = 0, yes = 1
    elif name == "multiclass":
        truth = y.astype(int)
    else:
        truth = y
    expected = sklearn_metrics(name, truth, probs)
    for key, value in expected.items():
        assert abs(logged[key] - value) <= 1e-9 * max(1, abs(value)), (name, model, key, logged[key], value)
    if name != "regression":
        files = env.listing(out["run_id"], "eval")
        assert files == ["eval/confusion_matrix.json", "eval/pr_curve.json", "eval/roc_curve.json"], files
        cm = json.loads(env.artifact(run, "eval/confusion_matrix.json"))
        pred = (probs >= 0.5).astype(int) if name == "binary" else probs.argmax(axis=1)
        assert cm["matrix"] == skm.confusion_matrix(truth, pred).tolist(), cm
        roc = json.loads(env.artifact(run, "eval/roc_curve.json"))
        if name == "binary":
            fpr, tpr, _ = skm.roc_curve(truth, probs)
            assert np.allclose(roc["yes"]["fpr"], fpr, atol=1e-12) and np.allclose(roc["yes"]["tpr"], tpr, atol=1e-12)
    model_files = env.listing(out["run_id"], "model")
    assert "model/xgboost_model.json" in model_files, model_files
    assert out["package"] is True, out
    assert "model/MLmodel.json" in model_files and "model/predictor.json" in model_files, model_files
    # Per-iteration metrics with steps (GBDT: one per round).
    hist = env.client.ok("GET", f"{API}/metrics/get-history?run_id={out['run_id']}&metric_key=train_"
                         + {"binary": "logloss", "multiclass": "mlogloss", "regression": "rmse"}[name])
    steps = [m["step"] for m in hist["metrics"]]
    assert steps == list(range(15 if model == "gbdt" else 1)), steps


def early_stopping(env):
    path, _, _ = env.files["regression"]
    r = train(env.home, "--data", path, "--target", "y", "--model", "gbdt", "--valid-fraction", "0.3",
              "--params", "num_rounds=400", "--params", "early_stopping_rounds=5",
              "--params", "max_depth=8", "--params", "eta=0.7")
    assert r.returncode == 0, r.stderr
    run = env.run(json.loads(r.stdout)["run_id"])
    params = as_dict(run["data"]["params"])
    assert int(params["rounds_trained"]) < 400, params
    assert int(params["rounds_trained"]) == int(params["best_iteration"]) + 6, params
    booster = xgb.Booster()
    booster.load_model(bytearray(env.artifact(run, "model/xgboost_model.json")))
    assert booster.num_boosted_rounds() == int(params["best_iteration"]) + 1


def cross_validation(env):
    path, _, _ = env.files["binary"]
    r = train(env.home, "--data", path, "--target", "y", "--model", "gbdt", "--cv", "3",
              "--params", "num_rounds=10")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["cv"]["folds"] == 3
    run = env.run(out["run_id"])
    logged = as_dict(run["data"]["metrics"])
    assert 0.8 < logged["cv_roc_auc_mean"] <= 1 and logged["cv_roc_auc_std"] >= 0, logged
    hist = env.client.ok("GET", f"{API}/metrics/get-history?run_id={out['run_id']}&metric_key=cv_accuracy")
    folds = [m["value"] for m in sorted(hist["metrics"], key=lambda m: m["step"])]
    assert len(folds) == 3 and abs(np.mean(folds) - logged["cv_accuracy_mean"]) < 1e-12, folds


def cross_validation_refits_transforms(env):
    # A unique id per row, target-encoded: fitted on all training rows, each row's encoding
    # would reveal its own label and cross-validation would score ~1.0. Refitted per fold, a
    # held-out row's id is unseen (the global mean) and the folds score chance.
    rng = np.random.default_rng(11)
    n = 600
    path = os.path.join(env.home, "leak.csv")
    y = rng.integers(0, 2, size=n)
    with open(path, "w") as f:
        f.write("id,noise,y\n")
        for i in range(n):
            f.write(f"r{i},{rng.normal():.6f},{y[i]}\n")
    spec = os.path.join(env.home, "leak-transforms.json")
    with open(spec, "w") as f:
        json.dump({"steps": [{"kind": "target_encoder", "columns": ["id"]}]}, f)
    r = train(env.home, "--data", path, "--target", "y", "--model", "gbdt", "--cv", "3",
              "--transforms", spec, "--params", "num_rounds=10")
    assert r.returncode == 0, r.stderr
    auc = json.loads(r.stdout)["cv"]["mean"]["roc_auc"]
    assert 0.3 < auc < 0.7, auc


def random_search(env):
    path, _, _ = env.files["binary"]
    space = os.path.join(env.home, "space.yaml")
    with open(space, "w") as f:
        f.write("max_depth: [2, 4]\neta: {low: 0.05, high: 0.5, log: true}\n")
    r = train(env.home, "--data", path, "--target", "y", "--model", "gbdt", "--experiment", "search",
              "--search", "random", "--space", space, "--trials", "4", "--params", "num_rounds=10")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    parent = env.run(out["run_id"])
    exp = parent["info"]["experiment_id"]
    children = env.client.ok("POST", f"{API}/runs/search", {
        "experiment_ids": [exp], "filter": f"tags.mlflow.parentRunId = '{out['run_id']}'"})["runs"]
    assert len(children) == 4, children
    tags = as_dict(parent["data"]["tags"])
    best = tags["strata.best_run_id"]
    assert best in [c["info"]["run_id"] for c in children]
    values = {c["info"]["run_id"]: as_dict(c["data"]["metrics"])["roc_auc"] for c in children}
    assert values[best] == max(values.values()), values
    best_run = env.run(best)
    assert as_dict(best_run["data"]["tags"]).get("strata.best_trial") == "true"
    # The parent trained the final model with the best trial's params.
    best_params = as_dict(best_run["data"]["params"])
    parent_params = as_dict(parent["data"]["params"])
    assert parent_params["eta"] == best_params["eta"] and parent_params["max_depth"] == best_params["max_depth"]
    assert "model/xgboost_model.json" in env.listing(out["run_id"], "model")


def glm_runs(env):
    for name in ["binary", "multiclass", "regression"]:
        path, _, _ = env.files[name]
        r = train(env.home, "--data", path, "--target", "y", "--model", "glm")
        assert r.returncode == 0, r.stderr
        run_id = json.loads(r.stdout)["run_id"]
        run = env.run(run_id)
        assert run["info"]["status"] == "FINISHED"
        assert "model/MLmodel.json" in env.listing(run_id, "model")
        # Lineage: the model artifact's upstream is the training execution and the data file.
        q = urllib.parse.urlencode({"type": "Model", "name": f"runs:/{run_id}/model"})
        model = env.client.ok("GET", f"/api/v1/lineage/find?{q}")
        up = env.client.ok("GET", f"/api/v1/lineage/artifacts/{model['id']}/upstream")
        assert [e["type"] for e in up["executions"]] == ["Training"], up
        assert up["executions"][0]["properties"]["run_id"] == run_id, up
        assert sorted(a["type"] for a in up["artifacts"]) == ["DataFile", "Model"], up
        assert any(a["uri"] == "file://" + os.path.abspath(path) for a in up["artifacts"]), up


def bad_input(env):
    path, _, _ = env.files["binary"]
    r = train(env.home, "--data", path, "--target", "nope")
    assert r.returncode == 1 and "nope" in r.stderr, r.stderr
    r = train(env.home, "--data", path, "--target", "f0", "--task", "regression")
    assert r.returncode == 1 and "'y'" in r.stderr, r.stderr  # a string feature, named
    r = train(env.home, "--data", path, "--target", "y", "--params", "max_depth=deep")
    assert r.returncode == 1 and "max_depth" in r.stderr and "FAILED" in r.stderr, r.stderr
    r = train(env.home, "--data", path, "--target", "y", "--model", "svm")
    assert r.returncode == 1 and "--model" in r.stderr, r.stderr
    r = subprocess.run([BIN, "train", "--home", env.home, "--data", path], capture_output=True)
    assert r.returncode == 2


def main():
    checks = Checks()
    env = Env()
    env.server = Server(home=env.home)
    env.server.start()
    env.client = env.server.client()
    try:
        for model in ["gbdt", "rf"]:
            for name in ["binary", "multiclass", "regression"]:
                checks.run(f"{model} {name}: metrics = sklearn's", check_model_run, env, name, model)
        checks.run("early stopping keeps the best round", early_stopping, env)
        checks.run("cross-validation", cross_validation, env)
        checks.run("cross-validation refits transforms per fold",
                   cross_validation_refits_transforms, env)
        checks.run("random search: child runs, best marked", random_search, env)
        checks.run("glm: binary, multiclass, regression", glm_runs, env)
        checks.run("bad input", bad_input, env)
    finally:
        env.server.stop()
    checks.finish()


if __name__ == "__main__":
    main()
