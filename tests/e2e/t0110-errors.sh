#!/usr/bin/env bash
# Every error status of the API, with its JSON shape.
. "$(dirname "$0")/lib.sh"

start_mdtd "max_body = 4096"

# check_error DESC STATUS CODE [FIELD]: the last answer had this error.
check_error() {
    local desc=$1 status=$2 code=$3 field=${4:-}
    if [ "$HTTP_STATUS" != "$status" ]; then
        not_ok "$desc (status $HTTP_STATUS, want $status: $HTTP_BODY)"; return; fi
    if [ "$(json_get "$HTTP_BODY" error.code)" != "$code" ]; then
        not_ok "$desc (code: $HTTP_BODY)"; return; fi
    if [ -n "$field" ] && [ "$(json_get "$HTTP_BODY" error.field)" != "$field" ]; then
        not_ok "$desc (field: $HTTP_BODY)"; return; fi
    if [ -z "$(json_get "$HTTP_BODY" error.message)" ]; then
        not_ok "$desc (no message: $HTTP_BODY)"; return; fi
    ok "$desc"
}

# 400
http_json POST /v1/orgs '{"name": "x",'
check_error "400 for truncated JSON" 400 malformed
http_json POST /v1/orgs '["not", "an", "object"]'
check_error "400 for an array body" 400 malformed
http POST /v1/orgs -H 'Content-Type: application/json' --data-binary $'{"name": "\xff\xfe"}'
check_error "400 for invalid UTF-8" 400 malformed
http_json POST /v1/orgs ''
check_error "400 for an empty body" 400 malformed
http_json POST /v1/orgs '{"name": "a", "name": "b"}'
check_error "400 for duplicate keys" 400 malformed

# 401
MDT_TOKEN= http GET /v1/orgs
check_error "401 without a token" 401 unauthenticated
MDT_TOKEN=mdt_0000000000000000000000000000000000000000000000000000000000000000 http GET /v1/orgs
check_error "401 for an unknown token" 401 unauthenticated
MDT_TOKEN=garbage http GET /v1/orgs
check_error "401 for a malformed token" 401 unauthenticated
MDT_TOKEN= http GET /v1/orgs -H "Authorization: Basic Zm9vOmJhcg=="
check_error "401 for another scheme" 401 unauthenticated
chair=$(api_token chair)
http GET /v1/tokens
chair_id=$(python3 -c 'import json,sys; print([t["id"] for t in json.loads(sys.argv[1]) if t["role"]=="chair"][0])' "$HTTP_BODY")
MDT_TOKEN=$chair check_status "chair token works" 200 GET /v1/orgs
check_status "revoke it" 204 DELETE "/v1/tokens/$chair_id"
MDT_TOKEN=$chair http GET /v1/orgs
check_error "401 for a revoked token" 401 unauthenticated
http DELETE "/v1/tokens/$chair_id"
check_error "404 revoking twice" 404 not_found

# 403
chair=$(api_token chair)
MDT_TOKEN=$chair http GET /v1/tokens
check_error "403 chair on tokens" 403 forbidden

# 404
http GET /v1/nothing
check_error "404 unknown route" 404 not_found
http GET /v1/orgs/999
check_error "404 unknown id" 404 not_found
http GET "/v1/orgs/No%20Such%20Org"
check_error "404 unknown name" 404 not_found
http GET "/v1/orgs/%ff"
check_error "404 for a ref that is not UTF-8" 404 not_found

# 405
http PUT /v1/orgs
check_error "405 PUT on orgs" 405 method_not_allowed
http DELETE /v1/health
check_error "405 DELETE on health" 405 method_not_allowed

# 409
http_json POST /v1/orgs '{"name": "Mind", "kind": "vcse", "email": "info@mind.example.org"}'
check_eq "create org" "$HTTP_STATUS" 201
http_json POST /v1/orgs '{"name": "mind", "kind": "vcse", "email": "info@mind.example.org"}'
check_error "409 duplicate name (any case)" 409 conflict name
http_json POST /v1/people '{"name": "Ann Worker", "email": "ann@mind.example.org", "org": "Mind"}'
check_eq "create person" "$HTTP_STATUS" 201
http DELETE /v1/orgs/Mind
check_error "409 deleting an org with people" 409 conflict
http_json PATCH /v1/orgs/Mind '{"capacity": "limited", "version": 1}'
check_eq "patch with the current version" "$HTTP_STATUS" 200
http_json PATCH /v1/orgs/Mind '{"capacity": "closed", "version": 1}'
check_error "409 stale version" 409 stale version
http GET /v1/orgs/Mind
check_eq "stale patch changed nothing" "$(json_get "$HTTP_BODY" capacity)" limited

# 413
big=$(head -c 6000 /dev/zero | tr '\0' 'a')
http_json POST /v1/orgs "{\"name\": \"$big\"}"
check_eq "413 over max_body" "$HTTP_STATUS" 413

# 415
http POST /v1/orgs -H 'Content-Type: text/plain' --data-binary '{}'
check_error "415 text/plain" 415 unsupported_media_type
http POST /v1/orgs --data-binary '{}' -H 'Content-Type:'
check_error "415 no content type" 415 unsupported_media_type
http POST /v1/orgs -H 'Content-Type: application/json; charset=latin1' --data-binary '{}'
check_error "415 another charset" 415 unsupported_media_type
http POST /v1/orgs -H 'Content-Type: Application/JSON; charset=UTF-8' --data-binary '{"name":"X1","kind":"other","email":"a@b.example"}'
check_eq "charset=utf-8 accepted" "$HTTP_STATUS" 201
http POST /v1/import/orgs -H 'Content-Type: application/json' --data-binary '{}'
check_error "415 JSON to the CSV import" 415 unsupported_media_type

# 422
http_json POST /v1/orgs '{"name": "Y", "kind": "vcse", "email": "not-an-email"}'
check_error "422 bad email" 422 invalid email
check_match "422 message names field and rule" "$(json_get "$HTTP_BODY" error.message)" '^email: not a valid email address$'
http_json POST /v1/orgs '{"name": "Y", "kind": "bakery", "email": "a@b.example"}'
check_error "422 bad kind" 422 invalid kind
http_json POST /v1/orgs '{"name": "Y", "kind": "vcse", "email": "a@b.example", "needs": ["housing", "cake"]}'
check_error "422 bad need names its index" 422 invalid needs.1
http_json POST /v1/orgs '{"name": "Y", "kind": "vcse", "email": "a@b.example", "needs": ["debt", "debt"]}'
check_error "422 duplicate need" 422 invalid needs.1
http_json POST /v1/orgs '{"kind": "vcse", "email": "a@b.example"}'
check_error "422 missing name" 422 invalid name
http_json POST /v1/orgs '{"name": "Y", "kind": "vcse", "email": "a@b.example", "webhook_url": "ftp://x"}'
check_error "422 bad webhook" 422 invalid webhook_url
http_json POST /v1/orgs '{"name": "Y", "kind": "vcse", "email": "a@b.example", "colour": "red"}'
check_error "422 unknown field" 422 invalid colour
http_json POST /v1/people '{"name": "Bo", "email": "bo@x.example", "org": "Nowhere"}'
check_error "422 unknown org" 422 invalid org
http_json POST /v1/tokens '{"role": "partner", "name": "p"}'
check_error "422 partner without org" 422 invalid org
http_json POST /v1/tokens '{"role": "chair", "name": "c", "org": "Mind"}'
check_error "422 chair with org" 422 invalid org
http_json PATCH /v1/orgs/Mind '{"version": "one"}'
check_error "422 bad version" 422 invalid version

# 503: another process holds the write lock longer than the busy timeout.
python3 -c 'import sqlite3,sys,time
c=sqlite3.connect(sys.argv[1], isolation_level=None); c.execute("BEGIN EXCLUSIVE")
open(sys.argv[2],"w").close(); time.sleep(3); c.execute("ROLLBACK")' "$T/var/mdtd.db" "$T/locked" &
lockpid=$!
for i in $(seq 1 100); do [ -f "$T/locked" ] && break; sleep 0.05; done
http_json POST /v1/pcns '{"name": "Locked PCN"}'
check_error "503 while the database cannot be written" 503 unavailable
wait $lockpid
check_status "writes work again afterwards" 201 POST /v1/pcns -H 'Content-Type: application/json' --data-binary '{"name": "Locked PCN"}'
