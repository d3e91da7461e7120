"""Bad input corpus: every malformed request gets MLflow's JSON error with the right status,
the server stays up, and stored data stays intact."""
import json
import socket

from harness import Checks, Server, backends

API = "/api/2.0/mlflow"


def error_shape(r, status):
    assert r.status == status, f"expected {status}, got {r.status}: {r.raw[:300]!r}"
    body = json.loads(r.raw)
    assert isinstance(body.get("error_code"), str) and body["error_code"], body
    assert isinstance(body.get("message"), str) and body["message"], body
    return body


def corpus(c, run_id):
    cases = [
        # (method, path, raw body, expected status, expected error_code or None)
        ("POST", f"{API}/experiments/create", b"{not json", 400, None),
        ("POST", f"{API}/experiments/create", b"[1,2,3]", 400, None),
        ("POST", f"{API}/experiments/create", b'{"name": 17.5}', 400, "INVALID_PARAMETER_VALUE"),
        ("POST", f"{API}/experiments/create", b'{"name": "\xff\xfe"}', 400, None),
        ("POST", f"{API}/runs/log-metric", json.dumps({"run_id": run_id, "key": "m",
                                                       "value": "abc", "timestamp": 1}).encode(),
         400, "INVALID_PARAMETER_VALUE"),
        ("POST", f"{API}/runs/log-metric", json.dumps({"run_id": run_id, "key": "m",
                                                       "value": 1.0}).encode(),
         400, "INVALID_PARAMETER_VALUE"),
        ("POST", f"{API}/runs/log-metric", json.dumps({"run_id": run_id, "key": "m", "value": 1,
                                                       "timestamp": "soon"}).encode(),
         400, "INVALID_PARAMETER_VALUE"),
        ("POST", f"{API}/runs/log-parameter", json.dumps({"run_id": run_id,
                                                          "value": "x"}).encode(),
         400, "INVALID_PARAMETER_VALUE"),
        ("POST", f"{API}/runs/log-parameter", json.dumps({"run_id": run_id, "key": "k" * 300,
                                                          "value": "x"}).encode(),
         400, "INVALID_PARAMETER_VALUE"),
        ("POST", f"{API}/runs/log-batch", json.dumps({"run_id": run_id,
                                                      "metrics": "nope"}).encode(),
         400, "INVALID_PARAMETER_VALUE"),
        ("POST", f"{API}/runs/search", json.dumps({"experiment_ids": ["0"],
                                                   "filter": "metrics.m1 > 'a' or 1=1"}).encode(),
         400, "INVALID_PARAMETER_VALUE"),
        ("POST", f"{API}/runs/search", json.dumps({
            "experiment_ids": ["0"],
            "filter": "params.p = 'x'; DROP TABLE runs; --"}).encode(),
         400, "INVALID_PARAMETER_VALUE"),
        ("POST", f"{API}/runs/search", json.dumps({
            "experiment_ids": ["0"], "filter": "tags.`a` = 'b' UNION SELECT * FROM params"
        }).encode(), 400, "INVALID_PARAMETER_VALUE"),
        ("POST", f"{API}/runs/search", json.dumps({"experiment_ids": ["0"],
                                                   "max_results": 10 ** 9}).encode(),
         400, "INVALID_PARAMETER_VALUE"),
        ("GET", f"{API}/runs/get?run_id=%27%20OR%20%271%27=%271", b"", 404,
         "RESOURCE_DOES_NOT_EXIST"),
        ("GET", f"{API}/experiments/get?experiment_id=1%20OR%201=1", b"", None, None),
        ("GET", f"{API}/no-such-endpoint", b"", 404, "ENDPOINT_NOT_FOUND"),
        ("DELETE", f"{API}/runs/create", b"", 405, None),
        ("GET", "/api/2.0/mlflow-artifacts/artifacts/..%2F..%2Fetc%2Fpasswd", b"", 400, None),
        ("PUT", "/api/2.0/mlflow-artifacts/artifacts/%2Fetc%2Fcron.d%2Fx", b"x", 400, None),
    ]
    for method, path, raw, status, code in cases:
        r = c.request(method, path, raw=raw)
        if status is None:
            assert r.status in (400, 404), (path, r.status, r.raw)
            body = error_shape(r, r.status)
        else:
            body = error_shape(r, status)
        if code:
            assert body["error_code"] == code, (method, path, body)


def oversized(server):
    # 65 MiB announced: rejected with 413 before the body is read.
    s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    s.sendall(b"POST /api/2.0/mlflow/runs/log-batch HTTP/1.1\r\nHost: x\r\n"
              b"Content-Type: application/json\r\nContent-Length: 68157440\r\n\r\n")
    s.sendall(b"{" * 65536)
    head = s.recv(4096)
    assert head.startswith(b"HTTP/1.1 413"), head[:200]
    s.close()


def garbage_http(server):
    for raw in (b"GARBAGE\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"\x00\x01\x02\r\n\r\n",
                b"GET /health HTTP/1.1\r\nContent-Length: -5\r\n\r\n"):
        s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        s.sendall(raw)
        try:
            s.recv(4096)
        except (ConnectionResetError, socket.timeout):
            pass
        s.close()


def data_intact(c, run_id):
    got = c.get(f"{API}/runs/get", run_id=run_id).json["run"]
    assert {"key": "keep", "value": "me"} in got["data"]["params"], got
    names = [e["name"] for e in c.ok("POST", f"{API}/experiments/search", {})["experiments"]]
    assert "bad-input" in names


def main():
    checks = Checks()
    for label, store in backends():
        server = Server()
        server.store_uri = store(server.home)
        server.start()
        c = server.client()
        exp = c.ok("POST", f"{API}/experiments/create", {"name": "bad-input"})["experiment_id"]
        run_id = c.ok("POST", f"{API}/runs/create", {"experiment_id": exp})["run"]["info"]["run_id"]
        c.ok("POST", f"{API}/runs/log-parameter", {"run_id": run_id, "key": "keep", "value": "me"})
        checks.run(f"{label}: corpus", corpus, c, run_id)
        checks.run(f"{label}: oversized body 413", oversized, server)
        checks.run(f"{label}: garbage HTTP", garbage_http, server)
        c.close()
        c = server.client()
        checks.run(f"{label}: server alive", lambda: (server.alive() or (_ for _ in ()).throw(
            AssertionError("server died"))))
        checks.run(f"{label}: data intact", data_intact, c, run_id)
        c.close()
        server.stop()
    checks.finish()


if __name__ == "__main__":
    main()
