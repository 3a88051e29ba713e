#!/usr/bin/env bash
# The purge in batches: POST /v1/purge takes a bounded limit and says how
# many cases remain; mdt purge repeats it until none do, with a progress
# line on a terminal and nothing on stderr without one, and prints the
# whole run's answer as one request's; the scheduler purges one batch a
# pass. Thousands of closed cases come from scripts/gen-national.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3

# No scheduler pass during the first part (one runs at start only).
start_mdtd "scheduler_interval = 86400" "purge_after = 2592000"
DB=$T/var/mdtd.db
"$TOP/scripts/gen-national" --scale 24 "$DB" >"$T/gen.json"
N=$(sqlite3 "$DB" "SELECT count(*) FROM cases")
check_match "the generator wrote a few thousand cases ($N)" "$N" '^[1-9][0-9]{3}$'
# Three sets of closed cases: for mdt on a terminal, without one, and
# for the scheduler; a fourth closed too recently stays.
A=$((N / 2)); B=$((N * 3 / 4)); C=$((N - 10))
sqlite3 "$DB" "UPDATE cases SET closure = 'closed', closed_at = strftime('%s','now') - 40 * 86400 WHERE id <= $A;
               UPDATE cases SET closure = 'stepped_down', closed_at = strftime('%s','now') - 86400 WHERE id > $C;
               UPDATE outcomes SET risk = 'outcome risk';
               UPDATE action_updates SET note = 'a note' WHERE status = 'declined'"
CHAIR=$(new_token chair)
# pyb EXPR: py over the last check_status's body.
pyb() { OUT=$HTTP_BODY py "$1"; }
export MDT_TOKEN=$CHAIR

# --- the API ---------------------------------------------------------------------------------
for bad in "limit=0" "limit=1001" "limit=abc" "limit=" "after=-1" "after=1x"; do
    check_status "POST /v1/purge?$bad is refused" 422 POST "/v1/purge?dry_run=1&$bad"
    check_eq "... naming the field" "$(pyb 'j["error"]["field"]')" "${bad%%=*}"
done
check_status "a dry run of 50" 200 POST "/v1/purge?dry_run=1&limit=50"
check_eq "50 listed, the rest remain, the last id given" \
    "$(pyb '(j["count"], len(j["cases"]), j["remaining"], j["limit"], j["last_id"], j["cases"][0]["id"])')" \
    "(50, 50, $((A - 50)), 50, 50, 1)"
check_status "the next page of the dry run" 200 POST "/v1/purge?dry_run=1&limit=50&after=50"
check_eq "starts after it" "$(pyb '(j["count"], j["cases"][0]["id"], j["remaining"])')" "(50, 51, $((A - 100)))"
check_status "without a limit: the default batch" 200 POST "/v1/purge?dry_run=1"
check_eq "of 200" "$(pyb '(j["count"], j["limit"])')" "(200, 200)"
check_eq "dry runs remove nothing" "$(sqlite3 "$DB" "SELECT count(*) FROM cases WHERE purged_at IS NOT NULL")" 0

# --- mdt purge --dry-run: every page -------------------------------------------------------
"$MDT" purge --dry-run --json >"$T/dry.json" 2>"$T/err"
check_eq "mdt purge --dry-run lists every due case, quietly" \
    "$($PY -c 'import json,sys; j=json.load(open(sys.argv[1])); c=[x["id"] for x in j["cases"]]
print(j["dry_run"], j["count"], len(c), c == sorted(set(c)), j["remaining"], j["batches"], j["purge_after_seconds"])' "$T/dry.json")|$(cat "$T/err")" \
    "True $A $A True 0 $(((A + 199) / 200)) 2592000|"

# --- on a terminal: progress ---------------------------------------------------------------
tty() { script -qec "$(printf '%q ' "$@")" /dev/null; }
S=$(date +%s%N)
tty "$MDT" purge >"$T/tty.out" 2>&1
MS=$((($(date +%s%N) - S) / 1000000))
lines=$(tr '\r' '\n' <"$T/tty.out")
check_match "on a terminal: purged N of M" "$lines" "^purged 200 of $A closed cases\\.\\.\\.$"
steps=$(printf '%s\n' "$lines" | grep -c '^purged [0-9]* of')
check_eq "... one line per batch, then done ($steps)" "$steps" "$(((A + 199) / 200))"
check_match "... until done" "$lines" "^purged $A of $A closed cases - done$"
check_match "... and the usual answer" "$lines" "^Removed the text of $A closed cases:"
check_eq "every due case's text is gone, in each table" \
    "$(sqlite3 "$DB" "SELECT (SELECT count(*) FROM cases WHERE purged_at IS NOT NULL AND presentation = '' AND id <= $A),
        (SELECT count(*) FROM cases WHERE purged_at IS NOT NULL),
        (SELECT count(*) FROM outcomes WHERE risk IS NULL), (SELECT count(*) FROM actions WHERE what = '' AND case_id <= $A),
        (SELECT count(*) FROM actions WHERE case_id <= $A),
        (SELECT count(*) FROM action_updates u JOIN actions a ON a.id = u.action_id WHERE a.case_id <= $A AND u.note IS NOT NULL)")" \
    "$A|$A|$A|$((A * 5))|$((A * 5))|0"
batches=$(grep -c 'http: POST /v1/purge 200' "$T/mdtd.log")
slowest=$(sed -n 's/.*http: POST \/v1\/purge 200 \([0-9.]*\)ms.*/\1/p' "$T/mdtd.log" | sort -n | tail -1)
echo "# purge of $A cases ($((A * 5)) actions) on a terminal: $MS ms in $(((A + 199) / 200)) batches; slowest request ${slowest} ms"

# --- without a terminal: quiet -----------------------------------------------------------------
sqlite3 "$DB" "UPDATE cases SET closure = 'closed', closed_at = strftime('%s','now') - 40 * 86400 WHERE id > $A AND id <= $B"
"$MDT" purge >"$T/out" 2>"$T/err"
check_eq "without a terminal: nothing on stderr" "$(cat "$T/err")" ""
check_eq "... the answer on stdout" "$(head -1 "$T/out")" "Removed the text of $((B - A)) closed cases:"
check_eq "... with a row per case" "$(($(wc -l <"$T/out") - 2))" "$((B - A))"
"$MDT" purge >"$T/out" 2>"$T/err"
check_eq "then nothing is due" "$(cat "$T/out")|$(cat "$T/err")" "No closed case is due for purging.|"
check_eq "the cases closed yesterday stay" "$(sqlite3 "$DB" "SELECT count(*) FROM cases WHERE id > $C AND purged_at IS NULL AND presentation <> ''")" 10

# --- the scheduler: a batch per pass -----------------------------------------------------------
stop_mdtd
sqlite3 "$DB" "UPDATE cases SET closure = 'closed', closed_at = strftime('%s','now') - 40 * 86400 WHERE id > $B AND id <= $C"
pin_port
sed -i 's/^scheduler_interval = .*/scheduler_interval = 1/' "$T/mdtd.conf"
restart_mdtd
for i in $(seq 1 $((100 * ${MDT_TEST_TIMEOUT_MULTIPLIER:-1}))); do
    [ "$(sqlite3 "$DB" "SELECT count(*) FROM cases WHERE id > $B AND id <= $C AND purged_at IS NULL")" = 0 ] && break
    sleep 0.2
done
check_eq "the scheduler purged them all" "$(sqlite3 "$DB" "SELECT count(*) FROM cases WHERE id > $B AND id <= $C AND purged_at IS NULL")" 0
sizes=$(sed -n 's/.*purge: text of \([0-9]*\) closed case.*/\1/p' "$T/mdtd.log" | tail -n +$(((A + 199) / 200 + (B - A + 199) / 200 + 1)) | tr '\n' ' ')
check_eq "... in batches of 200 at most, one a pass ($sizes)" \
    "$(for s in $sizes; do [ "$s" -le 200 ] || echo big; done)$(echo "$sizes" | wc -w)" "$(((C - B + 199) / 200))"
check_match "... saying how many were left" "$(cat "$T/mdtd.log")" "scheduler: [0-9]+ closed cases left to purge at the next passes"
check_eq "the recent closures still stay" "$(sqlite3 "$DB" "SELECT count(*) FROM cases WHERE purged_at IS NULL")" "10"
stop_mdtd
