"""Writes the demo's example data: a customer table with the flaws real exports have.

Deterministic (seeded). Columns: customer_id, signup (timestamp), age (a few blanks and a few
unparseable values), income (float with nulls and outliers), city, plan, monthly_spend,
support_calls, churned (bool). A handful of duplicated rows and untrimmed/mixed-case city
names give the cleaning step something to do.

Usage: demo_data.py OUT.csv [ROWS]
"""
import random
import sys
import time

out = sys.argv[1]
rows = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
rnd = random.Random(7)
cities = ["Lisbon", "Porto", "Madrid", "Paris", "Berlin", "Rome"]
plans = ["free", "basic", "pro", "enterprise"]
base = 1672531200  # 2023-01-01
lines = ["customer_id,signup,age,income,city,plan,monthly_spend,support_calls,churned"]
for i in range(rows):
    age = str(rnd.randint(18, 80))
    r = rnd.random()
    if r < 0.03:
        age = ""
    elif r < 0.035:
        age = rnd.choice(["unknown", "n/a?", "forty"])
    income = "" if rnd.random() < 0.05 else f"{rnd.lognormvariate(10.5, 0.5):.2f}"
    if rnd.random() < 0.002:
        income = f"{rnd.uniform(5e6, 9e6):.2f}"  # outliers
    city = rnd.choice(cities)
    if rnd.random() < 0.05:
        city = f"  {city.upper()} "
    plan = rnd.choices(plans, weights=[50, 30, 15, 5])[0]
    spend = {"free": 0, "basic": 9, "pro": 29, "enterprise": 99}[plan] + rnd.random() * 5
    calls = min(int(rnd.expovariate(0.7)), 20)
    churn_p = 0.05 + 0.04 * calls + (0.1 if plan == "free" else 0)
    churned = "true" if rnd.random() < churn_p else "false"
    signup = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(base + rnd.randrange(3 * 365 * 86400)))
    lines.append(f"{i + 1},{signup},{age},{income},{city},{plan},{spend:.2f},{calls},{churned}")
    if rnd.random() < 0.003:
        lines.append(lines[-1])  # an exact duplicate row, as exports produce
with open(out, "w") as f:
    f.write("\n".join(lines) + "\n")
print(f"wrote {len(lines) - 1} rows to {out}")
