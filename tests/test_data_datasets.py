"""Versioned datasets end to end: `strata data add|versions|get|diff|log-input` under a temp
--home, then `strata server --home` on the same home: /api/v1/datasets endpoints, hash-verified
content, errors (400 for malformed names/versions, 404 for unknown ones, DATA_LOSS for a corrupt
blob) and the versions as MLflow dataset inputs in runs/get and runs/search. Runs against every
backend the harness offers (SQLite; PostgreSQL when STRATA_TEST_POSTGRES_URL is set)."""
import hashlib
import json
import os
import subprocess
import tempfile
import urllib.parse

from harness import STRATA_BIN, Checks, Server, backends, expect_error

API = "/api/2.0/mlflow"
# The CLI runs with the data folder as its working directory: resolve a relative STRATA_BIN.
BIN = os.path.abspath(STRATA_BIN)

V1 = "id,score,name\n1,2.5,a\n2,3.5,b\n3,,c\n"
V2 = "id,score,name,extra\n1,low,a,1\n2,high,b,2\n3,mid,,3\n6,mid,d,4\n"


class Env:
    def __init__(self, label, store_factory):
        self.label = label
        self.home = tempfile.mkdtemp(prefix="strata-datasets-")
        self.store = store_factory(self.home)
        self.files = os.path.join(self.home, "files")
        os.makedirs(self.files)
        self.v1 = self.write("iris.csv", V1)
        self.v2_dir = os.path.join(self.files, "v2")
        os.makedirs(self.v2_dir)
        self.v2 = os.path.join(self.v2_dir, "iris.csv")
        with open(self.v2, "w") as f:
            f.write(V2)
        self.server = None

    def write(self, name, text):
        path = os.path.join(self.files, name)
        with open(path, "w", newline="") as f:
            f.write(text)
        return path

    def data(self, *args):
        cmd = [BIN, "data", *args, "--home", self.home]
        if self.store:
            cmd += ["--store", self.store]
        # Outside any git repository, so the git fields are null (the unit tests cover capture).
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=self.files)


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


def cli_add_versions_get(env):
    r = env.data("add", "iris", env.v1, "--description", "first cut", "--user", "ana",
                 "--no-git")
    assert r.returncode == 0, r.stderr
    assert "Added iris@1" in r.stdout and sha(V1) in r.stdout, r.stdout
    # Identical bytes again: the same version back, said so.
    r = env.data("add", "iris", env.v1)
    assert r.returncode == 0, r.stderr
    assert "Unchanged: iris@1" in r.stdout, r.stdout
    r = env.data("add", "iris", env.v2, "--tag", "stage=raw", "--json")
    assert r.returncode == 0, r.stderr
    m = json.loads(r.stdout)
    assert m["version"] == 2 and m["created"] is True and m["sha256"] == sha(V2), m
    assert m["row_count"] == 4 and m["tags"] == {"stage": "raw"}, m
    assert m["git"] is None, m  # no repository around the working directory
    assert m["profile"]["rows"] == 4 and m["profile"]["columns"][0]["name"] == "id", m

    r = env.data("versions", "iris")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[0].startswith("VERSION") and len(lines) == 3, r.stdout
    assert lines[1].split()[0] == "1" and "ana" in lines[1] and "first cut" in lines[1], r.stdout
    r = env.data("versions", "iris", "--json")
    vs = json.loads(r.stdout)["versions"]
    assert [v["version"] for v in vs] == [1, 2], vs
    assert vs[0]["sha256"] == sha(V1) and vs[0]["size_bytes"] == len(V1), vs[0]
    assert vs[0]["schema"] == [{"name": "id", "type": "int64"}, {"name": "score", "type": "float64"},
                               {"name": "name", "type": "string"}], vs[0]

    out = os.path.join(env.home, "out.csv")
    r = env.data("get", "iris@1", out)
    assert r.returncode == 0, r.stderr
    assert "verified" in r.stdout, r.stdout
    assert open(out).read() == V1
    r = env.data("get", "iris", out)  # latest
    assert r.returncode == 0 and open(out).read() == V2, r.stderr
    r = env.data("get", "iris@latest", env.home)  # into a folder: the original file name
    assert r.returncode == 0 and open(os.path.join(env.home, "iris.csv")).read() == V2, r.stderr


def cli_diff(env):
    r = env.data("diff", "iris@1", "iris@2")
    assert r.returncode == 0, r.stderr
    for line in ("iris@1 -> iris@2", "+ extra (int64)", "~ score: float64 -> string",
                 "rows: 3 -> 4 (+1, +33.3%)", "id.mean: 2 -> 3 (+50.0%)"):
        assert line in r.stdout, (line, r.stdout)
    r = env.data("diff", "iris@1", "iris@2", "--json")
    d = json.loads(r.stdout)
    assert d["schema"]["added"] == [{"name": "extra", "to_type": "int64"}], d
    assert d["schema"]["type_changed"] == [{"name": "score", "from_type": "float64",
                                            "to_type": "string"}], d
    assert d["rows"] == {"from": 3, "to": 4, "change": 1, "relative_change": 1 / 3}, d["rows"]
    nulls = [s for s in d["statistics"] if s["column"] == "name" and
             s["statistic"] == "null_fraction"]
    assert nulls and nulls[0]["from"] == 0 and nulls[0]["to"] == 0.25, d["statistics"]


def cli_errors(env):
    for name in ("../x", "a/b", ".hidden", ""):
        r = env.data("add", name, env.v1)
        assert r.returncode == 2, (name, r.returncode, r.stderr)
        assert "invalid dataset name" in r.stderr, r.stderr
    for ref in ("../x@1", "a/b", "iris@0", "iris@x", "iris@"):
        r = env.data("get", ref, os.path.join(env.home, "x.csv"))
        assert r.returncode == 2, (ref, r.returncode, r.stderr)
    r = env.data("get", "nope@1", os.path.join(env.home, "x.csv"))
    assert r.returncode == 1 and "Dataset 'nope' does not exist" in r.stderr, r.stderr
    r = env.data("get", "iris@9", os.path.join(env.home, "x.csv"))
    assert r.returncode == 1 and "has no version 9" in r.stderr, r.stderr
    r = env.data("versions", "nope")
    assert r.returncode == 1, r
    r = env.data("add", "iris", os.path.join(env.files, "missing.csv"))
    assert r.returncode == 1 and "No such file" in r.stderr, r.stderr
    r = env.data("add", "bad", env.write("ragged.csv", "a,b\n1\n"))
    assert r.returncode == 1 and "line 2" in r.stderr, r.stderr
    r = env.data("log-input", "iris@1", "--run-id", "nosuchrun")
    assert r.returncode == 1 and "not found" in r.stderr, r.stderr


def ok_get(c, path, **params):
    r = c.get(path, **params)
    assert r.status == 200, (path, params, r.status, r.raw[:300])
    return r.json


def http_endpoints(env):
    c = env.server.client()
    body = c.ok("GET", "/api/v1/datasets")
    names = {d["name"]: d for d in body["datasets"]}
    assert names["iris"]["version_count"] == 2, body
    assert names["iris"]["latest_version"]["version"] == 2, body
    assert names["iris"]["latest_version"]["sha256"] == sha(V2), body
    one = c.ok("GET", "/api/v1/datasets/iris")
    assert one["version_count"] == 2, one
    vs = c.ok("GET", "/api/v1/datasets/iris/versions")
    assert vs["name"] == "iris" and [v["version"] for v in vs["versions"]] == [1, 2], vs
    m = c.ok("GET", "/api/v1/datasets/iris/versions/1")
    assert m["sha256"] == sha(V1) and m["row_count"] == 3 and m["description"] == "first cut", m
    assert c.ok("GET", "/api/v1/datasets/iris/versions/latest")["version"] == 2
    r = c.get("/api/v1/datasets/iris/versions/1/content")
    assert r.status == 200 and r.raw == V1.encode(), (r.status, r.raw[:200])
    assert sha(V1) in r.headers.get("ETag", ""), r.headers
    r = c.get("/api/v1/datasets/iris/versions/latest/content")
    assert r.status == 200 and r.raw == V2.encode(), r.status

    expect_error(c.get("/api/v1/datasets/iris/versions/9"), 404, "RESOURCE_DOES_NOT_EXIST")
    expect_error(c.get("/api/v1/datasets/iris/versions/9/content"), 404,
                 "RESOURCE_DOES_NOT_EXIST")
    expect_error(c.get("/api/v1/datasets/nope/versions"), 404, "RESOURCE_DOES_NOT_EXIST")
    expect_error(c.get("/api/v1/datasets/nope"), 404, "RESOURCE_DOES_NOT_EXIST")
    for bad in ("abc", "0", "-1", "1.5"):
        expect_error(c.get(f"/api/v1/datasets/iris/versions/{bad}"), 400,
                     "INVALID_PARAMETER_VALUE")
    # Names that try to leave the dataset namespace, percent-encoded so they reach the handler.
    for name in ("../x", "a/b", "..", "%2e%2e"):
        q = urllib.parse.quote(name, safe="")
        for tail in ("/versions", "/versions/1", "/versions/1/content", ""):
            expect_error(c.get(f"/api/v1/datasets/{q}{tail}"), 400, "INVALID_PARAMETER_VALUE")

    # Every version is a lineage artifact.
    arts = ok_get(c, "/api/v1/lineage/artifacts", type="Dataset")["artifacts"]
    assert {"iris@1", "iris@2"} <= {a["name"] for a in arts}, arts
    iris2 = ok_get(c, "/api/v1/lineage/find", type="Dataset", name="iris@2")
    assert iris2["uri"] == "dataset:iris@2" and iris2["properties"]["sha256"] == sha(V2), iris2
    assert c.ok("GET", f"/api/v1/lineage/artifacts/{iris2['id']}")["name"] == "iris@2"
    up = c.ok("GET", f"/api/v1/lineage/artifacts/{iris2['id']}/upstream")
    assert [a["name"] for a in up["artifacts"]] == ["iris@2"] and up["executions"] == [], up
    expect_error(c.get("/api/v1/lineage/artifacts/999999"), 404, "RESOURCE_DOES_NOT_EXIST")
    expect_error(c.get("/api/v1/lineage/artifacts/abc"), 400, "INVALID_PARAMETER_VALUE")
    expect_error(c.get(f"/api/v1/lineage/artifacts/{iris2['id']}/sideways"), 404,
                 "RESOURCE_DOES_NOT_EXIST")
    expect_error(c.get("/api/v1/lineage/artifacts", max_results="-3"), 400,
                 "INVALID_PARAMETER_VALUE")
    expect_error(c.get("/api/v1/lineage/find", type="Dataset"), 400, "INVALID_PARAMETER_VALUE")
    expect_error(c.get("/api/v1/lineage/find", type="Dataset", name="nope@1"), 404,
                 "RESOURCE_DOES_NOT_EXIST")
    c.close()


def mlflow_inputs(env):
    c = env.server.client()
    run = c.ok("POST", f"{API}/runs/create", {"experiment_id": "0", "run_name": "train"})["run"]
    run_id = run["info"]["run_id"]
    # A new dataset added and logged in one go, and an existing version logged by reference.
    r = env.data("add", "labels", env.write("labels.csv", "id,label\n1,0\n2,1\n"), "--run-id",
                 run_id, "--context", "training")
    assert r.returncode == 0 and f"input of run {run_id}" in r.stdout, (r.stdout, r.stderr)
    r = env.data("log-input", "iris@1", "--run-id", run_id, "--context", "eval")
    assert r.returncode == 0, r.stderr
    got = c.get(f"{API}/runs/get", run_id=run_id).json["run"]
    inputs = {i["dataset"]["name"]: i for i in got["inputs"]["dataset_inputs"]}
    assert set(inputs) == {"labels", "iris"}, got["inputs"]
    iris = inputs["iris"]
    d = iris["dataset"]
    assert d["digest"] == sha(V1)[:8] and d["source_type"] == "strata", d
    src = json.loads(d["source"])
    assert src["version"] == 1 and src["sha256"] == sha(V1) and src["dataset"] == "iris", src
    schema = json.loads(d["schema"])["mlflow_colspec"]
    assert [(s["name"], s["type"]) for s in schema] == [("id", "long"), ("score", "double"),
                                                        ("name", "string")], schema
    assert json.loads(d["profile"])["num_rows"] == 3, d
    assert {"key": "mlflow.data.context", "value": "eval"} in iris["tags"], iris
    # The MLflow source JSON names the native endpoint of the version.
    assert src["uri"] == "strata:/datasets/iris/versions/1", src
    # Logging the same version again is a no-op (MLflow dedupes by name and digest).
    assert env.data("log-input", "iris@1", "--run-id", run_id).returncode == 0
    got = c.get(f"{API}/runs/get", run_id=run_id).json["run"]
    assert len(got["inputs"]["dataset_inputs"]) == 2, got["inputs"]

    found = c.ok("POST", f"{API}/runs/search", {"experiment_ids": ["0"],
                                                 "filter": "datasets.name = 'labels'"})
    runs = found.get("runs", [])
    assert [r["info"]["run_id"] for r in runs] == [run_id], found
    names = {i["dataset"]["name"] for i in runs[0]["inputs"]["dataset_inputs"]}
    assert names == {"labels", "iris"}, runs[0]["inputs"]
    c.close()


def corrupt_blob(env):
    # Flip one byte of version 1's blob (as a failing disk would): both the CLI and the
    # content endpoint refuse it, naming the hash.
    digest = sha(V1)
    blob = os.path.join(env.home, "artifacts", "blobs", "sha256", digest[:2], digest[2:])
    assert os.path.exists(blob), os.listdir(os.path.join(env.home, "artifacts", "blobs", "sha256"))
    os.chmod(blob, 0o644)
    data = bytearray(open(blob, "rb").read())
    original = bytes(data)
    data[3] ^= 0x01
    with open(blob, "wb") as f:
        f.write(data)
    try:
        out = os.path.join(env.home, "corrupt-out.csv")
        r = env.data("get", "iris@1", out)
        assert r.returncode == 1 and digest in r.stderr and "corrupt" in r.stderr, r.stderr
        assert not os.path.exists(out)
        c = env.server.client()
        r = c.get("/api/v1/datasets/iris/versions/1/content")
        expect_error(r, 500, "DATA_LOSS")
        assert digest in r.json["message"], r.json
        # The manifest itself is still served.
        assert c.ok("GET", "/api/v1/datasets/iris/versions/1")["sha256"] == digest
        c.close()
    finally:
        with open(blob, "wb") as f:
            f.write(original)
    assert env.data("get", "iris@1", os.path.join(env.home, "ok.csv")).returncode == 0


def main():
    checks = Checks()
    for label, store in backends():
        env = Env(label, store)
        checks.run(f"{label}: add, versions, get", cli_add_versions_get, env)
        checks.run(f"{label}: diff", cli_diff, env)
        checks.run(f"{label}: CLI errors", cli_errors, env)
        env.server = Server(store_uri=env.store, home=env.home)
        env.server.start()
        try:
            checks.run(f"{label}: /api/v1/datasets", http_endpoints, env)
            checks.run(f"{label}: MLflow dataset inputs", mlflow_inputs, env)
            checks.run(f"{label}: corrupt blob", corrupt_blob, env)
        finally:
            env.server.stop()
    checks.finish()


if __name__ == "__main__":
    main()
