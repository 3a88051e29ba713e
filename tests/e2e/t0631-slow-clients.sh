#!/usr/bin/env bash
# Slow clients: a connection that trickles its request headers one byte
# at a time (slowloris) is closed header_timeout after it started, and an
# idle keep-alive connection after the same time; a normal client is
# served meanwhile.
. "$(dirname "$0")/lib.sh"

start_mdtd "header_timeout = 2"
python3 - "$MDT_URL" >"$T/slow.out" 2>&1 <<'PY'
import socket, sys, time
host, port = sys.argv[1].split("//")[1].split(":"); port = int(port)
req = b"GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200 + b"\r\n\r\n"

idle = socket.create_connection((host, port))
slow = socket.create_connection((host, port))
t0 = time.monotonic()
closed_at = None
for i, b in enumerate(req):
    try:
        slow.sendall(bytes([b]))
    except (BrokenPipeError, ConnectionResetError):
        closed_at = time.monotonic() - t0
        break
    slow.settimeout(0.25)
    try:
        d = slow.recv(4096)
        if d == b"" or d.startswith(b"HTTP/1.1 408") or d.startswith(b"HTTP/1.1 4"):
            closed_at = time.monotonic() - t0
            print("slow got %r" % d[:40])
            break
    except socket.timeout:
        pass
    except ConnectionResetError:
        closed_at = time.monotonic() - t0
        break
    if time.monotonic() - t0 > 10: break
print("slow_closed_after=%s bytes_sent=%d" % ("%.1f" % closed_at if closed_at else "never", i))
idle.settimeout(5)
try:
    d = idle.recv(4096)
    print("idle_closed_after=%.1f" % (time.monotonic() - t0) if d == b"" else "idle got %r" % d[:40])
except socket.timeout:
    print("idle_closed_after=never")
PY
cat "$T/slow.out" | sed 's/^/# /'
after=$(sed -n 's/^slow_closed_after=\([0-9.]*\).*/\1/p' "$T/slow.out")
check_match "a trickling client is closed" "$after" '^[0-9]'
check_eq "after header_timeout (2 s), well before it finished" \
    "$(python3 -c "print(1.5 <= float('${after:-0}') <= 4)")" True
check_match "an idle connection is closed too" "$(cat "$T/slow.out")" 'idle_closed_after=[0-9]'
http GET /v1/health
check_eq "others are served" "$HTTP_STATUS" 200
