#!/usr/bin/env bash
# The directory: organisations, professionals, PCNs and lists: create,
# read, update, list with filters, delete, conflicts and membership.
. "$(dirname "$0")/lib.sh"

start_mdtd
names() { python3 -c 'import json,sys; print(",".join(o["name"] for o in json.loads(sys.argv[1])))' "$HTTP_BODY"; }

http_json POST /v1/orgs '{"name": "Lewisham Homes", "kind": "housing", "needs": ["housing", "debt"], "email": "homes@lh.example", "webhook_url": "https://hooks.example/lh"}'
check_eq "org created" "$HTTP_STATUS" 201
org_id=$(json_get "$HTTP_BODY" id)
check_eq "capacity defaults to open" "$(json_get "$HTTP_BODY" capacity)" open
check_eq "version starts at 1" "$(json_get "$HTTP_BODY" version)" 1
http_json POST /v1/orgs '{"name": "Age UK", "kind": "vcse", "needs": ["isolation"], "email": "a@age.example", "capacity": "limited"}'
http_json POST /v1/orgs '{"name": "Citizens Advice", "kind": "vcse", "needs": ["debt", "benefits"], "email": "ca@ca.example"}'
http GET /v1/orgs
check_eq "list sorted by name" "$(names)" "Age UK,Citizens Advice,Lewisham Homes"
http GET "/v1/orgs?need=debt"
check_eq "filter by need" "$(names)" "Citizens Advice,Lewisham Homes"
http GET "/v1/orgs?kind=vcse&capacity=limited"
check_eq "filter by kind and capacity" "$(names)" "Age UK"
http GET "/v1/orgs?q=HOMES"
check_eq "search by text, any case" "$(names)" "Lewisham Homes"
check_status "unknown need in a filter" 422 GET "/v1/orgs?need=cake"
check_status "get by id" 200 GET "/v1/orgs/$org_id"
check_status "get by name" 200 GET "/v1/orgs/Lewisham%20Homes"
http_json PATCH "/v1/orgs/$org_id" '{"capacity": "closed", "webhook_url": null, "version": 1}'
check_eq "patch: capacity" "$(json_get "$HTTP_BODY" capacity)" closed
check_eq "patch: webhook cleared" "$(json_get "$HTTP_BODY" webhook_url)" None
check_eq "patch: version 2" "$(json_get "$HTTP_BODY" version)" 2
check_eq "patch: needs kept" "$(json_get "$HTTP_BODY" needs)" '["housing", "debt"]'
http_json PATCH "/v1/orgs/$org_id" '{"name": "Age UK"}'
check_eq "patch to a taken name: 409" "$HTTP_STATUS" 409

# People
http_json POST /v1/people '{"name": "Ann Smith", "email": "ann@lh.example", "org": "Lewisham Homes", "title": "Housing officer"}'
check_eq "person created" "$HTTP_STATUS" 201
check_eq "person org ref" "$(json_get "$HTTP_BODY" org.name)" "Lewisham Homes"
http_json POST /v1/people "{\"name\": \"Bob Jones\", \"email\": \"bob@ca.example\", \"org\": \"Citizens Advice\"}"
http_json POST /v1/people "{\"name\": \"Cat Lee\", \"email\": \"cat@lh.example\", \"org\": $org_id}"
check_eq "org by id in a body" "$HTTP_STATUS" 201
http_json POST /v1/people '{"name": "Ann Again", "email": "ANN@lh.example", "org": "Age UK"}'
check_eq "duplicate email (any case): 409" "$HTTP_STATUS" 409
check_eq "409 names the field" "$(json_get "$HTTP_BODY" error.field)" email
http GET "/v1/people?org=Lewisham%20Homes"
check_eq "people filtered by org" "$(names)" "Ann Smith,Cat Lee"
http GET "/v1/people?q=bob"
check_eq "people search" "$(names)" "Bob Jones"
http_json PATCH /v1/people/cat@lh.example '{"title": "Support worker", "org": "Age UK"}'
check_eq "person moved" "$(json_get "$HTTP_BODY" org.name)" "Age UK"
http_json PATCH /v1/people/cat@lh.example '{"org": "Nowhere"}'
check_eq "move to an unknown org: 422" "$HTTP_STATUS" 422

# PCNs and lists
http_json POST /v1/pcns '{"name": "North Lewisham PCN"}'
check_eq "pcn created" "$HTTP_STATUS" 201
http_json POST /v1/pcns '{"name": "North Lewisham PCN"}'
check_eq "duplicate pcn: 409" "$HTTP_STATUS" 409
http_json POST /v1/lists '{"name": "North MDT", "pcn": "North Lewisham PCN"}'
check_eq "list created" "$HTTP_STATUS" 201
check_eq "list pcn" "$(json_get "$HTTP_BODY" pcn.name)" "North Lewisham PCN"
http_json POST /v1/lists '{"name": "Everyone"}'
check_eq "list without pcn" "$(json_get "$HTTP_BODY" pcn)" None
http_json POST /v1/lists '{"name": "Bad", "pcn": "No PCN"}'
check_eq "list with unknown pcn: 422" "$HTTP_STATUS" 422
http_json POST "/v1/lists/North%20MDT/members" '{"add": ["ann@lh.example", "bob@ca.example", "ann@lh.example"]}'
check_eq "members added" "$(json_get "$HTTP_BODY" member_count)" 2
check_eq "members listed" "$(python3 -c 'import json,sys; print(",".join(m["email"] for m in json.loads(sys.argv[1])["members"]))' "$HTTP_BODY")" "ann@lh.example,bob@ca.example"
http_json POST "/v1/lists/North%20MDT/members" '{"add": ["cat@lh.example", "nobody@x.example"]}'
check_eq "unknown member: 422" "$HTTP_STATUS" 422
check_eq "unknown member: field add.1" "$(json_get "$HTTP_BODY" error.field)" add.1
http GET "/v1/lists/North%20MDT"
check_eq "all or nothing: cat not added" "$(json_get "$HTTP_BODY" member_count)" 2
http_json POST "/v1/lists/North%20MDT/members" '{"remove": ["bob@ca.example", "cat@lh.example"]}'
check_eq "remove (non-member ignored)" "$(json_get "$HTTP_BODY" member_count)" 1
http GET "/v1/lists?pcn=North%20Lewisham%20PCN"
check_eq "lists filtered by pcn" "$(names)" "North MDT"
check_match "list index has member_count, no members" "$HTTP_BODY" '"member_count":1'
if printf '%s' "$HTTP_BODY" | grep -q '"members"'; then not_ok "no members in the index"; else ok "no members in the index"; fi
check_status "deleting a pcn with lists: 409" 409 DELETE "/v1/pcns/North%20Lewisham%20PCN"
check_status "deleting a person" 204 DELETE /v1/people/ann@lh.example
http GET "/v1/lists/North%20MDT"
check_eq "deleted person left the list" "$(json_get "$HTTP_BODY" member_count)" 0
check_status "delete list" 204 DELETE "/v1/lists/North%20MDT"
check_status "then the pcn" 204 DELETE "/v1/pcns/North%20Lewisham%20PCN"
check_status "deleted pcn is gone" 404 GET "/v1/pcns/North%20Lewisham%20PCN"
tok=$(api_token partner "Citizens Advice")
check_status "person of an org with a token" 204 DELETE /v1/people/bob@ca.example
check_status "org with a token: 409" 409 DELETE "/v1/orgs/Citizens%20Advice"
check_status "org without dependants: 204" 204 DELETE "/v1/orgs/Lewisham%20Homes"
