"""A corpus of bad requests on all three inference protocols (Open Inference Protocol V2 with
Triton's binary extension, TF Serving REST, MLflow /invocations), sent while keep-alive clients
keep predicting on every protocol. Each bad request must get its status (400, 404, 413, 415)
and the protocol's error JSON naming the field; the steady load must see only correct 200s; the
server must stay up and answer correctly afterwards. Run unbatched and batched."""
import json
import socket
import struct
import tempfile
import threading

import numpy as np

from harness import Checks, Client
from test_serve_binary import binary_body, column_inputs
from test_serve_v2 import FEATURES, Serve, columns_body, make_package

NAMES = [f"f{i}" for i in range(FEATURES)]
MAX_ROWS = 100
MAX_BODY = 1 << 20
V2 = "/v2/models/churn/infer"
TF = "/v1/models/churn:predict"
ML = "/invocations"


def rows_of(x):
    return [[float(v) for v in r] for r in x]


def valid_requests(x):
    """(label, path, body bytes, headers, function of the response -> the first prediction)."""
    row = rows_of(x[:1])[0]
    inputs, tensors = column_inputs(x[:1], "FP64")
    binary, length = binary_body(
        {"inputs": inputs, "outputs": [{"name": "predictions", "parameters": {"binary_data": True}}]},
        tensors)

    def binary_first(r):
        n = int({k.lower(): v for k, v in r.headers.items()}["inference-header-content-length"])
        return struct.unpack("<d", r.raw[n:n + 8])[0]

    return [
        ("v2 json", V2, json.dumps(columns_body(x[:1])).encode(), {},
         lambda r: r.json["outputs"][0]["data"][0]),
        ("v2 binary", V2, binary, {"Inference-Header-Content-Length": length}, binary_first),
        ("tf", TF, json.dumps({"instances": [dict(zip(NAMES, row))]}).encode(), {},
         lambda r: r.json["predictions"][0]),
        ("mlflow", ML, json.dumps({"dataframe_split": {"columns": NAMES, "data": [row]}}).encode(),
         {}, lambda r: r.json["predictions"][0]),
    ]


def with_input(body, name, **fields):
    body = json.loads(json.dumps(body))
    for t in body["inputs"]:
        if t["name"] == name:
            t.update(fields)
    return body


def corpus(x):
    """(label, path, raw body, headers, status, error shape 'v2'|'tf'|'mlflow', fragment)."""
    one = columns_body(x[:1])
    row = dict(zip(NAMES, rows_of(x[:1])[0]))
    big = [[0.0] * FEATURES] * 500
    good_v2 = json.dumps(one)
    inputs, tensors = column_inputs(x[:1])
    nan_tensors = [struct.pack("<f", float("nan"))] + tensors[1:]
    bin_nan, bin_nan_len = binary_body({"inputs": inputs}, nan_tensors)
    bin_ok, bin_ok_len = binary_body({"inputs": inputs}, tensors)
    lying = json.loads(json.dumps(inputs))
    lying[3]["parameters"]["binary_data_size"] = 12
    bin_size, bin_size_len = binary_body({"inputs": lying}, tensors[:3] + [b"\0" * 12] + tensors[4:])
    huge = b'{"inputs": [' + b" " * (MAX_BODY + 10) + b"]}"
    j = lambda o: json.dumps(o).encode()  # noqa: E731
    octet = "application/octet-stream"
    cases = [
        # Open Inference Protocol V2.
        ("v2 wrong shape", V2, j(with_input(one, "f0", shape=[2])), {}, 400, "v2",
         "input 'f0': shape [2]"),
        ("v2 wrong datatype", V2, j(with_input(one, "f1", datatype="BYTES", data=["a"])), {}, 400,
         "v2", "input 'f1': datatype BYTES"),
        ("v2 wrong element type", V2, j(with_input(one, "f2", data=["a"])), {}, 400, "v2",
         "input 'f2': element 0 is a string"),
        ("v2 missing input", V2, j({"inputs": one["inputs"][:-1]}), {}, 400, "v2",
         "missing input 'f4'"),
        ("v2 extra input", V2, j({"inputs": one["inputs"] + [
            {"name": "zz", "shape": [1], "datatype": "FP64", "data": [1]}]}), {}, 400, "v2",
         "input 'zz': not in the model's signature"),
        ("v2 null where forbidden", V2, j(with_input(one, "f0", data=[None])), {}, 400, "v2",
         "'f0' row 0"),
        ("v2 binary NaN where forbidden", V2, bin_nan,
         {"Inference-Header-Content-Length": bin_nan_len, "Content-Type": octet}, 400, "v2",
         "'f0' row 0"),
        ("v2 oversized batch", V2, j({"inputs": [{"name": "x", "shape": [500, FEATURES],
                                                  "datatype": "FP32", "data": big}]}), {}, 400,
         "v2", "input 'x': batch of 500 rows exceeds the limit of 100"),
        ("v2 malformed JSON", V2, b'{"inputs": [', {}, 400, "v2", "malformed JSON"),
        ("v2 truncated JSON", V2, good_v2[:len(good_v2) // 2].encode(), {}, 400, "v2",
         "malformed JSON"),
        ("v2 CSV body", V2, b"f0,f1\n1,2\n", {"Content-Type": "text/csv"}, 400, "v2",
         "malformed JSON"),
        ("v2 unknown output", V2, j(dict(one, outputs=[{"name": "zz"}])), {}, 400, "v2",
         "output 'zz'"),
        ("v2 header length beyond the body", V2, bin_ok,
         {"Inference-Header-Content-Length": str(len(bin_ok) + 1), "Content-Type": octet}, 400,
         "v2", f"Inference-Header-Content-Length {len(bin_ok) + 1} is beyond the end"),
        ("v2 header length inside the JSON", V2, bin_ok,
         {"Inference-Header-Content-Length": str(int(bin_ok_len) - 5), "Content-Type": octet},
         400, "v2", "malformed JSON in the first"),
        ("v2 header length not a number", V2, bin_ok,
         {"Inference-Header-Content-Length": "lots", "Content-Type": octet}, 400, "v2",
         "Inference-Header-Content-Length 'lots'"),
        ("v2 binary size that lies", V2, bin_size,
         {"Inference-Header-Content-Length": bin_size_len, "Content-Type": octet}, 400, "v2",
         "input 'f3': binary_data_size 12 does not match shape [1] x FP32"),
        ("v2 binary bytes left over", V2, bin_ok + b"\0\0",
         {"Inference-Header-Content-Length": bin_ok_len, "Content-Type": octet}, 400, "v2",
         f"2 bytes left over at byte offset {len(bin_ok)}"),
        ("v2 unknown model", "/v2/models/nope/infer", good_v2.encode(), {}, 404, "v2", "'nope'"),
        ("v2 unknown version", "/v2/models/churn/versions/7/infer", good_v2.encode(), {}, 404,
         "v2", "7"),
        ("v2 huge body", V2, huge, {}, 413, "v2", "request body exceeds the limit"),
        # TF Serving REST.
        ("tf wrong shape", TF, j({"instances": [[1.0, 2.0]]}), {}, 400, "tf", "row 0"),
        ("tf wrong datatype", TF, j({"instances": [dict(row, f0="high")]}), {}, 400, "tf", "f0"),
        ("tf missing column", TF, j({"inputs": {"f0": [1.0]}}), {}, 400, "tf", "missing input"),
        ("tf extra column", TF, j({"instances": [dict(row, f9=1.0)]}), {}, 400, "tf", "f9"),
        ("tf null where forbidden", TF, j({"instances": [dict(row, f0=None)]}), {}, 400, "tf",
         "f0"),
        ("tf oversized batch", TF, j({"instances": big}), {}, 400, "tf", "100"),
        ("tf malformed JSON", TF, b"{not json", {}, 400, "tf", "not valid JSON"),
        ("tf truncated JSON", TF, j({"instances": [row]})[:30], {}, 400, "tf", "not valid JSON"),
        ("tf unknown model", "/v1/models/nope:predict", j({"instances": [row]}), {}, 404, "tf",
         "nope"),
        ("tf unknown version", "/v1/models/churn/versions/7:predict", j({"instances": [row]}), {},
         404, "tf", "7"),
        ("tf huge body", TF, huge, {}, 413, "tf", "exceeds the limit"),
        # MLflow /invocations.
        ("mlflow wrong shape", ML, j({"dataframe_split": {"columns": NAMES, "data": [[1, 2, 3]]}}),
         {}, 400, "mlflow", "row 0"),
        ("mlflow wrong datatype", ML, j({"dataframe_records": [dict(row, f1="x")]}), {}, 400,
         "mlflow", "'f1'"),
        ("mlflow missing column", ML,
         j({"dataframe_split": {"columns": NAMES[:4], "data": [[1, 2, 3, 4]]}}), {}, 400, "mlflow",
         "missing input 'f4'"),
        ("mlflow extra column", ML, j({"dataframe_records": [dict(row, f9=1.0)]}), {}, 400,
         "mlflow", "f9"),
        ("mlflow null where forbidden", ML, j({"dataframe_records": [dict(row, f0=None)]}), {},
         400, "mlflow", "f0"),
        ("mlflow oversized batch", ML, j({"instances": big}), {}, 400, "mlflow", "100"),
        ("mlflow malformed JSON", ML, b"{not json", {}, 400, "mlflow", "JSON"),
        ("mlflow truncated JSON", ML, j({"instances": [list(row.values())]})[:25], {}, 400,
         "mlflow", "JSON"),
        ("mlflow CSV missing column", ML, b"f0,f1\n1,2\n", {"Content-Type": "text/csv"}, 400,
         "mlflow", "'f2'"),
        ("mlflow text/plain", ML, j({"instances": [list(row.values())]}),
         {"Content-Type": "text/plain"}, 415, "mlflow", "content type 'text/plain'"),
        ("mlflow form-encoded", ML, b"f0=1&f1=2",
         {"Content-Type": "application/x-www-form-urlencoded"}, 415, "mlflow",
         "application/x-www-form-urlencoded"),
        ("mlflow unknown model", ML + "?model=nope", j({"instances": [list(row.values())]}), {},
         404, "mlflow", "nope"),
        ("mlflow huge body", ML, huge, {}, 413, "mlflow", "exceeds the limit"),
    ]
    return cases


def raw_exchange(port, path, body, headers):
    """One request on its own connection; for bodies the server refuses before reading (413),
    where it answers and closes while the client may still be sending."""
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in {"Content-Type": "application/json",
                                                   **headers}.items())
    try:
        s.sendall(head.encode() + b"\r\n")
        try:
            s.sendall(body)
        except OSError:
            pass  # the server answered early and closed
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        head_end = data.index(b"\r\n\r\n")
        status = int(data.split(b" ", 2)[1])
        length = 0
        for line in data[:head_end].split(b"\r\n")[1:]:
            k, _, v = line.partition(b":")
            if k.strip().lower() == b"content-length":
                length = int(v)
        rest = data[head_end + 4:]
        while len(rest) < length:
            chunk = s.recv(65536)
            if not chunk:
                break
            rest += chunk
        return status, rest[:length]
    finally:
        s.close()


def check_error(label, status, raw, want_status, shape, fragment):
    assert status == want_status, (label, status, raw[:300])
    body = json.loads(raw)
    if shape == "mlflow":
        assert isinstance(body.get("error_code"), str) and body["error_code"], (label, body)
        message = body.get("message")
    else:
        message = body.get("error")
    assert isinstance(message, str) and fragment in message, (label, fragment, body)


class Load:
    """Keep-alive clients predicting on every protocol; counts answers that are not a correct
    200."""

    def __init__(self, port, requests, expected, threads=4):
        self.stop = threading.Event()
        self.ok = 0
        self.bad = []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run, args=(port, requests, expected, i))
                        for i in range(threads)]
        for t in self.threads:
            t.start()

    def run(self, port, requests, expected, i):
        c = Client(port)
        n = i
        while not self.stop.is_set():
            label, path, body, headers, first = requests[n % len(requests)]
            n += 1
            try:
                r = c.request("POST", path, raw=body, headers=headers)
                good = r.status == 200 and abs(first(r) - expected) <= 1e-6
                detail = (label, r.status, r.raw[:200])
            except Exception as e:  # noqa: BLE001 - any failure of the load is a finding
                good, detail = False, (label, repr(e))
            with self.lock:
                if good:
                    self.ok += 1
                else:
                    self.bad.append(detail)

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join()
        return self.ok, self.bad


def check_corpus_under_load(serve, x, expected):
    requests = valid_requests(x)
    load = Load(serve.port, requests, expected)
    try:
        c = Client(serve.port)
        for _ in range(5):
            for label, path, body, headers, status, shape, fragment in corpus(x):
                if status == 413:
                    got_status, raw = raw_exchange(serve.port, path, body, headers)
                else:
                    r = c.request("POST", path, raw=body, headers=headers)
                    got_status, raw = r.status, r.raw
                check_error(label, got_status, raw, status, shape, fragment)
        c.close()
    finally:
        ok, bad = load.finish()
    assert not bad, bad[:5]
    assert ok > 0, ok
    assert serve.proc.poll() is None, serve.text()
    # Afterwards every protocol still answers correctly.
    c = Client(serve.port)
    for label, path, body, headers, first in requests:
        r = c.request("POST", path, raw=body, headers=headers)
        assert r.status == 200 and abs(first(r) - expected) <= 1e-6, (label, r.status, r.raw[:200])
    c.close()
    print(f"  valid load: {ok} correct answers, 0 others", flush=True)


def main():
    checks = Checks()
    tmp = tempfile.mkdtemp(prefix="strata-serve-badinput-")
    pkg, booster, x = make_package(tmp)
    expected = float(booster.inplace_predict(np.asarray(x[:1]))[0])
    for label, extra in (("unbatched", []),
                         ("batched", ["--max-batch-size", "32", "--max-queue-delay-us", "300"])):
        serve = Serve(["--model", pkg, "--max-request-rows", str(MAX_ROWS), "--max-body-bytes",
                       str(MAX_BODY), *extra])
        checks.run(f"{label}: bad-input corpus on V2, TF Serving and MLflow under load",
                   check_corpus_under_load, serve, x, expected)
        assert serve.stop() == 0, serve.text()
    checks.finish()


if __name__ == "__main__":
    main()
