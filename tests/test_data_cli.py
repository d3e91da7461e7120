"""`strata data show` on real files: schema, rows, and errors that name the line and column."""
import os
import subprocess
import tempfile

from harness import STRATA_BIN, Checks


def run(*args):
    return subprocess.run([STRATA_BIN, "data", "show", *args], capture_output=True, text=True,
                          timeout=60)


def write(tmp, name, text):
    path = os.path.join(tmp, name)
    with open(path, "w", newline="") as f:
        f.write(text)
    return path


def shows_schema_and_rows(tmp):
    path = write(tmp, "ok.csv", 'id,name,score,when\n1,ana,2.5,2024-03-01\n'
                 '2,"bo, jr",,2024-03-02T10:00:00Z\n')
    r = run(path)
    assert r.returncode == 0, r.stderr
    assert "2 rows x 4 columns" in r.stdout, r.stdout
    for line in ("id: int64", "name: string", "score: float64", "when: timestamp"):
        assert line in r.stdout, r.stdout
    assert "bo, jr  null   2024-03-02 10:00:00" in r.stdout, r.stdout
    r = run(path, "--schema")
    assert "ana" not in r.stdout, r.stdout
    r = run(write(tmp, "semi.csv", "a;b\n1;x\n"), "--delimiter", ";")
    assert "a: int64" in r.stdout and "b: string" in r.stdout, r.stdout


def errors_name_line_and_column(tmp):
    r = run(write(tmp, "ragged.csv", "a,b\n1,2\n3\n"))
    assert r.returncode == 1 and "line 3: expected 2 fields, found 1" in r.stderr, r.stderr
    r = run(write(tmp, "utf8.csv", "name\nok\n") + "")
    assert r.returncode == 0, r.stderr
    with open(os.path.join(tmp, "bad.csv"), "wb") as f:
        f.write(b"name\nok\nbad\xff\n")
    r = run(os.path.join(tmp, "bad.csv"))
    assert r.returncode == 1 and "line 3: column 'name': invalid UTF-8" in r.stderr, r.stderr
    r = run(os.path.join(tmp, "missing.csv"))
    assert r.returncode == 1 and "No such file" in r.stderr, r.stderr
    r = run(os.path.join(tmp, "ok.csv"), "--delimiter", ";;")
    assert r.returncode == 2, r


def main():
    checks = Checks()
    tmp = tempfile.mkdtemp(prefix="strata-data-cli-")
    checks.run("data show: schema and rows", shows_schema_and_rows, tmp)
    checks.run("data show: errors", errors_name_line_and_column, tmp)
    checks.finish()


if __name__ == "__main__":
    main()
