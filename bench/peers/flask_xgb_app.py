"""The Flask + gunicorn peer of bench/serving_bench.py: what many users deploy to serve an
XGBoost model. It answers the same Open Inference Protocol V2 JSON body as `strata serve`
(POST /v2/models/<name>/infer with one FP32/FP64 tensor [N, features]) with a V2-shaped
response, predicting with xgboost's Booster.inplace_predict on the same model file.

Run: STRATA_BENCH_MODEL=model.json /usr/bin/python3 -m gunicorn -w 2 -k sync \
       --chdir bench/peers flask_xgb_app:app -b 127.0.0.1:PORT
"""
import os

import numpy as np
import xgboost as xgb
from flask import Flask, jsonify, request

app = Flask(__name__)
booster = xgb.Booster()
booster.load_model(os.environ["STRATA_BENCH_MODEL"])
booster.set_param({"nthread": 1})


@app.post("/v2/models/<name>/infer")
def infer(name):
    body = request.get_json(force=True)
    tensor = body["inputs"][0]
    shape = tensor["shape"]
    if len(shape) != 2 or tensor["datatype"] not in ("FP32", "FP64"):
        return jsonify({"error": "expected one FP32/FP64 tensor [N, features]"}), 400
    x = np.asarray(tensor["data"], dtype=np.float32).reshape(shape)
    pred = booster.inplace_predict(x)
    return jsonify({"model_name": name, "model_version": "1",
                    "outputs": [{"name": "predictions", "datatype": "FP64",
                                 "shape": [len(pred)], "data": pred.astype(float).tolist()}]})
