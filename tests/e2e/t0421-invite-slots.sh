#!/bin/bash
# Case holders' slot invites: a case put on a meeting of an invited
# series gives its holder one invite for the case's slot only (a single
# event, its own UID), which follows the meeting when it moves and is
# cancelled when the meeting is; the holder's feed carries the slot.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
start_smtp_sink "$T/mail"
start_mdtd "smtp_url = $SMTP_URL" \
    "smtp_from = mdt@mdt.example.org" "public_url = https://mdt.example.org" "outbox_poll = 1"

http_json POST /v1/orgs '{"name":"Mind Lewisham","kind":"vcse","email":"mind@mind.example"}'
http_json POST /v1/orgs '{"name":"Lee Surgery","kind":"gp_practice","email":"lee@surgery.example"}'
http_json POST /v1/people '{"name":"Ann Chair","email":"chair@mind.example","org":"Mind Lewisham"}'
http_json POST /v1/people '{"name":"Gee Pee","email":"gp@surgery.example","org":"Lee Surgery"}'
http_json POST /v1/people '{"name":"Cass Holder","email":"cass@mind.example","org":"Mind Lewisham"}'
http_json POST /v1/pcns '{"name":"Lewisham North"}'
http_json POST /v1/lists '{"name":"LN MDT","pcn":"Lewisham North"}'
http_json POST "/v1/lists/LN%20MDT/members" '{"add":["gp@surgery.example"]}'
START=$($PY -c 'import datetime as d
y=d.date.today().year+1
t=[d.date(y,1,x) for x in range(1,15) if d.date(y,1,x).weekday()==1][1]
print(t.isoformat()+"T10:00")')
http_json POST /v1/series "{\"pcn\":\"Lewisham North\",\"title\":\"LN MDT\",\"rrule\":\"FREQ=MONTHLY;BYDAY=2TU\",
  \"start\":\"$START\",\"duration\":\"90m\",\"list\":\"LN MDT\",\"url\":\"https://meet.example.org/j/1\",
  \"chair\":\"chair@mind.example\",\"slots\":3,\"slot_minutes\":15}"
check_eq "series created" "$HTTP_STATUS" 201
SERIES=$(json_get "$HTTP_BODY" id)
UID_=$(json_get "$HTTP_BODY" uid)
http GET "/v1/meetings?series=$SERIES&from=2000-01-01&to=2100-01-01"
M4=$(json_get "$HTTP_BODY" 3.id)
http_json POST /v1/tokens '{"role":"case_holder","name":"cass","org":"Mind Lewisham","person":"cass@mind.example"}'
check_eq "holder token bound to a person" "$HTTP_STATUS" 201
HOLDER=$(json_get "$HTTP_BODY" token)

# mail_of ADDR KEY: KEY of the new message to ADDR.
mail_of() { $PY -c 'import json,sys
for l in open(sys.argv[1]):
    m=json.loads(l)
    if m["rcpt"]==[sys.argv[2]]: print(m[sys.argv[3]])' "$T/new.jsonl" "$1" "$2"; }
# both_parsers FILE: the occurrences (UTC) and UID from icalendar and ical.js, which must agree.
both_parsers() {
    local py js
    py=$($PY "$TOP/tests/tools/ical-check.py" "$1")
    js=$(node "$TOP/tests/tools/ical-check.js" "$1")
    if [ "$(json_get "$py" occurrences)" != "$(json_get "$js" occurrences)" ] ||
        [ "$(json_get "$py" uid)" != "$(json_get "$js" uid)" ]; then
        echo "parsers disagree: $py / $js"
        return
    fi
    echo "$(json_get "$py" uid) $(json_get "$py" occurrences) $(json_get "$py" method)"
}
utc() { $PY -c 'import sys,datetime as d; print(d.datetime.fromisoformat(sys.argv[1]).astimezone(d.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))' "$1"; }

# Before `invite send`, a case on a meeting sends nothing.
case_body() { $PY -c 'import json,sys
print(json.dumps({"pseudonym":sys.argv[1],"age_band":"30-39","needs":["housing"],
  "presentation":"Struggling with rent.","question":"Can arrears be paused?","risk":"low","meeting":int(sys.argv[2])}))' "$@"; }
MDT_TOKEN=$HOLDER http_json POST /v1/cases "$(case_body MDT-7K3Q-9XW2 "$M4")"
check_eq "first case on meeting 4" "$HTTP_STATUS" 201
C1=$(json_get "$HTTP_BODY" id)
sleep 1.2
check_eq "nothing before invite send" "$(mail_count "$T/mail")" 0

run invite send "$SERIES"
expect "invite send" 0
expect_new_mail 2 "invite send: the member and the case holder"
check_match "the holder's subject names the slot" "$(mail_of cass@mind.example subject)" "your case slot"
http GET "/v1/meetings/$M4"
SLOT1=$(utc "$(json_get "$HTTP_BODY" start)")
check_eq "the holder's invite: one event at the slot, its own UID (both parsers)" \
    "$(both_parsers "$(mail_of cass@mind.example calendar)")" "case-$C1.$UID_ [\"$SLOT1\"] REQUEST"
check_eq "no RRULE in the slot's VEVENT" "$(sed -n '/^BEGIN:VEVENT/,$p' "$(mail_of cass@mind.example calendar)" | grep -c RRULE)" 0

# A second case takes slot 2 (15 minutes later): only its holder hears.
MDT_TOKEN=$HOLDER http_json POST /v1/cases "$(case_body MDT-4H2P-0QRS "$M4")"
C2=$(json_get "$HTTP_BODY" id)
expect_new_mail 1 "second case"
SLOT2=$($PY -c 'import sys,datetime as d; print((d.datetime.strptime(sys.argv[1],"%Y-%m-%dT%H:%M:%SZ")+d.timedelta(minutes=15)).strftime("%Y-%m-%dT%H:%M:%SZ"))' "$SLOT1")
check_eq "slot 2 is 15 minutes later" "$(both_parsers "$(mail_of cass@mind.example calendar)")" \
    "case-$C2.$UID_ [\"$SLOT2\"] REQUEST"

# The meeting moves: the member's series update and both slot updates.
DAY=$(json_get "$HTTP_BODY" id >/dev/null; http GET "/v1/meetings/$M4"; json_get "$HTTP_BODY" start | cut -c1-10)
NEW=$($PY -c 'import datetime as d,sys; print((d.date.fromisoformat(sys.argv[1])+d.timedelta(days=1)).isoformat()+"T13:00")' "$DAY")
http_json POST "/v1/meetings/$M4/move" "{\"start\":\"$NEW\"}"
check_eq "moved" "$HTTP_STATUS" 200
expect_new_mail 3 "move: member + two slots"
http GET "/v1/meetings/$M4"
MOVED=$(utc "$(json_get "$HTTP_BODY" start)")
check_eq "the slot follows the meeting" \
    "$($PY -c 'import json,sys
for l in open(sys.argv[1]):
    m=json.loads(l)
    if m["rcpt"]==["cass@mind.example"]: print(m["calendar"])' "$T/new.jsonl" | while read -r c; do both_parsers "$c"; done | sort | head -1)" \
    "case-$C1.$UID_ [\"$MOVED\"] REQUEST"

# The holder's feed has the slots, with the same UIDs.
run feed url cass@mind.example
http GET "${OUT#https://mdt.example.org}"
check_eq "feed" "$HTTP_STATUS" 200
check_eq "the holder's feed carries both slots" "$(printf '%s' "$HTTP_BODY" | tr -d '\r' | grep -c "^UID:case-")" 2

# The meeting is cancelled: its cases move on to the next meeting, first
# in its order, and each holder's slot invite follows them there.
http POST "/v1/meetings/$M4/cancel"
check_eq "meeting cancelled" "$HTTP_STATUS" 200
NEXT=$(json_get "$HTTP_BODY" cases_moved_to)
expect_new_mail 3 "cancel: member update + two slot updates"
http GET "/v1/meetings/$NEXT"
N1=$(utc "$(json_get "$HTTP_BODY" start)")
N2=$($PY -c 'import sys,datetime as d; print((d.datetime.strptime(sys.argv[1],"%Y-%m-%dT%H:%M:%SZ")+d.timedelta(minutes=15)).strftime("%Y-%m-%dT%H:%M:%SZ"))' "$N1")
check_eq "the slots are now at the next meeting (both parsers)" "$($PY -c 'import json,sys
for l in open(sys.argv[1]):
    m=json.loads(l)
    if m["rcpt"]==["cass@mind.example"]: print(m["calendar"])' "$T/new.jsonl" | while read -r c; do both_parsers "$c" | cut -d' ' -f2-; done | sort | tr '\n' ' ')" \
    "[\"$N1\"] REQUEST [\"$N2\"] REQUEST "

# The series is cancelled: the member and both slots get CANCEL.
http POST "/v1/series/$SERIES/cancel"
check_eq "series cancelled" "$HTTP_STATUS" 200
expect_new_mail 3 "series cancel"
check_eq "every message a CANCEL" "$($PY -c 'import json,sys
for l in open(sys.argv[1]): print(json.loads(l)["cal_method"])' "$T/new.jsonl" | sort | uniq -c | tr -s ' ')" " 3 CANCEL"
