#!/usr/bin/env bash
# Failed authentication is limited per peer address: after
# auth_fail_burst failures the address is answered 429 with Retry-After
# until its bucket refills; a valid token still works meanwhile. The
# database, its WAL and its shared-memory file are created 0600, and no
# token secret is compared with an early-exit comparison.
. "$(dirname "$0")/lib.sh"

# One failure back a minute: the checks below run well within it even on
# a loaded machine.
start_mdtd "auth_fail_burst = 5" "auth_fail_per_minute = 1"
codes=""
for i in 1 2 3 4 5 6 7; do
    MDT_TOKEN=mdt_$(printf '%064d' $i) http GET /v1/orgs
    codes="$codes $HTTP_STATUS"
done
check_eq "five failures answered 401, then 429" "$codes" " 401 401 401 401 401 429 429"
check_eq "the 429 is JSON naming the reason" "$(json_get "$HTTP_BODY" error.code)" too_many_requests
for i in 1; do
    retry=$(curl -s -D - -o /dev/null -H "Authorization: Bearer nope" "$MDT_URL/v1/orgs" | tr -d '\r' |
        sed -n 's/^[Rr]etry-[Aa]fter: //p')
    [ -n "$retry" ] && break
done
check_match "with Retry-After in seconds" "$retry" '^[0-9]+$'
check_eq "when the next failure is allowed (within a minute)" "$(python3 -c "print(1 <= int('${retry:-0}') <= 60)")" True
http GET /v1/orgs
check_eq "a valid token from the same address still works" "$HTTP_STATUS" 200
MDT_TOKEN= http GET /v1/orgs
check_eq "no token at all counts as a failure too" "$HTTP_STATUS" 429
http GET /v1/health
check_eq "public routes are not limited" "$HTTP_STATUS" 200

# Files: 0600 whatever the umask.
mode() { stat -c %a "$1"; }
(umask 022; "$MDTD" init --db "$T/var/other.db" >/dev/null 2>&1)
check_eq "mdtd init makes the database 0600" "$(mode "$T/var/other.db")" 600
check_eq "the served database is 0600" "$(mode "$T/var/mdtd.db")" 600
check_eq "its WAL is 0600" "$(mode "$T/var/mdtd.db-wal")" 600
check_eq "its shared memory is 0600" "$(mode "$T/var/mdtd.db-shm")" 600

# Secrets: looked up by SHA-256 and compared with sodium_memcmp only.
early=$(grep -nE '(memcmp|strcmp|strncmp)\([^)]*(secret|hash|token|sig|mac)' "$TOP"/server/*.c |
    grep -v sodium_memcmp || true)
check_eq "no secret compared with memcmp/strcmp in server/" "$early" ""
