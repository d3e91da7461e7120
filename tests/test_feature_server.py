"""Feast's feature-server HTTP surface over real HTTP, on both online stores:

- LMDB under `strata server --feature-repo` (the embedded default): push rows then read them
  (values, PRESENT / NOT_FOUND / NULL_VALUE / OUTSIDE_MAX_AGE, event timestamps, full names,
  a feature service, multi-key entities), an offline push that writes a new Parquet file into
  the directory source, a corpus of bad requests that all get 400/404/413 with {"detail"} while
  the server stays up, and a newly applied registry version picked up without a restart.
- Redis under `strata serve --feature-repo` with a redis-server of the test's own: push then
  read; the Redis server killed -> 503 naming Redis; started again -> 200 without a restart.
  The same over the server's Unix socket (connection_string unix:///path).
- /materialize and /materialize-incremental from the directory source into the store.

Runs on SQLite (the registry); the online stores are the point here.
"""
import datetime as dt
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pandas as pd

from harness import STRATA_BIN, Checks, Client

NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


REPO_YAML = """entities:
  - {name: user, join_keys: [user_id]}
  - name: txn
    join_keys: [{name: merchant_id, type: string}, {name: terminal, type: int64}]
sources:
  - {name: user_src, type: file, path: data/users, timestamp_field: event_ts}
  - {name: user_push, type: push, batch_source: user_src}
  - {name: txn_src, type: file, path: data/txns.parquet, timestamp_field: event_ts}
  - {name: txn_push, type: push, batch_source: txn_src}
feature_views:
  - name: user_stats
    entities: [user]
    source: user_push
    ttl: 1h
    schema: [{name: f1, type: float64}, {name: f2, type: int64}, {name: label, type: string}]
  - name: user_forever
    entities: [user]
    source: user_push
    schema: [{name: f1, type: float64}]
  - name: txn_stats
    entities: [txn]
    source: txn_push
    ttl: 1d
    schema: [{name: amount, type: float64}]
feature_services:
  - {name: risk, features: ["user_stats:f2", "user_stats:label", "user_forever:*"]}
"""


def run(*args, check=True):
    r = subprocess.run([STRATA_BIN, *args], capture_output=True, text=True, timeout=120)
    if check:
        assert r.returncode == 0, f"{args}: {r.stdout}\n{r.stderr}"
    return r


def to_parquet(frame, path, root):
    csv = os.path.join(root, os.path.basename(path) + ".csv")
    frame.to_csv(csv, index=False)
    run("data", "convert", csv, path)


def make_repo(root, project, online):
    repo = os.path.join(root, project)
    os.makedirs(os.path.join(repo, "data", "users"))
    to_parquet(pd.DataFrame({
        "user_id": pd.Series([100], dtype="int64"),
        "event_ts": ["2020-01-01T00:00:00Z"],
        "f1": [0.5], "f2": pd.Series([5], dtype="int64"), "label": ["seed"],
    }), os.path.join(repo, "data", "users", "seed.parquet"), root)
    to_parquet(pd.DataFrame({
        "merchant_id": ["m1"], "terminal": pd.Series([1], dtype="int64"),
        "event_ts": ["2020-01-01T00:00:00Z"], "amount": [1.0],
    }), os.path.join(repo, "data", "txns.parquet"), root)
    with open(os.path.join(repo, "feature_store.yaml"), "w") as f:
        f.write(f"project: {project}\nonline_store: {online}\n")
    with open(os.path.join(repo, "defs.yaml"), "w") as f:
        f.write(REPO_YAML)
    return repo


class Process:
    """`strata server` or `strata serve` on an ephemeral port."""

    def __init__(self, args, home):
        self.log_path = os.path.join(home, f"proc-{time.time_ns()}.log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([STRATA_BIN, *args, "--port", "0"],
                                     stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.time() + 60
        while time.time() < deadline:
            assert self.proc.poll() is None, f"exited {self.proc.returncode}: {self.text()}"
            m = re.search(r"listening on http://[\d.]+:(\d+)", self.text())
            if m and m.group(1) != "0":
                self.port = int(m.group(1))
                return
            time.sleep(0.05)
        raise RuntimeError("did not start: " + self.text())

    def text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(30)
        self.log.close()
        return self.proc.returncode


def get(client, body):
    return client.request("POST", "/get-online-features", body)


def ok_features(client, body):
    r = get(client, body)
    assert r.status == 200, f"{r.status} {r.raw[:500]!r}"
    return r.json


def push(client, source, df, to="online"):
    r = client.request("POST", "/push", {"push_source_name": source, "df": df, "to": to})
    assert r.status == 200, f"{r.status} {r.raw[:500]!r}"
    return r.json


def columns(resp):
    names = resp["metadata"]["feature_names"]
    assert len(names) == len(resp["results"]), resp
    return dict(zip(names, resp["results"]))


def push_and_read(client):
    fresh = NOW - dt.timedelta(minutes=5)
    stale = NOW - dt.timedelta(hours=2)
    out = push(client, "user_push", {
        "user_id": [1, 2, 3],
        "event_ts": [iso(fresh), iso(stale), iso(fresh)],
        "f1": [1.5, 2.5, None],
        "f2": [10, 20, 30],
        "label": ["a", "b", "c"],
    })
    assert out["rows"] == 3, out
    assert sorted(v["feature_view"] for v in out["online"]) == ["user_forever", "user_stats"], out
    assert all(v["written"] == 3 for v in out["online"]), out
    assert out["offline"] is None, out

    resp = ok_features(client, {"features": ["user_stats:f1", "user_stats:f2", "user_forever:f1"],
                                "entities": {"user_id": [1, 2, 3, 4]},
                                "full_feature_names": True})
    cols = columns(resp)
    assert list(cols) == ["user_id", "user_stats__f1", "user_stats__f2", "user_forever__f1"], cols
    assert cols["user_id"]["values"] == [1, 2, 3, 4], cols
    assert cols["user_id"]["statuses"] == ["PRESENT"] * 4, cols
    f1 = cols["user_stats__f1"]
    # user 2's row is 2 hours old against a 1 hour ttl; user 3 pushed null; user 4 absent.
    assert f1["statuses"] == ["PRESENT", "OUTSIDE_MAX_AGE", "NULL_VALUE", "NOT_FOUND"], f1
    assert f1["values"] == [1.5, None, None, None], f1
    assert f1["event_timestamps"] == [iso(fresh), iso(stale), iso(fresh),
                                      "1970-01-01T00:00:00Z"], f1
    assert cols["user_stats__f2"]["values"] == [10, None, 30, None], cols
    # The view without ttl keeps the old row.
    forever = cols["user_forever__f1"]
    assert forever["statuses"] == ["PRESENT", "PRESENT", "NULL_VALUE", "NOT_FOUND"], forever
    assert forever["values"] == [1.5, 2.5, None, None], forever

    # A newer push replaces, an older one is skipped.
    out = push(client, "user_push", {"user_id": [1, 1], "event_ts": [iso(NOW), iso(stale)],
                                     "f1": [9.0, 0.0], "f2": [90, 0], "label": ["z", "old"]})
    resp = ok_features(client, {"features": ["user_stats:f1", "user_stats:label"],
                                "entities": {"user_id": [1]}})
    cols = columns(resp)
    assert cols["f1"]["values"] == [9.0] and cols["label"]["values"] == ["z"], cols

    # A feature service, in its own order.
    resp = ok_features(client, {"feature_service": "risk", "entities": {"user_id": [1, 2]}})
    assert resp["metadata"]["feature_names"] == ["user_id", "f2", "label", "f1"], resp


def multi_key(client):
    push(client, "txn_push", {"merchant_id": ["m1", "m2"], "terminal": [7, 7],
                              "event_ts": [iso(NOW), iso(NOW)], "amount": [3.25, 4.5]})
    resp = ok_features(client, {"features": ["txn_stats:amount"],
                                "entities": {"terminal": [7, 7, 8], "merchant_id": ["m1", "m2", "m1"]}})
    cols = columns(resp)
    assert list(cols) == ["terminal", "merchant_id", "amount"], cols
    assert cols["amount"]["values"] == [3.25, 4.5, None], cols
    assert cols["amount"]["statuses"] == ["PRESENT", "PRESENT", "NOT_FOUND"], cols


def offline_push(client, repo):
    before = set(glob.glob(os.path.join(repo, "data", "users", "*.parquet")))
    out = push(client, "user_push", {"user_id": [50], "event_ts": [iso(NOW)], "f1": [5.5],
                                     "f2": [55], "label": ["off"]}, to="offline")
    assert out["online"] == [] and out["offline"], out
    after = set(glob.glob(os.path.join(repo, "data", "users", "*.parquet")))
    new = sorted(after - before)
    assert len(new) == 1 and new[0] == out["offline"], (new, out)
    csv = new[0] + ".csv"
    run("data", "convert", new[0], csv)
    frame = pd.read_csv(csv)
    assert sorted(frame.columns) == ["event_ts", "f1", "f2", "label", "user_id"], frame
    assert frame["user_id"].tolist() == [50] and frame["f1"].tolist() == [5.5], frame
    os.remove(csv)
    # Offline only: not online.
    resp = ok_features(client, {"features": ["user_stats:f1"], "entities": {"user_id": [50]}})
    assert columns(resp)["f1"]["statuses"] == ["NOT_FOUND"], resp
    # Both.
    out = push(client, "user_push", {"user_id": [51], "event_ts": [iso(NOW)], "f1": [6.5],
                                     "f2": [66], "label": ["both"]}, to="online_and_offline")
    assert out["offline"] and len(out["online"]) == 2, out
    resp = ok_features(client, {"features": ["user_stats:f1"], "entities": {"user_id": [51]}})
    assert columns(resp)["f1"]["values"] == [6.5], resp
    # A single-file batch source cannot take an offline push.
    r = client.request("POST", "/push", {"push_source_name": "txn_push", "to": "offline", "df": {
        "merchant_id": ["m9"], "terminal": [1], "event_ts": [iso(NOW)], "amount": [1.0]}})
    assert r.status == 400 and "directory or postgres source" in r.json["detail"], r.raw


BAD = [
    # (body or raw text, expected status, words in detail)
    ("not json", 400, "malformed JSON"),
    ("[]", 400, "JSON object"),
    ({"features": ["user_stats:f1"]}, 400, "no 'entities'"),
    ({"features": ["user_stats:f1"], "entities": {}}, 400, "no entities"),
    ({"features": ["user_stats:f1"], "entities": {"user_id": []}}, 400, "empty"),
    ({"features": ["nope:f1"], "entities": {"user_id": [1]}}, 400, "unknown feature view 'nope'"),
    ({"features": ["user_stats:nope"], "entities": {"user_id": [1]}}, 400, "no feature 'nope'"),
    ({"features": ["user_stats"], "entities": {"user_id": [1]}}, 400, "view:feature"),
    ({"feature_service": "nope", "entities": {"user_id": [1]}}, 400, "unknown feature service"),
    ({"entities": {"user_id": [1]}}, 400, "names no features"),
    ({"features": ["user_stats:f1"], "feature_service": "risk", "entities": {"user_id": [1]}},
     400, "not both"),
    ({"features": ["user_stats:f1"], "entities": {"user_id": ["1"]}}, 400, "expected int64"),
    ({"features": ["user_stats:f1"], "entities": {"user_id": [1.5]}}, 400, "non-integer"),
    ({"features": ["user_stats:f1"], "entities": {"user_id": [None]}}, 400, "null"),
    ({"features": ["user_stats:f1"], "entities": {"driver_id": [1]}}, 400, "needs join key"),
    ({"features": ["user_stats:f1"], "entities": {"user_id": [1], "x": [1]}}, 400,
     "not a join key"),
    ({"features": ["txn_stats:amount"], "entities": {"merchant_id": ["a"], "terminal": [1, 2]}},
     400, "unequal lengths"),
    ({"features": ["user_stats:f1", "user_forever:f1"], "entities": {"user_id": [1]}}, 400,
     "full_feature_names"),
    ({"features": ["user_stats:f1"], "entities": {"user_id": [1]}, "full_feature_names": "yes"},
     400, "true or false"),
    ({"features": ["user_stats:f1"], "entities": {"user_id": list(range(100001))}}, 413,
     "at most 100000"),
]

BAD_PUSH = [
    ({"push_source_name": "nope", "df": {"user_id": [1]}}, 404, "unknown push source"),
    ({"push_source_name": "user_src", "df": {"user_id": [1]}}, 404, "unknown push source"),
    ({"df": {"user_id": [1]}}, 400, "push_source_name"),
    ({"push_source_name": "user_push", "df": {"user_id": [1]}}, 400, "lacks column 'event_ts'"),
    ({"push_source_name": "user_push", "df": {"user_id": [1], "event_ts": ["yesterday"],
                                               "f1": [1.0], "f2": [1], "label": ["a"]}},
     400, "not an RFC 3339"),
    ({"push_source_name": "user_push", "df": {"user_id": ["1"], "event_ts": [iso(NOW)],
                                               "f1": [1.0], "f2": [1], "label": ["a"]}},
     400, "integer join key"),
    ({"push_source_name": "user_push", "df": {"user_id": [1], "event_ts": [iso(NOW)],
                                               "f1": ["x"], "f2": [1], "label": ["a"]}},
     400, "column 'f1' row 0: expected a number"),
    ({"push_source_name": "user_push", "df": {"user_id": [1], "event_ts": [iso(NOW)],
                                               "f1": [1.0], "f2": [1], "label": ["a"],
                                               "extra": [1]}},
     400, "column 'extra' is not"),
    ({"push_source_name": "user_push", "df": {"user_id": [1, 2], "event_ts": [iso(NOW)]}},
     400, "unequal lengths"),
    ({"push_source_name": "user_push", "df": {"user_id": [1]}, "to": "disk"}, 400,
     "online_and_offline"),
]


def bad_reads(client):
    for body, status, words in BAD:
        raw = body if isinstance(body, str) else None
        r = client.request("POST", "/get-online-features", None if raw else body, raw=raw)
        assert r.status == status, f"{body!r:.200}: {r.status} {r.raw[:300]!r}"
        assert words in r.json["detail"], f"{body!r:.200}: {r.json}"


def bad_requests(proc, client):
    bad_reads(client)
    for body, status, words in BAD_PUSH:
        r = client.request("POST", "/push", body)
        assert r.status == status, f"{body!r:.200}: {r.status} {r.raw[:300]!r}"
        assert words in r.json["detail"], f"{body!r:.200}: {r.json}"
    assert proc.alive()
    resp = ok_features(client, {"features": ["user_stats:f2"], "entities": {"user_id": [1]}})
    assert columns(resp)["f2"]["values"] == [90], resp


def new_version_is_picked_up(client, repo, home):
    with open(os.path.join(repo, "defs.yaml"), "w") as f:
        f.write(REPO_YAML.replace('  - {name: risk, features: ["user_stats:f2", "user_stats:label", '
                                  '"user_forever:*"]}',
                                  '  - {name: risk, features: ["user_stats:f2", "user_stats:label", '
                                  '"user_forever:*"]}\n  - {name: risk2, features: ["user_stats:f1"]}'))
    run("features", "apply", "--repo", repo, "--home", home)
    deadline = time.time() + 20
    while True:
        r = get(client, {"feature_service": "risk2", "entities": {"user_id": [1]}})
        if r.status == 200:
            assert columns(r.json)["f1"]["values"] == [9.0], r.json
            return
        assert r.status == 400 and "unknown feature service" in r.json["detail"], r.raw
        assert time.time() < deadline, "the new registry version was not picked up"
        time.sleep(0.2)


def materialize(client, repo):
    # The seed row of user 100 (2020) is in the directory source; materialize it.
    r = client.request("POST", "/materialize", {"start_ts": "2019-01-01T00:00:00Z",
                                                "end_ts": iso(NOW), "feature_views": ["user_forever"]})
    assert r.status == 200, f"{r.status} {r.raw[:500]!r}"
    resp = ok_features(client, {"features": ["user_forever:f1"], "entities": {"user_id": [100]}})
    assert columns(resp)["f1"]["values"] == [0.5], resp
    r = client.request("POST", "/materialize-incremental", {"end_ts": iso(NOW)})
    assert r.status == 200, f"{r.status} {r.raw[:500]!r}"
    r = client.request("POST", "/materialize", {"start_ts": "2019-01-01T00:00:00Z",
                                                "end_ts": iso(NOW), "feature_views": ["nope"]})
    assert r.status in (400, 404) and "nope" in r.json["detail"], r.raw
    # Each materialization is recorded with a profile of the values it wrote.
    base = "/api/v1/features/projects/fs_lmdb/views/user_forever/materializations"
    r = client.request("GET", base)
    assert r.status == 200, f"{r.status} {r.raw[:500]!r}"
    runs = r.json["materializations"]
    assert runs and runs[0]["keys_written"] >= 1, r.json
    profile = runs[0]["profile"]
    assert profile and "f1" in json.dumps(profile), runs[0]
    r = client.request("GET", f"{base}/{runs[0]['id']}/profile")
    assert r.status == 200 and r.json == profile, r.raw[:300]
    r = client.request("GET", f"{base}/999999/profile")
    assert r.status == 404, r.raw


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Redis:
    def __init__(self, root):
        self.port = free_port()
        self.dir = os.path.join(root, f"redis-{self.port}")
        os.makedirs(self.dir, exist_ok=True)
        self.socket = os.path.join(self.dir, "redis.sock")

    def start(self):
        subprocess.run(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                        "--unixsocket", self.socket, "--unixsocketperm", "700",
                        "--daemonize", "yes", "--save", "", "--appendonly", "no",
                        "--dir", self.dir, "--pidfile", os.path.join(self.dir, "pid"),
                        "--logfile", os.path.join(self.dir, "log")], check=True)
        # Both listeners: redis-server opens the port a moment before the socket.
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                with socket.socket(socket.AF_UNIX) as s:
                    s.connect(self.socket)
                return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        try:
            with open(os.path.join(self.dir, "pid")) as f:
                os.kill(int(f.read().strip()), signal.SIGKILL)
        except (OSError, ValueError):
            return
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                time.sleep(0.02)
            except OSError:
                return


def redis_restart(client, redis, where):
    push(client, "user_push", {"user_id": [7], "event_ts": [iso(NOW)], "f1": [7.5], "f2": [70],
                               "label": ["r"]})
    body = {"features": ["user_stats:f1"], "entities": {"user_id": [7, 8]}}
    cols = columns(ok_features(client, body))
    assert cols["f1"]["values"] == [7.5, None], cols
    assert cols["f1"]["statuses"] == ["PRESENT", "NOT_FOUND"], cols
    redis.stop()
    for _ in range(3):
        r = get(client, body)
        assert r.status == 503, f"{r.status} {r.raw[:300]!r}"
        assert "redis" in r.json["detail"].lower() and where in r.json["detail"], r.json
    r = client.request("POST", "/push", {"push_source_name": "user_push", "df": {
        "user_id": [7], "event_ts": [iso(NOW)], "f1": [1.0], "f2": [1], "label": ["x"]}})
    assert r.status == 503, r.raw
    redis.start()  # empty: no persistence
    deadline = time.time() + 10
    while True:
        r = get(client, body)
        if r.status == 200:
            break
        assert r.status == 503 and time.time() < deadline, f"{r.status} {r.raw[:300]!r}"
        time.sleep(0.1)
    assert columns(r.json)["f1"]["statuses"] == ["NOT_FOUND", "NOT_FOUND"], r.json
    push(client, "user_push", {"user_id": [7], "event_ts": [iso(NOW)], "f1": [8.5], "f2": [80],
                               "label": ["r2"]})
    assert columns(ok_features(client, body))["f1"]["values"] == [8.5, None]


def stops_cleanly(proc):
    code = proc.stop()
    assert code == 0, f"exit code {code}: {proc.text()[-2000:]}"


def stops_promptly(proc):
    # With Redis reads open on the I/O threads' own connections: they close on shutdown, so the
    # server exits at once instead of waiting out the stop grace period.
    start = time.time()
    stops_cleanly(proc)
    assert time.time() - start < 5, f"took {time.time() - start:.1f} s to stop"


def bad_requests_after_restart(proc, client):
    bad_reads(client)
    assert proc.alive()


def redis_serve_checks(checks, root, home, redis, project, connection, label, where):
    """`strata serve` on the Redis store at `connection`: reads, Redis killed and restarted
    (503 naming `where`, then 200), bad requests, a prompt clean stop."""
    repo = make_repo(root, project, f'{{type: redis, connection_string: "{connection}"}}')
    run("features", "apply", "--repo", repo, "--home", home)
    serve = Process(["serve", "--home", home, "--feature-repo", repo], home)
    client = Client(serve.port)
    try:
        checks.run(f"{label} (strata serve): push then read", push_and_read, client)
        checks.run(f"{label}: killed -> 503 naming {where}, restarted -> 200 without restart",
                   redis_restart, client, redis, where)
        checks.run(f"{label}: bad requests are 400/404/413, server stays up",
                   bad_requests_after_restart, serve, client)
    finally:
        client.close()
        checks.run(f"{label}: server exits promptly and cleanly on SIGTERM", stops_promptly,
                   serve)


def main():
    checks = Checks()
    root = tempfile.mkdtemp(prefix="strata-featserve-")
    home = os.path.join(root, "home")
    try:
        repo = make_repo(root, "fs_lmdb", "{type: lmdb}")
        run("features", "apply", "--repo", repo, "--home", home)
        server = Process(["server", "--home", home, "--feature-repo", repo,
                          "--feature-poll-interval-ms", "100", "--access-log", "off"], home)
        client = Client(server.port)
        try:
            checks.run("lmdb: push then read, statuses and ttl", push_and_read, client)
            checks.run("lmdb: multi-key entities", multi_key, client)
            checks.run("lmdb: offline push to a directory source", offline_push, client, repo)
            checks.run("lmdb: bad requests are 400/404/413, server stays up", bad_requests,
                       server, client)
            checks.run("lmdb: a new registry version is served without restart",
                       new_version_is_picked_up, client, repo, home)
            checks.run("lmdb: /materialize and /materialize-incremental", materialize, client,
                       repo)
            assert os.path.isdir(os.path.join(home, "online.lmdb", "fs_lmdb")), "LMDB not under home"
        finally:
            client.close()
            checks.run("lmdb: server exits cleanly on SIGTERM", stops_cleanly, server)

        redis = Redis(root)
        redis.start()
        try:
            redis_serve_checks(checks, root, home, redis, "fs_redis",
                               f"redis://127.0.0.1:{redis.port}/0", "redis",
                               f"127.0.0.1:{redis.port}")
            redis_serve_checks(checks, root, home, redis, "fs_redis_unix",
                               f"unix://{redis.socket}", "redis over its Unix socket",
                               redis.socket)
        finally:
            redis.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    checks.finish()


if __name__ == "__main__":
    main()
