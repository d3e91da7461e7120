"""Triton's binary tensor data extension over real HTTP: `strata serve` with a package imported
from python xgboost 1.7. Bodies are built by hand with struct/numpy (a JSON header of
Inference-Header-Content-Length bytes, then little-endian tensors); predictions must equal the
JSON path's and xgboost's own (1e-6) for binary inputs, binary outputs and both; lying header
lengths and sizes get 400 naming the input and the byte offset."""
import json
import struct
import tempfile

import numpy as np

from harness import Checks, Client
from test_serve_v2 import FEATURES, Serve, columns_body, make_package

NAMES = [f"f{i}" for i in range(FEATURES)]
INFER = "/v2/models/churn/infer"


def binary_body(header, tensors):
    """The body and its Inference-Header-Content-Length value."""
    h = json.dumps(header).encode()
    return h + b"".join(tensors), str(len(h))


def post_binary(c, header, tensors, length=None):
    body, real_length = binary_body(header, tensors)
    return c.request("POST", INFER, raw=body, headers={
        "Content-Type": "application/octet-stream",
        "Inference-Header-Content-Length": real_length if length is None else str(length)})


def header_length_of(r):
    for k, v in r.headers.items():
        if k.lower() == "inference-header-content-length":
            return int(v)
    return None


def split_response(r):
    """(JSON header, {output name: float64 array}) of a binary response."""
    assert r.status == 200, (r.status, r.raw[:300])
    n = header_length_of(r)
    assert n is not None, r.headers
    ctype = {k.lower(): v for k, v in r.headers.items()}["content-type"]
    assert ctype.startswith("application/octet-stream"), ctype
    header = json.loads(r.raw[:n])
    offset, arrays = n, {}
    for out in header["outputs"]:
        size = out.get("parameters", {}).get("binary_data_size")
        if size is None:
            arrays[out["name"]] = np.array(out["data"], dtype=np.float64)
            continue
        arrays[out["name"]] = np.frombuffer(r.raw[offset:offset + size], dtype="<f8")
        offset += size
    assert offset == len(r.raw), (offset, len(r.raw))
    return header, arrays


def column_inputs(x, dtype="FP32"):
    np_type = {"FP32": "<f4", "FP64": "<f8", "FP16": "<f2"}[dtype]
    header_inputs, tensors = [], []
    for i, name in enumerate(NAMES):
        raw = np.ascontiguousarray(x[:, i]).astype(np_type).tobytes()
        header_inputs.append({"name": name, "datatype": dtype, "shape": [len(x)],
                              "parameters": {"binary_data_size": len(raw)}})
        tensors.append(raw)
    return header_inputs, tensors


def json_predictions(c, x):
    out = c.ok("POST", INFER, columns_body(x))["outputs"][0]
    return np.array(out["data"], dtype=np.float64).reshape(len(x), -1)[:, 0]


def check_metadata(c):
    assert "binary_tensor_data" in c.ok("GET", "/v2")["extensions"]


def check_binary_inputs(c, booster, x):
    want = json_predictions(c, x)
    assert np.max(np.abs(want - booster.inplace_predict(x))) <= 1e-6
    # One tensor per column (FP32 and FP64), JSON outputs.
    for dtype in ("FP32", "FP64"):
        inputs, tensors = column_inputs(x, dtype)
        r = post_binary(c, {"id": "b1", "inputs": inputs}, tensors)
        assert r.status == 200, (r.status, r.raw[:300])
        assert header_length_of(r) is None  # nothing binary asked for: a plain JSON answer
        got = np.array(r.json["outputs"][0]["data"], dtype=np.float64)
        assert r.json["id"] == "b1"
        assert np.max(np.abs(got - want)) <= 1e-6, (dtype, np.max(np.abs(got - want)))
    # The 2-D feature matrix as one FP32 tensor, binary output.
    raw = np.ascontiguousarray(x, dtype="<f4").tobytes()
    header = {"inputs": [{"name": "x", "datatype": "FP32", "shape": list(x.shape),
                          "parameters": {"binary_data_size": len(raw)}}],
              "outputs": [{"name": "predictions", "parameters": {"binary_data": True}}]}
    meta, arrays = split_response(post_binary(c, header, [raw]))
    assert meta["outputs"][0]["parameters"]["binary_data_size"] == 8 * len(x), meta
    assert np.max(np.abs(arrays["predictions"] - want)) <= 1e-6
    # Binary and JSON inputs mixed (f2 keeps JSON data), request-level binary_data_output.
    inputs, tensors = column_inputs(x)
    inputs[2] = {"name": "f2", "datatype": "FP64", "shape": [len(x)],
                 "data": [float(v) for v in x[:, 2]]}
    del tensors[2]
    _, arrays = split_response(post_binary(
        c, {"inputs": inputs, "parameters": {"binary_data_output": True}}, tensors))
    assert np.max(np.abs(arrays["predictions"] - want)) <= 1e-6


def check_binary_outputs_of_json_requests(c, booster, x):
    want = json_predictions(c, x)
    body = columns_body(x)
    body["outputs"] = [{"name": "predictions", "parameters": {"binary_data": True}}]
    r = c.request("POST", INFER, body)
    _, arrays = split_response(r)
    assert np.max(np.abs(arrays["predictions"] - want)) <= 1e-6
    # binary_data false: plain JSON.
    body["outputs"][0]["parameters"]["binary_data"] = False
    r = c.request("POST", INFER, body)
    assert r.status == 200 and header_length_of(r) is None, r.headers
    body["outputs"][0]["parameters"]["binary_data"] = "yes"
    r = c.request("POST", INFER, body)
    assert r.status == 400 and "binary_data must be a boolean" in r.json["error"], r.raw


def bad_binary_cases(x):
    """(header, tensors, header length override or None, status, fragment) of lying bodies."""
    one = x[:1]
    inputs, tensors = column_inputs(one)
    h_len = len(json.dumps({"inputs": inputs}).encode())
    body_len = h_len + sum(len(t) for t in tensors)
    cases = [
        ({"inputs": inputs}, tensors, body_len + 10, "is beyond the end of the body"),
        ({"inputs": inputs}, tensors, "12x", "not a non-negative decimal"),
        ({"inputs": inputs}, tensors, h_len - 3, "malformed JSON in the first"),
        ({"inputs": inputs}, tensors[:-1], None,
         f"input 'f4': binary_data_size 4 at byte offset {h_len + 16} runs past the end"),
        ({"inputs": inputs}, tensors + [b"\0\0\0"], None,
         f"3 bytes left over at byte offset {body_len}"),
    ]
    wrong_size = json.loads(json.dumps(inputs))
    wrong_size[1]["parameters"]["binary_data_size"] = 8
    cases.append(({"inputs": wrong_size}, tensors[:1] + [b"\0" * 8] + tensors[2:], None,
                  "input 'f1': binary_data_size 8 does not match shape [1] x FP32"))
    wrong_type = json.loads(json.dumps(inputs))
    wrong_type[0]["datatype"] = "BYTES"
    cases.append(({"inputs": wrong_type}, tensors, None, "input 'f0'"))
    nan = [struct.pack("<f", float("nan"))] + tensors[1:]
    cases.append(({"inputs": inputs}, nan, None, "'f0' row 0"))
    missing = json.loads(json.dumps(inputs))[:-1]
    cases.append(({"inputs": missing}, tensors[:-1], None, "missing input 'f4'"))
    matrix = {"inputs": [{"name": "x", "datatype": "FP32", "shape": [500, FEATURES],
                          "parameters": {"binary_data_size": 500 * FEATURES * 4}}]}
    cases.append((matrix, [b"\0" * (500 * FEATURES * 4)], None, "exceeds the limit of 100"))
    return cases


def check_bad_binary(c, booster, x):
    for header, tensors, length, fragment in bad_binary_cases(x):
        r = post_binary(c, header, tensors, length)
        assert r.status == 400, (fragment, r.status, r.raw[:300])
        assert fragment in r.json["error"], (fragment, r.json)
    # Still answering correctly.
    inputs, tensors = column_inputs(x[:3])
    r = post_binary(c, {"inputs": inputs}, tensors)
    got = np.array(r.json["outputs"][0]["data"], dtype=np.float64)
    assert np.max(np.abs(got - booster.inplace_predict(x[:3]))) <= 1e-6


def main():
    checks = Checks()
    tmp = tempfile.mkdtemp(prefix="strata-serve-binary-")
    pkg, booster, x = make_package(tmp)
    for label, extra in (("unbatched", []),
                         ("batched", ["--max-batch-size", "32", "--max-queue-delay-us", "300"])):
        serve = Serve(["--model", pkg, "--max-request-rows", "100", *extra])
        c = Client(serve.port)
        checks.run(f"{label}: server metadata lists binary_tensor_data", check_metadata, c)
        checks.run(f"{label}: binary inputs predict as JSON does", check_binary_inputs, c,
                   booster, x)
        checks.run(f"{label}: binary outputs of JSON requests",
                   check_binary_outputs_of_json_requests, c, booster, x)
        checks.run(f"{label}: lying binary bodies get 400 with offsets", check_bad_binary, c,
                   booster, x)
        c.close()
        assert serve.stop() == 0, serve.text()
    checks.finish()


if __name__ == "__main__":
    main()
