#!/usr/bin/env bash
# The audit log: every change that succeeded is recorded once (who, what,
# which object, when) and nothing identifying; failed and read-only
# requests are not; the table refuses UPDATE and DELETE; the hash chain
# holds, and a row changed behind the server's back (trigger dropped) is
# named by `mdt audit verify`.
. "$(dirname "$0")/lib.sh"

start_mdtd
http_json POST /v1/orgs '{"name": "Riverside Mind", "kind": "vcse", "email": "hello@riverside.example"}'
org=$(json_get "$HTTP_BODY" id)
http_json POST /v1/people '{"name": "Ada Wright", "email": "ada.wright@riverside.example", "org": "Riverside Mind"}'
person=$(json_get "$HTTP_BODY" id)
check_eq "person created" "$HTTP_STATUS" 201
http_json PATCH "/v1/people/ada.wright@riverside.example" '{"title": "Team lead"}'
http_json POST /v1/orgs '{"name": "Riverside Mind", "kind": "vcse", "email": "x@riverside.example"}'
check_eq "a duplicate is refused (not audited)" "$HTTP_STATUS" 409
http GET /v1/orgs
chair=$(api_token chair)
MDT_TOKEN=$chair http_json POST /v1/pcns '{"name": "Riverside PCN"}'
pcn=$(json_get "$HTTP_BODY" id)
http DELETE "/v1/people/ada.wright@riverside.example"
check_eq "person deleted by email" "$HTTP_STATUS" 204

run audit list --json
expect "mdt audit list" 0
check_eq "one entry per successful change" "$(py 'len(j)')" 6
check_eq "actions are method and route template" "$(py '" | ".join(e["action"] for e in j)')" \
    "POST /v1/orgs | POST /v1/people | PATCH /v1/people/{ref} | POST /v1/tokens | POST /v1/pcns | DELETE /v1/people/{ref}"
check_eq "objects by kind and id" "$(py '" ".join("%s:%s" % (e["kind"], e["object_id"]) for e in j)')" \
    "orgs:$org people:$person people:$person tokens:$(py 'j[3]["object_id"]') pcns:$pcn people:$person"
check_eq "who: token, name and role" "$(py '"%s %s %s" % (j[4]["token"]["name"].startswith("t-chair"), j[4]["role"], j[0]["token"]["name"])')" \
    "True chair admin"
check_eq "statuses" "$(py '" ".join(str(e["status"]) for e in j)')" "201 201 200 201 201 204"
if printf '%s' "$OUT" | grep -q -e Ada -e Wright -e riverside -e Riverside -e "Team lead"; then
    not_ok "no names, emails or free text in the log"; else ok "no names, emails or free text in the log"; fi
check_match "chain hashes are hex SHA-256" "$(py 'j[5]["hash"]')" '^[0-9a-f]{64}$'

run audit list --since 2999-01-01 --json
check_eq "--since filters by time" "$(py 'len(j)')" 0
run audit list --since "$(date -u +%Y-%m-%d)" --json
check_eq "--since today lists all" "$(py 'len(j)')" 6
run audit list --after 4 --limit 1 --json
check_eq "--after and --limit page" "$(py '[e["id"] for e in j]')" "[5]"
run audit list --since yesterday
expect "a bad --since is refused" 1
check_match "naming the field" "$ERR" 'since'
MDT_TOKEN=$chair http GET /v1/audit
check_eq "only admins read the log" "$HTTP_STATUS" 403

run audit verify
expect "mdt audit verify: the chain holds" 0
check_match "counting every entry" "$OUT" '6 entries'

db=$T/var/mdtd.db
if sqlite3 "$db" "UPDATE audit SET kind = 'x' WHERE id = 2" 2>"$T/sqlerr"; then
    not_ok "UPDATE is refused by trigger"; else check_match "UPDATE is refused by trigger" "$(cat "$T/sqlerr")" 'append-only'; fi
if sqlite3 "$db" "DELETE FROM audit WHERE id = 2" 2>"$T/sqlerr"; then
    not_ok "DELETE is refused by trigger"; else check_match "DELETE is refused by trigger" "$(cat "$T/sqlerr")" 'append-only'; fi

# Tampering behind the server's back: one row's object changed.
sqlite3 "$db" "DROP TRIGGER audit_no_update; UPDATE audit SET object_id = 999 WHERE id = 3;"
run audit verify
expect "verify fails on a changed row" 1
check_match "and names it" "$OUT" 'broken at entry 3: its hash does not match'
run --json audit verify
check_eq "JSON names the entry" "$(py 'j["broken"]["id"]')" 3

# A row removed: the next one is named.
sqlite3 "$db" "UPDATE audit SET object_id = $person WHERE id = 3; DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE id = 4;"
run audit verify
expect "verify fails on a removed row" 1
check_match "naming the entry after the gap" "$OUT" 'broken at entry 5: the entry before it is missing'
