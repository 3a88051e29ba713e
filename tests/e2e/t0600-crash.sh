#!/usr/bin/env bash
# Crash safety: four clients submit cases, create and change
# organisations and import batches of organisations, and two partners
# update the actions of a confirmed plan, while mdtd is killed with
# SIGKILL at random moments (KILLS times, default 20) and restarted.
# Afterwards every write that was answered 2xx is there with what was
# sent (an action update in its action's history), no import batch is
# half there, no action's status and version disagree with its last
# history entry, PRAGMA integrity_check is ok and the audit chain holds.
. "$(dirname "$0")/lib.sh"

KILLS=${MDT_CRASH_KILLS:-20}
start_mdtd "auth_fail_burst = 100000" "smtp_from = mdt@crash.example" "public_url = https://mdt.crash.example/"
pin_port
http_json POST /v1/orgs '{"name": "Crash Mind", "kind": "vcse", "email": "c@crash.example"}'
http_json POST /v1/orgs '{"name": "Crash Homes", "kind": "housing", "email": "h@crash.example"}'
http_json POST /v1/pcns '{"name": "Crash PCN"}'
holder=$(api_token case_holder "Crash Mind")
partner=$(api_token partner "Crash Homes")
db=$T/var/mdtd.db

# A confirmed plan with two actions for Crash Homes, one per partner client.
http_json POST /v1/people '{"name": "Ann Crash", "email": "ann@crash.example", "org": "Crash Mind"}'
http_json POST /v1/lists '{"name": "Crash List", "pcn": "Crash PCN"}'
http_json POST "/v1/lists/Crash%20List/members" '{"add": ["ann@crash.example"]}'
http_json POST /v1/series '{"pcn": "Crash PCN", "title": "Crash MDT", "rrule": "FREQ=WEEKLY;BYDAY=TU", "start": "2027-01-12T10:00", "duration": "1h", "tz": "Europe/London", "list": "Crash List", "url": "https://meet.example.org/crash"}'
m1=$(json_get "$HTTP_BODY" next_meeting.id)
MDT_TOKEN=$holder http_json POST /v1/cases "{\"pseudonym\": \"MDT-4H2P-0QRS\", \"age_band\": \"40-49\", \"needs\": [\"housing\"], \"presentation\": \"Arrears\", \"question\": \"Can it be paused?\", \"risk\": \"low\", \"meeting\": $m1}"
c1=$(json_get "$HTTP_BODY" id)
MDT_TOKEN=$holder http_json POST "/v1/cases/$c1/outcome" "{\"meeting\": $m1, \"actions\": [\"Crash Homes: Review the tenancy, due 2030-01-01\", \"Crash Homes: Home visit, due 2030-02-01\"]}"
actions=$(python3 -c 'import json,sys; print(",".join(str(a["id"]) for a in json.loads(sys.argv[1])["actions"]))' "$HTTP_BODY")
MDT_TOKEN=$holder http_json POST "/v1/cases/$c1/plan/confirm" "{\"agreed_on\": \"$(date -u +%F)\"}"
check_eq "a confirmed plan with two actions for the partner clients" "$HTTP_STATUS $(echo "$actions" | tr ',' '\n' | wc -l)" "200 2"

python3 - "$MDT_URL" "$MDT_TOKEN" "$holder" "$T" "$partner" "$actions" >"$T/clients.out" 2>&1 <<'PY' &
import http.client, json, os, random, sys, threading, time
base, admin, holder, T, partner, actions = sys.argv[1:7]
actions = [int(a) for a in actions.split(",")]
host, port = base.split("//")[1].split(":"); port = int(port)
acked, tried = [], []  # (kind, key, value)
lock = threading.Lock()
stop = os.path.join(T, "stop-clients")

def req(method, path, body, tok, ctype="application/json"):
    c = http.client.HTTPConnection(host, port, timeout=5)
    try:
        c.request(method, path, body=body, headers={"Authorization": "Bearer " + tok, "Content-Type": ctype})
        r = c.getresponse(); return r.status, r.read()
    except Exception:
        return 0, b""
    finally:
        c.close()

WORDS = "alder birch cedar damson elder fir gorse hazel ivy juniper larch maple".split()
def word(n):  # a number as words: free text must not look like an identifier
    out = []
    while True:
        out.append(WORDS[n % 12]); n //= 12
        if n == 0: return " ".join(out)

def client(k):
    n = 0
    while not os.path.exists(stop):
        n += 1
        tag = "c%d-%d" % (k, n)
        op = n % 4
        if op == 0:
            text = "Low mood and poor sleep, %s %s." % (WORDS[k], word(n))
            body = json.dumps({"pseudonym": "MDT-7K3Q-9XW2", "age_band": "30-39", "needs": [],
                "presentation": text, "question": "What support helps?", "risk": "low", "pcn": "Crash PCN"})
            item = ("case", text, None)
            st, out = req("POST", "/v1/cases", body, holder)
        elif op == 1 or op == 2:
            name = "Org " + tag
            item = ("org", name, "o-%s@crash.example" % tag)
            st, out = req("POST", "/v1/orgs", json.dumps({"name": name, "kind": "vcse", "email": item[2]}), admin)
        else:
            rows = "".join("Batch %s row %d,vcse,b%d-%s@crash.example\n" % (tag, i, i, tag) for i in range(20))
            item = ("batch", "Batch %s " % tag, 20)
            st, out = req("POST", "/v1/import/orgs", "name,kind,email\n" + rows, admin, "text/csv")
        with lock:
            tried.append(item)
            if 200 <= st < 300: acked.append(item)
        if st == 0: time.sleep(0.05)

def updater(k):
    # A partner moving its action between accepted and in progress, each
    # update with its own note; without a version, so none is refused.
    n = 0
    while not os.path.exists(stop):
        n += 1
        status = ("accepted", "in_progress")[n % 2]
        note = "Progress %s %s" % (WORDS[k], word(n))
        item = ("update", note, [actions[k], status])
        st, out = req("POST", "/v1/actions/%d/updates" % actions[k],
                      json.dumps({"status": status, "note": note}), partner)
        with lock:
            tried.append(item)
            if 200 <= st < 300: acked.append(item)
        if st == 0: time.sleep(0.05)

threads = [threading.Thread(target=client, args=(k,)) for k in range(4)]
threads += [threading.Thread(target=updater, args=(k,)) for k in range(len(actions))]
for t in threads: t.start()
for t in threads: t.join()
json.dump({"acked": acked, "tried": tried}, open(os.path.join(T, "writes.json"), "w"))
print("acked=%d tried=%d" % (len(acked), len(tried)))
PY
clients=$!

restarts=0
for i in $(seq 1 "$KILLS"); do
    sleep "$(python3 -c 'import random; print(round(random.uniform(0.15, 0.6), 3))')"
    kill_mdtd KILL
    restart_mdtd || break
    restarts=$((restarts + 1))
done
sleep 0.5
touch "$T/stop-clients"
wait "$clients"
sed 's/^/# /' "$T/clients.out"
check_eq "mdtd killed and restarted $KILLS times" "$restarts" "$KILLS"

python3 - "$db" "$T/writes.json" >"$T/check.out" 2>&1 <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
w = json.load(open(sys.argv[2]))
lost = []
for kind, key, val in w["acked"]:
    if kind == "case":
        n = db.execute("SELECT count(*) FROM cases WHERE presentation = ?", (key,)).fetchone()[0]
    elif kind == "org":
        n = db.execute("SELECT count(*) FROM orgs WHERE name = ? AND email = ?", (key, val)).fetchone()[0]
    elif kind == "update":
        n = db.execute("SELECT count(*) FROM action_updates WHERE action_id = ? AND status = ? "
                       "AND note = ? AND via = 'token'", (val[0], val[1], key)).fetchone()[0]
    else:
        n = db.execute("SELECT count(*) FROM orgs WHERE name LIKE ? || '%'", (key,)).fetchone()[0] == val
    if n != 1: lost.append((kind, key))
# An action agrees with its last history entry (status and version), and
# its history has one entry per version.
checked = 0
for aid, status, version, last_status, last_version, entries, versions in db.execute(
        "SELECT a.id, a.status, a.version, u.status, u.version, "
        "(SELECT count(*) FROM action_updates WHERE action_id = a.id), "
        "(SELECT count(DISTINCT version) FROM action_updates WHERE action_id = a.id) "
        "FROM actions a JOIN action_updates u ON u.id = "
        "(SELECT max(id) FROM action_updates WHERE action_id = a.id)"):
    if (status, version) != (last_status, last_version) or entries != versions:
        lost.append(("action-half-written", aid))
    checked += 1
updates = sum(1 for kind, k, v in w["acked"] if kind == "update")
half = [k for kind, k, v in w["tried"] if kind == "batch"
        and db.execute("SELECT count(*) FROM orgs WHERE name LIKE ? || '%'", (k,)).fetchone()[0] not in (0, 20)]
print("lost=%d half=%d acked=%d" % (len(lost), len(half), len(w["acked"])))
for x in lost[:5] + half[:5]: print("  ", x)
print("integrity=" + db.execute("PRAGMA integrity_check").fetchone()[0])
print("updates=%d" % updates)
print("actions_checked=%d" % checked)
print("# measure: kills=%d acked_writes=%d acked_action_updates=%d lost_acked_writes=%d half_written=%d" % (
    int(sys.argv[3]) if len(sys.argv) > 3 else 0, len(w["acked"]), updates, len(lost), len(half)))
PY
sed -i "s/kills=0/kills=$restarts/" "$T/check.out"
sed 's/^/# /' "$T/check.out"
check_match "enough acknowledged writes to mean something" "$(cat "$T/check.out")" 'acked=([5-9][0-9]|[0-9]{3,})$'
check_match "enough acknowledged action updates" "$(cat "$T/check.out")" '^updates=([2-9][0-9]|[0-9]{3,})$'
check_match "every action checked against its history" "$(cat "$T/check.out")" '^actions_checked=2$'
check_match "no acknowledged write lost, no action half-written" "$(cat "$T/check.out")" '^lost=0 '
check_match "no import half-written" "$(cat "$T/check.out")" ' half=0 '
check_match "PRAGMA integrity_check" "$(cat "$T/check.out")" '^integrity=ok$'
run audit verify
expect "the audit chain holds across the kills" 0
http GET /v1/health
check_eq "the last restart serves" "$HTTP_STATUS" 200
