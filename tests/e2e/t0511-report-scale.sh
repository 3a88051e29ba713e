#!/usr/bin/env bash
# Reports at the scale of a region: a generator writes a year of closed
# meetings for MDT_REPORT_PCNS PCNs (default 60) with 8 cases and 5
# actions each straight into the database, with histories that go on
# past the end of the year, unsent and withdrawn actions. It computes
# the year's totals itself, from what it wrote; the report must give
# the same. The time the report took is printed, not judged.
. "$(dirname "$0")/lib.sh"
trap 'finish' EXIT
PY=/usr/bin/python3
PCNS=${MDT_REPORT_PCNS:-60}

start_mdtd
DB=$T/var/mdtd.db
TZ=Europe/London $PY - "$DB" "$PCNS" >"$T/expected.json" <<'EOF'
import collections, datetime, json, random, sqlite3, statistics, sys, zoneinfo
db, npcn = sys.argv[1], int(sys.argv[2])
london = zoneinfo.ZoneInfo("Europe/London")
def local(t): return datetime.datetime.fromtimestamp(t, london)
def ts(y, m, d, h=0): return int(datetime.datetime(y, m, d, h, tzinfo=london).timestamp())
asat = ts(2026, 1, 1)
rnd = random.Random(7)
c = sqlite3.connect(db, timeout=30)
c.execute("BEGIN")
for o in range(1, 41):
    c.execute("INSERT INTO orgs(id,name,kind,email,created_at,updated_at) VALUES (?,?,?,?,0,0)",
              (o, "Org %02d" % o, "vcse", "o%d@example.org" % o))
for p in range(1, 81):
    c.execute("INSERT INTO people(id,name,email,org_id,created_at,updated_at) VALUES (?,?,?,?,0,0)",
              (p, "P", "p%d@example.org" % p, (p - 1) % 40 + 1))
exp = collections.Counter()
days, seen = [], {}
mid = cid = aid = 0
meetings = []
for pc in range(1, npcn + 1):
    c.execute("INSERT INTO pcns(id,name,created_at,updated_at) VALUES (?,?,0,0)", (pc, "PCN %03d" % pc))
    c.execute("INSERT INTO lists(id,name,pcn_id,created_at,updated_at) VALUES (?,?,?,0,0)", (pc, "L%d" % pc, pc))
    c.execute("INSERT INTO series(id,uid,pcn_id,title,rrule,dtstart,duration_min,list_id,url,created_at,updated_at)"
              " VALUES (?,?,?,'MDT','FREQ=MONTHLY','2025-01-14T10:00',60,?,'https://meet.example.org',0,0)",
              (pc, "u%d" % pc, pc, pc))
    for m in range(12):
        mid += 1
        start = ts(2025, m + 1, 14, 10) + pc * 60
        status = "closed" if rnd.random() < 0.95 else "cancelled"
        meetings.append((start, mid, pc, status))
        c.execute("INSERT INTO meetings(id,series_id,recurrence_id,start_at,end_at,status,created_at,updated_at)"
                  " VALUES (?,?,?,?,?,?,0,0)", (mid, pc, start, start, start + 3600, status))
# cases and actions, meeting by meeting in time order so "returning" is known
for start, mid, pc, status in sorted(meetings):
    held = status == "closed"
    if held:
        exp["meetings_held"] += 1
    for p in rnd.sample(range(1, 81), 10):
        st = rnd.choice(["attended", "attended", "deputy", "apologies", "absent"])
        c.execute("INSERT INTO attendance VALUES (?,?,?,?)", (mid, p, st, p % 80 + 1 if st == "deputy" else None))
        if held and st in ("attended", "deputy"):
            exp["attended"] += 1
    bucket = set()
    for k in range(8 if held else 0):
        cid += 1
        ps = "MDT-%04d-%04d" % (pc, rnd.randrange(30))
        c.execute("INSERT INTO cases(id,pseudonym,age_band,presentation,question,risk,pcn_id,meeting_id,org_id,token_id,"
                  "status,created_at,updated_at,slot) VALUES (?,?,'30-39','p','q','r',?,?,1,1,'discussed',0,0,?)",
                  (cid, ps, pc, mid, k + 1))
        exp["cases_presented"] += 1
        if ps not in bucket:
            bucket.add(ps)
            exp["people_returning" if seen.get(ps, start) < start else "people_new"] += 1
        seen.setdefault(ps, start)
        c.execute("INSERT INTO outcomes(id,case_id,meeting_id,recorded_by,recorded_at,updated_at) VALUES (?,?,?,1,?,?)",
                  (cid, cid, mid, start, start))
        for a in range(5):
            aid += 1
            due = (local(start) + datetime.timedelta(days=rnd.choice([14, 28, 42]))).date().isoformat()
            sent = None if rnd.random() < 0.05 else start + 86400 * rnd.randrange(1, 20)
            removed = start + 86400 * 10 if sent and rnd.random() < 0.03 else None
            hist = [("proposed", start)]
            t = (sent or start) + 3600
            for s in rnd.choice([[], ["accepted"], ["accepted", "in_progress"], ["declined"],
                                 ["accepted", "done"], ["accepted", "in_progress", "done"], ["done"]]):
                if not sent:
                    break
                t += 86400 * rnd.randrange(1, 40)
                hist.append((s, t))
            final, last = hist[-1]
            done_at = last if final == "done" else None
            c.execute("INSERT INTO actions(id,case_id,meeting_id,outcome_id,org_id,what,due_on,status,sent_at,"
                      "created_at,updated_at,completed_at,removed_at) VALUES (?,?,?,?,?,'w',?,?,?,?,?,?,?)",
                      (aid, cid, mid, cid, (aid % 40) + 1, due, final, sent, start, last, done_at, removed))
            for v, (s, at) in enumerate(hist):
                c.execute("INSERT INTO action_updates(action_id,status,via,version,at) VALUES (?,?,?,?,?)",
                          (aid, s, "record" if v == 0 else "token", v + 1, at))
            # the expectation: as it stood at the end of the year
            if not sent or sent >= asat or (removed and removed < asat):
                continue
            s, at = [h for h in hist if h[1] < asat][-1]
            exp["agreed"] += 1
            if s == "done":
                exp["accepted"] += 1; exp["completed"] += 1
                exp["completed_on_time"] += local(at).date().isoformat() <= due
                days.append((at - sent) / 86400)
            elif s == "declined":
                exp["declined"] += 1
            else:
                exp["accepted"] += s != "proposed"
                exp["open"] += 1
                exp["overdue"] += due < "2025-12-31"
c.execute("COMMIT")
out = dict(exp)
out["median_days_to_completion"] = round(statistics.median(days), 1)
print(json.dumps(out, sort_keys=True))
EOF
check_match "the generator wrote a year" "$(cat "$T/expected.json")" '"agreed": [0-9]+'
CHAIR=$(new_token chair)
START=$($PY -c 'import time; print(time.time())')
MDT_TOKEN=$CHAIR check_status "the year's report" 200 GET "/v1/reports?from=2025-01-01&to=2025-12-31"
ELAPSED=$($PY -c 'import sys,time; print("%.0f" % ((time.time() - float(sys.argv[1])) * 1000))' "$START")
echo "# $PCNS PCNs, a year: report in $ELAPSED ms over HTTP; $(grep -o 'reports: 2025.*' "$T/mdtd.log" | tail -1)"
cp "$T/body" "$T/report.json"
check_eq "the totals are what the generator wrote" "$($PY -c 'import json,sys
t = json.load(open(sys.argv[1]))["totals"]; a = t["actions"]
got = {k: t[k] for k in ("meetings_held", "cases_presented", "people_new", "people_returning")}
got.update({k: a[k] for k in ("agreed", "accepted", "declined", "completed", "completed_on_time", "open", "overdue",
                              "median_days_to_completion")})
got["attended"] = sum(x["attended"] for x in t["attendance"])
print(json.dumps(got, sort_keys=True))' "$T/report.json")" "$(cat "$T/expected.json")"
check_eq "a row per PCN and month held" "$($PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["rows"]))' "$T/report.json")" \
    "$(json_get "$(cat "$T/expected.json")" meetings_held)"
stop_mdtd
