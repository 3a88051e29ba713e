#!/bin/bash
# Outbox faults with the real daemon and a real SMTP server on loopback:
# SMTP down while invites are sent → queued, delivered once it is back,
# no duplicates; mdtd killed with SIGKILL halfway through a fan-out of a
# few hundred and restarted → every recipient still gets one message
# (a copy sent again after an unknown outcome carries the same
# Message-ID, so it is the same message); mdtd killed while an invite's
# fan-out job is still being expanded and restarted → the job resumes,
# one message per recipient, none missing. Also the outbox routes, roles
# and `mdt outbox`.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
FANOUT=${FANOUT:-300}

# count_status STATUS: rows of the outbox with that status (through the API).
count_status() {
    http GET "/v1/outbox?status=$1&limit=1000"
    json_get "$HTTP_BODY" "" | $PY -c 'import json,sys; print(len(json.load(sys.stdin)))'
}
# wait_sent N SECONDS
wait_sent() {
    local i n=0
    for i in $(seq 1 $(($2 * 10))); do
        n=$(count_status sent)
        [ "$n" -ge "$1" ] && break
        sleep 0.1
    done
    echo "$n"
}
# per_recipient DIR: "recipients messages distinct-ids max-ids-per-recipient missing-ids"
per_recipient() {
    $PY - "$1" <<'PYEOF'
import email, glob, sys, collections
ids = collections.defaultdict(set); copies = 0
for f in glob.glob(sys.argv[1] + "/*.eml"):
    m = email.message_from_binary_file(open(f, "rb"))
    ids[m["X-Sink-Rcpt-To"]].add(m["Message-ID"]); copies += 1
allids = [i for s in ids.values() for i in s]
print(len(ids), copies, len(set(allids)), max((len(s) for s in ids.values()), default=0),
      sum(1 for i in allids if not i))
PYEOF
}

# SMTP is down: a port that was free a moment ago, nothing listening.
mkdir -p "$T/mail1" "$T/mail2"
start_smtp_sink "$T/mail1"
PORT=$SMTP_PORT
stop_smtp_sink
start_mdtd "smtp_url = smtp://127.0.0.1:$PORT/mdt.example.org" "smtp_from = mdt@mdt.example.org" \
    "public_url = https://mdt.example.org/" "outbox_poll = 1" "outbox_backoff_min = 1" \
    "outbox_backoff_max = 2" "outbox_timeout = 10" "outbox_concurrency = 8"
pin_port

# A small list for the outage, a large one for the fan-out.
http_json POST /v1/orgs '{"name":"Mind Lewisham","kind":"vcse","email":"mind@mind.example"}'
http_json POST /v1/orgs '{"name":"Homes Trust","kind":"housing","email":"homes@trust.example"}'
check_eq "orgs created" "$HTTP_STATUS" 201
{
    echo "name,email,organisation,job_title"
    echo "Ann Chair,chair@mind.example,Mind Lewisham,MDT chair"
    for i in $(seq 1 "$FANOUT"); do echo "Member $i,m$i@trust.example,Homes Trust,Officer"; done
} >"$T/people.csv"
http POST /v1/import/people -H 'Content-Type: text/csv' --data-binary "@$T/people.csv"
check_match "people imported" "$HTTP_STATUS" '^20[01]$'
http_json POST /v1/pcns '{"name":"Lewisham North"}'
http_json POST /v1/lists '{"name":"Small","pcn":"Lewisham North"}'
http_json POST /v1/lists/Small/members '{"add":["m1@trust.example","m2@trust.example","m3@trust.example","m4@trust.example","m5@trust.example"]}'
check_eq "small list" "$HTTP_STATUS" 200
http_json POST /v1/lists '{"name":"Large","pcn":"Lewisham North"}'
ADD=$($PY -c 'import json,sys; print(json.dumps({"add":["m%d@trust.example"%i for i in range(1,int(sys.argv[1])+1)]}))' "$FANOUT")
http_json POST /v1/lists/Large/members "$ADD"
check_eq "large list of $FANOUT" "$HTTP_STATUS" 200

START=$($PY -c 'import datetime as d; print((d.date.today()+d.timedelta(days=30)).isoformat()+"T10:00")')
series() {
    http_json POST /v1/series "{\"pcn\":\"Lewisham North\",\"title\":\"$1\",
      \"rrule\":\"FREQ=MONTHLY;BYDAY=2TU\",\"start\":\"$START\",\"duration\":\"90m\",
      \"tz\":\"Europe/London\",\"list\":\"$2\",\"url\":\"https://meet.example.org/j/1\",
      \"chair\":\"chair@mind.example\"}"
    json_get "$HTTP_BODY" id
}
S1=$(series "Outage MDT" Small)
check "series for the outage" test -n "$S1"

# 1. SMTP down while invites are sent.
http POST "/v1/series/$S1/invites"
check_match "invites queued while SMTP is down" "$HTTP_STATUS" '^20[0-9]$'
for i in $(seq 1 50); do
    http GET "/v1/outbox?status=pending"
    n=$(json_get "$HTTP_BODY" "" | $PY -c 'import json,sys; print(sum(1 for r in json.load(sys.stdin) if r["attempts"] > 0 and r["last_error"]))')
    [ "$n" -ge 5 ] && break
    sleep 0.2
done
check_eq "all five tried, kept with the error" "$n" 5
check_eq "none sent" "$(count_status sent)" 0
check "listing carries no message body" $PY -c 'import json,sys
rows=json.loads(sys.argv[1])
assert rows and all(set(r) == {"id","kind","recipient","subject","ref","message_id","status","attempts","next_attempt_at","last_error","created_at","sent_at"} for r in rows), rows' "$HTTP_BODY"
run outbox --pending
expect "mdt outbox --pending lists them" 0
check_match "mdt outbox shows the recipients" "$OUT" "m1@trust.example"
# Errors: the table shows each one's first line, shortened to 60
# characters; --json has the whole text.
run outbox --pending --json
FULL=$(py 'j[0]["last_error"]')
echo "# a connection error as curl gives it: $FULL"
run outbox --pending
check_eq "the whole error is not in the table" "$(printf '%s' "$OUT" | grep -cF -- "$FULL")" 0
check_eq "its start is, at most 60 characters ending in …" "$($PY -c 'import sys
out, full = sys.argv[1], sys.argv[2]
i = out.find(full[:20]); j = out.find("…", i)
print(i >= 0 and j > i and j - i <= 59)' "$OUT" "$FULL")" True
start_smtp_sink "$T/mail1" "$PORT"
check_eq "sink back on the same port" "$SMTP_PORT" "$PORT"
check_eq "delivered once it is back" "$(wait_sent 5 30)" 5
sleep 1.5
read -r R C D MAXI _ <<<"$(per_recipient "$T/mail1")"
check_eq "five recipients" "$R" 5
check_eq "one copy each, no duplicates" "$C" 5
check_eq "five distinct Message-IDs" "$D" 5

# Routes: roles, retry of a sent message, unknown ids and bad filters.
ID1=$(json_get "$(curl -s -H "Authorization: Bearer $MDT_TOKEN" "$MDT_URL/v1/outbox?status=sent")" 0.id)
# An error of several lines (a server's multi-line reply) shows as its
# first line in the table.
sqlite3 "$T/var/mdtd.db" "UPDATE outbox SET last_error = 'SMTP 451: Failed sending data to the peer' || char(10) || '451-4.3.0 The mailbox is busy' || char(13) || char(10) || '451 4.3.0 try again later' WHERE id = $ID1"
run outbox --sent
check_match "a multi-line error: its first line in the table" "$OUT" "SMTP 451: Failed sending data to the peer *$"
check_eq "  ... and nothing of the others" "$(printf '%s' "$OUT" | grep -c 'mailbox is busy\|try again later')" 0
check_eq "  ... one line per message" "$(printf '%s\n' "$OUT" | wc -l)" "$(( $(count_status sent) + 1 ))"
run outbox --sent --json
check_eq "--json has the whole text" "$(py '[m["last_error"] for m in j if m["id"] == '"$ID1"'][0].count(chr(10))')" 2
run outbox retry "$ID1"
expect "retry of a sent message refused" 1
check_match "says it is sent" "$ERR" "sent"
check_status "retry of an unknown message: 404" 404 POST /v1/outbox/999999/retry
check_status "bad status filter: 422" 422 GET "/v1/outbox?status=lost"
PARTNER=$(new_token partner "Homes Trust")
MDT_TOKEN=$PARTNER check_status "partners cannot list the outbox" 403 GET /v1/outbox
CH=$(new_token case_holder "Mind Lewisham")
MDT_TOKEN=$CH check_status "case holders cannot retry" 403 POST "/v1/outbox/$ID1/retry"

# 2. SIGKILL halfway through a fan-out, then a restart.
stop_smtp_sink
start_smtp_sink "$T/mail2" "$PORT"
S2=$(series "Fan-out MDT" Large)
http POST "/v1/series/$S2/invites"
check_match "fan-out of $FANOUT queued" "$HTTP_STATUS" '^20[0-9]$'
for i in $(seq 1 300); do
    have=$(find "$T/mail2" -maxdepth 1 -name '*.eml' | wc -l)
    [ "$have" -ge $((FANOUT / 3)) ] && break
    sleep 0.02
done
kill_mdtd KILL
have=$(find "$T/mail2" -maxdepth 1 -name '*.eml' | wc -l)
if [ "$have" -gt 0 ] && [ "$have" -lt "$FANOUT" ]; then ok "killed halfway ($have of $FANOUT delivered)"; else
    not_ok "killed halfway ($have of $FANOUT delivered)"; fi
restart_mdtd
check_match "restart resumes the interrupted sends" "$(cat "$T/mdtd.log")" "being sent when mdtd stopped|messages? (was|were) being sent"
check_eq "every message sent after the restart" "$(wait_sent $((5 + FANOUT)) 120)" $((5 + FANOUT))
sleep 1.5
read -r R C D MAXI MISSING <<<"$(per_recipient "$T/mail2")"
check_eq "every recipient of the fan-out reached" "$R" "$FANOUT"
check_eq "one distinct message (Message-ID) per recipient" "$MAXI" 1
check_eq "as many distinct Message-IDs as recipients" "$D" "$FANOUT"
check_eq "every message has a Message-ID" "$MISSING" 0
echo "# fan-out: $C copies for $R recipients; $((C - R)) resent after the kill with their first Message-ID"

# 3. SIGKILL while the fan-out job is still being expanded: the request
# has answered, only some of the messages are queued. After the restart
# the job resumes where its last slice ended: every recipient has exactly
# one message queued and delivered, nobody is missing.
BIG=${BIG:-1500}
{
    echo "name,email,organisation,job_title"
    for i in $(seq 1 "$BIG"); do echo "Big $i,b$i@trust.example,Homes Trust,Officer"; done
} >"$T/big.csv"
http POST /v1/import/people -H 'Content-Type: text/csv' --data-binary "@$T/big.csv"
check_match "$BIG more people imported" "$HTTP_STATUS" '^20[01]$'
http_json POST /v1/lists '{"name":"Big","pcn":"Lewisham North"}'
ADD=$($PY -c 'import json,sys; print(json.dumps({"add":["b%d@trust.example"%i for i in range(1,int(sys.argv[1])+1)]}))' "$BIG")
http_json POST /v1/lists/Big/members "$ADD"
check_eq "list of $BIG" "$HTTP_STATUS" 200
S3=$(series "Big MDT" Big)
stop_smtp_sink
mkdir -p "$T/mail3"
start_smtp_sink "$T/mail3" "$PORT"
# db_counts: "rows distinct-recipients job-state" of series S3's invites.
db_counts() {
    $PY - "$T/var/mdtd.db" "$S3" <<'PYEOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=10, isolation_level=None)
ref = "series:" + sys.argv[2]
# one read transaction: the counts and the job's state from one snapshot,
# or a slice committed between the two reads reads as missing rows
db.execute("BEGIN")
n, d = db.execute("SELECT count(*), count(DISTINCT recipient) FROM outbox WHERE ref = ?", (ref,)).fetchone()
st = db.execute("SELECT group_concat(state) FROM invite_jobs WHERE series_id = ?", (int(sys.argv[2]),)).fetchone()[0]
print(n, d, st)
PYEOF
}
http POST "/v1/series/$S3/invites"
kill_mdtd KILL
check_eq "the invite request answered 202 before the messages were queued" "$HTTP_STATUS" 202
check_eq "it counted $BIG recipients" "$(json_get "$HTTP_BODY" queued)" "$BIG"
read -r N3 D3 JOB3 <<<"$(db_counts)"
if [ "$N3" -lt "$BIG" ] && [ "$JOB3" = pending ]; then ok "killed while the job was being expanded ($N3 of $BIG queued)"; else
    not_ok "killed while the job was being expanded ($N3 of $BIG queued, job $JOB3)"; fi
check_eq "no recipient queued twice before the kill" "$D3" "$N3"
restart_mdtd
check_match "the restart resumes the pending job" "$(cat "$T/mdtd.log")" "invite job left pending: resuming"
for i in $(seq 1 600); do
    read -r N3 D3 JOB3 <<<"$(db_counts)"
    [ "$JOB3" = done ] && break
    sleep 0.1
done
check_eq "the job finished after the restart" "$JOB3" done
check_eq "one message queued per recipient" "$N3 $D3" "$BIG $BIG"
for i in $(seq 1 1200); do
    have=$(find "$T/mail3" -maxdepth 1 -name '*.eml' | wc -l)
    [ "$have" -ge "$BIG" ] && break
    sleep 0.1
done
sleep 1.5
read -r R C D MAXI MISSING <<<"$(per_recipient "$T/mail3")"
check_eq "every recipient of the interrupted job reached" "$R" "$BIG"
check_eq "each with one message (Message-ID)" "$MAXI $D $MISSING" "1 $BIG 0"
echo "# interrupted job: $C copies for $R recipients; $((C - R)) resent after the kill with their first Message-ID"
stop_smtp_sink
