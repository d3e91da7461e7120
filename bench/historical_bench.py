"""End-to-end historical retrieval: `strata features historical` (the whole command: registry
lookup, reading the Parquet source and entity files, the point-in-time join, writing the
Parquet result) beside DuckDB's ASOF JOIN and pandas' merge_asof on the same data, in one run;
then the PostgreSQL pushdown engine beside the memory engine on a PostgreSQL source.

Data: bench/pit_bench.py's generator (issue 5: 5,000,000 feature rows over 100,000 entities,
5 float64 features, 1,000,000 entity rows, ttl 30 days, unique (entity, ts) pairs).
Timed, best of --repeat:
  * strata: wall time of the CLI process (`--engine memory`), end to end;
  * DuckDB (bench/peers/duckdb_pit.js) and pandas: the join only, tables already in memory
    (their read times are NOT included, so the ratio is conservative for Strata);
Answers are compared by checksum (rows with a match, sum of each feature) computed from
Strata's output file with DuckDB.
PostgreSQL (--pg-url, an admin URL; a fresh database is made): the first --pg-feature-rows
feature rows COPYed into a table with an index on (entity_id, ts), --pg-entity-rows entity
rows; `strata features historical` with --engine postgres vs --engine memory (both reading
from PostgreSQL), checksums compared.

Usage: /usr/bin/python3 bench/historical_bench.py --strata build/release/strata
       [--workdir D --reuse] [--repeat 3] [--pg-url postgresql://...]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid

import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import pit_bench  # noqa: E402  (the data generator and peers)

PSQL = shutil.which("psql") or "/usr/lib/postgresql/15/bin/psql"
CHECKSUM_JS = r"""
const duckdb = require('@duckdb/node-api');
(async () => {
  const [file, list] = process.argv.slice(1);  // node -e: no script path in argv
  const f = list.split(',');
  const i = await duckdb.DuckDBInstance.create(':memory:');
  const c = await i.connect();
  const r = await c.runAndReadAll(`SELECT count(*), count(${f[0]}), ${f.map((x) => `sum(${x})::DOUBLE`).join(', ')}
                                   FROM read_parquet('${file}')`);
  const row = r.getRows()[0].map(Number);
  console.log(JSON.stringify({rows: row[0], matched: row[1], sums: row.slice(2)}));
})().catch((e) => { console.error(e); process.exit(1); });
"""


def run(args, **kw):
    proc = subprocess.run(args, capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{proc.stderr}")
    return proc.stdout


def checksum(path):
    out = run(["node", "-e", CHECKSUM_JS, path, ",".join(pit_bench.FEATURES)],
              cwd=os.path.join(HERE, "peers"))
    return json.loads(out)


def time_cli(args, repeat):
    best = None
    for _ in range(repeat):
        t = time.time()
        run(args)
        s = time.time() - t
        best = s if best is None else min(best, s)
    return best


def write_repo(repo, offline, source):
    os.makedirs(repo, exist_ok=True)
    with open(os.path.join(repo, "feature_store.yaml"), "w") as f:
        f.write(f"project: {os.path.basename(repo)}\noffline_store: {offline}\n")
    with open(os.path.join(repo, "defs.yaml"), "w") as f:
        f.write(f"""entities:
  - {{name: e, join_keys: [entity_id]}}
sources:
  - {{name: src, {source}, timestamp_field: ts}}
feature_views:
  - name: fv
    entities: [e]
    source: src
    ttl: 30d
    schema: [{", ".join("{name: %s, type: float64}" % c for c in pit_bench.FEATURES)}]
""")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", required=True)
    ap.add_argument("--feature-rows", type=int, default=5_000_000)
    ap.add_argument("--entity-rows", type=int, default=1_000_000)
    ap.add_argument("--entities", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workdir")
    ap.add_argument("--reuse", action="store_true")
    ap.add_argument("--pg-url")
    ap.add_argument("--pg-feature-rows", type=int, default=1_000_000)
    ap.add_argument("--pg-entity-rows", type=int, default=1_000_000)
    args = ap.parse_args()
    tmp = args.workdir or tempfile.mkdtemp(prefix="strata-historical-bench-")
    os.makedirs(tmp, exist_ok=True)
    paths, feature_rows = pit_bench.make_data(tmp, args.feature_rows, args.entity_rows,
                                              args.entities, args.reuse)
    print(f"data: {feature_rows:,} feature rows, {args.entity_rows:,} entity rows ({tmp})")
    print("load: %.2f %.2f %.2f" % os.getloadavg())
    strata = os.path.abspath(args.strata)
    home = os.path.join(tmp, "home")
    shutil.rmtree(home, ignore_errors=True)
    repo = os.path.join(tmp, "filerepo")
    shutil.rmtree(repo, ignore_errors=True)
    os.makedirs(os.path.join(repo, "data"))
    os.link(paths["features.parquet"], os.path.join(repo, "data", "features.parquet"))
    write_repo(repo, "{type: file}", "type: file, path: data/features.parquet")
    run([strata, "features", "apply", "--repo", repo, "--home", home])
    out = os.path.join(tmp, "train.parquet")
    cli = [strata, "features", "historical", "--repo", repo, "--home", home, "--entities",
           paths["entities.parquet"], "--features", "fv:*", "--out", out, "--engine", "memory"]
    strata_s = time_cli(cli, args.repeat)
    got = checksum(out)
    duck = json.loads(run(["node", os.path.join(HERE, "peers", "duckdb_pit.js"), "join",
                           paths["features.parquet"], paths["entities.parquet"],
                           str(pit_bench.TTL_US), ",".join(pit_bench.FEATURES), str(args.repeat)]))
    pandas = json.loads(run(["/usr/bin/python3", "-c", pit_bench.PANDAS, paths["features.csv"],
                             paths["entities.csv"], str(pit_bench.TTL_US), str(args.repeat)]))
    ok = pit_bench.same(got, duck) and pit_bench.same(got, pandas)
    print(f"strata features historical (end to end) {strata_s:.3f}s  matched {got['matched']:,}")
    print(f"duckdb ASOF join only {duck['join_s']:.3f}s  matched {duck['matched']:,}")
    print(f"pandas merge_asof only {pandas['join_s']:.3f}s  matched {pandas['matched']:,}")
    print("answers identical:", "yes" if ok else "NO")
    print(f"strata end-to-end / duckdb join: {strata_s / duck['join_s']:.3f}x; "
          f"pandas join / strata end-to-end: {pandas['join_s'] / strata_s:.1f}x")
    if not args.pg_url:
        sys.exit(0 if ok else 1)

    # PostgreSQL: a fresh database, the first N feature rows, an index on (key, ts).
    name = "strata_hbench_" + uuid.uuid4().hex[:8]
    run([PSQL, args.pg_url, "-qc", f"CREATE DATABASE {name}"])
    url = urllib.parse.urlunparse(urllib.parse.urlparse(args.pg_url)._replace(path="/" + name))
    fcsv = os.path.join(tmp, "pg_features.csv")
    ecsv = os.path.join(tmp, "pg_entities.csv")
    pd.read_csv(paths["features.csv"], nrows=args.pg_feature_rows).to_csv(fcsv, index=False)
    ents = pd.read_csv(paths["entities.csv"], nrows=args.pg_entity_rows)
    ents["event_timestamp"] = pd.to_datetime(ents["event_timestamp"], unit="us")
    ents.to_csv(ecsv, index=False)
    cols = ", ".join(f"{c} double precision" for c in pit_bench.FEATURES)
    sql = f"""CREATE TABLE raw (entity_id bigint, ts_us bigint, {cols});
\\copy raw FROM '{fcsv}' CSV HEADER
CREATE TABLE features AS SELECT entity_id, TIMESTAMPTZ 'epoch' + ts_us * INTERVAL '1 microsecond'
  AS ts, {", ".join(pit_bench.FEATURES)} FROM raw;
DROP TABLE raw;
CREATE INDEX ON features (entity_id, ts);
ANALYZE features;
"""
    t = time.time()
    run([PSQL, url, "-v", "ON_ERROR_STOP=1", "-q"], input=sql)
    print(f"postgres: {args.pg_feature_rows:,} feature rows loaded + indexed in "
          f"{time.time() - t:.1f}s; {len(ents):,} entity rows")
    pgrepo = os.path.join(tmp, "pgrepo")
    shutil.rmtree(pgrepo, ignore_errors=True)
    write_repo(pgrepo, f'{{type: postgres, connection_string: "{url}"}}',
               "type: postgres, table: features")
    run([strata, "features", "apply", "--repo", pgrepo, "--home", home])
    times, sums = {}, {}
    print("load: %.2f %.2f %.2f" % os.getloadavg())
    for engine in ("postgres", "memory"):
        out = os.path.join(tmp, f"pg_{engine}.parquet")
        times[engine] = time_cli([strata, "features", "historical", "--repo", pgrepo, "--home",
                                  home, "--entities", ecsv, "--features", "fv:*", "--out", out,
                                  "--engine", engine], args.repeat)
        sums[engine] = checksum(out)
        print(f"engine {engine}: {times[engine]:.3f}s end to end, matched "
              f"{sums[engine]['matched']:,}")
    same = pit_bench.same(sums["postgres"], sums["memory"])
    print("postgres engines identical:", "yes" if same else "NO")
    print(f"pushdown / memory (reading from PostgreSQL): {times['postgres'] / times['memory']:.2f}x")
    run([PSQL, args.pg_url, "-qc", f"DROP DATABASE {name} WITH (FORCE)"])
    sys.exit(0 if ok and same else 1)


if __name__ == "__main__":
    main()
