#!/usr/bin/env bash
# Reports at the scale of a region: scripts/gen-national writes a year of
# closed meetings for MDT_REPORT_PCNS PCNs (default 60) with 8 cases and 5
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
"$TOP/scripts/gen-national" --scale "$PCNS" "$DB" >"$T/gen.json" 2>"$T/gen.err"
check_eq "the generator is quiet without a terminal" "$(cat "$T/gen.err")" ""
$PY -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["totals"], sort_keys=True))' \
    "$T/gen.json" >"$T/expected.json"
check_eq "it wrote the PCNs asked for" "$(json_get "$(cat "$T/gen.json")" rows.pcns)" "$PCNS"
# On a terminal: a progress line; a new database is made with mdtd init.
script -qec "$(printf '%q ' "$TOP/scripts/gen-national" --mdtd "$MDTD" --scale 31 "$T/tty.db")" /dev/null >"$T/tty.out" 2>&1
check_match "on a terminal the generator shows its progress" "$(tr '\r' '\n' <"$T/tty.out")" \
    "gen-national: region [12] of 2, PCN [0-9]+ of 31: [0-9]+ actions"
check_match "... and what it wrote" "$(tr '\r' '\n' <"$T/tty.out")" "gen-national: 31 PCNs in 2 regions: 372 meetings, [0-9]+ cases"
check_eq "... into a database of mdtd's own schema" "$(sqlite3 "$T/tty.db" "PRAGMA user_version")" "$(sqlite3 "$DB" "PRAGMA user_version")"
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
check_eq "the same database again is refused" "$("$TOP/scripts/gen-national" --scale 1 "$DB" 2>&1 >/dev/null)" \
    "gen-national: $DB: already has orgs; use a new database"
check_eq "a row per PCN and month held" "$($PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["rows"]))' "$T/report.json")" \
    "$(json_get "$(cat "$T/expected.json")" meetings_held)"
stop_mdtd
