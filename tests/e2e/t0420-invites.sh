#!/bin/bash
# Invites: one iMIP email per list member through a real SMTP server on
# loopback; each calendar part parsed by python3-icalendar (+dateutil)
# and by npm's ical.js, whose first occurrences (UTC) must equal mdtd's
# own meeting list across the clock changes; moves, cancels, updates,
# members joining and leaving; RSVP links, iMIP replies, the quorum
# warning, and private feeds.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
NODE_OK=1
if ! command -v node >/dev/null || [ ! -d "$TOP/build/node/node_modules/ical.js" ]; then
    NODE_OK=0
    not_ok "ical.js is installed (scripts/install-deps puts it in build/node)"
fi

start_smtp_sink "$T/mail"
start_mdtd "smtp_url = $SMTP_URL" "smtp_from = mdt@mdt.example.org" \
    "public_url = https://mdt.example.org/" "outbox_poll = 1"

# The directory: a chair, three members of the list (GP, police, housing),
# one who joins later.
http_json POST /v1/orgs '{"name":"Lee Surgery","kind":"gp_practice","email":"lee@surgery.example"}'
http_json POST /v1/orgs '{"name":"Met Police","kind":"police","email":"met@police.example"}'
http_json POST /v1/orgs '{"name":"Homes Trust","kind":"housing","email":"homes@trust.example"}'
http_json POST /v1/orgs '{"name":"Mind Lewisham","kind":"vcse","email":"mind@mind.example"}'
check_eq "orgs created" "$HTTP_STATUS" 201
for p in "Ann Chair:chair@mind.example:Mind Lewisham" "Gee Pee:gp@surgery.example:Lee Surgery" \
    "Pat Rol:officer@police.example:Met Police" "Hugh Sing:hugh@trust.example:Homes Trust" \
    "Nia New:nia@trust.example:Homes Trust"; do
    IFS=: read -r name email org <<<"$p"
    http_json POST /v1/people "{\"name\":\"$name\",\"email\":\"$email\",\"org\":\"$org\"}"
done
check_eq "people created" "$HTTP_STATUS" 201
http_json POST /v1/pcns '{"name":"Lewisham North"}'
http_json POST /v1/lists '{"name":"LN MDT","pcn":"Lewisham North"}'
http_json POST "/v1/lists/LN%20MDT/members" \
    '{"add":["gp@surgery.example","officer@police.example","hugh@trust.example"]}'
check_eq "list has three members" "$HTTP_STATUS" 200

# A series from the second Tuesday of next January: 12 months cross
# both clock changes.
START=$($PY -c 'import datetime as d
y=d.date.today().year+1
t=[d.date(y,1,x) for x in range(1,15) if d.date(y,1,x).weekday()==1][1]
print(t.isoformat()+"T10:00")')
http_json POST /v1/series "{\"pcn\":\"Lewisham North\",\"title\":\"LN monthly MDT\",
  \"rrule\":\"FREQ=MONTHLY;BYDAY=2TU\",\"start\":\"$START\",\"duration\":\"90m\",
  \"tz\":\"Europe/London\",\"list\":\"LN MDT\",\"url\":\"https://meet.example.org/j/42\",
  \"chair\":\"chair@mind.example\",\"required_orgs\":[\"Met Police\"]}"
check_eq "series created" "$HTTP_STATUS" 201
SERIES=$(json_get "$HTTP_BODY" id)
UID_=$(json_get "$HTTP_BODY" uid)

# field JSONPATH: one line per new message.
field() { $PY -c 'import json,sys
for l in open(sys.argv[1]):
    v=json.loads(l)
    for k in sys.argv[2].split("."): v=v[k] if v is not None else None
    print(v if not isinstance(v,(list,dict)) else json.dumps(v))' "$T/new.jsonl" "$1"; }

# mdtd's own occurrences: the scheduled meetings' starts in UTC.
mdtd_starts() {
    http GET "/v1/meetings?series=$SERIES&status=scheduled&from=2000-01-01&to=2100-01-01"
    $PY -c 'import json,sys,datetime as d
a=json.loads(sys.argv[1])
print(json.dumps([d.datetime.fromisoformat(m["start"]).astimezone(d.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") for m in a][:12]))' "$HTTP_BODY"
}

# check_calendars DESC METHOD: every new message's calendar part, with
# both parsers: METHOD, UID, only its own recipient, occurrences equal
# to mdtd's.
check_calendars() {
    local desc=$1 method=$2 want bad=0 line rcpt cal py js n
    want=$(mdtd_starts)
    while read -r line; do
        rcpt=$($PY -c 'import json,sys; print(json.loads(sys.argv[1])["rcpt"][0])' "$line")
        cal=$($PY -c 'import json,sys; print(json.loads(sys.argv[1])["calendar"])' "$line")
        py=$($PY "$TOP/tests/tools/ical-check.py" "$cal" 12 2>&1)
        [ "$NODE_OK" = 1 ] && js=$(node "$TOP/tests/tools/ical-check.js" "$cal" 12 2>&1) || js=$py
        if ! $PY - "$line" "$py" "$js" "$want" "$method" "$UID_" "$rcpt" <<'EOF'
import json, sys
line, py, js, want, method, uid, rcpt = sys.argv[1:]
m = json.loads(line); want = json.loads(want)
problems = []
for name, s in (("icalendar", py), ("ical.js", js)):
    try:
        c = json.loads(s)
    except ValueError:
        problems.append("%s cannot parse: %s" % (name, s[:300])); continue
    if c["method"] != method: problems.append("%s METHOD %s" % (name, c["method"]))
    if c.get("uid") != uid: problems.append("%s UID %s" % (name, c.get("uid")))
    if set(c["attendees"]) != {rcpt}: problems.append("%s ATTENDEE %s" % (name, c["attendees"]))
    if c["tzids"] != ["Europe/London"]: problems.append("%s TZID %s" % (name, c["tzids"]))
    if method == "REQUEST":
        n = min(len(want), len(c["occurrences"]))
        if n < 8 or c["occurrences"][:n] != want[:n]:
            problems.append("%s occurrences\n  %s\n  mdtd %s" % (name, c["occurrences"], want))
if m["method"] != method or m["cal_method"] != method: problems.append("content-type method %s" % m["method"])
if not m["inline"]: problems.append("calendar part is an attachment")
if not m["crlf_only"]: problems.append("bare LF in the message")
if m["rcpt"] != [rcpt]: problems.append("envelope %s" % m["rcpt"])
others = [a for a in m["raw_has"] if a not in (rcpt, "chair@mind.example", "mdt@mdt.example.org")
          and not a.endswith("@mdt.example.org") and not a.endswith("@mdtd")]
if others: problems.append("other addresses in the message: %s" % others)
if problems:
    print("# %s: %s" % (rcpt, "; ".join(problems))); sys.exit(1)
EOF
        then bad=$((bad + 1)); fi
    done <"$T/new.jsonl"
    [ -s "$T/new.jsonl" ] || bad=none
    check_eq "$desc: every calendar part right in both parsers" "$bad" 0
}

# Nothing is sent before `invite send`.
sleep 1.2
check_eq "no mail before invite send" "$(mail_count "$T/mail")" 0

run invite send "$SERIES"
expect "mdt invite send SERIES" 0
check_match "it says how many" "$OUT" "invites queued for 3 people"
expect_new_mail 3 "invite send"
check_eq "one to each member" "$(field rcpt | sort | tr -d '\n')" \
    '["gp@surgery.example"]["hugh@trust.example"]["officer@police.example"]'
check_calendars "invite" REQUEST
check_match "the text carries a personal RSVP link on public_url" "$(field text >"$T/texts"; cat "$T/texts")" \
    "https://mdt.example.org/v1/rsvp/[0-9a-f]{64}\?answer=accepted"
run invite send "$SERIES"
check_match "a second send sends nothing new" "$OUT" "invites queued for 0 people \(3 had this version already\)"
check_status "the API answers 202: the messages are queued after the answer" 202 POST "/v1/series/$SERIES/invites"
check_eq "with the job and its counts" "$($PY -c 'import json,sys; j=json.loads(sys.argv[1]); print(j["job"] > 0, j["queued"], j["already"], sorted(j))' "$HTTP_BODY")" \
    "True 0 3 ['already', 'invited_at', 'job', 'queued', 'sequence', 'series']"
sleep 1.5
check_eq "and nothing arrives" "$(mail_count "$T/mail")" "$MAIL_SEEN"

# Keep one RSVP secret per person for later.
$PY "$TOP/tests/tools/imip-mail.py" "$T/mail" "$T/cal" | $PY -c 'import json,sys,re
for l in sys.stdin:
    m=json.loads(l); s=re.search(r"/v1/rsvp/([0-9a-f]{64})", m["text"])
    if s: print(m["rcpt"][0], s.group(1))' >"$T/secrets"
secret_of() { awk -v a="$1" '$1==a {s=$2} END {print s}' "$T/secrets"; }

# A moved occurrence (the fourth, to a Thursday afternoon) and a cancelled one (the third).
http GET "/v1/meetings?series=$SERIES&from=2000-01-01&to=2100-01-01"
M3=$(json_get "$HTTP_BODY" 2.id); M4=$(json_get "$HTTP_BODY" 3.id)
M4DAY=$(json_get "$HTTP_BODY" 3.start | cut -c1-10)
NEWSTART=$($PY -c 'import datetime as d,sys; print((d.date.fromisoformat(sys.argv[1])+d.timedelta(days=2)).isoformat()+"T14:00")' "$M4DAY")
http_json POST "/v1/meetings/$M4/move" "{\"start\":\"$NEWSTART\"}"
check_eq "meeting moved" "$HTTP_STATUS" 200
expect_new_mail 3 "move"
check_calendars "after the move" REQUEST
check_eq "the update carries the override" "$(grep -l 'RECURRENCE-ID;TZID=Europe/London' $(field calendar) | wc -l)" 3
http POST "/v1/meetings/$M3/cancel"
check_eq "meeting cancelled" "$HTTP_STATUS" 200
expect_new_mail 3 "cancel one"
check_calendars "after the cancel" REQUEST
check_eq "master and override together, EXDATE for the cancelled one" \
    "$(for c in $(field calendar); do grep -c '^BEGIN:VEVENT' "$c"; grep -c '^EXDATE;TZID=Europe/London' "$c"; done | sort -u | tr '\n' ' ')" "1 2 "

# A series update.
http GET "/v1/series/$SERIES"
VER=$(json_get "$HTTP_BODY" version)
SEQ_BEFORE=$(json_get "$HTTP_BODY" sequence)
http_json PATCH "/v1/series/$SERIES" "{\"title\":\"LN monthly MDT (new room)\",\"version\":$VER}"
check_eq "series updated" "$HTTP_STATUS" 200
expect_new_mail 3 "series update"
check_calendars "after the update" REQUEST
check_match "the new title is in the update" "$(grep -h '^SUMMARY' $(field calendar) | sort -u)" "new room"

# A member added: only they get the invite. A member removed: only they get a CANCEL.
http_json POST "/v1/lists/LN%20MDT/members" '{"add":["nia@trust.example"]}'
expect_new_mail 1 "member added"
check_eq "to the new member" "$(field rcpt)" '["nia@trust.example"]'
check_calendars "new member's invite" REQUEST
http_json POST "/v1/lists/LN%20MDT/members" '{"remove":["hugh@trust.example"]}'
expect_new_mail 1 "member removed"
check_eq "to the removed member" "$(field rcpt)" '["hugh@trust.example"]'
check_calendars "removed member's cancel" CANCEL
check_status "the removed member's RSVP link is dead" 404 GET "/v1/rsvp/$(secret_of hugh@trust.example)"

# RSVP by link: a page on GET, the answer on POST.
GP=$(secret_of gp@surgery.example)
check_status "RSVP page" 200 GET "/v1/rsvp/$GP?answer=accepted"
check_match "a small HTML page for a phone" "$HTTP_BODY" 'name="viewport"'
check_match "with the three choices as forms" "$(printf '%s' "$HTTP_BODY" | grep -c 'form method="post"')" '^3$'
check_status "GET does not record" 200 GET "/v1/meetings/$M4/attendees"
check_match "gp still needs-action" "$HTTP_BODY" '"email":"gp@surgery.example","org":\{[^}]*\},"invited":true,"answer":"needs-action"'
check_status "RSVP accepted" 200 POST "/v1/rsvp/$GP?answer=accepted"
check_status "bad answer refused" 422 POST "/v1/rsvp/$GP?answer=maybe"
check_status "unknown secret" 404 GET "/v1/rsvp/$(printf '0%.0s' $(seq 64))"
run meeting attendees "$M4"
check_match "mdt meeting attendees shows the answer" "$OUT" "Gee Pee.*accepted"

# The police officer declines by iMIP REPLY: Met Police (required) will be
# absent, the chair is warned once.
reply() {
    printf 'BEGIN:VCALENDAR\r\nPRODID:-//t//t//EN\r\nVERSION:2.0\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:%s\r\nDTSTAMP:20270101T000000Z\r\nATTENDEE;PARTSTAT=%s:mailto:%s\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n' "$UID_" "$1" "$2"
}
reply DECLINED officer@police.example >"$T/reply.ics"
check_status "iMIP REPLY accepted" 200 POST /v1/imip -H 'Content-Type: text/calendar' --data-binary @"$T/reply.ics"
reply ACCEPTED someone@else.example >"$T/reply2.ics"
check_status "a REPLY from a non-invitee is refused" 403 POST /v1/imip -H 'Content-Type: text/calendar' --data-binary @"$T/reply2.ics"
reply ACCEPTED hugh@trust.example >"$T/reply3.ics"
check_status "a REPLY from a removed member is refused" 403 POST /v1/imip -H 'Content-Type: text/calendar' --data-binary @"$T/reply3.ics"
printf 'BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n' >"$T/reply4.ics"
check_status "a non-REPLY is refused" 422 POST /v1/imip -H 'Content-Type: text/calendar' --data-binary @"$T/reply4.ics"
MDT_TOKEN= check_status "POST /v1/imip needs a token" 401 POST /v1/imip -H 'Content-Type: text/calendar' --data-binary @"$T/reply.ics"
expect_new_mail 1 "quorum warning"
check_eq "to the chair" "$(field rcpt)" '["chair@mind.example"]'
check_match "naming the organisation" "$(field text)" "Met Police"
check_status "meeting shows the warning" 200 GET "/v1/meetings/$M4"
check_match "quorum_warning in GET /v1/meetings/ID" "$HTTP_BODY" '"quorum_warning":"required organisation will be absent: Met Police"'
run meeting attendees "$M4"
check_match "attendees shows the absence" "$OUT" "Warning: required organisation will be absent: Met Police"
reply TENTATIVE officer@police.example >"$T/reply.ics"
http POST /v1/imip -H 'Content-Type: text/calendar' --data-binary @"$T/reply.ics"
reply DECLINED officer@police.example >"$T/reply.ics"
http POST /v1/imip -H 'Content-Type: text/calendar' --data-binary @"$T/reply.ics"
sleep 1.5
check_eq "the chair is warned only once" "$(mail_count "$T/mail")" "$MAIL_SEEN"

# Feeds.
run feed url gp@surgery.example
expect "mdt feed url PERSON" 0
FEED=$OUT
check_match "a private URL on public_url" "$FEED" '^https://mdt.example.org/v1/feeds/[0-9a-f]{64}\.ics$'
FEEDPATH=${FEED#https://mdt.example.org}
check_status "the feed" 200 GET "$FEEDPATH"
printf '%s' "$HTTP_BODY" >"$T/feed.ics"
check_match "METHOD:PUBLISH with the invite's UID" "$(tr -d '\r' <"$T/feed.ics")" "METHOD:PUBLISH"
PYF=$($PY "$TOP/tests/tools/ical-check.py" "$T/feed.ics")
check_eq "feed UID equals the invite's (icalendar)" "$(json_get "$PYF" uid)" "$UID_"
if [ "$NODE_OK" = 1 ]; then
    JSF=$(node "$TOP/tests/tools/ical-check.js" "$T/feed.ics")
    check_eq "feed occurrences agree (ical.js vs icalendar)" "$(json_get "$JSF" occurrences)" "$(json_get "$PYF" occurrences)"
fi
check_eq "feed has no ATTENDEE" "$(grep -c ATTENDEE "$T/feed.ics")" 0
run feed revoke gp@surgery.example
expect "mdt feed revoke PERSON" 0
check_status "the old feed URL answers 404" 404 GET "$FEEDPATH"
check_status "the new one works" 200 GET "${OUT#https://mdt.example.org}"

# The series cancelled: a CANCEL with a raised SEQUENCE to each current member.
http GET "/v1/series/$SERIES"
SEQ=$(json_get "$HTTP_BODY" sequence)
http POST "/v1/series/$SERIES/cancel"
check_eq "series cancelled" "$HTTP_STATUS" 200
expect_new_mail 3 "series cancel"
check_eq "to the current members" "$(field rcpt | sort | tr -d '\n')" \
    '["gp@surgery.example"]["nia@trust.example"]["officer@police.example"]'
check_calendars "series cancel" CANCEL
CSEQ=$(for c in $(field calendar); do $PY "$TOP/tests/tools/ical-check.py" "$c" | $PY -c 'import json,sys; print(json.load(sys.stdin)["sequence"])'; done | sort -u)
[ "$CSEQ" -gt "$SEQ" ] 2>/dev/null && ok "the CANCEL carries a raised SEQUENCE ($SEQ -> $CSEQ)" || not_ok "CANCEL SEQUENCE $CSEQ, series had $SEQ"
[ "$SEQ" -gt "$SEQ_BEFORE" ] && ok "sequence grew with the changes ($SEQ_BEFORE -> $SEQ)" || not_ok "sequence did not grow"
