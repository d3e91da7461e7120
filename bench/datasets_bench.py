"""Dataset versioning benchmark: `strata data add|get` of the 2,000,000-row x 10-column CSV
(make_csv from bench/csv_bench.py) beside the floor of the same byte work done by coreutils.

There is no DVC here (no registry offers it), so the peer is what `dvc add` must do at least:
hash the file and copy it into a content-addressed cache, i.e. `sha256sum FILE` + `cp FILE
CACHE`. Strata's add does that and more: it parses the file as a typed table (schema, row count,
column profile), reads the git state and writes the manifest to SQLite. Measured, each the best
of --repeat runs, each add into a fresh --home:
  * add (new):        strata data add NAME FILE
  * add (unchanged):  the same file again: one hashing pass and a lookup (idempotent add)
  * get:              strata data get NAME@1 OUT (copy out of the blob store, hash-verified)
  * parse only:       strata data show --schema FILE (the table read alone, as reported by it)
  * floor:            sha256sum FILE; cp FILE DEST; both
Hashing throughput = file size / wall time of the unchanged add (dominated by SHA-256).

Usage: /usr/bin/python3 bench/datasets_bench.py --strata build/release/strata [--rows N]
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from csv_bench import make_csv  # noqa: E402


def wall(args, cwd=None):
    start = time.perf_counter()
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd)
    elapsed = time.perf_counter() - start
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {r.stderr[-2000:]}")
    return elapsed, r.stdout


def best(fn, repeat):
    times = []
    out = None
    for _ in range(repeat):
        t, out = fn()
        times.append(t)
    return min(times), out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", default="build/release/strata")
    ap.add_argument("--rows", type=int, default=2000000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    strata = os.path.abspath(args.strata)
    tmp = tempfile.mkdtemp(prefix="strata-datasets-bench-")
    try:
        path = os.path.join(tmp, "data.csv")
        make_csv(path, args.rows)
        size = os.path.getsize(path)
        mb = size / 1e6
        print(f"file: {args.rows} rows x 10 columns, {mb:.1f} MB")
        # Warm the page cache so every contender reads from memory.
        wall(["cat", path])

        homes = []

        def add_new():
            home = os.path.join(tmp, f"home{len(homes)}")
            homes.append(home)
            return wall([strata, "data", "add", "big", path, "--home", home], cwd=tmp)

        t_add, out = best(add_new, args.repeat)
        assert "Added big@1" in out, out
        home = homes[-1]
        t_readd, out = best(lambda: wall([strata, "data", "add", "big", path, "--home", home],
                                         cwd=tmp), args.repeat)
        assert "Unchanged" in out, out
        dest = os.path.join(tmp, "out.csv")
        t_get, out = best(lambda: wall([strata, "data", "get", "big@1", dest, "--home", home]),
                          args.repeat)
        assert os.path.getsize(dest) == size

        def parse_only():
            _, out = wall([strata, "data", "show", "--schema", path])
            m = re.search(r"read in ([\d.]+) s", out)
            return float(m.group(1)), out

        t_parse, _ = best(parse_only, args.repeat)
        t_sha, _ = best(lambda: wall(["sha256sum", path]), args.repeat)
        cache = os.path.join(tmp, "cache.bin")

        def cp():
            if os.path.exists(cache):
                os.remove(cache)
            return wall(["cp", path, cache])

        t_cp, _ = best(cp, args.repeat)
        floor = t_sha + t_cp

        rows = [
            ("strata data add (new version)", t_add, floor, "sha256sum + cp"),
            ("strata data add (unchanged, idempotent)", t_readd, t_sha, "sha256sum"),
            ("strata data get (verified copy out)", t_get, floor, "sha256sum + cp"),
            ("strata table parse alone (data show)", t_parse, None, ""),
            ("sha256sum", t_sha, None, ""),
            ("cp", t_cp, None, ""),
        ]
        print(f"{'step':44s} {'wall s':>8s} {'MB/s':>8s}  ratio to floor")
        for name, t, ref, ref_name in rows:
            ratio = f"{t / ref:.2f}x {ref_name}" if ref else ""
            print(f"{name:44s} {t:8.3f} {mb / t:8.0f}  {ratio}")
        print(f"hashing throughput (unchanged add): {mb / t_readd:.0f} MB/s; "
              f"sha256sum: {mb / t_sha:.0f} MB/s")
        print(f"add minus the table parse alone: {t_add - t_parse:.3f} s "
              f"(hash, blob copy + fsync beside the parse, profile, git, manifest); "
              f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
