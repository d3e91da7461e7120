"""Reliability under concurrency and crashes, on every backend.

1. 16 concurrent clients log 5,000 metrics each through log-metric: every acknowledged metric
   is stored (count check), no request fails (no "database is locked"), no deadlock.
2. kill -9 of the server in the middle of that load, restart on the same store: every
   acknowledged write is there and the database passes its integrity check.
"""
import os
import signal
import subprocess
import threading
import time

from harness import Checks, Client, Server, backends

API = "/api/2.0/mlflow"
CLIENTS = 16
PER_CLIENT = int(os.environ.get("STRATA_RELIABILITY_PER_CLIENT", "5000"))


def history(c, run_id, key):
    out, token = [], None
    while True:
        params = {"run_id": run_id, "metric_key": key, "max_results": 10000}
        if token:
            params["page_token"] = token
        body = c.get(f"{API}/metrics/get-history", **params).json
        out.extend(body.get("metrics", []))
        token = body.get("next_page_token")
        if not token:
            return out


def make_runs(c, exp_name):
    exp = c.ok("POST", f"{API}/experiments/create", {"name": exp_name})["experiment_id"]
    return [c.ok("POST", f"{API}/runs/create", {"experiment_id": exp})["run"]["info"]["run_id"]
            for _ in range(CLIENTS)]


def load(port, run_ids, per_client, acked, errors, stop_on_error=False):
    def worker(i):
        c = Client(port)
        ts = int(time.time() * 1000)
        for step in range(per_client):
            try:
                r = c.request("POST", f"{API}/runs/log-metric", {
                    "run_id": run_ids[i], "key": "loss", "value": step * 0.5,
                    "timestamp": ts + step, "step": step})
            except OSError as e:
                errors.append(f"client {i} step {step}: {e}")
                return
            if r.status != 200:
                errors.append(f"client {i} step {step}: HTTP {r.status} {r.raw[:200]!r}")
                if stop_on_error:
                    return
                continue
            acked[i].append(step)
        c.close()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    return threads


def concurrent_load(server):
    c = server.client()
    run_ids = make_runs(c, "reliability-load")
    acked = [[] for _ in range(CLIENTS)]
    errors = []
    start = time.time()
    threads = load(server.port, run_ids, PER_CLIENT, acked, errors)
    for t in threads:
        t.join(600)
        assert not t.is_alive(), "a client is stuck: deadlock?"
    elapsed = time.time() - start
    assert not errors, errors[:5]
    total = 0
    for i, run_id in enumerate(run_ids):
        steps = sorted(m["step"] for m in history(c, run_id, "loss"))
        assert steps == list(range(PER_CLIENT)), f"run {i}: {len(steps)} of {PER_CLIENT} stored"
        total += len(steps)
    assert total == CLIENTS * PER_CLIENT
    print(f"  {total} metrics from {CLIENTS} clients in {elapsed:.1f}s", flush=True)
    assert "database is locked" not in server.log()


def kill_and_restart(server, store_uri):
    c = server.client()
    run_ids = make_runs(c, "reliability-crash")
    c.close()
    acked = [[] for _ in range(CLIENTS)]
    errors = []
    threads = load(server.port, run_ids, PER_CLIENT, acked, errors, stop_on_error=True)
    # Let the load build up, then kill the server without warning.
    deadline = time.time() + 30
    while sum(len(a) for a in acked) < 2000 and time.time() < deadline:
        time.sleep(0.05)
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait()
    for t in threads:
        t.join(120)
    n_acked = sum(len(a) for a in acked)
    assert n_acked >= 2000, f"only {n_acked} writes acknowledged before the kill"
    restarted = Server(store_uri=store_uri, home=server.home).start()
    try:
        c = restarted.client()
        for i, run_id in enumerate(run_ids):
            stored = {m["step"] for m in history(c, run_id, "loss")}
            missing = set(acked[i]) - stored
            assert not missing, f"run {i}: {len(missing)} acknowledged metrics lost"
        if not store_uri:
            out = subprocess.run(["sqlite3", os.path.join(server.home, "strata.db"),
                                  "PRAGMA integrity_check;"], capture_output=True, text=True,
                                 check=True).stdout.strip()
            assert out == "ok", out
        r = c.request("GET", "/health")
        assert r.status == 200
        print(f"  {n_acked} acknowledged before kill -9, all present after restart", flush=True)
        c.close()
    finally:
        restarted.stop()


def main():
    checks = Checks()
    for label, store in backends():
        server = Server()
        server.store_uri = store(server.home)
        server.start()
        checks.run(f"{label}: {CLIENTS} clients x {PER_CLIENT} metrics", concurrent_load, server)
        checks.run(f"{label}: kill -9 under load", kill_and_restart, server, server.store_uri)
        if server.alive():
            server.stop()
    checks.finish()


if __name__ == "__main__":
    main()
