"""The `strata experiments|runs|models` commands against a running server, and `/version`,
`/metrics` on the same server."""
import json
import os
import subprocess

from harness import STRATA_BIN, Checks, Server


def cli(server, *args, ok=True):
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"http://127.0.0.1:{server.port}"}
    p = subprocess.run([STRATA_BIN, *args], capture_output=True, text=True, env=env, timeout=60)
    if ok:
        assert p.returncode == 0, (args, p.returncode, p.stderr)
    return p


def experiments(server):
    out = cli(server, "experiments", "create", "cli-exp", "--json").stdout
    exp_id = json.loads(out)["experiment_id"]
    listed = json.loads(cli(server, "experiments", "list", "--json").stdout)["experiments"]
    assert "cli-exp" in [e["name"] for e in listed]
    text = cli(server, "experiments", "list").stdout
    assert "cli-exp" in text and "NAME" in text
    got = json.loads(cli(server, "experiments", "get", "--name", "cli-exp", "--json").stdout)
    assert got["experiment"]["experiment_id"] == exp_id
    p = cli(server, "experiments", "create", "cli-exp", ok=False)
    assert p.returncode == 1 and "RESOURCE_ALREADY_EXISTS" in p.stderr, p.stderr
    # --tracking-uri wins over the environment.
    p = cli(server, "experiments", "list", "--tracking-uri", "http://127.0.0.1:1", ok=False)
    assert p.returncode == 1 and "cannot reach" in p.stderr, p.stderr


def runs(server):
    exp_id = json.loads(cli(server, "experiments", "create", "cli-runs", "--json").stdout)[
        "experiment_id"]
    run_id = cli(server, "runs", "create", "--experiment-id", exp_id, "--name", "r1").stdout.strip()
    assert len(run_id) == 32, run_id
    listed = json.loads(cli(server, "runs", "list", "--experiment-id", exp_id, "--json").stdout)
    assert [r["info"]["run_id"] for r in listed["runs"]] == [run_id]
    text = cli(server, "runs", "get", run_id).stdout
    assert run_id in text and "r1" in text


def models(server):
    cli(server, "models", "create", "cli-model", "--description", "from the CLI")
    listed = json.loads(cli(server, "models", "list", "--json").stdout)["registered_models"]
    assert [m["name"] for m in listed] == ["cli-model"]
    got = json.loads(cli(server, "models", "get", "cli-model", "--json").stdout)
    assert got["registered_model"]["description"] == "from the CLI"
    p = cli(server, "models", "get", "missing", ok=False)
    assert p.returncode == 1 and "RESOURCE_DOES_NOT_EXIST" in p.stderr


def version_and_metrics(server):
    c = server.client()
    r = c.request("GET", "/version")
    assert r.status == 200 and r.raw.decode().count(".") == 2
    c.get("/api/2.0/mlflow/experiments/get", experiment_id="0")
    r = c.request("GET", "/metrics")
    text = r.raw.decode()
    assert r.status == 200 and "strata_http_requests_total" in text, text[:500]
    assert "/api/2.0/mlflow/experiments/get" in text
    assert "strata_http_request_duration_seconds_bucket" in text
    c.close()
    out = subprocess.run([STRATA_BIN, "version"], capture_output=True, text=True).stdout
    assert out.startswith("strata ")


def main():
    checks = Checks()
    server = Server().start()
    for fn in (experiments, runs, models, version_and_metrics):
        checks.run(fn.__name__, fn, server)
    server.stop()
    checks.finish()


if __name__ == "__main__":
    main()
