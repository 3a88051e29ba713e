#!/usr/bin/env bash
# Reports are computed on the thread pool, not on the loop: while a
# national year's report (scripts/gen-national, 1,250 PCNs, about 570,000
# actions) is computed, GET /v1/health is asked again and again on
# another connection and must be answered long before the report is (the
# figures are printed, not judged tightly). The report's totals are what
# the generator wrote; reports at once give the same answer; a client
# that goes away before the answer, and a shutdown during a report, are
# handled cleanly. MDT_REPORT_SCALE (default national) may make it smaller,
# at the cost of the checks that need a report outlasting its client.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
SCALE=${MDT_REPORT_SCALE:-national}

start_mdtd "scheduler_interval = 86400"
DB=$T/var/mdtd.db
"$TOP/scripts/gen-national" --scale "$SCALE" "$DB" >"$T/gen.json"
check_match "the generator wrote a year ($SCALE)" "$(cat "$T/gen.json")" '"actions": [0-9]+'
CHAIR=$(new_token chair)

# One report on a connection of its own; health on another, one request
# at a time, until the report is back.
$PY - "$MDT_URL" "$CHAIR" "$T/gen.json" >"$T/probe.json" <<'EOF'
import http.client, json, sys, threading, time, urllib.parse
url, token, gen = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))
host, port = urllib.parse.urlsplit(url).hostname, urllib.parse.urlsplit(url).port
period = gen["period"]
res = {}
def report():
    c = http.client.HTTPConnection(host, port, timeout=300)
    t = time.monotonic()
    c.request("GET", "/v1/reports?from=%s&to=%s" % (period["from"], period["to"]),
              headers={"Authorization": "Bearer " + token})
    r = c.getresponse()
    res["answered"] = time.monotonic()
    res["report_ms"] = (res["answered"] - t) * 1000
    res["status"] = r.status
    res["raw"] = r.read()  # parsed after: parsing holds the GIL, the prober would wait
th = threading.Thread(target=report)
c = http.client.HTTPConnection(host, port, timeout=300)
c.request("GET", "/v1/health"); c.getresponse().read()  # connected before the report starts
t0 = time.monotonic()
th.start()
probes = []
while th.is_alive():
    t = time.monotonic()
    c.request("GET", "/v1/health")
    r = c.getresponse(); r.read()
    probes.append((time.monotonic(), (time.monotonic() - t) * 1000))
th.join()
# the health answers given while the report was being computed
lat = sorted(ms for end, ms in probes if end <= res["answered"])
res["body"] = json.loads(res["raw"])
t = res["body"].get("totals", {})
a = t.get("actions", {})
got = {k: t.get(k) for k in ("meetings_held", "cases_presented", "people_new", "people_returning")}
got.update({k: a.get(k) for k in ("agreed", "accepted", "declined", "completed", "completed_on_time",
                                  "open", "overdue", "median_days_to_completion")})
got["attended"] = sum(x["attended"] for x in t.get("attendance", []))
print(json.dumps({"status": res["status"], "report_ms": round(res["report_ms"]), "n": len(lat),
                  "p50": lat[len(lat) // 2] if lat else None,
                  "p99": lat[min(len(lat) - 1, len(lat) * 99 // 100)] if lat else None,
                  "max": lat[-1] if lat else None,
                  "totals_match": got == gen["totals"]}))
EOF
P=$(cat "$T/probe.json")
echo "# $SCALE report: $(json_get "$P" report_ms) ms; health during it: $(json_get "$P" n) answers, p50 $(json_get "$P" p50) ms, p99 $(json_get "$P" p99) ms, max $(json_get "$P" max) ms; mdtd: $(grep -o 'reports: [0-9].*' "$T/mdtd.log" | tail -1)"
check_eq "the report is answered" "$(json_get "$P" status)" 200
check_eq "its totals are what the generator wrote" "$(json_get "$P" totals_match)" True
check_eq "health was answered while it ran, each well before it was done" \
    "$($PY -c 'import json,sys; p=json.loads(sys.argv[1]); print(p["n"] >= 5 and p["max"] < p["report_ms"] / 2)' "$P")" True

# Three at once: the same figures (as_at aside) and all answered.
pids=()
for i in 1 2 3; do
    curl -s -o "$T/r$i.json" -w '%{http_code}\n' -H "Authorization: Bearer $CHAIR" \
        "$MDT_URL/v1/reports?from=2025-01-01&to=2025-12-31" >"$T/s$i" &
    pids+=($!)
done
wait "${pids[@]}"
check_eq "three reports at once: all 200" "$(cat "$T/s1" "$T/s2" "$T/s3" | tr '\n' ' ')" "200 200 200 "
same=$($PY -c 'import json,sys
d = [json.load(open(f)) for f in sys.argv[1:]]
for x in d: x.pop("as_at", None)
print(d[0] == d[1] == d[2] and len(d[0]["rows"]) > 0)' "$T/r1.json" "$T/r2.json" "$T/r3.json")
check_eq "... with the same figures" "$same" True

# Errors are still answered at once, on the loop.
MDT_TOKEN=$CHAIR check_status "a bad period is refused" 422 GET "/v1/reports?from=2025-02-01&to=2025-01-01"
MDT_TOKEN=$CHAIR check_status "an unknown PCN is refused" 422 GET "/v1/reports?from=2025-01-01&to=2025-12-31&pcn=Nowhere"
MDT_TOKEN=$CHAIR check_status "one PCN's report" 200 GET "/v1/reports?from=2025-01-01&to=2025-12-31&pcn=PCN%200001"
check_eq "... names it" "$(json_get "$HTTP_BODY" pcn.name)" "PCN 0001"

# A client that gives up before the answer. Over HTTP/1.1 h2o reads no
# more of a connection until it has answered, so the answer goes to a
# closed socket; over HTTP/2 (TLS) the stream is freed at once: the
# report is interrupted and its end finds the request gone.
curl -s -o /dev/null --max-time 0.2 -H "Authorization: Bearer $CHAIR" \
    "$MDT_URL/v1/reports?from=2025-01-01&to=2025-12-31"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null
pin_port
stop_mdtd
printf 'tls_cert = %s\ntls_key = %s\n' "$T/cert.pem" "$T/key.pem" >>"$T/mdtd.conf"
restart_mdtd
MDT_URL=https://${MDT_URL#http://}
curl -sk --http2 -o /dev/null --max-time 0.5 -H "Authorization: Bearer $CHAIR" \
    "$MDT_URL/v1/reports?from=2025-01-01&to=2025-12-31"
for i in $(seq 1 $((300 * ${MDT_TEST_TIMEOUT_MULTIPLIER:-1}))); do
    grep -q 'the client went away before the answer' "$T/mdtd.log" && break
    sleep 0.1
done
if [ "$SCALE" = national ]; then
    check_match "a client gone before the answer: logged" "$(cat "$T/mdtd.log")" 'reports: 2025-01-01 to 2025-12-31: the client went away before the answer'
    check_eq "... and its report was stopped, not finished" \
        "$(sed -n '/TLS, HTTP\/2/,$p' "$T/mdtd.log" | grep -c 'reports: 2025-01-01 to 2025-12-31, [0-9]* meetings')" 0
else
    ok "# SKIP a client gone before the answer: a $SCALE report ends before the client gives up"
fi
check_status "... and the daemon answers on" 200 GET /v1/health -k

# Shutdown during reports (two running, one waiting its turn): they are
# interrupted and answered 503, and the daemon exits 0 promptly.
pids=()
for i in 1 2 3; do
    curl -sk -o "$T/stop$i.json" -w '%{http_code}' -H "Authorization: Bearer $CHAIR" \
        "$MDT_URL/v1/reports?from=2025-01-01&to=2025-12-31" >"$T/stop$i.status" &
    pids+=($!)
done
sleep 0.3
S=$(date +%s%N)
stop_mdtd
MS=$((($(date +%s%N) - S) / 1000000))
wait "${pids[@]}"
st=$(for i in 1 2 3; do cat "$T/stop$i.status"; echo; done | sort | tr '\n' ' ')
echo "# stopped $MS ms after SIGTERM during three reports; they were answered $st"
check_match "the reports running or waiting at shutdown are answered (503, or 200 when done)" "$st" '^((503|200) ){3}$'
check_eq "... the 503s saying why" \
    "$(for i in 1 2 3; do [ "$(cat "$T/stop$i.status")" = 503 ] && ! grep -q 'the server is stopping' "$T/stop$i.json" && echo "$i"; done)" ""
check_eq "the daemon stopped within the grace period" "$([ "$MS" -lt 9000 ] && echo yes)" yes
