"""Black-box test harness: starts the real `strata server` on an ephemeral port and speaks HTTP.

Every test module runs its checks against each metadata backend: embedded SQLite always, and
PostgreSQL when STRATA_TEST_POSTGRES_URL is set (scripts/test-services.sh sets it). Under
CI=true a missing PostgreSQL is a failure, never a silent skip.
"""
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse
import uuid

STRATA_BIN = os.environ.get("STRATA_BIN", "build/release/strata")


def backends():
    """Yields (label, store_uri_factory)."""
    out = [("sqlite", lambda home: "")]
    pg = os.environ.get("STRATA_TEST_POSTGRES_URL")
    if pg:
        out.append(("postgresql", lambda home: fresh_pg_database(pg)))
    elif os.environ.get("CI") == "true":
        raise SystemExit("STRATA_TEST_POSTGRES_URL is not set under CI=true: PostgreSQL is required")
    else:
        print("SKIP postgresql backend: STRATA_TEST_POSTGRES_URL not set", flush=True)
    return out


def fresh_pg_database(admin_url):
    name = "strata_bb_" + uuid.uuid4().hex[:12]
    psql = shutil.which("psql") or "/usr/lib/postgresql/15/bin/psql"
    subprocess.run([psql, admin_url, "-qc", f"CREATE DATABASE {name}"], check=True,
                   stdout=subprocess.DEVNULL)
    parsed = urllib.parse.urlparse(admin_url)
    return urllib.parse.urlunparse(parsed._replace(path="/" + name))


class Server:
    def __init__(self, store_uri="", home=None, extra_args=()):
        self.home = home or tempfile.mkdtemp(prefix="strata-bb-")
        self.store_uri = store_uri
        self.extra_args = list(extra_args)
        self.proc = None
        self.port = None

    def start(self):
        args = [STRATA_BIN, "server", "--home", self.home, "--port", "0"]
        if self.store_uri:
            args += ["--store", self.store_uri]
        args += self.extra_args
        self.stderr_path = os.path.join(self.home, "server.stderr")
        self.stderr = open(self.stderr_path, "ab")
        # A restart on the same home appends to the old log: look only at what this start wrote.
        self.log_offset = self.stderr.tell()
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=self.stderr)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.log()}")
            m = re.search(r"listening on http://[\d.]+:(\d+)", self.log(self.log_offset))
            if m and m.group(1) != "0":
                self.port = int(m.group(1))
                return self
            time.sleep(0.05)
        raise RuntimeError("server did not start: " + self.log())

    def log(self, offset=0):
        with open(self.stderr_path, "rb") as f:
            f.seek(offset)
            return f.read().decode(errors="replace")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stderr.close()
        return self.proc.returncode

    def client(self):
        return Client(self.port)


class Response:
    def __init__(self, status, body, headers):
        self.status = status
        self.raw = body
        self.headers = headers

    @property
    def json(self):
        return json.loads(self.raw) if self.raw else {}


class Client:
    """One keep-alive connection, like MLflow's requests session."""

    def __init__(self, port):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method, path, body=None, raw=None, headers=None):
        hdrs = {"Content-Type": "application/json"}
        hdrs.update(headers or {})
        data = raw if raw is not None else (None if body is None else json.dumps(body))
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=data, headers=hdrs)
                r = self.conn.getresponse()
                return Response(r.status, r.read(), dict(r.getheaders()))
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise

    def get(self, path, /, **params):
        q = urllib.parse.urlencode(params, doseq=True)
        return self.request("GET", path + ("?" + q if q else ""))

    def post(self, path, body):
        return self.request("POST", path, body)

    def ok(self, method, path, body=None):
        r = self.request(method, path, body)
        assert r.status == 200, f"{method} {path} -> {r.status} {r.raw[:500]!r}"
        return r.json

    def close(self):
        self.conn.close()


class Checks:
    """Collects named checks; prints 'N passed, N failed' at the end."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def run(self, name, fn, *args):
        try:
            fn(*args)
            self.passed += 1
            print(f"PASS {name}", flush=True)
        except Exception:  # noqa: BLE001 - report every failure and go on
            self.failed += 1
            print(f"FAIL {name}\n{traceback.format_exc()}", flush=True)

    def finish(self):
        print(f"{self.passed} passed, {self.failed} failed", flush=True)
        sys.exit(1 if self.failed or not self.passed else 0)


def expect_error(r, status, code):
    assert r.status == status, f"expected HTTP {status}, got {r.status}: {r.raw[:300]!r}"
    body = r.json
    assert body.get("error_code") == code, f"expected {code}, got {body}"
    assert body.get("message"), body
