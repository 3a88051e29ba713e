#!/usr/bin/env bash
# Care plans: case → meeting → outcome (actions stay proposed) → the case
# holder confirms → each partner organisation receives its actions by
# email through a loopback SMTP server (with personal links) and a signed
# webhook (verified by the receiver) → updates from the link page (curl),
# the CLI and the API → statuses, history, 409 on a stale update; partner
# isolation (404); guessed, expired, tampered and revoked links refused;
# amendments tell only the partners affected; reminders, digests and
# escalations by the scheduler; matters arising on the agenda; closure
# and the purge (dry run, real, and by the scheduler).
. "$(dirname "$0")/lib.sh"
trap 'finish_all' EXIT
HOOK_PID=""
finish_all() {
    local rc=$?
    [ -n "$HOOK_PID" ] && kill "$HOOK_PID" 2>/dev/null && wait "$HOOK_PID" 2>/dev/null
    (exit $rc)
    finish
}
PY=/usr/bin/python3

mkdir -p "$T/hooks"
start_smtp_sink "$T/mail"
# The scheduler runs once at start and then only hourly in this first
# part, so it does not race with the checks; the second part restarts
# the daemon with short times.
COMMON=("smtp_url = $SMTP_URL" "smtp_from = mdt@mdt.example.org"
    "public_url = https://mdt.example.org/" "outbox_poll = 1" "purge_after = 0")
start_mdtd "${COMMON[@]}" "scheduler_interval = 3600"
DB=$T/var/mdtd.db

TODAY=$($PY -c 'import datetime; print(datetime.datetime.utcnow().date())')
day() { $PY -c 'import datetime,sys; print(datetime.datetime.utcnow().date() + datetime.timedelta(days=int(sys.argv[1])))' "$1"; }
# Actions are recorded due on or after the meeting (12 January 2027);
# the scheduler's part moves due dates to SOON and PAST by hand, as time
# passing would.
D_MEET=2027-01-12
NEXT=2027-01-14
LATER=2027-02-11
SOON=$(day 2)
PAST=$(day -3)

run org create --name "Mind in Lewisham" --kind vcse --email mind@example.org --needs "mental_health"
run org create --name "Lewisham Homes" --kind housing --email homes@example.org --needs housing
run org create --name "Citizens Advice" --kind vcse --email ca@example.org --needs debt
run person create --name "Ada Chair" --email chair@example.org --org "Mind in Lewisham"
run person create --name "Eve Advice" --email eve@example.org --org "Citizens Advice"
run pcn create --name "Lewisham North"
run list create --name "North MDT" --pcn "Lewisham North"
run list add "North MDT" chair@example.org eve@example.org
expect "directory set up" 0
run series create --pcn "Lewisham North" --title "North monthly MDT" --rrule "FREQ=MONTHLY;BYDAY=2TU" \
    --start 2027-01-12T10:00 --duration 2h --list "North MDT" --url https://meet.example.org/north \
    --chair chair@example.org --json
expect "series with a chair" 0
M1=$(py 'j["next_meeting"]["id"]')

# The webhook secret is made by the server and shown once.
run org webhook-secret "Lewisham Homes"
expect "mdt org webhook-secret" 0
SECRET=$OUT
check_match "the secret is shown" "$SECRET" '^whsec_[0-9a-f]{64}$'
check_match "  ... once, with how webhooks are signed" "$ERR" 'shown only this once.*X-MDT-Signature'
MDT_TOKEN=$(new_token partner "Lewisham Homes") check_status "a partner cannot make one" 403 POST "/v1/orgs/Lewisham%20Homes/webhook-secret"
$PY "$TOP/tests/tools/webhook-sink.py" --dir "$T/hooks" --secret "$SECRET" --port-file "$T/hook.port" >"$T/hook.out" 2>&1 &
HOOK_PID=$!
for i in $(seq 1 100); do [ -s "$T/hook.port" ] && break; sleep 0.05; done
run org update "Lewisham Homes" --webhook "http://127.0.0.1:$(cat "$T/hook.port")/mdt"
expect "webhook URL set" 0

HOLDER=$(new_token case_holder "Mind in Lewisham")
HOLDER2=$(new_token case_holder "Mind in Lewisham")
OTHER_HOLDER=$(new_token case_holder "Citizens Advice")
CHAIR=$(new_token chair)
P_HOMES=$(new_token partner "Lewisham Homes")
P_ADVICE=$(new_token partner "Citizens Advice")
case_body() { $PY -c 'import json,sys
print(json.dumps({"pseudonym":sys.argv[1],"age_band":"30-39","needs":["housing","debt"],
  "presentation":"PRESENTATION-TEXT","question":"Can rent arrears be paused?",
  "risk":"RISK-TEXT","meeting":int(sys.argv[2])}))' "$@"; }
MDT_TOKEN=$HOLDER http_json POST /v1/cases "$(case_body MDT-7K3Q-9XW2 "$M1")"
check_eq "case submitted" "$HTTP_STATUS" 201
C1=$(json_get "$HTTP_BODY" id)
MDT_TOKEN=$HOLDER http_json POST /v1/cases "$(case_body MDT-4H2P-0QRS "$M1")"
C2=$(json_get "$HTTP_BODY" id)

# --- outcome --------------------------------------------------------------------------------
MDT_TOKEN=$HOLDER run outcome record MDT-7K3Q-9XW2 --meeting "$M1" \
    --action "Lewisham Homes: Call the person about their tenancy" --json
expect "an action without a due date is refused" 1
check_match "the fault named" "$ERR" 'due YYYY-MM-DD'
MDT_TOKEN=$HOLDER run outcome record MDT-7K3Q-9XW2 --meeting "$M1" \
    --action "Lewisham Homes: Call John Smith on 07700 900123, due $LATER" --json
expect "an identifier in an action is refused" 1
check_match "kind and offset, never the value" "$ERR" 'actions\.0\.what: .*identifier.* at [0-9]+'
check_eq "the value is not echoed" "$(printf '%s' "$ERR" | grep -c 07700)" 0
MDT_TOKEN=$HOLDER http_json POST "/v1/cases/$C1/outcome" "{\"meeting\":$M1,\"actions\":[\"Lewisham Homes: Review, due $LATER\"],\"risk\":\"Lives at 12 Acacia Avenue SE13 6AB\"}"
check_eq "an identifier in the risk: 422" "$HTTP_STATUS" 422
check_eq "the finding names risk" "$(json_get "$HTTP_BODY" error.field)" risk
MDT_TOKEN=$OTHER_HOLDER run outcome record MDT-7K3Q-9XW2 --meeting "$M1" --action "Lewisham Homes: X, due $LATER"
expect "another organisation's case holder cannot see the case" 1
check_match "404" "$ERR" 'no such case|not found'
MDT_TOKEN=$HOLDER run outcome record MDT-7K3Q-9XW2 --meeting 999999 --action "Lewisham Homes: X, due $LATER"
expect "a meeting the case is not on is refused" 1
# Due dates: never before the meeting, nor before today.
MDT_TOKEN=$HOLDER http_json POST "/v1/cases/$C1/outcome" "{\"meeting\":$M1,\"actions\":[\"Lewisham Homes: Review, due $LATER\",\"Lewisham Homes: Visit, due 2027-01-11\"]}"
check_eq "a due date before the meeting: 422" "$HTTP_STATUS" 422
check_eq "  ... naming that action's due date" "$(json_get "$HTTP_BODY" error.field)" actions.1.due
check_match "  ... and the earliest day allowed" "$(json_get "$HTTP_BODY" error.message)" "on or after $D_MEET \(the meeting's day\)"
MDT_TOKEN=$HOLDER run outcome record MDT-7K3Q-9XW2 --meeting "$M1" --action "Lewisham Homes: X, due $LATER" \
    --action "Lewisham Homes: Y, due $PAST"
expect "mdt outcome record refuses a due date in the past" 1
check_match "  ... naming it" "$ERR" 'actions\.1\.due'
# Once the meeting has been, the earliest day is today.
sqlite3 "$DB" "UPDATE meetings SET start_at = start_at - 500*86400, end_at = end_at - 500*86400 WHERE id = $M1"
MDT_TOKEN=$HOLDER http_json POST "/v1/cases/$C1/outcome" "{\"meeting\":$M1,\"actions\":[\"Lewisham Homes: Review, due $PAST\"]}"
check_eq "after the meeting, a due date before today: 422" "$HTTP_STATUS $(json_get "$HTTP_BODY" error.field)" "422 actions.0.due"
check_match "  ... says today" "$(json_get "$HTTP_BODY" error.message)" "on or after $TODAY \(today\)"
sqlite3 "$DB" "UPDATE meetings SET start_at = start_at + 500*86400, end_at = end_at + 500*86400 WHERE id = $M1"
check_eq "nothing was recorded by the refusals" "$(sqlite3 "$DB" "SELECT count(*) FROM actions")" 0

MDT_TOKEN=$HOLDER run outcome record MDT-7K3Q-9XW2 --meeting "$M1" \
    --action "Lewisham Homes: Pause arrears action while a payment plan is agreed, due $LATER" \
    --action "Lewisham Homes: Home visit to check the heating, due $NEXT" \
    --action "Citizens Advice [eve@example.org]: Debt advice appointment, due $D_MEET" \
    --risk "Low risk; engaged with support" --json
expect "outcome recorded by the case holder" 0
A1=$(py 'j["actions"][0]["id"]'); A2=$(py 'j["actions"][1]["id"]'); A3=$(py 'j["actions"][2]["id"]')
check_eq "three actions, all proposed, none sent" "$(py '[(a["org"]["name"], a["status"], a["sent"], a["person"]) for a in j["actions"]]')" \
    "[('Lewisham Homes', 'proposed', False, None), ('Lewisham Homes', 'proposed', False, None), ('Citizens Advice', 'proposed', False, 'eve@example.org')]"
MDT_TOKEN=$HOLDER run actions
check_match "mdt actions says proposed before confirmation" "$OUT" "$A2 +MDT-7K3Q-9XW2 .* proposed "
MDT_TOKEN=$CHAIR run outcome record "$C2" --meeting "$M1" --action "Citizens Advice: Benefits check, due $LATER"
expect "the chair may record an outcome too" 0
sleep 1.5
check_eq "nothing is sent before confirmation" "$(mail_count "$T/mail")" 0
MDT_TOKEN=$P_HOMES check_status "partners do not see proposed actions" 200 GET /v1/actions
check_eq "their list is empty" "$HTTP_BODY" "[]"

# --- confirmation ---------------------------------------------------------------------------
MDT_TOKEN=$CHAIR run plan confirm MDT-7K3Q-9XW2 --agreed-on "$TODAY"
expect "the chair cannot confirm" 1
MDT_TOKEN=$HOLDER2 run plan confirm MDT-7K3Q-9XW2 --agreed-on "$TODAY"
expect "another case holder of the same organisation cannot confirm" 1
MDT_TOKEN=$OTHER_HOLDER run plan confirm MDT-7K3Q-9XW2 --agreed-on "$TODAY"
expect "a case holder cannot confirm another organisation's case" 1
MDT_TOKEN=$HOLDER run plan confirm MDT-7K3Q-9XW2 --agreed-on 2026-02-30
expect "a date that does not exist is refused" 1
MDT_TOKEN=$HOLDER run plan confirm MDT-7K3Q-9XW2 --agreed-on "$TODAY" --json
expect "the case holder confirms" 0
check_eq "the plan" "$(py '(j["plan"]["agreed_on"], j["plan"]["version"], [a["sent"] for a in j["actions"]])')" \
    "('$TODAY', 1, [True, True, True])"
check_eq "its actions are sent, no longer proposed" "$(py '[a["status"] for a in j["actions"]]')" "['sent', 'sent', 'sent']"
MDT_TOKEN=$HOLDER run plan confirm MDT-7K3Q-9XW2 --agreed-on "$TODAY"
expect "confirming twice is refused" 1
MDT_TOKEN=$HOLDER run outcome record MDT-7K3Q-9XW2 --meeting "$M1" --action "Lewisham Homes: X, due $LATER"
expect "no outcome after confirmation (amend instead)" 1

# Mail: the Homes contact (two actions), Citizens Advice's contact and
# Eve, the named professional (one action each).
mails() {
    $PY - "$T/mail" <<'EOF'
import email, email.policy, json, os, re, sys
d = sys.argv[1]
for name in sorted(os.listdir(d)):
    raw = open(os.path.join(d, name), "rb").read()
    # The sink's X-Sink-* envelope lines come first.
    m = email.message_from_bytes(raw, policy=email.policy.default)
    body = m.get_body(preferencelist=("plain",)).get_content()
    print(json.dumps({"file": name, "to": str(m["To"]), "subject": str(m["Subject"]),
                      "links": re.findall(r"https://mdt\.example\.org/v1/action-link/[0-9a-f]{64}", body),
                      "body": body.replace("\r\n", "\n")}))
EOF
}
wait_mail "$T/mail" 3 1.5
mails >"$T/mails.jsonl"
check_eq "three emails" "$(wc -l <"$T/mails.jsonl")" 3
OUT=$(cat "$T/mails.jsonl" | $PY -c 'import json,sys; print(json.dumps([json.loads(l) for l in sys.stdin]))')
check_eq "recipients and their links" "$(py 'sorted((re.sub(r".*<|>.*","",m["to"]), len(m["links"])) for m in j) if (re:=__import__("re")) else 0')" \
    "[('ca@example.org', 1), ('eve@example.org', 1), ('homes@example.org', 2)]"
check_eq "the email has the pseudonymised summary only" \
    "$(py 'all("MDT-7K3Q-9XW2" in m["body"] and "PRESENTATION" not in m["body"] and "RISK-TEXT" not in m["body"] and "Low risk" not in m["body"] for m in j)')" True
check_eq "the action and due date are in the email" "$(py '[("Home visit to check the heating\n   Due: '"$NEXT"'" in m["body"]) for m in j if "homes@" in m["to"]]')" "[True]"
HOMES_LINK_A1=$(py '[m["links"][0] for m in j if "homes@" in m["to"]][0]')
HOMES_LINK_A2=$(py '[m["links"][1] for m in j if "homes@" in m["to"]][0]')
EVE_LINK=$(py '[m["links"][0] for m in j if "eve@" in m["to"]][0]')
CA_LINK=$(py '[m["links"][0] for m in j if "ca@" in m["to"]][0]')
path_of() { printf '%s' "${1#https://mdt.example.org}"; }

# The signed webhook, verified by the receiver.
for i in $(seq 1 100); do ls "$T/hooks"/*.json >/dev/null 2>&1 && break; sleep 0.1; done
check_eq "one webhook" "$(ls "$T/hooks"/*.json 2>/dev/null | wc -l)" 1
check_eq "its signature verifies" "$(head -1 "$T/hooks/000001.meta")" valid
OUT=$(cat "$T/hooks/000001.json")
check_eq "webhook body: Homes' two actions, pseudonymised" \
    "$(py '(j["event"], j["org"]["name"], j["case"]["pseudonym"], [(a["id"], a["status"]) for a in j["actions"]], "PRESENTATION" in json.dumps(j))')" \
    "('actions.assigned', 'Lewisham Homes', 'MDT-7K3Q-9XW2', [($A1, 'sent'), ($A2, 'sent')], False)"

# --- the link page ------------------------------------------------------------------------
http GET "$(path_of "$HOMES_LINK_A1")"
check_eq "the link page opens without login" "$HTTP_STATUS" 200
check_match "it shows the action and the buttons" "$HTTP_BODY" 'Pause arrears action.*'
check_match "works on a phone" "$HTTP_BODY" 'name="viewport"'
check_match "accept, in progress, done, decline" "$HTTP_BODY" 'value="accepted".*value="in_progress"'
check_eq "no case text on it" "$(printf '%s' "$HTTP_BODY" | grep -c -e PRESENTATION -e RISK-TEXT)" 0
# A real browser at a phone's width renders the page with its three forms.
CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -n "$CHROME" ]; then
    DOM=$(timeout 90 "$CHROME" --headless --no-sandbox --disable-gpu --no-first-run \
        --user-data-dir="$T/chromium" --window-size=390,844 --dump-dom \
        "$MDT_URL$(path_of "$HOMES_LINK_A1")" 2>/dev/null)
    check_eq "chromium renders the link page's forms" "$(printf '%s' "$DOM" | grep -o '<form method="post"' | wc -l)" 3
    check_match "  ... with the accept button" "$DOM" 'value="accepted">Accept</button>'
    check_match "  ... and a decline that needs its reason" "$DOM" 'name="note"[^>]*required'
else
    echo "ok - # SKIP rendering the link page: chromium is not installed"
fi
http POST "$(path_of "$HOMES_LINK_A1")" --data-urlencode status=accepted --data-urlencode version=1
check_eq "accept from the link" "$HTTP_STATUS" 200
check_match "answered in plain words" "$HTTP_BODY" 'Thank you: recorded as accepted'
http POST "$(path_of "$HOMES_LINK_A1")" --data-urlencode status=in_progress --data-urlencode version=1
check_eq "a stale form: 409" "$HTTP_STATUS" 409
http POST "$(path_of "$CA_LINK")" --data-urlencode status=declined --data-urlencode version=1
check_eq "a decline without a reason: 422" "$HTTP_STATUS" 422
http POST "$(path_of "$EVE_LINK")" --data-urlencode status=declined \
    --data-urlencode "note=No appointments until next month; refer to StepChange" --data-urlencode version=1
check_eq "the named professional declines with a reason" "$HTTP_STATUS" 200
http POST "$(path_of "$HOMES_LINK_A2")" --data-urlencode status=done \
    --data-urlencode "note=Ring Mary Jones on 07700 900456" --data-urlencode version=1
check_eq "a note with identifiers: 422" "$HTTP_STATUS" 422
check_eq "not echoed" "$(printf '%s' "$HTTP_BODY" | grep -c 07700)" 0

# Guessed, tampered, expired and revoked links.
GUESS=$($PY -c 'import secrets; print(secrets.token_hex(32))')
check_status "a guessed link: 404" 404 GET "/v1/action-link/$GUESS"
TAMPERED=$(path_of "$HOMES_LINK_A2" | $PY -c 'import sys; s=sys.stdin.read(); print(s[:-1] + ("0" if s[-1] != "0" else "1"))')
check_status "a tampered link: 404" 404 GET "$TAMPERED"
check_status "a malformed link: 404" 404 GET "/v1/action-link/xyz"
http POST "$TAMPERED" --data-urlencode status=done
check_eq "a tampered link cannot update" "$HTTP_STATUS" 404
sqlite3 "$DB" "UPDATE action_links SET expires_at = 1 WHERE id = (SELECT min(id) FROM action_links WHERE recipient = 'ca@example.org')"
check_status "an expired link: 410" 410 GET "$(path_of "$CA_LINK")"
check_match "it says so" "$HTTP_BODY" 'expired'

# --- the CLI and the API --------------------------------------------------------------------
MDT_TOKEN=$P_HOMES run actions --json
expect "mdt actions (partner)" 0
check_eq "Homes sees its two actions only" "$(py '[(a["id"], a["status"]) for a in j]')" "[($A2, 'sent'), ($A1, 'accepted')]"
MDT_TOKEN=$P_HOMES run actions
check_match "the table says sent, not proposed" "$OUT" "$A2 +MDT-7K3Q-9XW2 .* sent "
check_eq "  ... and never proposed" "$(printf '%s' "$OUT" | grep -c proposed)" 0
MDT_TOKEN=$P_HOMES run actions --status sent --json
check_eq "mdt actions --status sent" "$(py '[a["id"] for a in j]')" "[$A2]"
MDT_TOKEN=$P_HOMES run actions --status proposed --json
check_eq "nothing of theirs is merely proposed" "$(py 'len(j)')" 0
MDT_TOKEN=$P_HOMES check_status "an unknown status filter: 422" 422 GET "/v1/actions?status=waiting"
check_eq "  ... naming the statuses" "$(json_get "$HTTP_BODY" error.message)" "status: must be proposed, sent, accepted, declined, in_progress or done"
MDT_TOKEN=$P_HOMES run action show "$A2"
check_match "mdt action show says sent" "$OUT" 'status: +sent'
check_eq "no case text in the list" "$(printf '%s' "$OUT" | grep -c -e PRESENTATION -e RISK -e question)" 0
MDT_TOKEN=$P_ADVICE run actions --overdue --json
expect "mdt actions --overdue" 0
check_eq "nothing overdue for Citizens Advice (declined)" "$(py 'len(j)')" 0
MDT_TOKEN=$P_HOMES run action update "$A1" --status in_progress --note "Payment plan drafted" --version 2
expect "update from the CLI" 0
check_match "new version" "$OUT" "now in_progress \(version 3\)"
MDT_TOKEN=$P_HOMES run action update "$A1" --status done --version 2
expect "a stale CLI update fails" 1
check_match "409 says to read again" "$ERR" 'changed since version 2'
MDT_TOKEN=$P_HOMES http_json POST "/v1/actions/$A1/updates" '{"status":"done","note":"Arrears action paused","version":3}'
check_eq "update from the API" "$HTTP_STATUS" 200
check_eq "done, with its completion time" "$(json_get "$HTTP_BODY" status) $(json_get "$HTTP_BODY" version) $([ "$(json_get "$HTTP_BODY" completed_at)" != None ] && echo set)" "done 4 set"
MDT_TOKEN=$P_HOMES http_json POST "/v1/actions/$A1/updates" '{"status":"done","version":3}'
check_eq "a stale API update: 409" "$HTTP_STATUS" 409
MDT_TOKEN=$P_HOMES http_json POST "/v1/actions/$A1/updates" '{"status":"finished"}'
check_eq "an unknown status: 422" "$HTTP_STATUS" 422
MDT_TOKEN=$P_HOMES run action show "$A1"
expect "mdt action show" 0
check_match "its history, oldest first: proposed, sent, then link, CLI, API" "$(printf '%s\n' "$OUT" | sed -n '/^History:/,$p' | awk 'NR>2 {print $2}' | tr '\n' ' ')" '^proposed sent accepted in_progress done $'
check_match "  ... with the notes" "$OUT" 'Payment plan drafted'
# Isolation.
MDT_TOKEN=$P_ADVICE check_status "another organisation's action: 404" 404 GET "/v1/actions/$A1"
MDT_TOKEN=$P_ADVICE http_json POST "/v1/actions/$A1/updates" '{"status":"declined","note":"no"}'
check_eq "and it cannot update it: 404" "$HTTP_STATUS" 404
MDT_TOKEN=$P_ADVICE run action update "$A2" --status accepted
expect "nor from the CLI" 1
MDT_TOKEN=$P_HOMES check_status "partners cannot read cases" 403 GET "/v1/cases/$C1"
MDT_TOKEN=$P_HOMES check_status "nor a case's status" 403 GET "/v1/cases/$C1/status"

# --- the case holder's view -----------------------------------------------------------------
MDT_TOKEN=$HOLDER run case status MDT-7K3Q-9XW2 --json
expect "mdt case status" 0
check_eq "statuses" "$(py '[(a["id"], a["status"], a["version"]) for a in j["actions"]]')" \
    "[($A1, 'done', 4), ($A2, 'sent', 1), ($A3, 'declined', 2)]"
check_eq "A1's history, never overwritten" "$(py '[(h["status"], h["via"], h["note"]) for h in j["actions"][0]["history"]]')" \
    "[('proposed', 'record', None), ('accepted', 'link', None), ('in_progress', 'token', 'Payment plan drafted'), ('done', 'token', 'Arrears action paused')]"
check_eq "the decline's reason" "$(py 'j["actions"][2]["history"][-1]["note"]')" "No appointments until next month; refer to StepChange"
MDT_TOKEN=$HOLDER run case status MDT-7K3Q-9XW2
expect "mdt case status (text)" 0
check_match "text shows the plan and history" "$OUT" "Plan: agreed with the person on $TODAY"
check_match "and each action" "$OUT" "declined by link: No appointments"
check_match "a sent action reads sent" "$OUT" "due $NEXT, sent, waiting for the partner's answer, version 1"
check_match "its history: proposed, then sent" "$(printf '%s\n' "$OUT" | grep -A3 'Home visit to check the heating' | tr '\n' '|')" \
    "\|      [-0-9T:+]+  proposed by [^|]*\|      [-0-9T:+]+  sent to Lewisham Homes\|"
check_match "  ... to the named professional too, before the partner's answer" "$(printf '%s\n' "$OUT" | grep -A4 'Debt advice appointment' | tr '\n' '|')" \
    "proposed by [^|]*\|      [-0-9T:+]+  sent to Citizens Advice and eve@example.org\|      [-0-9T:+]+  declined by link"
sqlite3 "$DB" "UPDATE action_updates SET status = 'done' WHERE id = 1" 2>"$T/trig.err"
check_match "history rows cannot be changed" "$(cat "$T/trig.err")" 'history'

# --- matters arising ------------------------------------------------------------------------
MDT_TOKEN=$CHAIR check_status "agenda" 200 GET "/v1/meetings/$M1/agenda"
OUT=$HTTP_BODY
check_eq "the declined action is a matter arising" "$(py '[(m["action"], m["reason"]) for m in j["matters_arising"]]')" "[($A3, 'declined')]"
MDT_TOKEN=$CHAIR run agenda "$M1"
check_match "mdt agenda gives the partner's reason for declining" "$(printf '%s\n' "$OUT" | sed -n '/^Matters arising/,$p' | tr '\n' '|')" \
    "Debt advice appointment \(due $D_MEET, declined\)\|    Reason given: No appointments until next month; refer to StepChange\|"
NMAIL=$(mail_count "$T/mail")
MDT_TOKEN=$CHAIR run agenda send "$M1"
expect "agenda sent" 0
wait_mail "$T/mail" $((NMAIL + 2)) 1
mails | tail -n +$((NMAIL + 1)) >"$T/new.jsonl"
OUT=$($PY -c 'import json,sys; print(json.dumps([json.loads(l) for l in open(sys.argv[1])]))' "$T/new.jsonl")
check_eq "the agenda email gives the reason too" "$(py '[("(due '"$D_MEET"', declined)\n    Reason given: No appointments until next month; refer to StepChange" in m["body"]) for m in j]')" "[True, True]"

# --- amendment: only the partners affected hear of it ---------------------------------------
MDT_TOKEN=$HOLDER run plan amend MDT-7K3Q-9XW2 --due "$A2=$PAST"
expect "moving a due date into the past is refused" 1
check_match "  ... naming it" "$ERR" "due\.$A2: $PAST is in the past"
MDT_TOKEN=$HOLDER run plan amend MDT-7K3Q-9XW2 --action "Citizens Advice: Benefits check, due $PAST"
expect "adding an action due in the past is refused" 1
check_match "  ... naming it" "$ERR" 'add\.0\.due'
NMAIL=$(mail_count "$T/mail")
MDT_TOKEN=$HOLDER run plan amend MDT-7K3Q-9XW2 --remove "$A3" --action "Citizens Advice: Benefits check, due $LATER" --json
expect "plan amended" 0
check_eq "plan version 2; A3 withdrawn; a new action sent" "$(py '(j["plan"]["version"], [a["removed_at"] is not None for a in j["actions"]], j["actions"][-1]["sent"])')" \
    "(2, [False, False, True, False], True)"
A4=$(py 'j["actions"][-1]["id"]')
wait_mail "$T/mail" $((NMAIL + 2)) 1.5
mails | tail -n +$((NMAIL + 1)) >"$T/new.jsonl"
OUT=$($PY -c 'import json,sys; print(json.dumps([json.loads(l) for l in open(sys.argv[1])]))' "$T/new.jsonl")
check_eq "only Citizens Advice is told (withdrawal to contact and new action)" "$(py 'sorted(m["to"].split("<")[-1].rstrip(">") for m in j)')" "['ca@example.org', 'ca@example.org']"
check_eq "no new webhook to Homes" "$(ls "$T/hooks"/*.json | wc -l)" 1
check_status "the withdrawn action's link is revoked: 410" 410 GET "$(path_of "$EVE_LINK")"
check_match "it says so" "$HTTP_BODY" 'no longer works'
MDT_TOKEN=$HOLDER run plan amend MDT-7K3Q-9XW2 --due "$A2=$LATER"
expect "moving a due date" 0
for i in $(seq 1 50); do ls "$T/hooks"/000002.json >/dev/null 2>&1 && break; sleep 0.1; done
OUT=$(cat "$T/hooks/000002.json" 2>/dev/null || echo '{}')
check_eq "Homes' webhook says which action changed" "$(py '(j.get("event"), [(a["id"], a["due"]) for a in j.get("actions", [])])')" "('actions.changed', [($A2, '$LATER')])"
check_eq "and is signed" "$(head -1 "$T/hooks/000002.meta" 2>/dev/null)" valid

# --- closure and purge ----------------------------------------------------------------------
MDT_TOKEN=$CHAIR run purge --dry-run
expect "purge --dry-run with nothing closed" 0
check_match "nothing to remove" "$OUT" 'No closed case is due for purging'
MDT_TOKEN=$HOLDER run case step-down "$C2" --json
expect "case stepped down" 0
check_eq "closure recorded" "$(py 'j["case"]["closure"]')" stepped_down
MDT_TOKEN=$HOLDER run case show "$C2"
expect "mdt case show a stepped-down case" 0
check_match "it shows the closure and when" "$OUT" "closure: +stepped down on $TODAY"
check_match "  ... and that its text is still there" "$OUT" 'purged: +no'
MDT_TOKEN=$HOLDER run case show "$C2" --json
check_eq "--json carries closure, closed_at and purged_at" "$(py '(j["closure"], j["closed_at"][:10], j["purged_at"])')" "('stepped_down', '$TODAY', None)"
MDT_TOKEN=$HOLDER run case show "$C1"
check_match "an open case shows as open" "$OUT" 'closure: +open'
MDT_TOKEN=$HOLDER run case close "$C2"
expect "a closed case cannot be closed again" 1
MDT_TOKEN=$CHAIR run purge --dry-run --json
expect "purge --dry-run" 0
check_eq "lists the stepped-down case" "$(py '(j["dry_run"], j["count"], [c["pseudonym"] for c in j["cases"]])')" "(True, 1, ['MDT-4H2P-0QRS'])"
check_eq "nothing removed by a dry run" "$(sqlite3 "$DB" "SELECT presentation FROM cases WHERE id = $C2")" "PRESENTATION-TEXT"
MDT_TOKEN=$CHAIR run purge
expect "purge" 0
check_match "says what it did" "$OUT" 'Removed the text of 1 closed case'
MDT_TOKEN=$HOLDER run case show "$C2"
check_match "mdt case show says the text was purged, and when" "$OUT" "purged: +yes, on $TODAY"
check_eq "text gone; pseudonym, dates and counts kept" \
    "$(sqlite3 "$DB" "SELECT presentation || '|' || question || '|' || risk || '|' || pseudonym || '|' || (closed_at > 0) || '|' || (purged_at > 0) || '|' || (SELECT count(*) FROM actions WHERE case_id = $C2) || '|' || (SELECT group_concat(what) FROM actions WHERE case_id = $C2) FROM cases WHERE id = $C2")" \
    "|||MDT-4H2P-0QRS|1|1|1|"
MDT_TOKEN=$P_HOMES run purge --dry-run
expect "partners cannot purge" 1

# --- the scheduler: reminders, digests, escalations, purge ----------------------------------
# A second case closed now is purged by the scheduler after the restart.
MDT_TOKEN=$HOLDER http_json POST /v1/cases "$(case_body MDT-9ZZZ-1111 "$M1")"
check_eq "third case submitted" "$HTTP_STATUS $HTTP_BODY" "201 $HTTP_BODY"
C3=$(json_get "$HTTP_BODY" id)
MDT_TOKEN=$HOLDER run case close "$C3"
expect "third case closed" 0
# A2 is due soon again (reminder), A4 overdue (digest and escalation).
sqlite3 "$DB" "UPDATE actions SET due_on = '$SOON' WHERE id = $A2; UPDATE actions SET due_on = '$PAST' WHERE id = $A4"
# Everything queued so far has gone out before counting.
for i in $(seq 1 200); do [ "$(sqlite3 "$DB" "SELECT count(*) FROM outbox WHERE status <> 'sent'")" = 0 ] && break; sleep 0.1; done
sleep 0.5
NMAIL=$(mail_count "$T/mail")
stop_mdtd
{
    echo "listen = 127.0.0.1:0"; echo "db = $DB"
    for l in "${COMMON[@]}" "scheduler_interval = 1" "action_reminder_days = 3" \
        "action_escalate_after = 0" "action_digest_interval = 3600"; do echo "$l"; done
} >"$T/mdtd.conf"
: >"$T/mdtd.log"
"$MDTD" serve --config "$T/mdtd.conf" 2>"$T/mdtd.log" &
MDTD_PID=$!
for i in $(seq 1 200); do grep -q 'ready on' "$T/mdtd.log" && break; sleep 0.05; done
export MDT_URL="http://127.0.0.1:$(sed -n 's/.*ready on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$T/mdtd.log" | head -1)"
wait_mail "$T/mail" $((NMAIL + 3)) 3 # then several scheduler passes: nothing may go twice
if [ "$MAIL_COUNT" -lt $((NMAIL + 3)) ]; then
    echo "# outbox after the restart:"
    sqlite3 "$DB" "SELECT id, kind, recipient, status, attempts, last_error FROM outbox ORDER BY id DESC LIMIT 6" | sed 's/^/#   /'
    grep -v 'http:' "$T/mdtd.log" | tail -8 | sed 's/^/#   /'
fi
[ "${MDT_KEEP:-}" ] && mails >"$T/all-mails.jsonl"
mails | tail -n +$((NMAIL + 1)) >"$T/new.jsonl"
OUT=$($PY -c 'import json,sys; print(json.dumps([json.loads(l) for l in open(sys.argv[1])]))' "$T/new.jsonl")
check_eq "reminder to Homes, digest to Citizens Advice, escalation to the chair; once each" \
    "$(py 'sorted((m["to"].split("<")[-1].rstrip(">"), m["subject"].split(":")[0]) for m in j)')" \
    "[('ca@example.org', 'Overdue MDT actions'), ('chair@example.org', 'Overdue MDT action escalated'), ('homes@example.org', 'Reminder')]"
check_eq "the reminder names the action and its due date" "$(py '[("Home visit" in m["body"], "due on '"$SOON"'" in m["body"]) for m in j if "homes@" in m["to"]]')" "[(True, True)]"
check_eq "the digest lists the overdue action" "$(py '[("action '"$A4"' (MDT-7K3Q-9XW2), due '"$PAST"'" in m["body"]) for m in j if "ca@" in m["to"]]')" "[True]"
check_eq "bookkeeping" "$(sqlite3 "$DB" "SELECT kind || ':' || key FROM plan_notices ORDER BY kind, key" | tr '\n' ' ')" \
    "digest:$(sqlite3 "$DB" "SELECT id FROM orgs WHERE name = 'Citizens Advice'") escalation:$A4 reminder:$A2 "
check_eq "the scheduler purged the third case" "$(sqlite3 "$DB" "SELECT presentation = '' AND purged_at > 0 FROM cases WHERE id = $C3")" 1
MDT_TOKEN=$P_ADVICE run actions --overdue --json
check_eq "mdt actions --overdue lists it" "$(py '[a["id"] for a in j]')" "[$A4]"
MDT_TOKEN=$CHAIR check_status "agenda" 200 GET "/v1/meetings/$M1/agenda"
OUT=$HTTP_BODY
check_eq "the overdue action is now a matter arising" "$(py '[(m["action"], m["reason"], m["status"]) for m in j["matters_arising"]]')" "[($A4, 'overdue', 'sent')]"
# A case on no later meeting: its matters arise at the PCN's next meeting;
# on a later meeting, at that one only.
M2=$(MDT_TOKEN=$CHAIR "$MDT" meeting list --json 2>/dev/null | $PY -c 'import json,sys; m=[x["id"] for x in json.load(sys.stdin)]; print(sorted(m)[1])')
sqlite3 "$DB" "UPDATE cases SET meeting_id = $M2 WHERE id = $C1"
MDT_TOKEN=$CHAIR http GET "/v1/meetings/$M1/agenda"; OUT=$HTTP_BODY
check_eq "not at the PCN's next meeting while the case is on a later one" "$(py 'len(j["matters_arising"])')" 0
MDT_TOKEN=$CHAIR http GET "/v1/meetings/$M2/agenda"; OUT=$HTTP_BODY
check_eq "but on that later meeting's agenda" "$(py '[m["action"] for m in j["matters_arising"]]')" "[$A4]"
sqlite3 "$DB" "UPDATE cases SET meeting_id = NULL WHERE id = $C1"
MDT_TOKEN=$CHAIR http GET "/v1/meetings/$M1/agenda"; OUT=$HTTP_BODY
check_eq "a case on no meeting: at the PCN's next meeting" "$(py '[m["action"] for m in j["matters_arising"]]')" "[$A4]"
MDT_TOKEN=$CHAIR http GET "/v1/meetings/$M2/agenda"; OUT=$HTTP_BODY
check_eq "and not at the one after" "$(py 'len(j["matters_arising"])')" 0
# mdt actions alone; the chair sees every organisation's.
MDT_TOKEN=$P_ADVICE run actions
expect "mdt actions with no option" 0
check_eq "a table of the organisation's actions" "$(printf '%s\n' "$OUT" | awk '{print $1, $2}' | tr '\n' ' ')" "ID CASE $A4 MDT-7K3Q-9XW2 "
MDT_TOKEN=$CHAIR run actions --json
check_eq "the chair sees all, withdrawn ones left out" "$(py 'sorted(a["id"] for a in j)')" "[$A1, $A2, $(sqlite3 "$DB" "SELECT id FROM actions WHERE case_id = $C2"), $A4]"

stop_mdtd
