"""Inference by entity key (issue 5 §4): a model package trained with `--feature-service`
is served by `strata serve --feature-repo`; a V2 request carrying only the entity key gets
the same predictions as one carrying the features themselves (read from the materialized
online store in process), requests with the features keep working, an unknown entity
(no features) is a 400 naming the missing input, and a request that is neither names the
entity keys it could have sent. Run on both online stores: LMDB and a redis-server of the
test's own."""
import os
import random
import shutil
import tempfile

import pandas as pd

from harness import Checks, Client
from test_feature_server import Process, Redis, run, to_parquet

DEFS = """entities:
  - {name: user, join_keys: [user_id]}
sources:
  - {name: user_src, type: file, path: data/users.parquet, timestamp_field: event_ts}
feature_views:
  - name: user_feats
    entities: [user]
    source: user_src
    ttl: 0
    schema: [{name: f1, type: float64}, {name: f2, type: float64}, {name: f3, type: float64}]
feature_services:
  - {name: model_v1, features: ["user_feats:*"]}
"""


def setup(root, online_store):
    rnd = random.Random(5)
    repo = os.path.join(root, "repo")
    os.makedirs(os.path.join(repo, "data"))
    users = pd.DataFrame({
        "user_id": pd.Series(range(1, 51), dtype="int64"),
        "event_ts": ["2024-01-01T00:00:00Z"] * 50,
        "f1": [rnd.uniform(-1, 1) for _ in range(50)],
        "f2": [rnd.uniform(0, 5) for _ in range(50)],
        "f3": [rnd.uniform(-3, 3) for _ in range(50)],
    })
    to_parquet(users, os.path.join(repo, "data", "users.parquet"), root)
    with open(os.path.join(repo, "feature_store.yaml"), "w") as f:
        f.write(f"project: entity_demo\nonline_store: {online_store}\n")
    with open(os.path.join(repo, "defs.yaml"), "w") as f:
        f.write(DEFS)
    train = pd.DataFrame({
        "f1": [rnd.uniform(-1, 1) for _ in range(400)],
        "f2": [rnd.uniform(0, 5) for _ in range(400)],
        "f3": [rnd.uniform(-3, 3) for _ in range(400)],
    })
    train["y"] = 2 * train.f1 - 0.5 * train.f2 + train.f3 + [rnd.gauss(0, 0.1) for _ in range(400)]
    train_csv = os.path.join(root, "train.csv")
    train.to_csv(train_csv, index=False)
    return repo, users, train_csv


def v2(name, datatype, values):
    return {"name": name, "datatype": datatype, "shape": [len(values)], "data": values}


def scenario(checks, root, label, online_store):
    home = os.path.join(root, "home")
    repo, users, train_csv = setup(root, online_store)
    pkg = os.path.join(root, "pkg")
    run("train", "--home", home, "--data", train_csv, "--target", "y", "--model", "glm",
        "--package-out", pkg, "--feature-service", "model_v1")
    run("features", "apply", "--repo", repo, "--home", home)
    run("features", "materialize", "2023-01-01T00:00:00Z", "2025-01-01T00:00:00Z",
        "--repo", repo, "--home", home)
    serve = Process(["serve", "--home", home, "--model", pkg, "--name", "reg",
                     "--feature-repo", repo], home)
    client = Client(serve.port)
    ids = [3, 17, 42]
    rows = users.set_index("user_id").loc[ids]

    def by_features():
        body = {"inputs": [v2(c, "FP64", [float(x) for x in rows[c]]) for c in ("f1", "f2", "f3")]}
        r = client.request("POST", "/v2/models/reg/infer", body)
        assert r.status == 200, f"{r.status} {r.raw[:400]!r}"
        return r.json["outputs"][0]["data"]

    def same_answer_by_entity_key():
        expected = by_features()
        r = client.request("POST", "/v2/models/reg/infer",
                           {"inputs": [v2("user_id", "INT64", ids)]})
        assert r.status == 200, f"{r.status} {r.raw[:400]!r}"
        got = r.json["outputs"][0]["data"]
        assert len(got) == 3 and all(abs(a - b) <= 1e-12 for a, b in zip(got, expected)), \
            (got, expected)
        # Different users give different answers (the features really were read).
        assert len({round(x, 9) for x in got}) == 3, got

    def tf_and_mlflow_by_entity_key():
        # The same rule on TF Serving's and MLflow's bodies.
        expected = by_features()
        r = client.request("POST", "/v1/models/reg:predict",
                           {"instances": [{"user_id": i} for i in ids]})
        assert r.status == 200, f"{r.status} {r.raw[:400]!r}"
        got = r.json["predictions"]
        assert all(abs(a - b) <= 1e-12 for a, b in zip(got, expected)), (got, expected)
        r = client.request("POST", "/v1/models/reg:predict", {"inputs": {"user_id": ids}})
        assert r.status == 200, f"{r.status} {r.raw[:400]!r}"
        got = r.json["outputs"]
        assert all(abs(a - b) <= 1e-12 for a, b in zip(got, expected)), (got, expected)
        r = client.request("POST", "/invocations",
                           {"dataframe_records": [{"user_id": i} for i in ids]})
        assert r.status == 200, f"{r.status} {r.raw[:400]!r}"
        got = r.json["predictions"]
        assert all(abs(a - b) <= 1e-12 for a, b in zip(got, expected)), (got, expected)
        r = client.request("POST", "/invocations", {"dataframe_records": [{"customer": 3}]})
        assert r.status == 400, f"{r.status} {r.raw[:400]!r}"
        assert "entity keys of feature service 'model_v1': user_id" in r.raw.decode(), r.raw

    def unknown_entity_is_400():
        r = client.request("POST", "/v2/models/reg/infer",
                           {"inputs": [v2("user_id", "INT64", [3, 99999])]})
        assert r.status == 400, f"{r.status} {r.raw[:400]!r}"
        assert "f1" in r.json["error"], r.json

    def neither_names_the_keys():
        r = client.request("POST", "/v2/models/reg/infer",
                           {"inputs": [v2("customer", "INT64", [3])]})
        assert r.status == 400, f"{r.status} {r.raw[:400]!r}"
        assert "entity keys of feature service 'model_v1': user_id" in r.json["error"], r.json
        r = client.request("POST", "/v2/models/reg/infer",
                           {"inputs": [v2("user_id", "BYTES", ["3"])]})
        assert r.status == 400, f"{r.status} {r.raw[:400]!r}"

    def imported_xgboost_by_key():
        # A model trained elsewhere: `strata models import --feature-service` makes a package
        # that also answers by entity key, with XGBoost's own predictions on the stored features.
        import xgboost as xgb
        train = pd.read_csv(train_csv)
        booster = xgb.train({"objective": "reg:squarederror", "max_depth": 3},
                            xgb.DMatrix(train[["f1", "f2", "f3"]], label=train["y"]),
                            num_boost_round=20)
        model = os.path.join(root, "xgb.json")
        booster.save_model(model)
        sig = os.path.join(root, "xgb-sig.yaml")
        with open(sig, "w") as f:
            f.write("inputs:\n" + "".join(f"  - {{name: {c}, type: float64}}\n"
                                          for c in ("f1", "f2", "f3")))
        xpkg = os.path.join(root, "xgb-pkg")
        run("models", "import", "--flavor", "xgboost", model, "--signature", sig, "--out", xpkg,
            "--name", "xgb", "--feature-service", "model_v1")
        xserve = Process(["serve", "--home", home, "--model", xpkg, "--feature-repo", repo], home)
        xclient = Client(xserve.port)
        try:
            r = xclient.request("POST", "/v2/models/xgb/infer",
                                {"inputs": [v2("user_id", "INT64", ids)]})
            assert r.status == 200, f"{r.status} {r.raw[:400]!r}"
            got = r.json["outputs"][0]["data"]
            expected = booster.inplace_predict(rows[["f1", "f2", "f3"]].to_numpy())
            assert all(abs(a - float(b)) <= 1e-6 for a, b in zip(got, expected)), (got, expected)
        finally:
            xclient.close()
            xserve.stop()

    try:
        checks.run(f"{label}: features in the request still work", by_features)
        checks.run(f"{label}: entity key only: same predictions", same_answer_by_entity_key)
        checks.run(f"{label}: TF Serving and MLflow bodies by entity key", tf_and_mlflow_by_entity_key)
        checks.run(f"{label}: unknown entity: 400 naming the missing feature", unknown_entity_is_400)
        checks.run(f"{label}: neither features nor keys: 400 naming the keys", neither_names_the_keys)
        checks.run(f"{label}: models import --feature-service answers by key as XGBoost",
                   imported_xgboost_by_key)
        assert serve.alive()
    finally:
        client.close()
        serve.stop()


def main():
    checks = Checks()
    root = tempfile.mkdtemp(prefix="strata-entity-")
    try:
        lmdb_root = os.path.join(root, "lmdb")
        os.makedirs(lmdb_root)
        scenario(checks, lmdb_root, "lmdb", "{type: lmdb}")
        redis_root = os.path.join(root, "redis")
        os.makedirs(redis_root)
        redis = Redis(redis_root)
        redis.start()
        try:
            scenario(checks, redis_root, "redis",
                     f'{{type: redis, connection_string: "redis://127.0.0.1:{redis.port}/0"}}')
        finally:
            redis.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    checks.finish()


if __name__ == "__main__":
    main()
