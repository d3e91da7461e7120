"""Tracking server benchmark: Strata beside nginx (the machine's HTTP ceiling) in one run.

Measures, over loopback with wrk:
  * log-metric requests/s with 8 keep-alive connections and with 1 connection
  * log-batch (1,000 metrics per request) metrics/s
  * runs/search p50/p99 latency (max_results 100) without filter and with
    `metrics.m1 > 0.5 and params.p1 = 'x'`, at 10,000 and 100,000 runs x 5 params x 5 metrics
  * idle server RSS
MLflow's own server is not installable here (no PyPI), so the peer is nginx returning a fixed
60-byte JSON body: the ratio says how close each endpoint comes to the bare HTTP ceiling.

Usage: /usr/bin/python3 bench/tracking_bench.py --strata build/release/strata
       [--backend sqlite|postgresql] [--runs 10000,100000] [--duration 10]
"""
import argparse
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from http_peers import free_port, start_nginx, wait_port  # noqa: E402
API = "/api/2.0/mlflow"


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def wrk(url, script=None, threads=2, conns=8, duration=10, env=None):
    args = ["wrk", f"-t{threads}", f"-c{conns}", f"-d{duration}s", "--latency"]
    if script:
        args += ["-s", os.path.join(HERE, "wrk", script)]
    out = subprocess.run(args + [url], capture_output=True, text=True,
                         env={**os.environ, **(env or {})}, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = {}
    for pct in ("50", "99"):
        m = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)", out)
        if m:
            v = float(m.group(1))
            lat[pct] = v / 1000 if m.group(2) == "us" else v * 1000 if m.group(2) == "s" else v
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "p50_ms": lat.get("50"), "p99_ms": lat.get("99"),
            "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": errors.group(1) if errors else ""}


class Conn:
    def __init__(self, port):
        self.port = port
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def post(self, path, body):
        for attempt in range(2):
            try:
                self.c.request("POST", path, body=json.dumps(body),
                               headers={"Content-Type": "application/json"})
                r = self.c.getresponse()
                data = r.read()
                break
            except (http.client.RemoteDisconnected, ConnectionError):
                # The server closes keep-alive connections idle past its request timeout.
                self.c.close()
                self.c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt:
                    raise
        if r.status != 200:
            raise RuntimeError(f"{path}: {r.status} {data[:300]!r}")
        return json.loads(data)


def seed(port, exp_id, n_runs, start_index, workers=4):
    """n_runs runs with 5 params and 5 metrics each; p1 is 'x' for every other run."""
    def work(lo, hi):
        c = Conn(port)
        for i in range(lo, hi):
            run = c.post(f"{API}/runs/create", {"experiment_id": exp_id,
                                                 "start_time": 1700000000000 + i})
            rid = run["run"]["info"]["run_id"]
            c.post(f"{API}/runs/log-batch", {
                "run_id": rid,
                "metrics": [{"key": f"m{k}", "value": ((i * 7919 + k * 104729) % 1000) / 1000,
                             "timestamp": 1700000000000, "step": 0} for k in range(1, 6)],
                "params": [{"key": f"p{k}", "value": ("x" if i % 2 else "y") if k == 1 else
                            f"v{i % 97}"} for k in range(1, 6)]})
    n = start_index + n_runs
    chunk = (n_runs + workers - 1) // workers
    threads = [threading.Thread(target=work, args=(start_index + w * chunk,
                                                   min(n, start_index + (w + 1) * chunk)))
               for w in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", default="build/release/strata")
    ap.add_argument("--backend", default="sqlite", choices=["sqlite", "postgresql"])
    ap.add_argument("--runs", default="10000,100000")
    ap.add_argument("--duration", type=int, default=10)
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="strata-bench-")
    store = ""
    if args.backend == "postgresql":
        admin = os.environ.get("STRATA_TEST_POSTGRES_URL")
        if not admin:
            sys.exit("postgresql backend needs STRATA_TEST_POSTGRES_URL "
                     "(eval \"$(bash scripts/test-services.sh start)\")")
        name = "strata_bench_" + uuid.uuid4().hex[:8]
        subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True)
        store = re.sub(r"/[^/]*$", "/" + name, admin)

    port = free_port()
    cmd = [args.strata, "server", "--home", tmp, "--port", str(port), "--access-log", "off"]
    if store:
        cmd += ["--store", store]
    server = subprocess.Popen(cmd, stderr=open(os.path.join(tmp, "server.log"), "w"))
    wait_port(port)
    time.sleep(0.5)
    results = {"backend": args.backend, "idle_rss_mib": round(rss_mib(server.pid), 1)}
    url = f"http://127.0.0.1:{port}"
    nginx, nginx_port = start_nginx(tmp)
    try:
        c = Conn(port)
        exp = c.post(f"{API}/experiments/create", {"name": "bench-log"})["experiment_id"]
        run_id = c.post(f"{API}/runs/create", {"experiment_id": exp})["run"]["info"]["run_id"]
        env = {"RUN_ID": run_id}
        ceiling8 = wrk(f"http://127.0.0.1:{nginx_port}/", None, 2, 8, args.duration)
        ceiling1 = wrk(f"http://127.0.0.1:{nginx_port}/", None, 1, 1, args.duration)
        m8 = wrk(url, "log_metric.lua", 2, 8, args.duration, env)
        m1 = wrk(url, "log_metric.lua", 1, 1, args.duration, env)
        batch = wrk(url, "log_batch.lua", 2, 4, args.duration, env)
        results["nginx_8conn_rps"] = ceiling8["rps"]
        results["nginx_1conn_rps"] = ceiling1["rps"]
        results["log_metric_8conn_rps"] = m8["rps"]
        results["log_metric_1conn_rps"] = m1["rps"]
        results["log_metric_errors"] = m8["non2xx"] + m1["non2xx"]
        results["log_batch_metrics_per_s"] = batch["rps"] * 1000
        results["log_batch_errors"] = batch["non2xx"]

        sexp = c.post(f"{API}/experiments/create", {"name": "bench-search"})["experiment_id"]
        seeded = 0
        for n in [int(x) for x in args.runs.split(",") if x]:
            t0 = time.time()
            seed(port, sexp, n - seeded, seeded)
            seeded = n
            results[f"seed_{n}_s"] = round(time.time() - t0, 1)
            senv = {"EXPERIMENT_ID": sexp, "FILTER": ""}
            plain = wrk(url, "search.lua", 1, 1, args.duration, senv)
            senv["FILTER"] = "metrics.m1 > 0.5 and params.p1 = 'x'"
            filt = wrk(url, "search.lua", 1, 1, args.duration, senv)
            results[f"search_{n}_p50_ms"] = plain["p50_ms"]
            results[f"search_{n}_p99_ms"] = plain["p99_ms"]
            results[f"search_{n}_filter_p50_ms"] = filt["p50_ms"]
            results[f"search_{n}_filter_p99_ms"] = filt["p99_ms"]
            # Selective filters (~0.5% and ~0.2% of runs match): the first is an equality on
            # param values, which an index can drive; the second is a metric range, which
            # probes runs in order until the page is full.
            senv["FILTER"] = "params.p2 = 'v5' and params.p1 = 'x'"
            sel_eq = wrk(url, "search.lua", 1, 1, args.duration, senv)
            senv["FILTER"] = "metrics.m1 > 0.998"
            sel_range = wrk(url, "search.lua", 1, 1, args.duration, senv)
            senv["FILTER"] = ""
            senv["ORDER_BY"] = "metrics.m1 DESC"
            by_metric = wrk(url, "search.lua", 1, 1, args.duration, senv)
            del senv["ORDER_BY"]
            results[f"search_{n}_order_by_metric_p50_ms"] = by_metric["p50_ms"]
            results[f"search_{n}_selective_eq_p50_ms"] = sel_eq["p50_ms"]
            results[f"search_{n}_selective_range_p50_ms"] = sel_range["p50_ms"]
            results[f"search_{n}_errors"] = (plain["non2xx"] + filt["non2xx"] + sel_eq["non2xx"] +
                                             sel_range["non2xx"] + by_metric["non2xx"])
        results["rss_after_mib"] = round(rss_mib(server.pid), 1)
    finally:
        server.terminate()
        server.wait()
        nginx.terminate()
        nginx.wait()
        shutil.rmtree(tmp, ignore_errors=True)

    r = results
    print(json.dumps(r, indent=2))
    print(f"\n| metric ({r['backend']}) | Strata | nginx ceiling | ratio |")
    print("|---|---|---|---|")
    print(f"| log-metric, 8 conns (req/s) | {r['log_metric_8conn_rps']:.0f} | "
          f"{r['nginx_8conn_rps']:.0f} | {r['log_metric_8conn_rps'] / r['nginx_8conn_rps']:.2f} |")
    print(f"| log-metric, 1 conn (req/s) | {r['log_metric_1conn_rps']:.0f} | "
          f"{r['nginx_1conn_rps']:.0f} | {r['log_metric_1conn_rps'] / r['nginx_1conn_rps']:.2f} |")
    print(f"| log-batch 1,000 (metrics/s) | {r['log_batch_metrics_per_s']:.0f} | | |")
    for key in sorted(k for k in r if k.startswith("search_") and k.endswith("p50_ms")):
        print(f"| {key} | {r[key]} | | |")
    print(f"| idle RSS (MiB) | {r['idle_rss_mib']} | | |")


if __name__ == "__main__":
    main()
