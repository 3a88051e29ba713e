#!/usr/bin/env bash
# A read-only database, made real two ways. (1) A read-only file system:
# mdtd starts in a private mount namespace on a read-only bind mount of
# its database directory (EROFS for every write, root included), then the
# mount is made writable under the running daemon. (2) File modes: mdtd
# runs as nobody (root would bypass them) and its database is made 0444,
# once while it runs (an open file keeps the mode it was opened with, so
# nothing changes), then across a restart, then after a crash with frames
# still in the WAL, and with a read-only directory. (3) EROFS on the open files of a running daemon
# (strace's fault injection: see below). In each case changes are answered 503 with a JSON
# error naming the cause, one log line says what to check (not one per
# request), reads and GET /v1/health go on (health says read-only), and
# once the files can be written the same process takes changes: no
# restart, no repair, integrity_check ok, every acknowledged change kept.
. "$(dirname "$0")/lib.sh"
trap 'finish' EXIT
# Mount namespaces, chown and setpriv need root (or CAP_SYS_ADMIN and
# CAP_SETUID); without them there is nothing real to test here.
if [ "$(id -u)" != 0 ] || ! unshare -m --propagation private true 2>/dev/null ||
    ! command -v setpriv >/dev/null || ! command -v nsenter >/dev/null; then
    ok "# SKIP needs root with unshare, nsenter and setpriv"
    exit 0
fi

DB=$T/var/mdtd.db
RO_LINE='db: .* is read-only \('
RW_LINE='db: .* can be written again: changes are taken'
start_mdtd "outbox_poll = 1"
for i in $(seq 1 20); do
    http_json POST /v1/orgs "{\"name\": \"Before $i\", \"kind\": \"vcse\", \"email\": \"b$i@example.org\"}"
done
check_eq "20 organisations written" "$(sqlite3 "$DB" "SELECT count(*) FROM orgs WHERE name LIKE 'Before %'")" 20
ADMIN=$ADMIN_TOKEN
stop_mdtd
check_fails "a clean stop leaves no -wal file" test -e "$DB-wal"

# serve LOG PREFIX...: runs "PREFIX... mdtd serve --config CONF" (the
# prefix ends with the command that execs mdtd), waits for it.
serve() {
    local log=$1 port="" i n; shift
    n=$(cat "$log" 2>/dev/null | grep -c 'ready on')
    "$@" 2>>"$log" &
    MDTD_PID=$!
    for i in $(seq 1 $((200 * ${MDT_TEST_TIMEOUT_MULTIPLIER:-1}))); do
        port=$(sed -n 's/.*ready on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | sed -n "$((n + 1))p")
        [ -n "$port" ] && break
        kill -0 "$MDTD_PID" 2>/dev/null || break
        sleep 0.05
    done
    if [ -z "$port" ]; then echo "# mdtd did not start:"; sed 's/^/#   /' "$log"; exit 1; fi
    export MDT_URL="http://127.0.0.1:$port" MDT_TOKEN=$ADMIN
}
# refused N TAG: N changes, each must be 503 unavailable naming read-only.
refused() {
    local n=$1 tag=$2 bad=0 i
    for i in $(seq 1 "$n"); do
        http_json POST /v1/orgs "{\"name\": \"$tag $i\", \"kind\": \"vcse\", \"email\": \"r$i@example.org\"}"
        if [ "$HTTP_STATUS" != 503 ] || [ "$(json_get "$HTTP_BODY" error.code)" != unavailable ] ||
            ! json_get "$HTTP_BODY" error.message | grep -q 'read-only'; then
            bad=$((bad + 1)); echo "#   $HTTP_STATUS $HTTP_BODY"
        fi
    done
    check_eq "$n changes answered 503 unavailable, naming read-only" "$bad" 0
}
count() { grep -cE -- "$2" "$1"; }
# wait_for LOG REGEX N: until LOG has N lines matching REGEX (5 s at most).
wait_for() { local i; for i in $(seq 1 100); do [ "$(count "$1" "$2")" -ge "$3" ] && return; sleep 0.05; done; }
orgs_seen() { http GET /v1/orgs; json_get "$HTTP_BODY" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

# 1. A read-only file system at start.
mkdir -p "$T/ro"
sed "s|^db = .*|db = $T/ro/mdtd.db|" "$T/mdtd.conf" >"$T/ro.conf"
LOG1=$T/ro.log
serve "$LOG1" unshare -m --propagation private sh -c \
    'mount --bind "$1" "$2" && mount -o remount,bind,ro "$2" && exec "$3" serve --config "$4"' \
    sh "$T/var" "$T/ro" "$MDTD" "$T/ro.conf"
wait_for "$LOG1" "$RO_LINE" 1
check_match "read-only mount: mdtd starts and says why once" "$(grep -E "$RO_LINE" "$LOG1")" \
    'is read-only \(read-only file system\): changes are answered 503 and reads go on; check that the file system is not mounted read-only'
http GET /v1/health
check_eq "health answers 200" "$HTTP_STATUS" 200
check_eq "  ... database read-only" "$(json_get "$HTTP_BODY" database)" read-only
check_eq "  ... status degraded" "$(json_get "$HTTP_BODY" status)" degraded
check_eq "reads go on: every organisation" "$(orgs_seen)" 20
refused 30 "Refused"
check_eq "one log line for the read-only state, not one per request" "$(count "$LOG1" "$RO_LINE")" 1
check_eq "no warning from SQLite per request" "$(count "$LOG1" 'sqlite: ')" 0
check_status "a read after the refusals" 200 GET /v1/orgs/Before%201
check_status "a report (read on a connection of its own) is answered" 200 GET "/v1/reports?from=2026-01-01&to=2026-12-31"
check_eq "  ... and adds no read-only line" "$(count "$LOG1" "$RO_LINE")" 1
# A backup taken off the read-only file system, beside the running daemon.
check "mdtd backup copies the database off the read-only file system" \
    nsenter -t "$MDTD_PID" -m "$MDTD" backup --db "$T/ro/mdtd.db" --to "$T/ro-backup.db"
check_eq "  ... every organisation is in the copy" \
    "$(sqlite3 "$T/ro-backup.db" "SELECT count(*) FROM orgs WHERE name LIKE 'Before %'")" 20
check "the mount is made writable under the running daemon" \
    nsenter -t "$MDTD_PID" -m mount -o remount,bind,rw "$T/ro"
# No request: the outbox's retry (outbox_poll = 1 s) finds it writable.
n=$(grep -c 'http: ' "$LOG1")
for i in $(seq 1 60); do grep -q 'the outbox has started' "$LOG1" && break; sleep 0.1; done
check_eq "with no request, the database is taken back and the outbox, which could not start, starts" \
    "$(count "$LOG1" "$RW_LINE")/$(count "$LOG1" 'the outbox cannot start \(is the database read-only\?\)')/$(count "$LOG1" 'the outbox has started')/$(grep -c 'http: ' "$LOG1")" "1/1/1/$n"
http_json POST /v1/orgs '{"name": "After remount", "kind": "vcse", "email": "a1@example.org"}'
check_eq "the next change is taken by the same process" "$HTTP_STATUS" 201
check_eq "  ... and the log said so once" "$(count "$LOG1" "$RW_LINE")" 1
http GET /v1/health
check_eq "health: writable again" "$(json_get "$HTTP_BODY" database)/$(json_get "$HTTP_BODY" status)" writable/ok
ro_refused=30
stop_mdtd
check_eq "integrity_check" "$(sqlite3 "$DB" 'PRAGMA integrity_check')" ok
check_eq "nothing refused was written, the change after is" \
    "$(sqlite3 "$DB" "SELECT count(*) FROM orgs WHERE name LIKE 'Refused %'")/$(sqlite3 "$DB" "SELECT count(*) FROM orgs WHERE name = 'After remount'")" 0/1

# 2. File modes, with mdtd as an unprivileged user.
chmod 0755 "$T"
chown -R nobody:nogroup "$T/var"
AS_NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
LOG2=$T/nobody.log
serve "$LOG2" "${AS_NOBODY[@]}" "$MDTD" serve --config "$T/mdtd.conf"
http_json POST /v1/orgs '{"name": "As nobody", "kind": "vcse", "email": "n@example.org"}'
check_eq "as nobody: a change is taken" "$HTTP_STATUS" 201
chmod 0444 "$DB" "$DB-wal" "$DB-shm"
http_json POST /v1/orgs '{"name": "Open file", "kind": "vcse", "email": "o@example.org"}'
check_eq "files made 0444 under the running daemon: its open files still write (modes are checked at open)" "$HTTP_STATUS" 201
stop_mdtd
check_fails "  ... and its clean stop leaves no -wal file" test -e "$DB-wal"

serve "$LOG2" "${AS_NOBODY[@]}" "$MDTD" serve --config "$T/mdtd.conf"
wait_for "$LOG2" "$RO_LINE" 1
check_match "restarted on a 0444 database: says why once" "$(grep -E "$RO_LINE" "$LOG2")" \
    'is read-only \(Permission denied\)'
http GET /v1/health
check_eq "health: read-only" "$(json_get "$HTTP_BODY" database)" read-only
check_eq "reads go on" "$(orgs_seen)" 23
refused 30 "Refused mode"
check_eq "one log line for 30 refused changes" "$(count "$LOG2" "$RO_LINE")" 1
check_fails "no -wal or -shm file made with the read-only mode (opened immutable)" \
    sh -c "ls '$DB-wal' '$DB-shm' 2>/dev/null | grep ."
PID=$MDTD_PID
chmod 0600 "$DB"
http_json POST /v1/orgs '{"name": "After chmod", "kind": "vcse", "email": "c@example.org"}'
check_eq "made 0600 again: the next change is taken" "$HTTP_STATUS" 201
check_eq "  ... by the same process" "$MDTD_PID" "$PID"
check_eq "  ... and the log says so once" "$(count "$LOG2" "$RW_LINE")" 1

# 3. A crash with frames in the WAL, then every file made 0444: the
# acknowledged change that lives only in the WAL must still be read.
http_json POST /v1/orgs '{"name": "Only in the WAL", "kind": "vcse", "email": "w@example.org"}'
check_eq "a change before the crash" "$HTTP_STATUS" 201
kill_mdtd KILL
check_match "the WAL holds frames" "$(stat -c %s "$DB-wal" 2>/dev/null || echo 0)" '^[1-9]'
chmod 0444 "$DB" "$DB-wal" "$DB-shm"
serve "$LOG2" "${AS_NOBODY[@]}" "$MDTD" serve --config "$T/mdtd.conf"
check_eq "read-only with a WAL: the change in the WAL is read" \
    "$(http GET /v1/orgs/Only%20in%20the%20WAL; echo "$HTTP_STATUS")" 200
refused 5 "Refused wal"
chmod 0600 "$DB"
http_json POST /v1/orgs '{"name": "Half fixed", "kind": "vcse", "email": "h@example.org"}'
check_eq "only the database made writable, its -wal and -shm not: still refused" "$HTTP_STATUS" 503
chmod 0600 "$DB-wal" "$DB-shm"
http_json POST /v1/orgs '{"name": "All fixed", "kind": "vcse", "email": "f@example.org"}'
check_eq "all three made writable: taken without a restart" "$HTTP_STATUS" 201
check_eq "read-only lines in the log: one per episode (restart, crash)" "$(count "$LOG2" "$RO_LINE")" 2
stop_mdtd

# A read-only directory: the file can be written, its -wal and -shm
# cannot be made.
chmod 0555 "$T/var"
serve "$LOG2" "${AS_NOBODY[@]}" "$MDTD" serve --config "$T/mdtd.conf"
wait_for "$LOG2" "$RO_LINE" 4
check_match "a read-only directory: read-only, and says why" "$(grep -E "$RO_LINE" "$LOG2" | tail -1)" \
    'is read-only \(its -wal or -shm file, or its directory\)'
check_status "reads go on" 200 GET /v1/orgs/All%20fixed
refused 5 "Refused dir"
chmod 0755 "$T/var"
http_json POST /v1/orgs '{"name": "Dir fixed", "kind": "vcse", "email": "d@example.org"}'
check_eq "the directory made writable: taken without a restart" "$HTTP_STATUS" 201
stop_mdtd
check_eq "integrity_check" "$(sqlite3 "$DB" 'PRAGMA integrity_check')" ok
check_eq "every acknowledged change is there, none refused" \
    "$(sqlite3 "$DB" "SELECT count(*) FROM orgs WHERE name IN ('As nobody', 'Open file', 'After chmod', 'Only in the WAL', 'All fixed', 'Dir fixed')")/$(sqlite3 "$DB" "SELECT count(*) FROM orgs WHERE name LIKE 'Refused%' OR name = 'Half fixed'")" 6/0

# 4. EROFS under the running daemon. The kernel will not make a mount
# read-only while a file on it is open for writing (EBUSY), so what the
# daemon sees when its file system goes read-only under it (ext4's
# errors=remount-ro: every write to its open files fails with EROFS) is
# made with strace's fault injection on pwrite64, the call SQLite writes
# with, on the real process.
erofs_refused=0
if command -v strace >/dev/null; then
    LOG4=$T/erofs.log
    serve "$LOG4" "$MDTD" serve --config "$T/mdtd.conf"
    http_json POST /v1/orgs '{"name": "Before EROFS", "kind": "vcse", "email": "e0@example.org"}'
    check_eq "a change before the fault" "$HTTP_STATUS" 201
    strace -f -qq -p "$MDTD_PID" -e trace=pwrite64 -e inject=pwrite64:error=EROFS -o /dev/null &
    STRACE_PID=$!
    for i in $(seq 1 100); do
        [ "$(awk '/^TracerPid/ {print $2}' "/proc/$MDTD_PID/status")" != 0 ] && break
        sleep 0.05
    done
    refused 20 "Refused erofs"
    erofs_refused=20
    http GET /v1/health
    check_eq "health: read-only while writes fail with EROFS" "$(json_get "$HTTP_BODY" database)/$(json_get "$HTTP_BODY" status)" read-only/degraded
    check_status "reads go on" 200 GET /v1/orgs/Before%20EROFS
    check_match "one log line says so" "$(grep -E "$RO_LINE" "$LOG4")" 'is read-only \(read-only file system\)'
    check_eq "  ... only one for 20 refused changes" "$(count "$LOG4" "$RO_LINE")" 1
    kill "$STRACE_PID"
    wait "$STRACE_PID" 2>/dev/null
    http_json POST /v1/orgs '{"name": "After EROFS", "kind": "vcse", "email": "e1@example.org"}'
    check_eq "the fault gone, the next change is taken by the same process" "$HTTP_STATUS" 201
    check_eq "  ... and the log says so once" "$(count "$LOG4" "$RW_LINE")" 1
    http GET /v1/health
    check_eq "health: writable again" "$(json_get "$HTTP_BODY" database)" writable
    stop_mdtd
    check_eq "integrity_check" "$(sqlite3 "$DB" 'PRAGMA integrity_check')" ok
    check_eq "the changes before and after are there, none refused" \
        "$(sqlite3 "$DB" "SELECT count(*) FROM orgs WHERE name IN ('Before EROFS', 'After EROFS')")/$(sqlite3 "$DB" "SELECT count(*) FROM orgs WHERE name LIKE 'Refused erofs%'")" 2/0
else
    ok "# SKIP strace is not installed: no EROFS under the running daemon"
fi
echo "# measure: ro_refused=$((ro_refused + 40 + erofs_refused)) ro_log_lines=$(cat "$LOG1" "$LOG2" "${LOG4:-/dev/null}" | grep -cE "$RO_LINE") ro_recovered=$(cat "$LOG1" "$LOG2" "${LOG4:-/dev/null}" | grep -cE "$RW_LINE") ro_episodes=$((4 + (erofs_refused > 0))) ro_integrity=$(sqlite3 "$DB" 'PRAGMA integrity_check')"
