"""MLflow wire compatibility: the requests MLflow's Python client sends, against the real server.

Request shapes follow what mlflow.tracking.MlflowClient puts on the wire (int64 fields as
strings via protobuf's MessageToJson, NaN/Infinity as strings, GET parameters in the query
string with repeated keys for lists).
"""
import math
import time

from harness import Checks, Server, backends, expect_error

API = "/api/2.0/mlflow"


def experiments(c):
    exp_id = c.ok("POST", f"{API}/experiments/create",
                  {"name": "wire-exp", "tags": [{"key": "team", "value": "risk"}]})["experiment_id"]
    assert isinstance(exp_id, str) and exp_id != "0"
    e = c.get(f"{API}/experiments/get", experiment_id=exp_id).json["experiment"]
    assert e["name"] == "wire-exp" and e["lifecycle_stage"] == "active"
    assert e["artifact_location"] == f"mlflow-artifacts:/{exp_id}"
    assert {"key": "team", "value": "risk"} in e["tags"]
    assert c.get(f"{API}/experiments/get-by-name", experiment_name="wire-exp").json[
        "experiment"]["experiment_id"] == exp_id
    d = c.get(f"{API}/experiments/get", experiment_id="0").json["experiment"]
    assert d["name"] == "Default"
    expect_error(c.post(f"{API}/experiments/create", {"name": "wire-exp"}), 400,
                 "RESOURCE_ALREADY_EXISTS")
    expect_error(c.get(f"{API}/experiments/get-by-name", experiment_name="nope"), 404,
                 "RESOURCE_DOES_NOT_EXIST")
    expect_error(c.post(f"{API}/experiments/create", {}), 400, "INVALID_PARAMETER_VALUE")
    c.ok("POST", f"{API}/experiments/set-experiment-tag",
         {"experiment_id": exp_id, "key": "stage", "value": "dev"})
    c.ok("POST", f"{API}/experiments/update", {"experiment_id": exp_id, "new_name": "wire-exp2"})
    found = c.ok("POST", f"{API}/experiments/search",
                 {"filter": "name LIKE 'wire%'", "max_results": "10"})["experiments"]
    assert [x["name"] for x in found] == ["wire-exp2"], found
    c.ok("POST", f"{API}/experiments/delete", {"experiment_id": exp_id})
    got = c.ok("POST", f"{API}/experiments/search", {"view_type": "DELETED_ONLY"})
    assert exp_id in [x["experiment_id"] for x in got.get("experiments", [])]
    c.ok("POST", f"{API}/experiments/restore", {"experiment_id": exp_id})
    listed = c.get(f"{API}/experiments/list").json["experiments"]
    assert {"0", exp_id} <= {x["experiment_id"] for x in listed}
    # The same API answers under /ajax-api.
    assert c.get("/ajax-api/2.0/mlflow/experiments/get", experiment_id=exp_id).status == 200


def runs(c):
    exp_id = c.ok("POST", f"{API}/experiments/create", {"name": "wire-runs"})["experiment_id"]
    now = int(time.time() * 1000)
    run = c.ok("POST", f"{API}/runs/create", {
        "experiment_id": exp_id, "start_time": str(now), "user_id": "ana",
        "tags": [{"key": "mlflow.runName", "value": "first"}]})["run"]
    info = run["info"]
    run_id = info["run_id"]
    assert len(run_id) == 32 and info["status"] == "RUNNING" and info["run_name"] == "first"
    assert info["artifact_uri"] == f"mlflow-artifacts:/{exp_id}/{run_id}/artifacts"
    assert info["start_time"] == now and info["lifecycle_stage"] == "active"
    # log-metric with int64 as strings and the special float spellings.
    for i, v in enumerate([0.5, "NaN", "Infinity", "-Infinity", 0.25]):
        c.ok("POST", f"{API}/runs/log-metric", {"run_id": run_id, "key": "loss", "value": v,
                                                "timestamp": str(now + i), "step": str(i)})
    c.ok("POST", f"{API}/runs/log-parameter", {"run_id": run_id, "key": "lr", "value": "0.1"})
    c.ok("POST", f"{API}/runs/log-parameter", {"run_id": run_id, "key": "lr", "value": "0.1"})
    expect_error(c.post(f"{API}/runs/log-parameter", {"run_id": run_id, "key": "lr",
                                                       "value": "0.2"}),
                 400, "INVALID_PARAMETER_VALUE")
    c.ok("POST", f"{API}/runs/set-tag", {"run_id": run_id, "key": "owner", "value": "ana"})
    c.ok("POST", f"{API}/runs/set-tag", {"run_id": run_id, "key": "tmp", "value": "x"})
    c.ok("POST", f"{API}/runs/delete-tag", {"run_id": run_id, "key": "tmp"})
    hist = c.get(f"{API}/metrics/get-history", run_id=run_id, metric_key="loss").json["metrics"]
    vals = [m["value"] for m in sorted(hist, key=lambda m: m["step"])]
    assert vals[0] == 0.5 and vals[1] == "NaN" and vals[2] == "Infinity"
    assert vals[3] == "-Infinity" and vals[4] == 0.25, vals
    got = c.get(f"{API}/runs/get", run_id=run_id).json["run"]
    latest = {m["key"]: m for m in got["data"]["metrics"]}
    assert latest["loss"]["value"] == 0.25 and latest["loss"]["step"] == 4
    assert {"key": "lr", "value": "0.1"} in got["data"]["params"]
    tags = {t["key"]: t["value"] for t in got["data"]["tags"]}
    assert tags["owner"] == "ana" and "tmp" not in tags and tags["mlflow.runName"] == "first"
    # log-batch, all or nothing.
    c.ok("POST", f"{API}/runs/log-batch", {
        "run_id": run_id,
        "metrics": [{"key": "acc", "value": 0.9, "timestamp": now, "step": 1}],
        "params": [{"key": "depth", "value": "6"}], "tags": [{"key": "k", "value": "v"}]})
    too_many = [{"key": f"m{i}", "value": 1.0, "timestamp": now, "step": 0} for i in range(1001)]
    expect_error(c.post(f"{API}/runs/log-batch", {"run_id": run_id, "metrics": too_many}), 400,
                 "INVALID_PARAMETER_VALUE")
    expect_error(c.post(f"{API}/runs/log-batch", {
        "run_id": run_id, "metrics": [{"key": "ok", "value": 1, "timestamp": now}],
        "params": [{"key": "lr", "value": "changed"}]}), 400, "INVALID_PARAMETER_VALUE")
    hist = c.get(f"{API}/metrics/get-history", run_id=run_id, metric_key="ok").json
    assert not hist.get("metrics"), "a rejected batch must leave nothing behind"
    expect_error(c.post(f"{API}/runs/log-metric", {"run_id": run_id, "key": "../x", "value": 1,
                                                    "timestamp": now}),
                 400, "INVALID_PARAMETER_VALUE")
    expect_error(c.get(f"{API}/runs/get", run_id="0" * 32), 404, "RESOURCE_DOES_NOT_EXIST")
    # update, delete, restore.
    info = c.ok("POST", f"{API}/runs/update", {"run_id": run_id, "status": "FINISHED",
                                               "end_time": str(now + 100)})["run_info"]
    assert info["status"] == "FINISHED" and info["end_time"] == now + 100
    c.ok("POST", f"{API}/runs/delete", {"run_id": run_id})
    expect_error(c.post(f"{API}/runs/log-metric", {"run_id": run_id, "key": "late", "value": 1,
                                                    "timestamp": now}),
                 400, "INVALID_PARAMETER_VALUE")
    c.ok("POST", f"{API}/runs/restore", {"run_id": run_id})
    # log-inputs.
    c.ok("POST", f"{API}/runs/log-inputs", {"run_id": run_id, "datasets": [{
        "tags": [{"key": "mlflow.data.context", "value": "training"}],
        "dataset": {"name": "iris", "digest": "abc123", "source_type": "local",
                    "source": "{\"uri\": \"/data/iris.csv\"}"}}]})
    got = c.get(f"{API}/runs/get", run_id=run_id).json["run"]
    ds = got["inputs"]["dataset_inputs"]
    assert ds[0]["dataset"]["name"] == "iris" and ds[0]["dataset"]["digest"] == "abc123"


def search(c):
    exp_id = c.ok("POST", f"{API}/experiments/create", {"name": "wire-search"})["experiment_id"]
    ids = []
    for i in range(12):
        r = c.ok("POST", f"{API}/runs/create", {"experiment_id": exp_id, "run_name": f"r{i}",
                                                "start_time": 1000 + i})["run"]["info"]["run_id"]
        c.ok("POST", f"{API}/runs/log-batch", {
            "run_id": r, "metrics": [{"key": "m1", "value": i / 10, "timestamp": 1, "step": 0}],
            "params": [{"key": "p1", "value": "x" if i % 2 else "y"}],
            "tags": [{"key": "grp", "value": f"g{i % 3}"}]})
        ids.append(r)
    def find(filt, **kw):
        body = {"experiment_ids": [exp_id], "filter": filt}
        body.update(kw)
        return c.ok("POST", f"{API}/runs/search", body)
    got = find("metrics.m1 > 0.5 and params.p1 = 'x'")
    names = sorted(r["info"]["run_name"] for r in got["runs"])
    assert names == ["r11", "r7", "r9"], names
    got = find("tags.grp LIKE 'g1%'")
    assert len(got["runs"]) == 4
    got = find("tags.grp ILIKE 'G2'")
    assert len(got["runs"]) == 4
    got = find(f"attributes.run_id IN ('{ids[0]}', '{ids[1]}')")
    assert len(got["runs"]) == 2
    got = find("attributes.run_name = 'r3'")
    assert [r["info"]["run_id"] for r in got["runs"]] == [ids[3]]
    got = find("", order_by=["metrics.m1 DESC"], max_results=5)
    assert [r["info"]["run_name"] for r in got["runs"]] == ["r11", "r10", "r9", "r8", "r7"]
    page2 = find("", order_by=["metrics.m1 DESC"], max_results=5,
                 page_token=got["next_page_token"])
    assert [r["info"]["run_name"] for r in page2["runs"]] == ["r6", "r5", "r4", "r3", "r2"]
    # default order: start_time DESC
    got = find("")
    assert got["runs"][0]["info"]["run_name"] == "r11"
    # injection stays literal
    got = c.post(f"{API}/runs/search", {"experiment_ids": [exp_id],
                                        "filter": "params.p1 = 'x'' OR 1=1 --'"})
    assert got.status in (200, 400)
    if got.status == 200:
        assert not got.json.get("runs")
    expect_error(c.post(f"{API}/runs/search", {"experiment_ids": [exp_id],
                                                "filter": "metrics.m1 >> 3"}),
                 400, "INVALID_PARAMETER_VALUE")
    expect_error(c.post(f"{API}/runs/search", {"experiment_ids": [exp_id],
                                                "page_token": "not-a-token"}),
                 400, "INVALID_PARAMETER_VALUE")


def registry(c):
    exp_id = c.ok("POST", f"{API}/experiments/create", {"name": "wire-reg"})["experiment_id"]
    run_id = c.ok("POST", f"{API}/runs/create", {"experiment_id": exp_id})["run"]["info"]["run_id"]
    m = c.ok("POST", f"{API}/registered-models/create", {"name": "fraud",
                                                          "description": "d"})["registered_model"]
    assert m["name"] == "fraud"
    expect_error(c.post(f"{API}/registered-models/create", {"name": "fraud"}), 400,
                 "RESOURCE_ALREADY_EXISTS")
    versions = []
    for _ in range(3):
        v = c.ok("POST", f"{API}/model-versions/create", {
            "name": "fraud", "source": f"mlflow-artifacts:/{exp_id}/{run_id}/artifacts/model",
            "run_id": run_id})["model_version"]
        versions.append(v["version"])
    assert versions == ["1", "2", "3"], versions
    c.ok("POST", f"{API}/model-versions/transition-stage",
         {"name": "fraud", "version": "1", "stage": "Production",
          "archive_existing_versions": False})
    c.ok("POST", f"{API}/model-versions/transition-stage",
         {"name": "fraud", "version": "2", "stage": "production",
          "archive_existing_versions": True})
    v1 = c.get(f"{API}/model-versions/get", name="fraud", version="1").json["model_version"]
    assert v1["current_stage"] == "Archived", v1
    c.ok("POST", f"{API}/registered-models/alias", {"name": "fraud", "alias": "champion",
                                                    "version": "2"})
    c.ok("POST", f"{API}/registered-models/alias", {"name": "fraud", "alias": "champion",
                                                    "version": "3"})
    byalias = c.get(f"{API}/registered-models/alias", name="fraud", alias="champion").json
    assert byalias["model_version"]["version"] == "3"
    latest = c.ok("POST", f"{API}/registered-models/get-latest-versions",
                  {"name": "fraud", "stages": ["Production"]})["model_versions"]
    assert [v["version"] for v in latest] == ["2"]
    uri = c.get(f"{API}/model-versions/get-download-uri", name="fraud", version="3").json
    assert uri["artifact_uri"].endswith("/model")
    found = c.get(f"{API}/model-versions/search", filter=f"run_id = '{run_id}'").json
    assert len(found["model_versions"]) == 3
    found = c.get(f"{API}/registered-models/search", filter="name LIKE 'fra%'").json
    assert [x["name"] for x in found["registered_models"]] == ["fraud"]
    audit = c.get("/api/v1/registry/audit", name="fraud").json["events"]
    # two transitions of v1/v2, one archive of v1, and two alias changes
    assert len(audit) >= 5, audit
    moves = [(e["action"], e.get("from"), e.get("to")) for e in audit]
    assert any(a == "set_alias" and f == "2" and t == "3" for a, f, t in moves), moves
    c.ok("DELETE", f"{API}/registered-models/alias", {"name": "fraud", "alias": "champion"})
    expect_error(c.get(f"{API}/registered-models/alias", name="fraud", alias="champion"), 404,
                 "RESOURCE_DOES_NOT_EXIST")
    c.ok("POST", f"{API}/registered-models/rename", {"name": "fraud", "new_name": "fraud2"})
    assert c.get(f"{API}/model-versions/get", name="fraud2", version="2").status == 200
    c.ok("DELETE", f"{API}/registered-models/delete", {"name": "fraud2"})
    expect_error(c.get(f"{API}/registered-models/get", name="fraud2"), 404,
                 "RESOURCE_DOES_NOT_EXIST")


def artifacts(c):
    exp_id = c.ok("POST", f"{API}/experiments/create", {"name": "wire-art"})["experiment_id"]
    info = c.ok("POST", f"{API}/runs/create", {"experiment_id": exp_id})["run"]["info"]
    run_id = info["run_id"]
    base = f"/api/2.0/mlflow-artifacts/artifacts/{exp_id}/{run_id}/artifacts"
    payload = bytes(range(256)) * 100
    for path in ("model/model.bin", "model/copy.bin", "notes.txt"):
        data = payload if path.endswith(".bin") else b"hello"
        r = c.request("PUT", f"{base}/{path}", raw=data,
                      headers={"Content-Type": "application/octet-stream"})
        assert r.status == 200, r.raw
    r = c.request("GET", f"{base}/model/model.bin")
    assert r.status == 200 and r.raw == payload
    listing = c.get(f"{API}/artifacts/list", run_id=run_id).json
    assert listing["root_uri"] == info["artifact_uri"]
    files = {f["path"]: f for f in listing["files"]}
    assert files["model"]["is_dir"] and files["notes.txt"]["file_size"] == 5, files
    sub = c.get(f"{API}/artifacts/list", run_id=run_id, path="model").json["files"]
    assert sorted(f["path"] for f in sub) == ["model/copy.bin", "model/model.bin"], sub
    proxied = c.get("/api/2.0/mlflow-artifacts/artifacts",
                    path=f"{exp_id}/{run_id}/artifacts/model").json["files"]
    assert sorted(f["path"] for f in proxied) == ["copy.bin", "model.bin"], proxied
    for bad in ("../../etc/passwd", "%2e%2e/%2e%2e/etc/passwd", "a/../../b"):
        r = c.request("GET", f"/api/2.0/mlflow-artifacts/artifacts/{bad}")
        assert r.status == 400, (bad, r.status, r.raw)
    r = c.request("DELETE", f"{base}/notes.txt")
    assert r.status == 200
    assert c.request("GET", f"{base}/notes.txt").status == 404


def health(c):
    r = c.request("GET", "/health")
    assert r.status == 200 and r.raw == b"OK", (r.status, r.raw)


def main():
    checks = Checks()
    for label, store in backends():
        server = Server()
        server.store_uri = store(server.home)
        server.start()
        c = server.client()
        for fn in (experiments, runs, search, registry, artifacts):
            checks.run(f"{label}: {fn.__name__}", fn, c)
        checks.run(f"{label}: server still up", health, c)
        c.close()
        server.stop()
    checks.finish()


if __name__ == "__main__":
    main()
