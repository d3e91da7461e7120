"""Writes the demo feature repository's data: daily activity snapshots per customer and an
entity set of (customer_id, event_timestamp) rows to retrieve training features for.

Deterministic (seeded). CSV files; demo.sh converts the activity to Parquet with
`strata data convert` (Debian's python has no pyarrow).
  OUT_DIR/customer_activity.csv  customer_id, event_ts, created_ts, sessions_7d, spend_7d,
                                 support_calls_30d, days_since_login (a few late corrections
                                 share an event_ts and have a later created_ts)
  OUT_DIR/entities.csv           customer_id, event_timestamp, churned (a label that depends
                                 on the customer's activity as of event_timestamp)
Each customer's newest snapshot is 0-45 days old (older ones go back from there), so a
materialization up to now finds fresh rows and the 30-day ttl has something to cut.
Usage: demo_features_data.py OUT_DIR [CUSTOMERS]
"""
import calendar
import math
import os
import random
import sys
import time

out = sys.argv[1]
customers = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
rnd = random.Random(11)
day = 86400
base = (int(time.time()) // day - 250) * day


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


os.makedirs(out, exist_ok=True)
rows = ["customer_id,event_ts,created_ts,sessions_7d,spend_7d,support_calls_30d,days_since_login"]
for c in range(1, customers + 1):
    t = base + (249 - rnd.randrange(45)) * day  # the newest snapshot, then back in time
    for _ in range(rnd.randint(3, 12)):
        ts = t + rnd.randrange(day)
        sessions = rnd.randint(0, 40)
        rows.append(f"{c},{iso(ts)},{iso(ts + 60)},{sessions},{rnd.uniform(0, 120):.2f},"
                    f"{rnd.randint(0, 6)},{rnd.expovariate(0.3):.2f}")
        if rnd.random() < 0.05:  # a late correction of the same snapshot
            rows.append(f"{c},{iso(ts)},{iso(ts + 3600)},{sessions + 1},"
                        f"{rnd.uniform(0, 120):.2f},{rnd.randint(0, 6)},{rnd.expovariate(0.3):.2f}")
        t -= rnd.randint(2, 20) * day
with open(os.path.join(out, "customer_activity.csv"), "w") as f:
    f.write("\n".join(rows) + "\n")
# The label of each entity row depends on the customer's activity as of that row's time (the
# newest snapshot at or before it), which is exactly what the point-in-time join gives a model.
latest = {}  # customer -> [(event_ts, sessions, support_calls, days_since_login)]
for row in rows[1:]:
    c, ts, _, sessions, _, calls, idle = row.split(",")
    latest.setdefault(int(c), []).append(
        (calendar.timegm(time.strptime(ts, "%Y-%m-%dT%H:%M:%SZ")),
         int(sessions), int(calls), float(idle)))
ents = ["customer_id,event_timestamp,churned"]
for _ in range(customers * 2):
    c, t = rnd.randint(1, customers + 20), base + rnd.randrange(250) * day
    past = [s for s in latest.get(c, []) if s[0] <= t]
    if past:
        _, sessions, calls, idle = max(past)
        score = 0.35 * idle + 0.6 * calls - 0.12 * sessions - 0.8
    else:
        score = 0.0
    churned = int(rnd.random() < 1 / (1 + math.exp(-score)))
    ents.append(f"{c},{iso(t)},{churned}")
with open(os.path.join(out, "entities.csv"), "w") as f:
    f.write("\n".join(ents) + "\n")
