"""Parquet files written by `strata data convert` read back by DuckDB, value by value.

A corpus of CSV files (ints, floats with nulls/NaN/inf, strings with nulls/empty/unicode,
bools, timestamps) is converted to Parquet with every codec, page v1 and v2, dictionary on
and off and small row groups; DuckDB (@duckdb/node-api, tests/duckdb_peer/query.js) reads each
file and its SELECT results are compared with the values the CSV held. parquet_metadata() and
parquet_schema() check codecs, row-group counts, encodings and min/max/null-count statistics.
Needs `npm ci` in tests/duckdb_peer (scripts/install-deps.sh runs it).
"""
import json
import math
import os
import random
import subprocess
import tempfile

from harness import STRATA_BIN, Checks

HERE = os.path.dirname(os.path.abspath(__file__))
QUERY_JS = os.path.join(HERE, "duckdb_peer", "query.js")
CODECS = ["uncompressed", "snappy", "gzip", "zstd", "brotli", "lz4_raw"]


def duck(*sql):
    r = subprocess.run(["node", QUERY_JS, *sql], capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise AssertionError(f"duckdb failed: {r.stderr.strip()}\nSQL: {sql[-1][:500]}")
    return json.loads(r.stdout)


def lit(path):
    return "'" + path.replace("'", "''") + "'"


def convert(src, dst, *args, expect=0):
    r = subprocess.run([STRATA_BIN, "data", "convert", src, dst, *args], capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == expect, f"exit {r.returncode}: {r.stderr}{r.stdout}"
    return r


# ---- the corpus: typed Python values, written to CSV ----

def fmt_ts(us):
    sec, frac = divmod(us, 1_000_000)
    days, rem = divmod(sec, 86400)
    import datetime
    d = datetime.datetime(1970, 1, 1) + datetime.timedelta(days=days, seconds=rem)
    text = d.strftime("%Y-%m-%d %H:%M:%S")
    return text + (f".{frac:06d}" if frac else "")


def cell(kind, v):
    if v is None:
        return ""
    if kind == "int":
        return str(v)
    if kind == "float":
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if kind == "str":
        return '"' + v.replace('"', '""') + '"'  # quoted: "" stays an empty string
    if kind == "bool":
        return "true" if v else "false"
    if kind == "ts":
        return fmt_ts(v)
    raise ValueError(kind)


def mixed_columns(n, seed=1):
    rnd = random.Random(seed)
    words = ["alpha", "beta", "gamma", "", "é", "中文", "emoji 🎉", 'quote " and, comma',
             "line\nbreak", " padded "]
    specials = [float("nan"), float("inf"), float("-inf"), -0.0, 0.0, 1e300, -1e-300, 0.1]
    cols = {
        "id": ("int", list(range(n))),
        "i": ("int", [None if k % 11 == 5 else
                      (2**63 - 1 if k == 7 else -(2**63) if k == 8 else rnd.randrange(-10**6, 10**6))
                      for k in range(n)]),
        "f": ("float", [None if k % 9 == 4 else
                        specials[k % len(specials)] if k % 5 == 0 else rnd.uniform(-1e3, 1e3)
                        for k in range(n)]),
        "s": ("str", [None if k % 13 == 6 else
                      (words[k % len(words)] if k % 3 else f"value {rnd.randrange(10**9)}")
                      for k in range(n)]),
        "city": ("str", [None if k % 17 == 2 else words[rnd.randrange(3)] for k in range(n)]),
        "b": ("bool", [None if k % 7 == 3 else rnd.random() < 0.5 for k in range(n)]),
        "ts": ("ts", [None if k % 19 == 9 else
                      (-86_400_000_000 * 400 + k * 123_456_789 if k % 4 == 0 else
                       1_700_000_000_000_000 + k * 1_000_000) for k in range(n)]),
    }
    return cols


def write_csv(path, cols):
    names = list(cols)
    n = len(next(iter(cols.values()))[1])
    with open(path, "w", newline="", encoding="utf-8") as f:
        f.write(",".join(names) + "\n")
        for r in range(n):
            f.write(",".join(cell(cols[c][0], cols[c][1][r]) for c in names) + "\n")


# ---- comparing DuckDB's rows with the corpus ----

def select_list(cols):
    # Timestamps as microseconds, doubles as DuckDB's shortest round-trip text (JSON would
    # turn -0.0 into 0 and NaN into a string anyway).
    def expr(c, kind):
        if kind == "ts":
            return f"epoch_us({c}) AS {c}"
        if kind == "float":
            return f"{c}::VARCHAR AS {c}"
        return c
    return ", ".join(expr(c, kind) for c, (kind, _) in cols.items())


def same_float(expected, got):
    if expected is None or got is None:
        return expected is None and got is None
    value = float(got)  # "nan", "inf", "-inf", "-0.0", "1e+300", ...
    if math.isnan(expected):
        return math.isnan(value)
    return value == expected and math.copysign(1, value) == math.copysign(1, expected)


def check_values(path, cols):
    out = duck(f"SELECT {select_list(cols)} FROM read_parquet({lit(path)}) ORDER BY id")
    n = len(cols["id"][1])
    assert len(out["rows"]) == n, f"{len(out['rows'])} rows, expected {n}"
    names = list(cols)
    for r, row in enumerate(out["rows"]):
        for c, got in zip(names, row):
            kind, values = cols[c]
            want = values[r]
            if kind == "float":
                ok = same_float(want, got)
            elif kind in ("int", "ts"):
                ok = (got is None) if want is None else (got is not None and int(got) == want)
            else:
                ok = got == want
            assert ok, f"row {r} column {c}: DuckDB read {got!r}, the CSV held {want!r}"
    return out


def metadata(path):
    out = duck(f"SELECT * FROM parquet_metadata({lit(path)})")
    return [dict(zip(out["columns"], row)) for row in out["rows"]]


# ---- checks ----

def every_codec_page_version_and_dictionary(tmp):
    cols = mixed_columns(3000)
    csv = os.path.join(tmp, "mixed.csv")
    write_csv(csv, cols)
    for codec in CODECS:
        for version in ("1", "2"):
            for dictionary in (True, False):
                dst = os.path.join(tmp, f"mixed-{codec}-v{version}-{int(dictionary)}.parquet")
                args = ["--compression", codec, "--page-version", version]
                if not dictionary:
                    args.append("--no-dictionary")
                convert(csv, dst, *args)
                try:
                    check_values(dst, cols)
                    meta = metadata(dst)
                except AssertionError as e:
                    raise AssertionError(f"{codec} v{version} dictionary={dictionary}: {e}")
                assert {m["compression"] for m in meta} == {codec.upper()}, meta[0]["compression"]
                encodings = {m["path_in_schema"]: m["encodings"] for m in meta}
                if dictionary:
                    assert "RLE_DICTIONARY" in encodings["city"], encodings
                else:
                    assert all("DICTIONARY" not in e for e in encodings.values()), encodings


def many_pages_per_chunk(tmp):
    """Tiny pages: dictionary indices, levels and PLAIN values continue across page borders."""
    cols = mixed_columns(2000, seed=3)
    csv = os.path.join(tmp, "pages.csv")
    write_csv(csv, cols)
    for version in ("1", "2"):
        for dictionary in (True, False):
            dst = os.path.join(tmp, f"pages-v{version}-{int(dictionary)}.parquet")
            args = ["--page-size", "100", "--page-version", version, "--compression", "snappy"]
            if not dictionary:
                args.append("--no-dictionary")
            convert(csv, dst, *args)
            try:
                check_values(dst, cols)
            except AssertionError as e:
                raise AssertionError(f"v{version} dictionary={dictionary}: {e}")
            pages = duck(f"SELECT count(*) FROM parquet_metadata({lit(dst)}) "
                         f"WHERE total_uncompressed_size > 2000")["rows"][0][0]
            assert int(pages) > 0, "chunks should span many 100-byte pages"


def schema_types(tmp):
    cols = mixed_columns(50)
    csv = os.path.join(tmp, "schema.csv")
    write_csv(csv, cols)
    dst = os.path.join(tmp, "schema.parquet")
    convert(csv, dst)
    out = duck(f"SELECT name, type, repetition_type, converted_type, logical_type, duckdb_type "
               f"FROM parquet_schema({lit(dst)})")
    rows = {r[0]: r[1:] for r in out["rows"]}
    assert rows["id"][:2] == ["INT64", "OPTIONAL"], rows["id"]
    assert rows["f"][0] == "DOUBLE", rows["f"]
    assert rows["b"][0] == "BOOLEAN", rows["b"]
    assert rows["s"][0] == "BYTE_ARRAY" and rows["s"][2] == "UTF8", rows["s"]
    assert rows["ts"][0] == "INT64" and rows["ts"][2] == "TIMESTAMP_MICROS", rows["ts"]
    assert "isAdjustedToUTC=1" in rows["ts"][3] and "MICROS" in rows["ts"][3], rows["ts"]
    assert rows["ts"][4] == "TIMESTAMP WITH TIME ZONE", rows["ts"]
    out = duck(f"SELECT created_by, num_rows, num_row_groups FROM parquet_file_metadata({lit(dst)})")
    created_by, num_rows, groups = out["rows"][0]
    assert created_by.startswith("strata version "), created_by
    assert int(num_rows) == 50 and int(groups) == 1, out


def row_groups_and_statistics(tmp):
    cols = mixed_columns(1000, seed=2)
    csv = os.path.join(tmp, "groups.csv")
    write_csv(csv, cols)
    dst = os.path.join(tmp, "groups.parquet")
    convert(csv, dst, "--row-group-size", "7", "--page-checksums")
    check_values(dst, cols)
    meta = metadata(dst)
    assert len({m["row_group_id"] for m in meta}) == 143, "ceil(1000 / 7) row groups"
    for m in meta:
        g = int(m["row_group_id"])
        kind, values = cols[m["path_in_schema"]]
        part = values[g * 7:(g + 1) * 7]
        assert int(m["row_group_num_rows"]) == len(part)
        present = [v for v in part if v is not None]
        assert int(m["stats_null_count"]) == len(part) - len(present), m
        if kind == "float":
            present = [v for v in present if not math.isnan(v)]
        lo, hi = m["stats_min_value"], m["stats_max_value"]
        if not present:
            assert lo is None and hi is None, m
            continue
        where = f"row group {g} column {m['path_in_schema']}"
        if kind == "int":
            assert (int(lo), int(hi)) == (min(present), max(present)), where
        elif kind == "float":
            # parquet_metadata() shows an infinite bound as NULL (DuckDB's own files have no
            # statistics then); every finite bound must match.
            for got, want in ((lo, min(present)), (hi, max(present))):
                if math.isinf(want):
                    assert got is None, (where, got, want)
                else:
                    assert got is not None and float(got) == want, (where, got, want)
        elif kind == "str":
            want = (min(present, key=lambda s: s.encode()), max(present, key=lambda s: s.encode()))
            assert (lo, hi) == want, (where, lo, hi, want)
        elif kind == "bool":
            assert (lo, hi) == (str(min(present)).lower(), str(max(present)).lower()), (where, lo, hi)
    # DuckDB prunes row groups with the statistics: a filter on them must still be exact.
    filters = [
        ("i > 500000", lambda r: cols["i"][1][r] is not None and cols["i"][1][r] > 500000),
        ("f BETWEEN -10 AND 10",
         lambda r: cols["f"][1][r] is not None and -10 <= cols["f"][1][r] <= 10),
        ("s = 'é'", lambda r: cols["s"][1][r] == "é"),
        ("s > 'value 5'", lambda r: cols["s"][1][r] is not None and
         cols["s"][1][r].encode() > b"value 5"),
        ("epoch_us(ts) < 0", lambda r: cols["ts"][1][r] is not None and cols["ts"][1][r] < 0),
        ("b", lambda r: cols["b"][1][r] is True),
    ]
    for where, keep in filters:
        want = sum(1 for r in range(1000) if keep(r))
        got = duck(f"SELECT count(*) FROM read_parquet({lit(dst)}) WHERE {where}")["rows"][0][0]
        assert int(got) == want, (where, got, want)


def empty_tables(tmp):
    header_only = os.path.join(tmp, "header.csv")
    with open(header_only, "w") as f:
        f.write("a,b,c\n")
    dst = os.path.join(tmp, "header.parquet")
    convert(header_only, dst)
    out = duck(f"SELECT count(*) FROM read_parquet({lit(dst)})")
    assert out["rows"] == [["0"]], out
    out = duck(f"SELECT * FROM read_parquet({lit(dst)})")
    assert out["columns"] == ["a", "b", "c"] and out["rows"] == [], out
    # A table without columns: a valid file (magic, footer, no row groups) that DuckDB refuses
    # by design ("Need at least one non-root column"); any other complaint is a bug of ours.
    empty = os.path.join(tmp, "empty.csv")
    open(empty, "w").close()
    dst = os.path.join(tmp, "empty.parquet")
    convert(empty, dst)
    with open(dst, "rb") as f:
        data = f.read()
    footer = int.from_bytes(data[-8:-4], "little")
    assert data[:4] == b"PAR1" and data[-4:] == b"PAR1" and footer + 12 == len(data), data
    r = subprocess.run(["node", QUERY_JS, f"SELECT * FROM parquet_metadata({lit(dst)})"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "at least one non-root column" in r.stderr, r.stderr


def dictionary_fallback_and_long_strings(tmp):
    n = 60000
    cols = {"id": ("int", list(range(n))),
            "u": ("str", [f"unique string number {k:08d}" for k in range(n)]),
            "long": ("str", ["x" * 5000 if k == 3 else "short" for k in range(n)])}
    csv = os.path.join(tmp, "fallback.csv")
    write_csv(csv, cols)
    dst = os.path.join(tmp, "fallback.parquet")
    convert(csv, dst)
    check_values(dst, cols)
    meta = {m["path_in_schema"]: m for m in metadata(dst)}
    assert "DICTIONARY" not in meta["u"]["encodings"], meta["u"]["encodings"]  # > 1 MiB
    assert meta["u"]["stats_min_value"] == "unique string number 00000000"
    assert meta["long"]["stats_min_value"] is None  # a 5000-byte bound is left out
    assert "RLE_DICTIONARY" in meta["long"]["encodings"]


def errors(tmp):
    csv = os.path.join(tmp, "tiny.csv")
    with open(csv, "w") as f:
        f.write("a\n1\n")
    r = convert(csv, os.path.join(tmp, "x.parquet"), "--compression", "lzma", expect=2)
    assert "unknown compression 'lzma'" in r.stderr and "zstd" in r.stderr, r.stderr
    r = convert(csv, os.path.join(tmp, "x.parquet"), "--page-version", "3", expect=2)
    assert "--page-version" in r.stderr, r.stderr
    r = convert(csv, os.path.join(tmp, "x.xlsx"), expect=1)
    assert "cannot tell the format from the extension 'xlsx'" in r.stderr, r.stderr
    r = convert(csv, os.path.join(tmp, "no", "such", "x.parquet"), expect=1)
    assert "No such file or directory" in r.stderr, r.stderr
    r = convert(os.path.join(tmp, "missing.csv"), os.path.join(tmp, "x.parquet"), expect=1)
    assert not os.path.exists(os.path.join(tmp, "x.parquet"))
    r = convert(csv, os.path.join(tmp, "ok.parquet"))
    assert "read " in r.stdout and "wrote " in r.stdout, r.stdout


def main():
    checks = Checks()
    tmp = tempfile.mkdtemp(prefix="strata-parquet-write-")
    if not os.path.isdir(os.path.join(HERE, "duckdb_peer", "node_modules")):
        raise SystemExit("tests/duckdb_peer/node_modules is missing: run `npm ci` there "
                         "(scripts/install-deps.sh does it)")
    checks.run("every codec, page version, dictionary on/off", every_codec_page_version_and_dictionary, tmp)
    checks.run("many pages per column chunk", many_pages_per_chunk, tmp)
    checks.run("schema and file metadata", schema_types, tmp)
    checks.run("row groups and statistics", row_groups_and_statistics, tmp)
    checks.run("empty tables", empty_tables, tmp)
    checks.run("dictionary fallback, long strings", dictionary_fallback_and_long_strings, tmp)
    checks.run("errors", errors, tmp)
    checks.finish()


if __name__ == "__main__":
    main()
