"""`strata serve` speaking TF Serving's REST API and MLflow's /invocations over real HTTP, with
a real package (python xgboost 1.7 -> `strata models import`). Every request format must give
xgboost's own predictions (1e-6); malformed requests get 400 with the protocol's error shape
naming the field, and the server stays up."""
import csv
import io
import json
import os
import tempfile

import numpy as np

from harness import Checks, Client
from test_serve_v2 import FEATURES, Serve, make_package

NAMES = [f"f{i}" for i in range(FEATURES)]


def expected(booster, x):
    import xgboost as xgb
    return booster.predict(xgb.DMatrix(x))


def close(got, want):
    got = np.asarray(got, dtype=np.float64)
    assert got.shape == want.shape, (got.shape, want.shape)
    assert np.max(np.abs(got - want)) <= 1e-6, np.max(np.abs(got - want))


def rows_of(x):
    return [[float(v) for v in r] for r in x]


def check_tf(c, booster, x):
    want = expected(booster, x)
    status = c.ok("GET", "/v1/models/churn")
    assert status["model_version_status"][0]["state"] == "AVAILABLE", status
    assert c.ok("GET", "/v1/models/churn/versions/1")["model_version_status"][0]["version"] == "1"
    meta = c.ok("GET", "/v1/models/churn/metadata")
    inputs = meta["metadata"]["signature_def"]["signature_def"]["serving_default"]["inputs"]
    assert sorted(inputs) == NAMES, meta
    # Row format: objects by name, and arrays in signature order.
    records = [dict(zip(NAMES, r)) for r in rows_of(x)]
    close(c.ok("POST", "/v1/models/churn:predict", {"instances": records})["predictions"], want)
    close(c.ok("POST", "/v1/models/churn/versions/1:predict",
               {"instances": rows_of(x)})["predictions"], want)
    # Columnar format.
    cols = {n: [float(v) for v in x[:, i]] for i, n in enumerate(NAMES)}
    close(c.ok("POST", "/v1/models/churn:predict", {"inputs": cols})["outputs"], want)


def check_mlflow(c, booster, x):
    want = expected(booster, x)
    assert c.get("/ping").status == 200
    split = {"dataframe_split": {"columns": NAMES, "data": rows_of(x)}}
    close(c.ok("POST", "/invocations", split)["predictions"], want)
    # Columns in another order are matched by name.
    order = list(reversed(NAMES))
    split = {"dataframe_split": {"columns": order,
                                 "data": [list(reversed(r)) for r in rows_of(x)]}}
    close(c.ok("POST", "/invocations", split)["predictions"], want)
    records = {"dataframe_records": [dict(zip(NAMES, r)) for r in rows_of(x)]}
    close(c.ok("POST", "/invocations", records)["predictions"], want)
    close(c.ok("POST", "/invocations", {"instances": rows_of(x)})["predictions"], want)
    cols = {n: [float(v) for v in x[:, i]] for i, n in enumerate(NAMES)}
    close(c.ok("POST", "/invocations", {"inputs": cols})["predictions"], want)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(NAMES)
    for r in rows_of(x):
        w.writerow([repr(v) for v in r])
    r = c.request("POST", "/invocations", raw=buf.getvalue().encode(),
                  headers={"Content-Type": "text/csv"})
    assert r.status == 200, (r.status, r.raw[:300])
    close(r.json["predictions"], want)
    # A nullable column (f4) takes null.
    rec = dict(zip(NAMES, rows_of(x[:1])[0]))
    rec["f4"] = None
    assert c.ok("POST", "/invocations", {"dataframe_records": [rec]})["predictions"][0] >= 0


def check_bad(c, booster, x):
    row = dict(zip(NAMES, rows_of(x[:1])[0]))
    tf_bad = [
        ({"instances": [dict(row, f9=1.0)]}, "f9"),
        ({"instances": [dict(row, f0="high")]}, "f0"),
        ({"instances": [dict(row, f0=None)]}, "f0"),  # not nullable
        ({"instances": [[1.0, 2.0]]}, "row 0"),
        ({"instances": [1.0, 2.0]}, "5 inputs"),
        ({"inputs": {"f0": [1.0]}}, "missing input"),
        ({"instances": [row], "inputs": {}}, "exactly one"),
        ({"instancez": [row]}, "exactly one"),
    ]
    for body, needle in tf_bad:
        r = c.post("/v1/models/churn:predict", body)
        assert r.status == 400 and needle in r.json["error"], (body, r.status, r.raw[:300])
    r = c.request("POST", "/v1/models/churn:predict", raw=b"{not json")
    assert r.status == 400 and "not valid JSON" in r.json["error"], r.raw
    r = c.post("/v1/models/nope:predict", {"instances": [row]})
    assert r.status == 404 and "error" in r.json, r.raw
    r = c.post("/v1/models/churn/labels/stable:predict", {"instances": [row]})
    assert r.status == 404 and "label" in r.json["error"], r.raw
    assert c.post("/v1/models/churn:classify", {"instances": [row]}).status == 404

    ml_bad = [
        ({"dataframe_split": {"columns": NAMES[:4], "data": [[1, 2, 3, 4]]}}, "missing input 'f4'"),
        ({"dataframe_split": {"columns": NAMES, "data": [[1, 2, 3]]}}, "row 0"),
        ({"dataframe_records": [dict(row, f1=True)]}, "input 'f1' row 0"),
        ({"instances": [row], "inputs": {}}, "both"),
        ({"frame": []}, "unknown field 'frame'"),
        ({}, "needs one of"),
    ]
    for body, needle in ml_bad:
        r = c.post("/invocations", body)
        assert r.status == 400 and needle in r.json["message"], (body, r.status, r.raw[:300])
        assert r.json["error_code"] == "INVALID_PARAMETER_VALUE", r.json
    for raw, needle in [(b"f0,f1\n1,2\n", "missing input column 'f2'"), (b"f0,f1\n1,2,3\n", "line 2")]:
        r = c.request("POST", "/invocations", raw=raw, headers={"Content-Type": "text/csv"})
        assert r.status == 400 and needle in r.json["message"], r.raw
    # Still serving.
    close(c.ok("POST", "/invocations", {"instances": rows_of(x[:3])})["predictions"],
          expected(booster, x[:3]))


def main():
    checks = Checks()
    tmp = tempfile.mkdtemp(prefix="strata-serve-rest-")
    pkg, booster, x = make_package(tmp)
    serve = Serve(["--model", pkg])
    try:
        c = Client(serve.port)
        checks.run("TF Serving REST: status, metadata, row and columnar predict", check_tf, c,
                   booster, x)
        checks.run("MLflow /invocations: split, records, instances, inputs, CSV", check_mlflow,
                   c, booster, x)
        checks.run("bad requests: 400 naming the field, server stays up", check_bad, c, booster, x)
        c.close()
    finally:
        rc = serve.stop()
        assert rc == 0, (rc, serve.text())
    checks.finish()


if __name__ == "__main__":
    main()
