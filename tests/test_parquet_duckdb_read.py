"""DuckDB writes Parquet, Strata reads it: `strata data show FILE --tsv` must give DuckDB's values
row by row -- ints, floats and strings with nulls, bools, timestamps, dates, decimals, several
row groups, and every codec DuckDB writes (plus data page v2 / delta encodings).

Needs node and tests/duckdb_peer/node_modules (`npm ci` there; scripts/install-deps.sh does it).
"""
import datetime
import json
import math
import os
import subprocess
import sys
import tempfile

from harness import STRATA_BIN, Checks

HERE = os.path.dirname(os.path.abspath(__file__))
PEER = os.path.join(HERE, "duckdb_peer", "parquet_write_and_dump.js")
ROWS = 5000  # three DuckDB row groups with ROW_GROUP_SIZE 2048 (its minimum: one vector)

TABLE = f"""
CREATE TABLE t AS SELECT
  i::BIGINT AS id,
  (i * 7 - 5000)::INTEGER AS small,
  CASE WHEN i % 11 = 0 THEN NULL ELSE i * 0.25 - 100 END AS amount,
  CASE WHEN i % 13 = 0 THEN NULL ELSE (i * 1.5)::FLOAT END AS ratio,
  CASE WHEN i % 7 = 0 THEN NULL ELSE 'name_' || (i % 50) END AS name,
  CASE WHEN i % 5 = 0 THEN '' ELSE repeat('x', i % 40) || i END AS text,
  CASE WHEN i % 17 = 0 THEN NULL ELSE i % 3 = 0 END AS flag,
  TIMESTAMP '2024-01-01 00:00:00' + INTERVAL (i * 37) SECOND + INTERVAL (i % 1000) MICROSECOND AS ts,
  CASE WHEN i % 19 = 0 THEN NULL ELSE DATE '1969-06-01' + (i * 3)::INTEGER END AS day,
  (i * 1.37 - 2000)::DECIMAL(10, 2) AS price,
  (i * 123456.789)::DECIMAL(18, 3) AS wide,
  (i * 1000003)::DECIMAL(38, 0) AS huge
FROM range({ROWS}) r(i)
"""

# DuckDB's values as text in Strata's print form (timestamps as "YYYY-MM-DD HH:MM:SS[.ffffff]").
EXPECT = """DUMP SELECT id, small, amount, ratio::DOUBLE, name, text, flag,
  epoch_us(ts), epoch_us(day::TIMESTAMP), price::DOUBLE, wide::DOUBLE, huge::DOUBLE
FROM t ORDER BY id"""

TYPES = ["id: int64", "small: int64", "amount: float64", "ratio: float64", "name: string",
         "text: string", "flag: bool", "ts: timestamp", "day: timestamp", "price: float64",
         "wide: float64", "huge: float64"]


def peer(*sql):
    r = subprocess.run(["node", PEER, *sql], capture_output=True, text=True, timeout=300,
                       cwd=os.path.join(HERE, "duckdb_peer"))
    assert r.returncode == 0, r.stderr
    return [json.loads(line) for line in r.stdout.splitlines() if line.startswith("[")]


def micros_text(us):
    t = datetime.datetime(1970, 1, 1) + datetime.timedelta(microseconds=us)
    out = t.strftime("%Y-%m-%d %H:%M:%S")
    return out + (f".{us % 1000000:06d}" if us % 1000000 else "")


def unescape(cell):
    """Undoes --tsv's escapes (\\\\, \\t, \\n, \\r)."""
    out, i = [], 0
    while i < len(cell):
        if cell[i] == "\\" and i + 1 < len(cell):
            out.append({"t": "\t", "n": "\n", "r": "\r"}.get(cell[i + 1], cell[i + 1]))
            i += 2
        else:
            out.append(cell[i])
            i += 1
    return "".join(out)


def strata_rows(path, rows, check=True):
    r = subprocess.run([STRATA_BIN, "data", "show", path, "--tsv", "--rows", str(rows)],
                       capture_output=True, text=True, errors="surrogateescape", timeout=300)
    if not check and r.returncode != 0:
        return r.stderr, None, None
    assert r.returncode == 0, r.stderr
    head, _, body = r.stdout.partition("\n\n")
    lines = body.split("\n")[:-1]
    return head, lines[0].split("\t"), [[unescape(c) for c in line.split("\t")]
                                        for line in lines[1:]]


def same_float(a, b):
    if a == "null" or b is None:
        return a == "null" and b is None
    x, y = float(a), float(b)
    return x == y or (math.isnan(x) and math.isnan(y)) or abs(x - y) <= 1e-12 * max(abs(x), abs(y))


def compare(path, expected, rows=ROWS):
    head, header, got = strata_rows(path, rows)
    for t in TYPES:
        assert f"  {t}\n" in head + "\n", f"{path}: missing '{t}' in\n{head}"
    assert f"{rows} rows x 12 columns" in head, head
    assert len(got) == rows, (path, len(got))
    for r, (g, e) in enumerate(zip(got, expected)):
        for c, (gv, ev) in enumerate(zip(g, e)):
            col = header[c]
            if col in ("amount", "ratio", "price", "wide", "huge"):
                ok = same_float(gv, ev)
            elif col in ("ts", "day"):
                ok = (gv == "null") if ev is None else gv == micros_text(int(ev))
            elif col == "flag":
                ok = gv == ("null" if ev is None else ev)
            else:
                ok = gv == ("null" if ev is None else ev)
            assert ok, f"{os.path.basename(path)} row {r} column {col}: strata {gv!r}, duckdb {ev!r}"


def codecs_and_row_groups(tmp):
    codecs = ["uncompressed", "snappy", "gzip", "zstd", "brotli", "lz4", "lz4_raw"]
    # One thread: the table keeps range()'s order, which COPY preserves.
    sql = ["SET threads = 1", TABLE]
    written = []
    for codec in codecs:
        path = os.path.join(tmp, f"t_{codec}.parquet")
        sql.append(f"COPY t TO '{path}' "
                   f"(FORMAT parquet, COMPRESSION {codec}, ROW_GROUP_SIZE 2048)")
        written.append(path)
    v2 = os.path.join(tmp, "t_v2.parquet")
    sql.append(f"COPY t TO '{v2}' "
               f"(FORMAT parquet, COMPRESSION zstd, PARQUET_VERSION v2, ROW_GROUP_SIZE 4096)")
    written.append(v2)
    sql.append(EXPECT)
    expected = peer(*sql)[0]
    assert len(expected) == ROWS
    for path in written:
        compare(path, expected)
    # More than one row group really was written.
    groups = peer(f"DUMP SELECT count(DISTINCT row_group_id) FROM parquet_metadata('{written[0]}')")
    assert int(groups[0][0][0]) >= 3, groups


def schema_view(tmp):
    path = os.path.join(tmp, "s.parquet")
    peer("CREATE TABLE s AS SELECT 1::INTEGER AS a, 'x' AS b",
         f"COPY s TO '{path}' (FORMAT parquet, COMPRESSION snappy)")
    r = subprocess.run([STRATA_BIN, "data", "show", path, "--schema"], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "a: INT32" in r.stdout and "b: BYTE_ARRAY UTF8" in r.stdout, r.stdout
    assert "SNAPPY" in r.stdout and "row group 0: 1 rows" in r.stdout, r.stdout


def nested_is_refused(tmp):
    path = os.path.join(tmp, "n.parquet")
    peer(f"COPY (SELECT 1 AS a, [1, 2] AS l) TO '{path}' (FORMAT parquet)")
    r = subprocess.run([STRATA_BIN, "data", "show", path], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 1, r
    assert "unsupported: nested type (column 'l." in r.stderr, r.stderr


CORPUS = os.path.join(os.environ.get("STRATA_SOURCE_DIR", os.path.dirname(HERE)), "..",
                      "shared", "data", "parquet-testing", "data")


def corpus_reads_like_duckdb(tmp):
    """Every corpus file both can read: Strata's values are DuckDB's (binary columns, which
    DuckDB prints escaped, and instants DuckDB cannot hold, are left out)."""
    compared = 0
    for name in sorted(os.listdir(CORPUS)):
        if not name.endswith(".parquet"):
            continue
        path = os.path.join(CORPUS, name)
        head, header, got = strata_rows(path, 10**9, check=False)
        if header is None:
            assert "unsupported: nested type" in head or "checksum mismatch" in head, (name, head)
            continue
        types = dict(line.strip().rsplit(": ", 1) for line in head.splitlines()[1:])
        cast = {"timestamp": "epoch_us({}::TIMESTAMP)", "float64": "{}::DOUBLE",
                "string": "{}::VARCHAR"}
        cols = ['"' + n.replace('"', '""') + '"' for n in header]
        sql = ", ".join(cast.get(types[n], "{}").format(c) for n, c in zip(header, cols))
        r = subprocess.run(["node", PEER, f"DUMP SELECT {sql} FROM read_parquet('{path}')"],
                           capture_output=True, text=True, timeout=300,
                           cwd=os.path.join(HERE, "duckdb_peer"))
        if r.returncode != 0:  # e.g. codec LZ4, BYTE_STREAM_SPLIT on ints: DuckDB cannot
            continue
        expected = json.loads(r.stdout.splitlines()[0])
        assert len(expected) == len(got), (name, len(expected), len(got))
        for c, col in enumerate(header):
            t = types[col]
            if t == "string" and any(e[c] is not None and "\\x" in e[c] for e in expected):
                continue  # a BLOB: DuckDB's VARCHAR cast escapes the bytes
            for i, (g, e) in enumerate(zip(got, expected)):
                gv, ev = g[c], e[c]
                if ev is None:
                    ok = gv == "null"
                elif t == "float64":
                    ok = same_float(gv, ev)
                elif t == "timestamp":
                    if not -62135596800000000 <= int(ev) <= 253402300799999999:
                        continue  # outside years 1..9999 DuckDB wraps (int96_from_spark)
                    ok = gv == micros_text(int(ev))
                else:
                    ok = gv == ev
                assert ok, f"{name} row {i} column {col}: strata {gv!r}, duckdb {ev!r}"
        compared += 1
    assert compared >= 35, compared


def main():
    if not os.path.isdir(os.path.join(HERE, "duckdb_peer", "node_modules")):
        if os.environ.get("CI") == "true":
            raise SystemExit("tests/duckdb_peer/node_modules is missing: run npm ci there")
        print("SKIP parquet duckdb read: tests/duckdb_peer/node_modules missing (npm ci there)")
        return
    checks = Checks()
    tmp = tempfile.mkdtemp(prefix="strata-parquet-duckdb-")
    checks.run("parquet: DuckDB-written files read back value for value", codecs_and_row_groups, tmp)
    checks.run("parquet: data show --schema", schema_view, tmp)
    checks.run("parquet: nested columns are refused by name", nested_is_refused, tmp)
    if os.path.isdir(CORPUS):
        checks.run("parquet: the parquet-testing corpus reads as DuckDB reads it",
                   corpus_reads_like_duckdb, tmp)
    else:
        print(f"SKIP parquet corpus cross-check: {CORPUS} not found")
    checks.finish()


if __name__ == "__main__":
    main()
