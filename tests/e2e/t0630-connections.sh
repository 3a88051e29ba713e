#!/usr/bin/env bash
# Connections: 2,000 idle keep-alive connections are held while another
# client's GET /v1/health stays fast (the times are reported, not
# asserted: the machine is shared); connections past max_connections are
# answered 503 and closed; the idle ones still work afterwards.
. "$(dirname "$0")/lib.sh"

IDLE=${MDT_IDLE_CONNECTIONS:-2000}
ulimit -n 8192 2>/dev/null || true
start_mdtd "header_timeout = 120" "max_connections = $((IDLE + 50))"

python3 - "$MDT_URL" "$IDLE" >"$T/conn.out" 2>&1 <<'PY'
import socket, sys, time, statistics
url, n = sys.argv[1], int(sys.argv[2])
host, port = url.split("//")[1].split(":"); port = int(port)
REQ = b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n"

def health():
    t = time.perf_counter()
    s = socket.create_connection((host, port))
    s.sendall(REQ[:-2] + b"Connection: close\r\n\r\n")
    data = b""
    while True:
        d = s.recv(4096)
        if not d: break
        data += d
    s.close()
    assert data.startswith(b"HTTP/1.1 200"), data[:80]
    return (time.perf_counter() - t) * 1000

def stats(name, xs):
    xs = sorted(xs)
    print("# measure: %s_p50_ms=%.2f %s_p99_ms=%.2f %s_max_ms=%.2f" % (
        name, statistics.median(xs), name, xs[int(len(xs) * 0.99) - 1], name, xs[-1]))

base = [health() for _ in range(200)]
stats("health_alone", base)
conns = []
t = time.perf_counter()
for i in range(n):
    s = socket.create_connection((host, port))
    conns.append(s)
print("# opened %d idle connections in %.2f s" % (len(conns), time.perf_counter() - t))
time.sleep(0.5)
loaded = [health() for _ in range(200)]
stats("health_with_idle", loaded)
# Past the cap: answered 503 and closed, never hung.
refused = served = 0
extra = []
for i in range(100):
    s = socket.create_connection((host, port))
    s.settimeout(5)
    extra.append(s)
for s in extra:
    try:
        s.sendall(REQ)
        d = s.recv(4096)
    except (ConnectionResetError, BrokenPipeError):
        d = b"RESET"
    if d.startswith(b"HTTP/1.1 503"): refused += 1
    elif d.startswith(b"HTTP/1.1 200"): served += 1
    else: print("# extra connection got", d[:60])
    s.close()
print("extra_refused=%d extra_served=%d" % (refused, served))
print("# measure: over_cap_refused=%d over_cap_served=%d" % (refused, served))
# Every idle connection still answers.
alive = 0
for s in conns:
    s.sendall(REQ)
for s in conns:
    s.settimeout(10)
    d = s.recv(4096)
    if d.startswith(b"HTTP/1.1 200"): alive += 1
    s.close()
print("# measure: connections_held=%d" % alive)
print("alive=%d" % alive)
PY
cat "$T/conn.out" | grep '^#'
check_match "every idle connection still answers" "$(cat "$T/conn.out")" "alive=$IDLE"
check_match "past max_connections: 503 (not hung), the rest served" "$(cat "$T/conn.out")" 'extra_refused=(4[0-9]|50|5[0-9]) extra_served=(4[0-9]|5[0-9]|60)'
check_match "the refusal is logged" "$(cat "$T/mdtd.log")" 'refusing more'
http GET /v1/health
check_eq "the server still answers" "$HTTP_STATUS" 200
