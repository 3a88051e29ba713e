#!/usr/bin/env bash
# The mdt client against the real daemon: every directory command with and
# without --json, exit statuses and the one-line reasons for network,
# authentication, permission, lookup, conflict, validation and usage faults.
. "$(dirname "$0")/lib.sh"

# one_line DESC REGEX: stderr is exactly one line matching REGEX.
one_line() {
    local n
    n=$(printf '%s\n' "$ERR" | grep -c .)
    if [ "$n" = 1 ] && printf '%s' "$ERR" | grep -Eq -- "$2"; then ok "$1"; else
        not_ok "$1"; printf '%s\n' "$ERR" | head -5 | sed 's/^/#   got: /'; echo "#   want one line /$2/"; fi
}

# --- without a server -------------------------------------------------------
run --help
expect "mdt --help exits 0" 0
check_match "mdt --help lists the groups" "$OUT" "^  person +professionals"
run help org
expect "mdt help org exits 0" 0
check_match "mdt help org lists its commands" "$OUT" "create.*"
run org create --help
expect "mdt org create --help exits 0" 0
check_match "create --help names its options" "$OUT" "--capacity CAP"
run frobnicate
expect "unknown group: exit 2" 2
one_line "unknown group: one line" "^mdt: unknown command 'frobnicate'"
run org frobnicate
expect "unknown command: exit 2" 2
run org create --nmae x
expect "unknown option: exit 2" 2
one_line "unknown option: one line naming it" "unknown option --nmae"
run org create --kind vcse --email a@example.org
expect "missing required option: exit 2" 2
one_line "missing required option is named" "--name is required"
run org show
expect "missing argument: exit 2" 2
run org show a b
expect "extra argument: exit 2" 2
run org list
expect "no server configured: exit 1" 1
one_line "no server configured: says so" "no server: set MDT_URL"
MDT_URL=http://127.0.0.1:1 MDT_TOKEN=x run org list
expect "server unreachable: exit 1" 1
one_line "server unreachable: one line" "^mdt: cannot reach http://127\.0\.0\.1:1: Connection refused$"
MDT_URL=ftp://127.0.0.1:1 MDT_TOKEN=x run org list
expect "non-http URL refused" 1

# Bash completion reads the same help.
COMPL=$(bash -c 'source "$1"; COMP_WORDS=("$2" org create --); COMP_CWORD=3; _mdt; echo "${COMPREPLY[*]}"' _ "$TOP/scripts/mdt.bash-completion" "$MDT")
check_match "bash completion offers a command's options" "$COMPL" "--name --kind --needs --email"
COMPL=$(bash -c 'source "$1"; COMP_WORDS=("$2" ""); COMP_CWORD=1; _mdt; echo "${COMPREPLY[*]}"' _ "$TOP/scripts/mdt.bash-completion" "$MDT")
missing=""
for g in token org person pcn list import key case series meeting agenda invite feed outbox help; do
    case " $COMPL " in *" $g "*) ;; *) missing="$missing $g" ;; esac
done
check_eq "bash completion offers the groups" "$missing" ""

# --- the daemon ------------------------------------------------------------
start_mdtd

# The config file is read when the environment says nothing.
mkdir -p "$XDG_CONFIG_HOME/mdt"
printf '# test\nurl = %s\ntoken = %s\n' "$MDT_URL" "$MDT_TOKEN" >"$XDG_CONFIG_HOME/mdt/config"
chmod 644 "$XDG_CONFIG_HOME/mdt/config"
(unset MDT_URL MDT_TOKEN; run pcn list; echo "$RC $ERR" >"$T/rc-config")
check_match "url and token from the config file, with a warning that others can read it" "$(cat "$T/rc-config")" "^0 mdt: warning: .*config holds a token and others can read it"
chmod 600 "$XDG_CONFIG_HOME/mdt/config"
(unset MDT_URL MDT_TOKEN; run pcn list; echo "$RC $ERR" >"$T/rc-config")
check_eq "a private config file: no warning" "$(cat "$T/rc-config")" "0 "
printf 'url = %s\ntoken = wrong\n' "http://127.0.0.1:1" >"$XDG_CONFIG_HOME/mdt/config"
run pcn list
expect "the environment wins over the config file" 0
printf 'colour = blue\n' >"$XDG_CONFIG_HOME/mdt/config"
(unset MDT_URL; run pcn list; echo "$RC $ERR" >"$T/rc-config")
check_match "an unknown config key is refused with its line" "$(cat "$T/rc-config")" "^1 .*config: 1: unknown key 'colour'"
rm -f "$XDG_CONFIG_HOME/mdt/config"

MDT_TOKEN=mdt_0000000000000000000000000000000000000000000000000000000000000000 run org list
expect "unknown token: exit 1" 1
one_line "unknown token: 401 reported" "HTTP 401"

# Organisations.
run org create --name "Lewisham Homes" --kind housing --needs housing,debt --email homes@example.org --webhook https://hooks.example.org/x
expect "org create" 0
check_match "org create prints the new organisation" "$OUT" "^Created organisation [0-9]+"
run org create --name "Mind in Lewisham" --kind vcse --needs "mental_health, isolation" --email mind@example.org --capacity limited --json
expect "org create --json" 0
MIND_ID=$(py 'j["id"]')
check_eq "org create --json gives the object" "$(py '(j["name"], j["needs"], j["capacity"])')" "('Mind in Lewisham', ['mental_health', 'isolation'], 'limited')"
run org create --name "Mind in Lewisham" --kind vcse --email x@example.org
expect "duplicate org: exit 1" 1
one_line "duplicate org: 409 reported" "HTTP 409"
run org create --name "Bad Email" --kind vcse --email not-an-email
expect "invalid email: exit 1" 1
one_line "invalid email: 422 names the field" "field email; HTTP 422"
run org create --name "Bad Needs" --kind vcse --email b@example.org --needs housing,flying
expect "unknown need: exit 1" 1
one_line "unknown need: the array element is named" "field needs\.1"
run org list
expect "org list" 0
check_match "org list is a table with a header" "$(head -1 <<<"$OUT")" "^ID +NAME +KIND +CAPACITY"
check_match "org list shows both" "$OUT" "Lewisham Homes.*housing"
run org list --json
expect "org list --json" 0
check_eq "org list --json: array of objects with ids, by name" "$(py '[o["name"] for o in j if "id" in o]')" "['Lewisham Homes', 'Mind in Lewisham']"
run org list --need housing --json
check_eq "org list --need filters" "$(py '[o["name"] for o in j]')" "['Lewisham Homes']"
run org list --kind vcse --json
check_eq "org list --kind filters" "$(py '[o["name"] for o in j]')" "['Mind in Lewisham']"
run org show "Lewisham Homes"
expect "org show by name (URL-encoded space)" 0
check_match "org show prints fields" "$OUT" "kind: +housing"
run org show "$MIND_ID" --json
check_eq "org show by id --json" "$(py 'j["id"]')" "$MIND_ID"
run org show "No Such Org"
expect "org show missing: exit 1" 1
one_line "org show missing: 404 reported" "HTTP 404"
run org update "Lewisham Homes" --capacity closed --webhook "" --json
expect "org update" 0
check_eq "org update changed capacity, cleared the webhook" "$(py '(j["capacity"], j["webhook_url"], j["version"])')" "('closed', None, 2)"
run org update "Lewisham Homes" --capacity open --version 1
expect "org update with a stale version: exit 1" 1
one_line "stale version: 409 reported" "HTTP 409 stale"
run org update "Lewisham Homes"
expect "org update with nothing to change: exit 2" 2
run org update "Lewisham Homes" --version x --name y
expect "org update with a non-numeric version: exit 2" 2

# Tokens and roles.
run token create --role case_holder --name "Case holder" --org "Mind in Lewisham"
expect "token create" 0
check_match "token create shows the token once, clearly" "$OUT" "^    mdt_[0-9a-f]{64}$"
run token create --role partner --name "Partner" --org "Lewisham Homes" --json
expect "token create --json" 0
PARTNER=$(py 'j["token"]')
PARTNER_ID=$(py 'j["id"]')
check_match "token create --json includes the token" "$PARTNER" "^mdt_[0-9a-f]{64}$"
CH=$(new_token case_holder "Mind in Lewisham")
check_match "new_token from lib.sh works" "$CH" "^mdt_[0-9a-f]{64}$"
run token create --role admin --name "Admin with org" --org "Lewisham Homes"
expect "admin token with an org: exit 1" 1
one_line "admin token with an org: field named" "field org"
run token create --role case_holder
expect "token create without --name: exit 2" 2
run token list
expect "token list" 0
check_match "token list table" "$OUT" "Partner +partner +Lewisham Homes"
check_eq "token list never shows tokens" "$(grep -c 'mdt_' <<<"$OUT")" 0
run token list --json
check_eq "token list --json: objects with ids, no secrets" "$(py 'all("id" in o and "token" not in o for o in j)')" True
MDT_TOKEN=$CH run org create --name "Nope" --kind vcse --email n@example.org
expect "case holder creating an org: exit 1" 1
one_line "case holder creating an org: 403 reported" "HTTP 403"
MDT_TOKEN=$PARTNER run org list
expect "partner can list orgs" 0
MDT_TOKEN=$PARTNER run person list
expect "partner listing people: exit 1" 1
one_line "partner listing people: 403" "HTTP 403"
run token revoke "$PARTNER_ID"
expect "token revoke" 0
MDT_TOKEN=$PARTNER run org list
expect "revoked token: exit 1" 1
one_line "revoked token: 401" "HTTP 401"
run token revoke "$PARTNER_ID"
expect "revoking twice: exit 1" 1
one_line "revoking twice: 404" "HTTP 404"
run token revoke abc
expect "token revoke with a name: exit 2" 2

# People.
run person create --name "Ann Lee" --email ann.lee@example.org --org "Mind in Lewisham" --title "Link worker"
expect "person create" 0
run person create --name "Bo Chan" --email bo@example.org --org "$MIND_ID" --json
expect "person create --json (org by id)" 0
check_eq "person create --json gives the object" "$(py '(j["email"], j["org"]["name"])')" "('bo@example.org', 'Mind in Lewisham')"
run person create --name "Cy" --email cy@example.org --org "No Such Org"
expect "person with an unknown org: exit 1" 1
one_line "person with an unknown org: field org" "field org; HTTP 422"
run person create --name "Ann Again" --email ann.lee@example.org --org "Mind in Lewisham"
expect "duplicate email: exit 1" 1
run person list
expect "person list" 0
check_match "person list table" "$OUT" "Ann Lee +ann\.lee@example\.org +Mind in Lewisham +Link worker"
run person list --org "Mind in Lewisham" --json
check_eq "person list --org --json" "$(py '[p["email"] for p in j]')" "['ann.lee@example.org', 'bo@example.org']"
run person show ann.lee@example.org
expect "person show by email" 0
check_match "person show prints the title" "$OUT" "title: +Link worker"
run person update bo@example.org --title "Debt adviser" --json
check_eq "person update" "$(py 'j["title"]')" "Debt adviser"

# PCNs.
run pcn create --name "Lewisham North"
expect "pcn create" 0
run pcn create --name "Lewisham South" --json
expect "pcn create --json" 0
SOUTH_ID=$(py 'j["id"]')
run pcn list --json
check_eq "pcn list --json" "$(py '[p["name"] for p in j]')" "['Lewisham North', 'Lewisham South']"
run pcn list
check_match "pcn list table" "$OUT" "Lewisham South"
run pcn update "$SOUTH_ID" --name "Lewisham Central"
expect "pcn update" 0
run pcn show "Lewisham Central" --json
check_eq "pcn show after rename" "$(py 'j["id"]')" "$SOUTH_ID"
run pcn delete "Lewisham Central"
expect "pcn delete" 0
run pcn show "Lewisham Central"
expect "pcn deleted: show exits 1" 1

# Distribution lists.
run list create --name "North MDT" --pcn "Lewisham North"
expect "list create" 0
run list add "North MDT" ann.lee@example.org bo@example.org
expect "list add" 0
check_match "list add shows the members" "$OUT" "bo@example\.org"
run list add "North MDT" nobody@example.org
expect "list add of an unknown email: exit 1" 1
one_line "unknown member: field add.0" "field add\.0"
run list show "North MDT"
expect "list show" 0
check_match "list show: members as a table" "$OUT" "Ann Lee +ann\.lee@example\.org"
run list show "North MDT" --json
check_eq "list show --json: members" "$(py '[m["email"] for m in j["members"]]')" "['ann.lee@example.org', 'bo@example.org']"
run list remove "North MDT" bo@example.org --json
check_eq "list remove" "$(py '[m["email"] for m in j["members"]]')" "['ann.lee@example.org']"
run list list
check_match "list list table with member count" "$OUT" "North MDT +Lewisham North +1"
run list list --json
check_eq "list list --json" "$(py '[(l["name"], l["member_count"]) for l in j]')" "[('North MDT', 1)]"
run list add "North MDT"
expect "list add without emails: exit 2" 2
run pcn delete "Lewisham North"
expect "deleting a PCN a list refers to: exit 1" 1
one_line "PCN in use: 409" "HTTP 409"

# Deletes.
run person delete bo@example.org
expect "person delete" 0
run org delete "Mind in Lewisham"
expect "deleting an org with people: exit 1" 1
one_line "org with people: 409" "HTTP 409"
run list delete "North MDT"
expect "list delete" 0
run list show "North MDT"
expect "deleted list: exit 1" 1

# CSV import.
cat >"$T/people.csv" <<'EOF'
name,email,organisation,job_title
Dee Fox,dee@example.org,Lewisham Homes,Housing officer
Eli Gray,eli@example.org,Mind in Lewisham,
EOF
run import people "$T/people.csv"
expect "import people" 0
check_match "import prints the summary" "$OUT" "2 created, 0 updated, 0 unchanged"
run import people "$T/people.csv" --json
expect "import again --json" 0
check_eq "import again: unchanged" "$(py '(j["created"], j["updated"], j["unchanged"])')" "(0, 0, 2)"
cat >"$T/bad.csv" <<'EOF'
name,email,organisation,job_title
Fay,fay@example.org,Lewisham Homes,
Gus,not-an-email,Lewisham Homes,
EOF
run import people "$T/bad.csv"
expect "import with a bad row: exit 1" 1
check_match "import report names row 3, the column and the reason" "$OUT" "^3 +email +.+"
check_match "import refusal: one line on stderr" "$ERR" "row.* refused"
run person show fay@example.org
expect "refused import changed nothing" 1
cat >"$T/orgs.csv" <<'EOF'
name,kind,needs,email,webhook_url
Citizens Advice Lewisham,vcse,debt;benefits;legal,ca@example.org,
EOF
run import orgs "$T/orgs.csv"
expect "import orgs" 0
run org show "Citizens Advice Lewisham" --json
check_eq "imported org has its needs" "$(py 'j["needs"]')" "['debt', 'benefits', 'legal']"
printf 'name,kind,needs,email,webhook_url\nShelter Lewisham,vcse,housing,shelter@example.org,\n' |
    "$MDT" import orgs - >"$T/out" 2>"$T/err"
check_eq "import from stdin ('-')" "$?:$(cat "$T/out")" "0:-: 1 created, 0 updated, 0 unchanged"
run import orgs "$T/missing.csv"
expect "import of a missing file: exit 1" 1
one_line "missing file named" "missing\.csv: No such file"

stop_mdtd
MDT_URL=$MDT_URL run org list
expect "stopped daemon: exit 1" 1
one_line "stopped daemon: cannot reach" "^mdt: cannot reach http://127\.0\.0\.1:[0-9]+: Connection refused$"
