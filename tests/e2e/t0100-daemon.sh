#!/usr/bin/env bash
# The daemon itself: init and migrations, config errors, --check, the
# request log and a clean exit on SIGTERM.
. "$(dirname "$0")/lib.sh"

db=$T/init.db
out=$("$MDTD" init --db "$db" 2>"$T/init-err")
check_match "init prints the admin token once" "$out" '^admin token: mdt_[0-9a-f]{64}$'
check_eq "init creates the database 0600" "$(stat -c %a "$db")" 600
out=$("$MDTD" init --db "$db" 2>&1)
check_match "init again applies nothing" "$out" '0 migrations applied'
check_match "init again says a token exists" "$out" 'admin token exists already'
if printf '%s' "$out" | grep -q '^admin token: mdt_'; then not_ok "init again prints no token"; else ok "init again prints no token"; fi
v=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA user_version").fetchone()[0])' "$db")
check_match "user_version tracks the migrations" "$v" '^[1-9][0-9]*$'
n=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from tokens").fetchone()[0])' "$db")
check_eq "one token after two inits" "$n" 1
h=$(python3 -c 'import sqlite3,sys; print(len(sqlite3.connect(sys.argv[1]).execute("select hash from tokens").fetchone()[0]))' "$db")
check_eq "tokens stored as 32-byte hashes" "$h" 32

newer=$T/newer.db
cp "$db" "$newer"
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("PRAGMA user_version = 999"); c.commit()' "$newer"
check_fails "init refuses a newer database" "$MDTD" init --db "$newer"
check_match "newer: says why" "$(cat "$T/err")" 'schema version 999.*newer mdtd'
check_fails "serve refuses a newer database" "$MDTD" serve --db "$newer" --listen 127.0.0.1:0
check_match "serve newer: says why" "$(cat "$T/err")" 'schema version 999'

# Configuration errors name the file and line.
printf 'listen = 127.0.0.1:0\n# comment\nbogus = 1\n' >"$T/bad1.conf"
check_fails "unknown key refused" "$MDTD" serve --config "$T/bad1.conf" --check
check_match "unknown key: file:line" "$(cat "$T/err")" "bad1.conf:3: unknown key \"bogus\""
printf 'max_body = 12x\n' >"$T/bad2.conf"
check_fails "bad size refused" "$MDTD" serve --config "$T/bad2.conf" --check
check_match "bad size: file:line" "$(cat "$T/err")" "bad2.conf:1: max_body: must be a size"
printf '\n\nlisten = nowhere\n' >"$T/bad3.conf"
check_fails "bad listen refused" "$MDTD" serve --config "$T/bad3.conf" --check
check_match "bad listen: file:line" "$(cat "$T/err")" "bad3.conf:3: listen:"
printf 'log_level = loud\n' >"$T/bad4.conf"
check_fails "bad log level refused" "$MDTD" serve --config "$T/bad4.conf" --check
check_match "bad level: file:line" "$(cat "$T/err")" "bad4.conf:1: log_level: must be warn, info or debug"
printf 'tz = Mars/Olympus\n' >"$T/bad5.conf"
check_fails "unknown time zone refused" "$MDTD" serve --config "$T/bad5.conf" --check
printf 'tls_cert = /x.pem\n' >"$T/bad6.conf"
check_fails "tls_cert without tls_key refused" "$MDTD" serve --config "$T/bad6.conf" --check
printf 'just text\n' >"$T/bad7.conf"
check_fails "syntax error refused" "$MDTD" serve --config "$T/bad7.conf" --check
check_match "syntax: file:line" "$(cat "$T/err")" "bad7.conf:1: expected"
printf 'listen = 127.0.0.1:9\nmax_body = 2M\n' >"$T/good.conf"
check "good config passes --check" "$MDTD" serve --config "$T/good.conf" --check
check_fails "bad flag value refused" "$MDTD" serve --config "$T/good.conf" --max-body 1 --check
check_match "bad flag: names the flag" "$(cat "$T/err")" "^mdtd: --max-body: must be a size"
check_fails "unknown flag refused" "$MDTD" serve --no-such-thing 1 --check
check_fails "missing database refused" "$MDTD" serve --db "$T/none.db" --listen 127.0.0.1:0
check_match "missing database: says how to create it" "$(cat "$T/err")" "mdtd init"
check "mdtd --help" "$MDTD" --help
check_match "--help lists options from the table" "$(cat "$T/out")" "--max-body BYTES"
check "mdtd serve --help" "$MDTD" serve --help
check_match "serve --help lists smtp-url" "$(cat "$T/out")" "--smtp-url URL"

# A running daemon: the request log.
start_mdtd "max_body = 4096" "log_level = info"
check_status "health answers without a token" 200 GET /v1/health
check_match "health body" "$HTTP_BODY" '"status":"ok"'
check_match "health names the scrubber of the gate" "$HTTP_BODY" '"scrubber":"[0-9]+\.[0-9a-f]{8}"'
MDT_TOKEN=$ADMIN_TOKEN http_json POST /v1/orgs '{"name":"Secret Name Org","kind":"vcse","email":"x@example.org"}'
check_eq "create an org" "$HTTP_STATUS" 201
check_match "times are RFC 3339 with a London offset" "$(json_get "$HTTP_BODY" created_at)" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+0[01]:00$'
check_status "get by name" 200 GET "/v1/orgs/Secret%20Name%20Org"
sleep 0.1
log=$(cat "$T/mdtd.log")
check_match "request log has the route template" "$log" 'GET /v1/orgs/\{ref\} 200 [0-9.]+ms actor=1'
check_match "request log has the POST" "$log" 'POST /v1/orgs 201 [0-9.]+ms actor=1'
check_match "request log: anonymous actor" "$log" 'GET /v1/health 200 [0-9.]+ms actor=-'
if grep -q 'Secret' "$T/mdtd.log"; then not_ok "no names or bodies in the log"; else ok "no names or bodies in the log"; fi
if grep -q "$ADMIN_TOKEN" "$T/mdtd.log"; then not_ok "no token in the log"; else ok "no token in the log"; fi
stop_mdtd

# Flags override the config file.
{ echo "listen = 127.0.0.1:1"; echo "db = $T/var/mdtd.db"; } >"$T/over.conf"
"$MDTD" serve --config "$T/over.conf" --listen 127.0.0.1:0 2>"$T/over.log" &
pid=$!
for i in $(seq 1 100); do grep -q 'ready on' "$T/over.log" && break; sleep 0.05; done
check_match "--listen overrides the file" "$(cat "$T/over.log")" 'ready on 127\.0\.0\.1:[0-9]+'
kill -INT $pid; rc=0; wait $pid || rc=$?
check_eq "SIGINT exits 0" "$rc" 0
