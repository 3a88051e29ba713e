#!/usr/bin/env bash
# The case holder's side of pseudonymisation, mostly offline: the key
# (init, export, import between two homes), the case template, scrubbing
# (only JSON on stdout, no client block value in it, a stable pseudonym),
# refusals that name the field, then a submission to a PCN that fills the
# encrypted vault, and find/reveal with the daemon stopped.
. "$(dirname "$0")/lib.sh"

# Nothing here reads a terminal: mdt must not wait for one.
exec </dev/null
mode() { stat -c %a "$1"; }

CORPUS=$SHARED/corpus/deid-dev/cases
HOME1=$HOME
HOME2=$T/home2
mkdir -p "$HOME2"
# in_home2 CMD...: runs CMD with the second case holder's home.
in_home2() { HOME=$HOME2 XDG_CONFIG_HOME=$HOME2/.config XDG_DATA_HOME=$HOME2/.local/share "$@"; }

# --- the key -----------------------------------------------------------------
cp "$CORPUS/case-01.json" "$T/case.json"
run case scrub "$T/case.json"
expect "scrub without a key: exit 1" 1
check_eq "scrub without a key: the reason" "$ERR" "mdt: no pseudonym key: run 'mdt key init' or 'mdt key import'"
check_eq "scrub without a key: nothing on stdout" "$OUT" ""

run key init
expect "key init" 0
KEYFILE=$XDG_CONFIG_HOME/mdt/key
check_eq "key file is 0600" "$(mode "$KEYFILE")" 600
check_eq "key directory is 0700" "$(mode "$XDG_CONFIG_HOME/mdt")" 700
run key show
expect "key show" 0
FP1=$(sed -n 's/^fingerprint //p' <<<"$OUT")
check_match "key show prints a fingerprint" "$FP1" "^[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}$"
cp "$KEYFILE" "$T/key.before"
run key init
expect "key init again refuses: exit 1" 1
check_match "key init again: says a key exists" "$ERR" "already exists"
check "the existing key is untouched" cmp -s "$KEYFILE" "$T/key.before"
run key export
expect "key export" 0
EXPORTED=$OUT
check_match "key export is one line with prefix and checksum" "$EXPORTED" "^mdt-key-1:[A-Za-z0-9_-]{43}:[0-9a-f]{8}$"
B64=$(cut -d: -f2 <<<"$EXPORTED")
run key show
check_eq "key show never prints the key" "$(grep -c -- "$B64" <<<"$OUT")" 0

# A mistyped key is refused; the real one installs in the second home.
printf '%s\n' "${EXPORTED:0:20}Q${EXPORTED:21}" >"$T/typo.key"
[ "${EXPORTED:20:1}" = Q ] && printf '%s\n' "${EXPORTED:0:20}R${EXPORTED:21}" >"$T/typo.key"
in_home2 "$MDT" key import "$T/typo.key" >"$T/out" 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
check_eq "a mistyped key is refused" "$RC" 1
check_match "a mistyped key: the reason" "$ERR" "checksum|base64"
check "no key file after a refused import" test ! -e "$HOME2/.config/mdt/key"
printf '%s\n' "$EXPORTED" | in_home2 "$MDT" key import - >"$T/out" 2>"$T/err"; RC=$?
check_eq "key import from stdin" "$RC" 0
check_eq "imported key file is 0600" "$(mode "$HOME2/.config/mdt/key")" 600
FP2=$(in_home2 "$MDT" key show | sed -n 's/^fingerprint //p')
check_eq "same fingerprint in both homes" "$FP2" "$FP1"
printf '%s\n' "$EXPORTED" >"$T/exported.key"
in_home2 "$MDT" key import "$T/exported.key" >"$T/out" 2>&1; RC=$?
check_eq "importing the same key again is fine" "$RC" 0

# --- the case template -------------------------------------------------------
run case new
expect "case new" 0
check_eq "case new: the case file's shape" "$(py 'sorted(j) == ["client","needs","presentation","question","risk"] and sorted(j["client"]) == sorted(["name","nhs_number","date_of_birth","address","postcode","phone","email"]) and all(v == "" for v in j["client"].values()) and isinstance(j["needs"], list)')" True
cp "$T/out" "$T/template.json"
run case scrub "$T/template.json"
expect "the template as printed is refused until filled in" 1
check_match "the empty template: the field is named" "$ERR" "^mdt: $T/template.json: client\."
python3 - "$T/template.json" "$T/filled.json" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))
t["client"].update(name="Tess Okafor", nhs_number="943 476 5919", date_of_birth="1961-05-02",
                   address="12 Rye Lane, London", postcode="SE15 4ST", phone="07700 900123",
                   email="tess.okafor@example.com")
t["presentation"] = "Tess Okafor, 63, lives alone and has rent arrears of £900. Call 07700 900123."
t["question"] = "Can the housing team help Tess with the arrears?"
t["risk"] = "No current risk to self."
json.dump(t, open(sys.argv[2], "w"))
EOF
run case scrub "$T/filled.json"
expect "a filled-in template scrubs" 0
check_eq "filled template: payload fields" "$(py 'list(j)')" "['pseudonym', 'age_band', 'needs', 'presentation', 'question', 'risk']"
check_eq "filled template: no name, phone or NHS number" "$(grep -Eci 'tess|okafor|07700|900123|9434765919|943 476' <<<"$OUT")" 0

# --- scrubbing the dev corpus --------------------------------------------------
for n in 01 07 10 26 31; do
    f=$CORPUS/case-$n.json
    [ -f "$f" ] || continue
    run case scrub "$f"
    expect "case-$n scrubs" 0
    check_eq "case-$n: stdout is exactly one JSON payload" "$(py 'sorted(j) == sorted(["pseudonym","age_band","needs","presentation","question","risk"])')" True
    LEAKS=$(python3 - "$f" "$T/out" <<'EOF'
import json, re, sys
case = json.load(open(sys.argv[1]))
out = open(sys.argv[2]).read().lower()
alnum = re.sub(r"[^0-9a-z]", "", out)
leaks = []
for k, v in case["client"].items():
    if not v:
        continue
    if v.lower() in out:
        leaks.append(k)
    elif k in ("nhs_number", "phone") and re.sub(r"[^0-9a-z]", "", v.lower()) in alnum:
        leaks.append(k + " (digits)")
print(",".join(leaks))
EOF
)
    check_eq "case-$n: no client block value in the payload" "$LEAKS" ""
    P1=$(py 'j["pseudonym"]')
    run case scrub "$f"
    expect "case-$n scrubs again" 0
    check_eq "case-$n: the same pseudonym at every run" "$(py 'j["pseudonym"]')" "$P1"
    in_home2 "$MDT" case scrub "$f" >"$T/out2" 2>/dev/null
    OUT=$(cat "$T/out2")
    check_eq "case-$n: the same pseudonym with the imported key" "$(py 'j["pseudonym"]')" "$P1"
done
check_match "pseudonym format" "$P1" "^MDT-[0-9A-Z]{4}-[0-9A-Z]{4}$"

# The scorer runs 'mdt case scrub' on every dev case and parses stdout as
# the payload: every run must succeed with JSON only, and no client block
# value may reach it. (Recall is the scrubber's own measure: shown only.)
SCORE=$("$SHARED/tools/deid-score" --json --corpus "$SHARED/corpus/deid-dev" -- "$MDT" case scrub 2>&1 | tail -1)
OUT=$SCORE
check_eq "deid-score: every case scrubs to JSON, no client block leaks" "$(py '(j["cases"], j["failures"], j["block_leaks"])')" "(40, 0, 0)"
echo "# deid-score: recall $(py 'round(j["recall"], 4)'), retention $(py 'round(j["retention"], 4)')"

# A different key gives a different pseudonym.
HOME3=$T/home3
HOME=$HOME3 XDG_CONFIG_HOME=$HOME3/.config XDG_DATA_HOME=$HOME3/.local/share "$MDT" key init >/dev/null 2>&1
HOME=$HOME3 XDG_CONFIG_HOME=$HOME3/.config XDG_DATA_HOME=$HOME3/.local/share "$MDT" case scrub "$CORPUS/case-31.json" >"$T/out3" 2>/dev/null
OUT=$(cat "$T/out3")
P3=$(py 'j["pseudonym"]')
if [ -n "$P3" ] && [ "$P3" != "$P1" ]; then ok "another organisation's key gives another pseudonym"; else
    not_ok "another organisation's key gives another pseudonym ($P3 vs $P1)"; fi

# --- refusals name the field ----------------------------------------------------
edit_case() {  # edit_case OUT PYTHON-STATEMENT: case-01 changed by the statement (c is the case)
    python3 -c 'import json,sys
c=json.load(open(sys.argv[1])); exec(sys.argv[3]); json.dump(c, open(sys.argv[2],"w"))' "$CORPUS/case-01.json" "$1" "$2"
}
edit_case "$T/bad-dob.json" 'c["client"]["date_of_birth"]="14/03/1987"'
run case scrub "$T/bad-dob.json"
expect "malformed date of birth: exit 1" 1
check_match "malformed date of birth: the field is named" "$ERR" "^mdt: $T/bad-dob.json: .*client\.date_of_birth"
check_eq "malformed date of birth: nothing on stdout" "$OUT" ""
edit_case "$T/no-presentation.json" 'del c["presentation"]'
run case scrub "$T/no-presentation.json"
expect "missing presentation: exit 1" 1
check_match "missing presentation: the field is named" "$ERR" "^mdt: .*presentation"
edit_case "$T/bad-needs.json" 'c["needs"]="housing"'
run case scrub "$T/bad-needs.json"
expect "needs not a list: exit 1" 1
check_match "needs not a list: the field is named" "$ERR" "needs"
printf '{"client": ' >"$T/broken.json"
run case scrub "$T/broken.json"
expect "not JSON: exit 1" 1
check_match "not JSON: the file is named" "$ERR" "^mdt: $T/broken.json: "
run case scrub "$T/does-not-exist.json"
expect "missing file: exit 1" 1
run case scrub
expect "scrub without a file: exit 2" 2

# --- submit, then find and reveal offline ------------------------------------------
start_mdtd
"$MDT" org create --name "Mind in Lewisham" --kind vcse --email mind@example.org >/dev/null
"$MDT" pcn create --name "Lewisham North" >/dev/null
CH=$(new_token case_holder "Mind in Lewisham")
SCRUBBED=$("$MDT" case scrub "$CORPUS/case-01.json")
PSEUDO=$(OUT=$SCRUBBED py 'j["pseudonym"]')

MDT_TOKEN=$CH run case submit "$CORPUS/case-01.json" --next "Lewisham North"
expect "submit without --yes when stdin is not a terminal: exit 2" 2
check_match "submit without --yes: says why" "$ERR" "not a terminal"
MDT_TOKEN=$CH run case submit "$CORPUS/case-01.json" --next "Lewisham North" --meeting 1 --yes
expect "submit with both --next and --meeting: exit 2" 2
MDT_TOKEN=$CH run case submit "$CORPUS/case-01.json" --yes
expect "submit with neither: exit 2" 2
check "no vault before a submission" test ! -e "$XDG_DATA_HOME/mdt/vault"

MDT_TOKEN=$CH run case submit "$CORPUS/case-01.json" --next "Lewisham North" --yes --json
expect "submit to a PCN" 0
check_eq "client and server scrub alike: no note" "$(printf '%s' "$ERR" | grep -c 'note: the server checks')" 0
CASE_ID=$(py 'j["id"]')
check_eq "submit --json: the created case" "$(py '(j["pseudonym"], j["status"], j["pcn"]["name"])')" "('$PSEUDO', 'submitted', 'Lewisham North')"
MDT_TOKEN=$CH run case submit "$CORPUS/case-07.json" --next "Lewisham North" --yes
expect "submit a second case (human output)" 0
check_match "submit prints id, pseudonym and status" "$OUT" "^Submitted case [0-9]+ as MDT-[0-9A-Z]{4}-[0-9A-Z]{4} \(status submitted"

VAULT=$XDG_DATA_HOME/mdt/vault
check "the vault exists" test -f "$VAULT"
check_eq "the vault is 0600" "$(mode "$VAULT")" 600
IDENT=$(python3 - "$CORPUS/case-01.json" "$VAULT" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))["client"]
raw = open(sys.argv[2], "rb").read()
found = [k for k in ("name", "nhs_number", "date_of_birth") if c[k].encode() in raw]
found += [w for w in c["name"].split() if w.encode().lower() in raw.lower()]
print(",".join(found))
EOF
)
check_eq "the vault holds no identity in clear text" "$IDENT" ""
check_eq "the server never saw the name" "$(cat "$T/var/"* "$T/mdtd.log" | grep -aci asante)" 0

# The same person again: one vault entry, two cases.
MDT_TOKEN=$CH run case submit "$CORPUS/case-01.json" --next "Lewisham North" --yes --json
expect "submit the same person again" 0
CASE_ID2=$(py 'j["id"]')

# On a terminal, submit shows the payload and asks; only "y" sends.
if command -v script >/dev/null; then
    BEFORE=$(MDT_TOKEN=$CH "$MDT" case list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
    RC=0
    MDT_TOKEN=$CH script -qec "'$MDT' case submit '$CORPUS/case-10.json' --next 'Lewisham North'" /dev/null <<<"n" >"$T/tty" 2>&1 || RC=$?
    check_eq "answering no on the terminal: exit 1" "$RC" 1
    check_match "the terminal shows the payload and the question" "$(tr -d '\r' <"$T/tty")" "Submit this case\? \[y/N\]"
    check_match "answering no: not submitted" "$(cat "$T/tty")" "not submitted"
    AFTER=$(MDT_TOKEN=$CH "$MDT" case list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
    check_eq "answering no sends nothing" "$AFTER" "$BEFORE"
    RC=0
    MDT_TOKEN=$CH script -qec "'$MDT' case submit '$CORPUS/case-10.json' --next 'Lewisham North'" /dev/null <<<"y" >"$T/tty" 2>&1 || RC=$?
    check_eq "answering yes on the terminal submits" "$RC" 0
    check_match "answering yes: the case is created" "$(cat "$T/tty")" "Submitted case [0-9]+"
fi

MDT_TOKEN=$CH run case list --pseudonym "$PSEUDO" --json
expect "case list --pseudonym" 0
check_eq "case list: both cases of the person" "$(py 'sorted(c["id"] for c in j)')" "$(python3 -c "print(sorted([$CASE_ID, $CASE_ID2]))")"
MDT_TOKEN=$CH run case list
check_match "case list: a table" "$OUT" "^ID +PSEUDONYM +AGE"
MDT_TOKEN=$CH run case show "$CASE_ID"
expect "case show" 0
check_match "case show: the pseudonym, never the name" "$OUT" "pseudonym: +$PSEUDO"
check_eq "case show: no name" "$(grep -ci asante <<<"$OUT")" 0

stop_mdtd
NAME=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["client"]["name"])' "$CORPUS/case-01.json")
NHS=$(python3 -c 'import json,sys; n=json.load(open(sys.argv[1]))["client"]["nhs_number"]; d="".join(x for x in n if x.isdigit()); print(d[:3]+" "+d[3:6]+" "+d[6:])' "$CORPUS/case-01.json")
run case find "${NAME##* }"
expect "find by surname, offline" 0
check_match "find shows the pseudonym and name" "$OUT" "$PSEUDO +$NAME"
run case find "$NHS" --json
expect "find by spaced NHS number" 0
check_eq "find --json: the entry and both cases" "$(py '(len(j), j[0]["pseudonym"], j[0]["cases"])')" "(1, '$PSEUDO', [$CASE_ID, $CASE_ID2])"
run case find "$(tr 'A-Z' 'a-z' <<<"${PSEUDO#MDT-}")"
expect "find by pseudonym (any case)" 0
run case find "Nobody Atall"
expect "find with no match: exit 1" 1
run case reveal "$PSEUDO"
expect "reveal, offline" 0
check_match "reveal prints the name" "$OUT" "name: +$NAME"
check_match "reveal prints the date of birth" "$OUT" "date_of_birth: +[0-9]{4}-[0-9]{2}-[0-9]{2}"
run case reveal "$PSEUDO" --json
check_eq "reveal --json" "$(py '(j["name"], j["pseudonym"])')" "('$NAME', '$PSEUDO')"
run case reveal MDT-0000-0000
expect "reveal of an unknown pseudonym: exit 1" 1

# The vault with the wrong key: a clear refusal, never garbage.
cp "$KEYFILE" "$T/key.good"
HOME=$HOME3 XDG_CONFIG_HOME=$HOME3/.config "$MDT" key export | "$MDT" key import --force - >/dev/null 2>&1
run case find "${NAME##* }"
expect "vault with the wrong key: exit 1" 1
check_match "vault with the wrong key: says so" "$ERR" "wrong key"
check_eq "vault with the wrong key: nothing on stdout" "$OUT" ""
cp "$T/key.good" "$KEYFILE"
printf 'garbage' >>"$VAULT"
run case reveal "$PSEUDO"
expect "an altered vault is refused" 1
