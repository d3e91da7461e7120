"""Overload: `strata serve` with batching on and a small queue, flooded by more concurrent
keep-alive connections than the queue holds, on all three protocols. Requests beyond the queue
must be refused with 429 and the protocol's error JSON quickly (p99 of refusals < 50 ms), no
request may hang, the server's RSS (VmRSS) must stay below 2x its pre-flood value plus a
margin during and after the flood, and the server must answer correctly afterwards. Then a
SIGTERM in the middle of a flood: every request in flight gets an answer (200, 429 or 503) or a
clean close, and the server exits 0."""
import asyncio
import json
import os
import signal
import tempfile
import threading
import time

import numpy as np

from harness import Checks, Client
from test_serve_v2 import FEATURES, Serve, columns_body, make_package

NAMES = [f"f{i}" for i in range(FEATURES)]
CONNECTIONS = 32
QUEUE_ROWS = 8
FLOOD_SECONDS = 4.0
REFUSAL_P99_MS = 50.0
RSS_MARGIN_KB = 64 * 1024


def request_bytes(path, body):
    return (f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def flood_requests(x):
    row = [float(v) for v in x[0]]
    return [
        ("v2", request_bytes("/v2/models/churn/infer", json.dumps(columns_body(x[:1])).encode())),
        ("tf", request_bytes("/v1/models/churn:predict",
                             json.dumps({"instances": [dict(zip(NAMES, row))]}).encode())),
        ("mlflow", request_bytes("/invocations", json.dumps(
            {"dataframe_split": {"columns": NAMES, "data": [row]}}).encode())),
    ]


async def read_response(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v)
    body = await reader.readexactly(length)
    return status, body


async def connection(port, label, raw, until, results, timeout):
    """One keep-alive connection sending `raw` back to back until `until`."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError as e:
        results.append((label, "connect", repr(e), 0.0))
        return
    try:
        while time.monotonic() < until:
            start = time.monotonic()
            writer.write(raw)
            try:
                status, body = await asyncio.wait_for(read_response(reader), timeout)
            except asyncio.TimeoutError:
                results.append((label, "hang", b"", time.monotonic() - start))
                return
            except (asyncio.IncompleteReadError, ConnectionError) as e:
                results.append((label, "closed", repr(e), time.monotonic() - start))
                return
            results.append((label, status, body, time.monotonic() - start))
    finally:
        writer.close()


def flood(port, x, seconds, timeout=10.0, on_started=None):
    requests = flood_requests(x)
    results = []

    async def run():
        until = time.monotonic() + seconds
        tasks = [connection(port, *requests[i % len(requests)], until, results, timeout)
                 for i in range(CONNECTIONS)]
        if on_started is not None:
            asyncio.get_running_loop().call_later(seconds / 2, on_started)
        await asyncio.gather(*tasks)

    asyncio.run(run())
    return results


def vm_rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


class RssSampler:
    def __init__(self, pid):
        self.pid, self.peak, self.stop = pid, 0, threading.Event()
        self.thread = threading.Thread(target=self.run)
        self.thread.start()

    def run(self):
        while not self.stop.is_set():
            self.peak = max(self.peak, vm_rss_kb(self.pid))
            time.sleep(0.02)

    def finish(self):
        self.stop.set()
        self.thread.join()
        return self.peak


def check_error_shape(label, status, body):
    j = json.loads(body)
    if label == "mlflow":
        assert j.get("error_code") and "queue" in j.get("message", ""), j
    else:
        assert "queue" in j.get("error", ""), j


def warm(port, x, expected):
    c = Client(port)
    for _ in range(200):
        r = c.request("POST", "/v2/models/churn/infer", columns_body(x[:1]))
        assert r.status == 200 and abs(r.json["outputs"][0]["data"][0] - expected) <= 1e-6
    c.close()


def check_flood(serve, x, expected):
    warm(serve.port, x, expected)
    # Two floods: the first grows the server to its working size (connection buffers, arenas),
    # the second must not grow it further beyond the bound.
    flood(serve.port, x, 1.0)
    before = vm_rss_kb(serve.proc.pid)
    sampler = RssSampler(serve.proc.pid)
    results = flood(serve.port, x, FLOOD_SECONDS)
    peak = sampler.finish()
    time.sleep(0.5)
    after = vm_rss_kb(serve.proc.pid)
    statuses = {}
    for label, status, _, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
    odd = [(l, s, b[:200]) for l, s, b, _ in results if s not in (200, 429)]
    assert not odd, (statuses, odd[:5])
    assert statuses.get(429, 0) > 0, ("the flood never filled the queue", statuses)
    assert statuses.get(200, 0) > 0, statuses
    refusals = sorted(t for _, s, _, t in results if s == 429)
    p99 = refusals[int(0.99 * (len(refusals) - 1))] * 1000
    worst = refusals[-1] * 1000
    for label, status, body, _ in results:
        if status == 429:
            check_error_shape(label, status, body)
    bound = 2 * before + RSS_MARGIN_KB
    print(f"  {sum(statuses.values())} answers {statuses}; refusals p99 {p99:.1f} ms "
          f"(worst {worst:.1f} ms); VmRSS before {before} kB, peak {peak} kB, after {after} kB, "
          f"bound {bound} kB", flush=True)
    assert p99 < REFUSAL_P99_MS, p99
    assert peak < bound and after < bound, (before, peak, after, bound)
    # Still correct after the flood.
    warm(serve.port, x, expected)


def check_shutdown_under_flood(serve, x):
    results = flood(serve.port, x, FLOOD_SECONDS, timeout=20.0,
                    on_started=lambda: serve.proc.send_signal(signal.SIGTERM))
    hangs = [r for r in results if r[1] == "hang"]
    odd = [(l, s, b[:200]) for l, s, b, _ in results
           if s not in (200, 429, 503, "closed", "connect")]
    assert not hangs, hangs[:5]
    assert not odd, odd[:5]
    for label, status, body, _ in results:
        if status == 503:
            j = json.loads(body)
            assert j.get("error") or j.get("message"), j
    rc = serve.proc.wait(30)
    assert rc == 0, (rc, serve.text())
    counts = {}
    for _, s, _, _ in results:
        counts[s] = counts.get(s, 0) + 1
    print(f"  answers during shutdown: {counts}", flush=True)


def main():
    checks = Checks()
    # ASan's quarantine would otherwise count freed memory as resident (up to 256 MB).
    os.environ["ASAN_OPTIONS"] = (os.environ.get("ASAN_OPTIONS", "") +
                                  ":quarantine_size_mb=8:thread_local_quarantine_size_kb=64"
                                  ).lstrip(":")
    tmp = tempfile.mkdtemp(prefix="strata-serve-overload-")
    pkg, booster, x = make_package(tmp)
    expected = float(booster.inplace_predict(np.asarray(x[:1]))[0])
    # A batch never fills (64 > the queue's 8 rows), so each waits the full 20 ms delay: the
    # server completes ~400 rows/s and a 32-connection flood (4x the queue) overflows the queue at once.
    args = ["--model", pkg, "--max-batch-size", "64", "--max-queue-rows", str(QUEUE_ROWS),
            "--max-queue-delay-us", "20000"]
    serve = Serve(args)
    checks.run("flood: 429 quickly, nothing hangs, RSS bounded, correct afterwards",
               check_flood, serve, x, expected)
    assert serve.stop() == 0, serve.text()
    serve = Serve(args)
    checks.run("SIGTERM under flood: every request answered or closed, exit 0",
               check_shutdown_under_flood, serve, x)
    if serve.proc.poll() is None:
        serve.stop()
    checks.finish()


if __name__ == "__main__":
    main()
