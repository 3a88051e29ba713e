#!/usr/bin/env bash
# The role matrix of docs/API.md: every role against every route, each
# either allowed (any status but 401/403) or refused with 403.
. "$(dirname "$0")/lib.sh"

start_mdtd
http_json POST /v1/orgs '{"name": "Home Org", "kind": "vcse", "email": "home@org.example"}'
http_json POST /v1/pcns '{"name": "North PCN"}'
http_json POST /v1/people '{"name": "Pat", "email": "pat@org.example", "org": "Home Org"}'
http_json POST /v1/lists '{"name": "North list", "pcn": "North PCN"}'
declare -A TOK
TOK[admin]=$ADMIN_TOKEN
TOK[chair]=$(api_token chair)
TOK[case_holder]=$(api_token case_holder "Home Org")
TOK[partner]=$(api_token partner "Home Org")

# METHOD PATH BODY(json|csv|-) admin chair case_holder partner  (y: allowed, n: 403)
while read -r method path body a c h p; do
    [ -z "$method" ] && continue
    case $method in \#*) continue ;; esac
    i=0
    for role in admin chair case_holder partner; do
        want=$(echo "$a $c $h $p" | cut -d' ' -f$((i + 1))); i=$((i + 1))
        args=()
        case $body in
        json) args=(-H 'Content-Type: application/json' --data-binary '{}') ;;
        csv) args=(-H 'Content-Type: text/csv' --data-binary $'name\n') ;;
        esac
        MDT_TOKEN=${TOK[$role]} http "$method" "$path" "${args[@]}"
        if [ "$want" = n ]; then
            if [ "$HTTP_STATUS" = 403 ]; then ok "$role $method $path: 403"; else
                not_ok "$role $method $path: got $HTTP_STATUS, want 403"; fi
        else
            case $HTTP_STATUS in 401|403|405|5*) not_ok "$role $method $path: got $HTTP_STATUS, want allowed ($HTTP_BODY)" ;;
            *) ok "$role $method $path: allowed ($HTTP_STATUS)" ;; esac
        fi
    done
done <<'TABLE'
GET    /v1/tokens                     -    y n n n
POST   /v1/tokens                     json y n n n
DELETE /v1/tokens/999                 -    y n n n
GET    /v1/orgs                       -    y y y y
GET    /v1/orgs/Home%20Org            -    y y y y
POST   /v1/orgs                       json y y n n
PATCH  /v1/orgs/Home%20Org            json y y n n
DELETE /v1/orgs/999                   -    y y n n
GET    /v1/pcns                       -    y y y y
GET    /v1/pcns/North%20PCN           -    y y y y
POST   /v1/pcns                       json y y n n
PATCH  /v1/pcns/North%20PCN           json y y n n
DELETE /v1/pcns/999                   -    y y n n
GET    /v1/people                     -    y y y n
GET    /v1/people/pat@org.example     -    y y y n
POST   /v1/people                     json y y n n
PATCH  /v1/people/pat@org.example     json y y n n
DELETE /v1/people/999                 -    y y n n
GET    /v1/lists                      -    y y y n
GET    /v1/lists/North%20list         -    y y y n
POST   /v1/lists                      json y y n n
PATCH  /v1/lists/North%20list         json y y n n
DELETE /v1/lists/999                  -    y y n n
POST   /v1/lists/North%20list/members json y y n n
POST   /v1/import/people              csv  y y n n
POST   /v1/import/orgs                csv  y y n n
POST   /v1/cases                      json n n y n
GET    /v1/cases                      -    y y y n
GET    /v1/cases/1                    -    y y y n
TABLE
MDT_TOKEN= check_status "health is public" 200 GET /v1/health
