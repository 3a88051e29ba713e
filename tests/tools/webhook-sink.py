#!/usr/bin/python3
"""A loopback receiver of partner webhooks for tests.

Checks X-MDT-Signature: t=UNIX,v1=HEX, where HEX is the hex HMAC-SHA-256
under --secret of "UNIX." followed by the body, and that the timestamp is
within --tolerance seconds (default 300). Each request is recorded in DIR
as NNNNNN.json (the body as received) with NNNNNN.meta (one line:
"valid" or "invalid REASON", then the content type), and answered 204 when
valid, 401 when not (or --status CODE whatever the signature).

  webhook-sink.py --dir DIR --secret S [--port N] [--port-file F] [--status CODE]

The port is printed on stdout as "port N" once it listens.
"""
import os
PARENT = os.getppid()  # before the slower imports: see watch_parent
import argparse
import hashlib
import hmac
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
count = [0]


def verify(secret, header, body, tolerance):
    m = re.fullmatch(r"t=(\d+),v1=([0-9a-f]{64})", header or "")
    if not m:
        return "malformed signature header"
    t = int(m.group(1))
    if abs(time.time() - t) > tolerance:
        return "timestamp outside tolerance"
    want = hmac.new(secret.encode(), m.group(1).encode() + b"." + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, m.group(2)):
        return "signature mismatch"
    return None


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        a = self.server.args
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if 0 < n <= (8 << 20) else b""
        why = verify(a.secret, self.headers.get("X-MDT-Signature"), body, a.tolerance)
        with lock:
            count[0] += 1
            k = count[0]
        base = os.path.join(a.dir, "%06d" % k)
        with open(base + ".meta", "w") as f:
            f.write(("valid" if why is None else "invalid " + why) + "\n")
            f.write((self.headers.get("Content-Type") or "") + "\n")
        with open(base + ".json.tmp", "wb") as f:
            f.write(body)
        os.rename(base + ".json.tmp", base + ".json")
        code = a.status or (204 if why is None else 401)
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()


def watch_parent(ppid):
    """Ends the receiver when the process that started it is gone."""
    while os.getppid() == ppid:
        time.sleep(0.5)
    os._exit(0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--secret", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--status", type=int, default=0)
    ap.add_argument("--tolerance", type=int, default=300)
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.args = a
    port = srv.server_address[1]
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.rename(a.port_file + ".tmp", a.port_file)
    print("port %d" % port, flush=True)
    threading.Thread(target=watch_parent, args=(PARENT,), daemon=True).start()
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
