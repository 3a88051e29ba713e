#!/usr/bin/env bash
# CSV import of organisations and professionals: a good file, a report of
# refused rows, all or nothing, and re-importing changes nothing.
. "$(dirname "$0")/lib.sh"

start_mdtd

csv() { http POST "$1" -H 'Content-Type: text/csv' --data-binary "@$2"; }
count() { http GET "$1"; python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])))' "$HTTP_BODY"; }

printf 'name,kind,needs,email,webhook_url\r\n"Lewisham Homes",housing,housing;debt,homes@lewisham.example,https://hooks.example/lh\r\n"Mind, Lewisham",vcse,mental_health; isolation ,info@mind.example,\r\nJobcentre,dwp,,jc@dwp.example,\r\n' >"$T/orgs.csv"
csv /v1/import/orgs "$T/orgs.csv"
check_eq "orgs import: 200" "$HTTP_STATUS" 200
check_eq "orgs import: counts" "$HTTP_BODY" '{"created":3,"updated":0,"unchanged":0}'
http GET "/v1/orgs/Mind%2C%20Lewisham"
check_eq "quoted name with a comma" "$(json_get "$HTTP_BODY" name)" "Mind, Lewisham"
check_eq "needs split on ; and trimmed" "$(json_get "$HTTP_BODY" needs)" '["mental_health", "isolation"]'
csv /v1/import/orgs "$T/orgs.csv"
check_eq "orgs re-import: unchanged" "$HTTP_BODY" '{"created":0,"updated":0,"unchanged":3}'
http GET /v1/orgs/Jobcentre
check_eq "re-import did not bump the version" "$(json_get "$HTTP_BODY" version)" 1

# Columns in another order, LF line ends, one change.
printf 'email,name,kind\njc@dwp.example,Jobcentre,employment\n' >"$T/orgs2.csv"
csv /v1/import/orgs "$T/orgs2.csv"
check_eq "columns in any order; a changed row updates" "$HTTP_BODY" '{"created":0,"updated":1,"unchanged":0}'
http GET /v1/orgs/Jobcentre
check_eq "updated kind" "$(json_get "$HTTP_BODY" kind)" employment

printf 'name,email,organisation,job_title\nAnn Smith,ann@mind.example,"Mind, Lewisham",Peer worker\nBob Jones,bob@homes.example,Lewisham Homes,\n"Cat ""CJ"" Lee",cat@dwp.example,Jobcentre,Work coach\n' >"$T/people.csv"
csv /v1/import/people "$T/people.csv"
check_eq "people import" "$HTTP_BODY" '{"created":3,"updated":0,"unchanged":0}'
http GET /v1/people/cat@dwp.example
check_eq "escaped quotes in a name" "$(json_get "$HTTP_BODY" name)" 'Cat "CJ" Lee'
http GET /v1/people/bob@homes.example
check_eq "empty job title is null" "$(json_get "$HTTP_BODY" title)" None
csv /v1/import/people "$T/people.csv"
check_eq "people re-import unchanged" "$HTTP_BODY" '{"created":0,"updated":0,"unchanged":3}'

# Bad rows: all refused, with row numbers (header is row 1) and columns.
printf 'name,email,organisation,job_title\nDan Good,dan@x.example,Jobcentre,\nEve Bad,not-an-email,Jobcentre,\nFay,fay@x.example,Nowhere Org,\nGus,dan@x.example,Jobcentre,\n' >"$T/bad.csv"
csv /v1/import/people "$T/bad.csv"
check_eq "bad rows: 422" "$HTTP_STATUS" 422
check_eq "bad rows: code" "$(json_get "$HTTP_BODY" error.code)" invalid
check_eq "bad rows: report" "$(json_get "$HTTP_BODY" error.rows)" '[{"row": 3, "column": "email", "reason": "not a valid email address"}, {"row": 4, "column": "organisation", "reason": "no such organisation"}, {"row": 5, "column": "email", "reason": "same as row 2"}]'
check_eq "all or nothing: the good row was not created" "$(count /v1/people)" 3
check_status "dan does not exist" 404 GET /v1/people/dan@x.example

printf 'name,email,organisation,shoe_size\nA,a@x.example,Jobcentre,9\n' >"$T/unknown.csv"
csv /v1/import/people "$T/unknown.csv"
check_eq "unknown column refused" "$(json_get "$HTTP_BODY" error.rows)" '[{"row": 1, "column": "shoe_size", "reason": "unknown column"}]'
printf 'name,organisation\nA,Jobcentre\n' >"$T/missing.csv"
csv /v1/import/people "$T/missing.csv"
check_eq "missing column refused" "$(json_get "$HTTP_BODY" error.rows)" '[{"row": 1, "column": "email", "reason": "missing column"}]'
printf 'name,email,organisation\nA,a@x.example\n' >"$T/short.csv"
csv /v1/import/people "$T/short.csv"
check_eq "short row refused" "$(json_get "$HTTP_BODY" error.rows.0.reason)" "expected 3 fields, found 2"
printf 'name,email,organisation\n"A,a@x.example,Jobcentre\n' >"$T/open.csv"
csv /v1/import/people "$T/open.csv"
check_eq "unclosed quote: 422" "$HTTP_STATUS" 422
check_eq "unclosed quote: row and reason" "$(json_get "$HTTP_BODY" error.rows.0)" '{"row": 2, "column": null, "reason": "quoted field not closed"}'
printf 'name,kind,needs,email\nX,vcse,housing;cake,x@x.example\nY,bakery,,y@x.example\n' >"$T/badorgs.csv"
csv /v1/import/orgs "$T/badorgs.csv"
check_eq "orgs: bad need and kind" "$(json_get "$HTTP_BODY" error.rows)" '[{"row": 2, "column": "needs", "reason": "not one of the allowed needs"}, {"row": 3, "column": "kind", "reason": "not one of the allowed kinds"}]'
check_eq "orgs unchanged after refusal" "$(count /v1/orgs)" 3
printf 'name,email,organisation\n\xff\xfe,a@x.example,Jobcentre\n' >"$T/latin.csv"
csv /v1/import/people "$T/latin.csv"
check_eq "invalid UTF-8 refused" "$(json_get "$HTTP_BODY" error.rows.0.reason)" "not valid UTF-8 text"
printf '' >"$T/empty.csv"
csv /v1/import/people "$T/empty.csv"
check_eq "empty file refused" "$HTTP_STATUS" 422
csv_json() { http POST /v1/import/people -H 'Content-Type: application/json' --data-binary "@$T/people.csv"; }
csv_json
check_eq "JSON content type refused" "$HTTP_STATUS" 415
