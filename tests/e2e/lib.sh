# Shared helpers for end-to-end tests. A test script sources this file,
# calls start_mdtd, drives the daemon with mdt and curl, and reports each
# check as a TAP line through ok/not_ok (or the check_* helpers). The
# daemon is stopped from a trap with SIGTERM and must exit 0.
#
# Environment: MDT_BUILD (default build) names the build directory.

set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${MDT_BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
MDTD=$BUILD/mdtd
MDT=$BUILD/mdt
SHARED=$(cd "$TOP/../shared" 2>/dev/null && pwd || true)
T=$(mktemp -d /tmp/mdt-e2e.XXXXXX)
# The client's config, key and vault live in the test's own home.
export HOME=$T/home XDG_CONFIG_HOME=$T/home/.config XDG_DATA_HOME=$T/home/.local/share
mkdir -p "$HOME"
# Debian's python3 (standard library only here) starts faster than a
# version-manager shim that may come first on PATH.
if [ -x /usr/bin/python3 ]; then
    mkdir -p "$T/bin" && ln -s /usr/bin/python3 "$T/bin/python3" && PATH=$T/bin:$PATH
fi
unset MDT_URL MDT_TOKEN
TESTS_PASSED=0
TESTS_FAILED=0
MDTD_PID=""

ok() { TESTS_PASSED=$((TESTS_PASSED + 1)); echo "ok - $*"; }
not_ok() { TESTS_FAILED=$((TESTS_FAILED + 1)); echo "not ok - $*"; }

# check DESC CMD...: the command succeeds.
check() {
    local desc=$1; shift
    if "$@" >"$T/out" 2>"$T/err"; then ok "$desc"; else
        not_ok "$desc"; sed 's/^/#   /' "$T/out" "$T/err" | head -20; fi
}
# check_fails DESC CMD...: the command fails.
check_fails() {
    local desc=$1; shift
    if "$@" >"$T/out" 2>"$T/err"; then
        not_ok "$desc (succeeded)"; sed 's/^/#   /' "$T/out" | head -20; else ok "$desc"; fi
}
# check_eq DESC GOT WANT
check_eq() {
    if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; echo "#   got:  $2"; echo "#   want: $3"; fi
}
# check_match DESC TEXT REGEX (grep -E)
check_match() {
    if printf '%s' "$2" | grep -Eq -- "$3"; then ok "$1"; else
        not_ok "$1"; echo "#   /$3/ not in:"; printf '%s\n' "$2" | head -20 | sed 's/^/#   /'; fi
}

# http METHOD PATH [curl args...]: request with the current MDT_TOKEN;
# sets HTTP_STATUS and HTTP_BODY.
http() {
    local method=$1 path=$2; shift 2
    local auth=()
    [ -n "${MDT_TOKEN:-}" ] && auth=(-H "Authorization: Bearer $MDT_TOKEN")
    HTTP_STATUS=$(curl -s -o "$T/body" -w '%{http_code}' -X "$method" "${auth[@]}" "$@" "$MDT_URL$path")
    HTTP_BODY=$(cat "$T/body")
}
# http_json METHOD PATH JSON: request with a JSON body.
http_json() {
    local method=$1 path=$2 body=$3; shift 3
    http "$method" "$path" -H 'Content-Type: application/json' --data-binary "$body" "$@"
}
# check_status DESC WANT METHOD PATH [curl args...]
check_status() {
    local desc=$1 want=$2; shift 2
    http "$@"
    if [ "$HTTP_STATUS" = "$want" ]; then ok "$desc"; else
        not_ok "$desc"; echo "#   status $HTTP_STATUS, want $want: $HTTP_BODY" | head -c 600; echo; fi
}
# run ARGS...: runs mdt; sets RC, OUT (stdout) and ERR (stderr).
run() {
    RC=0
    "$MDT" "$@" >"$T/out" 2>"$T/err" || RC=$?
    OUT=$(cat "$T/out")
    ERR=$(cat "$T/err")
}
# py EXPR: evaluates EXPR with j = the JSON in $OUT (fails if not JSON).
py() {
    python3 -c 'import json,sys
try: j=json.loads(sys.stdin.read())
except ValueError: print("<output is not JSON>"); sys.exit(0)
print(eval(sys.argv[1]))' "$1" <<<"$OUT" 2>&1 | tail -1
}
# expect DESC STATUS: the last run exited with STATUS.
expect() {
    if [ "$RC" = "$2" ]; then ok "$1"; else
        not_ok "$1 (status $RC, want $2)"; printf '%s\n' "$OUT" "$ERR" | head -10 | sed 's/^/#   /'; fi
}
# jq-free JSON field access through python3 (standard library only).
json_get() { python3 -c 'import json,sys
v=json.loads(sys.argv[1])
for k in sys.argv[2].split(".") if sys.argv[2] else []:
    v=v[int(k)] if isinstance(v,list) else v.get(k)
print(v if not isinstance(v,(dict,list)) else json.dumps(v))' "$1" "${2:-}"; }

# start_mdtd [extra config lines...]: init a database, start the daemon
# on a free loopback port, export MDT_URL and MDT_TOKEN (admin).
start_mdtd() {
    mkdir -p "$T/var"
    ADMIN_TOKEN=$("$MDTD" init --db "$T/var/mdtd.db" 2>"$T/init.err" | sed -n 's/^admin token: //p')
    if [ -z "$ADMIN_TOKEN" ]; then echo "# mdtd init failed:"; sed 's/^/#   /' "$T/init.err"; exit 1; fi
    {
        echo "listen = 127.0.0.1:0"
        echo "db = $T/var/mdtd.db"
        for line in "$@"; do echo "$line"; done
    } >"$T/mdtd.conf"
    # MDT_VALGRIND (e.g. "valgrind -q --error-exitcode=99 ...") wraps the daemon.
    ${MDT_VALGRIND:-} "$MDTD" serve --config "$T/mdtd.conf" 2>"$T/mdtd.log" &
    MDTD_PID=$!
    local port="" i
    for i in $(seq 1 $((200 * ${MDT_TEST_TIMEOUT_MULTIPLIER:-1}))); do
        port=$(sed -n 's/.*ready on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$T/mdtd.log" | head -1)
        [ -n "$port" ] && break
        kill -0 "$MDTD_PID" 2>/dev/null || break
        sleep 0.05
    done
    if [ -z "$port" ]; then echo "# mdtd did not start:"; sed 's/^/#   /' "$T/mdtd.log"; exit 1; fi
    export MDT_URL="http://127.0.0.1:$port" MDT_TOKEN=$ADMIN_TOKEN
}

# stop_mdtd: SIGTERM, and the daemon must exit 0.
stop_mdtd() {
    [ -n "$MDTD_PID" ] || return 0
    kill -TERM "$MDTD_PID" 2>/dev/null
    local rc=0
    wait "$MDTD_PID" || rc=$?
    MDTD_PID=""
    if [ "$rc" = 0 ]; then ok "mdtd exits 0 on SIGTERM"; else
        not_ok "mdtd exits 0 on SIGTERM (status $rc)"; tail -20 "$T/mdtd.log" | sed 's/^/#   /'; fi
}

# new_token ROLE [ORG]: prints a new token of that role.
new_token() {
    local args=(--role "$1" --name "t-$1-$RANDOM")
    [ -n "${2:-}" ] && args+=(--org "$2")
    MDT_TOKEN=$ADMIN_TOKEN "$MDT" token create "${args[@]}" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}

finish() {
    local rc=$?
    stop_mdtd
    stop_smtp_sink
    if [ "$rc" != 0 ] && [ "$TESTS_FAILED" = 0 ]; then not_ok "script ended with status $rc"; fi
    echo "# $(basename "$0"): $TESTS_PASSED passed, $TESTS_FAILED failed"
    if [ "${MDT_KEEP:-}" ]; then echo "# kept $T"; else rm -rf "$T"; fi
    [ "$TESTS_FAILED" = 0 ] && [ "$rc" = 0 ]
}
trap finish EXIT

# api_token ROLE [ORG]: like new_token, but through the HTTP API with curl
# (no client needed); prints the new token.
api_token() {
    local body
    if [ -n "${2:-}" ]; then
        body=$(python3 -c 'import json,sys; print(json.dumps({"role":sys.argv[1],"name":"t-%s-%s"%(sys.argv[1],sys.argv[3]),"org":sys.argv[2]}))' "$1" "$2" "$RANDOM")
    else
        body=$(python3 -c 'import json,sys; print(json.dumps({"role":sys.argv[1],"name":"t-%s-%s"%(sys.argv[1],sys.argv[2])}))' "$1" "$RANDOM")
    fi
    curl -s -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' \
        --data-binary "$body" "$MDT_URL/v1/tokens" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}

# pin_port: rewrites the config so that a restarted daemon listens on the
# port it has now (for tests that kill and restart it).
pin_port() {
    sed -i "s/^listen = .*/listen = ${MDT_URL#http://}/" "$T/mdtd.conf"
}
# kill_mdtd [SIGNAL]: kills the daemon (default SIGKILL) and reaps it; no
# clean exit is expected.
kill_mdtd() {
    [ -n "$MDTD_PID" ] || return 0
    kill "-${1:-KILL}" "$MDTD_PID" 2>/dev/null
    wait "$MDTD_PID" 2>/dev/null
    MDTD_PID=""
}
# restart_mdtd: serves the same config and database again (after
# pin_port), appending to the log; waits until it is ready.
restart_mdtd() {
    local n i
    n=$(grep -c 'ready on' "$T/mdtd.log")
    ${MDT_VALGRIND:-} "$MDTD" serve --config "$T/mdtd.conf" 2>>"$T/mdtd.log" &
    MDTD_PID=$!
    for i in $(seq 1 400); do
        [ "$(grep -c 'ready on' "$T/mdtd.log")" -gt "$n" ] && return 0
        kill -0 "$MDTD_PID" 2>/dev/null || break
        sleep 0.025
    done
    echo "# mdtd did not restart:"; tail -20 "$T/mdtd.log" | sed 's/^/#   /'
    return 1
}

# --- a loopback SMTP server (tests/tools/smtp-sink.py, aiosmtpd) ----------
SMTP_SINK_PID=""
# start_smtp_sink DIR [PORT [SINK-OPTION...]]: starts the sink, which
# writes each message it accepts to DIR (made if missing) as msg-*.eml, on
# PORT (0 or none: a free one; give the old port to bring a stopped sink
# back); options such as --reply 451 go to the sink. Sets SMTP_PORT and
# SMTP_URL (smtp://127.0.0.1:PORT/mdt.example.org). finish stops it.
start_smtp_sink() {
    local dir=$1 port=${2:-0} i
    shift
    [ $# -gt 0 ] && shift
    mkdir -p "$dir"
    rm -f "$T/smtp.port"
    /usr/bin/python3 "$TOP/tests/tools/smtp-sink.py" --dir "$dir" --port-file "$T/smtp.port" \
        --port "$port" "$@" >>"$T/sink.out" 2>&1 &
    SMTP_SINK_PID=$!
    for i in $(seq 1 $((200 * ${MDT_TEST_TIMEOUT_MULTIPLIER:-1}))); do
        [ -s "$T/smtp.port" ] && break
        kill -0 "$SMTP_SINK_PID" 2>/dev/null || break
        sleep 0.05
    done
    if [ ! -s "$T/smtp.port" ]; then
        echo "# the SMTP sink did not start:"; sed 's/^/#   /' "$T/sink.out"; exit 1
    fi
    SMTP_PORT=$(cat "$T/smtp.port")
    SMTP_URL="smtp://127.0.0.1:$SMTP_PORT/mdt.example.org"
}
# stop_smtp_sink: stops the sink (SMTP is then down on its port).
stop_smtp_sink() {
    [ -n "$SMTP_SINK_PID" ] || return 0
    kill "$SMTP_SINK_PID" 2>/dev/null
    wait "$SMTP_SINK_PID" 2>/dev/null
    SMTP_SINK_PID=""
}
# mail_count DIR: how many messages the sink has written to DIR.
# (A message being written is a dot file until it is whole.)
mail_count() { find "$1" -maxdepth 1 -type f -name '[!.]*.eml' | wc -l; }
# wait_mail DIR N [SETTLE]: waits until DIR holds at least N messages
# (at most 60 seconds: sanitizer builds on a busy machine deliver
# slowly), then SETTLE seconds more (default 0) so that a message too
# many would show. Sets MAIL_COUNT; fails when fewer than N came.
wait_mail() {
    local i
    for i in $(seq 1 $((600 * ${MDT_TEST_TIMEOUT_MULTIPLIER:-1}))); do
        MAIL_COUNT=$(mail_count "$1")
        [ "$MAIL_COUNT" -ge "$2" ] && break
        sleep 0.1
    done
    [ "${3:-0}" = 0 ] || sleep "$3"
    MAIL_COUNT=$(mail_count "$1")
    [ "$MAIL_COUNT" -ge "$2" ]
}

MAIL_SEEN=0
# expect_new_mail N DESC: checks that N more messages reached the sink's
# $T/mail since the last call, and no more a moment later; writes one
# JSON line per new message (headers, text and calendar parts, from
# tests/tools/imip-mail.py, which saves the .ics files in $T/cal) to
# $T/new.jsonl.
expect_new_mail() {
    wait_mail "$T/mail" $((MAIL_SEEN + $1)) 1.5
    /usr/bin/python3 "$TOP/tests/tools/imip-mail.py" "$T/mail" "$T/cal" |
        tail -n +$((MAIL_SEEN + 1)) | head -n "$((MAIL_COUNT - MAIL_SEEN))" >"$T/new.jsonl"
    check_eq "$2: $1 message(s), no more" "$((MAIL_COUNT - MAIL_SEEN))" "$1"
    MAIL_SEEN=$MAIL_COUNT
}
