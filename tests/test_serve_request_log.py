"""`strata serve --request-log`: every inference response carries X-Request-Id (the client's
when sane, else a random 128-bit hex id), and each sampled request (V2, TF Serving, MLflow;
success and error) becomes one JSON line with that id, the model, version, protocol, status,
inputs and outputs or the error. Sampling follows the documented hash of the id, so the test
predicts exactly which of 400 requests are kept."""
import json
import os
import re
import tempfile
import time

import numpy as np

from harness import Checks, Client
from test_serve_v2 import FEATURES, Serve, columns_body, make_package

NAMES = [f"f{i}" for i in range(FEATURES)]
HEX_ID = re.compile(r"^[0-9a-f]{32}$")


def fnv1a64(s):
    h = 14695981039346656037
    for b in s.encode():
        h ^= b
        h = (h * 1099511628211) % (1 << 64)
    return h


def fmix64(k):
    mask = (1 << 64) - 1
    k ^= k >> 33
    k = (k * 0xff51afd7ed558ccd) & mask
    k ^= k >> 33
    k = (k * 0xc4ceb9fe1a85ec53) & mask
    k ^= k >> 33
    return k


def kept(request_id, rate):
    """serving::RequestLog::KeepsRequest, reimplemented from its documented rule."""
    if rate >= 1:
        return True
    if rate <= 0:
        return False
    return (fmix64(fnv1a64(request_id)) >> 11) * 2.0 ** -53 < rate


def header(r, name):
    for k, v in r.headers.items():
        if k.lower() == name.lower():
            return v
    return None


def read_log(path):
    with open(path) as f:
        return [json.loads(line) for line in f]  # every line must be valid JSON on its own


def metric(c, outcome):
    text = c.get("/metrics").raw.decode()
    m = re.search(r'strata_request_log_entries_total\{outcome="%s"\} (\d+)' % outcome, text)
    assert m, text[-2000:]
    return int(m.group(1))


def rows_of(x):
    return [[float(v) for v in r] for r in x]


def check_ids_and_lines(serve, log_path, x):
    c = Client(serve.port)
    sent = {}  # request id -> what the line must say

    def send(path, body, protocol, client_id=None, raw=None, headers=None):
        hdrs = dict(headers or {})
        if client_id is not None:
            hdrs["X-Request-Id"] = client_id
        r = c.request("POST", path, body, raw=raw, headers=hdrs)
        rid = header(r, "X-Request-Id")
        assert rid, (path, r.headers)
        if client_id is not None and len(client_id) <= 128 and client_id.isprintable() \
                and " " not in client_id:
            assert rid == client_id, (rid, client_id)
        else:
            assert HEX_ID.match(rid), (rid, client_id)
        assert rid not in sent, rid
        sent[rid] = (protocol, r)
        return rid, r

    rows = rows_of(x[:3])
    rid, r = send("/v2/models/churn/infer", columns_body(rows), "v2", client_id="client-v2-1")
    assert r.status == 200 and r.json["id"] == "req-1", r.raw  # V2's "id" stays the body's
    send("/v2/models/churn/versions/1/infer", columns_body(rows[:1]), "v2")
    send("/v2/models/churn/infer", columns_body(rows[:1]), "v2", client_id="x" * 129)
    send("/v2/models/churn/infer", columns_body(rows[:1]), "v2", client_id="has space")
    send("/v1/models/churn:predict", {"instances": [dict(zip(NAMES, r)) for r in rows]},
         "tfserving", client_id="tf-1")
    send("/invocations", {"dataframe_split": {"columns": NAMES, "data": rows}}, "mlflow",
         client_id="ml-1")
    # Errors: a missing input, malformed JSON, an unknown model.
    bad = columns_body(rows[:1])
    bad["inputs"] = bad["inputs"][1:]
    _, r = send("/v2/models/churn/infer", bad, "v2", client_id="bad-v2")
    assert r.status == 400, r.raw
    _, r = send("/v1/models/churn:predict", None, "tfserving", client_id="bad-tf",
                raw=b"{not json")
    assert r.status == 400, r.raw
    _, r = send("/invocations", {"dataframe_split": {"columns": NAMES[:2], "data": [[1, 2]]}},
                "mlflow", client_id="bad-ml")
    assert r.status == 400, r.raw
    _, r = send("/v2/models/nope/infer", columns_body(rows[:1]), "v2", client_id="bad-model")
    assert r.status == 404, r.raw
    # A large batch is cut to --request-log-max-rows in the log (not in the answer).
    big_rows = rows_of(x[:40])
    big_id, r = send("/v2/models/churn/infer", columns_body(big_rows), "v2", client_id="big")
    assert r.status == 200 and len(r.json["outputs"][0]["data"]) == 40, r.raw

    deadline = time.time() + 10
    while metric(c, "logged") < len(sent) and time.time() < deadline:
        time.sleep(0.05)
    assert metric(c, "logged") == len(sent), (metric(c, "logged"), len(sent))
    assert metric(c, "dropped") == 0 and metric(c, "write_error") == 0
    c.close()

    lines = read_log(log_path)
    by_id = {line["request_id"]: line for line in lines}
    assert len(lines) == len(sent) == len(by_id), (len(lines), len(sent))
    for rid, (protocol, r) in sent.items():
        line = by_id[rid]
        assert line["protocol"] == protocol, line
        assert line["status"] == r.status, (line, r.status)
        assert line["role"] == "primary", line
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$", line["timestamp"]), line
        assert isinstance(line["latency_us"], int) and line["latency_us"] >= 0, line
        if rid == "bad-model":
            assert line["model"] == "nope" and line["version"] == 0, line
        else:
            assert line["model"] == "churn" and line["version"] == 1, line
        if r.status == 200:
            assert "error" not in line, line
            got = line["outputs"]["predictions"] if "predictions" in line["outputs"] \
                else next(iter(line["outputs"].values()))
            body = r.json
            if protocol == "v2":
                want = body["outputs"][0]["data"]
            else:
                want = body["predictions"]
            n = len(got)
            assert np.allclose(np.asarray(got, dtype=float), np.asarray(want[:n], dtype=float),
                               rtol=0, atol=1e-12), (got, want)
            ins = line["inputs"]
            assert sorted(ins) == NAMES, ins
            assert line["rows"] == len(want), line
        else:
            msg = r.json.get("error") or r.json.get("message")
            assert line["error"] and line["error"] in msg, (line, r.raw)
            assert "outputs" not in line, line
    # The logged inputs are the decoded request values.
    first = by_id["client-v2-1"]
    for i, name in enumerate(NAMES):
        assert np.allclose(first["inputs"][name], [r[i] for r in rows]), first
    assert "'f0'" in by_id["bad-v2"]["error"] and "inputs" not in by_id["bad-v2"], by_id["bad-v2"]
    big = by_id[big_id]
    assert big["truncated"] is True and big["rows"] == 40, big
    assert len(big["inputs"]["f0"]) == 5, big
    assert all(len(v) == 5 for v in big["outputs"].values()), big


def check_sampling(serve, log_path, rate, n):
    c = Client(serve.port)
    ids = [f"sample-{i}" for i in range(n)]
    body = columns_body([[0.1 * k for k in range(FEATURES)]])
    for rid in ids:
        r = c.request("POST", "/v2/models/churn/infer", body, headers={"X-Request-Id": rid})
        assert r.status == 200 and header(r, "X-Request-Id") == rid, (r.status, r.headers)
    want = {rid for rid in ids if kept(rid, rate)}
    assert 0.35 * n < len(want) < 0.65 * n, len(want)  # the hash spreads ids evenly
    deadline = time.time() + 10
    while metric(c, "logged") < len(want) and time.time() < deadline:
        time.sleep(0.05)
    assert metric(c, "logged") == len(want), (metric(c, "logged"), len(want))
    assert metric(c, "sampled_out") == n - len(want)
    c.close()
    got = {line["request_id"] for line in read_log(log_path)}
    assert got == want, (sorted(got - want)[:5], sorted(want - got)[:5])


def check_unwritable_log_refused():
    s = None
    try:
        s = Serve(["--model", PKG, "--request-log", "/nonexistent-dir/x/requests.jsonl"])
    except RuntimeError as e:
        assert "requests.jsonl" in str(e) and "cannot open" in str(e), e
    else:
        s.stop()
        raise AssertionError("serve started with an unwritable request log")


PKG = None


def main():
    global PKG
    checks = Checks()
    tmp = tempfile.mkdtemp(prefix="strata-serve-reqlog-")
    PKG, _, x = make_package(tmp)

    log_path = os.path.join(tmp, "requests.jsonl")
    serve = Serve(["--model", PKG, "--request-log", log_path, "--request-log-max-rows", "5"])
    try:
        checks.run("X-Request-Id on every protocol; one valid line per request, success and error",
                   check_ids_and_lines, serve, log_path, x)
    finally:
        rc = serve.stop()
        assert rc == 0, (rc, serve.text())

    sampled_path = os.path.join(tmp, "sampled.jsonl")
    serve = Serve(["--model", PKG, "--request-log", sampled_path, "--request-log-sample", "0.5",
                   "--max-batch-size", "8", "--max-queue-delay-us", "100"])
    try:
        checks.run("sample rate 0.5 over 400 requests keeps exactly the ids the hash selects",
                   check_sampling, serve, sampled_path, 0.5, 400)
    finally:
        rc = serve.stop()
        assert rc == 0, (rc, serve.text())
    checks.run("an unwritable --request-log is refused at startup", check_unwritable_log_refused)
    checks.finish()


if __name__ == "__main__":
    main()
