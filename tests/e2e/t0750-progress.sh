#!/usr/bin/env bash
# Long operations show progress on a terminal and stay quiet otherwise:
# mdt import of a large CSV (libcurl's progress meter), under script(1)
# for a terminal and with plain pipes without one.
. "$(dirname "$0")/lib.sh"

start_mdtd "max_body = 16M" "smtp_from = mdt@example.org" "smtp_url = smtp://127.0.0.1:9/example.org"
python3 -c '
print("name,kind,needs,email,webhook_url")
for i in range(15000):
    print(("Organisation %05d " + "x" * 120 + ",vcse,housing;debt,org%05d@x.example,") % (i, i))
' >"$T/orgs.csv"

# tty CMD...: runs CMD with a terminal as stdin, stdout and stderr.
tty() { script -qec "$(printf '%q ' "$@")" /dev/null; }

tty "$MDT" import orgs "$T/orgs.csv" >"$T/tty.out" 2>&1
lines=$(tr '\r' '\n' <"$T/tty.out")
check_match "on a terminal: the upload's progress" "$lines" "orgs\\.csv: sent +[0-9]+% \\([0-9]+ of [0-9]+ KiB\\)"
check_match "... up to 100%, then the server's check" "$lines" "sent 100% \\([0-9]+ of [0-9]+ KiB\\); the server is checking every row"
steps=$(printf '%s\n' "$lines" | grep -c 'sent ')
check_match "... in several steps ($steps)" "$steps" '^([2-9]|[1-9][0-9]+)$'
check_match "... and the result" "$lines" "orgs\\.csv: 15000 created, 0 updated, 0 unchanged"

"$MDT" import orgs "$T/orgs.csv" >"$T/out" 2>"$T/err"
check_eq "not on a terminal: nothing on stderr" "$(cat "$T/err")" ""
check_eq "... only the result on stdout" "$(cat "$T/out")" "$T/orgs.csv: 0 created, 0 updated, 15000 unchanged"

# A refused file on a terminal: the progress, then the same report as without one.
printf 'name,kind,needs,email\nX,bakery,,x@x.example\n' >"$T/bad.csv"
tty "$MDT" import orgs "$T/bad.csv" >"$T/tty.out" 2>&1
RC=$?
check_eq "refused on a terminal: exit 1" "$RC" 1
out=$(tr -d '\r' <"$T/tty.out")
check_match "... the server's reason" "$out" "mdt: 1 problem in the file: nothing was imported \\(HTTP 422 invalid\\)"
check_match "... the rows at fault" "$out" "2 +kind +not one of the allowed kinds"
check_match "... and the summary" "$out" "bad\\.csv: 1 row refused; nothing was imported"
"$MDT" import orgs "$T/bad.csv" >"$T/out" 2>"$T/err"
check_eq "the same report without a terminal (stdout)" "$(cat "$T/out")" "$(printf '%s\n' "$out" | grep -E '^(ROW|2 )')"

# A wrong token on a terminal: the server's message.
MDT_TOKEN=mdt_$(printf '%064d' 0) tty "$MDT" import orgs "$T/bad.csv" >"$T/tty.out" 2>&1
check_match "a refused token on a terminal: the server's message" "$(tr -d '\r' <"$T/tty.out")" 'HTTP 401'
# Nobody listening.
MDT_URL=http://127.0.0.1:1 tty "$MDT" import orgs "$T/bad.csv" >"$T/tty.out" 2>&1
check_match "no server on a terminal: cannot reach" "$(tr -d '\r' <"$T/tty.out")" 'mdt: cannot reach http://127\.0\.0\.1:1'

# An invite fan-out: on a terminal mdt follows the server's job until every
# message is queued; elsewhere it returns at once.
"$MDT" pcn create --name "Fan PCN" >/dev/null
python3 -c '
print("name,email,organisation,job_title")
for i in range(400):
    print("Person %03d,p%03d@fan.example,Organisation 00001 %s," % (i, i, "x" * 120))
' >"$T/people.csv"
"$MDT" import people "$T/people.csv" >/dev/null
"$MDT" list create --name "Fan list" --pcn "Fan PCN" >/dev/null
"$MDT" list add "Fan list" $(seq -f 'p%03g@fan.example' 0 399) >/dev/null
series() {
    "$MDT" series create --pcn "Fan PCN" --title "$1" --rrule "FREQ=MONTHLY;BYDAY=2TU" \
        --start 2027-01-12T10:00 --duration 90m --list "Fan list" --url https://meet.example.org/f \
        --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}
S1=$(series "Fan one"); S2=$(series "Fan two")
tty "$MDT" invite send "$S1" >"$T/tty.out" 2>&1
lines=$(tr '\r' '\n' <"$T/tty.out")
check_match "invite send on a terminal: the job's progress" "$lines" "composing invites: [0-9]+ messages queued for 400 people"
check_match "... until it is done" "$lines" "composing invites: 400 messages queued for 400 people - done"
"$MDT" invite send "$S2" >"$T/out" 2>"$T/err"
check_eq "not on a terminal: nothing on stderr" "$(cat "$T/err")" ""
check_match "... the answer on stdout" "$(cat "$T/out")" "invites queued for 400 people"
