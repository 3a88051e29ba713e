#!/usr/bin/env bash
# A full disk, made real with a file size limit on the running daemon
# (prlimit --fsize, which the kernel enforces on every file mdtd writes):
# changes fail with 503 and a log line that says why, reads go on
# working, nothing acknowledged is lost, and once there is room again
# the same process takes writes without a restart or a repair.
. "$(dirname "$0")/lib.sh"
trap 'finish' EXIT

start_mdtd
DB=$T/var/mdtd.db
PID=$MDTD_PID
# Room for a little more than what is there now.
size() { local n=0 f; for f in "$DB" "$DB-wal"; do [ -f "$f" ] && n=$((n + $(stat -c %s "$f"))); done; echo $n; }
LIMIT=$(( $(stat -c %s "$DB") + 262144 ))
check "the limit is set on the running daemon" prlimit --pid "$PID" --fsize="$LIMIT:"

acked=0 refused=0 other=""
for i in $(seq 1 400); do
    http_json POST /v1/orgs "{\"name\": \"Full $i $(printf 'x%.0s' $(seq 1 150))\", \"kind\": \"vcse\", \"email\": \"f$i@example.org\"}"
    case $HTTP_STATUS in
    201) acked=$((acked + 1)); echo "$i" >>"$T/acked" ;;
    503) refused=$((refused + 1)); [ "$refused" -ge 5 ] && break ;;
    *) other="$other $HTTP_STATUS" ;;
    esac
done
check_match "writes were acknowledged until the disk filled ($acked)" "$acked" '^[1-9][0-9]*$'
check_eq "then refused with 503, nothing else" "$refused${other}" 5
check_eq "  ... as unavailable" "$(json_get "$HTTP_BODY" error.code)" unavailable
check_match "the log says why" "$(cat "$T/mdtd.log")" 'db: commit: .*the disk may be full or failing; changes are refused until there is room'
check_status "reads go on working" 200 GET /v1/orgs
check_eq "  ... with every acknowledged organisation" "$(json_get "$HTTP_BODY" | python3 -c 'import json,sys; print(sum(1 for o in json.load(sys.stdin) if o["name"].startswith("Full ")))')" "$acked"
check_status "health still answers" 200 GET /v1/health

# Room again: the same process takes writes.
check "the limit is lifted" prlimit --pid "$PID" --fsize=unlimited:
http_json POST /v1/orgs '{"name": "After the disk was freed", "kind": "vcse", "email": "after@example.org"}'
check_eq "a write succeeds without a restart" "$HTTP_STATUS" 201
check_eq "the same process" "$MDTD_PID" "$PID"
stop_mdtd
check_eq "integrity_check" "$(sqlite3 "$DB" 'PRAGMA integrity_check')" ok
check_eq "every acknowledged write is in the file" \
    "$(sqlite3 "$DB" "SELECT count(*) FROM orgs WHERE name LIKE 'Full %'")" "$acked"
check_eq "  ... and the one after" "$(sqlite3 "$DB" "SELECT count(*) FROM orgs WHERE name = 'After the disk was freed'")" 1
