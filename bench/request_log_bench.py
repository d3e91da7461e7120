"""Throughput cost of request/response logging in `strata serve`: the same V2 one-row
requests (wrk -t2 -c64, bench/wrk/v2_infer.lua) with the request log off, at sample rate 1.0
and at 0.1, in one run, alternating configurations, best of --rounds per configuration.

Model and server set-up are bench/serving_bench.py's (100 trees of depth 6 on 200,000 x 30,
imported from python xgboost 1.7; --threads 2). Prints req/s, latency percentiles, the ratio
to the log-off run, and what the log did (lines written, entries dropped because the writer
fell behind, write errors) from /metrics.

Usage: /usr/bin/python3 bench/request_log_bench.py --strata build/release/strata
       [--duration 10] [--rounds 3]
"""
import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serving_bench import FEATURES, fmt, start_strata, stop, train_package, wrk  # noqa: E402


def log_metrics(port):
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics").read().decode()
    out = {}
    for outcome in ("logged", "dropped", "sampled_out", "write_error"):
        m = re.search(r'strata_request_log_entries_total\{outcome="%s"\} (\d+)' % outcome, text)
        out[outcome] = int(m.group(1)) if m else None
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", default="build/release/strata")
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    strata = os.path.abspath(args.strata)
    tmp = tempfile.mkdtemp(prefix="strata-request-log-bench-")
    procs = []
    try:
        pkg, row, _, _ = train_package(strata, tmp)
        body = json.dumps({"inputs": [{"name": "features", "shape": [1, FEATURES],
                                       "datatype": "FP32", "data": row.tolist()}]})
        body_path = os.path.join(tmp, "matrix.json")
        with open(body_path, "w") as f:
            f.write(body)
        env = {"BODY_FILE": body_path, "INFER_PATH": "/v2/models/trees/infer"}
        configs = [("log off", None), ("log rate 1.0", "1.0"), ("log rate 0.1", "0.1")]
        best = {}
        for rnd in range(args.rounds):
            for label, rate in configs:
                extra = []
                log_path = os.path.join(tmp, f"requests-{rnd}-{len(best)}.jsonl")
                if rate is not None:
                    extra = ["--request-log", log_path, "--request-log-sample", rate]
                proc, port = start_strata(strata, pkg, tmp, extra)
                procs.append(proc)
                r = wrk(f"http://127.0.0.1:{port}", "v2_infer.lua", duration=args.duration,
                        env=env)
                m = log_metrics(port) if rate is not None else {}
                stop(proc)
                procs.remove(proc)
                lines = 0
                size = 0
                if rate is not None and os.path.exists(log_path):
                    size = os.path.getsize(log_path)
                    with open(log_path, "rb") as f:
                        lines = sum(1 for _ in f)
                    os.remove(log_path)
                log_note = (f"  lines {lines:,} ({size / 1e6:.0f} MB) dropped {m['dropped']:,} "
                            f"write errors {m['write_error']}" if rate is not None else "")
                print(f"round {rnd + 1} {label:<13} {fmt(r)}{log_note}", flush=True)
                if label not in best or r["rps"] > best[label][0]["rps"]:
                    best[label] = (r, log_note)
        base = best["log off"][0]["rps"]
        print(f"\nbest of {args.rounds}, wrk -t2 -c64 -d{args.duration}s, V2 FP32 [1,{FEATURES}]:")
        for label, _ in configs:
            r, note = best[label]
            print(f"  {label:<13} {fmt(r)}  ratio to log off {r['rps'] / base:.3f}{note}")
    finally:
        for p in procs:
            stop(p)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
