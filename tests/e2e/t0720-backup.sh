#!/usr/bin/env bash
# mdtd backup while the daemon serves a steady stream of writes, and
# mdtd restore: the restored database holds every write acknowledged
# before the backup began and passes SQLite's integrity check.
. "$(dirname "$0")/lib.sh"

start_mdtd "max_body = 16M"
DB=$T/var/mdtd.db

# A few megabytes of directory first, so the copy takes several steps.
python3 -c '
import sys
print("name,kind,needs,email,webhook_url")
for i in range(15000):
    print(("Padding organisation %05d " + "x" * 150 + ",vcse,housing;debt,org%05d@pad.example,https://hooks.example/%05d") % (i, i, i))
' >"$T/pad.csv"
http POST /v1/import/orgs -H 'Content-Type: text/csv' --data-binary "@$T/pad.csv"
check_eq "15000 organisations imported" "$HTTP_STATUS $(echo "$HTTP_BODY" | head -c 300)" "200 {\"created\":15000,\"updated\":0,\"unchanged\":0}"

# The write load: one POST after another; each acknowledged id is
# appended to acked as soon as its 201 arrives.
: >"$T/acked"
writer() {
    local i=0 out
    while [ ! -e "$T/stop" ]; do
        i=$((i + 1))
        out=$(curl -s -w '\n%{http_code}' -H "Authorization: Bearer $ADMIN_TOKEN" \
            -H 'Content-Type: application/json' \
            --data-binary "{\"name\":\"Load $i\",\"kind\":\"vcse\",\"email\":\"load$i@x.example\"}" \
            "$MDT_URL/v1/orgs")
        # The answer is {"id":N,...}: read N without starting a process.
        if [ "${out##*$'\n'}" = 201 ] && [[ ${out%$'\n'*} =~ ^\{\"id\":([0-9]+), ]]; then
            echo "${BASH_REMATCH[1]}" >>"$T/acked"
        fi
    done
}
writer &
WRITER=$!
while [ "$(wc -l <"$T/acked")" -lt 20 ]; do sleep 0.05; done

cp "$T/acked" "$T/acked-before"
# script(1) gives the backup a terminal, so it shows its progress.
script -qec "$MDTD backup --db $DB --to $T/backup.db" /dev/null >"$T/backup.out" 2>&1
RC=$?
cp "$T/acked" "$T/acked-after"
check_eq "backup under write load exits 0" "$RC" 0
steps=$(tr '\r' '\n' <"$T/backup.out" | grep -c 'pages)')
check_match "progress shown on a terminal, one line per step ($steps)" "$steps" '^([3-9]|[1-9][0-9]+)$'
check_match "backup reports the file" "$(cat "$T/backup.out")" "written to $T/backup.db"
"$MDTD" backup --db "$DB" --to "$T/quiet.db" >"$T/quiet.out" 2>"$T/quiet.err"
check_eq "no progress when not on a terminal" "$(cat "$T/quiet.err")" ""
check_eq "backup file mode 0600" "$(stat -c %a "$T/backup.db")" 600
check_fails "a backup is one file (no -wal beside it)" test -e "$T/backup.db-wal"
sleep 0.3
touch "$T/stop"
wait "$WRITER"
during=$(($(wc -l <"$T/acked-after") - $(wc -l <"$T/acked-before")))
# Timing decides this one: a backup faster than one write sees none.
if [ "$during" -gt 0 ]; then ok "writes went on while the backup ran ($during acknowledged meanwhile)"
else echo "ok - # SKIP the backup ended before the next write was acknowledged"; fi

check_eq "backup passes integrity_check" "$(sqlite3 "$T/backup.db" 'PRAGMA integrity_check')" ok

# Restore refuses a database the running daemon has open.
"$MDTD" restore --from "$T/backup.db" --db "$DB" >"$T/out" 2>"$T/err"
RC=$?
check_eq "restore while mdtd runs: exit 1" "$RC" 1
check_match "restore while mdtd runs: says who" "$(cat "$T/err")" "in use by process $MDTD_PID: stop mdtd first"

# A damaged backup is refused before anything is touched.
printf 'not a database at all' >"$T/junk.db"
check_fails "a file that is not a database is refused" "$MDTD" restore --from "$T/junk.db" --db "$T/other.db"
check_match "... naming the file" "$(cat "$T/err")" "junk.db: file is not a database"
check_fails "restore needs --from" "$MDTD" restore --db "$DB"
check_fails "a backup onto the database itself is refused" "$MDTD" backup --db "$DB" --to "$T/var/../var/mdtd.db"
check_match "... saying so" "$(cat "$T/err")" "the backup cannot replace the database itself"
check_fails "a restore from the database itself is refused" "$MDTD" restore --from "$T/var/../var/mdtd.db" --db "$DB"
check_match "... saying so" "$(cat "$T/err")" "is the database itself"
check_eq "the database is untouched" "$(sqlite3 "$DB" 'PRAGMA integrity_check')" ok

stop_mdtd
total=$(wc -l <"$T/acked")
sqlite3 "$DB" 'SELECT count(*) FROM orgs' >"$T/count-live"
"$MDTD" restore --from "$T/backup.db" --db "$DB" >"$T/out" 2>"$T/err"
check_eq "restore exits 0" "$?" 0
check_match "restore names the kept old database" "$(cat "$T/out")" "kept as $DB\\.pre-restore-[0-9]{8}T[0-9]{6}Z"
kept=$(sed -n 's/.*kept as //p' "$T/out")
check_eq "the old database is kept whole" "$(sqlite3 "$kept" 'SELECT count(*) FROM orgs')" "$(cat "$T/count-live")"
check_eq "restored database passes integrity_check" "$(sqlite3 "$DB" 'PRAGMA integrity_check')" ok
sqlite3 "$DB" "SELECT id FROM orgs WHERE name LIKE 'Load %'" | sort -n >"$T/restored-ids"
missing=$(sort -n "$T/acked-before" | comm -23 - "$T/restored-ids" | wc -l)
check_eq "every write acknowledged before the backup began is restored ($(wc -l <"$T/acked-before") of $total)" "$missing" 0
# One writer, one id after another: a consistent copy holds exactly the
# first k of them, k at least what was acknowledged when it began.
check_eq "the restored writes are a prefix of the acknowledged ones (no gap, nothing unknown)" \
    "$(cat "$T/restored-ids")" "$(sort -n "$T/acked" | head -n "$(wc -l <"$T/restored-ids")")"

# Onto a new machine: no database there yet.
mkdir -p "$T/new"
"$MDTD" restore --from "$T/backup.db" --db "$T/new/mdtd.db" >"$T/out" 2>"$T/err"
check_eq "restore to a new place exits 0" "$?" 0
check_eq "... says nothing about a replaced database" "$(cat "$T/out")" "$T/new/mdtd.db restored from $T/backup.db"
check_eq "... mode 0600" "$(stat -c %a "$T/new/mdtd.db")" 600
check_eq "... the same rows" "$(sqlite3 "$T/new/mdtd.db" 'SELECT count(*) FROM orgs')" "$(sqlite3 "$DB" 'SELECT count(*) FROM orgs')"

# The daemon starts on the restored database and serves it.
start_mdtd_again() {
    "$MDTD" serve --config "$T/mdtd.conf" 2>"$T/mdtd.log" &
    MDTD_PID=$!
    local i port=""
    for i in $(seq 1 200); do
        port=$(sed -n 's/.*ready on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$T/mdtd.log" | head -1)
        [ -n "$port" ] && break
        sleep 0.05
    done
    export MDT_URL="http://127.0.0.1:$port"
}
start_mdtd_again
first=$(head -1 "$T/acked-before")
check_status "restored data is served" 200 GET "/v1/orgs/$first"
