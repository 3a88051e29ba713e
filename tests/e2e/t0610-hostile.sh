#!/usr/bin/env bash
# Hostile input: malformed and truncated JSON, wrong types, deep nesting,
# huge numbers and strings, invalid UTF-8 and NUL bytes, bodies over
# max_body, wrong content types, path traversal and odd paths. Each is
# answered with the right 4xx and a JSON error whose message names the
# field (or "body"), and the database is byte-for-byte the same dump
# afterwards. Then SQL-looking and path-looking names are stored and read
# back literally.
. "$(dirname "$0")/lib.sh"

start_mdtd "max_body = 64K" "auth_fail_burst = 1000"
http_json POST /v1/orgs '{"name": "Harbour Mind", "kind": "vcse", "email": "h@harbour.example"}'
http_json POST /v1/pcns '{"name": "Harbour PCN"}'
http_json POST /v1/lists '{"name": "Harbour MDT"}'
holder=$(api_token case_holder "Harbour Mind")
db=$T/var/mdtd.db
dump() { sqlite3 "$db" .dump; }
dump >"$T/before.sql"

python3 - "$MDT_URL" "$MDT_TOKEN" "$holder" >"$T/hostile.out" 2>&1 <<'PY'
import http.client, json, sys
base, admin, holder = sys.argv[1], sys.argv[2], sys.argv[3]
host, port = base.split("//")[1].split(":")
J = "application/json"
org = lambda **kw: json.dumps(dict({"name": "X Org", "kind": "vcse", "email": "x@x.example"}, **kw)).encode()
case = lambda **kw: json.dumps(dict({"pseudonym": "MDT-7K3Q-9XW2", "age_band": "30-39", "needs": [],
    "presentation": "Low mood.", "question": "What next?", "risk": "low", "pcn": "Harbour PCN"}, **kw)).encode()
deep = lambda n: ("[" * n + "]" * n)
# (description, method, path, content type, body, token, status, text the message must name)
cases = [
 ("malformed JSON", "POST", "/v1/orgs", J, b'{"name": "A",, }', admin, 400, "body"),
 ("truncated JSON", "POST", "/v1/orgs", J, org()[:-7], admin, 400, "body"),
 ("empty body", "POST", "/v1/orgs", J, b"", admin, 400, "body"),
 ("a JSON array, not an object", "POST", "/v1/orgs", J, b'[1,2]', admin, 400, "body"),
 ("a bare string", "POST", "/v1/orgs", J, b'"org"', admin, 400, "body"),
 ("duplicate keys", "POST", "/v1/orgs", J, b'{"name":"A","name":"B","kind":"vcse","email":"a@b.example"}', admin, 400, "body"),
 ("name as a number", "POST", "/v1/orgs", J, org(name=5), admin, 422, "name"),
 ("name as an object", "POST", "/v1/orgs", J, org(name={"a": 1}), admin, 422, "name"),
 ("name null", "POST", "/v1/orgs", J, org(name=None), admin, 422, "name"),
 ("kind as an array", "POST", "/v1/orgs", J, org(kind=["vcse"]), admin, 422, "kind"),
 ("needs as a string", "POST", "/v1/orgs", J, org(needs="housing"), admin, 422, "needs"),
 ("needs with a number", "POST", "/v1/orgs", J, org(needs=[1]), admin, 422, "needs"),
 ("unknown field", "POST", "/v1/orgs", J, org(admin=True), admin, 422, "admin"),
 ("nesting 100 deep in a field", "POST", "/v1/orgs", J, b'{"name":' + deep(100).encode() + b',"kind":"vcse","email":"a@b.example"}', admin, 422, "name"),
 ("nesting 5,000 deep", "POST", "/v1/orgs", J, b'{"name":' + deep(5000).encode() + b'}', admin, 400, "body"),
 ("a 2^70 integer", "PATCH", "/v1/orgs/Harbour%20Mind", J, b'{"version": 1180591620717411303424}', admin, 400, "body"),
 ("1e400", "PATCH", "/v1/orgs/Harbour%20Mind", J, b'{"version": 1e400}', admin, 400, "body"),
 ("version negative", "PATCH", "/v1/orgs/Harbour%20Mind", J, b'{"version": -1}', admin, 422, "version"),
 ("version as a float", "PATCH", "/v1/orgs/Harbour%20Mind", J, b'{"version": 1.5}', admin, 422, "version"),
 ("a 100 KB name (body under max_body)", "POST", "/v1/orgs", J, org(name="A" * 60000), admin, 422, "name"),
 ("a name of 201 characters", "POST", "/v1/orgs", J, org(name="B" * 201), admin, 422, "name"),
 ("a name with a newline", "POST", "/v1/orgs", J, org(name="Bad\nName"), admin, 422, "name"),
 ("invalid UTF-8 in a string", "POST", "/v1/orgs", J, b'{"name":"Caf\xe9","kind":"vcse","email":"a@b.example"}', admin, 400, "body"),
 ("overlong UTF-8", "POST", "/v1/orgs", J, b'{"name":"\xc0\xaf","kind":"vcse","email":"a@b.example"}', admin, 400, "body"),
 ("an escaped NUL", "POST", "/v1/orgs", J, b'{"name":"A\\u0000B","kind":"vcse","email":"a@b.example"}', admin, 400, "body"),
 ("a raw NUL byte", "POST", "/v1/orgs", J, b'{"name":"A\x00B","kind":"vcse","email":"a@b.example"}', admin, 400, "body"),
 ("a lone surrogate escape", "POST", "/v1/orgs", J, b'{"name":"\\ud800","kind":"vcse","email":"a@b.example"}', admin, 400, "body"),
 ("email with CR LF", "POST", "/v1/people", J, json.dumps({"name": "P Q", "email": "p@q.example\r\nBcc: x@y.example", "org": "Harbour Mind"}).encode(), admin, 422, "email"),
 ("webhook not http(s)", "POST", "/v1/orgs", J, org(webhook_url="file:///etc/passwd"), admin, 422, "webhook_url"),
 ("a body over max_body", "POST", "/v1/orgs", J, org(name="C" * 70000), admin, 413, "body"),
 ("text/plain", "POST", "/v1/orgs", "text/plain", org(), admin, 415, "Content-Type"),
 ("no Content-Type", "POST", "/v1/orgs", None, org(), admin, 415, "Content-Type"),
 ("JSON with another charset", "POST", "/v1/orgs", "application/json; charset=latin1", org(), admin, 415, "Content-Type"),
 ("JSON sent to a CSV import", "POST", "/v1/import/orgs", J, org(), admin, 415, "Content-Type"),
 ("CSV with invalid UTF-8", "POST", "/v1/import/orgs", "text/csv", b"name,kind,email\nCaf\xe9,vcse,a@b.example\n", admin, 422, None),
 ("path traversal in a ref", "GET", "/v1/orgs/..%2F..%2Fetc%2Fpasswd", None, None, admin, 404, None),
 ("dot segments in the path", "GET", "/v1/orgs/../tokens", None, None, admin, 404, None),
 ("a NUL in a ref", "DELETE", "/v1/orgs/Harbour%00Mind", None, None, admin, 404, None),
 ("bad percent escape", "DELETE", "/v1/orgs/%zz", None, None, admin, 404, None),
 ("invalid UTF-8 in a ref", "PATCH", "/v1/orgs/%ff%fe", J, b'{"name":"Y"}', admin, 404, None),
 ("case: needs as an object", "POST", "/v1/cases", J, case(needs={"a": 1}), holder, 422, "needs"),
 ("case: risk as a number", "POST", "/v1/cases", J, case(risk=3), holder, 422, "risk"),
 ("case: pseudonym malformed", "POST", "/v1/cases", J, case(pseudonym="'; DROP TABLE cases;--"), holder, 422, "pseudonym"),
 ("case: age band as a number", "POST", "/v1/cases", J, case(age_band=35), holder, 422, "age_band"),
 ("case: presentation as an array", "POST", "/v1/cases", J, case(presentation=["x"]), holder, 422, "presentation"),
 ("case: 60 KB presentation", "POST", "/v1/cases", J, case(presentation="word " * 12000), holder, 422, "presentation"),
 ("case: unknown PCN", "POST", "/v1/cases", J, case(pcn="../../PCN"), holder, 422, "pcn"),
 ("list members: add not an array", "POST", "/v1/lists/Harbour%20MDT/members", J, b'{"add": "x"}', admin, 422, "add"),
 ("token: role unknown", "POST", "/v1/tokens", J, b'{"role": "root", "name": "x"}', admin, 422, "role"),
]
answered = failed = 0
for desc, method, path, ctype, body, tok, want, field in cases:
    c = http.client.HTTPConnection(host, int(port), timeout=10)
    h = {"Authorization": "Bearer " + tok}
    if ctype: h["Content-Type"] = ctype
    try:
        c.request(method, path, body=body, headers=h)
        r = c.getresponse(); data = r.read(); status = r.status
    except Exception as e:
        status, data = 0, str(e).encode()
    c.close()
    good = status == want
    msg = ""
    if good:
        try:
            err = json.loads(data)["error"]; msg = err["message"]
            if field and field not in msg and err.get("field") != field: good = False
        except Exception:
            good = False
    answered += 1
    if not good: failed += 1
    print("%s - %s: %d%s" % ("ok" if good else "not ok", desc, status,
          "" if good else " (want %d naming %s) %r" % (want, field, data[:200])))
print("# measure: hostile_inputs_tried=%d hostile_inputs_answered_right=%d" % (answered, answered - failed))
PY
sed 's/^ok/ok/' "$T/hostile.out"
TESTS_PASSED=$((TESTS_PASSED + $(grep -c '^ok ' "$T/hostile.out")))
TESTS_FAILED=$((TESTS_FAILED + $(grep -c '^not ok ' "$T/hostile.out")))
# Bodies over max_body as h2o sees them: refused (413, the API's JSON
# error naming the body) as soon as a Content-Length over the limit is
# read, before any of the body, or once a chunked body passes it; the
# connection is closed after the answer, and the server goes on.
python3 - "$MDT_URL" "$MDT_TOKEN" >"$T/large.out" 2>&1 <<'PY'
import json, socket, sys, time
base, admin = sys.argv[1], sys.argv[2]
host, port = base.split("//")[1].split(":")
want = {"error": {"code": "too_large", "message": "body: larger than 65536 bytes"}}
def exchange(head, body=b"", chunks=None):
    s = socket.create_connection((host, int(port)), timeout=10)
    s.sendall(head + body)
    if chunks:
        try:
            for c in chunks: s.sendall(c)
        except OSError: pass  # the server may close before the rest is sent
    data, t0 = b"", time.monotonic()
    while True:
        try: b = s.recv(65536)
        except ConnectionResetError: break
        if not b: break
        data += b
    s.close()
    return data, time.monotonic() - t0
def req(cl=None, chunked=False):
    h = "POST /v1/orgs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\n" % admin
    if cl is not None: h += "Content-Length: %d\r\n" % cl
    if chunked: h += "Transfer-Encoding: chunked\r\n"
    return (h + "\r\n").encode()
def check(desc, data):
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    hdr = {l.split(":", 1)[0].lower(): l.split(":", 1)[1].strip() for l in lines[1:] if ":" in l}
    try: doc = json.loads(body)
    except ValueError: doc = None
    good = lines[0].startswith("HTTP/1.1 413") and doc == want and hdr.get("content-type") == "application/json"
    print("%s - %s: %s %r" % ("ok" if good else "not ok", desc, lines[0], body[:120]))
    good = hdr.get("connection", "").lower() == "close"
    print("%s - %s: Connection: close, and the server closed it" % ("ok" if good else "not ok", desc))
# Headers only: the answer comes without a byte of the body being sent,
# so nothing of it is buffered, however large it says it is.
d, secs = exchange(req(cl=70000))
check("Content-Length 70,000 (limit 65,536), no body sent", d)
d, secs2 = exchange(req(cl=10 * 1024 ** 3))
check("Content-Length 10 GiB, no body sent", d)
print("%s - answered before any body arrived (%.0f ms, %.0f ms)" % ("ok" if max(secs, secs2) < 2 else "not ok", secs * 1000, secs2 * 1000))
d, _ = exchange(req(cl=70000), b"C" * 70000)
check("Content-Length 70,000 with its body", d)
chunks = [b"4000\r\n" + b"C" * 0x4000 + b"\r\n" for _ in range(5)] + [b"0\r\n\r\n"]
d, _ = exchange(req(chunked=True), b"", chunks)
check("a chunked body of 80 KiB", d)
# The body at the limit is read and reaches the API (422: the name is too long).
body = json.dumps({"name": "D" * (65536 - 80), "kind": "vcse", "email": "d@x.example"}).encode()
body += b" " * (65536 - len(body))
assert len(body) == 65536
d, _ = exchange(req(cl=len(body)).replace(b"HTTP/1.1\r\n", b"HTTP/1.1\r\nConnection: close\r\n"), body)
print("%s - a body of exactly max_body reaches the API: %s" % ("ok" if d.startswith(b"HTTP/1.1 422") else "not ok", d.split(b"\r\n")[0]))
d, _ = exchange(req(cl=len(body) + 1), body + b" ")
check("a body of max_body + 1", d)
# Chunked, h2o counts a body at the limit as over it: max_body - 1 passes.
def chunked(b): return [b"%x\r\n" % len(b) + b + b"\r\n", b"0\r\n\r\n"]
d, _ = exchange(req(chunked=True).replace(b"HTTP/1.1\r\n", b"HTTP/1.1\r\nConnection: close\r\n"), b"", chunked(body[:-1]))
print("%s - a chunked body of max_body - 1 reaches the API: %s" % ("ok" if d.startswith(b"HTTP/1.1 422") else "not ok", d.split(b"\r\n")[0]))
d, _ = exchange(req(chunked=True), b"", chunked(body))
check("a chunked body of exactly max_body", d)
PY
cat "$T/large.out"
TESTS_PASSED=$((TESTS_PASSED + $(grep -c '^ok ' "$T/large.out")))
TESTS_FAILED=$((TESTS_FAILED + $(grep -c '^not ok ' "$T/large.out")))
check_match "the log says so, without the path" "$(cat "$T/mdtd.log")" 'http: POST - 413 body over max_body \(65536 bytes\), refused by the HTTP layer actor=-'

dump >"$T/after.sql"
if cmp -s "$T/before.sql" "$T/after.sql"; then ok "nothing changed in the database"; else
    not_ok "nothing changed in the database"; diff "$T/before.sql" "$T/after.sql" | head -20 | sed 's/^/#   /'; fi
http GET /v1/health
check_eq "the server still answers" "$HTTP_STATUS" 200

# Literal storage: SQL-looking and path-looking names come back as sent.
for name in "Robert'); DROP TABLE orgs;--" '../../etc/passwd' '%00%2e%2e' "x' OR '1'='1" '<script>alert(1)</script>'; do
    body=$(python3 -c 'import json,sys; print(json.dumps({"name":sys.argv[1],"kind":"vcse","email":"lit@x.example"}))' "$name")
    http_json POST /v1/orgs "$body"
    id=$(json_get "$HTTP_BODY" id)
    check_eq "stored literally: $name" "$(sqlite3 "$db" "SELECT name FROM orgs WHERE id = $id")" "$name"
    ref=$(python3 -c 'import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1], safe=""))' "$name")
    http GET "/v1/orgs/$ref"
    check_eq "read back by name: $name" "$(json_get "$HTTP_BODY" name)" "$name"
    http DELETE "/v1/orgs/$ref"
done
check_eq "every table is still there" "$(sqlite3 "$db" "SELECT count(*) FROM sqlite_master WHERE name IN ('orgs','people','tokens','cases')")" 4

# HTTP/2 (TLS): h2o 2.2.5 resets the stream of a body over max_body
# (REFUSED_STREAM) with no HTTP answer, and has no hook before that check
# (docs/API.md says so). What must hold: nothing of it is stored, and
# the server and other streams go on.
stop_mdtd
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -keyout "$T/key.pem" -out "$T/cert.pem" >/dev/null 2>&1
printf 'tls_cert = %s\ntls_key = %s\n' "$T/cert.pem" "$T/key.pem" >>"$T/mdtd.conf"
restart_mdtd
MDT_URL="https://127.0.0.1:$(sed -n 's/.*ready on 127\.0\.0\.1:\([0-9]*\) (TLS.*/\1/p' "$T/mdtd.log" | tail -1)"
python3 -c 'import json; print(json.dumps({"name": "H2 " + "C" * 70000, "kind": "vcse", "email": "h2@x.example"}))' >"$T/big.json"
rc=0
h2=$(curl -sk --http2 --retry 0 -o /dev/null -w '%{http_version} %{http_code}' -H "Authorization: Bearer $ADMIN_TOKEN" \
    -H 'Content-Type: application/json' --data-binary @"$T/big.json" "$MDT_URL/v1/orgs" 2>/dev/null) || rc=$?
check_eq "HTTP/2: a body over max_body is refused as a stream error (no answer)" "$rc ${h2% *}" "56 0"
check_eq "  ... and nothing of it is stored" "$(sqlite3 "$db" "SELECT count(*) FROM orgs WHERE name LIKE 'H2 %'")" 0
check_eq "  ... and the server answers the next HTTP/2 request" \
    "$(curl -sk --http2 -o /dev/null -w '%{http_version} %{http_code}' "$MDT_URL/v1/health")" "2 200"
