"""`strata features materialize|materialize-incremental` on real files, into both online
stores (LMDB under --home; Redis at STRATA_TEST_REDIS_URL, required under CI=true):
window semantics, incremental windows from the watermark, a rerun is a no-op, an older row
never overwrites a newer one, errors, and the kill -9 test (a large materialization killed
mid-way and rerun leaves the store byte-for-byte equal to a fresh run into an empty store,
compared with the hidden debug verb `strata features dump-online`)."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid

import numpy as np
import pandas as pd

from harness import STRATA_BIN, Checks

REDIS_URL = os.environ.get("STRATA_TEST_REDIS_URL", "")
REDIS_KEYS = []  # the hashes this run made in the shared Redis, removed at the end

VIEWS = """entities:
  - {name: user, join_keys: [user_id]}
sources:
  - {name: src, type: file, path: data, timestamp_field: event_ts,
     created_timestamp_column: created_ts}
feature_views:
  - name: stats
    entities: [user]
    source: src
    ttl: 2d
    schema: [{name: f1, type: float64}, {name: f2, type: string}]
  - name: offline
    entities: [user]
    source: src
    schema: [{name: f1, type: float64}]
    online: false
"""


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def to_parquet(frame, path, root):
    """pandas writes CSV; `strata data convert` makes the Parquet file (no pyarrow here)."""
    csv = os.path.join(root, "tmp-" + uuid.uuid4().hex[:8] + ".csv")
    frame.to_csv(csv, index=False)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    r = subprocess.run([STRATA_BIN, "data", "convert", csv, path], capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    os.remove(csv)


class Repo:
    """A feature repository with its own home; `store` is "lmdb" or "redis"."""

    def __init__(self, root, store, name):
        self.root = os.path.join(root, name)
        self.repo = os.path.join(self.root, "repo")
        self.home = os.path.join(self.root, "home")
        self.project = "p" + uuid.uuid4().hex[:10]
        if store == "redis":
            REDIS_KEYS.append(f"{self.project}/stats")
        online = ("{type: lmdb}" if store == "lmdb"
                  else "{type: redis, connection_string: \"%s\"}" % REDIS_URL)
        write(os.path.join(self.repo, "feature_store.yaml"),
              f"project: {self.project}\nonline_store: {online}\n")
        write(os.path.join(self.repo, "views.yaml"), VIEWS)

    def data(self, name, rows, root):
        frame = pd.DataFrame(rows, columns=["user_id", "event_ts", "created_ts", "f1", "f2"])
        frame["user_id"] = frame["user_id"].astype("int64")
        to_parquet(frame, os.path.join(self.repo, "data", name), root)

    def cli(self, verb, *args, timeout=600):
        cmd = [STRATA_BIN, "features", verb, "--repo", self.repo, "--home", self.home, *args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)

    def ok(self, verb, *args):
        r = self.cli(verb, *args)
        assert r.returncode == 0, f"{verb} {args}: {r.stderr}"
        return r

    def materialize(self, *args):
        return {m["view"]: m for m in json.loads(self.ok(*args, "--json").stdout)}

    def dump(self):
        """{user key hex: (event_ts, created_ts, f1, f2)} decoded from dump-online's bytes."""
        out = {}
        for line in self.ok("dump-online").stdout.splitlines():
            view, key, record = line.split()
            out[key] = decode(bytes.fromhex(record))
        return out


def decode(record):
    """The record codec of online_store.h, for the two features of `stats`."""
    def ts(b):  # big-endian with the sign bit flipped -> signed int64
        v = int.from_bytes(b, "big") ^ (1 << 63)
        return v - (1 << 64) if v >= 1 << 63 else v

    event, created = ts(record[0:8]), ts(record[8:16])
    count = int.from_bytes(record[16:18], "big")
    assert count == 2, record.hex()
    pos, values = 18, []
    for _ in range(count):
        tag = record[pos]
        pos += 1
        if tag == 0:
            values.append(None)
        elif tag == 3:
            values.append(float(np.frombuffer(record[pos:pos + 8], dtype=">f8")[0]))
            pos += 8
        elif tag == 4:
            n = int.from_bytes(record[pos:pos + 4], "big")
            values.append(record[pos + 4:pos + 4 + n].decode())
            pos += 4 + n
        else:
            raise AssertionError(f"unexpected tag {tag} in {record.hex()}")
    assert pos == len(record), record.hex()
    return (event, created, values[0], values[1])


def key_hex(user):
    return "69" + ((user + (1 << 64)) % (1 << 64) ^ (1 << 63)).to_bytes(8, "big").hex()


DAY_US = 86400 * 1000000
JAN1_US = 1767225600 * 1000000  # 2026-01-01T00:00:00Z


def semantics(root, store):
    repo = Repo(root, store, f"semantics-{store}")
    repo.data("a.parquet", [
        (1, "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", 1.0, "a"),
        (1, "2026-01-02T00:00:00Z", "2026-01-02T00:00:00Z", 2.0, "b"),
        (1, "2026-01-05T00:00:00Z", "2026-01-05T00:00:00Z", 5.0, "e"),
        (2, "2026-01-02T00:00:00Z", "2026-01-02T00:00:00Z", 3.0, "c"),
        (2, "2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z", 4.0, "tie-created"),
        (3, "2026-01-04T00:00:00Z", "2026-01-04T00:00:00Z", 6.0, ""),
    ], root)
    r = repo.cli("materialize", "2026-01-01T00:00:00Z", "2026-01-03T00:00:00Z")
    assert r.returncode == 1 and "run strata features apply first" in r.stderr, r.stderr
    repo.ok("apply")
    r = repo.cli("materialize", "2026-01-01", "nonsense")
    assert r.returncode == 1 and "RFC 3339" in r.stderr, r.stderr
    r = repo.cli("materialize", "2026-01-01T00:00:00Z", "2026-01-03T00:00:00Z", "--views", "offline")
    assert r.returncode == 1 and "online: false" in r.stderr, r.stderr

    r = repo.ok("materialize", "2026-01-01T00:00:00Z", "2026-01-03T00:00:00Z")
    assert r.stdout.startswith("stats: 6 rows read, 2 keys written, 0 skipped"), r.stdout
    d = repo.dump()
    assert d == {key_hex(1): (JAN1_US + DAY_US, JAN1_US + DAY_US, 2.0, "b"),
                 key_hex(2): (JAN1_US + DAY_US, JAN1_US + 2 * DAY_US, 4.0, "tie-created")}, d

    # Incremental: first time from the watermark (the last END), then a rerun is a no-op.
    m = repo.materialize("materialize-incremental", "2026-01-06T00:00:00Z")["stats"]
    assert m["start_micros"] == JAN1_US + 2 * DAY_US + 1, m
    assert m["keys_written"] == 2 and m["rows_in_window"] == 2, m
    d = repo.dump()
    assert d[key_hex(1)][2] == 5.0 and d[key_hex(3)][3] is None, d
    before = repo.ok("dump-online").stdout
    r = repo.ok("materialize-incremental", "2026-01-06T00:00:00Z")
    assert "stats: up to date" in r.stdout, r.stdout
    assert repo.ok("dump-online").stdout == before

    # An older row never overwrites a newer one: re-materializing the first window skips it.
    m = repo.materialize("materialize", "2026-01-01T00:00:00Z", "2026-01-03T00:00:00Z")["stats"]
    assert m["skipped"] == 1 and m["keys_written"] == 1, m  # user 2's record was equal
    assert repo.ok("dump-online").stdout == before

    # New data in a second file: the next incremental window picks up only newer rows.
    repo.data("b.parquet", [
        (1, "2026-01-07T00:00:00Z", "2026-01-07T00:00:00Z", 7.0, "g"),
        (4, "2026-01-02T00:00:00Z", "2026-01-02T00:00:00Z", 8.0, "late-arrival-old"),
    ], root)
    m = repo.materialize("materialize-incremental", "2026-01-08T00:00:00Z")["stats"]
    assert m["rows_read"] == 8 and m["keys_written"] == 1, m
    d = repo.dump()
    assert d[key_hex(1)][2] == 7.0 and key_hex(4) not in d, d


def incremental_first_run_uses_ttl(root, store):
    repo = Repo(root, store, f"ttl-{store}")
    repo.data("a.parquet", [
        (1, "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", 1.0, "old"),
        (2, "2026-01-09T00:00:00Z", "2026-01-09T00:00:00Z", 2.0, "in ttl"),
    ], root)
    repo.ok("apply")
    m = repo.materialize("materialize-incremental", "2026-01-10T00:00:00Z")["stats"]
    assert m["start_micros"] == JAN1_US + 7 * DAY_US, m  # END - ttl (2d)
    assert set(repo.dump()) == {key_hex(2)}


def kill_and_rerun(root, store):
    n = 400000
    rng = np.random.default_rng(5)
    users = np.arange(n, dtype=np.int64)
    frame = pd.DataFrame({
        "user_id": np.concatenate([users, users]),
        "event_ts": pd.to_datetime(
            JAN1_US // 1000 + rng.integers(0, 10 * 86400000, 2 * n), unit="ms", utc=True
        ).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "created_ts": "2026-01-01T00:00:00Z",
        "f1": rng.random(2 * n),
        "f2": np.where(rng.random(2 * n) < 0.1, "",
                       np.char.add("v", (np.arange(2 * n) % 97).astype(str))),
    })
    killed = Repo(root, store, f"kill-{store}")
    to_parquet(frame, os.path.join(killed.repo, "data", "big.parquet"), root)
    fresh = Repo(root, store, f"fresh-{store}")
    os.makedirs(os.path.join(fresh.repo, "data"))
    shutil.copy(os.path.join(killed.repo, "data", "big.parquet"),
                os.path.join(fresh.repo, "data", "big.parquet"))
    killed.ok("apply")
    fresh.ok("apply")
    window = ("2026-01-01T00:00:00Z", "2026-01-08T00:00:00Z")

    cmd = [STRATA_BIN, "features", "materialize", *window, "--repo", killed.repo,
           "--home", killed.home, "--batch-rows", "2000"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    lmdb_file = os.path.join(killed.home, "online.lmdb", killed.project, "data.mdb")
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        if store == "lmdb":
            started = os.path.exists(lmdb_file) and os.path.getsize(lmdb_file) > 2 << 20
        else:
            started = redis_hlen(f"{killed.project}/stats") > 20000
        if started:
            break
        time.sleep(0.005)
    assert proc.poll() is None, "materialization finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = len(killed.dump())
    # Killed mid-way: some keys are there, not all; no materialization was recorded.
    fresh.ok("materialize", *window)
    total = len(fresh.dump())
    assert 0 < partial < total, (partial, total)
    m = killed.materialize("materialize", *window)["stats"]
    assert m["keys_written"] == total, m
    assert killed.ok("dump-online").stdout == fresh.ok("dump-online").stdout


def redis_cli(*args):
    host, port = REDIS_URL.split("//")[1].split("/")[0].split(":")
    return subprocess.run(["redis-cli", "-h", host, "-p", port, *args], capture_output=True,
                          text=True, timeout=30).stdout.strip()


def redis_hlen(key):
    return int(redis_cli("HLEN", key) or 0)


def main():
    stores = ["lmdb"]
    if REDIS_URL:
        stores.append("redis")
    elif os.environ.get("CI") == "true":
        raise SystemExit("STRATA_TEST_REDIS_URL is not set under CI=true: Redis is required")
    else:
        print("SKIP redis online store: STRATA_TEST_REDIS_URL not set", flush=True)
    checks = Checks()
    root = tempfile.mkdtemp(prefix="strata-mat-")
    try:
        for store in stores:
            checks.run(f"{store}: window, ties, incremental, rerun no-op, never older",
                       semantics, root, store)
            checks.run(f"{store}: first incremental run starts at END - ttl",
                       incremental_first_run_uses_ttl, root, store)
            checks.run(f"{store}: kill -9 mid-way, rerun == fresh run byte for byte",
                       kill_and_rerun, root, store)
    finally:
        shutil.rmtree(root, ignore_errors=True)
        for key in REDIS_KEYS:
            redis_cli("UNLINK", key)
    checks.finish()


if __name__ == "__main__":
    main()
