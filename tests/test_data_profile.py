"""`strata data profile` on a real CSV: the JSON numbers against pandas computed here, the HTML
report rendered by headless Chromium (no network), and the CLI's errors."""
import json
import os
import random
import shutil
import subprocess
import tempfile

import numpy as np
import pandas as pd

from harness import STRATA_BIN, Checks

EVIL = "<script>alert(1)</script>"
ROWS = 30000


def write_csv(path):
    rnd = random.Random(5)
    cities = ["oslo", "lima", "pune", "kyiv", "quito"]
    with open(path, "w") as f:
        f.write(f'id,amount,score,city,name,when,flag,"{EVIL}"\n')
        for i in range(ROWS):
            amount = "" if rnd.random() < 0.07 else f"{rnd.lognormvariate(3, 1):.4f}"
            score = f"{rnd.gauss(10, 3):.5f}"
            city = rnd.choice(cities) if i % 3 else "oslo"
            name = f"u{rnd.randrange(2000)}" if i % 10 else str(rnd.randrange(100))
            when = f"2024-0{1 + i % 9}-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:00"
            flag = "" if i % 13 == 0 else ("true" if rnd.random() < 0.3 else "false")
            evil = i % 17
            f.write(f"{i},{amount},{score},{city},{name},{when},{flag},{evil}\n")


def run(*args, timeout=120):
    return subprocess.run([STRATA_BIN, "data", "profile", *args], capture_output=True, text=True,
                          timeout=timeout)


def rank_error(values, v, q):
    values = np.sort(values)
    lo = np.searchsorted(values, v, side="left") / len(values)
    hi = np.searchsorted(values, v, side="right") / len(values)
    return max(lo - q, q - hi, 0.0)


def json_matches_pandas(tmp):
    csv = os.path.join(tmp, "data.csv")
    write_csv(csv)
    out = os.path.join(tmp, "profile.json")
    r = run(csv, "--json", out, "--threads", "2", "--timing")
    assert r.returncode == 0, r.stderr
    assert f"{ROWS} rows x 8 columns" in r.stdout, r.stdout
    assert "read " in r.stdout and "profile " in r.stdout, r.stdout
    lines = r.stdout.splitlines()
    for name in ("id", "amount", "city", "when", "flag"):
        assert any(line.startswith(name + " ") for line in lines), (name, r.stdout)
    with open(out) as f:
        profile = json.load(f)
    df = pd.read_csv(csv, keep_default_na=False, na_values=[""])
    assert profile["rows"] == len(df) == ROWS
    cols = {c["name"]: c for c in profile["columns"]}
    assert list(cols) == list(df.columns), list(cols)
    assert cols["id"]["type"] == "int64" and cols["amount"]["type"] == "float64"
    assert cols["city"]["type"] == "string" and cols["when"]["type"] == "timestamp"
    assert cols["flag"]["type"] == "bool"
    for name in ("id", "amount", "score", EVIL):
        c, s = cols[name], df[name]
        assert c["count"] == s.count(), (name, c["count"], s.count())
        assert c["null_count"] == s.isna().sum(), name
        assert c["min"] == s.min() and c["max"] == s.max(), name
        assert abs(c["mean"] - s.mean()) <= 1e-9 * abs(s.mean()), (name, c["mean"], s.mean())
        assert abs(c["stddev"] - s.std()) <= 1e-9 * s.std(), (name, c["stddev"], s.std())
        values = s.dropna().to_numpy()
        for key, q in (("p01", .01), ("p05", .05), ("p25", .25), ("p50", .5), ("p75", .75),
                       ("p95", .95), ("p99", .99)):
            err = rank_error(values, c["quantiles"][key], q)
            assert err <= 0.015, (name, key, c["quantiles"][key], s.quantile(q), err)
        nunique = s.nunique()
        assert abs(c["distinct"] - nunique) <= 0.03 * nunique + 1, (name, c["distinct"], nunique)
        h = c["histogram"]
        assert h["lo"] == s.min() and h["hi"] == s.max() and len(h["counts"]) == 20
        assert sum(h["counts"]) == s.count(), name
        exact, _ = np.histogram(values, bins=20, range=(h["lo"], h["hi"]))
        assert max(abs(np.array(h["counts"]) - exact)) <= 0.02 * len(values), (name, h["counts"], exact)
    # Strings: exact top values (few distinct), lengths, shares.
    city = cols["city"]
    counts = df["city"].value_counts()
    assert city["distinct"] == df["city"].nunique() == 5
    assert [(t["value"], t["count"]) for t in city["top_values"]] == list(counts.items()), city["top_values"]
    lengths = df["name"].str.len()
    name = cols["name"]
    assert name["min_length"] == lengths.min() and name["max_length"] == lengths.max()
    assert abs(name["mean_length"] - lengths.mean()) < 1e-9
    numeric_share = df["name"].str.fullmatch(r"\d+").mean()
    assert abs(name["looks"]["numeric"] - numeric_share) < 1e-9, (name["looks"], numeric_share)
    assert abs(name["distinct"] - df["name"].nunique()) <= 0.03 * df["name"].nunique()
    # Timestamps: ISO strings plus microseconds.
    when = cols["when"]
    ts = pd.to_datetime(df["when"])
    assert when["min"] == ts.min().strftime("%Y-%m-%dT%H:%M:%SZ"), when["min"]
    assert when["max_micros"] == ts.max().value // 1000
    # Bools: the share of true among the present values, exact counts.
    flag = cols["flag"]
    present = df["flag"].dropna()
    assert flag["null_count"] == df["flag"].isna().sum()
    assert abs(flag["mean"] - present.mean()) < 1e-12
    assert {t["value"]: t["count"] for t in flag["top_values"]} == {
        "true": int(present.sum()), "false": int((~present.astype(bool)).sum())}
    # Correlations: pandas' pairwise-complete Pearson.
    corr = profile["correlations"]
    numeric = ["id", "amount", "score", EVIL]
    assert corr["columns"] == numeric, corr["columns"]
    expected = df[numeric].corr()
    for i, a in enumerate(numeric):
        for j, b in enumerate(numeric):
            assert abs(corr["matrix"][i][j] - expected.loc[a, b]) < 1e-9, (a, b)
    # --json - writes only the JSON to stdout.
    r = run(csv, "--json", "-")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["rows"] == ROWS


def html_renders_in_chromium(tmp):
    csv = os.path.join(tmp, "data.csv")
    if not os.path.exists(csv):
        write_csv(csv)
    html = os.path.join(tmp, "report.html")
    r = run(csv, "--html", html)
    assert r.returncode == 0, r.stderr
    with open(html, encoding="utf-8") as f:
        text = f.read()
    assert "http://" not in text and "https://" not in text, "the report must not reference the network"
    assert "<script" not in text.lower(), "no script elements, and the column name must be escaped"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    args = [chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
            "--host-resolver-rules=MAP * ~NOTFOUND", "--user-data-dir=" + os.path.join(tmp, "chrome")]
    dom = subprocess.run(args + ["--dump-dom", "file://" + html], capture_output=True, text=True,
                         timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    rendered = dom.stdout
    assert rendered.count("<svg") >= 10, rendered.count("<svg")
    for cls in ("histogram", "topvalues", "heatmap", "nullbar"):
        assert f'class="{cls}"' in rendered, cls
    for name in ("id", "amount", "city", "when", "flag"):
        assert f">{name}<" in rendered, name
    # The hostile name is text in the rendered DOM, not an element.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered
    assert "<script>alert(1)" not in rendered
    shot = os.path.join(tmp, "report.png")
    s = subprocess.run(args + ["--screenshot=" + shot, "--window-size=1300,2000", "file://" + html],
                       capture_output=True, text=True, timeout=120)
    assert s.returncode == 0 and os.path.getsize(shot) > 10000, s.stderr[-2000:]


def errors(tmp):
    r = run(os.path.join(tmp, "missing.csv"))
    assert r.returncode == 1 and "No such file" in r.stderr, r.stderr
    csv = os.path.join(tmp, "tiny.csv")
    with open(csv, "w") as f:
        f.write("a\n1\n")
    r = run(csv, "--threads", "-1")
    assert r.returncode == 2, r
    r = run(csv, "--json", os.path.join(tmp, "no-such-dir", "x.json"))
    assert r.returncode == 1 and "cannot write" in r.stderr, r.stderr
    # A single row and an all-empty column profile cleanly.
    with open(csv, "w") as f:
        f.write("a,b\n1,\n")
    r = run(csv, "--json", "-")
    assert r.returncode == 0, r.stderr
    p = json.loads(r.stdout)
    assert p["columns"][0]["mean"] == 1 and p["columns"][1]["null_count"] == 1


def main():
    checks = Checks()
    tmp = tempfile.mkdtemp(prefix="strata-profile-")
    checks.run("data profile: JSON against pandas", json_matches_pandas, tmp)
    checks.run("data profile: HTML in headless Chromium", html_renders_in_chromium, tmp)
    checks.run("data profile: errors and edge cases", errors, tmp)
    checks.finish()


if __name__ == "__main__":
    main()
