#!/usr/bin/env bash
# Running under systemd: the unit file, the readiness protocol over
# $NOTIFY_SOCKET (READY=1 once it listens, STOPPING=1 on SIGTERM), and
# SIGHUP reopening log_file after the file was moved away.
. "$(dirname "$0")/lib.sh"

UNIT=$TOP/scripts/mdtd.service

# --- the unit file ----------------------------------------------------------
for want in 'Type=notify' 'DynamicUser=yes' 'StateDirectory=mdtd' 'NoNewPrivileges=yes' \
    'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes' 'PrivateDevices=yes' \
    'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' 'SystemCallFilter=@system-service' \
    'MemoryDenyWriteExecute=yes' 'CapabilityBoundingSet=' 'ExecReload=/bin/kill -HUP $MAINPID'; do
    check "unit has $want" grep -qxF -- "$want" "$UNIT"
done
if command -v systemd-analyze >/dev/null; then
    # Point it at this build and at these man pages, which it checks too.
    mkdir -p "$T/man/man8" "$T/man/man5"
    cp "$TOP/docs/man/mdtd.8" "$T/man/man8/" && cp "$TOP/docs/man/mdtd.conf.5" "$T/man/man5/"
    sed "s|/usr/local/sbin/mdtd|$MDTD|" "$UNIT" >"$T/mdtd.service"
    if command -v man >/dev/null; then
        MANPATH=$T/man check "systemd-analyze verify (and the man pages it names exist)" \
            systemd-analyze verify "$T/mdtd.service"
    else
        check "systemd-analyze verify (man not installed: pages not checked)" \
            systemd-analyze verify --man=no "$T/mdtd.service"
    fi
else
    echo "ok - # SKIP systemd-analyze not installed"
fi

# --- sd_notify --------------------------------------------------------------
# A receiver in the role of systemd: every datagram, one line each.
cat >"$T/notify.py" <<'EOF'
import socket, sys
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + path[1:] if path.startswith("@") else path)
open(out + ".bound", "w").close()
with open(out, "a", buffering=1) as f:
    while True:
        msg = s.recv(4096).decode()
        f.write(msg.replace("\n", " ") + "\n")
        if "STOPPING=1" in msg:
            break
EOF

# serve_notify SOCKET: starts mdtd with NOTIFY_SOCKET=SOCKET and log_file.
serve_notify() {
    rm -f "$T/notes" "$T/notes.bound"
    python3 "$T/notify.py" "$1" "$T/notes" &
    RECEIVER=$!
    while [ ! -e "$T/notes.bound" ]; do sleep 0.02; done
    NOTIFY_SOCKET=$1 "$MDTD" serve --config "$T/mdtd.conf" 2>"$T/stderr" &
    MDTD_PID=$!
    for _ in $(seq 1 200); do
        grep -q READY=1 "$T/notes" 2>/dev/null && break
        sleep 0.05
    done
}

mkdir -p "$T/var"
"$MDTD" init --db "$T/var/mdtd.db" >"$T/init.out" 2>&1
ADMIN_TOKEN=$(sed -n 's/^admin token: //p' "$T/init.out")
printf 'listen = 127.0.0.1:0\ndb = %s\nlog_file = %s\n' "$T/var/mdtd.db" "$T/mdtd.log" >"$T/mdtd.conf"

serve_notify "$T/notify.sock"
check_match "READY=1 arrives on \$NOTIFY_SOCKET" "$(cat "$T/notes")" '^READY=1 STATUS=serving$'
port=$(sed -n 's/.*ready on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$T/mdtd.log" | head -1)
export MDT_URL=http://127.0.0.1:$port MDT_TOKEN=$ADMIN_TOKEN
check_status "it serves once READY=1 came" 200 GET /v1/health
check_eq "log lines go to log_file, not stderr" "$(cat "$T/stderr")" ""

# --- SIGHUP reopens the log file ------------------------------------------
mv "$T/mdtd.log" "$T/mdtd.log.1"
kill -HUP "$MDTD_PID"
for _ in $(seq 1 100); do [ -e "$T/mdtd.log" ] && break; sleep 0.02; done
check "SIGHUP creates a new log file" test -e "$T/mdtd.log"
check_eq "the new file is mode 0640" "$(stat -c %a "$T/mdtd.log" 2>/dev/null)" 640
check_match "the new file starts with the reopening" "$(head -1 "$T/mdtd.log" 2>/dev/null)" 'SIGHUP: log file reopened'
check_match "the moved file keeps what came before" "$(cat "$T/mdtd.log.1")" 'ready on 127\.0\.0\.1'
check_fails "nothing more goes to the moved file" grep -q 'reopened' "$T/mdtd.log.1"
check_status "still serving after SIGHUP" 200 GET /v1/health
kill -0 "$MDTD_PID" 2>/dev/null && ok "SIGHUP does not stop mdtd" || not_ok "SIGHUP does not stop mdtd"

stop_mdtd
wait "$RECEIVER"
check_match "STOPPING=1 on SIGTERM" "$(cat "$T/notes")" 'STOPPING=1'
check_match "the stop is logged in the new file" "$(cat "$T/mdtd.log")" 'mdtd: stopped'

# An abstract socket name ('@...'), as systemd uses in containers.
serve_notify "@mdtd-test-$$-$RANDOM"
check_match "READY=1 on an abstract socket" "$(cat "$T/notes")" 'READY=1'
stop_mdtd
wait "$RECEIVER"

# No NOTIFY_SOCKET, or a bad one: mdtd runs as before.
before=$(grep -c 'ready on' "$T/mdtd.log")
NOTIFY_SOCKET=relative/name "$MDTD" serve --config "$T/mdtd.conf" 2>"$T/stderr" &
MDTD_PID=$!
for _ in $(seq 1 100); do [ "$(grep -c 'ready on' "$T/mdtd.log")" -gt "$before" ] && break; sleep 0.05; done
check_eq "a NOTIFY_SOCKET that is not a path is ignored" "$(grep -c 'ready on' "$T/mdtd.log")" $((before + 1))
stop_mdtd

printf 'listen = 127.0.0.1:0\ndb = %s\nlog_file = %s\n' "$T/var/mdtd.db" "$T/no/such/dir/x.log" >"$T/bad.conf"
check_fails "a log_file that cannot be opened stops the start" "$MDTD" serve --config "$T/bad.conf"
check_match "... with a clear message" "$(cat "$T/err")" "log_file $T/no/such/dir/x.log: No such file or directory"

# SIGHUP without log_file: lines stay on stderr and mdtd keeps running.
printf 'listen = 127.0.0.1:0\ndb = %s\n' "$T/var/mdtd.db" >"$T/plain.conf"
"$MDTD" serve --config "$T/plain.conf" 2>"$T/plain.log" &
MDTD_PID=$!
for _ in $(seq 1 200); do grep -q 'ready on' "$T/plain.log" && break; sleep 0.05; done
kill -HUP "$MDTD_PID"
for _ in $(seq 1 100); do grep -q SIGHUP "$T/plain.log" && break; sleep 0.02; done
check_match "SIGHUP without log_file says so on stderr" "$(cat "$T/plain.log")" 'SIGHUP: no log_file to reopen'
stop_mdtd
