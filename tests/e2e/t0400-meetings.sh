#!/usr/bin/env bash
# Monthly meetings: a series expands into 12 months of meetings in its own
# time zone (10:00 London is 10:00Z in winter, 09:00Z in summer), bank
# holidays are kept, skipped or moved, one meeting can be moved or
# cancelled, a series updated or cancelled; every change raises the
# series' sequence. Cases take the next free slot, a full meeting names
# the next with room, closing a meeting carries undiscussed cases first
# onto the next one.
. "$(dirname "$0")/lib.sh"

# A deployment's own one-off holiday: Monday 28 June 2027.
printf '# local\n2027-06-28 Local holiday\n' >"$T/holidays.txt"
printf '2027-06-28 Local holiday\n2027-02-30 Impossible\n' >"$T/bad-holidays.txt"
check_fails "a holidays_file with a bad line is refused by --check" "$MDTD" serve --holidays-file "$T/bad-holidays.txt" --check
check_match "--check names the file and the line" "$(cat "$T/err")" "holidays_file: $T/bad-holidays.txt:2: not a valid date"
start_mdtd "smtp_from = mdt@example.org" "scheduler_interval = 3600" "holidays_file = $T/holidays.txt"
DB=$T/var/mdtd.db
run org create --name "Mind in Lewisham" --kind vcse --email mind@example.org --needs "housing,mental_health"
run org create --name "Lewisham Homes" --kind housing --email homes@example.org --needs housing
run org create --name "GP Lead Practice" --kind gp_practice --email gp@example.org
run person create --name "Ada Chair" --email chair@example.org --org "Mind in Lewisham"
run person create --name "Bea Worker" --email bea@example.org --org "Mind in Lewisham"
run person create --name "Cy Housing" --email cy@example.org --org "Lewisham Homes"
run person create --name "Di Deputy" --email di@example.org --org "Lewisham Homes"
run pcn create --name "Lewisham North"
run pcn create --name "Lewisham South"
run list create --name "North MDT" --pcn "Lewisham North"
run list add "North MDT" chair@example.org bea@example.org cy@example.org
expect "directory set up" 0

# --- create -------------------------------------------------------------------------
run series create --pcn "Lewisham North" --title "North monthly MDT" \
    --rrule "FREQ=MONTHLY;BYDAY=2TU" --start 2027-01-12T10:00 --duration 90m \
    --tz Europe/London --list "North MDT" --url https://meet.example.org/north \
    --chair chair@example.org --slots 2 --slot-minutes 20 --require "GP Lead Practice" --require "Lewisham Homes" --json
expect "series create" 0
S1=$(py 'j["id"]')
check_eq "series: fields as given" "$(py '(j["title"], j["rrule"], j["start"], j["tz"], j["duration_min"], j["slots"], j["slot_minutes"], j["holidays"], j["chair"]["name"], j["list"]["name"], j["pcn"]["name"])')" \
    "('North monthly MDT', 'FREQ=MONTHLY;BYDAY=2TU', '2027-01-12T10:00', 'Europe/London', 90, 2, 20, 'keep', 'Ada Chair', 'North MDT', 'Lewisham North')"
check_eq "series: required organisations" "$(py 'sorted(o["name"] for o in j["required_orgs"])')" "['GP Lead Practice', 'Lewisham Homes']"
check_eq "series: sequence starts at 0" "$(py 'j["sequence"]')" 0
check_match "series: a stable UID" "$(py 'j["uid"]')" '^series-[0-9a-f]{24}@mdtd$'
check_eq "series: next meeting is the start" "$(py 'j["next_meeting"]["start"]')" "2027-01-12T10:00:00+00:00"

# Expected instants, computed here independently of libical: the second
# Tuesday of each month at 10:00 in Europe/London, as UTC.
WANT=$(python3 - <<'EOF'
import datetime, zoneinfo
tz = zoneinfo.ZoneInfo("Europe/London")
out = []
for y, m in [(2027, k) for k in range(1, 13)] + [(2028, 1)]:
    d = datetime.date(y, m, 1)
    first_tue = d + datetime.timedelta(days=(1 - d.weekday()) % 7)
    day = first_tue + datetime.timedelta(days=7)
    t = datetime.datetime(day.year, day.month, day.day, 10, 0, tzinfo=tz)
    if t < datetime.datetime(2028, 1, 12, 10, 0, tzinfo=tz):
        out.append(t.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%MZ"))
print(" ".join(out))
EOF
)
run meeting list --pcn "Lewisham North" --json
expect "meeting list" 0
GOT=$(py '" ".join(__import__("datetime").datetime.fromisoformat(m["start"]).astimezone(__import__("datetime").timezone.utc).strftime("%Y-%m-%dT%H:%MZ") for m in j)')
check_eq "12 months of meetings, UTC instants across both clock changes" "$GOT" "$WANT"
check_eq "13 meetings (the 12 months from the first include January 2028's)" "$(py 'len(j)')" 13
check_eq "March (GMT) and April (BST) 2027" "$(py '(j[2]["start"], j[3]["start"])')" "('2027-03-09T10:00:00+00:00', '2027-04-13T10:00:00+01:00')"
check_eq "October (BST) and November (GMT) 2027" "$(py '(j[9]["start"], j[10]["start"])')" "('2027-10-12T10:00:00+01:00', '2027-11-09T10:00:00+00:00')"
check_eq "each lasts 90 minutes" "$(py 'set(__import__("datetime").datetime.fromisoformat(m["end"]).timestamp() - __import__("datetime").datetime.fromisoformat(m["start"]).timestamp() for m in j)')" "{5400.0}"
M1=$(py 'j[0]["id"]'); M2=$(py 'j[1]["id"]'); M3=$(py 'j[2]["id"]'); M4=$(py 'j[3]["id"]')
run meeting list --from 2027-04-01 --to 2027-06-30 --json
check_eq "--from/--to: April to June, ordered" "$(py '[m["start"][:10] for m in j]')" "['2027-04-13', '2027-05-11', '2027-06-08']"
run meeting list --pcn "Lewisham South" --json
check_eq "another PCN has none" "$(py 'len(j)')" 0
run meeting list
check_match "meeting list: a table" "$OUT" "North monthly MDT"

# --- refusals -------------------------------------------------------------------------
run series create --pcn "Lewisham North" --title X --rrule "FREQ=HOURLY" --start 2027-01-12T10:00 \
    --duration 90m --list "North MDT" --url https://meet.example.org/x
expect "sub-daily rule: exit 1" 1
check_match "sub-daily rule: the part is named" "$ERR" "rrule: FREQ: HOURLY is more than once a day"
run series create --pcn "Lewisham North" --title X --rrule "FREQ=MONTHLY;BYDAY=2XX" --start 2027-01-12T10:00 \
    --duration 90m --list "North MDT" --url https://meet.example.org/x
check_match "bad BYDAY: named" "$ERR" "rrule: BYDAY=2XX: not valid"
run series create --pcn "Lewisham North" --title X --rrule "BYDAY=2TU" --start 2027-01-12T10:00 \
    --duration 90m --list "North MDT" --url https://meet.example.org/x
check_match "no FREQ: named" "$ERR" "rrule: FREQ: required"
run series create --pcn "Lewisham North" --title X --rrule "FREQ=MONTHLY;COUNT=2;UNTIL=20280101T000000Z" \
    --start 2027-01-12T10:00 --duration 90m --list "North MDT" --url https://meet.example.org/x
check_match "COUNT with UNTIL: named" "$ERR" "COUNT and UNTIL"
run series create --pcn "Lewisham North" --title X --rrule "FREQ=MONTHLY;BYDAY=2TU" --start 2027-01-12T10:00 \
    --duration 3 --list "North MDT" --url https://meet.example.org/x
check_match "too short: duration named" "$ERR" "duration:"
run series create --pcn "Lewisham North" --title X --rrule "FREQ=MONTHLY;BYDAY=2TU" --start 2027-01-12 \
    --duration 1h30m --list "North MDT" --url https://meet.example.org/x
check_match "start without a time: named" "$ERR" "start:"
run series create --pcn "Lewisham North" --title X --rrule "FREQ=MONTHLY;BYDAY=2TU" --start 2027-01-12T10:00 \
    --duration 1h30m --tz Mars/Olympus --list "North MDT" --url https://meet.example.org/x
check_match "unknown zone: named" "$ERR" "tz: unknown time zone"
# Bodies that break a rule: 422 naming the field, nothing created.
base='"pcn": "Lewisham North", "title": "T", "rrule": "FREQ=MONTHLY;BYDAY=2TU", "start": "2027-01-12T10:00", "duration": 90, "list": "North MDT", "url": "https://meet.example.org/t"'
before=$(sqlite3 "$DB" "SELECT count(*) FROM series")
for bad in "slots=\"slots\": 0" "slots=\"slots\": \"6\"" "slot_minutes=\"slot_minutes\": 500" \
           "duration=\"duration\": \"1h30\"" "duration=\"duration\": \"90s\"" "holidays=\"holidays\": \"never\"" \
           "required_orgs.0=\"required_orgs\": [\"Nobody Org\"]" "required_orgs=\"required_orgs\": \"GP\"" \
           "chair=\"chair\": \"nobody@example.org\"" "colour=\"colour\": \"red\"" \
           "url=\"url\": \"javascript:alert(1)\""; do
    field=${bad%%=*} member=${bad#*=}
    body="{$base, $member}"
    case $field in duration|url) body=$(python3 -c 'import json,sys; b=json.loads("{"+sys.argv[1]+"}"); b.update(json.loads("{"+sys.argv[2]+"}")); print(json.dumps(b))' "$base" "$member") ;; esac
    http_json POST /v1/series "$body"
    check_eq "series with a bad $field: 422 naming it" "$HTTP_STATUS $(json_get "$HTTP_BODY" error.field)" "422 $field"
done
http_json POST /v1/series "$(python3 -c 'import json,sys; b=json.loads("{"+sys.argv[1]+"}"); b["rrule"]="FREQ=DAILY"+";BYMONTH=1"*60; print(json.dumps(b))' "$base")"
check_eq "an overlong rule: 422 naming rrule" "$HTTP_STATUS $(json_get "$HTTP_BODY" error.field)" "422 rrule"
check_eq "none of them created a series" "$(sqlite3 "$DB" "SELECT count(*) FROM series")" "$before"
check_status "move an unknown meeting: 404" 404 POST /v1/meetings/999999/move -H 'Content-Type: application/json' --data-binary '{"start": "2027-01-12T10:00"}'
check_status "close with attendance not a list: 422" 422 POST "/v1/meetings/$M1/close" -H 'Content-Type: application/json' --data-binary '{"attendance": "everyone"}'
check_status "close with a bad attendance status: 422" 422 POST "/v1/meetings/$M1/close" -H 'Content-Type: application/json' --data-binary '{"attendance": [{"person": "chair@example.org", "status": "asleep"}]}'
check_eq "  ... naming the entry" "$(json_get "$HTTP_BODY" error.field)" "attendance.0"
check_status "meetings from a bad date: 422" 422 GET "/v1/meetings?from=2027-13-01"
check_status "a series id that is not a number: 404" 404 GET /v1/series/abc

PARTNER=$(new_token partner "Lewisham Homes")
MDT_TOKEN=$PARTNER check_status "a partner cannot create a series" 403 POST /v1/series \
    -H 'Content-Type: application/json' --data-binary '{}'
MDT_TOKEN=$PARTNER check_status "a partner may read the meetings" 200 GET "/v1/meetings?pcn=Lewisham%20North"

# --- bank holidays --------------------------------------------------------------------
# Last Monday of the month: 31 May and 30 August 2027 are bank holidays.
for pol in keep skip next-working-day; do
    run series create --pcn "Lewisham South" --title "South $pol" --rrule "FREQ=MONTHLY;BYDAY=-1MO" \
        --start 2027-01-25T14:00 --duration 1h --list "North MDT" --url https://meet.example.org/s \
        --holidays "$pol" --json
    expect "series with holidays $pol" 0
    sid=$(py 'j["id"]')
    run meeting list --series "$sid" --from 2027-05-01 --to 2027-06-30 --json
    case $pol in
    keep) check_eq "keep: 31 May stays" "$(py '[(m["start"], m["status"], m["moved"]) for m in j]')" \
        "[('2027-05-31T14:00:00+01:00', 'scheduled', False), ('2027-06-28T14:00:00+01:00', 'scheduled', False)]" ;;
    skip) check_eq "skip: 31 May (spring) and 28 June (holidays_file) cancelled as holidays" "$(py '[(m["start"], m["status"], m["cancel_reason"]) for m in j]')" \
        "[('2027-05-31T14:00:00+01:00', 'cancelled', 'holiday'), ('2027-06-28T14:00:00+01:00', 'cancelled', 'holiday')]" ;;
    next-working-day) check_eq "next working day: Tuesday 1 June for 31 May, Tuesday 29 June for 28 June" \
        "$(py '[(m["start"], m["recurrence_id"], m["moved"], m["move_reason"]) for m in j]')" \
        "[('2027-06-01T14:00:00+01:00', '2027-05-31T14:00:00+01:00', True, 'holiday'), ('2027-06-29T14:00:00+01:00', '2027-06-28T14:00:00+01:00', True, 'holiday')]" ;;
    esac
done
SKIP_SERIES=$((sid - 1))

# --- one meeting moved, one cancelled ----------------------------------------------------
run meeting move "$M2" --start 2027-02-10T14:30
expect "meeting move" 0
check_match "move: says where" "$OUT" "Moved meeting $M2 to 2027-02-10T14:30:00\+00:00"
run meeting show "$M2" --json
check_eq "moved: new start, same recurrence id, 90 minutes" \
    "$(py '(j["start"], j["end"], j["recurrence_id"], j["moved"], j["move_reason"])')" \
    "('2027-02-10T14:30:00+00:00', '2027-02-10T16:00:00+00:00', '2027-02-09T10:00:00+00:00', True, 'chair')"
check_eq "move raised the sequence" "$(py 'j["sequence"]')" 1
run meeting move "$M2" --start "tomorrow"
expect "move to a bad time: exit 1" 1
check_match "move: start named" "$ERR" "start:"
run meeting cancel "$M3"
expect "meeting cancel" 0
run meeting show "$M3" --json
check_eq "cancelled, by the chair" "$(py '(j["status"], j["cancel_reason"], j["sequence"])')" "('cancelled', 'chair', 2)"
run meeting cancel "$M3"
expect "cancel twice: exit 1" 1
check_match "cancel twice: why" "$ERR" "cancelled"
run meeting show 999999
expect "unknown meeting: exit 1" 1

# --- series update ------------------------------------------------------------------------
run series update "$S1" --title "North MDT (monthly)" --url https://meet.example.org/north2 --json
expect "series update" 0
check_eq "update: fields and sequence" "$(py '(j["title"], j["url"], j["sequence"], j["version"])')" "('North MDT (monthly)', 'https://meet.example.org/north2', 3, 2)"
run series update "$S1" --title Stale --version 1
expect "stale version: exit 1" 1
check_match "stale version: said" "$ERR" "version"
run series update "$S1" --rrule "FREQ=SECONDLY"
check_match "update: the rule is checked" "$ERR" "rrule: FREQ:"
run series show "$S1"
expect "series show" 0
check_match "series show: the title" "$OUT" "North MDT \(monthly\)"
run series list --json
check_eq "series list" "$(py 'len(j)')" 4

# --- cases take slots ------------------------------------------------------------------------
# A case holder whose token names a person: the case's holder.
run token create --role case_holder --name "Bea's laptop" --org "Mind in Lewisham" --person bea@example.org --json
expect "token for a person" 0
check_eq "token: the person" "$(py 'j["person"]["name"]')" "Bea Worker"
HOLDER=$(py 'j["token"]')
case_body() { python3 -c 'import json,sys
b={"pseudonym":sys.argv[1],"age_band":"30-39","needs":["housing"],"presentation":"Struggling with rent arrears.",
   "question":"Who can help with housing?","risk":"low"}
if sys.argv[2]: b["meeting"]=int(sys.argv[2])
if sys.argv[3]: b["pcn"]=sys.argv[3]
print(json.dumps(b))' "$1" "$2" "$3"; }
MDT_TOKEN=$HOLDER http_json POST /v1/cases "$(case_body MDT-AAAA-0001 "$M1" "")"
check_eq "case to meeting 1: 201" "$HTTP_STATUS" 201
C1=$(json_get "$HTTP_BODY" id)
check_eq "case 1: slot 1 at 10:00" "$(json_get "$HTTP_BODY" meeting.slot) $(json_get "$HTTP_BODY" meeting.slot_start)" "1 2027-01-12T10:00:00+00:00"
check_eq "case 1: the PCN of the meeting" "$(json_get "$HTTP_BODY" pcn.name)" "Lewisham North"
MDT_TOKEN=$HOLDER http_json POST /v1/cases "$(case_body MDT-AAAA-0002 "$M1" "")"
C2=$(json_get "$HTTP_BODY" id)
check_eq "case 2: slot 2 at 10:20" "$(json_get "$HTTP_BODY" meeting.slot) $(json_get "$HTTP_BODY" meeting.slot_start)" "2 2027-01-12T10:20:00+00:00"
check_eq "the holder is the token's person" "$(sqlite3 "$DB" "SELECT group_concat(p.email) FROM cases c JOIN people p ON p.id = c.holder_id WHERE c.id IN ($C1, $C2)")" "bea@example.org,bea@example.org"
MDT_TOKEN=$HOLDER http_json POST /v1/cases "$(case_body MDT-AAAA-0003 "$M1" "")"
check_eq "a full meeting: 409" "$HTTP_STATUS" 409
check_eq "409 names the meeting field and the next meeting with room" \
    "$(json_get "$HTTP_BODY" error.field) $(json_get "$HTTP_BODY" error.next_meeting.id)" "meeting $M2"
check_match "409 message names it" "$(json_get "$HTTP_BODY" error.message)" "meeting $M1 is full \(2 slots\); the next meeting with room is $M2 on 2027-02-10T14:30"
check_eq "nothing stored for the refused case" "$(sqlite3 "$DB" "SELECT count(*) FROM cases WHERE pseudonym = 'MDT-AAAA-0003'")" 0
MDT_TOKEN=$HOLDER http_json POST /v1/cases "$(case_body MDT-AAAA-0003 "$M3" "")"
check_eq "a cancelled meeting: 422 naming meeting" "$HTTP_STATUS $(json_get "$HTTP_BODY" error.field)" "422 meeting"
MDT_TOKEN=$HOLDER http_json POST /v1/cases "$(case_body MDT-AAAA-0003 "$M1" "Lewisham South")"
check_eq "meeting of another PCN: 422 naming pcn" "$HTTP_STATUS $(json_get "$HTTP_BODY" error.field)" "422 pcn"
MDT_TOKEN=$HOLDER http_json POST /v1/cases "$(case_body MDT-AAAA-0003 "" "Lewisham North")"
check_eq "pcn alone: the next meeting with room" "$HTTP_STATUS $(json_get "$HTTP_BODY" meeting.id) $(json_get "$HTTP_BODY" meeting.slot)" "201 $M2 1"
C3=$(json_get "$HTTP_BODY" id)
http_json POST /v1/pcns '{"name": "No Series PCN"}'
MDT_TOKEN=$HOLDER http_json POST /v1/cases "$(case_body MDT-AAAA-0004 "" "No Series PCN")"
check_eq "a PCN without a series: the case waits" "$HTTP_STATUS $(json_get "$HTTP_BODY" meeting)" "201 None"

# --- close: attendance, carried forward -----------------------------------------------------
run meeting close "$M1" --attended chair@example.org,bea@example.org --apologies cy@example.org \
    --deputy di@example.org=cy@example.org --discussed "$C2"
expect "meeting close" 0
check_match "close: says what was carried" "$OUT" "carried forward to meeting $M2 \(first on its agenda\): cases $C1"
run meeting show "$M1" --json
check_eq "closed, with attendance" "$(py '(j["status"], sorted((a["person"]["name"], a["status"], a.get("deputy_for", {}).get("name")) for a in j["attendance"]))')" \
    "('closed', [('Ada Chair', 'attended', None), ('Bea Worker', 'attended', None), ('Cy Housing', 'apologies', None), ('Di Deputy', 'deputy', 'Cy Housing')])"
check_eq "carried case first on the next meeting, the other moved down" \
    "$(sqlite3 "$DB" "SELECT group_concat(id || ':' || slot || ':' || carried, ' ') FROM (SELECT * FROM cases WHERE meeting_id = $M2 ORDER BY slot)")" \
    "$C1:1:1 $C3:2:0"
run meeting show "$M1"
check_match "meeting show: attendance on one line" "$OUT" "attendance: +Ada Chair \(attended\), Bea Worker \(attended\), Cy Housing \(apologies\), Di Deputy \(deputy for Cy Housing\)"
check_eq "the discussed case is discussed" "$(sqlite3 "$DB" "SELECT status FROM cases WHERE id = $C2")" discussed
run meeting close "$M1"
expect "close twice: exit 1" 1
run meeting close "$M2" --deputy di@example.org
expect "deputy without FOR: exit 2" 2
run meeting close "$M2" --discussed 999999
expect "discussed case not on the agenda: exit 1" 1
check_match "not on the agenda: field named" "$ERR" "discussed.0"

# Cancelling a meeting moves its cases to the next meeting, in order.
run meeting cancel "$M2" --json
expect "cancel a meeting with cases" 0
check_eq "its cases moved to the next one" "$(py 'j["cases_moved_to"]')" "$M4"
check_eq "in their order" "$(sqlite3 "$DB" "SELECT group_concat(id || ':' || slot, ' ') FROM (SELECT * FROM cases WHERE meeting_id = $M4 ORDER BY slot)")" "$C1:1 $C3:2"

# --- a new rule: the future follows ---------------------------------------------------------
run series update "$S1" --rrule "FREQ=MONTHLY;BYDAY=3WE" --json
expect "series update: rule" 0
run meeting list --series "$S1" --status scheduled --json
check_eq "scheduled meetings now on third Wednesdays" "$(py 'sorted(set(__import__("datetime").date.fromisoformat(m["recurrence_id"][:10]).weekday() for m in j))')" "[2]"
check_eq "the moved cases followed to one new meeting, on a Wednesday, to come" \
    "$(sqlite3 "$DB" "SELECT count(DISTINCT c.meeting_id), min(m.start_at > strftime('%s','now')), min(strftime('%w', m.recurrence_id, 'unixepoch')), min(m.status) FROM cases c JOIN meetings m ON m.id = c.meeting_id WHERE c.id IN ($C1, $C3)")" "1|1|3|scheduled"
check_eq "the closed meeting is kept" "$(sqlite3 "$DB" "SELECT status FROM meetings WHERE id = $M1")" closed

# --- series cancel ------------------------------------------------------------------------------
run series cancel "$SKIP_SERIES"
expect "series cancel" 0
run series show "$SKIP_SERIES" --json
check_eq "cancelled series: status and sequence" "$(py '(j["status"], j["sequence"], j["next_meeting"])')" "('cancelled', 1, None)"
run meeting list --series "$SKIP_SERIES" --status scheduled --json
check_eq "no meeting of it is scheduled" "$(py 'len(j)')" 0
run series cancel "$SKIP_SERIES"
expect "cancel twice: exit 1" 1
run series update "$SKIP_SERIES" --title Again
expect "update a cancelled series: exit 1" 1
# A meeting that took place (made past here) is history: cancelling the
# series leaves it alone.
PAST=$(sqlite3 "$DB" "SELECT id FROM meetings WHERE series_id = $S1 AND status = 'scheduled' AND id NOT IN (SELECT meeting_id FROM cases WHERE meeting_id IS NOT NULL) ORDER BY start_at DESC LIMIT 1")
sqlite3 "$DB" "UPDATE meetings SET start_at = strftime('%s','now') - 86400, end_at = strftime('%s','now') - 80000 WHERE id = $PAST"
run series cancel "$S1"
check_eq "a past meeting stays as it was" "$(sqlite3 "$DB" "SELECT status FROM meetings WHERE id = $PAST")" scheduled
check_eq "cases of a cancelled series wait without a meeting" "$(sqlite3 "$DB" "SELECT count(*) FROM cases WHERE id IN ($C1, $C3) AND meeting_id IS NULL AND slot IS NULL")" 2

stop_mdtd
