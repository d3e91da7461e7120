"""`strata data sql` on real CSV files: results against pandas, --out round trip, errors."""
import io
import json
import os
import random
import subprocess
import tempfile

import pandas as pd

from harness import STRATA_BIN, Checks


def run(*args):
    return subprocess.run([STRATA_BIN, "data", "sql", *args], capture_output=True, text=True,
                          timeout=120)


def make_files(tmp):
    rnd = random.Random(5)
    events = os.path.join(tmp, "events.csv")
    users = os.path.join(tmp, "users.csv")
    with open(events, "w") as f:
        f.write("id,user,amount,city,ts\n")
        for i in range(3000):
            amount = "" if i % 17 == 0 else f"{rnd.random() * 100:.2f}"
            city = rnd.choice(["paris", "rome", "oslo, no", 'say "hi"'])
            city = '"' + city.replace('"', '""') + '"' if ("," in city or '"' in city) else city
            f.write(f"{i},{rnd.randrange(200)},{amount},{city},"
                    f"2024-03-{1 + i % 28:02d} {i % 24:02d}:00:00\n")
    with open(users, "w") as f:
        f.write("uid,segment\n")
        for u in range(150):
            f.write(f"{u},{'gold' if u % 3 == 0 else 'basic'}\n")
    return events, users


def group_by_matches_pandas(tmp):
    events, users = make_files(tmp)
    sql = ("SELECT city, count(*) AS n, sum(amount) AS total, avg(amount) AS mean "
           "FROM events GROUP BY city ORDER BY city")
    r = run(sql, "--table", f"events={events}", "--json")
    assert r.returncode == 0, r.stderr
    got = [json.loads(line) for line in r.stdout.splitlines()]
    df = pd.read_csv(events)
    want = df.groupby("city").agg(n=("id", "size"), total=("amount", "sum"),
                                  mean=("amount", "mean")).reset_index().sort_values("city")
    assert [g["city"] for g in got] == list(want["city"]), (got, want)
    for g, (_, w) in zip(got, want.iterrows()):
        assert g["n"] == w["n"], (g, w)
        assert abs(g["total"] - w["total"]) < 1e-6, (g, w)
        assert abs(g["mean"] - w["mean"]) < 1e-9, (g, w)


def join_and_filter_match_pandas(tmp):
    events, users = make_files(tmp)
    sql = ("SELECT u.segment, count(*) AS n, round(sum(e.amount), 4) AS total FROM events e "
           "JOIN users u ON e.user = u.uid WHERE e.id >= 100 AND e.id < 2500 "
           "GROUP BY u.segment ORDER BY u.segment")
    r = run(sql, "--table", f"events={events}", "--table", f"users={users}", "--json")
    assert r.returncode == 0, r.stderr
    got = [json.loads(line) for line in r.stdout.splitlines()]
    e = pd.read_csv(events)
    u = pd.read_csv(users)
    j = e[(e.id >= 100) & (e.id < 2500)].merge(u, left_on="user", right_on="uid")
    want = j.groupby("segment").agg(n=("id", "size"), total=("amount", "sum")).reset_index()
    assert [(g["segment"], g["n"]) for g in got] == list(zip(want.segment, want.n)), (got, want)
    for g, t in zip(got, want.total):
        assert abs(g["total"] - t) < 1e-3, (g, t)
    # Window functions and date functions over the ISO timestamps.
    r = run("SELECT id, date(ts) AS day, ROW_NUMBER() OVER (PARTITION BY date(ts) ORDER BY id) "
            "AS rn FROM events WHERE id IN (0, 28, 56, 1) ORDER BY id",
            "--table", f"events={events}", "--json")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert rows == [{"id": 0, "day": "2024-03-01", "rn": 1}, {"id": 1, "day": "2024-03-02", "rn": 1},
                    {"id": 28, "day": "2024-03-01", "rn": 2},
                    {"id": 56, "day": "2024-03-01", "rn": 3}], rows


def terminal_output(tmp):
    events, _ = make_files(tmp)
    r = run("SELECT id, city, ts FROM events ORDER BY id", "--table", f"events={events}",
            "--max-rows", "3")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["id", "city", "ts"], lines
    assert lines[1].startswith("0 "), lines
    assert "2024-03-01 00:00:00" in lines[1], lines
    assert lines[4] == "... 2997 more rows", lines
    assert lines[5].startswith("(3000 rows, ") and lines[5].endswith(" s)"), lines
    r = run("SELECT printf('%.40c', 'x') AS long", "--max-rows", "5")
    assert r.returncode == 0, r.stderr
    assert "x" * 23 + "..." in r.stdout, r.stdout
    r = run("SELECT 1 AS one", "--timing")
    assert r.returncode == 0 and "(1 row, " in r.stdout, r.stdout
    assert "query " in r.stderr and "load " in r.stderr, r.stderr


def out_csv_round_trip(tmp):
    events, _ = make_files(tmp)
    out = os.path.join(tmp, "result.csv")
    r = run("SELECT id, city, amount, ts, '' AS empty, NULL AS absent FROM events "
            "WHERE id < 50 ORDER BY id", "--table", f"events={events}", "--out", out)
    assert r.returncode == 0, r.stderr
    assert "wrote 50 rows" in r.stdout, r.stdout
    got = pd.read_csv(out, keep_default_na=False, na_values=[""])
    want = pd.read_csv(events).head(50)
    assert list(got.columns) == ["id", "city", "amount", "ts", "empty", "absent"], got.columns
    assert list(got.id) == list(want.id)
    assert list(got.city) == list(want.city), (got.city, want.city)
    assert got.amount.isna().tolist() == want.amount.isna().tolist()
    assert list(got.ts) == list(want.ts)
    # The result reads back through Strata too, with the same types and nulls.
    r = run("SELECT * FROM r WHERE amount IS NULL", "--table", f"r={out}", "--json")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [x["id"] for x in rows] == [0, 17, 34], rows
    assert rows[0]["empty"] == "" and rows[0]["absent"] is None, rows
    out_jsonl = os.path.join(tmp, "result.jsonl")
    r = run("SELECT id FROM events WHERE id < 3", "--table", f"events={events}", "--out",
            out_jsonl)
    assert r.returncode == 0, r.stderr
    with open(out_jsonl) as f:
        assert [json.loads(line) for line in f] == [{"id": 0}, {"id": 1}, {"id": 2}]


def errors(tmp):
    events, _ = make_files(tmp)
    r = run("SELEC * FROM events", "--table", f"events={events}")
    assert r.returncode == 1 and "syntax error" in r.stderr, r.stderr
    r = run("SELECT nope FROM events", "--table", f"events={events}")
    assert r.returncode == 1 and "no such column: nope" in r.stderr, r.stderr
    r = run("SELECT 1", "--table", events)
    assert r.returncode == 2 and "is not NAME=PATH" in r.stderr, r.stderr
    r = run("SELECT 1", "--table", f"a;drop={events}")
    assert r.returncode == 2 and "not a plain SQL identifier" in r.stderr, r.stderr
    r = run("SELECT 1", "--table", f"t={os.path.join(tmp, 'missing.csv')}")
    assert r.returncode == 1 and "missing.csv" in r.stderr, r.stderr
    attach = os.path.join(tmp, "attached.db")
    r = run(f"ATTACH '{attach}' AS x")
    assert r.returncode == 1 and "ATTACH" in r.stderr, r.stderr
    assert not os.path.exists(attach)
    r = run("SELECT load_extension('x')")
    assert r.returncode == 1 and "load_extension" in r.stderr, r.stderr
    r = run("DELETE FROM events", "--table", f"events={events}")
    assert r.returncode == 1 and ("read-only" in r.stderr or "may not be modified" in r.stderr), \
        r.stderr
    r = run("CREATE TABLE t(x)")
    assert r.returncode == 1 and "read-only" in r.stderr, r.stderr
    r = run("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT max(x) FROM c",
            "--timeout-ms", "300")
    assert r.returncode == 1 and "timeout of 300 ms" in r.stderr, r.stderr


def main():
    checks = Checks()
    tmp = tempfile.mkdtemp(prefix="strata-data-sql-")
    checks.run("data sql: group by matches pandas", group_by_matches_pandas, tmp)
    checks.run("data sql: join and filter match pandas", join_and_filter_match_pandas, tmp)
    checks.run("data sql: terminal output", terminal_output, tmp)
    checks.run("data sql: --out round trip", out_csv_round_trip, tmp)
    checks.run("data sql: errors", errors, tmp)
    checks.finish()


if __name__ == "__main__":
    main()
