#!/usr/bin/env bash
# Agendas: each slot's time, pseudonym, age band, needs and question, and
# under each case the organisations that serve its needs with capacity
# (open before limited, closed never); `mdt agenda send` queues it to the
# list's members through the outbox with pseudonymised content only; the
# scheduler queues it by itself agenda_days before the meeting.
. "$(dirname "$0")/lib.sh"

# A test SMTP URL nobody listens on: messages stay queued in the outbox.
start_mdtd "smtp_from = mdt@example.org" "smtp_url = smtp://127.0.0.1:9/example.org" \
    "scheduler_interval = 1" "agenda_days = 3"
DB=$T/var/mdtd.db
run org create --name "Mind in Lewisham" --kind vcse --email mind@example.org --needs "mental_health,isolation"
run org create --name "Lewisham Homes" --kind housing --email homes@example.org --needs housing
run org create --name "Citizens Advice" --kind vcse --email ca@example.org --needs "debt,benefits,housing"
run org create --name "Shelter Closed" --kind vcse --email shelter@example.org --needs housing
run org update "Citizens Advice" --capacity limited
run org update "Shelter Closed" --capacity closed
run org create --name "Step Change" --kind vcse --email sc@example.org --needs debt
run person create --name "Ada Chair" --email chair@example.org --org "Mind in Lewisham"
run person create --name "Cy Housing" --email cy@example.org --org "Lewisham Homes"
run person create --name "Eve Advice" --email eve@example.org --org "Citizens Advice"
run pcn create --name "Lewisham North"
run list create --name "North MDT" --pcn "Lewisham North"
run list add "North MDT" chair@example.org cy@example.org eve@example.org
expect "directory set up" 0

run series create --pcn "Lewisham North" --title "North monthly MDT" --rrule "FREQ=MONTHLY;BYDAY=2TU" \
    --start 2027-01-12T10:00 --duration 2h --list "North MDT" --url https://meet.example.org/north \
    --slots 3 --slot-minutes 15 --json
expect "series create" 0
S1=$(py 'j["id"]')
M1=$(py 'j["next_meeting"]["id"]')

HOLDER=$(new_token case_holder "Mind in Lewisham")
case_body() { python3 -c 'import json,sys
print(json.dumps({"pseudonym":sys.argv[1],"age_band":sys.argv[2],"needs":sys.argv[3].split(","),
  "presentation":"PRESENTATION-TEXT-NOT-ON-THE-AGENDA "+sys.argv[1],"question":sys.argv[4],
  "risk":"RISK-TEXT","meeting":int(sys.argv[5])}))' "$@"; }
MDT_TOKEN=$HOLDER http_json POST /v1/cases "$(case_body MDT-7K3Q-9XW2 30-39 housing,debt "Can rent arrears be paused?" "$M1")"
check_eq "first case: 201" "$HTTP_STATUS" 201
C1=$(json_get "$HTTP_BODY" id)
MDT_TOKEN=$HOLDER http_json POST /v1/cases "$(case_body MDT-4H2P-0QRS 50-59 isolation "Peer support nearby?" "$M1")"
C2=$(json_get "$HTTP_BODY" id)

# --- the agenda as JSON --------------------------------------------------------------------
check_status "GET agenda" 200 GET "/v1/meetings/$M1/agenda"
OUT=$HTTP_BODY
check_eq "meeting and series" "$(py '(j["meeting"]["id"], j["meeting"]["start"], j["series"]["title"], j["pcn"]["name"], j["slot_count"], j["slot_minutes"], j["free_slots"])')" \
    "($M1, '2027-01-12T10:00:00+00:00', 'North monthly MDT', 'Lewisham North', 3, 15, 1)"
check_eq "slots in order with their times" "$(py '[(s["slot"], s["start"][11:16], s["case"] and s["case"]["pseudonym"]) for s in j["slots"]]')" \
    "[(1, '10:00', 'MDT-7K3Q-9XW2'), (2, '10:15', 'MDT-4H2P-0QRS'), (3, '10:30', None)]"
check_eq "a case: age band, needs, question" "$(py '(j["slots"][0]["case"]["age_band"], j["slots"][0]["case"]["needs"], j["slots"][0]["case"]["question"])')" \
    "('30-39', ['housing', 'debt'], 'Can rent arrears be paused?')"
check_eq "who can help: open first, then limited, never closed" "$(py '[(o["name"], o["capacity"], o["serves"]) for o in j["slots"][0]["orgs"]]')" \
    "[('Lewisham Homes', 'open', ['housing']), ('Step Change', 'open', ['debt']), ('Citizens Advice', 'limited', ['debt', 'housing'])]"
check_eq "second case: only those serving isolation" "$(py '[o["name"] for o in j["slots"][1]["orgs"]]')" "['Mind in Lewisham']"
check_eq "no presentation or risk text on the agenda" "$(printf '%s' "$HTTP_BODY" | grep -c -e PRESENTATION-TEXT -e RISK-TEXT)" 0
PARTNER=$(new_token partner "Lewisham Homes")
MDT_TOKEN=$PARTNER check_status "a partner token cannot read agendas" 403 GET "/v1/meetings/$M1/agenda"
check_status "an unknown meeting: 404" 404 GET "/v1/meetings/999999/agenda"

# --- mdt agenda MEETING -------------------------------------------------------------------
run agenda "$M1"
expect "mdt agenda MEETING" 0
check_match "printed: the first slot" "$OUT" " 1\. 10:00  MDT-7K3Q-9XW2  age 30-39  case $C1  needs: housing, debt"
check_match "printed: the question" "$OUT" "Question: Can rent arrears be paused\?"
check_match "printed: who can help, open first" "$OUT" "- Lewisham Homes \(open; housing\)"
check_match "printed: the free slot" "$OUT" " 3\. 10:30  \(free\)"
run agenda "$M1" --json
check_eq "mdt agenda --json" "$(py 'len(j["slots"])')" 3
run agenda nonsense
expect "a meeting that is not a number: exit 2" 2
run agenda 999999
expect "an unknown meeting: exit 1" 1

# --- mdt agenda send --------------------------------------------------------------------------
run agenda send "$M1"
expect "mdt agenda send" 0
check_eq "send: queued to the three members" "$OUT" "Agenda of meeting $M1 queued to 3 people."
check_eq "three messages in the outbox, one per member" \
    "$(sqlite3 "$DB" "SELECT group_concat(recipient, ' ') FROM (SELECT recipient FROM outbox WHERE ref = 'meeting:$M1' ORDER BY recipient)")" \
    "chair@example.org cy@example.org eve@example.org"
MAIL=$(python3 - "$DB" "$M1" <<'EOF'
import sqlite3, sys, email
from email import policy
db = sqlite3.connect(sys.argv[1])
body = db.execute("SELECT body FROM outbox WHERE ref = ? ORDER BY id LIMIT 1", ("meeting:" + sys.argv[2],)).fetchone()[0]
if isinstance(body, str): body = body.encode()
m = email.message_from_bytes(body, policy=policy.default)
part = m.get_body(preferencelist=("plain",))
print(m["Subject"])
print(part.get_content())
EOF
)
check_match "the email: subject with title and time" "$MAIL" "^Agenda: North monthly MDT, Tue 12 Jan 2027, 10:00"
check_match "the email: pseudonym, needs, question" "$MAIL" "MDT-7K3Q-9XW2, age 30-39"
check_match "the email: who can help" "$MAIL" "Lewisham Homes \(open\)"
check_eq "the email: no presentation or risk text" "$(printf '%s' "$MAIL" | grep -c -e PRESENTATION-TEXT -e RISK-TEXT)" 0
check_match "agenda_sent_at set" "$(sqlite3 "$DB" "SELECT agenda_sent_at FROM meetings WHERE id = $M1")" '^[0-9]+$'
run meeting cancel "$(sqlite3 "$DB" "SELECT id FROM meetings WHERE series_id = $S1 ORDER BY start_at LIMIT 1 OFFSET 1")"
run agenda send "$(sqlite3 "$DB" "SELECT id FROM meetings WHERE series_id = $S1 ORDER BY start_at LIMIT 1 OFFSET 1")"
expect "send the agenda of a cancelled meeting: exit 1" 1

# --- the scheduler sends due agendas by itself -------------------------------------------------
SOON=$(python3 -c 'import datetime,zoneinfo
t=datetime.datetime.now(zoneinfo.ZoneInfo("Europe/London"))+datetime.timedelta(days=2)
print(t.strftime("%Y-%m-%dT10:00"))')
run series create --pcn "Lewisham North" --title "Weekly huddle" --rrule "FREQ=WEEKLY" --start "$SOON" \
    --duration 30m --list "North MDT" --url https://meet.example.org/huddle --json
expect "a weekly series starting in two days" 0
S2=$(py 'j["id"]')
SOON_M=$(py 'j["next_meeting"]["id"]')
for i in $(seq 1 50); do
    sent=$(sqlite3 "$DB" "SELECT count(*) FROM outbox WHERE ref = 'meeting:$SOON_M'")
    [ "$sent" = 3 ] && break
    sleep 0.1
done
check_eq "the scheduler queued the agenda of the meeting in two days" "$sent" 3
check_eq "only that one: the meeting a week later is not due" \
    "$(sqlite3 "$DB" "SELECT count(*) FROM meetings WHERE series_id = $S2 AND agenda_sent_at IS NOT NULL")" 1
sleep 1.5
check_eq "and only once" "$(sqlite3 "$DB" "SELECT count(*) FROM outbox WHERE ref = 'meeting:$SOON_M'")" 3
check_match "the scheduler logged it" "$(cat "$T/mdtd.log")" "scheduler: meeting $SOON_M: agenda queued to 3 people"

# --- the scheduler tops up the horizon -----------------------------------------------------------
sqlite3 "$DB" "DELETE FROM meetings WHERE series_id = $S2 AND start_at > strftime('%s','now') + 60*86400 AND agenda_sent_at IS NULL; UPDATE series SET expanded_to = strftime('%s','now') + 60*86400 WHERE id = $S2"
for i in $(seq 1 50); do
    n=$(sqlite3 "$DB" "SELECT count(*) FROM meetings WHERE series_id = $S2")
    [ "$n" -ge 52 ] && break
    sleep 0.1
done
check_eq "the scheduler expanded the weekly series back to 12 months" "$(sqlite3 "$DB" "SELECT count(*) >= 52 FROM meetings WHERE series_id = $S2")" 1

# --- mdt case submit: --meeting and --next --------------------------------------------------
CORPUS=$SHARED/corpus/deid-dev/cases
run key init
expect "key init" 0
MDT_TOKEN=$HOLDER run case submit "$CORPUS/case-01.json" --meeting "$M1" --yes
expect "case submit --meeting" 0
check_match "submit: the meeting, the slot and its time" "$OUT" "meeting $M1, slot 3 at 2027-01-12T10:30:00\+00:00\)\.$"
MDT_TOKEN=$HOLDER run case submit "$CORPUS/case-07.json" --meeting "$M1" --yes
expect "case submit to a full meeting: exit 1" 1
check_match "full: the next meeting with room is named" "$ERR" "meeting $M1 is full \(3 slots\); the next meeting with room is [0-9]+ on 2027-03-09T10:00" # February was cancelled above
MDT_TOKEN=$HOLDER run case submit "$CORPUS/case-07.json" --next "Lewisham North" --yes --json
expect "case submit --next PCN" 0
check_eq "--next: the PCN's soonest meeting with room (of any series)" "$(py 'j["meeting"]["id"]')" "$SOON_M"

# --- invites follow slot changes: one message per person per change ---------------------------
run series create --pcn "Lewisham North" --title "Invited MDT" --rrule "FREQ=MONTHLY;BYDAY=1WE" \
    --start 2027-02-03T09:30 --duration 1h --list "North MDT" --url https://meet.example.org/inv --json
S3=$(py 'j["id"]')
S3UID=$(py 'j["uid"]')
S3M1=$(py 'j["next_meeting"]["id"]')
run invite send "$S3"
expect "invite send" 0
mails() { sqlite3 "$DB" "SELECT count(*) FROM outbox WHERE kind = 'mail'"; }
to_chair() { sqlite3 "$DB" "SELECT count(*) FROM outbox WHERE kind = 'mail' AND recipient = 'chair@example.org'"; }
run token create --role case_holder --name "Ada's laptop" --org "Mind in Lewisham" --person chair@example.org --json
ADA=$(py 'j["token"]')
n0=$(mails)
MDT_TOKEN=$ADA http_json POST /v1/cases "$(case_body MDT-9XW2-7K3Q 40-49 housing "Any housing help?" "$S3M1")"
check_eq "a case placed: one slot invite to its holder" "$(( $(mails) - n0 ))" 1
n0=$(mails) c0=$(to_chair)
run meeting move "$S3M1" --start 2027-02-04T09:30
check_eq "a meeting with a case moved: one message to each of 3 members, the holder's slot in one more" \
    "$(( $(mails) - n0 )) $(( $(to_chair) - c0 ))" "4 2"
n0=$(mails) c0=$(to_chair)
run meeting cancel "$S3M1"
check_eq "cancelled: the series update to each member, the holder's slot moved once" \
    "$(( $(mails) - n0 )) $(( $(to_chair) - c0 ))" "4 2"

# --- apologies: who declined the meeting is on its agenda ------------------------------------
S3M2=$(sqlite3 "$DB" "SELECT id FROM meetings WHERE series_id = $S3 AND status = 'scheduled' ORDER BY start_at LIMIT 1")
S3M3=$(sqlite3 "$DB" "SELECT id FROM meetings WHERE series_id = $S3 AND status = 'scheduled' ORDER BY start_at LIMIT 1 OFFSET 1")
for i in $(seq 1 100); do
    [ "$(sqlite3 "$DB" "SELECT count(*) FROM invitations WHERE series_id = $S3 AND case_id = 0")" = 3 ] && break
    sleep 0.1
done
# Eve declines the whole series by iMIP REPLY; Cy declines only the next
# meeting from the RSVP link in his invite.
printf 'BEGIN:VCALENDAR\r\nPRODID:-//t//t//EN\r\nVERSION:2.0\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:%s\r\nDTSTAMP:20270101T000000Z\r\nATTENDEE;PARTSTAT=DECLINED:mailto:eve@example.org\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n' "$S3UID" >"$T/reply.ics"
check_status "Eve declines the series" 200 POST /v1/imip -H 'Content-Type: text/calendar' --data-binary @"$T/reply.ics"
CY_RSVP=$(python3 - "$DB" "$S3" <<'EOF'
import sqlite3, sys, re, email
from email import policy
db = sqlite3.connect(sys.argv[1])
for (body,) in db.execute("SELECT body FROM outbox WHERE recipient = 'cy@example.org' AND ref = ? ORDER BY id", ("series:" + sys.argv[2],)):
    if isinstance(body, str): body = body.encode()
    m = email.message_from_bytes(body, policy=policy.default)
    text = m.get_body(preferencelist=("plain",)).get_content()
    r = re.search(r"/v1/rsvp/([0-9a-f]{64})", text)
    if r: print(r.group(1)); break
EOF
)
check_status "Cy declines the next meeting only" 200 POST "/v1/rsvp/$CY_RSVP?answer=declined&meeting=$S3M2"
check_status "agenda of that meeting" 200 GET "/v1/meetings/$S3M2/agenda"
OUT=$HTTP_BODY
check_eq "apologies: both, by organisation, each for what they declined" \
    "$(py '[(a["person"]["name"], a["org"]["name"], a["for"], a["answered_at"] is not None) for a in j["apologies"]]')" \
    "[('Eve Advice', 'Citizens Advice', 'series', True), ('Cy Housing', 'Lewisham Homes', 'meeting', True)]"
http GET "/v1/meetings/$S3M3/agenda"; OUT=$HTTP_BODY
check_eq "the meeting after: Eve only" "$(py '[a["person"]["name"] for a in j["apologies"]]')" "['Eve Advice']"
run agenda "$S3M2"
expect "mdt agenda with apologies" 0
check_match "mdt agenda lists who declined" "$(printf '%s\n' "$OUT" | sed -n '/^Apologies/,$p' | tr '\n' '|')" \
    '^Apologies \(declined the invitation\):\|  - Eve Advice \(Citizens Advice\), for the whole series\|  - Cy Housing \(Lewisham Homes\)\|$'
run agenda send "$S3M2"
expect "agenda with apologies sent" 0
MAIL=$(python3 - "$DB" "$S3M2" <<'EOF'
import sqlite3, sys, email
from email import policy
db = sqlite3.connect(sys.argv[1])
body = db.execute("SELECT body FROM outbox WHERE ref = ? ORDER BY id LIMIT 1", ("meeting:" + sys.argv[2],)).fetchone()[0]
if isinstance(body, str): body = body.encode()
print(email.message_from_bytes(body, policy=policy.default).get_body(preferencelist=("plain",)).get_content())
EOF
)
check_match "the agenda email lists who declined" "$(printf '%s\n' "$MAIL" | tr -d '\r' | sed -n '/^Apologies/,/^$/p' | tr '\n' '|')" \
    '^Apologies \(declined the invitation\):\|  - Eve Advice \(Citizens Advice\), for the whole series\|  - Cy Housing \(Lewisham Homes\)\|\|$'

stop_mdtd
