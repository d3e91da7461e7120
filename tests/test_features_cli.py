"""`strata features plan|apply|list` on a real feature repository (two definition files and a
Parquet source written with pandas): plan shows creates, apply makes version 1, a second plan
is empty, a ttl change and a removed service are an update and a delete applied as version 2,
and invalid repositories are refused with the file, object and field named and the registry
left as it was. Runs on SQLite, and PostgreSQL when STRATA_TEST_POSTGRES_URL is set."""
import json
import os
import shutil
import subprocess
import tempfile

import pandas as pd

from harness import STRATA_BIN, Checks, backends

CONFIG = "project: demo\nonline_store: {type: lmdb}\noffline_store: {type: file}\n"
ENTITIES = """entities:
  - {name: user, join_keys: [user_id]}
  - name: merchant
    join_keys: [{name: merchant_id, type: string}]
sources:
  - {name: txn_src, type: file, path: data/txns.parquet, timestamp_field: event_ts,
     created_timestamp_column: created_ts}
"""
VIEWS = """feature_views:
  - name: user_stats
    entities: [user]
    source: txn_src
    ttl: 30d
    schema: [{name: amount_7d, type: float64}, {name: txn_count_7d, type: int64}]
    tags: {team: risk}
  - name: merchant_stats
    entities: [merchant]
    source: txn_src
    ttl: 7d
    schema: [{name: merchant_risk, type: float64}]
    online: false
feature_services:
  - {name: fraud_v1, features: ["user_stats:amount_7d", "merchant_stats:*"]}
  - {name: fraud_v2, features: ["user_stats:*"]}
"""


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def make_repo(root):
    repo = os.path.join(root, "repo")
    shutil.rmtree(repo, ignore_errors=True)
    os.makedirs(os.path.join(repo, "data"))
    # pandas writes the rows; Debian's python has no pyarrow, so the real Parquet file is made
    # by `strata data convert` (the types come from CSV inference: int64, string, timestamp,
    # float64).
    csv = os.path.join(root, "txns.csv")
    pd.DataFrame({
        "user_id": pd.Series([1, 2, 3], dtype="int64"),
        "merchant_id": ["m1", "m2", "m1"],
        "event_ts": ["2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "2024-01-03T00:00:00Z"],
        "created_ts": ["2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "2024-01-03T00:00:00Z"],
        "amount_7d": [1.5, 2.5, 3.5],
        "txn_count_7d": pd.Series([1, 2, 3], dtype="int64"),
        "merchant_risk": [0.1, 0.2, 0.3],
        "note": ["a", "b", "c"],
    }).to_csv(csv, index=False)
    r = subprocess.run([STRATA_BIN, "data", "convert", csv,
                        os.path.join(repo, "data", "txns.parquet")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    write(os.path.join(repo, "feature_store.yaml"), CONFIG)
    write(os.path.join(repo, "entities.yaml"), ENTITIES)
    write(os.path.join(repo, "views.yaml"), VIEWS)
    return repo


class Cli:
    def __init__(self, home, store_uri):
        self.home = home
        self.store_uri = store_uri

    def __call__(self, verb, repo, *args):
        cmd = [STRATA_BIN, "features", verb, "--repo", repo, "--home", self.home, *args]
        if self.store_uri:
            cmd += ["--store", self.store_uri]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def plan_apply_cycle(cli, root):
    repo = make_repo(root)
    r = cli("plan", repo)
    assert r.returncode == 0, r.stderr
    assert "registry version 0" in r.stdout, r.stdout
    for line in ("+ config demo", "+ entity user", "+ entity merchant", "+ source txn_src",
                 "+ feature_view user_stats", "+ feature_view merchant_stats",
                 "+ feature_service fraud_v1", "+ feature_service fraud_v2"):
        assert line in r.stdout, r.stdout
    r = cli("apply", repo)
    assert r.returncode == 0, r.stderr
    assert "registry version 1" in r.stdout, r.stdout
    r = cli("plan", repo)
    assert r.returncode == 0 and "no changes" in r.stdout, r.stdout + r.stderr
    r = cli("apply", repo)
    assert r.returncode == 0 and "no changes" in r.stdout and "version 1" in r.stdout, r.stdout

    write(os.path.join(repo, "views.yaml"),
          VIEWS.replace("ttl: 30d", "ttl: 14d").replace(
              '  - {name: fraud_v2, features: ["user_stats:*"]}\n', ""))
    r = cli("plan", repo, "--json")
    assert r.returncode == 0, r.stderr
    plan = json.loads(r.stdout)
    assert plan["current_version"] == 1, plan
    changes = {(c["kind"], c["type"], c["name"]): c for c in plan["changes"]}
    assert set(changes) == {("update", "feature_view", "user_stats"),
                            ("delete", "feature_service", "fraud_v2")}, plan
    assert changes[("update", "feature_view", "user_stats")]["fields"] == [
        {"field": "ttl", "old": "30d", "new": "14d"}], plan
    r = cli("plan", repo)
    assert '~ feature_view user_stats: ttl "30d" -> "14d"' in r.stdout, r.stdout
    assert "- feature_service fraud_v2" in r.stdout, r.stdout
    r = cli("apply", repo)
    assert r.returncode == 0 and "registry version 2" in r.stdout, r.stdout + r.stderr

    r = cli("list", repo, "--json")
    assert r.returncode == 0, r.stderr
    listed = json.loads(r.stdout)
    assert listed["version"] == 2, listed
    assert [v["ttl"] for v in listed["feature_views"] if v["name"] == "user_stats"] == ["14d"]
    assert [s["name"] for s in listed["feature_services"]] == ["fraud_v1"], listed
    r = cli("list", repo, "--version", "1")
    assert r.returncode == 0, r.stderr
    assert "registry version 1" in r.stdout and "fraud_v2" in r.stdout, r.stdout
    assert "merchant  join keys: merchant_id string" in r.stdout, r.stdout
    r = cli("list", repo, "--version", "7")
    assert r.returncode == 1 and "no version 7" in r.stderr, r.stderr
    return repo


# (name, file to write, its text, substrings the error must hold)
INVALID = [
    ("unknown entity", "bad.yaml",
     "feature_views:\n  - {name: v9, entities: [usr], source: txn_src,\n"
     "     schema: [{name: amount_7d, type: float64}]}\n",
     ["bad.yaml:2", "feature_view 'v9'", "field 'entities'", "unknown entity 'usr'"]),
    ("duplicate names across files", "bad.yaml",
     "feature_views:\n  - {name: user_stats, entities: [user], source: txn_src,\n"
     "     schema: [{name: amount_7d, type: float64}]}\n",
     ["bad.yaml:2", "feature_view 'user_stats'", "field 'name'", "duplicate name",
      "views.yaml:2"]),
    ("type clash with the parquet source", "bad.yaml",
     "feature_views:\n  - {name: v9, entities: [user], source: txn_src,\n"
     "     schema: [{name: note, type: float64}]}\n",
     ["bad.yaml:2", "feature_view 'v9'", "field 'schema'", "feature 'note' is declared float64",
      "column 'note' of data/txns.parquet", "is string"]),
    ("join key type clash", "bad.yaml",
     "entities:\n  - {name: m2, join_keys: [merchant_id]}\n"
     "feature_views:\n  - {name: v9, entities: [m2], source: txn_src,\n"
     "     schema: [{name: amount_7d, type: float64}]}\n",
     ["bad.yaml:4", "feature_view 'v9'", "field 'entities'", "'merchant_id' is declared int64",
      "is string"]),
    ("bad ttl", "bad.yaml",
     "feature_views:\n  - {name: v9, entities: [user], source: txn_src, ttl: 3 weeks,\n"
     "     schema: [{name: amount_7d, type: float64}]}\n",
     ["bad.yaml:2", "feature_view 'v9'", "field 'ttl'"]),
    ("unknown key", "bad.yaml",
     "feature_views:\n  - name: v9\n    entities: [user]\n    source: txn_src\n"
     "    onlin: true\n    schema: [{name: amount_7d, type: float64}]\n",
     ["bad.yaml:5", "feature_view 'v9'", "field 'onlin'", "unknown field"]),
    ("path escaping the repo", "bad.yaml",
     "sources:\n  - {name: s9, type: file, path: ../../etc/passwd.csv, timestamp_field: ts}\n",
     ["bad.yaml:2", "source 's9'", "field 'path'", "outside the repository"]),
    ("missing timestamp column", "bad.yaml",
     "sources:\n  - {name: s9, type: file, path: data/txns.parquet, timestamp_field: when}\n",
     ["bad.yaml:2", "source 's9'", "field 'timestamp_field'", "column 'when' is not in "
      "data/txns.parquet"]),
    ("unknown feature in a service", "bad.yaml",
     "feature_services:\n  - {name: s9, features: [\"user_stats:nope\"]}\n",
     ["bad.yaml:2", "feature_service 's9'", "field 'features'", "has no feature 'nope'"]),
]


def invalid_repos_are_refused(cli, repo):
    before = cli("list", repo, "--json")
    assert before.returncode == 0, before.stderr
    for name, file, text, expected in INVALID:
        path = os.path.join(repo, file)
        write(path, text)
        for verb in ("plan", "apply"):
            r = cli(verb, repo)
            assert r.returncode == 1, f"{name}: {verb} exited {r.returncode}: {r.stdout}"
            for part in expected:
                assert part in r.stderr, f"{name}: {verb}: {part!r} not in {r.stderr!r}"
        os.remove(path)
    after = cli("list", repo, "--json")
    assert after.stdout == before.stdout, "registry changed by a refused apply"
    # A non-existent repository and a usage error.
    r = cli("plan", os.path.join(repo, "nowhere"))
    assert r.returncode == 1 and "not a directory" in r.stderr, r.stderr
    r = subprocess.run([STRATA_BIN, "features", "plan", "--bogus"], capture_output=True, text=True)
    assert r.returncode == 2, r


def main():
    checks = Checks()
    for label, store_factory in backends():
        root = tempfile.mkdtemp(prefix="strata-features-cli-")
        home = os.path.join(root, "home")
        cli = Cli(home, store_factory(home))
        state = {}

        def cycle(cli=cli, root=root, state=state):
            state["repo"] = plan_apply_cycle(cli, root)

        def invalid(cli=cli, state=state):
            assert "repo" in state, "needs the plan/apply cycle"
            invalid_repos_are_refused(cli, state["repo"])

        checks.run(f"{label}: plan, apply, no-op, update + delete -> version 2", cycle)
        checks.run(f"{label}: invalid repositories refused, registry unchanged", invalid)
    checks.finish()


if __name__ == "__main__":
    main()
