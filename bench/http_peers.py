"""What the HTTP benchmarks share: free loopback ports, waiting for a server to listen, and
the nginx peer serving a fixed 60-byte JSON body (the HTTP ceiling of this machine)."""
import json
import socket
import subprocess
import os
import time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"port {port} did not open")


def start_nginx(tmp):
    port = free_port()
    body = json.dumps({"status": "ok", "server": "nginx", "pad": "x" * 14})
    assert len(body) == 60, len(body)
    conf = os.path.join(tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""
worker_processes 2;
user root;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  keepalive_requests 1000000;
  server {{
    listen 127.0.0.1:{port};
    location / {{ default_type application/json; return 200 '{body}'; }}
  }}
}}
""")
    proc = subprocess.Popen(["nginx", "-p", tmp, "-c", conf, "-g", "daemon off;"],
                            stderr=subprocess.DEVNULL)
    wait_port(port)
    return proc, port
